"""The enquiry state machine: (state, signal, facts) -> (new state, commands). Pure.

Transition table (anything not listed changes nothing and sends nothing):

    offered  + person picks a free slot       -> held      hold, ask approval, thank them
                                                   (booked at once when approval is auto
                                                   or the therapist proposed that slot,
                                                   unless a question stands beside it;
                                                   once a question beside a pick has
                                                   reached the therapist, only a slot
                                                   they proposed books at once)
    offered  + person picks a taken slot      -> offered   fresh offer with an apology
    offered  + none fit / reschedule talk     -> offered   fresh offer honouring it
    offered  + unclear (first time)           -> offered   one short clarifying question
                                                   (a question beside a taken or unclear
                                                   pick: the therapist is told of it too)
    offered  + cancel                         -> closed    a kind acknowledgement
    held     + person picks again / none fit  -> as from offered, old hold released
    held     + therapist approves, slot free  -> booked    confirm with invitation
    held     + therapist approves, slot taken -> offered   fresh offer with an apology
    held     + therapist declines (+ note)    -> offered   fresh offer with the note
    held     + therapist proposes a time      -> offered   that one time, pre-approved
    held     + therapist unclear              -> held      ask the therapist again
    held / booked (a move asked) + the therapist's yes, no or time in the
               thread of an earlier request   -> (same)    nothing acted on; they are
                                                   told to answer the newest request
    booked   + person cancels                 -> cancelled METHOD:CANCEL, therapist told
    booked   + person cancels after the start -> stood_down missed; the therapist alerted
    booked   + person wants to move           -> rescheduling  fresh times; booking stands
    rescheduling + a pick once the call's time has come -> booked  the fresh times lapse
                                                   (a question beside it: the therapist
                                                   is told of it)
    rescheduling + person picks a free slot   -> booked    therapist asked to approve the move
                                                   (moved at once when approval is auto,
                                                   unless a question stands beside it or
                                                   one beside a pick reached the therapist)
    booked   + therapist "cancel" (+ note)    -> cancelled METHOD:CANCEL with the note
    booked   + therapist "no show"            -> offered   "sorry we missed each other"
    booked   + calendar REPLY DECLINED        -> cancelled METHOD:CANCEL to the therapist (+ COMMENT)
    booked   + the same, of an older SEQUENCE -> booked    therapist told; person asked if it suits
    booked   + calendar REPLY/COUNTER from anyone but the booked person
                                              -> booked    nothing changes; therapist told who said what
    booked   + calendar COUNTER (new time)    -> booked    therapist asked to approve the move (+ COMMENT)
    booked   + therapist approves the move    -> booked    moved; updated invitation (SEQUENCE+1)
    booked   + therapist declines the move    -> booked    the person hears it stays (+ note)
    booked / rescheduling + reminder due      -> (same)    reminder
    booked / rescheduling + follow-up due     -> followed_up  "would you like to start?"
    followed_up + yes / not now / no          -> closed    kind answer; therapist told
    followed_up + a question                  -> stood_down   passed to the therapist
    held     + no answer for hold_hours       -> held      the therapist reminded once
    held     + still none after as long again -> offered   released; fresh times, with an apology
    booked   + a move unanswered, then again  -> booked    the therapist reminded; then it stays, with an apology
    followed_up + silence, then silence again -> closed    one nudge, then quietly closed
    offered  + silence, then silence again    -> closed    one nudge with fresh times, then closed
    closed (expired) / cancelled + pick, none fit, move -> offered  reopened with fresh times
                                                   (a question beside the pick: the
                                                   therapist is told of it too)
    closed (expired) / cancelled + anything else        -> (same)   nothing: the therapist reads it

`facts` carries what the shell looked up (which slots are free now), so the
decision itself never touches the store or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final

from mailflow.model import (
    OPEN_STATES,
    Attendee,
    CalendarMessage,
    ClosedReason,
    Decision,
    PersonReply,
    ReplyKind,
    Slot,
    State,
    TherapistReply,
)

__all__ = ["OPEN_STATES", "ClosedReason", "State"]  # the record's types, re-exported


class OfferReason(StrEnum):
    MORE = "more"  # "none of these": a fresh set, honouring any new preference
    TAKEN = "taken"  # the picked time went meanwhile: apologise
    DECLINED = "declined"  # the therapist could not make it (maybe with a note)
    PROPOSED = "proposed"  # the therapist suggested this one time instead
    RESCHEDULE = "reschedule"  # the person wants to move a booked call
    REOPEN = "reopen"  # a late reply to a closed or cancelled enquiry
    MISSED = "missed"  # a no-show: "sorry we missed each other"
    NUDGE = "nudge"  # an offer not taken: checking in with fresh times
    LAPSED = "lapsed"  # the therapist never answered: other times, with an apology
    FIRST = "first"  # the first offer, sent when the therapist said "offer"


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
    # The proposal lies outside the practice's hours and the therapist's words
    # did not say they mean it ("... anyway"): asked, never offered on a misreading.
    proposed_unconfirmed: bool = False
    counter: Slot | None = None  # a new time the person's calendar proposed
    call_started: bool = False  # the booked call's start has passed
    reopenable: bool = False  # closed by expiry or cancelled: a reply reopens it
    invited_back: bool = False  # the letter that closed it said "just reply"
    therapist_cancelled: bool = False  # that letter was the therapist's own cancel
    # The therapist was asked again within the last day: an unclear answer
    # (their out-of-office, say) is not asked about again until tomorrow.
    asked_again_lately: bool = False
    # The reply itself was raised (possible risk, danger now, or its words
    # weighed like a crisis's; a contact need alone is not): a cancel in it
    # is the therapist's to carry out.
    raised: bool = False
    # A question beside a pick has reached the therapist in this enquiry
    # (`decide.question_reached_therapist`): every later pick waits for them,
    # even under automatic approval, so the question is never passed by.
    asked: bool = False


# -- commands: what the shell must do, in order -----------------------------------


@dataclass(frozen=True, slots=True)
class Hold:
    slot: Slot


@dataclass(frozen=True, slots=True)
class Release:
    pass


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The person's letters of the conversation not yet handed over are not
    sent: a human has answered by hand (the safety message and the letters of
    a booked call still go)."""


