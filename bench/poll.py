# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make bench`: mailflow's poll cost beside measured floors, on a local mail server.

Starts `mailflow.cli.devserver.LocalMailServer` (Dovecot + SMTP on loopback) and
prints, for each figure, what mailflow did, what a bare script doing the least
possible work did on the same server, and the target. Asserts nothing; exits 0.

1. Empty poll: wall time of `python -m mailflow run` in a fresh interpreter and
   the IMAP commands it sends, beside a bare imapclient LOGIN/SELECT/UID
   SEARCH/LOGOUT script (also a fresh interpreter).
2. CLI start-up: `mailflow --help` beside `python -c pass`, and which heavy
   modules an empty poll imports (`python -X importtime`).
3. Throughput: one `mailflow run` over 500 booking requests, beside a bare
   smtplib send + IMAP MULTIAPPEND (50 a command) to Sent of the same 500 replies.
4. History (bench/history.py): a database of 5,000 enquiries grown by driving
   the product on the fakes; then an empty run, one request, `status`, a
   backlog, the purge of the oldest ended enquiries and the file size after it.
5. watch (bench/watch.py): delivery to reply of a running `mailflow watch`
   beside a bare IDLE responder, and the logins it made over its wakes.
6. First run (bench/firstrun.py): 10,000 INBOX + 2,000 Sent mails of a
   practice's year, `mailflow run` on a new database beside a bare read of the
   headers it needs.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import platform
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from firstrun import first_run_section  # bench/firstrun.py, beside this script
from history import (  # bench/history.py, beside this script
    BARE_SEND,  # the send + append floor, shared with the history section
    environ,
    history_section,
)
from watch import watch_section  # bench/watch.py, beside this script

from mailflow.cli.devserver import LocalMailServer

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
MAILFLOW = str(Path(PYTHON).parent / "mailflow")

REPEATS = 10
"""Fresh-interpreter runs per timed command (the median is reported)."""
REQUESTS = 500
"""Booking requests in the throughput run."""
FLOOR_REPEATS = 2
"""Runs of the throughput floor (the fastest is used: the stricter comparison)."""
ROUND_TRIP_DELAY_S = 0.05
"""What DelayProxy holds each answer of the server: a far server's round trip."""
ROUND_TRIP_REPEATS = 5
PROFILE_REQUESTS = 20
"""Requests in the small run whose IMAP commands are counted on the wire."""
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/London"))
"""A Wednesday, as in tests/support.py: offers fall on the next two weeks."""
POLL_NOW = NOW + timedelta(minutes=5)
BODY = "Hello, I'd like to book the free 15 minute consultation call please."
LAZY = ("jinja2", "icalendar", "phonenumbers", "aiosmtpd", "asyncio")
"""Modules an empty poll has no use for: nothing to render, parse or serve."""

BARE_POLL = """
import sys
from imapclient import IMAPClient

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = IMAPClient(host, port=port, ssl=False, timeout=10)
client.login(user, password)
client.select_folder("INBOX")
client.search([b"UID", b"1:*"])
client.logout()
"""

# -- the mail server side ------------------------------------------------------


@dataclass(frozen=True)
class Practice:
    practice: str
    therapist: str


