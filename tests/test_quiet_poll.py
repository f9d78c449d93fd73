"""#13: the quiet poll stands in for an empty cron run, and for nothing else.

A whole run that leaves nothing owed leaves a mark; the next `mailflow run`
checks it and both folders' STATUS before loading the product. Proven on the
real Dovecot, in fresh interpreters (the command as cron runs it): what it
imports, that it changed nothing, that mail, a timed step, an outage, a
changed config or database each bring the whole run back.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import NOW, FakeMicrosoft, config_with, request, write_config

from mailflow.cli.command import _quiet_login
from mailflow.config import load_settings
from mailflow.deciding import timing
from mailflow.model import State
from mailflow.shell import credentials, quiet

LONDON = ZoneInfo("Europe/London")


def _mailflow(
    config: Path, now: datetime, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **(env or {}),
    }
    return subprocess.run(
        [
            sys.executable,
            *extra,
            "-m",
            "mailflow",
            "run",
            "--config",
            str(config),
            "--now",
            now.isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _mark(config: Path) -> Path | None:
    return quiet.mark_file(config, config.read_bytes(), quiet.mailflow_environ())


def _last_run(config: Path) -> str:
    database = config.parent / "var" / "mailflow.sqlite3"
    with sqlite3.connect(database) as db:
        (value,) = db.execute(
            "SELECT value FROM meta WHERE key = 'last_run_at'"
        ).fetchone()
    return str(value)


def _imported(stderr: str) -> set[str]:
    return {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.fixture
def quiet_practice(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes)
    first = _mailflow(config, NOW)
    assert first.returncode == 0, first.stderr
    mark = _mark(config)
    assert mark is not None
    assert mark.exists()
    return config


def test_an_empty_run_after_a_quiet_one_loads_nothing_and_changes_nothing(
    quiet_practice, mail_server
):
    config = quiet_practice
    mark = _mark(config)
    assert mark is not None
    text = mark.read_text()
    assert mail_server.password not in text  # never the password
    assert oct(mark.stat().st_mode & 0o777) == "0o600"
    database = config.parent / "var" / "mailflow.sqlite3"
    before = quiet.database_stamp(database)
    done = _mailflow(config, NOW + timedelta(minutes=5), "-X", "importtime")
    assert done.returncode == 0
    imported = _imported(done.stderr)
    assert "mailflow.shell.quiet" in imported
    assert not imported & {"mailflow.config", "mailflow.cli", "imapclient", "sqlite3"}
    assert quiet.database_stamp(database) == before  # not even opened
    assert _last_run(config) == NOW.astimezone(UTC).isoformat()


def test_mail_in_the_inbox_brings_the_whole_run_back(
    quiet_practice, mail_server, mailboxes
):
    config = quiet_practice
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    later = NOW + timedelta(minutes=5)
    assert _mailflow(config, later).returncode == 0
    assert len(mail_server.messages(mailboxes.person)) == 1  # answered
    assert _last_run(config) == later.astimezone(UTC).isoformat()


def test_mail_the_therapist_sent_brings_the_whole_run_back(
    quiet_practice, mail_server, mailboxes
):
    config = quiet_practice
    mail_server.append(
        mailboxes.practice,
        "Sent",
        request(sender=mailboxes.practice, to=mailboxes.person, subject="Re: hello"),
    )
    later = NOW + timedelta(minutes=5)
    assert _mailflow(config, later).returncode == 0
    assert _last_run(config) == later.astimezone(UTC).isoformat()


def test_the_mark_ends_when_something_is_owed(quiet_practice, mail_server, mailboxes):
    """After an offer, the mark lasts no longer than its nudge, nor an hour."""
    config = quiet_practice
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    at = NOW + timedelta(minutes=5)
    assert _mailflow(config, at).returncode == 0
    mark = _mark(config)
    assert mark is not None
    body = json.loads(mark.read_text())
    until = datetime.fromisoformat(body["until"])
    assert at < until <= at + timedelta(hours=1)
    # At `until`, the run is whole again (its clock moved on).
    assert _mailflow(config, until).returncode == 0
    assert _last_run(config) == until.astimezone(UTC).isoformat()


@pytest.mark.parametrize(
    "change", ["config", "database", "clock back", "environment", "mark unreadable"]
)
def test_any_change_outside_the_mailbox_brings_the_whole_run_back(
    quiet_practice, change, monkeypatch
):
    config = quiet_practice
    at = NOW + timedelta(minutes=5)
    if change == "config":
        config.write_text(config.read_text() + "\n# edited\n", encoding="utf-8")
    elif change == "database":
        database = config.parent / "var" / "mailflow.sqlite3"
        with sqlite3.connect(database) as db:
            db.execute("INSERT INTO meta (key, value) VALUES ('touched', '1')")
    elif change == "clock back":
        at = NOW - timedelta(minutes=5)
    elif change == "mark unreadable":
        mark = _mark(config)
        assert mark is not None
        body = json.loads(mark.read_text())
        del body["imap"]["port"]  # readable JSON, not a mark: never a crash
        mark.write_text(json.dumps(body))
    else:
        monkeypatch.setenv("MAILFLOW_WORKFLOW__NUDGE_DAYS", "4")
    assert _mailflow(config, at).returncode == 0
    assert _last_run(config) == at.astimezone(UTC).isoformat()


def test_a_server_gone_falls_through_once_to_the_whole_runs_message(
    quiet_practice, mail_server
):
    config = quiet_practice
    mail_server.imap_down()
    try:
        done = _mailflow(config, NOW + timedelta(minutes=5))
    finally:
        mail_server.imap_up()
    assert done.returncode == 3
    assert f"127.0.0.1:{mail_server.imap_port}" in done.stderr
    assert not _mark(config).exists()  # the next run is whole: no second try


def test_a_password_changed_in_the_file_is_read_by_the_quiet_poll(quiet_practice):
    """The password is read where the whole run reads it, never kept: a wrong one
    fails the quiet poll, then the whole run says so."""
    config = quiet_practice
    text = config.read_text()
    # The config's bytes are the mark's name: same bytes, other password via env.
    os.environ["MAILFLOW_IMAP__PASSWORD"] = "not-the-password"
    try:
        done = _mailflow(config, NOW + timedelta(minutes=5))
    finally:
        del os.environ["MAILFLOW_IMAP__PASSWORD"]
    assert config.read_text() == text
    assert done.returncode == 3
    assert "MAILFLOW_IMAP__PASSWORD" in done.stderr  # the whole run's refusal line


def test_only_a_plain_run_takes_the_quiet_poll():
    take = quiet._run_arguments
    assert take(["run"]) == {}
    assert take(["run", "--config", "a.toml", "--now=2026-01-01T10:00"]) == {
        "config": "a.toml",
        "now": "2026-01-01T10:00",
    }
    assert take(["--config", "a.toml", "run"]) == {"config": "a.toml"}
    for argv in (
        [],
        ["status"],
        ["run", "-v"],
        ["run", "--dry-run"],
        ["run", "--config"],
        ["run", "run"],
        ["run", "--now", "x", "--now", "y"],
        ["watch"],
        ["run", "--help"],
    ):
        assert take(argv) is None, argv


def test_the_next_digest_is_today_until_its_time_then_tomorrow_across_dst():
    zone = LONDON
    before = datetime(2026, 3, 28, 7, 0, tzinfo=zone)  # the day before spring forward
    assert timing.next_digest("07:30", zone, before) == datetime(
        2026, 3, 28, 7, 30, tzinfo=zone
    )
    after = datetime(2026, 3, 28, 8, 0, tzinfo=zone)
    tomorrow = timing.next_digest("07:30", zone, after)
    assert tomorrow == datetime(2026, 3, 29, 7, 30, tzinfo=zone)
    assert tomorrow is not None
    assert tomorrow.utcoffset() == timedelta(hours=1)
    assert timing.next_digest("", zone, after) is None


RULES = timing.TimingRules(
    reminder_before=timedelta(hours=24),
    followup_after=timedelta(hours=2),
    offer_expiry=timedelta(days=7),
    nudge_after=timedelta(days=3),
    quiet_from=time(8, 0),
    quiet_until=time(20, 0),
)
BASE = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # the week clocks go back
_hours = st.integers(min_value=-24 * 12, max_value=24 * 12).map(
    lambda h: BASE + timedelta(hours=h, minutes=17 * (h % 3))
)


@st.composite
def _views(draw: st.DrawFn) -> timing.View:
    state = draw(
        st.sampled_from(
            [
                State.OFFERED,
                State.HELD,
                State.BOOKED,
                State.RESCHEDULING,
                State.FOLLOWED_UP,
            ]
        )
    )
    start = draw(_hours)
    maybe = st.one_of(st.none(), _hours)
    return timing.View(
        state=state,
        zone=draw(st.sampled_from([LONDON, ZoneInfo("America/New_York"), UTC])),
        call_start_at=start,
        call_end_at=start + timedelta(minutes=15),
        booked_at=draw(maybe),
        offered_at=draw(_hours),
        nudged_at=draw(maybe),
        reminded_at=draw(maybe),
        followed_up_at=draw(_hours),
        followup_nudged_at=draw(maybe),
        held_at=draw(_hours),
        held_start_at=draw(maybe),
        hold_reminded_at=draw(maybe),
        move_asked_at=draw(maybe),
        move_start_at=draw(maybe),
    )


@settings(max_examples=300, deadline=None)
@given(view=_views(), now=_hours)
def test_nothing_falls_due_before_the_first_owed_moment(view, now):
    """Brute force over the next twelve days, every 10 minutes: no step is due
    before `first_owed` (a quiet poll would skip it)."""
    owed = timing.first_owed(view, RULES, now)
    end = owed if owed is not None else now + timedelta(days=12)
    moment = now
    while moment < min(end, now + timedelta(days=12)):
        due = timing.next_due(view, RULES, moment)
        assert due is None or not timing.is_due(due, moment, RULES), (moment, due)
        moment += timedelta(minutes=10)
    assert owed is None or owed >= now


# -- what the whole run declares quiet (on the fakes) -----------------------------------


@pytest.fixture
def office():
    from mailflow.shell.fakes import MemoryPostOffice

    return MemoryPostOffice()


def _settings(tmp_path, office, mailboxes, extra: str = ""):
    from types import SimpleNamespace

    from mailflow.config import load_settings

    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    return load_settings(write_config(tmp_path, nowhere, mailboxes, extra))


def _cycle(settings, office, at):
    from mailflow.shell.cycle import run_once

    return run_once(settings, at, mailbox=office.mailbox, sender=office.sender)


def test_the_mark_ends_at_the_next_timed_step_not_an_hour_later(
    tmp_path, office, mailboxes
):
    """An offer made at 09:00 is nudged seven days on at 09:00 (civil hours):
    a run twenty minutes before is quiet until that moment exactly."""
    settings = _settings(tmp_path, office, mailboxes)
    office.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    assert _cycle(settings, office, NOW).sent == 1  # the offer
    nudge = NOW + timedelta(days=7)
    report = _cycle(settings, office, nudge - timedelta(minutes=20))
    assert report.exit_code == 0
    assert report.quiet_until == nudge
    assert _cycle(settings, office, nudge).outcomes  # and then it is owed


def test_no_mark_while_a_letter_waits_for_the_hourly_cap(tmp_path, office, mailboxes):
    settings = _settings(tmp_path, office, mailboxes, "[limits]\nper_hour = 2\n")
    for n in range(3):
        office.deliver(
            request(sender=f"p{n}-{mailboxes.person}", to=mailboxes.practice),
            mailboxes.practice,
        )
    report = _cycle(settings, office, NOW)
    assert report.waiting >= 1  # held back, not failed: the run itself is clean
    assert report.quiet_until is None


def test_every_letter_goes_out_after_the_commits_that_record_it_are_synced(
    tmp_path, office, mailboxes, monkeypatch
):
    """A power cut after the 250 must not resend: each hand-over is preceded by
    a sync of the log (its attempt noted) and followed by one (its 250)."""
    from mailflow.shell.store import Store

    events: list[str] = []
    real_sync = Store.sync

    def sync(self):
        events.append("sync")
        real_sync(self)

    monkeypatch.setattr(Store, "sync", sync)

    def sender(cfg):
        inner = office.sender(cfg)

        class Recording:
            def __enter__(self):
                inner.__enter__()
                return self

            def __exit__(self, *exc):
                return inner.__exit__(*exc)

            def send(self, *args):
                events.append("send")
                inner.send(*args)
                events.append("250")

        return Recording()

    settings = _settings(tmp_path, office, mailboxes)
    for n in range(3):
        office.deliver(
            request(sender=f"s{n}-{mailboxes.person}", to=mailboxes.practice),
            mailboxes.practice,
        )
    from mailflow.shell.cycle import run_once

    report = run_once(settings, NOW, mailbox=office.mailbox, sender=sender)
    assert report.sent == 3
    # The attempt on disk before the wire, the 250 on disk after it; each time.
    assert events == ["sync", "send", "250", "sync"] * 3


def test_no_mark_is_named_after_a_config_edited_during_the_run(tmp_path):
    """The mark describes the settings the run loaded: a file edited since is
    not its name (the next quiet poll would check the old folders)."""
    config = tmp_path / "mailflow.toml"
    config.write_text('[imap]\npassword = "pw"\nfolder = "INBOX"\n', encoding="utf-8")
    loaded = config.read_bytes()
    config.write_text(
        '[imap]\npassword = "pw"\nfolder = "Requests"\n', encoding="utf-8"
    )
    database = tmp_path / "mailflow.sqlite3"
    database.write_bytes(b"")
    kept = {
        "imap": {"host": "127.0.0.1", "port": 143, "username": "hello@x.example"},
        "login": {"kind": "password"},
        "password": "pw",
        "database": database,
        "zone": "Europe/London",
        "folders": {"INBOX": (1, 5), "Sent": (1, 9)},
        "since": NOW,
        "until": NOW + timedelta(hours=1),
    }
    quiet.leave_mark(config, loaded=loaded, **kept)
    mark = _mark(config)
    assert mark is not None
    assert not mark.exists()
    quiet.leave_mark(config, loaded=config.read_bytes(), **kept)  # as loaded: kept
    assert mark.exists()


def test_quiet_until_is_the_first_thing_owed_within_the_hour_or_none():
    hour = timedelta(hours=1)
    soon, later = BASE + timedelta(minutes=20), BASE + timedelta(hours=3)
    assert timing.quiet_until([later, None, soon], BASE, hour) == soon
    assert timing.quiet_until([later, None], BASE, hour) == BASE + hour
    assert timing.quiet_until([], BASE, hour) == BASE + hour
    assert timing.quiet_until([BASE], BASE, hour) is None  # owed now
    assert timing.quiet_until([BASE - hour, later], BASE, hour) is None


# -- the quiet poll for every login it can make as the whole run does ------------------


def _counting_script(tmp_path: Path, name: str, secret: str) -> tuple[str, Path]:
    """A password (or token) command that prints `secret` and counts its runs."""
    count = tmp_path / f"{name}.count"
    script = tmp_path / name
    script.write_text(f"#!/bin/sh\necho run >> '{count}'\nprintf '%s\\n' '{secret}'\n")
    script.chmod(0o700)
    return str(script), count


def _runs(count: Path) -> int:
    return len(count.read_text().splitlines()) if count.exists() else 0


def _quietly_then_whole(
    config: Path,
    count: Path,
    mail_server,
    mailboxes,
    env: dict[str, str] | None = None,
) -> None:
    """The first run leaves a mark; an empty run is the quiet poll (the
    secret read once, the product not loaded); mail brings the whole run,
    which logs in with the secret the quiet poll read (once a run)."""
    first = _mailflow(config, NOW, env=env)
    assert first.returncode == 0, first.stderr
    assert _runs(count) == 1
    mark = _mark(config)
    assert mark is not None
    assert mark.exists()
    assert mail_server.password not in mark.read_text()
    database = config.parent / "var" / "mailflow.sqlite3"
    before = quiet.database_stamp(database)
    empty = _mailflow(config, NOW + timedelta(minutes=5), "-X", "importtime", env=env)
    assert empty.returncode == 0, empty.stderr
    assert not _imported(empty.stderr) & {"mailflow.config", "mailflow.cli"}
    assert quiet.database_stamp(database) == before
    assert _runs(count) == 2
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    later = NOW + timedelta(minutes=10)
    assert _mailflow(config, later, env=env).returncode == 0
    assert len(mail_server.messages(mailboxes.person)) == 1  # answered
    assert _last_run(config) == later.astimezone(UTC).isoformat()
    assert _runs(count) == 3  # the quiet poll's, handed to the whole run


def test_a_password_command_practice_is_polled_quietly(
    tmp_path, mail_server, mailboxes
):
    command, count = _counting_script(tmp_path, "pw.sh", mail_server.password)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_command": command},
    )
    _quietly_then_whole(config, count, mail_server, mailboxes)
    mark = _mark(config)
    assert mark is not None
    assert command not in mark.read_text()  # a digest: a command may hold a secret
    assert json.loads(mark.read_text())["login"] == quiet.login_mark("command", command)


def _file_command(tmp_path: Path, secret: str) -> tuple[str, Path, Path]:
    """A password command that prints a file's first line and counts its runs."""
    file = tmp_path / "secret"
    file.write_text(secret + "\n")
    count = tmp_path / "cat.count"
    script = tmp_path / "cat.sh"
    script.write_text(f"#!/bin/sh\necho run >> '{count}'\ncat '{file}'\n")
    script.chmod(0o700)
    return str(script), file, count


