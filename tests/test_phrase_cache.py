"""The phrase book compiled once per install (`shell.phrase_cache`): the book
it gives is the book `re.compile` gives, pattern for pattern, whether compiled,
read back, or refused; a kept entry never decides which patterns there are."""

from __future__ import annotations

import dataclasses
import marshal
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from mailflow.reading import phrases
from mailflow.reading.phrases import keywords
from mailflow.shell import phrase_cache, regex_engine


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "mailflow"


RAW = phrases.source()
PLAIN = phrases.build("en", tomllib.loads(RAW.decode()))


def _patterns(value: Any) -> list[re.Pattern[str]]:
    """Every compiled pattern of a book, in a fixed order."""
    if isinstance(value, re.Pattern):
        return [value]
    if isinstance(value, tuple):
        return [p for item in value for p in _patterns(item)]
    if dataclasses.is_dataclass(value):
        return [
            p
            for f in dataclasses.fields(value)
            for p in _patterns(getattr(value, f.name))
        ]
    return []


def same_book(book: phrases.Phrases, other: phrases.Phrases) -> bool:
    """Equal books (a Pattern's == compares its string, flags and engine
    code), and every pattern alike in what == does not compare: its groups."""
    pairs = list(zip(_patterns(book), _patterns(other), strict=True))
    return (
        book == other
        and len(pairs) > 40
        and all(
            (a.pattern, a.flags, a.groups, a.groupindex)
            == (b.pattern, b.flags, b.groups, b.groupindex)
            for a, b in pairs
        )
    )


def _gated(book: phrases.Phrases) -> list[phrases.Family]:
    """The families the screen checks keywords of before running them."""
    risk = book.risk
    pairs = [family for pair in risk.pairs for family in (pair.act, pair.sign)]
    # The place act (a subject, words between, then the place) has no word
    # the keyword reader can promise; it runs on every sentence, which the
    # hostile-input timings allow. It alone: `test_only_the_place_act_runs_ungated`.
    return [
        *risk.clear,
        *risk.possible,
        *risk.safety_need,
        *(family for family in pairs if family is not risk.pairs[1].act),
    ]


def test_only_the_place_act_runs_ungated() -> None:
    acts = [pair.act.keywords is None for pair in PLAIN.risk.pairs]
    assert acts == [False, True, False, False, False]
    assert all(pair.sign.keywords for pair in PLAIN.risk.pairs)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("phrases-*.marshal"))


def _kept(entry: Path) -> dict[tuple[str, int], Any]:
    form, made, _keywords = marshal.loads(entry.read_bytes())
    assert form == phrase_cache._FORMAT
    return dict(made)


def _kept_keywords(entry: Path) -> dict[tuple[str, int], Any]:
    _form, _made, found = marshal.loads(entry.read_bytes())
    return dict(found)


