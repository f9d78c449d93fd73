"""Whether a first mail is written about someone in the writer's care. Pure.

A GP's "pt for you - 40s M, anxiety, no risk", a school counsellor's "a 7th
grade student (12 y/o) ... the family will reach out", a colleague's "a young
man on my waiting list ... would you have a space?": each asks for help, so
the request book reads them as enquiries and the practice's robot answered a
professional with times. Their clue is whom they write about, not the words
of a letter, which people also quote about themselves (their GP's referral,
their own "34F, GAD, no SI"). So a mail is read as a referral only when it
holds two different kinds of clue (a professional role of the writer's, a
person described as a professional describes one, their risk told in the
third person, the person handed over), and none of the writer's own: their
own GP or therapy, their own struggle, their own child or partner.

What follows is never silence: the mail is asked about (the therapist is
told and decides), never answered with times nor left alone for this, and
the screen for risk reads it as before.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from mailflow import patterns
from mailflow.reading import screen

MAX_CHARS: Final = 6000
"""A referral says whom it is about near the top; a long mail is read this far."""

_ROLE_NOUNS = (
    r"(?:gp|general practitioner|doctor|(?:practice |community |school |district "
    r"|mental health |psychiatric |specialist )?nurse|health visitor|midwife"
    r"|(?:adult |children'?s |hospital |school )?social worker|psychiatrist"
    r"|(?:clinical |educational |counsel+ing |school )?psychologist"
    r"|(?:school |student |university )?counsel+or|therapist|psychotherapist"
    r"|senco|sendco|teacher|head ?teacher|head of year|(?:pastoral|safeguarding"
    r"|wellbeing|welfare) (?:lead|officer|adviser|advisor|manager|coordinator)"
    r"|(?:student )?wellbeing (?:adviser|advisor|practitioner)|case ?manager"
    r"|care co-?ordinator|support worker|key ?worker|probation officer"
    r"|youth (?:justice )?worker|family support worker|occupational health"
    r"(?: \w+)?|hr (?:manager|adviser|advisor|business partner|officer)"
    r"|solicitor|attorney|pharmacist|dietitian|dietician|paramedic|physio\w*|receptionist"
    r"|practice manager|(?:ward|unit|hostel|home|team|service|care home) manager"
    r"|duty doctor|locum|registrar|consultant|registered manager"
    r"|(?:youth|support|recovery|key|link|outreach|family support|family liaison"
    r"|drug and alcohol|substance misuse|housing|tenancy (?:support|sustainment)"
    r"|probation|care|case|social|community|mental health|liaison|welfare|refuge"
    r"|resettlement|attendance|project|charity|crisis team|early help|homeless\w*)"
    r" (?:worker|officer|practitioner|co-?ordinator|lead|manager|advocate)"
    r"|caseworker|idva|isva|cpn|amhp|duty (?:worker|nurse|doctor|cpn|clinician))"
)
"""Roles of those who write about someone in their care. A "police officer"
or a "communications officer" signing their own enquiry is none."""
_PLACES = (
    r"(?:surgery|practice|school|clinic|cmht|team|service|hospital|centre|center"
    r"|college|university|academy|trust|project|charity|hub|hostel|unit|ward"
    r"|refuge|home)"
)
_OWNER = (
    r"(?:(?!(?:not|so|sure|just|really|also|only|still|it|that|there|what|who|he|she"
    r"|where|here|this|let|one)\b)[a-z-]+ ){0,2}"
    r"(?!(?:it|that|there|what|who|he|she|where|here|this|let)'s)[a-z-]+'s"
)
"""Whose role the writer names, a person's name ("I'm Liam Cross's probation
officer"): never "I'm not sure it's a therapist I need"."""
_ROLE: Final = patterns.compile(
    r"\b(?:i(?:'m| am)|(?:i )?work as|(?:i'?m )?writing as) (?:a|an|the|one of the"
    r"|one of (?:our|the) \w+'?s?|" + _OWNER + r"|his|her|their"
    r"|your client'?s) (?:\w+ ){0,2}" + _ROLE_NOUNS + r"s?\b"
    r"|\b[a-z]+ here,? (?:from|at) (?:the |our )?(?:[a-z]+ ){0,3}" + _PLACES + r"\b"
    r"|\b(?:from|at) (?:the )?[a-z]+ (?:[a-z]+ )?" + _PLACES + r" here\b"
    r"|\b(?:writing|emailing|contacting you) (?:from|on behalf of) (?:the|our) "
    r"(?:\w+ ){0,2}(?:surgery|practice|team|school|service|clinic|ward"
    r"|department|trust|unit|college|university|academy|hospital|office)"
    r"|\b(?:dr|doctor) [a-z]+ (?:has )?asked (?:us|me) to"
    r"|\bbetween (?:patients|clinics|appointments)\b"
    # "gp registrar at kingsway", "school counselor at Lincoln Middle"
    r"|(?:^|[.!?,:-] |\bhi(?: [a-z]+)?,? )"
    + _ROLE_NOUNS
    + r" (?:registrar |trainee |partner |lead )?(?:at|from) [a-z]"
    r"|(?:^|[.!?,:-] |\bhi(?: [a-z]+)?,? )(?:\w+ )?" + _ROLE_NOUNS + r" here\b"
    r"|\b(?:reception|admin|duty) team\b"
    r"|\bi (?:manage|run) (?:a |an |the |our )?(?:[a-z]+,? ){0,3}(?:home|service"
    r"|project|team|unit|ward|school|practice|clinic|charity|centre|center|hostel"
    r"|group)\b"
    r"|\b(?:i'?m|i am|we'?re|we are) (?:currently )?(?:supporting|working with"
    r"|case ?managing) (?:a|an|one|this|someone|him|her)\b(?! (?:therapist|counsel+or"
    r"|psychologist|psychiatrist|coach|personal trainer)\b)"
    r"|\b(?:holiday|sick(?:ness)?|leave|emergency) cover\b|\bcover (?:person|for my"
    r" (?:clients|caseload|practice))|\bemergency contact for my (?:clients|practice)"
)
"""The writer names a role of theirs (so do professionals writing for
themselves: never enough alone)."""
_SIGNATURE: Final = patterns.compile(
    r"^[a-z .,'()&/|-]{0,40}\b(?:" + _ROLE_NOUNS + r"|rgn|rmn|rn|md|m\.?ed|lsc|lcsw"
    r"|lpc|lmft|mbchb|mbbs|mrcgp|dclinpsy|ukcp (?:registered|reg)\w*"
    r"|bacp (?:accredited|registered)\w*|registered (?:psychotherapist|counsel+or"
    r"|nurse|social worker))\b[a-z .,'()&/|-]{0,60}$",
    re.MULTILINE,
)
"""A role on a line of its own near the end: a signature's."""
_SIGNATURE_LINES: Final = 6
"""A signature's lines are among the body's last (a name, a role, a place,
a phone number, a footer)."""
_SIGNATURE_WIDTH: Final = 64
"""A signature's line is short ("Lead Practice Nurse | Riverside Medical
Practice" is 48); a sentence wrapped by a mail program is longer."""
_SENTENCE: Final = patterns.compile(
    r"\b(?:i|i'm|i've|you|he|she|we|my|me|to|for|with|is|are|was|be|have|had)\b"
)
"""Words of a sentence, which a signature's line is not ("I'd like to speak
to a counsellor", wrapped onto a line of its own)."""

