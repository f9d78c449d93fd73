"""Schema migrations: every earlier database opens, upgrades in place, loses nothing.

Version 1 is frozen in tests/fixtures/schema_v1.sql, taken from git history
(commit 9f32045, the schema before columns were added by hand): what existing
installs have. Where the repository's history is at hand, the stores of every
earlier commit make the databases themselves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from support import absent, answer, request, run, write_config

from mailflow.cli import main
from mailflow.errors import StoreError
from mailflow.shell import migrations
from mailflow.shell.store import Store

REPO = Path(__file__).resolve().parents[1]
SCHEMA_V1 = Path(__file__).with_name("fixtures") / "schema_v1.sql"
V1_COMMIT = "9f32045"
"""The last commit whose store created exactly schema 1 and added nothing by hand."""

EVERY_VERSION_1 = (
    "dbc8b5f",  # the first commit with the version-1 schema
    V1_COMMIT,
    "305164d",  # _ADDED_COLUMNS appears: outbox retries, undeliverable
    "ee7a04c",  # hold reminders
    "024ab48",  # move reminders
    "1799447",  # the list a numbered answer refers to
    "62fac54",  # risk and safety note, also written into CREATE TABLE
    "a992f3b",  # the last store before user_version was counted
)
"""Stores that all wrote 'schema' = '1' but made different tables (an earlier
work-in-progress layout, before dbc8b5f, was never released)."""

NOW = "2026-11-25T09:00:00+00:00"
SECRET = "ab" * 32


# -- helpers ---------------------------------------------------------------------


def schema(path: Path) -> list[tuple[str, str, str, str]]:
    """sqlite_master as it stands: (type, name, table, SQL), sorted."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master"
            " ORDER BY type, name"
        ).fetchall()
    finally:
        db.close()
    return [tuple(map(str, row)) for row in rows]  # type: ignore[misc]


def columns(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Each table's columns (name, type, not null, default, key), by name."""
    db = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: sorted(
                tuple(row[1:]) for row in db.execute(f"PRAGMA table_info({table})")
            )
            for table in sorted(tables)
        }
    finally:
        db.close()


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh" / "mailflow.sqlite3"
    Store.open(path).close()
    return path


def version_1(path: Path) -> sqlite3.Connection:
    """A database as the version-1 store left it: the frozen schema, 'schema' = '1',
    user_version never set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA_V1.read_text(encoding="utf-8"))
    db.execute("INSERT INTO meta (key, value) VALUES ('schema', '1')")
    return db


def git(*args: str) -> bytes:
    """Old code from the repository's history. A shallow clone has none to give
    (the frozen version-1 schema above still tests the upgrade there); in a full
    clone a failure here is a failure, under CI as anywhere."""
    try:
        return subprocess.run(
            ["git", "-C", str(REPO), *args], check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        shallow = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"],
            capture_output=True,
            text=True,
        )
        if shallow.stdout.strip() == "true":
            pytest.skip("a shallow clone holds no history to run old code from")
        absent(f"the repository's history is needed ({exc})")


def old_store(commit: str, tmp_path: Path):
    """The Store class of `commit`'s mailflow/store.py (it imports only errors and
    model, which keep what it used)."""
    source = tmp_path / f"store_{commit}.py"
    source.write_bytes(git("show", f"{commit}:mailflow/store.py"))
    name = f"_mailflow_store_{commit}"
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module.Store


# -- the registry ------------------------------------------------------------------


def test_the_first_migration_is_the_frozen_version_1_schema():
    """Never edit a shipped migration: version 1 stays what installs have."""
    assert "\n" + SCHEMA_V1.read_text(encoding="utf-8") == migrations._V1
    assert (
        git("show", f"{V1_COMMIT}:mailflow/store.py")
        .decode()
        .count('_SCHEMA = """' + migrations._V1 + '"""')
        == 1
    )


def test_a_fresh_database_is_at_the_newest_version(tmp_path):
    path = fresh(tmp_path)
    assert user_version(path) == migrations.LATEST == 9
    with Store.open(path) as store:
        assert store.get_meta("schema") == str(migrations.LATEST)


def test_fresh_and_upgraded_version_1_have_the_same_schema(tmp_path):
    path = tmp_path / "old" / "mailflow.sqlite3"
    version_1(path).close()
    Store.open(path).close()
    assert user_version(path) == migrations.LATEST
    assert schema(path) == schema(fresh(tmp_path))


def test_opening_again_changes_nothing(tmp_path):
    path = fresh(tmp_path)
    before = schema(path)
    Store.open(path).close()
    assert schema(path) == before


@pytest.mark.parametrize("commit", EVERY_VERSION_1)
def test_a_database_made_by_any_version_1_store_upgrades(tmp_path, commit):
    """Each store that wrote 'schema' = '1' made its own tables (some added the new
    columns itself): all reach the same columns, and 9f32045's the same SQL."""
    path = tmp_path / "old" / "mailflow.sqlite3"
    old_store(commit, tmp_path).open(path).close()
    assert user_version(path) == 0
    with Store.open(path) as store:
        assert store.get_meta("schema") == str(migrations.LATEST)
    assert user_version(path) == migrations.LATEST
    assert columns(path) == columns(fresh(tmp_path))
    if commit == V1_COMMIT:
        assert schema(path) == schema(fresh(tmp_path))