def _write(entry: Path, made: dict[Any, Any], found: dict[Any, Any]) -> None:
    entry.write_bytes(marshal.dumps((phrase_cache._FORMAT, made, found)))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a pattern can only come from the cache or `re.compile`,
    and keywords from the cache or their own parse."""
    monkeypatch.setattr(regex_engine, "engine_args", lambda *_: None)
    monkeypatch.setattr(phrase_cache, "_READ_OFF", {})


def test_this_python_is_one_the_cache_follows() -> None:
    # CI runs a known CPython: if this fails, the cache is silently off there.
    assert regex_engine.usable()


def test_first_load_compiles_every_pattern_as_re_does_and_keeps_it(
    cache_home: Path,
) -> None:
    book = phrase_cache.load("en", RAW)
    assert same_book(book, PLAIN)
    (entry,) = _entries(cache_home)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert len(_kept(entry)) == len(_patterns(PLAIN))
    families = _gated(PLAIN)
    read = [*families, PLAIN.risk.pairs[1].act]  # its keywords kept as None
    assert len(_kept_keywords(entry)) == len({f.pattern.pattern for f in read})
    assert all(f.keywords for f in families)


def test_second_load_reads_the_kept_patterns_without_parsing(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    kept = _entries(cache_home)[0].read_bytes()
    calls: list[str] = []
    monkeypatch.setattr(
        regex_engine, "engine_args", lambda pattern, _: calls.append(pattern)
    )
    monkeypatch.setattr(
        phrase_cache.re, "compile", lambda *_: pytest.fail("compiled, not read")
    )
    monkeypatch.setattr(phrase_cache, "_READ_OFF", {})
    monkeypatch.setattr(
        keywords, "of_pattern", lambda *_: pytest.fail("parsed, not read")
    )
    book = phrase_cache.load("en", RAW)
    assert calls == []
    assert same_book(book, PLAIN)
    assert _entries(cache_home)[0].read_bytes() == kept  # a hit writes nothing


def test_keywords_read_by_another_reader_are_another_entry(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept keywords are only as good as the code that read them off: a
    mailflow whose `keywords` reads them otherwise never uses the old ones."""
    phrase_cache.load("en", RAW)
    (kept,) = _entries(cache_home)
    monkeypatch.setattr(phrase_cache, "_reader_code", lambda: b"another reader")
    monkeypatch.setattr(phrase_cache, "_READ_OFF", {})
    read: list[str] = []
    monkeypatch.setattr(
        keywords, "of_pattern", lambda pattern, _: read.append(pattern) or None
    )
    book = phrase_cache.load("en", RAW)
    assert read  # read off again, not taken from the entry of the other reader
    assert all(f.keywords is None for f in _gated(book))
    assert len(_entries(cache_home)) == 2
    assert kept in _entries(cache_home)


@pytest.mark.parametrize(
    "damaged",
    [
        {},
        {"overdose": frozenset()},
        {1: None},
        {"": None},
        {"a": frozenset({1})},
        {"a": frozenset({""})},
        {"a": "b"},
        frozenset({"overdose"}),  # the old format's: one keyword of a set
    ],
    ids=[
        "empty",
        "nothing-beside",
        "not-a-word",
        "empty-anchor",
        "beside-not-words",
        "empty-beside",
        "not-a-set",
        "old-format",
    ],
)
def test_an_entry_with_damaged_keywords_is_not_read(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch, damaged: object
) -> None:
    """An empty reading (or nothing beside an anchor) would keep a family off
    every sentence: such an entry is damaged, compiled again, never read."""
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    found = dict.fromkeys(_kept_keywords(entry), damaged)
    _write(entry, _kept(entry), found)
    _no_parsing(monkeypatch)
    book = phrase_cache.load("en", RAW)
    assert same_book(book, PLAIN)
    assert all(f.keywords for f in _gated(book))


def test_this_processes_own_keywords_come_before_a_files(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What this process read off itself is used over what a file says, and
    a file's keywords never become this process's."""
    monkeypatch.setattr(phrase_cache, "_READ_OFF", {})
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    altered = {key: {"zzz": None} for key in _kept_keywords(entry)}
    _write(entry, _kept(entry), altered)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)
    assert {"zzz": None} not in phrase_cache._READ_OFF.values()


def test_the_keyword_readers_identity_is_its_code() -> None:
    """Read from the module as imported, never a constant: another reader is
    another key (a zip or frozen install without it keeps nothing)."""
    import hashlib

    from mailflow.reading.phrases import keywords as module

    source = Path(module.__file__).read_bytes()
    assert hashlib.sha256(source).hexdigest() == module.READER_ID
    assert phrase_cache._reader_code() == module.READER_ID.encode()


def test_without_a_reader_identity_nothing_is_kept(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keywords, "READER_ID", None)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)
    assert _entries(cache_home) == []


def test_one_text_with_two_flags_is_two_patterns() -> None:
    made = regex_engine.engine_args("^a.", re.MULTILINE)
    plain = regex_engine.engine_args("^a.", 0)
    assert made is not None
    assert plain is not None
    assert made[0] != plain[0]
    compiled = regex_engine.from_args("^a.", made)
    assert compiled == re.compile("^a.", re.MULTILINE)
    assert compiled is not None
    assert compiled.search("x\nab")


def test_another_book_is_another_entry(cache_home: Path) -> None:
    phrase_cache.load("en", RAW)
    edited = RAW.replace(b"'hopeless|", b"'adrift|hopeless|", 1)
    assert edited != RAW
    book = phrase_cache.load("en", edited)
    assert len(_entries(cache_home)) == 2
    assert same_book(book, phrases.build("en", tomllib.loads(edited.decode())))


def test_a_kept_entry_never_decides_which_patterns_there_are(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Engine data kept for other pattern texts (a book it was not written
    for, or altered) is never used: each pattern is looked up by its own text."""
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    never = regex_engine.engine_args("(?!)", 0)
    foreign = {("zzz never zzz", 0): never, ("another", 0): never}
    _write(entry, foreign, {("zzz never zzz", 0): {"zzz": None}})
    _no_parsing(monkeypatch)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)


