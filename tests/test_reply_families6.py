"""Families of replies added from the blind set of replies that look clear and
are not (`tests/corpus/replies/traps`, stop 58), each beside the clear
answers of the same shape that must still be read. A wrong booking is far
worse than a question back, so a trap asserts "not that pick" (asking is
always allowed) and a clear answer asserts its pick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import Decision, ReplyKind, Slot
from mailflow.reading.reply import read_person_reply
from mailflow.reading.therapist import read_therapist_reply

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


FOUR_DAYS = (
    _slot(12, 1, 9),
    _slot(12, 2, 11),
    _slot(12, 3, 17, 15),
    _slot(12, 4, 13, 30),
)
"""Tue 1 Dec 09:00, Wed 2 Dec 11:00, Thu 3 Dec 17:15, Fri 4 Dec 13:30."""


def _picks(text: str, offered: tuple[Slot, ...]) -> int | None:
    found = read_person_reply(
        text, offered=offered, zones=[LONDON], region="GB", today=TODAY
    )
    return found.choice if found.kind is ReplyKind.PICK else None


# -- "the Thursday one" turned down is never the pick ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Not the Thursday one, I've got choir. The rest are all fine for me.",
        "not the thursday one sorry, any of the others",
        "The Thursday one is no good for me unfortunately",
        "I'd rather not the Friday one if that's ok",
        "the friday one doesn't work, I'm at the hospital that afternoon",
        "any of them except the Wednesday one",
    ],
)
def test_the_day_one_turned_down_is_never_picked(text: str) -> None:
    turned_down = {"thursday": 3, "friday": 4, "wednesday": 2}
    day = next(d for d in turned_down if d in text.lower())
    assert _picks(text, FOUR_DAYS) != turned_down[day]


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("the Thursday one please, sorry for the slow reply", 3),
        ("The Tuesday one works great", 1),
        ("the wednesday one. thanks, sorry it took a while", 2),
        ("I'll go for the Friday one please", 4),
    ],
)
def test_the_day_one_said_plainly_is_picked(text: str, choice: int) -> None:
    assert _picks(text, FOUR_DAYS) == choice


# -- a day that is busy or another wanted is never picked -----------------------


@pytest.mark.parametrize(
    "text",
    [
        "You said in your first email that Friday afternoons are usually good"
        " for you - is a different Friday possible? The 4th is my mum's funeral.",
        "Friday afternoon would normally be great but the 4th is my dad's funeral.",
        "Could we look at another Thursday? Thursday evenings suit me but that"
        " one I'm away.",
    ],
)
def test_a_day_turned_down_in_other_words_is_never_picked(text: str) -> None:
    assert _picks(text, FOUR_DAYS) not in {3, 4}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Friday afternoon works for me, thank you", 4),
        ("Thursday evening is perfect", 3),
    ],
)
def test_a_day_said_plainly_is_still_picked(text: str, choice: int) -> None:
    assert _picks(text, FOUR_DAYS) == choice


# -- the therapist's other time: a weekday that is not the date's, a bare time ---


def _therapist(text: str):  # type: ignore[no-untyped-def]
    return read_therapist_reply(text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "No - Wednesday 3rd at 11?",  # the 3rd is a Thursday
        "could we do Monday 2nd at 10 instead?",  # the 2nd is a Wednesday
        "How about Friday the 10th at 2pm?",  # the 10th is a Thursday
    ],
)
def test_a_weekday_that_is_not_the_dates_is_asked(text: str) -> None:
    """Never the next month whose date falls on that weekday."""
    assert _therapist(text).decision is Decision.UNCLEAR


@pytest.mark.parametrize(
    ("text", "on"),
    [
        ("could we do Thursday 3rd at 11?", date(2026, 12, 3)),
        ("How about the 3rd at 11?", date(2026, 12, 3)),
        ("Thursday the 10th at 2pm?", date(2026, 12, 10)),
    ],
)
def test_a_weekday_and_its_date_are_proposed(text: str, on: date) -> None:
    found = _therapist(text)
    assert found.decision is Decision.PROPOSE
    assert found.proposed is not None
    assert found.proposed.on == on


@pytest.mark.parametrize("text", ["2pm?", "6.30?", "at 2?", "14:00?\n\nSam"])
def test_a_time_asked_alone_is_asked_back(text: str) -> None:
    assert _therapist(text).decision is Decision.UNCLEAR


@pytest.mark.parametrize(
    "text", ["2pm instead?", "could we do 2pm?", "Can we make it 2pm instead?"]
)
def test_a_time_proposed_in_words_is_proposed(text: str) -> None:
    found = _therapist(text)
    assert found.decision is Decision.PROPOSE
    assert found.proposed is not None


# -- a strict review's (helper-279) neighbours: a reason is not a turning-down ----

EVENING = (_slot(12, 1, 9), _slot(12, 2, 11), _slot(12, 3, 17, 15))
"""Tue 1 Dec 09:00, Wed 2 Dec 11:00, Thu 3 Dec 17:15 (the evening one)."""


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("The evening one please as I don't finish work till 4", 3),
        ("The evening one is best as I don't get home till 5", 3),
        ("the middle one as I'm not at work that day", 2),
        ("I'm a funeral director and Thursday at 5.15 suits me best.", 3),
    ],
)
def test_a_reason_beside_the_one_picked_keeps_the_pick(text: str, choice: int) -> None:
    assert _picks(text, EVENING) == choice


@pytest.mark.parametrize(
    "text",
    [
        "The Thursday one is my dad's funeral, so either of the others.",
        "I'm at my nan's wake on Thursday, the others are fine",
    ],
)
def test_the_day_one_that_is_a_funeral_is_never_picked(text: str) -> None:
    assert _picks(text, EVENING) != 3


@pytest.mark.parametrize(
    "text",
    [
        "Yes please. Other than that I have no questions.",
        "Yes! Sorry for the wait, it's been a week of funerals.",
    ],
)
def test_a_yes_to_the_one_time_offered_is_taken(text: str) -> None:
    assert _picks(text, (_slot(12, 3, 17, 15),)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "2pm?\n\nThanks\nSam",
        "6.30?\n\nBest wishes\nSam Jones\nCounselling Psychologist",
    ],
)
def test_a_time_asked_alone_above_a_signature_is_asked_back(text: str) -> None:
    assert _therapist(text).decision is Decision.UNCLEAR


# -- the therapist's own busy time, and a time on no one day (helper-279) --------


@pytest.mark.parametrize(
    "text",
    [
        "No sorry, I have supervision at 9. Can you offer her another day?",
        "No, sorry. Could you offer next week instead? I'm free most days at 10.",
        "Can't do 9, I have a client then. Any day next week at 10?",
        "No, I'm free any afternoon at 3 next week",
    ],
)
def test_a_busy_time_or_a_time_on_no_one_day_is_never_proposed(text: str) -> None:
    assert _therapist(text).decision is not Decision.PROPOSE


@pytest.mark.parametrize(
    ("text", "hour"),
    [
        ("No - I have a client at 10. Could we do 11 instead?", 11),
        ("How about 11 instead?", 11),
        ("Could we do Thursday at 2?", 14),
    ],
)
def test_another_time_said_plainly_is_still_proposed(text: str, hour: int) -> None:
    found = _therapist(text)
    assert found.decision is Decision.PROPOSE
    assert found.proposed is not None
    assert found.proposed.at.hour == hour


# -- "anything but Thursday" (stop 59) ------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Anything but the Thursday one works for me", 3),
        ("All but Thursday are fine for me.", 3),
        ("anything but thursday suits", 3),
        ("Any of them but the Wednesday one, I'm easy", 2),
        ("Honestly any day but Friday!", 4),
        ("Whichever but the first one", 1),
        ("anything but 2 please, that's my school run", 2),
    ],
)
def test_anything_but_a_day_never_picks_it(text: str, day: int) -> None:
    """ "But" here is "other than" (`mentions.normalize`), not a clause
    that picks what follows it."""
    assert _picks(text, FOUR_DAYS) != day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("I can do anything but I'd prefer Thursday", 3),
        ("Any but the first one, ideally the Thursday", 3),
        ("I'm free all day Thursday but not Tuesday", 3),
        ("Anything but Tuesday works, so the Wednesday one please", 2),
        (
            "Thursday please. Sorry for the slow reply, it's been anything but quiet here",
            3,
        ),
    ],
)
def test_a_pick_beside_anything_but_is_still_read(text: str, day: int) -> None:
    assert _picks(text, FOUR_DAYS) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # helper-290: a "no" or a "not" earlier in the clause (kept the "but"
        # as a clause break for a while) booked the day turned down.
        ("No problem - anything but the Thursday one works", 3),
        ("No rush at all anything but Friday is fine", 4),
        ("Honestly I don't mind anything but the Thursday one", 3),
        ("Not fussed which day to be honest any day but Wednesday works", 2),
        ("Sorry I didn't reply sooner - anything but Thursday is good", 3),
    ],
)
def test_anything_but_after_a_no_still_never_picks_the_day(text: str, day: int) -> None:
    """("Can't do any day but Thursday", the one day that works, reads as
    none fitting: fresh times, never a wrong booking.)"""
    assert _picks(text, FOUR_DAYS) != day


# -- the therapist's yes said to someone else by name (stop 59) ------------------


@pytest.mark.parametrize(
    "text",
    [
        "Yes, happy to speak to Marcus",
        "yes for Priya",
        "Fine, book Tom in",
        "Yes ok to see Mrs Hale",
        "Yes - glad to call Dev\n\nSam",
        "Happy to see Marcus at 3pm instead",
    ],
)
def test_a_yes_to_someone_else_by_name_is_asked(text: str) -> None:
    """Under Elena Vos's approval: the wrong person's yes books nobody."""
    found = read_therapist_reply(text, today=TODAY, person="Elena Vos")
    assert found.decision is Decision.UNCLEAR


@pytest.mark.parametrize(
    ("text", "person"),
    [
        # helper-287: an accent or an apostrophe split their name into
        # letters taken for initials, and let these through.
        ("Yes, happy to speak to Adam", "José García"),
        ("Yes, happy to speak to Oscar", "Mary O'Brien"),
        ("Yes, happy to speak to Nadia", "Siobhán Ní Bhriain"),
        ("Yes please book Marcus", "Elena Vos"),
        # helper-288: "yes to", "fine with", "OK for" a name, and names
        # typed in capitals (short surnames are no initials).
        ("Yes to Marcus", "Elena Vos"),
        ("Yes, fine with Marcus", "Elena Vos"),
        ("OK for Marcus", "Elena Vos"),
        ("Yes, happy to speak to Oscar", "ELENA VOS"),
        ("Yes, happy to speak to Ian", "MARCUS LI"),
        ("Yes, happy to speak to Jordan", "JL"),
        # helper-290: initials and names in capitals, and a yes on its own
        # line or in brackets, are read too.
        ("Yes, happy to see JL", "Elena Vos"),
        # helper-291: after a title the no-name words are a person's name.
        ("Yes, happy to speak to Ms Best", "Elena Vos"),
        ("Yes, book in Mrs Love", "Elena Vos"),
        ("Yes for MK - Sam", "Elena Vos"),
        ("Yes happy to speak to AMY", "Elena Vos"),
        ("Yes\nfor Marcus", "Elena Vos"),
        ("Yes (for Marcus)", "Elena Vos"),
    ],
)
def test_a_yes_to_someone_else_is_asked_whatever_their_name(
    text: str, person: str
) -> None:
    found = read_therapist_reply(text, today=TODAY, person=person)
    assert found.decision is Decision.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Yes, anything but Friday works for me",
        "Yes. Any time but 3pm is fine next week",
        "Yes, all but the last are free",
    ],
)
def test_the_therapists_anything_but_is_asked(text: str) -> None:
    """The person's reader turns "anything but" into a turning-down; the
    therapist's keeps it a question (read so, a plain yes was left)."""
    assert read_therapist_reply(text, today=TODAY).decision is Decision.UNCLEAR


