"""What a reply says: its new words, the person's pick, the therapist's decision. Pure.

Reading is precise rather than clever, and never raises: a reply that could be
read two ways comes back UNCLEAR (the person is asked once) or, from the
therapist, acts on nothing, because a call booked on a guess costs far more
than one short question.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum
from typing import Final

from mailflow.deciding import availability
from mailflow.model import (
    Decision,
    PersonReply,
    Preference,
    ReplyKind,
    Slot,
    TherapistReply,
    WallTime,
)
from mailflow.reading import intent, picking
from mailflow.reading.extract import extract_phone, extract_preference

MAX_REPLY_CHARS: Final = 64 * 1024
"""new_words reads this much; parse.py already cuts bodies here."""

MAX_READ_CHARS: Final = 8 * 1024
"""A pick or an approval is short; only the head of the new words is read, which
also keeps every pattern cheap on hostile input."""

MAX_NOTE_CHARS: Final = 2000
"""The therapist's note to the person is cut here."""

_MAX_HEADER_CHARS: Final = 400  # a quote header ("On ... wrote:") is never longer
_HEADER_LINES: Final = 3  # mail programs wrap it over at most this many lines
_MAX_SIGNATURE_CHARS: Final = 120
_END: Final = 1 << 62  # sorts after every position

# --- new words -----------------------------------------------------------------

_QUOTED = re.compile(r"^[ \t]*>")
_WROTE = re.compile(
    r"(?:\b(?:wrote|writes)|\ba\s+[ée]crit|\bescribi[óo]|\bha\s+scritto|\bescreveu"
    r"|\bkirjoitti|\bnapisa[łl](?:\(a\))?|\bнаписал[аи]?(?:\s*\(а\))?|\bпишет"  # noqa: RUF001 (Cyrillic on purpose)
    r"|\b(?:schrieb|schreef|skrev)\b.{0,200}|写道)\s*[:：]\s*$",  # noqa: RUF001 (full-width colon on purpose)
    re.IGNORECASE,
)
"""The end of a quote header in the languages people write to a practice in:
"On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :", "Op ... schreef
... het volgende:", "El ... escribió:", "... написал:" and more."""
_VERB = re.compile(
    r"wrote|writes|crit|escribi|scritto|escreveu|kirjoitti|napisa|написал|пишет"
    r"|schrieb|schreef|skrev|写道",
    re.IGNORECASE,
)
"""A cheap first look: a header line without one of these verbs is no header."""
_HEADER_CLUE = re.compile(r"[\d@]")  # a real header names a date or an address
_HEADER_BEGIN = re.compile(r"(?:On|Am|Le|Op|El|Il|Em|Den|Dne|Dnia)\s|\d")
_WRAPPED = re.compile(r"[<,(]$|^(?-i:On|Am|Le|Op|El|Il|Em|Den)\s.*\d.*[^.!?]$")
_OPENER = re.compile(r"(?<=[.!?])\s+(?=(?:On|Am|Le|Op|El|Il|Em|Den)\s)")
_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|original-nachricht|urspr[üu]ngliche nachricht"
    r"|message d'origine|oorspronkelijk bericht|mensaje original|messaggio originale"
    r"|mensagem original|исходное сообщение|forwarded message|weitergeleitete nachricht"
    r"|message transf[ée]r[ée]|doorgestuurd bericht|mensaje reenviado)\s*-{2,}"
    r"|_{10,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)\s*$",
    re.IGNORECASE,
)
_FIELD_FROM = re.compile(
    r"^\s*\*?(?:from|von|de|van|от|da|fra|från|od|lähettäjä)\s*\*?\s*:",
    re.IGNORECASE,
)
_FIELDS = (
    r"\*?(?:sent|date|to|subject|cc|reply[ -]to|gesendet|datum|an|betreff"
    r"|envoy[ée]|[àa]|objet|verzonden|aan|onderwerp|enviado|fecha|para|asunto"
    r"|отправлено|дата|кому|тема|inviato|data|oggetto|sendt|til|emne|skickat"
    r"|till|ämne)\s*\*?\s*:"
)
_FIELD_OTHER = re.compile(r"^\s*" + _FIELDS, re.IGNORECASE)
_FIELD_INLINE = re.compile(r"\s" + _FIELDS, re.IGNORECASE)
"""Some HTML bodies put a whole header block on one line: "From: a Sent: b To: c"."""
_SIGNATURE = re.compile(
    r"^[ \t]*(?:--|__)[ \t]*$"
    r"|^[ \t]*(?:sent\s+(?:from|with|via|using)\s+\S|get\s+outlook\s+for\b"
    r"|envoy[ée]\s+(?:de|depuis)\s+mon\b|von\s+meinem\s+\S.{0,40}\s+gesendet"
    r"|gesendet\s+(?:von|mit|vom)\s|enviado\s+(?:desde|do|de)\s+(?:mi|meu)\b"
    r"|verzonden\s+(?:vanaf|met|van)\s|inviato\s+da\s|отправлено\s+(?:с|из)\s"  # noqa: RUF001 (Cyrillic on purpose)
    r"|skickat\s+fr[åa]n\s|sendt\s+fra\s).*$",
    re.IGNORECASE,
)
"""RFC 3676's "-- " delimiter and the lines phones and apps add."""


@dataclass(frozen=True, slots=True)
class _Header:
    last: int  # index of the header's last line
    marked: bool  # an "... wrote:" header, after which the history is ">"-marked
    prefix: str = ""  # the sender's words before the header on the same line


