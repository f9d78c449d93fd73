"""What a person says after the consultation call, and whether a reply to a booked
call cancels or moves it. Pure.

Reading is phrase-based and never raises. Where the words pull two ways the
reading says so (UNCLEAR) rather than guess: the therapist sees the words anyway.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from enum import Enum, StrEnum
from typing import Final, Literal

from mailflow import patterns
from mailflow.model import PersonReply, ReplyKind, Slot
from mailflow.reading import cancel_words, intent, mentions, picking
from mailflow.reading.quoting import new_words
from mailflow.reading.reply import _NAME, _PHONE_RUN, _WORD, read_person_reply

MAX_READ_CHARS: Final = 8 * 1024
"""An answer is short; only the head of the new words is read, which also keeps
every pattern cheap on hostile input."""

CancelIntent = Literal["cancel", "reschedule"]


class Answer(StrEnum):
    """The person's answer to "would you like to start working together?".

    The values are the answers `workflow.on_followup_answer` takes.
    """

    YES = "yes"  # wants to start; a question alongside does not change that
    NOT_NOW = "not_now"  # perhaps later: still thinking, waiting, not until a date
    NO = "no"  # has decided not to continue
    QUESTION = "question"  # asks something and decides nothing
    UNCLEAR = "unclear"  # anything else, empty included


# --- text ------------------------------------------------------------------------

_APOSTROPHES: Final = str.maketrans(
    dict.fromkeys("\u2019\u2018`\u00b4\u02bc\u2032", "'")
)
_NT = patterns.compile(
    r"\b(do|does|did|is|was|are|were|have|has|had|wo|would|could|should|ca|must"
    r"|need)nt\b"
)
"""'dont', 'cant', 'wont': phone typing drops the apostrophe."""
_BARE: Final = {"im": "i'm", "ive": "i've", "lets": "let's", "its": "it's"}
_BARE_WORD = patterns.compile(r"\b(?:im|ive|lets|its)\b")
_BARE_ID = patterns.compile(
    r"\b(?:(id)|(ill))\s+(?=(?:love|like|rather|prefer|want|be|get|let|have|go|come"
    r"|pass|start|book|think)\b)"
)
"""'id love to', 'ill think about it'; "ill" alone stays ill."""
_ADDRESS = patterns.compile(r"\bhttps?://\S+|\bwww\.\S+|[^\s@]{1,64}@\S+")
_OUR_WORDS = patterns.compile(
    r"i know it isn't always easy to tell someone new"
    r"|if the connection fe(?:lt|els) right,? would you like to start working together"
    r"|i just wanted to check in after our call"
)
"""Our own follow-up and nudge, quoted without a header or ">" marks: cut there."""
_CLAUSE_BREAK = patterns.compile(
    r"[.;!?\n,:()\"]+|\s[-\u2013\u2014]+\s|[\u2013\u2014]"
    r"|\b(?:but|however|although|though|except|whereas|otherwise|and|so|because|cause"
    r"|since|while|whilst|if|unless|whether|actually)\b"
)
_SENTENCE_END = patterns.compile(r"[.!?\n]+")
_NEGATOR = patterns.compile(
    r"\b(?:not|never|no\s+longer)\b(?!\s+(?:only|a\s+problem|an\s+issue))"
    r"|n't\b(?!\s+(?:wait|hesitate|mind|be\s+happier|see\s+why))|\bcannot\b(?!\s+wait)"
)
"""A clause with one of these turns a wish or a feeling round ("didn't feel right")."""
_NEGATED_BEFORE = patterns.compile(
    r"(?:\b(?:not|never|no|without|hardly)|n't(?!\s+(?:wait|hesitate|mind|see\s+why))"
    r"|\bcannot)\W+(?:[\w']+\W+){0,2}$"
    r"|\b(?:no|don'?t|do\s+not)\s+need\s+(?:for\s+you\s+)?to\s+(?:[\w']+\W+){0,2}$"
)
"""The few words just before a phrase turn it round ("no need to think about
it", "no need to find another day")."""
_QUALIFIER = patterns.compile(
    r"\b(?:yet|right\s+now|just\s+now|at\s+the\s+(?:moment|minute)|atm|at\s+present"
    r"|for\s+now|for\s+the\s+time\s+being|currently|at\s+this\s+(?:time|point|stage"
    r"|moment)|this\s+(?:month|year|term)|until|till|til|for\s+a\s+(?:while|bit))\b"
)
"""A no with these is a not-now ("not for me right now", "don't want to start yet")."""
_MARKER = patterns.compile(
    r"\b(?:but|however|though|although|actually|that\s+said|having\s+said\s+that"
    r"|on\s+(?:second|further)\s+thoughts?|on\s+reflection|then\s+again|in\s+fact"
    r"|after\s+(?:all|thinking|some\s+thought|reflecting))\b"
)
"""Words that let a later, plain yes overrule what came before ("not sure, but yes")."""


def _normalize(text: str) -> str:
    """The new words, NFKC, lower case, one apostrophe, contractions restored."""
    body = new_words(text)[: MAX_READ_CHARS * 2]
    body = unicodedata.normalize("NFKC", body)[:MAX_READ_CHARS]
    body = body.translate(_APOSTROPHES).lower()
    body = _ADDRESS.sub(" ", body)
    body = re.sub(r"[ \t\f\v]+", " ", body).replace("can not", "cannot")
    body = _NT.sub(r"\1n't", body)
    body = _BARE_WORD.sub(lambda m: _BARE[m.group()], body)
    body = _BARE_ID.sub(lambda m: "i'd " if m.group(1) else "i'll ", body)
    ours = _OUR_WORDS.search(body)
    return (body[: ours.start()] if ours else body).strip()


_NEAR: Final = 80
"""How far (in characters) a "not" reaches; it also keeps long clauses cheap."""


@dataclass(frozen=True, slots=True)
class _Text:
    """The normalized reply with its clause and sentence boundaries."""

    body: str
    clause_starts: list[int]
    clause_ends: list[int]
    sentence_ends: list[tuple[int, bool]]  # (end, a question?)

    @classmethod
    def of(cls, body: str) -> _Text:
        starts, ends = [0], []
        for found in _CLAUSE_BREAK.finditer(body):
            ends.append(found.start())
            starts.append(found.end())
        ends.append(len(body))
        sentences = [
            (m.start(), "?" in m.group()) for m in _SENTENCE_END.finditer(body)
        ]
        return cls(body, starts, ends, sentences)

    def clause(self, at: int) -> int:
        return max(0, bisect_right(self.clause_starts, at) - 1)

    def before(self, at: int) -> str:
        """The clause's last few words before this position."""
        start = max(self.clause_starts[self.clause(at)], at - _NEAR)
        return self.body[start:at]

    def clause_text(self, at: int) -> str:
        """The clause around this position (its nearer part, when very long)."""
        index = self.clause(at)
        start = max(self.clause_starts[index], at - 2 * _NEAR)
        return self.body[start : min(self.clause_ends[index], at + 2 * _NEAR)]

    def in_question(self, at: int) -> bool:
        index = bisect_right(self.sentence_ends, (at, True))
        return index < len(self.sentence_ends) and self.sentence_ends[index][1]


# --- the answer to the follow-up -------------------------------------------------


class _Kind(Enum):
    NO = "no"  # a decision not to continue
    WEAK_NO = "weak-no"  # a bare "no", which other words may explain
    LATER = "later"
    DECIDE = "decide"  # a plain yes, strong enough to overrule after "but"
    LEAN = "lean"  # a wish or a feeling: yes when nothing else is said


@dataclass(frozen=True, slots=True)
class _Signal:
    at: int
    kind: _Kind


_INTENT = (
    r"(?:start|begin|get\s+started|continue|go\s+ahead|proceed|book|commit|sign\s+up"
    r"|work\s+(?:with\s+you|together)|do\s+(?:this|it|that|therapy|some\s+sessions"
    r"|sessions)|take\s+(?:this|it|things)\s+(?:further|forward)|take\s+you\s+up"
    r"|pursue|move\s+forward|carry\s+on|have\s+(?:therapy|sessions|some\s+sessions)"
    r"|give\s+it\s+a\s+(?:go|try)|arrange|schedule|set\s+up|try\s+(?:it|this"
    r"|therapy))\b"
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|sept?|oct|nov|dec)"
)
_OTHER_THERAPIST = (
    r"(?:(?:someone|somebody)\b|(?:another|a\s+different|a\s+new|an\s*other|a\s+local"
    r"|a\s+closer)\s+|a\s+(?:therapist|counsell?or|psychologist|psychotherapist"
    r"|practitioner)\b)"
)

