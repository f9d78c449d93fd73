"""Sending limits and retry timing (mailflow/deciding/guard.py): pure, no server (#5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.deciding import guard
from mailflow.deciding.guard import Limits, Sent, Verdict, decide

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LIMITS = Limits(per_address_per_day=3, per_run=5, per_hour=10)
THERAPIST = "sam@riverside.example"


def verdict(history=(), *, to="jo@example.org", kind="offer", run=0, retry=None):
    return decide(
        kind=kind,
        recipients=(to,),
        next_attempt_at=retry,
        history=list(history),
        sent_this_run=run,
        limits=LIMITS,
        now=NOW,
        uncapped=frozenset({THERAPIST}),
    )


def sent(to: str, ago: timedelta) -> Sent:
    return Sent((to,), NOW - ago)


def test_a_message_within_every_limit_goes():
    assert verdict() is Verdict.SEND


def test_a_deferred_message_waits_for_its_next_attempt():
    assert verdict(retry=NOW + timedelta(minutes=1)) is Verdict.NOT_YET
    assert verdict(retry=NOW) is Verdict.SEND
    # Even the breaker's own alert waits when the server deferred it.
    later = NOW + timedelta(seconds=1)
    assert verdict(kind="sending_paused", retry=later) is Verdict.NOT_YET


def test_one_address_gets_at_most_its_daily_share_in_any_24_hours():
    history = [sent("Jo@Example.org", timedelta(hours=h)) for h in (1, 5, 23)]
    assert verdict(history) is Verdict.ADDRESS_FULL
    assert verdict(history, to="someone@example.org") is Verdict.SEND
    rolled = [sent("jo@example.org", timedelta(hours=h)) for h in (1, 5, 24)]
    assert verdict(rolled) is Verdict.SEND


def test_the_therapist_is_not_capped_per_address():
    history = [sent(THERAPIST, timedelta(hours=h)) for h in (2, 3, 4, 5)]
    assert verdict(history, to=THERAPIST) is Verdict.SEND


def test_a_run_sends_at_most_its_share():
    assert verdict(run=4) is Verdict.SEND
    assert verdict(run=5) is Verdict.RUN_FULL


def test_the_breaker_trips_at_the_hourly_limit_and_spares_its_own_alert():
    busy = [sent(f"p{n}@example.org", timedelta(minutes=n * 5)) for n in range(10)]
    assert guard.hour_count(busy, NOW) == 10
    assert verdict(busy) is Verdict.BREAKER
    assert verdict(busy, to=THERAPIST) is Verdict.BREAKER
    assert verdict(busy, kind="sending_paused", run=99) is Verdict.SEND
    assert verdict(busy[:-1]) is Verdict.SEND  # nine within the hour


def test_retries_double_from_five_minutes_up_to_six_hours_then_give_up():
    waits = [guard.retry_at(n, NOW, "offer") for n in range(1, guard.MAX_DEFERRALS + 1)]
    gaps = [w - NOW for w in waits if w is not None]
    assert gaps[:4] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert max(gaps) == guard.RETRY_LONGEST
    assert gaps == sorted(gaps)
    assert waits[-1] is None  # the twelfth 4xx: given up
    assert sum(gaps, timedelta()) > timedelta(hours=24)


# --- the caps hold over many runs, and nothing is lost ------------------------

_ADDRESSES = st.sampled_from(
    ["a@example.org", "b@example.org", "c@example.org", THERAPIST]
)


@settings(max_examples=150, deadline=None)
@given(
    limits=st.builds(
        Limits,
        per_address_per_day=st.integers(1, 4),
        per_run=st.integers(1, 6),
        per_hour=st.integers(1, 8),
    ),
    arrivals=st.lists(
        st.tuples(st.integers(0, 48 * 60), _ADDRESSES), min_size=1, max_size=40
    ),
    gaps=st.lists(st.integers(1, 180), min_size=1, max_size=60),
)
def test_simulated_runs_keep_every_cap_and_lose_nothing(limits, arrivals, gaps):
    """Cron runs at random gaps over two days while messages are queued."""
    queue: list[tuple[int, str]] = []  # (minute queued, address)
    history: list[Sent] = []
    pending = sorted(arrivals)
    minute = 0
    for gap in [*gaps, 10**6]:  # a last run long after, when every cap allows
        minute += gap
        now = NOW + timedelta(minutes=minute)
        queue += [a for a in pending if a[0] <= minute]
        pending = [a for a in pending if a[0] > minute]
        run = 0
        waiting = []
        for item in queue:
            found = decide(
                kind="offer",
                recipients=(item[1],),
                next_attempt_at=None,
                history=history,
                sent_this_run=run,
                limits=limits,
                now=now,
                uncapped=frozenset({THERAPIST}),
            )
            if found is Verdict.SEND:
                history.append(Sent((item[1],), now))
                run += 1
            else:
                waiting.append(item)
        queue = waiting
        assert run <= limits.per_run
    for i, one in enumerate(history):
        window = [s for s in history[: i + 1] if s.sent_at > one.sent_at - guard.HOUR]
        assert len(window) <= limits.per_hour
        if one.recipients[0] != THERAPIST:
            day = [
                s
                for s in history[: i + 1]
                if s.sent_at > one.sent_at - guard.DAY
                and s.recipients == one.recipients
            ]
            assert len(day) <= limits.per_address_per_day
    # Nothing lost: every arrival went out or still waits for the next run.
    assert len(history) + len(queue) + len(pending) == len(arrivals)


@pytest.mark.parametrize("deferrals", [0, 1, 5, 11, 12, 40])
def test_retry_at_is_never_in_the_past(deferrals):
    at = guard.retry_at(deferrals, NOW, "offer")
    assert at is None or NOW < at <= NOW + guard.RETRY_LONGEST


_ADDRESSES = st.sampled_from(
    ["jo@example.org", "Jo@Example.org", "jo+1@example.org", "al@example.org", "x"]
)
_SENDS = st.lists(
    st.builds(
        Sent,
        st.lists(_ADDRESSES, min_size=1, max_size=3).map(tuple),
        st.integers(0, 30 * 60).map(lambda minutes: NOW - timedelta(minutes=minutes)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(sends=_SENDS, later=_SENDS, address=_ADDRESSES)
def test_a_sent_log_counts_as_the_sends_do(sends, later, address):
    """The outbox keeps a SentLog as it sends (a backlog's decisions stay
    cheap however busy the day was); it must count exactly as the plain
    hour_count and address_count of the same sends, added at once or later."""
    log = guard.SentLog.of(sends, NOW)
    for sent in later:
        log.add(sent)
    every = sends + later
    assert log.last_hour == guard.hour_count(every, NOW)
    assert log.by_mailbox[guard.mailbox_of(address)] == guard.address_count(
        every, address, NOW
    )
    for to in ("jo@example.org", "al@example.org"):
        plain, kept = (
            decide(
                kind="offer",
                recipients=(to,),
                next_attempt_at=None,
                history=history,
                sent_this_run=0,
                limits=LIMITS,
                now=NOW,
            )
            for history in (every, log)
        )
        assert plain is kept


def test_a_sent_log_is_used_only_at_its_own_clock():
    log = guard.SentLog.of([sent("jo@example.org", timedelta(minutes=30))], NOW)
    with pytest.raises(ValueError, match="its own clock"):
        decide(
            kind="offer",
            recipients=("jo@example.org",),
            next_attempt_at=None,
            history=log,
            sent_this_run=0,
            limits=LIMITS,
            now=NOW + timedelta(hours=2),
        )


# -- letters that may go before the run is decided (#13) ----------------------


def test_most_queued_counts_each_part_of_a_run():
    base = guard.most_queued(mails=0, steps=10, feeds=1)
    assert base == guard.LETTERS_OF_THE_RUN + 1
    one_mail = guard.most_queued(mails=1, steps=10, feeds=1)
    # The mail's own letters, and the clock's two a step for the enquiry it changes.
    assert one_mail - base == guard.LETTERS_A_MAIL + 2 * 10
    assert guard.most_queued(mails=0, steps=10, feeds=1, visits=3) - base == 60
    assert guard.most_queued(mails=0, steps=10, feeds=1, waiting=7) - base == 7
    assert guard.most_queued(mails=0, steps=10, feeds=4) - base == 3


@pytest.mark.parametrize(
    ("most", "sent", "last_hour", "binds"),
    [
        (50, 0, 0, False),  # exactly the run's limit: every one goes
        (51, 0, 0, True),
        (40, 11, 0, True),  # what this run sent already counts
        (30, 0, 30, False),  # exactly the hour's limit
        (30, 0, 31, True),  # the hour's last sends count against per_hour
    ],
)
def test_no_limit_can_bind_holds_only_below_every_limit(most, sent, last_hour, binds):
    limits = Limits(per_address_per_day=6, per_run=50, per_hour=60)
    assert (
        guard.no_limit_can_bind(
            most, sent_this_run=sent, last_hour=last_hour, limits=limits
        )
        is not binds
    )


@given(
    most=st.integers(0, 60),
    sent=st.integers(0, 60),
    last_hour=st.integers(0, 60),
)
@settings(max_examples=300)
def test_when_no_limit_can_bind_decide_holds_none_of_them(most, sent, last_hour):
    """The claim `no_limit_can_bind` makes, asked of `decide` itself: each of
    the `most` letters, sent one after the other, is let through."""
    limits = Limits(per_address_per_day=1000, per_run=50, per_hour=40)
    if not guard.no_limit_can_bind(
        most, sent_this_run=sent, last_hour=last_hour, limits=limits
    ):
        return
    history = [
        Sent((f"old{n}@example.org",), NOW - timedelta(minutes=5))
        for n in range(last_hour)
    ]
    for n in range(most):
        verdict = decide(
            kind="offer",
            recipients=(f"p{n}@example.org",),
            next_attempt_at=None,
            history=history,
            sent_this_run=sent + n,
            limits=limits,
            now=NOW,
        )
        assert verdict is Verdict.SEND
        history.append(Sent((f"p{n}@example.org",), NOW))


# -- the letters going ahead of the reading: news of risk first ---------------


@pytest.mark.parametrize(
    ("queued", "kind", "place"),
    [
        ([], "offer", 0),
        ([], "crisis_alert", 0),
        (["offer", "offer"], "offer", 2),
        (["offer", "offer"], "crisis_alert", 0),
        (["crisis_alert", "offer", "safety"], "crisis_alert", 1),  # after the first
        (["crisis_alert", "alert_refused"], "crisis_alert", 2),
        (["crisis_alert", "offer"], "offer", 2),
        # the front is only the news of risk before the first ordinary letter
        (["offer", "crisis_alert"], "crisis_alert", 0),
    ],
)
def test_news_of_risk_joins_the_go_ahead_queue_behind_news_before_the_rest(
    queued: list[str], kind: str, place: int
) -> None:
    assert guard.ahead_place(queued, kind) == place


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(["offer", "safety", "crisis_alert", "alert_refused"]),
        max_size=12,
    )
)
def test_a_queue_built_so_keeps_news_of_risk_first_in_the_order_it_came(
    kinds: list[str],
) -> None:
    queue: list[tuple[int, str]] = []
    for n, kind in enumerate(kinds):
        queue.insert(guard.ahead_place([k for _n, k in queue], kind), (n, kind))
    urgent = [n for n, kind in queue if kind in guard.URGENT_KINDS]
    assert [kind in guard.URGENT_KINDS for _n, kind in queue] == sorted(
        (kind in guard.URGENT_KINDS for _n, kind in queue), reverse=True
    )
    assert urgent == sorted(urgent)  # each part in the order it came
    assert [n for n, kind in queue if kind not in guard.URGENT_KINDS] == sorted(
        n for n, kind in queue if kind not in guard.URGENT_KINDS
    )
