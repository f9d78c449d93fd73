"""#11: every real-world calendar export in tests/fixtures/calendars/real
(taken from public projects' test suites; SOURCES.md names each one's project,
path, commit and licence) reads through the busy reader: its events, or its
unreadable ones named by summary and date; none refuses the whole feed (a file
cut off mid-event keeps what comes before the cut, and names the cut)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from mailflow.errors import BusyCalendarError
from mailflow.model import Interval
from mailflow.shell.busy import (
    CUT_SHORT,
    FIRST_ONLY,
    NO_DATES,
    NO_END,
    PRACTICE_ZONE,
    SKIPPED,
    BusyRead,
    read_calendar,
)

REAL = Path(__file__).parent / "fixtures" / "calendars" / "real"
ZONE = "Europe/London"
DAYS = 60
_FIRST_START = re.compile(
    rb"BEGIN:VEVENT.*?\n(?:DTSTART|RECURRENCE-ID)[^\r\n]*:(\d{8})", re.DOTALL
)


@dataclass(frozen=True)
class Expected:
    """What one file gives in the DAYS from the day before its first event."""

    busy: int
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    refused: str | None = None


EXPECTED = {
    # Cut off mid-event: what comes before the cut is read (moon phases of
    # no length block nothing), the half event and the cut are named.
    "apple_ical10_moon_phase_cut_short.ics": Expected(
        0,
        [
            ("(no title)", "2005-05-08", NO_END),
            ("(the end of the file)", "", CUT_SHORT),
        ],
    ),
    "apple_ical10_phpicalendar_sample.ics": Expected(49),
    "apple_ical10_thfc.ics": Expected(12),
    "apple_ical15_tv_melbourne.ics": Expected(162),
    "apple_iphone_structured_location.ics": Expected(1),
    "apple_macos_tentative.ics": Expected(3),
    "dtend_none.ics": Expected(0, [("Redacted", "2023-01-12", NO_END)]),
    "evolution_schedule_unstable.ics": Expected(0),
    "exchange_bad_custom_ms_tz.ics": Expected(
        2,
        [
            ("[private]", "2021-03-25", PRACTICE_ZONE),
            ("*masked-away2*", "2021-04-01", NO_END),
        ],
    ),
    "exchange_bad_ms_tz.ics": Expected(18),
    "exchange_blank_tzid.ics": Expected(1),
    "exchange_broken_tzid_parameter.ics": Expected(2),
    "exchange_cdo_missing_event.ics": Expected(
        1, [("Sprint 25 Daily Standup", "2015-07-03", FIRST_ONLY)]
    ),
    "exchange_cdo_tmeher.ics": Expected(1),
    "exchange_custom_tz.ics": Expected(1),
    "exchange_do_not_quote_tzid.ics": Expected(1),
    "exchange_unfolded_description.ics": Expected(
        1, [("(no title)", "no readable date", SKIPPED)]
    ),
    "forcecom_dtend_space.ics": Expected(1),
    "google_bad_rrule.ics": Expected(82),
    "google_birthday_rdate_utc_on_date.ics": Expected(
        1, [("PErson #2's birthday", "2014-12-10", NO_DATES)]
    ),
    "google_biweekly_exdate_until.ics": Expected(9),
    "google_calendar_invalid_offset.ics": Expected(8),
    "google_calendar_kiev_tz.ics": Expected(4),
    "google_daily_recur.ics": Expected(59),
    "google_ics_parser_example.ics": Expected(
        0, [("Invalid date - parser will skip the event", "2017-10-32", SKIPPED)]
    ),
    "google_parsing_error.ics": Expected(21, [("(no title)", "2008-03-03", NO_DATES)]),
    "google_recurring_with_single_change.ics": Expected(3),
    "google_x_location.ics": Expected(41),
    "groupwise7.ics": Expected(1),
    "historic_tzoffset_5328.ics": Expected(1),
    "icloud_caldav_export.ics": Expected(60),
    "impossible_dates_30_february.ics": Expected(
        59,
        [
            ("Event 060", "2024-02-30", SKIPPED),
            ("Event 061", "2024-02-31", SKIPPED),
            ("Event 123", "2024-04-31", SKIPPED),
            ("Event 185", "2024-06-31", SKIPPED),
            ("Event 278", "2024-09-31", SKIPPED),
            ("Event 340", "2024-11-31", SKIPPED),
            (
                "This event should trigger an error after 2000+ lines",
                "2024-01-01",
                SKIPPED,
            ),
        ],
    ),
    "lanyrd_multi_event.ics": Expected(4, [("Foobar", "no readable date", SKIPPED)]),
    "leading_whitespace.ics": Expected(1),
    "lotus_calconnect.ics": Expected(5),
    "meetup_timed_tz.ics": Expected(1),
    "mozilla_twinkle.ics": Expected(10),
    "nextcloud_calendar_app.ics": Expected(0),
    "nextcloud_int_tzid.ics": Expected(2),
    "ns_trigger_pt_minus.ics": Expected(2),
    "office365_custom_timezone.ics": Expected(4),
    "office365_extended_timezone.ics": Expected(1),
    "office365_invalid_timezone.ics": Expected(
        1, [("Uffe", "2024-04-26", PRACTICE_ZONE)]
    ),
    "office365_nz_tz.ics": Expected(2),
    "outlook11_standup.ics": Expected(44),
    "outlook12_kuala_lumpur_zone.ics": Expected(9),
    "outlook12_ms_tzid.ics": Expected(0),
    "outlook_brasilia_non_ascii_tzid.ics": Expected(1),
    "outlook_display_name_us_and_canada.ics": Expected(8),
    "outlook_gmt_offset_only_zone.ics": Expected(9),
    "outlook_owa_display_name_zones.ics": Expected(19),
    "radicale_thunderbird.ics": Expected(7),
    "sabredav_school_holidays.ics": Expected(0),
    "synology_date_time_duration.ics": Expected(1),
    "synology_duration_pt1w.ics": Expected(1, [("period test2", "2024-02-15", NO_END)]),
    "thunderbird_alarm_future.ics": Expected(1),
    "windows_zone_name.ics": Expected(1),
    "zimbra_parserv2.ics": Expected(43),
    "zimbra_recur_instances.ics": Expected(4),
}
"""Busy intervals counted from a reviewed read; skipped events exactly as the
therapist's note names them."""

