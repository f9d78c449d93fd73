"""Busy time from the therapist's calendars: recurrence, zones, bounds, files and HTTP."""

from __future__ import annotations

import contextlib
import email
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import shared_files

from mailflow.errors import MailflowError
from mailflow.model import Interval
from mailflow.shell import busy
from mailflow.shell.busy import (
    BusyCalendarError,
    busy_intervals,
    load_busy,
    read_calendar,
)

LONDON = "Europe/London"
TZ = ZoneInfo(LONDON)
# Sunday 25 October 2026 is the end of British Summer Time (01:00 UTC).
START = datetime(2026, 10, 11, tzinfo=UTC)
END = datetime(2026, 11, 8, tzinfo=UTC)
SECRET = "s3cr3t-token-42"

VTIMEZONE_LONDON = """BEGIN:VTIMEZONE
TZID:Custom London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19810329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19961027T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def ics(*events: str, head: str = "") -> bytes:
    """A VCALENDAR around the given VEVENT bodies, with CRLF line ends."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mailflow tests//EN"]
    parts += [head.strip()] if head else []
    for body in events:
        parts += [
            "BEGIN:VEVENT",
            "DTSTAMP:20260101T000000Z",
            body.strip(),
            "END:VEVENT",
        ]
    parts.append("END:VCALENDAR")
    return ("\r\n".join(parts) + "\r\n").replace("\n\n", "\n").encode()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


def intervals(
    data: bytes, zone_name: str = LONDON, **window: datetime
) -> list[Interval]:
    start_at = window.get("start_at", START)
    end_at = window.get("end_at", END)
    return busy_intervals(data, start_at=start_at, end_at=end_at, zone_name=zone_name)


WEEKLY_MONDAY_10 = """UID:weekly@test
SUMMARY:Supervision
DTSTART;TZID=Europe/London:20261012T100000
DTEND;TZID=Europe/London:20261012T110000
RRULE:FREQ=WEEKLY;BYDAY=MO
"""


# --- recurrence and zones ------------------------------------------------------


def test_weekly_event_keeps_its_local_time_across_the_end_of_summer_time() -> None:
    found = intervals(ics(WEEKLY_MONDAY_10))

    assert [i.start_at for i in found] == [
        utc(2026, 10, 12, 9),
        utc(2026, 10, 19, 9),
        utc(2026, 10, 26, 10),  # GMT now: 10:00 local is 10:00 UTC
        utc(2026, 11, 2, 10),
    ]
    assert all(i.end_at - i.start_at == timedelta(hours=1) for i in found)
    assert all(i.start_at.astimezone(TZ).hour == 10 for i in found)
    assert all(i.start_at.tzinfo is UTC for i in found)


def test_a_calendars_own_vtimezone_is_honoured() -> None:
    event = WEEKLY_MONDAY_10.replace("TZID=Europe/London", "TZID=Custom London")
    found = intervals(ics(event, head=VTIMEZONE_LONDON))

    assert [i.start_at for i in found] == [
        local(2026, 10, 12, 10),
        local(2026, 10, 19, 10),
        local(2026, 10, 26, 10),
        local(2026, 11, 2, 10),
    ]


def test_utc_times_stay_put_across_the_change() -> None:
    event = """UID:utc@test
DTSTART:20261019T090000Z
DURATION:PT30M
RRULE:FREQ=WEEKLY;COUNT=2
"""
    found = intervals(ics(event))

    assert found == [
        Interval(utc(2026, 10, 19, 9), utc(2026, 10, 19, 9, 30)),
        Interval(utc(2026, 10, 26, 9), utc(2026, 10, 26, 9, 30)),
    ]


def test_exdate_removes_one_occurrence() -> None:
    event = WEEKLY_MONDAY_10 + "EXDATE;TZID=Europe/London:20261019T100000\n"

    starts = [i.start_at for i in intervals(ics(event))]

    assert local(2026, 10, 19, 10) not in starts
    assert len(starts) == 3


