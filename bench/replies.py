# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""How well mailflow reads replies, on the labelled corpus (tests/corpus/replies).

Each reply goes through what a run does, in its context: the state the letter
it answers leaves the enquiry in (offer: offered; approval: held; booked and
therapist-booked: booked; follow-up: followed up; after a cancellation:
cancelled, invited back), the reader the shell chooses for that state
(`mailflow.reading.answer`, which `mailflow.shell.conversation` calls too) and
the real decision (`mailflow.deciding.workflow`). The resulting transition's
commands are classified (Book/Hold/Move of which slot, CancelCall, Offer and
why, Clarify/AskTherapistAgain/AlertTherapist, AnswerFollowup, nothing) and
scored correct, asked back (a question to the person or the therapist, the
safe answer; a pick held with the question beside it, which the therapist is
told to answer first, is asked back), or misread; the harmful misreads are
counted on their own: a wrong booking, a wrong cancel, a missed cancel or withdrawal, the
therapist's private words passed on. `make understand` prints it all.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from mailflow.deciding import timing, workflow
from mailflow.deciding.workflow import (
    AlertTherapist,
    AnswerFollowup,
    AskApproval,
    AskTherapistAgain,
    AskToMove,
    Book,
    CancelCall,
    Clarify,
    Facts,
    Hold,
    MarkMissed,
    Move,
    Offer,
    OfferReason,
    Transition,
)
from mailflow.model import Decision, Slot, State, WallTime
from mailflow.reading import answer as answering
from mailflow.reading import quoting, reply_risk, screen

ROOT = Path(__file__).resolve().parents[1]
REPLIES = ROOT / "tests" / "corpus" / "replies"
HELD_OUT = REPLIES / "held_out"
"""A fresh writer's replies never learned from: how the reading generalises."""
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
LEFT = "left-with-therapist"
"""The therapist's reply is not mailflow's to act on: nothing is sent to anyone.
Right for a private note or a remark; for a cancel or a no-show it is missed."""


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


_STATE = {
    "offer": State.OFFERED,
    "booked": State.BOOKED,
    "approval": State.HELD,
    "followup": State.FOLLOWED_UP,
    "after-cancel": State.CANCELLED,
    "therapist-booked": State.BOOKED,
}
"""The state each context's letter leaves the enquiry in."""


def _facts(case: Case) -> Facts:
    """What the shell would know: the case's slots, all still free."""
    slots = case.offered
    if case.context == "approval":
        return Facts(approval="therapist", held=slots[0], free=frozenset(slots))
    if case.context == "offer":
        return Facts(approval="therapist", offered=slots, free=frozenset(slots))
    if case.context == "after-cancel":
        # The therapist cancelled and asked them to reply for new times.
        return Facts(
            approval="therapist",
            reopenable=True,
            invited_back=True,
            therapist_cancelled=True,
        )
    if case.context == "therapist-booked":
        # A no-show is reported after the call's time, a cancel before it.
        return Facts(approval="therapist", call_started=case.label == "no-show")
    return Facts(approval="therapist")


def _proposed(case: Case, wall: WallTime) -> Slot:
    """The therapist's "Thursday at 2" as a slot, as the shell resolves it: an
    explicit date, the next such weekday, or the held slot's own day."""
    held = case.offered[0].start_at.astimezone(LONDON).date()
    day = wall.on or held
    if wall.on is None and wall.weekday is not None:
        day = TODAY + timedelta(days=(wall.weekday - TODAY.weekday()) % 7 or 7)
    start = datetime.combine(day, wall.at, tzinfo=LONDON)
    return Slot(start, start + timedelta(minutes=15))


_APPROVAL_OF = re.compile(r"Please approve: (?P<name>[^,\n\[]+),")


def _held_name(text: str) -> str:
    """The held person's name, which a run has from the enquiry; a case
    carries it only in the approval letter it quotes (else none is known)."""
    found = _APPROVAL_OF.search(text)
    return found["name"].strip() if found else ""


_THEIR_TIME = re.compile(
    r"^[> ]*\d{2}:\d{2} your time \(UTC(?P<sign>[+-])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\)",
    re.M,
)


def _their_zone(text: str) -> tzinfo | None:
    """The person's zone as the shell knew it when it wrote the offer: the
    letter shows "09:00 your time (UTC-5)" under each time only where it
    knew their offset (from their mail's clock), and the shell reads their
    reply in both clocks."""
    found = _THEIR_TIME.search(text)
    if found is None:
        return None
    minutes = int(found["h"]) * 60 + int(found["m"] or 0)
    return timing.fixed_zone(-minutes if found["sign"] == "-" else minutes)


