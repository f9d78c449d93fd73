"""One cycle of the worker: scan Sent, read new mail, decide, send. The one orchestrator.

Reads and decides through the pure modules; touches the world only through the
Store, the ImapMailbox and the SmtpSender it is given. Each mail's decision and
the messages it causes commit in one transaction; sending happens afterwards
from the outbox, so a crash anywhere loses nothing and repeats no decision.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from time import process_time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow import __version__
from mailflow.errors import (
    BusyCalendarError,
    ConfigError,
    MailboxAuthError,
    MailboxError,
    MailOverBudget,
)
from mailflow.lazy import lazy_module
from mailflow.model import (
    OPEN_STATES,
    Enquiry,
    InboundMail,
    State,
    Verdict,
)
from mailflow.shell import privacy
from mailflow.shell.budget import mail_budget, paused
from mailflow.shell.digest import Digest
from mailflow.shell.mailbox import FETCH_BATCH, READ_LIMIT
from mailflow.shell.outbox import Outbox
from mailflow.shell.ports import Mailbox, Sender
from mailflow.shell.store import Folder, Store

# An empty poll (nothing new, nothing due, nothing queued) needs none of these:
# they load on first use (icalendar, phonenumbers, jinja2 and many regexes).
if TYPE_CHECKING:
    from email.message import Message
    from email.parser import BytesHeaderParser

    from mailflow.config import Settings
    from mailflow.deciding import decide, timing, workflow
    from mailflow.model import CalendarMessage
    from mailflow.reading import (
        bounce,
        classify,
        diary_doubt,
        parse,
        quoting,
        reply_risk,
        screen,
        sent,
    )
    from mailflow.reading.classify import RequestPolicy
    from mailflow.shell import bounces, caldav_sync, conversation, intake, schedule
    from mailflow.shell.conversation import Conversation
    from mailflow.shell.intake import Intake, MailKey
    from mailflow.shell.mailbox import FolderStatus, HeaderFetch, Outline
    from mailflow.shell.schedule import Schedule
    from mailflow.writing import calendar, letters
    from mailflow.writing.letters import AfterCallLetters
else:
    bounce = lazy_module("mailflow.reading.bounce")
    bounces = lazy_module("mailflow.shell.bounces")
    intake = lazy_module("mailflow.shell.intake")
    decide = lazy_module("mailflow.deciding.decide")
    timing = lazy_module("mailflow.deciding.timing")
    workflow = lazy_module("mailflow.deciding.workflow")
    calendar = lazy_module("mailflow.writing.calendar")
    caldav_sync = lazy_module("mailflow.shell.caldav_sync")
    classify = lazy_module("mailflow.reading.classify")
    diary_doubt = lazy_module("mailflow.reading.diary_doubt")
    conversation = lazy_module("mailflow.shell.conversation")
    letters = lazy_module("mailflow.writing.letters")
    parse = lazy_module("mailflow.reading.parse")
    quoting = lazy_module("mailflow.reading.quoting")
    reply_risk = lazy_module("mailflow.reading.reply_risk")
    schedule = lazy_module("mailflow.shell.schedule")
    screen = lazy_module("mailflow.reading.screen")
    sent = lazy_module("mailflow.reading.sent")

log = logging.getLogger("mailflow")

MAX_ATTEMPTS_PER_MAIL = 3
"""A mail whose handling crashes this many runs in a row is set aside (logged)."""

SENT_BATCH = 500
"""Sent mails learned from per transaction (one fsync each, not one per mail)."""
QUIET_AT_MOST = timedelta(hours=1)
"""A quiet poll stands in for a run this long at most: whatever is owed by the
hour (a purge past retention, a daily note) is never later than that."""
BODY_BATCH = 50
"""New mails whose bodies are read in one UID FETCH (one round trip, not 50)."""
FIRST_BODY_BATCH = 5
"""...but a poll's first batch only this many (#13: its first mail is decided,
and its answer may go ahead, sooner; one round trip more)."""
BODY_BATCH_BYTES = 8 * 1024 * 1024
"""...and at most this much of them by RFC822.SIZE, so memory stays bounded."""

NEW_UIDS_UNSEARCHED = 50
"""New UIDs (by STATUS) up to which the inbox's new mail is fetched by its
possible UIDs at once, without a UID SEARCH first: one round trip fewer."""

_DISPOSITION = re.compile(rb"(?im)^content-disposition:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")


@dataclass
class RunReport:
    """What one cycle did, PII-free, for the summary line and the exit code."""

    new: int = 0
    requests: int = 0
    ignored: int = 0
    bad: int = 0
    failed: int = 0
    sent: int = 0
    send_failed: int = 0
    deferred: int = 0
    waiting: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    smtp_down: str | None = None
    calendar_down: str | None = None
    quiet_until: datetime | None = None
    """Until when nothing is owed and a quiet poll may stand in for a run
    (`mailflow.shell.quiet`); None: the next run must be a whole one."""
    folders: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Where the run left each folder it reads (UIDVALIDITY, UIDNEXT)."""

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    @property
    def exit_code(self) -> int:
        if self.smtp_down:
            return 3
        return 1 if self.failed or self.send_failed or self.deferred else 0

    def summary(self) -> str:
        parts = [f"{self.new} new", f"{self.requests} answered", f"{self.sent} sent"]
        if self.ignored:
            parts.append(f"{self.ignored} left alone")
        if self.bad:
            parts.append(f"{self.bad} unreadable")
        if self.failed:
            parts.append(f"{self.failed} failed (retried next run)")
        if self.deferred:
            parts.append(f"{self.deferred} deferred by the mail server (retried later)")
        if self.send_failed:
            parts.append(f"{self.send_failed} could not be sent or filed")
        if self.waiting:
            parts.append(f"{self.waiting} waiting in the outbox")
        return ", ".join(parts)


def timing_rules(settings: Settings) -> timing.TimingRules:
    rules = settings.workflow
    quiet_from, quiet_until = rules.quiet_hours.split("-")
    return timing.TimingRules(
        reminder_before=timedelta(hours=rules.reminder_hours_before),
        followup_after=timedelta(hours=rules.followup_hours_after),
        offer_expiry=timedelta(days=rules.offer_expiry_days),
        nudge_after=timedelta(days=rules.nudge_days),
        hold_for=timedelta(hours=rules.hold_hours),
        quiet_from=time.fromisoformat(quiet_from),
        quiet_until=time.fromisoformat(quiet_until),
    )


