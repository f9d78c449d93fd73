"""Tests for mailflow.reading.parse: bytes -> InboundMail, robust and bounded."""

from __future__ import annotations

import base64
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SHARED_FIXTURES, absent, shared_files

from mailflow.model import InboundMail
from mailflow.reading.parse import (
    MAX_MAIL_BYTES,
    MAX_PARTS,
    MAX_TEXT_CHARS,
    ParseError,
    html_to_text,
    parse_mail,
)

FIXTURES = SHARED_FIXTURES


def _fixture_files(folder: str) -> list[Path]:
    """Files of one shared fixture folder; empty (so the tests skip) when absent,
    a failure under CI."""
    return shared_files(folder)


def _fixture(folder: str, name: str) -> bytes:
    path = FIXTURES / folder / name
    if not path.is_file():
        absent(f"shared fixture {folder}/{name} not found")
    return path.read_bytes()


def _mail(
    headers: str = "", body: bytes | str = b"Hello", *, crlf: bool = False
) -> bytes:
    """A small mail: default From/To/Subject/Message-ID plus `headers`."""
    head = (
        "From: Jordan Lee <Jordan.Lee@Example.ORG>\n"
        "To: hello@riverside.example\n"
        "Subject: Free consultation\n"
        "Message-ID: <abc@example.org>\n"
        "Date: Tue, 03 Mar 2026 09:15:00 +0100\n" + headers
    )
    raw = (
        head.encode("utf-8")
        + b"\n"
        + (body.encode() if isinstance(body, str) else body)
    )
    return raw.replace(b"\n", b"\r\n") if crlf else raw


def _assert_clean(mail: InboundMail) -> None:
    """Every string is valid Unicode text and every bound holds."""
    strings = [mail.subject, mail.from_name, mail.text, *mail.headers.values()]
    strings += [*mail.reply_to, *mail.to, *mail.cc, *mail.references]
    strings += [s for s in (mail.message_id, mail.in_reply_to, mail.from_addr) if s]
    for value in strings:
        value.encode("utf-8")  # no lone surrogates
        assert "\x00" not in value
    assert len(mail.text) <= MAX_TEXT_CHARS
    assert all(name == name.lower() for name in mail.headers)
    if mail.date_at is not None:
        assert mail.date_at.tzinfo is not None
    for address in (mail.from_addr, *mail.reply_to, *mail.to, *mail.cc):
        if address is not None:
            assert address == address.lower()
            assert "@" in address


# --- headers -----------------------------------------------------------------


def test_parse_mail_reads_the_basic_fields() -> None:
    mail = parse_mail(
        _mail(
            "Reply-To: Other <Other@Example.org>, third@example.org\n"
            "Cc: A <A@x.example>, b@y.example\n"
            "In-Reply-To: <parent@example.org> (Jordan's message)\n"
            "References: <root@example.org>\n <parent@example.org>\n"
        )
    )
    assert mail.message_id == "<abc@example.org>"
    assert mail.subject == "Free consultation"
    assert mail.from_addr == "jordan.lee@example.org"
    assert mail.from_name == "Jordan Lee"
    assert mail.reply_to == ("other@example.org", "third@example.org")
    assert mail.to == ("hello@riverside.example",)
    assert mail.cc == ("a@x.example", "b@y.example")
    assert mail.in_reply_to == "<parent@example.org>"
    assert mail.references == ("<root@example.org>", "<parent@example.org>")
    assert mail.date_at == datetime(2026, 3, 3, 8, 15, tzinfo=UTC)
    assert mail.sender_offset == timedelta(hours=1)
    assert mail.text == "Hello"
    assert (mail.html_only, mail.has_calendar, mail.is_report) == (False, False, False)
    assert mail.calendar_method is None
    _assert_clean(mail)


