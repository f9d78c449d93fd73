"""Whether a professional's mail tells of someone in their care in danger now. Pure.

A GP's "His words to me today: 'I don't want to be alive any more. I have
the razor blades here with me.'" is clear risk, but not the writer's: the
safety message is written for the person at risk, and times would answer a
GP. Read as a professional's (`classify.Voice.writes_of_others`,
`referral.about_someone_in_care`), such mail was left alone and nobody was
told. It is the therapist's at once.

Most professionals' mail with words of risk tells of no danger now: a
referral's risk assessed ("denies intent, safety plan in place"), a
discharge letter's overdose in April, a course advert's quoted client, a
colleague's question about last year's case. So the mail is read sentence
by sentence: a sentence of someone's risk (the screen's clear risk, or a
danger the screen does not read in the third person: "can't keep herself
safe", "a plan to hang himself", her phone off since a goodbye) told as now
(today, an hour ago, tonight, at the moment, still with me), neither denied
nor past in itself, in a mail that does not go on to say the risk is
assessed and contained, nor is a course's, a study's or a newsletter's.
"""

from __future__ import annotations

import functools
from typing import Final

from mailflow import patterns
from mailflow.reading import referral, screen

MAX_CHARS: Final = 6000
"""How far a long letter is read: its point is near the top, or in its first pages."""
TAIL_CHARS: Final = 1500
"""And its last lines: the news that made someone write may come at the end
of a long letter ("Amy has just told me she has the blades with her now")."""

_DANGER: Final = patterns.compile(
    r"\b(?:ca(?:n'?t|nnot)|unable to|not able to|won'?t be able to) keep"
    r" (?:him|her|them)(?:self|selves)? safe"
    r"|\bnot (?:safe|able to be safe) (?:to (?:go|be (?:left|sent)) home|on (?:his|her|their) own"
    r"|to be (?:left )?alone)"
    r"|\b(?<!not )(?:at|is at|are at) (?:immediate|imminent|high|serious|significant|acute"
    r"|very high) risk\b(?![^.!?]{0,70}?\b(?:of|for) (?!(?:suicide|self[- ]harm|harm|death|dying"
    r"|overdose|taking (?:her|his|their)|ending|killing|hurting)))"
    r"|\b(?:active|acute|current) (?:suicidal (?:ideation|intent|plans?|thoughts)|si|sih)\b"
    r"|\b(?:a |the )?(?:clear |specific |detailed )?plan (?:to|for how to|of how to)"
    r" (?:end (?:it all|(?:his|her|their) (?:own )?life)|die|take (?:his|her|their) (?:own )?life"
    r"|jump(?: (?:off|from|in front))?(?! (?:off|from) (?:a |the )?(?:plane|top board"
    r"|high board|diving board|board|wall|bed|sofa))(?= *(?:tonight|today|now|$|[.,;]|off"
    r"|from|in front))|overdose"
    r"|(?:kill|hang|drown|cut|hurt|harm|poison|shoot) (?:him|her|them)sel(?:f|ves))"
    r"|\b(?:plan|intent|intention) (?:and|&) (?:the )?means\b"
    r"|\b(?:has|have|had|got|with|holding|carrying) (?:the |some |a )?"
    r"(?:ligature|rope|blades?|razors?|knife) (?:on (?:him|her|them)|with (?:him|her|them)"
    r"|to hand|ready|in (?:his|her|their) (?:room|bedroom|bag|pocket|car))\b"
    r"|\b(?:high|strong|active|acute) (?:si|suicidal (?:ideation|intent|thoughts))\b"
    r"|\bsi with (?:a )?plan\b|\bsuicidal intent\b"
    r"|\b(?:go back and )?finish (?:the job|(?:him|her|them)sel(?:f|ves) off)"
    r"|\bgo back and finish it\b"
    r"|\b(?:found|discovered) (?:him|her|them) with (?:a |the )?(?:belt|rope|ligature"
    r"|cord|scarf|plastic bag|noose)"
    r"|\btake (?:us|them) both\b"
    r"|\b(?:threat(?:en(?:ed|ing|s)?)|said (?:he|she|they)(?:'d| would| will|'ll"
    r"| was going to| is going to)|told (?:her|him|them) (?:he|she|they)(?:'d| would"
    r"| will|'ll))(?: to)? (?:kill|hurt|harm|stab|strangle|choke|batter|beat|burn|break"
    r"|smash) (?:her|him|them)\b(?![^.!?]{0,40}\b(?:if|unless|lol|joking|jokes?)\b)"
    r"|\b(?:his|her|their|the) (?:gun|rifle|shotgun|pistol|firearm|rope|ligature)"
    r" (?:is |has |has been |was )?(?:gone|missing|taken)\b"
)
"""Danger in the third person that the screen does not read as clear risk."""

