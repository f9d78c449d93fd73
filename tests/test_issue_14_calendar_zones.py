"""#14: a calendar's own VTIMEZONE can no longer stop the worker.

A 1 KB mail whose VTIMEZONE recurs every second from 1970 made dateutil walk
the rule second by second (~145 s into MemoryError) on every run. Zones in mail
are now resolved by name or read without expanding their rules; a rule no real
zone has sets the mail aside once.
"""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icalendar.timezone import tzp
from support import NOW, book_a_call, plain, request, run, sent_to, write_config
from test_hostile import inbox_state, query

from mailflow.reading import parse, zones
from mailflow.shell import busy
from mailflow.writing import calendar

SECONDLY = "FREQ=SECONDLY"
BERLIN_SUMMER = "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
BERLIN_WINTER = "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"


def zone(tzid: str, winter_rule: str, summer_rule: str | None = BERLIN_SUMMER) -> str:
    """A VTIMEZONE as Outlook writes it (observances from 1601)."""
    text = (
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n"
        "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"
        f"TZOFFSETTO:+0100\r\nRRULE:{winter_rule}\r\nEND:STANDARD\r\n"
    )
    if summer_rule is not None:
        text += (
            "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\n"
            f"TZOFFSETTO:+0200\r\nRRULE:{summer_rule}\r\nEND:DAYLIGHT\r\n"
        )
    return text + "END:VTIMEZONE\r\n"


def invite(tzid: str, zone_text: str, start: str = "20261026T090000") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//attacker//EN\r\nMETHOD:REQUEST\r\n"
        + zone_text
        + "BEGIN:VEVENT\r\nUID:zone-test@example.net\r\nDTSTAMP:20261001T000000Z\r\n"
        f"DTSTART;TZID={tzid}:{start}\r\nDTEND;TZID={tzid}:{start[:-4]}3000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def mail(ics: str, sender: str = "stranger@example.net", to: str = "x@y") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Meeting\r\n"
        "Date: Wed, 25 Nov 2026 08:00:00 +0000\r\n"
        "Message-ID: <zone-attack@example.net>\r\n"
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + ics
    ).encode()


HOSTILE = mail(invite("Attacker/Zone", zone("Attacker/Zone", SECONDLY, None)))


def test_the_1kb_secondly_zone_is_refused_within_a_bounded_memory() -> None:
    assert len(HOSTILE) < 1024
    tracemalloc.start()
    try:
        with pytest.raises(parse.OverBudget, match="FREQ=YEARLY") as caught:
            calendar.read_calendar(HOSTILE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # dateutil's walk filled all memory
    assert "Attacker" not in str(caught.value)  # logged: nothing of the mail


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY",
        "FREQ=DAILY",
        "FREQ=YEARLY;BYHOUR=0,1,2,3",  # yearly in name, hourly in fact
        "FREQ=YEARLY;BYMINUTE=0,30",
        "FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5",
        "FREQ=YEARLY;BYYEARDAY=" + ",".join(str(d) for d in range(1, 60)),
    ],
)
def test_zone_rules_denser_than_any_real_zone_are_over_budget(rule: str) -> None:
    with pytest.raises(parse.OverBudget):
        calendar.read_calendar(mail(invite("Odd/Zone", zone("Odd/Zone", rule))))


def test_a_folded_begin_line_cannot_smuggle_the_zone_past_the_renaming() -> None:
    folded = HOSTILE.replace(b"BEGIN:VTIMEZONE", b"BEGIN:VTIME\r\n ZONE").replace(
        b"END:VTIMEZONE", b"end:vtimezone"
    )
    with pytest.raises(parse.OverBudget):
        calendar.read_calendar(folded)


