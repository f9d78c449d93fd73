"""Issue #14: no megaphone. Our replies never repeat a stranger's subject
beyond a plain request's, and the per-address cap counts the mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import request, run, sent_to, write_config

from mailflow.deciding.guard import Sent, address_count, mailbox_of
from mailflow.writing.compose import SAFE_SUBJECT, enquiry_subject, reply_subject

WRITER, VICTIM = "mallory@evil.example", "robin@example.org"


@pytest.mark.parametrize(
    ("subject", "ours"),
    [
        ("Free consultation call", "Re: Free consultation call"),
        ("Re: Counselling enquiry", "Re: Counselling enquiry"),
        ("everyone at work knows what you did", SAFE_SUBJECT),
        ("Free consultation - everyone at work knows what you did, liar", SAFE_SUBJECT),
        ("Consultation <script>", SAFE_SUBJECT),
        ("Hello", SAFE_SUBJECT),
    ],
)
def test_to_someone_else_a_subject_is_the_request_or_a_safe_form(subject, ours):
    assert reply_subject(enquiry_subject(subject, WRITER, VICTIM), "x") == ours


@pytest.mark.parametrize("subject", ["Hello", "Phone call", "Bonjour", "Re: help"])
def test_the_writers_own_subject_goes_back_to_them_and_keeps_their_thread(subject):
    # Their own words, to them alone: Gmail threads a reply by its subject.
    mine = enquiry_subject(subject, "Robin@Example.org", VICTIM)
    assert reply_subject(mine, "x").removeprefix("Re: ") == subject.removeprefix("Re: ")


def test_a_reply_to_victim_is_never_written_to(tmp_path, mail_server, mailboxes):
    """A stranger's Reply-To naming a victim: the practice writes to nobody but
    the writer (their own words, to them), and a genuine request is answered."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    mallory = f"mallory.{boxes.practice.split('@')[0]}@evil.example"
    server.deliver(
        request(
            sender=f"Mallory <{mallory}>",
            to=boxes.practice,
            subject="everyone at work knows what you did",
            headers={"Reply-To": f"Liar Everyone Knows <{boxes.person}>"},
        ),
        boxes.practice,
    )
    robin = f"robin.{boxes.practice.split('@')[0]}@example.org"
    server.deliver(
        request(sender=f"Robin <{robin}>", to=boxes.practice), boxes.practice
    )
    assert run(config) == 0
    assert sent_to(server, boxes.person) == []  # the victim: nothing at all
    assert sent_to(server, robin)  # the genuine request, same run
    for raw in sent_to(server, mallory):
        assert b"Liar" not in raw


def test_the_per_address_cap_counts_the_mailbox():
    assert mailbox_of("Victim+3@Example.ORG") == "victim@example.org"
    assert mailbox_of("+x@example.org") == "+x@example.org"
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    history = [
        Sent((f"victim+{n}@example.org",), now - timedelta(minutes=n))
        for n in range(1, 9)
    ]
    assert address_count(history, "VICTIM@example.org", now) == 8
