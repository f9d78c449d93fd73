"""What the person's reply to an offer says: their pick, or what they want instead. Pure.

Reading is precise rather than clever, and never raises: a reply that could be
read two ways comes back UNCLEAR (the person is asked once), because a call
booked on a guess costs far more than one short question. The new words come
from `quoting`, the days and times from `mentions`; the therapist's replies are
read in `therapist`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time, timedelta, timezone, tzinfo
from typing import Final

from mailflow import patterns
from mailflow.deciding import availability
from mailflow.model import (
    PersonReply,
    Preference,
    ReplyKind,
    Slot,
)
from mailflow.reading import cancel_words, intent, mentions, picking, quoting
from mailflow.reading.extract import extract_phone, extract_preference
from mailflow.reading.mentions import Kind, Part, Scan
from mailflow.reading.quoting import new_words

_NUMBER_WORDS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ORDINAL_WORDS: Final = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip
_NUM = r"(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_CHOICE_PATTERNS: Final = (
    patterns.compile(  # "option 2", "number two", "slot 3", "choice #4"
        rf"\b(?:option|opt\.?|number|num\.?|nr\.?|choice|slot)\s*(?:#|no\.?)?\s*{_NUM}\b",
        re.IGNORECASE,
    ),
    patterns.compile(
        r"(?:#|\bno\.)\s*(?P<n>\d{1,3})\b", re.IGNORECASE
    ),  # "#2", "No. 2"
    patterns.compile(  # "the 2nd one", "3rd option"
        r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)?\s+(?:one|option|slot|choice)\b",
        re.IGNORECASE,
    ),
    patterns.compile(  # "I'll take 3", "let's do 2", "I'd like 4 please"
        r"\b(?:take|taking|choose|chose|pick|picking|select|book|go for|go with|opt for"
        r"|prefer|like|want|do|have)\s+(?:the\s+)?(?P<n>\d{1,2})\b(?!\s*(?:st|nd|rd|th)\b)",
        re.IGNORECASE,
    ),
    patterns.compile(  # a reply that starts with the number: "2", "2.", "2 please", "3 - Tue"
        r"^\W*(?P<n>\d{1,2})(?:\s*(?:[.)\]:!,\-\u2013\u2014~]|$)|(?=\s+(?:please|pls|plz"
        r"|works?|would|is|suits?|sounds|for me|thanks|thank|if|looks|ok|okay|perfect"
        r"|great|fine|then|as well|is best)\b))",
        re.IGNORECASE | re.MULTILINE,
    ),
    patterns.compile(  # "... 2 would be great", "3 works for me"
        r"\b(?P<n>\d{1,2})\s+(?:please|pls|plz|works|would (?:work|suit|be)|suits|does"
        r"|doesn't|does not|won't|isn't|is not|wouldn't|would not|can't"
        r"|is (?:good|great|fine|perfect|best|ideal|ok|okay|lovely|better|easiest)"
        r"|sounds|for me)\b",
        re.IGNORECASE,
    ),
)
_ALTERNATIVES = patterns.compile(
    r"\b(?P<a>\d{1,2})\s*(?:or|/|&|and|,)\s*(?:option\s*|#|no\.\s*)?(?P<b>\d{1,2})\b",
    re.IGNORECASE,
)
_ORDINAL = patterns.compile(
    r"\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE
)
_ORDINAL_NOUN = patterns.compile(
    r"\s*(?:one|option|slot|choice|available|time\b(?!\s+(?:i|we|in|ever|round|around)\b))",
    re.IGNORECASE,
)
_ORDINAL_END = patterns.compile(
    r"\s*(?:[.!?),]|$|please|pls|works?|would|is|suits?|sounds|for me|if|thanks|thank"
    r"|looks|then|as well)",
    re.IGNORECASE,
)
_ORDINAL_NOT = patterns.compile(
    r"(?:\ba|\bat|\bmy|\byour|\bour|\bfor\s+the|\bthe\s+very)\s*$", re.IGNORECASE
)
_ORDINAL_DATE = patterns.compile(rf"\s+(?:of\b|{mentions.MONTH})", re.IGNORECASE)
_DIGIT_ORDINAL = patterns.compile(
    r"(?<![\w~])(?P<n>\d{1,2})(?:st|nd|rd|th)(?!\w)(?!\s+(?:one|option|slot|choice)\b)",
    re.IGNORECASE,
)
_ANY = patterns.compile(
    r"\b(?:any|either|whichever|both|all)\s+(?:of\s+(?:them|those|these|the\s+(?:times"
    r"|slots|options))|one|time|is|are|works?|would|will|suits?|fine|ok|okay)\b"
    r"|\b(?:earliest|soonest|latest)\s+(?:one|option|slot|time|available|possible)\b"
    r"|\bthe\s+(?:earliest|soonest)\b",
    re.IGNORECASE,
)
"""Any time will do: still a choice the person has to make."""
_YES = patterns.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|perfect|great|lovely|brilliant|fine)\b"
    r"|\b(?:that|it)\s+(?:works|suits|is fine|is great|is perfect|sounds good)\b"
    r"|\b(?:works|suits)\s+(?:for\s+)?me\b|\bsounds\s+(?:good|great|perfect)\b",
    re.IGNORECASE,
)
_CANCEL = patterns.compile(
    r"\bcancel(?:l?ing)?\b(?=\s*(?:$|[.!,;:)]|please\b|for now\b|thanks?\b|thank you\b"
    r"|(?:(?:the|my|our|this|that|your|today's|tomorrow's)\s+)?(?:phone\s+)?(?:call|appointment"
    r"|booking|consultation|chat|session|request|enquiry|inquiry|meeting|conversation)\b"
    r"|it\b|that\b|this\b))"
    r"|\b(?:need|like|want|have|wish|going|got)\s+to\s+cancel\b",
    re.IGNORECASE,
)
_RESCHEDULE = patterns.compile(
    r"\bre-?schedul\w*|\brearrang\w*|\bpostpon\w*|\bre-?book\w*"
    r"|\bmove\s+(?:it|the call|our call|the appointment|our appointment|this|that"
    r"|the time|the booking|things)\b"
    r"|\bchange\s+(?:the|our|my)\s+(?:time|day|date|appointment|call|booking|slot)\b"
    r"|\b(?:a\s+)?(?:different|another)\s+(?:time|day|date)\b(?!s)"
    r"|(?:\b(?:cannot|can not|unable to|not able to|won't be able to|will not be able to)"
    r"|n't)\s+(?:make|do|manage)\s+(?:it\b|that\b|this\b|the call\b|our call\b"
    r"|the appointment\b|then\b|tomorrow\b|today\b|~)",
    re.IGNORECASE,
)
""""~" stands for a masked day ("I can't make Tuesday")."""
_NO_WORDS: Final = (
    r"\bnone\b(?!\s+of\s+(?:my|your|his|her|their|our)\b)|\bneither\b"
    r"|(?:\b(?:cannot|can not|unable to|not able to)|n't)\s+(?:do|make|manage|attend)\s+"
    r"(?:any|either|all)\b"
)
"""Saying only that no time offered fits ("neither", "can't do any")."""
_NONE_GLOBAL = patterns.compile(
    _NO_WORDS
    + r"|\bnot\s+(?:free|available|around)\s+(?:at|on|for|during|then|at\s+all)\b"
    r"|\b(?:do|would|could|have)\s+you\s+(?:have|got|offer)\s+(?:any|anything|something"
    r"|other|some|more)\b"
    r"|\b(?:is|are)\s+there\s+(?:any|anything|other|some|more)\b"
    r"|\banything\s+(?:else|later|earlier|in\s+the|on|after|before|at|during)\b"
    r"|\bsomething\s+(?:else|later|earlier|in\s+the|on|after|before)\b"
    r"|\b(?:any|some)\s+other\s+(?:times?|days?|options?|slots?|dates?)\b"
    r"|\b(?:send|give|offer)\s+(?:me\s+|us\s+)?(?:some|a\s+few|more|other|any)\s+"
    r"(?:other\s+|more\s+|new\s+|different\s+)?(?:times|dates|slots|options)\b"
    r"|\bother\s+(?:times|options|slots|dates|days)\b|\bmore\s+(?:times|options|slots)\b"
    r"|\b(?:later|earlier)\s+(?:times|slots|in\s+the\s+(?:day|week))\b"
    r"|(?:\b(?:bit|little|slightly|hour|minutes?)|~)\s+(?:later|earlier)\b",
    re.IGNORECASE,
)
"""Saying that nothing offered fits, or asking for something else."""
_NONE_PLAIN = patterns.compile(_NO_WORDS, re.IGNORECASE)
"""`_NONE_GLOBAL`'s words that only say no ("neither"): what is left of it
once they are gone asks for something else ("any other days?")."""
_MORE_THAN_NO = patterns.compile(
    r"\?|\b(?:about|instead|but|except|unless|only|what|how|maybe|perhaps|send|offer"
    r"|another|other|later|earlier|different|next|then|weeks?|months?|weekends?"
    r"|weekdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|mornings?|afternoons?"
    r"|evenings?|nights?|person|face|ring|phone|video|zoom|details|keep|list|future"
    r"|rota|shifts?|school|time\s+of|new\s+(?:times?|dates?|slots?))\b"
    r"|\b(?:can|could|would|will)\b(?!n?'t|\s*not\b)",
    re.IGNORECASE,
)
"""Anything beside a plain no and words that withdraw: a question, a time, a
way to meet, a wish kept for later ("Neither, I've changed my mind - what
about next week?", "... put me on the waiting list", "... can I keep your
details?")."""
_OFF_THE_LIST = patterns.compile(
    r"\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:take|remove)\s+me\s+off"
    r"\s+(?:your|the)\s+(?:\w+\s+)?list\b\W*",
    re.IGNORECASE,
)
"""Asking to be taken off the list is a withdrawal, question mark and all."""


def plainly_withdraws(text: str) -> bool:
    """ "Neither, sorry. I've changed my mind.": a plain no to the times offered
    beside words that withdraw, and nothing more. Pure.

    Only the offer's reader takes it so (a booked call being moved is never
    cancelled on it); anything more than the no and the withdrawal leaves
    the reply as it reads without this (`_MORE_THAN_NO`)."""
    body = mentions.normalize(picking.without_signoff(new_words(text)))
    if not intent.withdraws(body) or not _NONE_PLAIN.search(body):
        return False
    rest = _NONE_PLAIN.sub(" ", _ELSEWHERE.sub(" ", _OFF_THE_LIST.sub(" ", body)))
    return not (_NONE_GLOBAL.search(rest) or _MORE_THAN_NO.search(rest))


_NONE_REJECT = patterns.compile(
    r"(?:\b(?:do|does|did|will|would|could)\s+not|n't)\s+(?:really\s+)?(?:work|suit|fit)\b"
    r"|\b(?:no|not)\s+(?:good|great|ideal|possible)\b|(?<!not )\btoo\s+(?:early|late)\b"
    r"|\bnot\s+(?:free|available)\b|\bunavailable\b|\bbusy\b|\bclash\w*"
    r"|(?:\b(?:cannot|can not|unable to|not able to)|n't)\s+(?:do|make|manage)\s+"
    r"(?:mornings?|afternoons?|evenings?|lunchtimes?|weekdays?|weekends?|early|late)\b",
    re.IGNORECASE,
)
"""Turning one or all times down."""
_PHONE_ERRORS: Final = (ValueError, TypeError, IndexError, KeyError)
"""What the phonenumbers matcher could raise on odd text (it is third-party)."""
_LEFT_TO_US = patterns.compile(
    r"\b(?:whichever|whatever)(?:'s|\s+is|\s+(?:suits|works|would))?\s+(?:\w+\s+)?"
    r"(?:easier|easiest|better|best|suits|works|convenient)\b"
    r"|\b(?:your|ur)\s+(?:choice|call|pick)\b|\bup\s+to\s+(?:you|u)\b"
    r"|\byou\s+(?:choose|pick|decide)\b",
    re.IGNORECASE,
)
"""Times they name, the choice left to the practice ("Tuesday or Thursday,
whichever's easier for you"): which one is still theirs to say, never a
request for other times."""
_TWO_NAMED = patterns.compile(r"\b(?:or|either|both)\b", re.IGNORECASE)
"""Alternatives named: "mornings are better, whichever day suits" names none."""
_NONE_PREFER = patterns.compile(
    r"\b(?:better|prefer\w*|rather|ideally|more convenient|easier|best for me)\b",
    re.IGNORECASE,
)


def read_person_reply(
    text: str,
    *,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    region: str,
    today: date | None = None,
) -> PersonReply:
    """What the person's reply to an offer of numbered slots says.

    Args:
        text: the new words of the reply (quotes are stripped again, harmlessly).
        offered: the slots as numbered in the offer (1-based), aware datetimes.
        zones: the zones the times were shown in; a day and time may be named
            in any of them.
        region: for reading a national phone number ("GB").
    """
    inline = picking.inline_choice(
        mentions.normalize(text)
    )  # typed under a quoted time
    body = mentions.other_than(
        mentions.normalize(picking.without_signoff(new_words(text)))
    )
    phone = _phone(body, region)
    spoken = picking.spoken_times(body)
    body = _NOT_A_CHOICE.sub(" ", spoken)
    if not body.strip() and inline is None:
        return PersonReply(ReplyKind.OTHER, phone=phone, empty=True)
    scan = mentions.scan(body, region, both_readings=True)
    count = len(offered)
    choices, negated_choices = _choices(scan, count)
    positive, negative = mentions.grouped(scan)

    picks = set(range(1, count + 1))
    attempted = bool(choices or positive or negated_choices or negative)
    for day in _ordinal_days(scan):
        if day > count and day in choices:
            # "17th please" with three times listed: no option's number, so a
            # date; it picks when exactly one offered time falls on it.
            on_day = mentions.candidates(
                [Part(0, 0, Kind.DAY, value=day)], offered, zones
            )
            if len(on_day) == 1:
                choices = (choices - {day}) | on_day
    ambiguous = len(choices) > 1 or any(not 1 <= n <= count for n in choices)
    picks &= choices or picks
    for mention in positive:
        picks &= mentions.candidates(mention, offered, _clock_of(mention, scan, zones))
    for day in _ordinal_days(scan):
        on_day = mentions.candidates([Part(0, 0, Kind.DAY, value=day)], offered, zones)
        if day <= count and on_day - {day}:
            ambiguous = True  # "the 2nd" may be a date as well as the second time
    pick = next(iter(picks)) if (choices or positive) and len(picks) == 1 else None
    if pick is not None and any(
        pick in mentions.candidates(mention, offered, zones) for mention in negative
    ):
        ambiguous = True  # "I could do the Tuesday but not at 10": Tuesday is at 10
    if ambiguous:
        pick = None

    cancel = _cancelled(scan)
    reschedule = bool(_RESCHEDULE.search(scan.masked))
    global_none, rejects = _none_fit(scan.masked)
    preference = extract_preference(body)
    shifted = _SHIFTED.search(body)
    if pick is not None and shifted is not None and zones and not cancel:
        # "Could we do Thursday but a bit earlier? 6.30 is tricky": that day,
        # another time: fresh times that day, before (or after) the one offered.
        local = offered[pick - 1].start_at.astimezone(zones[0])
        earlier = (shifted["way"] or shifted["way2"]).lower() == "earlier"
        end = offered[pick - 1].end_at.astimezone(zones[0]).time()
        return PersonReply(
            ReplyKind.NONE_FIT,
            preference=replace(
                preference,
                weekdays=frozenset({local.weekday()}),
                latest=local.time() if earlier else preference.latest,
                earliest=end if not earlier else preference.earliest,
            ),
            phone=phone,
        )
    if cancel:
        kind = ReplyKind.UNCLEAR if pick else ReplyKind.CANCEL
    elif pick is not None:
        kind = (
            ReplyKind.UNCLEAR
            if global_none or _ANY.search(scan.masked)
            else ReplyKind.PICK
        )
    elif global_none or rejects:
        kind = ReplyKind.NONE_FIT
    elif reschedule:
        kind = ReplyKind.RESCHEDULE
    elif (
        _NONE_PREFER.search(scan.masked)
        and (not preference.is_empty or positive)
        and not (_LEFT_TO_US.search(scan.masked) and _TWO_NAMED.search(scan.masked))
    ):
        # "mornings are better", "Wednesday would be better" (none offered then)
        kind = ReplyKind.NONE_FIT
    elif attempted or _ANY.search(scan.masked):
        kind = ReplyKind.UNCLEAR
    elif _YES.search(scan.masked) and not mentions.NEGATION.search(scan.masked):
        if count == 1:  # one time offered (the therapist's own proposal): "yes"
            return PersonReply(ReplyKind.PICK, choice=1, phone=phone)
        kind = ReplyKind.UNCLEAR  # "yes please" to five times: which?
    else:
        kind = ReplyKind.OTHER
    if kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR} and (
        pick is None
        and preference.is_empty
        and not positive
        and intent.withdraws(body)
        and not _NONE_GLOBAL.search(_ELSEWHERE.sub(" ", body))
    ):
        kind = ReplyKind.CANCEL  # "I've changed my mind", "please ignore my email"
    if kind is not ReplyKind.CANCEL and offered and zones:
        # An instant no zone can show: the plain reading stands.
        with contextlib.suppress(OverflowError, ValueError):
            kind, pick, preference = _pointed(
                body,
                kind,
                pick,
                inline,
                offered,
                zones,
                preference,
                widened=global_none,
            )

    if kind is ReplyKind.PICK and _ZONE_QUESTION.search(body):
        # "Number 3 please - is 17:00 your time or Spanish time?": which time
        # they mean is still open; asked, never booked.
        kind, pick = ReplyKind.UNCLEAR, None
    typed_under = isinstance(inline, int) and not isinstance(inline, bool)
    if (
        kind is ReplyKind.PICK
        and pick is not None
        and not typed_under
        and zones
        and _not_in_their_clock(body, pick, offered, zones, positive)
    ):
        # "13:00 my time on the Tuesday" from someone working in Germany,
        # where 13:00 London is offered too: a time in a clock mailflow does
        # not know, or one it knows where the time names another option, is
        # asked about, never booked in London's.
        kind, pick = ReplyKind.UNCLEAR, None
    if kind is ReplyKind.PICK and zones and _option_or_hour(body, offered, zones[0]):
        # "Tuesday 2 please" where the second time is on Tuesday and another
        # is at 2pm that day: which? Asked.
        kind, pick = ReplyKind.UNCLEAR, None
    if kind is ReplyKind.PICK and not (typed_under and inline == pick) and zones:
        # A place among one day's times that says the pick is another ("the
        # second one on Thursday" read as the list's second, a Tuesday;
        # "Option 2, the earlier one on Thursday"): asked, never booked. The
        # place only ever takes a pick away; it never makes one.
        tied = picking.ordinal_on_day(body, offered, zones[0])
        if tied is not None and (tied is False or tied != pick):
            kind, pick = ReplyKind.UNCLEAR, None
    language = intent.language_of(body)
    if (
        kind is ReplyKind.PICK
        and pick is not None
        and not (typed_under and inline == pick)
        and offered
        and zones
        and (
            intent.foreign_turns_down(body, language)
            if language is not None
            else not _taken(body, pick, offered, zones[0])
        )
    ):
        # "Thursday's tricky", "2 is out", "Monday I have my kids": a day named
        # is no pick without a word that takes it; in another language, "2.
        # Non, je ne peux pas", "Option 2 ne me convient pas": asked, never booked.
        kind, pick = ReplyKind.UNCLEAR, None

    if language is not None and kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR}:
        # Another language: a number, an ordinal or a weekday, a cancel, a move
        # or "none of these"; else one question, never silence.
        pick = intent.foreign_choice(body, language, offered, zones)
        kind = ReplyKind.PICK if pick is not None else ReplyKind.UNCLEAR
        for what, meaning in (
            ("cancel", ReplyKind.CANCEL),
            ("move", ReplyKind.NONE_FIT),
            ("none", ReplyKind.NONE_FIT),
        ):
            if pick is None and intent.foreign_says(body, language, what):
                kind = meaning
                break
        if kind is ReplyKind.UNCLEAR and intent.foreign_says(body, language, "thanks"):
            kind = ReplyKind.OTHER if not offered else kind
    if kind is ReplyKind.PICK and intent.withdraws(body):
        # "I'd love Tuesday but I can't afford it right now, so best not",
        # "Tuesday would have been perfect but I've decided not to go ahead":
        # a day beside words that withdraw is never held; they are asked.
        kind, pick = ReplyKind.UNCLEAR, None
    yes = intent.plain_yes(body) or (
        language is not None and intent.foreign_yes(body, language)
    )
    # Only where they decide something: a plain yes or no with no time in it
    # ("yes please" to new times; "don't worry about rebooking").
    yes = yes and kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR}
    # "Sorry for cancelling. Could we try again?": asking for the call again
    # is a yes to the letter that said "just reply", whatever else it reads as.
    yes = yes or (kind is not ReplyKind.PICK and intent.asks_for_the_call_again(body))
    no = kind is not ReplyKind.PICK and intent.declines(body)
    if kind in {ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE} and today and zones:
        # "I'm away that week", "not tomorrow": never offered again.
        not_before, not_on = picking.exclusions(spoken, today, offered, zones[0])
        preference = replace(
            preference,
            not_before=not_before or preference.not_before,
            not_on=preference.not_on | not_on,
        )
    if kind is ReplyKind.PICK:
        return PersonReply(kind, choice=pick, phone=phone, yes=yes, declines=no)
    if kind is ReplyKind.NONE_FIT:
        return PersonReply(
            kind, preference=preference, phone=phone, yes=yes, declines=no
        )
    alone = kind is ReplyKind.OTHER and phone is not None and _only_phone(body)
    return PersonReply(kind, phone=phone, yes=yes, declines=no, only_phone=alone)


