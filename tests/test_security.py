"""Security (issue #5, item 6): verified TLS, no cleartext off loopback, secrets kept
out of every output, passwords from the keyring, OAuth2 (XOAUTH2) for IMAP and SMTP.

The OAuth2 cases run against the real local servers: aiosmtpd takes XOAUTH2 and
Dovecot 2.3 checks the same JWTs locally (devserver). The Microsoft sign-in runs
the real msal code against a fake of Microsoft's HTTP endpoints.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from aiosmtpd.controller import Controller
from support import (
    NOW,
    FakeMicrosoft,
    MicrosoftResponse,
    config_with,
    request,
    write_config,
)

from mailflow.cli import main
from mailflow.cli.devserver import LocalMailServer
from mailflow.config import load_settings
from mailflow.errors import ConfigError, MailboxError, TokenError, TransientSendError
from mailflow.shell import credentials
from mailflow.shell.mailbox import ImapMailbox
from mailflow.shell.smtp import SmtpSender

DISTINCT_PASSWORD = "Pw-7f3a9c-Zq!distinct"
"""Nothing else in mailflow or the test data could contain this by chance."""


# -- helpers --------------------------------------------------------------------


def token_script(tmp_path: Path, name: str, token: str | None, status: int = 0) -> str:
    """A token command in tmp: prints `token` (or nothing) and exits with `status`."""
    script = tmp_path / name
    body = f"printf '%s\\n' '{token}'\n" if token is not None else ""
    script.write_text(f"#!/bin/sh\n{body}exit {status}\n")
    script.chmod(0o700)
    return str(script)


def run(config: Path, now: dt.datetime = NOW, *extra: str) -> int:
    return main(["run", "--config", str(config), "--now", now.isoformat(), *extra])


def ask(server: LocalMailServer, boxes, **kw) -> None:
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, **kw), boxes.practice
    )


# -- TLS: verified by default ---------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (trusted by no one by default)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailflow test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture
def tls_imap(certificate) -> Iterator[int]:
    """An implicit-TLS listener that greets like IMAP and then hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    context = _server_context(certificate)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n")
                    tls.settimeout(2)
                    tls.recv(1024)
                    tls.sendall(b"* BYE test over\r\n")
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.fixture
def tls_smtp(certificate) -> Iterator[int]:
    """aiosmtpd with implicit TLS (port 465 style) and a self-signed certificate."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    controller = Controller(
        object(),
        hostname="127.0.0.1",
        port=port,
        ssl_context=_server_context(certificate),
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def starttls_smtp(certificate) -> Iterator[int]:
    """aiosmtpd offering STARTTLS (port 587 style) with a self-signed certificate."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    controller = Controller(
        object(),
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate),
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_tls_is_the_default(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        "[practice]\nname='R'\nemail='a@r.example'\ntherapist_name='S R'\n"
        "therapist_email='s@r.example'\n[imap]\nhost='imap.r.example'\n"
        "[smtp]\nhost='smtp.r.example'\n"
    )
    settings = load_settings(path)
    assert (settings.imap.security, settings.imap.port) == ("ssl", 993)
    assert (settings.smtp.security, settings.smtp.port) == ("ssl", 465)


def test_imap_refuses_an_unverified_certificate(tmp_path, tls_imap, mailboxes):
    server = _Fake(tls_imap, 1)
    config = config_with(
        write_config(tmp_path, server, mailboxes),
        imap={"security": "ssl"},
    )
    settings = load_settings(config)
    with pytest.raises(
        MailboxError, match=r"authority this machine does not know.*ca_file"
    ):
        ImapMailbox(settings.imap).__enter__()


