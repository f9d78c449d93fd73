"""The quiet poll: an empty cron run that does not load the product.

Most runs of a five-minute cron line find nothing: no mail in the inbox or in
Sent since the last run, no timed step owed. A whole run learns that only after
loading the settings, the workflow and the database, which costs more than the
poll itself. So a whole run that ends with nothing owed leaves a *quiet mark*:
where it left the inbox and Sent (UIDVALIDITY, UIDNEXT), the database files as
it closed them, and until when nothing is owed (`RunReport.quiet_until`: the
next timed step, the digest, an hour at most). The next `mailflow run` reads
the mark before anything else is imported. If the config file, the MAILFLOW_*
environment, the database and the clock all still match, it logs in, asks both
folders' STATUS (three round trips, as a whole run's empty poll) and, when both
stand where the run left them, leaves with exit 0, having changed nothing.

Anything else (no mark, any difference, any error or surprise from the server)
falls through to the whole run, which decides and reports as always; a failed
quiet poll also removes the mark, so an outage or a refused password costs one
extra attempt at most, never one a run. The quiet poll decides nothing: it only
recognises the state a whole run declared quiet.

The mark is a 0600 file in the per-user cache folder (`paths.cache_folder`),
named by the config file's path and bytes and the non-secret MAILFLOW_*
environment. It holds no secret and nothing about anyone but the
practice's own login (of a command or keyring service, a digest only): the
quiet poll reads the secret where the whole run reads it
(MAILFLOW_IMAP__PASSWORD or the config file, `password_command`, the
keyring, `oauth2_token_command`) and, when mail has come (or LOGIN cannot
quote it), hands it to the whole run in the same process, so a command runs
once a run when the login goes through. Only a
plain `mailflow run [--config F] [--now T]` over plain, TLS or STARTTLS
takes it; `-v` and `--dry-run` always run whole. The built-in Microsoft 365
sign-in is polled quietly while its token file holds a fresh access token
(`credentials.fresh_microsoft_token`, as msal would use it); msal's refresh
is the whole run's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mailflow import __version__
from mailflow.shell.paths import config_path, keyed_entry, write_private

MARK_VERSION = 2
_MAX_ANSWER = 64 * 1024
"""More than a greeting, LOGIN and two STATUS answers ever need."""


class _NotQuiet(Exception):
    """Anything but the expected: the whole run takes over."""


def mailflow_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """MAILFLOW_* by lower-cased name, as the settings read it (case-insensitive)."""
    source = os.environ if environ is None else environ
    return {
        k.lower(): v for k, v in source.items() if k.lower().startswith("mailflow_")
    }


def mark_file(config: Path, raw: bytes, environ: Mapping[str, str]) -> Path | None:
    """The quiet mark of this config file (its path and bytes) and environment."""
    about: list[object] = [MARK_VERSION, __version__, os.path.abspath(config)]
    return keyed_entry("quiet", about, raw, environ)


def database_stamp(database: Path) -> list[int] | None:
    """The database and its write-ahead log as they are on disk: any write
    since the mark (a run, a `status`, a restore) shows here."""
    try:
        main = os.stat(database)
    except OSError:
        return None
    stamp = [main.st_ino, main.st_size, main.st_mtime_ns]
    try:
        wal = os.stat(f"{database}-wal")
        stamp += [wal.st_size, wal.st_mtime_ns]
    except OSError:
        stamp += [-1, -1]
    return stamp


def leave_mark(
    config: Path,
    *,
    loaded: bytes | None,
    imap: Mapping[str, Any],
    login: Mapping[str, str],
    password: str,
    database: Path,
    zone: str,
    folders: Mapping[str, tuple[int, int]],
    since: datetime,
    until: datetime,
) -> None:
    """After a whole run that left nothing owed: what the next run may check.

    `imap`: host, port, security, username, timeout_s, deadline_s, ca_file.
    `login`: where the secret comes from (`LOGINS`, `login_mark`: a digest
    of the command or keyring service). `password`, the configured one
    (`login` "password"), is compared with what the quiet poll would read,
    never kept. `loaded`: the config's bytes as
    read before its settings were loaded; a file edited since is no mark's
    name (the mark would describe the settings of the old one)."""
    try:
        raw = config.read_bytes()
    except OSError:
        return
    if raw != loaded:
        return
    environ = mailflow_environ()
    entry = mark_file(config, raw, environ)
    stamp = database_stamp(database)
    if entry is None or stamp is None or not _speakable(imap, folders):
        return
    if login.get("kind") not in LOGINS:
        return
    if login["kind"] == "password":
        try:  # the quiet poll must log in exactly as the whole run did
            if _configured(raw, environ, "password") != password:
                return
            _quoted(password)
        except (KeyError, TypeError, ValueError, _NotQuiet):
            return
    mark = {
        "imap": dict(imap),
        "login": dict(login),
        "database": os.path.abspath(database),
        "stamp": stamp,
        "zone": zone,
        "folders": [[name, *at] for name, at in folders.items()],
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    write_private(entry, json.dumps(mark))


def forget_mark(config: Path) -> None:
    """The next run is a whole one (a failed quiet poll, a run that left work)."""
    try:
        entry = mark_file(config, config.read_bytes(), mailflow_environ())
        if entry is not None:
            entry.unlink(missing_ok=True)
    except OSError:
        pass


def last_poll(config: Path) -> datetime | None:
    """When this config's inbox was last polled, by a whole run that left the
    mark or a quiet poll since; None without a mark."""
    from datetime import UTC

    try:
        entry = mark_file(config, config.read_bytes(), mailflow_environ())
        if entry is None:
            return None
        return datetime.fromtimestamp(entry.stat().st_mtime, UTC)
    except OSError:
        return None


def _speakable(imap: Mapping[str, Any], folders: Mapping[str, tuple[int, int]]) -> bool:
    """Names the quiet poll can send as IMAP quoted strings (RFC 9051): ASCII
    without controls; anything else is left to imapclient's whole run."""
    names = [str(imap.get("username", "")), *folders]
    # "&" begins a modified UTF-7 run in a mailbox name (RFC 3501 §5.1.3).
    return all(
        name.isascii() and name.isprintable() and "&" not in name for name in names
    )