_SHIFTED = patterns.compile(
    r"\bbut\s+(?:just\s+)?(?:a\s+)?(?:bit|little|touch|tad|slightly)\s+(?P<way>earlier|later)\b"
    r"|\b(?:a\s+)?(?:bit|little|touch|tad|slightly)\s+(?P<way2>earlier|later)\s*\?",
    re.IGNORECASE,
)
"""The day of an offered time, at another time: "Thursday but a bit earlier?"."""
_NOT_A_CHOICE = patterns.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)\s+(?:floor|flat|year|grade|birthday|anniversary|attempt|child)\b"
    r"|\b(?:week\s+(?:of|commencing|beginning|starting)|w/[cb])\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b(?:flat|apt|apartment|unit|room|year|ext|extension|floor|house|block|suite)\.?\s*\d+[a-z]?\b",
    re.IGNORECASE,
)
"""Numbers in addresses, floors and school years ("2nd floor flat", "Flat 2",
"Year 3", "ext 3") and weeks ("the week of the 11th", "w/c 15th"): never an
option's number."""
_NOTHING_BEFORE = patterns.compile(
    r"\bnothing\s+(?:before|after|until|till|earlier than|later than)\b", re.IGNORECASE
)
_DIGIT = patterns.compile(r"\d")
"""A time or date named: a day-and-part preference alone no longer picks."""
_ANOTHER_WEEK = patterns.compile(
    r"\b(?:following|next|another|a\s+different|later)\s+week\b|\bweek\s+after\b"
    r"|\binstead\b",
    re.IGNORECASE,
)
_WOULD_SUIT = patterns.compile(
    r"\b(?:would\s+be|is|works?|suits?|sounds)\s+(?:\w+\s+)?(?:great|brilliant|perfect|"
    r"good|fine|lovely|ideal|best|ok|okay)\b|\bworks\b|\bsuits\b|\bplease\b",
    re.IGNORECASE,
)


