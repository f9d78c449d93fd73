"""Tests for mailflow.deciding.workflow: every row of the transition table, then invariants.

The first half is table-driven: each case gives a state, a signal and the facts
the shell looked up, and asserts the whole Transition (new state, the exact
command sequence, the outcome string). The second half drives random signals
against a small model of the shell (its hold, booking, offers and pending move)
and checks the invariants a real practice relies on after every step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mailflow.deciding import workflow
from mailflow.deciding.workflow import (
    OPEN_STATES,
    AlertTherapist,
    AnswerFollowup,
    AskApproval,
    AskTherapistAgain,
    AskToMove,
    Book,
    CancelCall,
    Clarify,
    Close,
    Confirm,
    Facts,
    Hold,
    KeepBooking,
    MarkHeld,
    MarkMissed,
    Move,
    Offer,
    OfferReason,
    Release,
    RememberPhone,
    Send,
    State,
    ThankForPick,
    Transition,
    on_calendar,
    on_followup_answer,
    on_person_reply,
    on_superseded_answer,
    on_therapist_reply,
    on_timer,
)
from mailflow.model import (
    CalendarMessage,
    ClosedReason,
    DayPart,
    Decision,
    PersonReply,
    Preference,
    ReplyKind,
    Slot,
    TherapistReply,
    WallTime,
)


def _slot(day: int, hour: int) -> Slot:
    start = datetime(2026, 12, day, hour, tzinfo=UTC)
    return Slot(start, start + timedelta(minutes=15))


A = _slot(1, 10)
B = _slot(1, 14)
C = _slot(3, 9)
D = _slot(4, 16)  # never offered: the therapist's own proposal
E = _slot(7, 11)
F = _slot(8, 15)
POOL = (A, B, C, D, E, F)

PHONE = "+447700900123"
NOTE = "Sorry, I'm at a training day then."
# Nothing but a reopening (or a follow-up answer) gets out of these.
ENDED = (State.ESCALATED, State.STOOD_DOWN, State.CLOSED, State.CANCELLED)

OFFERED3 = (A, B, C)
# Waiting for the person: nothing held, everything free.
WAITING = Facts(approval="therapist", offered=OFFERED3, free=frozenset(POOL))
# Waiting for the therapist: A held (and, as the shell counts, still free for us).
HOLDING = replace(WAITING, held=A)
# Booked on A (not held any more); the call is still to come.
BOOKED_A = WAITING
# Booked, and the call's start has passed.
STARTED = replace(WAITING, call_started=True)
# Booked, and a move to E is waiting for the therapist's answer.
MOVING = replace(WAITING, counter=E)


def _asks(step: Step) -> bool:
    """A person's pick beside a question (`PersonReply.asks`)."""
    return step.reply is not None and step.reply.asks


def pick(choice: int | None, phone: str | None = None) -> PersonReply:
    return PersonReply(ReplyKind.PICK, choice=choice, phone=phone)


def kind(k: ReplyKind, phone: str | None = None) -> PersonReply:
    return PersonReply(k, phone=phone)


def taken(facts: Facts, *slots: Slot) -> Facts:
    return replace(facts, free=facts.free - set(slots))


def tag(phone: str | None) -> str:
    return "phone" if phone else "no-phone"


Case = tuple[str, State, object, Facts, Transition]


def params(cases: list[Case]) -> list[object]:
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


# -- the person's reply -------------------------------------------------------------