def write_config(
    directory: Path, server: LocalMailServer, who: Practice, *, imap_port: int = 0
) -> Path:
    """A config like tests/support.py's: plain IMAP/SMTP on loopback."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"mailflow-{imap_port or server.imap_port}.toml"
    path.write_text(
        textwrap.dedent(f"""\
            [practice]
            name = "Riverside Counselling"
            email = "{who.practice}"
            therapist_name = "Sam Rivera"
            therapist_email = "{who.therapist}"
            timezone = "Europe/London"
            country = "GB"

            [imap]
            host = "127.0.0.1"
            port = {imap_port or server.imap_port}
            security = "plain"
            username = "{who.practice}"
            password = "{server.password}"
            timeout_s = 10

            [smtp]
            host = "127.0.0.1"
            port = {server.smtp_port}
            security = "plain"
            username = "{who.practice}"
            password = "{server.password}"
            timeout_s = 10

            [storage]
            database = "{directory / "var" / "mailflow.sqlite3"}"

            # The anti-runaway caps would hold most of the 500 offers back:
            # this measures the cost of answering, not the caps.
            [limits]
            per_run = {REQUESTS * 2}
            per_hour = {REQUESTS * 2}
            """),
        encoding="utf-8",
    )
    return path


def booking_request(sender: str, to: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Free consultation call"
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = make_msgid(domain="sender.example")
    message.set_content(BODY + "\n")
    return message.as_bytes()


def folder_size(server: LocalMailServer, user: str, folder: str) -> int:
    with server.imap(user) as client:
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


# -- counting IMAP commands on the wire ----------------------------------------

_LITERAL = re.compile(rb"\{(\d+)\+?\}$")


@dataclass
class _Session:
    """Client-to-server bytes of one connection, split into tagged commands."""

    commands: list[str] = field(default_factory=list)
    _buffer: bytes = b""
    _skip: int = 0
    _continuing: bool = False

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            if self._skip:
                taken = min(self._skip, len(self._buffer))
                self._buffer, self._skip = self._buffer[taken:], self._skip - taken
                if self._skip:
                    return
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return
            line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
            if not self._continuing:
                words = line.split()[1:3]
                if words:
                    name = words[0].upper().decode(errors="replace")
                    if name == "UID" and len(words) > 1:
                        name += " " + words[1].upper().decode(errors="replace")
                    self.commands.append(name)
            literal = _LITERAL.search(line)
            self._continuing = literal is not None
            if literal is not None:
                self._skip = int(literal.group(1))


class CountingProxy:
    """A loopback TCP relay to the IMAP port that records each command's name."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.sessions: list[_Session] = []
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self._upstream)
            session = _Session()
            self.sessions.append(session)
            for source, sink, tap in (
                (client, server, session.feed),
                (server, client, None),
            ):
                thread = threading.Thread(
                    target=_pump, args=(source, sink, tap), daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def take(self) -> list[list[str]]:
        """Commands of every session since the last call, once they have ended."""
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        sessions, self.sessions = self.sessions, []
        return [s.commands for s in sessions]

    def close(self) -> None:
        self._listener.close()


def _pump(
    source: socket.socket, sink: socket.socket, tap: Callable[[bytes], None] | None
) -> None:
    try:
        while data := source.recv(65536):
            if tap is not None:
                tap(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class DelayProxy:
    """A loopback TCP relay to `upstream_port` that holds every byte the server
    sends for `delay_s` before passing it on: each time the client waits on
    the server costs one `delay_s`, so (time through it - time direct) / delay_s
    counts the round trips, the greeting's wait included. Commands sent without
    waiting (pipelined, or a LOGOUT whose answer nobody reads) cost nothing."""

    def __init__(self, upstream_port: int, delay_s: float) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._delay_s = delay_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self._upstream)
            threading.Thread(
                target=_pump, args=(client, server, None), daemon=True
            ).start()
            held: queue.Queue[tuple[float, bytes]] = queue.Queue()
            threading.Thread(
                target=self._read, args=(server, held), daemon=True
            ).start()
            threading.Thread(
                target=self._write, args=(client, held), daemon=True
            ).start()

    def _read(
        self, source: socket.socket, held: queue.Queue[tuple[float, bytes]]
    ) -> None:
        try:
            while data := source.recv(65536):
                held.put((time.perf_counter() + self._delay_s, data))
        except OSError:
            pass
        held.put((time.perf_counter() + self._delay_s, b""))

    def _write(
        self, sink: socket.socket, held: queue.Queue[tuple[float, bytes]]
    ) -> None:
        try:
            while True:
                due, data = held.get()
                time.sleep(max(0.0, due - time.perf_counter()))
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)
        sink.close()

    def close(self) -> None:
        self._listener.close()


