"""Reading first mail, end to end on real Dovecot + SMTP (#9).

What the receptionist does with what arrives: the unsure note and the
therapist's "offer", a crisis that asks for nothing, a request with a safety
need held for approval even under automatic approval, and alerts that let the
therapist answer the person by replying.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import pytest
from support import NOW, answer, plain, request, run, write_config

from mailflow.reading import reply_risk
from mailflow.writing import compose

AUTO = '[workflow]\napproval = "auto"\n'


def mails(server, user, kind=None):
    found = [m.message() for m in server.messages(user)]
    return [m for m in found if kind is None or m["X-Mailflow"] == kind]


def kinds(server, user) -> list[str]:
    return [m["X-Mailflow"] for m in mails(server, user)]


def writes(server, boxes, body, *, name="Dana Cole", subject="call", at=NOW) -> None:
    """The person writes a new mail to the practice."""
    server.deliver(
        request(
            sender=f"{name} <{boxes.person}>",
            to=boxes.practice,
            subject=subject,
            body=body,
            sent_at=at,
        ),
        boxes.practice,
    )


def _own_template(config, tmp_path, kind: str, text: str) -> None:
    """The practice's own copy of one template (from before a change), and
    the config pointed at the folder that holds it."""
    mine = tmp_path / "mine"
    mine.mkdir(exist_ok=True)
    (mine / f"{kind}.txt.j2").write_text(text, encoding="utf-8")
    config.write_text(config.read_text() + f'\n[templates]\ndirectory = "{mine}"\n')


@pytest.fixture
def setup(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes)


@pytest.fixture
def auto(tmp_path, mail_server, mailboxes):
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes, AUTO)


# -- unsure: one short note, and "offer" ---------------------------------------------


def _unsure(server, boxes, config):
    """A short mail that names no purpose: left alone, the therapist asked."""
    raw = request(
        sender=f"Pauline Webb <{boxes.person}>",
        to=boxes.practice,
        subject="Phone call",
        body="Hello, would you be able to give me a ring when you have a moment? "
        "My number is 07700 900234. Thanks, Pauline",
    )
    server.deliver(raw, boxes.practice)
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    return raw, note


def test_an_unsure_mail_is_left_and_the_therapist_is_asked_once(setup) -> None:
    server, boxes, config = setup
    _raw, note = _unsure(server, boxes, config)
    text = plain(note)
    assert 'Reply "offer"' in text
    assert boxes.person in text
    assert "[ref " in note["Subject"]
    assert run(config, NOW + timedelta(hours=1)) == 0  # nothing more, ever
    assert kinds(server, boxes.therapist) == ["unsure_note"]
    # the person's mail is untouched: still unseen, unflagged
    (inbox,) = server.messages(boxes.practice)
    assert "\\Seen" not in inbox.flags


def test_a_strangers_mail_near_risk_asking_for_nothing_is_a_please_read_note(
    setup,
) -> None:
    """Words no family knows, but near risk, from someone asking for nothing:
    never left unseen. The therapist gets a note titled "Please read" that
    quotes them; since the words as a whole weigh like a crisis's too, the
    writer is sent the safety message and nothing else (2026-12-06); their
    mail is untouched."""
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "I've written the note and it's in the drawer with the car keys. "
        "Didn't know who else to tell. Gill",
        name="Gill Moss",
        subject="",
    )
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert note["Subject"].startswith("Please read: Gill Moss [ref ")
    text = " ".join(plain(note).split())
    assert "I have sent them your safety message" in text
    assert "reads more like the words of people who wrote in a crisis" in text
    assert "> I've written the note and it's in the drawer" in plain(note)
    (inbox,) = server.messages(boxes.practice)
    assert "\\Seen" not in inbox.flags


HEAVY_WORDS = (
    "hi sorry to bother you. its been a really bad week and last night was"
    " the worst its been. i dont really know why im writing tbh. maybe you"
    " could call me sometime"
)
"""No phrase of risk; the shipped risk words weigh it heavy."""


def robyn_writes_heavy_words(server, boxes) -> None:
    writes(server, boxes, HEAVY_WORDS, name="Robyn Hale", subject="")


def test_words_that_weigh_like_a_crisis_are_read_by_the_therapist_first(
    setup,
) -> None:
    """No phrase of risk, yet the words weigh like those of people in crisis
    (the risk words, learned from the corpus): no times go out; the person is
    sent the practice's safety message at once, saying the therapist will
    reply, and nothing else; the therapist gets one "Please read" note
    quoting them, which says so; "offer" would send the times."""
    server, boxes, config = setup
    robyn_writes_heavy_words(server, boxes)
    assert run(config) == 0
    (letter,) = mails(server, boxes.person)
    assert letter["X-Mailflow"] == "safety"
    assert letter["In-Reply-To"]  # in their own thread
    said = " ".join(plain(letter).split())
    assert said.startswith("Hello Robyn, Thank you for writing to me.")
    assert "If you need help before I can reply, please don't wait" in said
    assert "These are the times" not in said
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert note["Subject"].startswith("Please read: Robyn Hale [ref ")
    text = " ".join(plain(note).split())
    assert "Please read their message (below) today" in text
    assert "I have sent them your safety message, which says you will reply" in text
    assert "Nobody else will answer them" in text
    assert "more like the words of people who wrote in a crisis" in text
    assert "neither times nor your safety message" not in text
    assert 'reply "offer"' in text
    assert "> hi sorry to bother you" in plain(note)
    (inbox,) = server.messages(boxes.practice)
    assert "\\Seen" not in inbox.flags
    assert kinds(server, boxes.therapist) == ["unsure_note"]  # one mail, not two


LIGHT_WORDS = (
    "Hi, I'd like a consultation. I'm really tired of being the problem in"
    " everyone's life. I think I've found a way to fix that for good but I wanted"
    " to talk to someone first. Thursdays are good.\n\nNadine"
)
"""No phrase of risk; the risk words weigh it a little like a crisis's."""


def test_a_request_weighed_a_little_like_a_crisis_gets_times_and_an_alert(
    setup,
) -> None:
    """Short of even odds the person is answered with times; the therapist
    is told, in words that say no risk was named, and the pick waits."""
    server, boxes, config = setup
    writes(server, boxes, LIGHT_WORDS, name="Nadine Hart", subject="")
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["offer"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"] == (
        "Please read before approving: a request may be from someone at risk"
    )
    text = " ".join(plain(alert).split())
    assert "names no risk outright" in text
    assert "mentions risk" not in text
    assert "will hold whatever they pick for your approval" in text
    assert "found a way to fix that for good" in text  # their words, quoted


def test_a_second_mail_weighed_a_little_like_a_crisis_is_told_as_such(setup) -> None:
    """Someone already offered times writes afresh in such words: the
    therapist is told, and told that no risk was named (a review found the
    note saying they "have written about risk")."""
    server, boxes, config = setup
    plain_ask = "Hello, I'd like to book the free 15 minute consultation call please."
    writes(server, boxes, plain_ask, name="Nadine Hart", subject="Free call")
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["offer"]
    later = NOW + timedelta(hours=2)
    writes(server, boxes, LIGHT_WORDS, name="Nadine Hart", subject="", at=later)
    assert run(config, NOW + timedelta(hours=3)) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    text = " ".join(plain(alert).split())
    assert "names no risk outright" in text
    assert "has written about risk" not in text


def test_words_of_an_ending_beside_heavy_words_are_still_read_first(setup) -> None:
    """One phrase of an ending said in passing is possible risk, yet it does
    not take the heavy mail out of the therapist's hands: no times, the
    safety message alone, the "Please read" note, which says it may hold
    such words."""
    server, boxes, config = setup
    body = f"{HEAVY_WORDS}\n\nBy the time you reply I'll be gone."
    writes(server, boxes, body, name="Robyn Hale", subject="")
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    assert "crisis_alert" not in kinds(server, boxes.therapist)
    (note,) = mails(server, boxes.therapist, "unsure_note")
    text = " ".join(plain(note).split())
    assert "it may hold a goodbye, or words of an ending or a plan" in text


