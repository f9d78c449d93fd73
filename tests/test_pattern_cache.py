"""The core's own patterns compiled once per install (`shell.pattern_cache`):
every pattern it gives is the pattern `re.compile` gives, whether parsed, read
back, or refused; only patterns written in the code go through it."""

from __future__ import annotations

import ast
import importlib
import marshal
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import mailflow
from mailflow import patterns
from mailflow.cli import main
from mailflow.shell import pattern_cache, regex_engine

PACKAGE = Path(mailflow.__file__).parent


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    before = patterns.use(None)
    yield tmp_path / "mailflow"
    patterns.use(before)


def _door_calls() -> list[tuple[str, int, bool]]:
    """Every `patterns.compile(...)` in the package: file, line, and whether
    it sits in the module's own body (not in a function or lambda)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, in_function: bool, path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):
                inside = in_function or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                if (
                    isinstance(child, ast.Call)
                    and isinstance(child.func, ast.Attribute)
                    and child.func.attr == "compile"
                    and isinstance(child.func.value, ast.Name)
                    and child.func.value.id == "patterns"
                ):
                    found.append((str(path), child.lineno, not in_function))
                visit(child, inside)

        visit(tree, False)
    return found


def test_only_patterns_written_in_the_code_go_through_the_door() -> None:
    # A pattern compiled in a function may be built from a mail or a config
    # (a name, an address): it must never be kept on disk.
    calls = _door_calls()
    assert len(calls) > 300
    assert [c for c in calls if not c[2]] == []


def _other_ways_in() -> list[tuple[str, int]]:
    """Every way to the door but a direct call: the function taken as a
    value (`f = patterns.compile`), imported by name, the module imported
    under another name, or reached through the package
    (`mailflow.patterns.compile`)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "patterns.py" and path.parent == PACKAGE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        called = {
            id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "mailflow.patterns":
                found.append((str(path), node.lineno))
            if isinstance(node, ast.ImportFrom | ast.Import) and any(
                alias.name in {"patterns", "mailflow.patterns"}
                and alias.asname not in {None, "patterns"}
                for alias in node.names
            ):
                found.append((str(path), node.lineno))  # the door renamed
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "compile"
                and (
                    (
                        isinstance(node.value, ast.Name)
                        and node.value.id == "patterns"
                        and id(node) not in called
                    )
                    or (
                        isinstance(node.value, ast.Attribute)
                        and node.value.attr == "patterns"
                    )
                )
            ):
                found.append((str(path), node.lineno))
    return found


def test_the_door_is_only_ever_called_by_name() -> None:
    assert _other_ways_in() == []


def test_a_command_that_compiles_nothing_never_reads_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[Path] = []
    monkeypatch.setattr(pattern_cache, "_read", lambda entry: read.append(entry))
    kept = pattern_cache.install()
    assert kept is not None
    kept.save()
    assert read == []
    patterns.compile(r"x(y)")
    assert len(read) == 1  # on the first pattern asked for


