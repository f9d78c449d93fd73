"""What a cron run costs: an empty poll loads no heavy library, and new mail's
bodies are read in batches rather than one FETCH each."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta

from support import NOW, request, run, run_in_process, write_config

from mailflow.config import load_settings
from mailflow.shell.cycle import run_once
from mailflow.shell.mailbox import ImapMailbox

HEAVY = ("icalendar", "jinja2", "phonenumbers")
"""Calendars, templates and phone numbers: nothing an empty poll does needs them."""

_FRESH_RUN = """
import sys
from mailflow.cli import main
code = main(["run", "--config", sys.argv[1], "--now", sys.argv[2]])
print(code, *sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[3:]))
"""


def test_an_empty_run_loads_no_heavy_library(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    # One request answered first: an open enquiry, a filled store and Sent folder.
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1

    later = (NOW + timedelta(minutes=5)).isoformat()
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_RUN, str(config), later, *HEAVY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]  # exit 0 and none of HEAVY in sys.modules
    assert len(mail_server.messages(mailboxes.person)) == 1  # and nothing sent


def test_new_mail_bodies_are_read_in_one_fetch(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    assert run(config) == 0  # learn the folders while they are empty
    people = [f"p{n}-{mailboxes.person}" for n in range(3)]
    for person in people:
        mail_server.deliver(
            request(sender=person, to=mailboxes.practice), mailboxes.practice
        )
    mail_server.deliver(  # decided on its headers alone: its body is never read
        request(
            sender="news@lists.example",
            to=mailboxes.practice,
            subject="Our newsletter",
            headers={"List-Id": "<news.lists.example>"},
        ),
        mailboxes.practice,
    )
    report, mailbox = run_in_process(config, NOW)
    assert report.requests == 3
    assert report.ignored == 1
    # Headers once, the three requests' bodies once; then one APPEND per offer.
    assert mailbox.commands.count("UID FETCH") == 2
    for person in people:
        assert len(mail_server.messages(person)) == 1


class _Gate:
    """A loopback relay to the IMAP port that records the client's commands and
    holds the server's answers back while a pipelined command is awaited:
    answers to the first STATUS are passed on only once a second STATUS came,
    and the answer to LOGOUT never. A client that waits on an answer it should
    not need hangs until its read timeout, and fails."""

    def __init__(self, upstream_port: int) -> None:
        self.commands: list[str] = []
        self.closed_by_client = threading.Event()
        self._upstream = upstream_port
        self._changed = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in self._sockets:
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
                *lines, buffer = buffer.split(b"\r\n")
                with self._changed:
                    self.commands += [
                        line.split()[1].decode().upper() for line in lines
                    ]
                    self._changed.notify_all()
                server.sendall(data)
        self.closed_by_client.set()
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)

    def _held(self) -> bool:
        status = self.commands.count("STATUS")
        return status == 1 or "LOGOUT" in self.commands

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                with self._changed:
                    self._changed.wait_for(
                        lambda: not self._held() or self.closed_by_client.is_set()
                    )
                if "LOGOUT" in self.commands:
                    return  # the answer to LOGOUT is never passed on
                client.sendall(data)


def test_an_empty_poll_waits_on_three_answers(tmp_path, mail_server, mailboxes):
    """Greeting (its capabilities taken), LOGIN, both STATUS at once; LOGOUT
    said without waiting for its answer (RFC 9051 §5.5, §7.1)."""
    config = write_config(tmp_path, mail_server, mailboxes)
    assert run(config) == 0  # learn the folders
    gate = _Gate(mail_server.imap_port)
    settings = load_settings(config)
    settings = replace(
        settings, imap=replace(settings.imap, port=gate.port, timeout_s=5)
    )
    used: list[ImapMailbox] = []

    def build(imap):
        used.append(ImapMailbox(imap))
        return used[-1]

    try:
        report = run_once(settings, NOW + timedelta(minutes=5), mailbox=build)
        assert gate.closed_by_client.wait(5)  # the socket closed, LOGOUT unanswered
    finally:
        gate.close()
    assert report.exit_code == 0
    assert gate.commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]  # no CAPABILITY
    assert used[0].commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]
