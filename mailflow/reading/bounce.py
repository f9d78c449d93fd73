"""Read delivery-status notifications (bounces): who could not be reached. Pure, no I/O.

Understands RFC 3464 reports (multipart/report with message/delivery-status)
and the older text bounces that name the address in X-Failed-Recipients
(Gmail). Only a final failure counts; a "still trying" (delayed) report is not
a bounce. Damaged input yields None, never an exception.
"""

from __future__ import annotations

import email.errors
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser, HeaderParser
from typing import Final

from mailflow import patterns
from mailflow.model import InboundMail
from mailflow.reading.parse import BOUNDED_COMPAT32, MAX_MAIL_BYTES, MAX_PARTS

MAX_TEXT_CHARS: Final = 256 * 1024
"""Each part is read this far for report fields and returned Message-IDs."""

MAX_FOUND: Final = 50
"""Addresses and Message-IDs kept from one report; more is not a bounce of ours."""

_SYSTEM_SENDER = patterns.compile(
    r"(?:mailer[-_]?daemon|postmaster)(?:[-+_.].*)?", re.I
)
_REPORT_WORDS: Final = (b"report", b"daemon", b"postmaster")
"""In `multipart/report` and in every sender `_SYSTEM_SENDER` matches."""
_FROM_FIELD = patterns.compile(rb"^from[ \t]*:(.*(?:\n[ \t].*)*)", re.M)
_DSN_TYPES: Final = frozenset(
    {"message/delivery-status", "message/global-delivery-status"}
)
_RETURNED_MESSAGES: Final = frozenset({"message/rfc822", "message/global"})
_RETURNED_HEADERS: Final = frozenset({"text/rfc822-headers", "message/global-headers"})
_ADDRESS = patterns.compile(
    r"[^\s<>@,;:\"'()\[\]]+@[^\s<>@,;:\"'()\[\]]+\.[A-Za-z0-9\-]+"
)
_ADDRESS_TOKEN = patterns.compile(r"[^\s<>,;:\"'()\[\]]+")
_MESSAGE_ID_LINE = patterns.compile(
    r"^[ \t]*Message-I[Dd][ \t]*:[ \t]*(<[^<>\s]{3,250}>)", re.M
)
_MESSAGE_ID = patterns.compile(r"<[^<>\s]{3,250}>")
_STATUS = patterns.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_FIELD = patterns.compile(r"^([A-Za-z][A-Za-z0-9\-]*)[ \t]*:[ \t]*(.*)$")
_BLANK_LINES = patterns.compile(r"\r?\n[ \t]*\r?\n")
_BUGS: Final = (
    ValueError, LookupError, TypeError, AttributeError, AssertionError,
    RecursionError, email.errors.MessageError,
)  # fmt: skip
"""What the stdlib email package may raise on malformed input."""


@dataclass(frozen=True, slots=True)
class Bounce:
    """A report that mail could not be delivered, for good.

    `recipients` are the failed addresses, lower-cased. `message_ids` are the
    Message-IDs of the returned mail (and any the report's threading names).
    `status` is the first RFC 3463 status code found ("5.1.1"), if any.
    """

    recipients: tuple[str, ...]
    message_ids: tuple[str, ...]
    status: str | None = None


def looks_like_bounce(mail: InboundMail) -> bool:
    """From the headers alone: a delivery report or a mail system's notice."""
    if mail.is_report:
        return True
    sender = mail.from_addr or ""
    return bool(_SYSTEM_SENDER.fullmatch(sender.rsplit("@", 1)[0]))


def may_be_report(header: bytes) -> bool:
    """Whether `looks_like_bounce` could take this raw header block for a
    report: False only where it surely would not, so a poll's scan for reports
    parses just the few that might (`Runner._last_report_among`).

    Conservative by construction: any byte beyond ASCII, a word a report or a
    system sender is named by anywhere in the block or in a From field read
    without its quotes (``post"master"`` is postmaster), or a From field with
    an encoded word or a quoted pair means "maybe"."""
    if not header.isascii():
        return True
    lower = header.lower()
    if any(word in lower for word in _REPORT_WORDS):
        return True
    lines = lower.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    for field in _FROM_FIELD.finditer(lines):
        value = field.group(1)
        if b"=?" in value or b"\\" in value:
            return True
        if any(word in value.replace(b'"', b"") for word in _REPORT_WORDS):
            return True
    return False


def read_bounce(raw: bytes) -> Bounce | None:
    """The final delivery failure a report describes; None for anything else."""
    try:
        message = BytesParser(policy=BOUNDED_COMPAT32).parsebytes(raw[:MAX_MAIL_BYTES])
        return _read(message)
    except _BUGS:
        return None


def read_delay(raw: bytes) -> Bounce | None:
    """A delay a report describes (RFC 3464 "Action: delayed": a mailbox full
    for now, a server not answering), its recipients those still waiting;
    None for anything else. Not a failure: the mail may yet arrive."""
    try:
        message = BytesParser(policy=BOUNDED_COMPAT32).parsebytes(raw[:MAX_MAIL_BYTES])
        return _read(message, delayed=True)
    except _BUGS:
        return None


