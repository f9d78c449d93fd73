"""mailflow.writing.calendar: invitations built and read back by two parsers; iTIP read from mail."""

from __future__ import annotations

import email
import unicodedata
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SHARED_FIXTURES, absent

from mailflow.model import Attendee, CalendarMessage
from mailflow.writing import calendar

FIXTURES = SHARED_FIXTURES
IMIP = FIXTURES / "imip"
LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON)
UID = "mf-42-booking@riverside.example"
ORGANIZER = "hello+bookings@riverside.example"
ATTENDEE = "jordan.lee@example.org"


def build(**overrides: Any) -> bytes:
    """A REQUEST for a 15-minute call; any argument can be overridden."""
    arguments: dict[str, Any] = {
        "method": "REQUEST",
        "uid": UID,
        "sequence": 0,
        "stamp": STAMP,
        "start_at": START,
        "end_at": START + timedelta(minutes=15),
        "organizer_email": ORGANIZER,
        "organizer_name": "Riverside Therapy",
        "attendee_email": ATTENDEE,
        "attendee_name": "Jordan Lee",
        "summary": "Free 15-minute call with Sam",
        "description": "Sam will phone you on +44 7700 900123.",
        "zone_name": "Europe/London",
    }
    arguments.update(overrides)
    return calendar.build_calendar(**arguments)


def ical_event(data: bytes) -> tuple[Any, Any]:
    """Calendar and its one VEVENT, as Any: icalendar types `c[name]` as a wide union."""
    parsed = icalendar.Calendar.from_ical(data)
    assert isinstance(parsed, icalendar.Calendar)
    events = parsed.walk("VEVENT")
    assert len(events) == 1
    return parsed, events[0]


def vobject_event(data: bytes) -> tuple[Any, Any]:
    parsed = vobject.readOne(data.decode("utf-8"))
    assert len(parsed.contents["vevent"]) == 1
    return parsed, parsed.vevent


def unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


# --- building: every field, in two independent parsers ----------------------------


@pytest.mark.parametrize(
    ("method", "status"),
    [("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED"), ("PUBLISH", "CONFIRMED")],
)
def test_built_calendar_reads_back_in_icalendar(method: str, status: str) -> None:
    attendee = None if method == "PUBLISH" else ATTENDEE
    data = build(method=method, sequence=3, attendee_email=attendee)
    parsed, event = ical_event(data)

    assert parsed["PRODID"] == calendar.PRODID == "-//mailflow//mailflow//EN"
    assert parsed["VERSION"] == "2.0"
    assert parsed["CALSCALE"] == "GREGORIAN"
    assert parsed["METHOD"] == method
    assert "UID" not in parsed  # no RFC 7986 calendar UID from uuid4
    assert event["UID"] == UID
    assert event["SEQUENCE"] == 3
    assert event["DTSTAMP"].dt == STAMP
    assert event["DTSTART"].dt == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert event["DTEND"].dt == datetime(2026, 10, 26, 9, 15, tzinfo=UTC)
    assert event["STATUS"] == status
    assert event["TRANSP"] == "OPAQUE"
    assert event["SUMMARY"] == "Free 15-minute call with Sam"
    assert event["DESCRIPTION"] == "Sam will phone you on +44 7700 900123."
    assert event["ORGANIZER"] == f"mailto:{ORGANIZER}"
    assert event["ORGANIZER"].params["CN"] == "Riverside Therapy"
    assert not parsed.walk("VTIMEZONE")
    if method == "PUBLISH":
        assert "ATTENDEE" not in event  # RFC 5546 section 3.2.1
        (alarm,) = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
        assert alarm["DESCRIPTION"] == "Free 15-minute call with Sam"
    else:
        assert not event.walk("VALARM")  # no alarm in the person's invite
        attendee_prop = event["ATTENDEE"]
        assert attendee_prop == f"mailto:{ATTENDEE}"
        assert attendee_prop.params["CN"] == "Jordan Lee"
        assert attendee_prop.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee_prop.params["PARTSTAT"] == "NEEDS-ACTION"
        # RSVP only on REQUEST: a cancellation asks for no answer (#11).
        assert attendee_prop.params.get("RSVP") == (
            "TRUE" if method == "REQUEST" else None
        )


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
def test_built_calendar_reads_back_in_vobject(method: str) -> None:
    attendee = None if method == "PUBLISH" else ATTENDEE
    data = build(method=method, sequence=1, attendee_email=attendee)
    parsed, event = vobject_event(data)

    assert parsed.method.value == method
    assert parsed.prodid.value == calendar.PRODID
    assert parsed.version.value == "2.0"
    assert parsed.calscale.value == "GREGORIAN"
    assert event.uid.value == UID
    assert event.sequence.value == "1"
    assert event.dtstamp.value == STAMP
    assert event.dtstart.value == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert event.dtstart.value.utcoffset() == timedelta(0)
    assert event.dtend.value == datetime(2026, 10, 26, 9, 15, tzinfo=UTC)
    assert event.status.value == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    assert event.transp.value == "OPAQUE"
    assert event.summary.value == "Free 15-minute call with Sam"
    assert event.description.value == "Sam will phone you on +44 7700 900123."
    assert event.organizer.value == f"mailto:{ORGANIZER}"
    assert event.organizer.params["CN"] == ["Riverside Therapy"]
    if method == "PUBLISH":
        assert "attendee" not in event.contents
        assert event.valarm.action.value == "DISPLAY"
        assert event.valarm.trigger.value == timedelta(minutes=-15)
    else:
        assert "valarm" not in event.contents
        assert event.attendee.value == f"mailto:{ATTENDEE}"
        assert event.attendee.params["CN"] == ["Jordan Lee"]
        assert event.attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
        assert event.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
        assert event.attendee.params.get("RSVP") == (
            ["TRUE"] if method == "REQUEST" else None
        )