def test_a_version_1_database_mid_conversation_upgrades_in_place(tmp_path):
    """One enquiry booked, one offered with a held pick waiting for approval, the
    letters already sent, the mail already seen: all of it survives the upgrade."""
    path = tmp_path / "var" / "mailflow.sqlite3"
    db = version_1(path)
    for key, value in (
        ("secret", SECRET),
        ("folder:INBOX", json.dumps({"uidvalidity": 7, "uidnext": 5})),
    ):
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
    for uid, outcome in ((1, "request"), (2, "request"), (3, "pick"), (4, "approve")):
        db.execute(
            "INSERT INTO seen VALUES (7, ?, ?, ?, ?)",
            (uid, f"<m{uid}@client.example>", outcome, NOW),
        )
    db.execute(
        "INSERT INTO enquiries (id, state, email, name, phone, subject,"
        " request_message_id, last_message_id, last_references, approval_round,"
        " offered_at, created_at, updated_at) VALUES (1, 'booked',"
        " 'jordan@example.org', 'Jordan Lee', '+447700900123', 'Free call',"
        " '<m1@client.example>', '<mailflow.c1@riverside.example>',"
        " '[\"<m1@client.example>\"]', 1, ?, ?, ?)",
        (NOW, NOW, NOW),
    )
    db.execute(
        "INSERT INTO enquiries (id, state, email, name, subject, approval_round,"
        " offered_at, created_at, updated_at) VALUES (2, 'held',"
        " 'robin@example.com', 'Robin', 'Hello', 1, ?, ?, ?)",
        (NOW, NOW, NOW),
    )
    db.executemany(
        "INSERT INTO offers VALUES (2, ?, ?, ?)",
        [
            (n, f"2026-12-0{n}T10:00:00+00:00", f"2026-12-0{n}T10:15:00+00:00")
            for n in (1, 2)
        ],
    )
    db.execute(
        "INSERT INTO calls VALUES (1, 'booked', '2026-11-30T10:00:00+00:00',"
        " '2026-11-30T10:15:00+00:00', 'b1@riverside.example', 0, NULL, ?, ?)",
        (NOW, NOW),
    )
    db.execute(
        "INSERT INTO calls (enquiry_id, status, start_at, end_at, held_at) VALUES"
        " (2, 'held', '2026-12-01T10:00:00+00:00', '2026-12-01T10:15:00+00:00', ?)",
        (NOW,),
    )
    letters = [
        ("<mailflow.o1@riverside.example>", 1, "offer", "jordan@example.org", "done"),
        (
            "<mailflow.a1@riverside.example>",
            1,
            "approval_request",
            "sam@r.example",
            "done",
        ),
        (
            "<mailflow.c1@riverside.example>",
            1,
            "confirmation",
            "jordan@example.org",
            "sent",
        ),
        ("<mailflow.o2@riverside.example>", 2, "offer", "robin@example.com", "done"),
        (
            "<mailflow.a2@riverside.example>",
            2,
            "approval_request",
            "sam@r.example",
            "pending",
        ),
    ]
    for message_id, enquiry, kind, to, status in letters:
        db.execute(
            "INSERT INTO outbox (message_id, enquiry_id, kind, sender, recipients, raw,"
            " status, attempts, needs_copy, created_at, sent_at) VALUES"
            " (?, ?, ?, 'hello@riverside.example', ?, ?, ?, ?, 1, ?, ?)",
            (
                message_id,
                enquiry,
                kind,
                json.dumps([to]),
                None if status == "done" else b"raw " + message_id.encode(),
                status,
                0 if status == "pending" else 1,
                NOW,
                None if status == "pending" else NOW,
            ),
        )
        db.execute("INSERT INTO thread_ids VALUES (?, ?)", (message_id, enquiry))
    db.execute("INSERT INTO contacts VALUES ('d1')")
    db.execute("INSERT INTO answered_by_hand VALUES ('<hand@riverside.example>')")
    db.close()
    db = sqlite3.connect(path)
    before = {
        table: db.execute(f"SELECT * FROM {table}").fetchall()
        for table in columns(path)
    }
    old_columns = {
        table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        for table in before
    }
    db.close()

    with Store.open(path) as store:
        assert user_version(path) == migrations.LATEST
        assert store.secret() == bytes.fromhex(SECRET)
        assert store.is_seen(7, 4, "<other@x>")
        booked = store.enquiry(1)
        assert booked is not None
        assert (booked.state, booked.phone, booked.last_references) == (
            "booked",
            "+447700900123",
            ("<m1@client.example>",),
        )
        # The new columns, with their defaults.
        assert (booked.risk, booked.safety_note, booked.hold_reminded_at) == (
            "none",
            None,
            None,
        )
        assert (booked.move_asked_at, booked.offers_message_id) == (None, None)
        held = store.call(2)
        assert held is not None
        assert (held.status, held.uid) == ("held", None)
        assert store.call(1).uid == "b1@riverside.example"  # type: ignore[union-attr]
        waiting = store.pending()
        assert [
            (m.message_id, m.status, m.deferrals, m.next_attempt_at) for m in waiting
        ] == [
            ("<mailflow.c1@riverside.example>", "sent", 0, None),
            ("<mailflow.a2@riverside.example>", "pending", 0, None),
        ]
        assert store.is_our_message("<mailflow.o1@riverside.example>")
        assert not store.is_undeliverable("robin@example.com")
        # Rows intact: every old column of every old row, as it was (the
        # outbox bodies moved to their own table in version 3).
        for table, rows in before.items():
            names = old_columns[table]
            if table == "outbox":
                names = [n for n in names if n != "raw"]
            after = store._db.execute(
                f"SELECT {', '.join(names)} FROM {table}"
            ).fetchall()
            rows = [
                tuple(
                    v for n, v in zip(old_columns[table], r, strict=True) if n in names
                )
                for r in rows
            ]
            if table == "meta":
                rows = [r for r in rows if r[0] != "schema"]
                after = [r for r in after if r[0] != "schema"]
            assert after == rows, table
        bodies = dict(store._db.execute("SELECT outbox_id, raw FROM outbox_bodies"))
        assert sorted(bytes(raw) for raw in bodies.values()) == [
            b"raw <mailflow.a2@riverside.example>",
            b"raw <mailflow.c1@riverside.example>",
        ]
        # And it works on: the new columns take values.
        with store.transaction():
            before = store.enquiry(2)
            assert before is not None
            store.save_enquiry(
                before,
                replace(before, risk="possible", safety_note="x"),
                datetime(2026, 11, 26, tzinfo=UTC),
            )
        assert store.enquiry(2).risk == "possible"  # type: ignore[union-attr]


