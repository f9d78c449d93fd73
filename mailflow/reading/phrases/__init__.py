"""The reading's knowledge of a language, loaded from data (`en.toml`). Pure.

Patterns live in a data file per language so that a second language is a file
and its templates, not code. This module compiles them once and offers them
as plain, typed values; `screen` and `classify` decide with them.

Compiling the book is most of a first run's reading (~0.1 s of Python-level
regex parsing), so the shell may hand over a book it compiled its own way
(`keep`; `shell.phrase_cache` keeps the engine's data on disk). Without that,
the book is compiled here with `re.compile` on first use, as in the tests.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

from mailflow import patterns
from mailflow.reading.phrases import keywords
from mailflow.reading.phrases.keywords import Keywords

DEFAULT_LANGUAGE: Final = "en"

_SHORTHAND = patterns.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Family:
    """Patterns of one idea ("overdose", "gp-referral"), as one regex."""

    name: str
    pattern: re.Pattern[str]
    keywords: Keywords | None = field(default=None, hash=False)
    """The pattern's terms by their strongest keyword (`keywords`): every
    match holds one term whole, an anchor and, unless it stands alone, a
    keyword beside it (whole words, pairs of words, words' starts). A
    sentence holding no term whole cannot match, and the pattern need not
    run on it. None: not read (the family always runs)."""

    _anchors: frozenset[str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.keywords is not None:
            object.__setattr__(self, "_anchors", frozenset(self.keywords))

    def may_match(self, words: frozenset[str]) -> bool:
        """False only when no match can be in a text of these `words`."""
        return keywords.may_match(self.keywords, words, self._anchors)


@dataclass(frozen=True, slots=True)
class Pair:
    """Words ordinary alone and a sign of now beside them: "took a few of the
    sleeping ones" is a dose or a crisis, "can't see the screen properly" a
    tired evening or a crisis; within `reach` sentences of each other (either
    side), each told of now, the family's possible risk."""

    name: str
    act: Family
    sign: Family
    reach: int
    calm: re.Pattern[str] | None = None
    """Words that, in the act's sentence or the sign's, say the two are told
    calmly (a hospice's care, a fast, a pet, a plan agreed with the doctors):
    that sentence pairs nothing. Unless negated, or told of another time
    (`calm_gone`; outside the act's sentence, the screen's `past`). Only
    those two sentences: a calm word a sentence away is as often someone
    else's ("my toddler and I are staying at Mum's", "the hospice staff
    were lovely to him")."""
    calm_gone: re.Pattern[str] | None = None
    """Words that put a calm sentence in another time: "Mum died at the
    hospice in March" is no calm for "since then I've stopped eating"."""


@dataclass(frozen=True, slots=True)
class RiskPhrases:
    clear: tuple[Family, ...]
    possible: tuple[Family, ...]
    safety_need: tuple[Family, ...]
    past: re.Pattern[str]
    now: re.Pattern[str]
    downgrade: re.Pattern[str]
    negation: re.Pattern[str]
    negation_except: re.Pattern[str]
    neutral: re.Pattern[str]
    dependant: re.Pattern[str]
    other: re.Pattern[str]
    topic: re.Pattern[str]
    first_person: re.Pattern[str]
    farewells_for_clear: int
    not_around_diary: re.Pattern[str]
    not_around_life: re.Pattern[str]
    not_around_reason: re.Pattern[str]
    not_around_keep: re.Pattern[str]
    """For the safety letter only (`diary_doubt`): a diary's time after a
    not-around phrase, a life's, a diary's reason or another time asked for,
    and words that keep the letter assuming."""
    clause: re.Pattern[str]
    concern: tuple[Family, ...]
    """Kinds of words near risk (death, means, harm, violence, an ending,
    hopelessness): no risk of their own, but never left unseen."""
    pairs: tuple[Pair, ...] = ()
    """Acts and signs of now that say danger together (`Pair`)."""
    history: re.Pattern[str] = re.compile(r"(?!)")
    """Words that tell a pair's act or sign as history ("when I was 15",
    "years ago"): narrower than `past`, whose states ("not in a good place",
    "no longer") are also said of now."""
    history_now: re.Pattern[str] = re.compile(r"(?!)")
    """Words of now that outweigh `history` in the same sentence ("again
    tonight", "just taken"); a plain "now" does not ("years ago now")."""


@dataclass(frozen=True, slots=True)
class RequestPhrases:
    seeking: re.Pattern[str]
    hints: re.Pattern[str]
    subject: re.Pattern[str]
    ask: re.Pattern[str]
    not_ours: tuple[Family, ...]
    not_ours_weak: re.Pattern[str]
    footer: re.Pattern[str]
    their_client: re.Pattern[str] = re.compile(r"(?!)")
    """Someone else telling of a person already the therapist's client: a
    plain request of theirs is asked about (`classify`)."""
    recommends: re.Pattern[str] = re.compile(r"(?!)")
    """A sentence recommending the practice: a client named beside it is no
    one the writer writes about."""
    own_need: re.Pattern[str] = re.compile(r"(?!)")
    """The writer asking for therapy of their own or couples work: the
    therapist's client named beside it does not hold the enquiry back."""


@dataclass(frozen=True, slots=True)
class TherapistPhrases:
    offer_yes: re.Pattern[str]
    offer_no: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Phrases:
    language: str
    risk: RiskPhrases
    request: RequestPhrases
    therapist: TherapistPhrases


Compile = Callable[[str, int], re.Pattern[str]]
"""`re.compile`, or what stands in for it (the same pattern, compiled)."""
Find = Callable[[str, int], Keywords | None]
"""`keywords.of_pattern`, or what stands in for it (the same words, kept)."""

_BOOKS: dict[str, Phrases] = {}


def source(language: str = DEFAULT_LANGUAGE) -> bytes:
    """The bytes of a language's phrase book, as shipped in the package."""
    return resources.files(__package__).joinpath(f"{language}.toml").read_bytes()


def phrases(language: str = DEFAULT_LANGUAGE) -> Phrases:
    """The compiled phrase book of one language (compiled once per process,
    unless the shell handed one over first: `keep`)."""
    book = _BOOKS.get(language)
    if book is None:
        data = tomllib.loads(source(language).decode("utf-8"))
        book = _BOOKS[language] = build(language, data)
    return book


def keep(book: Phrases) -> None:
    """Use `book` for its language from now on in this process: the shell's
    copy of the shipped book, compiled its own way (`shell.phrase_cache`)."""
    _BOOKS[book.language] = book


def build(
    language: str,
    data: dict[str, Any],
    make: Compile = re.compile,
    find: Find = keywords.of_pattern,
) -> Phrases:
    """The book of a parsed phrase file, every pattern compiled by `make`."""
    shorthand = _shorthands(data.get("shorthand", {}))
    risk, request = data["risk"], data["request"]
    their = request.get("their_client", {})

    def one(patterns: list[str]) -> re.Pattern[str]:
        return make(_alternation(patterns, shorthand), 0)

    def family(name: str, patterns: list[str], *, gated: bool) -> Family:
        """`gated`: the screen checks the family's keywords first."""
        pattern = one(patterns)
        return Family(name, pattern, find(pattern.pattern, 0) if gated else None)

    def families(
        tables: list[dict[str, Any]], *, gated: bool = False
    ) -> tuple[Family, ...]:
        return tuple(
            family(table["family"], table["patterns"], gated=gated) for table in tables
        )

    return Phrases(
        language=language,
        risk=RiskPhrases(
            clear=families(risk["clear"], gated=True),
            possible=families(risk["possible"], gated=True),
            safety_need=families(risk["safety_need"], gated=True),
            past=one(risk["past"]["patterns"]),
            now=one(risk["now"]["patterns"]),
            downgrade=one(risk["downgrade"]["patterns"]),
            negation=one(risk["negation"]["patterns"]),
            negation_except=one(risk["negation"]["except"]),
            neutral=one(risk["neutral"]["patterns"]),
            dependant=one(risk["frames"]["dependant"]),
            other=one(risk["frames"]["other"]),
            topic=one(risk["frames"]["topic"]),
            first_person=one(risk["frames"]["first_person"]),
            farewells_for_clear=max(1, int(risk["farewell"]["for_clear"])),
            not_around_diary=one(risk["not_around"]["diary"]),
            not_around_life=one(risk["not_around"]["life"]),
            not_around_reason=one(risk["not_around"]["reason"]),
            not_around_keep=one(risk["not_around"]["keep"]),
            clause=make("|".join(risk["clause"]["patterns"]), 0),
            concern=families(risk["concern"]["kinds"]),
            history=_optional(risk.get("history", {}).get("patterns"), one, make),
            history_now=_optional(risk.get("history", {}).get("now"), one, make),
            pairs=tuple(
                Pair(
                    name=table["family"],
                    act=family(table["family"], table["acts"], gated=True),
                    sign=family(table["family"], table["signs"], gated=True),
                    reach=max(0, int(table["reach"])),
                    calm=one(table["calm"]) if table.get("calm") else None,
                    calm_gone=(
                        one(table["calm_gone"]) if table.get("calm_gone") else None
                    ),
                )
                for table in risk.get("pairs", [])
            ),
        ),
        request=RequestPhrases(
            seeking=one(request["seeking"]),
            hints=one(request["hints"]),
            subject=one(request["subject"]),
            ask=one(request["ask"]["patterns"]),
            not_ours=families(request["not_ours"]),
            not_ours_weak=one(request["not_ours_weak"]["patterns"]),
            footer=make("|".join(request["footer"]["patterns"]), re.MULTILINE),
            their_client=_optional(their.get("patterns"), one, make),
            recommends=_optional(their.get("recommends"), one, make),
            own_need=_optional(their.get("own_need"), one, make),
        ),
        therapist=TherapistPhrases(
            offer_yes=make("|".join(data["therapist"]["offer"]["yes"]), 0),
            offer_no=make("|".join(data["therapist"]["offer"]["no"]), 0),
        ),
    )


def _optional(
    patterns: list[str] | None,
    one: Callable[[list[str]], re.Pattern[str]],
    make: Compile,
) -> re.Pattern[str]:
    """The alternation of `patterns`, or one that never matches when a book
    has none (an empty alternation would match everywhere)."""
    return one(patterns) if patterns else make("(?!)", 0)


def _shorthands(raw: dict[str, str]) -> dict[str, str]:
    """Shorthands with those they name expanded (one level: `{meds}` is
    `{pills}` and more names), so a list is written once."""
    return {
        name: _SHORTHAND.sub(
            lambda m: raw[m.group(1)] if m.group(1) in raw else m.group(0), value
        )
        for name, value in raw.items()
    }


def _alternation(patterns: list[str], shorthand: dict[str, str]) -> str:
    """One alternation of whole-word patterns, with `{name}` shorthands expanded."""

    def expand(pattern: str) -> str:
        return _SHORTHAND.sub(lambda m: shorthand.get(m.group(1), m.group(0)), pattern)

    body = "|".join(f"(?:{expand(p)})" for p in patterns)
    return rf"(?<!\w)(?:{body})(?!\w)"