def round_trips(run: Callable[[int], object], upstream_port: int) -> float:
    """Waits on the server of `run(port)`: its time through a DelayProxy minus
    its time direct, in units of the delay (median of ROUND_TRIP_REPEATS each)."""
    proxy = DelayProxy(upstream_port, ROUND_TRIP_DELAY_S)
    try:
        run(upstream_port)  # warm-up: imports, page cache
        direct, delayed = [], []
        for _ in range(ROUND_TRIP_REPEATS):
            start = time.perf_counter()
            run(upstream_port)
            direct.append(time.perf_counter() - start)
            start = time.perf_counter()
            run(proxy.port)
            delayed.append(time.perf_counter() - start)
    finally:
        proxy.close()
    extra = statistics.median(delayed) - statistics.median(direct)
    return extra / ROUND_TRIP_DELAY_S


# -- running things in fresh interpreters ---------------------------------------


def timed(argv: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, env=environ(), cwd=ROOT, check=False
    )
    return time.perf_counter() - start, done


def checked(argv: Sequence[str]) -> float:
    """Wall time of one run; a failing command is shown, not hidden in a median."""
    seconds, done = timed(argv)
    if done.returncode != 0:
        print(f"  ! exit {done.returncode}: {' '.join(argv[:4])} ...")
        for line in (done.stderr or done.stdout).strip().splitlines()[-5:]:
            print(f"    {line}")
    return seconds


def medians(commands: dict[str, Sequence[str]], repeats: int) -> dict[str, float]:
    """Median wall time of each command; runs interleaved so drift hits all alike."""
    for argv in commands.values():
        checked(argv)  # warm-up: page cache, .pyc files
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            times[name].append(checked(argv))
    return {name: statistics.median(values) for name, values in times.items()}


def mailflow_run(config: Path, now: datetime) -> list[str]:
    return [
        PYTHON,
        "-m",
        "mailflow",
        "run",
        "--config",
        str(config),
        "--now",
        now.isoformat(),
    ]


# -- the table -------------------------------------------------------------------


