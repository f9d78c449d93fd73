"""Families of replies added from the fifth blind set
(`tests/corpus/replies/fresh5`), each beside the hard negatives that must not
be read the same way. A wrong booking or a wrong cancel is far worse than a
question back, so the negatives assert "not this reading" (asking is always
allowed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import Decision, ReplyKind, Slot, State
from mailflow.reading.answer import read_person_answer, read_therapist_answer
from mailflow.reading.reply import read_person_reply

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


TWO_A_DAY = (
    _slot(12, 1, 13),
    _slot(12, 1, 15, 30),
    _slot(12, 2, 9),
    _slot(12, 3, 10),
    _slot(12, 3, 14),
)
"""Tue 1 Dec 13:00 and 15:30, Wed 2 Dec 09:00, Thu 3 Dec 10:00 and 14:00."""


def _read(text: str, offered: tuple[Slot, ...] = TWO_A_DAY):  # type: ignore[no-untyped-def]
    return read_person_reply(
        text, offered=offered, zones=[LONDON], region="GB", today=TODAY
    )


def _picks(text: str, offered: tuple[Slot, ...] = TWO_A_DAY) -> int | None:
    found = _read(text, offered)
    return found.choice if found.kind is ReplyKind.PICK else None


# -- a place among one day's times, never the list's ---------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("the second one on Thursday", 5),
        ("the second one on thursday please", 5),
        ("The first one on Thursday please", 4),
        ("the last one on tuesday", 2),
        ("the later one on tuesday pls. thank you!!", 2),
        ("the earlier one on thursday", 4),
        ("the second thursday one", 5),
        ("the first Thursday slot please", 4),
        ("second slot on thursday works", 5),
        ("thursday, the second one", 5),
        ("Thursday - the first one please", 4),
        ("tuesday's later one please", 2),
        ("the afternoon one on thursday", 5),
    ],
)
def test_a_place_among_a_days_times_is_never_the_lists(text: str, choice: int) -> None:
    # The day's own time, or asked: never the list's place (a Tuesday). The
    # place only takes a pick away; the reader does not yet book from it.
    assert _picks(text) in {None, choice}
    assert _read(text).kind in {ReplyKind.PICK, ReplyKind.UNCLEAR}


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        # turned down, or pointing at a time that is not there
        ("not the first one on Thursday, the other one", TWO_A_DAY),
        ("the second one on Wednesday please", TWO_A_DAY),
        ("the first one on Friday please", TWO_A_DAY),
        ("the later one on wednesday", TWO_A_DAY),
        # two alternatives: which?
        ("the first one on thursday or the tuesday one, either is fine", TWO_A_DAY),
        # the list's second is a Tuesday, but Tuesday's first: which?
        (
            "the second one on Tuesday",
            (_slot(11, 30, 10), _slot(12, 1, 10), _slot(12, 1, 14)),
        ),
        (
            "the second tuesday one",
            (_slot(11, 30, 10), _slot(12, 1, 10), _slot(12, 1, 14)),
        ),
        # a number beside it that is another time: which?
        ("option 1, the later one on tuesday", TWO_A_DAY),
        # Thursdays of two weeks: which Thursday's first?
        (
            "the first one on Thursday",
            (_slot(12, 1, 13), _slot(12, 3, 10), _slot(12, 10, 10)),
        ),
        # three that day: "the later one" is not one of them
        (
            "the later one on tuesday",
            (_slot(12, 1, 10), _slot(12, 1, 13), _slot(12, 1, 16), _slot(12, 3, 9)),
        ),
    ],
)
def test_a_place_among_a_days_times_that_points_at_none_is_asked(
    text: str, offered: tuple[Slot, ...]
) -> None:
    assert _picks(text, offered) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        # the list's place agrees with the day's: no doubt
        ("the first one on Tuesday", 1),
        ("the second one on Tuesday", 2),
        # their own day, not the offer's
        ("the last time on Tuesday I was stuck at work, so Thursday at 2 please", 5),
        ("The first one please. On Thursday I'm at work", 1),
        ("I'll take the first one. Thursday is no good", 1),
    ],
)
def test_other_words_near_a_day_keep_their_reading(text: str, choice: int) -> None:
    assert _picks(text) == choice


def test_their_own_first_appointment_is_no_place_among_the_offers() -> None:
    # "my first appointment on Thursday" is theirs: never Thursday's first
    assert (
        _picks("my first appointment on Thursday is at 10 so the 14:00 suits me") != 4
    )


# -- a listed time pointed at that is not on the list: asked, not new times ------


@pytest.mark.parametrize(
    "text",
    [
        "Number 4 - the Friday 1pm. My number is 07700 900118",
        "Option 2 - the Monday at 11",
        "number 3 (the friday one)",
        "Wednesday at 11 from your list is good for me, thank you",
        "Friday at 2 from your list works",
        "Wednesday 4pm that you offered works for me",
    ],
)
def test_a_listed_time_that_is_not_listed_is_asked_about(text: str) -> None:
    assert _read(text).kind is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        # saying what suits, with no word that it was listed: fresh times
        "Friday at 2 please, my number 07700 900118",
        "Friday at 2 would suit me, I'll be off work then",
        "Any chance of a Friday? The Friday slot would be ideal",
        "The Friday slot would be ideal - is that possible?",
        "Sorry none of the times you sent work, Fridays are better",
        "Monday at 10 would be great",
        "Could you do Friday at 2 instead? My mobile is 07700 900118",
        "none of these work im afraid, fridays after 2 are good",
        "Friday or Monday, whichever is easier for you",
        # a day asked for, not one taken from the list
        "Got the times you sent, Friday at 3 would be ideal for me",
        "I'd love the Saturday slot if there is one",
        "The Monday slot please if you have one",
        "the Saturday one please",
        "Monday evening please, you offered one last time",
    ],
)
def test_times_that_suit_them_instead_are_still_none_fit(text: str) -> None:
    assert _read(text).kind is ReplyKind.NONE_FIT


# -- listed times named, the choice left to the practice: which? ----------------


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday 1pm or Thursday, whichever's easier for you!",
        "Tuesday or Thursday, whichever is easier",
        "either tuesday one, whichever's better for you",
        "Tuesday at 1 or Weds at 9 - your choice!",
        "Tuesday or Wednesday, up to you which is better",
    ],
)
def test_listed_times_left_to_the_practice_are_asked_about(text: str) -> None:
    assert _read(text).kind is ReplyKind.UNCLEAR


# -- the therapist's no, with words about the person and fresh times asked for ---


def _therapist(text: str) -> Decision | None:
    found = read_therapist_answer(State.HELD, text, today=TODAY)
    return None if found is None else found.decision


@pytest.mark.parametrize(
    "text",
    [
        # ties, or taken on, or times not wanted: nothing goes to the person
        "No - she's my neighbour, tell her I'm sorry and send her some referrals",
        "No, tell him I'm full. I'll write to him myself.",
        "No, let him know I don't see couples. Don't send him times.",
        "No, tell her sorry, I'll send her some times myself next week",
        "No - tell her I'm sorry, no need to offer her other times",
        "No. She's an ex-client, tell her I'm sorry and send her some new times",
    ],
)
def test_a_no_that_keeps_the_person_from_mailflow_stands_down(text: str) -> None:
    assert _therapist(text) is Decision.PRIVATE


# -- a move said as a maybe, once booked: the booking stands, asked -------------


def _booked(text: str) -> ReplyKind:
    booked = _slot(12, 8, 16, 15)
    return read_person_answer(
        State.BOOKED,
        text,
        offered=(),
        zones=[LONDON],
        region="GB",
        today=TODAY,
        booked=booked,
    ).kind


@pytest.mark.parametrize(
    "text",
    [
        "I might need to move it, will let you know",
        "I may have to reschedule, I'll confirm tomorrow",
        "might have to change the time, waiting to hear about a shift",
        "just a heads up I might need to move our call - will confirm asap",
    ],
)
def test_a_move_said_as_a_maybe_is_asked_about(text: str) -> None:
    assert _booked(text) is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I need to move it, sorry - could we do Thursday instead?",
        "Can we reschedule? Something's come up at work",
        "I'm not going to be able to make it then, can we find another time?",
        "I may have to reschedule - could you send me a couple of other times just in case?",
        "I might need to move it to Thursday, is that possible?",
        "I might have to move it to the following week",
    ],
)
def test_a_move_asked_for_is_a_move(text: str) -> None:
    assert _booked(text) is ReplyKind.RESCHEDULE


# -- the strict review's cases (helper-257) ---------------------------------------

A = (_slot(12, 1, 10), _slot(12, 1, 14), _slot(12, 3, 11), _slot(12, 3, 16))
"""Tue 1 Dec 10:00 and 14:00, Thu 3 Dec 11:00 and 16:00."""
C = (_slot(11, 30, 9, 30), _slot(12, 2, 13), _slot(12, 4, 17))
"""Mon 30 Nov 09:30, Wed 2 Dec 13:00, Fri 4 Dec 17:00: one a day."""
D = (_slot(12, 3, 9), _slot(12, 1, 10), _slot(12, 3, 15))
"""Thu 09:00, Tue 10:00, Thu 15:00: the list's second is another day."""
G = (_slot(12, 2, 10), _slot(12, 2, 15), _slot(12, 4, 10), _slot(12, 7, 10))
"""Wed 2 Dec 10:00 and 15:00, Fri 4 Dec, Mon 7 Dec."""
H = (_slot(12, 1, 10), _slot(12, 1, 15), _slot(12, 8, 10), _slot(12, 8, 15))
"""Two Tuesdays, two times each."""


