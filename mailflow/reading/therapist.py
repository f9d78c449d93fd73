"""What the therapist decided: an approval request answered, an unsure note's
"offer". Pure.

Decisions come only from clear words; anything mixed or incomplete acts on
nothing, because a call booked on a guess costs far more than one short question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from typing import Final

from mailflow import patterns
from mailflow.model import (
    Decision,
    TherapistReply,
    WallTime,
)
from mailflow.reading import intent, mentions, picking
from mailflow.reading.mentions import Kind, Part, Scan
from mailflow.reading.quoting import new_words

MAX_NOTE_CHARS: Final = 2000
"""The therapist's note to the person is cut here."""

_NO_SHOW = patterns.compile(
    r"\bno[\s-]?show\b|\b(?:didn't|did not|never)\s+(?:answer|pick\s+up|picked\s+up"
    r"|turn(?:ed)?\s+up|show(?:ed)?(?:\s+up)?|call(?:ed)?\s+back|respond|answered"
    r"|responded)\b|\bno\s+answer\b"
    r"|\b(?:couldn't|could not|can't|cannot)\s+(?:reach|get hold of|get through to)\b",
    re.IGNORECASE,
)
_THERAPIST_CANCEL = patterns.compile(
    r"\bcancel(?:l?ing|led)?\b|\bscrap(?:ped|ping)?\b", re.IGNORECASE
)
"""The words that cancel: "cancel", and "scrap" ("please scrap the call")."""
_APPROVE = patterns.compile(
    r"\b(?:yes|yess+|yep|yeah|yup|ja|approved?|approving|ok|okay|okey|fine|confirm(?:ed)?"
    r"|accept(?:ed)?|sure|agreed|absolutely|definitely|perfect|great|lovely|go ahead"
    r"|go for it|sounds good|looks good|all good|book it|that works|works for me"
    r"|of course|no problem|no worries)\b|[\U0001F44D\u2705\u2714\u2611]",
    re.IGNORECASE,
)
_HEDGE = patterns.compile(
    r"\b(?:but|however|though|check|let me|maybe|perhaps|probably|not sure|wait"
    r"|hold on|hang on|if)\b",
    re.IGNORECASE,
)
"""A yes with these ("yes, but let me check my diary") is not yet a yes."""
_APPROVE_NEGATED = patterns.compile(
    r"(?:\b(?:not|never|don't|do not)|n't)\s*(?:\w+\s+)?$", re.IGNORECASE
)
_DECLINE = patterns.compile(
    r"^\W*(?:no|nope|nah)\b(?!\s+(?:problem|problems|worries|worry|bother|rush|doubt"
    r"|issue|issues|trouble)\b)|(?:^|[\s,.;])no[.!]*\s*$"
    r"|\bdeclin\w*|\breject\w*|\brefuse\w*|\bunfortunately not\b|\bsorry,?\s+no\b"
    r"|(?:\b(?:cannot|can not|unable to|not able to|won't be able to)|n't)\s+(?:do|make"
    r"|manage|take)\b"
    r"|\bnot\s+(?:possible|available|free|convenient)\b|\bunavailable\b"
    r"|^\W*(?:not\s+(?:this|that)\b|(?:can't|cannot|can not)\W*(?:sorry\W*)?$)",
    re.IGNORECASE,
)
_LEAD = patterns.compile(
    r"^(?:\W*(?:no|nope|nah|i\s+decline|declined?|reject(?:ed)?"
    r"|(?:i\s+)?(?:can't|cannot)(?:\s+do\s+(?:that|it|this))?|(?:please\s+)?(?:cancel|scrap)"
    r"(?:\s+(?:this\s+one|that\s+one|it|this|that|the\s+(?:call|booking|appointment|consultation)))?"
    r"(?:\s+please)?|no[\s-]?show)\b)+[\s,.;:!\-\u2013\u2014]*",
    re.IGNORECASE,
)
"""The decision words a note starts with: "No - sorry, I'm away" keeps "sorry, I'm away"."""
_NO_NOTE = patterns.compile(
    r"(?:\W|\b(?:sorry|unfortunately|i'm afraid|afraid|no|nope|not|declined?|thanks"
    r"|thank you|cheers)\b)*",
    re.IGNORECASE,
)
_PROPOSE = patterns.compile(
    r"\b(?:how|what)\s+about\b|\bhow's\b|\b(?:could|can|shall|should)\s+(?:we|you|they|i)"
    r"\s+(?:do|make\s+it|move|try|say|have|offer|go\s+for)\b|\binstead\b|\brather\b"
    r"|\blet's\b|\bmake\s+it\b|\bmove\s+(?:it|to)\b|\bprefer\w*\b|\bbetter\b"
    r"|\balternatively\b|\bwould\b[^.?!]{0,40}\b(?:work|suit|be\s+ok(?:ay)?)\b"
    r"|\bdoes\b[^.?!]{0,40}\b(?:work|suit)\b|\boffer\b|\?",
    re.IGNORECASE,
)
"""Words that make a named time a counter-proposal rather than a restatement."""
_PROPOSE_AFTER_NO = patterns.compile(
    r"\b(?:works?|suits?|free|available|fine|ok(?:ay)?|good|can\s+do|could\s+do)\b",
    re.IGNORECASE,
)
"""After a "no", milder words offer the time named ("no, but Monday at 9 works")."""
_BARE_HOUR = patterns.compile(
    r"\b(?:how|what)\s+about\s+(?P<h>\d{1,2})(?![\w:.~]|\.\d)"
    r"|\b(?:make\s+it|say|try|do)\s+(?P<h2>\d{1,2})(?![\w:.~]|\.\d)",
    re.IGNORECASE,
)
_RELATIVE_DAY = patterns.compile(r"\b(?P<rel>today|tomorrow)\b", re.IGNORECASE)