_NO_SELF: Final = patterns.compile(
    r"\bno,?\s+(?:thanks|thank\s+you|ty)\b|\bi\s+don't\s+think\s+so\b"
    r"|\bi\s+think\s+not\b"
    r"|\b(?:probably|definitely|absolutely|certainly|unfortunately|sadly|afraid"
    r"|of\s+course|i'd\s+rather|i\s+would\s+rather)\s+not\b"
    r"|\bnot\s+really\b|\blet's\s+not\b"
    r"|\b(?:not|isn't|wasn't|ain't)\s+(?:really\s+|quite\s+|right\s+"
    r"|the\s+right\s+\w+\s+)?for\s+me\b"
    r"|\bdon't\s+think\s+(?:it's|it\s+is|this\s+is|therapy\s+is|that's|this|it|we're"
    r"|we\s+are)\s+(?:\w+\s+)?(?:for\s+me|right|the\s+right|a\s+good)\b"
    r"|\bnot\s+(?:(?:really|that|very|too)\s+)?(?:interested|keen)\b"
    r"|\bno\s+longer\s+(?:interested|need|want|looking|require)"
    r"|\bnot\s+(?:the|a)\s+(?:right|good|great|best)\s+(?:fit|match)\b"
    r"|\b(?:decided|chosen|choose|opted|opting)\s+(?:not\s+to|against)\b"
    r"|\bi(?:'ll|\s+will|'m\s+going\s+to)\s+(?:have\s+to\s+)?pass\b"
    r"|\bleave\s+it\s+(?:there|here)\b|\bstop\s+(?:here|there)\b|\bdeclin(?:e|ing)\b"
    r"|n't\s+(?:really\s+)?(?:click|gel|connect)\b"
    r"|(?:\bwon't|\bwill\s+not|\bdon't|\bdo\s+not|\bno\s+longer)\s+need\s+(?:the\s+)?"
    r"(?:sessions|therapy|counsell?ing|to\s+(?:start|continue|book))\b"
    r"|(?:\b(?:not|never|no\s+longer)|n't(?!\s+(?:wait|mind))|\bcannot)"
    r"\s+(?:be\s+)?(?:[\w']+\s+){0,2}?(?:continu(?:e|ing)|go(?:ing)?\s+ahead"
    r"|proceed(?:ing)?|mov(?:e|ing)\s+forward"
    r"|pursu(?:e|ing)|tak(?:e|ing)\s+(?:it|this|things)\s+(?:any\s+)?(?:further"
    r"|forward)"
    r"|carry(?:ing)?\s+on|going\s+forward|starting|booking)\b"
    r"|(?:\bwon't|\bwill\s+not|\bnot\s+going\s+to|\bshan't)\s+(?:be\s+)?(?:start|begin"
    r"|book)"
    r"|\b(?:wouldn't|would\s+not|don't|do\s+not)\s+(?:really\s+)?(?:like|want"
    r"|wish)\s+to\s*(?=$|[.!,;])"
)
"""A no in so many words; its own "not" is part of it."""
_NO_OTHER = patterns.compile(
    rf"\b(?:found|chosen|chose|picked|booked|hired|going\s+with|go\s+with|gone\s+with"
    rf"|went\s+with|decided\s+on|opted\s+for|settled\s+on)\s+{_OTHER_THERAPIST}"
    r"|\b(?:see|seeing|work\s+with|working\s+with|try|trying)\s+(?:another"
    r"|a\s+different)"
    r"\s+(?:therapist|counsell?or|psychologist|psychotherapist|practitioner|practice)\b"
    r"|\b(?:stay|staying|stick|sticking|continue|continuing|remain|remaining)\s+with"
    r"\s+my\s+(?:current|existing|previous|old|own)\b"
)
"""Going elsewhere; "I'm not going with someone else" is no no."""
_NO_OTHER_LOOSE = patterns.compile(
    r"\b(?:someone|somebody)\s+(?:else|closer|nearer|more\s+local|local)\b"
)
"""Also going elsewhere, unless asked ("is there someone else with evenings?")."""
_WEAK_NO = patterns.compile(
    r"(?<![\w'])(?<!\bor\s)(?:no|nope|nah)\b(?=\s*(?:$|[.!,;:\-)]|thanks?\b"
    r"|thank\s+you\b"
    r"|sorry\b|unfortunately\b|not\b|i\b|i'm\b|i've\b|i'll\b|i'd\b|it's\b|that's\b"
    r"|for\s+(?:now|me)\b))"
)
"""A bare "no": "no, not right now" is a not-now and "no, I'd love to" is unclear."""

