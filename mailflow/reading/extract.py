"""What a person tells us in a request: phone, preferred times, form fields, name. Pure.

Every extractor is precise rather than clever: when in doubt it returns
nothing, because a wrong phone number or a wrong "mornings only" costs more
than asking.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from typing import TYPE_CHECKING, Final

from mailflow import patterns
from mailflow.model import DayPart, Preference

if TYPE_CHECKING:
    import phonenumbers

MAX_SCAN_CHARS: Final = 16 * 1024
"""Only the head of a body is scanned: requests state their facts early, and
the phone matcher and the regexes must stay cheap on hostile input."""

# --- phone -------------------------------------------------------------------

MIN_PHONE_DIGITS: Final = 4
"""Text with fewer digits holds no number `_first_number` would take: a valid
number (Niue's have four digits) or a possible one of eight or more."""

_CURRENCY: Final = frozenset("£$€¥₹")
_PHONE_CHARS = patterns.compile(r"[+\d\s()\-]+")


def extract_phone(text: str, region: str) -> str | None:
    """The first plausible phone number in E.164, reading national numbers in
    the practice's region ("07700 900123" in GB -> "+447700900123").
    phonenumbers is loaded here, by the first words that could hold a number
    (its metadata costs ~20 ms to import): "the free 15 minute call" holds
    fewer than MIN_PHONE_DIGITS digits, so none."""
    text = text[:MAX_SCAN_CHARS]
    if sum(ch.isdigit() for ch in text) < MIN_PHONE_DIGITS:
        return None  # too few digits, in any script, for any number
    return _first_number(text, region)


def _first_number(text: str, region: str) -> str | None:
    """The first valid or plausibly written number in `text`, in E.164."""
    import phonenumbers

    region = (
        region.upper() if region.upper() in phonenumbers.SUPPORTED_REGIONS else "ZZ"
    )
    matcher = phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.POSSIBLE
    )
    for match in matcher:
        if match.start > 0 and text[match.start - 1] in _CURRENCY:
            continue  # a price
        if _plausible(match.raw_string, match.number):
            return str(
                phonenumbers.format_number(
                    match.number, phonenumbers.PhoneNumberFormat.E164
                )
            )
    return None


