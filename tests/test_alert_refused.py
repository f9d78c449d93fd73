"""News of risk the practice's own server refuses is replaced, once, by a note
without the person's words (`guard.after_refusal`, `Letters.alert_refused`).

A content filter on the practice's outgoing mail may refuse a crisis alert for
the very words it quotes ("razor", "tablets"). Failed and forgotten, that would
leave the therapist never knowing: the worst outcome. Over the real server:
its SMTP refuses any message holding a word, as such a filter does.
"""

from __future__ import annotations

import email
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from support import NOW, request, run, write_config

from mailflow.config import load_settings
from mailflow.deciding import guard
from mailflow.deciding.guard import AfterRefusal, after_refusal

WORDS = "I don't want to be alive any more. I have the razor blades here with me."
THEIR_WORDS = ("razor", "alive", "blades")
FILTERED = "554 5.7.1 Message rejected: content"
FORMS = '\n[requests]\nform_senders = ["forms@formservice.example"]\n'


@contextmanager
def filtering(server, word: bytes, answer: str = FILTERED) -> Iterator[None]:
    """The server's SMTP refusing, meanwhile, any message that holds `word`."""
    server.content_answers[word] = answer
    try:
        yield
    finally:
        server.content_answers.clear()


def outbox(config: Path) -> list[tuple[str, str]]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute("SELECT kind, status FROM outbox ORDER BY id").fetchall()


def mails(server, user) -> list[EmailMessage]:
    return [m.message() for m in server.messages(user)]


def words_of(note: EmailMessage) -> str:
    """Every part as the therapist reads it (decoded: a quoted-printable soft
    line break would hide a word from a search of the raw bytes)."""
    return "\n".join(
        part.get_content()
        for part in note.walk()
        if part.get_content_maintype() == "text"
    ).lower()


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes, FORMS)


def test_a_crisis_alert_a_content_filter_refuses_is_replaced_without_their_words(
    setup,
):
    server, boxes, config = setup
    server.deliver(
        request(sender=f"Sam <{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    before = len(server.smtp_log)
    with filtering(server, b"razor"):
        assert run(config) == 1  # a message refused for good
    (safety,) = mails(server, boxes.person)
    assert safety["X-Mailflow"] == "safety"
    # The note went first, ahead of the letter queued before it.
    went = [
        email.message_from_bytes(r.data)["X-Mailflow"] for r in server.smtp_log[before:]
    ]
    assert went == ["alert_refused", "safety"]
    (note,) = mails(server, boxes.therapist)
    assert note["X-Mailflow"] == "alert_refused"
    assert str(note["Subject"]).strip().startswith("Urgent: an alert could not reach")
    text = words_of(note)
    assert boxes.person in text  # which mail to look for
    assert "on wednesday 25 november at 09:00" in text  # when the alert was written
    assert "(its answer: 554 5.7.1)" in text
    assert "something in their words may be why" in text
    assert "what mailflow sent them, if anything, is in the practice's sent" in text
    assert "(enquiry 1.)" in text
    for word in THEIR_WORDS:
        assert word not in text  # none of their words, which the filter refused
    assert outbox(config) == [
        ("safety", "done"),
        ("crisis_alert", "failed"),
        ("alert_refused", "done"),
    ]
    assert run(config, NOW + timedelta(minutes=5)) == 0  # nothing more, ever
    assert len(server.messages(boxes.therapist)) == 1


def test_their_words_in_the_subject_refuse_the_safety_letter_too_yet_nothing_waits(
    setup,
):
    """The filtered word in the person's subject is in the safety letter's
    "Re:" too. The alert no longer waits for the next message to tell its
    content from the account (here that would be the safety letter, refused
    as well: two refusals in a row read as the account's, and every run would
    stop with nothing sent). Its note goes at once; the safety letter,
    refused alone run after run, fails in the end and is told of."""
    server, boxes, config = setup
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, subject="razor", body=WORDS),
        boxes.practice,
    )
    with filtering(server, b"razor"):
        assert run(config) == 1  # not the account's exit 3
        assert [m["X-Mailflow"] for m in mails(server, boxes.therapist)] == [
            "alert_refused"
        ]
        assert run(config, NOW + timedelta(minutes=5)) == 1
        assert run(config, NOW + timedelta(minutes=10)) == 1
    assert server.messages(boxes.person) == []
    assert [m["X-Mailflow"] for m in mails(server, boxes.therapist)] == [
        "alert_refused",
        "bounce_alert",  # their safety letter never went: the therapist knows
    ]
    assert outbox(config) == [
        ("safety", "failed"),
        ("crisis_alert", "failed"),
        ("alert_refused", "done"),
        ("bounce_alert", "done"),
    ]


