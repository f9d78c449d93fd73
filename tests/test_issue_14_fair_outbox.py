"""Issue #14: genuine requests before bulk. The outbox went first in, first
out, so 120 spam "forms" under the hourly cap delayed a real person's offer by
four hours. Now what goes out is ordered round-robin over lanes (a person's
mailbox; every website form one lane): a flood from one sender never holds a
real person's first letter behind the cap. End to end on Dovecot + SMTP.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, request, run, sent_to, write_config

from mailflow.deciding.guard import fair_order, send_order

FORMS = 24
PER_HOUR = 6

LIMITS = f"""
[limits]
per_hour = {PER_HOUR}
per_run = {PER_HOUR}

[requests]
form_senders = ["forms@formservice.example"]
"""


def form(n: int) -> bytes:
    return request(
        sender="Website forms <forms@formservice.example>",
        to="practice@example.org",
        subject="New form submission",
        body=(
            "You've got a new form submission\n\n"
            f"Name: Visitor {n}\n"
            f"Email: visitor{n}@bulk.example\n"
            "Message: I would like to book the free consultation call.\n"
        ),
        sent_at=NOW - timedelta(minutes=30) + timedelta(seconds=n),
    )


def therapist_mails(server, boxes, kind):
    found = [m.message() for m in server.messages(boxes.therapist)]
    return [m for m in found if m["X-Mailflow"] == kind]


def therapist_kinds(server, boxes) -> list[str]:
    return [m.message()["X-Mailflow"] for m in server.messages(boxes.therapist)]


def paused_by_a_flood(server, boxes, config) -> None:
    """A flood of forms uses up the hour's share: sending is paused."""
    for n in range(FORMS):
        server.deliver(form(n), boxes.practice)
    run(config, NOW)
    assert "sending_paused" in therapist_kinds(server, boxes)


@pytest.fixture
def stack(tmp_path, mail_server, mailboxes):
    return (
        mail_server,
        mailboxes,
        write_config(tmp_path, mail_server, mailboxes, LIMITS),
    )


def test_a_flood_of_forms_never_delays_a_real_persons_offer(stack):
    server, boxes, config = stack
    for n in range(FORMS):
        server.deliver(form(n), boxes.practice)
    # The real person writes last, after the whole flood is queued.
    server.deliver(
        request(
            sender=f"Jordan Lee <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free 15 minute call, please.",
            sent_at=NOW - timedelta(minutes=1),
        ),
        boxes.practice,
    )
    run(config, NOW)  # exit 1: letters wait behind the cap
    assert sent_to(server, boxes.person), "the genuine offer waited behind the flood"
    flooded = sum(
        1 for r in server.smtp_log if any("@bulk.example" in t for t in r.rcpt_tos)
    )
    assert 0 < flooded < FORMS  # forms are answered; the cap still holds the flood


def test_a_flood_from_one_mailbox_waits_behind_everyone_else():
    lanes = ["a", "a", "a", "a", "b", "c", "a", "b"]
    order = fair_order(lanes)
    assert order[:3] == [0, 4, 5]  # every lane's first before anyone's second
    assert sorted(order) == list(range(len(lanes)))
    assert fair_order([]) == []
    assert fair_order(["x", "x"]) == [0, 1]  # within a lane, queue order


def test_news_of_risk_reaches_the_therapist_past_the_caps(stack):
    """A flood used up the hour's share in the last run (sending is paused);
    someone then tells of danger now: their urgent alert still goes to the
    therapist at once (a crisis waits for no hour), while ordinary letters,
    their own offer among them, wait."""
    server, boxes, config = stack
    paused_by_a_flood(server, boxes, config)
    later = NOW + timedelta(minutes=5)
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free call please. "
            "PS I've just drunk a load of bleach, sorry.",
            sent_at=later,
        ),
        boxes.practice,
    )
    run(config, later)
    kinds = therapist_kinds(server, boxes)
    assert "crisis_alert" in kinds
    assert sent_to(server, boxes.person) == []  # the offer waits for the hour
    run(config, later + timedelta(minutes=5))  # still paused: not sent twice
    kinds = therapist_kinds(server, boxes)
    assert kinds.count("crisis_alert") == 1


