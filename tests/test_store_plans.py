"""Years of history cost nothing (#13): every query a run makes goes through an
index, and the file gives back what a purge frees.

Each hot-path Store method below is called on a small store while SQLite's trace
records the statements it runs; `EXPLAIN QUERY PLAN` of each must read no whole
table (no `SCAN <table>` line: a `SEARCH` through a key or an index is what
keeps a run's cost flat as the history grows). The few methods that may read a
whole table are listed apart, with why.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from support import stored_enquiry

from mailflow.model import State
from mailflow.shell import migrations
from mailflow.shell.privacy import ENDED_STATES, purge
from mailflow.shell.store import Store

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def filled(path: str) -> Store:
    """A store with a little of everything: enquiries, calls, offers, outbox."""
    store = Store.open(path)
    from mailflow.model import Slot

    with store.transaction():
        for n in range(1, 7):
            enquiry = stored_enquiry(
                store,
                NOW,
                state=State.OFFERED,
                email=f"p{n}@example.org",
                name=f"P{n}",
                request_message_id=f"<r{n}@x>",
            )
            slot = Slot(NOW + n * HOUR, NOW + n * HOUR + timedelta(minutes=15))
            store.set_offers(enquiry, [slot])
            store.hold(enquiry, slot, NOW)
            store.queue(
                message_id=f"<o{n}@riverside.example>",
                enquiry_id=enquiry,
                kind="offer",
                sender="hello@riverside.example",
                recipients=(f"p{n}@example.org",),
                raw=b"x" * 2000,
                needs_copy=True,
                now=NOW,
            )
            store.mark_seen(7, n, f"<r{n}@x>", "request", NOW)
    return store


HOT_PATH: dict[str, Callable[[Store], object]] = {
    # reading the inbox
    "is_seen": lambda s: s.is_seen(7, 3, "<r3@x>"),
    "mark_seen": lambda s: s.mark_seen(7, 99, "<new@x>", "request", NOW),
    "folder": lambda s: s.folder("INBOX"),
    "is_contact": lambda s: s.is_contact("p1@example.org"),
    "answered_by_hand": lambda s: s.answered_by_hand({"<a@x>", "<b@x>"}),
    "enquiry_for_thread": lambda s: s.enquiry_for_thread({"<r2@x>", "<z@x>"}),
    "enquiry_by_request": lambda s: s.enquiry_by_request("<r2@x>"),
    "open_enquiry_for": lambda s: s.open_enquiry_for("p2@example.org"),
    "enquiry_by_call_uid": lambda s: s.enquiry_by_call_uid("uid@x"),
    "has_call_uids": lambda s: s.has_call_uids(),
    "is_our_message": lambda s: s.is_our_message("<o1@riverside.example>"),
    "our_messages": lambda s: s.our_messages({"<o1@riverside.example>", "<z@x>"}),
    "owned_thread_ids": lambda s: s.owned_thread_ids({"<r2@x>", "<z@x>"}),
    "kind_of": lambda s: s.kind_of("<o1@riverside.example>"),
    "last_queued": lambda s: s.last_queued(1, "approval_again"),
    "work_waiting": lambda s: s.work_waiting(),
    "outbox_recipients": lambda s: s.outbox_recipients("<o1@riverside.example>"),
    "message_ids_to": lambda s: s.message_ids_to(1, "p1@example.org"),
    "is_undeliverable": lambda s: s.is_undeliverable("p1@example.org"),
    # deciding
    "next_enquiry_id": lambda s: s._next_enquiry_id(),
    "enquiry": lambda s: s.enquiry(2),
    "offers": lambda s: s.offers(2),
    "call": lambda s: s.call(2),
    "taken_intervals": lambda s: s.taken_intervals(
        except_enquiry=2, since=NOW, until=NOW + 14 * 24 * HOUR
    ),
    "pending_moves": lambda s: s.pending_moves(
        except_enquiry=2, since=NOW, until=NOW + 14 * 24 * HOUR
    ),
    "note_thread": lambda s: s.note_thread(
        2, NOW, last_message_id="<t@x>", last_references=("<t@x>",)
    ),
    "add_thread_ids": lambda s: s.add_thread_ids(2, {"<t@x>"}),
    "book": lambda s: s.book(3, s.offers(3)[0], "uid@x", NOW),  # (an upsert on the key)
    "release": lambda s: s.release(4),
    "end_call": lambda s: s.end_call(3, "cancelled"),
    "call_booked_at": lambda s: s.call_booked_at(3),
    # the clock
    "open_enquiries": lambda s: s.open_enquiries(),
    "has_open_enquiries": lambda s: s.has_open_enquiries(),
    "timed_visits": lambda s: s.timed_visits(NOW),
    "owed_later": lambda s: s.owed_later(NOW),
    "keep_owed": lambda s: s.keep_owed({3: NOW + HOUR, 4: None}, NOW),
    "forget_owed": lambda s: s.forget_owed(),
    # sending
    "pending": lambda s: s.pending(),
    "pending_of": lambda s: s.pending_of(2),
    "pending_count": lambda s: s.pending_count(),
    "outgoing_status": lambda s: s.outgoing_status(2),
    "sent_since": lambda s: s.sent_since(NOW - 24 * HOUR),
    "note_attempt": lambda s: s.note_attempt(1),
    "mark_sent": lambda s: s.mark_sent(1, NOW),
    "mark_done": lambda s: s.mark_done(1),
    "mark_failed": lambda s: s.mark_failed(2, "dropped"),
    "defer": lambda s: s.defer(3, NOW + HOUR),
    "drop_pending_to": lambda s: s.drop_pending_to("p6@example.org"),
    "withdraw_letters": lambda s: s.withdraw_letters(6, "sam@example.org"),
    # the purge every run ends with
    "ended_enquiry_ids": lambda s: s.ended_enquiry_ids(
        ENDED_STATES, idle_before=NOW, now=NOW
    ),
    "delete_enquiries": lambda s: s.delete_enquiries([5]),
    # the daily summary, once a day
    "forms_since": lambda s: s.forms_since(NOW - 24 * HOUR),
}
"""Every Store method a `mailflow run` calls, by the step that calls it."""

WHOLE_TABLE_ALLOWED = {
    "counts_by_state": "`status` counts every state: a covering index, no rows",
    "outbox_counts": "`status` counts every outbox row: a covering index, no rows",
    "enquiries": "export and tests list every enquiry on purpose",
    "enquiry_ids_for": "`forget`, on request: matches addresses in any case",
    "scrub_outbox_to": "`forget`, on request: looks inside each recipient list",
}
"""Methods that may read a whole table, and why none of them is on a run's path."""