@dataclass(frozen=True, slots=True)
class Book:
    slot: Slot


@dataclass(frozen=True, slots=True)
class AskApproval:
    slot: Slot
    asks: bool = False  # their pick came with a question for the therapist
    relayed: bool = False  # someone else chose it for them, in their words


@dataclass(frozen=True, slots=True)
class AskToMove:
    """Ask the therapist to approve moving a booked call (an iTIP COUNTER)."""

    slot: Slot
    comment: str = ""  # the words their calendar sent with it, for the therapist


@dataclass(frozen=True, slots=True)
class Move:
    """Move the booking; the invitation is re-sent with SEQUENCE + 1."""

    slot: Slot


@dataclass(frozen=True, slots=True)
class KeepBooking:
    """Tell the person the call stays where it was."""

    note: str = ""
    lapsed: bool = False  # the therapist never answered: say sorry, not "can't"


@dataclass(frozen=True, slots=True)
class ThankForPick:
    slot: Slot
    asks: bool = False  # a question stood beside it: to be answered, the letter says


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
class NoTimes:
    """Nothing free to offer: the therapist is told (see `decide.nothing_to_offer`)."""


@dataclass(frozen=True, slots=True)
class Escalate:
    """Clear risk in a first mail: the safety message (unless the practice
    already writes to them) and an immediate alert to the therapist."""


@dataclass(frozen=True, slots=True)
class AskAboutRequest:
    """A first mail mailflow cannot place: one short note to the therapist."""


@dataclass(frozen=True, slots=True)
class NoteRisk:
    """Possible risk or a safety need said later in a conversation, in their words."""

    note: str


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """The booked person's calendar answer (PARTSTAT) kept on the booking."""

    partstat: str | None


@dataclass(frozen=True, slots=True)
class AskTherapistAgain:
    waiting: bool = False  # a reminder that the person is waiting, not "unclear"
    outside: Slot | None = None  # a proposal outside the hours, to be confirmed


QUESTION_ALERTS: Final = frozenset(
    {
        "pick-asks",
        "pick-asks-taken",
        "pick-asks-unclear",
        "pick-asks-reopen",
        "pick-asks-started",
        "pick-relayed",
    }
)
"""The alerts that tell the therapist of a question beside a pick."""

SUPERSEDED_DECISIONS: Final = frozenset(
    {Decision.APPROVE, Decision.DECLINE, Decision.PROPOSE, Decision.PRIVATE}
)
"""What a therapist's answer to a request since asked again may decide, and
so must never be dropped without a word (a cancel or a no-show in that
thread is carried out as in any letter's thread: `on_therapist_reply`)."""