def test_a_password_command_that_fails_falls_through_and_ends_the_mark(
    tmp_path, mail_server, mailboxes
):
    command, file, count = _file_command(tmp_path, mail_server.password)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_command": command},
    )
    assert _mailflow(config, NOW).returncode == 0
    file.unlink()  # cat fails: the command exits 1
    done = _mailflow(config, NOW + timedelta(minutes=5))
    assert done.returncode == 2
    assert "imap.password_command: exited with status 1" in done.stderr
    mark = _mark(config)
    assert mark is not None
    assert not mark.exists()  # one extra attempt, then whole runs
    assert _runs(count) == 3  # the first run's, then the quiet poll's and the run's
    again = _mailflow(config, NOW + timedelta(minutes=10))
    assert again.returncode == 2
    assert _runs(count) == 4  # whole alone


def test_a_secret_login_cannot_quote_is_read_once_a_run(
    tmp_path, mail_server, mailboxes
):
    """A control character in a command's password: the quiet poll cannot
    send it, so it hands it to the whole run (imapclient's to send, here
    refused) instead of the command running twice, and ends the mark."""
    command, file, count = _file_command(tmp_path, mail_server.password)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_command": command},
    )
    assert _mailflow(config, NOW).returncode == 0
    assert _runs(count) == 1
    file.write_text("sec\x7fret\n")
    done = _mailflow(config, NOW + timedelta(minutes=5))
    assert done.returncode == 3  # the whole run logged in with it: refused
    assert "imap.password_command" in done.stderr
    assert _runs(count) == 2  # once this run, not twice
    mark = _mark(config)
    assert mark is not None
    assert not mark.exists()


