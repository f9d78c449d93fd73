"""`mailflow run` end to end: real Dovecot, real SMTP, replies read back over IMAP."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import re
from datetime import timedelta, timezone
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path

import pytest
from support import (
    NOW,
    absent,
    book_a_call,
    request,
    run,
    run_in_process,
    sent_to,
    write_config,
)

from mailflow.config import load_settings
from mailflow.errors import MailboxError
from mailflow.reading.parse import ParseError, parse_mail
from mailflow.shell.lock import RunLock
from mailflow.shell.mailbox import ImapMailbox
from mailflow.shell.runner import MAX_ATTEMPTS_PER_MAIL


def inbox_state(server, user, folder="INBOX"):
    return [(m.uid, m.flags) for m in server.messages(user, folder)]


def only_reply(server, user):
    (stored,) = server.messages(user)
    return stored.message()


def plain(message) -> str:
    return (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    )


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


def test_request_gets_one_threaded_warm_offer(setup):
    server, boxes, config = setup
    raw = request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice)
    server.deliver(raw, boxes.practice)
    before = inbox_state(server, boxes.practice)

    assert run(config) == 0

    original = email.message_from_bytes(raw, policy=default_policy)
    reply = only_reply(server, boxes.person)
    assert reply["In-Reply-To"] == original["Message-ID"]
    assert original["Message-ID"] in reply["References"]
    assert reply["Subject"] == "Re: Free consultation call"
    assert reply["From"].addresses[0].addr_spec == boxes.practice
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Message-ID"].endswith("@riverside.example>")
    text = plain(reply)
    assert text.startswith("Hello Jordan,")
    assert "tell me about yourself" in text
    numbered = re.findall(
        r"^  (\d)\. (\w+day) (\d+ \w+) at (\d\d:\d\d) London time \(GMT, UTC\+0\)$",
        text,
        re.M,
    )
    assert [n for n, *_ in numbered] == ["1", "2", "3", "4", "5"]
    assert len({day for _, _, day, _ in numbered}) >= 4  # spread over days
    assert "phone number you'd like me to ring you on" in text
    assert reply.get_body(preferencelist=("html",)) is not None
    # The therapist sees what was written, and the request itself is untouched.
    (copy,) = server.messages(boxes.practice, "Sent")
    assert copy.message()["Message-ID"] == reply["Message-ID"]
    assert "\\Seen" in copy.flags
    assert inbox_state(server, boxes.practice) == before


def test_second_run_sends_nothing_new(setup):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    assert run(config) == 0
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(sent_to(server, boxes.person)) == 1
    assert len(server.messages(boxes.person)) == 1


def test_phone_given_is_used_and_not_asked_for(setup):
    server, boxes, config = setup
    body = "Hi, could I book a free consultation? My number is 07700 900123."
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=body), boxes.practice
    )
    assert run(config) == 0
    text = plain(only_reply(server, boxes.person))
    assert "ring you then on 07700 900123" in text
    assert "phone number you'd like" not in text


def test_times_also_in_the_senders_own_offset(setup):
    server, boxes, config = setup
    sent_at = NOW.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, sent_at=sent_at), boxes.practice
    )
    assert run(config) == 0
    text = plain(only_reply(server, boxes.person))
    pairs = re.findall(
        r"at (\d\d):(\d\d) London time \(GMT, UTC\+0\)\n\s+(\d\d):(\d\d)[^()\n]* your time \(UTC-5\)",
        text,
    )
    assert len(pairs) == 5
    for hour, minute, their_hour, their_minute in pairs:
        assert (int(hour) - int(their_hour)) % 24 == 5
        assert minute == their_minute


def test_html_only_and_latin1_requests_are_answered(tmp_path, mail_server, mailboxes):
    # The only booking words are non-ASCII: the request is recognised only when
    # the ISO-8859-1 body is decoded as such.
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        '[requests]\nkeywords = ["r\u00e9server un appel"]\n',
    )
    html = "<html><body><p>Bonjour, j&#39;aimerais r&eacute;server <b>la consultation gratuite</b>, the free call.</p></body></html>"
    mail_server.deliver(
        request(sender=mailboxes.person, to=mailboxes.practice, body="", html=html),
        mailboxes.practice,
    )
    helene = f"helene-{mailboxes.person}"
    latin1 = (
        f"From: =?iso-8859-1?q?H=E9l=E8ne_Dubois?= <{helene}>\r\n"
        f"To: {mailboxes.practice}\r\n"
        "Subject: Bonjour\r\n"
        f"Date: {format_datetime(NOW)}\r\n"
        "Message-ID: <latin1-request@sender.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Bonjour, je m'appelle H\u00e9l\u00e8ne et j'aimerais r\u00e9server un appel "
        "d\u00e9couverte, de pr\u00e9f\u00e9rence le matin.\r\n"
    ).encode("iso-8859-1")
    assert b"H\xe9l\xe8ne" in latin1  # really ISO-8859-1 on the wire
    mail_server.deliver(latin1, mailboxes.practice)

    assert run(config) == 0

    assert len(mail_server.messages(mailboxes.person)) == 1
    reply = only_reply(mail_server, helene)
    # Not plainly a request: our own safe subject, never a stranger's words (#14).
    assert reply["Subject"] == "Re: Bonjour"  # their own words, back to them
    assert plain(reply).startswith("Hello H\u00e9l\u00e8ne,")
    html_part = reply.get_body(preferencelist=("html",)).get_content()
    assert "H\u00e9l\u00e8ne" in html_part or "H&eacute;l&egrave;ne" in html_part


def test_contact_form_answers_the_person_not_the_form(tmp_path, mail_server, mailboxes):
    server, boxes = mail_server, mailboxes
    # A form only from a configured form sender (#14).
    config = write_config(
        tmp_path,
        server,
        boxes,
        '[requests]\nform_senders = ["noreply-form@forms.example"]\n',
    )
    body = f"""
    Name: Alex Morgan
    Email: {boxes.person}
    Phone: 07700 900461
    Message: Could we arrange the initial consultation call?
    """
    form = request(
        sender="Website <noreply-form@forms.example>",
        to=boxes.practice,
        subject="New form submission",
        body=body,
        headers={"Reply-To": boxes.person},
        # The form service's own clock (US-hosted), not the person's zone.
        sent_at=NOW.astimezone(timezone(timedelta(hours=-5))),
    )
    server.deliver(form, boxes.practice)
    assert run(config) == 0
    reply = only_reply(server, boxes.person)
    assert plain(reply).startswith("Hello Alex,")
    assert "your time" not in plain(reply)
    # They never saw the form service's notification: a subject of our own.
    assert reply["Subject"] == "Your free 15-minute call"
    assert sent_to(server, "noreply-form@forms.example") == []


def _netlify_form(server, boxes, body: str) -> None:
    """A Netlify form notification: from its own address, no Reply-To, the
    person (if anyone) only in the body."""
    server.deliver(
        request(
            sender="Netlify <formresponses@netlify.com>",
            to=boxes.practice,
            subject="[Riverside] New form submission",
            body=body,
        ),
        boxes.practice,
    )


def test_unconfigured_form_service_answers_the_person_in_the_body(setup):
    # Netlify: from its own address, no Reply-To, the person only in the body;
    # requests.form_senders is left at its default (the known services).
    server, boxes, config = setup
    body = f"""
    You've got a new form submission on Riverside Counselling

    Name: Robin Ellis
    Email: {boxes.person}
    Message: Could I book the free consultation call?
    """
    _netlify_form(server, boxes, body)
    assert run(config) == 0
    assert plain(only_reply(server, boxes.person)).startswith("Hello Robin,")
    assert sent_to(server, "formresponses@netlify.com") == []


def test_a_crisis_in_a_form_naming_nobody_reaches_the_therapist_once(setup):
    """A website form with no address mailflow may write to is never
    answered, but a crisis in it alerts the therapist at once, with the form
    quoted and the number it gives; nobody else is written to, the form is
    left as it came, and the next run sends nothing more."""
    server, boxes, config = setup
    body = """
    You've got a new form submission on Riverside Counselling

    Name: Robin Ellis
    Phone: 07700 900461
    Message: i've sorted out who gets the dog and i've written to my sister.
    i'm going to end my life this weekend. i don't know why i'm telling you.
    """
    _netlify_form(server, boxes, body)
    before = inbox_state(server, boxes.practice)

    report, _ = run_in_process(config, NOW)

    assert report.outcomes == {"form-alerted": 1}
    assert (report.ignored, report.requests, report.sent) == (0, 0, 1)
    (alert,) = server.messages(boxes.therapist)
    message = alert.message()
    assert message["Subject"] == "Urgent: a website form may be from someone at risk"
    assert message["Reply-To"] is None  # a reply would reach nobody of theirs
    text = plain(message)
    assert "The form gave no email address mailflow could answer" in text
    assert "Name:    Robin Ellis\nPhone:   07700 900461\nEmail:   (none given)" in text
    assert "> i'm going to end my life this weekend." in text
    assert sent_to(server, "formresponses@netlify.com") == []
    assert inbox_state(server, boxes.practice) == before
    # Seen: the next run alerts nobody again.
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(server.messages(boxes.therapist)) == 1


@pytest.mark.parametrize("sent_as", ["no-reply", "practice"])
def test_a_form_from_the_practices_own_site_is_read_for_risk(setup, sent_as):
    """Its own WordPress's no-reply sender, or its mailer signed in to the
    practice's mailbox: the body is read past the headers, the therapist is
    alerted, and nobody is written to (least of all the address typed)."""
    server, boxes, config = setup
    sender = {
        "no-reply": "Website <noreply@riversidecounselling.example>",
        "practice": f"Website <{boxes.practice}>",
    }[sent_as]
    body = f"""
    New message from your website

    Name: Robin Ellis
    Email: {boxes.person}
    Message: I tried to hang myself on Sunday and nobody knows.
    """
    server.deliver(
        request(sender=sender, to=boxes.practice, subject="Website enquiry", body=body),
        boxes.practice,
    )

    report, _ = run_in_process(config, NOW)

    assert report.outcomes == {"form-alerted": 1}
    assert server.messages(boxes.person) == []
    (alert,) = server.messages(boxes.therapist)
    text = plain(alert.message())
    assert f"Email:   {boxes.person} (as typed in the form" in text
    assert "> Message: I tried to hang myself on Sunday and nobody knows." in text


def test_reply_to_form_greets_the_person_not_the_service(setup):
    # Squarespace: From is the service, Reply-To the person, no Email field.
    server, boxes, config = setup
    server.deliver(
        request(
            sender="Squarespace <form-submission@squarespace.info>",
            to=boxes.practice,
            subject="Form Submission - Free consultation",
            body="Sent via form submission from Riverside.\n\n"
            "Message: Hello! Could I book the free consultation call?",
            headers={"Reply-To": f"Jordan Lee <{boxes.person}>"},
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert plain(only_reply(server, boxes.person)).startswith("Hello Jordan,")
    assert sent_to(server, "form-submission@squarespace.info") == []


def test_mail_that_is_not_ours_stays_exactly_as_it_was(setup):
    server, boxes, config = setup
    contact = f"robin-{boxes.person}"
    server.append(
        boxes.practice,
        "Sent",
        request(
            sender=boxes.practice, to=contact, subject="Thursday", body="See you then."
        ),
    )
    not_ours = [
        request(
            sender=contact,
            to=boxes.practice,
            subject="Appointment",
            body="Could we book an extra session?",
        ),
        request(
            sender="news@list.example",
            to=boxes.practice,
            subject="Book a consultation",
            headers={"List-Id": "<n.list.example>"},
        ),
        request(
            sender="kim@example.com",
            to=boxes.practice,
            subject="Automatic reply: consultation",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        request(
            sender=boxes.therapist,
            to=boxes.practice,
            subject="free consultation call note",
        ),
        request(
            sender="pat@example.com",
            to=boxes.practice,
            subject="Re: our chat",
            headers={"In-Reply-To": "<elsewhere@x>"},
        ),
        request(
            sender="lee@example.com",
            to=boxes.practice,
            subject="Hello",
            body="Just saying thanks for the talk last week.",
        ),
    ]
    for raw in not_ours:
        server.deliver(raw, boxes.practice)
    server.append(
        boxes.practice,
        "INBOX",
        request(
            sender="flagged@example.com",
            to=boxes.practice,
            subject="Hi",
            body="Thanks again for yesterday.",
        ),
        flags=["\\Flagged"],
    )
    before = inbox_state(server, boxes.practice)
    count = len(server.smtp_log)

    assert run(config) == 0

    assert len(server.smtp_log) == count
    assert inbox_state(server, boxes.practice) == before
    assert [m.uid for m in server.messages(boxes.practice, "Sent")] == [1]


def answer_by_hand(
    server, boxes, request_id: str, words: str, *, references: bool = True
) -> None:
    """The therapist's own reply to the request, filed in Sent (some mail
    programs set In-Reply-To alone)."""
    headers = {"In-Reply-To": request_id}
    if references:
        headers["References"] = request_id
    server.append(
        boxes.practice,
        "Sent",
        request(
            sender=boxes.practice,
            to=boxes.person,
            subject="Re: Free consultation call",
            body=words,
            headers=headers,
        ),
    )


def test_thread_answered_by_hand_is_left_to_the_human(setup):
    server, boxes, config = setup
    raw = request(sender=boxes.person, to=boxes.practice)
    request_id = email.message_from_bytes(raw)["Message-ID"]
    server.deliver(raw, boxes.practice)
    answer_by_hand(server, boxes, request_id, "Happy to!", references=False)
    assert run(config) == 0
    assert server.messages(boxes.person) == []


def test_old_requests_are_left_on_first_run(setup):
    server, boxes, config = setup
    server.deliver(
        request(
            sender=boxes.person, to=boxes.practice, sent_at=NOW - timedelta(days=30)
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert server.messages(boxes.person) == []


def test_crisis_gets_safety_message_and_alert(setup):
    server, boxes, config = setup
    body = "I'd like a consultation. I have been thinking about ending my life."
    server.deliver(
        request(sender=boxes.person, to=boxes.practice, body=body), boxes.practice
    )
    assert run(config) == 0
    reply = plain(only_reply(server, boxes.person))
    assert "emergency" in reply
    assert "London time" not in reply  # no cheerful slot list
    (alert,) = server.messages(boxes.therapist)
    text = plain(alert.message())
    assert (
        "> I'd like a consultation. I have been thinking about ending my life." in text
    )
    assert boxes.person in text


@pytest.mark.parametrize("call_booked", [False, True])
def test_a_crisis_in_a_strangers_calendar_invitation_reaches_the_therapist(
    setup, call_booked
):
    """Calendar mail is never answered, but its words are read for clear risk
    whether or not a booked call gives its calendar a UID to match."""
    server, boxes, config = setup
    if call_booked:
        book_a_call(config, NOW)
    message = email.message_from_bytes(
        request(
            sender=boxes.person,
            to=boxes.practice,
            subject="Invitation: can we talk?",
            body="I don't want to be alive any more. Can we talk this week?",
        ),
        policy=email.policy.default,
    )
    message.add_alternative(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:talk-1@example.org\r\nDTSTAMP:20261124T090000Z\r\n"
        "DTSTART:20261127T100000Z\r\nDTEND:20261127T101500Z\r\nSUMMARY:Talk\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        subtype="calendar",
        params={"method": "REQUEST"},
    )
    server.deliver(message.as_bytes(), boxes.practice)
    before = inbox_state(server, boxes.practice)

    assert run(config) == 0

    assert server.messages(boxes.person) == []  # nobody else is written to
    (alert,) = server.messages(boxes.therapist)
    assert "> I don't want to be alive any more." in plain(alert.message())
    assert inbox_state(server, boxes.practice) == before


def test_a_crisis_said_only_in_an_invitations_description_is_quoted_to_the_therapist(
    setup,
):
    """An iPhone's invitation has no text part: the alert quotes its words and
    says it came as an invitation; the sender is sent nothing."""
    from test_parse import invitation_mail

    server, boxes, config = setup
    server.deliver(
        invitation_mail(f"Kit <{boxes.person}>", boxes.practice), boxes.practice
    )

    assert run(config) == 0

    assert server.messages(boxes.person) == []
    (alert,) = server.messages(boxes.therapist)
    text = plain(alert.message())
    assert "> I don't want to be alive any more." in text
    assert "> I have the pills ready." in text
    assert "Their message came as a calendar invitation" in text
    assert "someone you already write to" not in text


def test_a_run_that_finds_the_lock_held_leaves_quietly(setup, capsys):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    database = load_settings(config).storage.database
    with RunLock(Path(f"{database}.lock")) as held:
        assert held.acquired
        assert run(config) == 0
    assert capsys.readouterr().err == ""
    assert server.messages(boxes.person) == []
    assert run(config) == 0
    assert len(server.messages(boxes.person)) == 1


def test_empty_poll_sends_only_status(setup):
    _, _, config = setup
    assert run(config) == 0
    _, mailbox = run_in_process(config, NOW)
    assert mailbox.commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]


def test_uidvalidity_change_does_not_answer_again(tmp_path, mail_server, mailboxes):
    config = write_config(tmp_path, mail_server, mailboxes, folder="Requests")
    raw = request(sender=mailboxes.person, to=mailboxes.practice)
    with mail_server.imap(mailboxes.practice) as client:
        client.create_folder("Requests")
    mail_server.append(mailboxes.practice, "Requests", raw)
    assert run(config) == 0
    with mail_server.imap(mailboxes.practice) as client:
        old = client.folder_status("Requests", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        client.delete_folder("Requests")
        client.create_folder("Requests")
        assert client.folder_status("Requests", [b"UIDVALIDITY"])[b"UIDVALIDITY"] != old
    mail_server.append(mailboxes.practice, "Requests", raw)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert len(mail_server.messages(mailboxes.person)) == 1


def test_imap_down_exits_3_with_one_line(tmp_path, mail_server, mailboxes, capsys):
    config = write_config(tmp_path, mail_server, mailboxes)
    text = config.read_text().replace(f"port = {mail_server.imap_port}", "port = 1")
    config.write_text(text)
    assert run(config) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "IMAP server 127.0.0.1:1 unreachable" in err[0]


def test_wrong_password_exits_3(tmp_path, mail_server, mailboxes, capsys, monkeypatch):
    config = write_config(tmp_path, mail_server, mailboxes)
    monkeypatch.setenv("MAILFLOW_IMAP__PASSWORD", "wrong")
    assert run(config) == 3
    err = capsys.readouterr().err
    assert "refused for" in err
    assert "wrong" not in err


@pytest.mark.parametrize("where", ["batch", "single"])
def test_imap_drop_mid_run_stops_the_run_and_never_gives_up_the_mail(setup, where):
    """Dovecot stops under the body fetch, more runs in a row than a failing mail
    is allowed: each run stops with MailboxError (exit 3 in the CLI), and no
    attempt counts against the mail, so it is answered once the server is back."""
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)

    class DropsUnderTheFetch(ImapMailbox):
        batch_read = False

        def readable(self, wanted):
            if where == "single" and not self.batch_read:
                self.batch_read = True
                return {}  # no batch read: each body is fetched in its mail's own turn
            server.imap_down()  # the session dies on the wire, mid-run
            return super().readable(wanted)

    for attempt in range(MAX_ATTEMPTS_PER_MAIL + 1):
        try:
            with pytest.raises(MailboxError):
                run_in_process(
                    config,
                    NOW + timedelta(minutes=attempt),
                    mailbox=DropsUnderTheFetch,
                )
        finally:
            server.imap_up()
    assert server.messages(boxes.person) == []
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert len(server.messages(boxes.person)) == 1


def test_smtp_down_keeps_the_decision_and_sends_once_later(setup, capsys):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    server.smtp_down()
    try:
        assert run(config) == 3
    finally:
        server.smtp_up()
    assert "1 message(s) wait in the outbox" in capsys.readouterr().err
    assert server.messages(boxes.person) == []
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert len(server.messages(boxes.person)) == 1


def test_an_offer_waiting_for_smtp_is_withdrawn_when_the_therapist_answers_by_hand(
    setup, capsys
):
    """SMTP down keeps the offer in the outbox; if the therapist then answers
    the person themselves, the waiting offer never follows their words."""
    server, boxes, config = setup
    raw = request(sender=boxes.person, to=boxes.practice)
    request_id = email.message_from_bytes(raw)["Message-ID"]
    server.deliver(raw, boxes.practice)
    server.smtp_down()
    try:
        assert run(config) == 3
    finally:
        server.smtp_up()
    assert "1 message(s) wait in the outbox" in capsys.readouterr().err
    answer_by_hand(
        server,
        boxes,
        request_id,
        "Lovely to hear from you, I'll ring you tomorrow at ten.",
    )
    count = len(server.smtp_log)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert run(config, NOW + timedelta(minutes=10)) == 0

    assert server.messages(boxes.person) == []
    assert len(server.smtp_log) == count  # nothing at all went out
    assert "1 message(s) wait" not in capsys.readouterr().err


ANY_AGE = "[workflow]\nmax_request_age_days = 36500\n"
"""Old Date headers must not stop a sample before the classifier sees it."""


def _odd_but_harmless(boxes) -> list[bytes]:
    """Bad input of our own: a mail over 2 MiB, one with an attachment, an empty one."""
    huge = EmailMessage()
    huge["From"] = f"Kim <kim-{boxes.person}>"
    huge["To"] = boxes.practice
    huge["Subject"] = "Photos from Saturday"
    huge["Date"] = format_datetime(NOW)
    huge.set_content("Here is the scan of the flyer we talked about.")
    huge.add_attachment(
        bytes(range(256)) * (9 * 1024),
        maintype="image",
        subtype="png",
        filename="scan.png",
    )
    attached = EmailMessage()
    attached["From"] = f"Lee <lee-{boxes.person}>"
    attached["To"] = boxes.practice
    attached["Subject"] = "Documents"
    attached["Date"] = format_datetime(NOW)
    attached.set_content("Please find the signed form attached.")
    attached.add_attachment(
        b"%PDF-1.4\n%...", maintype="application", subtype="pdf", filename="form.pdf"
    )
    empty = f"From: <pat-{boxes.person}>\r\nTo: {boxes.practice}\r\n\r\n".encode()
    raws = [huge.as_bytes(), attached.as_bytes(), empty]
    assert len(raws[0]) > 2 * 1024 * 1024
    return raws


def _personal_data(raw: bytes) -> set[str]:
    """Addresses, names and a line of body text, as a log line must never show them."""
    try:
        mail = parse_mail(raw)
    except ParseError:
        return set()
    found = {a for a in (mail.from_addr, *mail.reply_to, *mail.to) if a}
    found |= {n for n in (mail.from_name, mail.reply_to_name) if len(n) >= 5}
    lines = [line.strip() for line in mail.text.splitlines()]
    found |= {line for line in lines if len(line) >= 30}
    return found


def _feed(server, user: str, raws: list[bytes]) -> None:
    with server.imap(user) as client:
        for raw in raws:
            client.append("INBOX", raw)


def test_real_world_oddities_get_no_reply_and_keep_their_flags(
    tmp_path, mail_server, mailboxes, shared_fixtures, caplog
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, ANY_AGE)
    files = sorted(
        p
        for d in ("autoreply-bounce", "odd-mime", "imip", "replies")
        for p in (shared_fixtures / d).iterdir()
    )
    odd = [path.read_bytes() for path in files] + _odd_but_harmless(boxes)
    genuine = request(sender=f"Jordan Lee <{boxes.person}>", to=boxes.practice)
    _feed(server, boxes.practice, [*odd[:40], genuine, *odd[40:]])
    before = inbox_state(server, boxes.practice)
    count = len(server.smtp_log)
    caplog.set_level(logging.INFO, logger="mailflow")

    assert run(config) == 0

    # The one genuine request in the batch is answered; no sample is. The
    # therapist may be asked to read two, known false alarms of the risk
    # words since they learned more loosely (2026-12-05): a pharmacy spam
    # carrying a love song's lines (0.52) and a flight log whose one known
    # word is "u" (0.61). Guards against them silenced real crises (docs/reading.md).
    sent = server.smtp_log[count:]
    assert [tuple(r.rcpt_tos) for r in sent if boxes.therapist not in r.rcpt_tos] == [
        (boxes.person,)
    ]
    notes = [r for r in sent if boxes.therapist in r.rcpt_tos]
    assert len(notes) <= 2
    for note in notes:
        assert tuple(note.rcpt_tos) == (boxes.therapist,)
        subject = email.message_from_bytes(note.data)["Subject"]
        assert subject.startswith("Please read:"), subject
        assert subject.split()[2:-2] in (["bit@ufo.ru"], ["neal", "ragland"]), subject
    assert plain(only_reply(server, boxes.person)).startswith("Hello Jordan,")
    assert inbox_state(server, boxes.practice) == before
    assert "left alone (" in caplog.text  # the log was captured at all
    assert "(too-old)" not in caplog.text  # every sample met the classifier
    leaked = sorted(
        item
        for raw in [*odd, genuine]
        for item in _personal_data(raw)
        if item in caplog.text or ("@" in item and item in caplog.text.lower())
    )
    assert leaked == []


def _stdlib_email_messages() -> list[Path]:
    try:
        import test  # the standard library's own test package
    except ImportError:
        return []
    folder = Path(test.__file__).parent / "test_email" / "data"
    return sorted(folder.glob("msg_*.txt"))


def test_stdlib_email_test_messages_get_no_reply_and_keep_their_flags(
    tmp_path, mail_server, mailboxes
):
    files = _stdlib_email_messages()
    if not files:
        absent(
            "the standard library's email test messages (test/test_email/data) are "
            "not installed (Debian: libpython3.X-testsuite)"
        )
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, ANY_AGE)
    _feed(server, boxes.practice, [path.read_bytes() for path in files])
    before = inbox_state(server, boxes.practice)
    assert len(before) == len(files)
    count = len(server.smtp_log)

    assert run(config) == 0

    assert server.smtp_log[count:] == []
    assert inbox_state(server, boxes.practice) == before


def test_check_logs_in_and_shows_slots(setup, capsys):
    from mailflow.cli import main

    _, _, config = setup
    assert main(["check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "imap: logged in" in out
    assert "smtp: logged in" in out
    assert "template: offer ok" in out
    assert "London time" in out


def test_status_after_a_run(setup, capsys):
    from mailflow.cli import main

    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    assert run(config) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "offered" in out
    assert "Last run: 2026-11-25" in out
    assert boxes.person not in out


def test_poll_after_sending_stays_cheap(setup):
    server, boxes, config = setup
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    assert run(config) == 0
    _, mailbox = run_in_process(config, NOW)
    # Our own copy in Sent was accounted for by APPENDUID: no rescan, no fetch.
    assert mailbox.commands == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("imap.folder", 'folder = "Requests"'),
        ("imap.sent_folder", 'sent_folder = "Sent Items"'),
    ],
)
def test_a_folder_the_server_does_not_have_is_a_config_error(
    tmp_path, mail_server, mailboxes, capsys, key, text
):
    config = write_config(tmp_path, mail_server, mailboxes)
    body = config.read_text()
    if key == "imap.folder":
        body = body.replace('folder = "INBOX"', text)
    else:
        body = body.replace("[smtp]", f"{text}\n\n[smtp]", 1)
    config.write_text(body)
    assert run(config) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"mailflow: config: {key}: ")


@pytest.mark.parametrize(
    ("host", "setting", "files_itself"),
    [
        ("imap.gmail.com", "auto", True),
        ("outlook.office365.com", "auto", True),
        ("imap.mail.me.com", "auto", True),
        ("imap.fastmail.com", "auto", False),
        ("mail.riverside.example", "auto", False),
        ("imap.gmail.com", "append", False),
        ("mail.riverside.example", "none", True),
    ],
)
def test_sent_copy_auto_knows_who_files_sent_mail_itself(
    tmp_path, mail_server, mailboxes, monkeypatch, host, setting, files_itself
):
    config = write_config(tmp_path, mail_server, mailboxes)
    monkeypatch.setenv("MAILFLOW_IMAP__SENT_COPY", setting)
    imap = load_settings(config).imap
    imap = dataclasses.replace(imap, host=host)
    assert imap.files_sent_mail_itself is files_itself


@pytest.mark.parametrize(("setting", "copies"), [("append", 1), ("none", 0)])
def test_the_sent_folder_gets_one_copy_or_none_as_configured(
    setup, monkeypatch, setting, copies
):
    server, boxes, config = setup
    monkeypatch.setenv("MAILFLOW_IMAP__SENT_COPY", setting)
    server.deliver(request(sender=boxes.person, to=boxes.practice), boxes.practice)
    assert run(config) == 0
    assert run(config, NOW + timedelta(minutes=5)) == 0  # and never a second one
    only_reply(server, boxes.person)
    sent = [m.message() for m in server.messages(boxes.practice, "Sent")]
    assert [m["X-Mailflow"] for m in sent] == ["offer"] * copies
