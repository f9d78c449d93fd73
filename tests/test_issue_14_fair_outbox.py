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

from mailflow.deciding.guard import fair_order

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