# -- the poll ---------------------------------------------------------------------------


def quiet_run(argv: Sequence[str]) -> int | None:
    """0 when this `mailflow run` is quiet and has been polled as such; None
    when the whole run must do it: anything unexpected, by design, whatever
    it is (the whole run then meets it and says so)."""
    args = _run_arguments(argv)
    if args is None:
        return None
    try:
        config = config_path(args.get("config"))
        raw = config.read_bytes()
        environ = mailflow_environ()
        entry = mark_file(config, raw, environ)
        if entry is None:
            return None
        mark = json.loads(entry.read_text(encoding="utf-8"))
        now = _now(args.get("now"), mark["zone"])
        since = datetime.fromisoformat(mark["since"])
        if not since <= now < datetime.fromisoformat(mark["until"]):
            return None
        if database_stamp(Path(mark["database"])) != mark["stamp"]:
            return None
        expected = {
            name: (validity, uidnext) for name, validity, uidnext in mark["folders"]
        }
        login, username = mark["login"], str(mark["imap"]["username"])
    except Exception:  # a mark that does not read: run whole
        return None
    try:
        mechanism, secret, named = _secret(login, username, raw, environ)
        if mechanism == "LOGIN" and not _quotable(secret):
            # Read, but not for a quoted LOGIN: the whole run logs in with it
            # (imapclient), without reading it a second time.
            _hand_over(named, secret)
            raise _NotQuiet("a secret LOGIN cannot quote")
        seen = _statuses(mark["imap"], mechanism, secret, list(expected))
        if seen != expected:
            _hand_over(named, secret)  # it logged in with it
            return None
    except Exception:  # the whole run meets it and says so
        with contextlib.suppress(OSError):
            entry.unlink(missing_ok=True)  # one extra attempt, then whole runs
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # when it last stood in for a run (`mailflow status`)
    return 0


def _run_arguments(argv: Sequence[str]) -> dict[str, str] | None:
    """`run` with at most --config and --now, or None (any other command or flag)."""
    found: dict[str, str] = {}
    command = None
    words = list(argv)
    while words:
        word = words.pop(0)
        name, equals, value = word.partition("=")
        if name in {"--config", "--now"}:
            if not equals:
                if not words:
                    return None
                value = words.pop(0)
            if name[2:] in found:
                return None
            found[name[2:]] = value
        elif word == "run" and command is None:
            command = word
        else:
            return None
    return found if command == "run" else None


def _now(text: str | None, zone: str) -> datetime:
    """As `mailflow run --now` reads it (no offset: the practice's zone)."""
    from datetime import UTC

    if not text:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


LOGINS = {
    "password": "password",
    "command": "password_command",
    "keyring": "password_keyring",
    "token-command": "oauth2_token_command",
    "microsoft": "oauth2_client_id",
}
"""Where the whole run's IMAP secret came from, as the mark names it, and
the `imap` key that names it: the configured password, a command, a
keyring service, a token command, the built-in Microsoft 365 sign-in (its
client, tenant and token file kept as they are: none is a secret)."""