_ALARM: Final = patterns.compile(
    r"\bstockpil\w*|\bdo it properly\b"
    r"|\b(?:said|saying|texted|messaged|sent) (?:her |his |their |a |me a |us a )?"
    r"(?:goodbye|good-bye|farewell)\w*(?![^.!?]{0,60}\b(?:hospice|funeral|hospital|airport"
    r"|station|leaving do|party|holiday|grand\w+|nan|gran)\b)"
    r"|\b(?:he|she|they|who)(?:'s| is| are|'re| has been| have been| was| were)?"
    r" (?:(?:now |still )?(?:missing|unreachable|uncontactable|not answering)|gone missing)\b"
    r"|\b(?:is|are|has been|have been|been reported|reported|as) (?:now |still )?"
    r"(?:high[- ]risk )?missing\b"
    r"(?! (?:you|out|from|work|school|class\w*|lessons?|sessions?|appointments?|a|the|my|her"
    r"|his|their)\b)"
    r"|\bno answer from (?:him|her|them)\b|\bnot answering\b"
    r"|\b(?:rang|ringing|rung|called|calling|phoned|phoning|texted|texting|tried)"
    r" (?:\w+ )?(?:him|her|them)\b[^.!?]{0,40}\b(?:no answer|not answering"
    r"|no reply|straight to voicemail)\b"
    r"|\b(?:his|her|their) (?:phone|mobile) (?:is |has been |was |went |is now )?"
    r"(?:off|switched off|dead|going (?:straight )?to voicemail)\b"
    r"(?! (?:most|all|much|some) of the time| most days| a lot| usually| often| at night"
    r"| in class)"
    r"|\babscond\w*|\bleft (?:the )?(?:a&e|ed|er|ward|unit|hospital) (?:before|against"
    r"|without)|\bpolice (?:informed|searching|are searching)"
    r"|\b(?:welfare check|called (?:the )?(?:police|999|911|an ambulance)"
    r"|(?:police|ambulance) (?:are|is|have been) (?:called|on (?:their|the) way))"
)
"""Words of alarm that are ordinary alone ("page 2 is missing", "stockpiling
vaccines", "said goodbye at her leaving do", "we called an ambulance"): danger
only in a sentence of risk or beside one."""

_EMERGENCY: Final = patterns.compile(
    r"\bpolice(?: and [a-z' ]{1,40})? (?:(?:have|has) been |are (?:now )?|is (?:now )?)?"
    r"(?:informed|called|notified|alerted|involved|en route|on (?:their|the|its) way"
    r"|searching|looking for (?:him|her|them)|outside\b|(?:at|with) (?:the|her|his|their"
    r"|him|them)\b)(?! of (?:every|all|any)\b)"
    r"|\b(?:police|ambulance|an ambulance|paramedics)(?: (?:is|are))? (?:now )?(?:en route"
    r"|on (?:their|the|its) way)\b"
    r"|\b(?:an )?ambulance (?:has|have) been (?:sent|called|dispatched)\b"
    r"|\b(?:we|i)(?:'ve| have)? (?:just )?(?:called|rang|rung|phoned|dialled|dialed"
    r"|dispatched|sent for|asked for|requested) (?:999|911|112|an ambulance|the police"
    r"|police)\b"
    r"|\b(?:asked|requested|called|rang|phoned)(?: the)?(?: police)? (?:for |to do )?"
    r"(?:a |an urgent )?welfare check\b"
    r"|\b(?:call|ring|dial|phone) (?:999|911|112)(?: straight away| immediately| at once)?"
    r" if (?:he|she|they)\b|\breported (?:him|her|them) (?:as )?missing\b"
)
"""Emergency services called to the person now ("Police en route", "we've
asked police for a welfare check", "call 999 if he turns up"): in a mail of
someone in their care, with anything told as now, danger now whatever the
words for the danger itself."""

_ROUTINE: Final = patterns.compile(
    r"\b(?:(?:every|each) (?:day|week|night|shift|time|other)|most (?:days|weeks|nights)"
    r"|all day|daily|to jobs|(?:on|every) shift|calls a day)\b"
)
"""A work's routine ("ambulances are on the way to jobs all day"): no one's
emergency now."""

_ADVICE: Final = patterns.compile(
    r"\b(?:in (?:an?|any|case of(?: an)?) (?:emergency|crisis)|for (?:emergencies|urgent help))"
    r",? (?:please )?(?:always )?(?:call|ring|dial|phone|contact|go)\b"
    r"|\bif (?:you|anyone|someone|a child|a person|a resident|a client|a pupil|they)"
    r"(?:'re| are| is)? (?:are |is )?(?:worried|concerned|in (?:immediate )?danger"
    r"|at (?:immediate )?risk|feel|need)"
    r"|\balways (?:call|ring|dial)\b"
)
"""What anyone should do, as a bulletin or a signature says it ("In an
emergency, always call 999"): no one's danger."""

