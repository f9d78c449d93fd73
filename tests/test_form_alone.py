"""A website form that names nobody mailflow may write to is never answered,
but its words are read for risk: clear risk, or words that may tell of danger
now, alert the therapist at once (`classify._form_alone`). Pure: the reading
alone. End to end over real servers: `test_run.py`; the labelled corpus:
`tests/corpus/forms/` (`test_understand.py`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailflow.model import Classification, FormAlert, InboundMail, Verdict
from mailflow.reading.classify import RequestPolicy, classify_new

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
    form_senders=("formresponses@netlify.com", "@squarespace.info"),
    therapist_name="Sam Rivera",
)
CLEAR = "I have written my goodbye letters and I'm going to kill myself tonight."
DANGER = "I've just taken all the tablets in the cupboard, sorry."
"""Possible risk, told now (`danger-now-possible`)."""


def _alerted(message: str) -> tuple[str, str, bool, str]:
    """A form's reading where it alerts the therapist (a CRISIS verdict and a
    `FormAlert`): its reason, risk, danger now and the alert's level."""
    found = _read(_form(message))
    assert found.verdict is Verdict.CRISIS
    assert found.form_alert is not None
    return found.reason, found.risk, found.danger_now, found.form_alert.level


def _form(
    message: str,
    *,
    sender: str = "formresponses@netlify.com",
    email_line: str = "",
    phone_line: str = "",
    reply_to: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> InboundMail:
    text = (
        "You've got a new form submission on Riverside Counselling\n\n"
        "Name: Jordan Lee\n"
        + (f"Email: {email_line}\n" if email_line else "")
        + (f"Phone: {phone_line}\n" if phone_line else "")
        + f"Message: {message}\n\n"
        "Sent from your website\n"
    )
    return InboundMail(
        message_id="<form-1@netlify.com>",
        subject="[Riverside] New form submission",
        from_addr=sender,
        from_name="Website",
        to=("hello@riverside.example",),
        reply_to=reply_to,
        text=text,
        headers=headers or {},
    )


def _read(mail: InboundMail) -> Classification:
    return classify_new(mail, POLICY, contacts=frozenset(), owned_thread=False)


# Every way a form names nobody mailflow may write to.
NOBODY = {
    "a named service, no Email field": {},
    "a named service, Email left as words": {"email_line": "prefer not to say"},
    "a named service, a number for an Email": {"email_line": "07700 900461"},
    "a service not named, its sender a form's": {
        "sender": "forms@riversidecounselling.example"
    },
    "the practice's own WordPress, an address typed": {
        "sender": "wordpress@riversidecounselling.example",
        "email_line": "jordan@example.org",
    },
    "the site's no-reply sender, an address typed": {
        "sender": "noreply@riversidecounselling.example",
        "email_line": "jordan@example.org",
    },
    "the site's no-reply sender, no address": {
        "sender": "no-reply@riversidecounselling.example"
    },
}


@pytest.mark.parametrize("how", list(NOBODY))
def test_clear_risk_in_a_form_naming_nobody_alerts_the_therapist(how: str) -> None:
    found = _read(_form(CLEAR, **NOBODY[how]))  # type: ignore[arg-type]
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.CRISIS,
        "form-crisis",
        "clear",
    )
    assert found.person is None  # nobody is written to
    assert found.form_alert is not None
    assert found.form_alert.name == "Jordan Lee"


@pytest.mark.parametrize("how", list(NOBODY))
def test_an_ordinary_form_naming_nobody_is_still_left_alone(how: str) -> None:
    found = _read(
        _form("Could I book the free consultation call?", **NOBODY[how])  # type: ignore[arg-type]
    )
    assert found.verdict is Verdict.IGNORE
    assert found.form_alert is None


def test_danger_told_now_alerts_as_possible_risk() -> None:
    assert _alerted(DANGER) == ("form-danger", "possible", True, "possible")


@pytest.mark.parametrize(
    "message",
    [
        # Possible risk, not now: the form waits for the therapist's own read.
        "I used to self-harm as a teenager and I'd like to talk about it. Free call?",
        "Do you work with clients who have suicidal thoughts? Asking for a referral.",
        "My late brother took his own life in 2019 and I'm struggling with grief.",
        "This job is killing me and I'm dying to get started with someone.",
    ],
)
def test_a_form_without_risk_now_raises_no_alert(message: str) -> None:
    found = _read(_form(message))
    assert found.verdict is Verdict.IGNORE
    assert found.reason == "form-without-address"


