"""How people point at one of the offered times beyond a number: the middle
one, the evening one, half 4, under the quoted line, "as long as it's after 11".
Pure.

`reply.read_person_reply` reads numbers, days and clock times; this module
adds what people write around them, and checks a pick against any condition
attached to it. It never turns doubt into a booking: a condition not met, a
"3rd" that may be a date, a "2" beside a hedge is asked about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final

from mailflow import patterns
from mailflow.model import Slot

_HOURS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_HOUR = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_HALF = patterns.compile(rf"\bhalf\s+(?:past\s+)?{_HOUR}\b", re.IGNORECASE)
_QUARTER_PAST = patterns.compile(rf"\bquarter\s+past\s+{_HOUR}\b", re.IGNORECASE)
_QUARTER_TO = patterns.compile(rf"\bquarter\s+to\s+{_HOUR}\b", re.IGNORECASE)


def spoken_times(text: str) -> str:
    """British clock words as digits: "half 4" -> "4:30", "quarter past 2" ->
    "2:15", "quarter to 5" -> "4:45" (am or pm is left to the reader)."""

    def hour(word: str) -> int:
        return int(word) if word.isdigit() else _HOURS[word.lower()]

    def half(m: re.Match[str]) -> str:
        return f"{hour(m[1])}:30"

    def past(m: re.Match[str]) -> str:
        return f"{hour(m[1])}:15"

    def to(m: re.Match[str]) -> str:
        return f"{(hour(m[1]) - 2) % 12 + 1}:45"

    text = _QUARTER_PAST.sub(past, text)
    text = _QUARTER_TO.sub(to, text)
    return _HALF.sub(half, text)


_SIGNOFF: Final = patterns.compile(
    r"^\s*(?:(?:kind|best|warm|many|warmest)\s+(?:regards|wishes|thanks)|regards|thanks|"
    r"thank\s+you|cheers|best|all\s+the\s+best|ta|speak\s+soon|x+|sent\s+from\s+.+)"
    r"[\s,.!]*$",
    re.IGNORECASE,
)


def without_signoff(text: str) -> str:
    """The words above a sign-off line ("Regards", "Thanks," ...): what follows
    is a name, an address and numbers that are no picks."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if number and _SIGNOFF.match(line) and any(x.strip() for x in lines[:number]):
            return "\n".join(lines[:number])
    return text


_QUOTED_ITEM = patterns.compile(r"^\s*>+\s*(\d)[.)]\s+\S")
_QUOTED = patterns.compile(r"^\s*>")
_INLINE_YES = patterns.compile(
    r"^\s*(?:(?:\^+|<+|-+>?)\s*)?(?:(?:yes|yep|ok|okay)[\s,!.]*)?(?:this|that|this one|that one|"
    r"yes|yep|please|perfect|works|ok|okay|👍)"
    r"(?:[\s,]+(?:one|please|works|would be (?:great|perfect|good|lovely)|is (?:great|perfect|fine|good)|for me|this one|that one))*"
    r"[\s!.,]*(?:please|thanks|thank you)?[\s!.]*$",
    re.IGNORECASE,
)
_INLINE_ANY = patterns.compile(r"^\s*[^>\s]")
_INLINE_LEAD = patterns.compile(
    r"^\s*(?:(?:\^+|<+)\s*)?(?:(?:yes|yep|ok|okay)[\s,!.\-\u2013]*)?(?:this|that)\s+one\b"
    r"(?![\s,.!-]*(?:\w+\s+){0,2}(?:not|no|n't|can'?t|won'?t|doesn'?t))",
    re.IGNORECASE,
)
"""An inline answer that starts "yes, this one" and goes on about something else."""


