"""The SQLite store: what was seen, enquiries, offers, the outbox. Does file I/O.

One file (WAL, mode 0600, in a 0700 folder). Every decision about a mail and the
messages it causes are committed in one transaction, so a crash either keeps
both or neither. Contacts are kept as keyed hashes, never as addresses.
Commits reach the disk (`sync`) just before a message or a calendar write goes
out and once a message's 250 is recorded; between them, a commit survives a
crash of the process but may not a power cut, which then takes the newest
commits back together, never half of one (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

from mailflow.errors import StoreError
from mailflow.model import OPEN_STATES, ClosedReason, Enquiry, Interval, Slot, State
from mailflow.shell import migrations

SCHEMA_VERSION = migrations.LATEST
_log = logging.getLogger("mailflow")
_PARAMETERS = 500
_TAKEN_KEPT = 16
"""Windows of taken calls kept at once (a run asks a handful)."""
"""Values bound in one `IN (...)`: well under SQLite's oldest limit (999)."""


@dataclass(frozen=True, slots=True)
class Call:
    """A held or booked call."""

    enquiry_id: int
    status: str  # held | booked | released
    start_at: datetime
    end_at: datetime
    uid: str | None
    sequence: int
    partstat: str | None
    held_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A message decided on and waiting (or done) in the outbox."""

    id: int
    message_id: str
    enquiry_id: int | None
    kind: str
    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    status: str
    attempts: int
    needs_copy: bool
    expects: dict[str, object] | None = None
    deferrals: int = 0
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """What a delivery report may return: one message of ours, as queued."""

    id: int
    enquiry_id: int | None
    kind: str
    recipients: tuple[str, ...]
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class CalendarOp:
    """A write to the therapist's own calendar, queued with the booking change."""

    id: int
    enquiry_id: int | None
    uid: str
    action: str  # put | move | delete
    sequence: int
    ics: bytes | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Folder:
    """What the store remembers of a polled folder."""

    uidvalidity: int
    uidnext: int


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def words_key(enquiry_id: int) -> str:
    """Meta key: a hash of the person's last words in this enquiry (#14)."""
    return f"last-words:{enquiry_id}"


WITHDRAWN_KINDS = frozenset(
    {
        "offer",
        "offer_again",
        "held",
        "clarify",
        "still_suits",
        "after_answer",
        "followup",
        "followup_nudge",
    }
)
"""The person's letters a hand answer makes moot while they wait to go: the
offer and the talk around a pick, and the after-call follow-ups."""