_INSTRUCTION: Final = patterns.compile(
    r"\b(?:call|ring|dial|phone|contact|text) (?:999|911|112|the police|the crisis"
    r"|an ambulance|samaritans|your gp|the duty)"
)
"""What to do, said to anyone: beside `_ADVICE`, the "they" of "call 999 if
they are in danger" is nobody in particular."""

_NOW: Final = patterns.compile(
    r"\b(?:today|tonight|this (?:morning|afternoon|evening|lunchtime)"
    r"|right now|just now|as we speak|at the moment|at present|currently"
    r"|(?:half an|an|a few|a couple(?: of)?|\d+|one|two|three|ten|twenty|thirty|forty)"
    r" (?:hours?|hrs?|minutes?|mins?) ago"
    r"|last night|overnight|earlier (?:today|this)|since (?:last night|this morning"
    r"|the weekend|yesterday)"
    r"|(?:still |now )(?:with me|here|in (?:the|my|our) \w+)|(?:is|are) with me"
    r"|\b(?:at|around|about|by|since|until) (?:\d{1,2}(?:[:.]\d\d)? ?(?:am|pm)|noon|midday"
    r"|(?:[01]?\d|2[0-3])[:.][0-5]\d)\b|\b(?:has|have|had|'s|'ve) just\b"
    r"|sitting (?:in|with) |in (?:my|the) (?:office|room|clinic|reception|waiting room)"
    r" (?:now|with me)|on the phone (?:to|with) (?:me|him|her|them))"
)
"""Now, in a professional's words: within hours, not "recently" or "again"."""

_CONTAINED: Final = patterns.compile(
    r"\b(?:denie[sd]|denying) (?:any |having any |all )?(?:current |ongoing |active )?"
    r"(?:si|sh|suicid\w*|self[- ]harm\w*|thoughts|ideation|intent\w*|plans?|risk|wish)\b"
    r"|\bno (?:current |active |ongoing |immediate |acute )(?:suicidal |self[- ]harm )?"
    r"(?:intent\w*|plans?|ideation|risk|si)\b"
    r"|\bno (?:plan|intent)\w* (?:or|and|/) (?:intent|plan)\w*"
    r"|\b(?:with|has|have|had|did|made|completed|agreed|went through|wrote|updated"
    r"|drew up|put) (?:a |her |his |their |the |an agreed )?safety plan"
    r"|\bsafety plan(?:ning)? (?:is |was |has been )?(?:in place|agreed|completed|done"
    r"|updated|shared)"
    r"|\bprotective factors"
    r"|\brisk (?:is |was )?(?:assessed as |judged |felt to be |considered )?"
    r"(?:low|moderate|manageable)\b|\b(?:low|moderate|manageable) risk\b"
    r"|\b(?:safe|settled|stable) (?:for now|at present|at the moment|now)\b"
    r"|\b(?:was |has been |been )discharged (?:home |today |yesterday )?(?:from|to|with|after)\b"
    r"|\bno longer (?:at risk|suicidal)"
    r"|\b(?:says|said) (?:he|she|they) (?:is|are|feels?) (?:now )?safe\b"
    r"|\bno (?:current |active |further )?(?:thoughts|plans?|intent\w*|ideation|urges)"
    r" (?:of|to|about|around)\b"
    r"|\b(?:has|have|had)(?: not|n'?t) (?:self[- ]harmed|harmed|cut|attempted|used)\b"
    r"|\b(?:none|nil) (?:\w+ )?(?:since|currently)\b"
    r"|\bnot currently (?:suicidal|self[- ]harming|at risk|expressing"
    r"|voicing|reporting|having|experiencing)\b"
    r"|\b(?:currently|now|remains?) stable\b"
    r"|\b(?:crisis|relapse prevention) plan\b|\bsafety planning\b"
    r"|\b(?:no|nil|denies) (?:si|sh|si ?/ ?sh|dsh|suicidal|self[- ]harm)\b"
    r"|\bnot (?:at )?(?:any |immediate |high |significant |acute |current )?risk\b"
    r"|\b(?:but |and )?no (?:plans?|intent\w*)\b|\bpassive (?:thoughts|ideation|si)\b"
    r"|\bsuperficial\b"
    r"|\b(?:is|are|she'?s|he'?s|they'?re|was) (?:absolutely |completely )?(?:fine|ok|okay"
    r"|safe|well|home safe|safe and well) now\b"
)
"""Risk assessed and contained, as a letter says it: no alarm for the therapist."""

_PAST: Final = patterns.compile(
    r"\b(?:years?|months?|weeks?) ago\b|(?<!since )\blast (?:year|month|week|spring"
    r"|summer|autumn|fall|winter)\b|\bin (?:january|february|march|april|june|july|august|september"
    r"|october|november|december)\b|\bin (?:19|20)\d\d\b|\bhistory of\b|\bhistoric\w*|\bpreviously\b"
    r"|\bin the past\b|\bback in (?:(?:19|20)\d\d|the day|(?:jan|feb|mar|apr|may|jun|jul|aug"
    r"|sep|oct|nov|dec)\w*|(?:the )?(?:spring|summer|autumn|fall|winter))\b|\bwhen (?:she|he|they) was\b"
)
"""A sentence told of the past."""

