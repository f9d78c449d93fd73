"""Stop 60's readings end to end on real Dovecot + SMTP: a time chosen for
the person by someone else writing from their address (a daughter on her
mother's account) is held for the therapist, who is told so with the
words, even under automatic approval; the person is told it is held. (A
pick from another address was already left with the therapist, unread.)"""

from __future__ import annotations

from datetime import timedelta

from support import answer, plain, run, write_config
from test_life import T0, kinds, newest, start

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
