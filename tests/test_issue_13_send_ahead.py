"""#13: a backlog's letters go while the rest of the inbox is still read.

The answer to a new enquiry is handed to the SMTP server between two mails
(the first from this thread, the rest from a worker, two in flight at most,
each 250 recorded by the worker at once), so the server delivers one while
mailflow decides the next mail. Only where nothing can tell against it: no
limit can come into play in the run, and no mail of the poll still to be read
may be a delivery report (letters wait, queued, until it is read), and news
of risk first: an alert read in the backlog overtakes the letters waiting,
and while news of risk that is not going ahead waits, nothing goes ahead
(the flush sends it first). What still waits when the last mail is read
goes then, from the worker, back to back. Anything else is the flush's,
after the clock's work, in its fair order, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from support import NOW, request, run, sent_to, write_config

from mailflow.config import load_settings
from mailflow.deciding import guard
from mailflow.errors import DeferredSendError
from mailflow.shell import intake, runner
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice
from mailflow.shell.outbox import Outbox
from mailflow.shell.store import Store

ROOMY = """
[limits]
per_run = 10000
per_hour = 10000
per_address_per_day = 100
"""


class Watched:
    """The sender and the reading, side by side: for each letter handed over,
    how many first mails had been decided, from which thread, to whom."""

    def __init__(self, office: MemoryPostOffice, monkeypatch) -> None:
        self.office = office
        self.decided: list[str] = []
        self.sends: list[tuple[int, str, tuple[str, ...]]] = []
        self.fail_at: int | None = None
        self.fail_with: type[Exception] = RuntimeError
        self.down_at: int | None = None
        self.drop_at: int | None = None
        # The letter at `hold_at` waits on the wire until `release_at` first
        # mails are decided: the next letter is then handed over behind it.
        self.hold_at: int | None = None
        self.release_at = 0
        self.released = threading.Event()
        # Called on the worker as the letter after the held one goes.
        self.check: Callable[[], None] | None = None
        self.checked = threading.Event()
        self.read = 0  # mails read (decided) so far, whatever they were
        self.read_at: list[int] = []  # for each letter handed over
        handle = runner.Runner._handle_safely

        def counted_mail(runner_self, uidvalidity, fetched):
            try:
                return handle(runner_self, uidvalidity, fetched)
            finally:
                self.read += 1

        monkeypatch.setattr(runner.Runner, "_handle_safely", counted_mail)
        first_mail = intake.Intake.first_mail

        def counted(intake_self, key, mail, verdict, person):
            outcome = first_mail(intake_self, key, mail, verdict, person)
            self.decided.append(person.email)
            if len(self.decided) == self.release_at:
                self.released.set()
                if self.check is not None:  # until the worker is on the next one
                    assert self.checked.wait(timeout=30), "the next never went"
            return outcome

        monkeypatch.setattr(intake.Intake, "first_mail", counted)

    def sender(self, settings):
        inner = self.office.sender(settings)
        watched = self

        class Sender:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                inner.close()

            def __getattr__(self, name):
                return getattr(inner, name)

            def send(self, sender, recipients, raw):
                if watched.hold_at == len(watched.sends):
                    assert watched.released.wait(timeout=30), "never released"
                elif watched.check is not None and watched.released.is_set():
                    watched.check()
                    watched.check = None
                    watched.checked.set()
                if watched.down_at == len(watched.sends):
                    watched.office.smtp_down()  # the server goes, for good
                if watched.drop_at == len(watched.sends):
                    watched.drop_at = None
                    watched.office.smtp_down()  # the session is dropped...
                    watched.office.smtp_up()  # ...by a server still there
                if watched.fail_at == len(watched.sends):
                    watched.fail_at = None
                    raise watched.fail_with("the wire broke")
                watched.read_at.append(watched.read)
                watched.sends.append(
                    (len(watched.decided), threading.current_thread().name, recipients)
                )
                inner.send(sender, recipients, raw)

        return Sender()


def setting(tmp_path, mailboxes, office, extra=ROOMY):
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    return load_settings(write_config(tmp_path, nowhere, mailboxes, extra))


def people(mailboxes, count):
    name, domain = mailboxes.person.split("@")
    return [f"{name}.{n}@{domain}" for n in range(count)]


def deliver(office, mailboxes, sender, minutes, body=None):
    kwargs = {} if body is None else {"body": body}
    office.deliver(
        request(
            sender=sender,
            to=mailboxes.practice,
            sent_at=NOW - timedelta(minutes=minutes),
            **kwargs,
        ),
        mailboxes.practice,
    )


def backlog(tmp_path, mailboxes, monkeypatch, count, extra=ROOMY):
    """`count` requests from as many people, a minute apart, and the watch."""
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office, extra=extra)
    who = people(mailboxes, count)
    for n, person in enumerate(who):
        deliver(office, mailboxes, person, 60 - n)
    return office, settings, who, Watched(office, monkeypatch)


def pending(settings) -> int:
    store = Store.open(settings.storage.database)
    try:
        return len(store.pending())
    finally:
        store.close()


def test_each_answer_goes_while_the_next_mails_are_read(
    tmp_path, mailboxes, monkeypatch
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 6)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.sent == len(who)
    # The first answer went once its own mail was decided, before the others.
    assert watched.sends[0] == (1, threading.main_thread().name, (who[0],))
    # Later ones from the worker, still while the inbox was being read.
    ahead = [s for s in watched.sends if s[0] < len(who)]
    assert any(thread != threading.main_thread().name for _n, thread, _r in ahead)
    # Each person answered once, in the order they wrote; nothing left.
    assert [r for _n, _t, r in watched.sends] == [(p,) for p in who]
    assert pending(settings) == 0
    for person in who:
        assert len(office.messages(person)) == 1
    again = run_once(
        settings,
        NOW + timedelta(minutes=5),
        mailbox=office.mailbox,
        sender=office.sender,
    )
    assert again.sent == 0
    assert len(office.messages(mailboxes.practice, "Sent")) == len(who)


@pytest.mark.parametrize(
    "limits",
    [
        "",  # the defaults: 50 a run, 30 an hour
        "[limits]\nper_run = 40\nper_hour = 1000\nper_address_per_day = 100",
        "[limits]\nper_run = 1000\nper_hour = 40\nper_address_per_day = 100",
    ],
)
def test_where_a_limit_could_hold_letters_back_all_wait_for_the_flush(
    tmp_path, mailboxes, monkeypatch, limits
):
    # Six mails may queue more than 40 letters as far as the run can tell
    # before reading them: the fair order decides, after them all.
    office, settings, who, watched = backlog(
        tmp_path, mailboxes, monkeypatch, 6, extra=limits
    )
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.sent == len(who)
    assert {n for n, _t, _r in watched.sends} == {len(who)}
    assert {t for _n, t, _r in watched.sends} == {threading.main_thread().name}


def test_a_letter_waits_until_a_delivery_report_is_read(
    tmp_path, mailboxes, monkeypatch
):
    """A report drops what waits for an address it bounces: nothing goes ahead
    while one is still to be read."""
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office)
    first, other = people(mailboxes, 2)
    deliver(office, mailboxes, first, 30)
    office.deliver(
        (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
            f"To: {mailboxes.practice}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {(NOW - timedelta(minutes=20)).strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            "Message-ID: <dsn-1@mx.example.org>\r\n"
            "Content-Type: text/plain\r\n\r\n"
            "This is the mail system. Your message could not be delivered.\r\n"
        ).encode(),
        mailboxes.practice,
    )
    deliver(office, mailboxes, other, 10)
    watched = Watched(office, monkeypatch)
    run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    # The first answer waited until the report was read, then went ahead of
    # the last mail; the last one's went after it.
    assert [r for _n, _t, r in watched.sends] == [(first,), (other,)]
    assert watched.read_at == [2, 3]


def test_what_waits_when_the_reading_ends_goes_from_the_worker_not_the_flush(
    tmp_path, mailboxes, monkeypatch
):
    """The server slower than the reading: letters still waiting to go ahead
    when the last mail is read go then, back to back from the worker (the next
    on the wire while the last answer is recorded), not one by one in the
    flush; each once, in the order people wrote, each filed."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 8)
    watched.hold_at = 1  # the second letter waits on the wire...
    watched.release_at = len(who)  # ...until every mail is decided
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.sent == len(who)
    main = threading.main_thread().name
    assert watched.sends[0][1] == main  # the first from this thread (the login)
    # The first went while mails were read; the second waited on the wire
    # until all were decided, and the six behind it went after it.
    assert sum(1 for n, _t, _r in watched.sends if n == len(who)) == len(who) - 1
    assert all(thread != main for _n, thread, _r in watched.sends[1:])
    assert [r for _n, _t, r in watched.sends] == [(p,) for p in who]
    assert pending(settings) == 0
    for person in who:
        assert len(office.messages(person)) == 1
    assert len(office.messages(mailboxes.practice, "Sent")) == len(who)


