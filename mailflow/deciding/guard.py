"""Sending limits and SMTP retry timing: what may go out now. Pure, no I/O.

Three caps keep a loop or a bug from flooding anyone: a per-address daily cap
(rolling 24 hours), a per-run cap, and a circuit breaker on the hourly total.
A message a cap holds back is not lost: it waits in the outbox for a later run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final

from mailflow.model import mailbox_of as mailbox_of  # shared with the reader

DAY: Final = timedelta(days=1)
HOUR: Final = timedelta(hours=1)

RETRY_FIRST: Final = timedelta(minutes=5)
"""Wait after the first 4xx answer; each further 4xx doubles it."""

RETRY_LONGEST: Final = timedelta(hours=6)
"""The doubling stops here, so a long outage is retried a few times a day."""

MAX_DEFERRALS: Final = 12
"""4xx answers for one message before it is given up (about a day and a half)."""

EXEMPT_KINDS: Final = frozenset({"sending_paused"})
"""Letters no cap holds back: the breaker's own alert to the therapist."""

REPLACED_WHEN_REFUSED: Final = frozenset({"crisis_alert", "form_alert", "risk_note"})
"""News of risk for the therapist. Refused for good by the practice's own
server (a content filter on the person's words, most likely), it is replaced
by an "alert_refused": a short note without their words (`after_refusal`)."""

FOR_THE_THERAPIST: Final = REPLACED_WHEN_REFUSED | {"alert_refused"}
"""News of risk addressed to the therapist. Returned by their mail system
after it went (a full mailbox, a mistyped `practice.therapist_email`), it is
told to the practice's own inbox (`after_return`)."""

URGENT_KINDS: Final = FOR_THE_THERAPIST | {"alert_returned"}
"""News of risk: sent first, and not held back by the ordinary caps, nor
counted against them (a crisis waits for no hour's total, and crowds out no
one's safety message), but by a cap of its own. A "risk_note" is the unsure
note that is the one alert of a mail whose words weigh like a crisis
(`Letters.unsure_note`); an "alert_refused" stands in for one the server
refused; an "alert_returned" tells the practice inbox of one the
therapist's mail system returned."""


FILED_IN_THE_INBOX: Final = frozenset({"alert_returned"})
"""Notes for the practice's own inbox: filed there (IMAP APPEND, unread and
flagged), never sent. Mail sent from an account to itself may be kept in
Sent alone (Gmail files the copy it delivers under the one it sent), and
the practice's own server may be what refuses."""


FILING_PATIENCE: Final = timedelta(days=1)
"""How long a note for the practice's inbox is tried before it is given up
(a mailbox full for good); meanwhile every other letter goes on."""

FILING_TRIES: Final = 3
"""Refusals a note for the practice's inbox meets before it may be given up:
a day's patience counts only once it has been tried (SMTP down or the
machine off for a day never gives it up untried)."""


def filing_retry(refusals: int, queued_at: datetime, now: datetime) -> datetime | None:
    """When a note the practice's inbox refused (`refusals` times, this one
    included) is tried again: at the next run (a minute's slack before a
    five-minute cron), or never once it has been refused `FILING_TRIES`
    times and `FILING_PATIENCE` has passed since it was queued."""
    if refusals >= FILING_TRIES and now - queued_at >= FILING_PATIENCE:
        return None
    return now + RETRY_FIRST - timedelta(minutes=1)


def practice_note(statuses: Sequence[str | None]) -> int | None:
    """Which practice note about returned news of risk to queue, given the
    outbox statuses of those before it, in order (None: not queued): the
    first not queued yet, every one before it given up unfiled (the inbox
    refused each for a day); None where one stands (queued, filed) or
    `FILING_TRIES` were all given up."""
    for generation, status in enumerate(statuses[:FILING_TRIES]):
        if status is None:
            return generation
        if status != "failed":
            return None
    return None


