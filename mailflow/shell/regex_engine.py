"""What `re.compile` hands CPython's regex engine, kept as plain data.

Compiling a pattern is Python-level parsing (`re`'s parser is written in
Python). What the parser produces (the final flags, the engine's code, the
group tables) is plain data: kept on disk, it is handed straight to the
engine's own constructor (`_sre.compile`), giving a pattern equal to
`re.compile`'s. That constructor checks that the code is well formed, never
that it is the pattern's, and takes the group tables as given: kept data is
only ever read from a file nobody but its user may write (`read_private`).
The phrase book (`phrase_cache`) and the core's own patterns
(`pattern_cache`) are kept so.

This follows CPython's `re` internals, so it is used only where they are known
(`KNOWN_VERSIONS`); anywhere else, and on any doubt, callers compile with
`re.compile` as if this module did not exist.
"""

from __future__ import annotations

import marshal
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, Final

KNOWN_VERSIONS: Final = frozenset({(3, 11), (3, 12), (3, 13)})
"""Pythons whose `re._compiler.compile` `engine_args` follows."""

Args = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""What `_sre.compile` takes after the pattern: flags, code, groups, both maps."""


def usable() -> bool:
    """Whether this interpreter's regex internals are the ones followed here."""
    return (
        sys.implementation.name == "cpython" and sys.version_info[:2] in KNOWN_VERSIONS
    )


def engine() -> tuple[int, int] | None:
    """The engine's identity (`_sre.MAGIC`, `_sre.CODESIZE`), part of every
    kept entry's key; None without the engine."""
    try:
        import _sre  # type: ignore[import-not-found]  # re's engine: no stubs
    except ImportError:
        return None
    return int(_sre.MAGIC), int(_sre.CODESIZE)


def engine_args(pattern: str | bytes, flags: int) -> Args | None:
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


def from_args(pattern: str | bytes, args: Args) -> re.Pattern[Any] | None:
    """The engine's pattern object from kept data; None if it refuses it."""
    try:
        import _sre

        flags, code, groups, groupindex, indexgroup = args
        compiled: re.Pattern[Any] = _sre.compile(
            pattern, flags, code, groups, groupindex, indexgroup
        )
    except Exception:  # bad or foreign data: compile the plain way
        return None
    return compiled


def read_private(entry: Path, max_bytes: int) -> object | None:
    """The marshalled value kept at `entry`; None on any doubt. Opened without
    blocking or following a link, and read only when it is a regular file of
    the user's own, written by nobody else, of at most `max_bytes`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(entry, flags)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            getuid = getattr(os, "getuid", None)
            if (
                not stat.S_ISREG(status.st_mode)
                or status.st_mode & 0o022
                or (getuid is not None and status.st_uid != getuid())
                or status.st_size > max_bytes
            ):
                return None  # not a file, or someone else could have written it
            kept: object = marshal.loads(handle.read(max_bytes + 1))
    except Exception:  # unreadable or damaged: compiled again
        return None
    return kept
