"""Keywords every match of a pattern holds: all of one of its terms. Pure.

The screen reads each sentence with a dozen large alternations (the
"suicidal" family alone is ~200 phrases), and `re` tries every phrase at
every word: an ordinary reply costs a millisecond or more, and a first run
screens a hundred of them. Yet each phrase has words it cannot match without
("overdose", "goodbye", "better off"), and most have several ("want" and
"die"; "took" and "tablets" and "tonight"): where no term of a family (a set
of keywords one phrase holds all of) is among a sentence's words (`words`),
nothing of the family can match there, and a few set tests say so at a
fraction of the cost. One keyword a phrase was not enough: "said" or "at"
stand in ordinary sentences, and a family ran on a third of them.

The keywords are read off the pattern's parse (`re._parser`, CPython's), so
they are what `re` itself matches, never a second list to keep in step.
Strings a part can match are known exactly while they are few ("i" or "we";
"" or "n") and joined along a sequence; in them, a run of word characters
with a non-word character or a `(?<!\\w)`/`(?!\\w)` edge on each side is a
word of the text wherever the phrase matches. A keyword is one of:

- a whole word, "overdose";
- two whole words with one space between, "better off";
- a word's start, "suicid*" (its first three, four or six letters): a stem.

A sequence's match holds each of its parts', so its terms join one term of
each part (at most `MAX_TERMS` of them: beyond, the weakest parts are left
out, as any one part's terms stand for the whole); a repeat's only if it
happens at least once; an alternation's are its branches' together, only
when every branch has some. A term keeps its two strongest keywords, or one
alone where that one is rare (`RARE`); the terms are filed by the stronger
(`Keywords`), so a sentence costs one set intersection and a look beside
the few anchors it holds. Anything else (a class, a case-blind part, a
parse this module does not know) gives none, and the family is then always
run: the shortcut only ever leaves out work, never a match
(tests/test_keywords.py holds it so, by hand and by Hypothesis).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from mailflow import patterns

Terms = frozenset[frozenset[str]]
"""Sets of one or two keywords: every match holds each keyword of one."""
Keywords = dict[str, frozenset[str] | None]
"""A pattern's terms by their strongest keyword (the anchor): every match
holds an anchor and, unless it is None, one of the keywords beside it."""


def _identity() -> str | None:
    """This reader's own code, hashed as it was imported (a file, a zip or a
    frozen app alike); None when it cannot be read. Kept keywords are only
    as good as the code that read them: `shell.phrase_cache` keys its file
    by this, and keeps nothing without it."""
    try:
        import hashlib

        spec = __spec__
        data = spec.loader.get_data(spec.origin)  # type: ignore[union-attr]
        return hashlib.sha256(data).hexdigest()
    except Exception:
        return None


READER_ID: Final = _identity()

_COMMON_WORDS: Final = """
a about after afternoon again ago all also always am an and another any
anything are around as at away back be because been before being best
better bit book booked but by call can can't cant could d day days dear did
didn didn't do does doesn doesn't don don't done dont down email even
evening ever every everything family feel feeling felt find fine first for
free friday from get getting go going good got had has have haven having he
hello help her here hi him his home hope how i i'd i'll i'm i've id if ill
im in into is isn it it's its ive just keep kind know last let life like
little ll long look looking lot m make me minute moment monday more morning
mornings much my myself need never new next night no not nothing now of off
ok on one only or other our out over people phone please re really regards
reply right s said saturday say see send sent session she should since so
some someone something sorry still sunday sure t take talk tell than thank
thanks that that's the their them then there these they thing things think
thinking this though through thursday time times to today told tomorrow
tonight too try tuesday up us ve very want warm was wasn way we wednesday
week weekend weeks well were what when where which while who why will wish
wishes with won wont work working would wouldn write writing wrote year yes
yet you your
"""
COMMON: Final = frozenset(_COMMON_WORDS.split())
"""Words so common in mail (the corpora's commonest, by sentence) that a
family keyed on them would be run on nearly every sentence: a rarer keyword
of the same phrase is chosen over them where it has one. Only a choice; any
keyword of a phrase is sound."""

STEMS: Final = (3, 4, 6)
"""The lengths a word's start is kept at ("suicid*": a stem of five letters
is kept at four): a text word's starts at these lengths are among its `words`."""
_COMMON_STARTS: Final = frozenset(
    word[:length] for word in COMMON for length in STEMS if len(word) >= length
)
_WORD: Final = patterns.compile(r"\w+")
_WORD_SPLIT: Final = patterns.compile(r"(\w+)")
_EDGE: Final = "\x00"
"""In a string known exactly: a word's edge with no character of its own
(`(?<!\\w)`, `(?!\\w)`, `\\b`, `^`, `$`): a non-word character as far as
words go."""
_GAP: Final = "\x01"
_SENTINELS: Final = frozenset({_EDGE, _GAP})
"""In a string known exactly: non-word characters, how many not known (" *"
after a word's edge): an edge, but never the one space of a pair."""
_NOT_EXACT: Final = re.IGNORECASE | re.LOCALE | re.ASCII
"""Flags under which a literal or an edge means something `words` does not
read the same way (case-blind letters; an ASCII-only `\\w`)."""
_NOTHING: Final = frozenset({""})
"""No string known to stand before a part."""
_MAX_EXACT: Final = 64
"""Strings known exactly, at most, before they are read as terms."""
_MAX_CLASS: Final = 4
"""A class of this many characters at most (an apostrophe, straight or curly)
is read as its strings."""
MAX_TERMS: Final = 128
"""Terms a sequence's parts are joined into, at most (their product)."""
RARE: Final = 5
"""A keyword this strong (`_strength`: "tablets", "overdose", "suicid*")
lets few sentences through alone: a term keeps it alone."""