@dataclass(frozen=True, slots=True)
class AlertTherapist:
    reason: str  # "counter" | "unclear-reply" | "late-cancel" | "calendar-other" ...
    replied_by: str = ""  # a calendar answer: who answered (their address)
    replied_name: str = ""  # ... and the name their calendar gave
    reply: str = ""  # ... and what (ACCEPTED, DECLINED, COUNTER ...)
    comment: str = ""  # ... with the words it carried; for the therapist only
    others: tuple[Attendee, ...] = ()  # ... and the others' answers it carried
    asks: bool = False  # "unclear-reply": the reply it hands over asked something too


@dataclass(frozen=True, slots=True)
class AskIfStillSuits:
    """Ask the person whether the booked time still suits (their calendar
    declined an earlier version of the invitation); the booking stands."""


@dataclass(frozen=True, slots=True)
class CancelCall:
    """End the booking (METHOD:CANCEL) or withdraw a hold; tell the other side."""

    by: str  # "person" | "therapist" | "calendar"
    note: str = ""
    words: str = ""  # the COMMENT of a calendar decline: for the therapist only
    others: tuple[Attendee, ...] = ()  # others' answers in that decline: told only


@dataclass(frozen=True, slots=True)
class MarkMissed:
    pass


@dataclass(frozen=True, slots=True)
class MarkHeld:
    """The booked call's time is over: it took place (the follow-up is due)."""


@dataclass(frozen=True, slots=True)
class Send:
    """A letter whose content depends only on the enquiry: reminder, follow-up..."""

    kind: str


@dataclass(frozen=True, slots=True)
class AnswerFollowup:
    """Thank the person for their answer and pass it to the therapist."""

    answer: str  # "yes" | "not_now" | "no" | "question"


@dataclass(frozen=True, slots=True)
class Close:
    reason: ClosedReason
    listening: bool = False  # still the person's open thread: a reply reopens it


@dataclass(frozen=True, slots=True)
class RememberPhone:
    phone: str


Command = (
    Hold
    | Release
    | Withdraw
    | Book
    | AskApproval
    | ThankForPick
    | Confirm
    | Offer
    | Clarify
    | NoTimes
    | Escalate
    | AskAboutRequest
    | NoteRisk
    | RecordAnswer
    | AskTherapistAgain
    | AlertTherapist
    | AskIfStillSuits
    | RememberPhone
    | AskToMove
    | Move
    | KeepBooking
    | CancelCall
    | MarkMissed
    | MarkHeld
    | Send
    | AnswerFollowup
    | Close
)


@dataclass(frozen=True, slots=True)
class Transition:
    state: State
    commands: tuple[Command, ...] = field(default_factory=tuple)
    outcome: str = "no-change"  # PII-free, for the log


