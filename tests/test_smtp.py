"""SmtpSender against a tiny refusing SMTP server on loopback: no socket is left open."""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailflow.config import load_settings
from mailflow.errors import SmtpAuthError, TransientSendError
from mailflow.shell.smtp import SmtpSender

WAIT_S = 3.0


class RefusingServer:
    """Greets, offers AUTH and STARTTLS, refuses both; notes whether the client
    closed the connection (EOF) while its exception is still alive."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.closed_by_client = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(WAIT_S)
        connection, _ = self._listener.accept()
        with connection, connection.makefile("rb") as lines:
            connection.settimeout(WAIT_S)
            connection.sendall(b"220 refusing.example ESMTP\r\n")
            try:
                for line in lines:
                    verb = line.split(b" ", 1)[0].strip().upper()
                    if verb in {b"EHLO", b"HELO"}:
                        connection.sendall(
                            b"250-refusing.example\r\n250-AUTH PLAIN LOGIN\r\n"
                            b"250 STARTTLS\r\n"
                        )
                    elif verb == b"STARTTLS":
                        connection.sendall(b"454 4.7.0 TLS not available\r\n")
                    elif verb == b"AUTH":
                        connection.sendall(b"535 5.7.8 credentials refused\r\n")
                    else:
                        connection.sendall(b"221 bye\r\n")
                        return  # QUIT: a polite close is a close too
            except TimeoutError:
                return  # the client kept the connection open
        self.closed_by_client.set()

    def close(self) -> None:
        self._thread.join(WAIT_S + 1)
        self._listener.close()


@pytest.fixture
def refusing() -> Iterator[RefusingServer]:
    server = RefusingServer()
    yield server
    server.close()


def _settings(tmp_path: Path, port: int, security: str):
    path = tmp_path / "mailflow.toml"
    path.write_text(
        f"""
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "127.0.0.1"
security = "plain"
[smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
username = "hello@riverside.example"
password = "wrong"
timeout_s = 5
""",
        encoding="utf-8",
    )
    return load_settings(path).smtp


def test_a_refused_login_closes_the_connection(tmp_path, refusing):
    sender = SmtpSender(_settings(tmp_path, refusing.port, "plain"))
    with pytest.raises(SmtpAuthError) as caught:
        sender.connect()
    # The exception (and its traceback's frames) are still alive here.
    assert refusing.closed_by_client.wait(WAIT_S)
    assert caught.value is not None


def test_a_refused_starttls_closes_the_connection(tmp_path, refusing):
    sender = SmtpSender(_settings(tmp_path, refusing.port, "starttls"))
    with pytest.raises(TransientSendError) as caught:
        sender.connect()
    assert refusing.closed_by_client.wait(WAIT_S)
    assert caught.value is not None


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        # A refused sender address is a setting: every message would fail alike.
        (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "a@b"), "wait"),
        # 5.7.x at DATA: this message's content, or the account? The outbox
        # tells them apart (tests/test_hostile.py).
        (smtplib.SMTPDataError(554, b"5.7.60 SendAsDenied; not allowed"), "policy"),
        (
            smtplib.SMTPDataError(552, b"5.7.0 Content presents a security issue"),
            "policy",
        ),
        # This message's own trouble: it alone fails.
        (smtplib.SMTPDataError(552, b"5.3.4 Message too big"), "fail"),
        (smtplib.SMTPDataError(554, b"Transaction failed"), "fail"),
        (
            smtplib.SMTPRecipientsRefused({"x@y": (550, b"5.1.1 No such user")}),
            "fail",
        ),
    ],
)
def test_how_refusals_are_told_apart(exc, expected):
    from mailflow.errors import PermanentSendError, PolicyRefusedError
    from mailflow.shell.smtp import _translated

    kind = {
        "wait": TransientSendError,
        "policy": PolicyRefusedError,
        "fail": PermanentSendError,
    }[expected]
    with pytest.raises(kind) as raised, _translated("send"):
        raise exc
    if expected == "fail":
        assert not isinstance(raised.value, PolicyRefusedError)