def test_a_password_command_changed_in_the_environment_is_not_the_marks(
    tmp_path, mail_server, mailboxes
):
    """The mark names its command by digest; the quiet poll reads the command
    where the settings do (MAILFLOW_IMAP__PASSWORD_COMMAND over the file)."""
    command, count = _counting_script(tmp_path, "pw.sh", mail_server.password)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_command": command},
    )
    assert _mailflow(config, NOW).returncode == 0
    mark = json.loads(_mark(config).read_text())  # type: ignore[union-attr]
    login = mark["login"]
    other, _ = _counting_script(tmp_path, "other.sh", mail_server.password)
    raw = config.read_bytes()
    with pytest.raises(quiet._NotQuiet):
        quiet._secret(
            login, mailboxes.practice, raw, {"mailflow_imap__password_command": other}
        )
    assert _runs(count) == 1  # the other command never ran: not the mark's
    secret = quiet._secret(login, mailboxes.practice, raw, {})
    assert secret[:2] == ("LOGIN", mail_server.password)
    assert _runs(count) == 2


def test_a_password_command_that_now_prints_another_password_falls_through(
    tmp_path, mail_server, mailboxes
):
    """Read each run, never kept: a wrong one fails the quiet poll (the mark
    goes), then the whole run runs the command again and says so."""
    secret = tmp_path / "secret"
    secret.write_text(mail_server.password)
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_command": f"cat {secret}"},
    )
    assert _mailflow(config, NOW).returncode == 0
    secret.write_text("not-the-password")
    done = _mailflow(config, NOW + timedelta(minutes=5))
    assert done.returncode == 3
    assert "imap.password_command" in done.stderr  # the whole run's refusal line
    mark = _mark(config)
    assert mark is not None
    assert not mark.exists()