def test_a_form_alert_alone_is_replaced_in_the_same_run(setup):
    """A form naming nobody to write to: its alert is the only message, with
    nothing after it to tell content from account. Replaced at once, and the
    note points to the form, not to an address it never came from."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender="Website forms <forms@formservice.example>",
            to=boxes.practice,
            subject="New form submission",
            body=f"Name: Robin\nPhone: 07700 900123\nMessage: {WORDS}\n",
        ),
        boxes.practice,
    )
    with filtering(server, b"razor"):
        assert run(config) == 1
    (note,) = mails(server, boxes.therapist)
    text = words_of(note)
    assert "a message that came through your website form" in text
    assert "forms@formservice.example" not in text
    for word in THEIR_WORDS:
        assert word not in text
    assert outbox(config) == [("form_alert", "failed"), ("alert_refused", "done")]


def test_a_plain_refusal_is_replaced_ahead_of_the_letters_queued_before(setup):
    """A 5xx that is no policy refusal (5.6.0): the alert fails at once and
    its note goes next, ahead of the other letters of the run."""
    server, boxes, config = setup
    other = f"casey-{boxes.person}"
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=WORDS), boxes.practice
    )
    server.deliver(request(sender=other, to=boxes.practice), boxes.practice)
    before = len(server.smtp_log)
    with filtering(server, b"razor", "554 5.6.0 Message refused"):
        assert run(config) == 1
    went = [
        email.message_from_bytes(r.data)["X-Mailflow"] for r in server.smtp_log[before:]
    ]
    assert went[0] == "alert_refused"
    assert sorted(went[1:]) == ["offer", "safety"]
    assert ("crisis_alert", "failed") in outbox(config)


def test_a_crisis_alert_deferred_three_times_is_replaced(setup):
    """A filter's soft refusal (4xx) of news of risk: tried three times over a
    quarter of an hour, then replaced, not retried for a day and a half."""
    server, boxes, config = setup
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=WORDS), boxes.practice
    )
    with filtering(server, b"razor", "451 4.7.1 Try again later"):
        assert run(config, NOW) == 1  # deferred: tried again in 5 minutes
        assert run(config, NOW + timedelta(minutes=5)) == 1  # then in 10
        assert run(config, NOW + timedelta(minutes=10)) == 0  # not yet due
        assert server.messages(boxes.therapist) == []
        assert run(config, NOW + timedelta(minutes=15)) == 1  # the third: given up
    (note,) = mails(server, boxes.therapist)
    assert note["X-Mailflow"] == "alert_refused"
    assert ("crisis_alert", "failed") in outbox(config)


def test_a_replacement_refused_in_its_turn_is_not_replaced_again(setup, caplog):
    """The therapist's mailbox refuses everything (full): the alert and its
    replacement fail, and nothing follows them but a line for whoever reads
    the run's errors (cron's mail)."""
    server, boxes, config = setup
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=WORDS), boxes.practice
    )
    server.data_answers[boxes.therapist] = "552 5.2.2 Mailbox full"
    try:
        assert run(config) == 1
        assert run(config, NOW + timedelta(minutes=5)) == 0
    finally:
        server.data_answers.clear()
    assert server.messages(boxes.therapist) == []
    assert outbox(config) == [
        ("safety", "done"),
        ("crisis_alert", "failed"),
        ("alert_refused", "failed"),
    ]
    lost = [r for r in caplog.records if "could not reach the therapist" in r.message]
    assert len(lost) == 1
    assert lost[0].levelname == "ERROR"


def test_two_crisis_alerts_refused_for_their_words_are_each_replaced(setup):
    """Two people at risk, both alerts refused for the same word: each
    refusal is tested by its own note before the other alert is tried, so
    two refusals in a row never read as the account's."""
    server, boxes, config = setup
    other = f"casey-{boxes.person}"
    for sender in (boxes.person, other):
        server.deliver(
            request(sender=sender, to=boxes.practice, body=WORDS), boxes.practice
        )
    with filtering(server, b"razor"):
        assert run(config) == 1  # not the account's exit 3
    notes = mails(server, boxes.therapist)
    assert [n["X-Mailflow"] for n in notes] == ["alert_refused", "alert_refused"]
    assert {boxes.person, other} == {
        a for n in notes for a in (boxes.person, other) if a in words_of(n)
    }


