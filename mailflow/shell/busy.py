"""The therapist's busy time from their own calendars (.ics files or https:// feeds).

`busy_intervals` is pure (bytes in, intervals out); `load_busy` is the shell that
reads files and fetches URLs. Neither ever logs or quotes a calendar's contents.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import os
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta, tzinfo
from http import HTTPStatus
from http.client import HTTPException, HTTPMessage
from pathlib import Path
from time import monotonic
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from mailflow import __version__
from mailflow.errors import BusyCalendarError
from mailflow.model import Interval
from mailflow.reading import icsfeed, zones
from mailflow.shell import busy_cache
from mailflow.shell.deadline import Deadline

if TYPE_CHECKING:
    from mailflow.shell.store import Store

log = logging.getLogger("mailflow")

MAX_ICS_BYTES: Final = 5 * 1024 * 1024
"""Largest calendar read or fetched; years of a busy practice fit in a few MiB.

It also bounds the number of VEVENTs: parsing costs about 1.5 s per MiB.
"""

MAX_OCCURRENCES: Final = 5_000
"""Most busy occurrences one calendar may have inside the window (about 14 days)."""

MAX_RULE_STEPS: Final = 2_000_000
"""Budget for expanding RRULEs from their DTSTART, in steps of about a microsecond.

Bytes and occurrences alone do not bound the work: dateutil walks every rule
from DTSTART, so `FREQ=SECONDLY` from 1970 would take hours. The estimate is an
upper bound; a calendar over budget is refused rather than half-read.
"""

MAX_ZONE_TRANSITIONS: Final = 50_000
"""Budget for the VTIMEZONE rules of one calendar, in transitions up to the window.

