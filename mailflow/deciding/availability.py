"""Open call slots from opening hours, holds, bookings and busy time; which to offer.

Pure: `now` is a parameter; no clock, no I/O. Slots are planned in the practice's
wall-clock time and returned in UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from mailflow.model import AvailabilityRules, DayPart, Interval, Preference, Slot

AFTERNOON_FROM: Final = time(12)
"""Calls starting at or after this local time are in the afternoon."""

EVENING_FROM: Final = time(17)
"""Calls starting at or after this local time are in the evening."""

NO_PREFERENCE: Final = Preference()

"""The person said nothing about when suits them."""

CIVIL_FROM: Final = time(8)
CIVIL_UNTIL: Final = time(20)
"""Offers avoid calls outside 08:00-20:00 in the person's zone while they can."""

_PART_ORDER: Final = (DayPart.MORNING, DayPart.AFTERNOON, DayPart.EVENING)


def free_slots(
    rules: AvailabilityRules,
    *,
    now: datetime,
    calls: Sequence[Interval],
    busy: Sequence[Interval],
) -> list[Slot]:
    """Every open slot in [now + min_notice, now + horizon), sorted, in UTC.

    `calls` are mailflow's own holds and bookings: they need the buffer around
    them and count toward `max_calls_per_day` (per local day of their start).
    `busy` is the therapist's other calendar time: buffered, but not a call.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    if rules.slot <= timedelta(0) or rules.buffer < timedelta(0):
        raise ValueError(f"bad slot/buffer: {rules.slot!r}, {rules.buffer!r}")
    if rules.start_every <= timedelta(0):
        raise ValueError(f"bad start_every: {rules.start_every!r}")
    zone = ZoneInfo(rules.zone_name)
    opens_at = now + rules.min_notice
    closes_at = now + rules.horizon
    blockers = [
        Interval(i.start_at - rules.buffer, i.end_at + rules.buffer)
        for i in (*calls, *busy)
    ]
    calls_on = Counter(c.start_at.astimezone(zone).date() for c in calls)
    candidates: list[Slot] = []
    for day in _days(opens_at, closes_at, zone):
        if day in rules.blocked_on or calls_on[day] >= rules.max_calls_per_day:
            continue
        slots = [
            slot
            for slot in _grid(rules, zone, day)
            if opens_at <= slot.start_at < closes_at
        ]
        if not slots:
            continue
        # Each slot is checked against the blockers of its own day only.
        near = _overlapping(
            blockers,
            min(s.start_at for s in slots),
            max(s.end_at for s in slots),
        )
        candidates += [
            slot for slot in slots if not any(_clashes(slot, b) for b in near)
        ]
    return _apart(candidates, rules.buffer)


def _overlapping(
    blockers: Sequence[Interval], start_at: datetime, end_at: datetime
) -> list[Interval]:
    return [b for b in blockers if b.start_at < end_at and start_at < b.end_at]


def choose_offer(
    slots: Sequence[Slot],
    *,
    count: int,
    zone_name: str,
    preference: Preference = NO_PREFERENCE,
    person_zone: tzinfo | None = None,
) -> list[Slot]:
    """Pick `count` slots spread over days and times of day, sorted.

    A list of the next five slots in a row (all Monday morning) is no real
    choice, so picks go round the days, alternating day parts. Slots matching
    the person's preference go first; others only fill up when too few match.
    Days, parts and preferences are read in the person's own zone when it is
    known ("mornings" from New York means New York mornings), and slots at
    uncivil hours there are left out while enough others remain.
    """
    zone = person_zone or ZoneInfo(zone_name)
    home = ZoneInfo(zone_name)
    # Days they said they cannot do are never offered, however few remain.
    slots = [
        s for s in slots if allowed_day(s.start_at.astimezone(home).date(), preference)
    ]
    # Each slot read in their zone once: the picking below asks again and again.
    tiers: tuple[list[_Local], ...] = ([], [], [], [])
    for slot in sorted(slots, key=lambda s: s.start_at):
        local = slot.start_at.astimezone(zone)
        # Their wish first, then civil hours where they are: 04:00 is no "morning".
        civil = _civil(local, slot.end_at.astimezone(zone))
        tiers[2 * (not matches(local, preference)) + (not civil)].append(
            _Local(slot, local, local.date(), day_part(local.time()))
        )
    picked: list[_Local] = []
    for tier in tiers:
        picked += _spread(tier, count - len(picked), picked)
    return sorted((p.slot for p in picked), key=lambda s: s.start_at)


def allowed_day(day: date, preference: Preference) -> bool:
    """Whether a day survives what they ruled out ("not tomorrow", "I'm away that week")."""
    if preference.not_before is not None and day < preference.not_before:
        return False
    return day not in preference.not_on


def _civil(start: datetime, end: datetime) -> bool:
    """Whether a call from `start` to `end` (read in the person's zone) falls
    between CIVIL_FROM and CIVIL_UNTIL there."""
    return (
        start.date() == end.date()
        and start.time() >= CIVIL_FROM
        and end.time() <= CIVIL_UNTIL
    )


def day_part(local: time) -> DayPart:
    """The part of the day a call starting at local wall-clock time `local` is in."""
    if local < AFTERNOON_FROM:
        return DayPart.MORNING
    return DayPart.AFTERNOON if local < EVENING_FROM else DayPart.EVENING


def _days(opens_at: datetime, closes_at: datetime, zone: ZoneInfo) -> Iterator[date]:
    """Local dates on which a slot in the window could start."""
    day = opens_at.astimezone(zone).date()
    last = closes_at.astimezone(zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _grid(rules: AvailabilityRules, zone: ZoneInfo, day: date) -> Iterator[Slot]:
    """Slots on the opening-hours grid of one local day, before any filtering
    (the same for every offer of a process: worked out once per day)."""
    return iter(
        _day_grid(
            rules.zone_name,
            rules.hours.spans.get(day.weekday(), ()),
            rules.slot,
            rules.buffer,
            rules.start_every,
            day,
        )
    )


@lru_cache(maxsize=512)
def _day_grid(
    zone_name: str,
    spans: tuple[tuple[time, time], ...],
    length: timedelta,
    buffer: timedelta,
    every: timedelta,
    day: date,
) -> tuple[Slot, ...]:
    """Slots on the opening-hours grid of one local day, before any filtering.

    Calls start on the clock's `start_every` grid (quarter hours: 09:00, 09:30,
    not 09:25, which looks machine-made); the next one starts on the first grid
    time after the slot and its buffer, so the buffer stays a gap.

    The grid is laid out in wall-clock time, so a 09:00 slot stays 09:00 across
    DST changes. A slot whose start falls in a spring-forward gap, or which
    straddles a change (its wall-clock length would differ from its real
    length), is skipped; ambiguous fall-back times take their first occurrence
    (fold=0), so no two slots coincide.
    """
    zone = ZoneInfo(zone_name)
    slots: list[Slot] = []
    for span_start, span_end in spans:
        wall = _on_grid(datetime.combine(day, span_start), every)
        limit = datetime.combine(day, span_end)
        while wall + length <= limit:
            start_at = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0
            end_at = start_at + length
            # Both ends must read as planned; a gap or a DST change in between won't.
            if _wall(start_at, zone) == wall and _wall(end_at, zone) == wall + length:
                slots.append(Slot(start_at, end_at))
            wall = _on_grid(wall + length + buffer, every)
    return tuple(slots)


def _on_grid(wall: datetime, every: timedelta) -> datetime:
    """The first wall-clock time at or after `wall` on the `every` grid from midnight."""
    rest = (wall - datetime.combine(wall.date(), time())) % every
    return wall + (every - rest) if rest else wall


def _wall(at: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of instant `at` in `zone`."""
    return at.astimezone(zone).replace(tzinfo=None)