def login_mark(kind: str, source: str) -> dict[str, str]:
    """What the mark keeps of a login: its kind and a digest of where the
    secret comes from (the command, the keyring service), never the words:
    a command line may carry a client secret of its own."""
    import hashlib

    return {"kind": kind, "source": hashlib.sha256(source.encode()).hexdigest()}


def _secret(
    login: Mapping[str, str], username: str, raw: bytes, environ: Mapping[str, str]
) -> tuple[str, str, tuple[str, str] | None]:
    """(LOGIN or XOAUTH2, the secret, what names it for `credentials.hand_over`
    or None), read where the whole run reads it, by the same code
    (`credentials`); any failure is the whole run's to say. The command or
    keyring service is read from the settings' sources (the environment, else
    the file) and must be the one the mark names."""
    kind = login["kind"]
    if kind == "password":
        return "LOGIN", _configured(raw, environ, "password"), None
    if kind == "microsoft":
        # Named in the mark as they are (the mark is this config's and
        # environment's, so they are the ones the settings read).
        return "XOAUTH2", _microsoft_token(login, username), None
    source = _configured(raw, environ, LOGINS[kind])
    if login_mark(kind, source) != dict(login):
        raise _NotQuiet("not the login the mark names")
    from mailflow.shell import credentials

    key = f"imap.{LOGINS[kind]}"
    if kind == "command":
        return "LOGIN", credentials.run_command(source, key), (key, source)
    if kind == "keyring":
        named = (key, credentials.keyring_source(source, username))
        return "LOGIN", credentials.keyring_password(source, username, key), named
    return "XOAUTH2", credentials.command_token(source, key), (key, source)


def _microsoft_token(login: Mapping[str, str], username: str) -> str:
    """A fresh access token from the built-in sign-in's token file, read as
    the whole run reads it first (`credentials.fresh_microsoft_token`); none
    fresh is the whole run's to refresh with msal."""
    from mailflow.shell import credentials

    token = credentials.fresh_microsoft_token(
        Path(login["token_file"]),
        client_id=login["client_id"],
        tenant=login["tenant"],
        username=username,
    )
    if token is None:
        raise _NotQuiet("no fresh access token: msal refreshes it")
    return token


def _hand_over(named: tuple[str, str] | None, secret: str) -> None:
    """Hand the secret the quiet poll read to the whole run that follows in
    this process (mail came, or LOGIN cannot quote it): a command runs once."""
    if named is None:
        return  # read from the file or the environment: nothing to spare
    from mailflow.shell import credentials

    credentials.hand_over(*named, secret)


def _configured(raw: bytes, environ: Mapping[str, str], key: str) -> str:
    """`imap.<key>` where the whole run reads it: MAILFLOW_IMAP__<KEY>, else
    the file."""
    if f"mailflow_imap__{key}" in environ:
        return environ[f"mailflow_imap__{key}"]
    import tomllib

    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    value = tomllib.loads(text)["imap"][key]
    if not isinstance(value, str):
        raise TypeError(type(value).__name__)
    return value


def _quotable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _quoted(text: str) -> bytes:
    if not (text.isascii() and text.isprintable()):
        raise _NotQuiet("not a quoted string")
    return b'"' + text.replace("\\", "\\\\").replace('"', '\\"').encode("ascii") + b'"'