def read_therapist_reply(text: str, *, today: date, person: str = "") -> TherapistReply:
    """What the therapist decided about a held slot.

    Decisions come only from clear words; anything mixed ("yes - no, wait") or
    incomplete ("could we do Thursday?" without a time) is UNCLEAR and acts on
    nothing.

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
        today: the practice's date, to place "3 December" or "tomorrow".
        person: the name of the person whose time is held, if known: a yes
            or a time said to someone else by name ("Yes, happy to speak to
            Marcus" under Elena's approval) is asked about.

    Returns:
        For PROPOSE, `proposed` carries the time: `on` for a date ("3 December",
        "tomorrow"), `weekday` for a day name, neither when only a time was
        named ("how about 11"), which means the held slot's own day.
    """
    body = picking.spoken_times(mentions.normalize(new_words(text)).strip())
    if not body:
        return TherapistReply(Decision.UNCLEAR)
    whole = _read_whole(body, today)
    if whole.decision in {Decision.APPROVE, Decision.PROPOSE} and _someone_else(
        body, person
    ):
        return TherapistReply(Decision.UNCLEAR)
    if whole.decision is Decision.APPROVE and _WORDS_FOR_THEM.search(body):
        # "Yes - tell her: ...": booked as ever; the words are never passed on
        # (no check can tell a kind line from a private one), and the
        # therapist is told so.
        return replace(whole, words_unsent=True)
    told = _TELL_THEM.search(body)
    if (
        told is not None
        and whole.decision is Decision.DECLINE
        and whole.note
        and _NOT_TOLD.search(body[: told.start()])
    ):
        # "No - but don't tell her: ...": said against, so nothing goes.
        return replace(whole, note="")
    return whole


_SAID_TO = patterns.compile(
    r"\b(?i:(?:yes|yep|yeah|fine|ok|okay|happy|glad|sure|great|lovely|go ahead)"
    r"\W{0,3}(?:please\s+)?(?:(?:(?:to|and)\s+)?(?:speak|talk|chat)\s+(?:to|with)\s+"
    r"|(?:to\s+|and\s+)?(?:see|call|ring|phone|meet|book(?:\s+in)?)\s+"
    r"|(?:to|for|with)\s+))"
    r"(?P<title>(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?"
    r"(?P<name>[^\W\d_][^\W\d_'\u2019-]*(?:['\u2019-][^\W\d_]+)*)"
)
"""A yes said to someone by name: "Yes, happy to speak to Marcus", "yes for
Priya", "Yes to Marcus", "fine with Marcus", "Fine, book Tom in", "ok to
see Mrs O'Hale", "Yes please book Zoë". Only where the word keeps its
capital is it a name (not "her", "them"), and not a day, a month or a
video call (`_NO_NAME`); a name said first ("Marcus is fine") or in lower
case is not read."""
_NO_NAME_WORDS = """her him them you me us it this that the both everyone anyone
    today tonight tomorrow next then monday tuesday wednesday thursday friday
    saturday sunday mon tue tues wed thu thur thurs fri sat sun january
    february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec zoom teams skype
    whatsapp facetime google microsoft christmas easter boxing english welsh
    british gp nhs video kind best warm love thanks regards cheers pm am cbt
    dbt emdr"""
_NO_NAME: Final = frozenset(_NO_NAME_WORDS.split())
"""Capitalised words after such a yes that name no one (a sentence's first
word, a day, a month, a video call, a sign-off's "With Kind Regards", "PM",
"CBT"); never after a title ("Ms Best" is a person)."""


_UNSPLIT: Final = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "đ": "d",
        "\u0131": "i",
        "þ": "th",
    }
)
"""Letters Unicode does not break into a plain letter and a mark."""


def _letters(text: str) -> list[str]:
    """The runs of letters of a name, compared as people type them: no case,
    no accents ("Zoë" is "zoe"), no apostrophe ("O'Brien" is "obrien")."""
    plain = unicodedata.normalize(
        "NFKD",
        text.casefold().replace("'", "").replace("\u2019", "").translate(_UNSPLIT),
    )
    return re.findall(
        r"[^\W\d_]+", "".join(c for c in plain if not unicodedata.combining(c))
    )