_FILE_KEYRING = '''
import json, os
import keyring.backend

class FileKeyring(keyring.backend.KeyringBackend):
    """Passwords in a JSON file; every read counted (a test's keyring)."""
    priority = 1

    def get_password(self, service, username):
        with open(os.environ["TEST_KEYRING_COUNT"], "a") as count:
            count.write("run\\n")
        with open(os.environ["TEST_KEYRING_FILE"]) as file:
            return json.load(file).get(f"{service}/{username}")

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError
'''


def test_a_keyring_practice_is_polled_quietly(tmp_path, mail_server, mailboxes):
    """The system keyring as `keyring` finds it in a cron run (its backend
    named by PYTHON_KEYRING_BACKEND), read by the quiet poll as by the run."""
    (tmp_path / "filekeyring.py").write_text(_FILE_KEYRING)
    ring = tmp_path / "ring.json"
    ring.write_text(
        json.dumps({f"mailflow-imap/{mailboxes.practice}": mail_server.password})
    )
    count = tmp_path / "keyring.count"
    env = {
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "PYTHON_KEYRING_BACKEND": "filekeyring.FileKeyring",
        "TEST_KEYRING_FILE": str(ring),
        "TEST_KEYRING_COUNT": str(count),
    }
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"password_keyring": "mailflow-imap"},
    )
    _quietly_then_whole(config, count, mail_server, mailboxes, env=env)


