"""Pick, approve by reply, invitation: whole conversations on real Dovecot + SMTP."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid

import icalendar
import pytest
import vobject
from support import NOW, answer, plain, request, run, write_config


def newest(server, user, kind=None):
    """The last mail in `user`'s INBOX (optionally of one mailflow kind)."""
    mails = [m.message() for m in server.messages(user)]
    if kind is not None:
        mails = [m for m in mails if m["X-Mailflow"] == kind]
    assert mails, f"no {kind or 'mail'} for {user}"
    return mails[-1]


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def start(server, boxes, config, *, body=None, at=NOW):
    raw = request(
        sender=f"Jordan Lee <{boxes.person}>",
        to=boxes.practice,
        body=body
        or "Hello, I'd like to book the free 15 minute call. My number is 07700 900123.",
        sent_at=at,
    )
    server.deliver(raw, boxes.practice)
    assert run(config, at) == 0
    return newest(server, boxes.person, "offer")


def offered_lines(offer) -> list[str]:
    return re.findall(r"^  (\d)\. (.+)$", plain(offer), re.M)


def pick(server, boxes, config, offer, body="2", at=NOW + timedelta(hours=1)):
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0


def therapist_says(
    server, boxes, config, body, at=NOW + timedelta(hours=2), headers=None, sender=None
):
    approval = newest(server, boxes.therapist, "approval_request")
    raw = answer(
        approval,
        sender=sender or f"Sam Rivera <{boxes.therapist}>",
        body=body,
        sent_at=at,
        headers=headers,
    )
    server.deliver(raw, boxes.practice)
    assert run(config, at) == 0
    return approval


PRIVATE = "since my divorce I have been struggling with panic attacks"


def calendar_parts(message) -> list[bytes]:
    """Every calendar a mail carries, inline or attached, decoded."""
    return [
        p.get_payload(decode=True)
        for p in message.walk()
        if p.get_content_type() in {"text/calendar", "application/ics"}
    ]


