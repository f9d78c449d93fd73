"""The database schema and its history: an ordered registry of migrations. Does no I/O
of its own: `migrate` runs on the connection the store opened.

Migration N (counting from 1) takes a database from schema version N-1 to N;
the version lives in `PRAGMA user_version`. A new database runs every migration
from empty, so a fresh install and an upgraded one have the very same schema.
Never edit a migration that has shipped: add the next one. [sqlite-utils]
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence

from mailflow.errors import StoreError

_log = logging.getLogger("mailflow")

Migration = Callable[[sqlite3.Connection], None]

_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS seen_fingerprint ON seen (fingerprint);
CREATE TABLE IF NOT EXISTS enquiries (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    preference TEXT NOT NULL DEFAULT '{}',
    sender_offset_minutes INTEGER,
    subject TEXT NOT NULL,
    request_message_id TEXT,
    crisis INTEGER NOT NULL DEFAULT 0,
    first_message TEXT,
    last_message_id TEXT,
    last_references TEXT NOT NULL DEFAULT '[]',
    clarified INTEGER NOT NULL DEFAULT 0,
    approval_round INTEGER NOT NULL DEFAULT 0,
    preapproved_start_at TEXT,
    counter_start_at TEXT,
    offered_at TEXT,
    nudged_at TEXT,
    reminded_at TEXT,
    followed_up_at TEXT,
    followup_nudged_at TEXT,
    closed_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE TABLE IF NOT EXISTS thread_ids (
    message_id TEXT PRIMARY KEY,
    enquiry_id INTEGER NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS offers (
    enquiry_id INTEGER NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    PRIMARY KEY (enquiry_id, number)
);
CREATE TABLE IF NOT EXISTS calls (
    enquiry_id INTEGER PRIMARY KEY REFERENCES enquiries (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    uid TEXT,
    sequence INTEGER NOT NULL DEFAULT 0,
    partstat TEXT,
    held_at TEXT,
    booked_at TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    enquiry_id INTEGER REFERENCES enquiries (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    raw BLOB,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    needs_copy INTEGER NOT NULL,
    expects TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE TABLE IF NOT EXISTS contacts (
    digest TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS answered_by_hand (
    message_id TEXT PRIMARY KEY
);
"""
"""Version 1, byte for byte as mailflow created it before versions were counted
(commit 9f32045; tests/fixtures/schema_v1.sql pins it)."""


def _create_v1(db: sqlite3.Connection) -> None:
    """The first schema: what every database made before versions were counted has."""
    _run_script(db, _V1)


_V2_COLUMNS = (
    ("outbox", "deferrals", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "next_attempt_at", "TEXT"),
    ("enquiries", "hold_reminded_at", "TEXT"),
    ("enquiries", "move_asked_at", "TEXT"),
    ("enquiries", "offers_message_id", "TEXT"),
    ("enquiries", "risk", "TEXT NOT NULL DEFAULT 'none'"),
    ("enquiries", "safety_note", "TEXT"),
)


def _retries_holds_and_risk(db: sqlite3.Connection) -> None:
    """SMTP retries with backoff, undeliverable addresses, hold and move reminders,
    the list a numbered answer refers to, screened risk and the safety note.

    Databases of version 1 were made by code of different ages, each creating
    what it knew and adding some of these columns itself, so each is added
    only where it is missing.
    """
    for table, column, definition in _V2_COLUMNS:
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
    db.execute(
        "CREATE TABLE IF NOT EXISTS undeliverable (\n"
        "    digest TEXT PRIMARY KEY,\n"
        "    since TEXT NOT NULL\n"
        ")"
    )


_V3 = """
CREATE TABLE IF NOT EXISTS calendar_ops (
    id INTEGER PRIMARY KEY,
    enquiry_id INTEGER,
    uid TEXT NOT NULL,
    action TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    ics BLOB,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_failed_at TEXT,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT,
    UNIQUE (uid, sequence, action)
);
CREATE INDEX IF NOT EXISTS calendar_ops_pending ON calendar_ops (status, uid);
"""


def _calendar_writes(db: sqlite3.Connection) -> None:
    """The calendar's outbox: bookings written into the therapist's own calendar
    over CalDAV (put, move, delete by the event's UID), queued with the booking."""
    _run_script(db, _V3)


