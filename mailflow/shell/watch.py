"""`mailflow watch`: stay connected, answer within seconds (IMAP IDLE), do timed work.

Each wake-up runs the same cycle as `mailflow run`, under the same lock, so a
cron `run` alongside is safe. SIGTERM/SIGINT stop it between cycles, never in
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

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

IDLE_CHECK_S = 1.0
"""How often an IDLE wait looks up to see whether it was asked to stop."""
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
    mode = _Mode()
    try:
        while not stop.is_set() and (cycles is None or done < cycles):
            try:
                with _Idle(settings, mode) as idle:
                    # IDLE is listening before the cycle reads the folder, so
                    # mail that lands during the cycle still wakes us at once.
                    report = run_locked(settings, now=now())
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
                        idle.wait(wait_s, stop)
            except MailboxAuthError as exc:
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


class _Mode:
    """What watch learned of the server: whether it offers IDLE at all."""

    def __init__(self) -> None:
        self.polling = False


class _Idle:
    """A second, read-only IMAP session that waits in IDLE (RFC 2177); on a
    server without IDLE, no session: `wait` sleeps the interval (polling)."""

    def __init__(self, settings: Settings, mode: _Mode | None = None) -> None:
        self._settings = settings
        self._mode = mode or _Mode()
        self._client: Any = None

    def __enter__(self) -> _Idle:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
        from imapclient.imapclient import SocketTimeout

        from mailflow.shell import connecting
        from mailflow.shell.mailbox import _translated as imap_translated
        from mailflow.shell.mailbox import imap_credential, log_in

        if self._mode.polling:
            return self
        cfg = self._settings.imap
        connecting.check_port(cfg)
        secret = imap_credential(cfg)
        context = None if cfg.security == "plain" else connecting.tls_context(cfg)
        with imap_translated("connect", cfg):
            client = IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=context,
                timeout=SocketTimeout(
                    connect=min(cfg.timeout_s, 15.0), read=cfg.timeout_s
                ),
            )
        try:
            with imap_translated("connect", cfg):
                if cfg.security == "starttls":
                    client.starttls(context)
            log_in(client, cfg, secret)
            with _translated():
                if not client.has_capability("IDLE"):
                    self._poll_from_now(client, "offers no IDLE")
                    return self
                client.select_folder(cfg.folder, readonly=True)
                try:
                    client.idle()
                except IMAPClientAbortError:
                    raise
                except IMAPClientError:
                    self._poll_from_now(client, "refused IDLE")
                    return self
        except BaseException:
            client.shutdown()
            raise
        self._client = client
        return self

    def _poll_from_now(self, client: Any, why: str) -> None:
        self._mode.polling = True
        cfg = self._settings.imap
        log.warning(  # once: from now on no session is opened for IDLE
            "watch: %s:%d %s; looking for new mail every interval instead",
            cfg.host,
            cfg.port,
            why,
        )
        try:
            client.logout()
        except Exception:
            client.shutdown()

    def wait(self, interval_s: float, stop: threading.Event) -> None:
        """Until something arrives, the interval ends, or we are asked to stop."""
        if self._client is None:
            stop.wait(interval_s)  # polling: the next cycle looks
            return
        waited = 0.0
        with _translated():
            while waited < interval_s and not stop.is_set():
                if self._client.idle_check(timeout=IDLE_CHECK_S):
                    return  # EXISTS or similar: go and read it
                waited += IDLE_CHECK_S

    def __exit__(self, *exc: object) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.idle_done()
            client.logout()
        except Exception:
            client.shutdown()


@contextmanager
def _translated() -> Iterator[None]:
    from imapclient.exceptions import IMAPClientError

    try:
        yield
    except (IMAPClientError, OSError) as exc:
        raise MailboxError(f"IMAP IDLE failed: {type(exc).__name__}") from exc
