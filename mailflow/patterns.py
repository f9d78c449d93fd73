"""Every pattern the core compiles at import, through one door.

The reading and the letters compile ~350 regular expressions when their
modules load, and `re`'s parser is Python: ~45 ms of every run's start,
before the first letter can go. The shell may hand in a quicker way to the
same patterns (`use`: `shell.pattern_cache` keeps the engine's compiled code
on disk, as `shell.phrase_cache` does for the phrase book); without one, and
for everything else, it is `re.compile`.

Only patterns written in the code go through here (module-level constants),
never one built from a mail or a config: a kept pattern is the code's own
text, nothing a person wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, overload

Compiler = Callable[[Any, int], "re.Pattern[Any]"]
"""What `use` takes: `re.compile`'s shape (a str or bytes pattern, flags)."""

_compiler: Compiler | None = None


@overload
def compile(pattern: str, flags: int = 0) -> re.Pattern[str]: ...
@overload
def compile(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...
def compile(pattern: str | bytes, flags: int = 0) -> re.Pattern[Any]:
    """`re.compile(pattern, flags)`, by the compiler in use if there is one."""
    compiler = _compiler
    if compiler is None:
        return re.compile(pattern, flags)
    return compiler(pattern, int(flags))


def use(compiler: Compiler | None) -> Compiler | None:
    """Compile by `compiler` from now on (None: `re.compile` again); returns
    the one in use before, so a caller can put it back."""
    global _compiler  # one door for the whole process
    before, _compiler = _compiler, compiler
    return before