def test_wire_format_is_crlf_folded_utc_and_mailto_unencoded() -> None:
    data = build(
        attendee_name="Zoë Ångström-Þórsdóttir " * 6,
        description="Ich rufe Sie an. 📞 " * 30,
    )
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    data.decode("utf-8")  # folding never splits a UTF-8 sequence
    lines = unfolded_lines(data)
    assert "DTSTART:20261026T090000Z" in lines
    assert "DTEND:20261026T091500Z" in lines
    assert "DTSTAMP:20261001T120000Z" in lines
    organizer = next(line for line in lines if line.startswith("ORGANIZER"))
    assert organizer.endswith(":mailto:hello+bookings@riverside.example")
    assert "%40" not in organizer
    assert "%2B" not in organizer
    attendee = next(line for line in lines if line.startswith("ATTENDEE"))
    assert attendee.endswith(":mailto:jordan.lee@example.org")
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{calendar.PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
    ]


def test_text_is_escaped_and_round_trips() -> None:
    summary = r"Call; with Sam, \ free"
    description = "Line one, with; punctuation\\\r\nLine two\nLine three"
    data = build(
        summary=summary, description=description, attendee_name="Lee, Jordan; Jr"
    )
    lines = unfolded_lines(data)
    assert r"SUMMARY:Call\; with Sam\, \\ free" in lines
    assert r"DESCRIPTION:Line one\, with\; punctuation\\\nLine two\nLine three" in lines
    expected = "Line one, with; punctuation\\\nLine two\nLine three"
    _, event = ical_event(data)
    assert event["SUMMARY"] == summary
    assert event["DESCRIPTION"] == expected
    assert event["ATTENDEE"].params["CN"] == "Lee, Jordan; Jr"
    _, other = vobject_event(data)
    assert other.summary.value == summary
    assert other.description.value == expected
    assert other.attendee.params["CN"] == ["Lee, Jordan; Jr"]


def test_line_breaks_and_controls_in_names_cannot_break_the_structure() -> None:
    data = build(
        attendee_name='Jordan\r\nX-INJECTED:1\r\nEND:VEVENT\r\n"Lee"^\x00\u2028\u202e',
        organizer_name="Sam\nATTENDEE:mailto:evil@example.com",
        summary="Call\r\nBEGIN:VALARM",
        description="ok\x00\x1b[31m\r\nEND:VCALENDAR",
    )
    parsed, event = ical_event(data)
    assert [prop for prop, _ in event.property_items() if prop.startswith("X-")] == []
    assert isinstance(event["ATTENDEE"], icalendar.vCalAddress)  # exactly one
    assert event["ATTENDEE"].params["CN"] == "Jordan X-INJECTED:1 END:VEVENT 'Lee'"
    assert event["ORGANIZER"].params["CN"] == "Sam ATTENDEE:mailto:evil@example.com"
    assert event["SUMMARY"] == "Call BEGIN:VALARM"
    assert event["DESCRIPTION"] == "ok[31m\nEND:VCALENDAR"
    assert not event.walk("VALARM")
    assert [c.name for c in parsed.walk()] == ["VCALENDAR", "VEVENT"]
    vobject_event(data)


def test_text_is_bounded() -> None:
    data = build(
        attendee_name="J" * 1000,
        organizer_name="",
        summary="S" * 1000,
        description="D" * 10_000,
    )
    _, event = ical_event(data)
    assert event["ATTENDEE"].params["CN"] == "J" * calendar.MAX_NAME_CHARS
    assert event["ORGANIZER"].params["CN"] == ORGANIZER  # empty name: the address
    assert event["SUMMARY"] == "S" * calendar.MAX_SUMMARY_CHARS
    assert event["DESCRIPTION"] == "D" * calendar.MAX_DESCRIPTION_CHARS


