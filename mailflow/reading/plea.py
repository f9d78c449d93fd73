"""A plea and nothing else: "help me", "I'm in crisis", "not coping at all". Pure.

A stranger who writes only this asks for no call and names no risk the phrase
book knows, so the mail was left alone with nobody told. Read as a whole mail,
not as words found in it: every sentence of the subject and of the writer's
own words must be a plea, a few words of their own about how they are ("my
partner left", "I'm scared"), a greeting or thanks, or their name at the
end, and one at least a plea. Words of anything practical (a fee, a booking,
a door code, an invoice, a parcel, the website) say what the mail is for, so
a footer's "If you are in crisis, call...", a shop's menu line "Help", "help
me understand your fees" or "I'm not ok with the new fee" never make one.
"""

from __future__ import annotations

import re
from typing import Final

from mailflow import patterns
from mailflow.reading import risk_words, screen

MAX_CHARS: Final = 2000
"""A plea alone is short; longer mail says more than one."""

_PREFIX = patterns.compile(r"^(?:\s*(?:re|fwd?|aw|tr)\s*:\s*)+", re.IGNORECASE)
_SENTENCE_END = patterns.compile(r"(?<=[.!?,;])\s+|\s+[-\u2013\u2014]+\s+")
"""Where a sentence or a clause ends: "Hi, help." and "urgent - in crisis"
are each a greeting or a word for nobody, and a plea."""
_EDGES = " \t.,;:!?*~-\u2013\u2014()[]\"'`"
_TAIL = patterns.compile(
    r"(?:\s*(?:\bx+|:\(+|:'\(|;\(|:-\(|<3)"
    r"|\s*[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f\u200d])+$"
)
"""Kisses, frowns and emoji after the words ("help me x", "im not ok :(")."""
_TAIL_CHARS: Final = 24
_ANYONE = r"(?:(?:some|any) ?(?:one|body))"
_PLEAS: Final = patterns.compile(
    "|".join(
        (
            r"(?:(?:please|pls|plz|plse)[ ,]*)*(?:" + _ANYONE + r"[ ,]*)?"
            r"(?:(?:please|pls|plz)[ ,]*)*(?:help|hlp|halp|hepl|he+lp|hel+p)"
            r"(?: me)?(?:[ ,.!]*(?:please|pls|plz|now|right now|urgently|asap))*",
            r"(?:i )?(?:(?:really|urgently|desperately|just) )*need"
            r" (?:some |urgent )?help(?: (?:now|urgently|asap|please|pls|today|tonight))*",
            r"(?:urgent )?help needed(?: (?:urgently|now|asap))?|urgent help"
            r"|sos|s\.o\.s",
            r"(?:can|could) (?:"
            + _ANYONE
            + r"|you) (?:please )?help(?: me)?(?: please)?",
            r"(?:i'm|im|i am) (?:really |so |just |totally |completely |honestly )?"
            r"(?:not (?:ok|okay|coping|managing|alright|all right)"
            r"|in (?:a )?(?:real |bit of a |total |mental health )?crisis"
            r"|falling apart|breaking down|losing it|losing my mind"
            r"|at (?:my )?breaking point|in a (?:really |very )?(?:bad|dark) place"
            r"|drowning|struggling)"
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
            r"|" + _ANYONE + r",? please",
            r"i need (?:someone|somebody)(?: to talk to)?(?: (?:now|tonight|please))*",
            r"drowning(?: here)?",
        )
    )
)
"""A sentence that is a plea, whole (after `_EDGES` and `_TAIL`)."""
_FILLER: Final = patterns.compile(
    r"(?:hi|hello|hey|hiya)(?: there| [a-z]+)?|dear [a-z]+(?: [a-z]+)?"
    r"|good (?:morning|afternoon|evening|night)|morning|evening"
    r"|thanks|thank you|thanks in advance|sorry"
    r"|sorry (?:to|for) (?:bother(?:ing)? you|writ(?:e|ing)|email(?:ing)?|this)"
    r"(?: (?:out of the blue|like this|so late|at this hour))?"
    r"|please|urgent|urgently|asap|question|enquiry|inquiry"
    r"|message|contact|contact form|no subject|counsel+ing|therapy|therapist"
)
"""A sentence that says nothing of what the mail is for: a greeting, thanks,
or a subject of one word for nobody in particular."""
_PRACTICAL: Final = patterns.compile(
    r"\b(?:fees?|price|prices|cost|costs|charge|charges|pay|paying|paid|payment"
    r"|invoice|receipt|refund|bill|billing|debit|vat|insurance|book|booking|booked"
    r"|appointment|appointments|session|sessions|slot|slots|zoom|teams|link|video"
    r"|parking|door|code|lift|keys?|address|postcode|directions|website|portal"
    r"|login|log in|password|account|form|order|parcel|delivery|wifi|wi-fi"
    r"|printer|boiler|data|stored|gdpr|newsletter|unsubscribe|staff|meeting"
    r"|report|survey|volunteer|cover|management|excel|mailchimp|q\d)\b"
)
"""Words of something practical: a sentence with one says what the mail is
for, so it is no plea, nor a few words of how they are, nor a name."""
_PLACE_OR_TIME: Final = patterns.compile(
    r"\b(?:call|calls|room|rooms|car|park|office|email|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|tomorrow|next week|\d+)\b"
)
"""A place, a time, a call or a mail: in the words of someone in distress
("I'm in my room and can't stop crying") as often as in a practical mail's,
so they only keep a word from being taken for a greeting or a name."""
_OWN: Final = patterns.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|my|myself|can't|cant|cannot)\b"
)
"""A few words of how they are are said of themselves..."""
_DISTRESS: Final = patterns.compile(
    r"\b(?:scared|frightened|terrified|afraid|alone|lonely|exhausted|so tired"
    r"|awful|terrible|crying|tears|shaking|shaky|panic\w*|desperate|hopeless"
    r"|helpless|hurting|numb|empty|overwhelmed|a mess|dark|worthless"
    r"|struggling|anxious|depressed|unsafe|falling apart|breaking down"
    r"|not (?:ok|okay|coping|sleeping|eating|safe)"
    r"|can'?t (?:cope|breathe|stop|sleep|go on|take|think|do this|carry on)"
    r"|cannot (?:cope|breathe|stop|sleep|go on|take|think|do this|carry on)"
    r"|left me|leaving me|no ?one|nobody)\b"
)
"""...and say how they are: frightened, alone, crying, not sleeping. A short
first-person sentence without such a word ("I'm fine now, thanks", "I'm
locked out") is no reason beside a plea."""
_REASON_WORDS: Final = 12
"""A few words of how they are: a sentence longer says more."""
_NAME = patterns.compile(r"[^\W\d_][\w'-]*(?: [^\W\d_][\w'-]*){0,2}")
"""The writer's name on the last line ("Sam", "Jo Lee", "Élodie"), each word
capitalised as written."""
_CLOSING = patterns.compile(
    r"(?:sent from|sent with|sent via|get outlook for)\b.*"
    r"|on .{0,120} wrote:?|(?:love|lots of love|much love|best|cheers),? [^\W\d_]+"
)
"""A phone's footer, a reply's "On ... wrote:", or "Love, Sam", whatever the
program (`risk_words.closes` knows most, not all)."""


