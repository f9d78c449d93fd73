"""Risk does not wait for a busy calendar that cannot be read.

While the therapist's calendar is down, requests wait for a good read (no
time is offered blind; `test_busy.py`). A calendar can stay down for days,
so mail that tells of risk is not left waiting with nobody told: a first
request is the therapist's at once (no times; the safety message alone where
danger may be told now), and a reply's answer waits but the therapist is
alerted now, once. Over real Dovecot and SMTP, read back from the mailboxes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, answer, plain, request, run, write_config

EMPTY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
DANGER = "PS I've just drunk a load of bleach, sorry."
"""Possible risk, told now (test_reading_life's words)."""
DARK = "I've been having dark thoughts again lately."
"""Possible risk, not danger now."""
REQUEST = "Hello, I'd like to book the free 15 minute call please."


def mails(server, user, kind=None):
    found = [m.message() for m in server.messages(user)]
    return [m for m in found if kind is None or m["X-Mailflow"] == kind]


def said(message) -> str:
    return " ".join(plain(message).split())


@pytest.fixture
def down(tmp_path, mail_server, mailboxes):
    """A practice whose busy calendar (a file) is not there: unreadable, with
    no earlier read to stand in."""
    feed = tmp_path / "busy.ics"
    config = write_config(
        tmp_path,
        mail_server,
        mailboxes,
        f'[availability]\nbusy_calendars = ["{feed}"]\n',
    )
    return mail_server, mailboxes, config, feed


def _writes(server, boxes, body: str, at=NOW) -> None:
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>",
            to=boxes.practice,
            subject="free call",
            body=body,
            sent_at=at,
        ),
        boxes.practice,
    )


def _own_older(config, tmp_path, template: str, knows: str) -> None:
    """The practice's own copy of `template`, from before it knew `knows`."""
    from mailflow.writing import compose

    mine = tmp_path / "mine"
    mine.mkdir()
    gone = "older_" + knows.replace("-", "_")  # a name that says nothing
    older = compose.template_source(template, None).replace(knows, gone)
    (mine / f"{template}.txt.j2").write_text(older, encoding="utf-8")
    config.write_text(config.read_text() + f'\n[templates]\ndirectory = "{mine}"\n')


def test_a_plain_request_still_waits_for_the_calendar(down) -> None:
    """The hard negative: no risk, so it waits (and goes once it can)."""
    server, boxes, config, feed = down
    _writes(server, boxes, REQUEST)
    assert run(config, NOW) == 1
    assert mails(server, boxes.person) == []
    assert [m["X-Mailflow"] for m in mails(server, boxes.therapist)] == [
        "calendar_alert"
    ]
    feed.write_bytes(EMPTY)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["offer"]


def test_danger_in_a_first_request_gets_the_safety_message_and_the_therapist_now(
    down,
) -> None:
    server, boxes, config, feed = down
    _writes(server, boxes, f"{REQUEST} {DANGER}")
    assert run(config, NOW) == 0  # handled: nothing is left to retry
    # The person: the practice's safety message, nothing else, no times.
    (letter,) = mails(server, boxes.person)
    assert letter["X-Mailflow"] == "safety"
    text = said(letter)
    assert "If you need help before I can reply" in text
    assert "These are the times" not in text
    # The therapist: the urgent alert, saying why no times went, and the
    # calendar alert beside it.
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    words = said(alert)
    assert "it sent them your safety message and nothing else" in words
    assert "your calendar cannot be read, so it offered no times" in words
    assert "drunk a load of bleach" in words
    assert len(mails(server, boxes.therapist, "calendar_alert")) == 1
    # Once the calendar reads again, mailflow does not write to them: their
    # request is the therapist's.
    feed.write_bytes(EMPTY)
    assert run(config, NOW + timedelta(minutes=5)) == 0
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["safety"]
    assert len(mails(server, boxes.therapist, "crisis_alert")) == 1


def test_possible_risk_in_a_first_request_is_the_therapists_at_once(down) -> None:
    """Not danger now: nothing to the person, the therapist told it is theirs."""
    server, boxes, config, _feed = down
    _writes(server, boxes, f"{REQUEST} {DARK}")
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    # Not "before approving": no approval will come; the request is theirs.
    assert (
        alert["Subject"] == "Please answer yourself: a request mentions risk or safety"
    )
    words = said(alert)
    assert "Your calendar cannot be read, so mailflow offered no times" in words
    assert "their request is yours to answer" in words
    assert "dark thoughts" in words


