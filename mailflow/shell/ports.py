"""The worker's two seams onto the mail servers: the `Mailbox` and `Sender` ports.

Protocols only, no I/O. `ImapMailbox` and `SmtpSender` are the real adapters,
`mailflow.shell.fakes` the in-memory ones; tests/test_contract.py holds all of them
to the same contract, which these docstrings state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailflow.shell.mailbox import FolderStatus, HeaderFetch, Outline


class Mailbox(Protocol):
    """One logged-in IMAP session of the practice's account (RFC 9051 semantics).

    Opening and logging in is the factory's and the context manager's job (see
    `cycle.MailboxFactory`): an unreachable server raises `MailboxError`, a
    refused login `MailboxAuthError` (`ImapTokenError` with no OAuth2 token).

    Read-only on mail it does not own: folders are opened with EXAMINE and
    bodies read with BODY.PEEK, so no flag ever changes by reading (\\Seen above
    all); nothing is moved, flagged or expunged. The one write is `append`.

    Folders are named exactly as the server lists them; only INBOX is
    case-insensitive. A UID names one mail for as long as the folder keeps its
    UIDVALIDITY: UIDs only grow, a new mail gets the folder's UIDNEXT, an
    expunged one's UID is never reused. A folder deleted and created again gets
    a new UIDVALIDITY, and every UID learned before means nothing from then on.

    Changes made meanwhile by others (mail arriving, mail expunged) reach the
    selected folder's view after some command, not necessarily the next one:
    Dovecot lists a new mail from the command after the one during which it
    came, and serves an expunged one, contents and all, for a while. A fresh
    `examine` sees the folder as it is; `status` always does.

    Every failure is a `MailboxError`: a folder that does not exist, a command
    before `examine`, the server going away mid-session (the session stays
    dead; the next run opens a new one).
    """

    def status(self, folder: str) -> FolderStatus:
        """UIDVALIDITY and UIDNEXT of `folder` without selecting it (STATUS).

        The cheap empty poll: equal to the last run's answer means no mail came
        in. `MailboxError` when the folder does not exist.
        """
        ...

    def statuses(self, folders: Sequence[str]) -> dict[str, FolderStatus]:
        """`status` of several folders in one round trip (STATUS pipelined, RFC
        9051 §5.5), keyed by the names asked. A folder the server refused or
        did not answer for is left out, for `status` to ask alone and raise;
        `MailboxError` only when the session failed."""
        ...

    def folder_exists(self, folder: str) -> bool:
        """Whether the account has `folder`, asked by STATUS (not LIST, which
        some servers answer empty); never raises for a missing one, only when
        the server is gone."""
        ...

    def folders(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every folder the server lists (LIST "" "*"), as (name, flags), in the
        server's order. Flags as the server says them, e.g. "\\HasNoChildren"
        and the RFC 6154 special uses ("\\Sent", "\\Trash"); a server without
        SPECIAL-USE marks none. A server may list fewer folders than it has."""
        ...

    def examine(self, folder: str) -> int:
        """Select `folder` read-only (EXAMINE) and return its UIDVALIDITY.

        The UID commands below then work on this folder until the next
        `examine` (which `contains_message_id` also does). `MailboxError` when
        the folder does not exist, and nothing is selected afterwards.
        """
        ...

    def uids_after(self, uid: int) -> list[int]:
        """UIDs greater than `uid` in the selected folder's view, ascending."""
        ...

    def uids_since(self, day: date) -> list[int]:
        """UIDs of mail whose INTERNALDATE (arrival, not the Date header) falls on
        or after `day`, ascending (SEARCH SINCE, by date alone)."""
        ...

    def headers(self, uids: list[int]) -> Iterator[HeaderFetch]:
        """The header block, RFC822.SIZE and INTERNALDATE of each UID, in the
        order asked, read in batches as the iterator is consumed.

        The header block is as the server holds it (CRLF line ends, the
        delivery's Return-Path/Delivered-To/Received on top) and ends with the
        blank line. A UID not in the folder (expunged meanwhile) is skipped.
        """
        ...

    def header_fields(
        self, uids: list[int], fields: tuple[str, ...]
    ) -> Iterator[tuple[int, bytes]]:
        """(UID, only the named header fields), fields matched case-insensitively.

        The lines come in the message's order, folded lines kept, and end with
        the blank line (just b"\\r\\n" when none matched). Missing UIDs skipped.
        """
        ...

    def body(self, uid: int) -> bytes | None:
        """The whole mail as stored (CRLF), cut at `mailbox.READ_LIMIT` bytes;
        None when the UID is not in the selected folder. Never sets \\Seen."""
        ...

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        """`body` of several UIDs in one round trip; missing UIDs are left out."""
        ...

    def outlines(self, uids: list[int]) -> dict[int, Outline]:
        """What each mail is made of, none of its contents (BODYSTRUCTURE).

        `Outline.calendar` is True whenever `parse` finds a calendar in the
        whole mail (a calendar part, an ``*.ics`` file, also in an attached
        message), except a mail with no header at all (a bare calendar file),
        which its header's parse shows; `report` whenever parse finds a
        multipart/report. Both may say True for more. Missing UIDs left out.
        """
        ...

    def readable(self, wanted: dict[int, Outline | None]) -> dict[int, bytes]:
        """Each mail as mailflow reads it, in one round trip per shape of mail.

        The bytes parse (`parse.parse_mail`, `calendar.read_calendar`) to what
        the whole mail does: with the mail's outline, they may hold only the
        header and the text, HTML and calendar parts, each attachment's MIME
        header kept and its content left on the server; with None, the whole
        mail up to `mailbox.READ_LIMIT`. Missing UIDs are left out; never sets
        \\Seen.
        """
        ...

    def append(self, folder: str, raw: bytes, when: datetime) -> tuple[int, int] | None:
        """Store one of mailflow's own messages in `folder` with \\Seen set and
        INTERNALDATE `when` (APPEND); the selected folder stays selected, even
        when it is `folder` itself (which some servers refuse to APPEND to
        while it is open read-only).

        Returns (UIDVALIDITY, UID) from APPENDUID (RFC 4315): the UID is the
        folder's UIDNEXT before the append, which then grows by one. None from
        a server without UIDPLUS. `MailboxError` when the folder does not exist.
        """
        ...

    def file_unread(self, folder: str, raw: bytes, when: datetime) -> None:
        """Store one of mailflow's own notes in `folder` unread and \\Flagged
        (APPEND), for a person reading that folder to see: the one note the
        practice's own inbox gets (`guard.FILED_IN_THE_INBOX`). As `append`,
        whatever is selected stays selected; `MailboxError` when the folder
        does not exist."""
        ...

    def append_many(
        self, folder: str, raws: list[bytes], when: datetime
    ) -> list[tuple[int, int] | None]:
        """`append` of several messages, in their order, in as few round trips
        as the server allows (one MULTIAPPEND, RFC 3502): all are stored or,
        on an error, possibly none. Returns one (UIDVALIDITY, UID) per message
        (None each when the server does not say)."""
        ...

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` holds a mail whose Message-ID header contains
        `message_id` (case-insensitive, as SEARCH HEADER does). Examines the
        folder: it is the selected folder afterwards."""
        ...


class Sender(Protocol):
    """Hands one message to the SMTP server; raises SendError subclasses.

    A session opens on the first message and is reused; after a
    `TransientSendError` it is closed and the next `send` opens a new one.
    Built by a factory and used as a context manager (see `cycle.SenderFactory`),
    which closes it.
    """

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        """Hand `raw` over for `recipients` (envelope MAIL FROM `sender`).

        Returns only once the server said 250 to DATA: from then on the message
        must never be handed over again. Recipients refused while others were
        accepted are dropped silently (as smtplib does). Raises:

        - `TransientSendError`: unreachable, disconnected, 421, or MAIL FROM
          refused (every message would fail alike: keep them all queued);
          `SmtpAuthError` (`SmtpTokenError`) for a refused login.
        - `DeferredSendError`: a 4xx for this message alone; retry it later.
        - `PermanentSendError`: 5xx for this message, every recipient refused.
        - `PolicyRefusedError`: 5.7.x (RFC 3463) at DATA: this message's
          content or this account's right to send as the practice.
        """
        ...


if TYPE_CHECKING:
    # mypy holds every adapter to its port, as the factories `run_once` takes.
    from mailflow.shell.cycle import MailboxFactory, SenderFactory
    from mailflow.shell.fakes import MemoryPostOffice
    from mailflow.shell.mailbox import ImapMailbox
    from mailflow.shell.smtp import SmtpSender

    _imap: MailboxFactory = ImapMailbox
    _smtp: SenderFactory = SmtpSender
    _memory_mailbox: MailboxFactory = MemoryPostOffice().mailbox
    _memory_sender: SenderFactory = MemoryPostOffice().sender