class AfterReturn(StrEnum):
    """What follows a delivery report returning one of mailflow's messages
    (`after_return`)."""

    NOTHING = "nothing"
    TELL = "tell"  # news of risk never reached the therapist: the practice inbox
    LOG = "log"  # nowhere else to write: the practice's address is theirs


def after_return(
    kind: str, *, failed: bool, practice_is_therapist: bool
) -> AfterReturn:
    """A report returning news of risk for the therapist, failed for anyone
    (such news goes to the therapist's address alone, whatever it forwards
    to, and whatever the setting says now), means it never reached them:
    the practice's inbox is told (`Letters.alert_returned`), once; or, where
    that is the very address, only the run's errors can say it. Never of
    the note itself (returned in its turn, nothing is left to write to)."""
    if kind not in FOR_THE_THERAPIST or not failed:
        return AfterReturn.NOTHING
    return AfterReturn.LOG if practice_is_therapist else AfterReturn.TELL


class AfterRefusal(StrEnum):
    """What follows a message the server refused for good (`after_refusal`)."""

    NOTHING = "nothing"
    TELL = "tell"  # the therapist hears that a letter to the person never went
    REPLACE = "replace"  # news of risk: a short note without the person's words


def tested_by_its_note(kind: str) -> bool:
    """Whether a 5.7.x refusal of this kind is tested at once by its
    replacement note. Any 5.7.x waits for the next message to go, which says
    it was this message's content and not the account's (`Outbox.
    _policy_refused`); for news of risk the next message is its note, which
    holds none of the person's words (the person's own safety letter, under
    their subject, may hold the same words). Taken, the note stands for the
    alert. Refused too, it tells nothing (the two share the person's address
    and "Urgent:"): it is taken out again, and the next letter about
    something else decides, as for any refusal."""
    return kind in REPLACED_WHEN_REFUSED


def after_refusal(
    kind: str, *, to_therapist: bool, about_enquiry: bool
) -> AfterRefusal:
    """The refused message's follow-up. News of risk is replaced, once: the
    replacement, refused in its turn, is not (nor is any other note to the
    therapist, which would only be refused again). A letter to a person of an
    enquiry is told of."""
    if kind in REPLACED_WHEN_REFUSED:
        return AfterRefusal.REPLACE
    if to_therapist or not about_enquiry or kind in URGENT_KINDS:
        # The last news of risk (a note instead of an alert, to the
        # therapist or the practice inbox): nothing is left to write.
        return AfterRefusal.NOTHING
    return AfterRefusal.TELL


URGENT_PER_HOUR: Final = 20
"""News of risk sent in the last hour beyond which the rest waits for the
next hour: one a mail at most, but a flood of crisis-worded mail (or a loop)
must not use up the practice's sending quota, which the next real crisis
needs."""


@dataclass(frozen=True, slots=True)
class Limits:
    """`limits.*` from the config."""

    per_address_per_day: int
    per_run: int
    per_hour: int


@dataclass(frozen=True, slots=True)
class Sent:
    """One message handed to the SMTP server."""

    recipients: tuple[str, ...]
    sent_at: datetime
    urgent: bool = False  # of `URGENT_KINDS`: counted apart


class Verdict(StrEnum):
    """What to do with one queued message now."""

    SEND = "send"
    NOT_YET = "not-yet"  # the server said 4xx; its next attempt is later
    BREAKER = "breaker"  # the hour's total is reached: stop, tell the therapist
    RUN_FULL = "run-full"  # this run's share is used; the rest waits for the next
    ADDRESS_FULL = "address-full"  # this address had its day's share
    URGENT_FULL = "urgent-full"  # the hour's news of risk is sent: it waits