def _screened(case: Case) -> screen.Screening:
    """The person's new words screened, as the runner screens every reply
    before it reads it (`runner._answer_reply`)."""
    return reply_risk.screen_reply("", quoting.new_words(case.text))


def transition(case: Case) -> Transition | None:
    """What a run does with the reply, as the shell does it: the reply's
    words screened for risk first (a crisis is the therapist's at once; a
    possible risk makes every pick wait for them), the reader the shell
    chooses for the state (`mailflow.reading.answer`), read in London's clock
    and the person's where the offer showed it, then the real workflow
    decision. None: the therapist's reply is left for them (not mailflow's to
    act on)."""
    state = _STATE[case.context]
    facts = _facts(case)
    if case.context in {"approval", "therapist-booked"}:
        answer = answering.read_therapist_answer(
            state,
            case.text,
            today=TODAY,
            # a reply to the booking notice may only cancel or report a no-show
            booking_only=case.context == "therapist-booked",
            person=_held_name(case.text),
        )
        if answer is None:
            return None
        if answer.decision is Decision.PROPOSE and answer.proposed is not None:
            slot = _proposed(case, answer.proposed)
            facts = replace(facts, proposed=slot, free=facts.free | {slot})
        return workflow.on_therapist_reply(state, answer, facts)
    if answering.answers_followup(state, None):
        return workflow.on_followup_answer(
            state, answering.read_followup(case.text).value
        )
    facts = replace(facts, raised=reply_risk.raises(_screened(case)))
    zone = _their_zone(case.text)
    reading = answering.read_person_answer(
        state,
        case.text,
        offered=facts.offered,
        zones=[LONDON, *([zone] if zone else [])],
        region="GB",
        today=TODAY,
        booked=case.offered[0] if case.context == "booked" else None,
    )
    return workflow.on_person_reply(state, reading, facts)


def read(case: Case) -> tuple[str, str]:
    """(what a run does, in the label's words; the note passed on, if any)."""
    person = case.context not in {"approval", "therapist-booked"}
    if person and _screened(case).risk is screen.Risk.CLEAR:
        # A crisis in a reply is escalated before any reader: the therapist
        # is told at once, and nothing is held, moved or cancelled.
        return ASKED, ""
    done = transition(case)
    if done is None:
        # The therapist's own mail, left with them: nothing is sent to anyone.
        return LEFT, ""
    commands = done.commands
    kinds = {type(c) for c in commands}
    offers = [c for c in commands if isinstance(c, Offer)]
    note = next((c.note for c in commands if isinstance(c, CancelCall)), "")
    note = note or next((o.note for o in offers), "")
    taken = [c.slot for c in commands if isinstance(c, Book | Hold | AskToMove | Move)]
    if kinds & {Clarify, AskTherapistAgain}:
        return ASKED, note
    if taken:
        if case.context == "approval":
            return ("approve" if taken[0] == case.offered[0] else "misbooked"), note
        out = (
            f"pick:{case.offered.index(taken[0]) + 1}"
            if taken[0] in case.offered
            else "misbooked"
        )
        asks = any(
            isinstance(c, AskApproval) and (c.asks or c.relayed) for c in commands
        )
        if asks and case.label in {ASKED, out}:
            # Held for the therapist with the question beside the pick, which
            # they are told to answer first (`approval_request.txt.j2`):
            # nothing is booked until a person has read it, in either
            # approval mode. Only where the label asks, or names the time
            # held: another time held with a question is a wrong booking.
            return ASKED, note
        return out, note
    if CancelCall in kinds:
        return ("withdraw" if case.context == "offer" else "cancel"), note
    if MarkMissed in kinds and offers:
        return "no-show", note
    for offer in offers:
        if offer.reason is OfferReason.PROPOSED and offer.only is not None:
            at = offer.only.start_at.astimezone(LONDON)
            return f"propose:{WEEKDAYS[at.weekday()]} {at:%H:%M}", note
        if offer.reason is OfferReason.DECLINED:
            return "decline", note
        return {
            "offer": "none",
            "booked": "move",
            "after-cancel": "new-times",
        }.get(case.context, f"offer:{offer.reason.value}"), note
    answered = [c.answer for c in commands if isinstance(c, AnswerFollowup)]
    if answered:
        out = answered[0].replace("_", "-")
        return ("to-therapist" if out == "question" else out), note
    if AlertTherapist in kinds:
        if done.state is State.STOOD_DOWN and case.context == "approval":
            return "private", note  # stood down, the therapist told, nothing sent
        return ASKED, note
    # Nothing sent and nobody told.
    return {"booked": "keep", "after-cancel": "thanks"}.get(
        case.context, "nothing"
    ), note


