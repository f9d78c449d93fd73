"""Every message mailflow writes, queued in the outbox. Shell: reads templates, writes the store.

Each letter gets a deterministic, unguessable Message-ID (an HMAC of enquiry
and step under the installation secret), is threaded onto the person's last
mail, and is queued in the same transaction as the decision that caused it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

from mailflow import patterns
from mailflow.deciding import guard, timing
from mailflow.errors import TemplateError
from mailflow.lazy import lazy_module
from mailflow.model import Attendee, DayPart, FormAlert, Preference, Slot
from mailflow.reading import extract
from mailflow.reading.seen_offset import SeenOffset
from mailflow.writing import compose

MAX_SKIPPED_SHOWN: Final = 30
"""Events named in one note about a busy calendar's unreadable events."""

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.busy import FeedRead
    from mailflow.shell.store import Store
    from mailflow.writing import calendar, stored_event
else:
    # icalendar only when an invitation is written: not for a first offer.
    calendar = lazy_module("mailflow.writing.calendar")
    stored_event = lazy_module("mailflow.writing.stored_event")

_log = logging.getLogger("mailflow")
QUOTE_LINES = 40
"""Lines of the person's own words quoted to the therapist (alerts, approvals)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person, as the letters address them."""

    email: str
    name: str
    phone: str | None
    zone: tzinfo | None  # their own offset when it differs from the practice's


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a letter to the person goes in their email thread."""

    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]


LISTS_TIMES = frozenset({"offer", "offer_again"})
"""Letters that bring a new numbered list of times, which a reply's "2" refers
to (a clarifying question repeats the current list, so it does not count)."""


_SMTP_CODE = patterns.compile(r"\b[45]\d\d(?: [45]\.\d{1,3}\.\d{1,3})?\b")
"""An SMTP reply code and its enhanced status ("554 5.7.1"), in a refusal."""
INSTEAD_OF: Final = "instead_of"
"""The `expects` key of a note standing in for refused news of risk: that
news's outbox id (`Outbox._still_wanted`)."""
_FILTERED: Final = frozenset({"5.7"})
"""The enhanced status class of a policy refusal (RFC 3463), the one the
SMTP adapter keeps: a content filter's. A full mailbox or a busy server is
no reason to blame the words."""


