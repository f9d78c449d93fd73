"""A short mail that reaches out without saying why: "hello?", "is this still
Sam's email?", "can I ask you something?", a photo with no words. Pure.

Such mail asks for no call and names nothing the phrase book knows, so it was
left alone; yet a stranger who writes only this is most often someone working
up to asking, and a lost enquiry is a harm. `classify_new` asks the therapist
(a short note, nothing sent), as its last step: every reading of risk has had
its turn first. Mail that says what it is for, even in one word ("is this
Riverside Carpets? I need a quote", "are you around for a coffee?", "did
you get my email about the invoice?"), is not read so; a hello beside how
the writer is ("hello? can't stop crying") is the urgent note instead.
"""

from __future__ import annotations

import re
from typing import Final

from mailflow import patterns
from mailflow.reading import risk_words

MAX_WORDS: Final = 60
"""Longer mail says what it is for, or is read for it elsewhere: the one
bound of a short mail, the phrase book's asking clue's too
(`classify._SHORT_WORDS`)."""
_WORD = patterns.compile(r"\w+(?:'\w+)?")
"""Any script's words: a mail in Cyrillic is as long as its words."""
_FILLER_WORDS = """hi hello hey hiya heya hallo hullo yo dear there all good morning
    afternoon evening sir madam team please pls thanks thank ta cheers
    x xx xxx see find attached attachment attachments enclosed here is are
    it the a file files photo photos picture pic scan document doc below
    re fw fwd test testing"""
_FILLER: Final = frozenset(_FILLER_WORDS.split())
"""Words that say nothing of what a mail is for: a greeting, thanks, "see
attached", "test". Not "you": "see you there!" says what it is for."""
_FILE_TOKEN = patterns.compile(
    r"(?:img|dsc|dscn|pxl|scan|image|photo|screenshot)(?:_?\d+)+|jpe?g|png|heic|gif|pdf"
    r"|docx?|txt"
)
"""A file's name split into words ("IMG_4471.JPG", "Scan_0042.pdf")."""

_QUIET_WORDS = """i i'm im i've ive i'd id i'll me my you your u ur we us our it it's
    its is am are was were be been a an the this that to of in on at for from
    with by about and or but so if just still again only really quite very
    ok okay sorry hope hoping wondering wondered quick question something
    some any anyone anybody someone somebody bother bothering mind thats
    that's while"""
_QUIET: Final = frozenset(_QUIET_WORDS.split())
"""Words beside the reaching that still say nothing of what the mail is for
("sorry to bother you", "hope that's ok", "a quick question")."""
MAX_REST: Final = 0
"""Words of their own beside the reaching (words like "sorry", "just",
"quick" aside), at most: one already says what the mail is for ("are you
around for a coffee?", "did you get my email about the invoice?", "is
anyone in? parcel here"). Two strict reviews (helper-314, helper-315) found
one and then two words of purpose beside a reaching phrase read as reaching
out."""
_COMPANY = patterns.compile(
    r"\b(?:ltd|limited|llc|inc|plc|co|team|services?|repairs?|group|support|sales"
    r"|info|admin|office|recruit\w*)\b"
)
"""A sender's name that is a business's: its words are what the mail is for."""

