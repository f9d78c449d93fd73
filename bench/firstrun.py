# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make bench`, section 6: the first run over a real mailbox (#13).

Dovecot is filled (MULTIAPPEND, arrival dates spread over a year) with 10,000
INBOX mails of a practice's life: newsletters and notifications, clients'
threads, auto-replies, calendar invitations, requests (some answered by hand),
a few with big attachments; and 2,000 mails in Sent, the therapist's own. Then,
each in a fresh interpreter, beside floors measured in the same run:

- `mailflow run` on a new database (the first run: Sent scanned whole, the
  inbox read as far back as a request may be answered), right after `mailflow
  check` (the target: the set-up the README gives, where `mailflow init` ends
  with a check and step 2 asks for one after any edit, so the first cron run
  finds the config validated and the phrase book compiled in the user's cache,
  as every other figure of #13 is measured after a warm-up run); and, for
  scale, the same first run with a config never validated before (a practice
  edits the config and skips the check: the first cron run pays pydantic's
  validation, ~0.15 s, as any run after an edit would, whatever the mailbox;
  the phrase book is still compiled, by a check of another config), and with
  nothing cached at all (an empty cache folder: a config written by hand,
  never checked, the phrase book compiled in the run);
- the bare header read of the same mail: an imapclient session that fetches
  what mailflow needs to decide (the header block, size and arrival date of
  the inbox's mail since the same day; the seven header fields mailflow reads
  of every Sent mail), nothing else;
- for scale, the headers of all 12,000 mails.

`python bench/firstrun.py [--inbox N --sent N]` runs this section alone.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from history import timed  # bench/history.py, beside this script

from mailflow.cli.devserver import LocalMailServer

PYTHON = sys.executable
INBOX = 10_000
SENT = 2_000
SPAN = timedelta(days=365)
"""The inbox's mail arrived over a year."""
MAX_AGE_DAYS = 7
"""workflow.max_request_age_days (the default): how far back the first run reads."""
REPEATS = 7
"""Runs of each (a fresh database each time): the median is reported."""
SENT_FIELDS = "TO CC BCC MESSAGE-ID IN-REPLY-TO REFERENCES X-MAILFLOW"

BARE_HEADERS = """
import sys
from datetime import date
from imapclient import IMAPClient

host, port, user, password, since, fields, every = sys.argv[1:8]
client = IMAPClient(host, port=int(port), ssl=False, timeout=30)
client.login(user, password)
client.select_folder("Sent", readonly=True)
uids = client.search(["ALL"])
for start in range(0, len(uids), 200):
    client.fetch(uids[start : start + 200], [f"BODY.PEEK[HEADER.FIELDS ({fields})]"])
client.select_folder("INBOX", readonly=True)
if every == "all":
    uids = client.search(["ALL"])
else:
    uids = client.search(["SINCE", date.fromisoformat(since)])
for start in range(0, len(uids), 200):
    client.fetch(
        uids[start : start + 200],
        ["BODY.PEEK[HEADER]", "RFC822.SIZE", "INTERNALDATE"],
    )
client.logout()
"""

PRACTICE = "year@riverside.example"
THERAPIST = "year-sam@riverside.example"

WORDS = (
    "Thank you for last week, it helped more than I expected. I've been thinking"
    " about what you said about boundaries at work and I tried it on Monday."
)
NEWSLETTER_HTML = (
    "<table><tr><td><h1>{title}</h1><p>{text}</p>"
    "<img src='https://cdn.example/{n}.png' width='600'></td></tr></table>\n"
)


@dataclass
class Story:
    """What was put in the mailbox, by kind."""

    inbox: dict[str, int]
    window: int
    requests_open: int
    bytes_in: int


def _message(
    sender: str, to: str, subject: str, at: datetime, **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1].strip(">"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def _invitation(at: datetime, n: int) -> str:
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    start = (at + timedelta(days=3)).strftime("%Y%m%dT100000Z")
    end = (at + timedelta(days=3)).strftime("%Y%m%dT110000Z")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\nMETHOD:REQUEST\r\n"
        f"BEGIN:VEVENT\r\nUID:supervision-{n}@peers.example\r\nDTSTAMP:{stamp}\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Peer supervision\r\n"
        f"ORGANIZER:mailto:ana@peers.example\r\nATTENDEE:mailto:{PRACTICE}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def inbox_mail(
    rng: random.Random, n: int, at: datetime, threads: list[str]
) -> tuple[str, bytes]:
    """One mail of a practice's inbox, of a kind drawn by its share."""
    roll = rng.random()
    if roll < 0.34:
        kind = "newsletter"
        message = _message(
            f"News <news@{rng.choice(('bacp', 'mind', 'shop', 'events'))}.example>",
            PRACTICE,
            f"This month: {rng.choice(('CPD', 'offers', 'events', 'research'))}",
            at,
            List_Unsubscribe="<https://lists.example/u>",
            Precedence="bulk",
        )
        message.set_content("Read this issue online.")
        body = "".join(
            NEWSLETTER_HTML.format(title=f"Story {i}", text=WORDS * 3, n=i)
            for i in range(rng.randint(5, 40))
        )
        message.add_alternative(body, subtype="html")
    elif roll < 0.50:
        kind = "notification"
        message = _message(
            "Booking system <no-reply@diary.example>",
            PRACTICE,
            "Your invoice is ready",
            at,
            Auto_Submitted="auto-generated",
        )
        message.set_content("Your monthly invoice is attached.\n" + WORDS)
        if rng.random() < 0.3:
            message.add_attachment(
                rng.randbytes(rng.randint(20_000, 120_000)),
                maintype="application",
                subtype="pdf",
                filename="invoice.pdf",
            )
    elif roll < 0.53:
        kind = "autoreply"
        message = _message(
            f"Client {n} <client{n % 300}@example.org>",
            PRACTICE,
            "Automatic reply: Re: next session",
            at,
            Auto_Submitted="auto-replied",
        )
        message.set_content("I am out of the office until Monday.")
    elif roll < 0.55:
        kind = "invitation"
        message = _message(
            "Ana <ana@peers.example>", PRACTICE, "Invitation: Peer supervision", at
        )
        message.set_content("Peer supervision, as usual.")
        message.add_alternative(
            _invitation(at, n), subtype="calendar", params={"method": "REQUEST"}
        )
    elif roll < 0.58:
        kind = "request"
        message = _message(
            f"Person {n} <person{n}@example.net>",
            PRACTICE,
            rng.choice(("Free consultation call", "Therapy enquiry", "Hello")),
            at,
        )
        # A number, as most requests carry one: phonenumbers is loaded.
        signature = f"\n\nMob: 07700 9{n % 100_000:05d}"
        message.set_content(
            "Hello, I found you online and would like to book the free 15 minute"
            " consultation call please. Mornings suit me best." + signature + "\n"
        )
    else:
        kind = "client"
        client = f"client{n % 300}@example.org"
        message = _message(
            f"Client <{client}>", PRACTICE, "Re: next session", at, In_Reply_To=""
        )
        del message["In-Reply-To"]
        if threads:
            parent = rng.choice(threads)
            message["In-Reply-To"] = parent
            message["References"] = parent
        message.set_content(WORDS * rng.randint(1, 4))
        if rng.random() < 0.5:
            message.add_alternative(f"<p>{WORDS}</p>", subtype="html")
        if rng.random() < 0.06:
            message.add_attachment(
                rng.randbytes(rng.randint(300_000, 3_000_000)),
                maintype=rng.choice(("image", "application")),
                subtype=rng.choice(("jpeg", "pdf")),
                filename="scan",
            )
    return kind, message.as_bytes()


def sent_mail(rng: random.Random, n: int, at: datetime) -> tuple[str, bytes]:
    """One of the therapist's own sent mails (a thread with a client)."""
    client = f"client{n % 300}@example.org"
    message = _message(f"Sam Rivera <{PRACTICE}>", client, "Re: next session", at)
    parent = make_msgid(domain="example.org")
    message["In-Reply-To"] = parent
    message["References"] = parent
    message.set_content(WORDS * rng.randint(1, 3))
    return str(message["Message-ID"]), message.as_bytes()


def fill(server: LocalMailServer, inbox: int, sent: int, now: datetime) -> Story:
    """Put a year of a practice's mail into Dovecot, oldest first."""
    rng = random.Random(13)
    counts: dict[str, int] = {}
    window = requests_open = total = 0
    horizon = now - timedelta(days=MAX_AGE_DAYS)
    threads: list[str] = []
    with server.imap(PRACTICE) as client:
        pending: list[dict[str, object]] = []
        for n in range(sent):
            at = now - SPAN + SPAN * (n + 0.5) / sent
            message_id, raw = sent_mail(rng, n, at)
            threads.append(message_id)
            pending.append({"msg": raw, "flags": [b"\\Seen"], "date": at})
            if len(pending) >= 200:
                client.multiappend("Sent", pending)
                pending = []
        if pending:
            client.multiappend("Sent", pending)
        pending = []
        answered: list[str] = []
        for n in range(inbox):
            at = now - SPAN + SPAN * (n + 0.5) / inbox
            kind, raw = inbox_mail(rng, n, at, threads[-200:])
            counts[kind] = counts.get(kind, 0) + 1
            total += len(raw)
            if at >= horizon - timedelta(days=1):
                window += 1
                if kind == "request":
                    if rng.random() < 0.4:
                        answered.append(raw.split(b"Message-ID: ")[1].split(b"\n")[0])
                    else:
                        requests_open += 1
            pending.append({"msg": raw, "date": at})
            if len(pending) >= 100:
                client.multiappend("INBOX", pending)
                pending = []
        if pending:
            client.multiappend("INBOX", pending)
        for parent in answered:  # the therapist answered these by hand
            message = _message(PRACTICE, "person@example.net", "Re: call", now)
            message["In-Reply-To"] = parent.decode().strip()
            message.set_content("Happy to talk, how is Thursday at 10?")
            client.append("Sent", message.as_bytes(), flags=[b"\\Seen"], msg_time=now)
    return Story(counts, window, requests_open, total)


def config_text(database: Path, server: LocalMailServer) -> str:
    return textwrap.dedent(f"""\
        [practice]
        name = "Riverside Counselling"
        email = "{PRACTICE}"
        therapist_name = "Sam Rivera"
        therapist_email = "{THERAPIST}"
        timezone = "Europe/London"
        country = "GB"

        [imap]
        host = "127.0.0.1"
        port = {server.imap_port}
        security = "plain"
        username = "{PRACTICE}"
        password = "{server.password}"
        timeout_s = 30

        [smtp]
        host = "127.0.0.1"
        port = {server.smtp_port}
        security = "plain"
        username = "{PRACTICE}"
        password = "{server.password}"
        timeout_s = 30

        [workflow]
        max_request_age_days = {MAX_AGE_DAYS}

        [storage]
        database = "{database}"
        """)


def forget_own_copies(server: LocalMailServer) -> int:
    """Take the copies a run filed in Sent back out, so that the next run
    meets the mailbox as the first did: its letters not yet in Sent, the
    open requests still unanswered (a run that finds its own reply there
    answers nothing, and costs less than a first run)."""
    with server.imap(PRACTICE) as client:
        client.select_folder("Sent")
        uids = client.search(["HEADER", "X-Mailflow", ""])
        if uids:
            client.delete_messages(uids)
            client.expunge()
    return len(uids)


def first_run_section(
    server: LocalMailServer,
    tmp: Path,
    inbox: int = INBOX,
    sent: int = SENT,
    also: str | None = None,
) -> list[tuple[str, str, str, str, bool | None]]:
    """`also`: another interpreter whose mailflow (another checkout's) runs the
    same first run on the same mailbox, alternating, for a before/after."""
    now = datetime.now(UTC).replace(microsecond=0)
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"\n6. First run over {inbox} INBOX + {sent} Sent mails")
    started = time.perf_counter()
    story = fill(server, inbox, sent, now)
    print(
        f"   filled in {time.perf_counter() - started:.0f} s:"
        f" {story.bytes_in / 1e6:.0f} MB in the inbox, "
        + ", ".join(f"{k} {n}" for k, n in sorted(story.inbox.items()))
    )
    print(
        f"   {story.window} mails since the first run's horizon,"
        f" {story.requests_open} of them requests not yet answered"
    )
    since = (now - timedelta(days=MAX_AGE_DAYS + 1)).date().isoformat()
    bare = [PYTHON, "-c", BARE_HEADERS, "127.0.0.1", str(server.imap_port)]
    bare += [PRACTICE, server.password, since, SENT_FIELDS]
    floor_needed = [*bare, "window"]
    floor_all = [*bare, "all"]
    timed(floor_all)  # warm-up: Dovecot builds its index and cache once
    pythons = {"mailflow": PYTHON} | ({"other": also} if also else {})
    warm = tmp / "warm"  # as `mailflow init` ends: the phrase book compiled
    warm.mkdir()
    (warm / "mailflow.toml").write_text(config_text(warm / "db.sqlite3", server))
    # The runs' own cache folder, not the developer's: only what this bench
    # put there (the check below) is in it.
    cache = {"XDG_CACHE_HOME": str(tmp / "cache")}
    for python in pythons.values():
        check = [python, "-m", "mailflow", "check", "--config"]
        timed([*check, str(warm / "mailflow.toml")], cache)
    kinds = {"after check": "checked", "config never validated": "edited"}
    kinds["nothing cached"] = "bare"
    runs: dict[tuple[str, str], list[float]] = {
        (name, kind): [] for name in pythons for kind in kinds
    }
    floors: list[float] = []
    everything: list[float] = []
    for n in range(REPEATS):
        for name, python in pythons.items():
            for kind, how in kinds.items():
                home = tmp / f"{name}-{n}-{how}"
                home.mkdir()
                config = home / "mailflow.toml"
                config.write_text(config_text(home / "mailflow.sqlite3", server))
                argv = [python, "-m", "mailflow"]
                if how == "checked":  # as `mailflow init` ends; not timed
                    timed([*argv, "check", "--config", str(config)], cache)
                # An empty cache folder of its own: neither config nor phrase book.
                extra = (
                    {"XDG_CACHE_HOME": str(home / "cache")} if how == "bare" else cache
                )
                before = len(server.smtp_log)
                run = [*argv, "run", "--config", str(config), "--now", now.isoformat()]
                runs[name, kind].append(timed(run, extra))
                letters = len(server.smtp_log) - before
                filed = forget_own_copies(server)
                print(
                    f"   first run {n + 1} ({name}, {kind}):"
                    f" {runs[name, kind][-1]:.2f} s, {letters} letters sent"
                    f" ({filed} copies taken back out of Sent)"
                )
                if letters != story.requests_open:
                    print(
                        f"   ! {letters} letters for {story.requests_open} open"
                        " requests: not a whole first run"
                    )
        floors.append(timed(floor_needed))
        everything.append(timed(floor_all))
    floor_s = statistics.median(floors)
    rows: list[tuple[str, str, str, str, bool | None]] = []
    for (name, kind), seconds in runs.items():
        mailflow_s = statistics.median(seconds)
        ratio = mailflow_s / floor_s
        target = kind == "after check"
        rows.append(
            (
                f"first run over {inbox} INBOX + {sent} Sent, {kind}"
                f" (median of {REPEATS})" + ("" if name == "mailflow" else f", {also}"),
                f"{mailflow_s * 1000:.0f} ms ({ratio:.2f}x;"
                f" runs {min(seconds) * 1000:.0f}-{max(seconds) * 1000:.0f})",
                f"bare header read {floor_s * 1000:.0f} ms"
                f" (runs {min(floors) * 1000:.0f}-{max(floors) * 1000:.0f};"
                f" all {inbox + sent} headers"
                f" {statistics.median(everything) * 1000:.0f} ms)",
                "<= 3x floor" if target else "(for scale)",
                ratio <= 3.0 if target else None,
            )
        )
    return rows


def print_table(rows: list[tuple[str, str, str, str, bool | None]]) -> None:
    heads = ("", "mailflow", "floor", "target", "")
    cells = [
        (w, f, fl, t, {True: "met", False: "MISSED"}.get(m, ""))
        for w, f, fl, t, m in rows
    ]
    widths = [max(len(c[i]) for c in [heads, *cells]) for i in range(len(heads))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for cell in [heads, *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=int, default=INBOX)
    parser.add_argument("--sent", type=int, default=SENT)
    parser.add_argument(
        "--also", help="another checkout's python: its first run beside this one's"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"  load     {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    with (
        tempfile.TemporaryDirectory(prefix="mailflow-firstrun-") as name,
        LocalMailServer() as server,
    ):
        rows = first_run_section(
            server, Path(name), args.inbox, args.sent, also=args.also
        )
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
