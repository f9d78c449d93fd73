"""A person's offset is shown as their time only where it surely holds.

A user-eyes review (2026-12-05) found a New Yorker writing in October (UTC-4)
told "09:00 your time (UTC-4)" for a November call that is 08:00 in New York
once its clocks go back, and the invitation disagreeing with the letter.
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import Slot, State
from mailflow.reading.answer import read_person_answer
from mailflow.reading.seen_offset import SeenOffset
from mailflow.writing import compose

LONDON = ZoneInfo("Europe/London")


def _theirs(hours: float, seen: str, slot: str) -> str | None:
    start = datetime.fromisoformat(slot).replace(tzinfo=LONDON).astimezone(UTC)
    zone = SeenOffset(
        timedelta(hours=hours), datetime.fromisoformat(seen).replace(tzinfo=UTC)
    )
    return compose.describe_slot(
        Slot(start, start + timedelta(minutes=15)),
        "Europe/London",
        twelve_hour=False,
        person_zone=zone,
    )["theirs"]


@pytest.mark.parametrize(
    ("hours", "seen", "slot", "theirs"),
    [
        # New York (or Puerto Rico) in October; before and after 1 November.
        (-4, "2026-10-28T12:00", "2026-10-29T13:00", "09:00 your time (UTC-4)"),
        (-4, "2026-10-28T12:00", "2026-11-03T13:00", None),
        # New York (or Bogota) in winter; before and after 14 March.
        (-5, "2026-11-20T12:00", "2026-11-25T13:00", "08:00 your time (UTC-5)"),
        (-5, "2027-03-10T12:00", "2027-03-16T13:00", None),
        # Brisbane or Sydney in July: Sydney's clocks go forward in October.
        (10, "2026-07-01T12:00", "2026-12-03T10:00", None),
        # India keeps its offset all year.
        (5.5, "2026-07-01T12:00", "2026-12-03T10:00", "15:30 your time (UTC+5:30)"),
        # Hours after a zone's change, read as moments, not wall times (a
        # review): Auckland's clocks go forward on 27 September 2026 at 02:00.
        (12, "2026-09-20T00:00", "2026-09-26T16:00", None),
        # Sydney's go back on 5 April 2026 at 03:00.
        (11, "2026-03-25T00:00", "2026-04-04T18:00", None),
        # "+0000": a mail program's UTC as often as anyone's clock.
        (0, "2026-07-01T12:00", "2026-07-03T10:00", None),
    ],
)
def test_their_time_is_shown_only_where_the_offset_holds(
    hours: float, seen: str, slot: str, theirs: str | None
) -> None:
    assert _theirs(hours, seen, slot) == theirs


def test_it_works_out_times_as_the_fixed_offset_did() -> None:
    seen = datetime(2026, 10, 28, 12, tzinfo=UTC)
    zone = SeenOffset(timedelta(hours=-4), seen)
    moment = datetime(2026, 11, 3, 13, tzinfo=UTC)
    fixed = moment.astimezone(timezone(timedelta(hours=-4)))
    assert moment.astimezone(zone).replace(tzinfo=None) == fixed.replace(tzinfo=None)
    assert zone == SeenOffset(timedelta(hours=-4), seen)
    assert len({zone, SeenOffset(timedelta(hours=-4), seen)}) == 1
    assert zone != SeenOffset(timedelta(hours=-5), seen)
    assert copy.deepcopy(zone) == zone
    assert pickle.loads(pickle.dumps(zone)) == zone


def test_a_mails_offset_becomes_a_seen_offset() -> None:
    sent = datetime(2026, 10, 28, 8, tzinfo=timezone(timedelta(hours=-4)))
    zone = compose.person_zone(timedelta(hours=-4), sent, "Europe/London")
    assert zone == SeenOffset(timedelta(hours=-4), sent)


# -- reading a reply: an hour named in an offset that may no longer hold ------

_OFFERED = tuple(
    Slot(at.astimezone(UTC), (at + timedelta(minutes=15)).astimezone(UTC))
    for at in (
        datetime(2026, 11, 3, 12, tzinfo=LONDON),
        datetime(2026, 11, 3, 13, tzinfo=LONDON),
        datetime(2026, 11, 5, 15, tzinfo=LONDON),
    )
)


def _picked(text: str, seen: str) -> tuple[str, int | None]:
    zone = SeenOffset(
        timedelta(hours=-4), datetime.fromisoformat(seen).replace(tzinfo=UTC)
    )
    answer = read_person_answer(
        State.OFFERED,
        text,
        offered=_OFFERED,
        zones=[LONDON, zone],
        region="GB",
        today=datetime.fromisoformat(seen).date(),
    )
    return answer.kind.value, answer.choice


@pytest.mark.parametrize(
    "text",
    [
        # 12:00 GMT as UTC-4 reads it; a New Yorker's 8am is 13:00 GMT by then
        "Tuesday 8am works for me",
        "8am tuesday please",
        "tues 8",
        "Tuesday at 08:00 if that's ok",
        # 13:00 GMT in New York's own November clock: which did they mean?
        "Tuesday 9am please",
        # 15:00 GMT on Thursday, as UTC-4 or as New York would read it
        "thursday 11am",
        "Thursday at 10 please",
    ],
)
def test_an_hour_in_their_offset_after_their_clock_may_change_is_asked(
    text: str,
) -> None:
    """Seen in October, UTC-4 may be New York's (UTC-5 by 3 November) or
    Puerto Rico's: an hour named in it picks nothing, and they are asked."""
    assert _picked(text, "2026-10-20T12:00") == ("unclear", None)


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2", 2),
        ("Tuesday at 13:00 please", 2),
        ("the 1pm one on tuesday", 2),
        ("Thursday 3pm", 3),
    ],
)
def test_the_number_or_the_practice_time_still_picks_across_their_change(
    text: str, choice: int
) -> None:
    assert _picked(text, "2026-10-20T12:00") == ("pick", choice)


@pytest.mark.parametrize(
    ("text", "choice"),
    [("Tuesday 8am works for me", 1), ("tues 9", 2), ("thursday 11am", 3)],
)
def test_an_hour_in_their_offset_still_picks_where_it_surely_holds(
    text: str, choice: int
) -> None:
    """Seen in November, UTC-4 is no New Yorker's: every clock with it then
    keeps it through these calls, so their hour is read as before."""
    assert _picked(text, "2026-11-02T12:00") == ("pick", choice)