class Letters:
    """Writes letters for one run (one clock, one store)."""

    def __init__(self, settings: Settings, store: Store, now: datetime) -> None:
        self.settings = settings
        self.store = store
        self.now = now

    # -- what the therapist was sent ------------------------------------------------

    THERAPIST_KINDS = (
        "approval_request",
        "approval_again",
        "move_request",
        "unsure_note",
        "therapist_event",
        "therapist_alert",
        "cancel_notice",
    )

    def sent_to_therapist(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot | None,
        first_message: str,
        round_: int,
    ) -> tuple[str, ...]:
        """The words of mailflow's letters to the therapist about this enquiry:
        the approval as written (when a time is held), every therapist letter's
        fixed text, and the person's words they quote. What the therapist's
        reply may carry back unmarked, and must never be read as theirs (the
        approval's example "could we do Thursday at 2?" above all)."""
        directory = self.settings.templates.directory
        texts = [compose.static_text(kind, directory) for kind in self.THERAPIST_KINDS]
        if slot is not None:
            context = self._approval_context(
                enquiry_id, person, slot, first_message, round_
            )
            with contextlib.suppress(TemplateError):  # the fixed text stands
                texts.append(compose.render("approval_request", context, directory)[0])
        return (*texts, first_message)

    # -- ids ------------------------------------------------------------------

    def token(self, enquiry_id: int, step: str, length: int = 32) -> str:
        """Deterministic per (enquiry, step), unguessable without the secret."""
        digest = hmac.new(
            self.store.secret(), f"{enquiry_id}:{step}".encode(), hashlib.sha256
        ).hexdigest()
        return digest[:length]

    def message_id(self, enquiry_id: int, step: str) -> str:
        domain = self.settings.practice.email.rsplit("@", 1)[1]
        return f"<mailflow.{self.token(enquiry_id, step)}@{domain}>"

    def approval_id(self, enquiry_id: int, round_: int) -> str:
        return self.message_id(enquiry_id, f"approval:{round_}")

    def approval_ref(self, enquiry_id: int, round_: int) -> str:
        """The short token in the approval subject (some clients drop References)."""
        return self.token(enquiry_id, f"approval-ref:{round_}", 16)

    def booking_uid(self, enquiry_id: int) -> str:
        """A new calendar UID for a booking made now (a re-booking after a
        cancellation is a new event: some calendars never revive a cancelled UID)."""
        domain = self.settings.practice.email.rsplit("@", 1)[1]
        return f"{self.token(enquiry_id, f'booking:{self.now.isoformat()}')}@{domain}"

    def event_uid(self, enquiry_id: int) -> str:
        """The UID of the enquiry's current booking, as the store keeps it."""
        call = self.store.call(enquiry_id)
        if call is None or call.uid is None:
            raise ValueError(f"enquiry {enquiry_id} has no booking")
        return call.uid

    def _event(
        self,
        method: Literal["REQUEST", "CANCEL", "PUBLISH"],
        enquiry_id: int,
        slot: Slot,
        sequence: int,
        person: Recipient | None,
        *,
        summary: str,
        description: str,
    ) -> bytes:
        """The booking's event: the person's invitation (`person` given, the
        booking's UID), or the therapist's own copy (`None`, a UID of its own)."""
        practice = self.settings.practice
        uid = self.event_uid(enquiry_id)
        if person is not None:
            attendee_email: str | None = person.email
            attendee_name = person.name
        else:
            uid = f"therapist-{uid}"
            # A PUBLISH copy has no attendee, nor has its cancellation: it
            # removes the copy and names no one the copy never had.
            attendee_email, attendee_name = None, ""
        return calendar.build_calendar(
            method=method,
            uid=uid,
            sequence=sequence,
            stamp=self.now,
            start_at=slot.start_at,
            end_at=slot.end_at,
            organizer_email=practice.email,
            organizer_name=practice.therapist_name,
            attendee_email=attendee_email,
            attendee_name=attendee_name,
            summary=summary,
            description=description,
            zone_name=practice.timezone,
            location=self._room(),
            url=self._room(),
        )

    def _room(self) -> str:
        """The video call's meeting room; "" for a phone call."""
        call = self.settings.call
        return call.video_url if call.mode == "video" else ""

    def _call_title(self) -> str:
        """The call as its title says it: "free 15-minute call"."""
        minutes = self.settings.availability.slot_minutes
        video = " video" if self.settings.call.mode == "video" else ""
        return f"free {minutes}-minute{video} call"

    # -- how times read -------------------------------------------------------

    def slot_view(self, slot: Slot, zone: tzinfo | None) -> dict[str, str | None]:
        practice = self.settings.practice
        return compose.describe_slot(
            slot,
            practice.timezone,
            twelve_hour=practice.uses_12h_clock,
            person_zone=zone,
        )

    def practice_time(self, moment: datetime) -> str:
        local = moment.astimezone(ZoneInfo(self.settings.practice.timezone))
        twelve = self.settings.practice.uses_12h_clock
        return (
            f"{compose.day(local)} at {compose.clock(local, twelve)}"
            f" ({compose.zone_label(local)})"
        )

    def short(self, moment: datetime) -> str:
        practice = self.settings.practice
        return compose.short_when(moment, practice.timezone, practice.uses_12h_clock)

    def phone(self, phone: str | None) -> str | None:
        return readable_phone(phone, self.settings.practice.country)

    def _base(self) -> dict[str, Any]:
        practice = self.settings.practice
        return {
            "practice": {
                "name": practice.name,
                "therapist_name": practice.therapist_name,
                "email": practice.email,
            }
        }

    def _call(self) -> dict[str, Any]:
        return {
            "minutes": self.settings.availability.slot_minutes,
            "mode": self.settings.call.mode,
            "video_url": self._room(),
        }

    def _person_base(self, person: Recipient) -> dict[str, Any]:
        return {
            **self._base(),
            "call": self._call(),
            "greeting_name": extract.display_name(person.name, person.email),
            "phone": self.phone(person.phone),
        }

    def _closing(self, kind: str, answers: bool) -> dict[str, Any]:
        """A later letter about the call that answers the person's own mail
        (`answers`, decided by `decide.closing_letter`: other times, which
        time, held, booked; `contract.LATER_LETTERS`) closes with the
        practice's safety message where its template shows it (a practice's
        own copy from before does not): a crisis written in a
        reply that the reading does not hear is not answered with times or a
        booking alone. One the therapist or a timer sent (their yes, their
        other time, a nudge) answers no words of the person's: none."""
        closes = answers and "safety_close" in compose.template_names(
            kind, self.settings.templates.directory
        )
        return {
            "safety_close": closes,
            "safety_message": self.settings.safety.message.strip(),
        }

    def _about(self, enquiry_id: int, person: Recipient) -> dict[str, Any]:
        return {
            **self._base(),
            "call": self._call(),
            "enquiry_id": enquiry_id,
            "person_name": person.name,
            "person_email": person.email,
            "phone": self.phone(person.phone),
        }

    # -- to the person ----------------------------------------------------------

    def offer(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slots: list[Slot],
        step: str,
        *,
        danger: bool = False,
        closing: bool = True,
    ) -> None:
        """`danger`: their words may tell of danger now (`Screening.danger_now`,
        possible risk: the therapist is alerted at once). The times still
        go, with the practice's safety message above them: should it be
        so, they need not wait for the call or for the therapist to read.
        Otherwise, with `safety.in_every_offer` (the default), the same words
        close the letter, as they close everyone's: a crisis in words the
        reading does not hear is not left with times alone. `closing=False`:
        not even so (danger told now, under a practice's own alert that says
        no safety message went: `alert_denies_safety`)."""
        context = {
            **self._person_base(person),
            "slots": [self.slot_view(s, person.zone) for s in slots],
            "danger": danger,
            "every_offer": self.settings.safety.in_every_offer and closing,
            "safety_message": self.settings.safety.message.strip(),
        }
        self._to_person(enquiry_id, "offer", step, person, thread, context)

    def offer_again(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slots: list[Slot],
        *,
        reason: str,
        note: str,
        preference: Preference,
        step: str,
        booked: dict[str, str | None] | None = None,
        expects: dict[str, object] | None = None,
        answers: bool = False,
    ) -> bool:
        """True: it closed with the safety message (`_closing`)."""
        context = {
            **self._person_base(person),
            **self._closing("offer_again", answers),
            "slots": [self.slot_view(s, person.zone) for s in slots],
            "booked": booked,
            "reason": reason,
            "note": note,
            "preference_words": describe_preference(preference),
        }
        self._to_person(
            enquiry_id, "offer_again", step, person, thread, context, expects=expects
        )
        return bool(context["safety_close"])

    def offer_warns(self) -> bool:
        """Whether the templates in use put the safety message above the
        times of an offer to someone who may be in danger now, and say so in
        the alert; a practice's own from before have neither, and then the
        offer is as ever and the alert says that."""
        directory = self.settings.templates.directory
        return "danger" in compose.template_names(
            "offer", directory
        ) and "times-safety" in compose.template_source("crisis_alert", directory)

    def alert_denies_safety(self) -> bool:
        """Whether the crisis alert in use tells the therapist, of danger told
        now under an offer without the warning above its times, that no
        safety message went (a practice's own, from before "times-safety"):
        then the offer carries none, so the alert stays true."""
        directory = self.settings.templates.directory
        return "did not send your safety message" in compose.template_source(
            "crisis_alert", directory
        )

    def alert_tells_closing(self) -> bool:
        """Whether the crisis alert in use can tell the therapist, of danger
        told now in a reply, that the letter answering it closed with the
        safety message ("conversation-safety"); a practice's own from before
        says none went, and then none closes (`decide.closing_letter`)."""
        return "conversation-safety" in compose.template_source(
            "crisis_alert", self.settings.templates.directory
        )

    def safety_warns(self) -> bool:
        """Whether the templates in use have the safety letter for words
        mailflow cannot be sure of (`unsure`) and the alert that says it was
        sent; a practice's own from before have neither, and then nothing is
        sent and the alert says that."""
        directory = self.settings.templates.directory
        return "unsure" in compose.template_names(
            "safety", directory
        ) and "safety-only" in compose.template_source("crisis_alert", directory)

    def note_tells_weighed(self) -> bool:
        """Whether the note in use can say that a writer the risk words
        weighed was sent the safety message (`decide.WARNED_WEIGHED`); a
        practice's own from before says "I have sent them nothing", and
        then nothing is sent."""
        return _WEIGHED_WARNED in compose.template_source(
            "unsure_note", self.settings.templates.directory
        )

    def alert_knows_calendar(self) -> bool:
        """Whether the alert in use can say no times went because the busy
        calendar cannot be read (`calendar`, `calendar-safety`); a practice's
        own from before says what it can ("safety-only", "nothing")."""
        directory = self.settings.templates.directory
        return "calendar-safety" in compose.template_source("crisis_alert", directory)

    def safety_unsure(self) -> bool:
        """Whether the safety letter in use has its short form for words
        mailflow cannot be sure of (`unsure`)."""
        directory = self.settings.templates.directory
        return "unsure" in compose.template_names("safety", directory)

    def can_ask(self) -> bool:
        """Whether the templates in use have the safety letter that asks and
        the alert that says so; a practice's own from before they existed
        have neither, and then the letter assumes and the alert says that."""
        directory = self.settings.templates.directory
        return "asks" in compose.template_names(
            "safety", directory
        ) and "safety-question" in compose.template_source("crisis_alert", directory)

    def safety(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        step: str,
        *,
        asks: bool = False,
        unsure: bool = False,
    ) -> None:
        """`asks`: their only words of risk are also said of a diary
        (`diary_doubt`): the letter asks rather than assumes. `unsure`: a
        first mail mailflow cannot place whose words may tell of danger now
        (`decide.warns_unsure`): thanks, and the message, nothing assumed."""
        context = {
            **self._person_base(person),
            "safety_message": self.settings.safety.message.strip(),
            "asks": asks,
            "unsure": unsure,
        }
        self._to_person(enquiry_id, "safety", step, person, thread, context)

    def held(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slot: Slot,
        step: str,
        *,
        answers: bool = False,
        question: bool = False,
    ) -> bool:
        """True: it closed with the safety message (`_closing`). `question`:
        they asked something beside their pick, which the therapist answers
        (the approval request tells them so): the letter says it was seen."""
        context = {
            **self._person_base(person),
            **self._closing("held", answers),
            "slot": self.slot_view(slot, person.zone),
            "question": question,
        }
        self._to_person(enquiry_id, "held", step, person, thread, context)
        return bool(context["safety_close"])

    def clarify(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slots: list[Slot],
        step: str,
        *,
        answers: bool = False,
    ) -> bool:
        """True: it closed with the safety message (`_closing`)."""
        context = {
            **self._person_base(person),
            **self._closing("clarify", answers),
            "slots": [self.slot_view(s, person.zone) for s in slots],
        }
        self._to_person(enquiry_id, "clarify", step, person, thread, context)
        return bool(context["safety_close"])

    def confirmation(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slot: Slot,
        *,
        sequence: int,
        step: str,
        phone_added: bool = False,
        answers: bool = False,
    ) -> bool:
        """The booking, with its invitation. True: it closed with the safety
        message (`_closing`)."""
        practice = self.settings.practice
        phone = self.phone(person.phone)
        ics = self._event(
            "REQUEST",
            enquiry_id,
            slot,
            sequence,
            person,
            summary=f"{self._call_title().capitalize()} with {practice.therapist_name}",
            description=(
                f"{practice.therapist_name} ({practice.name}) will meet you by"
                f" video: {self._room()}"
                if self._room()
                else f"{practice.therapist_name} ({practice.name}) will phone you"
                + (f" on {phone}." if phone else ".")
            ),
        )
        context = {
            **self._person_base(person),
            **self._closing("confirmation", answers),
            "slot": self.slot_view(slot, person.zone),
            "moved": sequence > 0,
            "phone_added": phone_added,
        }
        self._to_person(
            enquiry_id,
            "confirmation",
            step,
            person,
            thread,
            context,
            calendar=compose.CalendarPart("REQUEST", ics),
        )
        return bool(context["safety_close"])

    # -- to the therapist ---------------------------------------------------------

    def crisis_alert(
        self,
        enquiry_id: int,
        person: Recipient,
        subject: str,
        text: str,
        sent_at: datetime,
        step: str,
        *,
        level: str = "clear",
        answered: str = "safety",
        safety_note: str = "",
        weighed: bool = False,
        danger: bool = False,
    ) -> None:
        """The therapist told at once. `level` "clear" (the safety message went
        instead of times) or "possible" (times went; the pick waits for their
        approval); `answered` says what the person got: "safety",
        "safety-question" (the safety message naming their words of not being
        around and asking how they are: `diary_doubt`), "times", "yours" (a new mail in a conversation
        already the therapist's: nothing sent) or "nothing" (an existing
        client: mailflow does not write to them),
        "invitation" (a stranger's calendar invitation: nor to them) or
        "thread" (a reply in a conversation mailflow is not part of: nor),
        "closed" (a reply in a conversation mailflow has finished: nothing);
        with `danger` also "times-safety" (times, the safety message above
        them), "safety-only" (the short safety letter, nothing else) and
        "client" (someone the practice already writes to: nothing). With
        the busy calendar unreadable: "calendar" (a first mail at risk, the
        therapist's at once, nothing sent), with `danger` "calendar-safety"
        (the same, the short safety letter sent) and "calendar-wait" (a reply
        whose answer waits for the calendar: nothing sent yet).
        `weighed`: no phrase of risk, only the risk words (`reply_risk`, or
        `classify.ALERT_CHANCE` for a request answered with times).
        `danger`: words of danger told now that mailflow cannot be sure of
        (`screen.Screening.danger_now`): the alert is urgent and says so.
        Reply-To is the person, so the therapist's reply reaches them."""
        context = {
            **self._about(enquiry_id, person),
            "subject": compose.clean_header(subject),
            "sent_at": self.practice_time(sent_at),
            "quoted": quote(text),
            "level": level,
            "answered": answered,
            "safety_note": safety_note,
            "weighed": weighed,
            "danger": danger and level != "clear",
        }
        title = (
            "Urgent: someone who wrote needs you personally"
            if level == "clear"
            else "Urgent: someone who wrote may be in danger now"
            if danger
            else _possible_title(answered, weighed)
        )
        self._to_therapist(
            enquiry_id, "crisis_alert", step, title, context, reply_to=person
        )

    def form_alert(
        self,
        alert: FormAlert,
        subject: str,
        text: str,
        sent_at: datetime,
        step: str,
        *,
        safety_note: str = "",
    ) -> None:
        """The therapist told at once of a website form, at risk, that names
        nobody mailflow may write to (`classify._form_alone`): what it says of
        how to reach them, and the whole form quoted. About no enquiry (none
        is opened: there is nobody to write to), and with no Reply-To; as
        urgent as `alert.level` says."""
        level = alert.level
        context = {
            **self._base(),
            "person_name": compose.clean_header(alert.name),
            "phone": self.phone(alert.phone),
            "typed_email": compose.clean_header(alert.typed_email or ""),
            "sent_by": alert.sent_by,
            "subject": compose.clean_header(subject),
            "sent_at": self.practice_time(sent_at),
            "quoted": quote(text),
            "level": level,
            "safety_note": safety_note,
        }
        title = (
            "Urgent: a website form may be from someone at risk"
            if level == "clear"
            else "Urgent: a website form may be from someone in danger now"
            if level == "possible"
            else "Please read today: a website form may be from someone at risk"
        )
        self._to_therapist(None, "form_alert", step, title, context)

    def unsure_note(
        self,
        enquiry_id: int,
        person: Recipient,
        subject: str,
        text: str,
        reason: str,
        round_: int,
        *,
        safety_note: str = "",
        warned: bool = False,
        urgent: bool = False,
    ) -> None:
        """A first mail mailflow could not place: one short note; "offer" in
        this thread sends the person times in their own thread. `warned`:
        the person was sent the safety message (`decide.warns_unsure`).
        `urgent`: the note is the one alert of risk the therapist gets (words
        that weigh like a crisis, no phrase of one): queued as a "risk_note",
        news of risk for the outbox (`guard.URGENT_KINDS`), the letter itself
        the same."""
        ref = self.approval_ref(enquiry_id, round_)
        who = compose.clean_header(person.name) or person.email
        context = {
            **self._about(enquiry_id, person),
            "subject": compose.clean_header(subject),
            "reason": reason,
            "quoted": quote(text),
            "safety_note": safety_note,
            "token": ref,
            "therapist_email": self.settings.practice.therapist_email,
            "warned": warned,
        }
        self._to_therapist(
            enquiry_id,
            "unsure_note",
            f"approval:{round_}",
            f"{_UNSURE_SUBJECTS.get(reason, 'Not sure')}: {who} [ref {ref}]",
            context,
            queued_as="risk_note" if urgent else None,
        )

    def no_slots_alert(
        self, enquiry_id: int, person: Recipient, subject: str, step: str
    ) -> None:
        context = {
            **self._about(enquiry_id, person),
            "subject": compose.clean_header(subject),
            "horizon_days": self.settings.availability.horizon_days,
        }
        self._to_therapist(
            enquiry_id,
            "no_slots_alert",
            step,
            "A consultation request needs your answer",
            context,
            reply_to=person,
        )

    def approval_request(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot,
        first_message: str,
        round_: int,
        *,
        safety_note: str = "",
        pick: str = "",
        asks: bool = False,
        relayed: bool = False,
    ) -> None:
        """`asks`: their pick came with a question (in `pick`), for the
        therapist to answer themselves; `relayed`: someone else chose the
        time for them (in `pick`), for the therapist to check with them."""
        ref = self.approval_ref(enquiry_id, round_)
        who = compose.clean_header(person.name) or person.email
        short = self.short(slot.start_at)
        context = self._approval_context(
            enquiry_id,
            person,
            slot,
            first_message,
            round_,
            safety_note,
            pick,
            asks,
            relayed,
        )
        self._to_therapist(
            enquiry_id,
            "approval_request",
            f"approval:{round_}",
            f"Please approve: {who}, {short} [ref {ref}]",
            context,
        )

    def _approval_context(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot,
        first_message: str,
        round_: int,
        safety_note: str = "",
        pick: str = "",
        asks: bool = False,
        relayed: bool = False,
    ) -> dict[str, Any]:
        return {
            **self._about(enquiry_id, person),
            "when": self.practice_time(slot.start_at),
            "slot": self.slot_view(slot, person.zone),
            "quoted": quote(first_message),
            "pick": quote(pick),
            "asks": asks,
            "relayed": relayed,
            "safety_note": safety_note,
            "token": self.approval_ref(enquiry_id, round_),
            "therapist_email": self.settings.practice.therapist_email,
        }

    def move_request(
        self,
        enquiry_id: int,
        person: Recipient,
        booked: Slot,
        proposed: Slot,
        round_: int,
        *,
        comment: str = "",
    ) -> None:
        """The person's calendar proposed a new time: the therapist decides by
        reply, reading the words their calendar sent with it (`comment`)."""
        ref = self.approval_ref(enquiry_id, round_)
        who = compose.clean_header(person.name) or person.email
        context = {
            **self._about(enquiry_id, person),
            "when": self.practice_time(booked.start_at),
            "proposed": self.practice_time(proposed.start_at),
            "token": ref,
            "therapist_email": self.settings.practice.therapist_email,
            "comment": quote(comment) if comment else [],
        }
        self._to_therapist(
            enquiry_id,
            "move_request",
            f"approval:{round_}",
            f"Please approve a move: {who}, {self.short(proposed.start_at)} [ref {ref}]",
            context,
        )

    def kept(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slot: Slot,
        note: str,
        step: str,
        *,
        lapsed: bool = False,
    ) -> None:
        context = {
            **self._person_base(person),
            "slot": self.slot_view(slot, person.zone),
            "note": note,
            "lapsed": lapsed,
        }
        self._to_person(enquiry_id, "kept", step, person, thread, context)

    def still_suits(
        self, enquiry_id: int, person: Recipient, thread: Thread, slot: Slot, step: str
    ) -> None:
        """Their calendar declined an earlier version of the invitation: does
        the time that stands now still suit? (The booking is kept.)"""
        context = {
            **self._person_base(person),
            "slot": self.slot_view(slot, person.zone),
        }
        self._to_person(enquiry_id, "still_suits", step, person, thread, context)

    def approval_again(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot,
        round_: int,
        step: str,
        *,
        waiting: bool = False,
        until: datetime | None = None,
        move: bool = False,
        outside: Slot | None = None,
    ) -> None:
        ref = self.approval_ref(enquiry_id, round_)
        context = {
            **self._about(enquiry_id, person),
            "when": self.practice_time(slot.start_at),
            "token": ref,
            "waiting": waiting,
            "until": self.practice_time(until) if until else "",
            "move": move,
            "outside": self.practice_time(outside.start_at) if outside else "",
        }
        approval = self.approval_id(enquiry_id, round_)
        self._to_therapist(
            enquiry_id,
            "approval_again",
            step,
            f"Re: Please approve: {compose.clean_header(person.name) or person.email} [ref {ref}]",
            context,
            in_reply_to=approval,
        )

    def therapist_event(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot,
        step: str,
        sequence: int = 0,
        *,
        updated: bool = False,
        safety_note: str = "",
    ) -> None:
        phone = self.phone(person.phone)
        who = compose.clean_header(person.name) or person.email
        ring = (
            f"Video call with {who}: {self._room()}. Enquiry {enquiry_id}."
            if self._room()
            else f"Ring {who} on {phone or 'the number they send'}. Enquiry {enquiry_id}."
        )
        ics = self._event(
            "PUBLISH",
            enquiry_id,
            slot,
            sequence,
            None,
            summary=(f"Free video call: {who}" if self._room() else f"Free call: {who}")
            + (f", {phone}" if phone else ""),
            description=(f"SAFETY: {safety_note}\n\n" if safety_note else "") + ring,
        )
        when = self.practice_time(slot.start_at)
        context = {
            **self._about(enquiry_id, person),
            "safety_note": safety_note,
            "when": when,
            "moved": sequence > 0,
            "updated": updated,
        }
        title = "Updated" if updated else "Moved" if sequence else "Booked"
        self._to_calendar(
            enquiry_id, "move" if sequence and not updated else "put", sequence, ics
        )
        self._to_therapist(
            enquiry_id,
            "therapist_event",
            step,
            f"{title}: {who}, {self.short(slot.start_at)}",
            context,
            calendar=compose.CalendarPart("PUBLISH", ics, "call.ics"),
        )

    def therapist_alert(
        self,
        enquiry_id: int,
        person: Recipient,
        *,
        reason: str,
        when: datetime | None,
        proposed: datetime | None,
        step: str,
        replied_by: str = "",
        replied_name: str = "",
        reply: str = "",
        comment: str = "",
        others: tuple[Attendee, ...] = (),
    ) -> None:
        """`replied_by` … `comment`: a calendar's answer (who, what, their
        words); `others`: the other answers that answer carried."""
        name = compose.clean_header(replied_name, limit=100)
        context = {
            **self._about(enquiry_id, person),
            "reason": reason,
            "when": self.practice_time(when) if when else "",
            "proposed": self.practice_time(proposed) if proposed else "",
            "replied_by": f"{name} <{replied_by}>"
            if name and replied_by
            else name or replied_by,
            "reply": _CALENDAR_ANSWERS.get(reply, "answered"),
            "comment": quote(comment) if comment else [],
            "others": _others(others),
        }
        who = compose.clean_header(person.name) or person.email
        self._to_therapist(
            enquiry_id, "therapist_alert", step, f"Please look: {who}", context
        )

    def bounce_alert(
        self,
        enquiry_id: int,
        person: Recipient,
        *,
        reason: str,
        status: str | None,
    ) -> None:
        """Mail to the person bounced ("bounced") or was refused by the server
        ("refused"); one alert per enquiry, whatever comes back later."""
        context = {
            **self._about(enquiry_id, person),
            "reason": reason,
            "status": compose.clean_header(status or "", 100),
        }
        who = compose.clean_header(person.name) or person.email
        self._to_therapist(
            enquiry_id,
            "bounce_alert",
            "undeliverable",
            f"Could not reach {who} by email",
            context,
        )

    def alert_refused(
        self,
        enquiry_id: int | None,
        person_email: str,
        *,
        refused_id: int,
        form: bool,
        urgent: bool,
        written_at: datetime | None,
        status: str,
    ) -> str:
        """News of risk (outbox `refused_id`) the practice's server refused
        for good: a short note that carries none of the person's words, which
        a content filter most likely refused, and asks the therapist to read
        their mail in the inbox (`guard.after_refusal`). `form`: the refused
        alert was about mail through the website form (which came from the
        form service: `person_email` is then only the address typed in it);
        `urgent`: it was urgent, not a "Please
        read" note; `status` the server's answer, its codes alone kept.
        Wanted only while that news has not gone after all (it may yet, once
        a 5.7.x tested by this note turns out the account's:
        `guard.tested_by_its_note`). Queued once; its Message-ID."""
        code = _SMTP_CODE.search(status)
        context = {
            **self._base(),
            "enquiry_id": enquiry_id,
            "person_email": person_email,
            "form": form,
            "written_at": self.practice_time(written_at) if written_at else "",
            "status": code.group() if code else compose.clean_header(status, 100),
            # A filter's answer (5.7.x).
            "filtered": code is not None and code.group().split()[-1][:3] in _FILTERED,
        }
        return self._to_therapist(
            enquiry_id,
            "alert_refused",
            f"alert-refused:{refused_id}",
            ("Urgent: " if urgent else "Please read today: ")
            + "an alert could not reach you, please look in the practice inbox",
            context,
            expects={INSTEAD_OF: refused_id},
        )

    def alert_returned_id(
        self, enquiry_id: int | None, returned_id: int, *, again: int = 0
    ) -> str:
        """The Message-ID of the practice note about outbox `returned_id`
        (`again`: how many were given up before it)."""
        step = f"alert-returned:{returned_id}" + (f":again{again}" if again else "")
        return self.message_id(enquiry_id or 0, step)

    def alert_returned(
        self,
        enquiry_id: int | None,
        person_email: str,
        *,
        returned_id: int,
        form: bool,
        written_at: datetime,
        status: str,
        delayed: bool = False,
        again: int = 0,
    ) -> None:
        """News of risk (outbox `returned_id`) the therapist's mail system
        sent back after it went, or reports it cannot deliver yet (`delayed`:
        `guard.after_return`): a short note for the practice's own inbox, the
        one the therapist also reads, without the person's words, saying
        whose mail to read and that the therapist's address takes no mail.
        Queued once for that news (a delay's note stands for the failure
        that may follow; `again`: how many notes about it were given up,
        unfiled, before this one: `guard.practice_note`)."""
        practice = self.settings.practice
        code = _SMTP_CODE.search(status)
        draft = compose.Draft(
            kind="alert_returned",
            sender=practice.email,
            sender_name="mailflow",
            reply_to=None,
            to=practice.email,
            to_name=practice.name,
            subject="Urgent: an alert about someone at risk could not reach "
            + practice.therapist_email,
            message_id=self.alert_returned_id(enquiry_id, returned_id, again=again),
            context={
                **self._base(),
                "enquiry_id": enquiry_id,
                "person_email": person_email,
                "form": form,
                "written_at": self.practice_time(written_at),
                "status": code.group() if code else compose.clean_header(status, 100),
                "therapist_email": practice.therapist_email,
                "delayed": delayed,
            },
            auto_reply=False,
        )
        self._enqueue(enquiry_id, draft, needs_copy=False)

    def sending_paused(self, count: int, day: str) -> None:
        """The circuit breaker tripped: at most one alert a day."""
        self._daily_note(
            "sending_paused",
            day,
            "mailflow has paused sending for a while",
            {
                "count": count,
                "per_hour": self.settings.limits.per_hour,
                "urgent_per_hour": guard.URGENT_PER_HOUR,
            },
        )

    def _daily_note(
        self, kind: str, day: str, subject: str, context: dict[str, Any]
    ) -> None:
        """A note to the therapist about the practice, not one enquiry; at most
        one of a kind a day (its Message-ID is the kind and the date)."""
        self._to_therapist(
            None, kind, f"{kind}:{day}", subject, {**self._base(), **context}
        )

    # -- queueing -----------------------------------------------------------------

    def _to_calendar(
        self, enquiry_id: int, action: str, sequence: int, ics: bytes | None
    ) -> None:
        """With [caldav] set, the therapist's own calendar gets what their emailed
        copy says (same UID and SEQUENCE), queued with the booking change and
        written after the mail has gone (`shell.caldav_sync`)."""
        if not self.settings.caldav.enabled:
            return
        self.store.queue_calendar(
            enquiry_id=enquiry_id,
            uid=f"therapist-{self.event_uid(enquiry_id)}",
            action=action,
            sequence=sequence,
            ics=None if ics is None else stored_event.stored_event(ics),
            now=self.now,
        )

    def _to_person(
        self,
        enquiry_id: int,
        kind: str,
        step: str,
        person: Recipient,
        thread: Thread,
        context: dict[str, Any],
        calendar: compose.CalendarPart | None = None,
        expects: dict[str, object] | None = None,
    ) -> None:
        practice = self.settings.practice
        draft = compose.Draft(
            kind=kind,
            sender=practice.email,
            sender_name=f"{practice.therapist_name}, {practice.name}",
            to=person.email,
            to_name=person.name,
            subject=compose.reply_subject(
                thread.subject,
                compose.SAFETY_SUBJECT
                if kind == "safety"
                else compose.fresh_subject(self.settings.availability.slot_minutes),
            ),
            message_id=self.message_id(enquiry_id, step),
            context=context,
            in_reply_to=thread.in_reply_to,
            references=thread.references,
            calendar=calendar,
        )
        self._enqueue(
            enquiry_id,
            draft,
            needs_copy=not self.settings.imap.files_sent_mail_itself,
            expects=expects,
        )
        # Later letters thread onto this one; a list of times is the list a
        # numbered answer refers to.
        self.store.note_thread(
            enquiry_id,
            self.now,
            last_message_id=draft.message_id,
            last_references=(*thread.references, draft.message_id)[-20:],
            offers_message_id=draft.message_id if kind in LISTS_TIMES else None,
        )

    def _to_therapist(
        self,
        enquiry_id: int | None,
        kind: str,
        step: str,
        subject: str,
        context: dict[str, Any],
        *,
        in_reply_to: str | None = None,
        calendar: compose.CalendarPart | None = None,
        reply_to: Recipient | None = None,
        queued_as: str | None = None,
        expects: dict[str, object] | None = None,
    ) -> str:
        """`queued_as`: the outbox's kind for it, where not its letter's;
        `expects`: what must still hold when it goes (`Outbox._still_wanted`).
        Its Message-ID."""
        practice = self.settings.practice
        draft = compose.Draft(
            kind=kind,
            sender=practice.email,
            sender_name="mailflow",
            reply_to=(reply_to.name, reply_to.email) if reply_to else None,
            to=practice.therapist_email,
            to_name=practice.therapist_name,
            subject=subject,
            message_id=self.message_id(enquiry_id or 0, step),
            context=context,
            in_reply_to=in_reply_to,
            references=(in_reply_to,) if in_reply_to else (),
            auto_reply=False,
            calendar=calendar,
        )
        self._enqueue(
            enquiry_id, draft, needs_copy=False, queued_as=queued_as, expects=expects
        )
        return draft.message_id

    def _enqueue(
        self,
        enquiry_id: int | None,
        draft: compose.Draft,
        *,
        needs_copy: bool,
        expects: dict[str, object] | None = None,
        queued_as: str | None = None,
    ) -> None:
        raw = compose.build(draft, self.now, self.settings.templates.directory)
        if enquiry_id is not None:
            self.store.add_thread_ids(enquiry_id, {draft.message_id})
        queued = self.store.queue(
            message_id=draft.message_id,
            enquiry_id=enquiry_id,
            kind=queued_as or draft.kind,
            sender=draft.sender,
            recipients=(draft.to,),
            raw=raw,
            needs_copy=needs_copy,
            now=self.now,
            expects=expects,
        )
        if not queued:
            # Its Message-ID was queued before: by design for once-only notes
            # (a daily note, a once-per-feed alert); elsewhere a sign of two
            # letters sharing an identity, so it is said, by kind alone.
            _log.info(
                "enquiry %s: a %s letter was already queued under its Message-ID",
                enquiry_id,
                draft.kind,
            )