def test_imap_tls_works_once_the_certificate_is_trusted(
    tmp_path, tls_imap, mailboxes, certificate, monkeypatch
):
    """Proves the context verifies (and checks the host name), not just fails."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = _Fake(tls_imap, 1)
    settings = load_settings(
        config_with(write_config(tmp_path, server, mailboxes), imap={"security": "ssl"})
    )
    with pytest.raises(MailboxError) as caught:
        ImapMailbox(settings.imap).__enter__()
    assert "CERTIFICATE" not in str(caught.value)  # TLS passed; the fake hung up


def test_imap_sessions_are_not_held_back_by_nagle(tls_imap, certificate, mail_server):
    """imaplib sends AUTHENTICATE's response and its CRLF apart, and with
    Nagle's algorithm the CRLF waits for the server's delayed ACK (an XOAUTH2
    login: 50 ms on Dovecot over loopback, 4-5 ms without): every session,
    plain or TLS, sends at once (TCP_NODELAY)."""
    from mailflow.shell.imap_wire import Client

    def nodelay(client) -> int:
        return client._imap.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    plain = Client("127.0.0.1", port=mail_server.imap_port, ssl=False)
    try:
        assert nodelay(plain)
    finally:
        plain.shutdown()
    context = ssl.create_default_context(cafile=str(certificate[0]))
    tls = Client("127.0.0.1", port=tls_imap, ssl=True, ssl_context=context)
    try:
        assert nodelay(tls)
    finally:
        tls.shutdown()


def test_smtp_refuses_an_unverified_certificate(tmp_path, tls_smtp, mailboxes):
    server = _Fake(1, tls_smtp)
    settings = load_settings(
        config_with(write_config(tmp_path, server, mailboxes), smtp={"security": "ssl"})
    )
    with (
        pytest.raises(
            TransientSendError, match=r"authority this machine does not know.*ca_file"
        ),
        SmtpSender(settings.smtp) as sender,
    ):
        sender.connect()


def test_smtp_starttls_refuses_an_unverified_certificate(
    tmp_path, starttls_smtp, mailboxes
):
    server = _Fake(1, starttls_smtp)
    settings = load_settings(
        config_with(
            write_config(tmp_path, server, mailboxes), smtp={"security": "starttls"}
        )
    )
    with (
        pytest.raises(
            TransientSendError, match=r"authority this machine does not know.*ca_file"
        ),
        SmtpSender(settings.smtp) as sender,
    ):
        sender.connect()


def test_run_with_an_untrusted_certificate_exits_3(
    tmp_path, tls_imap, mailboxes, capsys
):
    server = _Fake(tls_imap, 1)
    config = config_with(
        write_config(tmp_path, server, mailboxes), imap={"security": "ssl"}
    )
    assert run(config) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "TLS" in line


class _Fake:
    """Just the ports and password write_config reads."""

    host = "127.0.0.1"
    password = "unused"

    def __init__(self, imap_port: int, smtp_port: int) -> None:
        self.imap_port = imap_port
        self.smtp_port = smtp_port


# -- plain: loopback only -------------------------------------------------------


@pytest.mark.parametrize("section", ["imap", "smtp"])
@pytest.mark.parametrize(
    "host", ["mail.example.org", "192.168.1.10", "127.0.0.1.nip.io"]
)
def test_plain_is_refused_off_loopback_naming_the_key(
    tmp_path, mailboxes, capsys, section, host
):
    config = config_with(
        write_config(tmp_path, _Fake(1, 2), mailboxes),
        **{section: {"host": host, "security": "plain"}},
    )
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"mailflow: config: {section}.security: ")
    assert "loopback" in err[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_plain_is_allowed_on_loopback(tmp_path, mailboxes, host):
    config = config_with(
        write_config(tmp_path, _Fake(1, 2), mailboxes), imap={"host": host}
    )
    assert load_settings(config).imap.security == "plain"


# -- secrets stay secret ----------------------------------------------------------


@pytest.fixture(scope="module")
def distinct_server() -> Iterator[LocalMailServer]:
    """A server whose one password is DISTINCT_PASSWORD (grep-able everywhere)."""
    server = LocalMailServer()
    server.password = DISTINCT_PASSWORD
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def _mailflow(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process: what cron would see."""
    return subprocess.run(
        [sys.executable, "-m", "mailflow", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    )


def _files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                yield path


def test_password_never_reaches_logs_errors_status_or_database(
    tmp_path, distinct_server, mailboxes, monkeypatch
):
    """With -vv (debug, imapclient's own log included), a whole conversation step,
    `status`, `check`, and a refused login: the password shows up nowhere."""
    server = distinct_server
    config = write_config(tmp_path, server, mailboxes)
    # IMAP's from a command, SMTP's from the environment; none in the file.
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(DISTINCT_PASSWORD + "\n")
    config = config_with(config, imap={"password_command": f"cat {secret_file}"})
    config.write_text(config.read_text().replace(f'"{DISTINCT_PASSWORD}"', '""'))
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", DISTINCT_PASSWORD)
    ask(server, mailboxes)
    outputs = [
        _mailflow("-vv", "run", "--config", str(config), "--now", NOW.isoformat()),
        _mailflow("-vv", "status", "--config", str(config)),
        _mailflow("-vv", "check", "--config", str(config)),
    ]
    assert [o.returncode for o in outputs[:2]] == [0, 0], outputs
    assert "imap: logged in" in outputs[2].stdout  # `check`: both logins work
    assert "smtp: logged in" in outputs[2].stdout
    assert len(server.messages(mailboxes.person)) == 1  # it really worked
    # A wrong password is not echoed either.
    secret_file.write_text(DISTINCT_PASSWORD + "-wrong\n")
    refused = _mailflow("-vv", "run", "--config", str(config))
    assert refused.returncode == 3, refused
    outputs.append(refused)
    # -vv logs mailflow's steps, never the wire (#14): no command, no mail.
    assert "opened (request)" in outputs[0].stderr
    assert "LOGIN" not in outputs[0].stderr
    for done in outputs:
        assert DISTINCT_PASSWORD not in done.stdout
        assert DISTINCT_PASSWORD not in done.stderr
    database = tmp_path / "var" / "mailflow.sqlite3"
    assert database.exists()
    cache = Path(os.environ["XDG_CACHE_HOME"])
    for path in _files_under(tmp_path / "var", cache):
        assert DISTINCT_PASSWORD.encode() not in path.read_bytes(), path


def test_database_and_its_folder_are_private(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    assert run(config) == 0
    folder = tmp_path / "var"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        if path.name.startswith("mailflow.sqlite3"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_failing_password_command_names_its_key_and_hides_its_output(
    tmp_path, mail_server, mailboxes, capsys
):
    command = token_script(tmp_path, "pw.sh", DISTINCT_PASSWORD, status=1)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        smtp={"password_command": command},
    )
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "smtp.password_command: exited with status 1" in err
    assert DISTINCT_PASSWORD not in err


# -- the system keyring -------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-process keyring (the real API, no desktop session needed)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)


def test_password_from_the_keyring_logs_in(
    tmp_path, mail_server, mailboxes, memory_keyring
):
    keyring.set_password("mailflow-test", mailboxes.practice, mail_server.password)
    config = write_config(tmp_path, mail_server, mailboxes)
    config.write_text(config.read_text().replace(f'"{mail_server.password}"', '""'))
    config = config_with(
        config,
        imap={"password_keyring": "mailflow-test"},
        smtp={"password_keyring": "mailflow-test"},
    )
    ask(mail_server, mailboxes)
    assert run(config) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1


def test_keyring_without_an_entry_is_a_config_error(
    tmp_path, mail_server, mailboxes, memory_keyring, capsys
):
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_keyring": "mailflow-test"},
    )
    assert run(config) == 2
    err = capsys.readouterr().err
    assert "imap.password_keyring: no password stored for service 'mailflow-test'" in (
        err
    )


def test_keyring_not_installed_says_how_to_install_it(
    tmp_path, mail_server, mailboxes, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if not installed
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_keyring": "mailflow-test"},
    )
    assert run(config) == 2
    assert "pip install 'mailflow[keyring]'" in capsys.readouterr().err


def test_keyring_and_password_command_together_are_refused(tmp_path, mailboxes):
    config = config_with(
        write_config(tmp_path, _Fake(1, 2), mailboxes),
        smtp={"password_command": "true", "password_keyring": "x"},
    )
    assert main(["check", "--config", str(config)]) == 2


# -- OAuth2: XOAUTH2 against the real local servers ------------------------------------


def oauth2_config(tmp_path, server, boxes, *, imap: str | None, smtp: str | None):
    """Token commands for the servers given (None: that one keeps its password)."""
    servers = {}
    if imap is not None:
        servers["imap"] = {"auth": "oauth2", "oauth2_token_command": imap}
    if smtp is not None:
        servers["smtp"] = {"auth": "oauth2", "oauth2_token_command": smtp}
    return config_with(write_config(tmp_path, server, boxes), **servers)


def test_xoauth2_for_imap_and_smtp_answers_a_request(tmp_path, mail_server, mailboxes):
    """Both logins by token, as cron would run it with -vv: the token shows up in
    no output, no database, no cache."""
    if not mail_server.imap_oauth2:
        pytest.skip("Dovecot 2.4: the devserver's XOAUTH2 passdb is written for 2.3")
    token = mail_server.oauth2_token(mailboxes.practice)
    command = token_script(tmp_path, "token.sh", token)
    config = oauth2_config(tmp_path, mail_server, mailboxes, imap=command, smtp=command)
    ask(mail_server, mailboxes)
    outputs = [
        _mailflow("-vv", "run", "--config", str(config), "--now", NOW.isoformat()),
        _mailflow("-vv", "check", "--config", str(config)),
    ]
    assert outputs[0].returncode == 0, outputs[0]
    assert "imap: logged in" in outputs[1].stdout  # `check`: both logins work
    assert "smtp: logged in" in outputs[1].stdout
    assert len(mail_server.messages(mailboxes.person)) == 1
    assert "AUTHENTICATE" not in outputs[0].stderr  # -vv never logs the wire
    for done in outputs:
        assert token not in done.stdout + done.stderr
    cache = Path(os.environ["XDG_CACHE_HOME"])
    for path in _files_under(tmp_path / "var", cache):
        assert token.encode() not in path.read_bytes(), path


def test_xoauth2_smtp_with_imap_password(tmp_path, mail_server, mailboxes):
    """Works on any Dovecot: the SMTP side is aiosmtpd's own XOAUTH2."""
    token = mail_server.oauth2_token(mailboxes.practice)
    config = oauth2_config(
        tmp_path,
        mail_server,
        mailboxes,
        imap=None,
        smtp=token_script(tmp_path, "t.sh", token),
    )
    ask(mail_server, mailboxes)
    assert run(config) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1


def test_a_token_the_server_refuses_exits_3_without_showing_it(
    tmp_path, mail_server, mailboxes, capsys
):
    if not mail_server.imap_oauth2:
        pytest.skip("Dovecot 2.4: the devserver's XOAUTH2 passdb is written for 2.3")
    stranger = mail_server.oauth2_token("someone-else@riverside.example")
    config = oauth2_config(
        tmp_path,
        mail_server,
        mailboxes,
        imap=token_script(tmp_path, "t.sh", stranger),
        smtp=None,
    )
    assert run(config) == 3
    err = capsys.readouterr().err
    assert "IMAP login to 127.0.0.1:" in err
    assert stranger not in err


def test_smtp_refuses_a_bad_token_the_xoauth2_way(tmp_path, mail_server, mailboxes):
    bad = mail_server.oauth2_token(mailboxes.practice)[:-4] + "AAAA"
    config = oauth2_config(
        tmp_path,
        mail_server,
        mailboxes,
        imap=None,
        smtp=token_script(tmp_path, "t.sh", bad),
    )
    settings = load_settings(config)
    with pytest.raises(
        TransientSendError, match=r"SMTP login to 127\.0\.0\.1:.* refused"
    ):
        SmtpSender(settings.smtp).connect()


def _therapist_notes(server: LocalMailServer, boxes) -> list[str]:
    return [
        str(m.message()["Subject"])
        for m in server.messages(boxes.therapist)
        if m.message()["X-Mailflow"] == "token_alert"
    ]


def test_imap_token_failure_exits_3_and_emails_the_therapist_once_a_day(
    tmp_path, mail_server, mailboxes, capsys
):
    """SMTP still logs in (its password): the therapist is told what to do."""
    failing = token_script(tmp_path, "t.sh", "half-a-token", status=1)
    config = oauth2_config(tmp_path, mail_server, mailboxes, imap=failing, smtp=None)
    assert run(config) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(
        "mailflow: imap.oauth2_token_command: no OAuth2 access token"
    )
    assert "exited with status 1" in line
    assert "the therapist has been emailed what to do" in line
    assert "half-a-token" not in line
    notes = _therapist_notes(mail_server, mailboxes)
    assert notes == ["mailflow cannot sign in to the practice inbox"]
    note = mail_server.messages(mailboxes.therapist)[0].message()
    text = note.get_body(preferencelist=("plain",)).get_content()
    assert "imap.oauth2_token_command" in text
    assert "half-a-token" not in text
    # Later the same day: the exit line again, but no second email.
    assert run(config, NOW + dt.timedelta(hours=3)) == 3
    assert "emailed about it today" in capsys.readouterr().err
    assert len(_therapist_notes(mail_server, mailboxes)) == 1
    # The next day: one more.
    assert run(config, NOW + dt.timedelta(days=1)) == 3
    assert len(_therapist_notes(mail_server, mailboxes)) == 2


def test_shared_token_failure_can_only_say_so_on_the_exit_line(
    tmp_path, mail_server, mailboxes, capsys
):
    failing = token_script(tmp_path, "t.sh", None, status=2)
    config = oauth2_config(tmp_path, mail_server, mailboxes, imap=failing, smtp=failing)
    assert run(config) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "cannot be emailed: SMTP uses the same sign-in" in line
    assert _therapist_notes(mail_server, mailboxes) == []


def test_smtp_token_failure_keeps_the_offer_in_the_outbox(
    tmp_path, mail_server, mailboxes, capsys
):
    empty = token_script(tmp_path, "t.sh", "")
    config = oauth2_config(tmp_path, mail_server, mailboxes, imap=None, smtp=empty)
    ask(mail_server, mailboxes)
    assert run(config) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "smtp.oauth2_token_command: no OAuth2 access token, printed nothing" in line
    assert "wait in the outbox" in line
    # Fixed: the offer goes out on the next run.
    token_script(tmp_path, "t.sh", mail_server.oauth2_token(mailboxes.practice))
    assert run(config) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1


def test_a_hung_token_command_is_cut_off(tmp_path, monkeypatch, mailboxes):
    monkeypatch.setattr(credentials, "COMMAND_TIMEOUT_S", 0.5)
    config = oauth2_config(tmp_path, _Fake(1, 2), mailboxes, imap="sleep 5", smtp=None)
    settings = load_settings(config)
    started = time.monotonic()
    with pytest.raises(TokenError, match="no answer in"):
        credentials.access_token(settings.imap)
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"auth": "oauth2"}, 'imap.oauth2_token_command: auth = "oauth2" needs'),
        (
            {"auth": "oauth2", "oauth2_token_command": "x", "oauth2_client_id": "y"},
            "imap.oauth2_token_command: set this or oauth2_client_id",
        ),
        ({"oauth2_token_command": "x"}, "imap.oauth2_token_command: set, but auth"),
        ({"oauth2_client_id": "x"}, "imap.oauth2_client_id: set, but auth"),
        ({"auth": "oauth2", "username": "", "oauth2_token_command": "x"}, "imap.auth:"),
    ],
)
def test_oauth2_keys_are_checked(tmp_path, mailboxes, keys, problem):
    config = config_with(write_config(tmp_path, _Fake(1, 2), mailboxes), imap=keys)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert any(line.startswith(problem) for line in caught.value.problems)


