"""The new words of a reply: quoted history, quote headers and signature gone. Pure.

Top-posted, bottom-posted and inline replies, in the languages people write to a
practice in; Outlook's header blocks and the lines phones add.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from mailflow import patterns

MAX_REPLY_CHARS: Final = 64 * 1024
"""new_words reads this much; parse.py already cuts bodies here."""

_MAX_HEADER_CHARS: Final = 400  # a quote header ("On ... wrote:") is never longer
_HEADER_LINES: Final = 3  # mail programs wrap it over at most this many lines
_MAX_SIGNATURE_CHARS: Final = 120

_QUOTED = patterns.compile(r"^[ \t]*>")
_WROTE = patterns.compile(
    r"(?:\b(?:wrote|writes)|\ba\s+[ée]crit|\bescribi[óo]|\bha\s+scritto|\bescreveu"
    r"|\bkirjoitti|\bnapisa[łl](?:\(a\))?|\bнаписал[аи]?(?:\s*\(а\))?|\bпишет"  # noqa: RUF001 (Cyrillic on purpose)
    r"|\b(?:schrieb|schreef|skrev)\b.{0,200}|写道)\s*[:：]\s*$",  # noqa: RUF001 (full-width colon on purpose)
    re.IGNORECASE,
)
"""The end of a quote header in the languages people write to a practice in:
"On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :", "Op ... schreef
... het volgende:", "El ... escribió:", "... написал:" and more."""
_VERB = patterns.compile(
    r"wrote|writes|crit|escribi|scritto|escreveu|kirjoitti|napisa|написал|пишет"
    r"|schrieb|schreef|skrev|写道",
    re.IGNORECASE,
)
"""A cheap first look: a header line without one of these verbs is no header."""
_HEADER_CLUE = patterns.compile(r"[\d@]")  # a real header names a date or an address
_HEADER_BEGIN = patterns.compile(r"(?:On|Am|Le|Op|El|Il|Em|Den|Dne|Dnia)\s|\d")
_WRAPPED = patterns.compile(r"[<,(]$|^(?-i:On|Am|Le|Op|El|Il|Em|Den)\s.*\d.*[^.!?]$")
_OPENER = patterns.compile(r"(?<=[.!?])\s+(?=(?:On|Am|Le|Op|El|Il|Em|Den)\s)")
_SEPARATOR = patterns.compile(
    r"^\s*(?:-{2,}\s*(?:original message|original-nachricht|urspr[üu]ngliche nachricht"
    r"|message d'origine|oorspronkelijk bericht|mensaje original|messaggio originale"
    r"|mensagem original|исходное сообщение|forwarded message|weitergeleitete nachricht"
    r"|message transf[ée]r[ée]|doorgestuurd bericht|mensaje reenviado)\s*-{2,}"
    r"|_{10,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)\s*$",
    re.IGNORECASE,
)
_FIELD_FROM = patterns.compile(
    r"^\s*\*?(?:from|von|de|van|от|da|fra|från|od|lähettäjä)\s*\*?\s*:",
    re.IGNORECASE,
)
_FIELDS = (
    r"\*?(?:sent|date|to|subject|cc|reply[ -]to|gesendet|datum|an|betreff"
    r"|envoy[ée]|[àa]|objet|verzonden|aan|onderwerp|enviado|fecha|para|asunto"
    r"|отправлено|дата|кому|тема|inviato|data|oggetto|sendt|til|emne|skickat"
    r"|till|ämne)\s*\*?\s*:"
)
_FIELD_OTHER = patterns.compile(r"^\s*" + _FIELDS, re.IGNORECASE)
_FIELD_INLINE = patterns.compile(r"\s" + _FIELDS, re.IGNORECASE)
"""Some HTML bodies put a whole header block on one line: "From: a Sent: b To: c"."""
_SIGNATURE = patterns.compile(
    r"^[ \t]*(?:--|__)[ \t]*$"
    r"|^[ \t]*(?:sent\s+(?:from|with|via|using)\s+\S|get\s+outlook\s+for\b"
    r"|envoy[ée]\s+(?:de|depuis)\s+mon\b|von\s+meinem\s+\S.{0,40}\s+gesendet"
    r"|gesendet\s+(?:von|mit|vom)\s|enviado\s+(?:desde|do|de)\s+(?:mi|meu)\b"
    r"|verzonden\s+(?:vanaf|met|van)\s|inviato\s+da\s|отправлено\s+(?:с|из)\s"  # noqa: RUF001 (Cyrillic on purpose)
    r"|skickat\s+fr[åa]n\s|sendt\s+fra\s).*$",
    re.IGNORECASE,
)
"""RFC 3676's "-- " delimiter and the lines phones and apps add."""


@dataclass(frozen=True, slots=True)
class _Header:
    last: int  # index of the header's last line
    marked: bool  # an "... wrote:" header, after which the history is ">"-marked
    prefix: str = ""  # the sender's words before the header on the same line


