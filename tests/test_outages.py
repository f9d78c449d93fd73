"""Overlap, outages and crashes on the real server: nothing lost, nothing sent twice (#5).

What tests/test_run.py already covers is not repeated here: the lock held
in-process, IMAP on a closed port, a refused IMAP login's wording, IMAP dropping
under the body fetch, SMTP down once, and a UIDVALIDITY change.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from support import NOW, request, run, run_in_process, write_config

from mailflow.config import load_settings
from mailflow.errors import MailboxError
from mailflow.shell.lock import RunLock
from mailflow.shell.mailbox import ImapMailbox
from mailflow.shell.smtp import SmtpSender

WAIT_S = 30.0
"""Upper bound of every wait for another process; none is a fixed sleep."""
PEOPLE = 6


class Killed(BaseException):
    """Stands in for SIGKILL inside one process: no handler of ours catches it."""


def wait_for(condition, timeout_s: float = WAIT_S) -> bool:
    """Poll until `condition()` holds; a bounded wait, not a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def people(boxes, count: int = PEOPLE) -> list[str]:
    name, domain = boxes.person.split("@")
    return [f"{name}.{n}@{domain}" for n in range(count)]


def ask(server, boxes, senders, sent_at=NOW) -> None:
    for sender in senders:
        server.deliver(
            request(sender=sender, to=boxes.practice, sent_at=sent_at), boxes.practice
        )


def message_ids(server, address) -> list[str]:
    """Message-IDs of what the SMTP server accepted for `address`, in order."""
    parser = BytesHeaderParser(policy=default_policy)
    return [
        str(parser.parsebytes(r.data)["Message-ID"])
        for r in server.smtp_log
        if address in r.rcpt_tos
    ]


def answered_once(server, senders) -> None:
    """Each person got exactly one message, on the wire and in their mailbox."""
    for sender in senders:
        assert len(message_ids(server, sender)) == 1, sender
        assert len(server.messages(sender)) == 1, sender


def sent_copies(server, boxes) -> Counter[str]:
    parser = BytesHeaderParser(policy=default_policy)
    return Counter(
        str(parser.parsebytes(m.raw)["Message-ID"])
        for m in server.messages(boxes.practice, "Sent")
    )


def outbox(config: Path) -> list[tuple[str, int]]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute("SELECT status, attempts FROM outbox ORDER BY id").fetchall()


def start_run(config: Path, *, now: datetime | None = NOW) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "mailflow", "run", "--config", str(config)]
    if now is not None:
        argv += ["--now", now.isoformat()]
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finished(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate(timeout=WAIT_S)
    return proc.returncode, err


def in_process(config: Path, *, mailbox=ImapMailbox, sender=SmtpSender, now=NOW):
    """One cycle through `run_once`, with an adapter of the test's choosing."""
    return run_in_process(config, now, mailbox=mailbox, sender=sender)[0]


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


# -- overlap ----------------------------------------------------------------------------


def test_runs_started_together_answer_each_request_once(setup):
    server, boxes, config = setup
    senders = people(boxes)
    ask(server, boxes, senders)
    procs = [start_run(config) for _ in range(5)]
    assert [finished(p) for p in procs] == [(0, "")] * 5  # quietly, every one
    answered_once(server, senders)
    assert set(sent_copies(server, boxes).values()) == {1}


def test_a_run_finding_another_process_at_work_leaves_at_once(setup):
    """The lock is a flock: it holds across processes, and dies with its holder."""
    server, boxes, config = setup
    senders = people(boxes, 2)
    ask(server, boxes, senders)
    database = load_settings(config).storage.database
    with RunLock(Path(f"{database}.lock")) as held:
        assert held.acquired
        assert finished(start_run(config)) == (0, "")
        assert message_ids(server, senders[0]) == []
    assert finished(start_run(config)) == (0, "")
    answered_once(server, senders)


def test_watch_beside_cron_runs_answers_each_request_once(setup):
    """`watch` (IDLE, the real clock) while cron starts runs of its own."""
    server, boxes, config = setup
    watcher = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "watch", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    senders = people(boxes)
    try:
        assert wait_for(load_settings(config).storage.database.exists)
        ask(server, boxes, senders, sent_at=datetime.now(UTC))
        crons = [start_run(config, now=None) for _ in range(3)]
        assert [finished(p)[0] for p in crons] == [0, 0, 0]
        assert wait_for(lambda: all(message_ids(server, s) for s in senders))
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            assert watcher.wait(timeout=WAIT_S) == 0
        finally:
            if watcher.poll() is None:
                watcher.kill()
            watcher.communicate()
    answered_once(server, senders)


# -- outages ----------------------------------------------------------------------------


def one_line(err: str) -> str:
    """The whole of stderr, which must be one line (cron mails it to someone)."""
    (line,) = err.strip().splitlines()
    return line


def test_imap_server_down_exits_3_with_one_line_then_the_next_run_completes(setup):
    server, boxes, config = setup
    senders = people(boxes, 2)
    ask(server, boxes, senders)
    server.imap_down()
    try:
        code, err = finished(start_run(config))
    finally:
        server.imap_up()
    assert code == 3
    line = one_line(err)
    assert "IMAP server 127.0.0.1:" in line
    assert "unreachable" in line
    assert "the next run tries again" in line
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)