def test_rdate_adds_one_occurrence() -> None:
    event = WEEKLY_MONDAY_10 + "RDATE;TZID=Europe/London:20261022T160000\n"

    starts = [i.start_at for i in intervals(ics(event))]

    assert local(2026, 10, 22, 16) in starts
    assert len(starts) == 5


def test_recurrence_id_moves_one_occurrence() -> None:
    moved = """UID:weekly@test
RECURRENCE-ID;TZID=Europe/London:20261019T100000
DTSTART;TZID=Europe/London:20261020T140000
DTEND;TZID=Europe/London:20261020T150000
SEQUENCE:1
"""
    found = intervals(ics(WEEKLY_MONDAY_10, moved))

    assert Interval(local(2026, 10, 20, 14), local(2026, 10, 20, 15)) in found
    assert local(2026, 10, 19, 10) not in [i.start_at for i in found]
    assert len(found) == 4


def test_count_ends_the_series() -> None:
    event = """UID:count@test
DTSTART;TZID=Europe/London:20261012T080000
DTEND;TZID=Europe/London:20261012T083000
RRULE:FREQ=DAILY;COUNT=3
"""
    found = intervals(ics(event))

    assert [i.start_at for i in found] == [
        local(2026, 10, 12, 8),
        local(2026, 10, 13, 8),
        local(2026, 10, 14, 8),
    ]


def test_a_series_that_ended_before_the_window_blocks_nothing() -> None:
    event = WEEKLY_MONDAY_10.replace("BYDAY=MO", "BYDAY=MO;UNTIL=20261001T000000Z")
    event = event.replace("20261012", "20260907")

    assert intervals(ics(event)) == []


# --- what blocks time ----------------------------------------------------------


def test_transparent_and_cancelled_events_block_nothing() -> None:
    transparent = """UID:free@test
DTSTART:20261020T100000Z
DTEND:20261020T110000Z
TRANSP:TRANSPARENT
"""
    cancelled = """UID:off@test
DTSTART:20261021T100000Z
DTEND:20261021T110000Z
STATUS:CANCELLED
"""
    tentative = """UID:maybe@test
DTSTART:20261022T100000Z
DTEND:20261022T110000Z
STATUS:TENTATIVE
TRANSP:OPAQUE
"""
    found = intervals(ics(transparent, cancelled, tentative))

    assert found == [Interval(utc(2026, 10, 22, 10), utc(2026, 10, 22, 11))]


def test_one_cancelled_occurrence_of_a_series_frees_only_that_time() -> None:
    cancelled = """UID:weekly@test
RECURRENCE-ID;TZID=Europe/London:20261026T100000
DTSTART;TZID=Europe/London:20261026T100000
DTEND;TZID=Europe/London:20261026T110000
STATUS:CANCELLED
"""
    starts = [i.start_at for i in intervals(ics(WEEKLY_MONDAY_10, cancelled))]

    assert local(2026, 10, 26, 10) not in starts
    assert len(starts) == 3


def test_all_day_opaque_event_blocks_the_whole_local_day() -> None:
    # The last Sunday of October is 25 hours long in London.
    event = "UID:day@test\nDTSTART;VALUE=DATE:20261025\nDTEND;VALUE=DATE:20261026\n"

    found = intervals(ics(event))

    assert found == [Interval(utc(2026, 10, 24, 23), utc(2026, 10, 26, 0))]


def test_all_day_dates_are_read_in_the_practice_zone() -> None:
    event = "UID:day@test\nDTSTART;VALUE=DATE:20261020\nTRANSP:OPAQUE\n"

    found = intervals(ics(event), zone_name="America/New_York")

    assert found == [Interval(utc(2026, 10, 20, 4), utc(2026, 10, 21, 4))]


def test_all_day_transparent_event_blocks_nothing() -> None:
    event = "UID:bday@test\nDTSTART;VALUE=DATE:20261020\nTRANSP:TRANSPARENT\n"

    assert intervals(ics(event)) == []


