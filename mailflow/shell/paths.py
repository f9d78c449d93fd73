"""Where mailflow's own files are, found without loading the settings.

The config file (`--config`, else $MAILFLOW_CONFIG, else config/mailflow.toml)
and the per-user cache folder ($XDG_CACHE_HOME/mailflow, else
~/.cache/mailflow) that holds the validated-settings cache, the quiet mark
and the compiled phrase book.
Light on purpose: the quiet poll (`mailflow.shell.quiet`) reads both before anything
else is imported.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

DEFAULT_CONFIG_PATH = Path("config/mailflow.toml")
CACHE_MAX_AGE_S = 30 * 24 * 3600
"""Cache entries untouched this long are dropped (old configs, old versions)."""


def config_path(explicit: str | Path | None) -> Path:
    """--config, else $MAILFLOW_CONFIG, else config/mailflow.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MAILFLOW_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG_PATH


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/mailflow (an absolute one), else ~/.cache/mailflow;
    None when there is no home to be found."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:
        return None
    if not root.is_absolute():  # a relative HOME: no folder to trust
        return None
    return root / "mailflow"


SERVER_SECTIONS = ("imap", "smtp", "caldav")
"""Config sections with a password: MAILFLOW_<SECTION>__PASSWORD is a secret,
and MAILFLOW_<SECTION> (the whole section as JSON) may hold one."""


def keyed_entry(
    kind: str, about: list[object], raw: bytes, environ: Mapping[str, str]
) -> Path | None:
    """`<cache folder>/<kind>-<key>.json`: the key hashes `about`, the
    non-secret MAILFLOW_* environment (`environ`, lower-cased names) and the
    config's bytes `raw`. None when nothing may be kept (a whole server
    section in the environment) or there is no cache folder."""
    import hashlib
    import json

    if any(f"mailflow_{section}" in environ for section in SERVER_SECTIONS):
        return None
    folder = cache_folder()
    if folder is None:
        return None
    secrets = {f"mailflow_{section}__password" for section in SERVER_SECTIONS}
    text = json.dumps(
        [*about, sorted((k, v) for k, v in environ.items() if k not in secrets)]
    )
    key = hashlib.sha256(text.encode("utf-8", "surrogateescape") + b"\0" + raw)
    return folder / f"{kind}-{key.hexdigest()}.json"


def write_private(entry: Path, content: str | bytes) -> None:
    """Atomically, 0600 in a 0700 folder, then drop the folder's stale entries
    of the same kind; any OSError just leaves it unwritten (a cache)."""
    kind = entry.name.split("-", 1)[0]
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=entry.parent, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, entry)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        stale = time.time() - CACHE_MAX_AGE_S
        for old in entry.parent.glob(f"{kind}-*{entry.suffix}"):
            try:
                if old.stat().st_mtime < stale:
                    old.unlink()
            except OSError:
                pass
    except OSError:
        pass
