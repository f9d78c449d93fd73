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


# -- taken calls kept between reads (#13) -------------------------------------------


def _taken_store(tmp_path):
    from support import stored_enquiry

    from mailflow.model import State

    store = Store.open(tmp_path / "m.sqlite3")
    with store.transaction():
        ids = [
            stored_enquiry(store, NOW, state=State.OFFERED, email=f"p{n}@example.org")
            for n in range(3)
        ]
    return store, ids


def _slot(hours: int):
    from datetime import timedelta

    from mailflow.model import Slot

    start = NOW + timedelta(hours=hours)
    return Slot(start, start + timedelta(minutes=15))


def _starts(store, **window):
    return sorted(i.start_at for i in store.taken_intervals(**window))


def test_taken_calls_are_read_once_while_nothing_writes_them(tmp_path):
    store, (a, _b, _c) = _taken_store(tmp_path)
    with store.transaction():
        store.hold(a, _slot(2), NOW)
    reads: list[str] = []
    store._db.set_trace_callback(
        lambda sql: reads.append(sql) if "FROM calls" in sql else None
    )
    for _ in range(5):
        assert _starts(store) == [_slot(2).start_at]
    assert len(reads) == 1
    # Another window or another enquiry left out is its own read.
    assert _starts(store, except_enquiry=a) == []
    assert len(reads) == 2
    store.close()


def test_every_write_to_calls_is_seen_by_the_next_read(tmp_path):
    store, (a, b, c) = _taken_store(tmp_path)
    assert _starts(store) == []
    with store.transaction():
        store.hold(a, _slot(2), NOW)
    assert _starts(store) == [_slot(2).start_at]
    with store.transaction():
        store.book(b, _slot(4), "uid-b", NOW)
    assert _starts(store) == [_slot(2).start_at, _slot(4).start_at]
    with store.transaction():
        store.hold(a, _slot(3), NOW)  # a hold moved (the upsert's update)
    assert _starts(store) == [_slot(3).start_at, _slot(4).start_at]
    with store.transaction():
        store.release(a)
    assert _starts(store) == [_slot(4).start_at]
    # Read inside the transaction that writes: its own write is seen at once.
    with store.transaction():
        store.hold(c, _slot(5), NOW)
        assert _starts(store) == [_slot(4).start_at, _slot(5).start_at]
    store.close()


def test_a_rolled_back_hold_is_not_kept(tmp_path):
    store, (a, _b, _c) = _taken_store(tmp_path)
    assert _starts(store) == []
    try:
        with store.transaction():
            store.hold(a, _slot(2), NOW)
            assert _starts(store) == [_slot(2).start_at]  # read, and kept
            raise RuntimeError("crash")
    except RuntimeError:
        pass
    assert _starts(store) == []
    store.close()


def test_a_purge_and_another_connection_are_seen(tmp_path):
    import sqlite3

    store, (a, b, _c) = _taken_store(tmp_path)
    with store.transaction():
        store.book(a, _slot(2), "uid-a", NOW)
        store.book(b, _slot(4), "uid-b", NOW)
    assert _starts(store) == [_slot(2).start_at, _slot(4).start_at]
    with store.transaction():
        store.delete_enquiries([a])
    assert _starts(store) == [_slot(4).start_at]
    # `mailflow cancel` or a second process writing the same file.
    other = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    other.execute("UPDATE calls SET status = 'cancelled' WHERE enquiry_id = ?", (b,))
    other.close()
    assert _starts(store) == []
    store.close()


def test_the_worker_s_sent_marker_writes_as_the_store_does(tmp_path):
    """The marker's own connection (letters sent ahead, #13) rewrites outbox
    rows that hold addresses: overwritten, not left in free space, as the
    store's own writes are; and its 250 is the store's."""
    with Store.open(tmp_path / "m.sqlite3") as store:
        store.queue(
            message_id="<m1@x>",
            enquiry_id=None,
            kind="offer",
            sender="a@x",
            recipients=("b@y",),
            raw=b"raw",
            needs_copy=True,
            now=NOW,
        )
        (row,) = store.pending()
        marker = store.sent_marker()
        assert marker is not None
        marker(row.id, NOW)
        try:
            for db in (store._db, marker._db):
                assert db is not None
                assert db.execute("PRAGMA secure_delete").fetchone() == (1,)
                assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
                assert db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        finally:
            marker.close()
        assert store.outgoing_status(row.id) == "sent"