def enquiry_view(settings: Settings, store: Store, enquiry: Enquiry) -> timing.View:
    """What timing needs to know about one enquiry."""
    call = store.call(enquiry.id)
    zone = timing.fixed_zone(enquiry.sender_offset_minutes) or ZoneInfo(
        settings.practice.timezone
    )
    booked = call is not None and call.status == "booked"
    held = call is not None and call.status == "held"
    return timing.View(
        held_at=call.held_at if held and call else None,
        held_start_at=call.start_at if held and call else None,
        move_asked_at=enquiry.move_asked_at if booked else None,
        move_start_at=enquiry.counter_start_at if booked else None,
        hold_reminded_at=enquiry.hold_reminded_at,
        state=enquiry.state,
        zone=zone,
        call_start_at=call.start_at if booked and call else None,
        call_end_at=call.end_at if booked and call else None,
        booked_at=store.call_booked_at(enquiry.id) if booked else None,
        offered_at=enquiry.offered_at,
        nudged_at=enquiry.nudged_at,
        reminded_at=enquiry.reminded_at,
        followed_up_at=enquiry.followed_up_at,
        followup_nudged_at=enquiry.followup_nudged_at,
    )


def fingerprint(mail: InboundMail, size: int) -> str:
    """Identity of a mail across UIDVALIDITY changes: its Message-ID, else a hash."""
    if mail.message_id:
        return mail.message_id
    basis = f"{mail.date_at}|{mail.from_addr}|{mail.subject}|{size}".encode()
    return "sha256:" + hashlib.sha256(basis).hexdigest()


