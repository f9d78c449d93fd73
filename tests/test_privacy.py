"""Privacy (#5): retention purge, access (export) and erasure (forget), private files."""

from __future__ import annotations

import itertools
import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from support import NOW, request, run, stored_enquiry, write_config

from mailflow.cli import main
from mailflow.model import Slot
from mailflow.shell import privacy
from mailflow.shell.store import Store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PERSON = "alex@example.org"
_numbers = itertools.count(1)


def enquiry(store, state, *, at=T0, email=PERSON, closed=True):
    """An enquiry with an offer, a call, thread ids and outbox rows, last changed `at`."""
    enquiry_id = stored_enquiry(
        store,
        at,
        state=state,
        email=email,
        phone="+447700900123",
        request_message_id=f"<req-{next(_numbers)}@client.example>",
        first_message="I have been feeling low since the summer.",
        risk="clear" if state == "escalated" else "none",
        **({"closed_at": at, "closed_reason": "expired"} if closed else {}),
    )
    slot = Slot(at + 3 * DAY, at + 3 * DAY + timedelta(minutes=15))
    store.set_offers(enquiry_id, [slot])
    store.hold(enquiry_id, slot, at)
    store.add_thread_ids(enquiry_id, {f"<offer-{enquiry_id}@riverside.example>"})
    store.queue(
        message_id=f"<offer-{enquiry_id}@riverside.example>",
        enquiry_id=enquiry_id,
        kind="offer",
        sender="hello@riverside.example",
        recipients=(email,),
        raw=b"Dear Alex, here are some times",
        needs_copy=False,
        now=at,
    )
    store.queue(
        message_id=f"<nudge-{enquiry_id}@riverside.example>",
        enquiry_id=enquiry_id,
        kind="nudge",
        sender="hello@riverside.example",
        recipients=(email,),
        raw=b"Dear Alex, just checking in",
        needs_copy=False,
        now=at,
    )
    return enquiry_id


def rows(store, sql, *args):
    return store._db.execute(sql, args).fetchall()


def test_purge_deletes_ended_enquiries_past_retention_and_keeps_the_rest(tmp_path):
    now = T0 + 181 * DAY
    with Store.open(tmp_path / "m.sqlite3") as store:
        old = {s: enquiry(store, s) for s in privacy.ENDED_STATES}
        still_open = enquiry(store, "offered", closed=False)
        recent = enquiry(store, "closed", at=now - 179 * DAY)
        store.mark_seen(7, 42, "<req@client.example>", "request", T0)
        store.add_contacts({PERSON})
        sent = rows(store, "SELECT id FROM outbox WHERE enquiry_id = ?", old["closed"])
        store.mark_done(sent[0][0])

        assert privacy.purge(store, now=now, retention_days=180) == len(old)

        assert [e.id for e in store.enquiries()] == [still_open, recent]
        gone = tuple(old.values())
        for table in ("offers", "calls", "thread_ids"):
            marks = ", ".join("?" * len(gone))
            found = rows(
                store,
                f"SELECT COUNT(*) FROM {table} WHERE enquiry_id IN ({marks})",
                *gone,
            )
            assert found == [(0,)], table
        # What exactly-once needs stays: our Message-IDs (no body, no address) ...
        kept = rows(
            store,
            "SELECT message_id, enquiry_id, recipients, raw, status FROM outbox"
            " LEFT JOIN outbox_bodies ON outbox_id = id"
            " WHERE enquiry_id IS NULL ORDER BY id",
        )
        assert len(kept) == 2 * len(old)
        assert all(r[1:4] == (None, "[]", None) for r in kept)
        assert {r[4] for r in kept} == {"done", "dropped"}  # never sent after purge
        assert store.is_our_message(f"<offer-{old['closed']}@riverside.example>")
        assert {m.enquiry_id for m in store.pending()} == {still_open, recent}
        # ... and so do the seen keys and the contacts' keyed hashes.
        assert store.is_seen(7, 42, "<x>")
        assert store.is_contact(PERSON)
        # Only the two kept enquiries still name the person or hold bodies.
        dump = "\n".join(store._db.iterdump())
        assert dump.count(PERSON) == 2 * 3  # their email and two outbox recipients
        assert rows(store, "SELECT COUNT(*) FROM outbox_bodies") == [(4,)]
        # Running it again removes nothing more.
        assert privacy.purge(store, now=now, retention_days=180) == 0


