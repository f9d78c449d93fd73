"""The leave words (`mailflow.reading.leave_words`): a learned reader of
mail that asks in a request's words but is the therapist's to answer (a
learning mentor's, a food bank's, an employer's scheme, a seller's). It
turns the robot's times into a note, only where nothing of risk was read
and the writer says nothing of their own, never for a form."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest
from support import bench_script

from mailflow.model import KNOWN_FORM_SENDERS, Verdict
from mailflow.reading import classify, leave_words, risk_words
from mailflow.reading.classify import RequestPolicy, classify_new
from mailflow.reading.parse import parse_mail

ROOT = Path(__file__).resolve().parents[1]

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)


def _learner() -> ModuleType:
    return bench_script("learn_risk", "learn_risk")


def _raw(
    subject: str, text: str, sender: str = "A Writer <writer@example.org>"
) -> bytes:
    return (
        f"From: {sender}\r\nTo: hello@riverside.example\r\nSubject: {subject}\r\n"
        "Message-ID: <lw@example.org>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    ).encode()


def _classify(
    subject: str, text: str, policy: RequestPolicy = POLICY
) -> classify.Classification:
    return classify_new(
        parse_mail(_raw(subject, text)),
        policy,
        contacts=frozenset(),
        owned_thread=False,
    )


def _without(subject: str, text: str) -> classify.Classification:
    with mock.patch.object(classify.leave_words, "heavy", return_value=False):
        return _classify(subject, text)


# Each asks in a request's words for someone in the writer's work or for a
# service, in words no phrase of the request book or the referral reader
# places: a different role, person and way of asking each.
THE_THERAPISTS = [
    (
        "pupil",
        "Hello, I'm the learning mentor at St Mary's. One of our Year 10 boys has"
        " been struggling since his dad left and mum has asked if we know anyone."
        " Do you see teenagers and what are your fees? Thanks, Kerry",
    ),
    (
        "Player",
        "Hi Sam, welfare officer at Riverside Rugby Club here. One of the U18 lads"
        " is having a rough time at home and his parents are keen for him to talk"
        " to someone. Do you see 17 year olds? Cheers, Gareth",
    ),
    (
        "Apprentice",
        "Hi, I manage the apprentices at Hartley Engineering. One of our lads has"
        " had a rough few months and has said he would like to talk to someone."
        " Could we arrange a call to discuss how it works and costs? Regards,"
        " Steve Blake, Apprenticeship Manager",
    ),
]


@pytest.mark.parametrize(("subject", "text"), THE_THERAPISTS)
def test_a_request_in_their_work_is_asked_about_not_answered(
    subject: str, text: str
) -> None:
    found = _classify(subject, text)
    assert (found.verdict, found.reason) == (Verdict.ASK, "leave-words")
    assert found.risk == "none"
    assert leave_words.heavy(f"{subject}\n{text}")
    # Without the leave words the robot answered them with times.
    assert _without(subject, text).verdict is Verdict.REQUEST


# People asking for themselves or someone close, many in the words of their
# work: a ward sister's, a head of year's, an HR manager's, a GP's, a police
# officer's, a counsellor's own therapy, an EAP run out, a care home
# manager's, a nurse's with her title, a parent who runs a business.
THEIR_OWN = [
    (
        "Burnout",
        "Hi Sam,\n\nI'm a ward sister at the Royal and I think the last two years"
        " have finally caught up with me. I'm not sleeping and I dread every"
        " shift. Could we have a quick chat about whether you could help?"
        " Evenings are best.\n\nThanks\nClaire\n\nClaire Dunn | Ward Sister |"
        " Ward 7\nRoyal County Hospital",
    ),
    (
        "Counselling for me",
        "Hello, I work as a secondary school teacher and a difficult safeguarding"
        " case this term has stayed with me. My head suggested I speak to someone"
        " privately. Are you taking on new clients? Kind regards, Mark Hughes,"
        " Head of Year 9",
    ),
    (
        "quick question",
        "hi - HR manager here but this is for me, not work. just been through a"
        " redundancy round and I'm not coping great. do you have space for"
        " someone in the evenings? Priya",
    ),
    (
        "Enquiry",
        "Dear Sam, I am a GP partner and would like to arrange a call about"
        " starting some therapy for myself. I'd prefer to keep this away from"
        " work so please use this address. Best, Dr A. Malik",
    ),
    (
        "therapy",
        "Good afternoon. I'm a police officer (12 years in) and my Fed rep gave"
        " me your name. Struggling since a job last month. Could we arrange a"
        " chat next week? Sgt Dave Collins",
    ),
    (
        "Own therapy",
        "Hi Sam, I'm a counsellor myself (BACP registered) and it's time I went"
        " back into my own therapy. Do you have space on a Thursday? Warmly, Ruth",
    ),
    (
        "EAP finished",
        "Hello, my employer's EAP gave me six sessions which have now finished"
        " and I'd like to carry on privately. What are your rates and do you have"
        " any daytime availability? Thanks, Tom Baxter, Senior Analyst, Example"
        " Ltd",
    ),
    (
        "Counselling enquiry",
        "Hi Sam, I'm a practice nurse at Riverside Surgery. I've been struggling"
        " a bit since my divorce and would like to book the free call for myself"
        " if possible. Thanks, Helen (Practice Nurse)",
    ),
    (
        "Call",
        "Hello, we run a small business so daytimes are tricky. Our 16 year old"
        " has asked to see someone about his anxiety. Could I book the free call"
        " to discuss him?",
    ),
]


@pytest.mark.parametrize(("subject", "text"), THEIR_OWN)
def test_their_own_asking_is_still_answered_with_times(subject: str, text: str) -> None:
    assert _classify(subject, text).verdict is Verdict.REQUEST


def test_the_parent_who_runs_a_business_is_kept_by_their_own_words() -> None:
    """Weighed heavy ("to discuss", "a small business", "has asked" once
    weighed like a referrer's), "our 16 year old" is theirs: answered."""
    subject, text = THEIR_OWN[-1]
    with mock.patch.object(classify.leave_words, "heavy", return_value=True):
        assert _classify(subject, text).verdict is Verdict.REQUEST
        with mock.patch.object(
            classify.referral, "speaks_of_their_own", return_value=False
        ):
            assert _classify(subject, text).reason == "leave-words"


def test_words_of_risk_keep_their_alert_not_a_note() -> None:
    """A mail the leave words weigh heavy that also speaks of possible risk
    keeps what it had: times with an alert, or its own note; never the plain
    leave-words note, which sends no alert."""
    subject, text = THE_THERAPISTS[0]
    risky = text.replace(
        "since his dad left", "since his dad left, and he cut himself last year"
    )
    with mock.patch.object(classify.leave_words, "heavy", return_value=True):
        found = _classify(subject, risky)
        assert _classify(subject, text).reason == "leave-words"
    assert found.reason != "leave-words"
    assert found.risk == "possible"


def test_a_form_is_never_weighed() -> None:
    """A website form's field names were never learned: its request is
    answered as before, whatever the leave words would say."""
    _, text = THE_THERAPISTS[0]
    form = (
        "You've got a new form submission on Riverside Counselling\n\n"
        "Name: Kerry Jones\nEmail: kerry.jones@example.org\n"
        f"Message: {text}\n\n---\nForm: contact\n"
    )
    policy = replace(POLICY, form_senders=KNOWN_FORM_SENDERS)
    raw = _raw(
        "[Netlify] New form submission from contact",
        form,
        "Netlify <formresponses@netlify.com>",
    )
    with mock.patch.object(classify.leave_words, "heavy", return_value=True):
        found = classify_new(
            parse_mail(raw), policy, contacts=frozenset(), owned_thread=False
        )
    assert (found.verdict, found.reason) == (Verdict.REQUEST, "form-request")
    assert found.person.email == "kerry.jones@example.org"


def test_only_a_request_is_weighed() -> None:
    """Mail the reading did not take as a request keeps its own reading: the
    leave words never turn silence or a crisis into a note."""
    with mock.patch.object(classify.leave_words, "heavy", return_value=True):
        left = _classify(
            "Invoice", "Hi Sam, invoice 2231 attached for November. Thanks, Jo"
        )
        crisis = _classify("help", "I took all my pills an hour ago and I want to die")
    assert left.verdict is Verdict.IGNORE
    assert crisis.verdict is Verdict.CRISIS


def test_the_threshold_is_where_it_turns() -> None:
    text = "pupil\nsomething"
    below = leave_words.THRESHOLD - 1e-9
    with mock.patch.object(leave_words, "chance", return_value=below):
        assert not leave_words.heavy(text)
    with mock.patch.object(leave_words, "chance", return_value=leave_words.THRESHOLD):
        assert leave_words.heavy(text)


def test_the_shipped_leave_words_are_what_the_corpus_teaches() -> None:
    learner = _learner()
    shipped = ROOT / "mailflow" / "reading" / leave_words.WEIGHTS_FILE
    assert shipped.read_text("utf-8") == learner.learned_leave_text(), (
        "edit of the corpus: run `make learn`"
    )
    weights = risk_words.shipped(leave_words.WEIGHTS_FILE)
    assert len(weights.words) > 1000
    assert weights != risk_words.shipped()


def test_the_leave_words_learn_no_held_out_set_nor_a_thread() -> None:
    """Learned from every first mail learned from, by its label: mail to
    leave against requests and safety questions; never a held-out set, nor
    the thread sets (replies, never read as a first mail), nor a crisis."""
    learner = _learner()
    sets = learner.leave_sets()
    assert sets
    for name, mails in sets.items():
        assert "held_out" not in name
        assert name not in learner.THREAD_SETS
        assert mails
    assert {len(sets)} == {len(set(sets))}
    assert "first_mail/who/in_their_work2.jsonl" in sets
    assert "first_mail/crisis.jsonl" in sets
    crises = [
        case
        for case in learner.understand.load(
            learner.understand.FIRST_MAIL, "crisis.jsonl"
        )
        if case.label in {"leave", "request", "safety"}
    ]
    assert len(sets["first_mail/crisis.jsonl"]) == len(crises)


# Enquiries the request book does not place (no asking phrase it knows), long
# enough to weigh, whose words weigh far from mail to leave: a fisherman's,
# a new father's, a first-year student's.
UNPLACED_ENQUIRIES = [
    (
        "Sundays",
        "Hi, I'm a fisherman and I'm on the boat most weeks. I've had a lot going"
        " on at home and the wife says I bottle things up. She's probably right."
        " Any chance of a call on a Sunday when we're in harbour? Cheers, Rob",
    ),
    (
        "new dad",
        "Hey Sam, twins arrived ten weeks ago and my partner and I are dead on"
        " our feet. Mostly it's fine, we're a good team, but I've been snapping"
        " at her and at work and I don't recognise myself. Evenings after eight"
        " are the only time I'd manage. Dan",
    ),
    (
        "exams",
        "Hi, I'm 19 and at uni, first year. Everything felt fine until Christmas"
        " and now I can't concentrate, can't sleep and keep skipping lectures. My"
        " mum found your website. Is it weird to email? I'm free most afternoons."
        " Priya",
    ),
]
# Long mail that names no purpose and is the therapist's own business: a
# friend's news, a neighbour's parcel, the landlord's gas check.
LEFT_ALONE = [
    (
        "Catching up",
        "Hi Sam! It's been ages. We finally moved into the new place in Leeds"
        " and the kids have settled into their school. Tom's started a new job"
        " at the council and is loving it. We must get a date in the diary for"
        " dinner when you're next up north. Love, Becky",
    ),
    (
        "Parcel",
        "Hi Sam, it's Ann from number 14. I've got a parcel for you, the courier"
        " left it with me this morning. I'm around all day tomorrow if you want"
        " to pop round, otherwise I'll leave it in your porch. Hope you had a"
        " lovely weekend. Ann",
    ),
    (
        "Landlord",
        "Hi Sam, just to let you know the gas safety check for the consulting"
        " room is booked for the 14th between 8 and 12. The engineer will need"
        " access to the boiler cupboard. Let me know if that's a problem and I"
        " can rearrange. Thanks, Martin (landlord)",
    ),
]


@pytest.mark.parametrize(("subject", "text"), UNPLACED_ENQUIRIES)
def test_an_enquiry_no_phrase_places_is_asked_about_not_left(
    subject: str, text: str
) -> None:
    found = _classify(subject, text)
    assert (found.verdict, found.reason) == (Verdict.ASK, "asking-words")
    with mock.patch.object(classify.leave_words, "reads_as_asking", return_value=False):
        left = _classify(subject, text)
    assert (left.verdict, left.reason) == (Verdict.IGNORE, "no-intent")


@pytest.mark.parametrize(("subject", "text"), LEFT_ALONE)
def test_long_mail_that_is_not_an_enquiry_stays_left_alone(
    subject: str, text: str
) -> None:
    assert not leave_words.reads_as_asking(classify.leave_weighed(subject, text))
    assert _classify(subject, text).verdict is Verdict.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "Help\nI'm locked out",
        "help me find my glasses",
        "someone",
        "im not ok paying upfront",
    ],
)
def test_a_short_mail_is_never_weighed_toward_asking(text: str) -> None:
    """Too few words to weigh (`ASKING_WORDS`): a short mail is the reaching
    reader's, whatever its words would weigh."""
    with mock.patch.object(leave_words, "chance", return_value=0.0):
        assert not leave_words.reads_as_asking(f"\n{text}")
        long = " ".join([text] * leave_words.ASKING_WORDS)
        assert leave_words.reads_as_asking(f"\n{long}")


