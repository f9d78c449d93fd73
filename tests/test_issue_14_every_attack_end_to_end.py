"""#14: every attack of the issue, over the wire, ahead of a genuine request.

`test_issue_14_hostile_end_to_end` does this for the six parser attacks; here
the rest of the issue's list has the same shape. Each attack is set up on
Dovecot (earlier runs bring an enquiry to where the attack aims), its hostile
mail(s) delivered, then a fresh person asks for the free call in the same
inbox, and the worker runs once within a per-mail budget. Read back: the
person got their offer, nothing went to anyone the attack names (its
Reply-To, the extra From, the forger), the attack's own outcome holds (the
held time stays held, nothing cancelled, the cap bites), and the next run
sends nothing more. A trickling server ends a run as an outage; the next run,
with the server well, answers the request exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from support import NOW, answer, plain, request, run, write_config
from test_booking import newest, pick, start
from test_hostile import query
from test_issue_14_deadlines import bounded, short_deadline, trickler
from test_issue_14_hostile_end_to_end import BUDGET
from test_issue_14_loops import NONE_FIT_AWAY, OUT_OF_OFFICE
from test_issue_14_therapist_words import (
    DECLINE,
    as_html,
    assert_declined_not_proposed,
    html_reply,
)

from mailflow.config import load_settings
from mailflow.deciding.guard import mailbox_of
from mailflow.writing.compose import static_text

__all__ = ["trickler"]  # the fixture, shared with test_issue_14_deadlines

VICTIM = "victim@elsewhere.example"
"""The Reply-To every hostile mail carries: never written to."""
MALLORY = "mallory@evil.example"
DOMAIN = "riverside.example"
"""The practice's and the therapist's domain (see conftest `mailboxes`)."""


@dataclass(frozen=True)
class Planted:
    """An attack in the inbox: when the run that meets it happens, who must
    get nothing, who else may be written to, and its own expected outcome."""

    at: datetime
    victims: tuple[str, ...]
    check: Callable[[], None]
    allowed: frozenset[str] = field(default_factory=frozenset)


def kinds(server, user) -> list[str]:
    return [str(m.message()["X-Mailflow"]) for m in server.messages(user)]


def states(config) -> list[str]:
    return [s for (s,) in query(config, "SELECT state FROM enquiries ORDER BY id")]


def with_reply_to(raw: bytes, address: str = VICTIM) -> bytes:
    return f"Reply-To: {address}\n".encode() + raw


# -- the attacks -----------------------------------------------------------------------


def plus_addresses(server, boxes, config) -> Planted:
    """Eight requests as `victim+1@` ... `victim+8@`: one mailbox, one cap."""
    local = "victim-" + boxes.practice.split("@")[0]
    sent = [f"{local}+{n}@example.org" for n in range(1, 9)]
    for address in sent:
        server.deliver(
            request(sender=f"Victim <{address}>", to=boxes.practice), boxes.practice
        )
    cap = load_settings(config).limits.per_address_per_day
    assert len(sent) > cap  # the cap is what must bite

    def check() -> None:
        to_victim = [r for r in server.smtp_log for to in r.rcpt_tos if to in sent]
        assert 0 < len(to_victim) <= cap

    # Each is its writer's own address: answered up to the cap, no further.
    return Planted(NOW, (), check, allowed=frozenset(sent))


def _held(server, boxes, config):
    pick(server, boxes, config, start(server, boxes, config))
    return newest(server, boxes.therapist, "approval_request")


def _stays_held(server, boxes, config) -> Callable[[], None]:
    before = kinds(server, boxes.person)

    def check() -> None:
        assert kinds(server, boxes.person) == before  # no confirmation, nothing
        assert states(config) == ["held", "offered"]  # theirs held; the newcomer's

    return check


def ambiguous_from(from_lines: str) -> Callable[..., Planted]:
    """The therapist's "Yes" under a From that is not one plain address."""

    def plant(server, boxes, config) -> Planted:
        approval = _held(server, boxes, config)
        at = NOW + timedelta(hours=2)
        raw = answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Yes, lovely.",
            sent_at=at,
            headers={"Reply-To": VICTIM},
        )
        head, body = raw.split(b"\n\n", 1)
        lines = [
            line for line in head.decode().splitlines() if not line.startswith("From:")
        ]
        forged = from_lines.format(t=boxes.therapist).replace("\r\n", "\n")
        server.deliver(
            ("\n".join([forged, *lines]) + "\n\n").encode() + body,
            boxes.practice,
            mail_from=boxes.therapist,
        )
        check = _stays_held(server, boxes, config)
        return Planted(
            at, (VICTIM, MALLORY, "sam@elsewhere.example"), check, _therapists(boxes)
        )

    return plant


def _therapists(boxes) -> frozenset[str]:
    """Told of what reached them is fine; the person answered is not a third party."""
    return frozenset({boxes.therapist})