def statements(store: Store, call: Callable[[Store], object]) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)
    try:
        with store.transaction():
            call(store)
    finally:
        store._db.set_trace_callback(None)
    return [
        sql
        for sql in seen
        if sql.split()[0].upper() in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")
    ]


def whole_table_reads(db: sqlite3.Connection, sql: str) -> list[str]:
    plan = db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    return [
        str(row[3])
        for row in plan
        if str(row[3]).startswith("SCAN ")
        and not str(row[3]).startswith(("SCAN json_each", "SCAN CONSTANT ROW"))
    ]


@pytest.mark.parametrize("name", sorted(HOT_PATH))
def test_no_hot_path_query_reads_a_whole_table(tmp_path, name):
    store = filled(str(tmp_path / "m.sqlite3"))
    try:
        ran = statements(store, HOT_PATH[name])
        assert ran, f"{name} ran no query"
        for sql in ran:
            assert whole_table_reads(store._db, sql) == [], sql
    finally:
        store.close()


def test_every_store_query_method_is_listed():
    """A new query method is either on the hot path (and checked) or listed apart."""
    known = set(HOT_PATH) | set(WHOLE_TABLE_ALLOWED) | {"next_enquiry_id"}
    reading = {
        name
        for name, value in vars(Store).items()
        if callable(value)
        and not name.startswith("__")
        and (name.startswith(("enquir", "is_", "open_", "pending", "taken", "ended")))
    }
    assert reading - known == set()


def test_every_foreign_key_has_an_index(tmp_path):
    """Deleting an enquiry finds its rows in every child table by index."""
    store = Store.open(tmp_path / "m.sqlite3")
    db = store._db
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for fk in db.execute(f"PRAGMA foreign_key_list({table})"):
                column = fk[3]
                leading = {
                    db.execute(f"PRAGMA index_info({index[1]})").fetchone()[2]
                    for index in db.execute(f"PRAGMA index_list({table})")
                }
                primary = [
                    r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[5] == 1
                ]
                assert column in leading or primary == [column], (table, column)
    finally:
        store.close()


