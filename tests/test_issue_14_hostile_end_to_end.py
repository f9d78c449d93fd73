"""#14: each mail built to cost, over the wire, ahead of a genuine request.

The parsers' bounds are proved one by one in `test_issue_14_bounded_parsers`
and `test_issue_14_calendar_zones`; here each attack goes through Dovecot and
the real worker (`mailflow run`), followed in the same inbox by a person
asking for the free call. The run completes within the product's own
per-mail budget (`limits.mail_cpu_s`, enforced by the worker: no clock in
the test), the person gets their times, no one else gets anything, and the
hostile mail is seen for good: the next run neither retries nor answers it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, book_a_call, request, run, write_config
from test_hostile import inbox_state, query
from test_issue_14_calendar_zones import HOSTILE as SECONDLY_ZONE

VICTIM = "victim@elsewhere.example"
"""A third party each hostile mail names (Reply-To): never written to."""
STRANGER = "stranger@example.net"
BUDGET = "[limits]\nmail_cpu_s = 2\n"
"""Generous still (a first request costs about 0.3 s of CPU with its libraries
loading), and a parser that lost its bound meets it: "over-budget", not the
outcome the attack expects."""


def hostile(head: str, body: bytes, content_type: str = "text/plain") -> bytes:
    """A mail asking for the call in its subject, with `head` (a From, or
    more headers) and `body` built to cost."""
    return (
        head.encode()
        + (
            "\r\nTo: practice\r\nSubject: Free consultation call\r\n"
            f"Reply-To: {VICTIM}\r\nDate: Wed, 25 Nov 2026 08:00:00 +0000\r\n"
            "Message-ID: <hostile@example.net>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + body
    )


PLEA = b"Hello, I would like to book the free consultation call please.\r\n"

ENCODED_WORDS = hostile(
    "From: " + "=?utf-8?q?ab?= " * 16_000 + f"<{STRANGER}>", PLEA
)  # 16,000 words: over 3 GiB in the stdlib's header parser before #14
NO_AT = hostile("From: " + "a" * 150_000, PLEA)  # 43 s of regex backtracking
UNCLOSED_TAGS = hostile(
    f"From: {STRANGER}", b"<a " * 30_000, "text/html; charset=utf-8"
)  # 90 KB: 71 s in html.parser
FAILED_FIELD = (
    "From: MAILER-DAEMON@example.net\r\nTo: practice\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Wed, 25 Nov 2026 08:00:00 +0000\r\nMessage-ID: <dsn@example.net>\r\n"
    f"Reply-To: {VICTIM}\r\nX-Failed-Recipients: {'a' * 150_000}\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
    "\r\n--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
    f"Final-Recipient: rfc822; {'b' * 150_000}\r\nAction: failed\r\n"
    "Status: 5.1.1\r\n\r\n--b--\r\n"
).encode()
CONTINUATIONS = hostile(
    f"From: {STRANGER}",
    b"--x\r\nContent-Type: text/plain\r\n\r\n"
    + PLEA
    + b"--x\r\nContent-Type: text/plain\r\nContent-Disposition: attachment"
    + b"".join(b";\r\n filename*%d*=utf-8''ab" % i for i in range(20_000))
    + b"\r\n\r\nhi\r\n--x--\r\n",
    "multipart/mixed; boundary=x",
)

ATTACKS = {
    # what it is: (the mail, its envelope sender, how the worker takes it)
    "calendar zone recurring every second": (SECONDLY_ZONE, STRANGER, "over-budget"),
    # The address lies past the 64th encoded word, cut before parsing.
    "16,000 encoded words in From": (ENCODED_WORDS, STRANGER, "no-sender"),
    "a From of letters without @": (NO_AT, STRANGER, "no-sender"),
    # Asking in the subject (or the words), from a real address: answered
    # there, as any request is, never at the Reply-To.
    "HTML of unclosed tags": (UNCLOSED_TAGS, STRANGER, "request"),
    "a bounce whose failed-recipient fields are letters": (FAILED_FIELD, "", "report"),
    "20,000 RFC 2231 continuations": (CONTINUATIONS, STRANGER, "request"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_hostile_mail_neither_stops_the_run_nor_reaches_a_third_party(
    attack, tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    raw, envelope, outcome = ATTACKS[attack]
    config = write_config(tmp_path, server, boxes, BUDGET)
    book_a_call(config, NOW)  # a practice at work: calendar mail is read
    server.deliver(raw, boxes.practice, mail_from=envelope)
    server.deliver(
        request(sender=f"Jordan <{boxes.person}>", to=boxes.practice), boxes.practice
    )
    sent_before = len(server.smtp_log)

    assert run(config) == 0

    (offer,) = server.messages(boxes.person)
    assert offer.message()["X-Mailflow"] == "offer"
    ours = [r for r in server.smtp_log[sent_before:] if r.mail_from == boxes.practice]
    written = {to for r in ours for to in r.rcpt_tos}
    # A mail asking in words may be answered, at its writer's own address only.
    assert boxes.person in written
    assert written - {boxes.person} <= {envelope}
    assert VICTIM not in written
    hostile_seen, genuine_seen = query(config, "SELECT outcome FROM seen ORDER BY uid")
    assert genuine_seen == ("request",)
    assert hostile_seen == (outcome,)
    before = (inbox_state(server, boxes.practice), len(server.smtp_log))

    assert run(config, NOW + timedelta(minutes=5)) == 0  # nothing to retry

    assert (inbox_state(server, boxes.practice), len(server.smtp_log)) == before
    assert query(config, "SELECT COUNT(*) FROM seen") == [(2,)]
    assert query(config, "SELECT COUNT(*) FROM meta WHERE key LIKE 'attempts:%'") == [
        (0,)
    ]
