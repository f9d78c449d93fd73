"""The fakes are enough for the worker: whole conversations through `cycle.run_once`
on a real SQLite file, with the in-memory post office instead of Dovecot + SMTP."""

from __future__ import annotations

import email
from datetime import timedelta
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from support import NOW, answer, request, write_config

from mailflow.config import load_settings
from mailflow.errors import MailboxAuthError, MailboxError
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice
from mailflow.shell.store import Store


@pytest.fixture
def office() -> MemoryPostOffice:
    return MemoryPostOffice()


def settings_with(tmp_path, office, mailboxes, extra: str = ""):
    # Port 1: should a real adapter slip in, it fails at once instead of passing.
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    return load_settings(write_config(tmp_path, nowhere, mailboxes, extra))


@pytest.fixture
def settings(tmp_path, office, mailboxes):
    return settings_with(tmp_path, office, mailboxes)


def cycle(settings, office, at=NOW):
    return run_once(settings, at, mailbox=office.mailbox, sender=office.sender)


def message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=default_policy)["Message-ID"])


def newest(office, user, kind):
    mails = [m.message() for m in office.messages(user)]
    mails = [m for m in mails if m["X-Mailflow"] == kind]
    assert mails, f"no {kind} for {user}"
    return mails[-1]


ROBYN = (
    "hi sorry to bother you. its been a really bad week and last night was the"
    " worst its been. i dont really know why im writing tbh. maybe you could"
    " call me sometime"
)
"""A mail with no subject and no phrase of risk, read first by the therapist."""


def read_first_then_offered(settings, office, mailboxes):
    """Robyn's mail, its safety letter, and the therapist's "offer" to the note
    (run an hour later): the safety letter."""
    person, practice, therapist = (
        mailboxes.person,
        mailboxes.practice,
        mailboxes.therapist,
    )
    office.deliver(
        request(sender=f"Robyn <{person}>", to=practice, subject="", body=ROBYN),
        practice,
    )
    assert cycle(settings, office).exit_code == 0
    safety = newest(office, person, "safety")
    note = newest(office, therapist, "unsure_note")
    office.deliver(
        answer(note, sender=f"Sam Rivera <{therapist}>", body="offer", quote=False),
        practice,
    )
    assert cycle(settings, office, NOW + timedelta(hours=1)).exit_code == 0
    return safety


@pytest.mark.parametrize(
    ("body", "kind", "subject"),
    [
        (
            "Hello, I'd like to book the free 15 minute call please.",
            "offer",
            "Your free 15-minute call",
        ),
        (
            "I wanted to ask about a call. Honestly I've been thinking about"
            " ending my life lately.",
            "safety",
            "Thank you for writing",
        ),
    ],
)
def test_a_first_letter_without_a_subject_is_titled_by_what_it_is(
    settings, office, mailboxes, body, kind, subject
):
    """A mail with no subject starts the thread under one of ours: the times
    under the call's, the safety message (no call in it) under a plain one."""
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(
        request(sender=f"Robyn <{person}>", to=practice, subject="", body=body),
        practice,
    )
    assert cycle(settings, office).exit_code == 0
    letter = newest(office, person, kind)
    assert letter["Subject"] == subject


def test_times_released_after_a_safety_letter_answer_under_its_title(
    settings, office, mailboxes
):
    """A mail with no subject read first by the therapist: its safety letter
    starts the thread as "Thank you for writing", and the times their "offer"
    releases answer under it ("Re: "), threaded on it, so Gmail keeps one
    conversation; the person's pick of them is read as a pick."""
    person, practice = mailboxes.person, mailboxes.practice
    safety = read_first_then_offered(settings, office, mailboxes)
    assert safety["Subject"] == "Thank you for writing"
    offer = newest(office, person, "offer")
    assert offer["Subject"] == "Re: Thank you for writing"
    assert offer["In-Reply-To"] == safety["Message-ID"]
    office.deliver(answer(offer, sender=f"Robyn <{person}>", body="2 please"), practice)
    assert cycle(settings, office, NOW + timedelta(hours=2)).exit_code == 0
    held = newest(office, person, "held")
    assert held["Subject"] == "Re: Thank you for writing"