_LATER_SELF: Final = patterns.compile(
    r"\bnot\s+(?:[\w']+\s+)?(?:yet|now)\b|\bnot\s+(?:at\s+(?:the\s+)?(?:moment|minute"
    r"|present|this\s+(?:time|point|stage))|for\s+now|currently|until|till"
    r"|this\s+(?:year|month|term|time))\b"
    r"|(?:\bnot|n't)\s+(?:[\w']+\s+){0,3}?ready\b"
    r"|\bnot\s+(?:100%\s+|entirely\s+|completely\s+|totally\s+|quite\s+"
    r"|really\s+)?sure\b"
    r"(?!\s+(?:what|which|when|how|where|who|of\s+the\s+(?:time|day|price|cost)))"
    r"|\bunsure\b|\bundecided\b|n't\s+(?:yet\s+)?(?:decided|made\s+(?:up\s+)?my\s+mind"
    r"|made\s+a\s+decision)|\bnot\s+(?:yet\s+)?decided\b|\bstill\s+(?:deciding|thinking"
    r"|considering|weighing|mulling|undecided|unsure)\b|\bon\s+the\s+fence\b"
    r"|\bin\s+two\s+minds\b|n't\s+know\s*(?=$|[.!,;])"
    r"|n't\s+know\s+(?:yet\b|(?:if|whether)\s+(?:i'm|i\s+am|i\s+want|i'd|i\s+will"
    r"|i'll|i\s+should|it's|this\s+is|now|therapy))"
    r"|\bnot\s+(?:the\s+)?(?:right|best|ideal|good)\s+time\b|\bnot\s+a\s+(?:good|great)"
    r"\s+time\b|\bbad\s+time\b|\bnot\s+in\s+a\s+(?:position|place)\b"
    r"|(?:\bnot|n't|\bcannot)\s+(?:[\w']+\s+){0,3}?(?:afford|commit|start|begin"
    r"|do|manage|continue|go\s+ahead|proceed|take|fit|make|prioriti[sz]e|focus|find"
    r"|justify|spare"
    r"|invest|have\s+(?:the\s+)?(?:time|money|funds|budget|capacity|headspace"
    r"|energy))\b"
    r"[^.!?\n;]{0,40}?\b(?:yet|right\s+now|just\s+now|at\s+the\s+(?:moment|minute)"
    r"|at\s+present|for\s+now|currently|at\s+this\s+(?:time|point|stage)|until|till)\b"
)
"""A not-now in so many words; its own "not" is part of it."""
_LATER: Final = patterns.compile(
    r"(?:^|[.!?\n,;]\s*)(?:maybe|perhaps|possibly)\s*(?=$|[.!?\n,;])"
    r"|\b(?:maybe|perhaps|possibly)\s+(?:later|another\s+time|some\s+other\s+time"
    r"|at\s+some\s+point|down\s+the\s+(?:line|road)|one\s+day|some\s*day|sometime"
    r"|some\s+time|in\s+the\s+future|not)\b"
    r"|\blater\s+(?:on\s+)?(?:in|this|next)\s+(?:the\s+)?(?:year|month|spring|summer"
    r"|autumn|fall|winter|term)\b|\bat\s+a\s+later\s+(?:date|time|stage|point)\b"
    r"|\b(?:another|some\s+other)\s+time\b|\bat\s+some\s+(?:point|stage)\b"
    r"|\bsome\s*day\b"
    r"|\bone\s+day\b|\bin\s+the\s+(?:future|near\s+future|new\s+year)\b"
    r"|\bdown\s+the\s+(?:line|road|track)\b|\bin\s+a\s+fortnight\b"
    r"|\bin\s+(?:a|one|two|three|four|five|six|a\s+few|a\s+couple(?:\s+of)?|several"
    r"|some|\d{1,2})\s+(?:more\s+)?(?:weeks?|months?)\b|\bnext\s+(?:month|year|term"
    r"|spring|summer|autumn|fall|winter)\b"
    r"|\bafter\s+(?:the\s+|my\s+|our\s+)?(?:holidays?|hols|christmas|xmas|easter|summer"
    r"|new\s+year|half[-\s]?term|term|exams?|move|operation|surgery|wedding|baby"
    r"|vacation|thanksgiving|(?:summer|winter|spring)\s+break|break|festive\s+season"
    r"|festivities|hanukkah|ramadan|eid|diwali)\b"
    rf"|\b(?:in|from|until|till|til|after|around|early|mid|late|end\s+of|beginning\s+of"
    rf"|start\s+of|middle\s+of)\s+-?\s*{_MONTH}\b"
    r"|\b(?:in|from|until|till|after)\s+(?:the\s+)?(?:spring|summer|autumn|fall"
    r"|winter)\b"
    r"|\b(?:wait|hold\s+off|leave\s+it|postpone|delay|put\s+(?:it|this)\s+off"
    r"|start|begin)\b[^.!?\n;,]{0,20}?\b(?:until|till|til)\b"
    r"|\b(?:need|needs|want|like|have|going|gonna|let\s+me|i'll|i\s+will|i'd\s+like|got"
    r"|prefer|decided|better)\s+(?:to\s+)?(?:(?:have|take)\s+(?:a|some)\s+(?:think|time"
    r"|moment|bit|few\s+days|little\s+time)|think|consider|reflect|mull|sleep\s+on"
    r"|process|digest|weigh|wait)\b"
    r"|\bneed\s+(?:some\s+|a\s+(?:bit|little)\s+(?:of\s+)?|more\s+)?time\b"
    r"|\btake\s+(?:some|a\s+(?:bit|little|few))\s+(?:of\s+)?(?:time|days|weeks)\b"
    r"|\bgive\s+it\s+(?:some\s+)?(?:more\s+)?(?:thought|time)\b|\bsleep\s+on\s+it\b"
    r"|\bmull\s+(?:it\s+)?over\b|\bthink\s+(?:it\s+)?over\b|\bthink\s+about\s+it\b"
    r"|\bthinking\s+(?:it\s+)?over\b|\bhav(?:e|ing)\s+a\s+(?:little\s+)?think\b"
    r"|\b(?:consider|weigh)(?:ing)?\s+(?:up\s+)?(?:my\s+)?options\b"
    r"|\b(?:get|come|getting|coming)\s+back\s+to\s+you\b|\bget\s+back\s+in\s+touch\b"
    r"|\b(?:i'll|i\s+will|i\s+shall|will)\s+(?:be|get|keep)\s+in\s+touch\b"
    r"|\b(?:keep|get)\s+in\s+touch\s+(?:again|later|when|once|if|after|in)\b"
    r"|\b(?:i'll|i\s+will|i\s+shall)\s+(?:let\s+you\s+know|reach\s+out|come\s+back"
    r"|be\s+back)\b"
    r"|\blet\s+you\s+know\s+(?:when|once|if|my\s+decision|what\s+i\s+decide|in|after)\b"
    r"|\breach\s+out\s+(?:again|later|when|once|if|in|after)\b|\btouch\s+base\b"
    r"|\b(?:i'll|i\s+will)\s+(?:decide|make\s+(?:a|my)\s+decision)\b|\bhold\s+off\b"
    r"|\bleave\s+it\s+for\s+now\b|\b(?:need|take|taking)\s+a\s+break\b"
    r"|\bon\s+hold\b|\bput\s+(?:it|this|things)\s+(?:off|on\s+hold"
    r"|on\s+the\s+back\s+burner)\b|\bwait\s+(?:a\s+(?:bit|while|little|few)|until|till"
    r"|for\s+(?:a|now|the)|and\s+see)\b|\b(?:postpon|delay|defer)\w*"
    r"|\b(?:when|once)\s+(?:i'm|i\s+am|i\s+feel|things|life|my)\s+(?:[\w']+\s+){0,3}?"
    r"(?:ready|settled|settle|calmer|calm|better|back|quieter|less\s+busy)\b"
    r"|\b(?:talk|speak|discuss|check|consult)\s+(?:it\s+|this\s+|things\s+)?"
    r"(?:over\s+)?(?:with|to)\s+my\s+(?:partner|husband|wife|spouse|family|parents?"
    r"|mum|mom|dad|gp"
    r"|doctor|insurance|insurer|employer|boss|boyfriend|girlfriend|fianc\w*)\b"
    r"|\bcheck\s+(?:my\s+)?(?:finances|budget|insurance|funds)\b"
    r"|\b(?:sort|work)\s+out\s+(?:my\s+)?(?:finances|budget|money|funding|insurance)\b"
)
"""A not-now, unless the words before turn it round ("no need to think about it")."""

