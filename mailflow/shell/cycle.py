"""One cycle of the worker, the single entry point every caller shares.

`mailflow run`, `watch`, the demo, the benches and the tests all call
`run_once` (or `run_locked`, which adds the run lock), so there is one path of
a mail through the shell: read the inbox, decide, commit, send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mailflow.errors import ImapTokenError, MailboxAuthError, TokenError

if TYPE_CHECKING:
    from mailflow.config import ImapSettings, Settings, SmtpSettings
    from mailflow.shell.ports import Mailbox, Sender
    from mailflow.shell.runner import RunReport
    from mailflow.shell.store import Store

log = logging.getLogger("mailflow")

MailboxFactory = Callable[["ImapSettings"], AbstractContextManager["Mailbox"]]
"""Builds a session from the settings; entering it connects and logs in
(`ImapMailbox`, or `fakes.MemoryPostOffice.mailbox`)."""
SenderFactory = Callable[["SmtpSettings"], AbstractContextManager["Sender"]]
StoreFactory = Callable[[Path], AbstractContextManager["Store"]]
"""Opens the database; leaving it closes it (`Store.open`)."""
"""Builds a sender; leaving it closes the session (`SmtpSender`, or
`fakes.MemoryPostOffice.sender`)."""


def run_once(
    settings: Settings,
    now: datetime,
    *,
    wall_now: datetime | None = None,
    dry_run: bool = False,
    mailbox: MailboxFactory | None = None,
    sender: SenderFactory | None = None,
    store: StoreFactory | None = None,
) -> RunReport:
    """Run one whole cycle at `now` and report what it did.

    `mailbox` and `sender` build the adapters from their settings; they default
    to the real IMAP and SMTP ones (tests pass in-memory fakes or failing ones).
    `store` opens the database (`Store.open`; `watch` keeps one open).
    A dry run works on an in-memory copy of the database and sends nothing.
    """
    from mailflow.shell.login_guard import GuardedSender, LoginGuard
    from mailflow.shell.mailbox import ImapMailbox
    from mailflow.shell.runner import Runner
    from mailflow.shell.smtp import SmtpSender
    from mailflow.shell.store import Store

    with ExitStack() as stack:
        db = stack.enter_context((store or Store.open)(settings.storage.database))
        if dry_run:
            db = stack.enter_context(db.copy_in_memory())
        guard = LoginGuard(db, settings.imap, now)
        guard.check()  # refused too often: not tried (a mailbox can lock)
        try:
            box = stack.enter_context((mailbox or ImapMailbox)(settings.imap))
        except MailboxAuthError as exc:
            if not isinstance(exc, TokenError):
                guard.refused()
            raise
        guard.accepted()
        smtp = GuardedSender(
            stack.enter_context((sender or SmtpSender)(settings.smtp)),
            LoginGuard(db, settings.smtp, now),
        )
        runner = Runner(
            settings,
            db,
            box,
            smtp,
            now=now,
            wall_now=wall_now or datetime.now(UTC),
            dry_run=dry_run,
        )
        try:
            report = runner.run()
        finally:
            _forget_kept()
    log.info("run: %s", report.summary())
    return report


def _forget_kept() -> None:
    """What the readers and writers kept between mails of this cycle (names,
    addresses, subjects) goes with it: a `watch` keeps nothing past retention
    or `forget`. Only modules this cycle loaded."""
    import sys
    from types import ModuleType

    for name in (
        "mailflow.reading.parse",
        "mailflow.writing.compose",
        "mailflow.deciding.guard",
    ):
        module = sys.modules.get(name)
        # A module still waiting to load (`lazy`) is no plain ModuleType yet:
        # it kept nothing, and looking at it would load it.
        if type(module) is ModuleType:
            module.forget_kept()


def run_locked(
    settings: Settings,
    *,
    now: datetime,
    dry_run: bool = False,
    mailbox: MailboxFactory | None = None,
    sender: SenderFactory | None = None,
    store: StoreFactory | None = None,
    then: Callable[[RunReport], None] | None = None,
) -> RunReport | None:
    """One cycle under the run lock; None when another run holds it (leave quietly).

    `mailbox`, `sender` and `store` as for `run_once` (`watch` passes its kept
    sessions and database); `then` sees the report still under the lock (the
    quiet mark describes the database no other run has touched since)."""
    from mailflow.shell.lock import RunLock

    database = settings.storage.database
    with RunLock(Path(f"{database}.lock")) as lock:
        if not lock.acquired:
            log.info("another run holds the lock; leaving quietly")
            return None
        try:
            report = run_once(
                settings,
                now,
                dry_run=dry_run,
                mailbox=mailbox,
                sender=sender,
                store=store,
            )
        except ImapTokenError as exc:
            if not dry_run:
                from mailflow.shell.token_alert import tell_therapist

                exc.note = tell_therapist(settings, exc, now)
            raise
        if then is not None:
            then(report)
    return report


def problem(report: RunReport) -> str | None:
    """What went wrong in a cycle, in one line for the therapist, or None."""
    if report.smtp_down:
        return (
            f"{report.smtp_down}; {report.waiting} message(s) wait in the outbox "
            "and go out on the next run"
        )
    if report.calendar_down:
        return (
            f"{report.calendar_down} New requests wait, unanswered and not lost,"
            " until it can be read (check availability.busy_calendars)"
        )
    if report.failed:
        return f"{report.failed} mail(s) failed and will be retried next run"
    return None