def new_words(text: str, *, sent: Sequence[str] = ()) -> str:
    """The words the sender wrote in this reply: quoted history and signature gone.

    Top-posted replies keep what stands above the first quote header or
    separator. When a "... wrote:" header is followed by ">"-marked history
    (bottom and inline posting) the unmarked lines after it are kept too. A
    signature delimiter or a "Sent from my ..." line ends the new words.

    `sent`: the texts of what the reply answers (our letter, the words it
    quoted). A line of the reply made only of their words is history even
    unmarked (a client that quotes without ">" or a "wrote:" line).
    """
    text = text[:MAX_REPLY_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if sent:
        lines = without_sent(lines, sent)
    headers = _headers(lines)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        header = headers.get(index)
        if header is not None:
            if header.prefix:
                kept.append(header.prefix)
            following = _next_filled(lines, header.last + 1)
            if (
                header.marked
                and following is not None
                and _QUOTED.match(lines[following])
            ):
                index = header.last + 1  # marked history: the person may answer below
                continue
            break  # unmarked history runs to the end
        if _QUOTED.match(line):
            index += 1
            continue
        if len(line) <= _MAX_SIGNATURE_CHARS and _SIGNATURE.match(line):
            break
        kept.append(line)
        index += 1
    return _tidy("\n".join(kept))


_SHINGLE: Final = 4
"""Words in a row that identify a passage of a sent letter."""
_MAX_SENT_CHARS: Final = 64 * 1024
_WORD = patterns.compile(r"\w+(?:['’]\w+)*")  # noqa: RUF001 (typographic apostrophe on purpose)


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def _shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(words[at : at + _SHINGLE]) for at in range(len(words) - _SHINGLE + 1)}


def without_sent(lines: Sequence[str], sent: Sequence[str]) -> list[str]:
    """`lines` without those copied from the `sent` texts (rewrapped or not).

    A line of at least four words whose every run of four words stands in a
    sent text is a copy; so is a shorter line that continues or leads into
    the letter's words across a line break (a quote rewrapped by the client).
    Lines of one's own ("yes", "no thanks") stay, even when the letter has the
    same words. Linear: a set of word runs.
    """
    known: set[tuple[str, ...]] = set()
    for text in sent:
        known |= _shingles(_words(text[:_MAX_SENT_CHARS]))
    if not known:
        return list(lines)
    words = [_words(line) for line in lines]
    filled = [index for index, found in enumerate(words) if found]
    copies: set[int] = set()
    for at, index in enumerate(filled):
        mine = words[index]
        if len(mine) >= _SHINGLE:
            if _shingles(mine) <= known:
                copies.add(index)
            continue
        # A short line is a copy when it joins a neighbour as the letter ran
        # ("... they get the" / "invitation.").
        above = words[filled[at - 1]][-(_SHINGLE - 1) :] if at > 0 else []
        below = words[filled[at + 1]][: _SHINGLE - 1] if at + 1 < len(filled) else []
        for joined in ([*above, *mine], [*mine, *below]):
            if len(joined) >= _SHINGLE and _shingles(joined) <= known:
                copies.add(index)
                break
    return [line for index, line in enumerate(lines) if index not in copies]


def _headers(lines: Sequence[str]) -> dict[int, _Header]:
    """Where quote headers start, keyed by their first line."""
    found: dict[int, _Header] = {}
    for last, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > _MAX_HEADER_CHARS or _QUOTED.match(line):
            continue
        if _SEPARATOR.match(stripped) or (
            _FIELD_FROM.match(stripped)
            and (
                _fields_follow(lines, last + 1)
                or len(_FIELD_INLINE.findall(stripped)) >= 2
            )
        ):
            found.setdefault(last, _Header(last, marked=False))
        elif stripped.endswith((":", "\uff1a")):
            start = _header_start(lines, last)
            if start is not None:
                prefix = ""
                if start == last and (opener := _OPENER.search(stripped)):
                    prefix = stripped[: opener.start()]
                found.setdefault(start, _Header(last, marked=True, prefix=prefix))
    return found


def _header_start(lines: Sequence[str], last: int) -> int | None:
    """The first line of an "... wrote:" header ending at `last`, if it is one.

    The shortest run of lines that reads as a whole header wins, so the
    sender's own line just above is never swallowed.
    """
    window: list[str] = []
    for start in range(last, max(-1, last - _HEADER_LINES), -1):
        part = lines[start].strip()
        if not part or _QUOTED.match(lines[start]):
            return None
        window.insert(0, part)
        joined = " ".join(window)
        if len(joined) > _MAX_HEADER_CHARS:
            return None
        if (
            _VERB.search(joined)
            and _WROTE.search(joined)
            and _HEADER_CLUE.search(joined)
        ):
            return _header_top(lines, start, last)
    return None


def _header_top(lines: Sequence[str], start: int, last: int) -> int:
    """Take in the lines above that the header was wrapped from ("... <" /
    "bob@example.org> wrote:")."""
    while start > 0 and last - start + 1 < _HEADER_LINES:
        if _HEADER_BEGIN.match(lines[start].strip()):
            break  # "On 3 March ...": the header's own first line
        above = lines[start - 1].strip()
        if not above or _QUOTED.match(above) or not _WRAPPED.search(above):
            break
        start -= 1
    return start


def _fields_follow(lines: Sequence[str], start: int) -> bool:
    """An Outlook header block: "From:" and at least two more fields close below."""
    fields = 0
    for line in lines[start : start + 12]:
        if _FIELD_OTHER.match(line):
            fields += 1
            if fields >= 2:
                return True
    return False


def _next_filled(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
