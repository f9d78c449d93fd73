# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make learn`: learn the risk words (`mailflow/reading/risk_words.tsv`) from
every labelled set that is learned from, never from a held-out set: the
first-mail corpus, and beside it the sets of crises said in ordinary words and
their hard negatives (`LEARNED_TOO`); and the thread reader
(`thread_words.tsv`) from the same and the replies in the therapist's own
threads (`THREAD_SETS`).

Each case is read as a run reads it: a first mail built into a real message
and parsed (`bench/understand.py`), its subject and text weighed as
`mailflow.reading.classify` weighs them; a reply's new words
(`quoting.new_words`), as `mailflow.reading.reply_risk` weighs them. `--check` learns again and says
whether the shipped file is what the corpus teaches (the tests do the same).
`--cv` reruns the choice of the threshold: ten-fold cross-validation on the
corpus, each mail weighed by weights learned without it, then read the whole
way (`classify`) as it would be at each threshold; and the same crises again
with each of eight closings in place of its own, which should move little.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import understand  # beside this file (a script's folder is on sys.path)
from reply_risk import THERAPIST  # the reply contexts where the therapist writes

from mailflow.reading import classify, leave_words, quoting, risk_words
from mailflow.reading.parse import parse_mail

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
LEARNED_TOO = (
    "first_mail/not_here/blind5.jsonl",
    "not_around/blind6.jsonl",
    "indirect/blind8.jsonl",
    "indirect/blind11.jsonl",
    "indirect/blind19.jsonl",
    "indirect/negatives/negatives9.jsonl",
    "indirect/urgent/*.jsonl",
    "indirect/negatives/danger_now/*.jsonl",
    "replies/risk/crisis_a.jsonl",
    "replies/risk/crisis_b.jsonl",
    "replies/risk/crisis_c.jsonl",
    "replies/*.jsonl",
)
"""The other sets learned from, each read as a run weighs its mail: a first
mail's subject and text, a reply's new words (`quoting.new_words`: what
`reply_risk` weighs). Since 2026-12-05 the danger-now sets (`urgent`) and
the strict reviews' sentences beside them (`negatives/danger_now`) too:
the reader before, never taught them, weighed 53% of the urgent sets' crises
heavy and 39% of the reviews'. Their
held-out sets (`held_out/` beside each) never are: they say how well this
reads writers it never saw. A crisis is `crisis` in `label` (or in `risk`,
the reply-risk sets'); grief, a request, a safety question, an ordinary
mail are the rest."""
THREAD_SETS = (
    "first_mail/who/foreign_thread.jsonl",
    "first_mail/who/client_thread.jsonl",
)
"""Replies in the therapist's own threads (colleagues, GPs, schools,
relatives; their clients between sessions), learned by the second reader
only (`THREAD_SHIPPED`, `classify.thread_news`), each as a run weighs it:
its new words. A crisis or someone else in danger now (`alert`) is what it
weighs toward: either is worth the therapist's read. Taught to the first
reader too (2026-12-06, stop 59), they moved its first mails: crises given
times with nobody told across the held-out sets 112 -> 113 (alert taught
as other mail: 128), for 15 fewer ordinary mails alarmed; a first mail's
reading was not worth that for a reply's."""
SHIPPED = ROOT / "mailflow" / "reading" / risk_words.WEIGHTS_FILE
THREAD_SHIPPED = ROOT / "mailflow" / "reading" / risk_words.THREAD_WEIGHTS_FILE
LEAVE_SHIPPED = ROOT / "mailflow" / "reading" / leave_words.WEIGHTS_FILE
HEADER = """\
Risk words: learned by bench/learn_risk.py (make learn) from
tests/corpus/first_mail/*.jsonl and the sets in its LEARNED_TOO (never a
held_out set). Do not edit by hand: edit the corpus and learn again.
word<TAB>weight; (bias) is the constant."""
THREAD_HEADER = """\
Risk words for replies in the therapist's own threads: learned by
bench/learn_risk.py (make learn) from every set risk_words.tsv learns and
the thread replies of its THREAD_SETS (never a held_out set). Do not edit
by hand: edit the corpus and learn again.
word<TAB>weight; (bias) is the constant."""
LEAVE_HEADER = """\
Leave words: learned by bench/learn_risk.py (make learn) from every first
mail learned from (tests/corpus/first_mail and its who, not_here, in_passing
and passive sets; never a held_out set, nor the thread sets): mail to leave
to the therapist against requests and safety questions. Do not edit by hand:
edit the corpus and learn again.
word<TAB>weight; (bias) is the constant."""