def test_what_the_form_says_of_how_to_reach_them_goes_to_the_therapist() -> None:
    """Their number from the Phone field (else their message), the address
    typed into a form mailflow may not answer, and whether the sender is a
    service the practice has not named."""
    named = _read(_form(CLEAR, phone_line="07700 900461"))
    assert named.form_alert == FormAlert(
        level="clear",
        name="Jordan Lee",
        phone="+447700900461",
        typed_email=None,
        sent_by="service",
    )
    in_message = _read(_form(f"{CLEAR} ring me on 07700 900462"))
    assert in_message.form_alert is not None
    assert in_message.form_alert.phone == "+447700900462"
    typed = _read(
        _form(
            CLEAR,
            sender="wordpress@riversidecounselling.example",
            email_line="Jordan@Example.org",
        )
    )
    assert typed.form_alert == FormAlert(
        level="clear",
        name="Jordan Lee",
        phone=None,
        typed_email="jordan@example.org",
        sent_by="unnamed",
    )


def test_the_services_own_number_is_not_taken_for_theirs() -> None:
    """Only the fields are read for it, not the wrapper around them."""
    mail = _form(CLEAR)
    mail = replace(mail, text="Netlify support: 0800 016 0018\n" + mail.text)
    found = _read(mail)
    assert found.form_alert is not None
    assert found.form_alert.phone is None


def test_a_form_that_names_someone_to_write_to_is_answered_as_ever() -> None:
    """An address from a named service: the safety message goes to them (the
    ordinary crisis path), no address-less alert."""
    found = _read(_form(CLEAR, email_line="jordan@example.org"))
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.CRISIS,
        "crisis",
        "clear",
    )
    assert found.person is not None
    assert found.person.email == "jordan@example.org"
    assert found.form_alert is None


@pytest.mark.parametrize(
    "headers",
    [{"auto-submitted": "auto-generated"}, {"list-id": "<forms.example>"}],
)
def test_other_machine_signals_still_decide_on_headers(
    headers: dict[str, str],
) -> None:
    """Only a no-reply sender's form is read past its headers (`_NEEDS_BODY`
    in the runner): mail that says it is automated in any other way is never
    read, by the run as by the classifier."""
    mail = _form(
        CLEAR,
        sender="wordpress@riversidecounselling.example",
        email_line="jordan@example.org",
        headers=headers,
    )
    assert _read(mail).verdict is Verdict.IGNORE


def test_mail_from_a_no_reply_sender_that_is_no_form_is_still_ignored() -> None:
    mail = InboundMail(
        message_id="<n@shop.example>",
        subject="Your order",
        from_addr="noreply@shop.example",
        from_name="Shop",
        text=f"Order 1234 shipped. {CLEAR}",
    )
    assert _read(mail).reason == "system-sender"


def test_a_form_sent_as_the_practice_itself_is_read_for_risk_only() -> None:
    """A website mailer signed in to the practice's own mailbox sends its
    forms as the practice: never answered (mail from the practice never
    is), but a crisis in one alerts the therapist."""
    practice = "hello@riverside.example"
    found = _read(_form(CLEAR, sender=practice, email_line="jordan@example.org"))
    assert (found.verdict, found.reason) == (Verdict.CRISIS, "form-crisis")
    assert found.form_alert is not None
    assert found.form_alert.sent_by == "practice"
    assert found.form_alert.typed_email == "jordan@example.org"
    calm = _read(_form("Could I book a free call?", sender=practice))
    assert (calm.verdict, calm.reason) == (Verdict.IGNORE, "form-from-practice")
    # Mail from the practice that is no form, and the therapist's own: as ever.
    note = replace(_form(CLEAR, sender=practice), text=CLEAR)
    assert _read(note).reason == "from-practice"
    therapist = _form(CLEAR, sender="sam@riverside.example")
    assert _read(therapist).reason == "from-practice"


WEIGHED = (
    "i'm up on the hill above town. it's quiet up here."
    " i just wanted someone to know, sorry"
)
"""No phrase of risk, but words that weigh like a crisis's (`risk_words`)."""


def test_words_that_weigh_like_a_crisis_ask_the_therapist_to_read_it_today() -> None:
    assert _alerted(WEIGHED) == ("form-weighed", "possible", False, "weighed")
    # A professional's note or an ordinary enquiry weighs nothing.
    calm = _read(_form("Do you have evening appointments? I work shifts."))
    assert calm.verdict is Verdict.IGNORE


