"""Stop 58's readings end to end on real Dovecot + SMTP: a crisis told in
passing inside an enquiry is answered as a crisis; "not the Thursday one"
never holds Thursday; the therapist's bare "2pm?" is asked about, and
nothing goes to the person."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from support import request, run, write_config
from test_life import (
    T0,
    awaiting_approval,
    kinds,
    life,  # noqa: F401 (a fixture)
    offered_lines,
    person_says,
    start,
    therapist_says,
)


def test_a_crisis_told_in_passing_gets_the_safety_message_and_an_alert(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(
            sender=f"Simon Hale <{mailboxes.person}>",
            to=mailboxes.practice,
            subject="Introductory call",
            body="Hello,\n\nI'd like to arrange the introductory call please. Things"
            " have got worse since October.\n\nSlightly odd question: does life"
            " insurance still pay out to your family if it isn't an accident? I've"
            " been through the policy twice.\n\nAny afternoon this week.\n\nSimon",
            sent_at=T0,
        ),
        mailboxes.practice,
    )
    assert run(config, T0) == 0
    assert kinds(mail_server, mailboxes.person) == ["safety"]
    assert kinds(mail_server, mailboxes.therapist) == ["crisis_alert"]


@pytest.mark.parametrize(
    "said",
    [
        "Not the {} one, I've got choir. The rest are all fine for me.",
        # stop 59: "anything but" read as "other than" (the person's reader)
        "Anything but the {} one works for me",
    ],
)
def test_the_day_turned_down_is_never_held(life, said: str) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    days = Counter(line.split()[0] for _n, line in offered_lines(offer))
    alone = [day for day, n in days.items() if n == 1]
    assert alone, days  # a day with one time, so "the Thursday one" names it
    person_says(
        server,
        boxes,
        config,
        offer,
        said.format(alone[0]),
        T0 + timedelta(hours=1),
    )
    assert kinds(server, boxes.person)[-1] == "clarify"
    assert "held" not in kinds(server, boxes.person)


def test_the_therapists_bare_time_is_asked_about(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)  # picks wait for approval
    approval = awaiting_approval(server, boxes, config)
    sent_before = kinds(server, boxes.person)
    therapist_says(
        server, boxes, config, approval, "2pm?\n\nThanks\nSam", T0 + timedelta(hours=2)
    )
    assert kinds(server, boxes.person) == sent_before  # nothing offered to them
    assert kinds(server, boxes.therapist)[-1] == "approval_again"  # one question back
