"""One cycle of the worker: scan Sent, read new mail, decide, send. The one orchestrator.

Reads and decides through the pure modules; touches the world only through the
Store, the ImapMailbox and the SmtpSender it is given. Each mail's decision and
the messages it causes commit in one transaction; sending happens afterwards
from the outbox, so a crash anywhere loses nothing and repeats no decision.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow.deciding import guard, timing, workflow
from mailflow.errors import (
    BusyCalendarError,
    ConfigError,
    DeferredSendError,
    MailboxAuthError,
    MailboxError,
    PermanentSendError,
    PolicyRefusedError,
    TransientSendError,
)
from mailflow.lazy import lazy_module
from mailflow.model import (
    HUMAN_STATES,
    OPEN_STATES,
    STILL_LISTENING,
    Enquiry,
    InboundMail,
    Person,
    Slot,
    State,
    Verdict,
)
from mailflow.shell import privacy
from mailflow.shell.mailbox import READ_LIMIT
from mailflow.shell.ports import Mailbox, Sender
from mailflow.shell.store import Folder, OutgoingMail, Store

# An empty poll (nothing new, nothing due, nothing queued) needs none of these:
# they load on first use (icalendar, phonenumbers, jinja2 and many regexes).
if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.deciding import availability
    from mailflow.model import CalendarMessage
    from mailflow.reading import bounce, classify, extract, parse, reply, screen
    from mailflow.reading.classify import RequestPolicy
    from mailflow.shell import conversation, schedule
    from mailflow.shell.conversation import Conversation
    from mailflow.shell.mailbox import FolderStatus, HeaderFetch
    from mailflow.shell.schedule import Schedule
    from mailflow.writing import calendar, compose, letters
    from mailflow.writing.letters import AfterCallLetters, Recipient, Thread
else:
    availability = lazy_module("mailflow.deciding.availability")
    bounce = lazy_module("mailflow.reading.bounce")
    calendar = lazy_module("mailflow.writing.calendar")
    classify = lazy_module("mailflow.reading.classify")
    compose = lazy_module("mailflow.writing.compose")
    conversation = lazy_module("mailflow.shell.conversation")
    extract = lazy_module("mailflow.reading.extract")
    letters = lazy_module("mailflow.writing.letters")
    parse = lazy_module("mailflow.reading.parse")
    reply = lazy_module("mailflow.reading.reply")
    schedule = lazy_module("mailflow.shell.schedule")
    screen = lazy_module("mailflow.reading.screen")

log = logging.getLogger("mailflow")

MAX_ATTEMPTS_PER_MAIL = 3
"""A mail whose handling crashes this many runs in a row is set aside (logged)."""

BODY_BATCH = 50
"""New mails whose bodies are read in one UID FETCH (one round trip, not 50)."""
BODY_BATCH_BYTES = 8 * 1024 * 1024
"""...and at most this much of them by RFC822.SIZE, so memory stays bounded."""

FIRST_MESSAGE_CHARS = 4000
"""The person's first words kept for the approval email, dropped once booked."""

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_SENT_FIELDS = (
    "TO",
    "CC",
    "BCC",
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "X-MAILFLOW",
)


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
        self._suspect: tuple[OutgoingMail, str] | None = None  # see _policy_refused
        self.report = RunReport()
        self._heads: dict[int, InboundMail] = {}  # the current batch's, by UID
        self._bodies: dict[int, bytes] = {}

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
        )

    def run(self) -> RunReport:
        self.scan_sent()
        self.poll_inbox()
        self.tell_if_calendar_down()
        self.timed_work()
        self.daily_digest()
        self.flush_outbox()
        privacy.purge(
            self.store,
            now=self.now,
            retention_days=self.settings.storage.retention_days,
        )
        self.store.set_meta("last_run_at", self.now.isoformat())
        return self.report

    def tell_if_calendar_down(self) -> None:
        """Requests wait while a busy calendar cannot be read: tell the therapist
        (once a day; the alert goes out with this run's outbox)."""
        if self.report.calendar_down is None:
            return
        zone = ZoneInfo(self.settings.practice.timezone)
        day = self.now.astimezone(zone).date().isoformat()
        with self.store.transaction():
            self.letters.calendar_alert(self.report.calendar_down, day)

    def _status(self, name: str, key: str) -> FolderStatus:
        """STATUS of a configured folder; a folder the server does not have is a
        configuration error (exit 2, naming the key), not an outage."""
        try:
            return self.mailbox.status(name)
        except MailboxAuthError:
            raise
        except MailboxError:
            if self.mailbox.folder_exists(name):
                raise
            raise ConfigError(
                [
                    f"{key}: the IMAP server has no folder named {name!r}; use the"
                    ' exact name your mail program shows (Gmail: "[Gmail]/Sent Mail",'
                    ' Microsoft 365: "Sent Items")'
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
        from email.policy import default as default_policy
        from email.utils import getaddresses

        parser = BytesHeaderParser(policy=default_policy)
        for _uid, header in self.mailbox.header_fields(uids, _SENT_FIELDS):
            try:
                fields = parser.parsebytes(header)
                if fields.get("X-Mailflow") is not None:
                    continue  # our own copy: mailflow's mail never makes a contact
                message_id = str(fields.get("Message-ID") or "").strip()
                if message_id and self.store.is_our_message(message_id):
                    continue
                pairs = getaddresses(
                    [
                        str(v)
                        for k in ("To", "Cc", "Bcc")
                        for v in fields.get_all(k) or []
                    ]
                )
                recipients = {a.lower() for _, a in pairs if "@" in a} - ours
                thread = set(
                    _MESSAGE_ID.findall(
                        f"{fields.get('In-Reply-To') or ''} {fields.get('References') or ''}"
                    )
                )
            except Exception:
                log.warning("sent folder: skipped a mail with unreadable headers")
                continue
            with self.store.transaction():
                self.store.add_contacts(recipients)
                if recipients and thread:
                    self.store.add_answered_by_hand(thread)
                    self._stand_down(thread)
        self.store.set_folder(
            f"sent:{name}", Folder(status.uidvalidity, status.uidnext)
        )

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
        else:
            uids = self.mailbox.uids_after(known.uidnext - 1)
        retry_from: int | None = None
        for batch in _batches(self.mailbox.headers(uids)):
            self._prefetch(uidvalidity, batch)
            for fetched in batch:
                if not self._handle_safely(uidvalidity, fetched):
                    retry_from = fetched.uid if retry_from is None else retry_from
            self._heads.clear()
            self._bodies.clear()
        high = max([status.uidnext, *(u + 1 for u in uids)])
        self.store.set_folder(name, Folder(uidvalidity, retry_from or high))

    def _handle_safely(self, uidvalidity: int, fetched: HeaderFetch) -> bool:
        """Handle one mail; False when it must be tried again next run."""
        try:
            self._handle(uidvalidity, fetched)
        except parse.OverBudget as exc:
            # Built to cost (a parser's budget, not a crash): set aside once,
            # since every retry would meet the same wall. Logged by UID only.
            self.report.bad += 1
            log.warning("uid %d: set aside, it exceeds %s", fetched.uid, exc.limit)
            self._mark(
                _MailKey(uidvalidity, fetched.uid, f"uid:{uidvalidity}:{fetched.uid}"),
                "over-budget",
            )
        except parse.ParseError:
            self.report.bad += 1
            log.warning("uid %d: unreadable mail, left alone", fetched.uid)
            self._mark(
                _MailKey(uidvalidity, fetched.uid, f"uid:{uidvalidity}:{fetched.uid}"),
                "unreadable",
            )
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
        log.debug("uid %d: traceback (may show mail content)", uid, exc_info=exc)
        if attempts < MAX_ATTEMPTS_PER_MAIL:
            self.report.failed += 1
            return False
        self._mark(_MailKey(uidvalidity, uid, f"uid:{uidvalidity}:{uid}"), "gave-up")
        log.error(
            "uid %d: set aside after %d attempts, left for the therapist", uid, attempts
        )
        return True

    def _mark(self, key: _MailKey, outcome: str) -> None:
        with self.store.transaction():
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
            )

    def _handle(self, uidvalidity: int, fetched: HeaderFetch) -> None:
        head = self._heads.pop(fetched.uid, None)
        if head is None:
            head = parse.parse_mail(fetched.header)
        key = _MailKey(uidvalidity, fetched.uid, fingerprint(head, fetched.size))
        if self.store.is_seen(key.uidvalidity, key.uid, key.fingerprint):
            return
        self.report.new += 1
        outcome = self._decide(key, fetched, head)
        self.report.count(outcome)
        if outcome in _ACTED or outcome.startswith("owned:"):
            return  # marked seen in the same transaction as the messages it caused
        self.report.ignored += 1
        self._mark(key, outcome)
        log.info("uid %d: left alone (%s)", fetched.uid, outcome)

    def _decide(self, key: _MailKey, fetched: HeaderFetch, head: InboundMail) -> str:
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
        mail, found = self._read(fetched)
        if mail is None:
            return "expunged"
        if found is not None:
            # Calendar replies may come outside the thread (Outlook): match by UID.
            booked = self.store.enquiry_by_call_uid(found.uid)
            return (
                "calendar" if booked is None else self._owned(key, booked, mail, found)
            )
        sent_at = mail.date_at or fetched.received_at
        max_age = timedelta(days=self.settings.workflow.max_request_age_days)
        if sent_at is not None and self.now - sent_at > max_age:
            return "too-old"  # installing mailflow never answers last month's mail
        if self.store.answered_by_hand(_thread(mail)):
            return "answered-by-hand"
        verdict = classify.classify_new(
            mail, self.policy, contacts=_Contacts(self.store), owned_thread=False
        )
        person = verdict.person
        if person is None or verdict.verdict is Verdict.IGNORE:
            return verdict.reason
        open_id = self.store.open_enquiry_for(person.email)
        carried: Enquiry | None = None
        if open_id is not None and verdict.verdict is Verdict.REQUEST:
            waiting = self.store.enquiry(open_id)
            if waiting is not None and waiting.state is State.ASKED:
                # They wrote again and this time plainly ask: the note is moot,
                # but what they said about safety stands.
                self.conversation.apply(waiting, workflow.on_plain_request(State.ASKED))
                open_id, carried = None, waiting
        if verdict.crisis and open_id is not None:
            # Someone already in a conversation writes afresh, at risk: the
            # therapist at once, as if they had answered in the thread.
            return self._escalate(key, open_id, mail, existing=verdict.existing)
        if open_id is not None:
            known = self.store.enquiry(open_id)
            said = screen.Screening(
                screen.Risk(verdict.risk),
                needs=(verdict.safety_note,) if verdict.safety_note else (),
            )
            if known is not None and screen.is_news(
                said, known.risk, known.safety_note
            ):
                return self._note_risk(key, open_id, mail, verdict.safety_note)
            return "open-enquiry"  # a chaser or a second mail: answered once
        if verdict.verdict is Verdict.ASK:
            return self._ask(
                key, mail, person, verdict.reason, verdict.risk, verdict.safety_note
            )
        risk, note = verdict.risk, verdict.safety_note
        if carried is not None and carried.risk != "none" and risk == "none":
            risk = carried.risk
        if carried is not None and carried.safety_note:
            note = " / ".join(filter(None, (carried.safety_note, note)))
        return self._answer(
            key,
            mail,
            person,
            risk=risk,
            safety_note=note,
            form=verdict.reason == "form-request",
            asked_for=verdict.verdict is Verdict.REQUEST,
            existing=verdict.existing,
        )

    def _owner(self, head: InboundMail) -> int | None:
        """The enquiry whose thread this mail is in; for the therapist, also by
        the approval's `[ref …]` in the subject (some clients drop References)."""
        owned = self.store.enquiry_for_thread(_thread(head))
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
        reason = classify.is_automated(head, self.policy.form_senders)
        return reason if reason and reason not in _NEEDS_BODY else None

    def _prefetch(self, uidvalidity: int, batch: list[HeaderFetch]) -> None:
        """Parse a batch's headers and read, in one UID FETCH, the bodies its
        unseen mails will need. Only a shortcut: each mail is still decided on
        its own when its turn comes, and a body missing here is fetched then."""
        wanted = []
        for fetched in batch:
            try:
                head = parse.parse_mail(fetched.header)
                self._heads[fetched.uid] = head
                seen = self.store.is_seen(
                    uidvalidity, fetched.uid, fingerprint(head, fetched.size)
                )
                if not seen and self._on_headers(fetched, head) is None:
                    wanted.append(fetched.uid)
            except Exception:  # met again, and logged, in its own turn
                continue
        self._bodies = self.mailbox.bodies(wanted)

    def _body(self, uid: int) -> bytes | None:
        """A mail's bytes: from its batch's FETCH, else read now (None: expunged)."""
        raw = self._bodies.pop(uid, None)
        return raw if raw is not None else self.mailbox.body(uid)

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
        key: _MailKey,
        enquiry_id: int,
        mail: InboundMail,
        found: CalendarMessage | None,
    ) -> str:
        """A mail in a conversation mailflow owns; the person's words are screened first."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None or (
            enquiry.state in _CLOSED_STATES
            and enquiry.closed_reason not in _STILL_LISTENING
        ):
            return "owned-closed"
        if found is None and classify.is_automated(mail, self.policy.form_senders):
            return "owned-automated"  # an out-of-office answering our offer
        from_person = (
            found is None and mail.from_addr != self.settings.practice.therapist_email
        )
        with self.store.transaction():
            said = screen.screen(
                mail.subject + "\n" + reply.new_words(mail.text),
                extra_phrases=self.policy.crisis_phrases,
            )
            if from_person and said.risk is screen.Risk.CLEAR:
                self._escalate_now(key, enquiry, mail)
                outcome = "owned-crisis"
            else:
                if from_person and screen.is_news(
                    said, enquiry.risk, enquiry.safety_note
                ):
                    # From now on every pick waits for the therapist, who is told.
                    enquiry = self._mark_risk(key, enquiry, mail, said.note)
                outcome = self.conversation.on_mail(
                    enquiry, conversation.Incoming(mail, step=key.fingerprint), found
                )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, f"owned:{outcome}", self.now
            )
        log.info("uid %d: enquiry %d, %s", key.uid, enquiry_id, outcome)
        return f"owned:{outcome}"

    # -- bounces --------------------------------------------------------------------

    def _bounce(self, key: _MailKey, fetched: HeaderFetch) -> str:
        """A delivery report is never answered. When it says mail mailflow sent
        could not be delivered, the address is marked undeliverable (nothing more
        goes to it), its enquiries are set aside and the therapist is told."""
        raw = self._body(fetched.uid)
        if raw is None:
            return "expunged"
        found = bounce.read_bounce(raw)
        if found is None:
            return "report"  # a delay notice, a read receipt, a mail system's note
        addresses = self._bounced_addresses(found)
        if not addresses:
            return "bounce-not-ours"
        with self.store.transaction():
            for address in sorted(addresses):
                self.store.mark_undeliverable(address, self.now)
                dropped = self.store.drop_pending_to(address)
                for enquiry_id in self.store.enquiry_ids_for(address):
                    self._set_aside(enquiry_id, found.status)
                log.info(
                    "uid %d: bounce; %d queued message(s) dropped", key.uid, dropped
                )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "bounce", self.now
            )
        return "bounce"

    def _bounced_addresses(self, found: bounce.Bounce) -> set[str]:
        """The people's addresses a bounce is about: its failed recipients among
        those of the message of ours it returns. A report that returns none of
        our messages changes nothing (anyone can write a "bounce" naming an
        address; it stays in the inbox for the therapist). Never the practice's
        own addresses."""
        practice = self.settings.practice
        own = {practice.email, practice.therapist_email}
        failed = {a.lower() for a in found.recipients} - own
        ours = {
            address.lower()
            for message_id in found.message_ids
            for address in self.store.outbox_recipients(message_id)
        } - own
        return ours & failed

    def _escalate(
        self, key: _MailKey, enquiry_id: int, mail: InboundMail, *, existing: bool
    ) -> str:
        """A new mail at risk from someone with an open enquiry."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return "open-enquiry"
        with self.store.transaction():
            self._escalate_now(key, enquiry, mail, safety_message=not existing)
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "crisis", self.now
            )
        log.info("uid %d: enquiry %d escalated", key.uid, enquiry_id)
        return "crisis"

    def _escalate_now(
        self,
        key: _MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        *,
        safety_message: bool = True,
    ) -> None:
        """Release any hold, send the safety message in this mail's thread and
        alert the therapist; the enquiry is theirs from now on. Someone the
        therapist already handles (an existing client, an escalated or
        hand-answered enquiry) gets no safety message from mailflow: the
        therapist is alerted."""
        human = enquiry.state in HUMAN_STATES
        person = letters.Recipient(
            enquiry.email,
            enquiry.name,
            enquiry.phone or extract.extract_phone(mail.text, self.policy.country),
            letters.person_zone_from_minutes(enquiry.sender_offset_minutes),
        )
        thread = letters.Thread(
            mail.subject or enquiry.subject,
            mail.message_id,
            (*mail.references, *_own_id(mail)),
        )
        self.conversation.apply(enquiry, workflow.on_crisis(enquiry.state))
        self._crisis(
            enquiry.id,
            mail,
            person,
            thread,
            step=f"crisis:{key.fingerprint}",
            safety_message=safety_message and not human,
        )

    def _note_risk(
        self, key: _MailKey, enquiry_id: int, mail: InboundMail, note: str
    ) -> str:
        """A new mail from someone in a conversation speaks of possible risk or
        a safety need: the therapist is told, and their picks wait for approval."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return "open-enquiry"
        with self.store.transaction():
            self._mark_risk(key, enquiry, mail, note)
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "owned:risk-noted", self.now
            )
        return "owned:risk-noted"

    def _mark_risk(
        self, key: _MailKey, enquiry: Enquiry, mail: InboundMail, note: str
    ) -> Enquiry:
        """Record possible risk (and the need, in their words) on the enquiry
        and alert the therapist for this mail; returns the updated record."""
        merged = " / ".join(filter(None, (enquiry.safety_note, note)))
        self.store.update_enquiry(
            enquiry.id,
            self.now,
            risk="clear" if enquiry.risk == "clear" else "possible",
            safety_note=merged[: screen.MAX_NOTE_CHARS * 2] or None,
        )
        person = letters.Recipient(
            enquiry.email,
            enquiry.name,
            enquiry.phone,
            letters.person_zone_from_minutes(enquiry.sender_offset_minutes),
        )
        self._possible_alert(
            enquiry.id,
            person,
            mail,
            reply.new_words(mail.text),
            f"possible-alert:{key.fingerprint}",
            "conversation",
            note,
        )
        return self.store.enquiry(enquiry.id) or enquiry

    def _possible_alert(
        self,
        enquiry_id: int,
        person: Recipient,
        mail: InboundMail,
        words: str,
        step: str,
        answered: str,
        note: str,
    ) -> None:
        """The therapist told of possible risk or a safety need, in their words."""
        self.letters.crisis_alert(
            enquiry_id,
            person,
            mail.subject,
            words,
            mail.date_at or self.now,
            step,
            level="possible",
            answered=answered,
            safety_note=note,
        )

    def _set_aside(self, enquiry_id: int, status: str | None) -> None:
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return
        transition = workflow.on_undeliverable(enquiry.state)
        if transition.outcome == "bounce-known":
            return
        # Nobody can read our letters: hold nothing, time nothing more.
        self.conversation.apply(enquiry, transition)
        person = letters.Recipient(enquiry.email, enquiry.name, enquiry.phone, None)
        self.letters.bounce_alert(enquiry_id, person, reason="bounced", status=status)

    # -- answering a request ------------------------------------------------------

    def _answer(
        self,
        key: _MailKey,
        mail: InboundMail,
        person: Person,
        *,
        risk: str,
        safety_note: str = "",
        form: bool = False,
        asked_for: bool = True,
        existing: bool = False,
    ) -> str:
        """Create the enquiry and queue its first messages, all in one transaction.

        Clear risk gets the safety message instead of times (an existing client,
        or someone who asked for nothing, is not sent times either); possible
        risk gets times, an alert, and every pick held for the therapist. A
        website form's notification is not the person's own mail: the answer to
        it starts a fresh subject instead of "Re: New contact form submission".
        """
        crisis = risk == "clear"
        outcome = "crisis" if crisis else "request"
        # A form's Date is the form service's clock, not the person's zone.
        zone = None if form else self._zone_of(mail)
        slots = [] if crisis else self._offer_slots(person, zone)
        if not crisis and not slots:
            outcome = "no-slots"
        with self.store.transaction():
            # They wrote from it, so it works again (a full mailbox emptied).
            self.store.clear_undeliverable(person.email)
            enquiry_id = self.store.add_enquiry(
                state=workflow.on_new_request(risk, bool(slots)),
                email=person.email,
                name=person.name,
                phone=person.phone,
                subject=compose.FRESH_SUBJECT
                if form
                else compose.clean_header(mail.subject),
                request_message_id=mail.message_id,
                sender_offset_minutes=_minutes(zone),
                crisis=crisis,
                now=self.now,
                first_message=reply.new_words(mail.text)[:FIRST_MESSAGE_CHARS],
                risk=risk,
                safety_note=safety_note or None,
            )
            recipient = letters.Recipient(person.email, person.name, person.phone, zone)
            thread = letters.Thread(
                "" if form else mail.subject,
                mail.message_id,
                (*mail.references, *_own_id(mail)),
            )
            if outcome == "crisis":
                self._crisis(
                    enquiry_id,
                    mail,
                    recipient,
                    thread,
                    step="safety",
                    safety_message=not existing,
                )
            elif outcome == "no-slots":
                self.letters.no_slots_alert(
                    enquiry_id, recipient, mail.subject, "no-slots"
                )
            else:
                self.store.set_offers(enquiry_id, slots)
                self.store.update_enquiry(enquiry_id, self.now, offered_at=self.now)
                self.letters.offer(enquiry_id, recipient, thread, slots, "offer")
            if risk == "possible":
                self._possible_alert(
                    enquiry_id,
                    recipient,
                    mail,
                    mail.text,
                    "possible-alert",
                    "times" if slots else "nothing",
                    safety_note,
                )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
            )
        self.report.requests += 1
        log.info(
            "uid %d: enquiry %d opened (%s%s)",
            key.uid,
            enquiry_id,
            outcome,
            "" if asked_for else ", asked for nothing",
        )
        return outcome

    def _ask(
        self,
        key: _MailKey,
        mail: InboundMail,
        person: Person,
        reason: str,
        risk: str = "none",
        safety_note: str = "",
    ) -> str:
        """A first mail mailflow cannot place: leave it, ask the therapist once.
        Their "offer" (authenticated like an approval) sends the first offer in
        the person's own thread."""
        zone = self._zone_of(mail)
        first = reply.new_words(mail.text)[:FIRST_MESSAGE_CHARS]
        with self.store.transaction():
            enquiry_id = self.store.add_enquiry(
                state=workflow.on_unsure(),
                email=person.email,
                name=person.name,
                phone=person.phone,
                subject=compose.clean_header(mail.subject),
                request_message_id=mail.message_id,
                sender_offset_minutes=_minutes(zone),
                crisis=False,
                now=self.now,
                first_message=first,
                risk=risk,
                safety_note=safety_note or None,
            )
            references = (*mail.references, *_own_id(mail))
            self.store.update_enquiry(
                enquiry_id,
                self.now,
                approval_round=1,
                last_message_id=mail.message_id,
                last_references=references[-20:],
            )
            recipient = letters.Recipient(person.email, person.name, person.phone, zone)
            self.letters.unsure_note(
                enquiry_id,
                recipient,
                mail.subject,
                first,
                reason,
                1,
                safety_note=safety_note,
            )
            if risk == "possible":
                self._possible_alert(
                    enquiry_id,
                    recipient,
                    mail,
                    mail.text,
                    "possible-alert",
                    "nothing",
                    safety_note,
                )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "asked", self.now
            )
        log.info(
            "uid %d: enquiry %d, therapist asked (%s)", key.uid, enquiry_id, reason
        )
        return "asked"

    def _crisis(
        self,
        enquiry_id: int,
        mail: InboundMail,
        person: Recipient,
        thread: Thread,
        *,
        step: str,
        safety_message: bool = True,
    ) -> None:
        """The safety message to the person (unless the practice already writes
        to them) and an immediate alert to the therapist, Reply-To the person."""
        if safety_message:
            self.letters.safety(enquiry_id, person, thread, step)
        self.letters.crisis_alert(
            enquiry_id,
            person,
            mail.subject,
            mail.text,
            mail.date_at or self.now,
            f"{step}-alert",
            answered="safety" if safety_message else "nothing",
        )

    def _zone_of(self, mail: InboundMail) -> tzinfo | None:
        return compose.person_zone(
            mail.sender_offset, mail.date_at, self.settings.practice.timezone
        )

    def _offer_slots(self, person: Person, zone: tzinfo | None) -> list[Slot]:
        free = self.schedule.free()
        return availability.choose_offer(
            free,
            count=self.settings.availability.offer_count,
            zone_name=self.settings.practice.timezone,
            preference=person.preference,
            person_zone=zone,
        )

    # -- the clock -------------------------------------------------------------

    def timed_work(self) -> None:
        """Reminders, follow-ups, nudges and expiry whose moment has come."""
        rules = timing_rules(self.settings)
        for enquiry in self.store.open_enquiries():
            self._timed_steps(enquiry.id, rules)

    def _timed_steps(self, enquiry_id: int, rules: timing.TimingRules) -> None:
        """Every step due now, in order (a reminder and the lapse after it may
        both be due): a run leaves nothing due behind, so a second run at the
        same moment changes nothing."""
        taken: set[timing.Step] = set()
        while (enquiry := self.store.enquiry(enquiry_id)) is not None:
            if enquiry.state not in _TIMED_STATES:
                return
            due = timing.next_due(
                enquiry_view(self.settings, self.store, enquiry), rules, self.now
            )
            if (
                due is None
                or due.step in taken
                or not timing.is_due(due, self.now, rules)
            ):
                return  # nothing due, or the same step again: it changed nothing
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

    def daily_digest(self) -> None:
        """Once a local day, from `workflow.digest_at`: the therapist's day at a glance."""
        at = self.settings.workflow.digest_at
        zone = ZoneInfo(self.settings.practice.timezone)
        local = self.now.astimezone(zone)
        if not at or local.time() < time.fromisoformat(at):
            return
        day = local.date().isoformat()
        if self.store.get_meta(f"digest:{day}") is not None:
            return
        with self.store.transaction():
            self.letters.digest(
                self._digest_context(local),
                local.date().isoformat(),
                f"{local:%A} {local.day} {local:%B}",
            )
            self.store.set_meta(f"digest:{day}", self.now.isoformat())

    def _digest_context(self, local: datetime) -> dict[str, object]:
        zone = local.tzinfo
        today, tomorrow = local.date(), local.date() + timedelta(days=1)
        calls: dict[object, list[dict[str, str | None]]] = {today: [], tomorrow: []}
        waiting, new, escalated, unsure = [], [], [], []
        for enquiry in self.store.enquiries():
            name = enquiry.name or enquiry.email
            call = self.store.call(enquiry.id)
            if call is not None and call.status == "booked":
                start = call.start_at.astimezone(zone)
                if start.date() in calls:
                    calls[start.date()].append(
                        {
                            "time": f"{start:%H:%M}",
                            "name": name,
                            "phone": self.letters.phone(enquiry.phone),
                        }
                    )
            if enquiry.state is State.HELD and call is not None:
                waiting.append(
                    {"name": name, "when": self.letters.practice_time(call.start_at)}
                )
            elif enquiry.state is State.BOOKED and enquiry.counter_start_at is not None:
                moved_to = self.letters.practice_time(enquiry.counter_start_at)
                waiting.append({"name": name, "when": f"a move to {moved_to}"})
            if self.now - enquiry.created_at < timedelta(days=1):
                new.append(name)
            if (
                enquiry.state is State.ESCALATED
                and self.now - enquiry.updated_at < timedelta(days=7)
            ):
                escalated.append(f"{name} (please contact them yourself)")
            if (
                enquiry.state is State.ASKED
                and self.now - enquiry.created_at < _UNSURE_DAYS
            ):
                unsure.append(name)
        return {
            "greeting": "Good morning"
            if local.hour < 12
            else "Good afternoon"
            if local.hour < 18
            else "Good evening",
            "today": sorted(calls[today], key=lambda c: str(c["time"])),
            "tomorrow": sorted(calls[tomorrow], key=lambda c: str(c["time"])),
            "waiting": waiting,
            "new": new,
            "escalated": escalated,
            "unsure": unsure,
            "zone": self.settings.practice.timezone.rsplit("/", 1)[-1].replace(
                "_", " "
            ),
        }

    # -- the outbox -----------------------------------------------------------------

    def flush_outbox(self) -> None:
        """Hand every queued message over once, within the limits, then file its
        copy in Sent. Alerts queued on the way (a refusal, the breaker) go out in
        the same run."""
        if self.dry_run:
            for outgoing in self.store.pending():
                print(f"would send: {outgoing.kind} (enquiry {outgoing.enquiry_id})")  # noqa: T201
            return
        limits = self._limits()
        history = [
            guard.Sent(recipients, sent_at)
            for recipients, sent_at in self.store.sent_since(self.now - guard.DAY)
        ]
        if self.store.get_meta(_BREAKER) and (
            guard.hour_count(history, self.now) <= limits.per_hour // 2
        ):
            self.store.set_meta(_BREAKER, "")  # the hour has calmed down: resume
            log.info("outbox: sending resumes after the pause")
        handled: set[int] = set()
        while batch := [o for o in self.store.pending() if o.id not in handled]:
            for outgoing in batch:
                handled.add(outgoing.id)
                if not self._flush_one(outgoing, limits, history):
                    self.report.waiting = len(self.store.pending())
                    return
        if self._suspect is not None:
            # Refused on policy with nothing after it to tell why: one more run
            # it stood alone (see _policy_refused).
            key = _LONE_REFUSALS + str(self._suspect[0].id)
            self.store.set_meta(key, str(int(self.store.get_meta(key) or 0) + 1))

    def _flush_one(
        self, outgoing: OutgoingMail, limits: guard.Limits, history: list[guard.Sent]
    ) -> bool:
        """Send (or hold back) one queued message; False when the server is down."""
        if outgoing.status == "pending" and not self._still_wanted(outgoing):
            # Overtaken since it was decided (cancelled, moved, closed): never sent.
            self.store.mark_failed(outgoing.id, "dropped")
            log.info(
                "outbox %d: %s dropped, no longer wanted",
                outgoing.id,
                outgoing.kind,
            )
            return True
        if outgoing.status == "pending":
            if outgoing.attempts and self._already_filed(outgoing.message_id):
                self.store.mark_sent(outgoing.id, self.now)  # sent before a crash
            elif self._undeliverable(outgoing):
                self.store.mark_failed(outgoing.id, "dropped")
                log.info(
                    "outbox %d: %s dropped, address bounced", outgoing.id, outgoing.kind
                )
                return True
            elif self._held(outgoing, limits, history):
                self.report.waiting += 1
                return True
            else:
                self.store.note_attempt(outgoing.id)
                try:
                    self.sender.send(outgoing.sender, outgoing.recipients, outgoing.raw)
                except PolicyRefusedError as exc:
                    return self._policy_refused(outgoing, str(exc))
                except PermanentSendError as exc:
                    self._refused(outgoing, str(exc))
                    return True
                except DeferredSendError as exc:
                    self._deferred(outgoing, str(exc))
                    return True
                except TransientSendError as exc:
                    self.report.smtp_down = str(exc)
                    # The CLI says it once, with the count waiting: one line for cron.
                    log.info("outbox: %s; kept for the next run", exc)
                    return False
                # DATA got 250: from here on this message is never handed over again.
                self.store.mark_sent(outgoing.id, self.now)
                history.append(guard.Sent(outgoing.recipients, self.now))
                self.report.sent += 1
                if self._suspect is not None:
                    # Another message went: the refusal was about that one alone.
                    self._refused(*self._suspect)
                    self._suspect = None
        if outgoing.needs_copy and not (
            # Left 'sent' by an earlier run that died after the 250: its copy may
            # be in Sent already.
            outgoing.status == "sent" and self._copy_filed(outgoing.message_id)
        ):
            bookmark = self._file_copy(outgoing.raw)
        else:
            bookmark = None
        with self.store.transaction():  # one commit (one fsync), not two
            if bookmark is not None:
                self.store.set_folder(*bookmark)
            self.store.mark_done(outgoing.id)
        return True

    def _policy_refused(self, outgoing: OutgoingMail, reason: str) -> bool:
        """A 5.7.x at DATA. If the next message goes, it was this message's
        content (failed, the therapist told); if the next is refused too, it is
        the account: stop, keep everything queued (exit 3). Refused alone, run
        after run, it is this message after all."""
        if self._suspect is not None:
            self.report.smtp_down = (
                f"{reason}, twice in a row: the server refuses to send for this"
                " account (check smtp.username and what it may send as)"
            )
            return False
        alone = int(self.store.get_meta(_LONE_REFUSALS + str(outgoing.id)) or 0)
        if alone + 1 >= POLICY_ATTEMPTS:
            self._refused(outgoing, reason)
            return True
        self._suspect = (outgoing, reason)
        self.report.deferred += 1  # undecided for now: exit 1, tried again
        return True

    def _limits(self) -> guard.Limits:
        limits = self.settings.limits
        return guard.Limits(
            per_address_per_day=limits.per_address_per_day,
            per_run=limits.per_run,
            per_hour=limits.per_hour,
        )

    def _undeliverable(self, outgoing: OutgoingMail) -> bool:
        return outgoing.kind not in guard.EXEMPT_KINDS and any(
            self.store.is_undeliverable(r) for r in outgoing.recipients
        )

    def _held(
        self, outgoing: OutgoingMail, limits: guard.Limits, history: list[guard.Sent]
    ) -> bool:
        """Whether a cap holds the message back for now (it stays queued)."""
        verdict = guard.decide(
            kind=outgoing.kind,
            recipients=outgoing.recipients,
            next_attempt_at=outgoing.next_attempt_at,
            history=history,
            sent_this_run=self.report.sent,
            limits=limits,
            now=self.now,
            uncapped=frozenset({self.settings.practice.therapist_email}),
        )
        if verdict is guard.Verdict.BREAKER and not self.store.get_meta(_BREAKER):
            count = guard.hour_count(history, self.now)
            with self.store.transaction():
                self.store.set_meta(_BREAKER, self.now.isoformat())
                # One alert a day at most, however often the breaker trips.
                local = self.now.astimezone(ZoneInfo(self.settings.practice.timezone))
                self.letters.sending_paused(count, local.date().isoformat())
            log.error(
                "outbox: %d messages in the last hour (limits.per_hour); sending"
                " paused, the therapist is told",
                count,
            )
        elif verdict is guard.Verdict.ADDRESS_FULL:
            log.warning(
                "outbox %d: %s waits: its address had %d messages in a day"
                " (limits.per_address_per_day)",
                outgoing.id,
                outgoing.kind,
                limits.per_address_per_day,
            )
        return verdict is not guard.Verdict.SEND

    def _refused(self, outgoing: OutgoingMail, reason: str) -> None:
        """5xx (or 4xx for too long): failed for good, and the therapist hears of a
        letter to the person that will never arrive."""
        with self.store.transaction():
            self.store.mark_failed(outgoing.id)
            enquiry = (
                None
                if outgoing.enquiry_id is None
                or self.settings.practice.therapist_email in outgoing.recipients
                else self.store.enquiry(outgoing.enquiry_id)
            )
            if enquiry is not None:
                person = letters.Recipient(
                    enquiry.email, enquiry.name, enquiry.phone, None
                )
                self.letters.bounce_alert(
                    enquiry.id, person, reason="refused", status=reason
                )
        self.report.send_failed += 1
        log.error("outbox %d: refused for good (%s)", outgoing.id, reason)

    def _deferred(self, outgoing: OutgoingMail, reason: str) -> None:
        """4xx for this message: try again later, waiting longer each time."""
        retry = guard.retry_at(outgoing.deferrals + 1, self.now)
        if retry is None:
            self._refused(
                outgoing, f"{reason}; still after {guard.MAX_DEFERRALS} tries"
            )
            return
        self.store.defer(outgoing.id, retry)
        self.report.deferred += 1
        log.warning(
            "outbox %d: deferred (%s); next try from %s",
            outgoing.id,
            reason,
            retry.isoformat(timespec="minutes"),
        )

    def _still_wanted(self, outgoing: OutgoingMail) -> bool:
        """A timed letter is re-checked against the enquiry at the moment of sending."""
        if not outgoing.expects or outgoing.enquiry_id is None:
            return True
        enquiry = self.store.enquiry(outgoing.enquiry_id)
        wanted = outgoing.expects.get("state")
        states = wanted if isinstance(wanted, list) else [wanted]
        if enquiry is None or enquiry.state not in states:
            return False
        start = outgoing.expects.get("start_at")
        if start is not None:
            call = self.store.call(outgoing.enquiry_id)
            return (
                call is not None
                and call.status == "booked"
                and call.start_at.isoformat() == start
            )
        return True

    def _file_copy(self, raw: bytes) -> tuple[str, Folder] | None:
        """Put our copy in Sent; returns the Sent bookmark moved past it when
        nothing else came in between (stored by the caller with the outbox row)."""
        name = self.settings.imap.sent_folder
        appended = self.mailbox.append(name, raw, self.now)
        known = self.store.folder(f"sent:{name}")
        if (
            appended
            and known
            and known.uidvalidity == appended[0]
            and known.uidnext == appended[1]
        ):
            return f"sent:{name}", Folder(known.uidvalidity, appended[1] + 1)
        return None

    def _copy_filed(self, message_id: str) -> bool:
        """Whether Sent holds this message (only asked after a run died mid-way)."""
        return self.mailbox.contains_message_id(
            self.settings.imap.sent_folder, message_id
        )

    def _already_filed(self, message_id: str) -> bool:
        """After a crash mid-send, a provider that files sent mail itself tells us."""
        if not self.settings.imap.files_sent_mail_itself:
            return False
        return self.mailbox.contains_message_id(
            self.settings.imap.sent_folder, message_id
        )


