"""iCalendar out and iTIP in (RFC 5545, RFC 5546, RFC 6047). Pure, no I/O, no clock.

`build_calendar` renders the one VEVENT mailflow sends (invite, cancellation,
the therapist's own copy); `read_calendar` finds and reads the iTIP calendar in
a whole mail. Import it as ``from mailflow import calendar`` (stdlib name).
Time zones in mail are resolved by `zones`, never expanded by dateutil.

Times are written in UTC (``DTSTART:20261026T090000Z``), never with TZID and
VTIMEZONE: each call is one instance, so a home zone adds nothing to what a
calendar shows, and UTC is the form every client reads without a VTIMEZONE
definition to get wrong (Google's own invites use it too).
"""

from __future__ import annotations

import codecs
import email.errors
import re
import unicodedata
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Component, Event, vCalAddress
from icalendar.enums import STATUS, TRANSP

from mailflow import patterns
from mailflow.model import Attendee, CalendarMessage
from mailflow.reading import zones
from mailflow.reading.parse import (
    BOUNDED_COMPAT32,
    MAX_MAIL_BYTES,
    MAX_PARTS,
    OverBudget,
)

Method = Literal["REQUEST", "CANCEL", "PUBLISH"]
"""What mailflow sends: an invite or its update, its cancellation, or a plain copy."""

PRODID: Final = "-//mailflow//mailflow//EN"
"""Our product identifier (RFC 5545 section 3.7.3)."""

MAX_NAME_CHARS: Final = 100
"""Display names (CN) are cut here: they come from the person's own mail."""

MAX_SUMMARY_CHARS: Final = 200
"""SUMMARY is cut here; calendars show one short line."""

KEEP_BACKSLASH_N: Final = "\\\u2060N"
"""A literal backslash-N, written so no reader takes it for a line break."""
MAX_DESCRIPTION_CHARS: Final = 2000
"""DESCRIPTION is cut here; ours is a few sentences."""

MAX_CALENDAR_BYTES: Final = 256 * 1024
"""A calendar part larger than this (decoded) is not read. Real invitations are
2-20 KiB (Exchange's and iCloud's VTIMEZONE histories and Teams descriptions
are the large ones); icalendar parses in pure Python, so the size bounds the work."""

MAX_CALENDAR_PARTS: Final = 4
"""Calendar parts tried per mail, in document order. Google sends the same
calendar twice (inline and invite.ics); more than a few is not a calendar reply."""

MAX_EVENTS: Final = 50
"""A calendar with more VEVENTs than this is refused. Ours hold one; a reply to
a recurring series holds one per changed occurrence, never dozens."""

MAX_ATTENDEES: Final = 100
"""ATTENDEEs (and COMMENTs) read per event; a reply names one, Exchange a few."""

MAX_COMMENT_CHARS: Final = 1000
"""A reply's COMMENT is cut here: it reaches the therapist, quoted, and no one else."""

MAX_UID_CHARS: Final = 1024
"""Longer UIDs are refused. Exchange's are ~112 characters, Google's ~40, ours fewer."""

MAX_SEQUENCE: Final = 2**31 - 1
"""SEQUENCE above this is refused: it is an integer revision count (RFC 5545
section 3.8.7.4) and has to fit the store's column."""

ITIP_METHODS: Final = frozenset(
    {
        "PUBLISH",
        "REQUEST",
        "REPLY",
        "ADD",
        "CANCEL",
        "REFRESH",
        "COUNTER",
        "DECLINECOUNTER",
    }
)
"""The methods of RFC 5546 section 1.4; anything else is not an iTIP message."""

_TIMED_METHODS: Final = frozenset({"REQUEST", "COUNTER", "REPLY"})
"""Methods whose times are read: a REPLY's to tell a decline of the call as
it stands (an older SEQUENCE from a phone number added) from one of a time
since moved."""
_CALENDAR_TYPES: Final = frozenset(
    {"text/calendar", "application/ics", "application/x-ics", "text/x-vcalendar"}
)
_PARSER_BUGS: Final = (
    ValueError, LookupError, TypeError, AttributeError, AssertionError,
    OverflowError, RecursionError, NotImplementedError, email.errors.MessageError,
)  # fmt: skip
"""What icalendar and the stdlib email package raise on malformed input (ValueError
covers UnicodeError and icalendar's parsing errors; LookupError unknown codecs)."""

