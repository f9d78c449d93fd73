"""#11: busy calendars as therapists have them (read event by event, each bad
event named once) and fast (an unchanged feed is not read again)."""

from __future__ import annotations

import email
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from support import shared_files
from test_template_contract import settings  # noqa: F401  (the fixture)

from mailflow.errors import BusyCalendarError
from mailflow.reading import zones
from mailflow.shell import busy
from mailflow.shell.busy import (
    CUT_SHORT,
    FIRST_ONLY,
    NO_DATES,
    SKIPPED,
    Skipped,
    read_calendar,
)
from mailflow.shell.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "calendars"
LONDON = "Europe/London"
START = datetime(2026, 11, 28, tzinfo=UTC)
END = datetime(2026, 12, 12, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def read(name: str) -> busy.BusyRead:
    data = (FIXTURES / name).read_bytes()
    return read_calendar(data, start_at=START, end_at=END, zone_name=LONDON)


EXPECTED = {
    # name: (busy intervals that must be there, skipped (summary, day, what))
    "icloud_historic_offsets.ics": (
        [(utc(2026, 12, 2, 9), utc(2026, 12, 2, 10, 30))],  # 10:00 Amsterdam
        [],
    ),
    "google_rdate_on_a_date.ics": (
        [
            (utc(2026, 12, 1), utc(2026, 12, 2)),
            (utc(2026, 12, 1, 9), utc(2026, 12, 1, 10)),
        ],
        [("Gym (all day)", "2013-12-03", NO_DATES)],
    ),
    "outlook_zone_names_without_vtimezone.ics": (
        [
            (utc(2026, 12, 1, 9), utc(2026, 12, 1, 10)),  # display name: Amsterdam
            (utc(2026, 12, 3, 14), utc(2026, 12, 3, 15)),  # W. Europe Standard Time
        ],
        [],
    ),
    "assorted_broken_events.ics": (
        [
            (utc(2026, 12, 1, 12), utc(2026, 12, 1, 13)),
            (utc(2026, 12, 2, 9), utc(2026, 12, 2, 10)),  # Dentist, quotes repaired
            (utc(2026, 12, 3, 8), utc(2026, 12, 3, 9)),
        ],
        [
            ("Weekly planning", "2026-12-01", FIRST_ONLY),
            ("Leap day lunch", "2027-02-30", SKIPPED),
        ],
    ),
}


def test_every_fixture_is_listed_and_documented() -> None:
    names = {p.name for p in FIXTURES.glob("*.ics")}
    assert names == set(EXPECTED)
    readme = (FIXTURES / "README.md").read_text()
    assert all(name in readme for name in names)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_reads_with_its_bad_events_named(name: str) -> None:
    found = read(name)
    wanted, skipped = EXPECTED[name]
    have = {(i.start_at, i.end_at) for i in found.intervals}
    assert set(wanted) <= have
    assert [(s.summary, s.day, s.what) for s in found.skipped] == skipped


NO_EVENT_TIME = {"thunderbird_cancel-repeat-event.eml"}
"""Its only event has no DTSTART ("X-NOTE: This is missing DTSTART", upstream)."""


@pytest.mark.parametrize("path", shared_files("imip"), ids=lambda p: p.name)
def test_every_shared_real_world_calendar_reads(path: Path) -> None:
    raw = path.read_bytes()
    if path.suffix == ".ics":
        calendars = [raw]
    else:
        message = email.message_from_bytes(raw)
        calendars = [
            part.get_payload(decode=True)
            for part in message.walk()
            if part.get_content_type() in {"text/calendar", "application/ics"}
        ]
    for data in calendars:
        assert isinstance(data, bytes)
        # A window from the first event's day, so every event is parsed.
        first = re.search(rb"(?:DTSTART|RECURRENCE-ID)[^:\r\n]*:(\d{8})", data)
        day = first[1].decode() if first else "20260101"  # no date: any window
        start = utc(int(day[:4]), int(day[4:6]), int(day[6:])) - timedelta(days=1)
        window = {"start_at": start, "end_at": start + timedelta(days=60)}
        if path.name in NO_EVENT_TIME:
            with pytest.raises(BusyCalendarError, match="none of its events"):
                read_calendar(data, **window, zone_name=LONDON)
            continue
        found = read_calendar(data, **window, zone_name=LONDON)
        assert found.skipped == []


def test_a_feed_is_down_only_when_nothing_can_be_read() -> None:
    one_bad = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        b"SUMMARY:Secret client\r\nDTSTART:20261230T250000Z\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    with pytest.raises(BusyCalendarError) as caught:
        read_calendar(one_bad, start_at=START, end_at=END, zone_name=LONDON)
    assert "Secret" not in str(caught.value)
    # A file cut off keeps the events before its cut, and names the cut.
    good = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:y\r\n"
        b"SUMMARY:Supervision\r\nDTSTART:20261201T100000Z\r\n"
        b"DTEND:20261201T110000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:z\r\n"
        b"DTSTART:2026120"
    )
    read = read_calendar(good, start_at=START, end_at=END, zone_name=LONDON)
    assert [(i.start_at.hour, i.end_at.hour) for i in read.intervals] == [(10, 11)]
    assert read.skipped[-1] == Skipped("(the end of the file)", "", CUT_SHORT)


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        (
            "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
            "Europe/Berlin",
        ),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ("(GMT+01.00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
        ("(UTC+05:00) Atlantis", None),
        ("Amsterdam", None),
    ],
)
def test_outlook_display_names_map_to_iana(name: str, zone: str | None) -> None:
    assert zones.display_zone(name) == zone


