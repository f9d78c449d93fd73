"""#13: the first run's header reading takes shortcuts past the stdlib's header
parsers; each must read exactly as the stdlib path it stands in for."""

from __future__ import annotations

import string
from email.headerregistry import AddressHeader
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import shared_files

from mailflow.reading import headerblock, parse
from mailflow.reading.parse import HEADER_FACTORY


def _stdlib_addresses(value: str) -> list[tuple[str, str]]:
    """`parse._addresses` as it read every value before the shortcut."""
    try:
        header = HEADER_FACTORY("to", value)
        pairs = (
            [(a.display_name, a.addr_spec) for a in header.addresses]
            if isinstance(header, AddressHeader)
            else []
        )
    except parse._EMAIL_BUGS:
        pairs = []
    found = [
        (parse._one_line(name), spec)
        for name, spec in ((n, parse._one_line(s).lower()) for n, s in pairs)
        if parse._ADDR_OK.fullmatch(spec)
    ]
    return found or [("", a.lower()) for a in parse._visible_addresses(value)]


_SPACE = st.sampled_from(["", " ", "  ", "\t"])
_ATOM = st.text(
    string.ascii_letters + string.digits + "!#$%&'*+/^_`{|}~-.=?", min_size=1
)
_QUOTED = st.text(string.ascii_letters + " ,.<>@()';:=?\\").map(lambda t: f'"{t}"')
_PHRASE = st.lists(st.tuples(st.one_of(_ATOM, _QUOTED), _SPACE), max_size=4).map(
    lambda words: "".join(w + s for w, s in words)
)
_DOT_ATOM = st.lists(
    st.text(string.ascii_letters + string.digits + "+_-'.", min_size=1, max_size=6),
    min_size=1,
    max_size=3,
).map(".".join)
_SPEC = st.builds(lambda local, domain: f"{local}@{domain}", _DOT_ATOM, _DOT_ATOM)
_MAILBOX = st.one_of(
    st.builds(lambda a, p, s, b: f"{a}{p}<{s}>{b}", _SPACE, _PHRASE, _SPEC, _SPACE),
    st.builds(lambda a, s, b: a + s + b, _SPACE, _SPEC, _SPACE),
)
_LIST = st.lists(_MAILBOX, min_size=1, max_size=4).map(",".join)
_NOISE = st.text(string.ascii_letters + " ,.<>@\"'()\\;:=?-")


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_LIST, _NOISE, st.builds(str.__add__, _LIST, _NOISE)))
def test_plain_mailboxes_read_as_the_stdlib_reads_them(value: str) -> None:
    plain = parse.plain_addresses(value)
    if plain is not None:
        assert plain == _stdlib_addresses(value)


@pytest.mark.parametrize(
    "value",
    [
        "kim@example.com",
        "Kim Lee <kim@example.com>",
        '"Lee, Kim" <Kim@Example.com>, sam@x.example',
        "Dr. O'Brien <ob@x.example>",
        '"a"b <a@b.c>',
        "  <kim@example.com>  ",
        "",
    ],
)
def test_common_shapes_take_the_shortcut(value: str) -> None:
    plain = parse.plain_addresses(value)
    assert plain is not None
    assert plain == (_stdlib_addresses(value) if value else [])


@pytest.mark.parametrize(
    "value",
    [
        '"=?utf-8?q?Kim?=" <kim@example.com>',  # decoded by the stdlib, even quoted
        "=?utf-8?q?K=C3=ADm?= <kim@example.com>",
        "kim@example.com (Kim)",
        "Friends: kim@example.com, sam@example.com;",
        '"Kim \\"K\\" Lee" <kim@example.com>',
        "kim@example.com,",
        "Kím <kim@example.com>",
    ],
)
def test_anything_else_is_left_to_the_stdlib(value: str) -> None:
    assert parse.plain_addresses(value) is None


@settings(max_examples=1000, deadline=None)
@given(st.text(string.printable + "é\u00a0\u2028\u200b"))
def test_text_without_encoded_words_is_the_stdlibs_text(value: str) -> None:
    value = value.replace("\r", "").replace("\n", "")
    if "=?" in value:
        return
    read = str(HEADER_FACTORY(parse._UNSTRUCTURED, value))
    assert parse._header_text(value, None) == parse._one_line(read)[:4096]