class Runner:
    """One run over one mailbox; `run()` is the whole cycle."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        mailbox: Mailbox,
        sender: Sender,
        *,
        now: datetime,
        wall_now: datetime,
        dry_run: bool = False,
    ) -> None:
        self.dry_run = dry_run
        self.settings = settings
        self.store = store
        self.mailbox = mailbox
        self.sender = sender
        self.now = now
        self.wall_now = wall_now
        self.report = RunReport()
        self._heads: dict[int, InboundMail] = {}  # the current batch's, by UID
        self._bodies: dict[int, bytes] = {}
        self._outlines: dict[int, Outline] = {}  # the current batch's, by UID
        self._spent: dict[int, float] = {}  # CPU a mail already cost in `_prefetch`
        self._automated: dict[int, str | None] = {}  # `_is_automated`, by UID
        self._poll_heads: dict[int, InboundMail] = {}  # read ahead, by UID
        self._poll_spent: dict[int, float] = {}  # the CPU that reading cost
        self._last_report = -1  # the poll's last mail that may be a report
        self._read_so_far = 0  # the poll's mails read so far
        self._marks: list[tuple[MailKey, str]] = []  # left alone, not yet committed
        self._marked: set[tuple[int, int] | str] = set()  # their keys and fingerprints
        self._statuses: dict[str, FolderStatus] = {}  # asked together, used once
        self._owed: list[datetime | None] = []  # each open enquiry's next timed step

    # Built on first use: an empty poll writes, reads and classifies nothing.

    @cached_property
    def letters(self) -> AfterCallLetters:
        return letters.AfterCallLetters(self.settings, self.store, self.now)

    @cached_property
    def schedule(self) -> Schedule:
        return schedule.Schedule(self.settings, self.store, self.now)

    @cached_property
    def conversation(self) -> Conversation:
        return conversation.Conversation(
            self.settings, self.store, self.letters, self.schedule, self.now
        )

    @cached_property
    def intake(self) -> Intake:
        return intake.Intake(
            self.settings,
            self.store,
            self.now,
            self.report,
            letters=self.letters,
            conversation=self.conversation,
            schedule=self.schedule,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(
            self.settings,
            self.store,
            self.mailbox,
            self.sender,
            now=self.now,
            report=self.report,
            letters=lambda: self.letters,
            dry_run=self.dry_run,
        )

    @cached_property
    def policy(self) -> RequestPolicy:
        settings = self.settings
        practice = settings.practice
        return classify.RequestPolicy(
            practice_email=practice.email,
            therapist_email=practice.therapist_email,
            country=practice.country,
            intent_phrases=settings.requests.keywords,
            subject_phrases=settings.requests.subjects,
            form_senders=settings.requests.form_senders,
            crisis_phrases=settings.safety.extra_phrases,
            therapist_name=practice.therapist_name,
        )

    def run(self) -> RunReport:
        self.find_sent_folder()
        imap = self.settings.imap
        # Both folders' STATUS in one round trip: the whole of an empty poll.
        self._statuses = self.mailbox.statuses([imap.sent_folder, imap.folder])
        self.scan_sent()
        self.poll_inbox()
        self.tell_if_calendar_down()
        # One flush, after the clock's work: a hold that lapses in this same
        # run takes its letters back before they go (`Outbox._still_wanted`);
        # replies first would send "held" and "let go" together. (Only a new
        # enquiry's first letters may have gone already, while the inbox was
        # read, where nothing could tell against them: `Outbox.open_ahead`.)
        self.timed_work()
        self.daily_digest()
        self.flush_outbox()
        self.flush_calendar()
        privacy.purge(
            self.store,
            now=self.now,
            retention_days=self.settings.storage.retention_days,
        )
        self.store.set_meta("last_run_at", self.now.isoformat())
        try:
            self.report.quiet_until = self._quiet_until()
        except Exception as exc:  # the work is done: the next run is whole
            log.info("no quiet mark (%s)", type(exc).__name__)
        return self.report

    def _quiet_until(self) -> datetime | None:
        """Until when a quiet poll may stand in for a run: nothing failed or
        waits (a letter, a calendar write, an unreadable calendar), and no
        timed step, digest or hour is owed before it."""
        if self.dry_run or self.report.exit_code or self.report.calendar_down:
            return None
        if self.store.work_waiting():
            return None
        imap = self.settings.imap
        for name, key in (
            (imap.folder, imap.folder),
            (imap.sent_folder, f"sent:{imap.sent_folder}"),
        ):
            if (folder := self.store.folder(key)) is None:
                return None
            self.report.folders[name] = (folder.uidvalidity, folder.uidnext)
        zone = ZoneInfo(self.settings.practice.timezone)
        digest = timing.next_digest(self.settings.workflow.digest_at, zone, self.now)
        return timing.quiet_until([*self._owed, digest], self.now, QUIET_AT_MOST)

    def tell_if_calendar_down(self) -> None:
        """Requests wait while a busy calendar cannot be read: tell the therapist
        (once a day; the alert goes out with this run's outbox)."""
        built = self.__dict__.get("schedule")  # not built: no calendar read
        for feed in built.skipped if built is not None else ():
            with self.store.transaction():
                self.letters.calendar_skipped(feed)
        if self.report.calendar_down is None:
            return
        zone = ZoneInfo(self.settings.practice.timezone)
        day = self.now.astimezone(zone).date().isoformat()
        with self.store.transaction():
            self.letters.calendar_alert(self.report.calendar_down, day)

    def find_sent_folder(self) -> None:
        """`imap.sent_folder` unset: the folder the server marks \\Sent (found once)."""
        imap = self.settings.imap
        if imap.sent_folder:
            return
        from dataclasses import replace

        from mailflow.shell import folders

        name = folders.sent_folder(self.mailbox, self.store, "")
        self.settings = replace(self.settings, imap=replace(imap, sent_folder=name))

    def _status(self, name: str, key: str) -> FolderStatus:
        """STATUS of a configured folder; a folder the server does not have is a
        configuration error (exit 2, naming the key), not an outage."""
        if (known := self._statuses.pop(name, None)) is not None:
            return known
        try:
            return self.mailbox.status(name)
        except MailboxAuthError:
            raise
        except MailboxError:
            if self.mailbox.folder_exists(name):
                raise
            from mailflow.shell import folders

            if key == "imap.sent_folder" and self.store.get_meta(
                folders.FOUND_SENT_META
            ):
                folders.forget_sent_folder(self.store)  # gone: look again next run
            raise ConfigError(
                [
                    f"{key}: the IMAP server has no folder named {name!r}"
                    + (
                        folders.suggestion(self.mailbox, key, name)
                        or "; use the exact name your mail program shows"
                        ' (Gmail: "[Gmail]/Sent Mail", Microsoft 365: "Sent Items")'
                    )
                ]
            ) from None

    # -- the Sent folder: who the practice writes to, and what it answered by hand --

    def scan_sent(self) -> None:
        """Learn contacts and hand-answered threads from mail the practice sent."""
        name = self.settings.imap.sent_folder
        status = self._status(name, "imap.sent_folder")
        known = self.store.folder(f"sent:{name}")
        if known == Folder(status.uidvalidity, status.uidnext):
            return
        self.mailbox.examine(name)
        if known is None or known.uidvalidity != status.uidvalidity:
            uids = self.mailbox.uids_after(0)
        else:
            uids = self.mailbox.uids_after(known.uidnext - 1)
        ours = {self.settings.practice.email, self.settings.practice.therapist_email}
        from email.parser import BytesHeaderParser
        from email.policy import compat32

        parser = BytesHeaderParser(policy=compat32)
        fetched = self.mailbox.header_fields(uids, sent.FIELDS)
        while chunk := list(itertools.islice(fetched, SENT_BATCH)):
            # One commit per SENT_BATCH mails, not per mail (a first run reads
            # years of Sent); the bookmark moves with it, so a run that stops
            # half-way goes on from the last batch. Every step is idempotent.
            with self.store.transaction():
                self._learn_from_sent([header for _uid, header in chunk], ours, parser)
                self.store.set_folder(
                    f"sent:{name}", Folder(status.uidvalidity, chunk[-1][0] + 1)
                )
        self.store.set_folder(
            f"sent:{name}", Folder(status.uidvalidity, status.uidnext)
        )

    def _learn_from_sent(
        self,
        headers: list[bytes],
        ours: set[str],
        parser: BytesHeaderParser[Message],
    ) -> None:
        """A batch of sent mail, inside the caller's transaction: recipients
        become contacts, threads answered by hand (their enquiries stood
        down). The store is asked and written once a kind for the batch; only
        the rare letter of another database (`_adopt`) and thread an enquiry
        owns (`_stand_down`) cost a statement or two of their own."""
        mails: list[sent.SentMail] = []
        for header in headers:
            try:
                mails.append(sent.read_sent(header, ours, parser))
            except Exception:
                log.warning("sent folder: skipped a mail with unreadable headers")
        written = self.store.our_messages({m.message_id for m in mails} - {""})
        contacts: set[str] = set()
        answered: list[frozenset[str]] = []
        for mail in mails:
            if mail.letter is not None:
                # Our own copy: mailflow's mail never makes a contact. One this
                # database never wrote (a second or restored database) marks its
                # thread as answered, so nobody in it is answered again.
                if (
                    mail.message_id
                    and mail.letter not in _SENT_DIRECTLY
                    and mail.message_id not in written
                ):
                    self._adopt(mail.thread)
            elif mail.message_id not in written:
                contacts |= mail.recipients
                if mail.recipients and mail.answers:
                    answered.append(mail.answers)
        self.store.add_contacts(contacts)
        every: set[str] = set().union(*answered)
        self.store.add_answered_by_hand(every)
        owned = self.store.owned_thread_ids(every)
        for thread in answered:
            if thread & owned:  # rare: the rest own no enquiry to stand down
                self._stand_down(set(thread))

    def _adopt(self, thread: frozenset[str]) -> None:
        """A mailflow letter this database does not know: its thread is owned
        elsewhere, left for the therapist; `mailflow status` warns."""
        self.store.add_answered_by_hand(set(thread))  # in the Sent batch's transaction
        count = int(self.store.get_meta("adopted_threads") or 0)
        self.store.set_meta("adopted_threads", str(count + 1))
        log.warning("sent folder: a mailflow letter this database never wrote")

    def _stand_down(self, thread: set[str]) -> None:
        enquiry_id = self.store.enquiry_for_thread(thread)
        if enquiry_id is None:
            return
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is not None:
            transition = workflow.on_hand_answer(enquiry.state)
            self.conversation.apply(enquiry, transition)
            log.info("enquiry %d: %s", enquiry_id, transition.outcome)

    # -- the inbox ------------------------------------------------------------

    def poll_inbox(self) -> None:
        name = self.settings.imap.folder
        status = self._status(name, "imap.folder")
        known = self.store.folder(name)
        if known == Folder(status.uidvalidity, status.uidnext):
            return  # the cheap empty poll: nothing arrived, nothing selected
        uidvalidity = self.mailbox.examine(name)
        if known is None or known.uidvalidity != uidvalidity:
            # First run, or the folder was recreated: look only as far back as a
            # request may be answered; seen fingerprints stop any second answer.
            horizon = min(self.now, self.wall_now) - timedelta(
                days=self.settings.workflow.max_request_age_days + 1
            )
            uids = self.mailbox.uids_since(horizon.date())
        elif 0 < status.uidnext - known.uidnext <= NEW_UIDS_UNSEARCHED:
            # Every UID the new mail can have, fetched as they are (UID FETCH
            # passes over those never used or expunged, RFC 9051 §6.4.9): no
            # UID SEARCH to wait on first. Mail after the STATUS waits for the
            # next cycle (the bookmark stops at its UIDNEXT).
            uids = list(range(known.uidnext, status.uidnext))
        else:
            uids = self.mailbox.uids_after(known.uidnext - 1)
        retry_from: int | None = None
        try:
            fetches: Iterable[HeaderFetch] = self.mailbox.headers(uids)
            one_fetch = len(uids) <= FETCH_BATCH
            if one_fetch:
                # One UID FETCH brings every header of the poll: what is still
                # to be read is known before any mail is, so the letters
                # answering new enquiries may go while the rest is read.
                fetches = coming = list(fetches)
                self.outbox.open_ahead(
                    len(uids), self._report_to_come, self._clock_visits
                )
                if self.outbox.going_ahead:
                    self._last_report = self._last_report_among(coming)
            seen = 0
            for batch in _batches(fetches):
                self._prefetch(uidvalidity, batch)
                for fetched in batch:
                    if not self._handle_safely(uidvalidity, fetched):
                        retry_from = fetched.uid if retry_from is None else retry_from
                    seen += 1
                    if one_fetch:
                        self._read_so_far = seen
                        self._send_ahead()
                self._heads.clear()
                self._bodies.clear()
                self._outlines.clear()
                self._spent.clear()
                self._automated.clear()
                self._commit_marks()
            if one_fetch:
                self.outbox.drain_ahead()  # what waits to go ahead goes now
        finally:
            self._poll_heads.clear()
            self._poll_spent.clear()
            self._last_report, self._read_so_far = -1, 0
            try:
                self.outbox.close_ahead()  # the letters in flight recorded
            finally:
                self._commit_marks()  # a server gone mid-batch: what was read stays read
        high = max([status.uidnext, *(u + 1 for u in uids)])
        self.store.set_folder(name, Folder(uidvalidity, retry_from or high))

    def _send_ahead(self) -> None:
        """Between two mails: the letters of the enquiries just opened queued to
        go ahead, and those in flight moved on (`Outbox.send_ahead`)."""
        intake = self.__dict__.get("intake")  # built once a first mail needed it
        if intake is not None:
            for enquiry_id in intake.take_opened():
                self.outbox.queue_ahead(enquiry_id)
        self.outbox.send_ahead()

    def _last_report_among(self, coming: list[HeaderFetch]) -> int:
        """The index of the poll's last mail that may be a delivery report
        (-1: none): read from its headers as its own turn will read them
        (`bounce.looks_like_bounce`), kept for `_prefetch`; of those that
        may be one, a header that cannot be read counts as one. Only those are parsed
        here (`bounce.may_be_report`): the rest wait for their batch, so the
        first letter is not held behind every header's parse."""
        last = -1
        limit = self.settings.limits.mail_cpu_s
        for index, fetched in enumerate(coming):
            if not bounce.may_be_report(fetched.header):
                continue
            began = process_time()
            try:
                with mail_budget(limit):
                    head = parse.parse_mail(fetched.header)
            except MailOverBudget:
                self._poll_spent[fetched.uid] = limit  # its turn sets it aside
                last = index
                continue
            except Exception:  # met again, and logged, in its own turn
                last = index
                continue
            finally:
                # Charged to the mail's own turn (`_prefetch`): one budget.
                self._poll_spent.setdefault(fetched.uid, process_time() - began)
            self._poll_heads[fetched.uid] = head
            if bounce.looks_like_bounce(head):
                last = index
        return last

    def _timing_fingerprint(self) -> str:
        """What the kept owed moments were worked out under (`timed_work`)."""
        rules = timing_rules(self.settings)
        return repr(
            (timing.CODE_VERSION, __version__, rules, self.settings.practice.timezone)
        )

    def _clock_visits(self) -> int:
        """How many enquiries the clock will look at in this run: those whose
        owed moment has come, or every open one under changed rules."""
        if not self.store.has_open_enquiries():
            return 0
        if self.store.get_meta("timing_rules") != self._timing_fingerprint():
            return len(self.store.open_enquiries())
        return len(self.store.timed_visits(self.now))

    def _report_to_come(self) -> bool:
        """Whether a delivery report is still to be read in this poll: it drops
        what waits for an address it bounces (`Bounces.take`), so until it is
        read no letter goes ahead of the flush."""
        return self._last_report >= self._read_so_far

    def _handle_safely(self, uidvalidity: int, fetched: HeaderFetch) -> bool:
        """Handle one mail; False when it must be tried again next run."""
        limit = self.settings.limits.mail_cpu_s
        left = limit - self._spent.pop(fetched.uid, 0.0)
        if left <= 0:
            # Its budget went on its headers in `_prefetch`: one budget a mail.
            self._set_aside(uidvalidity, fetched.uid, f"{limit:g} s of CPU")
            return True
        try:
            with mail_budget(left):
                self._handle(uidvalidity, fetched)
        except parse.OverBudget as exc:
            # Built to cost (a parser's budget, not a crash): set aside once,
            # since every retry would meet the same wall. Logged by UID only.
            self._set_aside(uidvalidity, fetched.uid, exc.limit)
        except MailOverBudget:
            # Past every reader's caps, the net beneath them: the same wall.
            self.store.abandon()
            self._set_aside(uidvalidity, fetched.uid, f"{limit:g} s of CPU")
        except parse.ParseError:
            self.report.bad += 1
            log.warning("uid %d: unreadable mail, left alone", fetched.uid)
            self._mark(
                intake.MailKey(
                    uidvalidity, fetched.uid, f"uid:{uidvalidity}:{fetched.uid}"
                ),
                "unreadable",
            )
        except MemoryError:
            # A mail built to take more memory than the process has: every
            # retry would meet the same wall, so set aside once, as above.
            self.store.abandon()
            self._set_aside(uidvalidity, fetched.uid, "the memory available")
        except MailboxError:
            # The server, not this mail, failed: stop the run (exit 3) without
            # counting an attempt against the mail, which the next run reads again.
            raise
        except BusyCalendarError as exc:
            # The therapist's calendar, not this mail, failed: no time can be
            # offered safely, so the mail waits (never set aside) for a good read.
            self.report.failed += 1
            self.report.calendar_down = str(exc)
            log.error("uid %d: waits, the busy calendar is unreadable", fetched.uid)
            return False
        except Exception as exc:
            return self._note_failure(uidvalidity, fetched.uid, exc)
        return True

    def _set_aside(self, uidvalidity: int, uid: int, limit: str) -> None:
        """Seen for good (outcome "over-budget"): no later run meets it again."""
        self.report.bad += 1
        log.warning("uid %d: set aside, it exceeds %s", uid, limit)
        self._mark(
            intake.MailKey(uidvalidity, uid, f"uid:{uidvalidity}:{uid}"), "over-budget"
        )

    def _note_failure(self, uidvalidity: int, uid: int, exc: Exception) -> bool:
        meta = f"attempts:{uidvalidity}:{uid}"
        attempts = int(self.store.get_meta(meta) or 0) + 1
        self.store.set_meta(meta, str(attempts))
        log.error(
            "uid %d: handling failed (%s), attempt %d",
            uid,
            type(exc).__name__,
            attempts,
        )
        # Where it failed, never what: an exception's message or locals may
        # quote the mail (health data), so -vv shows files and lines only.
        frames = traceback.extract_tb(exc.__traceback__)
        log.debug(
            "uid %d: failed at %s",
            uid,
            " <- ".join(
                f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames)
            ),
        )
        if attempts < MAX_ATTEMPTS_PER_MAIL:
            self.report.failed += 1
            return False
        self._mark(
            intake.MailKey(uidvalidity, uid, f"uid:{uidvalidity}:{uid}"), "gave-up"
        )
        log.error(
            "uid %d: set aside after %d attempts, left for the therapist", uid, attempts
        )
        return True

    def _mark(self, key: MailKey, outcome: str) -> None:
        """Seen, left alone: committed with its batch's others (`_commit_marks`).
        Nothing was done for such a mail, so a run stopped before the commit
        only reads it again; one fsync a batch, not one a mail (a first run
        leaves hundreds alone)."""
        self._marks.append((key, outcome))
        self._marked.update(((key.uidvalidity, key.uid), key.fingerprint))

    def _commit_marks(self) -> None:
        if not self._marks:
            return
        with self.store.transaction():
            for key, outcome in self._marks:
                self.store.mark_seen(
                    key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
                )
        self._marks.clear()
        self._marked.clear()

    def _is_seen(self, uidvalidity: int, uid: int, fingerprint: str) -> bool:
        """Seen in an earlier run, or left alone earlier in this batch."""
        return (
            (uidvalidity, uid) in self._marked
            or fingerprint in self._marked
            or self.store.is_seen(uidvalidity, uid, fingerprint)
        )

    def _handle(self, uidvalidity: int, fetched: HeaderFetch) -> None:
        head = self._heads.pop(fetched.uid, None)
        if head is None:
            head = parse.parse_mail(fetched.header)
        key = intake.MailKey(uidvalidity, fetched.uid, fingerprint(head, fetched.size))
        if self._is_seen(key.uidvalidity, key.uid, key.fingerprint):
            return
        self.report.new += 1
        outcome = self._decide(key, fetched, head)
        self.report.count(outcome)
        if outcome in _ACTED or outcome.startswith("owned:"):
            return  # marked seen in the same transaction as the messages it caused
        self.report.ignored += 1
        self._mark(key, outcome)
        log.info("uid %d: left alone (%s)", fetched.uid, outcome)

    def _decide(self, key: MailKey, fetched: HeaderFetch, head: InboundMail) -> str:
        """Look at headers first; read the body only when it could be ours to answer."""
        decided = self._on_headers(fetched, head)
        if decided is not None:
            return decided  # decided on headers alone: the body is never fetched
        if bounce.looks_like_bounce(head):
            return self._bounce(key, fetched)
        owned = self._owner(head)
        if owned is not None:
            mail, found = self._read(fetched)
            return "expunged" if mail is None else self._owned(key, owned, mail, found)
        if self._without_calendar(fetched, head):
            early = self._before_body(fetched, head)
            if early is not None:
                return early  # what the body's reading would decide, unread
        raw = self._body(fetched.uid)
        if raw is None:
            return "expunged"
        mail = parse.parse_mail(raw)
        if mail.has_calendar and self.store.has_call_uids():
            # Calendar replies may come outside the thread (Outlook): match by
            # UID (with no call ever booked, none could match: none is read).
            # Any other calendar mail goes on, to be left alone unless its
            # words speak of clear risk (`classify_new`).
            found = calendar.read_calendar(raw)
            booked = (
                None if found is None else self.store.enquiry_by_call_uid(found.uid)
            )
            if booked is not None:
                return self._owned(key, booked, mail, found)
        sent_at = mail.date_at or fetched.received_at
        max_age = timedelta(days=self.settings.workflow.max_request_age_days)
        if sent_at is not None and self.now - sent_at > max_age:
            return "too-old"  # installing mailflow never answers last month's mail
        # The request itself too: a reply in Sent names it (In-Reply-To).
        answered = _thread(mail) | ({mail.message_id} if mail.message_id else set())
        if self.store.answered_by_hand(answered):
            return "answered-by-hand"
        verdict = classify.classify_new(
            mail, self.policy, contacts=_Contacts(self.store), owned_thread=False
        )
        if verdict.form_alert is not None:
            return self.intake.form_alert(
                key, mail, verdict.form_alert, verdict.safety_note
            )
        if verdict.person is None or verdict.verdict is Verdict.IGNORE:
            return verdict.reason
        return self.intake.first_mail(key, mail, verdict, verdict.person)

    def _owner(self, head: InboundMail) -> int | None:
        """The enquiry whose thread this mail is in; for the therapist, also by
        the approval's `[ref …]` in the subject (some clients drop References)."""
        owned = self.store.enquiry_for_thread(_thread(head))
        if owned is not None:
            enquiry = self.store.enquiry(owned)
            if enquiry is not None and not decide.writes_in(enquiry, head.from_addr):
                return None  # someone else's words in an alerted thread: read afresh
        if (
            owned is not None
            or head.from_addr != self.settings.practice.therapist_email
        ):
            return owned
        found = _APPROVAL_REF.search(head.subject)
        if found is None:
            return None
        for enquiry in self.store.open_enquiries():
            ref = self.letters.approval_ref(enquiry.id, enquiry.approval_round)
            if enquiry.approval_round and hmac.compare_digest(ref, found.group(1)):
                return enquiry.id
        return None

    def _on_headers(self, fetched: HeaderFetch, head: InboundMail) -> str | None:
        """The outcome when the headers alone decide it; None when the body is
        needed (a delivery report, a reply in a conversation mailflow owns, or
        mail that may be a request)."""
        if head.headers.get("x-mailflow") or (
            head.message_id and self.store.is_our_message(head.message_id)
        ):
            return "own-message"
        if bounce.looks_like_bounce(head) or self._owner(head) is not None:
            return None
        reason = self._is_automated(fetched, head)
        return reason if reason and reason not in _NEEDS_BODY else None

    def _is_automated(self, fetched: HeaderFetch, head: InboundMail) -> str | None:
        """`classify.is_automated` of a mail's headers, read once a batch: the
        prefetch and the mail's own turn ask it of the same headers twice each."""
        if fetched.uid not in self._automated:
            self._automated[fetched.uid] = classify.is_automated(
                head, self.policy.form_senders
            )
        return self._automated[fetched.uid]

    def _prefetch(self, uidvalidity: int, batch: list[HeaderFetch]) -> None:
        """Parse a batch's headers and read, in a few UID FETCH, what its unseen
        mails will need: nothing for mail the headers decide (lists, bulk,
        auto-replies, mailflow's own, the practice's, too old, answered by
        hand), whole delivery reports, and of the rest only the parts that are
        read (`Mailbox.readable`; a multipart mail's outline first, so an
        attachment is never fetched). Only a shortcut: each mail is still
        decided on its own when its turn comes, and a body missing here is
        fetched then."""
        reports: list[int] = []
        wanted: list[HeaderFetch] = []
        read: dict[int, Outline | None] = {}  # what to read of which (None: whole)
        limit = self.settings.limits.mail_cpu_s
        for fetched in batch:
            began = process_time()
            # What its headers cost when read ahead of the poll: one budget.
            ahead = self._poll_spent.pop(fetched.uid, 0.0)
            if ahead >= limit:
                self._spent[fetched.uid] = limit  # none left for its turn
                continue
            try:
                with mail_budget(limit - ahead):
                    head = self._poll_heads.pop(fetched.uid, None)
                    if head is None:
                        head = parse.parse_mail(fetched.header)
                    self._heads[fetched.uid] = head
                    seen = self._is_seen(
                        uidvalidity, fetched.uid, fingerprint(head, fetched.size)
                    )
                    if seen or self._on_headers(fetched, head) is not None:
                        continue
                    if bounce.looks_like_bounce(head):
                        reports.append(fetched.uid)
                    elif _one_text_part(fetched, head):
                        if self._owner(head) is not None or (
                            self._before_body(fetched, head) is None
                        ):
                            read[fetched.uid] = None  # read whole: it is its text
                    else:
                        wanted.append(fetched)
            except MailOverBudget:
                self._spent[fetched.uid] = limit  # all of it: none left for its turn
                continue
            except Exception:  # met again, and logged, in its own turn
                continue
            finally:
                # Charged to the mail's own turn: one budget, not two.
                self._spent.setdefault(fetched.uid, ahead + process_time() - began)
        found = self.mailbox.outlines([f.uid for f in wanted])
        for fetched in wanted:
            outline = found.get(fetched.uid)
            if outline is None:
                continue  # expunged meanwhile
            self._outlines[fetched.uid] = outline
            head = self._heads[fetched.uid]
            if (
                self._owner(head) is not None
                or not self._without_calendar(fetched, head)
                or self._before_body(fetched, head) is None
            ):
                read[fetched.uid] = outline  # else decided on its headers: unread
        self._bodies = self.mailbox.bodies(reports)
        self._bodies.update(self.mailbox.readable(read))

    def _without_calendar(self, fetched: HeaderFetch, head: InboundMail) -> bool:
        """Whether the mail surely holds no calendar and no report (its header,
        or its outline, says so): then the headers decide as the body would."""
        if head.has_calendar or head.is_report:
            return False
        if _one_text_part(fetched, head):
            return True
        outline = self._outlines.get(fetched.uid)
        return outline is not None and not (outline.calendar or outline.report)

    def _before_body(self, fetched: HeaderFetch, head: InboundMail) -> str | None:
        """For a mail without a calendar, in no conversation of ours: what
        `_decide` would make of it after reading it, when its headers already
        say (too old, answered by hand, no sender, from the therapist); else
        None. The same checks, in the same order, on the same header fields.
        Mail from the practice's own address is read: its website's form may
        send as it, and is read for risk (`classify._form_alone`)."""
        sent_at = head.date_at or fetched.received_at
        max_age = timedelta(days=self.settings.workflow.max_request_age_days)
        if sent_at is not None and self.now - sent_at > max_age:
            return "too-old"
        answered = _thread(head) | ({head.message_id} if head.message_id else set())
        if self.store.answered_by_hand(answered):
            return "answered-by-hand"
        if self._is_automated(fetched, head) is not None:
            return None  # a no-reply sender: a form's body may still name a person
        practice = {
            self.policy.practice_email.lower(),
            self.policy.therapist_email.lower(),
        }
        if head.from_addr is None:
            return "no-sender"
        if head.from_addr == self.policy.practice_email.lower():
            return None  # its website's form, perhaps, sent as it: read for risk
        return "from-practice" if head.from_addr in practice else None

    def _body(self, uid: int) -> bytes | None:
        """A mail's bytes: from its batch's FETCH, else read now (None: expunged)."""
        raw = self._bodies.pop(uid, None)
        if raw is not None:
            return raw
        with paused():  # the server's pace, not the mail's: never cut mid-response
            return self.mailbox.readable({uid: self._outlines.get(uid)}).get(uid)

    def _read(
        self, fetched: HeaderFetch
    ) -> tuple[InboundMail | None, CalendarMessage | None]:
        raw = self._body(fetched.uid)
        if raw is None:
            return None, None
        mail = parse.parse_mail(raw)
        return mail, calendar.read_calendar(raw) if mail.has_calendar else None

    def _owned(
        self,
        key: MailKey,
        enquiry_id: int,
        mail: InboundMail,
        found: CalendarMessage | None,
    ) -> str:
        """A mail in a conversation mailflow owns; the person's words are screened first."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return "owned-closed"
        if enquiry.state in _CLOSED_STATES and not decide.still_listening(enquiry):
            # Theirs to answer now, but never a missed crisis
            # (`classify.finished_news` decides what it still tells).
            return self._finished(key, enquiry, mail)
        if found is None and (
            classify.is_automated(mail, self.policy.form_senders)
            or classify.automated_words(quoting.new_words(mail.text))
        ):
            # An out-of-office answering our offer (or the therapist's to an
            # approval), by its headers or by its own words: never answered,
            # so an auto-responder and mailflow never write to each other.
            return "owned-automated"
        words = found.comment if found is not None else ""
        if words:
            # A calendar's answer with words of its own (COMMENT) is screened
            # as the person's mail is: a crisis in a decline's note is not missed.
            mail = replace(mail, text=f"{mail.text}\n\n{words}")
        from_person = (found is None or bool(words)) and (
            mail.from_addr != self.settings.practice.therapist_email
        )
        new_words = quoting.new_words(mail.text)
        said = reply_risk.screen_reply(
            mail.subject, new_words, extra_phrases=self.policy.crisis_phrases
        )
        news = from_person and screen.is_news(said, enquiry.risk, enquiry.safety_note)
        try:
            return self._answer_reply(
                key,
                enquiry,
                mail,
                found,
                said,
                new_words,
                from_person=from_person,
                news=news,
            )
        except BusyCalendarError:
            if news:
                # Its answer waits for the calendar (the mail is read again
                # next run), but news of risk does not: recorded, and the
                # therapist told now, once (the alert's step is the mail's).
                with self.store.transaction():
                    enquiry = self.intake.record_risk(enquiry, said.note)
                    self._alert_risk(key, enquiry, mail, said, waits=True)
                log.info(
                    "uid %d: enquiry %d, risk told; its answer waits for the calendar",
                    key.uid,
                    enquiry.id,
                )
            raise

    def _finished(self, key: MailKey, enquiry: Enquiry, mail: InboundMail) -> str:
        """A mail in a conversation mailflow finished or handed over: left
        alone, or the therapist told what `classify.finished_news` read."""
        told = classify.finished_news(mail, enquiry.email, self.policy)
        if told is None:
            return "owned-closed"
        if told.someone_else:
            # The person the conversation was with is sent nothing (their
            # words were not theirs).
            return self.intake.alert_about_writer(
                key, mail, told.note, danger=told.danger, weighed=told.weighed
            )
        if not told.crisis:
            outcome = "owned:danger-alerted" if told.danger else "owned:risk-alerted"
            with self.store.transaction():
                self.intake.danger_alert(
                    key,
                    enquiry,
                    mail,
                    told.note,
                    danger=told.danger,
                    weighed=told.weighed,
                )
                self.store.mark_seen(
                    key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
                )
            return outcome
        with self.store.transaction():
            self.intake.escalate_now(key, enquiry, mail, asks=told.asks)
            self.store.mark_seen(
                key.uidvalidity,
                key.uid,
                key.fingerprint,
                "owned:owned-crisis",
                self.now,
            )
        log.info("uid %d: enquiry %d, owned-crisis", key.uid, enquiry.id)
        return "owned:owned-crisis"

    def _answer_reply(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        found: CalendarMessage | None,
        said: screen.Screening,
        new_words: str,
        *,
        from_person: bool,
        news: bool,
    ) -> str:
        """The conversation's answer to a reply in one transaction, with any
        news of risk in it recorded and told to the therapist."""
        with self.store.transaction():
            if from_person and said.risk is screen.Risk.CLEAR:
                self.intake.escalate_now(
                    key,
                    enquiry,
                    mail,
                    asks=diary_doubt.asks(said, f"{mail.subject}\n{new_words}"),
                )
                outcome = "owned-crisis"
            else:
                if news:
                    # From now on every pick waits for the therapist, who is
                    # told once the reply is answered (whether its letter
                    # closed with the safety message is theirs to know).
                    enquiry = self.intake.record_risk(enquiry, said.note)
                raised = from_person and reply_risk.raises(said)
                incoming = conversation.Incoming(
                    mail,
                    step=key.fingerprint,
                    raised=raised,
                    danger=news and said.danger_now,
                )
                outcome = self.conversation.on_mail(enquiry, incoming, found)
                if news:
                    # As the reply left it (a number in it, say).
                    enquiry = self.store.enquiry(enquiry.id) or enquiry
                    closed = key.fingerprint in self.conversation.closed_steps
                    self._alert_risk(key, enquiry, mail, said, closed=closed)
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, f"owned:{outcome}", self.now
            )
        log.info("uid %d: enquiry %d, %s", key.uid, enquiry.id, outcome)
        return f"owned:{outcome}"

    def _alert_risk(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        said: screen.Screening,
        *,
        closed: bool = False,
        waits: bool = False,
    ) -> None:
        """The therapist told of risk said in a reply (`Intake.alert_risk`)."""
        self.intake.alert_risk(
            key,
            enquiry,
            mail,
            said.note,
            weighed=reply_risk.weighed(said),
            danger=said.danger_now,
            closed=closed,
            waits=waits,
        )

    # -- bounces --------------------------------------------------------------------

    def _bounce(self, key: MailKey, fetched: HeaderFetch) -> str:
        """A delivery report is never answered (`Bounces.take`)."""
        raw = self._bodies.pop(fetched.uid, None)  # fetched whole by `_prefetch`
        if raw is None:
            with paused():  # the server's pace, not the mail's
                raw = self.mailbox.body(fetched.uid)
        if raw is None:
            return "expunged"
        return bounces.Bounces(
            self.settings,
            self.store,
            self.now,
            letters=lambda: self.letters,
            conversation=lambda: self.conversation,
        ).take(key, raw)

    # -- the clock -------------------------------------------------------------

    def timed_work(self) -> None:
        """Reminders, follow-ups, nudges and expiry whose moment has come.

        Only the enquiries whose kept owed moment has come (or is not known)
        are looked at (`Store.timed_visits`), so a run's clock work follows
        what is due, not the years of history; the rest bound the quiet mark
        by their kept moments."""
        if not self.store.has_open_enquiries():
            return  # nothing owed: the rules (and their module) are not needed
        rules = timing_rules(self.settings)
        fingerprint = self._timing_fingerprint()
        kept = self.store.get_meta("timing_rules") == fingerprint
        if not kept and not self.dry_run:
            with self.store.transaction():  # moments worked out by other rules
                self.store.forget_owed()
                self.store.set_meta("timing_rules", fingerprint)
            kept = True
        if not kept:  # a dry run changes nothing: it looks at every one
            visits = self.store.open_enquiries()
        else:
            visits = self.store.timed_visits(self.now)
            self._owed.append(self.store.owed_later(self.now))
        for enquiry in visits:
            self._timed_steps(enquiry.id, rules)

    def _timed_steps(self, enquiry_id: int, rules: timing.TimingRules) -> None:
        """Every step due now, in order (a reminder and the lapse after it may
        both be due): a run leaves nothing due behind, so a second run at the
        same moment changes nothing."""
        taken: set[timing.Step] = set()
        while (enquiry := self.store.enquiry(enquiry_id)) is not None:
            if enquiry.state not in _TIMED_STATES:
                if not self.dry_run:  # nothing owed until it changes
                    self.store.keep_owed({enquiry_id: None}, self.now)
                return
            view = enquiry_view(self.settings, self.store, enquiry)
            due = timing.next_due(view, rules, self.now)
            if (
                due is None
                or due.step in taken
                or not timing.is_due(due, self.now, rules)
            ):
                # Nothing due, or the same step again (it changed nothing):
                # what the clock owes it next bounds a quiet poll (`quiet`).
                owed = self._first_owed(enquiry_id, view, rules, due, taken)
                self._owed.append(owed)
                if not self.dry_run and owed != self.now:
                    self.store.keep_owed({enquiry_id: owed}, self.now)
                return
            taken.add(due.step)
            try:
                with self.store.transaction():
                    outcome = self.conversation.on_timer(enquiry, due.step.value)
            except Exception as exc:
                self.report.failed += 1
                log.error(
                    "enquiry %d: timed %s failed (%s)",
                    enquiry_id,
                    due.step,
                    type(exc).__name__,
                )
                return
            self.report.count(f"timed:{outcome}")
            log.info("enquiry %d: %s", enquiry_id, outcome)

    def _first_owed(
        self,
        enquiry_id: int,
        view: timing.View,
        rules: timing.TimingRules,
        due: timing.Due | None,
        taken: set[timing.Step],
    ) -> datetime | None:
        """What the clock owes this enquiry next, for the quiet mark; now (no
        mark) when the same step came again or the answer cannot be had."""
        if due is not None and due.step in taken:
            return self.now
        try:
            return timing.first_owed(view, rules, self.now)
        except Exception as exc:  # never costs the other enquiries their steps
            log.warning(
                "enquiry %d: its next timed step cannot be worked out (%s);"
                " runs stay whole",
                enquiry_id,
                type(exc).__name__,
            )
            return self.now

    def daily_digest(self) -> None:
        """The therapist's day at a glance, once a local day (`Digest`)."""
        Digest(self.settings, self.store, self.now, lambda: self.letters).send_if_due()

    def flush_outbox(self) -> None:
        """Send what is queued (`Outbox.flush`)."""
        self.outbox.flush()

    def flush_calendar(self) -> None:
        """Write queued bookings into the therapist's calendar (`caldav_sync`),
        after the mail: a slow or absent calendar never holds a letter back."""
        settings = self.settings.caldav
        if self.dry_run or not settings.enabled:
            return
        writer = caldav_sync.CaldavCalendar(settings)
        from mailflow.shell.caldav_busy import conversation_seconds

        seconds = conversation_seconds(self.settings.caldav)
        if caldav_sync.flush(
            self.store, writer, lambda: self.letters, self.now, seconds=seconds
        ):
            self.flush_outbox()  # the therapist's "not getting your bookings"