_RISK_REASONS = frozenset({"possible-risk", "unsure-risk", "risk-words"})
_WEIGHED_WARNED: Final = "Nobody else will answer them"
"""Words only the note's branch for a weighed writer sent the safety message
has (`Letters.note_tells_weighed`)."""
_UNSURE_SUBJECTS: Final = {
    **dict.fromkeys(_RISK_REASONS, "Please read"),
    "referral": "A referral?",
    "care-danger": "Urgent, someone in their care may be in danger",
    "care-risk": "Please read, someone in their care may be at risk",
    "care-weighed": "Please read, it may tell of someone at risk",
    "own-danger": "Urgent, they may be in danger themselves",
}
"""The unsure note's subject by why it was not answered: "Please read" for
words near risk, "A referral?" for a professional writing about someone in
their care, "Urgent, ..." for one telling of that person's danger now,
"Please read, ..." for one with words of their clear risk not told as now,
"Not sure" for the rest."""

_CALENDAR_ANSWERS = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "said maybe",
    "DELEGATED": "delegated it",
    "NEEDS-ACTION": "answered without accepting or declining",
    "COUNTER": "proposed a new time",
}
"""A calendar's PARTSTAT (or method) as the therapist reads it."""

MAX_OTHERS_SHOWN: Final = 5
"""Other answers named in one line; the rest are counted."""


