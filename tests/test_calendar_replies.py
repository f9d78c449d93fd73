"""Calendar replies matched to the booked person (#11 item 1), end to end on
real Dovecot + SMTP: a REPLY .ics mail delivered into the practice inbox in the
booked thread, the worker run, the therapist's and the person's mailboxes read.

The ATTENDEE that is the booked person decides, wherever it stands; anyone
else's answer (a forwarded invitation declined by a partner) changes nothing and
tells the therapist who answered what; a decline of the invitation as it was
before a move is never dropped: the therapist is told and the person asked.
The words a calendar sends with an answer (COMMENT) reach the therapist only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from support import NOW, absent, answer, plain, run, sent_to, shared_files
from test_booking import booked_invite, counter_mail, newest, stack  # noqa: F401

from mailflow.writing import calendar

LATER = NOW + timedelta(hours=3)
COMMENT = "So sorry, my mum is in hospital and I can't be there."


def reply_mail(invite, *, sender: str, ics: str, subject: str) -> bytes:
    """A calendar's answer as Google and Outlook send it: in the invitation's
    thread, text plus inline text/calendar; method=REPLY."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = invite["From"]
    message["Subject"] = subject
    message["Date"] = format_datetime(LATER)
    message["Message-ID"] = make_msgid(domain="calendar.example")
    message["In-Reply-To"] = invite["Message-ID"]
    message["References"] = invite["Message-ID"]
    message.set_content(subject)
    message.add_alternative(
        ics.encode(), maintype="text", subtype="calendar", params={"method": "REPLY"}
    )
    return message.as_bytes()


def reply_ics(uid: str, *attendees: str, sequence: int = 0, comment: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "METHOD:REPLY",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        *attendees,
        *([f"COMMENT;LANGUAGE=en-GB:{comment}"] if comment else []),
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        "DTSTAMP:20261125T120000Z",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def mails(server, user):
    return [m.message() for m in server.messages(user)]


def kinds(messages) -> list[str]:
    return [m["X-Mailflow"] for m in messages]


def test_a_forwarded_invitation_declined_by_a_partner_changes_nothing(stack):  # noqa: F811
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    partner = boxes.person.replace("jordan", "alex")
    person_before = len(mails(server, boxes.person))
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:{partner}",
        comment=COMMENT,
    )
    server.deliver(
        reply_mail(invite, sender=partner, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0

    assert len(mails(server, boxes.person)) == person_before  # no word to them
    assert sent_to(server, partner) == []  # nor to the partner
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]  # no cancel notice: the call stands
    text = plain(told[0])
    assert f"Alex Lee <{partner}> declined" in text
    assert "Someone other than Jordan Lee" in text
    assert "the call stays booked" in text
    assert f"> {COMMENT}" in text

    # The booking stood: the person's own decline, later, still cancels it.
    server.deliver(
        reply_mail(
            invite,
            sender=boxes.person,
            ics=reply_ics(
                str(event["UID"]),
                f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person.upper()}",
            ),
            subject="Declined: Free call",
        ),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(minutes=5)) == 0
    assert kinds(mails(server, boxes.therapist)[therapist_before + 1 :]) == [
        "cancel_notice"
    ]