def on_person_reply(state: State, reply: PersonReply, facts: Facts) -> Transition:
    """The person answered an offer, or wrote again in their thread."""
    remember: tuple[Command, ...] = (RememberPhone(reply.phone),) if reply.phone else ()
    if state in {State.CLOSED, State.CANCELLED} and facts.reopenable:
        asked_for_times = {ReplyKind.PICK, ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}
        if (reply.kind not in asked_for_times and not reply.yes) or reply.declines:
            # "Please cancel" again, "thank you, all the best": nothing to send;
            # offering times to someone who did not ask for them is pushy. After
            # a cancellation a bare "ok" may mean either: the therapist reads it.
            # After their own cancel or withdrawal, a bare thank-you closes it;
            # after the therapist's, even "ok" may mean "send new times".
            unsure = (
                facts.invited_back
                and reply.kind is not ReplyKind.CANCEL
                and not (reply.declines or reply.empty)
                and (facts.therapist_cancelled or not reply.only_thanks)
            )
            told = (AlertTherapist("after-cancel"),) if unsure else ()
            return Transition(state, (*remember, *told), "reply-after-close")
        # A late reply asking for a time: fresh times, never a stale slot. A
        # question beside the pick reaches the therapist: nothing is held
        # for them to read it with.
        told = (AlertTherapist("pick-asks-reopen"),) if reply.asks else ()
        return Transition(
            State.OFFERED,
            (*remember, Offer(OfferReason.REOPEN), *told),
            "reopened",
        )
    if (
        reply.kind is ReplyKind.CANCEL
        and facts.raised
        and state in {State.OFFERED, State.HELD, State.RESCHEDULING, State.BOOKED}
    ):
        # "cancel please, there's no point anymore": no cheerful "that's
        # absolutely fine" to someone who may be at risk. The conversation is
        # the therapist's from now on (no reminder, nudge or new times go; a
        # booked call stays in their diary, a held time is let go), and the
        # therapist, alerted about their words, is told the cancel waits.
        return Transition(
            State.STOOD_DOWN,
            (
                *remember,
                *((Release(),) if state is State.HELD else ()),
                AlertTherapist("cancel-held"),
            ),
            "cancel-held",
        )
    if state is State.BOOKED:
        return _booked_person(reply, facts, remember)
    if state not in {State.OFFERED, State.HELD, State.RESCHEDULING}:
        return Transition(state, remember, "reply-ignored")
    moving = state is State.RESCHEDULING
    if moving and facts.call_started:
        # The call's time has come: read as booked, the fresh times lapse.
        return _booked_person(reply, facts, remember, moving=True)
    release: tuple[Command, ...] = (Release(),) if state is State.HELD else ()
    if reply.kind is ReplyKind.CANCEL:
        if moving:
            return Transition(
                State.CANCELLED, (*remember, CancelCall("person")), "cancelled"
            )
        # "If you'd like to talk in the future, just reply": a reply reopens it.
        return Transition(
            State.CLOSED,
            (
                *remember,
                *release,
                CancelCall("person"),
                Close(ClosedReason.WITHDRAWN, listening=True),
            ),
            "withdrawn",
        )
    if reply.kind is ReplyKind.PICK and reply.choice is not None:
        if not 1 <= reply.choice <= len(facts.offered):
            return _clarify(state, facts, remember, asks=reply.asks)
        slot = facts.offered[reply.choice - 1]
        if slot == facts.held:
            if reply.asks:  # the pick again, with a question: the therapist reads it
                return Transition(
                    state, (*remember, AlertTherapist("pick-asks")), "same-pick-asks"
                )
            return Transition(state, remember, "same-pick")  # said twice: nothing new
        if slot not in facts.free:
            # Someone else took it (or the calendar filled) since we offered it.
            # A question beside it still reaches the therapist: nothing waits
            # for them to read it with.
            told = (AlertTherapist("pick-asks-taken"),) if reply.asks else ()
            return Transition(
                state if moving else State.OFFERED,
                (*remember, *release, Offer(OfferReason.TAKEN), *told),
                "taken",
            )
        agreed = (facts.approval == "auto" and not facts.asked) or (
            slot == facts.preapproved
        )
        if agreed and not (reply.asks or reply.relayed):
            # Nothing to wait for: the therapist agreed in advance (a question
            # beside the pick waits for them: theirs to answer, with the yes;
            # so does a time someone else chose for the person; once either
            # has reached them, every pick waits, but a time they proposed
            # themselves, after reading it).
            if moving:
                return Transition(
                    State.BOOKED, (*remember, Move(slot), Confirm(slot)), "moved"
                )
            return Transition(
                State.BOOKED, (*remember, *release, Book(slot), Confirm(slot)), "booked"
            )
        if moving:
            told = (
                (AlertTherapist("pick-asks"),)
                if reply.asks
                else (AlertTherapist("pick-relayed"),)
                if reply.relayed
                else ()
            )
            return Transition(
                State.BOOKED,
                (*remember, AskToMove(slot), ThankForPick(slot, reply.asks), *told),
                "move-asked",
            )
        return Transition(
            State.HELD,
            (
                *remember,
                *release,
                Hold(slot),
                AskApproval(slot, asks=reply.asks, relayed=reply.relayed),
                ThankForPick(slot, reply.asks),
            ),
            "held",
        )
    if reply.kind in {ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}:
        # "I can't make Tuesday" before anything is booked: other times, please.
        return Transition(
            state if moving else State.OFFERED,
            (*remember, *release, Offer(OfferReason.MORE)),
            "more-times",
        )
    if reply.kind in {ReplyKind.UNCLEAR, ReplyKind.PICK}:
        # A pick the reader could not number ("yes, one of those"): never a guess.
        return _clarify(state, facts, remember, asks=reply.asks)
    # A question or a thank-you, no time chosen: never silence; the therapist
    # is told to read it (mailflow will not guess an answer). A reply with no
    # words of its own (only our letter quoted) says nothing.
    quiet = reply.empty or (state is State.HELD and reply.only_phone and reply.phone)
    # A number alone while the time is held for the therapist: remembered,
    # nothing else to read ("07700 900123" after "2 please").
    told = () if quiet else (AlertTherapist("offer-reply"),)
    return Transition(state, (*remember, *told), f"reply-{reply.kind.value}")


