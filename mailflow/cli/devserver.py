"""A throwaway mail server on loopback (Dovecot + aiosmtpd) for `demo` and the tests.

Does I/O: starts a Dovecot process and an SMTP thread, binds ports, writes a temp dir.
Never used against real mail; any user name logs in with the one shared password.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import email
import email.policy
import grp
import hashlib
import hmac
import json
import logging
import os
import pwd
import re
import secrets
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from string import Template
from types import TracebackType
from typing import Any, Final, NamedTuple, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import (
    MISSING,
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
)
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

DOVECOT_MISSING: Final = (
    "Dovecot is not installed: run `make test` / "
    "apt-get install dovecot-imapd dovecot-lmtpd"
)
PASSWORD: Final = "secret"
"""The one password every user has, on IMAP and on SMTP AUTH."""
START_TIMEOUT_S: Final = 10.0
"""How long Dovecot may take to greet on IMAP before start() gives up."""
_POLL_S: Final = 0.05
_STOP_TIMEOUT_S: Final = 5.0
_SBIN_FALLBACKS: Final = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
_LOG_FILES: Final = ("dovecot.out", "dovecot.log")

# Dovecot 2.3 syntax. Per-user homes under the temp dir; the mail uid is never 0
# because Dovecot refuses to run mail processes as root.
_CONFIG_2_3: Final = Template(r"""
base_dir = $root/run
state_dir = $root/state
instance_name = mailflow-$port
log_path = $root/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
default_login_user = $login_user
default_internal_user = $internal_user
default_internal_group = $internal_group
first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:~/Maildir
# XOAUTH2/OAUTHBEARER: JWTs signed with the server's own key, checked locally
# (no introspection endpoint); see LocalMailServer.oauth2_token().
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $root/oauth2.conf
}
# This first password passdb checks nothing and only sets `nodelay`. Without it, one
# wrong password makes Dovecot hold every login from 127.0.0.1, good ones too,
# for 2-15 s ("auth penalty"), and login_trusted_networks no longer exempts.
passdb {
  driver = static
  args = noauthenticate nodelay=yes
  result_success = continue
  result_failure = continue
}
passdb {
  driver = static
  args = password=$password
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$root/home/%u allow_all_users=yes
}
$common""")

# Dovecot 2.4 (Debian 13) rewrote the syntax: named passdb/userdb, %{var}, ...
_CONFIG_2_4: Final = Template(r"""dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = $root/run
state_dir = $root/state
instance_name = mailflow-$port
log_path = $root/dovecot.log
listen = 127.0.0.1
protocols {
  imap = yes
  lmtp = yes
}
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
# Untested (written on 2.3): the `nodelay` passdb of the 2.3 config is not
# ported, so logins after a wrong password may be held for seconds.
auth_failure_delay = 0
default_login_user = $login_user
default_internal_user = $internal_user
default_internal_group = $internal_group
first_valid_uid = $uid
first_valid_gid = $gid
mail_driver = maildir
mail_path = %{home}/Maildir
passdb static {
  password = $password
}
userdb static {
  fields {
    uid = $uid
    gid = $gid
    home = $root/home/%{user}
  }
  userdb_static_allow_all_users = yes
}
$common""")

_COMMON: Final = Template(r"""
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
}
protocol imap {
  # IDLE watchers and tests open many sessions as one user from one IP.
  mail_max_userip_connections = 100
}
# No chroot: it needs root, and the caller may be an ordinary user.
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
""")


@dataclass(frozen=True, slots=True)
class StoredMail:
    """One mail as the IMAP server holds it, read without touching its flags.

    `flags` leaves out \\Recent: it belongs to a session, not to the mail.
    """

    uid: int
    flags: tuple[str, ...]
    raw: bytes

    def message(self) -> EmailMessage:
        """Parse `raw` with the modern policy (for assertions on headers and body)."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class SmtpRecord(NamedTuple):
    """What the SMTP server accepted: the envelope and the bytes after DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


class _Identity(NamedTuple):
    uid: int
    gid: int
    login_user: str
    internal_user: str
    internal_group: str


class LocalMailServer:
    """Dovecot (IMAP + LMTP) and an SMTP relay into it, all on 127.0.0.1.

    Every user name exists and has the password `secret`, so callers isolate
    themselves by inventing fresh addresses. SMTP accepts AUTH PLAIN/LOGIN
    without TLS, or no AUTH at all, and delivers to every recipient over LMTP.
    Both also take XOAUTH2 with a token from `oauth2_token()` (IMAP: Dovecot 2.3
    only, see `imap_oauth2`).
    """

    host: Final = "127.0.0.1"

    def __init__(self, *, dovecot: str | None = None, smtp_auth: bool = True) -> None:
        """`dovecot`: path of the binary; by default found on PATH or in sbin.
        `smtp_auth=False`: the SMTP server offers no AUTH at all (a relay that
        trusts its network), as some practices' providers and smarthosts do."""
        self.smtp_auth = smtp_auth
        self.password: str = PASSWORD
        self._oauth2_key = secrets.token_bytes(32)
        self._binary = dovecot
        self.imap_port: int = 0
        self.smtp_port: int = 0
        self.smtp_log: list[SmtpRecord] = []
        self.smtp_logins: list[str] = []
        """The user of each accepted SMTP AUTH, in order: how tests count logins."""
        self._root: Path | None = None
        self._dovecot: _Dovecot | None = None
        self._controller: Controller | None = None
        # Mail accepted over SMTP while Dovecot is down, delivered by imap_up()
        # the way a real MTA queues and retries.
        self._queue: list[SmtpRecord] = []
        self._queue_lock = threading.Lock()
        self.rcpt_answers: dict[str, str] = {}
        """What SMTP answers at RCPT TO for an address instead of 250, e.g.
        "450 4.2.1 Try again later": how tests meet 4xx and 5xx servers."""
        self.data_answers: dict[str, str] = {}
        """What SMTP answers after DATA for a message to an address, e.g.
        "554 5.7.1 Message rejected by policy": a content filter's refusal."""
        self.content_answers: dict[bytes, str] = {}
        """What SMTP answers after DATA for any message whose bytes hold a
        word (lower-cased), e.g. {b"bleach": "554 5.7.1 ..."}: a content
        filter that reads the words."""

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Start Dovecot and the SMTP server; RuntimeError if Dovecot is absent."""
        binary = _find_dovecot(self._binary)
        self._root = Path(tempfile.mkdtemp(prefix="mailflow-dovecot-"))
        try:
            self._root.chmod(0o711)  # the unprivileged mail uid must reach its home
            identity = _identity()
            home = self._root / "home"
            home.mkdir()
            if os.geteuid() == 0:
                os.chown(home, identity.uid, identity.gid)
            self._write_oauth2_key(self._root)
            self._dovecot = _Dovecot(binary, self._root, identity, self.password)
            self._dovecot.start_on_free_port()
            self.imap_port = self._dovecot.port
            for attempt in range(3):  # another process may grab the free port first
                self.smtp_port = _free_port()
                try:
                    self._start_smtp()
                    break
                except OSError:
                    if attempt == 2:
                        raise
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop both servers and delete every mail; safe to call twice."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._dovecot is not None:
            self._dovecot.stop()
            self._dovecot = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- outages -----------------------------------------------------------

    def smtp_down(self) -> None:
        """Stop the SMTP server so that connecting is refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def smtp_up(self) -> None:
        """Restart the SMTP server on the same port."""
        if self._controller is None:
            self._start_smtp()

    def imap_down(self) -> None:
        """Stop Dovecot (IMAP and delivery); the stored mail is kept."""
        self._require_dovecot().stop()

    def imap_up(self) -> None:
        """Restart Dovecot on the same port and deliver mail queued meanwhile."""
        self._require_dovecot().start()
        with self._queue_lock:
            queued, self._queue = self._queue, []
        for record in queued:
            self._lmtp(record)

    # -- helpers for tests and the demo ------------------------------------

    def deliver(self, raw: bytes, to: str, *, mail_from: str | None = None) -> None:
        """Deliver `raw` into the INBOX of `to` over LMTP, as an MTA would.

        The envelope sender defaults to the From address: a null sender would
        make the mail look like a bounce (RFC 3834) to the classifier.
        """
        if mail_from is None:
            headers = email.message_from_bytes(raw, policy=email.policy.compat32)
            mail_from = parseaddr(str(headers.get("From", "")))[1]
        self._lmtp(SmtpRecord(mail_from, (to,), raw))

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        *,
        when: datetime | None = None,
    ) -> int:
        """Store `raw` in `folder` of `user` over IMAP APPEND; return its UID."""
        with self.imap(user) as client:
            response = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        match = re.search(rb"APPENDUID \d+ (\d+)", _as_bytes(response))
        if match is None:
            raise RuntimeError(f"Dovecot gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def messages(self, user: str, folder: str = "INBOX") -> list[StoredMail]:
        """Every mail in `folder` by UID, via BODY.PEEK[] so \\Seen stays unset."""
        with self.imap(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return []
            fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"])
        return [
            StoredMail(
                uid=int(uid),
                flags=tuple(
                    _as_str(flag) for flag in data[b"FLAGS"] if flag != rb"\Recent"
                ),
                raw=_as_bytes(data[b"BODY[]"]),
            )
            for uid, data in sorted(fetched.items())
        ]

    @contextlib.contextmanager
    def imap(self, user: str) -> Iterator[IMAPClient]:
        """An IMAPClient logged in as `user` over plain IMAP, logged out after."""
        client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
        try:
            client.login(user, self.password)
            yield client
        finally:
            try:
                client.logout()
            except (IMAPClientError, OSError):  # connection already gone: just close
                with contextlib.suppress(OSError):
                    client.shutdown()

    def oauth2_token(self, user: str, *, lifetime_s: int = 3600) -> str:
        """An access token for `user` that both servers accept (an HS256 JWT)."""
        now = int(time.time())
        claims = {"sub": user, "iat": now, "nbf": now, "exp": now + lifetime_s}
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "default"}))
        body = _b64url(json.dumps(claims))
        signature = hmac.new(
            self._oauth2_key, f"{head}.{body}".encode(), hashlib.sha256
        ).digest()
        return f"{head}.{body}.{_b64url(signature)}"

    @property
    def imap_oauth2(self) -> bool:
        """Whether Dovecot takes XOAUTH2 (configured for 2.3; 2.4 not yet)."""
        return self._require_dovecot().template is _CONFIG_2_3

    def token_user(self, token: str) -> str | None:
        """The user a valid, unexpired token of ours was made for, else None."""
        try:
            head, body, signature = token.split(".")
            expected = hmac.new(
                self._oauth2_key, f"{head}.{body}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(_unb64url(signature), expected):
                return None
            claims = json.loads(_unb64url(body))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
            return None
        user = claims.get("sub")
        return user if isinstance(user, str) else None

    def dovecot_log(self) -> str:
        """Dovecot's log so far, for failure messages."""
        return self._require_dovecot().log()

    # -- internals ---------------------------------------------------------

    def _write_oauth2_key(self, root: Path) -> None:
        """Dovecot's local JWT validation: key by <azp>/<alg>/<kid>, base64."""
        folder = root / "oauth2-keys" / "default" / "HS256"
        folder.mkdir(parents=True)
        (folder / "default").write_text(base64.b64encode(self._oauth2_key).decode())
        (root / "oauth2.conf").write_text(
            "introspection_mode = local\n"
            f"local_validation_key_dict = fs:posix:prefix={root / 'oauth2-keys'}/\n"
            "username_attribute = sub\n"
        )

    def _require_dovecot(self) -> _Dovecot:
        if self._dovecot is None:
            raise RuntimeError("LocalMailServer is not started")
        return self._dovecot

    def _start_smtp(self) -> None:
        _quiet_aiosmtpd()
        controller = Controller(
            _RelayHandler(self),
            hostname=self.host,
            port=self.smtp_port,
            authenticator=self._authenticate if self.smtp_auth else None,
            # aiosmtpd offers AUTH unless it needs TLS first; with no TLS here,
            # requiring it is how "no AUTH offered" is said.
            auth_require_tls=not self.smtp_auth,
            auth_required=False,
        )
        try:
            controller.start()
        except BaseException:
            controller.loop.close()  # its thread ended without closing the loop
            raise
        self._controller = controller

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """Any login with the shared password; `handled=False` lets aiosmtpd say 535."""
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.password == self.password.encode()
        )
        if ok:
            self.smtp_logins.append(_as_str(auth_data.login))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _accept(self, record: SmtpRecord) -> str:
        """Log and deliver one SMTP transaction; queue it if Dovecot is down."""
        self.smtp_log.append(record)
        try:
            self._lmtp(record)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError):
            self._enqueue(record)
        except smtplib.SMTPException as exc:  # a subclass of OSError: test it first
            return f"554 5.0.0 LMTP delivery failed: {exc}"
        except OSError:  # no socket while Dovecot is down
            self._enqueue(record)
        return "250 2.0.0 OK"

    def _enqueue(self, record: SmtpRecord) -> None:
        with self._queue_lock:
            self._queue.append(record)

    def _lmtp(self, record: SmtpRecord) -> None:
        """One LMTP transaction per recipient: smtplib reads one reply per DATA."""
        socket_path = self._require_dovecot().lmtp_socket
        for rcpt in record.rcpt_tos:
            with smtplib.LMTP(str(socket_path)) as lmtp:
                lmtp.sendmail(record.mail_from, [rcpt], record.data)