def test_pick_then_approve_sends_a_working_invitation(stack):
    server, boxes, config = stack
    offer = start(
        server,
        boxes,
        config,
        body=f"Hello, I'd like to book the free 15 minute call.\n\nTo be honest {PRIVATE}."
        " My number is 07700 900123.",
    )
    _number, chosen = offered_lines(offer)[1]
    pick(server, boxes, config, offer, body="Number 2 please, thank you!")

    held = newest(server, boxes.person, "held")
    assert held["In-Reply-To"] is not None
    assert chosen.split(" (")[0] in plain(held)
    assert "confirm it shortly" in plain(held)
    approval = newest(server, boxes.therapist, "approval_request")
    text = plain(approval)
    assert "Jordan Lee would like a free 15-minute call" in text
    assert "07700 900123" in text
    assert "> Hello, I'd like to book the free 15 minute call." in text
    assert re.search(r"\[ref [0-9a-f]{16}\]", approval["Subject"])

    therapist_says(server, boxes, config, "Yes, lovely.")

    confirmation = newest(server, boxes.person, "confirmation")
    assert "That's booked" in plain(confirmation)
    assert "07700 900123" in plain(confirmation)
    parts = [
        (p.get_content_type(), p.get_param("method"), p.get("Content-Disposition"))
        for p in confirmation.walk()
    ]
    assert parts == [
        ("multipart/mixed", None, None),
        ("multipart/alternative", None, None),
        ("text/plain", None, None),
        ("text/html", None, None),
        ("text/calendar", "REQUEST", None),
        ("application/ics", None, 'attachment; filename="invite.ics"'),
    ]
    inline = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    )
    ics = inline.get_payload(decode=True)
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert icalendar.Calendar.from_ical(ics)["METHOD"] == "REQUEST"
    assert str(event["ORGANIZER"]) == f"mailto:{boxes.practice}"
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{boxes.person}"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "07700 900123" in str(event["DESCRIPTION"])
    # The attachment is the same calendar; neither carries what they wrote.
    inline_ics, attached_ics = calendar_parts(confirmation)
    assert inline_ics == attached_ics
    for blob in (inline_ics, attached_ics):
        assert b"panic" not in blob.lower()
        assert b"divorce" not in blob.lower()
        second = vobject.readOne(blob.decode())
        assert second.vevent.uid.value == str(event["UID"])
        assert second.vevent.dtstart.value == event.decoded("DTSTART")
        assert second.method.value == "REQUEST"
    # The therapist gets their own event with the phone number.
    own = newest(server, boxes.therapist, "therapist_event")
    own_ics = next(
        p for p in own.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    assert b"07700 900123" in own_ics
    assert icalendar.Calendar.from_ical(own_ics)["METHOD"] == "PUBLISH"
    assert b"panic" not in own_ics.lower()
    assert vobject.readOne(own_ics.decode()).vevent.uid.value != str(event["UID"])


def test_an_approval_hours_later_books_a_time_now_inside_the_notice(stack):
    """The first offered time may fall within min_notice_hours by the time the
    therapist answers; it was offered and held, so it is still theirs."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    number, first = offered_lines(offer)[0]
    pick(server, boxes, config, offer, body=number)
    held = newest(server, boxes.person, "held")
    assert first.split(" (")[0] in plain(held)
    therapist_says(server, boxes, config, "yes", at=NOW + timedelta(hours=12))
    confirmation = newest(server, boxes.person, "confirmation")
    assert first.split(" (")[0] in plain(confirmation)
    start_at = (
        icalendar.Calendar.from_ical(calendar_parts(confirmation)[0])
        .walk("VEVENT")[0]
        .decoded("DTSTART")
    )
    assert start_at - (NOW + timedelta(hours=12)) < timedelta(hours=24)


def test_decline_with_note_offers_fresh_times(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    held = plain(newest(server, boxes.person, "held"))
    therapist_says(server, boxes, config, "No, sorry, I'm at a training that morning.")
    again = newest(server, boxes.person, "offer_again")
    text = plain(again)
    assert "I'm at a training that morning" in text
    assert len(offered_lines(again)) == 5
    # The declined time is never offered again.
    for _number, line in offered_lines(again):
        assert line.split(" (")[0] not in held


def test_therapist_proposes_another_time_and_a_yes_books_it(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    # Friday is outside the practice's hours: said knowingly, so offered.
    therapist_says(
        server,
        boxes,
        config,
        "Could we do Friday at 4 instead? Outside my usual hours, I know.",
    )
    proposal = newest(server, boxes.person, "offer_again")
    assert offered_lines(proposal) == []  # one time is a question, not a list
    assert "Could I ring you on Friday 27 November at 16:00 London time" in plain(
        proposal
    )
    server.deliver(
        answer(
            proposal,
            sender=boxes.person,
            body="Yes, that works",
            sent_at=NOW + timedelta(hours=3),
        ),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=3)) == 0
    confirmation = newest(server, boxes.person, "confirmation")
    assert "Friday 27 November at 16:00" in plain(confirmation)


def test_none_of_these_gets_fresh_times(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    first = {line for _, line in offered_lines(offer)}
    pick(
        server,
        boxes,
        config,
        offer,
        body="None of those work for me, sorry. Afternoons are better.",
    )
    again = newest(server, boxes.person, "offer_again")
    fresh = {line for _, line in offered_lines(again)}
    assert fresh
    assert not fresh & first
    assert all(int(line.split(" at ")[1][:2]) >= 12 for line in fresh)


def test_unclear_reply_gets_one_question(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer, body="2 or 3 would be fine")
    clarify = newest(server, boxes.person, "clarify")
    assert "rather check than guess" in plain(clarify)
    assert server.messages(boxes.therapist) == []


def test_auto_approval_confirms_at_once(tmp_path, mail_server, mailboxes):
    config = write_config(
        tmp_path, mail_server, mailboxes, '[workflow]\napproval = "auto"\n'
    )
    offer = start(mail_server, mailboxes, config)
    pick(mail_server, mailboxes, config, offer)
    newest(mail_server, mailboxes.person, "confirmation")
    assert [
        m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.therapist)
    ] == ["therapist_event"]


def test_two_people_picking_the_same_time(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    other = f"casey-{mailboxes.person}"
    for sender in (mailboxes.person, other):
        mail_server.deliver(
            request(sender=sender, to=mailboxes.practice), mailboxes.practice
        )
    assert run(config) == 0
    offers = {
        who: newest(mail_server, who, "offer") for who in (mailboxes.person, other)
    }
    first_slot = offered_lines(offers[mailboxes.person])[0][1]
    assert offered_lines(offers[other])[0][1] == first_slot
    for who in (mailboxes.person, other):
        mail_server.deliver(
            answer(offers[who], sender=who, body="1"), mailboxes.practice
        )
    assert run(config, NOW + timedelta(hours=1)) == 0
    assert newest(mail_server, mailboxes.person, "held")
    taken = newest(mail_server, other, "offer_again")
    assert "no longer free" in plain(taken)
    assert first_slot not in {line for _, line in offered_lines(taken)}
    assert (
        len(
            [
                m
                for m in mail_server.messages(mailboxes.therapist)
                if m.message()["X-Mailflow"] == "approval_request"
            ]
        )
        == 1
    )


@pytest.mark.parametrize(
    ("sender", "headers", "strip_thread"),
    [
        ("someone@elsewhere.example", None, False),
        (
            None,
            {
                "Authentication-Results": "mx.riverside.example; dkim=fail header.d=riverside.example; dmarc=fail header.from=riverside.example"
            },
            False,
        ),
        (None, None, True),
    ],
    ids=["wrong-sender", "dkim-fail", "no-token"],
)
def test_inauthentic_approvals_never_act(stack, sender, headers, strip_thread):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    raw = answer(
        approval,
        sender=sender or boxes.therapist,
        body="yes",
        headers=headers,
        sent_at=NOW + timedelta(hours=2),
    )
    if strip_thread:
        forged = email.message_from_bytes(raw, policy=default_policy)
        del forged["In-Reply-To"]
        del forged["References"]
        forged.replace_header("Subject", "Re: Please approve")
        raw = forged.as_bytes()
    before = len(server.smtp_log)
    server.deliver(raw, boxes.practice)
    assert run(config, NOW + timedelta(hours=2)) == 0
    sent = server.smtp_log[before:]
    if headers is None:
        assert sent == []
    else:
        # The token with a failing sender: the therapist hears, in one line (#14).
        (told,) = sent
        assert told.rcpt_tos == (boxes.therapist,)
        assert b"X-Mailflow: therapist_alert" in told.data
    assert not [
        m
        for m in server.messages(boxes.person)
        if m.message()["X-Mailflow"] == "confirmation"
    ]


def test_solo_practitioner_approves_from_the_practice_inbox(
    tmp_path, mail_server, mailboxes
):
    from dataclasses import replace

    solo = replace(mailboxes, therapist=mailboxes.practice)
    config = write_config(tmp_path, mail_server, solo)
    offer = start(mail_server, solo, config)
    pick(mail_server, solo, config, offer)
    approval = newest(mail_server, solo.practice, "approval_request")
    mail_server.deliver(
        answer(approval, sender=solo.practice, body="approve"), solo.practice
    )
    assert run(config, NOW + timedelta(hours=2)) == 0
    newest(mail_server, solo.person, "confirmation")


def calendar_reply(
    invite, *, attendee, partstat, uid, sequence=0, method_param=True
) -> bytes:
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        "METHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSEQUENCE:{sequence}\r\nDTSTAMP:20261125T120000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat};CN=Jordan Lee:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = invite["From"]
    message["Subject"] = f"{partstat.title()}: Free 15-minute call"
    message["Date"] = format_datetime(NOW + timedelta(hours=3))
    message["Message-ID"] = make_msgid(domain="calendar.example")
    message.set_content(f"Jordan Lee has {partstat.lower()} this invitation.")
    params = {"method": "REPLY"} if method_param else {}
    message.add_attachment(
        ics.encode(),
        maintype="text",
        subtype="calendar",
        params=params,
        filename="invite.ics",
    )
    return message.as_bytes()


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED"])
def test_calendar_replies_are_recorded_never_answered(stack, partstat):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    therapist_says(server, boxes, config, "yes")
    confirmation = newest(server, boxes.person, "confirmation")
    ics = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    uid = str(icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]["UID"])
    before_person = len(server.messages(boxes.person))
    before_therapist = len(server.messages(boxes.therapist))
    server.deliver(
        calendar_reply(
            confirmation,
            attendee=boxes.person,
            partstat=partstat,
            uid=uid,
            method_param=False,
        ),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=3)) == 0
    assert len(server.messages(boxes.person)) == before_person
    alerts = server.messages(boxes.therapist)[before_therapist:]
    if partstat == "DECLINED":
        (alert,) = alerts
        assert "declined the invitation" in plain(alert.message())
    else:
        assert alerts == []


def counter_mail(invite, *, attendee, uid, start, sequence=0) -> bytes:
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
        "VERSION:2.0\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSEQUENCE:{sequence}\r\nDTSTAMP:20261125T120000Z\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{start + timedelta(minutes=30):%Y%m%dT%H%M%SZ}\r\n"
        f"ATTENDEE;PARTSTAT=TENTATIVE:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = invite["From"]
    message["Subject"] = "New Time Proposed: Free 15-minute call"
    message["Date"] = format_datetime(NOW + timedelta(hours=3))
    message["Message-ID"] = make_msgid(domain="outlook.example")
    message.set_content("I'd like to propose a new time.")
    message.add_alternative(
        ics.encode(), maintype="text", subtype="calendar", params={"method": "COUNTER"}
    )
    return message.as_bytes()


def booked_invite(server, boxes, config):
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    therapist_says(server, boxes, config, "yes")
    confirmation = newest(server, boxes.person, "confirmation")
    ics = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    return confirmation, icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]


@pytest.mark.parametrize("answer_text", ["Yes", "No, sorry, that day is full."])
def test_calendar_counter_goes_to_the_therapist_and_never_applies_itself(
    stack, answer_text
):
    from datetime import UTC, datetime

    server, boxes, config = stack
    confirmation, event = booked_invite(server, boxes, config)
    proposed = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    server.deliver(
        counter_mail(
            confirmation, attendee=boxes.person, uid=str(event["UID"]), start=proposed
        ),
        boxes.practice,
    )
    before = len(server.messages(boxes.person))
    assert run(config, NOW + timedelta(hours=3)) == 0
    assert len(server.messages(boxes.person)) == before  # nothing applied by itself
    move = newest(server, boxes.therapist, "move_request")
    assert "Tuesday 8 December at 10:00" in plain(move)
    server.deliver(
        answer(
            move,
            sender=boxes.therapist,
            body=answer_text,
            sent_at=NOW + timedelta(hours=4),
        ),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=4)) == 0
    if answer_text == "Yes":
        update = newest(server, boxes.person, "confirmation")
        assert "I've moved our call" in plain(update)
        ics = next(
            p for p in update.walk() if p.get_content_type() == "text/calendar"
        ).get_payload(decode=True)
        moved = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
        assert str(moved["UID"]) == str(event["UID"])
        assert int(moved["SEQUENCE"]) == 1
        assert moved.decoded("DTSTART") == proposed
        assert vobject.readOne(ics.decode()).vevent.sequence.value == "1"
        assert newest(server, boxes.therapist, "therapist_event")["Subject"].startswith(
            "Moved:"
        )
    else:
        kept = newest(server, boxes.person, "kept")
        assert "that day is full" in plain(kept)
        assert "stays on" in plain(kept)


def test_approval_arriving_twice_books_once(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = therapist_says(server, boxes, config, "yes")
    count = len(server.smtp_log)
    again = answer(
        approval, sender=boxes.therapist, body="Yes!", sent_at=NOW + timedelta(hours=5)
    )
    server.deliver(again, boxes.practice)
    assert run(config, NOW + timedelta(hours=5)) == 0
    assert len(server.smtp_log) == count
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.person)]
    assert kinds.count("confirmation") == 1


def test_forwarded_approval_answered_by_someone_else_never_acts(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    count = len(server.smtp_log)
    # The therapist forwards it; the colleague answers in the same thread.
    raw = answer(
        approval,
        sender="colleague@riverside.example",
        body="yes",
        sent_at=NOW + timedelta(hours=2),
    )
    server.deliver(raw, boxes.practice)
    assert run(config, NOW + timedelta(hours=2)) == 0
    assert len(server.smtp_log) == count


@pytest.mark.parametrize(
    "body",
    ["", "\n\n", "Sent from my iPhone"],
    ids=["empty", "blank", "signature-only"],
)
def test_empty_or_quote_only_replies_do_nothing(stack, body):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    count = len(server.smtp_log)
    pick(server, boxes, config, offer, body=body)
    assert len(server.smtp_log) == count


def test_a_hostile_calendar_reply_is_left_alone(stack):
    server, boxes, config = stack
    _confirmation, event = booked_invite(server, boxes, config)
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VTIMEZONE\r\nTZID:Broken\r\n"
        "END:VTIMEZONE\r\nBEGIN:VEVENT\r\n"
        f"UID:{event['UID']}\r\nSEQUENCE:99999999999999999999\r\n"
        "RRULE:FREQ=SECONDLY;COUNT=999999999\r\nDTSTART;TZID=Broken:20261201T100000\r\n"
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = boxes.person
    message["To"] = boxes.practice
    message["Subject"] = "Declined"
    message["Date"] = format_datetime(NOW + timedelta(hours=3))
    message["Message-ID"] = make_msgid(domain="x.example")
    message.set_content("declined")
    message.add_attachment(
        ics.encode(), maintype="text", subtype="calendar", params={"method": "REPLY"}
    )
    count = len(server.smtp_log)
    server.deliver(message.as_bytes(), boxes.practice)
    assert run(config, NOW + timedelta(hours=3)) == 0
    assert len(server.smtp_log) == count


def test_a_pick_the_therapist_never_answers_is_reminded_then_let_go(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    picked_at = NOW + timedelta(hours=1)
    pick(server, boxes, config, offer, at=picked_at)
    newest(server, boxes.person, "held")
    assert run(config, picked_at + timedelta(hours=47)) == 0
    assert [
        m
        for m in server.messages(boxes.therapist)
        if m.message()["X-Mailflow"] == "approval_again"
    ] == []
    assert run(config, picked_at + timedelta(hours=48, minutes=1)) == 0
    reminder = newest(server, boxes.therapist, "approval_again")
    assert "is still waiting to hear about their call" in plain(reminder)
    assert re.search(r"\[ref [0-9a-f]{16}\]", reminder["Subject"])
    assert run(config, picked_at + timedelta(hours=49)) == 0  # once only
    assert (
        len(
            [
                m
                for m in server.messages(boxes.therapist)
                if m.message()["X-Mailflow"] == "approval_again"
            ]
        )
        == 1
    )
    assert run(config, picked_at + timedelta(hours=96, minutes=2)) == 0
    again = newest(server, boxes.person, "offer_again")
    assert "I'm so sorry I haven't been able to confirm the time you chose" in plain(
        again
    )
    assert offered_lines(again)
    # A late "yes" now changes nothing: the hold is gone.
    before = len(server.smtp_log)
    therapist_says(server, boxes, config, "yes", at=picked_at + timedelta(hours=97))
    assert "confirmation" not in [
        m.message()["X-Mailflow"] for m in server.messages(boxes.person)
    ]
    assert len(server.smtp_log) == before


def test_a_pick_waiting_for_approval_keeps_its_time_from_others(stack):
    """Past hold_hours the therapist is reminded, but the time stays held: a new
    request is not offered it until the hold is let go."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    number, line = offered_lines(offer)[0]
    pick(server, boxes, config, offer, body=number)
    other = f"casey-{boxes.person}"
    later = NOW + timedelta(hours=50)
    server.deliver(
        request(sender=other, to=boxes.practice, sent_at=later), boxes.practice
    )
    assert run(config, later) == 0
    offered = {text for _n, text in offered_lines(newest(server, other, "offer"))}
    held_time = line.split(" (")[0]
    assert held_time not in {text.split(" (")[0] for text in offered}


def test_the_daily_call_limit_holds_when_two_people_pick_the_same_day(
    tmp_path, mail_server, mailboxes
):
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        '[workflow]\napproval = "auto"\n[availability]\nmax_calls_per_day = 1\n'
        'hours = { thu = ["13:00-18:00"] }\n',
    )
    other = f"casey-{mailboxes.person}"
    for sender in (mailboxes.person, other):
        mail_server.deliver(
            request(sender=sender, to=mailboxes.practice), mailboxes.practice
        )
    assert run(config) == 0
    first = offered_lines(newest(mail_server, mailboxes.person, "offer"))
    second = offered_lines(newest(mail_server, other, "offer"))
    # Both were offered Thursday 26 November; each picks a different time.
    day = "Thursday 26 November"
    mine, my_time = next((n, text) for n, text in first if day in text)
    theirs = next(n for n, text in second if day in text and text != my_time)
    mail_server.deliver(
        answer(
            newest(mail_server, mailboxes.person, "offer"),
            sender=mailboxes.person,
            body=mine,
        ),
        mailboxes.practice,
    )
    mail_server.deliver(
        answer(newest(mail_server, other, "offer"), sender=other, body=theirs),
        mailboxes.practice,
    )
    assert run(config, NOW + timedelta(hours=1)) == 0
    kinds = [
        [m.message()["X-Mailflow"] for m in mail_server.messages(who)]
        for who in (mailboxes.person, other)
    ]
    assert sorted(k[-1] for k in kinds) == ["confirmation", "offer_again"]


