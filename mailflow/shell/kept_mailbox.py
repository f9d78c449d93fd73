"""The IMAP session `watch` keeps between wakes: IDLE (RFC 2177) and the cycle's
commands on one session, with the round trips a wake can spare. Does I/O.

Woken from IDLE, the cycle's STATUS round trip also examines the watched
folder again and fetches the new mail's headers (`statuses`), so the cycle
reads it with no SEARCH, no second EXAMINE and no second header FETCH.
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from mailflow.errors import MailboxError
from mailflow.shell import connecting
from mailflow.shell.deadline import Deadline
from mailflow.shell.mailbox import (
    HEADER_FIELDS,
    FolderStatus,
    HeaderFetch,
    ImapMailbox,
    Outline,
    header_fetch,
    normalised,
    outline,
)
from mailflow.shell.mailbox import _translated as imap_translated

if TYPE_CHECKING:
    from mailflow.config import ImapSettings

EARLY_MAILS: Final = 20
"""New mails (by UID) whose headers, outline and, when small, whole bytes come
with a wake's STATUS; more than this are fetched as a run fetches them."""
EARLY_BYTES: Final = 32 * 1024
"""A mail up to this size comes whole with the wake's STATUS: nearly every
request; of a larger one only this much is read then, and unused."""
_EARLY_ITEMS: Final = (
    *HEADER_FIELDS,
    b"BODYSTRUCTURE",
    b"BODY.PEEK[]<0.%d>" % EARLY_BYTES,
)
_NEW_MAIL: Final = frozenset({b"EXISTS", b"RECENT"})
"""IDLE answers that mean mail came in; "OK Still here", EXPUNGE, FETCH do not."""


@dataclass(frozen=True, slots=True)
class _Early:
    """What a wake's STATUS round trip fetched: every mail with a UID from
    `first` to below `below` that the server has, by UID (FETCH answers)."""

    first: int
    below: int
    items: dict[int, dict[bytes, Any]]

    def covers(self, uids: list[int]) -> bool:
        return bool(uids) and self.first <= min(uids) and max(uids) < self.below

    def whole(self, uid: int) -> bytes | None:
        """The mail's bytes when they came whole (its size within EARLY_BYTES)."""
        item = self.items.get(uid)
        if item is None:
            return None
        raw = item.get(b"BODY[]<0>") or item.get(b"BODY[]")
        size = int(item.get(b"RFC822.SIZE") or -1)
        if not isinstance(raw, bytes) or len(raw) != size:
            return None
        return raw