# --- fast feeds ----------------------------------------------------------------


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each parse of a calendar's bytes (the hook: read_calendar), by source."""
    seen: list[str] = []
    real = busy.read_calendar

    def counting(ics: bytes, **kwargs: object) -> busy.BusyRead:
        seen.append(str(kwargs.get("source")))
        return real(ics, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(busy, "read_calendar", counting)
    return seen


def load(store: Store, source: str, now: datetime = START) -> list[busy.FeedRead]:
    return busy.load_feeds(
        [source],
        start_at=now,
        end_at=now + timedelta(days=14),
        zone_name=LONDON,
        store=store,
    )


def test_an_unchanged_file_is_not_parsed_again(
    tmp_path: Path, parses: list[str]
) -> None:
    feed = tmp_path / "work.ics"
    feed.write_bytes((FIXTURES / "assorted_broken_events.ics").read_bytes())
    with Store.open(tmp_path / "db.sqlite3") as store:
        first = load(store, str(feed))
        again = load(store, str(feed), START + timedelta(hours=5))
        assert len(parses) == 1
        assert again[0].read.skipped == first[0].read.skipped
        assert again[0].digest == first[0].digest
        # Touched but the same bytes: read, not parsed.
        os.utime(feed, ns=(0, 0))
        load(store, str(feed))
        assert len(parses) == 1
        # Changed: parsed again.
        feed.write_bytes(feed.read_bytes().replace(b"School run", b"School trip"))
        changed = load(store, str(feed))
        assert len(parses) == 2
        assert changed[0].digest != first[0].digest
        # Past the kept window (a week ahead): parsed again.
        load(store, str(feed), START + timedelta(days=8))
        assert len(parses) == 3
        # The feed's address is never stored, only its hash.
        rows = store._db.execute("SELECT key, entry FROM busy_feeds").fetchall()
        assert rows
        assert all(str(feed) not in f"{k}{e}" for k, e in rows)


class _Feed(BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b""
    etag: ClassVar[str] = '"v1"'
    conditional: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        asked = self.headers.get("If-None-Match")
        type(self).conditional.append(asked)
        if asked == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", self.etag)
        self.send_header("Last-Modified", "Mon, 23 Nov 2026 08:00:00 GMT")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_feed() -> Iterator[str]:
    _Feed.body = (FIXTURES / "icloud_historic_offsets.ics").read_bytes()
    _Feed.conditional = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/private/s3cr3t/basic.ics"
    finally:
        server.shutdown()
        server.server_close()


def test_an_unchanged_feed_answers_304_and_is_not_parsed(
    tmp_path: Path, http_feed: str, parses: list[str]
) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        first = load(store, http_feed)
        again = load(store, http_feed)
        assert _Feed.conditional == [None, '"v1"']
        assert len(parses) == 1
        assert again[0].read.intervals == first[0].read.intervals
        assert again[0].read.intervals  # the supervision and the team meeting
        _Feed.etag = '"v2"'
        _Feed.body = _Feed.body.replace(b"Supervision", b"Supervision (moved)")
        load(store, http_feed)
        assert len(parses) == 2
        rows = store._db.execute("SELECT key, entry FROM busy_feeds").fetchall()
        assert all("s3cr3t" not in f"{k}{e}" for k, e in rows)


def test_one_broken_event_keeps_offers_off_the_others_and_is_named_once(
    tmp_path, mail_server, mailboxes
):
    """Through the worker on Dovecot: the good event's day is not offered, the
    run succeeds, and the therapist hears once which event was left out."""
    from support import NOW, plain, request, run, write_config

    feed = tmp_path / "busy.ics"
    feed.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:away@test\r\nDTSTAMP:20261120T000000Z\r\n"
        b"DTSTART:20261130T000000Z\r\nDTEND:20261201T000000Z\r\n"
        b"SUMMARY:Away\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:bad@test\r\nDTSTAMP:20261120T000000Z\r\n"
        b"DTSTART:20270230T100000Z\r\nDTEND:20270230T110000Z\r\n"
        b"SUMMARY:Leap day lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f'[availability]\nbusy_calendars = ["{feed}"]\n',
    )
    first = mailboxes.person
    mail_server.deliver(
        request(sender=first, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config, NOW) == 0
    (offer,) = mail_server.messages(first)
    assert "Monday 30 November" not in plain(offer.message())
    second = f"casey-{first}"
    later = NOW + timedelta(minutes=10)
    mail_server.deliver(
        request(sender=second, to=mailboxes.practice, sent_at=later),
        mailboxes.practice,
    )
    assert run(config, later) == 0
    (offer,) = mail_server.messages(second)
    assert "Monday 30 November" not in plain(offer.message())
    notes = [
        m.message()
        for m in mail_server.messages(mailboxes.therapist)
        if m.message()["X-Mailflow"] == "calendar_skipped"
    ]
    assert len(notes) == 1
    text = plain(notes[0])
    assert "Leap day lunch (2027-02-30)" in text
    assert "Away" not in text


def test_leaving_events_outside_the_window_unparsed_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The raw-date shortcut (`icsfeed.outside`) agrees with a full parse."""
    from mailflow.reading import icsfeed

    events = []
    for n, (start, rule) in enumerate(
        [
            ("20261101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4"),  # ends 22 Nov
            ("20261101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=5"),  # reaches 29 Nov
            ("20261101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20261127T000000Z"),
            ("20261101T100000Z", "RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=3"),
            ("20261127T230000Z", ""),
            ("20261125T100000Z", "DURATION:P5D"),
            ("20261212T100000Z", ""),
            ("20261213T100000Z", ""),
        ]
    ):
        end = "" if rule.startswith("DURATION") else f"DTEND:{start[:-5]}3000Z\r\n"
        events.append(
            f"BEGIN:VEVENT\r\nUID:{n}@t\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART:{start}\r\n{end}{rule}\r\nEND:VEVENT\r\n"
        )
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events)).encode()
    data += b"END:VCALENDAR\r\n"
    quick = read_calendar(data, start_at=START, end_at=END, zone_name=LONDON)
    monkeypatch.setattr(icsfeed, "outside", lambda *args: False)
    full = read_calendar(data, start_at=START, end_at=END, zone_name=LONDON)
    assert quick == full
    assert len(full.intervals) >= 3


def test_the_note_about_skipped_events_changes_only_with_them(settings) -> None:  # noqa: F811
    """A feed restamped on every fetch (Google's DTSTAMP) is not named again."""
    from test_template_contract import _Store

    from mailflow.shell.busy import BusyRead, FeedRead, Skipped
    from mailflow.writing.letters import AfterCallLetters

    class Recording(_Store):
        queued: ClassVar[list[dict[str, object]]] = []

        def queue(self, **kwargs: object) -> None:
            self.queued.append(kwargs)

    store = Recording()
    letters = AfterCallLetters(settings, store, START)  # type: ignore[arg-type]
    bad = [Skipped("Leap day lunch", "2027-02-30", SKIPPED)]
    for digest in ("a" * 64, "b" * 64):  # the bytes changed, the bad event did not
        letters.calendar_skipped(
            FeedRead("work.ics", "k" * 64, digest, BusyRead([], bad))
        )
    worse = [*bad, Skipped("Dentist", "2026-12-02", SKIPPED)]
    letters.calendar_skipped(
        FeedRead("work.ics", "k" * 64, "c" * 64, BusyRead([], worse))
    )
    assert len({row["message_id"] for row in store.queued}) == 2


def test_a_feed_restamped_on_every_request_is_unchanged() -> None:
    # Google and Outlook 365 write the moment of each request into DTSTAMP.
    from mailflow.shell import busy_cache

    one = b"BEGIN:VEVENT\r\nDTSTAMP:20261202T090000Z\r\nUID:a\r\nEND:VEVENT\r\n"
    two = one.replace(b"20261202T090000Z", b"20261202T091500Z")
    moved = two.replace(b"UID:a", b"UID:b")
    assert busy_cache.digest(one) == busy_cache.digest(two)
    assert busy_cache.digest(two) != busy_cache.digest(moved)


def test_a_calendar_taken_out_of_the_config_takes_its_cache_with_it(tmp_path) -> None:
    from mailflow.shell import busy_cache
    from mailflow.shell.store import Store

    with Store.open(tmp_path / "m.sqlite3") as store:
        kept, dropped = busy_cache.key("work.ics"), busy_cache.key("old.ics")
        store.set_busy_feed(kept, "{}")
        store.set_busy_feed(dropped, '{"skipped": [["Therapy with J", "2027-01-05"]]}')
        store.keep_busy_feeds({kept})
        assert store.busy_feed(kept) == "{}"
        assert store.busy_feed(dropped) is None


def test_a_zone_nobody_can_read_is_named_to_the_therapist() -> None:
    from datetime import UTC, datetime

    from mailflow.shell.busy import PRACTICE_ZONE, read_calendar

    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        b"BEGIN:VEVENT\r\nUID:b1\r\nDTSTAMP:20261201T000000Z\r\n"
        b"SUMMARY:Supervision\r\n"
        b"DTSTART;TZID=Customized Time Zone:20261208T100000\r\n"
        b"DTEND;TZID=Customized Time Zone:20261208T110000\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    read = read_calendar(
        ics,
        start_at=datetime(2026, 12, 7, tzinfo=UTC),
        end_at=datetime(2026, 12, 14, tzinfo=UTC),
        zone_name="Europe/London",
    )
    assert len(read.intervals) == 1  # kept, in the practice's zone
    (skipped,) = read.skipped
    assert skipped.summary == "Supervision"
    assert skipped.what == PRACTICE_ZONE


def test_a_zone_whose_rule_never_matches_loses_no_event() -> None:
    # Broken data, not an attack: the zone is left out, the event read by the
    # zone's name, and the rest of the calendar stands.
    from datetime import UTC, datetime

    from mailflow.shell.busy import read_calendar

    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        b"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"
        b"BEGIN:STANDARD\r\nDTSTART:19701025T020000\r\nTZOFFSETFROM:+0100\r\n"
        b"TZOFFSETTO:+0000\r\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n"
        b"END:STANDARD\r\nEND:VTIMEZONE\r\n"
        b"BEGIN:VEVENT\r\nUID:z1\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Clinic\r\n"
        b"DTSTART;TZID=Europe/London:20261208T100000\r\n"
        b"DTEND;TZID=Europe/London:20261208T110000\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    read = read_calendar(
        ics,
        start_at=datetime(2026, 12, 7, tzinfo=UTC),
        end_at=datetime(2026, 12, 14, tzinfo=UTC),
        zone_name="Europe/London",
    )
    (busy,) = read.intervals
    assert busy.start_at == datetime(2026, 12, 8, 10, tzinfo=UTC)  # GMT in December