# -- the built-in Microsoft 365 sign-in (msal) ---------------------------------------


def microsoft_settings(tmp_path, mailboxes):
    config = config_with(
        write_config(tmp_path, _Fake(1, 2), mailboxes),
        imap={"auth": "oauth2", "oauth2_client_id": "client"},
        smtp={"auth": "oauth2", "oauth2_client_id": "client"},
    )
    return load_settings(config)


def test_microsoft_sign_in_then_silent_tokens_and_a_refused_refresh(
    tmp_path, mailboxes
):
    settings = microsoft_settings(tmp_path, mailboxes)
    file = settings.imap.oauth2_token_file
    assert file == tmp_path / "var" / "mailflow.sqlite3.oauth2.json"
    assert settings.smtp.oauth2_token_file == file  # one sign-in for both
    microsoft = FakeMicrosoft(mailboxes.practice, expires_in=60)
    with pytest.raises(TokenError, match="not signed in yet; run `mailflow auth`"):
        credentials.microsoft_token(settings.imap, http_client=microsoft)
    said: list[str] = []
    credentials.sign_in(settings.imap, said.append, http_client=microsoft)
    assert "ABCD-1234" in said[0]
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    # expires_in=60 is inside msal's refresh margin: every call refreshes.
    assert credentials.microsoft_token(settings.imap, http_client=microsoft) == (
        "access-2"
    )
    assert credentials.microsoft_token(settings.smtp, http_client=microsoft) == (
        "access-3"
    )
    assert "refresh-3" in file.read_text()  # the rotated refresh token is kept
    microsoft.refresh_ok = False
    with pytest.raises(TokenError) as caught:
        credentials.microsoft_token(settings.imap, http_client=microsoft)
    assert "the refresh was refused (invalid_grant)" in str(caught.value)
    assert "run `mailflow auth`" in str(caught.value)
    assert "refresh-3" not in str(caught.value)


