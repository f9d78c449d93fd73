"""The built wheel carries what the worker needs: templates and the phrase book (#8).

Built without network (no build isolation), unpacked, and imported from there
alone, so a missing package-data line fails here rather than on a practice's
machine after `pipx install`; and `pip install .` into a fresh venv, whose
`mailflow check` must pass with the example config.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # builds a wheel and installs it: slow

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from pathlib import Path
from mailflow.writing import compose, contract
from mailflow.config import load_settings
from mailflow.reading.phrases import phrases
settings = load_settings(Path(sys.argv[1]))
rendered = [
    kind for kind in contract.LETTERS
    if compose.render(kind, contract.sample_context(kind, settings))
]
print(json.dumps({
    "templates": str(compose.TEMPLATE_DIR),
    "module": compose.__file__,
    "rendered": rendered,
    "families": len(phrases().risk.clear),
}))
"""


def _copy_of_source(tmp_path: Path) -> Path:
    """The project as a practice clones it; a build in place would leave build/ behind."""
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "build", "*.egg-info", "__pycache__", ".*_cache",
            ".hypothesis", "tests", "bench",
        ),
    )  # fmt: skip
    return source


def test_the_wheel_renders_every_template_and_reads_people(tmp_path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(dist), str(_copy_of_source(tmp_path))],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = dist.glob("mailflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mailflow/reading/phrases/en.toml" in names
    shipped = {Path(n).name for n in names if n.startswith("mailflow/templates/")}
    assert shipped == {p.name for p in (ROOT / "templates").glob("*.j2")}
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    config = tmp_path / "mailflow.toml"
    config.write_text(
        (ROOT / "config" / "mailflow.example.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked), "PYTHONSAFEPATH": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(config)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    found = json.loads(done.stdout)
    assert found["module"].startswith(str(unpacked))
    assert found["templates"].startswith(str(unpacked))
    messages = {name.split(".")[0] for name in shipped if not name.startswith("_")}
    assert set(found["rendered"]) == messages
    assert found["families"] >= 4


def test_pip_install_then_check_renders_every_template(
    tmp_path, mail_server, mailboxes
) -> None:
    """The issue's "done when": `python -m venv d && d/bin/pip install .` (not
    editable), then `d/bin/mailflow check` with the example config passes.

    Offline: the package is built without isolation and its dependencies come from
    the test's own environment (a path line, which does not bring along its
    editable mailflow), so the test needs no index.
    """
    source = _copy_of_source(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "deps-from-tests.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [venv / "bin" / "pip", "install", "-q", "--no-index", "--no-deps",
         "--no-build-isolation", "."],
        check=True, capture_output=True, cwd=source,
    )  # fmt: skip
    server = {
        "HOST": "127.0.0.1",
        "SECURITY": "plain",
        "USERNAME": mailboxes.practice,
        "PASSWORD": mail_server.password,
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILFLOW_")},
        **{f"MAILFLOW_IMAP__{k}": v for k, v in server.items()},
        **{f"MAILFLOW_SMTP__{k}": v for k, v in server.items()},
        "MAILFLOW_IMAP__PORT": str(mail_server.imap_port),
        "MAILFLOW_SMTP__PORT": str(mail_server.smtp_port),
        "PYTHONSAFEPATH": "1",
    }
    done = subprocess.run(
        [venv / "bin" / "mailflow", "check", "--config",
         str(ROOT / "config" / "mailflow.example.toml")],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rendered = {
        line.removeprefix("template: ").removesuffix(" ok")
        for line in done.stdout.splitlines()
        if line.startswith("template: ")
    }
    shipped = {
        p.name.removesuffix(".txt.j2")
        for p in (ROOT / "templates").glob("*.txt.j2")
        if not p.name.startswith("_")
    }
    assert rendered == shipped
    where = subprocess.run(
        [venv / "bin" / "python", "-c",
         "import mailflow.writing.compose as c; print(c.__file__); print(c.TEMPLATE_DIR)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.split()  # fmt: skip
    assert all(w.startswith(purelib) for w in where), where


DEV_ONLY = {
    "mailflow.cli.devserver",
    "mailflow.cli.calendarserver",
    "mailflow.cli.demo",
    "mailflow.__main__",  # runs the command on import
}
"""The demo's and the tests' throwaway servers: the only users of aiosmtpd and
Radicale (the `demo` extra and the dev group)."""

EVERY_MODULE = """
import importlib, pkgutil, sys
import mailflow
skip = set(sys.argv[1:])
for info in pkgutil.walk_packages(mailflow.__path__, "mailflow."):
    if info.name not in skip:
        importlib.import_module(info.name)
print(sorted(m for m in ("aiosmtpd", "radicale") if m in sys.modules))
"""


def test_the_worker_needs_neither_aiosmtpd_nor_radicale() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EVERY_MODULE, *sorted(DEV_ONLY)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    required = " ".join(runtime["project"]["dependencies"]).lower()
    assert "aiosmtpd" not in required
    assert "radicale" not in required
