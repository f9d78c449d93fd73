"""Bookings written into the therapist's own calendar over CalDAV (#11 item 5).

End to end on real Dovecot + SMTP and a real CalDAV server (Radicale, started by
the tests): a booking, a move and a cancellation appear, move and vanish in the
calendar, once each; a SIGKILL between the booking and the calendar write
leaves the event written exactly once by the next run; a calendar that is down
never holds a booking back, its write is retried, and the therapist is told
once after a day. The queue's rules are also tested on their own, without a
server.
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from support import NOW, answer, plain, request, run, stored_enquiry, write_config

from mailflow.config import load_settings
from mailflow.errors import ConfigError
from mailflow.shell import caldav_sync
from mailflow.shell.runner import Runner
from mailflow.shell.store import Store
from mailflow.writing.letters import AfterCallLetters
from mailflow.writing.stored_event import resource_name, stored_event

PRIVATE = "since my divorce I have been struggling with panic attacks"
CALENDAR = "Consultations"
_users = itertools.count(1)
WAIT_S = 30.0


class Killed(BaseException):
    """Stands in for SIGKILL inside one process: no handler of ours catches it."""


# -- helpers -----------------------------------------------------------------------


def newest(server, user, kind):
    mails = [m.message() for m in server.messages(user)]
    mails = [m for m in mails if m["X-Mailflow"] == kind]
    assert mails, f"no {kind} for {user}"
    return mails[-1]


def kinds(server, user) -> list[str]:
    return [m.message()["X-Mailflow"] for m in server.messages(user)]


def calendar_of(calendar_server, user: str) -> Any:
    """The therapist's calendar on Radicale, read through the caldav library."""
    from caldav.davclient import DAVClient

    client = DAVClient(url=calendar_server.url, username=user, password="secret")
    return client.principal().calendar(name=CALENDAR)


def events(calendar_server, user: str) -> list[icalendar.Event]:
    """Every VEVENT in the therapist's calendar, as the server holds it now."""
    found = []
    for resource in calendar_of(calendar_server, user).events():
        cal = icalendar.Calendar.from_ical(resource.data)
        assert "METHOD" not in cal
        found.extend(cal.walk("VEVENT"))
    return found


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes, calendar_server):
    """Mail server, addresses, a config with [caldav], and the therapist's user."""
    from caldav.davclient import DAVClient

    user = f"sam{next(_users)}"
    client = DAVClient(url=calendar_server.url, username=user, password="secret")
    client.principal().make_calendar(name=CALENDAR, cal_id="consultations")
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f"""
[workflow]
approval = "auto"

[caldav]
url = "{calendar_server.url}"
username = "{user}"
password = "secret"
calendar = "{CALENDAR}"
timeout_s = 5
""",
    )
    return mail_server, mailboxes, config, calendar_server, user


def start(server, boxes, config, at=NOW):
    raw = request(
        sender=f"Jordan Lee <{boxes.person}>",
        to=boxes.practice,
        body="Hello, I'd like to book the free 15 minute call.\n\n"
        f"To be honest {PRIVATE}. My number is 07700 900123.",
        sent_at=at,
    )
    server.deliver(raw, boxes.practice)
    assert run(config, at) == 0
    return newest(server, boxes.person, "offer")


def reply(server, boxes, original, body, at) -> None:
    server.deliver(
        answer(original, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )


def invitation_start(confirmation) -> datetime:
    for part in confirmation.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            return cal.walk("VEVENT")[0].decoded("DTSTART")
    raise AssertionError("no invitation")


def copy_uid(server, boxes) -> str:
    """The UID of the therapist's emailed copy."""
    copy = newest(server, boxes.therapist, "therapist_event")
    for part in copy.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            return str(cal.walk("VEVENT")[0]["UID"])
    raise AssertionError("no calendar in the therapist's copy")


def ops(config: Path) -> list[tuple[str, int, str]]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT action, sequence, status FROM calendar_ops ORDER BY id"
        ).fetchall()


