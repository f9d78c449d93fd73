"""Settings: the TOML file, environment overrides, and one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.cli import main
from mailflow.config import load_settings
from mailflow.errors import ConfigError
from mailflow.shell.paths import config_path

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "mailflow.example.toml"

MINIMAL = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
[smtp]
host = "smtp.riverside.example"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mailflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def test_example_config_is_complete_and_valid():
    settings = load_settings(EXAMPLE)
    assert settings.practice.timezone == "Europe/London"
    assert settings.availability.offer_count == 5
    assert settings.workflow.max_request_age_days == 7


def test_every_key_has_a_default_except_practice_and_servers(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))
    assert settings.imap.port == 993
    assert settings.smtp.port == 465
    assert settings.imap.security == "ssl"
    assert settings.storage.retention_days == 180
    assert "emergency" in settings.safety.message  # built-in: names no country
    assert "999" not in settings.safety.message


def test_missing_required_keys_are_named(tmp_path):
    lines = problems(write(tmp_path, "[imap]\nhost='x'\n[smtp]\nhost='y'\n"))
    assert "practice: missing; this key is required" in lines


def test_one_line_per_problem_naming_the_key(tmp_path):
    text = (
        MINIMAL.replace('"Europe/London"', '"x"')
        + """
[availability.hours]
mon = ["9-12", "13:00-12:00"]
[workflow]
approval = "maybe"
"""
    )
    text = text.replace('email = "hello@riverside.example"', 'email = "hello"')
    text = text.replace(
        'host = "imap.riverside.example"',
        'host = "imap.riverside.example"\npasword = "x"',
    )
    lines = problems(write(tmp_path, text))
    assert 'availability.hours.mon: "9-12" is not HH:MM-HH:MM' in lines
    assert 'availability.hours.mon: "13:00-12:00" ends before it starts' in lines
    assert "practice.email: 'hello' is not an email address" in lines
    assert any(line.startswith("imap.pasword: unknown key") for line in lines)
    assert any(line.startswith("workflow.approval:") for line in lines)


def test_plain_refused_for_a_remote_host(tmp_path):
    text = MINIMAL.replace(
        'host = "imap.riverside.example"',
        'host = "imap.riverside.example"\nsecurity = "plain"',
    )
    (line,) = problems(write(tmp_path, text))
    assert line.startswith("imap.security: ")
    assert "loopback" in line


def test_plain_allowed_on_loopback(tmp_path):
    text = MINIMAL.replace(
        'host = "imap.riverside.example"', 'host = "127.0.0.1"\nsecurity = "plain"'
    )
    assert load_settings(write(tmp_path, text)).imap.security == "plain"


def test_environment_overrides_file_including_json_lists(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "from-env")
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__BLOCKED_DATES", '["2026-12-24"]')
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__HOURS", '{"fri": ["10:00-11:00"]}')
    monkeypatch.setenv("MAILFLOW_PRACTICE__NAME", "Elsewhere")
    settings = load_settings(write(tmp_path, MINIMAL))
    assert settings.imap.password.get_secret_value() == "from-env"
    assert [d.isoformat() for d in settings.availability.blocked_dates] == [
        "2026-12-24"
    ]
    assert set(settings.availability.hours) == {"fri"}
    assert settings.practice.name == "Elsewhere"
    assert settings.practice.email == "hello@riverside.example"


def test_bad_environment_value_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__OFFER_COUNT", "lots")
    lines = problems(write(tmp_path, MINIMAL))
    assert len(lines) == 1
    assert lines[0].startswith("availability.offer_count:")


def test_password_command_is_run(tmp_path):
    text = MINIMAL.replace(
        'host = "imap.riverside.example"',
        'host = "imap.riverside.example"\npassword_command = "printf s3cret"',
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.imap.resolve_password() == "s3cret"


def test_secrets_never_show_in_repr(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILFLOW_SMTP__PASSWORD", "hunter2")
    settings = load_settings(write(tmp_path, MINIMAL))
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_config_path_precedence(monkeypatch, tmp_path):
    assert config_path(None) == Path("config/mailflow.toml")
    monkeypatch.setenv("MAILFLOW_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(None) == tmp_path / "env.toml"
    assert config_path("given.toml") == Path("given.toml")


def test_cli_exits_2_with_one_line_per_problem(tmp_path, capsys):
    text = MINIMAL.replace('"Europe/London"', '"Mars/Olympus"').replace(
        'name = "Riverside Counselling"',
        'name = "Riverside Counselling"\ntimezone = "Mars/Olympus"',
    )
    text += '[availability.hours]\nmon = ["9-12"]\n'
    code = main(["run", "--config", str(write(tmp_path, text))])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        "mailflow: config: practice.timezone: 'Mars/Olympus' is not an IANA time zone (e.g. Europe/London)",
        'mailflow: config: availability.hours.mon: "9-12" is not HH:MM-HH:MM',
    ]
    assert "Traceback" not in "\n".join(err)


def test_cli_missing_file_exits_2(tmp_path, capsys):
    assert main(["status", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such config file" in capsys.readouterr().err


def test_cli_bad_toml_exits_2(tmp_path, capsys):
    assert main(["check", "--config", str(write(tmp_path, "[practice\n"))]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_check_renders_every_shipped_template(tmp_path):
    from mailflow.cli.check import sample_contexts
    from mailflow.writing import compose

    settings = load_settings(write(tmp_path, MINIMAL))
    shipped = {
        p.name.removesuffix(".txt.j2")
        for p in compose.TEMPLATE_DIR.glob("*.txt.j2")
        if not p.name.startswith("_")
    }
    contexts = sample_contexts(settings)
    assert set(contexts) == shipped
    for kind, context in contexts.items():
        text, html = compose.render(kind, context)
        assert "Sam" in text or "Jordan" in text
        assert "<html" in html


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        (
            "MAILFLOW_AVAILABILITY__BLOCKED_DATES",
            "not json",
            "availability.blocked_dates",
        ),
        ("MAILFLOW_AVAILABILITY__HOURS", "{mon: 9-12}", "availability.hours"),
        ("MAILFLOW_REQUESTS__FORM_SENDERS", "@forms.example", "requests.form_senders"),
        ("MAILFLOW_AVAILABILITY", "x", "availability"),
    ],
)
def test_bad_json_in_an_environment_override_exits_2_naming_it(
    tmp_path, monkeypatch, capsys, variable, value, key
):
    monkeypatch.setenv(variable, value)
    assert main(["check", "--config", str(write(tmp_path, MINIMAL))]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"mailflow: config: {key}: {variable} is not valid JSON")
    assert "bug" not in line


def test_password_command_first_line_is_the_password(tmp_path):
    text = MINIMAL.replace(
        'host = "smtp.riverside.example"',
        'host = "smtp.riverside.example"\n'
        "password_command = \"printf 's3cret\\\\nlogin: hello\\\\nurl: x\\\\n'\"",
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.smtp.resolve_password() == "s3cret"


@pytest.mark.parametrize("section", ["imap", "smtp"])
def test_password_command_errors_name_the_key(tmp_path, section):
    text = MINIMAL.replace(
        f'host = "{section}.riverside.example"',
        f'host = "{section}.riverside.example"\npassword_command = "false"',
    )
    settings = load_settings(write(tmp_path, text))
    with pytest.raises(ConfigError) as caught:
        getattr(settings, section).resolve_password()
    assert caught.value.problems == [
        f"{section}.password_command: exited with status 1"
    ]


@pytest.mark.parametrize("code", ["UK", "XX", "EU"])
def test_a_country_phone_numbers_cannot_be_read_in_is_refused(tmp_path, code):
    """`country = "UK"` was taken, and phone numbers were then read as none:
    people were asked again for a number they gave."""
    text = MINIMAL.replace(
        'name = "Riverside Counselling"',
        f'name = "Riverside Counselling"\ncountry = "{code}"',
    )
    found = problems(write(tmp_path, text))
    assert len(found) == 1
    assert found[0].startswith(
        f"practice.country: '{code}' is not an ISO 3166 country code"
    )
    assert "GB" in found[0]
    assert ("United Kingdom" in found[0]) is (code == "UK")


@pytest.mark.parametrize("code", ["GB", "gb", "US", "IE", "AU"])
def test_a_country_phone_numbers_can_be_read_in_is_taken(tmp_path, code):
    text = MINIMAL.replace(
        'name = "Riverside Counselling"',
        f'name = "Riverside Counselling"\ncountry = "{code}"',
    )
    assert load_settings(write(tmp_path, text)).practice.country == code.upper()


def test_the_region_check_agrees_with_phonenumbers_for_every_code() -> None:
    """`phone_region_known` asks phonenumbers' data folder, not the module (a
    run that reads no request never loads it): the same answer for AA..ZZ."""
    import itertools
    import string

    from phonenumbers import SUPPORTED_REGIONS

    from mailflow.config import phone_region_known

    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        assert phone_region_known(a + b) is (a + b in SUPPORTED_REGIONS), a + b


@pytest.mark.parametrize(
    ("keys", "every_offer", "later"),
    [
        ("", True, True),
        ("in_every_offer = false\n", False, False),
        ("in_every_offer = true\n", True, True),
        ("in_every_offer = false\nin_later_letters = true\n", False, True),
        ("in_later_letters = false\n", True, False),
        ("in_later_letters = true\nin_every_offer = false\n", False, True),
    ],
)
def test_the_later_letters_closing_follows_every_offer_unless_set(
    tmp_path, keys: str, every_offer: bool, later: bool
):
    """`safety.in_later_letters` unset is `in_every_offer`: a practice that
    turned the first offer's closing off is not given it on the later letters
    unasked. Set, it is as given. The same from the cache (a second load)."""
    path = write(tmp_path, MINIMAL + "[safety]\n" + keys)
    for settings in (load_settings(path), load_settings(path)):
        assert settings.safety.in_every_offer is every_offer
        assert settings.safety.in_later_letters is later


def test_the_later_letters_closing_follows_every_offer_from_the_environment(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("MAILFLOW_SAFETY__IN_EVERY_OFFER", "false")
    settings = load_settings(write(tmp_path, MINIMAL))
    assert settings.safety.in_every_offer is False
    assert settings.safety.in_later_letters is False
    monkeypatch.setenv("MAILFLOW_SAFETY__IN_LATER_LETTERS", "true")
    assert load_settings(write(tmp_path, MINIMAL)).safety.in_later_letters is True


@pytest.mark.parametrize("value", ['"x"', "5", "[]"])
def test_a_later_letters_value_that_is_no_boolean_is_named_once(tmp_path, value):
    lines = problems(
        write(tmp_path, MINIMAL + f"[safety]\nin_later_letters = {value}\n")
    )
    (line,) = lines
    assert line.startswith("safety.in_later_letters: "), line
