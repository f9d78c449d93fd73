# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make bench`, section 4: what years of history cost (#13).

A practice's database is grown to 5,000 enquiries by driving the product
(`run_once` on the in-memory fakes, `mailflow.shell.fakes`): requests arrive
over simulated months up to the last run, a few at risk or not placeable;
people pick times, say none fit, move or cancel, the therapist approves or
declines and answers "not sure" notes, reminders, follow-ups, nudges and
expiries fall due. Rows are never written by hand. So the database measured
holds enquiries in every state, open work beside years of ended ones (a state
missing is printed, `! missing states:`). Then, on the local Dovecot + SMTP
server and beside floors measured in the same run:

- an empty `mailflow run` (fresh interpreter; the quiet poll, `mailflow.shell.quiet`)
  beside the bare imapclient poll, and the empty whole run for scale;
- one request answered, at 5,000 enquiries and on a new database;
- `mailflow status` beside a bare sqlite open + SELECT in a fresh interpreter;
- a backlog of requests in one run, per request, on a new database and at
  5,000 enquiries, beside smtplib send + IMAP MULTIAPPEND (50 a command) of
  replies of the same kind, before and after each repeat's runs;
- the purge of ~4,000 ended enquiries (on a copy) beside the bare DELETE of
  the same enquiry rows, and the file's size per enquiry after it beside the
  same data compacted by VACUUM INTO.

`python bench/history.py [--enquiries N]` runs this section alone;
`--grow-only` grows the database and prints its states, without the server.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from mailflow.cli.devserver import LocalMailServer
from mailflow.shell.outbox import COPY_BATCH

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
LONDON = ZoneInfo("Europe/London")
ENQUIRIES = 5000
"""Enquiries of simulated practice life in the history database."""
PURGED = 0.8
"""About this share of the history is purged: the oldest ended enquiries."""
BACKLOG = 200
"""Requests in the backlog run (new database and at 5,000 enquiries)."""
BACKLOG_REPEATS = 5
"""Backlog runs of each, the order of new and history swapped every repeat
(what runs second meets the server still filing the first's mail), a floor
on both sides of the two: the median is reported."""
REPEATS = 10
"""Fresh-interpreter runs per timed command (the median is reported)."""
ONE_REQUEST_REPEATS = 5
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=LONDON)
"""A Monday: the practice's first request."""
TICK = timedelta(hours=4)
"""Simulated time between two runs while the history grows."""
PER_DAY = 33
"""Requests a day while the history grows (5,000 over 150 days), up to the last
run: no quiet tail after them, which would let every enquiry end (offers
expire, calls happen, follow-ups close) and leave no open work to measure."""
CRISIS_SHARE = 0.015
"""First mails at clear risk (escalated: the therapist's alone)..."""
ASK_SHARE = 0.02
"""...and first mails mailflow cannot place (the therapist is asked)."""

SETTINGS = """
[availability]
slot_minutes = 15
buffer_minutes = 10
min_notice_hours = 24
horizon_days = 14
offer_count = 5
max_calls_per_day = 24
blocked_dates = []
[availability.hours]
mon = ["08:00-20:00"]
tue = ["08:00-20:00"]
wed = ["08:00-20:00"]
thu = ["08:00-20:00"]
fri = ["08:00-20:00"]
sat = ["09:00-13:00"]

[workflow]
approval = "therapist"

[storage]
database = "{database}"
retention_days = 3650

# The caps are not what this section measures.
[limits]
per_address_per_day = 1000
per_run = 10000
per_hour = 10000
"""

PICKS = ("Number {n} please, thank you!", "{n}", "Option {n} would be perfect.")
NONE_FIT = "None of these work for me, sorry. Do you have anything else?"
CANCEL = "I'm so sorry, I need to cancel."
MOVE = "Something has come up, can we rearrange the call please?"
FOLLOWUP_ANSWERS = (
    "Yes, I'd love to start",
    "No, thank you. I've decided it's not for me.",
    "Not just now, thank you. Maybe after Christmas.",
)
APPROVE = "Yes, lovely."
DECLINE = "No, sorry, I'm at a training that morning."
OFFER_IT = "Offer, please."
LEAVE_IT = "No, leave this one with me, I'll reply myself."
PREFERENCES = ("", " Mornings suit me best.", " Afternoons are easier for me.")
CRISIS = (
    (
        "Free consultation call",
        "Hello, I've been thinking about killing myself most nights lately and I"
        " don't know who else to tell. Could we have the free call?",
    ),
    (
        "counselling",
        "I don't see the point in anything any more and I've been looking up"
        " ways to end it. I saw you offer a free call, can I have one soon please?",
    ),
    (
        "help",
        "Honestly everyone would be better off without me. I think about it every"
        " night on the drive home. Could I book the consultation call?",
    ),
)
"""First mails `classify` reads as clear risk: escalated at once."""
UNSURE = (
    ("Call me", "Please call me on 07700 900{n:03d} when you get a moment."),
    ("", "Hello, is this still the right address for Sam Rivera? Thanks"),
    (
        "My daughter",
        "Hello, could you ring my daughter? She's 24 and she's been having a"
        " terrible time since her marriage ended. She doesn't know I'm writing."
        " I can give you her number.",
    ),
)
"""First mails `classify` cannot place: the therapist is asked (`asked`)."""

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