def test_a_fresh_microsoft_token_is_used_without_asking_again(tmp_path, mailboxes):
    settings = microsoft_settings(tmp_path, mailboxes)
    microsoft = FakeMicrosoft(mailboxes.practice)
    credentials.sign_in(settings.imap, lambda _: None, http_client=microsoft)
    microsoft.refresh_ok = False  # would fail if asked
    assert credentials.microsoft_token(settings.imap, http_client=microsoft) == (
        "access-1"
    )


def test_a_fresh_microsoft_token_is_read_without_loading_msal(
    tmp_path, mailboxes, monkeypatch
):
    """The token file msal wrote is read as msal would read it (#13): a fresh
    access token serves IMAP and SMTP with msal not loaded and Microsoft not
    asked; one inside msal's margin needs msal (here: not installed)."""
    settings = microsoft_settings(tmp_path, mailboxes)
    credentials.sign_in(
        settings.imap, lambda _: None, http_client=FakeMicrosoft(mailboxes.practice)
    )
    monkeypatch.setitem(sys.modules, "msal", None)  # an import would fail
    assert credentials.microsoft_token(settings.imap) == "access-1"
    assert credentials.microsoft_token(settings.smtp) == "access-1"
    monkeypatch.delitem(sys.modules, "msal")
    credentials.sign_in(
        settings.imap,
        lambda _: None,
        http_client=FakeMicrosoft(mailboxes.practice, expires_in=299),
    )
    monkeypatch.setitem(sys.modules, "msal", None)
    with pytest.raises(ConfigError, match="needs the msal package"):
        credentials.microsoft_token(settings.imap)


