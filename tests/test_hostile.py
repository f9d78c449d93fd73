"""Hostile input, mail loops, sending caps, bounces and SMTP answers (#5, item 5).

Pure parsers get property-based tests; everything about mail goes through the
real Dovecot and SMTP server of the test session.
"""

from __future__ import annotations

import email
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import NOW, request, run, sent_to, write_config

from mailflow.cli.check import sample_contexts
from mailflow.config import load_settings
from mailflow.reading import bounce, parse
from mailflow.shell.cycle import run_once
from mailflow.shell.store import Store
from mailflow.writing import calendar, compose

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "mailflow.example.toml"

# Real bounces, and how to make each one about a message of ours: the address
# that failed, the Message-ID of the returned mail, and the original sender.
BOUNCES = {
    "sisimai_rhost-google-05.eml": (  # Postfix multipart/report, 5.2.2 mailbox full
        b"kijitora@google.example.com",
        b"<qbddfL3NB0z0D2Ld@smtp-gw1.example.jp>",
        b"michitsuna@example.jp",
    ),
    "sisimai_lhost-gmail-01.eml": (  # old Gmail text bounce, X-Failed-Recipients
        b"userunknown@example.jp",
        b"<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>",
        b"the-local-part-of-google-mail-address@gmail.com",
    ),
    "sisimai_lhost-office365-12.eml": (  # Outlook.com NDR, 5.2.2
        b"kijitora@cr.neko.nyaan.jp",
        b"<SLXP216MB03814587D983866DA15F34A9A9250@SLXP216MB0381.KORP216.PROD.OUTLOOK.COM>",
        b"azumakuniyuki@msol.example.net",
    ),
}


def doctored(
    fixtures: Path, name: str, *, person: str, message_id: str, practice: str
) -> bytes:
    """A real bounce, rewritten to return our message to `person`."""
    address, returned_id, sender = BOUNCES[name]
    raw = (fixtures / "autoreply-bounce" / name).read_bytes()
    assert address in raw
    assert returned_id in raw
    raw = raw.replace(address, person.encode()).replace(
        returned_id, message_id.encode()
    )
    return raw.replace(sender, practice.encode())


def inbox_state(server, user, folder="INBOX"):
    return [(m.uid, m.flags) for m in server.messages(user, folder)]


def kinds(server, user) -> list[str]:
    return [str(m.message()["X-Mailflow"]) for m in server.messages(user)]


def query(config: Path, sql: str, *args: object) -> list[tuple]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute(sql, args).fetchall()


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


@pytest.fixture
def offered(setup):
    """A person asked; mailflow offered times. Returns the offer as delivered."""
    server, boxes, config = setup
    server.deliver(
        request(sender=f"Jordan <{boxes.person}>", to=boxes.practice), boxes.practice
    )
    assert run(config) == 0
    (offer,) = server.messages(boxes.person)
    return server, boxes, config, offer


# --- mail loops ------------------------------------------------------------------


def test_our_own_mail_back_in_the_inbox_is_left_alone(offered):
    server, boxes, config, offer = offered
    message = offer.message()
    stripped = offer.raw.replace(b"X-Mailflow: offer\r\n", b"")
    assert stripped != offer.raw  # a forwarder that drops private headers
    renamed = offer.raw.replace(
        str(message["Message-ID"]).encode(), b"<relabelled-by-a-list@example.net>"
    )
    # The intact copy shares its Message-ID with the stripped one: seen already.
    for raw in (stripped, offer.raw, renamed):
        server.deliver(raw, boxes.practice, mail_from=boxes.practice)
    before = inbox_state(server, boxes.practice)
    count = len(server.smtp_log)

    assert run(config, NOW + timedelta(minutes=5)) == 0

    assert len(server.smtp_log) == count
    assert inbox_state(server, boxes.practice) == before
    outcomes = [o for (o,) in query(config, "SELECT outcome FROM seen ORDER BY uid")]
    assert outcomes == ["request", "own-message", "own-message"]