Every lookup of an event time rescans a zone's transitions up to it, so the
cost grows with their number. Outlook writes each zone from 1601: about 850
a zone, so a feed with fifty zones fits; a hundred observances changing daily
since 1910 (1.3 s for one event) does not.
"""

_READ_CHUNK: Final = 64 * 1024
_BAD_REDIRECT: Final = "redirected to an address that is not https://"

_PERIOD_S: Final = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3_600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,  # the shortest month, so the estimate stays an upper bound
    "YEARLY": 365 * 86_400,
}
_DAYS_PER_PERIOD: Final = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_PERIOD_STEPS: Final = {"DAILY": 2, "WEEKLY": 5, "MONTHLY": 8, "YEARLY": 40}
"""What dateutil spends on one period besides its matches (measured, in steps)."""
_SUB_DAILY_PERIOD_STEPS: Final = 4
_MATCH_STEPS: Final = 4
_TIME_PARTS: Final = ("BYHOUR", "BYMINUTE", "BYSECOND")

_LAST_DAY: Final = date(MAXYEAR, 12, 31)
_MARGIN: Final = timedelta(days=2)
"""Widens the window in estimates: past any zone or floating-time skew."""

_CALENDAR_ERRORS: Final = (
    ValueError,  # icalendar/recurring-ical-events errors, bad dates, UnicodeError
    KeyError,  # a missing DTSTART, an unknown zone (ZoneInfoNotFoundError)
    TypeError,  # mixed date/datetime values the libraries cannot compare
    IndexError,
    AttributeError,  # a property of the wrong type, e.g. DTSTART as text
    OverflowError,  # dates beyond year 9999 after adding a duration
    RecursionError,
)
"""What icalendar and recurring-ical-events raise on malformed input."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An event of the therapist's own calendar that was not (wholly) read.

    `summary` and `day` are from their calendar, as written, for their eyes
    only (never logged); `what` says what became of it.
    """

    summary: str
    day: str
    what: str


SKIPPED: Final = "left out: it could not be read"
FIRST_ONLY: Final = "only its first date kept: its repeats could not be read"
NO_DATES: Final = "its added or removed dates left out: they could not be read"
PRACTICE_ZONE: Final = "its time zone could not be read: read in the practice's zone"
NO_END: Final = "its end could not be read: read as ending where it starts"
CUT_SHORT: Final = (
    "the file stops before its END:VCALENDAR (cut short?): anything after"
    " the last whole event was not read"
)


@dataclass(frozen=True, slots=True)
class BusyRead:
    """What one calendar gave: busy time (sorted, UTC) and the events set aside."""

    intervals: list[Interval]
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(slots=True)
class _Budget:
    steps: int = 0
    in_window: int = 0


_HEADER: Final = frozenset({"VERSION", "PRODID", "CALSCALE", "X-WR-TIMEZONE"})
_REPEATS: Final = frozenset({"RRULE", "RDATE", "EXRULE", "EXDATE"})
_EXTRA_DATES: Final = frozenset({"RDATE", "EXDATE"})
_ENDS: Final = frozenset({"DTEND", "DURATION"})


def busy_intervals(
    ics: bytes,
    *,
    start_at: datetime,
    end_at: datetime,
    zone_name: str,
    source: str = "calendar",
) -> list[Interval]:
    """Busy time in [start_at, end_at) from one iCalendar file (`read_calendar`)."""
    return read_calendar(
        ics, start_at=start_at, end_at=end_at, zone_name=zone_name, source=source
    ).intervals


def read_calendar(
    ics: bytes,
    *,
    start_at: datetime,
    end_at: datetime,
    zone_name: str,
    source: str = "calendar",
) -> BusyRead:
    """Busy time in [start_at, end_at) from one iCalendar file, event by event.

    Every VEVENT occurrence that blocks time (not TRANSP:TRANSPARENT, not
    STATUS:CANCELLED, RFC 5545 3.8.2.7 and 3.8.1.11) is clipped to the window.
    Recurrences are expanded with RRULE, RDATE, EXDATE and RECURRENCE-ID.
    All-day events block whole days and floating times are read in `zone_name`,
    the practice zone. Events of zero length block nothing.

    Each event (a series with its moved occurrences) is read alone: one that
    cannot be read is left out and named in `skipped`; a series whose repeats
    cannot be read keeps its first date; a zone that cannot be read gives way
    to the zone its name says (IANA, Windows or Outlook display name). Alarms
    are never read.

    Raises:
        BusyCalendarError: it is not a calendar, none of its events can be
            read, or it exceeds a MAX_* bound.
        ValueError: the window is not aware.
    """
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise ValueError("start_at and end_at must be aware datetimes")
    if end_at <= start_at:
        return BusyRead([])
    zone = ZoneInfo(zone_name)
    if len(ics) > MAX_ICS_BYTES:
        _refuse(source, f"it is larger than {MAX_ICS_BYTES} bytes")
    window = Interval(start_at.astimezone(UTC), end_at.astimezone(UTC))
    try:
        feed = icsfeed.cut(ics.decode("utf-8", "replace"))
    except RecursionError:
        _refuse(source, "it is not a valid iCalendar file (RFC 5545)")
    if not feed.is_calendar:
        _refuse(source, "it is not a valid iCalendar file (RFC 5545)")
    # Zones before any parse: icalendar caches every zone it reads for the
    # process, so a refused one must never reach it.
    readable_zones = _bound_zones(feed, source, window=window)
    header = [line for line in feed.header if icsfeed.prop_name(line) in _HEADER]
    budget = _Budget()
    busy: set[Interval] = set()
    skipped: list[Skipped] = []
    read = 0
    for group in feed.groups.values():
        if icsfeed.outside(group, window.start_at, window.end_at):
            read += 1
            continue
        found, note = _read_group(
            group, header, feed.zones, readable_zones, source, window, zone, budget
        )
        if found is not None:
            read += 1
            busy.update(found)
            if len(busy) > MAX_OCCURRENCES:
                _refuse(
                    source, f"it has more than {MAX_OCCURRENCES} events in the window"
                )
        if note is not None:
            skipped.append(note)
    if feed.groups and not read:
        _refuse(source, "none of its events can be read as iCalendar (RFC 5545)")
    if not feed.complete and not read:
        _refuse(
            source, "it ends before its END:VCALENDAR with no whole event (cut short?)"
        )
    if not feed.complete:
        # A cut export keeps what it has: the events before the cut are busy
        # time all the same, and the therapist is told where it stops.
        skipped.append(Skipped("(the end of the file)", "", CUT_SHORT))
    return BusyRead(sorted(busy, key=lambda i: (i.start_at, i.end_at)), skipped)


def _read_group(
    group: list[icsfeed.Event],
    header: list[str],
    zone_lines: dict[str, list[str]],
    readable_zones: set[str],
    source: str,
    window: Interval,
    zone: ZoneInfo,
    budget: _Budget,
) -> tuple[set[Interval] | None, Skipped | None]:
    """One event (or series with its moved occurrences) read alone, as fully
    as it can be: as written; without its own VTIMEZONEs (zones by name); its
    first date alone; else left out."""
    master = next((e for e in group if e.value("RECURRENCE-ID") is None), group[0])
    first_only = [
        line for line in master.lines if icsfeed.prop_name(line) not in _REPEATS
    ]
    tzids: set[str] = set().union(*(icsfeed.tzids(e) for e in group))
    own = {t for t in tzids if t in readable_zones}
    by_name = {t: n for t in tzids if (n := _zone_name(t)) is not None}
    renamed = {t: n for t, n in by_name.items() if t not in zone_lines}
    lost_zone = PRACTICE_ZONE if own - set(by_name) else None
    # A TZID with no VTIMEZONE and no name we know ("Customized Time Zone",
    # "(UTC-03:00) Brasilia" spelt otherwise) is read in the practice's zone:
    # it may be hours off, so the therapist is told, never left to guess.
    unknown = tzids - own - set(by_name)
    events = [e.lines for e in group]
    no_dates = [
        [line for line in e.lines if icsfeed.prop_name(line) not in _EXTRA_DATES]
        for e in group
    ]
    attempts: list[tuple[list[list[str]], set[str], dict[str, str], str | None]]
    attempts = [(events, own, renamed, None)]
    if own:
        attempts.append((events, set(), by_name, lost_zone))
    attempts.append((no_dates, own, renamed, NO_DATES))
    attempts.append(([first_only], own, renamed, FIRST_ONLY))
    if own:
        attempts.append(([first_only], set(), by_name, FIRST_ONLY))
    # An end no one can read (Synology's DURATION:PT1W, DTEND:None): its start
    # still says the therapist is taken that day (RFC 5545 3.6.1: a date
    # blocks its day), and the note says the rest of its time is unknown.
    no_end = [
        [line for line in e.lines if icsfeed.prop_name(line) not in _ENDS]
        for e in group
    ]
    attempts.append((no_end, own, renamed, NO_END))
    for lines, zones_used, names, what in attempts:
        own_names = {t: _content_tzid(zone_lines[t]) for t in zones_used}
        text = _mini_calendar(
            header,
            [_renamed_zone(zone_lines[t], own_names[t]) for t in sorted(zones_used)],
            lines,
            names | own_names,
        )
        try:
            calendar = icalendar.Calendar.from_ical(text)
            if not isinstance(calendar, icalendar.Calendar):
                continue
            spent = (budget.steps, budget.in_window)
            try:
                _bound_rules(calendar, source, window=window, budget=budget)
            except _TooCostly:
                budget.steps, budget.in_window = spent  # its repeats go unread
                continue
            occurrences = recurring_ical_events.of(calendar).between(
                window.start_at.astimezone(zone), window.end_at.astimezone(zone)
            )
            found = {
                clipped
                for occurrence in occurrences
                if _blocks_time(occurrence)
                and (clipped := _clip(_interval_of(occurrence, zone), window))
                is not None
            }
        except _CALENDAR_ERRORS:
            continue  # the cause may quote the calendar: never kept
        what = what or (PRACTICE_ZONE if unknown else None)
        note = None if what is None else Skipped(master.summary, master.day, what)
        return found, note
    return None, Skipped(master.summary, master.day, SKIPPED)


def _content_tzid(zone_text: list[str]) -> str:
    """A TZID named after the VTIMEZONE's own lines.

    icalendar keeps each zone it builds for the whole process under its TZID,
    so a second calendar defining "New Zealand Standard Time" otherwise (or
    the same calendar, changed) would be read with the first one's rules.
    Named by content, the same definition is built once and another never
    meets it.
    """
    digest = hashlib.sha256("\n".join(zone_text).encode("utf-8", "replace"))
    return f"mailflow-{digest.hexdigest()[:24]}"


def _renamed_zone(zone_text: list[str], tzid: str) -> list[str]:
    return [
        f"TZID:{tzid}" if icsfeed.prop_name(line) == "TZID" else line
        for line in zone_text
    ]


def _zone_name(tzid: str) -> str | None:
    """The IANA name a TZID stands for (IANA, Windows or Outlook display name)."""
    named = zones.named_zone(tzid)
    if named is not None:
        return named.key
    return zones.display_zone(tzid)


def _mini_calendar(
    header: list[str],
    zone_texts: list[list[str]],
    events: list[list[str]],
    names: dict[str, str],
) -> str:
    lines = ["BEGIN:VCALENDAR", *header]
    for zone_text in zone_texts:
        lines += zone_text
    for event in events:
        lines += ["BEGIN:VEVENT", *icsfeed.with_tzids(event, names), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True, slots=True)
class FeedRead:
    """One source's busy time for the asked window, with its skipped events.

    `name` is as shown (a path, or scheme and host of a URL); `key` and
    `digest` hash the source and its bytes (the therapist's note about
    skipped events is sent once per content)."""

    name: str
    key: str
    digest: str
    read: BusyRead


def load_busy(
    sources: Sequence[str],
    *,
    start_at: datetime,
    end_at: datetime,
    zone_name: str,
    timeout_s: float = 15.0,
) -> list[Interval]:
    """Busy time in [start_at, end_at) from every source, sorted, in UTC.

    Raises:
        BusyCalendarError: as `load_feeds`.
    """
    feeds = load_feeds(
        sources,
        start_at=start_at,
        end_at=end_at,
        zone_name=zone_name,
        timeout_s=timeout_s,
    )
    busy = {i for feed in feeds for i in feed.read.intervals}
    return sorted(busy, key=lambda i: (i.start_at, i.end_at))


def load_feeds(
    sources: Sequence[str],
    *,
    start_at: datetime,
    end_at: datetime,
    zone_name: str,
    timeout_s: float = 15.0,
    store: Store | None = None,
) -> list[FeedRead]:
    """What every source gives for [start_at, end_at).

    A source is a local path (relative to the current directory) or an
    https:// URL; webcal:// means https://, and http:// is refused except on
    loopback. Any source that cannot be read at all fails the whole load, since
    offering a time the therapist is busy is worse than offering none; events
    that cannot be read are left out and named (`BusyRead.skipped`).

    With a `store`, what each source gave is kept (`busy_cache`): an unchanged
    source (304 Not Modified, or the same mtime and size, or the same bytes) is
    not read again while the kept window covers the asked one.

    Raises:
        BusyCalendarError: a source is unreachable, too large or not a calendar.
    """
    feeds = []
    for source in sources:
        feed = _load_one(
            source,
            start_at=start_at,
            end_at=end_at,
            zone_name=zone_name,
            timeout_s=timeout_s,
            store=store,
        )
        log.debug(
            "busy calendar %s: %d busy intervals, %d events skipped",
            feed.name,
            len(feed.read.intervals),
            len(feed.read.skipped),
        )
        feeds.append(feed)
    return feeds


def _load_one(
    source: str,
    *,
    start_at: datetime,
    end_at: datetime,
    zone_name: str,
    timeout_s: float,
    store: Store | None,
) -> FeedRead:
    key = busy_cache.key(source)
    cached = None if store is None else busy_cache.load(store, source)
    if cached is not None and not cached.covers(start_at, end_at, zone_name):
        cached = None
    name, fetched = _read(
        source,
        timeout_s=timeout_s,
        validators=cached.validators if cached is not None else {},
    )
    if fetched is None and cached is not None:  # unchanged: nothing read
        return FeedRead(name, key, cached.digest, _clipped(cached, start_at, end_at))
    assert fetched is not None  # only a conditional read answers "unchanged"
    ics, validators = fetched
    digest = busy_cache.digest(ics)
    if cached is not None and cached.digest == digest:
        entry = busy_cache.Entry(
            validators,
            digest,
            zone_name,
            cached.start_at,
            cached.end_at,
            cached.intervals,
            cached.skipped,
        )
    else:
        ahead = end_at + (busy_cache.AHEAD if store is not None else timedelta(0))
        read = read_calendar(
            ics, start_at=start_at, end_at=ahead, zone_name=zone_name, source=name
        )
        entry = busy_cache.Entry(
            validators,
            digest,
            zone_name,
            start_at,
            ahead,
            read.intervals,
            read.skipped,
        )
    if store is not None:
        busy_cache.save(store, source, entry)
    return FeedRead(name, key, digest, _clipped(entry, start_at, end_at))


def _clipped(entry: busy_cache.Entry, start_at: datetime, end_at: datetime) -> BusyRead:
    window = Interval(start_at.astimezone(UTC), end_at.astimezone(UTC))
    kept = {c for i in entry.intervals if (c := _clip(i, window)) is not None}
    return BusyRead(sorted(kept, key=lambda i: (i.start_at, i.end_at)), entry.skipped)


# --- the pure part -------------------------------------------------------------


def _refuse(source: str, reason: str) -> NoReturn:
    raise BusyCalendarError(source=source, reason=reason) from None


class _TooCostly(BusyCalendarError):
    """One series' rules would cost more than the feed's budget allows: that
    series is read by its first date alone, the rest of the feed stands."""


def _bound_rules(
    calendar: icalendar.Calendar, source: str, *, window: Interval, budget: _Budget
) -> None:
    """Refuse calendars too costly to expand, and drop rules that never match.

    dateutil walks each rule from DTSTART to its first match after the window,
    checking UNTIL only on a match: a rule that never matches (30 February)
    walks on to the year 9999. A probe near that year finds such rules; they
    are dropped, as they add nothing but DTSTART, which stays an occurrence.
    """
    cutoff = window.end_at + _MARGIN
    for event in calendar.walk("VEVENT"):
        budget.in_window += sum(
            len(rdates.dts) for rdates in _as_list(event.get("RDATE"))
        )
        if "RRULE" not in event or "DTSTART" not in event:
            continue  # without DTSTART, recurring-ical-events reports the error
        first = _date_value(event, "DTSTART")
        kept = []
        for rule in _rules(event):
            until = min((rule.get("UNTIL", [cutoff])[0], cutoff), key=_approx_utc)
            budget.steps += _rule_steps(rule, first, until)
            probe_start = _probe_start(rule, first)
            never = _never_matches(rule, first)
            if probe_start is None:  # what the unprobed walk may cost
                budget.steps += _rule_steps(rule, first, _LAST_DAY)
            elif never:  # what the failed probe cost
                budget.steps += _rule_steps(
                    rule, probe_start, _LAST_DAY, matching=False
                )
            if budget.steps > MAX_RULE_STEPS:
                raise _TooCostly(
                    source=source,
                    reason="its recurring events are too costly to expand",
                )
            if not never:
                kept.append(rule)
                budget.in_window += _window_count(rule, first, until, window)
        if budget.in_window > MAX_OCCURRENCES:
            _refuse(source, f"it has more than {MAX_OCCURRENCES} events in the window")
        if len(kept) < len(_rules(event)):
            del event["RRULE"]
            if kept:
                event["RRULE"] = kept if len(kept) > 1 else kept[0]


def _bound_zones(feed: icsfeed.Feed, source: str, *, window: Interval) -> set[str]:
    """Refuse zones too costly to read; the TZIDs of those that can be read.

    Reading any event time makes dateutil look its zone up, rescanning every
    transition of every observance from their DTSTART: the cost grows with
    their number (MAX_ZONE_TRANSITIONS: past it the feed is refused). A zone
    with a rule denser than real zones have (zones.check_rule), or one that
    cannot be read at all (iCloud's historic ``TZOFFSETFROM:+5328``), is left
    out and never parsed: its events are read by the zone's name, or in the
    practice's zone and named.
    """
    transitions = 0
    last_year = (window.end_at + _MARGIN).year
    readable: set[str] = set()
    for tzid, lines in feed.zones.items():
        try:
            (zone,) = zones.definitions("\r\n".join(lines))
            zones.check_zone(zone)
            count = 0
            for part in zone.subcomponents:
                if isinstance(part.get("TZOFFSETFROM"), str) or isinstance(
                    part.get("TZOFFSETTO"), str
                ):
                    raise ValueError("an offset that is not one")
                for rule in _rules(part):
                    first = _date_value(part, "DTSTART")
                    if _never_matches(rule, first):
                        # Broken, not hostile: the zone is left out and its
                        # events are read by the zone's name (named if unknown).
                        raise ValueError("a VTIMEZONE rule that never matches")
                    years = max(1, last_year - first.year + 1)
                    start = _approx_utc(first).replace(tzinfo=None)
                    count += zones.transitions_per_year(rule, start) * years
        except (zones.ZoneRuleError, *_CALENDAR_ERRORS):
            # Too dense to read safely (a rule no real zone has), or broken:
            # never parsed; its events are read by the zone's name, or in the
            # practice's zone and named. One such zone never downs the feed.
            continue
        transitions += count
        readable.add(tzid)
    if transitions > MAX_ZONE_TRANSITIONS:
        _refuse(source, "its time zones are too costly to read")
    return readable


def _date_value(component: icalendar.cal.Component, name: str) -> date:
    """A DATE or DATE-TIME property; anything else is malformed."""
    prop = component[name]
    if not isinstance(prop, icalendar.vDDDTypes) or not isinstance(prop.dt, date):
        raise ValueError(f"{name} is not a date or date-time")
    return prop.dt


def _as_list(value: object) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _rules(component: icalendar.cal.Component) -> list[icalendar.vRecur]:
    rules = _as_list(component.get("RRULE"))
    if not all(isinstance(rule, icalendar.vRecur) for rule in rules):
        raise ValueError("RRULE is not a recurrence rule")
    return rules


def _freq(rule: icalendar.vRecur) -> str:
    return str(rule.get("FREQ", [""])[0]).upper()


def _interval(rule: icalendar.vRecur) -> int:
    return max(1, int(rule.get("INTERVAL", [1])[0]))


def _probe_start(rule: icalendar.vRecur, first: date) -> datetime | None:
    """`first` moved on by whole rule cycles to within two cycles of the year 9999.

    A rule repeats exactly every 400 * INTERVAL years (the Gregorian cycle is a
    whole number of weeks and months), so what it matches there it matches from
    `first`. None when no whole cycle fits: the walk to 9999 is short then.
    """
    cycle = 400 * _interval(rule)
    if first.year + cycle > MAXYEAR:
        return None
    start = first if isinstance(first, datetime) else datetime.combine(first, time())
    cycles = (MAXYEAR - cycle - start.year) // cycle
    return start.replace(year=start.year + cycles * cycle, tzinfo=None)


def _never_matches(rule: icalendar.vRecur, start: date) -> bool:
    """Whether `rule` yields nothing from `start`, ignoring its COUNT and UNTIL."""
    probe_start = _probe_start(rule, start)
    if probe_start is None:
        return False
    parts = {k: v for k, v in rule.items() if k not in {"COUNT", "UNTIL"}}
    text = icalendar.vRecur(parts).to_ical().decode()  # type: ignore[no-untyped-call]
    probe = rrulestr(text, dtstart=probe_start)
    return next(iter(probe), None) is None


def _per_period(rule: icalendar.vRecur) -> int:
    """An upper bound of the times one period of `rule` yields (RFC 5545 3.3.10)."""

    def count(part: str) -> int:
        return max(1, len(rule.get(part, [])))

    freq = _freq(rule)
    days = 1
    if freq in _DAYS_PER_PERIOD:  # coarser rules expand to days within a period
        weeks = {"WEEKLY": 1, "MONTHLY": 5, "YEARLY": 53}[freq]
        days = count("BYMONTH") * count("BYMONTHDAY") * count("BYYEARDAY")
        days *= 7 ** min(1, len(rule.get("BYWEEKNO", []))) * count("BYWEEKNO")
        days *= weeks ** min(1, len(rule.get("BYDAY", []))) * count("BYDAY")
        days = min(days, _DAYS_PER_PERIOD[freq])
    yields = days * math.prod(count(part) for part in _TIME_PARTS)
    return min(yields, len(rule["BYSETPOS"])) if "BYSETPOS" in rule else yields


def _periods(rule: icalendar.vRecur, span: timedelta) -> int:
    period_s = _PERIOD_S.get(_freq(rule), 1) * _interval(rule)
    return math.floor(max(0.0, span.total_seconds()) / period_s) + 2


def _rule_steps(
    rule: icalendar.vRecur, first: date, last: date, *, matching: bool = True
) -> int:
    """An upper bound of dateutil's work walking `rule` from `first` to `last`."""
    per_period = _PERIOD_STEPS.get(_freq(rule), _SUB_DAILY_PERIOD_STEPS)
    if matching:
        per_period += _MATCH_STEPS * _per_period(rule)
    return _periods(rule, _approx_utc(last) - _approx_utc(first)) * per_period


def _window_count(
    rule: icalendar.vRecur, first: date, until: date, window: Interval
) -> int:
    """An upper bound of the occurrences `rule` has in the window."""
    if _approx_utc(first) > window.end_at + _MARGIN:
        return 0
    if _approx_utc(until) < window.start_at - _MARGIN:
        return 0
    span = window.end_at - window.start_at + 2 * _MARGIN
    return _periods(rule, span) * _per_period(rule)


def _approx_utc(value: date) -> datetime:
    """An instant within a day of `value`, to compare rule bounds."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _blocks_time(occurrence: icalendar.cal.Component) -> bool:
    # Default TRANSP is OPAQUE (RFC 5545 3.8.2.7); TENTATIVE still blocks.
    transparent = str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    cancelled = str(occurrence.get("STATUS", "")).upper() == "CANCELLED"
    return not (transparent or cancelled)


def _interval_of(occurrence: icalendar.cal.Component, zone: tzinfo) -> Interval:
    start = _date_value(occurrence, "DTSTART")
    end = _date_value(occurrence, "DTEND") if "DTEND" in occurrence else start
    return Interval(_to_utc(start, zone), _to_utc(end, zone))


def _to_utc(value: date, zone: tzinfo) -> datetime:
    """Dates are whole local days and floating times local times, in `zone`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _clip(interval: Interval, window: Interval) -> Interval | None:
    start_at = max(interval.start_at, window.start_at)
    end_at = min(interval.end_at, window.end_at)
    return Interval(start_at, end_at) if start_at < end_at else None


# --- the shell part ------------------------------------------------------------


Fetched = tuple[bytes, dict[str, str | int]]
"""A source's bytes and the validators that tell whether it changed since."""


def _read(
    source: str, *, timeout_s: float, validators: dict[str, str | int]
) -> tuple[str, Fetched | None]:
    """The name to show for `source`, and its bytes with their validators; None
    when `validators` say it is unchanged."""
    if "://" not in source:
        return source, _read_file(source, validators)
    try:
        parts = urlsplit(source.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        _refuse("a calendar URL", "it is not a valid URL")
    scheme = parts.scheme.lower()
    scheme = {"webcal": "https", "webcals": "https"}.get(scheme, scheme)
    if host is None:
        _refuse(f"{scheme}://", "the URL has no host")
    shown_host = f"[{host}]" if ":" in host else host
    name = f"{scheme}://{shown_host}" + (f":{port}" if port is not None else "")
    if scheme == "http" and not _is_loopback(host):
        _refuse(name, "http:// is not private; use the https:// address")
    if scheme not in {"http", "https"}:
        _refuse(name, "only local files and https:// URLs are supported")
    url = parts._replace(scheme=scheme).geturl()
    return name, _fetch(
        url,
        name=name,
        loopback=_is_loopback(host),
        timeout_s=timeout_s,
        validators=validators,
    )


def _read_file(source: str, validators: dict[str, str | int]) -> Fetched | None:
    try:
        with Path(source).expanduser().open("rb") as file:
            stat = os.fstat(file.fileno())
            now = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size}
            if validators and now == validators:
                return None
            ics = file.read(MAX_ICS_BYTES + 1)
    except OSError as exc:
        raise BusyCalendarError(
            source=source,
            reason=f"it cannot be read ({exc.strerror or type(exc).__name__})",
        ) from exc
    if len(ics) > MAX_ICS_BYTES:
        _refuse(source, f"it is larger than {MAX_ICS_BYTES} bytes")
    return ics, dict(now)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only where a configured URL could go (no https -> http)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        parts = urlsplit(newurl)
        allowed = parts.scheme == "https" or (
            parts.scheme == "http"
            and urlsplit(req.full_url).scheme == "http"
            and _is_loopback(parts.hostname or "")
        )
        if not allowed:
            fp.close()
            raise urllib.error.URLError(_BAD_REDIRECT)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _tls_context() -> ssl.SSLContext:
    """The process's one context for the system's CAs (`mailflow.shell.tls`),
    shared with the mail servers': `mailflow watch` reads feeds every few minutes."""
    from mailflow.shell.tls import client_context

    return client_context()


def _fetch(
    url: str,
    *,
    name: str,
    loopback: bool,
    timeout_s: float,
    validators: dict[str, str | int],
) -> Fetched | None:
    """The feed, read whole within `timeout_s` (#14): a server trickling its
    headers or body one byte per read timeout is cut off at the deadline."""
    with Deadline(timeout_s, f"busy calendar {name}") as deadline:
        try:
            fetched = _fetch_within(
                url,
                name=name,
                loopback=loopback,
                timeout_s=timeout_s,
                validators=validators,
            )
        except BusyCalendarError:
            if deadline.expired:
                _refuse(name, f"it timed out (not read within {timeout_s:g} s)")
            raise
        if deadline.expired:  # cut short, its end taken for the end of the feed
            _refuse(name, f"it timed out (not read within {timeout_s:g} s)")
        return fetched


def _fetch_within(
    url: str,
    *,
    name: str,
    loopback: bool,
    timeout_s: float,
    validators: dict[str, str | int],
) -> Fetched | None:
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirects()]
    if url.startswith("https:"):  # loading the trusted certificates takes ~50 ms
        handlers.append(urllib.request.HTTPSHandler(context=_tls_context()))
    if loopback:
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy cannot reach it
    opener = urllib.request.build_opener(*handlers)
    # The scheme is https, or http on loopback: checked by _read.
    headers = {
        "User-Agent": f"mailflow/{__version__}",
        "Accept": "text/calendar, */*;q=0.1",
    }
    if "etag" in validators:
        headers["If-None-Match"] = str(validators["etag"])
    if "last_modified" in validators:
        headers["If-Modified-Since"] = str(validators["last_modified"])
    request = urllib.request.Request(url, headers=headers)
    deadline = monotonic() + timeout_s
    try:
        response = opener.open(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == HTTPStatus.NOT_MODIFIED and validators:
            exc.close()
            return None
        with _fetch_errors(name):
            raise
    except Exception:
        with _fetch_errors(name):
            raise
        raise  # unreachable: _fetch_errors refuses or re-raises
    with _fetch_errors(name), response:
        found: dict[str, str | int] = {}
        for header, key in (("ETag", "etag"), ("Last-Modified", "last_modified")):
            value = response.headers.get(header)
            if value and len(value) <= 200:
                found[key] = value
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_ICS_BYTES:
            _refuse(name, f"it is larger than {MAX_ICS_BYTES} bytes")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(_READ_CHUNK):
            size += len(chunk)
            if size > MAX_ICS_BYTES:
                _refuse(name, f"it is larger than {MAX_ICS_BYTES} bytes")
            if monotonic() > deadline:
                raise TimeoutError
            chunks.append(chunk)
        if length.isdigit() and size < int(length):
            # A download cut short is down (the last good read stands in);
            # only a file that was itself cut is read up to its cut.
            _refuse(name, "the server broke off its answer (cut short)")
        return b"".join(chunks), found


@contextmanager
def _fetch_errors(name: str) -> Iterator[None]:
    """Translate urllib's errors; never chain them, as they may quote the URL."""
    try:
        yield
    except urllib.error.HTTPError as exc:
        exc.close()
        _refuse(name, f"the server answered HTTP {exc.code}")
    except urllib.error.URLError as exc:
        _refuse(name, f"it could not be fetched ({_describe(exc.reason)})")
    except HTTPException:
        _refuse(name, "the server broke off its answer")
    except (OSError, ValueError) as exc:  # TimeoutError, resets, bad ports
        _refuse(name, f"it could not be fetched ({_describe(exc)})")


def _describe(reason: object) -> str:
    """A short cause that cannot contain the URL's path or query."""
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {reason.verify_message}"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {reason.reason}"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    if reason == _BAD_REDIRECT:
        return _BAD_REDIRECT
    return "network error" if isinstance(reason, str) else type(reason).__name__
