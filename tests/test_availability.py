"""Tests for mailflow.deciding.availability: the slot grid, its filters, DST, and offers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.deciding.availability import (
    CIVIL_FROM,
    CIVIL_UNTIL,
    choose_offer,
    day_part,
    free_slots,
)
from mailflow.model import (
    AvailabilityRules,
    DayPart,
    Interval,
    Preference,
    Slot,
    WeeklyHours,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
MINUTE = timedelta(minutes=1)

# The example config of DESIGN.md: Mon two spans, Tue morning, Thu afternoon.
HOURS = WeeklyHours(
    {
        0: ((time(9), time(12)), (time(13), time(17))),
        1: ((time(9), time(12)),),
        3: ((time(13), time(18)),),
    }
)
WEEKDAYS = WeeklyHours(
    {d: ((time(9), time(12)), (time(13), time(17))) for d in range(5)}
)


def rules(**changes: Any) -> AvailabilityRules:
    """DESIGN.md defaults (15 + 10 minutes, 24 h notice, 14 days) in London."""
    return replace(AvailabilityRules(zone_name=LONDON, hours=HOURS), **changes)


def at(text: str, zone: str = LONDON) -> datetime:
    """A local wall-clock time in `zone` (fold=0), e.g. at("2026-06-01 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def span(start: str, end: str, zone: str = LONDON) -> Interval:
    return Interval(at(start, zone), at(end, zone))


def local(slots: list[Slot], zone: str = LONDON) -> list[str]:
    return [
        s.start_at.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M") for s in slots
    ]


def on(slots: list[Slot], day: str, zone: str = LONDON) -> list[str]:
    """Local HH:MM starts of the slots on local date `day` (MM-DD)."""
    return [t[6:] for t in local(slots, zone) if t.startswith(day)]


def slots_of(
    rules_: AvailabilityRules,
    now: datetime,
    *,
    calls: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
) -> list[Slot]:
    return free_slots(rules_, now=now, calls=calls, busy=busy)


MONDAY_MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
MONDAY_AFTERNOON = [f"{13 + m // 60:02d}:{m % 60:02d}" for m in range(0, 211, 30)]


# --- the grid -----------------------------------------------------------------


def test_grid_starts_on_quarter_hours_keeps_the_buffer_and_ends_within_span() -> None:
    # 15 minutes + 10 of buffer: the next quarter hour after 09:25 is 09:30.
    slots = slots_of(rules(min_notice=timedelta(0)), at("2026-05-31 00:00"))
    assert on(slots, "06-01") == MONDAY_MORNING + MONDAY_AFTERNOON
    assert MONDAY_AFTERNOON[-1] == "16:30"  # 16:30-16:45 fits, 17:00 would not


def test_a_one_minute_grid_steps_by_slot_plus_buffer() -> None:
    r = rules(min_notice=timedelta(0), start_every=MINUTE)
    slots = slots_of(r, at("2026-06-02 00:00"))
    assert on(slots, "06-02") == [
        "09:00",
        "09:25",
        "09:50",
        "10:15",
        "10:40",
        "11:05",
        "11:30",
    ]


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        (15, ["09:15", "09:45", "10:15"]),
        (30, ["09:30", "10:00"]),
        (60, ["10:00"]),
    ],
)
def test_a_span_opening_off_the_grid_starts_at_the_next_grid_time(
    every: int, expected: list[str]
) -> None:
    hours = WeeklyHours({1: ((time(9, 10), time(10, 30)),)})
    r = rules(hours=hours, min_notice=timedelta(0), start_every=every * MINUTE)
    assert on(slots_of(r, at("2026-06-02 00:00")), "06-02") == expected


def test_a_grid_coarser_than_the_call_leaves_a_longer_gap() -> None:
    r = rules(min_notice=timedelta(0), buffer=timedelta(0), start_every=60 * MINUTE)
    slots = slots_of(r, at("2026-06-02 00:00"))
    assert on(slots, "06-02") == ["09:00", "10:00", "11:00"]


def test_non_positive_grid_is_refused() -> None:
    with pytest.raises(ValueError, match="start_every"):
        slots_of(rules(start_every=timedelta(0)), at("2026-06-01 10:00"))


