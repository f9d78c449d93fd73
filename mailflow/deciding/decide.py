"""From a transition to the enquiry's new record: every field a decision changes.

`workflow` decides where an enquiry goes and what must happen (commands);
`advance` says what the enquiry's record looks like afterwards: its state, its
closing, and the timestamps the timers are derived from (`timing.next_due`).
Both are pure, so the shell only writes the new record and carries out the
effects; no field of an enquiry is changed anywhere else by a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from mailflow.deciding import workflow
from mailflow.deciding.workflow import OfferReason, Transition
from mailflow.model import (
    OPEN_STATES,
    STILL_LISTENING,
    ClosedReason,
    Enquiry,
    State,
    mailbox_of,
)

_FOLLOWUP = workflow.Send("followup")

SAFETY_NOTE_CHARS: Final = 600
"""What is kept of how (not) to reach someone, all their notes together."""


@dataclass(frozen=True, slots=True)
class Opening:
    """What the shell read from a first mail, for the enquiry it opens."""

    email: str
    name: str
    phone: str | None
    subject: str
    request_message_id: str | None
    sender_offset_minutes: int | None
    first_message: str
    risk: str = "none"  # screen.Risk: none | possible | clear
    safety_note: str = ""
    references: tuple[str, ...] = ()  # the thread a note to the therapist answers under
    sender_seen_at: datetime | None = None  # the first mail's Date, its offset's moment


def risk_carried(risk: str, note: str, superseded: Enquiry | None) -> tuple[str, str]:
    """The risk and safety note a new enquiry opens with, when it supersedes a
    note to the therapist about the same person: what they said then stands."""
    if superseded is None:
        return risk, note
    if superseded.risk != "none" and risk == "none":
        risk = superseded.risk
    if superseded.safety_note:
        note = " / ".join(filter(None, (superseded.safety_note, note)))
    return risk, note


def weighed_carried(weighed: bool, superseded: Enquiry | None) -> bool:
    """Whether a new enquiry's alert may say no risk was named: only the risk
    words heard this mail (`Classification.weighed`), and no note about the
    same person it supersedes carried a risk in (`risk_carried`)."""
    return weighed and (superseded is None or superseded.risk == "none")


WARNED_UNSURE: Final = frozenset(
    {"no-intent", "possible-risk", "returning", "own-danger", "own-need"}
)
"""Why a first mail is asked about, where the writer may be the one in
danger: a mail too short to say, one speaking of risk or safety, someone the
therapist may have seen before, someone asking for their own therapy beside
words of their work, a professional's own words of danger now
(not a colleague's or a professional's about someone else, nor a forward
with nothing of their own). A parent forwarding their child's words with
their own above them is written to: the numbers are for them too."""
WARNED_WEIGHED: Final = frozenset({"risk-words"})
"""Why a first mail is asked about, where its words as a whole weigh like
those of people who wrote in a crisis (no phrase of risk; `risk_words`):
the writer is sent the safety message at once whether or not the screen
read danger now. Most such mail is a crisis (55 of 95 in the first-mail
sets learned from, first_mail/*.jsonl and who/, 2026-12-06), told in words
no phrase foresaw; the cost is a kind paragraph to an anxious person or a
worried professional, who hear from the therapist all the same."""
WARNED_RECIPIENTS: Final = 3
"""More people than this on a mail and it is a circular: nobody is written to."""


def warns_with_times(risk: str, danger_now: bool) -> bool:
    """Whether a first mail's offer carries the practice's safety message
    above the times: its words may tell of danger now, at possible risk
    (clear risk gets the safety message instead of times)."""
    return danger_now and risk == "possible"


def first_alert_says(
    *, offered: bool, warned: bool, calendar_down: bool, alert_knows_calendar: bool
) -> str:
    """What the alert about a first request at possible risk says the person
    was sent (its `answered`): times, with the safety message above them
    where `warned`; or, the busy calendar unreadable, no times and the
    safety message alone where `warned` ("calendar-safety", or "safety-only"
    in a practice's own alert from before, which knows no calendar), else
    nothing."""
    if calendar_down and alert_knows_calendar:
        return "calendar-safety" if warned else "calendar"
    if calendar_down:
        return "safety-only" if warned else "nothing"
    if offered:
        return "times-safety" if warned else "times"
    return "nothing"  # no free times: nothing goes, warned or not


def offer_closes_with_safety(
    danger_now: bool, warned: bool, alert_denies_safety: bool
) -> bool:
    """Whether a first offer closes with the practice's safety message (while
    `safety.in_every_offer`): always, but where danger was told, no warning
    stands above the times, and the practice's own alert tells the therapist
    no safety message went; there the offer carries none, so the alert
    stays true."""
    return warned or not danger_now or not alert_denies_safety


def closing_letter(
    commands: tuple[workflow.Command, ...],
    *,
    answering: bool,
    enabled: bool = True,
    danger: bool = False,
    alert_denies_safety: bool = False,
) -> int | None:
    """Which of a decision's commands writes the letter to the person that
    closes with the practice's safety message, or None. Only a decision on
    the person's own mail (`answering`): its answer is where a crisis in
    their words that the reading did not hear is met. Only the last letter
    to them (times held, other times, which time, the booking), so one mail
    is not answered with the message twice; the booking updated with a
    phone number only where nothing else answers (a number alone); never
    the first offer (its own closing). `enabled`: `safety.in_later_letters`;
    danger told now in their words closes it all the same. Where the
    therapist's alert in use would say no safety message went
    (`alert_denies_safety`), none under danger: the alert stays true."""
    if not answering or (danger and alert_denies_safety) or not (enabled or danger):
        return None
    last = phone = None
    for index, command in enumerate(commands):
        match command:
            case workflow.ThankForPick() | workflow.Confirm() | workflow.Clarify():
                last = index
            case workflow.Offer(reason=reason) if reason is not OfferReason.FIRST:
                last = index
            case workflow.RememberPhone():
                phone = index
    return last if last is not None else phone


def confirms_number(start_at: datetime, now: datetime) -> bool:
    """Whether a number sent after booking gets the person the booking
    updated with it: only before the call's time ("I'll ring you on ... on"
    a time gone would be wrong); the therapist's event is updated either
    way (late or waiting, they may still ring)."""
    return start_at > now


def warns_unsure(
    reason: str,
    risk: str,
    danger_now: bool,
    recipients: int,
    *,
    relayed: bool = False,
    addressed: bool = True,
    note_says_weighed: bool = True,
) -> bool:
    """Whether a first mail mailflow cannot place, whose words may tell of
    danger now (possible risk: `Screening.danger_now`) or weigh as a whole
    like a crisis's (`WARNED_WEIGHED`), sends the writer the practice's
    safety message at once, and nothing else, while the therapist reads it:
    a false alarm costs an ordinary person a kind paragraph, a real one is
    not left with silence until someone reads. `recipients`: how many it
    was sent to (To and Cc). Weighed words alone warn only the writer's own
    mail to the practice: not a form's or a forward's (`relayed`: the
    letter would go to whoever typed an address, or to a professional
    passing on someone's words), nor mail not `addressed` to the practice
    (spam sent to someone else, a Bcc), and only where the practice's note
    can say the letter went (`note_says_weighed`: a practice's own older
    note says it sent nothing). Danger now told in the writer's own words is
    answered however the mail was addressed: an alias mailflow cannot know
    is commoner than spam that tells of danger now."""
    return (
        risk == "possible"
        and recipients <= WARNED_RECIPIENTS
        and (
            (danger_now and reason in WARNED_UNSURE)
            or (
                reason in WARNED_WEIGHED
                and addressed
                and not relayed
                and note_says_weighed
            )
        )
    )


def still_listening(enquiry: Enquiry) -> bool:
    """Whether a finished enquiry still reads the person's replies: closed by
    the clock or by them (expired, silent, withdrawn, not now), where a late
    reply reopens the offer or answers the follow-up. One that became the
    therapist's (a crisis, an answer by hand, a question after the call)
    listens no more, whatever reason it closed with before: its mail is
    theirs (helper-200, helper-203)."""
    return enquiry.state is State.CLOSED and enquiry.closed_reason in STILL_LISTENING


def writes_in(enquiry: Enquiry, sender: str | None) -> bool:
    """Whether mail from `sender` in an enquiry's thread is that enquiry's.
    A thread mailflow only alerted about (`ClosedReason.ALERTED`: mail it
    never answered) is the first writer's alone: anyone else writing in it
    (a partner, a friend on the Cc) is read as their own mail, so an alert
    about them names them, not the person first alerted about."""
    return enquiry.closed_reason is not ClosedReason.ALERTED or mailbox_of(
        sender or ""
    ) == mailbox_of(enquiry.email)


def proves_address(address: str, sender: str | None, *, ambiguous: bool) -> bool:
    """Whether a mail shows `address` works again (a full mailbox emptied): it
    plainly came from that mailbox (case and `+tag` folded), so letters to it
    are tried again instead of dropped as bounced; one more bounce at worst,
    within the per-address cap."""
    return (
        not ambiguous
        and sender is not None
        and mailbox_of(sender) == mailbox_of(address)
    )


def opened(opening: Opening, transition: Transition, now: datetime) -> Enquiry:
    """A new enquiry's record (id 0 until stored): the facts of the first mail
    with `transition` (`workflow.on_new_request` / `on_unsure`) carried out."""
    asked = any(isinstance(c, workflow.AskAboutRequest) for c in transition.commands)
    blank = Enquiry(
        id=0,
        state=transition.state,
        email=opening.email,
        name=opening.name,
        phone=opening.phone,
        subject=opening.subject,
        request_message_id=opening.request_message_id,
        crisis=opening.risk == "clear",
        created_at=now,
        sender_offset_minutes=opening.sender_offset_minutes,
        first_message=opening.first_message,
        # The note to the therapist is answered in the person's own thread.
        last_message_id=opening.request_message_id if asked else None,
        last_references=opening.references[-20:] if asked else (),
        clarified=False,
        approval_round=0,
        preapproved_start_at=None,
        counter_start_at=None,
        offered_at=None,
        nudged_at=None,
        reminded_at=None,
        followed_up_at=None,
        followup_nudged_at=None,
        closed_reason=None,
        updated_at=now,
        risk=opening.risk,
        safety_note=opening.safety_note[:SAFETY_NOTE_CHARS] or None,
        sender_seen_at=opening.sender_seen_at,
    )
    return advance(blank, transition, now)


def ends_a_pending_move(transition: Transition) -> bool:
    """A move waiting for the therapist is moot once the call is rebooked,
    cancelled, missed or over, or the person asks for other times."""
    return any(
        isinstance(c, workflow.Book | workflow.CancelCall | workflow.MarkMissed)
        or c == _FOLLOWUP
        or (isinstance(c, workflow.Offer) and c.reason is OfferReason.RESCHEDULE)
        for c in transition.commands
    )


def question_reached_therapist(transition: Transition) -> bool:
    """Whether a question beside a pick reaches the therapist in `transition`:
    in an approval request, or in an alert (`workflow.QUESTION_ALERTS`, or
    the whole reply handed over after one clarifying question); or a time
    someone else chose for the person. From then on every pick in the
    enquiry waits for them (`Enquiry.asked`), even under automatic approval,
    as a request that spoke of risk does."""
    return any(
        (isinstance(c, workflow.AskApproval) and (c.asks or c.relayed))
        or (
            isinstance(c, workflow.AlertTherapist)
            and (c.reason in workflow.QUESTION_ALERTS or c.asks)
        )
        for c in transition.commands
    )


def changes_booking(transition: Transition) -> bool:
    """Whether the transition books, moves, cancels or ends the call itself."""
    return any(
        isinstance(
            c,
            workflow.Book | workflow.Move | workflow.CancelCall | workflow.MarkMissed,
        )
        for c in transition.commands
    ) or transition.state not in {State.BOOKED, State.RESCHEDULING}


def nothing_to_offer(transition: Transition) -> Transition:
    """The shell found no free time for an offer: the therapist's from here
    (they are told; the person is not sent an empty list)."""
    commands = tuple(
        workflow.NoTimes() if isinstance(c, workflow.Offer) else c
        for c in transition.commands
    )
    return replace(transition, state=State.STOOD_DOWN, commands=commands)


def advance(enquiry: Enquiry, transition: Transition, now: datetime) -> Enquiry:
    """The enquiry's record once `transition` is carried out at `now`."""
    changes: dict[str, Any] = {"state": transition.state}
    if question_reached_therapist(transition):
        changes["asked"] = True  # never cleared within the enquiry
    if ends_a_pending_move(transition):
        changes.update(counter_start_at=None, move_asked_at=None)
    round_ = enquiry.approval_round
    for command in transition.commands:
        match command:
            case workflow.RememberPhone(phone=phone):
                changes["phone"] = phone
            case workflow.Hold():
                changes["hold_reminded_at"] = None
            case workflow.AskApproval():
                round_ += 1
                changes["approval_round"] = round_
            case workflow.Book():
                # A new call: its reminder and follow-up are still to come.
                changes.update(
                    reminded_at=None, followed_up_at=None, followup_nudged_at=None
                )
            case workflow.Confirm():
                # The first message was kept only for the approval email.
                changes.update(first_message=None, preapproved_start_at=None)
            case workflow.Offer(reason=reason, only=only):
                changes.update(_offered(reason, now))
                if only is not None:
                    changes["preapproved_start_at"] = only.start_at
            case workflow.Send(kind="reminder"):
                changes["reminded_at"] = now
            case workflow.Send(kind="followup"):
                changes["followed_up_at"] = now
            case workflow.Send(kind="followup_nudge"):
                changes["followup_nudged_at"] = now
            case workflow.Close(reason=reason, listening=True):
                changes["closed_reason"] = reason  # not closed_at: still theirs
            case workflow.Close(reason=reason):
                changes.update(closed_reason=reason, closed_at=now)
            case workflow.Clarify():
                changes["clarified"] = True
            case workflow.AskTherapistAgain(waiting=True):
                changes["hold_reminded_at"] = now
            case workflow.AskAboutRequest():
                round_ += 1
                changes["approval_round"] = round_
            case workflow.NoteRisk(note=note):
                # A need said again (beside words the risk words weigh) is
                # not a second need: kept once.
                known = enquiry.safety_note or ""
                fresh = note if note and note not in known else ""
                merged = " / ".join(filter(None, (known, fresh)))
                changes.update(
                    risk="clear" if enquiry.risk == "clear" else "possible",
                    safety_note=merged[:SAFETY_NOTE_CHARS] or None,
                )
            case workflow.AskToMove(slot=slot):
                round_ += 1
                changes.update(
                    approval_round=round_,
                    counter_start_at=slot.start_at,
                    move_asked_at=now,
                    hold_reminded_at=None,
                )
            case workflow.Move():
                changes.update(
                    counter_start_at=None, move_asked_at=None, reminded_at=None
                )
            case workflow.KeepBooking():
                changes.update(counter_start_at=None, move_asked_at=None)
    changes.update(_closing(enquiry, transition, now))
    return replace(enquiry, **changes)


def _offered(reason: OfferReason, now: datetime) -> dict[str, Any]:
    """Fresh times restart the offer's clock (a nudge only notes itself), and
    a clarifying question may be asked again about the new list."""
    if reason is OfferReason.FIRST:
        return {"offered_at": now}
    if reason is OfferReason.NUDGE:
        return {"clarified": False, "nudged_at": now}
    return {"clarified": False, "offered_at": now, "nudged_at": None}


def _closing(enquiry: Enquiry, transition: Transition, now: datetime) -> dict[str, Any]:
    state = transition.state
    if state is State.CANCELLED:
        # A therapist's cancellation invites a reply ("reply and I'll send
        # new times"): remembered, so a bare "ok" to it reaches them.
        by_therapist = any(
            isinstance(c, workflow.CancelCall) and c.by == "therapist"
            for c in transition.commands
        )
        reason = ClosedReason.THERAPIST_CANCELLED if by_therapist else None
        return {"closed_at": now, "closed_reason": reason}
    if state in OPEN_STATES:
        return {"closed_at": None, "closed_reason": None}
    return {}
