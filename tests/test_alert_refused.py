"""News of risk the practice's own server refuses is replaced, once, by a note
without the person's words (`guard.after_refusal`, `Letters.alert_refused`).

A content filter on the practice's outgoing mail may refuse a crisis alert for
the very words it quotes ("razor", "tablets"). Failed and forgotten, that would
leave the therapist never knowing: the worst outcome. Over the real server:
its SMTP refuses any message holding a word, as such a filter does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support import NOW, request, run, write_config

from mailflow.config import load_settings
from mailflow.deciding.guard import (
    URGENT_KINDS,
    AfterRefusal,
    after_refusal,
)

WORDS = "I don't want to be alive any more. I have the razor blades here with me."


def outbox(config: Path) -> list[tuple[str, str]]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute("SELECT kind, status FROM outbox ORDER BY id").fetchall()


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def test_a_crisis_alert_a_content_filter_refuses_is_replaced_without_their_words(
    setup,
):
    server, boxes, config = setup
    server.deliver(
        request(sender=f"Sam <{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    server.content_answers[b"razor"] = "554 5.7.1 Message rejected: content"
    try:
        assert run(config) == 1  # a message refused for good
    finally:
        server.content_answers.clear()
    (safety,) = [m.message() for m in server.messages(boxes.person)]
    assert safety["X-Mailflow"] == "safety"
    (note,) = [m.message() for m in server.messages(boxes.therapist)]
    assert note["X-Mailflow"] == "alert_refused"
    assert note["Subject"].startswith("Urgent: please read the practice inbox")
    text = note.get_body(("plain",)).get_content()
    assert boxes.person in text  # which mail to look for
    assert "(554 5.7.1)" in text  # what the server said
    assert "(Enquiry 1.)" in text
    raw = server.messages(boxes.therapist)[0].raw.lower()
    for word in (b"razor", b"alive", b"blades"):
        assert word not in raw  # none of their words, which the filter refused
    assert outbox(config) == [
        ("safety", "done"),
        ("crisis_alert", "failed"),
        ("alert_refused", "done"),
    ]
    assert run(config, NOW.replace(minute=5)) == 0  # nothing more, ever
    assert len(server.messages(boxes.therapist)) == 1


def test_a_replacement_refused_in_its_turn_is_not_replaced_again(setup):
    """The therapist's mailbox refuses everything (full): the alert and its
    replacement fail, and nothing follows them."""
    server, boxes, config = setup
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=WORDS), boxes.practice
    )
    server.data_answers[boxes.therapist] = "552 5.2.2 Mailbox full"
    try:
        assert run(config) == 1
        assert run(config, NOW.replace(minute=5)) == 0
    finally:
        server.data_answers.clear()
    assert server.messages(boxes.therapist) == []
    assert outbox(config) == [
        ("safety", "done"),
        ("crisis_alert", "failed"),
        ("alert_refused", "failed"),
    ]


@pytest.mark.parametrize("kind", ["crisis_alert", "form_alert", "risk_note"])
def test_news_of_risk_is_replaced_whoever_it_is_about(kind: str) -> None:
    for about_enquiry in (True, False):
        assert (
            after_refusal(kind, to_therapist=True, about_enquiry=about_enquiry)
            is AfterRefusal.REPLACE
        )


def test_the_replacement_and_other_notes_to_the_therapist_are_not_followed() -> None:
    for kind in ("alert_refused", "approval_request", "bounce_alert", "digest"):
        assert (
            after_refusal(kind, to_therapist=True, about_enquiry=True)
            is AfterRefusal.NOTHING
        )
    assert "alert_refused" in URGENT_KINDS  # first, and past the ordinary caps


def test_a_letter_to_a_person_is_told_of_only_where_it_is_about_an_enquiry() -> None:
    assert (
        after_refusal("offer", to_therapist=False, about_enquiry=True)
        is AfterRefusal.TELL
    )
    assert (
        after_refusal("offer", to_therapist=False, about_enquiry=False)
        is AfterRefusal.NOTHING
    )