def test_slots_are_utc_with_exact_length() -> None:
    slots = slots_of(rules(), at("2026-05-31 00:00"))
    assert slots
    for slot in slots:
        assert slot.start_at.tzinfo is UTC
        assert slot.end_at.tzinfo is UTC
        assert slot.end_at - slot.start_at == timedelta(minutes=15)
    assert slots[0].start_at == datetime(2026, 6, 1, 8, tzinfo=UTC)  # 09:00 BST


def test_other_lengths_change_the_grid() -> None:
    r = rules(slot=timedelta(minutes=30), buffer=timedelta(0), min_notice=timedelta(0))
    slots = slots_of(r, at("2026-06-02 00:00"))
    assert on(slots, "06-02") == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def test_closed_days_have_no_slots() -> None:
    slots = slots_of(rules(min_notice=timedelta(0)), at("2026-06-01 00:00"))
    weekdays = {s.start_at.astimezone(ZoneInfo(LONDON)).weekday() for s in slots}
    assert weekdays == {0, 1, 3}


def test_no_hours_no_slots() -> None:
    assert slots_of(rules(hours=WeeklyHours({})), at("2026-06-01 00:00")) == []


def test_blocked_dates_are_local_dates() -> None:
    r = rules(min_notice=timedelta(0), blocked_on=frozenset({date(2026, 6, 1)}))
    slots = slots_of(r, at("2026-05-31 00:00"))
    assert on(slots, "06-01") == []
    assert on(slots, "06-02") == MONDAY_MORNING


# --- the window ---------------------------------------------------------------


def test_min_notice() -> None:
    slots = slots_of(rules(), at("2026-06-01 10:05"))
    assert local(slots)[0] == "06-02 10:30"  # 24 h later, on the grid


def test_window_start_is_inclusive_and_end_exclusive() -> None:
    r = rules(min_notice=timedelta(hours=24), horizon=timedelta(hours=24, minutes=30))
    assert local(slots_of(r, at("2026-06-01 09:00"))) == ["06-02 09:00"]


def test_horizon_counts_from_now() -> None:
    slots = slots_of(rules(), at("2026-06-01 10:00"))
    assert local(slots)[-1] == "06-15 09:30"  # 10:00 is now + 14 days: excluded


def test_now_in_any_zone_means_the_same_instant() -> None:
    london = slots_of(rules(), at("2026-06-01 10:00"))
    assert slots_of(rules(), at("2026-06-01 11:00", "Europe/Paris")) == london
    assert slots_of(rules(), at("2026-06-01 09:00", "UTC")) == london


def test_notice_beyond_horizon_means_no_slots() -> None:
    r = rules(min_notice=timedelta(days=15))
    assert slots_of(r, at("2026-06-01 10:00")) == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        slots_of(rules(), datetime.fromisoformat("2026-06-01T10:00"))


def test_zero_slot_length_is_refused() -> None:
    with pytest.raises(ValueError, match="slot"):
        slots_of(rules(slot=timedelta(0)), at("2026-06-01 10:00"))


# --- calls and busy time --------------------------------------------------------


def test_busy_time_needs_the_buffer_on_both_sides() -> None:
    busy = [span("2026-06-01 09:55", "2026-06-01 10:20")]
    slots = slots_of(rules(min_notice=timedelta(0)), at("2026-05-31 00:00"), busy=busy)
    # [09:45, 10:30) is blocked: 09:30-09:45 and 10:30-10:45 just fit.
    assert on(slots, "06-01")[:5] == ["09:00", "09:30", "10:30", "11:00", "11:30"]


def test_busy_time_does_not_count_as_a_call() -> None:
    r = rules(min_notice=timedelta(0), max_calls_per_day=1)
    busy = [span("2026-06-01 13:00", "2026-06-01 14:00")]
    slots = slots_of(r, at("2026-05-31 00:00"), busy=busy)
    assert on(slots, "06-01")[: len(MONDAY_MORNING)] == MONDAY_MORNING


def test_holding_a_grid_slot_takes_out_only_that_slot() -> None:
    calls = [span("2026-06-01 10:00", "2026-06-01 10:15")]
    slots = slots_of(
        rules(min_notice=timedelta(0)), at("2026-05-31 00:00"), calls=calls
    )
    expected = [t for t in MONDAY_MORNING if t != "10:00"] + MONDAY_AFTERNOON
    assert on(slots, "06-01") == expected