# -- what is refused ---------------------------------------------------------------


def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = fresh(tmp_path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    db.commit()
    db.close()
    with pytest.raises(
        StoreError,
        match=rf"schema version {migrations.LATEST + 1}, newer than this mailflow",
    ):
        Store.open(path)
    assert user_version(path) == migrations.LATEST + 1  # left as it was


def test_a_newer_database_stops_the_command_line_like_any_store_error(tmp_path, capsys):
    path = fresh(tmp_path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    config = tmp_path / "mailflow.toml"
    config.write_text(
        f"""
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
timezone = "Europe/London"
[imap]
host = "127.0.0.1"
port = 1
security = "plain"
username = "hello@riverside.example"
password = "x"
[smtp]
host = "127.0.0.1"
port = 1
security = "plain"
username = "hello@riverside.example"
password = "x"
[storage]
database = "{path}"
""",
        encoding="utf-8",
    )
    assert main(["status", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert (
        f"schema version 99, newer than this mailflow knows (up to {migrations.LATEST})"
        in err
    )


def test_a_pre_version_database_claiming_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.sqlite3"
    db = version_1(path)
    db.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema'", (str(migrations.LATEST + 1),)
    )
    db.close()
    with pytest.raises(StoreError, match=f"schema version {migrations.LATEST + 1}"):
        Store.open(path)


def test_a_database_mailflow_did_not_make_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="tables mailflow did not make"):
        Store.open(path)


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path):
    """All steps run in one transaction: a failure part-way keeps none of them."""

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE enquiries ADD COLUMN note TEXT")
        raise sqlite3.OperationalError("disk I/O error")

    path = tmp_path / "m.sqlite3"
    version_1(path).close()
    before = schema(path)
    db = sqlite3.connect(path, isolation_level=None)
    registry = (*migrations.MIGRATIONS, broken)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(db, str(path), registry)
    assert not db.in_transaction
    db.close()
    assert schema(path) == before
    assert user_version(path) == 0
    Store.open(path).close()  # the real registry still upgrades it
    assert user_version(path) == migrations.LATEST


# -- an install upgraded mid-conversation, on the real servers -------------------


BEFORE_THE_RESHAPE = "e588a11"
"""Main as installs ran it before #8 reshaped the code (schema 1 plus columns)."""


def old_tree(tmp_path: Path, commit: str = V1_COMMIT) -> Path:
    """mailflow and its templates as they were at `commit`."""
    tree = tmp_path / "v1"
    tree.mkdir()
    archive = git("archive", commit, "mailflow", "templates")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_old(tree: Path, config: Path, now: datetime) -> None:
    """One `mailflow run` of the old code (this interpreter has its dependencies)."""
    script = (
        "import sys, mailflow, mailflow.cli\n"
        f"assert mailflow.__file__.startswith({str(tree)!r}), mailflow.__file__\n"
        "sys.exit(mailflow.cli.main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "run",
            "--config",
            str(config),
            "--now",
            now.isoformat(),
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def inbox(server, user) -> list[EmailMessage]:
    return [m.message() for m in server.messages(user)]


@pytest.mark.parametrize("commit", [V1_COMMIT, BEFORE_THE_RESHAPE])
def test_an_install_upgraded_mid_conversation_sends_nothing_twice(
    tmp_path, mail_server, mailboxes, commit
):
    """The version-1 code answers a request and asks the therapist to approve the
    pick; today's code takes the same database and config on: nobody gets a
    second copy of anything, and the therapist's yes books the call."""
    server, boxes = mail_server, mailboxes
    tree = old_tree(tmp_path, commit)
    config = write_config(tmp_path, server, boxes)
    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    server.deliver(
        request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice, sent_at=t0),
        boxes.practice,
    )
    run_old(tree, config, t0)
    (offer,) = inbox(server, boxes.person)
    assert offer["X-Mailflow"] == "offer"
    picked = t0 + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="1", sent_at=picked),
        boxes.practice,
    )
    run_old(tree, config, picked)
    database = tmp_path / "var" / "mailflow.sqlite3"
    assert user_version(database) == 0
    to_person = inbox(server, boxes.person)
    to_therapist = inbox(server, boxes.therapist)
    approval = next(m for m in to_therapist if m["X-Mailflow"] == "approval_request")
    sent_before = len(server.smtp_log)

    # Today's code, on the same database: the same moment and a little later.
    for moment in (picked, picked + timedelta(minutes=5), picked + timedelta(hours=2)):
        assert run(config, moment) == 0
    assert user_version(database) == migrations.LATEST
    assert len(server.smtp_log) == sent_before, "a letter went out again"
    assert ids(inbox(server, boxes.person)) == ids(to_person)
    assert ids(inbox(server, boxes.therapist)) == ids(to_therapist)

    # The therapist approves (answering the old code's request): booked.
    approved = picked + timedelta(hours=3)
    server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Yes",
            sent_at=approved,
        ),
        boxes.practice,
    )
    assert run(config, approved) == 0
    assert run(config, approved + timedelta(minutes=5)) == 0
    person_now = inbox(server, boxes.person)
    earlier = [m["X-Mailflow"] for m in to_person]
    later = [m["X-Mailflow"] for m in person_now[len(to_person) :]]
    assert earlier == ["offer", "held"]
    # The call is next day: its reminder comes at once, after the confirmation.
    assert later == ["confirmation", "reminder"]
    for mailbox in (person_now, inbox(server, boxes.therapist)):
        assert len(ids(mailbox)) == len(mailbox), "a Message-ID arrived twice"
    with Store.open(database) as store:
        (enquiry,) = store.enquiries()
        assert enquiry.state == "booked"


