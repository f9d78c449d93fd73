"""Issue #14: whole-run deadlines. A socket timeout bounds one read; a server
that trickles one byte just inside it (an IMAP or SMTP greeting, an https
feed's headers) held the run and its lock indefinitely. Every server and feed
conversation now has a total deadline: the run ends, as an outage (exit 3),
and the next run tries again. Local trickling TCP servers; a short deadline.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from support import NOW, request, write_config

from mailflow.cli import main
from mailflow.errors import BusyCalendarError
from mailflow.shell import busy
from mailflow.shell.deadline import Deadline

SAFETY_S = 60
"""Only so that a regression fails instead of hanging the suite: the
assertions are on exit codes and errors, never on elapsed time."""


class Trickler:
    """Accepts connections and sends `opening`, then one byte every 50 ms,
    forever: always inside any read timeout, never a whole line."""

    def __init__(self, opening: bytes) -> None:
        self.opening = opening
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.served = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.served += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.opening)
                while not self.stop.wait(0.05):
                    conn.sendall(b"a")
            except OSError:
                return  # the client gave up: the point

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    made: list[Trickler] = []

    def make(opening: bytes) -> Trickler:
        made.append(Trickler(opening))
        return made[-1]

    yield make  # type: ignore[misc]
    for t in made:
        t.close()


def bounded(call):
    """Run `call` in a thread; its result (a regression fails, never hangs)."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join(SAFETY_S)
    assert not thread.is_alive(), "still running: no total deadline"
    return out[0]


def short_deadline(config, section: str, port: int | None = None) -> None:
    text = config.read_text()
    head, _, rest = text.partition(f"[{section}]\n")
    block, sep, tail = rest.partition("\n\n")
    block = block.replace("timeout_s = 10", "timeout_s = 5\ndeadline_s = 1")
    if port is not None:
        lines = [
            f"port = {port}" if line.startswith("port = ") else line
            for line in block.splitlines()
        ]
        block = "\n".join(lines)
    config.write_text(f"{head}[{section}]\n{block}{sep}{tail}")


def test_an_imap_server_trickling_its_greeting_cannot_hold_the_run(
    tmp_path, mail_server, mailboxes, trickler
):
    slow = trickler(b"* OK ")
    config = write_config(tmp_path, mail_server, mailboxes)
    short_deadline(config, "imap", slow.port)
    code = bounded(
        lambda: main(["run", "--config", str(config), "--now", NOW.isoformat()])
    )
    assert code == 3
    assert slow.served == 1


def test_an_smtp_server_trickling_its_greeting_cannot_hold_the_run(
    tmp_path, mail_server, mailboxes, trickler
):
    slow = trickler(b"220-")
    config = write_config(tmp_path, mail_server, mailboxes)
    short_deadline(config, "smtp", slow.port)
    mail_server.deliver(
        request(sender=f"Jordan Lee <{mailboxes.person}>", to=mailboxes.practice),
        mailboxes.practice,
    )
    code = bounded(
        lambda: main(["run", "--config", str(config), "--now", NOW.isoformat()])
    )
    assert code == 3
    assert slow.served >= 1
    assert not mail_server.messages(mailboxes.person)  # kept for the next run


def test_a_feed_trickling_its_headers_is_cut_off_at_the_deadline(trickler):
    slow = trickler(b"HTTP/1.1 200 OK\r\nX-Slow: ")

    def load() -> object:
        try:
            busy.load_feeds(
                [f"http://127.0.0.1:{slow.port}/private/feed.ics"],
                start_at=NOW,
                end_at=NOW + timedelta(days=14),
                zone_name="Europe/London",
                timeout_s=1,
            )
        except BusyCalendarError as exc:
            return exc
        return None

    error = bounded(load)
    assert isinstance(error, BusyCalendarError)
    assert "within 1 s" in str(error)


def test_a_deadline_shuts_only_its_own_sockets_and_only_once_due(trickler):
    slow = trickler(b"x")
    with Deadline(3600, "test") as deadline:
        sock = socket.create_connection(("127.0.0.1", slow.port), timeout=5)
    with sock:
        assert sock.recv(1) == b"x"  # left alone: not due
        assert not deadline.expired
    outside = Deadline(0.01, "test").start()
    with socket.create_connection(("127.0.0.1", slow.port), timeout=5) as other:
        assert other.recv(1) == b"x"  # opened outside any deadline's scope
    outside.cancel()


# -- the CalDAV calendar: its HTTP client opens its own sockets ----------------------


def test_a_trickling_caldav_server_costs_a_write_its_deadline_not_the_run(
    trickler, tmp_path
) -> None:
    from datetime import UTC, datetime

    from test_caldav import settings_with

    from mailflow.shell import caldav_busy, caldav_sync
    from mailflow.shell.store import Store
    from mailflow.writing.letters import AfterCallLetters

    server = trickler(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n")
    settings = settings_with(
        tmp_path,
        f'[caldav]\nurl = "http://127.0.0.1:{server.port}/dav/"\n'
        'username = "sam"\npassword = "x"\ntimeout_s = 1\n',
    )
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with Store.open(settings.storage.database) as store:
        letters = AfterCallLetters(settings, store, now)
        with store.transaction():
            store.queue_calendar(
                enquiry_id=1, uid="a", action="put", sequence=0, ics=b"v0", now=now
            )
        writer = caldav_sync.CaldavCalendar(settings.caldav)
        # Imported before the clock starts: on a loaded machine the library's
        # first import alone can outlast the 1 s deadline (the server unasked).
        import caldav.collection
        import caldav.davclient
        import caldav.lib.error  # noqa: F401

        # Each byte inside the read timeout: only the whole deadline ends it.
        assert not caldav_sync.flush(store, writer, lambda: letters, now, seconds=1)
        assert server.served >= 1
        assert store.calendar_waiting() == 1  # waits for a later run
        assert store.get_meta(caldav_sync.ERROR_KEY) == (
            "the calendar server did not answer in time"
        )
        # Under `watch` the abandoned write may still land: nothing newer is
        # sent past it while it is under way (a delete never overtaken).
        later = now + timedelta(hours=1)
        with store.transaction():
            store.queue_calendar(
                enquiry_id=1, uid="a", action="delete", sequence=1, ics=None, now=later
            )
        served = server.served
        assert not caldav_sync.flush(store, writer, lambda: letters, later, seconds=1)
        assert server.served == served  # not asked again
        assert store.calendar_waiting() == 1
    with pytest.raises(BusyCalendarError, match="did not answer in time"):
        caldav_busy.read_busy(
            settings.caldav,
            start_at=now,
            end_at=now + timedelta(days=14),
        )
