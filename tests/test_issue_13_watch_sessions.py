"""#13: `watch` keeps its IMAP and SMTP sessions between wakes.

Counted where it cannot be faked: Dovecot's own log of logins and the SMTP
server's record of AUTH. A wake (new mail) costs no login; a killed session is
replaced by one login, and nothing is lost or sent twice.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from support import NOW, request, write_config
from test_watch import ANSWER_WITHIN_S, wait_for

from mailflow.config import load_settings
from mailflow.shell.cycle import run_locked
from mailflow.shell.sessions import KeptSessions


def _watch(config, log_file):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailflow",
            "watch",
            "--config",
            str(config),
            "-v",
            "--interval",
            "60",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )


def _stop(worker) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=ANSWER_WITHIN_S)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _imap_logins(server, user: str) -> list[int]:
    """The process id of each IMAP session Dovecot logged in for `user`."""
    return [
        int(pid)
        for pid in re.findall(
            rf"Login: user=<{re.escape(user)}>.*?mpid=(\d+)", server.dovecot_log()
        )
    ]


def _ask(server, person: str, practice: str) -> None:
    server.deliver(
        request(sender=person, to=practice, sent_at=datetime.now(UTC)), practice
    )


def _answered(server, people: list[str]) -> bool:
    return all(len(server.messages(p)) == 1 for p in people)


def test_wakes_reuse_one_imap_and_one_smtp_login(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    practice = mailboxes.practice
    people = [f"w{n}-{mailboxes.person}" for n in range(3)]
    with (tmp_path / "watch.log").open("wb") as log_file:
        worker = _watch(config, log_file)
        try:
            assert wait_for(
                lambda: _imap_logins(mail_server, practice), ANSWER_WITHIN_S
            )
            for n, person in enumerate(people):  # three wakes, one after another
                _ask(mail_server, person, practice)
                assert wait_for(
                    lambda n=n: _answered(mail_server, people[: n + 1]),
                    ANSWER_WITHIN_S,
                )
        finally:
            assert _stop(worker) == 0
    assert len(_imap_logins(mail_server, practice)) == 1  # IDLE and cycles: one
    assert mail_server.smtp_logins.count(practice) == 1
    for person in people:
        assert len(mail_server.messages(person)) == 1


def test_a_killed_session_is_replaced_and_nothing_is_lost_or_sent_twice(
    tmp_path, mail_server, mailboxes
):
    config = write_config(tmp_path, mail_server, mailboxes)
    practice = mailboxes.practice
    first, second, third = (f"k{n}-{mailboxes.person}" for n in range(3))
    log_path = tmp_path / "watch.log"
    with log_path.open("wb") as log_file:
        worker = _watch(config, log_file)
        try:
            _ask(mail_server, first, practice)
            assert wait_for(lambda: _answered(mail_server, [first]), ANSWER_WITHIN_S)
            # Its copy filed in Sent: the cycle's last IMAP command is done.
            assert wait_for(
                lambda: len(mail_server.messages(practice, "Sent")) == 1,
                ANSWER_WITHIN_S,
            )
            # The first login is the watch's; the others, the Sent check's.
            watching, *checking = _imap_logins(mail_server, practice)
            os.kill(watching, signal.SIGKILL)  # the IMAP session dies in IDLE
            _ask(mail_server, second, practice)
            assert wait_for(
                lambda: _answered(mail_server, [first, second]), ANSWER_WITHIN_S * 2
            )
            assert len(_imap_logins(mail_server, practice)) == 2 + len(checking)
            # The SMTP server restarts: the kept SMTP session is dead too.
            mail_server.smtp_down()
            mail_server.smtp_up()
            _ask(mail_server, third, practice)
            assert wait_for(
                lambda: _answered(mail_server, [first, second, third]),
                ANSWER_WITHIN_S * 2,
            )
        finally:
            assert _stop(worker) == 0
    for person in (first, second, third):
        assert len(mail_server.messages(person)) == 1  # none lost, none twice
    assert [r for r in mail_server.smtp_log if second in r.rcpt_tos][1:] == []
    assert len(_imap_logins(mail_server, practice)) == 2 + len(checking)
    assert mail_server.smtp_logins.count(practice) == 2
    assert b"Traceback" not in log_path.read_bytes()


def test_a_kept_session_sees_mail_that_came_while_a_folder_was_selected(
    tmp_path, mail_server, mailboxes
):
    """Dovecot answers STATUS of the selected folder from the session's view;
    a kept session examines it again instead (in the same round trip as the
    other folder's STATUS), so the next cycle reads the new mail, and fetches
    it with no second EXAMINE (nor a UID SEARCH: its UIDs are known)."""
    settings = load_settings(write_config(tmp_path, mail_server, mailboxes))
    sessions = KeptSessions(settings)
    try:
        cycle = {"mailbox": sessions.mailbox, "sender": sessions.sender}
        assert run_locked(settings, now=NOW, **cycle).exit_code == 0
        box = sessions._box
        assert box is not None
        box.examine(settings.imap.folder)  # as the IDLE wait leaves it
        _ask(mail_server, mailboxes.person, mailboxes.practice)
        before = len(box.commands)
        report = run_locked(settings, now=NOW, **cycle)
        assert report.requests == 1
        assert sessions._box is box  # the same session: no second login
        assert box.commands.count("LOGIN") == 1
        assert box.commands[before : before + 3] == ["EXAMINE", "STATUS", "UID FETCH"]
    finally:
        sessions.close()
    assert len(mail_server.messages(mailboxes.person)) == 1
    assert len(_imap_logins(mail_server, mailboxes.practice)) == 1


def test_idle_is_said_again_and_still_wakes_on_new_mail(
    tmp_path, mail_server, mailboxes
):
    """RFC 2177: IDLE renewed before a server's inactivity timer (here every
    0.2 s instead of 25 minutes); new mail after renewals still ends the wait."""
    settings = load_settings(write_config(tmp_path, mail_server, mailboxes))
    sessions = KeptSessions(settings)
    sessions.renew_s = 0.2
    stop = threading.Event()
    try:
        cycle = {"mailbox": sessions.mailbox, "sender": sessions.sender}
        assert run_locked(settings, now=NOW, **cycle).exit_code == 0
        box = sessions._box
        assert box is not None
        waiting = threading.Thread(
            target=sessions.wait,
            args=(ANSWER_WITHIN_S * 3, stop),
            kwargs={"cycle_ran": True},
        )
        waiting.start()
        assert wait_for(lambda: box.commands.count("IDLE") >= 3, ANSWER_WITHIN_S)
        _ask(mail_server, mailboxes.person, mailboxes.practice)
        waiting.join(ANSWER_WITHIN_S * 2)
        assert not waiting.is_alive()  # woken by the mail, not by the interval
        assert not stop.is_set()
        sessions.wake()
        report = run_locked(settings, now=NOW, **cycle)
        assert report.requests == 1
    finally:
        stop.set()
        sessions.close()
    assert len(_imap_logins(mail_server, mailboxes.practice)) == 1
    assert len(mail_server.messages(mailboxes.person)) == 1


def _with_attachment(person: str, practice: str) -> bytes:
    """A request with a 40 KB attachment: larger than comes whole with a wake."""
    message = email.message_from_bytes(
        request(sender=person, to=practice, sent_at=datetime.now(UTC)),
        _class=EmailMessage,
        policy=email.policy.default,
    )
    message.add_attachment(
        os.urandom(40 * 1024),
        maintype="application",
        subtype="pdf",
        filename="referral.pdf",
    )
    return message.as_bytes()


@pytest.mark.parametrize(
    ("mail", "asked"),
    [
        # Small: headers, outline and the whole mail with the STATUS.
        ("plain", ["EXAMINE", "STATUS", "UID FETCH"]),
        # Large: its outline came with the STATUS; then only its text part.
        ("attachment", ["EXAMINE", "STATUS", "UID FETCH", "UID FETCH"]),
    ],
)
def test_a_wake_reads_the_new_mail_with_its_status_and_no_search(
    tmp_path, mail_server, mailboxes, mail, asked
):
    """Woken from IDLE, the cycle reads the new mail in the STATUS round trip
    (EXAMINE, STATUS and a UID FETCH from the UIDNEXT the wait began at): no
    UID SEARCH, no CLOSE, no second EXAMINE, no header or BODYSTRUCTURE FETCH
    of its own; a large mail's parts are the one more round trip."""
    settings = load_settings(write_config(tmp_path, mail_server, mailboxes))
    sessions = KeptSessions(settings)
    stop = threading.Event()
    try:
        cycle = {"mailbox": sessions.mailbox, "sender": sessions.sender}
        assert run_locked(settings, now=NOW, **cycle).exit_code == 0
        box = sessions._box
        assert box is not None
        waiting = threading.Thread(
            target=sessions.wait,
            args=(ANSWER_WITHIN_S * 3, stop),
            kwargs={"cycle_ran": True},
        )
        waiting.start()
        assert wait_for(lambda: "IDLE" in box.commands, ANSWER_WITHIN_S)
        if mail == "plain":
            _ask(mail_server, mailboxes.person, mailboxes.practice)
        else:
            mail_server.deliver(
                _with_attachment(mailboxes.person, mailboxes.practice),
                mailboxes.practice,
            )
        waiting.join(ANSWER_WITHIN_S * 2)
        assert not waiting.is_alive()  # woken by the mail
        before = len(box.commands)
        sessions.wake()
        report = run_locked(settings, now=NOW, **cycle)
        assert report.requests == 1
        assert sessions._box is box
        said = box.commands[before:]
        assert said[: said.index("APPEND")] == ["DONE", *asked]
    finally:
        stop.set()
        sessions.close()
    (reply,) = mail_server.messages(mailboxes.person)
    assert reply.message()["X-Mailflow"] == "offer"
    assert len(_imap_logins(mail_server, mailboxes.practice)) == 1


