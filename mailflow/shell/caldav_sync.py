"""Bookings written into the therapist's own calendar over CalDAV. Does network I/O.

The calendar has an outbox of its own, like mail. A booking, a move, a number
added or a cancellation queues one write (`Letters._to_calendar`: put, move or
delete, by the event's UID and SEQUENCE, with what the emailed copy carries) in
the same transaction as the booking change. After the run's mail has gone,
`flush` writes the newest waiting write of each event:

- put and move are one PUT of the whole event to the resource named by its UID
  (`stored_event.resource_name`), so doing it twice leaves one event;
- delete is a DELETE of that resource, and a missing event is success.

So a crash between the booking and the write, or between the write and its
bookkeeping, never loses the write and never doubles the event: the next run
writes it (again). A server that is down or refuses costs nothing but time: the
booking and its letters have gone, the write is retried on later runs (backing
off to hourly), and after a day of failing the therapist is told once per spell.
Nothing the person wrote reaches the calendar; no secret reaches a log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol

from mailflow.errors import ConfigError, TokenError
from mailflow.shell import deadline

if TYPE_CHECKING:
    from mailflow.config import CaldavSettings
    from mailflow.shell.store import CalendarOp, Store
    from mailflow.writing.letters import AfterCallLetters

log = logging.getLogger("mailflow")

RETRY_FIRST = timedelta(minutes=5)
"""A failed write waits this long, doubling with each failure..."""
RETRY_MAX = timedelta(hours=1)
"""...up to this: a server down for days is asked hourly, not every run."""
TELL_AFTER = timedelta(days=1)
"""Failing this long, the therapist is told (once per spell of failing)."""
SPELL_KEY = "caldav:failing_since"
"""Meta row: when the current spell of failing writes began ("" or none: no spell)."""
TOLD_KEY = "caldav:told"
"""Meta row: the spell the therapist was told about."""
ERROR_KEY = "caldav:last_error"
"""Meta row: the last failure, as one safe line."""

_WRITTEN = frozenset({200, 201, 204})
_GONE = frozenset({200, 204, 404, 410})
_UID_CONFLICT = frozenset({403, 409, 412})
"""What servers answer a PUT whose UID another resource of the calendar holds
(RFC 4791 5.3.2.1 no-uid-conflict): an event imported by hand from the email."""


class CalendarUnavailable(Exception):
    """The calendar could not take a write; `str()` is safe to log and mail."""


class CalendarWriter(Protocol):
    """Where events go: `CaldavCalendar`, or a test's stand-in."""

    def put(self, uid: str, ics: bytes) -> None: ...

    def delete(self, uid: str) -> None: ...