def test_danger_beside_a_pick_is_told_now_while_its_answer_waits(
    tmp_path, mail_server, mailboxes
) -> None:
    """The offer went while the calendar read; a day later it cannot be read
    (the last good read too old to trust) and they pick a time, telling of
    danger: the therapist is alerted at once, once over the runs it waits;
    the person hears nothing until the calendar reads, then their pick is
    held for the therapist (risk noted), and no second alert follows."""
    server, boxes = mail_server, mailboxes
    feed = tmp_path / "busy.ics"
    feed.write_bytes(EMPTY)
    config = write_config(
        tmp_path,
        server,
        boxes,
        f'[availability]\nbusy_calendars = ["{feed}"]\n[workflow]\napproval = "auto"\n',
    )
    _writes(server, boxes, REQUEST)
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    feed.write_bytes(b"this is not a calendar")
    at = NOW + timedelta(hours=26)
    server.deliver(
        answer(offer, sender=boxes.person, body=f"2 please. {DANGER}", sent_at=at),
        boxes.practice,
    )
    for minutes in (0, 5, 10):
        assert run(config, at + timedelta(minutes=minutes)) == 1  # it waits
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["offer"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert alert["Subject"].startswith("Urgent: someone who wrote may be in danger now")
    words = said(alert)
    assert "it did not send your safety message" in words
    assert "so it has not answered their reply yet" in words
    assert "drunk a load of bleach" in words
    feed.write_bytes(EMPTY)
    assert run(config, at + timedelta(minutes=15)) == 0
    kinds = [m["X-Mailflow"] for m in mails(server, boxes.person)]
    assert kinds == ["offer", "held"]  # under auto approval: held, risk noted
    assert mails(server, boxes.therapist, "approval_request")
    assert len(mails(server, boxes.therapist, "crisis_alert")) == 1


def test_a_reply_with_no_news_of_risk_waits_without_an_alert(
    tmp_path, mail_server, mailboxes
) -> None:
    """The hard negative: a plain pick while the calendar is down waits, and
    the therapist hears only of the calendar."""
    server, boxes = mail_server, mailboxes
    feed = tmp_path / "busy.ics"
    feed.write_bytes(EMPTY)
    config = write_config(
        tmp_path, server, boxes, f'[availability]\nbusy_calendars = ["{feed}"]\n'
    )
    _writes(server, boxes, REQUEST)
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    feed.write_bytes(b"this is not a calendar")
    at = NOW + timedelta(hours=26)
    server.deliver(
        answer(offer, sender=boxes.person, body="2 please.", sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 1
    assert mails(server, boxes.therapist, "crisis_alert") == []
    assert [m["X-Mailflow"] for m in mails(server, boxes.therapist)] == [
        "calendar_alert"
    ]


def test_a_practices_older_alert_still_lets_the_safety_message_go(
    down, tmp_path
) -> None:
    """A practice's own crisis alert from before knows no calendar: the
    person in danger still gets the safety message alone, and the alert says
    what it knows to say of that ("safety-only"), not that nothing went."""
    server, boxes, config, _feed = down
    _own_older(config, tmp_path, "crisis_alert", "calendar-safety")
    _writes(server, boxes, f"{REQUEST} {DANGER}")
    assert run(config, NOW) == 0
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["safety"]
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    words = said(alert)
    assert "it sent them your safety message and nothing else" in words
    assert "it sent them nothing" not in words


def test_a_plain_request_after_an_unsure_note_waits_and_is_not_lost(down) -> None:
    """Someone mailflow asked the therapist about writes again, plainly
    asking, while the calendar is down: the new request waits, and the note
    it replaces stays open until it is answered (closing it first left the
    request read as a chaser of nothing, and lost: helper-201)."""
    server, boxes, config, feed = down
    server.deliver(
        request(
            sender=f"Pauline Webb <{boxes.person}>",
            to=boxes.practice,
            subject="Phone call",
            body="Hello, would you be able to give me a ring when you have a "
            "moment? My number is 07700 900234. Thanks, Pauline",
        ),
        boxes.practice,
    )
    assert run(config, NOW) == 0
    assert mails(server, boxes.therapist, "unsure_note")
    later = NOW + timedelta(hours=1)
    _writes(server, boxes, REQUEST, at=later)
    assert run(config, later) == 1  # waits for the calendar
    assert mails(server, boxes.person) == []
    feed.write_bytes(EMPTY)
    assert run(config, later + timedelta(minutes=5)) == 0
    assert [m["X-Mailflow"] for m in mails(server, boxes.person)] == ["offer"]


def test_a_practices_own_safety_letter_leaves_the_alert_true(down, tmp_path) -> None:
    """A practice's own safety letter from before (no short form) with the
    shipped alert: possible risk, not danger, is still told as handed over
    because of the calendar (helper-204: the two checks were one)."""
    server, boxes, config, _feed = down
    _own_older(config, tmp_path, "safety", "unsure")
    _writes(server, boxes, f"{REQUEST} {DARK}")
    assert run(config, NOW) == 0
    assert mails(server, boxes.person) == []
    (alert,) = mails(server, boxes.therapist, "crisis_alert")
    assert (
        alert["Subject"] == "Please answer yourself: a request mentions risk or safety"
    )