# --- bounces ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BOUNCES))
def test_a_bounce_of_our_offer_marks_the_address_and_tells_the_therapist(
    offered, shared_fixtures, name
):
    server, boxes, config, offer = offered
    offer_id = str(offer.message()["Message-ID"])
    # Something still queued for them must never go out.
    with Store.open(load_settings(config).storage.database) as store:
        store.queue(
            message_id="<queued-later@riverside.example>",
            enquiry_id=1,
            kind="offer_again",
            sender=boxes.practice,
            recipients=(boxes.person,),
            raw=request(sender=boxes.practice, to=boxes.person),
            needs_copy=False,
            now=NOW,
        )
    raw = doctored(
        shared_fixtures,
        name,
        person=boxes.person,
        message_id=offer_id,
        practice=boxes.practice,
    )
    server.deliver(raw, boxes.practice, mail_from="")
    before = inbox_state(server, boxes.practice)
    count = len(server.smtp_log)

    assert run(config, NOW + timedelta(minutes=5)) == 0

    assert inbox_state(server, boxes.practice) == before
    (alert,) = [m.message() for m in server.messages(boxes.therapist)]
    assert alert["X-Mailflow"] == "bounce_alert"
    assert alert["Subject"] == "Could not reach Jordan by email"
    text = alert.get_body(preferencelist=("plain",)).get_content()
    assert "came back undelivered" in text
    assert boxes.person in text
    new = server.smtp_log[count:]
    assert [r.rcpt_tos for r in new] == [(boxes.therapist,)]  # the bounce: unanswered
    assert query(config, "SELECT state, closed_reason FROM enquiries") == [
        ("stood_down", "undeliverable")
    ]
    assert query(config, "SELECT status FROM outbox WHERE kind = 'offer_again'") == [
        ("dropped",)
    ]
    # Days later nothing more goes to them: no nudge, no second alert.
    assert run(config, NOW + timedelta(days=4, hours=2)) == 0
    assert run(config, NOW + timedelta(days=8, hours=2)) == 0
    assert len(server.messages(boxes.person)) == 1
    assert kinds(server, boxes.therapist) == ["bounce_alert"]


def test_a_bounce_naming_an_address_we_never_wrote_to_changes_nothing(
    offered, shared_fixtures
):
    server, boxes, config, _ = offered
    raw = doctored(
        shared_fixtures,
        "sisimai_rhost-google-05.eml",
        person=f"stranger-{boxes.person}",
        message_id="<not-ours@example.jp>",
        practice=boxes.practice,
    )
    server.deliver(raw, boxes.practice, mail_from="")
    count = len(server.smtp_log)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.smtp_log) == count
    assert query(config, "SELECT state FROM enquiries") == [("offered",)]
    assert query(config, "SELECT COUNT(*) FROM undeliverable") == [(0,)]


def test_a_delay_notice_is_not_a_bounce(shared_fixtures):
    raw = (
        shared_fixtures / "autoreply-bounce" / "sisimai_lhost-gmail-06.eml"
    ).read_bytes()
    assert bounce.looks_like_bounce(parse.parse_mail(raw))
    assert bounce.read_bounce(raw) is None


def test_every_real_failure_report_names_its_failed_address(shared_fixtures):
    folder = shared_fixtures / "autoreply-bounce"
    found = {p.name: bounce.read_bounce(p.read_bytes()) for p in folder.iterdir()}
    reports = {n for n, b in found.items() if b is not None}
    assert {"discourse_bounced_email.eml", "sisimai_lhost-postfix-05.eml"} <= reports
    assert len(reports) == 16
    # Among mail-system messages only a delay notice and an NDR cut off before
    # its report part are not read as failures.
    system = {n for n in found if "lhost" in n or "rhost" in n or "bounced" in n}
    assert system - reports == {
        "sisimai_lhost-gmail-06.eml",
        "sisimai_lhost-office365-01.eml",
    }
    for name in reports:
        result = found[name]
        assert result is not None
        assert all("@" in a and a == a.lower() for a in result.recipients), name
    for name in ("discourse_auto_reply.eml", "sisimai_rfc3834-02.eml"):
        assert found[name] is None  # out-of-office replies are not bounces
    # A forwarding alias: both the address written to and where it went.
    postfix = found["sisimai_lhost-postfix-01.eml"]
    assert postfix is not None
    assert "kijitora@example.org" in postfix.recipients


# --- SMTP answers ------------------------------------------------------------------


