"""Shared fixtures: the local mail server, fresh addresses, a clean environment."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from support import SHARED_FIXTURES, absent, under_ci

from mailflow.cli import calendarserver
from mailflow.cli.calendarserver import LocalCalendarServer
from mailflow.cli.devserver import LocalMailServer

# Under CI the property tests use a fixed seed, so a run is repeatable and a
# red CI is a real regression; on a developer's machine they keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if under_ci():
    settings.load_profile("ci")

_numbers = itertools.count(1)

_REAL_SERVERS = frozenset({"mail_server", "calendar_server", "courier"})
"""Fixtures that start a real server: their tests form the integration run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`-m "not integration"` is the fast core run: no server, no subprocess."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _REAL_SERVERS or item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True, slots=True)
class Mailboxes:
    """Addresses no other test uses, so tests can share one mail server."""

    practice: str
    therapist: str
    person: str


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for a worker's tests, as one install keeps one."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    """Drop MAILFLOW_* so a developer's shell cannot change test results, and keep
    every cache out of the real home directory."""
    for name in list(os.environ):
        if name.startswith("MAILFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))


@pytest.fixture(scope="session")
def mail_server() -> Iterator[LocalMailServer]:
    """One Dovecot + SMTP server for the session; a missing Dovecot fails, never skips.

    Tests that take a server down must bring it back up (try/finally).
    """
    server = LocalMailServer()
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def calendar_server() -> Iterator[LocalCalendarServer]:
    """One Radicale (CalDAV) server for the session, on a loopback port with its
    calendars in a temp folder. Radicale is in the dev group: missing, the tests
    fail (as a missing Dovecot does), never skip.

    Tests that take it down must bring it back up (try/finally).
    """
    if not calendarserver.available():
        pytest.fail(
            "Radicale is not installed (make install puts it in .venv)", pytrace=False
        )
    server = LocalCalendarServer()
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def mailboxes() -> Mailboxes:
    """Fresh practice, therapist and person addresses for one test."""
    n = next(_numbers)
    return Mailboxes(
        practice=f"hello-{n}@riverside.example",
        therapist=f"sam-{n}@riverside.example",
        person=f"jordan-{n}@example.org",
    )


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The shared fixtures directory next to the repository: skipped where it is
    absent, except under CI, where its absence fails the test."""
    if not SHARED_FIXTURES.is_dir():
        absent(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES
