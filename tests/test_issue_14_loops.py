"""Issue #14: loops end. An auto-responder is known by its words as well as its
headers (several languages), so an out-of-office that keeps our subject and
carries no RFC 3834 header is never answered; the therapist is asked again
about an approval at most once a day, so their own out-of-office cannot make
mailflow re-ask every cycle. End to end on Dovecot + SMTP.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from support import NOW, SHARED_FIXTURES, absent, answer, run, write_config
from test_booking import newest, pick, start

from mailflow.deciding import workflow
from mailflow.model import Decision, State, TherapistReply
from mailflow.reading.classify import automated_words
from mailflow.reading.parse import parse_mail
from mailflow.reading.quoting import new_words

OUT_OF_OFFICE = {
    "en": "Automatic reply\n\nI am away from my desk and will answer on Monday.",
    "en-plain": (
        "Thank you for your email. I am out of the office until 7 December with "
        "limited access to email. I will reply when I return."
    ),
    "en-short": "Out of office: back on Monday 7 December, for urgent matters ring 0207.",
    "de": "Abwesenheitsnotiz\n\nIch bin bis zum 7. Dezember nicht im Büro.",
    "de-plain": "Ich bin bis 7.12. nicht im Büro. In dringenden Fällen: 030 1234.",
    "fr": "Bonjour, je suis absente jusqu'au 7 décembre. Je vous répondrai dès mon retour.",
    "es": "Respuesta automática: estoy fuera de la oficina hasta el lunes.",
    "es-plain": "Estoy fuera de la oficina. Contestaré a mi regreso.",
    "it": "Risposta automatica - sono fuori ufficio fino al 7 dicembre.",
    "nl": "Afwezigheidsbericht: ik ben afwezig tot 7 december.",
}

NONE_FIT_AWAY = (
    "Thank you for your email. I am out of the office and unavailable until "
    "7 December. I will reply when I return."
)
"""Read as "none of these fit" by the person's reader: fresh times, each time."""

A_PERSON = {
    "pick": "2 please. I'm out of the office on Thursday anyway.",
    "question": (
        "I am out of the office until Monday - could we do Tuesday instead? "
        "I will reply when I return otherwise."
    ),
    "later": "Option 1 suits me.\n\nAlso, I will be out of the office next week.",
    "plain": "None of these work for me, sorry. Do you have evenings?",
}


@pytest.mark.parametrize("language", sorted(OUT_OF_OFFICE))
def test_an_out_of_office_is_known_by_its_words(language):
    assert automated_words(OUT_OF_OFFICE[language]) is not None


@pytest.mark.parametrize("case", sorted(A_PERSON))
def test_a_person_who_mentions_being_away_is_still_a_person(case):
    assert automated_words(A_PERSON[case]) is None


@pytest.mark.parametrize(
    "name",
    [
        "sisimai_rfc3834-01.eml",
        "sisimai_rfc3834-02.eml",
        "sisimai_rfc3834-04.eml",
        "sisimai_rfc3834-06.eml",
    ],
)
def test_real_auto_replies_are_known_by_their_words_alone(name):
    """Their headers say it too; the words must say it without them."""
    path = SHARED_FIXTURES / "autoreply-bounce" / name
    if not path.is_file():
        absent(f"shared fixture {name}")
    mail = parse_mail(path.read_bytes())
    assert automated_words(new_words(mail.text)) is not None


def test_the_therapist_is_asked_again_at_most_once_a_day():
    unclear = TherapistReply(Decision.UNCLEAR)
    held = workflow.Facts(approval="therapist", held=_slot())
    first = workflow.on_therapist_reply(State.HELD, unclear, held)
    assert any(isinstance(c, workflow.AskTherapistAgain) for c in first.commands)
    again = workflow.on_therapist_reply(
        State.HELD, unclear, replace(held, asked_again_lately=True)
    )
    assert again.commands == ()
    assert again.state is State.HELD


def _slot():
    from mailflow.model import Slot

    return Slot(NOW + timedelta(days=5), NOW + timedelta(days=5, minutes=15))


# -- end to end ----------------------------------------------------------------------


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def test_a_persons_out_of_office_without_headers_is_never_answered(stack):
    """The loop of #14: an out-of-office read as "none of these fit" got fresh
    times every cycle (30 offers in 5 days)."""
    server, boxes, config = stack
    offer = start(server, boxes, config)
    before = len(server.messages(boxes.person)), len(server.messages(boxes.therapist))
    for hour, body in (
        (1, NONE_FIT_AWAY),
        (2, NONE_FIT_AWAY),
        (3, OUT_OF_OFFICE["en-plain"]),
    ):
        at = NOW + timedelta(hours=hour)
        server.deliver(
            answer(
                offer,
                sender=f"Jordan Lee <{boxes.person}>",
                body=body,
                sent_at=at,
                quote=False,
            ),
            boxes.practice,
        )
        assert run(config, at) == 0
    # Neither fresh times for them nor a note to the therapist each cycle.
    after = len(server.messages(boxes.person)), len(server.messages(boxes.therapist))
    assert after == before


def _therapist_auto(server, boxes, config, original, body, at):
    server.deliver(
        answer(
            original,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body=body,
            sent_at=at,
            quote=False,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0


def _kinds(server, user, kind):
    return [m for m in server.messages(user) if m.message()["X-Mailflow"] == kind]


def test_the_therapists_out_of_office_never_re_asks(stack):
    server, boxes, config = stack
    pick(server, boxes, config, start(server, boxes, config))
    approval = newest(server, boxes.therapist, "approval_request")
    for hour in (2, 3):
        _therapist_auto(
            server,
            boxes,
            config,
            approval,
            OUT_OF_OFFICE["de-plain"],
            NOW + timedelta(hours=hour),
        )
    assert _kinds(server, boxes.therapist, "approval_again") == []


def test_an_unreadable_answer_re_asks_the_therapist_at_most_once_a_day(stack):
    """An auto-responder in words no phrase book knows still cannot loop."""
    server, boxes, config = stack
    pick(server, boxes, config, start(server, boxes, config))
    original = newest(server, boxes.therapist, "approval_request")
    for hour in (2, 3, 4, 5):
        _therapist_auto(
            server,
            boxes,
            config,
            original,
            "Gone fishing.",
            NOW + timedelta(hours=hour),
        )
        original = newest(server, boxes.therapist)
    assert len(_kinds(server, boxes.therapist, "approval_again")) == 1


UNKNOWN_AUTO = (
    "None of these times work for me. Kijitora is sleeping now, nyaan, and reads"
    " mail only on Sundays."
)
"""An auto-responder in words no phrase book knows, read as "none of these fit"."""


def test_an_unchanged_auto_reply_gets_at_most_one_answer(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    assert automated_words(UNKNOWN_AUTO) is None
    answered = []
    for hour in (1, 2, 3, 4):
        latest = newest(server, boxes.person)
        at = NOW + timedelta(hours=hour)
        server.deliver(
            answer(
                latest,
                sender=f"Jordan Lee <{boxes.person}>",
                body=UNKNOWN_AUTO,
                sent_at=at,
                quote=False,
            ),
            boxes.practice,
        )
        assert run(config, at) == 0
        answered.append(len(server.messages(boxes.person)))
    first = answered[0]
    assert first == 2  # the offer, then one answer: fresh times
    assert answered == [first] * 4  # never a second
    # The person's own short answer is still read: "2" from the latest list.
    assert offer is not None
    pick(
        server, boxes, config, newest(server, boxes.person), at=NOW + timedelta(hours=5)
    )
    assert newest(server, boxes.therapist, "approval_request")