class _RelayHandler:
    """aiosmtpd handler: hands each accepted mail to the server's LMTP relay."""

    def __init__(self, server: LocalMailServer) -> None:
        self._server = server

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        answer = self._server.rcpt_answers.get(address.lower())
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """AUTH XOAUTH2 as Gmail and Microsoft 365 do it: a bad token gets a 334
        JSON status, the client answers empty, then 535."""
        if len(args) == 2:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            answer = await server.challenge_auth("")
            if answer is MISSING:
                return AuthResult(success=False, handled=True)
            blob = bytes(answer)
        fields = dict(
            part.split("=", 1)
            for part in blob.decode("utf-8", "replace").split("\x01")
            if "=" in part
        )
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user and self._server.token_user(token) == user:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        status = json.dumps({"status": "401", "schemes": "Bearer", "scope": "mail"})
        if await server.challenge_auth(status) is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False)  # aiosmtpd then says 535

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        for address in envelope.rcpt_tos:
            answer = self._server.data_answers.get(address.lower())
            if answer is not None:
                return answer
        lower = content.lower()
        for word, answer in self._server.content_answers.items():
            if word in lower:
                return answer
        record = SmtpRecord(
            envelope.mail_from or "", tuple(envelope.rcpt_tos), bytes(content)
        )
        return await asyncio.to_thread(self._server._accept, record)


