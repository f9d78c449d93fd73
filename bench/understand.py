# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make understand`: how well mailflow reads first mail, on the labelled corpus.

Every case of `tests/corpus/first_mail/*.jsonl` is built into a real RFC 5322
message, parsed by `mailflow.reading.parse` and read by `mailflow.reading.classify` exactly as
a run would read it. Prints precision and recall of "answered with times",
crisis recall, false alarms, and every miss. `tests/test_understand.py` asserts
the floors on the same figures.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailflow.deciding import decide
from mailflow.model import KNOWN_FORM_SENDERS, Verdict
from mailflow.reading.classify import RequestPolicy, classify_new
from mailflow.reading.parse import parse_mail

ROOT = Path(__file__).resolve().parents[1]
FIRST_MAIL = ROOT / "tests" / "corpus" / "first_mail"
WHO = FIRST_MAIL / "who"
"""Telling who is asking (2026-12-05): professionals writing as professionals
beside people who are themselves GPs, nurses or teachers writing for
themselves; worked on, scored apart with its own floors."""
HELD_OUT = FIRST_MAIL / "held_out"
"""A fresh writer's mail never learned from: how the reading generalises."""
NOT_HERE = FIRST_MAIL / "not_here"
"""Mail that speaks of not being around or here, in a diary's sense or a
life's, written blind and learned from, kept apart from the corpus's floors."""
IN_PASSING = FIRST_MAIL / "in_passing"
"""Crises told in passing inside an ordinary enquiry, beside heavy but safe
requests (written blind, learned from, floors apart)."""
PASSIVE = FIRST_MAIL / "passive"
"""Passive wishes to be dead inside an enquiry, the crises and requests in
the same words (written blind, learned from by the phrase book, floors
apart)."""
POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)
FORMS = ROOT / "tests" / "corpus" / "forms"
"""Website forms that name nobody mailflow may write to: only an alert can
follow (`classify._form_alone`), so "crisis" means the therapist is alerted."""
FORMS_HELD_OUT = FORMS / "held_out"
"""Forms written blind by a second writer, never learned from."""
FORM_POLICY = replace(POLICY, form_senders=KNOWN_FORM_SENDERS)
"""The forms corpus is read as a practice with the default form senders."""
URGENT_NOTES = frozenset(
    {
        "risk-words",
        "unsure-risk",
        "possible-risk",
        "care-risk",
        "care-weighed",
        "own-danger",
    }
)
"""Notes that are urgent ("Please read"), or go with an alert beside them; so
does any note of a mail kept as possible risk (`intake._ask` sends the
alert beside it whatever the note's reason: a former client's, a
professional's referral with words of possible risk)."""
TIMES = frozenset({"request", "safety"})
"""Outcomes (and labels) that answer with times."""


@dataclass(frozen=True)
class Case:
    id: str
    label: str
    kind: str
    raw: bytes
    contacts: frozenset[str]


