"""Windows time zone names, as Outlook and Exchange write them in TZID, read as
IANA zones. Pure (the table is package data).

Exchange names a zone by its Windows id (``W. Europe Standard Time``) or by
the display name Windows shows (``(UTC+01:00) Amsterdam, Berlin, Bern, Rome,
Stockholm, Vienna``), often with no VTIMEZONE. Both are data: icalendar's
WINDOWS_TO_OLSON for ids, and CLDR's display names (``windows_zones.tsv``)
for the rest.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from mailflow import patterns

MAX_NAME_CHARS: Final = 255
"""Longer names name no zone; they are not looked up."""

_WINDOWS_FOLDED: Final = {
    key.casefold(): value for key, value in WINDOWS_TO_OLSON.items()
}
_PREFIX: Final = patterns.compile(
    r"^\(\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?:[:.]?(\d{2}))?)?\s*\)\s*(.*)$",
    re.IGNORECASE,
)
_REGIONS: Final = (
    "Europe",
    "America",
    "Asia",
    "Africa",
    "Australia",
    "Pacific",
    "Atlantic",
    "Indian",
)
_MAX_CITIES: Final = 12
_SAMPLE_DAYS: Final = (date(2025, 1, 15), date(2025, 7, 15))


def windows_zone(name: str) -> str | None:
    """The IANA zone name for a Windows zone id (``W. Europe Standard Time``)."""
    cleaned = name.strip().strip('"').strip()
    return WINDOWS_TO_OLSON.get(cleaned) or _WINDOWS_FOLDED.get(cleaned.casefold())


def display_zone(name: str) -> str | None:
    """The IANA zone an Outlook display name means, or None.

    ``(UTC+01:00) Amsterdam, Berlin, …`` is looked up by its places in the
    Windows list (with or without the offset, ``GMT`` or ``UTC``, ``&`` or
    ``and``); a bare offset, ``(GMT +01:00)``, is that fixed offset. A name
    the list lacks (an older Windows spelling) is read by its first place
    that is an IANA city with that standard offset.
    """
    cleaned = " ".join(name.strip().strip('"').split())
    if len(cleaned) > MAX_NAME_CHARS:
        return None
    found = _PREFIX.match(cleaned)
    places = found[4] if found is not None else cleaned
    windows = _display_names().get(_key(places))
    if windows is not None:
        return WINDOWS_TO_OLSON.get(windows)
    if found is None:
        return None
    sign, hours, minutes = found[1], int(found[2] or 0), int(found[3] or 0)
    offset_minutes = (-1 if sign == "-" else 1) * (hours * 60 + minutes)
    if not places:
        return _fixed(offset_minutes)
    return _city(places, offset_minutes)


@cache
def _display_names() -> dict[str, str]:
    """Windows ids by display name (its places, `_key`ed), read once."""
    text = resources.files("mailflow.reading").joinpath("windows_zones.tsv")
    names = {}
    for line in text.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        display, windows = line.split("\t")
        found = _PREFIX.match(display)
        names[_key(found[4] if found is not None else display)] = windows
    return names


def _key(places: str) -> str:
    return " ".join(places.replace("&", " and ").split()).casefold()


def _fixed(offset_minutes: int) -> str | None:
    """Etc/GMT-1 is UTC+01:00 (the POSIX sign); only whole hours have one."""
    hours, rest = divmod(abs(offset_minutes), 60)
    if rest or hours > 14:
        return None
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset_minutes > 0 else '+'}{hours}"


def _city(places: str, offset_minutes: int) -> str | None:
    offset = timedelta(minutes=offset_minutes)
    for place in places.split(",")[:_MAX_CITIES]:
        city = "_".join(place.replace(".", "").split())
        if not city or not city.replace("_", "").replace("-", "").isalpha():
            continue
        for region in _REGIONS:
            try:
                zone = ZoneInfo(f"{region}/{city}")
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
            for day in _SAMPLE_DAYS:
                moment = datetime.combine(day, time(12), tzinfo=zone)
                utc, dst = moment.utcoffset(), moment.dst()
                if utc is not None and dst is not None and utc - dst == offset:
                    return f"{region}/{city}"
    return None
