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

PART_LIMIT = 1024 * 1024
"""Bytes of one text, HTML or calendar part ever fetched (`readable`): more than
`parse` keeps of it (64 K characters of text, 256 K of HTML), even encoded."""

MAX_STRUCTURE_PARTS = 100
"""Parts of a BODYSTRUCTURE laid out at most (parse.MAX_PARTS): a mail with more
is read whole up to READ_LIMIT, as parse walks only that many."""

_CALENDAR_TYPES = frozenset(
    {b"text/calendar", b"application/ics", b"application/x-ics", b"text/x-vcalendar"}
)
"""As parse and calendar read them: a part of these types is always fetched."""
_TEXT_TYPES = frozenset({b"text/plain", b"text/html"})
_UNREAD_TOPS = frozenset({b"image", b"audio", b"video", b"application", b"font"})
"""A mail that is one part of these types has no words: its header is all read."""

HEADER_FIELDS = (
    b"BODY.PEEK[HEADER]",
    b"RFC822.SIZE",
    b"INTERNALDATE",
)


def header_fetch(uid: int, item: dict[bytes, Any]) -> HeaderFetch:
    """One mail's answer to a FETCH of HEADER_FIELDS."""
    item = normalised(item)
    received = item.get(b"INTERNALDATE")
    return HeaderFetch(
        uid=uid,
        header=bytes(item.get(b"BODY[HEADER]") or b""),
        size=int(item.get(b"RFC822.SIZE") or 0),
        received_at=received if isinstance(received, datetime) else None,
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


@dataclass(frozen=True, slots=True)
class Outline:
    """What a mail is made of (BODYSTRUCTURE), never what it says: enough to
    decide on its headers alone, and to fetch only the parts that are read.

    `calendar`: some part may be a calendar (a calendar type, or a name with
    "ics" in it), also inside an attached message; `report`: some part is a
    multipart/report. Both err towards True. `shape` is the adapter's own
    plan for `Mailbox.readable` (None: read the mail whole)."""

    calendar: bool
    report: bool
    shape: object = None


@dataclass(frozen=True, slots=True)
class _Part:
    """One node of a mail's MIME tree as `readable` rebuilds it."""

    section: str
    boundary: bytes = b""  # a multipart's; its children follow
    children: tuple[_Part, ...] = ()
    read: bool = False  # a leaf whose content is fetched (text, HTML, calendar)


class _Whole(Exception):
    """A structure `readable` does not rebuild: the mail is read whole."""


@contextmanager
def _translated(what: str, cfg: ImapSettings | None = None) -> Iterator[None]:
    """Map imapclient, socket and TLS failures onto our error tree; with `cfg`,
    each line names the server (host:port) and what to check."""
    from imapclient import exceptions as imap_errors

    at = f" {connecting.where(cfg)}" if cfg is not None else ""
    try:
        yield
    except imap_errors.LoginError as exc:
        if not _refused(exc):
            raise MailboxError(f"IMAP{at} {what} failed: {_short(exc)}") from exc
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


def _refused(exc: BaseException) -> bool:
    """Whether a failed login is the server refusing the credentials.
    imapclient reports every failure of LOGIN as a LoginError; two are not a
    refusal but an outage, tried again soon, never counted against the login
    (a wrong password waits an hour): the session cut under it (BYE, as from
    a server shutting down) and a failure the server calls its own and
    temporary (RFC 5530 [UNAVAILABLE], e.g. its auth process restarting)."""
    from imapclient import exceptions as imap_errors

    if isinstance(exc.__context__, imap_errors.IMAPClientAbortError):
        return False
    return "[UNAVAILABLE]" not in str(exc).upper()


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
    """LOGIN, or AUTHENTICATE XOAUTH2 (Gmail, Microsoft 365) with the token.
    A refusal counts as one (a wrong password waits an hour) only when the
    session still answers NOOP after it: a server on its way down may refuse
    a LOGIN in flight and then go (Dovecot stopping: the clean-clone flake of
    test_watch_reconnects_after_the_server_goes_away), an outage to retry."""
    from imapclient import exceptions as imap_errors

    with _translated("login", cfg):
        try:
            if cfg.auth == "oauth2":
                client.oauth2_login(cfg.username, secret)
            else:
                client.login(cfg.username, secret)
        except imap_errors.LoginError as exc:
            if _refused(exc) and not _still_answers(client):
                raise imap_errors.IMAPClientAbortError(
                    f"LOGIN failed and the server went away: {_short(exc)}"
                ) from exc
            raise


def _still_answers(client: Any) -> bool:
    """Whether the session answers NOOP (allowed before a login too)."""
    try:
        client.noop()
    except Exception:  # any failure: the session is gone
        return False
    return True


class ImapMailbox:
    """One IMAP session. No I/O until used as a context manager."""

    def __init__(self, settings: ImapSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._selected: str | None = None
        self._deadline: Deadline | None = None
        self.commands: list[str] = []
        self.fetched_bytes = 0
        """Bytes of mail read by FETCH (headers, parts, bodies): what a run costs."""

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
                yield header_fetch(uid, item)

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
        found = self._fetch(uids, [_BODY_PREFIX], "bodies")
        return {
            uid: bytes(item.get(b"BODY[]<0>") or item.get(b"BODY[]") or b"")
            for uid, item in found.items()
        }

    def _fetch(
        self, uids: list[int], items: list[bytes], what: str
    ) -> dict[int, dict[bytes, Any]]:
        """One UID FETCH, answers normalised, bytes counted; only the UIDs asked
        (a server may add unsolicited FETCH data for others)."""
        with _translated(f"UID FETCH {what}"):
            data = self._imap.fetch(uids, items)
        self.commands.append("UID FETCH")
        wanted = set(uids)
        found = {uid: normalised(item) for uid, item in data.items() if uid in wanted}
        self.fetched_bytes += sum(
            len(value)
            for item in found.values()
            for value in item.values()
            if isinstance(value, bytes)
        )
        return found

    def outlines(self, uids: list[int]) -> dict[int, Outline]:
        """Each mail's structure (BODYSTRUCTURE), none of its contents."""
        if not uids:
            return {}
        found = self._fetch(uids, [b"BODYSTRUCTURE"], "structures")
        return {uid: outline(item.get(b"BODYSTRUCTURE")) for uid, item in found.items()}

    def readable(self, wanted: dict[int, Outline | None]) -> dict[int, bytes]:
        """Each mail as mailflow reads it: with its outline, the header and only
        the text, HTML and calendar parts (each up to PART_LIMIT), every other
        part's MIME header kept and its content left on the server; without
        (or when the outline says so), the whole mail up to READ_LIMIT."""
        whole = [uid for uid, seen in wanted.items() if _shape(seen) is None]
        out = self._fetch_prefixes(whole)
        groups: dict[tuple[bytes, ...], list[int]] = {}
        shapes: dict[int, _Part] = {}
        phantom: list[int] = []
        for uid, seen in wanted.items():
            shape = _shape(seen)
            if shape is not None:
                shapes[uid] = shape
                groups.setdefault(_items(shape), []).append(uid)
        for items, uids in groups.items():
            for start in range(0, len(uids), FETCH_BATCH):
                batch = uids[start : start + FETCH_BATCH]
                for uid, item in self._fetch(batch, list(items), "parts").items():
                    if any(
                        not item.get(key)
                        for key in item
                        if isinstance(key, bytes) and key.endswith(b".MIME]")
                    ):
                        # A part the server imagined (a boundary declared but
                        # never used): parse reads that mail whole, so do we.
                        phantom.append(uid)
                        continue
                    header = bytes(item.get(b"BODY[HEADER]") or b"")
                    out[uid] = header + _assemble(shapes[uid], item)
        out.update(self._fetch_prefixes(phantom))
        return out

    def file_unread(self, folder: str, raw: bytes, when: datetime) -> None:
        """File one of mailflow's own notes in `folder`, unread and flagged."""
        self._append(folder, raw, when, (b"\\Flagged",))

    def append(self, folder: str, raw: bytes, when: datetime) -> tuple[int, int] | None:
        """File one of mailflow's own messages (marked read) in `folder`.

        Returns (UIDVALIDITY, UID) from the server's APPENDUID (RFC 4315) when it
        says, so the next Sent scan need not fetch our own copy back.

        Independent of the selected folder's mode: Courier refuses APPEND to
        the folder this session has open read-only ("Current box is selected
        READ-ONLY"), so that folder is closed first (CLOSE after EXAMINE
        expunges nothing) and examined again after, as the port promises.
        """
        response = self._append(folder, raw, when, (b"\\Seen",))
        text = (
            response.decode("ascii", "replace")
            if isinstance(response, bytes)
            else str(response)
        )
        found = re.search(r"APPENDUID (\d+) (\d+)", text, re.IGNORECASE)
        return (int(found.group(1)), int(found.group(2))) if found else None

    def _append(
        self, folder: str, raw: bytes, when: datetime, flags: tuple[bytes, ...]
    ) -> object:
        """APPEND with `flags`, whatever is selected (see `append`); the
        server's response."""
        reopen = self._selected if self._selected == folder else None
        if reopen is not None:
            with _translated(f"CLOSE of {folder!r}"):
                self._imap.close_folder()
            self._selected = None
            self.commands.append("CLOSE")
        try:
            with _translated(f"APPEND to {folder!r}"):
                response: object = self._imap.append(
                    folder, raw, flags=list(flags), msg_time=when
                )
        finally:
            if reopen is not None:
                self.examine(reopen)
        self.commands.append("APPEND")
        return response

    def append_many(
        self, folder: str, raws: list[bytes], when: datetime
    ) -> list[tuple[int, int] | None]:
        """File several of mailflow's own messages (marked read) in `folder`: one
        MULTIAPPEND (RFC 3502) where the server has it (Dovecot does), so a
        backlog's copies cost one round trip, not one each; else one APPEND
        each. Returns each message's (UIDVALIDITY, UID) where APPENDUID says."""
        if not raws:
            return []
        if len(raws) == 1:
            return [self.append(folder, raws[0], when)]
        with _translated(f"APPEND to {folder!r}"):  # asks on a dropped session too
            multiappend = self._imap.has_capability("MULTIAPPEND")
        if not multiappend:
            return [self.append(folder, raw, when) for raw in raws]
        reopen = self._selected if self._selected == folder else None
        if reopen is not None:  # as `append`: Courier refuses a read-only folder
            with _translated(f"CLOSE of {folder!r}"):
                self._imap.close_folder()
            self._selected = None
            self.commands.append("CLOSE")
        try:
            with _translated(f"MULTIAPPEND to {folder!r}"):
                typ, data = self._imap.multiappend(
                    folder,
                    [{"msg": raw, "flags": [b"\\Seen"], "date": when} for raw in raws],
                )
                if typ != "OK":
                    from imapclient import exceptions as imap_errors

                    raise imap_errors.IMAPClientError(f"APPEND refused: {data!r}")
        finally:
            if reopen is not None:
                self.examine(reopen)
        self.commands.append("APPEND")
        text = " ".join(
            d.decode("ascii", "replace") if isinstance(d, bytes) else str(d)
            for d in (data or [])
        )
        found = re.search(r"APPENDUID (\d+) ([\d:,]+)", text, re.IGNORECASE)
        uids = _uid_set(found.group(2)) if found else []
        if len(uids) != len(raws):
            return [None] * len(raws)
        return [(int(found.group(1)), uid) for uid in uids] if found else []

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` holds a mail with this Message-ID (outbox reconciliation)."""
        self.examine(folder)
        with _translated("UID SEARCH"):
            found = self._imap.search([b"HEADER", b"Message-ID", message_id])
        self.commands.append("UID SEARCH")
        return bool(found)


# -- BODYSTRUCTURE: what is fetched of a mail, and the mail rebuilt from it -----------


def outline(structure: Any) -> Outline:
    """An imapclient BODYSTRUCTURE as an Outline (an unreadable one: read whole)."""
    try:
        calendar, report = _facts(structure, [MAX_STRUCTURE_PARTS])
    except (_Whole, IndexError, TypeError, AttributeError):
        return Outline(calendar=True, report=True)
    try:
        shape = _plan(structure, "", [MAX_STRUCTURE_PARTS])
    except (_Whole, IndexError, TypeError, AttributeError):
        shape = None
    return Outline(calendar=calendar, report=report, shape=shape)


def _uid_set(text: str) -> list[int]:
    """The UIDs of an APPENDUID uid-set ("5:7,9"), in order (RFC 4315)."""
    uids: list[int] = []
    for piece in text.split(","):
        first, _, last = piece.partition(":")
        low, high = int(first), int(last or first)
        uids.extend(range(min(low, high), max(low, high) + 1))
    return uids


def _shape(seen: Outline | None) -> _Part | None:
    return seen.shape if seen is not None and isinstance(seen.shape, _Part) else None


def _children(node: Any) -> tuple[list[Any], bytes] | None:
    """A multipart's parts and subtype (imapclient nests the top level's in a
    list, an attached message's stay raw tuples); None for a leaf."""
    if isinstance(node[0], list):
        return node[0], _lower(node[1])
    if isinstance(node[0], tuple):
        at = next(i for i, x in enumerate(node) if not isinstance(x, tuple))
        return list(node[:at]), _lower(node[at])
    return None


def _lower(value: Any) -> bytes:
    return value.lower() if isinstance(value, bytes) else b""


def _facts(node: Any, budget: list[int]) -> tuple[bool, bool]:
    """(some part may be a calendar, some part is a report), attached messages
    included, as parse's has_calendar and is_report count them."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Whole
    found = _children(node)
    if found is not None:
        parts, subtype = found
        facts = [_facts(p, budget) for p in parts]
        return (
            any(c for c, _ in facts),
            subtype == b"report" or any(r for _, r in facts),
        )
    if _calendarish(node):
        return True, False
    if _lower(node[0]) == b"message" and len(node) > 8 and isinstance(node[8], tuple):
        return _facts(node[8], budget)
    return False, False


def _calendarish(node: Any) -> bool:
    """A leaf parse or calendar would read as a calendar: by type, or a name
    with "ics" in any parameter (generous: a miss would lose a reply)."""
    kind = _lower(node[0]) + b"/" + _lower(node[1])
    if kind in _CALENDAR_TYPES:
        return True
    values = [*_values(node[2]), *_values(_disposition(node)[1])]
    return any(b"ics" in v.lower() for v in values)


def _values(params: Any) -> list[bytes]:
    if not isinstance(params, tuple):
        return []
    return [v for v in params[1::2] if isinstance(v, bytes)]


def _disposition(node: Any) -> tuple[bytes, Any]:
    """A leaf's Content-Disposition from the extension data (RFC 9051 7.5.2)."""
    kind = _lower(node[0])
    at = 9 if kind == b"text" else 11 if kind == b"message" else 8
    value = node[at] if len(node) > at else None
    if isinstance(value, tuple) and value and isinstance(value[0], bytes):
        return value[0].lower(), value[1] if len(value) > 1 else None
    return b"", None


def _plan(node: Any, section: str, budget: list[int]) -> _Part | None:
    """What to fetch: None to read the whole mail (one part that is text or
    calendar, an odd structure, a calendar inside an attached message)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Whole
    found = _children(node)
    if found is None:
        if not section:  # the whole mail is this one part
            return (
                None
                if _lower(node[0]) not in _UNREAD_TOPS or _calendarish(node)
                else _Part(section)
            )
        if _lower(node[0]) in (b"multipart", b""):
            raise _Whole  # declared multipart, no parts: parse reads it as text
        if _lower(node[0]) == b"message":
            if _facts(node, [MAX_STRUCTURE_PARTS])[0]:
                raise _Whole  # parse counts a calendar in a forward: read it all
            return _Part(section)
        kind = _lower(node[0]) + b"/" + _lower(node[1])
        attached = _disposition(node)[0] == b"attachment"
        return _Part(
            section, read=_calendarish(node) or (kind in _TEXT_TYPES and not attached)
        )
    parts, _subtype = found
    boundary = next(
        (
            v
            for k, v in zip(
                node_params(node)[0::2], node_params(node)[1::2], strict=False
            )
            if isinstance(k, bytes)
            and k.lower() == b"boundary"
            and isinstance(v, bytes)
        ),
        b"",
    )
    if not boundary or not parts:
        raise _Whole
    children = tuple(
        _plan(p, f"{section}.{i}" if section else str(i), budget)
        for i, p in enumerate(parts, 1)
    )
    return _Part(section, boundary=boundary, children=tuple(c for c in children if c))


def node_params(node: Any) -> tuple[Any, ...]:
    """A multipart's parameters (boundary ...), just after its subtype."""
    found = _children(node)
    if found is None:
        return ()
    at = 2 if isinstance(node[0], list) else len(found[0]) + 1
    params = node[at] if len(node) > at else None
    return params if isinstance(params, tuple) else ()


def _items(shape: _Part) -> tuple[bytes, ...]:
    """The FETCH items of one plan: the header, every part's MIME header, and
    the content of the parts that are read (each up to PART_LIMIT)."""
    items = [b"BODY.PEEK[HEADER]"]

    def walk(part: _Part) -> None:
        for child in part.children:
            items.append(b"BODY.PEEK[%s.MIME]" % child.section.encode())
            if child.read:
                items.append(
                    b"BODY.PEEK[%s]<0.%d>" % (child.section.encode(), PART_LIMIT)
                )
            walk(child)

    walk(shape)
    return tuple(items)


def _assemble(part: _Part, item: dict[bytes, Any]) -> bytes:
    """The body of `part` as MIME again: each child's own MIME header, then its
    content when read, else nothing (the attachment stays on the server)."""
    if not part.boundary:
        return b""  # one part of no words: the header alone
    out = [b"\r\n"]
    for child in part.children:
        out.append(b"--" + part.boundary + b"\r\n")
        out.append(_got(item, b"BODY[%s.MIME]" % child.section.encode()))
        if child.boundary:
            out.append(_assemble(child, item))
        elif child.read:
            out.append(_got(item, b"BODY[%s]<0>" % child.section.encode()))
        out.append(b"\r\n")
    out.append(b"--" + part.boundary + b"--\r\n")
    return b"".join(out)


def _got(item: dict[bytes, Any], key: bytes) -> bytes:
    value = item.get(key)
    if value is None and key.endswith(b"<0>"):
        value = item.get(key[:-3])
    return bytes(value) if isinstance(value, bytes) else b""
