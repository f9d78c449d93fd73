"""Tests for mailflow.reading.classify: automated mail, crisis words, the request verdict."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SHARED_FIXTURES, shared_files

from mailflow.model import (
    KNOWN_FORM_SENDERS,
    Classification,
    DayPart,
    InboundMail,
    Person,
    Preference,
    Verdict,
)
from mailflow.reading import plea
from mailflow.reading.classify import (
    RequestPolicy,
    classify_new,
    is_automated,
    mentions_crisis,
    read_voice,
)
from mailflow.reading.parse import ParseError, parse_mail

FIXTURES = SHARED_FIXTURES

POLICY = RequestPolicy(
    practice_email="Hello@Riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
    form_senders=("forms@formservice.example", "@wpforms.example"),
)

REQUEST_TEXT = (
    "Hi Sam,\n\nI'd like to book a free consultation call. I'm free Tuesdays "
    "after 5.\nMy number is 07700 900123.\n\nJordan"
)

OTHERS_QUOTE = (
    REQUEST_TEXT + "\n\nOn Mon, 23 Nov 2026, Alex Park <alex@example.net> wrote:\n> hi"
)


KNOWN_REASONS = {
    "owned-thread", "calendar", "own-mail", "report", "auto-submitted", "precedence",
    "mailing-list", "null-return-path", "system-sender", "autoreply-header",
    "auto-response-suppress", "inbox-rule", "vacation", "autoreply-subject",
    "bounce-subject", "no-sender", "from-practice", "foreign-thread",
    "form-without-address", "person-is-practice", "person-is-no-reply",
    "existing-contact", "no-intent", "request", "form-request", "form-unconfigured", "form-crisis", "form-danger", "form-weighed", "form-from-practice", "crisis", "calendar-crisis", "thread-crisis", "thread-danger", "thread-risk", "client-danger", "unsure-risk", "risk-words", "care-danger", "care-risk", "care-weighed", "own-danger", "client", "client-of-yours", "leave-words", "asking-words",
    "colleague", "professional-referral", "marketing", "notification", "job",
    "returning", "personal", "own-need",
}  # fmt: skip


def _fixture_files(folder: str) -> list[Path]:
    """Files of one shared fixture folder; empty (so the tests skip) when absent,
    a failure under CI."""
    return shared_files(folder)


def _inbound(**fields: object) -> InboundMail:
    base = InboundMail(
        message_id="<abc@example.org>",
        subject="Enquiry",
        from_addr="jordan@example.org",
        from_name="Jordan Lee",
        to=("hello@riverside.example",),
        text=REQUEST_TEXT,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def _classify(
    mail: InboundMail,
    policy: RequestPolicy = POLICY,
    contacts: frozenset[str] = frozenset(),
    *,
    owned_thread: bool = False,
) -> Classification:
    return classify_new(mail, policy, contacts=contacts, owned_thread=owned_thread)


# --- the request -------------------------------------------------------------


def test_classify_new_request_with_person_phone_and_preference() -> None:
    result = _classify(_inbound())
    assert (result.verdict, result.reason, result.crisis) == (
        Verdict.REQUEST,
        "request",
        False,
    )
    assert result.person == Person(
        email="jordan@example.org",
        name="Jordan Lee",
        phone="+447700900123",
        preference=Preference(weekdays=frozenset({1}), earliest=time(17)),
    )


def test_classify_new_from_a_real_parsed_mail() -> None:
    raw = (
        b"From: Jordan Lee <Jordan@Example.org>\n"
        b"To: hello@riverside.example\n"
        b"Subject: Free 15-minute call?\n"
        b"Message-ID: <m1@example.org>\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        b"<p>Hello,</p><p>Could we arrange a call? Mornings are best.</p>"
    )
    result = _classify(parse_mail(raw))
    assert result.verdict is Verdict.REQUEST
    assert result.person is not None
    assert result.person.email == "jordan@example.org"
    assert result.person.phone is None
    assert result.person.preference.day_parts == frozenset({DayPart.MORNING})


def test_classify_new_a_reply_to_elsewhere_is_never_written_to() -> None:
    # A stranger must not make the practice write to an address they typed
    # (#14): the writer is answered, at the address they wrote from.
    result = _classify(
        _inbound(reply_to=("jordan.home@example.net",), reply_to_name="Liar")
    )
    assert result.person is not None
    assert result.person.email == "jordan@example.org"
    assert result.person.name != "Liar"


def test_classify_new_a_reply_to_of_their_own_mailbox_is_theirs() -> None:
    result = _classify(_inbound(reply_to=("Jordan+replies@Example.org",)))
    assert result.person is not None
    assert result.person.email == "Jordan+replies@Example.org"


def test_classify_new_name_that_is_an_address_is_dropped() -> None:
    result = _classify(_inbound(from_name="jordan@example.org"))
    assert result.person is not None
    assert result.person.name == ""


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Hello", "Do you have any availability for a new client?"),
        ("Hello", "I'm looking for a therapist for anxiety."),
        ("Hello", "I would like to book an appointment please"),
        ("Hello", "I'd like to book a 15-minute call."),
        ("Hello", "Could we have a chat about starting therapy?"),
        ("Hello", "I need someone to talk to."),
        ("Couples counselling", "Hi, my partner and I are struggling."),
        ("Therapy?", "Hi, is this something you could help with?"),
        ("Hi", "i'm   interested\nin   counselling"),
    ],
)
def test_classify_new_booking_intent(subject: str, text: str) -> None:
    result = _classify(_inbound(subject=subject, text=text))
    assert (result.verdict, result.reason) == (Verdict.REQUEST, "request")


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Partnership", "We help therapy practices grow. Reply for a demo."),
        ("Question", "Do you know a good plumber?"),
        ("Hello", "> I'd like to book a free consultation\nthat was my friend, sorry"),
        (
            "Hello",
            "I read a book a while ago about sessions of therapy, it was long and I didn't finish it either way, but thanks for the recommendation last spring at the conference we both went to with the others from the group.",
        ),
        ("", ""),
    ],
)
def test_classify_new_without_intent_is_not_answered(subject: str, text: str) -> None:
    result = _classify(_inbound(subject=subject, text=text))
    assert result.verdict is Verdict.IGNORE
    assert result.person is None


def test_a_strangers_thanks_with_one_vendor_word_is_read_by_the_therapist() -> None:
    """A known cost (2026-12-05): one clue of a professional, a vendor or
    personal mail ("podcast", "Dear all") no longer spares a mail the risk
    words, since crises with one such clue were left with nobody told. This
    thank-you weighs like a farewell (0.63), so the therapist reads it first;
    the writer is still sent nothing."""
    result = _classify(
        _inbound(
            subject="Hello", text="Just wanted to say thanks for the podcast episode."
        )
    )
    assert (result.verdict, result.reason) == (Verdict.ASK, "risk-words")


@pytest.mark.parametrize(
    "deadline",
    [
        "My deadline is Friday.",
        "My deadline is in two hours, sorry for the rush.",
        "My deadline is Thurs.",
        "Deadline is ASAP I'm afraid.",
        "My deadline's first thing tomorrow.",
        "Our deadline is 5pm.",
    ],
)
def test_a_journalist_is_known_by_the_press_not_by_a_deadline(deadline: str) -> None:
    """A deadline alone says nothing (people in distress name theirs too);
    the press cues around it do."""
    text = (
        "Hi, I'm a freelance journalist writing a piece on burnout for a national"
        " newspaper and would love some expert comment from a counsellor."
        f" Could we have a quick chat on the phone? {deadline}"
    )
    result = _classify(_inbound(subject="Media request", text=text))
    assert result.verdict is not Verdict.REQUEST
    assert result.reason == "marketing"


@pytest.mark.parametrize(
    "text",
    [
        "The deadline is killing me this quarter. I'd like to work on how I"
        " handle pressure. Could we have a chat about starting therapy?",
        "My deadline is looming and I can't sleep. I'm looking for a therapist"
        " for anxiety.",
        "Our deadline is stressing everyone out and I've started having panic"
        " attacks. Do you have any availability for a new client?",
        "the deadline is all I think about. i need someone to talk to.",
        "My deadline is tomorrow and I haven't slept in three days. I really"
        " need to talk to someone.",
        "my deadline is today and ive had a breakdown, can someone call me."
        " i'm looking for a therapist",
        "My deadline is 2 weeks away and I'm already falling apart. Could I book"
        " a free call?",
        "My deadline is on my mind day and night. I think I need therapy.",
    ],
)
def test_a_deadline_that_weighs_on_someone_asking_for_help_is_a_request(
    text: str,
) -> None:
    """Work pressure in the person's own words is why they write: a deadline,
    even one with a day, is no sign of the press."""
    result = _classify(_inbound(subject="Therapy for work stress", text=text))
    assert (result.verdict, result.reason) == (Verdict.REQUEST, "request")


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("hello", "hi, is this still Dr Patel's email?"),
        ("", "Can you call me? 07700 900877"),
        ("thursday", "is thursday still ok?"),
        ("Consultation", "Hi"),
        ("CONSULTATION", "Hi"),
    ],
)
def test_classify_new_short_mail_without_a_purpose_asks_the_therapist(
    subject: str, text: str
) -> None:
    result = _classify(_inbound(subject=subject, text=text))
    assert (result.verdict, result.reason) == (Verdict.ASK, "no-intent")
    assert result.person is not None


@pytest.mark.parametrize(
    "text",
    [
        "I need to cancel my appointment tomorrow, can we book a call instead?",
        "Can we reschedule our session? I'd like to book a call.",
        "Thanks for today. Could I book a session for next week?",
        "Please send the invoice for my last session, and book a call.",
        "As discussed last week, I'd like to book a call.",
    ],
)
def test_classify_new_existing_client_cues_are_left_for_the_human(text: str) -> None:
    result = _classify(_inbound(text=text))
    assert result.verdict is not Verdict.REQUEST
    assert result.reason == "client"


# Someone else telling of the therapist's own client, in the shapes people
# use, each asking for a call in words a request also uses.
ABOUT_THEIR_CLIENT = [
    "I'm a detective with the fraud unit. One of your clients may be able to"
    " help with an enquiry. Could I book a free call with you this week?",
    "Hi, I'm the safeguarding lead at St Anne's. Leon in year 10 has been having"
    " sessions with you since the spring and mum has consented to us talking."
    " Could I book in a quick 15 minute chat next week?",
    "hi I'd like to book one of your free 15 minute calls please. my wife has"
    " been coming to you for about two months and I'd like to understand how I"
    " can support her at home. evenings are best",
    "Hello Sam, regarding your client Mr D Hollis: he is happy for us to speak."
    " Could I book a 15 minute call next week? Kind regards, Adult Safeguarding",
    "Saw on your site you do free calls, could I book one? Tom, who works for me,"
    " is a client of yours and is fine with me getting in touch. Any afternoon.",
    "I understand you are working with her at the moment. Could we arrange a"
    " call to talk about her return to work plan? Thanks, HR",
    "I understand she has been coming to see you. She asked me to get in touch."
    " Could we have a quick chat about the next steps? Best, Dan (her brother)",
    # the professional's own words beside it ("I've been having trouble
    # reaching you", "help me with my enquiry", "suggest a time") do not
    # make it their own enquiry
    "I'm a detective constable. One of your clients may be able to assist an"
    " investigation. I've been having trouble reaching you by phone. Could I"
    " book a free call?",
    "Hello, I'm DS Pryor. I'm hoping you can help me with my enquiry regarding"
    " your client Mr Hollis. Could I book a 15 minute call?",
    "Hello Sam, regarding your client Mr D Hollis: could you suggest a time for"
    " a 15 minute call next week? Kind regards, Adult Safeguarding",
    "Your client Ms Kerr gave me your address. I'm a detective and would like"
    " to book a free call this week.",
    "I'm writing about your client Jane Smith. Could I book a 15 minute call"
    " next week? DC Frost",
]


@pytest.mark.parametrize("text", ABOUT_THEIR_CLIENT)
def test_someone_writing_about_the_therapists_client_gets_no_times(text: str) -> None:
    result = _classify(_inbound(subject="Call?", text=text))
    assert (result.verdict, result.reason) == (Verdict.ASK, "client-of-yours")


@pytest.mark.parametrize(
    "text",
    [
        # recommended by a client, before or after the mention of them
        "My friend is one of your clients and recommended you. Could I book a"
        " free call? I've been struggling with anxiety since the baby.",
        "I was recommended to you by a colleague who is a client of yours. I'd"
        " like to book the free consultation, mornings are best.",
        "A lady at my church said her daughter was one of your clients and found"
        " you very kind. Would you see my grandson? He's 19 and has agreed.",
        "My sister saw you last year and speaks so highly of you. I'd like to"
        " book a free call for myself, I've been low since my divorce.",
        # a client to be, not one already
        "I'd really like to become one of your clients. Could I book a free"
        " call? Evenings suit me best.",
        # clients in general, or the writer's own
        "Do your clients usually have sessions online? I'd like to book a free"
        " call to talk about starting therapy for my anxiety.",
        "Do you see clients in the evenings? I'd like to book a free call, I"
        " work shifts at the hospital.",
        "Could I book the free 15 minute call? I want to know what your client"
        " base is like before I start, I'm 19 and autistic.",
        # the shapes a strict review found the first version reading as
        # someone else's client
        "Hi, I saw you on Psychology Today and would like to book a free 15"
        " minute call. I've had anxiety for a while.",
        "I saw you on Instagram last week. Could I book a free call?",
        "I'd love to become a client of yours. Could I book the free call?",
        "What would I need to do as your client? I'd like to book a free call.",
        "I've read your client agreement and I'd like to book a free call.",
        "Thank you for your patient reply on the phone. I'd like to book a free"
        " call for my anxiety.",
        "Regarding your clients, do you work with teenagers? I'd like to book a"
        " free call for my son.",
        "I believe you are working with my employer's wellbeing scheme. Could I"
        " book a free call?",
        "My friend is one of your clients. She recommended you, and I'd like to"
        " book the free call.",
        "My sister has seen you on and off over the years. I'd like to book a"
        " free call for myself.",
        "My wife had been having sessions with you before we split up last"
        " year. I'd like to book a free call about my own anxiety.",
        "Are your clients mostly adults? I'd like to book a free call.",
        "I had a question about your client intake form, and I'd like to book a"
        " free call next week.",
        "I saw you last week on the local news. Could I book a free call?",
        "One of your clients told me about you. Could I book a free call?",
        "I was once a client of yours, years ago. Could I book a free call?",
        "My husband isn't a client of yours, but I'd like to book a free call.",
        # someone close to a client asking for therapy of their own
        "My sister is a client of yours. I'd like some counselling of my own,"
        " nothing to do with her. Could I book a free call?",
        "My wife has been coming to see you since the summer. Would you see us"
        " as a couple too? Could we book a free call?",
        "Hiya, my cousin's been going to see you and said you're lovely. Can I"
        " book a free call? I have OCD.",
    ],
)
def test_an_enquiry_that_mentions_clients_is_still_answered(text: str) -> None:
    result = _classify(_inbound(subject="Free call", text=text))
    assert result.verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # asks for nothing, words near risk: the note, as without the reader
        (
            "Hi, my partner is one of your clients. He's been so low and hopeless"
            " lately and I'm frightened for him. Please ring me.",
            Verdict.ASK,
        ),
        # danger told now beside a request: the answer it had, never a note
        (
            "Hi, my wife has been having sessions with you. She had a load of her"
            " pills with wine tonight. Could I book a call please?",
            None,
        ),
    ],
)
def test_their_client_named_changes_nothing_but_a_plain_request(
    text: str, expected: Verdict | None
) -> None:
    """Only a plain request (no risk, no alert) is asked about for telling of
    the therapist's client; every other reading is what it was without it
    (the first version left a partner's worry unseen and took a husband's
    safety message away)."""
    from unittest import mock

    from mailflow.reading.phrases import phrases

    mail = _inbound(subject="", text=text)
    now = _classify(mail)
    book = phrases()
    blind = replace(book.request, their_client=re.compile("(?!)"))
    with mock.patch.dict(
        "mailflow.reading.phrases._BOOKS", {"en": replace(book, request=blind)}
    ):
        without = _classify(mail)
    assert now == without
    if expected is not None:
        assert now.verdict is expected


def test_mail_about_their_client_without_asking_is_left_alone() -> None:
    text = (
        "Dear Sam, further to our call, your client was located late last night"
        " and is safe and well at home. No further action. Regards, DS Whitby"
    )
    result = _classify(_inbound(subject="Re: your client", text=text))
    assert result.verdict is Verdict.IGNORE


def test_classify_new_the_practices_own_phrases_count_as_asking() -> None:
    policy = replace(POLICY, intent_phrases=("rendez-vous",))
    mail = _inbound(subject="Bonjour", text="Je voudrais un rendez-vous, merci.")
    assert _classify(mail).verdict is not Verdict.REQUEST
    assert _classify(mail, policy).verdict is Verdict.REQUEST


# --- crisis ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I have been feeling suicidal",
        "Sometimes I want to end my life",
        "I don't want to live any more",
        "I don\u2019t want to be alive",  # typographic apostrophe
        "I dont want to live",
        "I've been self-harming again",
        "I have been self harming",
        "selfharm",
        "I'm SCARED and not safe at home",
        "I took an overdose on Friday",
        "I just can't go on",
        "I keep thinking about killing myself",
    ],
)
def test_mentions_crisis(text: str) -> None:
    assert mentions_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I'd like to book a free consultation",
        "the safety of my kids",
        "I feel overwhelmed",
        "my wantto diet plan",
        "unsafely parked",
        "dangerous dogs",
    ],
)
def test_mentions_crisis_is_word_bounded(text: str) -> None:
    assert not mentions_crisis(text)


def test_mentions_crisis_extra_phrases() -> None:
    assert not mentions_crisis("ich will nicht mehr leben")
    assert mentions_crisis("ich will nicht mehr leben", ["nicht mehr leben"])
    assert mentions_crisis("x", [" ", ""]) is False


def test_classify_new_flags_crisis_in_subject_or_text() -> None:
    result = _classify(_inbound(text="I want to book a call. I feel suicidal."))
    assert (result.verdict, result.crisis) == (Verdict.REQUEST, True)
    result = _classify(_inbound(subject="Consultation - I don't feel safe at home"))
    assert result.crisis
    policy = replace(POLICY, crisis_phrases=("hopeless",))
    assert _classify(_inbound(text="Book a call? I feel hopeless"), policy).crisis


def test_classify_new_crisis_that_asks_for_nothing_still_reaches_the_therapist() -> (
    None
):
    result = _classify(_inbound(subject="help", text="I want to die"))
    assert (result.verdict, result.reason, result.crisis) == (
        Verdict.CRISIS,
        "crisis",
        True,
    )
    assert result.person is not None
    known = _classify(
        _inbound(subject="help", text="I want to die"),
        contacts=frozenset({"jordan@example.org"}),
    )
    assert (known.verdict, known.existing) == (Verdict.CRISIS, True)


def test_classify_new_a_professional_writing_about_risk_is_not_a_crisis() -> None:
    text = (
        "Dear colleague, I would be grateful if you could see this patient of mine. "
        "She has a history of self-harm and an overdose in 2019. DOB 01/02/1990. "
        "Dr A Khan, GP at Riverside Surgery"
    )
    assert _classify(_inbound(subject="Referral", text=text)).verdict is Verdict.IGNORE


# --- not a new request -------------------------------------------------------


def test_classify_new_owned_thread_and_calendar_come_first() -> None:
    assert _classify(_inbound(), owned_thread=True).reason == "owned-thread"
    assert _classify(_inbound(has_calendar=True)).reason == "calendar"
    assert _classify(_inbound(calendar_method="REPLY")).reason == "calendar"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"x-mailflow": "offer"}, "own-mail"),
        ({"auto-submitted": "auto-replied"}, "auto-submitted"),
        ({"auto-submitted": "auto-generated (failure)"}, "auto-submitted"),
        ({"auto-submitted": ""}, "auto-submitted"),
        ({"precedence": "bulk"}, "precedence"),
        ({"precedence": "List"}, "precedence"),
        ({"precedence": "junk"}, "precedence"),
        ({"precedence": "auto_reply"}, "precedence"),
        ({"list-id": "<x.example.org>"}, "mailing-list"),
        ({"list-unsubscribe": "<mailto:u@example.org>"}, "mailing-list"),
        ({"return-path": "<>"}, "null-return-path"),
        ({"x-autoreply": "yes"}, "autoreply-header"),
        ({"x-autorespond": "1"}, "autoreply-header"),
        ({"x-auto-response-suppress": "All"}, "auto-response-suppress"),
        ({"x-auto-response-suppress": "DR, OOF"}, "auto-response-suppress"),
        ({"x-auto-response-suppress": "AutoReply"}, "auto-response-suppress"),
        ({"x-ms-exchange-inbox-rules-loop": "a@example.org"}, "inbox-rule"),
        ({"x-apple-action": "VACATION"}, "vacation"),
    ],
)
def test_is_automated_headers(headers: dict[str, str], reason: str) -> None:
    mail = _inbound(headers=headers)
    assert is_automated(mail) == reason
    assert _classify(mail).reason == reason


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"auto-submitted": "no"},
        {"auto-submitted": "No (manual)"},
        {"precedence": "first-class"},
        {"return-path": "<jordan@example.org>"},
        {"x-auto-response-suppress": "DR, RN, NRN"},
        {"x-apple-action": "other"},
        {"authentication-results": "mx; dkim=pass"},
    ],
)
def test_is_automated_ordinary_headers(headers: dict[str, str]) -> None:
    assert is_automated(_inbound(headers=headers)) is None


@pytest.mark.parametrize(
    "sender",
    [
        "mailer-daemon@example.org",
        "MAILER-DAEMON@example.org",
        "postmaster@example.org",
        "noreply@example.org",
        "no-reply@example.org",
        "no_reply@example.org",
        "donotreply@example.org",
        "do-not-reply@example.org",
        "noreply-notifications@example.org",
        "bounces+123@example.org",
    ],
)
def test_is_automated_system_senders(sender: str) -> None:
    assert is_automated(_inbound(from_addr=sender)) == "system-sender"


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Enquiry",
        "Auto reply: hello",
        "Autoreply: hello",
        "AutoRespons :Nyaan?",
        "Out of Office: Enquiry",
        "Re: Enquiry [Out of the office]",
        "Abwesenheitsnotiz: Anfrage",
        "Automatische Antwort: Anfrage",
        "Réponse automatique : demande",
        "Absence: x",
        "Respuesta automática: x",
        "Risposta automatica: x",
        "Automatisch antwoord: x",
        "Afwezig: x",
        "自動応答: x",
        "[AUTO GENERATED] Some subject",
    ],
)
def test_is_automated_out_of_office_subjects(subject: str) -> None:
    assert is_automated(_inbound(subject=subject)) == "autoreply-subject"


@pytest.mark.parametrize(
    "subject",
    [
        "Undelivered Mail Returned to Sender",
        "Undeliverable: Enquiry",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
        "Returned mail: see transcript for details",
        "failure notice",
    ],
)
def test_is_automated_delivery_status_subjects(subject: str) -> None:
    assert is_automated(_inbound(subject=subject)) == "bounce-subject"


def test_is_automated_report() -> None:
    assert is_automated(_inbound(is_report=True)) == "report"


@pytest.mark.parametrize(
    "sender",
    ["hello@riverside.example", "HELLO@riverside.example", "sam@riverside.example"],
)
def test_classify_new_mail_from_the_practice_is_ignored(sender: str) -> None:
    assert _classify(_inbound(from_addr=sender.lower())).reason == "from-practice"


def test_classify_new_no_sender() -> None:
    assert _classify(_inbound(from_addr=None)).reason == "no-sender"


@pytest.mark.parametrize(
    "fields",
    [
        {"in_reply_to": "<x@example.org>"},
        {"references": ("<x@example.org>",)},
        {"subject": "Re: Enquiry", "text": OTHERS_QUOTE},
        {"subject": "RE:Enquiry", "text": OTHERS_QUOTE},
        {"subject": "Re[2]: Enquiry", "text": OTHERS_QUOTE},
        {"subject": "AW: Anfrage", "text": OTHERS_QUOTE},
        {"subject": "SV: Enquiry", "text": OTHERS_QUOTE},
        {"subject": "[List] Re: Consultation", "text": OTHERS_QUOTE},
        {
            "subject": "\u56de\u590d\uff1a\u54a8\u8be2",
            "text": OTHERS_QUOTE,
        },  # Chinese "Re:" (full-width colon)
    ],
)
def test_classify_new_reply_into_a_foreign_thread_is_ignored(
    fields: dict[str, object],
) -> None:
    assert _classify(_inbound(**fields)).reason == "foreign-thread"


@pytest.mark.parametrize(
    "fields",
    [
        # their own unanswered request, quoted under "just checking you got this?"
        {
            "subject": "Re: Enquiry",
            "in_reply_to": "<first@example.org>",
            "text": "Just checking you got this?\n\nOn Mon, 23 Nov 2026, Jordan Lee "
            "<jordan@example.org> wrote:\n> " + REQUEST_TEXT.replace("\n", "\n> "),
        },
        # a Re: typed by hand, answering nothing
        {"subject": "Re: Enquiry"},
        # a forward: their own words above what they forward
        {
            "subject": "Fwd: counsellor I mentioned",
            "text": REQUEST_TEXT
            + "\n\n---------- Forwarded message ---------\nFrom: Sam <sam@example.net>\n"
            "Her email is below, she is lovely.",
        },
    ],
)
def test_classify_new_a_chaser_or_forward_of_ones_own_request_is_a_request(
    fields: dict[str, object],
) -> None:
    assert _classify(_inbound(**fields)).verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    ("mail", "contacts"),
    [
        (_inbound(), {"jordan@example.org"}),
        (_inbound(reply_to=("other@example.org",)), {"jordan@example.org"}),
        (_inbound(reply_to=("other@example.org",)), {"other@example.org"}),
    ],
)
def test_classify_new_existing_contact_is_ignored(
    mail: InboundMail, contacts: set[str]
) -> None:
    assert _classify(mail, contacts=frozenset(contacts)).reason == "existing-contact"


@pytest.mark.parametrize(
    "reply_to", ["hello@riverside.example", "no-reply@example.org"]
)
def test_classify_new_a_reply_to_never_redirects_the_answer(reply_to: str) -> None:
    result = _classify(_inbound(reply_to=(reply_to,)))
    assert result.person is not None
    assert result.person.email == "jordan@example.org"  # the writer


# --- form notifications ------------------------------------------------------

FORM_TEXT = (
    "New submission from Contact\n\n"
    "Name: Jordan Lee\n"
    "Email: Jordan@Example.org\n"
    "Phone: 07911 123456\n"
    "Message: Hi, I'd like to book a free consultation.\n"
    "My number is 020 7946 0018.\n"
)


def _form(**fields: object) -> InboundMail:
    defaults: dict[str, object] = {
        "from_addr": "forms@formservice.example",
        "from_name": "Form Service",
        "subject": "New form submission",
        "text": FORM_TEXT,
    }
    return _inbound(**{**defaults, **fields})


def test_classify_new_configured_form_sender() -> None:
    result = _classify(_form())
    assert (result.verdict, result.reason) == (Verdict.REQUEST, "form-request")
    assert result.person is not None
    assert result.person.email == "jordan@example.org"
    assert result.person.name == "Jordan Lee"
    assert result.person.phone == "+447911123456"  # the phone field wins


def test_classify_new_configured_form_domain_and_subdomain() -> None:
    for sender in ("noreply@wpforms.example", "x@mail.wpforms.example"):
        assert _classify(_form(from_addr=sender)).reason == "form-request"
    # Not configured: the form body still makes it a form, but only a configured
    # sender's bulk headers are tolerated.
    bulk = {"precedence": "bulk"}
    assert _classify(_form(from_addr="x@wpforms.example", headers=bulk)).verdict is (
        Verdict.REQUEST
    )
    assert (
        _classify(_form(from_addr="x@notwpforms.example", headers=bulk)).reason
        == "precedence"
    )


def test_classify_new_configured_form_tolerates_form_service_headers() -> None:
    headers = {
        "auto-submitted": "auto-generated",
        "precedence": "bulk",
        "return-path": "<>",
        "list-unsubscribe": "<mailto:x@formservice.example>",
    }
    mail = _form(from_addr="forms@formservice.example", headers=headers)
    assert is_automated(mail) == "auto-submitted"
    assert is_automated(mail, POLICY.form_senders) is None
    assert _classify(mail).verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"is_report": True}, "report"),
        ({"subject": "Undelivered Mail Returned to Sender"}, "bounce-subject"),
        ({"headers": {"x-mailflow": "1"}}, "own-mail"),
        ({"headers": {"x-apple-action": "VACATION"}}, "vacation"),
    ],
)
def test_classify_new_configured_form_still_ignores_bounces(
    fields: dict[str, object], reason: str
) -> None:
    assert _classify(_form(**fields)).reason == reason


def test_classify_new_form_person_falls_back_to_reply_to() -> None:
    mail = _form(
        text="Message: Could I book a consultation?", reply_to=("j@example.net",)
    )
    result = _classify(mail)
    assert result.person is not None
    assert (result.person.email, result.person.name) == ("j@example.net", "")


def test_classify_new_form_first_and_last_name() -> None:
    text = (
        "First name: Jordan\nLast name: Lee\nEmail: j@example.org\nMessage: free call?"
    )
    result = _classify(_form(text=text))
    assert result.person is not None
    assert result.person.name == "Jordan Lee"


def test_classify_new_form_without_an_address_is_ignored() -> None:
    mail = _form(text="Name: Jordan\nMessage: free consultation please")
    assert _classify(mail).reason == "form-without-address"


def test_classify_new_form_checks_contacts_and_practice() -> None:
    contacts = frozenset({"jordan@example.org"})
    assert _classify(_form(), contacts=contacts).reason == "existing-contact"
    text = FORM_TEXT.replace("Jordan@Example.org", "sam@riverside.example")
    assert _classify(_form(text=text)).reason == "person-is-practice"


def test_a_form_from_a_sender_not_configured_is_never_answered() -> None:
    """#14: "Name:/Email: victim" typed by hand from anywhere is no form."""
    mail = _form(from_addr="noreply@somesite.example")
    assert _classify(mail).verdict is Verdict.IGNORE
    mail = _form(from_addr="mallory@evil.example")
    assert _classify(mail).reason == "form-unconfigured"
    # The practice's own WordPress sends forms once it is configured.
    mail = _form(from_addr="wordpress@riverside-site.example")
    configured = replace(POLICY, form_senders=("wordpress@riverside-site.example",))
    assert _classify(mail, configured).reason == "form-request"


