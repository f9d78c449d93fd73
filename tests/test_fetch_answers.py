"""`fetch_answers.read` says what imapclient's parser says, or leaves the answer
to it: on generated FETCH answers of every shape imaplib hands over (literals
holding any bytes, odd spacing, escapes, nested lists, structured items, wrong
literal lengths, unsolicited answers), and on the servers' real ones."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.response_parser import parse_fetch_response

from mailflow.shell import fetch_answers

NAMES = (
    b"UID",
    b"uid",
    b"RFC822.SIZE",
    b"INTERNALDATE",
    b"FLAGS",
    b"MODSEQ",
    b"X-GM-LABELS",
    b"BODY[HEADER]",
    b"BODY[HEADER.FIELDS (TO CC MESSAGE-ID)]",
    b'BODY[HEADER.FIELDS ("TO" "CC")]',
    b"BODY[]<0>",
    b"BODY[1.MIME]",
    b"BODY[2]",
    b"BODY",
    b"BODYSTRUCTURE",
    b"ENVELOPE",
    b"NIL",
    b"7",
    b"RFC822",
)
DATES = (
    b'"02-Dec-2026 10:00:00 +0000"',
    b'" 2-Dec-2026 09:59:59 -0500"',
    b'"yesterday"',
)


@st.composite
def values(draw: Any, depth: int = 0) -> tuple[bytes, bytes | None]:
    """One value as it stands in the answer, and its literal if it is one."""
    kind = draw(st.integers(0, 9 if depth < 2 else 6))
    if kind == 0:
        return str(draw(st.integers(0, 10**12))).encode(), None
    if kind == 1:
        return b"0" + str(draw(st.integers(0, 99))).encode(), None
    if kind == 2:
        return b"NIL", None
    if kind == 3:
        text = draw(
            st.binary(max_size=12).filter(lambda b: b'"' not in b and b"\\" not in b)
        )
        return b'"' + text.replace(b"\r", b"").replace(b"\n", b"") + b'"', None
    if kind == 4:
        return draw(
            st.sampled_from((b'"a\\"b"', b'"a\\\\b"', b'"c\\d"', b'"x)y"'))
        ), None
    if kind == 5:
        return draw(st.sampled_from(DATES)), None
    if kind == 6:
        literal = draw(st.binary(max_size=40))
        return b"{" + str(
            len(literal) + draw(st.sampled_from((0, 0, 0, 1)))
        ).encode() + b"}", literal
    atoms = draw(
        st.lists(
            st.sampled_from(
                (b"\\Seen", b"$Label", b"12", b"012", b"NIL", b"a]b", b"\\*")
            ),
            max_size=4,
        )
    )
    if kind == 7:
        return b"(" + b" ".join(atoms) + b")", None
    inner, literal = draw(values(depth + 1))
    if literal is not None:
        inner = b"NIL"
    return b"(" + b" ".join([*atoms, inner]) + b")", None


@st.composite
def answers(draw: Any) -> list[Any]:
    """imaplib's untagged FETCH data: a tuple per literal (the text up to and
    with its `{n}`, the literal), then the rest of the line."""
    lines: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        seq = draw(st.integers(1, 50))
        text = str(seq).encode() + b" ("
        items = draw(st.lists(st.tuples(st.sampled_from(NAMES), values()), max_size=5))
        for n, (name, (value, literal)) in enumerate(items):
            gap = (
                b""
                if n == 0
                else draw(st.sampled_from((b" ", b" ", b" ", b"  ", b"\t")))
            )
            text += gap + name + b" " + value
            if literal is not None:
                lines.append((text, literal))
                text = b""
        text += draw(st.sampled_from((b")", b")", b")", b" )", b"")))
        lines.append(text)
    return lines or [None]


PLAIN_NAMES = (b"UID", b"RFC822.SIZE", b"INTERNALDATE", b"FLAGS", b"X-GM-LABELS")
LITERAL_NAMES = (b"BODY[HEADER]", b'BODY[HEADER.FIELDS ("TO" "CC")]', b"BODY[]<0>")


@st.composite
def plain_answers(draw: Any) -> list[Any]:
    """Answers of the shapes `read` takes: items apart by one space, values a
    number, NIL, a quoted string without escapes, a flat list or a literal."""
    lines: list[Any] = []
    for _ in range(draw(st.integers(1, 4))):
        text = str(draw(st.integers(1, 50))).encode() + b" ("
        for n in range(draw(st.integers(0, 5))):
            text += b"" if n == 0 else b" "
            if draw(st.booleans()):
                literal = draw(st.binary(max_size=60))
                name = draw(st.sampled_from(LITERAL_NAMES))
                lines.append((text + name + b" {%d}" % len(literal), literal))
                text = b""
                continue
            name = draw(st.sampled_from(PLAIN_NAMES))
            if name == b"UID":
                value = str(draw(st.integers(1, 10**9))).encode()
            else:
                value = draw(st.sampled_from((b"5", b"012", b"NIL", b'"a b"', b"()")))
                if name == b"INTERNALDATE":
                    value = draw(st.sampled_from((*DATES, b"NIL")))
                elif name == b"FLAGS":
                    value = b"(\\Seen $X 12)"
            text += name + b" " + value
        lines.append(text + b")")
    return lines


@settings(max_examples=1000, deadline=None)
@given(plain_answers())
def test_the_shapes_it_takes_are_read_as_imapclient_reads_them(lines):
    ours = fetch_answers.read(lines, False)
    assert ours is not None
    assert ours == reference(lines)


def reference(lines: list[Any]) -> dict[int, Any] | None:
    try:
        return dict(parse_fetch_response(lines, False, True))
    except Exception:
        return None


@settings(max_examples=1000, deadline=None)
@given(answers())
def test_read_says_what_imapclient_says_or_leaves_it(lines):
    ours = fetch_answers.read(lines, False)
    if ours is not None:
        assert ours == reference(lines)


def lit(text: bytes, literal: bytes) -> tuple[bytes, bytes]:
    return text + b" {" + str(len(literal)).encode() + b"}", literal


DOVECOT = [
    lit(
        b"1 (UID 1 BODY[HEADER.FIELDS (TO CC BCC MESSAGE-ID IN-REPLY-TO REFERENCES"
        b" X-MAILFLOW)]",
        b"To: a@example.org\r\nCc: b\r\n\r\n",
    ),
    b")",
    lit(
        b'9 (UID 40 RFC822.SIZE 601 INTERNALDATE "23-Nov-2026 00:21:13 +0000"'
        b" BODY[HEADER]",
        b"A: (b) {3}\r\n",
    ),
    b")",
    b"9 (FLAGS (\\Seen $Forwarded))",
    lit(b"3 (UID 7 BODY[1.MIME]", b"X: y"),
    lit(b" BODY[HEADER]", b"\r\n"),
    b" FLAGS ())",
]
COURIER = [
    lit(b'4 (UID 12 BODY[HEADER.FIELDS ("TO" "MESSAGE-ID")]', b"To: x\r\n\r\n"),
    b")",
]


def test_the_servers_answers_are_read_here_as_imapclient_reads_them():
    for lines in (DOVECOT, COURIER):
        ours = fetch_answers.read(lines, False)
        assert ours is not None  # the shapes mailflow asks for stay on this path
        assert ours == reference(lines)
    # By UID; the unsolicited FLAGS (another client's change) by its number.
    assert set(fetch_answers.read(DOVECOT, False) or {}) == {1, 40, 9, 7}


def test_shapes_it_does_not_read_are_left_to_imapclient():
    for lines in (
        [b'1 (UID 2 X "a\\"b")'],  # an escape
        [b"1 (UID 2 BODYSTRUCTURE (TEXT PLAIN NIL NIL NIL 7BIT 1 1))"],
        [b"1 (UID 2  RFC822.SIZE 3)"],  # two spaces
        [(b"1 (UID 2 BODY[] {5}", b"abc")],  # the literal is short
        [b"1 (UID 2"],  # never closed
    ):
        assert fetch_answers.read(lines, False) is None
