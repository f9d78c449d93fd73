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

from mailflow.model import Slot
from mailflow.writing import compose
from mailflow.writing.seen_offset import SeenOffset

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
