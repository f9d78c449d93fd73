"""Safety screening of a person's words, as a clinician's receptionist reads them. Pure.

Three answers: `CLEAR` risk now (suicidal thinking, recent self-harm or
overdose, danger from another person) gets the safety message instead of times
and the therapist at once; `POSSIBLE` risk or a safety need (history, vague dark
thoughts; "don't ring in the evenings, he'll be home") gets times, an alert and
the therapist's approval, with the need carried to them; `NONE` is everything
else. A missed crisis is the worst outcome, so the phrase families are wide; a
false alarm is kept down by reading where a phrase stands: negated ("I'm not
suicidal"), about grief or work ("my brother died by suicide", "this commute is
killing me"), or in the past ("I self-harmed as a teenager").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from mailflow import patterns
from mailflow.reading.phrases import (
    DEFAULT_LANGUAGE,
    Family,
    Pair,
    RiskPhrases,
    keywords,
    phrases,
)

MAX_SCREEN_CHARS: Final = 32 * 1024
"""Screened head of a message: crisis words come early or in the first pages,
and every pattern stays cheap on hostile input."""

MAX_NOTE_CHARS: Final = 300
"""A safety need is quoted to the therapist in the person's words, this long."""

_NEGATION_WINDOW: Final = 60
"""How far before a risk phrase a negator still reaches ("I am not, and have
never been, suicidal" is about 30 characters)."""
_CLAUSE_REACH: Final = 1000
"""How far after a risk phrase its clause is read (for tense), and how far
before it the words that frame it (a person, a topic): bounded, so that a
long hostile sentence costs linear time."""

_APOSTROPHES: Final = str.maketrans(
    dict.fromkeys("\u2019\u2018`\u00b4\u02bc\u2032", "'")
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")
)
_SENTENCE: Final = patterns.compile(
    r"(?<=[.!?;])\s+|\n\s*\n|\n(?=\s*(?:[-*\u2022]|\d+[.)]\s))|(?<=[!?])"
)
_ENDING: Final = "ending-words"
"""The possible family of an ending said in passing: two of them, or one with
a goodbye, are clear; with a hint alone ("thanks for everything"), not."""
_NEGATION_WORDS: Final = 4
"""A negator reaches this many words ahead: "not going to hurt myself"."""
_QUOTED_LINE: Final = patterns.compile(r"^[ \t]*>.*$", re.MULTILINE)
_BLANK_LINE: Final = patterns.compile(r"^[ \t>]*$", re.MULTILINE)
_WRAPPED_LINE: Final = 30
"""A line at least this long, broken, was wrapped by the mail program."""
_QUOTE_MARKS: Final = patterns.compile(r"^(?:[ \t]*>)+")
_WRAPPED_WORD: Final = patterns.compile(r"(?<=\w-)\n(?:[ \t]*>)*[ \t]*(?=\w)")
_LINE_BREAK: Final = patterns.compile(
    r"(?<!\n)\n(?![ \t>]*(?:\n|$|[-*\u2022\u2010-\u2015\u2212\uff0d]|\d+[.)]\s))"
    r"(?:[ \t]*>)*[ \t]*"
)
"""A line break inside a paragraph (and a quote's markers after it): mail
programs wrap plain text at 72-78 characters, so "kill" may end one line and
"myself" begin the next. A blank line (of spaces or quote markers too) or a
list item (a dash of any kind, a star, a bullet, a number), however
indented, still parts sentences; "self-" at a line's end joins "harm"."""
_WORDY: Final = patterns.compile(r"\w")
"""A sentence with a word: only these count in a pair's reach ("!!!" is none)."""
_HISTORY_READ: Final = 16
"""Clauses of a pair's act or sign read in a sentence for history, at most:
a long hostile sentence of repeated phrases costs linear time."""
_THERE_NOW: Final = patterns.compile(
    r"\b(?:i'?m|im|i am|he'?s|she'?s|they'?re|i'?ve|ive|i have)\b"
)
"""Someone there now: a clause that has them is never history."""
_OPENING_CLAUSE: Final = patterns.compile(
    r"\s*(?:after|since|following|having|once|when|before|been to|went to"
    r"|attended)\b[^,;:]*[,;:]"
)


class Risk(StrEnum):
    NONE = "none"
    POSSIBLE = "possible"  # times, an alert, the therapist's approval
    CLEAR = "clear"  # the safety message instead of times, an alert at once


DANGER_NOW = "danger-now"
"""The phrase book's families of danger now (en.toml), clear and possible."""