def test_a_4xx_is_retried_later_with_backoff_and_sent_once(setup):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    server.rcpt_answers[boxes.person] = "450 4.2.1 Mailbox busy, try again later"
    try:
        assert run(config) == 1  # some messages failed and will be retried
        row = query(config, "SELECT attempts, deferrals, next_attempt_at FROM outbox")
        assert row == [(1, 1, (NOW + timedelta(minutes=5)).astimezone(UTC).isoformat())]
        assert run(config, NOW + timedelta(minutes=2)) == 0  # not yet: left alone
        assert query(config, "SELECT attempts FROM outbox") == [(1,)]
        assert run(config, NOW + timedelta(minutes=6)) == 1  # second 4xx: 10 minutes
        assert query(config, "SELECT deferrals, next_attempt_at FROM outbox") == [
            (2, (NOW + timedelta(minutes=16)).astimezone(UTC).isoformat())
        ]
    finally:
        del server.rcpt_answers[boxes.person]
    assert run(config, NOW + timedelta(minutes=17)) == 0
    assert run(config, NOW + timedelta(minutes=30)) == 0
    assert len(server.messages(boxes.person)) == 1
    assert query(config, "SELECT status FROM outbox") == [("done",)]


def test_a_5xx_fails_for_good_and_the_therapist_is_told_once(setup):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    server.rcpt_answers[boxes.person] = "550 5.1.1 No such user here"
    try:
        assert run(config) == 1
        assert run(config, NOW + timedelta(minutes=10)) == 0
        assert run(config, NOW + timedelta(days=1)) == 0
    finally:
        del server.rcpt_answers[boxes.person]
    assert server.messages(boxes.person) == []
    assert query(config, "SELECT kind, status, attempts FROM outbox ORDER BY id") == [
        ("offer", "failed", 1),
        ("bounce_alert", "done", 1),
    ]
    (alert,) = [m.message() for m in server.messages(boxes.therapist)]
    text = alert.get_body(preferencelist=("plain",)).get_content()
    assert "refused a message" in text
    assert "550" in text


def test_a_message_whose_data_got_250_is_never_handed_over_again(setup):
    """A crash after the server's 250 but before the copy was filed."""
    server, boxes, config = setup
    settings = load_settings(config)
    raw = request(sender=boxes.practice, to=boxes.person, subject="Re: hello")
    raw = raw.replace(b"\n", b"\r\n")  # as compose builds it
    with Store.open(settings.storage.database) as store:
        store.queue(
            message_id="<handed-over@riverside.example>",
            enquiry_id=None,
            kind="offer",
            sender=boxes.practice,
            recipients=(boxes.person,),
            raw=raw,
            needs_copy=True,
            now=NOW,
        )
        (row,) = store.pending()
        store.note_attempt(row.id)
        store.mark_sent(row.id, NOW)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert sent_to(server, boxes.person) == []
    assert [m.raw for m in server.messages(boxes.practice, "Sent")] == [raw]
    assert query(config, "SELECT status FROM outbox") == [("done",)]


# --- caps ----------------------------------------------------------------------------


def queue_letters(store: Store, practice: str, recipients: list[str]) -> None:
    for n, address in enumerate(recipients):
        store.queue(
            message_id=f"<capped-{n}-{address}>",
            enquiry_id=None,
            kind="offer",
            sender=practice,
            recipients=(address,),
            raw=request(sender=practice, to=address, subject=f"Letter {n}"),
            needs_copy=False,
            now=NOW,
        )


def test_per_run_and_per_address_caps_hold_mail_back_without_losing_it(
    tmp_path, mail_server, mailboxes
):
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        "[limits]\nper_run = 3\nper_address_per_day = 2\nper_hour = 100\n",
    )
    settings = load_settings(config)
    person, other = mailboxes.person, f"other-{mailboxes.person}"
    with Store.open(settings.storage.database) as store:
        queue_letters(store, mailboxes.practice, [person] * 4 + [other] * 2)
    sent_per_run = []
    for at in (NOW, NOW + timedelta(minutes=5), NOW + timedelta(days=1, minutes=1)):
        report = run_once(settings, at)
        sent_per_run.append((report.sent, report.waiting, report.exit_code))
    # Run 1: two to the person (their day's share), one to the other (the run's
    # share). Run 2: the other's second. A day later: the person's other two.
    assert sent_per_run == [(3, 3, 0), (1, 2, 0), (2, 0, 0)]
    assert len(mail_server.messages(person)) == 4
    assert len(mail_server.messages(other)) == 2