_REACHING = patterns.compile(
    r"\bis (?:this|that|it) (?:still )?(?:the )?(?:right|correct) (?:e-?mail"
    r"|address|e-?mail address|person|place|practice|number)\b"
    r"|\bis (?:this|that) (?:still )?[a-z]+(?:'s|s) (?:e-?mail|address"
    r"|e-?mail address|practice)\b"
    r"|^[^\w\n]*(?:(?:hi|hey|hello|hiya)[^\w\n]+)?is (?:this|that) [a-z]+ *\?"
    r"|\b(?:can|could|may) i (?:just )?ask (?:you )?(?:something|a (?:quick |small )?"
    r"question|a quick one|you a (?:quick |small )?question)\b"
    r"|\b(?:is it|would it be) (?:ok|okay|alright|all right|possible|fine)"
    r" (?:to|if i) (?:ask|e-?mail|write|message|send|contact)\b"
    r"|\b(?:got|found|was given|given|had) (?:this|your) (?:e-?mail address"
    r"|e-?mail|address|details|number) (?:from|off|by|through|via)\b"
    r"|\b[a-z]+ (?:gave|passed|sent) me (?:this|your) (?:e-?mail address|e-?mail"
    r"|address|details|number)\b"
    r"|\b(?:said|told me|suggested i) (?:to |should )?(?:drop you a line|get in touch"
    r"|e-?mail you|write to you|contact you|message you)\b"
    r"|\btrying to (?:reach|contact|get hold of|get in touch with|find)"
    r" (?:you|whoever|the (?:person|owner|therapist|counsel+or)|someone)\b"
    r"|\bfollowing up on my (?:message|e-?mail|enquiry|voicemail|call)\b"
    r"|\b(?:did|have) you (?:get|had|receive[d]?|see|seen) my (?:message|e-?mail"
    r"|voicemail|enquiry)\b"
    r"|\bis (?:this|that) (?:still )?(?:the |your )?(?:practice|counsel+ing|therapy"
    r"|therapist|counsel+or)\b"
    r"|\b(?:does|is) (?:this|that) (?:e-?mail |address |account )?(?:still )?(?:work"
    r"|working|active|in use|live|current)\b"
    r"|\b(?:a )?quick question\b"
    r"|\b(?:is )?(?:anybody|anyone|someone|somebody) (?:there|reading|read(?:s|ing)?"
    r" (?:this|these|e-?mails?))\b"
    r"|\bdo you (?:reply|answer|respond) to (?:e-?mails?|messages?)\b"
    r"|\b(?:if|whether) (?:you'?re|you are|this is) (?:the )?(?:right )?(?:person"
    r"|place|one) (?:i need|to (?:ask|talk to|contact|write to))\b"
    r"|\b(?:someone|somebody|a friend|[a-z]+) (?:at work )?mentioned you\b"
    r"|\bhope (?:it'?s|this is|that'?s) (?:ok|okay|alright|all right)(?: (?:that )?"
    r"i'?m (?:e-?mailing|writing|messaging|getting in touch))?"
    r"|\b(?:been meaning|meant) to (?:e-?mail|write|get in touch|contact you)\b",
    re.MULTILINE,
)
"""Reaching the practice before saying why: whether this is the right
address or the therapist's, whether they may ask or write, where they found
the address, whether an earlier message arrived."""
_HELLO = patterns.compile(
    r"\bare you (?:still )?(?:around|about|there|available|working|practi[cs]ing"
    r"|open)\b"
    r"|\bis (?!it\b|this\b|that\b|everything\b|everyone\b)[a-z]+"
    r" (?:there|around|about)(?= *(?:[?.!,]|$))"
    r"|\bdo you have (?:a (?:minute|moment|sec(?:ond)?)|(?:a )?(?:few|five|5|ten|10)"
    r" (?:minutes|mins))\b"
    r"|\bgive me a (?:shout|buzz|bell)\b|\bdrop me a line\b"
    r"|^[^\w\n]*(?:hello|hi|hey|hiya|hola|anyone|anybody|somebody|you there)[^\w\n]*\?",
    re.MULTILINE,
)
"""Only a hello: "are you around?", "is Sam there", "Anyone?", "Give me a
shout"."""
_THANKS: Final = frozenset(
    ["thanks", "thank", "you", "ta", "cheers", "many", "so", "much", "x", "xx", "xxx"]
)
"""A stranger's thanks alone answers something, most often in a thread."""
_HOW_THEY_ARE = patterns.compile(
    r"\bnot (?:ok|okay|good|coping|managing|safe|well|doing (?:well|ok|okay|great))\b"
    r"|\b(?:low|depressed|depression|anxious|anxiety|panic\w*|scared|frightened"
    r"|terrified|afraid|struggling|crying|tears|numb|hopeless|worthless|lonely"
    r"|alone|worse|desperate|unsafe|exhausted|overwhelmed|broken)\b"
    r"|\b(?:falling apart|breaking down|giv(?:e|ing) up|can'?t (?:cope|sleep|eat"
    r"|stop|go on|do this|take (?:it|this|much more))|bad (?:night|day|place|way|time)"
    r"|(?:i'?m|i am|im) (?:in )?(?:a )?(?:mess|bad|dark)|dark (?:thoughts|place|time))\b"
)
"""Words of how the writer is, beside a hello ("hello? can't stop crying",
"are you around? bad night", "is this still Sam's email? I'm a bit low"):
the mail reaches out and tells something; the therapist reads it first."""


def reaches_out(subject: str, text: str, sender: str = "") -> bool:
    """Whether a short mail (`text`: the writer's own words; `sender`: their
    name as their mail shows it) says nothing of what it is for, or only
    reaches for the practice ("hello?", "is this still Sam's email?", "can I
    ask you something?", "are you still practising?"), with no word of their
    own beside it (`MAX_REST`)."""
    beside = _beside(subject, text, sender)
    return beside is not None and len(beside) <= MAX_REST


def tells_how_they_are(subject: str, text: str, sender: str = "") -> bool:
    """Whether a short mail reaches out as `reaches_out` reads it, and beside
    the reaching tells how the writer is ("hello? struggling", "Hi, did you
    get my email? Things are worse"), whatever else it says. Never such words
    alone: "struggling with this spreadsheet" says what a mail is for."""
    if _beside(subject, text, sender) is None:
        return False
    return _HOW_THEY_ARE.search(risk_words.body(f"{subject}\n{text}")) is not None


def _beside(subject: str, text: str, sender: str) -> set[str] | None:
    """The writer's own words beside the reaching (each once; quiet words
    aside), or None where the mail does not reach out at all: too long, or
    no reaching phrase (a mail that says it reached the wrong place says so
    in words beside it: "wrong", "mistake", "meant"). Empty: nothing said but the reaching, or
    nothing said at all but a greeting, a file or a "?"."""
    said = risk_words.body(f"{subject}\n{text}")
    found = _WORD.findall(said)
    if len(found) > MAX_WORDS:
        return None
    names = (
        set()
        if _COMPANY.search(sender.lower()) or len(sender.split()) > 3
        else set(_WORD.findall(sender.lower()))
    )

    def content(words: str) -> list[str]:
        return [
            word
            for word in _WORD.findall(words)
            if word not in _FILLER
            and word not in names
            and not _FILE_TOKEN.fullmatch(word)
        ]

    if not content(said):
        # A greeting, a file, a phone's footer or a "?" alone; never a mail
        # sent empty, nor thanks alone.
        typed = _WORD.findall(f"{subject}\n{text}".lower())
        sent = bool(subject.strip() or text.strip())
        return set() if sent and not (typed and set(typed) <= _THANKS) else None
    spans = [
        m.span() for pattern in (_REACHING, _HELLO) for m in pattern.finditer(said)
    ]
    if not spans:
        return None
    rest = list(said)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    return {word for word in content("".join(rest)) if word not in _QUIET}
