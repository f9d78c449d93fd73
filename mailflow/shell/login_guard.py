"""A refused login (IMAP or SMTP) is not retried every few minutes by cron.
Does I/O (the store).

Providers lock a mailbox after a run of failed logins, so after
REFUSALS_BEFORE_PAUSE refusals in a row mailflow stops trying for PAUSE, then
tries once again; a change to that server's settings (host, port, user,
password or where it comes from) ends the pause at once. At Gmail and
Microsoft 365 both servers log in to the same account, so both are guarded. The database keeps only a
fingerprint of those settings, keyed with the installation's secret, and of
the password no more than 16 bits: enough to notice a new one, too few to test
guesses against.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from mailflow.errors import MailboxAuthError, SmtpAuthError, TokenError
from mailflow.shell import connecting

if TYPE_CHECKING:
    from mailflow.config import ImapSettings, SmtpSettings
    from mailflow.shell.ports import Sender
    from mailflow.shell.store import Store

REFUSALS_BEFORE_PAUSE: Final = 3
PAUSE: Final = timedelta(hours=1)
META: Final = "imap:login_refused"


def meta_key(server: str) -> str:
    """The store's meta key of one server's run of refused logins."""
    return f"{server}:login_refused"


class LoginPaused(MailboxAuthError):
    """The login was not even tried: it was refused too often (exit 3)."""


class SmtpLoginPaused(SmtpAuthError):
    """The SMTP login was not even tried: refused too often (the outbox waits)."""


def _fingerprint(store: Store, cfg: ImapSettings | SmtpSettings) -> str:
    key = store.secret()
    basis = "\x00".join(
        [
            cfg.host.lower(),
            str(cfg.port),
            cfg.username,
            cfg.auth,
            cfg.password_command,
            cfg.password_keyring,
            cfg.oauth2_token_command,
            cfg.oauth2_client_id,
        ]
    )
    settings = hmac.new(key, basis.encode(), hashlib.sha256).hexdigest()[:16]
    password = hmac.new(
        key, b"password\x00" + cfg.password.get_secret_value().encode(), hashlib.sha256
    ).hexdigest()[:4]
    return settings + password


class LoginGuard:
    def __init__(
        self, store: Store, cfg: ImapSettings | SmtpSettings, now: datetime
    ) -> None:
        self._store = store
        self._cfg = cfg
        self._now = now
        self._fingerprint = _fingerprint(store, cfg)
        self._server = cfg.section  # "imap" | "smtp"
        self._meta = meta_key(self._server)

    def _state(self) -> tuple[int, datetime] | None:
        raw = self._store.get_meta(self._meta)
        if not raw:
            return None
        try:
            state = json.loads(raw)
            if state["config"] != self._fingerprint:
                return None  # the settings changed: the pause is over
            return int(state["count"]), datetime.fromisoformat(state["last"])
        except (ValueError, KeyError, TypeError):
            return None

    def check(self) -> None:
        """LoginPaused when the login was refused too often, too recently."""
        state = self._state()
        if state is None or state[0] < REFUSALS_BEFORE_PAUSE:
            return
        count, last = state
        until = last + PAUSE
        if self._now >= until:
            return  # one more try
        paused = LoginPaused if self._server == "imap" else SmtpLoginPaused
        raise paused(
            f"{self._server.upper()} login to {connecting.where(self._cfg)} not"
            f" tried: refused {count} times in a row (last {last:%Y-%m-%d %H:%M}"
            " UTC), and a mailbox can lock after more; fix the password"
            f" ({connecting.password_origin(self._cfg)}) and the next run logs in"
            f" when the {self._server} settings change, else at {until:%H:%M} UTC"
            " (`mailflow check` tries at once)"
        )

    def refused(self) -> None:
        state = self._state()
        count = (state[0] if state else 0) + 1
        self._store.set_meta(
            self._meta,
            json.dumps(
                {
                    "config": self._fingerprint,
                    "count": count,
                    "last": self._now.isoformat(),
                }
            ),
        )

    def accepted(self) -> None:
        if self._store.get_meta(self._meta):
            self._store.set_meta(self._meta, "")


class GuardedSender:
    """A Sender whose first login of the run is guarded (see LoginGuard)."""

    def __init__(self, inner: Sender, guard: LoginGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._logged_in = False

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        if not self._logged_in:
            self._guard.check()
        try:
            self._inner.send(sender, recipients, raw)
        except SmtpAuthError as exc:
            if not isinstance(exc, SmtpLoginPaused | TokenError):
                self._guard.refused()  # a broken sign-in token is not a password
            raise
        if not self._logged_in:
            self._logged_in = True
            self._guard.accepted()
