"""A CPU-time budget for one mail's reading and deciding (#14). Shell: a process timer.

Every reader is bounded by its own caps; this is the net beneath them. A
mail whose handling uses more than its budget of CPU is stopped with
`MailOverBudget`, set aside once and never retried. CPU time, not wall time:
waiting on a server or a feed costs none (the deadlines bound those), and a
busy machine does not make a genuine mail look hostile.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final

from mailflow.errors import MailOverBudget

log = logging.getLogger("mailflow")

AGAIN_S: Final = 0.05
"""After the budget, the timer fires again every this much CPU: a reader that
swallows the first `MailOverBudget` (a broad `except`) meets the next."""

_TIMER: Final = signal.ITIMER_PROF
"""CPU time of the process, user and system (a memory-hungry mail's page
faults count): delivered as SIGPROF."""


class _Budget:
    """The one budget running (budgets do not nest: the outer one rules)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False

    def fire(self, _signum: int, _frame: FrameType | None) -> None:
        if self.armed:
            raise MailOverBudget(seconds=self.seconds)


_running: _Budget | None = None


@contextmanager
def mail_budget(seconds: float) -> Iterator[None]:
    """Raise `MailOverBudget` in this block once it has used `seconds` of CPU.

    Only the main thread can take signals: elsewhere (a test's worker thread)
    the block runs without a budget, which the readers' caps still bound.
    """
    global _running  # one process timer, one budget
    if (
        _running is not None
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    budget = _Budget(seconds)
    previous = signal.signal(signal.SIGPROF, budget.fire)
    _running = budget
    budget.armed = True
    signal.setitimer(_TIMER, seconds, AGAIN_S)
    try:
        yield
    finally:
        budget.armed = False  # first: a signal from here on is ignored
        signal.setitimer(_TIMER, 0)
        signal.signal(signal.SIGPROF, previous)
        _running = None


@contextmanager
def paused() -> Iterator[None]:
    """Work in this block is not the mail's (the therapist's busy calendars,
    read once a run for whichever mail first needs them): it costs the
    running budget nothing. Without a budget, nothing happens."""
    budget = _running
    if budget is None or not budget.armed:
        yield
        return
    left, _ = signal.setitimer(_TIMER, 0)
    budget.armed = False
    try:
        yield
    finally:
        budget.armed = True
        signal.setitimer(_TIMER, max(left, 1e-6), AGAIN_S)
