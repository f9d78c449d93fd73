"""#14: how far the receiving server vouches for a sender, and what each answer does.

`sender_check` reads the receiving server's own Authentication-Results, as
Gmail, Microsoft 365 and Fastmail write them. dmarc=pass is as strong as it
gets; a hard failure rules a reply out; SPF softfail/none with no DKIM
signature of the domain (and DMARC absent, none, or failing under a policy of
none) is WEAK: anyone could have typed that From. What the worker does with
each, on Dovecot:

- the therapist's reply carrying a token of one of our letters to them:
  FAILED is not acted on and they are told in one line; WEAK is acted on
  (the token, sent only to them, proves the thread) and they are told, at
  most once a day about each enquiry, that their domain vouches for nothing;
- a reply as the person: FAILED is not acted on (nothing is sent, the
  therapist is told); WEAK is read as usual, but a cancellation on it is
  never silent: the therapist is told in one line.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, answer, plain, run
from test_booking import newest, pick, stack, start, therapist_says

from mailflow.model import InboundMail
from mailflow.reading.authenticity import SenderCheck, sender_check

__all__ = ["stack"]  # the fixture, shared with test_booking

DOMAIN = "riverside.example"

GMAIL = {
    "dmarc pass": (
        "mx.google.com; dkim=pass header.i=@riverside.example header.s=google"
        " header.b=AbCdEf12; spf=pass (google.com: domain of sam@riverside.example"
        " designates 209.85.220.41 as permitted sender)"
        " smtp.mailfrom=sam@riverside.example; dmarc=pass (p=QUARANTINE"
        " sp=QUARANTINE dis=NONE) header.from=riverside.example",
        SenderCheck.PASSED,
    ),
    "dmarc pass outranks a forwarded spf fail": (
        "mx.google.com; dkim=pass header.i=@riverside.example; spf=fail (google.com:"
        " domain of sam@riverside.example does not designate 203.0.113.7 as"
        " permitted sender) smtp.mailfrom=sam@riverside.example; dmarc=pass"
        " (p=REJECT sp=REJECT dis=NONE) header.from=riverside.example",
        SenderCheck.PASSED,
    ),
    "softfail, no dkim, dmarc policy none": (
        "mx.google.com; spf=softfail (google.com: domain of transitioning"
        " sam@riverside.example does not designate 203.0.113.7 as permitted sender)"
        " smtp.mailfrom=sam@riverside.example; dmarc=fail (p=NONE sp=NONE dis=NONE)"
        " header.from=riverside.example",
        SenderCheck.WEAK,
    ),
    "no spf record, no dkim, no dmarc": (
        "mx.google.com; spf=none (google.com: riverside.example does not designate"
        " permitted sender hosts) smtp.mailfrom=sam@riverside.example",
        SenderCheck.WEAK,
    ),
    "signed by the mailing service only": (
        "mx.google.com; dkim=pass header.i=@sendgrid.example; spf=pass"
        " smtp.mailfrom=bounces@sendgrid.example; dmarc=fail (p=NONE sp=NONE"
        " dis=NONE) header.from=riverside.example",
        SenderCheck.WEAK,
    ),
    # Forwarded (SPF breaks), the domain's own signature intact, no DMARC
    # record: what DMARC would pass.
    "forwarded, signed, spf fail, no dmarc record": (
        "mx.google.com; dkim=pass header.i=@riverside.example header.s=google"
        " header.b=Zx81Qa0p; spf=fail (google.com: domain of sam@riverside.example"
        " does not designate 198.51.100.9 as permitted sender)"
        " smtp.mailfrom=sam@riverside.example",
        SenderCheck.PASSED,
    ),
    # Signed by someone else only: the SPF fail of ours stands.
    "spf fail, signed by the mailing service only, no dmarc record": (
        "mx.google.com; dkim=pass header.i=@sendgrid.example; spf=fail (google.com:"
        " domain of sam@riverside.example does not designate 198.51.100.9 as"
        " permitted sender) smtp.mailfrom=sam@riverside.example",
        SenderCheck.FAILED,
    ),
    "softfail under a quarantine policy": (
        "mx.google.com; spf=softfail (google.com: domain of transitioning"
        " sam@riverside.example does not designate 203.0.113.7 as permitted sender)"
        " smtp.mailfrom=sam@riverside.example; dmarc=fail (p=QUARANTINE"
        " sp=QUARANTINE dis=QUARANTINE) header.from=riverside.example",
        SenderCheck.FAILED,
    ),
}

MICROSOFT = {
    "all pass": (
        "spf=pass (sender IP is 40.107.22.91) smtp.mailfrom=riverside.example;"
        " dkim=pass (signature was verified) header.d=riverside.example;dmarc=pass"
        " action=none header.from=riverside.example;compauth=pass reason=100",
        SenderCheck.PASSED,
    ),
    "best guess pass, no dmarc record": (
        "spf=pass (sender IP is 40.107.22.91) smtp.mailfrom=riverside.example;"
        " dkim=none (message not signed) header.d=none;dmarc=bestguesspass"
        " action=none header.from=riverside.example;compauth=pass reason=109",
        SenderCheck.PASSED,
    ),
    "no spf, not signed, no dmarc": (
        "spf=none (sender IP is 203.0.113.7) smtp.mailfrom=riverside.example;"
        " dkim=none (message not signed) header.d=none;dmarc=none action=none"
        " header.from=riverside.example;compauth=softpass reason=201",
        SenderCheck.WEAK,
    ),
    # "action=none" is Microsoft's word for a policy of none: monitoring only.
    "softfail, not signed, dmarc fail, action none": (
        "spf=softfail (sender IP is 203.0.113.7) smtp.mailfrom=riverside.example;"
        " dkim=none (message not signed) header.d=none;dmarc=fail action=none"
        " header.from=riverside.example;compauth=fail reason=001",
        SenderCheck.WEAK,
    ),
    "softfail, not signed, dmarc fail, action oreject": (
        "spf=softfail (sender IP is 203.0.113.7) smtp.mailfrom=riverside.example;"
        " dkim=none (message not signed) header.d=none;dmarc=fail action=oreject"
        " header.from=riverside.example;compauth=fail reason=000",
        SenderCheck.FAILED,
    ),
    "fail, not signed, dmarc fail, action quarantine": (
        "spf=fail (sender IP is 203.0.113.7) smtp.mailfrom=riverside.example;"
        " dkim=none (message not signed) header.d=none;dmarc=fail"
        " action=quarantine header.from=riverside.example;compauth=fail reason=000",
        SenderCheck.FAILED,
    ),
    # Through a forwarder that ARC-seals: DMARC fails, Microsoft's composite
    # verdict (compauth) passes it, and that is the server's word.
    "arc-sealed forward, compauth pass": (
        "spf=fail (sender IP is 209.85.220.69) smtp.mailfrom=riverside.example;"
        " dkim=fail (body hash did not verify) header.d=riverside.example;dmarc=fail"
        " action=oreject header.from=riverside.example;compauth=pass reason=130",
        SenderCheck.PASSED,
    ),
    # Its compauth speaks for the From it saw: another domain's pass is not ours.
    "compauth pass for another From domain": (
        "spf=none (sender IP is 203.0.113.7) smtp.mailfrom=evil.example;"
        " dkim=none (message not signed) header.d=none;dmarc=none action=none"
        " header.from=evilriverside.example;compauth=pass reason=109",
        SenderCheck.WEAK,
    ),
}

FASTMAIL = {
    "dmarc pass": (
        "mx3.messagingengine.com; dkim=pass (2048-bit rsa key sha256)"
        " header.d=riverside.example header.i=@riverside.example header.b=AbCd"
        " header.a=rsa-sha256 header.s=fm1 x-bits=2048; dmarc=pass"
        " policy.published-domain-policy=reject policy.applied-disposition=none"
        " policy.evaluated-disposition=none (p=reject,d=none,d.eval=none)"
        " policy.policy-from=p header.from=riverside.example; iprev=pass"
        " smtp.remote-ip=203.0.113.5 (mail.riverside.example); spf=pass"
        " smtp.mailfrom=sam@riverside.example smtp.helo=mail.riverside.example",
        SenderCheck.PASSED,
    ),
    "softfail, unsigned, dmarc policy none": (
        "mx3.messagingengine.com; dkim=none (no signatures found); dmarc=fail"
        " policy.published-domain-policy=none policy.applied-disposition=none"
        " policy.evaluated-disposition=none (p=none,d=none,d.eval=none)"
        " policy.policy-from=p header.from=riverside.example; iprev=fail"
        " smtp.remote-ip=203.0.113.7; spf=softfail"
        " smtp.mailfrom=sam@riverside.example smtp.helo=attacker.example",
        SenderCheck.WEAK,
    ),
    "forwarded, signed, spf fail, no dmarc record": (
        "mx3.messagingengine.com; dkim=pass (2048-bit rsa key sha256)"
        " header.d=riverside.example header.i=@riverside.example header.b=AbCd"
        " header.a=rsa-sha256 header.s=fm1 x-bits=2048; dmarc=none"
        " policy.published-domain-policy=none header.from=riverside.example;"
        " spf=fail smtp.mailfrom=sam@riverside.example smtp.helo=relay.example",
        SenderCheck.PASSED,
    ),
    "softfail, unsigned, dmarc policy reject": (
        "mx3.messagingengine.com; dkim=none (no signatures found); dmarc=fail"
        " policy.published-domain-policy=reject policy.applied-disposition=reject"
        " policy.evaluated-disposition=reject (p=reject,d=reject,d.eval=reject)"
        " policy.policy-from=p header.from=riverside.example; spf=softfail"
        " smtp.mailfrom=sam@riverside.example smtp.helo=attacker.example",
        SenderCheck.FAILED,
    ),
}

SHAPES = {
    f"{provider}: {name}": shape
    for provider, shapes in (
        ("Gmail", GMAIL),
        ("Microsoft 365", MICROSOFT),
        ("Fastmail", FASTMAIL),
    )
    for name, shape in shapes.items()
}


def mail(results: str | None, below: str | None = None) -> InboundMail:
    found = [r for r in (results, below) if r is not None]
    return InboundMail(
        message_id="<a@b>",
        subject="Re: Please approve",
        from_addr=f"sam@{DOMAIN}",
        from_name="Sam",
        headers={"authentication-results": "\n".join(found)} if found else {},
    )


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_providers_verdict_is_read_as_it_means(shape: str) -> None:
    results, expected = SHAPES[shape]
    assert sender_check(mail(results), DOMAIN) is expected


def test_no_verdict_is_unchecked_and_a_lookalike_domain_is_not_ours() -> None:
    assert sender_check(mail(None), DOMAIN) is SenderCheck.UNCHECKED
    assert sender_check(mail("mx.example; none"), DOMAIN) is SenderCheck.UNCHECKED
    lookalike = "mx.example; dkim=pass header.d=evilriverside.example"
    assert sender_check(mail(lookalike), DOMAIN) is SenderCheck.WEAK
    sub = "mx.example; dkim=pass header.d=mail.riverside.example"
    assert sender_check(mail(sub), DOMAIN) is SenderCheck.PASSED


def test_only_the_receiving_servers_own_verdict_counts() -> None:
    weak, _ = GMAIL["softfail, no dkim, dmarc policy none"]
    passed, _ = GMAIL["dmarc pass"]
    # A pass written further down by the sender changes nothing.
    assert sender_check(mail(weak, passed), DOMAIN) is SenderCheck.WEAK
    fastmail, _ = FASTMAIL["dmarc pass"]
    assert (
        sender_check(mail(weak, fastmail), DOMAIN, "mx3.messagingengine.com")
        is SenderCheck.PASSED
    )


# -- on Dovecot -----------------------------------------------------------------------

WEAK_THERAPIST, _ = GMAIL["softfail, no dkim, dmarc policy none"]
FAILED_PERSON = (
    "mx.riverside.example; spf=softfail smtp.mailfrom={domain}; dmarc=fail"
    " (p=REJECT sp=REJECT dis=NONE) header.from={domain}"
)
WEAK_PERSON = (
    "mx.riverside.example; spf=none smtp.mailfrom={domain}; dmarc=none"
    " header.from={domain}"
)


def alerts(server, boxes) -> list[str]:
    return [
        " ".join(plain(m.message()).split())
        for m in server.messages(boxes.therapist)
        if m.message()["X-Mailflow"] == "therapist_alert"
    ]


def test_a_weak_therapist_approval_is_acted_on_and_noted_once_a_day(stack):
    server, boxes, config = stack
    pick(server, boxes, config, start(server, boxes, config))
    results = WEAK_THERAPIST.replace(DOMAIN, boxes.therapist.rsplit("@", 1)[1])
    headers = {"Authentication-Results": results}

    therapist_says(server, boxes, config, "Yes, lovely.", headers=headers)

    assert newest(server, boxes.person, "confirmation")  # acted on
    (note,) = alerts(server, boxes)
    assert "was acted on" in note
    assert "without a passing sender check" in note
    at = NOW + timedelta(hours=3)
    therapist_says(server, boxes, config, "Thanks!", at=at, headers=headers)
    assert len(alerts(server, boxes)) == 1  # once a day, not once a reply


def test_a_reply_as_the_person_that_fails_the_sender_check_changes_nothing(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    domain = boxes.person.rsplit("@", 1)[1]
    at = NOW + timedelta(hours=1)
    forged = answer(
        offer,
        sender=f"Jordan Lee <{boxes.person}>",
        body="2",
        sent_at=at,
        headers={"Authentication-Results": FAILED_PERSON.format(domain=domain)},
    )
    before = len(server.messages(boxes.person))
    server.deliver(forged, boxes.practice)

    assert run(config, at) == 0

    assert len(server.messages(boxes.person)) == before  # no hold, nothing sent
    assert not [
        m
        for m in server.messages(boxes.therapist)
        if m.message()["X-Mailflow"] == "approval_request"
    ]
    (told,) = alerts(server, boxes)
    assert "failed your mail server's sender check" in told
    assert "did not act on it and sent nothing" in told


def test_a_cancellation_on_a_weak_check_is_carried_out_and_never_silent(stack):
    server, boxes, config = stack
    offer = start(server, boxes, config)
    domain = boxes.person.rsplit("@", 1)[1]
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender=f"Jordan Lee <{boxes.person}>",
            body="Please cancel, I no longer need the call. Thank you.",
            sent_at=at,
            headers={"Authentication-Results": WEAK_PERSON.format(domain=domain)},
        ),
        boxes.practice,
    )

    assert run(config, at) == 0

    told = alerts(server, boxes)
    assert any("no longer wants the free call" in t for t in told)  # carried out
    assert any("anyone could have written as them" in t for t in told)


def test_a_calendar_decline_as_the_person_that_fails_the_check_never_cancels(stack):
    """An ATTENDEE line answers for the person only in mail from them: from
    their address but failing the check, it is anyone's (the call stands)."""
    from test_booking import booked_invite
    from test_calendar_replies import LATER, reply_ics, reply_mail

    server, boxes, config = stack
    invite, event = booked_invite(server, boxes, config)
    therapist_before = len(server.messages(boxes.therapist))
    domain = boxes.person.rsplit("@", 1)[1]
    raw = reply_mail(
        invite,
        sender=boxes.person,
        ics=reply_ics(
            str(event["UID"]), f"ATTENDEE;PARTSTAT=DECLINED:mailto:{boxes.person}"
        ),
        subject="Declined: Free call",
    )
    results = FAILED_PERSON.format(domain=domain)
    server.deliver(
        f"Authentication-Results: {results}\r\n".encode() + raw, boxes.practice
    )

    assert run(config, LATER) == 0

    told = [m.message() for m in server.messages(boxes.therapist)][therapist_before:]
    assert [m["X-Mailflow"] for m in told] == ["therapist_alert"]  # not a cancel
    assert "the call stays booked" in plain(told[0])
