"""Stop 60's readings end to end on real Dovecot + SMTP: a time chosen for
the person by someone else writing from their address (a daughter on her
mother's account) is held for the therapist, who is told so with the
words, even under automatic approval; the person is told it is held (a
pick from another address was already left with the therapist, unread); a
time said in their own clock is never held in London's; an ending arranged
gets times and an alert."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

import pytest
from support import answer, plain, request, run, write_config
from test_life import T0, kinds, newest, offered_lines, person_says, start

AUTO = '[workflow]\napproval = "auto"\n'


def test_a_time_someone_else_chose_waits_for_the_therapist(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, mail_server, mailboxes, AUTO)
    offer = start(mail_server, mailboxes, config)
    at = T0 + timedelta(hours=1)
    mail_server.deliver(
        answer(
            offer,
            sender=f"Jordan Lee <{mailboxes.person}>",
            body="Hello Sam, this is Amy, I'm replying for my mum as she doesn't"
            " really do email. She'd like number 1 please. I'll sit with her when"
            " you ring.\n\nAmy (Jordan's daughter)",
            sent_at=at,
        ),
        mailboxes.practice,
    )
    assert run(config, at) == 0
    # nothing booked: no invitation, the time held and the person told so
    assert kinds(mail_server, mailboxes.person) == ["offer", "held"]
    request = plain(newest(mail_server, mailboxes.therapist, "approval_request"))
    assert "Someone else seems to have chosen this time for them" in request
    assert "check with them that the time and the call are their own" in request
    assert "What was written when the time was picked:" in request
    assert "> Hello Sam, this is Amy, I'm replying for my mum" in request


@pytest.mark.parametrize("clock", ["my time please", "here works"])  # "here": stop 61
def test_a_time_in_their_own_clock_is_never_held_in_londons(
    tmp_path, mail_server, mailboxes, clock
) -> None:  # type: ignore[no-untyped-def]
    """The person writes from UTC-4; the offer shows their time under each
    line. "<the first time's London hour> my time" is that hour in their
    clock: the time it names there is held if offered, else they are asked;
    never the first time (before stop 60 it was held)."""
    config = write_config(tmp_path, mail_server, mailboxes)
    away = timezone(timedelta(hours=-4))
    offer = start(mail_server, mailboxes, config, written_at=T0.astimezone(away))
    assert "your time (UTC-4)" in plain(offer)
    first = offered_lines(offer)[0][1]  # "Tuesday 20 October at 13:00 London time ..."
    hour = re.search(r"at (\d\d:\d\d) London time", first)
    assert hour is not None, first
    date = " ".join(first.split()[1:3])  # "22 October": one day, whatever else
    at = T0 + timedelta(hours=1)
    person_says(
        mail_server, mailboxes, config, offer, f"{date} at {hour[1]} {clock}", at
    )
    after = kinds(mail_server, mailboxes.person)
    if after[-1] == "held":
        request = plain(newest(mail_server, mailboxes.therapist, "approval_request"))
        assert f"at {hour[1]} (" not in request.split("Phone:")[0], request
    else:
        assert after[-1] == "clarify"
        assert "approval_request" not in kinds(mail_server, mailboxes.therapist)


def test_an_ending_arranged_gets_times_and_the_therapist_is_told(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """`absence-arranged`: times as usual (never the crisis letter), and the
    therapist alerted before the call, quoting their words (before stop 60:
    times, nobody told)."""
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(
            sender=f"Mei Lin <{mailboxes.person}>",
            to=mailboxes.practice,
            subject="Free call",
            body="Hi, I'd like to book one of your consultation calls. I've set up"
            " some emails to send themselves on the 3rd, to my parents and a couple"
            " of friends, so they hear it from me. Mornings suit me best.\n\nMei",
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
    assert "emails to send themselves on the 3rd" in plain(alerts[0])
