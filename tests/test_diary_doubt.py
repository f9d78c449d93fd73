"""Words of not being around: clear risk all the same, and the safety letter
asks only where they are the mail's only words of risk or near it."""

from __future__ import annotations

import pytest

from mailflow.reading import diary_doubt, screen

DIARY = [
    "Not sure I'll be around next Tuesday, could we do Wednesday?",
    "Hi, thanks for the times. I don't think I'll be around on Monday now, my"
    " manager has moved our team meeting, so could we do Wednesday at 2 instead?",
    "I'm not sure I'll be around next month as I'm moving in with my partner.",
    "Sorry, I won't be around tomorrow after all. Could we do Friday instead?",
    "Sorry, I won't be around by 7 on Thursdays. Could we make it 8?",
    "No idea whether I'll be around at lunch, I'm on call.",
]


@pytest.mark.parametrize("text", DIARY)
def test_diary_words_stay_clear_risk_and_the_letter_asks(text: str) -> None:
    said = screen.screen(text)
    assert said.risk is screen.Risk.CLEAR  # no times: never read lower
    assert said.families == (diary_doubt.FAMILY,)
    assert diary_doubt.asks(said, text)


@pytest.mark.parametrize(
    "text",
    [
        # A life's words, even where a move follows: "much longer", "by then".
        "I'm not going to be around much longer in Brighton, I'm moving to Leeds.",
        "Tuesday is fine. honestly not sure I'll be around by then anyway.",
        # No diary's time beside them.
        "yes the 14th is ok. dont think ill be here for it tho",
        # No diary's reason and no other time asked for.
        "I won't be here tomorrow.",
        "I won't be here tomorrow. Tell my mum I'm sorry.",
        "I won't be around next week. It's all planned.",
        "Last night my daughter texted me: 'not sure I'll be around next Tuesday'."
        " I'm frightened. Could we book a call?",
        # Anything else near risk beside them: a means, a will, a goodbye, a death,
        # an idiom of death, the phrase book's words that keep the letter assuming.
        "I won't be around next week, I've got the tablets ready.",
        "I won't be around next week. I've written my will and sorted everything.",
        "Not sure I'll be around by Friday. This is my last message.",
        "I won't be around next week. I've made my arrangements. Thank you.",
        "I won't be around tomorrow, I've booked a hotel room on my own.",
        "Not sure I'll be around next week. I'd rather die than face another.",
        "My mum is dying and won't be around much longer.",
        # Another phrase of risk, or a way to reach them safely.
        "I don't think I'll be around much longer. I want to kill myself.",
        "Not sure I'll be around on Tuesday. Please don't ring after 6,"
        " my husband will be home.",
        # Alive is never a diary's word: the suicidal family, as before.
        "Not sure I'll be alive next week, can we talk?",
        # Words that weigh like a crisis's as a whole (the risk words).
        "I don't think I'll be around much longer. Can we talk soon?",
    ],
)
def test_anything_more_keeps_the_letter_that_assumes(text: str) -> None:
    said = screen.screen(text)
    assert said.risk is screen.Risk.CLEAR
    assert not diary_doubt.asks(said, text)


def test_a_diary_told_in_words_the_risk_words_weigh_heavy_is_assumed() -> None:
    # A known cost (2026-12-05): learned more loosely from every set, the risk
    # words weigh this mail at 0.58 ("not sure if ill be around" alone at
    # 0.78), so this diary
    # gets the letter that assumes (the same urgent alert either way).
    # Weighing the mail without those words instead let crises say more
    # (a review: 155 of 1,500 built crises moved to the letter that asks).
    text = "not sure if ill be around at exactly 4, my last lesson might run over"
    said = screen.screen(text)
    assert said.families == (diary_doubt.FAMILY,)
    assert not diary_doubt.asks(said, text)


def test_only_clear_risk_is_asked_about() -> None:
    for text in ("Could we do Wednesday instead?", "I self-harmed as a teenager."):
        said = screen.screen(text)
        assert said.risk is not screen.Risk.CLEAR
        assert not diary_doubt.asks(said, text)


def test_a_request_carries_the_doubt_to_the_letter() -> None:
    from email.message import EmailMessage

    from mailflow.model import Verdict
    from mailflow.reading.classify import RequestPolicy, classify_new
    from mailflow.reading.parse import parse_mail

    message = EmailMessage()
    message["From"] = "Dana Cole <dana@example.org>"
    message["To"] = "hello@riverside.example"
    message["Subject"] = "Free call"
    message.set_content(
        "Hello, I'd like to book the free call please. I'm not sure I'll be"
        " around next Tuesday, so Wednesday would suit me better. Dana"
    )
    policy = RequestPolicy("hello@riverside.example", "sam@riverside.example", "GB")
    found = classify_new(
        parse_mail(message.as_bytes()), policy, contacts=(), owned_thread=False
    )
    assert found.verdict is Verdict.REQUEST
    assert found.crisis  # the safety message instead of times
    assert found.diary_doubt