def test_an_oauth2_token_command_practice_is_polled_quietly(
    tmp_path, mail_server, mailboxes
):
    """AUTHENTICATE XOAUTH2 with the token the command prints, as imaplib does."""
    if not mail_server.imap_oauth2:
        pytest.skip("Dovecot 2.4: the devserver's XOAUTH2 passdb is written for 2.3")
    command, count = _counting_script(
        tmp_path, "token.sh", mail_server.oauth2_token(mailboxes.practice)
    )
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"auth": "oauth2", "oauth2_token_command": command},
    )
    _quietly_then_whole(config, count, mail_server, mailboxes)


def test_a_refused_token_falls_through_to_the_whole_runs_message(
    tmp_path, mail_server, mailboxes
):
    if not mail_server.imap_oauth2:
        pytest.skip("Dovecot 2.4: the devserver's XOAUTH2 passdb is written for 2.3")
    token = tmp_path / "token"
    token.write_text(mail_server.oauth2_token(mailboxes.practice))
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"auth": "oauth2", "oauth2_token_command": f"cat {token}"},
    )
    assert _mailflow(config, NOW).returncode == 0
    token.write_text(mail_server.oauth2_token("someone-else@riverside.example"))
    done = _mailflow(config, NOW + timedelta(minutes=5))
    assert done.returncode == 3
    assert "imap.oauth2_token_command" in done.stderr
    assert "refused" in done.stderr
    mark = _mark(config)
    assert mark is not None
    assert not mark.exists()


