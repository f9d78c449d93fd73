"""What a cron run costs: an empty poll loads no heavy library, and new mail's
bodies are read in batches rather than one FETCH each."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from support import NOW, request, run, run_in_process, write_config

HEAVY = ("icalendar", "jinja2", "phonenumbers")
"""Calendars, templates and phone numbers: nothing an empty poll does needs them."""

_FRESH_RUN = """
import sys
from mailflow.cli import main
code = main(["run", "--config", sys.argv[1], "--now", sys.argv[2]])
print(code, *sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[3:]))
"""


def test_an_empty_run_loads_no_heavy_library(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    # One request answered first: an open enquiry, a filled store and Sent folder.
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert run(config) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1

    later = (NOW + timedelta(minutes=5)).isoformat()
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_RUN, str(config), later, *HEAVY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]  # exit 0 and none of HEAVY in sys.modules
    assert len(mail_server.messages(mailboxes.person)) == 1  # and nothing sent


def test_new_mail_bodies_are_read_in_one_fetch(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    assert run(config) == 0  # learn the folders while they are empty
    people = [f"p{n}-{mailboxes.person}" for n in range(3)]
    for person in people:
        mail_server.deliver(
            request(sender=person, to=mailboxes.practice), mailboxes.practice
        )
    mail_server.deliver(  # decided on its headers alone: its body is never read
        request(
            sender="news@lists.example",
            to=mailboxes.practice,
            subject="Our newsletter",
            headers={"List-Id": "<news.lists.example>"},
        ),
        mailboxes.practice,
    )
    report, mailbox = run_in_process(config, NOW)
    assert report.requests == 3
    assert report.ignored == 1
    # Headers once, the three requests' bodies once; then one APPEND per offer.
    assert mailbox.commands.count("UID FETCH") == 2
    for person in people:
        assert len(mail_server.messages(person)) == 1