def _signed_in_cache(
    user: str,
    *,
    expires_in: int = 3600,
    tenant: str = "organizations",
    tenant_id: str | None = None,
) -> dict:
    """The token cache real msal writes after a device-code sign-in."""
    import msal

    cache = msal.SerializableTokenCache()
    app = msal.PublicClientApplication(
        "client",
        authority=credentials.MICROSOFT_AUTHORITY + tenant,
        token_cache=cache,
        http_client=FakeMicrosoft(user, expires_in=expires_in, tenant_id=tenant_id),
    )
    flow = app.initiate_device_flow(scopes=list(credentials.MICROSOFT_SCOPES))
    assert "access_token" in app.acquire_token_by_device_flow(flow)
    return json.loads(cache.serialize())


def _read(cache: dict, now: float | None = None, **changes: str) -> str | None:
    asked = {
        "client_id": "client",
        "tenant": "organizations",
        "username": "p@x.example",
    }
    return credentials.cached_microsoft_token(
        json.dumps(cache), now=time.time() if now is None else now, **(asked | changes)
    )


def test_the_cached_microsoft_token_is_the_one_msal_would_use():
    cache = _signed_in_cache("p@x.example")
    (token,) = cache["AccessToken"].values()
    assert _read(cache) == "access-1"
    assert _read(cache, username="P@X.Example") == "access-1"  # as msal folds it
    assert _read(cache, username="") == "access-1"  # none configured: the first
    # Not this client, tenant or person: msal would not use it either.
    assert _read(cache, client_id="another") is None
    assert _read(cache, tenant="contoso.example") is None
    assert _read(cache, username="someone@x.example") is None
    # Within msal's five minutes of the end, or past a refresh_on: refreshed.
    expires = int(token["expires_on"])
    assert _read(cache, now=expires - 301) == "access-1"
    assert _read(cache, now=expires - 300) is None
    token["refresh_on"] = str(expires - 1000)
    assert _read(cache, now=expires - 1001) == "access-1"
    assert _read(cache, now=expires - 1000) is None
    del token["refresh_on"]
    # Scopes that do not cover IMAP and SMTP both.
    token["target"] = credentials.MICROSOFT_SCOPES[1]
    assert _read(cache) is None