def new_words(text: str) -> str:
    """The words the sender wrote in this reply: quoted history and signature gone.

    Top-posted replies keep what stands above the first quote header or
    separator. When a "... wrote:" header is followed by ">"-marked history
    (bottom and inline posting) the unmarked lines after it are kept too. A
    signature delimiter or a "Sent from my ..." line ends the new words.
    """
    text = text[:MAX_REPLY_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    headers = _headers(lines)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        header = headers.get(index)
        if header is not None:
            if header.prefix:
                kept.append(header.prefix)
            following = _next_filled(lines, header.last + 1)
            if (
                header.marked
                and following is not None
                and _QUOTED.match(lines[following])
            ):
                index = header.last + 1  # marked history: the person may answer below
                continue
            break  # unmarked history runs to the end
        if _QUOTED.match(line):
            index += 1
            continue
        if len(line) <= _MAX_SIGNATURE_CHARS and _SIGNATURE.match(line):
            break
        kept.append(line)
        index += 1
    return _tidy("\n".join(kept))


def _headers(lines: Sequence[str]) -> dict[int, _Header]:
    """Where quote headers start, keyed by their first line."""
    found: dict[int, _Header] = {}
    for last, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > _MAX_HEADER_CHARS or _QUOTED.match(line):
            continue
        if _SEPARATOR.match(stripped) or (
            _FIELD_FROM.match(stripped)
            and (
                _fields_follow(lines, last + 1)
                or len(_FIELD_INLINE.findall(stripped)) >= 2
            )
        ):
            found.setdefault(last, _Header(last, marked=False))
        elif stripped.endswith((":", "\uff1a")):
            start = _header_start(lines, last)
            if start is not None:
                prefix = ""
                if start == last and (opener := _OPENER.search(stripped)):
                    prefix = stripped[: opener.start()]
                found.setdefault(start, _Header(last, marked=True, prefix=prefix))
    return found


def _header_start(lines: Sequence[str], last: int) -> int | None:
    """The first line of an "... wrote:" header ending at `last`, if it is one.

    The shortest run of lines that reads as a whole header wins, so the
    sender's own line just above is never swallowed.
    """
    window: list[str] = []
    for start in range(last, max(-1, last - _HEADER_LINES), -1):
        part = lines[start].strip()
        if not part or _QUOTED.match(lines[start]):
            return None
        window.insert(0, part)
        joined = " ".join(window)
        if len(joined) > _MAX_HEADER_CHARS:
            return None
        if (
            _VERB.search(joined)
            and _WROTE.search(joined)
            and _HEADER_CLUE.search(joined)
        ):
            return _header_top(lines, start, last)
    return None


def _header_top(lines: Sequence[str], start: int, last: int) -> int:
    """Take in the lines above that the header was wrapped from ("... <" /
    "bob@example.org> wrote:")."""
    while start > 0 and last - start + 1 < _HEADER_LINES:
        if _HEADER_BEGIN.match(lines[start].strip()):
            break  # "On 3 March ...": the header's own first line
        above = lines[start - 1].strip()
        if not above or _QUOTED.match(above) or not _WRAPPED.search(above):
            break
        start -= 1
    return start


def _fields_follow(lines: Sequence[str], start: int) -> bool:
    """An Outlook header block: "From:" and at least two more fields close below."""
    fields = 0
    for line in lines[start : start + 12]:
        if _FIELD_OTHER.match(line):
            fields += 1
            if fields >= 2:
                return True
    return False


def _next_filled(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- days, dates and times in a reply ----------------------------------------------


class _Kind(Enum):
    WEEKDAY = "weekday"  # value: Monday=0
    DATE = "date"  # value: day of month, month
    DAY = "day"  # value: day of month ("the 27th")
    TIME = "time"  # clocks: every reading ("at 2" may be 02:00 or 14:00)
    PART = "part"  # hours: [start, end) of "morning" ...
    DAY_OR_HOUR = "day-or-hour"  # "Monday 9": the 9th, or 9 o'clock


@dataclass(frozen=True, slots=True)
class _Part:
    """One day, date or time mention, found at [start, end) of the reading text."""

    start: int
    end: int
    kind: _Kind
    value: int = 0
    month: int = 0
    clocks: frozenset[time] = frozenset()
    hours: tuple[int, int] = (0, 24)


@dataclass(slots=True)
class _Scan:
    """A reply's text with every day, date, time, phone and quantity found and
    masked, so that the numbers left over can only be choices."""

    text: str
    masked: str
    parts: list[_Part] = field(default_factory=list)
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
_MONTH = (
    r"(?P<mon>january|february|march|april|(?-i:May|MAY)|june|july|august|september"
    r"|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = re.compile(
    r"(?<![\w'])(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|thurs|thur|thu|fri|(?-i:Wed|Weds|WED|Sat|SAT|Sun|SUN)"
    r"|(?:weds|wed|sat|sun)(?=\.?,?\s+(?:at\s+|the\s+|@\s*)?\d))(?P<plural>s)?\.?(?!\w)",
    re.IGNORECASE,
)
"""Lower-case "wed", "sat" and "sun" are ordinary words unless a date or time follows."""
_AFTER_WEEKDAY = re.compile(
    r"\.?,?\s*(?P<the>the\s+)?(?P<d>\d{1,2})(?P<suffix>st|nd|rd|th)?"
    r"(?![\w:.]|\s*(?:[ap]\.?m\b|o'?\s*clock|h\b))",
    re.IGNORECASE,
)
_DATE_DAY_MONTH = re.compile(
    rf"(?<![\w:.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}(?!\w)",
    re.IGNORECASE,
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![\w]){_MONTH}\s*(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\w:]|\.\d)",
    re.IGNORECASE,
)
_DATE_NUMERIC = re.compile(
    r"(?<![\w:./])(?P<a>\d{1,2})(?:/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?"
    r"|\.(?P<b2>\d{1,2})\.(?P<y2>\d{2}|\d{4})?)(?![\w/]|\.\d)",
)
_THE_DAY = re.compile(
    r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)(?!\w)(?!\s+(?:one|option|slot|choice)\b)",
    re.IGNORECASE,
)
_MERIDIEM = r"(?:\s*(?P<ap>[ap])\.?\s?m\.?(?!\w))"
_TIME_PATTERNS: Final = (
    re.compile(
        rf"(?<![\w:.])(?P<h>\d{{1,2}})[:.](?P<m>[0-5]\d)(?![\d:]){_MERIDIEM}?",
        re.IGNORECASE,
    ),
    re.compile(r"(?<![\w:.])(?P<h>\d{1,2})h(?P<m>[0-5]\d)?(?!\w)", re.IGNORECASE),
    re.compile(rf"(?<![\w:.])(?P<h>\d{{1,2}}){_MERIDIEM}", re.IGNORECASE),
    re.compile(r"(?<![\w:.])(?P<h>\d{1,2})\s*o'?\s*clock\b", re.IGNORECASE),
    re.compile(
        r"(?:(?<!\w)(?:at|around|about)\s+|@\s*)(?P<h>\d{1,2})"
        r"(?!\w|[:.]\d|\s*(?:st|nd|rd|th|or|and|/)\b)",
        re.IGNORECASE,
    ),
)
_NOON = re.compile(r"\b(?:12\s*)?(?:noon|midday|mid-day)\b", re.IGNORECASE)
_BOUND_BEFORE = re.compile(
    r"(?:\b(?:after|before|from|until|till|til|by|later than|earlier than|between"
    r"|not before|not after|no later than|no earlier than)\s*(?:at\s*)?$"
    r"|\bbetween\b[^.,;!?]{0,20}\band\s*$)",
    re.IGNORECASE,
)
"""A time after these is a bound ("after 5"), a preference rather than a pick."""
_BOUND = re.compile(
    r"\b(?:after|before|from|until|till|til|by|later than|earlier than|no later than"
    r"|no earlier than|not before|not after|between)\s+(?:at\s+)?\d{1,2}(?:[:.][0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?(?!\w)(?:\s*(?:and|-|to|\u2013)\s*\d{1,2}(?:[:.][0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?(?!\w))?",
    re.IGNORECASE,
)
_DAY_PART = re.compile(
    r"\b(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|lunchtime)\b", re.IGNORECASE
)
_PART_HOURS: Final = {
    "morning": (0, 12),
    "afternoon": (12, 17),
    "evening": (17, 24),
    "lunchtime": (11, 14),
}
_JOINER = re.compile(
    r"^(?:[\s,\-\u2013\u2014@(]|\b(?:at|on|the|of|in|around|about|from)\b)*$",
    re.IGNORECASE,
)
"""What may stand between the parts of one mention ("Tuesday, 27 October at 10:30")."""
_ZONE = re.compile(
    r"\b(?:utc|gmt|bst|cet|cest|est|edt|cst|cdt|pst|pdt)\b"
    r"(?:\s*[+\-\u2212]\s*\d{1,2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"(?<![\w:.])\d{1,4}\s*-?\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?"
    r"|years?|yrs?|sessions?|calls?|people|persons?|kids|children|child|sons?"
    r"|daughters?|questions?|things?|of\s+(?:them|those|these|us))\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE_RUN = re.compile(r"\+?\(?\d[\d \t().\-]{5,}\d")
_PHONE_HEAD = re.compile(r"\d{1,2}[ \t]+")
_CLAUSE_BREAK = re.compile(
    r"[.;!?\n,]+|\s[-\u2013\u2014]+\s"
    r"|\b(?:but|however|although|though|except|whereas|instead|otherwise|so)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|cannot|can not|unable|busy|unavailable|impossible|no good|neither|nor"
    r"|none|never|away|on holiday|on leave|travell?ing|working|i work|at work"
    r"|(?:start|finish)\s+work|have\s+(?:work|school|an?\s+(?:appointment|meeting"
    r"|interview)))\b|n't\b",
    re.IGNORECASE,
)
"""A clause with these turns its times down ("I'm away on the 27th", "I start
work at 9 on Monday")."""
_MONTH_FIRST_REGIONS: Final = frozenset(
    {"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH"}
)
"""Where "3/11" means March 11th."""


def _normalize(text: str) -> str:
    """NFKC, one apostrophe, no-break spaces as spaces, cut to MAX_READ_CHARS."""
    text = unicodedata.normalize("NFKC", text[: MAX_READ_CHARS * 2])[:MAX_READ_CHARS]
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("`", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u00a0", " ")
    )


def _scan(text: str, region: str, *, both_readings: bool) -> _Scan:
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
            clocks = _readings(
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
        scanner.day(found.start("d"), found.end(), int(found["d"]), _Kind.DAY)
    for found in _DAY_PART.finditer(text):
        hours = _PART_HOURS[found["part"].lower()]
        scanner.parts.append(_Part(found.start(), found.end(), _Kind.PART, hours=hours))
    return scanner.done()


class _Scanner:
    """Builds a _Scan: each found span is masked once, so patterns that run later
    never read the same characters again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = list(text)
        self.parts: list[_Part] = []

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
            _Part(found.start(), _end(found), _Kind.DATE, value=day, month=month)
        )

    def clock(self, start: int, end: int, clocks: frozenset[time]) -> None:
        if self.taken(start, end):
            return
        self.mask(start, end)
        if clocks and not _BOUND_BEFORE.search(self.text[max(0, start - 30) : start]):
            self.parts.append(_Part(start, end, _Kind.TIME, clocks=clocks))

    def weekday(self, found: re.Match[str]) -> None:
        if self.taken(found.start(), found.end()):
            return
        self.mask(found.start(), found.end())
        if found["plural"]:
            return  # "Tuesdays are good": a habit, not one of the offered times
        weekday = _WEEKDAYS.index(found["wd"][:3].lower())
        self.parts.append(
            _Part(found.start(), _end(found), _Kind.WEEKDAY, value=weekday)
        )
        after = _AFTER_WEEKDAY.match(self.text, found.end())
        if after:
            day = int(after["d"])
            plain = not (after["the"] or after["suffix"] or day > 12)
            kind = _Kind.DAY_OR_HOUR if plain else _Kind.DAY
            self.day(after.start("d"), after.end(), day, kind)

    def day(self, start: int, end: int, day: int, kind: _Kind) -> None:
        if self.taken(start, end):
            return
        self.mask(start, end)
        if 1 <= day <= 31:
            self.parts.append(_Part(start, end, kind, value=day))

    def done(self) -> _Scan:
        masked = "".join(self.chars)
        parts = sorted(self.parts, key=lambda part: part.start)
        return _Scan(self.text, masked, parts, _clauses(masked))


def _end(found: re.Match[str]) -> int:
    """Where a mention ends: an abbreviation's full stop may also end a sentence."""
    return found.end() - found.group().endswith(".")


def _valid_day(day: int, month: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= (29 if month == 2 else 30 if month in {4, 6, 9, 11} else 31)


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _readings(
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
            (start, found.start(), bool(_NEGATION.search(masked, start, found.start())))
        )
        start = found.end()
    clauses.append((start, len(masked) + 1, bool(_NEGATION.search(masked, start))))
    return clauses


def _mentions(scan: _Scan) -> tuple[list[list[_Part]], list[list[_Part]]]:
    """Parts grouped into mentions ("Tuesday 27 October at 10:30" is one),
    split into those said positively and those negated."""
    groups: list[list[_Part]] = []
    for part in scan.parts:
        if groups and _JOINER.match(scan.text[groups[-1][-1].end : part.start]):
            groups[-1].append(part)
        else:
            groups.append([part])
    positive: list[list[_Part]] = []
    negative: list[list[_Part]] = []
    for group in groups:
        if all(part.kind is _Kind.PART for part in group):
            continue  # "in the morning" alone is a preference, not one slot
        if any(scan.negated(part.start) for part in group):
            negative.append(group)
        else:
            positive.append(group)
    return positive, negative


def _holds(part: _Part, local: datetime) -> bool:
    if part.kind is _Kind.WEEKDAY:
        return local.weekday() == part.value
    if part.kind is _Kind.DATE:
        return (local.day, local.month) == (part.value, part.month)
    if part.kind is _Kind.DAY:
        return local.day == part.value
    if part.kind is _Kind.TIME:
        return local.time().replace(second=0, microsecond=0) in part.clocks
    if part.kind is _Kind.PART:
        return part.hours[0] <= local.hour < part.hours[1]
    return local.day == part.value or (
        local.minute == 0 and local.hour in {part.value, part.value + 12}
    )


def _local_times(slot: Slot, zones: Sequence[tzinfo]) -> list[datetime]:
    times: list[datetime] = []
    for zone in zones:
        try:
            times.append(slot.start_at.astimezone(zone))
        except (OverflowError, ValueError, TypeError):
            continue  # a zone that cannot show this instant matches nothing
    return times


def _candidates(
    mention: Sequence[_Part], offered: Sequence[Slot], zones: Sequence[tzinfo]
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


# --- the person's reply to an offer ------------------------------------------------

_NUMBER_WORDS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ORDINAL_WORDS: Final = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip
_NUM = r"(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_CHOICE_PATTERNS: Final = (
    re.compile(  # "option 2", "number two", "slot 3", "choice #4"
        rf"\b(?:option|opt\.?|number|num\.?|nr\.?|choice|slot)\s*(?:#|no\.?)?\s*{_NUM}\b",
        re.IGNORECASE,
    ),
    re.compile(r"(?:#|\bno\.)\s*(?P<n>\d{1,3})\b", re.IGNORECASE),  # "#2", "No. 2"
    re.compile(  # "the 2nd one", "3rd option"
        r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)?\s+(?:one|option|slot|choice)\b",
        re.IGNORECASE,
    ),
    re.compile(  # "I'll take 3", "let's do 2", "I'd like 4 please"
        r"\b(?:take|taking|choose|chose|pick|picking|select|book|go for|go with|opt for"
        r"|prefer|like|want|do|have)\s+(?:the\s+)?(?P<n>\d{1,2})\b(?!\s*(?:st|nd|rd|th)\b)",
        re.IGNORECASE,
    ),
    re.compile(  # a reply that starts with the number: "2", "2.", "2 please", "3 - Tue"
        r"^\W*(?P<n>\d{1,2})(?:\s*(?:[.)\]:!,\-\u2013\u2014~]|$)|(?=\s+(?:please|pls|plz"
        r"|works?|would|is|suits?|sounds|for me|thanks|thank|if|looks|ok|okay|perfect"
        r"|great|fine|then|as well|is best)\b))",
        re.IGNORECASE | re.MULTILINE,
    ),
    re.compile(  # "... 2 would be great", "3 works for me"
        r"\b(?P<n>\d{1,2})\s+(?:please|pls|plz|works|would (?:work|suit|be)|suits|does"
        r"|doesn't|does not|won't|isn't|is not|wouldn't|would not|can't|is out"
        r"|is (?:good|great|fine|perfect|best|ideal|ok|okay|lovely|better|easiest)"
        r"|sounds|for me)\b",
        re.IGNORECASE,
    ),
)
_ALTERNATIVES = re.compile(
    r"\b(?P<a>\d{1,2})\s*(?:or|/|&|and|,)\s*(?:option\s*|#|no\.\s*)?(?P<b>\d{1,2})\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)
_ORDINAL_NOUN = re.compile(
    r"\s*(?:one|option|slot|choice|available|time\b(?!\s+(?:i|we|in|ever|round|around)\b))",
    re.IGNORECASE,
)
_ORDINAL_END = re.compile(
    r"\s*(?:[.!?),]|$|please|pls|works?|would|is|suits?|sounds|for me|if|thanks|thank"
    r"|looks|then|as well)",
    re.IGNORECASE,
)
_ORDINAL_NOT = re.compile(
    r"(?:\ba|\bat|\bmy|\byour|\bour|\bfor\s+the|\bthe\s+very)\s*$", re.IGNORECASE
)
_ORDINAL_DATE = re.compile(rf"\s+(?:of\b|{_MONTH})", re.IGNORECASE)
_DIGIT_ORDINAL = re.compile(
    r"(?<![\w~])(?P<n>\d{1,2})(?:st|nd|rd|th)(?!\w)(?!\s+(?:one|option|slot|choice)\b)",
    re.IGNORECASE,
)
_ANY = re.compile(
    r"\b(?:any|either|whichever|both|all)\s+(?:of\s+(?:them|those|these|the\s+(?:times"
    r"|slots|options))|one|time|is|are|works?|would|will|suits?|fine|ok|okay)\b"
    r"|\b(?:earliest|soonest|latest)\s+(?:one|option|slot|time|available|possible)\b"
    r"|\bthe\s+(?:earliest|soonest)\b",
    re.IGNORECASE,
)
"""Any time will do: still a choice the person has to make."""
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|perfect|great|lovely|brilliant|fine)\b"
    r"|\b(?:that|it)\s+(?:works|suits|is fine|is great|is perfect|sounds good)\b"
    r"|\b(?:works|suits)\s+(?:for\s+)?me\b|\bsounds\s+(?:good|great|perfect)\b",
    re.IGNORECASE,
)
_CANCEL = re.compile(
    r"\bcancel(?:l?ing)?\b(?=\s*(?:$|[.!,;:)]|please\b|for now\b|thanks?\b|thank you\b"
    r"|(?:(?:the|my|our|this|that|your|today's|tomorrow's)\s+)?(?:phone\s+)?(?:call|appointment"
    r"|booking|consultation|chat|session|request|enquiry|inquiry|meeting|conversation)\b"
    r"|it\b|that\b|this\b))"
    r"|\b(?:need|like|want|have|wish|going|got)\s+to\s+cancel\b",
    re.IGNORECASE,
)
_CANCEL_NEGATED = re.compile(
    r"(?:\b(?:not|never|no need to|without)\b|n't\b)\W+(?:\w+\W+){0,2}$", re.IGNORECASE
)
_RESCHEDULE = re.compile(
    r"\bre-?schedul\w*|\brearrang\w*|\bpostpon\w*|\bre-?book\w*"
    r"|\bmove\s+(?:it|the call|our call|the appointment|our appointment|this|that"
    r"|the time|the booking|things)\b"
    r"|\bchange\s+(?:the|our|my)\s+(?:time|day|date|appointment|call|booking|slot)\b"
    r"|\b(?:a\s+)?(?:different|another)\s+(?:time|day|date)\b(?!s)"
    r"|(?:\b(?:cannot|can not|unable to|not able to|won't be able to|will not be able to)"
    r"|n't)\s+(?:make|do|manage)\s+(?:it\b|that\b|this\b|the call\b|our call\b"
    r"|the appointment\b|then\b|tomorrow\b|today\b|~)",
    re.IGNORECASE,
)
""""~" stands for a masked day ("I can't make Tuesday")."""
_NONE_GLOBAL = re.compile(
    r"\bnone\b(?!\s+of\s+(?:my|your|his|her|their|our)\b)|\bneither\b"
    r"|(?:\b(?:cannot|can not|unable to|not able to)|n't)\s+(?:do|make|manage|attend)\s+"
    r"(?:any|either|all)\b"
    r"|\bnot\s+(?:free|available|around)\s+(?:at|on|for|during|then|at\s+all)\b"
    r"|\b(?:do|would|could|have)\s+you\s+(?:have|got|offer)\s+(?:any|anything|something"
    r"|other|some|more)\b"
    r"|\b(?:is|are)\s+there\s+(?:any|anything|other|some|more)\b"
    r"|\banything\s+(?:else|later|earlier|in\s+the|on|after|before|at|during)\b"
    r"|\bsomething\s+(?:else|later|earlier|in\s+the|on|after|before)\b"
    r"|\b(?:any|some)\s+other\s+(?:times?|days?|options?|slots?|dates?)\b"
    r"|\bother\s+(?:times|options|slots|dates|days)\b|\bmore\s+(?:times|options|slots)\b"
    r"|\b(?:later|earlier)\s+(?:times|slots|in\s+the\s+(?:day|week))\b"
    r"|(?:\b(?:bit|little|slightly|hour|minutes?)|~)\s+(?:later|earlier)\b",
    re.IGNORECASE,
)
"""Saying that nothing offered fits, or asking for something else."""
_NONE_REJECT = re.compile(
    r"(?:\b(?:do|does|did|will|would|could)\s+not|n't)\s+(?:really\s+)?(?:work|suit|fit)\b"
    r"|\b(?:no|not)\s+(?:good|great|ideal|possible)\b|(?<!not )\btoo\s+(?:early|late)\b"
    r"|\bnot\s+(?:free|available)\b|\bunavailable\b|\bbusy\b|\bclash\w*"
    r"|(?:\b(?:cannot|can not|unable to|not able to)|n't)\s+(?:do|make|manage)\s+"
    r"(?:mornings?|afternoons?|evenings?|lunchtimes?|weekdays?|weekends?|early|late)\b",
    re.IGNORECASE,
)
"""Turning one or all times down."""
_PHONE_ERRORS: Final = (ValueError, TypeError, IndexError, KeyError)
"""What the phonenumbers matcher could raise on odd text (it is third-party)."""
_NONE_PREFER = re.compile(
    r"\b(?:better|prefer\w*|rather|ideally|more convenient|easier|best for me)\b",
    re.IGNORECASE,
)


def read_person_reply(
    text: str,
    *,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    region: str,
    today: date | None = None,
) -> PersonReply:
    """What the person's reply to an offer of numbered slots says.

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
        offered: the slots as numbered in the offer (1-based), aware datetimes.
        zones: the zones the times were shown in; a day and time may be named
            in any of them.
        region: for reading a national phone number ("GB").
    """
    inline = picking.inline_choice(_normalize(text))  # typed under a quoted time
    body = _normalize(picking.without_signoff(new_words(text)))
    phone = _phone(body, region)
    body = _NOT_A_CHOICE.sub(" ", picking.spoken_times(body))
    if not body.strip() and inline is None:
        return PersonReply(ReplyKind.OTHER, phone=phone, empty=True)
    scan = _scan(body, region, both_readings=True)
    count = len(offered)
    choices, negated_choices = _choices(scan, count)
    positive, negative = _mentions(scan)

    picks = set(range(1, count + 1))
    attempted = bool(choices or positive or negated_choices or negative)
    ambiguous = len(choices) > 1 or any(not 1 <= n <= count for n in choices)
    picks &= choices or picks
    for mention in positive:
        picks &= _candidates(mention, offered, zones)
    for day in _ordinal_days(scan):
        on_day = _candidates([_Part(0, 0, _Kind.DAY, value=day)], offered, zones)
        if on_day - {day}:
            ambiguous = True  # "the 2nd" may be a date as well as the second time
    pick = next(iter(picks)) if (choices or positive) and len(picks) == 1 else None
    if ambiguous:
        pick = None

    cancel = _cancelled(scan)
    reschedule = bool(_RESCHEDULE.search(scan.masked))
    global_none, rejects = _none_fit(scan.masked)
    preference = extract_preference(body)
    if cancel:
        kind = ReplyKind.UNCLEAR if pick else ReplyKind.CANCEL
    elif pick is not None:
        kind = (
            ReplyKind.UNCLEAR
            if global_none or _ANY.search(scan.masked)
            else ReplyKind.PICK
        )
    elif global_none or rejects:
        kind = ReplyKind.NONE_FIT
    elif reschedule:
        kind = ReplyKind.RESCHEDULE
    elif _NONE_PREFER.search(scan.masked) and (not preference.is_empty or positive):
        # "mornings are better", "Wednesday would be better" (none offered then)
        kind = ReplyKind.NONE_FIT
    elif attempted or _ANY.search(scan.masked):
        kind = ReplyKind.UNCLEAR
    elif _YES.search(scan.masked) and not _NEGATION.search(scan.masked):
        if count == 1:  # one time offered (the therapist's own proposal): "yes"
            return PersonReply(ReplyKind.PICK, choice=1, phone=phone)
        kind = ReplyKind.UNCLEAR  # "yes please" to five times: which?
    else:
        kind = ReplyKind.OTHER
    if kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR} and (
        pick is None
        and preference.is_empty
        and not positive
        and intent.withdraws(body)
        and not _NONE_GLOBAL.search(body)
    ):
        kind = ReplyKind.CANCEL  # "I've changed my mind", "please ignore my email"
    if kind is not ReplyKind.CANCEL and offered and zones:
        # An instant no zone can show: the plain reading stands.
        with contextlib.suppress(OverflowError, ValueError):
            kind, pick, preference = _pointed(
                body, kind, pick, inline, offered, zones, preference
            )

    language = intent.language_of(body)
    if language is not None and kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR}:
        # Another language: a number, an ordinal or a weekday, a cancel, a move
        # or "none of these"; else one question, never silence.
        pick = intent.foreign_choice(body, language, offered, zones)
        kind = ReplyKind.PICK if pick is not None else ReplyKind.UNCLEAR
        for what, meaning in (
            ("cancel", ReplyKind.CANCEL),
            ("move", ReplyKind.NONE_FIT),
            ("none", ReplyKind.NONE_FIT),
        ):
            if pick is None and intent.foreign_says(body, language, what):
                kind = meaning
                break
        if kind is ReplyKind.UNCLEAR and intent.foreign_says(body, language, "thanks"):
            kind = ReplyKind.OTHER if not offered else kind
    yes = intent.plain_yes(body) or (
        language is not None and intent.foreign_yes(body, language)
    )
    # Only where they decide something: a plain yes or no with no time in it
    # ("yes please" to new times; "don't worry about rebooking").
    yes = yes and kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR}
    no = kind is not ReplyKind.PICK and intent.declines(body)
    if kind in {ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE} and today and zones:
        # "I'm away that week", "not tomorrow": never offered again.
        not_before, not_on = picking.exclusions(body, today, offered, zones[0])
        preference = replace(
            preference,
            not_before=not_before or preference.not_before,
            not_on=preference.not_on | not_on,
        )
    if kind is ReplyKind.PICK:
        return PersonReply(kind, choice=pick, phone=phone, yes=yes, declines=no)
    if kind is ReplyKind.NONE_FIT:
        return PersonReply(
            kind, preference=preference, phone=phone, yes=yes, declines=no
        )
    return PersonReply(kind, phone=phone, yes=yes, declines=no)