@pytest.mark.parametrize(
    ("again", "kind"),
    [
        ("Could we try again? Any of those times would be fine.", "offer_again"),
        ("I want to kill myself tonight.", "safety"),
    ],
)
def test_a_person_who_writes_again_from_a_bounced_address_is_answered(
    settings, office, mailboxes, again, kind
):
    """An address marked bounced since (a full mailbox) is tried again the
    moment they write from it: in their conversation, the answer to them is
    not dropped as bounced; least of all the safety message, which the
    therapist's alert says went."""
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(request(sender=f"Jordan Lee <{person}>", to=practice), practice)
    assert cycle(settings, office).exit_code == 0
    offer = newest(office, person, "offer")
    office.deliver(
        answer(offer, sender=f"Jordan Lee <{person}>", body="Please cancel, sorry."),
        practice,
    )
    assert cycle(settings, office, NOW + timedelta(hours=1)).exit_code == 0
    withdrawn = [m.message() for m in office.messages(person)][-1]
    with Store.open(settings.storage.database) as store:
        store.mark_undeliverable(person, NOW + timedelta(hours=1))
    office.deliver(
        answer(withdrawn, sender=f"Jordan Lee <{person}>", body=again), practice
    )
    assert cycle(settings, office, NOW + timedelta(hours=2)).exit_code == 0
    assert newest(office, person, kind)["In-Reply-To"] is not None


def test_a_first_mail_read_first_from_a_bounced_address_gets_its_safety_letter(
    settings, office, mailboxes
):
    person, practice = mailboxes.person, mailboxes.practice
    with Store.open(settings.storage.database) as store:
        store.mark_undeliverable(person, NOW)
    office.deliver(
        request(sender=f"Robyn <{person}>", to=practice, subject="", body=ROBYN),
        practice,
    )
    assert cycle(settings, office).exit_code == 0
    assert newest(office, person, "safety")["Subject"] == "Thank you for writing"


def test_the_no_times_alert_never_shows_our_title_as_their_subject(
    tmp_path, office, mailboxes
):
    """After a safety letter titled by us, the therapist's "offer" finds no
    times: their alert shows the person's subject as they wrote it (none),
    not "Thank you for writing"."""
    settings = settings_with(
        tmp_path,
        office,
        mailboxes,
        "[availability]\nhorizon_days = 1\nmin_notice_hours = 30\n",
    )
    read_first_then_offered(settings, office, mailboxes)
    alert = newest(office, mailboxes.therapist, "no_slots_alert")
    text = alert.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you for writing" not in text
    assert "(no subject)" in text


def test_request_offer_pick_approve_invite_each_sent_once(settings, office, mailboxes):
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(
        request(
            sender=f"Jordan Lee <{person}>",
            to=practice,
            body="Hello, I'd like to book the free 15 minute call. My number is 07700 900123.",
        ),
        practice,
    )

    report = cycle(settings, office)
    assert report.exit_code == 0
    offer = newest(office, person, "offer")
    assert offer["Subject"] == "Re: Free consultation call"
    (copy,) = office.messages(practice, "Sent")
    assert copy.flags == ("\\Seen",)
    assert copy.message()["Message-ID"] == offer["Message-ID"]
    assert [m.flags for m in office.messages(practice)] == [()]  # request untouched

    # Run again: the Sent bookmark moved past our own copy, so this is the cheap
    # empty poll, and nothing goes out twice.
    again = cycle(settings, office, NOW + timedelta(minutes=5))
    assert again.sent == 0
    assert office.imap_sessions[-1].commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]
    assert len(office.messages(person)) == 1

    at = NOW + timedelta(hours=1)
    office.deliver(
        answer(offer, sender=f"Jordan Lee <{person}>", body="2", sent_at=at), practice
    )
    assert cycle(settings, office, at).exit_code == 0
    approval = newest(office, mailboxes.therapist, "approval_request")

    at = NOW + timedelta(hours=2)
    office.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{mailboxes.therapist}>",
            body="yes",
            sent_at=at,
        ),
        practice,
    )
    assert cycle(settings, office, at).exit_code == 0
    invite = newest(office, person, "confirmation")
    assert any(p.get_content_type() == "text/calendar" for p in invite.walk())

    counts = {
        user: len(office.messages(user)) for user in (person, mailboxes.therapist)
    }
    assert cycle(settings, office, at + timedelta(minutes=5)).sent == 0
    assert {u: len(office.messages(u)) for u in counts} == counts
    # Each message went out once, and a copy of one is filed once at most.
    handed = [message_id(r.data) for r in office.smtp_log]
    filed = [m.message()["Message-ID"] for m in office.messages(practice, "Sent")]
    assert len(set(handed)) == len(handed)
    assert len(set(filed)) == len(filed)
    assert set(filed) <= set(handed)