def test_parse_mail_crlf_and_lf_give_the_same_result() -> None:
    assert parse_mail(_mail(crlf=True)) == parse_mail(_mail())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Message-ID: <x@y>", "<x@y>"),
        ("Message-ID:   <x@y>  ", "<x@y>"),
        ("Message-ID: x@y", "<x@y>"),
        ("Message-ID: <x@y> <z@w>", "<x@y>"),
        ("Message-ID: not an id", None),
        ("Message-ID:", None),
    ],
)
def test_parse_mail_normalizes_message_id(header: str, expected: str | None) -> None:
    raw = b"From: a@example.org\n" + header.encode() + b"\n\nbody"
    assert parse_mail(raw).message_id == expected


def test_parse_mail_missing_headers_give_empty_values() -> None:
    mail = parse_mail(b"X-Nothing: here\n\n")
    assert mail == InboundMail(
        message_id=None, subject="", from_addr=None, from_name="", text=""
    )


def test_parse_mail_first_occurrence_of_a_duplicated_header_wins() -> None:
    raw = (
        b"From: first@example.org\nFrom: second@example.org\n"
        b"Subject: one\nSubject: two\nPrecedence: bulk\nPrecedence: list\n\nx"
    )
    mail = parse_mail(raw)
    assert (mail.from_addr, mail.subject) == ("first@example.org", "one")
    assert mail.headers["precedence"] == "bulk"


def test_parse_mail_references_from_all_headers_deduplicated_and_invalid_dropped() -> (
    None
):
    raw = _mail("References: <a@x> <b@x>\nReferences: <b@x> <c@x> <invalid.\n")
    assert parse_mail(raw).references == ("<a@x>", "<b@x>", "<c@x>")


def test_parse_mail_keeps_only_the_classifier_headers_lower_cased() -> None:
    raw = _mail(
        "AUTO-SUBMITTED: auto-replied\n"
        "List-Id: Example <list.example.org>\n"
        "Return-Path: <>\n"
        "X-Mailflow: 1\n"
        "X-Other: dropped\n"
        "Authentication-Results: mx1; dkim=pass\n"
        "Authentication-Results: mx2;\n dmarc=fail\n"
        "Content-Type: text/plain; charset=utf-8\n"
    )
    headers = parse_mail(raw).headers
    assert headers == {
        "auto-submitted": "auto-replied",
        "list-id": "Example <list.example.org>",
        "return-path": "<>",
        "x-mailflow": "1",
        "authentication-results": "mx1; dkim=pass\nmx2; dmarc=fail",
        "content-type": "text/plain; charset=utf-8",
    }


@pytest.mark.parametrize(
    ("date", "date_at", "offset"),
    [
        (
            "Tue, 03 Mar 2026 09:15:00 -0500",
            datetime(2026, 3, 3, 14, 15, tzinfo=UTC),
            -5,
        ),
        ("Tue, 03 Mar 2026 09:15:00 +0000", datetime(2026, 3, 3, 9, 15, tzinfo=UTC), 0),
        (
            "Tue, 03 Mar 2026 09:15:00 -0000",
            datetime(2026, 3, 3, 9, 15, tzinfo=UTC),
            None,
        ),
        (
            "Tue, 03 Mar 2026 09:15:00 H0500",
            datetime(2026, 3, 3, 9, 15, tzinfo=UTC),
            None,
        ),
        ("3 Mar 26 09:15 EST", datetime(2026, 3, 3, 14, 15, tzinfo=UTC), -5),
        ("Wed, 15 Dec 2010    59:10 -0500", None, None),
        ("Tue, 03 Mar 2026 09:15:00 +9999", None, None),
        ("garbage", None, None),
        ("", None, None),
    ],
)
def test_parse_mail_date_is_aware_with_the_sender_offset(
    date: str, date_at: datetime | None, offset: int | None
) -> None:
    raw = f"From: a@example.org\nDate: {date}\n\nx".encode()
    mail = parse_mail(raw)
    assert mail.date_at == date_at
    assert mail.sender_offset == (None if offset is None else timedelta(hours=offset))