class Counting:
    """Counts the writes that reach the calendar server (wrapping the real ones)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        real_put = caldav_sync.CaldavCalendar.put
        real_delete = caldav_sync.CaldavCalendar.delete

        def put(writer: Any, uid: str, ics: bytes) -> None:
            self.calls.append("put")
            real_put(writer, uid, ics)

        def delete(writer: Any, uid: str) -> None:
            self.calls.append("delete")
            real_delete(writer, uid)

        monkeypatch.setattr(caldav_sync.CaldavCalendar, "put", put)
        monkeypatch.setattr(caldav_sync.CaldavCalendar, "delete", delete)


def wait_for(condition, timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


# -- end to end ----------------------------------------------------------------------


def test_a_booking_a_move_and_a_cancellation_appear_move_and_vanish_once_each(
    stack, monkeypatch
):
    server, boxes, config, calendar, user = stack
    writes = Counting(monkeypatch)
    offer = start(server, boxes, config)
    assert events(calendar, user) == []  # an offer is no booking

    at = NOW + timedelta(hours=1)
    reply(server, boxes, offer, "2", at)
    assert run(config, at) == 0
    confirmation = newest(server, boxes.person, "confirmation")
    booked_at = invitation_start(confirmation)
    (event,) = events(calendar, user)
    assert str(event["UID"]) == copy_uid(server, boxes)  # one event, two routes
    assert event.decoded("DTSTART") == booked_at
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Free call: Jordan Lee, 07700 900123"
    assert "ORGANIZER" not in event
    assert "ATTENDEE" not in event
    assert writes.calls == ["put"]
    assert run(config, at + timedelta(minutes=5)) == 0  # nothing waits: no write
    assert writes.calls == ["put"]

    at += timedelta(hours=2)
    reply(server, boxes, confirmation, "Something came up, can we move it?", at)
    assert run(config, at) == 0
    again = newest(server, boxes.person, "offer_again")
    reply(server, boxes, again, "1", at + timedelta(minutes=5))
    assert run(config, at + timedelta(minutes=5)) == 0
    moved = newest(server, boxes.person, "confirmation")
    moved_at = invitation_start(moved)
    assert moved_at != booked_at
    (event_after_move,) = events(calendar, user)
    assert event_after_move["UID"] == event["UID"]
    assert event_after_move.decoded("DTSTART") == moved_at
    assert event_after_move["SEQUENCE"] == 1
    assert writes.calls == ["put", "put"]

    at += timedelta(hours=1)
    reply(server, boxes, moved, "I'm so sorry, I need to cancel the call.", at)
    assert run(config, at) == 0
    assert "cancel_notice" in kinds(server, boxes.therapist)
    assert events(calendar, user) == []
    assert writes.calls == ["put", "put", "delete"]
    assert run(config, at + timedelta(minutes=5)) == 0
    assert writes.calls == ["put", "put", "delete"]
    assert [status for *_, status in ops(config)] == ["done"] * 3
    # Never what the person wrote; and no text of the event kept once written.
    for resource in calendar_of(calendar, user).events():
        assert PRIVATE not in resource.data
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM calendar_ops WHERE ics IS NOT NULL"
        ).fetchone() == (0,)


def test_a_crash_between_the_booking_and_the_calendar_write_writes_it_once(
    stack, monkeypatch
):
    """Killed after the booking committed and the mail went, before the calendar
    was written: the next run writes it. Killed after the server took it, before
    the bookkeeping: the next run writes it again, and it is still one event."""
    server, boxes, config, calendar, user = stack
    offer = start(server, boxes, config)
    at = NOW + timedelta(hours=1)
    reply(server, boxes, offer, "2", at)

    def killed(self: Runner) -> None:
        raise Killed

    with monkeypatch.context() as crash:
        crash.setattr(Runner, "flush_calendar", killed)
        with pytest.raises(Killed):
            run(config, at)
    assert "confirmation" in kinds(server, boxes.person)  # the booking went out
    assert events(calendar, user) == []
    assert ops(config) == [("put", 0, "pending")]

    real = Store.calendar_written

    def written_then_killed(self: Store, op: Any, now: datetime) -> None:
        raise Killed

    with monkeypatch.context() as crash:
        crash.setattr(Store, "calendar_written", written_then_killed)
        with pytest.raises(Killed):
            run(config, at + timedelta(minutes=5))
    assert len(events(calendar, user)) == 1  # on the server, not yet booked as done
    assert ops(config) == [("put", 0, "pending")]
    assert Store.calendar_written is real

    assert run(config, at + timedelta(minutes=10)) == 0
    (event,) = events(calendar, user)
    assert str(event["UID"]) == copy_uid(server, boxes)
    assert ops(config) == [("put", 0, "done")]
    assert kinds(server, boxes.person).count("confirmation") == 1


def test_a_sigkill_of_mailflow_run_while_it_writes_the_calendar(stack):
    """A real SIGKILL of `mailflow run`: the calendar hangs (SIGSTOP) so the run is
    caught after the booking and its mail, inside the calendar write."""
    server, boxes, config, calendar, user = stack
    offer = start(server, boxes, config)
    at = NOW + timedelta(hours=1)
    reply(server, boxes, offer, "2", at)
    database = load_settings(config).storage.database

    def waiting_to_write() -> bool:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return db.execute(
                "SELECT COUNT(*) FROM calendar_ops WHERE status = 'pending'"
            ).fetchone() == (1,)

    calendar.pause()
    try:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "mailflow", "run"),
                *("--config", str(config), "--now", at.isoformat()),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert wait_for(
                lambda: (
                    "confirmation" in kinds(server, boxes.person) and waiting_to_write()
                )
            )
            time.sleep(0.3)  # inside the PUT, which the paused server never answers
            assert proc.poll() is None
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
    finally:
        calendar.resume()
    assert ops(config) == [("put", 0, "pending")]
    assert run(config, at + timedelta(minutes=5)) == 0
    (event,) = events(calendar, user)
    assert str(event["UID"]) == copy_uid(server, boxes)
    assert ops(config) == [("put", 0, "done")]
    assert kinds(server, boxes.person).count("confirmation") == 1


def test_a_calendar_that_is_down_keeps_the_booking_going_retries_and_tells_once(
    stack,
):
    server, boxes, config, calendar, user = stack
    offer = start(server, boxes, config)
    at = NOW + timedelta(hours=1)
    reply(server, boxes, offer, "2", at)
    calendar.stop()
    try:
        assert run(config, at) == 0  # the calendar is no reason to fail a run
        assert "confirmation" in kinds(server, boxes.person)
        assert kinds(server, boxes.therapist) == ["therapist_event"]
        assert ops(config) == [("put", 0, "pending")]
        assert run(config, at + timedelta(hours=2)) == 0
        assert kinds(server, boxes.therapist) == ["therapist_event"]
        # A day of failing: told once, and only once.
        assert run(config, at + timedelta(days=1, minutes=5)) == 0
        assert kinds(server, boxes.therapist).count("caldav_alert") == 1
        alert = newest(server, boxes.therapist, "caldav_alert")
        assert "1 change waits" in plain(alert)
        assert "could not be reached" in plain(alert)
        assert "secret" not in plain(alert)
        assert run(config, at + timedelta(days=1, hours=3)) == 0
        assert kinds(server, boxes.therapist).count("caldav_alert") == 1
    finally:
        calendar.start()
    assert events(calendar, user) == []
    assert run(config, at + timedelta(days=1, hours=5)) == 0
    (event,) = events(calendar, user)
    assert str(event["UID"]) == copy_uid(server, boxes)
    assert ops(config) == [("put", 0, "done")]
    assert kinds(server, boxes.therapist).count("caldav_alert") == 1


def test_the_copy_added_by_hand_is_updated_not_doubled(stack):
    """The therapist imported the emailed copy into the same calendar before
    mailflow wrote it (another resource name, the same UID): that event is the
    one mailflow moves and removes."""
    server, boxes, config, calendar, user = stack
    offer = start(server, boxes, config)
    at = NOW + timedelta(hours=1)
    reply(server, boxes, offer, "2", at)
    calendar.stop()
    try:
        assert run(config, at) == 0
    finally:
        calendar.start()
    copy = newest(server, boxes.therapist, "therapist_event")
    (ics,) = [
        p.get_payload(decode=True)
        for p in copy.walk()
        if p.get_content_type() == "text/calendar"
    ]
    calendar_of(calendar, user).save_event(stored_event(ics).decode(), id="by-hand")
    assert run(config, at + timedelta(hours=2)) == 0
    (event,) = events(calendar, user)
    assert str(event["UID"]) == copy_uid(server, boxes)
    assert ops(config) == [("put", 0, "done")]


# -- the queue on its own ---------------------------------------------------------------

MINIMAL = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
[smtp]
host = "smtp.riverside.example"
[storage]
database = "{database}"
{extra}
"""