def test_a_decline_naming_the_person_from_another_address_never_cancels(stack):  # noqa: F811
    """An ATTENDEE line is the sender's to write: anyone with the invitation
    (forwarded, say) could name the person. Only mail from them cancels."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    partner = boxes.person.replace("jordan", "alex")
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}",
    )
    server.deliver(
        reply_mail(invite, sender=partner, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]  # told, not a cancel notice
    assert "the call stays booked" in plain(told[0])
    assert "cancelled" not in kinds(mails(server, boxes.person))


def test_an_exchange_decline_listing_the_decliner_second_cancels(stack):  # noqa: F811
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=Riverside:mailto:{boxes.practice}",
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Jordan Lee:mailto:{boxes.person}",
        comment=COMMENT,
    )
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0

    (notice,) = mails(server, boxes.therapist)[therapist_before:]
    assert notice["X-Mailflow"] == "cancel_notice"
    text = plain(notice)
    assert "declined the invitation" in text
    assert f"> {COMMENT}" in text  # their words, to the therapist only
    (cancel,) = [
        p.get_payload(decode=True)
        for p in notice.walk()
        if p.get_content_type() == "text/calendar"
    ]
    assert b"METHOD:CANCEL" in cancel
    assert b"ATTENDEE" not in cancel  # the therapist's copy never had one
    assert not any(COMMENT in plain(m) for m in mails(server, boxes.person))


def test_a_decline_outside_the_thread_is_matched_by_its_uid(stack):  # noqa: F811
    """Outlook may answer an invitation in a mail of its own (no In-Reply-To,
    no References, another subject): the booked call's UID still names it,
    while another event's invitation beside it is left alone."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    therapist_before = len(mails(server, boxes.therapist))
    person_before = len(mails(server, boxes.person))
    peer = reply_mail(
        invite,
        sender="ana@peers.example",
        ics=reply_ics(
            "supervision-7@peers.example",
            "ATTENDEE;PARTSTAT=DECLINED:mailto:ana@peers.example",
        ),
        subject="Declined: Peer supervision",
    )
    decline = reply_mail(
        invite,
        sender=boxes.person,
        ics=reply_ics(
            str(event["UID"]), f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}"
        ),
        subject="Declined: Free call",
    )
    for raw in (peer, decline):
        message = message_from_bytes(raw)
        del message["In-Reply-To"], message["References"]
        server.deliver(message.as_bytes(), boxes.practice)

    assert run(config, LATER) == 0
    assert kinds(mails(server, boxes.therapist)[therapist_before:]) == ["cancel_notice"]
    assert sent_to(server, "ana@peers.example") == []
    assert len(mails(server, boxes.person)) == person_before  # their own decline


