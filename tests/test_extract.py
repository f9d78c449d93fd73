"""Tests for mailflow.reading.extract: phone, preference, form fields, greeting name."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.model import DayPart, Preference
from mailflow.reading.extract import (
    MAX_SCAN_CHARS,
    display_name,
    extract_form_submission,
    extract_phone,
    extract_preference,
)

MORNING, AFTERNOON, EVENING = DayPart.MORNING, DayPart.AFTERNOON, DayPart.EVENING

# --- phone -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("call me on 07700 900123 thanks", "GB", "+447700900123"),
        ("07700900123", "GB", "+447700900123"),
        ("mobile: 07911 123456", "GB", "+447911123456"),
        ("landline 020 7946 0018", "GB", "+442079460018"),
        ("+1 415 555 0100", "GB", "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("reach me at +49 30 901820", "GB", "+4930901820"),
        ("07911 123456 or 020 7946 0018", "GB", "+447911123456"),
        ("call 07911 123456", "gb", "+447911123456"),
    ],
)
def test_extract_phone_finds_the_first_number_in_e164(
    text: str, region: str, expected: str
) -> None:
    assert extract_phone(text, region) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no number here",
        "Could we meet on 12/03/2024 at 10:30?",
        "2024-03-12 10:30:00",
        "It costs £120.00 per session",
        "It costs £1,200 for 12 sessions",
        "I paid $4155550100 lol",
        "ref 12345",
        "I'm 34 and have 2 children",
        "Tuesday 14:00-15:00 works",
    ],
)
def test_extract_phone_ignores_dates_times_prices_and_short_numbers(text: str) -> None:
    assert extract_phone(text, "GB") is None


def test_extract_phone_unknown_region_still_reads_international_numbers() -> None:
    assert extract_phone("07911 123456", "XX") is None
    assert extract_phone("+44 7911 123456", "XX") == "+447911123456"
    assert extract_phone("+44 7911 123456", "") == "+447911123456"


def test_extract_phone_only_scans_the_head_of_long_text() -> None:
    text = "x" * (MAX_SCAN_CHARS + 10) + " 07911 123456"
    assert extract_phone(text, "GB") is None


# --- preference --------------------------------------------------------------


def _pref(
    weekdays: set[int] | None = None,
    parts: set[DayPart] | None = None,
    earliest: time | None = None,
    latest: time | None = None,
) -> Preference:
    return Preference(
        weekdays=frozenset(weekdays or ()),
        day_parts=frozenset(parts or ()),
        earliest=earliest,
        latest=latest,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mornings work best for me", _pref(parts={MORNING})),
        ("Afternoons suit me", _pref(parts={AFTERNOON})),
        ("I'm only free in the evenings", _pref(parts={EVENING})),
        ("Could we talk in the morning?", _pref(parts={MORNING})),
        ("Anything after work is best", _pref(parts={EVENING})),
        ("I'm free after 5", _pref(earliest=time(17))),
        ("any time after 5pm", _pref(earliest=time(17))),
        ("after 17:00 please", _pref(earliest=time(17))),
        ("after 5.30pm", _pref(earliest=time(17, 30))),
        ("after 7", _pref(earliest=time(19))),
        ("after 8", _pref(earliest=time(8))),
        ("after 12", _pref(earliest=time(12))),
        ("after 10am", _pref(earliest=time(10))),
        ("after lunch", _pref(earliest=time(13))),
        ("after noon", _pref(earliest=time(12))),
        ("before noon please", _pref(latest=time(12))),
        ("before midday", _pref(latest=time(12))),
        ("before 11", _pref(latest=time(11))),
        ("no later than 3pm", _pref(latest=time(15))),
        ("I can do from 9:30 until 12", _pref(earliest=time(9, 30), latest=time(12))),
        ("Tuesdays work best", _pref(weekdays={1})),
        ("I'm available Tuesdays and Thursdays", _pref(weekdays={1, 3})),
        ("Available Monday", _pref(weekdays={0})),
        ("Availability: Tue/Wed afternoons", _pref(weekdays={1, 2}, parts={AFTERNOON})),
        ("Best time: WED or FRI", _pref(weekdays={2, 4})),
        ("free Mon-Wed", _pref(weekdays={0, 1, 2})),
        ("free Friday to Monday", _pref(weekdays={4, 5, 6, 0})),
        ("Weekends suit me", _pref(weekdays={5, 6})),
        ("weekdays only", _pref(weekdays={0, 1, 2, 3, 4})),
        (
            "I'm free Tuesdays and Thursdays after 5",
            _pref(weekdays={1, 3}, earliest=time(17)),
        ),
        (
            "I'm available after 17:00 on weekdays",
            _pref(weekdays={0, 1, 2, 3, 4}, earliest=time(17)),
        ),
        (
            "Mornings work best for me, before 11 ideally",
            _pref(parts={MORNING}, latest=time(11)),
        ),
        ("Could we speak after 3pm? Not Mondays please", _pref(earliest=time(15))),
        ("I work Monday to Friday so evenings would be best", _pref(parts={EVENING})),
    ],
)
def test_extract_preference_reads_what_people_write(
    text: str, expected: Preference
) -> None:
    assert extract_preference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Good morning Sam, I'd like to book a call.",
        "Good evening, hope you are well",
        "Last Tuesday was really hard.",
        "Since Monday I have not slept",
        "Mondays are hard for me",
        "I wake up at 4 in the morning",
        "after 5 years of struggling I'm ready",
        "after 3 miscarriages I need help",
        "before 2 weeks ago",
        "any day but Friday is fine",
        "I'm busy on Wednesdays, other days are fine",
        "I saw the sun today, sat outside and wed next year",
        "after 6pm or before 9am",  # contradictory bounds are dropped
        "after 99",
        "after 13pm",
    ],
)
def test_extract_preference_stays_empty_when_in_doubt(text: str) -> None:
    assert extract_preference(text).is_empty


# --- form submissions --------------------------------------------------------


def test_extract_form_submission_colon_labels_and_multiline_message() -> None:
    text = (
        "You have a new submission\n\n"
        "Name: Jordan Lee\n"
        "E-mail: jordan@example.org\n"
        "Telephone: 07700 900123\n"
        "Message: Hi,\n"
        "I'd like to book a call.\n"
        "\n"
        "Thanks\n"
        "--\n"
        "Sent by WPForms"
    )
    assert extract_form_submission(text) == {
        "name": "Jordan Lee",
        "email": "jordan@example.org",
        "phone": "07700 900123",
        "message": "Hi,\nI'd like to book a call.\n\nThanks",
    }


def test_extract_form_submission_labels_on_their_own_line() -> None:
    text = (
        "Name\nJordan Lee\n\nEmail\njordan@example.org\n\n"
        "Your message\nHello there\nsecond line\n"
    )
    assert extract_form_submission(text) == {
        "name": "Jordan Lee",
        "email": "jordan@example.org",
        "message": "Hello there\nsecond line",
    }


def test_extract_form_submission_tab_separated_table_cells() -> None:
    text = "Your name\tJordan Lee\nYour email\tjordan@example.org\nPhone Number\t0790"
    assert extract_form_submission(text) == {
        "name": "Jordan Lee",
        "email": "jordan@example.org",
        "phone": "0790",
    }


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("NAME", "name"),
        ("Full name", "name"),
        ("First name", "first_name"),
        ("Surname", "last_name"),
        ("e-mail address", "email"),
        ("Your Email", "email"),
        ("Mobile", "phone"),
        ("Tel", "phone"),
        ("Comments", "message"),
        ("How can I help?", "message"),
        ("Nachricht", "message"),
        ("Best time to call", "availability"),
        ("**Email**", "email"),
    ],
)
def test_extract_form_submission_knows_common_labels(label: str, key: str) -> None:
    assert extract_form_submission(f"{label}: value") == {key: "value"}


def test_extract_form_submission_first_occurrence_wins_and_empty_values_dropped() -> (
    None
):
    text = "Name: Jordan\nName: Someone Else\nPhone:\nEmail: j@example.org"
    assert extract_form_submission(text) == {"name": "Jordan", "email": "j@example.org"}


def test_extract_form_submission_ordinary_mail_has_no_fields() -> None:
    text = "Hi Sam,\n\nI'd like to book a call. Phone me at 07700 900123.\n\nJordan"
    assert extract_form_submission(text) == {}


# --- display name ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("Jordan Lee", "jordan@example.org", "Jordan"),
        ('"Jordan Lee"', "jordan@example.org", "Jordan"),
        ("Lee, Jordan", "jordan@example.org", "Jordan"),
        ("Dr. Sam Rivera", "sam@example.org", "Sam"),
        ("Mrs Ada Lovelace", "ada@example.org", "Ada"),
        ("Zoë Smith", "zoe@example.org", "Zoë"),
        ("Mary-Jane O'Neil", "mj@example.org", "Mary-Jane"),
        ("王小明", "w@example.org", "王小明"),
        ("jordan lee", "jl@example.org", "Jordan"),
        ("Jordan", "jordan@example.org", "Jordan"),
        ("", "jordan@example.org", ""),
        ("   ", "jordan@example.org", ""),
        ("jordan@example.org", "jordan@example.org", ""),
        ("JORDAN LEE", "jordan@example.org", ""),
        ("INFO", "info@example.org", ""),
        ("info", "info@example.org", ""),
        ("Support Team", "support@example.org", ""),
        ("jordan", "jordan@example.org", ""),
        ("jordan.lee", "jordan.lee@example.org", ""),
        ("J. Lee", "j@example.org", ""),
        ("J", "j@example.org", ""),
        ("R2D2", "r@example.org", ""),
        ("Dr.", "d@example.org", ""),
        ("x" * 40, "x@example.org", ""),
    ],
)
def test_display_name(name: str, email: str, expected: str) -> None:
    assert display_name(name, email) == expected


# --- never raise -------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400), region=st.sampled_from(["GB", "US", "DE", "", "ZZ"]))
def test_extractors_never_raise(text: str, region: str) -> None:
    phone = extract_phone(text, region)
    assert phone is None or phone.startswith("+")
    preference = extract_preference(text)
    if preference.earliest and preference.latest:
        assert preference.earliest < preference.latest
    assert all(0 <= day <= 6 for day in preference.weekdays)
    assert all(isinstance(v, str) for v in extract_form_submission(text).values())
    assert isinstance(display_name(text, text), str)


_SCHEDULING_WORDS = st.sampled_from(
    [
        "after", "before", "from", "until", "5", "17:00", "5pm", "noon", "Tuesdays",
        "Mon", "-", "to", "mornings", "evening", "available", "not", "but", "\n",
        ".", "Name:", "Email:", "Message", "07700 900123", "+1 415 555 0100", "£",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(words=st.lists(_SCHEDULING_WORDS, max_size=30))
def test_extractors_never_raise_on_near_misses(words: list[str]) -> None:
    text = " ".join(words)
    extract_phone(text, "GB")
    extract_preference(text)
    extract_form_submission(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Nd", "Cs"), blacklist_characters="0123456789"
        ),
        max_size=60,
    ).map(lambda t: "+" + t if t[:1] == "x" else t)
)
def test_words_without_a_digit_hold_no_number_for_phonenumbers(text):
    """extract_phone answers words without a digit before loading phonenumbers:
    its matcher finds nothing in them either (letters, signs, '+', '(')."""
    import phonenumbers

    for region in ("GB", "US"):
        assert list(phonenumbers.PhoneNumberMatcher(text, region)) == []
    assert extract_phone(text, "GB") is None


def test_text_under_the_digit_gate_holds_no_number_in_any_region() -> None:
    """extract_phone loads phonenumbers only for text with MIN_PHONE_DIGITS
    digits. Below that, the matcher itself takes nothing in any region:
    phonenumbers may call two or three digits a local number, but only a valid
    number or a possible one of eight digits or more is taken."""
    import phonenumbers

    from mailflow.reading.extract import MIN_PHONE_DIGITS, _first_number

    shortest = min(
        length
        for region in phonenumbers.SUPPORTED_REGIONS
        if (metadata := phonenumbers.PhoneMetadata.metadata_for_region(region))
        for length in metadata.general_desc.possible_length
        if length > 0
    )
    assert shortest >= MIN_PHONE_DIGITS == 4  # no region's full numbers are shorter
    short = [
        f"call me on {digits}"
        for digits in ("1", "0", "12", "01", "112", "999", "123", "0 1", "(1) 23")
    ]
    short += ["+1 23", "+44 1", "+683 12"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for text in short:
            assert _first_number(text, region) is None, (region, text)
    # Niue's numbers have four digits: the shortest still passes the gate.
    assert extract_phone("call me on 4002", "NU") == "+6834002"
    assert extract_phone("+683 7290", "GB") == "+6837290"


CONTACT_FORM_7 = (
    "From: Daniel Kerr <daniel.kerr@example.com>\n"
    "Subject: Counselling enquiry\n"
    "\n"
    "Message Body:\n"
    "Hi, I'd like to find out about starting counselling.\n"
    "Do you have any availability?\n"
    "\n"
    "-- \n"
    "This e-mail was sent from a contact form on Ruth Ellison Counselling"
    " (https://example.co.uk)\n"
)


@pytest.mark.parametrize(
    "footer",
    [
        "This e-mail was sent from a contact form on Ruth Ellison Counselling",
        "This mail is sent via contact form on Ruth Ellison Counselling",
    ],
)
def test_contact_form_7s_default_mail_is_read_as_a_form(footer: str) -> None:
    """WordPress Contact Form 7's default layout puts the person on a
    "From:" line and their words under "Message Body:"."""
    text = CONTACT_FORM_7.replace(
        "This e-mail was sent from a contact form on Ruth Ellison Counselling", footer
    )
    assert extract_form_submission(text) == {
        "name": "Daniel Kerr",
        "email": "daniel.kerr@example.com",
        "subject": "Counselling enquiry",
        "message": "Hi, I'd like to find out about starting counselling.\n"
        "Do you have any availability?",
    }


def test_a_from_line_without_contact_form_7s_footer_is_no_form() -> None:
    """Anywhere else a "From:" line is a forwarded or quoted mail's header."""
    forwarded = CONTACT_FORM_7.split("-- \n")[0]
    assert "email" not in extract_form_submission(forwarded)
    assert "name" not in extract_form_submission(forwarded)