PERSON_CASES: list[Case] = [
    # offered + person picks a free slot -> held: hold, ask approval, thank them
    (
        "offered-pick-free",
        State.OFFERED,
        pick(2),
        WAITING,
        Transition(State.HELD, (Hold(B), AskApproval(B), ThankForPick(B)), "held"),
    ),
    (
        "offered-pick-first",
        State.OFFERED,
        pick(1),
        WAITING,
        Transition(State.HELD, (Hold(A), AskApproval(A), ThankForPick(A)), "held"),
    ),
    (
        "offered-pick-last",
        State.OFFERED,
        pick(3),
        WAITING,
        Transition(State.HELD, (Hold(C), AskApproval(C), ThankForPick(C)), "held"),
    ),
    (
        "offered-pick-free-with-phone",
        State.OFFERED,
        pick(2, PHONE),
        WAITING,
        Transition(
            State.HELD,
            (RememberPhone(PHONE), Hold(B), AskApproval(B), ThankForPick(B)),
            "held",
        ),
    ),
    (
        "offered-pick-the-only-free-one",
        State.OFFERED,
        pick(2),
        replace(WAITING, free=frozenset({B})),
        Transition(State.HELD, (Hold(B), AskApproval(B), ThankForPick(B)), "held"),
    ),
    # ... booked at once when approval is auto
    (
        "offered-pick-free-auto",
        State.OFFERED,
        pick(2),
        replace(WAITING, approval="auto"),
        Transition(State.BOOKED, (Book(B), Confirm(B)), "booked"),
    ),
    (
        "offered-pick-free-auto-with-phone",
        State.OFFERED,
        pick(2, PHONE),
        replace(WAITING, approval="auto"),
        Transition(State.BOOKED, (RememberPhone(PHONE), Book(B), Confirm(B)), "booked"),
    ),
    # ... or when the therapist proposed that slot
    (
        "offered-pick-preapproved",
        State.OFFERED,
        pick(1),
        replace(WAITING, offered=(D,), preapproved=D),
        Transition(State.BOOKED, (Book(D), Confirm(D)), "booked"),
    ),
    (
        "offered-pick-preapproved-among-others",
        State.OFFERED,
        pick(3),
        replace(WAITING, preapproved=C),
        Transition(State.BOOKED, (Book(C), Confirm(C)), "booked"),
    ),
    (
        "offered-pick-not-the-preapproved-one",
        State.OFFERED,
        pick(1),
        replace(WAITING, preapproved=C),
        Transition(State.HELD, (Hold(A), AskApproval(A), ThankForPick(A)), "held"),
    ),
    # offered + person picks a taken slot -> offered: fresh offer with an apology
    (
        "offered-pick-taken",
        State.OFFERED,
        pick(2),
        taken(WAITING, B),
        Transition(State.OFFERED, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    (
        "offered-pick-taken-with-phone",
        State.OFFERED,
        pick(2, PHONE),
        taken(WAITING, B),
        Transition(
            State.OFFERED, (RememberPhone(PHONE), Offer(OfferReason.TAKEN)), "taken"
        ),
    ),
    (
        "offered-pick-taken-nothing-free",
        State.OFFERED,
        pick(1),
        replace(WAITING, free=frozenset()),
        Transition(State.OFFERED, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    (
        "offered-pick-taken-even-when-auto",
        State.OFFERED,
        pick(2),
        taken(replace(WAITING, approval="auto"), B),
        Transition(State.OFFERED, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    (
        "offered-pick-taken-even-when-preapproved",
        State.OFFERED,
        pick(1),
        replace(WAITING, offered=(D,), preapproved=D, free=frozenset({A, B})),
        Transition(State.OFFERED, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    # a number that is not on the list: ask once, then a human reads it
    (
        "offered-pick-zero",
        State.OFFERED,
        pick(0),
        WAITING,
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-pick-negative",
        State.OFFERED,
        pick(-1),
        WAITING,
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-pick-one-past-the-end",
        State.OFFERED,
        pick(4),
        WAITING,
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-pick-far-out",
        State.OFFERED,
        pick(99),
        WAITING,
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-pick-nothing-offered",
        State.OFFERED,
        pick(1),
        replace(WAITING, offered=()),
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-pick-out-of-range-with-phone",
        State.OFFERED,
        pick(7, PHONE),
        WAITING,
        Transition(State.OFFERED, (RememberPhone(PHONE), Clarify()), "clarify"),
    ),
    (
        "offered-pick-out-of-range-again",
        State.OFFERED,
        pick(7),
        replace(WAITING, clarified=True),
        Transition(State.OFFERED, (AlertTherapist("unclear-reply"),), "unclear-again"),
    ),
    (
        "offered-pick-out-of-range-auto-never-books",
        State.OFFERED,
        pick(4),
        replace(WAITING, approval="auto"),
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    # offered + none fit / reschedule talk -> offered: fresh offer honouring it
    (
        "offered-none-fit",
        State.OFFERED,
        kind(ReplyKind.NONE_FIT),
        WAITING,
        Transition(State.OFFERED, (Offer(OfferReason.MORE),), "more-times"),
    ),
    (
        "offered-none-fit-with-preference",
        State.OFFERED,
        PersonReply(
            ReplyKind.NONE_FIT,
            preference=Preference(
                weekdays=frozenset({4}), day_parts=frozenset({DayPart.EVENING})
            ),
        ),
        WAITING,
        Transition(State.OFFERED, (Offer(OfferReason.MORE),), "more-times"),
    ),
    (
        "offered-none-fit-with-phone",
        State.OFFERED,
        kind(ReplyKind.NONE_FIT, PHONE),
        WAITING,
        Transition(
            State.OFFERED,
            (RememberPhone(PHONE), Offer(OfferReason.MORE)),
            "more-times",
        ),
    ),
    (
        "offered-reschedule-talk",
        State.OFFERED,
        kind(ReplyKind.RESCHEDULE),
        WAITING,
        Transition(State.OFFERED, (Offer(OfferReason.MORE),), "more-times"),
    ),
    # offered + unclear (first time) -> offered: one short clarifying question
    (
        "offered-unclear-first",
        State.OFFERED,
        kind(ReplyKind.UNCLEAR),
        WAITING,
        Transition(State.OFFERED, (Clarify(),), "clarify"),
    ),
    (
        "offered-unclear-first-with-phone",
        State.OFFERED,
        kind(ReplyKind.UNCLEAR, PHONE),
        WAITING,
        Transition(State.OFFERED, (RememberPhone(PHONE), Clarify()), "clarify"),
    ),
    (
        "offered-unclear-second",
        State.OFFERED,
        kind(ReplyKind.UNCLEAR),
        replace(WAITING, clarified=True),
        Transition(State.OFFERED, (AlertTherapist("unclear-reply"),), "unclear-again"),
    ),
    (
        "offered-unclear-second-with-phone",
        State.OFFERED,
        kind(ReplyKind.UNCLEAR, PHONE),
        replace(WAITING, clarified=True),
        Transition(
            State.OFFERED,
            (RememberPhone(PHONE), AlertTherapist("unclear-reply")),
            "unclear-again",
        ),
    ),
    # offered + cancel -> closed: a kind acknowledgement
    (
        "offered-cancel",
        State.OFFERED,
        kind(ReplyKind.CANCEL),
        WAITING,
        Transition(
            State.CLOSED,
            (CancelCall("person"), Close(ClosedReason.WITHDRAWN, listening=True)),
            "withdrawn",
        ),
    ),
    (
        "offered-cancel-with-phone",
        State.OFFERED,
        kind(ReplyKind.CANCEL, PHONE),
        WAITING,
        Transition(
            State.CLOSED,
            (
                RememberPhone(PHONE),
                CancelCall("person"),
                Close(ClosedReason.WITHDRAWN, listening=True),
            ),
            "withdrawn",
        ),
    ),
    # held + person picks again / none fit -> as from offered, old hold released
    (
        "held-pick-another-free",
        State.HELD,
        pick(2),
        HOLDING,
        Transition(
            State.HELD,
            (Release(), Hold(B), AskApproval(B), ThankForPick(B)),
            "held",
        ),
    ),
    (
        "held-pick-another-free-with-phone",
        State.HELD,
        pick(3, PHONE),
        HOLDING,
        Transition(
            State.HELD,
            (RememberPhone(PHONE), Release(), Hold(C), AskApproval(C), ThankForPick(C)),
            "held",
        ),
    ),
    (
        "held-pick-same-slot",
        State.HELD,
        pick(1),
        HOLDING,
        Transition(State.HELD, (), "same-pick"),
    ),
    (
        "held-pick-same-slot-with-phone",
        State.HELD,
        pick(1, PHONE),
        HOLDING,
        Transition(State.HELD, (RememberPhone(PHONE),), "same-pick"),
    ),
    (
        "held-pick-same-slot-not-free-for-others",
        State.HELD,
        pick(1),
        taken(HOLDING, A),
        Transition(State.HELD, (), "same-pick"),
    ),
    (
        "held-pick-another-taken",
        State.HELD,
        pick(2),
        taken(HOLDING, B),
        Transition(State.OFFERED, (Release(), Offer(OfferReason.TAKEN)), "taken"),
    ),
    (
        "held-pick-another-auto",
        State.HELD,
        pick(2),
        replace(HOLDING, approval="auto"),
        Transition(State.BOOKED, (Release(), Book(B), Confirm(B)), "booked"),
    ),
    (
        "held-pick-another-preapproved",
        State.HELD,
        pick(3),
        replace(HOLDING, preapproved=C),
        Transition(State.BOOKED, (Release(), Book(C), Confirm(C)), "booked"),
    ),
    (
        "held-pick-out-of-range-keeps-hold",
        State.HELD,
        pick(4),
        HOLDING,
        Transition(State.HELD, (Clarify(),), "clarify"),
    ),
    (
        "held-pick-out-of-range-again",
        State.HELD,
        pick(0),
        replace(HOLDING, clarified=True),
        Transition(State.HELD, (AlertTherapist("unclear-reply"),), "unclear-again"),
    ),
    (
        "held-none-fit",
        State.HELD,
        kind(ReplyKind.NONE_FIT),
        HOLDING,
        Transition(State.OFFERED, (Release(), Offer(OfferReason.MORE)), "more-times"),
    ),
    (
        "held-none-fit-with-phone",
        State.HELD,
        kind(ReplyKind.NONE_FIT, PHONE),
        HOLDING,
        Transition(
            State.OFFERED,
            (RememberPhone(PHONE), Release(), Offer(OfferReason.MORE)),
            "more-times",
        ),
    ),
    (
        "held-reschedule-talk",
        State.HELD,
        kind(ReplyKind.RESCHEDULE),
        HOLDING,
        Transition(State.OFFERED, (Release(), Offer(OfferReason.MORE)), "more-times"),
    ),
    (
        "held-unclear-first-keeps-hold",
        State.HELD,
        kind(ReplyKind.UNCLEAR),
        HOLDING,
        Transition(State.HELD, (Clarify(),), "clarify"),
    ),
    (
        "held-unclear-second-keeps-hold",
        State.HELD,
        kind(ReplyKind.UNCLEAR),
        replace(HOLDING, clarified=True),
        Transition(State.HELD, (AlertTherapist("unclear-reply"),), "unclear-again"),
    ),
    (
        "held-cancel-releases-the-hold",
        State.HELD,
        kind(ReplyKind.CANCEL),
        HOLDING,
        Transition(
            State.CLOSED,
            (
                Release(),
                CancelCall("person"),
                Close(ClosedReason.WITHDRAWN, listening=True),
            ),
            "withdrawn",
        ),
    ),
    (
        "held-cancel-with-phone",
        State.HELD,
        kind(ReplyKind.CANCEL, PHONE),
        HOLDING,
        Transition(
            State.CLOSED,
            (
                RememberPhone(PHONE),
                Release(),
                CancelCall("person"),
                Close(ClosedReason.WITHDRAWN, listening=True),
            ),
            "withdrawn",
        ),
    ),
    # booked + person cancels -> cancelled: METHOD:CANCEL, therapist told
    (
        "booked-cancel",
        State.BOOKED,
        kind(ReplyKind.CANCEL),
        BOOKED_A,
        Transition(State.CANCELLED, (CancelCall("person"),), "cancelled"),
    ),
    (
        "booked-cancel-with-phone",
        State.BOOKED,
        kind(ReplyKind.CANCEL, PHONE),
        BOOKED_A,
        Transition(
            State.CANCELLED, (RememberPhone(PHONE), CancelCall("person")), "cancelled"
        ),
    ),
    (
        "booked-cancel-after-the-start",
        State.BOOKED,
        kind(ReplyKind.CANCEL),
        STARTED,
        Transition(
            State.STOOD_DOWN,
            (MarkMissed(), AlertTherapist("late-cancel")),
            "cancel-after-start",
        ),
    ),
    (
        "booked-cancel-after-the-start-with-phone",
        State.BOOKED,
        kind(ReplyKind.CANCEL, PHONE),
        STARTED,
        Transition(
            State.STOOD_DOWN,
            (RememberPhone(PHONE), MarkMissed(), AlertTherapist("late-cancel")),
            "cancel-after-start",
        ),
    ),
    # booked + person wants to move -> rescheduling: fresh times; booking stands
    (
        "booked-reschedule",
        State.BOOKED,
        kind(ReplyKind.RESCHEDULE),
        BOOKED_A,
        Transition(
            State.RESCHEDULING,
            (Offer(OfferReason.RESCHEDULE),),
            "reschedule-offered",
        ),
    ),
    (
        "booked-none-fit-is-a-move",
        State.BOOKED,
        kind(ReplyKind.NONE_FIT, PHONE),
        BOOKED_A,
        Transition(
            State.RESCHEDULING,
            (RememberPhone(PHONE), Offer(OfferReason.RESCHEDULE)),
            "reschedule-offered",
        ),
    ),
    (
        "booked-reschedule-after-the-start",
        State.BOOKED,
        kind(ReplyKind.RESCHEDULE),
        STARTED,
        Transition(State.BOOKED, (), "reply-reschedule"),
    ),
    (
        "booked-none-fit-after-the-start",
        State.BOOKED,
        kind(ReplyKind.NONE_FIT),
        STARTED,
        Transition(State.BOOKED, (), "reply-none-fit"),
    ),
    (
        "booked-reschedule-with-a-move-pending",
        State.BOOKED,
        kind(ReplyKind.RESCHEDULE),
        MOVING,
        Transition(
            State.RESCHEDULING,
            (Offer(OfferReason.RESCHEDULE),),
            "reschedule-offered",
        ),
    ),
    # rescheduling + person picks a free slot -> booked: therapist asked to approve
    (
        "rescheduling-pick-free",
        State.RESCHEDULING,
        pick(2),
        BOOKED_A,
        Transition(State.BOOKED, (AskToMove(B), ThankForPick(B)), "move-asked"),
    ),
    (
        "rescheduling-pick-free-with-phone",
        State.RESCHEDULING,
        pick(3, PHONE),
        BOOKED_A,
        Transition(
            State.BOOKED,
            (RememberPhone(PHONE), AskToMove(C), ThankForPick(C)),
            "move-asked",
        ),
    ),
    # ... moved at once when approval is auto (or the therapist proposed it)
    (
        "rescheduling-pick-free-auto",
        State.RESCHEDULING,
        pick(2),
        replace(BOOKED_A, approval="auto"),
        Transition(State.BOOKED, (Move(B), Confirm(B)), "moved"),
    ),
    (
        "rescheduling-pick-preapproved",
        State.RESCHEDULING,
        pick(3),
        replace(BOOKED_A, preapproved=C),
        Transition(State.BOOKED, (Move(C), Confirm(C)), "moved"),
    ),
    (
        "rescheduling-pick-taken",
        State.RESCHEDULING,
        pick(2),
        taken(BOOKED_A, B),
        Transition(State.RESCHEDULING, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    (
        "rescheduling-pick-taken-auto",
        State.RESCHEDULING,
        pick(2),
        taken(replace(BOOKED_A, approval="auto"), B),
        Transition(State.RESCHEDULING, (Offer(OfferReason.TAKEN),), "taken"),
    ),
    (
        "rescheduling-pick-out-of-range",
        State.RESCHEDULING,
        pick(4),
        replace(BOOKED_A, approval="auto"),
        Transition(State.RESCHEDULING, (Clarify(),), "clarify"),
    ),
    (
        "rescheduling-pick-out-of-range-again",
        State.RESCHEDULING,
        pick(0),
        replace(BOOKED_A, clarified=True),
        Transition(
            State.RESCHEDULING, (AlertTherapist("unclear-reply"),), "unclear-again"
        ),
    ),
    (
        "rescheduling-none-fit",
        State.RESCHEDULING,
        kind(ReplyKind.NONE_FIT),
        BOOKED_A,
        Transition(State.RESCHEDULING, (Offer(OfferReason.MORE),), "more-times"),
    ),
    (
        "rescheduling-reschedule-talk",
        State.RESCHEDULING,
        kind(ReplyKind.RESCHEDULE),
        BOOKED_A,
        Transition(State.RESCHEDULING, (Offer(OfferReason.MORE),), "more-times"),
    ),
    (
        "rescheduling-unclear",
        State.RESCHEDULING,
        kind(ReplyKind.UNCLEAR),
        BOOKED_A,
        Transition(State.RESCHEDULING, (Clarify(),), "clarify"),
    ),
    (
        "rescheduling-cancel",
        State.RESCHEDULING,
        kind(ReplyKind.CANCEL),
        BOOKED_A,
        Transition(State.CANCELLED, (CancelCall("person"),), "cancelled"),
    ),
    (
        "rescheduling-other",
        State.RESCHEDULING,
        kind(ReplyKind.OTHER, PHONE),
        BOOKED_A,
        Transition(
            State.RESCHEDULING,
            (RememberPhone(PHONE), AlertTherapist("offer-reply")),
            "reply-other",
        ),
    ),
]

# A question or a thank-you while waiting: nothing changes, the phone is kept,
# and the therapist is told to read it (never silence); a reply with no words of
# its own (only our letter quoted) tells nobody anything.
for _state, _facts in (
    (State.OFFERED, WAITING),
    (State.HELD, HOLDING),
    (State.RESCHEDULING, BOOKED_A),
):
    for _phone in (None, PHONE):
        _kept = (RememberPhone(_phone),) if _phone else ()
        PERSON_CASES.append(
            (
                f"{_state}-other-{tag(_phone)}",
                _state,
                kind(ReplyKind.OTHER, _phone),
                _facts,
                Transition(
                    _state, (*_kept, AlertTherapist("offer-reply")), "reply-other"
                ),
            )
        )
        PERSON_CASES.append(
            (
                f"{_state}-empty-{tag(_phone)}",
                _state,
                replace(kind(ReplyKind.OTHER, _phone), empty=True),
                _facts,
                Transition(_state, _kept, "reply-other"),
            )
        )

# Booked: picks and questions change nothing (before or after); unclear words
# ("I can't make it": cancel or move?) keep the booking and ask the therapist.
for _facts in (BOOKED_A, STARTED, MOVING):
    for _phone in (None, PHONE):
        PERSON_CASES.append(
            (
                f"booked-unclear-{tag(_phone)}-{_facts.call_started}",
                State.BOOKED,
                replace(kind(ReplyKind.UNCLEAR), phone=_phone),
                replace(_facts, approval="auto"),
                Transition(
                    State.BOOKED,
                    (
                        *((RememberPhone(_phone),) if _phone else ()),
                        AlertTherapist("booked-unclear"),
                    ),
                    "booked-unclear",
                ),
            )
        )
    for _reply in (pick(1), pick(2), pick(99)):
        for _phone in (None, PHONE):
            PERSON_CASES.append(
                (
                    f"booked-{_reply.kind}-{_reply.choice}-{tag(_phone)}-{_facts.call_started}",
                    State.BOOKED,
                    replace(_reply, phone=_phone),
                    replace(_facts, approval="auto"),
                    Transition(
                        State.BOOKED,
                        (RememberPhone(_phone),) if _phone else (),
                        f"reply-{_reply.kind.value}",
                    ),
                )
            )
    PERSON_CASES.append(
        (
            f"booked-other-{_facts.call_started}",
            State.BOOKED,
            kind(ReplyKind.OTHER),
            _facts,
            Transition(State.BOOKED, (), "reply-other"),
        )
    )

_EVERY_REPLY = (pick(1), pick(2), pick(99), pick(None), *(kind(k) for k in ReplyKind))

# closed (expired) / cancelled + a pick, none fit, or a move -> offered: fresh
# times; anything else (a thank-you, "please cancel" again) sends nothing.
_ASKS_FOR_TIMES = {ReplyKind.PICK, ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}
for _state in (State.CLOSED, State.CANCELLED):
    for _reply in _EVERY_REPLY:
        for _phone in (None, PHONE):
            _remember = (RememberPhone(_phone),) if _phone else ()
            PERSON_CASES.append(
                (
                    f"{_state}-reopenable-{_reply.kind}-{_reply.choice}-{tag(_phone)}",
                    _state,
                    replace(_reply, phone=_phone),
                    replace(WAITING, reopenable=True, approval="auto", preapproved=A),
                    Transition(
                        State.OFFERED,
                        (*_remember, Offer(OfferReason.REOPEN)),
                        "reopened",
                    )
                    if _reply.kind in _ASKS_FOR_TIMES
                    else Transition(_state, _remember, "reply-after-close"),
                )
            )

# Escalated, stood down, followed up (answers go to on_followup_answer), and closed
# or cancelled for good: the person's words change nothing but the phone number.
for _state, _reopenable in (
    (State.ESCALATED, False),
    (State.ESCALATED, True),
    (State.STOOD_DOWN, False),
    (State.STOOD_DOWN, True),
    (State.FOLLOWED_UP, False),
    (State.CLOSED, False),
    (State.CANCELLED, False),
):
    for _reply in _EVERY_REPLY:
        for _phone in (None, PHONE):
            PERSON_CASES.append(
                (
                    f"{_state}-{_reopenable}-{_reply.kind}-{_reply.choice}-{tag(_phone)}",
                    _state,
                    replace(_reply, phone=_phone),
                    replace(
                        WAITING, approval="auto", preapproved=A, reopenable=_reopenable
                    ),
                    Transition(
                        _state,
                        (RememberPhone(_phone),) if _phone else (),
                        "reply-ignored",
                    ),
                )
            )


@pytest.mark.parametrize(("state", "reply", "facts", "expected"), params(PERSON_CASES))
def test_person_reply(
    state: State, reply: PersonReply, facts: Facts, expected: Transition
) -> None:
    assert on_person_reply(state, reply, facts) == expected


@pytest.mark.parametrize(
    ("state", "facts"),
    [
        (State.OFFERED, WAITING),
        (State.HELD, HOLDING),
        (State.RESCHEDULING, BOOKED_A),
        (State.BOOKED, BOOKED_A),
    ],
)
@pytest.mark.parametrize("approval", ["therapist", "auto"])
def test_pick_without_a_number_never_holds_or_books(
    state: State, facts: Facts, approval: str
) -> None:
    """A PICK the reader could not number is not a pick of anything."""
    result = on_person_reply(state, pick(None), replace(facts, approval=approval))
    assert result.state is state
    assert not any(
        isinstance(c, Hold | Book | Move | AskToMove | Confirm | Release)
        for c in result.commands
    )


@pytest.mark.parametrize(
    ("state", "facts"),
    [
        (State.OFFERED, WAITING),
        (State.HELD, HOLDING),
        (State.RESCHEDULING, BOOKED_A),
    ],
)
def test_pick_without_a_number_is_treated_as_unclear(
    state: State, facts: Facts
) -> None:
    assert on_person_reply(state, pick(None), facts) == Transition(
        state, (Clarify(),), "clarify"
    )
    assert on_person_reply(
        state, pick(None), replace(facts, clarified=True)
    ) == Transition(state, (AlertTherapist("unclear-reply"),), "unclear-again")


@pytest.mark.parametrize("state", [State.CLOSED, State.CANCELLED])
def test_cancel_never_reopens(state: State) -> None:
    facts = replace(WAITING, reopenable=True)
    result = on_person_reply(state, kind(ReplyKind.CANCEL), facts)
    assert result.state is state
    assert not any(isinstance(c, Offer) for c in result.commands)


@pytest.mark.parametrize("choice", range(1, 7))
def test_each_number_picks_that_offered_slot(choice: int) -> None:
    facts = Facts(approval="therapist", offered=POOL, free=frozenset(POOL))
    result = on_person_reply(State.OFFERED, pick(choice), facts)
    slot = POOL[choice - 1]
    assert result == Transition(
        State.HELD, (Hold(slot), AskApproval(slot), ThankForPick(slot)), "held"
    )


def test_empty_phone_is_not_remembered() -> None:
    result = on_person_reply(State.OFFERED, kind(ReplyKind.OTHER, ""), WAITING)
    assert result == Transition(
        State.OFFERED, (AlertTherapist("offer-reply"),), "reply-other"
    )


# -- the therapist's reply -----------------------------------------------------------

THERAPIST_CASES: list[Case] = [
    # held + therapist approves, slot free -> booked: confirm with invitation
    (
        "approve-free",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        HOLDING,
        Transition(State.BOOKED, (Book(A), Confirm(A)), "approved"),
    ),
    (
        "approve-free-with-note",
        State.HELD,
        TherapistReply(Decision.APPROVE, note="Looking forward to it"),
        HOLDING,
        # A yes's note is never passed on (see words_unsent).
        Transition(State.BOOKED, (Book(A), Confirm(A)), "approved"),
    ),
    (
        "approve-held-other-than-first",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        replace(HOLDING, held=C),
        Transition(State.BOOKED, (Book(C), Confirm(C)), "approved"),
    ),
    (
        "approve-ignores-a-stray-proposal",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        replace(HOLDING, proposed=D),
        Transition(State.BOOKED, (Book(A), Confirm(A)), "approved"),
    ),
    # held + therapist approves, slot taken -> offered: fresh offer with an apology
    (
        "approve-taken",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        taken(HOLDING, A),
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.TAKEN)),
            "approved-but-taken",
        ),
    ),
    (
        "approve-nothing-free",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        replace(HOLDING, free=frozenset()),
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.TAKEN)),
            "approved-but-taken",
        ),
    ),
    # held + therapist declines (+ note) -> offered: fresh offer with the note
    (
        "decline-with-note",
        State.HELD,
        TherapistReply(Decision.DECLINE, note=NOTE),
        HOLDING,
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.DECLINED, NOTE)),
            "declined",
        ),
    ),
    (
        "decline-without-note",
        State.HELD,
        TherapistReply(Decision.DECLINE),
        HOLDING,
        Transition(
            State.OFFERED, (Release(), Offer(OfferReason.DECLINED, "")), "declined"
        ),
    ),
    (
        "decline-when-held-slot-taken",
        State.HELD,
        TherapistReply(Decision.DECLINE, note=NOTE),
        taken(HOLDING, A),
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.DECLINED, NOTE)),
            "declined",
        ),
    ),
    # held + therapist proposes a time -> offered: that one time, pre-approved
    (
        "propose-resolved",
        State.HELD,
        TherapistReply(Decision.PROPOSE, proposed=WallTime(D.start_at.time(), 4)),
        replace(HOLDING, proposed=D),
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.PROPOSED, "", only=D)),
            "proposed",
        ),
    ),
    (
        "propose-resolved-with-note",
        State.HELD,
        TherapistReply(
            Decision.PROPOSE,
            note="Could we do Friday?",
            proposed=WallTime(D.start_at.time()),
        ),
        replace(HOLDING, proposed=D),
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.PROPOSED, "Could we do Friday?", only=D)),
            "proposed",
        ),
    ),
    (
        "propose-unresolved",
        State.HELD,
        TherapistReply(Decision.PROPOSE, proposed=WallTime(D.start_at.time())),
        HOLDING,
        Transition(State.HELD, (AskTherapistAgain(),), "approval-unclear"),
    ),
    (
        "propose-with-no-time",
        State.HELD,
        TherapistReply(Decision.PROPOSE, note="Another day?"),
        HOLDING,
        Transition(State.HELD, (AskTherapistAgain(),), "approval-unclear"),
    ),
    # held + therapist unclear -> held: ask the therapist again
    (
        "unclear",
        State.HELD,
        TherapistReply(Decision.UNCLEAR),
        HOLDING,
        Transition(State.HELD, (AskTherapistAgain(),), "approval-unclear"),
    ),
    (
        "cancel-while-held-is-a-decline",
        State.HELD,
        TherapistReply(Decision.CANCEL, note=NOTE),
        HOLDING,
        Transition(
            State.OFFERED,
            (Release(), Offer(OfferReason.DECLINED, NOTE)),
            "declined",
        ),
    ),
    (
        "private-while-held-stands-down",
        State.HELD,
        TherapistReply(Decision.PRIVATE),
        HOLDING,
        Transition(
            State.STOOD_DOWN,
            (Release(), AlertTherapist("stood-down")),
            "stood-down-by-therapist",
        ),
    ),
    (
        "no-show-while-held-is-unclear",
        State.HELD,
        TherapistReply(Decision.NO_SHOW),
        replace(HOLDING, call_started=True),
        Transition(State.HELD, (AskTherapistAgain(),), "approval-unclear"),
    ),
    # HELD in name only (the shell found no held call): nothing to approve
    (
        "held-without-a-hold-is-stale",
        State.HELD,
        TherapistReply(Decision.APPROVE),
        replace(HOLDING, held=None),
        Transition(State.HELD, (), "approval-stale"),
    ),
    # booked + therapist "cancel" (+ note) -> cancelled: METHOD:CANCEL with the note
    (
        "booked-cancel",
        State.BOOKED,
        TherapistReply(Decision.CANCEL, note=NOTE),
        BOOKED_A,
        Transition(State.CANCELLED, (CancelCall("therapist", NOTE),), "cancelled"),
    ),
    (
        "booked-cancel-without-note",
        State.BOOKED,
        TherapistReply(Decision.CANCEL),
        BOOKED_A,
        Transition(State.CANCELLED, (CancelCall("therapist", ""),), "cancelled"),
    ),
    (
        "booked-cancel-with-a-move-pending",
        State.BOOKED,
        TherapistReply(Decision.CANCEL, note=NOTE),
        MOVING,
        Transition(State.CANCELLED, (CancelCall("therapist", NOTE),), "cancelled"),
    ),
    (
        "rescheduling-cancel",
        State.RESCHEDULING,
        TherapistReply(Decision.CANCEL, note=NOTE),
        BOOKED_A,
        Transition(State.CANCELLED, (CancelCall("therapist", NOTE),), "cancelled"),
    ),
    (
        "booked-cancel-after-the-start-is-stale",
        State.BOOKED,
        TherapistReply(Decision.CANCEL),
        STARTED,
        Transition(State.BOOKED, (), "approval-stale"),
    ),
    # booked + therapist "no show" -> offered: "sorry we missed each other"
    (
        "booked-no-show",
        State.BOOKED,
        TherapistReply(Decision.NO_SHOW),
        STARTED,
        Transition(State.OFFERED, (MarkMissed(), Offer(OfferReason.MISSED)), "no-show"),
    ),
    (
        "rescheduling-no-show",
        State.RESCHEDULING,
        TherapistReply(Decision.NO_SHOW),
        STARTED,
        Transition(State.OFFERED, (MarkMissed(), Offer(OfferReason.MISSED)), "no-show"),
    ),
    (
        "followed-up-no-show",
        State.FOLLOWED_UP,
        TherapistReply(Decision.NO_SHOW),
        STARTED,
        Transition(State.OFFERED, (MarkMissed(), Offer(OfferReason.MISSED)), "no-show"),
    ),
    (
        "booked-no-show-with-a-move-pending",
        State.BOOKED,
        TherapistReply(Decision.NO_SHOW),
        replace(MOVING, call_started=True),
        Transition(State.OFFERED, (MarkMissed(), Offer(OfferReason.MISSED)), "no-show"),
    ),
    (
        "booked-no-show-before-the-start-is-stale",
        State.BOOKED,
        TherapistReply(Decision.NO_SHOW),
        BOOKED_A,
        Transition(State.BOOKED, (), "approval-stale"),
    ),
    # booked + therapist approves the move -> booked: moved (SEQUENCE+1)
    (
        "move-approved",
        State.BOOKED,
        TherapistReply(Decision.APPROVE),
        MOVING,
        Transition(State.BOOKED, (Move(E), Confirm(E)), "moved"),
    ),
    (
        "move-approved-but-taken",
        State.BOOKED,
        TherapistReply(Decision.APPROVE),
        taken(MOVING, E),
        Transition(State.BOOKED, (KeepBooking(),), "move-taken"),
    ),
    # booked + therapist declines the move -> booked: the person hears it stays
    (
        "move-declined-with-note",
        State.BOOKED,
        TherapistReply(Decision.DECLINE, note=NOTE),
        MOVING,
        Transition(State.BOOKED, (KeepBooking(NOTE),), "move-declined"),
    ),
    (
        "move-declined",
        State.BOOKED,
        TherapistReply(Decision.DECLINE),
        MOVING,
        Transition(State.BOOKED, (KeepBooking(""),), "move-declined"),
    ),
    (
        "move-propose-is-unclear",
        State.BOOKED,
        TherapistReply(Decision.PROPOSE),
        replace(MOVING, proposed=D),
        Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear"),
    ),
    (
        "move-unclear",
        State.BOOKED,
        TherapistReply(Decision.UNCLEAR),
        MOVING,
        Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear"),
    ),
    (
        "move-no-show-before-the-start-is-unclear",
        State.BOOKED,
        TherapistReply(Decision.NO_SHOW),
        MOVING,
        Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear"),
    ),
    (
        "move-cancel-after-the-start-is-unclear",
        State.BOOKED,
        TherapistReply(Decision.CANCEL),
        replace(MOVING, call_started=True),
        Transition(State.BOOKED, (AskTherapistAgain(),), "move-unclear"),
    ),
]