def judge(case: Case, out: str, note: str) -> tuple[str, str | None]:
    """("correct" | "asked" | "misread", the harm if any)."""
    label = case.label
    if case.context == "followup" and out == "to-therapist":
        out = label if label in {"conditional", ASKED} else ASKED
    if out == LEFT:
        out = label if label in {"private", ASKED} else out
    harm = None
    booked = (
        out.startswith(("pick:", "propose:"))
        or out in {"misbooked"}
        or (case.context == "approval" and out == "approve")
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
        f"understood {result.share('correct'):.1%} (issue #10's target 95%), asked back"
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


CANCEL_WORDS = REPLIES / "cancel_words"
"""Cancel words that cancel nothing, beside plain cancels, and the therapist's
no about the person: written blind (2026-12-05), scored once, then worked on;
its own floors (no wrong cancel), not the corpus's."""

TRAPS = REPLIES / "traps"
"""Replies that look like a clear answer and are not (a pick waiting on
something, two times a day-part fits, a time in their own zone, numbers that
are not picks, an answer for someone else, the therapist's bare time), beside
clear answers in the same shapes: written blind (stop 58), learned from; its
own floors."""

TRAPS_HELD_OUT = HELD_OUT / "traps"
"""Replies that look like a clear answer and are not, beside clear answers in
the same shapes, written blind (stop 58) and never opened: counts only."""

RELAY = REPLIES / "relay"
"""Who chose the time and in whose clock: someone else picking for the
person, times in the writer's own or a named clock, a number that may be an
hour, beside clear answers of the same shapes; written blind (stop 60),
scored once, then learned from; its own floors."""

RELAY_HELD_OUT = HELD_OUT / "relay"
"""The same brief by a second writer, never opened: counts only."""

BOOKED_CHANGE = REPLIES / "booked_change"
"""Once booked, the call's time talked about: another thing moved so they
can make it, a maybe, a hypothetical, a question about the rules, beside
plain moves and cancels; written blind (stop 61), scored once as written,
then learned from; its own floors."""

BOOKED_CHANGE_HELD_OUT = HELD_OUT / "booked_change"
"""The same brief by a second writer, never opened: counts only."""

FRESH5 = REPLIES / "fresh5"
"""Replies written blind (2026-12-06) to the offer, the approval request and
the confirmation, scored once as written, then worked on; its own floors."""


def counts_only(result: Score) -> str:
    """The report of a held-out set without its misread cases: those are never
    read, so that the set stays a measure."""
    return report(result).split("\n\nnot understood")[0]


def main() -> int:
    print(report(score(load())))
    print(f"\ncancel words ({CANCEL_WORDS.relative_to(ROOT)}, its own floors):")
    print(report(score(load(CANCEL_WORDS))))
    print(f"\nfifth blind set ({FRESH5.relative_to(ROOT)}, its own floors):")
    print(report(score(load(FRESH5))))
    print(f"\ntraps ({TRAPS.relative_to(ROOT)}, its own floors):")
    print(report(score(load(TRAPS))))
    print(f"\nwho chose, whose clock ({RELAY.relative_to(ROOT)}, its own floors):")
    print(report(score(load(RELAY))))
    print(
        f"\nheld out ({HELD_OUT.relative_to(ROOT)}, never learned from;"
        " the floors are the corpus's):"
    )
    print(counts_only(score(load(HELD_OUT))))
    print(
        f"\nheld out, traps ({TRAPS_HELD_OUT.relative_to(ROOT)}, never opened;"
        " counts only):"
    )
    print(counts_only(score(load(TRAPS_HELD_OUT))))
    print(
        f"\nheld out, who chose and whose clock ({RELAY_HELD_OUT.relative_to(ROOT)},"
        " never opened; counts only):"
    )
    print(counts_only(score(load(RELAY_HELD_OUT))))
    print(
        f"\nonce booked, is it a move? ({BOOKED_CHANGE.relative_to(ROOT)},"
        " its own floors):"
    )
    print(report(score(load(BOOKED_CHANGE))))
    print(
        f"\nheld out, once booked ({BOOKED_CHANGE_HELD_OUT.relative_to(ROOT)},"
        " never opened; counts only):"
    )
    print(counts_only(score(load(BOOKED_CHANGE_HELD_OUT))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