class CaldavCalendar:
    """The configured calendar through the `caldav` library; connects on first use."""

    def __init__(self, settings: CaldavSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._calendar: Any = None

    def connect(self) -> tuple[Any, Any]:
        """The client and the calendar (found by name once), for reading too."""
        return self._connect()

    def _connect(self) -> tuple[Any, Any]:
        if self._calendar is not None:
            return self._client, self._calendar
        try:
            from caldav.collection import Calendar
            from caldav.davclient import DAVClient
        except ImportError:
            raise ConfigError(
                ["caldav.url: needs the caldav package: pip install 'mailflow[caldav]'"]
            ) from None
        # Their debug lines carry addresses and event text: ours say what is safe.
        for name in ("caldav", "niquests", "urllib3", "urllib3_future"):
            logging.getLogger(name).setLevel(logging.WARNING)
        settings = self.settings
        if settings.auth == "oauth2":
            from mailflow.shell import credentials

            secret = credentials.token_from_command(settings)
            options: dict[str, Any] = {"password": secret, "auth_type": "bearer"}
        else:
            options = {
                "username": settings.username or None,
                "password": settings.resolve_password() or None,
            }
        client: Any = DAVClient(
            url=settings.url,
            timeout=max(1, round(settings.timeout_s)),
            enable_rfc6764=False,
            **options,
        )
        if settings.calendar:
            calendar = client.principal().calendar(name=settings.calendar)
        else:
            calendar = Calendar(client=client, url=settings.url)
        self._client, self._calendar = client, calendar
        return client, calendar

    def _url(self, uid: str) -> str:
        from mailflow.writing.stored_event import resource_name

        _client, calendar = self._connect()
        return str(calendar.url.join(resource_name(uid)))

    def put(self, uid: str, ics: bytes) -> None:
        client, calendar = self._connect()
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        body = ics.decode("utf-8")
        response = client.put(self._url(uid), body, headers)
        if response.status in _WRITTEN:
            return
        if response.status in _UID_CONFLICT:
            # The therapist added the emailed copy by hand: it is this event.
            existing = self._find(calendar, uid)
            if existing is not None and existing != self._url(uid):
                response = client.put(existing, body, headers)
                if response.status in _WRITTEN:
                    return
        raise CalendarUnavailable(
            f"the calendar refused the event (HTTP {response.status})"
        )

    def delete(self, uid: str) -> None:
        client, calendar = self._connect()
        response = client.delete(self._url(uid))
        if response.status in _GONE:
            existing = (
                self._find(calendar, uid) if response.status in {404, 410} else None
            )
            if existing is not None:  # added by hand under another name
                response = client.delete(existing)
                if response.status in _GONE:
                    return
            else:
                return
        raise CalendarUnavailable(
            f"the calendar refused to remove the event (HTTP {response.status})"
        )

    @staticmethod
    def _find(calendar: Any, uid: str) -> str | None:
        """The address of the event with this UID, wherever it was put."""
        import caldav.lib.error

        try:
            found = calendar.get_object_by_uid(uid)
        except caldav.lib.error.NotFoundError:
            return None
        return str(found.url)


def flush(
    store: Store,
    writer: CalendarWriter,
    letters: Callable[[], AfterCallLetters],
    now: datetime,
    *,
    seconds: float = 60.0,
) -> bool:
    """Write what waits, newest per event; True when the therapist was told (a
    letter was queued). Never raises for the calendar's sake: the run goes on.
    Each event's conversation with the server ends within `seconds`."""
    if deadline.still_running(_WRITING):
        # A write left behind by its deadline may still land: nothing newer
        # goes out before it has (a delete must never be overtaken by a put).
        log.warning("caldav: an earlier write is still under way; events wait")
        return _tell_if_failing(store, letters, now)
    due = store.calendar_due(now)
    if due:
        store.sync()  # the bookings behind them on disk before the calendar hears
    for n, op in enumerate(due):
        try:
            _write(writer, op, seconds)
        except Exception as exc:  # the run goes on whatever the calendar did
            reason = failure_reason(exc)
            log.warning("caldav: enquiry %s's event waits: %s", op.enquiry_id, reason)
            # Refused, this event waits; down (or refusing the login), they all do.
            waiting = [op] if isinstance(exc, CalendarUnavailable) else due[n:]
            with store.transaction():
                for each in waiting:
                    store.calendar_failed(each, now, now + _backoff(each.attempts))
                if not store.get_meta(SPELL_KEY):
                    store.set_meta(SPELL_KEY, now.isoformat())
                store.set_meta(ERROR_KEY, reason)
            if not isinstance(exc, CalendarUnavailable):
                break
            continue
        with store.transaction():
            store.calendar_written(op, now)
        log.info("caldav: enquiry %s's event written (%s)", op.enquiry_id, op.action)
    return _tell_if_failing(store, letters, now)


_WRITING: Final = "caldav calendar"


def _write(writer: CalendarWriter, op: CalendarOp, seconds: float) -> None:
    """One event written, within a whole-conversation deadline: a server that
    trickles costs the run `seconds`, never its lock for good (#14)."""

    def write() -> None:
        if op.action == "delete":
            writer.delete(op.uid)
        elif op.ics is not None:
            writer.put(op.uid, op.ics)

    deadline.within(seconds, _WRITING, write)


def _tell_if_failing(
    store: Store, letters: Callable[[], AfterCallLetters], now: datetime
) -> bool:
    """After TELL_AFTER of failing, one letter to the therapist for the spell."""
    since_text = store.get_meta(SPELL_KEY)
    if not since_text:
        return False
    with store.transaction():
        if store.calendar_failing_since() is None:
            store.set_meta(SPELL_KEY, "")  # every write went in: the spell is over
            return False
        since = datetime.fromisoformat(since_text)
        if now - since < TELL_AFTER or store.get_meta(TOLD_KEY) == since_text:
            return False
        reason = store.get_meta(ERROR_KEY) or "it did not answer"
        letters().caldav_alert(reason, since_text, store.calendar_waiting())
        store.set_meta(TOLD_KEY, since_text)
    return True


def _backoff(attempts: int) -> timedelta:
    return min(RETRY_FIRST * (1 << min(attempts, 10)), RETRY_MAX)


def failure_reason(exc: Exception) -> str:
    """One safe line: what kind of failure, never a server's text or a secret."""
    if isinstance(exc, CalendarUnavailable | ConfigError | TokenError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "the calendar server did not answer in time"
    name = type(exc).__name__
    if "Authorization" in name:
        return "the calendar refused the login (check caldav.username and the password)"
    if "NotFound" in name:
        return "the calendar was not found (check caldav.url and caldav.calendar)"
    return f"the calendar server could not be reached ({name})"