def _someone_else(body: str, person: str) -> bool:
    """Whether the reply says its yes to someone by a name that is not the
    held person's ("Marcus" under Elena Vos's approval). A part of the name
    said counts as theirs where one of their names begins with it ("Sam"
    for Samantha; "Anna-Marie" for Anna-Marie Kowalski), or where they go by
    an initial it begins with ("Jordan" for "J Lee"); "Liz" for Elizabeth,
    and "Jordan" for "JL" (initials typed together read as a name: "LI" and
    "VOS" are surnames), are asked. Nothing is read without a name."""
    names = _letters(person)
    if not names:
        return False
    for found in _SAID_TO.finditer(body):
        said = found["name"]
        if not said[0].isupper():
            continue
        said = re.sub(r"['\u2019]s$", "", said)
        parts = _letters(said)
        if not parts or (parts[0] in _NO_NAME and not found["title"]):
            continue
        if not any(
            own.startswith(part) or (len(own) == 1 and part.startswith(own))
            for part in parts
            for own in names
        ):
            return True
    return False


def _read_whole(body: str, today: date) -> TherapistReply:
    """`read_therapist_reply` of the whole reply, "tell her:" words and all."""
    lines = [line for line in body.split("\n") if line.strip()]
    if _Y_ALONE.fullmatch(lines[0]) and len(lines) <= 2 and len(body.split()) <= 2:
        return TherapistReply(Decision.APPROVE)  # "Y", "y.", "Y\nSam"
    # "Can we make it 10 instead of 9.30?": the time replaced is not proposed
    # (only the times are read so; a note keeps the therapist's words).
    scan = mentions.scan(_INSTEAD_OF.sub(" instead", body), "", both_readings=False)
    masked = scan.masked
    if (
        _NO_SHOW.search(masked) or intent.reports_no_show(body)
    ) and not _NOT_NO_SHOW.search(body):
        return TherapistReply(Decision.NO_SHOW)
    private = intent.private_note(body)
    approve, negated_approve = _approvals(masked)
    decline = bool(_DECLINE.search(masked))
    cancel_said = (
        any(
            not mentions.CANCEL_NEGATED.search(
                masked[max(0, m.start() - 30) : m.start()]
            )
            for m in _THERAPIST_CANCEL.finditer(masked)
        )
        or intent.cancels_booking(body)
        or bool(_CANCEL_ORDER.search(masked) or _CANCEL_REPORT.search(masked))
    )
    # Cancelled only when told to, of this call, plainly ("please cancel it",
    # "call it off", "she rang to cancel", "I can't do this one"); "cancel the
    # reminder", "I'll cancel it later", "cancel? actually leave it", "if she
    # cancels" are asked about.
    cancel = cancel_said and _cancels(masked)
    if cancel_said and not cancel:
        return TherapistReply(Decision.UNCLEAR, cancel_asked=True)
    if negated_approve and not decline:
        if intent.takes_it_on(body) and not (cancel or approve):
            # "Not sure about this one - I'll email him some referrals myself":
            # the therapist takes it on; nothing goes to the person.
            return TherapistReply(Decision.PRIVATE)
        return TherapistReply(Decision.UNCLEAR)  # "not ok": no words for the person
    proposal, incomplete = _proposal(scan, today)
    same_day = _SAME_DAY.search(body)
    if proposal is None and same_day is not None:
        # "Can't do 9.30, but 11 the same day works": that day, another time.
        at = picking.clock(same_day["h"], same_day["m"], same_day["ap"])
        proposal, incomplete = WallTime(at=at), False
    if cancel:
        if approve or proposal or incomplete:
            return TherapistReply(Decision.UNCLEAR)
        # "Please cancel and tell her I'm sorry": cancel, but words about the
        # person are never passed on as they stand.
        private = private or intent.private_words(body)
        # "Can you cancel it? Something's come up": the order is to mailflow
        note = (
            "" if private else _for_them(_note(_POLITE_CANCEL.sub(" ", body).strip()))
        )
        # Before a booking, mailflow stands down only for the therapist's ties
        # to them or taking it on ("she's my client", "I'll contact Jo
        # directly"), not for words to pass on ("tell her I'm sorry").
        # Told to stop beside it ("cancel it and stop emailing her"): the
        # same, nothing more goes to them.
        ties = (
            intent.takes_it_on(body)
            or intent.private_words(body)
            or intent.told_to_stop(body)
        )
        return TherapistReply(Decision.CANCEL, note=note, private=ties)
    if intent.told_to_stop(body) and not approve and _stops(body, proposal, incomplete):
        # "Stop sending her times", "no more emails to him", "no, stop": told
        # to stop; nothing goes to them.
        return TherapistReply(Decision.PRIVATE)
    told = _TELL_THEM.search(body)
    if told is not None and decline and not approve:
        # "No - please tell her: I'm sorry, I don't offer couples work...":
        # the words after the colon are written to the person.
        return TherapistReply(
            Decision.DECLINE, note=told["note"].strip()[:MAX_NOTE_CHARS]
        )
    if (
        private
        and not approve
        and (_TAKEN_BACK.search(body) or not _in_touch_but_times_wanted(body))
    ):
        # Words about the person, or the therapist taking it on: nothing of it
        # goes to the person, and mailflow stands down.
        return TherapistReply(Decision.PRIVATE)
    if (
        proposal is not None
        and proposal.on is None
        and proposal.weekday is None
        and _TIME_ASKED_ALONE.fullmatch(lines[0])
        # the rest, if any, a signature ("Thanks", "Sam Jones", a title)
        and all(
            not any(ch.isdigit() for ch in line) and len(line.split()) <= 4
            for line in lines[1:6]
        )
        and len(lines) <= 6
    ):
        # "2pm?", "6.30?" and nothing more: another time that day, or a
        # question about the time held? Asked (two blind writers asked too).
        return TherapistReply(Decision.UNCLEAR)
    if proposal is not None:
        if _PROPOSE.search(body) or not (approve or decline):
            # "how about 11", "Thu 14:00 instead", or a time and nothing else
            return TherapistReply(Decision.PROPOSE, proposed=proposal)
        if decline and _PROPOSE_AFTER_NO.search(body):
            return TherapistReply(Decision.PROPOSE, proposed=proposal)  # "no, 9 works"
        if not decline:
            return TherapistReply(Decision.UNCLEAR)  # "yes, 10:30 is fine": restated?
    elif incomplete and (
        not decline or (_PROPOSE.search(body) and _CLOCK.search(body))
    ):
        # "could we do Thursday?" at what time? "No - Wednesday 3rd at 11?"
        # when the 3rd is a Thursday: which? Asked, never fresh times with
        # the question passed on.
        return TherapistReply(Decision.UNCLEAR)
    if approve and decline:
        return TherapistReply(Decision.UNCLEAR)
    if decline:
        if intent.private_words(body) or _times_not_wanted(body):
            # "No - she's my neighbour", "can't take him on", "spam": the
            # therapist's words about them; "don't send him times", "I'll
            # send her some times myself": not mailflow's to offer. Stand
            # down, send nothing.
            return TherapistReply(Decision.PRIVATE)
        # A note that speaks of them ("he wants in-person sessions") is about
        # them, not to them: fresh times go, the therapist's words do not.
        return TherapistReply(Decision.DECLINE, note=_for_them(_note(body)))
    if approve and not _HEDGE.search(masked):
        return TherapistReply(Decision.APPROVE)
    return TherapistReply(Decision.UNCLEAR)