def _without_thread(raw: bytes) -> bytes:
    message = email.message_from_bytes(raw, policy=default_policy)
    del message["In-Reply-To"]
    del message["References"]
    return message.as_bytes()


@pytest.mark.parametrize("ref_kept", [True, False])
def test_an_approval_whose_client_dropped_the_thread_counts_by_its_subject_ref(
    stack, ref_kept
):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    raw = _without_thread(
        answer(approval, sender=f"Sam Rivera <{boxes.therapist}>", body="Yes")
    )
    if not ref_kept:  # a guessed token never acts
        message = email.message_from_bytes(raw, policy=default_policy)
        subject = str(message["Subject"])
        assert re.search(r"\[ref [0-9a-f]{16}\]", subject)
        del message["Subject"]
        message["Subject"] = re.sub(
            r"\[ref [0-9a-f]{16}\]", "[ref 0123456789abcdef]", subject
        )
        raw = message.as_bytes()
    server.deliver(raw, boxes.practice)
    assert run(config, NOW + timedelta(hours=2)) == 0
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.person)]
    assert ("confirmation" in kinds) is ref_kept


def test_a_move_the_therapist_never_answers_is_held_reminded_then_let_go(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    therapist_says(server, boxes, config, "yes")
    confirmation = newest(server, boxes.person, "confirmation")
    asked_at = NOW + timedelta(hours=3)
    server.deliver(
        answer(
            confirmation,
            sender=f"Jordan Lee <{boxes.person}>",
            body="Something came up, can we move it?",
            sent_at=asked_at,
        ),
        boxes.practice,
    )
    assert run(config, asked_at) == 0
    again = newest(server, boxes.person, "offer_again")
    number, line = offered_lines(again)[-1]
    new_time = line.split(" (")[0]
    server.deliver(
        answer(again, sender=f"Jordan Lee <{boxes.person}>", body=number),
        boxes.practice,
    )
    assert run(config, asked_at + timedelta(minutes=5)) == 0
    assert newest(server, boxes.therapist, "move_request")
    # Someone else meanwhile is not offered the time the move waits on.
    other = f"casey-{boxes.person}"
    server.deliver(
        request(sender=other, to=boxes.practice, sent_at=asked_at), boxes.practice
    )
    assert run(config, asked_at + timedelta(minutes=10)) == 0
    offered = [
        t.split(" (")[0] for _n, t in offered_lines(newest(server, other, "offer"))
    ]
    assert new_time not in offered

    def therapist_kinds():
        return [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]

    assert run(config, asked_at + timedelta(hours=49)) == 0
    assert therapist_kinds().count("approval_again") == 1
    reminder = newest(server, boxes.therapist, "approval_again")
    assert "whether their call can move to" in plain(reminder)
    # The old call's reminder and the move's lapse are both due: one run does
    # both, and a second run at the same moment changes nothing.
    assert run(config, asked_at + timedelta(hours=98)) == 0
    before = len(server.smtp_log)
    assert run(config, asked_at + timedelta(hours=98)) == 0
    assert len(server.smtp_log) == before
    kept = newest(server, boxes.person, "kept")
    assert "I haven't been able to confirm the new time you chose" in plain(kept)
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.person)]
    assert kinds.count("confirmation") == 1


