"""`mailflow watch`: answers within seconds of delivery (IDLE) and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from support import request, write_config

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
