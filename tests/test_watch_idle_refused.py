"""An IDLE refused by a server on its way down is an outage, not "no IDLE".

Dovecot, told to stop, answers a fresh IDLE with "NO Server shutting down"
and closes. Taken as "this server refuses IDLE", `watch` fell back to polling
at its interval for the rest of its life and said nothing for minutes (seen
as a flaky `test_watch_reconnects_after_the_server_goes_away`). A relay on
loopback in front of the real Dovecot answers IDLE both ways, deterministically.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import replace

import pytest
from support import write_config

from mailflow.config import load_settings
from mailflow.errors import MailboxError
from mailflow.shell.sessions import KeptSessions


class _RefusesIdle:
    """Relays one IMAP session to Dovecot, but answers IDLE itself with a NO;
    `goes`: then BYE and the connection closes, as a stopping server does."""

    def __init__(self, upstream_port: int, *, goes: bool) -> None:
        self._upstream = upstream_port
        self._goes = goes
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        server = socket.create_connection(("127.0.0.1", self._upstream))
        self._sockets += [client, server]
        threading.Thread(target=self._up, args=(client, server), daemon=True).start()
        threading.Thread(target=self._down, args=(server, client), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                buffer += data
                while b"\r\n" in buffer:
                    line, buffer = buffer.split(b"\r\n", 1)
                    words = line.split()
                    if len(words) == 2 and words[1].upper() == b"IDLE":
                        client.sendall(words[0] + b" NO Server shutting down.\r\n")
                        if self._goes:
                            client.sendall(b"* BYE Server shutting down.\r\n")
                            self.close()
                            return
                        continue
                    server.sendall(line + b"\r\n")

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                client.sendall(data)


@pytest.mark.parametrize("goes", [True, False], ids=["shutting-down", "refuses"])
def test_a_refused_idle_polls_only_when_the_session_lives_on(
    tmp_path, mail_server, mailboxes, goes
):
    settings = load_settings(write_config(tmp_path, mail_server, mailboxes))
    relay = _RefusesIdle(mail_server.imap_port, goes=goes)
    settings = replace(settings, imap=replace(settings.imap, port=relay.port))
    sessions = KeptSessions(settings)
    stop = threading.Event()
    stop.set()  # a polling wait returns at once
    try:
        if goes:
            with pytest.raises(MailboxError):  # EOF, BYE or a reset: gone
                sessions.wait(60.0, stop, cycle_ran=False)
            assert not sessions.polling  # retried with backoff, IDLE next time
        else:
            sessions.wait(60.0, stop, cycle_ran=False)
            assert sessions.polling  # a live session that refuses IDLE: poll
    finally:
        sessions.close()
        relay.close()
