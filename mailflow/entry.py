"""The `mailflow` command: the quiet poll (`mailflow.shell.quiet`) when it can
stand in for this run, else the whole command line (`mailflow.cli`)."""

from __future__ import annotations

import gc
import os
import sys


def main() -> int:
    # A command's start loads what lives as long as its process (modules, the
    # settings, the phrase book): the cyclic collector walking it again and
    # again while it loads finds little to free (a first run ~26 ms faster
    # without: docs/performance.md, stop 52). `cli.command` turns it back on
    # before any command's work (a run once it has settled); it is as it was
    # when this returns.
    was = gc.isenabled()
    gc.disable()
    try:
        return _command()
    finally:
        (gc.enable if was else gc.disable)()


def _command() -> int:
    # pydantic hands every validation to the plugins installed beside it (its
    # `pydantic` entry points): the config, passwords merged in, is nobody
    # else's to see. Set (whatever was set before) for the command's own process only, before a model is
    # built; it also spares the scan of every installed package's metadata.
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):  # noqa: TID251
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"  # noqa: TID251
    from mailflow.shell.quiet import quiet_run

    code = quiet_run(sys.argv[1:])
    if code is not None:
        return code
    from mailflow.cli import main as whole

    return whole(settle=True)
