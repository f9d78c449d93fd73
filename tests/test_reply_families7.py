"""Who chose the time, and in whose clock (stop 60): a pick someone else made
for the person waits for the therapist, who is told; a time told in the
writer's own clock is never booked in London's. Each family beside the
clear answers of the same shape that must still be read as before. A wrong
booking is far worse than a question back, so a trap asserts "not booked
as read" (asking is always allowed) and a clear answer asserts its pick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailflow.deciding import decide, workflow
from mailflow.deciding.workflow import AskApproval, Book, Facts, Hold
from mailflow.model import PersonReply, ReplyKind, Slot, State
from mailflow.reading import answer
from mailflow.reading.reply import read_person_reply, relayed

LONDON = ZoneInfo("Europe/London")
BERLIN = timezone(timedelta(hours=1))
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


NOON_AND_ONE = (_slot(12, 1, 12), _slot(12, 1, 13), _slot(12, 3, 10))
"""Tue 1 Dec 12:00 and 13:00, Thu 3 Dec 10:00 (London)."""

OUR_LETTER = """

On Fri, 27 Nov 2026 at 10:04, Sam Rivera, Riverside Counselling <hello@riverside.example> wrote:
> Hello Pat,
>
> Thank you for getting in touch. I know that writing to a therapist for the first time can take some courage, so I'm glad you did.
>
> These are the times I have free at the moment:
>
>   1. Tuesday 1 December at 12:00 London time (GMT, UTC+0)
>   2. Tuesday 1 December at 13:00 London time (GMT, UTC+0)
>   3. Thursday 3 December at 10:00 London time (GMT, UTC+0)
"""


def _read(text: str, zones: list[object] | None = None) -> PersonReply:
    return read_person_reply(
        text,
        offered=NOON_AND_ONE,
        zones=zones or [LONDON],  # type: ignore[arg-type]
        region="GB",
        today=TODAY,
    )


def _picks(text: str, zones: list[object] | None = None) -> int | None:
    found = _read(text, zones)
    return found.choice if found.kind is ReplyKind.PICK else None


# -- a time in the writer's own clock ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm working in Germany at the moment so 13:00 my time on the Tuesday would be best.",
        "1pm my time on Tuesday please",
        "Tuesday 13:00 local time works for me",
        "tues at 1pm (my local time, im in Madrid till christmas)",
        "The 13:00 on Tuesday, German time, if that's ok",
        "Tuesday at 1pm CET please",
        "tuesday 1pm here in Berlin works",
        "Tuesday 1pm, my time zone is Central European",
    ],
)
def test_a_time_in_a_clock_mailflow_does_not_know_is_never_booked(text: str) -> None:
    # 13:00 in their clock is 12:00 in London's, and 13:00 London is offered.
    assert _picks(text) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("13:00 UK time on the Tuesday would be best", 2),
        ("Tuesday 1pm London time please", 2),
        ("13:00 your time on Tuesday works", 2),
        ("Option 2 please, I'm on German time this month", 2),
        ("Number 2 please - my time is the same as yours but check the phone below", 2),
        ("Tuesday at 1pm please", 2),
        ("thursday at 10 is good for me", 3),
    ],
)
def test_london_times_and_numbers_are_read_as_before(text: str, choice: int) -> None:
    assert _picks(text) == choice


def test_a_time_in_their_known_clock_is_read_in_it() -> None:
    # Their clock known (UTC+1): 12:00 theirs is 11:00 London, not offered;
    # 12:00 London (#1) is not what they named.
    assert _picks("12:00 my time on Tuesday please", [LONDON, BERLIN]) is None
    # 14:00 theirs is 13:00 London (#2): only one reading.
    assert _picks("14:00 my time on Tuesday please", [LONDON, BERLIN]) == 2
    # 13:00 theirs is #1, though 13:00 London is #2: they said whose clock
    assert _picks("13:00 my time on Tuesday please", [LONDON, BERLIN]) == 1
    # said in no clock, 13:00 is #1 in theirs and #2 in London's: which?
    assert _picks("13:00 on Tuesday please", [LONDON, BERLIN]) is None


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday 12pm here works",
        "tuesday at 12 here is fine",
        "Tuesday noon here please",
        "Tuesday 12:00 here, if that's ok",
        "Tuesday at 12pm here suits me",
    ],
)
def test_a_time_said_here_is_in_their_own_clock(text: str) -> None:
    # Noon in their clock (UTC+1) is 11:00 London, not offered; noon London
    # (#1) is 13:00 theirs: never booked as London's (stop 60 booked #1).
    assert _picks(text, [LONDON, BERLIN]) is None
    # Their own clock is London's where the offer showed no other: #1.
    assert _picks(text) == 1


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Tuesday 2pm here works for me", 2),  # 13:00 London
        ("Tuesday 13:00 here please", 1),  # 12:00 London
    ],
)
def test_a_time_said_here_that_is_offered_in_their_clock_is_booked(
    text: str, choice: int
) -> None:
    assert _picks(text, [LONDON, BERLIN]) == choice


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday 1pm please. 07700 900123 here is my mobile",
        "Tuesday 1pm here at the office is fine",
        "Can do Tuesday 1pm here, mobile is 07700 900123",
        "Tuesday 1pm here: please ring my mobile",
        "I'll go for Tuesday 1pm here",
        "Tuesday 1pm here: 07700 900123",
        "Tuesday 1pm. Here please call my mobile 07700 900123",
        "Tuesday at 1pm. Here works for me",
        "Tuesday 1pm.   Here works",
    ],
)
def test_a_here_that_begins_or_ends_something_else_names_no_clock(text: str) -> None:
    # 1pm London (#2) and 1pm theirs (12:00 London, #1) both fit: asked.
    assert _picks(text, [LONDON, BERLIN]) is None
    assert _picks(text) == 2


# -- someone else chose ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hello Sam,\n\nI'm replying for my mum, she doesn't really do email. She'd like the"
        " Tuesday one at 1 please.\n\nThanks,\nDebbie",
        "Hi Sam - my wife Annie asked me to forward this on as she's not great with email."
        " She says the 1pm on Tuesday. I'll be with her when you call if that's ok.\n\nMark",
        "Writing on behalf of my son, he'd like number 2 please. His mobile is 07700 900123.",
        "My husband asked me to reply as he's at work - he'd like number 2 please.",
        "Hi, I'm her support worker. She has chosen option 2, the Tuesday at 1.",
        "number 2 please\n\nDebbie (Pat's daughter)",
        "Dad doesn't use email so I'm replying on his behalf - he'll take the Thursday one.",
        "My partner has asked me to book for her, she'll take 2 please",
    ],
)
def test_a_pick_someone_else_made_is_read_as_relayed(text: str) -> None:
    assert relayed(text + OUR_LETTER)
    found = answer.read_person_answer(
        State.OFFERED,
        text + OUR_LETTER,
        offered=NOON_AND_ONE,
        zones=[LONDON],
        region="GB",
        today=TODAY,
    )
    assert found.kind is not ReplyKind.PICK or found.relayed


def test_an_answer_to_the_persons_own_question_is_relayed() -> None:
    # A partner's reply-all to "which one shall I go for?" the person forwarded.
    text = (
        "the tuesday one x\n\nOn Sat, 28 Nov 2026 at 08:51, Jo Okafor"
        " <jo.okafor@example.org> wrote:\n> Which one shall I go for? you've got the"
        " kids thursday haven't you\n>\n> ---------- Forwarded message ---------\n"
        "> From: Sam Rivera <hello@riverside.example>\n"
        + OUR_LETTER.replace("\n>", "\n>>")
    )
    assert relayed(text)


@pytest.mark.parametrize(
    "text",
    [
        "My GP was the one who suggested I get in touch. She said mornings are better"
        " for me with my new meds, so Thursday at 10 please.",
        "my mum will drive me so Tuesday at 1 is best",
        "my husband has the kids on Thursday so number 2 please",
        "I'm writing from my partner's laptop, it's Annie - the 1pm please",
        "my daughter set up this email for me, number 2 thank you",
        "sorry for the delay, my son was poorly - 2 please",
        "My friend said she'd recommend you! Option 1 please",
        "Number 2 please. My wife says hi!",
        "Tuesday at 1 please. Which one of your colleagues would I see after?",
        "2 please",
    ],
)
def test_a_pick_that_only_mentions_others_is_the_persons(text: str) -> None:
    assert not relayed(text + OUR_LETTER)


# -- what is done with it --------------------------------------------------------


def _facts(approval: str) -> Facts:
    return Facts(
        approval=approval,  # type: ignore[arg-type]
        offered=NOON_AND_ONE,
        free=frozenset(NOON_AND_ONE),
    )


@pytest.mark.parametrize("approval", ["auto", "therapist"])
def test_a_relayed_pick_waits_for_the_therapist_who_is_told(approval: str) -> None:
    reply = PersonReply(ReplyKind.PICK, choice=2, relayed=True)
    done = workflow.on_person_reply(State.OFFERED, reply, _facts(approval))
    assert not any(isinstance(c, Book) for c in done.commands)
    assert Hold(NOON_AND_ONE[1]) in done.commands
    assert AskApproval(NOON_AND_ONE[1], relayed=True) in done.commands
    # from then on every pick waits for the therapist
    assert decide.question_reached_therapist(done)


def test_the_persons_own_pick_is_booked_under_automatic_approval() -> None:
    reply = PersonReply(ReplyKind.PICK, choice=2)
    done = workflow.on_person_reply(State.OFFERED, reply, _facts("auto"))
    assert Book(NOON_AND_ONE[1]) in done.commands
    assert not decide.question_reached_therapist(done)


@pytest.mark.parametrize(
    "text",
    [
        "Good afternoon, I am writing on behalf of Doreen who is a resident here."
        " Staff have looked at the rota and Tuesday at 1 works best for us.",
        "It's Sarah's mum here. Sarah asked me to let you know number 2 is best for her.",
        "I translate for Mr Nowak. He says Tuesday is good for him, the 1pm.",
        "My daughter is 24 and struggling to pick up the phone, so I'm sorting this out"
        " for her. I think the Thursday would suit her best.",
        "Tom asked me to reply, he's at work - number 2 please",
        # a choice reported, nothing else said
        "Hi Sam, she says the 1pm on Tuesday.",
        "He'd like number 2 please. Thanks, Carol",
        "Dad's picked the Tuesday 1pm",
        "My son would like the Tuesday 1pm slot",
        "My partner Sam wants the Tuesday 1pm please. They find email hard",
        "2 please - I'm helping my gran with this, she's 84",
        "Number 1 is best for my daughter, she's at school in the afternoons",
        "We'll go for option 2 for our son Tom",
        "As her advocate I can confirm Tuesday at 1pm",
        "Mum says the Tuesday one please",
    ],
)
def test_more_ways_of_choosing_for_someone(text: str) -> None:
    assert relayed(text + OUR_LETTER)


@pytest.mark.parametrize(
    "text",
    [
        "Number 2 please. It's good for me and him both as he's off that day",
        "My husband says hi - option 2 please",
        "I'm sorting out childcare for Tuesday so number 2 please",
        "2 please, my partner asked if you do couples work too?",
        "Option 1. My son is off school so mornings suit him best too, haha",
        "2 please, my mum wants me to reply quickly before I change my mind lol",
        "The Tuesday 1pm is best for me. My nan says it works better for her too",
        "Tuesday 1pm works for my husband too, he'll mind the kids",
        "my wife will take the afternoon off so 2 please",
    ],
)
def test_more_picks_that_are_the_persons_own(text: str) -> None:
    assert not relayed(text + OUR_LETTER)


@pytest.mark.parametrize(
    "text",
    [
        "I'm in Dubai at the moment so the 13:00 on Tuesday would be best for me.",
        "we're currently living in Spain, Tuesday 1pm suits",
        "I'll be in New York by then so Tuesday 1pm would be good",
        "Tuesday 13:00 please - I'm flying to Singapore that week",
    ],
)
def test_a_time_said_abroad_or_travelling_is_asked_about(text: str) -> None:
    assert _picks(text) is None
    # travelling or not, with the clock their mail showed: not one reading
    assert _picks(text, [LONDON, BERLIN]) is None


@pytest.mark.parametrize(
    "text",
    [
        "I'll be in New York by then so 14:00 my time on Tuesday would be good",
        "I'm flying to Singapore that week, so 14:00 my time on Tuesday please",
    ],
)
def test_their_known_clock_is_not_theirs_when_they_travel(text: str) -> None:
    # 14:00 in the clock their mail showed is #2; by then they are elsewhere
    assert _picks(text, [LONDON, BERLIN]) is None
    assert (
        _picks(
            text.replace("I'll be in New York by then so ", "").replace(
                "I'm flying to Singapore that week, so ", ""
            ),
            [LONDON, BERLIN],
        )
        == 2
    )


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("I'm in Madrid for work that week, but Tuesday 13:00 London time is fine", 2),
        ("I'm in Hong Kong at the moment but Tuesday at 1pm UK time please", 2),
        ("I'm back in London now so Tuesday at 1pm please", 2),
    ],
)
def test_london_named_beside_a_place_abroad_is_londons(text: str, choice: int) -> None:
    assert _picks(text) == choice


def test_a_time_named_in_londons_clock_is_read_in_it_alone() -> None:
    # "4pm London" beside a number that is 4pm in their clock: they disagree
    offered = (_slot(12, 7, 11), _slot(12, 8, 15), _slot(12, 9, 16))
    found = read_person_reply(
        "Number 2 please - 4pm London works great.",
        offered=offered,
        zones=[LONDON, BERLIN],
        region="GB",
        today=TODAY,
    )
    assert found.kind is not ReplyKind.PICK


def test_your_time_may_be_the_offers_name_for_their_own_clock() -> None:
    # the offer showed "14:00 your time (UTC+1)" for the 13:00 London time
    assert _picks("Tuesday 1pm your time works for me!", [LONDON, BERLIN]) is None
    assert _picks("the 14:00 your time one is great", [LONDON, BERLIN]) == 2


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Tuesday 1 please", None),  # option 1 is Tuesday, 1pm Tuesday is the 2nd
        ("I could do 1 on Tuesday", None),
        ("Tuesday at 1 please", 2),  # "at": the hour
        ("Thursday 3 December please", 3),  # a date
        ("option 1 please", 1),
        ("1 please", 1),  # a bare number is the option, as the letter asks
    ],
)
def test_a_number_beside_a_day_may_be_an_option_or_an_hour(
    text: str, choice: int | None
) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize("approval", ["auto", "therapist"])
def test_a_move_someone_else_chose_waits_and_the_therapist_is_told(
    approval: str,
) -> None:
    reply = PersonReply(ReplyKind.PICK, choice=2, relayed=True)
    done = workflow.on_person_reply(State.RESCHEDULING, reply, _facts(approval))
    assert not any(isinstance(c, workflow.Move) for c in done.commands)
    assert workflow.AskToMove(NOON_AND_ONE[1]) in done.commands
    assert workflow.AlertTherapist("pick-relayed") in done.commands
    assert decide.question_reached_therapist(done)


NEW_YORK = timezone(timedelta(hours=-5))
NINE_AND_TWO = (_slot(12, 1, 9), _slot(12, 1, 14), _slot(12, 3, 16))
"""Tue 1 Dec 09:00 and 14:00 (9am in New York), Thu 3 Dec 16:00 (London)."""


def _in_new_york(text: str, offered: tuple[Slot, ...] = ()) -> PersonReply:
    """The reply read in London's clock and New York's (the writer's)."""
    return read_person_reply(
        text,
        offered=offered or NINE_AND_TWO,
        zones=[LONDON, NEW_YORK],
        region="GB",
        today=TODAY,
    )


@pytest.mark.parametrize(
    "text",
    [
        "I'm in London this week for work. Tuesday 9am EST works best",
        "I'm in London right now but Tuesday 9am Eastern is what I'd like",
        "Tuesday 9am New York time please. I'm in England for a wedding at the weekend",
        "Tuesday 9am my time please, I'm in Boston. We're in the UK every August",
        "I'm in London this week but Tuesday 9am my time please",
    ],
)
def test_london_said_in_passing_never_overrides_the_clock_named(text: str) -> None:
    # 9am London is the first, 9am New York the second: never the first
    found = _in_new_york(text)
    assert found.choice != 1


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Tuesday 9am GMT-5", 2),
        ("Tuesday 9am GMT -5 is good for me", 2),
        ("Tuesday 2pm (UTC-5) works", None),  # 19:00 London: not offered
        ("Tuesday 9am GMT please", 1),
    ],
)
def test_an_offset_named_after_a_time_is_its_clock(
    text: str, choice: int | None
) -> None:
    found = _in_new_york(text)
    assert (found.choice if found.kind is ReplyKind.PICK else None) == choice


