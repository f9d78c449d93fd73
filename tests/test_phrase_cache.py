"""The phrase book compiled once per install (`shell.phrase_cache`): the book
it gives is the book `re.compile` gives, pattern for pattern (a Pattern's `==`
compares its engine code), whether compiled, read back, or refused."""

from __future__ import annotations

import marshal
import os
import tomllib
from pathlib import Path

import pytest

from mailflow.reading import phrases
from mailflow.shell import phrase_cache


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "mailflow"


RAW = phrases.source()
PLAIN = phrases.build("en", tomllib.loads(RAW.decode()))


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("phrases-*.marshal"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a pattern can only come from the cache or `re.compile`."""
    monkeypatch.setattr(phrase_cache, "_engine_args", lambda *_: None)


def test_this_python_is_one_the_cache_follows() -> None:
    # CI runs a known CPython: if this fails, the cache is silently off there.
    assert phrase_cache.usable()


def test_first_load_compiles_every_pattern_as_re_does_and_keeps_it(
    cache_home: Path,
) -> None:
    book = phrase_cache.load("en", RAW)
    assert book == PLAIN  # every Pattern equal: same string, flags and code
    (entry,) = _entries(cache_home)
    assert entry.stat().st_mode & 0o777 == 0o600


def test_second_load_reads_the_kept_patterns_without_parsing(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    kept = _entries(cache_home)[0].read_bytes()
    calls: list[str] = []
    monkeypatch.setattr(
        phrase_cache, "_engine_args", lambda pattern, _: calls.append(pattern)
    )
    monkeypatch.setattr(
        phrase_cache.re, "compile", lambda *_: pytest.fail("compiled, not read")
    )
    book = phrase_cache.load("en", RAW)
    assert calls == []
    assert book == PLAIN
    assert _entries(cache_home)[0].read_bytes() == kept  # a hit writes nothing


def test_another_book_is_another_entry(cache_home: Path) -> None:
    phrase_cache.load("en", RAW)
    edited = RAW.replace(b"'hopeless|", b"'adrift|hopeless|", 1)
    assert edited != RAW
    book = phrase_cache.load("en", edited)
    assert len(_entries(cache_home)) == 2
    assert book == phrases.build("en", tomllib.loads(edited.decode()))


@pytest.mark.parametrize(
    "kept",
    [
        b"",
        b"not marshal at all",
        marshal.dumps(("another-format", {}, {})),
        marshal.dumps([1, 2, 3]),
    ],
    ids=["empty", "garbage", "other-format", "other-shape"],
)
def test_a_damaged_entry_is_compiled_again_and_replaced(
    cache_home: Path, kept: bytes
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    entry.write_bytes(kept)
    assert phrase_cache.load("en", RAW) == PLAIN
    assert marshal.loads(entry.read_bytes())[0] == phrase_cache._FORMAT


def test_a_kept_book_of_another_shape_gives_the_shipped_book(
    cache_home: Path,
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    form, data, made = marshal.loads(entry.read_bytes())
    del data["risk"]["clear"]
    entry.write_bytes(marshal.dumps((form, data, made)))
    assert phrase_cache.load("en", RAW) == PLAIN
    assert "clear" in marshal.loads(entry.read_bytes())[1]["risk"]  # replaced


def test_code_the_engine_refuses_is_compiled_the_plain_way(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    form, data, made = marshal.loads(entry.read_bytes())
    broken = {
        key: (flags, [999, 1, 2], *rest) for key, (flags, _, *rest) in made.items()
    }
    entry.write_bytes(marshal.dumps((form, data, broken)))
    _no_parsing(monkeypatch)
    assert phrase_cache.load("en", RAW) == PLAIN


def test_an_entry_others_could_write_is_not_read(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    form, data, made = marshal.loads(entry.read_bytes())
    # What a stranger might put there: every pattern matching nothing.
    never = marshal.dumps(
        (form, data, {key: phrase_cache._engine_args("(?!)", 0) for key in made})
    )
    entry.write_bytes(never)
    os.chmod(entry, 0o666)
    _no_parsing(monkeypatch)
    assert phrase_cache.load("en", RAW) == PLAIN


def test_an_unknown_python_compiles_the_plain_way(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(phrase_cache, "KNOWN_VERSIONS", frozenset())
    assert phrase_cache.load("en", RAW) == PLAIN
    assert _entries(cache_home) == []


def test_no_cache_folder_still_gives_the_book(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_home.parent.chmod(0o500)  # the folder cannot be made
    try:
        assert phrase_cache.load("en", RAW) == PLAIN
    finally:
        cache_home.parent.chmod(0o700)
    if os.geteuid() != 0:  # root writes anyway
        assert _entries(cache_home) == []


def test_the_command_line_uses_the_cache(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailflow.cli import command

    loaders: list[phrases.Loader | None] = []
    monkeypatch.setattr(phrases, "use_loader", loaders.append)
    command.main(["run", "--config", str(cache_home / "absent.toml")])
    assert loaders == [phrase_cache.load]