_NOT_A_CASE: Final = patterns.compile(
    r"\b(?:webinar|workshop|cpd|(?<!of )(?<!nursing )(?<!medical )course(?! of)"
    r"|masterclass|conference|seminar"
    r"|grand rounds|launch(?:ing|ed)?|order (?:your|a) copy|pre-?order|paperback"
    r"|hardback|e-?book|audiobook|podcast episode|training (?:day|event"
    r"|session)|book (?:your|a) place|places are limited|sign up|register (?:now|here|your)"
    r"|early bird|newsletter|bulletin|mailing list|in this issue|unsubscribe|participants?|research (?:study|project)"
    r"|dissertation|thesis|podcast|my (?:new )?book|inquest|coroner)\b"
)
"""A course's, a study's or a newsletter's words: a topic, not a person now."""

_THEIR_OWN: Final = patterns.compile(
    r"\b(?:his|her|their|my) (?:\w+ ){0,2}(?:seminar|dissertation|thesis|course|lecture"
    r"|workshop|conference|podcast|training (?:day|session))\b"
)
"""Someone's own seminar or dissertation ("didn't attend his 10am seminar"):
their day, not a course's or a study's words."""

_SOMEONE: Final = patterns.compile(
    r"\b(?:he|she|they|him|her|them|his|their|himself|herself|themselves|he's|she's"
    r"|they're|who|clients?|patients?|pupils?|students?|residents?|service users?"
    r"|young (?:person|people|man|woman)|child|boy|girl|son|daughter|mr|mrs|ms|miss)\b"
)
"""A subject that names someone ("Pupil can't keep herself safe today")."""

_BREAK: Final = patterns.compile(r"(?<=[.!?])\s+|\n+")


def _read(text: str) -> str:
    """What is read of a mail: all of it, or its head and its last lines."""
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[:MAX_CHARS]}\n{text[-TAIL_CHARS:]}"


def _flat(subject: str, text: str) -> str:
    """The subject and the head of the mail as one normalised line, for the
    patterns of who is written about."""
    return " ".join(screen.normalize(f"{subject}\n{text[:MAX_CHARS]}").split())


@functools.lru_cache(maxsize=16)
def _sentences(subject: str, text: str) -> tuple[str, ...]:
    """The subject and each sentence of `text` as typed, lines of a paragraph joined."""
    body = screen.read_as(_read(text))
    return tuple(
        s.strip() for s in (screen.normalize(subject), *_BREAK.split(body)) if s.strip()
    )


_NOT_CARING_WORDS: Final = patterns.compile(
    r"\b(?:she|he|they)(?:'d| would) rather (?:die|be dead)\b"
    r"|\b(?:doesn'?t|does not|don'?t|do not|no longer) care (?:if|whether) (?:she|he|they)"
    r" (?:die|dies|lives?|lived|wakes? up)\b"
)
"""Someone not caring whether they live, in the third person."""

_REFUSING: Final = patterns.compile(
    r"\b(?:(?:has|have|had)(?:n'?t| not)|not) (?:had|taken|drunk) (?:anything to drink"
    r"|any fluids?|a drink|fluids|any water)\b(?![^.!?]{0,60}\b(?:by mouth|nil by mouth"
    r"|before (?:her|his|their|the) (?:op|operation|surgery|procedure|scan|anaesthetic)"
    r"|as planned|fasting)\b)|\b(?:has|have|had) had no (?:fluids|water"
    r"|drinks?)\b"
    r"|\brefus\w* (?:all |any )?(?:fluids|to drink|drinks|water|(?:her|his|their) insulin"
    r"|insulin|dialysis)\b"
    r"|\b(?:stopped|stopping|not taking|omitting) (?:her |his |their )?(?:insulin|dialysis)\b"
    r"|\b(?:she|he|they) (?:may|might|could|will) (?:only have|have only) (?:days|hours)\b"
    r"|\bwithout (?:her |his |their )?(?:dialysis|insulin|fluids) (?:she|he|they)"
    r" (?:may|might|could|will) (?:die|not survive|have only)\b"
)
"""Refusing what keeps them alive (fluids, insulin, dialysis), or days left."""

_NOT_CARING: Final = patterns.compile(
    f"{_NOT_CARING_WORDS.pattern}|{_REFUSING.pattern}"
)
"""A person in their care not caring whether they live, or refusing what
keeps them alive (fluids, insulin, dialysis), as a dietitian or a nurse
tells it: someone's risk in a professional's mail (`_at_risk`); a
relative's crisis only where both are told (`kin_in_danger`)."""

