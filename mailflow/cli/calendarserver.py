"""A throwaway local CalDAV server (Radicale) for the tests. Tests only.

Does I/O: runs Radicale (`python -m radicale`, a dev dependency, never one of
the worker's) on a free 127.0.0.1 port, keeping its calendars in a temporary
folder, with no authentication (any user and password log in as that user).
`stop` and `start` again keep the folder and the port: a server that went down
and came back.
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
[auth]
type = none
[rights]
type = owner_only
[storage]
filesystem_folder = {folder}
[logging]
level = warning
mask_passwords = True
"""

START_TIMEOUT_S = 20.0


def available() -> bool:
    """Whether Radicale is installed (the dev dependency group has it)."""
    return importlib.util.find_spec("radicale") is not None


class LocalCalendarServer:
    """Radicale on a loopback port; `url` is the server's root."""

    def __init__(self) -> None:
        self._temp = Path(tempfile.mkdtemp(prefix="mailflow-radicale-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._config = self._temp / "config"
        self._config.write_text(
            _CONFIG.format(port=self.port, folder=self._temp / "collections"),
            encoding="utf-8",
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not available():
            raise RuntimeError(
                "Radicale is not installed: .venv/bin/pip install radicale"
                " (it is in the dev dependency group)"
            )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read() if self._process.stderr else b""
                raise RuntimeError(
                    f"Radicale exited at start: {err.decode(errors='replace')[-500:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Radicale did not listen on port {self.port}")

    def stop(self) -> None:
        """Down, keeping the calendars: `start` brings the same server back."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()

    def pause(self) -> None:
        """Hung: the port still takes connections, nothing answers (SIGSTOP)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.resume()
        self.stop()
        shutil.rmtree(self._temp, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