def test_imap_login_refused_exits_3_with_one_line_then_the_next_run_completes(
    setup, monkeypatch
):
    server, boxes, config = setup
    senders = people(boxes, 2)
    ask(server, boxes, senders)
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "not-the-password")
    code, err = finished(start_run(config))
    assert code == 3
    line = one_line(err)
    assert "refused" in line
    assert "MAILFLOW_IMAP__PASSWORD" in line  # where the refused password came from
    assert "not-the-password" not in err
    monkeypatch.delenv("MAILFLOW_IMAP__PASSWORD")
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)


@pytest.mark.parametrize("how", ["server down", "login refused"])
def test_smtp_failing_exits_3_with_one_line_and_the_message_goes_once_later(
    setup, monkeypatch, how
):
    server, boxes, config = setup
    senders = people(boxes, 2)
    ask(server, boxes, senders)
    if how == "server down":
        server.smtp_down()
    else:
        monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "not-the-password")
    try:
        code, err = finished(start_run(config))
    finally:
        server.smtp_up()
        monkeypatch.delenv("MAILFLOW_SMTP__PASSWORD", raising=False)
    assert code == 3
    assert "2 message(s) wait in the outbox" in one_line(err)
    assert "not-the-password" not in err
    assert [status for status, _ in outbox(config)] == ["pending", "pending"]
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert run(config, NOW + timedelta(minutes=10)) == 0
    answered_once(server, senders)
    assert [status for status, _ in outbox(config)] == ["done", "done"]


def test_smtp_restarted_between_two_sends_stops_the_run_and_loses_nothing(setup):
    server, boxes, config = setup
    senders = people(boxes, 3)
    ask(server, boxes, senders)

    class RestartsAfterTheFirst(SmtpSender):
        sent = 0

        def send(self, sender, recipients, raw):
            if RestartsAfterTheFirst.sent == 1:
                server.smtp_down()  # the server restarts under the open session
                server.smtp_up()
            RestartsAfterTheFirst.sent += 1
            super().send(sender, recipients, raw)

    report = in_process(config, sender=RestartsAfterTheFirst)
    assert report.exit_code == 3
    assert report.sent == 1
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)
    assert set(sent_copies(server, boxes).values()) == {1}


def test_imap_down_after_the_250_files_the_copy_once_and_never_sends_again(setup):
    """The message went out, then IMAP died before its copy reached Sent."""
    server, boxes, config = setup
    senders = people(boxes, 1)
    ask(server, boxes, senders)

    class DiesBeforeTheCopy(ImapMailbox):
        def append(self, folder, raw, when):
            server.imap_down()
            return super().append(folder, raw, when)

    try:
        with pytest.raises(MailboxError):
            in_process(config, mailbox=DiesBeforeTheCopy)
    finally:
        server.imap_up()
    assert outbox(config) == [("sent", 1)]
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)
    assert set(sent_copies(server, boxes).values()) == {1}
    assert outbox(config) == [("done", 1)]


# -- crashes ----------------------------------------------------------------------------


def test_a_crash_after_filing_the_copy_does_not_file_it_again(setup):
    """Killed between the APPEND to Sent and the bookkeeping: the next run finds
    the copy there (by Message-ID) instead of filing a second one."""
    server, boxes, config = setup
    senders = people(boxes, 1)
    ask(server, boxes, senders)

    class KilledAfterTheCopy(ImapMailbox):
        def append(self, folder, raw, when):
            super().append(folder, raw, when)
            raise Killed  # the process dies before it writes the copy down

    with pytest.raises(Killed):
        in_process(config, mailbox=KilledAfterTheCopy)
    assert outbox(config) == [("sent", 1)]
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)
    assert set(sent_copies(server, boxes).values()) == {1}