_CARED_FOR = (
    r"(?:patient|client|pupil|student|service user|young person|gentleman|lady"
    r"|woman|man|young (?:man|woman|lad|girl|person)|lad|boy|girl|carer|tenant"
    r"|employee|member of staff|resident|mum|dad|mother|father|(?:\d+(?:st|nd|rd|th)|"
    r"year \d+|y\d+) (?:grader|grade student|year student)|[a-z]+ grader)"
)
_PERSON: Final = patterns.compile(
    # "29F", "40s male", "12 y/o", "61M" (never after "I'm", "me,": their own)
    r"(?<!i'm )(?<!im )(?<!i am )(?<!me, )(?<!me )(?<!myself, )"
    r"\b\d{1,2}(?:s|'s)? ?(?:f|m|male|female|y/?o|yo|y\.o\.?)(?![a-z/'])"
    # "Mr Leon Hart 52", "Mrs Y. Begum, 38", "Mr Derek Shaw (61)"
    r"|\b(?:mr|mrs|ms|miss|mx|master)\.? (?:[a-z]\.? ?){0,2}(?:[a-z][a-z'-]+ ){0,2}"
    r"[a-z][a-z'-]+,? \(?(?:aged? |age )?\d{1,2}\)?(?![\d:.])"
    # "a gentleman", "one of our carers", "a 7th grade student", "a young
    # man on my waiting list", "a lovely lady in her 60s"
    r"|(?<!i'm )(?<!im )(?<!i am )(?<!as )(?<!being )\b(?:a|an|one of (?:my|our)|this"
    r"|the above"
    r"|the following) (?:[\w-]+ ){0,3}" + _CARED_FOR + r"s?\b"
    r"(?= (?:who|whom|with|on my|on our|in (?:his|her|their)|aged?|\(|,|called|named"
    r"|i'?ve|i have|we'?ve|we have|i'?m|i am|of ours|of mine|-|\u2013)|[,(])"
    # "a 70-year-old man", "this 14 year old"
    r"|(?<!i'm )(?<!im )(?<!i am )\b(?:a|an|this) \d{1,2}[- ](?:year|yr)s?[- ]old\b"
    r"|\b(?:my|our) (?:new )?(?:patients?|clients?|pupils?|service users?|caseload"
    r"|waiting list|case|referral)\b"
    r"|(?<!work )(?<!working )(?<!job )\bpts?\b(?![ -]time| (?:work|job|hours|role"
    r"|position|shifts?)\b)"
    # "one of my ladies", "one of the people I supervise", "male, 30s"
    r"|\bone of (?:my|our|the) (?:[\w-]+ ){0,2}(?:ladies|mums|mothers|dads|women|men"
    r"|people|young people|families|residents|tenants|members|service users"
    r"|clients|patients|pupils|students|caseload)\b(?! (?:i know|of mine who"
    r" recommended))"
    r"|\b(?:male|female),? (?:\d{1,2}s|\d{1,2})\b"
    # "Re: Mr D. Farrant, DOB ...", "Client: Mr Kieran Moss", "one of your clients"
    r"|\b(?:re|client|patient|name|young person|pupil|student):? (?:mr|mrs|ms|miss|mx"
    r"|master|dr)\b"
    r"|\b(?:dob|d\.o\.b\.?|date of birth|nhs (?:no|number)|hospital (?:no|number))\b"
    r"|\bone of your (?:clients|patients)\b"
    r"|\b(?:the|this) (?:client|patient|young person|person|pupil|student)"
    r" (?:named|mentioned|described|detailed) (?:below|above)"
    # the narrative of someone in care: "his GP", "her foster carers" (a
    # relative's, "her husband", is anyone's story)
    r"|\b(?:his|her) (?:gp|consent|carers?|foster carers?|employer|line manager"
    r"|care co-?ordinator|social worker|key ?worker)\b"
    r"|\byou(?:'ve| have)? (?:been |are |were )?(?:seeing|working with|treating)"
    r" (?:his|her|their|mr|mrs|ms|miss|our|my)\b"
    r"|\b(?:i|we)(?:'ve| have)?(?: got)? (?:a|an|one|two|three|four|a couple of"
    r"|a few|some|several) (?:new |young |older |adult )?(?:clients|patients|pupils"
    r"|students|service users|young people)\b"
    r"|\bi'?m (?:his|her|their) (?:new |current |named |allocated )?"
    + _ROLE_NOUNS
    + r"\b"
)
"""Someone described as a professional describes a person in their care."""
_THIRD_RISK: Final = patterns.compile(
    r"\b(?:denies|denied|denying) (?:any )?(?:current )?(?:si|sh|suicid\w*|self[- ]harm\w*"
    r"|thoughts|ideation|intent|plans?|risk)"
    r"|\b(?:no|nil) (?:current |active |immediate |known |significant |acute )?"
    r"(?:mh |mental health |suicid\w* |self[- ]harm |safeguarding )?risk(?: concerns)?\b"
    r"(?! (?:to me|for me|of me|that i))"
    r"|\b(?:no|nil) (?:current |active )?(?:si|sh|si ?/ ?sh|sih|shi)\b"
    r"|\bno (?:current |active )?(?:suicidal |self[- ]harm )?(?:intent|ideation|plans?|thoughts)"
    r"(?: (?:or|and) (?:intent|plans?|ideation))? (?:was |were )?(?:reported|disclosed"
    r"|expressed|voiced|at (?:assessment|this time|present|the moment))"
    r"|\bno (?:plans?|intent(?:ion)?) to (?:harm|hurt|kill) (?:self|himself|herself|themselves)"
    r"|\b(?:asked|did|went through) (?:him |her |them )?(?:the )?(?:safety|risk) questions"
    r"|\b(?:his|her|their) (?:safety plan|risk assessment|phq-?9|gad-?7|meds|medication)"
    r"|\b(?:previous|prev|hx of|history of) (?:od|overdose|self[- ]harm|sh)\b(?= .{0,40}"
    r"\b(?:he|she|they|pt|patient)\b)"
    r"|\bno (?:dv|domestic (?:abuse|violence)|safeguarding|self[- ]?harm|sh|si)"
    r" (?:concerns?|disclosed|reported|issues)"
    r"|\brisk (?:was )?(?:assessed|rated|judged) (?:as )?(?:low|medium|moderate|high)"
)
"""Their risk told in the third person, as a clinician records it."""
_HANDOFF: Final = patterns.compile(
    r"(?:^|[.!?,:-] *|\b(?:i|we)(?:'m|'re| am| are|'d like to| would like to| wish to)? )"
    r"referr?(?:ing|ed)\b(?! (?:me|myself|by|to (?!you\b)))"
    r"|\b(?:i|we) (?:have |'ve )?referred (?:him|her|them|a|an|this|one)\b"
    r"|\b(?:like|want|wanted|wish|wishing|writing|hoping) to refer\b"
    r"|\bsending you (?:one|a (?:referral|patient|client|young)|him|her|them)\b"
    r"|\b(?:pass|passing|passed|hand|handing|handed) (?:him|her|them|this (?:\w+ )?"
    r"(?:case|referral|person|lady|gentleman|man|woman)) (?:on|over)\b"
    r"|\b(?:pass|passing|passed) (?:along |on )?your (?:contact|details|name|number|info)"
    r"|\b(?:give|giving|gave|given|pass|passing|passed|send|sending|sent|hand|handing"
    r"|handed) (?:him|her|them|the family|the parents|mum|dad|the patient|pt)"
    r" (?:your|the practice'?s?|our) (?:number|details|contact|email|name|card"
    r"|leaflet|website)"
    r"|\b(?:can|could|may|should) (?:he|she|they) self[- ]?refer"
    r"|\b(?:he|she|they|the family|the parents|mum|dad|pt|the patient)(?:'ll| will| may"
    r"| might| would| should| is going to)? (?:be in touch|get in touch|contact you"
    r"|email you|call you|ring you|reach out)(?: (?:herself|himself|themselves|directly))?"
    r"|\bi'?ll ask (?:him|her|them) to (?:contact|email|call|ring|get in touch)"
    r"|\b(?:please |pls )?(?:contact|call|ring|text) (?:pt|the patient|him|her|them)"
    r" (?:on|at|via|directly)\b"
    r"|\b(?:with|has given|gave|given|signed|provided) (?:his|her|their|an?|us) (?:written |signed |verbal )?"
    r"(?:consent|permission|roi|release)\b"
    r"|\b(?:consent|roi|release)(?: form)? (?:is )?(?:attached|signed|enclosed)"
    r"|\bplease see (?:him|her|them|mr|mrs|ms|miss|master|this (?:\w+ )?(?:patient"
    r"|client|lady|gentleman|man|woman|young person|boy|girl)|the (?:attached|enclosed)"
    r" referral)\b"
    r"|\b(?:thank you for seeing|grateful for your assessment"
    r"|grateful if you (?:could|would) (?:see|assess|offer))\b"
    r"|\basked (?:me|us) to (?:write|forward|send|contact you|get in touch|pass)"
    r"|\basked (?:the family|the parents|him|her|them|mum|dad|the patient) to"
    r" (?:contact|email|call|ring|get in touch)"
    r"|\bok(?:ay)? to pass (?:on )?(?:your|the) (?:details|number)"
    r"|\btake (?:him|her|them) on\b"
    # "he asked me if I could find him someone", "she's happy for me to email"
    r"|\b(?:he|she|they)(?:'s| has| have)? asked (?:me |us )?(?:to|if|whether)\b"
    r"|\b(?:he|she|they)(?:'s| has| have| is| are)? (?:said (?:it'?s|it is|that'?s)"
    r" (?:ok|okay|fine|alright)|consented|agreed|happy|given (?:me )?permission)"
    r" (?:for me|to me|for us|to us|to my|to our)\b"
    r"|\b(?:emailing|writing|contacting you|getting in touch|enquiring|inquiring)"
    r" (?:for|on behalf of) (?:him|her|them)\b|\bon (?:his|her|their) behalf\b"
    r"|\bwe(?:'d|'ll| can| could| would| will| are able to| may be able to)"
    r" (?:\w+ )?(?:cover|fund|pay for)\b|\b(?:he|she|they)(?:'d| would| will| can)? self[- ]?fund"
    r"|\b(?:willing|able|happy) to (?:see|take on|work with|visit) (?:him|her|them|this"
    r"|someone (?!like me))"
    r"|\boffer (?:him|her|them) (?:an? |some )?(?:assessment|sessions|appointment"
    r"|counsel+ing|therapy|space|place)|\boffer an assessment\b"
)
"""The person handed over: referred, given the practice's number, to write
themselves."""
_NOT_FOR_THEM = (
    r"(?! (?:for|with) (?:him|her|them|mr|mrs|ms|miss|master|(?:my|our|this|the|a|an|one"
    r" of (?:my|our)) (?:[\w-]+ ){0,2}(?:client|patient|pupil|student|resident|tenant"
    r"|service user|young person|lad|girl|boy|man|woman|gentleman|lady|employee|carer"
    r"|mum|dad|child|kid|teen\w*|family|friend)s?|someone|somebody"
    r"|(?:a|an|the|this) \d{1,2}[- ](?:year|yr)s?[- ]old)\b)"
)
"""Asking for a call or sessions, but not for someone else ("I'd like to
arrange a call for him" is a referrer's)."""
_OWN: Final = patterns.compile(
    r"\bmy (?:gp|doctor|psychiatrist|care co-?ordinator|cpn|therapist|counsel+or"
    r"|consultant|key ?worker|social worker|health visitor|midwife|nurse"
    r"|previous therapist|diagnosis|meds|medication)\b"
    r"|\b(?:referred|sent|signposted|recommended|suggested|told) me\b"
    r"|\bi (?:was|have been|'ve been|got) (?:referred|told|advised|diagnosed|discharged"
    r"|prescribed|signposted)"
    r"|\bfor myself\b|\bmy own (?:therapy|counsel+ing|sessions|mental health)"
    r"|\b(?:therapy|counsel+ing|support|help|sessions) for me\b"
    r"|\bi(?:'ve| have)? been (?:struggling|feeling|having|finding|suffering|dealing)"
    r"|\bi(?:'m| am) (?:struggling|not coping|burnt out|burned out|exhausted|so tired"
    r"|finding it)"
    r"|\bi (?:need|think i need|could use|want) (?:some )?(?:help|support|therapy"
    r"|counsel+ing|someone to talk to)"
    r"|\bi(?:'d| would) like (?:some |to (?:start|book|have|try|begin|get|arrange) )"
    r"(?:\w+ )?(?:therapy|counsel+ing|sessions?|support|help|call|chat|consultation)"
    r"\b"
    + _NOT_FOR_THEM
    + r"|\bmy (?:discharge|diagnosis|history|notes|records|medical records|assessment"
    r"|own referral)\b"
    r"|\b(?:that'?s|that is|this is|it'?s|it is) (?:about )?me\b|\bthe patient is me\b"
    r"|\bi(?:'ve| have) been (?:well|ok|okay|unwell|low|depressed|anxious|stable)\b"
    r"|\bi want (?:some |to (?:get|start|begin|try|talk|see someone|work on))"
    r"|\b(?:my|our) (?:\d{1,2}[- ]?(?:year[- ]old|yo|y/o) )?(?:son|daughter|child"
    r"|children|kids?|teen\w*|boy|girl|partner|husband|wife|boyfriend|girlfriend"
    r"|fianc\w*|mum|mom|mother|dad|father|sister|brother|grand\w+|niece|nephew"
    r"|step\w+|foster \w+|friend|best friend|cousin|aunt|uncle|neighbou?r|flatmate"
    r"|housemate|colleague|family)\b"
    r"|(?:^|[.!?,:-] |\bmy (?:[\w-]+ ){0,2}|\b(?:hi|hello|hey|hiya)(?: [a-z]+)?,? )"
    r"(?:ex-?)?(?:wife|husband|partner|girlfriend"
    r"|boyfriend|fianc\w*|mum|mom|dad|missus|other half) (?:has )?(?:(?:asked|told"
    r"|made|nagged|wants) me|(?:said|suggested|thinks) (?:i|that i)|suggested me)\b"
    r"|\ba (?:good |close |dear |old )?(?:friend|colleague|neighbou?r|flatmate"
    r"|housemate|relative) of (?:mine|ours)\b"
    r"|\b(?:i'?m|i am|im) (?:his|her|their) (?:\w+ )?(?:mum|mom|mother|dad|father"
    r"|step\w+|sister|brother|aunt|uncle|gran\w*|grand\w+|partner|wife|husband"
    r"|girlfriend|boyfriend|friend|carer|foster \w+)\b"
    r"|\b(?:i'?m|im|i am|as) an? (?:\w+ )?(?:mum|mom|mother|dad|father|parent)"
    r" (?:of|to) (?:a|an|two|three|four|\d)\b"
    r"|\b(?:mum|mom|mother|dad|father|parent) (?:of|to) (?:a|an|two|three|four|\d)"
    r"[^.!?,]{0,30} here\b"
    r"|\b(?:could|can|may) i (?:book|have|get|arrange|come|start|see|talk|speak)\b"
    r"|(?:^|[.!?] |\bi'?m |\bim |\bi am )looking to (?:start|begin|book|have|get|try)"
    r"|\b(?:i'?m|im|i am) an? (?:[\w-]+ ){0,3}?[\w-]+, \d{1,2} ?(?:f|m|male|female)\b"
    r"|\bfor me personally\b|\b(?:this|it) is (?:for|about) me\b|\bit'?s for me\b"
    r"|\bi(?:'d| would) like (?:to (?:book|have|arrange|try) )?(?:a |the |an |some )?"
    r"(?:\w+ ){0,3}(?:call|consultation|chat|session|appointment|therapy"
    r"|counsel+ing)\b" + _NOT_FOR_THEM
)
"""The writer's own: their own GP or therapy, their own struggle, their own
family. A professional writing for themselves says these; a referrer rarely."""


