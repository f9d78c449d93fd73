"""Whether words that cancel, in a reply, cancel the call. Pure.

"Cancel" is said of much besides the call: "I might have to cancel",
"how do I cancel if I need to?", "I had to cancel my dentist to make it",
"cancel that, I can make it after all". A cancel acted on costs a person
their call and a letter saying so; one asked about costs the therapist a
read. So the readers of a reply (`reply` before a booking, `followup` once
booked) act on cancel words only where they stand as said: not hedged, not
asked about, not of something else, not taken back in the same reply.
Negation ("no need to cancel") is each reader's own, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from mailflow import patterns

_NEAR: Final = 160
"""How far before the cancel words their clause is read (as `followup._NEAR`
reaches a "not"): a reply of a thousand cancels stays linear."""
_FAR: Final = 600
"""How far after them a question, a condition or their object is looked for
(words that take them back are looked for to the reply's end)."""
_OPENS_QUOTE: Final = patterns.compile("['\"\u2018\u201c]\\s*$")
"""A quote mark just before the cancel word ..."""
_CLOSES_QUOTE: Final = patterns.compile("\\w*\\s*['\"\u2019\u201d]")
"""... and one just after it: the word mentioned, not said."""
_CLAUSE_START: Final = patterns.compile(
    r"[.!?\n;:,()]|\b(?:but|so|and|though|although)\b"
)
"""Where the clause holding the cancel words begins (its last such mark)."""

_HEDGED: Final = patterns.compile(
    r"\b(?:might|may|could|probably|possibly|perhaps|maybe|prob|nearly|almost"
    r"|hope|hoping|wonder(?:ing)?|considering|consider|think(?:ing)?\s+(?:of|about)"
    r"|(?:was|were|i\s+was)\s+(?:going|gonna|about)\s+to"
    r"|(?:wants?|wanted|asked|told|expects?)\s+(?:me|us)\s+to"
    r"|(?:shall|must|do|would|will)\s+i(?:\s+(?:need|have)\s+to)?"
    r"|how\s+(?:do|can|would|should|could|will)\s+(?:i|we|you)"
    r"|is\s+it\s+(?:ok|okay|alright|all\s+right|possible|fine)"
    r"|would\s+it\s+be|in\s+case|whether|if|unless|policy|rules?|should|chance"
    r"|close\s+to|part\s+of\s+me|would(?!\s+(?:like|love|prefer|rather|be\s+grateful)))\b"
    r"|\b(?:been|got|gets?|getting|was|were|is|are)\s+$"
    r"|\b(?:of|about|re|regarding)\s+(?:\w+\s+)?$"
)
"""Before the cancel words in their clause: said as a maybe, a question, a
rule or someone else's wish ("I might have to cancel", "thinking of
cancelling", "my boss wants me to cancel", "how do I cancel")."""

_REQUEST: Final = patterns.compile(
    r"\b(?:can|could|would|will)\s+(?:you|we)\s+(?:please\s+|just\s+|kindly\s+)?$"
    r"|\bplease\b"
)
"""A question that asks for the cancel ("could you cancel it please?")."""
_ASKS: Final = patterns.compile(r"\b(?:can|could|would|will)\s+(?:you|we)\b|\bplease\b")
"""The same, inside the cancel words themselves ("could we leave it for now")."""
_OBJECT: Final = r"\w*\s*(?:(?:it|this|that|the\s+call|my\s+\w+|\w+day)\s+)?"
"""The rest of the cancel word and what it takes, if short ("it", "Thursday")."""
_PLEASE_AFTER: Final = patterns.compile(_OBJECT + r"please\b")
"""Asked for after it: "cancel Wednesday please"."""
_CONDITION_AFTER: Final = patterns.compile(
    _OBJECT
    + r"(?:if(?!\s+(?:that|it|this)(?:'s|\s+is)\s+(?:ok|okay|alright|all\s+right|fine"
    r"|not\s+(?:a\s+problem|too\s+much\s+(?:trouble|bother))|no\s+(?:problem|bother))"
    r"(?:\s+(?:with|by)\s+you)?\s*(?:[.!,;:?)\-]|$|[^\w\s]|sorry\b|thanks?\b|please\b"
    r"|x+\b))|unless|in\s+case|should\s+(?:you|i|it))\b"
)
"""A cancel on a condition: "please cancel if you can't ring before 2"; not
the courtesy of "I need to cancel if that's ok"."""

_DETERMINER: Final = patterns.compile(  # "my", "the" ... and up to three words
    r"\w*\s+(?:my|the|our|your|this|that|his|her|their|a|an|all|some|any|those|these)"
    r"\s+((?:[\w'-]+\s+){0,3})"
)
_ON_SOMEONE: Final = patterns.compile(
    r"\w*\s+on\s+(?!(?:my|our|his|her|their)\s+(?:[\w'-]+\s+)?(?:end|side|part|behalf"
    r"|advice|recommendation|request|orders|account|instructions?|suggestion)\b"
    r"|(?:my|our|the)\s+(?:[\w'-]+\s+)?(?:counsel+or|therapist|psychotherapist)\b"
    r"|(?:my|our|the|this|that|your|tomorrow'?s|today'?s)\s+(?:[\w'.:-]+\s+){0,3}"
    r"(?:call|calls|appointment|appt|booking|consultation|consult|session|chat|slot)\b)"
    r"(?:my|his|her|their|our)\s+[\w'-]+"
)
"""Plans with someone or something else called off ("cancel on my sister",
"cancelled on my dinner plans"); not "on my end", "on our call", "on you",
"on her" (often the therapist, named to the practice), nor "on Thursday"."""
_CALL_NOUN: Final = patterns.compile(
    r"(?:call|calls|appointment|appt|booking|consultation|consult|chat|session|meeting"
    r"|conversation|slot|time|request|enquiry|inquiry|it|one)\b"
)
_CALL_MODIFIER: Final = patterns.compile(
    r"(?:free|consultation|consult|initial|intro(?:ductory)?|phone|telephone|video"
    r"|zoom|teams|15|15-min(?:ute)?|fifteen|fifteen-minute|minute|min|short|quick"
    r"|first|upcoming|scheduled|booked|planned|next|counselling|counseling|therapy"
    r"|discovery|whole|(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'s)?"
    r"|today's|tomorrow's|[\w.:]*\d[\w.:]*|am|pm|o'clock)"
)
"""Words that may stand before the call's own noun ("my Thursday call")."""

_TAKEN_BACK: Final = patterns.compile(
    r"\b(?:i\s+)?(?:can|will|'ll|shall)\s+(?:still\s+)?(?:make\s+it|come|be\s+there"
    r"|join|attend|do\s+it|keep\s+it)\b"
    r"|\ball\s+(?:sorted|good|fine|ok|okay)\b|\bsorted\s+now\b"
    r"|\b(?:it'?s|that'?s|it\s+is|that\s+is)\s+(?:all\s+)?(?:fine|ok|okay|sorted)"
    r"\s+(?:now|after\s+all)\b"
    r"|\bactually\s+no\b|\bnever\s*mind\b|\bscratch\s+that\b|\bdisregard\b"
    r"|\bignore\s+(?:that|this|me|my)\b"
    r"|\bsee\s+you\s+(?:then|there|on|tomorrow|soon|next|at|[\w]+day)\b"
    r"|\blooking\s+forward\b|\bno\s+way\b|\bstill\s+on\b"
    r"|\b(?:is|are|works?|suits?)\s+(?:still\s+)?(?:fine|ok|okay|good|great"
    r"|perfect|for\s+me)\b"
    r"|\bbut\s+i\s+(?:will|won't|don't\s+need\s+to)\b"
    r"|\bby\s+(?:mistake|accident)\b|\bstill\s+coming\b|\bkeep\s+(?:my|me|the|our)\b"
)
"""Words after the cancel, in the same reply, that keep the call ("cancel
that, I can make it after all", "I need to cancel... actually no, see you
Thursday"); before it, they are what the cancel takes back."""


def stands(text: str, start: int, end: int) -> bool:
    """Whether the cancel words at `text[start:end]` cancel the call as said.

    Not where their clause hedges or asks ("I might need to cancel", "should
    I cancel?", "cancel? no way"; "could you cancel it please?" asks for it),
    sets a condition after them ("cancel if you can't ring before 2"), names
    another thing ("my dentist appointment", "the reminder emails"), or where
    the reply keeps the call after them ("but I'll come", "see you then").
    The caller has found the words; their negation is the caller's to read.
    """
    before = text[max(0, start - _NEAR) : start].lower()
    said = text[start:end].lower()
    after = text[end : end + _FAR].lower()
    if _OPENS_QUOTE.search(before) and _CLOSES_QUOTE.match(after):
        return False  # the word quoted, not said: "autocorrect made it 'cancel'"
    marks = list(_CLAUSE_START.finditer(before))
    clause = before[marks[-1].end() :] if marks else before
    asked_for = bool(
        _REQUEST.search(clause[-40:])
        or _ASKS.search(said)
        or _PLEASE_AFTER.match(after)
    )
    if not asked_for and _HEDGED.search(clause[-80:]):
        return False
    if not asked_for and re.match(r"[^.!\n,;]*?\?", after):
        return False  # "Should I cancel?", "Cancel? No way"
    if _CONDITION_AFTER.match(after):
        return False
    if re.search(r"cancel\w*$", said) and (
        _names_another_thing(after) or _ON_SOMEONE.match(after)
    ):
        # What "cancel" takes ("take me off your list" is the call's), or
        # whom: "I had to cancel on my sister to be free" (not "on you").
        return False
    return _last_taken_back(text) < end  # the later words win, however far


@lru_cache(maxsize=8)
def _last_taken_back(text: str) -> int:
    """Where the reply's last words that keep the call begin (-1: none), read
    once a reply, however many cancel words it holds."""
    starts = [found.start() for found in _TAKEN_BACK.finditer(text.lower())]
    return starts[-1] if starts else -1


def _names_another_thing(after: str) -> bool:
    """Cancel words followed by something that is not the call: "my dentist
    appointment", "the reminder emails", "my gym session"."""
    found = _DETERMINER.match(after)
    if found is None:
        return False
    words = (found.group(1) + after[found.end() :]).split()[:4]
    for index, word in enumerate(words):
        word = word.strip(".,!?;:)")
        if _CALL_NOUN.fullmatch(word):
            rest = " ".join(words[index + 1 :]) + " " + after[found.end() :][:40]
            if re.match(r"\s*with\s+(?:the|another|my|a|an|someone|other)\b", rest):
                return True  # "the appointment with the other counsellor"
            return not all(
                _CALL_MODIFIER.fullmatch(w.strip(".,")) for w in words[:index]
            )
        if not _CALL_MODIFIER.fullmatch(word):
            return True
    return False
