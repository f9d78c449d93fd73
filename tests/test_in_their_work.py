"""Tests for `referral.asks_about_someone_in_their_work` (stop 62): someone
writing in their work about a person it is with, who asks for the call in
everyday words ("could I book the free call to talk about him?"), is asked
about (the therapist answers them), never answered with the robot's times;
people asking for themselves or for their own family still get their times."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_referral import _classify  # the same writer and practice

from mailflow.model import Verdict
from mailflow.reading import classify, referral


def _classify_before(subject: str, text: str):  # type: ignore[no-untyped-def]
    """As the worker read it before this reader (and before the leave words,
    which ask about most of these too: `leave_words`)."""
    with (
        mock.patch.object(
            classify.referral, "asks_about_someone_in_their_work", return_value=False
        ),
        mock.patch.object(classify.leave_words, "heavy", return_value=False),
    ):
        return _classify(subject, text)


# Each a different role, way of naming the person and way of asking; the
# comment names the clues each relies on (role / whom / seeking).
IN_THEIR_WORK = [
    # "I'm a <role>" / "a lad I mentor" / "he's said he'd"
    (
        "counselling?",
        "Hi Sam, I'm a learning mentor at a secondary school. There's a lad I"
        " mentor, 14, whose grandad died over the summer and he's said he'd like"
        " to talk to someone outside school. Could I book a call to go through"
        " it? Thanks, Mo",
    ),
    # "I work in the <x> team at" / "one of our tenants" / "she has asked"
    (
        "Tenant",
        "Hello, I work in the tenancy sustainment team at Eastgate Homes. One of"
        " our tenants has been very low since a bereavement and she has asked"
        " for help finding counselling. Would you have a call with me about"
        " availability?\n\nKind regards\nPriya",
    ),
    # "<role> here" / "a year 8" / "mum is keen"
    (
        "Y8 pupil",
        "Hi Sam, pastoral manager here. A year 8 girl has been really anxious"
        " since moving schools and mum is keen for her to see someone. Could I"
        " book the free call to talk about her? Many thanks, Lou",
    ),
    # signature's role / "one of my mentees" / "consent given"
    (
        "Enquiry",
        "Good morning,\n\nOne of my mentees (20) would benefit from counselling"
        " around family estrangement; consent given to contact you. Do you have"
        " space in January, and could we talk first?\n\nBest wishes\nHelen"
        " Ward\nCareers Mentor, Brookside College",
    ),
    # "I'm the <role>" / "a resident we support" / "has agreed"
    (
        "Resident",
        "Hi, I'm the deputy manager of a supported living service. A resident we"
        " support (40s, learning disability) has agreed to us finding him a"
        " counsellor after his mum died. Could I have a chat with you about"
        " him?\n\nDeb",
    ),
    # "this is <name>, <role> at" / "a 13 y/o" / "her parents have asked"
    (
        "Question",
        "Hi, this is Carla, school nurse at Pinewood Middle. We have a 13 y/o"
        " whose parents have asked school to help find a therapist for"
        " anxiety. Can I book the free consultation to talk about her?",
    ),
    # "I'm an <role>" / "we're representing a" / "on her behalf"
    (
        "Client",
        "Dear Sam, I'm an immigration adviser. We're representing a young woman"
        " who would like counselling in English; I'm writing on her behalf."
        " Could I book the free call?\n\nAnna",
    ),
    # "I'm the <x>'s <role>" / "a gentleman I've been seeing" / "is happy for"
    (
        "",
        "Hi Sam, I'm the practice's social prescriber. A gentleman I've been"
        " seeing for loneliness would love to try counselling and is happy for"
        " me to get in touch. Can I book the free call for him?",
    ),
    # "I'm a <role>" / "a lady I visit" / "has asked me to help her find"
    (
        "",
        "Hello, I'm a hospital chaplain. A lady I visit on the ward has asked me"
        " to help her find a counsellor for after she goes home. I'd like to"
        " book a free call to talk about her.",
    ),
    # "I'm a <role>" / "one of my players" / "parents are on board"
    (
        "U14",
        "Hi, I'm a grassroots football coach and club welfare officer. One of my"
        " players has been struggling since his parents split, and his parents"
        " are on board with him seeing someone. Can we have a chat about him?",
    ),
]


NOT_THEIRS = [
    # a professional asking for themselves about their work
    (
        "Free call",
        "Hi, I'm a support worker and one of the men I supported died last"
        " month. I've been struggling since and I'd like to book the free call"
        " for myself please.",
    ),
    (
        "",
        "I'm a nurse. A patient I looked after for months died last week and she'd"
        " asked me to keep going with my studies. I've been struggling since."
        " Could I book a call?",
    ),
    (
        "",
        "Hi, I'm a youth worker. A lad I work with is doing brilliantly and he's"
        " said he'd love to be a counsellor one day, which made me think about my"
        " own therapy. I'd like to book the free call for myself.",
    ),
    (
        "enquiry",
        "Hello, I'm a ward manager and I think I need some support myself after"
        " a hard year. Could I book the free 15 minute call? Thanks, Julie",
    ),
    # a private person asking for their own family
    (
        "my son",
        "Hi, I'm a primary teacher but I'm writing as a mum. My son (15) has"
        " said he'd like to talk to someone. Could I book the free call to talk"
        " about him?",
    ),
    (
        "for my grandson",
        "Hello, I look after my grandson who is 12. He has asked to see someone"
        " about his mum. Could I book the free call for him?",
    ),
    (
        "For my stepson",
        "Hi, my stepson (13) has agreed to try counselling after his mum's"
        " illness. Could I book the free call to talk about him?",
    ),
    (
        "",
        "hi my best friend is struggling and she's said she'd talk to someone if"
        " I helped. can i book the free call for her? she's 19",
    ),
    # someone else's role, a parent's own job, a partner, a neighbour
    (
        "Call",
        "Hi, our 14 yo has been anxious for months. Her teacher at school"
        " suggested counselling and she's agreed to give it a go. Could I book a"
        " call to talk about her?",
    ),
    (
        "Call",
        "Hello, we run a small business so daytimes are tricky. Our 16 year old"
        " has asked to see someone about his anxiety. Could I book the free call"
        " to discuss him?",
    ),
    (
        "Call",
        "Hi, our 15 year old has been really anxious since moving schools and"
        " she's agreed to talk to someone. Could I book the free call to talk"
        " about her?\n\nThanks\nDavid Green\nSales Director | Acme Ltd",
    ),
    (
        "Call",
        "I'm a nurse. There's a girl I'm seeing and she's been really low, she"
        " said she'd like to talk to someone. Could I book a call for her?",
    ),
    (
        "Call",
        "I'm a retired headteacher. I've been visiting an elderly lady on our"
        " street since her husband passed and she's keen to talk to someone."
        " Could I book a call for her?",
    ),
    (
        "Call",
        "I'm a retired nurse and Ruby's grandma. Ruby (13) has been anxious and"
        " she's keen to talk to someone. Could I book a call about her?",
    ),
    # sent by a professional, writing for themselves
    (
        "Free call",
        "Hi, my social worker said I should get in touch. I'm 17 and I've been"
        " having a hard time. Could I book the free call?",
    ),
    # a plain request that names a job in passing
    (
        "Call",
        "Hello, I work in the finance team at the council and I'd like to book a"
        " free call please. Evenings suit me best. Thanks, Ravi",
    ),
]


# Private people and people in caring jobs asking for themselves, in the
# shapes a strict review (helper-310) found read as a professional's: a
# colleague is "someone I work with", a foster carer "looks after" a lad,
# a pupil is in "year 10", a nurse's own grief for a child on the ward.
NOT_THEIRS += [
    (
        "",
        "Hi, I'm a nurse. Someone I work with has been having a really hard time"
        " since her divorce and she's said she'd like to talk to someone. Could I"
        " book the free call for her? She's a bit shy to email.",
    ),
    (
        "",
        "I'm a carer with an agency. A lady I support died last week and it would"
        " help to talk about her with someone. Could I book the free call?",
    ),
    (
        "",
        "I'm a foster carer. The young lad we look after (15) has said he'd like"
        " to talk to someone about his birth family. Could I book a call to talk"
        " about him?",
    ),
    (
        "",
        "Hi, I'm a young carer and a year 10 at Hillcrest Academy. My head of year"
        " said she'd be happy for me to contact you. Could I book the free call?",
    ),
    (
        "",
        "Hi, I'm a nurse on the children's ward. A little girl on our ward died on"
        " Friday and her parents asked me to speak at the funeral. I can't switch"
        " off from it. Could I book the free call?",
    ),
    (
        "",
        "Hi, I'm a social worker. A family I work with made a complaint about me"
        " and they've asked for a new worker. It's knocked my confidence badly."
        " Could I book the free call please?",
    ),
]


@pytest.mark.parametrize(("subject", "text"), IN_THEIR_WORK)
def test_someone_in_their_work_is_the_therapists_to_answer(
    subject: str, text: str
) -> None:
    assert referral.asks_about_someone_in_their_work(subject, text)
    found = _classify(subject, text)
    assert (found.verdict, found.reason) == (Verdict.ASK, "referral")
    # Without the reader, the robot answered them with times.
    assert _classify_before(subject, text).verdict is Verdict.REQUEST


@pytest.mark.parametrize(("subject", "text"), NOT_THEIRS)
def test_their_own_asking_is_answered_with_times(subject: str, text: str) -> None:
    assert not referral.asks_about_someone_in_their_work(subject, text)
    assert _classify(subject, text).verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        # role and whom, nobody seeking
        (
            "I'm a youth worker. A lad I work with plays in our band. Could I"
            " book the free call?",
            "seeking",
        ),
        # whom and seeking, no role
        (
            "A lad I know has said he'd like to talk to someone. Could I book the"
            " free call about him?",
            "role",
        ),
        # role and seeking, no one their work is with
        (
            "I'm a youth worker. He's said he'd like to talk to someone. Could I"
            " book the free call?",
            "whom",
        ),
    ],
)
def test_each_of_the_three_alone_is_not_enough(text: str, missing: str) -> None:
    assert not referral.asks_about_someone_in_their_work("", text), missing


def test_risk_read_keeps_its_answer_whatever_the_shape() -> None:
    """Clear risk in the same shape is answered as before (the safety
    message and an alert): the reader only turns a plain request into a
    question."""
    subject, text = (
        "young person",
        "Hi, I'm a youth worker. A lad I work with, 16, told me he doesn't want"
        " to be here anymore and he's said he'd like to talk to someone. Could I"
        " book a call about him?",
    )
    assert referral.asks_about_someone_in_their_work(subject, text)
    found = _classify(subject, text)
    assert (found.verdict, found.risk) == (Verdict.REQUEST, "clear")


def test_the_asking_forms_are_set_aside_only_for_the_call() -> None:
    """'Could I book', 'I'd like to arrange a call': what a professional
    says of the call they ask for. 'I'd like some counselling' is still the
    writer's own."""
    base = (
        "I'm a youth worker. A lad I work with has said he'd like to talk to someone. "
    )
    assert referral.asks_about_someone_in_their_work(
        "", base + "I'd like to arrange a call."
    )
    assert not referral.asks_about_someone_in_their_work(
        "", base + "I'd like some counselling too."
    )
    assert not referral.asks_about_someone_in_their_work(
        "", base + "I'd like to start therapy myself."
    )