def _booked_person(
    reply: PersonReply,
    facts: Facts,
    remember: tuple[Command, ...],
    *,
    moving: bool = False,
) -> Transition:
    """The booked person wrote (`moving`: a call being moved, whose time has
    come: read as booked, the fresh times lapse)."""
    if reply.kind is ReplyKind.CANCEL:
        if facts.call_started:
            # Too late to cancel: treat it as missed, never thank them for a call
            # they said they could not make; the therapist decides what next.
            return Transition(
                State.STOOD_DOWN,
                (*remember, MarkMissed(), AlertTherapist("late-cancel")),
                "cancel-after-start",
            )
        return Transition(
            State.CANCELLED, (*remember, CancelCall("person")), "cancelled"
        )
    if (
        reply.kind in {ReplyKind.RESCHEDULE, ReplyKind.NONE_FIT}
        and not facts.call_started
    ):
        return Transition(
            State.RESCHEDULING,
            (*remember, Offer(OfferReason.RESCHEDULE)),
            "reschedule-offered",
        )
    if reply.kind is ReplyKind.UNCLEAR:
        # "I can't make it": cancel or move? The booking stands; the therapist asks.
        return Transition(
            State.BOOKED,
            (*remember, AlertTherapist("booked-unclear")),
            "booked-unclear",
        )
    if reply.kind is ReplyKind.PICK and reply.asks:
        # A new time picked for a call being moved once its time had come:
        # the call stands and the fresh times lapse, but the question beside
        # it reaches the therapist. (The booked reader never reads a pick; if
        # one came, which time? The therapist reads it, question and all.)
        if moving:
            return Transition(
                State.BOOKED,
                (*remember, AlertTherapist("pick-asks-started")),
                "pick-asks-started",
            )
        return Transition(
            State.BOOKED,
            (*remember, AlertTherapist("booked-unclear", asks=True)),
            "booked-unclear",
        )
    if reply.kind is ReplyKind.PICK and moving:
        # The same, without a question: they think they moved their call, and
        # it stands where it was; the therapist is told, never silence.
        return Transition(
            State.BOOKED, (*remember, AlertTherapist("pick-started")), "pick-started"
        )
    return Transition(State.BOOKED, remember, f"reply-{reply.kind.value}")


def _clarify(
    state: State, facts: Facts, remember: tuple[Command, ...], *, asks: bool = False
) -> Transition:
    """Which time? Asked once; `asks`: a question stood beside the pick."""
    if facts.clarified:
        # Asked once already: a human should read it, not a second robot
        # question (the alert asks them to read the reply and answer it, a
        # question beside the pick with it).
        return Transition(
            state,
            (*remember, AlertTherapist("unclear-reply", asks=asks)),
            "unclear-again",
        )
    # The clarifying question holds nothing to read a question beside the
    # pick with: the therapist is told of it at once.
    told = (AlertTherapist("pick-asks-unclear"),) if asks else ()
    return Transition(state, (*remember, Clarify(), *told), "clarify")


def on_therapist_reply(state: State, reply: TherapistReply, facts: Facts) -> Transition:
    """The therapist answered an approval request (authenticity checked by the shell)."""
    if state in {State.BOOKED, State.RESCHEDULING, State.FOLLOWED_UP}:
        if reply.decision is Decision.NO_SHOW and facts.call_started:
            return Transition(
                State.OFFERED, (MarkMissed(), Offer(OfferReason.MISSED)), "no-show"
            )
        if reply.decision is Decision.CANCEL and not facts.call_started:
            return Transition(
                State.CANCELLED, (CancelCall("therapist", reply.note),), "cancelled"
            )
        if reply.decision is Decision.UNCLEAR and reply.cancel_asked:
            # "Cancel? Actually leave it", "I'll cancel it later": the call
            # stands and the therapist is asked, never cancelled on a guess.
            return Transition(
                state, (AlertTherapist("therapist-cancel-unclear"),), "cancel-unclear"
            )
    if state is State.BOOKED and facts.counter is not None:
        return _on_move_answer(reply, facts.counter, facts)
    if state is State.ASKED:
        # "Not sure this is a request: reply offer and I'll send them times."
        if reply.decision is Decision.OFFER:
            return Transition(State.OFFERED, (Offer(OfferReason.FIRST),), "ask-offer")
        if reply.decision in {Decision.DECLINE, Decision.PRIVATE}:
            return Transition(State.STOOD_DOWN, (), "ask-declined")
        return Transition(state, (), "ask-unclear")

    if state is not State.HELD or facts.held is None:
        return Transition(state, (), "approval-stale")
    held = facts.held
    if reply.decision is Decision.PRIVATE or (
        reply.decision is Decision.CANCEL and reply.private
    ):
        # A note about the person, or the therapist taking it on ("cancel this,
        # she's my client already"): nothing goes
        # to the person; the held time is let go; the therapist is told what was done.
        return Transition(
            State.STOOD_DOWN,
            (Release(), AlertTherapist("stood-down")),
            "stood-down-by-therapist",
        )
    if reply.decision is Decision.CANCEL:
        # "Please cancel this one - I'm unwell" to an approval: a no, with its note.
        reply = replace(reply, decision=Decision.DECLINE)
    if reply.decision is Decision.APPROVE:
        if held not in facts.free:
            # A busy calendar or a booking took the time since the hold.
            return Transition(
                State.OFFERED,
                (Release(), Offer(OfferReason.TAKEN), *_unsent(reply)),
                "approved-but-taken",
            )
        return Transition(
            State.BOOKED, (Book(held), Confirm(held), *_unsent(reply)), "approved"
        )
    if reply.decision is Decision.DECLINE:
        return Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.DECLINED, reply.note)),
            "declined",
        )
    if reply.decision is Decision.PROPOSE and facts.proposed is not None:
        if facts.proposed_unconfirmed:
            return Transition(
                state,
                (AskTherapistAgain(outside=facts.proposed),),
                "proposal-outside-hours",
            )
        return Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.PROPOSED, reply.note, only=facts.proposed)),
            "proposed",
        )
    if facts.asked_again_lately:
        return Transition(state, (), "approval-unclear-asked-today")
    return Transition(state, (AskTherapistAgain(),), "approval-unclear")