@pytest.mark.parametrize(
    "kept",
    [
        b"",
        b"not marshal at all",
        marshal.dumps(("another-format", {})),
        marshal.dumps(("another-format", {}, {})),
        marshal.dumps((phrase_cache._FORMAT, {})),
        marshal.dumps((phrase_cache._FORMAT, {}, {("a", 0): ["a list"]})),
        marshal.dumps([1, 2, 3]),
        b"[\xff\xff\xff\x7f",  # a list of 2**31 - 1 items, announced
    ],
    ids=[
        "empty",
        "garbage",
        "other-format",
        "other-format-3",
        "no-keywords",
        "keywords-not-a-dict",
        "other-shape",
        "huge-header",
    ],
)
def test_a_damaged_entry_is_compiled_again_and_replaced(
    cache_home: Path, kept: bytes
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    entry.write_bytes(kept)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)
    assert len(_kept(entry)) == len(_patterns(PLAIN))


def test_code_the_engine_refuses_is_compiled_the_plain_way(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    broken = {
        key: (flags, [999, 1, 2], *rest)
        for key, (flags, _, *rest) in _kept(entry).items()
    }
    _write(entry, broken, _kept_keywords(entry))
    _no_parsing(monkeypatch)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)


def _matching_nothing(entry: Path) -> None:
    """What a stranger might put there: every pattern matching nothing."""
    never = regex_engine.engine_args("(?!)", 0)
    made = dict.fromkeys(_kept(entry), never)
    _write(entry, made, {key: {"zzz": None} for key in _kept_keywords(entry)})


def test_an_entry_others_could_write_is_not_read(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    _matching_nothing(entry)
    os.chmod(entry, 0o666)
    _no_parsing(monkeypatch)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)


def test_an_entry_of_another_user_is_not_read(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    _matching_nothing(entry)
    owner = entry.stat().st_uid
    monkeypatch.setattr(phrase_cache.os, "getuid", lambda: owner + 1)
    _no_parsing(monkeypatch)
    assert same_book(phrase_cache.load("en", RAW), PLAIN)


def test_a_fifo_at_the_entry_is_not_waited_on(cache_home: Path) -> None:
    phrase_cache.load("en", RAW)
    (entry,) = _entries(cache_home)
    entry.unlink()
    os.mkfifo(entry)  # an open() that blocked would hang the test here
    assert same_book(phrase_cache.load("en", RAW), PLAIN)


def test_an_unknown_python_compiles_the_plain_way(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regex_engine, "KNOWN_VERSIONS", frozenset())
    assert same_book(phrase_cache.load("en", RAW), PLAIN)
    assert _entries(cache_home) == []


def test_a_cache_folder_that_cannot_be_made_still_gives_the_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # even root cannot make a folder in it
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert same_book(phrase_cache.load("en", RAW), PLAIN)
    assert blocker.read_text() == "not a folder"


def test_the_command_line_hands_the_cached_book_to_the_reading(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailflow.cli import command

    kept: list[phrases.Phrases] = []
    monkeypatch.setattr(phrases, "keep", kept.append)
    command.main(["run", "--config", str(cache_home / "absent.toml")])
    assert [book.language for book in kept] == ["en"]
    assert same_book(kept[0], PLAIN)
    assert len(_entries(cache_home)) == 1