_TIMES_WANTED = patterns.compile(
    r"\b(?:send|offer|give)\b[^.!?,;]{0,30}?\b(?:times?|slots?|options?|dates?|days?"
    r"|afternoons?|mornings?|evenings?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b"
    r"|\b(?:different|another|other|new|later|earlier)\s+(?:time|day|slot|date)s?"
    r"\s+please\b"
    r"|\b(?:wants?|needs?|would like|prefers?)\s+(?:a\s+)?(?:(?:different|another|other"
    r"|new|later|earlier)\s+(?:time|day|slot|date)s?|(?:mon|tues|wednes|thurs|fri|satur"
    r"|sun)days?|mornings?|afternoons?|evenings?)\b(?![^.!?]{0,20}\bwith me\b)",
    re.IGNORECASE,
)
_NOT_FROM_US: Final = patterns.compile(
    r"(?:(?:n't|\bnot)(?:\s+(?:need|bother)\s+to)?|\bno\s+need\s+to|\bi'?ll"
    r"|\bi\s+(?:will|shall|may|might|can|could|would|'d|plan\s+to|want\s+to)"
    r"|\bi'?d\s+(?:rather|prefer\s+to|like\s+to)|\bi'?m\s+going\s+to|\blet\s+me"
    r"|\bwait\s+before\s+you|\bbefore\s+you)"
    r"\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
"""Before a wish for times: not one for mailflow ("don't send her times", "no
need to offer", "I'll offer her a time myself", "let me send him some")."""


_NOT_TOLD = patterns.compile(
    r"\b(?:don'?t|do\s+not|never|not|needn'?t|mustn'?t|shouldn'?t|no\s+need"
    r"|no\s+account|no\s+circumstances)(?:\s+(?:ever|to|need\s+to|have\s+to|please))*"
    r"[\s,]*$",
    re.IGNORECASE,
)
"""A "tell her:" said against, just before it ("don't tell him:", "better not
to tell her:", "on no account tell him:"): its words never go."""
_WORDS_FOR_THEM = patterns.compile(
    r"\b(?:tell|let\s+(?!me\b|us\b)\w+\s+know|say\s+to|pass\s+(?:it\s+)?on\s+to"
    r"|ps\s+to)\b",
    re.IGNORECASE,
)
"""A yes that carries words for them, in any of the ways it is said."""


_TAKEN_BACK = patterns.compile(
    r"\b(?:scratch\s+that|on\s+second\s+thoughts?|hold\s+(?:off|fire)"
    r"|not\s+yet(?=\s*(?:[.!,;]|$))|wait\s+(?:before|until|till))",
    re.IGNORECASE,
)
"""A wish for times taken back or put off ("... send new times. Scratch that,
I'll call him"): the stand-down stands."""


def _said(
    words: re.Pattern[str], turned: re.Pattern[str], text: str, reach: int
) -> tuple[bool, bool]:
    """(`words` said plainly somewhere in `text`, said turned round somewhere:
    `turned` ending the `reach` characters before them)."""
    plainly = round_ = False
    for found in words.finditer(text):
        if turned.search(text[max(0, found.start() - reach) : found.start()]):
            round_ = True
        else:
            plainly = True
    return plainly, round_


def _times_wished(body: str) -> tuple[bool, bool]:
    """(times asked of mailflow, times said not to be its to send): "send her
    new times"; "don't send him times", "I'll send her some myself"."""
    return _said(_TIMES_WANTED, _NOT_FROM_US, body, 40)


def _in_touch_but_times_wanted(body: str) -> bool:
    """ "No, I've already spoken to him - he wants a different time": being in
    touch is no stand-down where the note asks for other times; ties to the
    person ("she's my neighbour") still are."""
    return (
        intent.takes_it_on(body)
        and not intent.private_words(body)
        and _times_wished(body)[0]
    )


_TIME_KINDS: Final = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|mornings?|afternoons?"
    r"|evenings?|weekends?|weekdays|early ones|late ones|\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)"
    r"|(?:\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?\s+)?slots?\s+(?:on|in|after|before|at)\b)"
)
_STOP_SOME: Final = patterns.compile(
    r"\b(?:stop\s+(?:sending|offering|giving)|no\s+more|don'?t\s+send\s+(?:any\s+)?more)"
    r"(?:\s+(?:her|him|them|any))?(?:\s+\w+)?\s+" + _TIME_KINDS,
    re.IGNORECASE,
)
"""A stop that names some times ("stop offering Mondays", "no more slots after
5pm", "stop sending her 8am slots"): as "don't send Tuesdays", fresh times
would not keep them out; mailflow stands down and the therapist answers."""
_TIMES_ASKED: Final = patterns.compile(
    r"\b(?:send|offer|give)\s+(?:(?:her|him|them|some|other|new|more|different|a\s+few"
    r"|another|later|earlier|online|in-person|phone|video)\s+){0,3}(?:times?|slots?|options?"
    r"|dates?|ones|sessions|afternoons?|mornings?|evenings?|weekdays)\b"
    r"|\b(?:send|offer|give)\s+(?:her|him|them)\s+(?:\w+\s+){0,2}?"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b"
    r"|\bsend\s+(?:her\s+|him\s+|them\s+)?(?:next|the\s+following)\s+week'?s\b"
    r"|\b(?:different|another|other|new|later|earlier)\s+(?:times?|days?|slots?|dates?"
    r"|ones)\s+please\b",
    re.IGNORECASE,
)
"""Other times asked of mailflow in so many words ("send her some other
times", "later ones please"); not a wish of the person's told of ("she needs
evenings")."""
_PROPOSES: Final = patterns.compile(
    r"\b(?:how|what)\s+about\s+(?!(?:we|i|you|she|he|they|it|that|this)\b)"
    r"|\blet'?s\s+(?:do|say|make|go\s+for)\b|\bmake\s+it\b"
    r"|\b(?:can|could|shall)\s+(?:we|you)\s+(?:do|make\s+it|try|go\s+for)\b"
    r"(?!\s+(?:something|anything))"
    r"|(?<!i'll\s)(?<!i\swill\s)\bbook\s+(?:her|him|them|it|the)\b",
    re.IGNORECASE,
)
"""A time proposed in so many words beside a stop ("stop offering Mondays -
how about Friday at 2pm?", "book her for Friday at 2pm"): narrower than
`_PROPOSE`, whose "instead", "rather" and "?" also stand beside a time
told of ("she'd rather go to the CMHT on Monday at 10")."""
_OWN_CONTACT: Final = patterns.compile(
    r"\bi(?:'ll|\s+will|'m\s+going\s+to)?\s+(?:ring|call|phone|email|e-mail|text|message"
    r"|whatsapp|write\s+to|see|meet|speak\s+to|book\s+(?:her|him|them)(?:\s+in)?\s+myself)\b"
    r"|\bmyself\b",
    re.IGNORECASE,
)