_WRITERS: Final = frozenset({"role", "handoff"})
"""Clues of what the writer is or does, one of which a referral needs."""


@functools.lru_cache(maxsize=64)
def _flat(subject: str, text: str) -> str:
    """Sentences as typed, wherever a mail program or a phone broke the
    lines; the subject a sentence of its own."""
    return (
        " ".join(screen.normalize(subject).split())
        + ". "
        + " ".join(screen.normalize(text[:MAX_CHARS]).split())
    )


@functools.lru_cache(maxsize=64)
def writer_role(subject: str, text: str) -> bool:
    """Whether the writer names a role of theirs (`_ROLE`) or signs with one,
    whatever else the mail says: `clues` finds none where the writer speaks
    of their own, and "he told me today" is as often a nurse's of a patient."""
    return bool(_ROLE.search(_flat(subject, text))) or _signed(text, _SIGNATURE)


def _signed(text: str, role: re.Pattern[str]) -> bool:
    """Whether one of the body's last lines is a signature's naming a role
    (`role`): short, and no sentence."""
    body = screen.normalize(text[:MAX_CHARS])
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return any(
        len(line) <= _SIGNATURE_WIDTH
        and not _SENTENCE.search(line)
        and role.match(line)
        for line in lines[-_SIGNATURE_LINES:]
    )