_NOTHING_LISTED = patterns.compile(
    r"\b(?:nothing|none|neither|all)\b|n't\b|\bnot\b", re.IGNORECASE
)
"""Beside the list: none of it fits ("nothing on your list works")."""
_TAKES_IT = patterns.compile(
    r"\b(?:slot|one|option|time)\s+(?:works|suits|is\s+(?:perfect|great|fine|good|ideal))\b"
    r"|\b(?:works|suits)\s+(?:great|perfectly|fine|well)?\s*(?:for\s+)?me\b"
    r"|\b(?:i'?ll|i\s+will|i'?d\s+like\s+to|let'?s)\s+(?:take|book|go\s+for|have)\b"
    r"|\bsee\s+you\s+then\b|\btalk\s+(?:to\s+you\s+)?then\b",
    re.IGNORECASE,
)
"""Words of taking a listed time: said of a time that was not listed, they are
a mistaken pick, not a request for other times."""
_FROM_THE_LIST = patterns.compile(
    r"\b(?:option|opt|number|num|no\.?|choice|slot)\s*#?\s*\d{1,2}\b(?!\s*\d)|#\s*\d\b"
    r"|\b(?:from|on)\s+(?:your|the)\s+list\b",
    re.IGNORECASE,
)
"""A time pointed at as one of the list ("number 4 - the Friday 1pm", "from
your list"): when no listed time is it, a mistaken pick to ask about, not a
request for other times. Not "the Saturday slot please if you have one":
that asks for other times."""


def local_time(slot: Slot, zone: tzinfo) -> time:
    return slot.start_at.astimezone(zone).time()