_NOT_A_CHOICE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)\s+(?:floor|flat|year|grade|birthday|anniversary|attempt|child)\b"
    r"|\b(?:flat|apt|apartment|unit|room|year|ext|extension|floor|house|block|suite)\.?\s*\d+[a-z]?\b",
    re.IGNORECASE,
)
"""Numbers in addresses, floors and school years ("2nd floor flat", "Flat 2",
"Year 3", "ext 3"): never an option's number."""
_NOTHING_BEFORE = re.compile(
    r"\bnothing\s+(?:before|after|until|till|earlier than|later than)\b", re.IGNORECASE
)
_DIGIT = re.compile(r"\d")
"""A time or date named: a day-and-part preference alone no longer picks."""
_ANOTHER_WEEK = re.compile(
    r"\b(?:following|next|another|a\s+different|later)\s+week\b|\bweek\s+after\b"
    r"|\binstead\b",
    re.IGNORECASE,
)
_WOULD_SUIT = re.compile(
    r"\b(?:would\s+be|is|works?|suits?|sounds)\s+(?:\w+\s+)?(?:great|brilliant|perfect|"
    r"good|fine|lovely|ideal|best|ok|okay)\b|\bworks\b|\bsuits\b|\bplease\b",
    re.IGNORECASE,
)