def of_pattern(pattern: str, flags: int = 0) -> Keywords | None:
    """The keywords of `pattern`'s terms, one of which each match holds all
    of, or None when none can be read off it (every sentence may then
    match)."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        if (flags | parsed.state.flags) & _NOT_EXACT:
            return None
        reader = _Reader(_constants)
        terms = _terms_of(reader.sequence(list(parsed.data), _NOTHING, False))
        return None if terms is None else _filed(terms)
    except Exception:  # internals moved, a shape not known here: no shortcut
        return None


def words(text: str) -> frozenset[str]:
    """What keywords are looked up in: each word of `text` (a maximal run of
    `\\w`), its starts at the `STEMS` lengths, and each pair of words with one
    space between."""
    found: set[str] = set()
    last = ""
    last_end = -2
    for match in _WORD.finditer(text):
        word = match.group()
        found.add(word)
        for length in STEMS:
            if len(word) >= length:
                found.add(word[:length] + "*")
        if match.start() == last_end + 1 and text[last_end] == " ":
            found.add(f"{last} {word}")
        last, last_end = word, match.end()
    return frozenset(found)


def may_match(
    keys: Keywords | None,
    text_words: frozenset[str],
    anchors: frozenset[str] | None = None,
) -> bool:
    """False only when no match of a pattern with these keywords can be in a
    text of these `words`: none of its anchors is there, or each one that is
    needs a keyword beside it and has none there. `anchors`: exactly the
    keys, as a set, where the caller keeps one (a set meets a sentence's
    words faster than a dict does); a set of other keys would be unsound."""
    if not keys:  # not read; empty: never a reading (a damaged cache)
        return True
    among = keys.keys() if anchors is None else anchors
    for anchor in among & text_words:
        beside = keys[anchor]
        if beside is None or not beside.isdisjoint(text_words):
            return True
    return False


def _filed(terms: Iterable[frozenset[str]]) -> Keywords:
    """Terms by their anchor: an anchor alone where one of its terms is, in
    whatever order the terms come."""
    filed: Keywords = {}
    for term in terms:
        anchor = _anchor(term)
        other = term - {anchor}
        if not other:
            filed[anchor] = None
        elif anchor not in filed or filed[anchor] is not None:
            filed[anchor] = (filed.get(anchor) or frozenset()) | other
    return filed


@dataclass(frozen=True, slots=True)
class _Exact:
    strings: frozenset[str]


_Info = _Exact | Terms | None
"""Every string a part can match (`sequence` says when that is known); or
terms one of which each match holds; or neither known."""


class _Unknown(Exception):
    """A part whose literals cannot be trusted: the pattern has no keywords."""


class _Reader:
    """Walks `re._parser`'s tree (CPython 3.11-3.13's shapes)."""

    def __init__(self, c: Any) -> None:
        self.c = c
        self.repeats = tuple(
            getattr(c, name)
            for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
            if hasattr(c, name)
        )
        self.edges = tuple(
            getattr(c, name)
            for name in (
                "AT_BEGINNING",
                "AT_BEGINNING_STRING",
                "AT_BOUNDARY",
                "AT_END",
                "AT_END_STRING",
            )
            if hasattr(c, name)
        )

    def sequence(
        self, items: Sequence[tuple[Any, Any]], start: frozenset[str], right: bool
    ) -> _Info:
        """`start`: the strings known exactly to stand just before the
        sequence in every match ({""}: nothing known; an edge). The sequence
        is `_Exact` (every string it can match, each begun with `start`) only
        when every part of it is known exactly; after anything that is not
        (`\\w+`, too many strings), what follows is only the tail of a match,
        so the sequence gives terms instead, never strings. `right`:
        whether a non-word character or a word's edge follows it in every
        match."""
        choices: list[Terms] = []
        exact: frozenset[str] | None = start
        whole = True  # every part so far known exactly: `exact` is the match
        for index, (op, av) in enumerate(items):
            last = index + 1 == len(items)
            after = right if last else self._edge_first(*items[index + 1])
            part, joined = self.item(
                op, av, _NOTHING if exact is None else exact, after
            )
            if isinstance(part, _Exact):
                if joined:  # begun with what stood before: it replaces it
                    exact = part.strings
                elif exact is not None and len(exact) * len(part.strings) <= _MAX_EXACT:
                    exact = frozenset(a + b for a in exact for b in part.strings)
                else:
                    if exact is not None:
                        choices.extend(_choice(_Exact(exact)))
                    exact = part.strings
                    whole = False  # too many strings: only a tail is kept
                continue
            if exact is not None:
                choices.extend(_choice(_Exact(exact)))
            exact = None
            whole = False
            if part is not None:
                choices.append(part)
        if exact is not None:
            exact = frozenset(s + (_EDGE if right else "") for s in exact)
            if whole:
                return _Exact(exact)
            choices.extend(_choice(_Exact(exact)))
        return _product(choices)

    def item(
        self, op: Any, av: Any, start: frozenset[str], right: bool
    ) -> tuple[_Info, bool]:
        """A part's info, and whether its exact strings begin with `start`
        (a group or an alternation reads on from what stood before it:
        "o(?:verdose|d)" is "overdose" or "od", as the parser factors it)."""
        c = self.c
        if op is c.LITERAL:
            if chr(av) in _SENTINELS:
                raise _Unknown  # the pattern's own NUL would read as an edge
            return _Exact(frozenset({chr(av)})), False
        if op is c.ASSERT_NOT:
            # (?<!\w) and (?!\w): a word's edge; any other matches no text.
            return _Exact(frozenset({_EDGE if self._is_word_edge(av) else ""})), False
        if op is c.AT:
            return _Exact(frozenset({_EDGE if av in self.edges else ""})), False
        if op is c.ASSERT:
            return _Exact(frozenset({""})), False  # matches no text: a word goes on
        if op is c.IN:
            chars = [chr(v) for kind, v in av if kind is c.LITERAL]
            if set(chars) & _SENTINELS:
                raise _Unknown
            if len(chars) == len(av) and len(chars) <= _MAX_CLASS:
                return _Exact(frozenset(chars)), False
            return None, False  # a range, a category, a negation: no keywords
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, inner = av
            if add_flags & _NOT_EXACT:
                raise _Unknown  # case-blind, or another meaning of \\w: not exact
            return self.sequence(list(inner.data), start, right), True
        if op is getattr(c, "ATOMIC_GROUP", None):
            return self.sequence(list(av.data), start, right), True
        if op is c.BRANCH:
            parts = [self.sequence(list(b.data), start, right) for b in av[1]]
            strings = [p.strings for p in parts if isinstance(p, _Exact)]
            if len(strings) == len(parts):
                every = frozenset[str]().union(*strings)
                if len(every) <= _MAX_EXACT:
                    return _Exact(every), True
            found: set[frozenset[str]] = set()
            for part in parts:
                terms = _terms_of(part)
                if terms is None:
                    return None, False  # a branch without keywords: none for all
                found |= terms
            return _minimal(found), False
        if op in self.repeats:
            least, most, inner = av
            part = self.sequence(list(inner.data), _NOTHING, False)
            if isinstance(part, _Exact) and most <= 1:
                return _Exact(part.strings | ({""} if least == 0 else set())), False
            if isinstance(part, _Exact) and _no_word(part.strings):
                # Spaces or punctuation, how many not known: an edge when at
                # least one, or after an edge already.
                edge = least >= 1 or all(_ends_edge(s) for s in start)
                return (_Exact(frozenset({_GAP})) if edge else None), False
            return (_terms_of(part) if least >= 1 else None), False
        return None, False  # any character, a back-reference: no keywords

    def _is_word_edge(self, av: Any) -> bool:
        """Whether an ASSERT_NOT is `(?<!\\w)` or `(?!\\w)`."""
        _direction, inner = av
        c = self.c
        return list(inner.data) == [(c.IN, [(c.CATEGORY, c.CATEGORY_WORD)])]

    def _edge_first(self, op: Any, av: Any) -> bool:
        """Whether what follows begins with a non-word character or an edge."""
        c = self.c
        if op is c.LITERAL:
            return _WORD.match(chr(av)) is None
        return bool(op is c.ASSERT_NOT and self._is_word_edge(av))


def _ends_edge(string: str) -> bool:
    return string != "" and _WORD.match(string[-1]) is None


def _no_word(strings: frozenset[str]) -> bool:
    """Whether these are non-empty strings of non-word characters only."""
    return all(s != "" and _WORD.search(s) is None for s in strings)


def _terms_of(info: _Info) -> Terms | None:
    """Terms from what a part matches: of each string it can be, the
    keywords it holds; none when a string has none."""
    return _terms_of_strings(info.strings) if isinstance(info, _Exact) else info


@functools.cache
def _terms_of_strings(strings: frozenset[str]) -> Terms | None:
    """`_terms_of` the strings a part can be (many parts share them)."""
    found: set[frozenset[str]] = set()
    for string in strings:
        held = _held(string)
        if not held:
            return None
        found.add(_strongest(held))
    return _minimal(found)


@functools.cache
def _held(string: str) -> frozenset[str]:
    """The keywords one string known exactly holds: its whole words (a word
    with another one space beside it only as their pair, which says both),
    and the starts of its words that run on past it."""
    pieces = _WORD_SPLIT.split(string)  # gap, word, gap, ..., word, gap
    found: set[str] = set()
    whole_before: str | None = None
    for index in range(1, len(pieces), 2):
        word, gap_before, gap_after = (
            pieces[index],
            pieces[index - 1],
            pieces[index + 1],
        )
        starts = index > 1 or gap_before != ""  # a non-word character or an edge
        ends = index < len(pieces) - 2 or gap_after != ""
        if starts and ends:
            if whole_before is not None and gap_before.replace(_EDGE, "") == " ":
                found.discard(whole_before)  # "kill myself" says "kill"
                found.add(f"{whole_before} {word}")
            else:
                found.add(word)
            whole_before = word
        else:
            whole_before = None
            if starts:
                found.update(word[:n] + "*" for n in STEMS if len(word) >= n)
    return frozenset(found)


def _choice(info: _Info) -> list[Terms]:
    terms = _terms_of(info)
    return [] if terms is None else [terms]


def _product(choices: list[Terms]) -> Terms | None:
    """The terms of a sequence whose parts have these: one term of each
    part, joined; the strongest parts first, and a part left out where it
    would make more than `MAX_TERMS` (what the others hold still holds)."""
    joined: Terms | None = None
    for terms in sorted(choices, key=_worth, reverse=True):
        if joined is None:
            joined = terms
        elif len(joined) * len(terms) <= MAX_TERMS:
            joined = _minimal({_trimmed(a | b) for a in joined for b in terms})
    return joined


@functools.cache
def _trimmed(term: frozenset[str]) -> frozenset[str]:
    """A term's two strongest keywords (fewer keywords: still held), of
    those another does not already say ("kill" beside "kill myself",
    "suic*" beside "suicid*": a text with the one has the other)."""
    said = set().union(*(_implied(key) for key in term))
    return _strongest(frozenset(key for key in term if key not in said))


def _strongest(keys: frozenset[str]) -> frozenset[str]:
    """The two strongest of `keys`; the strongest alone when it is rare
    enough to let few sentences through by itself (`RARE`)."""
    if len(keys) == 1:
        return keys
    ranked = sorted(keys, key=_rank)
    if _strength(ranked[0]) >= RARE:
        return frozenset(ranked[:1])
    return frozenset(ranked[:2])


@functools.cache
def _implied(key: str) -> frozenset[str]:
    """The other keywords every text whose `words` hold `key` holds: a
    pair's two words, and a word's (or a longer start's) shorter starts."""
    if " " in key:
        return frozenset().union(*({w} | _implied(w) for w in key.split(" ")))
    word = key.removesuffix("*")
    return frozenset(word[:n] + "*" for n in STEMS if n < len(word))


def _minimal(terms: set[frozenset[str]] | frozenset[frozenset[str]]) -> Terms:
    """`terms` without those that hold a keyword that is a term alone: a
    text with the larger holds the smaller, so the larger never lets a text
    through alone."""
    alone = {key for term in terms if len(term) == 1 for key in term}
    return frozenset(t for t in terms if len(t) == 1 or alone.isdisjoint(t))


def _anchor(term: frozenset[str]) -> str:
    """A term's strongest keyword (the rarest in mail, by `_strength`)."""
    return min(term, key=_rank)


@functools.cache
def _rank(key: str) -> tuple[int, str]:
    """Strongest first, then by spelling (the same order in every process)."""
    return (-_strength(key), key)


def _worth(terms: Terms) -> tuple[int, int]:
    """How much terms narrow the sentences run in full: the weakest term's
    anchor decides, then the fewer terms the better."""
    return (min(_strength(_anchor(term)) for term in terms), -len(terms))


@functools.cache
def _strength(key: str) -> int:
    """A rare whole word beats its own stem, a stem of six beats one of four,
    and two common words together beat one."""
    if key.endswith("*"):
        stem = key[:-1]
        return 0 if stem in _COMMON_STARTS else len(stem) - 1
    if " " in key:
        first, second = key.split(" ")
        together = (len(first) + len(second)) // 3  # "better off" over "d be"
        return max(_strength(first), _strength(second), together)
    return 0 if key in COMMON else min(len(key), 12)