def test_the_digest_lists_a_read_first_note_apart_from_the_unsure(
    tmp_path, mail_server, mailboxes
) -> None:
    """The summary names the writer under "Please read", not among the notes
    that may not be requests, and goes on naming them while the note is
    unanswered, past the fortnight an ordinary doubt is listed."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, '[workflow]\ndigest_at = "07:00"\n')
    robyn_writes_heavy_words(server, boxes)
    assert run(config) == 0
    tomorrow = NOW.replace(hour=7, minute=1) + timedelta(days=1)
    for day in (tomorrow, tomorrow + timedelta(days=20)):
        assert run(config, day) == 0
        digest = mails(server, boxes.therapist, "digest")[-1]
        assert f"{day.day} {day:%B}" in digest["Subject"]
        text = plain(digest)
        _, _, rest = text.partition("Please read, and answer yourself")
        assert "Robyn Hale" in rest.split("\n\n")[0]
        # Robyn had the safety message: the list does not say nobody did.
        assert "neither times nor your safety message" not in text
        assert "each note says whether your safety message went" in " ".join(
            text.split()
        )
        assert "Not sure these are asking" not in text


def test_after_a_read_first_note_a_plain_request_gets_times_with_an_alert(
    setup,
) -> None:
    """The note is not undone by the writer's next mail: when they write again
    plainly asking, they get times (the note is moot), the therapist is
    alerted, and the pick they make waits for the therapist's approval."""
    server, boxes, config = setup
    robyn_writes_heavy_words(server, boxes)
    assert run(config) == 0
    writes(
        server,
        boxes,
        "Hello, could I book the free 15 minute call please? Robyn",
        name="Robyn Hale",
        subject="Free call",
        at=NOW + timedelta(hours=1),
    )
    assert run(config, NOW + timedelta(hours=1)) == 0
    assert kinds(server, boxes.person) == ["safety", "offer"]
    assert kinds(server, boxes.therapist) == ["unsure_note", "crisis_alert"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "will hold whatever they pick for your approval" in " ".join(
        plain(alert).split()
    )


def test_a_forward_with_nothing_of_their_own_asks_quoting_what_was_forwarded(
    setup,
) -> None:
    """Passed on with no words above it: the therapist is asked, and the note
    quotes what was forwarded (their own words are none); nobody else hears."""
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "---------- Forwarded message ---------\nFrom: Ann <ann@example.net>\n"
        "Subject: counselling\n\nYou should book a free call with Sam, she's lovely.",
        name="Pat Lane",
        subject="Fwd: counselling",
    )
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    text = " ".join(plain(note).split())
    assert "it passes something on with nothing of their own above it" in text
    assert "> You should book a free call with Sam" in plain(note)


