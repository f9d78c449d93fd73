"""`compose.wire` writes exactly the bytes the email package writes (#13).

The reference below is how every letter was built before: an EmailMessage
under policy.SMTP, flattened by as_bytes. Both draw their MIME boundaries from
`random` the same way, so under one seed the bytes must be equal: headers
(RFC 2047 encoded words for non-ASCII names and subjects, folding at 78),
part headers, quoted-printable and base64 bodies, the calendar's structure.
"""

from __future__ import annotations

import email.errors
import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.cli.check import sample_contexts
from mailflow.config import load_settings
from mailflow.writing import compose
from mailflow.writing.compose import CalendarPart, Draft

CONFIG = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
[smtp]
host = "smtp.riverside.example"
"""

NOW = datetime(2026, 10, 26, 13, 0, tzinfo=UTC)
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"SUMMARY:Free call \xc3\xa9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
) * 3


def reference(draft: Draft, now: datetime, text: str, html_part: str) -> bytes:
    """The letter as the email package builds it (compose.build before #13)."""
    message = EmailMessage(policy=compose._SMTP)
    message["From"] = compose._mailbox("From", draft.sender_name, draft.sender)
    message["To"] = compose._mailbox("To", draft.to_name, draft.to)
    message["Subject"] = compose.clean_header(draft.subject, limit=300)
    message["Date"] = compose.format_datetime(now)
    message["Message-ID"] = draft.message_id
    if draft.reply_to is not None:
        message["Reply-To"] = compose._mailbox("Reply-To", *draft.reply_to)
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        message["References"] = " ".join(draft.references[-20:])
    if draft.auto_reply:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    message[compose.PRIVATE_HEADER] = draft.kind
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html_part, subtype="html", cte="quoted-printable")
    if draft.calendar is not None:
        compose._attach_calendar(message, draft.calendar)
    return message.as_bytes()


def same_bytes(draft: Draft, text: str, html_part: str, seed: int = 13) -> bytes:
    random.seed(seed)
    expected = reference(draft, NOW, text, html_part)
    random.seed(seed)
    assert compose.wire(draft, NOW, text, html_part) == expected
    return expected


BASE = Draft(
    kind="offer",
    sender="hello@riverside.example",
    sender_name="Sam Rivera, Riverside Counselling",
    to="jordan@client.example",
    to_name="Jordan Lee",
    subject="Re: Free consultation call",
    message_id="<mailflow.e99f16572ac68bfbd8a66180208e0f94@riverside.example>",
    context={},
    in_reply_to="<1.jordan@client.example>",
    references=("<1.jordan@client.example>",),
)

NAMES = [
    "Jordan Lee",
    "",
    "Zoë Ångström",
    "Zoë Ångström-Łukasiewicz, the very long name of someone who writes a lot",
    "Smith, Jo",
    'Jo "JJ" Smith <jo@evil.example>, other@evil.example',
    "O'Brien (home)",
    "山田 太郎",
    "Ελένη Παπαδοπούλου",
    "😀 Happy Person",
    "=?utf-8?q?Encoded?=",
    "A" * 120,
    "Łukasz " * 12,
    "tab\there",
]
SUBJECTS = [
    "Re: Free consultation call",
    "",
    "Ré: consultation gratuite — s'il vous plaît, une très longue ligne d'objet ici",
    "Re: " + "very long subject words " * 10,
    "Re: " + "x" * 200,
    "Re: 無料相談のお願い、よろしくお願いします。長い件名のテストです。",
    "Re: =?utf-8?b?SGVsbG8=?= mixed",
    "Re: a\x00b\u2028c",
]


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    path: Path = tmp_path_factory.mktemp("config") / "mailflow.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return sample_contexts(load_settings(path))


def test_every_shipped_letter_is_the_email_packages_bytes(contexts):
    for n, (kind, context) in enumerate(sorted(contexts.items())):
        text, html_part = compose.render(kind, context)
        draft = replace(BASE, kind=kind, context=context)
        same_bytes(draft, text, html_part, seed=n)
        same_bytes(replace(draft, auto_reply=False, in_reply_to=None), text, html_part)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_names_and_subjects_are_encoded_and_folded_as_before(name, subject):
    draft = replace(BASE, to_name=name, subject=subject, sender_name=name or "x")
    raw = same_bytes(draft, "Hello\n", "<p>Hello</p>\n")
    if not name.isascii():
        assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047, never raw 8-bit


@pytest.mark.parametrize(
    ("method", "filename"),
    [("REQUEST", "invite.ics"), ("CANCEL", "invite.ics"), ("PUBLISH", "call.ics")],
)
def test_calendar_letters_are_the_email_packages_bytes(method, filename):
    calendar = CalendarPart(method, ICS, filename)
    for seed in range(5):
        draft = replace(
            BASE, calendar=calendar, reply_to=("Zoë Ångström", "zoe@example.org")
        )
        raw = same_bytes(draft, "Your call.\n", "<p>Your call.</p>\n", seed=seed)
        assert raw.count(b"Content-Type: multipart/") == 2


def test_a_bad_method_is_refused_as_before():
    draft = replace(BASE, calendar=CalendarPart("request me", ICS))
    with pytest.raises(ValueError, match="not an iTIP method"):
        compose.wire(draft, NOW, "x\n", "<p>x</p>\n")


