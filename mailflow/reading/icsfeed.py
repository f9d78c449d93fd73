"""A busy calendar cut into its events, without parsing them. Pure.

A therapist's feed is years of events, of which a fortnight matters, and real
exports carry a few events no parser accepts. Here the text is unfolded and cut
line by line (linear, no parser) into the calendar's own properties, its
VTIMEZONEs and its events grouped by UID, so that each group can be read, or
skipped, alone; alarms are dropped, as they block no time. A plain event whose
dates lie clearly outside the window is left unparsed (`outside`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from mailflow import patterns

MAX_SUMMARY_CHARS: Final = 80
"""An event's summary, as shown to the therapist, is cut to this length."""

MAX_DEPTH: Final = 10
"""Nesting deeper than this inside an event makes the event unreadable."""

_FOLD: Final = patterns.compile(r"\r?\n[ \t]")
_NAME: Final = patterns.compile(r"^([A-Za-z0-9-]+)")
_BASIC: Final = patterns.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$"
)
_DIGITS: Final = patterns.compile(r"(\d{4})(\d{2})(\d{2})")
_RECURRING: Final = frozenset({"RRULE", "RDATE", "EXRULE", "RECURRENCE-ID"})
KEYS: Final = frozenset(
    {"UID", "SUMMARY", "DTSTART", "DTEND", "DURATION", "EXDATE", *_RECURRING}
)
"""The properties `cut` indexes (an event's others are only carried)."""
_KEY_STARTS: Final = frozenset(key[:2] for key in KEYS)
_DATED: Final = frozenset(KEYS - {"UID", "SUMMARY"})
"""Properties whose value is a date, time, duration or rule: `_repair`ed."""
_QUOTED_VALUE: Final = patterns.compile(r'^([^"]*"[^"]*):(\d{8}(?:T\d{6}Z?)?)"?\s*$')
"""Exchange's broken quoting, ``DTSTART;TZID="W. Europe Standard Time:2020…"``:
the value inside the zone's quotes."""
_BE: Final = "BbEe"
_MARGIN: Final = timedelta(days=2)
"""Past any zone's offset: a floating or zoned time is within a day of UTC."""


@dataclass(slots=True)
class Event:
    """One VEVENT's content lines (unfolded), alarms and other parts removed."""

    lines: list[str]
    broken: bool = False
    """Its BEGIN/END lines do not match: it cannot be read alone."""
    props: dict[str, str] = field(default_factory=dict)
    """The first line of each property `cut` looks at (KEYS), by name."""

    def value(self, name: str) -> str | None:
        """The raw value of the first `name` property (one of KEYS), or None."""
        line = self.props.get(name)
        return None if line is None else _split(line)[2]

    @property
    def recurring(self) -> bool:
        return not _RECURRING.isdisjoint(self.props)

    @property
    def summary(self) -> str:
        text = self.value("SUMMARY") or "(no title)"
        text = text.replace("\\n", " ").replace("\\N", " ")
        text = re.sub(r"\\([,;\\])", r"\1", text)
        text = " ".join(text.split()) or "(no title)"
        if len(text) > MAX_SUMMARY_CHARS:
            text = text[: MAX_SUMMARY_CHARS - 1] + "…"
        return text

    @property
    def day(self) -> str:
        """The start as written, shown as a date ("2026-02-30"): even a date no
        calendar has is named as the therapist wrote it."""
        raw = (self.value("DTSTART") or "").strip()
        found = _BASIC.match(raw)
        if found is None:  # a broken parameter: the date after the last colon
            line = self.props.get("DTSTART", "")
            found = _DIGITS.search(line.rpartition(":")[2])
        if found is None:
            return "no readable date"
        return f"{found[1]}-{found[2]}-{found[3]}"


@dataclass(slots=True)
class Feed:
    """A calendar cut into parts: its header lines, zones and events by UID."""

    header: list[str] = field(default_factory=list)
    zones: dict[str, list[str]] = field(default_factory=dict)
    """Each VTIMEZONE's lines (BEGIN to END), by TZID as written."""
    groups: dict[str, list[Event]] = field(default_factory=dict)
    """Events by UID (a series and its moved occurrences share one)."""
    is_calendar: bool = False
    complete: bool = False
    """Its VCALENDAR ends: a download cut short would silently lose events."""