def test_smtp_down_keeps_the_offer_and_sends_it_once_when_back(
    settings, office, mailboxes
):
    office.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    office.smtp_down()
    report = cycle(settings, office)
    assert report.exit_code == 3
    assert report.waiting == 1
    assert office.messages(mailboxes.person) == []
    office.smtp_up()
    assert cycle(settings, office, NOW + timedelta(minutes=5)).sent == 1
    assert cycle(settings, office, NOW + timedelta(minutes=10)).sent == 0
    assert len(office.messages(mailboxes.person)) == 1


def test_imap_down_and_a_refused_login_stop_the_cycle(settings, office):
    office.imap_down()
    with pytest.raises(MailboxError, match="unreachable"):
        cycle(settings, office)
    office.imap_up()
    office.password = "changed"
    with pytest.raises(MailboxAuthError):
        cycle(settings, office)


def test_a_withdrawal_while_a_time_is_held_frees_that_time(settings, office, mailboxes):
    # Scripted beside the state machine, whose fixed CI seed may not reach it.
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(request(sender=person, to=practice), practice)
    cycle(settings, office)
    at = NOW + timedelta(hours=1)
    offer = newest(office, person, "offer")
    office.deliver(answer(offer, sender=person, body="2 please", sent_at=at), practice)
    cycle(settings, office, at)
    held = newest(office, person, "held")
    assert held_calls(settings) == ["held"]
    at += timedelta(hours=1)
    office.deliver(
        answer(held, sender=person, body="Sorry, please cancel, I've changed my mind.",
               sent_at=at),
        practice,
    )  # fmt: skip
    cycle(settings, office, at)
    assert held_calls(settings) == ["released"]


def held_calls(settings) -> list[str]:
    import sqlite3

    with sqlite3.connect(settings.storage.database) as db:
        return [row[0] for row in db.execute("SELECT status FROM calls")]


def test_each_approval_round_gets_its_own_reminder(tmp_path, office, mailboxes):
    # A second pick under the same offer is a new approval round: its reminder
    # once shared the first one's Message-ID and was dropped as already sent.
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings = load_settings(
        write_config(tmp_path, nowhere, mailboxes, "[workflow]\nhold_hours = 1\n")
    )
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(request(sender=person, to=practice), practice)
    cycle(settings, office)
    offer = newest(office, person, "offer")

    def reminders() -> int:
        return sum(
            1
            for m in office.messages(mailboxes.therapist)
            if m.message()["X-Mailflow"] == "approval_again"
        )

    at = NOW + timedelta(minutes=10)
    office.deliver(answer(offer, sender=person, body="2", sent_at=at), practice)
    cycle(settings, office, at)
    cycle(settings, office, at + timedelta(minutes=70))
    assert reminders() == 1
    at += timedelta(minutes=80)
    office.deliver(
        answer(offer, sender=person, body="Actually 3 would be better", sent_at=at),
        practice,
    )
    cycle(settings, office, at)
    cycle(settings, office, at + timedelta(minutes=70))
    assert reminders() == 2