def inline_choice(text: str) -> int | bool | None:
    """An answer typed under a quoted time line ("> 2. Thursday ..." then
    "this one please"): that time's number. False when something was typed
    inline but is no plain yes ("can't do this one"): a question back. None
    when nothing was typed inline."""
    lines = text.split("\n")
    chosen: set[int] = set()
    other = False
    last: int | None = None
    for line in lines:
        item = _QUOTED_ITEM.match(line)
        if item:
            last = int(item[1])
            continue
        if _QUOTED.match(line) or not line.strip():
            if _QUOTED.match(line):
                last = None if line.strip(" >") else last
            continue
        if last is None:
            continue
        if _INLINE_YES.match(line) or _INLINE_LEAD.match(line):
            chosen.add(last)
        elif _INLINE_ANY.match(line):
            other = True
        last = None
    if len(chosen) == 1 and not other:
        return next(iter(chosen))
    if chosen or other:
        return False
    return None


_THE_EARLY_DAY = patterns.compile(
    r"\bthe\s+(?P<edge>earl(?:y|ier|iest)|lat(?:e|er|est))\s+(?P<day>monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\s+(?:one|slot|option)\b",
    re.IGNORECASE,
)
_THE_ONE = patterns.compile(
    r"\bthe\s+(?P<w>middle|first|second|third|last|earl(?:y|iest)|lat(?:e|est)|"
    r"morning|lunch(?:time)?|afternoon|evening|weekend|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+(?:one|slot|option)\b",
    re.IGNORECASE,
)
_PART = {
    "morning": (time(0), time(12)),
    "lunch": (time(11, 30), time(14, 30)),
    "lunchtime": (time(11, 30), time(14, 30)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(23, 59)),
}
_DAYS: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def the_one(text: str, offered: Sequence[Slot], zone: tzinfo) -> int | bool | None:
    """ "the middle one", "the evening one", "the Tuesday one": the one offered
    time it names; False when it names several or none; None when not said."""
    edge = _THE_EARLY_DAY.search(text)
    if edge is not None and _turned_down(text, edge):
        return False  # "not the early Thursday one": which, then?
    if edge is not None:
        # "the early Thursday one": of that day's times, the earlier or later
        day = _DAYS.index(edge["day"].lower())
        same = sorted(
            (slot.start_at, n)
            for n, slot in enumerate(offered, 1)
            if slot.start_at.astimezone(zone).weekday() == day
        )
        if not same:
            return False
        return same[0][1] if edge["edge"].lower().startswith("earl") else same[-1][1]
    found = _THE_ONE.search(text)
    if found is None:
        return None
    if _turned_down(text, found):
        return False  # "not the Thursday one, the rest are fine": which, then?
    word = found["w"].lower()
    count = len(offered)
    if word == "middle":
        return 2 if count == 3 else False
    if word == "first":
        return 1
    if word == "last":
        return count
    if word in {"early", "earliest", "late", "latest"}:
        # the earliest in time, whatever its place in the list
        ordered = sorted(range(count), key=lambda k: offered[k].start_at)
        return (ordered[0] if word.startswith("earl") else ordered[-1]) + 1
    if word in {"second", "third"}:
        return {"second": 2, "third": 3}[word] if count >= 3 else False
    local = [slot.start_at.astimezone(zone) for slot in offered]
    if word in _DAYS:
        hits = [n for n, t in enumerate(local, 1) if t.weekday() == _DAYS.index(word)]
    elif word == "weekend":
        hits = [n for n, t in enumerate(local, 1) if t.weekday() >= 5]
    else:
        start, end = _PART[word]
        hits = [n for n, t in enumerate(local, 1) if start <= t.time() < end]
    return hits[0] if len(hits) == 1 else False


def _turned_down(text: str, found: re.Match[str]) -> bool:
    """Whether the words `found` are turned down: a "not" just before them,
    or a "doesn't work" or a funeral in their own clause after them. The
    clause only, up to a reason, not the sentence: "the Tuesday one please,
    sorry for the slow reply" and "the evening one as I don't finish till 4"
    turn nothing down."""
    before = text[max(0, found.start() - 30) : found.start()]
    clause = _CLAUSE_AFTER.match(text, found.end())
    return bool(
        _NOT_BEFORE.search(before)
        or (
            clause is not None
            and (
                _TURNED_DOWN_AFTER.search(clause.group())
                or _BUSY_THEN.search(clause.group())
            )
        )
    )


_CLAUSE_AFTER: Final = patterns.compile(
    r"(?:(?!\b(?:as|because|since|cos|coz|so|and|but)\b)[^.,;:!?\n\u2013\u2014])*",
    re.IGNORECASE,
)
"""The words after "the Thursday one" in its own clause, up to a reason ("as
I don't finish till 4" turns nothing down)."""
_BUSY_THEN: Final = patterns.compile(
    r"\b(?:funeral|wake|cremation|memorial)\b", re.IGNORECASE
)
"""A day taken by a funeral ("the Thursday one is my dad's funeral")."""


_ORD = (
    r"(?P<w>first|second|third|last|final|earl(?:y|ier|iest)|lat(?:e|er|est)"
    r"|morning|lunch(?:time)?|afternoon|evening)"
)
_NOUN = r"(?:one|slot|option)"
_NOUNS = r"(?:ones|slots|options|times)"
_DAY = (
    r"(?P<day>mon(?:day)?|tue(?:s|sday)?|wed(?:s|nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_DATE = (
    r"(?:\s+(?:the\s+)?(?P<date>\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:\s+(?:of\s+)?(?:dec\w*|jan\w*|nov\w*))?)?"
)
_ON_DAY: Final = tuple(
    patterns.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "the second one on Thursday", "first slot on weds", "the second one thurs",
        # "the later one, on Tuesday 8th"
        rf"\b(?:the\s+)?{_ORD}\s+{_NOUN}\s*,?\s+(?:(?:on|for|of|that)\s+)?(?:the\s+)?"
        rf"{_DAY}\b{_DATE}",
        # "the second Thursday one", "the later tuesday slot"
        rf"\bthe\s+{_ORD}\s+{_DAY}(?:'s)?\s+{_NOUN}\b",
        # "Thursday, the second one", "tuesday's later one", "Thursday 3rd - the first one"
        rf"\b{_DAY}\b{_DATE}(?:'s)?\s*[,:\-\u2013\u2014]?\s*(?:the\s+)?{_ORD}\s+{_NOUN}\b",
        # "the earlier of the two Thursday slots", "the later of the 2 on tuesday"
        rf"\bthe\s+{_ORD}\s+of\s+the\s+(?:two\s+|2\s+|three\s+|3\s+)?{_DAY}(?:'s)?\s+"
        rf"(?:{_NOUN}|{_NOUNS})\b",
        rf"\bthe\s+{_ORD}\s+of\s+the\s+(?:two\s+|2\s+|three\s+|3\s+)?(?:{_NOUNS}\s+)?on\s+"
        rf"(?:the\s+)?{_DAY}\b{_DATE}",
    )
)
"""One of a named day's times, by its place among them ("the second one on
Thursday"): never the list's second."""
_NOT_BEFORE: Final = patterns.compile(
    r"(?:\bnot|n't|\bno\b(?!\.?\s*\d)|\bnor|\bexcept|\bapart\s+from|\brather\s+than"
    r"|\bbut|\bother\s+than|\bbesides|\bavoid|\bpass\s+on|\bunable\s+to\s+\w+|\bsadly"
    r"|\bunfortunately|\bsorry)"
    r"\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_SENTENCE: Final = patterns.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")
_TURNED_DOWN_AFTER: Final = patterns.compile(
    r"^[^.!?\n]{0,60}?(?:\b(?:not|never|nor)\b|\bno\b(?!\s+(?:problem|worries|rush|bother))"
    r"|n't|\bdoesnt|\bdont|\bcant|\bwont|\bcannot\b|\btoo\s+(?:early|late|soon)"
    r"|(?<!no\s)\bproblem|\bclash|\btricky|\bawkward|\bdifficult|\bimpossible|\binstead|\bbusy"
    r"|\bsorry|\bwhen\s+i\s+(?:have|am|'m))",
    re.IGNORECASE,
)
"""After the words, in their sentence: turned down or corrected ("the first
one on Thursday doesn't work", "... is too late", "... sorry, the second
one", "... is when I have physio")."""
_OR: Final = patterns.compile(
    r"\b(?:or|either|whichever|both|any\s+of)\b", re.IGNORECASE
)
_LIST_PLACE: Final = {"first": 1, "second": 2, "third": 3}