_ADDRESS: Final = patterns.compile(r"[^\s@<>()\[\]\\,;:\"]+@[^\s@<>()\[\]\\,;:\"]+")
_UID: Final = patterns.compile(r"[\x21-\x7e]+")
_BARE_ICS: Final = patterns.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*BEGIN:VCALENDAR", re.IGNORECASE
)
_LEADING_BLANK: Final = patterns.compile(rb"\A(?:\xef\xbb\xbf)?(?:[ \t]*\r?\n)*")
_MBOX_FROM: Final = patterns.compile(rb"\AFrom [^\r\n]*\r?\n")
_MAILTO: Final = patterns.compile(r"\A\s*mailto:", re.IGNORECASE)
_BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\ufeff"  # a byte-order mark inside text: parsers drop it at a value's start
)
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
_ALARM_BEFORE: Final = timedelta(minutes=15)


def build_calendar(
    *,
    method: Method,
    uid: str,
    sequence: int,
    stamp: datetime,
    start_at: datetime,
    end_at: datetime,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str | None,
    attendee_name: str,
    summary: str,
    description: str,
    zone_name: str,
    location: str = "",
    url: str = "",
) -> bytes:
    """Render one VCALENDAR with one VEVENT as RFC 5545 bytes (CRLF, folded at 75 octets).

    REQUEST is the person's invite (its ATTENDEE asks RSVP=TRUE), and with the
    same `uid` and `sequence` + 1 its update; CANCEL (same `uid`, `sequence` + 1)
    removes it (RFC 5546 sections 3.2.2 and 3.2.5), asking no RSVP. PUBLISH is
    the therapist's own copy: it carries a 15-minute DISPLAY alarm and no
    ATTENDEE (RFC 5546 section 3.2.1 forbids one, and a calendar that saw one
    could mail the person from the therapist's account), so `attendee_email`
    is then None; so is it for that copy's CANCEL, which names no one the copy
    never had ("all attendees" of section 3.2.5 are none).

    Names, summary and description are cleaned (control characters and line
    breaks cannot break the structure; CN loses ``"``, ``^`` and ``\\``, which
    parsers disagree on) and cut to MAX_NAME_CHARS, MAX_SUMMARY_CHARS and
    MAX_DESCRIPTION_CHARS. `zone_name` is the practice zone; it must name an
    IANA zone but is not written (see the module docstring on UTC).
    `location` and `url` (a video call's meeting room) are written when given.

    Raises:
        ValueError: a naive or reversed time, a negative sequence, a UID that
            is not printable ASCII, an address that is not one, an unknown
            zone, or a REQUEST without an attendee.
    """
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"cannot build a calendar with method {method!r}")
    if not _UID.fullmatch(uid) or len(uid) > MAX_UID_CHARS:
        raise ValueError(f"UID must be printable ASCII, got {uid!r}")
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"SEQUENCE must be 0..{MAX_SEQUENCE}, got {sequence!r}")
    stamp, start_at, end_at = (_utc(stamp), _utc(start_at), _utc(end_at))
    if end_at <= start_at:
        raise ValueError(f"the event ends ({end_at}) before it starts ({start_at})")
    _check_zone(zone_name)

    organizer = vCalAddress.new(
        _checked_address(organizer_email),
        cn=_display_name(organizer_name, organizer_email),
    )
    attendees: list[vCalAddress] = []
    if method == "REQUEST" and attendee_email is None:
        raise ValueError("a REQUEST needs an attendee (RFC 5546 section 3.2.2)")
    if method != "PUBLISH" and attendee_email is not None:
        attendee = vCalAddress.new(
            _checked_address(attendee_email),
            cn=_display_name(attendee_name, attendee_email),
            cutype="INDIVIDUAL",
            role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION",
            # A cancellation asks for no answer (Google's and Outlook's neither).
            rsvp=True if method == "REQUEST" else None,
        )
        attendees.append(attendee)
    clean_summary = _text_line(summary, MAX_SUMMARY_CHARS)
    alarms: list[Component] = []
    if method == "PUBLISH":
        alarm = Alarm.new(description=clean_summary or "Reminder")
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", -_ALARM_BEFORE)
        alarms.append(alarm)

    event = Event.new(
        uid=uid,
        sequence=sequence,
        stamp=stamp,
        start=start_at,
        end=end_at,
        organizer=organizer,
        attendees=attendees or None,
        summary=clean_summary,
        description=_multi_line(description, MAX_DESCRIPTION_CHARS),
        status=STATUS.CANCELLED if method == "CANCEL" else STATUS.CONFIRMED,
        transparency=TRANSP.OPAQUE,
        subcomponents=alarms,
    )
    if location:
        event.add("LOCATION", _text_line(location, MAX_SUMMARY_CHARS))
    if url:
        event.add("URL", _one_line(url, MAX_SUMMARY_CHARS))
    # Calendar() rather than Calendar.new(): .new() adds an RFC 7986 UID from
    # uuid4, which no iMIP sender writes and would make the bytes unrepeatable.
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def read_calendar(raw_mail: bytes) -> CalendarMessage | None:
    """Find and read the iTIP calendar in a whole mail; None when there is none.

    Looks at every part in document order (inline text/calendar, application/ics,
    any ``*.ics`` attachment, nested multiparts; not inside attached messages,
    which are forwards and bounces) and at a bare .ics body. The calendar's own
    METHOD wins over the Content-Type ``method=``, which is only a fallback
    (some bridges strip it). Tolerates Outlook's Windows zone names, a missing
    ORGANIZER and folded lines; anything malformed yields None.

    Raises:
        OverBudget: a VTIMEZONE recurs more often than any real zone changes
            offset (``FREQ=SECONDLY``: every reader that expands it stalls).
    """
    data = _strip_leading_junk(raw_mail[:MAX_MAIL_BYTES])
    # icalendar warns on guessed time zones; a reader of hostile input must not
    # turn that into an exception (tests run with filterwarnings=error).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for text, method_hint in _calendar_texts(data):
            found = _read_text(text, method_hint)
            if found is not None:
                return found
    return None


