"""Clear risk said in words everyone also says of their diary. Pure.

"I don't think I'll be around much longer" is how a person in crisis may say
it; "not sure I'll be around next Tuesday" is how everyone else talks about
their week. The phrase book cannot tell the two apart: two designs that read
a diary beside these words read crises lower (README), so both stay clear
risk, with no times and the therapist alerted at once. What is decided here
is only the safety letter's words. Where these are a mail's only words of
risk or near it, and the risk words do not weigh it like a crisis's, the
letter does not tell someone who wrote about their week that what they
describe sounds really hard: it says which words it stopped at, gives the
practice's safety message, and asks them to say if they only meant their
plans. Anything more (a means, a goodbye, a burden, a death: `near_risk`)
keeps the letter that assumes the worst.
"""

from __future__ import annotations

from typing import Final

from mailflow.reading import risk_words, screen
from mailflow.reading.phrases import DEFAULT_LANGUAGE, phrases

FAMILY: Final = "not-around"
"""The phrase book's family of these words (en.toml)."""


def asks(said: screen.Screening, words: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether the safety letter asks rather than assumes: clear risk from the
    not-around words alone (no other phrase of risk, no safety need), in
    `words` with no other word near risk, that do not weigh like a crisis's."""
    if said.risk is not screen.Risk.CLEAR or said.families != (FAMILY,):
        return False
    (family,) = (f for f in phrases(language).risk.clear if f.name == FAMILY)
    rest = family.pattern.sub(" ", screen.normalize(words[: screen.MAX_SCREEN_CHARS]))
    return not screen.near_risk(rest, language=language) and not risk_words.heavy(words)
