# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make understand`, last section: which safety letter goes, on words of not
being around (`tests/corpus/not_around`).

"Not sure I'll be around next Tuesday" stays clear risk (no times, the
therapist at once); `mailflow.reading.diary_doubt` decides only whether the
safety message names their words and asks how they are, or assumes the worst. Each case is read
as a run reads it: a first mail through `classify`, a reply's new words
through `reply_risk`. Prints, by label and by where it was written, what the
person would get: times (no alert), times with an alert (possible risk), the
safety message that assumes, or the one that asks; and every crisis that
gets the asking letter or less, and every ordinary mail that gets the
assuming one. `tests/test_understand.py` asserts the floors.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from understand import _DATE, POLICY  # bench/understand.py, beside this script

from mailflow.deciding import workflow
from mailflow.deciding.workflow import (
    AlertTherapist,
    Book,
    CancelCall,
    Clarify,
    Facts,
    Hold,
    Offer,
)
from mailflow.model import Slot, State, Verdict
from mailflow.reading import answer, diary_doubt, quoting, reply_risk
from mailflow.reading.classify import classify_new
from mailflow.reading.parse import parse_mail
from mailflow.writing import contract

ROOT = Path(__file__).resolve().parents[1]
NOT_AROUND = ROOT / "tests" / "corpus" / "not_around"
INDIRECT = ROOT / "tests" / "corpus" / "indirect"
"""Crises said indirectly, and their hard negatives: learned from once, so
its misses are shown."""
NEGATIVES = INDIRECT / "negatives"
"""Ordinary mail in the words of the phrases learned from `INDIRECT` (and 50
crises in other words), written blind afterwards: what those phrases cost."""
BLIND21 = NOT_AROUND / "blind21"
"""400 first mails and replies on words of not being around by a sixth blind
writer (2026-12-05: 200 ordinary, 60 grief, 140 crises, half of each in
replies): scored first as the reader stood, 33 of its 140 crises given times
with nobody told. Its misses were read, so it is no held-out set; learned
from by the risk words as a trial, it moved the held-out sets by one crisis
(noise), so it is not learned from either: a second worked measure of how
the reader hears writers it was not taught by. Cases shown."""
BLIND60 = NOT_AROUND / "blind60"
"""160 first mails and replies by a blind writer (stop 60): 70 crises of an
ending arranged and said in passing while booking (messages timed to reach
family, cards written years ahead, a will done as the last thing, a hotel
where nobody knows them, the last week of everything), 70 ordinary mails
in the same words, 20 grief. Scored once as written (15 crises given times
with nobody told), then worked on (`absence-arranged`). Cases shown."""
BLIND60_HELD_OUT = NOT_AROUND / "held_out" / "blind60h"
"""The same brief by a second writer (stop 60, 120: 55 crises, 50 ordinary,
15 grief), never opened: figures only."""
HELD_OUT = NOT_AROUND / "held_out"
"""A fresh writer's set, never learned from: figures only, no cases shown."""
INDIRECT_HELD_OUT = INDIRECT / "held_out"
"""Crises said indirectly in words none of the sets above use much (no "won't
be around", "burden", "no point", "goodbye"...), and their hard negatives,
written blind after every set above was learned from: never learned from,
figures only."""
BOOKING_HELD_OUT = HELD_OUT / "booking"
"""Crises told inside ordinary booking talk (a slot given away, "other
arrangements", affairs put in order, a calm after deciding) and near-minimal
ordinary pairs, written blind (2026-12-03): learning from it cost the other
held-out sets crises, so it is never learned from, figures only."""
URGENT = INDIRECT / "urgent"
"""Danger now, told in ordinary words (something swallowed tonight, bleeding
that will not stop, the means in hand, a ledge, someone else writing), and
ordinary mail in the same words: two sets written blind (2026-12-04), each
scored before the phrase book's `danger-now` family was written against it.
Learned from by the risk words since 2026-12-05."""
URGENT_HELD_OUT = INDIRECT_HELD_OUT / "urgent"
"""The same kind of danger, said away from the stock phrasings, by a third
blind writer: never worked on, figures only (its counts read eight times)."""
FRESH17 = INDIRECT_HELD_OUT / "fresh17"
"""Danger now in a blind writer's own choice of words, from a brief naming
no phrasing (2026-12-04): never worked on, figures only."""
FRESH18 = INDIRECT_HELD_OUT / "fresh18"
"""Crises of every kind said in ordinary words (goodbyes, affairs put in
order, a date set, the means at hand, something just done, a burden, someone
else writing, one line in a long mail, a P.S. after a pick) and ordinary
mail in the same situations, by a blind writer (2026-12-05), scored once
after the risk words learned from the danger-now sets: figures only."""
FRESH19 = INDIRECT_HELD_OUT / "fresh19"
"""Crises of every kind in a blind writer's own choice of kinds and words,
from a brief naming none (2026-12-05), and ordinary mail in the same lives:
figures only."""
BLIND20 = INDIRECT_HELD_OUT / "blind20"
"""160 crises and 200 ordinary mails written blind to be learned from
(2026-12-05): learning from them cost the other held-out sets more crises
given times than it saved, so they are held out instead: figures only."""
FRESH20 = INDIRECT_HELD_OUT / "fresh20"
"""The same brief by another blind writer (2026-12-05), scored once before
the risk words learned from `indirect/blind20`: figures only."""
_ORDER = ["ordinary", "grief", "crisis"]
LETTERS = ("times", "alert", "asks", "assumes", "note", "left")
"""What the person gets: times (a first mail's offer closes with the
practice's safety message, by default: `safety.in_every_offer`); times and
an alert to the therapist (possible risk); the safety message that asks;
the one that assumes; nothing yet (the therapist asked first: a first mail
that is not plainly a request); nothing
(left alone: not a request, no risk heard)."""