BARE_POLL_COMMAND = BARE_POLL.replace(
    "host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
    "import shlex, subprocess\n"
    "host, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
    "done = subprocess.run(shlex.split(sys.argv[4]), capture_output=True, text=True)\n"
    "password = done.stdout.splitlines()[0]",
)
"""The bare poll of a practice whose password comes from `password_command`:
the same command run first, as any client of that practice must."""
assert BARE_POLL_COMMAND != BARE_POLL, "BARE_POLL's login line changed"

BARE_POLL_MICROSOFT = BARE_POLL.replace(
    "host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
    "import json\n"
    "host, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
    "with open(sys.argv[4]) as file:\n"
    "    cache = json.load(file)\n"
    "(token,) = [t['secret'] for t in cache['AccessToken'].values()]",
).replace(
    "client.login(user, password)",
    "import socket\n"
    "client._imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
    "client.oauth2_login(user, token)",
)
"""The bare poll of a practice signed in to Microsoft 365: the access token
read from the token file msal keeps, then XOAUTH2, as any client of that
practice with a fresh token must (no msal loaded, Microsoft not asked). With
TCP_NODELAY, as mailflow's sessions: imaplib's AUTHENTICATE otherwise waits
~45 ms for a delayed ACK (`imap_wire._NoDelay`), which would flatter the ratio."""
assert BARE_POLL_MICROSOFT.count("oauth2_login") == 1, "BARE_POLL's login changed"
assert "json.load" in BARE_POLL_MICROSOFT, "BARE_POLL's argument line changed"


def microsoft_cache(user: str, token: str, now: datetime) -> str:
    """The token file msal writes after `mailflow auth` (its unified cache
    format: tests/test_security.py reads one real msal wrote), holding an
    access token for the next hour."""
    home = "oid.tid"
    scopes = "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
    issued = int(now.timestamp())
    host = "login.microsoftonline.com"
    return json.dumps(
        {
            "AccessToken": {
                f"{home}-{host}-accesstoken-bench-organizations-{scopes.lower()}": {
                    "credential_type": "AccessToken",
                    "secret": token,
                    "home_account_id": home,
                    "environment": host,
                    "client_id": "bench",
                    "target": scopes,
                    "realm": "organizations",
                    "token_type": "Bearer",
                    "cached_at": str(issued),
                    "expires_on": str(issued + 3600),
                    "extended_expires_on": str(issued + 3600),
                }
            },
            "Account": {
                f"{home}-{host}-organizations": {
                    "home_account_id": home,
                    "environment": host,
                    "realm": "organizations",
                    "local_account_id": "oid",
                    "username": user,
                    "authority_type": "MSSTS",
                }
            },
        }
    )


BARE_STATUS = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT state, COUNT(*) FROM enquiries GROUP BY state").fetchall())
db.close()
"""

BARE_SEND = """
import pickle, smtplib, sys
from datetime import datetime, timezone
from imapclient import IMAPClient

host, smtp_port, imap_port, user, password, path = sys.argv[1:7]
with open(path, "rb") as file:
    replies = pickle.load(file)
smtp = smtplib.SMTP(host, int(smtp_port), timeout=10)
smtp.login(user, password)
imap = IMAPClient(host, port=int(imap_port), ssl=False, timeout=10)
imap.login(user, password)
when = datetime.now(timezone.utc)
batch = []
for sender, recipients, raw in replies:
    smtp.sendmail(sender, list(recipients), raw)
    batch.append({"msg": raw, "flags": [b"\\\\Seen"], "date": when})
    if len(batch) == COPY_BATCH:
        imap.multiappend("Sent", batch)
        batch = []
if batch:
    imap.multiappend("Sent", batch)
smtp.quit()
imap.logout()
""".replace("COPY_BATCH", str(COPY_BATCH))
"""smtplib send + IMAP APPEND of the same replies: filed in Sent as mailflow
files them, one MULTIAPPEND per `COPY_BATCH` (`mailflow.shell.outbox`), so the
floor does the same work on the wire and the ratio is mailflow's own."""


# -- growing the history on the fakes -------------------------------------------------