@pytest.mark.parametrize(
    ("text", "offered", "not_this"),
    [
        # a number for another time beside it: which?
        ("Option 2 please (the earlier one on Thursday)", TWO_A_DAY, 4),
        ("option 3, the later one on Thursday", TWO_A_DAY, 5),
        ("2 please, the afternoon one on Thursday", TWO_A_DAY, 5),
        ("2, the later one on thursday", D, 3),
        ("option 2, the second one on Thursday", D, 3),
        ("Option 4, the first one on Thursday", A, 3),
        ("number 2, the first one on Thursday please", TWO_A_DAY, 4),
        # turned down, set against or asked about after it
        ("The first one on Thursday doesn't work for me, sorry", A, 3),
        (
            "the earlier one on Thursday doesn't work for me but the later one does",
            A,
            3,
        ),
        ("The later one on Tuesday is too late for me. Earlier?", A, 2),
        ("the afternoon one on thursday is too late, sorry", A, 4),
        ("the morning one on Tuesday is too early for me", A, 1),
        ("the second one on Thursday is a problem for me", A, 4),
        ("The first time on Tuesday that works for me is 5pm", A, 1),
        ("Late slots on Tuesday would suit better - 6pm?", A, 2),
        ("lunchtime slots on Tuesday would be better", A, 2),
        ("morning slots on Thursday would be better", A, 3),
        ("Can I just check the later one on Tuesday is a phone call?", A, 2),
        ("the first one on Thursday doesnt suit, could you do the second?", A, 3),
        (
            "None of them work sadly. The second one on Thursday would have been closest.",
            TWO_A_DAY,
            5,
        ),
        # a date, not a place in the day
        ("Wed 2nd slot please", G, 2),
        ("wed 2nd one works", G, 2),
        ("Tues 1st one pls", A, 1),
        # one time that day, and the list's first another day's: which?
        ("the first one on Friday please", C, 3),
        ("the first one on Monday please", G, 4),
    ],
)
def test_a_days_place_against_other_words_is_never_booked(
    text: str, offered: tuple[Slot, ...], not_this: int
) -> None:
    assert _picks(text, offered) != not_this