_DECIDE: Final = patterns.compile(
    r"\b(?:yes|yeah|yep|yup|yess+|yea|aye)\b"
    r"|\blet's\s+(?:do\s+(?:it|this|that)|go\s+(?:ahead|for\s+it)|start|begin|book"
    r"|get\s+(?:started|going)|go\b|try|give\s+it\s+a\s+(?:go|try))"
    r"|\bgo(?:ing)?\s+ahead\b|\bgo\s+for\s+it\b|\bcount\s+me\s+in\b|\bsign\s+me\s+up\b"
    r"|\bbook\s+me\s+in\b|\bi'm\s+in\b(?=\s*(?:$|[.!,;]))"
    r"|\bi'm\s+(?:ready|keen|up\s+for\s+it|on\s+board|game)\b"
    r"|\bwhy\s+not\b(?=\s*(?:$|[.!?,;]))|\bwouldn't\s+mind\b"
    r"|\bdon't\s+see\s+why\s+not\b"
    r"|(?:^|[.!?\n,;:\-]\s*|\b(?:yes|oh|and|but|then|so)\s+)(?:definitely|absolutely"
    r"|certainly|of\s+course|for\s+sure|sure|gladly|happily|with\s+pleasure"
    r"|please\s+do)"
    r"\b(?!\s+not\b)"
    r"|\b(?:when|how\s+soon)\s+(?:can|could|shall|should|do|would|will|might)"
    r"\s+(?:we|i)\s+(?:start|begin|get\s+started|book|have|arrange|schedule"
    r"|set\s+up)\b"
    r"|\b(?:can|could|shall|should|may)\s+(?:we|i)\s+(?:please\s+)?(?:start|begin"
    r"|get\s+started|book|arrange|schedule|set\s+up|go\s+ahead)\b"
    r"|\b(?:what|what's|whats)\s+(?:are\s+|is\s+)?(?:the\s+)?next\s+steps?\b"
    r"|\bhow\s+do\s+(?:we|i)\s+(?:start|begin|get\s+started|book|proceed|go\s+ahead"
    r"|move\s+forward)\b|\bwould\s+it\s+be\s+possible\s+to\s+(?:start|begin|book"
    r"|arrange|schedule)\b|\b(?:if|whether)\s+(?:we|i)\s+(?:could|can|might)\s+(?:start"
    r"|begin|book|arrange|schedule)\b"
    r"|\b(?:when|book|bring|prepare|arrange|schedule|start|before|ahead\s+of|plan"
    r"|organi[sz]e)\b[^.?!\n]{0,30}\b(?:the|our|my)\s+first\s+(?:proper\s+|full\s+"
    r"|real\s+)?(?:session|appointment)\b"
    r"|\bi(?:'ll|\s+will|\s+shall)\s+(?:go\s+ahead|book|start|take\s+(?:you\s+up|it)"
    r"|sign\s+up|commit)\b"
    rf"|\bi(?:'ve|\s+have)\s+decided\s+to\s+{_INTENT}"
)
"""A plain yes, or a question that takes starting for granted ("when can we start?")."""
_WANT: Final = patterns.compile(
    r"\b(?:like|love|want|wanting|keen|happy|glad|eager|ready|wish|hoping|hope|plan"
    rf"|planning|intend|delighted|pleased)\s+to\s+{_INTENT}"
    r"|\blooking\s+forward\s+to\s+(?:starting|working|beginning|getting\s+started"
    r"|continuing|our\s+(?:first\s+)?(?:session|work)|the\s+first\s+session)\b"
    r"|\bcan't\s+wait\s+to\s+(?:start|begin|get\s+started|work)\b"
)
"""Wanting to start: a yes, or a no when its clause says not ("don't want to start")."""
_LEAN: Final = patterns.compile(
    r"\b(?:i'd|i\s+would|i\s+should)\s+(?:really\s+|very\s+much\s+|definitely\s+"
    r"|absolutely\s+)?(?:love|like)\s+(?:that|to)\b(?!\s+(?:know|ask|check|think|say"
    r"|thank|add|mention|clarify|confirm|understand|wait|pause|hold|take\s+some"
    r"|consider|talk|speak|discuss|let|be|have\s+a\s+think|get\s+back|reflect|sleep))"
    r"|\bthat(?:'d|\s+would|\s+will)\s+be\s+(?:great|lovely|wonderful|perfect|brilliant"
    r"|fab|fabulous|fantastic|amazing|good|nice|ideal|super)\b"
    r"|\bsounds\s+(?:good|great|lovely|perfect|wonderful|fab|brilliant|fantastic"
    r"|amazing|like\s+a\s+(?:plan|good\s+idea))\b"
    r"|(?:^|[.!?\n,;]\s*)(?:would\s+)?(?:really\s+)?love\s+to\b(?=\s*(?:$|[.!,;]))"
    r"|\bi'm\s+(?:(?:very|really|definitely|still|quite)\s+)?(?:keen|interested)\b"
    r"(?!\s+(?:in|to)\s+(?:know|hear|find|learn|understand|ask))|\U0001f44d"
)
"""A yes by wish ("I'd love to", "that would be great"), when nothing else is said."""
_FEEL: Final = patterns.compile(
    r"\b(?:good|great|right|perfect|lovely|nice|natural|excellent|strong)\s+(?:fit"
    r"|match)\b"
    r"|\b(?:felt|feel|feels|feeling|seemed|seems)\s+(?:really\s+|very\s+|quite\s+"
    r"|so\s+)?"
    r"(?:right|good|comfortable|at\s+ease|natural|safe|easy)\b"
    r"|\bconnection\s+(?:felt|feels|was|is)\s+(?:\w+\s+)?(?:right|good|great"
    r"|there|strong|lovely)\b"
    r"|\b(?:felt|feel|had|have)\s+(?:a\s+|the\s+)?(?:\w+\s+)?(?:connection"
    r"|rapport)\b|\b(?:we|it)\s+click(?:ed)?\b|\bclicked\b"
)
"""The call felt right: a yes when nothing else is said; turned round, a no."""
_YOU_BEFORE = patterns.compile(r"\byou(?:'d|\s+would)?\s+$")
"""'would you like to start': our own question, echoed."""
_ASKS = patterns.compile(
    r"\?|(?:^|[.!\n]\s*)(?:how|what|what's|when|where|which|who|why|do|does|is|are|can"
    r"|could|would|should|shall|may)(?![\w'])"
    r"|\b(?:i\s+was\s+wondering|i\s+wonder|wondering\s+(?:if|whether|about|what|how)"
    r"|(?:could|can)\s+you\s+(?:tell|let|send|explain)|please\s+(?:tell|let\s+me\s+know"
    r"|advise|send|explain)|let\s+me\s+know\s+(?:how|what|if|whether|when|where|about)"
    r"|i(?:'d|\s+would)\s+like\s+to\s+know|do\s+you\s+know|any\s+idea"
    r"|n't\s+know\s+(?:how|what|when|where|which|who)"
    r"|i\s+have\s+(?:a|some|one|two|a\s+few)\s+(?:quick\s+)?questions?"
    r"|a\s+(?:quick\s+)?question)\b"
)


def read_followup_answer(text: str) -> Answer:
    """What the person answered to "would you like to start working together?".

    A decision outweighs a question asked with it ("yes, but how much is it?").
    Between decisions a no outweighs a not-now, which outweighs a yes ("I would
    like to, but not until January"), unless a plain yes comes last after "but"
    or "actually" ("not sure yet, but yes, let's do it").

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
    """
    body = _normalize(text)
    if not body:
        return Answer.UNCLEAR
    language = intent.language_of(body)
    if language is not None:
        return _foreign_answer(body, language)
    words = _Text.of(body)
    signals = _signals(words)
    kinds = {signal.kind for signal in signals}
    blockers = [
        s.at for s in signals if s.kind in {_Kind.NO, _Kind.WEAK_NO, _Kind.LATER}
    ]
    decided = [s.at for s in signals if s.kind is _Kind.DECIDE]
    conditional = intent.has_explicit_condition(body) or (
        intent.has_condition(body) and _Kind.LATER not in kinds
    )  # "could we start in a fortnight?" is a not-now, not a condition
    if conditional and kinds & {_Kind.DECIDE, _Kind.LEAN} and _Kind.NO not in kinds:
        return Answer.QUESTION  # "yes, as long as it can be online": the therapist's
    if decided and (not blockers or _overruled(body, max(blockers), max(decided))):
        # "I'd like to start but I need to check I can afford it": the therapist's.
        return Answer.QUESTION if intent.has_condition(body) else Answer.YES
    if _Kind.NO in kinds or (
        intent.says_no_to_starting(body) and _Kind.DECIDE not in kinds
    ):
        return Answer.NO
    if _Kind.LATER in kinds:
        return Answer.NOT_NOW
    if _Kind.WEAK_NO in kinds:
        return Answer.UNCLEAR if kinds & {_Kind.DECIDE, _Kind.LEAN} else Answer.NO
    if kinds:
        return Answer.QUESTION if intent.has_condition(body) else Answer.YES
    return Answer.QUESTION if _ASKS.search(body) else Answer.UNCLEAR


def _foreign_answer(body: str, language: str) -> Answer:
    """The follow-up answered in another language: yes, no or later when it
    says so plainly; a condition or anything else goes to the therapist."""
    says = {what: intent.foreign_says(body, language, what) for what in ("no", "later")}
    yes = intent.foreign_yes(body, language)
    start = intent.foreign_says(body, language, "start")
    asks = "?" in body and not intent.foreign_asks_only_when(body, language)
    if (yes or start) and (asks or intent.foreign_says(body, language, "condition")):
        return Answer.QUESTION  # "sì, ma quanto costa?": the therapist's
    if yes and not any(says.values()) and len(body.split()) <= 6:
        return Answer.YES
    if start and not any(says.values()):
        return Answer.YES  # "Ciao Anna, sì, mi piacerebbe molto iniziare."
    if says["no"] and not yes:
        return Answer.NO
    if says["later"] and not yes:
        return Answer.NOT_NOW
    return Answer.UNCLEAR


