"""A failed LOGIN is a refused password only when the server refused it.

imapclient reports every failure of LOGIN as a LoginError. A server going down
under the login (BYE) or calling the failure its own and temporary (RFC 5530
[UNAVAILABLE]) is an outage: tried again soon, never counted against the
login, never "check that password" (which makes `watch` wait an hour)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from imapclient import exceptions as imap_errors

from mailflow.config import load_settings
from mailflow.errors import MailboxAuthError, MailboxError
from mailflow.shell.mailbox import ImapMailbox, _translated


def _failed_login(cause: Exception) -> None:
    """As imapclient's login: the failure re-raised as a LoginError."""
    try:
        raise cause
    except imap_errors.IMAPClientError as exc:
        raise imap_errors.LoginError(str(exc))  # noqa: B904  imapclient's own shape


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (
            imap_errors.IMAPClientAbortError("command: LOGIN => Shutting down"),
            MailboxError,
        ),
        (
            imap_errors.IMAPClientError(
                "[UNAVAILABLE] Temporary authentication failure."
            ),
            MailboxError,
        ),
        (
            imap_errors.IMAPClientError(
                "[AUTHENTICATIONFAILED] Authentication failed."
            ),
            MailboxAuthError,
        ),
        (imap_errors.IMAPClientError("LOGIN failed."), MailboxAuthError),
    ],
)
def test_only_a_refusal_is_a_refused_login(cause, kind):
    with pytest.raises(MailboxError) as raised, _translated("login"):
        _failed_login(cause)
    assert type(raised.value) is kind


def test_a_server_shutting_down_under_the_login_is_an_outage(tmp_path: Path):
    """On the wire: the greeting, then BYE in answer to LOGIN."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            connection.recv(4096)  # the LOGIN
            connection.sendall(b"* BYE Shutting down\r\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    config = tmp_path / "mailflow.toml"
    config.write_text(
        '[practice]\nname = "P"\nemail = "hello@riverside.example"\n'
        'therapist_name = "S"\ntherapist_email = "sam@riverside.example"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n'
        'username = "hello@riverside.example"\npassword = "right"\ntimeout_s = 10\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 1\nsecurity = "plain"\n'
    )
    settings = load_settings(config)
    try:
        with pytest.raises(MailboxError) as raised, ImapMailbox(settings.imap):
            pass
        assert not isinstance(raised.value, MailboxAuthError)
        assert "password" not in str(raised.value)
    finally:
        server.join(10)
        listener.close()


def _one_login_server(after_no: bytes | None) -> tuple[socket.socket, threading.Thread]:
    """A server that refuses the LOGIN (NO), then answers the next command
    with `after_no`, or closes the session when it is None."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            tag = connection.recv(4096).split(b" ", 1)[0]  # the LOGIN
            connection.sendall(
                tag + b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
            )
            if after_no is None:
                return  # gone, as a server stopping under the login
            line = connection.recv(4096)
            connection.sendall(line.split(b" ", 1)[0] + after_no)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    return listener, server


def _imap_settings(tmp_path: Path, port: int):  # type: ignore[no-untyped-def]
    config = tmp_path / "mailflow.toml"
    config.write_text(
        '[practice]\nname = "P"\nemail = "hello@riverside.example"\n'
        'therapist_name = "S"\ntherapist_email = "sam@riverside.example"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n'
        'username = "hello@riverside.example"\npassword = "wrong"\ntimeout_s = 10\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 1\nsecurity = "plain"\n'
    )
    return load_settings(config).imap


@pytest.mark.parametrize(
    ("after_no", "kind"),
    [(b" OK NOOP done\r\n", MailboxAuthError), (None, MailboxError)],
    ids=["still-there-refused", "gone-outage"],
)
def test_a_refusal_counts_only_from_a_server_still_there(
    tmp_path: Path, after_no: bytes | None, kind: type[MailboxError]
):
    """The same NO to LOGIN: a refused password when the session then still
    answers NOOP; an outage when the server went away (Dovecot stopping
    under a LOGIN in flight), tried again soon instead of waiting an hour."""
    listener, server = _one_login_server(after_no)
    try:
        with (
            pytest.raises(MailboxError) as raised,
            ImapMailbox(_imap_settings(tmp_path, listener.getsockname()[1])),
        ):
            pass
        assert type(raised.value) is kind
    finally:
        server.join(10)
        listener.close()