def ordinal_on_day(
    text: str, offered: Sequence[Slot], zone: tzinfo
) -> int | bool | None:
    """The offered time a place among one day's times points at ("the second
    one on Thursday", "tuesday's later one", "the afternoon slot on Weds"),
    counted among that day's times, not down the list: the reader's pick
    stands only where it is this time (`reply.read_person_reply`); this never makes
    a pick. False, so no pick stands, when it points at none or several,
    when the day's times fall on more than one date and no date says which,
    when it is turned down or corrected before or after ("not the first one
    on Thursday", "... doesn't work for me", "... sorry, the second one"),
    when its sentence names alternatives, when the list's own place is that
    day's too and another time ("the second one on Tuesday" where the list's
    second is Tuesday's first), or is another day's and the day has only the
    one time ("the first one on Friday"). None when nothing is said so."""
    local = [slot.start_at.astimezone(zone) for slot in offered]
    meant: set[int] = set()
    for found in (m for pattern in _ON_DAY for m in pattern.finditer(text)):
        before = text[max(0, found.start() - 30) : found.start()]
        opening = text.rfind("\n", 0, found.start()) + 1
        for mark in ".!?":
            opening = max(opening, text.rfind(mark, 0, found.start()) + 1)
        ending = _SENTENCE.match(text, found.end())
        rest = ending.group() if ending else ""
        sentence = text[opening : found.start()] + rest
        if (
            _NOT_BEFORE.search(before)
            or _TURNED_DOWN_AFTER.search(rest)
            or _OR.search(sentence)
        ):
            return False
        word, day = found["w"].lower(), found["day"].lower()
        weekday = next(k for k, name in enumerate(_DAYS) if name.startswith(day[:3]))
        date = found.groupdict().get("date")
        same = sorted(
            (t, n)
            for n, t in enumerate(local, 1)
            if t.weekday() == weekday and (date is None or t.day == int(date))
        )
        if not same or len({t.date() for t, _ in same}) > 1:
            return False
        listed: int | None = None
        chosen: int | None = None
        if word in _LIST_PLACE or word in {"last", "final"}:
            place = len(same) if word in {"last", "final"} else _LIST_PLACE[word]
            listed = len(offered) if word in {"last", "final"} else _LIST_PLACE[word]
            listed_here = 1 <= listed <= len(offered) and any(
                n == listed for _, n in same
            )
            if place <= len(same) and len(same) > 1:
                chosen = same[place - 1][1]
            elif listed_here:
                chosen = listed  # "the second one on Wednesday": the list's, that day
        elif word.startswith(("earl", "lat")):
            if len(same) == 2 or (len(same) > 2 and word.endswith("est")):
                chosen = same[0][1] if word.startswith("earl") else same[-1][1]
        else:
            start, end = _PART["lunchtime" if word == "lunch" else word]
            parts = [n for t, n in same if start <= t.time() < end]
            chosen = parts[0] if len(parts) == 1 else None
        if chosen is None:
            return False
        if (
            listed is not None
            and listed != chosen
            and 1 <= listed <= len(offered)
            and local[listed - 1].weekday() == weekday
        ):
            return False  # the list's second is a Tuesday too: which?
        meant.add(chosen)
    if not meant:
        return None
    return next(iter(meant)) if len(meant) == 1 else False


