"""The clock's work follows what is due, not the history (#13).

A run keeps each open enquiry's next owed moment (`enquiries.owed_at`,
worked out from `owed_from` on) and looks only at the enquiries whose moment
has come. These tests hold the three ways a kept moment must be forgotten
(the enquiry changes, its call changes, the timing rules change), and that
a run at an earlier moment than the one a moment was worked out from looks
again, each on the fakes and the real SQLite store.
"""

from __future__ import annotations

from datetime import timedelta
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
    with Store.open(settings.storage.database) as store:
        (enquiry_id,) = store._db.execute("SELECT id FROM enquiries").fetchone()
        store._db.execute(
            "INSERT INTO calls (enquiry_id, status, start_at, end_at)"
            " VALUES (?, 'held', ?, ?)",
            (enquiry_id, NOW.isoformat(), NOW.isoformat()),
        )
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