def test_the_breaker_stops_sending_and_alerts_the_therapist_once(
    tmp_path, mail_server, mailboxes
):
    config = write_config(
        tmp_path, mail_server, mailboxes, "[limits]\nper_hour = 3\nper_run = 50\n"
    )
    settings = load_settings(config)
    people = [f"p{n}-{mailboxes.person}" for n in range(8)]
    with Store.open(settings.storage.database) as store:
        queue_letters(store, mailboxes.practice, people)
    reports = [
        run_once(settings, NOW + timedelta(minutes=m)) for m in (0, 10, 70, 80, 140)
    ]
    # 3 go, the breaker trips (its alert goes too); after a quiet hour 3 more,
    # it trips again the same day without a second alert; then the last 2.
    assert [(r.sent, r.waiting) for r in reports] == [
        (4, 5),
        (0, 5),
        (3, 2),
        (0, 2),
        (2, 0),
    ]
    assert kinds(mail_server, mailboxes.therapist) == ["sending_paused"]
    (alert,) = mail_server.messages(mailboxes.therapist)
    text = alert.message().get_body(preferencelist=("plain",)).get_content()
    assert "paused sending" in text
    assert "Nothing is lost" in text
    assert all(len(mail_server.messages(p)) == 1 for p in people)


# --- the corpus: odd and automated mail through the real server -------------------


def test_odd_mime_and_automated_mail_get_no_reply_no_flag_no_state(
    setup, shared_fixtures
):
    server, boxes, config = setup
    for folder, sender in (
        ("odd-mime", "someone@example.net"),
        ("autoreply-bounce", ""),
    ):
        for path in sorted((shared_fixtures / folder).iterdir()):
            server.deliver(path.read_bytes(), boxes.practice, mail_from=sender)
    before = inbox_state(server, boxes.practice)
    assert len(before) == 58
    count = len(server.smtp_log)

    assert run(config) == 0

    assert len(server.smtp_log) == count
    assert inbox_state(server, boxes.practice) == before
    outcomes = [o for (o,) in query(config, "SELECT outcome FROM seen")]
    # Every mail was decided on (a few share a Message-ID: seen as one), none
    # failed or was set aside.
    assert len(outcomes) >= len(before) - 5
    assert "gave-up" not in outcomes
    assert query(config, "SELECT COUNT(*) FROM meta WHERE key LIKE 'attempts:%'") == [
        (0,)
    ]
    for table in ("enquiries", "outbox", "undeliverable"):
        assert query(config, f"SELECT COUNT(*) FROM {table}") == [(0,)]


def test_a_giant_request_is_read_from_its_start_in_bounded_memory(setup):
    """A request with a 64 MB attachment: only its first READ_LIMIT bytes are
    fetched (parsing them costs a bounded ~10x), and the words before the
    attachment still get their answer."""
    server, boxes, config = setup
    head = request(sender=boxes.person, to=boxes.practice).split(b"\n\n", 1)[0]
    head = head.replace(b"Content-Type: text/plain", b"X-Old-Type: text/plain")
    line = b"QUJD" * 19 + b"\r\n"
    raw = (
        head.replace(b"\n", b"\r\n")
        + b'\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nI'd like to book the free consultation.\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + line * (64 * 1024 * 1024 // len(line))
        + b"--b--\r\n"
    )
    server.deliver(raw, boxes.practice)
    del raw
    before = inbox_state(server, boxes.practice)
    settings = load_settings(config)
    tracemalloc.start()
    try:
        report = run_once(settings, NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024  # the 64 MB body was never fetched
    assert report.outcomes == {"request": 1}
    (offer,) = server.messages(boxes.person)
    assert offer.message()["X-Mailflow"] == "offer"
    assert inbox_state(server, boxes.practice) == before


# --- headers, templates and calendars never carry what a sender smuggled in -------

_PIECES = [
    "a", "Z", " ", ":", "\r", "\n", "\r\n", "\t", "\x00", "\x0b", "\x1b", "\x7f",
    "\x85", "\u2028", "\u2029", "é", "=?utf-8?q?x?=", "\r\nBcc: evil@x.example",
    "<script>", "&", '"', "\\", ";", "\nBEGIN:VEVENT", "\r\nATTENDEE:mailto:e@x",
]  # fmt: skip
_HOSTILE = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(
    max_size=30
)
_SETTINGS = load_settings(EXAMPLE)
_EXPECTED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references",
    "auto-submitted", "x-auto-response-suppress", "x-mailflow", "mime-version",
    "content-type",
}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_HOSTILE, subject=_HOSTILE)
def test_names_and_subjects_never_reach_headers_raw(name: str, subject: str) -> None:
    _check_headers(name, subject)


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        # A non-ASCII name holding an address became a second To address.
        ("José <evil@x.example>,", "Free call"),
        ("a\x85\r\nBcc: evil@x.example", "Free call"),
        # Python < 3.13 unquotes a display name it folds: "Smith" became an address.
        ("Smith, Jordan Alexander Christopher Montgomery-Whitfield of Riverside", "Hi"),
        ("a: b@c.example, d@e.example; Jordan Alexander Christopher Whitfield", "Hi"),
        # NEL in a subject made the email package refuse the header outright.
        ("Jo", "0\x850"),
        ("Jo", "Hi\u2028Bcc: evil@x.example"),
    ],
)
def test_header_injections_found_once_stay_fixed(name: str, subject: str) -> None:
    _check_headers(name, subject)