def _plausible(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """Valid numbers always; merely possible ones (new or fictional ranges such
    as Ofcom's 07700 900xxx) only when written like a phone number."""
    import phonenumbers

    if phonenumbers.is_valid_number(number):
        return True
    digits = sum(ch.isdigit() for ch in raw)
    return bool(_PHONE_CHARS.fullmatch(raw)) and (
        digits >= 10 or (raw.startswith("+") and digits >= 8)
    )


# --- preference --------------------------------------------------------------

_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS_ONLY: Final = frozenset(range(5))
_WEEKEND: Final = frozenset({5, 6})
_DAY_PART_WORDS: Final = {
    "morning": DayPart.MORNING,
    "afternoon": DayPart.AFTERNOON,
    "evening": DayPart.EVENING,
}
_CLAUSE_SPLIT = patterns.compile(r"[.!?;\n]+(?:\s|$)|\n")
_CUE = patterns.compile(
    r"\b(?:available|availability|free|suits?|suited|suitable|convenient|prefer\w*"
    r"|ideal(?:ly)?|best|better|easiest|works?|can do|could do|can make|could make"
    r"|manage|call|calls|chat|talk|speak|appointment|session|slots?|times?|any|only"
    r"|fine|ok|okay|possible|happy)\b",
    re.IGNORECASE,
)
_FULL_DAY = r"(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
_SHORT_DAY = (
    r"(?:Mon|Tues?|Weds?|Thu(?:rs?)?|Fri|Sat|Sun"
    r"|MON|TUES?|WEDS?|THU(?:RS?)?|FRI|SAT|SUN)\.?"
)  # case-sensitive: "sun", "sat" and "wed" are ordinary words
_DAY = rf"(?:{_FULL_DAY}|{_SHORT_DAY})"
_MENTION = patterns.compile(
    rf"\b(?P<range>(?P<first>{_DAY})\s*(?:-|\u2013|to|through|thru|until|till)\s*"
    rf"(?P<last>{_DAY}))(?!\w)"
    rf"|\b(?P<day>{_DAY})(?!\w)"
    r"|\b(?P<weekend>(?i:weekends?))\b"
    r"|\b(?P<weekdays>(?i:weekdays?|during the week))\b"
    r"|\b(?P<part>(?i:mornings?|afternoons?|evenings?))\b"
    r"|\b(?P<afterwork>(?i:after work))\b"
)
_NEGATION = patterns.compile(
    r"\b(?:not|except|but|excluding|apart from|other than|never|busy|can'?t|cannot"
    r"|won'?t|unable|work|working|job|no|instead of|rather than|in place of"
    r"|(?:better|easier) than)\b[^,]{0,20}$",
    re.IGNORECASE,
)
_NOT_A_PREFERENCE = patterns.compile(
    r"\b(?:last|since|good|this past|yesterday|previous)\s*$", re.IGNORECASE
)
_TIME = (
    r"(?>(?P<hour>\d{1,2})(?:[:.](?P<minute>[0-5]\d))?)\s*"
    r"(?P<meridiem>[ap]\.?m\.?(?!\w))?"
)
_TIME_END = (  # what may follow a clock time; "after 3 sessions" is no time
    r"(?=\s*(?:$|[,.;:!?)\-]|(?:on|onwards|or|and|but|so|then|too|though|is|are"
    r"|would|will|could|should|works?|suits?|please|if|any|at|every|during|in"
    r"|to|until|till|ideally|preferably|latest|earliest|o'?clock|ish|h)\b))"
)
_AFTER = patterns.compile(
    r"\b(?:after|from|(?<!no )later than|no earlier than|not before)\s+"
    + _TIME
    + _TIME_END,
    re.IGNORECASE,
)
_BEFORE = patterns.compile(
    r"\b(?:before|until|till|til|by|no later than|not after)\s+" + _TIME + _TIME_END,
    re.IGNORECASE,
)
_BEFORE_NOON = patterns.compile(
    r"\b(?:before|until|till|by)\s+(?:noon|midday|lunch(?:time)?)\b", re.IGNORECASE
)
_AFTER_NOON = patterns.compile(
    r"\bafter\s+(?:noon|midday|lunch(?:time)?)\b", re.IGNORECASE
)


def extract_preference(text: str) -> Preference:
    """Days, day parts and time bounds the person asked for.

    Days and day parts count only in a clause about scheduling ("Tuesdays
    work best", "Availability: evenings"), not when negated ("any day but
    Friday", "I work mornings"). A bare hour from 1 to 7 means pm ("after 5").
    """
    text = text[:MAX_SCAN_CHARS]
    weekdays: set[int] = set()
    day_parts: set[DayPart] = set()
    for clause in _CLAUSE_SPLIT.split(text):
        if _CUE.search(clause):
            _scan_clause(clause, weekdays, day_parts)
    earliest = _first_time(_AFTER, text)
    if earliest is None and (noon := _AFTER_NOON.search(text)):
        earliest = time(13) if "lunch" in noon[0].lower() else time(12)
    latest = _first_time(_BEFORE, text)
    if latest is None and _BEFORE_NOON.search(text):
        latest = time(12)
    if earliest is not None and latest is not None and earliest >= latest:
        earliest = latest = None  # contradictory: no bound is better than none left
    return Preference(
        weekdays=frozenset(weekdays),
        day_parts=frozenset(day_parts),
        earliest=earliest,
        latest=latest,
    )


def _scan_clause(clause: str, weekdays: set[int], day_parts: set[DayPart]) -> None:
    for found in _MENTION.finditer(clause):
        before = clause[max(0, found.start() - 40) : found.start()]
        if _NEGATION.search(before) or _NOT_A_PREFERENCE.search(before):
            continue
        if found["range"]:
            first, last = _day_index(found["first"]), _day_index(found["last"])
            weekdays.update((first + i) % 7 for i in range((last - first) % 7 + 1))
        elif found["day"]:
            weekdays.add(_day_index(found["day"]))
        elif found["weekend"]:
            weekdays.update(_WEEKEND)
        elif found["weekdays"]:
            weekdays.update(_WEEKDAYS_ONLY)
        elif found["part"]:
            day_parts.add(_DAY_PART_WORDS[found["part"].lower().rstrip("s")])
        elif found["afterwork"]:
            day_parts.add(DayPart.EVENING)


def _day_index(word: str) -> int:
    return _DAYS.index(word[:3].lower())


def _first_time(pattern: re.Pattern[str], text: str) -> time | None:
    for found in pattern.finditer(text):
        clock = _clock(found["hour"], found["minute"], found["meridiem"])
        if clock is not None:
            return clock
    return None


def _clock(
    hour_text: str, minute_text: str | None, meridiem: str | None
) -> time | None:
    """12-hour readings: "5pm" -> 17:00, bare 1-7 -> pm, bare 8-12 as written."""
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem[0].lower() == "p" else 0)
    elif 1 <= hour <= 7:
        hour += 12
    if hour > 23:
        return None
    return time(hour, minute)


