"""Raw mail bytes -> InboundMail: decoded, bounded and never surprised. Pure, no I/O.

The stdlib ``email`` package does the MIME work. This module adds the tolerance
real inboxes need (raw 8-bit headers, wrong or unknown charsets, broken
transfer encodings, leading junk) and turns every failure into a best-effort
value, or into ParseError when the bytes hold no mail at all.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import email.errors
import quopri
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32, EmailPolicy
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser
from typing import Final

from mailflow import patterns
from mailflow.model import InboundMail

MAX_MAIL_BYTES: Final = 2 * 1024 * 1024
"""Only the first 2 MiB are parsed: headers and the text come first, the rest is
attachments mailflow never reads, and the parse must stay cheap."""

MAX_TEXT_CHARS: Final = 64 * 1024
"""The readable body is cut here; a request fits in far less."""

MAX_HTML_CHARS: Final = 256 * 1024
"""HTML is cut before conversion, which runs in pure Python."""

MAX_PARTS: Final = 100
"""MIME parts walked at most; more is an archive or a bomb, not a request."""

MAX_HEADER_CHARS: Final = 4096
"""Each kept header value is cut here (RFC 5322 lines are 998 at most)."""

MAX_RAW_HEADER_CHARS: Final = 8 * 1024
"""Each header's raw value is cut here before the stdlib parses it: its header
parsers are quadratic in places, and a folded header of a real mail stays far
below (References keeps its end, the most recent ancestors)."""

MAX_ENCODED_WORDS: Final = 64
"""RFC 2047 encoded words read per header; the rest of the value is cut. The
stdlib's memory grows with their square (8,000 words: 913 MiB); a long
Japanese subject is about 20."""

MAX_PARAMETERS: Final = 64
"""Parameters read per Content-Type or Content-Disposition, each RFC 2231
continuation (``name*0*=``, ``name*1*=`` ...) counting as one; a long file
name takes a dozen."""

MAX_ADDRESSES: Final = 100
"""Addresses kept per address header; bulk To lists are not requests."""

MAX_REFERENCES: Final = 100
"""Message-IDs kept from References: the most recent ancestors."""

MAX_CALENDAR_WORDS: Final = 8192
"""Characters kept of a calendar's SUMMARY, DESCRIPTION and COMMENT; of each
property its head and its tail, 2 KB each."""

KEPT_HEADERS: Final = frozenset(
    {
        "auto-submitted", "precedence", "list-id", "list-unsubscribe", "return-path",
        "x-auto-response-suppress", "x-ms-exchange-inbox-rules-loop", "x-apple-action",
        "x-autoreply", "x-autorespond", "x-mailflow", "authentication-results",
        "content-type",
    }
)  # fmt: skip
"""Headers copied into InboundMail.headers for the classifier and the runner."""

_EMAIL_BUGS: Final = (
    ValueError, LookupError, TypeError, AttributeError, AssertionError,
    RecursionError, email.errors.MessageError,
)  # fmt: skip
"""What the stdlib email package raises on some malformed input instead of
recording a defect (IndexError in the header parser, LookupError for unknown
charsets, RecursionError for deep nesting ...)."""

_CALENDAR_TYPES: Final = frozenset(
    {"text/calendar", "application/ics", "application/x-ics", "text/x-vcalendar"}
)
_STDLIB_CTES: Final = frozenset(
    {"quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue"}
)
_UNSTRUCTURED: Final = "x-mailflow-unstructured"  # any unregistered name parses so
_CHARSET_ALIASES: Final = {
    # Supersets that mail programs really mean when they write the narrow name,
    # keyed by Python's canonical codec name so every spelling is covered.
    "ascii": "cp1252", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
    "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs",
    "euc_kr": "cp949", "shift_jis": "cp932",
}  # fmt: skip
_REFUSED_CODECS: Final = frozenset(
    {"undefined", "unicode-escape", "raw-unicode-escape", "punycode", "idna"}
)
_CHARSET_NAME = patterns.compile(r"[A-Za-z0-9_.:\-]{1,40}")
_CHARSET_PARAM = patterns.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_METHOD_PARAM = patterns.compile(r"""method\s*=\s*["']?([A-Za-z\-]+)""", re.IGNORECASE)
_METHOD_LINE = patterns.compile(
    r"^METHOD\s*:\s*([A-Za-z\-]+)", re.IGNORECASE | re.MULTILINE
)
_FOLD = patterns.compile(r"\r?\n[ \t]")
_WORDS_LINE = patterns.compile(
    r"^(?:SUMMARY|DESCRIPTION|COMMENT)(?:;[^:\r\n]*)?:(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_ICS_ESCAPE = patterns.compile(r"\\([nN,;\\])")
_LEADING_BLANK = patterns.compile(rb"\A(?:\xef\xbb\xbf)?(?:[ \t]*\r?\n)*")
_MBOX_FROM = patterns.compile(rb"\AFrom [^\r\n]*\r?\n")
_BARE_ICS = patterns.compile(rb"\A\s*BEGIN:VCALENDAR", re.IGNORECASE)
_SURROGATE = patterns.compile("[\udc80-\udcff]")
_CONTROL = patterns.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u034f]"
)
_WHITESPACE = patterns.compile(r"\s+")
_MSGID = patterns.compile(r"<([^<>\s]+)>")
_ADDR_OK = patterns.compile(r"[^@\s<>,;]+@[^@\s<>,;]+")
_ADDR_FALLBACK = patterns.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+")
_ADDR_TOKEN = patterns.compile(r"[A-Za-z0-9._%+\-@]+")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]"  # RFC 5322 atext, less "=" and "?"
_PLAIN_SPEC = rf"{_ATEXT}++(?:\.{_ATEXT}++)*+@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*+"
_PLAIN_WORD = rf'"[^"\\]*+"|{_ATEXT}++'  # an atom, or a quoted string without escapes
_PLAIN_MAILBOX = patterns.compile(
    # A phrase starts with a word and never ends in "." before "<": the stdlib
    # fails on those (obs-phrase); every quantifier is possessive, so linear.
    rf"[ \t]*+(?:(?P<phrase>(?:{_PLAIN_WORD})(?:{_PLAIN_WORD}|[ \t]++|\.++(?!<))*+)?"
    rf"<(?P<angled>{_PLAIN_SPEC})>|(?P<bare>{_PLAIN_SPEC}))[ \t]*+(?:,(?=.)|\Z)"
)
"""One plain mailbox of a list and its comma: what `plain_addresses` reads."""
_PARAMETER_HEADERS: Final = frozenset({"content-type", "content-disposition"})
_KEEPS_END: Final = frozenset({"references"})
_B64_JUNK = patterns.compile(rb"[^A-Za-z0-9+/]")