def test_classify_new_no_reply_sender_with_only_reply_to_is_not_a_form() -> None:
    mail = _inbound(
        from_addr="noreply@shop.example",
        reply_to=("support@shop.example",),
        subject="Your appointment",
    )
    assert _classify(mail).reason == "system-sender"


NETLIFY_TEXT = (
    "You've got a new form submission on Riverside\n\n"
    "Name: Jordan Lee\n"
    "Email: jordan@example.org\n"
    "Message: Could I book the free consultation call?\n"
)


def test_classify_new_form_from_an_unconfigured_service_answers_the_person() -> None:
    # Netlify sends from its own address, with the person only in the body.
    mail = _inbound(
        from_addr="formresponses@netlify.com",
        from_name="Netlify",
        subject="[Riverside] New form submission",
        text=NETLIFY_TEXT,
    )
    result = classify_new(
        mail,
        replace(POLICY, form_senders=KNOWN_FORM_SENDERS),
        contacts=frozenset(),
        owned_thread=False,
    )
    assert (result.verdict, result.reason) == (Verdict.REQUEST, "form-request")
    unconfigured = classify_new(
        mail, replace(POLICY, form_senders=()), contacts=frozenset(), owned_thread=False
    )
    assert unconfigured.verdict is Verdict.IGNORE
    assert result.person is not None
    assert (result.person.email, result.person.name) == (
        "jordan@example.org",
        "Jordan Lee",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Name: Jordan Lee\nEmail: (not given)\nMessage: free consultation call?",
        "Name: Jordan Lee\nMessage: Could I book the free consultation call?",
    ],
)
def test_classify_new_form_service_without_the_persons_address_is_not_answered(
    text: str,
) -> None:
    mail = _inbound(
        from_addr="formresponses@netlify.com", from_name="Netlify", text=text
    )
    assert _classify(mail).reason == "form-without-address"