CRISIS = "I can't go on any more. I am going to end my life tonight."


def _queue_news_of_risk(settings) -> None:
    """News of risk left waiting by an earlier run (its server was down)."""
    store = Store.open(settings.storage.database)
    try:
        store.queue(
            message_id="<earlier-alert@riverside.example>",
            enquiry_id=None,
            kind="crisis_alert",
            sender=settings.practice.email,
            recipients=(settings.practice.therapist_email,),
            raw=b"Subject: Urgent\r\n\r\nSomeone may be at risk.\r\n",
            needs_copy=True,
            now=NOW,
        )
    finally:
        store.close()


def test_news_of_risk_waiting_for_the_flush_goes_before_anything_ahead(
    tmp_path, mailboxes, monkeypatch
):
    """News of risk that is not going ahead (left by an earlier run, or
    caused by a reply) holds every letter back for the flush, which sends
    it first: an outage met half-way never leaves it behind them."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 8)
    _queue_news_of_risk(settings)
    watched.hold_at = 1
    watched.release_at = len(who)
    watched.down_at = 4
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down
    therapist = settings.practice.therapist_email
    assert watched.sends[0][2] == (therapist,)  # first, before any letter
    assert all(n == len(who) for n, _t, _r in watched.sends)  # none ahead
    assert len(office.messages(therapist)) == 1


def test_news_of_risk_read_in_the_backlog_goes_ahead_of_the_letters_waiting(
    tmp_path, mailboxes, monkeypatch
):
    """A crisis read half-way down a backlog: the therapist's alert overtakes
    the ordinary letters still waiting to go ahead, and goes before an outage
    met by those."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 8)
    crisis = "crisis.writer@example.org"
    deliver(office, mailboxes, crisis, 40, body=CRISIS)  # read after all 8
    watched.hold_at = 1
    watched.release_at = len(who) + 1  # every first mail decided
    watched.down_at = 4
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down
    therapist = settings.practice.therapist_email
    # Two letters were on their way when the crisis was read; the alert went
    # next, before the five still waiting, and before the outage.
    assert [r for _n, _t, r in watched.sends[:4]] == [
        (who[0],),
        (who[1],),
        (who[2],),
        (therapist,),
    ]
    assert len(office.messages(therapist)) == 1


