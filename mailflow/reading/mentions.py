"""Days, dates and times in a reply, found and masked. Pure.

Shared by the readers of the person's reply (`reply`) and the therapist's
(`therapist`): `scan` finds every day, date and time mention and masks every
number that is no choice (phones, quantities, addresses, zones), so that the
numbers left over can only be choices; `grouped` joins the parts of one mention
and tells those said positively from those turned down.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from enum import Enum
from typing import Final

from mailflow import patterns
from mailflow.model import (
    Slot,
)
from mailflow.reading.seen_offset import SeenOffset

MAX_READ_CHARS: Final = 8 * 1024
"""A pick or an approval is short; only the head of the new words is read, which
also keeps every pattern cheap on hostile input."""

_END: Final = 1 << 62  # sorts after every position

CANCEL_NEGATED = patterns.compile(
    r"(?:\b(?:not|never|no need to|without)\b|n't\b)\W+(?:\w+\W+){0,2}$", re.IGNORECASE
)
"""A "cancel" with a "not" just before it ("no need to cancel")."""


class Kind(Enum):
    WEEKDAY = "weekday"  # value: Monday=0
    DATE = "date"  # value: day of month, month
    DAY = "day"  # value: day of month ("the 27th")
    TIME = "time"  # clocks: every reading ("at 2" may be 02:00 or 14:00)
    PART = "part"  # hours: [start, end) of "morning" ...
    DAY_OR_HOUR = "day-or-hour"  # "Monday 9": the 9th, or 9 o'clock


@dataclass(frozen=True, slots=True)
class Part:
    """One day, date or time mention, found at [start, end) of the reading text."""

    start: int
    end: int
    kind: Kind
    value: int = 0
    month: int = 0
    clocks: frozenset[time] = frozenset()
    hours: tuple[int, int] = (0, 24)


@dataclass(slots=True)
class Scan:
    """A reply's text with every day, date, time, phone and quantity found and
    masked, so that the numbers left over can only be choices."""

    text: str
    masked: str
    parts: list[Part] = field(default_factory=list)
    clauses: list[tuple[int, int, bool]] = field(default_factory=list)  # negated?

    def negated(self, start: int) -> bool:
        """Whether the clause holding this position says "not"."""
        index = bisect_right(self.clauses, (start, _END, True)) - 1
        if index < 0:
            return False
        low, high, negated = self.clauses[index]
        return negated and low <= start < high


_MASK: Final = "~"
_MONTHS: Final = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?P<mon>january|february|march|april|(?-i:May|MAY)|june|july|august|september"
    r"|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = patterns.compile(
    r"(?<![\w'])(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|thurs|thur|thu|fri|(?-i:Wed|Weds|WED|Sat|SAT|Sun|SUN)"
    r"|(?:weds|wed|sat|sun)(?=\.?,?\s+(?:at\s+|the\s+|@\s*)?\d))(?P<plural>s)?\.?(?!\w)",
    re.IGNORECASE,
)
"""Lower-case "wed", "sat" and "sun" are ordinary words unless a date or time follows."""
_AFTER_WEEKDAY = patterns.compile(
    r"\.?,?\s*(?P<the>the\s+)?(?P<d>\d{1,2})(?P<suffix>st|nd|rd|th)?"
    r"(?![\w:.]|\s*(?:[ap]\.?m\b|o'?\s*clock|h\b))",
    re.IGNORECASE,
)
_DATE_DAY_MONTH = patterns.compile(
    rf"(?<![\w:.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{MONTH}(?!\w)",
    re.IGNORECASE,
)
_DATE_MONTH_DAY = patterns.compile(
    rf"(?<![\w]){MONTH}\s*(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\w:]|\.\d)",
    re.IGNORECASE,
)
_DATE_NUMERIC = patterns.compile(
    r"(?<![\w:./])(?P<a>\d{1,2})(?:/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?"
    r"|\.(?P<b2>\d{1,2})\.(?P<y2>\d{2}|\d{4})?)(?![\w/]|\.\d)",
)
_THE_DAY = patterns.compile(
    r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)(?!\w)(?!\s+(?:one|option|slot|choice)\b)",
    re.IGNORECASE,
)
_MERIDIEM = r"(?:\s*(?P<ap>[ap])\.?\s?m\.?(?!\w))"
_TIME_PATTERNS: Final = (
    patterns.compile(
        rf"(?<![\w:.])(?P<h>\d{{1,2}})[:.](?P<m>[0-5]\d)(?![\d:]){_MERIDIEM}?",
        re.IGNORECASE,
    ),
    patterns.compile(r"(?<![\w:.])(?P<h>\d{1,2})h(?P<m>[0-5]\d)?(?!\w)", re.IGNORECASE),
    patterns.compile(rf"(?<![\w:.])(?P<h>\d{{1,2}}){_MERIDIEM}", re.IGNORECASE),
    patterns.compile(r"(?<![\w:.])(?P<h>\d{1,2})\s*o'?\s*clock\b", re.IGNORECASE),
    patterns.compile(
        r"(?:(?<!\w)(?:at|around|about)\s+|@\s*)(?P<h>\d{1,2})"
        r"(?!\w|[:.]\d|\s*(?:st|nd|rd|th|or|and|/)\b)",
        re.IGNORECASE,
    ),
)
_NOON = patterns.compile(r"\b(?:12\s*)?(?:noon|midday|mid-day)\b", re.IGNORECASE)
_BOUND_BEFORE = patterns.compile(
    r"(?:\b(?:after|before|from|until|till|til|by|later than|earlier than|between"
    r"|not before|not after|no later than|no earlier than)\s*(?:at\s*)?$"
    r"|\bbetween\b[^.,;!?]{0,20}\band\s*$)",
    re.IGNORECASE,
)
"""A time after these is a bound ("after 5"), a preference rather than a pick."""
_BOUND = patterns.compile(
    r"\b(?:after|before|from|until|till|til|by|later than|earlier than|no later than"
    r"|no earlier than|not before|not after|between)\s+(?:at\s+)?\d{1,2}(?:[:.][0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?(?!\w)(?:\s*(?:and|-|to|\u2013)\s*\d{1,2}(?:[:.][0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?(?!\w))?",
    re.IGNORECASE,
)
_DAY_PART = patterns.compile(
    r"\b(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|lunchtime)\b", re.IGNORECASE
)
_PART_HOURS: Final = {
    "morning": (0, 12),
    "afternoon": (12, 17),
    "evening": (17, 24),
    "lunchtime": (11, 14),
}
_JOINER = patterns.compile(
    r"^(?:[\s,\-\u2013\u2014@(]|\b(?:at|on|the|of|in|around|about|from)\b)*$",
    re.IGNORECASE,
)
"""What may stand between the parts of one mention ("Tuesday, 27 October at 10:30")."""
_ZONE = patterns.compile(
    r"\b(?:utc|gmt|bst|cet|cest|est|edt|cst|cdt|pst|pdt)\b"
    r"(?:\s*[+\-\u2212]\s*\d{1,2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_QUANTITY = patterns.compile(
    r"(?<![\w:.])\d{1,4}\s*-?\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?"
    r"|years?|yrs?|sessions?|calls?|people|persons?|kids|children|child|sons?"
    r"|daughters?|questions?|things?|of\s+(?:them|those|these|us))\b",
    re.IGNORECASE,
)
_ADDRESS = patterns.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE_RUN = patterns.compile(r"\+?\(?\d[\d \t().\-]{5,}\d")
_PHONE_HEAD = patterns.compile(r"\d{1,2}[ \t]+")
_CLAUSE_BREAK = patterns.compile(
    r"[.;!?\n,]+|\s[-\u2013\u2014]+\s"
    r"|\b(?:but|however|although|though|except|whereas|instead(?!\s+of\b)|otherwise|so)\b"
    r"|(?=\b(?:instead\s+of|rather\s+than|in\s+place\s+of|(?:better|easier)\s+than(?!\s+nothing))\b)"
    r"|\b(?:as|because|since|cos|cause)\s+(?=i\b|i'|my\b|we\b|the\s+kids\b)",
    re.IGNORECASE,
)
"""Where a clause ends; a reason ("as I finish work at 4.30") is a clause of its own,
and so is what is turned down for another ("Wednesday instead of Tuesday")."""
NEGATION = patterns.compile(
    r"\b(?:not|cannot|can not|unable|busy|unavailable|impossible|no good|neither|nor"
    r"|none|never|away|on holiday|on leave|travell?ing|working|i work|at work"
    r"|(?:start|finish)\s+work|(?:have|'ve\s+got|have\s+got|got)\s+(?:work|school"
    r"|an?\s+(?:appointment|meeting|interview|class|lecture|shift))"
    r"|(?:pick|picking|collect|collecting|drop|dropping|fetch|fetching)\s+(?:up\s+|off\s+)?"
    r"(?:my|the|our)\s+(?:son|daughter|kids|children|boys|girls|little\s+one)"
    r"|(?:have|'ve\s+got|have\s+got|got)\s+(?:a\s+|an\s+)?(?:supervision|clinic|client|training"
    r"|ward\s+round)(?=\s+(?:~|then|till|until|from|that|on|all))"
    r"|school\s+run|instead\s+of|rather\s+than|in\s+place\s+of|(?:better|easier)\s+than(?!\s+nothing)"
    r"|apart\s+from(?!\s+that)|other\s+than(?!\s+that)"
    r"|(?:is|'s|have|got|attending|at|on|for)\s+(?:a\s+|the\s+|my\s+|his\s+|her\s+|\w+'s\s+)*(?:funeral|wake|cremation)"
    r"|(?:funeral|wake|cremation)\s+(?:is|on|that|then))\b"
    r"|n't\b",
    re.IGNORECASE,
)
"""A clause with these turns its times down ("I'm away on the 27th", "I start
work at 9 on Monday", "I've got a meeting at 2", "I pick up my son at half 5",
"the 4th is my mum's funeral", "other than Tuesday"; the therapist's "I have
supervision at 9", "I've got a client then")."""
_MONTH_FIRST_REGIONS: Final = frozenset(
    {"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH"}
)
"""Where "3/11" means March 11th."""


_NOT_TYPED_BARE = patterns.compile(
    r"\b(does|wo|would)(nt)(?=\s+(?:really\s+)?(?:work|suit|fit)\b)",
    re.IGNORECASE,
)
"""A time turned down on a phone, its apostrophe not typed ("option 2
doesnt work for me", "number 5 wouldnt work", "2 wont suit"): read as said
(they were booked). Only these words: every other "n't" beside a time is
read as turning it down, and "doesnt clash", "couldnt be better", "I dont
work Tuesdays" are not that."""


_ANYTHING_BUT = patterns.compile(
    r"\b(?P<all>anything|everything|all|any(?:\s+(?:one|day|time|of\s+(?:them|those|these)))?"
    r"|whichever(?:\s+one)?)\s+but(?=\s+(?:the\s+|that\s+|option\s+|number\s+|no\.?\s*)?"
    r"(?:mon|tue|wed|thu|fri|sat|sun|\d|first|second|third|last|one\b|early|late"
    r"|morning|afternoon|evening|lunch))",
    re.IGNORECASE,
)
""""Anything but the Thursday one", "all but Thursday", "any of them but
2": "but" is "other than" here (a turning-down, `NEGATION`), not the start
of a clause that picks what follows it. Only before a day, a number, a
part of the day: "I can do anything but I'd prefer Thursday" is a "but"."""


def other_than(text: str) -> str:
    """A person's "anything but Thursday" as "anything other than Thursday"
    (`_ANYTHING_BUT`), so that the day is turned down, not picked. The
    person's reader only: the therapist's "Yes, anything but Friday works"
    is asked as before (read so, it left a plain yes: helper-287)."""
    return _ANYTHING_BUT.sub(lambda m: f"{m['all']} other than", text)


def normalize(text: str) -> str:
    """NFKC, one apostrophe, no-break spaces as spaces, "doesnt work" as
    "doesn't work", cut to MAX_READ_CHARS."""
    text = unicodedata.normalize("NFKC", text[: MAX_READ_CHARS * 2])[:MAX_READ_CHARS]
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("`", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u00a0", " ")
    )
    return _NOT_TYPED_BARE.sub(lambda m: f"{m[1]}{m[2][0]}'{m[2][1]}", text)


def scan(text: str, region: str, *, both_readings: bool) -> Scan:
    """Find the parts of every day/date/time mention and mask everything that is
    a number but no choice (phones, dates, times, quantities, addresses, zones)."""
    scanner = _Scanner(text)
    for pattern in (_ADDRESS, _ZONE, _QUANTITY, _BOUND):
        for found in pattern.finditer(text):
            scanner.mask(found.start(), found.end())
    for start, end in _phone_spans(text):
        scanner.mask(start, end)
    month_first = region.upper() in _MONTH_FIRST_REGIONS
    for pattern in (_DATE_DAY_MONTH, _DATE_MONTH_DAY):
        for found in pattern.finditer(text):
            scanner.date(found, int(found["d"]), _month(found["mon"]))
    for found in _DATE_NUMERIC.finditer(text):
        first, second = int(found["a"]), int(found["b"] or found["b2"] or 0)
        if month_first and found["b"]:
            first, second = second, first
        scanner.date(found, first, second, named=False)
    for pattern in _TIME_PATTERNS:
        for found in pattern.finditer(text):
            groups = found.groupdict()
            clocks = readings(
                int(found["h"]),
                int(groups.get("m") or 0),
                groups.get("ap"),
                found["h"],
                both=both_readings,
            )
            scanner.clock(found.start(), found.end(), clocks)
    for found in _NOON.finditer(text):
        scanner.clock(found.start(), found.end(), frozenset({time(12)}))
    for found in _WEEKDAY.finditer(text):
        scanner.weekday(found)
    for found in _THE_DAY.finditer(text):
        scanner.day(found.start("d"), found.end(), int(found["d"]), Kind.DAY)
    for found in _DAY_PART.finditer(text):
        hours = _PART_HOURS[found["part"].lower()]
        scanner.parts.append(Part(found.start(), found.end(), Kind.PART, hours=hours))
    return scanner.done()


class _Scanner:
    """Builds a Scan: each found span is masked once, so patterns that run later
    never read the same characters again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = list(text)
        self.parts: list[Part] = []

    def taken(self, start: int, end: int) -> bool:
        return _MASK in self.chars[start:end]

    def mask(self, start: int, end: int) -> None:
        """Hide a span, keeping spaces and full stops: they still end clauses."""
        for index in range(start, end):
            if not (self.chars[index].isspace() or self.chars[index] == "."):
                self.chars[index] = _MASK

    def date(
        self, found: re.Match[str], day: int, month: int, *, named: bool = True
    ) -> None:
        """A date; with a named month even an impossible one ("31 November") is
        kept, so that it matches nothing instead of leaving its time alone."""
        if self.taken(found.start(), found.end()):
            return
        if not (named or _valid_day(day, month)):
            return
        self.mask(found.start(), found.end())
        self.parts.append(
            Part(found.start(), _end(found), Kind.DATE, value=day, month=month)
        )

    def clock(self, start: int, end: int, clocks: frozenset[time]) -> None:
        if self.taken(start, end):
            return
        self.mask(start, end)
        if clocks and not _BOUND_BEFORE.search(self.text[max(0, start - 30) : start]):
            self.parts.append(Part(start, end, Kind.TIME, clocks=clocks))

    def weekday(self, found: re.Match[str]) -> None:
        if self.taken(found.start(), found.end()):
            return
        self.mask(found.start(), found.end())
        if found["plural"]:
            return  # "Tuesdays are good": a habit, not one of the offered times
        weekday = _WEEKDAYS.index(found["wd"][:3].lower())
        self.parts.append(Part(found.start(), _end(found), Kind.WEEKDAY, value=weekday))
        after = _AFTER_WEEKDAY.match(self.text, found.end())
        if after:
            day = int(after["d"])
            plain = not (after["the"] or after["suffix"] or day > 12)
            kind = Kind.DAY_OR_HOUR if plain else Kind.DAY
            self.day(after.start("d"), after.end(), day, kind)

    def day(self, start: int, end: int, day: int, kind: Kind) -> None:
        if self.taken(start, end):
            return
        self.mask(start, end)
        if 1 <= day <= 31:
            self.parts.append(Part(start, end, kind, value=day))

    def done(self) -> Scan:
        masked = "".join(self.chars)
        parts = sorted(self.parts, key=lambda part: part.start)
        return Scan(self.text, masked, parts, _clauses(masked))


def _end(found: re.Match[str]) -> int:
    """Where a mention ends: an abbreviation's full stop may also end a sentence."""
    return found.end() - found.group().endswith(".")


def _valid_day(day: int, month: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= (29 if month == 2 else 30 if month in {4, 6, 9, 11} else 31)


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def readings(
    hour: int, minute: int, meridiem: str | None, written: str, *, both: bool
) -> frozenset[time]:
    """The clock times a written hour can mean.

    With am/pm it is exact. "14:00" and "09:30" are 24-hour as written. A bare
    1-11 is either half of the day for a person (the slots decide), and for the
    therapist 1-7 means pm ("at 2" is 14:00), as an afternoon practice reads it.
    """
    if meridiem:
        if not 1 <= hour <= 12:
            return frozenset()
        return frozenset(
            {time(hour % 12 + (12 if meridiem.lower() == "p" else 0), minute)}
        )
    if hour > 23:
        return frozenset()
    if hour >= 12 or hour == 0 or written.startswith("0"):
        return frozenset({time(hour, minute)})
    if both:
        return frozenset({time(hour, minute), time(hour + 12, minute)})
    return frozenset({time(hour + 12 if hour <= 7 else hour, minute)})


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Spans of phone-like digit runs (7+ digits); a short leading group such as
    the "2" in "2 07700 900123" is left outside, since it may be the choice."""
    spans: list[tuple[int, int]] = []
    for found in _PHONE_RUN.finditer(text):
        start, run = found.start(), found.group()
        head = _PHONE_HEAD.match(run)
        if head and sum(ch.isdigit() for ch in run[head.end() :]) >= 7:
            start, run = start + head.end(), run[head.end() :]
        if sum(ch.isdigit() for ch in run) >= 7:
            spans.append((start, start + len(run)))
    return spans


def _clauses(masked: str) -> list[tuple[int, int, bool]]:
    """Clause spans and whether each is negated ("Tuesday doesn't work")."""
    clauses: list[tuple[int, int, bool]] = []
    start = 0
    for found in _CLAUSE_BREAK.finditer(masked):
        clauses.append(
            (start, found.start(), bool(NEGATION.search(masked, start, found.start())))
        )
        start = found.end()
    clauses.append((start, len(masked) + 1, bool(NEGATION.search(masked, start))))
    return clauses


def grouped(scan: Scan) -> tuple[list[list[Part]], list[list[Part]]]:
    """Parts grouped into mentions ("Tuesday 27 October at 10:30" is one),
    split into those said positively and those negated."""
    groups: list[list[Part]] = []
    for part in scan.parts:
        if groups and _JOINER.match(scan.text[groups[-1][-1].end : part.start]):
            groups[-1].append(part)
        else:
            groups.append([part])
    positive: list[list[Part]] = []
    negative: list[list[Part]] = []
    for group in groups:
        if all(part.kind is Kind.PART for part in group):
            continue  # "in the morning" alone is a preference, not one slot
        if any(scan.negated(part.start) for part in group):
            negative.append(group)
        else:
            positive.append(group)
    return positive, negative


def _holds(part: Part, local: datetime) -> bool:
    if part.kind is Kind.WEEKDAY:
        return local.weekday() == part.value
    if part.kind is Kind.DATE:
        return (local.day, local.month) == (part.value, part.month)
    if part.kind is Kind.DAY:
        return local.day == part.value
    if part.kind is Kind.TIME:
        return local.time().replace(second=0, microsecond=0) in part.clocks
    if part.kind is Kind.PART:
        return part.hours[0] <= local.hour < part.hours[1]
    return local.day == part.value or (
        local.minute == 0 and local.hour in {part.value, part.value + 12}
    )


def _local_times(slot: Slot, zones: Sequence[tzinfo]) -> list[datetime]:
    times: list[datetime] = []
    for zone in zones:
        if isinstance(zone, SeenOffset) and not zone.holds_at(slot.start_at):
            # The offset their mail showed may not be their clock by then (a
            # New Yorker writing in October of a November call): their "8am"
            # could be either hour, so it names no slot and they are asked.
            continue
        try:
            times.append(slot.start_at.astimezone(zone))
        except (OverflowError, ValueError, TypeError):
            continue  # a zone that cannot show this instant matches nothing
    return times


def candidates(
    mention: Sequence[Part], offered: Sequence[Slot], zones: Sequence[tzinfo]
) -> set[int]:
    """1-based numbers of the offered slots the mention fits, in any one zone."""
    return {
        number
        for number, slot in enumerate(offered, start=1)
        if any(
            all(_holds(part, local) for part in mention)
            for local in _local_times(slot, zones)
        )
    }