def _unsent(reply: TherapistReply) -> tuple[Command, ...]:
    """A yes that carried words for them ("yes - tell her: ..."): never passed
    on (no check can tell a kind line from a private one), and the therapist
    is told so, never left believing they went."""
    return (AlertTherapist("words-unsent"),) if reply.words_unsent else ()


def _on_move_answer(reply: TherapistReply, counter: Slot, facts: Facts) -> Transition:
    if reply.decision is Decision.APPROVE:
        if counter not in facts.free:
            return Transition(
                State.BOOKED, (KeepBooking(), *_unsent(reply)), "move-taken"
            )
        return Transition(
            State.BOOKED, (Move(counter), Confirm(counter), *_unsent(reply)), "moved"
        )
    if reply.decision is Decision.DECLINE:
        return Transition(State.BOOKED, (KeepBooking(reply.note),), "move-declined")
    if facts.asked_again_lately:
        return Transition(State.BOOKED, (), "move-unclear-asked-today")
    return Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear")


def on_superseded_answer(
    state: State, reply: TherapistReply, facts: Facts
) -> Transition:
    """The therapist answered an earlier request of this enquiry (an approval,
    a move, the note about a first mail) that a newer request has replaced:
    the person picked another time, or asked to move, since. Never acted on
    (it answers a time no longer asked about); but a yes, a no, another time
    or "I'll write to them myself" is their decision, never dropped without a
    word while the newer request waits for them: they are told once (for this
    mail) that nothing came of it, and asked to answer the newest request.
    The shell calls this only for a reply its reader leaves alone outside the
    current request's thread (a cancel or a no-show there is carried out as
    ever, by `on_therapist_reply`)."""
    if reply.decision not in SUPERSEDED_DECISIONS:
        return Transition(state, (), "therapist-not-approval")
    if state is State.HELD and facts.held is not None:
        reason = "approval-superseded"
    elif state is State.BOOKED and facts.counter is not None:
        reason = "move-superseded"
    else:
        # No newer request waits (answered, lapsed, or the conversation ended):
        # "answer the newest request" would not be true.
        return Transition(state, (), "therapist-not-approval")
    return Transition(state, (AlertTherapist(reason),), reason)


def on_calendar(
    state: State, message: CalendarMessage, *, call_started: bool = False
) -> Transition:
    """An iTIP message about the booked call (RFC 5546), matched to the booked
    person by the shell (`CalendarMessage.for_person`). The person's own answer
    to the call as it stands is recorded on the booking, whatever follows."""
    decided = _on_calendar(state, message, call_started=call_started)
    if message.method == "REPLY" and message.from_person and not message.stale:
        noted = RecordAnswer(message.partstat)
        return replace(decided, commands=(noted, *decided.commands))
    return decided


