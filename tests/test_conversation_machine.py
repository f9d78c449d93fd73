"""Whole conversations, drawn by hypothesis, through the real worker.

A `RuleBasedStateMachine` plays a few people and the therapist writing to the
practice (requests, picks, "none of these", cancels, moves, yes and no to an
approval), moves a clock that only goes forward (across a change of the
clocks in Europe/London), and runs `cycle.run_once` on a real SQLite file with
the in-memory post office: through SMTP and IMAP outages, a crash after a
decision committed and before its letter went, and a crash after a letter went
and before its copy was filed. After every step it checks, from the database
file and the mailboxes themselves:

1. one answer per request: each request got one first answer (offer or safety
   message), or none when it needs none (a second mail while a conversation is
   open, nothing to offer);
2. no two live holds or bookings (or a move waiting for approval) on one time;
3. no hold left by a closed enquiry;
4. every letter sent once: no Message-ID twice on the wire or in any mailbox,
   and the outbox's sent letters are exactly what the SMTP server accepted;
5. nothing lost: once every server is up and a run has been, nothing waits in
   the outbox and every mail delivered to the practice was read;
6. a thread answered by hand (the therapist's own mail program files its reply
   in Sent) is theirs: once a run has seen it, the enquiry holds no time and
   mailflow sends nothing more in that thread;
7. after a delivery report says a letter to someone bounced, no time stays held
   for them and nothing more goes to that address until they write again.

No real server: this is part of the fast run (not `integration`).
"""

from __future__ import annotations

import contextlib
import email
import re
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support import answer, request, write_config

from mailflow.config import load_settings
from mailflow.errors import MailboxError
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice
from mailflow.shell.runner import RunReport

LONDON = ZoneInfo("Europe/London")
STARTS = (
    # Thursdays before the clocks change (29 March, 25 October 2026): offers
    # and calls fall on both sides of the change.
    datetime(2026, 3, 26, 9, 0, tzinfo=LONDON),
    datetime(2026, 10, 22, 16, 30, tzinfo=LONDON),
)
PRACTICE = "hello@riverside.example"
THERAPIST = "sam@riverside.example"
THERAPIST_FROM = f"Sam Rivera <{THERAPIST}>"
PEOPLE = (
    ("Jordan Lee", "jordan@example.org"),
    ("Casey Morgan", "casey@example.net"),
    ("Robin Patel", "robin@example.com"),
    ("Alex Kim", "alex@example.org"),
)
WHO = st.sampled_from(range(len(PEOPLE)))
STEPS = st.sampled_from(
    [
        timedelta(minutes=5),
        timedelta(minutes=50),
        timedelta(hours=3),
        timedelta(hours=13),
        timedelta(hours=25),
        timedelta(hours=49),
        timedelta(days=4),
        timedelta(days=6),
        "call-tomorrow",  # to the next booked call's eve: its reminder
        "call-over",  # to just after it: the follow-up
    ]
)
SLOT = timedelta(minutes=15)  # availability.slot_minutes (the default)

FIRST_ANSWERS = frozenset({"offer", "safety"})
"""What answers a request first (in reply to the request itself)."""
LISTS = frozenset({"offer", "offer_again"})
"""Letters with a numbered list of times a reply's "2" refers to."""
TO_APPROVE = frozenset({"approval_request", "approval_again", "move_request"})
CLOSED = ("closed", "cancelled", "stood_down", "escalated")
REQUESTS = (
    "Hello, I'd like to book the free 15 minute consultation call please.",
    "Hi, could I book the free 15 minute call? My number is 07700 900123.",
    "Hello, I'd like to book the free consultation call. Afternoons suit me best.",
)
PICKS = ("{n}", "Number {n} please, thank you!", "{n} works for me")
NONE_FIT = "None of those work for me, sorry. Could you send some other times?"
CANCEL = "I'm sorry, I need to cancel. Please cancel the call."
MOVE = "Something came up, can we move it to another day?"
CRISIS = (
    "I've been thinking about ending my life lately and I don't know who else to tell."
)
BY_HAND = "Hi, Sam here. I'll give you a ring this afternoon to find a time."
_IDS = re.compile(r"<[^<>\s]+>")


class Crash(BaseException):
    """The process dies here (a kill between two statements): nothing after it runs."""