def _stops(body: str, proposal: WallTime | None, incomplete: bool) -> bool:
    """Whether a reply with words of stopping (`intent.told_to_stop`) stands
    mailflow down. Not where a time is proposed in so many words
    (`_PROPOSES`: "stop offering Mondays - how about Friday at 2pm?", "stop
    sending her times, could we do Thursday?"), unless it is the therapist's
    own call ("how about I ring her Thursday at 10"); then always where it
    names some times (`_STOP_SOME`), else unless other times are asked of
    mailflow in so many words (`_TIMES_ASKED`). A time told of ("she starts
    with the CMHT on Monday at 10") proposes nothing."""
    if (
        (proposal is not None or incomplete)
        and _PROPOSES.search(body) is not None
        and _OWN_CONTACT.search(body) is None
    ):
        return False
    if _STOP_SOME.search(body):
        return True
    return not _said(_TIMES_ASKED, _NOT_FROM_US, body, 40)[0]


def _times_not_wanted(body: str) -> bool:
    """ "No - don't send him times", "I'll send her some times myself", "let
    me offer him some": mailflow stands down. Also beside others asked for
    ("don't send Tuesdays, send Thursdays"): fresh times would not keep
    Tuesdays out; the therapist is told and answers themselves."""
    return _times_wished(body)[1]


