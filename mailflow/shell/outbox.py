"""The outbox: every queued message handed to the mail server once, within the
limits, and its copy filed in Sent. Shell.

A message is decided (and queued) in the transaction of the mail or timer that
caused it; here it is only sent. The caps (`deciding.guard`), the hourly
circuit breaker, refusals, deferrals and a crash between the 250 and the copy in
Sent are all handled message by message, so a run that stops half-way sends
nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow.deciding import guard
from mailflow.errors import (
    DeferredSendError,
    MailboxError,
    PermanentSendError,
    PolicyRefusedError,
    SendError,
    SmtpAuthError,
    TransientSendError,
)
from mailflow.lazy import lazy_module
from mailflow.shell.ports import Mailbox, Sender
from mailflow.shell.store import Folder, OutgoingMail, SentMarker, Store

# An empty outbox needs no letters (templates, calendars): loaded on first use.
if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.runner import RunReport
    from mailflow.writing import letters
    from mailflow.writing.letters import AfterCallLetters
else:
    letters = lazy_module("mailflow.writing.letters")

log = logging.getLogger("mailflow")

COPY_BATCH = 50
"""Copies filed in Sent by one MULTIAPPEND (and marked done by one commit)."""
COPY_BATCH_BYTES = 4 * 1024 * 1024
"""...and at most this much of them, so one command stays bounded."""
POLICY_ATTEMPTS = 3
"""Runs a message may be refused on policy alone before it is failed for good."""
_BREAKER = "breaker_open_since"
"""Meta key: set while the hourly circuit breaker holds sending back."""
_LONE_REFUSALS = "policy-alone:"
"""Meta key prefix: runs in which a message was refused on policy with no other
message after it (outages and account-wide refusals do not count)."""
AHEAD_IN_FLIGHT = 2
"""Letters handed to the worker and not yet recorded: the next is on the wire
as soon as the server has answered one, not at the next mail's end."""


