"""A first run over a real mailbox costs what it reads (#13): mail its headers
decide is never fetched, and a request's attachment stays on the server.

Against Dovecot; `ImapMailbox.fetched_bytes` counts what crossed the wire.
"""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid

import pytest
from support import NOW, request, run_in_process, write_config

from mailflow.shell.runner import SENT_BATCH

ATTACHMENT = bytes(range(256)) * (3 * 4096)
"""3 MiB: had it been fetched, `fetched_bytes` would show it."""
HEADERS_ONLY = 64 * 1024
"""More than the headers and text parts of a handful of mails, far less than
one attachment."""


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def _with_attachment(
    sender: str, to: str, text: str, *, subject: str = "Free consultation call"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW - timedelta(hours=1))
    message["Message-ID"] = make_msgid(domain="sender.example")
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    message.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="letter.pdf"
    )
    return message


def test_a_request_with_a_big_attachment_is_answered_from_its_text_alone(setup):
    server, boxes, config = setup
    words = "Hello, could I book the free 15 minute call please? Mornings suit me."
    mail = _with_attachment(boxes.person, boxes.practice, words)
    server.deliver(mail.as_bytes(), boxes.practice)

    report, mailbox = run_in_process(config, NOW)

    assert report.requests == 1
    (reply,) = server.messages(boxes.person)
    assert reply.message()["In-Reply-To"] == mail["Message-ID"]
    assert mailbox.fetched_bytes < HEADERS_ONLY  # the text part, not the 3 MiB


def test_mail_its_headers_decide_is_never_fetched_for_its_body(setup):
    server, boxes, config = setup
    old = _with_attachment(boxes.person, boxes.practice, "Can I book a call?")
    old.replace_header("Date", format_datetime(NOW - timedelta(days=30)))
    own = _with_attachment(boxes.practice, boxes.practice, "Note to self: book a call")
    listed = _with_attachment("news@lists.example", boxes.practice, "Book a call!")
    listed["List-Id"] = "<news.lists.example>"
    plain_own = request(sender=boxes.therapist, to=boxes.practice)
    for raw in (old.as_bytes(), own.as_bytes(), listed.as_bytes(), plain_own):
        server.deliver(raw, boxes.practice)

    report, mailbox = run_in_process(config, NOW)

    assert report.outcomes == {"too-old": 1, "from-practice": 2, "mailing-list": 1}
    assert report.requests == 0
    assert server.messages(boxes.person) == []
    # Headers once, the three multipart mails' structures once; no body, no
    # part, but the text part of the mail from the practice's own address (its
    # website's form may send as it, and is read for risk: test_form_alone).
    assert mailbox.commands.count("UID FETCH") == 3, " ".join(mailbox.commands)
    assert mailbox.fetched_bytes < HEADERS_ONLY


def test_a_calendar_answer_with_an_attachment_is_still_read(setup):
    """A reply to the booking holds its calendar beside a big attachment: the
    structure says so, the calendar part is fetched (not the attachment), and
    the booking's answer is read as it is when the mail is read whole."""
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    run_in_process(config, NOW)
    (offer,) = server.messages(boxes.person)
    offered = offer.message()
    words = "None of these work for me, sorry. Do you have anything else?"
    answer = _with_attachment(
        boxes.person, boxes.practice, words, subject="Re: " + str(offered["Subject"])
    )
    answer["In-Reply-To"] = offered["Message-ID"]
    answer["References"] = offered["Message-ID"]
    server.deliver(answer.as_bytes(), boxes.practice)

    report, mailbox = run_in_process(config, NOW + timedelta(minutes=5))

    assert sum(n for k, n in report.outcomes.items() if k.startswith("owned:")) == 1
    assert mailbox.fetched_bytes < HEADERS_ONLY
    letters = server.messages(boxes.person)
    assert len(letters) == 2  # their words were read: the times again, or others
    second = email.message_from_bytes(letters[1].raw, policy=default_policy)
    assert second["In-Reply-To"] == answer["Message-ID"]


def test_the_sent_scan_commits_in_batches_and_learns_every_mail(setup):
    server, boxes, config = setup
    count = SENT_BATCH + 20
    for n in range(count):
        server.append(
            boxes.practice,
            "Sent",
            request(sender=boxes.practice, to=f"client-{n}@example.org"),
        )
    # A client written to by hand: their mail is not a stranger's request.
    server.deliver(
        request(sender=f"client-{count - 1}@example.org", to=boxes.practice),
        boxes.practice,
    )

    report, _mailbox = run_in_process(config, NOW)

    assert report.requests == 0
    assert server.messages(f"client-{count - 1}@example.org") == []