def _clashes(slot: Slot, blocker: Interval) -> bool:
    return slot.start_at < blocker.end_at and blocker.start_at < slot.end_at


def _apart(slots: list[Slot], buffer: timedelta) -> list[Slot]:
    """Sorted, keeping the earlier of two slots closer than the buffer.

    Only overlapping spans in the hours produce these; offering both would
    let two people book the same time, or two calls with no gap between.
    """
    kept: list[Slot] = []
    for slot in sorted(slots, key=lambda s: s.start_at):
        if not kept or kept[-1].end_at + buffer <= slot.start_at:
            kept.append(slot)
    return kept


def matches(local: datetime, preference: Preference) -> bool:
    start = local.time()
    return (
        (not preference.weekdays or local.weekday() in preference.weekdays)
        and (not preference.day_parts or day_part(start) in preference.day_parts)
        and (preference.earliest is None or start >= preference.earliest)
        and (preference.latest is None or start <= preference.latest)
    )


class _Local(NamedTuple):
    """A slot with its start read in the person's zone, its day and day part."""

    slot: Slot
    at: datetime
    day: date
    part: DayPart


def _spread(
    slots: Sequence[_Local], count: int, picked: Sequence[_Local]
) -> list[_Local]:
    """Up to `count` of the (sorted) `slots`, one day at a time.

    Each pick goes to the least-used day (earliest first), and within it to the
    day part after the previous pick's, so offers alternate morning/afternoon.
    Days and parts already in `picked` count as used.
    """
    if count <= 0:
        return []
    buckets: dict[date, dict[DayPart, list[_Local]]] = {}
    for local in slots:
        buckets.setdefault(local.day, {}).setdefault(local.part, []).append(local)
    uses = Counter(p.day for p in picked)
    last = picked[-1].part if picked else None
    chosen: list[_Local] = []
    while len(chosen) < count and buckets:
        day = min(buckets, key=lambda d: (uses[d], d))
        parts = buckets[day]
        part = _next_part(parts.keys(), last)
        same_day = [p.slot for p in (*picked, *chosen) if p.day == day]
        chosen.append(_farthest(parts[part], same_day))
        if not parts[part]:
            del parts[part]
        if not parts:
            del buckets[day]
        uses[day] += 1
        last = part
    return chosen


def _farthest(candidates: list[_Local], taken: Sequence[Slot]) -> _Local:
    """Remove and return the candidate farthest from the day's slots already taken.

    Two offers on one day then sit apart (09:00 and 11:30), not back to back.
    """
    if not taken:
        return candidates.pop(0)
    best = max(
        range(len(candidates)),
        key=lambda i: (
            min(abs(candidates[i].slot.start_at - t.start_at) for t in taken),
            -i,
        ),
    )
    return candidates.pop(best)


def _next_part(available: Collection[DayPart], last: DayPart | None) -> DayPart:
    """The first available part after `last` in morning-afternoon-evening order."""
    start = 0 if last is None else _PART_ORDER.index(last) + 1
    rotation = _PART_ORDER[start:] + _PART_ORDER[:start]
    return next(p for p in rotation if p in available)
