"""What the clock asks of an enquiry: reminders, follow-ups, nudges, expiry. Pure.

`next_due(view, rules, now)` says which timed step comes next for one enquiry and
from when; the shell acts only when that moment has passed. Messages to the
person wait for civil hours in their zone (never at night); a reminder that
cannot go out in time is skipped rather than sent late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum

from mailflow.model import State


class Step(StrEnum):
    REMINDER = "reminder"  # before the call
    FOLLOWUP = "followup"  # after the call: would you like to start?
    FOLLOWUP_NUDGE = "followup_nudge"  # one gentle nudge after silence
    FOLLOWUP_CLOSE = "followup_close"  # silence after the nudge: close quietly
    OFFER_NUDGE = "offer_nudge"  # an offer not taken: one nudge
    OFFER_EXPIRE = "offer_expire"  # still nothing: close, release
    HOLD_REMIND = "hold_remind"  # the therapist has not answered: remind them once
    HOLD_LAPSE = "hold_lapse"  # still no answer: let the time go, offer others
    MOVE_REMIND = "move_remind"  # a move waits for the therapist: remind them once
    MOVE_LAPSE = "move_lapse"  # still no answer: the call stays where it was


@dataclass(frozen=True, slots=True)
class TimingRules:
    reminder_before: timedelta
    followup_after: timedelta
    offer_expiry: timedelta
    nudge_after: timedelta
    quiet_from: time  # civil hours start, person's zone (e.g. 08:00)
    quiet_until: time  # civil hours end (e.g. 20:00)
    hold_for: timedelta = timedelta(hours=48)  # a pick waits this long per stage


@dataclass(frozen=True, slots=True)
class View:
    """The facts about one enquiry that timing depends on."""

    state: State
    zone: tzinfo  # the person's zone (or the practice's when unknown)
    call_start_at: datetime | None = None
    call_end_at: datetime | None = None
    booked_at: datetime | None = None
    offered_at: datetime | None = None
    nudged_at: datetime | None = None
    reminded_at: datetime | None = None
    followed_up_at: datetime | None = None
    followup_nudged_at: datetime | None = None
    held_at: datetime | None = None
    held_start_at: datetime | None = None  # when the held call would begin
    hold_reminded_at: datetime | None = None
    move_asked_at: datetime | None = None  # a move waiting for approval
    move_start_at: datetime | None = None  # ...to this time


@dataclass(frozen=True, slots=True)
class Due:
    step: Step
    at: datetime  # the earliest moment it may happen
    until: datetime | None = (
        None  # after this it is pointless (a reminder after the call)
    )
    civil_in: tzinfo | None = None  # a letter to the person: only in their day


CODE_VERSION = 1
"""Bump with any change to when a step falls due (`next_due`, `first_owed`,
the constants below, `runner.enquiry_view`): runs keep each enquiry's next
owed moment (`enquiries.owed_at`) and forget them all when this, the
release, the timing rules or the practice's zone change.
`tests/test_clock_owed.py` pins this file's hash to it."""

HOLD_GRACE = timedelta(hours=1)
"""The therapist has at least this long to answer before a reminder."""
HOLD_REMIND_BEFORE = timedelta(hours=24)
"""A pick is reminded at the latest this long before the call would start..."""
HOLD_LAPSE_BEFORE = timedelta(hours=2)
"""...and let go this long before it, so the person can still choose another."""


def civil(moment: datetime, zone: tzinfo, rules: TimingRules) -> datetime:
    """`moment`, or the next start of civil hours in `zone` if it falls at night."""
    local = moment.astimezone(zone)
    if rules.quiet_from <= local.time() < rules.quiet_until:
        return moment
    day = (
        local.date()
        if local.time() < rules.quiet_from
        else local.date() + timedelta(days=1)
    )
    start = datetime.combine(day, rules.quiet_from, tzinfo=zone)
    return start.astimezone(moment.tzinfo)


def next_due(view: View, rules: TimingRules, now: datetime) -> Due | None:
    """The next timed step for this enquiry, or None when the clock owes it nothing."""
    booked = view.state in {
        State.BOOKED,
        State.RESCHEDULING,
    }  # a move stands until chosen
    if booked and view.call_start_at and view.call_end_at:
        call = _booked_call(view, view.call_start_at, view.call_end_at, rules, now)
        # A move is settled before the earlier of the two times it is between.
        settle_by = min(view.move_start_at or view.call_start_at, view.call_start_at)
        move = _waiting_on_therapist(
            view.move_asked_at if view.state is State.BOOKED else None,
            settle_by,
            view.hold_reminded_at,
            rules,
            (Step.MOVE_REMIND, Step.MOVE_LAPSE),
            now,
        )
        return move if move is not None and move.at < call.at else call
    if view.state is State.FOLLOWED_UP and view.followed_up_at is not None:
        if view.followup_nudged_at is None:
            return Due(
                Step.FOLLOWUP_NUDGE,
                civil(view.followed_up_at + rules.nudge_after, view.zone, rules),
                civil_in=view.zone,
            )
        return Due(Step.FOLLOWUP_CLOSE, view.followup_nudged_at + rules.nudge_after)
    if view.state is State.HELD:
        return _waiting_on_therapist(
            view.held_at,
            view.held_start_at,
            view.hold_reminded_at,
            rules,
            (Step.HOLD_REMIND, Step.HOLD_LAPSE),
            now,
        )
    if view.state is State.OFFERED and view.offered_at is not None:
        if view.nudged_at is None:
            return Due(
                Step.OFFER_NUDGE,
                civil(view.offered_at + rules.offer_expiry, view.zone, rules),
                civil_in=view.zone,
            )
        return Due(Step.OFFER_EXPIRE, view.nudged_at + rules.offer_expiry)
    return None