def settings_with(tmp_path: Path, extra: str = "") -> Any:
    path = tmp_path / "mailflow.toml"
    path.write_text(
        MINIMAL.format(database=tmp_path / "db.sqlite3", extra=extra), encoding="utf-8"
    )
    return load_settings(path)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('url = "http://cal.example/dav/"', "caldav.url: http:// sends the password"),
        ('url = "ftp://cal.example/"', "caldav.url: 'ftp://cal.example/' is not"),
        ('url = "https://sam:pw@cal.example/"', "caldav.url: put the user"),
        ('auth = "oauth2"', 'caldav.oauth2_token_command: auth = "oauth2" needs'),
    ],
)
def test_caldav_settings_are_checked(tmp_path, extra, problem):
    with pytest.raises(ConfigError) as caught:
        settings_with(tmp_path, f"[caldav]\n{extra}\n")
    assert any(line.startswith(problem) for line in caught.value.problems), (
        caught.value.problems
    )


def test_off_by_default_and_nothing_is_queued(tmp_path):
    settings = settings_with(tmp_path)
    assert not settings.caldav.enabled
    assert settings_with(
        tmp_path, '[caldav]\nurl = "https://cal.example/dav/"\n'
    ).caldav.enabled


def test_a_safety_note_in_the_persons_words_never_reaches_the_calendar():
    copy = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:PUBLISH\r\n"
        b"BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20261202T090000Z\r\n"
        b"DTSTART:20261210T100000Z\r\nDTEND:20261210T101500Z\r\n"
        b"SUMMARY:Free call: Jo\r\n"
        b"DESCRIPTION:SAFETY: never ring before 6\\, my partner reads my phone"
        b"\\n\\nRing Jo on 07700 900123. Enquiry 1.\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = icalendar.Calendar.from_ical(stored_event(copy)).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    assert "partner" not in description
    assert description.startswith("SAFETY: see the booking email.")
    assert description.endswith("Ring Jo on 07700 900123. Enquiry 1.")


