"""The Mailbox and Sender contract (mailflow/shell/ports.py), held against both worlds (#8).

One suite, as vdirsyncer's StorageTests: `ContractTests` states what the worker
relies on, `TestMemory` runs it on the in-memory fakes, `TestDovecot` on real
Dovecot + SMTP through `ImapMailbox` and `SmtpSender`. A fake that passes here is
one the worker can be driven through; a disagreement fails on one side only.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support import request, write_config

from mailflow.cli.devserver import LocalMailServer
from mailflow.config import ImapSettings, Secret, SmtpSettings, load_settings
from mailflow.errors import (
    DeferredSendError,
    MailboxAuthError,
    MailboxError,
    PermanentSendError,
    PolicyRefusedError,
    SmtpAuthError,
    TransientSendError,
)
from mailflow.shell import fakes
from mailflow.shell.mailbox import READ_LIMIT, ImapMailbox
from mailflow.shell.ports import Mailbox, Sender
from mailflow.shell.smtp import SmtpSender

SOON = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ours(*, sender: str, to: str, subject: str = "Re: Free consultation call") -> bytes:
    """A message as mailflow writes them: CRLF line ends (policy SMTP)."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="riverside.example")
    message.set_content("Hello,\n\nthese times are free.\n")
    return message.as_bytes()


def message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])


class DovecotWorld:
    """The dev server with the folder changes the contract needs (over IMAP)."""

    def __init__(self, server: LocalMailServer) -> None:
        self.server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    def create_folder(self, user: str, folder: str) -> None:
        with self.server.imap(user) as client:
            client.create_folder(folder)

    def delete_folder(self, user: str, folder: str) -> None:
        with self.server.imap(user) as client:
            client.delete_folder(folder)

    def expunge(self, user: str, folder: str, uid: int) -> None:
        with self.server.imap(user) as client:
            client.select_folder(folder)
            client.add_flags([uid], [b"\\Deleted"])
            client.uid_expunge([uid])


@dataclasses.dataclass
class Adapters:
    """One world and how to open sessions on it as a user."""

    world: Any
    settings_imap: ImapSettings
    settings_smtp: SmtpSettings
    mailbox_factory: Callable[[ImapSettings], AbstractContextManager[Mailbox]]
    sender_factory: Callable[[SmtpSettings], AbstractContextManager[Sender]]

    def mailbox(
        self, user: str, password: str | None = None
    ) -> AbstractContextManager[Mailbox]:
        cfg = dataclasses.replace(
            self.settings_imap,
            username=user,
            password=Secret(password or self.world.password),
        )
        return self.mailbox_factory(cfg)

    def sender(
        self, user: str, password: str | None = None
    ) -> AbstractContextManager[Sender]:
        cfg = dataclasses.replace(
            self.settings_smtp,
            username=user,
            password=Secret(password or self.world.password),
        )
        return self.sender_factory(cfg)


def _settings(tmp_path: Path, server: object, boxes: object) -> Any:
    return load_settings(write_config(tmp_path, server, boxes))  # type: ignore[arg-type]


