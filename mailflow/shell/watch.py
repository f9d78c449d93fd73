"""`mailflow watch`: stay connected, answer within seconds (IMAP IDLE), do timed work.

Each wake-up runs the same cycle as `mailflow run`, under the same lock, so a
cron `run` alongside is safe; on the IMAP and SMTP sessions kept between wakes
(`sessions`), so a wake costs no login. SIGTERM/SIGINT stop it between cycles, never in
the middle of one; a dropped connection is retried with backoff. A server that
offers no IDLE is polled at the interval instead. A refused login is tried
again only once an hour (a provider locks a mailbox after a run of failures),
and the therapist is told once by email when SMTP still works.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from mailflow.errors import (
    BusyCalendarError,
    MailboxAuthError,
    MailboxError,
    SendError,
    StoreError,
    TokenError,
)

if TYPE_CHECKING:
    from mailflow.config import Settings

log = logging.getLogger("mailflow")

MAX_BACKOFF_S = 300.0
AUTH_BACKOFF_S = 3600.0
"""After a refused login: one try an hour cannot lock a mailbox."""


def watch(
    settings: Settings,
    *,
    interval_s: float = 300.0,
    cycles: int | None = None,
    start_at: datetime | None = None,
) -> int:
    """Run cycles until told to stop; `cycles` bounds the loop (tests).

    `start_at` sets the clock of the first cycle (like `run --now`); it then
    advances in real time, so timed work falls due as it would in production.
    """
    from mailflow.shell.cycle import problem, run_locked
    from mailflow.shell.sessions import KeptSessions

    stop = threading.Event()
    began = time.monotonic()

    def now() -> datetime:
        if start_at is None:
            return datetime.now(UTC)
        return start_at + timedelta(seconds=time.monotonic() - began)

    def _stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping after this cycle", signum)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    backoff = 1.0
    done = 0
    code = 0
    told_refused = False
    sessions = KeptSessions(settings)
    try:
        while not stop.is_set() and (cycles is None or done < cycles):
            try:
                # The cycle runs on the session that waited in IDLE: no login.
                sessions.wake()
                report = run_locked(
                    settings,
                    now=now(),
                    mailbox=sessions.mailbox,
                    sender=sessions.sender,
                    store=sessions.store,
                )
                code = report.exit_code if report else 0
                trouble = problem(report) if report else None
                if trouble:
                    log.warning("%s", trouble)
                done += 1
                if code == 3 and report and _login_refused(report.smtp_down):
                    # SMTP refused the login: once an hour, not every minute.
                    log.warning("watch: retrying in %.0f s", AUTH_BACKOFF_S)
                    wait_s = max(interval_s, AUTH_BACKOFF_S)
                elif code == 3:
                    # SMTP was down: the outbox waits; try again soon, not
                    # only at the next interval or the next mail.
                    log.warning("watch: retrying in %.0f s", backoff)
                    wait_s = min(backoff, interval_s)
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                else:
                    wait_s = interval_s
                    backoff = 1.0
                if cycles is None or done < cycles:
                    sessions.wait(wait_s, stop, cycle_ran=report is not None)
            except MailboxAuthError as exc:
                sessions.drop_mailbox()
                if isinstance(exc, TokenError) and not exc.note:
                    from mailflow.shell.token_alert import tell_therapist_locked

                    tell_therapist_locked(settings, exc, datetime.now(UTC))
                elif not isinstance(exc, TokenError) and not told_refused:
                    told_refused = True
                    _tell_login_refused(settings, str(exc))
                log.warning("watch: %s; trying again in an hour", exc)
                code = 3
                stop.wait(AUTH_BACKOFF_S)
            except MailboxError as exc:
                sessions.drop_mailbox()
                if isinstance(exc, TokenError) and not exc.note:
                    # The IDLE session's login, outside a cycle: tell the
                    # therapist here (at most once a day, as a run would).
                    from mailflow.shell.token_alert import tell_therapist_locked

                    tell_therapist_locked(settings, exc, datetime.now(UTC))
                log.warning("watch: %s; retrying in %.0f s", exc, backoff)
                code = 3
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
            except (SendError, StoreError, BusyCalendarError) as exc:
                # SMTP down, a locked database, an unreadable calendar: passing
                # trouble for a long-lived worker; nothing is lost, so wait and retry.
                log.warning("watch: %s; retrying in %.0f s", exc, backoff)
                code = 3 if isinstance(exc, SendError) else 1
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
    finally:
        sessions.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # Stopped by SIGTERM/SIGINT between cycles: a clean stop, whatever came before.
    return 0 if stop.is_set() else code


def _login_refused(trouble: str | None) -> bool:
    return bool(trouble) and " refused for " in str(trouble)


def _tell_login_refused(settings: Settings, line: str) -> None:
    """Email the therapist once that the mailbox refuses mailflow's login."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from mailflow.shell.smtp import SmtpSender

    practice = settings.practice
    message = EmailMessage()
    message["From"] = practice.email
    message["To"] = practice.therapist_email
    message["Subject"] = "mailflow cannot log in to the practice mailbox"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=practice.email.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message["X-Mailflow"] = "login-refused"
    message.set_content(
        f"{line}.\n\nNew requests are not read or answered until this is fixed;"
        " nothing is lost. mailflow tries again once an hour (so the mailbox is not"
        " locked by repeated attempts); after fixing the password, restart"
        " `mailflow watch` to log in at once.\n"
    )
    try:
        with SmtpSender(settings.smtp) as sender:
            sender.send(practice.email, (practice.therapist_email,), message.as_bytes())
    except Exception as exc:  # the log line is then the only messenger
        log.warning("watch: the therapist could not be emailed (%s)", exc)
