"""What a reply in a conversation says about the writer's safety. Pure.

The phrase book first (`screen`), over the subject and the new words: clear
risk escalates at once, possible risk is noted. Where the phrases hear no
risk (nothing, or only a way to reach them safely, "don't ring after 6"),
the learned risk words (`risk_words`) weigh the new words as a whole, as
they weigh a first mail, though a little lighter tips them
(`THRESHOLD`): a crisis said in passing beside a pick or a cancel,
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

THRESHOLD: Final = 0.45
"""Where the risk words raise a reply: below a first mail's even odds
(`risk_words.THRESHOLD`), since a reply raised costs less. A first mail
weighed heavy gets nothing until the therapist has read it; a reply raised
has its pick held (each waits for the therapist's yes anyway), or its
cancel held with nothing sent to them until the therapist answers, and a
note of possible risk. Chosen (2026-12-05) by leaving each set learned from
out whole (`bench/learn_risk.py --loso`), over the reply sets alone: crises
weighed heavy 76.6% at 0.5, 84.4% at 0.45, 89.6% at 0.4; ordinary replies
4.1%, 6.2%, 9.5%. Through the whole reading, the reply corpus's 658
ordinary replies raised by the words alone 11 -> 16 (24 at 0.4). Known
cost, from a review: "I don't mind which one" and its like (0.46-0.50),
rare in the corpus and common in life, are raised. The held-out sets'
counts were read after the choice (docs/reading.md). Only for a reply of
more than `FEW_WORDS`."""

FEW_WORDS: Final = 3
"""A reply of this many words or fewer keeps even odds, as before the
lower point: a weight or two decide its chance, and no reply that short is
in the sets learned from, crisis or not, to choose by. A review's short
crises sit between the two points ("Tell mum sorry" 0.49, "Nothing left."
0.47, "So tired" 0.46) and so do acknowledgements ("Got it" 0.47, "Sorted"
0.46, "Got your email" 0.45): a set of short replies would decide it."""

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
    if set(said.families) <= _NOT_RISK and _heavy(words):
        families = tuple(sorted({*said.families, WEIGHED}))
        return screen.Screening(screen.Risk.POSSIBLE, families, said.needs)
    return said


def _heavy(words: str) -> bool:
    """Whether the risk words raise a reply (`THRESHOLD`, `FEW_WORDS`)."""
    chance = risk_words.chance(words)
    if len(risk_words.words(words)) <= FEW_WORDS:
        return chance >= risk_words.THRESHOLD
    return chance >= THRESHOLD


def raises(said: screen.Screening) -> bool:
    """Whether a reply's words put what it asks before the therapist
    (`workflow.Facts.raised`): possible risk of any kind, not a way to reach
    them safely alone ("email only please": a plain cancel beside it is
    carried out as before)."""
    return said.risk is screen.Risk.POSSIBLE and not set(said.families) <= _NOT_RISK


def weighed(said: screen.Screening) -> bool:
    """Whether the risk words heard it (no phrase of risk did)."""
    return WEIGHED in said.families
