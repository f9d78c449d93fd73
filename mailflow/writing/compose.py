"""Messages: templates/*.txt.j2 + context -> RFC 5322 bytes. Reads templates from disk.

Every message has a text and an HTML alternative (derived from the text by
`mailflow.writing.html`), threading headers, a deterministic Message-ID,
`Auto-Submitted: auto-replied` (RFC 3834) and our private `X-Mailflow` header
so mailflow never answers its own mail.
"""

from __future__ import annotations

import binascii
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from mailflow import patterns
from mailflow.errors import TemplateError
from mailflow.model import Slot
from mailflow.reading.parse import HEADER_FACTORY
from mailflow.reading.seen_offset import SeenOffset
from mailflow.writing import contract, html

PRIVATE_HEADER = "X-Mailflow"


def _shipped_templates() -> Path:
    """The templates shipped with the package: `templates/` in a source tree,
    `mailflow/templates/` in an installed wheel."""
    package = Path(__file__).resolve().parents[1]  # mailflow/
    installed = package / "templates"
    if installed.is_dir():
        return installed
    return package.parent / "templates"


TEMPLATE_DIR = _shipped_templates()
"""The templates shipped with the package; `templates.directory` overrides them."""

KINDS = ("offer", "safety", "crisis_alert", "no_slots_alert")
FRESH_SUBJECT = "Your free 15-minute call"


def fresh_subject(minutes: int) -> str:
    """The subject of a letter about the call that starts a thread (a website
    form's request, a mail with no subject)."""
    return f"Your free {minutes}-minute call"


SAFETY_SUBJECT: Final = "Thank you for writing"
"""The subject of a safety letter that starts a thread (a mail with no
subject, a configured website form's request): it offers no call, so it is
not titled as one ("Your free 15-minute call" above "If you are in
danger..."); in the letter's own voice ("Thank you for writing to me.").
Stored as the enquiry's subject, so that a letter after it (the times the
therapist releases) answers under it and stays in the same conversation."""


def own_title(subject: str, *, form: bool, minutes: int, safety_first: bool) -> str:
    """The subject an enquiry's letters answer under, stored as it opens. Their
    own words where they gave some (a form's are the form service's, never
    theirs); where the thread is ours, the title of the first letter they
    get: the safety letter's, or a form's call. A mail with no subject whose
    first letter is about the call keeps none: each letter is titled as
    it goes (`letters`), the first without "Re:"."""
    if subject and not form:
        return subject
    if safety_first:
        return SAFETY_SUBJECT
    return fresh_subject(minutes) if form else subject


_OUR_CALL_TITLE = patterns.compile(r"Your free \d+-minute call")
"""`fresh_subject`'s, whatever the call's length was when it was stored."""


def their_subject(stored: str) -> str:
    """An enquiry's subject as the therapist should read it: the person's own
    words, never a title of ours stored for the thread (`own_title`), which
    would read as theirs ("Subject: Thank you for writing")."""
    ours = stored == SAFETY_SUBJECT or _OUR_CALL_TITLE.fullmatch(stored)
    return "" if ours else stored


_UNSAFE = patterns.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_TOKEN = patterns.compile(r"[A-Z][A-Z-]{0,30}")
"""Control characters, and what str.splitlines() (and so the email package)
takes for a line break: NEL (U+0085) and the Unicode line/paragraph separators."""
_SPECIALS = patterns.compile(r'[()<>\[\]:;@\\,"]+')


@dataclass(frozen=True, slots=True)
class Draft:
    """A message to send: who, what, and how it threads."""

    kind: str
    sender: str
    sender_name: str
    to: str
    to_name: str
    subject: str
    message_id: str
    context: dict[str, Any]
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_reply: bool = True
    calendar: CalendarPart | None = None
    reply_to: tuple[str, str] | None = (
        None  # (name, address): the therapist's reply reaches them
    )


@dataclass(frozen=True, slots=True)
class CalendarPart:
    """An iCalendar object to carry, as Google Calendar does (RFC 6047 iMIP).

    It goes inline as the last alternative (`text/calendar; method=...`, no
    Content-Disposition: Evolution and iCloud ignore an inline part marked as an
    attachment) and again as an `.ics` attachment for clients that only import.
    The Content-Type `method` must equal the calendar's METHOD, or Outlook shows
    "not supported calendar message".
    """

    method: str
    ics: bytes
    filename: str = "invite.ics"


