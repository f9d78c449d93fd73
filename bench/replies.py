# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""How well mailflow reads replies, on the labelled corpus (tests/corpus/replies).

Each reply is read by the same pure readers a run uses, in its context: the
person answering an offer, writing after a booking, answering the follow-up or
a cancellation; the therapist answering an approval or their booking notice.
Each reading is scored correct, asked back (a question to the person or the
therapist, the safe answer), or misread; the harmful misreads are counted on
their own: a wrong booking, a wrong cancel, a missed cancel or withdrawal, the
therapist's private words passed on. `make understand` prints it all.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailflow.model import Decision, ReplyKind, Slot
from mailflow.reading import followup, quoting, reply, therapist

ROOT = Path(__file__).resolve().parents[1]
REPLIES = ROOT / "tests" / "corpus" / "replies"
LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
ASKED = "ask"
"""What every context's outcome is called when the reply is asked about."""


@dataclass(frozen=True)
class Case:
    id: str
    context: str
    label: str
    text: str
    offered: tuple[Slot, ...]
    lang: str
    kind: str


@dataclass
class Score:
    outcomes: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    misreads: list[tuple[Case, str, str]] = field(default_factory=list)
    harms: Counter[str] = field(default_factory=Counter)

    @property
    def cases(self) -> int:
        return sum(self.outcomes.values())

    def share(self, verdict: str) -> float:
        found = sum(n for (_, _, v), n in self.outcomes.items() if v == verdict)
        return found / self.cases if self.cases else 0.0


def _slot(text: str) -> Slot:
    start = datetime.fromisoformat(text).replace(tzinfo=LONDON)
    return Slot(start, start + timedelta(minutes=15))


def load(folder: Path = REPLIES) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            data = json.loads(line)
            slots = data.get("offered") or [
                data[k] for k in ("held", "booked") if data.get(k)
            ]
            cases.append(
                Case(
                    id=data["id"],
                    context=data["context"],
                    label=data["label"].lower(),
                    text=data["text"],
                    offered=tuple(_slot(s) for s in slots),
                    lang=data.get("lang", "en"),
                    kind=data.get("kind", ""),
                )
            )
    return cases


def read(case: Case) -> tuple[str, str]:
    """(what a run would do, in the label's words; the note passed on, if any)."""
    words = quoting.new_words(case.text)
    if case.context in {"offer", "booked", "after-cancel"}:
        offered = case.offered if case.context == "offer" else ()
        read = (
            followup.read_booked_reply
            if case.context == "booked"
            else reply.read_person_reply
        )
        found = read(case.text, offered=offered, zones=[LONDON], region="GB")
        kind = found.kind
        if case.context == "offer":
            return {
                ReplyKind.PICK: f"pick:{found.choice}",
                ReplyKind.NONE_FIT: "none",
                ReplyKind.RESCHEDULE: "none",
                ReplyKind.CANCEL: "withdraw",
                ReplyKind.UNCLEAR: ASKED,
            }.get(kind, ASKED), ""  # anything else: the therapist is asked to read it
        if case.context == "booked":
            return {
                ReplyKind.CANCEL: "cancel",
                ReplyKind.RESCHEDULE: "move",
                ReplyKind.NONE_FIT: "move",
                ReplyKind.UNCLEAR: ASKED,
            }.get(kind, "keep"), ""
        reopen = {ReplyKind.PICK, ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}
        wants = (kind in reopen or found.yes) and not found.declines
        if wants:
            return "new-times", ""
        # a bare "ok" after a cancellation goes to the therapist (workflow)
        return ("thanks" if found.declines or found.empty else ASKED), ""
    if case.context in {"approval", "therapist-booked"}:
        answer = therapist.read_therapist_reply(words, today=TODAY)
        decision = answer.decision
        if case.context == "therapist-booked":
            out = {
                Decision.CANCEL: "cancel",
                Decision.NO_SHOW: "no-show",
                Decision.PRIVATE: "private",
            }
            return out.get(decision, ASKED), answer.note
        if decision is Decision.PROPOSE and answer.proposed is not None:
            wall = answer.proposed
            # no day named: the held slot's own day (WallTime's contract)
            held = case.offered[0].start_at.astimezone(LONDON).weekday()
            day = WEEKDAYS[wall.weekday if wall.weekday is not None else held]
            if wall.on is not None:
                day = WEEKDAYS[wall.on.weekday()]
            return f"propose:{day} {wall.at:%H:%M}".replace(": ", ":"), ""
        out = {
            Decision.APPROVE: "approve",
            Decision.DECLINE: "decline",
            Decision.CANCEL: "decline",  # to a held time, a cancel is a no
            Decision.PRIVATE: "private",
        }
        return out.get(decision, ASKED), answer.note
    if case.context == "followup":
        answer = followup.read_followup_answer(words)
        return {
            followup.Answer.YES: "yes",
            followup.Answer.NOT_NOW: "not-now",
            followup.Answer.NO: "no",
        }.get(answer, "to-therapist"), ""
    raise ValueError(f"{case.id}: unknown context {case.context!r}")


def judge(case: Case, out: str, note: str) -> tuple[str, str | None]:
    """("correct" | "asked" | "misread", the harm if any)."""
    label = case.label
    if case.context == "followup" and out == "to-therapist":
        out = label if label in {"conditional", ASKED} else ASKED
    harm = None
    booked = out.startswith(("pick:", "propose:")) or (
        case.context == "approval" and out == "approve"
    )
    if booked and out != label:
        harm = "wrong booking"
    elif out in {"cancel", "withdraw"} and label not in {"cancel", "withdraw"}:
        harm = "wrong cancel"
    elif label in {"cancel", "withdraw"} and out not in {label, ASKED}:
        harm = "missed cancel"
    elif label == "private" and note:
        harm = "private words passed on"
    if out == label:
        return "correct", harm
    if out == ASKED:
        return "asked", harm
    return "misread", harm


def score(cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        out, note = read(case)
        verdict, harm = judge(case, out, note)
        result.outcomes[(case.context, case.label.split(":")[0], verdict)] += 1
        if harm:
            result.harms[harm] += 1
        if verdict != "correct":
            result.misreads.append((case, out, harm or verdict))
    return result


def report(result: Score) -> str:
    lines = [f"replies: {result.cases} cases", ""]
    contexts = sorted({c for c, _, _ in result.outcomes})
    lines.append(f"{'context':<18}{'correct':>9}{'asked':>9}{'misread':>9}")
    for context in contexts:
        row = [
            sum(
                n
                for (c, _, v), n in result.outcomes.items()
                if c == context and v == verdict
            )
            for verdict in ("correct", "asked", "misread")
        ]
        lines.append(f"{context:<18}" + "".join(f"{n:>9}" for n in row))
    lines += [
        "",
        f"understood {result.share('correct'):.1%} (issue target 95%, test floor 92%), asked back"
        f" {result.share('asked'):.1%}, misread {result.share('misread'):.1%}",
        "harmful: "
        + ", ".join(
            f"{result.harms[h]} {h}"
            for h in (
                "wrong booking",
                "wrong cancel",
                "missed cancel",
                "private words passed on",
            )
        )
        + " (all must be 0)",
        "",
        f"not understood ({len(result.misreads)}):",
    ]
    for case, out, what in result.misreads:
        lines.append(
            f"  {case.id:<12} {case.label:>18} -> {out:<18} ({what}; {case.kind})"
        )
    return "\n".join(lines)


def main() -> int:
    print(report(score(load())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