def windows_zone(name: str) -> str | None:
    """The IANA zone for a Windows zone name as Outlook writes it in TZID.

    ``windows_zone("W. Europe Standard Time") == "Europe/Berlin"``; None when
    unknown. The table is CLDR's windowsZones, as shipped with icalendar.
    """
    return zones.windows_zone(name)


# --- building ------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"times must be aware, got {moment!r}")
    return moment.astimezone(UTC)


def _check_zone(zone_name: str) -> None:
    try:
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {zone_name!r}") from exc


def _checked_address(address: str) -> str:
    """A bare address, written after ``mailto:`` as is (never percent-encoded)."""
    cleaned = address.strip()
    if len(cleaned) > 254 or not _ADDRESS.fullmatch(cleaned):
        raise ValueError(f"not an email address: {address!r}")
    return cleaned


def _display_name(name: str, address: str) -> str:
    """CN: one clean line without ``"``, ``^`` or ``\\``; the address when empty.

    icalendar writes the first two the RFC 6868 way (``^'``, ``^^``), which
    Outlook and most other readers show literally, and reads a backslash in a
    parameter as an escape although RFC 5545 has none there.
    """
    cleaned = name.replace('"', "'").replace("^", " ").replace("\\", " ")
    return _one_line(cleaned, MAX_NAME_CHARS) or address.strip()


def _one_line(text: str, limit: int) -> str:
    """Control characters and line breaks become spaces; runs of spaces become one."""
    cleaned = "".join(" " if _unsafe(char) else char for char in text)
    return " ".join(cleaned.split())[:limit].rstrip()


def _text_line(text: str, limit: int) -> str:
    """`_one_line` for a TEXT value (SUMMARY, LOCATION), a backslash-N kept as
    typed as in `_multi_line`: icalendar writes it as the line-break escape."""
    return _one_line(text, limit).replace("\\N", KEEP_BACKSLASH_N)