LENIENT_ONLY = {
    "apple_ical10_moon_phase_cut_short.ics",
    "apple_ical10_phpicalendar_sample.ics",
    "dtend_none.ics",
    "exchange_bad_custom_ms_tz.ics",
    "exchange_blank_tzid.ics",
    "exchange_broken_tzid_parameter.ics",
    "exchange_cdo_missing_event.ics",
    "exchange_unfolded_description.ics",
    "forcecom_dtend_space.ics",
    "google_birthday_rdate_utc_on_date.ics",
    "google_ics_parser_example.ics",
    "google_parsing_error.ics",
    "historic_tzoffset_5328.ics",
    "impossible_dates_30_february.ics",
    "lanyrd_multi_event.ics",
    "mozilla_twinkle.ics",
    "ns_trigger_pt_minus.ics",
    "synology_duration_pt1w.ics",
}
"""Files icalendar with recurring-ical-events cannot read whole (they raise)."""

ZONES_BY_NAME = {
    "outlook_display_name_us_and_canada.ics",
    "outlook_gmt_offset_only_zone.ics",
    "outlook_owa_display_name_zones.ics",
    "nextcloud_int_tzid.ics",
}
"""Where icalendar reads a zone as floating (the practice's zone) and mailflow
as it is meant: Outlook display names with no VTIMEZONE, read as the zone they
name; Nextcloud's ``TZID= 1``, read by its own VTIMEZONE ``TZID: 1``."""


def window(data: bytes) -> tuple[datetime, datetime]:
    """From the day before the first event with a real date, for DAYS."""
    for found in _FIRST_START.finditer(data):
        day = found[1].decode()
        try:
            start = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), tzinfo=UTC)
        except ValueError:
            continue  # 2017-10-32, as written: the next event's
        start -= timedelta(days=1)
        return start, start + timedelta(days=DAYS)
    raise AssertionError("no event with a date")


def read(name: str) -> BusyRead:
    data = (REAL / name).read_bytes()
    start_at, end_at = window(data)
    return read_calendar(data, start_at=start_at, end_at=end_at, zone_name=ZONE)