# Booked with no move pending: approvals, declines, proposals are stale.
for _decision in (
    Decision.APPROVE,
    Decision.DECLINE,
    Decision.PROPOSE,
    Decision.UNCLEAR,
):
    for _facts in (BOOKED_A, STARTED):
        THERAPIST_CASES.append(
            (
                f"booked-{_decision}-{_facts.call_started}-stale",
                State.BOOKED,
                TherapistReply(_decision, note=NOTE),
                replace(_facts, held=A, proposed=D),
                Transition(State.BOOKED, (), "approval-stale"),
            )
        )

# Anything arriving while nothing waits on the therapist is stale.
for _state in (State.OFFERED, *ENDED):
    for _decision in Decision:
        for _facts in (HOLDING, replace(MOVING, held=A, call_started=True)):
            THERAPIST_CASES.append(
                (
                    f"{_state}-{_decision}-{_facts.call_started}-stale",
                    _state,
                    TherapistReply(_decision, note=NOTE),
                    replace(_facts, proposed=D),
                    Transition(_state, (), "approval-stale"),
                )
            )
for _state in (State.RESCHEDULING, State.FOLLOWED_UP):
    for _decision in (Decision.APPROVE, Decision.DECLINE, Decision.PROPOSE):
        THERAPIST_CASES.append(
            (
                f"{_state}-{_decision}-stale",
                _state,
                TherapistReply(_decision, note=NOTE),
                replace(MOVING, held=A, proposed=D),
                Transition(_state, (), "approval-stale"),
            )
        )


