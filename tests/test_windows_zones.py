"""#11: Windows zone names as Outlook and Exchange write them in TZID (ids and
display names, often with no VTIMEZONE) read as the IANA zones they mean."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from mailflow.model import Interval
from mailflow.reading import windows_zones, zones
from mailflow.shell.busy import read_calendar

ROWS = [
    line.split("\t")
    for line in resources.files("mailflow.reading")
    .joinpath("windows_zones.tsv")
    .read_text("utf-8")
    .splitlines()
    if line and not line.startswith("#")
]

MOVED = {
    "(UTC-04:00) Asuncion",
    "(UTC-03:00) Greenland",
    "(UTC+02:00) Amman",
    "(UTC+02:00) Damascus",
    "(UTC+04:00) Volgograd",
}
"""Zones whose standard offset changed after Windows named them (the place,
not the stated offset, says the zone)."""


def _stated(display: str) -> timedelta:
    found = re.match(r"\(UTC(?:([+-])(\d\d):(\d\d))?\)", display)
    assert found is not None
    offset = timedelta(hours=int(found[2] or 0), minutes=int(found[3] or 0))
    return -offset if found[1] == "-" else offset


def test_the_table_is_windows_whole_list() -> None:
    assert len(ROWS) == 139
    assert len({display for display, _ in ROWS}) == len(ROWS)
    assert {windows for _, windows in ROWS} <= set(WINDOWS_TO_OLSON)


@pytest.mark.parametrize(("display", "windows"), ROWS, ids=[r[0] for r in ROWS])
def test_every_display_name_is_its_windows_zone_at_its_stated_offset(
    display: str, windows: str
) -> None:
    name = windows_zones.display_zone(display)
    assert name == WINDOWS_TO_OLSON[windows]
    zone = ZoneInfo(name)
    standard = set()
    for month in (1, 7):
        moment = datetime(2026, month, 15, 12, tzinfo=zone)
        standard.add(moment.utcoffset() - moment.dst())  # type: ignore[operator]
    assert (_stated(display) in standard) is (display not in MOVED)


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        # As Windows XP and Exchange 2007 wrote them: GMT, not UTC.
        (
            "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
            "Europe/Berlin",
        ),
        ("(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ('"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi"', "Asia/Calcutta"),
        ("(UTC-05:00) Eastern Time (US and Canada)", "America/New_York"),
        ("(UTC-08:00)  Pacific Time (US & Canada)", "America/Los_Angeles"),
        ("(utc+09:00) osaka, sapporo, tokyo", "Asia/Tokyo"),
        ("(UTC+12:45) Chatham Islands", "Pacific/Chatham"),
        ("(UTC) Coordinated Universal Time", "Etc/UTC"),
        # Without the offset, as Outlook 2007 names a VTIMEZONE.
        ("Kuala Lumpur, Singapore", "Asia/Singapore"),
        ("Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
        # An older spelling the list no longer has: its first IANA city.
        (
            "(UTC+02:00) Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius",
            "Europe/Helsinki",
        ),
        # An offset alone: that fixed offset (POSIX signs), whole hours only.
        ("(GMT +01:00)", "Etc/GMT-1"),
        ("(UTC-03:00)", "Etc/GMT+3"),
        ("(GMT)", "UTC"),
        ("(UTC+05:30)", None),
        # Nothing any table knows.
        ("(UTC+05:00) Atlantis", None),
        ("Amsterdam", None),
        ("Customized Time Zone", None),
        ("", None),
        ("(UTC+01:00) " + "Berlin, " * 200, None),
    ],
)
def test_display_names_as_outlook_writes_them(written: str, zone: str | None) -> None:
    assert windows_zones.display_zone(written) == zone


@pytest.mark.parametrize("windows", sorted(WINDOWS_TO_OLSON))
def test_every_windows_id_names_its_zone(windows: str) -> None:
    for written in (windows, f'"{windows.upper()}"'):
        zone = zones.named_zone(written)
        assert zone is not None
        # "UTC" is an IANA name as well as a Windows one: either is right.
        assert zone.key in {WINDOWS_TO_OLSON[windows], windows}


@pytest.mark.parametrize(
    ("tzid", "utc_start"),
    [
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", 9),
        ("(UTC+00:00) Dublin, Edinburgh, Lisbon, London", 10),
        ("(UTC-05:00) Eastern Time (US & Canada)", 15),
        ("(UTC-08:00) Pacific Time (US & Canada)", 18),
        ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", 4.5),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", -1),
        ("W. Europe Standard Time", 9),
        ("Romance Standard Time", 9),
        ("GMT Standard Time", 10),
        ("Eastern Standard Time", 15),
        ("AUS Eastern Standard Time", -1),
        ("India Standard Time", 4.5),
    ],
)
def test_an_event_in_a_windows_zone_without_vtimezone_blocks_its_real_time(
    tzid: str, utc_start: float
) -> None:
    """10:00 on 2 December 2026 in each zone, no VTIMEZONE, practice in London."""
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n"
        "BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Meeting\r\n"
        f'DTSTART;TZID="{tzid}":20261202T100000\r\n'
        f'DTEND;TZID="{tzid}":20261202T110000\r\n'
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    found = read_calendar(
        ics,
        start_at=datetime(2026, 11, 28, tzinfo=UTC),
        end_at=datetime(2026, 12, 12, tzinfo=UTC),
        zone_name="Europe/London",
    )
    start = datetime(2026, 12, 2, tzinfo=UTC) + timedelta(hours=utc_start)
    assert found.intervals == [Interval(start, start + timedelta(hours=1))]
    assert found.skipped == []


def test_two_calendars_defining_one_tzid_otherwise_are_each_read_by_their_own() -> None:
    """icalendar keeps every zone it builds for the process under its TZID; a
    second feed (or the same one, changed) must not be read by the first's."""

    def feed(offset: str) -> bytes:
        return (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Office\r\n"
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\n"
            "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:x\r\n"
            "DTSTART;TZID=Office:20261202T120000\r\n"
            "DTEND;TZID=Office:20261202T130000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()

    window = {
        "start_at": datetime(2026, 11, 28, tzinfo=UTC),
        "end_at": datetime(2026, 12, 12, tzinfo=UTC),
        "zone_name": "Europe/London",
    }
    for offset, hour in (("+1300", -1), ("+0100", 11), ("+1300", -1)):
        (busy,) = read_calendar(feed(offset), **window).intervals  # type: ignore[arg-type]
        assert busy.start_at == datetime(2026, 12, 2, tzinfo=UTC) + timedelta(
            hours=hour
        )
