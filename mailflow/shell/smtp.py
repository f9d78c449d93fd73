"""The SMTP adapter (smtplib). Does network I/O; hands one message at a time over.

TLS is verified; `plain` is refused by config for anything but loopback.
smtplib's exceptions become Transient (retry next run) or Permanent (5xx) errors.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mailflow.errors import (
    ConfigError,
    DeferredSendError,
    PermanentSendError,
    PolicyRefusedError,
    SmtpAuthError,
    SmtpTokenError,
    TokenError,
    TransientSendError,
)
from mailflow.shell import connecting
from mailflow.shell.deadline import Deadline

if TYPE_CHECKING:
    import smtplib

    from mailflow.config import SmtpSettings


@contextmanager
def _translated(what: str, cfg: SmtpSettings | None = None) -> Iterator[None]:
    at = f" {connecting.where(cfg)}" if cfg is not None else ""
    import smtplib  # only when talking to the server: an empty poll sends nothing

    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        if cfg is None:
            raise SmtpAuthError(f"SMTP login refused ({exc.smtp_code})") from exc
        raise SmtpAuthError(
            f"{connecting.login_refused(cfg, 'SMTP')} (the server said {exc.smtp_code})"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        error = (
            PermanentSendError
            if all(c >= 500 for c in codes)
            else _temporary(what, min(codes))
        )
        raise error(f"SMTP {what}: recipient refused ({codes})") from exc
    except smtplib.SMTPSenderRefused as exc:
        # MAIL FROM refused: a setting, not this message; every message would
        # fail alike, so stop and keep them all queued (exit 3).
        raise TransientSendError(
            f"SMTP {what}: the server refused the sender address ({exc.smtp_code});"
            " check practice.email and smtp.username"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500 and _about_us(exc.smtp_error):
            # 5.7.x: security or policy. About this account (SendAs denied) or
            # this message (a content filter)? The outbox decides.
            raise PolicyRefusedError(
                f"SMTP {what}: refused by the server's policy"
                f" ({exc.smtp_code} {_status_code(exc.smtp_error)})"
            ) from exc
        error = (
            PermanentSendError
            if exc.smtp_code >= 500
            else _temporary(what, exc.smtp_code)
        )
        raise error(f"SMTP {what}: server answered {exc.smtp_code}") from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise TransientSendError(f"SMTP server{at} disconnected during {what}") from exc
    except smtplib.SMTPException as exc:
        raise TransientSendError(
            f"SMTP{at} {what} failed: {type(exc).__name__}"
        ) from exc
    except ssl.SSLError as exc:
        if cfg is None:
            raise TransientSendError(
                f"SMTP TLS failed during {what}: {exc.reason}"
            ) from exc
        raise TransientSendError(f"SMTP: {connecting.tls_problem(exc, cfg)}") from exc
    except TimeoutError as exc:
        if cfg is None:
            raise TransientSendError(f"SMTP server timed out during {what}") from exc
        raise TransientSendError(f"SMTP: {connecting.timed_out(cfg, what)}") from exc
    except OSError as exc:
        raise TransientSendError(
            f"SMTP server{at} unreachable during {what}: {_first(exc)}"
        ) from exc


def _answered(sock: socket.socket | None) -> bool:
    """Whether the server's answer can be read without waiting."""
    if sock is None:
        return True  # gone: reading says so at once
    pending = getattr(sock, "pending", None)  # what TLS has decrypted already
    if pending is not None and pending():
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _first(exc: BaseException) -> str:
    return " ".join((str(exc) or type(exc).__name__).split())[:160]


def _status_code(text: bytes | str) -> str:
    """The enhanced status code (RFC 3463) an SMTP answer starts with, if any."""
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    first = raw.strip().split(" ", 1)[0]
    parts = first.split(".")
    return first if len(parts) == 3 and all(p.isdigit() for p in parts) else ""


def _about_us(text: bytes | str) -> bool:
    """5.7.x is security or policy (RFC 3463): about the sender, not this message."""
    return _status_code(text).startswith("5.7.")


def _temporary(what: str, code: int) -> type[TransientSendError]:
    """A 4xx for one message is deferred with backoff; 421 (the server is
    closing the session) and any failure outside `send` mean the server is down."""
    return DeferredSendError if what == "send" and code != 421 else TransientSendError


def _credential(cfg: SmtpSettings) -> str:
    """The password, or (auth = "oauth2") a fresh access token; never logged."""
    from mailflow.shell import credentials

    if cfg.auth != "oauth2":
        return cfg.resolve_password() if cfg.username else ""
    try:
        return credentials.access_token(cfg)
    except TokenError as exc:
        raise SmtpTokenError(
            key=exc.key, reason=exc.reason, hint=exc.hint, passing=exc.passing
        ) from None


def _xoauth2(client: smtplib.SMTP, user: str, token: str) -> None:
    """AUTH XOAUTH2 with the initial response; on a 334 error challenge (a JSON
    status) the client answers empty and the server then says 535."""
    from mailflow.shell.credentials import xoauth2

    def answer(challenge: bytes | None = None) -> str:
        return xoauth2(user, token) if challenge is None else ""

    client.ehlo_or_helo_if_needed()
    client.auth("XOAUTH2", answer, initial_response_ok=True)


