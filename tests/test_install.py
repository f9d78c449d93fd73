"""Issue #12: can't be run wrong, and installs like a tool.

Relative paths mean the config file's folder; a second database never answers a
thread mailflow already answered; the real configuration mistakes are exit 2 with
one line; the call's length and mode reach every letter and the invitation;
`mailflow init` writes a config that `check` accepts.
"""

from __future__ import annotations

import configparser
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from support import NOW, answer, plain, request, run, write_config

from mailflow.cli import main
from mailflow.config import fixed_zone_suggestion, load_settings

MINIMAL = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
timezone = "{zone}"

[imap]
host = "127.0.0.1"
port = 9
security = "plain"

[smtp]
host = "127.0.0.1"
port = 9
security = "plain"
{extra}
"""


def minimal(folder: Path, extra: str = "", zone: str = "Europe/London") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mailflow.toml"
    path.write_text(MINIMAL.format(zone=zone, extra=extra), encoding="utf-8")
    return path


def config_in(folder: Path, server, boxes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(folder, server, boxes)


def newest(server, user, kind):
    mails = [m.message() for m in server.messages(user)]
    mails = [m for m in mails if m["X-Mailflow"] == kind]
    assert mails, f"no {kind} for {user}"
    return mails[-1]


# -- 1. relative paths: the config file's folder, from any working directory ------


def test_relative_paths_mean_the_config_files_folder(tmp_path, monkeypatch):
    home = tmp_path / "srv" / "practice"
    config = minimal(
        home,
        '[storage]\ndatabase = "var/mailflow.sqlite3"\n'
        '[templates]\ndirectory = "letters"\n'
        '[availability]\nbusy_calendars = ["cal/work.ics", "https://cal.example/x"]\n',
    )
    (home / "letters").mkdir()
    for cwd in (tmp_path, home, Path("/")):
        monkeypatch.chdir(cwd)
        settings = load_settings(config)
        assert settings.storage.database == home / "var" / "mailflow.sqlite3"
        assert settings.templates.directory == home / "letters"
        assert settings.availability.busy_calendars == (
            str(home / "cal" / "work.ics"),
            "https://cal.example/x",
        )
        assert settings.imap.oauth2_token_file == (
            home / "var" / "mailflow.sqlite3.oauth2.json"
        )


def test_a_relative_ca_file_means_the_config_files_folder(tmp_path, monkeypatch):
    home = tmp_path / "srv" / "practice"
    config = minimal(home)
    monkeypatch.setenv("MAILFLOW_IMAP__CA_FILE", "tls/ca.pem")
    monkeypatch.setenv("MAILFLOW_SMTP__CA_FILE", "~/ca.pem")
    monkeypatch.chdir("/")
    settings = load_settings(config)
    assert settings.imap.ca_file == str(home / "tls" / "ca.pem")
    assert settings.smtp.ca_file == str(Path("~/ca.pem").expanduser())


def test_a_relative_database_from_another_folder_is_the_same_database(
    tmp_path, monkeypatch, capsys
):
    home = tmp_path / "practice"
    config = minimal(home, '[storage]\ndatabase = "var/db.sqlite3"\n')
    monkeypatch.chdir(home)
    from mailflow.shell.store import Store

    with Store.open(load_settings(config).storage.database) as store:
        store.set_meta("last_run_at", "2026-03-02T09:00:00+00:00")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"Database: {home / 'var' / 'db.sqlite3'}" in out
    assert "Last run: 2026-03-02T09:00:00+00:00" in out
    assert not (elsewhere / "var").exists()


def test_a_database_left_in_the_working_directory_is_named_not_replaced(
    tmp_path, monkeypatch, capsys
):
    """Before #12 a relative database meant the working directory: refuse to
    start a second one beside the config while the old one is here."""
    config = minimal(tmp_path / "config", '[storage]\ndatabase = "var/db.sqlite3"\n')
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "db.sqlite3").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    assert main(["status", "--config", str(config)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("mailflow: config: storage.database:")
    assert str(tmp_path / "var" / "db.sqlite3") in line


def test_status_names_its_database_and_why_it_may_be_empty(tmp_path, capsys):
    config = minimal(tmp_path)
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"Database: {tmp_path / 'var' / 'mailflow.sqlite3'}" in out
    assert "storage.database points elsewhere" in out


def test_a_second_database_never_answers_again(tmp_path, mail_server, mailboxes):
    """End to end: a request answered with database A; a run with a fresh
    database B (another folder, a lost or restored file) sends nothing, not to
    the person, not to the therapist; a reply in that thread is left alone too;
    `status` warns."""
    server, boxes = mail_server, mailboxes
    first = config_in(tmp_path / "a", server, boxes)
    raw = request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice)
    server.deliver(raw, boxes.practice)
    assert run(first) == 0
    offer = newest(server, boxes.person, "offer")
    assert len(server.messages(boxes.person)) == 1

    second = config_in(tmp_path / "b", server, boxes)
    assert run(second, NOW + timedelta(minutes=5)) == 0
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="2 please"),
        boxes.practice,
    )
    assert run(second, NOW + timedelta(minutes=10)) == 0
    assert len(server.messages(boxes.person)) == 1
    assert server.messages(boxes.therapist) == []
    assert main(["status", "--config", str(second)]) == 0


def test_status_warns_of_letters_another_database_wrote(
    tmp_path, mail_server, mailboxes, capsys
):
    server, boxes = mail_server, mailboxes
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    assert run(config_in(tmp_path / "a", server, boxes)) == 0
    second = config_in(tmp_path / "b", server, boxes)
    assert run(second, NOW + timedelta(minutes=5)) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(second)]) == 0
    assert "this database never wrote" in capsys.readouterr().out


# -- 2. the real mistakes: one line naming the key and the fix --------------------


@pytest.mark.parametrize(
    ("zone", "suggested"),
    [
        ("GMT", "Europe/London"),
        ("UTC", "Europe/London"),
        ("Etc/UTC", "Europe/London"),
        ("EST", "America/New_York"),
        ("UTC+1", "Europe/Paris"),
        ("Etc/GMT-1", "Europe/Paris"),
        ("PST8PDT", "America/Los_Angeles"),
    ],
)
def test_a_fixed_offset_zone_is_refused_with_a_city(tmp_path, capsys, zone, suggested):
    config = minimal(tmp_path, zone=zone)
    assert main(["status", "--config", str(config)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("mailflow: config: practice.timezone:")
    assert "summer time" in line
    assert repr(suggested) in line


@pytest.mark.parametrize(
    "zone", ["Europe/London", "America/New_York", "Australia/Sydney", "US/Eastern"]
)
def test_city_zones_are_accepted(zone):
    assert fixed_zone_suggestion(zone) is None


def _unwritable(tmp_path: Path) -> str:
    """A database folder that cannot be made: its parent is a file (works as root)."""
    (tmp_path / "blocker").write_text("not a folder")
    return f'[storage]\ndatabase = "{tmp_path / "blocker" / "var" / "db.sqlite3"}"\n'


@pytest.mark.parametrize("command", ["run", "check"])
def test_an_unwritable_database_folder_is_a_config_error(tmp_path, capsys, command):
    config = minimal(tmp_path, _unwritable(tmp_path))
    assert main([command, "--config", str(config)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("mailflow: config: storage.database: cannot write")
    assert "bug" not in line
    assert "config: ok" not in captured.out


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_a_read_only_database_folder_is_a_config_error(tmp_path, capsys):
    folder = tmp_path / "var"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        config = minimal(tmp_path, f'[storage]\ndatabase = "{folder / "db"}"\n')
        assert main(["run", "--config", str(config)]) == 2
        assert "storage.database: cannot write" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_global_flags_go_before_or_after_the_command(tmp_path, capsys):
    config = str(minimal(tmp_path))
    for argv in (
        ["status", "--config", config, "-v"],
        ["-v", "status", "--config", config],
        ["--config", config, "status"],
        ["-v", "--config", config, "status", "-v"],
    ):
        assert main(argv) == 0, argv
        assert "Database:" in capsys.readouterr().out


@pytest.mark.integration
def test_check_into_a_closed_pipe_is_quiet(tmp_path):
    """`mailflow check | head`: the reader leaves early; no traceback, no 'bug'."""
    config = minimal(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "check", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # as `head` does once it has its lines
    with process.stderr:
        errors = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in errors
    assert "BrokenPipe" not in errors
    assert "bug" not in errors


# -- 3. the call: its length and its mode, everywhere ------------------------------

VIDEO = """
[workflow]
approval = "auto"
[availability]
slot_minutes = 30
start_every_minutes = 30
[call]
mode = "video"
video_url = "https://meet.example.com/riverside-room"
"""


def test_the_therapists_letters_say_the_length_and_the_room_too(
    tmp_path, mail_server, mailboxes
):
    """With approval by the therapist: the approval request, their copy of the
    booking and the reminder say "30-minute video call", never a phone."""
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path,
        server,
        boxes,
        VIDEO.replace('approval = "auto"', 'approval = "therapist"'),
    )
    server.deliver(
        request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice),
        boxes.practice,
    )
    assert run(config) == 0
    offer = newest(server, boxes.person, "offer")
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="2"),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(minutes=30)) == 0
    approval = newest(server, boxes.therapist, "approval_request")
    assert "free 30-minute video call" in plain(approval)
    server.deliver(
        answer(approval, sender=f"Sam Rivera <{boxes.therapist}>", body="yes"),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=1)) == 0
    booked = plain(newest(server, boxes.therapist, "therapist_event"))
    assert "free 30-minute video call" in booked
    assert "https://meet.example.com/riverside-room" in booked
    for letter in (plain(approval), booked):
        assert "ring" not in letter.lower().replace("during", "")
        assert "not given yet" not in letter


def test_call_length_and_video_room_reach_every_letter_and_the_invitation(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, VIDEO)
    server.deliver(
        request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice),
        boxes.practice,
    )
    assert run(config) == 0
    offer = newest(server, boxes.person, "offer")
    text = plain(offer)
    assert "free 30-minute video call" in text
    assert "15" not in text.split("These are the times")[0]
    assert "https://meet.example.com/riverside-room" in text
    assert "phone number" not in text
    assert "ring you" not in text

    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="2"),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=1)) == 0
    confirmation = newest(server, boxes.person, "confirmation")
    text = plain(confirmation)
    assert "30-minute video call" in text
    assert "https://meet.example.com/riverside-room" in text
    assert "phone number" not in text
    assert "ring" not in text
    ics = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Free 30-minute video call with Sam Rivera"
    assert str(event["LOCATION"]) == "https://meet.example.com/riverside-room"
    assert str(event["URL"]) == "https://meet.example.com/riverside-room"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=30)

    own = newest(server, boxes.therapist, "therapist_event")
    assert "Video:  https://meet.example.com/riverside-room" in plain(own)
    assert "they have been asked" not in plain(own)
    own_ics = next(
        p for p in own.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    own_event = icalendar.Calendar.from_ical(own_ics).walk("VEVENT")[0]
    assert str(own_event["URL"]) == "https://meet.example.com/riverside-room"


def test_phone_calls_say_the_configured_length(tmp_path, mail_server, mailboxes):
    server, boxes = mail_server, mailboxes
    extra = '[workflow]\napproval = "auto"\n[availability]\nslot_minutes = 30\n'
    config = write_config(tmp_path, server, boxes, extra)
    server.deliver(
        request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice),
        boxes.practice,
    )
    assert run(config) == 0
    offer = newest(server, boxes.person, "offer")
    assert "free 30-minute phone call" in plain(offer)
    assert "phone number you'd like me to ring you on" in plain(offer)
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="1"),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(hours=1)) == 0
    confirmation = newest(server, boxes.person, "confirmation")
    assert "lasts about 30 minutes" in plain(confirmation)
    ics = next(
        p for p in confirmation.walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Free 30-minute call with Sam Rivera"
    assert "LOCATION" not in event


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('[call]\nmode = "video"\n', "call.video_url"),
        (
            '[call]\nmode = "video"\nvideo_url = "meet.example.com/x"\n',
            "call.video_url",
        ),
        ('[call]\nvideo_url = "https://meet.example.com/x"\n', "call.video_url"),
        ('[call]\nmode = "zoom"\n', "call.mode"),
    ],
)
def test_call_mistakes_are_named(tmp_path, capsys, extra, key):
    assert main(["status", "--config", str(minimal(tmp_path, extra))]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"mailflow: config: {key}:")


# -- 4. mailflow init ---------------------------------------------------------------


def _init_flags(server, boxes) -> list[str]:
    return [
        "--practice-name",
        "Riverside Counselling",
        "--practice-email",
        boxes.practice,
        "--therapist-name",
        "Sam Rivera",
        "--therapist-email",
        boxes.therapist,
        "--provider",
        "other",
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        str(server.imap_port),
        "--imap-security",
        "plain",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(server.smtp_port),
        "--smtp-security",
        "plain",
    ]


def test_init_writes_a_private_config_that_check_accepts(
    tmp_path, mail_server, mailboxes, monkeypatch, capsys
):
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", mail_server.password)
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", mail_server.password)
    # A cache folder of its own: the worker's shared one may hold the book
    # already (tests/conftest.py).
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "etc" / "mailflow.toml"
    argv = ["init", "--config", str(path), "--no-input"]
    assert main([*argv, *_init_flags(mail_server, mailboxes)]) == 0
    out = capsys.readouterr().out
    # init ends with check, which compiles the phrase book into the cache:
    # the first cron run reads it from there (#13).
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "mailflow"
    assert len(list(cache.glob("phrases-*.marshal"))) == 1
    assert "reading: the phrase book (en) ok" in out
    assert "imap: logged in to 127.0.0.1" in out
    assert "smtp: logged in to 127.0.0.1" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(path)
    assert settings.practice.email == mailboxes.practice
    assert settings.storage.database == tmp_path / "etc" / "var" / "mailflow.sqlite3"
    assert main(["check", "--config", str(path)]) == 0
    # Never over an existing file without --force.
    before = path.read_bytes()
    assert main([*argv, *_init_flags(mail_server, mailboxes)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_init_asks_and_fills_in_the_provider(tmp_path, monkeypatch, capsys):
    """Answers piped in; Gmail's servers and Sent folder come from the choice."""
    import io

    answers = "\n".join(
        [
            "Riverside Counselling",
            "hello@riverside.example",
            "Sam Rivera",
            "",  # the therapist's address: the practice's
            "gmail",
            "",  # imap host: Gmail's
            "",
            "",
            "",
            "",
            "",
            "",  # sent folder
            "",  # login: the address
            "pass show mail/riverside",
            "",  # time zone: Europe/London
            "",  # country: GB
        ]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(answers + "\n"))
    path = tmp_path / "mailflow.toml"
    assert main(["init", "--config", str(path), "--no-check"]) == 0
    assert "app password" in capsys.readouterr().out
    text = path.read_text()
    assert "#" in text  # commented
    settings = load_settings(path)
    assert settings.imap.host == "imap.gmail.com"
    assert settings.smtp.host == "smtp.gmail.com"
    assert settings.imap.sent_folder == "[Gmail]/Sent Mail"
    assert settings.practice.therapist_email == "hello@riverside.example"
    assert settings.imap.password_command == "pass show mail/riverside"
    assert settings.practice.timezone == "Europe/London"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("provider", ["gmail", "microsoft365", "fastmail", "icloud"])