PADDING = "".join(
    "\n (relayed by a friendly server, nothing to see here)" for _ in range(120)
)
SERVER_FAIL = f"mx.{DOMAIN}; spf=softfail smtp.mailfrom={DOMAIN}; dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from={DOMAIN}"
ATTACKER_PASS = (
    f"mx.evil.example;{PADDING}\n dkim=pass header.d={DOMAIN};"
    f" spf=pass smtp.mailfrom={DOMAIN}; dmarc=pass header.from={DOMAIN}"
)


def padded_results(server_first: bool) -> Callable[..., Planted]:
    """A forged "Yes" carrying the attacker's own padded pass; the receiving
    server's verdict (fail) is the topmost, or, with its authserv-id
    configured, below the attacker's."""

    def plant(server, boxes, config) -> Planted:
        if not server_first:
            config.write_text(
                config.read_text().replace(
                    'folder = "INBOX"\n',
                    f'folder = "INBOX"\nauthserv_id = "mx.{DOMAIN}"\n',
                    1,
                )
            )
        approval = _held(server, boxes, config)
        at = NOW + timedelta(hours=2)
        raw = answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Yes, lovely.",
            sent_at=at,
            headers={"Reply-To": VICTIM},
        )
        ours = f"Authentication-Results: {SERVER_FAIL}\n"
        theirs = f"Authentication-Results: {ATTACKER_PASS}\n"
        top = ours + theirs if server_first else theirs + ours
        server.deliver(top.encode() + raw, boxes.practice, mail_from=boxes.therapist)
        held = _stays_held(server, boxes, config)

        def check() -> None:
            held()
            (told,) = [
                " ".join(str(m.get_body(("plain",)).get_content()).split())
                for m in (s.message() for s in server.messages(boxes.therapist))
                if m["X-Mailflow"] == "therapist_alert"
            ]
            assert "failed your mail server's sender check" in told
            # Never "reply again": a reply sent the same way fails the same way.
            assert "reply again" not in told
            assert "will fail the same way" in told

        return Planted(at, (VICTIM,), check, _therapists(boxes))

    return plant


def hijacked_thread(server, boxes, config) -> Planted:
    """Mallory answers the person's offer (its Message-ID in In-Reply-To) with
    Reply-To the person, cancelling for them."""
    offer = start(server, boxes, config)
    before = kinds(server, boxes.person)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender=f"Mallory <{MALLORY}>",
            body="Please cancel, I found help elsewhere. No longer needed.",
            sent_at=at,
            headers={"Reply-To": boxes.person},
        ),
        boxes.practice,
    )

    def check() -> None:
        assert kinds(server, boxes.person) == before
        assert states(config) == ["offered", "offered"]  # theirs stands
        # The therapist hears of a reply from another address (2026-12-05):
        # perhaps the person from a work account; never acted on.
        alert = newest(server, boxes.therapist, "therapist_alert")
        assert "cannot take as theirs" in plain(alert)

    return Planted(at, (MALLORY, boxes.person), check, frozenset({boxes.therapist}))


def persons_out_of_office(server, boxes, config) -> Planted:
    """The person's auto-reply, no RFC 3834 header, read as "none of these fit"."""
    offer = start(server, boxes, config)
    before = kinds(server, boxes.person), kinds(server, boxes.therapist)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender=f"Jordan Lee <{boxes.person}>",
            body=NONE_FIT_AWAY,
            sent_at=at,
            quote=False,
            headers={"Reply-To": VICTIM},
        ),
        boxes.practice,
    )

    def check() -> None:
        assert (kinds(server, boxes.person), kinds(server, boxes.therapist)) == before
        assert states(config) == ["offered", "offered"]

    return Planted(at, (VICTIM, boxes.person, boxes.therapist), check)


def therapists_out_of_office(server, boxes, config) -> Planted:
    """The therapist's auto-reply to the approval, in German, no header."""
    approval = _held(server, boxes, config)
    before = kinds(server, boxes.therapist)
    at = NOW + timedelta(hours=2)
    server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body=OUT_OF_OFFICE["de-plain"],
            sent_at=at,
            quote=False,
            headers={"Reply-To": VICTIM},
        ),
        boxes.practice,
    )
    held = _stays_held(server, boxes, config)

    def check() -> None:
        held()
        assert kinds(server, boxes.therapist) == before  # never re-asked

    return Planted(at, (VICTIM, boxes.therapist), check)


def html_blockquote_no(server, boxes, config) -> Planted:
    """The therapist's HTML-only "No", the approval (with its example "could
    we do Thursday at 2?") in a <blockquote> and no "wrote:" line."""
    approval = _held(server, boxes, config)
    assert "could we do Thursday at 2?" in static_text("approval_request")
    at = NOW + timedelta(hours=2)
    body = (
        f"<div>{DECLINE}</div><div><br></div>"
        "<blockquote style='margin:0 0 0 .8ex;border-left:1px #ccc solid'>"
        f"{as_html(approval.get_body(('plain',)).get_content())}</blockquote>"
    )
    raw = html_reply(
        approval, sender=f"Sam Rivera <{boxes.therapist}>", body_html=body, at=at
    )
    server.deliver(with_reply_to(raw), boxes.practice, mail_from=boxes.therapist)

    def check() -> None:
        assert_declined_not_proposed(server, boxes)

    # Declined: the person gets fresh times, the therapist may be told.
    return Planted(at, (VICTIM,), check, frozenset({boxes.person, boxes.therapist}))