@functools.lru_cache(maxsize=64)
def clues(subject: str, text: str) -> frozenset[str]:
    """The kinds of referral clue the subject and `text` hold ("role",
    "person", "risk", "handoff"), or none where the writer speaks of their
    own (`_OWN`)."""
    flat = _flat(subject, text)
    if _OWN.search(flat):
        return frozenset()
    found: set[str] = set()
    if writer_role(subject, text):
        found.add("role")
    if _PERSON.search(flat):
        found.add("person")
    if _THIRD_RISK.search(flat):
        found.add("risk")
    if _HANDOFF.search(flat):
        found.add("handoff")
    return frozenset(found)


def about_someone_in_care(subject: str, text: str) -> bool:
    """Whether the mail reads as a professional's about someone in their care:
    two kinds of clue or more, one at least of what the writer is or does (a
    role, a handing over), and nothing of the writer's own. A person and
    their risk, described as a clinician would, may be the writer's own
    ("34F, GAD, no SI", their pasted discharge summary)."""
    found = clues(subject, text)
    return len(found) >= 2 and bool(found & _WRITERS)


# -- asking about someone their work is with (stop 62) -------------------------
#
# A youth worker's "there's a lad I work with, 15 ... could I book the free
# call to talk through whether you'd be a good fit for him?", a ward
# manager's "one of my nurses ... could I arrange a call", a work coach's
# "one of my customers has told me ... she'd like to try counselling": no
# letter's shape, no risk told, and the writer asks for the call in their
# own words, which `clues` reads as the writer's own asking. Read apart, and
# only where the screen read no risk at all (`classify`): a role of the
# writer's, someone their work is with (a work word for the person or for
# what the writer does with them: never a bare age, a name or "someone I
# care for", which are a family's and a friend's too), that person seeking
# the help, and nothing of the writer's own but the asking for the call.

