"""Which reader reads a reply in a thread, by the enquiry's state. Pure.

The one place that chooses: the shell (`mailflow.shell.conversation`) and the
reply bench (`bench/replies.py`) both call it, so what is measured is what runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, tzinfo
from typing import Final

from mailflow import patterns
from mailflow.model import (
    ClosedReason,
    Decision,
    PersonReply,
    ReplyKind,
    Slot,
    State,
    TherapistReply,
)
from mailflow.reading import followup, intent, reply, therapist
from mailflow.reading.quoting import new_words

_CANCEL_NOW: Final = patterns.compile(r"\bcancel\b", re.IGNORECASE)
"""A cancel said now ("please cancel it"), not one told of ("sorry for
cancelling", "I cancelled")."""


def answers_followup(state: State, closed_reason: ClosedReason | None) -> bool:
    """Whether a person's reply is their answer to "would you like to start?",
    however late (after the quiet close that follows silence, or after "not
    now", whose letter says "whenever you feel ready, just reply")."""
    return state is State.FOLLOWED_UP or (
        state is State.CLOSED
        and closed_reason in {ClosedReason.SILENT, ClosedReason.NOT_NOW}
    )


def read_followup(text: str) -> followup.Answer:
    """The person's answer to the follow-up, from their own words."""
    return followup.read_followup_answer(new_words(text))


def read_person_answer(
    state: State,
    text: str,
    *,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    region: str,
    today: date | None = None,
    booked: Slot | None = None,
) -> PersonReply:
    """The person's reply in any state but the follow-up's, as the workflow
    should take it. `booked`: the call booked, while there is one (a day
    named in the reply is read against it).

    Once a call is booked, whether it is cancelled or moved is decided by the
    booked reader alone (`followup.read_booked_reply`). While a booked call is
    being moved, the pick reader reads the pick; a cancel it reads stands only
    if the booked reader reads a cancel too, and otherwise the person is asked
    rather than the call lost.
    """
    answer = _read(
        state,
        text,
        offered=offered,
        zones=zones,
        region=region,
        today=today,
        booked=booked,
    )
    if answer.kind is ReplyKind.PICK and reply.asks_beside(text):
        answer = replace(answer, asks=True)
    if answer.kind is ReplyKind.PICK and reply.relayed(text):
        answer = replace(answer, relayed=True)
    return answer


def _read(
    state: State,
    text: str,
    *,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    region: str,
    today: date | None,
    booked: Slot | None,
) -> PersonReply:
    answer = reply.read_person_reply(
        text,  # whole: an answer typed under a quoted time counts
        offered=offered,
        zones=zones,
        region=region,
        today=today,
    )
    if (
        state is State.OFFERED
        and answer.kind is ReplyKind.NONE_FIT
        and answer.preference.is_empty
        and reply.plainly_withdraws(text)
    ):
        # "Neither, sorry. I've changed my mind.": no fresh times pressed on
        # someone who said no; the enquiry is withdrawn with a kind word.
        return replace(answer, kind=ReplyKind.CANCEL)
    if state in {State.CANCELLED, State.CLOSED}:
        # After a cancel or a withdrawal: "Thank you, all the best" says only that.
        thanks = answer.kind is ReplyKind.OTHER and followup.only_keeps(
            text, answer.phone
        )
        if (
            answer.kind is ReplyKind.CANCEL
            and answer.yes
            and _CANCEL_NOW.search(new_words(text))
        ):
            # "I'd like to cancel. Could we try again another time?": asked
            # for again and cancelled in one reply; the therapist reads it,
            # no fresh times sent on a guess.
            return replace(answer, kind=ReplyKind.UNCLEAR, yes=False)
        if answer.kind is ReplyKind.CANCEL and intent.has_a_change_of_heart(text):
            # "I'm sorry I cancelled, I've changed my mind and would like the
            # call": no repeated cancel; the therapist reads it.
            return replace(answer, kind=ReplyKind.UNCLEAR)
        return replace(answer, only_thanks=thanks)
    if state not in {State.BOOKED, State.RESCHEDULING}:
        return answer
    booked_reading = followup.read_booked_reply(
        text, offered=(), zones=zones, region=region, today=today, booked=booked
    )
    if state is State.BOOKED:
        return booked_reading
    cancels = booked_reading.kind is ReplyKind.CANCEL
    of_the_call = booked is None or not followup.names_another_time(
        new_words(text).casefold(), booked, zones, region
    )
    if (
        cancels
        and answer.choice is None
        and answer.kind is not ReplyKind.PICK
        and of_the_call
    ):
        # "Take me off for Tuesday, I've decided to wait": the booked reader's
        # cancel stands; "Tuesday" is the call they are cancelling, no pick.
        return replace(booked_reading, phone=answer.phone or booked_reading.phone)
    if cancels or answer.kind is ReplyKind.CANCEL:
        # A pick beside words that cancel, or a cancel only one reader sees:
        # the booking stands and the person is asked.
        return replace(answer, kind=ReplyKind.UNCLEAR, choice=None)
    return answer


def read_therapist_answer(
    state: State,
    text: str,
    *,
    today: date,
    booking_only: bool = False,
    sent: Sequence[str] = (),
    person: str = "",
) -> TherapistReply | None:
    """The therapist's reply, as the workflow should take it; None when it is
    not mailflow's to act on (a reply outside the approval thread that neither
    cancels nor reports a no-show, or one to a booking notice while mailflow
    was asking whether to offer). `sent`: what mailflow wrote to them, whose
    words in the reply are never theirs (see quoting.new_words); `person`:
    the held person's name (a yes said to someone else by name is asked)."""
    words = new_words(text, sent=sent)
    if state is State.ASKED:
        return None if booking_only else therapist.read_offer_answer(words)
    answer = therapist.read_therapist_reply(words, today=today, person=person)
    if (
        booking_only
        and answer.decision not in {Decision.CANCEL, Decision.NO_SHOW}
        and not answer.cancel_asked  # "cancel? actually leave it": asked
    ):
        # An approval counts only in the current approval's thread; a reply
        # to their calendar copy or a notice may only cancel or report a no-show.
        return None
    return answer
