"""#14: a per-mail CPU budget, the net beneath every reader's own caps.

Whatever in one mail's reading and deciding never ends, the worker stops it
at `limits.mail_cpu_s`, sets the mail aside once (logged by UID) and answers
the next mail in the same run. Time is CPU time: the endless work here is a
busy loop, never a sleep, so the tests wait on nothing but the budget.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from support import NOW, request, write_config

from mailflow.config import load_settings
from mailflow.errors import MailOverBudget
from mailflow.shell import budget
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryMailbox, MemoryPostOffice
from mailflow.shell.mailbox import Outline


def forever() -> None:
    """Work that never ends by itself (a reader stuck on a hostile mail)."""
    while True:
        pass


def burn(seconds: float) -> None:
    """`seconds` of CPU, then stop."""
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_endless_work_is_stopped_at_the_budget() -> None:
    before = signal.getsignal(signal.SIGPROF)
    with pytest.raises(MailOverBudget) as caught, budget.mail_budget(0.05):
        forever()
    assert caught.value.seconds == 0.05
    assert signal.getsignal(signal.SIGPROF) is before  # put back
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)  # and disarmed


def swallowing(times: int) -> None:
    """A reader whose broad `except` swallows the first stops, then gives up."""
    stops = 0
    while True:
        try:
            forever()
        except Exception:  # a broad except in some library
            stops += 1
            if stops == times:
                raise


def test_a_reader_that_swallows_the_first_stop_meets_the_next() -> None:
    with pytest.raises(MailOverBudget), budget.mail_budget(0.05):
        swallowing(3)


def paused_then_endless() -> None:
    with budget.paused():
        burn(0.05)
    forever()  # the budget runs on after the pause


def test_work_in_a_paused_block_is_not_the_mails() -> None:
    with budget.mail_budget(0.1):
        with budget.paused():
            burn(0.3)  # the busy calendars, read for whichever mail needs them
        burn(0.02)  # the mail's own work: still inside its budget
    with pytest.raises(MailOverBudget), budget.mail_budget(0.1):
        paused_then_endless()


def test_off_the_main_thread_the_block_runs_without_a_budget() -> None:
    """Only the main thread takes signals: elsewhere no handler is set (the
    readers' caps still bound the work)."""
    seen: list[object] = []

    def work() -> None:
        with budget.mail_budget(0.01):
            burn(0.05)
            seen.append(signal.getitimer(signal.ITIMER_PROF))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0)]


class StuckOnOneMail(MemoryMailbox):
    """A mailbox whose reading of one mail never ends: the mail's handling,
    not the batch's, meets it (the batch's FETCH leaves that mail out)."""

    stuck_uid = 1

    def readable(self, wanted: dict[int, Outline | None]) -> dict[int, bytes]:
        if list(wanted) == [self.stuck_uid]:
            forever()  # read on its own, in its own turn
        return super().readable(
            {u: o for u, o in wanted.items() if u != self.stuck_uid}
        )


def test_a_mail_over_its_budget_is_set_aside_once_and_the_next_is_answered(
    tmp_path, mailboxes, caplog
):
    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings = load_settings(
        write_config(tmp_path, nowhere, mailboxes, "[limits]\nmail_cpu_s = 1\n")
    )
    practice, person = mailboxes.practice, mailboxes.person
    office.deliver(request(sender="stuck@example.net", to=practice), practice)
    office.deliver(request(sender=f"Jordan <{person}>", to=practice), practice)

    def cycle(at):
        return run_once(
            settings,
            at,
            mailbox=lambda s: StuckOnOneMail(office, s),
            sender=office.sender,
        )

    with caplog.at_level(logging.INFO, logger="mailflow"):
        report = cycle(NOW)

    assert report.exit_code == 0
    (offer,) = office.messages(person)
    assert offer.message()["X-Mailflow"] == "offer"
    assert [r.rcpt_tos for r in office.smtp_log] == [(person,)]
    with sqlite3.connect(settings.storage.database) as db:
        seen = db.execute("SELECT uid, outcome FROM seen ORDER BY uid").fetchall()
    assert seen == [(1, "over-budget"), (2, "request")]
    (aside,) = [r.getMessage() for r in caplog.records if "set aside" in r.message]
    assert aside == "uid 1: set aside, it exceeds 1 s of CPU"  # the UID, nothing else

    again = cycle(NOW + timedelta(minutes=5))  # the stuck mail is never read again

    assert (again.new, again.bad, len(office.smtp_log)) == (0, 0, 1)


def test_a_transaction_whose_rollback_was_cut_short_is_rolled_back(tmp_path) -> None:
    """The budget's stop can land inside `transaction`'s own rollback: the
    runner abandons what is still open before it marks the mail aside."""
    from mailflow.shell.store import Store

    with Store.open(tmp_path / "db.sqlite3") as store:
        store._db.execute("BEGIN IMMEDIATE")
        store.set_meta("half-done", "1")
        store.abandon()
        with store.transaction():  # a fresh one begins: nothing left open
            assert store.get_meta("half-done") is None
        store.abandon()  # nothing open: nothing happens