# --- contact-form notifications ----------------------------------------------

FORM_LABELS: Final = {
    "name": "name",
    "your name": "name",
    "full name": "name",
    "your full name": "name",
    "contact name": "name",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "forename": "first_name",
    "vorname": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "nachname": "last_name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "your email": "email",
    "your e-mail": "email",
    "your email address": "email",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "telephone number": "phone",
    "tel": "phone",
    "mobile": "phone",
    "mobile number": "phone",
    "contact number": "phone",
    "your phone": "phone",
    "your phone number": "phone",
    "telefon": "phone",
    "message": "message",
    "your message": "message",
    "comments": "message",
    "comment": "message",
    "enquiry": "message",
    "inquiry": "message",
    "how can i help": "message",
    "how can we help": "message",
    "how can i help you": "message",
    "how can we help you": "message",
    "your enquiry": "message",
    "your inquiry": "message",
    "your question": "message",
    "details": "message",
    "more details": "message",
    "additional information": "message",
    "anything else": "message",
    "tell us more": "message",
    "tell me more": "message",
    "what would you like help with": "message",
    "what can i help with": "message",
    "what can we help with": "message",
    "what brings you to therapy": "message",
    "what brings you to counselling": "message",
    "what brings you to counseling": "message",
    "reason for getting in touch": "message",
    "reason for contact": "message",
    "reason for enquiry": "message",
    "reason for inquiry": "message",
    "nachricht": "message",
    "subject": "subject",
    "your subject": "subject",
    "availability": "availability",
    "your availability": "availability",
    "preferred time": "availability",
    "preferred times": "availability",
    "best time to call": "availability",
    "best time to contact you": "availability",
}
"""Field labels of common form services (lower-case) -> the key returned."""

_MULTILINE_KEYS: Final = frozenset({"message", "availability"})
_LABEL_LINE = (
    patterns.compile(  # on a stripped line; no two adjacent \s* (backtracking)
        r"\**([A-Za-z][A-Za-z\- ?]{0,40}?)\**(?:\s*[:\t]\s*(.*)|\s*)$"
    )
)
_FORM_END = patterns.compile(r"^\s*(?:--\s*|-{3,}.*|_{3,}.*)$")
_MAX_FORM_LINES: Final = 400
_CONTACT_FORM_7 = patterns.compile(
    r"^\s*(?:This is a notification that a contact form was submitted on"
    r"|This e-?mail was sent from a contact form on"
    r"|This mail is sent via contact form on)\b",
    re.MULTILINE | re.IGNORECASE,
)
"""The footer of WordPress Contact Form 7's default mail, as it reads since
version 5.6 (2022) and before: the one layout whose person is on a "From:"
line."""
_CONTACT_FORM_7_FROM = patterns.compile(
    r"From:[ \t]*(?P<name>[^<>\n]*?)[ \t]*<?(?P<address>[^<>\s@]+@[^<>\s]+?)>?[ \t]*"
)
"""`From: [your-name] [your-email]` (5.6 on) or `... <[your-email]>` (before)."""


def came_by_form(first_message: str | None) -> bool:
    """Whether an enquiry's first mail was a website form's (a field naming
    an address): news of risk about it says "through your website form",
    and the address is only one typed in it."""
    return bool(first_message and extract_form_submission(first_message).get("email"))