def ids(messages: list[EmailMessage]) -> set[str]:
    return {str(m["Message-ID"]) for m in messages}


def test_version_2_gains_the_calendar_queue_and_keeps_everything(tmp_path):
    """Version 2 to 3 adds only the CalDAV write queue: a version-2 database (made by
    the first two migrations) keeps its rows and reaches the fresh schema."""
    path = tmp_path / "v2" / "mailflow.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, str(path), migrations.MIGRATIONS[:2])
    db.execute("INSERT INTO meta (key, value) VALUES ('secret', ?)", (SECRET,))
    db.close()
    assert user_version(path) == 2
    with Store.open(path) as store:
        assert store.secret() == bytes.fromhex(SECRET)
        assert store.calendar_waiting() == 0
    assert user_version(path) == migrations.LATEST
    assert schema(path) == schema(fresh(tmp_path))


def test_version_3_gains_the_busy_feed_cache_and_keeps_its_data(tmp_path):
    """Migration 4: a table for what each busy calendar gave, keyed by a hash."""
    path = tmp_path / "m.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in migrations.MIGRATIONS[:3]:
        migration(db)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO meta (key, value) VALUES ('last_run_at', 'x')")
    db.close()
    with Store.open(path) as store:
        assert store.get_meta("last_run_at") == "x"
        assert store.busy_feed("k") is None
        store.set_busy_feed("k", "{}")
        store.set_busy_feed("k", "[]")
        assert store.busy_feed("k") == "[]"
    assert user_version(path) == migrations.LATEST


