"""Plain data shared by the pure core and the shell. No I/O.

Glossary (used everywhere in mailflow):
- *mail*: one RFC 5322 message.
- *key*: where a mail sits on the server, (UIDVALIDITY, UID) in the polled folder.
- *enquiry*: one workflow instance (one person, one conversation); *thread*
  means only the email thread.
- *slot*: a start/end pair a call could take; *hold*: a slot reserved for an
  enquiry while it waits for approval; *booking*: a confirmed call.
- *signal*: a workflow input. *event* means only a VEVENT.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, Literal


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of time [start_at, end_at), both aware."""

    start_at: datetime
    end_at: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start_at < other.end_at and other.start_at < self.end_at


@dataclass(frozen=True, slots=True)
class Slot:
    """A time a call could take; aware datetimes (stored and compared in UTC)."""

    start_at: datetime
    end_at: datetime


class DayPart(StrEnum):
    MORNING = "morning"  # before 12:00
    AFTERNOON = "afternoon"  # 12:00-17:00
    EVENING = "evening"  # from 17:00


@dataclass(frozen=True, slots=True)
class Preference:
    """What the person said about when suits them, in the practice zone.

    Empty fields mean "no preference". `earliest`/`latest` bound the start time
    of a call ("after 5" -> earliest=17:00); `weekdays` uses Monday=0.
    """

    weekdays: frozenset[int] = frozenset()
    day_parts: frozenset[DayPart] = frozenset()
    earliest: time | None = None
    latest: time | None = None
    not_before: date | None = None  # "I'm away that week": nothing before this day
    not_on: frozenset[date] = frozenset()  # "not tomorrow": never these days

    @property
    def is_empty(self) -> bool:
        return not (
            self.weekdays
            or self.day_parts
            or self.earliest
            or self.latest
            or self.not_before
            or self.not_on
        )


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One parsed mail: only what mailflow needs, decoded and bounded.

    Addresses are lower-cased bare addresses. `headers` keeps the headers the
    classifier reads, with lower-cased names (first occurrence wins).
    `text` is the readable body (text/plain, or HTML turned into text).
    """

    message_id: str | None
    subject: str
    from_addr: str | None
    from_name: str
    from_ambiguous: bool = False  # two Froms, two addresses, or an address as name
    reply_to: tuple[str, ...] = ()
    reply_to_name: str = ""  # display name of the first Reply-To address
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    date_at: datetime | None = None
    sender_offset: timedelta | None = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    html_only: bool = False
    calendar_method: str | None = None
    has_calendar: bool = False
    calendar_words: str = ""  # a calendar part's SUMMARY, DESCRIPTION, COMMENT
    is_report: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    """Who to answer, as extracted from a request."""

    email: str
    name: str
    phone: str | None  # E.164, e.g. "+447700900123"
    preference: Preference = Preference()


class Verdict(StrEnum):
    """What the classifier decided about a new mail."""

    REQUEST = "request"  # answer it with an offer (or the safety message)
    IGNORE = "ignore"  # not ours: leave it exactly as it is
    ASK = "ask"  # cannot place it: leave it, and ask the therapist in one short note
    CRISIS = "crisis"  # asks for nothing but speaks of risk: the therapist at once


@dataclass(frozen=True, slots=True)
class FormAlert:
    """A website form at risk that names nobody mailflow may write to (no
    address, a form service the practice has not named, or its own address):
    how urgent the therapist's alert is, and what the form says of how they
    could reach the person by hand (`classify._form_alone`)."""

    level: Literal["clear", "possible", "weighed"]
    """Clear risk; words that may tell of danger now; or no phrase of risk,
    only the risk words (read it today)."""
    name: str
    phone: str | None  # E.164
    typed_email: str | None
    """An address typed into a form mailflow may not answer (#14): shown to
    the therapist as typed, never written to by mailflow."""
    sent_by: Literal["service", "unnamed", "practice"]
    """Who sent the notification: a form service the practice named
    (`requests.form_senders`), a sender it did not name, or the practice's
    own address (its website's mailer signed in to its mailbox)."""


@dataclass(frozen=True, slots=True)
class Classification:
    verdict: Verdict
    reason: str  # short, PII-free, for logs ("auto-submitted", "no-intent", ...)
    person: Person | None = None
    risk: str = "none"  # screen.Risk: "none" | "possible" | "clear"
    safety_note: str = ""  # the person's own words on how (not) to reach them
    existing: bool = False  # someone the practice already writes to
    diary_doubt: bool = False
    """Clear risk only in words also said of a diary ("not sure I'll be
    around next Tuesday"): the safety letter asks (`diary_doubt.asks`)."""
    danger_now: bool = False
    """Words of danger told now (`screen.Screening.danger_now`): the
    therapist's alert is urgent whatever the risk's level."""
    form_alert: FormAlert | None = None
    """A form naming nobody to write to, at risk (CRISIS, no `person`): the
    therapist alone is alerted, with this."""
    weighed: bool = False
    """Possible risk heard by the risk words alone, no phrase: a request they
    weigh a little like a crisis's (`classify.ALERT_CHANCE`), answered with
    times and an alert that says so."""
    relayed: bool = False
    """Its words reached the practice through a website form or a forward,
    not as the writer's own mail to it."""
    addressed: bool = True
    """The practice's or the therapist's address is among its To and Cc (not
    Bcc'd, nor another's mail: spam is often sent to someone else)."""

    @property
    def crisis(self) -> bool:
        """Clear risk: the safety message instead of times."""
        return self.risk == "clear"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening hours in the practice zone: weekday (Monday=0) -> spans."""

    spans: dict[int, tuple[tuple[time, time], ...]]


@dataclass(frozen=True, slots=True)
class AvailabilityRules:
    """Everything the availability engine needs, already validated."""

    zone_name: str
    hours: WeeklyHours
    slot: timedelta = timedelta(minutes=15)
    buffer: timedelta = timedelta(minutes=10)
    start_every: timedelta = timedelta(minutes=15)  # calls start on this clock grid
    min_notice: timedelta = timedelta(hours=24)
    horizon: timedelta = timedelta(days=14)
    max_calls_per_day: int = 3
    blocked_on: frozenset[date] = frozenset()


class ReplyKind(StrEnum):
    """What the person's reply to an offer says."""

    PICK = "pick"  # chose one of the offered slots (`choice`)
    NONE_FIT = "none-fit"  # none of these; maybe with a new `preference`
    CANCEL = "cancel"  # "I need to cancel", "please cancel"
    RESCHEDULE = "reschedule"  # "can we move it?", "I can't make Tuesday"
    UNCLEAR = "unclear"  # ambiguous: ask once, never guess
    OTHER = "other"  # nothing about times (a thank-you, a question)


@dataclass(frozen=True, slots=True)
class PersonReply:
    kind: ReplyKind
    choice: int | None = None  # 1-based number of the offered slot
    preference: Preference = Preference()
    phone: str | None = None  # E.164, when given in passing
    yes: bool = False  # a plain yes ("yes please"): to "reply and I'll send new times"
    empty: bool = False  # no words of their own at all (only a quote)
    only_phone: bool = False  # nothing but a phone number ("my mobile: 07700 900123")
    only_thanks: bool = (
        False  # nothing but thanks or a farewell ("Thank you, all the best")
    )
    declines: bool = False  # "don't worry about rebooking", "I'll give it a miss"
    # A question beside a pick ("Option 2 please. What's your cancellation
    # policy?"): the pick waits for the therapist, who answers it.
    asks: bool = False
    # Someone else chose for them ("I'm replying for my mum, she'd like the
    # Wednesday one"): the pick waits for the therapist, who is told so.
    relayed: bool = False


class Decision(StrEnum):
    """What the therapist's reply to an approval request says."""

    APPROVE = "approve"
    DECLINE = "decline"
    PROPOSE = "propose"  # another time instead ("could we do Thursday at 2?")
    CANCEL = "cancel"  # cancel a booked call
    NO_SHOW = "no-show"
    OFFER = "offer"  # send the person times (a first mail mailflow was unsure of)
    PRIVATE = "private"  # about the person, or "I'll write to them myself": stand down
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class WallTime:
    """A time the therapist named, in the practice zone, not yet resolved to a date.

    `on` is an explicit date; otherwise `weekday` (Monday=0) means the next such
    day; with neither ("how about 11?") it means the day already under discussion.
    `at` is the local start time.
    """

    at: time
    weekday: int | None = None
    on: date | None = None


@dataclass(frozen=True, slots=True)
class TherapistReply:
    decision: Decision
    note: str = ""  # words for the person, quoted as written
    proposed: WallTime | None = None
    # UNCLEAR with words of cancelling not plainly an order ("cancel?", "I'll
    # cancel it later", "cancel the reminder"): the therapist is asked.
    cancel_asked: bool = False
    # APPROVE that carried words for them ("yes - tell her: ..."): not passed
    # on; the therapist is told.
    words_unsent: bool = False
    # CANCEL beside words about the person or the therapist taking it on
    # ("cancel it - I'll contact Jo directly"): never passed on, and before a
    # booking mailflow stands down rather than offer other times.
    private: bool = False


@dataclass(frozen=True, slots=True)
class Attendee:
    """One ATTENDEE of a calendar message, as read."""

    address: str | None  # bare lower-cased address (mailto: gone), None when unreadable
    partstat: str  # upper-cased; NEEDS-ACTION when absent
    name: str = ""  # CN, one clean bounded line


@dataclass(frozen=True, slots=True)
class CalendarMessage:
    """An iTIP message found in a mail (RFC 5546): a REPLY, COUNTER, REQUEST...

    As read, `attendee` and `partstat` are the replier as the calendar shows it
    (the first ATTENDEE, not the organiser, that answered; else the first).
    `for_person` matches it to the booked person: then they are that person's
    answer when `from_person`, and `stale` says it answers an older version.
    """

    method: str
    uid: str
    sequence: int
    partstat: str | None = None  # ACCEPTED / TENTATIVE / DECLINED for a REPLY
    attendee: str | None = None  # bare lower-cased address
    start_at: datetime | None = None  # proposed times of a COUNTER
    end_at: datetime | None = None
    attendees: tuple[Attendee, ...] = ()  # every ATTENDEE, in order
    comment: str = ""  # COMMENT: the replier's words, bounded; for the therapist only
    from_person: bool = False  # matched: the booked person's own answer
    stale: bool = False  # matched: answers an older SEQUENCE than the booking's
    organizer: str | None = None  # ORGANIZER's bare lower-cased address, if given
    others: tuple[Attendee, ...] = ()  # matched: the others' answers in their REPLY

    @property
    def replier_name(self) -> str:
        """The CN of the replier as read, when the calendar gave one."""
        return next((a.name for a in self.attendees if a.address == self.attendee), "")

    def for_person(
        self, email: str, sequence: int, *, organizer: str = ""
    ) -> CalendarMessage:
        """This message matched to the booked person (`email`) and booking
        (`sequence`). Their ATTENDEE decides, in any position, the address
        compared case-insensitively and otherwise as is (``a+b@x`` is not
        ``a@x``). An entry of theirs still NEEDS-ACTION beside someone else's
        answer is someone else's reply (a forwarded invitation); a message
        without their ATTENDEE is never theirs. `organizer`: the practice's own
        address, whose entry (Exchange lists it) is no one's answer."""
        wanted = email.strip().lower()
        mine = next((a for a in self.attendees if a.address == wanted), None)
        answered = self.partstat not in {None, "NEEDS-ACTION"}
        theirs = mine is not None and (
            mine.partstat != "NEEDS-ACTION" or not answered or self.attendee == wanted
        )
        stale = self.sequence < sequence
        if mine is None or not theirs:
            return replace(self, from_person=False, stale=stale)
        partstat = mine.partstat if self.method == "REPLY" else self.partstat
        # A REPLY from the person that also carries a partner's answer (a
        # calendar that lists the whole invitation): theirs decides, the
        # others' are only told (the organiser's own entry is no answer).
        others = tuple(
            a
            for a in self.attendees
            if self.method == "REPLY"
            and a.address not in {wanted, self.organizer, organizer.strip().lower()}
            and a.partstat != "NEEDS-ACTION"
        )
        return replace(
            self,
            attendee=wanted,
            partstat=partstat,
            from_person=True,
            stale=stale,
            others=others,
        )


class State(StrEnum):
    """Where an enquiry stands; stored by value."""

    OFFERED = "offered"  # times sent, waiting for the person's pick
    HELD = "held"  # a slot held, waiting for the therapist's approval
    BOOKED = "booked"  # confirmed; invitation sent
    RESCHEDULING = "rescheduling"  # booked, and new times offered to move it
    FOLLOWED_UP = "followed_up"  # the call happened; asked whether to start
    CANCELLED = "cancelled"  # the call was cancelled (a reply can reopen)
    ESCALATED = "escalated"  # crisis: the therapist's alone from now on
    ASKED = "asked"  # a first mail mailflow could not place: the therapist was asked
    STOOD_DOWN = "stood_down"  # a human answered by hand, or nothing to offer
    CLOSED = "closed"


OPEN_STATES = frozenset(
    {State.OFFERED, State.HELD, State.BOOKED, State.RESCHEDULING, State.FOLLOWED_UP}
)
"""States with a conversation under way: timers run, a hold may be kept."""

HUMAN_STATES = frozenset({State.ESCALATED, State.STOOD_DOWN})
"""The therapist's alone: mailflow writes nothing more to the person."""


class ClosedReason(StrEnum):
    """Why an enquiry closed (or stood down); decides what a late reply does."""

    SILENT = "silent"  # no answer to the follow-up, nudged once
    EXPIRED = "expired"  # an offer never taken
    WITHDRAWN = "withdrawn"  # the person withdrew before booking
    WANTS_TO_START = "wants-to-start"
    NOT_NOW = "not-now"
    NO = "no"
    THERAPIST_CANCELLED = "therapist-cancelled"  # invited to reply for new times
    UNDELIVERABLE = "undeliverable"  # our letters bounce
    ALERTED = "alerted"  # mail left alone; the therapist alerted to its words


STILL_LISTENING = frozenset(
    {
        ClosedReason.EXPIRED,
        ClosedReason.SILENT,
        ClosedReason.WITHDRAWN,
        ClosedReason.NOT_NOW,
    }
)
"""Closed by the clock, a withdrawal or a "not now", not a goodbye: a late
reply still reopens the offer or answers the follow-up. "Not now" was told
"whenever you feel ready, just reply": that reply is read (and screened)."""


@dataclass(frozen=True, slots=True)
class Enquiry:
    """One enquiry's record, as the store keeps it."""

    id: int
    state: State
    email: str
    name: str
    phone: str | None
    subject: str
    request_message_id: str | None
    crisis: bool
    created_at: datetime
    sender_offset_minutes: int | None
    first_message: str | None
    last_message_id: str | None
    last_references: tuple[str, ...]
    clarified: bool
    approval_round: int
    preapproved_start_at: datetime | None
    counter_start_at: datetime | None
    offered_at: datetime | None
    nudged_at: datetime | None
    reminded_at: datetime | None
    followed_up_at: datetime | None
    followup_nudged_at: datetime | None
    closed_reason: ClosedReason | None
    updated_at: datetime
    hold_reminded_at: datetime | None = None
    move_asked_at: datetime | None = None  # the therapist asked to approve a move
    offers_message_id: str | None = None  # the letter that listed the current times
    risk: str = "none"  # screen.Risk of the first mail: none | possible | clear
    safety_note: str | None = None  # how (not) to reach them, in their words
    closed_at: datetime | None = None  # ended (a late reply may still reopen it)
    # when the first mail's Date header was written: its offset is judged from then
    sender_seen_at: datetime | None = None
    # a question beside a pick reached the therapist: every later pick waits
    # for them (`decide.question_reached_therapist`)
    asked: bool = False

    @property
    def offset_seen_at(self) -> datetime:
        """When their offset was seen: the first mail's Date, else when it came."""
        return self.sender_seen_at or self.created_at


KNOWN_FORM_SENDERS: Final[tuple[str, ...]] = (
    "formresponses@netlify.com",
    "@squarespace.info",
    "@formspree.io",
    "@jotform.com",
    "@wufoo.com",
    "@typeform.com",
    "@tally.so",
    "@123formbuilder.com",
    "no-reply-forms@webflow.com",
    "forms-noreply@google.com",
)
"""The notification senders of the common website form services: the default
of `requests.form_senders`. Mail typed by hand with "Name:" and "Email:" lines
is never a form: a form answers the address in its body, which must not be
anyone's to choose (a stranger would make the practice write to a victim)."""


def mailbox_of(address: str) -> str:
    """The mailbox an address reaches, for counting: case folded and any
    "+tag" dropped, so victim+1@ ... victim+8@ count as one (#14)."""
    local, at, domain = address.strip().casefold().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"
