"""The keywords the screen checks before it runs a family (`phrases.keywords`):
every match holds one of the family's terms whole (an anchor, and a keyword
beside it unless it stands alone), so a sentence holding none can never hold
a match, and leaving the family out there never changes what the screen
hears. Soundness is tested three
ways: shapes by hand, every family of every shipped book against strings
generated to match it, and the screen itself with and without the shortcut
over every corpus text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.reading import screen
from mailflow.reading.phrases import Family, keywords, phrases
from mailflow.reading.phrases.keywords import may_match, of_pattern, words

CORPUS = Path(__file__).parent / "corpus"


def family(body: str) -> str:
    """A pattern as the book builds a family: whole words, an alternation."""
    return rf"(?<!\w)(?:{body})(?!\w)"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("overdose", {"overdose": None}),
        ("kill myself|overdose", {"kill myself": None, "overdose": None}),
        # Common words alone are weak: the rarest ("to die") is filed with
        # the next one, which must stand beside it.
        ("i want to die", {"to die": {"want to"}}),
        # Only common words: two of them, side by side, beat one.
        ("better off", {"better off": None}),
        # A stem: no edge after it, so only the word's start is sure.
        (r"suicid\w*", {"suicid*": None}),
        (
            r"overdos(?:e|ed|ing)",
            {"overdose": None, "overdosed": None, "overdosing": None},
        ),
        # Strings known exactly are joined: each string's strongest words
        # (a pair says its two words, and is as strong as the stronger).
        (
            "(?:take|took) (?:an )?overdose",
            {"an overdose": None, "take overdose": None, "took overdose": None},
        ),
        ("i (?:took|had) an overdose", {"an overdose": None}),
        # A group reads on from what stood before it: "o(?:verdos\\w*|dd)".
        (r"overdos\w*|odd", {"overdo*": None, "odd": None}),
        # A typo's repeat ("kil+") ends what is known: "myself" stands.
        (r"kil+ my ?self", {"myself": None, "my self": None}),
        # A sequence's parts join: one term of each ("end it" and "tonight").
        (
            "(?:going to|gonna) (?:end it|kill myself) tonight",
            {
                "gonna end": None,
                "gonna kill": None,
                "end it": {"it tonight"},
                "kill myself": {"myself tonight"},
            },
        ),
        # An alternation's terms are its branches' together.
        (
            "he (?:hits|beats) (?:her|me)",
            {"beats her": None, "beats me": None, "he hits": {"hits her", "hits me"}},
        ),
    ],
)
def test_keywords_read_off_a_pattern(
    body: str, expected: dict[str, set[str] | None]
) -> None:
    found = of_pattern(family(body))
    assert found == {
        anchor: None if beside is None else frozenset(beside)
        for anchor, beside in expected.items()
    }


@pytest.mark.parametrize(
    "pattern",
    [
        family(r"(?:kill myself)?"),  # may match nothing at all
        family(r"[a-z]+"),  # a class: no word known
        family(r"\w+ing"),  # nothing before the ending: not a word's start
        family(r"(?:die|.{3})"),  # one branch without a word: none for all
        r"(?i)overdose",  # case-blind: "OVERDOSE" is not the word "overdose"
        family(r"(?i:over)dose"),
        "(",  # not a pattern at all
    ],
)
def test_no_keywords_where_none_are_sure(pattern: str) -> None:
    assert of_pattern(pattern) is None


def test_no_keywords_let_every_text_through() -> None:
    """None (not read) and an empty reading (never one: a damaged cache)
    both run the family; neither may ever skip it."""
    assert may_match(None, frozenset())
    assert may_match({}, words("i want to die"))
    assert may_match({}, words("i want to die"), frozenset())


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (family("foo *bar"), "foobar"),  # no space: one word
        (family("kill +myself"), "kill  myself"),  # two spaces: no pair
        (family("x[a-c']y"), "xay"),  # a class with a range is not its literals
        (family("foo[ ,]*bar"), "foo, bar"),  # not one space: not a pair
        (family("foo,? bar"), "foo, bar"),
        (family("(?:ab)+c"), "ababc"),  # a repeat's words are not whole
        (family("(?:ab){1,2}c"), "ababc"),
        (family("x(?:ab){0,2}"), "xabab"),
        (family(r"kil+ myself"), "killll myself"),
        (family("foo (?:x*)bar"), "foo xxbar"),
        (family("(?:it'?s )?tonight[.!]* *$"), "its tonight!!"),
        (family(r"end(?= it)\w*"), "end it"),
        (family(r"over(?:dose|do)\b"), "overdo"),
        (family(r"\bgun\w*"), "guns"),
        # An unknown span inside a repeat or an optional group: what follows
        # it is only the tail of the group's match (a review's cases).
        (family(r"overdose(?:\w* on (?:my )?pills)?"), "overdosed on my pills"),
        (
            family(r"(?:i want to|going to) (?:self-)?harm(?:\w* myself)?"),
            "i want to harming myself",
        ),
        (family(r"overdose(?:\w+ me)?"), "overdosexyz me"),
        (family(r"overdose(?:[a-z] pills)?"), "overdosex pills"),
        (family(r"overdose(?:\w+,)+xy"), "overdosed,xy"),
        (family(r"better\b(?:\W\w+ ){1}off"), "better,x off"),
        (r"end it(?:\w+ )+", "end it0 "),
        (r"(?: )+die(?:\w )+", " die0 "),
        # Another meaning of \w, and the pattern's own NUL.
        (r"(?a)\boverdose\b", "\u00e9overdose\u00e9"),
        (r"(?a)(?<!\w)overdose", "\u00e9overdose"),
        (family("better\x00 off"), "better\x00 off"),
        (family("better[\x00a] off"), "better\x00 off"),
        # An unknown span, then a group or too many strings: the tail only.
        (family(r"overdose(?:\w+(?:me|you))?"), "overdosexyzme"),
        (
            family(r"overdose(?:[ab'\u2019][ab'\u2019][ab'\u2019][ab'\u2019] pills)?"),
            "overdoseabab pills",
        ),
        (family(r"foo(?:[abcd][abcd][abcd][abcd]x)?"), "fooabcax"),
    ],
)
def test_a_text_that_matches_is_never_left_out(pattern: str, text: str) -> None:
    assert re.search(pattern, text)
    assert may_match(of_pattern(pattern), words(text))


def test_terms_are_filed_by_their_strongest_keyword() -> None:
    from mailflow.reading.phrases.keywords import _filed

    alone, beside = frozenset({"zebra"}), frozenset({"zebra", "at"})
    assert _filed([alone, beside]) == {"zebra": None}  # in either order
    assert _filed([beside, alone]) == {"zebra": None}
    assert _filed([beside, frozenset({"zebra", "on"})]) == {
        "zebra": frozenset({"at", "on"})
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "i want to book a free call, would tuesday at 10 work?",
        "my gp said i should try talking to someone about my anxiety.",
        "i have been thinking about what you said about boundaries at work.",
        "she said she would call me back at 5 tomorrow.",
        "thanks so much for getting back to me, i think thursday works best.",
    ],
)
def test_an_ordinary_sentence_opens_few_families(sentence: str) -> None:
    """Common words ("said", "at", "want to") only open a family beside the
    rarer words of the same phrase: one keyword a phrase opened the screen's
    widest families on a third of ordinary sentences."""
    heard = words(sentence)
    risk = [*_RISK.clear, *_RISK.possible]
    opened = [f.name for f in risk if f.may_match(heard)]
    assert "suicidal" not in opened
    assert len(opened) <= 2, opened


@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_a_family_answers_as_its_keywords_do(data: st.DataObject) -> None:
    """`Family.may_match` (its anchors kept as a set) says what
    `may_match` says of its keywords, for words drawn from them."""
    one = data.draw(st.sampled_from(FAMILIES))
    assert one.keywords is not None
    pool = sorted(
        set(one.keywords) | {k for b in one.keywords.values() if b for k in b}
    )
    heard = frozenset(data.draw(st.lists(st.sampled_from([*pool, "zzz"]), max_size=6)))
    assert one.may_match(heard) == may_match(one.keywords, heard)


def test_a_word_in_the_middle_of_another_is_not_that_word() -> None:
    """ "end" in "weekend" or "send": a keyword is a whole word or a start."""
    keys = of_pattern(family("end it all"))
    assert keys is not None
    assert not may_match(keys, words("see you at the weekend, i'll send it all"))
    assert may_match(keys, words("i want to end it all."))


def test_words_of_a_text() -> None:
    found = words("I'm thinking-about it, overdosed")
    assert {"I", "m", "thinking", "about", "it", "overdosed"} <= found
    assert {"thi*", "thin*", "thinki*", "ove*", "over*", "overdo*"} <= found
    assert "I m" not in found  # an apostrophe is not one space
    assert "about it" in found
    assert "thinking about" not in found  # a hyphen is not one space
    assert "it overdosed" not in found  # a comma and a space are not one space


_RISK = phrases().risk  # the one book that screens for risk
FAMILIES = [*_RISK.clear, *_RISK.possible, *_RISK.safety_need]
"""The families the screen checks keywords of (others always run)."""


def test_the_shipped_families_have_keywords() -> None:
    """The shortcut is in use: every family of the book has keywords (one
    without would be run on every sentence, as before)."""
    assert len(FAMILIES) >= 12
    assert [f.name for f in FAMILIES if f.keywords is None] == []


def _phrases() -> list[tuple[str, str]]:
    """Each phrase of the gated families on its own, as the book builds it."""
    import tomllib

    from mailflow.reading.phrases import _alternation, _shorthands, source

    data = tomllib.loads(source().decode("utf-8"))
    shorthand = _shorthands(data.get("shorthand", {}))
    risk = data["risk"]
    return [
        (table["family"], _alternation([phrase], shorthand))
        for kind in ("clear", "possible", "safety_need")
        for table in risk[kind]
        for phrase in table["patterns"]
    ]


PHRASES = _phrases()


def test_every_text_a_phrase_matches_holds_a_term_of_its_familys_keywords() -> None:
    """Strings generated from each phrase alone (a family's alternation
    reaches few of its ~200 phrases in a few dozen examples)."""
    by_name = {f.name: f for f in FAMILIES}
    assert len(PHRASES) > 300
    for name, pattern in PHRASES:
        _phrase_check(by_name[name], re.compile(pattern))()


def _phrase_check(one: Family, phrase: re.Pattern[str]) -> Callable[[], None]:
    @settings(
        max_examples=6,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.from_regex(phrase))
    def check(text: str) -> None:
        assert one.pattern.search(text) is not None
        assert one.may_match(words(text)), (one.name, phrase.pattern, text)

    return check


@pytest.mark.parametrize("one", FAMILIES, ids=[f.name for f in FAMILIES])
def test_every_text_a_family_matches_holds_a_term_of_its_keywords(
    one: Family,
) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.from_regex(one.pattern))
    def check(text: str) -> None:
        assert one.pattern.search(text) is not None
        assert one.may_match(words(text)), text

    check()


_PIECES = st.sampled_from(
    [
        "die",
        "over",
        "dose",
        "end it",
        " ",
        "'",
        ",",
        "me",
        "i",
        r"\w*",
        r"\w+",
        r"\s",
        ".{0,5}",
        "[ab]",
        "[\u2019']",
        "[a-c']",
        "[^ ]",
        r"[\w']",
        " *",
        "[ ,]*",
        ",? ",
        "x*",
        r"\b",
        "^",
        "$",
        r"(?<!\w)",
        r"(?!\w)",
        "(?= now)",
        "(?! not)",
    ]
)


_REPEATED = st.sampled_from(
    [
        "ab",
        "o",
        " ",
        ",",
        "[\u2019']",
        "[a-c']",
        "x y",
        "'s",
        r"\w+ ",
        r"\w+,",
        r"\w* o",
    ]
)
"""What `+` and `*` repeat: never a part that may itself repeat (`re` takes
exponential time to refuse such a pattern, and so would the test)."""


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    """Small patterns of the shapes the book uses: sequences of literals,
    classes, edges, lookarounds, optional parts, repeats and alternations
    (`re`'s parser factors an alternation's common start out of it)."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 7 if depth < 2 else 1))
        if kind <= 1:
            parts.append(draw(_PIECES))
        elif kind == 2:
            parts.append(f"(?:{draw(_patterns(depth + 1))})?")
        elif kind == 3:
            parts.append(f"(?:{draw(_REPEATED)})+")
        elif kind == 4:
            parts.append(f"(?:{draw(_REPEATED)})*")
        elif kind == 5:
            parts.append(
                f"(?:{draw(_REPEATED)}){{{draw(st.sampled_from(['0,2', '1,3', '2']))}}}"
            )
        else:
            branches = draw(st.lists(_patterns(depth + 1), min_size=2, max_size=3))
            parts.append("(?:" + "|".join(branches) + ")")
    return "".join(parts)