def config_text(
    practice: str, therapist: str, database: Path, imap_port: int, smtp_port: int
) -> str:
    return textwrap.dedent(f"""\
            [practice]
            name = "Riverside Counselling"
            email = "{practice}"
            therapist_name = "Sam Rivera"
            therapist_email = "{therapist}"
            timezone = "Europe/London"
            country = "GB"

            [imap]
            host = "127.0.0.1"
            port = {imap_port}
            security = "plain"
            username = "{practice}"
            password = "secret"
            timeout_s = 10

            [smtp]
            host = "127.0.0.1"
            port = {smtp_port}
            security = "plain"
            username = "{practice}"
            password = "secret"
            timeout_s = 10
            """) + SETTINGS.format(database=database)


def request(
    sender: str,
    to: str,
    n: int,
    at: datetime,
    *,
    words: tuple[str, str] | None = None,
) -> bytes:
    """A plain request for the call, or the first mail of `words` (subject, text)."""
    message = EmailMessage()
    message["From"] = f"Person {n} <{sender}>"
    message["To"] = to
    message["Subject"] = "Free consultation call" if words is None else words[0]
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="sender.example")
    if words is None:
        message.set_content(
            "Hello, I'd like to book the free 15 minute consultation call please."
            f"{PREFERENCES[n % len(PREFERENCES)]}"
            f" My number is 07700 900{n % 1000:03d}.\n"
        )
    else:
        message.set_content(words[1].format(n=n % 1000) + "\n")
    return message.as_bytes()


def answer(original: EmailMessage, sender: str, body: str, at: datetime) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = str(original["From"])
    message["Subject"] = "Re: " + str(original["Subject"]).removeprefix("Re: ")
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="client.example")
    message["In-Reply-To"] = str(original["Message-ID"])
    message["References"] = " ".join(
        filter(None, [original.get("References"), original["Message-ID"]])
    )
    message.set_content(body + "\n")
    return message.as_bytes()


@dataclass
class Grown:
    database: Path
    seconds: float
    runs: int
    mails_in: int
    letters_out: int
    states: Counter[str] = field(default_factory=Counter)
    ended_at: datetime = T0


def grow_history(home: Path, enquiries: int, seed: int = 13) -> Grown:
    """A practice's life on the fakes until `enquiries` requests were answered."""
    from mailflow.config import load_settings
    from mailflow.shell.cycle import run_once
    from mailflow.shell.fakes import MemoryPostOffice

    practice, therapist = "hello@riverside.example", "sam@riverside.example"
    rng = random.Random(seed)
    clock = [T0.astimezone(UTC)]
    office = MemoryPostOffice(clock=lambda: clock[0])
    database = home / "var" / "mailflow.sqlite3"
    config = home / "mailflow.toml"
    home.mkdir(parents=True, exist_ok=True)
    config.write_text(
        config_text(practice, therapist, database, 1, 1), encoding="utf-8"
    )
    settings = load_settings(config)
    headers = BytesHeaderParser(policy=default_policy)
    whole = BytesParser(policy=default_policy)
    ticks = int(timedelta(days=max(30, enquiries / PER_DAY)) / TICK)
    requested = sent_seen = runs = mails = 0
    started = time.perf_counter()
    for tick in range(ticks):
        at = clock[0]
        local = at.astimezone(LONDON)
        # Who answers what arrived since the last run (in their own time).
        for record in office.smtp_log[sent_seen:]:
            letter = headers.parsebytes(record.data)
            kind = str(letter.get("X-Mailflow", ""))
            words = None
            roll = rng.random()
            if therapist in record.rcpt_tos:
                if kind in ("approval_request", "approval_again", "move_request"):
                    words = APPROVE if roll < 0.85 else DECLINE if roll < 0.95 else None
                elif kind == "unsure_note":
                    # Some never answered: those stay asked.
                    words = OFFER_IT if roll < 0.5 else LEAVE_IT if roll < 0.7 else None
                sender = f"Sam Rivera <{therapist}>"
            else:
                if kind in ("offer", "offer_again"):
                    body = whole.parsebytes(record.data)
                    part = body.get_body(preferencelist=("plain",))
                    text = part.get_content() if part is not None else ""
                    count = len(re.findall(r"^  \d\. ", text, re.M))
                    if count and roll < 0.6:
                        n = rng.randint(1, count)
                        words = rng.choice(PICKS).format(n=n)
                    elif roll < 0.65:
                        words = NONE_FIT
                elif kind in ("confirmation", "reminder"):
                    words = CANCEL if roll < 0.04 else MOVE if roll < 0.1 else None
                elif kind in ("followup", "followup_nudge"):
                    words = rng.choice(FOLLOWUP_ANSWERS) if roll < 0.6 else None
                sender = record.rcpt_tos[0]
            if words is not None:
                office.deliver(answer(letter, sender, words, local), practice)
                mails += 1
        sent_seen = len(office.smtp_log)
        # New requests, spread evenly over the days up to the last run; a few
        # at risk, a few mailflow cannot place.
        due = min(enquiries, round(enquiries * (tick + 1) / ticks))
        while requested < due:
            requested += 1
            person = f"person-{requested}@example.org"
            roll = rng.random()
            first = (
                rng.choice(CRISIS)
                if roll < CRISIS_SHARE
                else rng.choice(UNSURE)
                if roll < CRISIS_SHARE + ASK_SHARE
                else None
            )
            office.deliver(
                request(person, practice, requested, local, words=first), practice
            )
            mails += 1
        report = run_once(
            settings,
            local,
            wall_now=at,
            mailbox=office.mailbox,
            sender=office.sender,
        )
        runs += 1
        if report.failed or report.exit_code:
            print(f"   ! run at {local:%Y-%m-%d %H:%M}: {report.summary()}")
        if tick % 90 == 0:
            print(
                f"   day {tick * TICK / timedelta(days=1):5.0f}: {requested} requests,"
                f" {len(office.smtp_log)} letters, {time.perf_counter() - started:.0f} s"
            )
        clock[0] = at + TICK
    grown = Grown(
        database=database,
        seconds=time.perf_counter() - started,
        runs=runs,
        mails_in=mails,
        letters_out=len(office.smtp_log),
        ended_at=clock[0],
    )
    db = sqlite3.connect(database)
    grown.states.update(
        dict(db.execute("SELECT state, COUNT(*) FROM enquiries GROUP BY state"))
    )
    db.close()
    return grown