class _Delegate:
    """Forwards everything to the adapter it wraps (entering and leaving included)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __enter__(self) -> Any:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class DiesBeforeSending(_Delegate):
    """Hands `survive` messages over, then the process dies before the next one:
    its decision committed, its letter not sent."""

    def __init__(self, inner: Any, survive: int) -> None:
        super().__init__(inner)
        self._left = survive

    def send(self, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
        if self._left <= 0:
            raise Crash("killed before handing the message over")
        self._left -= 1
        self._inner.send(sender, recipients, raw)


class DiesFilingCopy(_Delegate):
    """The first copy filed in Sent kills the run: the letter went (250), its
    copy is not filed. `how`: the process dies, or the IMAP server goes away."""

    def __init__(self, inner: Any, die: Any) -> None:
        super().__init__(inner)
        self._die = die

    def append(self, folder: str, raw: bytes, when: datetime) -> Any:
        self._die()
        return self._inner.append(folder, raw, when)


def _parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: EmailMessage, name: str) -> str:
    return str(message.get(name) or "").strip()


class Letter:
    """A mail as the checks read it: a few headers at once (cheaply, as the
    checks run after every step), the whole message only when answered."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        head = BytesHeaderParser(policy=compat32).parsebytes(raw)

        def field(name: str) -> str:
            return " ".join(str(head.get(name) or "").split())

        self.kind = field("X-Mailflow")
        self.message_id = field("Message-ID")
        self.in_reply_to = field("In-Reply-To")
        self.to = field("To")
        self.sender = parseaddr(field("From"))[1].lower()
        self.recipient = parseaddr(self.to)[1].lower()
        self.thread = frozenset(
            _IDS.findall(f"{self.in_reply_to} {field('References')}")
        )

    @cached_property
    def message(self) -> EmailMessage:
        return _parsed(self.raw)


def hand_answer(original: Letter, person: str, sent_at: datetime) -> bytes:
    """The therapist's own reply in a person's thread, from the practice's
    address, as their mail program writes it (and files it in Sent)."""
    message = EmailMessage()
    message["From"] = f"Riverside Counselling <{PRACTICE}>"
    message["To"] = person
    subject = str(original.message["Subject"] or "Your enquiry")
    message["Subject"] = "Re: " + subject.removeprefix("Re: ")
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="laptop.riverside.example")
    message["In-Reply-To"] = original.message_id
    message["References"] = " ".join([*sorted(original.thread), original.message_id])
    message.set_content(BY_HAND + "\n")
    return message.as_bytes()


def delivery_report(returned: Letter, failed: str, sent_at: datetime) -> bytes:
    """An RFC 3464 bounce of `returned` from the person's mail system: their
    address is gone (5.1.1); the returned letter's headers are attached."""
    boundary = "=_report_" + returned.message_id.strip("<>").replace("@", "_")
    head = returned.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return (
        (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
            f"To: {PRACTICE}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {format_datetime(sent_at)}\r\n"
            f"Message-ID: {make_msgid(domain='mx.example.org')}\r\n"
            "Auto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;\r\n"
            f' boundary="{boundary}"\r\n'
            "\r\n"
            f"--{boundary}\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "Your message could not be delivered to one or more recipients.\r\n\r\n"
            f"--{boundary}\r\n"
            "Content-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\n"
            f"Final-Recipient: rfc822; {failed}\r\n"
            "Action: failed\r\n"
            "Status: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
            f"--{boundary}\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\n"
        ).encode()
        + head.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        + (f"\r\n\r\n--{boundary}--\r\n").encode()
    )


class HandAnswer(NamedTuple):
    """A reply the therapist wrote by hand: to whom, the thread it answers,
    the Message-ID it carries, how many letters had gone by then, and the
    last letter mailflow had decided by then (its outbox id)."""

    person: str
    thread: frozenset[str]
    message_id: str
    wire_before: int
    decided_before: int