def test_news_of_risk_goes_first_then_everyone_in_turn():
    lanes = ["a", "a", "therapist:1:3", "b", "therapist:2:5"]
    kinds = ["offer", "offer", "approval_request", "offer", "crisis_alert"]
    assert send_order(lanes, kinds) == [4, 0, 2, 3, 1]
    assert send_order([], []) == []


@pytest.mark.parametrize("kind", ["crisis_alert", "form_alert", "risk_note"])
def test_news_of_risk_has_a_cap_of_its_own(kind):
    """The ordinary caps (the hour's, the run's) hold news of risk back
    never, nor count it; its own (`URGENT_PER_HOUR`) does, so a flood of
    crisis-worded mail cannot use up the practice's sending quota."""
    from mailflow.deciding import guard

    limits = guard.Limits(per_address_per_day=1, per_run=1, per_hour=1)
    ordinary = [guard.Sent(("sam@example.org",), NOW - timedelta(minutes=1))] * 5

    def verdict(kind, urgent_sent, *, sent_this_run=9, retry_at=None):
        urgent = guard.Sent(("sam@example.org",), NOW - timedelta(minutes=2), True)
        history = guard.SentLog.of([*ordinary, *[urgent] * urgent_sent], NOW)
        return guard.decide(
            kind=kind,
            recipients=("sam@example.org",),
            next_attempt_at=retry_at,
            history=history,
            sent_this_run=sent_this_run,
            limits=limits,
            now=NOW,
        )

    assert verdict(kind, 0) is guard.Verdict.SEND
    assert verdict(kind, guard.URGENT_PER_HOUR - 1) is guard.Verdict.SEND
    # Past its own cap it waits for the next hour.
    assert verdict(kind, guard.URGENT_PER_HOUR) is guard.Verdict.URGENT_FULL
    # Not counted against the ordinary hour: an approval request is held by
    # the five ordinary sends alone, however many urgent ones went.
    log = guard.SentLog.of(
        [guard.Sent(("sam@example.org",), NOW - timedelta(minutes=2), True)] * 3,
        NOW,
    )
    assert (log.last_hour, log.urgent_last_hour) == (0, 3)
    assert verdict("approval_request", 0) is guard.Verdict.BREAKER
    # A server's 4xx still spaces its retries.
    retry = NOW + timedelta(minutes=5)
    assert verdict(kind, 0, sent_this_run=0, retry_at=retry) is guard.Verdict.NOT_YET


def test_a_flood_of_crisis_words_meets_the_urgent_cap(tmp_path, mail_server, mailboxes):
    """More crisis-worded mail than the urgent cap in one hour: the
    therapist gets `URGENT_PER_HOUR` alerts in it, the rest wait (never a
    flood through the practice's account); nothing is sent twice."""
    from mailflow.deciding.guard import URGENT_PER_HOUR

    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, LIMITS)
    flood = URGENT_PER_HOUR + 3
    for n in range(flood):
        server.deliver(
            request(
                sender=f"Writer {n} <writer{n}@flood.example>",
                to=boxes.practice,
                body="Hello, I'd like to book the free call please. "
                "PS I've just drunk a load of bleach, sorry.",
                sent_at=NOW - timedelta(minutes=30) + timedelta(seconds=n),
            ),
            boxes.practice,
        )
    run(config, NOW)
    run(config, NOW + timedelta(minutes=5))
    kinds = therapist_kinds(server, boxes)
    # Its own cap: the last three wait.
    assert kinds.count("crisis_alert") == URGENT_PER_HOUR
    # Well over an hour on, the rest go, each once.
    run(config, NOW + timedelta(minutes=90))
    kinds = therapist_kinds(server, boxes)
    assert kinds.count("crisis_alert") == flood