# -- version 2 to 3: indexes, lean outbox, a file that shrinks (#13) ---------------


def version_2(path: Path) -> sqlite3.Connection:
    """A database as the version-2 code left it: WAL, no auto_vacuum, bodies in
    the outbox (a sent one already NULL), no indexes but the keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    migrations.migrate(db, str(path), migrations.MIGRATIONS[:2])
    db.execute(
        "INSERT INTO enquiries (id, state, email, name, subject, created_at,"
        " updated_at) VALUES (1, 'offered', 'robin@example.com', 'Robin', 'Hi', ?, ?)",
        (NOW, NOW),
    )
    for n, (status, raw) in enumerate(
        (("done", None), ("pending", b"waiting body"), ("sent", b"sent body")), 1
    ):
        db.execute(
            "INSERT INTO outbox (id, message_id, enquiry_id, kind, sender, recipients,"
            " raw, status, needs_copy, created_at) VALUES (?, ?, 1, 'offer',"
            " 'hello@riverside.example', '[\"robin@example.com\"]', ?, ?, 1, ?)",
            (n, f"<m{n}@riverside.example>", raw, status, NOW),
        )
    return db


def test_version_2_upgrades_to_an_indexed_lean_incremental_file(tmp_path):
    path = tmp_path / "old" / "mailflow.sqlite3"
    db = version_2(path)
    assert db.execute("PRAGMA user_version").fetchone() == (2,)
    assert db.execute("PRAGMA auto_vacuum").fetchone() == (0,)
    db.close()
    with Store.open(path) as store:
        assert [(m.id, m.status, m.raw) for m in store.pending()] == [
            (2, "pending", b"waiting body"),
            (3, "sent", b"sent body"),
        ]
        assert store.is_our_message("<m1@riverside.example>")
        (mode,) = store._db.execute("PRAGMA auto_vacuum").fetchone()
        assert mode == migrations.INCREMENTAL  # the one VACUUM ran
        outbox = [r[1] for r in store._db.execute("PRAGMA table_info(outbox)")]
        assert "raw" not in outbox
    assert user_version(path) == migrations.LATEST
    assert schema(path) == schema(fresh(tmp_path))
    names = {row[1] for row in schema(path) if row[0] == "index"}
    assert {
        "thread_ids_enquiry",
        "outbox_enquiry",
        "outbox_status",
        "outbox_sent_at",
        "enquiries_state",
        "enquiries_email",
        "enquiries_request",
        "calls_status_end",
        "calls_uid",
    } <= names


def test_the_vacuum_runs_once(tmp_path, monkeypatch):
    path = tmp_path / "old" / "mailflow.sqlite3"
    version_2(path).close()
    vacuums: list[str] = []
    real = migrations._AFTER_COMMIT[5]
    monkeypatch.setitem(
        migrations._AFTER_COMMIT, 5, lambda db: (vacuums.append("v"), real(db))
    )
    Store.open(path).close()
    Store.open(path).close()
    assert vacuums == ["v"]


def test_version_6_gains_the_form_count_index_and_the_summary_uses_it(tmp_path):
    """Version 6 to 7 adds only a partial index over the seen table's form
    outcomes: the daily summary's count reads no other mail's row."""
    path = tmp_path / "v6" / "mailflow.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, str(path), migrations.MIGRATIONS[:6])
    db.close()
    assert user_version(path) == 6
    with Store.open(path) as store:
        (sql,) = store._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'seen_forms'"
        ).fetchone()
        assert "WHERE outcome IN ('form-alerted', 'form-unconfigured')" in sql
        plan = " ".join(
            str(row[3])
            for row in store._db.execute(
                "EXPLAIN QUERY PLAN SELECT outcome, COUNT(*) FROM seen"
                " WHERE outcome IN ('form-alerted', 'form-unconfigured')"
                " AND seen_at >= '2026' GROUP BY outcome"
            )
        )
        assert "seen_forms" in plan
    assert user_version(path) == migrations.LATEST
    assert schema(path) == schema(fresh(tmp_path))


def test_version_8_gains_the_question_told_flag_and_keeps_its_enquiries(tmp_path):
    """Version 8 to 9 adds only `enquiries.asked` (a question beside a pick
    reached the therapist): a stored enquiry keeps everything and starts
    without one; the flag is kept once a decision sets it."""
    path = tmp_path / "v8" / "mailflow.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, str(path), migrations.MIGRATIONS[:8])
    db.execute(
        "INSERT INTO enquiries (id, state, email, name, subject, created_at,"
        " updated_at, approval_round) VALUES (1, 'held', 'robin@example.com',"
        " 'Robin', 'Hi', ?, ?, 1)",
        (NOW, NOW),
    )
    db.close()
    assert user_version(path) == 8
    with Store.open(path) as store:
        before = store.enquiry(1)
        assert before is not None
        assert (before.state, before.email, before.approval_round) == (
            "held",
            "robin@example.com",
            1,
        )
        assert before.asked is False
        now = datetime.fromisoformat(NOW) + timedelta(hours=1)
        store.save_enquiry(before, replace(before, asked=True), now)
        after = store.enquiry(1)
        assert after is not None
        assert after.asked is True
        assert replace(after, asked=False, updated_at=before.updated_at) == before
    assert user_version(path) == migrations.LATEST
    assert schema(path) == schema(fresh(tmp_path))
    (flag,) = [c for c in columns(path)["enquiries"] if c[0] == "asked"]
    assert flag == ("asked", "INTEGER", 1, "0", 0)