def test_the_stored_event_is_the_copy_without_method_organizer_or_attendee():
    copy = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailflow//mailflow//EN\r\n"
        b"METHOD:PUBLISH\r\nBEGIN:VEVENT\r\nUID:therapist-x@riverside.example\r\n"
        b"SEQUENCE:2\r\nDTSTAMP:20261125T090000Z\r\nDTSTART:20261130T090000Z\r\n"
        b"DTEND:20261130T091500Z\r\nSUMMARY:Free call: Jordan Lee\\, 07700 900123\r\n"
        b"ORGANIZER;CN=Sam Rivera:mailto:hello@riverside.example\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    stored = icalendar.Calendar.from_ical(stored_event(copy))
    assert "METHOD" not in stored
    (event,) = stored.walk("VEVENT")
    assert "ORGANIZER" not in event
    assert event["SEQUENCE"] == 2
    assert str(event["SUMMARY"]) == "Free call: Jordan Lee, 07700 900123"
    assert resource_name("therapist-x@riverside.example") == (
        "therapist-x@riverside.example.ics"
    )
    assert resource_name("a/b c") == "a%2Fb%20c.ics"


class Recording:
    """A calendar in memory: what was written, or down."""

    def __init__(self) -> None:
        self.down = False
        self.events: dict[str, bytes] = {}
        self.calls: list[tuple[str, str]] = []

    def put(self, uid: str, ics: bytes) -> None:
        self.calls.append(("put", uid))
        if self.down:
            raise ConnectionRefusedError
        self.events[uid] = ics

    def delete(self, uid: str) -> None:
        self.calls.append(("delete", uid))
        if self.down:
            raise ConnectionRefusedError
        self.events.pop(uid, None)