def _multi_line(text: str, limit: int) -> str:
    """Line breaks become LF (written as ``\\n``); other control characters go."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(char for char in text if char == "\n" or not _unsafe(char))
    # icalendar reads a written backslash-N as the RFC 5545 line-break escape; a
    # word joiner between them keeps "C:\New" as typed in every calendar.
    return cleaned.strip()[:limit].rstrip().replace("\\N", KEEP_BACKSLASH_N)


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES or char in _BIDI_CONTROLS


# --- reading -------------------------------------------------------------------


def _strip_leading_junk(data: bytes) -> bytes:
    """Drop a BOM, blank lines and an mbox ``From `` line, which hide the headers."""
    data = _LEADING_BLANK.sub(b"", data, count=1)
    return _LEADING_BLANK.sub(b"", _MBOX_FROM.sub(b"", data, count=1), count=1)


def _calendar_texts(data: bytes) -> Iterator[tuple[str, str | None]]:
    """(calendar text, Content-Type method) for each candidate part, bounded."""
    if _BARE_ICS.match(data):
        if len(data) <= MAX_CALENDAR_BYTES:
            yield _decode(data, None), None
        return
    try:
        message = BytesParser(policy=BOUNDED_COMPAT32).parsebytes(data)
        parts = list(_calendar_parts(message))
    except _PARSER_BUGS:
        return
    for part in parts[:MAX_CALENDAR_PARTS]:
        try:
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset()
            method = part.get_param("method")
        except _PARSER_BUGS:
            continue
        if not isinstance(payload, bytes) or len(payload) > MAX_CALENDAR_BYTES:
            continue
        yield _decode(payload, charset), method if isinstance(method, str) else None


def _calendar_parts(message: Message) -> Iterator[Message]:
    """Calendar parts in document order, at most MAX_PARTS parts walked."""
    stack: list[Message] = [message]
    walked = 0
    while stack and walked < MAX_PARTS:
        part = stack.pop()
        walked += 1
        content_type = part.get_content_type()
        if content_type.startswith("message/"):
            continue  # a forward or a bounce: someone else's calendar
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(c for c in reversed(children) if isinstance(c, Message))
            continue
        if content_type in _CALENDAR_TYPES or _is_ics_file(part):
            yield part


def _is_ics_file(part: Message) -> bool:
    try:
        filename = part.get_filename()
    except _PARSER_BUGS:
        return False
    return isinstance(filename, str) and filename.strip().lower().endswith(".ics")


def _decode(payload: bytes, charset: str | None) -> str:
    """Text of a calendar part; UTF-8 (RFC 5545's only charset) when in doubt."""
    if charset:
        try:
            codecs.lookup(charset)
            return payload.decode(charset, errors="replace").lstrip("\ufeff")
        except LookupError:
            pass
    return payload.decode("utf-8", errors="replace").lstrip("\ufeff")


def _read_text(text: str, method_hint: str | None) -> CalendarMessage | None:
    try:
        return _read_calendar_object(text, method_hint)
    except zones.ZoneRuleError as exc:
        raise OverBudget(
            f"a VTIMEZONE {exc.reason}", size=len(text), limit="the time zone budget"
        ) from None
    except _PARSER_BUGS:
        return None


def _read_calendar_object(text: str, method_hint: str | None) -> CalendarMessage | None:
    parsed = Calendar.from_ical(zones.set_aside(text))
    if not isinstance(parsed, Calendar) or parsed.name != "VCALENDAR":
        return None
    if parsed.walk("VTIMEZONE"):
        return None  # one escaped renaming: its times cannot be read safely
    own_zones: dict[str, Component] = {}
    for zone in parsed.walk(zones.ASIDE):
        zones.check_zone(zone)
        tzid = _text(zone.get("TZID"))
        if tzid is not None:
            own_zones.setdefault(tzid.strip().strip('"').strip(), zone)
    method = (_text(parsed.get("METHOD")) or method_hint or "").strip().upper()
    if method not in ITIP_METHODS:
        return None
    events = [part for part in parsed.subcomponents if part.name == "VEVENT"]
    if not events or len(events) > MAX_EVENTS:
        return None
    # The master event; a reply about one occurrence has only RECURRENCE-ID ones.
    event = next((part for part in events if "RECURRENCE-ID" not in part), events[0])
    uid = (_text(event.get("UID")) or "").strip()
    sequence = _sequence(event.get("SEQUENCE"))
    if not _usable_uid(uid) or sequence is None:
        return None
    attendees = _attendees(event.get("ATTENDEE"))
    organizer = _attendee_address(event.get("ORGANIZER"))
    replier = _replier(attendees, organizer)
    partstat = None
    if method == "REPLY" and replier is not None:
        partstat = replier.partstat
    start_at = end_at = None
    if method in _TIMED_METHODS:
        start_at, end_at = _times(event, own_zones)
    return CalendarMessage(
        method=method,
        uid=uid,
        sequence=sequence,
        partstat=partstat,
        attendee=replier.address if replier is not None else None,
        start_at=start_at,
        end_at=end_at,
        attendees=attendees,
        comment=_comment(event.get("COMMENT")),
        organizer=organizer,
    )


def _usable_uid(uid: str) -> bool:
    """Non-empty, bounded, one line: it is stored, logged and compared."""
    return 0 < len(uid) <= MAX_UID_CHARS and not any(_unsafe(char) for char in uid)


def _text(value: Any) -> str | None:
    """A single text property; None when absent, repeated or unreadable."""
    return str(value) if isinstance(value, str) else None


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _sequence(value: Any) -> int | None:
    """SEQUENCE, 0 when absent (RFC 5545 section 3.8.7.4); None when unreadable."""
    if value is None:
        return 0
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_SEQUENCE
    ):
        return int(value)
    return None


