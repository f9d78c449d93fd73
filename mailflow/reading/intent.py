"""What a reply means beyond times: withdrawing, moving, a private note, a
condition, a yes, or another language. Pure; the phrases are data.

`reply` reads numbers, days and times; `followup` reads the answer to the
follow-up. These families sit beside them, so that cancel, move and withdraw
are decided in one place (`read_booked_reply`) and never by two regex
families that disagree.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from importlib import resources
from typing import Final

from mailflow import patterns
from mailflow.model import Slot

_NEGATED: Final = patterns.compile(
    r"(?:\b(?:not|never)|\bno\b(?!\W*(?:thanks?\b|thank you\b|sorry\b|[,.!;:\-\u2013\u2014]))|n't|\bcannot)"
    r"\W+(?:[\w']+\W+){0,2}$",
    re.IGNORECASE,
)
"""The few words just before a phrase that turn it round ("I haven't changed my
mind"); "No, sorry," and "No thanks," answer the letter and turn nothing round."""


@dataclass(frozen=True, slots=True)
class ReplyBook:
    withdraw: re.Pattern[str]
    cancel: re.Pattern[str]
    move: re.Pattern[str]
    private: re.Pattern[str]
    takes_on: re.Pattern[str]
    no_show: re.Pattern[str]
    condition: re.Pattern[str]
    yes: re.Pattern[str]
    no: re.Pattern[str]
    followup_no: re.Pattern[str]
    start_question: re.Pattern[str]
    pick_sign: re.Pattern[str]
    private_words: re.Pattern[str]
    own_reason: re.Pattern[str]
    reject: re.Pattern[str]
    rebook: re.Pattern[str]
    again: re.Pattern[str]
    change_of_heart: re.Pattern[str]
    stop: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ForeignBook:
    """Another language's words for reading a reply to a list of times."""

    language: str
    stopwords: frozenset[str]
    weekdays: tuple[re.Pattern[str], ...]
    yes: re.Pattern[str]
    cancel: re.Pattern[str]
    move: re.Pattern[str]
    none: re.Pattern[str]
    no: re.Pattern[str]
    later: re.Pattern[str]
    thanks: re.Pattern[str]
    negation: re.Pattern[str]
    ordinals: tuple[re.Pattern[str], ...]
    choice: re.Pattern[str]
    start: re.Pattern[str]  # the follow-up: wanting to start
    start_question: re.Pattern[str]  # the follow-up: "when can we start?"
    condition: re.Pattern[str]  # the follow-up: a but, an if, a price


def _load(name: str) -> dict[str, object]:
    text = resources.files("mailflow.reading.phrases").joinpath(name).read_text("utf-8")
    return tomllib.loads(text)


def _words(patterns: object) -> re.Pattern[str]:
    assert isinstance(patterns, list)
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)|(?:{body})$", re.MULTILINE)


@cache
def book() -> ReplyBook:
    data = _load("en.toml")["reply"]
    assert isinstance(data, dict)
    raw: set[str] = set()
    return ReplyBook(
        **{
            key: re.compile("|".join(data[key])) if key in raw else _words(data[key])
            for key in ReplyBook.__slots__
        }
    )


_DAY_WORDS: Final = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|weds?|tues?"
    r"|thurs?|fri|mon)"
    r"(?:\s+(?:at\s+)?\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?)?"
)
"""What "DAY" stands for in the booked_keep family: a day said back, with its time."""