class ContractTests:
    """What the worker relies on from a Mailbox and a Sender, and from the world
    behind them. Subclasses provide the `adapters` fixture."""

    @pytest.fixture
    def adapters(self) -> Adapters:
        raise NotImplementedError

    @pytest.fixture
    def user(self, mailboxes) -> str:
        return mailboxes.practice

    # -- STATUS, EXAMINE, UIDVALIDITY ------------------------------------------

    def test_status_counts_arrivals_and_uidvalidity_holds(self, adapters, user):
        with adapters.mailbox(user) as box:
            first = box.status("INBOX")
            assert first.uidnext == 1
            adapters.world.deliver(request(sender="kim@example.com", to=user), user)
            second = box.status("INBOX")
            assert second.uidvalidity == first.uidvalidity
            assert second.uidnext == 2
            assert box.examine("INBOX") == first.uidvalidity
            assert box.status("inbox") == second  # INBOX is case-insensitive
        with adapters.mailbox(user) as again:  # and stable across sessions
            assert again.status("INBOX") == second

    def test_a_missing_folder_is_a_mailbox_error_and_folder_exists_says_so(
        self, adapters, user
    ):
        with adapters.mailbox(user) as box:
            assert box.folder_exists("Sent")
            assert box.folder_exists("INBOX")
            assert not box.folder_exists("Nope")
            assert not box.folder_exists("sent")  # other names are case-sensitive
            for command in (box.status, box.examine):
                with pytest.raises(MailboxError) as caught:
                    command("Nope")
                assert not isinstance(caught.value, MailboxAuthError)

    def test_uid_commands_need_a_selected_folder(self, adapters, user):
        with adapters.mailbox(user) as box:
            with pytest.raises(MailboxError):
                box.uids_after(0)
            box.examine("INBOX")
            assert box.uids_after(0) == []
            with pytest.raises(MailboxError):
                box.examine("Nope")  # a failed EXAMINE leaves nothing selected
            with pytest.raises(MailboxError):
                box.uids_after(0)

    def test_uidvalidity_changes_when_the_folder_is_made_again(self, adapters, user):
        world = adapters.world
        world.create_folder(user, "Requests")
        world.append(user, "Requests", request(sender="kim@example.com", to=user))
        with adapters.mailbox(user) as box:
            old = box.status("Requests")
        assert old.uidnext == 2
        world.delete_folder(user, "Requests")
        world.create_folder(user, "Requests")
        with adapters.mailbox(user) as box:
            new = box.status("Requests")
            assert box.examine("Requests") == new.uidvalidity
            assert box.uids_after(0) == []
        assert new.uidvalidity != old.uidvalidity
        assert new.uidnext == 1

    # -- searching ----------------------------------------------------------------

    def test_uids_after_lists_newer_mail_including_mail_arriving_meanwhile(
        self, adapters, user
    ):
        world = adapters.world
        for n in range(3):
            world.deliver(request(sender=f"p{n}@example.com", to=user), user)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            assert box.uids_after(0) == [1, 2, 3]
            assert box.uids_after(1) == [2, 3]
            assert box.uids_after(3) == []  # never the highest UID below n
            world.deliver(request(sender="late@example.com", to=user), user)
            # The session may see it only from the next command (Dovecot does).
            assert box.uids_after(3) in ([], [4])
            assert box.uids_after(3) == [4]

    def test_uids_since_goes_by_arrival_day_not_the_date_header(self, adapters, user):
        world = adapters.world
        early = request(sender="kim@example.com", to=user, sent_at=SOON)
        late = request(sender="pat@example.com", to=user, sent_at=SOON)
        world.append(user, "INBOX", early, when=datetime(2026, 1, 10, 12, tzinfo=UTC))
        world.append(user, "INBOX", late, when=datetime(2026, 3, 10, 12, tzinfo=UTC))
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            assert box.uids_since(date(2026, 1, 10)) == [1, 2]
            assert box.uids_since(date(2026, 2, 1)) == [2]
            assert box.uids_since(date(2026, 3, 11)) == []

    # -- fetching -------------------------------------------------------------------

    def test_headers_give_the_stored_header_block_size_and_arrival(
        self, adapters, user
    ):
        raw = request(sender="kim@example.com", to=user)
        adapters.world.deliver(raw, user)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            (fetched,) = list(box.headers([1, 99]))  # 99: expunged, skipped
            body = box.body(1)
        assert fetched.uid == 1
        assert fetched.header.endswith(b"\r\n\r\n")
        assert body is not None
        assert body.startswith(fetched.header)
        assert fetched.size == len(body)
        head = email.message_from_bytes(fetched.header, policy=email.policy.default)
        assert head["Message-ID"] == message_id(raw)
        assert head["Return-Path"] == "<kim@example.com>"
        assert head["Delivered-To"] == user
        assert "LMTP" in head["Received"]
        assert fetched.received_at is not None
        assert fetched.received_at.utcoffset() is not None

    def test_header_fields_are_the_named_lines_in_order_folds_kept(
        self, adapters, user
    ):
        raw = (
            b"From: kim@example.com\n"
            b"To: " + user.encode() + b"\n"
            b"Subject: hello\n"
            b"Message-ID: <fold@example.com>\n"
            b"X-Long: one\n two\n"
            b"\n"
            b"Body.\n"
        )
        adapters.world.append(user, "Sent", raw)
        with adapters.mailbox(user) as box:
            box.examine("Sent")
            picked = list(box.header_fields([1, 7], ("x-long", "TO", "Message-ID")))
            none = list(box.header_fields([1], ("BCC",)))
        assert picked == [
            (
                1,
                b"To: " + user.encode() + b"\r\n"
                b"Message-ID: <fold@example.com>\r\n"
                b"X-Long: one\r\n two\r\n\r\n",
            )
        ]
        assert none == [(1, b"\r\n")]

    def test_bodies_are_the_stored_bytes_missing_uids_left_out(self, adapters, user):
        raw = b"From: kim@example.com\nSubject: hi\nMessage-ID: <b@x>\n\nbody\n"
        adapters.world.append(user, "INBOX", raw)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            assert box.body(1) == crlf(raw)
            assert box.body(2) is None
            assert box.bodies([1, 2]) == {1: crlf(raw)}
            assert box.bodies([]) == {}

    def test_a_body_is_read_up_to_the_read_limit(self, adapters, user):
        big = request(sender="kim@example.com", to=user, body="x" * 76 + "\n")
        big += b"y" * 76 + b"\r\n"
        big = big + (b"z" * 1022 + b"\r\n") * (READ_LIMIT // 1024 + 8)
        adapters.world.append(user, "INBOX", big)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            (fetched,) = box.headers([1])
            body = box.body(1)
        assert fetched.size > READ_LIMIT
        assert body == crlf(big)[:READ_LIMIT]

    def test_readable_mail_parses_as_the_whole_mail(self, adapters, user):
        """Only the parts mailflow reads are fetched (#13), yet the person's
        words, the HTML, the calendar and the report facts are all there: for
        every shared real-world sample and the shapes built here, the parse
        and the calendar read of `readable` equal the whole mail's, and the
        outline saw every calendar and report."""
        mails = [p.read_bytes() for p in _shared_samples()] + list(_shapes(user))
        for raw in mails:
            adapters.world.append(user, "INBOX", raw)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            uids = box.uids_after(0)
            heads = {h.uid: h.header for h in box.headers(uids)}
            found = box.outlines(uids)
            assert set(found) == set(uids)
            readable = box.readable(dict(found))
            whole = box.bodies(uids)
        for uid in uids:
            assert _reading(readable[uid]) == _reading(whole[uid]), uid
            facts = _reading(whole[uid])[0]
            if facts[0] != "ParseError":
                head = _reading(heads[uid])[0]
                bare = head[0] != "ParseError" and head[2]  # no header: a bare .ics
                assert found[uid].calendar or bare or not facts[2], uid
                assert found[uid].report or not facts[4], uid

    def test_readable_without_an_outline_is_the_whole_mail(self, adapters, user):
        raw = request(sender="kim@example.com", to=user)
        adapters.world.append(user, "INBOX", raw)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            assert box.readable({1: None, 2: None}) == {1: crlf(raw)}
            assert box.readable({}) == {}
            assert box.outlines([]) == {}
            assert set(box.outlines([1, 2])) == {1}

    def test_reading_never_changes_a_flag(self, adapters, user):
        raw = request(sender="kim@example.com", to=user)
        adapters.world.deliver(raw, user)
        with adapters.mailbox(user) as box:
            box.status("INBOX")
            box.examine("INBOX")
            box.uids_after(0)
            box.uids_since(date(2000, 1, 1))
            list(box.headers([1]))
            list(box.header_fields([1], ("TO",)))
            box.body(1)
            box.bodies([1])
            box.readable(box.outlines([1]))
            assert box.contains_message_id("INBOX", message_id(raw))
        (stored,) = adapters.world.messages(user)
        assert stored.flags == ()  # still unread for the therapist

    def test_an_expunged_mail_is_skipped_and_its_uid_never_reused(self, adapters, user):
        world = adapters.world
        for n in range(2):
            world.deliver(request(sender=f"p{n}@example.com", to=user), user)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            world.expunge(user, "INBOX", 1)
            # The session may go on serving it for a command or more (Dovecot
            # does, contents and all); a fresh EXAMINE no longer has it.
            assert [f.uid for f in box.headers([1, 2])] in ([2], [1, 2])
            box.examine("INBOX")
            assert [f.uid for f in box.headers([1, 2])] == [2]
            assert box.body(1) is None
            world.deliver(request(sender="late@example.com", to=user), user)
            box.examine("INBOX")
            assert box.uids_after(0) == [2, 3]
            assert box.status("INBOX").uidnext == 4

    # -- APPEND and finding our copies ------------------------------------------------

    def test_append_returns_appenduid_and_files_a_seen_copy(self, adapters, user):
        raw = ours(sender=user, to="kim@example.com")
        when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
        with adapters.mailbox(user) as box:
            before = box.status("Sent")
            assert box.append("Sent", raw, when) == (before.uidvalidity, before.uidnext)
            after = box.status("Sent")
            assert after == dataclasses.replace(before, uidnext=before.uidnext + 1)
            box.examine("Sent")
            assert box.uids_after(before.uidnext - 1) == [before.uidnext]
            (fetched,) = box.headers([before.uidnext])
            assert box.body(before.uidnext) == raw
        assert fetched.received_at == when
        (stored,) = adapters.world.messages(user, "Sent")
        assert stored.flags == ("\\Seen",)
        assert stored.raw == raw

    def test_file_unread_leaves_a_flagged_unread_note_and_the_selection(
        self, adapters, user
    ):
        adapters.world.deliver(request(sender="kim@example.com", to=user), user)
        note = ours(sender=user, to=user)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")  # the folder open read-only, as a run has it
            box.file_unread("INBOX", note, SOON)
            assert box.uids_after(0) == [1, 2]  # still selected, the note seen
            assert box.contains_message_id("INBOX", message_id(note))
            with pytest.raises(MailboxError):
                box.file_unread("Nope", note, SOON)
        first, filed = adapters.world.messages(user)
        assert first.flags == ()
        assert filed.flags == ("\\Flagged",)  # unread, flagged
        assert filed.raw == crlf(note)

    def test_append_many_files_each_in_order_with_its_uid(self, adapters, user):
        raws = [ours(sender=user, to=f"p{n}@example.com") for n in range(5)]
        when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
        with adapters.mailbox(user) as box:
            before = box.status("Sent")
            box.examine("Sent")  # the folder open read-only: stays selected
            filed = box.append_many("Sent", raws, when)
            assert filed == [
                (before.uidvalidity, before.uidnext + n) for n in range(len(raws))
            ]
            assert box.append_many("Sent", [], when) == []
            uids = box.uids_after(0)
            assert [message_id(f.header) for f in box.headers(uids)] == [
                message_id(raw) for raw in raws
            ]
            assert all(f.received_at == when for f in box.headers(uids))
            with pytest.raises(MailboxError):
                box.append_many("Nope", raws, when)
        stored = adapters.world.messages(user, "Sent")
        assert [m.raw for m in stored] == raws
        assert all(m.flags == ("\\Seen",) for m in stored)

    def test_append_leaves_the_selected_folder_selected(self, adapters, user):
        adapters.world.deliver(request(sender="kim@example.com", to=user), user)
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            box.append("Sent", ours(sender=user, to="kim@example.com"), SOON)
            assert box.uids_after(0) == [1]
            (fetched,) = box.headers([1])
            assert b"kim@example.com" in fetched.header

    def test_append_to_the_folder_examined_leaves_it_selected(self, adapters, user):
        # Courier refuses APPEND to the folder a session has open read-only; the
        # port promises it works whatever is selected, and the selection stays.
        first = ours(sender=user, to="kim@example.com")
        with adapters.mailbox(user) as box:
            box.append("Sent", first, SOON)
            box.examine("Sent")
            assert box.contains_message_id("Sent", message_id(first))
            second = ours(sender=user, to="lee@example.com")
            assert box.append("Sent", second, SOON) is not None
            uids = box.uids_after(0)
            assert len(uids) == 2
            assert [message_id(f.header) for f in box.headers(uids)] == [
                message_id(first),
                message_id(second),
            ]

    def test_folders_are_listed_with_their_special_use(self, adapters, user):
        with adapters.mailbox(user) as box:
            listed = dict(box.folders())
            assert box.folder_exists("Sent")
        assert "\\Sent" in listed["Sent"]
        assert "INBOX" in listed
        assert "\\Sent" not in listed["INBOX"]

    def test_folder_exists_asks_status_not_list(self, adapters, user):
        with adapters.mailbox(user) as box:
            assert box.folder_exists("INBOX")
            assert not box.folder_exists("Nope")
        assert box.commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]  # type: ignore[attr-defined]

    def test_append_to_a_missing_folder_is_a_mailbox_error(self, adapters, user):
        with adapters.mailbox(user) as box, pytest.raises(MailboxError):
            box.append("Nope", ours(sender=user, to="kim@example.com"), SOON)

    def test_contains_message_id_searches_and_selects_the_folder(self, adapters, user):
        raw = ours(sender=user, to="kim@example.com")
        wanted = message_id(raw)
        adapters.world.deliver(request(sender="kim@example.com", to=user), user)
        with adapters.mailbox(user) as box:
            box.append("Sent", raw, SOON)
            box.examine("INBOX")
            assert box.contains_message_id("Sent", wanted)
            assert box.contains_message_id("Sent", wanted.upper())
            assert not box.contains_message_id("Sent", "<other@riverside.example>")
            assert not box.contains_message_id("INBOX", wanted)
            box.contains_message_id("Sent", wanted)
            (fetched,) = box.headers(box.uids_after(0))  # Sent is selected now
            assert message_id(fetched.header) == wanted

    def test_an_empty_poll_costs_login_two_status_logout(self, adapters, user):
        with adapters.mailbox(user) as box:
            box.status("Sent")
            box.status("INBOX")
        assert box.commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]  # type: ignore[attr-defined]

    def test_statuses_answer_several_folders_at_once(self, adapters, user, mailboxes):
        adapters.world.deliver(
            request(sender=mailboxes.person, to=user), user
        )  # INBOX and Sent differ
        with adapters.mailbox(user) as box:
            found = box.statuses(["Sent", "inbox", "No such folder", "INBOX"])
            # The missing folder is left out; the session goes on as before.
            assert list(found) == ["Sent", "inbox", "INBOX"]
            assert found["Sent"] == box.status("Sent")
            assert found["inbox"] == found["INBOX"] == box.status("INBOX")
            assert found["INBOX"].uidnext == 2
            assert found["Sent"].uidnext == 1
            assert box.statuses([]) == {}

    # -- failures -----------------------------------------------------------------------

    def test_a_refused_imap_login_is_a_mailbox_auth_error(self, adapters, user):
        cfg = adapters.settings_imap
        with pytest.raises(MailboxAuthError) as refused:
            adapters.mailbox(user, password="wrong").__enter__()
        line = str(refused.value)
        assert f"login to {cfg.host}:{cfg.port} refused for {user!r}" in line
        assert "imap.password in the config file" in line
        assert "wrong" not in line

    def test_imap_down_is_a_mailbox_error_and_a_dropped_session_stays_dead(
        self, adapters, user
    ):
        world = adapters.world
        world.imap_down()
        try:
            with pytest.raises(MailboxError, match="unreachable") as caught:
                adapters.mailbox(user).__enter__()
            assert not isinstance(caught.value, MailboxAuthError)
        finally:
            world.imap_up()
        with adapters.mailbox(user) as box:
            box.examine("INBOX")
            world.imap_down()
            try:
                with pytest.raises(MailboxError):
                    box.uids_after(0)
            finally:
                world.imap_up()
            with pytest.raises(MailboxError):
                box.status("INBOX")  # back up, but this session is gone
        with adapters.mailbox(user) as box:
            assert box.status("INBOX").uidnext == 1

    # -- sending ------------------------------------------------------------------------

    def test_a_sent_message_arrives_unread_with_the_same_bytes(
        self, adapters, user, mailboxes
    ):
        to = mailboxes.person
        raw = ours(sender=user, to=to)
        with adapters.sender(user) as smtp:
            smtp.send(user, (to,), raw)
        (arrived,) = adapters.world.messages(to)
        assert arrived.flags == ()
        assert arrived.raw.endswith(b"\r\n\r\n" + raw.split(b"\r\n\r\n", 1)[1])
        assert arrived.raw.split(b"\r\n", 1)[0] == f"Return-Path: <{user}>".encode()
        assert arrived.message()["Message-ID"] == message_id(raw)
        assert raw.split(b"\r\n\r\n", 1)[0] in arrived.raw  # our header, intact
        (record,) = [r for r in adapters.world.smtp_log if to in r.rcpt_tos]
        assert record.mail_from == user
        assert record.data == raw

    def test_each_recipient_gets_a_copy_and_a_session_sends_many(
        self, adapters, user, mailboxes
    ):
        first, second = mailboxes.person, mailboxes.therapist
        with adapters.sender(user) as smtp:
            smtp.send(user, (first, second), ours(sender=user, to=first))
            smtp.send(user, (first,), ours(sender=user, to=first, subject="Again"))
        assert len(adapters.world.messages(first)) == 2
        assert len(adapters.world.messages(second)) == 1

    @pytest.mark.parametrize(
        ("where", "answer", "error"),
        [
            ("rcpt", "450 4.2.1 Try again later", DeferredSendError),
            ("rcpt", "550 5.1.1 No such user", PermanentSendError),
            ("data", "451 4.3.0 Try again later", DeferredSendError),
            ("data", "554 5.7.1 Message rejected by policy", PolicyRefusedError),
            ("data", "554 5.6.0 Message refused", PermanentSendError),
        ],
    )
    def test_refusals_map_onto_the_send_errors(
        self, adapters, user, mailboxes, where, answer, error
    ):
        to = mailboxes.person
        answers = (
            adapters.world.rcpt_answers
            if where == "rcpt"
            else adapters.world.data_answers
        )
        answers[to] = answer
        try:
            with adapters.sender(user) as smtp:
                with pytest.raises(error) as caught:
                    smtp.send(user, (to,), ours(sender=user, to=to))
                assert type(caught.value) is error
                del answers[to]
                smtp.send(user, (to,), ours(sender=user, to=to))  # the session goes on
        finally:
            answers.pop(to, None)
        assert len(adapters.world.messages(to)) == 1

    def test_a_content_filter_refuses_only_the_message_holding_its_word(
        self, adapters, user, mailboxes
    ):
        to = mailboxes.person
        adapters.world.content_answers[b"bleach"] = "554 5.7.1 Message rejected"
        try:
            with adapters.sender(user) as smtp:
                with pytest.raises(PolicyRefusedError):
                    smtp.send(user, (to,), ours(sender=user, to=to, subject="BLEACH"))
                smtp.send(user, (to,), ours(sender=user, to=to))  # the session goes on
        finally:
            adapters.world.content_answers.clear()
        (kept,) = adapters.world.messages(to)
        assert b"BLEACH" not in kept.raw

    def test_a_recipient_refused_beside_an_accepted_one_is_dropped_silently(
        self, adapters, user, mailboxes
    ):
        good, bad = mailboxes.person, mailboxes.therapist
        adapters.world.rcpt_answers[bad] = "550 5.1.1 No such user"
        try:
            with adapters.sender(user) as smtp:
                smtp.send(user, (good, bad), ours(sender=user, to=good))
        finally:
            del adapters.world.rcpt_answers[bad]
        assert len(adapters.world.messages(good)) == 1
        assert adapters.world.messages(bad) == []

    def test_a_refused_smtp_login_is_an_smtp_auth_error(self, adapters, user):
        with (
            adapters.sender(user, password="wrong") as smtp,
            pytest.raises(SmtpAuthError),
        ):
            smtp.send(user, ("kim@example.com",), ours(sender=user, to="x@y.z"))

    def test_smtp_down_is_transient_and_the_next_send_reconnects(
        self, adapters, user, mailboxes
    ):
        to, world = mailboxes.person, adapters.world
        with adapters.sender(user) as smtp:
            smtp.send(user, (to,), ours(sender=user, to=to))
            world.smtp_down()
            try:
                with pytest.raises(
                    TransientSendError, match=r"unreachable|disconnected"
                ) as caught:
                    smtp.send(user, (to,), ours(sender=user, to=to))
                assert type(caught.value) is TransientSendError
            finally:
                world.smtp_up()
            smtp.send(user, (to,), ours(sender=user, to=to))
        assert len(world.messages(to)) == 2

    def test_mail_sent_while_imap_is_down_arrives_when_it_is_back(
        self, adapters, user, mailboxes
    ):
        to, world = mailboxes.person, adapters.world
        world.imap_down()
        try:
            with adapters.sender(user) as smtp:
                smtp.send(user, (to,), ours(sender=user, to=to))
        finally:
            world.imap_up()
        assert len(world.messages(to)) == 1