def test_init_writes_a_valid_config_for_every_provider(tmp_path, provider):
    path = tmp_path / "mailflow.toml"
    argv = [
        "init",
        "--config",
        str(path),
        "--no-input",
        "--no-check",
        "--practice-name",
        "Riverside",
        "--practice-email",
        "hello@riverside.example",
        "--therapist-name",
        "Sam Rivera",
        "--provider",
        provider,
    ]
    assert main(argv) == 0
    settings = load_settings(path)
    assert settings.imap.port == 993
    assert settings.imap.security == "ssl"


def test_init_without_an_answer_says_which_flag(tmp_path, capsys):
    path = tmp_path / "mailflow.toml"
    assert main(["init", "--config", str(path), "--no-input"]) == 2
    assert "--practice-name" in capsys.readouterr().err
    assert not path.exists()


def test_the_systemd_unit_runs_watch():
    unit = Path(__file__).resolve().parents[1] / "config" / "mailflow-watch.service"
    text = unit.read_text()
    assert "ExecStart=" in text
    assert "mailflow watch" in text
    assert "EnvironmentFile=" in text


UNITS = Path(__file__).resolve().parents[1] / "config"


def _unit(name: str) -> configparser.ConfigParser:
    """A unit file as INI: systemd's syntax is INI's, strictly (no repeated keys
    in ours), with case kept and no interpolation (% is systemd's own)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text(encoding="utf-8"), source=name)
    return parser


def test_the_systemd_timer_runs_mailflow_run_every_five_minutes():
    """The timer alternative to cron (#12): a oneshot `mailflow run --config …`
    with the passwords from a private env file, started every five minutes on
    the wall clock, catching up a run missed while the machine was off."""
    service, timer = _unit("mailflow-run.service"), _unit("mailflow-run.timer")
    run_service = service["Service"]
    assert run_service["Type"] == "oneshot"
    command = run_service["ExecStart"].split()
    assert command[0].endswith("/mailflow")
    assert command[1:3] == ["run", "--config"]
    assert command[3].endswith("/mailflow.toml")
    assert run_service["EnvironmentFile"] == "-%h/.config/mailflow/mailflow.env"
    assert run_service["UMask"] == "0077"
    assert "Install" not in service  # the timer is what is enabled
    assert "Restart" not in run_service  # the next tick is the retry
    ticks = timer["Timer"]
    assert ticks["OnCalendar"] == "*:0/5"
    assert ticks["Persistent"] == "true"
    assert ticks["Unit"] == "mailflow-run.service"
    assert "OnUnitActiveSec" not in ticks  # one schedule, not two overlapping
    assert timer["Install"]["WantedBy"] == "timers.target"
    watch = _unit("mailflow-watch.service")
    assert watch["Service"]["ExecStart"].split()[1:] == ["watch"]
    assert watch["Service"]["EnvironmentFile"] == run_service["EnvironmentFile"]


def test_systemd_analyze_verifies_the_units(tmp_path):
    """`systemd-analyze verify`, where the machine has it: the units load
    cleanly, no unknown key, a calendar spec systemd reads. The command they
    name is pipx's place in a home folder; here it is this checkout's."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    mailflow = Path(sys.executable).with_name("mailflow")
    assert mailflow.exists(), mailflow
    names = ["mailflow-run.service", "mailflow-run.timer", "mailflow-watch.service"]
    for name in names:
        text = (UNITS / name).read_text(encoding="utf-8")
        text = text.replace("%h/.local/bin/mailflow", str(mailflow))
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if "Failed to initialize manager" in done.stderr:  # a container without it
        pytest.skip(f"systemd-analyze cannot run here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    ours = [line for line in done.stderr.splitlines() if "mailflow-" in line]
    assert ours == [], ours
    calendar = subprocess.run(
        [
            analyze,
            "calendar",
            "--iterations=2",
            _unit("mailflow-run.timer")["Timer"]["OnCalendar"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Normalized form: *-*-* *:00/5:00" in calendar.stdout


def test_demo_without_its_mail_server_names_the_extra(monkeypatch, capsys):
    """`mailflow demo` from a plain `pip install .` (no aiosmtpd): one line
    naming the `demo` extra, exit 2, no traceback."""
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "aiosmtpd" else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert main(["demo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "pip install 'mailflow[demo]'" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--timezone", "GMT", "practice.timezone"),
        ("--practice-email", "not-an-address", "practice.email"),
    ],
)
def test_init_names_a_typo_and_writes_nothing(tmp_path, capsys, flag, value, named):
    target = tmp_path / "conf" / "mailflow.toml"
    argv = [
        "init",
        "--config",
        str(target),
        "--no-input",
        "--no-check",
        "--practice-name",
        "Riverside Counselling",
        "--practice-email",
        "hello@riverside.example",
        "--therapist-name",
        "Sam Rivera",
        "--therapist-email",
        "sam@riverside.example",
        "--provider",
        "fastmail",
    ]
    argv += [flag, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert named in err
    assert "bug" not in err
    assert len(err.strip().splitlines()) == 1
    assert not target.exists()
    assert list((tmp_path / "conf").glob(".*")) == []


@pytest.mark.parametrize("answer", ["abc", "0", "70000", ""])
def test_an_answered_port_that_is_no_port_is_named(answer) -> None:
    from mailflow.cli.init import _port
    from mailflow.errors import ConfigError

    with pytest.raises(ConfigError, match="IMAP port"):
        _port("IMAP", answer)
    assert _port("IMAP", "993") == 993


@pytest.mark.parametrize("kind", ["token_alert", "login-refused"])
def test_a_note_sent_straight_over_smtp_is_no_sign_of_another_database(
    tmp_path, mail_server, mailboxes, kind
):
    """The sign-in notes go out without the outbox (the outbox may be what is
    stuck); the provider files them in Sent, where they are ours, not a
    second database's."""
    config = write_config(tmp_path, mail_server, mailboxes)
    assert run(config) == 0  # the folders learnt, the database made
    note = (
        f"From: mailflow <{mailboxes.practice}>\r\nTo: {mailboxes.therapist}\r\n"
        "Subject: mailflow cannot sign in\r\n"
        f"Message-ID: <mailflow.{'a1' * 16}@riverside.example>\r\n"
        f"X-Mailflow: {kind}\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n\r\nx\r\n"
    ).encode()
    mail_server.append(mailboxes.practice, "Sent", note)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        adopted = db.execute(
            "SELECT value FROM meta WHERE key = 'adopted_threads'"
        ).fetchall()
    assert adopted in ([], [("0",)])
