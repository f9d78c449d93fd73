"""The SMTP adapter (smtplib). Does network I/O; hands one message at a time over.

TLS is verified; `plain` is refused by config for anything but loopback.
smtplib's exceptions become Transient (retry next run) or Permanent (5xx) errors.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mailflow.errors import PermanentSendError, SmtpAuthError, TransientSendError

if TYPE_CHECKING:
    from mailflow.config import SmtpSettings


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpAuthError(f"SMTP login refused ({exc.smtp_code})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        error = (
            PermanentSendError if all(c >= 500 for c in codes) else TransientSendError
        )
        raise error(f"SMTP {what}: recipient refused ({codes})") from exc
    except smtplib.SMTPResponseException as exc:
        error = PermanentSendError if exc.smtp_code >= 500 else TransientSendError
        raise error(f"SMTP {what}: server answered {exc.smtp_code}") from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise TransientSendError(f"SMTP server disconnected during {what}") from exc
    except smtplib.SMTPException as exc:
        raise TransientSendError(f"SMTP {what} failed: {type(exc).__name__}") from exc
    except ssl.SSLError as exc:
        raise TransientSendError(
            f"SMTP TLS failed during {what}: {exc.reason}"
        ) from exc
    except TimeoutError as exc:
        raise TransientSendError(f"SMTP server timed out during {what}") from exc
    except OSError as exc:
        raise TransientSendError(f"SMTP server unreachable during {what}") from exc


class SmtpSender:
    """One SMTP session, opened lazily on the first message and reused."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open and log in (also what `mailflow check` uses)."""
        if self._client is not None:
            return
        cfg = self._settings
        context = ssl.create_default_context()
        with _translated("connect"):
            client: smtplib.SMTP
            if cfg.security == "ssl":
                client = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_s, context=context
                )
            else:
                client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
                if cfg.security == "starttls":
                    client.starttls(context=context)
        with _translated("login"):
            if cfg.username:
                client.login(cfg.username, cfg.resolve_password())
        self._client = client

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        """Hand one message over; returns only when the server said 250 to DATA."""
        self.connect()
        assert self._client is not None
        try:
            with _translated("send"):
                self._client.sendmail(sender, list(recipients), raw)
        except TransientSendError:
            self.close()
            raise

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
