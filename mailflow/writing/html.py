"""The HTML alternative of a message, derived from its rendered plain text. Pure.

The text is the one source: the HTML shows the same words, laid out (paragraphs,
numbered times, quotes, field tables), so editing a `.txt.j2` changes both parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from mailflow import patterns

LAYOUT = (
    '<!DOCTYPE html>\n<html lang="en">\n'
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>\n'
    '<body style="margin:0;padding:0;background:#ffffff;">\n'
    "<div style=\"max-width:560px;padding:16px;font-family:Georgia,'Times New Roman',serif;"
    'font-size:16px;line-height:1.5;color:#222222;">\n{body}</div>\n</body>\n</html>\n'
)
"""The shared look of every message (the old `_layout.html.j2`)."""

_QUIET = "color:#555555;"
_QUOTE = "margin:0 0 0 8px;padding-left:12px;border-left:3px solid #cccccc;"
_NOTICE = "border:2px solid #b00020;padding:8px;"
_INDENT = "margin:0 0 0 24px;"

_ITEM = patterns.compile(r"^\s+(\d+)\.\s+(\S.*)$")
_FIELD = patterns.compile(r"^([A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}):\s+(\S.*)$")
_NOTICE_LABEL = patterns.compile(r"^[A-Z]{2,}(?: [A-Z]{2,})*(?:,[^:\n]*)?:")
"""'SAFETY NOTE, in their words:': words in capitals open a warning."""
_LINK = patterns.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)


def to_html(text: str, strong: Iterable[str] = ()) -> str:
    """The whole HTML document showing `text`; each of `strong` in bold where it appears.

    Blank lines separate paragraphs; inside a block, lines that start with "> "
    are a quote, "  1. ..." a numbered list (a deeper-indented line under an item
    is its second, quieter line), other indented lines an indented block, two or
    more "Label:  value" lines a table; every other run a paragraph with its line
    breaks kept.
    """
    phrases = sorted(
        {line.strip() for s in strong for line in s.splitlines() if line.strip()},
        key=len,
        reverse=True,
    )
    # One pattern for the whole message, not one per line it is looked for in.
    bold = re.compile("|".join(map(re.escape, phrases))) if phrases else None
    blocks = [b for b in re.split(r"\n[ \t]*\n", text.strip("\n")) if b.strip()]
    body = "".join(_block(block.splitlines(), bold) for block in blocks)
    return LAYOUT.format(body=body)


def _block(lines: list[str], strong: re.Pattern[str] | None) -> str:
    out: list[str] = []
    at = 0
    while at < len(lines):
        kind = _kind(lines, at)
        end = at + 1
        while end < len(lines) and _continues(kind, lines, end):
            end += 1
        out.append(_run(kind, lines[at:end], strong))
        at = end
    return "".join(out)


def _kind(lines: list[str], at: int) -> str:
    line = lines[at]
    if line.startswith(">"):
        return "quote"
    if _ITEM.match(line):
        return "list"
    if line[:1] in (" ", "\t"):
        return "indent"
    if _FIELD.match(line) and at + 1 < len(lines) and _FIELD.match(lines[at + 1]):
        return "fields"
    return "para"


def _continues(kind: str, lines: list[str], at: int) -> bool:
    line = lines[at]
    if kind == "quote":
        return line.startswith(">")
    if kind == "list":
        return bool(_ITEM.match(line)) or line[:1] in (" ", "\t")
    if kind == "indent":
        return line[:1] in (" ", "\t") and not _ITEM.match(line)
    if kind == "fields":
        return bool(_FIELD.match(line))
    return _kind(lines, at) == "para"


def _run(kind: str, lines: list[str], strong: re.Pattern[str] | None) -> str:
    if kind == "quote":
        said = [re.sub(r"^> ?", "", line) for line in lines]
        return f'<blockquote style="{_QUOTE}">{_lines(said, None)}</blockquote>\n'
    if kind == "list":
        return _list(lines, strong)
    if kind == "indent":
        return f'<div style="{_INDENT}">{_lines(lines, strong)}</div>\n'
    if kind == "fields":
        rows = "".join(
            f'<tr><td style="padding-right:12px;vertical-align:top;">{_inline(m[1] + ":", None)}'
            f"</td><td>{_inline(m[2], strong)}</td></tr>\n"
            for m in (_FIELD.match(line) for line in lines)
            if m is not None
        )
        return f'<table style="border-collapse:collapse;">\n{rows}</table>\n'
    whole = " ".join(line.strip() for line in lines)
    label = _NOTICE_LABEL.match(lines[0])
    if label is not None:
        rest = [lines[0][label.end() :].lstrip(), *lines[1:]]
        return (
            f'<p style="{_NOTICE}"><strong>{_inline(label.group(), None)}</strong> '
            f"{_lines(rest, strong)}</p>\n"
        )
    if whole.startswith("(") and whole.endswith(")"):
        return f'<p style="{_QUIET}">{_lines(lines, strong)}</p>\n'
    return f"<p>{_lines(lines, strong)}</p>\n"


def _list(lines: list[str], strong: re.Pattern[str] | None) -> str:
    """'  1. time' items; a deeper-indented line after one is its second line."""
    items: list[list[str]] = []
    start = 1
    for line in lines:
        item = _ITEM.match(line)
        if item is not None:
            if not items:
                start = int(item[1])
            items.append([item[2]])
        elif items:
            items[-1].append(line.strip())
    rendered = "".join(
        f"  <li>{_inline(first, strong)}"
        + "".join(
            f'<br><span style="{_QUIET}">{_inline(more, strong)}</span>'
            for more in rest
        )
        + "</li>\n"
        for first, *rest in items
    )
    opening = "<ol>" if start == 1 else f'<ol start="{start}">'
    return f"{opening}\n{rendered}</ol>\n"


def _lines(lines: Sequence[str], strong: re.Pattern[str] | None) -> str:
    return "<br>\n".join(_inline(line.strip(), strong) for line in lines)


def _inline(text: str, strong: re.Pattern[str] | None) -> str:
    """Escaped text with its links made links and its `strong` phrases bold."""
    if strong is None:
        return _linked(text)
    out: list[str] = []
    at = 0
    for found in strong.finditer(text):
        out.append(_linked(text[at : found.start()]))
        out.append(f"<strong>{_linked(found.group())}</strong>")
        at = found.end()
    out.append(_linked(text[at:]))
    return "".join(out)


def _linked(text: str) -> str:
    out: list[str] = []
    at = 0
    for found in _LINK.finditer(text):
        out.append(escape(text[at : found.start()], quote=False))
        target = found.group()
        href = target if found["url"] else f"mailto:{target}"
        out.append(f'<a href="{escape(href)}">{escape(target, quote=False)}</a>')
        at = found.end()
    out.append(escape(text[at:], quote=False))
    return "".join(out)