ICS_REPLY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//EN
METHOD:REPLY
BEGIN:VEVENT
UID:call-1@riverside.example
DTSTAMP:20261120T090000Z
DTSTART:20261130T100000Z
DTEND:20261130T101500Z
SEQUENCE:0
ORGANIZER:mailto:hello@riverside.example
ATTENDEE;PARTSTAT=ACCEPTED:mailto:kim@example.com
END:VEVENT
END:VCALENDAR
"""
ATTACHMENT = b"%PDF-1.4 " + bytes(range(256)) * (3 * 4096)
"""A 3 MiB attachment: never fetched for the words beside it."""


def _shared_samples() -> list[Path]:
    from support import shared_files

    return [
        p
        for folder in ("imip", "odd-mime", "replies", "autoreply-bounce")
        for p in shared_files(folder)
    ]


def _shapes(user: str) -> Iterator[bytes]:
    """Mails of the shapes `readable` rebuilds, each with a big attachment."""
    plain = EmailMessage()
    plain["From"], plain["To"], plain["Subject"] = "kim@example.com", user, "Call?"
    plain["Message-ID"] = make_msgid(domain="sender.example")
    plain.set_content("Hello, could I book the free call please? Mornings suit me.")
    plain.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="cv.pdf"
    )
    yield plain.as_bytes()

    rich = EmailMessage()
    rich["From"], rich["To"], rich["Subject"] = "lee@example.com", user, "Therapy"
    rich.set_content("Hi, is there a free 15 minute call this week?")
    rich.add_alternative(
        "<p>Hi, is there a <b>free</b> 15 minute call?</p>", subtype="html"
    )
    rich.add_attachment(
        b"\x89PNG" + ATTACHMENT[:50000], maintype="image", subtype="png"
    )
    rich.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="a.pdf"
    )
    yield rich.as_bytes()

    html_only = EmailMessage()
    html_only["From"], html_only["To"], html_only["Subject"] = (
        "ana@example.com",
        user,
        "Hi",
    )
    html_only.set_content(
        "<div>I would like the <i>free call</i>, please.</div>", subtype="html"
    )
    html_only.add_attachment(ATTACHMENT, maintype="application", subtype="octet-stream")
    yield html_only.as_bytes()

    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "kim@example.com", user, "Accepted"
    reply.set_content("Accepted, see you then.")
    reply.add_alternative(ICS_REPLY, subtype="calendar", params={"method": "REPLY"})
    reply.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="x.pdf"
    )
    yield reply.as_bytes()

    named = EmailMessage()
    named["From"], named["To"], named["Subject"] = "kim@example.com", user, "Invite"
    named.set_content("Here it is.")
    named.add_attachment(
        ICS_REPLY.encode(),
        maintype="application",
        subtype="octet-stream",
        filename="invite.ics",
    )
    named.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="x.pdf"
    )
    yield named.as_bytes()

    forward = EmailMessage()
    forward["From"], forward["To"], forward["Subject"] = (
        "kim@example.com",
        user,
        "Fwd: Accepted",
    )
    forward.set_content("See below, my friend recommended you.")
    forward.add_attachment(reply)  # message/rfc822 holding a calendar: read whole
    yield forward.as_bytes()

    text_forward = EmailMessage()
    text_forward["From"], text_forward["To"], text_forward["Subject"] = (
        "kim@example.com",
        user,
        "Fwd: hi",
    )
    text_forward.set_content("A friend wrote this:")
    text_forward.add_attachment(plain)
    yield text_forward.as_bytes()

    report = EmailMessage()
    report["From"], report["To"], report["Subject"] = (
        "kim@example.com",
        user,
        "Read: Call?",
    )
    report.set_content("Your message was read.")
    report.make_mixed()
    report.attach(_report_part())
    report.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="x.pdf"
    )
    yield report.as_bytes()

    alone = EmailMessage()
    alone["From"], alone["To"], alone["Subject"] = "kim@example.com", user, "Scan"
    alone.set_content(ATTACHMENT, maintype="application", subtype="pdf")
    yield alone.as_bytes()


def _report_part() -> EmailMessage:
    part = EmailMessage()
    part.set_content("The message was displayed.")
    part.make_mixed()
    part.set_type("multipart/report")
    part.set_param("report-type", "disposition-notification")
    return part


def _reading(raw: bytes) -> tuple[tuple[Any, ...], object]:
    """What mailflow reads of a mail: the parse's facts and the calendar."""
    from mailflow.reading import parse
    from mailflow.writing import calendar

    try:
        mail = parse.parse_mail(raw)
        facts: tuple[Any, ...] = (
            mail.text,
            mail.html_only,
            mail.has_calendar,
            mail.calendar_method,
            mail.is_report,
            mail.subject,
            mail.from_addr,
            mail.message_id,
        )
    except parse.ParseError as exc:
        facts = ("ParseError", exc.reason)
    try:
        found: object = calendar.read_calendar(raw)
    except parse.ParseError as exc:
        found = ("ParseError", exc.reason)
    return facts, found


class TestMemory(ContractTests):
    """The fakes, in memory: the half that runs in milliseconds."""

    @pytest.fixture
    def adapters(self, tmp_path, mailboxes) -> Adapters:
        office = fakes.MemoryPostOffice()
        # Port 1 everywhere: should a real adapter slip in, it fails at once.
        nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
        settings = _settings(tmp_path, nowhere, mailboxes)
        return Adapters(
            office, settings.imap, settings.smtp, office.mailbox, office.sender
        )


class TestDovecot(ContractTests):
    """The real adapters on the real servers: Dovecot over IMAP, aiosmtpd + LMTP."""

    @pytest.fixture
    def adapters(self, tmp_path, mail_server, mailboxes) -> Adapters:
        settings = _settings(tmp_path, mail_server, mailboxes)
        return Adapters(
            DovecotWorld(mail_server),
            settings.imap,
            settings.smtp,
            ImapMailbox,
            SmtpSender,
        )
