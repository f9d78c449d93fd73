"""Words that weigh toward risk, learned from the labelled corpus: a second
reader beside the phrase book. Pure.

The phrase book reads what it was taught. On mail from writers it never saw
(the held-out sets) it heard about half of the crises: a goodbye, a plan or
means put by are said in more ways than any list foresees. This reader weighs
every word and pair of words of a mail, each by how often it stands in crises
rather than in the rest of the corpus (a logistic regression, `learn`, run by
`bench/learn_risk.py` over every labelled set that is learned from: the
first mails of `tests/corpus/first_mail`, the crises said in ordinary words
and their hard negatives, the replies at risk and the ordinary replies;
never over a `held_out` set), and gives the chance the mail is a crisis.

It only ever raises doubt, never lowers it: a mail the phrases found no risk
in, weighed at or above `THRESHOLD`, goes to the therapist before anything is
sent to the writer (`classify`). What it weighs is never shown in logs.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final

from mailflow import patterns
from mailflow.reading.screen import MAX_SCREEN_CHARS, normalize

THRESHOLD: Final = 0.5
"""Where a balanced logistic regression puts even odds. Chosen with `L2`
(2026-12-05) by leaving each set learned from out whole in turn, learning
from the rest, and weighing it as a writer never seen (`bench/learn_risk.py
--loso`): the first-mail and older sets' crises 86.9% heavy, their other
mail 5.6% (82.3% and 5.1% at 0.6 with the reader before); the danger-now
sets' crises 93.7%, other mail 3.8% (53.4% and 2.6%); the reviews'
sentences, written to trip the phrase book, 90.6% and 33.2% (39.2% and
8.5%). Ten-fold over the first-mail corpus, through the whole reading
(`--cv`): 209 of 242 crises heavy, 36 of 789 other mails, 9 of 468
help-seekers held for the therapist (191, 21 and 9 at 0.6 before). The
held-out sets' counts were read after the choice (and for two trial
versions, not kept: docs/reading.md)."""

WEIGHTS_FILE: Final = "risk_words.tsv"
THREAD_WEIGHTS_FILE: Final = "thread_words.tsv"
"""The second reader: the same words learned with replies in the
therapist's own threads beside them (`classify.thread_news`). A client
telling their therapist of their week ("I've been thinking about what you
said", "I tried it") weighs in first-mail words like a crisis; taught to
the first reader, those replies moved its first mails (bench/learn_risk.py,
`THREAD_SETS`)."""
_BIAS: Final = "(bias)"

_WORD = patterns.compile(r"[a-z]+(?:'[a-z]+)?")

_CONTRACTIONS: Final = {
    "dont": "don't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've",
    "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "wasnt": "wasn't",
    "arent": "aren't", "havent": "haven't", "couldnt": "couldn't",
    "wouldnt": "wouldn't", "shouldnt": "shouldn't", "thats": "that's",
    "whats": "what's", "theres": "there's", "youre": "you're",
    "theyre": "they're", "youve": "you've", "weve": "we've", "hes": "he's",
    "shes": "she's", "itll": "it'll",
}  # fmt: skip
"""Written without the apostrophe (a phone, a hurry): the same word, so that
how carefully someone types weighs nothing. Not "ill" nor "id": words of
their own more often than "i'll" and "i'd"."""

_SIGN_OFF = patterns.compile(
    r"(?:(?:many |with )?thanks(?: again| so much| in advance)?"
    r"|thank you(?: so much| again| in advance)?|ta|thx|tia"
    r"|(?:kind|kindest|warm|warmest|best|many) regards|regards"
    r"|(?:best|warm|warmest|kind) wishes|all the best|best|warmly|cheers"
    r"|(?:yours )?(?:sincerely|faithfully|truly)|respectfully|x{1,6})"
    r"(?:[ ,]++(?P<name>[a-z]++))?+[ ,.!x-]*+"
)
"""A line that only closes a mail ("Kind regards,", "thanks x", "Cheers Dan",
"xx").
Not "take care" nor "love": said in a goodbye, they are part of what is said.
Possessive throughout: a hostile line costs one pass."""
_FOOTER = patterns.compile(
    r"(?:sent (?:from|with|via) (?:my )?(?:iphone|ipad|android|pixel|samsung"
    r"|galaxy|huawei|xiaomi|oneplus|motorola|nokia|mobile|phone|smartphone"
    r"|tablet|blackberry|outlook|yahoo mail|aol mail|proton ?mail"
    r"|mail for windows|gmail|ios)|get outlook for (?:ios|android))"
    r"(?: [a-z]*+\d[\w+.-]*+| pro| max| plus| mini| ultra| air| lite| smartphone"
    r"| device| phone| tablet| galaxy| on android| on ios| on iphone| secure email"
    r"| app){0,4}+[ .!]*+"
)
"""A mail program's own line ("Sent from my iPhone", "Get Outlook for iOS"):
a device or program by name, never "Sent from the bridge"."""
_CONTACT_ITEM = (
    r"(?:(?:e-?mail|tel|telephone|phone|mobile|mob|cell|fax|website|web|e|m|t|p|w)"
    r"(?:[:.] ?| ))?(?:[^\s@|,/]++@[^\s@|,/]++"
    r"|(?:https?://)?(?:www\.)?[a-z0-9-]++(?:\.[a-z0-9-]++)++/?"
    r"|\+?\d[\d ().-]{5,}(?: ?\((?:mobile|cell|home|work|office)\))?)"
)
_CONTACT = patterns.compile(rf"{_CONTACT_ITEM}(?: *[|,/] *{_CONTACT_ITEM})*[ .]*")
"""A line that is only ways to reach someone ("Email: jo@example.org | Tel:
07700 900123", "www.example.org"): no word of it is theirs to weigh. A web
address with a path or a query is not one ("…/search?q=…" is read). Matched
only on lines of at most _CLOSING_LINE_CHARS, so its backtracking is bounded."""
_CLOSING_LINE_CHARS: Final = 80
"""Longer lines are never a closing, and are not matched as one."""
CLOSING_LINES: Final = 8
"""A closing is looked for among the last lines only."""
_SENTENCE_WORDS = """i i'm im i've ive i'll i'd me my myself you your we us our he
    she they them him her his it it's its is am are was be been not no never so
    sorry bye goodbye goodnight farewell forever forgive love miss tonight today
    tomorrow now soon all everyone everything everybody nobody nothing anymore
    anyway please help again gone done over end ending die dead dying alone
    tired lost sad here"""
_SAYS_SOMETHING: Final = frozenset(_SENTENCE_WORDS.split())
"""Words that end a sign-off's line as part of a sentence ("thanks for
everything", "thanks, bye"), not as a name."""


@dataclass(frozen=True, slots=True)
class Weights:
    """A learned reader: the constant, and the weight of every word and pair."""

    bias: float
    words: Mapping[str, float]


def features(text: str) -> frozenset[str]:
    """The words and neighbouring pairs of `text` before its closing lines,
    normalised as the phrase book reads (case, apostrophes), contractions
    spelled one way."""
    found = words(text)
    return frozenset(found) | {f"{a} {b}" for a, b in itertools.pairwise(found)}


def words(text: str) -> list[str]:
    """The words of `text` as they are weighed, in order (`features`)."""
    return [_CONTRACTIONS.get(w, w) for w in _WORD.findall(body(text))]


def body(text: str) -> str:
    """What is weighed of `text`: normalised, within the screen's bound, and
    without the lines that only close it (once: the lines looked at are the
    last of `text` as given)."""
    return _without_closing(normalize(text[:MAX_SCREEN_CHARS]))


def _closing(line: str) -> bool:
    """Whether a line only closes the mail: a sign-off ("Kind regards,",
    "Cheers Dan"), a mail program's footer, or a line of contact details,
    and nothing else."""
    line = line.strip()
    if not line or len(line) > _CLOSING_LINE_CHARS:
        return False
    if _FOOTER.fullmatch(line) or _CONTACT.fullmatch(line):
        return True
    found = _SIGN_OFF.fullmatch(line)
    return found is not None and found["name"] not in _SAYS_SOMETHING


def closes(line: str) -> bool:
    """Whether a line as written only closes a mail (`_closing`)."""
    return _closing(normalize(line))


def _without_closing(text: str) -> str:
    """`text` without the lines that only close it: sign-offs and a mail
    program's footer, or contact details, among its last lines. Nothing else
    is cut: not the name or title after them (taught to weigh less:
    `bench/learn_risk.py` teaches each mail signed as well as bare), not a
    PS, and never a line that says anything, so a goodbye after "Thanks" is
    read whole. A crisis closed with "Kind regards, Helen" is the same
    crisis: read with their closings, the corpus's crises weighed heavy fell
    from 180 to 161 of 234 on average once a closing was put on them (out
    of fold, `bench/learn_risk.py --cv`; 187, and 183.8, of 242 learned from
    the corpus alone; 193 and 188.4 learned from every set). The first
    line (the subject, as `classify` joins them) is never cut."""
    lines = text.split("\n")
    last = max(1, len(lines) - CLOSING_LINES)
    return "\n".join(
        line for at, line in enumerate(lines) if at < last or not _closing(line)
    )


def chance(text: str, weights: Weights | None = None) -> float:
    """How likely the corpus says a mail with these words is a crisis (0-1)."""
    learned = shipped() if weights is None else weights
    return _chance(learned, features(text))


def heavy(text: str, weights: Weights | None = None) -> bool:
    """Whether the words weigh enough toward risk to put the mail before the
    therapist."""
    return chance(text, weights) >= THRESHOLD


def _chance(weights: Weights, found: Iterable[str]) -> float:
    # Known words only, and their sum shrunk by the square root of their
    # number: a long mail is not heavier for being long. `fsum` sums exactly,
    # so the order of a set never moves a figure.
    known = [weights.words[f] for f in found if f in weights.words]
    return _sigmoid(weights.bias + math.fsum(known) / math.sqrt(len(known) or 1))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@functools.cache
def shipped(name: str = WEIGHTS_FILE) -> Weights:
    """The weights that ship in the package (`WEIGHTS_FILE`, or
    `THREAD_WEIGHTS_FILE`), each read once a process."""
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return parse(text, name)


def parse(text: str, source: str = WEIGHTS_FILE) -> Weights:
    """Read a weights file (`source`, named in its errors): `word<TAB>weight`
    lines, the constant under the name `(bias)` (no word has brackets); `#`
    lines are comments."""
    bias: float | None = None
    words: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        name, tab, value = line.rpartition("\t")
        if not tab:
            raise ValueError(f"{source}:{number}: no tab")
        if name == _BIAS:
            bias = float(value)
        else:
            words[name] = float(value)
    if bias is None:
        raise ValueError(f"{source}: no {_BIAS} line")
    return Weights(bias, words)


def dump(weights: Weights, header: str) -> str:
    """The weights file's text: sorted, four decimals (a diff shows what moved)."""
    lines = [f"# {line}" for line in header.splitlines()]
    lines.append(f"{_BIAS}\t{weights.bias:.4f}")
    lines += [f"{w}\t{v:.4f}" for w, v in sorted(weights.words.items())]
    return "\n".join(lines) + "\n"


# -- learning (bench/learn_risk.py; tests re-learn to check the shipped file) ----

EPOCHS: Final = 30
RATE: Final = 0.5
"""The step, shrunk each epoch: RATE / (1 + epoch)."""
L2: Final = 0.01
"""Weight decay. At 1e-3 the reader learned its sets' own sentences (a
learned crisis weighed 0.67, the same said by a new writer less); at 0.01
it weighs the words many crises share. The first-mail and older sets,
each left out whole (`bench/learn_risk.py --loso`, L2 set by hand), at even
odds: crises heavy and other mail heavy 85.6% and 7.4% at 1e-3, 86.9% and
5.6% at 0.01, 86.6% and 5.5% at 0.012; a scratch run of the day put 0.025
and 0.05 no higher, their chances crowding at 0.5."""
MIN_MAILS: Final = 3
"""A word or pair in fewer mails than this is not learned (nor weighed): at
two, the names of the corpus's writers were learned."""
SEED: Final = 7


def learn(
    mails: Iterable[tuple[str, bool]], taught: Iterable[tuple[str, bool]] = ()
) -> Weights:
    """Logistic regression over `(text, is_crisis)`: stochastic gradient
    descent, each class weighed by its rarity, deterministic (seeded order,
    exact sums). Words in fewer than MIN_MAILS of `mails` are left out.
    `taught`: more examples (the mails again, told differently) learned from
    as `mails` are, but not counted for MIN_MAILS, so that a word is not
    learned for being repeated."""
    data = [(sorted(features(text)), crisis) for text, crisis in mails]
    seen: dict[str, int] = {}
    for found, _ in data:
        for f in found:
            seen[f] = seen.get(f, 0) + 1
    vocabulary = {f for f, n in seen.items() if n >= MIN_MAILS}
    data += [(sorted(features(text)), crisis) for text, crisis in taught]
    data = [([f for f in found if f in vocabulary], crisis) for found, crisis in data]
    crises = sum(1 for _, crisis in data if crisis)
    if not 0 < crises < len(data):
        raise ValueError("learning needs crises and other mail")
    balance = {
        True: len(data) / (2 * crises),
        False: len(data) / (2 * (len(data) - crises)),
    }
    # Each word by its place in a list: the same sums and steps as by name
    # (fsum is exact, whatever the order), in under half the time.
    names = sorted(vocabulary)
    place = {name: j for j, name in enumerate(names)}
    rows = [([place[f] for f in found], crisis) for found, crisis in data]
    weights = [0.0] * len(names)
    at = weights.__getitem__
    bias = 0.0
    order = list(range(len(rows)))
    shuffle = random.Random(SEED)
    for epoch in range(EPOCHS):
        shuffle.shuffle(order)
        step = RATE / (1 + epoch)
        for i in order:
            places, crisis = rows[i]
            scale = math.sqrt(len(places) or 1)
            p = _sigmoid(bias + math.fsum(map(at, places)) / scale)
            gradient = (p - (1.0 if crisis else 0.0)) * balance[crisis]
            share = gradient / scale
            for j in places:
                weights[j] -= step * (share + L2 * weights[j])
            bias -= step * gradient
    return Weights(bias, dict(zip(names, weights, strict=True)))
