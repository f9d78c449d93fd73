"""UTC offsets of a calendar's own time zones, without expanding their rules. Pure.

icalendar hands a VTIMEZONE to dateutil, which walks every RRULE from its
DTSTART on each lookup: a zone with ``FREQ=SECONDLY`` from 1970 takes billions
of steps and all memory. Here a TZID is first read as a zone name (IANA or
Windows); only otherwise are the zone's observances (RFC 5545 section 3.6.5)
read, and a yearly rule is evaluated for the year of the instant and the year
before, which is all an offset needs. A rule that recurs more than a real zone
ever does is refused (`check_rule`); one outside the forms zones use leaves
the zone unknown.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Component, vRecur
from icalendar.parser import Contentlines

from mailflow.reading import windows_zones

MAX_OBSERVANCES: Final = 100
"""STANDARD and DAYLIGHT parts read per VTIMEZONE. Outlook sends two; Apple's
histories a few dozen."""

MAX_TRANSITIONS_PER_YEAR: Final = 31
"""A zone rule that may match more days a year than this is refused: real zones
change offset once or twice a year (old rules name a week: 7 candidate days)."""

MAX_RDATES: Final = 1000
"""RDATE values read per observance (histories list one per change)."""

MAX_TZID_CHARS: Final = 255
"""Longer TZIDs name no zone; they are not looked up."""

ASIDE: Final = "X-MAILFLOW-VTIMEZONE"
"""What a VTIMEZONE is renamed to (`set_aside`), so icalendar never builds it."""

_DENSE_PARTS: Final = ("BYHOUR", "BYMINUTE", "BYSECOND")
_SUPPORTED_PARTS: Final = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "UNTIL",
        "WKST",
        "BYMONTH",
        "BYMONTHDAY",
        "BYDAY",
        *_DENSE_PARTS,
    }
)
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class ZoneRuleError(ValueError):
    """A VTIMEZONE rule recurs more often than any real zone changes offset.

    `reason` says how, without quoting the calendar.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Observance:
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    rule: vRecur | None
    rdates: tuple[datetime, ...]


def set_aside(text: str) -> str:
    """iCalendar text with each VTIMEZONE renamed to ASIDE.

    icalendar turns every VTIMEZONE it reads into a dateutil zone that walks
    the zone's rules on each lookup, and caches it for the whole process under
    its TZID, where a later calendar with that TZID meets it instead of its
    own. Lines are unfolded and split by icalendar's own reader, so what it
    would take for a VTIMEZONE is exactly what is renamed. Linear in the text.
    """
    lines: list[str] = []
    for line in Contentlines.from_ical(text):  # type: ignore[no-untyped-call]
        if "vtimezone" in line.lower():
            try:
                name, _params, value = line.parts()
            except ValueError:
                pass  # icalendar cannot read it either: no component starts
            else:
                name = name.strip().upper()
                if name in ("BEGIN", "END") and value.strip().upper() == "VTIMEZONE":
                    line = f"{name}:{ASIDE}"
        lines.append(line)
    return "\r\n".join(lines)


def definitions(text: str) -> list[Component]:
    """The VTIMEZONEs of iCalendar text, read without icalendar building them.

    Only the zones' own lines are parsed, so a reader can check them before
    handing the whole calendar to icalendar (which caches what it builds).
    """
    kept: list[str] = []
    depth = 0
    for line in set_aside(text).split("\r\n"):
        if line == f"BEGIN:{ASIDE}":
            depth += 1
        if depth:
            kept.append(line)
        if line == f"END:{ASIDE}" and depth:
            depth -= 1
    if not kept:
        return []
    wrapped = "\r\n".join(["BEGIN:X-MAILFLOW-ZONES", *kept, "END:X-MAILFLOW-ZONES"])
    return list(Component.from_ical(wrapped).walk(ASIDE))


def check_rule(rule: vRecur) -> None:
    """Refuse a zone rule that is not yearly or may match many days a year.

    Raises:
        ZoneRuleError: the rule could make a reader walk sub-daily steps.
    """
    freq = _values(rule, "FREQ")
    if len(freq) != 1 or str(freq[0]).upper() != "YEARLY":
        raise ZoneRuleError("has a rule that is not FREQ=YEARLY")
    if any(len(_values(rule, part)) > 1 for part in _DENSE_PARTS):
        raise ZoneRuleError("has a rule with more than one time a day")
    if days_per_year(rule) > MAX_TRANSITIONS_PER_YEAR:
        raise ZoneRuleError("has a rule matching too many days a year")