def test_a_zone_in_mail_never_enters_icalendars_process_wide_cache() -> None:
    """icalendar keeps every VTIMEZONE it reads under its TZID for the whole
    process, where the therapist's busy calendar would meet a stranger's zone."""
    tzid = "Mailflow Test/Never Cached"
    ics = invite(tzid, zone(tzid, BERLIN_WINTER))
    assert calendar.read_calendar(mail(ics)) is not None
    assert tzp.timezone(tzid) is None


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("20261026T090000", datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),  # winter
        ("20260720T090000", datetime(2026, 7, 20, 7, 0, tzinfo=UTC)),  # summer
        ("20261025T020000", datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),  # day of change
    ],
)
def test_an_unnamed_zone_is_read_from_its_own_observances(
    start: str, expected: datetime
) -> None:
    tzid = "Customized Time Zone"  # Outlook's name when the zone was edited
    found = calendar.read_calendar(mail(invite(tzid, zone(tzid, BERLIN_WINTER), start)))
    assert found is not None
    assert found.start_at == expected
    assert found.end_at == expected + timedelta(minutes=30)


def test_old_style_rules_and_rdate_histories_give_the_offset_in_force() -> None:
    # Pre-2007 US rule: the Sunday among 8..14 March; Apple's RDATE history.
    us = (
        zone(
            "Eastern (old)",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=SU;BYMONTHDAY=1,2,3,4,5,6,7",
            "FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14",
        )
        .replace("+0200", "-0400")
        .replace("+0100", "-0500")
    )
    parsed = Calendar.from_ical(us.replace("VTIMEZONE", "X-MAILFLOW-VTIMEZONE"))
    new_york = ZoneInfo("America/New_York")  # wall times: offset_at drops tzinfo
    for moment in (
        datetime(2026, 3, 8, 1, tzinfo=UTC),
        datetime(2026, 3, 8, 4, tzinfo=UTC),
        datetime(2026, 7, 1, tzinfo=UTC),
    ):
        expected = moment.replace(tzinfo=new_york).utcoffset()
        assert zones.offset_at(parsed, moment) == expected
    history = (
        "X-MAILFLOW-VTIMEZONE\r\nTZID:Hist\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nRDATE:19800101T000000,20200101T000000\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:19900101T000000\r\nTZOFFSETFROM:+0000\r\n"
        "TZOFFSETTO:+0300\r\nEND:DAYLIGHT\r\nEND:X-MAILFLOW-VTIMEZONE\r\n"
    )
    parsed = Calendar.from_ical("BEGIN:" + history)
    assert zones.offset_at(parsed, datetime(1960, 1, 1, tzinfo=UTC)) == timedelta(
        hours=1
    )
    assert zones.offset_at(parsed, datetime(1995, 1, 1, tzinfo=UTC)) == timedelta(
        hours=3
    )
    assert zones.offset_at(parsed, datetime(2026, 1, 1, tzinfo=UTC)) == timedelta(0)


def test_named_zones_win_over_the_calendars_own_definition() -> None:
    ics = invite("W. Europe Standard Time", zone("W. Europe Standard Time", SECONDLY))
    with pytest.raises(parse.OverBudget):  # the zone is still checked ...
        calendar.read_calendar(mail(ics))
    ics = invite("Europe/Berlin", "")  # ... and a name needs no definition
    found = calendar.read_calendar(mail(ics))
    assert found is not None
    assert found.start_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def busy_calendar(rule: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        + zone("Busy/Zone", rule)
        + "BEGIN:VEVENT\r\nUID:b@t\r\nDTSTAMP:20261001T000000Z\r\n"
        "DTSTART;TZID=Busy/Zone:20261130T090000\r\n"
        "DTEND;TZID=Busy/Zone:20261130T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    "rule", ["FREQ=YEARLY;BYHOUR=0,1,2,3;BYMINUTE=0,1,2", "FREQ=YEARLY;BYSECOND=1,2"]
)
def test_busy_calendar_zones_that_are_yearly_only_in_name_are_left_out(
    rule: str,
) -> None:
    """The busy reader refused FREQ other than YEARLY; a yearly rule with a
    time for every second of the day escaped it. Such a zone is never parsed:
    its event is read in the practice's zone and named, and the rest of the
    feed stands (one event never downs the feed)."""
    window = (NOW.astimezone(UTC), NOW.astimezone(UTC) + timedelta(days=14))
    read = busy.read_calendar(
        busy_calendar(rule),
        start_at=window[0],
        end_at=window[1],
        zone_name="Europe/London",
    )
    # 09:00 Busy/Zone, taken as 09:00 London (GMT in November).
    assert [i.start_at for i in read.intervals] == [
        datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    ]
    assert read.skipped == [
        busy.Skipped("(no title)", "2026-11-30", busy.PRACTICE_ZONE)
    ]
    found = busy.busy_intervals(
        busy_calendar(BERLIN_WINTER),
        start_at=window[0],
        end_at=window[1],
        zone_name="Europe/London",
    )
    assert [i.start_at for i in found] == [datetime(2026, 11, 30, 8, 0, tzinfo=UTC)]