def test_classify_new_own_details_in_the_body_are_an_ordinary_request() -> None:
    text = "Name: Jordan Lee\nEmail: Jordan@example.org\n\n" + REQUEST_TEXT
    result = _classify(_inbound(text=text))
    assert result.reason == "request"
    assert result.person is not None
    assert result.person.email == "jordan@example.org"


def test_classify_new_greets_by_reply_to_name_not_the_form_service() -> None:
    # Squarespace: From is the service, Reply-To the person; no Email field.
    # Only a configured form service's Reply-To is followed.
    mail = _inbound(
        from_addr="form-submission@squarespace.info",
        from_name="Squarespace",
        reply_to=("jordan@example.org",),
        reply_to_name="Jordan Lee",
        text="Message: " + REQUEST_TEXT,
    )
    forms = replace(POLICY, form_senders=KNOWN_FORM_SENDERS)
    result = _classify(mail, forms)
    assert result.person is not None
    assert (result.person.email, result.person.name) == (
        "jordan@example.org",
        "Jordan Lee",
    )
    nameless = _classify(replace(mail, reply_to_name=""), forms)
    assert nameless.person is not None
    assert nameless.person.name == ""
    form_name = _classify(
        replace(mail, reply_to_name="", text="Name: Jo\nMessage: " + REQUEST_TEXT),
        forms,
    )
    assert form_name.person is not None
    assert form_name.person.name == "Jo"