def test_floating_times_are_read_in_the_practice_zone() -> None:
    event = "UID:float@test\nDTSTART:20261020T100000\nDTEND:20261020T113000\n"

    in_london = intervals(ics(event))
    in_tokyo = intervals(ics(event), zone_name="Asia/Tokyo")

    assert in_london == [Interval(utc(2026, 10, 20, 9), utc(2026, 10, 20, 10, 30))]
    assert in_tokyo == [Interval(utc(2026, 10, 20, 1), utc(2026, 10, 20, 2, 30))]


def test_floating_weekly_event_keeps_its_local_time_across_the_change() -> None:
    event = "UID:f@test\nDTSTART:20261019T100000\nDTEND:20261019T110000\nRRULE:FREQ=WEEKLY;COUNT=2\n"

    starts = [i.start_at for i in intervals(ics(event))]

    assert starts == [utc(2026, 10, 19, 9), utc(2026, 10, 26, 10)]


def test_an_unknown_tzid_is_read_as_the_practice_zone() -> None:
    event = "UID:x@test\nDTSTART;TZID=Nowhere/Special:20261020T100000\nDURATION:PT1H\n"

    assert intervals(ics(event)) == [
        Interval(local(2026, 10, 20, 10), local(2026, 10, 20, 11))
    ]


def test_an_end_before_the_start_still_blocks_the_time_between() -> None:
    # recurring-ical-events swaps them; blocking is the safe reading.
    event = "UID:x@test\nDTSTART:20261020T100000Z\nDTEND:20261020T090000Z\n"

    assert intervals(ics(event)) == [
        Interval(utc(2026, 10, 20, 9), utc(2026, 10, 20, 10))
    ]


def test_events_are_clipped_to_the_window() -> None:
    across_start = "UID:a@test\nDTSTART:20261020T080000Z\nDTEND:20261020T120000Z\n"
    ends_at_start = "UID:b@test\nDTSTART:20261020T060000Z\nDTEND:20261020T100000Z\n"
    across_end = "UID:c@test\nDTSTART:20261021T110000Z\nDTEND:20261021T130000Z\n"
    after = "UID:d@test\nDTSTART:20261021T120000Z\nDTEND:20261021T130000Z\n"
    zero_length = "UID:e@test\nDTSTART:20261020T150000Z\n"
    data = ics(across_start, ends_at_start, across_end, after, zero_length)

    found = intervals(
        data, start_at=utc(2026, 10, 20, 10), end_at=utc(2026, 10, 21, 12)
    )

    assert found == [
        Interval(utc(2026, 10, 20, 10), utc(2026, 10, 20, 12)),
        Interval(utc(2026, 10, 21, 11), utc(2026, 10, 21, 12)),
    ]


def test_an_empty_window_or_calendar_gives_nothing() -> None:
    assert intervals(ics(WEEKLY_MONDAY_10), start_at=END, end_at=START) == []
    assert intervals(ics()) == []


def test_a_naive_window_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        intervals(ics(), start_at=datetime(2026, 10, 20))  # noqa: DTZ001


def test_the_window_may_be_given_in_any_zone() -> None:
    found = intervals(
        ics(WEEKLY_MONDAY_10),
        start_at=datetime(2026, 10, 19, tzinfo=TZ),
        end_at=datetime(2026, 10, 20, tzinfo=TZ),
    )

    assert found == [Interval(utc(2026, 10, 19, 9), utc(2026, 10, 19, 10))]


# --- bounds --------------------------------------------------------------------


def test_a_calendar_over_max_ics_bytes_is_refused() -> None:
    data = ics(WEEKLY_MONDAY_10).ljust(busy.MAX_ICS_BYTES + 1, b"\n")

    with pytest.raises(BusyCalendarError, match="larger than"):
        intervals(data)