def test_build_is_deterministic() -> None:
    assert build() == build()


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_at": datetime(2026, 10, 26, 9, 0)},  # noqa: DTZ001 - naive on purpose
        {"stamp": datetime(2026, 10, 1, 12, 0)},  # noqa: DTZ001 - naive on purpose
        {"end_at": START},
        {"end_at": START - timedelta(minutes=1)},
        {"sequence": -1},
        {"uid": ""},
        {"uid": "has space"},
        {"uid": "line\r\nbreak"},
        {"organizer_email": "not an address"},
        {"organizer_email": "a@b.org\r\nX: y"},
        {"attendee_email": "mailto:x@y.org"},
        {"attendee_email": None},
        {"method": "REPLY"},
        {"zone_name": "Mars/Olympus_Mons"},
        {"zone_name": "Europe"},
    ],
)
def test_build_refuses_bad_input(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        build(**overrides)


def test_update_and_cancel_keep_the_uid_and_bump_the_sequence() -> None:
    """Issue 4: a move is REQUEST with SEQUENCE + 1, a cancellation CANCEL with + 1."""
    moved = START + timedelta(days=1)
    update = build(sequence=1, start_at=moved, end_at=moved + timedelta(minutes=15))
    cancel = build(method="CANCEL", sequence=2)
    invited = (Attendee(ATTENDEE, "NEEDS-ACTION", "Jordan Lee"),)
    assert calendar.read_calendar(update) == CalendarMessage(
        method="REQUEST",
        uid=UID,
        sequence=1,
        attendee=ATTENDEE,
        start_at=datetime(2026, 10, 27, 9, 0, tzinfo=UTC),
        end_at=datetime(2026, 10, 27, 9, 15, tzinfo=UTC),
        attendees=invited,
        organizer=ORGANIZER,
    )
    assert calendar.read_calendar(cancel) == CalendarMessage(
        method="CANCEL",
        uid=UID,
        sequence=2,
        attendee=ATTENDEE,
        attendees=invited,
        organizer=ORGANIZER,
    )


def test_invite_has_the_shape_of_googles() -> None:
    """Our VCALENDAR has Google's properties, and our VEVENT none Google lacks."""
    google = IMIP / "thunderbird_meet-meeting-invite.eml"
    if not google.exists():
        absent(f"shared fixtures not found at {FIXTURES}")
    message = vobject.readOne(_google_calendar_text(google.read_bytes()))
    ours = vobject.readOne(build().decode("utf-8"))
    assert set(ours.contents) == set(message.contents)
    assert set(ours.vevent.contents) <= set(message.vevent.contents)
    invitee = next(
        a
        for a in message.vevent.contents["attendee"]
        if "NEEDS-ACTION" in a.params["PARTSTAT"]
    )
    assert set(ours.vevent.attendee.params) == set(invitee.params) - {"X-NUM-GUESTS"}


def _google_calendar_text(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no text/calendar part")


# --- daylight saving: the UTC instant is what the person's calendar shows ----------


def test_after_the_clocks_go_back_london_nine_is_nine_utc() -> None:
    start = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON)
    data = build(start_at=start, end_at=start + timedelta(minutes=15))
    assert "DTSTART:20261026T090000Z" in unfolded_lines(data)
    _, event = ical_event(data)
    moment = event["DTSTART"].dt
    assert isinstance(moment, datetime)
    assert moment.astimezone(LONDON).hour == 9
    assert moment.astimezone(LONDON).tzname() == "GMT"


def test_before_the_clocks_go_back_london_nine_is_eight_utc() -> None:
    start = datetime(2026, 10, 23, 9, 0, tzinfo=LONDON)
    data = build(start_at=start, end_at=start + timedelta(minutes=15))
    assert "DTSTART:20261023T080000Z" in unfolded_lines(data)
    assert "DTEND:20261023T081500Z" in unfolded_lines(data)
    _, event = vobject_event(data)
    assert event.dtstart.value.astimezone(LONDON).hour == 9
    assert event.dtstart.value.astimezone(LONDON).tzname() == "BST"


# --- reading: the real invitations ---------------------------------------------------

GOOGLE_UID = "69d4c40b4a274636bf23517938df9673@example.org"
THUNDERBIRD_UID = "02e79b96"
FIXTURE_EXPECTATIONS: dict[str, tuple[str, str, int]] = {
    "nextcloud_request_application_ics.txt": ("REQUEST", GOOGLE_UID, 0),
    "nextcloud_request_google.txt": ("REQUEST", GOOGLE_UID, 0),
    "nextcloud_request_outlook_com.txt": (
        "REQUEST",
        "1F0BD3F6FEFC421AAA5BE992D6992B6A",
        0,
    ),
    "nextcloud_request_proton_bridge.txt": ("REQUEST", GOOGLE_UID, 0),
    "nylas_invite_w_rsvps2.ics": ("REPLY", "cccc@nylas.com", 0),
    "nylas_invite_w_rsvps3.ics": ("REPLY", "cccc@nylas.com", 0),
    "nylas_invite_w_rsvps_4.ics": ("REPLY", "cccc@nylas.com", 0),
    "nylas_raw_message_with_ical_invite.txt": (
        "REQUEST",
        "65BEB44C-9B9F-4DE3-BA5F-8153629CA077",
        1,
    ),
    "thunderbird_cancel-repeat-event.eml": ("CANCEL", THUNDERBIRD_UID, 1),
    "thunderbird_cancel-single-event.eml": ("CANCEL", THUNDERBIRD_UID, 1),
    "thunderbird_event-with-file-attachment.eml": ("REQUEST", "02e79b96-file", 0),
    "thunderbird_exception-major.eml": ("REQUEST", THUNDERBIRD_UID, 2),
    "thunderbird_exception-minor.eml": ("REQUEST", THUNDERBIRD_UID, 0),
    "thunderbird_meet-meeting-invite.eml": (
        "REQUEST",
        "65m17hsdolmotv3kvmrtg40ont@google.com",
        0,
    ),
    "thunderbird_message-containing-event.eml": (
        "PUBLISH",
        "20160824T204000Z-568860280@example.com",
        0,
    ),
    "thunderbird_message-non-invite.eml": (
        "PUBLISH",
        "1e5fd4e6-bc52-439c-ac76-40da54f57c77@secure.example.com",
        3,
    ),
    "thunderbird_outlook-test-invite.eml": (
        "REQUEST",
        "030000008200E00074C5B7101A82E0080000000060B608D090DDD701000000000000000"
        "0100000004BE0CFFA54BCF64E956E34143362C3C0",
        0,
    ),
    "thunderbird_repeat-event.eml": ("REQUEST", THUNDERBIRD_UID, 0),
    "thunderbird_repeat-update-major.eml": ("REQUEST", THUNDERBIRD_UID, 2),
    "thunderbird_repeat-update-minor.eml": ("REQUEST", THUNDERBIRD_UID, 0),
    "thunderbird_single-event.eml": ("REQUEST", THUNDERBIRD_UID, 0),
    "thunderbird_teams-meeting-invite.eml": (
        "REQUEST",
        "056000008200E00074C5B7101A82E008000000001AF84C64CBC8D601000000000000000"
        "010000000403B5AC10A0EB444A947D2B499A4B98C",
        0,
    ),
    "thunderbird_update-major.eml": ("REQUEST", THUNDERBIRD_UID, 2),
    "thunderbird_update-minor.eml": ("REQUEST", THUNDERBIRD_UID, 0),
}


def fixture_bytes(name: str) -> bytes:
    path = IMIP / name
    if not path.exists():
        absent(f"shared fixtures not found at {FIXTURES}")
    return path.read_bytes()


def test_every_imip_fixture_has_an_expectation() -> None:
    if not IMIP.is_dir():
        absent(f"shared fixtures not found at {FIXTURES}")
    assert sorted(p.name for p in IMIP.iterdir()) == sorted(FIXTURE_EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTATIONS))