_INSTEAD_OF = patterns.compile(
    r"\s+(?:instead\s+of|rather\s+than)\s+(?:the\s+)?\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?"
    r"(?![\w:.])",
    re.IGNORECASE,
)
_TELL_THEM = patterns.compile(
    r"\b(?:please\s+)?(?:tell|say\s+to|pass\s+on\s+to)\s+(?:her|him|them)\s*:\s*(?P<note>\S.*)",
    re.IGNORECASE | re.DOTALL,
)
_SAME_DAY = patterns.compile(
    r"\bbut\s+(?P<h>\d{1,2})(?:[:.](?P<m>\d\d))?\s*(?P<ap>am|pm)?\s+"
    r"(?:(?:on\s+)?the\s+same\s+day\s+|that\s+day\s+)?(?:works|would\s+work|is\s+(?:fine|ok|good)|suits)\b",
    re.IGNORECASE,
)
_NOT_NO_SHOW = patterns.compile(
    r"\b(?:not|no)\s+(?:a\s+)?no[\s-]?show\b|\bthe\s+call\s+(?:happened|went\s+ahead|went\s+well)"
    r"|\b(?:she|he|they)\s+(?:rang|called|answered|picked\s+up)\b|\btry\s+(?:again|later|tomorrow)\b"
    r"|\bgood\s+call\b",
    re.IGNORECASE,
)
"""Words that say the call was not missed, or not yet: never a no-show."""
_Y_ALONE = patterns.compile(r"\s*y+[\s.!]*", re.IGNORECASE)
_CLOCK = patterns.compile(
    r"\bat\s+\d{1,2}\b|\b\d{1,2}[:.]\d\d\b|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE
)
"""A time of day named ("at 11", "10.30", "2pm")."""
_TIME_ASKED_ALONE = patterns.compile(
    r"\s*(?:at\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?\s*\?+\s*", re.IGNORECASE
)
"""A reply that is a time and a question mark alone ("2pm?", "6.30?")."""
_ANY_DAY = patterns.compile(
    r"\b(?:(?:most|any|every|all|other)\s+(?:days?|mornings?|afternoons?|evenings?|weekdays?)"
    r"|next\s+week|the\s+week\s+after|following\s+week)\b",
    re.IGNORECASE,
)
"""A time of day on no one day ("most days at 10", "next week at 2")."""


_INSISTS = patterns.compile(
    r"\b(?:anyway|regardless|even\s+though|out\s+of\s+hours|outside\s+(?:my|our|the"
    r"|usual|normal|opening)\s+(?:\w+\s+)?hours|i\s+(?:do\s+)?mean\s+it)\b",
    re.IGNORECASE,
)


def insists_on_time(words: str) -> bool:
    """Whether the therapist says they mean a time outside their hours
    ("offer Thursday at 7pm anyway"): only then is such a time offered."""
    return bool(_INSISTS.search(words[: mentions.MAX_READ_CHARS]))


def read_offer_answer(text: str) -> TherapistReply:
    """The therapist's answer to "not sure: reply offer". Only a reply that
    starts with "offer" (or "send times") and says nothing against it sends the
    offer; "no", "leave it", "I'll reply myself" stand down; anything else does
    nothing. A robot reply is the one thing the note exists to prevent."""
    from mailflow.reading.phrases import phrases

    book = phrases().therapist
    body = (
        mentions.normalize(new_words(text)).strip()[: mentions.MAX_READ_CHARS].lower()
    )
    if book.offer_no.search(body):
        return TherapistReply(Decision.DECLINE)
    if book.offer_yes.search(body):
        return TherapistReply(Decision.OFFER)
    return TherapistReply(Decision.UNCLEAR)


