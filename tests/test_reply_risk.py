"""A crisis said in a reply reaches the therapist (`reading.reply_risk`).

The unit tests hold what each reader adds; the floors hold the labelled
replies of tests/corpus/replies/risk as `make understand` prints them
(bench/reply_risk.py), every miss and false alarm listed there.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from support import bench_script

from mailflow.model import InboundMail
from mailflow.reading import reply_risk, risk_words
from mailflow.reading.classify import RequestPolicy, classify_new
from mailflow.reading.screen import Risk

SUBJECT = "Re: Your free 15-minute call"
WEIGHED_ONLY = (
    "number 2 please. sorry it's been a rough week, I've been sitting in"
    " the car a lot at night not wanting to go back in"
)
"""No phrase of risk; the risk words weigh it as a crisis's."""


def test_a_phrase_of_clear_risk_is_clear() -> None:
    said = reply_risk.screen_reply(SUBJECT, "2 is fine. I want to die, sorry.")
    assert said.risk is Risk.CLEAR
    assert not reply_risk.weighed(said)


def test_words_that_weigh_like_a_crisis_are_possible_risk() -> None:
    assert risk_words.heavy(WEIGHED_ONLY)  # the words alone: the subject is not weighed
    said = reply_risk.screen_reply(SUBJECT, WEIGHED_ONLY)
    assert said.risk is Risk.POSSIBLE
    assert reply_risk.weighed(said)
    assert said.note == ""  # the therapist reads their words, not a note


def test_a_need_for_safe_contact_does_not_stop_the_words_being_weighed() -> None:
    need = "Don't ring after 6, my husband will be home."
    said = reply_risk.screen_reply(SUBJECT, f"{need} {WEIGHED_ONLY}")
    assert said.risk is Risk.POSSIBLE
    assert reply_risk.weighed(said)
    assert said.families == ("contact-safety", reply_risk.WEIGHED)
    assert need in said.note


def test_the_subject_is_not_weighed() -> None:
    # The first mail's subject, weighed with it already: a heavy one would
    # weigh every later reply the same.
    subject = f"Re: {WEIGHED_ONLY}"
    assert risk_words.heavy(f"{subject}\n2 please")
    assert reply_risk.screen_reply(subject, "2 please").risk is Risk.NONE


def test_a_phrase_of_possible_risk_keeps_its_family_and_note() -> None:
    said = reply_risk.screen_reply(
        SUBJECT, "1 please. Don't ring after 6, my husband will be home."
    )
    assert said.risk is Risk.POSSIBLE
    assert not reply_risk.weighed(said)
    assert "Don't ring after 6" in said.note


@pytest.mark.parametrize(
    "words",
    [
        "2 please",
        "Sorry, I need to cancel Thursday, work has gone mad. Could we do next week?",
        "Yes please, I'd like to start. Evenings suit me best.",
    ],
)
def test_an_ordinary_reply_raises_nothing(words: str) -> None:
    assert reply_risk.screen_reply(SUBJECT, words).risk is Risk.NONE


def test_the_practices_own_phrases_count_in_a_reply() -> None:
    said = reply_risk.screen_reply(
        SUBJECT, "2 please, the blue door again", extra_phrases=("blue door",)
    )
    assert said.risk is Risk.CLEAR


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return bench_script("reply_risk", "reply_risk_bench")


def test_the_corpus_is_big_enough_and_labelled(bench: ModuleType) -> None:
    cases = bench.load(bench.RISK)
    assert len(cases) >= 150
    assert sum(case.crisis for case in cases) >= 60
    assert {case.context for case in cases} == {
        "offer", "booked", "followup", "after-cancel",
    }  # fmt: skip


def test_every_crisis_in_the_corpus_reaches_the_therapist(bench: ModuleType) -> None:
    # 42 of 64 by the phrases as they stood (59 with the risk words); the
    # families its misses showed were added beside their hard negatives
    # (tests/test_screen.py, REPLY_*).
    score = bench.score(bench.load(bench.RISK))
    assert [case.id for case in score.missed] == []