def _pointed(
    body: str,
    kind: ReplyKind,
    pick: int | None,
    inline: int | bool | None,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    preference: Preference,
    *,
    widened: bool = False,
) -> tuple[ReplyKind, int | None, Preference]:
    """What people write around a pick (see `picking`), and whether a pick
    holds: an inline "this one", "the middle one", "anything after 5"; and a
    pick with a condition it fails, a hedge, or a "3rd" that may be a date is
    asked about instead."""
    if not zones:
        return kind, pick, preference
    zone = zones[0]
    count = len(offered)
    if isinstance(inline, int) and not isinstance(inline, bool):
        if 1 <= inline <= count:
            kind, pick = ReplyKind.PICK, inline
    elif inline is False:
        return ReplyKind.UNCLEAR, None, preference
    if kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR, ReplyKind.NONE_FIT}:
        # "the Wednesday slot but a bit later?" (`widened`): not that slot
        named = None if widened else picking.the_one(body, offered, zone)
        if isinstance(named, int) and not isinstance(named, bool):
            kind, pick = ReplyKind.PICK, named
        elif named is False:
            kind = ReplyKind.UNCLEAR
        fits = picking.within(body, offered, zone)
        if fits is not None and kind is not ReplyKind.PICK:
            if len(fits) == 1:
                kind, pick = ReplyKind.PICK, fits[0]
            else:
                kind = ReplyKind.NONE_FIT if not fits else ReplyKind.UNCLEAR
    unpicked = kind in {ReplyKind.OTHER, ReplyKind.UNCLEAR} and pick is None
    bounds = picking.ruled_out_hours(body)
    if unpicked and bounds is not None:
        # "Nothing before 5 works for me": fresh times after 5 when no offered
        # time is left; if one is, they may mean it: asked, never guessed.
        earliest, latest = bounds
        left = [
            n
            for n, slot in enumerate(offered, 1)
            if (earliest is None or local_time(slot, zone) >= earliest)
            and (latest is None or local_time(slot, zone) < latest)
        ]
        if left:
            return ReplyKind.UNCLEAR, None, preference
        return (
            ReplyKind.NONE_FIT,
            None,
            replace(preference, earliest=earliest, latest=latest),
        )
    if (
        kind is ReplyKind.NONE_FIT
        and "lunch" in body
        and any(
            picking.at_lunchtime(slot, zone)
            and (
                not preference.weekdays
                or slot.start_at.astimezone(zone).weekday() in preference.weekdays
            )
            for slot in offered
        )
    ):
        # "lunchtimes would be better" and a lunchtime was offered: which?
        return ReplyKind.UNCLEAR, None, preference
    if unpicked and preference.is_empty and len(body.split()) <= 12:
        # "mornings please", "saturday morning would be brilliant": a short
        # reply that names days or parts of the day says what it wants.
        preference = extract_preference(f"Availability: {body}")
    elsewhere = _ANOTHER_WEEK.search(body) or _NOTHING_BEFORE.search(body)
    if (
        unpicked
        and elsewhere
        and not (kind is ReplyKind.UNCLEAR and _DIGIT.search(body))
    ):
        # "could we do the following week instead?" (a number beside it: which?)
        return ReplyKind.NONE_FIT, None, preference
    if unpicked and not preference.is_empty:
        # "mornings please": fresh times when none offered fits, else a question
        suits = [
            n
            for n, slot in enumerate(offered, 1)
            if availability.matches(slot.start_at.astimezone(zone), preference)
            or ("lunch" in body and picking.at_lunchtime(slot, zone))
        ]
        if (
            len(suits) == 1
            and _WOULD_SUIT.search(body)
            and not _DIGIT.search(body)
            and not _LEFT_TO_US.search(body)  # "Monday or Saturday, whichever suits"
        ):
            kind, pick = ReplyKind.PICK, suits[0]  # "saturday morning would be great"
        elif not suits and not (
            kind is ReplyKind.UNCLEAR
            and not _NONE_PREFER.search(body)
            and (
                (_DIGIT.search(body) and _TAKES_IT.search(body))
                or (_FROM_THE_LIST.search(body) and not _NOTHING_LISTED.search(body))
            )
        ):
            kind = ReplyKind.NONE_FIT
        else:
            # An offered time fits; or "the Wednesday 2pm slot works great"
            # when no Wednesday 2pm was offered: they think they picked one.
            kind = ReplyKind.UNCLEAR
    corrected = picking.corrected_choice(body, count)
    if corrected is False and kind is ReplyKind.PICK:
        return ReplyKind.UNCLEAR, None, preference  # changed their mind to what?
    if isinstance(corrected, int) and not isinstance(corrected, bool):
        kind, pick = ReplyKind.PICK, corrected
    if kind is ReplyKind.PICK and pick is not None and 1 <= pick <= count:
        met = picking.condition_met(body, offered[pick - 1], zone)
        if (
            met is False
            or picking.hedged(body)
            or picking.date_or_option(body, offered, zone)
        ):
            return ReplyKind.UNCLEAR, None, preference
    return kind, pick, preference