def test_parse_mail_decodes_encoded_words_and_raw_8bit_headers() -> None:
    raw = (
        b"From: =?utf-8?b?SsO2cmc=?= <j@example.org>\n"
        b"Subject: caf\xc3\xa9 =?iso-8859-1?q?cr=E8me?=\n\n"
    )
    mail = parse_mail(raw)
    assert (mail.from_name, mail.subject) == ("Jörg", "café crème")


def test_parse_mail_raw_8bit_header_falls_back_to_body_charset_then_cp1252() -> None:
    big5 = "媽媽".encode("big5")
    raw = (
        b"From: a@example.org\nSubject: "
        + big5
        + b"\nContent-Type: text/plain; charset=big5\n\n"
    )
    assert parse_mail(raw).subject == "媽媽"
    raw = b"From: a@example.org\nSubject: Forma\xe7\xe3o\n\n"
    assert parse_mail(raw).subject == "Formação"


def test_parse_mail_unknown_encoded_word_charset_never_leaks_surrogates() -> None:
    raw = b"From: a@example.org\nSubject: =?x-unknown?q?caf=E9?= =?NONE?B?VEVTVA=?=\n\n"
    mail = parse_mail(raw)
    _assert_clean(mail)
    assert mail.subject.startswith("caf")


def test_parse_mail_address_oddities() -> None:
    raw = (
        b'From: "KLAUS- H\xc4NSCHEL" <>\n'
        b"Reply-To: broken <<<a@example.org\n"
        b"To: , user@example.org, undisclosed-recipients:;\n"
        b"Cc: Foo Bar foo@bar.example\n\n"
    )
    mail = parse_mail(raw)
    assert mail.from_addr is None
    assert mail.reply_to == ("a@example.org",)
    assert mail.to == ("user@example.org",)
    assert mail.cc == ("foo@bar.example",)
    _assert_clean(mail)


# --- body --------------------------------------------------------------------


def _multipart(subtype: str, *parts: str, boundary: str = "BOUNDARY") -> str:
    body = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return (
        f"MIME-Version: 1.0\nContent-Type: multipart/{subtype}; boundary={boundary}\n\n"
        f"{body}--{boundary}--\n"
    )


def _with(headers_and_body: str) -> bytes:
    head, _, body = headers_and_body.partition("\n\n")
    return _mail(head + "\n", body)


def test_parse_mail_prefers_text_plain_in_alternative() -> None:
    raw = _with(
        _multipart(
            "alternative",
            "Content-Type: text/plain\n\nplain words",
            "Content-Type: text/html\n\n<p>html words</p>",
        )
    )
    mail = parse_mail(raw)
    assert (mail.text, mail.html_only) == ("plain words", False)


def test_parse_mail_html_only_is_converted_to_text() -> None:
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head>"
        "<body><script>alert(1)</script><p>Hello&nbsp;Sam,</p>"
        "<div>I&#39;d like a <b>free</b>\n   call.<br>Thanks</div>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    mail = parse_mail(_mail("Content-Type: text/html; charset=utf-8\n", html))
    assert mail.html_only
    assert mail.text == "Hello Sam,\n\nI'd like a free call.\nThanks\n\none\n\ntwo"


def test_parse_mail_empty_plain_part_falls_back_to_html() -> None:
    raw = _with(
        _multipart(
            "alternative",
            "Content-Type: text/plain\n\n   ",
            "Content-Type: text/html\n\n<p>from html</p>",
        )
    )
    mail = parse_mail(raw)
    assert (mail.text, mail.html_only) == ("from html", False)


def test_html_to_text_table_cells_and_unclosed_head() -> None:
    html = "<head><style>x{}</style><body><table><tr><td>Name</td><td>Jordan</td></tr>"
    assert html_to_text(html) == "Name\tJordan"
    assert html_to_text("<pre>a\n  b</pre><p>c   d</p>") == "a\nb\n\nc d"
    assert html_to_text("<![x <a b='") == ""