def _listed(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "news@lists.example"
    message["To"] = "practice@example.org"
    message["Subject"] = f"Issue {n}"
    message["Date"] = format_datetime(NOW - timedelta(hours=1))
    message["Message-ID"] = f"<issue-{n}@lists.example>"
    message["List-Id"] = "<news.lists.example>"
    message.set_content("This month's news.")
    return message


def test_mail_left_alone_is_marked_seen_in_one_commit_per_batch(setup, monkeypatch):
    """Hundreds of mails left alone on a first run: one commit (one fsync) for
    the batch's marks, not one per mail; a copy of a mail later in the same
    batch still meets its twin's mark."""
    from contextlib import contextmanager

    from mailflow.shell.runner import FIRST_BODY_BATCH
    from mailflow.shell.store import Store

    server, boxes, config = setup
    first = FIRST_BODY_BATCH - 1  # the first batch: these and the copy
    for n in range(first):
        server.deliver(_listed(n).as_bytes(), boxes.practice)
    server.deliver(_listed(0).as_bytes(), boxes.practice)  # the same mail again
    for n in range(first, 12):
        server.deliver(_listed(n).as_bytes(), boxes.practice)

    transactions: list[int] = []
    marks: list[int] = []
    transaction, mark_seen = Store.transaction, Store.mark_seen

    @contextmanager
    def counted(self):
        transactions.append(len(transactions))
        with transaction(self):
            yield

    def counted_mark(self, *args, **kwargs):
        marks.append(transactions[-1])
        return mark_seen(self, *args, **kwargs)

    monkeypatch.setattr(Store, "transaction", counted)
    monkeypatch.setattr(Store, "mark_seen", counted_mark)
    report, _mailbox = run_in_process(config, NOW)

    assert report.outcomes == {"mailing-list": 12}
    assert report.new == 12  # the copy was seen: its twin's mark, not yet committed
    assert len(marks) == 12
    # One transaction a batch: the poll's short first batch, then the rest.
    assert len(set(marks[:first])) == len(set(marks[first:])) == 1
    assert marks[0] != marks[-1]

    again, _mailbox = run_in_process(config, NOW + timedelta(minutes=5))
    assert again.new == 0  # committed: nothing is read twice


def _adopted(config) -> str | None:
    from mailflow.config import load_settings
    from mailflow.shell.store import Store

    with Store.open(load_settings(config).storage.database) as store:
        return store.get_meta("adopted_threads")


def test_its_own_copies_in_sent_are_never_taken_for_another_databases(setup, caplog):
    """A Sent scan that meets mailflow's own copies (the folder read again
    whole, its UIDVALIDITY changed) never adopts them."""
    from mailflow.config import load_settings
    from mailflow.shell.store import Folder, Store

    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    run_in_process(config, NOW)
    assert server.messages(boxes.practice, "Sent")  # its copy is there to meet
    with Store.open(load_settings(config).storage.database) as store:
        store.set_folder("sent:Sent", Folder(1, 1))  # not the server's: read whole
    caplog.clear()
    run_in_process(config, NOW + timedelta(minutes=5))

    assert _adopted(config) is None
    assert "never wrote" not in caplog.text


def test_another_databases_letter_is_adopted_once_and_odd_sent_mail_is_read(
    setup, caplog
):
    """A letter a second database wrote marks its thread answered (once); a
    hand-written mail without a Message-ID still makes its recipient a contact."""
    server, boxes, config = setup
    asked = make_msgid(domain="example.org")
    server.append(
        boxes.practice,
        "Sent",
        (
            f"From: {boxes.practice}\r\nTo: {boxes.person}\r\n"
            f"Message-ID: <mailflow.{'e' * 32}@riverside.example>\r\n"
            f"In-Reply-To: {asked}\r\nX-Mailflow: offer\r\n\r\nTimes.\r\n"
        ).encode(),
    )
    server.append(
        boxes.practice,
        "Sent",
        f"From: {boxes.practice}\r\nTo: client-x@example.org\r\n\r\nSee you.\r\n".encode(),
    )
    asking = request(sender=boxes.person, to=boxes.practice)
    asking = re.sub(rb"Message-ID: <[^>]+>", f"Message-ID: {asked}".encode(), asking)
    server.deliver(asking, boxes.practice)
    server.deliver(
        request(sender="client-x@example.org", to=boxes.practice), boxes.practice
    )

    report, _mailbox = run_in_process(config, NOW)
    run_in_process(config, NOW + timedelta(minutes=5))

    assert report.requests == 0  # one answered elsewhere, one from a client
    assert server.messages(boxes.person) == []
    assert server.messages("client-x@example.org") == []
    assert _adopted(config) == "1"
    assert caplog.text.count("never wrote") == 1


def test_only_the_commands_own_process_freezes_what_it_loaded(setup):
    """`mailflow run` freezes its loaded modules out of the cyclic collector;
    a caller running the command in its own process (a test, a script) keeps
    all of its garbage collectable."""
    import gc
    import subprocess
    import sys

    from support import run

    _server, _boxes, config = setup
    assert run(config, NOW) == 0
    assert gc.get_freeze_count() == 0
    probe = (
        "import gc, sys\nfrom mailflow.entry import main\n"
        f"sys.argv = ['mailflow', 'run', '--config', {str(config)!r},"
        f" '--now', {(NOW + timedelta(hours=2)).isoformat()!r}]\n"
        "code = main()\nprint(code, gc.get_freeze_count() > 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    # Two hours on: past the quiet mark the first run left, so a whole run.
    assert done.stdout.split() == ["0", "True"]


def _collector_probe(command: list[str], module: str, name: str, before: str) -> str:
    """A console-script process running `command` with `module.name` (the
    command's work, looked up when it is called) spied on: the collector's
    state at `gc.freeze`, at the work, and once `main` has returned."""
    return (
        "import gc, importlib, sys\nfrom mailflow import entry\n"
        "seen = {'freeze': None}\nfreeze = gc.freeze\n"
        "def spy_freeze():\n"
        "    seen['freeze'] = gc.isenabled()\n"
        "    freeze()\n"
        "gc.freeze = spy_freeze\n"
        f"work = importlib.import_module({module!r})\nreal = getattr(work, {name!r})\n"
        "def spy(*a, **k):\n"
        "    seen['work'] = gc.isenabled()\n"
        "    return real(*a, **k)\n"
        f"setattr(work, {name!r}, spy)\n"
        f"{before}\n"
        f"sys.argv = ['mailflow', *{command!r}]\n"
        "code = entry.main()\n"
        "print(code, seen['freeze'], seen['work'], gc.isenabled())"
    )


@pytest.mark.parametrize("before", ["", "gc.disable()"], ids=["on", "off"])
def test_a_run_starts_without_the_collector_and_works_with_it(setup, before):
    """The console script starts with the cyclic collector off (`entry`): the
    run freezes what it loaded with it still off, and reads mail with it on;
    once `main` returns, it is as the process had it."""
    import subprocess
    import sys

    _server, _boxes, config = setup
    later = (NOW + timedelta(hours=2)).isoformat()
    command = ["run", "--config", str(config), "--now", later]
    probe = _collector_probe(command, "mailflow.shell.cycle", "run_locked", before)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    restored = "True" if before == "" else "False"
    assert done.stdout.splitlines()[-1].split() == ["0", "False", "True", restored]


@pytest.mark.parametrize(
    ("command", "module", "name"),
    [
        ("status", "mailflow.cli.command", "_status"),
        ("check", "mailflow.cli.check", "check"),
        ("watch", "mailflow.shell.watch", "watch"),
    ],
)
def test_every_other_command_works_with_the_collector_on(setup, command, module, name):
    """Every command but a run turns the collector on again before its work
    (a `watch` lives for days) and freezes nothing."""
    import subprocess
    import sys

    _server, _boxes, config = setup
    before = ""
    if command == "watch":  # its loop is not the point: the state it starts in is
        before = "real = lambda *a, **k: 0"
    probe = _collector_probe([command, "--config", str(config)], module, name, before)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1].split() == ["0", "None", "True", "True"]


def test_a_callers_collector_is_left_as_it_is(setup):
    """Run in a caller's process (`cli.main`, as tests and scripts do), the
    command never touches the collector: off stays off."""
    import gc

    from support import run

    from mailflow.cli import main

    _server, _boxes, config = setup
    gc.disable()
    try:
        assert run(config, NOW) == 0
        assert not gc.isenabled()
        assert main(["status", "--config", str(config)]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_that_reads_no_request_never_loads_phonenumbers(setup):
    """Reading mail (here a client's reply to the practice) loads the readers;
    phonenumbers' metadata waits for a request whose phone number is read."""
    import subprocess
    import sys

    server, boxes, config = setup
    server.append(
        boxes.practice, "Sent", request(sender=boxes.practice, to=boxes.person)
    )
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body="Thanks, see you."),
        boxes.practice,
    )
    probe = (
        "import sys\nfrom mailflow.cli import main\n"
        f"code = main(['run', '--config', {str(config)!r}, '--now', {NOW.isoformat()!r}])\n"
        "print(code, 'mailflow.reading.classify' in sys.modules,"
        " 'phonenumbers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "True", "False"]
