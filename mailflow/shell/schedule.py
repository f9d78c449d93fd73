"""What is taken and what is free, for one run. Shell: reads the store and busy calendars.

One place answers "can a call go here?", so the offer, the pick, the approval
and the therapist's own proposal all use the same rules: opening hours, other
people's holds and bookings, the therapist's busy calendars, and the buffer
around all of them. A hold blocks its time until it is approved, withdrawn or
let go by the clock (`timing`'s hold steps), never silently by age.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from mailflow.deciding import availability
from mailflow.errors import BusyCalendarError
from mailflow.model import Interval, Preference, Slot
from mailflow.shell import budget, busy_cache

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.busy import FeedRead
    from mailflow.shell.store import Store


log = logging.getLogger("mailflow")

LAST_GOOD_FOR = timedelta(hours=24)
"""How long a busy calendar read stays usable when a later read fails (the read
covers the horizon plus this much, so a fallback never leaves days unknown)."""
_LAST_GOOD = "busy:last_good"
_FREE_KEPT = 64
"""Answers of `Schedule.free` (and of `offer`) kept in one run."""


def _sources_key(sources: tuple[str, ...]) -> str:
    """The calendars read, as a hash: a feed URL carries its secret."""
    return hashlib.sha256(json.dumps(list(sources)).encode()).hexdigest()


class Schedule:
    """Free and taken time as of `now`; busy calendars are read at most once."""

    def __init__(self, settings: Settings, store: Store, now: datetime) -> None:
        self.settings = settings
        self.store = store
        self.now = now
        self._busy: list[Interval] | None = None
        self._failed: BusyCalendarError | None = None
        self.skipped: list[FeedRead] = []
        """Calendars read this run that left events out (told to the therapist)."""
        self._free: dict[
            tuple[timedelta | None, tuple[Interval, ...], tuple[Interval, ...]],
            tuple[Slot, ...],
        ] = {}
        self._offers: dict[
            tuple[int, int, Preference, tzinfo | None],
            tuple[tuple[Slot, ...], tuple[Slot, ...]],
        ] = {}

    @property
    def _buffer(self) -> timedelta:
        return timedelta(minutes=self.settings.availability.buffer_minutes)

    def calls(
        self, except_enquiry: int | None = None, *, since: datetime, until: datetime
    ) -> list[Interval]:
        """Bookings, pending holds and moves waiting for approval: every call
        that blocks a slot between `since` and `until`, and the calls of the
        local days they touch (they count toward `max_calls_per_day`).

        Read by time range on an index: the history of past bookings is
        never walked."""
        length = timedelta(minutes=self.settings.availability.slot_minutes)
        # A local day is at most 25 hours, the buffer and a call's length
        # reach past the window's ends: two days each side cover all of it.
        margin = timedelta(days=2) + self._buffer + length
        since, until = since - margin, until + margin
        moves = [
            Interval(start, start + length)
            for start in self.store.pending_moves(
                except_enquiry=except_enquiry, since=since - length, until=until
            )
        ]
        taken = self.store.taken_intervals(
            except_enquiry=except_enquiry, since=since, until=until
        )
        return [*taken, *moves]

    def busy(self) -> list[Interval]:
        """The therapist's own busy time from `availability.busy_calendars`.

        Read at most once a run. A failed read falls back to the last good one
        while it is younger than `LAST_GOOD_FOR`; else the failure stands for
        the rest of the run (one fetch and one timeout, not one per mail).
        """
        if self._failed is not None:
            raise self._failed
        if self._busy is None:
            sources = self.settings.availability.busy_calendars
            # A calendar taken out of the config takes its cached read (event
            # titles of the therapist's own diary) with it.
            self.store.keep_busy_feeds({busy_cache.key(s) for s in sources})
            if not sources and not self.settings.caldav.reads_busy:
                self._busy = []
            else:
                try:
                    # Read for whichever mail first needs it, not that mail's
                    # work: none of its CPU budget (#14).
                    with budget.paused():
                        self._busy = self._load(sources)
                except BusyCalendarError as exc:
                    self._busy = self._last_good()
                    if self._busy is None:
                        self._failed = exc
                        raise
                    log.warning("%s Using the copy read before.", exc)
        return self._busy

    def _load(self, sources: tuple[str, ...]) -> list[Interval]:
        from mailflow.shell.busy import load_feeds

        horizon = timedelta(days=self.settings.availability.horizon_days + 1)
        start_at = self.now - timedelta(days=1)
        end_at = self.now + horizon + LAST_GOOD_FOR
        feeds = load_feeds(
            sources,
            start_at=start_at,
            end_at=end_at,
            zone_name=self.settings.practice.timezone,
            store=self.store,
        )
        self.skipped = [feed for feed in feeds if feed.read.skipped]
        busy = {i for feed in feeds for i in feed.read.intervals}
        if self.settings.caldav.reads_busy:
            from mailflow.shell import caldav_busy

            busy.update(
                caldav_busy.read_busy(
                    self.settings.caldav, start_at=start_at, end_at=end_at
                )
            )
        found = sorted(busy, key=lambda i: (i.start_at, i.end_at))
        self.store.set_meta(
            _LAST_GOOD,
            json.dumps(
                {
                    "read_at": self.now.isoformat(),
                    "sources": self._sources_key(),
                    "busy": [
                        [i.start_at.isoformat(), i.end_at.isoformat()] for i in found
                    ],
                }
            ),
        )
        return found

    def _sources_key(self) -> str:
        """The calendars read (a hash): the feeds, and the CalDAV calendar's
        free/busy when it is read too."""
        sources = self.settings.availability.busy_calendars
        caldav = self.settings.caldav
        if caldav.reads_busy:
            sources = (*sources, f"caldav:{caldav.url}#{caldav.calendar}")
        return _sources_key(sources)

    def _last_good(self) -> list[Interval] | None:
        """The busy time of the last good read, if recent and of the same calendars."""
        saved = self.store.get_meta(_LAST_GOOD)
        if saved is None:
            return None
        data = json.loads(saved)
        read_at = datetime.fromisoformat(data["read_at"])
        same = data["sources"] == self._sources_key()
        if not same or not timedelta(0) <= self.now - read_at <= LAST_GOOD_FOR:
            return None
        return [
            Interval(datetime.fromisoformat(a), datetime.fromisoformat(b))
            for a, b in data["busy"]
        ]

    def free(
        self, except_enquiry: int | None = None, *, notice: timedelta | None = None
    ) -> list[Slot]:
        """Open slots; `notice` replaces `min_notice_hours` (a time already
        offered stays takeable closer to its start than a new offer would be)."""
        return list(self._open(except_enquiry, notice))

    def offer(
        self, *, preference: Preference, person_zone: tzinfo | None
    ) -> list[Slot]:
        """`availability.choose_offer` of the open slots, for a first offer.

        Pure in what it is given, so asked once per distinct question in a run:
        a backlog of requests asks the same one again and again."""
        free = self._open(None, None)
        count = self.settings.availability.offer_count
        key = (id(free), count, preference, person_zone)
        known = self._offers.get(key)
        if known is None or known[0] is not free:
            chosen = availability.choose_offer(
                free,
                count=count,
                zone_name=self.settings.practice.timezone,
                preference=preference,
                person_zone=person_zone,
            )
            if len(self._offers) >= _FREE_KEPT:
                self._offers.clear()
            known = self._offers[key] = (free, tuple(chosen))
        return list(known[1])

    def _open(
        self, except_enquiry: int | None, notice: timedelta | None
    ) -> tuple[Slot, ...]:
        rules = self.settings.availability.rules(self.settings.practice.timezone)
        if notice is not None:
            rules = replace(rules, min_notice=notice)
        calls = self.calls(
            except_enquiry,
            since=min(self.now, self.now + rules.min_notice),
            until=self.now + rules.horizon,
        )
        busy = self.busy()
        # A backlog asks again and again with the same calls (an offer holds
        # nothing): worked out once per distinct answer, read fresh every time.
        key = (notice, tuple(calls), tuple(busy))
        free = self._free.get(key)
        if free is None:
            free = tuple(
                availability.free_slots(rules, now=self.now, calls=calls, busy=busy)
            )
            if len(self._free) >= _FREE_KEPT:
                self._free.clear()
            self._free[key] = free
        return free

    def clear(self, slot: Slot, except_enquiry: int | None = None) -> bool:
        """Whether a call can go at `slot` off the grid (the therapist's own proposal)."""
        if slot.start_at <= self.now:
            return False
        blockers = [
            *self.calls(except_enquiry, since=slot.start_at, until=slot.end_at),
            *self.busy(),
        ]
        return not any(
            b.start_at - self._buffer < slot.end_at
            and slot.start_at < b.end_at + self._buffer
            for b in blockers
        )
