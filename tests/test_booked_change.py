"""Once booked, the call's time talked about (stop 61): another thing moved
so they can make it, a move said as a maybe or under a condition, a
question about the rules. Neither fresh times pressed on them nor a
cancel: the booking stands and the therapist reads it. Beside them, plain
moves and cancels that must still be read as before
(tests/corpus/replies/booked_change, written blind, scored in
tests/test_understand.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import ReplyKind, Slot
from mailflow.reading.followup import read_booked_reply

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 3, 14, 0, tzinfo=LONDON)  # Thursday 3 December, 14:00
BOOKED = Slot(START, START + timedelta(minutes=15))

OUR_LETTER = """

On Sat, 28 Nov 2026 at 16:07, Sam Rivera, Riverside Counselling <hello@riverside.example> wrote:
> Hello Jo,
>
> That's booked: I'll ring you on 07700 900618 on Thursday 3 December at 14:00 London time (GMT, UTC+0).
>
> If anything changes, just reply to this email.
"""


def _kind(text: str) -> ReplyKind:
    return read_booked_reply(
        text + OUR_LETTER,
        offered=(BOOKED,),
        zones=[LONDON],
        region="GB",
        today=date(2026, 11, 28),
        booked=BOOKED,
    ).kind


@pytest.mark.parametrize(
    "text",
    [
        "I moved my dentist so we're still good for Thursday",
        "My boss moved a meeting into that slot but I said no, so 2pm is fine",
        "had a work call land on top of this but i've cancelled it. we're good for 2 on the 3rd",
        "The hospital has moved my scan to the 15th, so Thursday still stands.",
        "i've rearranged the school run with my neighbour so i'll be home and free from 1.45",
        "postponed my haircut so i'm all yours at 2 😄",
        "Confirmed. (I had a clash with parents' evening but the school has moved it.)",
        "My shift got swapped so no clash any more, speak Thursday",
        "I had to move my dentist appointment but 2pm is fine",
        "Work tried to change my shift but Thursday is fine",
        "I've rearranged the childcare, the call is fine",
        # another thing's move said as a need or a plan (helper-303)
        "I'm going to move my dentist appointment so we're still good for 2pm",
        "I need to move my dentist appointment, but we're still good for Thursday at 2",
        "I've got to rearrange my GP appointment but the call is fine",
        "They're going to move my scan to the 15th so Thursday still stands",
        "Could you change my number to 07700 900111? We're still good for Thursday",
        "I need to move my GP appointment so we're still good for Thursday",
        "My dentist moved to a later time so we're still good for 2pm",
    ],
)
def test_another_thing_moved_so_they_can_make_it_is_no_move(text: str) -> None:
    assert _kind(text) is ReplyKind.UNCLEAR  # nothing sent; the therapist reads it


@pytest.mark.parametrize(
    "text",
    [
        "If I needed to change the time would that be ok?",
        "Is it possible to move it if needed?",
        "I might need to rearrange, will confirm tomorrow",
        "Was going to ask to move it, but it's fine, I'll take the call at work",
        "if work changes my rota I'll have to reschedule",
        "How much notice do you need if I need to move it?",
        "Just a heads up, I may need to push it back, I'll let you know by Wednesday",
        "I'll be in touch if I need to rearrange",
        "Might have to move this, I'll know on Monday when I get my shifts",
        "hi there, if i needed to move it, would that be possible?",
        "If the flight's delayed I'll need to move it, is that ok?",
        "I was going to ask to move it but actually it's fine now",
        "I was going to ask to move it but I can do it after all thanks, see you Thursday",
        "I was going to ask to move it but it's totally fine, see you Thursday",
        "I might need to move it, I'll let you know once I hear from work on Monday",
        "I was going to ask to move it but no need to move it after all",
        "I was thinking I'd move it but I can do it after all, see you Thursday",
        "I might need to move it, I'll know Monday",
        "I might need to move it, will let you know next week",
        "If work moves my shift - which happens a lot - I'll need to rearrange, I'll let you know",
        "If my shift changes, so I'd have to move it, would that be ok?",
    ],
)
def test_a_move_said_as_a_maybe_or_a_condition_is_not_yet_a_move(text: str) -> None:
    assert _kind(text) is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Could we move it to Friday if possible?",
        "If possible can we push it back an hour?",
        "Need to rearrange, can we do Friday instead?",
        "I can't do Thursday any more, could we do Friday?",
        "Please can we move this to next week, if that's ok",
        "Can we reschedule? Work has put me on lates. Friday morning is fine for me.",
        "I need to move it sorry - Friday at 2 is fine",
        "Would it be possible to change the time to 4pm if that's ok with you?",
        "I need to reschedule, I'm free on Monday or Tuesday afternoon",
        "Might be worth moving it actually, can we do Friday?",
        "Any chance we could switch to Friday? I'm free all day",
        # politeness is no condition (helper-302's probes)
        "Could we maybe reschedule?",
        "Do you mind if we move it?",
        "Is it ok if I move it?",
        "I was wondering if we could move it",
        "It may be better to move it to next week",
        "Maybe we should reschedule, I'm stuck at work Thursday",
        "I think I might need to reschedule, Thursday is no longer possible",
        "If I could move it to next week that would be great",
        "I was going to ask if we could move it - Thursday's no good now",
        "if work changes my rota I'll have to reschedule, so send me some new times please",
        # a maybe that names the time it asks for, a move not let go, a
        # condition whose reach has ended, a filler "in case" (helper-303)
        "I'll probably need to move it to Friday at 2, I'll confirm tomorrow",
        "Maybe need to push it to 4pm, will update you",
        "I was going to ask if we could move it, sorry, but something's come up at work",
        "I was going to ask to move it but I need Friday instead",
        "If work changes my shift I'll have to reschedule - it just did, so can we move it?",
        "In case it helps, I need to move it - Friday at 2 would suit",
        "Let's move it to next week, I'm still fine for a chat",
        "Could I have a later slot? I'm still good for Thursday",
        "I'd rather do Friday, so I'm free then",
        "I might need to move it to Friday, I'll know on Monday",
        "I need to move my Thursday call, I'm still good for any time next week",
        "I need to move my 15 minute call, still good for a chat next week",
        "I need to move the phone consultation, but still good for a chat next week",
        "I need to move my 2.30 session, still good for a chat next week",
        "I need to move my appt, still good for a chat next week",
        "I was going to ask to move it but I can do it tomorrow instead",
        "I was going to ask to move it but I can make it 4pm instead",
        "Just in case I have the wrong email, I need to reschedule our call",
        "Sorry, in case I need to leave early - I need to move my call",
        "I might need to move it, will confirm if I can do Friday instead",
        "Just in case you missed my last email - I need to reschedule, still keen for a chat"
        " next week",
        "Work's been mad, fingers crossed it calms down - I need to move it to next week,"
        " still keen for a chat",
        "I was going to ask to move it but it's no good, sorry, I'm still keen for a chat"
        " next week",
        "I was going to ask to move it but I can do it on Friday instead",
        "I was going to ask to move it - no need to cancel though, just Friday instead",
        # words that something else stands, beside a move asked for
        "Need to reschedule sorry, but I'm still good for a chat next week",
        "I'll have to rearrange, so I'm free Friday or Monday",
        "Hi, the call is fine but can we change the day? Thursday no longer works",
        "Thursday still works but could we do 3 instead of 2?",
        "I'd like to move it to Friday at 3 please. If that's not possible just keep"
        " it as it is.",
    ],
)
def test_a_move_asked_for_now_is_still_a_move(text: str) -> None:
    assert _kind(text) is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    "text",
    [
        "Please cancel, I've decided not to go ahead.",
        "Please cancel the call, I've found a counsellor nearer home.",
        "Cancel it please, I'm fine for now",
        "Please cancel, I'm all set for now thanks",
        "Confirmed: please cancel my appointment.",
    ],
)
def test_a_plain_cancel_is_still_a_cancel(text: str) -> None:
    assert _kind(text) is ReplyKind.CANCEL