@dataclass(slots=True)
class SentLog:
    """The last day's sends counted at one clock (a run's `now`) as they are
    added, so each of a backlog's decisions costs its recipients, not the day's
    sends: `hour_count` and `address_count` of the same sends, kept."""

    now: datetime
    last_hour: int = 0
    """Ordinary messages in the last hour (`limits.per_hour`)."""
    urgent_last_hour: int = 0
    """News of risk in the last hour (`URGENT_PER_HOUR`)."""
    by_mailbox: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, sends: Iterable[Sent], now: datetime) -> SentLog:
        log = cls(now)
        for sent in sends:
            log.add(sent)
        return log

    def add(self, sent: Sent) -> None:
        if sent.sent_at > self.now - HOUR:
            if sent.urgent:
                self.urgent_last_hour += 1
            else:
                self.last_hour += 1
        if sent.sent_at > self.now - DAY:
            self.by_mailbox.update({_mailbox_of(r) for r in sent.recipients})


def decide(
    *,
    kind: str,
    recipients: tuple[str, ...],
    next_attempt_at: datetime | None,
    history: Sequence[Sent] | SentLog,
    sent_this_run: int,
    limits: Limits,
    now: datetime,
    uncapped: frozenset[str] = frozenset(),
) -> Verdict:
    """Whether a queued message may go now, and if not, which rule holds it.

    Args:
        history: what was handed over in the last day, this run included
            (a `SentLog` counted at this `now`, or the sends to count).
        sent_this_run: ordinary messages handed over in this run (news of
            risk is not counted against the run's share).
        uncapped: addresses exempt from the per-address cap (the therapist's:
            approvals and alerts are not a loop).
    """
    if next_attempt_at is not None and next_attempt_at > now:
        return Verdict.NOT_YET
    if kind in EXEMPT_KINDS:
        return Verdict.SEND
    if isinstance(history, SentLog) and history.now != now:
        raise ValueError("a SentLog counts at its own clock: build one for this now")
    log = history if isinstance(history, SentLog) else SentLog.of(history, now)
    if kind in URGENT_KINDS:
        if log.urgent_last_hour >= URGENT_PER_HOUR:
            return Verdict.URGENT_FULL
        return Verdict.SEND
    if log.last_hour >= limits.per_hour:
        return Verdict.BREAKER
    if sent_this_run >= limits.per_run:
        return Verdict.RUN_FULL
    for address in recipients:
        if address in uncapped:
            continue
        if log.by_mailbox[_mailbox_of(address)] >= limits.per_address_per_day:
            return Verdict.ADDRESS_FULL
    return Verdict.SEND


def hour_count(history: Sequence[Sent], now: datetime) -> int:
    """Messages handed over in the last hour, urgent or not (what `SentLog`
    keeps in its two counts, counted afresh: the reference its tests hold
    it to)."""
    since = now - HOUR
    return sum(1 for sent in history if sent.sent_at > since)


def address_count(history: Sequence[Sent], address: str, now: datetime) -> int:
    """Messages to `address` in the last 24 hours (case-insensitive), counted
    afresh: the reference `SentLog`'s tests hold it to."""
    wanted = mailbox_of(address)
    since = now - DAY
    return sum(
        1
        for sent in history
        if sent.sent_at > since and wanted in map(_mailbox_of, sent.recipients)
    )


_mailbox_of = lru_cache(maxsize=4096)(mailbox_of)
"""`mailbox_of`, remembered: each send of a run is counted against every later one."""


def forget_kept() -> None:
    """Drop the addresses remembered (`_mailbox_of`): a cycle's end."""
    _mailbox_of.cache_clear()


def fair_order(lanes: Sequence[str]) -> list[int]:
    """The order in which to send queued messages, as indexes into `lanes`
    (each message's lane, in queue order): round-robin over the lanes, so the
    k-th message of a lane goes after the first k-1 of every other lane, and
    queue order breaks ties. A flood in one lane (120 forms from one service,
    or a hundred `+tag` requests from one mailbox) never holds the first
    letter of a real person's enquiry behind the hourly cap (#14)."""
    seen: dict[str, int] = {}
    ranks = []
    for index, lane in enumerate(lanes):
        ranks.append((seen.get(lane, 0), index))
        seen[lane] = seen.get(lane, 0) + 1
    return [index for _rank, index in sorted(ranks)]