def _pointed(
    body: str,
    kind: ReplyKind,
    pick: int | None,
    inline: int | bool | None,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    preference: Preference,
) -> tuple[ReplyKind, int | None, Preference]:
    """What people write around a pick (see `picking`), and whether a pick
    holds: an inline "this one", "the middle one", "anything after 5"; and a
    pick with a condition it fails, a hedge, or a "3rd" that may be a date is
    asked about instead."""
    if not zones:
        return kind, pick, preference
    zone = zones[0]
    count = len(offered)
    if isinstance(inline, int) and not isinstance(inline, bool):
        if 1 <= inline <= count:
            kind, pick = ReplyKind.PICK, inline
    elif inline is False:
        return ReplyKind.UNCLEAR, None, preference
    if kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR, ReplyKind.NONE_FIT}:
        named = picking.the_one(body, offered, zone)
        if isinstance(named, int) and not isinstance(named, bool):
            kind, pick = ReplyKind.PICK, named
        elif named is False:
            kind = ReplyKind.UNCLEAR
        fits = picking.within(body, offered, zone)
        if fits is not None and kind is not ReplyKind.PICK:
            if len(fits) == 1:
                kind, pick = ReplyKind.PICK, fits[0]
            else:
                kind = ReplyKind.NONE_FIT if not fits else ReplyKind.UNCLEAR
    unpicked = kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR} and pick is None
    if (
        kind is ReplyKind.NONE_FIT
        and "lunch" in body
        and any(picking.at_lunchtime(slot, zone) for slot in offered)
    ):
        # "lunchtimes would be better" and a lunchtime was offered: which?
        return ReplyKind.UNCLEAR, None, preference
    if unpicked and preference.is_empty and len(body.split()) <= 12:
        # "mornings please", "saturday morning would be brilliant": a short
        # reply that names days or parts of the day says what it wants.
        preference = extract_preference(f"Availability: {body}")
    elsewhere = _ANOTHER_WEEK.search(body) or _NOTHING_BEFORE.search(body)
    if (
        unpicked
        and elsewhere
        and not (kind is ReplyKind.UNCLEAR and _DIGIT.search(body))
    ):
        # "could we do the following week instead?" (a number beside it: which?)
        return ReplyKind.NONE_FIT, None, preference
    if unpicked and not preference.is_empty:
        # "mornings please": fresh times when none offered fits, else a question
        suits = [
            n
            for n, slot in enumerate(offered, 1)
            if availability.matches(slot.start_at.astimezone(zone), preference)
            or ("lunch" in body and picking.at_lunchtime(slot, zone))
        ]
        if len(suits) == 1 and _WOULD_SUIT.search(body) and not _DIGIT.search(body):
            kind, pick = ReplyKind.PICK, suits[0]  # "saturday morning would be great"
        else:
            kind = ReplyKind.NONE_FIT if not suits else ReplyKind.UNCLEAR
    corrected = picking.corrected_choice(body, count)
    if corrected is False and kind is ReplyKind.PICK:
        return ReplyKind.UNCLEAR, None, preference  # changed their mind to what?
    if isinstance(corrected, int) and not isinstance(corrected, bool):
        kind, pick = ReplyKind.PICK, corrected
    if kind is ReplyKind.PICK and pick is not None and 1 <= pick <= count:
        met = picking.condition_met(body, offered[pick - 1], zone)
        if (
            met is False
            or picking.hedged(body)
            or picking.date_or_option(body, offered, zone)
        ):
            return ReplyKind.UNCLEAR, None, preference
    return kind, pick, preference


