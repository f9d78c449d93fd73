"""Issue #14: senders who are who they say.

A website form only from a configured form sender; in a person's thread only
that person acts for them (a Reply-To of them from elsewhere does not); a From
that is two addresses, two From headers, or an address as display name is never
the therapist; only the receiving server's Authentication-Results are read.
End to end on Dovecot + SMTP where mail crosses the wire.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, answer, request, run, sent_to, write_config
from test_booking import newest, pick, start

from mailflow.model import InboundMail
from mailflow.reading.authenticity import authentication_failed
from mailflow.reading.parse import parse_mail

DOMAIN = "riverside.example"


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def kinds(server, user) -> list[str]:
    return [m.message()["X-Mailflow"] for m in server.messages(user)]


def test_a_form_typed_by_hand_naming_a_victim_writes_to_nobody(stack):
    server, boxes, config = stack
    victim = boxes.person
    server.deliver(
        request(
            sender="Mallory <mallory@evil.example>",
            to=boxes.practice,
            subject="New form submission",
            body=f"Name: Victim\nEmail: {victim}\n"
            "Message: Could I book the free consultation call?",
        ),
        boxes.practice,
    )
    # A genuine request in the same run is answered.
    server.deliver(
        request(sender="Robin <robin@example.org>", to=boxes.practice),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, victim) == []
    assert sent_to(server, "mallory@evil.example") == []
    assert sent_to(server, "robin@example.org")


def test_a_reply_to_of_the_person_from_elsewhere_cannot_cancel_for_them(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    before = kinds(server, boxes.person)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender="Mallory <mallory@evil.example>",
            body="Please cancel, I found help elsewhere. No longer needed.",
            sent_at=at,
            headers={"Reply-To": boxes.person},
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert kinds(server, boxes.person) == before  # nothing sent, nothing changed
    assert sent_to(server, "mallory@evil.example") == []
    # The person themself still picks from the same offer.
    pick(server, boxes, config, offer, at=NOW + timedelta(hours=2))
    assert "held" in kinds(server, boxes.person)


@pytest.mark.parametrize(
    "from_lines",
    [
        "From: Sam Rivera <{t}>, Mallory <mallory@evil.example>",
        "From: Sam Rivera <{t}>\r\nFrom: Mallory <mallory@evil.example>",
        'From: "sam@elsewhere.example" <{t}>',
    ],
    ids=["two-addresses", "two-from-headers", "address-as-name"],
)
def test_an_ambiguous_from_never_counts_as_the_therapist(stack, from_lines):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    raw = answer(
        approval, sender=f"Sam Rivera <{boxes.therapist}>", body="Yes, lovely."
    )
    head, body = raw.split(b"\n\n", 1)
    lines = [
        line for line in head.decode().splitlines() if not line.startswith("From:")
    ]
    forged = from_lines.format(t=boxes.therapist).replace("\r\n", "\n")
    raw = ("\n".join([forged, *lines]) + "\n\n").encode() + body
    at = NOW + timedelta(hours=2)
    server.deliver(raw, boxes.practice)
    assert run(config, at) == 0
    assert "confirmation" not in kinds(server, boxes.person)


def test_the_from_of_a_client_that_writes_the_address_as_the_name_is_plain():
    mail = parse_mail(b"From: jo@example.org <jo@example.org>\r\nSubject: x\r\n\r\nhi")
    assert mail.from_addr == "jo@example.org"
    assert not mail.from_ambiguous
    mail = parse_mail(b"From: sam@practice.example <mallory@evil.example>\r\n\r\nhi")
    assert mail.from_ambiguous


def _mail(*results: str) -> InboundMail:
    raw = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return parse_mail(f"From: sam@{DOMAIN}\r\n{raw}Subject: Re: x\r\n\r\nyes".encode())


def test_only_the_receiving_servers_authentication_results_are_read():
    fail = f"mx.{DOMAIN}; dmarc=fail header.from={DOMAIN}"
    padded = "mx.evil.example; " + "x" * 5000 + f"; dkim=pass header.d={DOMAIN}"
    # The receiving server's header is the topmost: a padded one below it
    # hides nothing.
    assert authentication_failed(_mail(fail, padded), DOMAIN)
    # A forged "fail"/"pass" further down is never read.
    assert not authentication_failed(_mail(f"mx.{DOMAIN}; dmarc=pass", fail), DOMAIN)
    # With the authserv-id configured, only that server's header counts.
    assert authentication_failed(
        _mail("other.example; dmarc=pass", fail), DOMAIN, f"mx.{DOMAIN}"
    )
    assert not authentication_failed(
        _mail(fail.replace(f"mx.{DOMAIN}", "forged.example")), DOMAIN, f"mx.{DOMAIN}"
    )
