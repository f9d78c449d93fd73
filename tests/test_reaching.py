"""Tests for `reaching.reaches_out` (stop 63): a short mail from a stranger
that says nothing of what it is for, or only reaches for the practice
("hello?", "is this still Sam's email?", a photo with no words), is asked
about (a short note to the therapist), never left unseen; mail that says what
it is for, or that it reached the wrong place, is still left alone, and every
reading of risk keeps its own answer."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_classify import POLICY, _classify, _inbound

from mailflow.model import Verdict
from mailflow.reading import reaching

# (subject, text, the writer's name as their mail shows it). Each a family.
REACHING_OUT = [
    # a greeting alone, however typed
    ("", "hello", ""),
    ("hi", "hi\n\nSent from my Galaxy", ""),
    ("Hello?", "Hello?", ""),
    ("", "Hiya", "Dee Walsh"),
    ("", "?", ""),
    ("test", "test", "Gary"),
    ("", "Hello? Anyone there?", ""),
    # a file and nothing said
    ("IMG_4471.JPG", "\n\nSent from my iPhone", "Karen Wilde"),
    ("Scan_0042.pdf", "see attached\n\nGet Outlook for Android", ""),
    ("", "Please see attached.", ""),
    ("", "\n\nSent from my iPhone", "Kieran Byrne"),
    # the right address, the therapist's, whether it still works
    ("", "Sorry, is this the practice?", ""),
    ("", "Does this email still work?", ""),
    ("", "Hi, is this still active?", ""),
    # may they ask, may they write
    ("", "Hi, can I ask you something?", ""),
    ("", "hi, quick question if thats ok", ""),
    ("", "Is it alright if I email you here?", ""),
    ("", "hi there, hope this is ok", ""),
    ("", "Hi, I've been meaning to email for a while.", ""),
    ("", "hey is anybody reading this", ""),
    ("", "Do you reply to emails here?", ""),
    # whether an earlier message arrived
    ("", "did you get my email?? x", ""),
    # only a hello
    ("", "Hi it's Jo again, are you around at all?", "Jo"),
    ("", "is Sam there", ""),
]

LEFT_ALONE = [
    # says what it is for, in the same words (helper-314's among them)
    (
        "quote",
        "I think I've got the wrong email - is this Riverside Carpets? Need a quote for a hallway.",
        "",
    ),
    ("", "Sorry, wrong address! Meant for my sister. Ignore me x", ""),
    ("", "is this the right address? sorry wrong email, meant for the dentist", ""),
    (
        "Fence",
        "Hi Sam, Jim next door. Are you around next week? The fence panel between"
        " our gardens has come down in the wind and I'd like to sort it out"
        " together. Happy to split the cost.\n\nJim",
        "Jim Carver",
    ),
    ("fence", "Hi Sam, are you around? The fence is down.", "Jim Carver"),
    (
        "Delivery",
        "Is anyone in? Got a delivery for number 12, no answer at the door",
        "DPD",
    ),
    ("", "It's Kev. Your car alarm is going off mate", "Kevin"),
    (
        "Car",
        "Trying to reach the owner of the blue Corsa parked across my drive",
        "M Patel",
    ),
    (
        "Websites",
        "Got your details from the Chamber directory - we build websites for small businesses.",
        "Lee at PixelWorks",
    ),
    (
        "Warranty",
        "Trying to reach you about your vehicle's extended warranty. Call back today.",
        "Auto Protect",
    ),
    ("cake", "hi is this Greggs? want to order a cake for friday", "Mandy"),
    ("", "Are you open Saturday? Need a haircut before the wedding", "Tom"),
    (
        "coat",
        "Hi, it's Ellie's mum. Is Sam about? Ellie left her coat there on Tuesday.",
        "Claire Mason",
    ),
    ("", "Pub?", "Geoff"),
    ("", "Drinks??", "Becca"),
    ("", "Thanks!!", ""),
    ("", "hey it's Jess. movie night still on?", "Jess"),
    ("", "Did you see my email about the gutter quote?", ""),
    ("", "Morning! It's Tony. Skip's being delivered at 8.", "Tony"),
    ("Fence Repairs", "Fence repairs", "Fence Repairs Ltd"),
    (
        "Предложение",
        "Здравствуйте! Предлагаем продвижение сайта в поисковых системах недорого. Пишите.",
        "Иван",
    ),
    ("推广", "您好\uff0c我们提供网站推广服务\uff0c价格优惠\uff0c欢迎联系。", "Li"),
    ("bins", "Someone's parked across the bins again. Is it one of your visitors?", ""),
    (
        "umbrella",
        "Hi, I think I left my umbrella in your waiting room yesterday. Ok if I pop in for it?",
        "",
    ),
    (
        "",
        "Typing this from the platform at Leeds, the 17:42 is due in two minutes.",
        "",
    ),
    ("quiz", "End of the month quiz at the Red Lion, fancy it? Geoff (no. 10)", ""),
    (
        "Parcel",
        "Hi Sam, it's Ann from number 14. I've got a parcel for you, I'm around all day tomorrow.",
        "",
    ),
    # sent empty
    ("", "", ""),
    ("", "   \n ", ""),
]


@pytest.mark.parametrize(("subject", "text", "sender"), REACHING_OUT)
def test_a_short_mail_reaching_out_is_read_so(
    subject: str, text: str, sender: str
) -> None:
    assert reaching.reaches_out(subject, text, sender)


@pytest.mark.parametrize(("subject", "text", "sender"), LEFT_ALONE)
def test_mail_that_says_what_it_is_for_is_not(
    subject: str, text: str, sender: str
) -> None:
    assert not reaching.reaches_out(subject, text, sender)


# One word of their own beside the reaching says what the mail is for
# (helper-315's, each once a note).
ONE_WORD_OF_PURPOSE = [
    "Are you around for a coffee?",
    "Are you around this evening? Pizza?",
    "Is anyone in? Parcel here",
    "Did you get my email about the invoice?",
    "Just following up on my email re the invoice",
    "Trying to get hold of you about the MOT",
    "Quick question re: the bins",
    "Can I ask you a quick question about the hedge?",
    "Is it ok to email the minutes here?",
    "Is it possible to send you our brochure?",
    "Do you have 5 minutes for a call?",
    "Drop me a line if interested",
    "We have been trying to reach you.",
    "Is breakfast available?",
]


@pytest.mark.parametrize("said", ONE_WORD_OF_PURPOSE)
def test_one_word_of_their_own_says_what_it_is_for(said: str) -> None:
    assert not reaching.reaches_out("", said)
    assert _classify(_inbound(subject="", text=said)).verdict is Verdict.IGNORE


def test_a_quiet_word_beside_the_reaching_says_nothing() -> None:
    assert reaching.reaches_out("", "Is anyone there?")
    assert reaching.reaches_out("", "Hi, sorry to bother you, is anyone there?")
    assert not reaching.reaches_out("", "Is anyone in? Got a parcel for you.")


def test_the_wrong_place_says_so_beside_the_reaching() -> None:
    for said in (
        "Is this the right email? Sorry, wrong address.",
        "hello? sent this by mistake",
        "Did you get my email? Not meant for you, sorry",
    ):
        assert not reaching.reaches_out("", said)


def test_any_scripts_words_count() -> None:
    """A long mail in Cyrillic is as long as its words (never "nothing said")."""
    words = " ".join(["продвижение"] * (reaching.MAX_WORDS + 1))
    assert not reaching.reaches_out("", words)
    assert not reaching.reaches_out("", "Здравствуйте")


def test_a_long_mail_is_never_read_so() -> None:
    words = " ".join(["word"] * reaching.MAX_WORDS)
    assert not reaching.reaches_out("", f"Is this still Sam's email? {words}")


def test_the_writers_own_name_says_nothing() -> None:
    assert reaching.reaches_out("", "Hello\n\nDanny", "Danny Roe")
    assert not reaching.reaches_out("", "Hello\n\nDanny", "")
    # a business's name is what the mail is for
    assert not reaching.reaches_out("", "Hello\n\nFence Repairs", "Fence Repairs Ltd")
    # so is a long one ("Jo at Northside Fencing and Gates")
    assert not reaching.reaches_out("", "Hello\n\nJo", "Jo at Northside Fencing")


@pytest.mark.parametrize(("subject", "text", "sender"), REACHING_OUT)
def test_the_therapist_is_asked(subject: str, text: str, sender: str) -> None:
    result = _classify(_inbound(subject=subject, text=text, from_name=sender or None))
    # Its own note; or the urgent one where its words weigh like a crisis's.
    assert result.verdict is Verdict.ASK
    assert result.reason in {"no-intent", "risk-words"}


def test_still_practising_is_read_as_asking() -> None:
    """ "Are you still practising?" reaches out, and the request book already
    reads it as asking: times, as before."""
    assert reaching.reaches_out("", "are you still practising?")
    result = _classify(_inbound(subject="", text="are you still practising?"))
    assert result.verdict is Verdict.REQUEST


@pytest.mark.parametrize(("subject", "text", "sender"), LEFT_ALONE)
def test_the_rest_is_left_alone(subject: str, text: str, sender: str) -> None:
    result = _classify(_inbound(subject=subject, text=text, from_name=sender or None))
    assert result.verdict is Verdict.IGNORE


def test_a_mail_to_many_is_a_circular_not_a_question() -> None:
    many = (
        "hello@riverside.example",
        "a@example.org",
        "b@example.org",
        "c@example.org",
    )
    result = _classify(_inbound(subject="", text="hello?", to=many))
    assert result.verdict is Verdict.IGNORE


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello? i cant do this anymore. ive taken all my tablets", "crisis"),
        ("is this still Sam's email? i dont want to be here anymore", "crisis"),
    ],
)
def test_risk_keeps_its_own_answer(text: str, reason: str) -> None:
    """Read last: a crisis in a short hello is the crisis answer, not a note."""
    result = _classify(_inbound(subject="", text=text))
    assert (result.verdict, result.reason) == (Verdict.CRISIS, reason)


def test_possible_risk_keeps_its_own_note() -> None:
    """A hello beside words of risk is the note about risk (its why, its
    urgency), not the plain "does not say what it is about"."""
    result = _classify(
        _inbound(subject="", text="hello? I used to self harm years ago")
    )
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.ASK,
        "possible-risk",
        "possible",
    )


HOW_THEY_ARE = [
    ("", "hello? struggling", ""),
    ("", "are you around? bad night", ""),
    ("", "Can I ask you something? I think I'm depressed", ""),
    ("", "hello? everything is falling apart", ""),
    ("", "Hi, did you get my email? Things are worse", ""),
    ("", "hello? can't stop crying", ""),
    ("", "is this still Sam's email? I'm a bit low", ""),
    ("", "Is it ok to email you? I'm scared", ""),
]


@pytest.mark.parametrize(("subject", "text", "sender"), HOW_THEY_ARE)
def test_a_hello_beside_how_they_are_is_read_first(
    subject: str, text: str, sender: str
) -> None:
    """Words no reading of risk heard, beside a hello: the urgent note, kept as
    possible risk (an alert beside it), not the plain one."""
    assert reaching.tells_how_they_are(subject, text, sender)
    assert not reaching.reaches_out(subject, text, sender)
    result = _classify(_inbound(subject=subject, text=text, from_name=sender or None))
    assert result.verdict is Verdict.ASK
    assert result.reason in {"unsure-risk", "risk-words", "possible-risk"}
    assert result.risk == "possible"


def test_how_they_are_without_a_hello_is_not_read_so() -> None:
    """The same words in a mail that reaches for nothing say what it is for."""
    for said in (
        "struggling with this spreadsheet, can you resend it",
        "bad night for the bins",
    ):
        assert not reaching.tells_how_they_are("", said)


def test_only_mail_read_as_naming_no_purpose_is_asked_about_so() -> None:
    """ "Hi all" is a circular's voice (`colleague`): left alone, though its
    words also only reach out."""
    said = "Hi all, is anyone there?"
    assert reaching.reaches_out("", said)
    assert _classify(_inbound(subject="", text=said)).verdict is Verdict.IGNORE
    assert (
        _classify(
            _inbound(subject="", text="Hi all, is anyone there? bad night")
        ).verdict
        is Verdict.IGNORE
    )


def test_a_form_is_never_asked_about_so() -> None:
    """A configured form service's mail names the person to write to; what
    they typed ("hello?") is read by the form's own readings, never this one."""
    policy = replace(POLICY, form_senders=("forms@formservice.example",))
    form = _inbound(
        subject="New submission",
        text="Name: Dee Walsh\nEmail: dee@example.org\nMessage: hello?",
        from_addr="forms@formservice.example",
        reply_to=("dee@example.org",),
    )
    assert reaching.reaches_out("", "hello?")
    assert _classify(form, policy).verdict is Verdict.IGNORE


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_error(text: str) -> None:
    assert isinstance(reaching.reaches_out(text[:20], text, text[:10]), bool)
