"""Whole-conversation deadlines for every server and feed (#14). Shell.

A socket timeout bounds one read: a server that trickles one byte just
inside it (a greeting, a FETCH, an SMTP reply, an https feed) holds the run
and its lock for as long as it likes. A `Deadline` bounds the whole
conversation: every socket opened inside it (the greeting included, as
imaplib, smtplib and http.client open theirs with `socket.create_connection`)
is shut when the time is up, from a timer thread, so the blocked read returns
at once and fails like a dropped connection: an outage (exit 3), the next run
tries again.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, TypeVar

log = logging.getLogger("mailflow")

_T = TypeVar("_T")

_active = threading.local()
"""The innermost Deadline of the current thread (`stack`)."""
_original_create_connection: Final[Callable[..., socket.socket]] = (
    socket.create_connection
)


def _create_connection(*args: Any, **kwargs: Any) -> socket.socket:
    sock = _original_create_connection(*args, **kwargs)
    stack: list[Deadline] = getattr(_active, "stack", [])
    if stack:
        stack[-1].watch(sock)
    return sock


socket.create_connection = _create_connection
"""Installed once, on import: outside a Deadline it only calls the original."""


class _Watchdog:
    """One daemon thread that expires every due Deadline of the process.

    A thread per deadline (`threading.Timer`) costs a thread start, and under
    load a wait for the scheduler, on every cycle `watch` runs (#13): here a
    start is a push onto a heap."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, _Timer]] = []
        self._order = itertools.count()
        self._changed = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def schedule(self, seconds: float, expire: Callable[[], None]) -> _Timer:
        timer = _Timer(expire)
        with self._changed:
            heapq.heappush(
                self._due, (time.monotonic() + seconds, next(self._order), timer)
            )
            if self._thread is None or not self._thread.is_alive():
                # The first, or a child's after fork (the parent's is not copied).
                self._thread = threading.Thread(
                    target=self._run, name="mailflow deadlines", daemon=True
                )
                self._thread.start()
            elif self._due[0][2] is timer:
                self._changed.notify()  # due before the one it sleeps for
        return timer

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    if self._due and self._due[0][2].cancelled:
                        heapq.heappop(self._due)
                        continue
                    self._changed.wait(
                        self._due[0][0] - time.monotonic() if self._due else None
                    )
                _, _, timer = heapq.heappop(self._due)
            if not timer.cancelled:
                timer.expire()


class _Timer:
    """One scheduled expiry; cancelled ones are dropped when they come up."""

    __slots__ = ("cancelled", "expire")

    def __init__(self, expire: Callable[[], None]) -> None:
        self.expire = expire
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


_watchdog = _Watchdog()


class Deadline:
    """Shut every socket opened in this block once `seconds` have passed.

    Use as a context manager around one conversation, or `start()` and
    `cancel()` around a session that outlives one block (an IMAP session)."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.expired = False
        self._fds: list[int] = []
        self._lock = threading.Lock()
        self._timer: _Timer | None = None

    def start(self) -> Deadline:
        self._timer = _watchdog.schedule(self.seconds, self._expire)
        return self

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._fds.clear()

    def __enter__(self) -> Deadline:
        if self._timer is None:
            self.start()
        self.enter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.leave()
        self.cancel()

    def enter(self) -> None:
        """Sockets opened from here on (this thread) are this deadline's."""
        stack = getattr(_active, "stack", None)
        if stack is None:
            stack = _active.stack = []
        stack.append(self)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Sockets opened inside the block are this deadline's (the timer runs on)."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def leave(self) -> None:
        stack: list[Deadline] = getattr(_active, "stack", [])
        if self in stack:
            stack.remove(self)

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` (by its descriptor, so a TLS wrapper is shut too) at the deadline."""
        with self._lock:
            self._fds.append(sock.fileno())
            expired = self.expired
        if expired:
            self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
        log.warning(
            "%s: not finished within its deadline of %g s; connection closed",
            self.what,
            self.seconds,
        )
        self._shut()

    def _shut(self) -> None:
        with self._lock:
            fds, self._fds = self._fds, []
        for fd in fds:
            try:
                sock = socket.socket(fileno=fd)
            except OSError:
                continue  # closed meanwhile (or not a socket)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                sock.detach()  # the descriptor stays its owner's to close


_left_behind: list[threading.Thread] = []
"""Work `within` stopped waiting for, which may still be talking to its server."""


def still_running(what: str) -> bool:
    """Whether work `within` left behind for `what` is still under way: under
    `watch` the process lives on, and a late write must not cross a newer one."""
    _left_behind[:] = [t for t in _left_behind if t.is_alive()]
    return any(t.name == f"mailflow {what}" for t in _left_behind)


def within(seconds: float, what: str, work: Callable[[], _T]) -> _T:
    """`work()`, or TimeoutError once `seconds` have passed.

    For conversations whose sockets a `Deadline` cannot reach (the CalDAV
    library's HTTP client opens its own): the work runs in a daemon thread,
    and a server that trickles is left behind, never waited for; nothing it
    might still do touches the store (the caller records the failure).
    """
    done: list[_T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:
            failed.append(exc)

    worker = threading.Thread(target=run, name=f"mailflow {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _left_behind.append(worker)
        log.warning("%s: not finished within its deadline of %g s", what, seconds)
        raise TimeoutError(f"{what}: not finished within {seconds:g} s")
    if failed:
        raise failed[0]
    return done[0]