_LONDON = ZoneInfo("Europe/London")
_TODAY = date(2026, 11, 28)
_OFFERED = tuple(
    Slot(start, start + timedelta(minutes=15))
    for start in (
        datetime(2026, 12, 1, 10, tzinfo=_LONDON),
        datetime(2026, 12, 2, 14, tzinfo=_LONDON),
        datetime(2026, 12, 3, 18, tzinfo=_LONDON),
    )
)
"""The three times a reply case answers (its words name none of them)."""


def next_letter(text: str) -> str:
    """The letter a run sends next to someone whose reply to an offer of three
    times is `text` (read as a run reads it, under the therapist's approval):
    its kind (`offer_again`, `clarify`, `held`, `confirmation`, `cancelled`),
    or "therapist told" (they read it), or "nothing"."""
    facts = Facts(approval="therapist", offered=_OFFERED, free=frozenset(_OFFERED))
    reading = answer.read_person_answer(
        State.OFFERED,
        text,
        offered=_OFFERED,
        zones=[_LONDON],
        region="GB",
        today=_TODAY,
        booked=None,
    )
    commands = workflow.on_person_reply(State.OFFERED, reading, facts).commands
    kinds = {type(c) for c in commands}
    if Clarify in kinds:
        return "clarify"
    if Book in kinds:
        return "confirmation"
    if Hold in kinds:
        return "held"
    if Offer in kinds:
        return "offer_again"
    if AlertTherapist in kinds:
        return "therapist told"
    return "cancelled" if CancelCall in kinds else "nothing"


def closed(then: Counter[str]) -> int:
    """How many of `then` get a letter closed with the practice's safety
    message (`safety.in_later_letters`, the default)."""
    return sum(n for kind, n in then.items() if kind in contract.LATER_LETTERS)


@dataclass
class Letters:
    cases: int = 0
    got: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(label, where, letter) -> cases."""
    then: Counter[str] = field(default_factory=Counter)
    """What the crises in replies given times with nobody told get next."""
    shown: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(id, label, letter, first words) of the cases worth reading."""

    def count(self, label: str, letter: str, where: str | None = None) -> int:
        return sum(
            n
            for (lab, at, got), n in self.got.items()
            if lab == label and got == letter and (where is None or at == where)
        )

    def labelled(self, label: str) -> int:
        return sum(n for (lab, _, _), n in self.got.items() if lab == label)