# -- timing helpers (as in poll.py) -----------------------------------------------------


def environ() -> dict[str, str]:
    """Our environment minus MAILFLOW_*, so a developer's shell changes nothing,
    and minus PYTHONDONTWRITEBYTECODE: the warm-up run writes .pyc files, as an
    installed mailflow has them (else every run compiles mailflow from source).
    The benches beside this one use it too."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MAILFLOW_") and k != "PYTHONDONTWRITEBYTECODE"
    }


def timed(argv: list[str], extra: dict[str, str] | None = None) -> float:
    """Wall seconds of one command, in `environ()` with `extra` over it."""
    import subprocess

    start = time.perf_counter()
    # Not from the checkout: `python -m` would put its mailflow before PYTHONPATH's.
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=environ() | (extra or {}),
        cwd=tempfile.gettempdir(),
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"  ! exit {done.returncode}: {' '.join(argv[:4])} ...")
        for line in (done.stderr or done.stdout).strip().splitlines()[-5:]:
            print(f"    {line}")
    return seconds


def medians(commands: dict[str, list[str]], repeats: int) -> dict[str, float]:
    for argv in commands.values():
        timed(argv)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            times[name].append(timed(argv))
    return {name: statistics.median(values) for name, values in times.items()}


def mailflow(command: str, config: Path, now: datetime | None = None) -> list[str]:
    argv = [PYTHON, "-m", "mailflow", command, "--config", str(config)]
    return argv + (["--now", now.isoformat()] if now is not None else [])


WHOLE = "from mailflow.cli import main; raise SystemExit(main())"
"""The command without the quiet poll in front (`mailflow.shell.quiet`): what
an empty run costs when the last whole run left something owed."""


def whole(command: str, config: Path, now: datetime) -> list[str]:
    return [
        PYTHON,
        "-c",
        WHOLE,
        command,
        "--config",
        str(config),
        "--now",
        now.isoformat(),
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# -- the section ------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    figure: str
    floor: str
    target: str
    met: bool | None = None


class Live:
    """A practice on the real local server, with its own database."""

    def __init__(
        self,
        server: LocalMailServer,
        home: Path,
        name: str,
        database: Path,
        password_command: str = "",
        *,
        microsoft: bool = False,
    ) -> None:
        self.server = server
        self.practice = f"{name}@riverside.example"
        self.therapist = f"{name}-sam@riverside.example"
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "mailflow.toml"
        self.database = database
        text = config_text(
            self.practice, self.therapist, database, server.imap_port, server.smtp_port
        )
        if microsoft:  # the built-in sign-in, its token file beside the database
            text = text.replace(
                'password = "secret"', 'auth = "oauth2"\noauth2_client_id = "bench"'
            )
            self.token_file = database.parent / (database.name + ".oauth2.json")
            self.token_file.parent.mkdir(parents=True, exist_ok=True)
            self.token_file.write_text(
                microsoft_cache(
                    self.practice,
                    server.oauth2_token(self.practice),
                    datetime.now(UTC),
                ),
                encoding="utf-8",
            )
            self.token_file.chmod(0o600)
        if password_command:  # IMAP's; SMTP keeps its password
            text = text.replace(
                'password = "secret"', f"password_command = {password_command!r}", 1
            )
        self.config.write_text(
            text.replace('password = "secret"', f'password = "{server.password}"'),
            encoding="utf-8",
        )
        self.people = 0

    def deliver_requests(self, count: int, at: datetime) -> None:
        for _ in range(count):
            self.people += 1
            person = f"{self.practice.split('@')[0]}-p{self.people}@example.org"
            self.server.deliver(
                request(person, self.practice, self.people, at), self.practice
            )


def history_database(
    tmp: Path, enquiries: int, *, reuse: Path | None, keep: Path | None
) -> tuple[Grown, int]:
    """The database to measure and its enquiries, grown here or `reuse`d, with
    its states printed: figures "at 5,000 enquiries" mean little unless open
    work is among them, so a state missing is said."""
    if reuse is not None:
        grown = reused(reuse, tmp)
        enquiries = sum(grown.states.values())
        print(f"\n4. History: {reuse}, {enquiries} enquiries grown before")
    else:
        print(f"\n4. History: {enquiries} enquiries grown by practice life")
        grown = grow_history(tmp / "grow", enquiries)
        if keep is not None:
            shutil.copy(grown.database, keep)
        print(
            f"   grown on the fakes in {grown.seconds:.0f} s: {grown.runs} runs,"
            f" {grown.mails_in} mails in, {grown.letters_out} letters out"
        )
    size = grown.database.stat().st_size
    print(f"   file {size / 1e6:.1f} MB ({size / enquiries / 1024:.1f} KB per enquiry)")
    print(
        "   states: " + ", ".join(f"{s} {n}" for s, n in sorted(grown.states.items()))
    )
    missing = missing_states(grown.states)
    if missing:
        # A database saved by an older growth (only ended enquiries) says so here.
        print(f"   ! missing states: {', '.join(missing)}")
    return grown, enquiries


def missing_states(states: Counter[str]) -> list[str]:
    """Every state the product has (`mailflow.model.State`) not in `states`."""
    from mailflow.model import State

    return [state.value for state in State if not states[state.value]]


def practices(
    server: LocalMailServer,
    tmp: Path,
    grown: Grown,
    tag: str,
    password_command: str = "",
    *,
    microsoft: bool = False,
) -> tuple[Live, Live]:
    """The same practice twice, logging in one way, each with a database of
    its own (a whole run of one would end the other's mark): on the history,
    and new."""
    old = Live(
        server,
        tmp / f"old-{tag}",
        f"history{tag}",
        tmp / f"old-{tag}" / "mailflow.sqlite3",
        password_command,
        microsoft=microsoft,
    )
    shutil.copy(grown.database, old.database)
    new = Live(
        server,
        tmp / f"new-{tag}",
        f"fresh{tag}",
        tmp / f"new-{tag}" / "mailflow.sqlite3",
        password_command,
        microsoft=microsoft,
    )
    return old, new


def history_section(
    server: LocalMailServer,
    tmp: Path,
    rows: list[Row],
    enquiries: int = ENQUIRIES,
    *,
    reuse: Path | None = None,
    keep: Path | None = None,
) -> None:
    """`reuse`: a database grown before (by any version: opening it upgrades
    it), not grown again; `keep`: where to save the one grown here."""
    grown, enquiries = history_database(tmp, enquiries, reuse=reuse, keep=keep)
    now = grown.ended_at.astimezone(LONDON)

    # The history database, moved onto the real server.
    old = Live(server, tmp / "old", "history", tmp / "old" / "mailflow.sqlite3")
    shutil.copy(grown.database, old.database)
    new = Live(server, tmp / "new", "fresh", tmp / "new" / "mailflow.sqlite3")
    # The same two practices with their password from `password_command`
    # (a cat of a 0600 file: the cheapest command, so the hardest ratio), each
    # with a database of its own (a whole run of one would end the other's mark).
    secret = tmp / "imap-password"
    secret.write_text(server.password + "\n", encoding="utf-8")
    secret.chmod(0o600)
    command = f"cat {secret}"
    old_command, new_command = practices(server, tmp, grown, "cmd", command)
    # ...and with the built-in Microsoft 365 sign-in (a fresh token in msal's
    # file; Dovecot 2.3 takes XOAUTH2).
    signed_in = server.imap_oauth2
    old_microsoft, new_microsoft = practices(
        server, tmp, grown, "ms", microsoft=signed_in
    )
    lives = [old, new, old_command, new_command]
    lives += [old_microsoft, new_microsoft] if signed_in else []
    for live in lives:
        timed(mailflow("run", live.config, now))  # learns the server's folders
    poll = now + timedelta(minutes=5)

    bare = [
        PYTHON,
        "-c",
        BARE_POLL,
        "127.0.0.1",
        str(server.imap_port),
        old.practice,
        server.password,
    ]
    times = medians(
        {
            "history": mailflow("run", old.config, poll),
            "new": mailflow("run", new.config, poll),
            "history whole": whole("run", old.config, poll),
            "new whole": whole("run", new.config, poll),
            "history command": mailflow("run", old_command.config, poll),
            "new command": mailflow("run", new_command.config, poll),
            "bare": bare,
            "bare command": [
                PYTHON,
                "-c",
                BARE_POLL_COMMAND,
                "127.0.0.1",
                str(server.imap_port),
                old_command.practice,
                command,
            ],
        }
        | (
            {
                "history microsoft": mailflow("run", old_microsoft.config, poll),
                "new microsoft": mailflow("run", new_microsoft.config, poll),
                "bare microsoft": [
                    PYTHON,
                    "-c",
                    BARE_POLL_MICROSOFT,
                    "127.0.0.1",
                    str(server.imap_port),
                    old_microsoft.practice,
                    str(old_microsoft.token_file),
                ],
            }
            if signed_in
            else {}
        ),
        REPEATS,
    )
    ratio = times["history"] / times["bare"]
    rows.append(
        Row(
            f"empty run at {enquiries} enquiries (median of {REPEATS})",
            f"{ms(times['history'])} ({ratio:.2f}x)",
            f"bare poll {ms(times['bare'])}",
            "<= 1.4x floor",
            ratio <= 1.4,
        )
    )
    new_ratio = times["new"] / times["bare"]
    rows.append(
        Row(
            "empty run, new database",
            f"{ms(times['new'])} ({new_ratio:.2f}x)",
            f"bare poll {ms(times['bare'])}",
            "<= 1.3x floor",
            new_ratio <= 1.3,
        )
    )
    for name, label, target in (
        ("new", "new database", 1.3),
        ("history", f"{enquiries} enquiries", 1.4),
    ):
        ratio = times[f"{name} command"] / times["bare command"]
        rows.append(
            Row(
                f"empty run, password_command, {label}",
                f"{ms(times[f'{name} command'])} ({ratio:.2f}x)",
                f"bare poll running the command {ms(times['bare command'])}",
                f"<= {target}x floor",
                ratio <= target,
            )
        )
        if not signed_in:
            rows.append(
                Row(
                    f"empty run, Microsoft 365 sign-in (token fresh), {label}",
                    "not measured: this Dovecot takes no XOAUTH2 (2.3 only)",
                    "",
                    f"<= {target}x floor",
                )
            )
            continue
        ratio = times[f"{name} microsoft"] / times["bare microsoft"]
        rows.append(
            Row(
                f"empty run, Microsoft 365 sign-in (token fresh), {label}",
                f"{ms(times[f'{name} microsoft'])} ({ratio:.2f}x)",
                f"bare XOAUTH2 poll, token read from msal's file"
                f" {ms(times['bare microsoft'])}",
                f"<= {target}x floor",
                ratio <= target,
            )
        )
    for name, label in (("new", "new database"), ("history", f"{enquiries} enquiries")):
        ratio = times[f"{name} whole"] / times["bare"]
        rows.append(
            Row(
                f"empty whole run (no quiet mark), {label}",
                f"{ms(times[f'{name} whole'])} ({ratio:.2f}x)",
                f"bare poll {ms(times['bare'])}",
                "(for scale: -v, --dry-run, a Microsoft token to refresh)",
            )
        )

    # One request, answered in one run.
    one: dict[str, list[float]] = {"history": [], "new": []}
    for n in range(ONE_REQUEST_REPEATS):
        at = poll + timedelta(minutes=5 * (n + 1))
        for name, live in (("history", old), ("new", new)):
            live.deliver_requests(1, at)
            one[name].append(timed(mailflow("run", live.config, at)))
    one_history = statistics.median(one["history"])
    one_new = statistics.median(one["new"])
    rows.append(
        Row(
            f"one request at {enquiries} enquiries (median of {ONE_REQUEST_REPEATS})",
            f"{ms(one_history)} ({one_history / one_new:.2f}x new)",
            f"new database {ms(one_new)}; bare poll {ms(times['bare'])}",
            "flat",
            one_history <= 1.2 * one_new,
        )
    )

    # `mailflow status`.
    status = medians(
        {
            "status": mailflow("status", old.config),
            "bare": [PYTHON, "-c", BARE_STATUS, str(old.database)],
        },
        REPEATS,
    )
    rows.append(
        Row(
            f"`status` at {enquiries} enquiries",
            f"{ms(status['status'])} (+{ms(status['status'] - status['bare'])})",
            f"bare sqlite open+select {ms(status['bare'])}",
            "(not targeted)",
        )
    )

    # A backlog in one run, new and at 5,000 enquiries, beside the floor: each
    # repeat on a new database of its own and on the history, with the floor
    # on both sides of them (a server whose pace drifts over the repeats, as it
    # did once right after a burst of mail, moves what runs last most: the
    # floor used to run only after both); medians of the repeats.
    start = poll + timedelta(hours=2)
    per: dict[str, list[float]] = {"new": [], "history": [], "floor": []}
    after: list[float] = []  # each repeat's floor after its runs alone, as before
    # The floor before repeat 1 sends the replies of a warm-up backlog answered
    # on a database of its own (its time discarded; at the same clock, so the
    # history's runs stay where they were); before each later repeat, the
    # previous repeat's new-database replies: 200 replies of the same kind as
    # the floor after.
    warm = Live(server, tmp / "backlog-warm", "backlogw", tmp / "backlog-warm" / "db")
    timed(mailflow("run", warm.config, start))
    warm.deliver_requests(BACKLOG, start)
    before = len(server.smtp_log)
    timed(mailflow("run", warm.config, start))
    replies = [
        (r.mail_from, tuple(r.rcpt_tos), r.data) for r in server.smtp_log[before:]
    ]
    print(f"   warm-up backlog: {len(replies)} sent (not timed)")
    for n in range(BACKLOG_REPEATS):
        fresh = Live(
            server, tmp / f"backlog-{n}", f"backlog{n}", tmp / f"backlog-{n}" / "db"
        )
        timed(mailflow("run", fresh.config, start))  # learns the server's folders
        ahead = send_floor(server, tmp, replies, f"{n}b")
        pair = (("new", fresh), ("history", old))
        for name, live in pair if n % 2 == 0 else pair[::-1]:
            live.deliver_requests(BACKLOG, start)
            before = len(server.smtp_log)
            seconds = timed(mailflow("run", live.config, start))
            out = server.smtp_log[before:]
            per[name].append(seconds / BACKLOG)
            if name == "new":
                replies = [(r.mail_from, tuple(r.rcpt_tos), r.data) for r in out]
            print(
                f"   backlog of {BACKLOG} ({n + 1}), {name}: {seconds:.2f} s,"
                f" {len(out)} sent"
            )
        after.append(send_floor(server, tmp, replies, f"{n}"))
        per["floor"].append((ahead + after[-1]) / 2)
        print(
            f"   send+append floor ({n + 1}): {ahead * 1000:.1f} ms a reply before,"
            f" {after[-1] * 1000:.1f} after"
        )
        start += timedelta(minutes=30)
    floor = statistics.median(per["floor"])
    for name in ("new", "history"):
        each = statistics.median(per[name])
        # Each repeat beside the mean of its two floors (the machine's pace
        # moves them alike), then the median of those ratios: the target's
        # figure. Beside the floor after it alone, as computed until 2026-12-04
        # (the runs now also follow a floor: not quite the same conditions),
        # and the ratio of the medians, printed with it.
        paired = statistics.median(
            m / f for m, f in zip(per[name], per["floor"], strict=True)
        )
        only_after = statistics.median(
            m / f for m, f in zip(per[name], after, strict=True)
        )
        label = "new database" if name == "new" else f"{enquiries} enquiries"
        flat = statistics.median(
            h / n for h, n in zip(per["history"], per["new"], strict=True)
        )
        rows.append(
            Row(
                f"backlog of {BACKLOG}, {label}, per request"
                f" (median of {BACKLOG_REPEATS})",
                f"{each * 1000:.1f} ms ({paired:.2f}x, each beside the floors"
                f" around it; {only_after:.2f}x beside the floor after it;"
                f" {each / floor:.2f}x of the medians)"
                + ("" if name == "new" else f"; {flat:.2f}x new"),
                f"send+append {floor * 1000:.1f} ms",
                "<= 1.5x floor" + ("" if name == "new" else ", flat (<= 1.2x new)"),
                paired <= 1.5 and (name == "new" or flat <= 1.2),
            )
        )

    purge_figures(grown, tmp, rows, enquiries)


def send_floor(
    server: LocalMailServer,
    tmp: Path,
    replies: list[tuple[str, tuple[str, ...], bytes]],
    tag: str,
) -> float:
    """smtplib send + IMAP MULTIAPPEND (50 a command) of the same replies (to fresh mailboxes), per reply."""
    path = tmp / f"history-replies-{tag}.pickle"
    with path.open("wb") as file:
        pickle.dump(
            [(s, tuple(f"hfloor{tag}-{a}" for a in r), raw) for s, r, raw in replies],
            file,
        )
    seconds = timed(
        [
            PYTHON,
            "-c",
            BARE_SEND,
            "127.0.0.1",
            str(server.smtp_port),
            str(server.imap_port),
            f"hfloor{tag}@riverside.example",
            server.password,
            str(path),
        ]
    )
    return seconds / max(len(replies), 1)


def reused(path: Path, tmp: Path) -> Grown:
    database = tmp / "grow" / "mailflow.sqlite3"
    database.parent.mkdir(parents=True)
    shutil.copy(path, database)
    db = sqlite3.connect(database)
    states = Counter(
        dict(db.execute("SELECT state, COUNT(*) FROM enquiries GROUP BY state"))
    )
    (last,) = db.execute("SELECT MAX(updated_at) FROM enquiries").fetchone()
    db.close()
    ended = datetime.fromisoformat(str(last)) + timedelta(minutes=1)
    return Grown(database, 0.0, 0, 0, 0, states, ended)


def purge_figures(grown: Grown, tmp: Path, rows: list[Row], enquiries: int) -> None:
    """The purge of ~PURGED ended enquiries on a copy, and the file after it."""
    from mailflow.shell import privacy
    from mailflow.shell.store import Store

    work = tmp / "purge"
    work.mkdir()
    copy = work / "mailflow.sqlite3"
    shutil.copy(grown.database, copy)
    db = sqlite3.connect(copy)
    marks = ",".join("?" * len(privacy.ENDED_STATES))
    ended = [
        (int(i), str(u))
        for i, u in db.execute(
            f"SELECT id, updated_at FROM enquiries WHERE state IN ({marks})"
            " ORDER BY updated_at",
            sorted(privacy.ENDED_STATES),
        )
    ]
    db.close()
    if not ended:
        print("   ! no ended enquiry to purge")
        return
    last = ended[min(int(PURGED * enquiries), len(ended)) - 1][1]
    retention = 180
    at = datetime.fromisoformat(last) + timedelta(days=retention, seconds=1)
    ids = [i for i, u in ended if u <= last]

    floor_copy = work / "floor.sqlite3"
    shutil.copy(grown.database, floor_copy)
    bare = sqlite3.connect(floor_copy, isolation_level=None)
    start = time.perf_counter()
    bare.execute("BEGIN")
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        bare.execute(
            f"DELETE FROM enquiries WHERE id IN ({','.join('?' * len(chunk))})", chunk
        )
    bare.execute("COMMIT")
    floor = time.perf_counter() - start
    bare.close()

    with Store.open(copy) as store:
        start = time.perf_counter()
        gone = privacy.purge(store, now=at, retention_days=retention)
        seconds = time.perf_counter() - start
    if gone != len(ids):
        # The floor deletes `ids`: the two figures are of the same work only
        # when the purge deleted exactly those.
        print(f"   ! the purge deleted {gone} enquiries, the floor {len(ids)}")
    rows.append(
        Row(
            f"purge of {gone} ended enquiries",
            f"{seconds * 1000:.0f} ms",
            f"bare DELETE of the rows {floor * 1000:.0f} ms",
            "<= 1 s",
            seconds <= 1.0,
        )
    )
    size = copy.stat().st_size + sum(
        Path(f"{copy}{s}").stat().st_size
        for s in ("-wal",)
        if Path(f"{copy}{s}").exists()
    )
    packed = work / "vacuumed.sqlite3"
    db = sqlite3.connect(copy)
    db.execute("VACUUM INTO ?", (str(packed),))
    db.close()
    per = size / enquiries / 1024
    rows.append(
        Row(
            f"file after purge, per enquiry of history ({enquiries})",
            f"{per:.1f} KB ({size / 1e6:.1f} MB)",
            f"VACUUM INTO {packed.stat().st_size / enquiries / 1024:.1f} KB",
            "<= 6 KB",
            per <= 6.0,
        )
    )


def _fast() -> str | None:
    """tmpfs when there is one: growing the history commits thousands of times,
    and what is measured is mailflow, not the disk's fsync."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=ENQUIRIES)
    parser.add_argument("--reuse", type=Path, help="a database grown before")
    parser.add_argument("--keep", type=Path, help="save the grown database here")
    parser.add_argument(
        "--grow-only",
        action="store_true",
        help="grow (or read --reuse), print the states, measure nothing",
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    started = time.perf_counter()
    print(f"  load     {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    if args.grow_only:
        with tempfile.TemporaryDirectory(
            prefix="mailflow-history-", dir=_fast()
        ) as name:
            history_database(
                Path(name), args.enquiries, reuse=args.reuse, keep=args.keep
            )
        print(f"total {time.perf_counter() - started:.0f} s")
        return 0
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="mailflow-history-", dir=_fast()) as name,
        LocalMailServer() as server,
    ):
        history_section(
            server, Path(name), rows, args.enquiries, reuse=args.reuse, keep=args.keep
        )
    print()
    print_table(rows)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
