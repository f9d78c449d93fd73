"""Words that weigh toward mail the practice answers itself, though the
request book reads it as a request for the call: a third reader beside the
phrase book and the risk words. Pure.

The request book hears asking ("could we arrange a call", "do you have
space") and the referral reader hears a referral's shape; both read what
they were taught. A school's learning mentor, a housing officer, a food
bank's coordinator, an employer's wellbeing scheme or a course seller asks
in the same words as a person asking for themselves, and on writers the
rules never saw (the held-out sets) 36 such mails were answered with times.
This reader weighs every word and pair of a mail, as `risk_words` does and
with its learner, each by how often it stands in mail the corpus says to
leave to the therapist rather than in requests and safety questions
(`bench/learn_risk.py` over every first mail learned from, never a
`held_out` set), and gives the chance the mail is not someone asking for
the call for themselves or someone close.

It only ever turns an answer into a question for the therapist, never into
silence, and only where nothing of risk was read (`classify`). What it
weighs is never shown in logs.
"""

from __future__ import annotations

from typing import Final

from mailflow.reading import risk_words

THRESHOLD: Final = 0.6
"""Chosen (2026-12-07) by leaving each first-mail set learned from out whole
in turn, learning from the rest and reading the set the whole way as a
writer never seen (`bench/learn_risk.py --leave`): mail the corpus says to
leave answered with times, 40 of 789 without this reader, 20 at 0.55, 22 at
0.6, 24 at 0.65; requests and safety questions asked about instead, 3, 1
and 0 of 1,263; and with another writer's closing put on those it could
turn, 44, 20 and 6 of 2,248. The held-out sets' counts were read after the
choice."""

WEIGHTS_FILE: Final = "leave_words.tsv"


def chance(text: str) -> float:
    """How likely the corpus says a mail with these words (its subject, a
    newline, its text) is one to leave to the therapist (0-1)."""
    return risk_words.chance(text, risk_words.shipped(WEIGHTS_FILE))


def heavy(text: str) -> bool:
    """Whether the words weigh enough toward mail the practice answers itself
    to ask the therapist before any times are sent."""
    return chance(text) >= THRESHOLD
