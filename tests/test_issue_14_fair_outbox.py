"""Issue #14: genuine requests before bulk. The outbox went first in, first
out, so 120 spam "forms" under the hourly cap delayed a real person's offer by
four hours. Now what goes out is ordered round-robin over lanes (a person's
mailbox; every website form one lane): a flood from one sender never holds a
real person's first letter behind the cap. End to end on Dovecot + SMTP.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, request, run, sent_to, write_config

from mailflow.deciding.guard import fair_order, send_order

FORMS = 24
PER_HOUR = 6

LIMITS = f"""
[limits]
per_hour = {PER_HOUR}
per_run = {PER_HOUR}

[requests]
form_senders = ["forms@formservice.example"]
"""


def form(n: int) -> bytes:
    return request(
        sender="Website forms <forms@formservice.example>",
        to="practice@example.org",
        subject="New form submission",
        body=(
            "You've got a new form submission\n\n"
            f"Name: Visitor {n}\n"
            f"Email: visitor{n}@bulk.example\n"
            "Message: I would like to book the free consultation call.\n"
        ),
        sent_at=NOW - timedelta(minutes=30) + timedelta(seconds=n),
    )


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return (
        mail_server,
        mailboxes,
        write_config(tmp_path, mail_server, mailboxes, LIMITS),
    )


def test_a_flood_of_forms_never_delays_a_real_persons_offer(stack):
    server, boxes, config = stack
    for n in range(FORMS):
        server.deliver(form(n), boxes.practice)
    # The real person writes last, after the whole flood is queued.
    server.deliver(
        request(
            sender=f"Jordan Lee <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free 15 minute call, please.",
            sent_at=NOW - timedelta(minutes=1),
        ),
        boxes.practice,
    )
    run(config, NOW)  # exit 1: letters wait behind the cap
    assert sent_to(server, boxes.person), "the genuine offer waited behind the flood"
    flooded = sum(
        1 for r in server.smtp_log if any("@bulk.example" in t for t in r.rcpt_tos)
    )
    assert 0 < flooded < FORMS  # forms are answered; the cap still holds the flood


def test_a_flood_from_one_mailbox_waits_behind_everyone_else():
    lanes = ["a", "a", "a", "a", "b", "c", "a", "b"]
    order = fair_order(lanes)
    assert order[:3] == [0, 4, 5]  # every lane's first before anyone's second
    assert sorted(order) == list(range(len(lanes)))
    assert fair_order([]) == []
    assert fair_order(["x", "x"]) == [0, 1]  # within a lane, queue order


def test_news_of_risk_reaches_the_therapist_past_the_caps(stack):
    """A flood used up the hour's share in the last run (sending is paused);
    someone then tells of danger now: their urgent alert still goes to the
    therapist at once (a crisis waits for no hour), while ordinary letters,
    their own offer among them, wait."""
    server, boxes, config = stack
    for n in range(FORMS):
        server.deliver(form(n), boxes.practice)
    run(config, NOW)
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]
    assert "sending_paused" in kinds  # the hour's share is used: paused
    later = NOW + timedelta(minutes=5)
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free call please. "
            "PS I've just drunk a load of bleach, sorry.",
            sent_at=later,
        ),
        boxes.practice,
    )
    run(config, later)
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]
    assert "crisis_alert" in kinds
    assert sent_to(server, boxes.person) == []  # the offer waits for the hour
    run(config, later + timedelta(minutes=5))  # still paused: not sent twice
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]
    assert kinds.count("crisis_alert") == 1


def test_news_of_risk_goes_first_then_everyone_in_turn():
    lanes = ["a", "a", "therapist:1:3", "b", "therapist:2:5"]
    kinds = ["offer", "offer", "approval_request", "offer", "crisis_alert"]
    assert send_order(lanes, kinds) == [4, 0, 2, 3, 1]
    assert send_order([], []) == []


@pytest.mark.parametrize("kind", ["crisis_alert", "form_alert", "sending_paused"])
def test_no_cap_holds_back_news_of_risk(kind):
    from mailflow.deciding import guard

    limits = guard.Limits(per_address_per_day=1, per_run=1, per_hour=1)
    full = guard.SentLog.of(
        [guard.Sent(("sam@example.org",), NOW - timedelta(minutes=1))] * 5, NOW
    )
    verdict = guard.decide(
        kind=kind,
        recipients=("sam@example.org",),
        next_attempt_at=None,
        history=full,
        sent_this_run=9,
        limits=limits,
        now=NOW,
    )
    assert verdict is guard.Verdict.SEND
    ordinary = guard.decide(
        kind="approval_request",
        recipients=("sam@example.org",),
        next_attempt_at=None,
        history=full,
        sent_this_run=9,
        limits=limits,
        now=NOW,
    )
    assert ordinary is guard.Verdict.BREAKER
    # A server's 4xx still spaces its retries.
    assert (
        guard.decide(
            kind=kind,
            recipients=("sam@example.org",),
            next_attempt_at=NOW + timedelta(minutes=5),
            history=full,
            sent_this_run=0,
            limits=limits,
            now=NOW,
        )
        is guard.Verdict.NOT_YET
    )