def _booked_call(
    view: View, start_at: datetime, end_at: datetime, rules: TimingRules, now: datetime
) -> Due:
    """The reminder (when it can still go out in time) or the follow-up."""
    if view.reminded_at is None and rules.reminder_before > timedelta(0):
        due = start_at - rules.reminder_before
        at = civil(due, view.zone, rules)
        # Booked inside the reminder window: the booking itself is the reminder;
        # and one that cannot go out before the call is skipped, not sent late.
        booked_early = view.booked_at is None or view.booked_at <= due
        if booked_early and at < start_at and now < start_at:
            return Due(Step.REMINDER, at, until=start_at, civil_in=view.zone)
    return Due(
        Step.FOLLOWUP,
        civil(end_at + rules.followup_after, view.zone, rules),
        civil_in=view.zone,
    )


def _waiting_on_therapist(
    asked_at: datetime | None,
    start_at: datetime | None,
    reminded_at: datetime | None,
    rules: TimingRules,
    steps: tuple[Step, Step],
    now: datetime,
) -> Due | None:
    """A pick or a move the therapist has not answered: remind them once, then
    let it go, never later than the call itself allows. Any hour: these go to
    the therapist, or end in a letter the person is waiting for."""
    if asked_at is None:
        return None
    remind, lapse = steps
    if start_at is not None and now >= start_at - HOLD_LAPSE_BEFORE:
        # Too late for a reminder to help (the machine was off, or it was
        # picked at the last moment): let it go now.
        return Due(lapse, max(asked_at, start_at - HOLD_LAPSE_BEFORE))
    if reminded_at is None:
        at = asked_at + rules.hold_for
        if start_at is not None:
            at = max(min(at, start_at - HOLD_REMIND_BEFORE), asked_at + HOLD_GRACE)
        return Due(remind, at)
    at = reminded_at + rules.hold_for
    if start_at is not None:
        at = max(min(at, start_at - HOLD_LAPSE_BEFORE), reminded_at)
    return Due(lapse, at)


def is_due(due: Due, now: datetime, rules: TimingRules) -> bool:
    """Its moment has come, (for a reminder) the call has not started yet, and
    (for a letter to the person) it is daytime for them: an overdue follow-up
    found by a machine that was off all day waits for the morning."""
    if due.at > now or (due.until is not None and now >= due.until):
        return False
    return due.civil_in is None or civil(now, due.civil_in, rules) == now


def ready_at(due: Due, now: datetime, rules: TimingRules) -> datetime | None:
    """The first moment from `now` on at which `is_due` holds; None when it
    never will (a reminder whose call has begun). What a quiet poll may skip
    until: nothing is owed before it."""
    if due.until is not None and now >= due.until:
        return None
    at = max(due.at, now)
    if due.civil_in is not None:
        at = civil(at, due.civil_in, rules)
    if due.until is not None and at >= due.until:
        return None
    return at


def first_owed(view: View, rules: TimingRules, now: datetime) -> datetime | None:
    """The earliest moment from `now` on at which a timed step is due for this
    enquiry, or None when the clock will owe it nothing. Never later than the
    truth (it may be earlier): a quiet poll skips the work only until then.

    `next_due` changes with the clock alone at a few moments (the call begins;
    a pick or a move comes too close to it), so each stretch between them is
    asked once."""
    switches = {
        moment
        for moment in (
            view.call_start_at,
            view.call_start_at and view.call_start_at - HOLD_LAPSE_BEFORE,
            view.held_start_at and view.held_start_at - HOLD_LAPSE_BEFORE,
            view.move_start_at and view.move_start_at - HOLD_LAPSE_BEFORE,
        )
        if moment is not None and moment > now
    }
    owed: list[datetime] = []
    for start in (now, *sorted(switches)):
        due = next_due(view, rules, start)
        if due is not None and (at := ready_at(due, start, rules)) is not None:
            owed.append(at)
    return min(owed, default=None)


def next_digest(at: str | None, zone: tzinfo, now: datetime) -> datetime | None:
    """When the next digest is owed (`workflow.digest_at` in the practice's
    zone): today's if its time has not come, else tomorrow's (today's went
    out with this run, or was sent before)."""
    if not at:
        return None
    clock = time.fromisoformat(at)
    local = now.astimezone(zone)
    day = local.date() if local.time() < clock else local.date() + timedelta(days=1)
    return datetime.combine(day, clock, tzinfo=zone).astimezone(now.tzinfo)


def quiet_until(
    owed: Iterable[datetime | None], now: datetime, at_most: timedelta
) -> datetime | None:
    """Until when nothing is owed: the earliest of `owed` (each enquiry's next
    timed step, the digest), `at_most` from now at the latest; None when
    something is owed already (a quiet poll must not stand in at all)."""
    until = min([*(at for at in owed if at is not None), now + at_most])
    return until if until > now else None


def fixed_zone(minutes: int | None) -> tzinfo | None:
    """A person's zone stored as minutes east of UTC (None: not known)."""
    return None if minutes is None else timezone(timedelta(minutes=minutes))