@pytest.mark.parametrize(
    ("text", "offered", "choice"),
    [
        # the list's own place is that day's
        ("the second one on Wednesday please", C, 2),
        ("Wednesday - the second option please", C, 2),
        ("the third slot on friday works", C, 3),
        ("the second one on Tuesday", D, 2),
        # a number that agrees, a date that says which week
        ("no. 2 (the later one on tuesday)", A, 2),
        ("option 4 please, the later one on Tuesday 8th", H, 4),
        # words elsewhere that are no alternative
        ("The first one on Tuesday. Any of my numbers is fine", A, 1),
        ("the first one on Tuesday, no problem", A, 1),
        ("Would the second one on Tuesday be okay?", A, 2),
    ],
)
def test_a_days_place_that_agrees_with_the_rest_is_that_time(
    text: str, offered: tuple[Slot, ...], choice: int
) -> None:
    assert _picks(text, offered) == choice


@pytest.mark.parametrize(
    ("text", "offered", "choice"),
    [
        ("the second one on Thursday please - 3/12 suits me", A, 4),
        ("the afternoon one on thursday please\n\nJo\nPart-time (Mon/Wed)", A, 4),
        ("the second one on Thursday I think", A, 4),
        ("Thursday 3rd - the second one please", A, 4),
        ("Thurs 3 Dec, the first one", A, 3),
        ("The second one, on Thursday please", A, 4),
        ("the earlier of the two thursday slots please", TWO_A_DAY, 4),
        ("the later of the 2 on tuesday please", TWO_A_DAY, 2),
        # still the list's at the start of this work: now asked
        ("the second one Thursday works for me", A, 4),
        ("The first one Thursday please", A, 3),
        ("the second one thurs", A, 4),
        ("the second one of Thursday", A, 4),
        ("the second option Thursday", A, 4),
        ("Anything but the first one on Thursday", A, 3),
        ("I'd avoid the first one on Thursday", A, 3),
        ("Unable to make the first one on Thursday", A, 3),
        ("Sadly the first one on Thursday is when I have physio", A, 3),
        ("the first one on thursday - sorry, the second one", A, 3),
    ],
)
def test_a_days_place_is_never_read_down_the_list(
    text: str, offered: tuple[Slot, ...], choice: int
) -> None:
    # Never the list's place for another day's: that day's own time, or asked.
    assert _picks(text, offered) in {None, choice}
    if choice != 3 or offered is not A:
        return
    # turned down or corrected: never that time either
    if any(w in text for w in ("but", "avoid", "Unable", "Sadly", "sorry")):
        assert _picks(text, offered) is None