def test_a_microsoft_practice_is_polled_quietly(tmp_path, mail_server, mailboxes):
    """The built-in Microsoft 365 sign-in: a fresh access token in the token
    file msal wrote serves the quiet poll, and the whole run too, without
    msal loaded or Microsoft asked (#13); the mark names the file, never the
    token."""
    if not mail_server.imap_oauth2:
        pytest.skip("Dovecot 2.4: the devserver's XOAUTH2 passdb is written for 2.3")
    config = config_with(
        write_config(tmp_path, mail_server, mailboxes),
        imap={"auth": "oauth2", "oauth2_client_id": "client"},
        smtp={"auth": "oauth2", "oauth2_client_id": "client"},
    )
    settings = load_settings(config)
    token = mail_server.oauth2_token(mailboxes.practice)
    credentials.sign_in(  # the real msal writes the file, as `mailflow auth` does
        settings.imap,
        lambda _: None,
        http_client=FakeMicrosoft(mailboxes.practice, token=token),
    )
    first = _mailflow(config, NOW, "-X", "importtime")
    assert first.returncode == 0, first.stderr
    assert "msal" not in _imported(first.stderr)
    mark = _mark(config)
    assert mark is not None
    assert token not in mark.read_text()
    assert json.loads(mark.read_text())["login"] == {
        "kind": "microsoft",
        "client_id": "client",
        "tenant": "organizations",
        "token_file": str(settings.imap.oauth2_token_file),
    }
    database = config.parent / "var" / "mailflow.sqlite3"
    before = quiet.database_stamp(database)
    empty = _mailflow(config, NOW + timedelta(minutes=5), "-X", "importtime")
    assert empty.returncode == 0, empty.stderr
    assert not _imported(empty.stderr) & {"mailflow.config", "mailflow.cli", "msal"}
    assert quiet.database_stamp(database) == before
    assert mark.exists()
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice), mailboxes.practice
    )
    later = NOW + timedelta(minutes=10)
    done = _mailflow(config, later, "-X", "importtime")
    assert done.returncode == 0, done.stderr
    assert "msal" not in _imported(done.stderr)
    assert len(mail_server.messages(mailboxes.person)) == 1  # answered over XOAUTH2
    # Inside msal's margin, the quiet poll stands aside and the mark goes: the
    # whole run loads msal to refresh the token.
    assert mark.exists()
    credentials.sign_in(
        settings.imap,
        lambda _: None,
        http_client=FakeMicrosoft(mailboxes.practice, token=token, expires_in=299),
    )
    moment = (later + timedelta(minutes=5)).isoformat()
    assert quiet.quiet_run(["run", "--config", str(config), "--now", moment]) is None
    assert not mark.exists()
    assert _last_run(config) == later.astimezone(UTC).isoformat()  # nothing ran


def test_each_login_is_named_in_the_mark(tmp_path, mailboxes):
    """Where the quiet poll reads the secret, as the whole run did."""
    for imap, login in (
        ({}, {"kind": "password"}),
        ({"password_command": "pw"}, quiet.login_mark("command", "pw")),
        ({"password_keyring": "svc"}, quiet.login_mark("keyring", "svc")),
        (
            {"auth": "oauth2", "oauth2_token_command": "tok"},
            quiet.login_mark("token-command", "tok"),
        ),
        (
            {"auth": "oauth2", "oauth2_client_id": "app", "oauth2_tenant": "common"},
            {
                "kind": "microsoft",
                "client_id": "app",
                "tenant": "common",
                "token_file": str(tmp_path / "var" / "mailflow.sqlite3.oauth2.json"),
            },
        ),
    ):
        config = config_with(write_config(tmp_path, _NoServer(), mailboxes), imap=imap)
        assert _quiet_login(load_settings(config)) == login, imap


class _NoServer:
    imap_port = 1
    smtp_port = 2
    password = "pw"