def test_the_cached_microsoft_token_of_the_configured_persons_account():
    """Two people signed in to one file: each their own token."""
    cache = _signed_in_cache("p@x.example")
    other = json.loads(
        json.dumps(_signed_in_cache("q@x.example")).replace("oid.tid", "oid2.tid")
    )
    (token,) = other["AccessToken"].values()
    token["secret"] = "access-q"
    for part in ("AccessToken", "Account"):
        cache[part] |= other[part]
    assert _read(cache) == "access-1"
    assert _read(cache, username="q@x.example") == "access-q"


_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _msal_silent(cache: dict, tenant: str, tenant_id: str | None) -> str | None:
    """What real msal's silent sign-in hands back from `cache` when Microsoft
    cannot be asked for a new token (every POST fails): its cached token."""
    import msal

    class NoRefresh(FakeMicrosoft):
        def post(self, url: str, data: dict | None = None, **_: object):
            return MicrosoftResponse(400, {"error": "temporarily_unavailable"})

    loaded = msal.SerializableTokenCache()
    loaded.deserialize(json.dumps(cache))
    app = msal.PublicClientApplication(
        "client",
        authority=credentials.MICROSOFT_AUTHORITY + tenant,
        token_cache=loaded,
        http_client=NoRefresh("p@x.example", tenant_id=tenant_id),
    )
    accounts = app.get_accounts(username="p@x.example")
    if not accounts:
        return None
    result = app.acquire_token_silent_with_error(
        list(credentials.MICROSOFT_SCOPES), account=accounts[0]
    )
    return result.get("access_token") if result else None