_NEEDS_BODY = frozenset({"system-sender"})
"""Header verdicts a form notification's body can overturn (no-reply senders)."""
_ACTED = frozenset({"request", "crisis", "no-slots", "owned-crisis", "bounce", "asked"})
_UNSURE_DAYS = timedelta(days=14)
"""How long an unanswered "not sure" note stays in the daily digest."""
_BREAKER = "breaker_open_since"
"""Meta key: set while the hourly circuit breaker holds sending back."""
_CLOSED_STATES = frozenset({State.STOOD_DOWN, State.ESCALATED, State.CLOSED})
POLICY_ATTEMPTS = 3
"""Runs a message may be refused on policy alone before it is failed for good."""
_LONE_REFUSALS = "policy-alone:"
"""Meta key prefix: runs in which a message was refused on policy with no other
message after it (outages and account-wide refusals do not count)."""
_APPROVAL_REF = re.compile(r"\[ref ([0-9a-f]{16})\]")
_TIMED_STATES = OPEN_STATES
"""States the clock still owes something (as `Store.open_enquiries` selects)."""
_STILL_LISTENING = STILL_LISTENING
"""Closed by the clock alone: a late reply still reopens the offer or answers
the follow-up (closing for silence is not the person saying goodbye)."""


@dataclass(frozen=True, slots=True)
class _MailKey:
    uidvalidity: int
    uid: int
    fingerprint: str


class _Contacts:
    """`in` over the store's hashed contacts, for the pure classifier."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and self._store.is_contact(address)


def _batches(fetches: Iterable[HeaderFetch]) -> Iterator[list[HeaderFetch]]:
    """Consecutive mails, at most BODY_BATCH of them and BODY_BATCH_BYTES of the
    bodies that may be read (a mail's first READ_LIMIT bytes at most)."""
    batch: list[HeaderFetch] = []
    size = 0
    for fetched in fetches:
        readable = min(fetched.size, READ_LIMIT)
        if batch and (len(batch) >= BODY_BATCH or size + readable > BODY_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(fetched)
        size += readable
    if batch:
        yield batch


def _thread(mail: InboundMail) -> set[str]:
    ids = set(mail.references)
    if mail.in_reply_to:
        ids.add(mail.in_reply_to)
    return ids


def _own_id(mail: InboundMail) -> tuple[str, ...]:
    return (mail.message_id,) if mail.message_id else ()


def _minutes(zone: tzinfo | None) -> int | None:
    """A fixed-offset zone as minutes east of UTC (None: the practice's own zone)."""
    offset = None if zone is None else zone.utcoffset(None)
    return None if offset is None else int(offset.total_seconds() // 60)
