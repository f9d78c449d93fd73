"""What each busy calendar gave when last read, kept between runs. Shell.

A run that needs free times would otherwise fetch and parse every feed again
(seconds for a few MiB). Each entry holds the validators that tell whether the
source changed (an https feed's ETag and Last-Modified, a file's mtime and
size), a hash of its bytes, and the busy time read for a window reaching
`AHEAD` past the run's: later runs inside that window read nothing but the
validators. Entries are keyed by a hash of the source, never the source
itself: a private feed URL carries its secret.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from mailflow.model import Interval

if TYPE_CHECKING:
    from mailflow.shell.busy import Skipped
    from mailflow.shell.store import Store

AHEAD: Final = timedelta(days=7)
"""How far past the asked window a changed feed is read, so the next runs of the
week find their window already read."""


@dataclass(frozen=True, slots=True)
class Entry:
    validators: dict[str, str | int]
    digest: str
    zone: str
    start_at: datetime
    end_at: datetime
    intervals: list[Interval]
    skipped: list[Skipped] = field(default_factory=list)

    def covers(self, start_at: datetime, end_at: datetime, zone: str) -> bool:
        return self.zone == zone and self.start_at <= start_at and end_at <= self.end_at


def key(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


_DTSTAMP = re.compile(rb"^DTSTAMP[;:][^\r\n]*(?:\r?\n)?", re.MULTILINE | re.IGNORECASE)
"""When the file was generated: Google and Outlook 365 restamp it on every
request, so a feed whose events did not change would never look unchanged."""


def digest(data: bytes) -> str:
    """The feed's content, whatever moment it was generated at."""
    return hashlib.sha256(_DTSTAMP.sub(b"", data)).hexdigest()


def load(store: Store, source: str) -> Entry | None:
    from mailflow.shell.busy import Skipped

    raw = store.busy_feed(key(source))
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Entry(
            validators=dict(data["validators"]),
            digest=str(data["digest"]),
            zone=str(data["zone"]),
            start_at=datetime.fromisoformat(data["start_at"]),
            end_at=datetime.fromisoformat(data["end_at"]),
            intervals=[
                Interval(datetime.fromisoformat(a), datetime.fromisoformat(b))
                for a, b in data["intervals"]
            ],
            skipped=[Skipped(*map(str, item)) for item in data["skipped"]],
        )
    except (ValueError, KeyError, TypeError):
        return None  # an entry of another version: read the source again


def save(store: Store, source: str, entry: Entry) -> None:
    store.set_busy_feed(
        key(source),
        json.dumps(
            {
                "validators": entry.validators,
                "digest": entry.digest,
                "zone": entry.zone,
                "start_at": entry.start_at.isoformat(),
                "end_at": entry.end_at.isoformat(),
                "intervals": [
                    [i.start_at.isoformat(), i.end_at.isoformat()]
                    for i in entry.intervals
                ],
                "skipped": [[s.summary, s.day, s.what] for s in entry.skipped],
            }
        ),
    )
