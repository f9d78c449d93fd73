# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make reliability`: SIGKILL, overlap and outages against a real local mail server.

Starts `mailflow.cli.devserver.LocalMailServer` (Dovecot + SMTP on 127.0.0.1) and
drives two identical practices through the same seeded story: a backlog of
requests, then trials of picks, therapist approvals and declines, cancellations,
follow-up answers and a clock (`--now`) that moves on so reminders, follow-ups,
nudges and expiry fall due. The *reference* practice runs `mailflow run` once a
trial, undisturbed; the *crash* practice has its run SIGKILLed at seeded random
moments, then a clean run. At the end every recipient's mailbox of both is read
over IMAP: the crash practice must show the same messages (by kind, per person
and for the therapist), each once by Message-ID, and the same enquiries.

Then the overlap case (ten `mailflow run`s at once; `watch` beside cron runs)
and the outage cases (IMAP or SMTP down, wrong passwords, a server restarted
mid-run). Prints the figures; exits 1 when a loss, an unexplained duplicate or
a crash was seen, else 0.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from mailflow.cli.devserver import LocalMailServer

ROOT = Path(__file__).resolve().parents[1]
MAILFLOW = str(Path(sys.executable).parent / "mailflow")
LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 11, 2, 8, 40, tzinfo=LONDON)
"""A Monday morning: the backlog arrives; the story runs over the next days."""

BACKLOG = 200
"""Requests waiting when the first (killed) run starts."""
NEW_PER_ROUND = 4
"""Fresh requests in each later trial (so offers are always at every stage)."""
KILLS_PER_TRIAL = 4
"""At most this many killed runs per trial before its clean run."""
MIN_KILLS = 100
"""Trials are added (up to twice `--trials`) until this many kills landed."""
PER_MAIL_S = 0.05
"""First guess of a run's seconds per incoming mail (then learned trial by trial)."""
MIN_WORK_S = 0.1
"""The least work a kill is aimed into (seconds after start-up)."""
RUN_TIMEOUT_S = 180.0
"""A clean run that takes longer than this is reported as hung and killed."""
SETTLE_S = 0.02
"""Poll interval while waiting for the SMTP server to finish a transaction."""

SETTINGS = """
[availability]
slot_minutes = 15
buffer_minutes = 10
min_notice_hours = 24
horizon_days = 14
offer_count = 5
max_calls_per_day = 12
blocked_dates = []
[availability.hours]
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-12:00", "14:00-18:00"]
wed = ["10:00-16:00"]
thu = ["13:00-18:00"]
fri = ["09:00-13:00"]

[workflow]
approval = "therapist"
digest_at = "07:30"

# The sending caps are not what this bench measures: a backlog must go out at once.
[limits]
per_address_per_day = 100
per_run = 10000
per_hour = 10000
"""

PICK_CHANCE = 0.1
"""Chance that someone with times on offer answers in a given trial."""
PICKS = (
    "Number {n} please, thank you!",
    "{n}",
    "Option {n} would be perfect.",
)
PREFERENCES = (
    "",
    " Mornings suit me best.",
    " Afternoons are easier for me.",
    " Tuesday or Thursday would be ideal.",
    " Any Friday works.",
    " Wednesdays are good.",
)
NONE_OF_THESE = "None of these work for me, sorry. Do you have anything else?"
CANCEL = "I'm so sorry, I need to cancel."
FOLLOWUP_ANSWERS = (
    "Yes, I'd love to start",
    "No, thank you. I've decided it's not for me.",
    "Not just now, thank you. Maybe after Christmas.",
)
APPROVE = "Yes, lovely."
DECLINE = "No, sorry, I'm at a training that morning."


# -- practices, addresses, configs --------------------------------------------------