def test_the_persons_entry_still_open_beside_a_partners_decline_is_the_partners(
    stack,  # noqa: F811
):
    """Exchange lists the whole invitation; the booked person still NEEDS-ACTION
    beside someone else's DECLINED is someone else's answer."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    partner = boxes.person.replace("jordan", "alex")
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=Jordan Lee:mailto:{boxes.person}",
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:{partner}",
    )
    server.deliver(
        reply_mail(invite, sender=partner, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]
    assert f"<{partner}> declined" in plain(told[0])


def _moved(server, boxes, config):
    """Booked, then moved by an approved COUNTER: the booking is at SEQUENCE 1."""
    invite, event = booked_invite(server, boxes, config)
    proposed = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    server.deliver(
        counter_mail(
            invite, attendee=boxes.person, uid=str(event["UID"]), start=proposed
        ),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    move = newest(server, boxes.therapist, "move_request")
    server.deliver(
        answer(
            move, sender=boxes.therapist, body="Yes", sent_at=LATER + timedelta(hours=1)
        ),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(hours=1)) == 0
    assert "I've moved our call" in plain(newest(server, boxes.person, "confirmation"))
    return invite, event


def test_a_decline_of_the_invitation_as_it_was_before_a_move_is_never_dropped(
    stack,  # noqa: F811
):
    server, boxes, config = stack
    invite, event = _moved(server, boxes, config)
    person_before = len(mails(server, boxes.person))
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Jordan Lee:mailto:{boxes.person}",
        sequence=0,  # the invitation before the move
        comment=COMMENT,
    )
    at = LATER + timedelta(hours=2)
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, at) == 0

    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]  # no cancellation
    text = plain(told[0])
    assert "declined an earlier version of the invitation" in text
    assert "Tuesday 8 December at 10:00" in text  # the time that stands
    assert f"> {COMMENT}" in text
    (asked,) = mails(server, boxes.person)[person_before:]
    assert asked["X-Mailflow"] == "still_suits"
    assert "does that time still suit you?" in plain(asked)
    assert "8 December" in plain(asked)
    assert COMMENT not in plain(asked)
    assert asked["In-Reply-To"]  # in their thread
    assert not [p for p in asked.walk() if p.get_content_type() == "text/calendar"]

    # Their "yes, that's fine" changes nothing; the booking stands.
    server.deliver(
        answer(
            asked,
            sender=f"Jordan Lee <{boxes.person}>",
            body="Yes, that's fine, thank you!",
            sent_at=at + timedelta(hours=1),
        ),
        boxes.practice,
    )
    assert run(config, at + timedelta(hours=1)) == 0
    assert "cancel_notice" not in kinds(mails(server, boxes.therapist))


def test_an_outlook_new_time_proposed_brings_its_comment_to_the_therapist(
    stack,  # noqa: F811
):
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    # Outlook's "New Time Proposed", with the words typed beside it.
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
        "VERSION:2.0\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\n"
        f"ATTENDEE;PARTSTAT=TENTATIVE;CN=Jordan Lee:mailto:{boxes.person}\r\n"
        "COMMENT;LANGUAGE=en-GB:Could we do the Tuesday instead?\\nMornings are\r\n"
        "  easier for me.\r\n"
        f"UID:{event['UID']}\r\nSEQUENCE:0\r\nDTSTAMP:20261125T120000Z\r\n"
        "DTSTART;TZID=GMT Standard Time:20261208T100000\r\n"
        "DTEND;TZID=GMT Standard Time:20261208T103000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = reply_mail(
        invite, sender=boxes.person, ics=ics, subject="New Time Proposed: Free call"
    ).replace(b'method="REPLY"', b'method="COUNTER"')
    server.deliver(raw, boxes.practice)
    assert run(config, LATER) == 0
    move = newest(server, boxes.therapist, "move_request")
    assert "Tuesday 8 December at 10:00" in plain(move)
    assert "> Could we do the Tuesday instead?\n> Mornings are easier for me." in plain(
        move
    )
    assert not any("Tuesday instead" in plain(m) for m in mails(server, boxes.person))


# -- real calendar replies (../shared/fixtures) --------------------------------------


GOOGLE_REPLIES = [
    p for p in shared_files("imip") if p.name.startswith("nylas_invite_w_rsvps")
]


@pytest.mark.parametrize("path", GOOGLE_REPLIES, ids=lambda p: p.name)
def test_googles_real_replies_are_matched_to_their_attendee(path) -> None:
    found = calendar.read_calendar(path.read_bytes())
    assert found is not None
    assert found.method == "REPLY"
    assert found.attendee is not None
    mine = found.for_person(found.attendee.upper(), found.sequence)
    assert (mine.from_person, mine.stale) == (True, False)
    assert mine.partstat in {"ACCEPTED", "TENTATIVE", "DECLINED"}
    assert not found.for_person("someone.else@example.org", 0).from_person
    assert found.for_person(found.attendee, found.sequence + 1).stale


def test_googles_real_decline_from_a_forwarded_guest_end_to_end(stack) -> None:  # noqa: F811
    """Google's own REPLY (nylas fixture), its UID set to the booking's: its
    attendee is not the booked person, so the call stands and the therapist hears."""
    decline = next((p for p in GOOGLE_REPLIES if p.name.endswith("_4.ics")), None)
    if decline is None:
        absent("shared fixtures not found (../shared/fixtures/imip)")
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    ics = decline.read_bytes().replace(b"cccc@nylas.com", str(event["UID"]).encode())
    therapist_before = len(mails(server, boxes.therapist))
    server.deliver(
        reply_mail(
            invite,
            sender="karim@example.com",
            ics=ics.decode(),
            subject="Declined: Free call",
        ),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]
    assert "Karim Hamidou <karim@example.com> declined" in plain(told[0])

    # "It was her after all": the therapist's "cancel" to the alert cancels.
    server.deliver(
        answer(
            told[0],
            sender=boxes.therapist,
            body="It was her, please cancel",
            sent_at=LATER + timedelta(hours=1),
        ),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(hours=1)) == 0
    assert newest(server, boxes.person, "cancelled")
    assert newest(server, boxes.therapist, "cancel_notice")


# -- pure: reading, matching, deciding ---------------------------------------------

PERSON = "jordan.lee@example.org"
BOOKING_UID = "0123abcd@riverside.example"


def _read(*attendees: str, sequence: int = 0, comment: str = "", organizer=True):
    ics = reply_ics(BOOKING_UID, *attendees, sequence=sequence, comment=comment)
    if organizer:
        ics = ics.replace(
            "BEGIN:VEVENT\r\n",
            "BEGIN:VEVENT\r\nORGANIZER;CN=Sam:mailto:hello@riverside.example\r\n",
        )
    found = calendar.read_calendar(ics.encode())
    assert found is not None
    return found


def test_exchange_listing_the_organiser_first_reads_the_decliner_second() -> None:
    found = _read(
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Sam:mailto:HELLO@riverside.example",
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Jordan Lee:MAILTO:{PERSON.upper()}",
    )
    assert (found.attendee, found.partstat) == (PERSON, "DECLINED")
    assert [a.address for a in found.attendees] == ["hello@riverside.example", PERSON]
    mine = found.for_person(PERSON, 0)
    assert (mine.from_person, mine.partstat, mine.stale) == (True, "DECLINED", False)


def test_the_booked_persons_answer_decides_in_any_position() -> None:
    found = _read(
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:alex@example.org",
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}",
    )
    mine = found.for_person(PERSON, 0)
    assert (mine.from_person, mine.partstat, mine.attendee) == (
        True,
        "DECLINED",
        PERSON,
    )


@pytest.mark.parametrize(
    "address",
    [
        "jordan.lee+cal@example.org",  # plus-addressed: another address, as is
        "jordan.lee@example.com",
        "lee@example.org",
    ],
)
def test_another_address_is_not_the_booked_person(address: str) -> None:
    found = _read(f"ATTENDEE;PARTSTAT=DECLINED:mailto:{address}")
    other = found.for_person(PERSON, 0)
    assert not other.from_person
    assert (other.attendee, other.partstat) == (address, "DECLINED")


def test_a_reply_without_any_attendee_is_nobodys() -> None:
    found = _read()
    assert not found.for_person(PERSON, 0).from_person


def test_an_older_sequence_is_stale_and_a_newer_one_is_not() -> None:
    found = _read(f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}", sequence=1)
    assert found.for_person(PERSON, 2).stale
    assert not found.for_person(PERSON, 1).stale
    assert not found.for_person(PERSON, 0).stale


def test_the_comment_is_cleaned_and_bounded() -> None:
    long = "word " * 400 + "\x07\u202e"
    found = _read(f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}", comment=long)
    assert len(found.comment) <= calendar.MAX_COMMENT_CHARS
    assert "\x07" not in found.comment
    assert "\u202e" not in found.comment
    assert found.comment.startswith("word word")


def _wf(message, state=None, **kw):
    from mailflow.deciding import workflow
    from mailflow.model import State

    return workflow.on_calendar(state or State.BOOKED, message, **kw)


def test_deciding_a_partners_decline_changes_nothing_and_says_who() -> None:
    from mailflow.deciding.workflow import AlertTherapist, Transition
    from mailflow.model import State

    found = _read(
        "ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:alex@example.org",
        comment="Not for us, thanks",
    ).for_person(PERSON, 0)
    for state in (State.BOOKED, State.RESCHEDULING):
        assert _wf(found, state) == Transition(
            state,
            (
                AlertTherapist(
                    "calendar-other",
                    replied_by="alex@example.org",
                    replied_name="Alex Lee",
                    reply="DECLINED",
                    comment="Not for us, thanks",
                ),
            ),
            "calendar-from-other",
        )


def test_deciding_a_stale_decline_keeps_the_booking_and_asks() -> None:
    from mailflow.deciding.workflow import AlertTherapist, AskIfStillSuits
    from mailflow.model import State

    found = _read(
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}", sequence=0, comment="sorry"
    ).for_person(PERSON, 1)
    booked = _wf(found)
    assert booked.state is State.BOOKED
    assert booked.outcome == "calendar-stale-declined"
    (alert, asked) = booked.commands
    assert isinstance(alert, AlertTherapist)
    assert alert.reason == "stale-decline"
    assert alert.comment == "sorry"
    assert asked == AskIfStillSuits()
    # While new times are being offered to move it, only the therapist is told.
    moving = _wf(found, State.RESCHEDULING)
    assert moving.state is State.RESCHEDULING
    assert [type(c) for c in moving.commands] == [AlertTherapist]
    # A stale accept says nothing new.
    accepted = _read(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{PERSON}").for_person(
        PERSON, 1
    )
    assert _wf(accepted).commands == ()


def test_deciding_a_current_decline_carries_its_words_to_the_therapist() -> None:
    from mailflow.deciding.workflow import CancelCall, RecordAnswer
    from mailflow.model import State

    found = _read(
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}", comment="I found help nearer"
    ).for_person(PERSON, 0)
    result = _wf(found)
    assert result.state is State.CANCELLED
    assert result.commands == (
        RecordAnswer("DECLINED"),
        CancelCall("calendar", words="I found help nearer"),
    )


# -- the invitation as Google and Outlook write it (#11 item 4) ----------------------

_BUILD = {
    "uid": "abc@riverside.example",
    "sequence": 1,
    "stamp": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    "start_at": datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    "end_at": datetime(2026, 12, 1, 10, 15, tzinfo=UTC),
    "organizer_email": "hello@riverside.example",
    "organizer_name": "Sam Rivera",
    "attendee_name": "Jordan Lee",
    "summary": "Free 15-minute call with Sam Rivera",
    "description": "Sam will ring you.",
    "zone_name": "Europe/London",
}
_HEAD = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//mailflow//mailflow//EN",
    "CALSCALE:GREGORIAN",
]
_EVENT = [
    "BEGIN:VEVENT",
    "SUMMARY:Free 15-minute call with Sam Rivera",
    "DTSTART:20261201T100000Z",
    "DTEND:20261201T101500Z",
    "DTSTAMP:20261125T090000Z",
    "UID:abc@riverside.example",
    "SEQUENCE:1",
]
_TAIL = [
    "DESCRIPTION:Sam will ring you.",
    'ORGANIZER;CN="Sam Rivera":mailto:hello@riverside.example',
]


def _lines(method: str, attendee: str | None) -> list[str]:
    data = calendar.build_calendar(method=method, attendee_email=attendee, **_BUILD)
    return data.decode().replace("\r\n ", "").split("\r\n")[:-1]


def test_golden_invitation_asks_rsvp() -> None:
    assert _lines("REQUEST", "jordan@example.org") == [
        *_HEAD,
        "METHOD:REQUEST",
        *_EVENT,
        'ATTENDEE;CN="Jordan Lee";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;'
        "ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:jordan@example.org",
        *_TAIL,
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_golden_cancellation_asks_no_rsvp() -> None:
    assert _lines("CANCEL", "jordan@example.org") == [
        *_HEAD,
        "METHOD:CANCEL",
        *_EVENT,
        'ATTENDEE;CN="Jordan Lee";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;'
        "ROLE=REQ-PARTICIPANT:mailto:jordan@example.org",
        *_TAIL,
        "STATUS:CANCELLED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_golden_therapist_copy_and_its_cancellation_name_no_attendee() -> None:
    copy = _lines("PUBLISH", None)
    cancel = _lines("CANCEL", None)
    assert not [line for line in copy + cancel if line.startswith("ATTENDEE")]
    assert cancel == [
        *_HEAD,
        "METHOD:CANCEL",
        *_EVENT,
        *_TAIL,
        "STATUS:CANCELLED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    # The copy is the same event but for its status and its alarm.
    alarm = copy.index("BEGIN:VALARM")
    assert copy[: alarm - 2] == [
        line.replace("METHOD:CANCEL", "METHOD:PUBLISH") for line in cancel[: alarm - 2]
    ]
    assert copy[alarm - 2 : alarm] == ["STATUS:CONFIRMED", "TRANSP:OPAQUE"]


def test_a_request_without_an_attendee_is_refused() -> None:
    with pytest.raises(ValueError, match="attendee"):
        calendar.build_calendar(method="REQUEST", attendee_email=None, **_BUILD)


def test_the_sent_invitation_writes_the_method_bare(stack) -> None:  # noqa: F811
    server, boxes, config = stack
    booked_invite(server, boxes, config)
    wire = sent_to(server, boxes.person) + sent_to(server, boxes.therapist)
    calendars = [w for w in wire if b"text/calendar" in w]
    assert len(calendars) >= 2  # the invitation and the therapist's copy
    for raw in calendars:
        assert b'method="' not in raw
        assert (
            b"Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n" in raw
            or b"Content-Type: text/calendar; method=PUBLISH; charset=UTF-8\r\n" in raw
        )


def test_a_crisis_in_a_declines_comment_reaches_the_therapist_as_a_crisis(
    stack,  # noqa: F811
) -> None:
    """The COMMENT is screened as the person's own words: missing a crisis is
    the worst harm, whatever form the words arrive in."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Jordan Lee:mailto:{boxes.person}",
        comment="There's no point any more. I've been thinking about ending my life.",
    )
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=ics, subject="Declined: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    alert = newest(server, boxes.therapist, "crisis_alert")
    assert "ending my life" in plain(alert)
    assert newest(server, boxes.person, "safety")


