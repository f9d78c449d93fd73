"""Issue #14: the therapist's replies are read for their own words only.

Quoted history in HTML (<blockquote>, Outlook's "From: ... Sent: ..." block)
and our own letter quoted without any mark are never read as theirs, so the
approval's example "could we do Thursday at 2?" can never become a proposal;
a proposal outside the practice's hours is asked about, not offered.
End to end on Dovecot + SMTP where mail crosses the wire.
"""

from __future__ import annotations

import html
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from support import NOW, answer, plain, run, write_config
from test_booking import newest, offered_lines, pick, start, therapist_says

from mailflow.model import Decision, State
from mailflow.reading.answer import read_therapist_answer
from mailflow.reading.parse import html_to_text, parse_mail
from mailflow.reading.quoting import new_words
from mailflow.writing.compose import static_text

DECLINE = "No, sorry. I'm away all that week."


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def html_reply(original, *, sender: str, body_html: str, at=NOW) -> bytes:
    """An HTML-only reply, as webmail writes it, threaded on `original`."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = original["From"]
    message["Subject"] = "Re: " + original["Subject"]
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="client.example")
    message["In-Reply-To"] = original["Message-ID"]
    message["References"] = original["Message-ID"]
    message.set_content(body_html, subtype="html")
    return message.as_bytes()


def as_html(text: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())


def held_then_answer(server, boxes, config, body_html: str):
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    approval = newest(server, boxes.therapist, "approval_request")
    assert "could we do Thursday at 2?" in plain(approval)
    at = NOW + timedelta(hours=2)
    server.deliver(
        html_reply(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body_html=body_html.replace("{approval}", as_html(plain(approval))),
            at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    return approval


def assert_declined_not_proposed(server, boxes) -> None:
    again = newest(server, boxes.person, "offer_again")
    text = plain(again)
    assert len(offered_lines(again)) >= 2, text  # fresh times, not one proposal
    assert "Could I ring you" not in text
    # The decline itself: its note is passed on; nothing was booked.
    assert "away all that week" in text
    kinds = [m.message()["X-Mailflow"] for m in server.messages(boxes.person)]
    assert "confirmation" not in kinds


def test_an_html_only_no_with_the_approval_in_a_blockquote_is_a_decline(stack):
    """The regression of #14: no "wrote:" line, the approval in <blockquote>."""
    server, boxes, config = stack
    held_then_answer(
        server,
        boxes,
        config,
        f"<div>{html.escape(DECLINE)}</div><div><br></div>"
        "<blockquote style='margin:0 0 0 .8ex;border-left:1px #ccc solid'>"
        "{approval}</blockquote>",
    )
    assert_declined_not_proposed(server, boxes)


def test_an_outlook_divider_above_the_approval_is_history(stack):
    server, boxes, config = stack
    held_then_answer(
        server,
        boxes,
        config,
        f"<div>{html.escape(DECLINE)}</div>"
        "<div id='divRplyFwdMsg'><hr><b>From:</b> Riverside Counselling"
        " &lt;practice@example.org&gt;<br><b>Sent:</b> Wednesday, 25 November"
        " 2026 10:00<br><b>To:</b> Sam Rivera<br><b>Subject:</b> Please approve"
        "</div>{approval}",
    )
    assert_declined_not_proposed(server, boxes)


def test_the_approval_quoted_without_any_mark_is_never_theirs(stack):
    """A client that pastes the letter below the answer, no ">" and no header."""
    server, boxes, config = stack
    held_then_answer(
        server, boxes, config, f"<p>{html.escape(DECLINE)}</p>{{approval}}"
    )
    assert_declined_not_proposed(server, boxes)


def test_a_proposal_outside_the_hours_is_asked_about_then_offered_when_meant(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    pick(server, boxes, config, offer)
    before = len(server.messages(boxes.person))
    # Fridays are closed in the default hours.
    therapist_says(server, boxes, config, "Could we do Friday at 4 instead?")
    again = newest(server, boxes.therapist, "approval_again")
    text = plain(again)
    assert "outside your opening hours" in text
    assert "Friday 27 November" in text
    assert len(server.messages(boxes.person)) == before  # nothing offered to them
    at = NOW + timedelta(hours=3)
    server.deliver(
        answer(
            again,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Friday at 4 anyway, please.",
            sent_at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    proposal = newest(server, boxes.person, "offer_again")
    assert "Friday 27 November at 16:00" in plain(proposal)


# -- the readers, without a server ---------------------------------------------------


def test_blockquotes_read_as_quote_marked_lines():
    text = html_to_text(
        "<p>No thanks</p><blockquote><p>one</p><blockquote>two</blockquote>"
        "three</blockquote><p>Sam</p>"
    )
    assert text.split("\n") == [
        "No thanks",
        "",
        "> one",
        "",
        ">> two",
        "> three",
        "",
        "Sam",
    ]
    assert new_words(text) == "No thanks\n\nSam"


def test_quote_marks_in_the_text_itself_are_never_taken_for_blockquotes():
    text = html_to_text("<p>\ue000hello\ue001 there</p>")
    assert text == "hello there"


def test_our_letter_quoted_unmarked_and_rewrapped_is_dropped():
    letter = static_text("approval_request")
    reply = (
        "No, sorry. I'm away all that week.\n\n"
        "To answer, reply to this email:\n"
        'another time: e.g. "could we do\n'
        'Thursday at 2?"; they are offered that time and it is booked when they say yes.\n'
    )
    assert new_words(reply, sent=[letter]) == "No, sorry. I'm away all that week."
    # The therapist's own short words stay, even when the letter has them too.
    assert new_words("yes", sent=[letter]) == "yes"
    reading = read_therapist_answer(State.HELD, reply, today=NOW.date(), sent=[letter])
    assert reading is not None
    assert reading.decision is Decision.DECLINE


def test_the_persons_words_quoted_back_are_never_the_therapists():
    first = "Hello, could we do Thursday at 2? I'm free then most weeks."
    reply = f"No, sorry - I'm full that week.\n\n{first}\n"
    reading = read_therapist_answer(State.HELD, reply, today=NOW.date(), sent=[first])
    assert reading is not None
    assert reading.decision is Decision.DECLINE


def test_an_html_only_reply_parses_to_a_decline():
    approval = static_text("approval_request")
    raw = (
        "From: sam@example.org\r\nTo: p@example.org\r\nSubject: Re: x\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        f"<div>{DECLINE}</div><blockquote>{as_html(approval)}</blockquote>"
    ).encode()
    mail = parse_mail(raw)
    reading = read_therapist_answer(State.HELD, mail.text, today=NOW.date())
    assert reading is not None
    assert reading.decision is Decision.DECLINE
