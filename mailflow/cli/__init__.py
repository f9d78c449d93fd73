"""The `mailflow` command, `check`, the demo and its throwaway mail server."""

from mailflow.cli.command import main

__all__ = ["main"]