_ORDINARY: Final = patterns.compile(
    r"\b(?:good-?byes?|farewells?|died|passed away|death of|funeral|bereave\w*"
    r"|terrified|scared|afraid|leaving do)\b"
)
"""Words near risk that are a professional's everyday: a death told, a
goodbye at a leaving do, fear of failing (an alarm's goodbye is `_ALARM`'s)."""


@functools.lru_cache(maxsize=4096)
def _at_risk(sentence: str) -> bool:
    """Words of someone's risk: danger told in the third person, the screen's
    risk, or words near risk (death, harm, violence, an ending, hopelessness;
    not means alone: "she's not one for tablets" is a diabetic's; nor a
    death told or a goodbye: `_ORDINARY`)."""
    return (
        _DANGER.search(sentence) is not None
        or _NOT_CARING.search(sentence) is not None
        or bool(set(screen.near_risk(_ORDINARY.sub(" ", sentence))) - {"means"})
        or screen.screen(sentence).risk is not screen.Risk.NONE
    )


_CARED_FOR: Final = patterns.compile(
    r"\b(?:one of |two of |a couple of )?(?:my|our) (?:\w+ ){0,2}"
    r"(?:clients?|patients?|pupils?|students?|residents?|tenants?|service users?"
    r"|young (?:person|people|man|woman|men|women)|employees?|staff members?"
    r"|team members?|members? of (?:staff|the team|my team|our team)|congregants?"
    r"|parishioners?|callers?|mentees?|learners?|tutees?|supervisees?|athletes?"
    r"|players?|cases?|caseload|tutor group|form group|direct reports?"
    r"|year \d+s?|(?:6th|sixth) formers?|care leavers?|looked after)\b"
)
"""Someone in the writer's care, as their work says it: "one of my pupils",
"our young people", "my caseload"."""

_KIN_AT_RISK: Final = patterns.compile(
    r"\b(?:my|our) (?:\w+ ){0,2}(?:sons?|daughters?|child|children|kids?|boys?|girls?"
    r"|teen\w*|stepsons?|stepdaughters?|partner|husband|wife|boyfriend|girlfriend"
    r"|fianc\w*|mum|mom|mother|dad|father|brothers?|sisters?|friends?|flatmates?"
    r"|roommates?|housemates?|cousins?|aunt|uncle|nieces?|nephews?|grand\w+|hubby"
    r"|other half|bf|gf|lad|lass|eldest|youngest|ex|mate|mates|bestie|best mate|missus"
    r"|twin|lodger|nan|nana|nanna|gran|granny|auntie)\b"
)
"""The writer's own people: a relative's or friend's mail, answered as a crisis."""


_YOUR_CLIENT: Final = patterns.compile(
    r"\b(?:one of )?your (?:\w+ )?(?:clients?|patients?)\b"
    r"|\byou(?:'re| are|'ve been| have been| were) (?:seeing|counsel+ing|working with"
    r"|treating) (?:him|her|them)\b"
    r"|\b(?:as|is|was) (?:his|her|their) (?:counsel+or|therapist|psychotherapist)\b"
    r"|\b(?:sees|seeing|saw|sees you|has been seeing) you (?:for|privately|on|every)\b"
)
"""The therapist's own client, as someone else tells of them."""

_ME: Final = patterns.compile(
    r"\((?:me|myself|that'?s me|it'?s me)\)|\b(?:that|this|it)(?: is|'s| was) me\b"
    r"|\bi(?:'m| am) (?:the|that|this) (?:patient|client|person|pupil|student|resident)\b"
    r"|\b(?:the )?(?:patient|client|person|referral) (?:is|being referred is) me\b"
)
"""The writer saying the one they describe is themselves."""

_KIN_SAYS: Final = patterns.compile(
    r"\b(?:mum|mom|dad|hubby|nan|nana|nanna|gran|granny|grandma|grandad)"
    r" (?:texted|rang|called|phoned|messaged|said|says|sent|told|has|is|was)\b"
)
"""A relative named as the writer names their own ("Mum texted me a goodbye",
"their dad has just texted": a mother's of her children's father)."""

_KIN_WORDS = (
    r"(?:mum|mom|dad|mother|father|step-?(?:mum|mom|dad|mother|father)|parent|guardian"
    r"|wife|husband|partner|sister|brother|son|daughter|flatmate|roommate|housemate"
    r"|friend|best friend|girlfriend|boyfriend|fianc\w*|nan|gran|granny|grandma|grandad"
    r"|granddad|grandmother|grandfather|grandparent|aunt|auntie|uncle|cousin|carer"
    r"|foster (?:carer|mum|mom|dad|parent)|other half|next of kin)"
)
_I_AM_KIN: Final = patterns.compile(
    r"\b(?:i(?:'m| am)|(?:i'?m )?writing as|(?:i'?m )?emailing as) (?:(?:a|an) [a-z -]{1,40}?"
    r" (?:and|&) )?(?:(?:[a-z-]+ ){0,2}[a-z-]+'s|his|her|their|the|a) (?:\w+ )?"
    + _KIN_WORDS
    + r"\b"
    r"|\b(?:[a-z-]+'s|his|her|their) " + _KIN_WORDS + r" here(?=[.,!;:]|$)"
)
"""The writer naming themselves someone's relative or friend ("I'm Ella's
mum", "I'm his flatmate", "I'm the father of your client", "I'm a nurse &
Tom's mum", "writing as her husband", "Ella's dad here"): their own person,
whatever else the mail says."""