def test_with_no_call_booked_calendar_mail_is_left_alone_unread(
    tmp_path, mail_server, mailboxes
):
    """No booked call has a UID a calendar could name: the hostile calendar is
    never parsed (no budget spent on it), only left alone."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    server.deliver(HOSTILE, boxes.practice, mail_from="stranger@example.net")
    before = inbox_state(server, boxes.practice)

    assert run(config) == 0

    outcomes = [o for (o,) in query(config, "SELECT outcome FROM seen ORDER BY uid")]
    assert outcomes == ["calendar"]
    assert inbox_state(server, boxes.practice) == before
    assert sent_to(server, "stranger@example.net") == []


def test_the_hostile_calendar_is_set_aside_once_and_the_next_request_answered(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    book_a_call(config, NOW)  # so calendar mail is read, to match its UID
    server.deliver(HOSTILE, boxes.practice, mail_from="stranger@example.net")
    server.deliver(
        request(sender=f"Jordan <{boxes.person}>", to=boxes.practice), boxes.practice
    )

    assert run(config) == 0

    (offer,) = server.messages(boxes.person)
    assert offer.message()["X-Mailflow"] == "offer"
    outcomes = [o for (o,) in query(config, "SELECT outcome FROM seen ORDER BY uid")]
    assert outcomes == ["over-budget", "request"]
    assert sent_to(server, "stranger@example.net") == []
    before = (inbox_state(server, boxes.practice), len(server.smtp_log))

    assert run(config, NOW + timedelta(minutes=5)) == 0  # nothing left to retry

    assert (inbox_state(server, boxes.practice), len(server.smtp_log)) == before
    assert query(config, "SELECT COUNT(*) FROM seen") == [(2,)]
    assert query(config, "SELECT COUNT(*) FROM meta WHERE key LIKE 'attempts:%'") == [
        (0,)
    ]


def test_a_busy_feed_with_a_hostile_zone_still_keeps_offers_off_its_other_events(
    tmp_path, mail_server, mailboxes
):
    """End to end: the feed is read, its good event blocks its day, the
    hostile zone's event is named to the therapist, and the request is
    answered in the same run (#14 review)."""
    good = (
        "BEGIN:VEVENT\r\nUID:away@t\r\nDTSTAMP:20261001T000000Z\r\n"
        "DTSTART:20261130T000000Z\r\nDTEND:20261201T000000Z\r\n"
        "SUMMARY:Away\r\nEND:VEVENT\r\n"
    )
    feed = tmp_path / "busy.ics"
    feed.write_bytes(
        busy_calendar("FREQ=YEARLY;BYSECOND=1,2").replace(
            b"END:VCALENDAR", good.encode() + b"END:VCALENDAR"
        )
    )
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f'[availability]\nbusy_calendars = ["{feed}"]\n',
    )
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config, NOW) == 0
    (offer,) = mail_server.messages(mailboxes.person)
    assert offer.message()["X-Mailflow"] == "offer"
    assert "Monday 30 November" not in plain(offer.message())
    (note,) = [
        m.message()
        for m in mail_server.messages(mailboxes.therapist)
        if m.message()["X-Mailflow"] == "calendar_skipped"
    ]
    assert "(no title) (2026-11-30)" in plain(note)