class SmtpSender:
    """One SMTP session, opened lazily on the first message and reused."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._client: smtplib.SMTP | None = None
        self._deadline: Deadline | None = None
        self.logged_in: bool | None = None
        """After connect: True logged in, False sent without a login (none set)."""
        self._probing = False
        """NOOP sent by `probe`, its answer not read yet."""

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open and log in (also what `mailflow check` uses)."""
        if self._client is not None:
            return
        cfg = self._settings
        connecting.check_port(cfg)  # a mix-up that would hang until the timeout
        secret = _credential(cfg)  # first: a missing token costs no connection
        # Verifies the certificate and host; only when TLS is spoken (config
        # allows `plain` for loopback alone).
        context = None if cfg.security == "plain" else connecting.tls_context(cfg)
        # The whole session, greeting included, within smtp.deadline_s (#14).
        deadline = Deadline(
            cfg.deadline_s, f"SMTP {connecting.where(cfg)} (smtp.deadline_s)"
        ).start()
        try:
            with deadline.scope():
                self._open(cfg, secret, context)
        except BaseException:
            deadline.cancel()
            raise
        self._deadline = deadline

    def _open(
        self, cfg: SmtpSettings, secret: str, context: ssl.SSLContext | None
    ) -> None:
        import smtplib

        with _translated("connect", cfg):
            client: smtplib.SMTP
            if cfg.security == "ssl":
                client = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_s, context=context
                )
            else:
                client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        try:  # a refused STARTTLS or login must not leave the socket open
            if cfg.security == "starttls":
                with _translated("connect", cfg):
                    client.starttls(context=context)
            with _translated("login", cfg):
                client.ehlo_or_helo_if_needed()
                offered = client.has_extn("auth")
                if cfg.username and not offered:
                    raise ConfigError(
                        [
                            f"smtp.username: set, but {connecting.where(cfg)} offers"
                            " no login (no AUTH after EHLO"
                            + (
                                ", even after STARTTLS"
                                if cfg.security == "starttls"
                                else ""
                            )
                            + "): remove smtp.username (and the password) to send"
                            " without one, or use the provider's submission port"
                            " (465 ssl or 587 starttls)"
                        ]
                    )
                if cfg.auth == "oauth2":
                    _xoauth2(client, cfg.username, secret)
                elif cfg.username:
                    client.login(cfg.username, secret)
            self.logged_in = bool(cfg.username)
        except BaseException:
            client.close()
            raise
        self._client = client

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        """Hand one message over; returns only when the server said 250 to DATA."""
        if self._probing:
            self._answer()  # NOOP's answer first, never taken for MAIL FROM's
        self.connect()
        assert self._client is not None
        try:
            with _translated("send"):
                self._client.sendmail(sender, list(recipients), raw)
        except TransientSendError:
            self.close()
            raise

    def probe(self) -> None:
        """A session kept from an earlier cycle (watch): a fresh smtp.deadline_s
        for this cycle, and NOOP sent without waiting for the answer, which
        `renew` reads once it is needed (by then it has come: no wait)."""
        import smtplib

        client = self._client
        if client is None:
            return
        self.pause_deadline()
        cfg = self._settings
        deadline = Deadline(
            cfg.deadline_s, f"SMTP {connecting.where(cfg)} (smtp.deadline_s)"
        )
        self._deadline = deadline.start()
        if client.sock is not None:
            deadline.watch(client.sock)
        if self._probing:
            self._answer()  # an earlier cycle's, unread: long come (or gone)
            if self._client is None:
                return
        try:
            client.putcmd("noop")
        except (smtplib.SMTPException, OSError):
            self.close()
            return
        self._probing = True

    def renew(self) -> None:
        """The probe's answer (probing first if `probe` was not called): the
        session is closed if the server has dropped it (servers end a quiet
        session after minutes; the next `send` opens a new one)."""
        if not self._probing:
            self.probe()
        if self._probing:
            self._answer()

    def settle(self) -> None:
        """The cycle is over: the probe's answer read if it has come (else as
        the next cycle probes, never waited for here), and no deadline."""
        client = self._client
        if self._probing and client is not None and _answered(client.sock):
            self._answer()
        self.pause_deadline()

    def _answer(self) -> None:
        import smtplib

        self._probing = False
        client = self._client
        if client is None:
            return
        try:
            code, _ = client.getreply()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self.close()

    def pause_deadline(self) -> None:
        """Between cycles a kept session waits without a deadline (watch)."""
        deadline, self._deadline = self._deadline, None
        if deadline is not None:
            deadline.cancel()

    def close(self) -> None:
        self._probing = False
        client, self._client = self._client, None
        deadline, self._deadline = self._deadline, None
        try:
            self._quit(client)
        finally:
            if deadline is not None:
                deadline.cancel()

    @staticmethod
    def _quit(client: smtplib.SMTP | None) -> None:
        if client is None:
            return
        import smtplib

        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
