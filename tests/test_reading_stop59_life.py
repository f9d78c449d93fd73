"""Stop 59's readings end to end on real Dovecot + SMTP: the therapist's
yes said to someone else by name ("Yes, happy to speak to Marcus" under
Jordan's approval) is asked about, nothing is booked and nothing goes to
Jordan; "anything but the <day> one" never holds that day."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from support import plain, write_config
from test_life import (
    T0,
    kinds,
    life,  # noqa: F401 (a fixture)
    newest,
    offered_lines,
    person_says,
    start,
    therapist_says,
)


def test_a_yes_to_someone_else_by_name_is_asked_about(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)  # picks wait for approval
    offer = start(server, boxes, config)
    person_says(server, boxes, config, offer, "1", T0 + timedelta(hours=1))
    approval = newest(server, boxes.therapist, "approval_request")
    sent_before = kinds(server, boxes.person)
    therapist_says(
        server,
        boxes,
        config,
        approval,
        "Yes, happy to speak to Marcus\n\nSam",
        T0 + timedelta(hours=2),
    )
    assert kinds(server, boxes.person) == sent_before  # no invitation
    assert kinds(server, boxes.therapist)[-1] == "approval_again"
    again = plain(newest(server, boxes.therapist, "approval_again"))
    assert "Jordan Lee" in again  # whose time it is, so the mix-up shows
    therapist_says(
        server,
        boxes,
        config,
        approval,
        "Yes, happy to speak to Jordan\n\nSam",
        T0 + timedelta(hours=3),
    )
    assert kinds(server, boxes.person)[-1] == "confirmation"


def test_anything_but_the_day_one_is_never_held(life) -> None:  # noqa: F811
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
        f"Anything but the {alone[0]} one works for me",
        T0 + timedelta(hours=1),
    )
    assert kinds(server, boxes.person)[-1] == "clarify"
    assert "held" not in kinds(server, boxes.person)
