"""News of risk the therapist's mail system sends back is told to the practice
inbox (`guard.after_return`, `Letters.alert_returned`).

A crisis alert accepted by the practice's server may still come back as a
delivery report: the therapist's mailbox full, their address mistyped in
`practice.therapist_email`. Bounces about the practice's own addresses were
ignored, so the therapist never heard of the crisis: the worst outcome. Over
the real server: the report comes back to the practice inbox, as it would.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from support import NOW, request, run, write_config
from test_alert_refused import words_of as text_of

from mailflow.config import load_settings
from mailflow.deciding import guard
from mailflow.deciding.guard import AfterRefusal, after_refusal

WORDS = "I don't want to be alive any more. I have the razor blades here with me."
THEIR_WORDS = ("razor", "alive", "blades")


def report(returned: bytes, failed: str, practice: str, status: str = "5.2.2") -> bytes:
    """An RFC 3464 report returning `returned` (its headers attached), failed
    for `failed`, as the therapist's mail system sends it."""
    head = returned.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    boundary = "=_report_returned"
    return (
        (
            "From: Mail Delivery System <MAILER-DAEMON@mx.elsewhere.example>\r\n"
            f"To: {practice}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {format_datetime(NOW)}\r\n"
            f"Message-ID: {make_msgid(domain='mx.elsewhere.example')}\r\n"
            "Auto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;\r\n"
            f' boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "Your message could not be delivered.\r\n\r\n"
            f"--{boundary}\r\n"
            "Content-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.elsewhere.example\r\n\r\n"
            f"Final-Recipient: rfc822; {failed}\r\n"
            "Action: failed\r\n"
            f"Status: {status}\r\n"
            f"Diagnostic-Code: smtp; 552 {status} mailbox full\r\n\r\n"
            f"--{boundary}\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\n"
        ).encode()
        + head.replace(b"\n", b"\r\n")
        + f"\r\n\r\n--{boundary}--\r\n".encode()
    )


def outbox(config: Path) -> list[tuple[str, str]]:
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        return db.execute("SELECT kind, status FROM outbox ORDER BY id").fetchall()


def kinds(server, user) -> list[str]:
    return [str(m.message()["X-Mailflow"]) for m in server.messages(user)]


def filed(server, boxes):  # type: ignore[no-untyped-def]
    """The practice notes filed in the practice inbox, as stored."""
    return [
        m
        for m in server.messages(boxes.practice)
        if m.message()["X-Mailflow"] == "alert_returned"
    ]


def notes(server, boxes) -> list[EmailMessage]:
    """The practice notes filed in the practice inbox, as read."""
    return [m.message() for m in filed(server, boxes)]


def returned(server, boxes, raw: bytes) -> None:
    """The therapist's mail system's report returning `raw`, failed for them,
    as it comes back to the practice inbox."""
    server.deliver(
        report(raw, boxes.therapist, boxes.practice), boxes.practice, mail_from=""
    )


def full_inbox(self, folder, raw, when):  # type: ignore[no-untyped-def]
    """`ImapMailbox.file_unread` on a practice mailbox over its quota."""
    from mailflow.errors import MailboxError

    raise MailboxError("IMAP APPEND to 'INBOX' failed: [OVERQUOTA] Quota exceeded")