def _check_headers(name: str, subject: str) -> None:
    context = sample_contexts(_SETTINGS)["offer"]
    draft = compose.Draft(
        kind="offer",
        sender="hello@riverside.example",
        sender_name=name,
        to="jo@example.org",
        to_name=name,
        subject=compose.reply_subject(subject, "Your free 15-minute call"),
        message_id="<mailflow.x@riverside.example>",
        context={**context, "greeting_name": name},
        in_reply_to="<a@b.example>",
        references=("<a@b.example>",),
    )
    raw = compose.build(draft, datetime(2026, 11, 25, 9, tzinfo=UTC))
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    for line in header_block.split(b"\r\n"):
        assert b"\r" not in line
        assert b"\n" not in line
        if line[:1] not in (b" ", b"\t"):
            assert line.split(b":", 1)[0].lower().decode() in _EXPECTED_HEADERS
    parsed = BytesParser(policy=default_policy).parsebytes(raw)
    assert {k.lower() for k in parsed} == _EXPECTED_HEADERS
    for field in ("Subject", "To", "From"):
        value = str(parsed[field])
        assert not any(ord(c) < 32 or ord(c) == 127 for c in value), field
    assert parsed["To"].addresses[0].addr_spec == "jo@example.org"
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html  # the derived HTML part escapes the text


@settings(max_examples=100, deadline=None)
@given(name=_HOSTILE, summary=_HOSTILE, description=_HOSTILE)
def test_calendar_text_is_escaped_never_a_new_property(
    name: str, summary: str, description: str
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    ics = calendar.build_calendar(
        method="REQUEST",
        uid="mf-1@riverside.example",
        sequence=0,
        stamp=start,
        start_at=start,
        end_at=start + timedelta(minutes=15),
        organizer_email="hello@riverside.example",
        organizer_name=name,
        attendee_email="jo@example.org",
        attendee_name=name,
        summary=summary,
        description=description,
        zone_name="Europe/London",
    )
    parsed = icalendar.Calendar.from_ical(ics)
    (event,) = parsed.walk("VEVENT")
    attendees = event.get("ATTENDEE")
    assert str(attendees).lower() == "mailto:jo@example.org"
    assert len(parsed.walk("VEVENT")) == 1
    starts = [line.split(b":")[0].split(b";")[0] for line in ics.split(b"\r\n")]
    assert starts.count(b"BEGIN") == starts.count(b"END")
    assert starts.count(b"ATTENDEE") == 1


# --- the bounce reader never raises ---------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=1500))
def test_read_bounce_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    found = bounce.read_bounce(raw)
    assert found is None or all("@" in a for a in found.recipients)


_REPORT = (
    b"From: MAILER-DAEMON@mx.example.net\r\nTo: hello@riverside.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
    b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nIt bounced.\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
    b"Final-Recipient: rfc822; jo@example.org\r\nAction: failed\r\n"
    b"Status: 5.1.1\r\n\r\n"
    b"--B\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Message-ID: <mailflow.abc@riverside.example>\r\nSubject: x\r\n\r\nhi\r\n"
    b"--B--\r\n"
)


def test_the_report_used_for_damage_is_read_whole() -> None:
    assert bounce.read_bounce(_REPORT) == bounce.Bounce(
        recipients=("jo@example.org",),
        message_ids=("<mailflow.abc@riverside.example>",),
        status="5.1.1",
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_read_bounce_never_raises_on_damaged_reports(data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(_REPORT)))
    end = data.draw(st.integers(start, min(len(_REPORT), start + 60)))
    junk = data.draw(st.binary(max_size=30) | st.sampled_from(
        [b"\r\n\r\n", b"--B\r\n", b"Action: delayed\r\n", b"\xff\xfe", b"=?x?q?=", b";"]
    ))  # fmt: skip
    found = bounce.read_bounce(_REPORT[:start] + junk + _REPORT[end:])
    assert found is None or all(a == a.lower() for a in found.recipients)


@settings(max_examples=150, deadline=None)
@given(html=st.text(max_size=300) | st.lists(
    st.sampled_from(["<p>", "</p>", "<br>", "<script>", "</script>", "&amp;", "&#0;",
                     "&#x110000;", "<!--", "-->", "<style>", "x", "\n", "<a href='"]),
    max_size=40).map("".join))  # fmt: skip
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(parse.html_to_text(html), str)


def test_bounces_are_recognised_by_their_headers_alone(shared_fixtures):
    """The runner reads a body only when the headers say it may be a bounce."""
    folder = shared_fixtures / "autoreply-bounce"
    for name in BOUNCES:
        raw = (folder / name).read_bytes()
        head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        assert bounce.looks_like_bounce(parse.parse_mail(head)), name
    ordinary = email.message_from_bytes(request(sender="a@b.example", to="c@d.example"))
    assert not bounce.looks_like_bounce(parse.parse_mail(ordinary.as_bytes()))


def test_a_bounce_that_returns_none_of_our_messages_stands_nobody_down(
    offered, shared_fixtures
):
    """A "bounce" naming a real person but returning no message of ours could be
    forged by anyone: it changes nothing and stays in the inbox."""
    server, boxes, config, _ = offered
    raw = doctored(
        shared_fixtures,
        "sisimai_rhost-google-05.eml",
        person=boxes.person,
        message_id="<not-ours@example.jp>",
        practice=boxes.practice,
    )
    server.deliver(raw, boxes.practice, mail_from="")
    count = len(server.smtp_log)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.smtp_log) == count
    assert query(config, "SELECT state FROM enquiries") == [("offered",)]
    assert query(config, "SELECT COUNT(*) FROM undeliverable") == [(0,)]