def corpus_mails() -> list[tuple[str, bool]]:
    """(what is weighed, is a crisis) of every case learned from: the
    first-mail corpus's first (in `understand.load()`'s order, which `--cv`
    relies on), then `LEARNED_TOO`'s, as `learned_sets` reads them."""
    return [mail for mails in learned_sets().values() for mail in mails]


ASKING_FROM = "Alex Morgan <alex.morgan@example.org>"


def learned_cases(path: Path) -> list[dict[str, str]]:
    """The cases of one set of `LEARNED_TOO`, but the therapist's replies (an
    approval's answer, a booking they made), which a run never weighs, and
    those kept out (`NOT_LEARNED`)."""
    cases = [
        json.loads(line)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return [
        case
        for case in cases
        if case.get("context") not in THERAPIST and case.get("id") not in NOT_LEARNED
    ]


NOT_LEARNED = {
    "b11-c-131": "a crisis told only in the quoted first mail: the reply's new"
    " words, all a run weighs, are a plain booking ('Yes Thursday works,"
    " thanks.'), which learned as a crisis would weigh every such reply",
}
"""Cases of `LEARNED_TOO` kept out of learning, each with why (still scored
by the benches, as misses)."""


def weighed(case: dict[str, str]) -> tuple[str, bool]:
    """A case of `LEARNED_TOO` as a run weighs it, and whether it is a crisis."""
    crisis = "crisis" in (case.get("label"), case.get("risk"))
    if "context" in case or case.get("where") == "reply":
        return quoting.new_words(case["text"]), crisis
    # A set's first mail that names no subject is learned without one: the
    # benches send them all under one subject, which would be learned as a
    # word of crises.
    mail = parse_mail(understand.built({"from": ASKING_FROM, **case}).raw)
    return f"{mail.subject}\n{mail.text}", crisis


TAUGHT_CLOSINGS = (
    "\n\nKind regards\n\nSarah Okafor\nDeputy Head, St Anne's Primary"
    "\nwww.stannes.example.sch.uk",
    "\n\nBest wishes,\nMark\n\nMark Bennett MSc | Senior Analyst"
    "\nEmail: mark.bennett@example.com | Tel: 0161 496 0000",
    "\n\nThanks\nJo\n\nSent from my Samsung Galaxy smartphone.",
    "\n\nRegards,\nP. Kowalski\n45 Mill Lane, Bristol BS3 2XY\nMobile: 07700 900456",
    "\n\nMany thanks,\n\nDr Amira Haddad\nConsultant Radiologist"
    "\nhttps://example.org/staff/haddad",
    "\n\nCheers\nLiam\n\n--\nLiam O'Connor\nOperations Manager"
    "\nT: +44 20 7946 0000 | M: 07700 900789",
    "\n\nWarm wishes,\nGrace x\n\nSent from Yahoo Mail on Android",
    "\n\nYours sincerely,\n\nRev. David Price\nThe Vicarage, Church Road"
    "\nTel 01632 960000",
    "\n\nThank you,\nKeisha Brown\nTeacher | Year 6 | she/her"
    "\nkeisha.brown@example.co.uk",
    "\n\nBest,\nSam\n\nGet Outlook for Android",
    "\n\nTa\nDes\n07700 900321",
    "\n\nKind regards,\n\nAnna Schmidt BSc (Hons)\nHR Business Partner"
    "\nExample Ltd, Unit 4, Riverside Park, Leeds LS10 1AB\nwww.example.co.uk",
)
"""Signatures taught to the reader: each mail is learned twice, as written and
with one of these after it (`risk_words.learn`'s `taught`: not counted for
MIN_MAILS), so that how someone signs (a title, a school, a web address,
"Email:") weighs little either way. `--cv` tests with other closings."""


def signed(mails: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Each of `mails` again, its own closing left out (so that it stays among
    the last lines where closings are looked for) and one of the taught after
    it, handed out in turn within each class: no signature stands more often
    under crises than under other mail."""
    turn = {True: 0, False: 0}
    copies = []
    for text, crisis in mails:
        closing = TAUGHT_CLOSINGS[turn[crisis] % len(TAUGHT_CLOSINGS)]
        turn[crisis] += 1
        copies.append((risk_words.body(text) + closing, crisis))
    return copies


FOLDS = 10
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
SIGN_OFFS = (
    "\n\nThank you so much for reading this.\n\nKind regards,\nHelen",
    "\n\nMany thanks in advance\nBest wishes\nTom x",
    "\n\nthanks\n\nSent from my iPhone",
    "\n\nCheers,\nDan",
    "\n\nKind regards,\n\nDr Helen Smith-Jones MBE\n12 High Street\nHarrogate HG1 2QT"
    "\nTelephone: 07700 900123",
    "\n\n-- \nTom Reed\n07700 900123 (cell)\nSent from my iPhone",
    "\n\nKind regards,\n\nJames Whitfield\nMaths Lead | Northgate Academy"
    "\nwww.northgate-academy.net\nEmail: j.whitfield@northgate-academy.net",
    "\n\nBest\nNia\n\nNia Roberts MA\nLecturer in Nursing, Cardiff"
    "\nnia.roberts@cardiff-nursing.ac | Phone 029 2018 0000",
)
"""Closings put on each crisis in `--cv` in place of its own: the same crisis,
said as politely, signed as people sign (a title, a school, an address, a web
address, a phone, a separator). They share no word read with the taught but
"dr" and a kiss ("x"): never a name, place, school, title or domain."""
HELP_SEEKERS = frozenset({"request", "safety"})


@contextmanager
def _weighed_as(heavy: bool) -> Iterator[None]:
    """The risk words' verdict forced: what the rest of the reading makes of a
    mail either way (they are one gate, so both ways are all there is)."""
    with mock.patch.object(risk_words, "heavy", return_value=heavy):
        yield


def out_of_fold(
    mails: list[tuple[str, bool]], folds: int = FOLDS, extra: tuple[str, ...] = ()
) -> tuple[list[float], list[list[float]]]:
    """Each mail's chance from weights learned without it; and, for a crisis,
    its chance with each of `extra` in place of its own closing (none for the
    rest)."""
    order = list(range(len(mails)))
    random.Random(risk_words.SEED).shuffle(order)
    chances = [0.0] * len(mails)
    closed: list[list[float]] = [[] for _ in mails]
    for k in range(folds):
        held = set(order[k::folds])
        learned = [mails[i] for i in order if i not in held]
        weights = risk_words.learn(learned, taught=signed(learned))
        for i in held:
            text, crisis = mails[i]
            chances[i] = risk_words.chance(text, weights)
            if crisis:
                # Its own closing replaced by each of `extra`: one closing a mail.
                own = risk_words.body(text)
                closed[i] = [risk_words.chance(own + c, weights) for c in extra]
    return chances, closed


@dataclass(frozen=True)
class Reading:
    """Every corpus mail read out of fold: its label, its chance, a crisis's
    chance with each closing put on it, and what the whole reading makes of it
    when the risk words weigh it heavy or not."""

    labels: list[str]
    chances: list[float]
    closed: list[list[float]]
    ways: dict[bool, list[str]]
    others: list[tuple[bool, float]]
    """`LEARNED_TOO`'s mails: (is a crisis, chance out of fold)."""


@dataclass(frozen=True)
class Figures:
    """At one threshold: crises weighed heavy (and with a closing put on: on
    average over the closings, and with the one that moves most), other mail
    weighed heavy, help-seekers held for the therapist, crises heard."""

    crises: int
    heavy: int
    signed: float
    worst: int
    rest: int
    other: int
    seekers: int
    held: int
    heard: int


def read_out_of_fold(folds: int = FOLDS) -> Reading:
    """Out of fold over every mail learned from; read the whole way (and so
    reported) for the first-mail corpus's alone, which comes first."""
    cases = understand.load()
    mails = corpus_mails()
    chances, closed = out_of_fold(mails, folds, SIGN_OFFS)
    ways = {}
    for heavy in (False, True):
        with _weighed_as(heavy):
            ways[heavy] = [understand.outcome(case)[0] for case in cases]
    n = len(cases)
    others = [
        (crisis, p) for (_, crisis), p in zip(mails[n:], chances[n:], strict=True)
    ]
    return Reading([c.label for c in cases], chances[:n], closed[:n], ways, others)


def figures(
    folds: int = FOLDS,
    threshold: float = risk_words.THRESHOLD,
    reading: Reading | None = None,
) -> Figures:
    r = reading or read_out_of_fold(folds)
    crises = [i for i, label in enumerate(r.labels) if label == "crisis"]
    seekers = [i for i, label in enumerate(r.labels) if label in HELP_SEEKERS]
    rest = [i for i, label in enumerate(r.labels) if label != "crisis"]
    read = [r.ways[p >= threshold][i] for i, p in enumerate(r.chances)]
    return Figures(
        crises=len(crises),
        heavy=sum(r.chances[i] >= threshold for i in crises),
        signed=sum(c >= threshold for i in crises for c in r.closed[i])
        / len(SIGN_OFFS),
        worst=min(
            sum(r.closed[i][k] >= threshold for i in crises)
            for k in range(len(SIGN_OFFS))
        ),
        rest=len(rest),
        other=sum(r.chances[i] >= threshold for i in rest),
        seekers=len(seekers),
        held=sum(read[i] == "ask" != r.ways[False][i] for i in seekers),
        heard=sum(read[i] in ("crisis", "safety", "ask") for i in crises),
    )


def cross_validate(folds: int = FOLDS) -> str:
    """The `--cv` report: per threshold, out of fold, what reaches whom."""
    reading = read_out_of_fold(folds)
    lines = [
        f"{folds}-fold cross-validation over {len(reading.labels)} mails",
        "threshold  crises weighed heavy (with a closing: mean, worst)  "
        "other mail  help-seekers held  crises heard",
    ]
    for threshold in THRESHOLDS:
        f = figures(folds, threshold, reading)
        mark = "  <- shipped" if threshold == risk_words.THRESHOLD else ""
        lines.append(
            f"{threshold:>9.2f}  {f.heavy:>4} of {f.crises}"
            f" ({f.signed:>5.1f}, {f.worst:>3}){'':>22}"
            f"{f.other:>4} of {f.rest}  {f.held:>5} of {f.seekers}"
            f"  {f.heard:>6} of {f.crises}{mark}"
        )
    crises = [p for crisis, p in reading.others if crisis]
    rest = [p for crisis, p in reading.others if not crisis]
    lines.append(
        f"the other sets learned from ({', '.join(LEARNED_TOO)}), out of fold:"
    )
    for threshold in THRESHOLDS:
        heavy = sum(p >= threshold for p in crises)
        other = sum(p >= threshold for p in rest)
        lines.append(
            f"{threshold:>9.2f}  {heavy:>4} of {len(crises)} crises weighed heavy,"
            f" {other:>4} of {len(rest)} other mails"
        )
    return "\n".join(lines)


def learned_sets() -> dict[str, list[tuple[str, bool]]]:
    """Every set learned from, by file, each mail as a run reads it: the
    first-mail corpus's files first, then `LEARNED_TOO`'s (`weighed`)."""
    sets = {
        f"first_mail/{path.name}": [
            (f"{mail.subject}\n{mail.text}", case.label == "crisis")
            for case in understand.load(understand.FIRST_MAIL, path.name)
            for mail in (parse_mail(case.raw),)
        ]
        for path in sorted(understand.FIRST_MAIL.glob("*.jsonl"))
    }
    for name in LEARNED_TOO:
        for path in sorted(CORPUS.glob(name)):
            key = str(path.relative_to(CORPUS))
            sets.setdefault(key, [weighed(case) for case in learned_cases(path)])
    return sets


LOSO_GROUPS = (
    ("danger now (indirect/urgent)", "indirect/urgent/"),
    ("the reviews' sentences (negatives/danger_now)", "indirect/negatives/danger_now/"),
    ("the first-mail corpus and the older sets", ""),
)
"""How `--loso` sums the sets it leaves out: each set in the first group
whose prefix it has."""


def leave_one_set_out(thresholds: tuple[float, ...] = (0.5, 0.6)) -> str:
    """The `--loso` report: each set learned from left out whole in turn,
    the reader learned from the rest (as `learned_text` learns, signatures
    taught), and the set weighed as a writer never seen would be: crises and
    other mail weighed heavy at each threshold, per set and summed by group.
    How `L2` and `THRESHOLD` were chosen (2026-12-05)."""
    sets = learned_sets()
    counts: dict[tuple[str, float], list[int]] = {}
    lines = [f"each of {len(sets)} sets left out whole; L2 {risk_words.L2}"]
    for name, mails in sets.items():
        rest = [m for other, ms in sets.items() if other != name for m in ms]
        weights = risk_words.learn(rest, taught=signed(rest))
        chances = [(risk_words.chance(text, weights), crisis) for text, crisis in mails]
        group = next(g for g, prefix in LOSO_GROUPS if name.startswith(prefix))
        cells = []
        for threshold in thresholds:
            hit = [p >= threshold for p, crisis in chances if crisis]
            raised = [p >= threshold for p, crisis in chances if not crisis]
            total = counts.setdefault((group, threshold), [0, 0, 0, 0])
            for i, n in enumerate((sum(hit), len(hit), sum(raised), len(raised))):
                total[i] += n
            cells.append(
                f"@{threshold}: {sum(hit)}/{len(hit)} crises,"
                f" {sum(raised)}/{len(raised)} other"
            )
        lines.append(f"  {name:<45} " + "   ".join(cells))
    for (group, threshold), (c, nc, o, no) in counts.items():
        lines.append(
            f"{group} @{threshold}: crises {c} of {nc} ({c / (nc or 1):.1%}),"
            f" other mail {o} of {no} ({o / (no or 1):.1%})"
        )
    return "\n".join(lines)


def thread_sets_left_out(thresholds: tuple[float, ...] = (0.5, 0.6)) -> str:
    """The `--threads` report: each of `THREAD_SETS` left out whole in turn,
    the thread reader learned from everything else (as
    `learned_thread_text` learns), and the set weighed as a writer never
    seen would be, beside the first reader's weighing of it: crises and
    people in danger, and other replies, weighed heavy at each threshold
    (the words alone; the phrases hear some of the rest). How the thread
    reader was judged out of sample (stop 59)."""
    base = corpus_mails()
    first = risk_words.shipped()
    sets = {
        name: [
            (quoting.new_words(case["text"]), case["label"] in {"crisis", "alert"})
            for case in learned_cases(CORPUS / name)
        ]
        for name in THREAD_SETS
    }
    lines = []
    for name, mails in sets.items():
        rest = base + [m for other, ms in sets.items() if other != name for m in ms]
        weights = risk_words.learn(rest, taught=signed(rest))
        for threshold in thresholds:
            cells = []
            for label, reader in (("thread", weights), ("first", first)):
                chances = [(risk_words.chance(t, reader), c) for t, c in mails]
                hit = sum(p >= threshold for p, c in chances if c)
                raised = sum(p >= threshold for p, c in chances if not c)
                crises = sum(c for _, c in chances)
                cells.append(
                    f"{label}: {hit}/{crises} at risk, {raised}/{len(chances) - crises}"
                    " other"
                )
            lines.append(f"  {name} @{threshold}: " + "; ".join(cells))
    return "\n".join(lines)


LEAVE_FOLDERS = (
    understand.FIRST_MAIL,
    understand.WHO,
    understand.NOT_HERE,
    understand.IN_PASSING,
    understand.PASSIVE,
)
"""Where `leave_words` learns: every first mail learned from."""


def leave_sets() -> dict[str, list[tuple[str, bool]]]:
    """Every first-mail set `leave_words` learns from, by file, each mail to
    leave (True) or a request or safety question (False) as a run weighs it
    (its subject and text); crises, people in danger and mail to ask about
    are not taught either way (the risk readers and the reaching reader read
    them). Not the thread sets: replies in the therapist's own threads,
    never read as a first mail."""
    sets = {}
    for folder in LEAVE_FOLDERS:
        for path in sorted(folder.glob("*.jsonl")):
            name = str(path.relative_to(CORPUS))
            if name in THREAD_SETS:
                continue
            sets[name] = [
                (classify.leave_weighed(mail.subject, mail.text), case.label == "leave")
                for case in understand.load(folder, path.name)
                if case.label == "leave" or case.label in HELP_SEEKERS
                for mail in (parse_mail(case.raw),)
            ]
    return sets


TAUGHT_ASKINGS = (
    "Hope you're well. Could we arrange a quick call next week to discuss?",
    "Are you available for a call this week?",
    "Could we set up a call to discuss this, perhaps on Zoom?",
    "Would you have time for a quick chat today or tomorrow?",
    "I'd love to arrange a brief call to talk it through.",
    "Hope you are well. Is there a good time to speak next week?",
)
"""Ways of asking for a call taught to the leave words on both sides: each
mail is learned again with one of these after its subject, handed out in
turn within each class (as `signed` hands out signatures), so that how
someone asks for a call ("a quick call next week to discuss", "hope you're
well") weighs little either way. The corpus's professionals asked so far
more often than its people (helper-317: "a quick" stood in 36 mails to
leave and one request), and a plain "are you available for a call next
week about therapy?" was asked about."""


def asked(mails: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Each of `mails` again with one of `TAUGHT_ASKINGS` after its subject
    (the first line), in turn within each class."""
    turn = {True: 0, False: 0}
    copies = []
    for text, leave in mails:
        asking = TAUGHT_ASKINGS[turn[leave] % len(TAUGHT_ASKINGS)]
        turn[leave] += 1
        subject, _, rest = text.partition("\n")
        copies.append((f"{subject}\n{asking}\n{rest}", leave))
    return copies


def leave_taught(mails: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """What the leave words are taught beside the mails themselves: each
    signed (`signed`) and each asked (`asked`)."""
    return signed(mails) + asked(mails)


def learned_leave_text() -> str:
    mails = [mail for mails in leave_sets().values() for mail in mails]
    return risk_words.dump(
        risk_words.learn(mails, taught=leave_taught(mails)), LEAVE_HEADER
    )


@contextmanager
def _left_as(heavy: bool, asking: bool) -> Iterator[None]:
    """The leave words' two verdicts forced (`_weighed_as`'s twin)."""
    with (
        mock.patch.object(leave_words, "heavy", return_value=heavy),
        mock.patch.object(leave_words, "reads_as_asking", return_value=asking),
    ):
        yield


LEAVE_THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7)
ASKING_THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4)
WANTED = frozenset({"request", "safety", "ask"})
"""Labels of mail that should reach someone: answered, or the therapist asked."""


def leave_left_out(
    thresholds: tuple[float, ...] = LEAVE_THRESHOLDS,
    asking: tuple[float, ...] = ASKING_THRESHOLDS,
) -> str:
    """The `--leave` report: each set `leave_words` learns from left out whole
    in turn, the reader learned from the rest, and the set read the whole way
    (`classify`) as a writer never seen would be. At each threshold: mail to
    leave answered with times, and requests and safety questions asked about
    instead of answered (and again with each of `SIGN_OFFS` in place of their
    own closing: someone writing for themselves from work). At each point
    of `ASKING`: of mail the reading leaves alone for naming no purpose,
    requests, safety questions and mail to ask about now asked about, and
    mail to leave now a note. How `leave_words.THRESHOLD` and `ASKING` were
    chosen (2026-12-07)."""
    sets = leave_sets()
    totals: dict[float, list[int]] = {t: [0] * 6 for t in thresholds}
    found: dict[float, list[int]] = {t: [0] * 4 for t in asking}
    unread = 0
    lines = [f"each of {len(sets)} sets left out whole"]
    for name in sets:
        rest = [m for other, ms in sets.items() if other != name for m in ms]
        weights = risk_words.learn(rest, taught=leave_taught(rest))
        folder, file = name.rsplit("/", 1)
        cases = understand.load(CORPUS / folder, file)
        texts = [
            classify.leave_weighed(mail.subject, mail.text)
            for case in cases
            for mail in (parse_mail(case.raw),)
        ]
        chances = [risk_words.chance(text, weights) for text in texts]
        ways = {}
        for way in ((False, False), (True, False), (False, True)):
            with _left_as(*way):
                ways[way] = [understand.outcome(case) for case in cases]
        plain = ways[False, False]
        unread += sum(
            case.label == "leave" and plain[i][0] in understand.TIMES
            for i, case in enumerate(cases)
        )
        cells = []
        for threshold in thresholds:
            robots = asked = seekers = gated = signed_asked = 0
            for i, case in enumerate(cases):
                now = ways[chances[i] >= threshold, False][i][0]
                if case.label == "leave":
                    robots += now in understand.TIMES
                elif case.label in HELP_SEEKERS:
                    seekers += 1
                    if (
                        plain[i][0] in understand.TIMES
                        and ways[True, False][i][0] == "ask"
                    ):
                        asked += now == "ask"
                        gated += 1
                        own = risk_words.body(texts[i])
                        signed_asked += sum(
                            risk_words.chance(own + c, weights) >= threshold
                            for c in SIGN_OFFS
                        )
            leave = sum(c.label == "leave" for c in cases)
            counted = (robots, leave, asked, seekers, gated, signed_asked)
            for k, n in enumerate(counted):
                totals[threshold][k] += n
            cells.append(
                f"@{threshold}: {robots}/{leave} timed, {asked}/{seekers} asked"
            )
        for point in asking:
            for i, case in enumerate(cases):
                if plain[i] != ("leave", "no-intent"):
                    continue
                if ways[False, True][i][0] != "ask" or not (
                    leave_words.weighable(texts[i])
                    and len(risk_words.words(texts[i])) >= leave_words.ASKING_WORDS
                ):
                    continue  # not one the point can reach (a form, a circular,
                    # fewer than ASKING_WORDS words, another language)
                turned = chances[i] <= point
                if case.label in WANTED:
                    found[point][0] += turned
                    found[point][1] += 1
                elif case.label == "leave":
                    found[point][2] += turned
                    found[point][3] += 1
        lines.append(f"  {name:<42} " + "   ".join(cells))
    lines.append(f"without the leave words: mail to leave answered with times {unread}")
    for threshold, (
        robots,
        leave,
        asked,
        seekers,
        gated,
        signed_asked,
    ) in totals.items():
        mark = "  <- shipped" if threshold == leave_words.THRESHOLD else ""
        lines.append(
            f"@{threshold}: mail to leave answered with times {robots} of {leave};"
            f" requests asked about {asked} of {seekers}, with another's closing"
            f" {signed_asked} of {gated * len(SIGN_OFFS)}{mark}"
        )
    lines.append("left alone for naming no purpose, weighed at or below a point:")
    for point, (wanted, of_wanted, left, of_left) in found.items():
        mark = "  <- shipped" if point == leave_words.ASKING else ""
        lines.append(
            f"<={point}: to answer or ask about, now asked {wanted} of {of_wanted};"
            f" to leave, now a note {left} of {of_left}{mark}"
        )
    return "\n".join(lines)


def learned_text() -> str:
    mails = corpus_mails()
    return risk_words.dump(risk_words.learn(mails, taught=signed(mails)), HEADER)


def thread_mails() -> list[tuple[str, bool]]:
    """(new words, crisis or someone in danger) of every reply of
    `THREAD_SETS`, as `classify.thread_news` weighs it."""
    return [
        (quoting.new_words(case["text"]), case["label"] in {"crisis", "alert"})
        for name in THREAD_SETS
        for case in learned_cases(CORPUS / name)
    ]


def learned_thread_text() -> str:
    """The second reader's file: every mail `learned_text` learns, and the
    thread replies beside them."""
    mails = corpus_mails() + thread_mails()
    return risk_words.dump(risk_words.learn(mails, taught=signed(mails)), THREAD_HEADER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument(
        "--cv", action="store_true", help="cross-validate the threshold, write nothing"
    )
    parser.add_argument(
        "--loso",
        action="store_true",
        help="leave each set out whole in turn (how L2 and the threshold were"
        " chosen), write nothing",
    )
    parser.add_argument(
        "--leave",
        action="store_true",
        help="leave each first-mail set out in turn and read it the whole way"
        " with the leave words learned without it (how their threshold was"
        " chosen), write nothing",
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help="leave each thread set out in turn and weigh it with the thread"
        " reader learned without it, beside the first reader; write nothing",
    )
    args = parser.parse_args(argv)
    if args.leave:
        print(leave_left_out())
        return 0
    if args.threads:
        print(thread_sets_left_out())
        return 0
    if args.cv:
        print(cross_validate())
        return 0
    if args.loso:
        print(leave_one_set_out())
        return 0
    wrong = 0
    for path, text in (
        (SHIPPED, learned_text()),
        (THREAD_SHIPPED, learned_thread_text()),
        (LEAVE_SHIPPED, learned_leave_text()),
    ):
        if args.check:
            same = path.exists() and path.read_text("utf-8") == text
            print(f"{path.name}: {'as learned' if same else 'NOT as learned'}")
            wrong += not same
            continue
        path.write_text(text, encoding="utf-8")
        print(
            f"{path.relative_to(ROOT)}: {len(risk_words.parse(text).words)}"
            f" words and pairs, {len(text) // 1024} KB"
        )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