def test_parse_mail_skips_attachments_and_attached_messages() -> None:
    raw = _with(
        _multipart(
            "mixed",
            "Content-Type: text/plain\n"
            "Content-Disposition: attachment; filename=a.txt\n\n"
            "attached words",
            "Content-Type: message/rfc822\n\nFrom: x@example.org\nSubject: inner\n\n"
            "forwarded words",
            "Content-Type: text/plain\n\nthe real body",
        )
    )
    assert parse_mail(raw).text == "the real body"


@pytest.mark.parametrize(
    ("content_type", "payload", "expected"),
    [
        ("text/plain; charset=iso-8859-1", "Crème".encode("latin-1"), "Crème"),
        ("text/plain; charset=iso-8859-1", b"smart \x93quotes\x94", "smart “quotes”"),
        ("text/plain; charset=big5", "您好".encode(), "您好"),  # wrong label
        ("text/plain; charset=x-unknown", "café".encode(), "café"),
        ("text/plain; charset=x-unknown", "café".encode("latin-1"), "café"),
        ("text/plain; charset=zlib", b"plain", "plain"),
        ('text/plain; charset="utf-8"', "ünï".encode(), "ünï"),
        ("text/plain; charset=iso-2022-jp", "ネコ".encode("iso-2022-jp"), "ネコ"),
        ("text/plain; charset=gb2312", "汉字".encode("gb18030"), "汉字"),
        ("text/plain", "no charset ü".encode(), "no charset ü"),
        ("text/plain; charset=utf-8", b"broken \xff\xfe utf8", "broken ÿþ utf8"),
    ],
)
def test_parse_mail_decodes_charsets_robustly(
    content_type: str, payload: bytes, expected: str
) -> None:
    mail = parse_mail(_mail(f"Content-Type: {content_type}\n", payload))
    assert mail.text == expected


@pytest.mark.parametrize(
    ("encoding", "payload"),
    [
        ("base64", base64.b64encode(b"hello there")),
        ("Base64;", base64.b64encode(b"hello there")),
        ("base64", b"aGVsbG8gdGhlcmU"),  # missing padding
        ("base64", b"aGVsbG8g\n dGhl*cmU="),  # junk inside
        ("quoted-printable", b"hello=20th=\nere"),
        ("quoted printable", b"hello=20there"),
        ("Quoted-Printable;", b"hello=20there"),
        ("7-bit", b"hello there"),
        ("8bits", b"hello there"),
        ("x-garbage", b"hello there"),
        ("", b"hello there"),
    ],
)
def test_parse_mail_undoes_transfer_encodings_found_in_the_wild(
    encoding: str, payload: bytes
) -> None:
    raw = _mail(f"Content-Transfer-Encoding: {encoding}\n", payload)
    assert parse_mail(raw).text == "hello there"


def test_parse_mail_multipart_without_boundary_keeps_the_text() -> None:
    raw = _mail('Content-Type: multipart/mixed; boundary="nope"\n', "just words")
    assert parse_mail(raw).text == "just words"


def test_parse_mail_empty_body() -> None:
    mail = parse_mail(_mail(body=b""))
    assert (mail.text, mail.html_only) == ("", False)


def test_parse_mail_non_text_top_level_has_no_text() -> None:
    raw = _mail("Content-Type: application/octet-stream\n", b"\x00\x01binary")
    assert parse_mail(raw).text == ""


# --- calendar and reports ----------------------------------------------------

_ICS = "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n"