def test_a_zero_buffer_allows_back_to_back() -> None:
    r = rules(min_notice=timedelta(0), buffer=timedelta(0))
    calls = [span("2026-06-02 09:15", "2026-06-02 09:30")]
    slots = slots_of(r, at("2026-06-02 00:00"), calls=calls)
    assert on(slots, "06-02")[:3] == ["09:00", "09:30", "09:45"]


def test_max_calls_per_day_closes_the_day() -> None:
    r = rules(min_notice=timedelta(0), max_calls_per_day=2)
    one = [span("2026-06-01 09:00", "2026-06-01 09:15")]
    two = [*one, span("2026-06-01 16:45", "2026-06-01 17:00")]
    assert len(on(slots_of(r, at("2026-05-31 00:00"), calls=one), "06-01")) == 13
    assert on(slots_of(r, at("2026-05-31 00:00"), calls=two), "06-01") == []
    assert on(slots_of(r, at("2026-05-31 00:00"), calls=two), "06-02") == MONDAY_MORNING


def test_calls_count_on_their_local_date() -> None:
    # 00:30 BST on Tuesday is 23:30 UTC on Monday: it is a Tuesday call.
    r = rules(min_notice=timedelta(0), max_calls_per_day=1)
    calls = [span("2026-06-02 00:30", "2026-06-02 00:45")]
    slots = slots_of(r, at("2026-05-31 00:00"), calls=calls)
    assert on(slots, "06-01") == MONDAY_MORNING + MONDAY_AFTERNOON
    assert on(slots, "06-02") == []


def test_overlapping_spans_never_give_overlapping_slots() -> None:
    hours = WeeklyHours({0: ((time(9), time(10)), (time(9, 10), time(10)))})
    slots = slots_of(
        rules(hours=hours, min_notice=timedelta(0)), at("2026-06-01 00:00")
    )
    # 09:15 and 09:45 (second span) sit closer than the buffer to 09:00 and
    # 09:30 (first span): the earlier wins.
    assert on(slots, "06-01") == ["09:00", "09:30"]


# --- daylight saving ---------------------------------------------------------------

ONE_DAY = {"min_notice": timedelta(0), "horizon": timedelta(days=2)}  # from the eve


@pytest.mark.parametrize(
    ("zone", "before", "after", "offset_before", "offset_after"),
    [
        (LONDON, "2026-03-23", "2026-03-30", 0, 1),  # spring forward 03-29
        (LONDON, "2026-10-19", "2026-10-26", 1, 0),  # fall back 10-25
        (NEW_YORK, "2026-03-02", "2026-03-09", -5, -4),  # spring forward 03-08
        (NEW_YORK, "2026-10-26", "2026-11-02", -4, -5),  # fall back 11-01
    ],
)
def test_monday_nine_stays_nine_across_dst(
    zone: str, before: str, after: str, offset_before: int, offset_after: int
) -> None:
    r = rules(zone_name=zone, hours=WeeklyHours({0: ((time(9), time(9, 30)),)}))
    slots = slots_of(r, at(f"{before} 00:00", zone) - timedelta(days=1))
    zone_info = ZoneInfo(zone)
    assert local(slots, zone) == [f"{before[5:]} 09:00", f"{after[5:]} 09:00"]
    offsets = [s.start_at.astimezone(zone_info).utcoffset() for s in slots]
    assert offsets == [timedelta(hours=offset_before), timedelta(hours=offset_after)]
    assert slots[1].start_at - slots[0].start_at == timedelta(
        days=7, hours=-(offset_after - offset_before)
    )


@pytest.mark.parametrize(
    ("zone", "day", "hours", "every", "expected_utc"),
    [
        # 01:00-02:00 does not exist: 00:55 would end at 02:10; 01:20, 01:45 skipped.
        (LONDON, "2026-03-29", (time(0, 30), time(3)), 5, ["00:30", "01:10", "01:35"]),
        # On quarter hours: 01:00 and 01:30 do not exist; 02:00 BST is 01:00 UTC.
        (LONDON, "2026-03-29", (time(0, 30), time(3)), 15, ["00:30", "01:00", "01:30"]),
        # 02:00-03:00 does not exist in New York.
        (
            NEW_YORK,
            "2026-03-08",
            (time(1, 30), time(4)),
            5,
            ["06:30", "07:10", "07:35"],
        ),
        (
            NEW_YORK,
            "2026-03-08",
            (time(1, 30), time(4)),
            15,
            ["06:30", "07:00", "07:30"],
        ),
    ],
)
def test_span_across_the_spring_forward_gap(
    zone: str, day: str, hours: tuple[time, time], every: int, expected_utc: list[str]
) -> None:
    r = rules(
        zone_name=zone,
        hours=WeeklyHours({6: (hours,)}),
        start_every=every * MINUTE,
        **ONE_DAY,
    )
    slots = slots_of(r, at(f"{day} 00:00", zone) - timedelta(days=1))
    assert [s.start_at.strftime("%H:%M") for s in slots] == expected_utc
    assert all(s.end_at - s.start_at == timedelta(minutes=15) for s in slots)


