"""Stop 59's readings end to end on real Dovecot + SMTP: the therapist's
yes said to someone else by name ("Yes, happy to speak to Marcus" under
Jordan's approval) is asked about, nothing is booked and nothing goes to
Jordan. ("Anything but the <day> one" never holding that day is beside
stop 58's "not the <day> one", in test_reading_stop58_life.py.)"""

from __future__ import annotations

from datetime import timedelta

from support import plain, write_config
from test_life import (
    T0,
    awaiting_approval,
    kinds,
    newest,
    therapist_says,
)


def test_a_yes_to_someone_else_by_name_is_asked_about(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)  # picks wait for approval
    approval = awaiting_approval(server, boxes, config)
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
