"""Families of replies added from the fifth blind set
(`tests/corpus/replies/fresh5`), each beside the hard negatives that must not
be read the same way. A wrong booking or a wrong cancel is far worse than a
question back, so the negatives assert "not this reading" (asking is always
allowed)."""

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
        ("the first one on wednesday", 3),
        ("the last one on tuesday", 2),
        ("the later one on tuesday pls. thank you!!", 2),
        ("the earlier one on thursday", 4),
        ("the second thursday one", 5),
        ("the first Thursday slot please", 4),
        ("second slot on thursday works", 5),
        ("thursday, the second one", 5),
        ("Thursday - the first one please", 4),
        ("Wed - the first one", 3),
        ("tuesday's later one please", 2),
        ("the afternoon one on thursday", 5),
        ("the later time for Tuesday would be great", 2),
    ],
)
def test_a_place_among_a_days_times_is_that_days(text: str, choice: int) -> None:
    assert _picks(text) == choice


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
