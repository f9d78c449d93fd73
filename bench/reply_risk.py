# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make understand`, replies at risk: how often a crisis written in a reply
(beside a pick, a cancel, a "yes let's start") reaches the therapist, and how
often a reply that is no crisis raises an alert.

Each labelled reply of `tests/corpus/replies/risk` (and, apart, its
`held_out` set, never learned from) is read as a run reads a person's reply
in a conversation mailflow owns (`mailflow.shell.runner`): its new words
(`quoting.new_words`), an out-of-office's own words never screened, then
`reply_risk.screen_reply` (the phrases over `SUBJECT` and the new words, the
risk words over the new words alone). Heard: clear risk (the therapist at
once, the person the safety message) or possible risk (the therapist told
with their words; every pick waits for approval). Every reply is read as in
a conversation still open; in one that has ended (closed, stood down,
escalated) only clear risk alerts, as before. The replies of the reply corpus
(`tests/corpus/replies`, no crisis among them) are counted for false alarms.
Prints every miss and every false alarm. `tests/test_reply_risk.py` asserts
the floors on the same figures.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mailflow.reading import classify, quoting, reply_risk, screen

ROOT = Path(__file__).resolve().parents[1]
REPLIES = ROOT / "tests" / "corpus" / "replies"
RISK = REPLIES / "risk"
HELD_OUT = RISK / "held_out"
"""A fresh writer's replies, scored once before the reader existed."""
THERAPIST = frozenset({"approval", "therapist-booked"})
"""The reply corpus's contexts where the therapist writes: never screened."""
SUBJECT = "Re: Your free 15-minute call"
"""Every reply's subject for the phrases (the corpora hold bodies only); the
risk words never weigh a reply's subject (`reply_risk`)."""


@dataclass(frozen=True)
class Case:
    id: str
    context: str
    crisis: bool
    kind: str
    text: str


@dataclass
class Score:
    heard: Counter[str] = field(default_factory=Counter)
    """By "crisis"/"other": clear, possible (phrases), weighed (words), none."""
    missed: list[Case] = field(default_factory=list)
    raised: list[tuple[Case, str]] = field(default_factory=list)

    def count(self, crisis: bool, *levels: str) -> int:
        group = "crisis" if crisis else "other"
        return sum(self.heard[f"{group}:{level}"] for level in levels)


def load(folder: Path, name: str = "*.jsonl") -> list[Case]:
    cases = []
    for path in sorted(folder.glob(name)):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                cases.append(
                    Case(
                        data["id"],
                        data["context"],
                        data.get("risk", "none") == "crisis",
                        data.get("kind", ""),
                        data["text"],
                    )
                )
    return cases


def hear(case: Case) -> str:
    """clear, possible, weighed or none: what a run makes of the reply."""
    words = quoting.new_words(case.text)
    if classify.automated_words(words):
        return "none"  # an out-of-office: never screened, never answered
    said = reply_risk.screen_reply(SUBJECT, words)
    if said.risk is screen.Risk.CLEAR:
        return "clear"
    if said.risk is screen.Risk.NONE:
        return "none"
    return "weighed" if reply_risk.weighed(said) else "possible"


def score(cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        level = hear(case)
        result.heard[f"{'crisis' if case.crisis else 'other'}:{level}"] += 1
        if case.crisis and level == "none":
            result.missed.append(case)
        elif not case.crisis and level != "none":
            result.raised.append((case, level))
    return result


def report(result: Score, title: str) -> str:
    crises = result.count(True, "clear", "possible", "weighed", "none")
    other = result.count(False, "clear", "possible", "weighed", "none")
    heard = result.count(True, "clear", "possible", "weighed")
    lines = [
        f"{title}: {crises} crises, {other} other replies",
        f"  crises heard {heard} of {crises} ({heard / (crises or 1):.1%}):"
        f" clear {result.count(True, 'clear')},"
        f" possible {result.count(True, 'possible')},"
        f" by the risk words alone {result.count(True, 'weighed')}",
        f"  other replies raised {len(result.raised)} of {other}"
        f" ({len(result.raised) / (other or 1):.1%}):"
        f" clear {result.count(False, 'clear')},"
        f" possible {result.count(False, 'possible')},"
        f" by the risk words alone {result.count(False, 'weighed')}",
    ]
    lines += [f"  missed   {c.id:<9} {c.context:<13} {c.kind}" for c in result.missed]
    lines += [
        f"  raised   {c.id:<9} {c.context:<13} {level:<9} {c.kind}"
        for c, level in result.raised
    ]
    return "\n".join(lines)


def main() -> int:
    print(report(score(load(RISK)), f"replies at risk ({RISK.relative_to(ROOT)})"))
    for path in sorted(HELD_OUT.glob("*.jsonl")):
        print()
        print(
            report(
                score(load(HELD_OUT, path.name)),
                f"held out ({path.relative_to(ROOT)}, never learned from)",
            )
        )
    print()
    corpus = [
        case
        for case in load(REPLIES) + load(REPLIES / "held_out")
        if case.context not in THERAPIST
    ]
    print(report(score(corpus), "the reply corpus (no crisis in it)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