def alone(subject: str, words: str) -> bool:
    """Whether the mail (its `subject` and the writer's own `words`, quotes
    and what they forward left out) is a plea and nothing else."""
    heading = _PREFIX.sub("", subject)
    text = f"{heading}\n{words}"
    if len(text) > MAX_CHARS:
        return False
    lines = [line.strip() for line in text.splitlines()]
    last = max(1, len(lines) - risk_words.CLOSING_LINES)
    kept = [
        (at == 0, line)
        for at, line in enumerate(lines)
        if line
        and not (
            at >= last and (risk_words.closes(line) or _CLOSING.fullmatch(_said(line)))
        )
    ]
    sentences = [
        (in_subject, part)
        for in_subject, line in kept
        for part in _SENTENCE_END.split(line)
        if part.strip()
    ]
    pleas = 0
    for at, (in_subject, sentence) in enumerate(sentences):
        said = _said(sentence)
        if not said:
            continue
        if _PRACTICAL.search(said):
            return False  # it says what the mail is for
        if _FILLER.fullmatch(said) and not _PLACE_OR_TIME.search(said):
            continue
        if _PLEAS.fullmatch(said) or _plea_and_why(said):
            pleas += 1
        elif not _reason(said) and not (
            # Their name closes what they wrote ("Help / Sam" too: a place's
            # name, "Help / London", is read as theirs, a false alarm that
            # costs less than a plea left alone).
            at == len(sentences) - 1 and not in_subject and _is_name(sentence)
        ):
            return False  # it says something else
    return pleas > 0


def _said(sentence: str) -> str:
    """A sentence as the patterns read it: normalised, without its edges'
    punctuation, kisses, frowns or emoji."""
    said = screen.normalize(sentence).strip(_EDGES)
    return _untailed(said).strip(_EDGES)


def _plea_and_why(said: str) -> bool:
    """A plea and a few words of how they are in one breath ("im in crisis
    please help", "help me i'm scared")."""
    words = said.split()
    if len(words) > 2 * _REASON_WORDS:
        return False
    for cut in range(1, len(words)):
        head = " ".join(words[:cut]).strip(_EDGES)
        rest = " ".join(words[cut:]).strip(_EDGES)
        if _PLEAS.fullmatch(head) and (_PLEAS.fullmatch(rest) or _reason(rest)):
            return True
    return False


def _reason(said: str) -> bool:
    """A few words of how they are: short, of themselves, and of distress."""
    return (
        len(said.split()) <= _REASON_WORDS
        and _OWN.search(said) is not None
        and _DISTRESS.search(said) is not None
    )


def _is_name(sentence: str) -> bool:
    """The writer's name, as written: each word capitalised and not in
    capitals throughout ("CBT", "VAT" are none), a kiss after it."""
    words = _untailed(sentence.strip(_EDGES)).strip(_EDGES)
    if _PLACE_OR_TIME.search(screen.normalize(words)):
        return False
    return bool(_NAME.fullmatch(words)) and all(
        w[0].isupper() and (len(w) == 1 or not w.isupper()) for w in words.split()
    )


def _untailed(text: str) -> str:
    """`text` without kisses, frowns or emoji at its end (looked for in its
    last characters only: a run of them costs no more than a few)."""
    return text[:-_TAIL_CHARS] + _TAIL.sub("", text[-_TAIL_CHARS:])
