"""What a reply in a conversation says about the writer's safety. Pure.

The phrase book first (`screen`), over the subject and the new words: clear
risk escalates at once, possible risk is noted. Where the phrases hear no
risk (nothing, or only a way to reach them safely, "don't ring after 6"),
the learned risk words (`risk_words`) weigh the new words as a whole, as
they weigh a first mail: a crisis said in passing beside a pick or a cancel,
in words no list foresaw ("the kids would manage fine without me", "I've
been counting the tablets"), is possible risk. The therapist is told with
their words, and every pick waits for the therapist from then on. The
subject is not weighed: it is the first mail's, weighed with it already, and
would weigh every later reply the same.

Measured on replies written for it (tests/corpus/replies/risk, and a held-out
set scored before this reader existed: `make understand`).
"""

from __future__ import annotations

from typing import Final

from mailflow.reading import risk_words, screen

WEIGHED: Final = "risk-words"
"""The family of a reply the risk words weigh as a crisis's."""
_NOT_RISK: Final = frozenset({"contact-safety"})
"""Families that say how to reach someone safely, not that they are at risk."""


def screen_reply(
    subject: str, words: str, *, extra_phrases: tuple[str, ...] = ()
) -> screen.Screening:
    """Screen a reply's new words (`quoting.new_words`: quotes and signature
    gone) under its subject."""
    said = screen.screen(f"{subject}\n{words}", extra_phrases=extra_phrases)
    if set(said.families) <= _NOT_RISK and risk_words.heavy(words):
        families = tuple(sorted({*said.families, WEIGHED}))
        return screen.Screening(screen.Risk.POSSIBLE, families, said.needs)
    return said


def raises(said: screen.Screening) -> bool:
    """Whether a reply's words put what it asks before the therapist
    (`workflow.Facts.raised`): possible risk of any kind, not a way to reach
    them safely alone ("email only please": a plain cancel beside it is
    carried out as before)."""
    return said.risk is screen.Risk.POSSIBLE and not set(said.families) <= _NOT_RISK


def weighed(said: screen.Screening) -> bool:
    """Whether the risk words heard it (no phrase of risk did)."""
    return WEIGHED in said.families
