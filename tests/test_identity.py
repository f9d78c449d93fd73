"""Identity that never drifts: every letter's step, Message-ID, approval ref and
event UID of scripted conversations, pinned by tests/golden/identity.json (#8).

Message-IDs, approval refs and calendar UIDs are HMACs of (enquiry, step) under
the installation secret; the outbox knows a letter only by its Message-ID. So a
renamed step string makes a running install send that letter again, and a new
UID makes calendars show a second event. With a fixed secret and fixed clocks
the whole conversation is deterministic, through the real worker on Dovecot.
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from support import answer, request, run, under_ci, write_config

from mailflow.shell.store import Store
from mailflow.writing.letters import Letters

GOLDEN = Path(__file__).with_name("golden") / "identity.json"
REGENERATE = os.environ.get("MAILFLOW_REGEN_GOLDEN") == "1"
"""Read at import: the tests' clean environment drops every MAILFLOW_* variable."""

SECRET = "5ec2e7" + "0" * 58
T0 = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
"""Tuesday 09:00 in London (BST): the first request is written and answered."""
MINUTE = timedelta(minutes=1)


class Conversation:
    """Three people write to the practice; the worker runs at scripted moments."""

    def __init__(self, server, boxes, config: Path) -> None:
        self.server = server
        self.boxes = boxes
        self.config = config
        self.people = {
            "jordan": boxes.person,
            "robin": boxes.person.replace("jordan-", "robin-"),
            "alex": boxes.person.replace("jordan-", "alex-"),
        }
        self._numbers = itertools.count(1)

    def deliver(self, raw: bytes, who: str) -> None:
        """Into the practice's inbox, with a Message-ID of the script's own: the
        steps of answers name the mail they answer."""
        mail = message_from_bytes(raw, policy=policy.default)
        del mail["Message-ID"]
        mail["Message-ID"] = f"<{next(self._numbers)}.{who}@client.example>"
        self.server.deliver(mail.as_bytes(), self.boxes.practice)

    def newest(self, address: str, kind: str):
        found = [m.message() for m in self.server.messages(address)]
        found = [m for m in found if m["X-Mailflow"] == kind]
        assert found, f"no {kind} for {address}"
        return found[-1]

    def run(self, at: datetime) -> None:
        assert run(self.config, at) == 0

    def asks(self, who: str, at: datetime) -> None:
        raw = request(
            sender=f"{who.title()} <{self.people[who]}>",
            to=self.boxes.practice,
            sent_at=at,
        )
        self.deliver(raw, who)
        self.run(at)

    def says(self, who: str, kind: str, body: str, at: datetime) -> None:
        """`who` answers the newest letter of `kind` they had."""
        address = self.people[who]
        original = self.newest(address, kind)
        raw = answer(
            original, sender=f"{who.title()} <{address}>", body=body, sent_at=at
        )
        self.deliver(raw, who)
        self.run(at)

    def therapist_approves(self, at: datetime, kind: str = "approval_request") -> None:
        original = self.newest(self.boxes.therapist, kind)
        raw = answer(
            original,
            sender=f"Sam Rivera <{self.boxes.therapist}>",
            body="Yes",
            sent_at=at,
        )
        self.deliver(raw, "sam")
        self.run(at)


def book(talk: Conversation, who: str, at: datetime) -> None:
    """Request, the first time offered, the therapist's yes."""
    talk.asks(who, at)
    talk.says(who, "offer", "1", at + timedelta(hours=1))
    talk.therapist_approves(at + timedelta(hours=2))


def converse(talk: Conversation, database: Path) -> None:
    # Jordan: booked, reminded, followed up, would like to start.
    book(talk, "jordan", T0)
    # Robin: booked, then moves the call to another time.
    book(talk, "robin", T0 + 10 * MINUTE)
    talk.says(
        "robin",
        "confirmation",
        "Something has come up at work. Can we move it?",
        T0 + timedelta(hours=3),
    )
    talk.says("robin", "offer_again", "1", T0 + timedelta(hours=4))
    talk.therapist_approves(T0 + timedelta(hours=4, minutes=30), "move_request")
    talk.newest(talk.people["robin"], "confirmation")
    # Alex: booked, then cancels.
    book(talk, "alex", T0 + 20 * MINUTE)
    talk.says(
        "alex",
        "confirmation",
        "I'm so sorry, I need to cancel.",
        T0 + timedelta(hours=5),
    )
    with Store.open(database) as store:
        call = store.call(1)
        assert call is not None
        start_at, end_at = call.start_at, call.end_at
    talk.run(start_at - timedelta(hours=24) + MINUTE)
    talk.newest(talk.people["jordan"], "reminder")
    followup_at = end_at + timedelta(hours=2) + MINUTE
    talk.run(followup_at)
    talk.says(
        "jordan", "followup", "Yes, I'd love to start", followup_at + timedelta(hours=3)
    )
    talk.newest(talk.boxes.therapist, "followup_answer")


