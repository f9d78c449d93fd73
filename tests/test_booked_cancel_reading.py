"""Whether a booked call is cancelled is decided by one reader (#8, #10).

While a booked call is being moved (new times on offer, the call standing), a
reply used to be read by the pick reader, whose own cancel words took "I may
have to cancel my gym class to make it" for cancelling the call. The booked
reader (`followup.read_booked_reply`) now has the last word: when it does not
read a cancel, the person is asked, and the call stands. Through the real
worker (`run_once`) on the in-memory fakes and a real SQLite file.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from types import SimpleNamespace

import pytest
from support import NOW, answer, request, write_config

from mailflow.config import load_settings
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice

AUTO = '[workflow]\napproval = "auto"\n'


@pytest.fixture
def office() -> MemoryPostOffice:
    return MemoryPostOffice()


@pytest.fixture
def settings(tmp_path, office, mailboxes):
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    return load_settings(write_config(tmp_path, nowhere, mailboxes, AUTO))


def kinds(office, user) -> list[str]:
    return [str(m.message()["X-Mailflow"]) for m in office.messages(user)]


def newest(office, user, kind):
    found = [m.message() for m in office.messages(user)]
    return [m for m in found if m["X-Mailflow"] == kind][-1]


def moving(settings, office, mailboxes):
    """A call booked, then the person asks to move it: new times on offer."""
    person, practice = mailboxes.person, mailboxes.practice

    def cycle(at):
        assert (
            run_once(
                settings, at, mailbox=office.mailbox, sender=office.sender
            ).exit_code
            == 0
        )

    office.deliver(request(sender=person, to=practice), practice)
    cycle(NOW)
    at = NOW + timedelta(hours=1)
    office.deliver(
        answer(newest(office, person, "offer"), sender=person, body="2", sent_at=at),
        practice,
    )
    cycle(at)
    at += timedelta(hours=1)
    office.deliver(
        answer(
            newest(office, person, "confirmation"),
            sender=person,
            body="Something came up, could we move it to another day?",
            sent_at=at,
        ),
        practice,
    )
    cycle(at)
    assert kinds(office, person)[-1] == "offer_again"
    return cycle, at


def call_status(settings) -> list[str]:
    with sqlite3.connect(settings.storage.database) as db:
        return [row[0] for row in db.execute("SELECT status FROM calls")]


@pytest.mark.parametrize(
    "body",
    [
        "I may have to cancel my gym class to make it",
        "I'll cancel my other plans if I have to, none of these suit though",
    ],
)
def test_other_cancel_words_while_moving_never_cancel_the_call(
    settings, office, mailboxes, body
) -> None:
    cycle, at = moving(settings, office, mailboxes)
    at += timedelta(hours=1)
    office.deliver(
        answer(
            newest(office, mailboxes.person, "offer_again"),
            sender=mailboxes.person,
            body=body,
            sent_at=at,
        ),
        mailboxes.practice,
    )
    cycle(at)
    assert "cancelled" not in kinds(office, mailboxes.person)
    assert call_status(settings) == ["booked"]


def test_a_plain_cancel_while_moving_cancels_the_call(
    settings, office, mailboxes
) -> None:
    cycle, at = moving(settings, office, mailboxes)
    at += timedelta(hours=1)
    office.deliver(
        answer(
            newest(office, mailboxes.person, "offer_again"),
            sender=mailboxes.person,
            body="Sorry, I need to cancel the call altogether.",
            sent_at=at,
        ),
        mailboxes.practice,
    )
    cycle(at)
    assert kinds(office, mailboxes.person)[-1] == "cancelled"
    assert call_status(settings) == ["cancelled"]
