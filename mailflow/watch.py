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
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from mailflow.errors import MailboxError

if TYPE_CHECKING:
    from mailflow.config import Settings

log = logging.getLogger("mailflow")

IDLE_CHECK_S = 1.0
"""How often an IDLE wait looks up to see whether it was asked to stop."""
MAX_BACKOFF_S = 300.0


def watch(
    settings: Settings, *, interval_s: float = 300.0, cycles: int | None = None
) -> int:
    """Run cycles until told to stop; `cycles` bounds the loop (tests)."""
    from mailflow.cli import cycle_under_lock

    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping after this cycle", signum)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    backoff = 1.0
    done = 0
    code = 0
    try:
        while not stop.is_set() and (cycles is None or done < cycles):
            code = cycle_under_lock(settings, now=datetime.now(UTC))
            done += 1
            if cycles is not None and done >= cycles:
                break
            try:
                _wait_for_mail(settings, interval_s, stop)
                backoff = 1.0
            except MailboxError as exc:
                log.warning("watch: %s; retrying in %.0f s", exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _wait_for_mail(
    settings: Settings, interval_s: float, stop: threading.Event
) -> None:
    """IDLE on the folder until something arrives, the interval ends, or stop."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError
    from imapclient.imapclient import SocketTimeout

    cfg = settings.imap
    try:
        client: Any = IMAPClient(
            cfg.host,
            port=cfg.port,
            ssl=cfg.security == "ssl",
            ssl_context=ssl.create_default_context(),
            timeout=SocketTimeout(connect=min(cfg.timeout_s, 15.0), read=cfg.timeout_s),
        )
        try:
            if cfg.security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(cfg.username, cfg.resolve_password())
            client.select_folder(cfg.folder, readonly=True)
            client.idle()
            waited = 0.0
            while waited < interval_s and not stop.is_set():
                if client.idle_check(timeout=IDLE_CHECK_S):
                    break  # EXISTS or similar: go and read it
                waited += IDLE_CHECK_S
            client.idle_done()
            client.logout()
        except BaseException:
            client.shutdown()
            raise
    except (IMAPClientError, OSError) as exc:
        raise MailboxError(f"IMAP IDLE failed: {type(exc).__name__}") from exc