@pytest.mark.parametrize(
    ("state", "reply", "facts", "expected"), params(THERAPIST_CASES)
)
def test_therapist_reply(
    state: State, reply: TherapistReply, facts: Facts, expected: Transition
) -> None:
    assert on_therapist_reply(state, reply, facts) == expected


# -- calendar messages ---------------------------------------------------------------


def cal(
    method: str, partstat: str | None = None, start: Slot | None = None
) -> CalendarMessage:
    return CalendarMessage(
        method=method,
        uid="uid-1@mailflow",
        sequence=0,
        partstat=partstat,
        start_at=start.start_at if start else None,
        end_at=start.end_at if start else None,
        from_person=True,  # matched to the booked person (#11)
    )


CALENDAR_CASES: list[tuple[str, State, CalendarMessage, Transition]] = [
    # booked + calendar COUNTER (new time) -> booked: therapist asked to approve
    (
        "booked-counter-with-a-time",
        State.BOOKED,
        cal("COUNTER", start=E),
        Transition(State.BOOKED, (AskToMove(E),), "calendar-counter"),
    ),
    (
        "booked-counter-without-a-time",
        State.BOOKED,
        cal("COUNTER"),
        Transition(
            State.BOOKED,
            (AlertTherapist("counter", reply="COUNTER"),),
            "calendar-counter",
        ),
    ),
    (
        "booked-counter-with-only-a-start",
        State.BOOKED,
        replace(cal("COUNTER"), start_at=E.start_at),
        Transition(
            State.BOOKED,
            (AlertTherapist("counter", reply="COUNTER"),),
            "calendar-counter",
        ),
    ),
    (
        "booked-reply-accepted",
        State.BOOKED,
        cal("REPLY", "ACCEPTED"),
        Transition(State.BOOKED, (), "calendar-accepted"),
    ),
    (
        "booked-reply-tentative",
        State.BOOKED,
        cal("REPLY", "TENTATIVE"),
        Transition(State.BOOKED, (), "calendar-tentative"),
    ),
    (
        "booked-reply-needs-action",
        State.BOOKED,
        cal("REPLY", "NEEDS-ACTION"),
        Transition(State.BOOKED, (), "calendar-needs-action"),
    ),
    (
        "booked-reply-without-partstat",
        State.BOOKED,
        cal("REPLY"),
        Transition(State.BOOKED, (), "calendar-reply"),
    ),
    (
        "booked-refresh",
        State.BOOKED,
        cal("REFRESH"),
        Transition(State.BOOKED, (), "calendar-refresh"),
    ),
    (
        "booked-request",
        State.BOOKED,
        cal("REQUEST"),
        Transition(State.BOOKED, (), "calendar-request"),
    ),
    (
        "booked-cancel",
        State.BOOKED,
        cal("CANCEL"),
        Transition(State.BOOKED, (), "calendar-cancel"),
    ),
]