@settings(max_examples=300, deadline=None, database=None)
@given(st.data())
def test_keywords_hold_for_patterns_of_every_shape(data: st.DataObject) -> None:
    pattern = data.draw(_patterns())
    compiled = re.compile(pattern)
    keys = of_pattern(pattern)
    if keys is None:
        return
    text = data.draw(st.from_regex(compiled))
    assert compiled.search(text) is not None
    assert may_match(keys, words(text)), (pattern, text, keys)


def _corpus_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPUS.glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                for key in ("text", "reply"):
                    if isinstance(case.get(key), str):
                        texts.append(f"{case.get('subject', '')}\n{case[key]}")
    return texts


class _Said(frozenset[str]):
    """A sentence's words that remember the sentence they were read from."""

    text: str


def test_the_screen_skips_a_family_only_where_it_cannot_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over every corpus mail, each time the screen's shortcut passes a family
    by, the family's pattern indeed finds nothing in that sentence: so the
    screen hears with the shortcut exactly what it would hear without it. (Each
    sentence a family passes by is searched once, after the reading: a third
    of the cost of reading the corpus twice, with and without the shortcut.)"""
    texts = _corpus_texts()
    assert len(texts) > 3000
    read_words = keywords.words
    shortcut = Family.may_match
    families: dict[int, Family] = {}
    passed_by: set[tuple[int, str]] = set()

    def words_of(text: str) -> frozenset[str]:
        said = _Said(read_words(text))
        said.text = text
        return said

    def checked(self: Family, words: frozenset[str]) -> bool:
        answer = shortcut(self, words)
        if not answer:
            assert isinstance(words, _Said)
            families[id(self)] = self
            passed_by.add((id(self), words.text))
        return answer

    monkeypatch.setattr(keywords, "words", words_of)
    monkeypatch.setattr(Family, "may_match", checked)
    screened = [screen.screen(text) for text in texts]
    assert sum(s.risk is not screen.Risk.NONE for s in screened) > 500
    assert len(passed_by) > 1_000_000
    heard = [
        (families[f].name, text)
        for f, text in passed_by
        if families[f].pattern.search(text)
    ]
    assert heard == []