def test_another_language_is_never_weighed() -> None:
    """Learned from English mail only: "Bonjour, j'aimerais réserver un appel"
    weighed like mail to leave. Neither point reads another language."""
    french = (
        "Bonjour\nBonjour, je m'appelle Hélène et j'aimerais réserver un appel"
        " découverte, de préférence le matin. Je suis libre tous les jours de la"
        " semaine, sauf le mercredi. Merci beaucoup et bonne journée."
    )
    for chance in (0.0, 1.0):
        with mock.patch.object(leave_words, "chance", return_value=chance):
            assert not leave_words.heavy(french)
            assert not leave_words.reads_as_asking(french)
    english = "Hello\n" + " ".join(["could we talk about counselling please"] * 4)
    with mock.patch.object(leave_words, "chance", return_value=1.0):
        assert leave_words.heavy(english)
    with mock.patch.object(leave_words, "chance", return_value=0.0):
        assert leave_words.reads_as_asking(english)


def test_what_is_weighed_is_the_writers_own_words() -> None:
    """Neither quoted lines nor what is forwarded below: a parent's "See below
    - can we book the free call for him?" above a school's letter."""
    text = (
        "See below - can we book the free call for him?\n\n"
        "---------- Forwarded message ---------\nFrom: Head of Year 9\n"
        "Subject: Jake\n\nDear parents, following our meeting we recommend"
        " counselling for Jake. Our pastoral lead can make a referral.\n"
    )
    assert classify.leave_weighed("Fwd: Jake", text) == (
        "Fwd: Jake\nSee below - can we book the free call for him?\n\n"
    )
    quoted = "Yes please.\n> One of our pupils needs a referral\n"
    assert classify.leave_weighed("Re: x", quoted) == "Re: x\nYes please.\n"