def _on_calendar(
    state: State, message: CalendarMessage, *, call_started: bool
) -> Transition:
    answering = message.method in {"REPLY", "COUNTER"}
    live = state in {State.BOOKED, State.RESCHEDULING}
    if answering and live and not message.from_person:
        # A forwarded invitation answered by a partner, or an address the
        # booking does not know: nothing changes; the therapist reads who said what.
        return Transition(
            state, (_calendar_alert("calendar-other", message),), "calendar-from-other"
        )
    if message.method == "COUNTER" and state is State.BOOKED:
        if message.start_at is None or message.end_at is None:
            alert = _calendar_alert("counter", message)
            return Transition(state, (alert,), "calendar-counter")
        # A proposal, never applied by itself: the therapist decides.
        return Transition(
            state,
            (AskToMove(Slot(message.start_at, message.end_at), message.comment),),
            "calendar-counter",
        )
    declined = message.method == "REPLY" and message.partstat == "DECLINED"
    if declined and live and not call_started and message.stale:
        # Declining the invitation as it was before a move or an update: the
        # time that stands now was never answered. Never a cancel on a guess:
        # the therapist is told, and the person asked whether it still suits.
        asked: tuple[Command, ...] = (
            (AskIfStillSuits(),) if state is State.BOOKED else ()
        )
        return Transition(
            state,
            (_calendar_alert("stale-decline", message), *asked),
            "calendar-stale-declined",
        )
    if declined and live and not call_started:
        # Declining the invitation is a cancellation: free the time, tell both.
        return Transition(
            State.CANCELLED,
            (CancelCall("calendar", words=message.comment, others=message.others),),
            "calendar-declined",
        )
    outcome = (
        "calendar-stale"
        if message.stale
        else f"calendar-{(message.partstat or message.method).lower()}"
    )
    if answering and message.comment:
        # Words with an answer that changes nothing ("Please ring my work
        # number"): they reach the therapist, never silence.
        return Transition(state, (_calendar_alert("calendar-note", message),), outcome)
    if answering and live and message.others:
        # Their answer carried a partner's too ("Alex declined"): the person's
        # decides; the others' reach the therapist, the booking unchanged.
        return Transition(
            state, (_calendar_alert("calendar-others", message),), outcome
        )
    return Transition(state, (), outcome)


def on_calendar_elsewhere(state: State, message: CalendarMessage) -> Transition:
    """A calendar answer to an event that is not the booking as it stands (a
    call since cancelled, an old invitation): it changes nothing, but words
    sent with it reach the therapist, never silence."""
    if message.comment and message.method in {"REPLY", "COUNTER"}:
        return Transition(
            state, (_calendar_alert("calendar-old", message),), "calendar-old-note"
        )
    return Transition(state, (), "calendar-other")


def _calendar_alert(reason: str, message: CalendarMessage) -> AlertTherapist:
    return AlertTherapist(
        reason,
        replied_by=message.attendee or "",
        replied_name=message.replier_name,
        reply=message.partstat or message.method,
        comment=message.comment,
        others=message.others,
    )


def on_timer(state: State, step: str, facts: Facts) -> Transition:
    """A timed step from `timing.next_due` whose moment has come."""
    # A call being rescheduled stands until a new time is chosen: its reminder
    # and follow-up come as for any booked call.
    if step == "reminder" and state in {State.BOOKED, State.RESCHEDULING}:
        return Transition(state, (Send("reminder"),), "reminded")
    if step == "followup" and state in {State.BOOKED, State.RESCHEDULING}:
        return Transition(
            State.FOLLOWED_UP, (MarkHeld(), Send("followup")), "followed-up"
        )
    if step == "followup_nudge" and state is State.FOLLOWED_UP:
        return Transition(state, (Send("followup_nudge"),), "followup-nudged")
    if step == "followup_close" and state is State.FOLLOWED_UP:
        return Transition(State.CLOSED, (Close(ClosedReason.SILENT),), "closed-silent")
    if step == "hold_remind" and state is State.HELD:
        return Transition(
            state, (AskTherapistAgain(waiting=True),), "approval-reminded"
        )
    if step == "hold_lapse" and state is State.HELD:
        return Transition(
            State.OFFERED, (Release(), Offer(OfferReason.LAPSED)), "hold-lapsed"
        )
    if step == "move_remind" and state is State.BOOKED and facts.counter is not None:
        return Transition(state, (AskTherapistAgain(waiting=True),), "move-reminded")
    if step == "move_lapse" and state is State.BOOKED and facts.counter is not None:
        return Transition(state, (KeepBooking(lapsed=True),), "move-lapsed")
    if step == "offer_nudge" and state is State.OFFERED:
        return Transition(state, (Offer(OfferReason.NUDGE),), "offer-nudged")
    if step == "offer_expire" and state is State.OFFERED:
        return Transition(State.CLOSED, (Close(ClosedReason.EXPIRED),), "expired")
    return Transition(state, (), "timer-stale")


