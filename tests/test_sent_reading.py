"""`read_sent`: what one mail in the practice's Sent folder tells (pure)."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from mailflow.reading.sent import read_sent

PARSER = BytesHeaderParser(policy=compat32)
OURS = {"hello@riverside.example", "sam@riverside.example"}


def test_a_reply_by_hand_names_its_people_and_the_thread_it_answers():
    mail = read_sent(
        b"To: Jordan Lee <Jordan@Example.org>, hello@riverside.example\r\n"
        b"Cc: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\n"
        b"Message-ID: <r1@riverside.example>\r\n"
        b"In-Reply-To: <q1@example.org>\r\n"
        b"References: <q0@example.org>\r\n <q1@example.org>\r\n\r\n",
        OURS,
        PARSER,
    )
    assert mail.letter is None
    assert mail.recipients == {"jordan@example.org", "renee@example.org"}
    assert mail.answers == {"<q0@example.org>", "<q1@example.org>"}
    assert mail.thread == {
        "<q0@example.org>",
        "<q1@example.org>",
        "<r1@riverside.example>",
    }


@pytest.mark.parametrize(
    ("header", "letter"),
    [
        (b"X-Mailflow: offer\r\nMessage-ID: <x@riverside.example>\r\n", "offer"),
        (
            b"Message-ID: <mailflow." + b"a" * 32 + b"@riverside.example>\r\n",
            "",
        ),
    ],
)
def test_a_mailflow_letter_makes_no_contact(header, letter):
    mail = read_sent(b"To: jordan@example.org\r\n" + header + b"\r\n", OURS, PARSER)
    assert mail.letter == letter
    assert mail.recipients == frozenset()


def test_a_block_that_is_not_plain_is_read_by_the_parser():
    mail = read_sent(
        "To: Zoë <zoe@example.org>\r\nMessage-ID: <m@x>\r\n\r\n".encode(),
        OURS,
        PARSER,
    )
    assert mail.recipients == {"zoe@example.org"}
    assert mail.message_id == "<m@x>"
