"""Busy calendar cost per run (#11): a 5 MiB feed unchanged and changed, beside
floors measured in the same run (reading the file's bytes; a bare GET of the
same bytes from a local http.server). Prints; asserts nothing.

    .venv/bin/python bench/busy.py
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mailflow.shell import busy
from mailflow.shell.store import Store

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
ZONE = "Europe/London"
TARGET = 5 * 1024 * 1024 - 64 * 1024


def feed(seed: int = 7) -> bytes:
    """Years of a busy practice, as Google exports them: one-off events from
    2019 to 2027, one in twenty a weekly series, with alarms and long notes."""
    rng = random.Random(seed)
    parts = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "X-WR-TIMEZONE:Europe/London",
    ]
    size = 0
    n = 0
    while size < TARGET:
        n += 1
        start = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(
            days=rng.randrange(9 * 365), hours=rng.randrange(8, 18)
        )
        lines = [
            "BEGIN:VEVENT",
            f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/London:{start + timedelta(minutes=50):%Y%m%dT%H%M%S}",
            "DTSTAMP:20261101T000000Z",
            f"UID:{n:08d}-{seed}@google.com",
            f"SUMMARY:Session {n}",
            "DESCRIPTION:" + "Notes about the room and the parking. " * 8,
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
        ]
        if n % 20 == 0:
            lines.append(f"RRULE:FREQ=WEEKLY;COUNT={rng.randrange(5, 60)}")
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT10M",
            "DESCRIPTION:Reminder",
            "END:VALARM",
            "END:VEVENT",
        ]
        text = "\r\n".join(lines)
        size += len(text) + 2
        parts.append(text)
    parts.append("END:VCALENDAR")
    return ("\r\n".join(parts) + "\r\n").encode()


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


class _Feed(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    data = feed()
    horizon = {"start_at": NOW - timedelta(days=1), "end_at": NOW + timedelta(days=16)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "work.ics"
        path.write_bytes(data)
        _Feed.body = data
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/private/basic.ics"

        def fresh_store() -> Store:
            return Store.open(Path(tempfile.mkdtemp(dir=tmp)) / "db.sqlite3")

        def load(source: str, store: Store) -> object:
            return busy.load_feeds([source], zone_name=ZONE, store=store, **horizon)

        floor_file = best(path.read_bytes)
        floor_get = best(lambda: urllib.request.urlopen(url).read())
        changed_file = best(lambda: load(str(path), fresh_store()), runs=3)
        changed_url = best(lambda: load(url, fresh_store()), runs=3)
        store = fresh_store()
        load(str(path), store)
        load(url, store)
        unchanged_file = best(lambda: load(str(path), store), runs=20)
        unchanged_url = best(lambda: load(url, store), runs=20)
        before = time.perf_counter()
        busy.read_calendar(data, zone_name=ZONE, **horizon)
        parse_only = time.perf_counter() - before
        server.shutdown()
    mib = len(data) / 1024 / 1024
    print(f"busy calendar, {mib:.1f} MiB feed (best of several runs)")
    print(f"  floor: read the file's bytes            {floor_file * 1000:8.1f} ms")
    print(f"  floor: bare GET, local http.server      {floor_get * 1000:8.1f} ms")
    print(f"  unchanged file (mtime+size, cached)     {unchanged_file * 1000:8.1f} ms")
    print(f"  unchanged feed (304, cached)            {unchanged_url * 1000:8.1f} ms")
    print(f"  changed file (read, parse, store)       {changed_file * 1000:8.1f} ms")
    print(f"  changed feed (GET, parse, store)        {changed_url * 1000:8.1f} ms")
    print(f"  of which parsing alone                  {parse_only * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