_FOR_THEMSELVES: Final = patterns.compile(
    r"\b(?:therapy|counsel+ing|support|help|sessions?) for me\b"
    r"|\bi(?:'d| would) like to book (?:the |a |my )?(?:free )?(?:15[- ]min\w* )?(?:call"
    r"|consultation|session)\b(?! (?:for|about) )"
    r"|\b(?:for|with|about) myself\b|\bmy own (?:therapy|counsel+ing|sessions?|mental"
    r" health|wellbeing|burnout)\b|\b(?:i|i'd|i would) (?:like|love|need|want) (?:some )?"
    r"(?:help|therapy|counsel+ing|support|sessions?) (?:with|for) (?:my|burnout|stress"
    r"|anxiety)\b"
)
"""A professional asking for the call for themselves ("help with burnout for
myself"): their patient's danger told in passing is not why they write."""

_COUPLE: Final = patterns.compile(r"\bmy (?:wife|husband|partner) and (?:i|me)\b")


def in_their_care(subject: str, text: str) -> bool:
    """Whether the writer tells of someone in their care as their work says
    it ("one of my pupils", a role they sign with) or of the therapist's own
    client, and of nobody of their own (a relative, a partner, a friend)."""
    flat = _flat(subject, text)
    if (
        _ME.search(flat)
        or _I_AM_KIN.search(flat)
        or _KIN_AT_RISK.search(_COUPLE.sub(" ", flat))
        or _KIN_SAYS.search(flat)
        or _FOR_THEMSELVES.search(flat)
    ):
        return False
    if _CARED_FOR.search(flat) or _YOUR_CLIENT.search(flat):
        return True
    # A role they sign with or name. "A student who", "my class", "a tenant
    # in our building" alone are as often a peer's or a neighbour's.
    return referral.writer_role(subject, text)


def tells_of_now(subject: str, text: str) -> bool:
    """Whether anything in the mail is told as now (`_NOW`): without it, no
    danger is (`danger_now`)."""
    return any(_NOW.search(sentence) for sentence in _sentences(subject, text))


def danger_now(subject: str, text: str, *, strict: bool = False) -> bool:
    """Whether the mail tells of someone's danger now: a sentence of risk told
    as now (in itself or within two sentences of it), neither denied nor of the
    past, in a mail that neither says the risk is contained nor is a
    course's, a study's or a newsletter's; or emergency services called to
    them (`_EMERGENCY`) in a mail that tells of now. `strict`: only danger in the third
    person (`_DANGER`, or words of alarm beside others), not every word near
    risk, with its "now" in the sentence or the next to it."""
    sentences = _sentences(subject, text)
    whole = " ".join(sentences)
    if _NOT_A_CASE.search(_THEIR_OWN.sub(" ", whole)) or _CONTAINED.search(whole):
        return False
    reach = 1 if strict else 2
    if not strict and any(
        _called_to_them(sentences, number) for number in range(1, len(sentences))
    ):
        return True  # the police or an ambulance called to them, now
    # The cheap tests first: most sentences of most mail are not near a now.
    for number, sentence in enumerate(sentences):
        if _PAST.search(sentence):
            continue
        if _ADVICE.search(sentence) and (
            not _THIRD.search(sentence) or _INSTRUCTION.search(sentence)
        ):
            continue  # "if anyone is in danger, dial 999": nobody's
        if number == 0 and not _SOMEONE.search(sentence):
            continue  # a subject ("last email") that names nobody else
        near = sentences[max(0, number - reach) : number + reach + 1]
        if not any(_NOW.search(s) for s in near):
            continue
        beside = sentences[max(0, number - 2) : number + 3]
        if not (
            _DANGER.search(sentence)
            or (not strict and _at_risk(sentence))
            or (_ALARM.search(sentence) and _alarmed(beside))
        ):
            continue
        if not _own(sentence):
            return True
    return False


def _called_to_them(sentences: tuple[str, ...], number: int) -> bool:
    """Whether sentence `number` tells of emergency services called to someone
    else now: not advice, not the past, in a mail that tells of now, and
    nothing beside it the writer's own risk (a client's "the police are at
    the door" after their own words of risk is theirs, answered as it was
    before)."""
    sentence = sentences[number]
    if (
        not _EMERGENCY.search(sentence)
        or _ROUTINE.search(sentence)
        or _PAST.search(sentence)
        or _ADVICE.search(sentence)
        or not any(_NOW.search(s) for s in sentences)
    ):
        return False
    beside = sentences[max(1, number - 2) : number + 3]
    return not any(_own_risk(s) for s in beside)