def _overruled(body: str, last_blocker: int, last_yes: int) -> bool:
    """Whether "but" or "actually" stands between the last no or not-now and a
    plain yes after it."""
    return any(
        last_blocker < found.start() < last_yes for found in _MARKER.finditer(body)
    )


def _signals(words: _Text) -> list[_Signal]:
    """Every decision the words make, each where it stands."""
    body = words.body
    found: list[_Signal] = []

    def add(at: int, kind: _Kind) -> None:
        if kind in {_Kind.NO, _Kind.WEAK_NO} and _QUALIFIER.search(
            words.clause_text(at)
        ):
            kind = _Kind.LATER  # "not for me right now"
        found.append(_Signal(at, kind))

    for match in _NO_SELF.finditer(body):
        add(match.start(), _Kind.NO)
    for match in _NO_OTHER.finditer(body):
        if not _NEGATOR.search(words.clause_text(match.start())):
            add(match.start(), _Kind.NO)
    for match in _NO_OTHER_LOOSE.finditer(body):
        at = match.start()
        if not (_NEGATOR.search(words.clause_text(at)) or words.in_question(at)):
            add(at, _Kind.NO)
    for match in _WEAK_NO.finditer(body):
        add(match.start(), _Kind.WEAK_NO)
    for match in _LATER_SELF.finditer(body):
        found.append(_Signal(match.start(), _Kind.LATER))
    for match in _LATER.finditer(body):
        if not _NEGATED_BEFORE.search(words.before(match.start())):
            found.append(_Signal(match.start(), _Kind.LATER))
    for match in _DECIDE.finditer(body):
        if not _NEGATED_BEFORE.search(words.before(match.start())):
            found.append(_Signal(match.start(), _Kind.DECIDE))
    for match in _WANT.finditer(body):
        at = match.start()
        if _YOU_BEFORE.search(words.before(at)):
            continue
        if _NEGATOR.search(words.clause_text(at)):
            add(at, _Kind.NO)  # "I don't want to start"
        else:
            found.append(_Signal(at, _Kind.DECIDE))
    for match in _LEAN.finditer(body):
        if not _NEGATOR.search(words.clause_text(match.start())):
            found.append(_Signal(match.start(), _Kind.LEAN))
    for match in _FEEL.finditer(body):
        at = match.start()
        if words.in_question(at):
            continue  # "do you think we'd be a good fit?"
        if _NEGATOR.search(words.clause_text(at)):
            add(at, _Kind.NO)  # "it didn't feel right"
        else:
            found.append(_Signal(at, _Kind.LEAN))
    # A not-now in the same clause explains its no ("not sure I want to continue").
    later = {words.clause(s.at) for s in found if s.kind is _Kind.LATER}
    return [
        _Signal(s.at, _Kind.LATER)
        if s.kind is _Kind.NO and words.clause(s.at) in later
        else s
        for s in found
    ]


# --- cancelling or moving a booked call --------------------------------------------

_WEEKDAY = (
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)day|today|tomorrow|tonight"
)
_CANCEL_WORD = patterns.compile(
    r"\bcancel\w*+(?!\s+polic)(?!\s+(?:my|the|our|his|her|their|other|a|an|some|all)\s+"
    r"(?!(?:[\w-]+\s+){0,2}(?:call|appointment|booking|consultation|chat|session|meeting"
    r"|conversation)\b))"
)
"""A cancel of the call, not of "my other plans" or "the policy"."""
_CANNOT_MAKE = patterns.compile(
    r"(?:\bcan't|\bcannot|\bcouldn't|\bwon't\s+be\s+able\s+to"
    r"|\bwill\s+not\s+be\s+able\s+to"
    r"|\bunable\s+to|\bnot\s+(?:be\s+|going\s+to\s+be\s+)?able\s+to"
    r"|\bno\s+longer\s+able\s+to"
    r"|\bnot\s+going\s+to)\s+(?:make|attend|do|join|take|come\s+to|keep)\b"
    r"|\bcall\s+(?:it|the\s+call|this)\s+off\b|\bcount\s+me\s+out\b|\bdrop\s+out\b"
    r"|\bwithdraw\b|\bchanged\s+my\s+mind\b"
    r"|\b(?:won't|will\s+not|no\s+longer)\s+(?:be\s+)?(?:needing|need|attending|coming"
    r"|joining|want(?:ing)?)\b"
)
"""Not coming: "I can't make it any more", "I won't be able to make Tuesday"."""
_RESCHEDULE = patterns.compile(
    r"\bre-?schedul\w*|\brearrang\w*|\bpostpon\w*|\bre-?book\w*"
    r"|\bmove\s+(?:it|the\s+call|our\s+call|the\s+appointment|our\s+appointment|this"
    r"|that|the\s+time|the\s+booking|things|the\s+session|us)\b"
    rf"|\bmove\s+(?:it\s+)?to\s+(?:{_WEEKDAY}|next|another|a\s+different|\d|later"
    r"|earlier)"
    r"|\bchange\s+(?:the|our|my)\s+(?:time|day|date|appointment|call|booking|slot)\b"
    r"|(?<!maybe\s)(?<!perhaps\s)\b(?:another|different|other|alternative|new)\s+"
    r"(?:time|day|date|slot|appointment|option)s?\b"
    r"|\bpush\s+(?:it\s+|the\s+call\s+|this\s+|that\s+|things\s+)?back\b"
    r"|\bbring\s+(?:it|the\s+call|this)\s+forward\b"
    r"|\b(?:later|earlier)\s+(?:time|slot|date|day|in\s+the\s+(?:day|week))\b"
    r"|\b(?:a\s+(?:bit|little)|slightly|an\s+hour|half\s+an\s+hour|\d+\s+min(?:ute)?s?)"
    r"\s+(?:later|earlier)\b|\b(?:something|anything|sometime|some\s+time)\s+(?:later"
    r"|earlier|else|next\s+week)\b"
    r"|\b(?:could|can|shall)\s+we\s+(?:do|make\s+it|try|have\s+it|go\s+for)"
    rf"\s+(?:it\s+)?(?:on\s+|at\s+|in\s+the\s+)?(?:another|a\s+different|{_WEEKDAY}"
    r"|next|later|earlier|\d|the\s+\d|morning|afternoon|evening)"
    rf"|\b(?:how|what)\s+about\s+(?:{_WEEKDAY}|next|the\s+\d|\d|later|earlier|another"
    r"|a\s+different)"
)
"""Asking for another time; with a cancel phrase it is still a move."""
_CONDITIONAL = patterns.compile(
    r"\b(?:if|in\s+case|whether|what\s+if)\b[^.!?\n]{0,40}$"
)
"""'What if I need to cancel?' asks about the rules; it cancels nothing."""


def read_cancel_intent(text: str) -> CancelIntent | None:
    """Whether a reply about a booked call cancels it, asks to move it, or neither.

    A cancel phrase with a request for another time is a move ("I can't make
    Tuesday, could we do another day?"). A cancel that is negated ("no need to
    cancel") or conditional ("what if I have to cancel?") counts for nothing.

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
    """
    body = _normalize(text)
    if not body:
        return None
    words = _Text.of(body)
    if any(_stands(body, words, match) for match in _RESCHEDULE.finditer(body)):
        return "reschedule"
    if any(
        _stands(body, words, match) and cancel_words.stands(body, *match.span())
        for pattern in (_CANCEL_WORD, _CANNOT_MAKE)
        for match in pattern.finditer(body)
    ):
        return "cancel"
    return None


def _stands(body: str, words: _Text, match: re.Match[str]) -> bool:
    """A phrase not turned round by a negation just before it ("no need to
    cancel") nor asked about ("what if I have to cancel?")."""
    before = body[max(0, match.start() - 60) : match.start()]
    return not (
        _NEGATED_BEFORE.search(words.before(match.start()))
        or _CONDITIONAL.search(before)
    )