def test_more_than_max_occurrences_in_the_window_is_refused() -> None:
    every_minute = (
        "UID:m@test\nDTSTART:20261012T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY\n"
    )
    assert busy.MAX_OCCURRENCES < 28 * 24 * 60

    with pytest.raises(BusyCalendarError, match="more than 5000 events"):
        intervals(ics(every_minute))


def test_rules_too_costly_to_expand_cost_only_their_own_repeats() -> None:
    # One series too costly to expand is read by its first date alone (and
    # named to the therapist); the rest of the calendar still keeps offers off
    # its times, and the whole read stays cheap.
    every_second_for_years = (
        "UID:s@test\nSUMMARY:Noise\nDTSTART:20200101T000000Z\nDURATION:PT1S\n"
        "RRULE:FREQ=SECONDLY\n"
    )
    began = time.process_time()  # CPU time, not the wall

    read = read_calendar(
        ics(every_second_for_years, WEEKLY_MONDAY_10),
        start_at=START,
        end_at=END,
        zone_name=LONDON,
    )
    assert time.process_time() - began < 2
    assert [s.summary for s in read.skipped] == ["Noise"]
    assert read.intervals == intervals(ics(WEEKLY_MONDAY_10))  # the rest stands
    assert read.intervals  # and it is not empty


def test_a_rule_that_never_matches_does_not_run_to_the_year_9999() -> None:
    # dateutil alone walks these to the year 9999, for seconds each.
    never = (
        "UID:n@test\nDTSTART:20000101T000000Z\nDURATION:PT1H\n"
        "RRULE:FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31\n"
    )
    never_counted = (
        "UID:c@test\nDTSTART:20000101T000000Z\nDURATION:PT1H\n"
        "RRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2\n"
    )
    began = time.process_time()  # CPU time, not the wall

    found = intervals(ics(never, never_counted))

    assert time.process_time() - began < 2
    assert found == []


def test_a_rule_that_never_matches_leaves_its_dtstart() -> None:
    event = (
        "UID:n@test\nDTSTART:20261020T100000Z\nDURATION:PT1H\n"
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\n"
    )

    assert intervals(ics(event)) == [
        Interval(utc(2026, 10, 20, 10), utc(2026, 10, 20, 11))
    ]


def test_a_vtimezone_with_a_costly_rule_is_left_out_not_walked() -> None:
    """Never parsed (no rule walked minute by minute); its events are read in
    the practice's zone and named, the rest of the feed kept."""
    evil = VTIMEZONE_LONDON.replace("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "FREQ=MINUTELY")
    event = WEEKLY_MONDAY_10.replace("TZID=Europe/London", "TZID=Custom London")
    began = time.process_time()  # CPU time, not the wall

    found = busy.read_calendar(
        ics(event, head=evil), start_at=START, end_at=END, zone_name=LONDON
    )

    assert time.process_time() - began < 2
    assert found.intervals  # the weekly Monday, read in the practice's zone
    assert {s.what for s in found.skipped} == {busy.PRACTICE_ZONE}


# --- malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(f"Hello {SECRET}, not a calendar".encode(), id="text"),
        pytest.param(b"<html><body>Sign in</body></html>", id="html"),
        pytest.param(
            f"BEGIN:VEVENT\r\nSUMMARY:{SECRET}\r\nEND:VEVENT\r\n".encode(),
            id="no-vcalendar",
        ),
        pytest.param(
            ics(f"UID:x\nSUMMARY:{SECRET}\nDTSTART:{SECRET}\n"), id="bad-dtstart"
        ),
        pytest.param(ics(f"UID:x\nSUMMARY:{SECRET}\n"), id="no-dtstart"),
        pytest.param(
            ics(f"UID:x\nDTSTART:{SECRET}\nRRULE:FREQ={SECRET}\n"),
            id="bad-rrule-and-dtstart",
        ),
    ],
)
def test_malformed_calendars_raise_busy_calendar_error(data: bytes) -> None:
    with pytest.raises(BusyCalendarError) as caught:
        busy_intervals(
            data, start_at=START, end_at=END, zone_name=LONDON, source="work.ics"
        )

    assert isinstance(caught.value, MailflowError)
    assert caught.value.source == "work.ics"
    assert "'work.ics'" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None  # the cause might quote the contents