def _statuses(
    imap: Mapping[str, Any], mechanism: str, secret: str, folders: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Greeting, LOGIN (or AUTHENTICATE XOAUTH2), every STATUS at once; LOGOUT
    not awaited (as `imap_wire`)."""
    deadline = time.monotonic() + float(imap["deadline_s"])
    host, port = str(imap["host"]), int(imap["port"])
    timeout = float(imap["timeout_s"])
    sock = socket.create_connection((host, port), timeout=min(timeout, 15.0))
    try:
        if imap["security"] == "ssl":
            sock = _tls(sock, host, imap.get("ca_file"))
        session = _Session(sock, deadline, timeout)
        session.greeting()
        if imap["security"] == "starttls":
            session.command(b"STARTTLS")
            if session.buffered:
                raise _NotQuiet("bytes after STARTTLS's answer, before TLS")
            session.sock = sock = _tls(sock, host, imap.get("ca_file"))
        elif imap["security"] != "plain" and imap["security"] != "ssl":
            raise _NotQuiet("security")
        if mechanism == "XOAUTH2":
            from mailflow.shell.credentials import xoauth2

            session.authenticate(
                b"XOAUTH2", xoauth2(imap["username"], secret).encode("utf-8")
            )
        else:
            session.command(
                b"LOGIN " + _quoted(imap["username"]) + b" " + _quoted(secret)
            )
        answers = session.pipelined(
            [b"STATUS " + _quoted(name) + b" (UIDNEXT UIDVALIDITY)" for name in folders]
        )
        session.send(b"LOGOUT")
    finally:
        sock.close()
    return {
        name: _status_of(name, lines)
        for name, lines in zip(folders, answers, strict=True)
    }


def _tls(sock: socket.socket, host: str, ca_file: str | None) -> socket.socket:
    # The whole run that may follow (mail waiting) wraps with the same context.
    from mailflow.shell.tls import client_context

    return client_context(ca_file or "").wrap_socket(sock, server_hostname=host)


def _status_of(name: str, lines: list[bytes]) -> tuple[int, int]:
    """(UIDVALIDITY, UIDNEXT) from the `* STATUS` answer naming `name` (an
    atom or a quoted string; INBOX in any case)."""
    found: dict[bytes, int] = {}
    quoted = _quoted(name)
    names = {quoted, quoted[1:-1]}
    for line in lines:
        if not line.upper().startswith(b"* STATUS ") or not line.endswith(b")"):
            continue
        said = line[len(b"* STATUS ") : line.rindex(b"(")].strip()
        if said not in names and not (
            name.upper() == "INBOX" and said.strip(b'"').upper() == b"INBOX"
        ):
            continue
        items = line[line.rindex(b"(") + 1 : -1].split()
        found = {
            items[i].upper(): int(items[i + 1]) for i in range(0, len(items) - 1, 2)
        }
    if b"UIDVALIDITY" not in found or b"UIDNEXT" not in found:
        raise _NotQuiet(f"no STATUS of {name}")
    return found[b"UIDVALIDITY"], found[b"UIDNEXT"]


class _Session:
    """Lines in, tagged commands out; within one deadline and a byte budget."""

    def __init__(self, sock: socket.socket, deadline: float, timeout: float) -> None:
        self.sock = sock
        self._deadline = deadline
        self._timeout = timeout
        self._buffer = b""
        self._read = 0
        self._tag = 0

    @property
    def buffered(self) -> bool:
        return bool(self._buffer)

    def greeting(self) -> None:
        if not self._line().upper().startswith(b"* OK"):
            raise _NotQuiet("greeting")

    def send(self, command: bytes) -> bytes:
        self._tag += 1
        tag = b"q%d" % self._tag
        self.sock.sendall(tag + b" " + command + b"\r\n")
        return tag

    def command(self, command: bytes) -> list[bytes]:
        return self.pipelined([command])[0]

    def authenticate(self, mechanism: bytes, response: bytes) -> None:
        """AUTHENTICATE as imaplib does it (the whole run's way): the response
        after the server's empty challenge. A second challenge is a refusal
        (XOAUTH2's error), never answered here: the whole run says it."""
        import base64

        tag = self.send(b"AUTHENTICATE " + mechanism)
        if not self._line().startswith(b"+"):
            raise _NotQuiet("no challenge")
        self.sock.sendall(base64.b64encode(response) + b"\r\n")
        while True:
            line = self._line()
            if line.startswith(b"* "):
                continue
            if not line.startswith(tag + b" "):
                raise _NotQuiet("unexpected answer")
            if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                raise _NotQuiet("refused")
            return

    def pipelined(self, commands: Sequence[bytes]) -> list[list[bytes]]:
        """Sent at once (RFC 9051 §5.5); each one's untagged lines, in order."""
        tags = [self.send(command) for command in commands]
        answers: list[list[bytes]] = []
        untagged: list[bytes] = []
        for tag in tags:
            while True:
                line = self._line()
                if line.startswith(b"* "):
                    if line.upper().startswith(b"* BYE"):
                        raise _NotQuiet("BYE")
                    untagged.append(line)
                    continue
                if not line.startswith(tag + b" "):
                    raise _NotQuiet("unexpected answer")
                if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                    raise _NotQuiet("refused")
                answers.append(untagged)
                untagged = []
                break
        return answers

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise _NotQuiet("deadline")
            self.sock.settimeout(min(self._timeout, left))
            chunk = self.sock.recv(4096)
            self._read += len(chunk)
            if not chunk or self._read > _MAX_ANSWER:
                raise _NotQuiet("closed" if not chunk else "too long")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        if line.endswith(b"}"):
            raise _NotQuiet("a literal")  # never needed by these answers
        return line
