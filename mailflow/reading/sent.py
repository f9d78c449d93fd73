"""What one mail in the practice's Sent folder tells mailflow. Pure.

Its recipients (people the practice writes to are clients, never answered by
the robot) and the thread it answers (answered by hand: left to the human). A
mailflow letter found there is told apart: its own copy, or one another
database wrote. The shell reads thousands of these in a first run and does
the batch's store work at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser

from mailflow import patterns
from mailflow.reading import headerblock, parse

FIELDS = ("To", "Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "X-Mailflow")
"""The header fields read of each Sent mail (fetched alone: cheap scans)."""

_MESSAGE_ID = patterns.compile(r"<[^<>\s]+>")
_OWN_ID = patterns.compile(r"<mailflow\.[0-9a-f]{32}@[^<>\s]+>$")
"""The shape of mailflow's Message-IDs (writing/letters.py: message_id)."""


@dataclass(frozen=True, slots=True)
class SentMail:
    """One sent mail. `letter`: mailflow's marker when it is one of mailflow's
    letters (its X-Mailflow value; "" when only its Message-ID says so), else
    None. `answers`: the Message-IDs it replies to (In-Reply-To, References)."""

    message_id: str
    letter: str | None
    recipients: frozenset[str]
    answers: frozenset[str]

    @property
    def thread(self) -> frozenset[str]:
        """Every Message-ID of its thread, its own among them."""
        return self.answers | frozenset(_MESSAGE_ID.findall(self.message_id))


def read_sent(
    header: bytes, ours: set[str], parser: BytesHeaderParser[Message]
) -> SentMail:
    """Read one header block (as fetched: `FIELDS` only). `ours`: the practice's
    own addresses, never a recipient. `parser`: compat32, for a block that is
    not plain (the raw field values are all this needs, at a sixth of
    policy.default's cost). Raises on a block that cannot be read."""
    from email.utils import getaddresses

    fields = headerblock.plain_fields(header) or parser.parsebytes(header)
    message_id = str(fields.get("Message-ID") or "").strip()
    marker = fields.get("X-Mailflow")
    letter = (
        str(marker) if marker is not None else "" if _OWN_ID.match(message_id) else None
    )
    answers = frozenset(
        _MESSAGE_ID.findall(
            f"{fields.get('In-Reply-To') or ''} {fields.get('References') or ''}"
        )
    )
    if letter is not None:  # mailflow's mail never makes a contact
        return SentMail(message_id, letter, frozenset(), answers)
    values = [str(v) for k in ("To", "Cc", "Bcc") for v in fields.get_all(k) or []]
    # getaddresses joins the values with ", ": the same list, read plain.
    plain = parse.plain_addresses(", ".join(values))
    if plain is None:
        recipients = {a.lower() for _, a in getaddresses(values) if "@" in a} - ours
    else:
        recipients = {a for _, a in plain} - ours
    return SentMail(message_id, None, frozenset(recipients), answers)