_CLAUSE = patterns.compile(
    r"[.,;:!?()\n]|\s[-\u2013\u2014]+\s|\b(?:but|though|however|whereas|and|so)\b",
    re.IGNORECASE,
)
_DAY_NAMES: Final = (
    r"mon(?:day)?", r"tue(?:s|sday)?", r"wed(?:s|nesday)?", r"thu(?:r|rs|rsday)?",
    r"fri(?:day)?", r"sat(?:urday)?", r"sun(?:day)?",
)  # fmt: skip
_DAYS: Final = tuple(
    patterns.compile(rf"\b{name}s?\b(?:'s)?", re.IGNORECASE) for name in _DAY_NAMES
)
_OPTION_DIGIT = patterns.compile(
    r"(?<![\d:.£$])\b(?P<n>\d)\b(?![:.]\d|\s*(?:am|pm|a\.m|p\.m|o'?clock)\b)",
    re.IGNORECASE,
)
_ONLY_CHOICE = patterns.compile(
    r"\b(?:(?:mon|tues?|wed(?:nes)?|weds|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?"
    r"|today|tomorrow|" + mentions.MONTH + r"|\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\b\.?)?|[ap]\.?m\.?|at|on|the|one|option|number|slot|choice|for|me|half|quarter|past"
    r"|o'?clock|first|second|third|last|then|hi|hello|hey|dear|thanks|thank|you|cheers"
    r"|x+|morning|afternoon|evening|noon|midday|lunchtime|two|three|four|five|six|of"
    r"|london|time|your|my|local|gmt|bst|utc|[+-]\d+)\b|#",
    re.IGNORECASE,
)
_WORD = patterns.compile(r"[^\W_]+(?:'[^\W_]+)*")
_NAME = patterns.compile(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?")


_ZONE_QUESTION = patterns.compile(
    r"\b(?:(?:your|my|our|their|uk|british|london|local|spanish|french|german|italian"
    r"|irish|european|central|eastern|pacific|us|which|what|whose|\w+\s+zone)"
    r"\s+time|time\s*zones?|timezones?|gmt|bst|cet|cest|est|pst|utc)\b[^.!?\n]{0,40}\?",
    re.IGNORECASE,
)
"""A question about whose clock a time is on ("is that your time or mine?")."""
_LONDONS = patterns.compile(
    r"[ \t]*(?:\(\s*)?(?:(?:in\s+)?london|uk|british|greenwich|gmt(?!\s*[+-]\s*\d))"
    r"(?:'s)?(?:\s+(?:local\s+)?time)?\b",
    re.IGNORECASE,
)
"""London's clock named just after a time ("4pm London", "13:00 UK time"):
that time is read in it alone. Not "your time": the offer calls the
person's own clock that ("09:00 your time"), and they may echo it; not
"GMT+4" (`_OFFSET`)."""
_OFFSET = patterns.compile(
    r"[ \t]*\(?\s*(?:gmt|utc) ?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>[0-5]\d))?\b"
    r"(?!\s*(?:[ap]\.?m\b|noon|o'?clock)|[:.]\d)",
    re.IGNORECASE,
)
"""A clock named by its offset just after a time ("2pm GMT+4", "9am
(UTC-5)"): that time is read in it alone. Never "10:00 GMT - 2:00pm my
time" (a time after a dash, helper-298)."""
_SIGNED = patterns.compile(
    r"[ \t,]*\(?\s*(?:gmt|utc)\s*[+\-\u2212]\s*\d", re.IGNORECASE
)
"""An offset written any other way ("GMT - 5", "UTC + 4"): whose clock is
not sure, so a time before it is asked about (helper-299)."""
_MINE = patterns.compile(
    r"[ \t]*(?:\(\s*)?(?:(?:my|our)\s+(?:own\s+)?(?:local\s+)?time|local\s+time"
    r"|where\s+i\s+am|at\s+my\s+end"
    r"|(?<![.!?])(?<![.!?]\s)(?<![.!?]\s\s)(?<![.!?]\s\s\s)here(?=[ \t]*(?:works?\b|suits?\b|would\b|please\b|pls\b"
    r"|is\s+(?:fine|good|great|perfect|best|ok|okay|better)\b"
    r"|,[ \t]*if\s+(?:that'?s|that\s+is|it'?s|it\s+is)\s+(?:ok|okay|alright|all\s+right|fine)\b)))",
    re.IGNORECASE,
)
"""The writer's own clock named just after a time ("13:00 my time", "2pm
here works"). Not a "here" that begins something else ("11am here is my
mobile", "2pm here at the office", "1pm here: 07700 900123"), nor one that
ends the sentence ("I'll go for Tuesday 1pm here": the line they chose?)."""
_LONDON_SAID = patterns.compile(
    r"[^.!?\n]{0,30}?\b(?:london|the\s+uk|england|britain|gmt(?!\s*[+-]\s*\d))\b",
    re.IGNORECASE,
)
"""London named soon after the clock word ("11:00 local time (London)")."""


def _clock_of(
    mention: Sequence[Part], scan: Scan, zones: Sequence[tzinfo]
) -> Sequence[tzinfo]:
    """The clocks a time is read in: an offset's where named after it
    ("2pm GMT+4"), London's where named after it, the writer's own where
    named and known (where unknown, `_not_in_their_clock` asks), else any
    clock the offer showed."""
    end = mention[-1].end
    offset = _OFFSET.match(scan.text, end)
    if offset is not None and zones:
        minutes = int(offset["h"]) * 60 + int(offset["m"] or 0)
        if minutes <= 14 * 60:
            sign = -1 if offset["sign"] == "-" else 1
            return [timezone(timedelta(minutes=sign * minutes))]
    if _LONDONS.match(scan.text, end):
        return zones[:1]
    mine = _MINE.match(scan.text, end)
    if mine is not None and _LONDON_SAID.match(scan.text, mine.end()):
        return zones[:1]  # "11:00 local time (London)"
    if mine is not None and zones[1:]:
        return zones[1:]
    return zones


_ABROAD = (
    r"(?:germany|france|spain|italy|the\s+netherlands|holland|belgium|switzerland|austria"
    r"|poland|greece|cyprus|turkey|finland|sweden|norway|denmark|czechia|the\s+czech"
    r"\s+republic|hungary|romania|bulgaria|croatia|malta|israel|egypt|dubai|abu\s+dhabi"
    r"|the\s+uae|qatar|doha|saudi(?:\s+arabia)?|india|mumbai|delhi|bangalore|bengaluru"
    r"|pune|chennai|pakistan|karachi|lahore|bangladesh|dhaka|sri\s+lanka|singapore"
    r"|hong\s+kong|china|shanghai|beijing|japan|tokyo|korea|seoul|thailand|bangkok"
    r"|vietnam|malaysia|kuala\s+lumpur|indonesia|bali|jakarta|the\s+philippines|manila"
    r"|australia|sydney|melbourne|brisbane|perth|adelaide|new\s+zealand|auckland"
    r"|wellington|the\s+(?:us|usa|states)|america|new\s+york|nyc|boston|washington"
    r"|chicago|texas|houston|dallas|austin|denver|california|los\s+angeles|la|san"
    r"\s+francisco|seattle|miami|florida|atlanta|canada|toronto|montreal|vancouver"
    r"|calgary|mexico|brazil|argentina|chile|colombia|peru|south\s+africa|cape\s+town"
    r"|johannesburg|nigeria|lagos|kenya|nairobi|ghana|accra|berlin|munich|frankfurt"
    r"|hamburg|paris|lyon|nice|madrid|barcelona|rome|milan|amsterdam|rotterdam"
    r"|brussels|zurich|geneva|vienna|prague|budapest|warsaw|krakow|athens|stockholm"
    r"|oslo|copenhagen|helsinki|moscow|istanbul|tel\s+aviv|cairo|europe|asia|the\s+far"
    r"\s+east|the\s+middle\s+east)"
)
"""Places whose clock is not London's in winter (Ireland, Portugal, Iceland
and the Canaries share it: not here)."""
_OWN_CLOCK = patterns.compile(
    r"\b(?:my|our)\s+(?:own\s+)?(?:local\s+)?time(?:\s*zone)?\b"
    r"|(?<!uk )(?<!london )(?<!british )\blocal\s+time\b"
    r"|\btime\s+(?:where\s+i\s+am|at\s+my\s+end|over\s+here|out\s+here)\b"
    r"|(?:\d|[ap]\.?m\.?)\s*(?:where\s+i\s+am|(?:at|on)\s+my\s+end|over\s+here|out\s+here)\b"
    r"|\bhere\s+in\s+" + _ABROAD + r"\b"
    # "9am in New York please", "Tuesday 2pm in Dubai"
    r"|(?:\d|[ap]\.?m\.?)\s+(?:\w+\s+)?in\s+" + _ABROAD + r"\b"
    r"|\b(?:cet|cest|eet|eest|est|edt|cdt|mst|mdt|pst|pdt|aest|aedt|acst|awst|nzst"
    r"|nzdt|sgt|hkt|jst|kst|msk)\b"
    r"|\b(?:eastern|central|pacific|mountain|atlantic|european|continental|german|germany"
    r"|french|france|spanish|spain|italian|italy|dutch|swiss|belgian|polish|greek"
    r"|finnish|swedish|norwegian|danish|cyprus|israeli|turkish|american|canadian"
    r"|new\s+york|ny|nyc|east\s+coast|west\s+coast|california|texas|chicago|toronto"
    r"|vancouver|boston|dubai|gulf|indian|india|singapore|hong\s+kong|japan|japanese"
    r"|australian|sydney|melbourne|perth|brisbane|nz|new\s+zealand|south\s+african"
    r"|berlin|paris|madrid|rome|amsterdam|brussels|stockholm|athens|helsinki)\s+time\b"
    # "I'm in Dubai at the moment so the 12:00", "working in Germany"
    r"|\b(?:i'?m|i\s+am|we'?re|we\s+are|currently|at\s+the\s+moment)\s+(?:\w+\s+)?"
    r"(?:in|based\s+in|living\s+in|working\s+in|staying\s+in|out\s+in|over\s+in)\s+"
    + _ABROAD
    + r"\b",
    re.IGNORECASE,
)
"""A time said in the writer's own clock, or a named one that is not
London's ("13:00 my time", "4:45 pm here in Pune", "9am EST", "German
time"). Not "UK time", "London time", "your time" (the offer's name for
their own clock: read in both)."""
_TRAVELLING = patterns.compile(
    r"\b(?:i'?ll|i\s+will|we'?ll|we\s+will|i'?m\s+going\s+to|going\s+to)\s+be\s+"
    r"(?:(?:back\s+)?(?:in|over\s+in|out\s+in|away\s+in|travelling\s+in|staying\s+in"
    r"|working\s+in)\s+\w|away\b|abroad\b|travelling\b|on\s+holiday\b)"
    r"|\b(?:flying|fly|flew|travelling|traveling|heading|moving|moved)\s+(?:out\s+)?"
    r"(?:to|back\s+to|home|back)\b"
    r"|\bback\s+home\b(?!\s+in\s+(?:london|the\s+uk|england|britain)\b)"
    r"|\b(?:jet\s*lag|time\s+difference)\b",
    re.IGNORECASE,
)
"""Their clock may not be the one their mail showed by then ("I'll be in New
York by then so 12pm", "flew home on Thursday"): a time they name in their
own clock is read in no known clock."""
_IN_LONDON = patterns.compile(
    r"\b(?:back\s+(?:home\s+)?in|here\s+in|(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:now\s+|back\s+"
    r"|actually\s+|currently\s+)?in)\s+(?:london|the\s+uk|england|britain)\b"
    r"(?!\s+(?:next|on|from|until|till|by|later)\b)",
    re.IGNORECASE,
)
"""They say they are in London ("I'm back home in London now", "here in the
UK"): where their mail showed another clock, which is theirs is not known."""
_TIME_TALK = patterns.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|weds|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?\b"
    r"|\d|\b(?:then|it|that\s+(?:time|day|one|slot|week)|this\s+(?:one|time|week)"
    r"|mornings?|afternoons?|evenings?|lunch\w*|today|tomorrow|week\w*|time|slot|option"
    r"|one|early|late|those|these|them|any|all|either|neither|none)\b",
    re.IGNORECASE,
)
"""A clause that speaks of a time; a long one that does not turns no time down."""
_SHORT_CLAUSE: Final = 6
"""A clause this short is an answer ("Tuesday. I'm away") even with no time
word in it; a longer one that speaks of no time is the person's story ("things
at home have been difficult since...") and turns no time down."""