@dataclass(frozen=True)
class Practice:
    """One installation: its own inbox, therapist, people and database."""

    name: str
    directory: Path

    @property
    def email(self) -> str:
        return f"hello.{self.name}@riverside.example"

    @property
    def therapist(self) -> str:
        return f"sam.{self.name}@riverside.example"

    def person(self, n: int) -> str:
        return f"p{n}.{self.name}@example.org"

    def address(self, who: str) -> str:
        """A neutral name ("therapist", "p12") as this practice's address."""
        return self.therapist if who == "therapist" else self.person(int(who[1:]))

    def who(self, address: str) -> str | None:
        """The neutral name of one of this practice's correspondents."""
        if address == self.therapist:
            return "therapist"
        local, _, domain = address.partition("@")
        number, _, name = local.partition(".")
        if domain == "example.org" and name == self.name and number[1:].isdigit():
            return number
        return None

    @property
    def config(self) -> Path:
        return self.directory / "mailflow.toml"

    @property
    def database(self) -> Path:
        return self.directory / "var" / "mailflow.sqlite3"

    def write_config(self, server: LocalMailServer, extra: str = SETTINGS) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            textwrap.dedent(f"""\
                [practice]
                name = "Riverside Counselling"
                email = "{self.email}"
                therapist_name = "Sam Rivera"
                therapist_email = "{self.therapist}"
                timezone = "Europe/London"
                country = "GB"

                [imap]
                host = "127.0.0.1"
                port = {server.imap_port}
                security = "plain"
                username = "{self.email}"
                password = "{server.password}"
                timeout_s = 10

                [smtp]
                host = "127.0.0.1"
                port = {server.smtp_port}
                security = "plain"
                username = "{self.email}"
                password = "{server.password}"
                timeout_s = 10

                [storage]
                database = "{self.database}"
                """)
            + extra,
            encoding="utf-8",
        )
        return self.config


def request(sender: str, to: str, n: int, at: datetime) -> bytes:
    message = EmailMessage()
    message["From"] = f"Person {n} <{sender}>"
    message["To"] = to
    message["Subject"] = "Free consultation call"
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="sender.example")
    message.set_content(
        "Hello, I'd like to book the free 15 minute consultation call please."
        f"{PREFERENCES[n % len(PREFERENCES)]} My number is 07700 900{n % 1000:03d}.\n"
    )
    return message.as_bytes()


def answer(original: Message, sender: str, body: str, at: datetime) -> bytes:
    """A threaded reply, as a mail program writes it (without the quote)."""
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


# -- what went out: the SMTP server's log, read once -------------------------------


@dataclass(frozen=True)
class Handed:
    """One message as the SMTP server accepted it."""

    index: int
    message_id: str
    kind: str
    headers: Message


class Wire:
    """The SMTP log as each practice's correspondents received it, in order."""

    def __init__(self, server: LocalMailServer) -> None:
        self.server = server
        self.read = 0
        self.by_address: dict[str, list[Handed]] = {}
        self.by_message_id: dict[str, list[int]] = {}
        self._parser = BytesHeaderParser(policy=default_policy)

    def settle(self, sender: str | None = None) -> int:
        """Wait (bounded) until no transaction of `sender` (or anyone) is mid-way;
        the log's length then."""
        deadline = time.monotonic() + 2.0
        last, quiet = self._count(sender), 0
        while quiet < 3 and time.monotonic() < deadline:
            time.sleep(SETTLE_S)
            now = self._count(sender)
            quiet = quiet + 1 if now == last else 0
            last = now
        return len(self.server.smtp_log)

    def _count(self, sender: str | None) -> int:
        log = list(self.server.smtp_log)
        return len(log) if sender is None else sum(r.mail_from == sender for r in log)

    def last_from(self, sender: str, start: int, end: int) -> int | None:
        """Index of the last message `sender` handed over in [start, end)."""
        log = self.server.smtp_log
        return next(
            (i for i in range(end - 1, start - 1, -1) if log[i].mail_from == sender),
            None,
        )

    def update(self) -> None:
        log = self.server.smtp_log
        while self.read < len(log):
            record = log[self.read]
            headers = self._parser.parsebytes(record.data)
            message_id = str(headers.get("Message-ID", "")).strip()
            handed = Handed(
                self.read, message_id, str(headers.get("X-Mailflow", "")), headers
            )
            self.by_message_id.setdefault(message_id, []).append(self.read)
            for rcpt in record.rcpt_tos:
                self.by_address.setdefault(rcpt, []).append(handed)
            self.read += 1

    def distinct(self, address: str) -> list[Handed]:
        """What `address` was sent, each Message-ID once, in first-hand-over order."""
        seen: set[str] = set()
        out = []
        for handed in self.by_address.get(address, []):
            if handed.message_id not in seen:
                seen.add(handed.message_id)
                out.append(handed)
        return out


# -- running mailflow ------------------------------------------------------------------