def test_words_with_an_accept_reach_the_therapist() -> None:
    from mailflow.deciding import workflow
    from mailflow.model import CalendarMessage, State

    accepted = CalendarMessage(
        method="REPLY",
        uid="u",
        partstat="ACCEPTED",
        sequence=0,
        from_person=True,
        comment="Please ring my work number instead: 020 7946 0000",
    )
    done = workflow.on_calendar(State.BOOKED, accepted)
    assert done.state is State.BOOKED
    recorded, alert = done.commands
    assert recorded == workflow.RecordAnswer("ACCEPTED")
    assert isinstance(alert, workflow.AlertTherapist)
    assert alert.reason == "calendar-note"
    assert "work number" in alert.comment
    quiet = workflow.on_calendar(State.BOOKED, replace(accepted, comment=""))
    assert quiet.commands == (workflow.RecordAnswer("ACCEPTED"),)


# --- the person's answer carrying a partner's (#11 review) ------------------------


def test_the_persons_answer_decides_and_the_others_are_kept_to_tell() -> None:
    from mailflow.model import Attendee

    found = _read(
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Sam:mailto:hello@riverside.example",
        f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Jordan Lee:mailto:{PERSON}",
        "ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:alex@example.org",
        "ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=Kim:mailto:kim@example.org",
    ).for_person(PERSON, 0)
    assert (found.from_person, found.partstat, found.attendee) == (
        True,
        "ACCEPTED",
        PERSON,
    )
    # The organiser's own entry is no answer, nor is one still open.
    assert found.others == (Attendee("alex@example.org", "DECLINED", "Alex Lee"),)
    # Someone else's reply carries no "others": it is all someone else's.
    partner = _read(
        "ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:alex@example.org"
    ).for_person(PERSON, 0)
    assert (partner.from_person, partner.others) == (False, ())
    # A reply without ORGANIZER listing the practice: its entry is still ours.
    unnamed = _read(
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Sam:mailto:Bookings@Riverside.example",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{PERSON}",
        organizer=False,
    )
    assert unnamed.for_person(PERSON, 0).others != ()
    ours = unnamed.for_person(PERSON, 0, organizer="bookings@riverside.example")
    assert ours.others == ()