_CONDITION = patterns.compile(
    r"\b(?:as\s+long\s+as|so\s+long\s+as|provided(?:\s+that)?|providing|only\s+if|if|but\s+only)\s+"
    r"(?:it'?s|it\s+is|that'?s|the\s+(?:time|call)\s+is|it\s+starts?"
    r"|it\s+(?:was|were|could\s+be|can\s+be|would\s+be|'d\s+be))?\s*"
    r"(?P<neg>not\s+)?(?P<dir>after|before|later\s+than|earlier\s+than|past|(?:done|finished|over)\s+by|by)\s+"
    r"(?P<h>\d{1,2})(?::(?P<m>\d\d))?\s*(?P<ap>am|pm)?",
    re.IGNORECASE,
)
_ANYTHING = patterns.compile(
    r"\b(?:anything|any\s+time|anytime|whenever|any\s+of\s+them)\s+"
    r"(?P<dir>after|before|from|past)\s+(?P<h>\d{1,2})(?::(?P<m>\d\d))?\s*(?P<ap>am|pm)?",
    re.IGNORECASE,
)
_HEDGE: Final = patterns.compile(
    r"\b(?:maybe|probably|possibly|perhaps|not\s+sure|let\s+me\s+check|"
    r"get\s+back\s+to\s+you|i'?ll\s+confirm|pencil|tentative\w*"
    r"|(?:might|may)\s+(?:have\s+to|need\s+to|not\s+be\s+able|be\s+(?:working|away|busy))"
    r"|(?:can|could)\s+i\s+(?:let\s+you\s+know|confirm|get\s+back)"
    r"|i'?ll\s+let\s+you\s+know\s+(?:tomorrow|later|for\s+sure|definitely|by|when|once|asap"
    r"|soon|if\s+i\s+can)"
    r"|i'?ll\s+(?:check|double[-\s]check)|(?:need|have)\s+to\s+check"
    r"|if\s+(?:there'?s\s+)?nothing\s+else|if\s+i\s+(?:have|must)\s+to?|if\s+need\s+be"
    r"|at\s+a\s+push|as\s+a\s+last\s+resort|(?:a\s+)?(?:bit|little|rather)\s+(?:early|late))\b",
    re.IGNORECASE,
)
"""No pick yet: a hedge ("I might have to work that day, can I let you know?"),
or a time taken reluctantly ("a bit early but I can do it if nothing else")."""


def clock(hour: str, minute: str | None, meridiem: str | None) -> time:
    """ "11" -> 11:00, "2" -> 14:00 (a practice's day: 1 to 7 is afternoon)."""
    h, m = int(hour) % 24, int(minute or 0)
    if meridiem:
        h = h % 12 + (12 if meridiem.lower() == "pm" else 0)
    elif 1 <= h <= 7:
        h += 12
    return time(h, m)


_PART_CONDITION = patterns.compile(
    r"\b(?:as\s+long\s+as|so\s+long\s+as|provided(?:\s+that)?|providing|only\s+if|if)\s+"
    r"(?:it'?s|it\s+is|that'?s|the\s+(?:time|call)\s+is)\s+(?:in\s+the\s+|at\s+)?"
    r"(?P<part>morning|afternoon|evening|lunchtime)",
    re.IGNORECASE,
)
_ANY_CONDITION = patterns.compile(
    r"\b(?:as\s+long\s+as|so\s+long\s+as|provided|providing|only\s+if|if\s+so"
    r"|if\s+(?:it'?s|it\s+is|that'?s|the|you|she|he|they|my|i\s+can|we\s+can"
    r"|i\b|it\s+(?:was|were|could|can|would|'d)|we\s+(?:could|can)|there'?s|work)"
    r"|unless|assuming|depending|dependent\s+on|subject\s+to|on\s+condition)\b",
    re.IGNORECASE,
)
"""Any other condition beside a pick ("if it was nearer 7", "unless work kicks
off", "assuming my train is on time", "depending on childcare"): the pick
hangs on it, so it is asked about (a clock bound is checked above)."""