def test_seeing_a_therapist_is_not_someone_their_work_is_with() -> None:
    text = (
        "I'm a teacher and I've been seeing a counsellor at work; she said she'd"
        " recommend you. Could I book a call?"
    )
    assert not referral.asks_about_someone_in_their_work("", text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_reads_without_error(text: str) -> None:
    assert referral.asks_about_someone_in_their_work(text[:40], text) in (
        True,
        False,
    )


def test_a_long_mail_is_read_only_so_far() -> None:
    head = IN_THEIR_WORK[0][1]
    assert referral.asks_about_someone_in_their_work("", head)
    assert not referral.asks_about_someone_in_their_work(
        "", "x " * referral.MAX_CHARS + head
    )


# Words of their work beside their own asking: before stop 62 such mail was
# left alone as a colleague's or a referral's ("professional-referral" twice
# outweighed their asking), and nobody answered them. Now the therapist is
# asked ("own-need").
OWN_NEED = [
    (
        "",
        "I'm a teacher and one of my pupils has said she'd like to see the school"
        " counsellor, which has brought up my own childhood. Could I book the"
        " free call for myself?",
    ),
    (
        "Therapy for me",
        "Hello, I'm a school counsellor and I see a lot of teenagers on my"
        " caseload. My supervisor and I agree I need my own therapy again after"
        " a difficult year; I'd like to start counselling with someone outside"
        " my network. Do you have availability?",
    ),
    (
        "Own therapy",
        "Hi, I'm a counsellor in private practice and I also supervise two"
        " trainees. I'd like to start my own therapy again, my dad died in the"
        " spring. Could you let me know your availability?",
    ),
]


@pytest.mark.parametrize(("subject", "text"), OWN_NEED)
def test_their_own_asking_beside_their_work_is_never_left_alone(
    subject: str, text: str
) -> None:
    found = _classify(subject, text)
    assert (found.verdict, found.reason) == (Verdict.ASK, "own-need")
    voice = classify.read_voice(subject, text)
    # Weighed as before, the words of their work left it unseen.
    assert classify._weigh(voice.seeking, voice.not_ours) is Verdict.IGNORE


def test_work_words_without_their_own_asking_are_left_as_before() -> None:
    subject, text = (
        "Referral",
        "Hello, I'm a school counsellor and I see a lot of teenagers on my"
        " caseload. I'd like to refer one of my students to you for therapy."
        " Do you have availability?",
    )
    assert _classify(subject, text).reason != "own-need"


_ROLE_AND_WHOM = "I'm a youth worker. A lad I work with is 15. "


@pytest.mark.parametrize(
    "seeks",
    [
        "He's said he'd like to talk to someone.",
        "He's keen to see someone.",
        "He'd like counselling.",
        "He wants to talk to someone.",
        "Could I help him find a counsellor?",
        "Could I have a chat with you about him?",
        "I'm writing on his behalf.",
        "He has asked me to help find a counsellor.",
        "He asked if we could help.",
        "He has now agreed to us contacting you.",
        "He's agreed I can ask around.",
        "Consent given.",
        "He has been asking to talk to someone.",
        "His mum has asked me to find someone.",
        "Parents are on board with him seeing someone.",
        "Mum wants to pay.",
        "Parents have asked me to look into it.",
        "Could I book a call to discuss a pupil?",
        "Could we talk about J (15)?",
    ],
)
def test_each_way_of_seeking_the_help(seeks: str) -> None:
    text = _ROLE_AND_WHOM + seeks + " Could I book the free call?"
    assert referral.asks_about_someone_in_their_work("", text)
    assert not referral.asks_about_someone_in_their_work(
        "", _ROLE_AND_WHOM + "Could I book the free call?"
    )


@pytest.mark.parametrize(
    "wish",
    [
        "He said he'd like me to be at his hospital appointments.",
        "His parents asked me to speak at the assembly.",
        "He'd like to keep in touch after he leaves.",
        "He's happy with his new flat.",
    ],
)
def test_a_wish_for_something_else_is_not_seeking_the_help(wish: str) -> None:
    assert not referral.asks_about_someone_in_their_work(
        "", _ROLE_AND_WHOM + wish + " Could I book the free call?"
    )


@pytest.mark.parametrize(
    "own",
    [
        "I'd like to talk to someone about him too.",
        "I think I should speak to someone.",
        "I keep thinking about him.",
        "I can't stop thinking about it.",
        "I can't switch off.",
        "It has stayed with me.",
        "It hit me hard.",
        "It has affected me.",
        "I'm struggling.",
        "I cry in the car.",
        "A friend passed your name to me.",
        "My manager suggested I get in touch.",
        "Our 15 year old is fine.",
        "I'm Tom's mum.",
        "I'm writing as a parent.",
        "There's a girl I'm seeing too.",
        "He lives on our street.",
        "He's our foster son.",
        "We are kinship carers.",
        "I'm a special guardian.",
        "We adopted him.",
        "I'm a young carer.",
        "I'm head girl.",
        "I'm in year 10.",
        "I'm a student at the college.",
    ],
)
def test_each_of_the_writers_own_words_makes_it_theirs(own: str) -> None:
    base = (
        "I'm a youth worker. A lad I work with has said he'd like to talk to"
        " someone. Could I book the free call? "
    )
    assert referral.asks_about_someone_in_their_work("", base)
    assert not referral.asks_about_someone_in_their_work("", base + own)


def test_possible_risk_keeps_its_times_and_alert() -> None:
    """Possible risk (a refusal of what keeps him alive beside death
    accepted) keeps times with an alert and the person's safety message:
    the reader is asked only where the screen read no risk at all."""
    subject, text = (
        "",
        "I'm a support worker. A man I support, 60, has stopped taking his"
        " insulin and says he's fine with dying. He'd like to talk to someone."
        " Could I book a call about him?",
    )
    assert referral.asks_about_someone_in_their_work(subject, text)
    found = _classify(subject, text)
    assert (found.verdict, found.risk) == (Verdict.REQUEST, "possible")


def test_their_own_asking_never_takes_a_notes_urgency() -> None:
    """Someone in their work telling of a person's goodbye, who asks for
    therapy for themselves too: the urgent note the risk words give it
    (`care-weighed`) stands; `own-need` only ever turns silence into a
    note."""
    subject, text = (
        "",
        "Hi, I'm a head of year at Oakfield. One of my pupils, Jamie, sent me a"
        " message late last night saying goodbye and thanking me for everything."
        " He's not in school today and his mum can't reach him; the police are"
        " looking. It's the third of my pupils in crisis this term and I'd like"
        " some counselling.",
    )
    found = _classify(subject, text)
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.ASK,
        "care-weighed",
        "possible",
    )