def test_under_a_blocked_account_the_crisis_alert_waits_whole_and_its_note_never_goes(
    setup, capsys
):
    """Every message refused on policy (SendAs denied): the note testing the
    alert's refusal is refused too and taken out again; the safety letter
    after it, refused as well, says it is the account. Nothing fails and each
    run stops with one line; once the account is fixed the whole alert goes
    (their words, Reply-To them) and the note, no longer true, never."""
    server, boxes, config = setup
    server.deliver(
        request(sender=f"Sam <{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    with filtering(server, b"x-mailflow", "554 5.7.60 SendAsDenied; not allowed"):
        for minutes in (0, 5, 10, 15):
            capsys.readouterr()
            assert run(config, NOW + timedelta(minutes=minutes)) == 3
            (line,) = capsys.readouterr().err.strip().splitlines()
            assert "refuses to send for this account" in line
            assert all(status == "pending" for _, status in outbox(config))
    assert run(config, NOW + timedelta(minutes=20)) == 0
    (alert,) = mails(server, boxes.therapist)
    assert alert["X-Mailflow"] == "crisis_alert"
    assert "razor" in words_of(alert)  # the whole alert, their words in it
    assert len(server.messages(boxes.person)) == 1  # their safety letter
    # The note was queued each run only to test the refusal, and taken out.
    assert outbox(config) == [("safety", "done"), ("crisis_alert", "done")]


def test_a_filter_refusing_the_note_too_never_stops_everyone_elses_mail(setup):
    """A filter on what the alert and its note share (the subject's
    "Urgent:"): the note tells nothing and is taken out, the next letter
    about something else goes, so the alert was refused for its content. Its
    note is refused in its turn and, with nothing else to try, the crisis
    news is lost (logged), but nobody else's mail waits behind it."""
    server, boxes, config = setup
    other = f"casey-{boxes.person}"
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=WORDS), boxes.practice
    )
    server.deliver(request(sender=other, to=boxes.practice), boxes.practice)
    with filtering(server, b"urgent:"):
        for minutes in (0, 5, 10, 15):
            assert run(config, NOW + timedelta(minutes=minutes)) in (0, 1)
    assert [m["X-Mailflow"] for m in mails(server, other)] == ["offer"]
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["safety"]
    assert server.messages(boxes.therapist) == []
    assert ("crisis_alert", "failed") in outbox(config)
    assert all(status != "pending" for _, status in outbox(config))


def test_a_risk_note_refused_is_replaced_by_a_note_to_read_today(setup):
    """The "Please read" note that is the one alert of a mail whose words
    only weigh like a crisis: its replacement is no more urgent than it."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender=boxes.person,
            to=boxes.practice,
            subject="",
            body="Is there any point. Scars all over, nobody would notice.",
        ),
        boxes.practice,
    )
    with filtering(server, b"scars"):
        assert run(config) == 1
    (note,) = mails(server, boxes.therapist)
    assert str(note["Subject"]).strip().startswith("Please read today: an alert")
    text = words_of(note)
    assert "scars" not in text
    assert ("risk_note", "failed") in outbox(config)


@pytest.mark.parametrize("kind", sorted(guard.REPLACED_WHEN_REFUSED))
def test_news_of_risk_is_replaced_and_its_refusal_tested_by_its_note(kind: str) -> None:
    for about_enquiry in (True, False):
        assert (
            after_refusal(kind, to_therapist=True, about_enquiry=about_enquiry)
            is AfterRefusal.REPLACE
        )
    assert guard.tested_by_its_note(kind)
    assert kind in guard.URGENT_KINDS  # first, and past the ordinary caps
    assert guard.retry_at(guard.URGENT_DEFERRALS, NOW, kind) is None
    assert guard.retry_at(guard.URGENT_DEFERRALS, NOW, "alert_refused") is not None


def test_the_replacement_and_other_notes_to_the_therapist_are_not_followed() -> None:
    for kind in ("alert_refused", "approval_request", "bounce_alert", "digest"):
        assert (
            after_refusal(kind, to_therapist=True, about_enquiry=True)
            is AfterRefusal.NOTHING
        )
        assert not guard.tested_by_its_note(kind)  # the next message tells
    assert "alert_refused" in guard.URGENT_KINDS


def test_a_letter_to_a_person_is_told_of_only_where_it_is_about_an_enquiry() -> None:
    assert (
        after_refusal("offer", to_therapist=False, about_enquiry=True)
        is AfterRefusal.TELL
    )
    assert (
        after_refusal("offer", to_therapist=False, about_enquiry=False)
        is AfterRefusal.NOTHING
    )
