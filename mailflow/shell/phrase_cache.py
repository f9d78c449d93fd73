"""The phrase book, compiled once per install instead of once per run.

Compiling the book's ~40 large alternations is Python-level parsing (`re`'s
parser is written in Python): ~0.1 s, most of what a first run spends reading.
What the parser produces for a pattern (its flags, its engine code and group
tables) is plain data, so it is kept in the per-user cache folder beside the
validated config, `phrases-<key>.marshal`, keyed by the book's bytes and the
interpreter's exact version and regex engine (`_sre.MAGIC`, `_sre.CODESIZE`).
A hit hands that data to the engine's own constructor (`_sre.compile`, which
checks the code before it takes it): the same pattern object `re.compile`
returns, equal to it (a test compares every pattern of the book with
`re.compile`'s, by `==`, which compares the engine code).

This reaches into CPython's `re` internals, so it is used only where they are
known (`KNOWN_VERSIONS`); anywhere else, and on any doubt (a file that is not
the user's own, unreadable, of another shape, code the engine refuses), the
pattern is compiled by `re.compile` as it would be without this module. Only
ever a cache: a run never fails for it.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # re's engine: no stubs
import contextlib
import hashlib
import marshal
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Final

from mailflow.reading.phrases import Phrases, build
from mailflow.shell.paths import cache_folder, write_private

KNOWN_VERSIONS: Final = frozenset({(3, 11), (3, 12), (3, 13)})
"""Pythons whose `re._compiler.compile` this module's `_engine_args` follows."""
_FORMAT: Final = b"mailflow-phrases-1"

Args = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""What `_sre.compile` takes after the pattern: flags, code, groups, both maps."""


def usable() -> bool:
    """Whether this interpreter's regex internals are the ones followed here."""
    return (
        sys.implementation.name == "cpython" and sys.version_info[:2] in KNOWN_VERSIONS
    )


def load(language: str, raw: bytes) -> Phrases:
    """The compiled book of `raw` (a phrase file's bytes): from the cache when
    it holds this book for this interpreter, else compiled and then kept."""
    if not usable():
        return load_plain(language, raw)
    entry = _entry(language, raw)
    kept = _read(entry) if entry is not None else None
    if kept is not None:
        try:
            return _compiled(language, *kept, entry)
        except Exception:  # a kept book of another shape: compiled afresh below
            pass
    return _compiled(language, tomllib.loads(raw.decode("utf-8")), {}, entry)


def _compiled(
    language: str,
    data: dict[str, Any],
    known: dict[tuple[str, int], Args],
    entry: Path | None,
) -> Phrases:
    """The book of `data`, each pattern from `known` where the engine takes
    it, else parsed; kept in `entry` when anything was parsed."""
    made: dict[tuple[str, int], Args] = {}

    def make(pattern: str, flags: int) -> re.Pattern[str]:
        key = (pattern, int(flags))  # a plain int: marshal keeps no RegexFlag
        args = known.get(key)
        if args is not None:
            compiled = _from_args(pattern, args)
            if compiled is not None:
                made[key] = args
                return compiled
        args = _engine_args(pattern, flags)
        compiled = _from_args(pattern, args) if args is not None else None
        if compiled is None or args is None:
            return re.compile(pattern, flags)
        made[key] = args
        return compiled

    book = build(language, data, make)
    if entry is not None and made != known:
        # A value marshal cannot keep (ValueError): the book stays uncached.
        with contextlib.suppress(ValueError):
            write_private(entry, marshal.dumps((_FORMAT, data, made)))
    return book


def load_plain(language: str, raw: bytes) -> Phrases:
    """The book compiled by `re.compile`, as without this module."""
    return build(language, tomllib.loads(raw.decode("utf-8")))


def _entry(language: str, raw: bytes) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    about = f"{language}\0{sys.version}\0{_sre.MAGIC}\0{_sre.CODESIZE}\0"
    key = hashlib.sha256(_FORMAT + b"\0" + about.encode() + raw).hexdigest()
    return folder / f"phrases-{key}.marshal"


def _read(
    entry: Path,
) -> tuple[dict[str, Any], dict[tuple[str, int], Args]] | None:
    """The parsed book and its patterns' engine data; None on any doubt."""
    try:
        with entry.open("rb") as handle:
            status = os.fstat(handle.fileno())
            getuid = getattr(os, "getuid", None)
            if status.st_mode & 0o022 or (getuid and status.st_uid != getuid()):
                return None  # someone else could have written it
            kept = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (
        not isinstance(kept, tuple)
        or len(kept) != 3
        or kept[0] != _FORMAT
        or not isinstance(kept[1], dict)
        or not isinstance(kept[2], dict)
    ):
        return None
    return kept[1], kept[2]


def _engine_args(pattern: str, flags: int) -> Args | None:
    """What `re.compile(pattern, flags)` hands the engine (CPython 3.11-3.13's
    `re._compiler.compile`, step by step); None if that cannot be followed."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        return (
            int(flags | parsed.state.flags),
            [int(word) for word in code],
            parsed.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
    except Exception:  # internals moved: compile the plain way
        return None


def _from_args(pattern: str, args: Args) -> re.Pattern[str] | None:
    """The engine's pattern object from kept data; None if it refuses it."""
    try:
        flags, code, groups, groupindex, indexgroup = args
        compiled: re.Pattern[str] = _sre.compile(
            pattern, flags, code, groups, groupindex, indexgroup
        )
    except Exception:  # bad or foreign data: compile the plain way
        return None
    return compiled