def _busy_feeds(db: sqlite3.Connection) -> None:
    """What each busy calendar gave when last read, so an unchanged one is not
    read again: keyed by a hash of its address (a feed URL carries its secret),
    with its validators (ETag, Last-Modified, or a file's mtime and size)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS busy_feeds (\n"
        "    key TEXT PRIMARY KEY,\n"
        "    entry TEXT NOT NULL\n"
        ")"
    )


_V5 = """
CREATE INDEX IF NOT EXISTS thread_ids_enquiry ON thread_ids (enquiry_id);
CREATE INDEX IF NOT EXISTS outbox_enquiry ON outbox (enquiry_id);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status);
CREATE INDEX IF NOT EXISTS outbox_sent_at ON outbox (sent_at);
CREATE INDEX IF NOT EXISTS enquiries_state ON enquiries (state, updated_at);
CREATE INDEX IF NOT EXISTS enquiries_email ON enquiries (email);
CREATE INDEX IF NOT EXISTS enquiries_request ON enquiries (request_message_id);
CREATE INDEX IF NOT EXISTS calls_status_end ON calls (status, end_at);
CREATE INDEX IF NOT EXISTS calls_uid ON calls (uid);
CREATE INDEX IF NOT EXISTS calendar_ops_enquiry ON calendar_ops (enquiry_id);
CREATE TABLE IF NOT EXISTS outbox_bodies (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    raw BLOB NOT NULL
);
INSERT INTO outbox_bodies (outbox_id, raw)
    SELECT id, raw FROM outbox WHERE raw IS NOT NULL;
ALTER TABLE outbox DROP COLUMN raw;
"""


def _indexes_and_lean_outbox(db: sqlite3.Connection) -> None:
    """Years of history cost nothing (#13).

    - An index for every foreign key (a purge no longer scans the outbox and
      the thread ids once per deleted enquiry) and for every lookup a run
      makes, each chosen from its `EXPLAIN QUERY PLAN` (tests/test_store.py
      lists the queries and checks that none scans a whole table).
    - Message bodies move to `outbox_bodies`, whose row goes once the message
      is sent and filed (or dropped): an outbox row is a Message-ID and a few
      words, never a 4 KB page left behind by a body set to NULL.
    - `auto_vacuum = INCREMENTAL`, so the pages a purge frees are given back
      (`PRAGMA incremental_vacuum` after each purge) and the file shrinks.
      An existing file only changes mode through a VACUUM, which cannot run
      in the migration's transaction: `migrate` runs it once, just after the
      commit (see _AFTER_COMMIT). A new file is made incremental before its
      first table (Store.open), so it needs none.
    """
    _run_script(db, _V5)
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")


def _vacuum_to_incremental(db: sqlite3.Connection) -> None:
    """Rebuild the file once so `auto_vacuum = INCREMENTAL` takes effect (a
    database made before version 5); a new one already has it."""
    (mode,) = db.execute("PRAGMA auto_vacuum").fetchone()
    if int(mode) == INCREMENTAL:
        return
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    try:
        db.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        # Another process holds the file (a `watch` reading): the schema is
        # upgraded all the same; the file keeps its pages until a VACUUM.
        _log.warning("store: the database could not be compacted yet (%s)", exc)


_V6 = """
ALTER TABLE enquiries ADD COLUMN owed_at TEXT;
ALTER TABLE enquiries ADD COLUMN owed_from TEXT;
CREATE TRIGGER IF NOT EXISTS enquiries_owed_stale AFTER UPDATE ON enquiries
WHEN NEW.owed_from IS OLD.owed_from AND NEW.owed_at IS OLD.owed_at
    AND OLD.owed_from IS NOT NULL
BEGIN
    UPDATE enquiries SET owed_at = NULL, owed_from = NULL WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS calls_owed_stale_insert AFTER INSERT ON calls
BEGIN
    UPDATE enquiries SET owed_at = NULL, owed_from = NULL
        WHERE id = NEW.enquiry_id AND owed_from IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS calls_owed_stale_update AFTER UPDATE ON calls
BEGIN
    UPDATE enquiries SET owed_at = NULL, owed_from = NULL
        WHERE id IN (NEW.enquiry_id, OLD.enquiry_id) AND owed_from IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS calls_owed_stale_delete AFTER DELETE ON calls
BEGIN
    UPDATE enquiries SET owed_at = NULL, owed_from = NULL
        WHERE id = OLD.enquiry_id AND owed_from IS NOT NULL;
END;
"""


def _clock_owed(db: sqlite3.Connection) -> None:
    """The clock's work proportional to what is due (#13): each open
    enquiry's next owed moment, worked out by a run from `owed_from` on
    (`owed_from` set and `owed_at` NULL: nothing owed), kept so a run visits
    only the enquiries whose moment has come. Triggers forget it whenever
    anything else of the enquiry or its call changes, so a kept moment is
    never older than the facts it was worked out from; the runner forgets
    them all when the timing rules change."""
    _run_script(db, _V6)


def _forms_counted(db: sqlite3.Connection) -> None:
    """The daily summary counts the day's website forms that named nobody
    mailflow may write to: those the therapist was alerted about, and those
    left for coming from a sender not in `requests.form_senders`. A partial
    index holds only those rows, so the count reads no other mail's."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS seen_forms ON seen (outcome, seen_at)"
        " WHERE outcome IN ('form-alerted', 'form-unconfigured')"
    )