class KeptMailbox(ImapMailbox):
    """An `ImapMailbox` that outlives one cycle: a fresh imap.deadline_s for each
    cycle (none while it waits in IDLE), and the IDLE commands."""

    def __init__(self, settings: ImapSettings) -> None:
        super().__init__(settings)
        self.seen: dict[str, FolderStatus] = {}
        """STATUS answers of the current cycle, by folder: what it looked at."""
        self.idling = False
        self._examined: tuple[str, int] | None = None
        """The folder `statuses` selected afresh this cycle, and its UIDVALIDITY."""
        self._listened: tuple[str, FolderStatus] | None = None
        """The folder IDLE watched, as it was when the wait began."""
        self._early: _Early | None = None
        """What `statuses` fetched with the STATUS, for this cycle."""

    def status(self, folder: str) -> FolderStatus:
        self._examined = self._early = None
        if self._selected is not None:  # its STATUS would be the session's view
            with imap_translated(f"CLOSE of {self._selected!r}"):
                self._imap.close_folder()
            self._selected = None
            self.commands.append("CLOSE")
        found = super().status(folder)
        self.seen[folder] = found
        return found

    def statuses(self, folders: Sequence[str]) -> dict[str, FolderStatus]:
        """As `ImapMailbox.statuses`; the folder a wake left selected (the one
        IDLE watched) is examined again instead, in the same round trip: its
        fresh status, and selected for the cycle's fetch with no more waiting."""
        from mailflow.shell.imap_wire import examine_with_statuses

        self._examined = self._early = None
        listened, self._listened = self._listened, None
        selected = self._selected
        if selected is None or selected not in folders:
            asked = super().statuses(folders)
            self.seen.update(asked)
            return asked
        others = [f for f in folders if f != selected]
        # Woken from IDLE: what came has a UID from the one it expected next
        # then; its headers come in the same round trip as the STATUS.
        since = listened[1] if listened and listened[0] == selected else None
        self._selected = None  # a failed EXAMINE leaves nothing selected
        with imap_translated("STATUS"):
            answer, answers, fetched = examine_with_statuses(
                self._imap,
                selected,
                others,
                [b"UIDNEXT", b"UIDVALIDITY"],
                fetch=(since.uidnext, since.uidnext + EARLY_MAILS - 1)
                if since
                else None,
                fetch_items=_EARLY_ITEMS,
            )
        self._selected = selected
        self.commands.append("EXAMINE")
        self.commands.extend("STATUS" for _ in others)
        if since is not None:
            self.commands.append("UID FETCH")
        found: dict[str, FolderStatus] = {}
        for folder, data in answers.items():
            item = normalised(data)
            if b"UIDVALIDITY" in item and b"UIDNEXT" in item:
                found[folder] = FolderStatus(
                    uidvalidity=int(item[b"UIDVALIDITY"]),
                    uidnext=int(item[b"UIDNEXT"]),
                )
        info = normalised(answer)
        if b"UIDVALIDITY" in info and b"UIDNEXT" in info:
            uidvalidity = int(info[b"UIDVALIDITY"])
            found[selected] = FolderStatus(
                uidvalidity=uidvalidity, uidnext=int(info[b"UIDNEXT"])
            )
            self._examined = (selected, uidvalidity)
            if (
                since is not None
                and fetched is not None  # answered OK: every such mail is in it
                and since.uidvalidity == uidvalidity
            ):
                self._early = _Early(
                    first=since.uidnext,
                    below=min(int(info[b"UIDNEXT"]), since.uidnext + EARLY_MAILS),
                    items={uid: normalised(item) for uid, item in fetched.items()},
                )
                self.fetched_bytes += sum(
                    len(v)
                    for item in self._early.items.values()
                    for v in item.values()
                    if isinstance(v, bytes)
                )
        # else: a server that does not say UIDNEXT on EXAMINE: `status` asks.
        self.seen.update(found)
        return found

    def examine(self, folder: str) -> int:
        """No round trip for the folder `statuses` examined this cycle, while
        it is still the one selected."""
        examined, self._examined = self._examined, None
        if examined is not None and examined[0] == folder == self._selected:
            return examined[1]
        self._early = None
        return super().examine(folder)

    def headers(self, uids: list[int]) -> Iterator[HeaderFetch]:
        """Those `statuses` fetched already, when they are all the asked ones
        can be (no round trip); else as `ImapMailbox.headers`."""
        early = self._early
        if early is None or not early.covers(uids):
            self._early = None  # asked for more: fetched from here on as ever
            yield from super().headers(uids)
            return
        for uid in uids:
            item = early.items.get(uid)
            if item is not None:  # else never used, or expunged meanwhile
                yield header_fetch(uid, item)

    def outlines(self, uids: list[int]) -> dict[int, Outline]:
        """Those `statuses` fetched already without a round trip; the rest asked."""
        early = self._early
        if early is None or not early.covers(uids):
            return super().outlines(uids)
        return {
            uid: outline(early.items[uid].get(b"BODYSTRUCTURE"))
            for uid in uids
            if uid in early.items
        }

    def _fetch_prefixes(self, uids: list[int]) -> dict[int, bytes]:
        """Whole mails `statuses` fetched already (small ones come whole with
        it); the rest asked."""
        early = self._early
        if early is None:
            return super()._fetch_prefixes(uids)
        found = {uid: raw for uid in uids if (raw := early.whole(uid)) is not None}
        rest = [uid for uid in uids if uid not in found]
        found.update(super()._fetch_prefixes(rest))
        return found

    def begin_cycle(self) -> None:
        """The whole cycle within imap.deadline_s (#14), as a cron run's session."""
        self.seen.clear()
        self._examined = self._early = None
        self._imap._imap.untagged_responses.clear()  # a week of EXISTS, unread
        self.pause_deadline()
        cfg = self._settings
        deadline = Deadline(
            cfg.deadline_s, f"IMAP {connecting.where(cfg)} (imap.deadline_s)"
        )
        self._deadline = deadline.start()
        deadline.watch(self._imap.socket())

    def pause_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def noop(self) -> None:
        with imap_translated("NOOP"):
            self._imap.noop()
        self.commands.append("NOOP")

    def listen(self, folder: str) -> FolderStatus | None:
        """EXAMINE `folder` and wait in IDLE; None when the server offers no IDLE
        or refuses it and the session stays usable (MailboxError when it is
        gone)."""
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

        client = self._imap
        self._examined = self._early = self._listened = None
        with imap_translated("IDLE"):
            if not client.has_capability("IDLE"):
                return None
            self._selected = None
            info = normalised(client.select_folder(folder, readonly=True))
            self._selected = folder
            self.commands.append("EXAMINE")
            try:
                client.idle()
            except IMAPClientAbortError:
                raise
            except IMAPClientError:
                # Refused. A server without IDLE for us still answers NOOP; one
                # on its way down (Dovecot: "NO Server shutting down", then
                # BYE) does not: an outage to retry, never a reason to poll.
                client.noop()
                return None
        self.commands.append("IDLE")
        self.idling = True
        found = FolderStatus(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(info.get(b"UIDNEXT") or 0),
        )
        if found.uidnext:
            self._listened = (folder, found)
        return found

    def heard(self, timeout_s: float) -> bool:
        """Whether new mail was announced within `timeout_s` (while in IDLE).

        Not imapclient's `idle_check`: it waits on the socket alone, so an
        answer already read into imaplib's buffer (an EXISTS that came with
        IDLE's "+ idling") would wait for the next packet; and it takes the
        server closing the session for silence."""
        from imapclient.response_parser import parse_response

        answers: list[Any] = []
        with imap_translated("IDLE"):
            if not self._waiting() and not _readable(self._imap.socket(), timeout_s):
                return False
            while True:
                line = self._imap._imap._get_line()  # EOF: abort -> MailboxError
                if line.startswith(b"* "):
                    answers.append(parse_response([line[2:]]))
                if not self._waiting() and not _readable(self._imap.socket(), 0):
                    break
        return _new_mail(answers)

    def _waiting(self) -> bool:
        """Bytes already read off the socket (imaplib's buffer, TLS's)."""
        sock = self._imap.socket()
        pending = getattr(sock, "pending", None)
        if pending is not None and pending():
            return True
        sock.setblocking(False)
        try:
            return bool(self._imap._imap.file.peek(1))
        except (BlockingIOError, InterruptedError):
            return False
        finally:
            self._imap._set_read_timeout()  # blocking again, with the read timeout

    def stop_listening(self) -> bool:
        """DONE; whether new mail was announced meanwhile."""
        if not self.idling:
            return False
        self.idling = False
        with imap_translated("IDLE"):
            _, answers = self._imap.idle_done()
        self.commands.append("DONE")
        return _new_mail(answers)

    def leave(self) -> None:
        """DONE (when idling) and LOGOUT, neither answer awaited; never raises."""
        if self.idling:
            self.idling = False
            # Gone already, it may be: LOGOUT below closes what is left.
            with contextlib.suppress(OSError, MailboxError):
                self._imap._imap.send(b"DONE\r\n")
        self.__exit__(None, None, None)


def _readable(sock: Any, timeout_s: float) -> bool:
    ready, _, _ = select.select([sock], [], [], timeout_s)
    return bool(ready)


def _new_mail(answers: Any) -> bool:
    return any(
        isinstance(answer, tuple) and len(answer) > 1 and answer[1] in _NEW_MAIL
        for answer in answers or ()
    )