@pytest.mark.parametrize(
    ("part", "method"),
    [
        ("Content-Type: text/calendar; method=REQUEST\n\n" + _ICS, "REQUEST"),
        ('Content-Type: text/calendar; method="cancel"\n\n' + _ICS, "CANCEL"),
        ("Content-Type: text/calendar\n\n" + _ICS, "REPLY"),
        ("Content-Type: TeXt/CaLeNdAr\n\nBEGIN:VCALENDAR\nEND:VCALENDAR", None),
        (
            "Content-Type: application/ics; name=invite.ics\n"
            "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n"
            + base64.b64encode(_ICS.encode()).decode(),
            "REPLY",
        ),
    ],
)
def test_parse_mail_finds_calendar_parts_anywhere(
    part: str, method: str | None
) -> None:
    inner = _multipart(
        "alternative", "Content-Type: text/plain\n\nsee invite", part, boundary="IN"
    )
    raw = _with(_multipart("mixed", inner.replace("MIME-Version: 1.0\n", "")))
    mail = parse_mail(raw)
    assert mail.has_calendar
    assert mail.calendar_method == method
    assert mail.text == "see invite"


def test_parse_mail_bare_icalendar_object_is_calendar() -> None:
    mail = parse_mail(b"\n" + _ICS.encode())
    assert (mail.has_calendar, mail.calendar_method, mail.from_addr) == (
        True,
        "REPLY",
        None,
    )


def test_parse_mail_flags_multipart_report() -> None:
    raw = _with(
        _multipart(
            "report; report-type=delivery-status",
            "Content-Type: text/plain\n\nDelivery failed",
            "Content-Type: message/delivery-status\n\nStatus: 5.1.1",
        )
    )
    mail = parse_mail(raw)
    assert (mail.is_report, mail.text) == (True, "Delivery failed")
    assert mail.headers["content-type"].startswith("multipart/report")


# --- leading junk, limits, errors --------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        b"\n",
        b"\r\n\r\n",
        b"   \n",
        b"\xef\xbb\xbf\n",
        b"From MAILER-DAEMON  Mon Sep 20 2021\n",
    ],
)
def test_parse_mail_skips_leading_blank_lines_and_mbox_from(prefix: bytes) -> None:
    mail = parse_mail(prefix + _mail())
    assert (mail.from_addr, mail.subject) == (
        "jordan.lee@example.org",
        "Free consultation",
    )


