"""The clock's work follows what is due, not the history (#13).

A run keeps each open enquiry's next owed moment (`enquiries.owed_at`,
worked out from `owed_from` on) and looks only at the enquiries whose moment
has come. These tests hold the three ways a kept moment must be forgotten
(the enquiry changes, its call changes, the timing rules change), and that
a run at an earlier moment than the one a moment was worked out from looks
again, each on the fakes and the real SQLite store.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import NOW, request, write_config

from mailflow.config import load_settings
from mailflow.shell.cycle import run_once
from mailflow.shell.fakes import MemoryPostOffice
from mailflow.shell.store import Store


@pytest.fixture
def office() -> MemoryPostOffice:
    return MemoryPostOffice()


def _settings(tmp_path, office, mailboxes, extra: str = ""):
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    return load_settings(write_config(tmp_path, nowhere, mailboxes, extra))


def settings_path(tmp_path) -> Path:
    return tmp_path / "mailflow.toml"


def _cycle(settings, office, at):
    return run_once(settings, at, mailbox=office.mailbox, sender=office.sender)


def _offered(tmp_path, office, mailboxes, extra: str = ""):
    settings = _settings(tmp_path, office, mailboxes, extra)
    office.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert _cycle(settings, office, NOW).sent == 1  # the offer
    return settings


def _kept(settings) -> tuple[str | None, str | None]:
    with Store.open(settings.storage.database) as store:
        row = store._db.execute("SELECT owed_at, owed_from FROM enquiries").fetchone()
    return row[0], row[1]


def _hold_a_call(settings) -> None:
    """A held call written straight into the store (its trigger's test)."""
    with Store.open(settings.storage.database) as store:
        (enquiry_id,) = store._db.execute("SELECT id FROM enquiries").fetchone()
        store._db.execute(
            "INSERT INTO calls (enquiry_id, status, start_at, end_at)"
            " VALUES (?, 'held', ?, ?)",
            (enquiry_id, NOW.isoformat(), NOW.isoformat()),
        )


def _timed(report) -> int:
    return sum(n for name, n in report.outcomes.items() if name.startswith("timed:"))


def test_a_run_looks_only_at_enquiries_whose_moment_has_come(
    tmp_path, office, mailboxes
):
    settings = _offered(tmp_path, office, mailboxes)
    owed_at, owed_from = _kept(settings)
    assert owed_at is not None
    assert owed_from is not None
    with Store.open(settings.storage.database) as store:
        owed = store.owed_later(NOW + timedelta(hours=1))
        assert owed is not None
        assert owed > NOW + timedelta(hours=1)
        assert store.timed_visits(NOW + timedelta(hours=1)) == []
        assert [e.id for e in store.timed_visits(owed)] != []
    # Before the moment nothing is done; at it, the step is (the nudge).
    assert _timed(_cycle(settings, office, owed - timedelta(minutes=5))) == 0
    assert _timed(_cycle(settings, office, owed)) == 1


def test_a_change_to_the_enquiry_or_its_call_forgets_its_moment(
    tmp_path, office, mailboxes
):
    settings = _offered(tmp_path, office, mailboxes)
    assert _kept(settings)[1] is not None
    with Store.open(settings.storage.database) as store:
        store._db.execute("UPDATE enquiries SET nudged_at = ?", (NOW.isoformat(),))
    assert _kept(settings) == (None, None)

    _cycle(settings, office, NOW + timedelta(minutes=5))  # worked out again
    assert _kept(settings)[1] is not None
    _hold_a_call(settings)
    assert _kept(settings) == (None, None)

    _cycle(settings, office, NOW + timedelta(minutes=10))
    assert _kept(settings)[1] is not None
    with Store.open(settings.storage.database) as store:
        store._db.execute("UPDATE calls SET status = 'cancelled'")
    assert _kept(settings) == (None, None)


def test_new_timing_rules_forget_every_kept_moment(tmp_path, office, mailboxes):
    """Kept under offers that wait seven days for a nudge, the moment would
    skip the nudge of a practice that moved it to two: the run under the new
    rules nudges on time."""
    _offered(tmp_path, office, mailboxes)
    quicker = _settings(
        tmp_path, office, mailboxes, "[workflow]\noffer_expiry_days = 2\n"
    )
    with Store.open(quicker.storage.database) as store:
        kept = store.owed_later(NOW)
    assert kept is not None
    assert _timed(_cycle(quicker, office, NOW + timedelta(hours=1))) == 0
    with Store.open(quicker.storage.database) as store:
        nudge = store.owed_later(NOW + timedelta(hours=1))  # under the new rules
    assert nudge is not None
    assert nudge < kept - timedelta(days=1)
    assert _timed(_cycle(quicker, office, nudge)) == 1


def test_a_run_at_an_earlier_moment_looks_again(tmp_path, office, mailboxes):
    settings = _offered(tmp_path, office, mailboxes)
    with Store.open(settings.storage.database) as store:
        assert store.timed_visits(NOW + timedelta(minutes=1)) == []
        assert len(store.timed_visits(NOW - timedelta(minutes=1))) == 1


def test_a_deleted_call_forgets_its_enquirys_moment(tmp_path, office, mailboxes):
    settings = _offered(tmp_path, office, mailboxes)
    _hold_a_call(settings)
    _cycle(settings, office, NOW + timedelta(minutes=5))
    assert _kept(settings)[1] is not None
    with Store.open(settings.storage.database) as store:
        store._db.execute("DELETE FROM calls")
    assert _kept(settings) == (None, None)


def test_a_new_practice_zone_forgets_every_kept_moment(tmp_path, office, mailboxes):
    """A person whose zone is not known is timed in the practice's: a moment
    kept in one zone is forgotten when the practice moves to another."""
    settings = _offered(tmp_path, office, mailboxes)
    kept_from = _kept(settings)[1]
    assert kept_from is not None
    text = settings_path(tmp_path).read_text(encoding="utf-8")
    settings_path(tmp_path).write_text(
        text.replace('timezone = "Europe/London"', 'timezone = "America/New_York"'),
        encoding="utf-8",
    )
    moved = load_settings(settings_path(tmp_path))
    later = NOW + timedelta(hours=1)
    _cycle(moved, office, later)
    assert _kept(moved)[1] == later.astimezone(UTC).isoformat()  # looked at again
    _cycle(moved, office, later + timedelta(minutes=5))
    assert _kept(moved)[1] == later.astimezone(UTC).isoformat()  # and kept since


def test_new_timing_code_forgets_every_kept_moment(
    tmp_path, office, mailboxes, monkeypatch
):
    """Moments worked out by older timing code are not trusted after an
    upgrade: `timing.CODE_VERSION` (and the release) is in the fingerprint."""
    from mailflow.deciding import timing

    settings = _offered(tmp_path, office, mailboxes)
    later = NOW + timedelta(hours=1)
    _cycle(settings, office, later)
    assert _kept(settings)[1] == NOW.astimezone(UTC).isoformat()  # not looked at
    monkeypatch.setattr(timing, "CODE_VERSION", timing.CODE_VERSION + 1)
    _cycle(settings, office, later + timedelta(minutes=5))
    assert (
        _kept(settings)[1] == (later + timedelta(minutes=5)).astimezone(UTC).isoformat()
    )


TIMING_SOURCE = {1: "dbf5461749bfc3195084e9e5e3e1098f4710a0fe2b8b88b96bd010418fe55f13"}
"""sha256 of mailflow/deciding/timing.py at each `CODE_VERSION`."""


def test_the_timing_code_is_pinned_to_its_version() -> None:
    """A change to timing.py must bump `timing.CODE_VERSION` (and add its hash
    here), or kept owed moments worked out by the old code would survive the
    upgrade and a step fall due late."""
    from mailflow.deciding import timing

    source = Path(timing.__file__).read_bytes().replace(b"\r\n", b"\n")
    assert hashlib.sha256(source).hexdigest() == TIMING_SOURCE[timing.CODE_VERSION]


def test_a_dry_run_after_new_rules_sees_the_steps_they_make_due(
    tmp_path, office, mailboxes
):
    """A dry run keeps nothing, so under new rules it looks at every open
    enquiry: it reports the nudge a real run would send."""
    _offered(tmp_path, office, mailboxes)
    quicker = _settings(
        tmp_path, office, mailboxes, "[workflow]\noffer_expiry_days = 2\n"
    )
    at = NOW + timedelta(days=2, hours=2)
    dry = run_once(
        quicker, at, dry_run=True, mailbox=office.mailbox, sender=office.sender
    )
    assert _timed(dry) == 1


def test_a_new_release_forgets_every_kept_moment(
    tmp_path, office, mailboxes, monkeypatch
):
    from mailflow.shell import runner

    settings = _offered(tmp_path, office, mailboxes)
    later = NOW + timedelta(hours=1)
    monkeypatch.setattr(runner, "__version__", runner.__version__ + ".1")
    _cycle(settings, office, later)
    assert _kept(settings)[1] == later.astimezone(UTC).isoformat()


def test_an_enquiry_the_clock_owes_nothing_is_looked_at_again_once_it_changes(
    tmp_path, office, mailboxes
):
    """One waiting for an answer (asked) keeps "nothing owed"; when it is
    offered times, the trigger forgets that and the clock looks again."""
    settings = _offered(tmp_path, office, mailboxes)
    with Store.open(settings.storage.database) as store:
        store._db.execute("UPDATE enquiries SET state = 'asked'")
    _cycle(settings, office, NOW + timedelta(minutes=5))
    owed_at, owed_from = _kept(settings)
    assert owed_at is None
    assert owed_from is not None  # kept: nothing owed
    with Store.open(settings.storage.database) as store:
        assert store.timed_visits(NOW + timedelta(days=30)) == []
        store._db.execute("UPDATE enquiries SET state = 'offered'")
        assert len(store.timed_visits(NOW + timedelta(minutes=10))) == 1


def test_the_export_leaves_the_clocks_bookkeeping_out(tmp_path, office, mailboxes):
    settings = _offered(tmp_path, office, mailboxes)
    with Store.open(settings.storage.database) as store:
        (enquiry_id,) = store._db.execute("SELECT id FROM enquiries").fetchone()
        exported = store.export_enquiry(enquiry_id)
    assert exported is not None
    record = exported["enquiry"]
    assert isinstance(record, dict)
    assert "state" in record  # the enquiry's own columns are there
    assert "owed_at" not in record
    assert "owed_from" not in record