def test_a_policy_refusal_of_one_message_fails_only_that_message(setup):
    """A content filter's 5.7.x for one message: the next message goes, so the
    refused one fails and the therapist is told; nothing else is held up."""
    server, boxes, config = setup
    other = f"casey-{boxes.person}"
    for sender in (boxes.person, other):
        server.deliver(request(sender=sender, to=boxes.practice), boxes.practice)
    server.data_answers[boxes.person] = "552 5.7.0 Content presents a security issue"
    try:
        assert run(config) == 1  # one message refused for good
    finally:
        del server.data_answers[boxes.person]
    assert server.messages(boxes.person) == []
    (offer,) = server.messages(other)
    assert offer.message()["X-Mailflow"] == "offer"
    (alert,) = [m.message() for m in server.messages(boxes.therapist)]
    assert "refused a message" in alert.get_body(("plain",)).get_content()


def test_policy_refusals_of_every_message_keep_the_outbox_waiting(setup, capsys):
    """5.7.x twice in a row (SendAs denied): the account, not the messages.
    Nothing fails; the run stops with one line; once fixed, all go out."""
    server, boxes, config = setup
    other = f"casey-{boxes.person}"
    for sender in (boxes.person, other):
        server.deliver(request(sender=sender, to=boxes.practice), boxes.practice)
        server.data_answers[sender] = "554 5.7.60 SendAsDenied; not allowed"
    try:
        for minutes in range(0, 25, 5):  # run after run: still nothing fails
            capsys.readouterr()
            assert run(config, NOW + timedelta(minutes=minutes)) == 3
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1
            assert "refuses to send for this account" in err[0]
    finally:
        server.data_answers.clear()
    assert query(config, "SELECT status FROM outbox ORDER BY id") == [
        ("pending",),
        ("pending",),
    ]
    assert run(config, NOW + timedelta(minutes=30)) == 0
    assert len(server.messages(boxes.person)) == 1
    assert len(server.messages(other)) == 1
    assert server.messages(boxes.therapist) == []


def test_a_lone_message_refused_on_policy_run_after_run_fails_in_the_end(setup):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    server.data_answers[boxes.person] = "552 5.7.0 Content presents a security issue"
    try:
        assert run(config) == 1  # undecided: nothing else to tell them apart
        assert run(config, NOW + timedelta(minutes=5)) == 1
        assert server.messages(boxes.therapist) == []
        assert run(config, NOW + timedelta(minutes=10)) == 1  # the third: failed
    finally:
        del server.data_answers[boxes.person]
    assert query(config, "SELECT kind, status FROM outbox ORDER BY id") == [
        ("offer", "failed"),
        ("bounce_alert", "done"),
    ]