def test_a_reply_in_a_thread_with_a_wrong_token_never_approves(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    raw = answer(approval, sender=f"Sam Rivera <{boxes.therapist}>", body="Yes")
    # In the person's thread (so it reaches the enquiry), but the approval's own
    # Message-ID and the subject's ref are replaced by guesses.
    message = email.message_from_bytes(raw, policy=default_policy)
    guess = "<mailflow.0123456789abcdef0123456789abcdef@riverside.example>"
    del message["In-Reply-To"]
    del message["References"]
    message["In-Reply-To"] = guess
    message["References"] = f"{offer['Message-ID']} {guess}"
    subject = re.sub(
        r"\[ref [0-9a-f]{16}\]", "[ref 0000000000000000]", message["Subject"]
    )
    del message["Subject"]
    message["Subject"] = subject
    server.deliver(message.as_bytes(), boxes.practice)
    assert run(config, NOW + timedelta(hours=2)) == 0
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.person)]
    assert "confirmation" not in kinds


def test_asking_to_move_again_drops_the_move_still_waiting(stack):
    """A move waiting for the therapist, then "can we move it again?": the old
    move is dropped (its time freed, no reminder about it), and the call keeps
    its own reminder."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    therapist_says(server, boxes, config, "yes")
    confirmation = newest(server, boxes.person, "confirmation")
    start_at = (
        icalendar.Calendar.from_ical(calendar_parts(confirmation)[0])
        .walk("VEVENT")[0]
        .decoded("DTSTART")
    )
    at = NOW + timedelta(hours=3)
    person = f"Jordan Lee <{boxes.person}>"
    server.deliver(
        answer(confirmation, sender=person, body="Can we move it?", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    again = newest(server, boxes.person, "offer_again")
    number, _line = offered_lines(again)[-1]
    server.deliver(answer(again, sender=person, body=number), boxes.practice)
    assert run(config, at + timedelta(minutes=5)) == 0
    assert newest(server, boxes.therapist, "move_request")
    server.deliver(
        answer(
            newest(server, boxes.person, "held"),
            sender=person,
            body="Sorry, actually could we move it to another day again?",
        ),
        boxes.practice,
    )
    assert run(config, at + timedelta(minutes=10)) == 0
    assert query_one(
        config, "SELECT counter_start_at, move_asked_at FROM enquiries"
    ) == (
        None,
        None,
    )
    assert run(config, start_at - timedelta(hours=24) + timedelta(minutes=1)) == 0
    assert newest(server, boxes.person, "reminder")
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]
    assert "approval_again" not in kinds


def query_one(config, sql):
    import sqlite3

    from mailflow.config import load_settings

    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchone()


@pytest.mark.parametrize(
    ("body", "cancels"),
    [
        ("I might need to cancel, I'll let you know tomorrow", False),
        ("Please cancel my dentist appointment on that day, it clashes", False),
        ("Sorry, I need to cancel the call. Something's come up.", True),
    ],
)
def test_only_words_that_cancel_cancel_a_booked_call_over_the_wire(
    tmp_path, mail_server, mailboxes, body, cancels
):
    """Dovecot + SMTP: a hedged cancel, or a cancel of another thing, leaves
    the call booked and the therapist told (`reading/cancel_words`); a plain
    one cancels it, and the person is told so."""
    config = write_config(
        tmp_path, mail_server, mailboxes, '[workflow]\napproval = "auto"\n'
    )
    offer = start(mail_server, mailboxes, config)
    pick(mail_server, mailboxes, config, offer)
    confirmation = newest(mail_server, mailboxes.person, "confirmation")
    at = NOW + timedelta(hours=3)
    mail_server.deliver(
        answer(
            confirmation,
            sender=f"Jordan Lee <{mailboxes.person}>",
            body=body,
            sent_at=at,
        ),
        mailboxes.practice,
    )
    assert run(config, at) == 0
    person = [m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.person)]
    therapist = [
        m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.therapist)
    ]
    assert ("cancelled" in person) is cancels
    assert ("therapist_alert" in therapist) is not cancels


def test_a_cancel_in_words_like_a_crisis_waits_for_the_therapist(
    tmp_path, mail_server, mailboxes
):
    """Dovecot + SMTP: "cancel please, there's no point anymore" under a
    confirmation is not carried out with a cheerful cancellation letter: the
    person is sent nothing, and the therapist gets the alert about their
    words and a note that the cancel waits for them."""
    config = write_config(
        tmp_path, mail_server, mailboxes, '[workflow]\napproval = "auto"\n'
    )
    offer = start(mail_server, mailboxes, config)
    pick(mail_server, mailboxes, config, offer)
    confirmation = newest(mail_server, mailboxes.person, "confirmation")
    before = len(mail_server.messages(mailboxes.person))
    at = NOW + timedelta(hours=3)
    mail_server.deliver(
        answer(
            confirmation,
            sender=f"Jordan Lee <{mailboxes.person}>",
            body="cancel please, there's no point anymore",
            sent_at=at,
        ),
        mailboxes.practice,
    )
    assert run(config, at) == 0
    assert len(mail_server.messages(mailboxes.person)) == before
    held = newest(mail_server, mailboxes.therapist, "therapist_alert")
    assert "has not cancelled anything" in plain(held)
    # Nor later: no reminder, no follow-up after the call's time.
    for days in (1, 3, 10):
        assert run(config, at + timedelta(days=days)) == 0
    assert len(mail_server.messages(mailboxes.person)) == before


WORK = "jordan.lee@work.example"


def from_work_address(server, boxes, config, original, body, at) -> None:
    """The person answers `original` from another address; a run reads it, and
    nothing is ever sent to that address."""
    server.deliver(
        answer(original, sender=f"Jordan Lee <{WORK}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert all(WORK not in entry.rcpt_tos for entry in server.smtp_log)


def test_a_pick_from_another_address_is_never_acted_on_and_the_therapist_hears(
    stack,
):
    """Dovecot + SMTP: "2" from a work address, answering the offer. Only
    the person's own address picks (#14), so nothing is booked or sent to
    either address; the therapist is told once, so they are not left waiting."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    person_before = len(server.messages(boxes.person))
    from_work_address(
        server,
        boxes,
        config,
        offer,
        "2 please - writing from my work email, sorry!",
        NOW + timedelta(hours=1),
    )
    assert len(server.messages(boxes.person)) == person_before
    alert = newest(server, boxes.therapist, "therapist_alert")
    assert "cannot take as theirs" in plain(alert)
    assert "approval_request" not in [
        m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)
    ]
    # The same mail seen again (a second run) tells them nothing more.
    therapist_count = len(server.messages(boxes.therapist))
    assert run(config, NOW + timedelta(hours=2)) == 0
    assert len(server.messages(boxes.therapist)) == therapist_count