def _read(message: Message, *, delayed: bool = False) -> Bounce | None:
    failed: list[str] = []
    statuses: list[str] = []
    ids: list[str] = []
    texts: list[str] = []
    for value in () if delayed else message.get_all("X-Failed-Recipients") or []:
        failed.extend(a.lower() for a in addresses_in(str(value)))
    for name in ("In-Reply-To", "References"):
        ids.extend(_MESSAGE_ID.findall(str(message.get(name, ""))))
    found_report = False
    for part in _walk(message):
        kind = part.get_content_type()
        if kind in _DSN_TYPES:
            found_report = True
            _read_report(_report_text(part), failed, statuses, delayed=delayed)
        elif kind in _RETURNED_MESSAGES:
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                inner = payload[0]
                if isinstance(inner, Message):
                    ids.extend(_MESSAGE_ID.findall(str(inner.get("Message-ID", ""))))
        elif kind in _RETURNED_HEADERS:
            headers = HeaderParser(policy=BOUNDED_COMPAT32).parsestr(_text(part))
            ids.extend(_MESSAGE_ID.findall(str(headers.get("Message-ID", ""))))
        elif kind == "text/plain":
            text = _text(part)
            texts.append(text)
            ids.extend(_MESSAGE_ID_LINE.findall(text))
    if not found_report and message.get_content_type() == "multipart/report":
        # A report whose MIME boundary is broken: its fields are still lines.
        body = message.get_payload()
        if isinstance(body, str):
            _read_report(body[:MAX_TEXT_CHARS], failed, statuses, delayed=delayed)
            ids.extend(_MESSAGE_ID_LINE.findall(body[:MAX_TEXT_CHARS]))
    recipients = tuple(dict.fromkeys(failed))[:MAX_FOUND]
    if not recipients:
        return None
    if not statuses and not delayed:
        statuses = [m for t in texts for m in _STATUS.findall(t) if m[0] in "45"]
    return Bounce(
        recipients=recipients,
        message_ids=tuple(dict.fromkeys(ids))[:MAX_FOUND],
        status=statuses[0] if statuses else None,
    )


def _read_report(
    text: str, failed: list[str], statuses: list[str], *, delayed: bool = False
) -> None:
    """Per-recipient blocks of an RFC 3464 report: the ones whose Action is failed
    (or, without an Action, whose Status is 5.x.x); `delayed`: the ones whose
    Action is delayed."""
    for block in _BLANK_LINES.split(text):
        fields = _fields(block)
        named = [fields.get("original-recipient"), fields.get("final-recipient")]
        if not any(named):
            continue
        action = fields.get("action", "").strip().lower()
        status = _STATUS.search(fields.get("status", ""))
        if (
            (action == "delayed")
            if delayed
            else (
                action == "failed"
                or (not action and status is not None and status.group(1)[0] == "5")
            )
        ):
            # Both: Final-Recipient may be an alias the address forwarded to.
            for value in filter(None, named):
                found = addresses_in(value.rsplit(";", 1)[-1], most=1)
                failed.extend(address.lower() for address in found)
            if status is not None:
                statuses.append(status.group(1))


def addresses_in(text: str, *, most: int = MAX_FOUND) -> list[str]:
    """The first `most` addresses in `text`, in time linear in its length."""
    found: list[str] = []
    for run in address_runs(text):
        if (match := _ADDRESS.match(run)) is not None:
            found.append(match.group())
            if len(found) >= most:
                break
    return found


def address_runs(text: str) -> Iterator[str]:
    """The runs between separators in `text` that hold an ``@``.

    The address regex is tried only at the start of each: searched over the
    text, it backtracked from every letter of a long run without ``@`` (an
    X-Failed-Recipients or DSN field of letters: quadratic).
    """
    for token in _ADDRESS_TOKEN.finditer(text):
        if "@" in token.group():
            yield token.group()


def _fields(block: str) -> dict[str, str]:
    """Header-style lines of one block, lower-cased names, first occurrence wins."""
    fields: dict[str, str] = {}
    last: str | None = None
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and last is not None:
            fields[last] += " " + line.strip()
            continue
        match = _FIELD.match(line)
        if match is None:
            last = None
            continue
        last = match.group(1).lower()
        if last in fields:
            last = None
        else:
            fields[last] = match.group(2).strip()
    return fields


def _report_text(part: Message) -> str:
    """The delivery-status body as text, however the parser split it."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in block.items())
            for block in payload[:MAX_PARTS]
            if isinstance(block, Message)
        )[:MAX_TEXT_CHARS]
    return _text(part)


def _text(part: Message) -> str:
    """A leaf part's body, transfer encoding undone, as forgiving text."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload[:MAX_TEXT_CHARS] if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data[: MAX_TEXT_CHARS * 4].decode(charset, "replace")[:MAX_TEXT_CHARS]
    except LookupError:
        return data[: MAX_TEXT_CHARS * 4].decode("latin-1")[:MAX_TEXT_CHARS]


def _walk(message: Message) -> Iterator[Message]:
    """Parts in document order, at most MAX_PARTS (no recursion)."""
    stack = [message]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop()
        seen += 1
        yield part
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