def test_few_other_replies_raise_an_alert(bench: ModuleType) -> None:
    # The corpus's hard negatives (grief, work on a ward or a crisis line, a
    # past told as past) raised 20 of 96 (16 since the risk words learned
    # from this set too), 9 of them clear risk (the safety
    # message instead of their booking); the reply corpus, no crisis in it,
    # 20 of 658 (3.0%), all by the risk words alone: half withdrawals and
    # cancels ("I don't want the call any more"), the rest unsure ("I'm not
    # sure I want to do this anymore") or ordinary (a time-zone question). An
    # alert costs the therapist a read. Since the risk words learned from the
    # reply corpus too (2026-12-03), its own replies say little (6 of 658);
    # its held-out replies, never learned from, 5 -> 2 of 75. Learned more
    # loosely from every set (2026-12-05: L2 0.01, threshold 0.5, which gave
    # 20 fewer crises in replies times with nobody told over the held-out
    # sets of `asking_letter`, 76 -> 56: 28 newly heard, 8 no longer): 9 of
    # 658 (newly "Please ignore my earlier email", "my partner has talked me
    # out of it", "please remove me, I don't want the call", "I feel lighter
    # already"; one no longer), the held-out still 2. With `crisis_c.jsonl`
    # (2026-12-05: 110 ordinary cancels and withdrawals with heavy words,
    # written blind) in the set and learned from: 25 of 206 raised, 16 of
    # the first 96 as before and 9 of its 110 (17 before it was learned
    # from), one of them clear (a past told as past). Replies weighed at
    # 0.45, not even odds (2026-12-05, `reply_risk.THRESHOLD`: 20 fewer
    # held-out crises given times with nobody told): 28 of 206.
    score = bench.score(bench.load(bench.RISK))
    assert len(score.raised) <= 28
    assert score.count(False, "clear") <= 10
    corpus = [
        case
        for case in bench.load(bench.REPLIES)
        + bench.load(bench.REPLIES / "held_out", "fresh.jsonl")
        if case.context not in bench.THERAPIST
    ]
    assert len(corpus) >= 600
    others = bench.score(corpus)
    assert others.count(False, "clear") == 0
    # 11 of 658 (9 before blind19, 10 before crisis_c); 16 with replies
    # weighed at 0.45 (withdrawals and cancels mostly, "I sent that enquiry
    # in a bad moment"; a 17th, of two words, but for `reply_risk.FEW_WORDS`)
    assert len(others.raised) / len(corpus) <= 0.025
    held = [
        case
        for case in bench.load(bench.REPLIES / "held_out", "fresh.jsonl")
        if case.context not in bench.THERAPIST
    ]
    assert len(held) >= 75
    # 2 -> 4 once learned from `crisis_c.jsonl`, both plain cancels ("Please
    # cancel, I don't need it anymore"), weighed by the risk words: such a
    # cancel waits for the therapist (`cancel-held`) rather than going
    # through; the price of 5 fewer held-out crises given times with nobody
    # told and 3 more heard beside a cancel (docs/reading.md). 5 with
    # replies weighed at 0.45.
    assert len(bench.score(held).raised) <= 5
    # A second held-out set of ordinary replies (held_out/fresh6.jsonl,
    # 2026-12-06, written blind for the reply reader, never opened): 10 of
    # its 85 replies by the person raised on first reading, none clear. Its
    # learned sister (fresh5) raised 6 of 135: "I can't do this anymore" (as
    # it should be heard), a withdrawal "not sure I'm ready... sorry", "take
    # me off your list", "I won't be needing the call anymore", and two
    # picks that lean on "honestly" ("any of them is fine honestly", "the
    # sooner the better honestly"): the learned risk words weigh it.
    fresh6 = [
        case
        for case in bench.load(bench.REPLIES / "held_out", "fresh6.jsonl")
        if case.context not in bench.THERAPIST
    ]
    assert len(fresh6) >= 85
    scored = bench.score(fresh6)
    assert len(scored.raised) <= 10
    assert scored.count(False, "clear") == 0


@pytest.mark.parametrize(
    ("name", "cases", "heard", "clear_others"),
    [
        # Written blind for this reader and scored before it existed: the
        # phrases alone heard 24 of 35; with the risk words over subject and
        # words 31. The subject is no longer weighed (a review showed the
        # figure moved with whatever subject the bench gave: 30 to 33 of 35):
        # 30 (85.7%), the same after the corpus's families were added; 31
        # with this round's goodbyes (letters to the family).
        ("fresh.jsonl", 35, 0.91, 2),
        # Two sets written blind on not being around, a diary's or a life's,
        # first scored before this round's families: heard 29 of 30 and 25
        # of 28, unchanged; other replies sent the safety message 5 of 50 and
        # 1 of 42, unchanged (the not-here stems stay clear: docs/reading.md). The risk
        # words learned from every set learned from (2026-12-03): fresh 31 ->
        # 32 of 35 (two newly heard, a PS "really hard not to hurt myself" no
        # longer), fresh2 25 -> 27 of 28 (three newly, a withdrawal "it won't
        # matter anyway" no longer), not_here 29 -> 28 of 30 (a reply lying
        # awake thinking "how I'd end it" weighs less), and other replies
        # weighed heavy 4 -> 1, 3 -> 1, 4 -> 2. Learned more loosely from
        # every set (2026-12-05): fresh 33 -> 34, fresh2 27, not_here 28 ->
        # 27 (rab-034, a deadline at the new year, no longer heard).
        # Once learned from `crisis_c.jsonl` (2026-12-05): fresh2 27 -> 28;
        # not_here's other replies raised 6 -> 8 (by the risk words alone).
        ("not_here.jsonl", 30, 0.9, 5),
        ("fresh2.jsonl", 28, 0.96, 1),
        # Crises beside a cancel, a withdrawal or a "not now", and ordinary
        # ones in heavy words (2026-12-05), by a writer told no phrasing and
        # who read no code, scored before any change: 65 of 70 heard; the
        # phrase families added from `crisis_c.jsonl` (its sister set) heard
        # none more; learned from `crisis_c.jsonl` too, 68 of 70. Other
        # replies raised 18 of 90 both times, 2 clear.
        ("stepping_back.jsonl", 70, 0.97, 2),
    ],
)
def test_a_fresh_writers_crises_in_replies_reach_the_therapist(
    bench: ModuleType, name: str, cases: int, heard: float, clear_others: int
) -> None:
    # Never learned from.
    score = bench.score(bench.load(bench.HELD_OUT, name))
    crises = score.count(True, "clear", "possible", "weighed", "none")
    assert crises >= cases
    assert score.count(True, "clear", "possible", "weighed") / crises >= heard
    assert score.count(False, "clear") <= clear_others