def named_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone a TZID names, directly or as a Windows name; else None.

    ``/Europe/Berlin`` and ``"W. Europe Standard Time"`` both name Berlin, and
    so does a globally unique TZID (RFC 5545 3.2.19) ending in the IANA name,
    as Evolution and Lightning write it:
    ``/softwarestudio.org/Olson_20011030_5/Europe/Berlin``.
    """
    cleaned = tzid.strip().strip('"').strip()
    if not cleaned or len(cleaned) > MAX_TZID_CHARS:
        return None
    names = [cleaned.strip("/"), windows_zones.windows_zone(cleaned)]
    if cleaned.startswith("/"):
        parts = cleaned.strip("/").split("/")
        names += ["/".join(parts[-n:]) for n in (3, 2) if len(parts) > n]
    for name in names:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


def display_zone(name: str) -> str | None:
    """The IANA zone an Outlook display name means (`windows_zones`)."""
    return windows_zones.display_zone(name)


def windows_zone(name: str) -> str | None:
    """The IANA zone name for a Windows zone id as Outlook writes it in TZID."""
    return windows_zones.windows_zone(name)


def check_zone(zone: Component) -> None:
    """Refuse a VTIMEZONE with too many observances or a dense rule.

    Raises:
        ZoneRuleError: as `check_rule`, or more than MAX_OBSERVANCES parts.
    """
    if len(zone.subcomponents) > MAX_OBSERVANCES:
        raise ZoneRuleError(f"has more than {MAX_OBSERVANCES} observances")
    for part in zone.subcomponents:
        for rule in _as_list(part.get("RRULE")):
            if isinstance(rule, vRecur):
                check_rule(rule)


def offset_at(zone: Component, wall: datetime) -> timedelta | None:
    """The UTC offset in `zone` (a VTIMEZONE) at local time `wall`; None if unknown.

    The observance with the latest onset at or before `wall` gives its
    TZOFFSETTO; before every onset, the first one's TZOFFSETFROM holds. Work is
    bounded by the zone's size: two years of each rule, never a walk.

    Raises:
        ZoneRuleError: as `check_zone`.
    """
    check_zone(zone)
    wall = wall.replace(tzinfo=None)
    observances = []
    for part in zone.subcomponents:
        if part.name not in ("STANDARD", "DAYLIGHT"):
            continue
        observance = _observance(part)
        if observance is None:
            return None
        observances.append(observance)
    if not observances:
        return None
    latest: tuple[datetime, timedelta] | None = None
    for observance in observances:
        onset = _latest_onset(observance, wall)
        if onset is _UNKNOWN:
            return None
        if isinstance(onset, datetime) and (latest is None or onset > latest[0]):
            latest = (onset, observance.offset_to)
    if latest is not None:
        return latest[1]
    return min(observances, key=lambda o: o.onset).offset_from


# --- observances ---------------------------------------------------------------

_UNKNOWN: Final = object()


def _observance(part: Component) -> _Observance | None:
    onset = _local(getattr(part.get("DTSTART"), "dt", None))
    offset_from = getattr(part.get("TZOFFSETFROM"), "td", None)
    offset_to = getattr(part.get("TZOFFSETTO"), "td", None)
    if onset is None or not isinstance(offset_from, timedelta):
        return None
    if not isinstance(offset_to, timedelta):
        return None
    rules = [rule for rule in _as_list(part.get("RRULE")) if isinstance(rule, vRecur)]
    if len(rules) > 1:
        return None  # RFC 5545 allows one; guessing which is not worth it
    rdates = []
    for value in _as_list(part.get("RDATE")):
        for item in getattr(value, "dts", [])[:MAX_RDATES]:
            moment = _local(getattr(item, "dt", None))
            if moment is not None:
                rdates.append(moment)
    return _Observance(
        onset, offset_from, offset_to, rules[0] if rules else None, tuple(rdates)
    )


def _latest_onset(observance: _Observance, wall: datetime) -> object:
    """The latest onset at or before `wall`: a datetime, None, or _UNKNOWN."""
    if observance.onset > wall:
        return None
    candidates = [observance.onset, *(d for d in observance.rdates if d <= wall)]
    rule = observance.rule
    if rule is not None:
        if not _supported(rule):
            return _UNKNOWN
        limit = wall
        until = _values(rule, "UNTIL")
        if until:
            end = _local(until[0], offset=observance.offset_from)
            if end is None:
                return _UNKNOWN
            limit = min(limit, end)
        for year in (limit.year, limit.year - 1):
            candidates.extend(
                onset
                for onset in _onsets(rule, observance.onset, year)
                if observance.onset <= onset <= limit
            )
    return max(candidates)


def _onsets(rule: vRecur, first: datetime, year: int) -> Iterator[datetime]:
    """The onsets a yearly rule has in `year` (RFC 5545 section 3.3.10)."""
    if not 1 <= year <= 9999:
        return
    moment = time(
        _single(rule, "BYHOUR", first.hour),
        _single(rule, "BYMINUTE", first.minute),
        _single(rule, "BYSECOND", first.second),
    )
    months = [int(m) for m in _values(rule, "BYMONTH")] or [first.month]
    month_days = [int(d) for d in _values(rule, "BYMONTHDAY")]
    weekdays = [_weekday(str(d)) for d in _values(rule, "BYDAY")]
    for month in months:
        if not 1 <= month <= 12:
            continue
        length = gregorian.monthrange(year, month)[1]
        if month_days:
            days = [d if d > 0 else length + 1 + d for d in month_days]
        elif weekdays:
            days = list(range(1, length + 1))
        else:
            days = [first.day]
        dates = [date(year, month, d) for d in sorted(set(days)) if 1 <= d <= length]
        for day in _by_weekday(dates, weekdays):
            yield datetime.combine(day, moment)


def _by_weekday(dates: list[date], weekdays: list[tuple[int, int]]) -> list[date]:
    """`dates` (one month's, sorted) kept by BYDAY: ``SU`` every Sunday, ``-1SU``
    the last Sunday of the month."""
    if not weekdays:
        return dates
    kept = []
    for ordinal, weekday in weekdays:
        matching = [d for d in dates if d.weekday() == weekday]
        if ordinal == 0:
            kept.extend(matching)
        elif 0 < ordinal <= len(matching):
            kept.append(matching[ordinal - 1])
        elif 0 < -ordinal <= len(matching):
            kept.append(matching[ordinal])
    return sorted(set(kept))


def _supported(rule: vRecur) -> bool:
    """The forms real zones use: yearly, every year, by month (and a weekday or
    days of the month), no COUNT."""
    if any(str(key).upper() not in _SUPPORTED_PARTS for key in rule):
        return False
    interval = _values(rule, "INTERVAL")
    if interval and int(interval[0]) != 1:
        return False
    if (_values(rule, "BYDAY") or _values(rule, "BYMONTHDAY")) and not _values(
        rule, "BYMONTH"
    ):
        return False  # they would expand through the whole year
    try:
        for value in _values(rule, "BYDAY"):
            _weekday(str(value))
        for number in (*_values(rule, "BYMONTH"), *_values(rule, "BYMONTHDAY")):
            int(number)
    except (TypeError, ValueError):
        return False
    return True


def transitions_per_year(rule: vRecur, first: datetime) -> int:
    """How many onsets a yearly zone rule from `first` has in a year: counted
    in a common and a leap year when the rule has a form zones use, else an
    upper bound (days_per_year)."""
    if not _supported(rule):
        return days_per_year(rule)
    return max(len(list(_onsets(rule, first, year))) for year in (2023, 2024))


def days_per_year(rule: vRecur) -> int:
    """An upper bound of the days a yearly zone rule matches in one year."""
    if _values(rule, "BYYEARDAY"):
        return len(_values(rule, "BYYEARDAY"))
    if _values(rule, "BYWEEKNO"):
        return 7 * len(_values(rule, "BYWEEKNO"))
    months = len(_values(rule, "BYMONTH")) or 12
    if _values(rule, "BYMONTHDAY"):
        per_month = len(_values(rule, "BYMONTHDAY"))
    elif _values(rule, "BYDAY"):
        per_month = 5 * len(_values(rule, "BYDAY"))
    else:
        return 1
    return months * per_month


def _weekday(value: str) -> tuple[int, int]:
    """``-1SU`` -> (-1, 6); ``MO`` -> (0, 0)."""
    text = value.strip().upper()
    if text[-2:] not in _WEEKDAYS:
        raise ValueError(f"not a weekday: {value!r}")
    ordinal = int(text[:-2]) if text[:-2] not in ("", "+") else 0
    return ordinal, _WEEKDAYS.index(text[-2:])


def _single(rule: vRecur, part: str, default: int) -> int:
    values = _values(rule, part)
    return int(values[0]) if values else default


def _values(rule: vRecur, part: str) -> list[Any]:
    value = rule.get(part, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def _local(value: object, *, offset: timedelta | None = None) -> datetime | None:
    """A naive local time; an aware one moves by `offset` (UNTIL is in UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and offset is not None:
            return (
                value.replace(tzinfo=None) - (value.utcoffset() or timedelta()) + offset
            )
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def _as_list(value: object) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]
