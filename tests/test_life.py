"""Whole enquiry lives across days, on real Dovecot + SMTP, driven by `--now`.

Every life starts on Tue 20 October 2026 at 09:00 London time (BST) and the
call falls in the next week, after the clocks go back on Sunday 25 October, so
the call is in GMT although it was booked under BST.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import icalendar
import pytest
from support import answer, plain, request, run, write_config

from mailflow.cli import main

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 10, 20, 9, 0, tzinfo=LONDON).astimezone(UTC)
"""Tuesday, BST: the request is written and answered."""
DST_CHANGE = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
AUTO = '[workflow]\napproval = "auto"\n'
MINUTE = timedelta(minutes=1)
PHONE = "07700 900123"


# -- reading what arrived ---------------------------------------------------------


def mails(server, user, kind=None):
    found = [m.message() for m in server.messages(user)]
    return [m for m in found if kind is None or m["X-Mailflow"] == kind]


def newest(server, user, kind=None):
    """The last mail in `user`'s INBOX (optionally of one mailflow kind)."""
    found = mails(server, user, kind)
    assert found, f"no {kind or 'mail'} for {user}"
    return found[-1]


def kinds(server, user) -> list[str]:
    return [m["X-Mailflow"] for m in mails(server, user)]


def offered_lines(offer) -> list[tuple[str, str]]:
    return re.findall(r"^  (\d)\. (.+)$", plain(offer), re.M)


def calendar_part(message):
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def ics(message) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar_part(message).get_payload(decode=True))


def event(message):
    return ics(message).walk("VEVENT")[0]


# -- writing as the person, the therapist, a calendar ---------------------------------


def start(server, boxes, config, *, at=T0, written_at=None):
    """The person asks for the free call; mailflow's offer comes back."""
    raw = request(
        sender=f"Jordan Lee <{boxes.person}>",
        to=boxes.practice,
        body=f"Hello, I'd like to book the free 15 minute call. My number is {PHONE}.",
        sent_at=written_at or at,
    )
    server.deliver(raw, boxes.practice)
    assert run(config, at) == 0
    return newest(server, boxes.person, "offer")


