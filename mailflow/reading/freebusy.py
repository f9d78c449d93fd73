"""Busy time from a CalDAV server's free/busy answer (a VFREEBUSY, RFC 5545
3.6.4, as a free-busy-query REPORT returns it, RFC 4791 7.10). Pure.

The server expands the calendar itself (repeats, zones, moved and cancelled
occurrences, transparent events left out), and says only when, never what:
no summary or attendee ever reaches mailflow this way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import icalendar

from mailflow.model import Interval

MAX_PERIODS: Final = 5_000
"""Busy periods read from one answer (as many as a feed's busy occurrences)."""

MAX_ANSWER_BYTES: Final = 5 * 1024 * 1024
"""A larger answer is refused, as a larger feed is."""

_NOT_BUSY: Final = frozenset({"FREE"})
"""FBTYPE values that leave the time free; BUSY, BUSY-TENTATIVE,
BUSY-UNAVAILABLE and unknown ones (RFC 5545 3.2.9: read as BUSY) block it."""


def busy_periods(
    answer: bytes, *, start_at: datetime, end_at: datetime
) -> list[Interval]:
    """The busy periods of `answer` in [start_at, end_at), sorted, in UTC.

    Raises:
        ValueError: it is not a free/busy answer, or too large to read.
    """
    if len(answer) > MAX_ANSWER_BYTES:
        raise ValueError("the free/busy answer is too large")
    parsed = icalendar.Calendar.from_ical(answer)
    if not isinstance(parsed, icalendar.Calendar):
        raise ValueError("the free/busy answer is not a calendar")
    replies = parsed.walk("VFREEBUSY")
    if not replies:
        raise ValueError("the free/busy answer has no VFREEBUSY")
    window = Interval(start_at.astimezone(UTC), end_at.astimezone(UTC))
    found: set[Interval] = set()
    for reply in replies:
        for prop in _as_list(reply.get("FREEBUSY")):
            kind = str(prop.params.get("FBTYPE", "BUSY")).upper()
            if kind in _NOT_BUSY:
                continue
            for period in _periods(prop):
                clipped = _clip(period, window)
                if clipped is not None:
                    found.add(clipped)
                if len(found) > MAX_PERIODS:
                    raise ValueError("the free/busy answer has too many periods")
    return sorted(found, key=lambda i: (i.start_at, i.end_at))


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _periods(prop: Any) -> list[Interval]:
    """A FREEBUSY value: comma-separated periods, start/end or start/duration."""
    values = getattr(prop, "dts", None)
    items = [getattr(v, "dt", v) for v in values] if values is not None else [prop.dt]
    periods = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValueError("a FREEBUSY value that is not a period")
        start, until = item
        end = start + until if isinstance(until, timedelta) else until
        periods.append(Interval(_utc(start), _utc(end)))
    return periods


def _utc(value: object) -> datetime:
    """Periods are in UTC (RFC 5545 3.8.2.6); a floating one is read as UTC."""
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        )
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    raise ValueError("a FREEBUSY period without a time")


def _clip(interval: Interval, window: Interval) -> Interval | None:
    start_at = max(interval.start_at, window.start_at)
    end_at = min(interval.end_at, window.end_at)
    return Interval(start_at, end_at) if start_at < end_at else None