def test_offer_sends_the_offer_in_their_own_thread_once(setup) -> None:
    server, boxes, config = setup
    raw, note = _unsure(server, boxes, config)
    at = NOW + timedelta(minutes=30)
    reply = answer(
        note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", sent_at=at
    )
    server.deliver(reply, boxes.practice)
    assert run(config, at) == 0
    (offer,) = mails(server, boxes.person, "offer")
    # A first offer, sent on the therapist's word: it closes as every one does.
    assert "please don't wait for our call" in " ".join(plain(offer).split())
    from email import message_from_bytes

    original = message_from_bytes(raw)
    assert offer["In-Reply-To"] == original["Message-ID"]
    assert offer["Subject"] == "Re: Phone call"
    # again, and a second "offer": still one offer
    server.deliver(
        answer(
            note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at + timedelta(minutes=5)) == 0
    assert kinds(server, boxes.person) == ["offer"]


@pytest.mark.parametrize("forgery", ["stranger", "no-thread", "auth-fail"])
def test_a_forged_offer_is_refused(setup, forgery) -> None:
    server, boxes, config = setup
    _raw, note = _unsure(server, boxes, config)
    at = NOW + timedelta(minutes=30)
    if forgery == "stranger":
        forged = answer(
            note, sender="Mallory <mallory@example.net>", body="offer", sent_at=at
        )
    elif forgery == "no-thread":
        forged = request(
            sender=f"Sam Rivera <{boxes.therapist}>",
            to=boxes.practice,
            subject="offer",
            body="offer",
            sent_at=at,
        )
    else:
        domain = boxes.therapist.rsplit("@", 1)[1]
        forged = answer(
            note,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="offer",
            sent_at=at,
            headers={
                "Authentication-Results": f"mx.example; dmarc=fail header.from={domain}"
            },
        )
    server.deliver(forged, boxes.practice)
    assert run(config, at) == 0
    assert kinds(server, boxes.person) == []


# -- crisis ----------------------------------------------------------------------------

CRISIS_ONLY = (
    "I don't really know why I'm writing. Some nights I hope I just don't wake up, "
    "and lately it's most nights. You can reach me on 07700 900456."
)


def test_a_crisis_that_asks_for_nothing_alerts_and_answers_a_new_person(setup) -> None:
    server, boxes, config = setup
    writes(server, boxes, CRISIS_ONLY, name="Alex Reed", subject="")
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert parseaddr(alert["Reply-To"])[1] == boxes.person
    text = plain(alert)
    assert "07700 900456" in text  # the number they gave reaches the alert
    assert "sent them your safety message" in " ".join(text.split())


def test_a_crisis_from_an_existing_client_alerts_only(setup) -> None:
    server, boxes, config = setup
    # The therapist wrote to them by hand before: a contact.
    sent = EmailMessage()
    sent["From"] = boxes.practice
    sent["To"] = boxes.person
    sent["Subject"] = "Thursday"
    sent["Date"] = format_datetime(NOW - timedelta(days=7))
    sent["Message-ID"] = make_msgid(domain="riverside.example")
    sent.set_content("See you Thursday.")
    server.append(boxes.practice, "Sent", sent.as_bytes())
    writes(server, boxes, CRISIS_ONLY, name="Alex Reed", subject="")
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "sent them nothing" in " ".join(plain(alert).split())


def test_a_crisis_in_someone_elses_thread_says_how_it_came(setup) -> None:
    """A stranger replying in a thread the practice is not part of (here, a
    reply to a newsletter's mail): the therapist is told at once, the alert
    says how it came (not that they are someone the practice writes to), and
    nobody else is written to."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender=f"Alex Reed <{boxes.person}>",
            to=boxes.practice,
            subject="Re: Winter newsletter",
            body=CRISIS_ONLY,
            sent_at=NOW,
            headers={"In-Reply-To": "<winter-letter@lists.example.org>"},
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    text = " ".join(plain(alert).split())
    assert "They replied in a conversation mailflow is not part of" in text
    assert "someone you already write to" not in text
    assert "Phone:   07700 900456" in plain(alert)  # the number they gave
    assert "> I don't really know why I'm writing." in plain(alert)


def test_the_therapists_reply_to_an_alert_reaches_the_person(setup) -> None:
    server, boxes, config = setup
    writes(server, boxes, CRISIS_ONLY, name="Alex Reed", subject="")
    assert run(config) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    # What any mail program does with "Reply": write to Reply-To.
    reply = EmailMessage()
    reply["From"] = boxes.therapist
    reply["To"] = alert["Reply-To"]
    reply["Subject"] = "Re: " + alert["Subject"]
    reply["In-Reply-To"] = alert["Message-ID"]
    reply["Message-ID"] = make_msgid(domain="riverside.example")
    reply.set_content("Alex, this is Sam. I'm going to ring you in ten minutes.")
    import smtplib

    with smtplib.SMTP("127.0.0.1", server.smtp_port) as smtp:
        smtp.send_message(reply)
    texts = [plain(m) for m in mails(server, boxes.person)]
    assert any("I'm going to ring you" in t for t in texts)
    assert not any(
        "I'm going to ring you" in plain(m) for m in mails(server, boxes.practice)
    )


# -- a safety need: held for approval, the note to the therapist only ----------------

SAFETY_REQUEST = (
    "Hi, I'd like to book the free call please. Please don't call in the evenings, "
    "my husband will be home. Mornings are best. My number is 07700 900789."
)


def test_a_safety_need_is_held_for_approval_even_when_approval_is_auto(auto) -> None:
    server, boxes, config = auto
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>", to=boxes.practice, body=SAFETY_REQUEST
        ),
        boxes.practice,
    )
    assert run(config) == 0
    (offer,) = mails(server, boxes.person, "offer")
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "my husband will be home" in plain(alert)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Dana Cole <{boxes.person}>", body="1", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    # not booked at once: held, the therapist asked, the note at the top
    assert "confirmation" not in kinds(server, boxes.person)
    (approval,) = mails(server, boxes.therapist, "approval_request")
    head = plain(approval).split("\n\n")[1]
    assert head.startswith("SAFETY NOTE, in their words:")
    assert "my husband will be home" in head
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="yes",
            sent_at=later,
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    (notice,) = mails(server, boxes.therapist, "therapist_event")
    assert plain(notice).split("\n\n")[1].startswith("SAFETY NOTE, in their words:")
    event = next(p for p in notice.walk() if p.get_content_type() == "text/calendar")
    ics = event.get_payload(decode=True).decode()
    assert "SAFETY: " in ics
    assert "husband will be home" in ics.replace("\r\n ", "")
    # and never in what the person receives
    for message in mails(server, boxes.person):
        for part in message.walk():
            if part.get_content_maintype() == "text":
                body = part.get_payload(decode=True).decode(errors="replace")
                assert "husband" not in body.replace("\r\n ", "")
                assert "SAFETY" not in body


def test_unsure_items_appear_in_the_daily_digest(tmp_path, mail_server, mailboxes):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, '[workflow]\ndigest_at = "07:00"\n')
    _unsure(server, boxes, config)
    tomorrow = NOW.replace(hour=7, minute=1) + timedelta(days=1)
    assert run(config, tomorrow) == 0
    digest = mails(server, boxes.therapist, "digest")[-1]
    assert f"{tomorrow.day} {tomorrow:%B}" in digest["Subject"]
    text = plain(digest)
    assert "Not sure these are asking for the free call" in text
    assert "Pauline Webb" in text


# -- review: risk anywhere in a conversation, and those the therapist already has ------


def _offer(server, boxes, config, body=None, at=NOW):
    server.deliver(
        request(
            sender=f"Jordan Lee <{boxes.person}>",
            to=boxes.practice,
            body=body or "Hello, I'd like to book the free 15 minute call please.",
            sent_at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    (offer,) = mails(server, boxes.person, "offer")
    return offer


def _held(server, boxes, config):
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="1", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert mails(server, boxes.therapist, "approval_request")
    return offer


def _stored(config, read):  # type: ignore[no-untyped-def]
    """`read(store, enquiry)` of the one enquiry in the practice's database."""
    import tomllib

    from mailflow.shell.store import Store

    path = tomllib.loads(config.read_text())["storage"]["database"]
    with Store.open(path) as store:
        (enquiry,) = store.enquiries()
        return read(store, enquiry)


def _call_status(config) -> str | None:
    def status(store, enquiry):  # type: ignore[no-untyped-def]
        call = store.call(enquiry.id)
        return None if call is None else call.status

    return _stored(config, status)


def test_a_crisis_in_a_new_mail_from_someone_holding_a_time_releases_it(setup) -> None:
    server, boxes, config = setup
    _held(server, boxes, config)
    at = NOW + timedelta(hours=2)
    writes(
        server,
        boxes,
        "I don't think I can keep myself safe tonight.",
        name="Jordan Lee",
        subject="sorry",
        at=at,
    )
    assert run(config, at) == 0
    assert "safety" in kinds(server, boxes.person)
    assert mails(server, boxes.therapist, "crisis_alert")
    assert _call_status(config) == "released"


def test_a_second_crisis_mail_from_an_escalated_person_gets_no_second_safety_message(
    setup,
) -> None:
    server, boxes, config = setup
    for hours, body in ((0, CRISIS_ONLY), (3, "I want to die. I'm sorry.")):
        server.deliver(
            request(
                sender=f"Alex Reed <{boxes.person}>",
                to=boxes.practice,
                subject="",
                body=body,
                sent_at=NOW + timedelta(hours=hours),
            ),
            boxes.practice,
        )
        assert run(config, NOW + timedelta(hours=hours)) == 0
    assert kinds(server, boxes.person) == ["safety"]
    assert len(mails(server, boxes.therapist, "crisis_alert")) == 2


def test_a_safety_need_said_in_a_reply_holds_the_pick_for_approval(auto) -> None:
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = "1 please. Don't ring after 6, my husband will be home."
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Please read before approving")
    text = " ".join(plain(alert).split())
    assert "whatever they pick waits for your approval" in text
    assert "names no risk outright" not in text  # a phrase heard it: not weighed
    (approval,) = mails(server, boxes.therapist, "approval_request")
    assert "SAFETY NOTE, in their words: Don't ring after 6" in plain(approval)


def test_a_reply_that_weighs_like_a_crisis_tells_the_therapist_and_waits(auto) -> None:
    """A pick with a crisis beside it in words no phrase knows: the risk words
    hear it, the therapist is told with their words, and the pick waits for
    approval even under automatic approval."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = (
        "number 2 please. sorry it's been a rough week, I've been sitting in"
        " the car a lot at night not wanting to go back in"
    )
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Please read: a reply may be from someone")
    text = " ".join(plain(alert).split())
    assert "may be at risk: please read their reply today" in text
    assert "names no risk outright, but" in text  # no safety need to name
    assert "any time they pick from now on waits for your approval" in text
    # It tells what may have been done, never that a cancel went through: a
    # cancel in such words is held for the therapist (`cancel-held`).
    assert "Should the reply pick a time, it is held for you" in text
    assert "should it cancel, mailflow has cancelled nothing" in text
    assert "done what the reply asked" not in text
    assert "> number 2 please." in plain(alert)
    assert mails(server, boxes.therapist, "approval_request")


def test_a_need_already_told_does_not_hide_a_reply_that_weighs_like_a_crisis(
    auto,
) -> None:
    """The need (told with the first mail) said again beside words that weigh
    like a crisis: the need is no news, the words are; the therapist is told."""
    server, boxes, config = auto
    need = "Don't ring after 6, my husband will be home."
    offer = _offer(
        server, boxes, config, body=f"Hello, I'd like the free call please. {need}"
    )
    assert len(mails(server, boxes.therapist, "crisis_alert")) == 1  # the need
    at = NOW + timedelta(hours=1)
    body = (
        f"2 please. {need} sorry it's been a rough week, I've been sitting in"
        " the car a lot at night not wanting to go back in"
    )
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == 2
    text = " ".join(plain(alerts[1]).split())
    assert "names no risk outright (beyond the safety need below)" in text
    assert "SAFETY NOTE, in their words: Don't ring after 6" in text
    (approval,) = mails(server, boxes.therapist, "approval_request")
    # The need said again is not a second need: the note carries it once.
    assert (
        "SAFETY NOTE, in their words: Don't ring after 6, my husband will be home.\n"
        in plain(approval)
    )


def test_an_unsure_mail_with_a_safety_need_alerts_and_its_offer_waits_for_approval(
    auto,
) -> None:
    server, boxes, config = auto
    writes(
        server,
        boxes,
        "Can you ring me? Please don't call after 6, my husband will be home.",
        name="Dana Cole",
        subject="call",
    )
    assert run(config) == 0
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "SAFETY NOTE, in their words:" in plain(note)
    assert mails(server, boxes.therapist, "crisis_alert")
    at = NOW + timedelta(minutes=30)
    server.deliver(
        answer(
            note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    (offer,) = mails(server, boxes.person, "offer")
    later = at + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Dana Cole <{boxes.person}>", body="1", sent_at=later),
        boxes.practice,
    )
    assert run(config, later) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    assert mails(server, boxes.therapist, "approval_request")


def _reply_in(server, boxes, offer, body: str, at) -> None:
    """The person replies in the thread of `offer`."""
    server.deliver(
        answer(offer, sender=boxes.person, body=body, sent_at=at), boxes.practice
    )


def _answered_by_hand(server, boxes, config):
    """A time held for Jordan, then the therapist answers the thread by hand
    (their reply in Sent), and a run reads it."""
    offer = _held(server, boxes, config)
    server.append(
        boxes.practice,
        "Sent",
        request(
            sender=boxes.practice,
            to=boxes.person,
            subject="Re: " + offer["Subject"],
            body="Hi Jordan, I'll ring you myself. Sam",
            headers={"In-Reply-To": offer["Message-ID"]},
            sent_at=NOW + timedelta(hours=2),
        ),
    )
    assert run(config, NOW + timedelta(hours=2)) == 0
    return offer


def test_a_hand_answer_while_a_time_is_held_frees_that_time(setup) -> None:
    # Regression (#8): the thread was stood down but the hold stayed "held",
    # so that time stayed blocked for everyone.
    server, boxes, config = setup
    _answered_by_hand(server, boxes, config)
    assert _call_status(config) == "released"


def test_crisis_words_in_a_thread_answered_by_hand_still_alert_the_therapist(
    setup,
) -> None:
    # The thread is theirs once answered by hand, and left alone; clear risk
    # written there is never just marked as read (#10 review).
    server, boxes, config = setup
    offer = _answered_by_hand(server, boxes, config)
    alerts_before = len(mails(server, boxes.therapist, "crisis_alert"))
    at = NOW + timedelta(hours=3)
    _reply_in(
        server, boxes, offer, "I can't keep going. I want to end my life tonight.", at
    )
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == alerts_before + 1
    said = " ".join(plain(alerts[-1]).split())
    assert "a conversation that is already yours" in said
    assert "someone you already write to" not in said
    assert "safety" not in kinds(server, boxes.person)  # the therapist's to answer
    # A quiet reply there is still left to the therapist: nothing sent.
    person_before = len(mails(server, boxes.person))
    _reply_in(server, boxes, offer, "Thanks, speak soon.", at)
    assert run(config, at + timedelta(minutes=5)) == 0
    assert len(mails(server, boxes.person)) == person_before


def test_heavy_words_in_a_thread_answered_by_hand_are_the_therapists_to_read(
    setup,
) -> None:
    # Answered by hand, the thread is the therapist's, who is writing to them:
    # clear risk there alerts (above). Until stop 57 words the risk words
    # alone weigh raised nothing; now, as in any conversation of the
    # therapist's (`classify.thread_news`), they get "Please read", and
    # still nothing is sent to the person.
    server, boxes, config = setup
    offer = _answered_by_hand(server, boxes, config)
    alerts_before = len(mails(server, boxes.therapist, "crisis_alert"))
    person_before = len(mails(server, boxes.person))
    at = NOW + timedelta(hours=3)
    body = (
        "sorry it's been a rough week, I've been sitting in the car a lot at"
        " night not wanting to go back in"
    )
    assert reply_risk.weighed(reply_risk.screen_reply("", body))  # weighs heavy
    _reply_in(server, boxes, offer, body, at)
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == alerts_before + 1
    assert alerts[-1]["Subject"].startswith(
        "Please read: a reply may tell of someone at risk"
    )
    said = " ".join(plain(alerts[-1]).split())
    assert "a conversation mailflow has finished or left to you" in said
    assert len(mails(server, boxes.person)) == person_before


def test_a_safety_need_said_in_an_unsure_mail_carries_into_the_later_request(
    auto,
) -> None:
    server, boxes, config = auto
    writes(
        server,
        boxes,
        "Can you ring me? Please don't call after 6, my husband will be home.",
        name="Dana Cole",
        subject="call",
    )
    assert run(config) == 0
    at = NOW + timedelta(hours=1)
    writes(
        server,
        boxes,
        "I'd like to book the free consultation call please.",
        name="Dana Cole",
        subject="Free consultation call",
        at=at,
    )
    assert run(config, at) == 0
    (offer,) = mails(server, boxes.person, "offer")
    later = at + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Dana Cole <{boxes.person}>", body="1", sent_at=later),
        boxes.practice,
    )
    assert run(config, later) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    (approval,) = mails(server, boxes.therapist, "approval_request")
    assert "my husband will be home" in plain(approval)


# -- not being around ------------------------------------------------------------------


def test_the_same_words_beside_a_means_are_still_a_crisis(setup) -> None:
    server, boxes, config = setup
    body = (
        "Hi, I'd like the free call. Honestly I won't be around next week,"
        " I've got the tablets ready.\n\nDana"
    )
    writes(server, boxes, body)
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    (letter,) = mails(server, boxes.person, "safety")
    assert "sounds really hard" in plain(letter)  # a means beside them: no question
    assert "tell me a little more" not in plain(letter)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "sent them your safety message." in " ".join(plain(alert).split())


DIARY_WORDS = (
    "Hello, I'd like to book the free call please. I'm not sure I'll be around"
    " next Tuesday, so Wednesday or Thursday would suit me better.\n\nThanks, Dana"
)


def test_words_also_said_of_a_diary_get_a_safety_message_that_asks(setup) -> None:
    """Clear risk all the same (no times, the therapist at once), but the
    letter says which words it stopped at and asks, rather than telling
    someone who wrote about their week that it sounds really hard."""
    server, boxes, config = setup
    writes(server, boxes, DIARY_WORDS)
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    (letter,) = mails(server, boxes.person, "safety")
    text = " ".join(plain(letter).split())
    assert "I noticed what you wrote about not being around" in text
    assert "If you are in danger or thinking of ending your life" in text
    assert "reply and tell me a little more about how you are" in text
    assert "sounds really hard" not in text
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert said.startswith(
        "Hello Sam, Someone who wrote to the practice may be at risk"
    )
    assert "sent them your safety message, and asked them to tell you more" in said
    assert "mailflow will not answer it" in said
    assert "diary" not in said  # nothing that would soften the alert
    assert "Please contact them yourself as soon as you can" in said


def test_a_reply_with_words_also_said_of_a_diary_gets_the_asking_letter(setup) -> None:
    """The same in a conversation: "I won't be around tomorrow" in a reply is
    escalated as before, and the safety message asks."""
    server, boxes, config = setup
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(
        server,
        boxes,
        offer,
        "Sorry, I won't be around tomorrow after all. Could we do Friday instead?",
        at,
    )
    assert run(config, at) == 0
    assert kinds(server, boxes.person) == ["offer", "safety"]
    (letter,) = mails(server, boxes.person, "safety")
    assert "tell me a little more about how you are" in " ".join(plain(letter).split())
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "asked them to tell you more" in " ".join(plain(alert).split())


MOVE_TO_FRIDAY = (
    "Sorry, I won't be around tomorrow after all. Could we do Friday instead?"
)


def test_a_person_already_known_at_risk_gets_the_letter_that_assumes(setup) -> None:
    """Possible risk told in their first mail: the same diary words in a reply
    are escalated with the letter that assumes, and the alert says so (it
    never says these are their only words of risk)."""
    server, boxes, config = setup
    offer = _offer(
        server,
        boxes,
        config,
        body="Hello, I'd like to book the free 15 minute call please. I've been"
        " having dark thoughts lately.",
    )
    (first,) = mails(server, boxes.therapist, "crisis_alert")
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, MOVE_TO_FRIDAY, at)
    assert run(config, at) == 0
    (letter,) = mails(server, boxes.person, "safety")
    assert "sounds really hard" in plain(letter)
    alerts = mails(server, boxes.therapist, "crisis_alert")
    (second,) = [a for a in alerts if a["Message-ID"] != first["Message-ID"]]
    said = " ".join(plain(second).split())
    assert "it sent them your safety message." in said
    assert "asked them to tell you more" not in said


def test_a_practices_own_templates_from_before_keep_the_letter_that_assumes(
    tmp_path, mail_server, mailboxes
) -> None:
    """Their own safety letter has no asking branch: it is sent as it is, and
    the alert says what was sent (the safety message), not that it asked."""
    mine = tmp_path / "letters"
    mine.mkdir()
    (mine / "safety.txt.j2").write_text(
        "Hello{% if greeting_name %} {{ greeting_name }}{% endif %},\n\n"
        "Thank you for writing to me. What you describe sounds really hard.\n\n"
        '{{ safety_message }}\n\n{% include "_signature.txt.j2" %}\n',
        encoding="utf-8",
    )
    assert "asks" not in (mine / "safety.txt.j2").read_text(encoding="utf-8")
    config = write_config(
        tmp_path, mail_server, mailboxes, f'[templates]\ndirectory = "{mine}"\n'
    )
    writes(mail_server, mailboxes, DIARY_WORDS)
    assert run(config) == 0
    (letter,) = mails(mail_server, mailboxes.person, "safety")
    assert "sounds really hard" in plain(letter)
    (alert,) = mails(mail_server, mailboxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "it sent them your safety message." in said
    assert "asked them to tell you more" not in said


def test_a_replys_own_subject_is_read_before_the_letter_asks(setup) -> None:
    """The diary words under a subject of their own ("my last message"): the
    letter assumes, as it would with those words in the body."""
    server, boxes, config = setup
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    reply = answer(offer, sender=boxes.person, body=MOVE_TO_FRIDAY, sent_at=at)
    subject = b"Subject: Re: " + offer["Subject"].removeprefix("Re: ").encode()
    assert subject in reply
    server.deliver(reply.replace(subject, b"Subject: my last message"), boxes.practice)
    assert run(config, at) == 0
    (letter,) = mails(server, boxes.person, "safety")
    assert "sounds really hard" in plain(letter)


def test_diary_words_in_a_thread_answered_by_hand_alert_without_asking(setup) -> None:
    """The thread is the therapist's: nothing goes to the person, and the
    alert says so (it never says a question was asked)."""
    server, boxes, config = setup
    offer = _answered_by_hand(server, boxes, config)
    at = NOW + timedelta(hours=3)
    _reply_in(server, boxes, offer, MOVE_TO_FRIDAY, at)
    assert run(config, at) == 0
    assert "safety" not in kinds(server, boxes.person)
    said = " ".join(plain(mails(server, boxes.therapist, "crisis_alert")[-1]).split())
    assert "a conversation that is already yours" in said
    assert "asked them to tell you more" not in said


def test_a_crisis_hard_wrapped_by_the_mail_program_gets_the_safety_message(
    setup,
) -> None:
    """Plain text wrapped at 72 columns, as Thunderbird or Outlook's plain
    text sends it: the phrase split across two lines is still read."""
    server, boxes, config = setup
    body = (
        "Hello, I'd like to book the free consultation call please. Honestly\n"
        "I have been thinking about ending my\n"
        "life lately and I don't know who else to tell.\n\nDana"
    )
    writes(server, boxes, body)
    assert run(config) == 0
    assert kinds(server, boxes.person) == ["safety"]
    assert mails(server, boxes.therapist, "crisis_alert")


# -- danger told now, in words mailflow cannot be sure of (`danger-now-possible`) --

_DANGER = "PS I've just drunk a load of bleach, sorry."
"""Possible risk (a review found "drunk"/"bleach" said harmlessly too), told now."""


def test_danger_told_now_beside_a_pick_alerts_the_therapist_urgently(auto) -> None:
    """The pick is held, never confirmed, and the therapist's alert says the
    person may be in danger now and asks them to read it now, not "before
    approving"."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, f"2 please. {_DANGER}", at)
    assert run(config, at) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    said = " ".join(plain(alert).split())
    assert "may be in danger now" in said
    assert "Please read it now" in said
    assert "drunk a load of bleach" in said  # their words, quoted
    # Their pick is answered (held), closing with the safety message, and the
    # alert says so rather than that none went.
    (held,) = mails(server, boxes.person, "held")
    text = " ".join(plain(held).split())
    assert text.count("please don't wait for our call. If you are in danger") == 1
    assert "that letter ends with your safety message" in said
    assert "did not send your safety message" not in said