def test_two_alerts_to_the_therapist_go_one_after_the_other_before_the_rest(
    tmp_path, mailboxes, monkeypatch
):
    """Two crises read in one backlog: both alerts to the same therapist go
    before the letters waiting, the second only once the first's answer is
    recorded (one letter in flight to an address), each once."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 6)
    deliver(office, mailboxes, "crisis.one@example.org", 50, body=CRISIS)
    deliver(office, mailboxes, "crisis.two@example.org", 45, body=CRISIS)
    watched.hold_at = 1
    watched.release_at = len(who) + 2
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down is None
    therapist = settings.practice.therapist_email
    order = [r for _n, _t, r in watched.sends]
    alerts = [n for n, r in enumerate(order) if r == (therapist,)]
    assert len(alerts) == 2
    waiting = [n for n, r in enumerate(order) if r in {(p,) for p in who[3:]}]
    assert max(alerts) < min(waiting)
    assert len(office.messages(therapist)) == 2
    for person in who:
        assert len(office.messages(person)) == 1


def test_a_second_alert_goes_before_the_letters_queued_before_it(
    tmp_path, mailboxes, monkeypatch
):
    """A crisis read early, another late in the backlog: the second alert
    still overtakes every ordinary letter waiting, after the first one has
    gone ahead (the queue's news of risk stays at its front)."""
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office)
    who = people(mailboxes, 8)
    mails = [who[0], "crisis.one@example.org", *who[1:7], "crisis.two@example.org"]
    for n, person in enumerate([*mails, who[7]]):
        body = CRISIS if person.startswith("crisis") else None
        deliver(office, mailboxes, person, 60 - n, body=body)
    watched = Watched(office, monkeypatch)
    watched.hold_at = 1
    watched.release_at = len(mails) + 1
    run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    therapist = settings.practice.therapist_email
    order = [r for _n, _t, r in watched.sends]
    alerts = [n for n, r in enumerate(order) if r == (therapist,)]
    assert len(alerts) == 2
    # Only the first person's letter and the first alert's went before the
    # second crisis was read (the alert held on the wire): every other
    # person's letter was still waiting, and goes after both alerts.
    waiting = [n for n, r in enumerate(order) if r in {(p,) for p in who[1:]}]
    assert alerts[1] < min(waiting), order