@dataclass
class Score:
    cases: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[Case, str, str]] = field(default_factory=list)
    weighed: Counter[str] = field(default_factory=Counter)
    """By label: mails the risk words alone put before the therapist."""
    warned: Counter[str] = field(default_factory=Counter)
    """By label: mails asked about whose writer is sent the practice's safety
    message at once while the therapist reads (`decide.warns_unsure`)."""
    urgent_notes: Counter[str] = field(default_factory=Counter)
    """By label: mails asked about by an urgent note, or a note with an alert
    beside it (`URGENT_NOTES`): the therapist told at once all the same."""

    def count(self, label: str, outcome: str) -> int:
        return self.outcomes[(label, outcome)]

    def labelled(self, labels: set[str] | frozenset[str]) -> int:
        return sum(n for (label, _), n in self.outcomes.items() if label in labels)

    def read_as(self, outcomes: set[str] | frozenset[str]) -> int:
        return sum(n for (_, out), n in self.outcomes.items() if out in outcomes)

    @property
    def precision(self) -> float:
        answered = self.read_as(TIMES)
        right = sum(
            n
            for (label, out), n in self.outcomes.items()
            if out in TIMES and label in TIMES
        )
        return right / answered if answered else 1.0

    @property
    def recall(self) -> float:
        wanted = self.labelled(TIMES)
        right = sum(
            n
            for (label, out), n in self.outcomes.items()
            if label in TIMES and out in TIMES
        )
        return right / wanted if wanted else 1.0

    @property
    def crisis_recall(self) -> float:
        wanted = self.labelled({"crisis"})
        return self.count("crisis", "crisis") / wanted if wanted else 1.0

    @property
    def crises_heard(self) -> float:
        """Crises the therapist hears of at once or by a note: an alert (clear
        or possible risk), the urgent note about someone in a professional's
        care, or an "ask"; the rest got times or silence."""
        wanted = self.labelled({"crisis"})
        heard = sum(
            self.count("crisis", out) for out in ("crisis", "safety", "alert", "ask")
        )
        return heard / wanted if wanted else 1.0

    @property
    def crises_warned(self) -> float:
        """Crises whose writer has the practice's safety message at once: the
        crisis answer, or the short letter beside a note (`warned`)."""
        wanted = self.labelled({"crisis"})
        warned = self.count("crisis", "crisis") + self.warned["crisis"]
        return warned / wanted if wanted else 1.0

    def alarm_cost(self, labels: set[str]) -> int:
        """Alerts on someone not at risk cost 1; a safety message instead of
        times to someone not at clear risk costs 2."""
        return sum(
            n * (2 if out == "crisis" else 1)
            for (label, out), n in self.outcomes.items()
            if label in labels
            and (
                (label != "safety" and out in {"crisis", "safety"})
                or (label == "safety" and out == "crisis")
            )
        )

    @property
    def false_alarm_rate(self) -> float:
        """False alarms over every mail not at clear risk."""
        calm = {"request", "leave", "ask", "safety"}
        people = self.labelled(calm)
        return self.alarm_cost(calm) / people if people else 0.0

    @property
    def false_alarm_rate_help_seekers(self) -> float:
        """The same cost over the people who wrote for help (request, safety):
        the figure that says how often a person asking for times is alarmed."""
        seekers = {"request", "safety"}
        people = self.labelled(seekers)
        return self.alarm_cost(seekers) / people if people else 0.0


WRAP = 72
"""Where mail programs that send plain text hard-wrap its lines."""


def load(
    folder: Path = FIRST_MAIL, name: str = "*.jsonl", *, wrapped: bool = False
) -> list[Case]:
    """The cases of every file matching `name` in `folder`; `wrapped`: each
    paragraph of their text hard-wrapped at `WRAP` columns, as Thunderbird,
    Outlook's plain text and many phones send it."""
    cases = []
    for path in sorted(folder.glob(name)):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    data = json.loads(line)
                    if wrapped and data.get("text"):
                        # Each line as the person typed it, wrapped where it
                        # is longer (lists and signatures stay as they are).
                        data["text"] = "\n".join(
                            textwrap.fill(line, WRAP) if line.strip() else line
                            for line in str(data["text"]).split("\n")
                        )
                    cases.append(built(data))
                except (KeyError, ValueError) as exc:
                    raise SystemExit(f"{path.name}:{number}: {exc}") from exc
    return cases


def built(data: dict[str, object]) -> Case:
    """A corpus case as the message a run would read."""
    message = EmailMessage()
    message["From"] = str(data["from"])
    message["To"] = "Riverside Counselling <hello@riverside.example>"
    message["Subject"] = str(data.get("subject") or "")
    message["Message-ID"] = f"<{data['id']}@corpus.example>"
    message["Date"] = format_datetime(_DATE)
    headers = data.get("headers") or {}
    assert isinstance(headers, dict)
    for name, value in headers.items():
        message[str(name)] = str(value)
    text, html = data.get("text"), data.get("html")
    if text is not None:
        message.set_content(str(text))
        if html:
            message.add_alternative(str(html), subtype="html")
    else:
        message.set_content(str(html or ""), subtype="html")
    contacts = data.get("contacts") or []
    assert isinstance(contacts, list)
    return Case(
        id=str(data["id"]),
        label=str(data["label"]),
        kind=str(data.get("kind") or ""),
        raw=message.as_bytes(),
        contacts=frozenset(str(c).lower() for c in contacts),
    )


def outcome(case: Case, policy: RequestPolicy = POLICY) -> tuple[str, str]:
    """What a run would do with the case, and the classifier's reason."""
    out, reason, _, _ = read(case, policy)
    return out, reason