_WAVERING = patterns.compile(
    r"\?|\bwhat'?s this\b|\bnot sure (?:i|if|whether|about)\b|\bwho is this\b"
    r"|\bhaving second thoughts\b|\bi don'?t (?:know|remember)\b",
    re.IGNORECASE,
)
"""After a booking, words that need a person to answer: the therapist is asked."""


_LATER_ON = patterns.compile(
    r"\b(?:next|the\s+following|following|the\s+week\s+after|later\s+(?:in\s+)?(?:the|this)"
    r"|another|a\s+different|some\s+other)\s+(?:week|day|date|time|slot|morning"
    r"|afternoon|evening|month)s?\b|\bweek\s+after\s+next\b"
)
"""Another time, not named as a day: "next week", "the following week", "another day"."""


_STILL_WANTS = patterns.compile(
    r"\bstill\s+(?:(?:like|love|want|wish|keen|happy|hoping|planning|going|up\s+for)\b"
    r"|(?:be\s+)?(?:on|ok|fine)\s+for\b)|\b(?:i'd|i\s+would)\s+still\b"
)
"""Words that keep the call beside words that cancel it: never a cancel."""


def read_booked_reply(
    text: str,
    *,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    region: str,
    today: date | None = None,
    booked: Slot | None = None,
) -> PersonReply:
    """What a reply about a booked call asks: to move it, to cancel it, or
    neither; decided here alone. A request for another time is always a move,
    whatever else it says ("I can't make Wednesday any more: anything on
    Friday?"); a cancel needs words that cancel ("please cancel", "take me
    off", "I've decided to wait"); "I can't make it" alone could be either,
    so it is asked about, never acted on. Nothing else is kept silently on a
    guess: only a reply that says nothing but that the call stands (thanks, see
    you then, an emoji, a phone number, "are we still on for Wednesday?":
    `only_keeps`) is, and only when any day or time it names is the `booked`
    call's own ("see you Friday" for a Wednesday call is asked about); any other
    reply comes back UNCLEAR and the therapist reads it.
    """
    found = read_person_reply(
        text, offered=offered, zones=zones, region=region, today=today
    )
    body = _normalize(new_words(text))
    said = read_cancel_intent(text)
    move = (
        found.kind is ReplyKind.NONE_FIT
        or said == "reschedule"
        or intent.asks_to_move(body)
    )
    # Only words that cancel, standing (not "no need to cancel", not "what if I
    # cancel?"); the withdraw family of an offer decides nothing once booked.
    words = _Text.of(body)
    said_cancel = [
        m
        for m in (*_CANCEL_WORD.finditer(body), *intent.booking_cancels(body))
        if _stands(body, words, m)
    ]
    explicit = any(cancel_words.stands(body, *m.span()) for m in said_cancel)
    language = intent.language_of(body)
    if (
        language is not None
        and found.kind is ReplyKind.CANCEL
        and not intent.foreign_says(body, language, "negation")
        and not intent.foreign_says(body, language, "move")
        and "?" not in body
    ):
        # "Ik wil de afspraak graag annuleren": words that cancel, in their
        # language, not negated nor asked (a move was read before a cancel).
        explicit = True
    another = _another_time(body, booked, zones, region, language)
    # Another time asked about in a question of its own ("Friday?", "Next week
    # any good?"), not one only mentioned ("I'll be in touch another time").
    asked_other = another and any(
        _other_time_asked(question, booked, zones, region, language)
        for question in _QUESTION.findall(body)
    )
    if (
        (move or explicit)
        and not asked_other
        and not _move_asked(body)
        and (
            (
                _STANDS_AFTER_ALL.search(body)
                and not (explicit and _OPENS_CONFIRMED.match(body))
            )
            or (_FINE_THEN.search(body) and not another)
            or (move and _move_put_off(body))
        )
    ):
        # "I've moved my dentist so we're still good for 2pm", "had a work
        # call land on this but I've cancelled it, we're good for quarter to
        # 4", "I might have to move this, I'll know on Monday", "if I needed
        # to move it, would that be possible?": the change is another
        # thing's, or not yet asked for. Neither fresh times nor a cancel;
        # the booking stands and the therapist reads it.
        return replace(found, kind=ReplyKind.UNCLEAR)
    # Cancel words said but not standing ("my other appointment got cancelled",
    # "is there a cancellation fee?"): beside a move, asked; never a move alone.
    if move and (explicit or said_cancel):
        if (intent.asks_to_rebook(body) or asked_other) and not (
            intent.withdraws(body) or intent.cancels_booking(body)
        ):
            # "Please cancel and rebook me for next week", "I need to cancel
            # this time but I still want the call", "Need to cancel, sorry. Could
            # we do Thursday instead?": a move; the booking stands.
            return replace(found, kind=ReplyKind.RESCHEDULE)
        # "Please cancel, I've found someone else instead": cancel or move?
        return replace(found, kind=ReplyKind.UNCLEAR)
    if (
        explicit
        and another
        and not (intent.withdraws(body) or intent.cancels_booking(body))
    ):
        # "Need to cancel sorry. Friday?", "I'll have to cancel Wednesday. Is
        # Friday possible?", "I need to cancel - work. Next week any good?":
        # cancel words beside another day or time are a move when they ask
        # for it, and asked about when they do not; never a cancel.
        kind = ReplyKind.RESCHEDULE if asked_other else ReplyKind.UNCLEAR
        return replace(found, kind=kind)
    if explicit and _STILL_WANTS.search(body):
        # "I've found a therapist nearer home but I'd still like to talk":
        # cancel or not? The booking stands and the therapist asks.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if (
        move
        and _MAYBE_MOVE.search(body)
        and _DEFERRED.search(body)
        and "?" not in body
        and not (
            another and _another_besides_knowing(body, booked, zones, region, language)
        )
        and not _TIMES_ASKED.search(body)
    ):
        # "I might need to move it, will let you know", "might have to move
        # this, I'll know on Monday" (the day they will know is no other time
        # asked for; since stop 61): not yet; the booking stands, no fresh
        # times pressed on them; the therapist reads it. "I'll probably need
        # to move it to Friday, I'll confirm" names the time it asks for.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if move or (said == "cancel" and not explicit and asked_other):
        # "I won't be able to make Thursday. Friday any good?": not coming
        # then, asking about another day: a move.
        return replace(found, kind=ReplyKind.RESCHEDULE)
    if explicit and any(
        not _CANCEL_WORD.search(question) and not intent.booking_cancels(question)
        for question in _QUESTION.findall(body)
    ):
        # "cancel wednesday pls, can u do the following wednesday same time?":
        # cancel words beside a question of its own that we cannot place. A
        # move we did not recognise costs a cancelled call: asked, never a cancel.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if explicit:
        return replace(found, kind=ReplyKind.CANCEL)
    if found.kind is ReplyKind.CANCEL:
        # Withdrawal words without a cancel ("I nearly decided not to go
        # ahead, but..."): the booking stands and the therapist reads it.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if another:
        # "Merci, à vendredi", "see you Friday", "can we still do Thursday?"
        # for a Wednesday call: they have another time in mind; asked.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if language is not None and found.kind is ReplyKind.OTHER:
        return found  # "Merci, à mardi !": a thank-you in their language
    unsure = said == "cancel" or found.kind is ReplyKind.RESCHEDULE
    if unsure or language is not None:
        return replace(found, kind=ReplyKind.UNCLEAR)  # "I can't make it": which?
    keeps = found.empty or only_keeps(text, found.phone)
    if _WAVERING.search(body) and not (keeps and booked is not None):
        # "what's this about?"; but "are we still on for Wednesday?" of the
        # Wednesday call is answered by the call standing.
        return replace(found, kind=ReplyKind.UNCLEAR)
    if keeps:
        # "Perfect, see you Thursday", "thanks x", "👍", a phone number: kept.
        return replace(found, kind=ReplyKind.OTHER)
    # Anything else once booked ("Something has come up, sorry", "I'm going
    # to give Wednesday a miss"): never kept on a guess; the therapist reads it.
    return replace(found, kind=ReplyKind.UNCLEAR)


