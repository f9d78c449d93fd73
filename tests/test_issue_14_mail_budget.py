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


STUCK = "I would like the free consultation call. (stuck)"
"""The words of the one mail whose reading never ends (see `stuck_parser`)."""


class FetchedOneByOne(MemoryMailbox):
    """The batch's FETCH leaves the first mail out: it is read on its own
    turn, inside its budget (where the server's pace must cost it nothing)."""

    batch_read = False

    def readable(self, wanted: dict[int, Outline | None]) -> dict[int, bytes]:
        if not self.batch_read:  # the batch's read, in `_prefetch`
            self.batch_read = True
            return super().readable({u: o for u, o in wanted.items() if u != 1})
        return super().readable(wanted)


@pytest.fixture
def stuck_parser(monkeypatch):
    """`parse_mail` never ends on a mail saying `STUCK` (a reader stuck on a
    hostile mail), raises `MemoryError` on one saying "(memory)"; each call
    on such a mail is counted."""
    from mailflow.reading import parse

    real = parse.parse_mail
    calls: list[bytes] = []

    def parse_mail(raw: bytes, *args, **kwargs):
        if b"(stuck)" in raw:
            calls.append(raw)
            forever()
        if b"(memory)" in raw:
            calls.append(raw)
            raise MemoryError
        return real(raw, *args, **kwargs)

    monkeypatch.setattr(parse, "parse_mail", parse_mail)
    return calls


def office_and_settings(tmp_path, mailboxes):
    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings = load_settings(
        write_config(tmp_path, nowhere, mailboxes, "[limits]\nmail_cpu_s = 1\n")
    )
    return office, settings


def cycler(office, settings, mailbox=FetchedOneByOne):
    def cycle(at):
        return run_once(
            settings, at, mailbox=lambda s: mailbox(office, s), sender=office.sender
        )

    return cycle


def seen(settings) -> list[tuple]:
    with sqlite3.connect(settings.storage.database) as db:
        return db.execute("SELECT uid, outcome FROM seen ORDER BY uid").fetchall()


def attempts(settings) -> list[tuple]:
    with sqlite3.connect(settings.storage.database) as db:
        return db.execute("SELECT key FROM meta WHERE key LIKE 'attempts:%'").fetchall()


def test_a_mail_over_its_budget_is_set_aside_once_and_the_next_is_answered(
    tmp_path, mailboxes, caplog, stuck_parser
):
    office, settings = office_and_settings(tmp_path, mailboxes)
    practice, person = mailboxes.practice, mailboxes.person
    office.deliver(
        request(sender="stuck@example.net", to=practice, body=STUCK), practice
    )
    office.deliver(request(sender=f"Jordan <{person}>", to=practice), practice)
    cycle = cycler(office, settings)

    with caplog.at_level(logging.INFO, logger="mailflow"):
        report = cycle(NOW)

    assert report.exit_code == 0
    (offer,) = office.messages(person)
    assert offer.message()["X-Mailflow"] == "offer"
    assert [r.rcpt_tos for r in office.smtp_log] == [(person,)]
    assert seen(settings) == [(1, "over-budget"), (2, "request")]
    (aside,) = [r.getMessage() for r in caplog.records if "set aside" in r.message]
    assert aside == "uid 1: set aside, it exceeds 1 s of CPU"  # the UID, nothing else

    again = cycle(NOW + timedelta(minutes=5))  # the stuck mail is never read again

    assert (again.new, again.bad, len(office.smtp_log)) == (0, 0, 1)
    assert len(stuck_parser) == 1


class SlowServer(FetchedOneByOne):
    """Reading the first mail's body costs this process more CPU than a
    mail's whole budget (a server trickling a large response that imaplib
    takes apart): the server's, not the mail's."""

    def body(self, uid: int) -> bytes | None:
        if uid == 1:
            burn(1.2)
        return super().body(uid)


def test_reading_a_body_from_the_server_costs_the_mail_nothing(tmp_path, mailboxes):
    office, settings = office_and_settings(tmp_path, mailboxes)
    practice, person = mailboxes.practice, mailboxes.person
    office.deliver(request(sender=f"Jordan <{person}>", to=practice), practice)

    report = cycler(office, settings, SlowServer)(NOW)

    assert report.exit_code == 0
    assert seen(settings) == [(1, "request")]  # never cut mid-response
    (offer,) = office.messages(person)
    assert offer.message()["X-Mailflow"] == "offer"


def test_a_mail_that_exhausts_memory_is_set_aside_once_not_retried(
    tmp_path, mailboxes, stuck_parser
):
    office, settings = office_and_settings(tmp_path, mailboxes)
    practice, person = mailboxes.practice, mailboxes.person
    office.deliver(
        request(sender="big@example.net", to=practice, body="Free call? (memory)"),
        practice,
    )
    office.deliver(request(sender=f"Jordan <{person}>", to=practice), practice)
    cycle = cycler(office, settings)

    assert cycle(NOW).exit_code == 0

    assert seen(settings) == [(1, "over-budget"), (2, "request")]
    assert attempts(settings) == []  # set aside at once, never tried three times
    assert [r.rcpt_tos for r in office.smtp_log] == [(person,)]
    cycle(NOW + timedelta(minutes=5))
    assert len(stuck_parser) == 1


def test_headers_that_cost_the_whole_budget_are_not_given_a_second(
    tmp_path, mailboxes, stuck_parser
):
    """The batch's header parse (`_prefetch`) and the mail's own turn share
    one budget: a header that used it all is set aside, never parsed again."""
    office, settings = office_and_settings(tmp_path, mailboxes)
    practice, person = mailboxes.practice, mailboxes.person
    office.deliver(
        request(sender="stuck@example.net", to=practice, subject="Call (stuck)"),
        practice,
    )
    office.deliver(request(sender=f"Jordan <{person}>", to=practice), practice)

    assert cycler(office, settings)(NOW).exit_code == 0

    assert len(stuck_parser) == 1  # one budget spent, in the batch's parse
    assert seen(settings) == [(1, "over-budget"), (2, "request")]
    assert [r.rcpt_tos for r in office.smtp_log] == [(person,)]


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
