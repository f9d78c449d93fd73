"""Replies in a thread mailflow owns: the person's pick, the therapist's answer,
calendar replies. Shell: reads the store, asks the workflow, carries out its commands.

All of one mail's consequences (holds, bookings, letters, the seen mark) are
written inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow.deciding import availability, decide, timing, workflow
from mailflow.deciding.workflow import ClosedReason, Facts, OfferReason, State
from mailflow.lazy import lazy_module
from mailflow.model import (
    HUMAN_STATES,
    Attendee,
    CalendarMessage,
    Decision,
    InboundMail,
    Preference,
    ReplyKind,
    Slot,
    WallTime,
)
from mailflow.reading import quoting
from mailflow.reading.authenticity import SenderCheck, sender_check
from mailflow.shell.schedule import Schedule
from mailflow.shell.store import words_key
from mailflow.writing import compose
from mailflow.writing.letters import (
    LISTS_TIMES,
    AfterCallLetters,
    Recipient,
    Thread,
    person_zone_from_minutes,
)

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.model import Enquiry
    from mailflow.reading import answer as answering
    from mailflow.reading import picking, therapist
    from mailflow.shell.store import Store
else:
    # Read only when a reply is: a backlog of first requests never compiles
    # the reply readers' phrases (a third of a second).
    answering = lazy_module("mailflow.reading.answer")
    picking = lazy_module("mailflow.reading.picking")
    therapist = lazy_module("mailflow.reading.therapist")

log = logging.getLogger("mailflow")


@dataclass(frozen=True, slots=True)
class Incoming:
    """One mail in an owned thread, with the key of the mail that caused it."""

    mail: InboundMail
    step: str  # unique per mail: letters caused by it derive their ids from it
    raised: bool = False  # its words were raised for the therapist (`Facts.raised`)
    # Danger may be told now in its words, and the therapist is alerted of it
    # after this mail is answered (`decide.closing_letter`).
    danger: bool = False


_PER_APPROVAL = frozenset({"hold_remind", "hold_lapse", "move_remind", "move_lapse"})
"""Timed steps that belong to one approval round, not to the offer."""
_CALENDAR_ANSWERS = frozenset({"REPLY", "COUNTER", "REFRESH"})
"""iTIP methods an attendee sends back (RFC 5546 3.2); the rest is ours echoed."""
_LAST_MOMENT = timedelta(hours=1)
_PICK_CHARS = 600
REPEAT_MIN_CHARS = 60
"""Words this long, sent twice unchanged, are answered once (#14)."""
"""The person's words of their pick, shown in the approval request."""
"""An offered time can still be taken until an hour before it starts."""

_CANCELS = frozenset({"cancelled", "withdrawn", "cancel-after-start"})
"""A person's outcomes that give up their call or their held time."""

_NO_MAIL = InboundMail(message_id=None, subject="", from_addr=None, from_name="")


class Conversation:
    """Carries one enquiry forward by one mail."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        letters: AfterCallLetters,
        schedule: Schedule,
        now: datetime,
    ) -> None:
        self.schedule = schedule
        self.settings = settings
        self.store = store
        self.letters = letters
        self.now = now
        # The steps (mails) whose answer to the person closed with the
        # safety message this run: the alert of risk in them says so.
        self.closed_steps: set[str] = set()

    # -- who wrote -----------------------------------------------------------------

    def on_mail(
        self, enquiry: Enquiry, incoming: Incoming, calendar: CalendarMessage | None
    ) -> str:
        mail = incoming.mail
        if calendar is not None and calendar.method in _CALENDAR_ANSWERS:
            # An ATTENDEE line is the sender's to write: only mail from the
            # person answers for the person (#11, #14).
            own = (
                not mail.from_ambiguous
                and (mail.from_addr or "").lower() == enquiry.email.lower()
                and self._sender_check(mail, enquiry.email) is not SenderCheck.FAILED
            )
            return self.on_calendar(enquiry, calendar, incoming.step, from_person=own)
        # Anything else with a calendar (our own invitation forwarded or attached
        # back) is read for the words written around it.
        sender = mail.from_addr or ""
        therapist = self.settings.practice.therapist_email
        if mail.from_ambiguous and sender == therapist:
            sender = ""  # never the therapist, nor anyone else (#14)
        token = self._therapist_token(enquiry, mail) if sender == therapist else None
        if token is not None:
            check = self._sender_check(mail, therapist)
            if check is SenderCheck.FAILED:
                # The token without the sender: their own mail gone astray,
                # or someone holding a letter to them. Either way, they hear.
                self._tell_therapist(enquiry, "unverified-therapist", incoming.step)
                log.warning(
                    "enquiry %d: a therapist's reply failed the sender check",
                    enquiry.id,
                )
                return "therapist-unauthenticated"
            if check is SenderCheck.WEAK:
                # Acted on (the token proves the thread), never silently:
                # their domain vouches for nothing, so anyone can write as them.
                self._tell_therapist(enquiry, "weak-therapist")
            return self._therapist(enquiry, incoming, booking_only=token == "booking")
        # Only the person acts for the person: a Reply-To of them from another
        # address (anyone who knows a Message-ID of the thread) does not (#14).
        if sender and sender == enquiry.email.lower() and not mail.from_ambiguous:
            check = self._sender_check(mail, sender)
            if check is SenderCheck.FAILED:
                self._tell_therapist(enquiry, "unverified-person", incoming.step)
                log.warning(
                    "enquiry %d: a reply as the person failed the sender check",
                    enquiry.id,
                )
                return "person-unverified"
            outcome = self._person(enquiry, incoming)
            if check is SenderCheck.WEAK and outcome in _CANCELS:
                self._tell_therapist(enquiry, "weak-cancel", incoming.step)
            return outcome
        if sender == therapist:
            log.warning(
                "enquiry %d: a reply from the therapist without a valid approval token was ignored",
                enquiry.id,
            )
            return "therapist-unauthenticated"
        if (
            enquiry.state not in {*HUMAN_STATES, State.ASKED}
            and sender not in {"", self.settings.practice.email.lower()}
            and self.store.message_ids_to(enquiry.id, enquiry.email)
            & {*mail.references, mail.in_reply_to or ""}
        ):
            # Someone else answering a letter to the person (the person from
            # a work address, a partner, a forward): never acted on, but while
            # mailflow still speaks for the practice here (and after a cancel
            # or a withdrawal, whose letters invite a reply) a pick or a
            # "could we try again?" sent that way must not sit unseen.
            self._tell_therapist(enquiry, "other-address", incoming.step)
        return "stranger-in-thread"

    def _therapist_token(self, enquiry: Enquiry, mail: InboundMail) -> str | None:
        """Which letter to the therapist this mail answers: "approval" (this
        approval's thread, or its `[ref …]` in the subject), "booking" (any
        other letter mailflow sent them about this enquiry: its Message-ID is
        an unguessable token, enough to cancel or report a no-show), or None."""
        round_ = enquiry.approval_round
        if round_:
            approval = self.letters.approval_id(enquiry.id, round_)
            ref = f"ref {self.letters.approval_ref(enquiry.id, round_)}"
            if approval in mail.references or mail.in_reply_to == approval:
                return "approval"
            if ref in mail.subject:
                return "approval"
        ours = self.store.message_ids_to(
            enquiry.id, self.settings.practice.therapist_email
        )
        return "booking" if ours & {*mail.references, mail.in_reply_to or ""} else None

    def _answers_an_earlier_request(self, enquiry: Enquiry, mail: InboundMail) -> bool:
        """Whether this mail answers an earlier round of the therapist's
        requests (an approval, a move, the note about a first mail) than the
        current one: in its thread, or by its `[ref …]` in the subject. (Only
        a mail in a thread of theirs reaches here: the runner finds a mail by
        the current round's `[ref …]` alone, never an earlier round's.)"""
        thread = {*mail.references, mail.in_reply_to or ""}
        return any(
            self.letters.approval_id(enquiry.id, round_) in thread
            or f"ref {self.letters.approval_ref(enquiry.id, round_)}" in mail.subject
            for round_ in range(1, enquiry.approval_round)
        )

    def _sender_check(self, mail: InboundMail, address: str) -> SenderCheck:
        """The receiving server's word on `address`'s domain (`sender_check`)."""
        domain = address.rsplit("@", 1)[-1]
        return sender_check(mail, domain, self.settings.imap.authserv_id)

    def _tell_therapist(
        self, enquiry: Enquiry, reason: str, step: str | None = None
    ) -> None:
        """One short line to the therapist about this enquiry: for this mail
        (`step`), or, without one, at most once a day (the letter's id is
        derived from the day: a second is the same)."""
        call = self.store.call(enquiry.id)
        day = self.now.astimezone(ZoneInfo(self.settings.practice.timezone)).date()
        self.letters.therapist_alert(
            enquiry.id,
            self._recipient(enquiry),
            reason=reason,
            when=call.start_at if call else None,
            proposed=None,
            step=f"alert:{reason}:{step or day.isoformat()}",
        )

    # -- the person ---------------------------------------------------------------

    def _person(self, enquiry: Enquiry, incoming: Incoming) -> str:
        mail = incoming.mail
        state = enquiry.state
        if state is State.ASKED:
            return "asked-waiting"  # the therapist decides whether to offer
        offered = tuple(self.store.offers(enquiry.id))
        zone = person_zone_from_minutes(
            enquiry.sender_offset_minutes, enquiry.offset_seen_at
        )
        today = self.now.astimezone(ZoneInfo(self.settings.practice.timezone)).date()
        words = quoting.new_words(mail.text)
        if self._unchanged(enquiry, words):
            # The same long words again (an auto-responder no phrase book
            # knows, or a mail sent twice): answered once, never again (#14).
            log.info("enquiry %d: the same words again, not answered again", enquiry.id)
            return "unchanged-repeat"
        zones = [
            ZoneInfo(self.settings.practice.timezone),
            *([zone] if zone else []),
        ]
        self._thread_on(enquiry, mail)
        if answering.answers_followup(state, enquiry.closed_reason):
            # Their answer to "would you like to start?", however late.
            after = answering.read_followup(mail.text)
            transition = workflow.on_followup_answer(state, after.value)
            self._carry_out(enquiry, transition, incoming, Preference(), words=words)
            return transition.outcome
        # Pick, move, cancel or neither: which reader decides is chosen by state.
        call = self.store.call(enquiry.id)
        answer = answering.read_person_answer(
            state,
            mail.text,  # whole: an answer typed under a quoted time counts
            offered=offered,
            zones=zones,
            region=self.settings.practice.country,
            today=today,
            # a day named is read against the booked call ("still on for Tuesday?")
            booked=Slot(call.start_at, call.end_at)
            if call is not None and call.status == "booked"
            else None,
        )
        # Only a pick needs to know what is free: a cancellation or a question
        # goes through even while a busy calendar cannot be read.
        waiting = state in {State.OFFERED, State.HELD, State.RESCHEDULING}
        if (
            waiting
            and answer.choice is not None
            and self._answers_an_older_list(enquiry, mail)
        ):
            # "2" written under a list that has since been replaced: which
            # "2"? Never a guess: one short question with the current list.
            answer = replace(answer, kind=ReplyKind.UNCLEAR, choice=None)
        facts = replace(
            self._facts(enquiry, offered, need_free=answer.kind is ReplyKind.PICK),
            raised=incoming.raised,
        )
        transition = workflow.on_person_reply(state, answer, facts)
        self._carry_out(
            enquiry, transition, incoming, answer.preference, answering=True
        )
        return transition.outcome

    def _unchanged(self, enquiry: Enquiry, words: str) -> bool:
        """Whether these words are the person's last mail's, unchanged (and
        long enough that a person would not type them twice: "2" or "yes,
        that works" again is always read)."""
        folded = " ".join(words.casefold().split())
        if len(folded) < REPEAT_MIN_CHARS:
            return False
        digest = hashlib.sha256(folded.encode()).hexdigest()[:32]
        key = words_key(enquiry.id)
        unchanged = self.store.get_meta(key) == digest
        self.store.set_meta(key, digest)
        return unchanged

    def _answers_an_older_list(self, enquiry: Enquiry, mail: InboundMail) -> bool:
        replied_to = mail.in_reply_to
        current = enquiry.offers_message_id
        if replied_to is None or current is None or replied_to == current:
            return False
        return self.store.kind_of(replied_to) in LISTS_TIMES

    # -- the therapist -------------------------------------------------------------

    def _therapist(
        self, enquiry: Enquiry, incoming: Incoming, *, booking_only: bool = False
    ) -> str:
        # Our own letter (and the person's words it quoted) is never theirs,
        # quoted with marks or without.
        call = self.store.call(enquiry.id)
        sent = self.letters.sent_to_therapist(
            enquiry.id,
            self._recipient(enquiry),
            Slot(call.start_at, call.end_at) if call is not None else None,
            enquiry.first_message or "",
            enquiry.approval_round,
        )
        words = quoting.new_words(incoming.mail.text, sent=sent)
        today = self.now.astimezone(ZoneInfo(self.settings.practice.timezone)).date()
        answer = answering.read_therapist_answer(
            enquiry.state,
            incoming.mail.text,
            today=today,
            booking_only=booking_only,
            sent=sent,
            person=enquiry.name,
        )
        if answer is None:
            # An approval counts only in the current approval's thread; a reply
            # to their calendar copy or a notice may only cancel or report a no-show.
            if booking_only and self._answers_an_earlier_request(
                enquiry, incoming.mail
            ):
                # ... but a yes, a no or another time written to a request
                # since asked again is theirs to hear about, never dropped.
                said = answering.read_therapist_answer(
                    enquiry.state,
                    incoming.mail.text,
                    today=today,
                    sent=sent,
                    person=enquiry.name,
                )
                if said is not None:
                    stale = workflow.on_superseded_answer(
                        enquiry.state, said, self._facts(enquiry, (), need_free=False)
                    )
                    if stale.commands:
                        self._carry_out(enquiry, stale, incoming, Preference())
                        return stale.outcome
            log.info(
                "enquiry %d: a therapist reply outside the approval thread was left for them",
                enquiry.id,
            )
            return "therapist-not-approval"
        asked = self.store.last_queued(enquiry.id, "approval_again")
        # Asked again at most once a day: the therapist's out-of-office (or any
        # answer the reader cannot use) never re-asks every cycle (#14).
        lately = asked is not None and self.now - asked < timedelta(days=1)
        if enquiry.state == State.ASKED:
            transition = workflow.on_therapist_reply(
                State.ASKED,
                answer,
                replace(self._facts(enquiry, ()), asked_again_lately=lately),
            )
            self._carry_out(enquiry, transition, incoming, Preference())
            return transition.outcome
        offered = tuple(self.store.offers(enquiry.id))
        facts = self._facts(
            enquiry,
            offered,
            need_free=answer.decision in {Decision.APPROVE, Decision.PROPOSE},
        )
        facts = replace(facts, asked_again_lately=lately)
        if answer.decision is Decision.PROPOSE and answer.proposed is not None:
            proposed = self._resolve(answer.proposed, enquiry.id)
            unconfirmed = (
                proposed is not None
                and not self._in_hours(proposed)
                and not therapist.insists_on_time(words)
            )
            facts = replace(facts, proposed=proposed, proposed_unconfirmed=unconfirmed)
        transition = workflow.on_therapist_reply(enquiry.state, answer, facts)
        # "No, I'm away that whole week": the fresh times avoid it.
        held = (facts.held,) if facts.held is not None else offered
        not_before, not_on = picking.exclusions(
            words.lower(), today, held, ZoneInfo(self.settings.practice.timezone)
        )
        ruled_out = Preference(not_before=not_before, not_on=not_on)
        self._carry_out(enquiry, transition, incoming, ruled_out)
        return transition.outcome

    def _in_hours(self, slot: Slot) -> bool:
        """Whether `slot` lies inside the practice's opening hours."""
        zone = ZoneInfo(self.settings.practice.timezone)
        start, end = slot.start_at.astimezone(zone), slot.end_at.astimezone(zone)
        spans = self.settings.availability.rules(zone.key).hours.spans
        return start.date() == end.date() and any(
            opens <= start.time() and end.time() <= closes
            for opens, closes in spans.get(start.weekday(), ())
        )

    def _resolve(self, wall: WallTime, enquiry_id: int) -> Slot | None:
        """The therapist's 'Thursday at 2' as a slot: next such day, not clashing."""
        zone = ZoneInfo(self.settings.practice.timezone)
        local_now = self.now.astimezone(zone)
        day = wall.on
        if day is None and wall.weekday is None:
            # "How about 11?": the day of the time being discussed.
            call = self.store.call(enquiry_id)
            if call is not None:
                day = call.start_at.astimezone(zone).date()
        if day is None and wall.weekday is not None:
            ahead = (wall.weekday - local_now.weekday()) % 7 or 7
            day = local_now.date() + timedelta(days=ahead)
        if day is None:
            return None
        start = datetime.combine(day, wall.at, tzinfo=zone).astimezone(UTC)
        slot = Slot(
            start, start + timedelta(minutes=self.settings.availability.slot_minutes)
        )
        return slot if self._clear(slot, enquiry_id) else None

    # -- calendars -------------------------------------------------------------------

    def on_calendar(
        self,
        enquiry: Enquiry,
        message: CalendarMessage,
        step: str,
        *,
        from_person: bool = True,
    ) -> str:
        call = self.store.call(enquiry.id)
        if call is None or call.status != "booked" or message.uid != call.uid:
            # Not this booking's event (the therapist's copy, a cancelled call).
            elsewhere = workflow.on_calendar_elsewhere(enquiry.state, message)
            if elsewhere.commands:
                incoming = Incoming(_NO_MAIL, step)
                self._carry_out(enquiry, elsewhere, incoming, Preference())
            return elsewhere.outcome
        # Whose answer, and to which version: the booked person's ATTENDEE
        # decides; an older SEQUENCE answers the call as it was before a move.
        message = message.for_person(
            enquiry.email, call.sequence, organizer=self.settings.practice.email
        )
        if not from_person:
            message = replace(message, from_person=False)
        if message.stale and message.start_at == call.start_at:
            # An older SEQUENCE about the same time (a phone number added since
            # bumped it): their answer to the call as it stands.
            message = replace(message, stale=False)
        if message.method == "COUNTER" and message.start_at is not None:
            # Our call length, whatever length their calendar proposed.
            length = timedelta(minutes=self.settings.availability.slot_minutes)
            message = replace(message, end_at=message.start_at + length)
        transition = workflow.on_calendar(
            enquiry.state, message, call_started=call.start_at <= self.now
        )
        self._carry_out(enquiry, transition, Incoming(_NO_MAIL, step), Preference())
        return transition.outcome

    # -- carrying out -----------------------------------------------------------------

    def _facts(
        self, enquiry: Enquiry, offered: tuple[Slot, ...], *, need_free: bool = True
    ) -> Facts:
        """What the workflow needs to decide. `need_free=False` skips the
        schedule (and so any busy calendar): a cancellation or a timer goes
        through even while a calendar cannot be read."""
        call = self.store.call(enquiry.id)
        held = (
            Slot(call.start_at, call.end_at) if call and call.status == "held" else None
        )
        length = timedelta(minutes=self.settings.availability.slot_minutes)
        # The therapist's own proposal need not sit on the opening-hours grid.
        preapproved = (
            Slot(enquiry.preapproved_start_at, enquiry.preapproved_start_at + length)
            if enquiry.preapproved_start_at
            else None
        )
        counter = (
            Slot(enquiry.counter_start_at, enquiry.counter_start_at + length)
            if enquiry.counter_start_at is not None
            else None
        )
        free: frozenset[Slot] = frozenset()
        if need_free:
            free = self._takeable(enquiry.id, (*offered, held), (preapproved, counter))
        return Facts(
            # A request that spoke of risk or safety always waits for the therapist.
            approval="therapist"
            if enquiry.risk != "none"
            else self.settings.workflow.approval,
            offered=offered,
            held=held,
            free=free,
            preapproved=preapproved,
            clarified=enquiry.clarified,
            counter=counter,
            # "done" once the follow-up went out: a no-show reported after it
            # still counts.
            call_started=call is not None
            and call.status in {"booked", "done"}
            and call.start_at <= self.now,
            reopenable=enquiry.state == State.CANCELLED
            or (
                enquiry.state == State.CLOSED
                and enquiry.closed_reason
                in {ClosedReason.EXPIRED, ClosedReason.WITHDRAWN}
            ),
            # Every letter that closed it said "just reply": the therapist's
            # cancel, the person's own cancel, the withdrawal's acknowledgement.
            invited_back=enquiry.state == State.CANCELLED
            or (
                enquiry.state == State.CLOSED
                and enquiry.closed_reason is ClosedReason.WITHDRAWN
            ),
            therapist_cancelled=enquiry.state == State.CANCELLED
            and enquiry.closed_reason is ClosedReason.THERAPIST_CANCELLED,
            # A question beside a pick reached the therapist: every later
            # pick waits for them too, as a request that spoke of risk does.
            asked=enquiry.asked,
        )

    def _takeable(
        self,
        enquiry_id: int,
        kept: tuple[Slot | None, ...],
        off_grid: tuple[Slot | None, ...],
    ) -> frozenset[Slot]:
        """Every slot this enquiry may take now: the open grid; what it was
        offered or holds, even inside the notice period (an approval a few hours
        later must not find it "no longer free"), under every other rule (hours,
        blocked dates, the daily limit, other calls, busy time, buffers); and the
        therapist's or the calendar's own times off the grid, when clear."""
        free = set(self.schedule.free(except_enquiry=enquiry_id))
        mine = {s for s in kept if s is not None}
        if mine:
            late = self.schedule.free(except_enquiry=enquiry_id, notice=_LAST_MOMENT)
            free |= mine & set(late)
        free |= {s for s in off_grid if s is not None and self._clear(s, enquiry_id)}
        return frozenset(free)

    def _clear(self, slot: Slot, enquiry_id: int) -> bool:
        return self.schedule.clear(slot, except_enquiry=enquiry_id)

    def _thread_on(self, enquiry: Enquiry, mail: InboundMail) -> None:
        """Our next letter to the person answers this mail of theirs (the only
        caller, `_person`, has checked it is from their address); and that
        address is tried again (a full mailbox emptied, most often), or the
        outbox would drop every letter to it as bounced: one more bounce at
        worst, within the caps."""
        self.store.clear_undeliverable(enquiry.email)
        if mail.message_id:
            refs = (*enquiry.last_references, mail.message_id)[-20:]
            self.store.note_thread(
                enquiry.id,
                self.now,
                last_message_id=mail.message_id,
                last_references=refs,
            )
            self.store.add_thread_ids(enquiry.id, {mail.message_id})

    def _recipient(self, enquiry: Enquiry) -> Recipient:
        fresh = self.store.enquiry(enquiry.id) or enquiry
        return Recipient(
            email=fresh.email,
            name=fresh.name,
            phone=fresh.phone,
            zone=person_zone_from_minutes(
                fresh.sender_offset_minutes, fresh.offset_seen_at
            ),
        )

    def _thread(self, enquiry: Enquiry) -> Thread:
        fresh = self.store.enquiry(enquiry.id) or enquiry
        return Thread(
            subject=fresh.subject,
            in_reply_to=fresh.last_message_id,
            references=fresh.last_references,
        )

    def _carry_out(
        self,
        enquiry: Enquiry,
        transition: workflow.Transition,
        incoming: Incoming,
        preference: Preference,
        words: str = "",
        *,
        answering: bool = False,
    ) -> None:
        """Carry out a decision: the enquiry's new record (`decide.advance`) is
        written once, then the effects follow in order: holds, bookings, letters.
        `answering`: the decision answers the person's own mail, so its (last)
        letter to them closes with the safety message (`decide.closing_letter`)."""
        step = incoming.step
        letters = self.letters
        times = self._times(enquiry, transition, preference)
        if times == []:
            transition = decide.nothing_to_offer(transition)
        record = decide.advance(enquiry, transition, self.now)
        self.store.save_enquiry(enquiry, record, self.now)
        closing = decide.closing_letter(
            transition.commands,
            answering=answering,
            enabled=self.settings.safety.in_later_letters,
            danger=incoming.danger,
            alert_denies_safety=incoming.danger and not letters.alert_tells_closing(),
        )
        closed = False
        for index, command in enumerate(transition.commands):
            answers = index == closing
            match command:
                case workflow.RememberPhone():
                    if enquiry.phone is None and not decide.changes_booking(transition):
                        closed |= self._add_phone_to_booking(record, step, answers)
                case workflow.Release():
                    self.store.release(enquiry.id)
                case workflow.RecordAnswer(partstat=partstat):
                    self.store.set_partstat(enquiry.id, partstat)
                case workflow.Hold(slot=slot):
                    self.store.hold(enquiry.id, slot, self.now)
                case workflow.AskApproval(slot=slot, asks=asks, relayed=relayed):
                    letters.approval_request(
                        enquiry.id,
                        self._recipient(record),
                        slot,
                        enquiry.first_message or "",
                        record.approval_round,
                        safety_note=enquiry.safety_note or "",
                        pick=quoting.new_words(incoming.mail.text)[:_PICK_CHARS]
                        if incoming.mail.from_addr == enquiry.email
                        else "",
                        asks=asks,
                        relayed=relayed,
                    )
                case workflow.ThankForPick(slot=slot, asks=question):
                    closed |= letters.held(
                        enquiry.id,
                        self._recipient(record),
                        self._thread(record),
                        slot,
                        f"held:{step}",
                        answers=answers,
                        question=question,
                    )
                case workflow.Book(slot=slot):
                    self.store.book(
                        enquiry.id, slot, letters.booking_uid(enquiry.id), self.now
                    )
                case workflow.Confirm(slot=slot):
                    person = self._recipient(record)
                    booked = self.store.call(enquiry.id)
                    sequence = booked.sequence if booked else 0
                    closed |= letters.confirmation(
                        enquiry.id,
                        person,
                        self._thread(record),
                        slot,
                        sequence=sequence,
                        step=f"confirm:{step}",
                        answers=answers,
                    )
                    letters.therapist_event(
                        enquiry.id,
                        person,
                        slot,
                        f"event:{step}",
                        sequence,
                        safety_note=enquiry.safety_note or "",
                    )
                case workflow.Offer(reason=reason, note=note):
                    closed |= self._offer(
                        record,
                        reason,
                        note,
                        times or [],
                        preference,
                        step,
                        answers=answers,
                    )
                case workflow.NoTimes():
                    # Nothing to offer: the therapist's from here.
                    letters.no_slots_alert(
                        enquiry.id,
                        self._recipient(record),
                        compose.their_subject(enquiry.subject),
                        f"no-slots:{step}",
                    )
                case workflow.CancelCall(by=by, note=note, words=comment):
                    # The therapist reads why, in the person's own words.
                    said = (
                        quoting.new_words(incoming.mail.text)
                        if by == "person"
                        else comment
                    )
                    self._cancel(record, by, note, step, said, command.others)
                case workflow.MarkMissed():
                    self.store.end_call(enquiry.id, "missed")
                case workflow.MarkHeld():
                    self.store.end_call(enquiry.id, "done")
                case workflow.Send(kind=kind):
                    self._send(record, kind, step)
                case workflow.AnswerFollowup(answer=answer):
                    person = self._recipient(record)
                    call = self.store.call(enquiry.id)
                    call_slot = Slot(call.start_at, call.end_at) if call else None
                    # A question or a condition gets a neutral word: the
                    # therapist answers it personally.
                    letters.after_answer(
                        enquiry.id,
                        person,
                        self._thread(record),
                        answer,
                        f"answer:{step}",
                    )
                    letters.followup_answer(
                        enquiry.id,
                        person,
                        call_slot,
                        answer,
                        words,
                        f"answer-note:{step}",
                    )
                case workflow.Clarify():
                    closed |= letters.clarify(
                        enquiry.id,
                        self._recipient(record),
                        self._thread(record),
                        list(self.store.offers(enquiry.id)),
                        f"clarify:{step}",
                        answers=answers,
                    )
                case workflow.AskTherapistAgain(waiting=waiting, outside=outside):
                    self._ask_again(enquiry, waiting, step, outside)
                case workflow.AskToMove(slot=slot, comment=comment):
                    booked = self.store.call(enquiry.id)
                    if booked is not None:
                        letters.move_request(
                            enquiry.id,
                            self._recipient(record),
                            Slot(booked.start_at, booked.end_at),
                            slot,
                            record.approval_round,
                            comment=comment,
                        )
                case workflow.AskIfStillSuits():
                    booked = self.store.call(enquiry.id)
                    if booked is not None:
                        letters.still_suits(
                            enquiry.id,
                            self._recipient(record),
                            self._thread(record),
                            Slot(booked.start_at, booked.end_at),
                            f"still-suits:{step}",
                        )
                case workflow.Move(slot=slot):
                    self.store.move_booking(enquiry.id, slot, self.now)
                case workflow.KeepBooking(note=note, lapsed=lapsed):
                    booked = self.store.call(enquiry.id)
                    if booked is not None:
                        letters.kept(
                            enquiry.id,
                            self._recipient(record),
                            self._thread(record),
                            Slot(booked.start_at, booked.end_at),
                            note,
                            f"kept:{step}",
                            lapsed=lapsed,
                        )
                case workflow.AlertTherapist(reason=reason):
                    call = self.store.call(enquiry.id)
                    letters.therapist_alert(
                        enquiry.id,
                        self._recipient(record),
                        reason=reason,
                        when=call.start_at if call else None,
                        proposed=None,
                        step=f"alert:{reason}:{step}",
                        replied_by=command.replied_by,
                        replied_name=command.replied_name,
                        reply=command.reply,
                        comment=command.comment,
                        others=command.others,
                    )
                case workflow.Close():
                    pass  # the record says it (closed_reason, closed_at)
        if closed:
            self.closed_steps.add(step)

    def apply(self, enquiry: Enquiry, transition: workflow.Transition) -> None:
        """Carry out a transition the shell saw outside the conversation (a hand
        answer, a crisis, a bounce): the record and its holds, never a letter."""
        record = decide.advance(enquiry, transition, self.now)
        self.store.save_enquiry(enquiry, record, self.now)
        for command in transition.commands:
            match command:
                case workflow.Release():
                    self.store.release(enquiry.id)
                case workflow.Withdraw():
                    dropped = self.store.withdraw_letters(
                        enquiry.id, self.settings.practice.therapist_email
                    )
                    if dropped:
                        log.info(
                            "enquiry %d: %d waiting letter(s) withdrawn",
                            enquiry.id,
                            dropped,
                        )
                case workflow.Close() | workflow.NoteRisk():
                    pass  # in the record
                case _:
                    raise AssertionError(f"not a shell command: {command!r}")

    def _ask_again(
        self, enquiry: Enquiry, waiting: bool, step: str, outside: Slot | None = None
    ) -> None:
        """The approval again (or, when `waiting`, a reminder that the person
        waits): the held pick, or the move the person asked for (the booked
        call stands meanwhile); `outside`: their proposal outside the hours,
        to confirm."""
        call = self.store.call(enquiry.id)
        asked = (
            Slot(enquiry.counter_start_at, enquiry.counter_start_at)
            if enquiry.counter_start_at is not None
            else Slot(call.start_at, call.end_at)
            if call is not None
            else None
        )
        if asked is None:
            return
        self.letters.approval_again(
            enquiry.id,
            self._recipient(enquiry),
            asked,
            enquiry.approval_round,
            f"approval-again:{step}",
            waiting=waiting,
            until=self._hold_lapses_at(
                min(asked.start_at, call.start_at)
                if call is not None
                else asked.start_at
            )
            if waiting
            else None,
            move=enquiry.counter_start_at is not None,
            outside=outside,
        )

    def _times(
        self,
        enquiry: Enquiry,
        transition: workflow.Transition,
        preference: Preference,
    ) -> list[Slot] | None:
        """The times an offer in `transition` would list ([] when none are
        free), or None when it offers nothing: looked up before deciding the
        record, since an offer with nothing free hands the enquiry over."""
        for command in transition.commands:
            if isinstance(command, workflow.Offer):
                if command.only is not None:
                    return [command.only]
                declined = None
                call = self.store.call(enquiry.id)
                if command.reason is OfferReason.DECLINED and call is not None:
                    declined = Slot(call.start_at, call.end_at)  # never again
                zone = person_zone_from_minutes(
                    enquiry.sender_offset_minutes, enquiry.offset_seen_at
                )
                return self._fresh_slots(enquiry, zone, preference, declined)
        return None

    def _hold_lapses_at(self, start_at: datetime) -> datetime:
        """When a reminded hold is let go (as `timing.next_due` will find it)."""
        hold_for = timedelta(hours=self.settings.workflow.hold_hours)
        return max(
            min(self.now + hold_for, start_at - timing.HOLD_LAPSE_BEFORE), self.now
        )

    def _add_phone_to_booking(
        self, enquiry: Enquiry, step: str, answers: bool = False
    ) -> bool:
        """A number sent after booking goes into both invitations (SEQUENCE + 1),
        so the event says who rings whom, on which number. Once the call's time
        has come, only the therapist's: "I'll ring you on ... on" a time
        already gone would be wrong to them, while the therapist, late or
        waiting, may still ring. True: the person's letter closed with the
        safety message (`answers`: nothing else answered their mail)."""
        call = self.store.call(enquiry.id)
        if call is None or call.status != "booked":
            return False
        self.store.bump_sequence(enquiry.id)
        slot = Slot(call.start_at, call.end_at)
        person = self._recipient(enquiry)
        closed = False
        if decide.confirms_number(call.start_at, self.now):
            closed = self.letters.confirmation(
                enquiry.id,
                person,
                self._thread(enquiry),
                slot,
                sequence=call.sequence + 1,
                step=f"phone:{step}",
                phone_added=True,
                answers=answers,
            )
        self.letters.therapist_event(
            enquiry.id,
            person,
            slot,
            f"event-phone:{step}",
            call.sequence + 1,
            updated=True,
            safety_note=enquiry.safety_note or "",
        )
        return closed

    def _cancel(
        self,
        enquiry: Enquiry,
        by: str,
        note: str,
        step: str,
        said: str = "",
        others: tuple[Attendee, ...] = (),
    ) -> None:
        """METHOD:CANCEL for a booked call (SEQUENCE + 1), or let go of a hold."""
        person = self._recipient(enquiry)
        call = self.store.call(enquiry.id)
        if call is not None and call.status == "booked":
            self.store.end_call(enquiry.id, "cancelled")
            slot = Slot(call.start_at, call.end_at)
            sequence = call.sequence + 1
            if by != "calendar":  # declining in their calendar already said it
                self.letters.cancelled(
                    enquiry.id,
                    person,
                    self._thread(enquiry),
                    slot,
                    by=by,
                    note=note,
                    sequence=sequence,
                    step=f"cancel:{step}",
                )
            self.letters.cancel_notice(
                enquiry.id,
                person,
                slot,
                by=by,
                note=note,
                sequence=sequence,
                step=f"cancel-notice:{step}",
                words=said,
                others=others,
            )
            return
        self.store.release(enquiry.id)
        self.letters.cancelled(
            enquiry.id,
            person,
            self._thread(enquiry),
            None,
            by=by,
            note=note,
            sequence=0,
            step=f"cancel:{step}",
        )
        self.letters.withdrawn_notice(enquiry.id, person, f"withdrawn:{step}")

    def _send(self, enquiry: Enquiry, kind: str, step: str) -> None:
        """Letters that need nothing but the enquiry: reminder and follow-ups."""
        person = self._recipient(enquiry)
        thread = self._thread(enquiry)
        call = self.store.call(enquiry.id)
        if call is None:
            return
        slot = Slot(call.start_at, call.end_at)
        if kind == "reminder":
            self.letters.reminder(enquiry.id, person, thread, slot, f"reminder:{step}")
        elif kind == "followup":
            self.letters.followup(enquiry.id, person, thread, slot, f"followup:{step}")
        elif kind == "followup_nudge":
            self.letters.followup_nudge(
                enquiry.id, person, thread, f"followup-nudge:{step}"
            )

    def on_timer(self, enquiry: Enquiry, step: str) -> str:
        """A timed step whose moment has come (see `timing.next_due`)."""
        offered = tuple(self.store.offers(enquiry.id))
        facts = self._facts(enquiry, offered, need_free=False)  # timers never pick
        transition = workflow.on_timer(enquiry.state, step, facts)
        self._carry_out(
            enquiry,
            transition,
            Incoming(_NO_MAIL, f"{step}:{self._timer_version(enquiry, step)}"),
            Preference(),
        )
        return transition.outcome

    def _timer_version(self, enquiry: Enquiry, step: str) -> str:
        """What the timed step belongs to: the same step of the same booking, offer
        or follow-up keeps its Message-ID (a re-run never sends it twice), while a
        moved call or a reopened offer gets its own."""
        if step in {"reminder", "followup"}:
            call = self.store.call(enquiry.id)
            if call is not None:
                return f"{call.uid}:{call.sequence}:{call.start_at.isoformat()}"
        if step.startswith("followup_") and enquiry.followed_up_at is not None:
            return enquiry.followed_up_at.isoformat()
        offered = enquiry.offered_at.isoformat() if enquiry.offered_at else "0"
        if step in _PER_APPROVAL:
            # A second pick or a second proposed move under the same offer is a
            # new approval round: its reminder and lapse are letters of their own
            # (the same Message-ID would have been dropped as already sent).
            return f"{offered}:r{enquiry.approval_round}"
        return offered

    def _offer(
        self,
        enquiry: Enquiry,
        reason: OfferReason,
        note: str,
        slots: list[Slot],
        preference: Preference,
        step: str,
        *,
        answers: bool = False,
    ) -> bool:
        """Send fresh times (or the one proposed time), found by `_times`.
        True: the letter closed with the safety message (`answers`)."""
        person = self._recipient(enquiry)
        self.store.set_offers(enquiry.id, slots)
        if reason is OfferReason.FIRST:
            # The therapist said "offer": the first offer, in their own thread.
            self.letters.offer(
                enquiry.id, person, self._thread(enquiry), slots, f"offer:{step}"
            )
            return False
        call = self.store.call(enquiry.id)
        booked = (
            self.letters.slot_view(Slot(call.start_at, call.end_at), person.zone)
            if call is not None and call.status == "booked"
            else None
        )
        return self.letters.offer_again(
            enquiry.id,
            person,
            self._thread(enquiry),
            slots,
            reason=reason.value,
            note=note,
            preference=preference,
            step=f"offer:{step}",
            booked=booked,
            # A nudge waiting in the outbox is dropped if they answered meanwhile.
            expects={"state": "offered"} if reason is OfferReason.NUDGE else None,
            answers=answers,
        )

    def _fresh_slots(
        self,
        enquiry: Enquiry,
        zone: tzinfo | None,
        preference: Preference,
        declined: Slot | None = None,
    ) -> list[Slot]:
        """A new set, avoiding the times already offered while others remain."""
        free = [
            s for s in self.schedule.free(except_enquiry=enquiry.id) if s != declined
        ]
        before = set(self.store.offers(enquiry.id))
        unseen = [s for s in free if s not in before]
        count = self.settings.availability.offer_count
        pool = unseen if len(unseen) >= count else free
        return availability.choose_offer(
            pool,
            count=count,
            zone_name=self.settings.practice.timezone,
            preference=preference,
            person_zone=zone,
        )