CONTACT_FORM_7 = (
    "From: Daniel Kerr <daniel.kerr@example.com>\n"
    "Subject: Counselling enquiry\n\n"
    "Message Body:\n{message}\n\n"
    "-- \n"
    "This e-mail was sent from a contact form on Riverside Counselling"
    " (https://riversidecounselling.example)\n"
)


def _contact_form_7(message: str) -> InboundMail:
    return InboundMail(
        message_id="<cf7-1@riversidecounselling.example>",
        subject='Riverside Counselling "Counselling enquiry"',
        from_addr="wordpress@riversidecounselling.example",
        from_name="Riverside Counselling",
        to=("hello@riverside.example",),
        text=CONTACT_FORM_7.format(message=message),
    )


def test_contact_form_7_is_never_answered_at_the_websites_own_mailbox() -> None:
    """Its person stands on a "From:" line: read as the form it is, never as
    mail from wordpress@ (which was answered "Hello WordPress,")."""
    calm = _read(_contact_form_7("Do you have any availability for counselling?"))
    assert (calm.verdict, calm.reason) == (Verdict.IGNORE, "form-unconfigured")
    crisis = _read(_contact_form_7(CLEAR))
    assert (crisis.verdict, crisis.reason) == (Verdict.CRISIS, "form-crisis")
    assert crisis.form_alert == FormAlert(
        level="clear",
        name="Daniel Kerr",
        phone=None,
        typed_email="daniel.kerr@example.com",
        sent_by="unnamed",
    )
    # Its sender named in requests.form_senders: answered to the person.
    named = replace(POLICY, form_senders=("wordpress@riversidecounselling.example",))
    answered = classify_new(
        _contact_form_7("Do you have any availability for counselling?"),
        named,
        contacts=frozenset(),
        owned_thread=False,
    )
    assert answered.reason == "form-request"
    assert answered.person is not None
    assert (answered.person.email, answered.person.name) == (
        "daniel.kerr@example.com",
        "Daniel Kerr",
    )


def test_a_forwarded_contact_form_7_mail_is_read_as_the_forward_it_is() -> None:
    """The forward's own "From:" line is whoever sent it on, never the
    person: not read as the form (so never alerted about as if "WordPress"
    had written it), and the forwarder is read as any writer is."""
    forwarded = InboundMail(
        message_id="<fwd-1@example.org>",
        subject="Fwd: new enquiry",
        from_addr="jo@example.org",
        from_name="Jo Park",
        to=("hello@riverside.example",),
        text="can you look at this? " + CLEAR + "\n\n"
        "---------- Forwarded message ---------\n"
        "From: WordPress <wordpress@riversidecounselling.example>\n"
        "Subject: new enquiry\n\n"
        + CONTACT_FORM_7.format(message="Do you have availability?"),
    )
    found = _read(forwarded)
    assert found.form_alert is None
    assert found.person is not None
    assert found.person.email == "jo@example.org"


@pytest.mark.parametrize(
    "text",
    [
        # A booking or a webinar confirmation names the therapist: their
        # course, not someone's crisis.
        "Booking confirmed.\nName: Sam Rivera\nEmail: sam@riverside.example\n"
        "Message: See you at Self-harm in young people: a CPD day.\n",
        # Fields, but nothing typed into a message: no form filled in.
        "Your registration\nName: Sam Rivera\nEvent: Overdose awareness webinar\n",
    ],
)
def test_a_no_reply_confirmation_naming_the_therapist_is_no_form(text: str) -> None:
    mail = replace(
        _form(CLEAR, sender="noreply@events.example"), text=text + CLEAR + "\n"
    )
    found = _read(mail)
    assert found.verdict is Verdict.IGNORE
    assert found.reason == "system-sender"


def test_a_no_reply_form_with_words_but_no_name_is_read_for_risk() -> None:
    text = f"New message from your website\nEmail: \nMessage: {CLEAR}\n"
    mail = replace(
        _form(CLEAR, sender="noreply@riversidecounselling.example"), text=text
    )
    assert _read(mail).reason == "form-crisis"


def test_the_practices_reply_quoting_an_alert_raises_no_second_one() -> None:
    """A reply or a forward from the practice's own address (quoting the form
    or the alert, Outlook-style, with no ">") is theirs, never a form."""
    practice = "hello@riverside.example"
    for fields in (
        {"in_reply_to": "<mailflow.abc@riverside.example>"},
        {"subject": "RE: Urgent: a website form may be from someone at risk"},
        {"subject": "Fwd: [Riverside] New form submission"},
    ):
        mail = replace(_form(CLEAR, sender=practice), **fields)  # type: ignore[arg-type]
        assert _read(mail).reason == "from-practice", fields