def test_reads_method_uid_and_sequence_of_real_invitations(name: str) -> None:
    method, uid, sequence = FIXTURE_EXPECTATIONS[name]
    found = calendar.read_calendar(fixture_bytes(name))
    assert found is not None
    assert (found.method, found.uid, found.sequence) == (method, uid, sequence)


@pytest.mark.parametrize(
    ("name", "partstat", "attendee", "cn"),
    [
        (
            "nylas_invite_w_rsvps2.ics",
            "TENTATIVE",
            "test1@example.com",
            "Inbox Apptest",
        ),
        ("nylas_invite_w_rsvps3.ics", "ACCEPTED", "karim@example.com", "Karim Hamidou"),
        (
            "nylas_invite_w_rsvps_4.ics",
            "DECLINED",
            "karim@example.com",
            "Karim Hamidou",
        ),
    ],
)
def test_reads_googles_bare_replies(
    name: str, partstat: str, attendee: str, cn: str
) -> None:
    found = calendar.read_calendar(fixture_bytes(name))
    assert found == CalendarMessage(
        method="REPLY",
        uid="cccc@nylas.com",
        sequence=0,
        partstat=partstat,
        attendee=attendee,
        attendees=(Attendee(attendee, partstat, cn),),
        organizer="test2@example.com",
        start_at=datetime(2015, 4, 1, 14, 0, tzinfo=UTC),
        end_at=datetime(2015, 4, 1, 14, 30, tzinfo=UTC),
    )
    # Matched to the booked person (#11): theirs when the address is theirs.
    assert found.for_person(attendee.upper(), 0).from_person
    assert not found.for_person("partner@example.com", 0).from_person