class ParseError(Exception):
    """The bytes hold no mail at all; a damaged mail still parses."""

    def __init__(self, reason: str, *, size: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.size = size

    def __str__(self) -> str:
        return f"cannot read a mail of {self.size} bytes: {self.reason!r}"


class OverBudget(ParseError):
    """The mail is built to cost more than any genuine one; `limit` names the
    budget it exceeds. It is set aside once, never retried: retrying meets
    the same wall. Neither the reason nor `limit` quotes the mail."""

    def __init__(self, reason: str, *, size: int, limit: str) -> None:
        super().__init__(reason, size=size)
        self.limit = limit

    def __str__(self) -> str:
        return f"{self.size} bytes of mail exceed {self.limit}: {self.reason!r}"


def bounded_header(name: str, value: str) -> str:
    """A header's raw value cut to what the stdlib may parse in bounded time.

    At most MAX_RAW_HEADER_CHARS (References keeps its end), MAX_ENCODED_WORDS
    encoded words and, in Content-Type and Content-Disposition, MAX_PARAMETERS
    parameters. Linear in the value; a normal header comes back unchanged.
    """
    if len(value) > MAX_RAW_HEADER_CHARS:
        if name.strip().lower() in _KEEPS_END:
            value = value[-MAX_RAW_HEADER_CHARS:]
        else:
            value = value[:MAX_RAW_HEADER_CHARS]
    value = _cut_at(value, "=?", MAX_ENCODED_WORDS)
    if name.strip().lower() in _PARAMETER_HEADERS:
        value = _cut_at(value, ";", MAX_PARAMETERS)
    return value


def _cut_at(value: str, marker: str, most: int) -> str:
    """`value` up to its (most + 1)-th `marker`; at most most + 1 finds."""
    at = -1
    for _ in range(most + 1):
        at = value.find(marker, at + 1)
        if at < 0:
            return value
    return value[:at]


class _BoundedPolicy(EmailPolicy):
    """policy.default whose parser cuts every raw header first (bounded_header)."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, bounded_header(name, value)


class _BoundedCompat32(Compat32):
    """policy.compat32 whose parser cuts every raw header first (bounded_header)."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, bounded_header(name, value)


BOUNDED_POLICY: Final = _BoundedPolicy()
"""policy.default with every header cut before it is parsed: parse every mail so."""

BOUNDED_COMPAT32: Final = _BoundedCompat32()
"""policy.compat32 with every header cut before it is parsed (calendar, bounce)."""


class _ReusedHeaderTypes(HeaderRegistry):
    """The stdlib's header factory, whose class per header name is made once:
    HeaderRegistry makes a new class (`type(...)`) on every header it builds,
    a tenth of a letter's cost. The same classes, so the same headers."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._made.get(name.lower())
        if made is None:
            made = super().__getitem__(name)
            if len(self._made) < _MAX_HEADER_TYPES:  # names come from mail too
                self._made[name.lower()] = made
        return made


_MAX_HEADER_TYPES: Final = 64
_HEADERS_KEPT: Final = 1024
"""Decoded header values kept for the next mails (`_header_text`, `_addresses`)."""
HEADER_FACTORY: Final = _ReusedHeaderTypes()
"""policy.default's header factory, quicker: every header mailflow parses or
writes is built with it (`policy.SMTP.clone(header_factory=HEADER_FACTORY)`)."""


def parse_mail(raw: bytes) -> InboundMail:
    """Parse one mail; damaged parts degrade to empty values, never to exceptions.

    Raises:
        ParseError: the input is empty or has no header field at all.
    """
    data = _strip_leading_junk(raw[:MAX_MAIL_BYTES])
    if not data.strip():
        raise ParseError("empty", size=len(raw))
    if _BARE_ICS.match(data):
        return _bare_calendar(data)
    try:
        # compat32: every value is read raw (`_inbound` decodes what it keeps),
        # so policy.default's header objects, rebuilt on each `get` of a
        # part's Content-Type, would only cost (a third of a request's time).
        message = _parsed(data)
        if len(message) == 0:
            raise ParseError("no header fields", size=len(raw))
        return _inbound(message)
    except _EMAIL_BUGS as exc:
        raise ParseError("unreadable structure", size=len(raw)) from exc


def _parsed(data: bytes) -> Message:
    """The mail as the stdlib parses it. A header block alone (a FETCH of
    BODY[HEADER] ends in its blank line) is parsed as headers only: its empty
    body reads the same either way, but a multipart's would compile a regex
    for its boundary, most of a header's cost. Not a message/*: parsed
    whole, even empty, it holds an (empty) attached mail."""
    if data.endswith((b"\n\n", b"\r\n\r\n")):
        head = BytesParser(policy=BOUNDED_COMPAT32).parsebytes(data, headersonly=True)
        if (
            not head.defects
            and not head.get_payload()
            and head.get_content_maintype() != "message"
        ):
            return head  # nothing after the headers: no body to parse
    return BytesParser(policy=BOUNDED_COMPAT32).parsebytes(data)


def _strip_leading_junk(data: bytes) -> bytes:
    """Drop blank lines and an mbox ``From `` line, which hide the headers."""
    data = _LEADING_BLANK.sub(b"", data, count=1)
    if data.startswith(b"From "):
        data = _LEADING_BLANK.sub(b"", _MBOX_FROM.sub(b"", data, count=1), count=1)
    return data


def _bare_calendar(data: bytes) -> InboundMail:
    """A bare iCalendar object (no mail headers) is calendar data, nothing else."""
    text = _decode_bytes(data, "utf-8")
    found = _METHOD_LINE.search(text)
    return InboundMail(
        message_id=None,
        subject="",
        from_addr=None,
        from_name="",
        has_calendar=True,
        calendar_method=found.group(1).upper() if found else None,
    )


def _inbound(message: Message) -> InboundMail:
    raw = [(str(name).lower(), str(value)) for name, value in message.raw_items()]
    hint = _charset_of(_first(raw, "content-type"))

    def text_of(name: str) -> str:
        return _header_text(_first(raw, name), hint)

    senders = _addresses(_first(raw, "from"), hint)
    # Two From headers, two addresses in one, or a display name that is itself
    # an address ("sam@practice <mallory@evil>"): never the therapist (#14).
    ambiguous = (
        sum(1 for name, _ in raw if name == "from") > 1
        or len(senders) > 1
        or len({a.lower() for a in _visible_addresses(_first(raw, "from"))}) > 1
        or any(
            "@" in name and name.strip(" '\"<>").lower() != address
            for name, address in senders
        )
    )
    reply_to = _addresses(_first(raw, "reply-to"), hint)
    date_at, sender_offset = _date(text_of("date"))
    body = _Body(message)
    return InboundMail(
        message_id=_message_id(text_of("message-id")),
        subject=text_of("subject"),
        from_addr=senders[0][1] if senders else None,
        from_name=senders[0][0] if senders else "",
        from_ambiguous=ambiguous,
        reply_to=tuple(a for _, a in reply_to),
        reply_to_name=reply_to[0][0] if reply_to else "",
        to=tuple(a for _, a in _addresses(_first(raw, "to"), hint)),
        cc=tuple(a for _, a in _addresses(_first(raw, "cc"), hint)),
        in_reply_to=_message_id(text_of("in-reply-to")),
        references=_references([v for n, v in raw if n == "references"]),
        date_at=date_at,
        sender_offset=sender_offset,
        headers=_kept_headers(raw, hint),
        text=body.text,
        html_only=body.html_only,
        calendar_method=body.calendar_method,
        has_calendar=body.has_calendar,
        calendar_words=body.calendar_words,
        is_report=body.is_report,
    )


# --- headers -----------------------------------------------------------------


def _first(raw: list[tuple[str, str]], name: str) -> str:
    """First occurrence wins, as in every mail program."""
    return next((value for key, value in raw if key == name), "")


@lru_cache(maxsize=_HEADERS_KEPT)
def _header_text(value: str, hint: str | None) -> str:
    """Decoded (8-bit and RFC 2047), unfolded, single-line header text.

    Kept for the next mails (the same To in every request) and for the same
    mail's second reading (its header, then the whole mail)."""
    value = _fix_8bit(value, hint)
    if "=?" in value:  # an encoded word (RFC 2047): else the stdlib's text is ours
        with contextlib.suppress(*_EMAIL_BUGS):
            value = str(HEADER_FACTORY(_UNSTRUCTURED, value))
    return _one_line(value)[:MAX_HEADER_CHARS]


def forget_kept() -> None:
    """Drop the header values kept between mails (people's names and
    addresses): a cycle's end, so a long `watch` keeps none past it."""
    _header_text.cache_clear()
    _addresses.cache_clear()


def _fix_8bit(value: str, hint: str | None) -> str:
    """Raw 8-bit header bytes (forbidden but common) are read as UTF-8, else
    in the body's charset, else cp1252; the stdlib would show them as U+FFFD."""
    value = value.replace("\r", "").replace("\n", "")
    if not _SURROGATE.search(value):
        return value
    return _decode_bytes(value.encode("utf-8", "surrogateescape"), hint)


@lru_cache(maxsize=_HEADERS_KEPT)
def _addresses(value: str, hint: str | None) -> tuple[tuple[str, str], ...]:
    """(display name, lower-cased addr-spec) pairs; invalid entries dropped.
    Kept, as `_header_text`."""
    value = _fix_8bit(value, hint)
    plain = plain_addresses(value)
    if plain is not None:
        return tuple(plain[:MAX_ADDRESSES])
    pairs: list[tuple[str, str]] = []
    try:
        header = HEADER_FACTORY("to", value)
        if isinstance(header, AddressHeader):
            pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    except _EMAIL_BUGS:
        pairs = []
    found = [
        (_one_line(name), spec)
        for name, spec in ((n, _one_line(s).lower()) for n, s in pairs)
        if _ADDR_OK.fullmatch(spec)
    ]
    if not found:  # unparsable header: a visible address is still the address
        found = [("", a.lower()) for a in _visible_addresses(value)]
    return tuple(found[:MAX_ADDRESSES])


def plain_addresses(value: str) -> list[tuple[str, str]] | None:
    """`_addresses` of a list of plain mailboxes (``Name <a@b.example>``,
    ``"Last, First" <a@b.example>``, ``a@b.example``), without the stdlib's
    header parser, which would give the same pairs at ten times the cost;
    None for anything else (encoded words, comments, groups, quoting, routes),
    which the stdlib reads."""
    if "=?" in value:
        return None  # an encoded word, even inside quotes: the stdlib decodes it
    if not value.strip():
        return []
    found: list[tuple[str, str]] = []
    at, end = 0, len(value)
    while at < end:
        match = _PLAIN_MAILBOX.match(value, at)
        if match is None:
            return None
        phrase, angled, bare = match.group("phrase", "angled", "bare")
        # Quotes go, the words and the space between them stay (then unfolded).
        found.append(
            (_one_line((phrase or "").replace('"', "")), (angled or bare).lower())
        )
        at = match.end()
    return found


def _visible_addresses(value: str) -> list[str]:
    """Address-like runs of `value`, in time linear in its length."""
    found: list[str] = []
    for run in address_runs(value):
        if (match := _ADDR_FALLBACK.match(run)) is not None:
            found.append(match.group())
            if len(found) >= MAX_ADDRESSES:
                break
    return found


def address_runs(value: str) -> Iterator[str]:
    """The runs of address characters in `value` that hold an ``@``.

    The address regex is tried only at the start of each, so it reads every
    character a bounded number of times; searched over the whole value, it
    backtracked from every letter of a long run without ``@`` (150 KB: 43 s).
    """
    for token in _ADDR_TOKEN.finditer(value):
        if "@" in token.group():
            yield token.group()


def _message_id(value: str) -> str | None:
    """The first ``<id>``; a bare ``id@host`` is wrapped, anything else dropped."""
    found = _MSGID.search(value)
    if found:
        return f"<{found.group(1)}>"[:MAX_HEADER_CHARS]
    bare = value.strip()
    if bare and "@" in bare and not _WHITESPACE.search(bare) and "<" not in bare:
        return f"<{bare.strip('>')}>"[:MAX_HEADER_CHARS]
    return None


def _references(values: list[str]) -> tuple[str, ...]:
    """All ``<id>``s of every References header, in order, without repeats."""
    ids: dict[str, None] = {}
    for value in values:
        for found in _MSGID.findall(_one_line(_fix_8bit(value, None))):
            ids.setdefault(f"<{found}>"[:MAX_HEADER_CHARS])
    return tuple(ids)[-MAX_REFERENCES:]


def _date(value: str) -> tuple[datetime | None, timedelta | None]:
    """Aware Date, and the sender's UTC offset unless it is -0000 or unknown."""
    if not value:
        return None, None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None, None
    if parsed.tzinfo is None:  # "-0000" or an unknown zone name: UTC (RFC 5322 4.3)
        return parsed.replace(tzinfo=UTC), None
    return parsed, parsed.utcoffset()


_MAX_AUTH_RESULTS: Final = 16


def _kept_headers(raw: list[tuple[str, str]], hint: str | None) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in raw:
        if name not in KEPT_HEADERS:
            continue
        text = _header_text(value, hint)
        if name == "authentication-results" and name in kept:
            # One per line, topmost first, each cut on its own: a padded one
            # never pushes another out. Only the receiving server's is read.
            if kept[name].count("\n") < _MAX_AUTH_RESULTS - 1:
                kept[name] = f"{kept[name]}\n{text}"
        else:
            kept.setdefault(name, text)
    return kept


def _raw_get(part: Message, name: str) -> str:
    """A part's raw header value without the stdlib's parser, which can raise."""
    for key, value in part.raw_items():
        if str(key).lower() == name:
            return _one_line(str(value))
    return ""


def _charset_of(content_type: str) -> str | None:
    found = _CHARSET_PARAM.search(content_type)
    return found.group(1) if found else None


# --- text --------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    """A text codec for a declared charset, or None if unknown or unsuitable."""
    if not charset or not _CHARSET_NAME.fullmatch(charset):
        return None
    try:
        info = codecs.lookup(charset)
        info = codecs.lookup(_CHARSET_ALIASES.get(info.name, info.name))
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode trusting valid UTF-8 over the label, because labels lie
    (Big5-labelled UTF-8 is common) while non-UTF-8 text is almost never
    valid UTF-8 by accident; 7-bit data keeps its label (ISO-2022-JP, UTF-7).
    Text that is not the UTF-8 it claims is mostly cp1252 (web forms)."""
    codec = _codec(charset)
    if data.isascii():
        candidates = [codec or "ascii", "ascii"]
    else:
        candidates = ["utf-8", "cp1252" if codec in {None, "utf-8"} else str(codec)]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeError, LookupError):
            continue
    try:
        return data.decode(codec or "cp1252", "replace")
    except (UnicodeError, LookupError):
        return data.decode("cp1252", "replace")


def _scrub(text: str) -> str:
    """Lone surrogates (from undecodable bytes) become U+FFFD; controls go."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return _CONTROL.sub("", text)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _scrub(text)).strip()


def _clean_text(text: str) -> str:
    text = _scrub(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[:MAX_TEXT_CHARS]


class _Body:
    """The readable text and the calendar/report facts of a mail's MIME tree."""

    def __init__(self, message: Message) -> None:
        self.has_calendar = False
        self.calendar_method: str | None = None
        self.calendar_words = ""
        self.is_report = False
        plain: str | None = None
        html: str | None = None
        for part, embedded in _walk(message):
            try:
                content_type = part.get_content_type()
            except _EMAIL_BUGS:
                content_type = "text/plain"
            if content_type == "multipart/report":
                self.is_report = True
            if content_type in _CALENDAR_TYPES or _is_ics_file(part):
                # Some clients attach replies as application/octet-stream "x.ics".
                self._calendar(part)
                continue
            if embedded or part.is_multipart() or _is_attachment(part):
                continue
            if content_type == "text/plain" and plain is None:
                plain = _part_text(part)
            elif content_type == "text/html" and html is None:
                html = _part_text(part)[:MAX_HTML_CHARS]
            elif content_type.startswith("multipart/") and plain is None:
                # Declared multipart but no boundary found: the payload is the text.
                plain = _part_text(part)
        self.html_only = plain is None and html is not None
        text = _clean_text(plain or "")
        if not text and html:
            text = _clean_text(html_to_text(html))
        self.text = text

    def _calendar(self, part: Message) -> None:
        self.has_calendar = True
        if len(self.calendar_words) < MAX_CALENDAR_WORDS:  # every part, bounded
            more = _calendar_words(_part_text(part))
            if more and more not in self.calendar_words:  # Gmail sends it twice
                joined = f"{self.calendar_words}\n{more}".strip()
                self.calendar_words = joined[:MAX_CALENDAR_WORDS]
        if self.calendar_method is not None:
            return
        found = _METHOD_PARAM.search(_raw_get(part, "content-type"))
        if not found:
            found = _METHOD_LINE.search(_part_text(part))
        if found:
            self.calendar_method = found.group(1).upper()


def _calendar_words(ics: str) -> str:
    """What a calendar's writer says in it (SUMMARY, DESCRIPTION, COMMENT),
    unfolded and unescaped, without parsing the calendar: an invitation may
    carry its words nowhere else, and they are read for risk."""
    lines = ics[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    unfolded = _FOLD.sub("", lines)
    # Each property bounded on its own, head and tail (a long description's
    # last words, and a comment after it, are kept).
    found = "\n".join(
        _head_and_tail(value)
        for m in _WORDS_LINE.finditer(unfolded)
        if (value := m.group(1).strip())
    )
    words = _ICS_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), found)
    return words[:MAX_CALENDAR_WORDS]


def _head_and_tail(value: str, keep: int = 2048) -> str:
    return value if len(value) <= 2 * keep else f"{value[:keep]}\n{value[-keep:]}"


def _walk(message: Message) -> Iterator[tuple[Message, bool]]:
    """Parts in document order, at most MAX_PARTS, flagged when inside an
    attached message (a bounce's original, a forward): never the body."""
    stack: list[tuple[Message, bool]] = [(message, False)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, embedded = stack.pop()
        seen += 1
        yield part, embedded
        payload = part.get_payload()
        if isinstance(payload, list):
            try:
                inner = embedded or part.get_content_maintype() == "message"
            except _EMAIL_BUGS:
                inner = True
            children = [(p, inner) for p in payload if isinstance(p, Message)]
            stack.extend(reversed(children))


def _is_ics_file(part: Message) -> bool:
    try:
        name = part.get_filename() or ""
    except _EMAIL_BUGS:
        return False
    return not part.is_multipart() and name.lower().endswith(".ics")


def _is_attachment(part: Message) -> bool:
    return _raw_get(part, "content-disposition").lower().startswith("attachment")


def _part_text(part: Message) -> str:
    try:
        data = _payload_bytes(part)
    except _EMAIL_BUGS:
        return ""
    return _decode_bytes(data, _charset_of(_raw_get(part, "content-type")))


def _payload_bytes(part: Message) -> bytes:
    """Undo the transfer encoding, also for spellings found in the wild
    ("quoted printable", "Base64;") that the stdlib leaves encoded."""
    if part.is_multipart():
        return b""
    # The stdlib decodes exactly these CTE values and returns the raw bytes
    # for any other; get_payload() without decode would apply the charset.
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return b""
    if str(part.get("content-transfer-encoding", "")).lower() in _STDLIB_CTES:
        return data
    encoding = _raw_get(part, "content-transfer-encoding").lower().strip(" ;")
    encoding = encoding.replace(" ", "-").replace("_", "-")
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    if encoding == "base64":
        clean = _B64_JUNK.sub(b"", data)
        clean = clean[: len(clean) - (len(clean) % 4 == 1)]
        try:
            return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
        except binascii.Error:
            return b""
    return data


# --- HTML --------------------------------------------------------------------

_SKIPPED_TAGS: Final = frozenset(
    {"script", "style", "head", "title", "template", "noscript", "svg", "object"}
)
_BLOCK_TAGS: Final = frozenset(
    {
        "p", "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "pre",
        "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section",
        "article", "header", "footer", "address", "center", "form", "fieldset",
        "nav", "main", "aside", "figure", "figcaption", "body",
    }
)  # fmt: skip


_QUOTE_OPEN: Final = "\ue000"
_QUOTE_CLOSE: Final = "\ue001"
"""Private-use marks for where a <blockquote> opens and closes (taken out of
the text itself first), turned into ">" quote marks once the lines are known."""
_QUOTE_MARKS: Final = patterns.compile("[\ue000\ue001]")
_MAX_QUOTE_DEPTH: Final = 32


class _HtmlText(HTMLParser):
    """Readable text of HTML: scripts and styles dropped, blocks on new lines,
    table cells separated by a tab (form services send label/value tables),
    quoted history (<blockquote>) marked with ">" as in a plain text reply."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # an unclosed <head> must not hide the body
            self._skipping = 0
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag in {"td", "th"}:
            self.chunks.append("\t")
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        if tag == "blockquote":
            self.chunks.append(_QUOTE_OPEN)
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:  # <script/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            if tag == "blockquote":
                self.chunks.append(_QUOTE_CLOSE)
            self.chunks.append("\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            data = _QUOTE_MARKS.sub("", data)
            self.chunks.append(data if self._pre else _WHITESPACE.sub(" ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, for HTML-only mail."""
    converter = _HtmlText()
    with contextlib.suppress(*_EMAIL_BUGS):  # keep what was read before a failure
        converter.feed(tidy_markup(html[:MAX_HTML_CHARS]))
        converter.close()
    lines = _quote_marked("".join(converter.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _quote_marked(lines: list[str]) -> Iterator[str]:
    """Each line, stripped, with one ">" per <blockquote> it stands in (an HTML
    reply's quoted history reads as a plain text reply's: new_words drops it)."""
    depth = 0
    for line in lines:
        deepest = depth
        for mark in _QUOTE_MARKS.findall(line):
            depth = depth + 1 if mark == _QUOTE_OPEN else max(0, depth - 1)
            deepest = max(deepest, depth)
        text = _QUOTE_MARKS.sub("", line).strip(" \t")
        level = min(deepest, _MAX_QUOTE_DEPTH)
        yield f"{'>' * level} {text}" if level and text else text


def tidy_markup(html: str) -> str:
    """HTML that html.parser reads in linear time, with the same readable text.

    html.parser rescans to the end of the input from every ``<`` whose tag
    never closes (``<a <a <a`` ...: 90 KB took 71 s), and from every comment
    or marked section that never ends. One pass here leaves only tags that
    close before the next ``<``, so each character is scanned a bounded number
    of times. What a browser would show stays: comments, declarations, marked
    sections and processing instructions (``<!…>``, ``<?…>``, Outlook's
    ``<![if !mso]>``) hold no text and go; a tag opened and not closed before
    the next ``<`` goes too (a browser reads on to the next ``>`` as the same
    tag); a ``<`` that opens no tag (``<3``, ``a < b``) is text.
    """
    html = _without_comments(html)
    pieces = html.split("<")
    kept = [pieces[0]]
    for piece in pieces[1:]:
        close = piece.find(">")
        first = piece[:1]
        opens_tag = (
            bool(first) and first.isascii() and (first.isalpha() or first in "/!?")
        )
        if not opens_tag:
            kept.append("&lt;" + piece)
        elif close < 0:
            continue  # inside a tag that a later > or the end of input closes
        elif piece[:1] in ("!", "?"):
            kept.append(piece[close + 1 :])
        else:
            kept.append("<" + piece)
    return "".join(kept)


def _without_comments(html: str) -> str:
    """`html` without ``<!-- … -->``; an unterminated one runs to the end."""
    kept: list[str] = []
    at = 0
    while (start := html.find("<!--", at)) >= 0:
        kept.append(html[at:start])
        end = html.find("-->", start + 4)
        if end < 0:
            return "".join(kept)
        at = end + 3
    kept.append(html[at:])
    return "".join(kept)