def test_the_services_own_address_in_the_email_field_is_not_theirs() -> None:
    found = _read(_form(CLEAR, email_line="formresponses@netlify.com"))
    assert found.form_alert is not None
    assert found.form_alert.typed_email is None


def test_contact_form_7_with_no_name_is_still_a_form() -> None:
    """Its person only on the "From:" line, and no name typed: never mail
    from wordpress@ (which the safety letter would have gone to)."""
    mail = replace(
        _contact_form_7(CLEAR),
        text=CONTACT_FORM_7.format(message=CLEAR).replace("Daniel Kerr ", ""),
    )
    found = _read(mail)
    assert (found.reason, found.person) == ("form-crisis", None)
    assert found.form_alert is not None
    assert found.form_alert.typed_email == "daniel.kerr@example.com"


def test_the_daily_summary_counts_the_days_forms_naming_nobody(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A backstop for the urgent alert, and the one word a practice gets that
    its own website's forms go unanswered until their sender is named."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from mailflow.shell.digest import Digest
    from mailflow.shell.store import Store
    from mailflow.writing import compose

    now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    store = Store.open(str(tmp_path / "m.sqlite3"))
    settings = SimpleNamespace(practice=SimpleNamespace(timezone="Europe/London"))
    # With no summary sent before: the last day's.
    assert Digest(settings, store, now, lambda: None)._since_last(now) == (  # type: ignore[arg-type]
        now - timedelta(days=1)
    )
    with store.transaction():
        store.mark_seen(1, 1, "a", "form-alerted", now - timedelta(hours=3))
        store.mark_seen(1, 2, "b", "form-unconfigured", now - timedelta(hours=5))
        store.mark_seen(1, 3, "c", "form-unconfigured", now - timedelta(hours=9))
        store.mark_seen(1, 4, "d", "form-unconfigured", now - timedelta(days=2))
        store.mark_seen(1, 5, "e", "request", now - timedelta(hours=1))
    context = Digest(settings, store, now, lambda: None).context(now)  # type: ignore[arg-type]
    assert (context["forms_alerted"], context["forms_unnamed"]) == (1, 2)
    # Since the last summary, however late it went (6 hours ago, here).
    with store.transaction():
        store.set_meta("digest:2026-11-24", (now - timedelta(hours=6)).isoformat())
    later = Digest(settings, store, now, lambda: None).context(now)  # type: ignore[arg-type]
    store.close()
    assert (later["forms_alerted"], later["forms_unnamed"]) == (1, 1)
    practice = {"name": "Riverside", "therapist_name": "Sam Rivera", "email": "x@y"}
    text, _ = compose.render("digest", {**context, "practice": practice})
    assert "that you were alerted about since the last summary: 1 " in text
    assert "Website forms left for you since the last summary: 2," in text
    assert "Nothing needs you today" not in text


@pytest.mark.parametrize(
    "label",
    ["Your enquiry", "How can I help you?", "What brings you to therapy", "Details"],
)
def test_a_no_reply_form_with_another_label_for_its_message_is_read(label: str) -> None:
    text = f"New message from your website\n{label}: {CLEAR}\n"
    mail = replace(
        _form(CLEAR, sender="noreply@riversidecounselling.example"), text=text
    )
    assert _read(mail).reason == "form-crisis"


CONTACT_FORM_7_NOW = (
    "From: Daniel Kerr daniel.kerr@example.com\n"
    "Subject: Counselling enquiry\n\n"
    "Message Body:\n{message}\n\n"
    "-- \n"
    "This is a notification that a contact form was submitted on your website"
    " (Riverside Counselling https://riversidecounselling.example).\n"
)
"""Contact Form 7's default mail since version 5.6: no angle brackets, a new
footer, and its Reply-To the person (which a stranger's mail never earns)."""


def test_contact_form_7_as_it_reads_since_5_6_is_a_form_too() -> None:
    for message, reason in (
        ("Do you have any availability for counselling?", "form-unconfigured"),
        (CLEAR, "form-crisis"),
    ):
        mail = replace(
            _contact_form_7(message),
            text=CONTACT_FORM_7_NOW.format(message=message),
            reply_to=("daniel.kerr@example.com",),
        )
        found = _read(mail)
        assert (found.reason, found.person) == (reason, None)
