"""Issue #14: secrets stay secret. `-vv` never logs the IMAP wire (every
mail in full, the approval Message-IDs)."""

from __future__ import annotations

import logging

from support import NOW, request, write_config

from mailflow.cli import main


def test_vv_never_logs_message_content(tmp_path, mail_server, mailboxes, caplog):
    config = write_config(tmp_path, mail_server, mailboxes)
    secret = "my-very-private-words-about-panic"
    mail_server.deliver(
        request(
            sender=f"Jordan <{mailboxes.person}>",
            to=mailboxes.practice,
            body=f"Hello, I'd like to book the free consultation call. {secret}",
        ),
        mailboxes.practice,
    )
    with caplog.at_level(logging.DEBUG):
        assert (
            main(["-vv", "run", "--config", str(config), "--now", NOW.isoformat()]) == 0
        )
    assert logging.getLogger("imapclient").getEffectiveLevel() >= logging.WARNING
    assert secret not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("imapclient")]
