# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""mailflow's own CPU per request of a backlog, in process on the fakes (#13).

Section 4's backlog (`history.py`) is timed on the real server beside its
floor, where the servers' share swings with the machine's load. This times
the same backlog of requests in one `run_once` on `mailflow.shell.fakes`
(no wire: the fakes' own work is counted too), by process CPU time, on a new
database and on a grown one, so a change to mailflow's own work shows.

`python bench/backlog_cpu.py [--history grown.sqlite3] [--requests N]`
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import history  # section 4, beside this file (a script's folder is on sys.path)

from mailflow.config import load_settings
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice

PRACTICE = "cpu@riverside.example"
THERAPIST = "cpu-sam@riverside.example"


def backlog_cpu(requests: int, runs: int, grown: Path | None) -> list[float]:
    """CPU seconds per request of each backlog run after a first empty one."""
    with tempfile.TemporaryDirectory(dir=history._fast()) as name:
        home = Path(name)
        database = home / "var" / "mailflow.sqlite3"
        database.parent.mkdir(parents=True)
        now = datetime(2026, 12, 2, 10, tzinfo=UTC)
        if grown is not None:
            shutil.copy(grown, database)
            db = sqlite3.connect(database)
            (last,) = db.execute("SELECT MAX(updated_at) FROM enquiries").fetchone()
            db.close()
            now = datetime.fromisoformat(str(last)) + timedelta(minutes=1)
        config = home / "mailflow.toml"
        config.write_text(
            history.config_text(PRACTICE, THERAPIST, database, 1, 1), encoding="utf-8"
        )
        settings = load_settings(config)
        clock = [now]
        office = MemoryPostOffice(clock=lambda: clock[0])
        # Not the UIDVALIDITY the grown database remembers for its own INBOX.
        office._uidvalidities = itertools.count(100)
        run_once(
            settings,
            now.astimezone(history.LONDON),
            wall_now=now,
            mailbox=office.mailbox,
            sender=office.sender,
        )
        spent = []
        for n in range(runs):
            at = now + timedelta(hours=2 + n)
            clock[0] = at
            for i in range(requests):
                person = n * requests + i + 1
                office.deliver(
                    history.request(
                        f"p{person}@example.org",
                        PRACTICE,
                        person,
                        at.astimezone(history.LONDON),
                    ),
                    PRACTICE,
                )
            before = len(office.smtp_log)
            start = time.process_time()
            run_once(
                settings,
                at.astimezone(history.LONDON),
                wall_now=at,
                mailbox=office.mailbox,
                sender=office.sender,
            )
            spent.append((time.process_time() - start) / requests)
            if len(office.smtp_log) - before != requests:
                print(f"  ! run {n}: {len(office.smtp_log) - before} sent")
        return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, help="a database grown before")
    parser.add_argument("--requests", type=int, default=history.BACKLOG)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for label, grown in (("new database", None), ("grown database", args.history)):
        if label == "grown database" and grown is None:
            continue
        spent = backlog_cpu(args.requests, args.runs, grown)
        figures = " / ".join(f"{s * 1000:.1f}" for s in spent)
        print(
            f"backlog of {args.requests}, {label}: CPU {figures} ms per request"
            f" (median {statistics.median(spent) * 1000:.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