@dataclass(frozen=True, slots=True)
class Screening:
    """What the words say about safety. `families` are PII-free names for logs;
    `needs` are the person's own sentences about how (not) to reach them."""

    risk: Risk = Risk.NONE
    families: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    @property
    def alert(self) -> bool:
        return self.risk is not Risk.NONE

    @property
    def danger_now(self) -> bool:
        """Words of danger told now (`danger-now`, `danger-now-possible`):
        however sure, the therapist's alert says so and asks them to read it
        at once, and a conversation already closed still alerts them."""
        return any(family.startswith(DANGER_NOW) for family in self.families)

    @property
    def note(self) -> str:
        """The safety note for the therapist, in the person's words."""
        return " / ".join(self.needs)


def screen(
    text: str,
    *,
    extra_phrases: tuple[str, ...] = (),
    language: str = DEFAULT_LANGUAGE,
    quoted: bool = True,
) -> Screening:
    """Screen a person's words. `extra_phrases` (the practice's own, from
    config) count as clear risk wherever they stand. With `quoted=False`, lines
    starting with ">" are not read (a reply quoting our own letters)."""
    book = phrases(language).risk
    if not quoted:
        text = _QUOTED_LINE.sub("", text)
    head = _unwrapped(text[:MAX_SCREEN_CHARS])
    normal = normalize(head)
    found: dict[str, Risk] = {}
    needs: list[str] = []
    farewells = 0  # goodbyes and hints
    goodbyes = 0  # goodbyes alone
    endings = 0  # words of an ending said in passing
    sentences = _sentences(normal, head)
    signed: dict[tuple[int, int], bool] = {}  # (pair, sentence): its sign, read once
    # Sentences with a word, in order: a pair's reach counts these ("!!!" is none).
    wordy = [n for n, (s, _) in enumerate(sentences) if _WORDY.search(s)]
    place = {n: at for at, n in enumerate(wordy)}
    for number, (sentence, original) in enumerate(sentences):
        masked = _masked(sentence, book)
        words = keywords.words(masked)
        # The sentence and the one after it ("... better off without me. That
        # was about a year ago.") say whether it is history.
        context = " ".join(s for s, _ in sentences[number : number + 2])
        # Read once a sentence, not once a match (a long hostile sentence of
        # repeated phrases must cost linear time).
        told_as_past = book.past.search(sentence) is not None
        downgraded = book.downgrade.search(context) is not None
        for family in book.clear:
            for clause in _present(family, masked, words, book):
                now = book.now.search(clause) is not None
                past = (told_as_past or book.past.search(clause)) and not now
                calm = past or (downgraded and not now)
                _raise(found, family.name, Risk.POSSIBLE if calm else Risk.CLEAR)
                if found[family.name] is Risk.CLEAR:
                    break  # no later clause changes it
        for family in book.possible:
            # Farewells and words of an ending count up to the number that
            # makes a goodbye clear; one clause of any other family says all
            # it can.
            farewell = family.name.startswith("farewell")
            ending = family.name == _ENDING
            enough = book.farewells_for_clear if farewell or ending else 1
            clauses = list(
                itertools.islice(_present(family, masked, words, book), enough)
            )
            if clauses and farewell:
                farewells += len(clauses)
            if clauses and family.name == "farewell":
                goodbyes += len(clauses)
            if clauses and ending:
                endings += len(clauses)
            if clauses and not family.name.endswith("-hint"):
                _raise(found, family.name, Risk.POSSIBLE)
        for index, pair in enumerate(book.pairs if number in place else ()):
            near = _near(number, wordy, place, pair.reach)
            if _paired(index, number, near, sentences, masked, words, book, signed):
                _raise(found, pair.name, Risk.POSSIBLE)
        for family in book.safety_need:
            if family.may_match(words) and family.pattern.search(masked):
                _raise(found, family.name, Risk.POSSIBLE)
                needs.append(_one_line(original))
    if farewells >= book.farewells_for_clear:
        _raise(found, "farewell", Risk.CLEAR)  # two goodbyes in one mail
    if endings and endings + goodbyes >= book.farewells_for_clear:
        # Two words of an ending, or one beside a goodbye; never beside a
        # hint alone ("I won't be here any more. Thanks for everything.").
        _raise(found, _ENDING, Risk.CLEAR)
    if extra_phrases and _extra(extra_phrases).search(normal):
        _raise(found, "practice-phrase", Risk.CLEAR)
    if not found:
        return Screening()
    risk = max(
        found.values(), key=lambda r: (Risk.NONE, Risk.POSSIBLE, Risk.CLEAR).index(r)
    )
    return Screening(risk, tuple(sorted(found)), tuple(dict.fromkeys(needs))[:3])