def test_a_crash_before_the_250_sends_the_message_once_with_its_message_id(setup):
    """The attempt is written down before DATA; without a 250 the next run sends it,
    under the same Message-ID (a second copy would be the same message)."""
    server, boxes, config = setup
    senders = people(boxes, 1)
    ask(server, boxes, senders)

    class KilledBeforeData(SmtpSender):
        def send(self, sender, recipients, raw):
            raise Killed  # after the attempt was written down, before DATA

    with pytest.raises(Killed):
        in_process(config, sender=KilledBeforeData)
    assert outbox(config) == [("pending", 1)]
    assert run(config, NOW + timedelta(minutes=5)) == 0
    answered_once(server, senders)
    assert outbox(config) == [("done", 2)]


@pytest.mark.parametrize(
    ("sent_copy", "handed_over"),
    [
        ("none", 1),  # the provider files sent mail (Gmail, Microsoft 365): found
        ("append", 2),  # mailflow files its own copy: one same-Message-ID re-send
    ],
)
def test_a_crash_after_the_250_is_reconciled_by_sent_or_resent_as_itself(
    setup, monkeypatch, sent_copy, handed_over
):
    """Killed after the server's 250, before the bookkeeping. Where the provider
    files what it was given, the next run finds the Message-ID in Sent and sends
    nothing; otherwise nothing can tell, and the same message goes once more."""
    server, boxes, config = setup
    monkeypatch.setenv("MAILFLOW_IMAP__SENT_COPY", sent_copy)
    senders = people(boxes, 1)
    ask(server, boxes, senders)

    class KilledAfterThe250(SmtpSender):
        def send(self, sender, recipients, raw):
            super().send(sender, recipients, raw)
            if sent_copy == "none":
                server.append(boxes.practice, "Sent", raw)  # as the provider does
            raise Killed

    with pytest.raises(Killed):
        in_process(config, sender=KilledAfterThe250)
    assert outbox(config) == [("pending", 1)]
    assert run(config, NOW + timedelta(minutes=5)) == 0
    handed = message_ids(server, senders[0])
    assert len(handed) == handed_over
    assert len(set(handed)) == 1
    assert [status for status, _ in outbox(config)] == ["done"]
    assert set(sent_copies(server, boxes).values()) == {1}


@pytest.mark.parametrize("moment", ["reading", "sending"])
def test_sigkill_mid_run_then_a_clean_run_answers_everyone_once(setup, moment):
    """A real SIGKILL: while mails are read and decided, or while messages go out.
    Afterwards every person has exactly one offer; a kill in the instant after
    the server's 250 may hand one over again, and then only with its Message-ID."""
    server, boxes, config = setup
    senders = people(boxes, 12)
    ask(server, boxes, senders)
    database = load_settings(config).storage.database

    def reached() -> bool:
        if moment == "sending":
            return sum(bool(message_ids(server, s)) for s in senders) >= 3
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                return db.execute("SELECT COUNT(*) FROM seen").fetchone()[0] >= 3
        except sqlite3.Error:
            return False  # not created yet

    proc = start_run(config)
    try:
        assert wait_for(lambda: reached() or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert run(config, NOW + timedelta(minutes=5)) == 0
    for sender in senders:
        handed = message_ids(server, sender)
        assert len(set(handed)) == 1  # one offer (maybe handed over twice)
        assert len(handed) <= 2
    assert sum(len(message_ids(server, s)) for s in senders) <= len(senders) + 1
    assert all(status == "done" for status, _ in outbox(config))


@pytest.mark.parametrize("server_kind", ["imap", "smtp"])
def test_a_server_that_never_answers_cannot_hang_cron(
    tmp_path, mail_server, mailboxes, capsys, server_kind
):
    """A listener that accepts and then says nothing: the socket timeouts end the
    run with exit 3 and one line, in bounded time."""
    import socket
    import threading
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = silent.accept()
            except TimeoutError:
                continue
            held.append(conn)  # never greets, never answers

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        config = write_config(tmp_path, mail_server, mailboxes)
        port = silent.getsockname()[1]
        text = config.read_text().replace("timeout_s = 10", "timeout_s = 1")
        real = mail_server.imap_port if server_kind == "imap" else mail_server.smtp_port
        text = text.replace(f"port = {real}", f"port = {port}")
        config.write_text(text)
        if server_kind == "smtp":  # something to send, so SMTP is needed
            mail_server.deliver(
                request(sender=mailboxes.person, to=mailboxes.practice),
                mailboxes.practice,
            )
        started = time.monotonic()
        capsys.readouterr()
        assert run(config) == 3
        assert time.monotonic() - started < 15
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()