@pytest.mark.parametrize(
    ("zone", "day", "every", "expected_local", "expected_utc"),
    [
        # 01:00-02:00 happens twice; the first (BST) is used, 01:45 would end
        # at 01:00 GMT and is skipped.
        (
            LONDON,
            "2026-10-25",
            5,
            ["00:30", "00:55", "01:20", "02:10", "02:35"],
            ["23:30", "23:55", "00:20", "02:10", "02:35"],
        ),
        # On quarter hours: 01:00 and 01:30 are BST; the GMT repeat stays unused.
        (
            LONDON,
            "2026-10-25",
            15,
            ["00:30", "01:00", "01:30", "02:00", "02:30"],
            ["23:30", "00:00", "00:30", "02:00", "02:30"],
        ),
        (
            NEW_YORK,
            "2026-11-01",
            5,
            ["00:30", "00:55", "01:20", "02:10", "02:35"],
            ["04:30", "04:55", "05:20", "07:10", "07:35"],
        ),
        (
            NEW_YORK,
            "2026-11-01",
            15,
            ["00:30", "01:00", "01:30", "02:00", "02:30"],
            ["04:30", "05:00", "05:30", "07:00", "07:30"],
        ),
    ],
)
def test_span_across_the_fall_back_hour(
    zone: str, day: str, every: int, expected_local: list[str], expected_utc: list[str]
) -> None:
    hours = WeeklyHours({6: ((time(0, 30), time(3)),)})
    r = rules(zone_name=zone, hours=hours, start_every=every * MINUTE, **ONE_DAY)
    slots = slots_of(r, at(f"{day} 00:00", zone) - timedelta(days=1))
    assert on(slots, day[5:], zone) == expected_local
    assert [s.start_at.strftime("%H:%M") for s in slots] == expected_utc
    assert all(a.end_at <= b.start_at for a, b in pairwise(slots))


# --- choose_offer -----------------------------------------------------------------


def week_slots() -> list[Slot]:
    """Mon-Fri 9-12 and 13-17, from Monday 2026-06-01, for one working week."""
    r = rules(hours=WEEKDAYS, min_notice=timedelta(0), horizon=timedelta(days=5))
    return slots_of(r, at("2026-06-01 00:00"))


def offer(slots: list[Slot], count: int = 5, **pref: Any) -> list[Slot]:
    preference = Preference(**pref)
    return choose_offer(slots, count=count, zone_name=LONDON, preference=preference)


def parts(slots: list[Slot]) -> list[DayPart]:
    return [day_part(s.start_at.astimezone(ZoneInfo(LONDON)).time()) for s in slots]


def days(slots: list[Slot]) -> list[date]:
    return [s.start_at.astimezone(ZoneInfo(LONDON)).date() for s in slots]


def test_offer_spreads_over_days_and_alternates_day_parts() -> None:
    chosen = offer(week_slots(), count=4)
    assert local(chosen) == ["06-01 09:00", "06-02 13:00", "06-03 09:00", "06-04 13:00"]


def test_offer_from_the_design_hours_uses_five_days_and_both_parts() -> None:
    chosen = offer(slots_of(rules(), at("2026-05-31 12:00")))
    assert len(set(days(chosen))) == 5
    assert set(parts(chosen)) == {DayPart.MORNING, DayPart.AFTERNOON}
    assert chosen == sorted(chosen, key=lambda s: s.start_at)


def test_offer_with_more_picks_than_days_goes_round_again() -> None:
    three_days = [s for s in week_slots() if s.start_at.day <= 3]
    chosen = offer(three_days, count=5)
    per_day = Counter(days(chosen))
    assert sorted(per_day.values()) == [1, 2, 2]
    for day in per_day:  # a day picked twice gets a morning and an afternoon
        day_parts = {
            p for d, p in zip(days(chosen), parts(chosen), strict=True) if d == day
        }
        assert len(day_parts) == per_day[day]