def clean_header(value: str, limit: int = 200) -> str:
    """No CR/LF or control characters ever reach a header, whatever a sender wrote."""
    return _UNSAFE.sub(" ", value).strip()[:limit]


def _mailbox(header: str, name: str, address: str) -> Address:
    """One address with a display name that cannot turn into other addresses.

    An Address object, not formataddr() text, which the email package would
    parse again (a non-ASCII name holding "<x@y>," became a second address).
    And Python before 3.13 drops the quotes of a display name it has to fold
    or encode, so such a name loses its specials (",:;<>@" ...): "Smith, Jo"
    must not become the address "Smith".
    """
    return Address(_display_name(header, name, address), addr_spec=address)


def _display_name(header: str, name: str, address: str) -> str:
    """The display name `_mailbox` gives the address."""
    name = clean_header(name)
    if not name.isascii() or len(header) + len(name) + len(address) + 6 > 78:
        name = " ".join(_SPECIALS.sub(" ", name).split())
    return name


SAFE_SUBJECT = "Re: your enquiry"
"""What our replies say in place of a subject written by someone other than the
one we answer, unless it is plainly a request: the practice's own domain never
carries a stranger's words to anyone else (#14)."""
_SAFE_SUBJECT_WORDS = 8
_SAFE_SUBJECT_CHARS = patterns.compile(r"[\w\s'’&,.:!?()/+-]*")  # noqa: RUF001 (typographic apostrophe)


def enquiry_subject(subject: str, writer: str | None, addressee: str) -> str:
    """The subject an enquiry's letters answer under. The writer's own words go
    back to the writer (so their mail program keeps the thread, Gmail included);
    to anyone else (a Reply-To naming another address) only a plain request
    subject is repeated, otherwise "your enquiry"."""
    subject = clean_header(subject)
    if not subject or (writer or "").lower() == addressee.lower():
        return subject
    return subject if plainly_a_request(subject) else SAFE_SUBJECT


def reply_subject(subject: str, fallback: str) -> str:
    subject = clean_header(subject)
    if not subject:
        return fallback
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def plainly_a_request(subject: str) -> bool:
    """A short subject in plain words that names what a request names
    ("Free consultation", "Counselling enquiry"): the phrase book's request
    subjects (mailflow/reading/phrases), nothing much besides."""
    from mailflow.reading.phrases import phrases

    bare = re.sub(r"^(?:(?:re|aw|sv|fw|fwd|wg)\s*:\s*)+", "", subject, flags=re.I)
    return (
        len(bare.split()) <= _SAFE_SUBJECT_WORDS
        and _SAFE_SUBJECT_CHARS.fullmatch(bare) is not None
        and phrases().request.subject.search(bare.lower()) is not None
    )


@cache
def _environment(directory: Path) -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(directory), str(TEMPLATE_DIR)]),
        autoescape=False,  # plain text; the HTML part escapes what it shows
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_name(kind: str) -> str:
    return f"{kind}.txt.j2"


def template_source(kind: str, directory: Path | None = None) -> str:
    """The text of the template `render` would use for `kind`: the practice's
    own in `directory` where there is one, else the shipped one."""
    for folder in (directory, TEMPLATE_DIR):
        if folder is not None and (folder / template_name(kind)).is_file():
            return (folder / template_name(kind)).read_text(encoding="utf-8")
    return ""


def template_names(kind: str, directory: Path | None = None) -> set[str]:
    """The context names the template in use for `kind` reads (its own text;
    what it includes is not followed). The shipped one's are read once a
    process: asked of every reply's answer (`Letters._closing`)."""
    if directory is None or not (directory / template_name(kind)).is_file():
        return set(_shipped_names(kind))
    return _names(kind, directory)


@cache
def _shipped_names(kind: str) -> frozenset[str]:
    return frozenset(_names(kind, TEMPLATE_DIR))


def _names(kind: str, directory: Path) -> set[str]:
    from jinja2 import meta

    env = _environment(directory)
    return set(
        meta.find_undeclared_variables(env.parse(template_source(kind, directory)))
    )


