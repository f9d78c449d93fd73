"""The therapist's no, or cancel, about the person sends the person nothing.

A user-eyes review (2026-12-05) found "no - she's an ex-client", "No. Known
to me." and "Cancel it - I'll contact Jo directly" answered with other times
to the person. Words about the person, or the therapist taking it on, stand
mailflow down (`Decision.PRIVATE`, or a CANCEL marked `private`); a no about
the time still offers other times. Hard negatives beside each family.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailflow.deciding.workflow import Facts, Offer, Release, on_therapist_reply
from mailflow.model import Decision, Slot, State
from mailflow.reading.therapist import read_therapist_reply

TODAY = date(2027, 3, 20)
HELD = Slot(
    datetime(2027, 3, 25, 13, tzinfo=UTC), datetime(2027, 3, 25, 13, 15, tzinfo=UTC)
)


def _read(text: str):  # type: ignore[no-untyped-def]
    return read_therapist_reply(text, today=TODAY)


def _after(text: str) -> State:
    facts = Facts(approval="therapist", held=HELD, free=frozenset({HELD}))
    return on_therapist_reply(State.HELD, _read(text), facts).state


@pytest.mark.parametrize(
    "text",
    [
        "no - she's an ex-client",
        "No. Known to me.",
        "no, she was my client a few years ago and it ended badly",
        "Please cancel, Jo's my client already and we've sorted it in session.",
        "Cancel it - I'll contact Jo directly.",
        "no - I'll email her myself",
    ],
)
def test_words_about_the_person_stand_mailflow_down(text: str) -> None:
    assert _after(text) is State.STOOD_DOWN


@pytest.mark.parametrize(
    "text",
    [
        "No, that slot's gone now",
        "no, I've got supervision then",
        "Please cancel this one - I'm unwell that day",
    ],
)
def test_a_no_about_the_time_offers_other_times(text: str) -> None:
    facts = Facts(approval="therapist", held=HELD, free=frozenset({HELD}))
    done = on_therapist_reply(State.HELD, _read(text), facts)
    assert done.state is State.OFFERED
    assert Release() in done.commands
    assert any(isinstance(c, Offer) for c in done.commands)


@pytest.mark.parametrize(
    "text",
    [
        "Known to me - happy to go ahead",
        "yes, this is my client's sister, happy to go ahead",
    ],
)
def test_a_yes_that_speaks_of_them_still_approves(text: str) -> None:
    assert _read(text).decision is Decision.APPROVE


def test_a_private_cancel_of_a_booked_call_cancels_without_a_note() -> None:
    found = _read("Cancel it - I'll contact Jo directly.")
    assert (found.decision, found.note, found.private) == (Decision.CANCEL, "", True)
    facts = Facts(approval="therapist")
    done = on_therapist_reply(State.BOOKED, found, facts)
    assert done.state is State.CANCELLED


@pytest.mark.parametrize(
    "text",
    [
        "No, cancel. Let her know I'm away that week.",
        "Cancel please - tell her I'm sorry, something came up",
        "Cancel - he mentioned he'd prefer mornings",
    ],
)
def test_a_cancel_with_words_to_pass_on_still_offers_other_times(text: str) -> None:
    """A review found these standing mailflow down (the person then got
    nothing): words to pass on, or about the time, are no tie to the person."""
    assert _after(text) is State.OFFERED