def test_parse_mail_bounds_text_and_input() -> None:
    mail = parse_mail(_mail(body="word " * (MAX_TEXT_CHARS // 2)))
    assert len(mail.text) == MAX_TEXT_CHARS
    huge = _mail(body=b"a" * (MAX_MAIL_BYTES * 2))
    assert len(parse_mail(huge).text) == MAX_TEXT_CHARS


def test_parse_mail_walks_at_most_max_parts() -> None:
    parts = [f"Content-Type: text/html\n\n<p>{i}</p>" for i in range(MAX_PARTS * 3)]
    parts.append("Content-Type: text/calendar; method=REQUEST\n\n" + _ICS)
    started = clock.process_time()  # CPU time, not the loaded machine's wall
    mail = parse_mail(_with(_multipart("mixed", *parts)))
    assert clock.process_time() - started < 2
    assert (mail.text, mail.has_calendar) == ("0", False)


def test_parse_mail_deep_nesting_is_bounded() -> None:
    depth = 2000
    head = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n'
        for i in range(depth)
    )
    raw = _mail('Content-Type: multipart/mixed; boundary="b0"\n', head + "deep")
    try:
        mail = parse_mail(raw)
    except ParseError:
        return
    _assert_clean(mail)


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"\n\n\r\n", b"just some words", b"\x00\x01\x02", b"From x\n"]
)
def test_parse_mail_raises_parse_error_for_non_mail(raw: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_mail(raw)
    assert caught.value.size == len(raw)
    assert str(caught.value).startswith(f"cannot read a mail of {len(raw)} bytes")


# --- real-world fixtures -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        *_fixture_files("autoreply-bounce"),
        *_fixture_files("replies"),
        *_fixture_files("imip"),
        *_fixture_files("odd-mime"),
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_parse_mail_real_world_fixtures_parse_or_raise_parse_error(path: Path) -> None:
    try:
        mail = parse_mail(path.read_bytes())
    except ParseError:
        return
    _assert_clean(mail)


@pytest.mark.parametrize("path", _fixture_files("imip"), ids=lambda p: p.name)
def test_parse_mail_every_imip_fixture_has_calendar(path: Path) -> None:
    mail = parse_mail(path.read_bytes())
    assert mail.has_calendar
    assert mail.calendar_method in {"REQUEST", "CANCEL", "REPLY", "PUBLISH"}


@pytest.mark.parametrize(
    ("name", "snippet"),
    [
        ("discourse_big5.eml", "媽！我上電視了！"),  # noqa: RUF001 - text under test
        ("discourse_chinese_reply.eml", "您好！ 你今天好吗？"),  # noqa: RUF001 - same
        ("discourse_hebrew_reply.eml", "שלום! מה שלומך היום?"),
        (
            "discourse_encoding_undefined_conversion.eml",
            "\U0001d5dc \U0001d5ee\U0001d5fa",
        ),
        ("discourse_dutch.eml", "Dit is een antwoord in het Nederlands."),
        ("discourse_html_only.eml", "The EC2 instance"),
        ("discourse_gmail_html_reply.eml", "This is a GMAIL reply ;)"),
    ],
)
def test_parse_mail_replies_decode(name: str, snippet: str) -> None:
    mail = parse_mail(_fixture("replies", name))
    assert snippet in mail.text
    assert "\ufffd" not in mail.text


def test_parse_mail_fixture_leading_blank_line_still_reads_headers() -> None:
    mail = parse_mail(_fixture("replies", "discourse_big5.eml"))
    assert mail.from_addr == "walter.white@googlemail.com"
    assert mail.subject.startswith("Re: [Discourse]")


def test_parse_mail_fixture_mbox_from_line() -> None:
    mail = parse_mail(_fixture("autoreply-bounce", "sisimai_rfc3834-05.eml"))
    assert mail.headers["auto-submitted"] == "auto-replied"
    assert mail.text == "zukünftig\nkarl@hanz.de"


def test_parse_mail_fixture_raw_cp1252_subject() -> None:
    mail = parse_mail(_fixture("odd-mime", "imap_tools_invalid_subject_characters.eml"))
    assert mail.subject.startswith("Formação FrenetikPolis")


def test_parse_mail_fixture_bounce_is_report() -> None:
    mail = parse_mail(_fixture("autoreply-bounce", "sisimai_lhost-postfix-01.eml"))
    assert mail.is_report


# --- never anything but ParseError -------------------------------------------


def _seeds() -> list[bytes]:
    seeds = [
        _mail(),
        _with(
            _multipart(
                "alternative",
                "Content-Type: text/plain; charset=big5\n"
                "Content-Transfer-Encoding: base64\n\n"
                + base64.b64encode("您好".encode()).decode(),
                "Content-Type: text/html\n\n<p>x</p>",
                "Content-Type: text/calendar; method=REQUEST\n\n" + _ICS,
            )
        ),
    ]
    for folder in ("odd-mime", "replies", "autoreply-bounce", "imip"):
        seeds += [p.read_bytes()[:6000] for p in _fixture_files(folder)[:8]]
    return seeds


_SEEDS = _seeds()
_MESSY = st.sampled_from(
    [
        b"\n", b"\r\n", b"\n\n", b":", b"=?", b"?=", b"=?utf-8?b?", b"=?x?q?=ff", b"<",
        b">", b"\"", b"\xff", b"\xc3", b"--", b"boundary=", b"Content-Type: multipart/",
        b"charset=", b"Content-Transfer-Encoding: base64\n", b"\x00", b" ", b"\t", b"=",
        b"From: ", b"Subject: ", b"Date: ", b"<![", b"<script>", b"BEGIN:VCALENDAR",
    ]
)  # fmt: skip


def _only_parse_error(raw: bytes) -> None:
    try:
        mail = parse_mail(raw)
    except ParseError:
        return
    _assert_clean(mail)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_parse_mail_arbitrary_bytes_raise_only_parse_error(raw: bytes) -> None:
    _only_parse_error(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 40),
            st.one_of(_MESSY, st.binary(max_size=8)),
        ),
        max_size=8,
    ),
)
def test_parse_mail_mutated_real_messages_raise_only_parse_error(
    seed: bytes, edits: list[tuple[float, int, bytes]]
) -> None:
    raw = seed
    for where, cut, insert in edits:
        at = int(where * len(raw))
        raw = raw[:at] + insert + raw[at + cut :]
    _only_parse_error(raw)