def render(
    kind: str, context: dict[str, Any], directory: Path | None = None
) -> tuple[str, str]:
    """Both alternatives of one message; TemplateError names the template.

    One template, the plain text, is rendered; the HTML is derived from it, so
    the two never say different things.
    """
    import jinja2

    env = _environment(directory or TEMPLATE_DIR)
    try:
        text = env.get_template(template_name(kind)).render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} is missing") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template for {kind!r} failed: {exc}") from None
    text = _tidy(text)
    return text, html.to_html(text, contract.strong(kind, context))


def names_used(kind: str, directory: Path | None = None) -> set[str]:
    """The context names `kind`'s template (and what it includes) reads, on any branch.

    Rendering finds an unknown name only on the branch a sample takes; this
    reads the whole source, as the practice's own copy has it.
    """
    import jinja2
    from jinja2 import meta

    env = _environment(directory or TEMPLATE_DIR)
    names: set[str] = set()
    todo, seen = [template_name(kind)], set()
    try:
        while todo:
            name = todo.pop()
            seen.add(name)
            source = env.loader.get_source(env, name)[0]
            tree = env.parse(source)
            names |= meta.find_undeclared_variables(tree)
            todo.extend(
                n
                for n in meta.find_referenced_templates(tree)
                if n is not None and n not in seen
            )
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} is missing") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template for {kind!r} failed: {exc}") from None
    return names - set(env.globals)


_TAGS = patterns.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def static_text(kind: str, directory: Path | None = None) -> str:
    """The words `kind`'s template always writes (its tags taken out, each a
    line break), as the practice's own copy has them: what a reply may quote
    from it without any quote mark. Empty when the template cannot be read."""
    import jinja2

    env = _environment(directory or TEMPLATE_DIR)
    try:
        source = env.loader.get_source(env, template_name(kind))[0]
    except (jinja2.TemplateError, OSError):
        return ""
    return _TAGS.sub("\n", str(source))


def unused_html(directory: Path | None) -> list[Path]:
    """A practice's old `.html.j2` copies: no longer read (the HTML comes from the text)."""
    if directory is None or not directory.is_dir():
        return []
    return sorted(directory.glob("*.html.j2"))


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by template logic; wrap nothing."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    return text + "\n"


_SMTP = SMTP.clone(header_factory=HEADER_FACTORY)
"""policy.SMTP, its header classes made once (`parse.HEADER_FACTORY`)."""

_CRLF: Final = b"\r\n"
_MAX_LINE: Final[int] = _SMTP.max_line_length or 78
"""policy.SMTP's line length (78): body lines are wrapped to it."""


def build(draft: Draft, now: datetime, directory: Path | None = None) -> bytes:
    """The wire bytes of one message (CRLF, as SMTP and IMAP APPEND want)."""
    text, html_part = render(draft.kind, draft.context, directory)
    return wire(draft, now, text, html_part)


def wire(draft: Draft, now: datetime, text: str, html_part: str) -> bytes:
    """The bytes the email package writes for `draft` (an EmailMessage under
    policy.SMTP: set_content, add_alternative, the calendar as below, as_bytes),
    without building one: each header field is parsed, RFC 2047 encoded and
    folded by the email package itself, once per distinct value (`_field`);
    the parts' own headers are the email package's, made once (`_heads`); the
    bodies are its quoted-printable and base64, the boundaries its own
    (`_boundary`). tests/test_compose_wire.py holds every letter to the bytes
    of the email package's build. A letter costs a fifth of building it."""
    head = [
        _address_field("From", draft.sender_name, draft.sender),
        _address_field("To", draft.to_name, draft.to),
        _field("Subject", clean_header(draft.subject, limit=300)),
        _field("Date", format_datetime(now)),
        _field("Message-ID", draft.message_id),
    ]
    if draft.reply_to is not None:
        head.append(_address_field("Reply-To", *draft.reply_to))
    if draft.in_reply_to:
        head.append(_field("In-Reply-To", draft.in_reply_to))
    if draft.references:
        head.append(_field("References", " ".join(draft.references[-20:])))
    if draft.auto_reply:
        head.append(_field("Auto-Submitted", "auto-replied"))
        head.append(_field("X-Auto-Response-Suppress", "All"))
    head.append(_field(PRIVATE_HEADER, draft.kind))
    head.append(_field("MIME-Version", "1.0"))
    calendar = draft.calendar
    heads = _heads(
        None if calendar is None else calendar.method,
        None if calendar is None else calendar.filename,
    )
    parts = [
        heads.text + _CRLF + _quoted_printable(text),
        heads.html + _CRLF + _quoted_printable(html_part),
    ]
    if calendar is not None:
        parts.append(heads.inline + _CRLF + _base64(calendar.ics))
    content_type, body = _multipart("alternative", parts)
    if calendar is not None:
        # mixed[ alternative[ plain, html, calendar ], .ics attachment ]
        content_type, body = _multipart(
            "mixed",
            [
                content_type + _CRLF + body,
                heads.attachment + _CRLF + _base64(calendar.ics),
            ],
        )
    return b"".join(head) + content_type + _CRLF + body