class Outbox:
    """Sends one run's queued messages; counts what happened in `report`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        mailbox: Mailbox,
        sender: Sender,
        *,
        now: datetime,
        report: RunReport,
        letters: Callable[[], AfterCallLetters],
        dry_run: bool = False,
    ) -> None:
        self.settings = settings
        self.store = store
        self.mailbox = mailbox
        self.sender = sender
        self.now = now
        self.report = report
        self._letters = letters  # built on first use: an alert is rare
        self.dry_run = dry_run
        self._suspect: tuple[OutgoingMail, str] | None = None  # see _policy_refused
        self._copies: list[OutgoingMail] = []  # handed over, not yet filed in Sent
        self._copy_bytes = 0
        self._handled: set[int] = set()  # tried (or held back) in this run
        self._urgent_sent = 0  # news of risk handed over: not the run's share
        self._counted: set[int] = set()  # lone refusals counted in this run
        # Letters going ahead of the reading (`open_ahead`).
        self._ahead: deque[OutgoingMail] = deque()
        self._ahead_log: guard.SentLog | None = None  # None: none go ahead
        self._waits: Callable[[], bool] = lambda: True
        self._in_flight: deque[
            tuple[OutgoingMail, Future[SendError | _Recorded | _NotTried | None]]
        ] = deque()
        self._worker: ThreadPoolExecutor | None = None
        self._stopped = threading.Event()  # set on the worker: try no more
        self._mark: SentMarker | None = None  # the worker's own `mark_sent`
        self._down_ahead = False  # the server went down under a letter sent ahead
        self._failed_ahead: BaseException | None = None  # raised where flush would
        self._next_note: int | None = None  # a note for refused news of risk: next

    def flush(self) -> None:
        """Hand every queued message over once, within the limits, then file its
        copy in Sent. Alerts queued on the way (a refusal, the breaker) go out in
        the same run. Called again in the same run (after a calendar alert was
        queued), it hands over only what was queued since: a message is tried
        once a run, and none after the server went down."""
        if self.dry_run:
            for outgoing in self.store.pending():
                if outgoing.id in self._handled:
                    continue
                self._handled.add(outgoing.id)
                how = "file" if outgoing.kind in guard.FILED_IN_THE_INBOX else "send"
                print(f"would {how}: {outgoing.kind} (enquiry {outgoing.enquiry_id})")  # noqa: T201
            return
        self._file_notes()  # no SMTP in them: filed even while it is down
        if self._failed_ahead is not None:
            # What a letter sent ahead met, raised where the flush would meet it.
            failed, self._failed_ahead = self._failed_ahead, None
            raise failed
        if self.report.smtp_down:
            if self._down_ahead:  # under a letter sent ahead of the reading
                self._down_ahead = False
                self._file_copies()  # what went before the outage is filed
                self.report.waiting = len(self.store.pending())
            return  # down (or refusing us) earlier in this run: the next run tries
        limits = self._limits()
        history = self._day_log()
        if self.store.get_meta(_BREAKER) and (
            history.last_hour <= limits.per_hour // 2
        ):
            self.store.set_meta(_BREAKER, "")  # the hour has calmed down: resume
            log.info("outbox: sending resumes after the pause")
        handled = self._handled
        while batch := [o for o in self.store.pending() if o.id not in handled]:
            lanes = [self._lane(o) for o in batch]
            kinds = [o.kind for o in batch]
            ordered = [batch[i] for i in guard.send_order(lanes, kinds)]
            # A note for refused news of risk goes next (`_note_next`).
            ordered.sort(key=lambda o: o.id != self._next_note)
            for outgoing in ordered:
                handled.add(outgoing.id)
                if outgoing.id == self._next_note:
                    self._next_note = None
                if not self._flush_one(outgoing, limits, history):
                    self._file_copies()  # what went before the outage is filed
                    self.report.waiting = len(self.store.pending())
                    return
                if self._next_note is not None:
                    break  # the note just queued goes next, not last
        self._file_copies()
        if self._suspect is not None and self._suspect[0].id not in self._counted:
            # Refused on policy with nothing after it to tell why: one more run
            # it stood alone (see _policy_refused); once a run.
            self._counted.add(self._suspect[0].id)
            key = _LONE_REFUSALS + str(self._suspect[0].id)
            self.store.set_meta(key, str(int(self.store.get_meta(key) or 0) + 1))

    # -- ahead of the reading ---------------------------------------------------

    @property
    def going_ahead(self) -> bool:
        """Whether letters may go ahead of the reading in this poll."""
        return self._ahead_log is not None

    def open_ahead(
        self, mails: int, waits: Callable[[], bool], visits: Callable[[], int]
    ) -> None:
        """Before `mails` are read: whether the letters answering new enquiries
        may go while the rest is still read, so that the server delivers one
        while the next mail is decided (#13: a backlog's deciding hidden behind
        its sending).

        Only where no limit can come into play in this run: everything queued
        already, and as much as each mail to read, the clock and the run's own
        notes could queue (`guard.most_queued`), fit within `limits.per_run` and
        what is left of `limits.per_hour`. Then the order in
        which letters go changes nothing of what goes: the flush's fair order
        matters only once a limit holds letters back. With the default limits
        nothing goes ahead (one mail counts as up to 35 letters): this is for
        practices that raise them.

        `visits()`: how many enquiries the clock will look at in this run.
        `waits()`: whether a mail of the poll still to be read could take back
        a letter before the flush (a delivery report: `drop_pending_to`);
        meanwhile letters stay queued, and go once it is read if still
        wanted."""
        self._ahead_log = None
        if self.dry_run or self.report.smtp_down or mails <= 0:
            return
        from mailflow.deciding import timing

        limits = self._limits()
        steps = len(timing.Step)
        feeds = len(self.settings.availability.busy_calendars) + 1  # and CalDAV
        sent = self.report.sent
        least = guard.most_queued(mails=mails, steps=steps, feeds=feeds)
        if not guard.no_limit_can_bind(
            least, sent_this_run=sent, last_hour=0, limits=limits
        ):
            return  # the defaults' case: nothing more is asked of the store
        if self.store.get_meta(_BREAKER):
            return
        most = guard.most_queued(
            mails=mails,
            steps=steps,
            feeds=feeds,
            waiting=self.store.pending_count(),
            visits=visits(),
        )
        if not guard.no_limit_can_bind(
            most, sent_this_run=sent, last_hour=0, limits=limits
        ):
            return
        history = self._day_log()
        if guard.no_limit_can_bind(
            most, sent_this_run=sent, last_hour=history.last_hour, limits=limits
        ):
            self._ahead_log, self._waits = history, waits

    def _day_log(self) -> guard.SentLog:
        """What was handed over in the last day, counted at this run's clock."""
        return guard.SentLog.of(
            (
                guard.Sent(recipients, sent_at, kind in guard.URGENT_KINDS)
                for recipients, sent_at, kind in self.store.sent_since(
                    self.now - guard.DAY
                )
                if kind not in guard.FILED_IN_THE_INBOX  # filed, never sent
            ),
            self.now,
        )

    def queue_ahead(self, enquiry_id: int) -> None:
        """The letters of an enquiry opened by the mail just read go ahead, one
        at a time, as the reading goes on (if `open_ahead` allowed it)."""
        if self._ahead_log is None:
            return
        for outgoing in self.store.pending_of(enquiry_id):
            # News of risk before ordinary letters (`guard.ahead_place`).
            kinds = [queued.kind for queued in self._ahead]
            self._ahead.insert(guard.ahead_place(kinds, outgoing.kind), outgoing)

    def send_ahead(self) -> None:
        """Between two mails: the letters whose answer has come recorded, in the
        order they went, and the next handed over (`AHEAD_IN_FLIGHT` at most);
        none while news of risk that is not going ahead waits for the flush."""
        self._collect(wait=False)
        if (
            self._ahead_log is None
            or not self._ahead
            or len(self._in_flight) >= AHEAD_IN_FLIGHT
            or self._news_waiting()
        ):
            return
        while (
            self._ahead_log is not None
            and len(self._in_flight) < AHEAD_IN_FLIGHT
            and self._ahead
            and not self._to_one_in_flight(self._ahead[0])
            and not self._waits()
        ):
            if not self._hand_next():
                return

    def drain_ahead(self) -> None:
        """The inbox is read: the letters still waiting to go ahead go now, one
        on the wire while the answer before it is recorded, instead of one by
        one in the flush. Its order matters where a limit can hold a letter
        back (`open_ahead` allowed none to) and where the server may go down
        half-way: news of risk first. So nothing drains while news of risk
        that is not going ahead waits (`_news_waiting`); and each letter is
        handed over only if the flush would send it as it stands
        (`_hand_ahead`); what is not goes with the flush."""
        history = self._ahead_log
        if history is None or not self._ahead or self._news_waiting():
            return
        while self._ahead_log is not None and self._ahead and not self._waits():
            if len(self._in_flight) >= AHEAD_IN_FLIGHT or self._to_one_in_flight(
                self._ahead[0]
            ):
                self._collect_oldest(history)  # the worker's next is queued
                continue
            if not self._hand_next():
                return

    def _hand_next(self) -> bool:
        """Hand over the first letter waiting to go ahead (`_hand_ahead`);
        False when it was news of risk that did not go: then nothing more
        goes ahead of it, and the flush sends it first."""
        outgoing = self._ahead.popleft()
        self._hand_ahead(outgoing)
        return outgoing.kind not in guard.URGENT_KINDS or outgoing.id in self._handled

    def _news_waiting(self) -> bool:
        """Whether news of risk waits that is not going ahead (an alert a reply
        in an open thread caused, one left by an earlier run): the flush sends
        it first, so that an outage met half-way never leaves it behind
        ordinary letters (`guard.send_order`); nothing else may go before it.
        Notes filed in the inbox need no SMTP and do not count."""
        kinds = guard.URGENT_KINDS - guard.FILED_IN_THE_INBOX
        going = {outgoing.id for outgoing in self._ahead} | self._handled
        return bool(self.store.waiting_of_kinds(kinds, self.now) - going)

    def _to_one_in_flight(self, outgoing: OutgoingMail) -> bool:
        """Whether it goes to someone a letter in flight goes to: it waits for
        that one's answer, so the per-address limit counts it first."""
        going = {
            guard.mailbox_of(r)
            for sent, _future in self._in_flight
            for r in sent.recipients
        }
        return any(guard.mailbox_of(r) in going for r in outgoing.recipients)

    def close_ahead(self) -> None:
        """The inbox is read: the letters in flight waited for and recorded; the
        letters not yet gone go with the flush, in its order."""
        try:
            self._collect(wait=True)
        finally:
            self._ahead.clear()
            self._ahead_log = None
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None
            if self._mark is not None:
                self._mark.close()
                self._mark = None

    def _hand_ahead(self, outgoing: OutgoingMail) -> None:
        """Hand one letter over now, if the flush would send it as it stands:
        still pending (no mail read since took it back), its address not
        bounced, and no limit holding it."""
        history = self._ahead_log
        assert history is not None
        if (
            outgoing.id in self._handled
            or outgoing.kind in guard.FILED_IN_THE_INBOX  # filed, never sent
            or outgoing.expects
            or outgoing.attempts
            or outgoing.next_attempt_at is not None
            or self.store.outgoing_status(outgoing.id) != "pending"
            or self._undeliverable(outgoing)
            or guard.decide(
                kind=outgoing.kind,
                recipients=outgoing.recipients,
                next_attempt_at=outgoing.next_attempt_at,
                history=history,
                sent_this_run=self.report.sent + len(self._in_flight),
                limits=self._limits(),
                now=self.now,
                uncapped=frozenset({self.settings.practice.therapist_email}),
            )
            is not guard.Verdict.SEND
        ):
            return  # the flush decides it in its turn
        self._handled.add(outgoing.id)
        self.store.note_attempt(outgoing.id)
        if self._worker is None:
            # The first from this thread: the login, and what the login guard
            # records of it in the store, happen here. The rest from the worker,
            # on the session open by then (a send never logs in again: a
            # dropped session fails it, and nothing more goes ahead).
            try:
                error = _hand_over(self.sender, outgoing)
            except Exception as exc:  # not the server's answer: raised by `flush`
                self._failed_ahead, self._ahead_log = exc, None
                return
            self._answer_ahead(outgoing, history, error)
            if self._ahead_log is not None:
                self._mark = self.store.sent_marker()
                self._worker = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="mailflow-send"
                )
            return
        self._in_flight.append(
            (outgoing, self._worker.submit(self._from_worker, outgoing))
        )

    def _from_worker(
        self, outgoing: OutgoingMail
    ) -> SendError | _Recorded | _NotTried | None:
        """On the worker: one letter handed over and its 250 recorded at once
        (`_RECORDED`; None when the recording failed: the main thread makes
        it), unless one before it was not taken (then none after it is tried:
        the flush decides them)."""
        if self._stopped.is_set():
            return _NOT_TRIED
        try:
            error = _hand_over(self.sender, outgoing)
        except BaseException:
            self._stopped.set()
            raise
        if error is not None:
            self._stopped.set()
            return error
        if self._mark is None:
            return None
        try:
            self._mark(outgoing.id, self.now)
        except Exception:  # the main thread records it instead
            return None
        return _RECORDED

    def _collect(self, *, wait: bool) -> None:
        """Record the answers that have come (all, waiting, if `wait`), in order."""
        history = self._ahead_log
        while self._in_flight:
            if not wait and not self._in_flight[0][1].done():
                return
            self._collect_oldest(history)

    def _collect_oldest(self, history: guard.SentLog | None) -> None:
        """Record the answer to the oldest letter in flight, waiting for it
        (`history`: the sent log of when the letters went ahead)."""
        outgoing, future = self._in_flight.popleft()
        try:
            error = future.result()
        except Exception as exc:  # not the server's answer: raised by `flush`
            self._failed_ahead, self._ahead_log = exc, None
            return
        if isinstance(error, _NotTried):
            self._handled.discard(outgoing.id)  # the flush's, in its turn
            return
        assert history is not None
        if isinstance(error, _Recorded):
            self._answer_ahead(outgoing, history, None, recorded=True)
        else:
            self._answer_ahead(outgoing, history, error)

    def _answer_ahead(
        self,
        outgoing: OutgoingMail,
        history: guard.SentLog,
        error: SendError | None,
        *,
        recorded: bool = False,
    ) -> None:
        """Record the server's answer to a letter sent ahead, as `_flush_one`
        does; after anything but a 250, no more letters go ahead."""
        if error is None:
            self._taken(outgoing, history, recorded=recorded)
            self._file_later(outgoing)
            return
        self._ahead_log = None
        if _dropped(error):
            # The session went (a server may close one left idle between two
            # letters of a long reading): the flush tries the letter again in
            # its turn, on a new session, and meets a server really down there.
            self._handled.discard(outgoing.id)
            log.info("outbox %d: %s; left for the flush", outgoing.id, error)
            return
        if not self._not_taken(outgoing, error):
            self._down_ahead = True

    def _lane(self, outgoing: OutgoingMail) -> str:
        """Whose turn a message takes in the round-robin (`guard.send_order`):
        the therapist's letters each their own enquiry's; a person's, their
        mailbox (case and `+tag` folded); every enquiry that came from a
        website form shares one lane, so a flood of forms (one sender) waits
        behind the people who wrote themselves, never in front of them. News
        of risk takes the lane of whom it is about: their mailbox, or "form"
        for a form's (one service's flood of addresses is one lane)."""
        therapist = self.settings.practice.therapist_email
        urgent = outgoing.kind in guard.URGENT_KINDS
        if outgoing.enquiry_id is None:
            # A form's alert is about nobody mailflow writes to.
            return "form" if urgent else f"therapist:None:{outgoing.id}"
        if not urgent and therapist in outgoing.recipients:
            return f"therapist:{outgoing.enquiry_id}:{outgoing.id}"
        # A person's letter, or news of risk about them: their lane.
        enquiry = self.store.enquiry(outgoing.enquiry_id)
        if enquiry is not None and enquiry.first_message:
            from mailflow.reading import extract

            if extract.came_by_form(enquiry.first_message):
                return "form"
        if urgent:  # to the therapist, about them
            return "person:" + guard.mailbox_of(enquiry.email) if enquiry else "form"
        return "person:" + ",".join(sorted(map(guard.mailbox_of, outgoing.recipients)))

    def _flush_one(
        self, outgoing: OutgoingMail, limits: guard.Limits, history: guard.SentLog
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
            if outgoing.attempts and self._already_filed(outgoing):
                self.store.mark_sent(outgoing.id, self.now)  # sent before a crash
            elif self._undeliverable(outgoing):
                self.store.mark_failed(outgoing.id, "dropped")
                log.info(
                    "outbox %d: %s dropped, address bounced", outgoing.id, outgoing.kind
                )
                return True
            elif outgoing.kind in guard.FILED_IN_THE_INBOX:
                return True  # filed by `_file_notes` alone, never sent
            elif self._held(outgoing, limits, history):
                self.report.waiting += 1
                return True
            else:
                self.store.note_attempt(outgoing.id)
                error = _hand_over(self.sender, outgoing)
                if error is not None:
                    return self._not_taken(outgoing, error)
                self._taken(outgoing, history)
        self._file_later(outgoing)
        return True

    def _file_notes(self) -> None:
        """File the notes for the practice's inbox before any letter is sent:
        they need IMAP alone, so an SMTP outage met by the flush never holds
        them back, and IMAP's trouble with them never holds back a letter:
        at the first refusal the rest wait for the next run."""
        for outgoing in self.store.pending():
            if (
                outgoing.kind not in guard.FILED_IN_THE_INBOX
                or outgoing.id in self._handled
            ):
                continue
            self._handled.add(outgoing.id)
            if outgoing.status != "pending":
                self._file_later(outgoing)  # filed before a crash: done now
                continue
            if (
                outgoing.next_attempt_at is not None
                and outgoing.next_attempt_at > self.now
            ):
                self.report.waiting += 1
                continue
            try:
                if not (outgoing.attempts and self._already_filed(outgoing)):
                    self.store.note_attempt(outgoing.id)  # found after a crash
                    self.mailbox.file_unread(
                        self.settings.imap.folder, outgoing.raw, self.now
                    )
            except MailboxError as error:
                self._not_filed(outgoing, error)
                return
            self.store.mark_sent(outgoing.id, self.now)
            self._file_later(outgoing)

    def _not_filed(self, outgoing: OutgoingMail, error: MailboxError) -> None:
        """A note the practice's inbox refused (a full mailbox, a server's
        hiccup): tried again at the next run, the letters going on
        meanwhile, until `guard.filing_retry` gives it up."""
        queued = self.store.queued_at(outgoing.id) or self.now
        retry = guard.filing_retry(outgoing.deferrals + 1, queued, self.now)
        if retry is None:
            self.store.mark_failed(outgoing.id)
            self.report.send_failed += 1
            log.error(
                "outbox %d: could not be filed in the practice inbox (%s);"
                " news of risk could not reach the therapist at all",
                outgoing.id,
                error,
            )
            return
        self.store.defer(outgoing.id, retry)
        self.report.failed += 1
        log.warning(
            "outbox %d: could not be filed in the practice inbox (%s); next try from %s",
            outgoing.id,
            error,
            retry.isoformat(timespec="minutes"),
        )

    def _taken(
        self, outgoing: OutgoingMail, history: guard.SentLog, *, recorded: bool = False
    ) -> None:
        """DATA got 250: from here on this message is never handed over again
        (`recorded`: the worker has marked it sent already)."""
        if not recorded:
            self.store.mark_sent(outgoing.id, self.now)
        urgent = outgoing.kind in guard.URGENT_KINDS
        history.add(guard.Sent(outgoing.recipients, self.now, urgent))
        self._urgent_sent += urgent
        self.report.sent += 1
        if self._suspect is not None:
            # Another message went: the refusal was about that one alone.
            self._refused(*self._suspect)
            self._suspect = None

    def _not_taken(self, outgoing: OutgoingMail, error: SendError) -> bool:
        """The server's refusal of one message; False when it is down."""
        if isinstance(error, PolicyRefusedError):
            return self._policy_refused(outgoing, str(error))
        if isinstance(error, PermanentSendError):
            self._refused(outgoing, str(error))
            return True
        if isinstance(error, DeferredSendError):
            self._deferred(outgoing, str(error))
            return True
        if isinstance(error, TransientSendError):
            self.report.smtp_down = str(error)
            # The CLI says it once, with the count waiting: one line for cron.
            log.info("outbox: %s; kept for the next run", error)
            return False
        raise error

    def _file_later(self, outgoing: OutgoingMail) -> None:
        """Handed over (or found so): its copy filed in Sent with the next few,
        or, needing none, done."""
        if outgoing.needs_copy and not (
            # Left 'sent' by an earlier run that died after the 250: its copy may
            # be in Sent already.
            outgoing.status == "sent" and self._copy_filed(outgoing.message_id)
        ):
            # Filed with the next few (`_file_copies`): the row stays 'sent'
            # meanwhile, so a run that dies first files it next time, once.
            self._copies.append(outgoing)
            self._copy_bytes += len(outgoing.raw)
            if len(self._copies) >= COPY_BATCH or self._copy_bytes >= COPY_BATCH_BYTES:
                self._file_copies()
        else:
            with self.store.transaction():
                self.store.mark_done(outgoing.id)

    def _file_copies(self) -> None:
        """File the copies of the messages just handed over in Sent, in one
        MULTIAPPEND where the server has it, then mark them done in one commit
        (and move the Sent bookmark past them when nothing came in between)."""
        copies, self._copies, self._copy_bytes = self._copies, [], 0
        if not copies:
            return
        name = self.settings.imap.sent_folder
        appended = self.mailbox.append_many(name, [o.raw for o in copies], self.now)
        known = self.store.folder(f"sent:{name}")
        following = known.uidnext if known is not None else None
        for filed in appended:
            if (
                filed is None
                or known is None
                or filed != (known.uidvalidity, following)
                or following is None
            ):
                break
            following += 1
        with self.store.transaction():  # one commit (one fsync) for them all
            if (
                known is not None
                and following is not None
                and following != known.uidnext
            ):
                self.store.set_folder(
                    f"sent:{name}", Folder(known.uidvalidity, following)
                )
            for outgoing in copies:
                self.store.mark_done(outgoing.id)

    def _policy_refused(self, outgoing: OutgoingMail, reason: str) -> bool:
        """A 5.7.x at DATA. If the next message goes, it was this message's
        content (failed, the therapist told); if the next is refused too, it is
        the account: stop, keep everything queued (exit 3). Refused alone, run
        after run, it is this message after all. News of risk is tested first
        by its note (`guard.tested_by_its_note`); the note refused as well
        tells nothing (they share the person's address, the subject's
        "Urgent"), so it is taken out again and the alert stays the suspect
        for the next message about something else."""
        if self._suspect is not None and _tests(outgoing, self._suspect[0]):
            with self.store.transaction():
                self.store.forget_outgoing(outgoing.id)
            # SQLite may give its id to the next row queued: its note again,
            # should the alert be refused for good in this run.
            self._handled.discard(outgoing.id)
            log.warning(
                "outbox %d: the note testing outbox %d's refusal refused too;"
                " the next message tells",
                outgoing.id,
                self._suspect[0].id,
            )
            return True
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
        if guard.tested_by_its_note(outgoing.kind):
            with self.store.transaction():
                note = self._note_for(outgoing, reason)
            self._note_next(note)
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
        self, outgoing: OutgoingMail, limits: guard.Limits, history: guard.SentLog
    ) -> bool:
        """Whether a cap holds the message back for now (it stays queued)."""
        verdict = guard.decide(
            kind=outgoing.kind,
            recipients=outgoing.recipients,
            next_attempt_at=outgoing.next_attempt_at,
            history=history,
            sent_this_run=self.report.sent - self._urgent_sent,
            limits=limits,
            now=self.now,
            uncapped=frozenset({self.settings.practice.therapist_email}),
        )
        if verdict is guard.Verdict.BREAKER and not self.store.get_meta(_BREAKER):
            count = history.last_hour
            with self.store.transaction():
                self.store.set_meta(_BREAKER, self.now.isoformat())
                # One alert a day at most, however often the breaker trips.
                local = self.now.astimezone(ZoneInfo(self.settings.practice.timezone))
                self._letters().sending_paused(count, local.date().isoformat())
            log.error(
                "outbox: %d messages in the last hour (limits.per_hour); sending"
                " paused, the therapist is told",
                count,
            )
        elif verdict is guard.Verdict.URGENT_FULL:
            log.warning(
                "outbox %d: %s waits: %d alerts of risk in the last hour",
                outgoing.id,
                outgoing.kind,
                guard.URGENT_PER_HOUR,
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
        """5xx (or 4xx for too long): failed for good, and what follows it
        (`guard.after_refusal`): the therapist hears of a letter to the person
        that will never arrive, and news of risk is replaced by a note without
        the person's words, which goes in this same flush."""
        follow = guard.after_refusal(
            outgoing.kind,
            to_therapist=self.settings.practice.therapist_email in outgoing.recipients,
            about_enquiry=outgoing.enquiry_id is not None,
        )
        with self.store.transaction():
            self.store.mark_failed(outgoing.id)
            note = None
            enquiry = (
                None
                if outgoing.enquiry_id is None or follow is not guard.AfterRefusal.TELL
                else self.store.enquiry(outgoing.enquiry_id)
            )
            if follow is guard.AfterRefusal.REPLACE:
                note = self._note_for(outgoing, reason)  # once: by its Message-ID
            elif enquiry is not None:
                person = letters.Recipient(
                    enquiry.email, enquiry.name, enquiry.phone, None
                )
                self._letters().bounce_alert(
                    enquiry.id, person, reason="refused", status=reason
                )
        if note is not None:
            self._note_next(note)
        self.report.send_failed += 1
        log.error("outbox %d: refused for good (%s)", outgoing.id, reason)
        if follow is guard.AfterRefusal.REPLACE:
            log.error("outbox %d: a note without their words goes instead", outgoing.id)
        elif outgoing.kind in guard.URGENT_KINDS:
            # The last news of risk left: nothing more can reach the therapist.
            log.error(
                "outbox %d: news of risk could not reach the therapist at all;"
                " read the practice inbox",
                outgoing.id,
            )

    def _note_for(self, outgoing: OutgoingMail, reason: str) -> str:
        """Queue (once) the note replacing refused news of risk, wanted only
        while that news has not gone after all; its Message-ID. Inside the
        caller's transaction."""
        enquiry = (
            None
            if outgoing.enquiry_id is None
            else self.store.enquiry(outgoing.enquiry_id)
        )
        return self._letters().alert_refused(
            outgoing.enquiry_id,
            enquiry.email if enquiry is not None else "",
            refused_id=outgoing.id,
            form=outgoing.kind == "form_alert" or self._lane(outgoing) == "form",
            urgent=outgoing.kind != "risk_note",
            written_at=self.store.queued_at(outgoing.id),
            status=reason,
        )

    def _note_next(self, message_id: str) -> None:
        """The note just queued (or found queued by an earlier run) goes next
        in the flush: it replaces the news, or tests its refusal. Not one
        already tried in this run."""
        found = self.store.outgoing_id(message_id)
        waits = (
            found is not None
            and found not in self._handled
            and self.store.outgoing_status(found) == "pending"
        )
        self._next_note = found if waits else None

    def _deferred(self, outgoing: OutgoingMail, reason: str) -> None:
        """4xx for this message: try again later, waiting longer each time."""
        retry = guard.retry_at(outgoing.deferrals + 1, self.now, outgoing.kind)
        if retry is None:
            self._refused(
                outgoing, f"{reason}; still after {outgoing.deferrals + 1} tries"
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
        """A timed letter is re-checked against the enquiry at the moment of
        sending; a note standing in for refused news of risk, against that
        news (dropped should it have gone after all)."""
        if outgoing.expects and letters.INSTEAD_OF in outgoing.expects:
            refused = outgoing.expects[letters.INSTEAD_OF]
            assert isinstance(refused, int)
            return self.store.outgoing_status(refused) not in ("sent", "done")
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

    def _copy_filed(self, message_id: str) -> bool:
        """Whether Sent holds this message (only asked after a run died mid-way)."""
        return self.mailbox.contains_message_id(
            self.settings.imap.sent_folder, message_id
        )

    def _already_filed(self, outgoing: OutgoingMail) -> bool:
        """After a crash mid-send, a provider that files sent mail itself
        tells us; a note filed in the inbox is found there."""
        if outgoing.kind in guard.FILED_IN_THE_INBOX:
            return self.mailbox.contains_message_id(
                self.settings.imap.folder, outgoing.message_id
            )
        if not self.settings.imap.files_sent_mail_itself:
            return False
        return self.mailbox.contains_message_id(
            self.settings.imap.sent_folder, outgoing.message_id
        )


def _tests(note: OutgoingMail, suspect: OutgoingMail) -> bool:
    """Whether `note` is the one queued to test `suspect`'s refusal."""
    return (
        note.expects is not None and note.expects.get(letters.INSTEAD_OF) == suspect.id
    )


def _hand_over(sender: Sender, outgoing: OutgoingMail) -> SendError | None:
    """One message to the server: None once DATA got 250, else what refused it."""
    try:
        sender.send(outgoing.sender, outgoing.recipients, outgoing.raw)
    except SendError as exc:
        return exc
    return None


def _dropped(error: SendError) -> bool:
    """The connection failed, not this letter nor the login (a refused login is
    never tried twice in a run: providers lock an account after a few)."""
    return isinstance(error, TransientSendError) and not isinstance(
        error, DeferredSendError | SmtpAuthError
    )


class _NotTried:
    """A letter the worker did not hand over: one before it was not taken."""


class _Recorded:
    """A letter the worker handed over and recorded as sent."""


_NOT_TRIED = _NotTried()
_RECORDED = _Recorded()