# Outside BOOKED, a COUNTER changes nothing, nor does a REPLY except declining a
# call that is being moved.
for _state in State:
    if _state is State.BOOKED:
        continue
    for _message in (cal("COUNTER", start=E), cal("COUNTER")):
        CALENDAR_CASES.append(
            (
                f"{_state}-counter-{_message.start_at is not None}",
                _state,
                _message,
                Transition(_state, (), "calendar-counter"),
            )
        )
    for _method, _partstat in (
        ("REPLY", "DECLINED"),
        ("REPLY", "ACCEPTED"),
        ("REQUEST", None),
        ("CANCEL", None),
    ):
        declines_a_call = _state is State.RESCHEDULING and _partstat == "DECLINED"
        CALENDAR_CASES.append(
            (
                f"{_state}-{_method}-{_partstat}",
                _state,
                cal(_method, _partstat),
                # A call being moved still stands: declining it cancels it.
                Transition(
                    State.CANCELLED, (CancelCall("calendar"),), "calendar-declined"
                )
                if declines_a_call
                else Transition(
                    _state, (), f"calendar-{(_partstat or _method).lower()}"
                ),
            )
        )


@pytest.mark.parametrize(
    ("state", "message", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CALENDAR_CASES],
)
def test_calendar(state: State, message: CalendarMessage, expected: Transition) -> None:
    decided = on_calendar(state, message)
    if message.method == "REPLY" and message.from_person and not message.stale:
        # The person's answer to the call as it stands is kept on the booking.
        assert decided.commands[0] == workflow.RecordAnswer(message.partstat)
        decided = replace(decided, commands=decided.commands[1:])
    assert decided == expected


def test_only_the_persons_current_answer_is_recorded_on_the_booking() -> None:
    mine = cal("REPLY", "DECLINED")
    assert workflow.RecordAnswer("DECLINED") in on_calendar(State.BOOKED, mine).commands
    for other in (replace(mine, from_person=False), replace(mine, stale=True)):
        assert not any(
            isinstance(c, workflow.RecordAnswer)
            for c in on_calendar(State.BOOKED, other).commands
        )


def test_booked_calendar_declined_tells_the_therapist() -> None:
    """Whatever else happens, the therapist hears their person declined."""
    result = on_calendar(State.BOOKED, cal("REPLY", "DECLINED"))
    assert result.outcome == "calendar-declined"
    assert any(isinstance(c, AlertTherapist | CancelCall) for c in result.commands)
    assert not any(isinstance(c, Book | Move | Hold | Offer) for c in result.commands)


def test_booked_calendar_declined_cancels_as_the_table_says() -> None:
    result = on_calendar(State.BOOKED, cal("REPLY", "DECLINED"))
    assert result.state is State.CANCELLED
    assert any(
        isinstance(c, CancelCall) and c.by == "calendar" for c in result.commands
    )


# -- timers --------------------------------------------------------------------------

TIMER_STEPS = (
    "reminder",
    "followup",
    "followup_nudge",
    "followup_close",
    "offer_nudge",
    "offer_expire",
    "hold_remind",
    "hold_lapse",
    "move_remind",
    "move_lapse",
)
# (state, step) -> what happens; everything else is "timer-stale".
TIMER_ROWS = {
    # booked + reminder due -> booked: reminder
    (State.BOOKED, "reminder"): Transition(
        State.BOOKED, (Send("reminder"),), "reminded"
    ),
    # booked + follow-up due -> followed_up: "would you like to start?"
    (State.BOOKED, "followup"): Transition(
        State.FOLLOWED_UP, (MarkHeld(), Send("followup")), "followed-up"
    ),
    # a call being moved still stands until a new time is chosen
    (State.RESCHEDULING, "reminder"): Transition(
        State.RESCHEDULING, (Send("reminder"),), "reminded"
    ),
    (State.RESCHEDULING, "followup"): Transition(
        State.FOLLOWED_UP, (MarkHeld(), Send("followup")), "followed-up"
    ),
    # followed_up + silence, then silence again -> closed: one nudge, then closed
    (State.FOLLOWED_UP, "followup_nudge"): Transition(
        State.FOLLOWED_UP, (Send("followup_nudge"),), "followup-nudged"
    ),
    (State.FOLLOWED_UP, "followup_close"): Transition(
        State.CLOSED, (Close("silent"),), "closed-silent"
    ),
    # offered + silence, then silence again -> closed: a nudge with fresh times
    (State.OFFERED, "offer_nudge"): Transition(
        State.OFFERED, (Offer(OfferReason.NUDGE),), "offer-nudged"
    ),
    (State.OFFERED, "offer_expire"): Transition(
        State.CLOSED, (Close("expired"),), "expired"
    ),
    # held + no answer -> the therapist reminded once; still none -> fresh times
    (State.HELD, "hold_remind"): Transition(
        State.HELD, (AskTherapistAgain(waiting=True),), "approval-reminded"
    ),
    (State.HELD, "hold_lapse"): Transition(
        State.OFFERED, (Release(), Offer(OfferReason.LAPSED)), "hold-lapsed"
    ),
}


@pytest.mark.parametrize("step", [*TIMER_STEPS, "bogus"])
@pytest.mark.parametrize("state", list(State))
def test_timer(state: State, step: str) -> None:
    expected = TIMER_ROWS.get((state, step), Transition(state, (), "timer-stale"))
    for facts in (WAITING, HOLDING, STARTED):
        assert on_timer(state, step, facts) == expected
    # A move waiting for the therapist adds its own two steps to a booking.
    moving = MOVE_ROWS.get((state, step), expected)
    assert on_timer(state, step, MOVING) == moving


# booked + a move unanswered -> the therapist reminded; then it stays, with an apology
MOVE_ROWS = {
    (State.BOOKED, "move_remind"): Transition(
        State.BOOKED, (AskTherapistAgain(waiting=True),), "move-reminded"
    ),
    (State.BOOKED, "move_lapse"): Transition(
        State.BOOKED, (KeepBooking(lapsed=True),), "move-lapsed"
    ),
}


# -- answers to the follow-up --------------------------------------------------------

FOLLOWUP_ROWS = {
    # followed_up + yes / not now / no -> closed: kind answer; therapist told
    "yes": Transition(
        State.CLOSED,
        (AnswerFollowup("yes"), Close("wants-to-start")),
        "followup-yes",
    ),
    "not_now": Transition(
        State.CLOSED,
        (AnswerFollowup("not_now"), Close("not-now")),
        "followup-not_now",
    ),
    "no": Transition(State.CLOSED, (AnswerFollowup("no"), Close("no")), "followup-no"),
}
# followed_up + a question -> stood_down: passed to the therapist
QUESTION = Transition(
    State.STOOD_DOWN, (AnswerFollowup("question"),), "followup-question"
)


@pytest.mark.parametrize("answer", ["yes", "not_now", "no", "question", "", "maybe"])
@pytest.mark.parametrize("state", [State.FOLLOWED_UP, State.CLOSED])
def test_followup_answer(state: State, answer: str) -> None:
    """In FOLLOWED_UP, and CLOSED after a silent close (the shell's guard)."""
    assert on_followup_answer(state, answer) == FOLLOWUP_ROWS.get(answer, QUESTION)


@pytest.mark.parametrize(
    "state", [State.HELD, State.BOOKED, State.ESCALATED, State.OFFERED]
)
def test_followup_answer_elsewhere_changes_nothing(state: State) -> None:
    assert on_followup_answer(state, "yes").state is state


def test_pure_same_inputs_same_answer() -> None:
    """No hidden state: asking twice gives the same transition."""
    for state in State:
        for reply in (pick(1), pick(2, PHONE), kind(ReplyKind.UNCLEAR)):
            assert on_person_reply(state, reply, HOLDING) == on_person_reply(
                state, reply, HOLDING
            )
        for decision in Decision:
            answer = TherapistReply(decision)
            assert on_therapist_reply(state, answer, MOVING) == on_therapist_reply(
                state, answer, MOVING
            )


# -- random conversations against a model of the shell -------------------------------

# Strategies draw few choices (a bitmask, an index) so 200 x 30 steps stay fast.
ALL_OFFERS = tuple(
    offer for n in range(1, 5) for offer in itertools.permutations(POOL, n)
)
OFFERS = st.integers(0, len(ALL_OFFERS) - 1).map(ALL_OFFERS.__getitem__)
FREE = st.integers(0, 2 ** len(POOL) - 1).map(
    lambda mask: frozenset(s for i, s in enumerate(POOL) if mask >> i & 1)
)
PHONES = st.sampled_from([None, None, "", PHONE])
# Picks and "none of these" move things; the rest mostly leave them be.
KINDS = st.sampled_from([*ReplyKind, ReplyKind.PICK, ReplyKind.NONE_FIT])
# Mostly sensible numbers (the first two offered slots are usually free).
CHOICES = st.sampled_from([None, -1, 0, 1, 1, 2, 2, 3, 4, 5])
# A fresh offer the shell would make; empty (one in ten) means nothing to offer,
# after which the shell stands the enquiry down.
FRESH = st.integers(0, len(ALL_OFFERS) * 10 // 9).map(
    lambda i: ALL_OFFERS[i] if i < len(ALL_OFFERS) else ()
)
METHODS = st.sampled_from(
    ["REPLY", "REPLY", "COUNTER", "COUNTER", "COUNTER", "REQUEST"]
)
PARTSTATS = st.sampled_from([None, "ACCEPTED", "DECLINED", "TENTATIVE"])
ANSWERS = st.sampled_from(["yes", "not_now", "no", "question"])
# Live booking, move pending, hold: what the shell's store holds for the enquiry.
WITH_BOOKING = {State.BOOKED, State.RESCHEDULING}