def _phone(text: str, region: str) -> str | None:
    """The phone number given in passing; a parser hiccup must not lose the reply."""
    try:
        return extract_phone(text, region)
    except _PHONE_ERRORS:
        return None


def _choices(scan: _Scan, count: int) -> tuple[set[int], set[int]]:
    """Numbers the person chose, said positively and negated ("2 doesn't work")."""
    found: list[tuple[int, int]] = []
    masked = scan.masked
    for pattern in _CHOICE_PATTERNS:
        for match in pattern.finditer(masked):
            found.append((match.start("n"), _number(match["n"])))
    for match in _ALTERNATIVES.finditer(masked):
        found += [
            (match.start("a"), int(match["a"])),
            (match.start("b"), int(match["b"])),
        ]
    for match in _DIGIT_ORDINAL.finditer(masked):
        found.append((match.start("n"), int(match["n"])))
    for match in _ORDINAL.finditer(masked):
        number = _ordinal_choice(masked, match, count)
        if number is not None:
            found.append((match.start(), number))
    positive = {n for at, n in found if not scan.negated(at)}
    negative = {n for at, n in found if scan.negated(at)}
    return positive, negative


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _ordinal_choice(masked: str, match: re.Match[str], count: int) -> int | None:
    """ "the second one", "second please", "the last option"; not "first of all",
    "for the first time", "just a second", "First, a question"."""
    word = match["w"].lower()
    number = count if word == "last" else _ORDINAL_WORDS[word]
    before = masked[max(0, match.start() - 20) : match.start()]
    after = masked[match.end() : match.end() + 40]
    if _ORDINAL_DATE.match(after) or _ORDINAL_NOT.search(before):
        return None
    if _ORDINAL_NOUN.match(after):
        return number
    if word == "last" or not _ORDINAL_END.match(after):
        return None
    sentence_start = not before.strip() or before.rstrip()[-1] in ".!?\n"
    if sentence_start and after.lstrip().startswith(","):
        return None
    return number


