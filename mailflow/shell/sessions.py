"""`watch`'s sessions, kept between wakes: one IMAP session that waits in IDLE
(RFC 2177) and runs every cycle, one SMTP session, the database. Does I/O.

A wake costs no login: DONE ends the IDLE, the cycle runs on the same session,
then EXAMINE and IDLE again. A session that failed (or that a cycle left in
an error) is dropped and the next use opens one: at most one IMAP login per
wake. A server without IDLE keeps the session too, probed with NOOP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from mailflow.errors import MailboxError
from mailflow.shell.kept_mailbox import KeptMailbox
from mailflow.shell.smtp import SmtpSender

if TYPE_CHECKING:
    from pathlib import Path

    from mailflow.config import ImapSettings, Settings, SmtpSettings
    from mailflow.shell.store import Store

log = logging.getLogger("mailflow")

IDLE_CHECK_S: Final = 1.0
"""How often an IDLE wait looks up to see whether it was asked to stop."""
IDLE_RENEW_S: Final = 25 * 60.0
"""IDLE is said again this often: RFC 2177 asks for at least every 29 minutes,
before a server's inactivity timer logs the client out."""


class _CycleSender:
    """The kept SMTP session as one cycle's Sender: probed once before the
    cycle's first message (a server drops a quiet session after minutes); the
    probe is sent as the cycle begins, its answer read before that message."""

    def __init__(self, smtp: SmtpSender) -> None:
        self._smtp = smtp
        self._probed = False

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        if not self._probed:
            self._probed = True
            self._smtp.renew()
        self._smtp.send(sender, recipients, raw)


class KeptSessions:
    """The sessions `watch` keeps; `mailbox` and `sender` are `run_once`'s factories."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._box: KeptMailbox | None = None
        self._smtp: SmtpSender | None = None
        self._store: Store | None = None
        self._store_path: Path | None = None
        self.polling = False
        """The server offers no IDLE: the next cycle comes at the interval."""
        self.renew_s = IDLE_RENEW_S

    # -- the factories a cycle uses ---------------------------------------------

    @contextmanager
    def mailbox(self, cfg: ImapSettings) -> Iterator[KeptMailbox]:
        """The kept session for one cycle (logging in only when there is none);
        dropped if the cycle fails, whatever failed: its state is unknown."""
        box = self._box
        if box is None or box._settings is not cfg:
            self.drop_mailbox()
            box = KeptMailbox(cfg)
            box.__enter__()
            self._box = box
        try:
            box.begin_cycle()
            yield box
        except BaseException:
            self.drop_mailbox()
            raise
        box.pause_deadline()

    @contextmanager
    def sender(self, cfg: SmtpSettings) -> Iterator[_CycleSender]:
        smtp = self._smtp
        if smtp is None or smtp._settings is not cfg:
            self.drop_sender()
            smtp = self._smtp = SmtpSender(cfg)
        smtp.probe()  # answered while the cycle reads its mail
        try:
            yield _CycleSender(smtp)
        finally:
            # Kept whatever else failed: a send that failed closed it already.
            smtp.settle()

    @contextmanager
    def store(self, path: Path) -> Iterator[Store]:
        """The database, open between cycles too (opening it is on the way
        from a wake to the reply); closed if a cycle fails."""
        from mailflow.shell.store import Store

        if self._store is None or self._store_path != path:
            self.drop_store()
            self._store, self._store_path = Store.open(path), path
        try:
            yield self._store
        except BaseException:
            self.drop_store()
            raise

    # -- between cycles ------------------------------------------------------------

    def wake(self) -> None:
        """Before a cycle: end the IDLE (or probe a polling session with NOOP);
        a session that fails here is dropped, for the cycle to open anew."""
        box = self._box
        if box is None:
            return
        try:
            if box.idling:
                box.stop_listening()
            else:
                box.noop()
        except MailboxError as exc:
            log.info("watch: the kept IMAP session is gone (%s); logging in again", exc)
            self.drop_mailbox()

    def wait(
        self, interval_s: float, stop: threading.Event, *, cycle_ran: bool
    ) -> None:
        """Until new mail is announced, `interval_s` has passed, or `stop` is set.

        Mail that came while the cycle ran (the session was not in IDLE) shows
        as an UIDNEXT above what the cycle's STATUS saw: no wait then."""
        cfg = self._settings.imap
        if self.polling:
            stop.wait(interval_s)
            return
        if self._box is None:
            box = KeptMailbox(cfg)
            box.__enter__()
            box.pause_deadline()  # no deadline while it waits
            self._box = box
        box = self._box
        looked = box.seen.get(cfg.folder)
        now = box.listen(cfg.folder)
        if now is None:
            self.polling = True
            log.warning(  # once: from now on the session waits without IDLE
                "watch: %s:%d offers no IDLE; looking for new mail every interval instead",
                cfg.host,
                cfg.port,
            )
            stop.wait(interval_s)
            return
        if cycle_ran and looked is not None and now.uidnext > looked.uidnext:
            return  # came during the cycle
        began = renewed = time.monotonic()
        while not stop.is_set() and time.monotonic() - began < interval_s:
            if box.heard(min(IDLE_CHECK_S, interval_s)):
                return
            if time.monotonic() - renewed >= self.renew_s:
                renewed = time.monotonic()
                if box.stop_listening():
                    return  # announced as IDLE ended
                again = box.listen(cfg.folder)
                if again is None or again.uidnext > now.uidnext:
                    return  # came between DONE and IDLE: no EXISTS will say so
                now = again

    # -- closing -----------------------------------------------------------------------

    def drop_mailbox(self) -> None:
        box, self._box = self._box, None
        if box is None:
            return
        box.leave()

    def drop_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def drop_sender(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        try:
            self.drop_mailbox()
        finally:
            try:
                self.drop_sender()
            finally:
                self.drop_store()