@cache
def booked_keep() -> re.Pattern[str]:
    """The words that keep a booked call silently ("thanks, see you Tuesday");
    case-blind, so a name beside them keeps its capital."""
    data = _load("en.toml")["reply"]
    assert isinstance(data, dict)
    patterns = data["booked_keep"]
    assert isinstance(patterns, list)
    body = "|".join(f"(?:{p.replace('DAY', _DAY_WORDS)})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@cache
def foreign_books() -> tuple[ForeignBook, ...]:
    found = []
    for entry in sorted(resources.files("mailflow.reading.phrases").iterdir(), key=str):
        name = entry.name
        if not name.endswith(".toml") or name == "en.toml":
            continue
        data = tomllib.loads(entry.read_text("utf-8")).get("reply")
        if not isinstance(data, dict):
            continue
        found.append(
            ForeignBook(
                language=name.removesuffix(".toml"),
                stopwords=frozenset(data["stopwords"]),
                weekdays=tuple(
                    re.compile(rf"(?<!\w)(?:{w})(?!\w)") for w in data["weekdays"]
                ),
                ordinals=tuple(
                    re.compile(rf"(?<!\w)(?:{w})(?!\w)") for w in data["ordinals"]
                ),
                choice=re.compile("|".join(data["choice"])),
                yes=re.compile(rf"^\W*(?:{'|'.join(data['yes'])})(?!\w)"),
                **{
                    key: re.compile(rf"(?<!\w)(?:{'|'.join(data[key])})(?!\w)")
                    for key in (
                        "cancel",
                        "move",
                        "none",
                        "no",
                        "later",
                        "thanks",
                        "negation",
                        "start",
                        "start_question",
                        "condition",
                    )
                },
            )
        )
    return tuple(found)


MAX_READ_CHARS: Final = 4 * 1024
"""A reply's meaning is in its head; every family is tried on this much, so
hostile input stays cheap."""


def _plain(text: str) -> str:
    """Lower case, one apostrophe, single spaces: what the phrase book expects."""
    text = (
        text[:MAX_READ_CHARS].casefold().replace("\u2019", "'").replace("\u2018", "'")
    )
    return re.sub(r"[ \t]+", " ", text)


def says(pattern: re.Pattern[str], text: str) -> bool:
    """Whether a family's phrase stands in the text, not turned round by a
    negation just before it."""
    text = _plain(text)
    return any(
        not _NEGATED.search(text[max(0, m.start() - 40) : m.start()])
        for m in pattern.finditer(text)
    )


def withdraws(text: str) -> bool:
    return says(book().withdraw, text)


def cancels_booking(text: str) -> bool:
    return says(book().cancel, text)


def signs_pick(text: str) -> bool:
    """A word that takes a time ("works", "please", "I'll take"), not negated."""
    return says(book().pick_sign, text)


def rejects(text: str) -> bool:
    """Words that turn a time down ("is out", "tricky", "I'm at work")."""
    return bool(book().reject.search(_plain(text)))


def private_words(text: str) -> bool:
    """The therapist's words about the person or their own ties to them
    ("she's my neighbour", "can't take him on", "spam"): never passed on."""
    return bool(book().private_words.search(_plain(text)))


_OWN_FILLER: Final = patterns.compile(
    r"\b(?:sorry|so sorry|unfortunately|i'?m afraid|afraid|so|x+|thanks|thank you|best"
    r"|all|and|but|no|the|i|am|really|just|then|though|at that time"
    r"|(?:for |on )?(?:that|this|next|the whole|the) (?:day|week|morning|afternoon|evening"
    r"|time|date)|all day|on (?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|[^\w\s]",
)


def own_reason(text: str) -> bool:
    """Whether a note is nothing but a short reason about the therapist's own
    time ("Sorry, I'm away that week"): such a note may go to the person."""
    plain = _plain(text)
    left = _OWN_FILLER.sub(" ", book().own_reason.sub(" ", plain))
    return bool(book().own_reason.search(plain)) and not left.strip()


def asks_to_rebook(text: str) -> bool:
    """Beside a cancel: asking to be booked again now ("cancel and rebook me for
    next week"), which makes it a move."""
    return says(book().rebook, text)


def asks_for_the_call_again(text: str) -> bool:
    """After their own cancel or withdrawal, asking for the call once more
    ("can I still have the free call?", "I think I'm ready now"); not beside
    words that withdraw ("I'd love a chat but I can't afford it")."""
    plain = _plain(text)
    return (
        says(book().again, plain)
        and not withdraws(plain)
        and not book().no.search(plain)
    )


def has_a_change_of_heart(text: str) -> bool:
    """After their own cancel, words that cancel beside a wish for the call
    ("I'm sorry I cancelled, I've changed my mind and would like the call"):
    not a repeated cancel, so never met with silence."""
    return says(book().change_of_heart, _plain(text))


def asks_to_move(text: str) -> bool:
    return says(book().move, text)


def private_note(text: str) -> bool:
    text = _plain(text)
    return bool(book().private.search(text) or book().takes_on.search(text))


def told_to_stop(text: str) -> bool:
    """The therapist tells mailflow to stop writing to the person ("stop
    sending her times", "no more emails to him", "no, stop")."""
    return bool(book().stop.search(_plain(text)))


def takes_it_on(text: str) -> bool:
    """The therapist will write to, ring or refer the person themselves."""
    return bool(book().takes_on.search(_plain(text)))


def booking_cancels(text: str) -> list[re.Match[str]]:
    """Where words that cancel a booking stand in lower-case, normalized text
    (the caller judges negation and conditions around each)."""
    return list(book().cancel.finditer(text[:MAX_READ_CHARS]))


def reports_no_show(text: str) -> bool:
    return bool(book().no_show.search(_plain(text)))


_FLEXIBLE: Final = patterns.compile(
    r"\b(?:i'?m|i\s+am|i\s+can\s+be)\s+(?:quite\s+|pretty\s+|fairly\s+|very\s+|really\s+)?"
    r"flexible\b|\b(?:any\s*time|whenever)\s+(?:is|suits|works)\b"
)
_WISH_IF: Final = patterns.compile(
    r"\bif\s+(?:you\s+)?(?:have|do|offer|'ve\s+got|got)\s+(?:them|it|those|any|that|one)\b"
)


def _unconditioned(text: str) -> str:
    """ "Tuesday evenings would be ideal if you have them, but I can be
    flexible": a wish, not a condition; its "if" is dropped."""
    plain = _plain(text)
    return _WISH_IF.sub(" ", plain) if _FLEXIBLE.search(plain) else plain


def has_condition(text: str) -> bool:
    """A condition or a question on terms ("as long as it's online", "do you
    do evenings?"); a question that takes starting for granted ("when can we
    start?") is none; a wish said to be flexible is none."""
    found = book()
    parts = re.split(r"(?<=[.?!\n])", _unconditioned(text))
    kept = [
        part
        for part in parts
        if not (part.endswith("?") and found.start_question.search(part))
    ]
    rest = "".join(kept)
    return "?" in rest or bool(found.condition.search(rest))


def has_explicit_condition(text: str) -> bool:
    """A condition in words ("as long as", "if I can", "need to check"), not
    only a question mark."""
    return bool(book().condition.search(_unconditioned(text)))


def says_no_to_starting(text: str) -> bool:
    """The follow-up answered no without the word: someone else, elsewhere."""
    return says(book().followup_no, text)


def declines(text: str) -> bool:
    return bool(book().no.search(_plain(text)))


def plain_yes(text: str) -> bool:
    found, text = book(), _plain(text)
    return bool(found.yes.search(text)) and not found.no.search(text)


@cache
def _english() -> frozenset[str]:
    words = _load("en.toml")["language"]
    assert isinstance(words, dict)
    return frozenset(words["stopwords"])


def language_of(text: str) -> str | None:
    """Another language the reply is written in, or None (English, or too short
    to tell)."""
    body = text[:MAX_READ_CHARS].casefold()
    words = re.findall(r"[^\W\d_]+", body)
    if not words:
        return None
    best, score, against = None, 0, 0
    for other in foreign_books():
        # A word both languages use ("me", "no") tells neither; a weekday
        # ("vendredi", "martes") tells theirs.
        own = other.stopwords - _english()
        hits = sum(w in own for w in words) + sum(
            1 for day in other.weekdays for _ in day.finditer(body)
        )
        if hits > score:
            english = sum(w in _english() and w not in other.stopwords for w in words)
            best, score, against = other.language, hits, english
    # Two words of another language at least, and more than of English: a
    # stray "option" or "no" never makes an English reply foreign.
    return best if score >= 2 and score > against else None


def foreign_says(text: str, language: str, what: str) -> bool:
    """Whether a reply in another language says `what` ("cancel", "move",
    "none", "no", "later", "thanks")."""
    other = next((b for b in foreign_books() if b.language == language), None)
    pattern: re.Pattern[str] | None = getattr(other, what, None) if other else None
    return pattern is not None and pattern.search(_plain(text)) is not None


def foreign_turns_down(text: str, language: str) -> bool:
    """Whether a reply in another language turns a time down, finds none, asks
    or adds a condition ("2. Non, je ne peux pas", "el 2, pero..."): a number
    in it is no pick."""
    other = next((b for b in foreign_books() if b.language == language), None)
    if other is None:
        return True
    plain = _plain(text)
    return "?" in plain or any(
        pattern.search(plain)
        for pattern in (other.negation, other.none, other.condition, other.move)
    )


def foreign_asks_only_when(text: str, language: str) -> bool:
    """Whether every question in a reply in another language takes starting for
    granted ("¿cuándo podemos empezar?")."""
    other = next((b for b in foreign_books() if b.language == language), None)
    if other is None:
        return False
    questions = [q for q in re.split(r"(?<=[.!?\n])", _plain(text)) if "?" in q]
    return bool(questions) and all(other.start_question.search(q) for q in questions)


def foreign_yes(text: str, language: str) -> bool:
    """A plain yes in another language ("sí, por favor", "oui", "ja graag")."""
    other = next((b for b in foreign_books() if b.language == language), None)
    return other is not None and other.yes.search(_plain(text)) is not None


def foreign_choice(
    text: str, language: str, offered: Sequence[Slot], zones: Sequence[tzinfo]
) -> int | None:
    """A reply in another language naming one offered time: by its number
    ("el número 3", "optie 2"), an ordinal ("la seconda opzione") or its
    weekday ("le vendredi"). None when it names none or more than one."""
    other = next((b for b in foreign_books() if b.language == language), None)
    if other is None:
        return None
    body = text[:MAX_READ_CHARS].casefold()
    count = len(offered)
    if other.negation.search(body) or other.none.search(body):
        return None  # "el martes no puedo": never a pick; asked instead
    if "?" in body or other.condition.search(body):
        return None  # "el 2, pero ¿puede ser a las 11?": a question, not a pick
    chosen: set[int] = set()
    for match in other.choice.finditer(body):
        chosen.add(int(next(g for g in match.groups() if g)))
    for number, pattern in enumerate(other.ordinals, 1):
        if number <= count and pattern.search(body):
            chosen.add(number)
    days = {d for d, pattern in enumerate(other.weekdays) if pattern.search(body)}
    if re.search(r"\d{1,2}\s*(?:h|uhr|:)", body):
        return None  # a clock time beside it: checked by a person, not guessed
    if days and not chosen:
        zone = zones[0] if zones else None
        for number, slot in enumerate(offered, 1):
            local = slot.start_at.astimezone(zone) if zone else slot.start_at
            if local.weekday() in days:
                chosen.add(number)
    bare = set(re.findall(r"(?<![\d:.])([1-9])(?![\d:.])", body))
    if not chosen and len(bare) == 1 and len(body.split()) <= 3:
        chosen.add(int(next(iter(bare))))  # "3, gracias": the whole answer
    if len(chosen) != 1:
        return None
    (number,) = chosen
    return number if 1 <= number <= count else None
