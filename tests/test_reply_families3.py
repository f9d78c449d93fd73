"""Families of replies added for issue #10's third round (the blind set
`tests/corpus/replies/fresh2.jsonl` and the review's reading gaps), each beside
the hard negatives that must not be read the same way. A wrong booking or a
wrong cancel is far worse than a question back, so the negatives assert "not
this reading" (asking is always allowed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import ReplyKind, Slot
from mailflow.reading.reply import read_person_reply

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


OFFERED = (_slot(12, 1, 10), _slot(12, 2, 13, 30), _slot(12, 4, 17))
"""Tuesday 1 December 10:00, Wednesday 2 December 13:30, Friday 4 December 17:00."""


def _offer(text: str, offered: tuple[Slot, ...] = OFFERED):  # type: ignore[no-untyped-def]
    return read_person_reply(
        text, offered=offered, zones=[LONDON], region="GB", today=TODAY
    )


def _picks(text: str) -> int | None:
    found = _offer(text)
    return found.choice if found.kind is ReplyKind.PICK else None


# -- before a booking: times of the person's own day are no picks ----------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Friday at 5 would suit me best as I finish work at 4.30 on Fridays.", 3),
        (
            "I could do the Tuesday at 10 as long as it's done by half 10 - I've got a meeting at 11.",
            1,
        ),
        ("Wednesday at 1.30 is fine, I pick up my son at half 3", 2),
        (
            "Tuesday morning is ideal. I drop the kids at school at 9 so anything after 9.30 is fine.",
            1,
        ),
        ("Friday's ok so long as it's after 4, I've got a class at 7", 3),
        ("Wednesday please, because I have work at 4", 2),
    ],
)
def test_a_time_of_the_persons_own_day_beside_a_pick_keeps_the_pick(
    text: str, choice: int
) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        # the pick's own time is the one turned down: asked, never booked
        "I could do the Tuesday but not at 10",
        "Tuesday works, but not at 10",
        "Friday please, I pick up my son at 5 though",
        "Friday at 5 would suit me best as I'm not free at 4.30",
        "Would it be possible to do the Wednesday slot but a bit later?",
        "The Wednesday slot, or anything later?",
    ],
)
def test_a_pick_whose_time_is_turned_down_is_asked(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: a pick asked for politely -------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        (
            "Would it be possible to do the Wednesday slot? My mobile is 07700 900456.",
            2,
        ),
        ("Is it possible to have the Friday one?", 3),
        ("I could do the Tuesday.", 1),
        ("The Wednesday slot please", 2),
    ],
)
def test_a_pick_asked_for_politely_is_a_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        "Would it be possible to do the Thursday slot?",  # not offered
        "Would it be possible to do Wednesday at 3 instead?",
        "I couldn't do the Tuesday.",
        "The Wednesday slot is tricky for me",
    ],
)
def test_a_polite_ask_for_what_was_not_offered_is_no_pick(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: a long reply's troubles turn no time down ----------------------


def test_hard_times_in_a_long_reply_do_not_turn_the_pick_down() -> None:
    text = (
        "Dear Ruth\nThings at home have been difficult since my dad died and I've "
        "found myself not sleeping. I work part time (Mon, Wed, Fri) so Tuesdays "
        "and Thursdays are usually easier.\nThe first one would be ideal.\nMaria"
    )
    assert _picks(text) == 1


@pytest.mark.parametrize(
    "text",
    [
        "The first one would be difficult, sorry",
        "Tuesday's difficult. The first one is out",
        "Mondays are easier for me, the first one is tricky",
    ],
)
def test_a_time_said_to_be_difficult_is_still_turned_down(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: whose clock? ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Number 3 please but I'll be in Madrid that week - is 17:00 your time or Spanish time?",
        "2 please. Is that UK time?",
        "Number 1 - what time zone is that in?",
        "3 please, is that GMT?",
    ],
)
def test_a_pick_with_a_question_about_its_time_zone_is_asked(text: str) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2 please. Will you ring me or shall I ring you?", 2),
        ("Number 3 please, I'm in London so no time difference", 3),
    ],
)
def test_a_pick_with_another_question_is_still_a_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


# -- before a booking: polite ifs and dates --------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Number 1 please. I'm on 07700 900742 if you need me.", 1),
        ("2 please, my landline is 0161 496 0555 if needed", 2),
    ],
)
def test_a_polite_if_is_no_condition(text: str, choice: int) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        "1 if you can do it by phone",
        "Number 1 please, if you need to move it that's fine",
        "2 if my shift changes",
    ],
)
def test_a_real_if_beside_a_pick_is_asked(text: str) -> None:
    assert _picks(text) is None


def test_a_date_past_the_last_number_picks_the_time_on_that_date() -> None:
    offered = (_slot(12, 1, 10), _slot(12, 17, 17, 45), _slot(12, 19, 10, 30))
    assert _offer("17th please", offered).choice == 2
    assert _offer("the 17th works", offered).choice == 2


@pytest.mark.parametrize("text", ["18th please", "the 20th works"])
def test_a_date_that_was_not_offered_is_no_pick(text: str) -> None:
    offered = (_slot(12, 1, 10), _slot(12, 17, 17, 45), _slot(12, 19, 10, 30))
    found = _offer(text, offered)
    assert found.kind is not ReplyKind.PICK


def test_a_date_that_is_also_a_number_is_still_asked() -> None:
    # the 2nd: option 2, or the time on 2 December (option 2 here is the 2nd,
    # but option 1 is also asked about when the dates differ)
    offered = (_slot(12, 2, 10), _slot(12, 3, 13, 30), _slot(12, 4, 17))
    assert _offer("the 2nd please", offered).kind is not ReplyKind.PICK
