"""`mailflow watch`: answers within seconds of delivery (IDLE) and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import icalendar
from support import NOW, request, run, write_config

ANSWER_WITHIN_S = 20.0


def wait_for(condition, timeout_s: float) -> bool:
    """Poll until `condition()` holds; a bounded wait, not a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_watch_answers_a_request_delivered_while_it_runs(
    tmp_path, mail_server, mailboxes
):
    config = write_config(tmp_path, mail_server, mailboxes)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailflow",
            "watch",
            "--config",
            str(config),
            "--interval",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        database = tmp_path / "var" / "mailflow.sqlite3"
        assert wait_for(database.exists, ANSWER_WITHIN_S)  # the first cycle ran
        started = time.monotonic()
        mail_server.deliver(
            request(
                sender=mailboxes.person,
                to=mailboxes.practice,
                sent_at=datetime.now(UTC),
            ),
            mailboxes.practice,
        )
        assert wait_for(
            lambda: len(mail_server.messages(mailboxes.person)) == 1, ANSWER_WITHIN_S
        )
        assert time.monotonic() - started < ANSWER_WITHIN_S
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=ANSWER_WITHIN_S) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
        worker.stderr.close()
    assert len(mail_server.messages(mailboxes.person)) == 1


def _watch(config, *extra, stderr=subprocess.PIPE):
    return subprocess.Popen(
        [sys.executable, "-m", "mailflow", "watch", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def _stop(worker) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=ANSWER_WITHIN_S)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                stream.close()


def test_watch_sends_a_reminder_when_its_moment_comes(tmp_path, mail_server, mailboxes):
    """Timed work runs on schedule while watching: the reminder is not due at the
    first cycle and goes out, once, a few seconds later on the watch's own clock."""
    config = write_config(
        tmp_path, mail_server, mailboxes, '[workflow]\napproval = "auto"\n'
    )
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config, NOW) == 0
    (offer,) = [m.message() for m in mail_server.messages(mailboxes.person)]
    pick = EmailMessage()
    pick["From"] = mailboxes.person
    pick["To"] = mailboxes.practice
    pick["Subject"] = "Re: " + offer["Subject"]
    pick["Message-ID"] = make_msgid(domain="client.example")
    pick["In-Reply-To"] = offer["Message-ID"]
    pick["References"] = offer["Message-ID"]
    pick.set_content("1")
    mail_server.deliver(pick.as_bytes(), mailboxes.practice)
    assert run(config, NOW + timedelta(hours=1)) == 0
    confirmation = mail_server.messages(mailboxes.person)[-1].message()
    assert confirmation["X-Mailflow"] == "confirmation"
    ics = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    start_at = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0].decoded("DTSTART")
    due = start_at - timedelta(hours=24)

    def reminders() -> int:
        return [
            m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.person)
        ].count("reminder")

    worker = _watch(
        config, "--interval", "0.5", "--now", (due - timedelta(seconds=2)).isoformat()
    )
    try:
        assert wait_for(lambda: reminders() == 1, ANSWER_WITHIN_S)
    finally:
        assert _stop(worker) == 0
    assert reminders() == 1


def test_watch_reconnects_after_the_server_goes_away(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    log_path = tmp_path / "watch.log"
    with log_path.open("wb") as log_file:
        worker = _watch(config, "--interval", "60", stderr=log_file)
        try:
            database = tmp_path / "var" / "mailflow.sqlite3"
            assert wait_for(database.exists, ANSWER_WITHIN_S)
            mail_server.imap_down()
            try:
                # A safety bound, not a timing: on a loaded machine the first
                # cycle may still be starting when the server goes.
                retried = wait_for(
                    lambda: b"retrying" in log_path.read_bytes(), ANSWER_WITHIN_S * 3
                )
                assert retried, log_path.read_text(errors="replace")[-2000:]
            finally:
                mail_server.imap_up()
            mail_server.deliver(
                request(
                    sender=mailboxes.person,
                    to=mailboxes.practice,
                    sent_at=datetime.now(UTC),
                ),
                mailboxes.practice,
            )
            # A safety bound, not a timing: the retries back off (1, 2, 4 ... s)
            # while the server is down, so the next try may be a while off.
            assert wait_for(
                lambda: len(mail_server.messages(mailboxes.person)) == 1,
                ANSWER_WITHIN_S * 3,
            )
        finally:
            assert _stop(worker) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1
    assert mailboxes.person.encode() not in log_path.read_bytes()


def test_watch_outlives_an_smtp_outage_and_answers_once_it_is_back(
    tmp_path, mail_server, mailboxes
):
    config = write_config(tmp_path, mail_server, mailboxes)
    mail_server.deliver(
        request(
            sender=mailboxes.person, to=mailboxes.practice, sent_at=datetime.now(UTC)
        ),
        mailboxes.practice,
    )
    log_path = tmp_path / "watch.log"
    mail_server.smtp_down()
    try:
        with log_path.open("wb") as log_file:
            worker = _watch(config, "--interval", "60", stderr=log_file)
            try:
                assert wait_for(
                    lambda: b"retrying" in log_path.read_bytes(), ANSWER_WITHIN_S
                )
                assert worker.poll() is None  # still watching
                mail_server.smtp_up()
                assert wait_for(
                    lambda: len(mail_server.messages(mailboxes.person)) == 1,
                    ANSWER_WITHIN_S * 2,
                )
            finally:
                assert _stop(worker) == 0
    finally:
        mail_server.smtp_up()
    assert len(mail_server.messages(mailboxes.person)) == 1