def identities(
    database: Path, derived: dict[str, tuple[int, str, int]], roles: dict[str, str]
) -> dict[str, object]:
    """What the golden file pins: each letter in outbox order, then every other id."""
    with Store.open(database) as store:
        rows = store._db.execute(
            "SELECT enquiry_id, kind, recipients, message_id FROM outbox ORDER BY id"
        ).fetchall()
        uids = store._db.execute(
            "SELECT enquiry_id, uid, sequence FROM calls ORDER BY enquiry_id"
        ).fetchall()
    by_token = {
        token: (enquiry, step) for token, (enquiry, step, _n) in derived.items()
    }
    letters = []
    for enquiry, kind, recipients, message_id in rows:
        token = message_id.removeprefix("<mailflow.").split("@")[0]
        _enquiry, step = by_token.get(token, (None, "?"))
        letters.append(
            {
                "enquiry": enquiry,
                "kind": kind,
                "to": [roles.get(r, r) for r in json.loads(recipients)],
                "step": step,
                "message_id": message_id,
            }
        )
    sent = {letter["message_id"] for letter in letters}
    other = sorted(
        {
            (enquiry, step, token)
            for token, (enquiry, step, _n) in derived.items()
            if not any(token in m for m in sent)
        }
    )
    return {
        "letters": letters,
        "event_uids": [
            {"enquiry": enquiry, "uid": uid, "sequence": sequence}
            for enquiry, uid, sequence in uids
        ],
        "other_tokens": [
            {"enquiry": enquiry, "step": step, "token": token}
            for enquiry, step, token in other
        ],
    }


@pytest.fixture
def recorded_steps(monkeypatch) -> dict[str, tuple[int, str, int]]:
    """Every (enquiry, step) the letters derive an id from, by the token it gave.

    A spy, not a fake: the real token is computed and returned unchanged.
    """
    seen: dict[str, tuple[int, str, int]] = {}
    real = Letters.token

    def token(self: Letters, enquiry_id: int, step: str, length: int = 32) -> str:
        value = real(self, enquiry_id, step, length)
        seen[value] = (enquiry_id, step, length)
        return value

    monkeypatch.setattr(Letters, "token", token)
    return seen


def test_identity_of_every_letter_is_pinned(
    tmp_path, mail_server, mailboxes, recorded_steps
):
    config = write_config(tmp_path, mail_server, mailboxes)
    database = tmp_path / "var" / "mailflow.sqlite3"
    with Store.open(database) as store:
        store.set_meta("secret", SECRET)
    talk = Conversation(mail_server, mailboxes, config)
    converse(talk, database)
    roles = {
        mailboxes.therapist: "therapist",
        mailboxes.practice: "practice",
        **{address: name for name, address in talk.people.items()},
    }
    got = identities(database, recorded_steps, roles)
    text = json.dumps(got, indent=2, sort_keys=True) + "\n"
    if REGENERATE:
        if under_ci():
            pytest.fail("MAILFLOW_REGEN_GOLDEN is set under CI: the golden is pinned")
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
        pytest.skip(f"regenerated {GOLDEN}")
    want = GOLDEN.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True),
                text.splitlines(keepends=True),
                "tests/golden/identity.json",
                "this run",
            )
        )
        pytest.fail(
            "The identity of mailflow's letters changed.\n"
            "Message-IDs, approval refs and event UIDs derive from the step strings"
            " (letters.Letters.token); the outbox knows a letter only by its"
            " Message-ID. Changing one makes every running install send that letter"
            " again, or put a second event in calendars.\n"
            "If the change is deliberate (and existing installs are taken care of),"
            " regenerate the golden file and commit it with a reason:\n"
            "    MAILFLOW_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_identity.py\n\n"
            + diff,
            pytrace=False,
        )
