"""A pydantic plugin installed beside mailflow never sees its config.

pydantic offers every model it builds, and every value it validates, to the
plugins registered under its `pydantic` entry points; mailflow's config holds
passwords (merged from the environment) and is nobody else's. The console
script turns plugins off for its own process (`mailflow.entry`); a caller's
process (a test, a library user) keeps its own choice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = """
import os


class Watcher:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        with open(os.environ["PLUGIN_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{path.name}\\n")
        return None, None, None


plugin = Watcher()
"""


def _installed_plugin(where: Path) -> Path:
    """A plugin as pip would leave it: a module and its dist-info entry point."""
    where.mkdir()
    (where / "watcher_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = where / "watcher_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: watcher-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[pydantic]\nwatcher = watcher_plugin:plugin\n", encoding="utf-8"
    )
    return where


def _validate(
    tmp_path: Path, code: str, name: str, extra: dict[str, str] | None = None
) -> tuple[list[str], str]:
    config = tmp_path / "mailflow.toml"
    config.write_text((ROOT / "config" / "mailflow.example.toml").read_text("utf-8"))
    log = tmp_path / f"{name}.log"
    log.touch()
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(_installed_plugin(tmp_path / f"site-{name}")),
        "PLUGIN_LOG": str(log),
        "XDG_CACHE_HOME": str(tmp_path / f"cache-{name}"),
        "MAILFLOW_IMAP__PASSWORD": "kept-out-of-the-file",
        **(extra or {}),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return log.read_text("utf-8").split(), done.stdout


@pytest.mark.parametrize("preset", [None, "", "other-plugin"])
def test_the_command_never_shows_its_config_to_a_pydantic_plugin(tmp_path, preset):
    # Whatever the environment said of plugins before (unset, empty, naming
    # another): the command's own process turns them all off.
    command = (
        "import sys\nfrom mailflow.entry import main\n"
        "sys.argv = ['mailflow', 'status', '--config', sys.argv[1]]\n"
        "print('exit', main())\n"
    )
    extra = {} if preset is None else {"PYDANTIC_DISABLE_PLUGINS": preset}
    seen, out = _validate(tmp_path, command, "command", extra)
    assert out.splitlines()[-1] == "exit 0"  # the config was read, and used
    assert seen == []


def test_a_callers_process_keeps_its_plugins(tmp_path):
    # The same plugin, the same config: loaded by a caller, the plugin is
    # there (so the test above would see it, were the command to let it in).
    library = (
        "import sys\nfrom mailflow.config import load_settings\n"
        "load_settings(sys.argv[1])\n"
    )
    seen, _ = _validate(tmp_path, library, "library")
    assert any(name.endswith("._FileModel") for name in seen), seen