class Store:
    """mailflow's memory. Open with `Store.open(path)`; use as a context manager."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._secret: bytes | None = None
        # Calls that block slots, kept between reads while nothing wrote the
        # calls table: a backlog of first mails (an offer holds nothing) reads
        # the same few hundred bookings for every request (#13). SQLite itself
        # says when the table is written: a temporary trigger on every insert,
        # update and delete (a cascade from a purge too) calls back here, from
        # any statement of this connection, and a counter that a rollback
        # cannot take back moves on; `PRAGMA data_version` moves when another
        # connection commits.
        self._calls_written = 0
        self._taken: dict[tuple[int | None, str, str], tuple[Interval, ...]] = {}
        self._taken_stamp: tuple[int, int] = (-1, -1)
        connection.create_function("mailflow_calls_written", 0, self._note_calls)
        for event in ("INSERT", "UPDATE", "DELETE"):
            connection.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS mailflow_calls_{event.lower()}"
                f" AFTER {event} ON main.calls"
                " BEGIN SELECT mailflow_calls_written(); END"
            )

    def _note_calls(self) -> None:
        self._calls_written += 1

    def _forget_taken(self) -> None:
        """Before a rollback: a read kept inside the transaction may hold
        writes the rollback takes back, which no trigger reports."""
        self._calls_written += 1

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating privately if needed) and migrate the database."""
        if str(path) != ":memory:":
            path = Path(path)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            os.chmod(path, 0o600)
        db: sqlite3.Connection | None = None
        try:
            db = _connect(str(path))
            # Before anything is written: a new file gives freed pages back
            # (`compact`); an older one turns incremental in migration 3.
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            (mode,) = db.execute("PRAGMA journal_mode=WAL").fetchone()
            _settle(db, wal=str(mode).lower() == "wal")
            migrations.migrate(db, str(path))
        except (sqlite3.DatabaseError, StoreError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(
                f"the database {str(path)!r} cannot be used: {exc}"
            ) from exc
        store = cls(db)
        if str(path) != ":memory:":
            for suffix in ("-wal", "-shm"):
                sidecar = Path(f"{path}{suffix}")
                if sidecar.exists():
                    os.chmod(sidecar, 0o600)
        return store

    def shed_deleted(self) -> None:
        """After deleting client data: give the freed pages back (the file
        shrinks), then fold the write-ahead log back into the database and
        empty it, so no copy of the deleted rows stays there."""
        self.compact()
        busy, _pages, _moved = self._db.execute(
            "PRAGMA wal_checkpoint(TRUNCATE)"
        ).fetchone()
        if busy:
            # Another connection (status, watch) is reading: the next purge
            # or run's checkpoint empties it.
            _log.warning("store: the write-ahead log could not be emptied yet")

    def compact(self) -> None:
        """Give the pages freed by a purge back to the file system (the file is
        `auto_vacuum = INCREMENTAL`): costs what was freed, not the file's size."""
        # executescript steps the pragma to the end: execute() frees one page.
        self._db.executescript("PRAGMA incremental_vacuum;")

    def close(self) -> None:
        self._db.close()

    def copy_in_memory(self) -> Store:
        """A private copy for --dry-run: decisions made on it are forgotten."""
        copy = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        self._db.backup(copy)
        self.close()
        copy.execute("PRAGMA foreign_keys=ON")
        return Store(copy)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: a decision and everything it causes."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._forget_taken()
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def abandon(self) -> None:
        """Roll back a transaction still open: an asynchronous stop (a mail's
        CPU budget, mailflow/shell/budget.py) can land inside `transaction`'s
        own rollback and cut it short."""
        if self._db.in_transaction:
            self._forget_taken()
            self._db.execute("ROLLBACK")

    # -- meta ---------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def busy_feed(self, key: str) -> str | None:
        """A busy calendar's cached read (JSON, `shell.busy_cache`), or None."""
        row = self._db.execute(
            "SELECT entry FROM busy_feeds WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_busy_feed(self, key: str, entry: str) -> None:
        self._db.execute(
            "INSERT INTO busy_feeds (key, entry) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET entry = excluded.entry",
            (key, entry),
        )

    def keep_busy_feeds(self, keys: set[str]) -> None:
        """Forget the cached reads of calendars no longer configured."""
        for (key,) in self._db.execute("SELECT key FROM busy_feeds").fetchall():
            if key not in keys:
                self._db.execute("DELETE FROM busy_feeds WHERE key = ?", (key,))

    def secret(self) -> bytes:
        """A per-installation secret for deterministic yet unguessable ids."""
        if self._secret is not None:
            return self._secret  # never changes once stored: read once
        value = self.get_meta("secret")
        if value is None:
            value = secrets.token_hex(32)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)", (value,)
            )
            # Not kept yet: the transaction that wrote it may still roll back.
            return bytes.fromhex(self.get_meta("secret") or value)
        self._secret = bytes.fromhex(value)
        return self._secret

    def folder(self, name: str) -> Folder | None:
        raw = self.get_meta(f"folder:{name}")
        if raw is None:
            return None
        data = json.loads(raw)
        return Folder(
            uidvalidity=int(data["uidvalidity"]), uidnext=int(data["uidnext"])
        )

    def set_folder(self, name: str, folder: Folder) -> None:
        self.set_meta(
            f"folder:{name}",
            json.dumps({"uidvalidity": folder.uidvalidity, "uidnext": folder.uidnext}),
        )

    # -- seen mail ----------------------------------------------------------

    def is_seen(self, uidvalidity: int, uid: int, fingerprint: str) -> bool:
        """Seen under this key, or (after a UIDVALIDITY change) by fingerprint."""
        row = self._db.execute(
            "SELECT 1 FROM seen WHERE (uidvalidity = ? AND uid = ?) OR fingerprint = ?",
            (uidvalidity, uid, fingerprint),
        ).fetchone()
        return row is not None

    def mark_seen(
        self, uidvalidity: int, uid: int, fingerprint: str, outcome: str, now: datetime
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO seen (uidvalidity, uid, fingerprint, outcome, seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (uidvalidity, uid, fingerprint, outcome, _iso(now)),
        )

    def forms_since(self, since: datetime) -> dict[str, int]:
        """How many website forms naming nobody to write to were seen since
        `since`, by outcome: "form-alerted" (the therapist was alerted) and
        "form-unconfigured" (left: a sender not in `requests.form_senders`)."""
        rows = self._db.execute(
            "SELECT outcome, COUNT(*) FROM seen"
            " WHERE outcome IN ('form-alerted', 'form-unconfigured') AND seen_at >= ?"
            " GROUP BY outcome",
            (_iso(since),),
        ).fetchall()
        return {str(outcome): int(count) for outcome, count in rows}

    # -- contacts and hand-written answers ----------------------------------

    def _digest(self, address: str) -> str:
        return hmac.new(
            self.secret(), address.lower().encode(), hashlib.sha256
        ).hexdigest()

    def add_contacts(self, addresses: set[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO contacts (digest) VALUES (?)",
            [(self._digest(a),) for a in addresses],
        )

    def is_contact(self, address: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM contacts WHERE digest = ?", (self._digest(address),)
        ).fetchone()
        return row is not None

    def add_answered_by_hand(self, message_ids: set[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO answered_by_hand (message_id) VALUES (?)",
            [(m,) for m in message_ids],
        )

    def answered_by_hand(self, message_ids: set[str]) -> bool:
        if not message_ids:
            return False
        marks = ",".join("?" * len(message_ids))
        row = self._db.execute(
            f"SELECT 1 FROM answered_by_hand WHERE message_id IN ({marks})",
            tuple(message_ids),
        ).fetchone()
        return row is not None

    # -- enquiries ----------------------------------------------------------

    def insert_enquiry(self, record: Enquiry) -> int:
        """Store a new enquiry as the core opened it (`decide.opened`): the one
        place an enquiry is created; its id is given here."""
        enquiry_id = self._next_enquiry_id()
        values = {
            name: _column_value(getattr(record, name))
            for name in (*_DECIDED, *_THREADING, *_IDENTITY)
        }
        values.update(id=enquiry_id, crisis=int(record.crisis))
        columns = ", ".join(values)
        self._db.execute(
            f"INSERT INTO enquiries ({columns}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        if record.request_message_id:
            self.add_thread_ids(enquiry_id, {record.request_message_id})
        return enquiry_id

    def enquiry(self, enquiry_id: int) -> Enquiry | None:
        row = self._db.execute(
            f"SELECT {_ENQUIRY_COLUMNS} FROM enquiries WHERE id = ?",
            (enquiry_id,),
        ).fetchone()
        return None if row is None else _enquiry(row)

    def enquiries(self) -> list[Enquiry]:
        rows = self._db.execute(
            f"SELECT {_ENQUIRY_COLUMNS} FROM enquiries ORDER BY id"
        ).fetchall()
        return [_enquiry(row) for row in rows]

    def save_enquiry(self, before: Enquiry, after: Enquiry, now: datetime) -> None:
        """Write what a decision changed (`decide.advance`): the one place an
        enquiry's state is written, with the fields that go with it."""
        changed = {
            name: getattr(after, name)
            for name in _DECIDED
            if getattr(after, name) != getattr(before, name)
        }
        state = changed.pop("state", after.state)
        self._db.execute(
            "UPDATE enquiries SET state = ?, updated_at = ? WHERE id = ?",
            (state, _iso(now), after.id),
        )
        if changed:
            self._set_columns(after.id, now, changed)

    def note_thread(
        self,
        enquiry_id: int,
        now: datetime,
        *,
        last_message_id: str,
        last_references: tuple[str, ...],
        offers_message_id: str | None = None,
    ) -> None:
        """Where the conversation's thread stands: the Message-ID a next letter
        answers under (and, for a list of times, the letter a numbered answer
        refers to). A fact of what was sent or received, never a decision."""
        fields: dict[str, object] = {
            "last_message_id": last_message_id,
            "last_references": last_references,
        }
        if offers_message_id is not None:
            fields["offers_message_id"] = offers_message_id
        self._set_columns(enquiry_id, now, fields)

    def _set_columns(
        self, enquiry_id: int, now: datetime, fields: dict[str, object]
    ) -> None:
        """Set named columns (from a fixed allow-list) and touch updated_at."""
        # Never "state" or the facts of the first mail: the core decides the
        # one (`save_enquiry`), and the other is written once (`insert_enquiry`).
        allowed = {*_DECIDED, *_THREADING} - {"state"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not an updatable column: {sorted(unknown)!r}")
        values = {k: _column_value(v) for k, v in fields.items()}
        assignments = ", ".join(f"{k} = ?" for k in values)
        self._db.execute(
            f"UPDATE enquiries SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), _iso(now), enquiry_id),
        )

    def add_thread_ids(self, enquiry_id: int, message_ids: set[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO thread_ids (message_id, enquiry_id) VALUES (?, ?)",
            [(m, enquiry_id) for m in message_ids],
        )

    def enquiry_for_thread(self, message_ids: set[str]) -> int | None:
        """The enquiry owning any of these Message-IDs, if mailflow owns the thread."""
        if not message_ids:
            return None
        marks = ",".join("?" * len(message_ids))
        row = self._db.execute(
            f"SELECT enquiry_id FROM thread_ids WHERE message_id IN ({marks})",
            tuple(message_ids),
        ).fetchone()
        return None if row is None else int(row[0])

    def enquiry_by_request(self, message_id: str) -> int | None:
        row = self._db.execute(
            "SELECT id FROM enquiries WHERE request_message_id = ?", (message_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def open_enquiry_for(self, email: str) -> int | None:
        """An enquiry from this person still in progress (no second welcome)."""
        row = self._db.execute(
            "SELECT id FROM enquiries WHERE email = ? AND closed_at IS NULL"
            " ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
        return None if row is None else int(row[0])

    # -- offers and calls ---------------------------------------------------

    def set_offers(self, enquiry_id: int, slots: list[Slot]) -> None:
        self._db.execute("DELETE FROM offers WHERE enquiry_id = ?", (enquiry_id,))
        self._db.executemany(
            "INSERT INTO offers (enquiry_id, number, start_at, end_at) VALUES (?, ?, ?, ?)",
            [
                (enquiry_id, n, _iso(slot.start_at), _iso(slot.end_at))
                for n, slot in enumerate(slots, start=1)
            ],
        )

    def offers(self, enquiry_id: int) -> list[Slot]:
        rows = self._db.execute(
            "SELECT start_at, end_at FROM offers WHERE enquiry_id = ? ORDER BY number",
            (enquiry_id,),
        ).fetchall()
        return [Slot(_instant(a), _instant(b)) for a, b in rows]

    def pending_moves(
        self,
        *,
        except_enquiry: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[datetime]:
        """Starts of moves waiting for the therapist's approval: held like picks
        (those starting in [since, until) when given)."""
        rows = self._db.execute(
            "SELECT counter_start_at FROM enquiries WHERE state = ?"
            " AND counter_start_at IS NOT NULL AND counter_start_at >= ?"
            " AND counter_start_at < ? AND id IS NOT ?",
            (State.BOOKED, *_window(since, until), except_enquiry),
        ).fetchall()
        return [_instant(str(row[0])) for row in rows]

    def taken_intervals(
        self,
        *,
        except_enquiry: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interval]:
        """Holds and bookings: calls that block a slot. Given a window, only
        those ending after `since` and starting before `until`: the index on
        (status, end_at) reads the horizon, not every booking of history."""
        low, high = _window(since, until)
        (others,) = self._db.execute("PRAGMA data_version").fetchone()
        stamp = (self._calls_written, int(others))
        if stamp != self._taken_stamp:
            self._taken.clear()
            self._taken_stamp = stamp
        key = (except_enquiry, low, high)
        taken = self._taken.get(key)
        if taken is None:
            rows = self._db.execute(
                "SELECT start_at, end_at FROM calls"
                " WHERE status IN ('booked', 'held')"
                " AND end_at > ? AND start_at < ? AND enquiry_id IS NOT ?",
                (low, high, except_enquiry),
            ).fetchall()
            taken = tuple(Interval(_instant(a), _instant(b)) for a, b in rows)
            if len(self._taken) >= _TAKEN_KEPT:
                self._taken.clear()
            self._taken[key] = taken
        return list(taken)

    def call(self, enquiry_id: int) -> Call | None:
        row = self._db.execute(
            "SELECT enquiry_id, status, start_at, end_at, uid, sequence, partstat,"
            " held_at FROM calls WHERE enquiry_id = ?",
            (enquiry_id,),
        ).fetchone()
        return None if row is None else _call(row)

    def hold(self, enquiry_id: int, slot: Slot, now: datetime) -> None:
        """Hold (or re-hold) a slot for an enquiry; one call row per enquiry."""
        self._db.execute(
            "INSERT INTO calls (enquiry_id, status, start_at, end_at, held_at)"
            " VALUES (?, 'held', ?, ?, ?) ON CONFLICT (enquiry_id) DO UPDATE SET"
            " status = 'held', start_at = excluded.start_at, end_at = excluded.end_at,"
            " held_at = excluded.held_at, uid = NULL, sequence = 0, partstat = NULL",
            (enquiry_id, _iso(slot.start_at), _iso(slot.end_at), _iso(now)),
        )

    def release(self, enquiry_id: int) -> None:
        self._db.execute(
            "UPDATE calls SET status = 'released' WHERE enquiry_id = ? AND status = 'held'",
            (enquiry_id,),
        )

    def book(self, enquiry_id: int, slot: Slot, uid: str, now: datetime) -> None:
        """Confirm the call; the calendar UID stays with the booking for updates."""
        self._db.execute(
            "INSERT INTO calls (enquiry_id, status, start_at, end_at, uid, held_at,"
            " booked_at) VALUES (?, 'booked', ?, ?, ?, ?, ?)"
            " ON CONFLICT (enquiry_id) DO UPDATE SET"
            " status = 'booked', start_at = excluded.start_at, end_at = excluded.end_at,"
            " uid = CASE WHEN calls.status = 'booked' THEN calls.uid"
            " ELSE excluded.uid END, booked_at = excluded.booked_at, partstat = NULL,"
            " sequence = CASE WHEN calls.status = 'booked' THEN calls.sequence ELSE 0 END",
            (
                enquiry_id,
                _iso(slot.start_at),
                _iso(slot.end_at),
                uid,
                _iso(now),
                _iso(now),
            ),
        )

    def move_booking(self, enquiry_id: int, slot: Slot, now: datetime) -> None:
        """New times for a booked call; SEQUENCE + 1 so calendars update, not duplicate."""
        self._db.execute(
            "UPDATE calls SET start_at = ?, end_at = ?, sequence = sequence + 1,"
            " partstat = NULL, booked_at = ? WHERE enquiry_id = ? AND status = 'booked'",
            (_iso(slot.start_at), _iso(slot.end_at), _iso(now), enquiry_id),
        )

    def bump_sequence(self, enquiry_id: int) -> None:
        """The booked event changed in place (a phone number added): SEQUENCE + 1."""
        self._db.execute(
            "UPDATE calls SET sequence = sequence + 1"
            " WHERE enquiry_id = ? AND status = 'booked'",
            (enquiry_id,),
        )

    def end_call(self, enquiry_id: int, status: str) -> None:
        """Cancel (SEQUENCE + 1, as the CANCEL carries) or mark missed/done; frees the slot."""
        bump = 1 if status == "cancelled" else 0
        self._db.execute(
            "UPDATE calls SET status = ?, sequence = sequence + ? WHERE enquiry_id = ?",
            (status, bump, enquiry_id),
        )

    def call_booked_at(self, enquiry_id: int) -> datetime | None:
        row = self._db.execute(
            "SELECT booked_at FROM calls WHERE enquiry_id = ?", (enquiry_id,)
        ).fetchone()
        return None if row is None or row[0] is None else _instant(str(row[0]))

    def open_enquiries(self) -> list[Enquiry]:
        rows = self._db.execute(
            f"SELECT {_ENQUIRY_COLUMNS} FROM enquiries"
            f" WHERE state IN ({', '.join('?' * len(_TIMED))}) ORDER BY id",
            _TIMED,
        ).fetchall()
        return [_enquiry(row) for row in rows]

    def has_open_enquiries(self) -> bool:
        return (
            self._db.execute(
                f"SELECT 1 FROM enquiries WHERE state IN ({', '.join('?' * len(_TIMED))})"
                " LIMIT 1",
                _TIMED,
            ).fetchone()
            is not None
        )

    def timed_visits(self, now: datetime) -> list[Enquiry]:
        """The open enquiries the clock must look at now: those whose owed
        moment has come, or is not known as of `now` (never worked out, or
        forgotten because the enquiry or its call changed, or worked out
        from a later moment than `now`)."""
        at = _iso(now)
        rows = self._db.execute(
            f"SELECT {_ENQUIRY_COLUMNS} FROM enquiries"
            f" WHERE state IN ({', '.join('?' * len(_TIMED))})"
            " AND (owed_from IS NULL OR owed_from > ? OR owed_at <= ?) ORDER BY id",
            (*_TIMED, at, at),
        ).fetchall()
        return [_enquiry(row) for row in rows]

    def owed_later(self, now: datetime) -> datetime | None:
        """The earliest moment the clock owes an open enquiry it need not
        look at now (`timed_visits` leaves it out), for the quiet mark."""
        at = _iso(now)
        (row,) = self._db.execute(
            "SELECT MIN(owed_at) FROM enquiries"
            f" WHERE state IN ({', '.join('?' * len(_TIMED))})"
            " AND owed_from <= ? AND owed_at > ?",
            (*_TIMED, at, at),
        ).fetchone()
        return None if row is None else _instant(str(row))

    def keep_owed(self, owed: dict[int, datetime | None], now: datetime) -> None:
        """What the clock owes each enquiry next, as worked out from `now` on
        (None: nothing), until the enquiry or its call changes."""
        at = _iso(now)
        self._db.executemany(
            "UPDATE enquiries SET owed_at = ?, owed_from = ? WHERE id = ?"
            " AND (owed_from IS NOT ? OR owed_at IS NOT ?)",
            [
                (
                    None if o is None else _iso(o),
                    at,
                    i,
                    at,
                    None if o is None else _iso(o),
                )
                for i, o in owed.items()
            ],
        )

    def forget_owed(self) -> None:
        """Forget every kept owed moment (the timing rules changed)."""
        # Only open enquiries keep one: any other change (closing) forgets it.
        self._db.execute(
            "UPDATE enquiries SET owed_at = NULL, owed_from = NULL"
            f" WHERE state IN ({', '.join('?' * len(_TIMED))})"
            " AND owed_from IS NOT NULL",
            _TIMED,
        )

    def set_partstat(self, enquiry_id: int, partstat: str | None) -> None:
        self._db.execute(
            "UPDATE calls SET partstat = ? WHERE enquiry_id = ?", (partstat, enquiry_id)
        )

    def has_call_uids(self) -> bool:
        """Whether any call has an invitation UID a calendar reply could name."""
        row = self._db.execute(
            "SELECT 1 FROM calls WHERE uid IS NOT NULL LIMIT 1"
        ).fetchone()
        return row is not None

    def enquiry_by_call_uid(self, uid: str) -> int | None:
        row = self._db.execute(
            "SELECT enquiry_id FROM calls WHERE uid = ?", (uid,)
        ).fetchone()
        return None if row is None else int(row[0])

    # -- outbox -------------------------------------------------------------

    def queue(
        self,
        *,
        message_id: str,
        enquiry_id: int | None,
        kind: str,
        sender: str,
        recipients: tuple[str, ...],
        raw: bytes,
        needs_copy: bool,
        now: datetime,
        expects: dict[str, object] | None = None,
    ) -> bool:
        """Queue a message once; False when that Message-ID was already decided.

        The body goes in `outbox_bodies`, kept only until the message is sent
        and filed (or dropped): the outbox row itself stays small."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO outbox (message_id, enquiry_id, kind, sender,"
            " recipients, status, needs_copy, created_at, expects)"
            " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (
                message_id,
                enquiry_id,
                kind,
                sender,
                json.dumps(list(recipients)),
                int(needs_copy),
                _iso(now),
                None if expects is None else json.dumps(expects),
            ),
        )
        if cursor.rowcount != 1:
            return False
        self._db.execute(
            "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (?, ?)",
            (cursor.lastrowid, raw),
        )
        return True

    def pending(self) -> list[OutgoingMail]:
        """Messages still to hand over (or to file in Sent), oldest first."""
        rows = self._db.execute(
            f"SELECT {_OUTGOING_COLUMNS} FROM outbox"
            " JOIN outbox_bodies ON outbox_id = id"
            " WHERE status IN ('pending', 'sent') ORDER BY id"
        ).fetchall()
        return [_outgoing(row) for row in rows]

    def pending_of(self, enquiry_id: int) -> list[OutgoingMail]:
        """One enquiry's messages not yet handed over, oldest first."""
        rows = self._db.execute(
            f"SELECT {_OUTGOING_COLUMNS} FROM outbox"
            " JOIN outbox_bodies ON outbox_id = id"
            " WHERE enquiry_id = ? AND status = 'pending' ORDER BY id",
            (enquiry_id,),
        ).fetchall()
        return [_outgoing(row) for row in rows]

    def outgoing_status(self, outgoing_id: int) -> str | None:
        """A queued message's status now ('pending', 'sent', 'dropped', ...)."""
        row = self._db.execute(
            "SELECT status FROM outbox WHERE id = ?", (outgoing_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def queued_at(self, outgoing_id: int) -> datetime | None:
        """When a message was decided on and queued."""
        row = self._db.execute(
            "SELECT created_at FROM outbox WHERE id = ?", (outgoing_id,)
        ).fetchone()
        return None if row is None else _instant(str(row[0]))

    def waiting_of_kinds(self, kinds: frozenset[str], now: datetime) -> set[int]:
        """The messages of `kinds` still to hand over that may go at `now`
        (none deferred past it): news of risk the flush would send first."""
        marks = ",".join("?" * len(kinds))
        rows = self._db.execute(
            "SELECT id, next_attempt_at FROM outbox"
            f" WHERE status = 'pending' AND kind IN ({marks})",
            tuple(sorted(kinds)),
        ).fetchall()
        return {
            int(outgoing_id)
            for outgoing_id, retry in rows
            if retry is None or _instant(retry) <= now
        }

    def pending_count(self) -> int:
        """Messages still to hand over or file (as `pending` lists them)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sent')"
        ).fetchone()
        return int(row[0])

    def defer(self, outgoing_id: int, next_attempt_at: datetime) -> None:
        """The server answered 4xx: count it and try again from `next_attempt_at`."""
        self._db.execute(
            "UPDATE outbox SET deferrals = deferrals + 1, next_attempt_at = ?"
            " WHERE id = ?",
            (_iso(next_attempt_at), outgoing_id),
        )

    def sent_since(
        self, since: datetime
    ) -> list[tuple[tuple[str, ...], datetime, str]]:
        """(recipients, sent_at, kind) of every message handed over after `since`."""
        rows = self._db.execute(
            "SELECT recipients, sent_at, kind FROM outbox"
            " WHERE sent_at IS NOT NULL AND sent_at > ? ORDER BY sent_at",
            (_iso(since),),
        ).fetchall()
        return [
            (tuple(json.loads(r)), _instant(str(at)), str(kind)) for r, at, kind in rows
        ]

    def outbox_message(self, message_id: str) -> OutboxRecord | None:
        """What mailflow queued with this Message-ID, sent or not (or nothing)."""
        row = self._db.execute(
            "SELECT id, enquiry_id, kind, recipients, created_at FROM outbox"
            " WHERE message_id = ?",
            (message_id,),
        ).fetchone()
        if row is None:
            return None
        return OutboxRecord(
            id=int(row[0]),
            enquiry_id=None if row[1] is None else int(row[1]),
            kind=str(row[2]),
            recipients=tuple(json.loads(row[3])),
            queued_at=_instant(str(row[4])),
        )

    def outbox_recipients(self, message_id: str) -> tuple[str, ...]:
        """Whom mailflow addressed the message with this Message-ID (or nobody)."""
        row = self._db.execute(
            "SELECT recipients FROM outbox WHERE message_id = ?", (message_id,)
        ).fetchone()
        return () if row is None else tuple(json.loads(row[0]))

    def mark_undeliverable(self, address: str, now: datetime) -> None:
        """A bounce said mail to `address` cannot be delivered (kept as a keyed hash)."""
        self._db.execute(
            "INSERT OR IGNORE INTO undeliverable (digest, since) VALUES (?, ?)",
            (self._digest(address), _iso(now)),
        )

    def is_undeliverable(self, address: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM undeliverable WHERE digest = ?", (self._digest(address),)
        ).fetchone()
        return row is not None

    def clear_undeliverable(self, address: str) -> None:
        self._db.execute(
            "DELETE FROM undeliverable WHERE digest = ?", (self._digest(address),)
        )

    def drop_pending_to(self, address: str) -> int:
        """Drop every message still waiting to go to `address`; how many."""
        rows = self._db.execute(
            "UPDATE outbox SET status = 'dropped' WHERE status = 'pending'"
            " AND EXISTS (SELECT 1 FROM json_each(outbox.recipients)"
            " WHERE lower(json_each.value) = lower(?)) RETURNING id",
            (address,),
        ).fetchall()
        self._drop_bodies([int(row[0]) for row in rows])
        return len(rows)

    def withdraw_letters(self, enquiry_id: int, therapist: str) -> int:
        """Drop the enquiry's letters of the conversation (`WITHDRAWN_KINDS`)
        still waiting to go to the person; how many. Nothing to the therapist,
        never the safety message, and never a letter about a booked call (its
        confirmation, reminder or cancellation, with their calendar parts)."""
        marks = ",".join("?" * len(WITHDRAWN_KINDS))
        rows = self._db.execute(
            "UPDATE outbox SET status = 'dropped' WHERE enquiry_id = ?"
            f" AND status = 'pending' AND kind IN ({marks})"
            " AND NOT EXISTS (SELECT 1 FROM json_each(outbox.recipients)"
            " WHERE lower(json_each.value) = lower(?)) RETURNING id",
            (enquiry_id, *sorted(WITHDRAWN_KINDS), therapist),
        ).fetchall()
        self._drop_bodies([int(row[0]) for row in rows])
        return len(rows)

    def _drop_bodies(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self._db.execute(
                f"DELETE FROM outbox_bodies WHERE outbox_id IN ({marks})", chunk
            )

    def note_attempt(self, outgoing_id: int) -> None:
        """The last write before a message goes out, synced to disk with every
        commit before it (the decision that queued the message): no power cut
        forgets a decision whose message has left."""
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (outgoing_id,)
        )
        self.sync()

    def mark_sent(self, outgoing_id: int, now: datetime) -> None:
        """The server's 250, synced: a message recorded as sent never goes again."""
        self._db.execute(_MARK_SENT, (_iso(now), outgoing_id))
        self.sync()

    def sync(self) -> None:
        """Every commit so far on disk, before the world hears of it: one fsync
        of the write-ahead log (what synchronous=FULL does at every commit).
        Inside a transaction, nothing: its own commit is not made yet."""
        if self._db.in_transaction:
            return
        _sync_log(self._db)

    def sent_marker(self) -> SentMarker | None:
        """`mark_sent` for another thread, on a connection of its own (None in
        memory): a letter handed over from the worker is recorded as sent the
        moment its 250 comes, outside whatever this connection is deciding."""
        name = self._db.execute("PRAGMA database_list").fetchone()[2]
        return SentMarker(str(name)) if name else None

    def mark_done(self, outgoing_id: int) -> None:
        """Handed over and filed: drop the body, keep the Message-ID (exactly once)."""
        self._db.execute(
            "UPDATE outbox SET status = 'done' WHERE id = ?", (outgoing_id,)
        )
        self._db.execute(
            "DELETE FROM outbox_bodies WHERE outbox_id = ?", (outgoing_id,)
        )

    def mark_failed(self, outgoing_id: int, status: str = "failed") -> None:
        """Failed for good (or 'dropped': overtaken by events before it went out)."""
        self._db.execute(
            "UPDATE outbox SET status = ? WHERE id = ?", (status, outgoing_id)
        )
        self._db.execute(
            "DELETE FROM outbox_bodies WHERE outbox_id = ?", (outgoing_id,)
        )

    def forget_outgoing(self, outgoing_id: int) -> None:
        """A message never handed over, taken out of the outbox as if never
        queued (the note that tested a refusal: `Outbox._policy_refused`)."""
        gone = self._db.execute(
            "DELETE FROM outbox WHERE id = ? AND status = 'pending'", (outgoing_id,)
        )
        if gone.rowcount:
            self._db.execute(
                "DELETE FROM outbox_bodies WHERE outbox_id = ?", (outgoing_id,)
            )

    def message_ids_to(self, enquiry_id: int, address: str) -> set[str]:
        """Message-IDs of what mailflow wrote to `address` about this enquiry."""
        rows = self._db.execute(
            "SELECT message_id, recipients FROM outbox WHERE enquiry_id = ?",
            (enquiry_id,),
        ).fetchall()
        return {str(row[0]) for row in rows if address in json.loads(row[1])}

    def last_queued(self, enquiry_id: int, kind: str) -> datetime | None:
        """When mailflow last queued a letter of `kind` about this enquiry."""
        row = self._db.execute(
            "SELECT MAX(created_at) FROM outbox WHERE enquiry_id = ? AND kind = ?",
            (enquiry_id, kind),
        ).fetchone()
        return None if row is None or row[0] is None else _instant(row[0])

    def outgoing_id(self, message_id: str) -> int | None:
        """The outbox id of the message with this Message-ID, if queued."""
        row = self._db.execute(
            "SELECT id FROM outbox WHERE message_id = ?", (message_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def kind_of(self, message_id: str) -> str | None:
        """What kind of letter mailflow sent with this Message-ID, if it did."""
        row = self._db.execute(
            "SELECT kind FROM outbox WHERE message_id = ?", (message_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def our_messages(self, message_ids: set[str]) -> set[str]:
        """Those of `message_ids` that mailflow sent (a batch of Sent at once)."""
        return self._present("outbox", message_ids)

    def owned_thread_ids(self, message_ids: set[str]) -> set[str]:
        """Those of `message_ids` in a thread an enquiry owns."""
        return self._present("thread_ids", message_ids)

    def _present(
        self, table: Literal["outbox", "thread_ids"], message_ids: set[str]
    ) -> set[str]:
        """Those of `message_ids` in `table`, asked in parts of _PARAMETERS."""
        found: set[str] = set()
        wanted = sorted(message_ids)
        for start in range(0, len(wanted), _PARAMETERS):
            part = wanted[start : start + _PARAMETERS]
            marks = ",".join("?" * len(part))
            found.update(
                str(row[0])
                for row in self._db.execute(
                    f"SELECT message_id FROM {table} WHERE message_id IN ({marks})",
                    part,
                )
            )
        return found

    def is_our_message(self, message_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM outbox WHERE message_id = ?", (message_id,)
        ).fetchone()
        return row is not None

    def upcoming_calls(self) -> list[tuple[int, str, datetime]]:
        rows = self._db.execute(
            "SELECT enquiry_id, status, start_at FROM calls"
            " WHERE status IN ('held', 'booked') ORDER BY start_at"
        ).fetchall()
        return [(int(a), str(b), _instant(c)) for a, b, c in rows]

    def counts_by_state(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) FROM enquiries GROUP BY state ORDER BY state"
        ).fetchall()
        return {str(state): int(n) for state, n in rows}

    def work_waiting(self) -> bool:
        """Whether a letter waits to be sent or filed, or a calendar write to be
        made: then the next run must be a whole one (`mailflow.shell.quiet`)."""
        row = self._db.execute(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sent'))"
            " OR EXISTS (SELECT 1 FROM calendar_ops WHERE status = 'pending')"
        ).fetchone()
        return bool(row[0])

    def outbox_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status"
        ).fetchall()
        return {str(status): int(n) for status, n in rows}

    # -- privacy: retention, access, erasure (rules in mailflow/shell/privacy.py) --

    def _next_enquiry_id(self) -> int:
        """Ids are never reused after a purge: Message-IDs and .ics UIDs derive from them."""
        row = self._db.execute(
            "SELECT MAX(COALESCE((SELECT MAX(id) FROM enquiries), 0),"
            " CAST(COALESCE((SELECT value FROM meta WHERE key = 'enquiry_id_floor'),"
            " '0') AS INTEGER)) + 1"
        ).fetchone()
        return int(row[0])

    def ended_enquiry_ids(
        self, states: frozenset[str], *, idle_before: datetime, now: datetime
    ) -> list[int]:
        """Enquiries in `states`, unchanged since `idle_before`, with no call still ahead."""
        marks = ",".join("?" * len(states))
        rows = self._db.execute(
            f"SELECT id FROM enquiries WHERE state IN ({marks}) AND updated_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.enquiry_id = enquiries.id"
            " AND calls.status = 'booked' AND calls.end_at > ?) ORDER BY id",
            (*sorted(states), _iso(idle_before), _iso(now)),
        ).fetchall()
        return [int(row[0]) for row in rows]

    def delete_enquiries(self, ids: list[int]) -> None:
        """Delete enquiries with their offers, calls and thread ids; keep only the
        outbox Message-IDs (no body, no recipients), so what was decided stays once."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self._db.execute(
                "DELETE FROM outbox_bodies WHERE outbox_id IN"
                f" (SELECT id FROM outbox WHERE enquiry_id IN ({marks}))",
                chunk,
            )
            self._db.execute(
                "UPDATE outbox SET recipients = '[]', expects = NULL,"
                " enquiry_id = NULL, status = CASE status WHEN 'pending' THEN 'dropped'"
                f" WHEN 'sent' THEN 'done' ELSE status END WHERE enquiry_id IN ({marks})",
                chunk,
            )
            for table in ("offers", "calls", "thread_ids"):
                self._db.execute(
                    f"DELETE FROM {table} WHERE enquiry_id IN ({marks})",
                    chunk,
                )
            # A calendar write still waiting (the server down past retention)
            # holds the event's name and number: it goes with the enquiry.
            self._db.execute(
                "UPDATE calendar_ops SET ics = NULL, enquiry_id = NULL,"
                " status = CASE status WHEN 'pending' THEN CASE action"
                " WHEN 'delete' THEN 'pending' ELSE 'done' END ELSE status END"
                f" WHERE enquiry_id IN ({marks})",
                chunk,
            )
            self._db.execute(f"DELETE FROM enquiries WHERE id IN ({marks})", chunk)
            self._db.execute(
                f"DELETE FROM meta WHERE key IN ({marks})",
                [words_key(i) for i in chunk],
            )
        if ids:
            floor = int(self.get_meta("enquiry_id_floor") or 0)
            self.set_meta("enquiry_id_floor", str(max(floor, *ids)))

    def enquiry_ids_for(self, address: str) -> list[int]:
        rows = self._db.execute(
            "SELECT id FROM enquiries WHERE lower(email) = lower(?) ORDER BY id",
            (address,),
        ).fetchall()
        return [int(row[0]) for row in rows]

    def booked_calls_after(
        self, ids: list[int], now: datetime
    ) -> list[tuple[int, datetime]]:
        """(enquiry id, start) of booked calls among `ids` that have not ended yet."""
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._db.execute(
                "SELECT enquiry_id, start_at FROM calls WHERE status = 'booked'"
                f" AND end_at > ? AND enquiry_id IN ({marks}) ORDER BY start_at",
                (_iso(now), *chunk),
            ).fetchall()
        return [(int(a), _instant(str(b))) for a, b in rows]

    def scrub_outbox_to(self, address: str) -> int:
        """Drop body and recipients of every outbox row addressed to `address`."""
        rows = self._db.execute(
            "UPDATE outbox SET recipients = '[]', expects = NULL,"
            " status = CASE status WHEN 'pending' THEN 'dropped'"
            " WHEN 'sent' THEN 'done' ELSE status END"
            " WHERE EXISTS (SELECT 1 FROM json_each(outbox.recipients)"
            " WHERE lower(json_each.value) = lower(?)) RETURNING id",
            (address,),
        ).fetchall()
        self._drop_bodies([int(row[0]) for row in rows])
        return len(rows)

    def forget_contact(self, address: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM contacts WHERE digest = ?", (self._digest(address),)
        )
        return cursor.rowcount > 0

    def export_enquiry(self, enquiry_id: int) -> dict[str, object] | None:
        """Everything stored about one enquiry, as plain JSON-ready data."""
        found = self._records("SELECT * FROM enquiries WHERE id = ?", (enquiry_id,))
        if not found:
            return None
        enquiry = found[0]
        for key in ("owed_at", "owed_from"):  # the clock's bookkeeping, not theirs
            enquiry.pop(key, None)
        for key in ("preference", "last_references"):
            if isinstance(enquiry.get(key), str):
                enquiry[key] = json.loads(str(enquiry[key]))
        outbox = self._records(
            "SELECT message_id, kind, sender, recipients, status, attempts,"
            " created_at, sent_at, raw FROM outbox LEFT JOIN outbox_bodies"
            " ON outbox_id = id WHERE enquiry_id = ? ORDER BY id",
            (enquiry_id,),
        )
        for row in outbox:
            row["recipients"] = json.loads(str(row["recipients"]))
            raw = row.pop("raw")
            row["message"] = (
                raw.decode("utf-8", "replace") if isinstance(raw, bytes) else None
            )
        calls = self._records("SELECT * FROM calls WHERE enquiry_id = ?", (enquiry_id,))
        return {
            "enquiry": enquiry,
            "offers": self._records(
                "SELECT number, start_at, end_at FROM offers WHERE enquiry_id = ?"
                " ORDER BY number",
                (enquiry_id,),
            ),
            "call": calls[0] if calls else None,
            "thread_message_ids": [
                row["message_id"]
                for row in self._records(
                    "SELECT message_id FROM thread_ids WHERE enquiry_id = ?"
                    " ORDER BY message_id",
                    (enquiry_id,),
                )
            ],
            "messages": outbox,
            "is_contact": self.is_contact(str(enquiry["email"])),
        }

    def _records(
        self, sql: str, parameters: tuple[object, ...]
    ) -> list[dict[str, object]]:
        cursor = self._db.execute(sql, parameters)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- the calendar's outbox (rules in mailflow/shell/caldav_sync.py) -------------

    def queue_calendar(
        self,
        *,
        enquiry_id: int | None,
        uid: str,
        action: str,
        sequence: int,
        ics: bytes | None,
        now: datetime,
    ) -> bool:
        """Queue a calendar write once per (UID, SEQUENCE, action), inside the
        caller's transaction; False when it was already queued."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO calendar_ops (enquiry_id, uid, action, sequence,"
            " ics, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (enquiry_id, uid, action, sequence, ics, _iso(now)),
        )
        return cursor.rowcount == 1

    def calendar_due(self, now: datetime) -> list[CalendarOp]:
        """Per event, the newest pending write (it supersedes the older ones),
        unless it waits for a retry; oldest event first."""
        rows = self._db.execute(
            "SELECT id, enquiry_id, uid, action, sequence, ics, attempts"
            " FROM calendar_ops WHERE id IN (SELECT MAX(id) FROM calendar_ops"
            " WHERE status = 'pending' GROUP BY uid)"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id",
            (_iso(now),),
        ).fetchall()
        return [
            CalendarOp(
                id=int(row[0]),
                enquiry_id=row[1],
                uid=str(row[2]),
                action=str(row[3]),
                sequence=int(row[4]),
                ics=None if row[5] is None else bytes(row[5]),
                attempts=int(row[6]),
            )
            for row in rows
        ]

    def calendar_written(self, op: CalendarOp, now: datetime) -> None:
        """The server has `op` (and so everything older for its event): done,
        and the event's text (a name, a number) is dropped."""
        self._db.execute(
            "UPDATE calendar_ops SET status = 'done', ics = NULL, done_at = ?"
            " WHERE uid = ? AND id <= ? AND status = 'pending'",
            (_iso(now), op.uid, op.id),
        )

    def calendar_failed(
        self, op: CalendarOp, now: datetime, retry_at: datetime
    ) -> None:
        self._db.execute(
            "UPDATE calendar_ops SET attempts = attempts + 1, next_attempt_at = ?,"
            " first_failed_at = COALESCE(first_failed_at, ?) WHERE id = ?",
            (_iso(retry_at), _iso(now), op.id),
        )

    def calendar_waiting(self) -> int:
        """Events whose newest write has not reached the calendar yet."""
        row = self._db.execute(
            "SELECT COUNT(DISTINCT uid) FROM calendar_ops WHERE status = 'pending'"
        ).fetchone()
        return int(row[0])

    def calendar_failing_since(self) -> datetime | None:
        """When the oldest write still waiting first failed (None: none failed)."""
        row = self._db.execute(
            "SELECT MIN(first_failed_at) FROM calendar_ops WHERE status = 'pending'"
        ).fetchone()
        return _maybe_instant(row[0])

    def unwrite_calendar(self, enquiry_ids: list[int], now: datetime) -> int:
        """Queue the removal of every event written for these enquiries that is
        still in the calendar (an erasure); how many. Pending writes of them are
        superseded and lose their text."""
        removed = 0
        for enquiry_id in enquiry_ids:
            rows = self._db.execute(
                "SELECT uid, MAX(sequence), SUM(action = 'delete') FROM calendar_ops"
                " WHERE enquiry_id = ? GROUP BY uid",
                (enquiry_id,),
            ).fetchall()
            for uid, sequence, deleted in rows:
                self._db.execute(
                    "UPDATE calendar_ops SET ics = NULL, status = 'done', done_at = ?"
                    " WHERE uid = ? AND status = 'pending' AND action != 'delete'",
                    (_iso(now), uid),
                )
                if not deleted:
                    removed += self.queue_calendar(
                        enquiry_id=None,
                        uid=str(uid),
                        action="delete",
                        sequence=int(sequence) + 1,
                        ics=None,
                        now=now,
                    )
        return removed


_DECIDED = (
    "state",
    "phone",
    "first_message",
    "clarified",
    "approval_round",
    "preapproved_start_at",
    "counter_start_at",
    "offered_at",
    "nudged_at",
    "reminded_at",
    "followed_up_at",
    "followup_nudged_at",
    "hold_reminded_at",
    "move_asked_at",
    "closed_reason",
    "closed_at",
    "risk",
    "safety_note",
    "asked",
)
"""The record's fields a decision may change (`decide.advance`)."""

_THREADING = ("last_message_id", "last_references", "offers_message_id")
"""Where the thread stands (`note_thread`): facts of what was sent, not decisions."""

_IDENTITY = (
    "email",
    "name",
    "subject",
    "request_message_id",
    "created_at",
    "updated_at",
    "sender_offset_minutes",
    "sender_seen_at",
)
"""Facts of the first mail, written once when the enquiry is opened."""


def _column_value(value: object) -> object:
    """A record's field as its column holds it."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return int(value)
    return value


_TIMED = tuple(sorted({*OPEN_STATES, State.ASKED}))
"""States the clock still owes something: open ones, and a note to the therapist."""

_ENQUIRY_COLUMNS = (
    "id, state, email, name, phone, subject, request_message_id, crisis, created_at,"
    " sender_offset_minutes, first_message, last_message_id, last_references,"
    " clarified, approval_round, preapproved_start_at, counter_start_at,"
    " offered_at, nudged_at, reminded_at, followed_up_at, followup_nudged_at,"
    " closed_reason, updated_at, hold_reminded_at, move_asked_at, offers_message_id,"
    " risk, safety_note, closed_at, sender_seen_at, asked"
)


def _window(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    """Bounds for comparing stored instants (UTC ISO text sorts as time does);
    an open end compares below (or above) every instant."""
    return (
        "" if since is None else _iso(since),
        "~" if until is None else _iso(until),
    )


class SentMarker:
    """Records 250s from the thread that received them (`Store.sent_marker`).

    Its connection opens at the first mark; a commit of its own, never part
    of a decision the main connection may still roll back."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None

    def __call__(self, outgoing_id: int, now: datetime) -> None:
        """The server's 250, committed and synced, as `Store.mark_sent`."""
        if self._db is None:
            db = _connect(self._path)
            (mode,) = db.execute("PRAGMA journal_mode").fetchone()
            _settle(db, wal=str(mode).lower() == "wal")
            self._db = db
        self._db.execute(_MARK_SENT, (_iso(now), outgoing_id))
        _sync_log(self._db)

    def close(self) -> None:
        """Its connection closed (the worker is done with it)."""
        if self._db is not None:
            self._db.close()
            self._db = None


_MARK_SENT: Final = "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?"
"""A 250 recorded (`Store.mark_sent`, `SentMarker`)."""


def _connect(path: str) -> sqlite3.Connection:
    """A connection to the database file, usable from any one thread."""
    return sqlite3.connect(
        path, timeout=30, isolation_level=None, check_same_thread=False
    )


def _settle(db: sqlite3.Connection, *, wal: bool) -> None:
    """What every connection of ours writes under (each is per connection)."""
    # No fsync per commit (one per handed-over message: `sync`): a commit
    # costs microseconds instead of a disk flush, several on the way from a
    # mail to its reply (#13). Only in WAL: where the file system refuses it,
    # NORMAL could lose a commit, so FULL.
    db.execute(f"PRAGMA synchronous={'NORMAL' if wal else 'FULL'}")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    # Deleted or rewritten client data is overwritten, not left in free
    # space (the default varies between SQLite builds).
    db.execute("PRAGMA secure_delete=ON")


def _sync_log(db: sqlite3.Connection) -> None:
    """One fsync of the database's write-ahead log (see `Store.sync`)."""
    name = db.execute("PRAGMA database_list").fetchone()[2]
    if not name:
        return  # in memory (a dry run)
    try:
        fd = os.open(f"{name}-wal", os.O_RDONLY)
    except FileNotFoundError:
        return  # no log: every commit was checkpointed, which syncs
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_OUTGOING_COLUMNS = (
    "id, message_id, enquiry_id, kind, sender, recipients, raw, status,"
    " attempts, needs_copy, expects, deferrals, next_attempt_at"
)


def _outgoing(row: sqlite3.Row) -> OutgoingMail:
    return OutgoingMail(
        id=row[0],
        message_id=row[1],
        enquiry_id=row[2],
        kind=row[3],
        sender=row[4],
        recipients=tuple(json.loads(row[5])),
        raw=bytes(row[6]),
        status=row[7],
        attempts=row[8],
        needs_copy=bool(row[9]),
        expects=None if row[10] is None else json.loads(row[10]),
        deferrals=int(row[11]),
        next_attempt_at=_maybe_instant(row[12]),
    )


def _maybe_instant(value: object) -> datetime | None:
    return None if value is None else _instant(str(value))


def _enquiry(row: sqlite3.Row) -> Enquiry:
    return Enquiry(
        id=int(row[0]),
        state=State(row[1]),
        email=str(row[2]),
        name=str(row[3]),
        phone=row[4],
        subject=str(row[5]),
        request_message_id=row[6],
        crisis=bool(row[7]),
        created_at=_instant(str(row[8])),
        sender_offset_minutes=row[9],
        first_message=row[10],
        last_message_id=row[11],
        last_references=tuple(json.loads(row[12] or "[]")),
        clarified=bool(row[13]),
        approval_round=int(row[14]),
        preapproved_start_at=None if row[15] is None else _instant(str(row[15])),
        counter_start_at=_maybe_instant(row[16]),
        offered_at=_maybe_instant(row[17]),
        nudged_at=_maybe_instant(row[18]),
        reminded_at=_maybe_instant(row[19]),
        followed_up_at=_maybe_instant(row[20]),
        followup_nudged_at=_maybe_instant(row[21]),
        closed_reason=ClosedReason(row[22]) if row[22] else None,
        updated_at=_instant(str(row[23])),
        hold_reminded_at=_maybe_instant(row[24]),
        move_asked_at=_maybe_instant(row[25]),
        offers_message_id=row[26],
        risk=str(row[27]),
        safety_note=row[28],
        closed_at=_maybe_instant(row[29]),
        sender_seen_at=_maybe_instant(row[30]),
        asked=bool(row[31]),
    )


def _call(row: sqlite3.Row) -> Call:
    return Call(
        enquiry_id=int(row[0]),
        status=str(row[1]),
        start_at=_instant(str(row[2])),
        end_at=_instant(str(row[3])),
        uid=row[4],
        sequence=int(row[5]),
        partstat=row[6],
        held_at=_maybe_instant(row[7]),
    )