def test_news_of_risk_that_cannot_go_ahead_stops_what_goes_ahead(
    tmp_path, mailboxes, monkeypatch
):
    """An alert at the head of the queue that may not go ahead (as if a
    limit held it): nothing behind it goes ahead either; the flush sends
    it first."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 8)
    deliver(office, mailboxes, "crisis.writer@example.org", 40, body=CRISIS)
    watched.hold_at = 1
    watched.release_at = len(who) + 1
    hand_ahead = Outbox._hand_ahead

    def declining(outbox, outgoing):
        if outgoing.kind not in guard.URGENT_KINDS:
            hand_ahead(outbox, outgoing)

    monkeypatch.setattr(Outbox, "_hand_ahead", declining)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down is None
    therapist = settings.practice.therapist_email
    order = [r for _n, _t, r in watched.sends]
    # Three were on their way; then the flush, the alert first.
    assert order[:4] == [(who[0],), (who[1],), (who[2],), (therapist,)]
    assert watched.sends[3][1] == threading.main_thread().name
    assert len(office.messages(therapist)) == 1
    for person in who:
        assert len(office.messages(person)) == 1


def test_a_bug_under_a_drained_letter_is_raised_and_loses_nothing(
    tmp_path, mailboxes, monkeypatch
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 8)
    watched.hold_at = 1
    watched.release_at = len(who)
    watched.fail_at = 4  # on the worker, after the reading: not an answer
    with pytest.raises(RuntimeError, match="the wire broke"):
        run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert sorted(watched.decided) == sorted(who)
    later = run_once(
        settings,
        NOW + timedelta(minutes=5),
        mailbox=office.mailbox,
        sender=office.sender,
    )
    assert later.sent == len(who) - 4
    for person in who:
        assert len(office.messages(person)) == 1


PHASES = [
    pytest.param(5, None, 1, id="while-mails-are-read"),
    pytest.param(8, 1, 4, id="once-all-are-read"),
]
"""(requests, letter held on the wire until every mail is decided, the
letter the trouble meets): sent ahead while mails are still read, or among
the letters still waiting when the last is read (`Outbox.drain_ahead`)."""


def _phase(watched, who, held) -> None:
    if held is not None:
        watched.hold_at = held
        watched.release_at = len(who)


@pytest.mark.parametrize(("count", "held", "at"), PHASES)
def test_the_server_going_down_under_a_letter_sent_ahead_loses_nothing(
    tmp_path, mailboxes, monkeypatch, count, held, at
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, count)
    _phase(watched, who, held)
    watched.down_at = at
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down  # exit 3, said once
    assert report.sent == at  # what went before; nothing after the outage
    assert len(office.smtp_log) == at
    # The outage was met by the worker, not by the flush after the reading.
    assert watched.sends[at][1] != threading.main_thread().name
    office.smtp_up()
    assert report.waiting == len(who) - at
    assert len(office.messages(mailboxes.practice, "Sent")) == at  # filed all the same
    # The next run sends the rest, each once.
    later = run_once(
        settings,
        NOW + timedelta(minutes=5),
        mailbox=office.mailbox,
        sender=office.sender,
    )
    assert later.sent == len(who) - at
    for person in who:
        assert len(office.messages(person)) == 1
    assert len(office.messages(mailboxes.practice, "Sent")) == len(who)


@pytest.mark.parametrize(("count", "held", "at"), PHASES)
def test_a_session_dropped_between_two_letters_costs_the_run_nothing(
    tmp_path, mailboxes, monkeypatch, count, held, at
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, count)
    _phase(watched, who, held)
    watched.drop_at = at  # a server closing a session left idle, say
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.smtp_down is None  # not an outage: the flush sent on
    assert report.sent == len(who)
    for person in who:
        assert len(office.messages(person)) == 1
    assert len(office.messages(mailboxes.practice, "Sent")) == len(who)


def test_what_is_not_the_servers_answer_is_raised_where_the_flush_would(
    tmp_path, mailboxes, monkeypatch
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 4)
    watched.fail_at = 1  # the worker's first: a bug, not an answer
    with pytest.raises(RuntimeError, match="the wire broke"):
        run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    # Every mail was read and decided first: the inbox is not left half-read.
    assert sorted(watched.decided) == sorted(who)
    store = Store.open(settings.storage.database)
    try:
        assert (
            store.outbox_counts().get("done", 0) + store.outbox_counts().get("sent", 0)
            == 1
        )
    finally:
        store.close()


@pytest.mark.parametrize(
    "crises",
    [
        pytest.param((), id="requests"),
        pytest.param((4, 10), id="two-crises-among-them"),
    ],
)
def test_over_the_wire_a_backlog_is_answered_each_once_and_filed(
    tmp_path, mail_server, mailboxes, crises
):
    """On Dovecot + SMTP: twelve requests in one run (and crises among them,
    at these places), letters handed over from the worker while the inbox is
    read and the rest drained once all are read; each writer has one letter
    in their own mailbox, the therapist one alert a crisis, Sent a copy of
    each letter to a writer (notes to the therapist have none), and the next
    run sends nothing."""
    config = write_config(tmp_path, mail_server, mailboxes, ROOMY)
    mails = people(mailboxes, 12)
    for n, at in enumerate(crises):
        mails.insert(at, f"crisis.{n}@example.org")
    for n, person in enumerate(mails):
        mail_server.deliver(
            request(
                sender=person,
                to=mailboxes.practice,
                sent_at=NOW - timedelta(minutes=60 - n),
                **({"body": CRISIS} if person.startswith("crisis.") else {}),
            ),
            mailboxes.practice,
        )
    before = len(mail_server.smtp_log)
    assert run(config, NOW) == 0
    sent = len(mail_server.smtp_log) - before
    assert sent == len(mails) + len(crises)  # one letter each, an alert a crisis
    assert len(mail_server.messages(mailboxes.therapist)) == len(crises)
    for person in mails:
        assert len(sent_to(mail_server, person)) == 1
        assert len(mail_server.messages(person)) == 1  # read back from their box
    assert len(mail_server.messages(mailboxes.practice, "Sent")) == len(mails)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(mail_server.smtp_log) - before == sent


def test_after_a_letter_is_deferred_the_rest_go_with_the_flush_each_once(
    tmp_path, mailboxes, monkeypatch
):
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 6)
    watched.fail_at, watched.fail_with = 1, DeferredSendError  # a 4xx for one
    # ...answered only once the next letter is handed over behind it.
    watched.hold_at, watched.release_at = 1, 4
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.deferred == 1
    assert report.sent == len(who) - 1  # the rest went, ahead or with the flush
    # Nothing after the refused one went from the worker: the flush sent them,
    # once every mail was read.
    late = [n for n, _thread, _r in watched.sends[1:]]
    assert len(late) == len(who) - 2
    assert all(n == len(who) for n in late)
    assert all(t == threading.main_thread().name for _n, t, _r in watched.sends[1:])
    for person in who:
        assert len(office.messages(person)) == (0 if person == who[1] else 1)
    later = run_once(
        settings, NOW + timedelta(hours=2), mailbox=office.mailbox, sender=office.sender
    )
    assert later.sent == 1
    for person in who:
        assert len(office.messages(person)) == 1


def test_a_refused_login_under_a_letter_sent_ahead_is_not_tried_again(
    tmp_path, mailboxes, monkeypatch
):
    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    path = write_config(tmp_path, nowhere, mailboxes, ROOMY)
    text = path.read_text(encoding="utf-8")
    smtp = text.index("[smtp]")
    path.write_text(
        text[:smtp]
        + text[smtp:].replace(
            f'password = "{office.password}"', 'password = "wrong"', 1
        ),
        encoding="utf-8",
    )
    settings = load_settings(path)
    for n, person in enumerate(people(mailboxes, 3)):
        deliver(office, mailboxes, person, 60 - n)
    logins: list[str] = []
    accepts = office._accepts

    def counted(user, secret, auth):
        logins.append(secret)
        return accepts(user, secret, auth)

    monkeypatch.setattr(office, "_accepts", counted)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=office.sender)
    assert report.smtp_down  # exit 3, the letters wait
    assert logins.count("wrong") == 1  # once a run: providers lock after a few
    assert office.smtp_log == []


def test_each_250_is_recorded_before_the_worker_sends_the_next(
    tmp_path, mailboxes, monkeypatch
):
    """A kill while the next mail is decided must not send a letter twice: the
    worker records each 250 (committed and synced) before anything else, even
    when the next letter waits right behind it."""
    import sqlite3

    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 6)
    # The worker's first letter is answered only once the next is queued
    # behind it, and the mail being decided then waits until that next one
    # goes: no moment between the two for this thread to record anything.
    watched.hold_at, watched.release_at = 1, 4
    seen: list[int] = []

    def recorded() -> None:
        db = sqlite3.connect(settings.storage.database)
        try:
            (done,) = db.execute(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'done')"
            ).fetchone()
        finally:
            db.close()
        seen.append(done)

    watched.check = recorded
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.sent == len(who)
    assert seen == [2]  # the first (from this thread) and the held one, on disk


def test_a_delivery_report_in_a_later_batch_still_takes_the_letter_back(
    tmp_path, mailboxes, monkeypatch
):
    """Batches are 50 mails: a report of an earlier letter to Alice, read in
    the batch after her new request, drops the new answer as before (her
    address is marked undeliverable, the therapist told), though the answer
    waited first in line to go ahead once the report was read."""
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office)
    alice = people(mailboxes, 1)[0]
    deliver(office, mailboxes, alice, 30)
    run_once(settings, NOW, mailbox=office.mailbox, sender=office.sender)
    (first,) = office.messages(alice)
    offer_id = first.message()["Message-ID"]
    for days in (3, 10, 20):  # nudged, then her offer lapses: the enquiry ends
        later = NOW + timedelta(days=days)
        run_once(settings, later, mailbox=office.mailbox, sender=office.sender)
    store = Store.open(settings.storage.database)
    try:
        assert store.open_enquiry_for(alice) is None
    finally:
        store.close()
    had = len(office.messages(alice))
    deliver(office, mailboxes, alice, -(20 * 24 * 60) + 70)  # batch 1's first
    others = [f"other.{n}@example.net" for n in range(49)]
    for n, person in enumerate(others):
        deliver(office, mailboxes, person, -(20 * 24 * 60) + 60 - n)
    office.deliver(  # the 51st, batch 2's first
        (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
            f"To: {mailboxes.practice}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Date: "
            + (later + timedelta(minutes=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
            + "\r\n"
            "Message-ID: <dsn-2@mx.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
            "\r\n--b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\n"
            f"Final-Recipient: rfc822; {alice}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {offer_id}\r\nTo: {alice}\r\n\r\n--b--\r\n"
        ).encode(),
        mailboxes.practice,
    )
    # A report may be about anyone written to before: the letters of mails
    # before it wait for the flush; those after it may go ahead.
    after = [f"after.{n}@example.net" for n in range(3)]
    for n, person in enumerate(after):
        deliver(office, mailboxes, person, -(20 * 24 * 60) + 1 - n)
    watched = Watched(office, monkeypatch)
    report = run_once(
        settings,
        later + timedelta(minutes=5),
        mailbox=office.mailbox,
        sender=watched.sender,
    )
    assert report.outcomes.get("bounce") == 1
    assert report.outcomes.get("request") == len(others) + 1 + len(after)
    assert len(office.messages(alice)) == had  # her new answer never went
    assert all((alice,) != r for _n, _t, r in watched.sends)
    sent = {
        r[0]: at for (_n, _t, r), at in zip(watched.sends, watched.read_at, strict=True)
    }
    # Nothing went before the report (the 51st mail) was read; after it, the
    # letters waiting went, ahead of the last mails.
    assert min(sent.values()) >= 51
    assert sent[others[0]] < 51 + len(after)


@pytest.mark.parametrize(
    ("per_run", "per_hour", "pending", "visits", "ahead"),
    [
        # Six mails at 30 letters each as far as the run can tell, 4 notes of
        # its own and one unreadable calendar: 185 before anything else.
        (185, 10000, 0, 0, True),
        (184, 10000, 0, 0, False),
        (10000, 185, 0, 0, True),
        (10000, 184, 0, 0, False),
        (185, 10000, 1, 0, False),  # a letter already waiting counts
        (205, 10000, 0, 1, True),  # an enquiry the clock visits: 20 more
        (204, 10000, 0, 1, False),
    ],
)
def test_the_run_counts_every_letter_it_could_queue_before_any_goes_ahead(
    tmp_path, mailboxes, monkeypatch, per_run, per_hour, pending, visits, ahead
):
    limits = (
        f"[limits]\nper_run = {per_run}\nper_hour = {per_hour}\n"
        "per_address_per_day = 100\n"
    )
    office, settings, who, watched = backlog(
        tmp_path, mailboxes, monkeypatch, 6, extra=limits
    )
    counted_pending, counted_visits = Store.pending_count, runner.Runner._clock_visits
    monkeypatch.setattr(
        Store, "pending_count", lambda self: counted_pending(self) + pending
    )
    monkeypatch.setattr(
        runner.Runner, "_clock_visits", lambda self: counted_visits(self) + visits
    )
    calls: list[int] = []
    open_ahead = Outbox.open_ahead

    def opened(outbox, mails, waits, clock):
        calls.append(mails)
        open_ahead(outbox, mails, waits, clock)

    monkeypatch.setattr(Outbox, "open_ahead", opened)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert calls == [len(who)]
    assert report.sent == len(who)
    assert (watched.sends[0][0] < len(who)) is ahead


def test_while_sending_is_paused_nothing_goes_ahead(tmp_path, mailboxes, monkeypatch):
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office)
    store = Store.open(settings.storage.database)
    try:
        store.set_meta("breaker_open_since", (NOW - timedelta(hours=2)).isoformat())
    finally:
        store.close()
    who = people(mailboxes, 3)
    for n, person in enumerate(who):
        deliver(office, mailboxes, person, 60 - n)
    watched = Watched(office, monkeypatch)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.sent == len(who)  # the hour had calmed: the flush resumed
    assert {n for n, _t, _r in watched.sends} == {len(who)}


@pytest.mark.parametrize(("rules_changed", "counted"), [(False, 0), (True, 1)])
def test_under_changed_timing_rules_every_open_enquiry_counts(
    tmp_path, mailboxes, monkeypatch, rules_changed, counted
):
    """A new release or timing setting has the clock look at every open
    enquiry afresh in that run: the bound counts them all."""
    office = MemoryPostOffice()
    settings = setting(tmp_path, mailboxes, office)
    first, second = people(mailboxes, 2)
    deliver(office, mailboxes, first, 30)
    run_once(settings, NOW, mailbox=office.mailbox, sender=office.sender)
    if rules_changed:
        store = Store.open(settings.storage.database)
        try:
            store.set_meta("timing_rules", "the rules of an older release")
        finally:
            store.close()
    deliver(office, mailboxes, second, 1)
    seen: list[int] = []
    open_ahead = Outbox.open_ahead

    def opened(outbox, mails, waits, visits):
        seen.append(visits())
        open_ahead(outbox, mails, waits, visits)

    monkeypatch.setattr(Outbox, "open_ahead", opened)
    run_once(
        settings,
        NOW + timedelta(minutes=5),
        mailbox=office.mailbox,
        sender=office.sender,
    )
    assert seen == [counted]


def _shared_mail() -> list[bytes]:
    from support import shared_files

    return [
        path.read_bytes()
        for folder in ("autoreply-bounce", "replies", "odd-mime", "imip")
        for path in shared_files(folder)
        if path.suffix != ".md"
    ]


SHARED_MAIL = _shared_mail()


@pytest.mark.skipif(not SHARED_MAIL, reason="../shared/fixtures absent (outside CI)")
def test_real_odd_mail_in_the_poll_costs_the_requests_nothing(
    tmp_path, mailboxes, monkeypatch
):
    """Auto-replies, bounces, client replies, invitations and broken MIME from
    real systems, among requests, with letters free to go ahead: the poll's
    headers read ahead of it break nothing, each request is answered once,
    and none of that mail is answered."""
    office, settings, who, watched = backlog(tmp_path, mailboxes, monkeypatch, 4)
    for raw in SHARED_MAIL:
        office.deliver(raw, mailboxes.practice)
    after = ["after.1@example.net", "after.2@example.net"]
    for n, person in enumerate(after):
        deliver(office, mailboxes, person, 1 - n)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=watched.sender)
    assert report.outcomes.get("request") == len(who) + len(after)
    for person in [*who, *after]:
        assert len(office.messages(person)) == 1
    # Only the requests' answers went to anyone but the therapist.
    therapist = mailboxes.therapist
    sent = [rs for _n, _t, rs in watched.sends]
    assert {r for rs in sent for r in rs if r != therapist} == {*who, *after}
    # Once the last report was read, letters went ahead of the last mail.
    total = len(who) + len(SHARED_MAIL) + len(after)
    assert min(watched.read_at) < total