def test_danger_in_a_reply_closes_its_answer_even_with_the_closings_off(
    tmp_path, mail_server, mailboxes
) -> None:
    """`in_every_offer = false` (so no later closing either): danger told now
    beside a pick still gets the message with the answer, as a first mail's
    offer would carry it above its times."""
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path, server, boxes, AUTO + "\n[safety]\nin_every_offer = false\n"
    )
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, f"2 please. {_DANGER}", at)
    assert run(config, at) == 0
    (held,) = mails(server, boxes.person, "held")
    text = " ".join(plain(held).split())
    assert text.count("please don't wait for our call. If you are in danger") == 1
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "that letter ends with your safety message" in " ".join(plain(alert).split())


def test_danger_in_a_reply_no_letter_answers_is_told_truly(auto) -> None:
    """A question beside danger told now: no letter answers it (the therapist
    reads it), and the urgent alert says no safety message went, which is
    true: nothing is sent to them (a short safety letter here was taken back
    after review: it went to people it should not, helper-200)."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, f"Is the call by phone? {_DANGER}", at)
    assert run(config, at) == 0
    assert kinds(server, boxes.person) == ["offer"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "did not send your safety message" in said
    assert "that letter ends with your safety message" not in said


def test_danger_beside_a_number_alone_closes_the_updated_booking(auto) -> None:
    """Booked without a number; then the number, and danger told: the booking
    updated with it closes with the message, and the alert shows the number."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, "2", at)
    assert run(config, at) == 0
    (booked,) = mails(server, boxes.person, "confirmation")
    at += timedelta(hours=1)
    _reply_in(server, boxes, booked, f"My number is 07700 900123. {_DANGER}", at)
    assert run(config, at) == 0
    updated = mails(server, boxes.person, "confirmation")[-1]
    text = " ".join(plain(updated).split())
    assert "Thank you for your number" in text
    assert text.count("please don't wait for our call. If you are in danger") == 1
    assert "safety" not in kinds(server, boxes.person)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "that letter ends with your safety message" in said
    assert "Phone: 07700 900123" in said


