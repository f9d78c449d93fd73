"""`authentication_failed`: when the receiving server's verdict rules a reply out."""

from __future__ import annotations

import pytest

from mailflow.model import InboundMail
from mailflow.reading.authenticity import authentication_failed

DOMAIN = "riverside.example"


def mail(results: str | None) -> InboundMail:
    headers = {} if results is None else {"authentication-results": results}
    return InboundMail(
        message_id="<a@b>",
        subject="Re: Please approve",
        from_addr=f"sam@{DOMAIN}",
        from_name="Sam",
        headers=headers,
    )


@pytest.mark.parametrize(
    "results",
    [
        f"mx.example; dkim=fail header.d={DOMAIN}",
        f"mx.example; spf=fail smtp.mailfrom=sam@{DOMAIN}",
        f"mx.example; dmarc=fail header.from={DOMAIN}",
        f"mx.example; DKIM=FAIL (bad signature) header.d=mail.{DOMAIN}",
        "mx.example; dmarc=fail",  # no domain named: assume it is the From domain
    ],
)
def test_a_failure_for_the_from_domain_rules_it_out(results: str) -> None:
    assert authentication_failed(mail(results), DOMAIN)


@pytest.mark.parametrize(
    "results",
    [
        None,  # no verdict at all (a local server): the token decides
        f"mx.example; dkim=pass header.d={DOMAIN}; spf=pass; dmarc=pass",
        "mx.example; dkim=fail header.d=forwarder.example",  # another domain's
        f"mx.example; spf=softfail smtp.mailfrom={DOMAIN}; dkim=pass header.d={DOMAIN}",
        f"mx.example; dkim=none; spf=neutral smtp.mailfrom={DOMAIN}",
        # A permerror is the domain's own broken record, no proof of forgery.
        f"mx.example; spf=pass smtp.mailfrom={DOMAIN}; dkim=permerror header.d={DOMAIN}",
        f"mx.example; spf=permerror smtp.mailfrom={DOMAIN}; dkim=none",
        # A comment reports an earlier hop (ARC), not this server's verdict.
        f"mx.google.com; arc=pass (i=1 spf=fail spfdomain={DOMAIN} dkim=fail"
        f" dkdomain={DOMAIN}); spf=pass smtp.mailfrom=sam@{DOMAIN}",
    ],
)
def test_passes_other_domains_and_softer_verdicts_do_not(results: str | None) -> None:
    assert not authentication_failed(mail(results), DOMAIN)


def test_results_inside_comments_are_no_results_but_a_policy_in_one_is_read() -> None:
    from mailflow.reading.authenticity import SenderCheck, sender_check

    arc = (
        f"mx.google.com; arc=pass (i=1 spf=fail spfdomain={DOMAIN});"
        f" spf=pass (google.com: domain of sam@{DOMAIN} designates 1.2.3.4)"
        f" smtp.mailfrom=sam@{DOMAIN}"
    )
    assert sender_check(mail(arc), DOMAIN) is SenderCheck.PASSED
    monitored = (
        f"mx.google.com; spf=softfail smtp.mailfrom=sam@{DOMAIN};"
        f" dmarc=fail (p=NONE sp=NONE dis=NONE) header.from={DOMAIN}"
    )
    assert sender_check(mail(monitored), DOMAIN) is SenderCheck.WEAK
    enforced = monitored.replace("p=NONE", "p=REJECT")
    assert sender_check(mail(enforced), DOMAIN) is SenderCheck.FAILED