def cut(text: str) -> Feed:
    """`text` (an iCalendar file) cut into a Feed. Linear in the text."""
    feed = Feed()
    # Leading blank space before BEGIN:VCALENDAR is no fold: a feed behind a
    # template engine carries it, and nothing else reads differently for it.
    lines = _FOLD.sub("", text.removeprefix("\ufeff").lstrip()).splitlines()
    stack: list[str] = []
    zone: list[str] | None = None
    event: Event | None = None
    for line in lines:
        head = line[:6].upper() if line[:1] in _BE else ""
        if head.startswith(("BEGIN", "END")):
            name = prop_name(line)
        elif event is not None and len(stack) == 2 and line[:2].upper() in _KEY_STARTS:
            name = prop_name(line)
            if name in _DATED:
                line = _repair(line)
            if name in KEYS:
                event.props.setdefault(name, line)
            event.lines.append(line)
            continue
        else:
            name = ""
        if not line.strip():
            continue
        if name in ("BEGIN", "END"):
            what = _split(line)[2].strip().upper()
            if name == "BEGIN":
                stack.append(what)
                if what == "VCALENDAR" and len(stack) == 1:
                    feed.is_calendar = True
                elif len(stack) == 2 and what == "VTIMEZONE":
                    zone = [line]
                elif len(stack) == 2 and what == "VEVENT":
                    event = Event([])
                elif event is not None and len(stack) > MAX_DEPTH:
                    event.broken = True
                elif zone is not None:
                    zone.append(line)
                continue
            # END: close down to the matching BEGIN, whatever was left open.
            if what not in stack:
                if event is not None:
                    event.broken = True
                continue
            while stack and stack[-1] != what:
                if event is not None:
                    event.broken = True
                stack.pop()
            stack.pop()
            if zone is not None:
                zone.append(line)
                if len(stack) == 1:
                    _add_zone(feed, zone)
                    zone = None
            elif event is not None and len(stack) == 1:
                _add_event(feed, event)
                event = None
            elif not stack:
                feed.complete = what == "VCALENDAR"
                break
            continue
        if len(stack) == 1 and stack[0] == "VCALENDAR":
            feed.header.append(line)
        elif zone is not None:
            zone.append(line)
        elif event is not None and len(stack) == 2:
            event.lines.append(line)
    if event is not None:  # the file ended inside an event
        event.broken = True
        _add_event(feed, event)
    return feed


def tzids(event: Event) -> set[str]:
    """The TZID parameters the event's lines name, as written (unquoted)."""
    found = set()
    for line in event.lines:
        head, _, _ = _split(line)
        for param in _params(head):
            key, _, value = param.partition("=")
            if key.strip().upper() == "TZID":
                found.add(value.strip().strip('"'))
    return found


def outside(events: list[Event], start_at: datetime, end_at: datetime) -> bool:
    """Whether a group of events lies clearly outside the window, read from its
    raw dates alone (a series by its UNTIL, or its COUNT where every period
    has an occurrence). False whenever unsure."""
    for event in events:
        if event.broken or "DURATION" in event.props:
            return False
        start = _instant(event.value("DTSTART"))
        if start is None:
            return False
        if start > end_at + _MARGIN:
            continue  # starts after the window: no length or repeat brings it back
        end = _instant(event.value("DTEND"))
        if end is None:
            return False
        if event.recurring and "RECURRENCE-ID" not in event.props:
            last = _series_end(event, start)
            if last is None:
                return False
            end += last - start
        elif event.recurring and not {"RRULE", "RDATE", "EXRULE"}.isdisjoint(
            event.props
        ):
            return False
        if end >= start_at - _MARGIN:
            return False
    return True


_PERIOD_DAYS: Final = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_COUNTED: Final = frozenset({"FREQ", "COUNT", "INTERVAL", "WKST"})