_DAY_NUMBER = patterns.compile(
    r"\b(?P<day>mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(?P<n>1[0-2]|[1-9])\b"
    r"(?![:./-]\d|\s*(?:am|pm|a\.m|p\.m|st|nd|rd|th|o'?clock|weeks?|days?|hours?|hrs?"
    r"|mins?|minutes|months?|years?|times|kids|children|people|jan|feb|mar|apr|may|jun"
    r"|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august"
    r"|september|october|november|december)\b)"
    r"|(?<![:.\d])\b(?P<n2>1[0-2]|[1-9])\s+on\s+(?:the\s+)?(?P<day2>mon|tue|wed|thu|fri|sat"
    r"|sun)[a-z]*\b",
    re.IGNORECASE,
)
"""A bare number beside a day, no "at" ("Tuesday 2 please", "1 on Friday"):
an option's number or an hour that day."""


def _option_or_hour(body: str, offered: Sequence[Slot], zone: tzinfo) -> bool:
    """Whether a number beside a day (`_DAY_NUMBER`) names one offered time
    as an option's number and another as an hour of that day."""
    for found in _DAY_NUMBER.finditer(body):
        n = int(found["n"] or found["n2"])
        day = (found["day"] or found["day2"]).lower()
        days = [slot.start_at.astimezone(zone) for slot in offered]
        that_day = [d for d in days if d.strftime("%a").lower() == day]
        as_option = days[n - 1] if n <= len(days) else None
        as_hour = [d for d in that_day if d.minute == 0 and d.hour in {n, n + 12}]
        if as_option in that_day and any(d != as_option for d in as_hour):
            return True
    return False


def _not_in_their_clock(
    body: str,
    pick: int,
    offered: Sequence[Slot],
    zones: Sequence[tzinfo],
    positive: Sequence[Sequence[Part]],
) -> bool:
    """Whether a pick rests on a time told in the writer's own clock
    (`_OWN_CLOCK`) that does not name it there: their clock unknown (only
    London's is, `zones[0]`), or the time falls on no offered time, or on
    another, in theirs. A number with no time beside it is not read here
    ("Option 2 please, I'm on German time")."""
    timed = [m for m in positive if any(part.kind is Kind.TIME for part in m)]
    if any(
        _SIGNED.match(body, m[-1].end) and not _OFFSET.match(body, m[-1].end)
        for m in timed
    ):
        return True  # "9am GMT - 5": asked, never read in London's clock
    # "I'm back in London now" where their mail showed another clock: which
    # clock is theirs now is not known (helper-298: "I'm in London this week
    # for work. Tuesday 9am EST"): asked, never read in either.
    travelling = _TRAVELLING.search(body) or (_IN_LONDON.search(body) and zones[1:])
    if not (_OWN_CLOCK.search(body) or travelling) or intent.language_of(body):
        return False
    # "16:00 London time" is London's, "2pm GMT+4" that offset's: not theirs
    timed = [
        m
        for m in timed
        if not _LONDONS.match(body, m[-1].end) and not _OFFSET.match(body, m[-1].end)
    ]
    if not timed:
        return False
    theirs = () if travelling else zones[1:]
    return not theirs or not any(
        pick in mentions.candidates(m, offered, theirs) for m in timed
    )


def _taken(body: str, pick: int, offered: Sequence[Slot], zone: tzinfo) -> bool:
    """Whether a pick is said positively: no time turned down in a clause that
    is not plainly about another day or number ("Tuesday won't work but
    Thursday is great"), and a word that takes it ("works", "please", "I'll
    take") or nothing in the reply but the day or number itself."""
    day = offered[pick - 1].start_at.astimezone(zone).weekday()
    for clause in _CLAUSE.split(body):
        if (
            intent.rejects(clause)
            and (_TIME_TALK.search(clause) or len(clause.split()) <= _SHORT_CLAUSE)
            and not _of_another(clause, pick, day, len(offered))
        ):
            return False
    said = _NUMBER_SIGN.sub("number ", body)  # "no. 3 pls": no "no"
    said = _LEADING_NO.sub("", said)  # "No, 2 please" (not the one asked about)
    if _PHONE_RUN.search(body):
        # "Monday 9.15 - my number's 07700 900 888": the day and a phone number
        body = _PHONE_WORDS.sub(" ", _PHONE_RUN.sub(" ", body))
    return intent.signs_pick(said) or _only_the_choice(body)


_NUMBER_SIGN = patterns.compile(r"\bno\.?\s*(?=\d)", re.IGNORECASE)
_LEADING_NO = patterns.compile(r"^\W*(?:no|nope)\s*[,.!]+", re.IGNORECASE)


def _of_another(clause: str, pick: int, day: int, count: int) -> bool:
    days = {n for n, pattern in enumerate(_DAYS) if pattern.search(clause)}
    numbers = {
        int(m["n"]) for m in _OPTION_DIGIT.finditer(clause) if 1 <= int(m["n"]) <= count
    }
    if day in days or pick in numbers:
        return False
    return bool(days or numbers)


def _only_the_choice(body: str) -> bool:
    """ "Thursday", "2.", "Thursday at 2pm\n\nJo": the day or number alone."""
    return _at_most_a_name(_ONLY_CHOICE.sub(" ", body))


_PHONE_RUN = patterns.compile(r"\+?\(?\d[\d ()-]{7,}\d")
_PHONE_WORDS = patterns.compile(
    r"\b(?:(?:mobile|phone|number|landline|cell)'s"
    r"|my|the|a|best|new|mobile|mob|cell|phone|landline|number|no|tel|telephone"
    r"|is|it's|it|here's|here|you|can|call|ring|reach|get|me|on|at|i'll|be|for"
    r"|hi|hello|thanks|thank|cheers|x+)\b|[^\w\s]",
    re.IGNORECASE,
)


def _only_phone(body: str) -> bool:
    """ "07700 900123", "my mobile is 07700 900123", "Tel: ...\n\nJo": a phone
    number and nothing else of note (a name on the last line at most)."""
    return _at_most_a_name(_PHONE_WORDS.sub(" ", _PHONE_RUN.sub(" ", body)))


def _at_most_a_name(left: str) -> bool:
    """What is left of a reply once its answer is taken out: nothing, or a
    name signed on the last line (at most two capitalised words)."""
    words = _WORD.findall(left)
    if not words:
        return True
    last_line = [line for line in left.splitlines() if line.strip()][-1]
    return (
        len(words) <= 2
        and words == _WORD.findall(last_line)
        and all(_NAME.fullmatch(w) for w in words)
    )


def _phone(text: str, region: str) -> str | None:
    """The phone number given in passing; a parser hiccup must not lose the reply."""
    try:
        return extract_phone(text, region)
    except _PHONE_ERRORS:
        return None


def _choices(scan: Scan, count: int) -> tuple[set[int], set[int]]:
    """Numbers the person chose, said positively and negated ("2 doesn't work")."""
    found: list[tuple[int, int]] = []
    masked = scan.masked
    for pattern in _CHOICE_PATTERNS:
        for match in pattern.finditer(masked):
            found.append((match.start("n"), _number(match["n"])))
    for match in _ALTERNATIVES.finditer(masked):
        found += [
            (match.start("a"), int(match["a"])),
            (match.start("b"), int(match["b"])),
        ]
    for match in _DIGIT_ORDINAL.finditer(masked):
        found.append((match.start("n"), int(match["n"])))
    for match in _ORDINAL.finditer(masked):
        number = _ordinal_choice(masked, match, count)
        if number is not None:
            found.append((match.start(), number))
    positive = {n for at, n in found if not scan.negated(at)}
    negative = {n for at, n in found if scan.negated(at)}
    return positive, negative


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _ordinal_choice(masked: str, match: re.Match[str], count: int) -> int | None:
    """ "the second one", "second please", "the last option"; not "first of all",
    "for the first time", "just a second", "First, a question"."""
    word = match["w"].lower()
    number = count if word == "last" else _ORDINAL_WORDS[word]
    before = masked[max(0, match.start() - 20) : match.start()]
    after = masked[match.end() : match.end() + 40]
    if _ORDINAL_DATE.match(after) or _ORDINAL_NOT.search(before):
        return None
    if _ORDINAL_NOUN.match(after):
        return number
    if word == "last" or not _ORDINAL_END.match(after):
        return None
    sentence_start = not before.strip() or before.rstrip()[-1] in ".!?\n"
    if sentence_start and after.lstrip().startswith(","):
        return None
    return number