def read(case: Case, policy: RequestPolicy = POLICY) -> tuple[str, str, bool, bool]:
    """`outcome`, whether a mail asked about is sent the practice's safety
    message at once while the therapist reads (`decide.warns_unsure`), and
    whether its note is urgent or goes with an alert (`URGENT_NOTES`)."""
    mail = parse_mail(case.raw)
    found = classify_new(mail, policy, contacts=case.contacts, owned_thread=False)
    if found.verdict is Verdict.CRISIS:
        return "crisis", found.reason, False, False
    if found.verdict is Verdict.REQUEST:
        risk = {"clear": "crisis", "possible": "safety"}.get(found.risk, "request")
        return risk, found.reason, False, False
    if found.verdict is Verdict.ASK:
        # Someone in a professional's care in danger now: the therapist's at
        # once by an urgent note, nothing sent to the writer.
        warned = decide.warns_unsure(
            found.reason,
            found.risk,
            found.danger_now,
            len(mail.to) + len(mail.cc),
            relayed=found.relayed,
            addressed=found.addressed,
        )
        out = "alert" if found.reason == "care-danger" else "ask"
        urgent = found.reason in URGENT_NOTES or found.risk == "possible"
        return out, found.reason, warned, out == "ask" and urgent
    return "leave", found.reason, False, False


def score(cases: list[Case], policy: RequestPolicy = POLICY) -> Score:
    result = Score()
    for case in cases:
        out, reason, warned, urgent = read(case, policy)
        result.cases += 1
        result.outcomes[(case.label, out)] += 1
        if warned:
            result.warned[case.label] += 1
        if reason == "risk-words":
            result.weighed[case.label] += 1
        if urgent:
            result.urgent_notes[case.label] += 1
        if out != case.label:
            result.misses.append((case, out, reason))
    return result


def report(result: Score, *, misses: bool = True) -> str:
    """The figures, and every miss by id, kind and reason (`misses`: a held-out
    set's are left out, so nobody tunes the reading to them by sight)."""
    labels = sorted({label for label, _ in result.outcomes})
    outs = ["request", "safety", "crisis", "alert", "ask", "leave"]
    lines = [
        f"first mail: {result.cases} cases",
        "",
        f"{'label':<10}" + "".join(f"{o:>9}" for o in outs),
    ]
    for label in labels:
        lines.append(
            f"{label:<10}" + "".join(f"{result.count(label, o):>9}" for o in outs)
        )
    lines += [
        "",
        f"answered with times: precision {result.precision:.1%} (floor 97%),"
        f" recall {result.recall:.1%} (floor 94%)",
        f"crisis recall {result.crisis_recall:.1%} (floor 98%),"
        f" false alarms {result.false_alarm_rate:.1%} (ceiling 5%;"
        f" {result.false_alarm_rate_help_seekers:.1%} among those who asked for help)",
        f"crises the therapist hears of (an alert or a note) {result.crises_heard:.1%};"
        f" given times with nobody told {result.count('crisis', 'request')}",
        f"mail to leave answered with times (professionals, clients, others)"
        f" {result.count('leave', 'request') + result.count('leave', 'safety')}"
        f" of {result.labelled({'leave'})}; enquiries asked about instead"
        f" {result.count('request', 'ask') + result.count('safety', 'ask')}"
        f" of {result.labelled({'request', 'safety'})}",
        f"someone in a professional's care in danger now: the note about them"
        f" {result.count('alert', 'alert')}, the therapist told at once otherwise"
        f" {result.count('alert', 'crisis') + result.count('alert', 'safety')}"
        f" + {result.urgent_notes['alert']}, only by a note"
        f" {result.count('alert', 'ask') - result.urgent_notes['alert']}, nobody told"
        f" {result.count('alert', 'request') + result.count('alert', 'leave')}"
        f" of {result.labelled({'alert'})}; that note about anyone else"
        f" {result.read_as({'alert'}) - result.count('alert', 'alert')}",
        f"crises sent the safety message at once {result.crises_warned:.1%}"
        f" (the crisis answer {result.count('crisis', 'crisis')}, with a note"
        f" {result.warned['crisis']}); anyone else sent it with a note"
        f" {sum(result.warned.values()) - result.warned['crisis']}"
        f" of {result.cases - result.labelled({'crisis'})}",
        f"read by the therapist first for their words alone (risk words):"
        f" crises {result.weighed['crisis']} of {result.labelled({'crisis'})},"
        f" those who asked for help"
        f" {result.weighed['request'] + result.weighed['safety']}"
        f" of {result.labelled({'request', 'safety'})},"
        f" others {result.weighed['leave'] + result.weighed['ask']}"
        f" of {result.labelled({'leave', 'ask'})}",
        "",
        f"misses ({len(result.misses)})" + (":" if misses else ", by count only"),
    ]
    for case, out, reason in result.misses if misses else ():
        lines.append(
            f"  {case.id:<14} {case.label:>8} -> {out:<8} ({reason}; {case.kind})"
        )
    return "\n".join(lines)