def _others(others: tuple[Attendee, ...]) -> str:
    """Other people's answers carried in the person's calendar reply, as one
    short line: "Alex Lee <alex@example.org> declined"."""
    said = []
    for attendee in others[:MAX_OTHERS_SHOWN]:
        name = compose.clean_header(attendee.name, limit=100)
        address = attendee.address or "an address their calendar did not give"
        who = f"{name} <{address}>" if name and attendee.address else name or address
        said.append(f"{who} {_CALENDAR_ANSWERS.get(attendee.partstat, 'answered')}")
    if len(others) > MAX_OTHERS_SHOWN:
        said.append(f"{len(others) - MAX_OTHERS_SHOWN} more answered")
    return "; ".join(said)


def quote(text: str) -> list[str]:
    return text.strip().splitlines()[:QUOTE_LINES]


def describe_preference(preference: Preference) -> str:
    """'in the mornings' / 'after 17:00' for the 'other times' letter, or ''."""
    parts = {
        DayPart.MORNING: "mornings",
        DayPart.AFTERNOON: "afternoons",
        DayPart.EVENING: "evenings",
    }
    words = [
        parts[p]
        for p in (DayPart.MORNING, DayPart.AFTERNOON, DayPart.EVENING)
        if p in preference.day_parts
    ]
    if words:
        return "in the " + " and ".join(words)
    if preference.earliest is not None:
        return f"from {preference.earliest:%H:%M}"
    if preference.latest is not None:
        return f"before {preference.latest:%H:%M}"
    return ""


