"""`make demo` is the first thing a new user runs: the whole story must play.

The demo once stopped half-way (a form service's notification no longer read
as a form) while every other test passed: run it as a user would and check
each scene's mail reached its reader.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration  # starts its own Dovecot and SMTP server


def test_the_demo_plays_every_scene() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "this is a bug" not in out + done.stderr
    for reader in ("Jordan", "Alex", "Casey", "Sam"):
        assert f"in {reader}'s inbox" in out, reader
    assert out.count("in Alex's inbox") >= 3  # offer, the proposed time, booked
    assert "Booked: Jordan Lee" in out
    assert "please call 999 or Samaritans" in out  # Casey's safety message
    assert "Please read: Robyn" in out  # weighed by the risk words, read first
    robyn = out.split("in Robyn's inbox", 1)[1].split(" inbox ", 1)[0]
    assert "If you need help before I can reply" in robyn  # the message, at once
    assert "These are the times" not in robyn  # and no times
    assert "in Priya's inbox" in out  # diary words: the safety message asks
    assert "tell me a little more about how you are" in " ".join(out.split())
    # A GP's patient in danger now: Sam told at once, nothing to the GP.
    assert "Urgent, someone in their care may be in danger: Dr Tom Ashby" in out
    assert "in Dr's inbox" not in out