class _Dovecot:
    """One Dovecot master process (`dovecot -F -c`) over a fixed temp dir."""

    def __init__(
        self, binary: str, root: Path, identity: _Identity, password: str
    ) -> None:
        self._binary = binary
        self._root = root
        self._identity = identity
        self._password = password
        self._proc: subprocess.Popen[bytes] | None = None
        self._template = _CONFIG_2_4 if _version(binary) >= (2, 4) else _CONFIG_2_3
        self._log_marks: dict[str, int] = {}
        self.port = 0

    @property
    def lmtp_socket(self) -> Path:
        return self._root / "run" / "lmtp"

    def start_on_free_port(self, attempts: int = 3) -> None:
        """Start on a fresh port, retrying if another process grabbed it first."""
        for attempt in range(attempts):
            self.port = _free_port()
            try:
                self.start()
            except RuntimeError:
                if attempt + 1 == attempts or "in use" not in self.log(recent=True):
                    raise
            else:
                return

    def start(self) -> None:
        """Write the config, spawn Dovecot, return once IMAP greets."""
        if self._proc is not None:
            return
        config = self._root / "dovecot.conf"
        config.write_text(self._config())
        self._log_marks = {name: _size(self._root / name) for name in _LOG_FILES}
        with (self._root / "dovecot.out").open("ab") as out:
            self._proc = subprocess.Popen(
                [self._binary, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for stop()
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _greets(LocalMailServer.host, self.port):
            try:
                code = self._proc.wait(timeout=_POLL_S)  # also the poll interval
            except subprocess.TimeoutExpired:
                # A failing child makes the master throttle and retry, not exit.
                failed = "Fatal:" in self.log(recent=True)
                if time.monotonic() < deadline and not failed:
                    continue
                self.stop()
                raise RuntimeError(
                    f"Dovecot did not greet on port {self.port} within "
                    f"{START_TIMEOUT_S} s:\n{self.log(recent=True)}"
                ) from None
            self._proc = None
            raise RuntimeError(
                f"Dovecot exited with status {code}:\n{self.log(recent=True)}"
            )

    def stop(self) -> None:
        """Stop Dovecot and every process it forked; the mail stays on disk."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        # TERM to the whole group: the children exit together at once, whereas
        # TERM to the master alone makes it wait about a second for them.
        _signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_STOP_TIMEOUT_S)
        _signal_group(proc.pid, signal.SIGKILL)  # anything hung or left behind
        proc.wait()

    def log(self, *, recent: bool = False) -> str:
        """Startup output and the log file; `recent`: only since the last start."""
        parts = []
        for name in _LOG_FILES:
            path = self._root / name
            if path.exists():
                with path.open("rb") as file:
                    file.seek(self._log_marks.get(name, 0) if recent else 0)
                    parts.append(file.read().decode(errors="replace"))
        return "".join(parts)

    @property
    def template(self) -> Template:
        return self._template

    def _config(self) -> str:
        values = {
            "root": str(self._root),
            "port": str(self.port),
            "password": self._password,
            "uid": str(self._identity.uid),
            "gid": str(self._identity.gid),
            "login_user": self._identity.login_user,
            "internal_user": self._identity.internal_user,
            "internal_group": self._identity.internal_group,
        }
        common = _COMMON.substitute(values)
        return self._template.substitute(values, common=common)


class _DropLoginDataWarning(logging.Filter):
    """aiosmtpd 1.4 logs a deprecation warning on every AUTH; it is noise here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


def _quiet_aiosmtpd() -> None:
    logger = logging.getLogger("mail.log")
    if not any(isinstance(f, _DropLoginDataWarning) for f in logger.filters):
        logger.addFilter(_DropLoginDataWarning())


def _find_dovecot(path: str | None) -> str:
    """The dovecot binary; /usr/sbin is often missing from an ordinary user's PATH."""
    candidates = [path] if path else [shutil.which("dovecot"), *_SBIN_FALLBACKS]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(DOVECOT_MISSING)


def _version(binary: str) -> tuple[int, int]:
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.match(r"(\d+)\.(\d+)", out.strip())
    if match is None:
        raise RuntimeError(f"Unrecognised `dovecot --version` output: {out!r}")
    return int(match.group(1)), int(match.group(2))


def _identity() -> _Identity:
    """Who owns the mail and runs Dovecot's helpers.

    As root: mail belongs to `nobody` (Dovecot refuses uid 0) and the helpers
    are the package's `dovenull`/`dovecot`. Otherwise everything is the caller.
    """
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return _Identity(os.geteuid(), os.getegid(), user, user, group)
    for system_user in ("dovenull", "dovecot"):
        try:
            pwd.getpwnam(system_user)
        except KeyError:
            raise RuntimeError(
                f"Dovecot's system user {system_user!r} is missing: "
                "reinstall dovecot-core"
            ) from None
    try:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    except KeyError:
        uid = gid = 65534  # Dovecot needs only numbers for the mail uid
    return _Identity(uid, gid, "dovenull", "dovecot", "dovecot")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LocalMailServer.host, 0))
        return int(sock.getsockname()[1])