@pytest.mark.parametrize(
    "text",
    [
        # their own therapy only mentioned
        "Hello, I'm a counselling student looking for a placement. I'm in my own"
        " personal therapy weekly, as the course requires, and I have a DBS. Do"
        " you take placement students?",
        # "for me to" is a task, not therapy for them
        "Hello, I'm a GP and I'd like to refer a patient for counselling. She'd"
        " like appointments in the evening. Sessions for me to arrange? Thanks,"
        " Dr Patel",
        # a quoted wish in a newsletter
        "Riverside Therapists Network newsletter. This month: referrals,"
        " supervision, and self-care. Member story: 'I'd love to start therapy"
        " again, says Jo, after a year of heavy caseloads.' Events for members.",
    ],
)
def test_work_mail_that_only_mentions_therapy_is_not_their_own_asking(
    text: str,
) -> None:
    assert _classify("", text).reason != "own-need"


# helper-311's private people: a nurse's mum and her GP, a teacher's own lad,
# a church friend, a neighbour visited, a family friend helped, a retired
# nurse at the food bank. "Her GP" is anyone's mum's; "a lady I visit" a
# neighbour's as often as a chaplain's.
@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm a nurse. Mum has been really low since Dad died; her GP suggested"
        " counselling and she's said she'd like to talk to someone. Could I book"
        " the free call for her?",
        "Hi, I'm a teacher. My lad (14) has been really anxious; his GP thinks"
        " counselling would help and he's said he'd like to try. Could I book the"
        " free call?",
        "I'm a retired teacher and I visit a lady from our chapel every week."
        " She's said she'd like to talk to someone. Could I book a call for her?",
        "Hi, I'm a social worker. We've been helping a family friend, 16, since her"
        " mum went into hospital, and she's said she'd like counselling. Could I"
        " book the free call?",
        "Hi, I'm a teaching assistant by day. We're a foster family and a young lad"
        " we look after, 14, has said he'd like to talk to someone. His social"
        " worker is on board. Could I book the free call?",
        "Hi, I'm a teacher. A girl in my class lost her dad and watching her"
        " grieve has brought back my own loss; my head of year noticed and she"
        " said I should try counselling. Could I book the free call?",
    ],
)
def test_a_private_persons_own_are_not_someone_in_their_work(text: str) -> None:
    assert not referral.asks_about_someone_in_their_work("", text)
    assert _classify("", text).verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    "text",
    [
        # a room, a group, resources, a service: not therapy for them
        "Hello, I'm a counsellor and supervisor. I'd like to book my own sessions"
        " room at your practice for my clients on Fridays. Do you rent rooms?",
        "Dear Sam, I'm a psychotherapist. I'd like some therapy-informed"
        " resources for my clients - do you sell your worksheets?",
        "Hello, I'm the HR manager at Brook Ltd. I would like counselling to be"
        " available to our staff team; could you send your corporate rates?",
        "Hi, I'm a trainee counsellor. Is there any help for me as a trainee to"
        " find a placement? My college refers us to local services.",
    ],
)
def test_a_room_a_group_or_a_service_is_not_their_own_asking(text: str) -> None:
    assert _classify("", text).reason != "own-need"