def test_danger_in_a_reply_under_an_older_alert_keeps_the_alert_true(
    auto, tmp_path
) -> None:
    """A practice's own crisis alert from before says, of danger told now in
    a reply, that no safety message went: the answer then carries none, so
    the alert stays true."""
    server, boxes, config = auto
    older = compose.template_source("crisis_alert", None).replace(
        "conversation-safety", "conversation-other"
    )
    _own_template(config, tmp_path, "crisis_alert", older)
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, f"2 please. {_DANGER}", at)
    assert run(config, at) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert "did not send your safety message" in " ".join(plain(alert).split())
    (held,) = mails(server, boxes.person, "held")
    assert "please don't wait for our call" not in " ".join(plain(held).split())
    assert "safety" not in kinds(server, boxes.person)


def test_a_number_and_a_move_in_one_reply_get_the_message_once(auto) -> None:
    """Booked without a number, then "my number is ..., could we do another
    day?": the booking updated with the number and the other times both go,
    and only the last letter answering them closes with the message."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, "2", at)
    assert run(config, at) == 0
    (booked,) = mails(server, boxes.person, "confirmation")
    at += timedelta(hours=1)
    _reply_in(
        server,
        boxes,
        booked,
        "My number is 07700 900123. Actually, could we do a different day instead?",
        at,
    )
    assert run(config, at) == 0
    confirmations = mails(server, boxes.person, "confirmation")
    (again,) = mails(server, boxes.person, "offer_again")
    assert len(confirmations) == 2  # the booking, then with the number
    closing = "please don't wait for our call. If you are in danger"
    assert " ".join(plain(again).split()).count(closing) == 1
    assert closing not in " ".join(plain(confirmations[-1]).split())


_PAIRED = (
    "Hi, I'd like to book the free call please. I took 40 of my sleeping"
    " tablets before I started writing this. I can't keep my eyes open.\n\nDana"
)
"""Danger now said only by an act and a sign together (`risk.pairs`)."""


def test_danger_said_by_an_act_and_its_sign_alerts_the_therapist_urgently(
    setup,
) -> None:
    """A first mail whose danger no lone phrase names: the person gets their
    times with the safety message above them, the therapist an urgent alert
    quoting them; the same count taken back to the pharmacy is a request."""
    server, boxes, config = setup
    writes(server, boxes, _PAIRED)
    assert run(config) == 0
    (offer,) = mails(server, boxes.person, "offer")
    assert "If you need help before we speak" in plain(offer)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    assert "40 of my sleeping tablets" in " ".join(plain(alert).split())


def test_the_act_alone_is_an_ordinary_request(setup) -> None:
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "Hi, I'd like to book the free call please. I took 40 of my sleeping"
        " tablets back to the pharmacy today. Evenings are best.\n\nDana",
    )
    assert run(config) == 0
    (offer,) = mails(server, boxes.person, "offer")
    # The closing every offer has, not the warning above the times.
    text = " ".join(plain(offer).split())
    assert text.index("If you need help before we speak") > text.index(
        "If none of these times work"
    )
    assert mails(server, boxes.therapist, "crisis_alert") == []


def test_danger_told_now_in_a_thread_answered_by_hand_still_alerts(setup) -> None:
    """A conversation the therapist has taken over is left alone, but danger
    told now there alerts them at once, even in words mailflow cannot be sure
    of (no safety message: only clear risk sends one)."""
    server, boxes, config = setup
    offer = _answered_by_hand(server, boxes, config)
    alerts_before = len(mails(server, boxes.therapist, "crisis_alert"))
    at = NOW + timedelta(hours=3)
    _reply_in(server, boxes, offer, f"I'm so sorry. {_DANGER}", at)
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == alerts_before + 1
    assert alerts[-1]["Subject"].startswith(
        "Urgent: someone who wrote may be in danger"
    )
    said = " ".join(plain(alerts[-1]).split())
    assert "a conversation mailflow has finished" in said
    assert "safety" not in kinds(server, boxes.person)


def test_danger_told_now_after_an_escalation_alerts_and_changes_nothing(setup) -> None:
    """Escalated (the safety message sent), then a reply in words mailflow
    cannot be sure of: the therapist alerted again, nothing more sent to the
    person, the enquiry still theirs."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender=f"Alex Reed <{boxes.person}>",
            to=boxes.practice,
            subject="",
            body=CRISIS_ONLY,
            sent_at=NOW,
        ),
        boxes.practice,
    )
    assert run(config, NOW) == 0
    (safety,) = mails(server, boxes.person)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, safety, _DANGER, at)
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == 2
    assert alerts[-1]["Subject"].startswith(
        "Urgent: someone who wrote may be in danger"
    )
    assert len(mails(server, boxes.person)) == 1
    assert _state(config) == "escalated"