@dataclass
class Step:
    """What one signal did, for the checks."""

    before: State
    facts: Facts
    transition: Transition
    signal: str  # "person" | "therapist" | "therapist-earlier" | "calendar" | "timer" | "followup"
    reply: PersonReply | None = None
    answer: TherapistReply | None = None
    message: CalendarMessage | None = None


class WorkflowMachine(RuleBasedStateMachine):
    """One enquiry and a tiny shell: hold, booking, offers, a pending move."""

    @initialize(
        approval=st.sampled_from(["therapist", "auto"]),
        offered=OFFERS,
        asked=st.sampled_from([False, False, True]),
        booked=st.sampled_from([False, False, True]),
    )
    def start(
        self, approval: str, offered: tuple[Slot, ...], asked: bool, booked: bool
    ) -> None:
        self.approval = approval
        # Some start with a call booked earlier, so moves are picked often.
        self.state = State.BOOKED if booked else State.OFFERED
        self.offered = offered
        self.holds: list[Slot] = []  # live holds for this enquiry
        # the live (future or ongoing) call
        self.booking: Slot | None = offered[0] if booked else None
        self.counter: Slot | None = None  # a move waiting for the therapist
        self.clarified = False
        self.preapproved: Slot | None = None
        self.closed_reason = ""
        self.cancelled_by_therapist = False
        self.started = False  # the booked call's start has passed
        # A question beside a pick reached the therapist (as the store keeps
        # `Enquiry.asked`): never cleared within the enquiry. Some start with
        # one told already, earlier in the conversation.
        self.asked = asked

    def facts(self, free: frozenset[Slot], proposed: Slot | None = None) -> Facts:
        return Facts(
            approval=self.approval,
            offered=self.offered,
            held=self.holds[0] if self.holds else None,
            free=free,
            preapproved=self.preapproved,
            clarified=self.clarified,
            proposed=proposed,
            counter=self.counter,
            call_started=(self.booking is not None and self.started)
            or self.state is State.FOLLOWED_UP,
            reopenable=self.state is State.CANCELLED
            or (
                self.state is State.CLOSED
                and self.closed_reason in {"expired", "withdrawn"}
            ),
            # As the shell reads the record: a therapist's cancellation asks
            # them to reply (see Conversation._facts).
            invited_back=self.state is State.CANCELLED and self.cancelled_by_therapist,
            asked=self.asked,
        )

    # -- signals --

    @rule(
        reply_kind=KINDS,
        choice=CHOICES,
        phone=PHONES,
        free=FREE,
        usual=st.booleans(),
        fresh=FRESH,
        raised=st.sampled_from([False, False, False, True]),
        asks=st.sampled_from([False, False, False, True]),
    )
    def person(
        self,
        reply_kind: ReplyKind,
        choice: int | None,
        phone: str | None,
        free: frozenset[Slot],
        usual: bool,
        fresh: tuple[Slot, ...],
        raised: bool = False,
        asks: bool = False,
    ) -> None:
        if self.answers_followup():
            return  # the shell reads these as follow-up answers
        if reply_kind is not ReplyKind.PICK and choice is not None:
            choice = None
        reply = PersonReply(
            reply_kind,
            choice=choice,
            phone=phone,
            # A pick beside a question; the shell keeps the question when it
            # makes a pick under an older list unclear.
            asks=asks and reply_kind in {ReplyKind.PICK, ReplyKind.UNCLEAR},
        )
        facts = replace(
            self.facts(free | set(self.offered[:2]) if usual else free), raised=raised
        )
        result = on_person_reply(self.state, reply, facts)
        self.carry_out(Step(self.state, facts, result, "person", reply=reply), fresh)

    @rule(
        choice=st.sampled_from([1, 1, 2, 3]),
        fresh=FRESH,
        asks=st.sampled_from([False, False, True]),
    )
    def person_picks(self, choice: int, fresh: tuple[Slot, ...], asks: bool) -> None:
        """A sensible pick of a (usually) free slot, so holds and bookings
        happen (some beside a question)."""
        free = frozenset(POOL) - {self.offered[-1]}
        self.person(ReplyKind.PICK, choice, None, free, False, fresh, asks=asks)

    @rule(
        outside=st.sampled_from([-1, 0, 1, 2]),
        phone=PHONES,
        fresh=FRESH,
        asks=st.sampled_from([False, False, True]),
    )
    def person_picks_out_of_range(
        self, outside: int, phone: str | None, fresh: tuple[Slot, ...], asks: bool
    ) -> None:
        """A number just off either end of the list, with every slot free
        (some beside a question)."""
        choice = outside if outside < 1 else len(self.offered) + outside
        self.person(
            ReplyKind.PICK, choice, phone, frozenset(POOL), False, fresh, asks=asks
        )

    @rule(choice=st.sampled_from([1, 1, 2, 3]), fresh=FRESH)
    def person_picks_a_taken_time_and_asks(
        self, choice: int, fresh: tuple[Slot, ...]
    ) -> None:
        """A pick beside a question, of a time taken meanwhile."""
        taken = self.offered[min(choice, len(self.offered)) - 1]
        free = frozenset(POOL) - {taken}
        self.person(ReplyKind.PICK, choice, None, free, False, fresh, asks=True)

    @rule(choice=st.sampled_from([1, 1, 2, 3]), fresh=FRESH)
    def person_picks_a_move_late_and_asks(
        self, choice: int, fresh: tuple[Slot, ...]
    ) -> None:
        """A new time for a call being moved, picked beside a question once
        the call's time has come (rare in random walks, so drawn on purpose)."""
        if self.state is not State.RESCHEDULING:
            return
        self.started = True  # the clock passes the booked call's start
        self.person_picks(choice, fresh, asks=True)

    @rule(fresh=FRESH)
    def person_wants_to_move(self, fresh: tuple[Slot, ...]) -> None:
        """Other times for a booked call, so moves are picked often enough
        (after a question told the therapist, too)."""
        self.person(ReplyKind.RESCHEDULE, None, None, frozenset(POOL), False, fresh)

    @rule(answer=ANSWERS)
    def person_answers_followup(self, answer: str) -> None:
        if not self.answers_followup():
            return
        facts = self.facts(frozenset())
        result = on_followup_answer(self.state, answer)
        self.carry_out(Step(self.state, facts, result, "followup"), ())

    @rule(
        decision=st.sampled_from(Decision),
        note=st.sampled_from(["", NOTE]),
        proposed=st.sampled_from([None, *POOL]),
        free=FREE,
        fresh=FRESH,
    )
    def therapist(
        self,
        decision: Decision,
        note: str,
        proposed: Slot | None,
        free: frozenset[Slot],
        fresh: tuple[Slot, ...],
    ) -> None:
        reply = TherapistReply(decision, note=note)
        facts = self.facts(free, proposed)
        result = on_therapist_reply(self.state, reply, facts)
        self.carry_out(
            Step(self.state, facts, result, "therapist", answer=reply), fresh
        )

    @rule(
        decision=st.sampled_from(
            [Decision.APPROVE, Decision.APPROVE, Decision.DECLINE]
        ),
        note=st.sampled_from(["", NOTE]),
        still_free=st.booleans(),
        free=FREE,
        fresh=FRESH,
    )
    def therapist_answers(
        self,
        decision: Decision,
        note: str,
        still_free: bool,
        free: frozenset[Slot],
        fresh: tuple[Slot, ...],
    ) -> None:
        """Mostly approvals of what is held or asked, so bookings and moves happen."""
        waiting = {s for s in (*self.holds, self.counter) if s is not None}
        free = (free - waiting) | (waiting if still_free else set())
        self.therapist(decision, note, None, free, fresh)

    @rule(decision=st.sampled_from(Decision), note=st.sampled_from(["", NOTE]))
    def therapist_answers_an_earlier_request(
        self, decision: Decision, note: str
    ) -> None:
        """A reply in the thread of a request since asked again, which the
        reader leaves alone there (anything but a cancel or a no-show)."""
        reply = TherapistReply(decision, note=note)
        facts = self.facts(frozenset(POOL))
        result = on_superseded_answer(self.state, reply, facts)
        self.carry_out(
            Step(self.state, facts, result, "therapist-earlier", answer=reply), ()
        )

    @rule(method=METHODS, partstat=PARTSTATS, when=st.sampled_from([None, *POOL]))
    def calendar(self, method: str, partstat: str | None, when: Slot | None) -> None:
        message = cal(
            method,
            partstat if method == "REPLY" else None,
            when if method == "COUNTER" else None,
        )
        facts = self.facts(frozenset())
        result = on_calendar(self.state, message, call_started=facts.call_started)
        self.carry_out(Step(self.state, facts, result, "calendar", message=message), ())

    @rule(
        step=st.sampled_from([*TIMER_STEPS, "start", "start", "reminder", "bogus"]),
        fresh=FRESH,
    )
    def timer(self, step: str, fresh: tuple[Slot, ...]) -> None:
        if step == "start":  # the clock passes the booked call's start
            self.started = self.booking is not None
            return
        facts = self.facts(frozenset(POOL))
        result = on_timer(self.state, step, facts)
        self.carry_out(Step(self.state, facts, result, "timer"), fresh)

    @rule(
        ended=st.sampled_from([State.ESCALATED, State.STOOD_DOWN]),
        now=st.integers(0, 5),
    )
    def a_human_takes_over(self, ended: State, now: int) -> None:
        """The therapist answers by hand: the shell stands the enquiry down."""
        # Only now and then, so conversations run on. (No precondition: rules
        # that cannot run make Hypothesis throw whole examples away.)
        if now or self.state in ENDED:
            return
        self.holds.clear()
        self.booking = self.counter = None
        self.state = ended

    def answers_followup(self) -> bool:
        return self.state is State.FOLLOWED_UP or (
            self.state is State.CLOSED and self.closed_reason == "silent"
        )

    # -- the shell --

    def carry_out(self, step: Step, fresh: tuple[Slot, ...]) -> None:
        before, facts, result = step.before, step.facts, step.transition
        commands = result.commands
        self.check_shape(step)
        state = result.state
        done: list[Slot] = []  # booked or moved in this transition
        asked: list[Slot] = []  # held or asked to move to in this transition
        for index, command in enumerate(commands):
            match command:
                case RememberPhone(phone=phone):
                    assert index == 0, "the phone is remembered first"
                    assert step.reply is not None
                    assert phone == step.reply.phone
                    assert phone
                case Release():
                    assert before is State.HELD, "only a hold is released"
                    assert self.holds, "Release with nothing held"
                    self.holds.clear()
                case Hold(slot=slot):
                    assert not self.holds, (
                        f"Hold({slot}) while {self.holds} still held, no Release first"
                    )
                    assert self.booking is None, "a hold beside a booking"
                    assert slot in facts.free, "held a slot that is not free"
                    assert slot in facts.offered, "held a slot never offered"
                    self.holds.append(slot)
                    asked.append(slot)
                case Book(slot=slot):
                    assert slot in facts.free, f"Book({slot}) of a slot not free"
                    assert self.booking is None, "booked twice"
                    # The store keeps one call row per enquiry: a booking replaces
                    # the hold only when it is that same slot.
                    if self.holds:
                        assert self.holds == [slot], (
                            f"Book({slot}) left the hold on {self.holds} behind"
                        )
                        self.holds.clear()
                    self.booking = slot
                    self.started = False
                    done.append(slot)
                case Move(slot=slot):
                    assert self.booking is not None, "Move without a booking"
                    assert slot in facts.free, f"Move({slot}) to a slot not free"
                    assert not self.holds
                    self.booking = slot
                    self.counter = None
                    self.started = False
                    done.append(slot)
                case Confirm(slot=slot):
                    assert slot in done, f"Confirm({slot}) without its Book or Move"
                    self.preapproved = None
                case AskApproval(slot=slot):
                    assert asked == [slot], f"{command} without Hold({slot})"
                    assert self.holds == [slot]
                    # (or a question stood beside the pick, or one beside an
                    # earlier pick reached the therapist: theirs)
                    assert self.approval == "therapist" or _asks(step) or facts.asked
                case ThankForPick(slot=slot):
                    assert asked == [slot], f"{command} without Hold/AskToMove"
                case AskToMove(slot=slot):
                    assert self.booking is not None, "AskToMove without a booking"
                    assert before in WITH_BOOKING
                    if step.signal == "person":
                        assert slot in facts.free
                        assert slot in facts.offered
                        assert (
                            self.approval == "therapist" or _asks(step) or facts.asked
                        )
                    else:
                        assert step.signal == "calendar"
                        assert step.message is not None
                        assert slot.start_at == step.message.start_at
                    self.counter = slot
                    asked.append(slot)
                case KeepBooking(note=note, lapsed=lapsed):
                    assert before is State.BOOKED
                    assert facts.counter is not None
                    if lapsed:
                        assert step.signal == "timer"
                        assert not note
                    else:
                        assert step.answer is not None
                        assert note in {"", step.answer.note}
                    self.counter = None
                case Offer(reason=reason, note=note, only=only):
                    assert state in {State.OFFERED, State.RESCHEDULING}
                    if only is not None:
                        assert reason is OfferReason.PROPOSED
                        assert only == facts.proposed
                        self.offered = (only,)
                        self.preapproved = only
                    elif fresh:
                        self.offered = fresh
                    elif state is State.OFFERED:
                        state = State.STOOD_DOWN  # nothing to offer
                    if reason in {OfferReason.DECLINED, OfferReason.PROPOSED}:
                        assert step.answer is not None
                        assert note == step.answer.note, "the therapist's note lost"
                    else:
                        assert not note
                    if state is State.RESCHEDULING:
                        assert self.booking is not None, "rescheduling nothing"
                    self.clarified = False
                case Clarify():
                    assert not facts.clarified, "a second clarifying question"
                    self.clarified = True
                case AlertTherapist(reason="unclear-reply", asks=asks):
                    assert facts.clarified, "alerted before asking once"
                    assert step.signal == "person"
                    # the whole reply handed over says whether it asked
                    assert asks == _asks(step)
                case AlertTherapist(reason="late-cancel"):
                    assert step.signal == "person"
                    assert before in {State.BOOKED, State.RESCHEDULING}
                    assert facts.call_started
                    assert state is State.STOOD_DOWN
                case AlertTherapist(reason="offer-reply" | "after-cancel"):
                    # words with no time in them: the therapist reads them
                    assert step.signal == "person"
                    assert state is before
                case AlertTherapist(reason="booked-unclear"):
                    assert step.signal == "person"
                    # Rescheduling when the call's time has come is read as
                    # booked: the call stands, the fresh times lapse.
                    assert before is State.BOOKED or (
                        before is State.RESCHEDULING and facts.call_started
                    )
                    assert state is State.BOOKED
                case AlertTherapist(reason="cancel-held"):
                    # a cancel in a reply raised for the therapist: theirs now
                    assert step.signal == "person"
                    assert facts.raised
                    assert state is State.STOOD_DOWN
                    # a booked call stays in the therapist's diary, as after a
                    # bounce (`on_undeliverable`): no longer mailflow's to run
                    self.booking = self.counter = None
                case AlertTherapist(reason="pick-asks"):
                    # the same pick again, or a move picked, beside a question
                    assert _asks(step)
                    assert (before, state) in {
                        (State.HELD, State.HELD),  # the same pick again
                        (State.RESCHEDULING, State.BOOKED),  # a move asked for
                    }
                case AlertTherapist(reason="pick-asks-taken"):
                    # a pick beside a question, of a time taken meanwhile:
                    # fresh times go, and nothing is held for the therapist
                    # to read the question with
                    assert _asks(step)
                    assert Offer(OfferReason.TAKEN) in commands
                    assert before in {State.OFFERED, State.HELD, State.RESCHEDULING}
                    assert not any(
                        isinstance(c, Hold | AskApproval | AskToMove) for c in commands
                    )
                case AlertTherapist(reason="pick-asks-unclear"):
                    # which time? asked once, and the therapist told of the
                    # question beside it
                    assert _asks(step)
                    assert Clarify() in commands
                    assert before in {State.OFFERED, State.HELD, State.RESCHEDULING}
                case AlertTherapist(reason="pick-asks-reopen"):
                    # a late pick beside a question after a withdrawal, an
                    # expiry or a cancel: fresh times, and the question told
                    assert _asks(step)
                    assert before in {State.CLOSED, State.CANCELLED}
                    assert facts.reopenable
                    assert Offer(OfferReason.REOPEN) in commands
                    assert not any(
                        isinstance(c, Hold | AskApproval | AskToMove | Book)
                        for c in commands
                    )
                case AlertTherapist(reason="pick-asks-started"):
                    # a move picked beside a question once the call's time
                    # had come: nothing moved, the question told
                    assert _asks(step)
                    assert before is State.RESCHEDULING
                    assert facts.call_started
                    assert state is State.BOOKED
                    assert not any(isinstance(c, Move | AskToMove) for c in commands)
                case AlertTherapist(reason="pick-started"):
                    # a move picked once the call's time had come, no
                    # question: nothing moved, the therapist told
                    assert not _asks(step)
                    assert before is State.RESCHEDULING
                    assert facts.call_started
                    assert state is State.BOOKED
                    assert not any(isinstance(c, Move | AskToMove) for c in commands)
                case AlertTherapist(reason="approval-superseded" | "move-superseded"):
                    # a yes, no or time written to a request since asked
                    # again: nothing acted on, the therapist told
                    assert step.signal == "therapist-earlier"
                    assert step.answer is not None
                    assert step.answer.decision in workflow.SUPERSEDED_DECISIONS
                    assert commands == (command,)
                    assert state is before
                    assert (before is State.HELD and self.holds) or (
                        before is State.BOOKED and self.counter is not None
                    )
                case AlertTherapist(reason="stood-down"):
                    assert step.signal == "therapist"
                    assert before is State.HELD
                    assert state is State.STOOD_DOWN
                case AlertTherapist(reason=reason):
                    assert step.signal == "calendar"
                    assert reason == "counter"
                    assert before is State.BOOKED
                case AskTherapistAgain(waiting=True):
                    assert step.signal == "timer"
                    assert before is State.HELD or (
                        before is State.BOOKED and facts.counter is not None
                    )
                case AskTherapistAgain():
                    assert step.signal == "therapist"
                    assert before is State.HELD or (
                        before is State.BOOKED and facts.counter is not None
                    )
                case CancelCall(by=by, note=note):
                    assert by == step.signal, f"CancelCall({by}) on a {step.signal}"
                    assert not (
                        by == "person"
                        and facts.raised
                        and before
                        in {State.OFFERED, State.HELD, State.RESCHEDULING, State.BOOKED}
                    ), "a raised reply's cancel carried out"
                    if by == "therapist":
                        assert step.answer is not None
                        assert note == step.answer.note
                    assert not self.holds, "CancelCall with a hold still live"
                    if before is State.BOOKED:
                        assert not facts.call_started, "cancelled after the start"
                    self.booking = self.counter = None
                case MarkMissed():
                    assert facts.call_started, "a no-show before the call"
                    self.booking = self.counter = None
                case MarkHeld():
                    assert step.signal == "timer"
                case Send(kind=letter):
                    assert step.signal == "timer"
                    if letter == "followup":
                        # The call is over: nothing live any more.
                        self.booking = self.counter = None
                case AnswerFollowup():
                    assert step.signal == "followup"
                case Close(reason=reason):
                    assert state is State.CLOSED
                    self.closed_reason = reason
                case workflow.RecordAnswer():
                    assert step.signal == "calendar"
                case _:  # pragma: no cover
                    raise AssertionError(f"unknown command {command!r}")
        # Every Book or Move is confirmed in the same transition, and only then.
        assert [c.slot for c in commands if isinstance(c, Confirm)] == done
        # A question beside a pick reached the therapist: remembered for good.
        if any(
            (isinstance(c, AskApproval) and c.asks)
            or (
                isinstance(c, AlertTherapist)
                and (c.reason.startswith("pick-asks") or c.asks)
            )
            for c in commands
        ):
            assert _asks(step), "a question told that nobody asked"
            self.asked = True
        if state is not State.CLOSED:
            self.closed_reason = ""
        cancels = [c for c in commands if isinstance(c, CancelCall)]
        if state is not State.CANCELLED:
            self.cancelled_by_therapist = False
        elif cancels:
            self.cancelled_by_therapist = cancels[-1].by == "therapist"
        self.state = state

    def check_shape(self, step: Step) -> None:
        before, facts, result = step.before, step.facts, step.transition
        # The person's calendar answer noted on the booking changes nothing else.
        commands = tuple(
            c for c in result.commands if not isinstance(c, workflow.RecordAnswer)
        )
        assert isinstance(result.outcome, str)
        assert result.outcome
        kinds = {type(c) for c in commands}
        # Escalated and stood-down enquiries absorb every signal (the phone aside);
        # closed and cancelled ones too unless a reply reopens them.
        if before in {State.ESCALATED, State.STOOD_DOWN} or (
            before in {State.CLOSED, State.CANCELLED}
            and not facts.reopenable
            and step.signal != "followup"
        ):
            assert result.state is before
            assert kinds <= {RememberPhone}, commands
        if (
            before in {State.CLOSED, State.CANCELLED}
            and result.state is not before
            and step.signal == "person"
        ):
            assert result.state is State.OFFERED
            assert Offer(OfferReason.REOPEN) in commands
        # BOOKED is reached only by booking (or from a booking that stands).
        if result.state is State.BOOKED and before not in WITH_BOOKING:
            assert Book in kinds
        # Nothing is held once a call is booked.
        if before in WITH_BOOKING | {State.FOLLOWED_UP}:
            assert not kinds & {Hold, Book, Release, AskApproval}
        # A pick beside a question is never booked or moved at once: the
        # therapist answers it first.
        if step.signal == "person" and step.reply is not None and step.reply.asks:
            assert not kinds & {Book, Move}, commands
            # ... and while times are on offer or held, a call is booked or
            # a move picked (even once the call's time has come), or a late
            # pick reopens a conversation, the question always reaches them:
            # in the approval request or in an alert.
            if before in {*WITH_BOOKING, State.OFFERED, State.HELD} or (
                before in {State.CLOSED, State.CANCELLED}
                and facts.reopenable
                and step.reply.kind is ReplyKind.PICK
            ):
                assert AlertTherapist in kinds or any(
                    isinstance(c, AskApproval) and c.asks for c in commands
                ), commands
        # Once a question beside a pick has reached the therapist, no pick
        # is booked or moved without them, even under automatic approval: only
        # a time they proposed themselves (after reading it) books at once.
        if step.signal == "person" and facts.asked:
            for command in commands:
                if isinstance(command, Book | Move):
                    assert command.slot == facts.preapproved, commands
        # Each Book or Move is followed by a Confirm of the same slot.
        for index, command in enumerate(commands):
            if isinstance(command, Book | Move):
                assert any(
                    isinstance(c, Confirm) and c.slot == command.slot
                    for c in commands[index + 1 :]
                ), commands
        # Out-of-range numbers never hold, book, or move.
        reply = step.reply
        if (
            reply is not None
            and reply.kind is ReplyKind.PICK
            and reply.choice is not None
            and not 1 <= reply.choice <= len(facts.offered)
        ):
            assert not kinds & {Hold, Book, Move, AskToMove}
        # A person's pick holds, books or moves exactly the slot with that number.
        if reply is not None:
            for command in commands:
                if isinstance(command, Hold | Book | Move | AskToMove):
                    assert reply.kind is ReplyKind.PICK
                    assert reply.choice is not None
                    assert command.slot == facts.offered[reply.choice - 1]
        # A therapist's approval books exactly the held slot, moves to the asked one.
        if step.signal == "therapist":
            for command in commands:
                if isinstance(command, Book):
                    assert command.slot == facts.held
                if isinstance(command, Move):
                    assert command.slot == facts.counter
        # Calendar messages only ever ask or alert, except that declining the
        # invitation of a call yet to come cancels it.
        if step.signal == "calendar":
            message = step.message
            assert message is not None
            declined = (
                before in {State.BOOKED, State.RESCHEDULING}
                and message.method == "REPLY"
                and message.partstat == "DECLINED"
                and not facts.call_started
            )
            if declined:
                assert result.state is State.CANCELLED
                assert kinds == {CancelCall}
            else:
                assert result.state is before
                assert kinds <= {AlertTherapist, AskToMove}
        # An answer to a request since asked again is never acted on.
        if step.signal == "therapist-earlier":
            assert result.state is before
            assert kinds <= {AlertTherapist}, commands
        # Only the person's own reply carries a phone number.
        if step.signal != "person":
            assert RememberPhone not in kinds

    # -- invariants --

    @invariant()
    def at_most_one_live_hold(self) -> None:
        assert len(self.holds) <= 1

    @invariant()
    def held_exactly_when_waiting_for_approval(self) -> None:
        if self.state is State.HELD:
            assert len(self.holds) == 1
        else:
            assert self.holds == [], f"a hold left behind in {self.state}"

    @invariant()
    def booked_exactly_while_a_call_stands(self) -> None:
        if self.state in WITH_BOOKING:
            assert self.booking is not None
        else:
            assert self.booking is None, f"a booking left behind in {self.state}"

    @invariant()
    def a_move_waits_only_on_a_booking(self) -> None:
        if self.counter is not None:
            assert self.booking is not None

    @invariant()
    def offers_never_empty_while_waiting(self) -> None:
        if self.state in {State.OFFERED, State.HELD, State.RESCHEDULING}:
            assert self.offered

    @invariant()
    def open_states_are_the_open_ones(self) -> None:
        assert (self.state in OPEN_STATES) == (self.state not in ENDED)


WorkflowMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=30, deadline=None
)
TestWorkflowMachine = WorkflowMachine.TestCase


def test_cancelling_a_call_being_moved_after_its_start_is_a_late_cancel() -> None:
    started = replace(BOOKED_A, call_started=True)
    result = on_person_reply(State.RESCHEDULING, kind(ReplyKind.CANCEL), started)
    assert result == Transition(
        State.STOOD_DOWN,
        (MarkMissed(), AlertTherapist("late-cancel")),
        "cancel-after-start",
    )


@pytest.mark.parametrize(
    ("reply", "told"),
    [
        (PersonReply(ReplyKind.OTHER), True),  # "ok": new times, or not?
        (PersonReply(ReplyKind.UNCLEAR), True),
        (PersonReply(ReplyKind.OTHER, declines=True), False),  # "no need"
        (PersonReply(ReplyKind.OTHER, empty=True), False),
        (PersonReply(ReplyKind.CANCEL), False),  # "please cancel" again
        (PersonReply(ReplyKind.OTHER, yes=True), None),  # "yes please": times
    ],
)
def test_after_the_therapist_cancels_a_bare_reply_reaches_them(
    reply: PersonReply, told: bool | None
) -> None:
    facts = replace(WAITING, reopenable=True, invited_back=True)
    result = on_person_reply(State.CANCELLED, reply, facts)
    if told is None:
        assert result.outcome == "reopened"
    else:
        assert (AlertTherapist("after-cancel") in result.commands) is told
        assert result.state is State.CANCELLED