def test_an_unsolicited_fetch_is_never_taken_for_new_mail():
    """Another client's flag change arrives as `* n FETCH (FLAGS ...)`, keyed by
    its sequence number: inside the UIDs asked, it is no mail of theirs."""
    from imapclient.response_parser import parse_fetch_response

    from mailflow.shell.imap_wire import answers_in

    lines = [
        (b"7 (UID 12 RFC822.SIZE 3 BODY[HEADER] {3}", b"a:b"),
        b")",
        b"13 (FLAGS (\\Seen))",
    ]
    found = parse_fetch_response(lines, False, True)
    assert set(found) == {12, 13}
    assert set(answers_in(found, 12, 14)) == {12}


def test_a_send_after_a_probe_reads_its_answer_first(tmp_path, mail_server, mailboxes):
    """A kept session's NOOP, said and not yet answered: the next MAIL FROM must
    not take NOOP's 250 for its own (every reply after would be one off)."""
    from mailflow.shell.smtp import SmtpSender

    settings = load_settings(write_config(tmp_path, mail_server, mailboxes))
    sender = SmtpSender(settings.smtp)
    first = request(sender=mailboxes.practice, to=mailboxes.person, subject="one")
    second = request(sender=mailboxes.practice, to=mailboxes.person, subject="two")
    try:
        sender.send(mailboxes.practice, (mailboxes.person,), first)
        sender.probe()  # NOOP sent, its answer left unread
        sender.send(mailboxes.practice, (mailboxes.person,), second)
    finally:
        sender.close()
    handed = [
        email.message_from_bytes(r.data)["Subject"]
        for r in mail_server.smtp_log
        if mailboxes.person in r.rcpt_tos
    ]
    assert handed == ["one", "two"]  # each once, in order
