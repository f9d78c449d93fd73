"""A person's zone as their Date header showed it: a UTC offset, seen on a day. Pure.

A mail's Date header carries an offset, not a zone. "-0400" in October may be
New York's, an hour off by November, or Puerto Rico's, the same all year; so a
time shown "in your time" from the offset alone can be an hour wrong across a
daylight-saving change, and a person who trusts it misses the call. A time is
shown in the person's own time only where every zone of the world's clocks
(one for each rule Windows and CLDR know, icalendar's `WINDOWS_TO_OLSON`) that
had this offset the day they wrote has it at that time too; elsewhere only the
practice's time is shown, with its zone named. "+0000" says too little: many
mail programs and servers write UTC whatever the writer's clock, so no time is
shown in it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo


class SeenOffset(tzinfo):
    """A fixed offset (what times are worked out in, as before) that knows when
    it was seen, so `holds_at` can say whether it is still the person's clock."""

    __slots__ = ("_offset", "_seen")

    def __init__(self, offset: timedelta, seen: datetime) -> None:
        self._offset = offset
        self._seen = seen.astimezone(UTC)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self._offset

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None

    def fromutc(self, dt: datetime) -> datetime:
        return (dt + self._offset).replace(tzinfo=self)

    @property
    def seen(self) -> datetime:
        """When the offset was seen (UTC)."""
        return self._seen

    def holds_at(self, instant: datetime) -> bool:
        """Whether the person's clock surely shows this offset at `instant`."""
        return _holds(self._offset, self._seen, instant.astimezone(UTC))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeenOffset) and (self._offset, self._seen) == (
            other._offset,
            other._seen,
        )

    def __hash__(self) -> int:
        return hash((self._offset, self._seen))

    def __reduce__(self) -> tuple[type[SeenOffset], tuple[timedelta, datetime]]:
        return (SeenOffset, (self._offset, self._seen))

    def __repr__(self) -> str:
        return f"SeenOffset({self._offset!r}, {self._seen.isoformat()})"


@lru_cache(maxsize=1024)
def _holds(offset: timedelta, seen: datetime, at: datetime) -> bool:
    if not offset:
        return False
    zones = _zones_with(offset, seen)
    return bool(zones) and all(
        at.astimezone(zone).utcoffset() == offset for zone in zones
    )


@lru_cache(maxsize=256)
def _zones_with(offset: timedelta, seen: datetime) -> tuple[ZoneInfo, ...]:
    # A zone's offset at a moment: `utcoffset` of the moment seen there (given
    # a UTC datetime, `ZoneInfo.utcoffset` would read it as a wall time).
    return tuple(z for z in _clocks() if seen.astimezone(z).utcoffset() == offset)


@lru_cache(maxsize=1)
def _clocks() -> tuple[ZoneInfo, ...]:
    """One zone for each of the world's clock rules (loaded once, when a
    person abroad is first written to)."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    found = []
    for name in sorted(set(WINDOWS_TO_OLSON.values())):
        try:
            found.append(ZoneInfo(name))
        except (ValueError, OSError):  # a name this tzdata does not have
            continue
    return tuple(found)