@pytest.mark.parametrize(
    "sentence",
    [
        "I really won't be around much longer, so sooner is better.",
        "Honestly I won't be around much longer at the rate things are going.",
        "I'm lonely and tired of being alive.",
        "I won't be here much longer in any case, but I want to try.",
        "I keep thinking about crashing the car on the way home.",
    ],
)
def test_the_same_words_in_a_first_mail_reach_the_therapist(sentence: str) -> None:
    # The phrase book is shared: what a reply's families read, a first mail
    # reads too (a review found exclusions added for replies hid these).
    mail = InboundMail(
        message_id="<a@example.com>",
        from_addr="alex@example.com",
        from_name="Alex",
        subject="Free call",
        text=f"Hi, I'd like to book the free call please. {sentence}",
    )
    policy = RequestPolicy(
        practice_email="hello@riverside.example",
        therapist_email="sam@riverside.example",
        country="GB",
    )
    found = classify_new(mail, policy, contacts=(), owned_thread=False)
    assert found.risk in {"clear", "possible"}  # an alert, whatever else


@pytest.mark.parametrize(
    ("words", "raised"),
    [
        ("cancel please, there's no point anymore", True),
        ("Please cancel. I have been having some dark thoughts again lately.", True),
        ("Please cancel, sorry. Email only please, not my phone.", False),
        ("Please cancel, something's come up at work.", False),
    ],
)
def test_which_replies_put_their_cancel_before_the_therapist(
    words: str, raised: bool
) -> None:
    from mailflow.reading import reply_risk

    said = reply_risk.screen_reply("Re: Your free 15-minute call", words)
    assert reply_risk.raises(said) is raised


@pytest.mark.parametrize(
    "words",
    [
        # tests/corpus/not_around/blind21, each weighed below even odds.
        "Tuesday please. I know it's a while off. I'm trying to hold on till then."
        " It's hard.",
        "Please cancel. Don't rebook. I'm grateful you tried. Goodbye. S",
        "I'll be there if I'm here.",
        "2 would be great thanks. And thank you for saying it takes courage. It's"
        " the first brave thing I've done in a long time, and probably the last. x",
    ],
)
def test_a_reply_is_raised_by_lighter_words_than_a_first_mail(words: str) -> None:
    """A reply raised costs a note and a held pick or cancel, not the
    person's times: the risk words raise it below a first mail's even odds."""
    chance = risk_words.chance(words)
    assert reply_risk.THRESHOLD <= chance < risk_words.THRESHOLD
    assert reply_risk.raises(reply_risk.screen_reply("Re: Your free call", words))


@pytest.mark.parametrize(
    "words",
    ["Got it", "Got your email", "Sorted", "I'm easy", "Got it\n\nSent from my iPhone"],
)
def test_an_acknowledgement_of_a_few_words_is_weighed_at_even_odds(words: str) -> None:
    """A weight or two decide a few words' chance: "Got it" is not raised."""
    chance = risk_words.chance(words)
    assert reply_risk.THRESHOLD <= chance < risk_words.THRESHOLD
    assert len(risk_words.words(words)) <= reply_risk.FEW_WORDS
    assert not reply_risk.raises(reply_risk.screen_reply("Re: Your free call", words))


def test_a_replys_words_are_counted_as_they_are_weighed() -> None:
    """`FEW_WORDS` counts what the risk words weigh: a phone's footer and a
    sign-off are not words of the reply; a four-word goodbye is weighed at
    the reply's point."""
    assert len(risk_words.words("Got it\n\nSent from my iPhone")) == 2
    assert len(risk_words.words("Got it\n\nThanks,")) == 2
    goodbye = "Thanks for everything. Goodbye."
    assert len(risk_words.words(goodbye)) == reply_risk.FEW_WORDS + 1
    assert risk_words.chance(goodbye) >= reply_risk.THRESHOLD
    said = reply_risk.screen_reply("Re: Your free call", goodbye)
    assert reply_risk.raises(said)
    assert reply_risk.weighed(said)  # by the risk words, no phrase