def test_each_point_is_where_it_turns() -> None:
    twenty = "\n" + " ".join(["word"] * leave_words.ASKING_WORDS)
    nineteen = "\n" + " ".join(["word"] * (leave_words.ASKING_WORDS - 1))
    with mock.patch.object(leave_words, "chance", return_value=leave_words.ASKING):
        assert leave_words.reads_as_asking(twenty)
        assert not leave_words.reads_as_asking(nineteen)
    with mock.patch.object(
        leave_words, "chance", return_value=leave_words.ASKING + 1e-9
    ):
        assert not leave_words.reads_as_asking(twenty)


def test_both_points_weigh_the_writers_own_words() -> None:
    """What `classify_new` hands the leave words is `leave_weighed`'s: not the
    letter they forward (a school's, in a professional's words)."""
    subject, text = UNPLACED_ENQUIRIES[0]
    forwarded = (
        f"{text}\n\n---------- Forwarded message ---------\nFrom: Head of Year\n\n"
        "One of our pupils would benefit from a referral to your service.\n"
    )
    seen: list[str] = []

    def asking(weighed: str) -> bool:
        seen.append(weighed)
        return False

    with mock.patch.object(classify.leave_words, "reads_as_asking", side_effect=asking):
        _classify(subject, forwarded)
    assert seen == [classify.leave_weighed(subject, forwarded)]
    assert "pupils" not in seen[0]
    seen.clear()
    professional, request = THE_THERAPISTS[0]
    with mock.patch.object(classify.leave_words, "heavy", side_effect=asking):
        _classify(professional, request + "\n> quoted: my own son needs help\n")
    assert len(seen) == 1
    assert seen[0].startswith(f"{professional}\n{request}")
    assert "my own son" not in seen[0]


