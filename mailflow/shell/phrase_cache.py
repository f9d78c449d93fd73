"""The phrase book, compiled once per install instead of once per run.

Compiling the book's ~40 large alternations is Python-level parsing (`re`'s
parser is written in Python): ~0.1 s, most of what a first run spends reading.
What the parser produces for a pattern (its final flags, its engine code and
group tables) is plain data, so it is kept in the per-user cache folder beside
the validated config, `phrases-<key>.marshal`, keyed by the book's bytes and
the interpreter's exact version and regex engine (`_sre.MAGIC`, `_sre.CODESIZE`)
and the code that reads the keywords below.

Only that engine data is kept, with each gated family's keywords (the words
the screen checks before it runs a family: `phrases.keywords`, read off the
same parse), looked up by each pattern's own text and flags; the book itself
is always read from the package, so a kept entry can only say how to compile
a pattern the shipped book asks for, never which patterns there are. A hit
hands the data to the engine's own constructor (`_sre.compile`, which checks
the code's structure before it takes it, not that it is the pattern's): a
pattern equal to `re.compile`'s (a test compares every pattern of the book:
string, flags, engine code, groups, keywords). What guards the data is who
may write it: the file is read only when it is a regular file of the user's
own that nobody else may write, and no bigger than `MAX_BYTES`.

This follows CPython's `re` internals, so it is used only where they are known
(`regex_engine.KNOWN_VERSIONS`); anywhere else, and on any doubt (a foreign, odd or damaged
file, code the engine refuses), the pattern is compiled by `re.compile` as
without this module. Only ever a cache: loading the book never fails for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Final

from mailflow.reading.phrases import Phrases, build, keywords
from mailflow.reading.phrases.keywords import Keywords
from mailflow.shell import regex_engine
from mailflow.shell.paths import cache_folder, write_private
from mailflow.shell.regex_engine import Args, read_private

MAX_BYTES: Final = 8 * 1024 * 1024
"""A kept entry is ~1 MB; anything much larger is not ours."""
_FORMAT: Final = b"mailflow-phrases-4"

Known = dict[tuple[str, int], Args]
KnownKeywords = dict[tuple[str, int], Keywords | None]
"""Each family pattern's keywords (`phrases.keywords`), read off its parse."""


_PARSED: Known = {}
"""This process's parsed patterns: a second cache folder (as each test has)
costs the engine's constructor and the write, not the parsing again."""
_READ_OFF: KnownKeywords = {}
"""This process's keywords, for the same reason."""


def load(language: str, raw: bytes) -> Phrases:
    """The compiled book of `raw` (a phrase file's bytes): each pattern from
    the cache where it holds it for this interpreter, else compiled; kept for
    the next run when anything had to be compiled."""
    data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    if not regex_engine.usable():
        return build(language, data)
    entry = _entry(language, raw)
    kept = _read(entry) if entry is not None else None
    known, known_keywords = kept if kept is not None else (None, None)
    made: Known = {}
    found: KnownKeywords = {}
    followed = [True]  # internals that fail once are not tried again this load

    def make(pattern: str, flags: int) -> re.Pattern[str]:
        key = (pattern, int(flags))  # a plain int: marshal keeps no RegexFlag
        args = known.get(key) if known else None
        compiled = regex_engine.from_args(pattern, args) if args is not None else None
        if compiled is None and followed[0]:
            args = _PARSED.get(key) or regex_engine.engine_args(pattern, flags)
            compiled = (
                regex_engine.from_args(pattern, args) if args is not None else None
            )
            followed[0] = compiled is not None
        if compiled is None or args is None:
            return re.compile(pattern, flags)
        _PARSED[key] = made[key] = args
        return compiled

    def find(pattern: str, flags: int) -> Keywords | None:
        key = (pattern, int(flags))
        if key in _READ_OFF:
            keys = _READ_OFF[key]  # read off in this process: never a file's
        elif known_keywords is not None and key in known_keywords:
            keys = known_keywords[key]
        else:
            keys = _READ_OFF[key] = keywords.of_pattern(pattern, flags)
        found[key] = keys
        return keys

    book = build(language, data, make, find)
    if entry is not None:
        if made != known or found != known_keywords:
            # A value marshal cannot keep (ValueError): the book stays uncached.
            with contextlib.suppress(ValueError):
                write_private(entry, marshal.dumps((_FORMAT, made, found)))
        else:  # in use: not swept as stale beside newer entries
            with contextlib.suppress(OSError):
                os.utime(entry)
    return book


def _entry(language: str, raw: bytes) -> Path | None:
    folder = cache_folder()
    engine = regex_engine.engine()
    if folder is None or engine is None:
        return None
    magic, codesize = engine
    about = f"{language}\0{sys.version}\0{magic}\0{codesize}\0"
    # The keywords are only as good as the code that read them off: a new
    # mailflow with another reading of them is another entry.
    reader = _reader_code()
    if reader is None:
        return None  # no identity for the keyword reader: nothing kept
    key = hashlib.sha256(
        _FORMAT + b"\0" + about.encode() + reader + b"\0" + raw
    ).hexdigest()
    return folder / f"phrases-{key}.marshal"


def _reader_code() -> bytes | None:
    """The identity of `phrases.keywords` as imported (`READER_ID`: its code
    hashed at import, so an upgrade mid-run cannot file old keywords under a
    new key); None when unknown, and then no entry is kept or read."""
    reader = keywords.READER_ID
    return None if reader is None else reader.encode()


def _read(entry: Path) -> tuple[Known, KnownKeywords] | None:
    """The kept engine data and keywords, by pattern; None on any doubt (see
    `regex_engine.read_private` for which files are read at all)."""
    kept = read_private(entry, MAX_BYTES)
    if (
        not isinstance(kept, tuple)
        or len(kept) != 3
        or kept[0] != _FORMAT
        or not isinstance(kept[1], dict)
        or not isinstance(kept[2], dict)
        or not all(_is_keywords(keys) for keys in kept[2].values())
    ):
        return None
    known: Known = kept[1]
    known_keywords: KnownKeywords = kept[2]
    return known, known_keywords


def _is_keywords(keys: object) -> bool:
    """None, or what `keywords.of_pattern` gives: a non-empty dict from words
    to None or a non-empty frozenset of words (an empty one, or an empty
    word, would let a family match nothing)."""
    return keys is None or (
        isinstance(keys, dict)
        and bool(keys)
        and all(
            isinstance(anchor, str)
            and bool(anchor)
            and (
                beside is None
                or (
                    isinstance(beside, frozenset)
                    and bool(beside)
                    and all(isinstance(k, str) and k for k in beside)
                )
            )
            for anchor, beside in keys.items()
        )
    )