@pytest.mark.parametrize(
    ("name", "start_at"),
    [
        # Google: TZID=Europe/Berlin with its VTIMEZONE, 19:00 CET.
        ("nextcloud_request_google.txt", datetime(2025, 2, 20, 18, 0, tzinfo=UTC)),
        # Outlook.com: TZID=W. Europe Standard Time, base64, 08:00 CET.
        ("nextcloud_request_outlook_com.txt", datetime(2025, 2, 26, 7, 0, tzinfo=UTC)),
        # Exchange: TZID=FLE Standard Time, 09:00 EET.
        (
            "thunderbird_outlook-test-invite.eml",
            datetime(2021, 11, 27, 7, 0, tzinfo=UTC),
        ),
        # iCloud: an attachment, TZID=Europe/Paris, 06:00 CET.
        (
            "nylas_raw_message_with_ical_invite.txt",
            datetime(2015, 3, 16, 5, 0, tzinfo=UTC),
        ),
        # Google in UTC, quoted-printable inline part plus base64 invite.ics.
        (
            "thunderbird_meet-meeting-invite.eml",
            datetime(2021, 3, 22, 9, 30, tzinfo=UTC),
        ),
    ],
)
def test_reads_start_times_in_utc(name: str, start_at: datetime) -> None:
    found = calendar.read_calendar(fixture_bytes(name))
    assert found is not None
    assert found.start_at == start_at
    assert found.start_at.tzinfo == UTC
    assert found.end_at is not None
    assert found.end_at > found.start_at


# --- reading: replies as calendars send them -----------------------------------------