def test_offer_honours_weekdays() -> None:
    chosen = offer(slots_of(rules(), at("2026-05-31 12:00")), weekdays=frozenset({3}))
    assert {d.weekday() for d in days(chosen)} == {3}
    assert len(set(days(chosen))) == 2  # both Thursdays in the horizon


def test_offer_honours_day_parts() -> None:
    chosen = offer(week_slots(), day_parts=frozenset({DayPart.AFTERNOON}))
    assert set(parts(chosen)) == {DayPart.AFTERNOON}
    assert len(set(days(chosen))) == 5


@pytest.mark.parametrize(
    ("pref", "check"),
    [
        ({"earliest": time(16)}, lambda t: t >= time(16)),
        ({"latest": time(9, 30)}, lambda t: t <= time(9, 30)),
        ({"earliest": time(10), "latest": time(10, 40)}, lambda t: t.hour == 10),
    ],
)
def test_offer_honours_earliest_and_latest(
    pref: dict[str, time], check: Callable[[time], bool]
) -> None:
    chosen = offer(week_slots(), 5, **pref)
    assert len(chosen) == 5
    starts = [s.start_at.astimezone(ZoneInfo(LONDON)).time() for s in chosen]
    assert all(check(t) for t in starts)


def test_offer_fills_up_when_too_few_match() -> None:
    # Thursdays 17:10 and 17:35 are the only evening slots: 4 in two weeks.
    slots = slots_of(rules(), at("2026-05-31 12:00"))
    chosen = offer(slots, day_parts=frozenset({DayPart.EVENING}))
    assert len(chosen) == 5
    assert parts(chosen).count(DayPart.EVENING) == 4


def test_offer_fill_up_goes_to_other_days_and_parts() -> None:
    monday_early = {"weekdays": frozenset({0}), "latest": time(9, 30)}
    chosen = offer(week_slots(), 3, **monday_early)
    assert local(chosen) == ["06-01 09:00", "06-01 09:30", "06-02 13:00"]


def test_offer_falls_back_when_preference_is_impossible() -> None:
    slots = week_slots()
    sundays = offer(slots, weekdays=frozenset({6}))
    assert sundays == offer(slots)


def test_offer_is_deterministic_and_ignores_input_order() -> None:
    slots = week_slots()
    assert offer(slots) == offer(slots) == offer(list(reversed(slots)))


def test_offer_edges() -> None:
    assert offer([], count=5) == []
    assert offer(week_slots(), count=0) == []
    assert offer(week_slots()[:2], count=5) == week_slots()[:2]


@pytest.mark.parametrize(
    ("clock", "part"),
    [
        (time(0), DayPart.MORNING),
        (time(11, 59), DayPart.MORNING),
        (time(12), DayPart.AFTERNOON),
        (time(16, 59), DayPart.AFTERNOON),
        (time(17), DayPart.EVENING),
        (time(23, 59), DayPart.EVENING),
    ],
)
def test_day_part_boundaries(clock: time, part: DayPart) -> None:
    assert day_part(clock) == part


# --- properties ---------------------------------------------------------------------