@pytest.mark.parametrize(
    "text",
    [
        "mornings are better, whichever day suits",
        "Mondays are better, whatever suits",
    ],
)
def test_a_preference_with_any_day_is_no_pick(text: str) -> None:
    assert _picks(text, C) is None


@pytest.mark.parametrize(
    "text",
    [
        "I'm off Fridays, so Friday at 2 if you can, nothing on your list works",
        "Friday works, off the list I know, sorry",
        "the times you gave are all during work, could we do Saturday?",
        "Friday at 2 please, you mentioned you sometimes have Fridays",
    ],
)
def test_other_times_asked_for_beside_the_list_are_none_fit(text: str) -> None:
    assert _read(text, A).kind is ReplyKind.NONE_FIT


@pytest.mark.parametrize(
    "text",
    [
        "I'll probably need to move it, please send me some new times",
        "I may need to reschedule, please send over some other options",
        "Maybe need to rebook. Send me some dates pls",
        "I probably have to change it, sorry. New times please",
    ],
)
def test_a_maybe_beside_times_asked_for_is_a_move(text: str) -> None:
    assert _booked(text) is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    "text",
    [
        "No, I will send him some times myself",
        "No - let me send her some other times myself",
        "No, I'd rather send him times myself",
        "No - I'm going to send him some times myself",
        "No, let me offer him times myself, tell him I'm sorry",
        "No, tell her I'm sorry. I can send her times myself later.",
        "No. Don't send anything yet - I may offer her some other days once I've"
        " checked my diary.",
        "No, tell him I'm sorry. Don't send anything for now, I might send him some"
        " times next week",
        "No, tell him I'm sorry and send him new times. Actually, on second thoughts"
        " don't send anything, I'll handle it.",
        "No - let him know I'm sorry. I'll need to think about whether to offer him"
        " other times",
        "No, tell her I'm sorry. Wait before you send her other times please.",
        "No. Send him some referral options",
        "No, can you tell her that I only work with adults? Send her some other times"
        " if she's over 18",
        "No. He mentioned he's moving abroad, maybe send him times in the new year?",
        "No, tell him I'm sorry and send him new times. She said he's been unwell.",
    ],
)
def test_the_therapists_own_hand_or_doubt_beside_times_stands_down(text: str) -> None:
    assert _therapist(text) is Decision.PRIVATE