def test_classify_new_from_name_is_used_when_answering_from() -> None:
    mail = _inbound(reply_to=("jordan@example.org",), reply_to_name="Someone Else")
    result = _classify(mail)
    assert result.person is not None
    assert result.person.name == "Jordan Lee"


def test_parse_mail_keeps_the_reply_to_display_name() -> None:
    raw = (
        b"From: Squarespace <form-submission@squarespace.info>\n"
        b"Reply-To: =?utf-8?q?H=C3=A9l=C3=A8ne?= <helene@example.org>\n\nHi"
    )
    mail = parse_mail(raw)
    assert (mail.reply_to, mail.reply_to_name) == (
        ("helene@example.org",),
        "H\u00e9l\u00e8ne",
    )


def test_classify_new_guessed_form_still_obeys_auto_submitted() -> None:
    mail = _form(from_addr="noreply@somesite.example", headers={"precedence": "bulk"})
    assert _classify(mail).reason == "precedence"


# --- real-world fixtures -----------------------------------------------------


def _parsed(path: Path) -> InboundMail | None:
    try:
        return parse_mail(path.read_bytes())
    except ParseError:
        return None


@pytest.mark.parametrize(
    "path", _fixture_files("autoreply-bounce"), ids=lambda p: p.name
)
def test_every_autoreply_and_bounce_fixture_is_automated(path: Path) -> None:
    mail = _parsed(path)
    assert mail is not None
    assert is_automated(mail) is not None
    assert _classify(mail).verdict is Verdict.IGNORE
    permissive = replace(POLICY, intent_phrases=("a", "the", "is"), subject_phrases=())
    assert _classify(mail, permissive).verdict is Verdict.IGNORE


@pytest.mark.parametrize("path", _fixture_files("imip"), ids=lambda p: p.name)
def test_every_imip_fixture_is_calendar(path: Path) -> None:
    mail = _parsed(path)
    assert mail is not None
    assert _classify(mail).reason == "calendar"


@pytest.mark.parametrize(
    "path",
    [*_fixture_files("replies"), *_fixture_files("odd-mime")],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_replies_and_odd_mime_fixtures_are_never_requests(path: Path) -> None:
    mail = _parsed(path)
    if mail is not None:
        result = _classify(mail)
        # never answered with times; a short odd one may be asked about
        if result.verdict is Verdict.CRISIS:
            # An alert to the therapist alone, never an answer: one fixture
            # is a known false alarm (stop 57): "the Bitnami installs that
            # I've checked out" weighs 0.54 with the risk words.
            assert result.existing
            assert result.risk == "possible"
            assert result.reason == "thread-risk"
            return
        assert result.verdict in {Verdict.IGNORE, Verdict.ASK}
        assert result.reason in KNOWN_REASONS


# --- reasons and robustness --------------------------------------------------


def test_the_phrase_book_compiles_and_names_every_family() -> None:
    from mailflow.reading.phrases import phrases

    book = phrases("en")
    names = [f.name for f in (*book.risk.clear, *book.request.not_ours)]
    assert len(names) == len(set(names))
    assert {"suicidal", "self-harm", "overdose", "danger-from-others"} <= set(names)


_ADDRESSES = st.sampled_from(
    [
        None, "jordan@example.org", "hello@riverside.example", "noreply@x.example",
        "forms@formservice.example", "mailer-daemon@x.example", "a@wpforms.example",
    ]
)  # fmt: skip
_WORDS = st.sampled_from(
    [
        "Re:", "book a call", "consultation", "Name:", "Email:", "j@example.org", "\n",
        "suicidal", "cancel", "Tuesdays", "after 5", "07700 900123", "Out of Office",
        "Undeliverable", ">", "availability", "don\u2019t want to live",
    ]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=20).map(" ".join))
_HEADERS = st.dictionaries(
    st.sampled_from(
        ["auto-submitted", "precedence", "return-path", "x-auto-response-suppress"]
    ),
    st.sampled_from(["", "no", "bulk", "<>", "All", "auto-replied", "x"]),
)


