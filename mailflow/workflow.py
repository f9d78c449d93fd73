"""The enquiry state machine: (state, signal, facts) -> (new state, commands). Pure.

Transition table (anything not listed changes nothing and sends nothing):

    offered  + person picks a free slot       -> held     hold, ask approval, thank them
                                                  (booked at once when approval is auto
                                                  or the therapist proposed that slot)
    offered  + person picks a taken slot      -> offered  fresh offer with an apology
    offered  + "none of these" / preference   -> offered  fresh offer honouring it
    offered  + unclear (first time)           -> offered  one short clarifying question
    held     + person picks again / none fit  -> as from offered, old hold released
    held     + therapist approves, slot free  -> booked   confirm with invitation
    held     + therapist approves, slot taken -> offered  fresh offer with an apology
    held     + therapist declines (+ note)    -> offered  fresh offer with the note
    held     + therapist proposes a time      -> offered  that one time, pre-approved
    held     + therapist unclear              -> held     ask the therapist again
    booked   + calendar REPLY DECLINED        -> booked   therapist alerted
    booked   + calendar COUNTER (new time)    -> booked   therapist asked to approve the move
    booked   + therapist approves the move    -> booked   moved; updated invitation (SEQUENCE+1)
    booked   + therapist declines the move    -> booked   the person hears it stays (+ note)

`facts` carries what the shell looked up (which slots are free now), so the
decision itself never touches the store or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mailflow.model import (
    CalendarMessage,
    Decision,
    PersonReply,
    ReplyKind,
    Slot,
    TherapistReply,
)


class State(StrEnum):
    OFFERED = "offered"  # times sent, waiting for the person's pick
    HELD = "held"  # a slot held, waiting for the therapist's approval
    BOOKED = "booked"  # confirmed; invitation sent
    ESCALATED = "escalated"  # crisis: the therapist's alone from now on
    STOOD_DOWN = "stood_down"  # a human answered by hand, or nothing to offer
    CLOSED = "closed"


OPEN_STATES = frozenset({State.OFFERED, State.HELD, State.BOOKED})


class OfferReason(StrEnum):
    MORE = "more"  # "none of these": a fresh set, honouring any new preference
    TAKEN = "taken"  # the picked time went meanwhile: apologise
    DECLINED = "declined"  # the therapist could not make it (maybe with a note)
    PROPOSED = "proposed"  # the therapist suggested this one time instead


@dataclass(frozen=True, slots=True)
class Facts:
    """What the shell knows when a signal arrives."""

    approval: str  # "therapist" | "auto"
    offered: tuple[Slot, ...] = ()
    held: Slot | None = None
    free: frozenset[Slot] = frozenset()  # free now, counting every hold but this one's
    preapproved: Slot | None = None  # a time the therapist proposed
    clarified: bool = False  # one clarifying question already asked
    proposed: Slot | None = None  # the therapist's WallTime, resolved by the shell
    counter: Slot | None = None  # a new time the person's calendar proposed


# -- commands: what the shell must do, in order -----------------------------------


@dataclass(frozen=True, slots=True)
class Hold:
    slot: Slot


@dataclass(frozen=True, slots=True)
class Release:
    pass


@dataclass(frozen=True, slots=True)
class Book:
    slot: Slot


@dataclass(frozen=True, slots=True)
class AskApproval:
    slot: Slot


@dataclass(frozen=True, slots=True)
class AskToMove:
    """Ask the therapist to approve moving a booked call (an iTIP COUNTER)."""

    slot: Slot


@dataclass(frozen=True, slots=True)
class Move:
    """Move the booking; the invitation is re-sent with SEQUENCE + 1."""

    slot: Slot


@dataclass(frozen=True, slots=True)
class KeepBooking:
    """Tell the person the call stays where it was."""

    note: str = ""


@dataclass(frozen=True, slots=True)
class ThankForPick:
    slot: Slot


@dataclass(frozen=True, slots=True)
class Confirm:
    slot: Slot


@dataclass(frozen=True, slots=True)
class Offer:
    reason: OfferReason
    note: str = ""
    only: Slot | None = None  # a single proposed time instead of a fresh set


@dataclass(frozen=True, slots=True)
class Clarify:
    pass


@dataclass(frozen=True, slots=True)
class AskTherapistAgain:
    pass


@dataclass(frozen=True, slots=True)
class AlertTherapist:
    reason: str  # "calendar-declined" | "unclear-reply" | "counter"


@dataclass(frozen=True, slots=True)
class RememberPhone:
    phone: str


Command = (
    Hold
    | Release
    | Book
    | AskApproval
    | ThankForPick
    | Confirm
    | Offer
    | Clarify
    | AskTherapistAgain
    | AlertTherapist
    | RememberPhone
    | AskToMove
    | Move
    | KeepBooking
)


@dataclass(frozen=True, slots=True)
class Transition:
    state: State
    commands: tuple[Command, ...] = field(default_factory=tuple)
    outcome: str = "no-change"  # PII-free, for the log


def on_person_reply(state: State, reply: PersonReply, facts: Facts) -> Transition:
    """The person answered an offer (or wrote again while waiting)."""
    remember: tuple[Command, ...] = (RememberPhone(reply.phone),) if reply.phone else ()
    if state not in {State.OFFERED, State.HELD}:
        return Transition(state, remember, "reply-ignored")
    release: tuple[Command, ...] = (Release(),) if state is State.HELD else ()
    if reply.kind is ReplyKind.PICK and reply.choice is not None:
        if not 1 <= reply.choice <= len(facts.offered):
            return _clarify(state, facts, remember)
        slot = facts.offered[reply.choice - 1]
        if slot == facts.held:
            return Transition(state, remember, "same-pick")  # said twice: nothing new
        if slot not in facts.free:
            # Someone else took it (or the calendar filled) since we offered it.
            return Transition(
                State.OFFERED, (*remember, *release, Offer(OfferReason.TAKEN)), "taken"
            )
        if facts.approval == "auto" or slot == facts.preapproved:
            # Nothing to wait for: the therapist agreed in advance.
            return Transition(
                State.BOOKED, (*remember, *release, Book(slot), Confirm(slot)), "booked"
            )
        return Transition(
            State.HELD,
            (*remember, *release, Hold(slot), AskApproval(slot), ThankForPick(slot)),
            "held",
        )
    if reply.kind in {ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}:
        # "I can't make Tuesday" before anything is booked: other times, please.
        return Transition(
            State.OFFERED, (*remember, *release, Offer(OfferReason.MORE)), "more-times"
        )
    if reply.kind is ReplyKind.UNCLEAR:
        return _clarify(state, facts, remember)
    # A question, a thank-you, cancel or reschedule talk: the therapist reads it.
    return Transition(state, remember, f"reply-{reply.kind.value}")


def _clarify(state: State, facts: Facts, remember: tuple[Command, ...]) -> Transition:
    if facts.clarified:
        # Asked once already: a human should read it, not a second robot question.
        return Transition(
            state, (*remember, AlertTherapist("unclear-reply")), "unclear-again"
        )
    return Transition(state, (*remember, Clarify()), "clarify")


def on_therapist_reply(state: State, reply: TherapistReply, facts: Facts) -> Transition:
    """The therapist answered an approval request (authenticity checked by the shell)."""
    if state is State.BOOKED and facts.counter is not None:
        return _on_move_answer(reply, facts.counter, facts)
    if state is not State.HELD or facts.held is None:
        return Transition(state, (), "approval-stale")
    held = facts.held
    if reply.decision is Decision.APPROVE:
        if held not in facts.free:
            # A busy calendar or a booking took the time since the hold.
            return Transition(
                State.OFFERED,
                (Release(), Offer(OfferReason.TAKEN)),
                "approved-but-taken",
            )
        return Transition(State.BOOKED, (Book(held), Confirm(held)), "approved")
    if reply.decision is Decision.DECLINE:
        return Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.DECLINED, reply.note)),
            "declined",
        )
    if reply.decision is Decision.PROPOSE and facts.proposed is not None:
        return Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.PROPOSED, reply.note, only=facts.proposed)),
            "proposed",
        )
    return Transition(state, (AskTherapistAgain(),), "approval-unclear")


def _on_move_answer(reply: TherapistReply, counter: Slot, facts: Facts) -> Transition:
    if reply.decision is Decision.APPROVE:
        if counter not in facts.free:
            return Transition(State.BOOKED, (KeepBooking(),), "move-taken")
        return Transition(State.BOOKED, (Move(counter), Confirm(counter)), "moved")
    if reply.decision is Decision.DECLINE:
        return Transition(State.BOOKED, (KeepBooking(reply.note),), "move-declined")
    return Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear")


def on_calendar(state: State, message: CalendarMessage) -> Transition:
    """An iTIP message from the person's calendar (RFC 5546)."""
    if message.method == "COUNTER" and state is State.BOOKED:
        if message.start_at is None or message.end_at is None:
            return Transition(state, (AlertTherapist("counter"),), "calendar-counter")
        # A proposal, never applied by itself: the therapist decides.
        return Transition(
            state,
            (AskToMove(Slot(message.start_at, message.end_at)),),
            "calendar-counter",
        )
    if (
        message.method == "REPLY"
        and message.partstat == "DECLINED"
        and state is State.BOOKED
    ):
        return Transition(
            state, (AlertTherapist("calendar-declined"),), "calendar-declined"
        )
    return Transition(
        state, (), f"calendar-{(message.partstat or message.method).lower()}"
    )