_STANDS_AFTER_ALL = patterns.compile(
    r"\b(?:we'?re|we\s+are|i'?m|i\s+am|all|still)\s+(?:still\s+|all\s+)?(?:good|ok|okay"
    r"|fine|set|on)\s+for\b(?!\s+now\b)"
    r"|\bstill\s+(?:stands|works|suits|on\b(?!\s+for\s+(?:another|a\s+different)))"
    r"|\bno\s+(?:clash|conflict)(?:\s+any\s*more|\s+now)?\b"
    r"|\b(?:so|and|now)\s+(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|i\s+shall\s+be"
    r"|we'?re|we\s+are)\s+(?:\w+\s+){0,2}(?:free|clear|around|available|all\s+yours"
    r"|by\s+the\s+phone|home)\b"
    r"|(?:^|\n)[ \t]*(?:all\s+)?confirmed\b"
    r"|\b(?:keep|leave)\s+it\s+as\s+it\s+is\b",
    re.IGNORECASE,
)
"""Words that the booked call goes ahead, beside words of a change: "so
we're still good for 2pm", "Monday the 7th still stands", "no clash any
more", "so I'm free at 1:30"."""
_OPENS_CONFIRMED = patterns.compile(r"\s*(?:all\s+)?confirmed\b", re.IGNORECASE)
"""A reply opening "Confirmed": beside words that cancel ("Confirmed: please
cancel my appointment"), no sign the call goes ahead."""
_FINE_THEN = patterns.compile(
    r"\b(?:\d(?:[ \t]*[ap]\.?m\.?)?|o'?clock|noon|morning|afternoon|evening|it|that"
    r"|the\s+call|(?:mon|tues|wednes|thurs|fri)day)\s+(?:is|are|works|suits)\s+"
    r"(?:still\s+)?(?:fine|ok|okay|good|great|perfect)\b",
    re.IGNORECASE,
)
""""5pm is fine", "it's fine": the call goes ahead, where no other time is
named ("I need to move it - Friday at 2 is fine" asks for a move)."""
_PUT_OFF = patterns.compile(
    r"\b(?:(?:just\s+)?in\s+case\s+(?:i|we)\s+(?:\w+\s+)?(?:need|have|must|want)\s+to|what\s+if"
    r"|should\s+i\s+(?:need|have)\s+to"
    r"|if\s+(?:i|we)\s+(?:ever\s+|do\s+|did\s+)?(?:need(?:ed)?|ha[dv]e?|must|got)\s+to"
    r"|if\s+(?:[\w']+\s+){1,4}?(?:moves|moved|changes|changed|comes?\s+up|falls?\s+through"
    r"|(?:is\s+|gets?\s+)?delayed|(?:is\s+)?late|overruns?|clash\w*)"
    r"|how\s+much\s+notice|is\s+there\s+any\s+flexib\w*|worst\s+case|no\s+need\s+to"
    r"|(?:don'?t|do\s+not|won'?t)\s+(?:need|have)\s+to)\b",
    re.IGNORECASE,
)
"""Before move words in their clause: a condition or a question about the
rules ("if I needed to move it", "if work moves my shift I'll need to
rearrange", "if the flight's delayed", "how much notice do you need
if..."). Not politeness ("do you mind if we move it", "I was wondering if
we could", "in case it helps"). A maybe alone is not one either: "I might
need to move it, I'm in hospital" asks; a maybe put off is `_MAYBE_MOVE`'s."""
_LET_GO = patterns.compile(
    r"\b(?:(?:was|were)\s+(?:going|gonna|about)\s+to|thought\s+i\s+(?:would|might|'?d)"
    r"|(?:was\s+)?thinking\s+(?:i'?d|i\s+would|i\s+might|of)"
    r"|(?:did|do)\s+think)\b",
    re.IGNORECASE,
)
_TAKEN_BACK_AFTER = patterns.compile(
    r"\b(?:but|actually)\b[^.!?\n]{0,30}?(?:\b(?:it|that|all|everything)(?:'?s|\s+is)\s+"
    r"(?:(?:still|all|actually|totally|really|absolutely|completely|perfectly|now)\s+)?"
    r"(?:fine|ok|okay|good|sorted)\b"
    r"|\bi\s+can\s+(?:make|do)\s+it(?:\s+(?:after\s+all|now|then|as\s+booked))?"
    r"(?=\s*(?:[.!,;]|$|thanks|thank\s+you|see\s+you|so\b|and\b))"
    r"|\bno\s+need(?:\s+to\s+(?:move|change|reschedule|rearrange)(?:\s+(?:it|the\s+call))?)?"
    r"(?:\s+(?:now|any\s*more|after\s+all))?(?=\s*(?:[.!,;]|$|thanks|see\s+you|so\b|we'?re\b))"
    r"|\bnot\s+(?:needed|necessary)\b|\bsorted\b)",
    re.IGNORECASE | re.MULTILINE,
)
"""A move thought of before the move words (`_LET_GO`: "was going to ask to
move it") and let go after them ("... but actually it's fine", "but no
need now"); "I was going to ask if we could move it, but something's come
up at work" asks for it."""
_MOVE_ASKED = patterns.compile(
    r"(?:\b(?:can|could|would|shall|will)\s+(?:we|you|u|i)\s+(?:\w+\s+){0,2}?"
    r"(?:move|re-?schedul\w*|re-?arrang\w*|change|switch|swap|push|postpone|shift|bring|do|make)"
    r"|\b(?:need|needs|have|has|got|like|want|wanting|must|going"
    r"|gonna)\s+to\s+(?:\w+\s+)?"
    r"(?:move|re-?schedul\w*|re-?arrang\w*|change|switch|swap|push|postpone|shift|bring)"
    r"|\bplease\s+(?:\w+\s+)?(?:move|re-?schedule|re-?arrange|change|switch|swap|push)"
    r"|\blet'?s\s+(?:\w+\s+)?(?:move|re-?schedule|re-?arrange|change|switch|swap|push|do)"
    r")\b(?!\s+(?:my|our|the|a|his|her|their)\s+(?!(?:(?:(?:mon|tues|wednes|thurs|fri|satur"
    r"|sun)day|\d+(?:[.:]\d\d)?(?:\s*[ap]\.?m\.?)?|minutes?|mins?|fifteen|free|phone|telephone"
    r"|video|zoom|therapy|counselling|counseling|consultation|intro(?:ductory)?|initial|first"
    r"|next|booked)[\s-]+){0,3}"
    r"(?:call|appointment|appt|booking|slot|time|day|date|hour|session|consultation|chat)\b))"
    r"|\bre-?schedul\w*\s+(?:is\s+)?(?:needed|required|please)\b|\bhow\s+about\b"
    r"|\b(?:would|'d)\s+be\s+better\b|\b(?:i'?d|i\s+would)\s+(?:prefer|rather)\b"
    r"|\bcould\s+i\s+(?:have|get)\b",
    re.IGNORECASE,
)
"""A move asked for now ("could we move it", "I need to rearrange", "let's
move it", "how about Friday", "Monday would be better"): beside it, words
that something else stands ("I'm still good for a chat next week",
"Thursday still works but could we do 3?") keep the move. Not another
thing's ("I need to move my dentist appointment", "change my number")."""


_CLAUSE_END = patterns.compile(
    r"[.!?\n;]|(?:\s[-\u2013\u2014]\s+|,\s*so\s+)(?=(?:it|so|can|could|would|will|please"
    r"|i\s+(?:need|have|must|want|'?d\s+like|would\s+like)|we\s+(?:need|have|must))\b)"
)
"""Where a condition's reach ends ("If work changes my shift I'll have to
reschedule - it just did, so can we move it?")."""


def _not_asked_now(body: str, start: int, end: int) -> bool:
    """Whether the move words at `body[start:end]` are a condition, a question
    about the rules, or a move thought of and let go."""
    clause = _CLAUSE_END.split(body[max(0, start - 80) : end])[-1]
    return bool(
        _PUT_OFF.search(clause)
        or _CONDITION_AFTER.match(body, end)
        or (_LET_GO.search(clause) and _TAKEN_BACK_AFTER.search(body, end))
    )