def extract_form_submission(text: str) -> dict[str, str]:
    """Fields of a contact-form notification ("Name: Jordan Lee", "Email: ...").

    Labels are case-insensitive and may stand on their own line with the value
    below (as WPForms renders them). Message and availability may span lines;
    the first occurrence of a field wins. Returns {} for ordinary mail.
    """
    fields: dict[str, list[str]] = {}
    current: str | None = None
    lines = text[:MAX_SCAN_CHARS].split("\n")[:_MAX_FORM_LINES]
    if is_contact_form_7(text):
        lines = _contact_form_7(lines)
    for line in lines:
        if _FORM_END.match(line):
            current = None
            continue
        key, value = _label(line)
        if key is not None:
            current = key if key not in fields else None
            if current is not None:
                fields[current] = [value] if value else []
            continue
        if current is None or not line.strip():
            if current in _MULTILINE_KEYS and fields[current]:
                fields[current].append("")
            continue
        if current in _MULTILINE_KEYS or not fields[current]:
            fields[current].append(line.strip())
            if current not in _MULTILINE_KEYS:
                current = None
    return {
        key: "\n".join(lines).strip()
        for key, lines in fields.items()
        if "\n".join(lines).strip()
    }


def is_contact_form_7(text: str) -> bool:
    """Whether the text is WordPress Contact Form 7's default mail as it
    came: its footer, and its "From:" line first. A forward of one starts
    with the forward's own header lines, whose "From:" is whoever sent it on,
    and is read as the forward it is."""
    head = text[:MAX_SCAN_CHARS]
    first = next((line for line in head.split("\n") if line.strip()), "")
    return (
        _CONTACT_FORM_7.search(head) is not None
        and _CONTACT_FORM_7_FROM.fullmatch(first.strip()) is not None
    )


def _contact_form_7(lines: list[str]) -> list[str]:
    """Contact Form 7's default mail as labelled fields: its first line
    "From: Jordan Lee <jordan@example.org>" is their Name and Email, and
    "Message Body:" opens their message (`is_contact_form_7`)."""
    out: list[str] = []
    named = False
    for line in lines:
        found = _CONTACT_FORM_7_FROM.fullmatch(line.strip())
        if found is not None and not named:
            named = True
            out += [f"Name: {found['name']}", f"Email: {found['address']}"]
        elif line.strip().lower() == "message body:":
            out.append("Message:")
        else:
            out.append(line)
    return out


def _label(line: str) -> tuple[str | None, str]:
    found = _LABEL_LINE.match(line.strip())
    if not found:
        return None, ""
    label = " ".join(found[1].lower().replace("?", "").split())
    key = FORM_LABELS.get(label)
    return key, (found[2] or "").strip() if key else ""


# --- names -------------------------------------------------------------------

_TITLES: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "fr"}
)
_ROLE_WORDS: Final = frozenset(
    {
        "info", "admin", "office", "contact", "hello", "hi", "sales", "support",
        "team", "user", "customer", "mail", "noreply", "reply", "enquiries",
        "enquiry", "inquiries", "reception", "accounts", "the", "mailer", "daemon",
        "postmaster", "webmaster", "wordpress", "website", "form", "service",
    }
)  # fmt: skip
_NAME_APOSTROPHES: Final = frozenset("-'\u2019")


def display_name(from_name: str, email: str) -> str:
    """The first name to greet someone by ("Jordan" from "Jordan Lee"), or ""
    when the display name is missing, an address, a role or ALL-CAPS junk."""
    name = " ".join(from_name.replace('"', " ").split())
    if not name or "@" in name or name.isupper():
        return ""
    if "," in name:  # "Lee, Jordan"
        name = name.split(",", 1)[1].strip() or name.split(",", 1)[0]
    words = [w for w in name.split() if w.lower().rstrip(".") not in _TITLES]
    if not words:
        return ""
    first = words[0]
    local = email.split("@", 1)[0].lower()
    if (
        len(first) < 2
        or len(first) > 30
        or first.lower() in _ROLE_WORDS
        or (len(words) == 1 and first.lower() == local and not first.istitle())
        or not all(
            ch.isalpha()
            or ch in _NAME_APOSTROPHES
            or unicodedata.category(ch).startswith("M")
            for ch in first
        )
        or not first[0].isalpha()
    ):
        return ""
    return first[0].upper() + first[1:] if first.islower() else first