_NEEDS_BODY = frozenset({"system-sender"})
"""Header verdicts a form notification's body can overturn (no-reply senders)."""
_ACTED = frozenset(
    {
        "request",
        "crisis",
        "no-slots",
        "calendar-down-risk",
        "owned-crisis",
        "bounce",
        "delay",
        "asked",
        "danger-alerted",
        "risk-alerted",
        "form-alerted",
    }
)
_SENT_DIRECTLY = frozenset({"token_alert", "login-refused"})
"""Notes to the therapist sent straight over SMTP, outside the outbox (the
sign-in broke): in Sent, they are no sign of another database."""
_CLOSED_STATES = frozenset({State.STOOD_DOWN, State.ESCALATED, State.CLOSED})
_APPROVAL_REF = re.compile(r"\[ref ([0-9a-f]{16})\]")
_TIMED_STATES = OPEN_STATES
"""States the clock still owes something (as `Store.open_enquiries` selects)."""


class _Contacts:
    """`in` over the store's hashed contacts, for the pure classifier."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and self._store.is_contact(address)


def _batches(fetches: Iterable[HeaderFetch]) -> Iterator[list[HeaderFetch]]:
    """Consecutive mails, at most BODY_BATCH of them and BODY_BATCH_BYTES of the
    bodies that may be read (a mail's first READ_LIMIT bytes at most); the
    first only FIRST_BODY_BATCH, so the first answer of a backlog waits for a
    few headers' parse and bodies' fetch, not fifty."""
    batch: list[HeaderFetch] = []
    size = 0
    most = FIRST_BODY_BATCH
    for fetched in fetches:
        readable = min(fetched.size, READ_LIMIT)
        if batch and (len(batch) >= most or size + readable > BODY_BATCH_BYTES):
            yield batch
            batch, size, most = [], 0, BODY_BATCH
        batch.append(fetched)
        size += readable
    if batch:
        yield batch


def _one_text_part(fetched: HeaderFetch, head: InboundMail) -> bool:
    """A mail of one text or HTML part (its Content-Type says, or none is
    given): its whole is what is read, and it holds no calendar unless a
    parameter names an ``.ics`` file (then its outline decides)."""
    kind = head.headers.get("content-type", "text/plain")
    if kind.split(";")[0].strip().lower() not in {"text/plain", "text/html"}:
        return False
    named = _DISPOSITION.search(fetched.header)
    return "ics" not in kind.lower() and not (named and b"ics" in named.group().lower())


def _thread(mail: InboundMail) -> set[str]:
    ids = set(mail.references)
    if mail.in_reply_to:
        ids.add(mail.in_reply_to)
    return ids