def test_asking_words_are_never_for_a_form_nor_a_circular() -> None:
    subject, text = UNPLACED_ENQUIRIES[0]
    form = (
        "You've got a new form submission on Riverside Counselling\n\n"
        "Name: Rob Hale\nEmail: rob.hale@example.org\n"
        f"Message: {text}\n\n---\nForm: contact\n"
    )
    raw = _raw(
        "[Netlify] New form submission from contact",
        form,
        "Netlify <formresponses@netlify.com>",
    )
    policy = replace(POLICY, form_senders=KNOWN_FORM_SENDERS)
    many = (
        f"From: Rob <rob@example.org>\r\nTo: hello@riverside.example, a@example.org,"
        f" b@example.org, c@example.org\r\nSubject: {subject}\r\n"
        "Message-ID: <many@example.org>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    ).encode()
    with mock.patch.object(classify.leave_words, "reads_as_asking", return_value=True):
        by_form = classify_new(
            parse_mail(raw), policy, contacts=frozenset(), owned_thread=False
        )
        to_many = classify_new(
            parse_mail(many), POLICY, contacts=frozenset(), owned_thread=False
        )
        alone = _classify(subject, text)
    assert by_form.reason != "asking-words"
    assert (to_many.verdict, to_many.reason) == (Verdict.IGNORE, "no-intent")
    assert alone.reason == "asking-words"