def _field(name: str, value: str) -> bytes:
    """One header field as the email package writes it: `message[name] =
    value`, then flattened (encoded words, folding at 78, CRLF)."""
    if len(name) + len(value) <= _MAX_LINE - 2 and (
        (name.lower() in _UNSTRUCTURED and _plain_text(value))
        or (name.lower() == "message-id" and _PLAIN_ID.fullmatch(value))
    ):
        # What the email package writes for it, unchanged (tests/test_compose_wire.py).
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


@lru_cache(maxsize=1024)
def _folded(name: str, value: str) -> bytes:
    return _SMTP.fold_binary(*_SMTP.header_store_parse(name, value))


def forget_kept() -> None:
    """Drop the header fields kept between letters (names, subjects,
    addresses) and the slots' wording (a person's offset is in its key): a
    cycle's end, so a long `watch` keeps none past it."""
    _folded.cache_clear()
    _folded_address.cache_clear()
    _described.cache_clear()


def _address_field(header: str, name: str, address: str) -> bytes:
    """An address field (`_mailbox`) as the email package writes it. A plain
    address is written as it is, with no Address built to parse it (an
    Address gives a plain address back unchanged); one holding an encoded
    word's opener goes the long way, where the email package refuses it."""
    display = _display_name(header, name, address)
    line = f"{header}: {display} <{address}>" if display else f"{header}: {address}"
    if (
        len(line) <= _MAX_LINE
        and (not display or _PLAIN_NAME.fullmatch(display))
        and "=?" not in address
        and _PLAIN_ADDRESS.fullmatch(address)
    ):
        return f"{line}\r\n".encode("ascii")
    return _folded_address(header, name, address)


@lru_cache(maxsize=256)
def _folded_address(header: str, name: str, address: str) -> bytes:
    return _SMTP.fold_binary(
        *_SMTP.header_store_parse(header, _mailbox(header, name, address))
    )


