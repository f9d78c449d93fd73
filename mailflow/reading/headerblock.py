"""The fields of a plain header block, as the stdlib's compat32 parser reads
them, without building a Message: the first run reads thousands (the Sent
scan's HEADER.FIELDS). Pure; anything not plain is left to the stdlib.
"""

from __future__ import annotations

from mailflow import patterns

_LINE_END = patterns.compile(r"(\r\n|\r|\n)")  # as email.feedparser splits lines
_FIELD_NAME = patterns.compile(
    r"[\x21-\x39\x3b-\x7e]+:"
)  # as email.feedparser's headerRE
_UNPLAIN = patterns.compile(r"[^\t\r\n\x20-\x7e]")  # 8-bit or control characters


class HeaderFields:
    """Raw field values in order, looked up by name as `email.message.Message`
    does (case-insensitive; `get` the first, `get_all` every one or None)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields

    def get(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self._fields if k.lower() == name), None)

    def get_all(self, name: str) -> list[str] | None:
        name = name.lower()
        return [v for k, v in self._fields if k.lower() == name] or None


def plain_fields(block: bytes) -> HeaderFields | None:
    """The block's fields as `BytesHeaderParser(policy=compat32)` gives them,
    when the block is plain: ASCII without controls, every line a field
    (``Name: value``) or the folded continuation of one, up to a blank line.
    None otherwise (an mbox From line, a stray line, 8-bit bytes)."""
    try:
        text = block.decode("ascii")
    except UnicodeDecodeError:
        return None
    if _UNPLAIN.search(text):
        return None
    pieces = _LINE_END.split(text)
    lines = [a + b for a, b in zip(pieces[::2], [*pieces[1::2], ""], strict=True)]
    fields: list[tuple[str, str]] = []
    source: list[str] = []
    for line in lines:
        if not line.rstrip("\r\n"):
            break  # the blank line: the header ends
        if line[0] in " \t":
            if not source:
                return None  # a continuation of nothing
            source.append(line)
            continue
        if _FIELD_NAME.match(line) is None:
            return None
        if source:
            fields.append(_field(source))
        source = [line]
    if source:
        fields.append(_field(source))
    return HeaderFields(fields)


def _field(source: list[str]) -> tuple[str, str]:
    """email.policy.Compat32.header_source_parse, to the letter."""
    name, value = source[0].split(":", 1)
    value = value.lstrip(" \t") + "".join(source[1:])
    return name, value.rstrip("\r\n")