# -- the therapist's cancel words, not plainly an order (review #3) ------------------


@pytest.mark.parametrize("state", [State.BOOKED, State.RESCHEDULING, State.FOLLOWED_UP])
def test_an_unsure_cancel_from_the_therapist_asks_them_and_keeps_the_call(
    state: State,
) -> None:
    reply = TherapistReply(Decision.UNCLEAR, cancel_asked=True)
    facts = Facts(approval="therapist")
    assert on_therapist_reply(state, reply, facts) == Transition(
        state, (AlertTherapist("therapist-cancel-unclear"),), "cancel-unclear"
    )


# -- a phone number alone while the time is held (review #5) -------------------------


def test_a_phone_number_alone_while_held_is_only_remembered() -> None:
    reply = PersonReply(ReplyKind.OTHER, phone=PHONE, only_phone=True)
    assert on_person_reply(State.HELD, reply, HOLDING) == Transition(
        State.HELD, (RememberPhone(PHONE),), "reply-other"
    )


@pytest.mark.parametrize(
    ("state", "facts"), [(State.OFFERED, WAITING), (State.RESCHEDULING, BOOKED_A)]
)
def test_a_phone_number_alone_elsewhere_still_tells_the_therapist(
    state: State, facts: Facts
) -> None:
    reply = PersonReply(ReplyKind.OTHER, phone=PHONE, only_phone=True)
    assert on_person_reply(state, reply, facts) == Transition(
        state, (RememberPhone(PHONE), AlertTherapist("offer-reply")), "reply-other"
    )


def test_a_phone_number_with_words_while_held_tells_the_therapist() -> None:
    reply = PersonReply(ReplyKind.OTHER, phone=PHONE)
    assert on_person_reply(State.HELD, reply, HOLDING) == Transition(
        State.HELD, (RememberPhone(PHONE), AlertTherapist("offer-reply")), "reply-other"
    )


# -- "not now" was told "just reply": the reply is read (review #6) ------------------


def test_a_reply_after_not_now_answers_the_followup() -> None:
    from mailflow.model import STILL_LISTENING
    from mailflow.reading.answer import answers_followup

    assert ClosedReason.NOT_NOW in STILL_LISTENING
    assert answers_followup(State.CLOSED, ClosedReason.NOT_NOW)
    assert not answers_followup(State.CLOSED, ClosedReason.NO)
    assert on_followup_answer(State.CLOSED, "question") == Transition(
        State.STOOD_DOWN, (AnswerFollowup("question"),), "followup-question"
    )


@pytest.mark.parametrize(
    "state", [State.OFFERED, State.HELD, State.RESCHEDULING, State.BOOKED]
)
def test_a_cancel_in_a_raised_reply_waits_for_the_therapist(state: State) -> None:
    """ "cancel please, there's no point anymore" (its words weighed like a
    crisis's): nothing is cancelled or closed and nothing cheerful is sent;
    the therapist is told it waits. Not raised, the same cancel is carried out."""
    cancel = PersonReply(ReplyKind.CANCEL)
    facts = Facts(approval="therapist", offered=POOL, free=frozenset(POOL))
    held = on_person_reply(state, cancel, replace(facts, raised=True))
    assert held.state is State.STOOD_DOWN  # the therapist's: no timer writes to them
    released = (Release(),) if state is State.HELD else ()
    assert held.commands == (*released, AlertTherapist("cancel-held"))
    done = on_person_reply(state, cancel, facts)
    assert any(isinstance(c, CancelCall) for c in done.commands)