def readable_phone(phone: str | None, country: str) -> str | None:
    """E.164 shown the way people write it where the practice is."""
    if phone is None:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return phone
    home = number.country_code == phonenumbers.country_code_for_region(country)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def person_zone_from_minutes(
    minutes: int | None, seen: datetime | None = None
) -> tzinfo | None:
    """The person's stored offset; seen (when they first wrote, `created_at`),
    times are shown in it only where it surely holds (`seen_offset`)."""
    if minutes is None or seen is None:
        return timing.fixed_zone(minutes)
    return SeenOffset(timedelta(minutes=minutes), seen)


class AfterCallLetters(Letters):
    """Letters of the booked call's life: reminder, follow-up, cancellation."""

    def reminder(
        self, enquiry_id: int, person: Recipient, thread: Thread, slot: Slot, step: str
    ) -> None:
        context = {
            **self._person_base(person),
            "slot": self.slot_view(slot, person.zone),
        }
        self._to_person(
            enquiry_id,
            "reminder",
            step,
            person,
            thread,
            context,
            expects={
                "state": ["booked", "rescheduling"],
                "start_at": slot.start_at.isoformat(),
            },
        )

    def followup(
        self, enquiry_id: int, person: Recipient, thread: Thread, slot: Slot, step: str
    ) -> None:
        zone = person.zone or ZoneInfo(self.settings.practice.timezone)
        when = compose.since_call(slot.start_at, self.now, zone)
        context = {**self._person_base(person), "when": when}
        self._to_person(
            enquiry_id,
            "followup",
            step,
            person,
            thread,
            context,
            expects={"state": "followed_up"},
        )

    def followup_nudge(
        self, enquiry_id: int, person: Recipient, thread: Thread, step: str
    ) -> None:
        self._to_person(
            enquiry_id,
            "followup_nudge",
            step,
            person,
            thread,
            self._person_base(person),
            expects={"state": "followed_up"},
        )

    def after_answer(
        self, enquiry_id: int, person: Recipient, thread: Thread, answer: str, step: str
    ) -> None:
        context = {**self._person_base(person), "answer": answer}
        self._to_person(enquiry_id, "after_answer", step, person, thread, context)

    def followup_answer(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot | None,
        answer: str,
        words: str,
        step: str,
    ) -> None:
        who = compose.clean_header(person.name) or person.email
        context = {
            **self._about(enquiry_id, person),
            "answer": answer,
            "when": self.practice_time(slot.start_at) if slot else "(not recorded)",
            "quoted": quote(words),
        }
        subject = {
            "yes": f"{who} would like to start",
            "not_now": f"{who} would like to wait for now",
            "no": f"{who} has decided not to continue",
        }.get(answer, f"{who} replied after the call")
        self._to_therapist(enquiry_id, "followup_answer", step, subject, context)

    def cancelled(
        self,
        enquiry_id: int,
        person: Recipient,
        thread: Thread,
        slot: Slot | None,
        *,
        by: str,
        note: str,
        sequence: int,
        step: str,
    ) -> None:
        """The person hears of a cancellation; a booked call's invitation is
        withdrawn. No safety closing: the practice's message ("I ... will be
        in touch") would promise what no longer comes."""
        practice = self.settings.practice
        part = None
        if slot is not None:
            ics = self._event(
                "CANCEL",
                enquiry_id,
                slot,
                sequence,
                person,
                summary=f"Cancelled: {self._call_title()} with {practice.therapist_name}",
                description="This call has been cancelled.",
            )
            part = compose.CalendarPart("CANCEL", ics)
        context = {
            **self._person_base(person),
            "slot": self.slot_view(slot, person.zone) if slot else None,
            "by": by,
            "note": note,
            "calendar": part is not None,
        }
        self._to_person(
            enquiry_id, "cancelled", step, person, thread, context, calendar=part
        )

    def cancel_notice(
        self,
        enquiry_id: int,
        person: Recipient,
        slot: Slot,
        *,
        by: str,
        note: str,
        sequence: int,
        step: str,
        words: str = "",
        others: tuple[Attendee, ...] = (),
    ) -> None:
        """The therapist hears of it; their own copy of the event is cancelled too.

        `words`: the person's own reply when they cancelled by email, quoted;
        `others`: the other answers their calendar's decline carried.
        """
        who = compose.clean_header(person.name) or person.email
        ics = self._event(
            "CANCEL",
            enquiry_id,
            slot,
            sequence,
            None,
            summary=f"Cancelled: free call with {who}",
            description="Cancelled.",
        )
        self._to_calendar(enquiry_id, "delete", sequence, None)
        context = {
            **self._about(enquiry_id, person),
            "when": self.practice_time(slot.start_at),
            "by": by,
            "note": note,
            "event": True,
            "quoted": quote(words) if words else [],
            "others": _others(others),
        }
        self._to_therapist(
            enquiry_id,
            "cancel_notice",
            step,
            f"Cancelled: {who}, {self.short(slot.start_at)}",
            context,
            calendar=compose.CalendarPart("CANCEL", ics, "call.ics"),
        )

    def withdrawn_notice(self, enquiry_id: int, person: Recipient, step: str) -> None:
        who = compose.clean_header(person.name) or person.email
        context = {
            **self._about(enquiry_id, person),
            "reason": "withdrawn",
            "when": "",
            "proposed": "",
            "replied_by": "",
            "reply": "",
            "comment": [],
            "others": "",
        }
        self._to_therapist(
            enquiry_id, "therapist_alert", step, f"Withdrawn: {who}", context
        )

    def calendar_alert(self, reason: str, day: str) -> None:
        """The busy calendar cannot be read and no good copy is left: requests
        wait. At most one a day."""
        self._daily_note(
            "calendar_alert",
            day,
            "Your calendar cannot be read: new requests are waiting",
            {"reason": reason},
        )

    def caldav_alert(self, reason: str, since: str, waiting: int) -> None:
        """Bookings have not reached the therapist's calendar for a day: once per
        spell of failing (its Message-ID is the moment the spell began)."""
        self._daily_note(
            "caldav_alert",
            since,
            "Your calendar is not getting your bookings",
            {"reason": reason, "waiting": waiting},
        )

    def calendar_skipped(self, feed: FeedRead) -> None:
        """Events of a busy calendar that could not be read (or only partly):
        once per calendar and set of such events (the Message-ID hashes both)."""
        events = [
            {"summary": s.summary, "day": s.day, "what": s.what}
            for s in feed.read.skipped[:MAX_SKIPPED_SHOWN]
        ]
        more = max(0, len(feed.read.skipped) - MAX_SKIPPED_SHOWN)
        # Keyed by what was skipped, not by the bytes: Google stamps DTSTAMP
        # with the time of each fetch, so its bytes change on every read.
        skipped_key = hashlib.sha256(
            repr([(s.summary, s.day, s.what) for s in feed.read.skipped]).encode()
        ).hexdigest()
        self._to_therapist(
            None,
            "calendar_skipped",
            f"calendar_skipped:{feed.key[:16]}:{skipped_key[:16]}",
            "Some events in your calendar could not be read",
            {
                **self._base(),
                "feed_name": repr(feed.name),
                "events": events,
                "more": more,
            },
        )

    def digest(self, context: dict[str, Any], day: str, title: str) -> None:
        """The therapist's daily summary; one per local date (`day`, ISO)."""
        self._daily_note("digest", day, f"Your day: {title}", context)


def _possible_title(answered: str, weighed: bool) -> str:
    """The subject of an alert of possible risk: what the therapist is to do
    (read, approve, or answer it themselves) and of what (a request or a
    reply), hedged where only the risk words weighed it."""
    who = "may be from someone at risk" if weighed else "mentions risk or safety"
    if answered == "calendar":
        return f"Please answer yourself: a request {who}"
    if answered in ("thread", "closed"):
        # Their own, or someone else's they tell of: the words do not say.
        told = "may tell of someone at risk" if weighed else who
        return f"Please read: a reply {told}"
    if answered == "calendar-wait":
        return f"Please read: a reply {who}"
    if answered == "booking":
        about = "perhaps at risk" if weighed else "about risk or safety"
        return f"Please read: someone booking a call wrote again, {about}"
    if weighed and answered == "conversation":
        return f"Please read: a reply {who}"
    if answered == "nothing":
        return f"Please read: a request {who}"
    return f"Please read before approving: a request {who}"