ENCODED = "victim@=?utf-8?q?elsewhere.example?="
"""An address a letter's To would show decoded (as VICTIM), sent elsewhere."""


def encoded_form_address(server, boxes, config) -> Planted:
    """A form service's notification whose Email field holds an encoded word:
    the form names nobody mailflow may write to, and no Reply-To stands in."""
    at = NOW + timedelta(hours=1)
    server.deliver(
        request(
            sender="Netlify <formresponses@netlify.com>",
            to=boxes.practice,
            subject="New form submission",
            body=f"Name: Jordan Lee\nEmail: {ENCODED}\nMessage: a free call please",
            sent_at=at,
        ),
        boxes.practice,
    )

    def check() -> None:
        assert states(config) == ["offered"]  # the fresh request's, none for it

    return Planted(at, (ENCODED, VICTIM), check)


ATTACKS: dict[str, Callable[..., Planted]] = {
    "plus addresses of one mailbox past the daily cap": plus_addresses,
    "an address as the therapist's display name": ambiguous_from(
        'From: "sam@elsewhere.example" <{t}>'
    ),
    "two addresses in the therapist's From": ambiguous_from(
        f"From: Sam Rivera <{{t}}>, Mallory <{MALLORY}>"
    ),
    "two From headers, the therapist's first": ambiguous_from(
        f"From: Sam Rivera <{{t}}>\r\nFrom: Mallory <{MALLORY}>"
    ),
    "a padded pass below the receiving server's fail": padded_results(True),
    "a padded pass above the configured server's fail": padded_results(False),
    "a Reply-To of the person in their thread, from elsewhere": hijacked_thread,
    "the person's out-of-office without RFC 3834 headers": persons_out_of_office,
    "the therapist's out-of-office without RFC 3834 headers": therapists_out_of_office,
    "the therapist's HTML-only No over a blockquoted approval": html_blockquote_no,
    "an encoded word in a form's Email field": encoded_form_address,
}


def ours_since(server, boxes, since: int) -> set[str]:
    return {
        to
        for r in server.smtp_log[since:]
        if r.mail_from == boxes.practice
        for to in r.rcpt_tos
    }


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_neither_stops_the_run_nor_reaches_a_third_party(
    attack, tmp_path, mail_server, mailboxes
):
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, BUDGET)
    planted = ATTACKS[attack](server, boxes, config)
    fresh = boxes.person.replace("jordan", "robin")
    server.deliver(
        request(sender=f"Robin <{fresh}>", to=boxes.practice, sent_at=planted.at),
        boxes.practice,
    )
    sent_before = len(server.smtp_log)

    assert run(config, planted.at) == 0

    written = ours_since(server, boxes, sent_before)
    assert [newest(server, fresh)["X-Mailflow"]] == kinds(server, fresh) == ["offer"]
    assert written - {fresh} <= planted.allowed
    assert not {mailbox_of(a) for a in written} & {
        mailbox_of(v) for v in planted.victims
    }
    planted.check()
    outcomes = [o for (o,) in query(config, "SELECT outcome FROM seen")]
    assert "over-budget" not in outcomes  # each mail read within its budget
    assert query(config, "SELECT COUNT(*) FROM meta WHERE key LIKE 'attempts:%'") == [
        (0,)
    ]
    sent_after = len(server.smtp_log)

    assert run(config, planted.at + timedelta(minutes=5)) == 0  # nothing to retry

    assert ours_since(server, boxes, sent_after) == set()


@pytest.mark.parametrize("section", ["imap", "smtp"])
def test_after_a_trickling_server_the_next_run_answers_once(
    section, tmp_path, mail_server, mailboxes, trickler
):
    """The run the trickler holds ends as an outage (exit 3); the next, with
    the server well, answers the request, and no run sends anything twice."""
    server, boxes = mail_server, mailboxes
    slow = trickler(b"* OK " if section == "imap" else b"220-")
    config = write_config(tmp_path, server, boxes, BUDGET)
    short_deadline(config, section, slow.port)
    server.deliver(
        request(sender=f"Robin <{boxes.person}>", to=boxes.practice), boxes.practice
    )
    sent_before = len(server.smtp_log)

    code = bounded(
        lambda: run(config)  # the same CLI entry point, in a bounded thread
    )

    assert code == 3
    assert slow.served >= 1
    assert ours_since(server, boxes, sent_before) == set()
    write_config(tmp_path, server, boxes, BUDGET)  # the server is well again

    assert run(config, NOW + timedelta(minutes=5)) == 0

    assert kinds(server, boxes.person) == ["offer"]
    assert run(config, NOW + timedelta(minutes=10)) == 0
    assert kinds(server, boxes.person) == ["offer"]  # never twice
    assert ours_since(server, boxes, sent_before) == {boxes.person}
