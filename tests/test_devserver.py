"""The local mail server really stores, relays, refuses and recovers like a real one."""

from __future__ import annotations

import smtplib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from imapclient import IMAPClient

from mailflow.cli.devserver import DOVECOT_MISSING, LocalMailServer

if TYPE_CHECKING:
    from conftest import Mailboxes


def _raw(sender: str, to: str, subject: str = "Free consultation?") -> bytes:
    return (
        f"From: Jordan <{sender}>\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <devserver-test@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Hello, could we have a call next week?\r\n"
        "Caf\u00e9 at ten works for me.\r\n"
        ".leading dot survives dot-stuffing\r\n"
    ).encode()


def test_smtp_submission_arrives_byte_identical_in_inbox(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    raw = _raw(mailboxes.person, mailboxes.practice)
    with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
        smtp.login(mailboxes.person, mail_server.password)
        smtp.sendmail(mailboxes.person, [mailboxes.practice], raw)

    [stored] = mail_server.messages(mailboxes.practice)
    # Dovecot only prepends trace headers (Return-Path, Delivered-To, Received).
    assert stored.raw.endswith(raw)
    assert stored.message()["Return-Path"] == f"<{mailboxes.person}>"


def test_smtp_delivers_to_every_recipient_and_logs_it(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    raw = _raw(mailboxes.practice, mailboxes.person)
    recipients = [mailboxes.person, mailboxes.therapist]
    with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
        smtp.sendmail(mailboxes.practice, recipients, raw)  # no AUTH: also accepted

    assert (mailboxes.practice, tuple(recipients), raw) in mail_server.smtp_log
    for rcpt in recipients:
        [stored] = mail_server.messages(rcpt)
        assert stored.raw.endswith(raw)


def test_deliver_uses_the_from_address_as_envelope_sender(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    raw = _raw(mailboxes.person, mailboxes.practice)
    mail_server.deliver(raw, mailboxes.practice)

    [stored] = mail_server.messages(mailboxes.practice)
    assert stored.raw.endswith(raw)
    assert stored.message()["Return-Path"] == f"<{mailboxes.person}>"
    assert stored.message()["Delivered-To"] == mailboxes.practice


def test_messages_leaves_mail_unread(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    mail_server.deliver(_raw(mailboxes.person, mailboxes.practice), mailboxes.practice)

    assert [m.flags for m in mail_server.messages(mailboxes.practice)] == [()]
    assert [m.flags for m in mail_server.messages(mailboxes.practice)] == [()]
    # Control: an ordinary BODY[] fetch does mark it read, so the check can fail.
    with mail_server.imap(mailboxes.practice) as client:
        client.select_folder("INBOX")
        client.fetch(client.search("ALL"), ["BODY[]"])
    [stored] = mail_server.messages(mailboxes.practice)
    assert stored.flags == ("\\Seen",)


def test_append_stores_flags_and_returns_the_uid(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    raw = _raw(mailboxes.practice, mailboxes.person, subject="Re: Free consultation?")
    uid = mail_server.append(mailboxes.practice, "Sent", raw, flags=["\\Seen"])

    [stored] = mail_server.messages(mailboxes.practice, "Sent")
    assert (stored.uid, stored.flags, stored.raw) == (uid, ("\\Seen",), raw)


def test_special_use_folders_exist_for_a_new_user(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    with mail_server.imap(mailboxes.practice) as client:
        folders = {name: flags for flags, _, name in client.list_folders()}
    assert b"\\Sent" in folders["Sent"]
    assert b"\\Drafts" in folders["Drafts"]
    assert b"\\Trash" in folders["Trash"]


def test_wrong_smtp_password_is_refused_with_535(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    with (
        smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError) as refused,
    ):
        smtp.login(mailboxes.person, "not-the-password")
    assert refused.value.smtp_code == 535


def test_wrong_imap_password_is_refused_without_slowing_later_logins(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    started = time.monotonic()
    for _ in range(2):
        client = IMAPClient(mail_server.host, port=mail_server.imap_port, ssl=False)
        with pytest.raises(IMAPClient.Error):
            client.login(mailboxes.practice, "not-the-password")
        client.shutdown()
    assert mail_server.messages(mailboxes.practice) == []
    # Dovecot's auth penalty would hold these logins for 2-15 s.
    assert time.monotonic() - started < 1.9


def test_imap_down_refuses_connections_and_up_keeps_the_mail(
    mail_server: LocalMailServer, mailboxes: Mailboxes
) -> None:
    before = _raw(mailboxes.person, mailboxes.practice, subject="before")
    during = _raw(mailboxes.person, mailboxes.practice, subject="during")
    mail_server.deliver(before, mailboxes.practice)
    mail_server.imap_down()
    try:
        with pytest.raises(ConnectionRefusedError):
            IMAPClient(mail_server.host, port=mail_server.imap_port, ssl=False)
        # SMTP still accepts and queues, like an MTA whose mail store is down.
        with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
            smtp.sendmail(mailboxes.person, [mailboxes.practice], during)
    finally:
        mail_server.imap_up()

    stored = mail_server.messages(mailboxes.practice)
    assert [m.message()["Subject"] for m in stored] == ["before", "during"]


def test_smtp_down_refuses_connections_and_up_restores(
    mail_server: LocalMailServer,
) -> None:
    mail_server.smtp_down()
    try:
        with pytest.raises(ConnectionRefusedError):
            smtplib.SMTP(mail_server.host, mail_server.smtp_port)
    finally:
        mail_server.smtp_up()
    with smtplib.SMTP(mail_server.host, mail_server.smtp_port) as smtp:
        assert smtp.noop()[0] == 250


def test_missing_dovecot_is_a_clear_error(tmp_path: Path) -> None:
    server = LocalMailServer(dovecot=str(tmp_path / "no-such-dovecot"))
    with pytest.raises(RuntimeError, match="Dovecot is not installed") as missing:
        server.start()
    assert str(missing.value) == DOVECOT_MISSING
