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
import stat
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import NamedTuple

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


class Installed(NamedTuple):
    """A fresh venv with `pip install .` (not editable) in it."""

    bin: Path
    purelib: str


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The issue's "done when" starts here: `python -m venv d && d/bin/pip
    install .` (not editable), once for this file's tests.

    Offline: the package is built without isolation and its dependencies come from
    the test's own environment (a path line, which does not bring along its
    editable mailflow), so the test needs no index. That environment has the
    `demo` extra's aiosmtpd, as `pip install 'mailflow[demo]'` would.
    """
    tmp_path = tmp_path_factory.mktemp("installed")
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
    shutil.rmtree(source)  # nothing may run from the copy of the source
    return Installed(venv / "bin", purelib)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No MAILFLOW_* of the caller's, temporary files in tmp_path, no import of
    the current folder."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILFLOW_")},
        "PYTHONSAFEPATH": "1",
        "TMPDIR": str(tmp_path),
        **extra,
    }


def _templates_checked(stdout: str) -> set[str]:
    return {
        line.removeprefix("template: ").removesuffix(" ok")
        for line in stdout.splitlines()
        if line.startswith("template: ")
    }


SHIPPED = {
    p.name.removesuffix(".txt.j2")
    for p in (ROOT / "templates").glob("*.txt.j2")
    if not p.name.startswith("_")
}


def test_pip_install_then_check_renders_every_template(
    installed, tmp_path, mail_server, mailboxes
) -> None:
    """The installed `mailflow check` with the example config passes."""
    server = {
        "HOST": "127.0.0.1",
        "SECURITY": "plain",
        "USERNAME": mailboxes.practice,
        "PASSWORD": mail_server.password,
    }
    env = _clean_env(
        tmp_path,
        **{f"MAILFLOW_IMAP__{k}": v for k, v in server.items()},
        **{f"MAILFLOW_SMTP__{k}": v for k, v in server.items()},
        MAILFLOW_IMAP__PORT=str(mail_server.imap_port),
        MAILFLOW_SMTP__PORT=str(mail_server.smtp_port),
    )
    done = subprocess.run(
        [installed.bin / "mailflow", "check", "--config",
         str(ROOT / "config" / "mailflow.example.toml")],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert _templates_checked(done.stdout) == SHIPPED
    where = subprocess.run(
        [installed.bin / "python", "-c",
         "import mailflow.writing.compose as c; print(c.__file__); print(c.TEMPLATE_DIR)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.split()  # fmt: skip
    assert all(w.startswith(installed.purelib) for w in where), where


def test_pip_install_then_init_with_piped_answers_then_check(
    installed, tmp_path, mail_server, mailboxes
) -> None:
    """The issue's "done when", second step: the installed `mailflow init`, its
    answers piped in (a practice on "another provider": the test Dovecot), writes
    a config that its own check and then `mailflow check --config` accept. Only
    the passwords come from the environment, as init tells a practice to do."""
    answers = [
        "Riverside Counselling",
        mailboxes.practice,
        "Sam Rivera",
        mailboxes.therapist,
        "other",
        "127.0.0.1",  # imap host
        str(mail_server.imap_port),
        "plain",
        "127.0.0.1",  # smtp host
        str(mail_server.smtp_port),
        "plain",
        "",  # sent folder: Sent
        "",  # login: the practice's address
        "",  # no password command: the environment
        "",  # time zone: Europe/London
        "",  # country: GB
    ]
    env = _clean_env(
        tmp_path,
        MAILFLOW_IMAP__PASSWORD=mail_server.password,
        MAILFLOW_SMTP__PASSWORD=mail_server.password,
    )
    config = tmp_path / "home" / ".config" / "mailflow" / "mailflow.toml"
    done = subprocess.run(
        [installed.bin / "mailflow", "init", "--config", str(config)],
        input="\n".join(answers) + "\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Wrote {config} (mode 0600)." in done.stdout
    assert "imap: logged in to 127.0.0.1" in done.stdout
    assert "smtp: logged in to 127.0.0.1" in done.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text(encoding="utf-8")
    assert mail_server.password not in text
    settings = tomllib.loads(text)
    assert settings["imap"]["port"] == mail_server.imap_port
    assert settings["practice"]["email"] == mailboxes.practice
    elsewhere = tmp_path / "elsewhere"  # as cron would, from another folder
    elsewhere.mkdir()
    done = subprocess.run(
        [installed.bin / "mailflow", "check", "--config", str(config)],
        capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert _templates_checked(done.stdout) == SHIPPED
    assert (config.parent / "var").is_dir()  # the database's folder: beside it
    assert not (elsewhere / "var").exists()


def test_pip_install_then_demo(installed, tmp_path) -> None:
    """The issue's "done when", last step: `mailflow demo` from the installed
    package (templates, phrase book and the demo's own Dovecot and SMTP server,
    all from site-packages) plays the whole conversation and exits 0, leaving
    nothing behind in its temporary folder."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    # Its TMPDIR: a fresh folder of its own, outside pytest's (which is 0700, so
    # as root Dovecot's unprivileged mail uid could not reach a mailbox in it).
    scratch = Path(tempfile.mkdtemp(prefix="mailflow-test-demo-"))
    scratch.chmod(0o711)
    try:
        done = subprocess.run(
            [installed.bin / "mailflow", "demo"],
            capture_output=True, text=True, cwd=workdir,
            env=_clean_env(scratch), timeout=90,
        )  # fmt: skip
        left = list(scratch.iterdir())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    out = done.stdout
    assert "Nothing leaves this machine." in out
    for inbox in ("Jordan's", "Alex's", "Casey's", "Sam's"):
        assert f"─── in {inbox} inbox " in out, inbox
    assert "$ mailflow run --now 2027-03-23T09:10+00:00" in out
    assert "Please approve: Jordan Lee" in out
    assert "Booked: Jordan Lee" in out
    assert "the attached calendar object (method=REQUEST):" in out
    assert "Traceback" not in done.stderr
    assert left == []  # its temporary folders are gone
    assert list(workdir.iterdir()) == []  # and it wrote nothing where it ran


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
