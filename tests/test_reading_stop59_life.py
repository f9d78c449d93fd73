"""Stop 59's readings end to end on real Dovecot + SMTP: the therapist's
yes said to someone else by name ("Yes, happy to speak to Marcus" under
Jordan's approval) is asked about, nothing is booked and nothing goes to
Jordan. ("Anything but the <day> one" never holding that day is beside
stop 58's "not the <day> one", in test_reading_stop58_life.py.)"""

from __future__ import annotations

from datetime import timedelta

from support import plain, request, run, write_config
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


def test_a_passive_wish_gets_times_and_the_therapist_is_told(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """A passive wish to be dead, with a denial, inside an enquiry
    (`passive-wish`, `acting-denied`): times as usual, never the crisis
    letter, and the therapist alerted before the call (before stop 59:
    times, nobody told)."""
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(
            sender=f"Helen Marsh <{mailboxes.person}>",
            to=mailboxes.practice,
            subject="Free call",
            body="Hello,\n\nI'd like to book the free call. Since my husband died"
            " I've felt that if the illness took me it would be no bad thing. I'm"
            " not going to do anything silly, I'd just like to talk to someone."
            "\n\nLate mornings suit me.\n\nHelen",
            sent_at=T0,
        ),
        mailboxes.practice,
    )
    assert run(config, T0) == 0
    assert kinds(mail_server, mailboxes.person) == ["offer"]
    alerts = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert [a["Subject"].split(" (")[0] for a in alerts] == [
        "Please read before approving: a request mentions risk or safety"
    ]
    assert "if the illness took me" in plain(alerts[0])  # their words, quoted