ZONES = [LONDON, NEW_YORK, "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
# Days near DST changes (London, New York, Lord Howe's 30-minute shifts) and one plain.
ANCHORS = [
    datetime(2026, m, d, tzinfo=UTC)
    for m, d in [(3, 8), (3, 29), (4, 5), (6, 1), (10, 4), (10, 25), (11, 1)]
]


@st.composite
def spans(draw: st.DrawFn) -> tuple[tuple[time, time], ...]:
    result = []
    for _ in range(draw(st.integers(1, 2))):
        start = draw(st.integers(0, 24 * 60 - 2))
        end = draw(st.integers(start + 1, 24 * 60 - 1))
        result.append((time(start // 60, start % 60), time(end // 60, end % 60)))
    return tuple(result)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[AvailabilityRules, datetime, list[Interval], list[Interval]]:
    now = draw(st.sampled_from(ANCHORS)) + MINUTE * draw(
        st.integers(-8 * 24 * 60, 2 * 24 * 60)
    )

    def intervals() -> list[Interval]:
        offsets = st.tuples(st.integers(-24 * 60, 12 * 24 * 60), st.integers(1, 180))
        return [
            Interval(now + MINUTE * start, now + MINUTE * (start + length))
            for start, length in draw(st.lists(offsets, max_size=8))
        ]

    blocked = draw(st.lists(st.integers(-1, 12), max_size=3))
    notice = MINUTE * draw(st.integers(0, 48 * 60))
    r = AvailabilityRules(
        zone_name=draw(st.sampled_from(ZONES)),
        hours=WeeklyHours(
            draw(st.dictionaries(st.integers(0, 6), spans(), min_size=3))
        ),
        slot=MINUTE * draw(st.integers(5, 90)),
        buffer=MINUTE * draw(st.integers(0, 30)),
        start_every=MINUTE * draw(st.sampled_from([1, 5, 10, 15, 30, 60])),
        min_notice=notice,
        horizon=notice + MINUTE * draw(st.integers(24 * 60, 8 * 24 * 60)),
        max_calls_per_day=draw(st.integers(1, 4)),
        blocked_on=frozenset(now.date() + timedelta(days=d) for d in blocked),
    )
    return r, now, intervals(), intervals()


def grid_candidates(r: AvailabilityRules, now: datetime) -> list[Slot]:
    """Every grid slot that would be open with no calls, busy time or blocks.

    An independent oracle: each wall time is tried with both folds and the
    earliest real instant showing it is taken; DST-gap times show no instant.
    """
    zone = ZoneInfo(r.zone_name)
    found = []
    day = (now + r.min_notice).astimezone(zone).date()
    while day <= (now + r.horizon).astimezone(zone).date():
        for first, last in r.hours.spans.get(day.weekday(), ()):
            for wall in grid_walls(r, day, first, last):
                real = [
                    instant
                    for fold in (0, 1)
                    if (instant := wall.replace(tzinfo=zone, fold=fold).astimezone(UTC))
                    .astimezone(zone)
                    .replace(tzinfo=None)
                    == wall
                ]
                if real:
                    slot = Slot(min(real), min(real) + r.slot)
                    wall_end = slot.end_at.astimezone(zone).replace(tzinfo=None)
                    if wall_end == wall + r.slot and (
                        now + r.min_notice <= slot.start_at < now + r.horizon
                    ):
                        found.append(slot)
        day += timedelta(days=1)
    return found


def grid_walls(
    r: AvailabilityRules, day: date, first: time, last: time
) -> list[datetime]:
    """Wall-clock starts of one span, counted in whole minutes from midnight."""
    every, slot, gap = (
        int(d / MINUTE) for d in (r.start_every, r.slot, r.slot + r.buffer)
    )
    end = last.hour * 60 + last.minute
    minute = -(-(first.hour * 60 + first.minute) // every) * every
    walls = []
    while minute + slot <= end:
        walls.append(datetime.combine(day, time()) + minute * MINUTE)
        minute = -(-(minute + gap) // every) * every
    return walls


def on_the_grid(r: AvailabilityRules, slot: Slot) -> bool:
    """The slot starts on some span's grid, ends in it, same length on the wall."""
    zone = ZoneInfo(r.zone_name)
    start = slot.start_at.astimezone(zone)
    wall_start = start.replace(tzinfo=None)
    wall_end = slot.end_at.astimezone(zone).replace(tzinfo=None)
    if wall_end - wall_start != r.slot:
        return False
    return any(
        wall_start in grid_walls(r, start.date(), first, last)
        for first, last in r.hours.spans.get(start.weekday(), ())
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_free_slots_properties(
    scenario: tuple[AvailabilityRules, datetime, list[Interval], list[Interval]],
) -> None:
    r, now, calls, busy = scenario
    zone = ZoneInfo(r.zone_name)
    slots = free_slots(r, now=now, calls=calls, busy=busy)
    calls_on = Counter(c.start_at.astimezone(zone).date() for c in calls)
    for slot in slots:
        assert slot.start_at.utcoffset() == timedelta(0)
        assert slot.end_at - slot.start_at == r.slot
        assert now + r.min_notice <= slot.start_at < now + r.horizon
        assert on_the_grid(r, slot)
        wall = slot.start_at.astimezone(zone)
        assert (wall.hour * 60 + wall.minute) % (r.start_every // MINUTE) == 0
        day = slot.start_at.astimezone(zone).date()
        assert day not in r.blocked_on
        assert calls_on[day] + 1 <= r.max_calls_per_day  # booking it stays in limit
        for other in (*calls, *busy):
            assert (
                slot.end_at + r.buffer <= other.start_at
                or other.end_at + r.buffer <= slot.start_at
            )
    assert all(a.end_at + r.buffer <= b.start_at for a, b in pairwise(slots))
    # Nothing open is missing: every candidate is offered, or was ruled out.
    blockers = [
        Interval(i.start_at - r.buffer, i.end_at + r.buffer) for i in (*calls, *busy)
    ]
    for candidate in grid_candidates(r, now):
        day = candidate.start_at.astimezone(zone).date()
        assert (
            candidate in slots
            or day in r.blocked_on
            or calls_on[day] >= r.max_calls_per_day
            or any(
                Interval(candidate.start_at, candidate.end_at).overlaps(b)
                for b in blockers
            )
            or any(
                s.start_at < candidate.end_at + r.buffer
                and candidate.start_at < s.end_at + r.buffer
                for s in slots
            )
        )


@settings(max_examples=100, deadline=None)
@given(
    scenarios(),
    st.integers(0, 12),
    st.frozensets(st.integers(0, 6), max_size=3),
    st.frozensets(st.sampled_from(list(DayPart)), max_size=2),
)
def test_choose_offer_properties(
    scenario: tuple[AvailabilityRules, datetime, list[Interval], list[Interval]],
    count: int,
    weekdays: frozenset[int],
    day_parts: frozenset[DayPart],
) -> None:
    r, now, calls, busy = scenario
    zone = ZoneInfo(r.zone_name)
    slots = free_slots(r, now=now, calls=calls, busy=busy)
    preference = Preference(weekdays=weekdays, day_parts=day_parts)
    chosen = choose_offer(
        slots, count=count, zone_name=r.zone_name, preference=preference
    )
    assert len(chosen) == min(count, len(slots))
    assert len(set(chosen)) == len(chosen)
    assert set(chosen) <= set(slots)
    assert chosen == sorted(chosen, key=lambda s: s.start_at)
    assert chosen == choose_offer(
        list(reversed(slots)), count=count, zone_name=r.zone_name, preference=preference
    )

    def matches(slot: Slot) -> bool:
        start = slot.start_at.astimezone(zone)
        return (not weekdays or start.weekday() in weekdays) and (
            not day_parts or day_part(start.time()) in day_parts
        )

    wanted = [s for s in slots if matches(s)]
    assert sum(map(matches, chosen)) == min(count, len(wanted))

    # Civil hours come next after the wish: spread is judged among those slots.
    def civil(slot: Slot) -> bool:
        start, end = slot.start_at.astimezone(zone), slot.end_at.astimezone(zone)
        return (
            start.date() == end.date()
            and start.time() >= CIVIL_FROM
            and end.time() <= CIVIL_UNTIL
        )

    def first(slot: Slot) -> bool:
        return wished(slot) and civil(slot)

    wished = matches
    first_choice = [s for s in slots if first(s)]
    assert sum(map(first, chosen)) == min(count, len(first_choice))
    wanted, matches = first_choice, first  # type: ignore[assignment]
    # Spread: as many different days as there are (among the preferred slots).
    wanted_days = {s.start_at.astimezone(zone).date() for s in wanted}
    chosen_days = {s.start_at.astimezone(zone).date() for s in chosen if matches(s)}
    assert len(chosen_days) == min(count, len(wanted), len(wanted_days))


# --- the configuration key ------------------------------------------------------------

_CONFIG = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
[smtp]
host = "smtp.riverside.example"
"""


def test_start_every_minutes_defaults_to_quarter_hours_and_reaches_the_rules(
    tmp_path: Path,
) -> None:
    from mailflow.config import load_settings

    path = tmp_path / "mailflow.toml"
    path.write_text(_CONFIG, encoding="utf-8")
    assert load_settings(path).availability.rules(LONDON).start_every == 15 * MINUTE
    path.write_text(_CONFIG + "[availability]\nstart_every_minutes = 30\n")
    assert load_settings(path).availability.rules(LONDON).start_every == 30 * MINUTE


def test_start_every_minutes_must_divide_an_hour(tmp_path: Path) -> None:
    from mailflow.config import load_settings
    from mailflow.errors import ConfigError

    path = tmp_path / "mailflow.toml"
    path.write_text(_CONFIG + "[availability]\nstart_every_minutes = 7\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (problem,) = caught.value.problems
    assert problem.startswith("availability.start_every_minutes:")
    assert "does not divide an hour" in problem
