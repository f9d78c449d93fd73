"""FETCH answers of the shapes mailflow asks for, read in one pass. Pure.

imapclient's parser reads a FETCH answer a byte at a time through generators;
a first run's Sent scan and header reads are thousands of answers, and that
reading was a tenth of the run. The answers mailflow asks for have few shapes:
a message number, then items separated by single spaces whose values are a
number, NIL, a plain quoted string, a flat list of atoms, or a literal. `read`
takes exactly those and returns what imapclient's `parse_fetch_response` would
(keyed by UID); on anything else (other spacing, escapes, nested lists,
BODYSTRUCTURE, a literal of the wrong length) it returns None and the caller
asks imapclient, whose reading stays the reference: a property test holds the
two alike on generated answers of every shape.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_OPEN = re.compile(rb"(\d+) \(")
# A name as imapclient's lexer reads it, `[...]` sections whole (Courier quotes
# the field names inside them); then one space and a value that is not a literal.
_NAME = rb"([A-Za-z][A-Za-z0-9.\-]*(?:\[[^\]\r\n]*\](?:<\d+>)?)?)"
_ATOM = rb'[^\x00-\x20\x7f()%"\[{]+'
_ITEM = re.compile(
    _NAME + rb' (NIL|\d+|"[^"\\\r\n]*"|\((?:' + _ATOM + rb"(?: " + _ATOM + rb")*)?\))"
    rb"(?=[ )])"
)
_LITERAL = re.compile(_NAME + rb" \{(\d+)\}")
_ATOMS = re.compile(_ATOM)
_STRUCTURED = frozenset({b"BODY", b"BODYSTRUCTURE", b"ENVELOPE", b"NIL"})
"""Answers imapclient builds its own types for (and a name it reads as None)."""


class _Other(Exception):
    """A shape `read` leaves to imapclient."""


def read(lines: list[Any], normalise_times: bool) -> dict[int, dict[bytes, Any]] | None:
    """imaplib's untagged FETCH data by UID (by message number when an answer
    has none), each with its SEQ, as imapclient's `parse_fetch_response(lines,
    normalise_times, uid_is_key=True)`; None for a shape left to it."""
    if lines == [None]:
        return {}
    out: dict[int, dict[bytes, Any]] = {}
    answer: dict[bytes, Any] | None = None
    key = 0
    try:
        for line in lines:
            text, literal = _split(line)
            at = 0
            if answer is None:
                opened = _OPEN.match(text)
                if opened is None:
                    return None
                key = int(opened.group(1))
                answer = {b"SEQ": key}
                at = opened.end()
            elif text[:1] == b" ":
                at = 1  # after a literal: more items follow
            while True:
                if literal is not None:
                    last = _LITERAL.fullmatch(text, at)
                    if last is not None:
                        if int(last.group(2)) != len(literal):
                            return None
                        key = _keep(
                            answer, key, last.group(1), literal, normalise_times
                        )
                        break
                if text[at:] == b")":
                    out.setdefault(key, {}).update(answer)
                    answer = None
                    break
                item = _ITEM.match(text, at)
                if item is None:
                    return None
                value = _value(item.group(2))
                key = _keep(answer, key, item.group(1), value, normalise_times)
                at = item.end()
                if text[at : at + 1] == b" ":
                    at += 1
    except _Other:
        return None
    return out if answer is None else None


def _split(line: Any) -> tuple[bytes, bytes | None]:
    if isinstance(line, tuple) and len(line) == 2:
        text, literal = line
        # imaplib makes a tuple only of a line ending in a literal's `{n}`.
        if isinstance(text, bytes) and isinstance(literal, bytes) and text[-1:] == b"}":
            return text, literal
    elif isinstance(line, bytes):
        return line, None
    raise _Other


def _value(raw: bytes) -> Any:
    if raw[:1] == b'"':
        return raw[1:-1]
    if raw[:1] == b"(":
        return tuple(_atom(a) for a in _ATOMS.findall(raw[1:-1]))
    return _atom(raw)


def _atom(token: bytes) -> Any:
    """As imapclient's `atom` for a bare token: NIL, a number (not 0-led), bytes."""
    if token == b"NIL":
        return None
    if token.isdigit() and (token[:1] != b"0" or len(token) == 1):
        return int(token)
    return token


def _keep(
    answer: dict[bytes, Any], key: int, name: bytes, value: Any, normalise: bool
) -> int:
    """One item into the answer; the answer's key (its UID once it has one)."""
    word = name.upper()
    if word in _STRUCTURED:
        raise _Other
    if word == b"UID":
        if not isinstance(value, int):
            raise _Other  # imapclient: a ProtocolError of its own
        return value
    if word == b"INTERNALDATE":
        value = _internaldate(value, normalise)
    answer[word] = value
    return key


def _internaldate(value: Any, normalise: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise _Other
    from imapclient.datetime_util import parse_to_datetime

    try:
        moment: datetime = parse_to_datetime(value, normalise=normalise)
    except ValueError:
        return None
    return moment
