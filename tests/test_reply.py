"""Tests for mailflow.reading.reply, .therapist and .quoting: new words of a reply, the person's pick, the therapist's decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from time import thread_time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SHARED_FIXTURES, absent

from mailflow.model import (
    DayPart,
    Decision,
    PersonReply,
    Preference,
    ReplyKind,
    Slot,
    TherapistReply,
    WallTime,
)
from mailflow.reading.extract import extract_preference
from mailflow.reading.parse import parse_mail
from mailflow.reading.quoting import new_words
from mailflow.reading.reply import read_person_reply
from mailflow.reading.therapist import read_offer_answer, read_therapist_reply

FIXTURES = SHARED_FIXTURES
LONDON = ZoneInfo("Europe/London")
MORNING, EVENING = DayPart.MORNING, DayPart.EVENING
PERSON_ZONE = timezone(timedelta(hours=-5))
ZONES = (LONDON, PERSON_ZONE)


def _slot(year: int, month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


# Europe/London leaves BST on 2026-10-25: slot 1 is at UTC+1, the rest at UTC+0.
OFFERED = (
    _slot(2026, 10, 22, 13),  # 1: Thu 13:00 BST = 12:00Z = Thu 07:00 in UTC-5
    _slot(2026, 10, 26, 9),  # 2: Mon 09:00 GMT = 09:00Z = Mon 04:00 in UTC-5
    _slot(2026, 10, 27, 10, 30),  # 3: Tue 10:30 GMT = Tue 05:30 in UTC-5
    _slot(2026, 10, 27, 13),  # 4: Tue 13:00 GMT = Tue 08:00 in UTC-5
    _slot(2026, 12, 1, 9),  # 5: Tue 1 December 09:00 GMT = 04:00 in UTC-5
)


def person(text: str, offered: tuple[Slot, ...] = OFFERED) -> PersonReply:
    return read_person_reply(text, offered=offered, zones=ZONES, region="GB")


def test_offered_slots_straddle_the_dst_change() -> None:
    assert OFFERED[0].start_at.astimezone(LONDON).utcoffset() == timedelta(hours=1)
    assert OFFERED[1].start_at.astimezone(LONDON).utcoffset() == timedelta(0)
    assert OFFERED[0].start_at.hour == 12  # 13:00 BST in UTC


# --- new words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Gmail, one line and wrapped
        (
            "2 please\n\nOn Tue, 20 Oct 2026 at 09:12, Riverside Counselling "
            "<hello@riverside.example> wrote:\n\n> Hello Jordan,\n> 1. Thursday",
            "2 please",
        ),
        (
            "2 please\n\nOn Tue, 20 Oct 2026 at 09:12, Riverside Counselling <\n"
            "hello@riverside.example> wrote:\n> Hello",
            "2 please",
        ),
        (
            "2 please\nOn Tue, 20 Oct 2026 at 09:12, Riverside Counselling\n"
            "<hello@riverside.example> wrote:\n> Hello",
            "2 please",
        ),
        # Apple Mail / iPhone, quoted header and header split over two lines
        (
            "Option 3\n\n> On 20 Oct 2026, at 09:12, Riverside <hello@x.example> wrote:\n"
            ">\n> Hello",
            "Option 3",
        ),
        (
            "Thanks!\n\nOn 24 Jul 2013, at 15:58, Sam Rivera <hello@x.example>\nwrote:\n\n"
            "Hello Jordan",
            "Thanks!",
        ),
        # Outlook desktop and web
        (
            "Tuesday works\n\n________________________________\n"
            "From: Riverside <hello@x.example>\nSent: 20 October 2026 09:12\n"
            "To: Jordan\nSubject: Your call\n\nHello Jordan",
            "Tuesday works",
        ),
        (
            "2\r\n\r\nFrom: Riverside Counselling <hello@x.example>\r\n"
            "Sent: Tuesday, October 20, 2026 9:12 AM\r\nTo: Jordan <j@x.example>\r\n"
            "Subject: RE: call\r\n\r\nHello",
            "2",
        ),
        (
            "*From:* Riverside <hello@x.example>\n*Sent:* Tuesday\n*To:* Jordan\n"
            "*Subject:* call",
            "",
        ),
        (
            "Monday\n\nFrom: Riverside <hello@x.example> Sent: Tuesday, 20 October 2026"
            " 09:12 To: Jordan Subject: Your call\nHello Jordan",
            "Monday",
        ),
        (
            "3\n\n-----Original Message-----\nFrom: Riverside\nSent: today\nHello",
            "3",
        ),
        (
            "3 thanks\n\n----- Original Message -----\nFrom: hello@x.example\n"
            "To: j@x.example\nSent: Monday\nSubject: Test\n\nHi",
            "3 thanks",
        ),
        # other languages
        (
            "Nummer 2 bitte\n\nAm Di., 20. Okt. 2026 um 09:12 Uhr schrieb Riverside "
            "Counselling <\nhello@riverside.example>:\n\n> Hallo",
            "Nummer 2 bitte",
        ),
        (
            "Passt\n\nVon: Riverside <hello@x.example>\nGesendet: Dienstag, 20. Oktober"
            " 2026 09:12\nAn: Jordan\nBetreff: Termin\n\nHallo",
            "Passt",
        ),
        (
            "Le 2 me convient\n\nLe mar. 20 oct. 2026 à 09:12, Riverside Counselling "
            "<hello@x.example> a écrit :\n\n> Bonjour",
            "Le 2 me convient",
        ),
        (
            "Optie 2 graag\n\nOp di 20 okt. 2026 om 09:12 schreef Riverside Counselling"
            " <hello@x.example>:\n\n> Hallo",
            "Optie 2 graag",
        ),
        (
            "La 2, gracias\n\nEl mar, 20 oct 2026 a las 9:12, Riverside Counselling "
            "(<hello@x.example>) escribió:\n\n> Hola",
            "La 2, gracias",
        ),
        (
            "Va bene la 2\n\nIl giorno mar 20 ott 2026 alle ore 09:12 Riverside "
            "<hello@x.example> ha scritto:\n\n> Ciao",
            "Va bene la 2",
        ),
        (
            "Вариант 2\n\n20 окт. 2026 г., в 9:12, Riverside <hello@x.example> "  # noqa: RUF001 (Cyrillic on purpose)
            "написал(а):\n\n> Здравствуйте",  # noqa: RUF001 (Cyrillic on purpose)
            "Вариант 2",
        ),
        # signatures
        ("2 please\n\nSent from my iPhone", "2 please"),
        ("2\n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "2"),
        ("Option 1\n-- \nJordan Smith\nTel 07700 900123", "Option 1"),
        ("Thursday at 1pm\n\nVon meinem iPhone gesendet", "Thursday at 1pm"),
        ("2\n\nEnvoyé de mon iPhone", "2"),
        ("2\n\nEnviado desde mi iPhone", "2"),
        ("2\n\nSent from Yahoo Mail for iPhone", "2"),
        # bottom and inline posting keep the unmarked lines
        (
            "On 20 Oct 2026, at 09:12, Riverside <hello@x.example> wrote:\n"
            "> Which suits?\n> 1. Thursday\n> 2. Monday\n\n2 please\n\n> Best wishes",
            "2 please",
        ),
        ("> 1. Thursday\n> 2. Monday\nMonday please\n> 3. Tuesday", "Monday please"),
        # only history, or a forward without a word of one's own
        ("On 20 Oct 2026, Riverside <hello@x.example> wrote:\n> hi", ""),
        ("---------- Forwarded message ---------\nFrom: a@b.example\nDate: x", ""),
        ("> quoted only\n> more", ""),
        ("", ""),
        # the sender's words on the same line as the header
        (
            "Sounds good, 2 please. On Tue, 20 Oct 2026, Riverside <hello@x.example> "
            "wrote:\n> hi",
            "Sounds good, 2 please.",
        ),
    ],
)
def test_new_words_drops_history_and_signature(text: str, expected: str) -> None:
    assert new_words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "From: Jordan\nI'd like option 2",  # a "From:" line alone is no header block
        "As I wrote: option 2 please",
        "I wrote:\n2 please",  # no date, no address: not a quote header
        "Hi Sam,\nThank you, 2 works for me.\n\nJordan",
        "Hello\n- Tuesday at 10:30 works\n- or Thursday",
        "Best,\nJordan\n\n2",
        "Mornings are best; before that I was on the 07:30 train",
    ],
)
def test_new_words_keeps_the_persons_own_lines(text: str) -> None:
    assert new_words(text) == text


# The first line of the person's words in each real reply (and what must go).
FIXTURE_FIRST_LINES = {
    "discourse_android_gmail.eml": "### this is a reply from Android 5 gmail",
    "discourse_big5.eml": "媽！我上電視了！",  # noqa: RUF001 (full-width marks on purpose)
    "discourse_chinese_reply.eml": "您好！ 你今天好吗？",  # noqa: RUF001 (full-width marks on purpose)
    "discourse_dmarc_fail.eml": "Hey, this is a topic from an existing user ;)",
    "discourse_dutch.eml": "Dit is een antwoord in het Nederlands.",
    "discourse_encoding_undefined_conversion.eml": "It is more fun with more people.",
    "discourse_exchange_html_reply.eml": "This is the body !! of the email.",
    "discourse_gmail_html_reply.eml": "This is a GMAIL reply ;)",
    "discourse_gmail_web.eml": "### This is a reply from standard GMail in Google Chrome.",
    "discourse_hebrew_reply.eml": "שלום! מה שלומך היום?",
    "discourse_html_only.eml": "The EC2 instance - I've seen that there tends to be",
    "discourse_html_reply.eml": "This is a HTML reply ;)",
    "discourse_inline_reply.eml": "The quick brown fox jumps over the lazy dog.",
    "discourse_ios_default.eml": "### this is a reply from iOS default mail",
    "discourse_iphone_signature.eml": "This is not the signature you're looking for.",
    "discourse_missing_message_id.eml": "",
    "discourse_multiline_wrote.eml": "Thanks!",
    "talon_android.eml": "Hello",
    "talon_aol.eml": "Hello",
    "talon_apple_mail.eml": "Hello",
    "talon_apple_mail_2.eml": "Hello",
    "talon_comcast.eml": "Hello",
    "talon_gmail.eml": "Hello",
    "talon_hotmail.eml": "Hello",
    "talon_iphone.eml": "Hello",
    "talon_outlook.eml": "Hello",
    "talon_sparrow.eml": "Hello",
    "talon_thunderbird.eml": "Hello",
    "talon_yahoo.eml": "Hello",
}
HISTORY_MARKERS = (
    "wrote:",
    "Original Message",
    "schreef",
    "написал",
    "Sent from my",
    "Sent with Sparrow",
    "Sent:",
    "Subject:",
    "To respond, reply to this email",
    "Dit is de originele post",
    "Log in to our EC2 instance",
    "You look great today Walter",
)


@pytest.mark.parametrize(("name", "first_line"), sorted(FIXTURE_FIRST_LINES.items()))
def test_new_words_on_real_replies(name: str, first_line: str) -> None:
    path = FIXTURES / "replies" / name
    if not path.is_file():
        absent(f"shared fixtures not present ({path})")
    words = new_words(parse_mail(path.read_bytes()).text)
    assert words.startswith(first_line)
    for marker in HISTORY_MARKERS:
        assert marker not in words
    assert not any(line.startswith(">") for line in words.splitlines())


def test_every_fixture_reply_is_covered() -> None:
    folder = FIXTURES / "replies"
    if not folder.is_dir():
        absent(f"shared fixtures not present ({folder})")
    assert {path.name for path in folder.glob("*.eml")} == set(FIXTURE_FIRST_LINES)


def test_talon_replies_are_exactly_the_new_words() -> None:
    folder = FIXTURES / "replies"
    if not folder.is_dir():
        absent(f"shared fixtures not present ({folder})")
    for path in sorted(folder.glob("talon_*.eml")):
        assert new_words(parse_mail(path.read_bytes()).text) == "Hello", path.name


# --- the person's reply ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2", 2),
        ("2.", 2),
        ("  2  ", 2),
        ("option 2", 2),
        ("Option 2 please", 2),
        ("#2", 2),
        ("# 2 thanks", 2),
        ("number 2 please", 2),
        ("Number two please", 2),
        ("the second one", 2),
        ("second", 2),
        ("Second please", 2),
        ("The second, please", 2),
        ("2nd", 2),
        ("2nd please", 2),
        ("the 2nd one", 2),
        ("Can we do the 2nd option?", 2),
        ("No. 2 works", 2),
        ("Option two", 2),
        ("option TWO", 2),
        ("I'll take 3", 3),
        ("I\u2019ll take 3", 3),
        ("Let's do 4", 4),
        ("3 works for me", 3),
        ("Hi Sam, 2 would be great, thanks!", 2),
        ("The first one please", 1),
        ("the first time works for me", 1),
        ("the last one", 5),
        ("1", 1),
        ("5", 5),
        ("Thanks Sam! Number 4 is perfect for me.", 4),
        ("I'd prefer option 2", 2),
        ("could we reschedule to option 3?", 3),
        ("2 doesn't work, but 3 does", 3),
        ("No need to cancel, 2 is fine", 2),
        ("I'll cancel my other plans so 2 works", 2),
        ("2 please, my number is 07700 900123", 2),
        ("Option 3\n\nSent from my iPhone", 3),
        ("Option 3 - Tuesday 27 October at 10:30", 3),
        # the offered line copied back, with both zones
        (
            "  3. Tuesday 27 October at 10:30 London time (GMT, UTC+0)\n"
            "     (5:30am your time, UTC-5)",
            3,
        ),
        (
            "  3. Tuesday 27 October at 10:30 London time (GMT, UTC+0)\n"
            "     5:30am your time (UTC-5)",
            3,
        ),
        # a day and time from the list, in the practice zone
        ("Tuesday 10:30", 3),
        ("tue at 1pm", 4),
        ("Tue 1 PM", 4),
        ("Thursday at 13:00", 1),
        ("Thursday 22 October at 1pm", 1),  # BST: 12:00 UTC
        ("the Thursday one", 1),
        ("Thursday please", 1),
        ("1 December at 9", 5),
        ("December 1st at 9am", 5),
        ("1st of December, 9:00", 5),
        ("1/12 at 9", 5),
        ("Monday at 9", 2),  # GMT now: 09:00 UTC
        ("Monday 26 October, 9am", 2),
        ("Mon 9:00", 2),
        ("Monday 9", 2),
        ("Monday morning", 2),
        ("Tuesday afternoon", 4),
        ("Tuesday 27th at 1pm", 4),
        ("10.30 on Tuesday works", 3),
        ("at 10:30 please", 3),
        ("13:00 on the 27th", 4),
        ("Tuesday at 1 o'clock", 4),
        # ... and in the person's own zone (UTC-5)
        ("Tuesday at 8am", 4),
        ("Thursday at 7am", 1),
        ("Tuesday 5:30am my time", 3),
        # one time turned down, another picked
        ("Tuesday doesn't work but Thursday at 1pm is fine", 1),
        ("I can't make Tuesday, but Thursday at 1pm works", 1),
        ("Not Monday. Tuesday at 1pm please", 4),
        ("I'm busy Monday but Tuesday at 10:30 is good", 3),
        # as people write them
        (
            "Hi Sam, thanks for getting back to me. Tuesday at 10.30 would be perfect."
            " My mobile is 07700 900123.",
            3,
        ),
        (
            "Thank you so much for getting back to me so quickly. I have had a look at"
            " my diary and I think the second time would suit me best, if that is"
            " still OK. Best wishes, Jordan",
            2,
        ),
        ("I work until 5 so only the Thursday one works", 1),
        ("I'd love the Thursday slot", 1),
        ("Hiya, Thursday 1pm is perfect x", 1),
        ("Yes, option 2 please", 2),
        ("No, 2 please", 2),
        ("3, thanks!", 3),
        ("I can do 2, and thank you", 2),
        ("2 (Monday)", 2),
        ("5 - 1st December", 5),
        ("Option 2 (Monday 26 October at 9am)", 2),
        ("Can you call me at 10:30 on Tuesday on 07700 900123", 3),
        ("Tuesday the 27th at 1", 4),
        ("Tues @ 1pm", 4),
        ("I'll go for the 10:30 on Tuesday", 3),
        ("1pm on Tuesday if that's still available", 4),
        ("The earliest one please", 1),  # the earliest in time
    ],
)
def test_person_picks(text: str, choice: int) -> None:
    assert person(text) == PersonReply(
        ReplyKind.PICK, choice=choice, phone=_phone(text)
    )


def _phone(text: str) -> str | None:
    return "+447700900123" if "07700 900123" in text else None


@pytest.mark.parametrize(("text", "weekday"), [("Wednesday", 2), ("Friday at 3pm", 4)])
def test_a_day_not_offered_brings_fresh_times_on_that_day(
    text: str, weekday: int
) -> None:
    reply = person(text)
    assert (reply.kind, reply.choice) == (ReplyKind.NONE_FIT, None)
    assert reply.preference.weekdays == frozenset({weekday})


@pytest.mark.parametrize(
    "text",
    [
        "2 or 3",
        "either 2 or 3",
        "2/3",
        "option 2 or option 4",
        "1 and 2 both work",
        "2, 3",
        "option 7",
        "0",
        "6",
        "#12",
        "the sixth one",
        "Tuesday",  # three Tuesdays offered
        "at 9",  # slots 2 and 5
        "Tuesday morning",  # slots 3 and 5
        "1 December at 10",
        "Tuesday at 10:30 or Thursday at 1pm",
        "2 - Thursday at 1pm",  # number and time disagree
        "the 2nd",  # a date or the second time?
        "any of them is fine",
        "either works",
        "Yes please!",  # yes to which?
        "2 please. None of these really work though",
        "I need to cancel, or maybe take 2",
        "2 if it's not too late",
        "I could do Monday or Tuesday",
        "Any time on Tuesday works",
        "Option 2 (Tuesday at 1pm)",
        "Can I do the 4th?",
        "hi, i can do number 3 or 4",
        "Either 3 or 4 is fine",
        "Is it possible to do 2 but 15 minutes later?",
        "Option 2 is the only one I can't do",
        "I'm away on the 27th",
        "I start work at 9 on Monday",
        "I'm away Monday and Thursday",
        "I'll take whichever is earliest",
        "Yes 2 works but could you ring me at 3 instead?",
    ],
)
def test_person_unclear(text: str) -> None:
    reply = person(text)
    assert reply.kind is ReplyKind.UNCLEAR
    assert reply.choice is None


@pytest.mark.parametrize(
    "text",
    [
        "none of these work",
        "None suit, sorry",
        "Neither",
        "I can't do any of those",
        "That doesn't work for me",
        "doesn't work for me",
        "I'm not available at those times",
        "Do you have anything in the evening?",
        "Mornings are better for me",
        "Do you have any other times?",
        "Are there any times next week?",
        "Wednesday would be better",
        "Sorry, none of those times suit me. After 5 would be better.",
        "Tuesday at 10:30 doesn't suit",
        "2 doesn't work for me",
        "Those are all too early for me",
        "I work 9 to 5 so none of those are possible, sorry",
    ],
)
def test_person_none_fit_carries_the_preference(text: str) -> None:
    reply = person(text)
    assert reply == PersonReply(ReplyKind.NONE_FIT, preference=extract_preference(text))


@pytest.mark.parametrize(
    ("text", "preference"),
    [
        ("Mornings are better for me", Preference(day_parts=frozenset({MORNING}))),
        ("Wednesday would be better", Preference(weekdays=frozenset({2}))),
        ("none of those suit, after 5 is better", Preference(earliest=time(17))),
        (
            "None work. Do you have any times in the evening?",
            Preference(day_parts=frozenset({EVENING})),
        ),
    ],
)
def test_person_none_fit_preference_examples(text: str, preference: Preference) -> None:
    assert person(text).preference == preference


@pytest.mark.parametrize(
    "text",
    [
        "I need to cancel",
        "please cancel",
        "Please cancel.",
        "I'd like to cancel",
        "I\u2019d like to cancel",
        "cancel the call",
        "Can you cancel my appointment please?",
        "Sorry, I have to cancel the call. I've found someone closer to home.",
        "CANCEL",
    ],
)
def test_person_cancels(text: str) -> None:
    assert person(text).kind is ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "can we move it?",
        "Could we reschedule?",
        "I can't make Tuesday",
        "I need to change the time",
        "Something came up, could we find another day?",
        "I won't be able to make it",
        "Would it be possible to postpone?",
    ],
)
def test_person_reschedules(text: str) -> None:
    assert person(text).kind is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        "Thank you!",
        "Thanks so much, what happens on the call?",
        "Is the call free?",
        "Hi Sam, I'm 34 and have 2 kids",
        "I've been feeling anxious for 3 years",
        "First, I wanted to say thank you",
        "Just a second, I'll check my diary",
        "For the first time in ages I feel hopeful",
        "My number is 07700 900123",
        "I have 2 questions before we book",
        "I'm 2 hours ahead of you",
        "I can only do the first week of November",
        "I'm in the second year of uni",
        "Not sure yet, I'll get back to you",
        "I sat down at last to write this",
        "I may have questions about fees",
        "> 2\n> option 3",
    ],
)
def test_person_other_is_never_a_guess(text: str) -> None:
    reply = person(text)
    assert reply.kind is ReplyKind.OTHER
    assert reply.choice is None


def test_phone_given_in_passing_is_kept_with_any_kind() -> None:
    assert person("My number is 07700 900123").phone == "+447700900123"
    assert person("none of these, call me on 07700 900123").phone == "+447700900123"
    assert person("2 please, ring 07700 900123").choice == 2
    assert person("2 please").phone is None


def test_a_single_offered_time_is_picked_by_yes() -> None:
    one = (OFFERED[2],)
    assert person("Yes, that's great", one) == PersonReply(ReplyKind.PICK, choice=1)
    assert person("That works for me, thanks", one).choice == 1
    assert person("Yes but I can't do mornings", one).kind is ReplyKind.NONE_FIT
    assert person("Yes please", one[:0]).kind is ReplyKind.UNCLEAR


def test_person_reply_reads_past_quoted_history() -> None:
    text = (
        "Tuesday at 1pm please\n\nOn Tue, 20 Oct 2026 at 09:12, Riverside "
        "<hello@x.example> wrote:\n> 1. Thursday 22 October at 13:00\n> 2. Monday"
    )
    assert person(text).choice == 4


def test_day_and_time_only_match_in_one_zone_at_a_time() -> None:
    # Monday 04:00 exists only in UTC-5, Monday 09:00 only in London: "Monday at 4"
    # must not borrow the weekday from one zone and the hour from the other.
    assert person("Monday at 4am").choice == 2
    assert person("Monday at 4:00").choice == 2
    assert person("Thursday at 12:00").kind is ReplyKind.UNCLEAR  # 12:00 only in UTC


def test_instants_no_zone_can_show_match_nothing() -> None:
    first = datetime(1, 1, 1, tzinfo=UTC)
    edge = (Slot(first, first + timedelta(minutes=15)),)
    assert person("Monday at 9", edge).kind is ReplyKind.UNCLEAR
    assert therapist("tomorrow at 3?", today=date.max).decision is Decision.UNCLEAR


def test_no_zones_or_no_slots_never_picks() -> None:
    assert read_person_reply("2", offered=(), zones=ZONES, region="GB").kind is (
        ReplyKind.UNCLEAR
    )
    reply = read_person_reply("Tuesday 10:30", offered=OFFERED, zones=(), region="GB")
    assert reply.kind is ReplyKind.UNCLEAR


def test_us_region_reads_month_first() -> None:
    reply = read_person_reply("12/1 at 9", offered=OFFERED, zones=ZONES, region="US")
    assert reply.choice == 5


# --- the therapist's reply ---------------------------------------------------------

TODAY = date(2026, 10, 20)


def therapist(text: str, today: date = TODAY) -> TherapistReply:
    return read_therapist_reply(text, today=today)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes",
        "YES!",
        "approve",
        "approved",
        "Approved.",
        "ok",
        "OK",
        "okay",
        "fine",
        "confirm",
        "Confirmed",
        "\U0001f44d",
        "\U0001f44d\U0001f3fd",
        "yes please",
        "Yes please!",
        "No problem, approved",
        "Sure, go ahead",
        "Yes\n\nSam",
        "yes\n\nOn 20 Oct 2026, at 10:00, Riverside <hello@x.example> wrote:\n"
        "> Reply no to decline",
        "Yes\n\nSent from my iPhone",
    ],
)
def test_therapist_approves(text: str) -> None:
    assert therapist(text) == TherapistReply(Decision.APPROVE)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("no", ""),
        ("No", ""),
        ("No.", ""),
        ("Nope", ""),
        ("decline", ""),
        ("declined", ""),
        ("Declined", ""),
        ("can't do that", ""),
        ("I can't do that", ""),
        (
            "No \u2014 sorry, I'm away that day. Could you pick another?",
            "sorry, I'm away that day. Could you pick another?",
        ),
        ("No, sorry, I'm away that day.", "sorry, I'm away that day."),
        ("No - sorry, I'm away that day.", "sorry, I'm away that day."),
        ("Decline: I'm at a training all day.", "I'm at a training all day."),
        ("No\n\nSorry, I'm away that week.", "Sorry, I'm away that week."),
        # speaking of them, not to them: the therapist's words stay with them
        ("No, I'm away on Thursday. Could they pick another day?", ""),
        (
            "Sorry, I can't do that one, I'm with another client.",
            "Sorry, I can't do that one, I'm with another client.",
        ),
        ("Decline - already have someone at 10", "already have someone at 10"),
        ("Not this one, sorry", "Not this one, sorry"),
        ("Can't, sorry", ""),
        ("Sorry, no.", ""),
        ("No, sorry!", ""),
    ],
)
def test_therapist_declines_with_a_note(text: str, note: str) -> None:
    assert therapist(text) == TherapistReply(Decision.DECLINE, note=note)


@pytest.mark.parametrize(
    ("text", "proposed"),
    [
        ("could we do Thursday at 2?", WallTime(time(14), weekday=3)),
        ("Thu 14:00 instead", WallTime(time(14), weekday=3)),
        ("Thursday at 2pm?", WallTime(time(14), weekday=3)),
        ("how about 3 December at 10:30", WallTime(time(10, 30), on=date(2026, 12, 3))),
        (
            "How about December 3rd at 10.30?",
            WallTime(time(10, 30), on=date(2026, 12, 3)),
        ),
        ("no, but Monday at 9 works", WallTime(time(9), weekday=0)),
        ("yes but not at 10, how about 11", WallTime(time(11))),
        ("Could we make it 4pm on Friday instead?", WallTime(time(16), weekday=4)),
        ("How about tomorrow at 3?", WallTime(time(15), on=date(2026, 10, 21))),
        ("What about the 3rd at 10am?", WallTime(time(10), on=date(2026, 11, 3))),
        ("Thursday 3 December at 10?", WallTime(time(10), on=date(2026, 12, 3))),
        ("Can't do Tuesday. Wednesday at 11:30?", WallTime(time(11, 30), weekday=2)),
        ("Could we do 20 October at 17:00?", WallTime(time(17), on=date(2026, 10, 20))),
        ("No, I have a client at 10. Could we do 11 instead?", WallTime(time(11))),
        ("ok but could we do 2pm instead", WallTime(time(14))),
        ("Sure, but how about 11?", WallTime(time(11))),
        ("Thursday 2pm", WallTime(time(14), weekday=3)),
        (
            "Sorry, can't do Tuesdays any more - could they do Thursday 3pm?",
            WallTime(time(15), weekday=3),
        ),
    ],
)
def test_therapist_proposes_another_time(text: str, proposed: WallTime) -> None:
    assert therapist(text) == TherapistReply(Decision.PROPOSE, proposed=proposed)


def test_therapist_dates_roll_to_next_year_once_passed() -> None:
    reply = therapist("how about 3 December at 10:30", today=date(2026, 12, 10))
    assert reply.proposed == WallTime(time(10, 30), on=date(2027, 12, 3))
    leap = therapist("29 February at 10 instead?", today=date(2026, 10, 20))
    assert leap.proposed == WallTime(time(10), on=date(2028, 2, 29))


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("cancel", ""),
        ("Cancel", ""),
        ("cancel it", ""),
        ("please cancel the call", ""),
        ("Please cancel the call.", ""),
        # about them, not to them: cancelled, the words are not passed on
        (
            "Please cancel the call - they emailed to say they found someone closer.",
            "",
        ),
    ],
)
def test_therapist_cancels(text: str, note: str) -> None:
    assert therapist(text) == TherapistReply(Decision.CANCEL, note=note)


@pytest.mark.parametrize(
    "text",
    [
        "no show",
        "No-show",
        "No show.",
        "noshow",
        "they didn't answer",
        "They didn't pick up",
        "didn't pick up",
        "No answer when I rang twice",
        "They did not answer",
        "They never picked up",
        "she didn't turn up",
    ],
)
def test_therapist_no_show(text: str) -> None:
    assert therapist(text) == TherapistReply(Decision.NO_SHOW)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hmm",
        "maybe",
        "Who is this?",
        "let me think",
        "yes - no, wait, decline",
        "Yes and no",
        "could we do Thursday?",  # which time?
        "yes, 10:30 is fine",  # the held time restated, or a new one?
        "Thursday at 2 or Friday at 3?",
        "don't cancel",
        "not ok",
        "Monday 9?",  # the 9th, or 9 o'clock?
        "Tuesday 3 December at 10",  # 3 December 2026 is a Thursday
        "31 November at 10?",
        "yes, cancel it",
        "> yes\n> approved",
        "Approved, and please note the call is at 2pm their time",
        "Yes, but I need to check my diary first",
        "ok, let me check",
        "Approve; if she doesn't answer I'll email her",
        "Ok, but only if they're happy with a short call",
    ],
)
def test_therapist_unclear_acts_on_nothing(text: str) -> None:
    assert therapist(text) == TherapistReply(Decision.UNCLEAR)


def test_therapist_note_is_trimmed_and_bounded() -> None:
    # A note written to the person (a bare reason cut mid-word is no longer
    # only a reason, and is not passed on).
    reply = therapist("No.   " + "Sorry, you'll need another day. " * 400)
    assert reply.decision is Decision.DECLINE
    assert reply.note.startswith("Sorry, you'll need another day.")
    assert len(reply.note) <= 2000
    assert reply.note == reply.note.strip()


# --- properties -----------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "2", "option", "#", "No.", "the", "second", "one", "Tuesday", "tue", "at",
        "10:30", "1pm", "13:00", "1", "December", "none", "of", "these", "cancel",
        "reschedule", "can't", "make", "but", "or", "and", "yes", "no", "approve",
        "decline", "how about", "instead", "?", ".", ",", "\n", "> ", "wrote:",
        "On 3 Mar 2026, Sam <a@b.example>", "-- ", "Sent from my iPhone",
        "07700 900123", "the 2nd", "Thursday one", "morning", "UTC-5", "\u2014",
        "tomorrow", "29 February", "31/12", "12", "99", "last", "any", "\U0001f44d",
    ]
)  # fmt: skip
SOUP = st.lists(WORDS, max_size=30).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=400), SOUP)
SLOTS = st.lists(
    st.datetimes(
        min_value=datetime(2000, 1, 2),  # noqa: DTZ001 (hypothesis takes naive bounds)
        max_value=datetime(2099, 12, 30),  # noqa: DTZ001 (hypothesis takes naive bounds)
        timezones=st.just(UTC),
    ).map(lambda at: Slot(at, at + timedelta(minutes=15))),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(text=ANY_TEXT)
def test_new_words_never_raises_and_never_grows(text: str) -> None:
    words = new_words(text)
    assert len(words) <= len(text)


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT, offered=SLOTS)
def test_person_reply_never_raises_and_picks_within_the_offer(
    text: str, offered: list[Slot]
) -> None:
    reply = read_person_reply(text, offered=offered, zones=ZONES, region="GB")
    assert isinstance(reply.kind, ReplyKind)
    if reply.kind is ReplyKind.PICK:
        assert reply.choice is not None
        assert 1 <= reply.choice <= len(offered)
    else:
        assert reply.choice is None


@settings(max_examples=200, deadline=None)
@given(
    text=ANY_TEXT,
    today=st.one_of(st.dates(), st.sampled_from([date.min, date.max])),
)
def test_therapist_reply_never_raises(text: str, today: date) -> None:
    reply = read_therapist_reply(text, today=today)
    assert (reply.proposed is not None) == (reply.decision is Decision.PROPOSE)
    if reply.proposed is not None and reply.proposed.on is not None:
        assert reply.proposed.on >= today
    if reply.decision not in {Decision.DECLINE, Decision.CANCEL}:
        assert reply.note == ""


HOSTILE = [
    "On " + "a " * 20_000 + "wrote:",
    ("On 3 Mar 2026 " + "x" * 300 + "\n") * 2_000,
    "From: x\n" * 5_000,
    "2 or " * 5_000,
    "Tuesday at 10:30 " * 2_000,
    "> " * 30_000,
    "\n" * 60_000,
    "x: \n" * 20_000,
    "2, " * 3_000,
    "1 2 3 4 5 6 7 8 9 " * 500,
    "Tuesday, Monday, " * 600,
    ("schrieb " * 60 + ":\n") * 200,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_stays_fast(text: str) -> None:
    """Every pattern runs on bounded text: no input takes quadratic time (a
    loose bound, so a busy machine cannot fail it)."""
    for read in (new_words, person, therapist):
        read("Yes Tuesday is fine, thanks.")  # built once a process: not what is timed
        started = (
            thread_time()
        )  # this thread's CPU: neither the machine nor the in-process servers
        read(text)
        assert thread_time() - started < 1.5


@pytest.mark.parametrize(
    "text",
    [
        "offer",
        "Offer",
        "offer please",
        "yes, offer",
        "please send them times",
        "OK offer x",
    ],
)
def test_offer_answer_sends_times_only_on_a_plain_offer(text: str) -> None:
    assert read_offer_answer(text).decision is Decision.OFFER


@pytest.mark.parametrize(
    "text",
    [
        "OK, I'll reply myself",
        "Sure, leave it with me",
        "yes it's a colleague, leave it",
        "Okay thanks, I know her, I'll call",
        "no",
        "don't offer",
        "offer? no, wait",
        "not this one",
    ],
)
def test_offer_answer_stands_down_on_anything_against_it(text: str) -> None:
    assert read_offer_answer(text).decision is Decision.DECLINE


@pytest.mark.parametrize("text", ["", "thanks", "who is this?", "yes"])
def test_offer_answer_does_nothing_when_unclear(text: str) -> None:
    assert read_offer_answer(text).decision is Decision.UNCLEAR


@pytest.mark.parametrize("text", ["Y", "y", "Y.", "Y\n\nSam"])
def test_a_lone_y_from_the_therapist_approves(text: str) -> None:
    """The shorthand of a busy phone: "Y" on its own line, nothing else."""
    assert therapist(text).decision is Decision.APPROVE


# --- harm: ordinary words that must never cancel, withdraw or book (#10 review) ---

BOOKED_SLOT = (OFFERED[1],)


@pytest.mark.parametrize(
    "text",
    [
        "No need to cancel, I'll be there",
        "Don't cancel! I'll be there.",
        "I won't cancel, don't worry",
        "Great, see you then. I'll be in touch if anything changes",
        "Please ignore my last email, see you Tuesday as planned",
        "No need for a reminder, see you Tuesday",
        "Perfect. Don't call me before 9:30 please",
        "Lovely, please don't ring on my work number",
        "I nearly decided not to go ahead, but I'm glad I did",
        "I've got to drop out of a work meeting to do this",
    ],
)
def test_ordinary_words_after_booking_never_cancel(text: str) -> None:
    from mailflow.reading.followup import read_booked_reply

    reply = read_booked_reply(text, offered=(), zones=ZONES, region="GB")
    assert reply.kind is not ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "I'll get back to you later today once I've checked my diary",
        "Thanks for these. I'll be in touch when I've checked with work",
        "I'm not ready to book until next week",
        "I'm not ready to talk in the mornings, anything in the evening?",
        "I can't afford to take time off in the day, anything in the evening?",
        "Please ignore my last email, I meant to say none of these work",
    ],
)
def test_ordinary_words_before_booking_never_withdraw(text: str) -> None:
    assert person(text).kind is not ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "Please cancel, I've found someone else instead",
        "I need to cancel - I got therapy through work instead",
    ],
)
def test_a_cancel_beside_a_move_word_is_asked_about_never_a_move(text: str) -> None:
    from mailflow.reading.followup import read_booked_reply

    reply = read_booked_reply(text, offered=(), zones=ZONES, region="GB")
    assert reply.kind in {ReplyKind.CANCEL, ReplyKind.UNCLEAR}


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday is fine but not before 11",
        "Tuesday, but I can't do before 11",
        "I'm free after 3 on Tuesday",
        "Tuesday please, though I don't get home till 7",
        "Tuesday works, I'll be on my lunch break",
        "El martes no puedo",
        "Dienstag kann ich leider nicht",
        "¿tienen algo el 3 de diciembre?",
        "tengo 3 hijos y trabajo mucho",
    ],
)
def test_a_pick_whose_words_say_otherwise_is_never_booked(text: str) -> None:
    # OFFERED 3 is Tuesday 10:30: every one of these rules it out or is unclear
    reply = person(text)
    assert reply.kind is not ReplyKind.PICK or reply.choice not in {3, 4}


@pytest.mark.parametrize(
    "text",
    [
        "No - she's my neighbour's daughter, not appropriate.",
        "Decline please - he wants in-person sessions and I'm online only.",
        "No. Her ex-husband is a client of mine.",
    ],
)
def test_a_note_about_the_person_is_never_passed_on(text: str) -> None:
    reply = therapist(text)
    assert reply.note == ""


@pytest.mark.parametrize(
    "text",
    [
        "No, not a no-show - the call happened",
        "She didn't pick up, I'll try again tomorrow",
    ],
)
def test_a_call_that_was_not_missed_is_no_no_show(text: str) -> None:
    assert therapist(text).decision is not Decision.NO_SHOW


def test_a_cancel_note_keeps_only_the_therapists_words() -> None:
    reply = therapist("Please cancel this one - I'm unwell")
    assert reply.note == "I'm unwell"


@pytest.mark.parametrize(
    "text",
    [
        "offer later",
        "offer next week",
        "offer? what is this",
        "offer and tell them I'm away",
    ],
)
def test_offer_answer_with_more_to_it_does_nothing(text: str) -> None:
    assert read_offer_answer(text).decision is Decision.UNCLEAR


def test_what_a_reply_rules_out_is_read_as_days() -> None:
    from mailflow.reading.picking import exclusions

    today = date(2026, 10, 21)  # a Wednesday
    week = (OFFERED[0],)  # Thursday 22 October
    assert exclusions("not tomorrow please", today, week, LONDON) == (
        None,
        frozenset({date(2026, 10, 22)}),
    )
    monday_after = date(2026, 10, 26)
    for text in (
        "i'm away that whole week, sorry",
        "that week is chaos",
        "could we look at the following week?",
    ):
        assert exclusions(text, today, week, LONDON) == (monday_after, frozenset())
    assert exclusions("later in the week", today, week, LONDON)[0] == date(2026, 10, 23)
    assert exclusions("i'm away until the 29th", today, week, LONDON)[0] == date(
        2026, 10, 29
    )
    assert exclusions("thursday works", today, week, LONDON) == (None, frozenset())


def test_none_of_these_with_a_week_away_carries_it_into_the_preference() -> None:
    reply = read_person_reply(
        "I'm travelling that week, could you send some times for the week after?",
        offered=OFFERED[:1],
        zones=ZONES,
        region="GB",
        today=date(2026, 10, 21),
    )
    assert reply.kind is ReplyKind.NONE_FIT
    assert reply.preference.not_before == date(2026, 10, 26)
