"""With no MAILFLOW_* variable set, the file's pydantic model validates alone
(pydantic-settings is not imported): it must say exactly what pydantic-settings
would, for every key of the example config made wrong in every way a person or a
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


def test_the_file_model_says_what_pydantic_settings_says():
    differ = [
        name
        for name, data in CASES
        if _outcome(config._file_model(), data) != _outcome(config._models(), data)
    ]
    assert differ == []


def test_validation_takes_the_file_model_only_without_overrides(monkeypatch):
    taken: list[str] = []
    monkeypatch.setattr(
        config, "_models", lambda: taken.append("settings") or Exception
    )
    config._validated(EXAMPLE, {})
    assert taken == []
    with pytest.raises(TypeError):
        config._validated(EXAMPLE, {"mailflow_imap__port": "1"})
    with pytest.raises(TypeError):
        config._validated({**EXAMPLE, "Practice": {}}, {})
    assert taken == ["settings", "settings"]


def test_a_first_load_without_overrides_does_not_import_pydantic_settings(tmp_path):
    path = tmp_path / "mailflow.toml"
    path.write_text((ROOT / "config" / "mailflow.example.toml").read_text("utf-8"))
    probe = (
        "import sys\nfrom mailflow.config import load_settings\n"
        f"load_settings({str(path)!r})\n"
        "print('pydantic_settings' in sys.modules, 'pydantic' in sys.modules)"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == ["False", "True"]