def person_says(server, boxes, config, original, body, at):
    server.deliver(
        answer(original, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0


def pick(server, boxes, config, offer, *, at=T0 + timedelta(hours=1), after=None):
    """Reply with the number of the first offered time in GMT (after the change)."""
    lines = offered_lines(offer)
    number, line = next(
        (n, text)
        for n, text in lines
        if "London time (GMT, UTC+0)" in text and (after is None or after not in text)
    )
    person_says(server, boxes, config, offer, number, at)
    return line


def awaiting_approval(server, boxes, config):
    """The person picks the first offered time (the config's approval is the
    therapist's); the approval request that comes back to the therapist."""
    offer = start(server, boxes, config)
    person_says(server, boxes, config, offer, "1", T0 + timedelta(hours=1))
    return newest(server, boxes.therapist, "approval_request")


def therapist_says(server, boxes, config, original, body, at):
    server.deliver(
        answer(
            original, sender=f"Sam Rivera <{boxes.therapist}>", body=body, sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at) == 0


def calendar_reply(*, organizer, attendee, partstat, uid, sent_at, sequence=0) -> bytes:
    """What Google Calendar sends when the person declines (outside the thread)."""
    ics_text = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSEQUENCE:{sequence}\r\n"
        f"DTSTAMP:{sent_at.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        f"ATTENDEE;PARTSTAT={partstat};CN=Jordan Lee:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = organizer
    message["Subject"] = f"{partstat.title()}: Free 15-minute call"
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="calendar.example")
    message.set_content(f"Jordan Lee has {partstat.lower()} this invitation.")
    message.add_attachment(
        ics_text.encode(),
        maintype="text",
        subtype="calendar",
        params={"method": "REPLY"},
        filename="invite.ics",
    )
    return message.as_bytes()


# -- a booked call -------------------------------------------------------------------


@pytest.fixture
def life(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes, AUTO)


def book(server, boxes, config):
    """Request at T0, pick a GMT time an hour later; the confirmation and its event."""
    offer = start(server, boxes, config)
    line = pick(server, boxes, config, offer)
    confirmation = newest(server, boxes.person, "confirmation")
    assert line.split(" (")[0] in plain(confirmation)
    booked = event(confirmation)
    assert booked.decoded("DTSTART") > DST_CHANGE
    return confirmation, booked


def call_times(booked) -> tuple[datetime, datetime]:
    return booked.decoded("DTSTART"), booked.decoded("DTEND")


def sends_nothing(server, config, *moments) -> None:
    for moment in moments:
        before = len(server.smtp_log)
        assert run(config, moment) == 0
        assert len(server.smtp_log) == before, f"something was sent at {moment}"


# -- the lives ---------------------------------------------------------------------


def test_full_life_to_would_like_to_start(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    assert "That's booked" in plain(confirmation)
    assert "London time (GMT, UTC+0)" in plain(confirmation)
    remind_at = start_at - timedelta(hours=24)

    # Just before call - 24h: nothing; just after: the reminder, once.
    sends_nothing(server, config, remind_at - MINUTE)
    assert "reminder" not in kinds(server, boxes.person)
    assert run(config, remind_at + MINUTE) == 0
    reminder = newest(server, boxes.person, "reminder")
    text = plain(reminder)
    assert "Just a gentle reminder of our free 15-minute call" in text
    local = start_at.astimezone(LONDON)
    assert f"{local:%H:%M} London time (GMT, UTC+0)" in text
    assert "BST" not in text
    assert f"I'll ring you on {PHONE}" in text
    sends_nothing(server, config, remind_at + 2 * MINUTE, start_at - MINUTE)
    assert kinds(server, boxes.person).count("reminder") == 1

    # The follow-up, two hours after the call's end, once.
    followup_at = end_at + timedelta(hours=2)
    sends_nothing(server, config, start_at + MINUTE, followup_at - MINUTE)
    assert run(config, followup_at + MINUTE) == 0
    followup = newest(server, boxes.person, "followup")
    assert (
        "If the connection felt right, would you like to start working together?"
        in plain(followup)
    )
    assert "Thank you for talking with me today." in plain(followup)
    sends_nothing(server, config, followup_at + 2 * MINUTE)
    assert kinds(server, boxes.person).count("followup") == 1

    # "Yes": a kind word to them, and the therapist hears with the phone number.
    person_says(
        server,
        boxes,
        config,
        followup,
        "Yes, I'd love to start",
        followup_at + timedelta(hours=3),
    )
    after = newest(server, boxes.person, "after_answer")
    assert "That's lovely to hear" in plain(after)
    note = newest(server, boxes.therapist, "followup_answer")
    assert note["Subject"] == "Jordan Lee would like to start"
    assert "Jordan Lee would like to start working with you." in plain(note)
    assert PHONE in plain(note)
    assert "> Yes, I'd love to start" in plain(note)

    # The enquiry is done: nothing more, ever.
    sends_nothing(
        server,
        config,
        followup_at + timedelta(hours=4),
        followup_at + timedelta(days=4),
        followup_at + timedelta(days=8),
    )
    assert kinds(server, boxes.person) == [
        "offer",
        "confirmation",
        "reminder",
        "followup",
        "after_answer",
    ]


@pytest.mark.parametrize(
    ("words", "to_person", "subject", "to_therapist"),
    [
        (
            "No, thank you. I've decided it's not for me.",
            "I wish you all the very best",
            "Jordan Lee has decided not to continue",
            "Jordan Lee has decided not to continue. They received a kind goodbye.",
        ),
        (
            "Not just now, thank you. Maybe after Christmas.",
            "Take all the time you need",
            "Jordan Lee would like to wait for now",
            "Jordan Lee would like to wait for now.",
        ),
    ],
    ids=["no", "not-now"],
)
def test_followup_answered_no_or_not_now(life, words, to_person, subject, to_therapist):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    followup_at = end_at + timedelta(hours=2) + MINUTE
    assert run(config, followup_at) == 0
    followup = newest(server, boxes.person, "followup")
    person_says(server, boxes, config, followup, words, followup_at + timedelta(days=1))
    after = newest(server, boxes.person, "after_answer")
    assert to_person in plain(after)
    assert "That's lovely to hear" not in plain(after)
    note = newest(server, boxes.therapist, "followup_answer")
    assert note["Subject"] == subject
    assert to_therapist in plain(note)
    assert PHONE in plain(note)
    # Closed: no nudge after their answer, however long the silence.
    sends_nothing(
        server,
        config,
        followup_at + timedelta(days=4),
        followup_at + timedelta(days=8),
    )
    assert kinds(server, boxes.person)[-2:] == ["followup", "after_answer"]
    assert "followup_nudge" not in kinds(server, boxes.person)


def test_a_reply_after_not_now_reaches_the_therapist(life):
    # "Whenever you feel ready, just reply": the reply is read as an answer to
    # the follow-up and passed to the therapist, never marked seen and dropped.
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    followup_at = end_at + timedelta(hours=2) + MINUTE
    assert run(config, followup_at) == 0
    followup = newest(server, boxes.person, "followup")
    person_says(
        server,
        boxes,
        config,
        followup,
        "Not just now, thank you. Maybe after Christmas.",
        followup_at + timedelta(days=1),
    )
    after = newest(server, boxes.person, "after_answer")
    before = len(kinds(server, boxes.therapist))
    person_says(
        server,
        boxes,
        config,
        after,
        "Hi, I feel ready now - I'd like to start please.",
        followup_at + timedelta(days=30),
    )
    assert len(kinds(server, boxes.therapist)) > before
    note = newest(server, boxes.therapist, "followup_answer")
    assert "I feel ready now" in plain(note)


def test_silence_gets_one_nudge_then_a_quiet_close(life, capsys):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    followup_at = end_at + timedelta(hours=2) + MINUTE
    assert run(config, followup_at) == 0
    newest(server, boxes.person, "followup")
    nudge_at = followup_at + timedelta(days=3)
    sends_nothing(server, config, nudge_at - 2 * MINUTE)
    assert run(config, nudge_at + MINUTE) == 0
    nudge = newest(server, boxes.person, "followup_nudge")
    assert "I just wanted to check in after our call" in plain(nudge)
    # Another three days of silence: closed without a word; nothing ever again.
    sends_nothing(
        server,
        config,
        nudge_at + timedelta(days=3) - MINUTE,
        nudge_at + timedelta(days=3) + 2 * MINUTE,
        nudge_at + timedelta(days=10),
        nudge_at + timedelta(days=40),
    )
    assert kinds(server, boxes.person) == [
        "offer",
        "confirmation",
        "followup",
        "followup_nudge",
    ]
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  closed\s+1$", out, re.M)
    assert "Open enquiries (by number; names stay in the mailbox):\n  (none)" in out


def assert_cancel(message, uid):
    """A real cancellation: METHOD:CANCEL in part and body, same UID, SEQUENCE 1."""
    part = calendar_part(message)
    assert part.get_param("method") == "CANCEL"
    calendar = ics(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    cancelled = calendar.walk("VEVENT")[0]
    assert str(cancelled["UID"]) == uid
    assert int(cancelled["SEQUENCE"]) == 1


def test_cancellation_by_reply(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    uid = str(booked["UID"])
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "I'm so sorry, I need to cancel.",
        T0 + timedelta(hours=3),
    )
    cancelled = newest(server, boxes.person, "cancelled")
    text = plain(cancelled)
    assert (
        "I've cancelled our call on Monday 26 October at 09:00 London time (GMT, UTC+0)"
        in text
    )
    assert "your calendar should remove it" in text
    assert_cancel(cancelled, uid)
    notice = newest(server, boxes.therapist, "cancel_notice")
    assert "Jordan Lee cancelled the call on" in plain(notice)
    assert "> I'm so sorry, I need to cancel." in plain(notice)
    assert "wrote:" not in plain(notice)  # their words, not the quoted thread
    assert str(ics(notice)["METHOD"]) == "CANCEL"
    # Its reminder and follow-up times pass: nothing.
    sends_nothing(
        server,
        config,
        start_at - timedelta(hours=24) + MINUTE,
        start_at - MINUTE,
        end_at + timedelta(hours=2) + MINUTE,
        end_at + timedelta(days=5),
    )
    assert kinds(server, boxes.person) == ["offer", "confirmation", "cancelled"]
    # Saying it again changes nothing and sends nothing.
    before = len(server.smtp_log)
    person_says(
        server, boxes, config, cancelled, "Please cancel.", T0 + timedelta(hours=5)
    )
    assert len(server.smtp_log) == before
    assert kinds(server, boxes.person) == ["offer", "confirmation", "cancelled"]


def test_cancellation_by_calendar_decline(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    server.deliver(
        calendar_reply(
            organizer=boxes.practice,
            attendee=boxes.person,
            partstat="DECLINED",
            uid=str(booked["UID"]),
            sent_at=T0 + timedelta(hours=3),
        ),
        boxes.practice,
    )
    assert run(config, T0 + timedelta(hours=3)) == 0
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    assert "reminder" not in kinds(server, boxes.person)
    assert "followup" not in kinds(server, boxes.person)
    notice = newest(server, boxes.therapist, "cancel_notice")
    assert "declined the invitation" in plain(notice)
    assert "the call is cancelled and the time is free again" in plain(notice)
    assert str(ics(notice)["METHOD"]) == "CANCEL"


def test_the_therapist_cancels_with_a_note(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server, boxes, config, own, "Cancel please, I'm unwell", T0 + timedelta(days=1)
    )
    cancelled = newest(server, boxes.person, "cancelled")
    text = plain(cancelled)
    assert "I'm so sorry, but I have to cancel our call on Monday 26 October" in text
    assert '"I\'m unwell"' in text
    assert "Cancel please" not in text
    assert_cancel(cancelled, str(booked["UID"]))
    notice = newest(server, boxes.therapist, "cancel_notice")
    assert "As you asked, the call with Jordan Lee" in plain(notice)
    sends_nothing(
        server,
        config,
        start_at - timedelta(hours=24) + MINUTE,
        end_at + timedelta(hours=2) + MINUTE,
    )
    assert kinds(server, boxes.person) == ["offer", "confirmation", "cancelled"]


def test_reschedule_by_reply_moves_the_event(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    old_start, old_end = call_times(booked)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "Something has come up at work. Can we move it?",
        T0 + timedelta(hours=3),
    )
    again = newest(server, boxes.person, "offer_again")
    assert (
        "Of course, we can move it. Our call stays on Monday 26 October at 09:00"
        in plain(again)
    )
    lines = offered_lines(again)
    assert lines
    # The latest time offered, after the old one.
    number, line = lines[-1]
    assert "(GMT, UTC+0)" in line
    person_says(server, boxes, config, again, number, T0 + timedelta(hours=4))
    moved = newest(server, boxes.person, "confirmation")
    assert "I've moved our call" in plain(moved)
    assert line.split(" (")[0] in plain(moved)
    assert calendar_part(moved).get_param("method") == "REQUEST"
    update = event(moved)
    assert str(ics(moved)["METHOD"]) == "REQUEST"
    assert str(update["UID"]) == str(booked["UID"])
    assert int(update["SEQUENCE"]) == 1
    new_start, new_end = call_times(update)
    assert new_start > old_end
    assert newest(server, boxes.therapist, "therapist_event")["Subject"].startswith(
        "Moved:"
    )
    # The old call's reminder and follow-up times pass quietly.
    sends_nothing(
        server,
        config,
        old_start - timedelta(hours=24) + MINUTE,
        old_end + timedelta(hours=2) + MINUTE,
    )
    assert "reminder" not in kinds(server, boxes.person)
    # The new call gets its reminder, naming the new time only.
    assert run(config, new_start - timedelta(hours=24) + MINUTE) == 0
    (reminder,) = mails(server, boxes.person, "reminder")
    text = plain(reminder)
    assert line.split(" (")[0] in text
    assert "Monday 26 October" not in text
    assert run(config, new_end + timedelta(hours=2) + MINUTE) == 0
    assert kinds(server, boxes.person).count("followup") == 1
    assert kinds(server, boxes.person).count("confirmation") == 2


def test_no_show_offers_another_time_never_the_followup(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server,
        boxes,
        config,
        own,
        "No show, they didn't pick up.",
        end_at + 15 * MINUTE,
    )
    missed = newest(server, boxes.person, "offer_again")
    assert "I'm sorry we missed each other for our call" in plain(missed)
    assert offered_lines(missed)
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    assert run(config, end_at + timedelta(days=2)) == 0
    assert "followup" not in kinds(server, boxes.person)


def test_offer_expiry_nudges_closes_and_a_late_reply_reopens(life):
    server, boxes, config = life
    offer = start(server, boxes, config)
    first = {line for _, line in offered_lines(offer)}
    expiry = T0 + timedelta(days=7)
    sends_nothing(server, config, expiry - MINUTE)
    assert run(config, expiry + MINUTE) == 0
    nudge = newest(server, boxes.person, "offer_again")
    assert "I just wanted to check in, in case my last email got lost" in plain(nudge)
    fresh = {line for _, line in offered_lines(nudge)}
    assert len(fresh) == 5
    assert not fresh & first
    assert "Thursday 22 October" not in plain(nudge)  # long gone
    # Seven more days: closed, quietly.
    sends_nothing(
        server,
        config,
        expiry + timedelta(days=7) - MINUTE,
        expiry + timedelta(days=7) + MINUTE,
        expiry + timedelta(days=7, hours=5),
    )
    assert kinds(server, boxes.person) == ["offer", "offer_again"]
    # A late "2" to the first offer: fresh times, never that stale Monday.
    late = expiry + timedelta(days=8)
    person_says(server, boxes, config, offer, "2", late)
    assert kinds(server, boxes.person) == ["offer", "offer_again", "offer_again"]
    reopened = newest(server, boxes.person, "offer_again")
    assert "Thank you for getting back to me" in plain(reopened)
    assert offered_lines(reopened)
    assert "confirmation" not in kinds(server, boxes.person)
    assert "held" not in kinds(server, boxes.person)
    assert "therapist_event" not in kinds(server, boxes.therapist)


def test_a_followup_due_at_night_waits_for_morning_in_their_zone(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO + "followup_hours_after = 12\n")
    # They write from UTC-4 (New York in October) at 05:00 their time.
    away = timezone(timedelta(hours=-4))
    offer = start(server, boxes, config, written_at=T0.astimezone(away))
    assert "your time (UTC-4)" in plain(offer)
    pick(server, boxes, config, offer)
    booked = event(newest(server, boxes.person, "confirmation"))
    start_at, end_at = call_times(booked)
    assert start_at > DST_CHANGE
    due = end_at + timedelta(hours=12)
    there = due.astimezone(away)
    assert not 8 <= there.hour < 20, "the follow-up should fall in their night"
    morning = datetime.combine(
        there.date() + timedelta(days=there.hour >= 20), datetime.min.time(), away
    ) + timedelta(hours=8)
    london_morning = datetime.combine(morning.date(), datetime.min.time(), LONDON)
    london_morning += timedelta(hours=8)
    assert london_morning < morning
    sends_nothing(
        server,
        config,
        due + MINUTE,
        london_morning + MINUTE,  # civil in London, still night for them
        morning - MINUTE,
    )
    assert "followup" not in kinds(server, boxes.person)
    assert run(config, morning + MINUTE) == 0
    followup = newest(server, boxes.person, "followup")
    assert "would you like to start working together?" in plain(followup)


def test_an_overdue_followup_is_not_sent_at_night(life):
    """The machine was off when the follow-up fell due; it wakes at 23:00."""
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    due = end_at + timedelta(hours=2)
    assert 8 <= due.astimezone(LONDON).hour < 20
    night = datetime.combine(due.astimezone(LONDON).date(), datetime.min.time(), LONDON)
    sends_nothing(server, config, night + timedelta(hours=23))
    assert "followup" not in kinds(server, boxes.person)
    assert run(config, night + timedelta(days=1, hours=8, minutes=1)) == 0
    newest(server, boxes.person, "followup")


def test_a_clock_jumping_backwards_sends_nothing_twice(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    remind_at = start_at - timedelta(hours=24)
    followup_at = end_at + timedelta(hours=2)
    assert run(config, remind_at + MINUTE) == 0
    assert kinds(server, boxes.person).count("reminder") == 1
    sends_nothing(
        server,
        config,
        T0 + timedelta(hours=2),  # back to booking day
        remind_at - timedelta(hours=1),
        remind_at + 2 * MINUTE,
    )
    assert run(config, followup_at + MINUTE) == 0
    assert kinds(server, boxes.person).count("followup") == 1
    sends_nothing(
        server,
        config,
        start_at - timedelta(hours=2),  # before the call again
        remind_at + MINUTE,
        followup_at - MINUTE,
        followup_at + 2 * MINUTE,
    )
    assert kinds(server, boxes.person) == [
        "offer",
        "confirmation",
        "reminder",
        "followup",
    ]


def test_daily_digest_lists_todays_call_once(tmp_path, mail_server, mailboxes):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO + 'digest_at = "07:00"\n')
    _confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    local = start_at.astimezone(LONDON)
    day_before = datetime.combine(
        local.date() - timedelta(days=1), datetime.min.time(), LONDON
    )
    call_day = day_before + timedelta(days=1)

    def digests(title):
        return [
            m for m in mails(server, boxes.therapist, "digest") if m["Subject"] == title
        ]

    assert run(config, day_before + timedelta(hours=7, minutes=1)) == 0
    (eve,) = digests(f"Your day: {day_before:%A} {day_before.day} {day_before:%B}")
    assert f"Calls tomorrow:\n  {local:%H:%M}  Jordan Lee, {PHONE}" in plain(eve)
    assert run(config, remind := start_at - timedelta(hours=24) + MINUTE) == 0
    assert remind.astimezone(LONDON).date() == day_before.date()
    title = f"Your day: {call_day:%A} {call_day.day} {call_day:%B}"
    assert run(config, call_day + timedelta(hours=6, minutes=59)) == 0
    assert digests(title) == []
    assert run(config, call_day + timedelta(hours=7, minutes=1)) == 0
    (today,) = digests(title)
    text = plain(today)
    assert f"Calls today:\n  {local:%H:%M}  Jordan Lee, {PHONE}" in text
    assert "times are London time" in text
    assert today["To"].addresses[0].addr_spec == boxes.therapist
    sends_nothing(
        server,
        config,
        call_day + timedelta(hours=7, minutes=30),
        call_day + timedelta(hours=8, minutes=30),
    )
    assert len(digests(title)) == 1


def test_status_shows_state_and_next_action_without_personal_details(life, capsys):
    server, boxes, config = life
    offer = start(server, boxes, config)

    def status() -> str:
        capsys.readouterr()
        assert main(["status", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        for private in ("Jordan", "Lee", boxes.person, PHONE, "07700"):
            assert private not in out
        return out

    out = status()
    assert re.search(
        r"^  enquiry \d+\s+offered\s+next: offer nudge from Tue 27 Oct 08:00 GMT$",
        out,
        re.M,
    ), out
    pick(server, boxes, config, offer)
    out = status()
    assert re.search(
        r"^  enquiry \d+\s+booked\s+next: (?:reminder from Sun 25 Oct 09:00 GMT"
        r"|followup from Mon 26 Oct 11:15 GMT)$",
        out,
        re.M,
    ), out


# -- the edges of a life ---------------------------------------------------------------


def test_a_call_being_moved_still_gets_its_reminder_and_followup(life):
    """'Can we move it?' and then nothing: the call stands, and so does its timeline."""
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    person_says(
        server, boxes, config, confirmation, "Can we move it?", T0 + timedelta(hours=3)
    )
    newest(server, boxes.person, "offer_again")
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    reminder = newest(server, boxes.person, "reminder")
    assert f"{start_at.astimezone(LONDON):%H:%M} London time" in plain(reminder)
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    newest(server, boxes.person, "followup")


def test_a_call_moved_after_its_reminder_gets_a_reminder_of_its_own(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    assert kinds(server, boxes.person).count("reminder") == 1
    asked = start_at - timedelta(hours=20)
    person_says(server, boxes, config, confirmation, "Can we move it?", asked)
    again = newest(server, boxes.person, "offer_again")
    number, line = offered_lines(again)[-1]
    person_says(server, boxes, config, again, number, asked + timedelta(minutes=5))
    moved = event(newest(server, boxes.person, "confirmation"))
    assert str(moved["UID"]) == str(booked["UID"])
    new_start, _new_end = call_times(moved)
    assert new_start - asked > timedelta(hours=25)
    assert run(config, new_start - timedelta(hours=24) + MINUTE) == 0
    reminders = mails(server, boxes.person, "reminder")
    assert len(reminders) == 2
    assert line.split(" (")[0] in plain(reminders[-1])


def test_rebooking_after_a_cancellation_is_a_new_event_with_its_reminder(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    at = T0 + timedelta(hours=3)
    person_says(server, boxes, config, confirmation, "I need to cancel, sorry.", at)
    cancelled = newest(server, boxes.person, "cancelled")
    person_says(
        server,
        boxes,
        config,
        cancelled,
        "Actually, none of those work now, could we find another time?",
        at + timedelta(hours=1),
    )
    reopened = newest(server, boxes.person, "offer_again")
    assert "Thank you for getting back to me" in plain(reopened)
    number, _line = offered_lines(reopened)[-1]
    person_says(server, boxes, config, reopened, number, at + timedelta(hours=2))
    second = event(newest(server, boxes.person, "confirmation"))
    # A new event: calendars never revive a cancelled UID.
    assert str(second["UID"]) != str(booked["UID"])
    assert int(second["SEQUENCE"]) == 0
    new_start, _end = call_times(second)
    assert run(config, new_start - timedelta(hours=24) + MINUTE) == 0
    (reminder,) = mails(server, boxes.person, "reminder")
    assert f"{new_start.astimezone(LONDON):%H:%M} London time" in plain(reminder)


def test_a_thank_you_after_cancelling_gets_no_fresh_times(life, caplog):
    server, boxes, config = life
    confirmation, _booked = book(server, boxes, config)
    at = T0 + timedelta(hours=3)
    person_says(server, boxes, config, confirmation, "I need to cancel, sorry.", at)
    cancelled = newest(server, boxes.person, "cancelled")
    before = len(server.smtp_log)
    caplog.set_level("INFO", logger="mailflow")
    person_says(
        server,
        boxes,
        config,
        cancelled,
        "Thank you, all the best.",
        at + timedelta(hours=1),
    )
    assert len(server.smtp_log) == before
    # One log line says what happened, by number; nothing personal.
    assert re.search(r"uid \d+: enquiry \d+, reply-after-close", caplog.text)
    assert boxes.person not in caplog.text
    assert "all the best" not in caplog.text


def test_cancelling_after_the_start_is_a_missed_call_never_thanked(life):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    before = kinds(server, boxes.person)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "So sorry, I have to cancel, something came up.",
        start_at + 5 * MINUTE,
    )
    alert = newest(server, boxes.therapist, "therapist_alert")
    assert "after its start time" in plain(alert)
    sends_nothing(server, config, end_at + timedelta(hours=2) + MINUTE)
    assert kinds(server, boxes.person) == before
    assert "followup" not in kinds(server, boxes.person)


def test_a_followup_answered_weeks_late_still_reaches_the_therapist(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    followup_at = end_at + timedelta(hours=2) + MINUTE
    assert run(config, followup_at) == 0
    followup = newest(server, boxes.person, "followup")
    assert run(config, followup_at + timedelta(days=3, minutes=1)) == 0
    assert run(config, followup_at + timedelta(days=6, minutes=2)) == 0  # closed
    late = followup_at + timedelta(days=25)
    person_says(server, boxes, config, followup, "Yes please, I'd like to start.", late)
    assert "That's lovely to hear" in plain(
        newest(server, boxes.person, "after_answer")
    )
    note = newest(server, boxes.therapist, "followup_answer")
    assert note["Subject"] == "Jordan Lee would like to start"


def test_a_decline_attached_as_an_octet_stream_still_cancels(life):
    """Some clients attach the reply as application/octet-stream named .ics."""
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    raw = calendar_reply(
        organizer=boxes.practice,
        attendee=boxes.person,
        partstat="DECLINED",
        uid=str(booked["UID"]),
        sent_at=T0 + timedelta(hours=3),
    ).replace(
        b'Content-Type: text/calendar; method="REPLY"',
        b"Content-Type: application/octet-stream",
    )
    assert b"application/octet-stream" in raw
    server.deliver(raw, boxes.practice)
    assert run(config, T0 + timedelta(hours=3)) == 0
    notice = newest(server, boxes.therapist, "cancel_notice")
    assert "declined the invitation" in plain(notice)
    sends_nothing(server, config, start_at - timedelta(hours=24) + MINUTE)


def test_a_declined_copy_of_the_therapists_event_cancels_nothing(life):
    """Only this booking's UID counts: the therapist's own copy has another."""
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    own = event(newest(server, boxes.therapist, "therapist_event"))
    assert str(own["UID"]) != str(booked["UID"])
    server.deliver(
        calendar_reply(
            organizer=boxes.practice,
            attendee=boxes.person,
            partstat="DECLINED",
            uid=str(own["UID"]),
            sent_at=T0 + timedelta(hours=3),
        ),
        boxes.practice,
    )
    assert run(config, T0 + timedelta(hours=3)) == 0
    assert "cancel_notice" not in kinds(server, boxes.therapist)
    assert run(config, start_at - timedelta(hours=24) + MINUTE) == 0
    newest(server, boxes.person, "reminder")


def _booked_without_a_number(server, boxes, config):
    """Jordan asks, picks, is booked: the confirmation asks for a number."""
    server.deliver(
        request(
            sender=f"Jordan Lee <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free 15 minute call please.",
            sent_at=T0,
        ),
        boxes.practice,
    )
    assert run(config, T0) == 0
    pick(server, boxes, config, newest(server, boxes.person, "offer"))
    confirmation = newest(server, boxes.person, "confirmation")
    assert "I don't have a phone number for you yet" in plain(confirmation)
    return confirmation


def test_a_number_sent_after_booking_updates_both_invitations(life):
    server, boxes, config = life
    confirmation = _booked_without_a_number(server, boxes, config)
    booked = event(confirmation)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"Thanks! My number is {PHONE}.",
        T0 + timedelta(hours=2),
    )
    update = newest(server, boxes.person, "confirmation")
    assert f"Thank you for your number. I'll ring you on {PHONE}" in plain(update)
    assert calendar_part(update).get_param("method") == "REQUEST"
    changed = event(update)
    assert str(changed["UID"]) == str(booked["UID"])
    assert int(changed["SEQUENCE"]) == 1
    assert changed.decoded("DTSTART") == booked.decoded("DTSTART")
    assert PHONE in str(changed["DESCRIPTION"])
    own = newest(server, boxes.therapist, "therapist_event")
    assert own["Subject"].startswith("Updated:")
    assert PHONE in plain(own)
    # Saying it again changes nothing.
    before = len(server.smtp_log)
    person_says(server, boxes, config, update, f"It's {PHONE}", T0 + timedelta(hours=3))
    assert len(server.smtp_log) == before


@pytest.mark.parametrize("late", [timedelta(0), 10 * MINUTE])
def test_a_number_sent_once_the_calls_time_has_come_gets_no_confirmation(life, late):
    """Booked with no number; the call's time comes; the number arrives:
    remembered, and no "I'll ring you on ... on <a time already gone>" to the
    person; the therapist's event is updated with it (late or waiting, they
    may still ring). "Sorry, I never sent my number" is read as unclear about
    a booked call: the therapist is also told to read the reply."""
    server, boxes, config = life
    confirmation = _booked_without_a_number(server, boxes, config)
    start_at, _end = call_times(event(confirmation))
    to_person = kinds(server, boxes.person)
    to_therapist = kinds(server, boxes.therapist)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"Sorry, I never sent my number. It's {PHONE}.",
        start_at + late,
    )
    assert kinds(server, boxes.person) == to_person
    new = kinds(server, boxes.therapist)[len(to_therapist) :]
    assert sorted(new) == ["therapist_alert", "therapist_event"]
    alert = " ".join(plain(newest(server, boxes.therapist, "therapist_alert")).split())
    assert "please read their reply in the inbox" in alert
    updated = newest(server, boxes.therapist, "therapist_event")
    assert "07700 900123" in plain(updated)
    assert _phone_kept(config) == "+447700900123"


def _phone_kept(config) -> str | None:
    import tomllib

    from mailflow.shell.store import Store

    path = tomllib.loads(config.read_text())["storage"]["database"]
    with Store.open(path) as store:
        (enquiry,) = store.enquiries()
        return enquiry.phone


def test_a_no_show_reported_after_the_followup_still_counts(life):
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    followup_at = end_at + timedelta(hours=2) + MINUTE
    assert run(config, followup_at) == 0
    newest(server, boxes.person, "followup")
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server, boxes, config, own, "No show, sorry.", followup_at + timedelta(hours=1)
    )
    missed = newest(server, boxes.person, "offer_again")
    assert "I'm sorry we missed each other for our call" in plain(missed)
    sends_nothing(server, config, followup_at + timedelta(days=3, minutes=5))
    assert "followup_nudge" not in kinds(server, boxes.person)


def test_a_reminder_waiting_in_the_outbox_is_dropped_when_the_call_is_cancelled(
    life,
):
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    remind_at = start_at - timedelta(hours=24) + MINUTE
    server.smtp_down()
    try:
        assert run(config, remind_at) == 3  # decided and queued, not sent
    finally:
        server.smtp_up()
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "I need to cancel, sorry.",
        remind_at + MINUTE,
    )
    assert kinds(server, boxes.person) == ["offer", "confirmation", "cancelled"]


def test_a_reopened_offer_gets_its_own_nudge(life):
    server, boxes, config = life
    offer = start(server, boxes, config)
    expiry = T0 + timedelta(days=7)
    assert run(config, expiry + MINUTE) == 0  # first nudge
    assert run(config, expiry + timedelta(days=7, minutes=2)) == 0  # closed
    late = expiry + timedelta(days=8)
    person_says(server, boxes, config, offer, "none of these work, sorry", late)
    assert kinds(server, boxes.person) == ["offer", "offer_again", "offer_again"]
    assert run(config, late + timedelta(days=7, minutes=1)) == 0  # silent again
    assert kinds(server, boxes.person) == [
        "offer",
        "offer_again",
        "offer_again",
        "offer_again",
    ]
    nudge = newest(server, boxes.person, "offer_again")
    assert "I just wanted to check in" in plain(nudge)


def test_a_call_booked_inside_the_reminder_window_gets_no_reminder(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path, server, boxes, AUTO + "reminder_hours_before = 168\n"
    )
    _confirmation, booked = book(server, boxes, config)
    start_at, end_at = call_times(booked)
    assert start_at - (T0 + timedelta(hours=1)) < timedelta(hours=168)
    sends_nothing(
        server, config, start_at - timedelta(hours=24), start_at - timedelta(hours=1)
    )
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    assert kinds(server, boxes.person) == ["offer", "confirmation", "followup"]


def test_a_number_written_under_an_older_list_gets_a_question_not_a_guess(life):
    server, boxes, config = life
    offer = start(server, boxes, config)
    expiry = T0 + timedelta(days=7)
    assert run(config, expiry + MINUTE) == 0
    nudge = newest(server, boxes.person, "offer_again")
    assert offered_lines(nudge) != offered_lines(offer)
    person_says(server, boxes, config, offer, "2", expiry + timedelta(hours=1))
    question = newest(server, boxes.person, "clarify")
    assert "confirmation" not in kinds(server, boxes.person)
    number, line = offered_lines(question)[1]
    assert offered_lines(question) == offered_lines(nudge)
    person_says(server, boxes, config, question, number, expiry + timedelta(hours=2))
    booked = newest(server, boxes.person, "confirmation")
    assert line.split(" (")[0] in plain(booked)


def test_a_number_under_the_current_offer_after_a_question_still_books(life):
    server, boxes, config = life
    offer = start(server, boxes, config)
    person_says(server, boxes, config, offer, "2 or 3", T0 + timedelta(hours=1))
    newest(server, boxes.person, "clarify")
    number, line = offered_lines(offer)[1]
    person_says(server, boxes, config, offer, number, T0 + timedelta(hours=2))
    booked = newest(server, boxes.person, "confirmation")
    assert line.split(" (")[0] in plain(booked)


def test_times_across_their_clock_change_are_not_shown_in_an_offset_that_will_be_wrong(
    tmp_path, mail_server, mailboxes
):
    """Dovecot + SMTP: someone writes from UTC-4 on Monday 26 October (New
    York's clocks go back on 1 November; Puerto Rico's never do). A time
    before the change is shown in their time too; one after it only in the
    practice's, since "UTC-4" would then be an hour wrong in New York
    (`writing/seen_offset`)."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO)
    away = timezone(timedelta(hours=-4))
    written = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON).astimezone(away)
    offer = start(server, boxes, config, at=written.astimezone(UTC), written_at=written)
    text = plain(offer)
    blocks = re.split(r"^  \d\. ", text, flags=re.M)[1:]
    assert blocks
    before = [b for b in blocks if re.match(r"\w+day \d+ October", b)]
    after = [b for b in blocks if re.match(r"\w+day \d+ November", b)]
    assert after, text
    assert all("your time" not in b.split("\n\n")[0] for b in after)
    assert before, text
    assert all("your time (UTC-4)" in b for b in before)


def test_an_hour_read_in_an_offset_that_may_no_longer_hold_is_asked_not_booked(
    tmp_path, mail_server, mailboxes
):
    """Dovecot + SMTP: someone writes from UTC-4 on 26 October and is offered
    November times in London time only. They answer with a time as UTC-4
    reads it; by November that may not be their clock (New York's is UTC-5),
    so the hour names no slot: they are asked which they meant, nothing is
    booked. The number they were shown still books."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO)
    away = timezone(timedelta(hours=-4))
    written = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON).astimezone(away)
    offer = start(server, boxes, config, at=written.astimezone(UTC), written_at=written)
    lines = offered_lines(offer)
    number, line = next((n, t) for n, t in lines if " November" in t)
    found = re.search(r"(\w+day) (\d+) November\D+?(\d{1,2}):(\d{2})", line)
    assert found, line
    weekday, day, hour, minute = found.groups()
    there = datetime(2026, 11, int(day), int(hour), int(minute), tzinfo=LONDON)
    stale = there.astimezone(away)  # what "UTC-4" would make of the slot
    said = f"{weekday} at {stale:%-I:%M%p} please".replace(":00", "").lower()
    at = written.astimezone(UTC) + timedelta(hours=2)
    person_says(server, boxes, config, offer, said, at)
    assert "confirmation" not in kinds(server, boxes.person), said
    question = newest(server, boxes.person, "clarify")
    person_says(server, boxes, config, question, number, at + timedelta(hours=1))
    booked = newest(server, boxes.person, "confirmation")
    assert line.split(" (")[0] in plain(booked)


def test_an_offset_is_judged_from_when_their_mail_was_written_not_read(
    tmp_path, mail_server, mailboxes
):
    """Dovecot + SMTP: someone in Paris writes on Saturday 24 October
    (+0200); mailflow reads it on Monday 26th, after Europe's clocks went
    back. On the 26th +0200 is Athens' or Johannesburg's all winter, but
    when they wrote it was Paris' too, an hour off by November: a November
    hour in +0200 is asked about, never booked (a review's reproducer)."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO)
    paris_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 10, 24, 21, 0, tzinfo=paris_summer)
    read = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    offer = start(server, boxes, config, at=read, written_at=written)
    _number, line = next((n, t) for n, t in offered_lines(offer) if " November" in t)
    assert "your time" not in line
    found = re.search(r"(\w+day) (\d+) November\D+?(\d{1,2}):(\d{2})", line)
    assert found, line
    weekday, day, hour, minute = found.groups()
    there = datetime(2026, 11, int(day), int(hour), int(minute), tzinfo=LONDON)
    stale = there.astimezone(paris_summer)
    said = f"{weekday} at {stale:%-I:%M%p} please".replace(":00", "").lower()
    person_says(server, boxes, config, offer, said, read + timedelta(hours=2))
    assert "confirmation" not in kinds(server, boxes.person), said
    newest(server, boxes.person, "clarify")


# -- a thread mailflow starts, and an address that bounced (stop 53) -------------


def test_times_released_after_a_safety_letter_thread_on_it(life):
    """A mail with no subject read first by the therapist: its safety letter
    reaches them titled "Thank you for writing" (no call is in it), and the
    times the therapist's "offer" releases answer under it, threaded on it."""
    server, boxes, config = life
    server.deliver(
        request(
            sender=f"Robyn <{boxes.person}>",
            to=boxes.practice,
            subject="",
            body="hi sorry to bother you. its been a really bad week and last night"
            " was the worst its been. i dont really know why im writing tbh. maybe"
            " you could call me sometime",
        ),
        boxes.practice,
    )
    assert run(config, T0) == 0
    safety = newest(server, boxes.person, "safety")
    assert safety["Subject"] == "Thank you for writing"
    note = newest(server, boxes.therapist, "unsure_note")
    server.deliver(
        answer(
            note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", quote=False
        ),
        boxes.practice,
    )
    assert run(config, T0 + timedelta(hours=1)) == 0
    offer = newest(server, boxes.person, "offer")
    assert offer["Subject"] == "Re: Thank you for writing"
    assert offer["In-Reply-To"] == safety["Message-ID"]


def test_a_crisis_from_an_address_that_bounced_gets_its_safety_message(life):
    """Withdrawn, then a letter to them bounced (a full mailbox), then they
    write from it in crisis: the safety message reaches their mailbox, as the
    therapist's alert says, instead of being dropped as bounced."""
    from mailflow.config import load_settings
    from mailflow.shell.store import Store

    server, boxes, config = life
    offer = start(server, boxes, config)
    server.deliver(
        answer(
            offer, sender=f"Jordan Lee <{boxes.person}>", body="Please cancel, sorry."
        ),
        boxes.practice,
    )
    assert run(config, T0 + timedelta(hours=1)) == 0
    withdrawn = mails(server, boxes.person)[-1]
    with Store.open(load_settings(config).storage.database) as store:
        store.mark_undeliverable(boxes.person, T0 + timedelta(hours=1))
    server.deliver(
        answer(
            withdrawn,
            sender=f"Jordan Lee <{boxes.person}>",
            body="I want to kill myself tonight.",
        ),
        boxes.practice,
    )
    assert run(config, T0 + timedelta(hours=2)) == 0
    assert "safety" in kinds(server, boxes.person)
    assert "crisis_alert" in kinds(server, boxes.therapist)