def on_followup_answer(state: State, answer: str) -> Transition:
    """The person's answer to "would you like to start?" (also after a quiet close)."""
    if state not in {State.FOLLOWED_UP, State.CLOSED}:
        return Transition(state, (), "followup-answer-stale")
    if answer in {"yes", "not_now", "no"}:
        reason = {
            "yes": ClosedReason.WANTS_TO_START,
            "not_now": ClosedReason.NOT_NOW,
            "no": ClosedReason.NO,
        }[answer]
        return Transition(
            State.CLOSED, (AnswerFollowup(answer), Close(reason)), f"followup-{answer}"
        )
    # A question, or words mailflow can't read: the therapist's to answer.
    return Transition(
        State.STOOD_DOWN, (AnswerFollowup("question"),), "followup-question"
    )


# -- what the shell sees outside the conversation ---------------------------------


def on_new_request(risk: str, has_times: bool) -> Transition:
    """Where a new enquiry starts: clear risk is the therapist's at once; with
    nothing to offer it is theirs too; otherwise times go out."""
    if risk == "clear":
        return Transition(State.ESCALATED, (Escalate(),), "crisis")
    if not has_times:
        return Transition(State.STOOD_DOWN, (NoTimes(),), "no-slots")
    return Transition(State.OFFERED, (Offer(OfferReason.FIRST),), "request")


def on_request_without_calendar(risk: str) -> Transition | None:
    """A new request while the therapist's busy calendar cannot be read, so no
    time can be offered safely. Most wait for a good read (None: nothing is
    lost, and a calendar down for days is told daily). One that mentions
    risk does not wait for a calendar that may be down for days: it is the
    therapist's at once, told why, with the person sent no times (the shell
    adds the safety message where danger may be told now)."""
    if risk != "possible":
        return None
    return Transition(State.STOOD_DOWN, (), "calendar-down-risk")


def on_danger_left_alone() -> Transition:
    """Words that may tell of danger now, in mail mailflow leaves alone (from
    someone the practice already writes to, or in a conversation it is not
    part of), or such a reply's new words weighed like a crisis's: the
    therapist's at once, with nothing sent to them (the alert is the
    shell's). A record of the alert, closed as it opens: a later
    mail of theirs is read afresh (a request answered, a crisis given the
    safety message), never taken for a conversation under way."""
    return Transition(State.ESCALATED, (Close(ClosedReason.ALERTED),), "danger-alerted")


def on_unsure() -> Transition:
    """A first mail mailflow cannot place: the therapist is asked (their first
    round of approval: an "offer" back is authenticated like an approval)."""
    return Transition(State.ASKED, (AskAboutRequest(),), "asked")


def on_risk_news(state: State, note: str) -> Transition:
    """Someone in a conversation speaks of possible risk or a safety need: it
    is recorded (picks wait for approval from now on); where they stand is
    unchanged."""
    return Transition(state, (NoteRisk(note),), "risk-noted")


def on_hand_answer(state: State) -> Transition:
    """A human answered the thread by hand (seen in Sent): theirs from now on,
    a time held for a pick is free again, and a letter to the person still
    waiting in the outbox (the server was down) never follows their answer."""
    if state is State.STOOD_DOWN:
        return Transition(state, (Withdraw(),), "hand-answer-known")
    return Transition(State.STOOD_DOWN, (Release(), Withdraw()), "answered-by-hand")


def on_crisis(state: State) -> Transition:
    """Clear risk in a conversation: the therapist's alone; any hold is freed."""
    return Transition(State.ESCALATED, (Release(),), "escalated")


def on_plain_request(state: State) -> Transition:
    """Someone the therapist was asked about writes again, plainly asking: the
    note is moot (a fresh enquiry answers them)."""
    if state is State.ASKED:
        return Transition(State.STOOD_DOWN, (), "superseded")
    return Transition(state, (), "not-asked")


def on_undeliverable(state: State) -> Transition:
    """Our letters to them bounce: hold nothing, time nothing more. An enquiry
    already closed or handed over stays as it is."""
    if state in {State.CLOSED, State.STOOD_DOWN}:
        return Transition(state, (), "bounce-known")
    if state is State.ESCALATED:
        return Transition(state, (), "bounced")
    if state in {State.BOOKED, State.RESCHEDULING}:
        # The call stands in the therapist's diary (they ring the number): it
        # is theirs now, and a later mail from the person reaches them, never
        # a second offer beside a booked call.
        return Transition(State.STOOD_DOWN, (Release(),), "bounced")
    return Transition(
        State.STOOD_DOWN,
        (Release(), Close(ClosedReason.UNDELIVERABLE)),
        "bounced",
    )