_ROLE_HEADS = (
    r"(?:worker|officer|adviser|advisor|co-?ordinator|manager|lead|practitioner"
    r"|nurse|teacher|tutor|coach|mentor|advocate|caseworker|counsel+or|rep"
    r"|representative|chaplain|vicar|curate|minister|pastor|imam|rabbi"
    r"|headteacher|principal|dsl|senco|therapist|specialist|navigator|prescriber"
    r"|clinician|psychologist|warden|supervisor|director|rn|ot|slt|gp|cpn|midwife"
    r"|paramedic|doctor|visitor|solicitor|lawyer|attorney|assistant|pharmacist"
    r"|librarian|lecturer|instructor)s?"
)
"""The last word of a role at work ("senior youth worker", "branch welfare
rep", "specialist SLT"). A role alone says little: people name their jobs
when they write for themselves or their family. Never "carer" (a foster, a
young or an unpaid carer is family) nor a bare "head" ("head girl")."""
_NOT_POSSESSED = r"(?!(?:his|her|my|our|their|your|the|a|an|and|but|so|to)\b)"
_WORK_ROLE: Final = patterns.compile(
    r"\b(?:i'?m|i am) (?:a|an|the|one of the|one of our) (?:[\w&'-]++ ){0,4}?"
    + _ROLE_HEADS
    + r"\b"
    r"|\b(?:i|we) work (?:in|at|for|with|on) (?:the |a |an |our )?(?:[\w&'-]++ ){0,5}?"
    r"(?:team|service|school|academy|college|hospice|hospital|practice|surgery"
    r"|charity|trust|council|project|centre|center|hub|hostel|scheme|prison|unit"
    r"|ward|department|authority|agency|organisation|organization|foundation"
    r"|clinic|firm|club|provider)\b"
    r"|\b(?:i|we) (?:run|lead|manage|own|co-?ordinate|coordinate|head up) (?:the |a"
    r" |an |our )?(?:[\w&'-]++ ){0,4}?(?:sessions|group|groups|scheme|drop-in|team"
    r"|service|firm|business|company|practice|project|club|programme|program"
    r"|pastoral|provision|department|ward|home|hostel|unit|school|academy|centre"
    r"|garage|shop|store|cafe|restaurant|salon|office)\b"
    r"|\bi look after (?:the )?(?:apprentices|trainees|volunteers|staff|students"
    r"|residents)\b|\bi teach (?:year|yr|y|at|in|\d)"
    r"|\b(?:this is|it'?s) [a-z]++,? (?:an? |the )?(?:[\w-]++ ){0,3}?"
    + _ROLE_HEADS
    + r" (?:at|from|with|in)\b"
    r"|(?:^|[.!?,:-] |\b(?:hi|hello|hey)(?: [a-z]+)?,? )"
    + _NOT_POSSESSED
    + r"(?:[\w-]++ ){0,3}?"
    + _ROLE_HEADS
    + r" (?:(?:at|from|with) (?:[\w'-]++ ){1,4}?)?here\b"
    # the mail opens with the role: "learning mentor at northfield - are you..."
    r"|^[^.!?]*+\. "
    + _NOT_POSSESSED
    + r"(?:[\w-]++ ){0,3}?"
    + _ROLE_HEADS
    + r" (?:at|from|with) [a-z]"
    r"|\b(?:i'?m|i am) (?:the )?(?:head of (?:year|house|department|sixth form)"
    r"(?: \d{1,2})?|deputy head|assistant head|head of [a-z]+) (?:at|of|for|in)\b"
    r"|\b(?:thanks|thank you|cheers|regards|best),? [a-z]++,? [-,] "
    r"(?:[\w-]++ ){0,3}?" + _ROLE_HEADS + r"\b"
)
"""The writer names a role at work in words `_ROLE` does not list ("I'm a
work coach", "I work in the resettlement team at HMP Northgate", "I run the
tuesday sessions at Northside Youth Project", "class teacher at hillcrest
here"); never another's ("her teacher at school")."""
_WORK_SIGNATURE: Final = patterns.compile(
    r"^[a-z .,'()&/|-]{0,40}\b" + _ROLE_HEADS + r"\b[a-z .,'()&/|-]{0,60}$"
)
"""A signature's line naming a role ("Senior Youth Worker", "Advocate, Voice
Advocacy", "Personal Adviser - Leaving Care Team")."""
_WORK_NOUNS = (
    r"(?:client|patient|pupil|student|resident|tenant|service user|young (?:person"
    r"|man|woman|lad|people)|family|families|gentleman|lady|customer|veteran"
    r"|member of (?:staff|my team|our team)|employee|apprentice|trainee|learner"
    r"|mentee|parishioner|care leaver|young carer|player|swimmer)s?"
)
_WORKED_WITH: Final = patterns.compile(
    # "a lad I work with", "someone I support", "a student I tutor"; "someone
    # I work with" and "a man I work with" are as often a colleague
    r"\b(?:someone|somebody|a (?:[\w-]++ ){0,3}?(?:man|woman|person|adult|lady|guy"
    r"|mum|dad)) (?:who )?(?:i|we)(?:'ve| have|'m| am|'re| are)? (?:been )?(?:support"
    r"|supporting|mentor|mentoring|key ?work|represent|representing|house|housing"
    r"|teach|teaching|coach|coaching|tutor|tutoring)\b"
    r"|\ba (?:[\w-]++ ){0,3}?(?:lad|fella|girl|boy|child|teen|teenager|"
    + _WORK_NOUNS
    + r") (?:who )?(?:i|we)(?:'ve| have|'m| am|'re| are)? (?:been )?(?:support"
    r"|supporting|work with|working with|mentor|mentoring|key ?work|represent"
    r"|representing|house|housing|teach|teaching|coach|coaching|tutor|tutoring)\b"
    r"|\b(?:a|an) (?:[\w-]++ ){0,3}?" + _WORK_NOUNS + r" (?:who )?(?:i|we)"
    r"(?:'ve| have|'m| am|'re| are)? (?:been )?(?:see|seeing|visit|visiting"
    r"|look after|looking after|care for|caring for|help|helping)\b"
    # "we represent a young woman", "I've been seeing a client for a few
    # months" (never a lady visited, a family friend helped: a neighbour's)
    r"|\b(?:i|we)(?:'ve| have|'m| am|'re| are)? (?:been )?(?:represent|support|house"
    r"|mentor|visit|see|help|work with|look after|care for|key ?work)(?:ing|s)?"
    r" (?:a|an|this|one|two) (?:[\w-]++ ){0,2}?(?:client|patient|pupil|student"
    r"|resident|tenant|service user|young (?:person|man|woman)|care leaver"
    r"|young carer|veteran|mentee|learner|apprentice|trainee|parishioner"
    r"|employee)s?\b"
    # "working with a dad and his two boys"
    r"|\b(?:i|we)(?:'m| am|'re| are) (?:currently )?working with (?:a|an) (?:[\w-]++"
    r" ){0,2}?(?:dad|mum|mother|father|lad|girl|boy|child|family)\b"
    # "year 9 lad I see weekly", "a girl in year 8", "a year 10 girl"
    r"|\b(?:year|yr|y) ?\d{1,2} (?:lad|girl|boy|student|pupil) (?:i|we)\b"
    r"|\b(?:a|one) (?:girl|boy|lad|student|pupil) in (?:year|yr|y) ?\d{1,2}\b"
    r"|\b(?:a|an) (?:year|yr|y) ?\d{1,2} (?:girl|boy|lad|pupil|student|child)\b"
    r"|\b(?:a|an) \d{1,2}(?:st|nd|rd|th) grader\b"
    # "one of my nurses", "one of our U16 players", "one of my customers"
    r"|\bone of (?:my|our|the) (?:[\w-]++ ){0,2}?(?:nurses|staff|team|players"
    r"|swimmers|members|customers|clients|patients|pupils|students|residents"
    r"|tenants|young people|young carers|service users|mentees|learners|families"
    r"|employees|workers|apprentices|trainees|volunteers|parishioners|year \d{1,2}s"
    r"|receptionists|care leavers|scouts|cubs|brownies|guides|dancers|gymnasts"
    r"|guests|tutees|\d{1,2}(?:st|nd|rd|th) graders)\b"
    r"|\ba (?:member|colleague) of (?:my|our) (?:team|staff|congregation|church)\b"
    r"|\bone of the (?:lads|girls|boys|kids|young people) (?:i|we)(?:'ve| have|'m"
    r"| am|'re| are)? (?:been )?(?:work with|working with|support|supporting"
    r"|mentor|mentoring|coach|coaching|teach|teaching)\b"
    # "a boy in my class", "J (18) who's on our scheme"
    r"|\b(?:in|on|from|at) (?:my|our) (?:class|tutor group|form group|clinic"
    r"|caseload|books|scheme|ward|drop-in|hostel|register|unit)\b"
)
"""Someone the writer's work is with: a work word for them or for what the
writer does with them. Never a bare age ("our 15 year old"), a name and an
age ("Ruby (13)"), "a girl I'm seeing", "someone I care for", nor "someone
I work with" (a colleague as often)."""
_HELP = (
    r",? (?:[\w'-]++,? ){0,6}?(?:talk(?:ing)? to (?:someone|somebody|a |an |you)"
    r"|speak(?:ing)? to (?:someone|somebody|a |an |you)|see(?:ing)? (?:someone"
    r"|somebody|a counsel|a therap|you|a professional)|counsel+\w*|therap\w*"
    r"|someone to talk to|support\b|help\b|a referral|referr\w*|find (?:someone"
    r"|somebody|a counsel|a therap|help|support))"
)
"""What the person seeks, within a few words of their wish: someone to talk
to, counselling, therapy, support ("she's said she'd like to talk to
someone", "his parents are on board with him seeing someone"); never to
meet the crew or to keep in touch."""
_SEEK = (
    r"(?:"
    + _HELP
    + r"|,? (?:[\w'-]++,? ){0,4}?(?:contact(?:ing)? you|get(?:ting)? in touch"
    r"|reach(?:ing)? out|ask(?:ing)? around|look(?:ing)? into (?:it|this)"
    r"|email(?:ing)? you|writ(?:e|ing) to you|make (?:the )?(?:first )?(?:approach"
    r"|contact)))"
)
"""What they seek, or that the writer may ask on their behalf ("she's
agreed I can ask around", "dad has asked me to make the first approach")."""
_SEEKS: Final = patterns.compile(
    r"\b(?:he|she|they)(?:'s| has| have|'ve| had)? (?:now |finally )?(?:asked|requested"
    r"|agreed|consented|said|mentioned|expressed|told me)\b"
    + _SEEK
    + r"|\b(?:he|she|they)(?:'s| is| are|'re|'d be| would be)? (?:really |very )?"
    r"(?:aware and )?(?:keen|happy|willing|up for|open to|on board|interested)\b"
    + _SEEK
    + r"|\b(?:he|she|they)(?:'d| would) (?:like|love|benefit|prefer)\b"
    + _SEEK
    + r"|\b(?:he|she|they) (?:wants?|needs?)\b"
    + _SEEK
    + r"|\b(?:help|helping) (?:him|her|them) (?:to )?find\b"
    r"|\b(?:call|chat|word|conversation)(?: with you)?(?: to (?:talk|speak|chat)"
    r"(?: (?:through|it through))?)? (?:about|regarding|for|on behalf of)"
    r" (?:him|her|them)\b"
    r"|\bon (?:his|her|their) behalf\b"
    r"|\b(?:(?:has|have) )?(?:asked|requested) (?:about|for|that we|if we|us|me)"
    r" (?:to )?(?:\w+ )?(?:help|find|talk|counsel+ing|therapy|some)"
    r"|\basked (?:if|whether) (?:we|i) (?:could|can|would|might) (?:help|find)"
    r"|\b(?:has|have) (?:now |finally )?(?:agreed|consented)\b"
    + _SEEK
    + r"|\bconsent (?:given|obtained|gained|is given)\b"
    r"|\b(?:been|is|are) asking (?:about|for|to (?:talk|speak|see)) (?:to )?"
    r"(?:counsel+ing|therapy|support|help|someone|a counsel+or|a therapist)"
    # the person's parents ask through the writer: "whose mom asked me for a
    # referral", "his dad asked me to see if I could find someone"
    r"|\b(?:his|her|their|whose|the) (?:mum|mom|mother|dad|father|parents?|family"
    r"|carers?|foster carers?) (?:have |has |had |are |is )?(?:asked|on board|keen"
    r"|happy|asking|looking|want|wants|would like)\b"
    + _SEEK
    + r"|\b(?:parents|mum|mom|dad|family) (?:is |are )?on board\b"
    + _SEEK
    + r"|(?:^|[.!?,;:-] )(?:mum|mom|dad|parents) (?:wants?|would like|(?:is|are)"
    r" keen) to (?:pay|fund)"
    r"|(?:\bparents|(?:^|[.!?] )(?:mum|mom|dad)) (?:have |has )?asked (?:me|us"
    r"|school)\b"
    + _SEEK
    # the call is about them: "a call to discuss a pupil", "talk about J (18)"
    + r"|\b(?:discuss|talk about|chat about|speak about|call about|talk through)"
    r" (?:a|an|one of (?:my|our)|this|our|the) (?:[\w-]++ ){0,2}?" + _WORK_NOUNS + r"\b"
    r"|\b(?:discuss|talk about|chat about) [a-z](?:\.[a-z])*+\.? \(\d{1,2}\)"
)
"""The person the writer's work is with seeks the help (they asked for it,
agreed to it, would like it), or the call the writer asks for is about
them."""
_ASKING_ONLY: Final = patterns.compile(
    r"(?:could|can|may) i (?:book|have|get|arrange|come|start|see|talk|speak)"
    r"|i(?:'d| would) like (?:to (?:book|have|arrange|set up|organise|organize) )?"
    r"(?:a |an |the |some )?(?:[\w-]+ ){0,3}?(?:call|chat|consultation(?: call)?"
    r"|conversation|word)"
    r"|told me|[.!?,:-] (?:mum|mom|dad|mother|father) (?:has )?asked me"
)
"""What `_OWN` reads as the writer's own that a professional also says of
the call they ask for about someone ("could I book the free call to talk
about her?", "I'd like to arrange a call"), or of what the person or their
parent told them ("one of my customers has told me", "Mom asked me to reach
out first")."""
_OWN_TOO: Final = patterns.compile(
    r"\bi(?:'d| would) (?:like|love) to (?:talk|speak|offload)|\bi (?:think i )?"
    r"(?:should|need to|want to) (?:talk|speak)|\bi keep thinking|\bi can'?t stop"
    r" thinking|\bi can'?t switch off|\b(?:stayed|stuck|stays|sticks|keeps? coming"
    r" back) (?:with|to) me|\bhit me|\b(?:affected|upset|shaken|rattled|knocked) (?:me"
    r"|my)|\bi'?m (?:sadder|struggling|not sleeping|upset|shaken|finding it|dreading"
    r"|crying)|\bi cry\b|\bmyself\b|\b(?:you|your name|your details|your number) to"
    r" me\b|\bsuggested (?:i|that i|me)\b|\b(?:my|our) (?:\d{1,2}[- ]?(?:year[- ]old"
    r"|yo|y/o)|eldest|youngest|oldest|middle one|little one|teenager|kids?)\b"
    r"|\b[a-z]+'s (?:mum|mom|dad|gran\w*|grand\w+|aunt\w*|uncle|sister|brother"
    r"|step\w+)\b|\bas a (?:parent|mum|mom|dad|grandparent|friend|young carer)\b"
    r"|\b(?:girl|guy|boy|man|woman|lad|someone|person) (?:i'?m|i am|i'?ve been"
    r"|i have been) (?:seeing|dating|with)\b|\b(?:on|in|down) (?:our|my) (?:street"
    r"|road|close|village|building|estate|block)\b|\bneighbou?r"
    r"|\bfoster(?:ing| carers?| parents?| mum| dad| child| son| daughter"
    r"| placement| family| home| household)\b|\b(?:said|told me|thinks|thought)"
    r" (?:that )?i (?:should|could|might|need|ought)\b|\bkinship\b|\bspecial guardian|\badopt\w*|\b(?:we|i)"
    r" (?:foster|look after (?:my|our)|care for (?:my|our))\b|\b(?:i'?m|i am|im) a young carer\b"
    r"|\bhead (?:girl|boy)\b|\b(?:i'?m|i am|im) (?:in |a )?(?:year|yr) ?\d{1,2}\b"
    r"|\b(?:i'?m|i am|im) (?:a )?(?:student|pupil|sixth former) (?:at|in)\b"
    r"|\b(?:my|our) (?:lad|lass|boy|girl|eldest|youngest)\b|(?:^|[.!?;] )(?:mum|mom|dad"
    r"|gran|granny|grandma|grandad|grandpa|nan|nana|nanna)(?: is| has been|'s been"
    r"| was| has had| died| passed)\b"
    r"|\bretired\b|\bfamily friend\b|\bfrom (?:our|my|the) (?:church|chapel|mosque"
    r"|temple|synagogue|street|road)\b"
)
"""The writer's own beside `_OWN`: their own need to talk ("I'd like to talk
to someone about him", "her story has stayed with me", "I can't switch
off"), their own family ("our 15 year old", "Ruby's grandma", a foster or
kinship carer's, an adopter's), someone they are seeing, a neighbour, a
pupil writing for themselves ("I'm in year 10", "head girl")."""