# -- the file shrinks as data goes -------------------------------------------------


def test_a_new_database_gives_freed_pages_back(tmp_path):
    with Store.open(tmp_path / "m.sqlite3") as store:
        (mode,) = store._db.execute("PRAGMA auto_vacuum").fetchone()
    assert mode == migrations.INCREMENTAL


def test_purge_shrinks_the_file(tmp_path):
    path = tmp_path / "m.sqlite3"
    store = filled(str(path))
    try:
        with store.transaction():
            for n in range(1, 7):
                store.mark_sent(n, NOW)
                store.mark_done(n)
            for n in range(7, 400):
                store.queue(
                    message_id=f"<bulk{n}@riverside.example>",
                    enquiry_id=1 + n % 6,
                    kind="reminder",
                    sender="hello@riverside.example",
                    recipients=("p@example.org",),
                    raw=os.urandom(3000),
                    needs_copy=True,
                    now=NOW,
                )
            store._db.execute(
                "UPDATE enquiries SET state = 'closed', updated_at = ?",
                (NOW.isoformat(),),
            )
        store.shed_deleted()
        before = path.stat().st_size
        assert purge(store, now=NOW + timedelta(days=400), retention_days=180) == 6
        after = path.stat().st_size
        (free,) = store._db.execute("PRAGMA freelist_count").fetchone()
    finally:
        store.close()
    assert free == 0
    assert after < before / 4, (before, after)


def test_bodies_go_once_sent_and_filed(tmp_path):
    store = filled(str(tmp_path / "m.sqlite3"))
    try:
        bodies = store._db.execute("SELECT COUNT(*) FROM outbox_bodies").fetchone()[0]
        assert bodies == 6
        store.mark_sent(1, NOW)
        store.mark_done(1)
        store.mark_failed(2)
        store.drop_pending_to("p3@example.org")
        left = {r[0] for r in store._db.execute("SELECT outbox_id FROM outbox_bodies")}
        assert left == {4, 5, 6}
        assert [m.id for m in store.pending()] == [4, 5, 6]
    finally:
        store.close()


def test_a_batch_of_message_ids_is_asked_in_parts_under_sqlites_limit(tmp_path):
    """A Sent batch asks about more Message-IDs than SQLite binds at once."""
    with Store.open(tmp_path / "m.sqlite3") as store, store.transaction():
        enquiry = stored_enquiry(store, NOW, state=State.OFFERED, email="a@x.org")
        owned = {f"<t{n}@x>" for n in range(1200)}
        store.add_thread_ids(enquiry, owned)
        asked = owned | {f"<u{n}@x>" for n in range(300)}
        assert store.owned_thread_ids(asked) == owned
        assert store.our_messages(asked) == set()
        assert store.owned_thread_ids(set()) == set()


def test_a_hand_answer_withdraws_only_the_persons_waiting_letters(tmp_path):
    """After a hand answer (`workflow.Withdraw`): the person's letters of the
    conversation still waiting never follow it; the safety message, a booked
    call's letters, the therapist's, other enquiries' and what was already
    handed over are untouched."""
    store = filled(str(tmp_path / "m.sqlite3"))
    try:
        with store.transaction():
            for n, (kind, to) in enumerate(
                (
                    ("safety", "p1@example.org"),
                    ("held", "Sam@Example.org"),
                    ("confirmation", "p1@example.org"),
                ),
                7,
            ):
                store.queue(
                    message_id=f"<o{n}@riverside.example>",
                    enquiry_id=1,
                    kind=kind,
                    sender="hello@riverside.example",
                    recipients=(to,),
                    raw=b"x",
                    needs_copy=True,
                    now=NOW,
                )
        store.mark_sent(2, NOW)  # enquiry 2's offer went before the hand answer
        assert store.withdraw_letters(1, "sam@example.org") == 1
        assert store.withdraw_letters(2, "sam@example.org") == 0
        assert [(m.id, m.kind) for m in store.pending()] == [
            (2, "offer"),
            (3, "offer"),
            (4, "offer"),
            (5, "offer"),
            (6, "offer"),
            (7, "safety"),
            (8, "held"),
            (9, "confirmation"),
        ]
        bodies = {
            r[0] for r in store._db.execute("SELECT outbox_id FROM outbox_bodies")
        }
        assert 1 not in bodies
    finally:
        store.close()