def test_retention_counts_from_the_last_change_and_spares_calls_ahead(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        reopened = enquiry(store, "cancelled")
        before = store.enquiry(reopened)
        assert before is not None
        store.save_enquiry(before, before, T0 + 30 * DAY)  # a late reply, say
        booked = enquiry(store, "escalated")
        store.book(booked, Slot(T0 + 400 * DAY, T0 + 400 * DAY + DAY / 96), "u", T0)
        now = T0 + 200 * DAY
        assert privacy.purge(store, now=now, retention_days=180) == 0
        assert privacy.purge(store, now=now + 11 * DAY, retention_days=180) == 1
        assert [e.id for e in store.enquiries()] == [booked]


def test_enquiry_ids_are_never_reused_after_a_purge(tmp_path):
    """Message-IDs and calendar UIDs derive from the id: a reused one would collide."""
    with Store.open(tmp_path / "m.sqlite3") as store:
        first = enquiry(store, "closed")
        last = enquiry(store, "closed")
        assert privacy.purge(store, now=T0 + 365 * DAY, retention_days=180) == 2
        fresh = enquiry(store, "offered", at=T0 + 365 * DAY, closed=False)
    assert first < last < fresh


def test_export_is_everything_stored_about_one_enquiry(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        enquiry_id = enquiry(store, "offered", closed=False)
        store.add_contacts({PERSON})
        data = json.loads(privacy.export(store, enquiry_id) or "")
        assert privacy.export(store, enquiry_id + 1) is None
    assert data["enquiry"]["email"] == PERSON
    assert data["enquiry"]["name"] == "Alex Quinlan"
    assert data["enquiry"]["first_message"].startswith("I have been feeling low")
    assert data["enquiry"]["preference"] == {}
    assert len(data["offers"]) == 1
    assert data["call"]["status"] == "held"
    assert len(data["thread_message_ids"]) == 2
    assert [m["kind"] for m in data["messages"]] == ["offer", "nudge"]
    assert data["messages"][0]["recipients"] == [PERSON]
    assert data["messages"][0]["message"] == "Dear Alex, here are some times"
    assert data["is_contact"] is True


def test_forget_refuses_a_call_ahead_unless_forced(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        ended = enquiry(store, "closed")
        booked = enquiry(store, "booked", email="Alex@Example.org", closed=False)
        call = Slot(T0 + 3 * DAY, T0 + 3 * DAY + timedelta(minutes=15))
        store.book(booked, call, "uid-1", T0)
        other = enquiry(store, "offered", email="sam@example.net", closed=False)
        store.add_contacts({PERSON, "sam@example.net"})
        store.mark_undeliverable(PERSON, T0)
        store.queue(
            message_id="<unlinked@riverside.example>",
            enquiry_id=None,
            kind="bounce-notice",
            sender="hello@riverside.example",
            recipients=(PERSON,),
            raw=b"about Alex",
            needs_copy=False,
            now=T0,
        )

        refused = privacy.forget(store, " ALEX@example.org", now=T0, force=False)
        assert refused.refused == ((booked, call.start_at),)
        assert [e.id for e in store.enquiries()] == [ended, booked, other]

        done = privacy.forget(store, PERSON, now=T0, force=True)
        assert (done.enquiries, done.contact, done.refused) == (2, True, ())
        assert [e.id for e in store.enquiries()] == [other]
        assert not store.is_contact(PERSON)
        assert not store.is_undeliverable(PERSON)
        assert store.is_contact("sam@example.net")
        assert PERSON not in "\n".join(store._db.iterdump()).lower()

        again = privacy.forget(store, PERSON, now=T0, force=False)
        assert (again.enquiries, again.contact) == (0, False)


def test_a_call_already_over_does_not_hold_back_erasure(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        booked = enquiry(store, "followed_up", closed=False)
        store.book(booked, Slot(T0, T0 + timedelta(minutes=15)), "uid-1", T0)
        assert privacy.forget(store, PERSON, now=T0 + DAY, force=False).enquiries == 1


def test_database_and_folder_are_private_whatever_the_umask(tmp_path):
    previous = os.umask(0)
    try:
        path = tmp_path / "var" / "mailflow.sqlite3"
        with Store.open(path) as store:
            enquiry(store, "offered", closed=False)  # writes the -wal file
            for suffix in ("", "-wal", "-shm"):
                mode = stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode)
                assert mode == 0o600, suffix
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        path.chmod(0o644)  # loosened by hand: the next open makes it private again
        Store.open(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


# -- the commands, end to end on the real local mail server --------------------------


def reply(original, *, sender, body, sent_at) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = original["From"]
    message["Subject"] = "Re: " + original["Subject"]
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="client.example")
    message["In-Reply-To"] = original["Message-ID"]
    message["References"] = original["Message-ID"]
    message.set_content(body)
    return message.as_bytes()


def newest(server, user, kind):
    found = [m.message() for m in server.messages(user)]
    return [m for m in found if m["X-Mailflow"] == kind][-1]


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_forget_and_retention_end_to_end(
    tmp_path, mail_server, mailboxes, capsys, caplog
):
    caplog.set_level(logging.INFO, logger="mailflow")
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, '[workflow]\napproval = "auto"\n')
    conf = ("--config", str(config))
    # Quinn asks, gets times, and their enquiry runs out quietly: offer, nudge, expiry.
    quinn = f"quinn-{boxes.practice.split('@')[0]}@example.net"
    server.deliver(
        request(sender=f"Quinn Okafor <{quinn}>", to=boxes.practice), boxes.practice
    )
    assert run(config, NOW) == 0
    for days in (8, 16):
        assert run(config, NOW + days * DAY) == 0
    code, out, _ = cli(capsys, "export", "--enquiry", "1", *conf)
    assert code == 0
    exported = json.loads(out)
    assert exported["enquiry"]["email"] == quinn
    assert exported["enquiry"]["closed_reason"] == "expired"
    assert {m["kind"] for m in exported["messages"]} >= {"offer"}
    assert all(m["message"] is None for m in exported["messages"])  # bodies dropped

    # Jordan asks and books a call.
    later = NOW + 20 * DAY
    server.deliver(
        request(
            sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice, sent_at=later
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    offer = newest(server, boxes.person, "offer")
    server.deliver(
        reply(offer, sender=boxes.person, body="1", sent_at=later), boxes.practice
    )
    assert run(config, later + timedelta(hours=1)) == 0
    newest(server, boxes.person, "confirmation")

    # Erasure waits for the booked call to be cancelled, unless forced.
    asked = ("--now", (later + timedelta(hours=2)).isoformat())
    code, out, err = cli(capsys, "forget", "--email", boxes.person, *asked, *conf)
    assert code == 1
    assert "enquiry 2 has a call booked" in err
    assert "--force" in err
    assert boxes.person not in err + out
    code, out, _ = cli(
        capsys, "forget", "--email", boxes.person, "--force", *asked, *conf
    )
    assert code == 0
    assert out.startswith("Removed 1 enquiry for that address.\n")
    assert boxes.person not in out
    # What it could not erase, and how (#14): the copies in the mailbox stay.
    assert "Not erased" in out
    assert '"INBOX"' in out
    assert "Sent" in out
    assert boxes.therapist in out
    assert "search every folder for the address" in out
    assert server.messages(boxes.practice)  # their mails: still there
    filed = server.messages(boxes.practice, "Sent")
    assert any(m.message()["To"] and boxes.person in m.message()["To"] for m in filed)
    code, out, err = cli(capsys, "export", "--enquiry", "2", *conf)
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1
    assert "no enquiry 2" in err

    # Quinn's closed enquiry stays for retention_days after it ended ...
    ended = NOW + 16 * DAY
    assert run(config, ended + 179 * DAY) == 0
    assert cli(capsys, "export", "--enquiry", "1", *conf)[0] == 0
    code, out, _ = cli(capsys, "purge", "--now", (ended + 179 * DAY).isoformat(), *conf)
    assert (code, out) == (
        0,
        "Removed 0 enquiries that ended more than 180 days ago"
        " (storage.retention_days).\n",
    )
    # ... and the next run after that deletes it by itself.
    assert run(config, ended + 181 * DAY) == 0
    assert cli(capsys, "export", "--enquiry", "1", *conf)[0] == 1
    code, out, _ = cli(capsys, "purge", *conf)
    assert out.startswith("Removed 0 enquiries")

    # Logs named enquiries by number only.
    for secret in (quinn, "Quinn", "Okafor", boxes.person, "Jordan"):
        assert secret not in caplog.text


def test_commands_without_a_database_and_with_a_bad_address(tmp_path, capsys):
    config = tmp_path / "mailflow.toml"
    config.write_text(
        '[practice]\nname = "P"\nemail = "p@example.org"\ntherapist_name = "T"\n'
        'therapist_email = "t@example.org"\ntimezone = "Europe/London"\n'
        'country = "GB"\n[imap]\nhost = "127.0.0.1"\nusername = "p"\n'
        'security = "plain"\n[smtp]\nhost = "127.0.0.1"\nusername = "p"\n'
        'security = "plain"\n'
        f'[storage]\ndatabase = "{tmp_path / "none" / "m.sqlite3"}"\n'
    )
    conf = ("--config", str(config))
    assert cli(capsys, "purge", *conf)[:2] == (
        0,
        "Removed 0 enquiries that ended more than 180 days ago"
        " (storage.retention_days).\n",
    )
    assert cli(capsys, "export", "--enquiry", "3", *conf)[0] == 1
    code, out, _ = cli(capsys, "forget", "--email", "a@example.org", *conf)
    assert code == 0
    assert out.startswith("Removed 0 enquiries for that address.\nNot erased:")
    code, _, err = cli(capsys, "forget", "--email", "nobody", *conf)
    assert code == 2
    assert "--email" in err
    assert not (tmp_path / "none").exists()  # asking never creates the database


@pytest.mark.parametrize("command", ["purge", "forget"])
def test_a_run_in_progress_makes_purge_and_forget_wait(tmp_path, capsys, command):
    from mailflow.shell.lock import RunLock

    database = tmp_path / "m.sqlite3"
    Store.open(database).close()
    config = tmp_path / "mailflow.toml"
    config.write_text(
        '[practice]\nname = "P"\nemail = "p@example.org"\ntherapist_name = "T"\n'
        'therapist_email = "t@example.org"\ntimezone = "Europe/London"\n'
        'country = "GB"\n[imap]\nhost = "127.0.0.1"\nusername = "p"\n'
        'security = "plain"\n[smtp]\nhost = "127.0.0.1"\nusername = "p"\n'
        'security = "plain"\n'
        f'[storage]\ndatabase = "{database}"\n'
    )
    extra = ["--email", "a@example.org"] if command == "forget" else []
    with RunLock(tmp_path / "m.sqlite3.lock") as lock:
        assert lock.acquired
        code, out, err = cli(capsys, command, "--config", str(config), *extra)
    assert (code, out) == (1, "")
    assert "a run is in progress" in err


def test_forgotten_words_leave_no_trace_in_the_database_files(tmp_path):
    """Not only gone from the tables: overwritten in the file and out of the WAL."""
    path = tmp_path / "m.sqlite3"
    with Store.open(path) as store:
        for _ in range(3):
            enquiry(store, "closed")
        privacy.forget(store, PERSON, now=T0, force=False)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("m.sqlite3")]
        blob = b"".join(p.read_bytes() for p in files)
    assert b"feeling low since the summer" not in blob
    assert b"Alex Quinlan" not in blob
    assert PERSON.encode() not in blob
