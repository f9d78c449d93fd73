"""Modules imported on first use, so an empty cron poll never pays for them.

`lazy_module("mailflow.writing.calendar")` returns the module object at once and runs its
code only when an attribute is first read (the standard library's LazyLoader
recipe). A module that already sits in `sys.modules` is returned as it is.
Bind it at module level under `if not TYPE_CHECKING:` beside a plain import for
the type checker, so every name stays defined at run time, used or not:

    if TYPE_CHECKING:
        from mailflow.writing import calendar
    else:
        calendar = lazy_module("mailflow.writing.calendar")
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """`name`, loaded when one of its attributes is first read."""
    if (module := sys.modules.get(name)) is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