def test_an_end_no_one_can_read_keeps_the_start_and_is_named() -> None:
    """DTEND:1 (or Synology's DURATION:PT1W): the event is not lost, and not
    the reason to call the whole calendar down (#11)."""
    from mailflow.shell.busy import NO_END, read_calendar

    timed = ics("UID:x\nSUMMARY:Call\nDTSTART:20261020T100000Z\nDTEND:1\n")
    found = read_calendar(timed, start_at=START, end_at=END, zone_name=LONDON)
    assert found.intervals == []  # a time with no end blocks nothing (RFC 5545)
    assert [(s.summary, s.day, s.what) for s in found.skipped] == [
        ("Call", "2026-10-20", NO_END)
    ]
    day = ics("UID:y\nSUMMARY:Away\nDTSTART;VALUE=DATE:20261020\nDURATION:PT1W\n")
    found = read_calendar(day, start_at=START, end_at=END, zone_name=LONDON)
    assert found.intervals == [Interval(utc(2026, 10, 19, 23), utc(2026, 10, 20, 23))]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_give_intervals_or_busy_calendar_error(data: bytes) -> None:
    try:
        found = intervals(data)
    except BusyCalendarError:
        return
    assert isinstance(found, list)


_LINES = st.sampled_from(
    [
        "DTSTART:20261020T100000Z",
        "DTSTART:20261020T100000",
        "DTSTART;VALUE=DATE:20261020",
        "DTSTART;TZID=Europe/London:20261020T100000",
        "DTSTART;TZID=Custom London:20261020T100000",
        "DTSTART;TZID=Nowhere:20261020T100000",
        "DTSTART:2026",
        "DTEND:20261020T110000Z",
        "DTEND;VALUE=DATE:20261022",
        "DTEND:20261019T110000",
        "DURATION:PT45M",
        "DURATION:-P1D",
        "DURATION:P1W",
        "RRULE:FREQ=WEEKLY",
        "RRULE:FREQ=DAILY;COUNT=5",
        "RRULE:FREQ=DAILY;UNTIL=20261101",
        "RRULE:FREQ=DAILY;UNTIL=20261101T000000Z",
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "RRULE:FREQ=HOURLY;INTERVAL=7",
        "RRULE:FREQ=WEEKLY;COUNT=-3",
        "RRULE:FREQ=SECONDLY;BYSECOND=99",
        "RRULE:BYDAY=MO",
        "EXDATE:20261027T100000Z",
        "EXDATE;VALUE=DATE:20261021",
        "RDATE:20261030T100000Z",
        "RDATE;VALUE=PERIOD:20261030T100000Z/PT2H",
        "RECURRENCE-ID:20261027T100000Z",
        "RECURRENCE-ID;RANGE=THISANDFUTURE:20261027T100000Z",
        "TRANSP:TRANSPARENT",
        "STATUS:CANCELLED",
        "UID:a",
        "UID:b",
        "SEQUENCE:2",
        "X-WR-TIMEZONE:Europe/Paris",
        "X-WR-TIMEZONE:Nowhere",
        "CALSCALE:JULIAN",
        "END:VEVENT\r\nBEGIN:VEVENT",
        "BEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_LINES, max_size=8), max_size=4), st.booleans())
def test_calendar_shaped_input_gives_intervals_or_busy_calendar_error(
    events: list[list[str]], with_zone: bool
) -> None:
    data = ics(
        *("\n".join(lines) for lines in events),
        head=VTIMEZONE_LONDON if with_zone else "",
    )
    try:
        found = intervals(data)
    except BusyCalendarError:
        return
    assert all(START <= i.start_at < i.end_at <= END for i in found)
    assert found == sorted(found, key=lambda i: (i.start_at, i.end_at))


@pytest.mark.parametrize("path", shared_files("imip"), ids=lambda p: p.name)
def test_real_world_invitations_give_intervals_or_busy_calendar_error(
    path: Path,
) -> None:
    raw = path.read_bytes()
    if path.suffix == ".ics":
        calendars = [raw]
    else:  # a whole mail: take its text/calendar parts
        message = email.message_from_bytes(raw)
        calendars = [
            part.get_payload(decode=True)
            for part in message.walk()
            if part.get_content_type() in {"text/calendar", "application/ics"}
        ]
    for data in calendars:
        assert isinstance(data, bytes)
        try:
            found = busy_intervals(
                data,
                start_at=utc(2000, 1, 1),
                end_at=utc(2040, 1, 1),
                zone_name=LONDON,
            )
        except BusyCalendarError:
            continue
        assert all(i.start_at < i.end_at for i in found)


# --- load_busy: files ----------------------------------------------------------


def test_load_busy_reads_a_path_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work.ics").write_bytes(ics(WEEKLY_MONDAY_10))
    (tmp_path / "home.ics").write_bytes(
        ics("UID:h@test\nDTSTART:20261020T170000Z\nDTEND:20261020T180000Z\n")
    )
    monkeypatch.chdir(tmp_path)

    found = load_busy(
        ["work.ics", "home.ics"], start_at=START, end_at=END, zone_name=LONDON
    )

    assert len(found) == 5
    assert Interval(utc(2026, 10, 20, 17), utc(2026, 10, 20, 18)) in found
    assert found == sorted(found, key=lambda i: i.start_at)


def test_load_busy_merges_duplicates_from_two_calendars(tmp_path: Path) -> None:
    (tmp_path / "a.ics").write_bytes(ics(WEEKLY_MONDAY_10))
    (tmp_path / "b.ics").write_bytes(ics(WEEKLY_MONDAY_10))
    sources = [str(tmp_path / "a.ics"), str(tmp_path / "b.ics")]

    assert len(load_busy(sources, start_at=START, end_at=END, zone_name=LONDON)) == 4


def test_load_busy_names_a_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.ics")

    with pytest.raises(BusyCalendarError, match="cannot be read") as caught:
        load_busy([missing], start_at=START, end_at=END, zone_name=LONDON)
    assert caught.value.source == missing


def test_load_busy_names_the_file_of_a_malformed_calendar(tmp_path: Path) -> None:
    path = tmp_path / "broken.ics"
    path.write_bytes(f"BEGIN:VCALENDAR\r\nX:{SECRET}\r\n".encode())

    with pytest.raises(BusyCalendarError) as caught:
        load_busy([str(path)], start_at=START, end_at=END, zone_name=LONDON)
    assert caught.value.source == str(path)
    assert SECRET not in str(caught.value)


def test_load_busy_refuses_an_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.ics"
    path.write_bytes(ics().ljust(busy.MAX_ICS_BYTES + 1, b"\n"))

    with pytest.raises(BusyCalendarError, match="larger than"):
        load_busy([str(path)], start_at=START, end_at=END, zone_name=LONDON)


def test_load_busy_with_no_sources_is_empty() -> None:
    assert load_busy([], start_at=START, end_at=END, zone_name=LONDON) == []


# --- load_busy: URLs -----------------------------------------------------------


class _Calendars(BaseHTTPRequestHandler):
    """Serves `routes`: path (with query) -> (status, headers, body)."""

    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}

    def do_GET(self) -> None:
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        if "X-Test-Delay" in headers:
            time.sleep(float(headers["X-Test-Delay"]))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client may stop reading
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[int, dict[str, str], bytes]]]]:
    """A real HTTP server on 127.0.0.1; yields its base URL and its routes."""
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    handler = type("Handler", (_Calendars,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_load_busy_fetches_a_calendar_over_http_on_loopback(server) -> None:
    base, routes = server
    routes[f"/private/{SECRET}/basic.ics?k={SECRET}"] = (
        200,
        {"Content-Type": "text/calendar"},
        ics(WEEKLY_MONDAY_10),
    )

    found = load_busy(
        [f"{base}/private/{SECRET}/basic.ics?k={SECRET}"],
        start_at=START,
        end_at=END,
        zone_name=LONDON,
    )

    assert len(found) == 4


def test_load_busy_follows_a_redirect_on_loopback(server) -> None:
    base, routes = server
    routes["/old.ics"] = (302, {"Location": f"{base}/new.ics"}, b"")
    routes["/new.ics"] = (200, {}, ics(WEEKLY_MONDAY_10))

    found = load_busy([f"{base}/old.ics"], start_at=START, end_at=END, zone_name=LONDON)

    assert len(found) == 4


def test_a_404_names_only_the_host(server) -> None:
    base, _ = server
    url = f"{base}/calendar/ical/{SECRET}/basic.ics?token={SECRET}"

    with pytest.raises(BusyCalendarError, match="HTTP 404") as caught:
        load_busy([url], start_at=START, end_at=END, zone_name=LONDON)

    assert caught.value.source == base
    assert SECRET not in str(caught.value)
    assert "/calendar" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_redirect_away_from_https_is_refused(server) -> None:
    base, routes = server
    routes["/moved.ics"] = (301, {"Location": f"http://calendar.invalid/{SECRET}"}, b"")

    with pytest.raises(BusyCalendarError, match="not https") as caught:
        load_busy([f"{base}/moved.ics"], start_at=START, end_at=END, zone_name=LONDON)
    assert SECRET not in str(caught.value)


def test_an_oversized_answer_is_refused(server) -> None:
    base, routes = server
    routes["/declared.ics"] = (
        200,
        {"Content-Length": str(busy.MAX_ICS_BYTES + 1)},
        b"",
    )
    routes["/streamed.ics"] = (
        200,
        {"Content-Length": str(busy.MAX_ICS_BYTES + 1)},
        b"\n" * (busy.MAX_ICS_BYTES + 1),
    )

    for path in ["/declared.ics", "/streamed.ics"]:
        with pytest.raises(BusyCalendarError, match="larger than"):
            load_busy([base + path], start_at=START, end_at=END, zone_name=LONDON)


def test_an_answer_without_length_is_capped_while_read(server) -> None:
    base, routes = server
    body = b"\n" * (busy.MAX_ICS_BYTES + 1)
    routes["/chunked.ics"] = (200, {"Content-Length": ""}, body)

    with pytest.raises(BusyCalendarError, match="larger than"):
        load_busy([f"{base}/chunked.ics"], start_at=START, end_at=END, zone_name=LONDON)


def test_a_slow_server_times_out(server) -> None:
    base, routes = server
    routes["/slow.ics"] = (200, {"X-Test-Delay": "0.5"}, ics())

    with pytest.raises(BusyCalendarError, match="timed out") as caught:
        load_busy(
            [f"{base}/slow.ics"],
            start_at=START,
            end_at=END,
            zone_name=LONDON,
            timeout_s=0.1,
        )
    assert caught.value.source == base


def test_webcal_means_https(server) -> None:
    # The test server speaks plain HTTP, so the TLS handshake must fail.
    base, _ = server
    webcal = base.replace("http://", "webcal://") + f"/{SECRET}.ics"

    with pytest.raises(BusyCalendarError) as caught:
        load_busy([webcal], start_at=START, end_at=END, zone_name=LONDON, timeout_s=2)

    assert caught.value.source == base.replace("http://", "https://")
    assert SECRET not in str(caught.value)


def test_a_closed_port_is_a_clear_error() -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{SECRET}.ics"

    with pytest.raises(BusyCalendarError, match="could not be fetched") as caught:
        load_busy([url], start_at=START, end_at=END, zone_name=LONDON)

    assert caught.value.source == f"http://127.0.0.1:{port}"
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("source", "shown", "reason"),
    [
        (f"http://calendar.example/{SECRET}.ics", "http://calendar.example", "https"),
        (
            f"HTTP://user:{SECRET}@calendar.example/x",
            "http://calendar.example",
            "https",
        ),
        (f"ftp://files.example/{SECRET}.ics", "ftp://files.example", "supported"),
        (f"file:///home/{SECRET}.ics", "file://", "no host"),
        (f"https://[{SECRET}/x.ics", "a calendar URL", "not a valid URL"),
    ],
)
def test_unsafe_or_unknown_urls_are_refused_without_a_request(
    source: str, shown: str, reason: str
) -> None:
    with pytest.raises(BusyCalendarError, match=reason) as caught:
        load_busy([source], start_at=START, end_at=END, zone_name=LONDON)

    assert caught.value.source == shown
    assert SECRET not in str(caught.value)


def test_an_unreadable_busy_calendar_makes_requests_wait_never_lost(
    tmp_path, mail_server, mailboxes, capsys
):
    """No time is offered while the therapist's calendar cannot be read; the
    request is neither answered blind nor set aside, and goes out once it can."""
    from support import NOW, request, run, write_config

    feed = tmp_path / "busy.ics"
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f'[availability]\nbusy_calendars = ["{feed}"]\n',
    )
    mail_server.deliver(
        request(sender=f"Jordan Lee <{mailboxes.person}>", to=mailboxes.practice),
        mailboxes.practice,
    )
    for attempt in range(4):  # more runs than a bad mail's attempts
        capsys.readouterr()
        assert run(config, NOW + timedelta(minutes=attempt)) == 1
        err = capsys.readouterr().err
        assert "Busy calendar" in err
        assert "wait" in err
    assert mail_server.messages(mailboxes.person) == []
    # The therapist hears it once (a day), whatever the number of runs.
    (alert,) = mail_server.messages(mailboxes.therapist)
    assert alert.message()["X-Mailflow"] == "calendar_alert"
    assert (
        "new requests are waiting" in alert.message().get_body(("plain",)).get_content()
    )
    feed.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
    )
    assert run(config, NOW + timedelta(minutes=5)) == 0
    (offer,) = mail_server.messages(mailboxes.person)
    assert offer.message()["X-Mailflow"] == "offer"


