"""The SQLite store: private file, seen keys across UIDVALIDITY, outbox once."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

from mailflow.shell.store import Store

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_database_and_folder_are_private(tmp_path):
    path = tmp_path / "var" / "db" / "mailflow.sqlite3"
    with Store.open(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_wal_mode(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        (mode,) = store._db.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"


def test_seen_by_key_or_by_fingerprint_after_uidvalidity_change(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        store.mark_seen(100, 7, "<a@x>", "request", NOW)
        assert store.is_seen(100, 7, "<other@x>")
        assert store.is_seen(555, 1, "<a@x>")  # same mail, recreated folder
        assert not store.is_seen(555, 2, "<b@x>")


def test_queue_is_once_per_message_id(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        args = {
            "message_id": "<m1@x>",
            "enquiry_id": None,
            "kind": "offer",
            "sender": "a@x",
            "recipients": ("b@y",),
            "raw": b"raw",
            "needs_copy": True,
            "now": NOW,
        }
        assert store.queue(**args)
        assert not store.queue(**args)
        (row,) = store.pending()
        store.mark_sent(row.id, NOW)
        store.mark_done(row.id)
        assert store.pending() == []
        assert store.is_our_message("<m1@x>")
        # The body is not kept once it is delivered.
        assert store._db.execute("SELECT COUNT(*) FROM outbox_bodies").fetchone() == (
            0,
        )


def test_contacts_are_stored_as_keyed_hashes(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        store.add_contacts({"Robin@Example.com"})
        assert store.is_contact("robin@example.com")
        assert not store.is_contact("jordan@example.org")
    assert b"robin" not in (tmp_path / "m.sqlite3").read_bytes().lower()


def test_transaction_rolls_back_everything(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        try:
            with store.transaction():
                store.mark_seen(1, 1, "<a@x>", "request", NOW)
                raise RuntimeError("crash")
        except RuntimeError:
            pass
        assert not store.is_seen(1, 1, "<a@x>")


def test_secret_is_stable(tmp_path):
    path = tmp_path / "m.sqlite3"
    with Store.open(path) as store:
        first = store.secret()
    with Store.open(path) as store:
        assert store.secret() == first
    assert len(first) == 32
