"""#13: a mail's headers are asked whether an automaton sent them once a run,
though the prefetch and the mail's own turn both need the answer."""

from __future__ import annotations

from types import SimpleNamespace

from support import NOW, request, write_config

from mailflow.config import load_settings
from mailflow.reading import classify
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice


def test_each_mails_automated_sender_reading_is_made_once(
    tmp_path, mailboxes, monkeypatch
):
    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings = load_settings(write_config(tmp_path, nowhere, mailboxes))
    name, domain = mailboxes.person.split("@")
    people = [f"{name}.{n}@{domain}" for n in range(4)]
    for person in people:
        office.deliver(
            request(sender=person, to=mailboxes.practice), mailboxes.practice
        )
    asked: list[str | None] = []
    read = classify.is_automated

    def counted(mail, form_senders=()):
        asked.append(mail.from_addr)
        return read(mail, form_senders)

    monkeypatch.setattr(classify, "is_automated", counted)
    report = run_once(settings, NOW, mailbox=office.mailbox, sender=office.sender)
    assert report.sent == len(people)  # each answered: the reading still holds
    assert sorted(asked) == sorted(people)