def _core_patterns() -> list[re.Pattern[Any]]:
    """Every compiled pattern the core's modules hold at their top level."""
    found: dict[tuple[Any, int], re.Pattern[Any]] = {}

    def collect(value: object, depth: int = 0) -> None:
        if isinstance(value, re.Pattern):
            found[(value.pattern, value.flags)] = value
        elif depth < 3 and isinstance(value, tuple | list | frozenset | set):
            for item in value:
                collect(item, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for item in value.values():
                collect(item, depth + 1)

    for package in ("mailflow.reading", "mailflow.writing"):
        base = importlib.import_module(package)
        for info in pkgutil.walk_packages(base.__path__, package + "."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                collect(value)
    return list(found.values())


CORE = _core_patterns()


def _same(a: re.Pattern[Any], b: re.Pattern[Any]) -> bool:
    """Equal patterns (== compares string, flags and engine code) with the
    same groups, which == does not compare."""
    return a == b and (a.groups, a.groupindex) == (b.groups, b.groupindex)


def _compile_all(kept: pattern_cache.Kept) -> list[re.Pattern[Any]]:
    return [kept.compile(p.pattern, p.flags) for p in CORE]


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on a pattern can only come from the kept table or re.compile."""
    monkeypatch.setattr(regex_engine, "engine_args", lambda *_: None)


def _entries(home: Path) -> list[Path]:
    return sorted(home.glob("patterns-*.marshal"))


def test_this_python_is_one_the_cache_follows() -> None:
    # CI runs a known CPython: if this fails, the cache is silently off there.
    assert regex_engine.usable()


def test_the_core_patterns_include_both_kinds_and_many() -> None:
    assert len(CORE) > 250
    assert any(isinstance(p.pattern, bytes) for p in CORE)


def test_first_install_parses_each_pattern_as_re_does_and_keeps_them(
    cache_home: Path,
) -> None:
    kept = pattern_cache.install()
    assert kept is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(kept), CORE, strict=True))
    assert kept.added == len(CORE)
    assert _entries(cache_home) == []  # nothing written until saved
    kept.save()
    (entry,) = _entries(cache_home)
    assert entry.stat().st_mode & 0o777 == 0o600


def test_a_second_install_reads_them_back_without_parsing(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pattern_cache.install()
    assert first is not None
    _compile_all(first)
    first.save()
    (entry,) = _entries(cache_home)
    written = entry.read_bytes()
    calls: list[object] = []
    monkeypatch.setattr(
        regex_engine, "engine_args", lambda pattern, _: calls.append(pattern)
    )
    second = pattern_cache.install()
    assert second is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(second), CORE, strict=True))
    assert calls == []
    assert second.added == 0
    writes: list[Path] = []
    monkeypatch.setattr(pattern_cache, "write_private", lambda e, _: writes.append(e))
    second.save()
    assert writes == []  # nothing added: not written again
    assert entry.read_bytes() == written


def test_the_door_uses_the_installed_compiler_and_falls_back_to_re() -> None:
    assert patterns.compile(r"a+b", re.I) == re.compile(r"a+b", re.I)
    kept = pattern_cache.install()
    assert kept is not None
    compiled = patterns.compile(rb"^x(?P<y>\d)", re.M)
    assert _same(compiled, re.compile(rb"^x(?P<y>\d)", re.M))
    assert kept.added == 1
    patterns.use(None)
    assert patterns.compile("c") == re.compile("c")
    assert kept.added == 1


def _poisoned(entry: Path) -> None:
    """What a stranger might put there: every pattern matching nothing."""
    never = regex_engine.engine_args("(?!)", 0)
    entry.parent.mkdir(parents=True, exist_ok=True)
    table = {(p.pattern, p.flags): never for p in CORE}
    entry.write_bytes(marshal.dumps((pattern_cache._FORMAT, table)))
    entry.chmod(0o600)


def _entry_path() -> Path:
    entry = pattern_cache._entry()
    assert entry is not None
    return entry


def test_the_engine_refusing_kept_data_parses_again_and_mends_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = _entry_path()
    entry.parent.mkdir(parents=True)
    broken = {(p.pattern, p.flags): (0, [99999, 1, 2], 0, {}, ()) for p in CORE}
    entry.write_bytes(marshal.dumps((pattern_cache._FORMAT, broken)))
    entry.chmod(0o600)
    kept = pattern_cache.install()
    assert kept is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(kept), CORE, strict=True))
    assert kept.added == len(CORE)
    kept.save()
    _no_parsing(monkeypatch)
    again = pattern_cache.install()
    assert again is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(again), CORE, strict=True))
    assert again.added == 0


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda e: e.chmod(0o666), id="others-may-write"),
        pytest.param(lambda e: e.write_bytes(b"\x00garbage"), id="damaged"),
        pytest.param(
            lambda e: e.write_bytes(marshal.dumps((b"other-format", {}))),
            id="another-format",
        ),
        pytest.param(
            lambda e: e.write_bytes(marshal.dumps((pattern_cache._FORMAT, [1]))),
            id="not-a-table",
        ),
    ],
)
def test_a_doubtful_file_is_not_read(
    spoil: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _entry_path()
    _poisoned(entry)
    spoil(entry)
    kept = pattern_cache.install()
    assert kept is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(kept), CORE, strict=True))


def test_a_file_of_another_user_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _entry_path()
    _poisoned(entry)
    monkeypatch.setattr(regex_engine.os, "getuid", lambda: os.getuid() + 1)
    kept = pattern_cache.install()
    assert kept is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(kept), CORE, strict=True))


def test_an_unknown_python_is_left_to_re(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex_engine, "KNOWN_VERSIONS", frozenset())
    assert pattern_cache.install() is None
    assert patterns.compile("a(b)") == re.compile("a(b)")


def test_no_cache_folder_compiles_and_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, cache_home: Path
) -> None:
    monkeypatch.setattr(pattern_cache, "cache_folder", lambda: None)
    kept = pattern_cache.install()
    assert kept is not None
    assert all(_same(a, b) for a, b in zip(_compile_all(kept), CORE, strict=True))
    kept.save()
    assert not cache_home.exists()


def test_the_command_saves_what_it_compiled_and_puts_the_door_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved: list[pattern_cache.Kept] = []
    monkeypatch.setattr(pattern_cache.Kept, "save", lambda self: saved.append(self))
    mine = patterns.use(None)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert len(saved) == 1  # even when the command ends by SystemExit
    assert patterns.use(mine) is None  # the door as the command found it


def _python(code: str, cache: Path) -> str:
    """What a fresh interpreter prints running `code`, with `cache` as its
    XDG_CACHE_HOME."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout


def test_a_second_process_parses_none_of_the_core_patterns(tmp_path: Path) -> None:
    """Once per install, measured where it counts: two fresh interpreters
    loading the whole core through the cache; the second parses nothing."""
    code = (
        "from mailflow.shell import pattern_cache\n"
        "kept = pattern_cache.install()\n"
        "import mailflow.reading.classify, mailflow.reading.reply\n"
        "import mailflow.reading.picking, mailflow.writing.letters\n"
        "print(kept.added)\n"
        "kept.save()\n"
    )
    runs = [_python(code, tmp_path).strip() for _ in range(2)]
    assert int(runs[0]) > 250
    assert runs[1] == "0"


CLOSED_SERVER = """
[{section}]
host = "127.0.0.1"
port = 9
security = "plain"
username = "practice@riverside.example"
password = "secret"
timeout_s = 2
"""
CLOSED_CONFIG = (
    """
[practice]
name = "Riverside Counselling"
email = "practice@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
timezone = "Europe/London"
country = "GB"
"""
    + CLOSED_SERVER.replace("{section}", "imap")
    + CLOSED_SERVER.replace("{section}", "smtp")
    + """
[storage]
database = "{database}"
"""
)
"""Servers nobody answers on (port 9, discard): `check` meets them down."""


def test_check_leaves_the_first_run_no_core_pattern_to_parse(tmp_path: Path) -> None:
    """`mailflow check` (which `init` ends with) keeps every core pattern,
    even when the servers are down: the next process parses none of them."""
    config = tmp_path / "mailflow.toml"
    config.write_text(
        CLOSED_CONFIG.format(database=tmp_path / "var" / "mailflow.sqlite3"),
        encoding="utf-8",
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    checked = subprocess.run(
        [sys.executable, "-m", "mailflow", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert checked.returncode == 3, checked.stderr  # the servers: down
    code = (
        "from mailflow.shell import pattern_cache\n"
        "kept = pattern_cache.install()\n"
        "print(pattern_cache.warm(), kept.added)\n"
    )
    after = _python(code, tmp_path / "cache").split()
    assert int(after[0]) > 20  # every module of the core loaded
    assert after[1] == "0"