def test_many_references_and_a_foreign_date():
    references = tuple(f"<{n}.{'x' * 30}@client.example>" for n in range(30))
    draft = replace(BASE, references=references, in_reply_to=references[-1])
    later = NOW.astimezone(timezone(timedelta(hours=-4)))
    random.seed(3)
    expected = reference(draft, later, "x\n", "<p>x</p>\n")
    random.seed(3)
    assert compose.wire(draft, later, "x\n", "<p>x</p>\n") == expected


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["--{b}"],
        ["--{b}--"],
        ["x", "--{b}", "--{b}.0", "y"],
        ["--{b}\r", "--{b}-", " --{b}"],
        ["--{b}.0--", "--{b}"],
    ],
)
def test_a_boundary_a_part_holds_is_lengthened_as_the_generator_does(lines):
    """Unreachable through `wire` (quoted-printable writes "=" as "=3D", base64
    has no "-"), so `_boundary` is held to `BytesGenerator._make_boundary`."""
    random.seed(7)
    drawn = "=" * 15 + f"{random.randrange(2**63 - 1):019d}" + "=="
    text = "\n".join(line.format(b=drawn) for line in lines).encode()
    random.seed(7)
    expected = BytesGenerator._make_boundary(text)  # type: ignore[attr-defined]
    random.seed(7)
    assert compose._boundary(text) == expected


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=400).map(
    lambda t: t.replace("\r", "")
)


@settings(max_examples=150, deadline=None)
@given(
    text=_text,
    html_part=_text,
    name=st.text(max_size=90),
    subject=st.text(max_size=200),
    seed=st.integers(0, 2**32),
)
def test_any_words_are_the_email_packages_bytes(
    text: str, html_part: str, name: str, subject: str, seed: int
) -> None:
    draft = replace(BASE, to_name=name, subject=subject)
    same_bytes(draft, text, html_part, seed)


def test_a_body_line_is_never_longer_than_78() -> None:
    raw = same_bytes(BASE, "é" * 500 + "\n" + "word " * 100 + "\n", "<p>x</p>\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert re.search(rb"=C3=A9", raw)


_ascii = st.text(
    st.sampled_from([*"aZ09 <>@.-_'\"()[]:;,=?!#$%&*+/^`{|}~\\\t"]), max_size=80
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["Subject", "In-Reply-To", "References", "Message-ID"]),
    value=_ascii,
)
def test_fields_written_as_they_are_are_what_the_email_package_writes(name, value):
    try:
        expected = compose._SMTP.fold_binary(
            *compose._SMTP.header_store_parse(name, value)
        )
    except (ValueError, IndexError, email.errors.HeaderParseError):
        return  # the email package's own failure: the short way never takes it
    assert compose._field(name, value) == expected


_REFUSED = (ValueError, IndexError, email.errors.HeaderParseError)


@settings(max_examples=400, deadline=None)
@given(
    name=_ascii,
    local=st.text(st.sampled_from([*"aZb9.+_-'\"=? "]), min_size=1, max_size=20),
    domain=st.sampled_from(
        ["example.org", "Mail-1.Example.CO.uk", "c", "=?utf-8?q?b?=", "a..b"]
    ),
)
def test_address_fields_written_as_they_are_are_what_the_email_package_writes(
    name, local, domain
):
    """The short way (no Address built) writes what the email package writes,
    and refuses what it refuses."""
    address = f"{local}@{domain}"
    try:
        mailbox = compose._mailbox("To", name, address)
    except _REFUSED:
        with pytest.raises(_REFUSED):
            compose._address_field("To", name, address)
        return
    expected = compose._SMTP.fold_binary(
        *compose._SMTP.header_store_parse("To", mailbox)
    )
    assert compose._address_field("To", name, address) == expected


@pytest.mark.parametrize(
    "address",
    ["=?utf-8?q?a?=@example.org", "=?utf-8?b?YQ==?=@c", "=?utf-8?q?b?=x@c"],
)
def test_an_address_opening_with_an_encoded_word_is_refused_as_before(address):
    """A form's Email field may hold one: never written as if it were plain."""
    with pytest.raises(_REFUSED):
        compose._address_field("To", "Jo", address)


@pytest.mark.parametrize(
    ("subject", "form", "safety_first", "title"),
    [
        ("Free call?", False, False, "Free call?"),  # their own words
        ("Free call?", False, True, "Free call?"),
        ("", False, False, ""),  # each letter titled as it goes
        ("", False, True, compose.SAFETY_SUBJECT),
        ("Re: your enquiry", True, False, "Your free 15-minute call"),
        ("Re: your enquiry", True, True, compose.SAFETY_SUBJECT),
    ],
)
def test_an_enquirys_own_title_is_its_first_letters(
    subject: str, form: bool, safety_first: bool, title: str
) -> None:
    assert (
        compose.own_title(subject, form=form, minutes=15, safety_first=safety_first)
        == title
    )


@pytest.mark.parametrize(
    ("stored", "theirs"),
    [
        ("Free call?", "Free call?"),
        ("", ""),
        (compose.SAFETY_SUBJECT, ""),
        ("Your free 15-minute call", ""),
        ("Your free 20-minute call", ""),  # the length changed since
    ],
)
def test_the_therapist_reads_only_the_persons_own_subject(
    stored: str, theirs: str
) -> None:
    assert compose.their_subject(stored) == theirs