def _blocks() -> list[bytes]:
    """Header blocks as a FETCH of BODY[HEADER] returns them, of odd shapes."""
    blocks = []
    for path in shared_files("odd-mime") + shared_files("imip"):
        raw = path.read_bytes()
        for blank in (b"\r\n\r\n", b"\n\n"):
            if blank in raw:
                blocks.append(raw[: raw.index(blank) + len(blank)])
                break
    kinds = [
        "multipart/mixed; boundary=x",
        "multipart/mixed",
        "message/rfc822",
        "message/delivery-status",
        "multipart/report; report-type=delivery-status; boundary=b",
        "text/calendar; method=REQUEST",
        "application/ics; name=x.ics",
    ]
    extras = [
        b"",
        b"Content-Disposition: attachment; filename=invite.ics\r\n",
        b"not a field\r\n--x\r\nContent-Type: text/calendar\r\n",
    ]
    for kind in kinds:
        for extra in extras:
            head = b"From: a@b.example\r\nContent-Type: " + kind.encode() + b"\r\n"
            blocks += [head + extra + b"\r\n", head + extra + b"\r\n\r\n"]
    return blocks


@pytest.mark.parametrize("block", _blocks())
def test_a_header_block_parses_as_it_did_whole(block: bytes) -> None:
    """Headers only (no multipart boundary compiled) when nothing follows them."""
    from email.parser import BytesParser

    whole = BytesParser(policy=parse.BOUNDED_COMPAT32).parsebytes(
        parse._strip_leading_junk(block)
    )
    assert parse.parse_mail(block) == parse._inbound(whole)


def test_a_whole_mail_is_still_parsed_whole() -> None:
    mail = EmailMessage()
    mail["From"] = "Kim <kim@example.com>"
    mail.set_content("Could I book the free call?")
    mail.add_alternative("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", subtype="calendar")
    read = parse.parse_mail(mail.as_bytes())
    assert read.text == "Could I book the free call?"
    assert read.has_calendar


# -- the Sent scan: header fields split plain, addresses read plain ---------------

_NAMES = st.sampled_from(
    ["To", "CC", "bcc", "Message-ID", "In-Reply-To", "References", "X-Mailflow"]
)
_VALUE = st.text(string.printable.replace("\r", "").replace("\n", ""), max_size=30)
_ENDS = st.sampled_from(["\r\n", "\n", "\r"])
_LINE = st.one_of(
    st.builds(lambda n, s, v, e: f"{n}:{s}{v}{e}", _NAMES, _SPACE, _VALUE, _ENDS),
    st.builds(lambda s, v, e: f" {s}{v}{e}", _SPACE, _VALUE, _ENDS),  # folded
    st.builds(lambda v, e: v + e, _VALUE, _ENDS),  # anything at all
)
_BLOCK = st.lists(_LINE, max_size=6).map(lambda lines: "".join(lines) + "\r\n")


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_BLOCK, _BLOCK.map(lambda b: b.replace("o", "\u00f6"))))
def test_plain_header_fields_are_compat32s(block: str) -> None:
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    raw = block.encode("utf-8")
    plain = headerblock.plain_fields(raw)
    if plain is None:
        return
    stdlib = BytesHeaderParser(policy=compat32).parsebytes(raw)
    for name in ("to", "Cc", "BCC", "message-id", "In-Reply-To", "References"):
        assert plain.get(name) == stdlib.get(name)
        assert plain.get_all(name) == stdlib.get_all(name)


def test_a_plain_sent_block_takes_the_shortcut() -> None:
    block = (
        b"To: Kim <kim@example.com>, sam@x.example\r\n"
        b"Message-ID: <1@riverside.example>\r\n"
        b"References: <a@x>\r\n <b@x>\r\n\r\n"
    )
    plain = headerblock.plain_fields(block)
    assert plain is not None
    assert plain.get("references") == "<a@x>\r\n <b@x>"
    assert plain.get_all("X-Mailflow") is None
    for odd in (
        b"From someone\r\nTo: a@b\r\n\r\n",
        b" x\r\n",
        b"To: K\xc3\xadm <a@b>\r\n",
    ):
        assert headerblock.plain_fields(odd) is None


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(_LIST, _NOISE), max_size=3))
def test_plain_recipients_are_getaddresses(values: list[str]) -> None:
    """The Sent scan reads To, Cc and Bcc plain when it can: the same addresses."""
    from email.utils import getaddresses

    plain = parse.plain_addresses(", ".join(values))
    if plain is not None:
        stdlib = {a.lower() for _, a in getaddresses(values) if "@" in a}
        assert {a for _, a in plain} == stdlib