def reply_ics(
    *,
    method: str = "REPLY",
    partstat: str = "ACCEPTED",
    sequence: str | None = "0",
    organizer: bool = True,
    extra: str = "",
    times: str = "DTSTART:20261026T090000Z\r\nDTEND:20261026T091500Z\r\n",
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        times.rstrip("\r\n"),
        "DTSTAMP:20261002T080000Z",
        f"ORGANIZER;CN=Riverside Therapy:mailto:{ORGANIZER}" if organizer else "",
        f"UID:{UID}",
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT={partstat};CN=Jordan\r\n  Lee;X-NUM-GUESTS=0:mailto:{ATTENDEE}",
        f"SEQUENCE:{sequence}" if sequence is not None else "",
        "STATUS:CONFIRMED",
        "SUMMARY:Free 15-minute call with Sam",
        extra.rstrip("\r\n"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(line for line in lines if line) + "\r\n"


def reply_mail(subject: str = "Accepted: Free 15-minute call with Sam") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Jordan Lee <{ATTENDEE}>"
    message["To"] = ORGANIZER
    message["Subject"] = subject
    message.set_content("Jordan Lee has accepted this invitation.")
    return message


def test_reply_inline_text_calendar() -> None:
    mail = reply_mail()
    mail.add_alternative(reply_ics(), subtype="calendar", params={"method": "REPLY"})
    found = calendar.read_calendar(mail.as_bytes())
    assert found == CalendarMessage(
        method="REPLY",
        uid=UID,
        sequence=0,
        partstat="ACCEPTED",
        attendee=ATTENDEE,
        attendees=(Attendee(ATTENDEE, "ACCEPTED", "Jordan Lee"),),
        organizer=ORGANIZER,
        start_at=datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        end_at=datetime(2026, 10, 26, 9, 15, tzinfo=UTC),
    )


def test_reply_as_an_attachment_in_nested_multiparts() -> None:
    mail = reply_mail()
    mail.add_alternative("<p>Jordan Lee has accepted.</p>", subtype="html")
    mail.add_attachment(
        reply_ics(partstat="TENTATIVE").encode(),
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": "REPLY"},
    )
    assert mail.get_content_type() == "multipart/mixed"
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert (found.method, found.partstat) == ("REPLY", "TENTATIVE")


def test_reply_as_application_ics() -> None:
    mail = reply_mail()
    mail.add_attachment(
        reply_ics(partstat="DECLINED").encode(),
        maintype="application",
        subtype="ics",
        filename="invite.ics",
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert (found.method, found.partstat, found.uid) == ("REPLY", "DECLINED", UID)


def test_reply_as_an_octet_stream_named_ics() -> None:
    mail = reply_mail()
    mail.add_attachment(
        reply_ics().encode(),
        maintype="application",
        subtype="octet-stream",
        filename="reply.ICS",
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.method == "REPLY"


def test_reply_without_method_parameter_reads_the_body() -> None:
    mail = reply_mail()
    mail.add_alternative(reply_ics(), subtype="calendar")
    assert "method" not in mail.as_string().split("text/calendar")[1].split("\n")[0]
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.method == "REPLY"


def test_body_method_wins_over_a_different_content_type_method() -> None:
    mail = reply_mail()
    mail.add_alternative(reply_ics(), subtype="calendar", params={"method": "REQUEST"})
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.method == "REPLY"


def test_content_type_method_is_the_fallback_when_the_body_has_none() -> None:
    ics = reply_ics().replace("METHOD:REPLY\r\n", "")
    mail = reply_mail()
    mail.add_alternative(ics, subtype="calendar", params={"method": "reply"})
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.method == "REPLY"


def test_calendar_without_any_method_is_not_itip() -> None:
    ics = reply_ics().replace("METHOD:REPLY\r\n", "")
    mail = reply_mail()
    mail.add_attachment(
        ics.encode(), maintype="text", subtype="calendar", filename="x.ics"
    )
    assert calendar.read_calendar(mail.as_bytes()) is None


def test_outlook_reply_windows_zone_no_organizer_alias_address() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\n"
        "METHOD:REPLY\r\n"
        "PRODID:Microsoft Exchange Server 2010\r\n"
        "VERSION:2.0\r\n"
        "BEGIN:VEVENT\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Jordan Lee:MAILTO:Jordan.Lee@Alias.Example.NET\r\n"
        "REPLY-TIME:20261002T080000Z\r\n"
        f"UID:{UID}\r\n"
        "SUMMARY;LANGUAGE=en-GB:Accepted: Free 15-minute call with Sam\r\n"
        "DTSTART;TZID=Pacific Standard Time:20261026T020000\r\n"
        "DTEND;TZID=Pacific Standard Time:20261026T021500\r\n"
        "CLASS:PUBLIC\r\nPRIORITY:5\r\n"
        "DTSTAMP:20261002T080000Z\r\n"
        "TRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\n"
        "SEQUENCE:2\r\n"
        "X-MICROSOFT-CDO-APPT-SEQUENCE:2\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    mail = reply_mail()
    mail.add_alternative(
        ics.encode("utf-8"),
        maintype="text",
        subtype="calendar",
        params={"method": "REPLY"},
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found == CalendarMessage(
        method="REPLY",
        uid=UID,
        sequence=2,
        partstat="ACCEPTED",
        attendee="jordan.lee@alias.example.net",
        attendees=(Attendee("jordan.lee@alias.example.net", "ACCEPTED", "Jordan Lee"),),
        # 02:00 Pacific (PDT, UTC-7) on 26 October, by the Windows zone name.
        start_at=datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        end_at=datetime(2026, 10, 26, 9, 15, tzinfo=UTC),
    )


def test_windows_zone_counter_without_vtimezone_is_read_in_utc() -> None:
    times = (
        "DTSTART;TZID=W. Europe Standard Time:20261027T100000\r\n"
        "DTEND;TZID=W. Europe Standard Time:20261027T101500\r\n"
    )
    found = calendar.read_calendar(reply_ics(method="COUNTER", times=times).encode())
    assert found is not None
    assert found.start_at == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)  # CET, UTC+1
    assert found.end_at == datetime(2026, 10, 27, 9, 15, tzinfo=UTC)


def test_windows_zone_spelled_in_lower_case_still_resolves() -> None:
    times = "DTSTART;TZID=pacific standard time:20260701T100000\r\nDURATION:PT15M\r\n"
    found = calendar.read_calendar(reply_ics(method="COUNTER", times=times).encode())
    assert found is not None
    assert found.start_at == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)  # PDT, UTC-7
    assert found.end_at == datetime(2026, 7, 1, 17, 15, tzinfo=UTC)


def test_unknown_zone_and_floating_times_give_no_instant() -> None:
    for times in (
        "DTSTART;TZID=Atlantis Standard Time:20261027T100000\r\n",
        "DTSTART:20261027T100000\r\n",
        "DTSTART;VALUE=DATE:20261027\r\n",
    ):
        found = calendar.read_calendar(
            reply_ics(method="COUNTER", times=times).encode()
        )
        assert found is not None
        assert (found.start_at, found.end_at) == (None, None)


def test_counter_carries_the_proposed_time() -> None:
    times = "DTSTART:20261028T140000Z\r\nDTEND:20261028T141500Z\r\n"
    mail = reply_mail("New time proposed: Free 15-minute call with Sam")
    mail.add_alternative(
        reply_ics(method="COUNTER", partstat="NEEDS-ACTION", times=times, sequence="1"),
        subtype="calendar",
        params={"method": "COUNTER"},
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found == CalendarMessage(
        method="COUNTER",
        uid=UID,
        sequence=1,
        attendee=ATTENDEE,
        start_at=datetime(2026, 10, 28, 14, 0, tzinfo=UTC),
        end_at=datetime(2026, 10, 28, 14, 15, tzinfo=UTC),
        attendees=(Attendee(ATTENDEE, "NEEDS-ACTION", "Jordan Lee"),),
        organizer=ORGANIZER,
    )


def test_a_reply_carries_the_time_it_answers() -> None:
    """So a decline under an older SEQUENCE of the same time (a phone number
    added since) is told from one of a time since moved."""
    found = calendar.read_calendar(reply_ics().encode())
    assert found is not None
    assert (found.start_at, found.end_at) == (
        datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 9, 15, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("7", 7), (None, 0), ("0", 0), ("42", 42)]
)
def test_sequence(raw: str | None, expected: int) -> None:
    found = calendar.read_calendar(reply_ics(sequence=raw).encode())
    assert found is not None
    assert found.sequence == expected


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5", str(2**31), "9" * 5000])
def test_unreadable_sequence_refuses_the_calendar(raw: str) -> None:
    assert calendar.read_calendar(reply_ics(sequence=raw).encode()) is None


def test_reply_without_partstat_means_needs_action() -> None:
    ics = reply_ics().replace("PARTSTAT=ACCEPTED;", "")
    found = calendar.read_calendar(ics.encode())
    assert found is not None
    assert found.partstat == "NEEDS-ACTION"


def test_attendee_from_the_email_parameter_when_the_value_is_no_address() -> None:
    ics = reply_ics().replace(
        f"X-NUM-GUESTS=0:mailto:{ATTENDEE}", "EMAIL=Jordan@Example.org:urn:uuid:1234"
    )
    found = calendar.read_calendar(ics.encode())
    assert found is not None
    assert found.attendee == "jordan@example.org"


def test_quoted_printable_latin1_calendar_part() -> None:
    ics = reply_ics(extra="COMMENT:Gerne, bis Montag. Grüße\r\n")
    mail = reply_mail()
    mail.add_alternative(
        ics.encode("latin-1"),
        maintype="text",
        subtype="calendar",
        cte="quoted-printable",
        params={"method": "REPLY", "charset": "iso-8859-1"},
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.partstat == "ACCEPTED"


def test_first_usable_calendar_wins_and_broken_ones_are_skipped() -> None:
    mail = reply_mail()
    mail.add_attachment(
        b"BEGIN:VCALENDAR\r\nnonsense", maintype="text", subtype="calendar"
    )
    mail.add_attachment(
        reply_ics(partstat="DECLINED").encode(), maintype="application", subtype="ics"
    )
    found = calendar.read_calendar(mail.as_bytes())
    assert found is not None
    assert found.partstat == "DECLINED"


def test_a_forwarded_or_bounced_invitation_is_not_read() -> None:
    inner = reply_mail()
    inner.add_alternative(reply_ics(), subtype="calendar", params={"method": "REPLY"})
    outer = EmailMessage()
    outer["From"] = "MAILER-DAEMON@example.org"
    outer["Subject"] = "Undelivered Mail Returned to Sender"
    outer.set_content("This is the mail system.")
    outer.add_attachment(inner)
    assert calendar.read_calendar(outer.as_bytes()) is None


def test_bare_ics_with_bom_and_leading_blank_lines() -> None:
    data = b"\xef\xbb\xbf\r\n" + reply_ics().encode()
    found = calendar.read_calendar(data)
    assert found is not None
    assert found.method == "REPLY"


def test_mail_in_mbox_form_with_a_from_line() -> None:
    mail = reply_mail()
    mail.add_alternative(reply_ics(), subtype="calendar", params={"method": "REPLY"})
    data = b"From jordan.lee@example.org Mon Oct  5 09:00:00 2026\n" + mail.as_bytes()
    found = calendar.read_calendar(data)
    assert found is not None
    assert found.method == "REPLY"


def test_uid_with_control_characters_refuses_the_calendar() -> None:
    ics = reply_ics().replace(f"UID:{UID}", f"UID:{UID}\x00\x1b")
    assert calendar.read_calendar(ics.encode()) is None


def test_folded_lines_are_unfolded() -> None:
    ics = reply_ics().replace(f"UID:{UID}", f"UID:{UID[:10]}\r\n {UID[10:]}")
    found = calendar.read_calendar(ics.encode())
    assert found is not None
    assert found.uid == UID


def test_reads_back_every_built_method() -> None:
    for method in ("REQUEST", "CANCEL", "PUBLISH"):
        attendee = None if method == "PUBLISH" else ATTENDEE
        found = calendar.read_calendar(build(method=method, attendee_email=attendee))
        assert found is not None
        assert (found.method, found.uid, found.sequence) == (method, UID, 0)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff" * 100,
        b"BEGIN:VCALENDAR",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n",  # no VEVENT
        b"BEGIN:VCALENDAR\r\nMETHOD:PING\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n",
        b"Subject: hello\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n",
        b"Content-Type: text/calendar\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
    ],
)
def test_malformed_input_gives_none(data: bytes) -> None:
    assert calendar.read_calendar(data) is None


def test_too_many_events_refuses_the_calendar() -> None:
    event = f"BEGIN:VEVENT\r\nUID:{UID}\r\nEND:VEVENT\r\n"
    head = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
    allowed = head + event * calendar.MAX_EVENTS + "END:VCALENDAR\r\n"
    refused = head + event * (calendar.MAX_EVENTS + 1) + "END:VCALENDAR\r\n"
    assert calendar.read_calendar(allowed.encode()) is not None
    assert calendar.read_calendar(refused.encode()) is None


def test_oversized_calendar_part_is_not_read() -> None:
    padding = "X-PAD:" + "a" * 60 + "\r\n"
    count = calendar.MAX_CALENDAR_BYTES // (len(padding) - 4)  # even with LF endings
    mail = reply_mail()
    mail.add_alternative(reply_ics(extra=padding * count), subtype="calendar")
    assert calendar.read_calendar(mail.as_bytes()) is None


def test_recurrence_instance_replies_use_the_master_event() -> None:
    instance = (
        "BEGIN:VEVENT\r\nUID:other\r\nRECURRENCE-ID:20261027T090000Z\r\nSEQUENCE:9\r\n"
        "END:VEVENT\r\n"
    )
    ics = reply_ics().replace("BEGIN:VEVENT", instance + "BEGIN:VEVENT", 1)
    found = calendar.read_calendar(ics.encode())
    assert found is not None
    assert (found.uid, found.sequence) == (UID, 0)


# --- windows_zone ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("GMT Standard Time", "Europe/London"),
        ("FLE Standard Time", "Europe/Kiev"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Eastern Standard Time", "America/New_York"),
        ('  "w. europe standard time" ', "Europe/Berlin"),
        ("Atlantis Standard Time", None),
        ("", None),
        ("Europe/Berlin", None),
    ],
)
def test_windows_zone(name: str, zone: str | None) -> None:
    assert calendar.windows_zone(name) == zone


def test_windows_zones_all_exist_in_zoneinfo() -> None:
    for name in (
        "W. Europe Standard Time",
        "GMT Standard Time",
        "Pacific Standard Time",
    ):
        zone = calendar.windows_zone(name)
        assert zone is not None
        ZoneInfo(zone)


# --- properties ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_read_calendar_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    found = calendar.read_calendar(data)
    assert found is None or isinstance(found, CalendarMessage)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_read_calendar_never_raises_on_damaged_calendars(data: st.DataObject) -> None:
    valid = reply_ics(method=data.draw(st.sampled_from(["REPLY", "COUNTER"]))).encode()
    start = data.draw(st.integers(0, len(valid)))
    end = data.draw(st.integers(start, min(len(valid), start + 40)))
    junk = data.draw(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
    damaged = valid[:start] + junk + valid[end:]
    found = calendar.read_calendar(damaged)
    assert found is None or isinstance(found, CalendarMessage)
    if found is not None and found.start_at is not None:
        assert found.start_at.tzinfo == UTC


_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def expected_line(text: str, limit: int, *, name: bool) -> str:
    """The documented cleaning, written out independently of the module."""
    if name:
        text = text.replace('"', "'").replace("^", " ").replace("\\", " ")
    text = "".join(
        " " if unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"} or c in _BIDI else c
        for c in text
    )
    return " ".join(text.split())[:limit].rstrip()


@settings(max_examples=150, deadline=None)
@given(
    attendee_name=st.text(max_size=150),
    organizer_name=st.text(max_size=40),
    summary=st.text(max_size=250),
)
def test_arbitrary_names_round_trip(
    attendee_name: str, organizer_name: str, summary: str
) -> None:
    data = build(
        attendee_name=attendee_name, organizer_name=organizer_name, summary=summary
    )
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    parsed, event = ical_event(data)
    assert [c.name for c in parsed.walk()] == ["VCALENDAR", "VEVENT"]
    assert event["UID"] == UID
    assert event["ATTENDEE"] == f"mailto:{ATTENDEE}"
    assert event["ATTENDEE"].params["CN"] == (
        expected_line(attendee_name, calendar.MAX_NAME_CHARS, name=True) or ATTENDEE
    )
    assert event["ORGANIZER"].params["CN"] == (
        expected_line(organizer_name, calendar.MAX_NAME_CHARS, name=True) or ORGANIZER
    )
    # A typed backslash-N keeps a word joiner after its backslash, as in the
    # description: icalendar would write it as the line-break escape.
    assert event["SUMMARY"] == expected_line(
        summary, calendar.MAX_SUMMARY_CHARS, name=False
    ).replace("\\N", calendar.KEEP_BACKSLASH_N)


@settings(max_examples=100, deadline=None)
@given(description=st.text(max_size=300))
def test_arbitrary_descriptions_round_trip(description: str) -> None:
    data = build(description=description)
    _, event = ical_event(data)
    normalized = description.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        c
        for c in normalized
        if c == "\n"
        or not (unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"} or c in _BIDI)
    )
    expected = kept.strip()[: calendar.MAX_DESCRIPTION_CHARS].rstrip()
    assert event["DESCRIPTION"] == expected.replace("\\N", calendar.KEEP_BACKSLASH_N)


def test_a_literal_backslash_n_is_not_a_line_break() -> None:
    _, event = ical_event(build(description="C:\\New folder"))
    assert "\n" not in str(event["DESCRIPTION"])
    assert str(event["DESCRIPTION"]).replace("\u2060", "") == "C:\\New folder"