@pytest.fixture
def alerted(tmp_path, mail_server, mailboxes):
    """A crisis answered: the safety letter to the person, the alert to the
    therapist, who has it in their mailbox."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    server.deliver(
        request(sender=f"Robin <{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    assert run(config) == 0
    (alert,) = server.messages(boxes.therapist)
    assert alert.message()["X-Mailflow"] == "crisis_alert"
    return server, boxes, config, alert


def test_an_alert_the_therapists_mailbox_returns_is_told_to_the_practice_inbox(
    alerted,
):
    server, boxes, config, alert = alerted
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    (note,) = notes(server, boxes)
    assert str(note["Subject"]) == (
        f"Urgent: an alert about someone at risk could not reach {boxes.therapist}"
    )
    assert str(note["To"]).endswith(f"<{boxes.practice}>")
    # Filed in the inbox, unread and flagged, never sent: a provider may keep
    # mail an account sends itself in Sent alone.
    (stored,) = filed(server, boxes)
    assert "\\Flagged" in stored.flags
    assert "\\Seen" not in stored.flags
    assert not [r for r in server.smtp_log if b"alert_returned" in r.data]
    text = text_of(note)
    assert boxes.person in text  # whose mail to read
    assert "on wednesday 25 november at 09:00" in text  # when the alert was written
    assert "(its report: 5.2.2)" in text
    assert "practice.therapist_email" in text  # how to mend a mistyped address
    assert "(enquiry 1.)" in text
    for word in THEIR_WORDS:
        assert word not in text
    assert outbox(config) == [
        ("safety", "done"),
        ("crisis_alert", "done"),
        ("alert_returned", "done"),
    ]
    # Once: the note in the practice inbox is mailflow's own, left alone, and
    # the report is not read again.
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert kinds(server, boxes.practice).count("alert_returned") == 1
    assert kinds(server, boxes.therapist) == ["crisis_alert"]
    assert kinds(server, boxes.person) == ["safety"]


def test_a_returned_letter_that_is_no_news_of_risk_tells_nobody(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    server.deliver(
        request(
            sender=boxes.person,
            to=boxes.practice,
            subject="hi",
            body="can you ring me?",
        ),
        boxes.practice,
    )
    assert run(config) == 0
    (approval,) = server.messages(boxes.therapist)
    assert approval.message()["X-Mailflow"] == "unsure_note"  # "Not sure: ..."
    before = len(server.smtp_log)
    server.deliver(
        report(approval.raw, boxes.therapist, boxes.practice),
        boxes.practice,
        mail_from="",
    )
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.smtp_log) == before
    assert "alert_returned" not in kinds(server, boxes.practice)


def test_a_report_from_where_the_therapists_mail_is_forwarded_tells_too(alerted):
    """The report names the address the therapist's forwards to, not theirs;
    such news goes to the therapist alone, so any failure is theirs."""
    server, boxes, config, alert = alerted
    server.deliver(
        report(alert.raw, "sam.personal@elsewhere.example", boxes.practice),
        boxes.practice,
        mail_from="",
    )
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert kinds(server, boxes.practice).count("alert_returned") == 1


def test_the_address_mended_before_the_report_is_read_still_tells(alerted, tmp_path):
    """The therapist's address was mistyped, and mended in the settings
    before the report came back: the news still never reached them."""
    server, boxes, config, alert = alerted
    config.write_text(
        config.read_text().replace(boxes.therapist, f"mended-{boxes.therapist}")
    )
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert kinds(server, boxes.practice).count("alert_returned") == 1


def test_two_reports_of_one_alert_tell_once_and_log_no_one(alerted, caplog):
    server, boxes, config, alert = alerted
    for status in ("5.2.2", "5.1.1"):
        server.deliver(
            report(alert.raw, boxes.therapist, boxes.practice, status),
            boxes.practice,
            mail_from="",
        )
    with caplog.at_level("INFO", logger="mailflow"):
        assert run(config, NOW + timedelta(minutes=5)) == 0
    assert kinds(server, boxes.practice).count("alert_returned") == 1
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "news of risk for the therapist, came back undelivered" in said
    for private in (boxes.person, boxes.therapist, "Robin", "razor"):
        assert private not in said


def test_the_practice_notes_own_return_is_the_end(alerted):
    """The note returned in its turn (the practice's own address failing):
    nothing is left to write to; nothing loops."""
    server, boxes, config, alert = alerted
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    (note,) = filed(server, boxes)
    before = len(server.smtp_log)
    server.deliver(
        report(note.raw, boxes.practice, boxes.practice), boxes.practice, mail_from=""
    )
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert len(server.smtp_log) == before


@pytest.mark.parametrize("kind", sorted(guard.FOR_THE_THERAPIST))
def test_news_of_risk_for_the_therapist_returned_is_told(kind: str) -> None:
    tell = guard.after_return(kind, failed=True, practice_is_therapist=False)
    assert tell is guard.AfterReturn.TELL
    log = guard.after_return(kind, failed=True, practice_is_therapist=True)
    assert log is guard.AfterReturn.LOG  # nowhere else to write
    nothing = guard.after_return(kind, failed=False, practice_is_therapist=False)
    assert nothing is guard.AfterReturn.NOTHING  # a report failing nobody


@pytest.mark.parametrize(
    "kind", ["alert_returned", "approval_request", "safety", "offer", "bounce_alert"]
)
def test_nothing_else_returned_is_told(kind: str) -> None:
    follow = guard.after_return(kind, failed=True, practice_is_therapist=False)
    assert follow is guard.AfterReturn.NOTHING


def test_the_practice_note_goes_first() -> None:
    order = guard.send_order(
        ["person:a", "form", "person:b"], ["offer", "alert_returned", "safety"]
    )
    assert order[0] == 1


def test_a_form_enquiry_is_known_by_its_first_mail() -> None:
    from mailflow.reading.extract import came_by_form

    assert came_by_form("Name: Jo\nEmail: jo@example.org\nMessage: help")
    assert not came_by_form("Hi, I'd like the free call. Jo")
    assert not came_by_form(None)


def test_the_practice_note_refused_is_the_last_word() -> None:
    assert "alert_returned" in guard.URGENT_KINDS  # first, past the ordinary caps
    assert (
        after_refusal("alert_returned", to_therapist=False, about_enquiry=True)
        is AfterRefusal.NOTHING
    )


def test_where_the_practice_is_the_therapist_only_the_runs_errors_can_say_it(
    tmp_path, mail_server, mailboxes, caplog
):
    from types import SimpleNamespace

    server = mail_server
    boxes = SimpleNamespace(
        practice=mailboxes.practice,
        therapist=mailboxes.practice,
        person=mailboxes.person,
    )
    config = write_config(tmp_path, server, boxes)
    server.deliver(
        request(sender=f"Robin <{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    assert run(config) == 0
    (alert,) = [m for m in server.messages(boxes.practice) if m.message()["X-Mailflow"]]
    assert alert.message()["X-Mailflow"] == "crisis_alert"
    before = len(server.smtp_log)
    server.deliver(
        report(alert.raw, boxes.practice, boxes.practice), boxes.practice, mail_from=""
    )
    with caplog.at_level("ERROR", logger="mailflow"):
        assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.smtp_log) == before  # nowhere else to write
    assert "came back undelivered from the practice's own address" in caplog.text


def test_a_note_the_inbox_refuses_waits_without_holding_anyone_back(
    alerted, monkeypatch, caplog
):
    """The practice's mailbox full: the note cannot be filed. It waits and
    is tried again (exit 1, nothing lost), while the run goes on: a new
    person in crisis gets their safety letter and the therapist their alert
    in the same run. After a day it is given up, with one line."""
    from mailflow.shell.mailbox import ImapMailbox

    server, boxes, config, alert = alerted

    monkeypatch.setattr(ImapMailbox, "file_unread", full_inbox)
    returned(server, boxes, alert.raw)
    other = f"other-{boxes.person}"
    server.deliver(
        request(sender=f"Alex <{other}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(minutes=5)) == 1  # waiting, nothing lost
    assert kinds(server, other) == ["safety"]
    assert kinds(server, boxes.therapist) == ["crisis_alert", "crisis_alert"]
    assert ("alert_returned", "pending") in outbox(config)
    assert run(config, NOW + timedelta(hours=12)) == 1  # still tried
    assert ("alert_returned", "pending") in outbox(config)
    assert run(config, NOW + timedelta(days=1, minutes=5)) == 1  # given up
    assert ("alert_returned", "failed") in outbox(config)
    assert "news of risk could not reach the therapist at all" in caplog.text
    assert run(config, NOW + timedelta(days=1, minutes=10)) == 0  # in no one's way


def test_a_note_filed_is_no_sign_that_sending_works(alerted):
    """Under an account refusing everything (5.7.x) the note is still filed
    (no SMTP in it), and a new crisis alert refused in the same run waits
    whole, never replaced by a note without its words."""
    server, boxes, config, alert = alerted
    other = f"a-{boxes.person}"  # its lane before the note's in a flush
    server.deliver(  # first: its alert is refused before the note is filed
        request(sender=f"Alex <{other}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    returned(server, boxes, alert.raw)
    server.content_answers[b"Subject"] = "554 5.7.60 SendAsDenied"
    try:
        run(config, NOW + timedelta(minutes=5))
    finally:
        server.content_answers.clear()
    assert ("alert_returned", "done") in outbox(config)  # filed all the same
    kinds_now = [k for k, _ in outbox(config)]
    assert "alert_refused" not in kinds_now  # the new alert was not replaced
    assert kinds_now.count("crisis_alert") == 2
    assert ("crisis_alert", "failed") not in outbox(config)


def delay_notice(returned: bytes, waiting: str, practice: str) -> bytes:
    """A report that `returned` is not delivered yet (a mailbox full for now,
    as Gmail answers 452 4.2.2): Action delayed."""
    return (
        report(returned, waiting, practice, "4.2.2")
        .replace(b"Action: failed", b"Action: delayed")
        .replace(
            b"Subject: Undelivered Mail Returned to Sender", b"Subject: Delayed Mail"
        )
    )


def test_news_of_risk_delayed_is_told_at_once_and_once(alerted):
    """The final report may come days later: a delay notice about news of
    risk tells the practice inbox at once; the failure after it, nothing
    more (the note stands for it)."""
    server, boxes, config, alert = alerted
    server.deliver(
        delay_notice(alert.raw, boxes.therapist, boxes.practice),
        boxes.practice,
        mail_from="",
    )
    assert run(config, NOW + timedelta(minutes=5)) == 0
    (note,) = notes(server, boxes)
    text = text_of(note)
    assert "cannot deliver the alert yet (its report: 4.2.2)" in text
    assert "it may reach you later, or not at all" in text
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert kinds(server, boxes.practice).count("alert_returned") == 1


def test_a_delay_of_an_ordinary_letter_changes_nothing(alerted):
    server, boxes, config, _ = alerted
    (safety,) = server.messages(boxes.person)
    server.deliver(
        delay_notice(safety.raw, boxes.person, boxes.practice),
        boxes.practice,
        mail_from="",
    )
    before = len(server.smtp_log)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.smtp_log) == before
    assert "alert_returned" not in kinds(server, boxes.practice)
    assert ("safety", "done") in outbox(config)


def test_a_delay_is_read_apart_from_a_failure() -> None:
    from mailflow.reading import bounce

    sent = b"From: a@riverside.example\r\nTo: sam@x.example\r\nMessage-ID: <m1@x>\r\n\r\nhi"
    waiting = delay_notice(sent, "sam@x.example", "a@riverside.example")
    failed = report(sent, "sam@x.example", "a@riverside.example")
    assert bounce.read_bounce(waiting) is None  # never a failure: it may arrive
    delay = bounce.read_delay(waiting)
    assert delay is not None
    assert (delay.recipients, delay.message_ids, delay.status) == (
        ("sam@x.example",),
        ("<m1@x>",),
        "4.2.2",
    )
    assert bounce.read_delay(failed) is None


def test_a_delay_is_marked_seen_with_its_note_and_not_read_again(alerted):
    server, boxes, config, alert = alerted
    server.deliver(
        delay_notice(alert.raw, boxes.therapist, boxes.practice),
        boxes.practice,
        mail_from="",
    )
    assert run(config, NOW + timedelta(minutes=5)) == 0
    database = load_settings(config).storage.database
    with sqlite3.connect(database) as db:
        outcomes = [o for (o,) in db.execute("SELECT outcome FROM seen ORDER BY uid")]
    assert outcomes[-1] == "delay"
    assert run(config, NOW + timedelta(minutes=10)) == 0
    with sqlite3.connect(database) as db:
        again = [o for (o,) in db.execute("SELECT outcome FROM seen ORDER BY uid")]
    assert again[: len(outcomes)] == outcomes  # the delay not read again
    assert again[len(outcomes) :] == ["own-message"]  # its note, left alone


def test_a_form_enquirys_returned_alert_says_it_came_by_the_form(
    tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    forms = '\n[requests]\nform_senders = ["forms@formservice.example"]\n'
    config = write_config(tmp_path, server, boxes, forms)
    server.deliver(
        request(
            sender="Website forms <forms@formservice.example>",
            to=boxes.practice,
            subject="New form submission",
            body=f"Name: Robin\nEmail: {boxes.person}\nMessage: {WORDS}\n",
        ),
        boxes.practice,
    )
    assert run(config) == 0
    (alert,) = [
        m for m in server.messages(boxes.therapist) if m.message()["X-Mailflow"]
    ]
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    (note,) = notes(server, boxes)
    text = text_of(note)
    assert "a message that came through your website form" in text
    assert f"(the address typed in it: {boxes.person})" in text


def test_a_note_given_up_is_told_afresh_by_the_report_after_it(alerted, monkeypatch):
    """A delay's note could not be filed for a day (the inbox full) and was
    given up; the final report, once the inbox has room, tells afresh."""
    from mailflow.shell.mailbox import ImapMailbox

    server, boxes, config, alert = alerted
    filing = ImapMailbox.file_unread

    monkeypatch.setattr(ImapMailbox, "file_unread", full_inbox)
    server.deliver(
        delay_notice(alert.raw, boxes.therapist, boxes.practice),
        boxes.practice,
        mail_from="",
    )
    for at in (timedelta(minutes=5), timedelta(hours=12), timedelta(days=1, minutes=5)):
        assert run(config, NOW + at) == 1
    assert ("alert_returned", "failed") in outbox(config)
    monkeypatch.setattr(ImapMailbox, "file_unread", filing)  # room again
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(days=2)) == 0
    (note,) = notes(server, boxes)
    assert "sent the alert back" in text_of(note)


def test_a_note_is_filed_while_smtp_is_down(alerted):
    """Filing needs IMAP alone: an SMTP outage met in the same run never
    holds the note back."""
    server, boxes, config, alert = alerted
    server.deliver(  # first: its alert meets the outage before the note's turn
        request(sender=f"Alex <a-{boxes.person}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    returned(server, boxes, alert.raw)
    server.smtp_down()
    try:
        code = run(config, NOW + timedelta(minutes=5))
    finally:
        server.smtp_up()
    assert code == 3  # the letters wait for the next run
    assert ("alert_returned", "done") in outbox(config)
    assert kinds(server, boxes.practice).count("alert_returned") == 1


def test_the_inbox_failing_even_to_search_holds_no_letter_back(alerted, monkeypatch):
    """Each try at the note drops the IMAP answer, and so does the search for
    it the next run: the notes wait, and a new person in crisis still gets
    their safety letter, the therapist their alert, in the same run."""
    from mailflow.errors import MailboxError
    from mailflow.shell.mailbox import ImapMailbox

    server, boxes, config, alert = alerted
    searching = ImapMailbox.contains_message_id

    def failing(self, *args):  # type: ignore[no-untyped-def]
        raise MailboxError("IMAP APPEND to 'INBOX' failed: [UNAVAILABLE] try later")

    def search(self, folder, message_id):  # type: ignore[no-untyped-def]
        if folder == "INBOX":
            failing(self)
        return searching(self, folder, message_id)

    monkeypatch.setattr(ImapMailbox, "file_unread", failing)
    monkeypatch.setattr(ImapMailbox, "contains_message_id", search)
    returned(server, boxes, alert.raw)
    assert run(config, NOW + timedelta(minutes=5)) == 1  # tried, refused
    other = f"a-{boxes.person}"
    server.deliver(
        request(sender=f"Alex <{other}>", to=boxes.practice, body=WORDS),
        boxes.practice,
    )
    assert run(config, NOW + timedelta(minutes=10)) == 1  # searched, refused
    assert kinds(server, other) == ["safety"]
    assert kinds(server, boxes.therapist) == ["crisis_alert", "crisis_alert"]
    assert ("alert_returned", "pending") in outbox(config)


@pytest.mark.parametrize(
    ("statuses", "queued"),
    [
        ([None, None, None], 0),  # none yet: the first
        (["pending", None, None], None),  # one waits to be filed
        (["done", None, None], None),  # told already
        (["failed", None, None], 1),  # given up unfiled: afresh
        (["failed", "failed", None], 2),
        (["failed", "sent", None], None),
        (["failed", "failed", "failed"], None),  # all given up: only the errors say it
    ],
)
def test_which_practice_note_to_queue(statuses, queued) -> None:  # type: ignore[no-untyped-def]
    assert guard.practice_note(statuses) == queued
