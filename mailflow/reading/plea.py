"""A plea and nothing else: "help me", "I'm in crisis", "not coping at all". Pure.

A stranger who writes only this asks for no call and names no risk the phrase
book knows, so the mail was left alone with nobody told. Read as a whole mail,
not as words found in it: every sentence of the subject and of the writer's
own words must be a plea, a greeting or thanks, or their name at the end, and
one at least a plea. So a footer's "If you are in crisis, call...", a shop's
menu line "Help", "help me understand your fees" or "I'm not ok with the new
fee" never make one: each stands beside words that say what the mail is for.
"""

from __future__ import annotations

import re
from typing import Final

from mailflow.reading import risk_words, screen

MAX_CHARS: Final = 2000
"""A plea alone is short; longer mail says more than one."""

_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|tr)\s*:\s*)+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?,;])\s+|\s+[-\u2013\u2014]+\s+")
"""Where a sentence or a clause ends: "Hi, help." and "urgent - in crisis"
are each a greeting or a word for nobody, and a plea."""
_EDGES = " \t.,;:!?*~-\u2013\u2014()[]\"'`"
_TAIL = re.compile(
    r"(?:\s+(?:x+|:\(+|:'\(|;\(|:-\(|<3)|[\u2600-\u27bf\U0001f300-\U0001faff])+$"
)
"""Kisses, frowns and emoji after the words ("help me x", "im not ok :(")."""
_ANYONE = r"(?:(?:some|any|no) ?(?:one|body))"
_PLEAS: Final = re.compile(
    "|".join(
        (
            r"(?:(?:please|pls|plz|plse)[ ,]*)*(?:" + _ANYONE + r"[ ,]*)?"
            r"(?:(?:please|pls|plz)[ ,]*)*(?:help|hlp|halp|hepl|he+lp|hel+p)"
            r"(?: me)?(?:[ ,.!]*(?:please|pls|plz|now|urgently|asap))*",
            r"(?:i )?(?:really |urgently |desperately |just )?need (?:some )?help"
            r"(?: (?:now|urgently|asap|please|pls|today|tonight))*",
            r"help needed|urgent help|sos|s\.o\.s",
            r"(?:i'm|im|i am) (?:really |so |just |totally |completely |honestly )?"
            r"(?:not (?:ok|okay|coping|managing|alright|all right)"
            r"|in (?:a )?(?:real |bit of a |total |mental health )?crisis"
            r"|falling apart|breaking down|losing it|losing my mind"
            r"|at (?:my )?breaking point|in a (?:really |very )?(?:bad|dark) place"
            r"|drowning|struggling|done)"
            r"(?: (?:at all|right now|now|today|tonight|anymore|any more))*",
            r"(?:really |so |just )?not (?:ok|okay|coping|managing)(?: at all)?"
            r"(?: (?:right now|now|today|tonight|anymore))?",
            r"(?:having a )?(?:mental health )?crisis|in crisis"
            r"|having a (?:mental )?breakdown|(?:nervous|mental) breakdown",
            r"(?:what's|whats|what is) the point(?: (?:anymore|any more"
            r"|of (?:it|anything)|in (?:it|anything)))?|no point(?: (?:anymore|any more))?",
            r"(?:i )?can'?t (?:do this|cope|take (?:it|this)|handle (?:it|this))"
            r"(?: (?:anymore|any more))?",
            r"(?:is )?" + _ANYONE + r" (?:there|out there|listening|reading this)"
            r"|" + _ANYONE + r"(?: please)?",
            r"i need (?:someone|somebody)(?: to talk to)?(?: (?:now|tonight|please))*",
            r"drowning(?: here)?",
        )
    )
)
"""A sentence that is a plea, whole (after `_EDGES` and `_TAIL`)."""
_FILLER: Final = re.compile(
    r"hi|hello|hey|hiya|hey there|hello there|dear [a-z]+(?: [a-z]+)?"
    r"|good (?:morning|afternoon|evening|night)|morning|evening"
    r"|thanks|thank you|thanks in advance|sorry"
    r"|sorry (?:to|for) (?:bother(?:ing)? you|writ(?:e|ing)|email(?:ing)?|this)"
    r"(?: (?:out of the blue|like this|so late|at this hour))?"
    r"|please|urgent|urgently|asap|question|enquiry|inquiry"
    r"|message|contact|contact form|no subject|counsel+ing|therapy|therapist"
)
"""A sentence that says nothing of what the mail is for: a greeting, thanks,
or a subject of one word for nobody in particular."""
_NAME = re.compile(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)?")
"""The writer's name on the last line ("Sam", "Jo Lee"), as written."""


def alone(subject: str, words: str) -> bool:
    """Whether the mail (its `subject` and the writer's own `words`, quotes
    and what they forward left out) is a plea and nothing else."""
    text = f"{_PREFIX.sub('', subject)}\n{words}"
    if len(text) > MAX_CHARS:
        return False
    lines = [line.strip() for line in text.splitlines()]
    last = max(1, len(lines) - risk_words.CLOSING_LINES)
    kept = [
        line
        for at, line in enumerate(lines)
        if line and not (at >= last and risk_words.closes(line))
    ]
    sentences = [s for line in kept for s in _SENTENCE_END.split(line) if s.strip()]
    pleas = 0
    for at, sentence in enumerate(sentences):
        said = _TAIL.sub("", screen.normalize(sentence).strip(_EDGES)).strip(_EDGES)
        if not said or _FILLER.fullmatch(said):
            continue
        if _PLEAS.fullmatch(said):
            pleas += 1
        elif not (at == len(sentences) - 1 and _NAME.fullmatch(sentence.strip(_EDGES))):
            return False  # it says something else: what the mail is for
    return pleas > 0