def _greets(host: str, port: int) -> bool:
    """True once an IMAP server on host:port sends its `* OK` greeting."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return sock.recv(256).startswith(b"* OK")
    except OSError:
        return False


def _b64url(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"expected bytes from IMAP, got {value!r}")


def _as_str(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# -- a second server: Courier-IMAP ---------------------------------------------------

COURIER_DIR: Final = Path("/opt/mailflow-courier")
"""Where .ci/run unpacks Debian's courier-imap: the package conflicts with
dovecot-imapd (both provide imap-server), so it is unpacked, not installed."""
COURIER_MISSING: Final = (
    "Courier-IMAP's imapd is not found: run .ci/run (it unpacks Debian's"
    f" courier-imap into {COURIER_DIR}), or set COURIER_IMAPD to its path"
)
_COURIER_IMAPD: Final = (str(COURIER_DIR / "usr/bin/imapd"), "/usr/bin/imapd")
_COURIER_CAPABILITY: Final = (
    "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES"
    " SORT QUOTA"
)
_COURIER_GREETING: Final = (
    "* OK [CAPABILITY {capability} AUTH=PLAIN] Courier-IMAP ready. Copyright"
    " 1998-2018 Double Precision, Inc.  See COPYING for distribution information.\r\n"
)


class CourierMailServer(LocalMailServer):
    """Courier-IMAP (Debian's courier-imap) and the same SMTP relay, on 127.0.0.1.

    Courier differs from Dovecot in ways a client must survive, all legal: the
    folders live under the `INBOX.` namespace (Sent is "INBOX.Sent", marked by
    no SPECIAL-USE flag); a FETCH of HEADER.FIELDS is answered with the field
    names quoted; APPEND to the folder the session has selected read-only is
    refused ("Current box is selected READ-ONLY"); and, as configured here by
    default (`idle=False`), no IDLE is offered.

    After LOGIN everything is Courier's own `imapd` over the user's Maildir.
    The login in front of it is ours (Courier's `imaplogin` needs its
    authdaemon at a fixed system path, which parallel tests cannot share): it
    greets and answers CAPABILITY, LOGIN and LOGOUT the way imaplogin does,
    then hands the connection to imapd. Delivery writes into Maildir/new, as
    an MTA does. Every user has the password `secret`.
    """

    def __init__(self, *, idle: bool = False, smtp_auth: bool = True) -> None:
        super().__init__(smtp_auth=smtp_auth)
        self.idle = idle
        self._imapd = ""
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sessions: set[subprocess.Popen[bytes]] = set()
        self._users_lock = threading.Lock()
        self._counter = 0
        self.logins_refused = 0
        """LOGINs answered NO: how tests see that a run did not even try."""

    @property
    def capability(self) -> str:
        return _COURIER_CAPABILITY + (" IDLE" if self.idle else "")

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        candidates = [os.environ.get("COURIER_IMAPD", ""), *_COURIER_IMAPD]
        self._imapd = next((p for p in candidates if p and os.access(p, os.X_OK)), "")
        if not self._imapd:
            raise RuntimeError(COURIER_MISSING)
        self._root = Path(tempfile.mkdtemp(prefix="mailflow-courier-"))
        try:
            (self._root / "home").mkdir()
            self.imap_up()
            for attempt in range(3):
                self.smtp_port = _free_port()
                try:
                    self._start_smtp()
                    break
                except OSError:
                    if attempt == 2:
                        raise
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.imap_down()
        super().stop()

    def imap_down(self) -> None:
        """Stop listening and end every session (the Maildirs are kept)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._accepting is not None:
            self._accepting.join(_STOP_TIMEOUT_S)
            self._accepting = None
        for proc in list(self._sessions):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    def imap_up(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.imap_port))
        listener.listen(64)
        self.imap_port = int(listener.getsockname()[1])
        self._listener = listener
        self._accepting = threading.Thread(
            target=self._accept_loop, args=(listener,), daemon=True
        )
        self._accepting.start()

    @property
    def imap_oauth2(self) -> bool:
        return False

    def dovecot_log(self) -> str:
        return "(Courier: no log kept)"

    # -- mail --------------------------------------------------------------

    def _lmtp(self, record: SmtpRecord) -> None:
        """Deliver into each recipient's Maildir/new, as maildrop or an MTA does."""
        for rcpt in record.rcpt_tos:
            maildir = self._maildir(rcpt)
            with self._users_lock:
                self._counter += 1
                name = f"{time.time_ns()}.M{self._counter}P{os.getpid()}.mailflow"
            temp = maildir / "tmp" / name
            temp.write_bytes(record.data.replace(b"\r\n", b"\n"))
            temp.rename(maildir / "new" / name)

    def _maildir(self, user: str) -> Path:
        """The user's Maildir, made on first use with the folders a mail program
        makes, each opened read-write once (as the therapist's program would):
        Courier keeps a folder's UIDVALIDITY only from its first read-write open."""
        root = self._root
        if root is None:
            raise RuntimeError("CourierMailServer is not started")
        home = root / "home" / _safe_user(user)
        maildir = home / "Maildir"
        with self._users_lock:
            if not maildir.exists():
                home.mkdir(parents=True)
                for folder in ("", ".Sent", ".Drafts", ".Trash"):
                    for part in ("tmp", "new", "cur"):  # as maildirmake [-f] makes
                        (maildir / folder / part).mkdir(mode=0o700, parents=True)
                    if folder:
                        (maildir / folder / "maildirfolder").touch()
                script = "".join(
                    f"s{i} SELECT {box}\r\n"
                    for i, box in enumerate(
                        ("INBOX", "INBOX.Sent", "INBOX.Drafts", "INBOX.Trash")
                    )
                )
                subprocess.run(
                    [self._imapd, "Maildir"],
                    input=(script + "z LOGOUT\r\n").encode(),
                    cwd=home,
                    env=self._imapd_env(home),
                    capture_output=True,
                    timeout=START_TIMEOUT_S,
                    check=True,
                )
        return maildir

    def _imapd_env(self, home: Path) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "IMAP_CAPABILITY": self.capability,
            "IMAP_IDLE_TIMEOUT": "60",
            "IMAP_ENHANCEDIDLE": "0",
            "IMAP_USELOCKS": "1",
            "IMAP_KEYWORDS": "1",
            "IMAP_TRASHFOLDERNAME": "Trash",
            "IMAP_MOVE_EXPUNGE_TO_TRASH": "0",
            "IMAP_MAILBOX_SANITY_CHECK": "0",
            "IMAP_UMASK": "022",
        }

    # -- the login in front of imapd -----------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed by imap_down()
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            try:
                conn.sendall(
                    _COURIER_GREETING.format(capability=self.capability).encode()
                )
                while True:
                    line = reader.readline(8192)
                    if not line:
                        return
                    words = _imap_words(line.decode("utf-8", "replace"))
                    if len(words) < 2:
                        conn.sendall(b"* BAD Error in IMAP command received.\r\n")
                        continue
                    tag, command = words[0], words[1].upper()
                    if command == "CAPABILITY":
                        conn.sendall(
                            f"* CAPABILITY {self.capability} AUTH=PLAIN\r\n"
                            f"{tag} OK CAPABILITY completed\r\n".encode()
                        )
                    elif command == "NOOP":
                        conn.sendall(f"{tag} OK NOOP completed\r\n".encode())
                    elif command == "LOGOUT":
                        conn.sendall(
                            b"* BYE Courier-IMAP server shutting down\r\n"
                            + f"{tag} OK LOGOUT completed\r\n".encode()
                        )
                        return
                    elif command == "LOGIN" and len(words) == 4:
                        if words[3] != self.password:
                            self.logins_refused += 1
                            conn.sendall(f"{tag} NO Login failed.\r\n".encode())
                            continue
                        self._serve(conn, reader, tag, words[2])
                        return
                    else:
                        conn.sendall(
                            f"{tag} NO Error in IMAP command received by server.\r\n".encode()
                        )
            except OSError:
                return

    def _serve(self, conn: socket.socket, reader: Any, tag: str, user: str) -> None:
        """Hand the logged-in connection to Courier's imapd until either side ends."""
        home = self._maildir(user).parent
        proc = subprocess.Popen(
            [self._imapd, "Maildir"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=home,
            env=self._imapd_env(home),
        )
        self._sessions.add(proc)
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            out = proc.stdout.fileno()
            while os.read(out, 1) not in (b"\n", b""):
                pass  # "* PREAUTH Ready.": the LOGIN's answer is said instead
            conn.sendall(f"{tag} OK LOGIN Ok.\r\n".encode())
            stdin = proc.stdin

            def upstream() -> None:
                with contextlib.suppress(OSError, ValueError):
                    while chunk := reader.read1(65536):
                        stdin.write(chunk)
                        stdin.flush()
                with contextlib.suppress(OSError):
                    stdin.close()

            threading.Thread(target=upstream, daemon=True).start()
            with contextlib.suppress(OSError):
                while chunk := os.read(out, 65536):
                    conn.sendall(chunk)
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self._sessions.discard(proc)


def _imap_words(line: str) -> list[str]:
    """An IMAP command line's atoms and quoted strings (enough for LOGIN)."""
    words: list[str] = []
    i, text = 0, line.rstrip("\r\n")
    while i < len(text):
        if text[i] == " ":
            i += 1
        elif text[i] == '"':
            i += 1
            word = []
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and i + 1 < len(text):
                    i += 1
                word.append(text[i])
                i += 1
            words.append("".join(word))
            i += 1
        else:
            end = text.find(" ", i)
            end = len(text) if end < 0 else end
            words.append(text[i:end])
            i = end
    return words


def _safe_user(user: str) -> str:
    """A user name as a folder name (addresses are ours, but never a path)."""
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", user.lower()).lstrip(".") or "_"