def condition_met(text: str, slot: Slot, zone: tzinfo) -> bool | None:
    """Whether a condition attached to a pick holds for the slot: a clock bound
    ("as long as it's after 11", "done by half 1": the call's end counts), a
    part of the day ("if it's in the morning"). None when no condition is
    stated; False for a condition that cannot be checked ("if so, number 2"),
    since a pick that depends on something else is asked about. A slot right
    on the bound ("after 11" and 11:00) does not meet it: asked, not guessed."""
    found = _CONDITION.search(text)
    start = slot.start_at.astimezone(zone)
    if found is not None:
        bound = clock(found["h"], found["m"], found["ap"])
        direction = " ".join(found["dir"].lower().split())
        if direction in {"after", "later than", "past"}:
            met = start.time() > bound
        elif direction in {"by", "done by", "finished by", "over by"}:
            met = slot.end_at.astimezone(zone).time() <= bound
        else:
            met = start.time() < bound
        return not met if found["neg"] else met
    for limit in _BOUND_ANY.finditer(text):
        at = clock(limit["h"], limit["m"], limit["ap"])
        direction = " ".join(limit["dir"].lower().split())
        later = direction in {"after", "from", "no earlier than"}
        if limit["neg"] and direction in {"after", "before", "till", "until", "from"}:
            later = not later  # "don't ring after 6", "I don't get home till 7"
        if later and not start.time() >= at:
            return False
        if not later and not slot.end_at.astimezone(zone).time() <= at:
            return False
    for said in _PART_ANY.finditer(text):
        low, high = _PART[said["part"].lower().rstrip("s")]
        if not low <= start.time() < high:
            return False
    part = _PART_CONDITION.search(text)
    if part is not None:
        low, high = _PART[part["part"].lower()]
        return low <= start.time() < high
    if _ANY_CONDITION.search(_BENIGN_IF.sub(" ", text)):
        return False
    return None


_BOUND_ANY = patterns.compile(
    r"(?P<neg>\b(?:not|n't|cannot|can't|don't|won't)\b[^.,;]{0,25}?)?\b"
    r"(?P<dir>after|from|before|till|until|no\s+later\s+than|no\s+earlier\s+than)\s+"
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d\d))?\s*(?P<ap>am|pm)?(?![\d:])",
    re.IGNORECASE,
)
"""Any bound on the time named beside a pick: "free after 3", "not before 10",
"I don't get home till 7" (which means after)."""
_PART_ANY = patterns.compile(
    r"\b(?:in\s+the\s+|on\s+my\s+|at\s+)?(?P<part>mornings?|afternoons?|evenings?|lunch(?:time)?)\b"
    r"(?:\s+break)?",
    re.IGNORECASE,
)
_BENIGN_IF = patterns.compile(
    r"\bif\s+(?:it'?s|that'?s|it\s+is|that\s+is|they'?re|it'?s\s+still)\s+(?:still\s+)?"
    r"(?:free|available|open|going|ok|okay|alright|possible|fine)\b|\bif\s+possible\b"
    r"|\bif\s+that\s+works\b|\bif\s+(?:you\s+)?(?:still\s+)?(?:have|got)\s+it\b"
    r"|\bif\s+i'?m\s+(?:being\s+)?(?:honest|truthful|fair|frank)\b|\bif\s+i\s+may\b"
    r"|\bif\s+(?:you\s+)?need(?:ed)?(?:\s+(?:me|to\s+(?:reach|call|ring|contact)\s+me"
    r"|anything|it))?\b(?!\s+to\s+(?:move|change|cancel))"
    r"|\bif\s+there'?s\s+(?:still\s+)?(?:space|room|a\s+(?:space|slot|place)|availability)\b"
    r"|\bunless\s+(?:you'?d\s+rather|you\s+would\s+rather|you\s+prefer|i\s+hear\s+otherwise"
    r"|(?:it'?s|it\s+has|it'?s\s+been|that'?s)\s+(?:gone|taken|been\s+taken|already\s+gone))\b",
    re.IGNORECASE,
)
"""Polite ifs that make no condition: "#1 if that's still free", "I'm on
07700 900742 if you need me"."""
_CORRECTION = patterns.compile(
    r"\b(?:actually|make\s+that|i\s+mean|scratch\s+that|on\s+second\s+thoughts?|sorry,?\s+no|correction)\b",
    re.IGNORECASE,
)


