"""The validated-settings cache: a hit skips pydantic, a change misses, no secrets."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailflow import config
from mailflow.config import load_settings
from mailflow.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
password = "toml-imap-secret"
[smtp]
host = "smtp.riverside.example"
password_command = "printf smtp-from-command"
"""


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache folder, never the real home's."""
    for name in list(os.environ):
        if name.lower().startswith("mailflow_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "mailflow"


def write(tmp_path: Path, text: str = MINIMAL) -> Path:
    path = tmp_path / "mailflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("config-*.json")) if cache.is_dir() else []


@pytest.fixture
def no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a load that reaches pydantic fails the test."""

    def refuse(*args: object) -> object:
        raise AssertionError("validated again: expected a cache hit")

    monkeypatch.setattr(config, "_validate", refuse)


def test_a_second_load_is_a_hit_equal_to_the_first(tmp_path, cache, request):
    path = write(tmp_path)
    first = load_settings(path)
    assert len(entries(cache)) == 1
    request.getfixturevalue("no_validation")
    second = load_settings(path)
    assert second == first
    assert second.imap.password.get_secret_value() == "toml-imap-secret"
    assert second.smtp.resolve_password() == "smtp-from-command"
    assert isinstance(second.storage.database, Path)
    assert second.availability.hours["mon"] == ("09:00-12:00", "13:00-17:00")


def test_a_hit_in_a_fresh_process_does_not_import_pydantic(tmp_path, cache):
    path = write(tmp_path)
    script = (
        "import sys\n"
        "from mailflow.config import load_settings\n"
        f"s = load_settings({str(path)!r})\n"
        "assert s.imap.password.get_secret_value() == 'toml-imap-secret'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if 'pydantic' in m}))\n"
    )

    def fresh() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=dict(os.environ),
            check=True,
        )
        return done.stdout.strip()

    assert "'pydantic'" in fresh()  # the miss validates, and writes the entry
    assert len(entries(cache)) == 1
    assert fresh() == "[]"  # the hit: no pydantic, no pydantic_settings
    assert fresh() == "[]"


def test_a_changed_file_misses_and_is_validated_again(tmp_path, cache):
    path = write(tmp_path)
    load_settings(path)
    write(tmp_path, MINIMAL.replace("Riverside Counselling", "Elsewhere"))
    assert load_settings(path).practice.name == "Elsewhere"
    assert len(entries(cache)) == 2
    broken = MINIMAL.replace(
        'email = "hello@riverside.example"',
        'email = "hello"\ntimezone = "Mars/Olympus"',
    )
    write(tmp_path, broken + '[availability.hours]\nmon = ["9-12"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [
        "practice.email: 'hello' is not an email address",
        "practice.timezone: 'Mars/Olympus' is not an IANA time zone (e.g. Europe/London)",
        'availability.hours.mon: "9-12" is not HH:MM-HH:MM',
    ]
    assert len(entries(cache)) == 2  # nothing cached for a bad config


def test_a_changed_environment_misses_and_is_validated_again(
    tmp_path, cache, monkeypatch
):
    path = write(tmp_path)
    load_settings(path)
    monkeypatch.setenv("MAILFLOW_PRACTICE__NAME", "Elsewhere")
    assert load_settings(path).practice.name == "Elsewhere"
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__OFFER_COUNT", "lots")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (line,) = caught.value.problems
    assert line.startswith("availability.offer_count:")
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__OFFER_COUNT", "3")
    assert load_settings(path).availability.offer_count == 3
    monkeypatch.setenv("mailflow_availability__offer_count", "4")  # any case counts
    assert load_settings(path).availability.offer_count == 4


def test_check_by_path_warms_the_entry_the_cron_line_reads(
    tmp_path, cache, monkeypatch, request
):
    # `mailflow check --config F` (as init runs it) and the README's cron line
    # (MAILFLOW_CONFIG=F) name the same file: one entry, so the first run from
    # cron does not validate again. MAILFLOW_CONFIG only names the file.
    path = write(tmp_path)
    checked = load_settings(path)
    monkeypatch.setenv("MAILFLOW_CONFIG", str(path))
    request.getfixturevalue("no_validation")
    assert load_settings(path) == checked
    assert len(entries(cache)) == 1


def test_a_file_with_pydantic_settings_own_keys_is_never_cached(
    tmp_path, cache, monkeypatch
):
    # `_env_prefix` makes pydantic-settings read variables no key here names.
    path = write(tmp_path, '_env_prefix = "ZZ_"\n' + MINIMAL)
    monkeypatch.setenv("ZZ_PRACTICE__NAME", "Alpha")
    try:
        first = load_settings(path).practice.name
    except ConfigError:
        first = None  # refused outright is fine too: never a stale read
    monkeypatch.setenv("ZZ_PRACTICE__NAME", "Beta")
    try:
        second = load_settings(path).practice.name
    except ConfigError:
        second = None
    assert entries(cache) == []
    assert (first, second) in {("Alpha", "Beta"), (None, None)}


def test_a_changed_password_is_a_hit_with_the_new_password(
    tmp_path, monkeypatch, request
):
    path = write(tmp_path)
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "env-one")
    assert load_settings(path).imap.password.get_secret_value() == "env-one"
    request.getfixturevalue("no_validation")
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "env-two")
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "env-three")
    settings = load_settings(path)
    assert settings.imap.password.get_secret_value() == "env-two"
    assert settings.smtp.password.get_secret_value() == "env-three"
    monkeypatch.delenv("MAILFLOW_IMAP__PASSWORD")  # back to the file's
    assert load_settings(path).imap.password.get_secret_value() == "toml-imap-secret"
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "")  # empty still overrides
    assert load_settings(path).imap.password.get_secret_value() == ""


def test_the_cache_never_holds_a_password(tmp_path, cache, monkeypatch):
    path = write(tmp_path)
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "env-smtp-secret")
    settings = load_settings(path)
    load_settings(path)
    assert settings.imap.password.get_secret_value() == "toml-imap-secret"
    assert settings.smtp.password.get_secret_value() == "env-smtp-secret"
    assert len(entries(cache)) == 1
    stored = b"".join(p.read_bytes() for p in cache.iterdir())
    assert b"toml-imap-secret" not in stored
    assert b"env-smtp-secret" not in stored
    assert b"password_command" in stored  # a command, not a secret
    assert b'"password":' not in stored


def test_the_cache_entry_is_private(tmp_path, cache):
    load_settings(write(tmp_path))
    (entry,) = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_an_unwritable_cache_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
    path = write(tmp_path)
    assert load_settings(path).practice.name == "Riverside Counselling"
    assert load_settings(path).practice.name == "Riverside Counselling"


def test_a_damaged_or_foreign_entry_is_a_miss(tmp_path, cache, monkeypatch):
    path = write(tmp_path)
    expected = load_settings(path)
    (entry,) = entries(cache)
    entry.write_text('{"practice": {"name": 1}}')
    assert load_settings(path) == expected  # validated again and rewritten
    assert '"Riverside Counselling"' in entry.read_text()
    entry.write_text(entry.read_text().replace("Riverside", "Forged"))
    entry.chmod(0o666)  # anyone could have written it: not trusted
    assert load_settings(path) == expected
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_hit_still_checks_the_templates_folder(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    path = write(tmp_path, MINIMAL + f"[templates]\ndirectory = {str(folder)!r}\n")
    assert load_settings(path).templates.directory == folder
    folder.rmdir()
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [
        f"templates.directory: {str(folder)!r} is not a folder"
    ]


def test_a_whole_server_section_in_the_environment_is_not_cached(
    tmp_path, cache, monkeypatch
):
    monkeypatch.setenv("MAILFLOW_SMTP", '{"host": "smtp.x.example", "password": "p"}')
    settings = load_settings(write(tmp_path))
    assert settings.smtp.password.get_secret_value() == "p"
    assert entries(cache) == []


def test_section_type_errors_still_name_the_public_class(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, 'practice = 5\nimap = "x"\n[smtp]\nhost="y"\n'))
    assert caught.value.problems == [
        "practice: Input should be a valid dictionary or instance of PracticeSettings",
        "imap: Input should be a valid dictionary or instance of ImapSettings",
    ]


def test_the_dataclasses_mirror_the_pydantic_models():
    model = config._models()
    for name, cls in config._SECTIONS.items():
        section = model.model_fields[name].annotation
        derived = set(config.DERIVED_FIELDS)  # not keys: computed from other keys
        assert (
            set(section.model_fields)
            == {f.name for f in dataclasses.fields(cls)} - derived
        )
    assert set(model.model_fields) == set(config._SECTIONS)


def test_passwords_are_masked(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "hunter2")
    path = write(tmp_path)
    for settings in (load_settings(path), load_settings(path)):
        assert "hunter2" not in repr(settings)
        assert "toml-imap-secret" not in repr(settings)
        assert str(settings.smtp.password) == "**********"
        assert "**********" in repr(settings.smtp.password)