_UNSTRUCTURED: Final = frozenset({"subject", "in-reply-to", "references"})
"""Unstructured fields whose value changes from letter to letter."""
_PLAIN: Final = patterns.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_PLAIN_ID: Final = patterns.compile(
    r"<[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*>"
)
_PLAIN_NAME: Final = patterns.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")
_ATOM: Final = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS: Final = patterns.compile(
    rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
"""Values the email package writes as they are when they fit on one line:
printable ASCII words with single spaces and no encoded-word opener, a plain
Message-ID, a display name of letters, digits, "'" and "-" before a plain
address. Anything else is parsed and folded by the email package itself."""


def _plain_text(value: str) -> bool:
    return "=?" not in value and _PLAIN.fullmatch(value) is not None


_BOUNDARY_SHAPE: Final = "=" * 15 + "0" * 19 + "=="
"""The email package's boundaries ("=" * 15, 19 digits, "=="): a multipart's
Content-Type is folded once for this stand-in, the same length and kinds of
character as every boundary, and the boundary put in its place."""


def _multipart(subtype: str, parts: list[bytes]) -> tuple[bytes, bytes]:
    """A multipart's Content-Type field and body, as email.generator writes them
    (its boundary drawn after its parts are written, as the generator does)."""
    boundary = _boundary(_CRLF.join(parts))
    if len(boundary) == len(_BOUNDARY_SHAPE):
        field = _field(
            "Content-Type", f'multipart/{subtype}; boundary="{_BOUNDARY_SHAPE}"'
        ).replace(_BOUNDARY_SHAPE.encode(), boundary.encode())
    else:  # the rare boundary lengthened against a clash: folded for itself
        field = _SMTP.fold_binary(
            *_SMTP.header_store_parse(
                "Content-Type", f'multipart/{subtype}; boundary="{boundary}"'
            )
        )
    mark = b"--" + boundary.encode()
    return field, (
        mark + _CRLF + (_CRLF + mark + _CRLF).join(parts) + _CRLF + mark + b"--" + _CRLF
    )


def _boundary(text: bytes) -> str:
    """email.generator's boundary: random, and lengthened until no line of
    `text` is it (`Generator._make_boundary`, drawing the same numbers; its
    multiline `^--boundary(--)?$` is a whole line, between two LF)."""
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
    lines = b"\n" + text + b"\n"
    candidate, counter = boundary, 0
    while any(
        b"\n--" + candidate.encode() + end + b"\n" in lines for end in (b"", b"--")
    ):
        candidate = f"{boundary}.{counter}"
        counter += 1
    return candidate


_NEWLINES: Final = patterns.compile(r"\r\n|\r|\n")


def _quoted_printable(text: str) -> bytes:
    """A text part's body as set_content(text, cte="quoted-printable") stores
    it and the generator writes it (UTF-8, lines ended by CRLF)."""
    lines = text.encode("utf-8").splitlines()
    encoded = quoprimime.body_encode(
        (b"\n".join(lines) + b"\n").decode("latin-1"), _MAX_LINE
    )
    return _NEWLINES.sub("\r\n", encoded).encode("ascii")


def _base64(data: bytes) -> bytes:
    """A bytes part's body as set_content(data, cte="base64") stores it and the
    generator writes it (57 bytes a line: 76 characters, CRLF)."""
    step = _MAX_LINE // 4 * 3
    return b"".join(
        binascii.b2a_base64(data[i : i + step])[:-1] + _CRLF
        for i in range(0, len(data), step)
    )


@dataclass(frozen=True, slots=True)
class _Heads:
    """The header fields of a letter's parts, as the email package writes them."""

    text: bytes
    html: bytes
    inline: bytes = b""
    attachment: bytes = b""


@lru_cache(maxsize=32)
def _heads(method: str | None, filename: str | None) -> _Heads:
    """The parts' header fields, taken from a letter the email package builds
    (once per calendar method and file name): they never depend on the content."""
    message = EmailMessage(policy=_SMTP)
    message.set_content("", cte="quoted-printable")
    message.add_alternative("", subtype="html", cte="quoted-printable")
    if method is not None and filename is not None:
        _attach_calendar(message, CalendarPart(method, b"", filename))
        alternative, attachment = message.iter_parts()
        text, html_part, inline = alternative.iter_parts()
        return _Heads(
            _fields(text), _fields(html_part), _fields(inline), _fields(attachment)
        )
    text, html_part = message.iter_parts()
    return _Heads(_fields(text), _fields(html_part))


def _fields(part: Any) -> bytes:
    return b"".join(_SMTP.fold_binary(name, value) for name, value in part.raw_items())


def _attach_calendar(message: EmailMessage, part: CalendarPart) -> None:
    """mixed[ alternative[ plain, html, calendar ], .ics attachment ]."""
    inline = EmailMessage(policy=_SMTP)
    inline.set_content(part.ics, maintype="text", subtype="calendar", cte="base64")
    del inline["Content-Disposition"]
    del inline["MIME-Version"]
    # The method bare, as Google and Outlook write it (`method=REQUEST`): the
    # email package quotes every parameter it folds, so the header is stored
    # as is (short and ASCII, it is never refolded).
    if not _TOKEN.fullmatch(part.method):
        raise ValueError(f"not an iTIP method: {part.method!r}")
    del inline["Content-Type"]
    inline.set_raw(
        "Content-Type", f"text/calendar; method={part.method}; charset=UTF-8"
    )
    message.attach(inline)
    message.make_mixed()
    message.add_attachment(
        part.ics,
        maintype="application",
        subtype="ics",
        filename=part.filename,
        cte="base64",
    )


def zone_label(moment: datetime) -> str:
    """'GMT, UTC+0' / 'BST, UTC+1'; just 'UTC+3' where the zone has no letters."""
    offset = moment.utcoffset() or timedelta(0)
    utc = f"UTC{_offset(offset)}"
    abbreviation = moment.tzname() or ""
    if abbreviation.isalpha() and abbreviation != "UTC":
        return f"{abbreviation}, {utc}"
    return utc


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" if rest == 0 else f"{sign}{hours}:{rest:02d}"


def clock(moment: datetime, twelve_hour: bool) -> str:
    if not twelve_hour:
        return moment.strftime("%H:%M")
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d}{suffix}" if moment.minute else f"{hour}{suffix}"