def corrected_choice(text: str, count: int) -> int | bool | None:
    """ "2 please - actually no, make that 1": the number after the last
    correction, when there is exactly one; False when corrected otherwise;
    None when nothing was corrected."""
    marks = list(_CORRECTION.finditer(text))
    if not marks:
        return None
    after = text[marks[-1].end() :]
    numbers = {int(n) for n in re.findall(r"(?<![\d:.])([1-9])(?![\d:.])", after)}
    numbers = {n for n in numbers if n <= count}
    return next(iter(numbers)) if len(numbers) == 1 else False


def within(text: str, offered: Sequence[Slot], zone: tzinfo) -> list[int] | None:
    """ "I can do anything after 5": the numbers of the offered times that fit,
    or None when no such range is named."""
    found = _ANYTHING.search(text)
    if found is None:
        return None
    bound = clock(found["h"], found["m"], found["ap"])
    later = found["dir"].lower() in {"after", "from", "past"}
    fits = []
    for number, slot in enumerate(offered, 1):
        at = slot.start_at.astimezone(zone).time()
        if (at >= bound) if later else (at < bound):
            fits.append(number)
    return fits


_NOTHING_BOUND = patterns.compile(
    r"\b(?:nothing|(?:can(?:'|no)?t|cannot)\s+do\s+anything|not\s+(?:free|available)"
    r"|(?:can(?:'|no)?t|cannot)\s+(?:do|make)\s+(?:it|anything|any\s+time))\s+"
    r"(?P<dir>before|earlier\s+than|until|till|after|later\s+than|past)\s+"
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d\d))?\s*(?P<ap>am|pm)?(?![\d:.])",
    re.IGNORECASE,
)


def ruled_out_hours(text: str) -> tuple[time | None, time | None] | None:
    """ "Nothing before 5 works for me", "I can't do anything after 3": the
    (earliest, latest) start that is left, or None when no such bound is named."""
    found = _NOTHING_BOUND.search(text)
    if found is None:
        return None
    bound = clock(found["h"], found["m"], found["ap"])
    if found["dir"].lower() in {"after", "later than", "past"}:
        return None, bound
    return bound, None


def hedged(text: str) -> bool:
    """ "I think 2, but let me check": no pick yet."""
    return _HEDGE.search(text) is not None


_ORDINAL_DAY = patterns.compile(
    r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    re.IGNORECASE,
)


def date_or_option(text: str, offered: Sequence[Slot], zone: tzinfo) -> bool:
    """ "the 3rd": the third time, or the time on the 3rd? Both exist: ask."""
    count = len(offered)
    for found in _ORDINAL_DAY.finditer(text):
        before = text[max(0, found.start() - 12) : found.start()].lower()
        if any(day in before for day in _DAYS):
            continue  # "Thursday the 3rd": a date
        n = int(found[1])
        on_day = {
            k
            for k, slot in enumerate(offered, 1)
            if slot.start_at.astimezone(zone).day == n
        }
        if n <= count and on_day and on_day != {n}:
            return True
    return False


def local_day(slot: Slot, zone: tzinfo) -> datetime:
    return slot.start_at.astimezone(zone)


def at_lunchtime(slot: Slot, zone: tzinfo) -> bool:
    """Whether a time falls at lunchtime (11:30 to 14:30), which no day part names."""
    start, end = _PART["lunchtime"]
    return start <= slot.start_at.astimezone(zone).time() < end


