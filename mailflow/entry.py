"""The `mailflow` command: the quiet poll (`mailflow.shell.quiet`) when it can
stand in for this run, else the whole command line (`mailflow.cli`)."""

from __future__ import annotations

import sys


def main() -> int:
    from mailflow.shell.quiet import quiet_run

    code = quiet_run(sys.argv[1:])
    if code is not None:
        return code
    from mailflow.cli import main as whole

    return whole(settle=True)