def test_deciding_an_accept_beside_a_partners_decline_keeps_the_booking() -> None:
    from mailflow.deciding.workflow import (
        AlertTherapist,
        CancelCall,
        RecordAnswer,
        Transition,
    )
    from mailflow.model import Attendee, State

    alex = Attendee("alex@example.org", "DECLINED", "Alex Lee")
    accepted = _read(
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{PERSON}",
        "ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:alex@example.org",
    ).for_person(PERSON, 0)
    for state in (State.BOOKED, State.RESCHEDULING):
        assert _wf(accepted, state) == Transition(
            state,
            (
                RecordAnswer("ACCEPTED"),
                AlertTherapist(
                    "calendar-others",
                    replied_by=PERSON,
                    reply="ACCEPTED",
                    others=(alex,),
                ),
            ),
            "calendar-accepted",
        )
    # Their decline beside a partner's accept: theirs cancels, the accept is told.
    declined = _read(
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{PERSON}",
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Alex Lee:mailto:alex@example.org",
    ).for_person(PERSON, 0)
    cancelled = _wf(declined)
    assert cancelled.state is State.CANCELLED
    assert cancelled.commands == (
        RecordAnswer("DECLINED"),
        CancelCall(
            "calendar", others=(Attendee("alex@example.org", "ACCEPTED", "Alex Lee"),)
        ),
    )