def _alarmed(sentences: tuple[str, ...]) -> bool:
    """Whether words of alarm stand beside others of risk: a second alarm
    ("a goodbye text, and his phone has been off since"), or danger or the
    screen's risk in the rest of the words."""
    if sum(len(_ALARM.findall(s)) for s in sentences) >= 2:
        return True
    return any(
        _DANGER.search(rest) or screen.screen(rest).risk is not screen.Risk.NONE
        for rest in (_ALARM.sub(" ", s) for s in sentences)
    )


def own_danger_now(subject: str, text: str) -> bool:
    """Whether the writer tells of their own danger now: a sentence of risk in
    their own words (`_own_risk`, the screen's words or their own harm, not
    every word near risk: "I am writing with the consent of a victim of an
    assault" is theirs only as a topic), told as now within two sentences, not of the
    past, in a mail that is no course's, book's or study's."""
    sentences = _sentences(subject, text)
    if _NOT_A_CASE.search(_THEIR_OWN.sub(" ", " ".join(sentences))):
        return False
    for number, sentence in enumerate(sentences):
        if _PAST.search(sentence):
            continue
        near = sentences[max(0, number - 2) : number + 3]
        if any(_NOW.search(s) for s in near) and _own_risk(sentence, near=False):
            return True
    return False


def kin_in_danger(subject: str, text: str) -> bool:
    """Whether a relative, partner or friend tells of someone close to them in
    danger now in words the screen does not read as clear risk ("his phone
    has been off since he said goodbye an hour ago", "she can't keep herself
    safe tonight"): the crisis answer, the safety message to them and the
    alert, as for their "he wants to kill himself". Strictly: the few words
    of danger in the third person, told now; a parent's "she has been
    cutting at the moment" is an enquiry with a safety need."""
    if not tells_of_now(subject, text):
        return False  # the cheap test first: no danger is told as now
    flat = _flat(subject, text)
    kin = (
        _KIN_AT_RISK.search(_COUPLE.sub(" ", flat))
        or _KIN_SAYS.search(flat)
        or _I_AM_KIN.search(flat)
    )
    if kin is None or in_their_care(subject, text):
        return False
    if danger_now(subject, text, strict=True):
        return True
    # Both not caring whether they live and refusing what keeps them alive
    # ("hasn't had anything to drink for three days and says she doesn't
    # care if she dies"): either alone is as often a worry or a hyperbole.
    whole = " ".join(_sentences(subject, text))
    return bool(_NOT_CARING_WORDS.search(whole) and _REFUSING.search(whole))


_QUOTED: Final = patterns.compile(
    r"\"[^\"\n]{0,400}\"|“[^”\n]{0,400}”"
    r"|(?:[:,]|\b(?:said|says|saying|words|wrote|writes|told (?:me|us))) ?'(?=\w)"
    r"[^\n]{0,400}?[.!?,]'(?!\w)"
)
"""What a mail quotes: double quotes on one line, or single ones opened after
a colon or a verb of saying and closed after a stop ("His words to me: 'I
don't want to be alive any more. I have the blades.'", whose "don't" ends
nothing; "'til" opens nothing)."""
_OPENS: Final = patterns.compile(
    r"[\"“](?=\w)"
    r"|(?:[:,]|\b(?:said|says|saying|words|wrote|writes|told (?:me|us))) ?'(?=\w)"
)
_CLOSES: Final = patterns.compile(r"[\"”]|(?<=[.!?,])'(?!\w)")

_REPORTED: Final = patterns.compile(
    r"\b(?:told|tells|said to|texted|messaged|rang|emailed|asked|showed|sent|gave"
    r"|called|phoned|let) me\b"
)
_OWN_RISK: Final = patterns.compile(
    r"\b(?:i|i'm|im|i've|ive|i'll|i'd|me|myself|my life)\b"
)


_THIRD: Final = patterns.compile(
    r"\b(?:he|she|they|her|his|their|he's|she's|they're|who|who's|whose)\b"
)
"""Someone else, as a sentence's subject or owner ("them" is as often pills)."""


_CLAUSE: Final = patterns.compile(r"[,;:]|\b(?:and|but|so|because|though|although)\b")