def test_a_failed_read_falls_back_to_the_last_good_one_for_a_day(
    tmp_path, mail_server, mailboxes
):
    from support import NOW, request, run, write_config

    feed = tmp_path / "busy.ics"
    # The therapist is busy all of Monday 30 November (London).
    feed.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:all-monday@test\r\nDTSTAMP:20261120T000000Z\r\n"
        b"DTSTART:20261130T000000Z\r\nDTEND:20261201T000000Z\r\n"
        b"SUMMARY:Away\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
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
    feed.write_bytes(b"this is not a calendar")
    later = NOW + timedelta(hours=3)
    second = f"casey-{first}"
    mail_server.deliver(
        request(sender=second, to=mailboxes.practice, sent_at=later),
        mailboxes.practice,
    )
    assert run(config, later) == 0  # the morning's copy still stands
    for who in (first, second):
        (offer,) = mail_server.messages(who)
        text = offer.message().get_body(("plain",)).get_content()
        assert "Monday 30 November" not in text
    # A day later the old copy is too old to trust: requests wait again.
    third = f"alex-{first}"
    tomorrow = NOW + timedelta(hours=30)
    mail_server.deliver(
        request(sender=third, to=mailboxes.practice, sent_at=tomorrow),
        mailboxes.practice,
    )
    assert run(config, tomorrow) == 1
    assert mail_server.messages(third) == []