def test_crisis_words_in_a_thread_the_therapist_took_over_still_alert_them(
    settings, office, mailboxes
):
    # A thread answered by hand is the therapist's and is left alone, but
    # clear risk in the person's words there is never just marked as read.
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(request(sender=person, to=practice), practice)
    cycle(settings, office)
    offer = newest(office, person, "offer")
    by_hand = (
        f"From: Sam Rivera <{practice}>\r\nTo: {person}\r\nSubject: Re: hello\r\n"
        "Message-ID: <by-hand-1@riverside.example>\r\n"
        f"In-Reply-To: {offer['Message-ID']}\r\nReferences: {offer['Message-ID']}\r\n"
        "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\nI'll ring you today.\r\n"
    ).encode()
    office.append(practice, "Sent", by_hand)
    at = NOW + timedelta(hours=2)
    cycle(settings, office, at)  # stood down: theirs from now on
    therapist_before = len(office.messages(mailboxes.therapist))
    office.deliver(
        answer(
            offer,
            sender=person,
            body="I don't think I can keep going. I want to end my life tonight.",
            sent_at=at + timedelta(minutes=5),
        ),
        practice,
    )
    cycle(settings, office, at + timedelta(minutes=10))
    told = [
        m.message()["X-Mailflow"]
        for m in office.messages(mailboxes.therapist)[therapist_before:]
    ]
    assert "crisis_alert" in told


def test_a_thread_answered_by_hand_while_a_pick_is_held_frees_that_time(
    tmp_path, office, mailboxes
):
    # Issue #8: the hand answer stood the enquiry down but left its hold row
    # held, so that time stayed blocked for everyone. One time on offer in all:
    # the next person is offered it only if the hand answer freed it.
    settings = settings_with(
        tmp_path,
        office,
        mailboxes,
        '[workflow]\napproval = "therapist"\n[availability]\n'
        'hours = { thu = ["13:00-13:15"] }\nmin_notice_hours = 1\nhorizon_days = 3\n',
    )
    person, practice = mailboxes.person, mailboxes.practice
    office.deliver(request(sender=f"Jordan Lee <{person}>", to=practice), practice)
    assert cycle(settings, office).exit_code == 0
    offer = newest(office, person, "offer")
    assert offered(offer) == ["Thursday 26 November"]
    at = NOW + timedelta(hours=1)
    office.deliver(answer(offer, sender=person, body="1", sent_at=at), practice)
    assert cycle(settings, office, at).exit_code == 0
    assert held_calls(settings) == ["held"]

    # The therapist answers the person's pick from their own mail program: the
    # worker sees only its copy in Sent (a reply in a thread mailflow owns,
    # carrying none of mailflow's Message-IDs).
    pick = [m.message() for m in office.messages(practice)][-1]
    by_hand = answer(
        pick,
        sender=f"Sam Rivera <{practice}>",
        body="Hi Jordan, I'll ring you this afternoon.",
        sent_at=at + timedelta(minutes=30),
    )
    office.append(practice, "Sent", by_hand, ("\\Seen",))
    at += timedelta(hours=1)
    other = f"casey-{person}"
    office.deliver(
        request(sender=f"Casey Morgan <{other}>", to=practice, sent_at=at), practice
    )
    assert cycle(settings, office, at).exit_code == 0

    assert held_calls(settings) == ["released"]
    assert offered(newest(office, other, "offer")) == ["Thursday 26 November"]
    assert [m.message()["X-Mailflow"] for m in office.messages(person)] == [
        "offer",
        "held",
    ]  # and nothing more to the person answered by hand


def offered(letter) -> list[str]:
    """The days of the numbered times a letter lists ("  1. Thursday 26 November ...")."""
    import re

    text = letter.get_body(preferencelist=("plain",)).get_content()
    return [
        " ".join(line.split()[1:4]).rstrip(",")
        for line in text.splitlines()
        if re.match(r"^  \d\. ", line)
    ]