@pytest.mark.parametrize(
    ("text", "person", "decision"),
    [
        ("Yes, happy to speak to Elena", "Elena Vos", Decision.APPROVE),
        ("Yes, happy to speak to her", "Elena Vos", Decision.APPROVE),
        ("Yes - happy to speak to Ms Vos", "Elena Vos", Decision.APPROVE),
        ("Yes. I'll ring Jane at the surgery after", "Elena Vos", Decision.APPROVE),
        ("Yes happy to call Sam", "Samantha Reid", Decision.APPROVE),
        ("Yes, happy to speak to Jordan", "J Lee", Decision.APPROVE),
        ("Yes, happy to speak to Łukasz", "Lukasz Nowak", Decision.APPROVE),
        ("Yes, happy to speak to Søren", "Soren Kierkegaard", Decision.APPROVE),
        ("Yes, happy to speak to Elena", "ELENA VOS", Decision.APPROVE),
        ("ok with Teams", "Elena Vos", Decision.APPROVE),
        ("Yes, happy to speak to Anna-Marie", "Anna-Marie Kowalski", Decision.APPROVE),
        ("Yes, happy to speak to Zoe", "Zoë Müller", Decision.APPROVE),
        ("Yes happy to speak to Jose", "José García", Decision.APPROVE),
        ("Yes, happy to speak to Mrs O'Brien", "Mary O'Brien", Decision.APPROVE),
        ("Yes, happy to speak to Mr McDonald", "Ian McDonald", Decision.APPROVE),
        ("Yes, happy with Wednesday's one", "Elena Vos", Decision.APPROVE),
        ("Yes, fine for Zoom", "Elena Vos", Decision.APPROVE),
        ("Yes, book her in and I'll call Marcus's GP", "Elena Vos", Decision.APPROVE),
        ("Yes - Sam", "Elena Vos", Decision.APPROVE),
        # helper-289: a sign-off's capitals and acronyms name no one.
        ("Yes, that's fine.\n\nWith Kind Regards,\nSam", "Elena Vos", Decision.APPROVE),
        ("Great - with Best wishes", "Elena Vos", Decision.APPROVE),
        ("fine for Boxing Day", "Elena Vos", Decision.APPROVE),
        ("Yes to PM slot", "Elena Vos", Decision.APPROVE),
        ("Yes, that works for me", "Elena Vos", Decision.APPROVE),
        ("Approved for Session 3", "Elena Vos", Decision.APPROVE),
        ("Yes, that works for Thursday", "Elena Vos", Decision.APPROVE),
        ("Yes, happy to see what she makes of it", "Elena Vos", Decision.APPROVE),
        ("Yes to Thursday", "Elena Vos", Decision.APPROVE),
        ("Yes, happy to speak to Marcus", "", Decision.APPROVE),  # no name known
        ("Happy to see Elena at 3pm instead", "Elena Vos", Decision.PROPOSE),
    ],
)
def test_a_yes_to_them_or_to_no_one_by_name_stands(
    text: str, person: str, decision: Decision
) -> None:
    found = read_therapist_reply(text, today=TODAY, person=person)
    assert found.decision is decision