@dataclass
class Row:
    what: str
    figure: str
    floor: str
    target: str
    met: bool | None = None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def print_table(rows: list[Row]) -> None:
    heads = ("", "mailflow", "floor", "target", "")
    cells = [
        (
            r.what,
            r.figure,
            r.floor,
            r.target,
            {True: "met", False: "MISSED"}.get(r.met, ""),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [heads, *cells]) for i in range(len(heads))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for cell in [heads, *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    print(line)


# -- 1. empty poll -----------------------------------------------------------------


def empty_poll(server: LocalMailServer, tmp: Path, rows: list[Row]) -> Path:
    """Returns the config of the polled practice (for the import check)."""
    from mailflow.config import ImapSettings, load_settings
    from mailflow.shell.cycle import run_once
    from mailflow.shell.mailbox import ImapMailbox

    print("\n1. Empty poll")
    who = Practice("poll@riverside.example", "poll-sam@riverside.example")
    config = write_config(tmp / "poll", server, who)
    # One answered request first, so the store, Sent and the outbox are not blank.
    server.deliver(booking_request("person-0@example.org", who.practice), who.practice)
    seconds, done = timed(mailflow_run(config, NOW))
    print(f"   initial run: exit {done.returncode}, {ms(seconds)}")
    for line in done.stderr.strip().splitlines()[-3:]:
        print(f"     {line}")

    settings = load_settings(config)

    def in_process() -> list[str]:
        """One poll in this process, for the adapter's record of its commands."""
        used: list[ImapMailbox] = []

        def recording(imap: ImapSettings) -> ImapMailbox:
            used.append(ImapMailbox(imap))
            return used[-1]

        report = run_once(settings, POLL_NOW, mailbox=recording)
        mailbox = used[0]
        if report.exit_code:
            print(f"   ! in-process poll: exit {report.exit_code}: {report.summary()}")
        return mailbox.commands

    after_send = in_process()
    steady = in_process()
    print(f"   first poll after a run that sent (adapter): {' '.join(after_send)}")
    print(f"   steady empty poll (adapter record):         {' '.join(steady)}")

    proxy = CountingProxy(server.imap_port)
    try:
        proxied = write_config(tmp / "poll", server, who, imap_port=proxy.port)
        checked(mailflow_run(proxied, POLL_NOW))
        wire = [c for s in proxy.take() for c in s]
        bare_argv = [
            PYTHON,
            "-c",
            BARE_POLL,
            "127.0.0.1",
            str(proxy.port),
            who.practice,
            server.password,
        ]
        checked(bare_argv)
        bare_wire = [c for s in proxy.take() for c in s]
    finally:
        proxy.close()
    print(f"   mailflow on the wire (fresh interpreter):   {' '.join(wire)}")
    print(f"   bare imapclient script on the wire:         {' '.join(bare_wire)}")

    def mailflow_poll(port: int) -> None:
        moved = replace(settings, imap=replace(settings.imap, port=port))
        run_once(moved, POLL_NOW)

    def bare_poll(port: int) -> None:
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
        client.login(who.practice, server.password)
        client.select_folder("INBOX")
        client.search([b"UID", b"1:*"])
        client.logout()

    trips = round_trips(mailflow_poll, server.imap_port)
    bare_trips = round_trips(bare_poll, server.imap_port)
    print(
        f"   waits on the server (each answer held {ms(ROUND_TRIP_DELAY_S)}):"
        f" mailflow {trips:.2f}, bare imapclient {bare_trips:.2f}"
    )
    rows.append(
        Row(
            "empty poll, IMAP round trips (greeting incl.)",
            f"{trips:.1f}",
            f"{bare_trips:.1f}",
            "<= 3",
            round(trips) <= 3,
        )
    )

    bare_argv[4] = str(server.imap_port)
    times = medians(
        {"mailflow": mailflow_run(config, POLL_NOW), "bare": bare_argv}, REPEATS
    )
    rows.append(
        Row(
            "empty poll, IMAP commands (adapter)",
            str(len(steady)),
            "4",
            "<= 4",
            len(steady) <= 4,
        )
    )
    rows.append(
        Row(
            "empty poll, IMAP commands (wire)",
            str(len(wire)),
            str(len(bare_wire)),
            f"<= {len(bare_wire)}",
            len(wire) <= len(bare_wire),
        )
    )
    rows.append(
        Row(
            "first poll after sending (adapter)",
            str(len(after_send)),
            "4",
            "(not targeted)",
        )
    )
    ratio = times["mailflow"] / times["bare"]
    rows.append(
        Row(
            f"empty poll, wall (median of {REPEATS})",
            f"{ms(times['mailflow'])} ({ratio:.1f}x)",
            ms(times["bare"]),
            "<= 2.0x floor",
            ratio <= 2.0,
        )
    )
    return config


# -- 2. CLI start-up -----------------------------------------------------------------


def startup(config: Path, rows: list[Row]) -> None:
    print("\n2. CLI start-up")
    times = medians(
        {"help": [MAILFLOW, "--help"], "pass": [PYTHON, "-c", "pass"]}, REPEATS
    )
    extra = times["help"] - times["pass"]
    rows.append(
        Row(
            f"`mailflow --help`, wall (median of {REPEATS})",
            f"{ms(times['help'])} (+{ms(extra)})",
            ms(times["pass"]),
            "<= floor + 150 ms",
            extra <= 0.150,
        )
    )

    _, done = timed([PYTHON, "-X", "importtime", *mailflow_run(config, POLL_NOW)[1:]])
    imports = _import_times(done.stderr)
    total = sum(own for own, _, _ in imports.values())
    print(
        f"   an empty poll imports {len(imports)} modules ({ms(total / 1e6)} under -X importtime)"
    )
    heavy = [name for name in LAZY if name in imports]
    for name in heavy:
        _, cumulative, chain = imports[name]
        print(f"   {name:<13} {ms(cumulative / 1e6):>7}  via {' <- '.join(chain)}")
    biggest = sorted(
        (n for n in imports if "." not in n), key=lambda n: -imports[n][1]
    )[:6]
    print(
        "   largest top-level imports: "
        + ", ".join(f"{n} {ms(imports[n][1] / 1e6)}" for n in biggest)
    )
    cost = sum(imports[name][1] for name in heavy) / 1e6
    rows.append(
        Row(
            "empty poll imports " + "/".join(LAZY[:3]),
            ", ".join(n for n in heavy if n in LAZY[:3]) or "none",
            "none",
            "none",
            not any(n in LAZY[:3] for n in heavy),
        )
    )
    rows.append(
        Row(
            "  import time of " + (", ".join(heavy) or "them"),
            ms(cost),
            "0 ms",
            "0 ms",
            not heavy,
        )
    )


def _import_times(stderr: str) -> dict[str, tuple[int, int, list[str]]]:
    """`-X importtime` as name -> (self us, cumulative us, chain of importers)."""
    entries: list[tuple[int, str, int, int]] = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", line)
        if match:
            own, cumulative, indent, name = match.groups()
            entries.append((len(indent), name, int(own), int(cumulative)))
    result: dict[str, tuple[int, int, list[str]]] = {}
    for i, (depth, name, own, cumulative) in enumerate(entries):
        chain, level = [], depth
        for later_depth, later_name, _, _ in entries[i + 1 :]:
            if later_depth < level:  # printed after its children: the importer
                chain.append(later_name)
                level = later_depth
        result.setdefault(name, (own, cumulative, chain[:4]))
    return result


# -- 3. throughput -----------------------------------------------------------------


def throughput(server: LocalMailServer, tmp: Path, rows: list[Row]) -> None:
    print(f"\n3. Throughput: {REQUESTS} booking requests in one run")
    who = Practice("busy@riverside.example", "busy-sam@riverside.example")
    config = write_config(tmp / "busy", server, who)
    start = time.perf_counter()
    for n in range(1, REQUESTS + 1):
        sender = f"person-{n}@example.org"
        server.deliver(booking_request(sender, who.practice), who.practice)
    print(f"   delivered {REQUESTS} over LMTP in {ms(time.perf_counter() - start)}")

    before = len(server.smtp_log)
    seconds, done = timed(mailflow_run(config, NOW))
    out = server.smtp_log[before:]
    kinds = Counter(
        "therapist" if who.therapist in r.rcpt_tos else "person" for r in out
    )
    people = {a for r in out for a in r.rcpt_tos if a.startswith("person-")}
    copies = folder_size(server, who.practice, "Sent")
    print(f"   mailflow run: exit {done.returncode}, {seconds:.2f} s")
    for line in done.stderr.strip().splitlines()[-3:]:
        print(f"     {line}")
    print(
        f"   went out over SMTP: {len(out)} ({kinds['person']} to people, "
        f"{len(people)} distinct; {kinds['therapist']} to the therapist); "
        f"{copies} copies in Sent"
    )

    floor_who = Practice("floor@riverside.example", "floor-sam@riverside.example")
    replies = tmp / "replies.pickle"
    floor_argv = [
        PYTHON,
        "-c",
        BARE_SEND,
        "127.0.0.1",
        str(server.smtp_port),
        str(server.imap_port),
        floor_who.practice,
        server.password,
        str(replies),
    ]
    floor_times = []
    for attempt in range(FLOOR_REPEATS):
        # The same bytes, each to a fresh address: the first delivery to a
        # mailbox creates it in Dovecot (about as dear again), which mailflow's
        # sends paid and a floor resent to the same people would not.
        with replies.open("wb") as file:
            pickle.dump(
                [
                    (
                        r.mail_from,
                        tuple(f"floor{attempt}-{a}" for a in r.rcpt_tos),
                        r.data,
                    )
                    for r in out
                ],
                file,
            )
        floor_seconds, floor_done = timed(floor_argv)
        if floor_done.returncode != 0:
            print(f"   ! floor failed: {floor_done.stderr.strip().splitlines()[-1:]}")
        floor_times.append(floor_seconds)
    floor_seconds = min(floor_times)
    print(
        f"   floor (smtplib send + IMAP MULTIAPPEND, 50 a command, of the same {len(out)} replies to "
        f"fresh mailboxes, fresh interpreter): {', '.join(f'{t:.2f} s' for t in floor_times)}; "
        f"best of {FLOOR_REPEATS} used"
    )

    per = seconds / REQUESTS
    floor_per = floor_seconds / max(len(out), 1)
    ratio = per / floor_per
    rows.append(
        Row(
            f"{REQUESTS} requests, wall per request",
            f"{per * 1000:.1f} ms ({ratio:.1f}x)",
            f"{floor_per * 1000:.1f} ms",
            "<= 3.0x floor",
            ratio <= 3.0,
        )
    )
    rows.append(
        Row(
            f"{REQUESTS} requests, replies sent",
            str(len(out)),
            str(REQUESTS),
            f"{REQUESTS} offers",
            kinds["person"] == REQUESTS and len(people) == REQUESTS,
        )
    )
    command_profile(server, tmp, rows)


def command_profile(server: LocalMailServer, tmp: Path, rows: list[Row]) -> None:
    """The IMAP commands per request, counted through the proxy on a small run."""
    who = Practice("profile@riverside.example", "profile-sam@riverside.example")
    for n in range(1, PROFILE_REQUESTS + 1):
        sender = f"profile-person-{n}@example.org"
        server.deliver(booking_request(sender, who.practice), who.practice)
    proxy = CountingProxy(server.imap_port)
    try:
        config = write_config(tmp / "profile", server, who, imap_port=proxy.port)
        checked(mailflow_run(config, NOW))
        counts = Counter(c for s in proxy.take() for c in s)
    finally:
        proxy.close()
    shown = ", ".join(f"{name} {n}" for name, n in counts.most_common())
    print(f"   IMAP commands for {PROFILE_REQUESTS} requests (wire): {shown}")
    per = sum(counts.values()) / PROFILE_REQUESTS
    rows.append(
        Row(
            "IMAP commands per request (wire)",
            f"{per:.2f}",
            "1.00",
            "(APPEND only)",
        )
    )


# -- main ------------------------------------------------------------------------


def dovecot_version() -> str:
    for candidate in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            done = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, check=False
            )
            return done.stdout.strip() or "unknown"
    return "not found"


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows under `make`
    started = time.perf_counter()
    print("mailflow bench: figures beside measured floors (nothing is asserted)")
    print(f"  date     {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"  python   {platform.python_version()} ({PYTHON})")
    print(f"  dovecot  {dovecot_version()}")
    print(
        f"  machine  {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"
    )
    print(f"  load     {_load()} (1/5/15 min; a busy machine inflates every figure)")
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="mailflow-bench-") as name,
        LocalMailServer() as server,
    ):
        tmp = Path(name)
        config = empty_poll(server, tmp, rows)
        startup(config, rows)
        throughput(server, tmp, rows)
        history_section(server, tmp, rows)  # type: ignore[arg-type]
        watch_section(server, tmp, rows)
        rows.extend(Row(*row) for row in first_run_section(server, tmp / "first"))
    print()
    print_table(rows)
    print(f"total bench time {time.perf_counter() - started:.0f} s, load now {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