def _offset_seen_at(db: sqlite3.Connection) -> None:
    """When the offset of a first mail's Date header was written (the header's
    own moment): whether that offset still holds at a slot is judged from it,
    not from when mailflow read the mail, which may be days later, across a
    clock change. Older enquiries have none and are judged from `created_at`."""
    db.execute("ALTER TABLE enquiries ADD COLUMN sender_seen_at TEXT")


def _question_asked(db: sqlite3.Connection) -> None:
    """Whether a question beside a pick has reached the therapist in an
    enquiry: from then on every pick in it waits for them, even under
    automatic approval (`decide.question_reached_therapist`). Enquiries
    already stored start without: a question told before the upgrade is not
    known, so only those told from then on hold later picks."""
    db.execute("ALTER TABLE enquiries ADD COLUMN asked INTEGER NOT NULL DEFAULT 0")


INCREMENTAL = 2
"""`PRAGMA auto_vacuum` value of INCREMENTAL."""

MIGRATIONS: tuple[Migration, ...] = (
    _create_v1,
    _retries_holds_and_risk,
    _calendar_writes,
    _busy_feeds,
    _indexes_and_lean_outbox,
    _clock_owed,
    _forms_counted,
    _offset_seen_at,
    _question_asked,
)
"""The registry, in order: MIGRATIONS[n] takes version n to n + 1."""

LATEST = len(MIGRATIONS)
"""The schema version this code writes."""

_AFTER_COMMIT: dict[int, Migration] = {5: _vacuum_to_incremental}
"""Work a migration needs outside any transaction (VACUUM), keyed by the version
that migration makes; run once, right after the upgrade through it commits."""


def version(db: sqlite3.Connection) -> int:
    """The schema version of an open database (0: empty).

    Before versions were counted, `user_version` stayed 0 and the `meta` row
    'schema' said '1'.
    """
    (number,) = db.execute("PRAGMA user_version").fetchone()
    if number:
        return int(number)
    tables = {
        str(row[0])
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if not tables:
        return 0
    if "meta" not in tables:
        raise StoreError(
            f"the database holds tables mailflow did not make ({', '.join(sorted(tables))});"
            " check storage.database"
        )
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    # A database whose first open stopped before the row was written is version 1.
    return 1 if row is None else int(row[0])


def migrate(
    db: sqlite3.Connection, name: str, registry: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the database to the newest version in one transaction; the version
    it had (`registry` is for tests).

    `db` must be in autocommit mode (isolation_level=None). Raises StoreError
    when the database is newer than this code.
    """
    latest = len(registry)
    if _user_version(db) == latest:
        return latest
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have just migrated.
        found = version(db)
        if found > latest:
            raise StoreError(
                f"the database {name!r} has schema version {found}, newer than this"
                f" mailflow knows (up to {latest}): upgrade mailflow, or restore the"
                " database from before the upgrade"
            )
        for migration in registry[found:]:
            migration(db)
        db.execute(f"PRAGMA user_version = {latest}")
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(latest),),
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    for made in range(found + 1, latest + 1):
        if made in _AFTER_COMMIT:
            _AFTER_COMMIT[made](db)
    return found


def _user_version(db: sqlite3.Connection) -> int:
    (number,) = db.execute("PRAGMA user_version").fetchone()
    return int(number)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Statement by statement: `executescript` would commit the open transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement.strip())
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()!r}")