def _own_beside_asking(flat: str) -> bool:
    """Whether the flattened mail says something of the writer's own
    (`_OWN`, `_OWN_TOO`) beyond asking for the call (`_ASKING_ONLY`)."""
    return bool(_OWN_TOO.search(flat)) or any(
        not _ASKING_ONLY.fullmatch(m.group(0)) for m in _OWN.finditer(flat)
    )


def speaks_of_their_own(subject: str, text: str) -> bool:
    """Whether the writer says something of their own beyond asking for the
    call: their own need or struggle, their own family, friend or neighbour
    ("our 16 year old", "I can't switch off", "my husband suggested I"). A
    mail the leave words weigh like a professional's is still someone's own
    asking when it says so (`classify`)."""
    return _own_beside_asking(_flat(subject, text))


@functools.lru_cache(maxsize=64)
def asks_about_someone_in_their_work(subject: str, text: str) -> bool:
    """Whether the writer names a role at work (`writer_role`, `_WORK_ROLE`,
    a signature's line), someone their work is with (`_WORKED_WITH`, or as
    a professional describes them: `_PERSON`, but never its "her GP",
    which is anyone's mum's), who
    seeks the help (`_SEEKS`), and nothing of the writer's own (`_OWN`,
    `_OWN_TOO`) but their asking for the call (`_ASKING_ONLY`)."""
    flat = _flat(subject, text)
    if _own_beside_asking(flat):
        return False
    if not (
        _WORKED_WITH.search(flat)
        or any(
            not m.group(0).startswith(("his ", "her ")) for m in _PERSON.finditer(flat)
        )
    ):
        return False
    if not _SEEKS.search(flat):
        return False
    return (
        writer_role(subject, text)
        or bool(_WORK_ROLE.search(flat))
        or _signed(text, _WORK_SIGNATURE)
    )