@pytest.mark.parametrize(
    "text",
    [
        # some times refused: fresh times would not keep them out
        "No - I can't do Tuesdays any more. Don't send him Tuesday times, send him"
        " Thursdays instead",
        "No - don't offer mornings, send afternoons instead",
        # a message about the person beside times asked for: their words are
        # about him, so mailflow stands down and the therapist is told (a
        # decline here, tried, sent times against "after I've had a word
        # with her", "provided she's local", "hold fire")
        "No. Please tell him I'm really sorry, something's come up that afternoon,"
        " and send him some new times.",
        "No, tell her I'm sorry and send her new times after I've had a word with her",
        # held back, or the therapist's own hand: never times, never their words
        "No, wait before you send anything",
        "No - not yet, I'll come back to you",
        "No, let me think first",
        "No, tell her sorry, no new times for now",
        "Nah, leave it",
        "No, don't email her",
        "No, please don't reply to her",
        "No, I will reach out",
        "No, I'll handle scheduling",
        "No - tell him sorry and send new times. Scratch that, I'll call him.",
        "No - tell her sorry, maybe send times in the new year",
    ],
)
def test_a_no_held_back_or_about_the_person_stands_down(text: str) -> None:
    found = read_therapist_answer(State.HELD, text, today=TODAY)
    assert found is not None
    assert found.decision is Decision.PRIVATE
    assert found.note == ""


@pytest.mark.parametrize(
    "text",
    [
        "No, sorry, I can't do that time - please send her some new times",
        "No, can't do Tuesday. Send some more times please.",
        "no, can you send her some new times please",
    ],
)
def test_a_plain_no_with_times_asked_for_declines(text: str) -> None:
    assert _therapist(text) is Decision.DECLINE


@pytest.mark.parametrize(
    "text",
    ["hmm let me think about it", "Let me think about this one and get back to you"],
)
def test_thinking_it_over_without_a_no_is_asked_again(text: str) -> None:
    assert _therapist(text) is Decision.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        # the list's first is Tuesday's first too: turned down, corrected or
        # one of two, and booked at the start of this work
        "Anything but the first one on Tuesday",
        "The first one on Tuesday doesnt work for me sorry",
        "the first one on tuesday - sorry, the second one",
        "The first one on Tuesday is too early for me",
        "the first one on tuesday or the wednesday one",
    ],
)
def test_a_days_place_turned_down_takes_the_pick_away(text: str) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Monday or Saturday, whichever suits you",
        "Monday or Saturday morning, whichever suits you best",
    ],
)
def test_days_left_to_the_practice_are_never_picked_for_them(text: str) -> None:
    # Monday 09:30 is the one offered time either names: still theirs to say
    assert _picks(text, C) is None


# -- a "not" typed without its apostrophe -----------------------------------------


