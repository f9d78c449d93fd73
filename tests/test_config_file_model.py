"""With no MAILFLOW_* override but servers' passwords (or MAILFLOW_CONFIG), the
file's pydantic model validates alone, the passwords merged in (pydantic-settings
is not imported): it must say exactly what pydantic-settings would, for every key of the example config made wrong in every way a person or a
typo could, and for whole sections missing or of the wrong kind."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mailflow import config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE: dict[str, Any] = tomllib.loads(
    (ROOT / "config" / "mailflow.example.toml").read_text("utf-8")
)
WRONG: tuple[Any, ...] = ("", "x", -1, 0, 10**12, 2.5, True, [], ["x"], {}, {"a": 1})


def _variants() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = [("example", EXAMPLE)]
    for section, table in EXAMPLE.items():
        cases.append((f"{section} missing", _without(EXAMPLE, section)))
        cases.append((f"{section} = 5", {**EXAMPLE, section: 5}))
        extra = copy.deepcopy(EXAMPLE)
        extra[section]["unknown_key"] = 1
        cases.append((f"{section}.unknown_key", extra))
        for key in table:
            cases.append((f"{section}.{key} missing", _with(section, key, None)))
            for value in WRONG:
                cases.append(
                    (f"{section}.{key} = {value!r}", _with(section, key, value))
                )
    return cases


def _without(data: dict[str, Any], section: str) -> dict[str, Any]:
    return {name: table for name, table in data.items() if name != section}


def _with(section: str, key: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    if value is None:
        del data[section][key]
    else:
        data[section][key] = value
    return data


def _outcome(model: Any, data: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "valid", model(**copy.deepcopy(data)).model_dump()
    except ValidationError as exc:
        return "invalid", config._problems(exc)


CASES = _variants()


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().startswith("mailflow_"):
            monkeypatch.delenv(name)


def test_the_variants_reach_both_outcomes():
    outcomes = {_outcome(config._file_model(), data)[0] for _, data in CASES}
    assert outcomes == {"valid", "invalid"}
    assert len(CASES) > 900


ENVIRONMENTS: tuple[dict[str, str], ...] = (
    {},
    {"MAILFLOW_CONFIG": "/etc/mailflow.toml"},  # read by mailflow, not for a field
    {"MAILFLOW_IMAP__PASSWORD": "from-the-environment"},
    {"MAILFLOW_SMTP__PASSWORD": "", "MAILFLOW_CALDAV__PASSWORD": "c4l"},
)
SECTIONLESS = [
    ("no imap", _without(EXAMPLE, "imap")),
    ("imap = 5", {**EXAMPLE, "imap": 5}),
]


def _fast(data: dict[str, Any], environ: dict[str, str]) -> tuple[str, Any]:
    lowered = {k.lower(): v for k, v in environ.items()}
    try:
        return "valid", config._validated(copy.deepcopy(data), lowered).model_dump()
    except ValidationError as exc:
        return "invalid", config._problems(exc)


@pytest.mark.parametrize("environ", ENVIRONMENTS, ids=["none", "config", "imap", "two"])
def test_the_file_model_says_what_pydantic_settings_says(environ, monkeypatch):
    """Every variant, under each environment the README's set-ups give (the
    config's path, passwords in the environment): the file's model with the
    passwords merged in says what pydantic-settings says."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings_model = config._models()
    calls: list[int] = []
    monkeypatch.setattr(config, "_models", lambda: calls.append(1) or settings_model)
    differ = [
        name
        for name, data in CASES + SECTIONLESS
        if _fast(data, environ) != _outcome(settings_model, data)
    ]
    assert differ == []
    assert calls == []  # the file's model said it, never pydantic-settings


def test_any_other_override_or_key_goes_through_pydantic_settings(monkeypatch):
    taken: list[str] = []
    monkeypatch.setattr(
        config, "_models", lambda: taken.append("settings") or Exception
    )
    config._validated(EXAMPLE, {"mailflow_config": "x", "mailflow_imapx": "y"})
    assert taken == []
    for data, environ in (
        (EXAMPLE, {"mailflow_imap__port": "1"}),
        (EXAMPLE, {"mailflow_imap": '{"password": "x"}'}),
        (EXAMPLE, {"mailflow_practice__password": "x"}),
        ({**EXAMPLE, "Practice": {}}, {}),
        ({**EXAMPLE, "_env_file": "x"}, {}),
    ):
        with pytest.raises(TypeError):
            config._validated(data, environ)
    assert taken == ["settings"] * 5


def test_a_first_load_as_cron_runs_it_does_not_import_pydantic_settings(tmp_path):
    path = tmp_path / "mailflow.toml"
    path.write_text((ROOT / "config" / "mailflow.example.toml").read_text("utf-8"))
    probe = (
        "import sys\nfrom mailflow.config import load_settings\n"
        f"load_settings({str(path)!r})\n"
        "print('pydantic_settings' in sys.modules, 'pydantic' in sys.modules)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MAILFLOW_CONFIG": str(path),  # the README's cron line
        "MAILFLOW_IMAP__PASSWORD": "kept-out-of-the-file",
    }
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == ["False", "True"]