def test_danger_told_now_in_a_second_fresh_mail_alerts_urgently(setup) -> None:
    """Someone with an open offer writes afresh (not in the thread)."""
    server, boxes, config = setup
    _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    writes(server, boxes, f"Hi again. {_DANGER}", name="Jordan Lee", at=at)
    assert run(config, at) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")


def _state(config) -> str:
    return _stored(config, lambda _store, enquiry: str(enquiry.state))


def _danger_offer(server, boxes, config) -> str:
    """Danger told now in a first mail that asks for the call: the offer's
    words, as one line."""
    writes(
        server,
        boxes,
        "Hello, I'd like to book the free call please. " + _DANGER,
        subject="free call",
    )
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    return " ".join(plain(offer).split())


def test_danger_told_now_in_a_first_mail_alerts_the_therapist_urgently(setup) -> None:
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "Hello, I'd like to book the free call please. " + _DANGER,
        name="Dana Cole",
        subject="free call",
    )
    assert run(config, NOW) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    said = " ".join(plain(alert).split())
    assert "may be in danger now" in said
    assert "offered times as usual, with your safety message above them" in said
    # The person: the times, and above them the practice's safety message,
    # should they need help before anyone has read what they wrote.
    (offer,) = mails(server, boxes.person, "offer")
    text = " ".join(plain(offer).split())
    warning = text.index("please don't wait for our call. If you are in danger")
    assert warning < text.index("These are the times I have free")
    assert text.count("please don't wait for our call") == 1  # not closing it too
    # In the HTML part the warning is bold; where it closes an offer, not.
    html = offer.get_body(("html",)).get_content()
    assert "<strong>If you are in danger" in html


def test_an_ordinary_offer_closes_with_the_safety_message(setup) -> None:
    """Every first offer ends with the practice's safety message (a crisis in
    words the reading does not hear still gets it), below the times and
    without alerting anyone; `safety.in_every_offer = false` leaves it for
    danger told now alone."""
    server, boxes, config = setup
    words = "Hello, I'd like to book the free call please. Evenings suit me best."
    writes(server, boxes, words, name="Dana Cole", subject="free call")
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    text = " ".join(plain(offer).split())
    closing = text.index("please don't wait for our call. If you are in danger")
    assert closing > text.index("If none of these times work for you")
    assert text.count("please don't wait for our call") == 1
    html = offer.get_body(("html",)).get_content()
    assert "If you are in danger" in html
    assert "<strong>If you are in danger" not in html  # a closing, not a warning
    assert not mails(server, boxes.therapist, "crisis_alert")


def test_in_every_offer_false_keeps_the_safety_message_for_danger_alone(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path, server, boxes, "\n[safety]\nin_every_offer = false\n"
    )
    words = "Hello, I'd like to book the free call please. Evenings suit me best."
    writes(server, boxes, words, name="Dana Cole", subject="free call")
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    assert "please don't wait for our call" not in " ".join(plain(offer).split())


def test_in_every_offer_false_still_warns_of_danger_above_the_times(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path, server, boxes, "\n[safety]\nin_every_offer = false\n"
    )
    text = _danger_offer(server, boxes, config)
    warning = text.index("please don't wait for our call. If you are in danger")
    assert warning < text.index("These are the times I have free")
    assert text.count("please don't wait for our call") == 1


_CLOSING = "please don't wait for our call. If you are in danger"


def _later_letters(server, boxes, config) -> dict[str, str]:
    """Other times asked for, one picked and held, the therapist's yes: each
    letter to the person that follows their first offer, as one line."""
    offer = _offer(server, boxes, config)
    person = f"Jordan Lee <{boxes.person}>"
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=person, body="None of those suit, sorry.", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    (again,) = mails(server, boxes.person, "offer_again")
    at += timedelta(hours=1)
    server.deliver(answer(again, sender=person, body="2", sent_at=at), boxes.practice)
    assert run(config, at) == 0
    (approval,) = mails(server, boxes.therapist, "approval_request")
    at += timedelta(hours=1)
    server.deliver(
        answer(approval, sender=f"Sam Rivera <{boxes.therapist}>", body="Yes"),
        boxes.practice,
    )
    assert run(config, at) == 0
    return {
        kind: " ".join(plain(mail).split())
        for kind in ("offer_again", "held", "confirmation")
        for mail in mails(server, boxes.person, kind)
    }


def test_the_later_letters_that_answer_them_close_with_the_safety_message(
    setup,
) -> None:
    """Other times asked for, a pick held: each letter that answers the
    person's own mail closes with the practice's safety message, after
    everything else it says (a crisis in a reply the reading does not hear is
    not answered with times or a booking alone), once, not in bold, and
    nobody is alerted. The booking that follows the therapist's yes answers
    nothing they wrote: no closing (the held letter had it)."""
    server, boxes, config = setup
    letters = _later_letters(server, boxes, config)
    assert set(letters) == {"offer_again", "held", "confirmation"}
    for kind in ("offer_again", "held"):
        text = letters[kind]
        assert text.count(_CLOSING) == 1, kind
        closing = text.index(_CLOSING)
        assert closing > text.index("Hello Jordan"), kind
        assert text.index("Warm wishes") > closing, kind
    assert letters["offer_again"].index(_CLOSING) > letters["offer_again"].index(
        "tell me what usually suits you and I'll look again"
    )
    assert "please don't wait for our call" not in letters["confirmation"]
    (held,) = mails(server, boxes.person, "held")
    html = held.get_body(("html",)).get_content()
    assert "If you are in danger" in html
    assert "<strong>If you are in danger" not in html
    assert not mails(server, boxes.therapist, "crisis_alert")


def test_which_time_did_you_mean_closes_with_the_safety_message(setup) -> None:
    """A yes to no one time ("Yes, one of those would be great") gets "which
    time did you mean?": it answers their own mail, so it closes with the
    safety message, below the times, once, and nobody is alerted."""
    server, boxes, config = setup
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender=f"Jordan Lee <{boxes.person}>",
            body="Yes, one of those would be great",
            sent_at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    (clarify,) = mails(server, boxes.person, "clarify")
    lines = plain(clarify).splitlines()
    times = [i for i, line in enumerate(lines) if re.match(r"  \d\. ", line)]
    assert len(times) >= 2
    text = " ".join(" ".join(lines).split())
    below = " ".join(" ".join(lines[times[-1] + 1 :]).split())
    assert text.count(_CLOSING) == 1
    assert below.index(_CLOSING) < below.index("Warm wishes")
    assert not mails(server, boxes.therapist)


