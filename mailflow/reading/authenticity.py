"""How far the receiving server vouches for a mail's From domain. Pure, no I/O.

Read from the receiving server's own Authentication-Results (RFC 8601) only:
any header further down is the sender's to write (#14). Four answers:

- PASSED: dmarc=pass or Microsoft's compauth=pass (the server's own verdict
  on the From: as strong as it gets); else, with no DMARC result, a DKIM
  signature of the From domain itself (an SPF fail beside it is a forward,
  not a forgery: DMARC would pass it); else an SPF pass of the From domain
  with nothing failing hard.
- FAILED: a fail for the From domain (or for no named domain);
  a dmarc=fail counts, except under a published policy of none (the owner
  only monitors: no proof either way; Microsoft writes "action=none"), which
  is WEAK.
- WEAK: the server judged the mail and nothing ties it to the From domain:
  SPF softfail, neutral or none, no DKIM signature of that domain. Anyone
  could have typed that From.
- UNCHECKED: no verdict at all (a local server that checks nothing).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from mailflow import patterns
from mailflow.model import InboundMail


class SenderCheck(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WEAK = "weak"
    UNCHECKED = "unchecked"


_RESULT: Final = patterns.compile(
    r"\b(dkim|spf|dmarc|compauth)\s*=\s*(\w+)([^;]*)", re.IGNORECASE
)
_DOMAIN_PROPERTY: Final = patterns.compile(
    r"\b(?:header\.d|header\.i|header\.from|smtp\.mailfrom)\s*=\s*\"?"
    r"(?:[^@\s;\"]*@)?([^\s;\"]+)",
    re.IGNORECASE,
)
_MONITORING_ONLY: Final = patterns.compile(
    r"\(p=none\b|\bpolicy\.published-domain-policy=none\b|\baction=none\b",
    re.IGNORECASE,
)
"""A dmarc result under a published p=none policy: Gmail writes "(p=NONE sp=NONE
dis=NONE)", Fastmail "policy.published-domain-policy=none", Microsoft 365
"action=none" (its action for an enforced policy is quarantine, reject,
oreject or a pct. of one)."""
_HEADER_FROM: Final = patterns.compile(
    r"\bheader\.from\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE
)
_HARD: Final = frozenset({"fail"})
"""A permerror is the domain's own broken record (too many SPF lookups, a
malformed signature): no proof either way, so weak, never failed."""
_COMMENT: Final = patterns.compile(r"\([^()]*\)")
"""RFC 8601 comments: their words are no results (Gmail's "arc=pass (i=1
spf=fail ...)" reports what an earlier hop saw, not this server's verdict)."""


def receiving_results(mail: InboundMail, authserv_id: str = "") -> str:
    """The receiving server's Authentication-Results: the first whose
    authserv-id is `authserv_id` (none such: nothing), else the topmost."""
    found = mail.headers.get("authentication-results", "").split("\n")
    if not authserv_id:
        return found[0]
    wanted = authserv_id.strip().lower()
    return next((r for r in found if r.split(";", 1)[0].split()[:1] == [wanted]), "")


def sender_check(mail: InboundMail, domain: str, authserv_id: str = "") -> SenderCheck:
    """How far the receiving server vouches that `mail` is from `domain` (the
    From domain we expect). Results for other domains (a forwarder's, a
    mailing list's) neither pass nor fail it."""
    domain = domain.lower().rstrip(".")
    judged = False
    passed = failed = signed = dmarc = False
    results = receiving_results(mail, authserv_id)
    bare = _without_comments(results)
    froms = [d.lower().rstrip(".") for d in _HEADER_FROM.findall(bare)]
    for segment in results.split(";")[1:]:  # the first is the authserv-id
        found = _RESULT.search(_without_comments(segment))
        if found is None:
            continue
        method, result, rest = found.group(1).lower(), found.group(2).lower(), found[3]
        domains = [d.lower().rstrip(".") for d in _DOMAIN_PROPERTY.findall(rest)]
        ours = not domains or any(_within(d, domain) for d in domains)
        if method == "compauth":
            if result == "pass" and all(_within(d, domain) for d in froms):
                return SenderCheck.PASSED  # Microsoft's composite verdict on the From
            continue  # softpass, fail, none: the methods beside it say why
        judged = True
        dmarc = dmarc or (method == "dmarc" and result != "none")  # none: no record
        if method == "dmarc" and result == "pass" and ours:
            return SenderCheck.PASSED  # aligned SPF or DKIM: nothing outranks it
        if result in _HARD and ours:
            # The policy is written in a comment by Gmail: read the whole segment.
            monitoring = method == "dmarc" and _MONITORING_ONLY.search(segment)
            failed = failed or not monitoring
        elif result == "pass" and domains and ours:
            passed = True
            signed = signed or method == "dkim"
    if signed and not dmarc:
        return SenderCheck.PASSED  # what DMARC would say, had the domain a record
    if failed:
        return SenderCheck.FAILED
    if passed:
        return SenderCheck.PASSED
    return SenderCheck.WEAK if judged else SenderCheck.UNCHECKED


def authentication_failed(
    mail: InboundMail, domain: str, authserv_id: str = ""
) -> bool:
    """Whether the receiving server's own results show the mail is not from
    `domain` (`SenderCheck.FAILED`)."""
    return sender_check(mail, domain, authserv_id) is SenderCheck.FAILED


def _without_comments(text: str) -> str:
    """`text` with its (nested) comments blanked out; bounded by the header cap."""
    for _ in range(8):
        bare = _COMMENT.sub(" ", text)
        if bare == text:
            break
        text = bare
    return text


def _within(found: str, domain: str) -> bool:
    """`found` is `domain` or one of its subdomains (relaxed alignment)."""
    return found == domain or found.endswith("." + domain)
