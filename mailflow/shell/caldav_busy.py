"""The therapist's busy time from their CalDAV calendar's free/busy. Does network I/O.

With `caldav.busy = true`, the calendar that bookings are written to (or the
one `caldav.url` names) is asked for its free/busy over the offer window (a
free-busy-query REPORT, RFC 4791 7.10, through the `caldav` library), beside
or instead of `availability.busy_calendars`. The server expands the events
itself and answers only when, never what. A calendar that cannot be asked is a
busy calendar that cannot be read: `BusyCalendarError`, so no time is offered
blind (the schedule falls back to the last good read, as for a feed).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mailflow.errors import BusyCalendarError, ConfigError, TokenError
from mailflow.model import Interval
from mailflow.reading import freebusy
from mailflow.shell import deadline

if TYPE_CHECKING:
    from mailflow.config import CaldavSettings

SOURCE = "your CalDAV calendar (caldav.busy)"
"""How the calendar is named in errors and notes: never its URL."""


def conversation_seconds(settings: CaldavSettings) -> float:
    """The most one conversation with the calendar server may take: a few
    requests (principal, calendar, the work itself), each bounded by timeout_s."""
    return max(10.0, 4 * settings.timeout_s)


def read_busy(
    settings: CaldavSettings, *, start_at: datetime, end_at: datetime
) -> list[Interval]:
    """The calendar's busy periods in [start_at, end_at), sorted, in UTC.

    Raises:
        BusyCalendarError: the server could not be asked, or its answer read.
    """
    from mailflow.shell.caldav_sync import CaldavCalendar, failure_reason

    def ask() -> Any:
        _client, calendar = CaldavCalendar(settings).connect()
        return calendar.freebusy_request(start_at, end_at).data

    try:
        # A whole-conversation deadline: a trickling server is left behind (#14).
        data = deadline.within(conversation_seconds(settings), "caldav free/busy", ask)
    except (ConfigError, TokenError):
        raise
    except Exception as exc:  # the library's, niquests', sockets': all one "down"
        raise BusyCalendarError(source=SOURCE, reason=failure_reason(exc)) from None
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
    try:
        return freebusy.busy_periods(raw, start_at=start_at, end_at=end_at)
    except ValueError:  # icalendar's reasons may quote the answer: never kept
        raise BusyCalendarError(
            source=SOURCE, reason="its free/busy answer could not be read"
        ) from None