def test_news_of_risk_is_handed_over_first(tmp_path, mail_server, mailboxes):
    """Letters queued before it in the same run go after it: an outage met
    half-way through a flush leaves ordinary letters waiting, not the alert."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    before = len(server.smtp_log)
    for n in range(3):
        server.deliver(
            request(
                sender=f"Person {n} <person{n}@example.net>",
                to=boxes.practice,
                body="Hello, I'd like to book the free 15 minute call, please.",
                sent_at=NOW - timedelta(minutes=10) + timedelta(seconds=n),
            ),
            boxes.practice,
        )
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>",
            to=boxes.practice,
            body="Hello, I'd like to book the free call please. "
            "PS I've just drunk a load of bleach, sorry.",
            sent_at=NOW - timedelta(minutes=1),
        ),
        boxes.practice,
    )
    assert run(config, NOW) == 0
    sent = server.smtp_log[before:]
    assert len(sent) == 5  # three offers, Dana's, and the alert
    assert tuple(sent[0].rcpt_tos) == (boxes.therapist,)
    assert b"X-Mailflow: crisis_alert" in sent[0].data


def test_a_flood_of_crisis_worded_forms_never_holds_back_a_persons_alert(stack):
    """More crisis-worded forms from one service than the urgent cap, then a
    real person in danger writing themselves: their alert goes in the same
    run (news of risk is round-robin over whom it is about; helper-203). One
    who writes through the same form shares the flood's lane and may wait
    for the next hour (helper-204: a form's flood of addresses cannot be told
    from one person there)."""
    from mailflow.deciding.guard import URGENT_PER_HOUR

    server, boxes, config = stack
    for n in range(URGENT_PER_HOUR + 4):
        server.deliver(
            request(
                sender="Website forms <forms@formservice.example>",
                to=boxes.practice,
                subject="New form submission",
                body=(
                    "You've got a new form submission\n\n"
                    f"Name: Visitor {n}\n"
                    f"Email: visitor{n}@bulk.example\n"
                    "Message: I would like to book the free consultation call."
                    " PS I've just drunk a load of bleach, sorry.\n"
                ),
                sent_at=NOW - timedelta(minutes=30) + timedelta(seconds=n),
            ),
            boxes.practice,
        )
    words = (
        "Hello, I'd like to book the free call please. "
        "PS I've just drunk a load of bleach, sorry."
    )
    server.deliver(
        request(
            sender=f"Dana Cole <{boxes.person}>",
            to=boxes.practice,
            body=words,
            sent_at=NOW - timedelta(minutes=1),
        ),
        boxes.practice,
    )
    run(config, NOW)
    alerts = therapist_mails(server, boxes, "crisis_alert")
    assert len(alerts) == URGENT_PER_HOUR
    assert any(boxes.person in str(a["Reply-To"]) for a in alerts)


def test_the_note_that_is_the_only_alert_of_risk_goes_past_the_caps(stack):
    """Words that only weigh like a crisis get one note ("Please read"), the
    therapist's one alert of them: while sending is paused for the hour, it
    goes all the same (helper-202), its letter the same as ever."""
    server, boxes, config = stack
    paused_by_a_flood(server, boxes, config)
    later = NOW + timedelta(minutes=5)
    server.deliver(
        request(
            sender=f"Robyn <{boxes.person}>",
            to=boxes.practice,
            subject="",
            body="I've written the note. It's on the dresser.",
            sent_at=later,
        ),
        boxes.practice,
    )
    run(config, later)
    notes = therapist_mails(server, boxes, "unsure_note")
    assert len(notes) == 1
    assert notes[0]["Subject"].startswith("Please read")


def test_news_of_risk_spends_none_of_the_runs_share(stack):
    """Three people in danger and three who simply ask, under a run's share
    of six: the three alerts go past it, and all six offers within it (were
    the alerts counted, three offers would wait)."""
    server, boxes, config = stack
    for n in range(6):
        danger = " PS I've just drunk a load of bleach, sorry." if n < 3 else ""
        server.deliver(
            request(
                sender=f"Person {n} <person{n}@example.net>",
                to=boxes.practice,
                body="Hello, I'd like to book the free 15 minute call, please."
                + danger,
                sent_at=NOW - timedelta(minutes=10) + timedelta(seconds=n),
            ),
            boxes.practice,
        )
    run(config, NOW)
    kinds = therapist_kinds(server, boxes)
    assert kinds.count("crisis_alert") == 3
    offered = [n for n in range(6) if sent_to(server, f"person{n}@example.net")]
    assert offered == list(range(6))
