"""Every common mail server's legal answers, met for real (#12).

A second IMAP server, Courier-IMAP from Debian (started like Dovecot: private
Maildirs, a loopback port), answers HEADER.FIELDS with quoted field names,
refuses APPEND to the folder a session has open read-only, keeps Sent as
"INBOX.Sent" with no SPECIAL-USE mark, and (as started here) offers no IDLE.
Beside it: an SMTP relay offering no AUTH, a TLS server with a private CA,
and logins refused run after run.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import NOW, request, run, run_in_process, write_config

from mailflow.cli import main
from mailflow.cli.devserver import CourierMailServer, LocalMailServer
from mailflow.config import load_settings
from mailflow.errors import MailboxError
from mailflow.shell.login_guard import REFUSALS_BEFORE_PAUSE
from mailflow.shell.mailbox import ImapMailbox
from mailflow.shell.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def courier() -> Iterator[CourierMailServer]:
    server = CourierMailServer()
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def courier_config(tmp_path, server, boxes, extra: str = "") -> Path:
    config = write_config(tmp_path, server, boxes, extra)
    text = config.read_text()
    text = text.replace(
        'folder = "INBOX"\n', 'folder = "INBOX"\nsent_folder = "INBOX.Sent"\n', 1
    )
    config.write_text(text)
    return config


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# -- Courier ------------------------------------------------------------------------


def test_courier_quoted_header_fields_still_make_contacts(tmp_path, courier, mailboxes):
    """Courier answers BODY[HEADER.FIELDS ("TO" ...)]: a client the practice
    wrote to by hand is still known, so never offered the free call."""
    client = f"robin-{mailboxes.person}"
    courier.append(
        mailboxes.practice,
        "INBOX.Sent",
        request(
            sender=mailboxes.practice,
            to=client,
            subject="Thursday",
            body="See you then.",
        ),
    )
    config = courier_config(tmp_path, courier, mailboxes)
    assert run(config) == 0
    with Store.open(load_settings(config).storage.database) as store:
        assert store.is_contact(client)
    courier.deliver(
        request(
            sender=client,
            to=mailboxes.practice,
            body="Hello, I'd like to book the free consultation call.",
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    assert courier.messages(client) == []  # an existing client gets no robot


def test_courier_copy_to_sent_after_a_failed_one(tmp_path, courier, mailboxes):
    """A run whose APPEND failed leaves the message 'sent'; the next run checks
    Sent (EXAMINE) and appends to it: Courier refuses APPEND to a folder open
    read-only, so every run exited 3 for ever. Now the copy is filed."""
    config = courier_config(tmp_path, courier, mailboxes)
    courier.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )

    class AppendFails(ImapMailbox):
        def append(self, folder, raw, when):
            raise MailboxError("IMAP APPEND failed: [OVERQUOTA] quota exceeded")

    with pytest.raises(MailboxError):
        run_in_process(config, mailbox=AppendFails)
    assert len(courier.messages(mailboxes.person)) == 1  # sent once, copy missing
    assert courier.messages(mailboxes.practice, "INBOX.Sent") == []

    for _ in range(2):  # and it stays well
        report, _box = run_in_process(config)
        assert report.exit_code == 0
    copies = courier.messages(mailboxes.practice, "INBOX.Sent")
    assert len(copies) == 1
    assert copies[0].flags == ("\\Seen",)
    assert len(courier.messages(mailboxes.person)) == 1  # never sent twice


def test_courier_missing_sent_folder_suggests_inbox_sent(
    tmp_path, courier, mailboxes, capsys
):
    config = write_config(tmp_path, courier, mailboxes, "")
    text = config.read_text().replace(
        'folder = "INBOX"\n', 'folder = "INBOX"\nsent_folder = "Sent"\n', 1
    )
    config.write_text(text)
    assert run(config) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "imap.sent_folder" in err[0]
    assert '"INBOX.Sent"' in err[0]
    assert main(["check", "--config", str(config)]) == 2
    out = capsys.readouterr().out
    assert "imap.folder 'INBOX' ok" in out
    assert "'Sent' does not exist" in out
    assert '"INBOX.Sent"' in out


def test_courier_sent_folder_found_by_name_when_unset(
    tmp_path, courier, mailboxes, capsys
):
    config = write_config(tmp_path, courier, mailboxes)  # no sent_folder: auto
    assert main(["check", "--config", str(config)]) == 0
    assert (
        "imap.sent_folder 'INBOX.Sent' (not set: found on the server) ok"
        in capsys.readouterr().out
    )
    courier.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config) == 0
    assert len(courier.messages(mailboxes.practice, "INBOX.Sent")) == 1


def test_watch_without_idle_polls_at_its_interval(tmp_path, courier, mailboxes):
    config = courier_config(tmp_path, courier, mailboxes)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailflow",
            "watch",
            "--config",
            str(config),
            "--interval",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        database = tmp_path / "var" / "mailflow.sqlite3"
        assert wait_for(database.exists, 20)
        courier.deliver(
            request(
                sender=mailboxes.person,
                to=mailboxes.practice,
                sent_at=datetime.now(UTC),
            ),
            mailboxes.practice,
        )
        assert wait_for(lambda: len(courier.messages(mailboxes.person)) == 1, 20)
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=20)
    assert worker.returncode == 0
    assert b"offers no IDLE" in err
    assert b"Traceback" not in err


# -- Dovecot: SPECIAL-USE -------------------------------------------------------------


def test_sent_folder_found_by_special_use(tmp_path, mail_server, mailboxes, capsys):
    config = write_config(tmp_path, mail_server, mailboxes)  # sent_folder unset
    with mail_server.imap(mailboxes.practice) as client:
        client.create_folder("Gesendet")
    assert main(["check", "--config", str(config)]) == 0
    assert (
        "imap.sent_folder 'Sent' (not set: found on the server) ok"
        in capsys.readouterr().out
    )
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    report, box = run_in_process(config)
    assert report.exit_code == 0
    assert len(mail_server.messages(mailboxes.practice, "Sent")) == 1
    # Found once and remembered: the next empty poll lists nothing.
    report, box = run_in_process(config)
    assert "LIST" not in box.commands


# -- logins refused ------------------------------------------------------------------


def test_refused_logins_pause_until_the_password_changes(
    tmp_path, courier, mailboxes, capsys, monkeypatch
):
    config = courier_config(tmp_path, courier, mailboxes)
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "wrong")
    before = courier.logins_refused
    for _ in range(REFUSALS_BEFORE_PAUSE):
        assert run(config) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert f"IMAP login to 127.0.0.1:{courier.imap_port} refused for" in err[0]
        assert "MAILFLOW_IMAP__PASSWORD" in err[0]
    assert courier.logins_refused == before + REFUSALS_BEFORE_PAUSE
    assert run(config) == 3  # paused: not even tried
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "not tried" in err[0]
    assert courier.logins_refused == before + REFUSALS_BEFORE_PAUSE
    later = NOW + timedelta(hours=2)
    assert run(config, later) == 3  # an hour on: one more try
    assert courier.logins_refused == before + REFUSALS_BEFORE_PAUSE + 1
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", courier.password)  # fixed
    assert run(config, later) == 0


def test_refused_smtp_logins_pause_too_and_the_offer_waits(
    tmp_path, mail_server, mailboxes, capsys, monkeypatch
):
    """At Gmail and Microsoft 365 SMTP logs in to the same account as IMAP:
    a wrong SMTP password must not lock it either. The offer waits, once."""
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "wrong")
    for minute in range(REFUSALS_BEFORE_PAUSE):
        assert run(config, NOW + timedelta(minutes=minute)) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert "not tried" not in err[0]
    assert run(config, NOW + timedelta(minutes=10)) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "SMTP login to" in err[0]
    assert "not tried" in err[0]
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", mail_server.password)  # fixed
    assert run(config, NOW + timedelta(minutes=15)) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1


def test_an_empty_password_says_it_was_not_set(
    tmp_path, mail_server, mailboxes, capsys
):
    config = write_config(tmp_path, mail_server, mailboxes)
    config.write_text(
        config.read_text().replace(
            f'password = "{mail_server.password}"', 'password = ""', 1
        )
    )
    assert run(config) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "an empty password" in err
    assert "MAILFLOW_IMAP__PASSWORD" in err


# -- SMTP without AUTH ---------------------------------------------------------------


@pytest.fixture(scope="module")
def no_auth_server() -> Iterator[LocalMailServer]:
    server = LocalMailServer(smtp_auth=False)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def test_smtp_without_auth_sends_when_no_username_is_set(
    tmp_path, no_auth_server, mailboxes, capsys
):
    config = write_config(tmp_path, no_auth_server, mailboxes)
    text = config.read_text()
    smtp = text.index("[smtp]")
    head, tail = text[:smtp], text[smtp:]
    tail = tail.replace(f'username = "{mailboxes.practice}"\n', "", 1)
    tail = tail.replace(f'password = "{no_auth_server.password}"\n', "", 1)
    config.write_text(head + tail)
    assert main(["check", "--config", str(config)]) == 0
    assert "sending without a login" in capsys.readouterr().out
    no_auth_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config) == 0
    assert len(no_auth_server.messages(mailboxes.person)) == 1


def test_smtp_username_without_auth_offered_is_a_config_error(
    tmp_path, no_auth_server, mailboxes, capsys
):
    config = write_config(tmp_path, no_auth_server, mailboxes)
    no_auth_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "smtp.username" in err[0]
    assert "offers no login" in err[0]
    assert f"127.0.0.1:{no_auth_server.smtp_port}" in err[0]


# -- TLS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory) -> Path:
    """A CA and a certificate it signed for "localhost" (openssl)."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed for the TLS tests", pytrace=False)
    d = tmp_path_factory.mktemp("ca")

    def ssl_cmd(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ssl_cmd(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Practice Test CA",
    )
    ssl_cmd(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    )
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    ssl_cmd(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    )
    return d


@contextmanager
def tls_imap(ca: Path) -> Iterator[int]:
    """An IMAP greeting over TLS (enough to meet the handshake), on loopback."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ca / "server.pem", ca / "server.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                    tls.recv(1024)
                    tls.sendall(b"* BYE\r\n")
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield port
    finally:
        listener.close()


def imap_error(tmp_path, mail_server, mailboxes, **keys) -> str:
    config = write_config(tmp_path, mail_server, mailboxes)
    text = config.read_text()
    imap = text.index("[imap]")
    smtp = text.index("[smtp]")
    section = text[imap:smtp]
    for key, value in keys.items():
        section = "\n".join(
            line for line in section.splitlines() if not line.startswith(f"{key} =")
        )
        section += f"\n{key} = {value}\n"
    config.write_text(text[:imap] + section + "\n" + text[smtp:])
    settings = load_settings(config)
    with pytest.raises(MailboxError) as failed, ImapMailbox(settings.imap):
        pass
    return str(failed.value)


def test_tls_errors_name_the_server_and_the_fix(
    tmp_path, mail_server, mailboxes, private_ca
):
    with tls_imap(private_ca) as port:
        unknown = imap_error(
            tmp_path,
            mail_server,
            mailboxes,
            host='"localhost"',
            port=port,
            security='"ssl"',
        )
        assert f"localhost:{port}" in unknown
        assert "imap.ca_file" in unknown
        other = imap_error(
            tmp_path,
            mail_server,
            mailboxes,
            host='"127.0.0.1"',
            port=port,
            security='"ssl"',
            ca_file=f'"{private_ca / "ca.pem"}"',
        )
        assert "for another name" in other
        assert "imap.host" in other
        # With the private CA trusted, the handshake passes (the login then fails).
        passed = imap_error(
            tmp_path,
            mail_server,
            mailboxes,
            host='"localhost"',
            port=port,
            security='"ssl"',
            ca_file=f'"{private_ca / "ca.pem"}"',
        )
        assert "TLS" not in passed
    plain = imap_error(tmp_path, mail_server, mailboxes, security='"ssl"')
    assert (
        f"127.0.0.1:{mail_server.imap_port} does not speak TLS from the first byte"
        in plain
    )
    assert "starttls" in plain


def test_starttls_on_the_tls_port_fails_at_once(
    tmp_path, mail_server, mailboxes, capsys
):
    config = write_config(tmp_path, mail_server, mailboxes)
    text = config.read_text().replace(
        f"port = {mail_server.imap_port}", "port = 993", 1
    )
    text = text.replace('security = "plain"', 'security = "starttls"', 1)
    config.write_text(
        text.replace('host = "127.0.0.1"', 'host = "imap.riverside.example"', 1)
    )
    started = time.monotonic()
    assert run(config) == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert 'imap.security: "starttls" on port 993' in err
    assert 'security = "ssl"' in err


def test_an_unreadable_ca_file_is_a_config_error(
    tmp_path, mail_server, mailboxes, capsys
):
    config = write_config(tmp_path, mail_server, mailboxes)
    text = config.read_text().replace(
        'security = "plain"', 'security = "ssl"\nca_file = "/nonexistent/ca.pem"', 1
    )
    config.write_text(text)
    assert run(config) == 2
    assert (
        "imap.ca_file: '/nonexistent/ca.pem' cannot be read" in capsys.readouterr().err
    )


# -- FETCH answers read by mailflow as imapclient reads them ---------------------------


def _mails_of_every_shape(server: LocalMailServer, user: str) -> list[int]:
    plain = (
        b"From: Jordan <jordan@example.org>\r\nTo: hello@riverside.example\r\n"
        b"Cc: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\n"
        b'Subject: "Free call" (please)\r\nMessage-ID: <a@example.org>\r\n\r\n'
        b"Hello {5}\r\n) * 3 FETCH (UID 9)\r\n"
    )
    mixed = (
        b"From: a@example.org\r\nTo: b@example.org\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nWords.\r\n--b\r\n"
        b"Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n"
        b"END:VCALENDAR\r\n--b--\r\n"
    )
    bare = b"Subject: no one\r\n\r\n"
    when = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    return [
        server.append(user, "INBOX", raw, when=when) for raw in (plain, mixed, bare)
    ]


@pytest.mark.parametrize("which", ["dovecot", "courier"])
def test_fetch_answers_are_read_as_imapclient_reads_them(
    which, mail_server, courier, mailboxes, monkeypatch
):
    """What mailflow fetches, on both servers: its own reading (never imapclient's
    parser for these shapes) gives what imapclient's `fetch` gives."""
    from imapclient import IMAPClient

    from mailflow.shell import imap_wire

    server = {"dovecot": mail_server, "courier": courier}[which]
    uids = _mails_of_every_shape(server, mailboxes.practice)
    client = imap_wire.Client("127.0.0.1", port=server.imap_port, ssl=False)
    client.normalise_times = False
    try:
        assert client._imap.debug == 0  # no wire line formatted for a muted log
        client.login(mailboxes.practice, server.password)
        client.select_folder("INBOX", readonly=True)
        for items in (
            [b"BODY.PEEK[HEADER]", b"RFC822.SIZE", b"INTERNALDATE"],
            [b"BODY.PEEK[HEADER.FIELDS (TO CC BCC MESSAGE-ID X-MAILFLOW)]"],
            [b"BODY.PEEK[HEADER]", b"BODY.PEEK[1.MIME]", b"BODY.PEEK[1]"],
        ):
            expected = IMAPClient.fetch(client, uids, items)
            with monkeypatch.context() as patched:
                patched.setattr(
                    "imapclient.response_parser.parse_fetch_response",
                    lambda *a: pytest.fail("left to imapclient"),
                )
                assert client.fetch(uids, items) == expected
        structured = [b"BODYSTRUCTURE"]  # left to imapclient, still the same
        assert client.fetch(uids, structured) == IMAPClient.fetch(
            client, uids, structured
        )
    finally:
        client.logout()