def test_every_real_file_is_expected_and_has_its_source() -> None:
    names = {p.name for p in REAL.glob("*.ics")}
    assert names == set(EXPECTED)
    assert 25 <= len(names) <= 60
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    rows = [line for line in sources.splitlines() if line.startswith("| `")]
    assert sorted(re.findall(r"^\| `([^`]+)`", "\n".join(rows), re.M)) == sorted(names)
    licences = {p.name for p in (REAL / "LICENSES").iterdir()}
    for row in rows:
        (licence,) = re.findall(r"LICENSES/([^) ]+)", row)
        assert licence in licences
        assert re.search(r"\b[0-9a-f]{40}\b", row)
    assert all(p.stat().st_size <= 200_000 for p in REAL.glob("*.ics"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_export_reads_with_its_bad_events_named(name: str) -> None:
    expected = EXPECTED[name]
    if expected.refused is not None:
        with pytest.raises(BusyCalendarError) as caught:
            read(name)
        assert caught.value.reason == expected.refused
        return
    found = read(name)
    assert len(found.intervals) == expected.busy
    assert [(s.summary, s.day, s.what) for s in found.skipped] == expected.skipped


def _strict(data: bytes) -> set[Interval]:
    """The whole file through icalendar and recurring-ical-events, as before #11."""
    from mailflow.shell import busy

    start_at, end_at = window(data)
    zone = busy.ZoneInfo(ZONE)
    whole = Interval(start_at, end_at)
    # A fresh icalendar, as a process reading only this file: it keeps every
    # zone it builds under its TZID, and another file's would stand in.
    icalendar.use_zoneinfo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # their notes on guessed zone names
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(
            start_at.astimezone(zone), end_at.astimezone(zone)
        )
        return {
            clipped
            for occurrence in occurrences
            if busy._blocks_time(occurrence)
            and (clipped := busy._clip(busy._interval_of(occurrence, zone), whole))
        }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_where_icalendar_reads_a_file_whole_the_busy_time_is_the_same(
    name: str,
) -> None:
    """The oracle: reading event by event changes nothing where the strict
    read works; where it raises, the file is one of the lenient-only ones."""
    data = (REAL / name).read_bytes()
    if name in LENIENT_ONLY:
        with pytest.raises(Exception):  # noqa: B017, PT011  (anything: it refuses)
            _strict(data)
        return
    strict = _strict(data)
    ours = set(read(name).intervals)
    if name in ZONES_BY_NAME:
        assert ours != strict
        assert len(ours) >= len(strict)
    else:
        assert ours == strict


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        # A VTIMEZONE whose first observance is TZOFFSETFROM:+5328: read by name.
        ("historic_tzoffset_5328.ics", (utc(2012, 12, 2, 7), utc(2012, 12, 2, 8, 30))),
        # Alarms with TRIGGER:PT-2H never lose their trips.
        ("ns_trigger_pt_minus.ics", (utc(2023, 2, 3, 14, 15), utc(2023, 2, 3, 17, 6))),
        # "(GMT+10:00) Canberra, Melbourne, Sydney" with no VTIMEZONE: Sydney.
        (
            "outlook_owa_display_name_zones.ics",
            (utc(2020, 10, 28, 2, 30), utc(2020, 10, 28, 4)),
        ),
        # "(UTC-05:00) Eastern Time (US & Canada)": New York, in summer time.
        (
            "outlook_owa_display_name_zones.ics",
            (utc(2020, 10, 28, 17, 30), utc(2020, 10, 28, 19)),
        ),
        # "(UTC-05:00) Eastern Time (US and Canada)": the same zone, spelt out.
        (
            "outlook_display_name_us_and_canada.ics",
            (utc(2015, 7, 7, 16), utc(2015, 7, 7, 20)),
        ),
        # "(GMT +01:00)", an offset alone: that fixed offset.
        (
            "outlook_gmt_offset_only_zone.ics",
            (utc(2022, 10, 4, 13), utc(2022, 10, 4, 14)),
        ),
        # TZID "Kuala Lumpur, Singapore" for the VTIMEZONE "Kuala Lumpur\\, Singapore".
        (
            "outlook12_kuala_lumpur_zone.ics",
            (utc(2008, 10, 31, 1, 30), utc(2008, 10, 31, 1, 40)),
        ),
        # A Windows zone id, "New Zealand Standard Time", with a VTIMEZONE
        # that says +01:00: the file's own definition holds (RFC 5545 3.6.5).
        ("windows_zone_name.ics", (utc(2019, 11, 20, 12), utc(2019, 11, 20, 13, 30))),
        # Nextcloud's TZID= 1 (a space) by its own VTIMEZONE, +01:00 in winter.
        ("nextcloud_int_tzid.ics", (utc(2024, 1, 8, 10), utc(2024, 1, 8, 11))),
        # Exchange's empty TZID= by its own empty-named VTIMEZONE (UTC).
        ("exchange_blank_tzid.ics", (utc(2015, 8, 26, 9), utc(2015, 8, 26, 10))),
        # Synology's DURATION:PT1W (no such duration): the day it starts.
        ("synology_duration_pt1w.ics", (utc(2024, 2, 15), utc(2024, 2, 16))),
        # Force.com's "DTEND: 20240812T223000Z": the space is no reason to lose it.
        (
            "forcecom_dtend_space.ics",
            (utc(2024, 8, 12, 21, 30), utc(2024, 8, 12, 22, 30)),
        ),
    ],
)
def test_the_quirks_of_real_exports_give_the_time_their_writer_meant(
    name: str, wanted: tuple[datetime, datetime]
) -> None:
    assert Interval(*wanted) in read(name).intervals


def test_the_named_outcomes_cover_every_kind() -> None:
    """The set exercises each way an event is read in part, and the refusal."""
    kinds = {what for e in EXPECTED.values() for _, _, what in e.skipped}
    assert kinds == {SKIPPED, FIRST_ONLY, NO_DATES, PRACTICE_ZONE, NO_END, CUT_SHORT}
    assert [n for n, e in EXPECTED.items() if e.refused] == []