@settings(max_examples=200, deadline=None)
@given(
    mail=st.builds(
        InboundMail,
        message_id=st.none() | st.just("<a@b>"),
        subject=_TEXT,
        from_addr=_ADDRESSES,
        from_name=st.text(max_size=30),
        reply_to=st.lists(_ADDRESSES.filter(bool), max_size=2).map(tuple),
        in_reply_to=st.none() | st.just("<p@b>"),
        headers=_HEADERS,
        text=_TEXT,
        html_only=st.booleans(),
        has_calendar=st.booleans(),
        is_report=st.booleans(),
    ),
    owned=st.booleans(),
)
def test_classify_new_never_raises_and_reasons_carry_no_personal_data(
    mail: InboundMail, owned: bool
) -> None:
    result = classify_new(
        mail, POLICY, contacts={"jordan@example.org"}, owned_thread=owned
    )
    assert result.reason in KNOWN_REASONS
    # Someone to write to, or (a form naming nobody, at risk) the therapist's alert.
    assert (result.person is not None or result.form_alert is not None) == (
        result.verdict is not Verdict.IGNORE
    )
    if result.person is not None:
        assert "@" in result.person.email
        assert result.person.email not in {
            "hello@riverside.example",
            "sam@riverside.example",
        }


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=600))
def test_classify_new_never_raises_on_parsed_arbitrary_bytes(raw: bytes) -> None:
    try:
        mail = parse_mail(b"From: j@example.org\nSubject: consultation\n" + raw)
    except ParseError:
        return
    result = _classify(mail)
    assert result.reason in KNOWN_REASONS


def test_a_crisis_in_someone_elses_thread_still_reaches_the_therapist() -> None:
    mail = _inbound(
        subject="Re: your article",
        in_reply_to="<elsewhere@example.net>",
        text="I don't want to be alive anymore.\n\nOn Mon, Alex <a@example.net> wrote:\n> hi",
    )
    result = _classify(mail)
    assert (result.verdict, result.crisis, result.existing, result.reason) == (
        Verdict.CRISIS,
        True,
        True,
        "thread-crisis",  # the alert says how it came, not "a contact"
    )
    assert result.person is not None
    assert result.person.phone is None
    rings = _classify(
        replace(mail, text="I don't want to be alive anymore. Ring me on 07700 900789.")
    )
    assert rings.person is not None
    assert rings.person.phone == "+447700900789"  # the number reaches the alert
    calm = _classify(replace(mail, text="Thanks, see you soon."))
    assert calm.reason == "foreign-thread"


@pytest.mark.parametrize(
    "fields", [{"has_calendar": True}, {"calendar_method": "REQUEST"}]
)
def test_a_crisis_in_calendar_mail_still_reaches_the_therapist(
    fields: dict[str, object],
) -> None:
    """Calendar mail is never a request, but its writer's own words are still
    read for clear risk: the therapist is told, nobody is written to."""
    mail = _inbound(
        subject="Invitation: talk?",
        text="Can we talk this week? I can't keep myself safe any more.",
        **fields,
    )
    result = _classify(mail)
    assert (result.verdict, result.crisis, result.existing) == (
        Verdict.CRISIS,
        True,
        True,
    )
    calm = _classify(replace(mail, text="Peer supervision, as usual."))
    assert (calm.verdict, calm.reason) == (Verdict.IGNORE, "calendar")
    ours = _classify(replace(mail, from_addr="hello@riverside.example"))
    assert ours.verdict is Verdict.IGNORE


def test_a_crisis_said_only_inside_an_invitation_reaches_the_therapist() -> None:
    """An iPhone's invitation carries its words in DESCRIPTION alone."""
    from test_parse import invitation_mail

    result = _classify(parse_mail(invitation_mail()))
    assert (result.verdict, result.crisis, result.existing) == (
        Verdict.CRISIS,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        ("Invitation: ASIST suicide intervention skills training", ""),
        ("Invitation: Self-harm CPD webinar", "Join with Google Meet"),
        ("Invitation: Overdose awareness session", ""),
        ("Updated invitation: Suicide and self-harm training", "For counsellors."),
    ],
)
def test_a_training_invitation_is_no_crisis(subject: str, words: str) -> None:
    """Therapists are invited to CPD on risk: that is no alert."""
    mail = _inbound(subject=subject, text="", has_calendar=True, calendar_words=words)
    result = _classify(mail)
    assert (result.verdict, result.reason) == (Verdict.IGNORE, "calendar")


@pytest.mark.parametrize(
    "text",
    [
        # Asks for nothing, names no family, yet speaks near risk: each of the
        # kinds (means, violence, an ending, hopelessness, death, harm).
        "My tablets are in the drawer, next to the rope.",
        "I've written the note. It's on the dresser.",
        "I'm so tired of everything. Nothing left.",
        "You won't be hearing from me again, this is my last email to anyone.",
        "Is there any point. Scars all over, nobody would notice.",
    ],
)
def test_a_stranger_asking_for_nothing_near_risk_goes_to_the_therapist(
    text: str,
) -> None:
    """A crisis in words no list foresaw must not be left unseen: a short note
    to the therapist ("ask"), not silence; the risk words' note where its
    words as a whole weigh like a crisis's too."""
    from mailflow.reading import risk_words

    result = _classify(_inbound(subject="", text=text))
    heavy = risk_words.chance(f"\n{text}") >= risk_words.THRESHOLD
    assert result.verdict is Verdict.ASK
    assert result.reason == ("risk-words" if heavy else "unsure-risk")


@pytest.mark.parametrize(
    "text",
    [
        "Hi Sam, drinks on Friday at the usual place? Jo and Priya are coming "
        "and we thought we might get food after. Let me know! Kate",
        "Hello, my grandfather died of old age last spring and we finally "
        "scattered his ashes at the lake this weekend. Just wanted to share. Ann",
    ],
)
def test_a_stranger_asking_for_nothing_and_nowhere_near_risk_is_left_alone(
    text: str,
) -> None:
    result = _classify(_inbound(subject="", text=text))
    assert result.verdict is Verdict.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "New sign-in to your account. Platform: Windows. If this was you, ignore it.",
        "Your order is ready to collect tonight from 5pm. Thanks, the bakery team",
        "Reminder: your rope is due back at the climbing wall by Sunday, cheers",
        "Bridge club is moved to Thursday this week, bring your own cards.",
    ],
)
def test_ordinary_mail_with_a_word_near_risk_is_not_a_note(text: str) -> None:
    result = _classify(_inbound(subject="", text=text))
    assert result.verdict is Verdict.IGNORE


PLEAS = [
    ("", "help"), ("", "HELP"), ("", "Help."), ("", "please help me"),
    ("", "help me please"), ("", "please. help."), ("", "please someone help me"),
    ("", "somebody please help"), ("", "I'm in crisis"), ("", "urgent - in crisis"),
    ("", "having a mental health crisis"), ("", "I'm not ok"), ("", "im really not ok"),
    ("", "not coping at all"), ("", "i'm falling apart"), ("", "I'm breaking down"),
    ("", "I really need help"), ("", "need help urgently"), ("", "whats the point anymore"),
    ("", "no point anymore"), ("", "pls help"), ("", "help me plz"), ("", "help me x"),
    ("", "help me :("), ("", "Help. Please."), ("", "hlp me"), ("", "SOS"), ("", "crisis!"),
    ("", "cant do this"), ("", "is anyone there?"), ("", "someone please"), ("", "IM NOT OK"),
    ("", "I'm at breaking point"), ("", "I'm in a really bad place"), ("", "drowning"),
    # with a greeting, a name, a phone's footer, or in the subject alone
    ("", "Help\nSam"), ("", "Hi, help.\nJo"), ("", "Hi\nHelp\nJo"),
    ("", "help\nSent from my iPhone"), ("", "I really need help\n\nJo"),
    ("", "what's the point anymore\nJ"), ("", "Sorry to write out of the blue.\n\nI'm not ok."),
    ("Help", ""), ("Re: help", ""), ("Not coping", "Sent from my iPhone"), ("Help", "Sam"),
    ("Help", "Hi\nSam"),
    ("Crisis", ""),
    # a few words of how they are beside the plea
    ("", "im in crisis please help"), ("", "I'm in crisis and can't sleep"),
    ("", "Please help me. My partner left and I'm not ok."), ("", "help me, I'm scared"),
    ("", "pls someone help me im scared"), ("", "help. can't stop crying"),
    ("", "can anyone help me"), ("", "i really really need help"), ("", "im not ok \u2764\ufe0f"),
    ("", "urgent help needed"), ("", "help\n\nSam x"), ("", "help\n\u00c9lodie"),
    ("", "Help\nMary Jane Smith"), ("", "help me\n\nSent from Outlook for Android"),
    ("", "please help me, I feel awful"), ("", "help me\nCaroline"), ("", "Hi Jo, help me"),
    ("", "help. I'm in my room and can't stop crying"), ("", "help me right now"),
    ("", "help me\n\nOn Mon, 1 Dec 2026 at 09:00, Sam <s@example.org> wrote:"),
]  # fmt: skip


@pytest.mark.parametrize(("subject", "text"), PLEAS)
def test_a_strangers_plea_and_nothing_else_goes_to_the_therapist(
    subject: str, text: str
) -> None:
    """A plea alone ("help me", "I'm in crisis", "I'm not ok") asks for no
    call and names no risk, so it was left alone with nobody told: the
    therapist now gets the urgent note (`plea.alone`); the risk words' note,
    with the safety message to them, where its words weigh like a crisis's."""
    from mailflow.reading import risk_words

    result = _classify(_inbound(subject=subject, text=text))
    heavy = risk_words.chance(f"{subject}\n{text}") >= risk_words.THRESHOLD
    assert result.verdict is Verdict.ASK
    assert result.reason == ("risk-words" if heavy else "unsure-risk")
    assert result.risk == "possible"


