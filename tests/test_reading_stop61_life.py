"""Stop 61's reading end to end on real Dovecot + SMTP: once booked, another
thing moved so they can make it, or a move said only as a maybe, leaves the
call booked and the reply with the therapist; the person is sent no fresh
times and nothing is cancelled (before stop 61, both got fresh times)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import plain
from test_life import (
    T0,
    book,
    call_times,
    kinds,
    life,  # noqa: F401 (a fixture)
    mails,
    newest,
    person_says,
)


@pytest.mark.parametrize(
    "words",
    [
        "My manager wanted to reschedule our 1:1 into that exact slot but I told"
        " her I'm busy, so we're still good for {day}.",
        "hi there, if i needed to move it, would that be possible?",
    ],
)
def test_a_change_not_asked_for_keeps_the_call_and_tells_the_therapist(  # type: ignore[no-untyped-def]
    life,  # noqa: F811
    words: str,
) -> None:
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    day = start_at.astimezone(T0.tzinfo).strftime("%A")
    person_before = kinds(server, boxes.person)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        words.format(day=day),
        T0 + timedelta(hours=3),
    )
    assert kinds(server, boxes.person) == person_before  # no fresh times, no cancel
    assert not mails(server, boxes.therapist, "cancel_notice")
    told = newest(server, boxes.therapist, "therapist_alert")
    assert "The booking stands; please read their reply" in plain(told)