def _series_end(event: Event, start: datetime) -> datetime | None:
    """A bound on a series' last start, from its one RRULE; None when it may
    not end (or has RDATEs, or a rule this does not bound)."""
    if "RDATE" in event.props or "EXRULE" in event.props:
        return None
    if sum(1 for line in event.lines if line[:6].upper() == "RRULE:") != 1:
        return None
    rule = event.value("RRULE") or ""
    parts = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    if "UNTIL" in parts:
        return _instant(parts["UNTIL"])
    keys = set(parts) - {"BYDAY"} if parts.get("FREQ") == "WEEKLY" else set(parts)
    days = _PERIOD_DAYS.get(parts.get("FREQ", ""))
    if days is None or "COUNT" not in parts or not keys <= _COUNTED:
        return None
    if any(char.isdigit() for char in parts.get("BYDAY", "")):
        return None
    try:
        count = int(parts["COUNT"])
        interval = int(parts.get("INTERVAL", "1"))
        return start + timedelta(days=max(count, 1) * max(interval, 1) * days)
    except (ValueError, OverflowError):
        return None


def with_tzids(lines: list[str], names: dict[str, str]) -> list[str]:
    """`lines` with each TZID parameter in `names` replaced by its new name."""
    if not names:
        return lines
    out = []
    for line in lines:
        head, sep, value = _split(line)
        if sep and "TZID" in head.upper():
            parts = _params(head)
            for i, param in enumerate(parts):
                key, _, tzid = param.partition("=")
                new = names.get(tzid.strip().strip('"'))
                if key.strip().upper() == "TZID" and new is not None:
                    parts[i] = f"TZID={new}"
            line = ";".join([head.split(";", 1)[0], *parts])
            line = f"{line}:{value}"
        out.append(line)
    return out


# --- lines ---------------------------------------------------------------------


def prop_name(line: str) -> str:
    found = _NAME.match(line)
    return found[1].upper() if found else ""


def _split(line: str) -> tuple[str, str, str]:
    """(name and parameters, ':', value): the first colon outside quotes."""
    if '"' not in line:
        return line.partition(":")
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:i], ":", line[i + 1 :]
    return line, "", ""


def _params(head: str) -> list[str]:
    """The parameters of a property head (``NAME;A=1;B="x;y"``), as written."""
    parts: list[str] = []
    current = ""
    quoted = False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts[1:]


def _instant(raw: str | None) -> datetime | None:
    """A basic-format DATE or DATE-TIME, read as UTC (within a day of its
    instant, whatever its zone); None when it is not one."""
    found = _BASIC.match((raw or "").strip())
    if found is None:
        return None
    try:
        day = date(int(found[1]), int(found[2]), int(found[3]))
        at = time()
        if found[4] is not None:
            at = time(int(found[4]), int(found[5]), min(int(found[6]), 59))
    except ValueError:
        return None
    return datetime.combine(day, at, tzinfo=UTC)


def _repair(line: str) -> str:
    """A date line as its writer meant it, where real exports get it wrong and
    the meaning is not in doubt: blank space around the value (Force.com's
    ``DTEND: 2024…``, iCal 1.0's trailing spaces) and the value inside the
    zone's quotes (Exchange's ``TZID="W. Europe Standard Time:2020…"``)."""
    if '"' not in line and not line[-1:].isspace() and ": " not in line:
        return line  # the common case, decided without splitting
    head, sep, value = _split(line)
    if not sep:
        found = _QUOTED_VALUE.match(line)
        return line if found is None else f'{found[1]}":{found[2]}'
    stripped = value.strip()
    return line if stripped == value else f"{head}:{stripped}"


def _unescaped(text: str) -> str:
    """A TEXT value's escapes undone (RFC 5545 3.3.11): Outlook 2007 writes
    ``TZID:Kuala Lumpur\\, Singapore`` for the zone its events call
    ``TZID="Kuala Lumpur, Singapore"``."""
    if "\\" not in text:
        return text
    return re.sub(r"\\([,;\\])", r"\1", text)


def _add_zone(feed: Feed, zone: list[str]) -> None:
    for line in zone:
        if prop_name(line) == "TZID":
            tzid = _unescaped(_split(line)[2].strip().strip('"'))
            feed.zones.setdefault(tzid, zone)
            return


def _add_event(feed: Feed, event: Event) -> None:
    uid = (event.value("UID") or "").strip()
    key = uid or f"\0{len(feed.groups)}"  # no UID: an event of its own
    feed.groups.setdefault(key, []).append(event)
