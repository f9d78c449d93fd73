"""The IMAP adapter (imapclient). Does network I/O; read-only on mail it does not own.

Everything here reads with EXAMINE and BODY.PEEK, so no flag of the therapist's
mail ever changes; the only write is APPEND of mailflow's own copies to Sent.
Third-party errors are translated to MailboxError in one place.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mailflow.errors import ImapTokenError, MailboxAuthError, MailboxError, TokenError
from mailflow.shell import connecting
from mailflow.shell.deadline import Deadline

if TYPE_CHECKING:
    from mailflow.config import ImapSettings

FETCH_BATCH = 200
"""UIDs per FETCH command: keeps a first run on a large folder bounded in memory."""

READ_LIMIT = 2 * 1024 * 1024
"""Bytes of one mail ever fetched: what `parse.MAX_MAIL_BYTES` reads at most."""
_BODY_PREFIX = b"BODY.PEEK[]<0.%d>" % READ_LIMIT

HEADER_FIELDS = (
    b"BODY.PEEK[HEADER]",
    b"RFC822.SIZE",
    b"INTERNALDATE",
)


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """A folder's UIDVALIDITY and UIDNEXT (STATUS): equal twice means nothing came."""

    uidvalidity: int
    uidnext: int


@dataclass(frozen=True, slots=True)
class HeaderFetch:
    """One mail's header block and size: enough to decide whether to read more."""

    uid: int
    header: bytes
    size: int
    received_at: datetime | None


@contextmanager
def _translated(what: str, cfg: ImapSettings | None = None) -> Iterator[None]:
    """Map imapclient, socket and TLS failures onto our error tree; with `cfg`,
    each line names the server (host:port) and what to check."""
    from imapclient import exceptions as imap_errors

    at = f" {connecting.where(cfg)}" if cfg is not None else ""
    try:
        yield
    except imap_errors.LoginError as exc:
        if cfg is None:
            raise MailboxAuthError(f"IMAP login refused ({what})") from exc
        raise MailboxAuthError(connecting.login_refused(cfg, "IMAP")) from exc
    except (imap_errors.IMAPClientAbortError, imap_errors.IMAPClientError) as exc:
        raise MailboxError(f"IMAP{at} {what} failed: {_short(exc)}") from exc
    except ssl.SSLError as exc:
        if cfg is None:
            raise MailboxError(f"IMAP TLS failed during {what}: {exc.reason}") from exc
        raise MailboxError(f"IMAP: {connecting.tls_problem(exc, cfg)}") from exc
    except TimeoutError as exc:
        if cfg is None:
            raise MailboxError(f"IMAP server timed out during {what}") from exc
        raise MailboxError(f"IMAP: {connecting.timed_out(cfg, what)}") from exc
    except OSError as exc:
        raise MailboxError(
            f"IMAP server{at} unreachable during {what}: {_short(exc)}"
        ) from exc


def normalised(item: dict[Any, Any]) -> dict[bytes, Any]:
    """A FETCH answer's keys as one spelling: upper case, field names unquoted,
    single spaces. Servers may legally answer `BODY[HEADER.FIELDS ("TO" "CC")]`
    (Courier) where Dovecot says `BODY[HEADER.FIELDS (TO CC)]`."""
    out: dict[bytes, Any] = {}
    for key, value in item.items():
        if isinstance(key, bytes):
            key = b" ".join(key.upper().replace(b'"', b"").split())
        out[key] = value
    return out


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def imap_credential(cfg: ImapSettings) -> str:
    """The password, or (auth = "oauth2") a fresh access token; never logged."""
    from mailflow.shell import credentials

    if cfg.auth != "oauth2":
        return cfg.resolve_password()
    try:
        return credentials.access_token(cfg)
    except TokenError as exc:
        raise ImapTokenError(
            key=exc.key, reason=exc.reason, hint=exc.hint, passing=exc.passing
        ) from None


def log_in(client: Any, cfg: ImapSettings, secret: str) -> None:
    """LOGIN, or AUTHENTICATE XOAUTH2 (Gmail, Microsoft 365) with the token."""
    with _translated("login", cfg):
        if cfg.auth == "oauth2":
            client.oauth2_login(cfg.username, secret)
        else:
            client.login(cfg.username, secret)