def _move_asked(body: str) -> bool:
    """Whether the reply asks for another time for the call now: a move asked
    for whose clause is no condition nor a move let go, or times asked for."""
    if _TIMES_ASKED.search(body):
        return True
    return not all(
        _not_asked_now(body, m.start(), m.end()) for m in _MOVE_ASKED.finditer(body)
    )


_MOVE_SAID = patterns.compile(
    r"\b(?:move|moving|re-?schedul\w*|re-?arrang\w*|postpon\w*|change|changing"
    r"|push(?:ing)?\s+(?:it\s+|this\s+)?back|bring\s+(?:it\s+)?forward|flexib\w*"
    r"|(?:ring|call)\s+(?:\w+\s+){0,2}later|swap|switch)\b",
    re.IGNORECASE,
)
"""Where a move is said, to read the clause it stands in."""
_CONDITION_AFTER = patterns.compile(
    r"[^.!?\n]{0,20}?\bif\s+(?:needed|necessary|need\s+be|required|i\s+(?:need|have)\s+to"
    r"|something\s+comes\s+up|anything\s+changes)\b",
    re.IGNORECASE,
)
"""The same condition after them ("is it possible to change it if needed?")."""


def _move_put_off(body: str) -> bool:
    """Whether every move said in the reply is a condition, a question about
    the rules or a move let go: none asks for another time now."""
    said = list(_MOVE_SAID.finditer(body))
    if not said:
        return False
    return all(_not_asked_now(body, m.start(), m.end()) for m in said)


_KNOWN_ON = patterns.compile(
    r"\b(?:know|hear|find\s+out|confirm|let\s+you\s+know|be\s+in\s+touch|update\s+you"
    r"|get\s+back\s+to\s+you|get\s+my\s+(?:shifts|rota)|rota\s+comes\s+out)\s+"
    r"(?:\w+\s+){0,3}?(?:(?:on|by|before|after|until|till|at)\s+)?"
    r"(?:the\s+)?(?:(?:early|late|next|this|end\s+of\s+the)\s+){0,2}"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|tomorrow|weekend|week)\b",
    re.IGNORECASE,
)
"""When they will know ("I'll know on Monday", "I'll hear by Friday"): no
other time asked for."""


def _another_besides_knowing(
    body: str,
    booked: Slot | None,
    zones: Sequence[tzinfo],
    region: str,
    language: str | None,
) -> bool:
    """Whether the reply names another time than the booked one, leaving
    out the day they will know by (`_KNOWN_ON`)."""
    rest = _KNOWN_ON.sub(lambda m: " " * len(m.group()), body)
    if rest == body:
        return True  # the caller found another time, and nothing is left out
    return _another_time(rest, booked, zones, region, language)


_MAYBE_MOVE = patterns.compile(
    r"\b(?:might|may|possibly|probably|perhaps|maybe|could)\s+(?:\w+\s+){0,2}"
    r"(?:need|have|want)\s+to\s+(?:\w+\s+)?(?:move|re-?schedule|rearrange|re-?arrange"
    r"|change|push|shift|postpone|re-?book)\b",
    re.IGNORECASE,
)
"""A move said as a maybe ("I might need to move it, will let you know")."""
_TIMES_ASKED = patterns.compile(
    r"\b(?:send|give|offer|suggest)\b|\b(?:new|other|different|more|some)\s+"
    r"(?:times?|dates?|days?|options?|slots?)\b",
    re.IGNORECASE,
)
"""Times asked for beside the maybe ("... please send me some new times")."""
_DEFERRED = patterns.compile(
    r"\b(?:will|i'?ll|i\s+will)\s+(?:let\s+you\s+know|confirm|know|be\s+in\s+touch"
    r"|check|get\s+back|update\s+you)|\bwaiting\s+to\s+hear|\bnot\s+sure\s+yet"
    r"|\bkeep\s+it\s+for\s+now|\bdepending\s+on|\bheads\s+up\b",
    re.IGNORECASE,
)
"""The decision put off ("... will let you know", "waiting to hear about a
shift"): without it, "I might need to move it, I'm in hospital" is a move."""
_QUESTION = patterns.compile(r"[^.!?\n]*\?")
"""One question: the words since the last sentence's end, up to its mark."""


def _other_time_asked(
    question: str,
    booked: Slot | None,
    zones: Sequence[tzinfo],
    region: str,
    language: str | None,
) -> bool:
    """Whether this one question is about another day or time than the booked one."""
    return _another_time(
        question, booked, zones, region, language
    ) or intent.asks_to_move(question)


def _another_time(
    text: str,
    booked: Slot | None,
    zones: Sequence[tzinfo],
    region: str,
    language: str | None,
) -> bool:
    """Whether `text` names a day or time other than the booked call's, or
    "next week", "another day" (not negated nor asked about)."""
    if (
        booked is not None
        and zones
        and names_another_time(text, booked, zones, region, language=language)
    ):
        return True
    words = _Text.of(text)
    return any(_stands(text, words, m) for m in _LATER_ON.finditer(text))


def names_another_time(
    body: str,
    booked: Slot,
    zones: Sequence[tzinfo],
    region: str,
    *,
    language: str | None = None,
) -> bool:
    """Whether the reply names a day or a time that is not the booked call's
    ("see you Friday" for a Wednesday call, "à vendredi"). "Tomorrow" is left
    alone: a reminder read after midnight still says it."""
    local = booked.start_at.astimezone(zones[0])
    if language is not None:
        other = next(
            (b for b in intent.foreign_books() if b.language == language), None
        )
        days = (
            {n for n, pattern in enumerate(other.weekdays) if pattern.search(body)}
            if other is not None
            else set()
        )
        return bool(days - {local.weekday()})
    scan = mentions.scan(body, region, both_readings=True)
    named = [group for side in mentions.grouped(scan) for group in side]
    return any(not mentions.candidates(group, (booked,), zones) for group in named)


_NOT_NAMES: Final = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "tomorrow",
        "sorry",
        "something",
        "unfortunately",
        "actually",
        "but",
        "however",
        "please",
        "cancel",
    ]
)
_SAD: Final = frozenset(
    "\U0001f44e\U0001f622\U0001f62d\U0001f61e\u2639\U0001f641"
    "\U0001f61f\U0001f614\U0001f615\U0001f629\U0001f62b\U0001f494"
)
"""Emoji that are no thumbs-up: the therapist reads them."""


def only_keeps(text: str, phone: str | None) -> bool:
    """Whether a reply about a booked call says nothing but that it stands:
    words of the `booked_keep` family, a phone number given, an emoji, a name
    and filler; one other word and the therapist is told instead."""
    raw = picking.without_signoff(new_words(text))[:MAX_READ_CHARS]
    raw = (
        unicodedata.normalize("NFKC", raw).replace("\u2019", "'").replace("\u2018", "'")
    )
    if any(ch in _SAD for ch in raw):
        return False
    emoji = any(unicodedata.category(ch) == "So" for ch in raw)
    if phone:
        raw = _PHONE_RUN.sub(" ", raw)
    keep = intent.booked_keep()
    kept = keep.sub(lambda m: " " * len(m.group()), raw)
    evidence = bool(phone) or emoji or kept != raw
    names = 0
    for word in _WORD.finditer(kept):
        if not _a_name(kept, word):
            return False
        names += 1
    return evidence and names <= 2


def _a_name(text: str, word: re.Match[str]) -> bool:
    """ "Thanks Sam", or a name alone on the last line: a name, not news."""
    if not _NAME.fullmatch(word.group()) or word.group().lower() in _NOT_NAMES:
        return False
    before = text[: word.start()].rstrip(" \t")
    if before and before[-1] not in ".!?\n":
        return True
    # Sentence-initial: a name only when it is the last word ("...Tuesday.\n\nRuth").
    return not _WORD.search(text[word.end() :])