def day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B}"


def describe_slot(
    slot: Slot,
    zone_name: str,
    *,
    twelve_hour: bool,
    person_zone: tzinfo | None = None,
) -> dict[str, str | None]:
    """A slot as the person reads it: practice time, and theirs when they live elsewhere.

    `practice`: "Monday 29 March at 13:00 London time (BST, UTC+1)";
    `theirs`: "08:00 your time (UTC-4)" (to the person), `their_time`: "08:00
    their time (UTC-4)" (the same, to the therapist); both None when the person
    lives in the practice's zone. Templates join them with ", which is ".
    """
    # Keyed in UTC: two wall times an hour apart (a DST fold) compare equal.
    start_at = slot.start_at.astimezone(UTC)
    return dict(_described(start_at, zone_name, twelve_hour, person_zone))


@lru_cache(maxsize=512)
def _described(
    start_at: datetime, zone_name: str, twelve_hour: bool, person_zone: tzinfo | None
) -> dict[str, str | None]:
    """`describe_slot`, worked out once a slot and a reader's zone: a
    backlog's offers show the same few times. A copy is handed out; dropped
    with the other kept values at a cycle's end (`forget_kept`)."""
    local = start_at.astimezone(ZoneInfo(zone_name))
    city = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    practice = (
        f"{day(local)} at {clock(local, twelve_hour)} {city} time ({zone_label(local)})"
    )
    theirs: str | None = None
    their_time: str | None = None
    if person_zone is not None and (
        not isinstance(person_zone, SeenOffset) or person_zone.holds_at(start_at)
    ):
        there = start_at.astimezone(person_zone)
        when = clock(there, twelve_hour)
        if there.date() != local.date():
            when = f"{when} on {day(there)}"
        offset = f"UTC{_offset(there.utcoffset() or timedelta(0))}"
        theirs = f"{when} your time ({offset})"
        their_time = f"{when} their time ({offset})"
    return {
        "practice": practice,
        "theirs": theirs,
        "their_time": their_time,
        "short": short_when(start_at, zone_name, twelve_hour),
    }


def since_call(call_at: datetime, now: datetime, zone: tzinfo) -> str:
    """'today', 'yesterday' or 'on Friday': when the call was, from `now`, in `zone`."""
    called = call_at.astimezone(zone).date()
    days = (now.astimezone(zone).date() - called).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"on {called:%A}"
    return f"on {day(call_at.astimezone(zone))}"


def short_when(moment: datetime, zone_name: str, twelve_hour: bool = False) -> str:
    """'Mon 29 Mar, 13:00 BST (UTC+1)': compact, for subject lines; like every
    time mailflow writes, it names its zone and offset."""
    local = moment.astimezone(ZoneInfo(zone_name))
    offset = f"UTC{_offset(local.utcoffset() or timedelta(0))}"
    name = local.tzname() or ""
    label = f"{name} ({offset})" if name.isalpha() else offset
    return f"{local:%a} {local.day} {local:%b}, {clock(local, twelve_hour)} {label}"


def person_zone(
    sender_offset: timedelta | None, sent_at: datetime | None, zone_name: str
) -> tzinfo | None:
    """The person's zone as far as their Date header shows it, when not the practice's.

    Only an offset is known, so times are worked out in it, and only when it
    differed from the practice's own offset when they wrote; they are shown
    in it only where it surely holds (`seen_offset`).
    """
    if sender_offset is None or sent_at is None:
        return None
    if sent_at.astimezone(ZoneInfo(zone_name)).utcoffset() == sender_offset:
        return None
    return SeenOffset(sender_offset, sent_at)
