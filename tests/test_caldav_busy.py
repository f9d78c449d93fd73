"""#11: the therapist's busy time from their CalDAV calendar's free/busy
(`caldav.busy = true`, off by default), read from a real Radicale."""

from __future__ import annotations

import itertools
import socket
from datetime import UTC, datetime, timedelta

import pytest
from support import NOW, plain, request, run, write_config
from test_caldav import settings_with

from mailflow.errors import BusyCalendarError, ConfigError
from mailflow.model import Interval
from mailflow.reading.freebusy import busy_periods
from mailflow.shell import caldav_busy
from mailflow.shell.schedule import Schedule
from mailflow.shell.store import Store

CALENDAR = "Consultations"
PRIVATE = "Couples session with the Smiths"
_users = itertools.count(1)
START = datetime(2026, 11, 28, tzinfo=UTC)
END = datetime(2026, 12, 12, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def answer(*lines: str) -> bytes:
    return (
        "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//test//EN",
                "BEGIN:VFREEBUSY",
                "DTSTART:20261128T000000Z",
                "DTEND:20261212T000000Z",
                *lines,
                "END:VFREEBUSY",
                "END:VCALENDAR",
                "",
            ]
        )
    ).encode()


# -- the answer, read (pure) -----------------------------------------------------


def test_busy_periods_are_read_and_free_ones_left_free() -> None:
    found = busy_periods(
        answer(
            "FREEBUSY;FBTYPE=BUSY:20261130T090000Z/20261130T100000Z,"
            "20261201T080000Z/PT1H",
            "FREEBUSY;FBTYPE=FREE:20261202T080000Z/20261202T090000Z",
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261203T080000Z/20261203T083000Z",
            "FREEBUSY:20261204T080000Z/20261204T090000Z",  # no FBTYPE: BUSY
            "FREEBUSY;FBTYPE=BUSY:20261127T230000Z/20261128T010000Z",  # clipped
            "FREEBUSY;FBTYPE=BUSY:20261220T080000Z/20261220T090000Z",  # outside
        ),
        start_at=START,
        end_at=END,
    )
    assert found == [
        Interval(utc(2026, 11, 28), utc(2026, 11, 28, 1)),
        Interval(utc(2026, 11, 30, 9), utc(2026, 11, 30, 10)),
        Interval(utc(2026, 12, 1, 8), utc(2026, 12, 1, 9)),
        Interval(utc(2026, 12, 3, 8), utc(2026, 12, 3, 8, 30)),
        Interval(utc(2026, 12, 4, 8), utc(2026, 12, 4, 9)),
    ]
    assert busy_periods(answer(), start_at=START, end_at=END) == []


@pytest.mark.parametrize(
    "data",
    [
        b"<html>Sign in</html>",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",  # no VFREEBUSY
        answer("FREEBUSY:20261204T080000Z"),  # not a period
    ],
)
def test_an_answer_that_is_not_free_busy_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (the reader's own refusal)
        busy_periods(data, start_at=START, end_at=END)


# -- configuration -----------------------------------------------------------------


def test_it_is_off_by_default_and_needs_a_calendar(tmp_path) -> None:
    on_url = settings_with(tmp_path, '[caldav]\nurl = "https://cal.example/dav/"\n')
    assert on_url.caldav.enabled
    assert not on_url.caldav.reads_busy
    with pytest.raises(ConfigError, match=r"caldav\.busy: needs caldav\.url"):
        settings_with(tmp_path, "[caldav]\nbusy = true\n")


# -- a real CalDAV server ------------------------------------------------------------


def _event(uid: str, start: str, end: str, *extra: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261101T000000Z",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"SUMMARY:{PRIVATE}",
            *extra,
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@pytest.fixture
def therapist_calendar(calendar_server):
    """A user on Radicale whose calendar is busy all Monday 30 November, and
    has a free (transparent) event on Tuesday 1 December."""
    from caldav.davclient import DAVClient

    user = f"freebusy{next(_users)}"
    client = DAVClient(url=calendar_server.url, username=user, password="secret")
    calendar = client.principal().make_calendar(name=CALENDAR, cal_id="consult")
    calendar.save_event(_event("away@test", "20261130T000000Z", "20261201T000000Z"))
    calendar.save_event(
        _event(
            "free@test", "20261201T080000Z", "20261201T170000Z", "TRANSP:TRANSPARENT"
        )
    )
    return calendar_server, user


def _config(tmp_path, mail_server, mailboxes, calendar_server, user, busy: bool):
    return write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f"""
[caldav]
url = "{calendar_server.url}"
username = "{user}"
password = "secret"
calendar = "{CALENDAR}"
timeout_s = 5
busy = {"true" if busy else "false"}
""",
    )


@pytest.mark.parametrize("busy", [True, False])
def test_the_calendars_free_busy_keeps_offers_off_its_busy_time(
    tmp_path, mail_server, mailboxes, therapist_calendar, busy
):
    """Through the worker: with caldav.busy on, Monday (busy in the CalDAV
    calendar, no ICS feed configured) is never offered; off, it is."""
    calendar_server, user = therapist_calendar
    config = _config(tmp_path, mail_server, mailboxes, calendar_server, user, busy)
    person = f"{'on' if busy else 'off'}-{mailboxes.person}"
    mail_server.deliver(
        request(sender=person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config, NOW) == 0
    (offer,) = [m.message() for m in mail_server.messages(person)]
    text = plain(offer)
    assert ("Monday 30 November" in text) is not busy
    assert PRIVATE not in text


def test_the_schedule_reads_the_servers_answer_and_only_when(
    tmp_path, mail_server, mailboxes, therapist_calendar
):
    calendar_server, user = therapist_calendar
    config = _config(tmp_path, mail_server, mailboxes, calendar_server, user, True)
    from mailflow.config import load_settings

    settings = load_settings(config)
    found = caldav_busy.read_busy(
        settings.caldav, start_at=utc(2026, 11, 28), end_at=utc(2026, 12, 12)
    )
    # The whole Monday, and nothing of the transparent Tuesday event.
    assert found == [Interval(utc(2026, 11, 30), utc(2026, 12, 1))]


def test_a_calendar_that_cannot_be_asked_is_a_busy_calendar_down(tmp_path) -> None:
    """No blind offer: the schedule raises as for a feed that is down, naming
    the calendar without its address."""
    with socket.socket() as probe:  # a loopback port no one listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_with(
        tmp_path,
        f'[caldav]\nurl = "http://127.0.0.1:{port}/dav/"\nusername = "sam"\n'
        'password = "hunter2"\ncalendar = "Consultations"\ntimeout_s = 2\nbusy = true\n',
    )
    store = Store.open(settings.storage.database)
    try:
        with pytest.raises(BusyCalendarError) as caught:
            Schedule(settings, store, NOW + timedelta(0)).busy()
    finally:
        store.close()
    assert caught.value.source == caldav_busy.SOURCE
    assert str(port) not in str(caught.value)
    assert "hunter2" not in str(caught.value)