def _approvals(masked: str) -> tuple[bool, bool]:
    """(a yes was said, a yes was negated: "not ok", "don't approve")."""
    return _said(_APPROVE, _APPROVE_NEGATED, masked, 20)


def _note(body: str) -> str:
    """The therapist's words for the person, as written, without the decision word;
    nothing when only the decision was written ("No.", "Sorry, no")."""
    lead = _LEAD.match(body)
    note = (body[lead.end() :] if lead else body).strip()
    if _NO_NOTE.fullmatch(note):
        return ""
    return note[:MAX_NOTE_CHARS].strip()


_TO_THEM = patterns.compile(
    r"\b(?:you|your|yours|you're|you'll|you've|you'd|yourself)\b", re.IGNORECASE
)


def _for_them(note: str) -> str:
    """The note, when it is written to the person ("could you pick another
    day?") or is a short reason about the therapist's own time ("I'm away that
    week"); else nothing: the therapist's other words stay with them."""
    if not note or _ABOUT_THEM.search(note):
        return ""
    if _TO_THEM.search(note) or intent.own_reason(note):
        return note
    return ""


_CANCEL_OBJECT = (
    r"(?:it|this|that|this\s+one|that\s+one|(?:the|this|that|our|my|her|his|their)"
    r"\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'s)?\s+)?(?:call|booking"
    r"|appointment|consultation|session|chat|one))"
)
_CANCEL_ORDER = patterns.compile(
    r"(?:^|(?<=[.!;:\n,\-\u2013\u2014(])|\b(?:please|pls|just|kindly|ok|okay|yes|so"
    r"|can\s+you|could\s+you|would\s+you)\s)\s*"
    rf"(?:(?:cancel|scrap)(?:\s+{_CANCEL_OBJECT})?|call\s+{_CANCEL_OBJECT}\s+off)"
    r"(?:\s+(?:please|pls|for\s+me|thanks|thank\s+you|x+))*"
    r"\s*(?:$|[.!,;:\n\-\u2013\u2014(]|\s+and\b|\s+(?:as|because|since|she|he|they|i)\b)"
    r"|\b(?:i\s+)?(?:need|have|'ll\s+have|'m\s+going\s+to\s+have|going\s+to\s+have"
    r"|'ve\s+got|got)\s+to\s+(?:cancel(?:\s+"
    + _CANCEL_OBJECT
    + r")?|call\s+"
    + _CANCEL_OBJECT
    + r"\s+off)(?=\s*(?:$|[.!,;:\n\-\u2013\u2014(]|\s+(?:please|sorry|as|because|i)\b))"
    r"|\b(?:i\s+)?(?:can't|cannot)\s+(?:do|make)\s+(?:this\s+one|this\s+call|the\s+call"
    r"|it\s+(?:now|after\s+all|any\s*more))\b",
    re.IGNORECASE | re.MULTILINE,
)
"""Told to cancel this call: "(please) cancel (it / this one / the call)",
"call it off", "I can't do this one"."""
_CANCEL_REPORT = patterns.compile(
    r"\b(?:she|he|they|the\s+client|the\s+person)(?:\s+has|\s+have|'s|'ve)?\s+"
    r"(?:rang|rung|called|phoned|emailed|texted|messaged|wrote|written|got\s+in\s+touch"
    r"|been\s+in\s+touch|asked(?:\s+me)?)\s+(?:me\s+|us\s+)?(?:to\s+)?(?:ask\s+to\s+)?"
    r"cancel(?:led)?\b"
    r"|\b(?:she|he|they)\s+(?:wants?|would\s+like|needs?)\s+to\s+cancel\b"
    r"|\b(?:she|he|they)(?:\s+has|\s+have|'s|'ve)?\s+cancel(?:l)?ed\b"
    r"(?!\s+(?:her|his|their|my|the|another|a)\s+(?:other|\w+\s+)?(?:client|session|class|appointment)\b)",
    re.IGNORECASE,
)
"""The person cancelled, as the therapist reports it ("she rang to cancel")."""
_CANCEL_BLOCK = patterns.compile(
    r"\?|\b(?:actually|leave\s+it|scratch\s+that|scrap\s+that\b(?!\s+(?:one|call))|never\s*mind|on\s+second\s+thoughts?"
    r"|no\s+wait|hold\s+on|hang\s+on|wait|if|unless|might|may|maybe|perhaps|in\s+case"
    r"|whether|probably)\b"
    r"|\b(?:i'll|i\s+will|i'm\s+going\s+to|i'm\s+gonna|i\s+shall|i'd|let\s+me)\s+"
    r"(?!have\s+to\b)[^.!\n]{0,30}\bcancel",
    re.IGNORECASE,
)
"""A cancel asked, taken back, conditional or put off: never acted on."""


