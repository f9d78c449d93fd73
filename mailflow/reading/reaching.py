"""A short mail that reaches out without saying why: "hello?", "is this still
Sam's email?", "can I ask you something?", a photo with no words. Pure.

Such mail asks for no call and names nothing the phrase book knows, so it was
left alone; yet a stranger who writes only this is most often someone working
up to asking, and a lost enquiry is a harm. `classify_new` asks the therapist
(a short note, nothing sent), as its last step: every reading of risk has had
its turn first. Mail that says what it is for ("is this Riverside Carpets? I
need a quote", "are you putting the bins out?") is not read so, nor mail that
says it reached the wrong place.
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
MAX_HELLO_WORDS: Final = 20
"""A hello or "are you around?" reaches out only alone: with a few sentences
more, the mail says what it is for ("Jim next door. Are you around next
week? The fence panel has come down")."""

_WORD = patterns.compile(r"\w+(?:'\w+)?")
"""Any script's words: a mail in Cyrillic is as long as its words."""
_FILLER_WORDS = """hi hello hey hiya heya hallo hullo yo dear there all good morning
    afternoon evening sir madam team please pls thanks thank you ta cheers
    x xx xxx see find attached attachment attachments enclosed here is are
    it the a file files photo photos picture pic scan document doc below
    re fw fwd test testing"""
_FILLER: Final = frozenset(_FILLER_WORDS.split())
"""Words that say nothing of what a mail is for: a greeting, thanks, "see
attached", "test"."""
_FILE_TOKEN = patterns.compile(
    r"(?:img|dsc|dscn|pxl|scan|image|photo|screenshot)_?\d+|jpe?g|png|heic|gif|pdf"
    r"|docx?|txt"
)
"""A file's name split into words ("IMG_4471.JPG", "Scan_0042.pdf")."""

_QUIET_WORDS = """i i'm im i've ive i'd id i'll me my you your u ur we us our it it's
    its is am are was were be been a an the this that to of in on at for from
    with by about and or but so if just still again only really quite very
    ok okay sorry hope hoping wondering wondered quick question something
    some any anyone anybody someone somebody bother bothering mind"""
_QUIET: Final = frozenset(_QUIET_WORDS.split())
"""Words beside the reaching that still say nothing of what the mail is for
("sorry to bother you", "hope that's ok", "a quick question")."""
MAX_REST: Final = 1
"""Words of their own beside the reaching, at most, each counted once ("are
you around next week?" with "next week" as its subject): a second most
often says what the mail is for ("are you around? the fence is down", "is
anyone in? got a delivery")."""
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
    r"|^\W*(?:(?:hi|hey|hello|hiya)\W+)?is (?:this|that) [a-z]+ *\?"
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
    r" (?:there|around|about|available|in)(?= *(?:[?.!,]|$))"
    r"|\bdo you have (?:a (?:minute|moment|sec(?:ond)?)|(?:a )?(?:few|five|5|ten|10)"
    r" (?:minutes|mins))\b"
    r"|\bgive me a (?:shout|buzz|bell)\b|\bdrop me a line\b"
    r"|^\W*(?:hello|hi|hey|hiya|anyone|anybody|someone|somebody|you there)\W*\?",
    re.MULTILINE,
)
"""Only a hello: "are you around next week?", "is Sam there", "Anyone?",
"Give me a shout", in a mail of a few words (`MAX_HELLO_WORDS`)."""
_THANKS: Final = frozenset(
    ["thanks", "thank", "you", "ta", "cheers", "many", "so", "much", "x", "xx", "xxx"]
)
"""A stranger's thanks alone answers something, most often in a thread."""
_ELSEWHERE = patterns.compile(
    r"\bwrong (?:e-?mail|address|person|business|company|number|practice|place)\b"
    r"|\bnot (?:meant|intended) for you\b|\bsent (?:this|it) (?:to you )?by mistake\b"
)
"""Mail that says it reached the wrong place."""


def reaches_out(subject: str, text: str, sender: str = "") -> bool:
    """Whether a short mail (`text`: the writer's own words; `sender`: their
    name as their mail shows it) says nothing of what it is for, or only
    reaches for the practice ("hello?", "is this still Sam's email?", "can I
    ask you something?", "are you still practising?") with at most
    `MAX_REST` words of their own beside it."""
    said = risk_words.body(f"{subject}\n{text}")
    found = _WORD.findall(said)
    if len(found) > MAX_WORDS or _ELSEWHERE.search(said):
        return False
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
        return bool(subject.strip() or text.strip()) and not (
            typed and set(typed) <= _THANKS
        )
    spans = [m.span() for m in _REACHING.finditer(said)]
    if len(found) <= MAX_HELLO_WORDS:
        spans += [m.span() for m in _HELLO.finditer(said)]
    if not spans:
        return False
    rest = list(said)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    beside = {word for word in content("".join(rest)) if word not in _QUIET}
    return len(beside) <= MAX_REST