def send_order(lanes: Sequence[str], kinds: Sequence[str]) -> list[int]:
    """The order a flush hands queued messages over in (indexes, as
    `fair_order`'s): news of risk for the therapist first, so a busy run's
    caps or an outage met half-way never leave it behind ordinary letters;
    then the rest. Each part round-robin over its lanes (for news of risk,
    whom it is about), so a flood of crisis-worded forms from one service
    (one lane) never spends the urgent cap (`URGENT_PER_HOUR`) ahead of
    someone who wrote themselves."""
    urgent = [i for i, kind in enumerate(kinds) if kind in URGENT_KINDS]
    rest = [i for i, kind in enumerate(kinds) if kind not in URGENT_KINDS]
    return [
        part[i] for part in (urgent, rest) for i in fair_order([lanes[i] for i in part])
    ]


def ahead_place(queued: Sequence[str], kind: str) -> int:
    """Where a letter of `kind` joins the letters queued to go ahead of the
    reading (their kinds, in order): news of risk after the news of risk at
    the front, before every ordinary letter, in the order it came (as
    `send_order` puts it); anything else at the end."""
    if kind not in URGENT_KINDS:
        return len(queued)
    return next(
        (
            at
            for at, queued_kind in enumerate(queued)
            if queued_kind not in URGENT_KINDS
        ),
        len(queued),
    )


LETTERS_A_MAIL: Final = 10
"""What one mail still to be read is counted as queuing itself when a run asks
whether its letters could meet a limit (a first mail queues two at most: the
answer and the therapist's alert; a reply or a report, one or two)..."""
LETTERS_A_STEP: Final = 2
"""...for each of the clock's steps an enquiry may owe in the run, one to the
person and one to the therapist, for every enquiry the clock visits now and
every one a mail may change (its owed moment worked out afresh)..."""
LETTERS_OF_THE_RUN: Final = 4
"""...and the run's own notes (the digest, a sending or calendar alert, the
sending pause), with one for each busy calendar that cannot be read."""


def most_queued(
    *, mails: int, steps: int, feeds: int, waiting: int = 0, visits: int = 0
) -> int:
    """The most letters a run could still send: `waiting` already queued, and
    what `mails` to read, the clock (`steps` a visit, `visits` enquiries due)
    and the run's own notes (`feeds` busy calendars) could queue."""
    clock = LETTERS_A_STEP * steps
    return (
        waiting
        + (LETTERS_A_MAIL + clock) * mails
        + clock * visits
        + LETTERS_OF_THE_RUN
        + feeds
    )


def no_limit_can_bind(
    most: int, *, sent_this_run: int, last_hour: int, limits: Limits
) -> bool:
    """Whether `most` more letters all go within `limits.per_run` and the hour
    (`decide` holds none of them back as RUN_FULL or BREAKER): then the order
    they go in (`fair_order`) changes nothing of what goes, and a letter may go
    before the rest of the run is decided."""
    return (
        sent_this_run + most <= limits.per_run and last_hour + most <= limits.per_hour
    )


URGENT_DEFERRALS: Final = 3
"""4xx answers for news of risk before it is given up and replaced (the third
comes about a quarter of an hour after the first): a filter's soft refusal
must not keep a crisis from the therapist for a day and a half. The note
itself, the last news left, is tried as long as any message."""


def retry_at(deferrals: int, now: datetime, kind: str) -> datetime | None:
    """When to try again after the `deferrals`-th 4xx answer for a message of
    `kind`; None: give up (news of risk is then replaced: `after_refusal`)."""
    most = URGENT_DEFERRALS if kind in REPLACED_WHEN_REFUSED else MAX_DEFERRALS
    if deferrals >= most:
        return None
    delay = RETRY_FIRST * (1 << min(max(deferrals - 1, 0), 16))
    return now + min(delay, RETRY_LONGEST)
