"""In-memory mail servers: a `MemoryPostOffice` and its `Mailbox` and `Sender` fakes.

No I/O. Stands in for `devserver.LocalMailServer` (Dovecot + SMTP): the same
test-side helpers (`deliver`, `append`, `messages`, `smtp_log`, outages), and
adapters that pass the same contract tests as `ImapMailbox` and `SmtpSender`.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, NamedTuple

from imapclient import exceptions as imap_errors

from mailflow.errors import MailboxError, TransientSendError
from mailflow.shell.mailbox import (
    FETCH_BATCH,
    READ_LIMIT,
    FolderStatus,
    HeaderFetch,
    Outline,
    imap_credential,
)
from mailflow.shell.mailbox import _translated as _imap_translated
from mailflow.shell.smtp import _credential as _smtp_credential
from mailflow.shell.smtp import _translated as _smtp_translated

if TYPE_CHECKING:
    from mailflow.config import ImapSettings, SmtpSettings

# The fakes play the *server*: a failure is raised as imapclient or smtplib
# would report it and goes through the real adapter's own translation, so the
# error classes and words are the real ones (and are mapped in one place).

PASSWORD = "secret"
"""The one password every user has, as on `devserver.LocalMailServer`."""
FOLDERS = ("INBOX", "Sent", "Drafts", "Trash")
"""Every account has these from the start (the dev server's Dovecot namespace)."""
_SPECIAL_USE = {
    "Sent": ("\\Sent",),
    "Drafts": ("\\Drafts",),
    "Trash": ("\\Trash",),
}
"""Their RFC 6154 marks, as the dev server's Dovecot gives them."""


@dataclass(frozen=True, slots=True)
class StoredMail:
    """One mail as the server holds it (`devserver.StoredMail`'s shape)."""

    uid: int
    flags: tuple[str, ...]
    raw: bytes

    def message(self) -> EmailMessage:
        """Parse `raw` with the modern policy (for assertions on headers and body)."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpRecord(NamedTuple):
    """What the SMTP server accepted: the envelope and the bytes after DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


@dataclass(slots=True)
class _Mail:
    uid: int
    raw: bytes
    flags: set[str]
    received_at: datetime


@dataclass(slots=True)
class _Folder:
    uidvalidity: int
    uidnext: int = 1
    mails: dict[int, _Mail] = field(default_factory=dict)

    def add(self, raw: bytes, flags: set[str], when: datetime) -> int:
        uid = self.uidnext
        self.mails[uid] = _Mail(uid, raw, flags, when)
        self.uidnext += 1
        return uid


class MemoryPostOffice:
    """Every user's folders, an SMTP relay delivering into them, and outages.

    Any user name logs in with `password`. `mailbox` and `sender` are the
    factories `cycle.run_once` takes. `clock` stamps arrivals (INTERNALDATE and
    the Received line); set it to drive simulated time. The helpers for tests
    (`deliver`, `append`, `messages`, folder changes) ignore outages; only the
    adapters' sessions meet them.
    """

    def __init__(
        self,
        *,
        password: str = PASSWORD,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.password = password
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.uidplus = True
        """False plays a server without UIDPLUS: `append` then returns None."""
        self.smtp_log: list[SmtpRecord] = []
        self.rcpt_answers: dict[str, str] = {}
        """What RCPT TO answers for an address instead of 250 ("450 4.2.1 ...")."""
        self.data_answers: dict[str, str] = {}
        """What DATA answers for a message to an address ("554 5.7.1 ...")."""
        self.content_answers: dict[bytes, str] = {}
        """What DATA answers for any message whose bytes hold a word
        (lower-cased): a content filter."""
        self.imap_sessions: list[MemoryMailbox] = []
        """Every session opened, in order (their `commands` for cost tests)."""
        self._users: dict[str, dict[str, _Folder]] = {}
        self._uidvalidities = itertools.count(1)
        self._imap_up = True
        self._smtp_up = True
        # Bumped when a server goes down: a session from an older epoch is dead.
        self._imap_epoch = 0
        self._smtp_epoch = 0
        self._queue: list[SmtpRecord] = []

    # -- factories for cycle.run_once ----------------------------------------

    def mailbox(self, settings: ImapSettings) -> MemoryMailbox:
        return MemoryMailbox(self, settings)

    def sender(self, settings: SmtpSettings) -> MemorySender:
        return MemorySender(self, settings)

    # -- outages -------------------------------------------------------------

    def imap_down(self) -> None:
        """Connections are refused and open sessions die; stored mail is kept."""
        self._imap_up = False
        self._imap_epoch += 1

    def imap_up(self) -> None:
        """Back up; mail accepted over SMTP meanwhile is delivered now."""
        self._imap_up = True
        queued, self._queue = self._queue, []
        for record in queued:
            self._lmtp(record)

    def smtp_down(self) -> None:
        self._smtp_up = False
        self._smtp_epoch += 1

    def smtp_up(self) -> None:
        self._smtp_up = True

    # -- helpers for tests (LocalMailServer's) -------------------------------

    def deliver(
        self,
        raw: bytes,
        to: str,
        *,
        mail_from: str | None = None,
    ) -> None:
        """Deliver `raw` into the INBOX of `to`, as an MTA would (LMTP)."""
        if mail_from is None:
            headers = email.message_from_bytes(raw, policy=email.policy.compat32)
            mail_from = parseaddr(str(headers.get("From", "")))[1]
        self._lmtp(SmtpRecord(mail_from, (to,), _data(raw)))

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        *,
        when: datetime | None = None,
    ) -> int:
        """Store `raw` in `folder` of `user` (APPEND); return its UID."""
        box = self._folder(user, folder)
        if box is None:
            raise KeyError(f"{user} has no folder {folder!r}")
        return box.add(_crlf(raw), set(flags), when or self.clock())

    def messages(self, user: str, folder: str = "INBOX") -> list[StoredMail]:
        """Every mail in `folder` by UID, flags included."""
        box = self._folder(user, folder)
        if box is None:
            raise KeyError(f"{user} has no folder {folder!r}")
        return [
            StoredMail(m.uid, tuple(sorted(m.flags)), m.raw)
            for _, m in sorted(box.mails.items())
        ]

    def create_folder(self, user: str, folder: str) -> None:
        folders = self._account(user)
        if _name(folder) in folders:
            raise KeyError(f"{user} has a folder {folder!r} already")
        folders[_name(folder)] = _Folder(next(self._uidvalidities))

    def delete_folder(self, user: str, folder: str) -> None:
        """Delete it; created again, it has a new UIDVALIDITY (RFC 9051 2.3.1.1)."""
        del self._account(user)[_name(folder)]

    def expunge(self, user: str, folder: str, uid: int) -> None:
        """Remove one mail for good, as another mail program may; its UID is not reused."""
        box = self._folder(user, folder)
        if box is not None:
            box.mails.pop(uid, None)

    def oauth2_token(self, user: str) -> str:
        """An access token both fakes accept for `user`."""
        return f"memory-token:{user.lower()}"

    # -- internals -----------------------------------------------------------

    def _account(self, user: str) -> dict[str, _Folder]:
        user = user.lower()  # Dovecot's auth_username_format = %Lu
        if user not in self._users:
            self._users[user] = {
                name: _Folder(next(self._uidvalidities)) for name in FOLDERS
            }
        return self._users[user]

    def _folder(self, user: str, folder: str) -> _Folder | None:
        return self._account(user).get(_name(folder))

    def _accepts(self, user: str, secret: str, auth: str) -> bool:
        if auth == "oauth2":
            return secret == self.oauth2_token(user)
        return secret == self.password

    def _lmtp(self, record: SmtpRecord) -> None:
        """Store one transaction per recipient, under the lines delivery adds."""
        when = self.clock()
        for rcpt in record.rcpt_tos:
            trace = (
                f"Return-Path: <{record.mail_from}>\r\n"
                f"Delivered-To: {rcpt}\r\n"
                "Received: from [127.0.0.1]\r\n\tby memory with LMTP\r\n"
                f"\t(envelope-from <{record.mail_from}>)\r\n"
                f"\tfor <{rcpt}>; {format_datetime(when)}\r\n"
            ).encode()
            inbox = self._folder(rcpt, "INBOX")
            assert inbox is not None
            inbox.add(trace + _crlf(record.data), set(), when)

    def _relay(
        self, epoch: int, sender: str, recipients: Sequence[str], raw: bytes
    ) -> None:
        """One SMTP transaction, failing as smtplib would report the server."""
        if not self._smtp_up or epoch != self._smtp_epoch:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in recipients:
            answer = self.rcpt_answers.get(rcpt.lower())
            if answer is not None:
                refused[rcpt] = _reply(answer)
                if refused[rcpt][0] == 421:
                    raise smtplib.SMTPRecipientsRefused(refused)
        accepted = tuple(r for r in recipients if r not in refused)
        if not accepted:
            raise smtplib.SMTPRecipientsRefused(refused)
        for rcpt in accepted:
            answer = self.data_answers.get(rcpt.lower())
            if answer is not None:
                raise smtplib.SMTPDataError(*_reply(answer))
        lower = raw.lower()
        for word, answer in self.content_answers.items():
            if word in lower:
                raise smtplib.SMTPDataError(*_reply(answer))
        record = SmtpRecord(sender, accepted, _data(raw))
        self.smtp_log.append(record)
        if self._imap_up:
            self._lmtp(record)
        else:  # queued by the MTA, delivered once the mail store is back
            self._queue.append(record)


class MemoryMailbox:
    """One session on a `MemoryPostOffice`; the `Mailbox` port, IMAP semantics.

    Like `ImapMailbox`: no I/O until entered, `commands` names each IMAP
    command it would have sent (the cost tests count them). Like Dovecot, the
    selected folder is seen as of the end of the previous command: mail that
    arrives, or is expunged, meanwhile shows from the command after next
    (RFC 9051 7.4: the server reports changes after a command, not during it).
    """

    def __init__(self, office: MemoryPostOffice, settings: ImapSettings) -> None:
        self._office = office
        self._settings = settings
        self._user: str | None = None
        self._epoch = -1
        self._selected: tuple[str, _Folder] | None = None
        self._view: dict[int, _Mail] = {}
        self.commands: list[str] = []

    def __enter__(self) -> MemoryMailbox:
        office, cfg = self._office, self._settings
        secret = imap_credential(cfg)  # first, as the real one: no token, no connection
        with _imap_translated("connect", cfg):
            if not office._imap_up:
                raise ConnectionRefusedError(111, "Connection refused")
        with _imap_translated("login", cfg):
            if not office._accepts(cfg.username, secret, cfg.auth):
                raise imap_errors.LoginError(
                    "[AUTHENTICATIONFAILED] Authentication failed."
                )
        self._user = cfg.username.lower()
        self._epoch = office._imap_epoch
        office.imap_sessions.append(self)
        self.commands.append("LOGIN")
        return self

    def __exit__(self, *exc: object) -> None:
        alive = self._user is not None and self._alive()
        self._user = None
        self._selected = None
        if alive:
            self.commands.append("LOGOUT")

    def status(self, folder: str) -> FolderStatus:
        with self._command(f"STATUS of {folder!r}"):
            box = self._existing(folder, "status")  # the folder now, not the view
        self.commands.append("STATUS")
        return FolderStatus(uidvalidity=box.uidvalidity, uidnext=box.uidnext)

    def statuses(self, folders: Sequence[str]) -> dict[str, FolderStatus]:
        found: dict[str, FolderStatus] = {}
        for folder in folders:
            with self._command(f"STATUS of {folder!r}"):
                box = self._account().get(_name(folder))
            self.commands.append("STATUS")
            if box is not None:
                found[folder] = FolderStatus(box.uidvalidity, box.uidnext)
        return found

    def folder_exists(self, folder: str) -> bool:
        with self._command(f"STATUS of {folder!r}"):
            found = self._account().get(_name(folder)) is not None
        self.commands.append("STATUS")
        return found

    def folders(self) -> list[tuple[str, tuple[str, ...]]]:
        with self._command("LIST"):
            names = list(self._account())
        self.commands.append("LIST")
        return [(name, _SPECIAL_USE.get(name, ())) for name in names]

    def examine(self, folder: str) -> int:
        self._selected = None  # a failed SELECT leaves nothing selected
        with self._command(f"EXAMINE {folder!r}"):
            box = self._existing(folder, "select")
            self._selected = (_name(folder), box)
        self.commands.append("EXAMINE")
        return box.uidvalidity

    def uids_after(self, uid: int) -> list[int]:
        with self._command("UID SEARCH"):
            found = sorted(u for u in self._seen() if u > uid)
        self.commands.append("UID SEARCH")
        return found

    def uids_since(self, day: date) -> list[int]:
        with self._command("UID SEARCH"):
            view = self._seen()
            found = sorted(u for u, m in view.items() if m.received_at.date() >= day)
        self.commands.append("UID SEARCH")
        return found

    def headers(self, uids: list[int]) -> Iterator[HeaderFetch]:
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            with self._command("UID FETCH headers"):
                found = [m for m in map(self._seen().get, batch) if m is not None]
            self.commands.append("UID FETCH")
            for mail in found:
                yield HeaderFetch(
                    uid=mail.uid,
                    header=_header_block(mail.raw),
                    size=len(mail.raw),
                    received_at=mail.received_at,
                )

    def header_fields(
        self, uids: list[int], fields: tuple[str, ...]
    ) -> Iterator[tuple[int, bytes]]:
        wanted = {f.upper().encode() for f in fields}
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            with self._command("UID FETCH header fields"):
                found = [m for m in map(self._seen().get, batch) if m is not None]
            self.commands.append("UID FETCH")
            for mail in found:
                yield mail.uid, _only_fields(_header_block(mail.raw), wanted)

    def body(self, uid: int) -> bytes | None:
        return self.bodies([uid]).get(uid)

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        if not uids:
            return {}
        with self._command("UID FETCH bodies"):
            view = self._seen()
            found = {u: view[u].raw[:READ_LIMIT] for u in uids if u in view}
        self.commands.append("UID FETCH")
        return found

    def outlines(self, uids: list[int]) -> dict[int, Outline]:
        """What parse finds in each whole mail (the fake has no BODYSTRUCTURE)."""
        from mailflow.reading import parse

        if not uids:
            return {}
        with self._command("UID FETCH structures"):
            view = self._seen()
            found = {u: view[u].raw[:READ_LIMIT] for u in uids if u in view}
        self.commands.append("UID FETCH")
        out = {}
        for uid, raw in found.items():
            try:
                mail = parse.parse_mail(raw)
            except parse.ParseError:
                out[uid] = Outline(calendar=True, report=True)
                continue
            out[uid] = Outline(calendar=mail.has_calendar, report=mail.is_report)
        return out

    def readable(self, wanted: dict[int, Outline | None]) -> dict[int, bytes]:
        """Whole mails: rebuilding a part of one would only test the fake."""
        return self.bodies(list(wanted))

    def append(self, folder: str, raw: bytes, when: datetime) -> tuple[int, int] | None:
        with self._command(f"APPEND to {folder!r}"):
            box = self._existing(folder, "append", "[TRYCREATE] ")
            uid = box.add(_crlf(raw), {"\\Seen"}, when)
        self.commands.append("APPEND")
        return (box.uidvalidity, uid) if self._office.uidplus else None

    def file_unread(self, folder: str, raw: bytes, when: datetime) -> None:
        with self._command(f"APPEND to {folder!r}"):
            box = self._existing(folder, "append", "[TRYCREATE] ")
            box.add(_crlf(raw), {"\\Flagged"}, when)
        self.commands.append("APPEND")

    def append_many(
        self, folder: str, raws: list[bytes], when: datetime
    ) -> list[tuple[int, int] | None]:
        return [self.append(folder, raw, when) for raw in raws]

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        self.examine(folder)
        needle = message_id.lower()
        parser = BytesHeaderParser(policy=email.policy.compat32)
        with self._command("UID SEARCH"):
            found = any(
                needle in str(value).lower()
                for mail in self._seen().values()
                for value in parser.parsebytes(_header_block(mail.raw)).get_all(
                    "Message-ID", []
                )
            )
        self.commands.append("UID SEARCH")
        return found

    # -- internals -----------------------------------------------------------

    @contextmanager
    def _command(self, what: str) -> Iterator[None]:
        """One command: failures as imapclient raises them, translated as the
        real adapter does; afterwards the session catches up with the folder."""
        try:
            with _imap_translated(what):
                yield
        finally:
            if self._selected is not None and self._user is not None and self._alive():
                self._view = dict(self._selected[1].mails)

    def _alive(self) -> bool:
        return self._office._imap_up and self._epoch == self._office._imap_epoch

    def _account(self) -> dict[str, _Folder]:
        """The user's folders; raises as imapclient would when the session is gone."""
        if self._user is None:
            raise MailboxError("IMAP session is not open")
        if not self._alive():
            raise imap_errors.IMAPClientAbortError("socket error: EOF")
        return self._office._account(self._user)

    def _existing(self, folder: str, verb: str, code: str = "") -> _Folder:
        box = self._account().get(_name(folder))
        if box is None:
            raise imap_errors.IMAPClientError(
                f"{verb} failed: {code}Mailbox doesn't exist: {folder}"
            )
        return box

    def _seen(self) -> dict[int, _Mail]:
        """The selected folder as this session last saw it."""
        folders = self._account()
        if self._selected is None:
            raise imap_errors.IMAPClientError("No mailbox selected")
        name, box = self._selected
        if folders.get(name) is not box:  # deleted (or made again) under us
            self._selected = None
            raise imap_errors.IMAPClientAbortError("Selected mailbox was deleted")
        return self._view


class MemorySender:
    """The `Sender` port on a `MemoryPostOffice`: what it accepts, it delivers."""

    def __init__(self, office: MemoryPostOffice, settings: SmtpSettings) -> None:
        self._office = office
        self._settings = settings
        self._epoch: int | None = None

    def __enter__(self) -> MemorySender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open and log in, as `SmtpSender.connect` (no AUTH without a username)."""
        if self._epoch is not None:
            return
        office, cfg = self._office, self._settings
        secret = _smtp_credential(cfg)
        with _smtp_translated("connect"):
            if not office._smtp_up:
                raise ConnectionRefusedError(111, "Connection refused")
        with _smtp_translated("login"):
            if (cfg.auth == "oauth2" or cfg.username) and not office._accepts(
                cfg.username, secret, cfg.auth
            ):
                raise smtplib.SMTPAuthenticationError(
                    535, b"5.7.8 Authentication credentials invalid"
                )
        self._epoch = office._smtp_epoch

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        self.connect()
        assert self._epoch is not None
        try:
            with _smtp_translated("send"):
                self._office._relay(self._epoch, sender, recipients, raw)
        except TransientSendError:
            self.close()
            raise

    def close(self) -> None:
        self._epoch = None


def _name(folder: str) -> str:
    """Folder names are case-sensitive, except INBOX (RFC 9051 5.1)."""
    return "INBOX" if folder.upper() == "INBOX" else folder


def _crlf(raw: bytes) -> bytes:
    """Line ends as an IMAP server hands them out: CRLF, whatever came in."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def _data(raw: bytes) -> bytes:
    """The bytes after DATA as smtplib sends them: ended by a CRLF."""
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


def _reply(answer: str) -> tuple[int, bytes]:
    """An SMTP answer line ("450 4.2.1 Try again later") as smtplib reads it."""
    code, _, text = answer.partition(" ")
    return int(code), text.encode()


def _header_block(raw: bytes) -> bytes:
    """BODY[HEADER]: the header lines and the blank line that ends them."""
    if raw.startswith(b"\r\n"):
        return b"\r\n"
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return raw + (b"\r\n" if raw.endswith(b"\r\n") else b"\r\n\r\n")
    return raw[: end + 4]


def _only_fields(header: bytes, wanted: set[bytes]) -> bytes:
    """BODY[HEADER.FIELDS (...)]: the named fields, folded lines kept, in order."""
    kept: list[bytes] = []
    keep = False
    for line in header.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        keep = line.split(b":", 1)[0].strip().upper() in wanted
        if keep:
            kept.append(line)
    return b"".join(line + b"\r\n" for line in kept) + b"\r\n"
