"""Clear risk said in words everyone also says of their diary. Pure.

"I don't think I'll be around much longer" is how a person in crisis may say
it; "not sure I'll be around next Tuesday" is how everyone else talks about
their week. The phrase book cannot tell the two apart: two designs that read
a diary beside these words read crises lower (docs/reading.md), so both stay clear
risk, with no times and the therapist alerted at once. What is decided here
is only the safety letter's words, for someone who asked for the call and of
whom nothing else is known. Instead of telling someone who wrote about their
week that what they describe sounds really hard, the letter says it noticed
what they wrote about not being around, checks they are safe (the
practice's safety message) and asks how they are; it offers no way out and
nothing that reads their words as a diary's, because a crisis gets it too: a review built crises
that pass every test here in a minute ("I won't be here tomorrow. Tell my
mum I'm sorry. Could we do today instead?"). It goes only where every
not-around phrase has a diary's time right after it ("next Tuesday", "by
7", "in August") and none a life's ("much longer", "by then", "anyway"),
the mail gives a diary's reason or asks for another time ("I'm at work",
"could we do Wednesday instead?"), nothing else in it is near risk (another
phrase or safety need, a goodbye, hint or ending, a word of death, a means,
harm, violence or hopelessness, idioms not excused, the phrase book's words
that keep the letter assuming, "my arrangements"), and the words do not
weigh like a crisis's. Anything else gets the letter that assumes the worst.
"""

from __future__ import annotations

from typing import Final

from mailflow import patterns
from mailflow.model import Enquiry
from mailflow.reading import risk_words, screen
from mailflow.reading.phrases import DEFAULT_LANGUAGE, phrases

FAMILY: Final = "not-around"
"""The phrase book's family of these words (en.toml)."""
_AFTER: Final = 40
"""How far after a not-around phrase its diary's time may stand."""
_SENTENCE_END: Final = patterns.compile(r"[.!?;\n]")


def asks(said: screen.Screening, words: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether the safety letter for `words` (what they wrote, subject and
    all) asks rather than assumes; `said` is their screening."""
    if said.risk is not screen.Risk.CLEAR or said.families != (FAMILY,):
        return False
    book = phrases(language).risk
    (family,) = (f for f in book.clear if f.name == FAMILY)
    normal = screen.read_as(words)
    found = list(family.pattern.finditer(normal))
    if not found:
        return False
    for match in found:
        after = normal[match.end() : match.end() + _AFTER]
        said_here = match.group(0) + _SENTENCE_END.split(after, maxsplit=1)[0]
        if book.not_around_life.search(said_here):
            return False
        if not book.not_around_diary.search(said_here):
            return False
    rest = family.pattern.sub(" ", normal)
    if not book.not_around_reason.search(rest):
        return False  # no reason of a diary's, no other time asked for
    nearby = (
        book.not_around_keep,
        *(f.pattern for f in book.possible),
        *(f.pattern for f in book.concern),
    )
    if any(pattern.search(rest) for pattern in nearby):
        return False
    return not risk_words.heavy(words)


def still_asks(asked: bool, known: Enquiry | None) -> bool:
    """`asked` (the letter would ask), unless mailflow already knows of risk or
    a safety need for this person: then it assumes, as the alert says."""
    return asked and (known is None or (known.risk == "none" and not known.safety_note))
