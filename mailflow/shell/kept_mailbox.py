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
from typing import TYPE_CHECKING, Any, Final

from mailflow.errors import MailboxError
from mailflow.shell import connecting
from mailflow.shell.deadline import Deadline
from mailflow.shell.mailbox import (
    HEADER_FIELDS,
    FolderStatus,
    HeaderFetch,
    ImapMailbox,
    header_fetch,
    normalised,
)
from mailflow.shell.mailbox import _translated as imap_translated

if TYPE_CHECKING:
    from mailflow.config import ImapSettings

_NEW_MAIL: Final = frozenset({b"EXISTS", b"RECENT"})
"""IDLE answers that mean mail came in; "OK Still here", EXPUNGE, FETCH do not."""


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
        self._early: tuple[int, int, dict[int, HeaderFetch]] | None = None
        """Headers `statuses` fetched with the STATUS: of every mail from a UID
        on, below a UIDNEXT (those the EXAMINE saw)."""

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
                fetch_from=since.uidnext if since else None,
                fetch_items=HEADER_FIELDS,
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
                self._early = (
                    since.uidnext,
                    int(info[b"UIDNEXT"]),
                    {uid: header_fetch(uid, item) for uid, item in fetched.items()},
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
        early, self._early = self._early, None
        if (
            early is None
            or not uids
            or not early[0] <= min(uids) <= max(uids) < early[1]
        ):
            yield from super().headers(uids)
            return
        for uid in uids:
            found = early[2].get(uid)
            if found is not None:  # else never used, or expunged meanwhile
                yield found

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
