"""The clock's side of an enquiry (`timing`): pure, so every case is cheap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailflow.deciding.timing import (
    Due,
    Step,
    TimingRules,
    View,
    civil,
    is_due,
    next_due,
)
from mailflow.model import State

LONDON = ZoneInfo("Europe/London")
NEW_YORK = timezone(timedelta(hours=-4))
RULES = TimingRules(
    reminder_before=timedelta(hours=24),
    followup_after=timedelta(hours=2),
    offer_expiry=timedelta(days=7),
    nudge_after=timedelta(days=3),
    quiet_from=time(8),
    quiet_until=time(20),
    hold_for=timedelta(hours=48),
)
CALL = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON).astimezone(UTC)  # GMT, after DST
BOOKED = datetime(2026, 10, 20, 10, 0, tzinfo=LONDON).astimezone(UTC)  # BST


def booked(**changes: object) -> View:
    fields: dict[str, object] = {
        "state": State.BOOKED,
        "zone": LONDON,
        "call_start_at": CALL,
        "call_end_at": CALL + timedelta(minutes=15),
        "booked_at": BOOKED,
    }
    fields.update(changes)
    return View(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("state", [State.BOOKED, State.RESCHEDULING])
def test_a_standing_call_is_reminded_a_day_before(state: str) -> None:
    due = next_due(booked(state=state), RULES, BOOKED)
    assert due == Due(Step.REMINDER, CALL - timedelta(hours=24), CALL, LONDON)


def test_a_call_booked_inside_the_reminder_window_gets_no_reminder() -> None:
    late = booked(booked_at=CALL - timedelta(hours=5))
    due = next_due(late, RULES, CALL - timedelta(hours=5))
    assert due is not None
    assert due.step is Step.FOLLOWUP


def test_the_followup_comes_after_the_reminder_and_at_civil_hours() -> None:
    due = next_due(booked(reminded_at=CALL - timedelta(hours=24)), RULES, CALL)
    assert due == Due(
        Step.FOLLOWUP, CALL + timedelta(hours=2, minutes=15), None, LONDON
    )


def test_a_reminder_due_at_night_moves_to_the_morning_in_their_zone() -> None:
    night_call = datetime(2026, 10, 27, 6, 0, tzinfo=LONDON).astimezone(UTC)
    view = booked(
        zone=NEW_YORK,
        call_start_at=night_call,
        call_end_at=night_call + timedelta(minutes=15),
    )
    due = next_due(view, RULES, BOOKED)
    assert due is not None
    assert due.step is Step.REMINDER
    assert due.at.astimezone(NEW_YORK).time() == time(8)


def test_an_overdue_letter_waits_for_daytime_there() -> None:
    due = Due(Step.FOLLOWUP, CALL, civil_in=LONDON)
    night = datetime(2026, 10, 26, 23, 0, tzinfo=LONDON)
    morning = datetime(2026, 10, 27, 8, 0, tzinfo=LONDON)
    assert not is_due(due, night, RULES)
    assert is_due(due, morning, RULES)
    # A letter to the therapist (no civil zone) goes whenever it is due.
    assert is_due(Due(Step.HOLD_REMIND, CALL), night, RULES)


def test_a_reminder_is_never_sent_once_the_call_has_started() -> None:
    due = Due(Step.REMINDER, CALL - timedelta(hours=24), until=CALL, civil_in=LONDON)
    assert is_due(due, CALL - timedelta(minutes=1), RULES)
    assert not is_due(due, CALL, RULES)


def test_civil_keeps_daytime_and_moves_night_to_eight_local_across_dst() -> None:
    noon = datetime(2026, 10, 25, 12, 0, tzinfo=LONDON)
    assert civil(noon, LONDON, RULES) == noon
    late = datetime(2026, 10, 24, 22, 0, tzinfo=LONDON)  # BST; the morning is GMT
    moved = civil(late, LONDON, RULES)
    assert moved.astimezone(LONDON).hour == 8
    assert moved.astimezone(LONDON).date() == late.date() + timedelta(days=1)
    assert moved.astimezone(UTC).hour == 8  # GMT after the change


def test_a_held_pick_reminds_the_therapist_then_lapses() -> None:
    held_at = BOOKED
    view = View(state=State.HELD, zone=LONDON, held_at=held_at)
    assert next_due(view, RULES, held_at) == Due(
        Step.HOLD_REMIND, held_at + timedelta(hours=48)
    )
    reminded = View(
        state=State.HELD,
        zone=LONDON,
        held_at=held_at,
        hold_reminded_at=held_at + timedelta(hours=48),
    )
    assert next_due(reminded, RULES, held_at) == Due(
        Step.HOLD_LAPSE, held_at + timedelta(hours=96)
    )


def test_followup_silence_nudges_once_then_closes() -> None:
    sent = CALL + timedelta(hours=3)
    first = next_due(
        View(state=State.FOLLOWED_UP, zone=LONDON, followed_up_at=sent), RULES, sent
    )
    assert first is not None
    assert first.step is Step.FOLLOWUP_NUDGE
    nudged = View(
        state=State.FOLLOWED_UP,
        zone=LONDON,
        followed_up_at=sent,
        followup_nudged_at=sent + timedelta(days=3),
    )
    assert next_due(nudged, RULES, sent) == Due(
        Step.FOLLOWUP_CLOSE, sent + timedelta(days=6)
    )


@pytest.mark.parametrize("state", ["closed", "cancelled", "escalated", "stood_down"])
def test_ended_enquiries_owe_the_clock_nothing(state: str) -> None:
    assert next_due(booked(state=state), RULES, BOOKED) is None


def test_a_pick_close_to_its_call_is_reminded_and_let_go_in_time() -> None:
    held_at = BOOKED
    start = held_at + timedelta(hours=26)
    view = View(state=State.HELD, zone=LONDON, held_at=held_at, held_start_at=start)
    assert next_due(view, RULES, held_at) == Due(
        Step.HOLD_REMIND, start - timedelta(hours=24)
    )
    reminded = View(
        state=State.HELD,
        zone=LONDON,
        held_at=held_at,
        held_start_at=start,
        hold_reminded_at=start - timedelta(hours=24),
    )
    assert next_due(reminded, RULES, held_at) == Due(
        Step.HOLD_LAPSE, start - timedelta(hours=2)
    )
    # Picked only hours ahead: the therapist still gets an hour first.
    soon = View(
        state=State.HELD,
        zone=LONDON,
        held_at=held_at,
        held_start_at=held_at + timedelta(hours=5),
    )
    assert next_due(soon, RULES, held_at) == Due(
        Step.HOLD_REMIND, held_at + timedelta(hours=1)
    )


def test_a_move_is_settled_before_the_earlier_of_its_two_times() -> None:
    """Moving Tuesday's call to Friday: the therapist is reminded, and the move
    let go, before Tuesday's call, not Friday's."""
    asked = CALL - timedelta(hours=30)
    later = CALL + timedelta(days=3)
    view = booked(
        reminded_at=CALL - timedelta(hours=24),
        move_asked_at=asked,
        move_start_at=later,
    )
    due = next_due(view, RULES, asked)
    assert due == Due(Step.MOVE_REMIND, CALL - timedelta(hours=24))
    reminded = booked(
        reminded_at=CALL - timedelta(hours=24),
        move_asked_at=asked,
        move_start_at=later,
        hold_reminded_at=CALL - timedelta(hours=24),
    )
    assert next_due(reminded, RULES, asked) == Due(
        Step.MOVE_LAPSE, CALL - timedelta(hours=2)
    )
    # Being rescheduled again, the old move is no longer waited on.
    again = booked(state=State.RESCHEDULING, move_asked_at=asked, move_start_at=later)
    step = next_due(again, RULES, asked)
    assert step is not None
    assert step.step in {Step.REMINDER, Step.FOLLOWUP}


def test_too_late_to_remind_a_pick_is_let_go_at_once() -> None:
    """The machine was off: the held call is under two hours away when it wakes.
    A reminder could not help; the time is let go (fresh times go out)."""
    held_at = BOOKED
    start = held_at + timedelta(hours=30)
    view = View(state=State.HELD, zone=LONDON, held_at=held_at, held_start_at=start)
    late = start - timedelta(hours=1)
    assert next_due(view, RULES, late) == Due(
        Step.HOLD_LAPSE, start - timedelta(hours=2)
    )