@pytest.mark.parametrize(
    ("tenant", "tenant_id", "change"),
    [
        ("organizations", None, None),
        ("common", None, None),
        ("contoso.onmicrosoft.com", _GUID, None),  # discovery names its ID
        (_GUID, _GUID, None),
        (_GUID.upper(), _GUID, None),
        ("contoso.onmicrosoft.com", _GUID, "alias"),
        ("organizations", None, "alias"),
        ("organizations", None, "scope-case"),
        ("organizations", None, "margin"),
        ("organizations", None, "pop"),
        ("organizations", None, "adfs-less"),
    ],
)
def test_the_cached_token_is_never_one_msal_would_not_use(tenant, tenant_id, change):
    """Beside real msal over the same cache (Microsoft unreachable, so only
    a cached token can come back): mailflow uses a token only where msal
    would use that same token, and finds it for every way of naming the
    tenant (a domain name's tokens are kept under the tenant's ID)."""
    cache = _signed_in_cache("p@x.example", tenant=tenant, tenant_id=tenant_id)
    (token,) = cache["AccessToken"].values()
    (account,) = cache["Account"].values()
    if change == "alias":
        token["environment"] = "login.windows.net"
    elif change == "scope-case":
        token["target"] = token["target"].upper()
    elif change == "margin":
        token["expires_on"] = str(int(time.time()) + 200)
    elif change == "pop":
        token["key_id"] = "a-key"
        token["token_type"] = "pop"
    elif change == "adfs-less":
        account["authority_type"] = "MSA"
    ours = _read(cache, tenant=tenant)
    theirs = _msal_silent(cache, tenant, tenant_id)
    if change is None:
        assert ours == "access-1"
    if ours is not None:
        assert ours == theirs


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"Account": []}',
        '{"Account": {"a": {"environment": 1}}}',
        '{"Account": {"a": {"environment": "login.microsoftonline.com", "username": "p@x.example", "home_account_id": "h", "authority_type": "MSSTS"}}, "AccessToken": {"t": {"expires_on": "soon"}}}',
    ],
)
def test_a_cache_that_does_not_read_asks_msal(text):
    assert (
        credentials.cached_microsoft_token(
            text,
            client_id="client",
            tenant="organizations",
            username="p@x.example",
            now=0.0,
        )
        is None
    )