def test_the_newest_write_of_an_event_supersedes_and_failures_back_off(tmp_path):
    settings = settings_with(tmp_path, '[caldav]\nurl = "https://cal.example/"\n')
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    calendar = Recording()
    with Store.open(settings.storage.database) as store:
        letters = AfterCallLetters(settings, store, now)
        with store.transaction():
            for action, sequence in (("put", 0), ("move", 1)):
                store.queue_calendar(
                    enquiry_id=1,
                    uid="a",
                    action=action,
                    sequence=sequence,
                    ics=f"v{sequence}".encode(),
                    now=now,
                )
            # Queued twice (a re-run of the same decision): once.
            assert not store.queue_calendar(
                enquiry_id=1, uid="a", action="put", sequence=0, ics=b"v0", now=now
            )
            store.queue_calendar(
                enquiry_id=2, uid="b", action="put", sequence=0, ics=b"b0", now=now
            )
        calendar.down = True
        assert not caldav_sync.flush(store, calendar, lambda: letters, now)
        assert calendar.calls == [("put", "a")]  # down: the rest waits for next time
        assert store.calendar_waiting() == 2
        # Backing off: not again within five minutes.
        caldav_sync.flush(store, calendar, lambda: letters, now + timedelta(minutes=4))
        assert len(calendar.calls) == 1
        calendar.down = False
        caldav_sync.flush(store, calendar, lambda: letters, now + timedelta(minutes=5))
        assert calendar.events == {"a": b"v1", "b": b"b0"}
        assert calendar.calls[1:] == [("put", "a"), ("put", "b")]
        assert store.calendar_waiting() == 0
        assert store.get_meta(caldav_sync.SPELL_KEY) == ""  # the spell is over
        with store.transaction():
            store.queue_calendar(
                enquiry_id=1, uid="a", action="delete", sequence=2, ics=None, now=now
            )
        caldav_sync.flush(store, calendar, lambda: letters, now + timedelta(hours=1))
        assert calendar.events == {"b": b"b0"}


def test_an_erasure_removes_the_written_event(tmp_path):
    """`mailflow forget --force` deletes a call booked ahead: its event, with the
    person's name and number, goes from the therapist's calendar too."""
    from mailflow.shell import privacy

    settings = settings_with(tmp_path, '[caldav]\nurl = "https://cal.example/"\n')
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    calendar = Recording()
    with Store.open(settings.storage.database) as store:
        letters = AfterCallLetters(settings, store, now)
        with store.transaction():
            from mailflow.model import State

            enquiry = stored_enquiry(
                store, now, state=State.BOOKED, email="jordan@example.org"
            )
            store.queue_calendar(
                enquiry_id=enquiry, uid="a", action="put", sequence=0, ics=b"x", now=now
            )
        caldav_sync.flush(store, calendar, lambda: letters, now)
        assert calendar.events == {"a": b"x"}
        privacy.forget(store, "jordan@example.org", now=now, force=True)
        caldav_sync.flush(store, calendar, lambda: letters, now)
        assert calendar.events == {}
