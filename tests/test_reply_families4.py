"""Families of replies from issue #10's second strict review, each beside the
hard negatives that must not be read the same way (the cases are in
`tests/corpus/replies/review2.jsonl` too). A wrong booking or a wrong cancel is
far worse than a question back, so the positives assert "not this reading"
where asking is the right answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.deciding import workflow
from mailflow.deciding.workflow import AlertTherapist, Facts, Offer
from mailflow.model import Decision, PersonReply, ReplyKind, Slot, State
from mailflow.reading.answer import read_person_answer, read_therapist_answer

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


WEDNESDAY = _slot(12, 2, 14)
FRIDAY = _slot(12, 4, 14)
OFFERED = (_slot(12, 1, 9, 30), _slot(12, 3, 14), _slot(12, 7, 17, 30))
"""Tuesday 1 December 09:30, Thursday 3 December 14:00, Monday 7 December 17:30."""


def _read(
    state: State,
    text: str,
    *,
    booked: Slot | None = None,
    offered: tuple[Slot, ...] = (),
) -> PersonReply:
    return read_person_answer(
        state,
        text,
        offered=offered,
        zones=[LONDON],
        region="GB",
        today=TODAY,
        booked=booked,
    )


# -- 1. cancel words beside another day, time or "next week": a move, never a cancel --


@pytest.mark.parametrize(
    "text",
    [
        "Need to cancel sorry. Friday?",
        "I'll have to cancel Wednesday. Is Friday possible?",
        "Have to cancel Wednesday I'm afraid. Next week?",
        "I need to cancel - work. Next week any good?",
        "Need to cancel, sorry. Could we do Thursday instead?",
        "I have to cancel Wednesday, can you do another day?",
        "Sorry I need to cancel. Is there anything next week?",
        "Cancel Wednesday please, would Monday work?",
        "I'm going to have to cancel. Any chance of the following week?",
    ],
)
def test_cancel_words_asking_for_another_time_move_the_call(text: str) -> None:
    found = _read(State.BOOKED, text, booked=WEDNESDAY)
    assert found.kind is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    ("text", "booked"),
    [
        ("I need to cancel. Sorry to mess you around.", WEDNESDAY),
        ("Can you cancel it please? Thanks", WEDNESDAY),
        ("Please cancel, I've found someone else. Sorry.", WEDNESDAY),
        ("Please cancel, I don't want another time", WEDNESDAY),
        ("Cancel Friday please", FRIDAY),
        ("Need to cancel Friday, sorry", FRIDAY),
    ],
)
def test_a_plain_cancel_of_the_booked_call_still_cancels(
    text: str, booked: Slot
) -> None:
    assert _read(State.BOOKED, text, booked=booked).kind is ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "I need to cancel. No need to find another day, thanks",
        "I need to cancel Wednesday, sorry. I'll get back in touch another time",
        "Please cancel my call on Wednesday. I'm away next week anyway",
        "Sorry, I have to cancel. Thanks for your time the other day",
        "I'm going to cancel, sorry. Maybe another time",
        "Cancel please - I'll be in touch next month if I still need it",
    ],
)
def test_another_time_only_mentioned_beside_a_cancel_is_never_a_move(text: str) -> None:
    found = _read(State.BOOKED, text, booked=WEDNESDAY)
    assert found.kind in {ReplyKind.CANCEL, ReplyKind.UNCLEAR}


# -- 2. a pick beside withdrawal words, or beside a condition: asked, never held ------


@pytest.mark.parametrize(
    "text",
    [
        "I'd love Tuesday but honestly I can't afford it right now, so best not",
        "Tuesday would have been perfect but I've decided not to go ahead",
        "Thursday would suit but I've changed my mind about the whole thing, sorry",
        "Number 2 would've worked but I've found someone closer to home",
        "Monday was the one I'd have picked but I think I'll leave it for now",
        # a condition the slot does not meet, or one that cannot be checked
        "Monday would be ok if it was nearer 7",
        "Monday would be ok if it was after 6",
        "Monday would work if it were a bit later",
        "Thursday at 2 should be ok unless work kicks off",
        "Monday works assuming my train is on time",
        "Tuesday, depending on childcare",
        "Thursday is fine provided I can get a room at work",
    ],
)
def test_a_withdrawn_or_conditional_pick_is_never_held(text: str) -> None:
    found = _read(State.OFFERED, text, offered=OFFERED)
    assert found.kind is not ReplyKind.PICK


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Tuesday would be great, I've been meaning to do this for ages", 1),
        ("Thursday please. I nearly changed my mind but I'm glad I didn't", 2),
        ("Thursday would be good if it could be after 1", 2),
        ("Monday's ok as long as it's after 5", 3),
        ("2 please, if that's ok", 2),
        ("Thursday please, if I may", 2),
        ("Thursday at 2 please, if that's still free", 2),
        ("Number 3 please. I'm on 07700 900312 if you need me", 3),
        ("Thursday's good, unless you'd rather another day", 2),
        ("Thursday at 2 works, unless it's gone already", 2),
        ("Monday please, if there's still space", 3),
    ],
)
def test_a_pick_with_a_harmless_if_or_a_met_condition_is_taken(
    text: str, choice: int
) -> None:
    found = _read(State.OFFERED, text, offered=OFFERED)
    assert (found.kind, found.choice) == (ReplyKind.PICK, choice)


# -- 3. after their own cancel or withdrawal: asking again reopens; unclear is told ----

OWN_CANCEL = Facts(approval="therapist", reopenable=True, invited_back=True)


@pytest.mark.parametrize(
    "text",
    [
        "can I still have the free call?",
        "Hi, I think I'm ready now. Is it still possible to have a chat?",
        "Sorry for cancelling. Could we try again?",
        "Things have settled down, I'd like to book the call after all",
        "Is the offer of a call still open?",
        "I'm ready to talk now if you still have space",
    ],
)
def test_asking_for_the_call_again_gets_fresh_times(text: str) -> None:
    for state in (State.CANCELLED, State.CLOSED):
        done = workflow.on_person_reply(state, _read(state, text), OWN_CANCEL)
        assert done.state is State.OFFERED
        assert any(isinstance(c, Offer) for c in done.commands)


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("Is it still possible to get a refund?", True),
        ("What happens to my details now?", True),
        ("Thanks, no need to reply", False),
        ("Thank you, all the best.", False),
        ("Thanks x", False),
        ("I'm not ready yet, sorry. I'll be in touch", False),
        ("I'd love to have a chat but I can't afford it at the moment", False),
    ],
)
def test_other_replies_after_their_own_cancel_never_reopen(
    text: str, told: bool
) -> None:
    done = workflow.on_person_reply(
        State.CANCELLED, _read(State.CANCELLED, text), OWN_CANCEL
    )
    assert done.state is State.CANCELLED
    assert not any(isinstance(c, Offer) for c in done.commands)
    assert any(isinstance(c, AlertTherapist) for c in done.commands) is told


# -- the therapist's private notes and no-shows in plain words ----------------------


def _therapist(state: State, text: str) -> Decision | None:
    found = read_therapist_answer(
        state, text, today=TODAY, booking_only=state is State.BOOKED
    )
    return None if found is None else found.decision


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        (
            "No. I saw her years ago as a client - ethically can't. I'll write.",
            Decision.PRIVATE,
        ),
        (
            "He's my son's football coach\u2026 I'll send him a couple of names",
            Decision.PRIVATE,
        ),
        (
            "Not this one, I treated her sister. I'll let her know myself.",
            Decision.PRIVATE,
        ),
        ("No - time-waster, ignore", Decision.PRIVATE),
        # hard negatives: the therapist's own reason goes on; a yes stays a yes
        (
            "No, sorry - I'll be away. Please send her some other times",
            Decision.DECLINE,
        ),
        ("Yes fine. Ethically no issue.", Decision.APPROVE),
        ("Yes, I'll write to confirm.", Decision.APPROVE),
    ],
)
def test_a_note_about_the_person_stands_down(text: str, decision: Decision) -> None:
    assert _therapist(State.HELD, text) is decision


@pytest.mark.parametrize(
    ("text", "no_show"),
    [
        ("Called at 10 and 10.05, nothing. Not even voicemail.", True),
        ("Phoned at 14:00, nothing", True),
        ("Rang at 2 and 2.10, no answer", True),
        ("tried her at 2, no joy", True),
        ("Rang twice - not even an answerphone", True),
        ("Called at 10, nothing to add - went well", False),
        ("Called at 2, all good", False),
        ("Thanks - will call at 2 and again at 2.10 if needed", False),
    ],
)
def test_a_no_show_in_plain_words(text: str, no_show: bool) -> None:
    assert (_therapist(State.BOOKED, text) is Decision.NO_SHOW) is no_show


# -- the second review: a change of heart read as cancelling again ------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry I cancelled. I've changed my mind and would like the call",
        "Actually I've changed my mind again, could I have the free call after all?",
        "I think I was too hasty cancelling. Any chance of the call still?",
        "Changed my mind (again!) - can I book the call?",
        "I'd still like the call if that's ok.",
    ],
)
def test_a_change_of_heart_after_their_own_cancel_is_never_met_with_silence(
    text: str,
) -> None:
    for state in (State.CANCELLED, State.CLOSED):
        done = workflow.on_person_reply(state, _read(state, text), OWN_CANCEL)
        assert any(isinstance(c, Offer | AlertTherapist) for c in done.commands), (
            state,
            done,
        )


@pytest.mark.parametrize(
    "text",
    [
        "cancel wednesday pls, can u do the following wednesday same time",
        "I'll have to cancel Wednesday - can you do the Wednesday after?",
        "Cancelling wed sorry. Same time next week?",
        "need to cancel weds, could you fit me in the following week",
    ],
)
def test_cancel_words_beside_an_unplaced_other_time_never_cancel(text: str) -> None:
    found = _read(State.BOOKED, text, booked=WEDNESDAY)
    assert found.kind in {ReplyKind.RESCHEDULE, ReplyKind.UNCLEAR}


@pytest.mark.parametrize(
    "text",
    [
        "Can you cancel my call on Wednesday please?",
        "I need to cancel. Sorry to mess you around.",
        "Please cancel Wednesday, I've found a therapist closer to home.",
    ],
)
def test_a_plain_cancel_still_cancels_even_as_a_question(text: str) -> None:
    found = _read(State.BOOKED, text, booked=WEDNESDAY)
    assert found.kind is ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "Can I still have the call? Actually no, please cancel it.",
        "I'd like to cancel. Could we try again another time?",
        "Thanks, I'll cancel for now and could we do it again in the new year",
    ],
)
def test_asked_for_again_and_cancelled_in_one_reply_is_asked_never_reopened(
    text: str,
) -> None:
    for state in (State.CANCELLED, State.CLOSED):
        done = workflow.on_person_reply(state, _read(state, text), OWN_CANCEL)
        assert done.state is state
        assert not any(isinstance(c, Offer) for c in done.commands)
        assert any(isinstance(c, AlertTherapist) for c in done.commands)