NOT_PLEAS = [
    ("Re: Referral", "Thanks for your email. I am on leave until 5 January.\n"
     "If you are in crisis, please contact your GP or call 111."),
    ("", "Our autumn newsletter. If you're in crisis, call 116 123."),
    ("Office move", "our office moves on Monday\n\nIf you are in a mental health"
     " crisis, please contact your GP."),
    ("", "The NHS is in crisis."), ("", "I'm not currently in crisis, just want to know about fees"),
    ("", "Thanks for your order.\n\nHome\nOrders\nHelp\n\nShop Example"),
    ("", "Your parcel is on its way.\n\nHelp\n\nTrack your parcel online."),
    ("", "FAQ\n\nHelp\n\nHow do I reset my password?"),
    ("", "Help\n- which room are you in?\n- is there parking?"),
    ("", "help me\nunderstand your fees"), ("", "please help me understand your fees"),
    ("", "Someone help me\nwith the door code?"), ("", "I'm not ok\nwith phone sessions"),
    ("", "Jumble sale Saturday!\nNeed help\nsetting up tables"),
    ("", "Hi,\n\nNot coping at all\n- with the new parking rules"),
    ("", "im not ok paying upfront"), ("", "I'm not okay having my data stored"),
    ("", "need help, where are you exactly?"), ("", "anyone help? the door code isnt working"),
    ("", "someone help, the lift is broken"), ("", "I'm losing my mind with this printer lol"),
    ("", "The boiler is having a crisis again"),
    ("", "What's the point?\n\nYour website says 60 but the leaflet says 70"),
    ("", "No point.\n\nThe machine is broken again, take cash."),
    ("", "Thanks for the talk. The slide that said\n\n\"I'm not ok\"\n\nreally stayed with me."),
    ("Invoice 2231", "help"), ("Parking", "Help!"), ("", "help - can't find your address"),
    ("", "sos - lost my keys in your waiting room"), ("", "Please help - wrong invoice"),
    ("", "help!! locked out of the portal"), ("", "> help\n\nThanks, all sorted now."),
    # something practical, however short or capitalised as a name would be
    ("Help", "Invoice"), ("Help", "Zoom Link"), ("SOS", "Lost Keys"), ("Crisis", "Cover"),
    ("", "Help\nVAT"), ("", "I'm not ok\nWith Zoom"), ("", "Help - Parking"),
    ("", "Help, Invoice"), ("", "someone"), ("Question", "Anyone?"),
    ("", "Dear Parking Office\nHelp\nSam"), ("", "help me i need to change my appointment"),
    ("", "I'm not ok with the price"),
    # short words of their own that say nothing of how they are
    ("Help", "my plan is to start in jan"), ("Help", "I'm fine now, thanks"),
    ("I'm done", "I'll send the rest later"), ("Help", "I'm locked out"),
    ("", "help me find my glasses"), ("Help", "CBT"),
    ("Help", "I can't open the attachment"), ("", "help me\nCBT"),
    ("", "Dear Office\nhelp me"),
]  # fmt: skip


@pytest.mark.parametrize(("subject", "text"), NOT_PLEAS)
def test_help_for_something_and_a_footers_crisis_are_no_plea(
    subject: str, text: str
) -> None:
    """Beside words that say what the mail is for (a fee, a door code, an
    office move, a footer's "If you are in crisis"), a plea's words are
    none: such mail is left alone, as before; since stop 63 a bare
    "Anyone?", which only reaches out, is the plain note (`reaching`)."""
    assert not plea.alone(subject, text)
    result = _classify(_inbound(subject=subject, text=text))
    if (subject, text) == ("Question", "Anyone?"):
        assert (result.verdict, result.reason) == (Verdict.ASK, "no-intent")
    else:
        assert result.verdict is Verdict.IGNORE


@settings(max_examples=200, deadline=None)
@given(
    subject=st.text(max_size=40),
    text=st.lists(
        st.sampled_from(["help", "me", "please", "pls ", "x", "\n", ", ", ". ", " - ",
                         "not ok", "crisis", "Sam", "hi", "!!!", "sos", ":(", "sorry"]),
        max_size=60,
    ).map("".join)
    | st.text(max_size=300),
)  # fmt: skip
def test_reading_a_plea_never_raises(subject: str, text: str) -> None:
    assert plea.alone(subject, text) in (True, False)


def test_a_plea_to_many_is_no_plea() -> None:
    many = tuple(f"friend{n}@example.org" for n in range(10))
    result = _classify(_inbound(subject="", text="help me", cc=many))
    assert result.verdict is Verdict.IGNORE


def test_a_mail_to_many_near_risk_is_not_a_note() -> None:
    many = tuple(f"friend{n}@example.org" for n in range(10))
    result = _classify(
        _inbound(subject="", text="I'm so numb, nothing left, anyone free?", cc=many)
    )
    assert result.verdict is Verdict.IGNORE


def test_a_forward_with_nothing_of_their_own_asks_the_therapist() -> None:
    result = _classify(
        _inbound(
            subject="Fwd: Free 15 minute call",
            text="---------- Forwarded message ---------\nFrom: Ann <ann@example.net>"
            "\n\nYou should book a free call with Sam, she's lovely.",
        )
    )
    assert (result.verdict, result.reason) == (Verdict.ASK, "forwarded")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        # An Outlook quote has no ">": the number in it is not theirs.
        (
            "I don't want to be alive anymore.\n\n"
            "From: Riverside Counselling <hello@riverside.example>\n"
            "Sent: Monday, 2 November 2026 09:00\nSubject: Winter newsletter\n\n"
            "Call us on 020 7946 0991.",
            None,
        ),
        # Their own signature above that quote is theirs.
        (
            "I don't want to be alive anymore.\n-- \nSam\n07700 900123\n\n"
            "From: Riverside Counselling <hello@riverside.example>\n"
            "Sent: Monday, 2 November 2026 09:00\nSubject: Winter newsletter\n\n"
            "Call us on 020 7946 0991.",
            "+447700900123",
        ),
        # Bottom-posted under an "On ... wrote:" quote: their words, their number.
        (
            "On Mon, 23 Nov 2026, Alex Park <alex@example.net> wrote:\n"
            "> are you coming tonight?\n\n"
            "I'm going to kill myself tonight. Ring me 07700 900123.\nJordan",
            "+447700900123",
        ),
    ],
)
def test_the_number_in_a_thread_crisis_is_the_writers(
    text: str, phone: str | None
) -> None:
    result = _classify(
        _inbound(subject="Re: tonight", in_reply_to="<x@elsewhere.example>", text=text)
    )
    assert result.verdict is Verdict.CRISIS
    assert result.person is not None
    assert result.person.phone == phone


def test_a_goodbye_to_many_near_death_still_reaches_the_therapist() -> None:
    many = tuple(f"friend{n}@example.org" for n in range(5))
    result = _classify(
        _inbound(
            subject="bye",
            text="Goodbye all of you. I'm so numb, nothing left.",
            to=many,
        )
    )
    assert (result.verdict, result.reason) == (Verdict.ASK, "unsure-risk")


# Short mail (short.jsonl): a mail meant for someone else, a neighbour's
# building work or party, read as nobody seeking help; the same words seeking
# it still read as a request.
NOT_SEEKING = [
    "Sorry, this was meant for my sister!! ignore me x",
    "Sorry, this email was intended for my brother, please ignore.",
    "Sorry about all the noise this week, we're having the kitchen done.",
    "We're having a party on Saturday, apologies in advance for the noise.",
    "Heads up: we're having new windows fitted on Monday, the van will be outside.",
]
STILL_SEEKING = [
    "I'm writing about my sister, she needs someone to talk to.",
    "we're having a really hard time since the baby came",
    "I'm having a tough time at the moment and wondered if you had space",
    "Could you see my son? He's been very low.",
]


@pytest.mark.parametrize("text", NOT_SEEKING)
def test_mail_meant_for_someone_else_or_about_building_work_seeks_nothing(
    text: str,
) -> None:
    assert read_voice("", text).verdict is not Verdict.REQUEST


@pytest.mark.parametrize("text", STILL_SEEKING)
def test_the_same_words_seeking_help_are_a_request(text: str) -> None:
    assert read_voice("", text).verdict is Verdict.REQUEST


_DANGER_WORDS = "PS I've just drunk a load of bleach, sorry."
"""Possible risk, told now (`danger-now-possible`)."""


def test_danger_told_now_in_mail_left_alone_is_for_the_therapist() -> None:
    """A client's fresh mail, a reply in someone else's thread (a colleague's
    or a GP's too: an alert costs a read, and nobody is written to): CRISIS
    at possible risk, the therapist alerted; not in an invitation's words,
    nor on a mail to many."""
    client = _classify(
        _inbound(subject="", text=f"Hi Sam. {_DANGER_WORDS}"),
        contacts=frozenset({"jordan@example.org"}),
    )
    assert (client.verdict, client.reason, client.risk, client.danger_now) == (
        Verdict.CRISIS,
        "client-danger",
        "possible",
        True,
    )
    reply = _inbound(subject="Re: Ana", in_reply_to="<elsewhere@example.net>")
    for text in (
        f"Thanks. {_DANGER_WORDS}",
        "Dear colleague, your client Ana told our duty team she has just drunk"
        " a load of bleach. She is in A&E with us. Dr Ray, Consultant Psychiatrist",
    ):
        found = _classify(replace(reply, text=text))
        assert (found.verdict, found.reason, found.danger_now) == (
            Verdict.CRISIS,
            "thread-danger",
            True,
        ), text
    # A reply-all (a GP, a partner, a crisis team on the Cc): still alerted,
    # since nobody is written to.
    many = replace(reply, to=tuple(f"p{n}@example.org" for n in range(4)))
    assert _classify(replace(many, text=_DANGER_WORDS)).reason == "thread-danger"
    # A safety need in the reply reaches the alert.
    need = _classify(
        replace(reply, text=f"Please don't ring, he checks my phone. {_DANGER_WORDS}")
    )
    assert need.safety_note
    # An existing contact who writes as a professional of their patient's
    # danger now: the urgent note about someone in their care (stop 50; it
    # was the alert about the writer, `client-danger`), nobody written to.
    gp = _classify(
        _inbound(
            subject="Ana",
            text="Dear colleague, your client Ana told our duty team she has just"
            " drunk a load of bleach. She is in A&E with us. Dr Ray, Consultant"
            " Psychiatrist",
        ),
        contacts=frozenset({"jordan@example.org"}),
    )
    assert (gp.verdict, gp.reason) == (Verdict.ASK, "care-danger")
    invitation = _inbound(
        subject="Invitation: catch-up",
        text=_DANGER_WORDS,
        calendar_method="REQUEST",
        calendar_words=_DANGER_WORDS,
    )
    assert _classify(invitation).verdict is Verdict.IGNORE


