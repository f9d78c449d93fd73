# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make bench`, section 5: how fast `mailflow watch` answers (#13).

On the local Dovecot + SMTP server, a running `mailflow watch` and a bare IDLE
responder (imapclient + smtplib in a fresh interpreter: one IDLE session and
one SMTP session kept open; on EXISTS it ends the IDLE, fetches the new
mail's From, sends a reply of the same bytes as mailflow's offer, APPENDs it
to Sent and waits in IDLE again) each answer the same requests, one at a time,
alternately. Delivery-to-reply is from just before the LMTP delivery to the
SMTP server's acceptance of the reply; the median is reported. The logins each
made on IMAP (Dovecot's log) and SMTP are counted.

`python bench/watch.py` runs this section alone.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from history import environ  # bench/history.py, beside this script

from mailflow.cli.devserver import LocalMailServer

PYTHON = sys.executable
ANSWERS = 10
"""Requests each responder answers (after one warm-up each)."""
TIMEOUT_S = 30.0

BARE_RESPONDER = """
import smtplib, sys
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from imapclient import IMAPClient

host, imap_port, smtp_port, user, password, reply_path = sys.argv[1:7]
reply = open(reply_path, "rb").read()
smtp = smtplib.SMTP(host, int(smtp_port), timeout=10)
smtp.login(user, password)
imap = IMAPClient(host, port=int(imap_port), ssl=False, timeout=10)
imap.login(user, password)
uidnext = imap.select_folder("INBOX")[b"UIDNEXT"]
imap.idle()
print("ready", flush=True)
while True:
    if not any(r[1:2] == (b"EXISTS",) for r in imap.idle_check(timeout=60)):
        continue
    imap.idle_done()
    uids = [u for u in imap.search([b"UID", f"{uidnext}:*".encode()]) if u >= uidnext]
    fields = b"BODY[HEADER.FIELDS (FROM)]"
    for uid, data in imap.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (FROM)]"]).items():
        sender = parseaddr(str(BytesHeaderParser().parsebytes(data[fields])["From"]))[1]
        smtp.sendmail(user, [sender], reply)
        imap.append("Sent", reply, flags=[b"\\\\Seen"], msg_time=datetime.now(timezone.utc))
        uidnext = max(uidnext, uid + 1)
    imap.idle()
"""


@dataclass
class Row:
    what: str
    figure: str
    floor: str
    target: str
    met: bool | None = None


class _TimedLog(list[Any]):
    """The SMTP server's log, with the moment each message was accepted."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.changed = threading.Condition()
        self.times: list[float] = [0.0] * len(items)

    def append(self, item: Any) -> None:
        with self.changed:
            super().append(item)
            self.times.append(time.perf_counter())
            self.changed.notify_all()

    def reply_to(self, address: str, after: int) -> float | None:
        """When the first message to `address` from index `after` on came."""
        deadline = time.monotonic() + TIMEOUT_S
        with self.changed:
            while True:
                for n in range(after, len(self)):
                    if address in self[n].rcpt_tos:
                        return self.times[n]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)


def request(sender: str, to: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Free consultation call"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="sender.example")
    message.set_content(
        "Hello, I'd like to book the free 15 minute consultation call please.\n"
    )
    return message.as_bytes()


def config(directory: Path, server: LocalMailServer, practice: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "mailflow.toml"
    path.write_text(
        textwrap.dedent(f"""\
            [practice]
            name = "Riverside Counselling"
            email = "{practice}"
            therapist_name = "Sam Rivera"
            therapist_email = "sam-{practice}"
            timezone = "Europe/London"
            country = "GB"

            [imap]
            host = "127.0.0.1"
            port = {server.imap_port}
            security = "plain"
            username = "{practice}"
            password = "{server.password}"
            timeout_s = 10

            [smtp]
            host = "127.0.0.1"
            port = {server.smtp_port}
            security = "plain"
            username = "{practice}"
            password = "{server.password}"
            timeout_s = 10

            [storage]
            database = "{directory / "var" / "mailflow.sqlite3"}"
            """),
        encoding="utf-8",
    )
    return path


def imap_logins(server: LocalMailServer, user: str) -> int:
    return len(re.findall(rf"Login: user=<{re.escape(user)}>", server.dovecot_log()))


def answer_one(
    server: LocalMailServer, log: _TimedLog, practice: str, person: str
) -> float | None:
    before = len(log)
    start = time.perf_counter()
    server.deliver(request(person, practice), practice)
    replied = log.reply_to(person, before)
    return None if replied is None else replied - start


def watch_section(server: LocalMailServer, tmp: Path, rows: list[Any]) -> None:
    print(f"\n5. watch: delivery to reply, {ANSWERS} requests one at a time")
    log = _TimedLog(list(server.smtp_log))
    server.smtp_log = log
    ours, bare = "watch@riverside.example", "idle@riverside.example"
    mailflow = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "mailflow",
            "watch",
            "--config",
            str(config(tmp / "watch", server, ours)),
            "--interval",
            "300",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environ(),
        cwd=tempfile.gettempdir(),
    )
    responder: subprocess.Popen[str] | None = None
    try:
        if not _waited(lambda: imap_logins(server, ours) > 0):
            print("   ! mailflow watch did not log in")
            return
        # Warm-up: the first answer loads the letters' code (jinja2, ...).
        warm = answer_one(server, log, ours, "warm-0@example.org")
        if warm is None:
            print("   ! mailflow watch did not answer")
            return
        print(
            f"   mailflow's first answer (imports, first SMTP login): {warm * 1000:.0f} ms"
        )
        reply = next(
            r.data for r in reversed(log) if "warm-0@example.org" in r.rcpt_tos
        )
        reply_path = tmp / "reply.eml"
        reply_path.write_bytes(reply)
        responder = subprocess.Popen(
            [
                PYTHON,
                "-c",
                BARE_RESPONDER,
                "127.0.0.1",
                str(server.imap_port),
                str(server.smtp_port),
                bare,
                server.password,
                str(reply_path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ(),
        )
        assert responder.stdout is not None
        responder.stdout.readline()  # "ready": in IDLE
        answer_one(server, log, bare, "warm-1@example.org")
        times: dict[str, list[float]] = {"mailflow": [], "bare": []}
        for n in range(ANSWERS):
            for name, practice in (("mailflow", ours), ("bare", bare)):
                took = answer_one(server, log, practice, f"{name}-{n}@example.org")
                if took is None:
                    print(f"   ! {name}: no reply within {TIMEOUT_S:.0f} s")
                    return
                times[name].append(took)
        logins = imap_logins(server, ours)
        smtp_logins = (
            server.smtp_logins.count(ours) if hasattr(server, "smtp_logins") else -1
        )
    finally:
        for process in (mailflow, responder):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        err = mailflow.stderr.read().decode() if mailflow.stderr else ""
        if "Traceback" in err:
            print("   ! mailflow watch: " + err.strip().splitlines()[-1])
    ours_s = statistics.median(times["mailflow"])
    bare_s = statistics.median(times["bare"])
    ratio = ours_s / bare_s
    print(
        "   mailflow: "
        + " ".join(f"{t * 1000:.0f}" for t in times["mailflow"])
        + " ms\n   bare:     "
        + " ".join(f"{t * 1000:.0f}" for t in times["bare"])
        + " ms"
    )
    print(
        f"   logins over {ANSWERS + 1} wakes (and the start): IMAP {logins}, SMTP {smtp_logins}"
    )
    rows.append(
        Row(
            f"watch: delivery to reply (median of {ANSWERS})",
            f"{ours_s * 1000:.0f} ms ({ratio:.2f}x)",
            f"bare IDLE responder {bare_s * 1000:.0f} ms",
            "<= 1.1x floor",
            ratio <= 1.1,
        )
    )
    rows.append(
        Row(
            f"watch: logins over {ANSWERS + 1} wakes",
            f"IMAP {logins}, SMTP {smtp_logins}",
            "IMAP 1, SMTP 1",
            "<= 1 IMAP per wake",
            logins <= 1 and smtp_logins <= 1,
        )
    )


def _waited(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"  load     {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="mailflow-watch-") as name,
        LocalMailServer() as server,
    ):
        watch_section(server, Path(name), rows)
    for row in rows:
        met = {True: "met", False: "MISSED"}.get(row.met, "")
        print(
            f"  {row.what}: {row.figure}; floor {row.floor}; target {row.target} {met}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