def _ordinal_days(scan: Scan) -> list[int]:
    """Bare digit ordinals ("2nd please") that could also name a day of the month."""
    return [
        int(match["n"])
        for match in _DIGIT_ORDINAL.finditer(scan.masked)
        if not scan.negated(match.start())
    ]


def _cancelled(scan: Scan) -> bool:
    for match in _CANCEL.finditer(scan.masked):
        at = match.start() + match.group().lower().rfind("cancel")
        before = scan.masked[max(0, at - 30) : at]
        if not mentions.CANCEL_NEGATED.search(before) and cancel_words.stands(
            scan.text, at, match.end()
        ):
            return True
    return False


def _none_fit(masked: str) -> tuple[bool, bool]:
    """(nothing offered fits, some time was turned down).

    "None of these", "anything later?" speak of every time offered, so they
    outweigh a pick in the same reply; "Tuesday doesn't work" turns down one
    time, which a pick elsewhere in the reply answers.
    """
    masked = _ELSEWHERE.sub(" ", masked)
    return bool(_NONE_GLOBAL.search(masked)), bool(_NONE_REJECT.search(masked))


_ELSEWHERE = patterns.compile(
    r"\b(?:sorted|found|arranged|organi[sz]ed|got|set\s+up|booked)\s+(?:\w+\s+)?"
    r"something\s+else\b",
    re.IGNORECASE,
)
"""Help found elsewhere ("I've sorted something else out"): no ask for other times."""


_SENTENCE_END = patterns.compile(r"(?<=[.!?])\s+|\n+")
_ABOUT_THE_PICK = patterns.compile(
    r"\d|\b(?:(?:first|second|third|fourth|fifth|last)\s+(?:one|option|slot|time|choice)"
    r"|option|opt|slot|number|choice"
    r"|one|two|three|four|five|time|times|date|day|days|today|tomorrow|morning"
    r"|afternoon|evening|noon|week|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|am|pm|o'?clock)\b",
    re.IGNORECASE,
)
"""A question about the time picked ("Is 2 still free?", "Could I do the
Thursday one?"): the pick itself, not a question beside it, when it is
short and speaks of nothing else (`_OTHER_MATTER`)."""
_OTHER_MATTER = patterns.compile(
    r"\b(?:sessions?|fees?|cost|costs|price|charge|charged|pay|paying|insurance|cancel\w*"
    r"|under|aged?|years?\s+old|year\s+olds?|therap\w*|confidential|emdr|cbt|couples?"
    r"|partner|husband|wife|son|daughter|child|children|kids?|medication|same\s+(?:person"
    r"|therapist)|you\s+(?:see|work|offer|do|take)|i'?m\s+\d+|\d+\s*(?:yo|y/o|yrs?)"
    r"|colleagues?|how\s+(?:many|long|often)|mins|minutes|hours?|open\s+on"
    r"|of\s+us)\b",
    re.IGNORECASE,
)
_COURTESY_TAIL = (
    r"(?:\s+(?:please|then|thanks|thank\s+you|right|yeah|again|for\s+me|for\s+now))*"
)
_ONLY_CHECKING = patterns.compile(
    r"^\W*(?:(?:sorry|apologies|realise|realize|i\s+know)\b[^?]{0,40}[,.;-]\s*)?"
    r"(?:(?:hope\s+)?(?:is\s+)?(?:that|this|it)(?:'s|\s+is)?\s+(?:still\s+)?(?:ok|okay"
    r"|alright|all\s+right|fine|good|cool|enough|possible|available|free|too\s+late"
    r"|too\s+short|not\s+too\s+late)|(?:does|will|would|can|could)\s+(?:that|this|it)"
    r"\s+(?:still\s+)?(?:work|suit|do|be\s+(?:ok|okay|alright|fine|possible))(?:\s+for"
    r"\s+you)?|(?:can|could|would)\s+you\s+(?:please\s+)?confirm(?:\s+(?:that|this|it"
    r"|the\s+(?:time|booking|slot)))?|(?:will|do|would)\s+i\s+(?:get|receive|be\s+sent)"
    r"\s+(?:an?\s+)?(?:invite|invitation|reminder|confirmation|email|link)|(?:ok|okay"
    r"|alright|right|yeah|yes|sound\s+good|sounds\s+good|does\s+that\s+suit|make\s+sense"
    r"|makes\s+sense|is\s+that\s+right|correct|thank\s+you|thanks(?:\s+so\s+much)?)"
    r"|(?:how\s+are\s+you(?:\s+doing)?|hope\s+(?:you(?:'re|\s+are)\s+(?:well|keeping"
    r"\s+well)|all\s+is\s+well|this\s+(?:email\s+)?finds\s+you\s+well)|hope\s+you"
    r"\s+(?:had|have|are\s+having)\s+a\s+(?:nice|good|lovely|great)\s+\w+)|(?:look"
    r"|looking)\s+forward\s+to\s+(?:speaking|talking|it)(?:\s+then)?|(?:is|hope)\s+"
    r"(?:that|this|it)(?:'s|\s+is)?\s+(?:ok|okay|alright|fine)\s+with\s+you|hope\s+"
    r"(?:that's|that\s+is|it's)\s+not\s+too\s+\w+|(?:will|would)\s+(?:i|you)\s+"
    r"(?:receive|send|get)(?:\s+me)?\s+(?:an?\s+)?(?:calendar\s+)?(?:invite|invitation"
    r"|reminder|confirmation)|(?:hope\s+i'?ve|did\s+i)\s+(?:done|do)\s+(?:this|it)"
    r"\s+right|(?:you'll|you\s+will"
    r"|you're\s+going\s+to)\s+(?:ring|call|phone)\s+me|(?:is\s+it|will\s+it\s+be)\s+you"
    r"\s+(?:who|that)\s+(?:will\s+)?(?:ring|call|phone)s?(?:\s+me)?)"
    + _COURTESY_TAIL
    + r"\W*\?+\W*$",
    re.IGNORECASE,
)
"""Asking only whether the pick is fine, or how they are: nothing to answer."""


