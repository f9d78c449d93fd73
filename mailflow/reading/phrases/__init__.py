"""The reading's knowledge of a language, loaded from data (`en.toml`). Pure.

Patterns live in a data file per language so that a second language is a file
and its templates, not code. This module compiles them once and offers them
as plain, typed values; `screen` and `classify` decide with them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

DEFAULT_LANGUAGE: Final = "en"

_SHORTHAND = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Family:
    """Patterns of one idea ("overdose", "gp-referral"), as one regex."""

    name: str
    pattern: re.Pattern[str]


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
    clause: re.Pattern[str]
    concern: tuple[Family, ...]
    """Kinds of words near risk (death, means, harm, violence, an ending,
    hopelessness): no risk of their own, but never left unseen."""


@dataclass(frozen=True, slots=True)
class RequestPhrases:
    seeking: re.Pattern[str]
    hints: re.Pattern[str]
    subject: re.Pattern[str]
    ask: re.Pattern[str]
    not_ours: tuple[Family, ...]
    not_ours_weak: re.Pattern[str]
    footer: re.Pattern[str]


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


@cache
def phrases(language: str = DEFAULT_LANGUAGE) -> Phrases:
    """The compiled phrase book of one language (cached for the process)."""
    data = tomllib.loads(
        resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8")
    )
    shorthand: dict[str, str] = data.get("shorthand", {})
    risk, request = data["risk"], data["request"]

    def one(patterns: list[str]) -> re.Pattern[str]:
        return _compile(patterns, shorthand)

    def families(tables: list[dict[str, Any]]) -> tuple[Family, ...]:
        return tuple(Family(t["family"], one(t["patterns"])) for t in tables)

    return Phrases(
        language=language,
        risk=RiskPhrases(
            clear=families(risk["clear"]),
            possible=families(risk["possible"]),
            safety_need=families(risk["safety_need"]),
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
            farewells_for_clear=int(risk["farewell"]["for_clear"]),
            clause=re.compile("|".join(risk["clause"]["patterns"])),
            concern=families(risk["concern"]["kinds"]),
        ),
        request=RequestPhrases(
            seeking=one(request["seeking"]),
            hints=one(request["hints"]),
            subject=one(request["subject"]),
            ask=one(request["ask"]["patterns"]),
            not_ours=families(request["not_ours"]),
            not_ours_weak=one(request["not_ours_weak"]["patterns"]),
            footer=re.compile("|".join(request["footer"]["patterns"]), re.MULTILINE),
        ),
        therapist=TherapistPhrases(
            offer_yes=re.compile("|".join(data["therapist"]["offer"]["yes"])),
            offer_no=re.compile("|".join(data["therapist"]["offer"]["no"])),
        ),
    )


def _compile(patterns: list[str], shorthand: dict[str, str]) -> re.Pattern[str]:
    """One alternation of whole-word patterns, with `{name}` shorthands expanded."""

    def expand(pattern: str) -> str:
        return _SHORTHAND.sub(lambda m: shorthand.get(m.group(1), m.group(0)), pattern)

    body = "|".join(f"(?:{expand(p)})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")