_SELF_RISK: Final = patterns.compile(
    r"\b(?:kill|hurt|harm|cut|hang|drown|poison|shoot|stab|burn|starve|end|overdose on)"
    r" (?:my ?self|myself)\b|\b(?:end|take|ending|taking) my (?:own )?life\b"
    r"|\bbetter off without me\b|\bwon'?t find me\b|\b(?:nobody|no one) (?:will|would) miss me\b"
    r"|\b(?:it|this|everything) ends (?:today|tonight|this weekend)\b"
    r"|\bi'?ve (?:written|left) my (?:letters|notes|goodbyes)\b"
    r"|\bi(?:'m| am|'ve| have|'ll| will|'d| would| was| want| wanna| need| keep)?\b"
    r"(?:(?!\b(?:he|she|they|his|her|their|him|them|who|clients?|patients?|pupils?"
    r"|students?|residents?|caseload|cases?)\b)[^.!?,;]){0,30}?"
    r"\b(?:die|dying|be dead|kill|end (?:it|things|everything)|suicid\w*|overdose|hang"
    r"|jump|alive|not be (?:here|around)|(?:the|my|some) (?:rope|pills|tablets|blades?))\b"
)
"""The writer's own risk, whoever else the sentence names: "I want to die
today and he won't stop me", "my pupils will be fine, I'm going to end my
life"; not "I'm worried she will take the pills"."""


def _unquoted(sentence: str) -> str:
    """A sentence without what it quotes, a quote begun or ended in another
    sentence too (`she wrote: "i've got the pills lined up.` ... `"`; `his
    words today: 'i don't want to be alive.` ... `i have the blades.'`)."""
    bare = _QUOTED.sub(" ", sentence)
    opened = _OPENS.search(bare)
    if opened is not None:
        return bare[: opened.start()]  # opens a quote that goes on
    closed = _CLOSES.search(bare)
    if closed is not None:
        return bare[closed.end() :]  # closes one begun before
    return bare


def _own(sentence: str) -> bool:
    """Whether a sentence tells of the writer's own risk (outside what it
    quotes, and but for "told me"): in words of their own risk, or in the
    first person with nobody else named."""
    bare = _REPORTED.sub(" ", _unquoted(sentence))
    if _SELF_RISK.search(bare):
        return True
    if _OWN_RISK.search(bare) is None:
        return False
    if _THIRD.search(bare) is None:
        return True
    # "I can't keep going like this and I don't feel safe tonight, she
    # doesn't know": a clause of their own risk beside one of someone else.
    return any(
        _OWN_RISK.search(clause)
        and not _THIRD.search(clause)
        and not _ACTING.search(clause)
        and _at_risk(clause)
        for clause in _CLAUSE.split(bare)
    )


def _own_risk(sentence: str, *, near: bool = True) -> bool:
    """Whether a sentence tells of the writer's own risk (outside what it
    quotes, "told me" aside): in words of their own risk whoever else it
    names, or a clause of risk in the first person naming nobody else ("I
    can't keep going like this, she doesn't know"); never a topic of their
    work ("my areas of interest are trauma and self-harm; I have DBT
    training") nor a case ("I've got a client who's been suicidal")."""
    bare = _REPORTED.sub(" ", _unquoted(sentence))
    if _SELF_RISK.search(bare):
        return True
    return any(
        _OWN_RISK.search(clause)
        and not _THIRD.search(clause)
        and not _CASES.search(clause)
        and not _ACTING.search(clause)
        and (
            _at_risk(clause)
            if near
            else screen.screen(clause).risk is not screen.Risk.NONE
        )
        for clause in _CLAUSE.split(bare)
    )


_ACTING: Final = patterns.compile(
    r"\bi(?:'ve| have| had|'d| will|'ll| am|'m)? (?:just |already |now )?(?:contacted"
    r"|contacting|called|calling|rang|rung|ringing|phoned|phoning|notified|informed"
    r"|alerted|emailed|messaged|texted|referred|referring|escalated|spoken to|spoke to"
    r"|asked) (?:the |our |his |her |their |a |an )?(?:crisis|home treatment|duty|police"
    r"|999|911|ambulance|paramedics|gp|a&e|ed|er|mash|safeguarding|social services"
    r"|mental health|on-?call|liaison|team|nurse|doctor|psychiatrist|dsl)"
)
"""The writer acting for someone ("I've contacted the crisis team"): their
work, never their own risk, whatever the service is called."""

_CASES: Final = patterns.compile(
    r"\b(?:clients?|patients?|pupils?|students?|residents?|service users?|caseload"
    r"|cases?|callers?|young people|referrals?)\b"
)
"""Others the writer's work names: "I have two clients with suicidal ideation
on my caseload" is theirs, not the writer's."""


def of_others_only(subject: str, text: str) -> bool:
    """Whether no sentence of risk is the writer's own (`_own_risk`; outside
    what the mail quotes, a quote running over sentences too), nor do they
    say the one they describe is themselves ("(me)"). A professional in
    crisis writes of themselves."""
    body = _QUOTED.sub(" ", screen.read_as(_read(text)))
    if _ME.search(" ".join(body.split())):
        return False
    return not any(
        _own_risk(sentence)
        for sentence in (screen.normalize(subject), *_BREAK.split(body))
    )