def test_the_persons_accept_beside_a_partners_decline_end_to_end(stack):  # noqa: F811
    """One REPLY from the person's own address: they ACCEPTED, their partner
    DECLINED. The call stays booked; the therapist reads the partner's answer
    in one line; the person hears nothing."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    partner = boxes.person.replace("jordan", "alex")
    person_before = len(mails(server, boxes.person))
    therapist_before = len(mails(server, boxes.therapist))
    ics = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Jordan Lee:mailto:{boxes.person}",
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Alex Lee:mailto:{partner}",
    )
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=ics, subject="Accepted: Free call"),
        boxes.practice,
    )
    assert run(config, LATER) == 0

    assert len(mails(server, boxes.person)) == person_before
    assert sent_to(server, partner) == []
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]
    text = plain(told[0])
    assert "calendar accepted the invitation" in text
    assert f"Alex Lee <{partner}> declined" in text
    assert "Theirs changes nothing" in text

    # The booking stood: the person's own decline, later, still cancels it.
    server.deliver(
        reply_mail(
            invite,
            sender=boxes.person,
            ics=reply_ics(
                str(event["UID"]),
                f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}",
                f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Alex Lee:mailto:{partner}",
            ),
            subject="Declined: Free call",
        ),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(minutes=5)) == 0
    (notice,) = mails(server, boxes.therapist)[therapist_before + 1 :]
    assert notice["X-Mailflow"] == "cancel_notice"
    notice_text = plain(notice)
    assert "declined the invitation" in notice_text
    assert f"also carried: Alex Lee <{partner}> accepted" in notice_text
    assert sent_to(server, partner) == []


def test_words_sent_to_a_cancelled_calls_invitation_reach_the_therapist(
    stack,  # noqa: F811
):
    """An answer to an event that no longer stands changes nothing, but the
    words in it are never dropped (#11 review)."""
    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    decline = reply_ics(
        str(event["UID"]), f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}"
    )
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=decline, subject="Declined"),
        boxes.practice,
    )
    assert run(config, LATER) == 0
    person_before = len(mails(server, boxes.person))
    therapist_before = len(mails(server, boxes.therapist))

    again = reply_ics(
        str(event["UID"]),
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}",
        comment="Sorry again - could you ring me next month instead?",
    )
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=again, subject="Declined"),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(minutes=5)) == 0

    assert len(mails(server, boxes.person)) == person_before
    told = mails(server, boxes.therapist)[therapist_before:]
    assert kinds(told) == ["therapist_alert"]
    text = plain(told[0])
    assert "an invitation that no longer stands" in text
    assert "> Sorry again - could you ring me next month instead?" in text

    # Without words, the same answer is quiet.
    server.deliver(
        reply_mail(invite, sender=boxes.person, ics=decline, subject="Declined"),
        boxes.practice,
    )
    assert run(config, LATER + timedelta(minutes=10)) == 0
    assert len(mails(server, boxes.therapist)) == therapist_before + 1
    assert len(mails(server, boxes.person)) == person_before