_NOT_DAY = patterns.compile(
    r"\b(?:not|no|can'?t\s+do|cannot\s+do)\s+(?P<day>today|tomorrow)\b"
    r"|\b(?P<day2>today|tomorrow)(?:'s|\s+is)\s+(?:no\s+good|not\s+good|out|impossible|bad|a\s+no)\b",
    re.IGNORECASE,
)
_AWAY_THAT_WEEK = patterns.compile(
    r"\b(?:away|travell?ing|on\s+holiday|on\s+leave|abroad|busy|not\s+around|not\s+available|"
    r"out\s+of\s+(?:the\s+)?(?:country|office))\s+(?:for\s+|all\s+)?"
    r"(?:(?:that|this)\s+(?:whole\s+)?|the\s+whole\s+)week\b"
    r"|\bthat\s+(?:whole\s+)?week\s+is\s+(?:chaos|no\s+good|out|impossible|busy|bad|a\s+write-?off)\b"
    r"|\bnot\s+that\s+week\b",
    re.IGNORECASE,
)
_WEEK_AFTER = patterns.compile(
    r"\b(?:the\s+)?(?:following\s+week|week\s+after(?:\s+that)?)\b", re.IGNORECASE
)
_NEXT_WEEK = patterns.compile(r"\bnext\s+week\b", re.IGNORECASE)
_WEEK_OF = patterns.compile(
    r"\b(?:week\s+(?:of|commencing|beginning|starting)|w/[cb])\s+(?:the\s+)?"
    r"(?P<n>\d{1,2})(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_AWAY_BEFORE = patterns.compile(
    r"\b(?:away|on\s+holiday|on\s+leave|travell?ing|abroad|not\s+(?:around|available|free)"
    r"|busy|out\s+of\s+(?:the\s+)?(?:country|office))\b[^.!?\n]{0,20}$",
    re.IGNORECASE,
)
_LATER_IN_WEEK = patterns.compile(r"\blater\s+in\s+the\s+week\b", re.IGNORECASE)
_FROM_DAY = patterns.compile(
    r"\b(?:after|from|until|till|back\s+(?:on|from))\s+the\s+(?P<n>\d{1,2})(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)


def _next_day(today: date, n: int) -> date | None:
    """The next date (today or later, within three months) on the `n`th."""
    for months in range(3):
        year = today.year + (today.month - 1 + months) // 12
        month = (today.month - 1 + months) % 12 + 1
        try:
            day = date(year, month, n)
        except ValueError:
            continue
        if day >= today:
            return day
    return None


def exclusions(
    text: str, today: date, reference: Sequence[Slot], zone: tzinfo
) -> tuple[date | None, frozenset[date]]:
    """What a reply rules out for the next set of times, as (no day before,
    never these days): "not tomorrow", "I'm away that week" (the week of the
    times just offered or held), "the following week", "later in the week",
    "I'm away until the 20th", "the week of the 15th". Days only: never a
    guess at a time."""
    not_on: set[date] = set()
    not_before: date | None = None
    for found in _NOT_DAY.finditer(text):
        word = (found["day"] or found["day2"]).lower()
        not_on.add(today if word == "today" else today + timedelta(days=1))
    week_of = min(
        (s.start_at.astimezone(zone).date() for s in reference), default=today
    )
    monday_after = week_of - timedelta(days=week_of.weekday()) + timedelta(days=7)

    def later(day: date) -> None:
        nonlocal not_before
        not_before = day if not_before is None else max(not_before, day)

    if _AWAY_THAT_WEEK.search(text) or _WEEK_AFTER.search(text):
        later(monday_after)
    if _NEXT_WEEK.search(text):
        later(today - timedelta(days=today.weekday()) + timedelta(days=7))
    if _LATER_IN_WEEK.search(text):
        later(today + timedelta(days=2))
    for found in _WEEK_OF.finditer(text):
        # "the week of the 15th": from that week's Monday; "I'm away the week
        # of the 11th": from the Monday after it.
        day = _next_day(today, int(found["n"]))
        if day is not None:
            monday = day - timedelta(days=day.weekday())
            away = _AWAY_BEFORE.search(text[: found.start()])
            later(monday + timedelta(days=7) if away else monday)
    for found in _FROM_DAY.finditer(text):
        day = _next_day(today, int(found["n"]))
        if day is not None:
            after = found[0].lower().startswith("after")
            later(day + timedelta(days=1) if after else day)
    return not_before, frozenset(not_on)