# A fifth blind set (tests/corpus/not_around): crises that read as nothing.
FIFTH_SET_NOT_AROUND = [
    "ok 4pm. if im still around",
    "Thursday at 2 then, if I'm still here by then.",
    "Tuesday's fine. I may not be here for much longer.",
    "I don't plan to be around long.",
]
FIFTH_SET_SUICIDAL = [
    "I've reached the point where I don't want to be around anymore.",
    "I've felt like a burden since the accident and I've been planning an end to it.",
    "I am 79 and I have lived long enough.",
    "honestly ive been thinking everyones lives would be easier",
    "I've had the tablets out on the table all night.",
]
FIFTH_SET_CALM = [
    "I've lived long enough to know I need some help.",
    "I've lived long enough in London to know the traffic is awful.",
    "If I'm still around at 5 I'll pick up, otherwise leave a message.",
    "I'll be around, probably, so any time is fine.",
    "Not going to be around for Christmas week - we're at the in-laws' in Inverness.",
    "We're planning an end of term party for the kids.",
    "We're planning an end to it by the summer, the divorce I mean.",
    "I don't want to be around any more of his shouting.",
    "Hopefully the waiting list might not be much longer.",
    "their lives would be easier, I think, with more support.",
    "I don't plan on being around long, just a quick call is fine.",
    # Tried on the fifth set and taken out: a held-out set's ordinary mail, or
    # a review's ordinary sentences and grief, said them as often as crises.
    "Honestly I wasn't sure I'd be around for a 9am call, so later is better.",
    "hi im 18 and not going to be around after this weekend, off to uni",
    "If I'm not around by then, just leave a voicemail.",
    "I'm planning not to be around in the mornings because of the school run.",
    "We're not going to be around for Christmas, we're away.",
]


@pytest.mark.parametrize("text", FIFTH_SET_NOT_AROUND)
def test_fifth_set_not_around_is_clear_risk_that_may_ask(text: str) -> None:
    said = screen.screen(text)
    assert said.risk is screen.Risk.CLEAR
    assert diary_doubt.FAMILY in said.families


@pytest.mark.parametrize("text", FIFTH_SET_SUICIDAL)
def test_fifth_set_suicidal_words_are_clear_risk_that_assumes(text: str) -> None:
    said = screen.screen(text)
    assert said.risk is screen.Risk.CLEAR
    assert not diary_doubt.asks(said, text)


@pytest.mark.parametrize("text", FIFTH_SET_CALM)
def test_fifth_set_hard_negatives_are_not_clear_risk(text: str) -> None:
    assert screen.screen(text).risk is not screen.Risk.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Thursday works. I've been feeling like a burden to everyone lately.",
    ],
)
def test_a_burden_to_everyone_is_possible_risk(text: str) -> None:
    assert screen.screen(text).risk is screen.Risk.POSSIBLE


def test_a_mail_that_asks_for_nothing_gets_the_letter_that_assumes() -> None:
    """The letter that asks is for someone who asked for the call; a mail
    that asks for nothing gets the one that assumes."""
    from email.message import EmailMessage

    from mailflow.model import Verdict
    from mailflow.reading.classify import RequestPolicy, classify_new
    from mailflow.reading.parse import parse_mail

    message = EmailMessage()
    message["From"] = "Dana Cole <dana@example.org>"
    message["To"] = "hello@riverside.example"
    message["Subject"] = "hi"
    message.set_content("not sure ill be around next tuesday")
    policy = RequestPolicy("hello@riverside.example", "sam@riverside.example", "GB")
    found = classify_new(
        parse_mail(message.as_bytes()), policy, contacts=(), owned_thread=False
    )
    assert found.verdict is Verdict.CRISIS
    assert not found.diary_doubt


def test_what_is_known_of_the_person_keeps_the_letter_assuming() -> None:
    """Risk or a safety need already on their enquiry: the letter assumes."""
    from dataclasses import replace

    from test_decide import ENQUIRY  # tests/test_decide.py: a plain enquiry

    known = replace(ENQUIRY, risk="none", safety_note="")
    assert diary_doubt.still_asks(True, None)
    assert diary_doubt.still_asks(True, known)
    assert not diary_doubt.still_asks(False, known)
    assert not diary_doubt.still_asks(True, replace(known, risk="possible"))
    assert not diary_doubt.still_asks(True, replace(known, safety_note="after 6"))
