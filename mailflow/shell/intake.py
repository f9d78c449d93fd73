"""A first mail, answered: a new request, the unsure note to the therapist, the
crisis path, and the alerts of risk in a mail from someone mailflow already
writes to. Shell.

Each path creates or changes the enquiry and queues its letters in one
transaction with the mail marked seen; every change of state goes through a
transition of the core (`workflow.on_*`, `Conversation.apply`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from mailflow.deciding import decide, workflow
from mailflow.errors import BusyCalendarError
from mailflow.lazy import lazy_module
from mailflow.model import (
    HUMAN_STATES,
    Classification,
    ClosedReason,
    Enquiry,
    FormAlert,
    InboundMail,
    Person,
    Slot,
    State,
    Verdict,
)

# Loaded on first use, like the runner's: an empty poll answers nothing.
if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.reading import (
        classify,
        diary_doubt,
        extract,
        quoting,
        seen_offset,
    )
    from mailflow.shell.conversation import Conversation
    from mailflow.shell.runner import RunReport
    from mailflow.shell.schedule import Schedule
    from mailflow.shell.store import Store
    from mailflow.writing import compose, letters
    from mailflow.writing.letters import AfterCallLetters, Recipient, Thread
else:
    classify = lazy_module("mailflow.reading.classify")
    compose = lazy_module("mailflow.writing.compose")
    diary_doubt = lazy_module("mailflow.reading.diary_doubt")
    extract = lazy_module("mailflow.reading.extract")
    letters = lazy_module("mailflow.writing.letters")
    quoting = lazy_module("mailflow.reading.quoting")
    seen_offset = lazy_module("mailflow.reading.seen_offset")

log = logging.getLogger("mailflow")

_CAME_AS = {
    "calendar-crisis": "invitation",
    "thread-crisis": "thread",
    "thread-danger": "thread",
    "client-danger": "client",
    "thread-risk": "thread",
}
"""Mail left alone but for clear risk (or danger now, perhaps): how the
crisis alert says it came."""

FIRST_MESSAGE_CHARS = 4000
"""The person's first words kept for the approval email, dropped once booked."""


@dataclass(frozen=True, slots=True)
class MailKey:
    """A mail in the inbox: where it is, and who it is across UIDVALIDITY changes."""

    uidvalidity: int
    uid: int
    fingerprint: str


