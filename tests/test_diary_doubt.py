"""Words of not being around: clear risk all the same, and the safety letter
asks only where they are the mail's only words of risk or near it."""

from __future__ import annotations

import pytest

from mailflow.reading import diary_doubt, screen

DIARY = [
    "Not sure I'll be around next Tuesday, could we do Wednesday?",
    "Hi, thanks for the times. I don't think I'll be around on Monday now, my"
    " manager has moved our team meeting, so could we do Wednesday at 2 instead?",
    "not sure if ill be around at exactly 4, my last lesson might run over",
    "I'm not going to be around much longer in Brighton, I'm moving to Leeds.",
    "I'm not sure I'll be around next month as I'm moving in with my partner.",
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
        # Anything else near risk beside them: a means, a will, a goodbye, a death.
        "I won't be around next week, I've got the tablets ready.",
        "I won't be around next week. I've written my will and sorted everything.",
        "Not sure I'll be around by Friday. This is my last message.",
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