class ImapMailbox:
    """One IMAP session. No I/O until used as a context manager."""

    def __init__(self, settings: ImapSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._selected: str | None = None
        self._deadline: Deadline | None = None
        self.commands: list[str] = []

    def __enter__(self) -> ImapMailbox:
        from imapclient.imapclient import SocketTimeout

        cfg = self._settings
        connecting.check_port(cfg)  # a mix-up that would hang until the timeout
        secret = imap_credential(cfg)  # first: a missing token costs no connection
        timeout = SocketTimeout(connect=min(cfg.timeout_s, 15.0), read=cfg.timeout_s)
        # Verifies the certificate and host. Loading the CA store costs ~50 ms, so
        # only when TLS is spoken (config allows `plain` for loopback alone).
        context = None if cfg.security == "plain" else connecting.tls_context(cfg)
        # The whole session, greeting included, within imap.deadline_s (#14).
        self._deadline = Deadline(
            cfg.deadline_s, f"IMAP {connecting.where(cfg)} (imap.deadline_s)"
        ).start()
        try:
            with self._deadline.scope():
                self._open(cfg, timeout, context, secret)
        except MailboxError as exc:
            self._deadline.cancel()
            if self._deadline.expired:
                raise MailboxError(
                    f"IMAP {connecting.where(cfg)} did not finish connecting within"
                    f" imap.deadline_s ({cfg.deadline_s:g} s)"
                ) from exc
            raise
        except BaseException:
            self._deadline.cancel()
            raise
        return self

    def _open(self, cfg: ImapSettings, timeout: Any, context: Any, secret: str) -> None:
        from mailflow.shell.imap_wire import Client

        with _translated("connect", cfg):
            client = Client(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=context,
                timeout=timeout,
            )
            client.normalise_times = False  # aware INTERNALDATE, never naive local time
            self._client = client
            if cfg.security == "starttls":
                client.starttls(context)
        try:
            log_in(client, cfg, secret)
        except BaseException:
            self._client = None
            client.shutdown()
            raise
        self.commands.append("LOGIN")

    def __exit__(self, *exc: object) -> None:
        client, self._client = self._client, None
        deadline, self._deadline = self._deadline, None
        try:
            self._close(client)
        finally:
            if deadline is not None:
                deadline.cancel()

    def _close(self, client: Any) -> None:
        if client is None:
            return
        from mailflow.shell.imap_wire import logout_without_waiting

        try:
            logout_without_waiting(client)
            self.commands.append("LOGOUT")
        except OSError:
            pass  # the session is gone already: nothing to say goodbye to

    @property
    def _imap(self) -> Any:
        if self._client is None:
            raise MailboxError("IMAP session is not open")
        return self._client

    def status(self, folder: str) -> FolderStatus:
        """UIDVALIDITY and UIDNEXT without selecting: the cheap empty-poll check."""
        with _translated(f"STATUS of {folder!r}"):
            data = normalised(
                self._imap.folder_status(folder, [b"UIDNEXT", b"UIDVALIDITY"])
            )
        self.commands.append("STATUS")
        return FolderStatus(
            uidvalidity=int(data[b"UIDVALIDITY"]), uidnext=int(data[b"UIDNEXT"])
        )

    def statuses(self, folders: Sequence[str]) -> dict[str, FolderStatus]:
        """STATUS of several folders in one round trip (pipelined); a folder
        whose answer is missing or refused is left out, for `status` to ask.
        A selected folder is closed first, in the same round trip: STATUS of
        it would be the session's view (Dovecot), not the folder now."""
        from mailflow.shell.imap_wire import statuses

        closing = self._selected is not None
        with _translated("STATUS"):
            answers = statuses(
                self._imap,
                folders,
                [b"UIDNEXT", b"UIDVALIDITY"],
                close_first=closing,
            )
        if closing:
            self._selected = None
            self.commands.append("CLOSE")
        self.commands.extend("STATUS" for _ in folders)
        found: dict[str, FolderStatus] = {}
        for folder, data in answers.items():
            item = normalised(data)
            if b"UIDVALIDITY" in item and b"UIDNEXT" in item:
                found[folder] = FolderStatus(
                    uidvalidity=int(item[b"UIDVALIDITY"]), uidnext=int(item[b"UIDNEXT"])
                )
        return found

    def folder_exists(self, folder: str) -> bool:
        """By STATUS, not LIST: Cyrus lists no folders for a user whose name has
        a dot, and a server may hide unsubscribed ones; STATUS asks the folder."""
        from imapclient import exceptions as imap_errors

        try:
            self._imap.folder_status(folder, [b"UIDVALIDITY"])
        except imap_errors.IMAPClientAbortError as exc:
            raise MailboxError(
                f"IMAP STATUS of {folder!r} failed: {_short(exc)}"
            ) from exc
        except imap_errors.IMAPClientError:
            return False  # NO: no such folder (or not ours to read)
        except OSError as exc:
            raise MailboxError(f"IMAP server unreachable: {_short(exc)}") from exc
        finally:
            self.commands.append("STATUS")
        return True

    def folders(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every folder the server lists, with its flags (\\Sent: RFC 6154)."""
        with _translated("LIST"):
            listed = self._imap.list_folders()
        self.commands.append("LIST")
        return [
            (
                str(name),
                tuple(
                    f.decode("ascii", "replace") if isinstance(f, bytes) else str(f)
                    for f in flags
                ),
            )
            for flags, _delimiter, name in listed
        ]

    def examine(self, folder: str) -> int:
        """Open read-only (EXAMINE): flags can never change by our reading."""
        self._selected = None  # a failed EXAMINE leaves nothing selected
        with _translated(f"EXAMINE {folder!r}"):
            info = normalised(self._imap.select_folder(folder, readonly=True))
        self._selected = folder
        self.commands.append("EXAMINE")
        return int(info[b"UIDVALIDITY"])

    def uids_after(self, uid: int) -> list[int]:
        """UIDs above `uid`. `UID n:*` also returns the highest UID even below n."""
        with _translated("UID SEARCH"):
            found = self._imap.search([b"UID", f"{uid + 1}:*"])
        self.commands.append("UID SEARCH")
        return sorted(u for u in (int(x) for x in found) if u > uid)

    def uids_since(self, day: date) -> list[int]:
        """UIDs of mail received on or after `day` (first run, UIDVALIDITY change)."""
        with _translated("UID SEARCH"):
            found = self._imap.search([b"SINCE", day])
        self.commands.append("UID SEARCH")
        return sorted(int(x) for x in found)

    def headers(self, uids: list[int]) -> Iterator[HeaderFetch]:
        """Headers and sizes, batch by batch; bodies later, only those needed."""
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            with _translated("UID FETCH headers"):
                data = self._imap.fetch(batch, list(HEADER_FIELDS))
            self.commands.append("UID FETCH")
            for uid in batch:
                item = data.get(uid)
                if item is None:
                    continue  # expunged meanwhile
                item = normalised(item)
                received = item.get(b"INTERNALDATE")
                yield HeaderFetch(
                    uid=uid,
                    header=bytes(item.get(b"BODY[HEADER]") or b""),
                    size=int(item.get(b"RFC822.SIZE") or 0),
                    received_at=received if isinstance(received, datetime) else None,
                )

    def header_fields(
        self, uids: list[int], fields: tuple[str, ...]
    ) -> Iterator[tuple[int, bytes]]:
        """Only the named header fields: cheap scans of the Sent folder."""
        names = " ".join(fields).upper()
        part = f"BODY.PEEK[HEADER.FIELDS ({names})]".encode()
        key = f"BODY[HEADER.FIELDS ({names})]".encode()  # as `normalised` spells it
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            with _translated("UID FETCH header fields"):
                data = self._imap.fetch(batch, [part])
            self.commands.append("UID FETCH")
            for uid in batch:
                item = data.get(uid)
                if item is not None:
                    yield uid, bytes(normalised(item).get(key) or b"")

    def body(self, uid: int) -> bytes | None:
        """The mail's first MAX_MAIL_BYTES (all of nearly every mail), read with
        BODY.PEEK so \\Seen is never set: a photo attached to a request costs
        bounded memory and the words before it are still read."""
        return self._fetch_prefixes([uid]).get(uid)

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        """Several whole mails in one UID FETCH (BODY.PEEK[]); expunged ones are
        missing. The caller bounds the batch by count and RFC822.SIZE."""
        return self._fetch_prefixes(uids)

    def _fetch_prefixes(self, uids: list[int]) -> dict[int, bytes]:
        if not uids:
            return {}
        with _translated("UID FETCH bodies"):
            data = self._imap.fetch(uids, [_BODY_PREFIX])
        self.commands.append("UID FETCH")
        wanted = set(uids)  # a server may add unsolicited FETCH data for others
        found = {uid: normalised(item) for uid, item in data.items() if uid in wanted}
        return {
            uid: bytes(item.get(b"BODY[]<0>") or item.get(b"BODY[]") or b"")
            for uid, item in found.items()
        }

    def append(self, folder: str, raw: bytes, when: datetime) -> tuple[int, int] | None:
        """File one of mailflow's own messages (marked read) in `folder`.

        Returns (UIDVALIDITY, UID) from the server's APPENDUID (RFC 4315) when it
        says, so the next Sent scan need not fetch our own copy back.

        Independent of the selected folder's mode: Courier refuses APPEND to
        the folder this session has open read-only ("Current box is selected
        READ-ONLY"), so that folder is closed first (CLOSE after EXAMINE
        expunges nothing) and examined again after, as the port promises.
        """
        reopen = self._selected if self._selected == folder else None
        if reopen is not None:
            with _translated(f"CLOSE of {folder!r}"):
                self._imap.close_folder()
            self._selected = None
            self.commands.append("CLOSE")
        try:
            with _translated(f"APPEND to {folder!r}"):
                response = self._imap.append(
                    folder, raw, flags=[b"\\Seen"], msg_time=when
                )
        finally:
            if reopen is not None:
                self.examine(reopen)
        self.commands.append("APPEND")
        text = (
            response.decode("ascii", "replace")
            if isinstance(response, bytes)
            else str(response)
        )
        found = re.search(r"APPENDUID (\d+) (\d+)", text, re.IGNORECASE)
        return (int(found.group(1)), int(found.group(2))) if found else None

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` holds a mail with this Message-ID (outbox reconciliation)."""
        self.examine(folder)
        with _translated("UID SEARCH"):
            found = self._imap.search([b"HEADER", b"Message-ID", message_id])
        self.commands.append("UID SEARCH")
        return bool(found)