def _typed_form(email: str) -> str:
    """A form's fields with `email` as the Email typed."""
    return f"Name: Jordan Lee\nEmail: {email}\nMessage: free call please"


@pytest.mark.parametrize(
    "typed",
    ["victim@=?utf-8?q?evil.example?=", "=?utf-8?q?a?=@example.org"],
)
def test_a_form_address_holding_an_encoded_word_is_no_address(typed: str) -> None:
    """The email package would write it decoded (or refuse it): the letter's
    To would name an address its envelope does not go to. With no Reply-To
    from the service, the form names nobody to answer."""
    mail = _form(text=_typed_form(typed))
    result = _classify(mail)
    assert result.person is None
    assert result.reason == "form-without-address"


def test_such_a_form_is_answered_at_the_services_reply_to() -> None:
    mail = _form(
        text=_typed_form("victim@=?utf-8?q?evil.example?="),
        reply_to=("jordan@example.org",),
    )
    result = _classify(mail)
    assert result.reason == "form-request"
    assert result.person is not None
    assert result.person.email == "jordan@example.org"


def test_a_stranger_typing_such_an_address_is_still_an_unconfigured_form() -> None:
    mail = _inbound(
        from_addr="someone@example.net",
        text=_typed_form("victim@=?utf-8?q?evil.example?="),
    )
    assert _classify(mail).reason == "form-unconfigured"


@pytest.mark.parametrize("typed", ["a=b@example.org", "x?y@example.org"])
def test_an_address_with_an_equals_or_a_question_mark_is_still_answered(
    typed: str,
) -> None:
    mail = _form(text=_typed_form(typed))
    result = _classify(mail)
    assert result.reason == "form-request"
    assert result.person is not None
    assert result.person.email == typed


@pytest.mark.parametrize(
    "text",
    [
        "Hello, could you tell me your fees and whether you take insurance? Many thanks, Dee",
        "Hi, do you accept Bupa? I'd like to start counselling",
        "Hi there, wondering what your session fees are? Thanks",
        "Could you give me your rates please",
        "Hi, I was wondering about your fees. Thanks",
    ],
)
def test_a_question_about_fees_or_insurance_is_an_enquiry(text: str) -> None:
    """The practice offers the free call to everyone who enquires: a user-eyes
    review found a fee and insurance question left unanswered (no intent)."""
    result = _classify(_inbound(subject="Question", text=text))
    assert result.verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    "text",
    [
        "Dear practitioner, your professional indemnity insurance is due for "
        "renewal. Could you tell me your current cover level? Regards, Indemnity Direct",
        # a client's billing question (a second review)
        "Hi, I'm wondering about the charges on my last invoice, there seem to be two.",
        "Hi, could you tell me the fees on my last invoice? I think one is twice",
    ],
)
def test_no_fee_question_of_a_vendor_or_a_client_is_an_enquiry(text: str) -> None:
    result = _classify(_inbound(subject="Invoice", text=text))
    assert result.verdict is not Verdict.REQUEST


# -- who is asking (first_mail/who, 2026-12-05) ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm a GP and I'd like some counselling for myself - burnout after "
        "covid, and I've been having dark thoughts. Do you have space?",
        "Hello, I'm a social worker and I need some support for myself after a "
        "difficult year. Could we book a call?",
        "I'm a practice nurse at a busy surgery and honestly I'm not coping. My "
        "PHQ-9 was 19 when my own GP did it. Can I see you?",
        "Dear counsellor, I care for my mother who has dementia and I'm "
        "struggling. Could I have the free call?",
        "Hi, I'd like to start counselling but I don't have a referral from my "
        "GP. Do I need one?",
    ],
)
def test_professionals_writing_for_themselves_are_still_enquiries(text: str) -> None:
    result = _classify(_inbound(subject="Counselling", text=text))
    assert result.verdict in {Verdict.REQUEST, Verdict.CRISIS, Verdict.ASK}
    assert result.verdict is not Verdict.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "Hi. I was in hospital after an overdose. This is what the discharge "
        "summary says:\n\nReason for referral: suicidal ideation with plan.\n\n"
        "Risk summary: ongoing thoughts of suicide.\n\nI still want to die. I'd "
        "like counselling please, can we book a call?",
        "Hi, I'm a GP at Oak Surgery. I'd like to book a free consultation call "
        "for myself, I'm struggling with burnout. The PHQ-9 I did was 24. I want "
        "to kill myself. Could we talk this week?",
        "Hi, I'm 31F, history of self harm. Since the baby, EPDS 22 at my check. "
        "I want to kill myself.",
        "Hi, I'm a teacher and I'm the designated safeguarding lead at my school. "
        "The things I've heard have broken me. I'd like some therapy for myself.",
    ],
)
def test_a_person_quoting_clinical_words_of_their_own_is_never_ignored(
    text: str,
) -> None:
    """A strict review (2026-12-05) found professional clues added that day
    left people in crisis, who quoted their own discharge summary or scores,
    unseen; the clues were taken back. Each is answered or read."""
    result = _classify(_inbound(subject="Please help", text=text))
    assert result.verdict is not Verdict.IGNORE


LIGHT_SUBJECT = ""
LIGHT_TEXT = (
    "Hi, I'd like a consultation. I'm really tired of being the problem in"
    " everyone's life. I think I've found a way to fix that for good but I wanted"
    " to talk to someone first. Thursdays are good.\n\nNadine"
)
"""tests/corpus/not_around/blind21 cri-104: no phrase of risk; the risk words
weigh it above `ALERT_CHANCE`, short of even odds."""


def test_a_request_weighed_a_little_like_a_crisis_gets_times_and_an_alert() -> None:
    """Between `classify.ALERT_CHANCE` and even odds the request is answered
    (times), as possible risk: the therapist is alerted and every pick waits
    for them. Below, a plain request; at even odds, held for them to read."""
    from mailflow.reading import classify, risk_words

    chance = risk_words.chance(f"{LIGHT_SUBJECT}\n{LIGHT_TEXT}")
    assert classify.ALERT_CHANCE <= chance < risk_words.THRESHOLD
    light = _classify(_inbound(subject=LIGHT_SUBJECT, text=LIGHT_TEXT))
    assert (light.verdict, light.reason, light.risk) == (
        Verdict.REQUEST, "request", "possible",
    )  # fmt: skip
    assert light.weighed
    plain = _classify(_inbound(subject=LIGHT_SUBJECT, text=REQUEST_TEXT))
    assert (plain.verdict, plain.risk, plain.weighed) == (
        Verdict.REQUEST,
        "none",
        False,
    )


def test_words_of_an_ending_heard_beside_heavy_words_are_never_called_weighed() -> None:
    """A phrase the risk words may still weigh beside (an ending said in
    passing, `_ORDINARY_ALONE`) was heard: the alert must not say no risk
    was named (a review's reproducer)."""
    from mailflow.reading import classify, risk_words, screen

    text = (
        f"{LIGHT_TEXT}\n\nSomeone else can have my space on the waiting list"
        " after I've gone."
    )
    said = screen.screen(f"{LIGHT_SUBJECT}\n{text}")
    assert said.risk is screen.Risk.POSSIBLE
    chance = risk_words.chance(f"{LIGHT_SUBJECT}\n{text}")
    assert classify.ALERT_CHANCE <= chance < risk_words.THRESHOLD
    result = _classify(_inbound(subject=LIGHT_SUBJECT, text=text))
    assert result.risk == "possible"
    assert not result.weighed


def test_a_phrase_of_risk_is_never_called_weighed() -> None:
    """Possible risk a phrase heard keeps its own alert ("mentions risk"),
    however the words weigh."""
    text = f"{LIGHT_TEXT}\n\nI used to self-harm as a teenager."
    result = _classify(_inbound(subject=LIGHT_SUBJECT, text=text))
    assert result.risk == "possible"
    assert not result.weighed


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        # a former client, twice over ("are you the therapist who...", "still running")
        (
            "hello again",
            "Are you the therapist who worked with me in 2019? Is the Tuesday group"
            " still running? I'm going to end my life on Friday.",
        ),
        (
            "",
            "are you the counsellor who saw me at the college? is the group still"
            " running? i took an overdose last night",
        ),
        # personal mail, many times over
        (
            "dinner",
            "Dinner on Saturday? Can't wait to see you. Honestly I've been thinking"
            " of killing myself lately. Love, x",
        ),
    ],
)
def test_a_crisis_in_a_former_clients_or_personal_mail_is_a_crisis(
    subject: str, text: str
) -> None:
    """Only a professional's voice (a referral, a colleague, a vendor) keeps
    clear risk from being answered as a person's: a former client's or a
    friend's crisis was a "Not sure" note, or nothing."""
    result = _classify(_inbound(subject=subject, text=text))
    assert result.verdict is Verdict.CRISIS
    assert result.risk == "clear"