def test_a_booking_that_answers_their_pick_closes_with_it(auto) -> None:
    """Under automatic approval the confirmation answers the pick itself:
    it closes with the safety message, below "If anything changes"."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="2", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    (confirmation,) = mails(server, boxes.person, "confirmation")
    text = " ".join(plain(confirmation).split())
    assert text.count(_CLOSING) == 1
    assert text.index(_CLOSING) > text.index("If anything changes, just reply")
    assert text.index("Warm wishes") > text.index(_CLOSING)


def test_in_later_letters_false_leaves_them_as_they_were(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(
        tmp_path, server, boxes, "\n[safety]\nin_later_letters = false\n"
    )
    letters = _later_letters(server, boxes, config)
    assert set(letters) == {"offer_again", "held", "confirmation"}
    for kind, text in letters.items():
        assert "please don't wait for our call" not in text, kind
    (offer,) = mails(server, boxes.person, "offer")
    assert _CLOSING in " ".join(plain(offer).split())  # the first offer's own key


def test_an_older_alert_that_claims_nothing_keeps_the_closing_under_danger(
    setup, tmp_path
) -> None:
    """A practice's own alert from before danger had its branch says nothing
    of a safety message: the offer keeps its closing (the person flagged is
    not the one left with times alone)."""
    server, boxes, config = setup
    _own_template(
        config,
        tmp_path,
        "crisis_alert",
        "Hello,\n\nA request for the free call mentions risk or a safety need."
        " mailflow offered times as usual.\n\n"
        "{% for line in quoted %}> {{ line }}\n{% endfor %}",
    )
    text = _danger_offer(server, boxes, config)
    assert mails(server, boxes.therapist, "crisis_alert")
    closing = text.index("please don't wait for our call. If you are in danger")
    assert closing > text.index("If none of these times work for you")


@pytest.mark.parametrize(
    ("kind", "before", "after"),
    [("offer", "danger", "false"), ("crisis_alert", "times-safety", "times-other")],
)
def test_a_practices_own_older_templates_keep_the_offer_as_it_was(
    setup, tmp_path, kind, before, after
) -> None:
    """A practice's own offer (or alert) from before: the offer as ever, and
    the alert does not claim a safety message it did not carry."""
    server, boxes, config = setup
    # (An offer from before either safety line: neither branch is in it.)
    older = (
        compose.template_source(kind, None)
        .replace(before, after)
        .replace("every_offer", "false")
    )
    _own_template(config, tmp_path, kind, older)
    writes(
        server,
        boxes,
        "Hello, I'd like to book the free call please. " + _DANGER,
        name="Dana Cole",
        subject="free call",
    )
    assert run(config, NOW) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "it did not send your safety message: it offered times as usual" in said
    (offer,) = mails(server, boxes.person, "offer")
    assert "please don't wait for our call" not in " ".join(plain(offer).split())


def test_danger_told_now_asking_for_nothing_gets_the_safety_message_at_once(
    setup,
) -> None:
    """A first mail that asks for nothing, in words that may tell of danger
    now: the person gets the practice's safety message at once, and nothing
    else (no times: the therapist decides); the therapist an urgent alert
    that says so, and the note that asks them."""
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "Hi Sam. I've just drunk a load of bleach, sorry.",
        name="Dana Cole",
        subject="",
    )
    assert run(config, NOW) == 0
    assert kinds(server, boxes.person) == ["safety"]
    (letter,) = mails(server, boxes.person)
    text = " ".join(plain(letter).split())
    assert "Thank you for writing to me." in text
    assert "please don't wait to hear from me. If you are in danger" in text
    assert "sounds really hard" not in text  # nothing assumed
    alert = next(
        m
        for m in mails(server, boxes.therapist, "crisis_alert")
        if m["Subject"].startswith("Urgent")
    )
    said = " ".join(plain(alert).split())
    assert "it sent them your safety message and nothing else" in said
    (note,) = mails(server, boxes.therapist, "unsure_note")
    noted = " ".join(plain(note).split())
    assert "I have sent them your safety message, which says you will reply" in noted
    assert "Please answer them yourself" in noted
    assert _state(config) == "asked"


def test_an_unplaced_mail_without_danger_is_still_only_asked_about(setup) -> None:
    """The safety message at once is for danger told now alone: possible risk
    in a mail that asks for nothing (an old overdose) is asked about, and the
    person is sent nothing until the therapist has read it."""
    server, boxes, config = setup
    writes(
        server,
        boxes,
        "Years ago I took an overdose. I'm okay now but some days are hard.",
        name="Dana Cole",
    )
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "your safety message" not in " ".join(plain(note).split())


def test_a_practices_own_older_note_keeps_a_weighed_writer_unwritten_to(
    setup, tmp_path
) -> None:
    """A practice's own "Please read" note from before says it sent the
    writer nothing: then nothing is sent, so that it stays true."""
    server, boxes, config = setup
    older = compose.template_source("unsure_note", None).replace(
        "Nobody else will answer them", "Nobody will answer them"
    )
    _own_template(config, tmp_path, "unsure_note", older)
    robyn_writes_heavy_words(server, boxes)
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "I have sent them nothing" in " ".join(plain(note).split())


def test_weighed_words_forwarded_by_someone_else_send_them_no_letter(setup) -> None:
    """A teacher forwarding a pupil's heavy words: the therapist reads it
    first, and the teacher is not sent the message written for the person
    at risk."""
    server, boxes, config = setup
    forwarded = (
        "FYI, this came to me this morning, not sure what to do.\n\n"
        "---------- Forwarded message ---------\nFrom: Kai <kai@pupil.example>\n"
        f"Subject: hi\n\n{HEAVY_WORDS}"
    )
    writes(server, boxes, forwarded, name="Ms Ola Reed", subject="Fwd: hi")
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "I have sent them nothing" in " ".join(plain(note).split())


def test_weighed_words_through_a_website_form_send_the_typed_address_nothing(
    setup,
) -> None:
    """A form service relays the person (Reply-To): the therapist reads it
    first; no letter goes to an address someone typed into a form."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender="Squarespace <form-submission@squarespace.info>",
            to=boxes.practice,
            subject="Form Submission - Contact",
            body=f"Sent via form submission.\n\nName: Robyn Hale\n\nMessage: {HEAVY_WORDS}",
            headers={"Reply-To": f"Robyn Hale <{boxes.person}>"},
        ),
        boxes.practice,
    )
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "I have sent them nothing" in " ".join(plain(note).split())


def test_weighed_words_not_addressed_to_the_practice_get_no_letter(setup) -> None:
    """Mail that reached the inbox without naming the practice (a Bcc, spam
    sent to someone else): the therapist reads it first; the robot writes to
    nobody it was not addressed by."""
    server, boxes, config = setup
    server.deliver(
        request(
            sender=f"Robyn Hale <{boxes.person}>",
            to="Kit <kit@elsewhere.example>",
            subject="",
            body=HEAVY_WORDS,
        ),
        boxes.practice,
    )
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (note,) = mails(server, boxes.therapist, "unsure_note")
    assert "I have sent them nothing" in " ".join(plain(note).split())


def test_a_practices_own_older_safety_letter_sends_nothing_unsure(
    setup, tmp_path
) -> None:
    """A practice's own safety letter from before has no words for danger
    mailflow cannot be sure of: nothing goes, and the alert says so."""
    server, boxes, config = setup
    older = compose.template_source("safety", None).replace("unsure", "false")
    _own_template(config, tmp_path, "safety", older)
    writes(
        server,
        boxes,
        "Hi Sam. I've just drunk a load of bleach, sorry.",
        name="Dana Cole",
        subject="",
    )
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    alert = next(
        m
        for m in mails(server, boxes.therapist, "crisis_alert")
        if m["Subject"].startswith("Urgent")
    )
    assert "it sent them nothing" in " ".join(plain(alert).split())


def _hand_written(server, boxes) -> str:
    """The therapist wrote to the person by hand (a copy in Sent): a contact.
    Returns the mail's Message-ID."""
    sent = EmailMessage()
    sent["From"] = boxes.practice
    sent["To"] = boxes.person
    sent["Subject"] = "Thursday"
    sent["Date"] = format_datetime(NOW - timedelta(days=7))
    sent["Message-ID"] = make_msgid(domain="riverside.example")
    sent.set_content("See you Thursday at 4, same room as usual.")
    server.append(boxes.practice, "Sent", sent.as_bytes())
    return str(sent["Message-ID"])


def _replies_in(server, boxes, parent: str, body: str, *, at=NOW, **fields) -> bytes:
    """A reply in a thread mailflow is not part of (to `parent`, a
    Message-ID); from the person unless `sender` says; returns the mail."""
    mail = request(
        sender=fields.get("sender", f"Alex Reed <{boxes.person}>"),
        to=boxes.practice,
        subject=fields.get("subject", "Re: Thursday"),
        body=body,
        sent_at=at,
        headers={"In-Reply-To": parent, "References": parent},
    )
    server.deliver(mail, boxes.practice)
    return mail


