"""The core's own patterns, compiled once per install instead of once per run.

The reading and the letters compile ~350 patterns written in their code
(`mailflow.patterns`) as their modules load: ~45 ms of parsing in every run,
before its first letter can go. What the parser makes of a pattern depends on
the pattern's text and flags and on the interpreter alone, so it is kept in
the per-user cache folder beside the phrase book's, `patterns-<key>.marshal`,
keyed by the interpreter's exact version and regex engine: a table from each
pattern's text and flags to the engine's data (`regex_engine`). A pattern the
table lacks is compiled, used and added; the file is written again only when
something was added. Nothing but the code's own patterns goes through here
(`mailflow.patterns` says which), so nothing a person wrote is ever kept.

A kept entry can only say how to compile a pattern the code asks for. The
engine's constructor checks only that the code it is given is well formed,
not that it is the pattern's: what guards the table is who may write it, as
for the phrase book and the validated config (a regular file of the user's
own, in their 0700 folder, that nobody else may write; read without
following a link). On any doubt (another user's or a writable file, a
damaged one, data the engine refuses, a Python whose internals are not
followed) the pattern is compiled by `re.compile`. The file is read when the
first pattern is asked for, so a command that compiles none never reads it.
Only ever a cache: no command fails for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sys
from pathlib import Path
from typing import Any, Final

from mailflow import patterns
from mailflow.shell import regex_engine
from mailflow.shell.paths import cache_folder, write_private
from mailflow.shell.regex_engine import Args

MAX_BYTES: Final = 4 * 1024 * 1024
"""A kept table is ~1.1 MB; the key names no mailflow version, so an upgrade's
new patterns are added beside the old ones, and past this only what one
process compiled is kept (the older versions' patterns go)."""
_FORMAT: Final = b"mailflow-patterns-1"

Key = tuple[str | bytes, int]
Table = dict[Key, Args]


class Kept:
    """The compiler `install` puts in `mailflow.patterns`: the kept table
    first, then the parser, then `re.compile`; `save` writes what was added."""

    def __init__(self, entry: Path | None) -> None:
        self._entry = entry
        self._kept: Table | None = None  # not read yet (`_known`)
        self._used: Table = {}  # what this process compiled, from where it came
        self._parsing = True  # internals that fail once are not tried again

    def compile(self, pattern: str | bytes, flags: int) -> re.Pattern[Any]:
        key = (pattern, int(flags))  # a plain int: marshal keeps no RegexFlag
        args = self._used.get(key) or self._known().get(key)
        compiled = regex_engine.from_args(pattern, args) if args else None
        if compiled is None and self._parsing:
            args = regex_engine.engine_args(pattern, flags)
            compiled = regex_engine.from_args(pattern, args) if args else None
            self._parsing = compiled is not None
        if compiled is None or args is None:
            return re.compile(pattern, flags)
        self._used[key] = args
        return compiled

    @property
    def added(self) -> int:
        """Patterns this process compiled that the kept table lacked (or held
        data for that the engine refused)."""
        known = self._known()
        return sum(1 for key, args in self._used.items() if known.get(key) != args)

    def _known(self) -> Table:
        """The kept table, read on first use (empty where there is none)."""
        if self._kept is None:
            kept = _read(self._entry) if self._entry is not None else None
            self._kept = kept or {}
        return self._kept

    def save(self) -> None:
        """Keep the table with what this process added (nothing to write when
        nothing was); past `MAX_BYTES`, only this process's patterns."""
        if self._entry is None or not self._used or not self.added:
            return
        with contextlib.suppress(ValueError):  # a value marshal cannot keep
            data = marshal.dumps((_FORMAT, self._known() | self._used))
            if len(data) > MAX_BYTES:
                data = marshal.dumps((_FORMAT, self._used))
            if len(data) <= MAX_BYTES:
                write_private(self._entry, data)  # an OSError leaves it unwritten


def warm() -> int:
    """Load every module of the core, so that each of its patterns is compiled
    (and kept when the command saves): `mailflow check`, which `init` ends
    with, leaves the first cron run nothing to parse. The modules loaded."""
    import importlib
    import pkgutil

    loaded = 0
    for package in ("mailflow.reading", "mailflow.writing"):
        base = importlib.import_module(package)
        for module in pkgutil.walk_packages(base.__path__, f"{package}."):
            importlib.import_module(module.name)
            loaded += 1
    return loaded


def install() -> Kept | None:
    """Put the kept patterns in `mailflow.patterns`' door; None (and nothing
    installed) where the interpreter's internals are not the ones followed."""
    if not regex_engine.usable():
        return None
    kept = Kept(_entry())
    patterns.use(kept.compile)
    return kept


def _entry() -> Path | None:
    folder = cache_folder()
    engine = regex_engine.engine()
    if folder is None or engine is None:
        return None
    magic, codesize = engine
    about = f"{sys.version}\0{magic}\0{codesize}\0".encode()
    key = hashlib.sha256(_FORMAT + b"\0" + about).hexdigest()
    return folder / f"patterns-{key}.marshal"


def _read(entry: Path) -> Table | None:
    """The kept table; None on any doubt (see `regex_engine.read_private` for
    which files are read at all)."""
    kept = regex_engine.read_private(entry, MAX_BYTES)
    if not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != _FORMAT:
        return None
    table = kept[1]
    if not isinstance(table, dict):
        return None
    # Each value is checked where it is used: `regex_engine.from_args` takes
    # only what the engine's constructor accepts (it checks the code itself),
    # and a key is only ever looked up by a pattern the code asks for.
    with contextlib.suppress(OSError):  # in use: not swept as stale
        os.utime(entry)
    return table