def test_a_time_after_a_dash_is_no_offset() -> None:
    # "GMT - 4:00 am" is London's 9:00 and their 4am, never GMT-4 (the second)
    found = _in_new_york("Tuesday 9:00 GMT - 4:00 am my time")
    assert found.choice != 2


@pytest.mark.parametrize(
    "text",
    [
        "I'm in London this week but Tuesday 9am my time please",
        "I'm back in London now, so Tuesday 9am my time",
    ],
)
def test_in_london_now_beside_their_own_clock_is_asked(text: str) -> None:
    # which clock is "theirs" now: the one their mail showed, or London's?
    found = _in_new_york(text)
    assert found.kind is not ReplyKind.PICK


def test_gmt_with_a_spaced_offset_is_never_londons() -> None:
    found = _in_new_york("Tuesday 9am GMT - 5 is good for me")
    assert found.choice != 1


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday 9am GMT - 5 is good for me",
        "Tuesday 9am UTC - 5 please",
        "Tues 9am (gmt - 5) pls",
        "Tuesday 9am GMT+ 5",
    ],
)
def test_an_offset_written_loosely_is_asked_about(text: str) -> None:
    # only London's 9am is offered: never booked on a clock they did not mean
    offered = (_slot(12, 1, 9), _slot(12, 2, 10), _slot(12, 3, 16))
    found = _in_new_york(text, offered)
    assert found.kind is not ReplyKind.PICK


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday 9am in New York please, not London",
        "Tuesday 9am, GMT-5",
        "Tuesday 9am UTC\u22125",
    ],
)
def test_a_time_placed_abroad_is_never_londons(text: str) -> None:
    offered = (_slot(12, 1, 9), _slot(12, 2, 10), _slot(12, 3, 16))
    for zones in ([LONDON], [LONDON, NEW_YORK]):
        found = read_person_reply(
            text, offered=offered, zones=zones, region="GB", today=TODAY
        )
        assert found.kind is not ReplyKind.PICK, zones