class Intake:
    """First mails of one run: answered, asked about, or escalated."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        now: datetime,
        report: RunReport,
        *,
        letters: AfterCallLetters,
        conversation: Conversation,
        schedule: Schedule,
    ) -> None:
        self.settings = settings
        self.store = store
        self.now = now
        self.report = report
        self.letters = letters
        self.conversation = conversation
        self.schedule = schedule
        self._opened: list[int] = []

    def take_opened(self) -> list[int]:
        """The enquiries opened (and answered) since the last call: their first
        letters may go while the inbox is still read (`Outbox.queue_ahead`)."""
        opened, self._opened = self._opened, []
        return opened

    def first_mail(
        self, key: MailKey, mail: InboundMail, verdict: Classification, person: Person
    ) -> str:
        """A first mail the classifier placed: answered, asked about, or, from
        someone mailflow already writes to, news of risk for the therapist."""
        open_id = self.store.open_enquiry_for(person.email)
        carried: Enquiry | None = None
        if open_id is not None and verdict.verdict is Verdict.REQUEST:
            waiting = self.store.enquiry(open_id)
            if waiting is not None and waiting.state is State.ASKED:
                # They wrote again and this time plainly ask: the note is moot
                # (closed in the new enquiry's transaction, so a request that
                # must wait leaves it open), but what they said about safety
                # stands.
                open_id, carried = None, waiting
        if verdict.crisis and open_id is not None:
            # Someone already in a conversation writes afresh, at risk: the
            # therapist at once, as if they had answered in the thread.
            return self._escalate(
                key,
                open_id,
                mail,
                existing=verdict.existing,
                asks=verdict.diary_doubt,
            )
        if open_id is not None and verdict.reason != "thread-risk":
            # (A reply in a conversation of the therapist's whose new words
            # the risk words weigh like a crisis's, from someone with a
            # booking under way: the alert below about that thread; nothing
            # recorded on the booking, whose letters and picks it is not.)
            known = self.store.enquiry(open_id)
            told = (
                classify.wrote_again(verdict, known.risk, known.safety_note)
                if known is not None
                else None
            )
            if known is None or told is None:
                return "open-enquiry"  # a chaser or a second mail: answered once
            if told.again:
                return self._note_again(key, known, mail, verdict, told)
            return self._note_risk(
                key,
                open_id,
                mail,
                verdict.safety_note,
                danger=told.danger,
                weighed=told.weighed,
            )
        if verdict.verdict is Verdict.CRISIS and not verdict.crisis:
            return self._danger_left_alone(
                key,
                mail,
                person,
                came_as=_CAME_AS.get(verdict.reason, "nothing"),
                note=verdict.safety_note,
                danger=verdict.danger_now,
                weighed=verdict.weighed,
            )
        if verdict.verdict is Verdict.ASK:
            return self._ask(
                key,
                mail,
                person,
                verdict.reason,
                verdict.risk,
                verdict.safety_note,
                danger=verdict.danger_now,
                relayed=verdict.relayed,
                addressed=verdict.addressed,
            )
        risk, note = decide.risk_carried(verdict.risk, verdict.safety_note, carried)
        return self._answer(
            key,
            mail,
            person,
            risk=risk,
            safety_note=note,
            form=verdict.reason == "form-request",
            asked_for=verdict.verdict is Verdict.REQUEST,
            existing=verdict.existing,
            came_as=_CAME_AS.get(verdict.reason, ""),
            asks=diary_doubt.still_asks(verdict.diary_doubt, carried),
            danger=verdict.danger_now,
            weighed=decide.weighed_carried(verdict.weighed, carried),
            supersedes=carried,
        )

    def alert_about_writer(
        self,
        key: MailKey,
        mail: InboundMail,
        note: str,
        *,
        danger: bool,
        weighed: bool,
    ) -> str:
        """Someone other than the person a finished conversation was with
        writes in it (a partner on the Cc), and their new words tell of
        danger or weigh like a crisis's: the alert about a thread mailflow
        is not part of, naming them and the number in their new words."""
        person = Person(
            email=mail.from_addr or "",
            name=mail.from_name,
            phone=extract.extract_phone(
                quoting.new_words(mail.text), self.settings.practice.country
            ),
        )
        return self._danger_left_alone(
            key,
            mail,
            person,
            came_as="thread",
            note=note,
            danger=danger,
            weighed=weighed,
            owns_thread=False,
        )

    def _note_again(
        self,
        key: MailKey,
        waiting: Enquiry,
        mail: InboundMail,
        verdict: Classification,
        told: classify.WroteAgain,
    ) -> str:
        """Someone with an enquiry open (a note still waiting for the
        therapist, a booking under way) writes again, and this mail would be
        an urgent note of its own (a professional writing of someone in their
        care, perhaps another person; words weighed like a crisis's): its
        words reach the therapist too, by an alert quoting them, urgent where
        danger may be told now; the enquiry stands as it is, nothing is sent
        to them. (A second mail that is no news was answered once: a wrong
        note, from a writer who writes again about others, must not hide the
        next.) What it tells is `classify.wrote_again`'s."""
        with self.store.transaction():
            self._alert_about(
                key,
                waiting,
                mail,
                "nothing" if waiting.state is State.ASKED else "booking",
                verdict.safety_note,
                weighed=told.weighed,
                danger=told.danger,
            )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "owned:risk-noted", self.now
            )
        log.info("uid %d: enquiry %d, told again", key.uid, waiting.id)
        return "owned:risk-noted"

    def _danger_left_alone(
        self,
        key: MailKey,
        mail: InboundMail,
        person: Person,
        *,
        came_as: str,
        note: str,
        danger: bool = True,
        weighed: bool = False,
        owns_thread: bool = True,
    ) -> str:
        """Words that may tell of danger now, from someone the practice
        already writes to or in a conversation mailflow is not part of: the
        therapist alerted at once, urgently, quoting the words that were
        read (a reply's own, above what it quotes; a fresh mail's whole,
        what it forwards too) and any safety need; nothing sent to them. The
        record of it is closed as it opens (`workflow.on_danger_left_alone`).
        Not `danger`: a reply in such a conversation whose words speak of
        possible risk, or that the risk words alone weigh (`weighed`): the
        same alert, asking for it to be read now, not "Urgent". Not
        `owns_thread`: someone else writing in a conversation another
        enquiry owns; their record claims none of its Message-IDs (which
        enquiry a later mail in it belongs to must not depend on them)."""
        outcome = "danger-alerted" if danger else "risk-alerted"
        zone = self._zone_of(mail)
        words = (quoting.new_words(mail.text) if came_as == "thread" else "") or (
            mail.text
        )
        opening = decide.Opening(
            email=person.email,
            name=person.name,
            phone=person.phone,
            subject=compose.enquiry_subject(mail.subject, mail.from_addr, person.email),
            request_message_id=mail.message_id if owns_thread else None,
            sender_offset_minutes=_minutes(zone),
            sender_seen_at=_seen(zone),
            first_message=words[:FIRST_MESSAGE_CHARS],
            risk="possible",
            safety_note=note,
        )
        with self.store.transaction():
            enquiry_id = self.store.insert_enquiry(
                decide.opened(opening, workflow.on_danger_left_alone(), self.now)
            )
            recipient = letters.Recipient(person.email, person.name, person.phone, zone)
            self._possible_alert(
                enquiry_id,
                recipient,
                mail,
                words,
                "possible-alert",
                came_as,
                note,
                weighed=weighed,
                danger=danger,
            )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
            )
        log.info("uid %d: enquiry %d, %s", key.uid, enquiry_id, outcome)
        return outcome

    def form_alert(
        self, key: MailKey, mail: InboundMail, alert: FormAlert, safety_note: str
    ) -> str:
        """A website form at risk that names nobody mailflow may write to
        (`Classification.form_alert`): the therapist alerted, with the whole
        form quoted; nobody else is written to and no enquiry is opened
        (there is nobody to converse with). The mail is marked seen in the
        same transaction, so the alert goes once."""
        with self.store.transaction():
            self.letters.form_alert(
                alert,
                mail.subject,
                mail.text,
                mail.date_at or self.now,
                f"form-alert:{key.fingerprint}",
                safety_note=safety_note,
            )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "form-alerted", self.now
            )
        log.info("uid %d: form alerted", key.uid)
        return "form-alerted"

    def _escalate(
        self,
        key: MailKey,
        enquiry_id: int,
        mail: InboundMail,
        *,
        existing: bool,
        asks: bool,
    ) -> str:
        """A new mail at risk from someone with an open enquiry."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return "open-enquiry"
        with self.store.transaction():
            self.escalate_now(
                key, enquiry, mail, safety_message=not existing, asks=asks
            )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "crisis", self.now
            )
        log.info("uid %d: enquiry %d escalated", key.uid, enquiry_id)
        return "crisis"

    def escalate_now(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        *,
        safety_message: bool = True,
        asks: bool = False,
    ) -> None:
        """Release any hold, send the safety message in this mail's thread and
        alert the therapist; the enquiry is theirs from now on. Someone the
        therapist already handles (an existing client, an escalated or
        hand-answered enquiry) gets no safety message from mailflow: the
        therapist is alerted. `asks`: the message names their words of not
        being around and asks how they are (`diary_doubt.asks`)."""
        human = enquiry.state in HUMAN_STATES
        person = letters.Recipient(
            enquiry.email,
            enquiry.name,
            enquiry.phone
            or extract.extract_phone(mail.text, self.settings.practice.country),
            letters.person_zone_from_minutes(
                enquiry.sender_offset_minutes, enquiry.offset_seen_at
            ),
        )
        thread = letters.Thread(
            compose.enquiry_subject(mail.subject, mail.from_addr, enquiry.email)
            or enquiry.subject,
            mail.message_id,
            (*mail.references, *_own_id(mail)),
        )
        asks = diary_doubt.still_asks(asks, enquiry)
        if (
            safety_message
            and not human
            and decide.proves_address(
                enquiry.email, mail.from_addr, ambiguous=mail.from_ambiguous
            )
        ):
            # Their safety message must not be dropped as bounced while the
            # alert says it went.
            self.store.clear_undeliverable(enquiry.email)
        self.conversation.apply(enquiry, workflow.on_crisis(enquiry.state))
        self._crisis(
            enquiry.id,
            mail,
            person,
            thread,
            step=f"crisis:{key.fingerprint}",
            safety_message=safety_message and not human,
            came_as="yours" if human else "",
            asks=asks,
        )

    def _note_risk(
        self,
        key: MailKey,
        enquiry_id: int,
        mail: InboundMail,
        note: str,
        *,
        danger: bool = False,
        weighed: bool = False,
    ) -> str:
        """A new mail from someone in a conversation speaks of possible risk or
        a safety need: the therapist is told, and their picks wait for approval.
        `weighed`: only the risk words heard it (`Classification.weighed`)."""
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return "open-enquiry"
        with self.store.transaction():
            self.record_risk(enquiry, note)
            self.alert_risk(key, enquiry, mail, note, weighed=weighed, danger=danger)
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "owned:risk-noted", self.now
            )
        return "owned:risk-noted"

    def record_risk(self, enquiry: Enquiry, note: str) -> Enquiry:
        """Possible risk (and the need, in their words) on the enquiry: every
        pick from now on waits for the therapist. Returns the updated record."""
        self.conversation.apply(enquiry, workflow.on_risk_news(enquiry.state, note))
        return self.store.enquiry(enquiry.id) or enquiry

    def alert_risk(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        note: str,
        *,
        weighed: bool = False,
        danger: bool = False,
        closed: bool = False,
        waits: bool = False,
    ) -> None:
        """The therapist alerted of risk said in the conversation. `closed`:
        the letter answering this mail closed with the safety message (said
        so where danger may be told now, `Letters.alert_tells_closing`);
        `waits`: nothing answers it yet, the busy calendar being unreadable."""
        answered = (
            "calendar-wait"
            if waits
            else "conversation-safety"
            if danger and closed
            else "conversation"
        )
        self._alert_about(
            key, enquiry, mail, answered, note, weighed=weighed, danger=danger
        )

    def danger_alert(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        note: str,
        *,
        danger: bool = True,
        weighed: bool = False,
    ) -> None:
        """Danger told now, in words mailflow cannot be sure of, in a
        conversation mailflow has finished (or only ever alerted about: a
        thread it is not part of): the therapist alerted at once, nothing
        sent, nothing else changed. Not `danger`: what such a reply still
        tells (`classify.thread_news`), the same alert asking for a read
        now, not urgent; `weighed`: the risk words alone heard it."""
        answered = (
            "thread" if enquiry.closed_reason is ClosedReason.ALERTED else "closed"
        )
        self._alert_about(
            key, enquiry, mail, answered, note, weighed=weighed, danger=danger
        )

    def _alert_about(
        self,
        key: MailKey,
        enquiry: Enquiry,
        mail: InboundMail,
        answered: str,
        note: str,
        *,
        weighed: bool = False,
        danger: bool = False,
    ) -> None:
        """The possible alert for a mail in an enquiry's conversation, quoting
        its new words."""
        person = letters.Recipient(
            enquiry.email,
            enquiry.name,
            enquiry.phone,
            letters.person_zone_from_minutes(
                enquiry.sender_offset_minutes, enquiry.offset_seen_at
            ),
        )
        self._possible_alert(
            enquiry.id,
            person,
            mail,
            quoting.new_words(mail.text),
            f"possible-alert:{key.fingerprint}",
            answered,
            note,
            weighed=weighed,
            danger=danger,
        )

    def _possible_alert(
        self,
        enquiry_id: int,
        person: Recipient,
        mail: InboundMail,
        words: str,
        step: str,
        answered: str,
        note: str,
        *,
        weighed: bool = False,
        danger: bool = False,
    ) -> None:
        """The therapist told of possible risk or a safety need, in their words;
        `danger`: words of danger told now, the alert urgent."""
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
            weighed=weighed,
            danger=danger,
        )

    def _answer(
        self,
        key: MailKey,
        mail: InboundMail,
        person: Person,
        *,
        risk: str,
        safety_note: str = "",
        form: bool = False,
        asked_for: bool = True,
        existing: bool = False,
        came_as: str = "",
        asks: bool = False,
        danger: bool = False,
        weighed: bool = False,
        supersedes: Enquiry | None = None,
    ) -> str:
        """Create the enquiry and queue its first messages, all in one transaction
        (with the close of an enquiry it `supersedes`: one asked about).

        Clear risk gets the safety message instead of times (an existing client,
        or someone who asked for nothing, is not sent times either); possible
        risk gets times, an alert, and every pick held for the therapist. A
        website form's notification is not the person's own mail: the answer to
        it starts a fresh subject instead of "Re: New contact form submission".
        """
        crisis = risk == "clear"
        # A form's Date is the form service's clock, not the person's zone.
        zone = None if form else self._zone_of(mail)
        try:
            slots = [] if crisis else self._offer_slots(person, zone)
            start = workflow.on_new_request(risk, bool(slots))
            blind = False
        except BusyCalendarError as exc:
            without = workflow.on_request_without_calendar(risk)
            if without is None:
                raise  # the mail waits for a good read (the runner says so)
            self.report.calendar_down = str(exc)  # told to the therapist daily
            slots, start, blind = [], without, True
        # Danger now, in words mailflow cannot be sure of: the times go with
        # the safety message above them (and the therapist is told at once);
        # with no times to give, the safety message alone (where the alert
        # in use can say so: a practice's own older one says "safety-only").
        knows = blind and self.letters.alert_knows_calendar()
        warned = decide.warns_with_times(risk, danger) and (
            ((knows and self.letters.safety_unsure()) or self.letters.safety_warns())
            if blind
            else self.letters.offer_warns()
        )
        # The alert's template is read only where it could matter.
        denies = danger and not warned and self.letters.alert_denies_safety()
        outcome = start.outcome
        subject = compose.enquiry_subject(mail.subject, mail.from_addr, person.email)
        opening = decide.Opening(
            email=person.email,
            name=person.name,
            phone=person.phone,
            subject=compose.own_title(
                subject,
                form=form,
                minutes=self.settings.availability.slot_minutes,
                # Their first letter is the safety message: the crisis answer
                # (an existing client's is an alert alone), or no times at all.
                safety_first=(
                    not existing
                    and any(isinstance(c, workflow.Escalate) for c in start.commands)
                )
                or (blind and warned),
            ),
            request_message_id=mail.message_id,
            sender_offset_minutes=_minutes(zone),
            sender_seen_at=_seen(zone),
            first_message=quoting.new_words(mail.text)[:FIRST_MESSAGE_CHARS],
            risk=risk,
            safety_note=safety_note,
        )
        with self.store.transaction():
            if supersedes is not None:
                self.conversation.apply(
                    supersedes, workflow.on_plain_request(State.ASKED)
                )
            # They wrote from it, so it works again (a full mailbox emptied).
            self.store.clear_undeliverable(person.email)
            enquiry_id = self.store.insert_enquiry(
                decide.opened(opening, start, self.now)
            )
            recipient = letters.Recipient(person.email, person.name, person.phone, zone)
            thread = letters.Thread(
                "" if form else subject,
                mail.message_id,
                (*mail.references, *_own_id(mail)),
            )
            for command in start.commands:
                match command:
                    case workflow.Escalate():
                        self._crisis(
                            enquiry_id,
                            mail,
                            recipient,
                            thread,
                            step="safety",
                            safety_message=not existing,
                            came_as=came_as,
                            asks=asks,
                        )
                    case workflow.NoTimes():
                        self.letters.no_slots_alert(
                            enquiry_id, recipient, mail.subject, "no-slots"
                        )
                    case workflow.Offer():
                        self.store.set_offers(enquiry_id, slots)
                        self.letters.offer(
                            enquiry_id,
                            recipient,
                            thread,
                            slots,
                            "offer",
                            danger=warned,
                            closing=decide.offer_closes_with_safety(
                                danger, warned, denies
                            ),
                        )
            if blind and warned:
                self.letters.safety(
                    enquiry_id, recipient, thread, "safety", unsure=True
                )
            if risk == "possible":
                self._possible_alert(
                    enquiry_id,
                    recipient,
                    mail,
                    mail.text,
                    "possible-alert",
                    decide.first_alert_says(
                        offered=bool(slots),
                        warned=warned,
                        calendar_down=blind,
                        alert_knows_calendar=knows,
                    ),
                    safety_note,
                    weighed=weighed,
                    danger=danger,
                )
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, outcome, self.now
            )
        self._opened.append(enquiry_id)
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
        key: MailKey,
        mail: InboundMail,
        person: Person,
        reason: str,
        risk: str = "none",
        safety_note: str = "",
        *,
        danger: bool = False,
        relayed: bool = False,
        addressed: bool = True,
    ) -> str:
        """A first mail mailflow cannot place: leave it, ask the therapist once.
        Their "offer" (authenticated like an approval) sends the first offer in
        the person's own thread."""
        zone = self._zone_of(mail)
        # What they wrote, or all of it when a forward has nothing of their own.
        first = (quoting.new_words(mail.text) or mail.text)[:FIRST_MESSAGE_CHARS]
        # Danger now, perhaps, from the person themselves: the safety message
        # at once (and nothing else) while the therapist reads.
        warned = (
            decide.warns_unsure(
                reason,
                risk,
                danger,
                len(mail.to) + len(mail.cc),
                relayed=relayed,
                addressed=addressed,
                note_says_weighed=self.letters.note_tells_weighed(),
            )
            and self.letters.safety_warns()
        )
        subject = compose.enquiry_subject(mail.subject, mail.from_addr, person.email)
        opening = decide.Opening(
            email=person.email,
            name=person.name,
            phone=person.phone,
            subject=compose.own_title(
                subject,
                form=False,
                minutes=self.settings.availability.slot_minutes,
                safety_first=warned,
            ),
            request_message_id=mail.message_id,
            sender_offset_minutes=_minutes(zone),
            sender_seen_at=_seen(zone),
            first_message=first,
            risk=risk,
            safety_note=safety_note,
            references=(*mail.references, *_own_id(mail)),
        )
        with self.store.transaction():
            # Where they wrote from, or typed into a form, so it is tried
            # again (as `_answer`): the safety letter below must not be
            # dropped as bounced. One more bounce at worst, within the caps.
            self.store.clear_undeliverable(person.email)
            enquiry_id = self.store.insert_enquiry(
                decide.opened(opening, workflow.on_unsure(), self.now)
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
                warned=warned,
                urgent=reason in classify.NOTE_IS_THE_ALERT,
            )
            if warned:
                thread = letters.Thread(
                    subject, mail.message_id, (*mail.references, *_own_id(mail))
                )
                self.letters.safety(
                    enquiry_id, recipient, thread, "safety", unsure=True
                )
            if risk == "possible" and reason not in classify.NOTE_IS_THE_ALERT:
                self._possible_alert(
                    enquiry_id,
                    recipient,
                    mail,
                    mail.text,
                    "possible-alert",
                    "safety-only" if warned else "nothing",
                    safety_note,
                    danger=danger,
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
        came_as: str = "",
        asks: bool = False,
    ) -> None:
        """The safety message to the person (unless the practice already writes
        to them, or it was mail left alone: `came_as` an invitation or a reply
        in someone else's thread) and an immediate alert to the therapist,
        Reply-To the person, quoting an invitation's own words first. `asks`:
        the message names their words of not being around and asks how they
        are, and the alert says so."""
        # The practice's own templates from before the asking letter: it assumes.
        asks = asks and safety_message and self.letters.can_ask()
        if safety_message:
            self.letters.safety(enquiry_id, person, thread, step, asks=asks)
        answered = (
            "safety-question" if asks else "safety" if safety_message else came_as
        ) or "nothing"
        text = mail.text
        if mail.has_calendar and mail.calendar_words:
            # First: what the writer put in the calendar, before any boilerplate.
            text = f"{mail.calendar_words}\n\n{text}".strip()
        self.letters.crisis_alert(
            enquiry_id,
            person,
            mail.subject,
            text,
            mail.date_at or self.now,
            f"{step}-alert",
            answered=answered,
        )

    def _zone_of(self, mail: InboundMail) -> tzinfo | None:
        return compose.person_zone(
            mail.sender_offset, mail.date_at, self.settings.practice.timezone
        )

    def _offer_slots(self, person: Person, zone: tzinfo | None) -> list[Slot]:
        return self.schedule.offer(preference=person.preference, person_zone=zone)


def _own_id(mail: InboundMail) -> tuple[str, ...]:
    return (mail.message_id,) if mail.message_id else ()


def _seen(zone: tzinfo | None) -> datetime | None:
    """When the person's offset was seen (their Date header), if it is theirs."""
    return zone.seen if isinstance(zone, seen_offset.SeenOffset) else None


def _minutes(zone: tzinfo | None) -> int | None:
    """A fixed-offset zone as minutes east of UTC (None: the practice's own zone)."""
    offset = None if zone is None else zone.utcoffset(None)
    return None if offset is None else int(offset.total_seconds() // 60)