def _alerts(server, boxes) -> int:
    return sum(
        m.message()["X-Mailflow"] == "therapist_alert"
        for m in server.messages(boxes.therapist)
    )


def test_the_practices_own_address_in_the_thread_tells_the_therapist_nothing(stack):
    """Dovecot + SMTP: the practice's own address answering in the thread (a
    copy, a shared inbox's Cc) is no stranger: nothing is acted on or sent."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    before = len(server.smtp_log)
    raw = answer(
        offer, sender=boxes.practice, body="2", sent_at=NOW + timedelta(hours=1)
    )
    server.deliver(raw, boxes.practice)
    assert run(config, NOW + timedelta(hours=1)) == 0
    assert len(server.smtp_log) == before


def test_after_a_cancel_a_reply_from_another_address_reaches_the_therapist(stack):
    """Dovecot + SMTP: the cancellation letter invites a reply ("if you'd like
    another time, just reply"); one sent from a work account is not acted on
    (no times go to either address) but the therapist hears of it."""
    server, boxes, config = stack
    confirmation, _event = booked_invite(server, boxes, config)
    pick(
        server,
        boxes,
        config,
        confirmation,
        body="I need to cancel, sorry.",
        at=NOW + timedelta(hours=3),
    )
    cancelled = newest(server, boxes.person, "cancelled")
    alerts = _alerts(server, boxes)
    person_before = len(server.messages(boxes.person))
    from_work_address(
        server,
        boxes,
        config,
        cancelled,
        "Could we find another time after all?",
        NOW + timedelta(hours=4),
    )
    assert _alerts(server, boxes) == alerts + 1
    assert len(server.messages(boxes.person)) == person_before
    alert = newest(server, boxes.therapist, "therapist_alert")
    assert boxes.person in plain(alert)  # answer them at their own address