def test_a_former_client_whose_words_weigh_like_a_crisis_is_read_today() -> None:
    result = _classify(
        _inbound(
            subject="",
            text="Are you the counsellor who saw me in 2021? I'm back where I was"
            " then, only worse. I've been giving my things away.",
        )
    )
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.ASK,
        "risk-words",
        "possible",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Are you the therapist who saw me in 2019? My trial is next week and I'm"
        " going to end my life before it.",
        "You saw me before. Do not reply to this if you're busy. I'm going to kill"
        " myself tonight.",
        "Can I come back? My husband has booked a holiday but I won't be on it,"
        " I'm going to kill myself on Friday.",
        "Miss you. I have signed the papers. I'm going to end my life tomorrow."
        " love, x",
        # two of a vendor's words: once enough to read it as a vendor's
        "My trial is next week and my husband has booked a holiday. I'm going to"
        " kill myself on Friday.",
        "I have signed the papers, my free trial ended and the delivery is booked."
        " I'm going to end my life tomorrow. love, x",
    ],
)
def test_one_word_of_a_vendors_beside_a_former_clients_crisis_hides_nothing(
    text: str,
) -> None:
    result = _classify(_inbound(subject="", text=text))
    assert result.verdict is Verdict.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # in a professional's voice twice over (their role, their service)
        "Dear colleague,\n\nI am a community pharmacist and a partner in our "
        "practice. I drew one up for myself after we closed last night. I would "
        "like to speak to someone.\n\nDr R Amin MPharm\nCommunity Pharmacist",
        # a student on placement, no request for a call
        "I'm a third year nursing student on placement on a surgical ward. We "
        "did drug calcs on Tuesday and I've been doing the same calcs for myself "
        "ever since. I've worked out I have enough.",
        # a clinician's own assessment, written from work
        "I'm a psychiatric nurse and I write risk assessments all day. If I "
        "scored myself honestly I'd be high. I have a plan and the means.",
    ],
)
def test_a_care_professionals_own_plan_and_means_is_their_crisis(text: str) -> None:
    """who/own_crisis.jsonl (written blind 2026-12-06): their own means, in
    the words of their work, were left alone or weighed as a note; in other
    words than the set's, each is now the crisis answer (the safety message
    and the alert), never a note about someone in their care."""
    result = _classify(_inbound(subject="Personal", text=text))
    assert (result.verdict, result.risk) == (Verdict.CRISIS, "clear")


@pytest.mark.parametrize(
    "text",
    [
        "I wrote up my notes for the last time today. My locker is cleared and "
        "the cards are in the staff room for the girls. I'm not going home after "
        "this shift. Someone should know.",
        "My shift ends at eight. The tablets from the trolley are in my coat and "
        "I've written to my sister. I don't think I'll be at handover tomorrow.",
    ],
)
def test_words_near_risk_that_weigh_like_a_crisis_send_the_safety_message(
    text: str,
) -> None:
    """A mail that asks for nothing, with words near risk, whose words as a
    whole weigh like a crisis's too, is the risk words' note: the writer is
    sent the safety message at once (`decide.WARNED_WEIGHED`), where the
    plain "near risk" note sent nothing (who/own_crisis.jsonl, 2026-12-06)."""
    from mailflow.deciding import decide

    result = _classify(_inbound(subject="", text=text))
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.ASK, "risk-words", "possible",
    )  # fmt: skip
    assert (result.relayed, result.addressed) == (False, True)
    assert decide.warns_unsure(result.reason, result.risk, result.danger_now, 1)


def test_words_near_risk_said_lightly_are_read_without_a_letter() -> None:
    """The same branch for a friend's banter: the therapist reads it; nothing
    is sent (none of the learned sets' mail to leave there weighs heavy)."""
    from mailflow.deciding import decide

    banter = (
        "are we still on for friday? work has been murder this week, I'm dying "
        "for a proper catch up. x"
    )
    result = _classify(_inbound(subject="Friday?", text=banter))
    assert (result.verdict, result.reason) == (Verdict.ASK, "unsure-risk")
    assert not decide.warns_unsure(result.reason, result.risk, result.danger_now, 1)


HEAVY_FIRST = (
    "hi sorry to bother you. its been a really bad week and last night was"
    " the worst its been. i dont really know why im writing tbh. maybe you"
    " could call me sometime"
)


def test_whose_mail_to_whom_weighed_words_come_in() -> None:
    """The facts `decide.warns_unsure` reads: the writer's own mail to the
    practice; a forward of someone's words (`relayed`); mail sent to someone
    else, the practice Bcc'd or spammed (not `addressed`)."""
    own = _classify(_inbound(subject="", text=HEAVY_FIRST))
    assert (own.reason, own.relayed, own.addressed) == ("risk-words", False, True)
    cc = _classify(
        _inbound(subject="", text=HEAVY_FIRST, to=("sam@else.example",),
                 cc=("HELLO@riverside.example",))
    )  # fmt: skip
    assert (cc.relayed, cc.addressed) == (False, True)
    tagged = _classify(
        _inbound(subject="", text=HEAVY_FIRST, to=("hello+web@riverside.example",))
    )
    assert tagged.addressed  # plus-addressing reaches the same mailbox
    elsewhere = _classify(
        _inbound(subject="", text=HEAVY_FIRST, to=("x@else.example",))
    )
    assert (elsewhere.relayed, elsewhere.addressed) == (False, False)
    forward = _classify(
        _inbound(
            subject="Fwd: from a pupil",
            text="FYI, see below.\n\n---------- Forwarded message ---------\n"
            "From: Pupil <p@school.example>\nSubject: hi\n\n" + HEAVY_FIRST,
        )
    )
    assert forward.relayed


# --- a passive wish or a denial of acting never takes away the risk words' note


def test_a_denial_of_acting_keeps_the_note_the_risk_words_give() -> None:
    """The phrases read "I'm not going to do anything" as possible risk (stop
    59); where the words as a whole weigh like a crisis's, the mail is still
    the urgent note, not times with an alert (`_WEIGHED_BESIDE`)."""
    text = (
        "Evening. I'm at the multi-storey, level 7, the top one. I've had one"
        " leg over the wall for a long time now. I'm not going to do anything"
        " silly, I just wanted to ask if you do evenings."
    )
    result = _classify(_inbound(subject="Counselling enquiry", text=text))
    assert (result.verdict, result.reason) == (Verdict.ASK, "risk-words")
    plain = _classify(
        _inbound(
            text="Hi, I've felt low since the summer. I'm not going to do anything"
            " silly, I'd just like to talk. Could I book the free call? Evenings"
            " are best."
        )
    )
    assert (plain.verdict, plain.risk) == (Verdict.REQUEST, "possible")


def test_an_ending_arranged_keeps_the_note_the_risk_words_give() -> None:
    """`absence-arranged` (stop 60) is possible risk; where the words as a
    whole weigh like a crisis's, the mail is still the urgent note, not
    times with an alert (`_WEIGHED_BESIDE`)."""
    text = (
        "Evening. I'm at the multi-storey, level 7, the top one. I've had one"
        " leg over the wall for a long time now. It's the last week of"
        " everything, I just wanted to ask if you do evenings."
    )
    result = _classify(_inbound(subject="Counselling enquiry", text=text))
    assert (result.verdict, result.reason) == (Verdict.ASK, "risk-words")
    plain = _classify(
        _inbound(
            text="Hi, I've felt low since the summer. It's the last week of"
            " everything for me. Could I book the free call? Evenings are best."
        )
    )
    assert (plain.verdict, plain.risk) == (Verdict.REQUEST, "possible")


@pytest.mark.parametrize(
    "text",
    [
        "Hi, my son is one of your clients. I'd like the free call for myself. He's"
        " timed some texts to go out to us on Sunday and I don't know what that means.",
        "Hi Sam, I'm a support worker and one of my service users would like to start"
        " therapy. He has set up some emails to go out to his family on the 3rd."
        " Could you offer him a call? Thanks, Jo (Mind)",
    ],
)
def test_an_ending_arranged_in_a_referral_is_still_the_therapists_to_read(
    text: str,
) -> None:
    """A referrer's or a client's relative's mail is asked about, never
    answered with times, when an ending arranged is all the risk it tells
    (`_nothing_but_weighed`; helper-297's blocker)."""
    result = _classify(_inbound(subject="Enquiry", text=text))
    assert result.verdict is Verdict.ASK
    assert result.risk == "possible"


@pytest.mark.parametrize(
    "text",
    [
        "I wondered whether you'd see somebody for a short piece of work,"
        " perhaps six or eight weeks. I can come on any weekday.",
        "could you let me know if you would see someone like me?",
        "I wondered if you'd see my son, he is 15 and very anxious.",
        "would love to know if you could see me privately",
        "do let me know if you might see us as a couple.",
    ],
)
def test_whether_you_would_see_them_is_asking(text: str) -> None:
    """Stop 63 (who/enquiries pe-035): "whether you'd see somebody for ..."
    asks for the work as plainly as "would you see me?"."""
    result = _classify(_inbound(subject="", text=text))
    assert (result.verdict, result.reason) == (Verdict.REQUEST, "request")


@pytest.mark.parametrize(
    "text",
    [
        "Let me know if you would see someone from our team for supervision.",
        "Let me know if you would see someone for a placement next year.",
        "I wonder if you could see me walking past your window, waving!",
        "Not sure if you'd see the parcel, I left it by the bins.",
    ],
)
def test_whether_you_would_see_them_for_something_else_is_not(text: str) -> None:
    result = _classify(_inbound(subject="", text=text))
    assert result.verdict is not Verdict.REQUEST