def _numbers(message: EmailMessage) -> int:
    """How many times a letter lists (its "  1. ..." lines)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return len(re.findall(r"^  \d\. ", part.get_content(), re.M))


class Conversations(RuleBasedStateMachine):
    """A practice's inbox over some days: people, the therapist, the clock, outages."""

    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="mailflow-machine-"))
        self.now = STARTS[0].astimezone(UTC)
        self.office = MemoryPostOffice(clock=lambda: self.now)
        self.requests: dict[str, str] = {}  # request Message-ID -> the person's address
        self.delivered: set[str] = set()  # Message-IDs of every mail to the practice
        self._cache: dict[tuple[str, int], Letter] = {}
        self._wire: list[Letter] = []
        self.by_hand: list[HandAnswer] = []
        # address -> (the bounce's Message-ID, how many letters had gone by then),
        # until the person writes again
        self.bounced: dict[str, tuple[str, int]] = {}

    # -- set-up and the clock ----------------------------------------------------

    @initialize(
        start=st.sampled_from(STARTS),
        approval=st.sampled_from(["therapist", "therapist", "auto"]),
        first=st.lists(WHO, min_size=1, max_size=len(PEOPLE), unique=True),
    )
    def configure(self, start: datetime, approval: str, first: list[int]) -> None:
        """A practice, and the first requests, answered in one run."""
        self.now = start.astimezone(UTC)
        self.approval = approval
        boxes = SimpleNamespace(practice=PRACTICE, therapist=THERAPIST)
        # Port 1: should a real adapter slip in, it fails at once.
        nowhere = SimpleNamespace(
            imap_port=1, smtp_port=1, password=self.office.password
        )
        # The sending caps are lifted: they hold letters back on purpose (tested
        # in test_guard), and here every letter decided must go.
        extra = (
            f'\n[workflow]\napproval = "{approval}"\n'
            "\n[limits]\nper_address_per_day = 1000\nper_run = 10000\nper_hour = 10000\n"
        )
        self.settings = load_settings(write_config(self.home, nowhere, boxes, extra))
        self.database = Path(self.settings.storage.database)
        for who in first:
            self.person_asks(who, REQUESTS[who % len(REQUESTS)], run_now=False)
        self.clean_run()

    def teardown(self) -> None:
        try:
            if hasattr(self, "settings"):
                self.settle()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def local(self) -> datetime:
        return self.now.astimezone(LONDON)

    def run(self, *, mailbox: Any = None, sender: Any = None) -> RunReport:
        report = run_once(
            self.settings,
            self.local(),
            wall_now=self.now,
            mailbox=mailbox or self.office.mailbox,
            sender=sender or self.office.sender,
        )
        # A mail whose handling raised is a bug, not an outage.
        assert report.failed == 0, report.summary()
        assert report.send_failed == 0, report.summary()
        return report

    def clean_run(self) -> RunReport:
        report = self.run()
        assert report.exit_code == 0, report.summary()
        self.nothing_waits()
        return report

    def settle(self) -> None:
        """Every server up, one run: nothing may be left waiting or unread."""
        self.office.imap_up()
        self.office.smtp_up()
        self.clean_run()

    # -- reading the mailboxes ---------------------------------------------------

    def inbox(self, user: str, folder: str = "INBOX") -> list[Letter]:
        found = []
        for stored in self.office.messages(user, folder):
            key = (f"{user}/{folder}", stored.uid)
            if key not in self._cache:
                self._cache[key] = Letter(stored.raw)
            found.append(self._cache[key])
        return found

    def latest(self, user: str, kinds: frozenset[str]) -> Letter | None:
        found = [m for m in self.inbox(user) if m.kind in kinds]
        return found[-1] if found else None

    def deliver(self, raw: bytes, run_now: bool) -> None:
        message_id = _header(_parsed(raw), "Message-ID")
        self.delivered.add(message_id)
        self.office.deliver(raw, PRACTICE)
        if run_now:
            self.clean_run()

    def reply(self, who: int, to: Letter, body: str, run_now: bool) -> None:
        name, address = PEOPLE[who]
        self.bounced.pop(address, None)  # they write again
        raw = answer(
            to.message, sender=f"{name} <{address}>", body=body, sent_at=self.local()
        )
        self.deliver(raw, run_now)

    # -- the people ----------------------------------------------------------------

    @rule(who=WHO, text=st.sampled_from(REQUESTS), run_now=st.booleans())
    def person_asks(self, who: int, text: str, run_now: bool) -> None:
        name, address = PEOPLE[who]
        raw = request(
            sender=f"{name} <{address}>", to=PRACTICE, body=text, sent_at=self.local()
        )
        self.requests[_header(_parsed(raw), "Message-ID")] = address
        self.bounced.pop(address, None)  # they write again
        self.deliver(raw, run_now)

    def answers(self) -> list[tuple[str, int, Letter]]:
        """What could be written now, weighted by repetition: (what, who, the
        letter it answers). A person answers the last list of times they had
        (picking a number they were offered, or none), the last letter they had
        ("please cancel"), their confirmation ("can we move it?"); the therapist
        answers an approval request, mostly the newest one."""
        found: list[tuple[str, int, Letter]] = []
        for who, (_, address) in enumerate(PEOPLE):
            letters = self.inbox(address)
            if not letters:
                continue
            offer = self.latest(address, LISTS)
            if offer is not None:
                found += [("pick", who, offer)] * 4 + [("none-fit", who, offer)]
            found += [("cancel", who, letters[-1])]
            confirmation = self.latest(address, frozenset({"confirmation"}))
            if confirmation is not None:
                found += [("move", who, confirmation)] * 2
        asked = [m for m in self.inbox(THERAPIST) if m.kind in TO_APPROVE]
        if asked:
            found += [("yes", -1, asked[-1])] * 4 + [("no", -1, asked[-1])]
            found += [("yes", -1, m) for m in asked[:-1]]
        return found

    @precondition(lambda self: bool(self.answers()))
    @rule(
        data=st.data(),
        crisis=st.sampled_from([False] * 11 + [True]),
        run_now=st.booleans(),
    )
    def someone_answers(self, data: st.DataObject, crisis: bool, run_now: bool) -> None:
        what, who, letter = data.draw(st.sampled_from(self.answers()), label="answer")
        if what in ("yes", "no"):
            words = (
                "Yes, lovely." if what == "yes" else "No, sorry, I can't do that one."
            )
            raw = answer(
                letter.message, sender=THERAPIST_FROM, body=words, sent_at=self.local()
            )
            self.deliver(raw, run_now)
            return
        if crisis:  # words of clear risk: the enquiry is the therapist's from now on
            words = CRISIS
        elif what == "pick":
            count = _numbers(letter.message)
            assert count >= 1, "a list of times without a time"
            number = data.draw(st.integers(1, count), label="number")
            words = data.draw(st.sampled_from(PICKS), label="words").format(n=number)
        else:
            words = {"none-fit": NONE_FIT, "cancel": CANCEL, "move": MOVE}[what]
        self.reply(who, letter, words, run_now)

    # -- the therapist's own mail program, and the people's mail systems -----------

    def hand_answerable(self) -> list[tuple[int, Letter]]:
        """Mail in a person's threads the therapist could answer by hand: the
        person's own in the practice's inbox, mailflow's to them in Sent."""
        found: list[tuple[int, Letter]] = []
        for who, (_, address) in enumerate(PEOPLE):
            theirs = [m for m in self.inbox(PRACTICE) if m.sender == address]
            ours = [
                m
                for m in self.inbox(PRACTICE, "Sent")
                if m.kind and m.recipient == address
            ]
            # Mostly someone holding a time: the hold a hand answer must free.
            weight = 4 if self.held_by("lower(e.email) = ?", address) else 1
            found += [(who, m) for m in theirs[-2:] + ours[-2:]] * weight
        return found

    @precondition(lambda self: bool(self.hand_answerable()))
    @rule(data=st.data(), run_now=st.booleans())
    def therapist_answers_by_hand(self, data: st.DataObject, run_now: bool) -> None:
        """The therapist answers a person's thread from their own mail program:
        the reply goes to the person and its copy lands in the practice's Sent,
        which is all the worker sees of it."""
        self.answer_by_hand(data, self.hand_answerable(), run_now)

    def holding(self) -> list[tuple[int, Letter]]:
        return [
            (who, letter)
            for who, letter in self.hand_answerable()
            if self.held_by("lower(e.email) = ?", PEOPLE[who][1])
        ]

    @precondition(lambda self: bool(self.holding()))
    @rule(data=st.data(), run_now=st.booleans())
    def therapist_answers_a_held_pick_by_hand(
        self, data: st.DataObject, run_now: bool
    ) -> None:
        """The case of #8: a time held for someone's pick, their thread answered
        by hand (holds are short-lived, so this is drawn on purpose)."""
        self.answer_by_hand(data, self.holding(), run_now)

    def answer_by_hand(
        self, data: st.DataObject, threads: list[tuple[int, Letter]], run_now: bool
    ) -> None:
        who, letter = data.draw(st.sampled_from(threads), label="by hand")
        name, address = PEOPLE[who]
        raw = hand_answer(letter, f"{name} <{address}>", self.local())
        sent = Letter(raw)
        self.by_hand.append(
            HandAnswer(
                address,
                sent.thread,
                sent.message_id,
                len(self.office.smtp_log),
                self.query("SELECT COALESCE(MAX(id), 0) FROM outbox")[0][0]
                if self.database.exists()
                else 0,
            )
        )
        self.office.append(PRACTICE, "Sent", raw, ("\\Seen",), when=self.now)
        self.office.deliver(raw, address)
        if run_now:
            self.clean_run()

    def bounceable(self) -> list[tuple[int, Letter]]:
        """The latest letters mailflow sent each person: any may come back."""
        found: list[tuple[int, Letter]] = []
        for who, (_, address) in enumerate(PEOPLE):
            went = [m for m in self.wire() if m.recipient == address]
            weight = 4 if self.held_by("lower(e.email) = ?", address) else 1
            found += [(who, m) for m in went[-2:]] * weight
        return found

    @precondition(lambda self: bool(self.bounceable()))
    @rule(data=st.data(), run_now=st.booleans())
    def a_letter_bounces(self, data: st.DataObject, run_now: bool) -> None:
        """A person's mailbox is gone: their mail system returns a letter of
        ours with a delivery report, into the practice's inbox."""
        who, letter = data.draw(st.sampled_from(self.bounceable()), label="bounced")
        address = PEOPLE[who][1]
        raw = delivery_report(letter, address, self.local())
        if address not in self.bounced:
            self.bounced[address] = (
                _header(_parsed(raw), "Message-ID"),
                len(self.office.smtp_log),
            )
        self.deliver(raw, run_now)

    # -- the clock and the runs ----------------------------------------------------

    @rule(step=STEPS, twice=st.booleans())
    def time_passes(self, step: timedelta | str, twice: bool) -> None:
        """Real time (UTC) moves on and a run comes: timers come due (reminders,
        nudges, lapses, follow-ups). `twice`: a second run at the same moment
        decides and sends nothing more."""
        if isinstance(step, str):
            starts = sorted(
                datetime.fromisoformat(start)
                for (start,) in self.query(
                    "SELECT start_at FROM calls WHERE status = 'booked'"
                    " AND start_at > ?",
                    self.now.isoformat(),
                )
            )
            if not starts:
                return
            at = starts[0] - timedelta(hours=20)
            if step == "call-over":
                at = starts[0] + timedelta(hours=3)
            step = max(at - self.now, timedelta(minutes=5))
        self.now += step
        self.clean_run()
        if twice:
            wire = len(self.office.smtp_log)
            before = self.snapshot()
            again = self.clean_run()
            assert again.sent == 0
            assert len(self.office.smtp_log) == wire
            assert self.snapshot() == before

    @rule(
        trouble=st.sampled_from(
            ["smtp-down", "imap-down", "crash-before-send", "crash-filing", "imap-dies"]
        ),
        survive=st.integers(0, 2),
    )
    def a_run_goes_wrong(self, trouble: str, survive: int) -> None:
        """One run meets an outage or a crash; the servers are back afterwards
        (the next clean run must then catch up, losing and repeating nothing).

        - smtp-down: letters decided wait in the outbox;
        - imap-down: the run stops before reading or deciding anything;
        - crash-before-send: the process dies after the decisions committed,
          before (some of) their letters were handed over;
        - crash-filing / imap-dies: a letter went (250), then the process dies,
          or the IMAP server goes away, while its copy is filed in Sent.
        """
        if trouble == "smtp-down":
            self.office.smtp_down()
            report = self.run()
            assert (report.exit_code == 3) == bool(report.smtp_down), report.summary()
            self.office.smtp_up()
        elif trouble == "imap-down":
            self.office.imap_down()
            before = self.snapshot()
            with pytest.raises(MailboxError):
                self.run()
            assert self.snapshot() == before
            self.office.imap_up()
        elif trouble == "crash-before-send":
            office = self.office
            with contextlib.suppress(Crash):
                self.run(
                    sender=lambda cfg: DiesBeforeSending(office.sender(cfg), survive)
                )
        else:

            def die() -> None:
                if trouble == "imap-dies":
                    self.office.imap_down()
                else:
                    raise Crash("killed after the 250, before the copy was filed")

            office = self.office
            with contextlib.suppress(Crash, MailboxError):
                self.run(mailbox=lambda cfg: DiesFilingCopy(office.mailbox(cfg), die))
            self.office.imap_up()

    # -- the invariants ----------------------------------------------------------------

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        if not self.database.exists():
            return []
        db = sqlite3.connect(self.database)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def snapshot(self) -> tuple[object, ...]:
        """What a run may change: enquiries, calls, the outbox, the mailboxes."""
        return (
            self.query("SELECT * FROM enquiries ORDER BY id"),
            self.query("SELECT * FROM calls ORDER BY enquiry_id"),
            self.query("SELECT id, message_id, status FROM outbox ORDER BY id"),
            self.query("SELECT * FROM seen ORDER BY uidvalidity, uid"),
            len(self.office.smtp_log),
        )

    def wire(self) -> list[Letter]:
        """Every message the SMTP server accepted, in order (parsed once)."""
        log = self.office.smtp_log
        self._wire += [Letter(r.data) for r in log[len(self._wire) :]]
        return self._wire

    @invariant()
    def one_answer_per_request(self) -> None:
        wire = [m for m in self.wire() if m.kind in FIRST_ANSWERS]
        waiting = [
            Letter(bytes(raw))
            for (raw,) in self.query(
                "SELECT raw FROM outbox JOIN outbox_bodies ON outbox_id = id"
                " WHERE status = 'pending' AND kind IN ('offer', 'safety')"
            )
        ]
        seen = dict(self.query("SELECT fingerprint, outcome FROM seen"))
        for message_id, address in self.requests.items():
            sent = [m for m in wire if m.in_reply_to == message_id]
            queued = [m for m in waiting if m.in_reply_to == message_id]
            assert len(sent) <= 1, f"request {message_id} answered {len(sent)} times"
            assert len(sent) + len(queued) <= 1, (
                f"request {message_id}: a second answer waits"
            )
            for letter in sent + queued:
                assert letter.to.endswith(f"<{address}>") or letter.to == address
            outcome = seen.get(message_id)
            # A first answer still waiting when their address bounced is dropped.
            dropped = self.query(
                "SELECT o.id FROM outbox o JOIN enquiries e ON o.enquiry_id = e.id"
                " WHERE e.request_message_id = ? AND o.status = 'dropped'"
                " AND o.kind IN ('offer', 'safety')",
                message_id,
            )
            if outcome in ("request", "crisis"):
                answered = len(sent) + len(queued)
                assert answered == 1 or (answered == 0 and dropped), (
                    f"request {message_id} ({outcome}) unanswered"
                )
            elif outcome is not None:
                assert not sent + queued, f"request {message_id} ({outcome}) answered"

    @invariant()
    def no_two_holds_on_one_time(self) -> None:
        live = self.query(
            "SELECT enquiry_id, start_at, end_at FROM calls WHERE status IN ('held', 'booked')"
        )
        moves = [
            (e, start, (datetime.fromisoformat(start) + SLOT).isoformat())
            for e, start in self.query(
                "SELECT id, counter_start_at FROM enquiries"
                " WHERE state = 'booked' AND counter_start_at IS NOT NULL"
            )
        ]
        spans = [
            (e, datetime.fromisoformat(a), datetime.fromisoformat(b))
            for e, a, b in live + moves
        ]
        for i, (one, a1, b1) in enumerate(spans):
            for other, a2, b2 in spans[i + 1 :]:
                if one != other:
                    assert not (a1 < b2 and a2 < b1), (
                        f"enquiries {one} and {other} both hold {a1}..{b1} / {a2}..{b2}"
                    )

    @invariant()
    def no_hold_left_by_a_closed_enquiry(self) -> None:
        left = self.query(
            "SELECT e.id, e.state FROM enquiries e JOIN calls c ON c.enquiry_id = e.id"
            f" WHERE c.status = 'held' AND e.state IN ({', '.join('?' * len(CLOSED))})",
            *CLOSED,
        )
        assert not left, f"closed enquiries still hold a time: {left}"

    @invariant()
    def every_letter_sent_once(self) -> None:
        handed = [m.message_id for m in self.wire()]
        assert len(handed) == len(set(handed)), "a letter was handed over twice"
        for user in (THERAPIST, *(a for _, a in PEOPLE)):
            ids = [m.message_id for m in self.inbox(user)]
            assert len(ids) == len(set(ids)), f"{user} got a letter twice"
        by_hand = {hand.message_id for hand in self.by_hand}
        filed = [
            m.message_id
            for m in self.inbox(PRACTICE, "Sent")
            if m.message_id not in by_hand  # the therapist's own mail program's
        ]
        assert len(filed) == len(set(filed)), "a copy was filed twice"
        assert set(filed) <= set(handed), "a copy filed of a letter never sent"
        rows = self.query("SELECT message_id, status FROM outbox")
        went = {m for m, status in rows if status in ("sent", "done")}
        assert went == set(handed), (
            f"sent per outbox but not on the wire: {went - set(handed)};"
            f" on the wire but not sent per outbox: {set(handed) - went}"
        )

    def held_by(self, where: str, *args: object) -> list[tuple[Any, ...]]:
        return self.query(
            "SELECT e.id, e.state, c.start_at FROM enquiries e"
            f" JOIN calls c ON c.enquiry_id = e.id WHERE c.status = 'held' AND {where}",
            *args,
        )

    @invariant()
    def a_thread_answered_by_hand_is_the_therapists(self) -> None:
        answered = {m for (m,) in self.query("SELECT message_id FROM answered_by_hand")}
        for hand in self.by_hand:
            if not hand.thread <= answered:
                continue  # no run has read Sent since
            marks = ", ".join("?" * len(hand.thread))
            owners = self.query(
                f"SELECT DISTINCT enquiry_id FROM thread_ids WHERE message_id IN ({marks})",
                *hand.thread,
            )
            thread = set(hand.thread)
            for (owner,) in owners:
                assert not self.held_by("e.id = ?", owner), (
                    f"enquiry {owner} answered by hand still holds a time"
                )
                thread |= {
                    m
                    for (m,) in self.query(
                        "SELECT message_id FROM thread_ids WHERE enquiry_id = ?", owner
                    )
                }
            # A safety message mailflow decided before the hand answer still
            # goes when the server is back: it is never withdrawn
            # (Store.withdraw_letters). One decided after it never is.
            owed = {
                m
                for (m,) in self.query(
                    "SELECT message_id FROM outbox WHERE kind = 'safety' AND id <= ?",
                    hand.decided_before,
                )
            }
            late = [
                m.kind
                for m in self.wire()[hand.wire_before :]
                if m.recipient == hand.person
                and (m.message_id in thread or m.thread & thread)
                and not (m.kind == "safety" and m.message_id in owed)
            ]
            assert not late, f"mailflow wrote {late} in a thread answered by hand"

    @invariant()
    def nothing_goes_to_an_address_that_bounced(self) -> None:
        seen = dict(self.query("SELECT fingerprint, outcome FROM seen"))
        for address, (report, wire_before) in self.bounced.items():
            late = [m.kind for m in self.wire()[wire_before:] if m.recipient == address]
            assert not late, f"{late} sent to an address that bounced"
            outcome = seen.get(report)
            if outcome is None:
                continue  # not read yet
            assert outcome == "bounce", f"a bounce of our letter read as {outcome}"
            held = self.held_by("lower(e.email) = ?", address)
            assert not held, f"a time stays held for an address that bounced: {held}"

    def nothing_waits(self) -> None:
        waiting = self.query(
            "SELECT id, kind, status, next_attempt_at FROM outbox"
            " JOIN outbox_bodies ON outbox_id = id WHERE status IN ('pending', 'sent')"
        )
        assert not waiting, f"left in the outbox after a clean run: {waiting}"
        seen = {m for (m,) in self.query("SELECT fingerprint FROM seen")}
        assert self.delivered <= seen, f"never read: {self.delivered - seen}"


def test_conversations_through_the_real_worker() -> None:
    run_state_machine_as_test(
        Conversations,
        settings=settings(
            max_examples=40,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