_KIN = (
    r"(?:mum|mom|mummy|mother|mam|dad|daddy|father|parents?|wife|husband|hubby|partner"
    r"|boyfriend|girlfriend|fianc[ée]e?|son|daughter|child|kid|sister|brother|sis|bro"
    r"|friend|mate|gran|granny|grandma|nan|nana|nanna|grandad|grandpa|grandmother"
    r"|grandfather|aunt|auntie|aunty|uncle|niece|nephew|cousin|flatmate|housemate"
    r"|roommate|neighbou?r|step-?(?:mum|mom|dad|son|daughter)|(?:mother|father)-in-law"
    r"|client|service\s+user|resident|tenant|lodger)"
)
_FOR_SOMEONE = patterns.compile(
    # "I'm replying for my mum", "writing on behalf of my son", "on my wife's behalf"
    r"\b(?:reply(?:ing)?|writ(?:e|ing)|answer(?:ing)?|respond(?:ing)?|e-?mail(?:ing)?"
    r"|messag(?:e|ing)|book(?:ing)?|arrang(?:e|ing)|sort(?:ing)?)\s+(?:this\s+|back\s+)?"
    r"(?:for|on\s+behalf\s+of)\s+(?:my|our)\s+" + _KIN + r"\b"
    r"|\b(?:reply(?:ing)?|writ(?:e|ing)|answer(?:ing)?|book(?:ing)?)\s+(?:this\s+)?for\s+(?:her"
    r"|him)\b"
    # "I'm helping my gran with this", "option 3 for our son Tom"
    r"|\bhelp(?:ing)?\s+(?:my|our)\s+"
    + _KIN
    + r"\s+(?:with\s+(?:this|it|the\s+booking)|to"
    r"\s+(?:book|reply|pick|choose))\b"
    r"|\b(?:option|number|#|slot|one|time)\s*\d?\s+for\s+(?:my|our)\s+" + _KIN + r"\b"
    r"|\b(?:best|good|better|suits|works|ideal)\s+for\s+(?:my|our)\s+"
    + _KIN
    + r"\b(?!\s+(?:too|as\s+well|also|and\s+me)\b)"
    r"|\bon\s+(?:my|our)\s+" + _KIN + r"'?s\s+behalf\b"
    r"|\bon\s+(?:his|her|their)\s+behalf\b|\bon\s+behalf\s+of\s+(?:mr|mrs|ms|miss|dr"
    r"|[a-z]+\s+who|him|her|them)\b"
    # "It's Sarah's mum here", "this is Pat's daughter"
    r"|\b(?:it'?s|this\s+is|i'?m|i\s+am)\s+[a-z][\w-]{0,30}'s\s+" + _KIN + r"\b"
    # "Sarah asked me to let you know", "I translate for Mr Nowak"
    r"|\b[a-z][\w-]{0,30}\s+(?:has\s+|had\s+)?asked\s+me\s+to\s+(?:reply|respond|write|answer"
    r"|forward|send|let\s+you\s+know|e-?mail|book|pick|choose|confirm|tell\s+you)"
    r"|\bi\s+(?:translate|interpret)\s+for\b|\b(?:translating|interpreting)\s+for\b"
    r"|\b(?:sorting|arranging|organi[sz]ing|booking)\s+(?:this|it|things)\s+(?:out\s+|up\s+)?"
    r"for\s+(?:her|him)\b"
    # "my wife asked me to forward this on" (not "my mum wants me to reply":
    # the writer is the one she wants to)
    r"|\b(?:my|our)?\s*"
    + _KIN
    + r"\s+(?:has\s+|had\s+)?asked\s+me\s+to\s+(?:reply|respond|write|answer|forward|send|let\s+you"
    r"\s+know|e-?mail|book|pick|choose|confirm|tell\s+you)"
    r"|\b(?:she|he|they)\s+(?:has\s+|had\s+)?asked\s+me\s+to\s+(?:reply|respond|write"
    r"|answer|forward|send|let\s+you\s+know|e-?mail|book|pick|choose|confirm|tell\s+you)"
    # "she doesn't really do email", "he isn't great with computers"
    r"|\b(?:she|he|they)\s+(?:doesn'?t|does\s+not|don'?t|can'?t|cannot|isn'?t|is\s+not"
    r"|aren'?t|never)\s+(?:really\s+|very\s+)?(?:do|use|good\s+with|great\s+with|able"
    r"\s+to\s+use|on|check|read)\s+(?:e-?mails?|computers?|the\s+internet|online|tech)"
    # an interpreter or a worker writing for the person
    r"|\b(?:i'?m|i\s+am|as)\s+(?:(?:his|her|their|the)\s+)?(?:interpret(?:er|ing)|translat"
    r"(?:or|ing)|support\s+worker|key\s*worker|carer|care\s+worker|advocate|social\s+worker"
    r"|care\s+co-?ordinator)\b",
    re.IGNORECASE,
)
"""The writer says they write for the person: someone else is choosing."""
_CHOICE = (
    r"(?:\d|one\b|two\b|three\b|first\b|second\b|third\b|last\b|earl|late"
    r"|mon|tue|wed|thu|fri|sat|sun|morning|afternoon|evening)"
)
_WHO = r"(?:she|he|(?:my|our)\s+" + _KIN + r"(?:\s+[a-z][\w'-]{1,20})?|mum|mom|dad)"
"""Who may have chosen: "she", "my partner Sam", "Mum"."""
_THEY_CHOSE = patterns.compile(
    # "She'd like the Wednesday one", "my son would like the 9am", "Dad's picked"
    r"\b" + _WHO + r"\s*(?:'d|would|wants|prefers|picked|chose|went\s+for"
    r"|'s\s+gone\s+for|has\s+gone\s+for|'s\s+chosen|has\s+chosen|'s\s+picked"
    r"|has\s+picked)\s+(?:like\s+|prefer\s+|go\s+for\s+|love\s+)?"
    r"(?:the\s+|number\s+|option\s+|#\s*)?"
    + _CHOICE
    # "she'll take 2", "he'll have number 3": the object an option, not "the
    # afternoon off"
    + r"|\b"
    + _WHO
    + r"\s*(?:'ll|will|would|'d)\s+(?:take|have|go\s+for)\s+(?:number\s+"
    r"|option\s+|#\s*|the\s+(?:first|second|third|last|earlier|later)\s+one\b|\d\b)"
    # "she says the 3.30", "Mum says the Tuesday morning": a report of a
    # choice, not advice ("she said mornings are better for me")
    r"|\b" + _WHO + r"\s+(?:says|said|thinks|reckons)\s+(?:the\s+|number\s+|option\s+"
    r"|#\s*)" + _CHOICE + r"|\b(?:she|he)\s+(?:says|said|thinks|reckons)\s+(?:\d"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)",
    re.IGNORECASE,
)
"""Another person's choice reported ("she says the 3.30"): a relay."""
_SIGNED_AS_KIN = patterns.compile(
    r"(?:^|\(|-\s)[A-Z][\w'-]+'s\s+" + _KIN + r"\)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
"""Signed as someone's relative: "Debbie (Pat's daughter)"."""
_WHICH_ONE = patterns.compile(
    r"\bwhich\s+(?:one|of\s+(?:these|them|those)|time|day|slot)\b"
    r"|\bcan\s+(?:you|u)\s+do\s+any\s+of\s+these\b|\b(?:shall|should)\s+i\s+(?:go\s+for|book|pick|choose|take"
    r"|say|do)\b|\bwhat\s+do\s+(?:you|u)\s+(?:think|reckon)\b",
    re.IGNORECASE,
)
"""The person asking someone else which time: the answer below it is theirs."""
_QUOTE_LINE = patterns.compile(r"^[ \t]*>[ \t>]*(?P<line>.*)$")
_QUOTE_HEADER = patterns.compile(
    r"forwarded message|original message|\bwrote:\s*$|^\s*\*?(?:from|sent|to|date"
    r"|subject)\s*\*?:",
    re.IGNORECASE,
)
_LETTER_OPENS = patterns.compile(
    r"^\s*(?:hello|hi|dear)\b|thank\s+you\s+for\s+getting\s+in\s+touch"
    r"|these\s+are\s+the\s+times|free\s+\d+-minute",
    re.IGNORECASE,
)
"""A letter's opening: the quote below the reply is a letter to them (ours),
not their own question to someone else."""


def relayed(text: str) -> bool:
    """Whether someone other than the person chose the time: their words say
    they write for them ("I'm replying for my mum, she'd like the Wednesday
    one"), report another's choice ("She says the 3.30"), are signed as a
    relative ("Debbie (Pat's daughter)"), or answer the person's own
    question to someone else quoted just below ("Which one shall I go
    for?" -> "the tuesday one x"). Never a reason to ask the person: the
    pick waits for the therapist, who is told (a partner choosing for
    someone is theirs to check)."""
    words = mentions.normalize(new_words(text))
    if (
        _FOR_SOMEONE.search(words)
        or _THEY_CHOSE.search(words)
        or _SIGNED_AS_KIN.search(new_words(text))
    ):
        return True
    return bool(_WHICH_ONE.search(_first_quote(text)))


def _first_quote(text: str) -> str:
    """The quoted message right below the new words, up to the next header:
    what the reply answers; empty where that is a letter to them (ours)."""
    lines: list[str] = []
    for raw in text[: quoting.MAX_REPLY_CHARS].splitlines():
        found = _QUOTE_LINE.match(raw)
        if found is None:
            if lines:
                break
            continue
        line = found["line"]
        if _QUOTE_HEADER.search(line):
            if lines:
                break
            continue
        if _LETTER_OPENS.search(line):
            return ""
        if line.strip():
            lines.append(line)
        if len(lines) >= 8:
            break
    return "\n".join(lines)


def asks_beside(text: str) -> bool:
    """Whether the reply's own words ask something beside their pick ("Option
    2 please. What's your cancellation policy?", "Will you ring me or should
    I ring you?"): then a person, not mailflow, should answer, so the pick
    waits for the therapist. A question about the time picked is the pick;
    "is that ok?" asks nothing to answer."""
    words = mentions.normalize(new_words(text))
    for sentence in _SENTENCE_END.split(words):
        if "?" not in sentence or _ZONE_QUESTION.search(sentence):
            continue
        for question in re.findall(r"[^?]*\?", sentence):
            if _ONLY_CHECKING.match(question) or (
                _ABOUT_THE_PICK.search(question)
                and not _OTHER_MATTER.search(question)
                and len(question.split()) <= 10
            ):
                continue
            if len(re.findall(r"[^\W\d_]+", question)) >= 2:
                return True
    return False