def test_danger_told_now_by_an_existing_client_alerts_urgently(setup, caplog) -> None:
    """Someone the practice already writes to is never answered by mailflow;
    danger told now in words it cannot be sure of alerts the therapist at
    once all the same, and nothing goes to them. The run counts it as acted
    on (marked seen with its alert), not as mail left alone."""
    server, boxes, config = setup
    _hand_written(server, boxes)
    writes(server, boxes, f"Hi Sam. {_DANGER}", name="Alex Reed", subject="")
    with caplog.at_level("INFO", logger="mailflow"):
        assert run(config) == 0
    (summary,) = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("run: ")
    ]
    assert "left alone" not in summary, summary
    assert kinds(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    said = " ".join(plain(alert).split())
    assert "They are someone you already write to, so mailflow sent them" in said
    assert "drunk a load of bleach" in said
    assert _state(config) == "escalated"


def test_an_existing_clients_ordinary_mail_is_still_left_alone(setup) -> None:
    server, boxes, config = setup
    _hand_written(server, boxes)
    writes(
        server,
        boxes,
        "Hi Sam, running ten minutes late on Thursday, sorry! Alex",
        name="Alex Reed",
        subject="Thursday",
    )
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    assert mails(server, boxes.therapist) == []


def test_danger_told_now_in_a_reply_to_the_therapists_own_mail_alerts(
    setup,
) -> None:
    """A client answering the therapist's own mail (a thread mailflow is not
    part of): the therapist alerted at once, their own words quoted (not
    the therapist's mail below them), nothing sent to them."""
    server, boxes, config = setup
    own = _hand_written(server, boxes)
    _replies_in(
        server,
        boxes,
        own,
        f"{_DANGER}\n\nOn Wed, Sam wrote:\n> See you Thursday at 4, same room",
    )
    assert run(config) == 0
    assert kinds(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    said = " ".join(plain(alert).split())
    assert "They replied in a conversation mailflow is not part of" in said
    assert "drunk a load of bleach" in said
    assert "same room" not in said  # the therapist's own words are not theirs


def test_an_ordinary_reply_to_the_therapists_own_mail_is_left_alone(setup) -> None:
    server, boxes, config = setup
    own = _hand_written(server, boxes)
    _replies_in(
        server,
        boxes,
        own,
        "Great, see you then. I finished the whole bottle of the new"
        " shampoo you recommended, ha.",
    )
    assert run(config) == 0
    assert mails(server, boxes.therapist) == []


def test_a_danger_alert_never_stands_for_a_conversation_under_way(setup) -> None:
    """The record of an alert about mail left alone is closed as it opens: a
    later plain request from them is answered with times (not lost as "a
    conversation under way"), and a later crisis gets the safety message."""
    server, boxes, config = setup
    _replies_in(
        server,
        boxes,
        "<winter-letter@lists.example.org>",
        f"Thanks for this. {_DANGER}",
        subject="Re: Winter newsletter",
    )
    assert run(config) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent")
    at = NOW + timedelta(hours=2)
    writes(
        server,
        boxes,
        "Hello, I'd like to book the free call please. Mornings suit me.",
        name="Alex Reed",
        subject="free call",
        at=at,
    )
    assert run(config, at) == 0
    assert kinds(server, boxes.person) == ["offer"]
    later = at + timedelta(days=9)  # the offer lapsed; a new mail, in crisis
    writes(server, boxes, CRISIS_ONLY, name="Alex Reed", subject="", at=later)
    assert run(config, later) == 0
    assert kinds(server, boxes.person)[-1] == "safety"


def test_a_clients_danger_alert_quotes_what_was_read_and_their_safety_need(
    setup,
) -> None:
    """A client's fresh mail is read whole (what it forwards too), so the
    alert quotes it whole; a safety need in it reaches the alert."""
    server, boxes, config = setup
    _hand_written(server, boxes)
    body = (
        "Sam, what do I do? Please don't ring, my husband checks my phone.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Kim <kim@example.org>\n\n"
        f"{_DANGER}"
    )
    writes(server, boxes, body, name="Alex Reed", subject="Fwd: sorry")
    assert run(config) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "drunk a load of bleach" in said  # the words that were read
    assert "SAFETY NOTE, in their words:" in said
    assert "may not be the only one reading their mail" in said


def test_an_outlook_quote_of_the_therapists_own_words_is_no_danger(setup) -> None:
    """A reply whose only danger words are the therapist's own, quoted the
    Outlook way (no ">"): nothing to alert about."""
    server, boxes, config = setup
    own = _hand_written(server, boxes)
    _replies_in(
        server,
        boxes,
        own,
        "Thanks Sam, will do.\n\n"
        "From: Sam Rivera <hello@riverside.example>\n"
        "Sent: 18 November 2026 09:00\n"
        "To: Alex Reed\n"
        "Subject: Thursday\n\n"
        "If you have just drunk a load of bleach, call 999 at once.",
        subject="RE: Thursday",
    )
    assert run(config) == 0
    assert mails(server, boxes.therapist) == []


def test_a_circular_in_danger_words_sends_nobody_anything(setup) -> None:
    """The safety message at once goes to someone who wrote to the practice,
    not to everyone on a mail sent to many."""
    server, boxes, config = setup
    message = request(
        sender=f"Dana Cole <{boxes.person}>",
        to=", ".join([boxes.practice, *(f"p{n}@example.org" for n in range(4))]),
        subject="",
        body="Hi all. I've just drunk a load of bleach, sorry.",
        sent_at=NOW,
    )
    server.deliver(message, boxes.practice)
    assert run(config) == 0
    assert mails(server, boxes.person) == []


def test_words_in_an_alerted_thread_are_their_writers_own(setup) -> None:
    """After an alert about a reply in a thread mailflow is not part of, the
    same person writing there again is alerted about as such ("a conversation
    mailflow is not part of", not one it finished); a third person writing
    in it in crisis is named as themselves."""
    server, boxes, config = setup
    first = _replies_in(
        server,
        boxes,
        "<winter-letter@lists.example.org>",
        f"Thanks for this. {_DANGER}",
        subject="Re: Winter newsletter",
    )
    assert run(config) == 0
    first_id = message_from_bytes(first)["Message-ID"]
    at = NOW + timedelta(hours=1)
    _replies_in(
        server,
        boxes,
        first_id,
        f"Still here. {_DANGER}",
        subject="Re: Winter newsletter",
        at=at,
    )
    assert run(config, at) == 0
    alerts = mails(server, boxes.therapist, "crisis_alert")
    assert len(alerts) == 2
    said = " ".join(plain(alerts[-1]).split())
    assert "They replied in a conversation mailflow is not part of" in said
    assert "a conversation mailflow has finished" not in said
    later = at + timedelta(hours=1)
    kim = "kim.partner@example.org"
    _replies_in(
        server,
        boxes,
        first_id,
        CRISIS_ONLY,
        subject="Re: Winter newsletter",
        sender=f"Kim Shaw <{kim}>",
        at=later,
    )
    assert run(config, later) == 0
    alert = mails(server, boxes.therapist, "crisis_alert")[-1]
    assert parseaddr(alert["Reply-To"])[1] == kim
    assert mails(server, boxes.person) == []  # Alex is sent nothing


HOLDING_ON = (
    "Number 2 please. I know it's a while off. I'm trying to hold on till"
    " then. It's hard."
)
"""tests/corpus/not_around/blind21 cri-024 (as a pick): weighed below even
odds, above a reply's point (`reply_risk.THRESHOLD`)."""


def test_a_reply_weighed_below_even_odds_still_reaches_the_therapist(auto) -> None:
    """Dovecot + SMTP: a pick said beside words that weigh 0.45-0.5 is
    raised as a first mail's would not be: the pick waits for approval even
    under automatic approval, and the therapist is told."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer, sender=f"Jordan Lee <{boxes.person}>", body=HOLDING_ON, sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert "confirmation" not in kinds(server, boxes.person)
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Please read: a reply may be from someone")
    assert mails(server, boxes.therapist, "approval_request")


def test_an_acknowledgement_below_even_odds_tells_the_therapist_nothing(auto) -> None:
    """Dovecot + SMTP: "Got it" weighs 0.47, yet three words or fewer keep
    even odds (`reply_risk.FEW_WORDS`): no alert goes."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body="Got it", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert mails(server, boxes.therapist, "crisis_alert") == []


def test_danger_after_a_withdrawal_answered_by_hand_is_told_truly(setup) -> None:
    """They withdrew, the therapist answered them by hand, then they tell of
    danger: the conversation is the therapist's, so the urgent alert says
    mailflow sent nothing and changed nothing, never that their picks now
    wait for approval (the withdrawal's "still listening" outlived the hand
    answer: helper-200)."""
    server, boxes, config = setup
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    _reply_in(server, boxes, offer, "Thanks, but I've found someone else.", at)
    assert run(config, at) == 0
    at += timedelta(hours=1)
    server.append(
        boxes.practice,
        "Sent",
        request(
            sender=boxes.practice,
            to=boxes.person,
            subject="Re: " + offer["Subject"],
            body="Hi Jordan, of course. Look after yourself. Sam",
            headers={"In-Reply-To": offer["Message-ID"]},
            sent_at=at,
        ),
    )
    assert run(config, at) == 0
    at += timedelta(hours=1)
    _reply_in(server, boxes, offer, f"Thank you. {_DANGER}", at)
    assert run(config, at) == 0
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    said = " ".join(plain(alert).split())
    assert "may be in danger now" in said
    assert "whatever they pick waits" not in said
    assert "sent them nothing and changed nothing" in said
    # The withdrawal was acknowledged; nothing follows the danger.
    assert kinds(server, boxes.person) == ["offer", "cancelled"]