def near_risk(text: str, *, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The kinds of words near risk in `text` (death, means, harm, violence,
    an ending, hopelessness), grief, idioms and topics masked first: no risk
    of their own, but a reason not to leave a stranger's mail unseen."""
    book = phrases(language).risk
    normal = read_as(text)
    masked = book.neutral.sub(lambda m: " " * len(m.group(0)), normal)
    return tuple(kind.name for kind in book.concern if kind.pattern.search(masked))


def is_news(said: Screening, known_risk: str, known_note: str | None) -> bool:
    """Whether possible risk in a new mail is something the therapist has not
    been told of for this enquiry: the first time, a risk beyond a contact
    need (dark thoughts again: told each time), or a need not noted yet."""
    if said.risk is not Risk.POSSIBLE:
        return False
    if known_risk == "none":
        return True
    if any(family != "contact-safety" for family in said.families):
        return True
    return bool(said.note) and said.note not in (known_note or "")


def normalize(text: str) -> str:
    """Lower case, one apostrophe, one dash, single spaces: what patterns expect."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return re.sub(r"[ \t\u00a0]+", " ", text)


def read_as(text: str) -> str:
    """What the phrases read of `text`: its screened head, each paragraph's
    lines joined, normalised."""
    return normalize(_unwrapped(text[:MAX_SCREEN_CHARS]))


def _unwrapped(text: str) -> str:
    """`text` with each paragraph's wrapped lines joined: a line break (and the
    quote markers after it) after a line as long as a wrapped one becomes one
    space; after a shorter line (a list's item, a line of a text message
    quoted) it ends a clause, so a "no" there never negates the next line."""
    text = _BLANK_LINE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _WRAPPED_WORD.sub("", text)

    def join(match: re.Match[str]) -> str:
        start = text.rfind("\n", 0, match.start()) + 1
        line = _QUOTE_MARKS.sub("", text[start : match.start()])
        return " " if len(line.strip()) >= _WRAPPED_LINE else ",\n"

    return _LINE_BREAK.sub(join, text)


def _sentences(normal: str, original: str) -> list[tuple[str, str]]:
    """Sentences of the normalised text with the original words beside them
    (NFKC and casefold may change lengths, so spans are only approximate)."""
    out: list[tuple[str, str]] = []
    start = 0
    same = len(normal) == len(original)
    for match in _SENTENCE.finditer(normal):
        piece = normal[start : match.start()]
        if piece.strip():
            out.append((piece, original[start : match.start()] if same else piece))
        start = match.end()
    if normal[start:].strip():
        out.append((normal[start:], original[start:] if same else normal[start:]))
    return out


def _present(
    family: Family, sentence: str, words: frozenset[str], book: RiskPhrases
) -> Iterator[str]:
    """Each clause where a family phrase stands, neither negated nor about a
    topic ("we see a lot of overdoses", "training on self-harm"). A clause
    runs from `_NEGATION_WINDOW` characters before its phrase to at most
    `_CLAUSE_REACH` after it."""
    if not family.may_match(words):
        return  # none of its words is here: it cannot match
    for match in family.pattern.finditer(sentence):
        clause = _clause_before(sentence, match.start(), book)
        if _negated(clause, book):
            continue
        if _about_a_topic(match, sentence, book):
            continue
        reach = match.end() + _CLAUSE_REACH
        after = book.clause.search(sentence, match.end(), reach)
        yield clause + sentence[match.start() : after.start() if after else reach]


def _clause_before(sentence: str, start: int, book: RiskPhrases) -> str:
    """The words of `sentence`'s clause just before `start`, at most
    `_NEGATION_WINDOW` characters."""
    before = sentence[max(0, start - _NEGATION_WINDOW) : start]
    return book.clause.split(before)[-1]


def _negated(clause: str, book: RiskPhrases) -> bool:
    """Whether `clause` (the words before a phrase) ends in a negator near
    enough to turn the phrase round ("not", "never", "isn't"), unless the
    negator means something else ("not sure")."""
    negator = list(book.negation.finditer(clause))
    if not negator:
        return False
    near = len(clause[negator[-1].start() :].split()) <= _NEGATION_WORDS + 1
    return near and not book.negation_except.search(clause)


def _paired(
    index: int,
    number: int,
    near: list[int],
    sentences: list[tuple[str, str]],
    masked: str,
    words: frozenset[str],
    book: RiskPhrases,
    signed: dict[tuple[int, int], bool],
) -> bool:
    """Whether sentence `number` (`masked`) holds pair `index`'s act and one
    of the sentences `near` it (its own included) its sign, each told of now:
    not negated, not about a topic, not history, and neither sentence calm
    (`Pair.calm`). `signed` keeps each sentence's answer for the sign, so a
    mail costs linear time however many acts it repeats."""
    pair = book.pairs[index]
    acts = itertools.islice(_present(pair.act, masked, words, book), _HISTORY_READ)
    if not any(_of_now(clause, masked, book) for clause in acts):
        return False
    if _calm(pair, sentences[number][0], book, own=True):
        return False
    for near_number in near:
        key = (index, near_number)
        if key not in signed:
            sentence = _masked(sentences[near_number][0], book)
            found = _present(pair.sign, sentence, keywords.words(sentence), book)
            signs = itertools.islice(found, _HISTORY_READ)
            # The act's own sentence was read for calm above.
            signed[key] = any(
                _of_now(clause, sentence, book) for clause in signs
            ) and not _calm(pair, sentences[near_number][0], book, own=False)
        if signed[key]:
            return True
    return False


def _calm(pair: Pair, sentence: str, book: RiskPhrases, *, own: bool) -> bool:
    """Whether a calm word of `pair` (`Pair.calm`) stands in `sentence`, the
    act's or a sign's: not negated ("this is not a palliative situation"),
    not of another time (`Pair.calm_gone`: "since Mum died at the hospice";
    or, but in the act's `own` sentence, the screen's `past`)."""
    calm = pair.calm
    if calm is None:
        return False
    if (pair.calm_gone is not None and pair.calm_gone.search(sentence)) or (
        not own and book.past.search(sentence)
    ):
        return False
    return any(
        not _negated(_clause_before(sentence, match.start(), book), book)
        for match in itertools.islice(calm.finditer(sentence), _HISTORY_READ)
    )


def _near(
    number: int, wordy: list[int], place: dict[int, int], reach: int
) -> list[int]:
    """Sentence `number` (one with a word) and the `reach` sentences with a
    word either side."""
    at = place[number]
    return wordy[max(0, at - reach) : at + reach + 1]


def _of_now(clause: str, sentence: str, book: RiskPhrases) -> bool:
    """A clause not told as history: no word of history in its `sentence`
    (`history`, narrower than `past`; "once, years ago," is parted from the
    act by its commas), or a word of now that outweighs it (`history_now`:
    "again tonight", "just taken"), or someone there now in the clause
    ("I'm", "she's", "I've taken": a crisis said "same as years ago")."""
    return (
        book.history.search(sentence) is None
        or book.history_now.search(sentence) is not None
        or _THERE_NOW.search(clause) is not None
    )


def _masked(sentence: str, book: RiskPhrases) -> str:
    """`sentence` with grief, idioms and topics (`neutral`) blanked out."""
    return book.neutral.sub(lambda m: " " * len(m.group(0)), sentence)


def _about_a_topic(match: re.Match[str], sentence: str, book: RiskPhrases) -> bool:
    """Whether the nearest person or topic named before the phrase is a topic.
    A person (the writer, a child, a partner) keeps it a risk: a parent writing
    that their son said he wants to die, or a wife that her husband is thinking
    of ending his life, is as urgent as the writer's own words."""
    if book.first_person.search(match.group(0)):
        return False
    before = sentence[max(0, match.start() - _CLAUSE_REACH) : match.start()]
    # An opening clause is over at its comma: "after the suicide prevention
    # workshop, the suicidal thoughts came back" is no topic. (Lists and
    # asides keep theirs: "my clients, especially the younger ones, self-harm".)
    opening = _OPENING_CLAUSE.match(before)
    if opening is not None:
        before = before[opening.end() :]
    nearest, topic = -1, False
    for is_topic, pattern in (
        (False, book.first_person),
        (False, book.dependant),
        (False, book.other),
        (True, book.topic),
    ):
        for found in pattern.finditer(before):
            if found.start() >= nearest:
                nearest, topic = found.start(), is_topic
    return topic


def _raise(found: dict[str, Risk], family: str, risk: Risk) -> None:
    if found.get(family) is not Risk.CLEAR:
        found[family] = risk


def _extra(extra_phrases: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(
        re.escape(normalize(p).strip()) for p in extra_phrases if p.strip()
    )
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)") if words else re.compile(r"(?!)")


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return (
        line if len(line) <= MAX_NOTE_CHARS else line[: MAX_NOTE_CHARS - 1] + "\u2026"
    )