def test_msal_not_installed_is_a_config_error(tmp_path, mailboxes, monkeypatch):
    monkeypatch.setitem(sys.modules, "msal", None)
    settings = microsoft_settings(tmp_path, mailboxes)
    with pytest.raises(ConfigError) as caught:
        credentials.access_token(settings.imap)
    assert "pip install 'mailflow[microsoft]'" in str(caught.value)


def test_auth_command_needs_the_microsoft_sign_in(tmp_path, mailboxes, capsys):
    config = write_config(tmp_path, _Fake(1, 2), mailboxes)
    assert main(["auth", "--config", str(config)]) == 2
    assert "mailflow auth" in capsys.readouterr().err


def test_sasl_string_is_the_documented_xoauth2_form():
    assert credentials.xoauth2("a@b.example", "tok") == (
        "user=a@b.example\x01auth=Bearer tok\x01\x01"
    )


def test_microsoft_unreachable_is_a_passing_token_error(tmp_path, mailboxes):
    class Down(FakeMicrosoft):
        def get(self, url: str, **_: object) -> MicrosoftResponse:
            raise ConnectionError("no route")

    settings = microsoft_settings(tmp_path, mailboxes)
    # A token inside the refresh margin: Microsoft must be asked, and cannot be.
    credentials.sign_in(
        settings.imap,
        lambda _: None,
        http_client=FakeMicrosoft(mailboxes.practice, expires_in=60),
    )
    with pytest.raises(TokenError) as caught:
        credentials.microsoft_token(settings.imap, http_client=Down(mailboxes.practice))
    assert caught.value.passing
    assert "could not be reached" in str(caught.value)


def test_every_request_to_microsoft_has_a_timeout(tmp_path, mailboxes, monkeypatch):
    """msal waits for ever by default: a hung sign-in would hang cron (and hold
    the run lock). Every request its own HTTP session makes carries the
    server's timeout_s (recorded here; nothing leaves the machine)."""
    import dataclasses

    import requests

    asked: list[object] = []

    def no_network(self, method, url, **kwargs):
        asked.append(kwargs.get("timeout"))
        raise requests.exceptions.ConnectionError("no network in tests")

    monkeypatch.setattr(requests.Session, "request", no_network)
    settings = microsoft_settings(tmp_path, mailboxes)
    server = dataclasses.replace(settings.imap, timeout_s=7.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        credentials._application(server)  # msal asks the authority at once
    assert asked
    assert all(t == 7.0 for t in asked), asked