_DATE = __import__("datetime").datetime(
    2026, 11, 25, 9, 0, tzinfo=__import__("datetime").UTC
)


def forms_report(result: Score, folder: Path = FORMS, *, misses: bool = True) -> str:
    """A forms corpus: crises the therapist is alerted to, false alerts,
    and every miss (a form naming nobody is alerted about or left alone;
    anything else is a miss too). `misses`: a held-out set's by count only."""
    crises = result.labelled({"crisis"})
    calm = result.cases - crises
    false_alerts = result.read_as({"crisis"}) - result.count("crisis", "crisis")
    lines = [
        f"forms naming nobody to write to ({folder.relative_to(ROOT)}):"
        f" {result.cases} cases",
        f"crises alerted {result.count('crisis', 'crisis')} of {crises}"
        f" ({result.crisis_recall:.1%}); false alerts {false_alerts} of {calm}",
        f"misses ({len(result.misses)})" + (":" if misses else ", by count only"),
    ]
    for case, out, reason in result.misses if misses else ():
        lines.append(
            f"  {case.id:<14} {case.label:>8} -> {out:<8} ({reason}; {case.kind})"
        )
    return "\n".join(lines)


def main() -> int:
    print(report(score(load())))
    print()
    print(forms_report(score(load(FORMS), FORM_POLICY)))
    held = score(load(FORMS_HELD_OUT), FORM_POLICY)
    print(forms_report(held, FORMS_HELD_OUT, misses=False))
    wrapped = score(load(wrapped=True))
    print(
        f"\nthe same corpus hard-wrapped at {WRAP} columns: crisis recall"
        f" {wrapped.crisis_recall:.1%}, crises heard {wrapped.crises_heard:.1%},"
        f" given times with nobody told {wrapped.count('crisis', 'request')};"
        f" precision {wrapped.precision:.1%}, recall {wrapped.recall:.1%}"
    )
    for path in sorted(WHO.glob("*.jsonl")):
        who = score(load(WHO, path.name))
        print(f"\nwho is asking ({path.relative_to(ROOT)}, worked on, floors apart):")
        print(report(who).split("\n\n", 1)[-1].replace("(floor ", "(corpus floor "))
    not_here = score(load(NOT_HERE))
    print(
        f"\nnot here: a diary or a life ({NOT_HERE.relative_to(ROOT)}, learned from):"
    )
    print(report(not_here).split("\n\n", 1)[-1].replace("(floor ", "(corpus floor "))
    in_passing = score(load(IN_PASSING))
    print(
        "\nin passing: a crisis inside an ordinary enquiry"
        f" ({IN_PASSING.relative_to(ROOT)}, learned from):"
    )
    print(report(in_passing).split("\n\n", 1)[-1].replace("(floor ", "(corpus floor "))
    passive = score(load(PASSIVE))
    print(
        "\npassive wishes to be dead inside an enquiry"
        f" ({PASSIVE.relative_to(ROOT)}, learned from):"
    )
    print(report(passive).split("\n\n", 1)[-1].replace("(floor ", "(corpus floor "))
    for path in sorted(HELD_OUT.glob("*.jsonl")):
        held_out = score(load(HELD_OUT, path.name))
        print(
            f"\nheld out ({path.relative_to(ROOT)}, {held_out.cases} cases, never"
            " learned from):"
        )
        print(
            report(held_out, misses=False)
            .split("\n\n", 2)[-1]
            .replace("(floor ", "(corpus floor ")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