def _environ(**extra: str) -> dict[str, str]:
    """Our environment minus MAILFLOW_*, so a developer's shell changes nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILFLOW_")}
    env.update(extra)
    return env


def mailflow(
    config: Path,
    now: datetime | None,
    *,
    verbose: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start `mailflow run` (the installed script, as cron would) without waiting."""
    argv = [MAILFLOW, *(["-v"] if verbose else []), "run", "--config", str(config)]
    if now is not None:
        argv += ["--now", now.isoformat()]
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or _environ(),
        cwd=ROOT,
    )


@dataclass
class Outcome:
    code: int
    stderr: str
    seconds: float
    killed: bool = False


def finish(
    proc: subprocess.Popen[str], started: float, kill_after: float | None
) -> Outcome:
    """Wait for a run; SIGKILL it `kill_after` seconds after its start if still going."""
    timeout = RUN_TIMEOUT_S if kill_after is None else kill_after
    killed = False
    try:
        proc.wait(timeout=max(0.0, started + timeout - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        killed = kill_after is not None
    _, err = proc.communicate()
    return Outcome(proc.returncode, err, time.monotonic() - started, killed)


def run_clean(config: Path, now: datetime | None, **env: str) -> Outcome:
    started = time.monotonic()
    proc = mailflow(config, now, env=_environ(**env) if env else None)
    return finish(proc, started, None)


# -- 1. crash trials -----------------------------------------------------------------


@dataclass
class Span:
    """One run of the crash practice: was it killed, and the index in the SMTP
    log of the last message it handed over (None: it handed none over)."""

    killed: bool
    last: int | None


@dataclass
class CrashFigures:
    startup: float
    trials: int = 0
    kills: int = 0
    kills_mid_send: int = 0
    runs: int = 0
    requests: int = 0
    actions: int = 0
    blocked: int = 0
    crashes: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


class Story:
    """The seeded behaviour of the people and the therapist, decided once a trial
    from what the reference practice received, then acted out on both practices."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = 0
        self.answered: set[tuple[str, int]] = set()

    def new_people(self, count: int) -> list[int]:
        first = self.people + 1
        self.people += count
        return list(range(first, self.people + 1))

    def replies(
        self, wire: Wire, reference: Practice
    ) -> list[tuple[str, int, str, str]]:
        """(who, position of the mail they answer, its kind, words) for this trial."""
        out = []
        for who in [f"p{n}" for n in range(1, self.people + 1)] + ["therapist"]:
            received = wire.distinct(reference.address(who))
            positions = (
                range(len(received)) if who == "therapist" else [len(received) - 1]
            )
            for position in positions:
                if position < 0 or (who, position) in self.answered:
                    continue
                words = self._words(who, received[position].kind)
                if words is not None:
                    self.answered.add((who, position))
                    out.append((who, position, received[position].kind, words))
        return out

    def _words(self, who: str, kind: str) -> str | None:
        roll = self.rng.random()
        if who == "therapist":
            if kind not in ("approval_request", "approval_again", "move_request"):
                return None
            return APPROVE if roll < 0.6 else DECLINE if roll < 0.7 else None
        if kind in ("offer", "offer_again", "clarify"):
            if roll < PICK_CHANCE:
                return self.rng.choice(PICKS).format(n=self.rng.randint(1, 5))
            return NONE_OF_THESE if roll < PICK_CHANCE + 0.02 else None
        if kind in ("confirmation", "reminder"):
            return CANCEL if roll < 0.04 else None
        if kind in ("followup", "followup_nudge"):
            return self.rng.choice(FOLLOWUP_ANSWERS) if roll < 0.6 else None
        return None


def crash_trials(
    server: LocalMailServer, tmp: Path, seed: int, trials: int, *, verbose: bool
) -> tuple[CrashFigures, Practice, Practice, Wire]:
    reference = Practice("ref", tmp / "ref")
    crash = Practice("crash", tmp / "crash")
    for practice in (reference, crash):
        practice.write_config(server)
    wire = Wire(server)
    story = Story(random.Random(f"{seed}:story"))
    kills = random.Random(f"{seed}:kills")
    clock = random.Random(f"{seed}:clock")
    figures = CrashFigures(startup=startup_time(server, tmp))
    per_mail = PER_MAIL_S
    now = T0
    while figures.trials < trials or (
        figures.kills < MIN_KILLS and figures.trials < 2 * trials
    ):
        trial = figures.trials
        arrived = deliver_trial(server, story, wire, (reference, crash), figures, now)
        # The reference works undisturbed beside the crash practice (2 cores).
        reference_started = time.monotonic()
        reference_proc = mailflow(reference.config, now)
        work_s = figures.startup + per_mail * arrived
        delays, finished_s = killed_runs(crash, wire, figures, kills, now, work_s)
        start = wire.settle(crash.email)
        clean = run_clean(crash.config, now)
        end = wire.settle(crash.email)
        figures.spans.append(Span(False, wire.last_from(crash.email, start, end)))
        figures.runs += 1
        reference_run = finish(reference_proc, reference_started, None)
        # What this trial's work took the crash practice, for aiming the next.
        spent = sum(max(d - figures.startup, 0.0) for d in delays) + max(
            (finished_s or clean.seconds) - figures.startup, 0.0
        )
        per_mail = (per_mail + spent / arrived) / 2
        for who, outcome in (("reference", reference_run), ("clean run", clean)):
            if outcome.code != 0:
                figures.crashes.append(
                    f"{who}, trial {trial}: exit {outcome.code}: {_last(outcome.stderr)}"
                )
        figures.trials += 1
        if verbose:
            print(
                f"   trial {trial}: {now.astimezone(LONDON):%a %d %b %H:%M}, {arrived}"
                f" mails in; reference run {reference_run.seconds:.2f} s; killed at"
                f" {', '.join(f'{d:.2f}' for d in delays) or '-'} s"
                f" (aimed within {work_s:.2f} s); clean run {clean.seconds:.2f} s"
            )
        elif figures.trials % 10 == 0:
            print(
                f"   ... {figures.trials} trials, {figures.kills} kills,"
                f" {len(server.smtp_log)} messages so far"
            )
        now += timedelta(minutes=clock.randint(150, 600))
    wire.update()
    return figures, reference, crash, wire


def startup_time(server: LocalMailServer, tmp: Path) -> float:
    """Median wall time of an empty `mailflow run`: start-up, lock, login, STATUS."""
    probe = Practice("probe", tmp / "probe")
    probe.write_config(server)
    times = sorted(run_clean(probe.config, T0).seconds for _ in range(3))
    return times[1]


def deliver_trial(
    server: LocalMailServer,
    story: Story,
    wire: Wire,
    practices: tuple[Practice, Practice],
    figures: CrashFigures,
    now: datetime,
) -> int:
    """This trial's mail, alike to both practices: new requests and answers to
    what people and the therapist received (decided on the reference)."""
    reference, crash = practices
    wire.update()
    fresh = story.new_people(BACKLOG if figures.trials == 0 else NEW_PER_ROUND)
    replies = story.replies(wire, reference) if figures.trials else []
    written = now - timedelta(minutes=5)
    for practice in practices:
        for n in fresh:
            server.deliver(
                request(practice.person(n), practice.email, n, written),
                practice.email,
            )
        for who, position, kind, words in replies:
            received = wire.distinct(practice.address(who))
            if position >= len(received) or received[position].kind != kind:
                figures.blocked += practice is crash
                continue
            original = received[position].headers
            raw = answer(original, practice.address(who), words, written)
            server.deliver(raw, practice.email)
    figures.requests += len(fresh)
    figures.actions += len(replies)
    return len(fresh) + len(replies)


def killed_runs(
    crash: Practice,
    wire: Wire,
    figures: CrashFigures,
    kills: random.Random,
    now: datetime,
    work_s: float,
) -> tuple[list[float], float | None]:
    """Start `mailflow run` and SIGKILL it at a random moment, a few times.

    The moment is drawn from start-up to the end of the work still left (as
    estimated from the mail that came in, less what killed runs already got
    through), so kills
    fall through the whole cycle: polling, deciding, sending, filing in Sent.
    Stops early when a run finishes before its kill (the trial's work is done)
    and returns the kill moments and that run's wall time.
    """
    startup = figures.startup
    left = max(work_s - startup, MIN_WORK_S)
    delays: list[float] = []
    for _ in range(KILLS_PER_TRIAL):
        delay = kills.uniform(0.8 * startup, startup + left)
        start = wire.settle(crash.email)
        started = time.monotonic()
        outcome = finish(mailflow(crash.config, now), started, delay)
        end = wire.settle(crash.email)
        span = Span(outcome.killed, wire.last_from(crash.email, start, end))
        figures.spans.append(span)
        figures.runs += 1
        if not outcome.killed:
            if outcome.code != 0:
                figures.crashes.append(
                    f"trial {figures.trials}: exit {outcome.code}:"
                    f" {_last(outcome.stderr)}"
                )
            return delays, outcome.seconds
        delays.append(delay)
        figures.kills += 1
        figures.kills_mid_send += span.last is not None
        left = max(left - max(delay - startup, 0.0), MIN_WORK_S)
    return delays, None


def _last(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def mailbox_ids(
    server: LocalMailServer, user: str, folder: str = "INBOX"
) -> list[tuple[str, str]]:
    """(Message-ID, X-Mailflow kind) of each mail in `folder`, by UID, flags untouched."""
    part = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID X-MAILFLOW)]"
    key = b"BODY[HEADER.FIELDS (MESSAGE-ID X-MAILFLOW)]"
    parser = BytesHeaderParser(policy=default_policy)
    with server.imap(user) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return []
        fetched = client.fetch(uids, [part])
    out = []
    for uid in sorted(fetched):
        headers = parser.parsebytes(bytes(fetched[uid][key]))
        out.append(
            (
                str(headers.get("Message-ID", "")).strip(),
                str(headers.get("X-Mailflow", "")),
            )
        )
    return out


@dataclass
class Verdict:
    expected: int = 0
    delivered: int = 0
    mailbox_duplicates: int = 0
    losses: int = 0
    unexpected: int = 0
    order_differs: int = 0
    reference_duplicates: int = 0
    resends: int = 0
    resends_at_250: int = 0
    resends_other: int = 0
    sent_copies_twice: int = 0
    enquiries: tuple[int, int] = (0, 0)
    states_match: bool = False
    outbox_left: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


def verify(
    server: LocalMailServer,
    figures: CrashFigures,
    reference: Practice,
    crash: Practice,
    wire: Wire,
) -> Verdict:
    verdict = Verdict()
    everyone = [f"p{n}" for n in range(1, figures.requests + 1)] + ["therapist"]
    for who in everyone:
        expected = mailbox_ids(server, reference.address(who))
        got = mailbox_ids(server, crash.address(who))
        verdict.reference_duplicates += len(expected) - len({m for m, _ in expected})
        verdict.mailbox_duplicates += len(got) - len({m for m, _ in got})
        expected_kinds = [k for _, k in _first_copies(expected)]
        got_kinds = [k for _, k in _first_copies(got)]
        verdict.kinds.update(expected_kinds)
        verdict.expected += len(expected_kinds)
        missing = Counter(expected_kinds) - Counter(got_kinds)
        extra = Counter(got_kinds) - Counter(expected_kinds)
        verdict.losses += sum(missing.values())
        verdict.unexpected += sum(extra.values())
        verdict.delivered += len(expected_kinds) - sum(missing.values())
        verdict.order_differs += (
            expected_kinds != got_kinds and not missing and not extra
        )
    # Re-sends on the wire: allowed only for the last hand-over of a killed run
    # (the instant between the server's 250 and mailflow's bookkeeping).
    last_of_killed = {s.last for s in figures.spans if s.killed}
    ours = {crash.address(w) for w in everyone}
    for indexes in wire.by_message_id.values():
        record = server.smtp_log[indexes[0]]
        if len(indexes) < 2 or not set(record.rcpt_tos) & ours:
            continue
        verdict.resends += len(indexes) - 1
        for earlier in indexes[:-1]:
            if earlier in last_of_killed:
                verdict.resends_at_250 += 1
            else:
                verdict.resends_other += 1
    sent = mailbox_ids(server, crash.email, "Sent")
    verdict.sent_copies_twice = len(sent) - len({m for m, _ in sent})
    states = [_states(p.database) for p in (reference, crash)]
    verdict.enquiries = (sum(states[0].values()), sum(states[1].values()))
    verdict.states_match = states[0] == states[1]
    with _db(crash.database) as db:
        verdict.outbox_left = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sent')"
        ).fetchone()[0]
    return verdict


def _first_copies(mails: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for message_id, kind in mails:
        if message_id not in seen:
            seen.add(message_id)
            out.append((message_id, kind))
    return out


@contextmanager
def _db(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield db
    finally:
        db.close()


def _states(path: Path) -> dict[str, int]:
    with _db(path) as db:
        rows = db.execute(
            "SELECT state, COUNT(*) FROM enquiries GROUP BY state"
        ).fetchall()
    return {str(state): int(n) for state, n in rows}


# -- 2. overlap ------------------------------------------------------------------------

OVERLAP_RUNS = 10
OVERLAP_REQUESTS = 40
WATCH_REQUESTS = 20
WATCH_CRON_RUNS = 3
WATCH_WAIT_S = 60.0


@dataclass
class Case:
    """One overlap or outage case, as printed."""

    name: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def answered_once(
    case: Case,
    wire: Wire,
    practice: Practice,
    people: Sequence[int],
    *,
    resends_allowed: int = 0,
) -> None:
    """Every person got exactly one message (their offer), by the SMTP log.

    `resends_allowed`: hand-overs of the same Message-ID again, when the case cut
    a transaction between the client's final "." and the server's 250.
    """
    wire.settle()
    wire.update()
    handed = [
        [h.message_id for h in wire.by_address.get(practice.person(n), [])]
        for n in people
    ]
    twice = sum(1 for ids in handed if len(set(ids)) > 1)
    resent = sum(len(ids) - len(set(ids)) for ids in handed)
    never = sum(1 for ids in handed if not ids)
    case.say(
        f"answered {len(people) - never}/{len(people)}, answered twice {twice},"
        f" same Message-ID handed over again {resent}"
    )
    case.expect(never == 0, f"{never} request(s) never answered")
    case.expect(twice == 0, f"{twice} person(s) answered twice")
    case.expect(resent <= resends_allowed, f"{resent} re-sends of one Message-ID")


def overlap(server: LocalMailServer, tmp: Path, wire: Wire) -> list[Case]:
    case = Case(f"{OVERLAP_RUNS} `mailflow run` started at once")
    practice = Practice("overlap", tmp / "overlap")
    config = practice.write_config(server)
    people = range(1, OVERLAP_REQUESTS + 1)
    for n in people:
        server.deliver(
            request(practice.person(n), practice.email, n, T0), practice.email
        )
    started = time.monotonic()
    procs = [mailflow(config, T0, verbose=True) for _ in range(OVERLAP_RUNS)]
    outcomes = [finish(proc, started, None) for proc in procs]
    worked = sum("run:" in o.stderr for o in outcomes)
    left = [o for o in outcomes if "another run holds the lock" in o.stderr]
    quiet = all(len(o.stderr.strip().splitlines()) == 1 for o in left)
    codes = Counter(o.code for o in outcomes)
    case.say(
        f"exit codes {dict(codes)}; worked {worked}, left at once {len(left)}"
        f" ({'one info line each under -v' if quiet else 'NOT quiet'})"
    )
    case.expect(codes == Counter({0: OVERLAP_RUNS}), f"exit codes {dict(codes)}")
    case.expect(worked == 1, f"{worked} runs did the work")
    case.expect(quiet, "a run that found the lock held said more than one line")
    answered_once(case, wire, practice, people)
    return [case, watch_beside_cron(server, tmp, wire)]


def watch_beside_cron(server: LocalMailServer, tmp: Path, wire: Wire) -> Case:
    """`mailflow watch` (IDLE, the real clock) while cron starts runs beside it."""
    case = Case(f"`mailflow watch` beside {WATCH_CRON_RUNS} cron runs a batch")
    practice = Practice("watch", tmp / "watch")
    config = practice.write_config(server)
    watcher = subprocess.Popen(
        [MAILFLOW, "watch", "--config", str(config), "--interval", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
        cwd=ROOT,
    )
    people = range(1, WATCH_REQUESTS + 1)
    cron_codes: Counter[int] = Counter()
    try:
        deadline = time.monotonic() + WATCH_WAIT_S
        while not practice.database.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for batch in range(4):
            for n in people[batch::4]:
                written = datetime.now(UTC)
                server.deliver(
                    request(practice.person(n), practice.email, n, written),
                    practice.email,
                )
            started = time.monotonic()
            crons = [mailflow(config, None) for _ in range(WATCH_CRON_RUNS)]
            cron_codes.update(finish(proc, started, None).code for proc in crons)
        while time.monotonic() < deadline:
            wire.settle()
            wire.update()
            if all(wire.by_address.get(practice.person(n)) for n in people):
                break
            time.sleep(0.1)
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
        _, watch_err = watcher.communicate()
    case.say(
        f"cron exit codes {dict(cron_codes)}; watch stopped by SIGTERM with exit"
        f" {watcher.returncode}"
    )
    case.expect(set(cron_codes) == {0}, f"cron exit codes {dict(cron_codes)}")
    case.expect(watcher.returncode == 0, f"watch: {_last(watch_err)}")
    answered_once(case, wire, practice, people)
    return case


# -- 3. outages ------------------------------------------------------------------------

OUTAGE_REQUESTS = 20
RESTART_REQUESTS = 120


def outages(
    server: LocalMailServer, tmp: Path, wire: Wire, rng: random.Random
) -> list[Case]:
    cases = []
    for name, env, down, up in (
        ("IMAP down", {}, server.imap_down, server.imap_up),
        ("SMTP down", {}, server.smtp_down, server.smtp_up),
        ("IMAP password wrong", {"MAILFLOW_IMAP__PASSWORD": "wrong-pw"}, None, None),
        ("SMTP password wrong", {"MAILFLOW_SMTP__PASSWORD": "wrong-pw"}, None, None),
    ):
        case = Case(name)
        practice = Practice(
            name.lower().replace(" ", "-"), tmp / name.replace(" ", "-")
        )
        config = practice.write_config(server)
        people = range(1, OUTAGE_REQUESTS + 1)
        for n in people:
            server.deliver(
                request(practice.person(n), practice.email, n, T0), practice.email
            )
        if down is not None:
            down()
        try:
            first = run_clean(config, T0, **env)
        finally:
            if up is not None:
                up()
        lines = first.stderr.strip().splitlines()
        case.say(f"exit {first.code}, {len(lines)} line: {lines[0] if lines else ''}")
        case.expect(first.code == 3, f"exit {first.code}, not 3")
        case.expect(len(lines) == 1, f"{len(lines)} lines on stderr, not one")
        case.expect(
            "wrong-pw" not in first.stderr, "the password appeared in the output"
        )
        second = run_clean(config, T0 + timedelta(minutes=5))
        case.say(f"next run: exit {second.code}")
        case.expect(
            second.code == 0, f"next run: exit {second.code}: {_last(second.stderr)}"
        )
        answered_once(case, wire, practice, people)
        cases.append(case)
    for what in ("IMAP", "SMTP"):
        cases.append(restart_mid_run(server, tmp, wire, rng, what))
    return cases


def restart_mid_run(
    server: LocalMailServer, tmp: Path, wire: Wire, rng: random.Random, what: str
) -> Case:
    """Restart IMAP while the run reads the inbox, or SMTP while it sends."""
    case = Case(f"{what} restarted mid-run")
    practice = Practice(f"{what.lower()}-restart", tmp / f"{what}-restart")
    config = practice.write_config(server)
    people = range(1, RESTART_REQUESTS + 1)
    for n in people:
        server.deliver(
            request(practice.person(n), practice.email, n, T0), practice.email
        )
    after = rng.randint(10, RESTART_REQUESTS // 2)
    if what == "IMAP":
        down, up = server.imap_down, server.imap_up
        phase = f"after {after} mails were read"

        def reached() -> bool:
            return _count(practice.database, "SELECT COUNT(*) FROM seen") >= after

    else:
        down, up = server.smtp_down, server.smtp_up
        phase = f"after {after} messages were handed over"

        def reached() -> bool:
            return (
                sum(practice.email == r.mail_from for r in list(server.smtp_log))
                >= after
            )

    started = time.monotonic()
    proc = mailflow(config, T0)
    deadline = started + RUN_TIMEOUT_S
    while proc.poll() is None and not reached() and time.monotonic() < deadline:
        time.sleep(SETTLE_S)
    restarted = proc.poll() is None
    down()
    up()
    first = finish(proc, started, None)
    lines = first.stderr.strip().splitlines()
    case.say(
        (f"restarted {phase}" if restarted else "the run ended before the restart")
        + f"; exit {first.code}"
        + (f", {len(lines)} line: {lines[0]}" if lines else ", no output")
    )
    case.expect(first.code in (0, 3), f"exit {first.code}: {_last(first.stderr)}")
    case.expect(first.code == 0 or len(lines) == 1, f"{len(lines)} lines on stderr")
    second = run_clean(config, T0 + timedelta(minutes=5))
    case.say(f"next run: exit {second.code}")
    case.expect(
        second.code == 0, f"next run: exit {second.code}: {_last(second.stderr)}"
    )
    answered_once(case, wire, practice, people, resends_allowed=1)
    return case


def _count(database: Path, sql: str) -> int:
    """One number from a database another process is writing (0 before it exists)."""
    if not database.exists():
        return 0
    try:
        with _db(database) as db:
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.Error:  # not created yet, or busy for a moment
        return 0


# -- printing --------------------------------------------------------------------------


def print_crash(figures: CrashFigures, verdict: Verdict, seconds: float) -> list[str]:
    """The figures of the crash trials; returns the problems among them."""
    kinds = ", ".join(f"{kind} {n}" for kind, n in verdict.kinds.most_common())
    rows = [
        ("trials", f"{figures.trials} (each: killed runs, then a clean run)"),
        (
            "kill points",
            f"{figures.kills} SIGKILLs landed ({figures.kills_mid_send} after the run"
            f" had handed a message over)",
        ),
        ("runs of mailflow", f"{figures.runs} (plus {figures.trials} reference runs)"),
        (
            "enquiries",
            f"{figures.requests} requests -> {verdict.enquiries[1]} enquiries"
            f" (reference {verdict.enquiries[0]}); states"
            f" {'identical' if verdict.states_match else 'DIFFER'} to the reference",
        ),
        ("replies written", f"{figures.actions} by people and the therapist"),
        ("messages expected", f"{verdict.expected} ({kinds})"),
        ("delivered", f"{verdict.delivered} (read back from every mailbox over IMAP)"),
        (
            "duplicates",
            f"{verdict.mailbox_duplicates} in mailboxes; {verdict.resends} re-sends"
            f" of an identical Message-ID on the wire ({verdict.resends_at_250} at the"
            f" 250-bookkeeping instant, {verdict.resends_other} elsewhere)",
        ),
        ("losses", str(verdict.losses)),
        ("different messages", f"{verdict.unexpected} (a second, different answer)"),
        ("order differs", f"{verdict.order_differs} mailboxes"),
        ("crashes", str(len(figures.crashes))),
        ("Sent copies twice", str(verdict.sent_copies_twice)),
        ("left in outbox", str(verdict.outbox_left)),
        ("replies not possible", f"{figures.blocked} (the mail to answer was missing)"),
        ("time", f"{seconds:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"   {name:<{width}}  {value}")
    for crash in figures.crashes[:10]:
        print(f"   ! {crash}")
    problems = []
    checks = (
        (verdict.losses == 0, f"{verdict.losses} messages lost"),
        (verdict.unexpected == 0, f"{verdict.unexpected} different messages"),
        (verdict.resends_other == 0, f"{verdict.resends_other} unexplained re-sends"),
        (not figures.crashes, f"{len(figures.crashes)} crashes"),
        (verdict.states_match, "enquiry states differ from the reference"),
        (verdict.reference_duplicates == 0, "the reference itself has duplicates"),
        (verdict.outbox_left == 0, "messages left in the outbox"),
        (figures.blocked == 0, "replies that could not be written"),
    )
    problems = [text for ok, text in checks if not ok]
    return problems


def print_cases(cases: Sequence[Case]) -> list[str]:
    problems = []
    for case in cases:
        print(f"   {case.name}: {'ok' if not case.problems else 'FAILED'}")
        for line in case.lines:
            print(f"     {line}")
        for problem in case.problems:
            print(f"     ! {problem}")
        problems += [f"{case.name}: {p}" for p in case.problems]
    return problems


def dovecot_version() -> str:
    for candidate in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot"):
        if os.access(candidate, os.X_OK):
            done = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, check=False
            )
            return done.stdout.strip() or "unknown"
    return "on PATH"


# -- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    parser.add_argument(
        "--trials",
        type=int,
        default=30,
        help="crash trials (default 30; more are added until 100 kills landed)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="a line for every trial"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    began = time.monotonic()
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print("mailflow reliability: SIGKILL, overlap and outages on a local mail server")
    print(f"  date     {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"  dovecot  {dovecot_version()}; {os.cpu_count()} CPUs; load {load}")
    print(f"  seed     {args.seed}")
    problems: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="mailflow-reliability-") as name,
        LocalMailServer() as server,
    ):
        tmp = Path(name)
        print(f"\n1. Crash trials: {args.trials} trials, backlog of {BACKLOG} requests")
        started = time.monotonic()
        figures, reference, crash, wire = crash_trials(
            server, tmp, args.seed, args.trials, verbose=args.verbose
        )
        verdict = verify(server, figures, reference, crash, wire)
        problems += print_crash(figures, verdict, time.monotonic() - started)
        print("\n2. Overlap")
        problems += print_cases(overlap(server, tmp, wire))
        print("\n3. Outages")
        outage_rng = random.Random(f"{args.seed}:outages")
        problems += print_cases(outages(server, tmp, wire, outage_rng))
    print()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(
        f"{'all guarantees held' if not problems else f'{len(problems)} problem(s)'};"
        f" {time.monotonic() - began:.0f} s in all"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
