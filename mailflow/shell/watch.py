"""`mailflow watch`: stay connected, answer within seconds (IMAP IDLE), do timed work.

Each wake-up runs the same cycle as `mailflow run`, under the same lock, so a
cron `run` alongside is safe. SIGTERM/SIGINT stop it between cycles, never in
the middle of one; a dropped connection is retried with backoff.
"""

from __future__ import annotations

import logging
import signal
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from mailflow.errors import (
    BusyCalendarError,
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
    try:
        while not stop.is_set() and (cycles is None or done < cycles):
            try:
                with _Idle(settings) as idle:
                    # IDLE is listening before the cycle reads the folder, so
                    # mail that lands during the cycle still wakes us at once.
                    report = run_locked(settings, now=now())
                    code = report.exit_code if report else 0
                    trouble = problem(report) if report else None
                    if trouble:
                        log.warning("%s", trouble)
                    done += 1
                    if code == 3:
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


class _Idle:
    """A second, read-only IMAP session that waits in IDLE (RFC 2177)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any = None

    def __enter__(self) -> _Idle:
        from imapclient import IMAPClient
        from imapclient.imapclient import SocketTimeout

        from mailflow.shell.mailbox import imap_credential, log_in

        cfg = self._settings.imap
        secret = imap_credential(cfg)
        with _translated():
            self._client = IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=ssl.create_default_context(),
                timeout=SocketTimeout(
                    connect=min(cfg.timeout_s, 15.0), read=cfg.timeout_s
                ),
            )
            try:
                if cfg.security == "starttls":
                    self._client.starttls(ssl.create_default_context())
                log_in(self._client, cfg, secret)
                self._client.select_folder(cfg.folder, readonly=True)
                self._client.idle()
            except BaseException:
                self._client.shutdown()
                raise
        return self

    def wait(self, interval_s: float, stop: threading.Event) -> None:
        """Until something arrives, the interval ends, or we are asked to stop."""
        waited = 0.0
        with _translated():
            while waited < interval_s and not stop.is_set():
                if self._client.idle_check(timeout=IDLE_CHECK_S):
                    return  # EXISTS or similar: go and read it
                waited += IDLE_CHECK_S

    def __exit__(self, *exc: object) -> None:
        client, self._client = self._client, None
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
