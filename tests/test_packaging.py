"""The built wheel carries what the worker needs: templates and the phrase book (#8).

Built without network (no build isolation), unpacked, and imported from there
alone, so a missing package-data line fails here rather than on a practice's
machine after `pipx install`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # builds a wheel and installs it: slow

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from pathlib import Path
from mailflow import compose
from mailflow.check import sample_contexts
from mailflow.config import load_settings
from mailflow.phrases import phrases
settings = load_settings(Path(sys.argv[1]))
rendered = [k for k, c in sample_contexts(settings).items() if compose.render(k, c)]
print(json.dumps({
    "templates": str(compose.TEMPLATE_DIR),
    "module": compose.__file__,
    "rendered": rendered,
    "families": len(phrases().risk.clear),
}))
"""


def test_the_wheel_renders_every_template_and_reads_people(tmp_path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = dist.glob("mailflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mailflow/phrases/en.toml" in names
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
