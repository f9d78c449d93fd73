"""The therapist told mailflow to stop (stop 56): "Stop sending her times",
"no more times for him", "please stop emailing her", "no, stop". Each had
sent the person fresh times under "I'm sorry, I can't make that time after
all" (a decline), or asked the therapist again; now mailflow stands down
and nothing goes to the person (en.toml's `private`, the held-back words)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support import NOW, answer, request, run, write_config

from mailflow.model import Decision, State
from mailflow.reading.answer import read_therapist_answer

TODAY = date(2026, 11, 28)


def _read(text: str) -> Decision:
    found = read_therapist_answer(State.HELD, text, today=TODAY)
    assert found is not None
    return found.decision


@pytest.mark.parametrize(
    "text",
    [
        "Stop sending her times",
        "No. Stop sending her times please, I'll write to her.",
        "No, please stop emailing her.",
        "please stop contacting him",
        "no more times for him",
        "No - no more emails to her please",
        "dont bother sending times",
        "No, don't bother offering him anything",
        "she shouldnt be offered times",
        "He should not be sent any times.",
        "Please don't send any more times to this person.",
        "No, don't send her anymore",
        "no, stop",
        "No - stop. I'll think about it",
        "Stop!",
        "Stop emailing him please. He's been sending abusive messages.",
        # a third strict review's (helper-264): a time told of, or the
        # therapist's own call, is no proposal; a stop naming some times
        "Please stop contacting her - she starts with the CMHT on Monday at 10.",
        "No more times for her please - she emailed me on Monday at 9 to say"
        " she's found someone.",
        "No more emails to him please, I saw him Tuesday at 3pm and he's with"
        " another service.",
        "No more offers please. She needs evenings and I don't work evenings.",
        "Stop emailing her. How about I ring her Thursday at 10 instead?",
        "No, I can't do that slot. Please stop offering Mondays and send her"
        " some other times.",
        "No, stop offering evenings. Send her some other times please.",
        "Stop offering Mondays, send her Wednesday afternoons instead.",
        # a fourth strict review's (helper-265): "no more times please" is no
        # request for more; a time told of beside "rather" or "prefer" is no
        # proposal; nor a question about the offer
        "No more times please.",
        "No more slots please, she's decided not to go ahead.",
        "No more options please, she's overwhelmed.",
        "No more Monday slots please, Friday at 2pm works instead.",
        "Stop contacting her, she'd rather go to the CMHT on Monday at 10.",
        "Stop emailing her - she'd prefer to see someone local; she has her GP on"
        " Monday at 10.",
        "Stop contacting her. Why did it offer Monday at 10?",
        "Please stop contacting her, let's meet Thursday at 10 to discuss instead.",
        # a fifth strict review's (helper-266): words that only look like a
        # proposal, or the therapist's own booking
        "Stop offering evenings - how about we let her GP handle it, she sees"
        " them Monday at 10.",
        "Stop offering her evenings. Can we do something about the Monday at 10 clash?",
        "Stop sending her Tuesdays - how about I text her about Friday at 2pm?",
        "Stop offering times, I'll book her for Friday at 2pm myself.",
        "STOP SENDING HER TIMES",
        "No further times needed, she has found another therapist.",
    ],
)
def test_told_to_stop_mailflow_stands_down(text: str) -> None:
    found = read_therapist_answer(State.HELD, text, today=TODAY)
    assert found is not None
    assert found.decision is Decision.PRIVATE
    assert found.note == ""


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        # the therapist's own mail, not the person's
        ("Yes please, and stop sending me the digest at 7am", Decision.UNCLEAR),
        ("Please stop the reminders for this one", Decision.UNCLEAR),
        # other times asked for: a decline with fresh times, as before
        (
            "No, she can't do Tuesdays - send her some other times please",
            Decision.DECLINE,
        ),
        ("No, can't do Tuesday. Send some more times please.", Decision.DECLINE),
        ("yes", Decision.APPROVE),
        # a second strict review's (helper-263): a stop beside times asked
        # for, a stop negated, an approval that tells mailflow not to email
        # the therapist
        # (a stop that names some times stands down: as "don't send Tuesdays,
        # send Thursdays", fresh times would not keep them out; below)
        (
            "No, don't stop sending her times - just not that slot. Send others.",
            Decision.DECLINE,
        ),
        (
            "No, can't do that. Send her new times, but don't send more than three.",
            Decision.DECLINE,
        ),
        (
            "No, that's my day off. No further emails needed from me - just send"
            " her other times.",
            Decision.DECLINE,
        ),
        (
            "no - stop! wrong week. send her times for the week after",
            Decision.DECLINE,
        ),
        (
            "No, stop offering. Send her a few more times next week instead.",
            Decision.DECLINE,
        ),
        (
            "Happy with that. Don't bother emailing me the confirmation.",
            Decision.UNCLEAR,
        ),
        ("stop worrying, yes book her in", Decision.APPROVE),
        (
            "Yes, book her in - and no more emails from her about fees please",
            Decision.APPROVE,
        ),
        ("Stop sending her times - let's do Friday at 2pm instead", Decision.PROPOSE),
        # a stop naming some times beside a time proposed in so many words
        # (helper-265): the proposal
        (
            "Stop offering Mondays - how about Friday at 2pm instead?",
            Decision.PROPOSE,
        ),
        ("Stop sending her mornings, can you do Thursday at 3pm?", Decision.PROPOSE),
        ("Stop offering times and book her for Friday at 2pm.", Decision.PROPOSE),
        ("Stop sending her times, could we do Thursday?", Decision.UNCLEAR),
        ("No, stop. Send times for the week after.", Decision.DECLINE),
        ("No more in-person slots, offer her online sessions.", Decision.DECLINE),
        ("no, she should stop waiting - send her times", Decision.DECLINE),
        ("she can stop by the office instead", Decision.UNCLEAR),
    ],
)
def test_stop_said_of_something_else_is_read_as_before(
    text: str, decision: Decision
) -> None:
    assert _read(text) is decision


def test_a_cancel_told_with_a_stop_stands_down() -> None:
    """ "Please cancel it and stop emailing her": a cancel that sends her
    nothing more (helper-264: it had gone as a decline with fresh times)."""
    found = read_therapist_answer(
        State.HELD, "Please cancel it and stop emailing her.", today=TODAY
    )
    assert found is not None
    assert (found.decision, found.private, found.note) == (
        Decision.CANCEL,
        True,
        "",
    )


def test_stop_sending_her_times_sends_her_nothing(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Read back from the person's mailbox over Dovecot: after their pick,
    held for approval, the therapist's "No, stop sending her times please."
    sends them nothing more (before: "I'm sorry, I can't make that time after
    all" and five fresh times)."""
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(
            sender=f"Dana Cole <{mailboxes.person}>",
            to=mailboxes.practice,
            body="Hello, could I book a free call please? Mornings suit me. Dana",
        ),
        mailboxes.practice,
    )
    assert run(config) == 0

    def kinds(user: str) -> list[str]:
        return [m.message()["X-Mailflow"] for m in mail_server.messages(user)]

    (offer,) = [m.message() for m in mail_server.messages(mailboxes.person)]
    at = NOW + timedelta(hours=1)
    mail_server.deliver(
        answer(offer, sender=f"Dana Cole <{mailboxes.person}>", body="1", sent_at=at),
        mailboxes.practice,
    )
    assert run(config, at) == 0
    before = kinds(mailboxes.person)
    (approval,) = [
        m.message()
        for m in mail_server.messages(mailboxes.therapist)
        if m.message()["X-Mailflow"] == "approval_request"
    ]
    later = at + timedelta(hours=1)
    mail_server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{mailboxes.therapist}>",
            body="No, stop sending her times please.",
            sent_at=later,
        ),
        mailboxes.practice,
    )
    assert run(config, later) == 0
    assert kinds(mailboxes.person) == before
    assert run(config, later + timedelta(days=3)) == 0
    assert kinds(mailboxes.person) == before