def letter(case: dict[str, str]) -> str:
    """What the person who wrote `case` gets."""
    if case["where"] == "reply":
        words = quoting.new_words(case["text"])
        said = reply_risk.screen_reply("Re: Your free 15-minute call", words)
        if said.risk.value == "clear":
            return "asks" if diary_doubt.asks(said, words) else "assumes"
        return "alert" if said.risk.value == "possible" else "times"
    message = EmailMessage()
    message["From"] = "Alex Morgan <alex.morgan@example.org>"
    message["To"] = "Riverside Counselling <hello@riverside.example>"
    message["Subject"] = "Counselling enquiry"
    message["Message-ID"] = f"<{case['id']}@corpus.example>"
    message["Date"] = format_datetime(_DATE)
    message.set_content(case["text"])
    found = classify_new(
        parse_mail(message.as_bytes()), POLICY, contacts=(), owned_thread=False
    )
    if found.risk == "clear":
        return "asks" if found.diary_doubt else "assumes"
    if found.verdict is Verdict.ASK:
        return "note"
    if found.verdict is not Verdict.REQUEST:
        return "left"
    return "alert" if found.risk == "possible" else "times"


def score(folder: Path = NOT_AROUND) -> Letters:
    result = Letters()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            got = letter(case)
            result.cases += 1
            if (case["label"], case["where"], got) == ("crisis", "reply", "times"):
                result.then[next_letter(quoting.new_words(case["text"]))] += 1
            result.got[(case["label"], case["where"], got)] += 1
            worth = (
                case["label"] == "crisis" and got in {"asks", "times", "left"}
            ) or (case["label"] == "ordinary" and got == "assumes")
            if worth:
                first = " ".join(case["text"].split())[:90]
                result.shown.append((case["id"], case["label"], got, first))
    return result


def report(result: Letters, folder: Path = NOT_AROUND, *, shown: bool = True) -> str:
    """The table and figures; `shown`: every case worth reading (never for a
    held-out set, so nobody tunes the reading to it by sight)."""
    lines = [
        f"the safety letter on words of not being around ({result.cases} cases,"
        f" {folder.relative_to(ROOT)}):",
        "",
        f"{'label':<10}{'where':<7}" + "".join(f"{name:>9}" for name in LETTERS),
    ]
    labels = sorted({label for label, _, _ in result.got}, key=_ORDER.index)
    for label in labels:
        for where in ("first", "reply"):
            lines.append(
                f"{label:<10}{where:<7}"
                + "".join(f"{result.count(label, n, where):>9}" for n in LETTERS)
            )
    clear_ordinary = result.count("ordinary", "asks") + result.count(
        "ordinary", "assumes"
    )
    clear_crises = result.count("crisis", "asks") + result.count("crisis", "assumes")
    lines += [
        "",
        f"ordinary mail read as clear risk that gets the asking letter:"
        f" {result.count('ordinary', 'asks')} of {clear_ordinary}",
        f"crises read as clear risk that get the asking letter:"
        f" {result.count('crisis', 'asks')} of {clear_crises}"
        " (the same urgent alert; the letter asks instead of assuming)",
        f"crises given times with nobody told: {result.count('crisis', 'times')}"
        f" of {result.labelled('crisis')}"
        f" (first mails {result.count('crisis', 'times', 'first')}: their offers"
        " close with the safety message, `safety.in_every_offer`;"
        f" replies {result.count('crisis', 'times', 'reply')})",
        f"  those replies next get: {_then(result.then)}; with"
        f" {closed(result.then)} of them the letter closes with"
        " the safety message (`safety.in_later_letters`)",
        "",
        f"worth reading ({len(result.shown)}): crises that get the asking letter"
        " or times, ordinary mail that gets the assuming one"
        + ("" if shown else ", by count only"),
    ]
    lines += [
        f"  {ident:<9} {label:>8} -> {got:<8} {first}"
        for ident, label, got, first in (result.shown if shown else ())
    ]
    return "\n".join(lines)


def _then(then: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(then.items())) or "-"


def main() -> int:
    # Each folder, and whether its cases may be printed (never a held-out one's).
    folders: tuple[tuple[Path, bool], ...] = (
        (NOT_AROUND, True),
        (BLIND21, True),
        (BLIND60, True),
        (HELD_OUT, False),
        (BLIND60_HELD_OUT, False),
        (INDIRECT, True),
        (NEGATIVES, True),
        (INDIRECT_HELD_OUT, False),
        (BOOKING_HELD_OUT, False),
        (URGENT, True),
        (URGENT_HELD_OUT, False),
        (FRESH17, False),
        (FRESH18, False),
        (FRESH19, False),
        (FRESH20, False),
        (BLIND20, False),
    )
    print("\n\n".join(report(score(f), f, shown=shown) for f, shown in folders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