_POLITE_CANCEL = patterns.compile(
    r"\b(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+|just\s+)?(?:cancel|scrap)"
    rf"(?:\s+{_CANCEL_OBJECT})?(?:\s+(?:please|pls|for\s+me|thanks|thank\s+you))*\s*\?",
    re.IGNORECASE,
)
"""An order put as a question ("can you cancel it?", "could you cancel this one
for me?"): its question mark asks nothing."""


def _cancels(masked: str) -> bool:
    polite = _POLITE_CANCEL.search(masked)
    rest = _POLITE_CANCEL.sub(" ", masked)
    return bool(
        (polite or _CANCEL_ORDER.search(masked) or _CANCEL_REPORT.search(masked))
        and not _CANCEL_BLOCK.search(rest)
    )


_ABOUT_THEM = patterns.compile(
    r"\b(?:she|he|her|him|his|hers|they|them|their|she's|he's)\b", re.I
)
"""A note that speaks of the person in the third person is about them, not to them."""


def _proposal(scan: Scan, today: date) -> tuple[WallTime | None, bool]:
    """(the proposed time, whether a new time was named too vaguely to act on)."""
    parts = list(scan.parts)
    for found in _BARE_HOUR.finditer(scan.masked):
        name = "h" if found["h"] else "h2"
        hour = int(found[name])
        readings = mentions.readings(hour, 0, None, found[name], both=False)
        if readings:
            parts.append(
                Part(found.start(name), found.end(name), Kind.TIME, clocks=readings)
            )
    for found in _RELATIVE_DAY.finditer(scan.text):
        offset = 1 if found["rel"].lower() == "tomorrow" else 0
        try:
            near = today + timedelta(days=offset)
            day, month = near.day, near.month
        except OverflowError:
            day = month = 0  # past the calendar's end: a date no one can book
        parts.append(
            Part(found.start(), found.end(), Kind.DATE, value=day, month=month)
        )
    parts.sort(key=lambda part: part.start)
    positive, _ = mentions.grouped(Scan(scan.text, scan.masked, parts, scan.clauses))
    if len(positive) > 1:  # "I have a client at 10. Could we do 11 instead?"
        proposed = [m for m in positive if _PROPOSE.search(_sentence(scan.text, m[0]))]
        positive = proposed or positive
    named = [part for mention in positive for part in mention]
    if not named:
        return None, False
    clocks = {c for part in named if part.kind is Kind.TIME for c in part.clocks}
    weekdays = {part.value for part in named if part.kind is Kind.WEEKDAY}
    dates = {(part.value, part.month) for part in named if part.kind is Kind.DATE}
    days = {part.value for part in named if part.kind is Kind.DAY}
    vague = any(part.kind is Kind.DAY_OR_HOUR for part in named)
    if vague or len(clocks) > 1 or len(weekdays) > 1 or len(dates) > 1 or len(days) > 1:
        return None, True
    if (
        clocks
        and not (weekdays or dates or days)
        and any(
            _ANY_DAY.search(_sentence(scan.text, part))
            for part in named
            if part.kind is Kind.TIME
        )
    ):
        # "I'm free most days at 10", "any day next week at 10?": which day?
        return None, True
    if not clocks:
        # A day without a time: a proposal only half made, unless it is just news.
        return None, bool(_PROPOSE.search(scan.text) and (weekdays or dates or days))
    at = next(iter(clocks))
    weekday = next(iter(weekdays)) if weekdays else None
    on: date | None = None
    if dates:
        day, month = next(iter(dates))
        on = _next_date(today, month, day)
    elif days:
        on = _next_day_of_month(today, next(iter(days)), weekday)
    if (dates or days) and (
        on is None or (weekday is not None and on.weekday() != weekday)
    ):
        return None, True  # "Thursday 3 December" when the 3rd is a Wednesday
    if on is not None:
        return WallTime(at=at, on=on), False
    return WallTime(at=at, weekday=weekday), False


def _sentence(text: str, part: Part) -> str:
    """The sentence a mention stands in ("?" and "." stay with it)."""
    start = max(text.rfind(end, 0, part.start) for end in ".!?\n") + 1
    ends = [i for i in (text.find(end, part.end) for end in ".!?\n") if i >= 0]
    return text[start : min(ends) + 1 if ends else len(text)]


def _next_date(today: date, month: int, day: int) -> date | None:
    """The next `day` of `month` on or after today (29 February waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _next_day_of_month(today: date, day: int, weekday: int | None) -> date | None:
    """The next date with this day of the month; None where a weekday is
    named that it is not ("Wednesday 3rd" when the coming 3rd is a Thursday:
    a slip of the day or the date, asked about, never the next month whose
    3rd is a Wednesday)."""
    year, month = today.year, today.month
    for _ in range(3):  # a 31st may skip a month or two
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            if weekday is not None and candidate.weekday() != weekday:
                return None
            return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return None