INVITATION = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\n"
    "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:talk-7@example.org\r\n"
    "DTSTART:20261127T100000Z\r\nDTEND:20261127T101500Z\r\n"
    "SUMMARY:Can we talk\\, please?\r\n"
    "DESCRIPTION;LANGUAGE=en-GB:I don't want to be alive any more.\\nI have the pi\r\n"
    " lls ready.\r\n"
    "COMMENT:Sorry\\; I didn't know who else to ask.\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def invitation_mail(
    sender: str = "Kit <kit@example.org>", to: str = "hello@riverside.example"
) -> bytes:
    """An iPhone's invitation: a bare text/calendar mail, its words only in it."""
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Invitation: Can we talk?\r\n"
        "Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <kit-1@example.org>\r\n"
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
        + INVITATION
    ).encode()


def test_a_calendar_parts_own_words_are_kept_unfolded_and_unescaped() -> None:
    """An invitation may carry its writer's words only in the calendar."""
    mail = parse_mail(invitation_mail())
    assert (mail.text, mail.has_calendar, mail.calendar_method) == ("", True, "REQUEST")
    assert mail.calendar_words == (
        "Can we talk, please?\n"
        "I don't want to be alive any more.\nI have the pills ready.\n"
        "Sorry; I didn't know who else to ask."
    )


def test_calendar_words_are_bounded() -> None:
    from mailflow.reading.parse import MAX_CALENDAR_WORDS

    long = INVITATION.replace("Can we talk", "word " * 5000)
    raw = (
        "From: kit@example.org\r\nContent-Type: text/calendar\r\n\r\n" + long
    ).encode()
    words = parse_mail(raw).calendar_words
    assert len(words) <= MAX_CALENDAR_WORDS
    assert words.startswith("word " * 100)  # the summary, cut on its own
    assert "I have the pills ready." in words  # room left for the rest


def test_calendar_words_are_read_from_every_calendar_part_and_line_ending() -> None:
    """A comment after a long description, a second calendar part, and a
    calendar with old Mac line endings all keep the writer's words."""
    long = INVITATION.replace("Can we talk\\, please?", "x" * 9000).replace(
        "\r\n", "\r"
    )
    raw = (
        "From: kit@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        "--b\r\nContent-Type: text/calendar\r\n\r\n" + long + "\r\n--b--\r\n"
    ).encode()
    words = parse_mail(raw).calendar_words
    assert "I have the pills ready." in words
    assert "Sorry; I didn't know who else to ask." in words


def test_a_gmail_invitations_two_calendar_parts_are_read_once() -> None:
    part = "Content-Type: text/calendar\r\n\r\n" + INVITATION
    raw = (
        "From: kit@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        f"--b\r\n{part}\r\n--b\r\n{part}\r\n--b--\r\n"
    ).encode()
    assert parse_mail(raw).calendar_words.count("I have the pills ready.") == 1


def test_a_long_descriptions_last_words_are_kept() -> None:
    long = INVITATION.replace(
        "DESCRIPTION;LANGUAGE=en-GB:", "DESCRIPTION:" + "x" * 5000
    )
    raw = (
        "From: kit@example.org\r\nContent-Type: text/calendar\r\n\r\n" + long
    ).encode()
    assert "I have the pills ready." in parse_mail(raw).calendar_words