def _param(prop: Any, name: str) -> str | None:
    params = getattr(prop, "params", None)
    if params is None:
        return None
    value = _first(params.get(name))
    return value.strip() if isinstance(value, str) and value.strip() else None


def _attendees(value: Any) -> tuple[Attendee, ...]:
    """Every ATTENDEE in order (at most MAX_ATTENDEES), each with its PARTSTAT."""
    props = value if isinstance(value, list) else [] if value is None else [value]
    return tuple(
        Attendee(
            address=_attendee_address(prop),
            partstat=(_param(prop, "PARTSTAT") or "NEEDS-ACTION").upper()[:40],
            name=_one_line(_param(prop, "CN") or "", MAX_NAME_CHARS),
        )
        for prop in props[:MAX_ATTENDEES]
    )


def _replier(attendees: tuple[Attendee, ...], organizer: str | None) -> Attendee | None:
    """Who answered, as the calendar shows it: RFC 5546 wants only the replier
    in a REPLY, but Exchange lists others too (the organiser, the invitation's
    other guests, still NEEDS-ACTION), the replier not always first."""
    guests = [a for a in attendees if a.address is None or a.address != organizer]
    answered = (a for a in guests if a.partstat != "NEEDS-ACTION")
    return next(answered, guests[0] if guests else attendees[0] if attendees else None)


def _comment(value: Any) -> str:
    """COMMENT (RFC 5545 section 3.8.1.4; Outlook writes the words typed beside
    a decline or a new time proposed there), cleaned and cut to MAX_COMMENT_CHARS.
    Several are joined line by line."""
    props = value if isinstance(value, list) else [] if value is None else [value]
    texts = [str(p) for p in props[:MAX_ATTENDEES] if isinstance(p, str)]
    return _multi_line("\n".join(texts), MAX_COMMENT_CHARS)


def _attendee_address(prop: Any) -> str | None:
    """The bare lower-cased address of an ATTENDEE (or its EMAIL parameter)."""
    if not isinstance(prop, str):
        return None
    for candidate in (_MAILTO.sub("", prop), _param(prop, "EMAIL") or ""):
        address = candidate.strip().lower()
        if len(address) <= 254 and _ADDRESS.fullmatch(address):
            return address
    return None


def _times(
    event: Component, own_zones: dict[str, Component]
) -> tuple[datetime | None, datetime | None]:
    """DTSTART and DTEND (or DTSTART + DURATION) in UTC; None when floating or a date."""
    start_at = _instant(event.get("DTSTART"), own_zones)
    end_at = _instant(event.get("DTEND"), own_zones)
    duration = getattr(event.get("DURATION"), "dt", None)
    if end_at is None and start_at is not None and isinstance(duration, timedelta):
        end_at = start_at + duration
    return start_at, end_at


def _instant(prop: Any, own_zones: dict[str, Component]) -> datetime | None:
    """A DATE-TIME in UTC: by its TZID's name (IANA or Windows), else by the
    calendar's own VTIMEZONE of that TZID; None when floating or unknown.

    The tzinfo icalendar attached is used only when it is a ZoneInfo (a name
    it recognised): any other may expand rules on every lookup.
    """
    moment = getattr(prop, "dt", None)
    if not isinstance(moment, datetime):
        return None
    tzid = _param(prop, "TZID")
    if tzid is None:
        known = moment.tzinfo is UTC or isinstance(moment.tzinfo, ZoneInfo)
        return moment.astimezone(UTC) if known else None
    wall = moment.replace(tzinfo=None)
    named = zones.named_zone(tzid)
    if named is not None:
        return wall.replace(tzinfo=named).astimezone(UTC)
    zone = own_zones.get(tzid.strip().strip('"').strip())
    if zone is not None:
        offset = zones.offset_at(zone, wall)
        return None if offset is None else (wall - offset).replace(tzinfo=UTC)
    if isinstance(moment.tzinfo, ZoneInfo):  # a globally unique TZID icalendar read
        return moment.astimezone(UTC)
    return None
