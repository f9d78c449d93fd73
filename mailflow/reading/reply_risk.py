"""What a reply in a conversation says about the writer's safety. Pure.

The phrase book first (`screen`): clear risk escalates at once, possible risk
is noted. Where the phrases hear nothing, the learned risk words
(`risk_words`) weigh the reply's own words as a whole, as they weigh a first
mail: a crisis said in passing beside a pick or a cancel, in words no list
foresaw ("the kids would manage fine without me", "I've been counting the
tablets"), is possible risk. The therapist is told with their words, and
every pick waits for the therapist from then on.

Measured on replies written for it (tests/corpus/replies/risk, and a held-out
set scored before this reader existed: `make understand`).
"""

from __future__ import annotations

from typing import Final

from mailflow.reading import risk_words, screen

WEIGHED: Final = "risk-words"
"""The family of a reply that only the risk words weigh as a crisis's."""


def screen_reply(
    subject: str, words: str, *, extra_phrases: tuple[str, ...] = ()
) -> screen.Screening:
    """Screen a reply's new words (`quoting.new_words`: quotes and signature
    gone) under its subject."""
    text = f"{subject}\n{words}"
    said = screen.screen(text, extra_phrases=extra_phrases)
    if said.risk is screen.Risk.NONE and risk_words.heavy(text):
        return screen.Screening(screen.Risk.POSSIBLE, (WEIGHED,))
    return said


def weighed(said: screen.Screening) -> bool:
    """Whether only the risk words heard it (no phrase, no need in their words)."""
    return said.families == (WEIGHED,)