def _ordinal_days(scan: _Scan) -> list[int]:
    """Bare digit ordinals ("2nd please") that could also name a day of the month."""
    return [
        int(match["n"])
        for match in _DIGIT_ORDINAL.finditer(scan.masked)
        if not scan.negated(match.start())
    ]


def _cancelled(scan: _Scan) -> bool:
    for match in _CANCEL.finditer(scan.masked):
        at = match.start() + match.group().lower().rfind("cancel")
        before = scan.masked[max(0, at - 30) : at]
        if not _CANCEL_NEGATED.search(before):
            return True
    return False


def _none_fit(masked: str) -> tuple[bool, bool]:
    """(nothing offered fits, some time was turned down).

    "None of these", "anything later?" speak of every time offered, so they
    outweigh a pick in the same reply; "Tuesday doesn't work" turns down one
    time, which a pick elsewhere in the reply answers.
    """
    return bool(_NONE_GLOBAL.search(masked)), bool(_NONE_REJECT.search(masked))


# --- the therapist's reply to an approval request ----------------------------------

_NO_SHOW = re.compile(
    r"\bno[\s-]?show\b|\b(?:didn't|did not|never)\s+(?:answer|pick\s+up|picked\s+up"
    r"|turn(?:ed)?\s+up|show(?:ed)?(?:\s+up)?|call(?:ed)?\s+back|respond|answered"
    r"|responded)\b|\bno\s+answer\b"
    r"|\b(?:couldn't|could not|can't|cannot)\s+(?:reach|get hold of|get through to)\b",
    re.IGNORECASE,
)
_THERAPIST_CANCEL = re.compile(r"\bcancel(?:l?ing|led)?\b", re.IGNORECASE)
_APPROVE = re.compile(
    r"\b(?:yes|yess+|yep|yeah|yup|ja|approved?|approving|ok|okay|okey|fine|confirm(?:ed)?"
    r"|accept(?:ed)?|sure|agreed|absolutely|definitely|perfect|great|lovely|go ahead"
    r"|go for it|sounds good|looks good|all good|book it|that works|works for me"
    r"|of course|no problem|no worries)\b|[\U0001F44D\u2705\u2714\u2611]",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:but|however|though|check|let me|maybe|perhaps|probably|not sure|wait"
    r"|hold on|hang on|if)\b",
    re.IGNORECASE,
)
"""A yes with these ("yes, but let me check my diary") is not yet a yes."""
_APPROVE_NEGATED = re.compile(
    r"(?:\b(?:not|never|don't|do not)|n't)\s*(?:\w+\s+)?$", re.IGNORECASE
)
_DECLINE = re.compile(
    r"^\W*(?:no|nope|nah)\b(?!\s+(?:problem|problems|worries|worry|bother|rush|doubt"
    r"|issue|issues|trouble)\b)|(?:^|[\s,.;])no[.!]*\s*$"
    r"|\bdeclin\w*|\breject\w*|\brefuse\w*|\bunfortunately not\b|\bsorry,?\s+no\b"
    r"|(?:\b(?:cannot|can not|unable to|not able to|won't be able to)|n't)\s+(?:do|make"
    r"|manage|take)\b"
    r"|\bnot\s+(?:possible|available|free|convenient)\b|\bunavailable\b"
    r"|^\W*(?:not\s+(?:this|that)\b|(?:can't|cannot|can not)\W*(?:sorry\W*)?$)",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:\W*(?:no|nope|nah|i\s+decline|declined?|reject(?:ed)?"
    r"|(?:i\s+)?(?:can't|cannot)(?:\s+do\s+(?:that|it|this))?|(?:please\s+)?cancel"
    r"(?:\s+(?:this\s+one|that\s+one|it|this|that|the\s+(?:call|booking|appointment|consultation)))?"
    r"(?:\s+please)?|no[\s-]?show)\b)+[\s,.;:!\-\u2013\u2014]*",
    re.IGNORECASE,
)
"""The decision words a note starts with: "No - sorry, I'm away" keeps "sorry, I'm away"."""
_NO_NOTE = re.compile(
    r"(?:\W|\b(?:sorry|unfortunately|i'm afraid|afraid|no|nope|not|declined?|thanks"
    r"|thank you|cheers)\b)*",
    re.IGNORECASE,
)
_PROPOSE = re.compile(
    r"\b(?:how|what)\s+about\b|\bhow's\b|\b(?:could|can|shall|should)\s+(?:we|you|they|i)"
    r"\s+(?:do|make\s+it|move|try|say|have|offer|go\s+for)\b|\binstead\b|\brather\b"
    r"|\blet's\b|\bmake\s+it\b|\bmove\s+(?:it|to)\b|\bprefer\w*\b|\bbetter\b"
    r"|\balternatively\b|\bwould\b[^.?!]{0,40}\b(?:work|suit|be\s+ok(?:ay)?)\b"
    r"|\bdoes\b[^.?!]{0,40}\b(?:work|suit)\b|\boffer\b|\?",
    re.IGNORECASE,
)
"""Words that make a named time a counter-proposal rather than a restatement."""
_PROPOSE_AFTER_NO = re.compile(
    r"\b(?:works?|suits?|free|available|fine|ok(?:ay)?|good|can\s+do|could\s+do)\b",
    re.IGNORECASE,
)
"""After a "no", milder words offer the time named ("no, but Monday at 9 works")."""
_BARE_HOUR = re.compile(
    r"\b(?:how|what)\s+about\s+(?P<h>\d{1,2})(?![\w:.~]|\.\d)"
    r"|\b(?:make\s+it|say|try|do)\s+(?P<h2>\d{1,2})(?![\w:.~]|\.\d)",
    re.IGNORECASE,
)
_RELATIVE_DAY = re.compile(r"\b(?P<rel>today|tomorrow)\b", re.IGNORECASE)


def read_therapist_reply(text: str, *, today: date) -> TherapistReply:
    """What the therapist decided about a held slot.

    Decisions come only from clear words; anything mixed ("yes - no, wait") or
    incomplete ("could we do Thursday?" without a time) is UNCLEAR and acts on
    nothing.

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
        today: the practice's date, to place "3 December" or "tomorrow".

    Returns:
        For PROPOSE, `proposed` carries the time: `on` for a date ("3 December",
        "tomorrow"), `weekday` for a day name, neither when only a time was
        named ("how about 11"), which means the held slot's own day.
    """
    body = picking.spoken_times(_normalize(new_words(text)).strip())
    if not body:
        return TherapistReply(Decision.UNCLEAR)
    lines = [line for line in body.split("\n") if line.strip()]
    if _Y_ALONE.fullmatch(lines[0]) and len(lines) <= 2 and len(body.split()) <= 2:
        return TherapistReply(Decision.APPROVE)  # "Y", "y.", "Y\nSam"
    scan = _scan(body, "", both_readings=False)
    masked = scan.masked
    if (
        _NO_SHOW.search(masked) or intent.reports_no_show(body)
    ) and not _NOT_NO_SHOW.search(body):
        return TherapistReply(Decision.NO_SHOW)
    private = intent.private_note(body)
    approve, negated_approve = _approvals(masked)
    decline = bool(_DECLINE.search(masked))
    if negated_approve and not decline:
        return TherapistReply(Decision.UNCLEAR)  # "not ok": no words for the person
    cancel = any(
        not _CANCEL_NEGATED.search(masked[max(0, m.start() - 30) : m.start()])
        for m in _THERAPIST_CANCEL.finditer(masked)
    ) or intent.cancels_booking(body)
    proposal, incomplete = _proposal(scan, today)
    same_day = _SAME_DAY.search(body)
    if proposal is None and same_day is not None:
        # "Can't do 9.30, but 11 the same day works": that day, another time.
        at = picking.clock(same_day["h"], same_day["m"], same_day["ap"])
        proposal, incomplete = WallTime(at=at), False
    if cancel:
        if approve or proposal or incomplete:
            return TherapistReply(Decision.UNCLEAR)
        # "Please cancel and tell her I'm sorry": cancel, but words about the
        # person are never passed on as they stand.
        note = "" if private else _note(body)
        return TherapistReply(
            Decision.CANCEL, note="" if _ABOUT_THEM.search(note) else note
        )
    told = _TELL_THEM.search(body)
    if told is not None and decline and not approve:
        # "No - please tell her: I'm sorry, I don't offer couples work...":
        # the words after the colon are written to the person.
        return TherapistReply(
            Decision.DECLINE, note=told["note"].strip()[:MAX_NOTE_CHARS]
        )
    if private and not approve:
        # Words about the person, or the therapist taking it on: nothing of it
        # goes to the person, and mailflow stands down.
        return TherapistReply(Decision.PRIVATE)
    if proposal is not None:
        if _PROPOSE.search(body) or not (approve or decline):
            # "how about 11", "Thu 14:00 instead", or a time and nothing else
            return TherapistReply(Decision.PROPOSE, proposed=proposal)
        if decline and _PROPOSE_AFTER_NO.search(body):
            return TherapistReply(Decision.PROPOSE, proposed=proposal)  # "no, 9 works"
        if not decline:
            return TherapistReply(Decision.UNCLEAR)  # "yes, 10:30 is fine": restated?
    elif incomplete and not decline:
        return TherapistReply(Decision.UNCLEAR)  # "could we do Thursday?" at what time?
    if approve and decline:
        return TherapistReply(Decision.UNCLEAR)
    if decline:
        note = _note(body)
        # A note that speaks of them ("he wants in-person sessions") is about
        # them, not to them: fresh times go, the therapist's words do not.
        return TherapistReply(
            Decision.DECLINE, note="" if _ABOUT_THEM.search(note) else note
        )
    if approve and not _HEDGE.search(masked):
        return TherapistReply(Decision.APPROVE)
    return TherapistReply(Decision.UNCLEAR)


_TELL_THEM = re.compile(
    r"\b(?:please\s+)?(?:tell|say\s+to|pass\s+on\s+to)\s+(?:her|him|them)\s*:\s*(?P<note>\S.*)",
    re.IGNORECASE | re.DOTALL,
)
_SAME_DAY = re.compile(
    r"\bbut\s+(?P<h>\d{1,2})(?:[:.](?P<m>\d\d))?\s*(?P<ap>am|pm)?\s+"
    r"(?:(?:on\s+)?the\s+same\s+day\s+|that\s+day\s+)?(?:works|would\s+work|is\s+(?:fine|ok|good)|suits)\b",
    re.IGNORECASE,
)
_NOT_NO_SHOW = re.compile(
    r"\b(?:not|no)\s+(?:a\s+)?no[\s-]?show\b|\bthe\s+call\s+(?:happened|went\s+ahead|went\s+well)"
    r"|\b(?:she|he|they)\s+(?:rang|called|answered|picked\s+up)\b|\btry\s+(?:again|later|tomorrow)\b"
    r"|\bgood\s+call\b",
    re.IGNORECASE,
)
"""Words that say the call was not missed, or not yet: never a no-show."""
_Y_ALONE = re.compile(r"\s*y+[\s.!]*", re.IGNORECASE)


def read_offer_answer(text: str) -> TherapistReply:
    """The therapist's answer to "not sure: reply offer". Only a reply that
    starts with "offer" (or "send times") and says nothing against it sends the
    offer; "no", "leave it", "I'll reply myself" stand down; anything else does
    nothing. A robot reply is the one thing the note exists to prevent."""
    from mailflow.reading.phrases import phrases

    book = phrases().therapist
    body = _normalize(new_words(text)).strip()[:MAX_READ_CHARS].lower()
    if book.offer_no.search(body):
        return TherapistReply(Decision.DECLINE)
    if book.offer_yes.search(body):
        return TherapistReply(Decision.OFFER)
    return TherapistReply(Decision.UNCLEAR)


def _approvals(masked: str) -> tuple[bool, bool]:
    """(a yes was said, a yes was negated: "not ok", "don't approve")."""
    approve = negated = False
    for match in _APPROVE.finditer(masked):
        if _APPROVE_NEGATED.search(masked[max(0, match.start() - 20) : match.start()]):
            negated = True
        else:
            approve = True
    return approve, negated


def _note(body: str) -> str:
    """The therapist's words for the person, as written, without the decision word;
    nothing when only the decision was written ("No.", "Sorry, no")."""
    lead = _LEAD.match(body)
    note = (body[lead.end() :] if lead else body).strip()
    if _NO_NOTE.fullmatch(note):
        return ""
    return note[:MAX_NOTE_CHARS].strip()


_ABOUT_THEM = re.compile(
    r"\b(?:she|he|her|him|his|hers|they|them|their|she's|he's)\b", re.I
)
"""A note that speaks of the person in the third person is about them, not to them."""


def _proposal(scan: _Scan, today: date) -> tuple[WallTime | None, bool]:
    """(the proposed time, whether a new time was named too vaguely to act on)."""
    parts = list(scan.parts)
    for found in _BARE_HOUR.finditer(scan.masked):
        name = "h" if found["h"] else "h2"
        hour = int(found[name])
        readings = _readings(hour, 0, None, found[name], both=False)
        if readings:
            parts.append(
                _Part(found.start(name), found.end(name), _Kind.TIME, clocks=readings)
            )
    for found in _RELATIVE_DAY.finditer(scan.text):
        offset = 1 if found["rel"].lower() == "tomorrow" else 0
        try:
            near = today + timedelta(days=offset)
            day, month = near.day, near.month
        except OverflowError:
            day = month = 0  # past the calendar's end: a date no one can book
        parts.append(
            _Part(found.start(), found.end(), _Kind.DATE, value=day, month=month)
        )
    parts.sort(key=lambda part: part.start)
    positive, _ = _mentions(_Scan(scan.text, scan.masked, parts, scan.clauses))
    if len(positive) > 1:  # "I have a client at 10. Could we do 11 instead?"
        proposed = [m for m in positive if _PROPOSE.search(_sentence(scan.text, m[0]))]
        positive = proposed or positive
    named = [part for mention in positive for part in mention]
    if not named:
        return None, False
    clocks = {c for part in named if part.kind is _Kind.TIME for c in part.clocks}
    weekdays = {part.value for part in named if part.kind is _Kind.WEEKDAY}
    dates = {(part.value, part.month) for part in named if part.kind is _Kind.DATE}
    days = {part.value for part in named if part.kind is _Kind.DAY}
    vague = any(part.kind is _Kind.DAY_OR_HOUR for part in named)
    if vague or len(clocks) > 1 or len(weekdays) > 1 or len(dates) > 1 or len(days) > 1:
        return None, True
    if not clocks:
        # A day without a time: a proposal only half made, unless it is just news.
        return None, bool(_PROPOSE.search(scan.text) and (weekdays or dates or days))
    at = next(iter(clocks))
    weekday = next(iter(weekdays)) if weekdays else None
    on: date | None = None
    if dates:
        day, month = next(iter(dates))
        on = _next_date(today, month, day)
    elif days:
        on = _next_day_of_month(today, next(iter(days)), weekday)
    if (dates or days) and (
        on is None or (weekday is not None and on.weekday() != weekday)
    ):
        return None, True  # "Thursday 3 December" when the 3rd is a Wednesday
    if on is not None:
        return WallTime(at=at, on=on), False
    return WallTime(at=at, weekday=weekday), False


def _sentence(text: str, part: _Part) -> str:
    """The sentence a mention stands in ("?" and "." stay with it)."""
    start = max(text.rfind(end, 0, part.start) for end in ".!?\n") + 1
    ends = [i for i in (text.find(end, part.end) for end in ".!?\n") if i >= 0]
    return text[start : min(ends) + 1 if ends else len(text)]


def _next_date(today: date, month: int, day: int) -> date | None:
    """The next `day` of `month` on or after today (29 February waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _next_day_of_month(today: date, day: int, weekday: int | None) -> date | None:
    """The next date with this day of the month (and weekday, when named)."""
    year, month = today.year, today.month
    for _ in range(12 * 7):  # every weekday/day-of-month pair recurs within 7 years
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if (
            candidate is not None
            and candidate >= today
            and (weekday is None or candidate.weekday() == weekday)
        ):
            return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return None