@pytest.mark.parametrize(
    ("text", "not_this"),
    [
        ("option 2 doesnt work for me", 2),
        ("number 5 wouldnt work", 5),
        ("2 wont work sorry", 2),
        ("2 isnt possible", 2),
        ("i dont want 3", 3),
        ("I cant do 2", 2),
    ],
)
def test_a_not_typed_without_its_apostrophe_is_a_not(text: str, not_this: int) -> None:
    assert _picks(text) != not_this


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2 doesnt work for me, 4 please", 4),
        ("Tuesday doesnt suit, Thursday at 10 please", 4),
        ("2 wont work, 4 is fine", 4),
        ("Thursday 10 doesnt work but 2pm does", 5),
    ],
)
def test_the_other_time_beside_a_bare_not_is_the_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


def test_only_a_time_turned_down_is_read_with_its_apostrophe() -> None:
    from mailflow.reading.mentions import normalize

    assert normalize("DOESNT WORK, wont suit, wouldnt fit") == (
        "DOESN'T WORK, won't suit, wouldn't fit"
    )
    # every other "n't" beside a time turns it down: these are not that
    kept = "doesnt clash, couldnt be better, I dont work Tuesdays, cant wait, isnt bad"
    assert normalize(kept) == kept


@pytest.mark.parametrize(
    ("text", "offered", "not_this"),
    [
        ("Tuesday 10 doesnt clash with work, Thursday 11 does", A, 3),
        ("option 1 doesnt clash with anything, option 3 does", A, 3),
        ("Tuesday 10 isnt bad, Thursday 11 is ok too", A, 3),
        ("Monday doesnt clash with work, Friday does", C, 3),
    ],
)
def test_a_bare_not_of_no_turning_down_books_no_other_time(
    text: str, offered: tuple[Slot, ...], not_this: int
) -> None:
    assert _picks(text, offered) != not_this


def test_i_dont_work_on_a_day_keeps_the_time_named() -> None:
    # Tuesday 14:00 on list A: "I dont work" is their job, not a time refused
    assert _picks("I dont work on Tuesday so 2pm please", A) == 2


# -- the third strict review's cases (helper-259) ---------------------------------


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        ("No - sorry for the wait, send her new times", Decision.DECLINE),
        ("No, please send other times and wait for her reply", Decision.DECLINE),
        ("No, no times on Friday please, send others", Decision.DECLINE),
        ("No, send new times. Don't email her about fees", Decision.DECLINE),
        (
            "No, just send her different times, I'll reach out after if needed",
            Decision.DECLINE,
        ),
        ("No, I'm not yet back from leave - send the week after", Decision.DECLINE),
        (
            "Could we do Friday at 10 instead? I'll get back to you if not",
            Decision.PROPOSE,
        ),
        (
            "Can we do 2pm instead? I'll come back to you about the fee",
            Decision.PROPOSE,
        ),
        ("yes, leave it as it is", Decision.APPROVE),
        ("No, let me send her times", Decision.PRIVATE),
        ("No, I'd rather offer her times", Decision.PRIVATE),
    ],
)
def test_words_near_holding_back_are_read_as_meant(
    text: str, decision: Decision
) -> None:
    assert _therapist(text) is decision


@pytest.mark.parametrize(
    "text",
    [
        "i may need to reschedule, i cant make it thursday",
        "Might need to rearrange - Thursday doesnt work anymore",
        "I might need to change the time, I'm not able to do 11 now",
        "I might need to move it, sorry, I'm in hospital",
    ],
)
def test_a_maybe_with_nothing_put_off_is_a_move(text: str) -> None:
    assert _booked(text) is ReplyKind.RESCHEDULE


def test_a_preference_with_any_day_asks_for_other_times() -> None:
    # no alternatives named: none fit, fresh times that honour it
    assert _read("mornings are better, whichever day suits", C).kind is (
        ReplyKind.NONE_FIT
    )


def test_a_days_place_on_two_dates_takes_the_pick_away() -> None:
    # two Tuesdays: "the second one on Tuesday" is which Tuesday's?
    assert _picks("the second one on Tuesday", H) is None
