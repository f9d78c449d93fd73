"""The reading floors on the labelled first-mail corpus (tests/corpus/first_mail).

`make understand` prints the same figures with every miss; these tests fail
the build when a change reads people worse than the floors the issue set.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import bench_script

CORPUS = Path(__file__).parent / "corpus"


def _bench() -> ModuleType:
    return bench_script("understand", "understand")


@pytest.fixture(scope="module")
def score():  # type: ignore[no-untyped-def]
    bench = _bench()
    return bench.score(bench.load())


def test_the_corpus_is_big_enough_and_labelled(score) -> None:  # type: ignore[no-untyped-def]
    assert score.cases >= 300
    labels = {label for label, _ in score.outcomes}
    assert labels == {"request", "safety", "crisis", "leave", "ask"}


def test_crisis_recall_and_false_alarms(score) -> None:  # type: ignore[no-untyped-def]
    assert score.crisis_recall >= 0.98
    assert score.false_alarm_rate <= 0.05
    assert score.false_alarm_rate_help_seekers <= 0.05


def test_answered_with_times_precision_and_recall(score) -> None:  # type: ignore[no-untyped-def]
    assert score.precision >= 0.97
    # 95% before the risk words; they put a few who asked for help before the
    # therapist first (a note, "offer" sends the times): a delay, not a loss.
    assert score.recall >= 0.94


def test_the_risk_words_hold_few_who_only_asked_for_help(score) -> None:  # type: ignore[no-untyped-def]
    seekers = score.labelled({"request", "safety"})
    assert (score.weighed["request"] + score.weighed["safety"]) / seekers <= 0.02


MEAN_CLOSING = 0.04
"""Of the crises, the share a closing moves under the threshold on average
(five-fold today: 2.3 of 100, learned from every set and blind11; 2.7 from the corpus
alone; the reader before closings were left out and signatures taught, 7.9
ten-fold)."""
WORST_CLOSING = 0.10
"""The same with the closing that moves most (five-fold today: 8.3 of 100;
7.9 from the corpus alone; ten-fold, 17.1 before)."""


def test_out_of_fold_the_risk_words_hear_crises_and_hold_few_help_seekers() -> None:
    """The same figures as `make learn --cv` prints, five-fold: each mail
    weighed by weights learned without it, so the cost is not flattered by
    the mail having been learned. Help-seekers held for the therapist to read
    first, out of fold, stay few; most crises still weigh heavy, with or
    without a sign-off."""
    _bench()  # learn_risk imports `understand` by that name
    learner = bench_script("learn_risk", "learn_risk")
    figures = learner.figures(folds=5)
    assert figures.held / figures.seekers <= 0.04
    assert figures.heavy / figures.crises >= 0.70
    assert figures.signed >= figures.heavy - MEAN_CLOSING * figures.crises
    assert figures.worst >= figures.heavy - WORST_CLOSING * figures.crises
    assert figures.other / figures.rest <= 0.05


def test_no_clear_crisis_is_left_unseen_or_given_times(score) -> None:  # type: ignore[no-untyped-def]
    # The worst outcomes, whatever the rates: a crisis left alone, or offered
    # times with nobody told. A note the therapist reads first ("ask") is heard.
    assert score.count("crisis", "leave") == 0
    assert score.count("crisis", "request") == 0
    assert score.count("crisis", "ask") <= score.weighed["crisis"]


@pytest.mark.parametrize(
    ("name", "cases", "heard", "given_times"),
    [
        # The phrase book alone: 81.2% (after a rule chosen with sight of this
        # set's reasons), 46.7% and 68.8% (each set's first reading). With
        # the risk words (learned from the corpus, threshold fixed from it
        # before they were scored here): 97.9%, 96.7%, 90.6%; with their
        # closings left out and names no longer learned, 100%, 100%, 90.6%.
        # fresh4 (written blind for that change, first scored before it):
        # 73.3% by the phrases alone, 96.7% with the risk words, either way.
        # Learned from every set (2026-12-03): 97.9% (47 of 48), 96.7% (29 of
        # 30), 90.6%, 100%; one crisis in fresh and one in fresh2 given times
        # with nobody told (an au pair's overdose in a second language, a PS
        # of a cut that will not stop bleeding: the phrases read neither, the
        # words' weight did), two crises left alone before now heard. Once
        # indirect/blind11 was learned from too (2026-12-03; two of its
        # families were chosen after the README (now docs/reading.md) named those two misses, so
        # they no longer measure carry-over): the au pair heard again, a
        # driver who "started to" pull the wheel into a lorry no longer.
        ("fresh.jsonl", 100, 0.979, 1),
        ("fresh2.jsonl", 80, 0.966, 1),
        ("fresh3.jsonl", 90, 0.906, 3),
        ("fresh4.jsonl", 100, 1.0, 0),
        # fresh5 (written blind on not being around, in a diary's sense or a
        # life's, first scored before this round's families): 96.0%, 24 of 25,
        # either way; 9 of its 35 requests read as a crisis, before and after.
        # 25 of 25 since the risk words learned from every set.
        ("fresh5.jsonl", 70, 1.0, 0),
        # fresh6 (2026-12-05, a month of a practice's first mails chosen by a
        # blind writer, 160): every crisis heard, none given times, scored
        # once before anything was changed for its sister set (who_dev).
        ("fresh6.jsonl", 160, 1.0, 0),
        # referrals (2026-12-05, written blind on who writes about whom, 120):
        # every crisis heard, none given times, before the referral reader and
        # after it.
        ("referrals.jsonl", 120, 1.0, 0),
        # their_client (2026-12-06, stop 54, written blind: people writing
        # about someone already the therapist's client, and enquiries that
        # mention clients): every crisis heard, none given times, before the
        # reading of the therapist's own client and after it.
        ("their_client.jsonl", 60, 1.0, 0),
        # refusing_care (stop 53, 70) and refusing_care2 (stop 56, 90, a
        # second writer): what keeps someone alive refused now with death
        # accepted. As written: given times with nobody told 2 and 2; with
        # the `refusing-care` pair (stop 56, learned from the who/ sets) 0
        # and 2: the second set, written after the first try, did not move.
        ("refusing_care.jsonl", 70, 0.96, 0),
        ("refusing_care2.jsonl", 90, 0.93, 2),
        # fresh7 (stop 58, 90, written blind beside in_passing/blind23 by
        # another writer: crises told in passing inside an enquiry, 35):
        # as written, 31 heard, 4 given times with nobody told.
        ("fresh7.jsonl", 90, 31 / 35, 4),
        # passive (stop 59, 100, written blind beside passive/blind24 by
        # another writer: passive wishes to be dead inside an enquiry, and
        # the crises beside them): every crisis heard, none given times,
        # as written and after blind24's families.
        ("passive.jsonl", 100, 1.0, 0),
        # in_their_work2 (stop 62, 100, written blind beside who/in_their_work2
        # by another writer: professionals asking about someone their work is
        # with, and hard negatives): every crisis heard, none given times,
        # before and after `referral.asks_about_someone_in_their_work`.
        ("in_their_work2.jsonl", 100, 1.0, 0),
    ],
)
def test_a_fresh_writers_crises_reach_the_therapist(
    name: str, cases: int, heard: float, given_times: int
) -> None:
    """The held-out sets are never learned from (a new one is written when one
    is): what reaches the therapist of crises in words no rule foresaw, by an
    alert or a note, may not fall below each set's figure, nor may more of
    them get times with nobody told."""
    bench = _bench()
    held_out = bench.score(bench.load(bench.HELD_OUT, name))
    assert held_out.cases >= cases
    assert held_out.crises_heard >= heard
    assert held_out.count("crisis", "request") <= given_times


def test_professionals_writing_of_someone_in_their_care_are_measured() -> None:
    """tests/corpus/first_mail/who (2026-12-05): 14 of 110 professionals are
    sent the safety message and 10 answered with times. Clues added for them
    that day were taken back after two reviews showed them leaving people in
    crisis unseen. The referral reader (`reading.referral`: whom they write
    about, asked about rather than left alone) then answered 5 with times
    (two clients, three whose words of possible risk keep their alert); no
    enquiry of the set was asked about for it. Clear risk written of someone
    in their care (`reading.care_risk`, 2026-12-05 later) is one urgent note
    to the therapist, not the safety message to the writer: 14 -> 9."""
    bench = _bench()
    who = bench.score(bench.load(bench.WHO, "who.jsonl"))
    assert who.cases >= 240
    assert who.count("leave", "crisis") <= 9
    assert who.count("leave", "request") + who.count("leave", "safety") <= 5
    # 13 since stop 62: wd-033, a trainee's own therapy, left alone as a
    # colleague's before, is asked about (`own-need`).
    # 14 since stop 64: wd-152, a widower's enquiry left alone before, is
    # asked about (`asking-words`).
    assert who.count("request", "ask") + who.count("safety", "ask") <= 14
    assert who.count("crisis", "request") == 0
    assert who.crises_heard >= 1.0


# Sets of who is asking, each with its floors: professionals answered with
# times, enquiries asked about instead; every crisis heard, none given times.
# - referrals.jsonl (2026-12-05, written blind, 130): scored once at 05b00b6
#   before anything was changed for it, professionals answered with times 15
#   of 55 before the referral reader, 6 with it; then learned from: 1 (a
#   client running late), no more enquiries asked about than before the
#   reader (7 of 55).
# - in_their_work.jsonl (2026-12-06, written blind, 93): professionals asking
#   for a call about someone their work is with, people asking for
#   themselves or their own in the same words, and crises. Scored apart, not
#   learned from (a first try was taken back after review: who/README.md):
#   professionals answered with times 12 of 46, enquiries asked about 3 of
#   31. Floors, so that the next try is measured against where it stands.
#   Since stop 54 (a plain request about someone already the therapist's
#   client asked about: `request.their_client`), 9 of 46; since stop 62
#   (`referral.asks_about_someone_in_their_work`, written on
#   in_their_work2), 5.
# - in_their_work2.jsonl (stop 62, written blind, 130): the same by another
#   writer, scored at fd09a1e before the reader was written: professionals
#   answered with times 33 of 70, enquiries asked about 1 of 40; learned
#   from, and narrowed after three strict reviews (helper-309..311):
#   9 (among them a GP's message forwarded by the reception, whose own
#   words name no role; "one of my lads", which is also a parent's; "a man
#   I work with" and "someone I've been working with", as often a
#   colleague; a prison's resettlement officer, whose mail the screen
#   reads as possible risk: times with an alert).
# - their_client.jsonl (2026-12-06, stop 54, written blind, 80): people
#   writing about someone already the therapist's client (the police, a
#   school, an employer, a husband, a flatmate), with enquiries beside them.
#   Scored first: 4 of 32 answered with times; learned from: 0.
# - their_client_negatives.jsonl (stop 54, written blind, 70): enquiries
#   that mention the therapist's clients (recommended by one, a client's
#   sister or husband asking for their own therapy or couples work): asked
#   about 10 of 63 before and after.
@pytest.mark.parametrize(
    ("name", "cases", "answered", "asked"),
    [
        # Asked 8 and 2 since stop 62 (`own-need`): rf-130 and yc-031,
        # counsellors asking for their own therapy, left alone before.
        # referrals: rf-008 ("34F, GAD ... Evenings? Cost?"), left alone
        # before, asked about since stop 64 (`asking-words`): 8 -> 9.
        ("referrals.jsonl", 130, 1, 9),
        ("in_their_work.jsonl", 93, 5, 3),
        ("in_their_work2.jsonl", 130, 9, 1),
        # their_client: yc-072, a couple's enquiry left alone before, asked
        # about since stop 64 (`asking-words`): 2 -> 3.
        ("their_client.jsonl", 80, 0, 3),
        # 11 since stop 57: ycn-039, a request left alone as a podcast
        # listener's (marketing) until then, is a note (`care-weighed`).
        # 12 since stop 59: ycn-025, a listener's passive wish ("it wouldn't
        # matter much if I didn't wake up. I'm not going to do anything"),
        # left alone as marketing, is a note with an alert (`acting-denied`).
        ("their_client_negatives.jsonl", 70, 0, 12),
    ],
)
def test_who_is_asking_holds_its_floors(
    name: str, cases: int, answered: int, asked: int
) -> None:
    bench = _bench()
    read = bench.score(bench.load(bench.WHO, name))
    assert read.cases >= cases
    assert read.count("leave", "request") + read.count("leave", "safety") <= answered
    assert read.count("request", "ask") + read.count("safety", "ask") <= asked
    assert read.count("crisis", "request") == 0
    assert read.crises_heard >= 1.0


@pytest.mark.parametrize(
    ("name", "cases", "answered", "asked"),
    [
        # referrals (stop 47, 120): 7 of 49 since the reviews of stop 47;
        # 2 with the leave words (stop 64); enquiries asked about 6 -> 7 of
        # 50, one left alone before (the asking words); at the leave words'
        # first point (0.6) one answered before was asked about too.
        ("referrals.jsonl", 120, 2, 7),
        # in_their_work2 (stop 62, 100, never opened): as written 18 of 55
        # answered with times, 4 of 30 enquiries asked about; 14 and 4 with
        # `referral.asks_about_someone_in_their_work` (read after each of its
        # four versions: 15, 15, 14, 15); 10 and 4 with the leave words at
        # 0.6, 12 and 4 at 0.65 (after helper-318's review).
        ("in_their_work2.jsonl", 100, 12, 4),
        # work_voice (stop 64, 120, written blind for the leave words and
        # never opened; 60 to leave, 60 requests, many in their work's
        # words): as written 10 answered with times, 6 asked about; 5 and 6
        # with the leave words (4 before the askings taught both ways, after
        # helper-317's review); a request left alone before is asked about
        # (the asking words): 7.
        ("work_voice.jsonl", 120, 5, 7),
    ],
)
def test_held_out_professionals_answered_with_times_hold(
    name: str, cases: int, answered: int, asked: int
) -> None:
    """Held-out sets on who is asking, counts only: professionals answered
    with times and enquiries asked about may not rise above what they were
    when each reader was last changed."""
    bench = _bench()
    read = bench.score(bench.load(bench.HELD_OUT, name))
    assert read.cases >= cases
    assert read.count("leave", "request") + read.count("leave", "safety") <= answered
    assert read.count("request", "ask") + read.count("safety", "ask") <= asked
    assert read.count("crisis", "request") == 0


@pytest.mark.parametrize(
    ("folder", "cases", "lost", "unplaced", "robot", "noted"),
    [
        # who/enquiries (stop 63, 130, learned from). As written (at 4181c41):
        # enquiries left alone 4 of 70, mail to ask about left alone 16 of 18,
        # mail to leave answered with times 6 of 42, asked about 2.
        # `reaching.reaches_out`: mail to ask about left alone 0 in its first
        # version; 7 once narrowed after helper-314's review (at most one
        # word of their own beside the reaching). "whether you'd see somebody
        # for ..." (request.seeking): enquiries left 3. No word of their own
        # beside the reaching (after helper-315's review): 8. The leave
        # words (stop 64): mail to leave answered with times 6 -> 1, asked
        # about instead 2 -> 7.
        ("WHO", 130, 3, 8, 1, 7),
        # held_out/enquiries (stop 63, 100, never opened, counts only): as
        # written 8 of 55, 11 of 13, 2 of 32, 1; with `reaching`: 8, 3, 2, 1;
        # narrowed after review: 8, 5, 2, 1; the leave words: 8, 5, 2, 1 at
        # 0.65 (1 and 2 at 0.6, before helper-318's review), and the asking
        # words: enquiries left alone 8 -> 2, mail to ask about 5 -> 4.
        ("HELD_OUT", 100, 2, 4, 2, 1),
    ],
)
def test_enquiries_in_everyday_words_and_mail_that_cannot_be_placed(
    folder: str, cases: int, lost: int, unplaced: int, robot: int, noted: int
) -> None:
    """Enquiries that never say "free call" (what it costs, whether the
    therapist sees people like them, a story ending in when they are free),
    hard negatives in the same words, and short mail that cannot be placed
    ("hello?", "is this still Sam's email?", a photo with no words): none
    may be lost, answered by the robot or noted more than it was."""
    bench = _bench()
    read = bench.score(bench.load(getattr(bench, folder), "enquiries.jsonl"))
    assert read.cases >= cases
    assert read.count("request", "leave") + read.count("safety", "leave") <= lost
    assert read.count("ask", "leave") <= unplaced
    assert read.count("leave", "request") + read.count("leave", "safety") <= robot
    assert read.count("leave", "ask") <= noted
    assert read.count("crisis", "request") == 0


def test_a_note_kept_as_possible_risk_counts_as_told_at_once() -> None:
    """`intake._ask` sends an alert beside any note of a mail kept as possible
    risk, whatever its reason: the bench counts the therapist told at once
    for each (until stop 54 only for some reasons)."""
    from mailflow.reading.classify import classify_new
    from mailflow.reading.parse import parse_mail

    bench = _bench()
    seen = 0
    for case in [*bench.load(), *bench.load(bench.WHO)]:
        out, _, _, urgent = bench.read(case)
        if out != "ask":
            continue
        found = classify_new(
            parse_mail(case.raw),
            bench.POLICY,
            contacts=case.contacts,
            owned_thread=False,
        )
        if found.risk == "possible":
            assert urgent, case.id
            seen += found.reason not in bench.URGENT_NOTES
    assert seen >= 5  # notes whose reason alone would not have said so


@pytest.mark.parametrize(
    ("name", "nobody_told", "patients_unseen", "heard", "raised"),
    [
        ("refusing_care.jsonl", 0, 1, 0.95, 0),
        ("refusing_care2.jsonl", 0, 0, 0.95, 0),
        ("refusing_care4.jsonl", 0, 1, 1.0, 1),
    ],
)
def test_death_accepted_beside_a_refusal_is_heard(
    name: str, nobody_told: int, patients_unseen: int, heard: float, raised: int
) -> None:
    """tests/corpus/first_mail/who/refusing_care*.jsonl (written blind):
    food, fluids, insulin, medicines, dialysis or hospital refused now with
    death accepted, by the person, someone close or a professional; hard
    negatives in the same words. Sets 1 and 2 (stop 53, 60 each): two tries
    at a stronger answer taken back (docs/reading.md); as they stood, crises
    given times with nobody told 3 and 4. Set 4 (stop 56, 100, a writer told
    to vary every wording): 12 as it came. The `refusing-care` pair (possible
    risk: times, an alert, the pick held) leaves none of them unheard. `raised`:
    requests read as possible risk (set 4's one is a contact need, as before);
    no request or mail to leave is given the crisis answer."""
    bench = _bench()
    apart = bench.score(bench.load(bench.WHO, name))
    assert apart.cases >= 60
    assert apart.count("crisis", "request") <= nobody_told
    assert apart.count("alert", "request") + apart.count("alert", "leave") <= (
        patients_unseen
    )
    assert apart.crises_heard >= heard
    assert apart.count("request", "crisis") + apart.count("request", "safety") <= (
        raised
    )
    assert apart.count("leave", "crisis") + apart.count("leave", "safety") == 0


def test_the_refusal_probes_are_measured() -> None:
    """who/refusing_probes.json: two strict reviewers' mails against two
    tries at this family, both taken back (docs/reading.md, stop 53): 113
    crises of it (by the person, someone close, a professional about someone
    in their care or for themselves), 142 ordinary mails in its words
    (hospice and palliative care, pre-operative fasting, a transplant,
    alcohol, idioms). Floors where the reader stands: crises given times
    with nobody told 9 before the `refusing-care` pair (stop 56), 2 with it;
    left alone 18, 12 (professionals' news of a patient now a note); of the
    ordinary mails, three raised (a toddler who "refused food and drink at
    dinner for three days. She's done, she says, and pushes the plate
    away!"; two relatives of someone dying in a hospice or of terminal
    cancer, told a sentence away: calm words count only beside the act or
    the sign), two professionals' notes about palliative patients."""
    bench = _bench()
    probes = json.loads((bench.WHO / "refusing_probes.json").read_text("utf-8"))
    read: dict[str, Counter[str]] = {}
    for kind in ("crisis", "ordinary"):
        read[kind] = Counter(
            bench.read(
                bench.built(
                    {
                        "id": f"probe-{n}",
                        "label": "crisis",
                        "from": "Sam Doe <sam.doe@example.org>",
                        "subject": probe["s"],
                        "text": probe["t"],
                    }
                )
            )[0]
            for n, probe in enumerate(probes[kind])
        )
    assert sum(read["crisis"].values()) == 113
    assert sum(read["ordinary"].values()) == 142
    assert read["crisis"]["request"] <= 2
    assert read["crisis"]["leave"] <= 12
    assert read["crisis"]["alert"] >= 2
    assert read["ordinary"]["crisis"] <= 2
    assert read["ordinary"]["alert"] <= 3
    assert read["ordinary"]["safety"] <= 11


def test_someone_in_a_professionals_care_in_danger_now_is_told_at_once() -> None:
    """tests/corpus/first_mail/who/others_risk.jsonl (2026-12-05, written
    blind, 139): 51 mails from GPs, teachers, key workers, line managers and
    colleagues telling of someone in their care in danger now. Before the
    care reader (`reading.care_risk`): nobody told 11, no note about them,
    23 of 62 professionals' mails with words of risk sent the safety message.
    Learned from, and after a strict review put the writer's own crisis and
    a relative's first: the note about them 10, nobody told 5, the safety
    message to 21 professionals; the note about nobody else, and no crisis
    of the writer's own or a relative's turned into it."""
    bench = _bench()
    learned = bench.score(bench.load(bench.WHO, "others_risk.jsonl"))
    assert learned.cases >= 139
    assert learned.count("alert", "alert") >= 10
    assert learned.count("alert", "request") + learned.count("alert", "leave") <= 5
    assert learned.read_as({"alert"}) == learned.count("alert", "alert")
    # 22 since stop 57: or-002, a GP's update in an old thread that the risk
    # is now managed, tells the therapist (an alert only, nothing sent).
    assert learned.count("leave", "crisis") <= 22
    assert learned.count("crisis", "request") == 0
    assert learned.count("crisis", "crisis") >= 9


def test_no_crisis_learned_from_becomes_the_note_about_someone_in_care(
    score,
) -> None:  # type: ignore[no-untyped-def]
    """The note about someone in a professional's care sends nothing to the
    writer: never the answer to their own crisis or a relative's, in any
    first mail learned from (the main corpus scored once for the module)."""
    bench = _bench()
    assert score.count("crisis", "alert") == 0
    for cases in (bench.load(bench.WHO), bench.load(bench.NOT_HERE)):
        assert bench.score(cases).count("crisis", "alert") == 0


def test_a_fresh_writers_news_of_someone_in_care_reaches_the_therapist() -> None:
    """held_out/others_risk.jsonl (2026-12-05, blind, 110; never read, its
    counts printed while the reader was made): of 40 mails telling of
    someone in a professional's care in danger now, nobody told 8 before the
    reader, 5 with it; one mail to leave gets the note."""
    bench = _bench()
    held = bench.score(bench.load(bench.HELD_OUT, "others_risk.jsonl"))
    assert held.cases >= 110
    assert held.count("alert", "request") + held.count("alert", "leave") <= 5
    assert held.read_as({"alert"}) - held.count("alert", "alert") <= 1
    assert held.count("crisis", "request") == 0


@pytest.fixture(scope="module")
def replies():  # type: ignore[no-untyped-def]
    module = bench_script("replies", "replies_bench")
    return module.score(module.load())


def test_the_reply_corpus_is_big_enough(replies) -> None:  # type: ignore[no-untyped-def]
    assert replies.cases >= 300
    contexts = {context for context, _, _ in replies.outcomes}
    assert contexts == {
        "offer", "booked", "approval", "therapist-booked", "followup", "after-cancel",
    }  # fmt: skip


def test_no_reply_is_read_into_harm(replies) -> None:  # type: ignore[no-untyped-def]
    # A wrong booking, a wrong cancel, a missed cancel or withdrawal, or the
    # therapist's private words passed on: never, whatever the rates.
    assert dict(replies.harms) == {}


def test_replies_are_understood_or_asked_back(replies) -> None:  # type: ignore[no-untyped-def]
    # Issue #10 asked for 95% understood, scored through the real workflow
    # transition. After the strict review (93.5% on 573: a booked call kept
    # silently only on words that keep it) the third round added two blind
    # sets (fresh2, fresh3) and the families they exposed, each beside its
    # hard negatives (tests/test_reply_families3.py): 97.0% on 692. The floor
    # is the issue's; what is not understood must be asked, never misread.
    # Since stop 60 the bench screens each reply as the runner does before it
    # reads it: eight plain cancels and withdrawals whose words as a whole
    # weigh like a farewell ("I won't be needing the call anymore, thanks")
    # wait for the therapist, who is told (`reply_risk`): asked, the safe
    # reading, 96.0% -> 94.9%. The floor is what the shell does.
    assert replies.share("correct") >= 0.945
    assert replies.share("misread") == 0.0


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        # held for the therapist, who is told to answer the question first
        ("Option 2 please. What's your cancellation policy?", "ask"),
        ("Number 2 please. Do you see couples as well?", "ask"),
        # held for the therapist's yes, as any pick is: counted as booked
        ("Option 2 please.", "pick:2"),
    ],
)
def test_the_reply_bench_counts_a_question_beside_a_pick_as_asked(
    text: str, read_as: str
) -> None:
    module = bench_script("replies", "replies_bench")
    offered = module.load(module.FRESH5)[0].offered
    case = module.Case("probe", "offer", "ask", text, offered, "en", "probe")
    assert module.read(case)[0] == read_as


_OFFER_IN_TWO_CLOCKS = """

> These are the times I have free at the moment:
>
>   1. Tuesday 1 December at 14:00 London time (GMT, UTC+0)
>      09:00 your time (UTC-5)
>   2. Tuesday 1 December at 17:30 London time (GMT, UTC+0)
>      12:30 your time (UTC-5)
>   3. Thursday 3 December at 19:00 London time (GMT, UTC+0)
>      14:00 your time (UTC-5)
"""


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        # 2pm in London is the first, 2pm in New York the third: which?
        ("2pm works for me!" + _OFFER_IN_TWO_CLOCKS, "ask"),
        ("12:30 works for me!" + _OFFER_IN_TWO_CLOCKS, "pick:2"),
        # the offer showed London's clock only: read in it
        (
            "2pm works for me!" + _OFFER_IN_TWO_CLOCKS.replace("your time", "later"),
            "pick:1",
        ),
    ],
)
def test_the_reply_bench_reads_the_persons_clock_where_the_offer_showed_it(
    text: str, read_as: str
) -> None:
    # A run reads a reply in London's clock and the person's own, known from
    # their mail's clock, which is when the offer showed "your time".
    module = bench_script("replies", "replies_bench")
    offered = tuple(
        module._slot(at)
        for at in ("2026-12-01T14:00", "2026-12-01T17:30", "2026-12-03T19:00")
    )
    case = module.Case("probe", "offer", "ask", text, offered, "en", "probe")
    assert module.read(case)[0] == read_as


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        (
            "the 1pm is fine i guess. i dont know if ill still be around by tuesday",
            "ask",
        ),
        (
            "the 1pm is fine i guess. i dont know if ill still be in london by tuesday",
            "pick:1",
        ),
    ],
)
def test_the_reply_bench_screens_a_reply_before_reading_it(
    text: str, read_as: str
) -> None:
    # A crisis beside a pick is escalated by the runner before any reader:
    # nothing is held; the therapist is told at once.
    module = bench_script("replies", "replies_bench")
    offered = tuple(
        module._slot(at)
        for at in ("2026-12-01T13:00", "2026-12-01T15:30", "2026-12-03T09:15")
    )
    case = module.Case("probe", "offer", "ask", text, offered, "en", "probe")
    assert module.read(case)[0] == read_as


def test_the_reply_bench_counts_another_time_held_with_a_question_as_booked() -> None:
    module = bench_script("replies", "replies_bench")
    offered = module.load(module.FRESH5)[0].offered
    text = "Option 2 please. What's your cancellation policy?"
    case = module.Case("probe", "offer", "pick:3", text, offered, "en", "probe")
    out = module.read(case)[0]
    assert out == "pick:2"
    assert module.judge(case, out, "")[1] == "wrong booking"


def test_the_fifth_blind_reply_set() -> None:
    """tests/corpus/replies/fresh5: 160 replies written blind (2026-12-06) to
    the offer, the approval request and the confirmation, scored once as
    written: 75.0% understood, 10.6% misread, 7 wrong bookings (6 picks held
    with a question beside them, counted as booked then). With the families
    it showed (a place among one day's times, a listed time not on the list,
    times left to the practice, the therapist's no with fresh times asked
    for, a move said as a maybe) and the question beside a pick counted as
    asked: 83.8%, 3.8%, and one: "Tuesday at 1pm works great (I'm in Boston
    btw)", whose zone the bench cannot give (a run reads it from their mail).
    A second strict review (helper-258) found the readings that made picks
    (a day's place, the soonest, typed-in-a-hurry numbers, working from
    home) booking times turned down; they were taken back or made to take
    picks away only: 81.2%, 4.4%. Since stop 60 a pick a wife made for her
    husband ("he'd like number 3", labelled a pick by its writer) waits
    for the therapist, who is told: asked, 80.6%."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.FRESH5))
    assert result.cases == 160
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.harms["private words passed on"] == 0
    assert result.harms["wrong booking"] <= 1
    assert result.share("correct") >= 0.806
    assert result.share("misread") <= 0.045


def test_replies_that_look_clear_and_are_not() -> None:
    """tests/corpus/replies/traps: 130 replies written blind (stop 58) that
    look like a clear answer and are not, beside clear answers in the same
    shapes; learned from, its own floors. As written: 66.2% understood,
    20.0% misread, 12 wrong bookings. With its families (a "the Thursday
    one" turned down, a day busy with a funeral or another one wanted, a
    weekday that is not the date's in the therapist's other time, the
    therapist's bare "2pm?"): 68.5%, 16.9%, 8; the therapist's yes naming
    someone else (stop 59): 7. Since stop 60 the bench reads as a run does
    (the reply screened first, the person's clock where the offer showed
    it): a clear risk is escalated and one of two told in the sender's own
    zone asked, 6; the other, "Tuesday works" where only the first time
    falls on a Tuesday in Sydney, is booked there (its writer would ask).
    With stop 60's families (a time in the writer's own clock, a pick made
    by someone else): 2, that one and a bare "2 works for me" beside a 2pm
    time (the letter asks for the number: read as the option)."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.TRAPS))
    assert result.cases == 130
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.harms["private words passed on"] == 0
    assert result.harms["wrong booking"] <= 2
    assert result.share("correct") >= 0.746
    assert result.share("misread") <= 0.108


def test_held_out_replies_that_look_clear_and_are_not() -> None:
    """tests/corpus/replies/held_out/traps: 90 by a second writer on the same
    brief, never opened (counts only). As written: 66.7% understood, 13.3%
    misread, 5 wrong bookings; none may get worse. Read as a run reads it
    (since stop 60: the reply screened first, the person's clock where the
    offer showed it): 67.8%, 12.2%, 4."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.TRAPS_HELD_OUT))
    assert result.cases == 90
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.harms["private words passed on"] == 0
    assert result.harms["wrong booking"] <= 4
    assert result.share("correct") >= 0.677
    assert result.share("misread") <= 0.123


def test_who_chose_the_time_and_in_whose_clock() -> None:
    """tests/corpus/replies/relay: 130 replies written blind (stop 60):
    someone else picking for the person (a partner, a parent, care staff,
    an interpreter, a reply-all to the person's "which one?"), times told in
    the writer's own clock, abroad, travelling or in a named zone, numbers
    that may be an hour, each beside clear answers of the same shape; scored
    once as written (read as a run reads it): 66.9% understood, 21.5%
    misread, 26 wrong bookings. With its families: 83.1%, 6.9%, 7, each a
    bare number beside an hour ("1 please" with a 1pm time: the letter asks
    for the number, read as the option; its writer would ask)."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.RELAY))
    assert result.cases == 130
    assert result.harms["wrong cancel"] == 0
    assert result.harms["wrong booking"] <= 7
    assert result.share("correct") >= 0.83
    assert result.share("misread") <= 0.07


def test_held_out_who_chose_the_time_and_in_whose_clock() -> None:
    """tests/corpus/replies/held_out/relay: 100 by a second writer on the
    same brief, never opened (counts only). As written: 60.0% understood,
    26.0% misread, 23 wrong bookings; with stop 60's families: 70.0%,
    15.0%, 12."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.RELAY_HELD_OUT))
    assert result.cases == 100
    assert result.harms["wrong cancel"] == 0
    assert result.harms["wrong booking"] <= 12
    assert result.share("correct") >= 0.70
    assert result.share("misread") <= 0.15


def test_once_booked_another_things_move_or_a_maybe_is_no_move() -> None:
    """tests/corpus/replies/booked_change: 120 replies written blind (stop
    61) after the booking: another thing moved so they can make it, a move
    said as a maybe or under a condition, a question about the rules,
    beside plain moves and cancels. Scored once as written: 60.8%
    understood, 18.3% misread (fresh times pressed on 21 who had not asked
    for them), 1 wrong cancel ("had a work call land on top of this but
    i've cancelled it. we're good for quarter to 4"). With its families:
    68.3%, 0.8%, none; the rest asked (the therapist reads them)."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.BOOKED_CHANGE))
    assert result.cases == 120
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.share("correct") >= 0.683
    assert result.share("misread") <= 0.009


def test_held_out_once_booked_is_it_a_move() -> None:
    """tests/corpus/replies/held_out/booked_change: 90 by a second writer on
    the same brief, never opened (counts only). As written: 48.9%
    understood, 25.6% misread, no harm counted; with stop 61's families:
    52.2%, 21.1% (56.7% and 15.6% with a first reading that also took a
    bare maybe and broad words of the call standing as no move: it lost
    polite moves, helper-302)."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.BOOKED_CHANGE_HELD_OUT))
    assert result.cases == 90
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.share("correct") >= 0.522
    assert result.share("misread") <= 0.212


def test_cancel_words_that_cancel_nothing_never_cancel() -> None:
    """tests/corpus/replies/cancel_words: 240 replies written blind
    (2026-12-05) after a user-eyes review saw booked calls cancelled for "I
    might need to cancel" and "please cancel my dentist appointment". Scored
    once as written: 31 wrong cancels, 2 wrong bookings, 42 misread. With
    `reading/cancel_words`: no wrong cancel. Its two bookings were picks
    beside a question of the rules ("Option 2 please. What's your
    cancellation policy?"), which its writer labelled to be asked: held for
    the therapist with the question, which they are told to answer first, and
    counted as asked since 2026-12-06 (`bench/replies.py`)."""
    module = bench_script("replies", "replies_bench")
    result = module.score(module.load(module.CANCEL_WORDS))
    assert result.cases == 240
    assert result.harms["wrong cancel"] == 0
    assert result.harms["missed cancel"] == 0
    assert result.harms["wrong booking"] == 0
    assert result.share("misread") <= 0.01  # 2 of 240


def test_not_being_around_is_read_as_a_diary_or_a_life() -> None:
    """tests/corpus/first_mail/not_here: written blind on not being around or
    here, a diary's or a life's, and learned from (kept out of the corpus's
    floors). First read: 15 of its 25 crises clear, one given times with
    nobody told, 6 of its 40 requests sent the safety message. Now 17 clear,
    none given times with nobody told; the requests are as before (the
    not-here stems stay clear risk whatever follows them: docs/reading.md)."""
    bench = _bench()
    score = bench.score(bench.load(bench.NOT_HERE))
    assert score.cases >= 80
    assert score.crises_heard == 1.0
    assert score.count("crisis", "request") == 0
    assert score.count("crisis", "leave") == 0
    assert score.crisis_recall >= 0.68
    assert score.count("request", "crisis") <= 6


def test_a_crisis_told_in_passing_inside_an_enquiry() -> None:
    """tests/corpus/first_mail/in_passing: written blind (stop 58, 140: 55
    crises told in passing inside an ordinary enquiry, 45 requests mostly
    heavy but safe, 25 safety needs), learned from, floors apart. First read
    (before anything was changed for it): 21 of its crises clear, 48 heard,
    6 given times with nobody told and 1 left alone. With its families (the
    life insurance if not an accident, a burn held on purpose, a car aimed,
    next year planned without them, insulin left out on purpose, a home
    found for the pet beside nothing keeping them here, their own funeral's
    songs), narrowed after a strict review (helper-276) found them alarming
    ordinary mail: 27 clear, 54 heard, 1 given times with nobody told ("the
    plan's actually very tidy")."""
    bench = _bench()
    score = bench.score(bench.load(bench.IN_PASSING))
    assert score.cases >= 140
    assert score.crises_heard >= 54 / 55
    assert score.count("crisis", "request") + score.count("crisis", "leave") <= 1
    assert score.crisis_recall >= 27 / 55
    assert score.count("request", "crisis") == 0


def test_a_passive_wish_to_be_dead_inside_an_enquiry_reaches_the_therapist() -> None:
    """tests/corpus/first_mail/passive: written blind (stop 59, 150: 65
    passive wishes to be dead with no plan, 20 crises, 65 requests in the
    same words), learned from by the phrase book. As written: 20 safety
    needs given times with nobody told and 1 left alone, 4 requests sent
    the crisis letter. With the `passive-wish` and `acting-denied` families
    (and their weighing beside the risk words), narrowed after two strict
    reviews: 3 and 1; the requests as written (the masks tried for them hid
    crises: taken back). The held-out set beside it
    (`held_out/passive.jsonl`): 11 and 1 as written, 10 and 1."""
    bench = _bench()
    score = bench.score(bench.load(bench.PASSIVE))
    assert score.cases >= 150
    assert score.count("safety", "request") + score.count("safety", "leave") <= 4
    assert score.crises_heard >= 1.0
    assert score.count("request", "crisis") <= 4
    held = bench.score(bench.load(bench.HELD_OUT, "passive.jsonl"))
    assert held.count("safety", "request") + held.count("safety", "leave") <= 11
    assert held.crises_heard >= 1.0


def test_words_also_said_of_a_diary_get_the_safety_message_that_asks() -> None:
    """tests/corpus/not_around: 400 mails and replies written blind on not
    being around (a diary's, a dying parent's, a life's), read first at the
    commit that split these words into their own family (no risk changed),
    then learned from: which letter asks (a diary's time beside the words, a
    diary's reason or another time asked for, nothing near risk) and phrases
    of the crises it read as nothing. The asking letter goes to half the
    ordinary mail these words make clear risk and to no crisis; every crisis
    read as clear still gets the urgent alert and no times."""
    _bench()  # asking_letter imports `understand` by that name
    bench = bench_script("asking_letter", "asking_letter")
    letters = bench.score()
    assert letters.cases >= 400
    ordinary_clear = letters.count("ordinary", "asks") + letters.count(
        "ordinary", "assumes"
    )
    assert ordinary_clear >= 40
    assert letters.count("ordinary", "asks") / ordinary_clear >= 0.45
    crises_clear = letters.count("crisis", "asks") + letters.count("crisis", "assumes")
    assert crises_clear >= 100
    assert letters.count("crisis", "asks") == 0
    # 17 crises were given times with nobody told before its phrases, 10 since,
    # none once the risk words were learned from this set too (2026-12-03);
    # 1 once they were learned more loosely from every set (2026-12-05, L2
    # 0.01, held-out sets 130 -> 91 given times): cri-063, "i wont be around
    # after the 20th ... its not a holiday. i've just decided", 0.67 -> 0.47.
    assert letters.count("crisis", "times") <= 1


def test_a_sixth_writers_words_of_not_being_around() -> None:
    """tests/corpus/not_around/blind21: 400 first mails and replies by a
    sixth blind writer (2026-12-05), never learned from. Scored first as the
    reader stood: 33 of 140 crises given times with nobody told (13 first
    mails, 20 replies), 21 sent the safety message; its ordinary mail 2
    alerted, 19 held, 7 sent the safety message. Learned from by the risk
    words as a trial, it moved the held-out sets by one crisis (noise), so
    it was not kept learned. Replies weighed at 0.45, not even odds
    (`reply_risk.THRESHOLD`, chosen by leaving each learned set out): 25 given
    times (8 replies newly heard), ordinary mail alerted 2 -> 7. Requests
    weighed at 0.475 or more answered with an alert (`classify.ALERT_CHANCE`):
    22 given times, ordinary mail alerted 8. With `absence-arranged` (stop
    60, from `blind60`; two of this set's own misses, read at the start of
    that work, were in its tests at first, so this is no out-of-sample
    figure): 20, ordinary mail unchanged. One more
    ordinary mail held since stop 64: an enquiry left alone before, asked
    about (`asking-words`)."""
    _floors(
        _letters("BLIND21"),
        cases=400,
        times=20,
        left=0,
        clear=21,
        alerted=8,
        ordinary_clear=7,
        held=20,
    )


def test_an_ending_arranged_and_said_in_passing() -> None:
    """tests/corpus/not_around/blind60: 160 by a blind writer (stop 60): 70
    crises of an ending arranged and said in passing while booking, 70
    ordinary mails in the same words (a move, a retirement, a baby, the
    last week at uni), 20 grief. As written: 15 crises given times with
    nobody told (7 first mails, 8 replies), ordinary mail 5 alerted, 1 held,
    5 sent the safety message. With `absence-arranged`: 4 given times, its
    ordinary mail as before; after its strict review (contractions, context
    before the phrase, a first-person anchor for cards): 3. Held 2 since
    stop 62: b60-049, a trainee counsellor asking for her own personal
    therapy, left alone as a colleague's before (`own-need`). One more since
    stop 64: an ordinary enquiry left alone before, asked about
    (`asking-words`)."""
    _floors(
        _letters("BLIND60"),
        cases=160,
        times=3,
        left=0,
        clear=9,
        alerted=5,
        ordinary_clear=5,
        held=3,
    )


def test_held_out_endings_arranged_and_said_in_passing() -> None:
    """tests/corpus/not_around/held_out/blind60h: 120 by a second writer on
    the same brief, never opened (counts only). As written: 8 of 55 crises
    given times with nobody told, ordinary mail 2 alerted, 2 held, 3 sent
    the safety message. `absence-arranged` did not carry (8): the learned
    writer's words, as every round has found."""
    _floors(
        _letters("BLIND60_HELD_OUT"),
        cases=120,
        times=8,
        left=0,
        clear=10,
        alerted=2,
        ordinary_clear=3,
        held=2,
    )


def test_the_held_out_sets_on_not_being_around_and_indirect_crises() -> None:
    """tests/corpus/not_around/held_out: 300 by another writer after the
    reading above was built, never learned from but for five phrases taken
    out because its ordinary mail (or a review's) said them as often as
    crises. At the commit before: 24 of its 120 crises clear, 42 given times
    with nobody told, 9 ordinary mails clear. tests/corpus/indirect: 360
    crises said indirectly and hard negatives; before: 39 of its 160 crises
    given times, 3 ordinary mails clear. Learned from once (2026-12): 38 ->
    25 given times, its ordinary mail unchanged; the held-out set 40 -> 38
    (a review found two of the round's patterns fitted only its cases: one
    replaced by a general one, one taken out). Then the risk words learned
    from every set learned from (2026-12-03): the held-out set 38 -> 40 (15
    first mails and 25 replies, from 11 and 27: 7 crises no longer heard, 5
    newly; 35 to 43 under other subjects, from 38 to 43), its ordinary mail
    clear 9, alerted 5 (4 newly, 4 no longer), one fewer held; the indirect
    set, now learned from twice, 1. The risk words then learned from
    `indirect/blind11` too (2026-12-03, 180 crises and 220 hard negatives
    written blind: 32 of its crises given times and 1 left alone before it
    was learned from, 4 and 1 after): the held-out set 40 -> 35 given times
    (6 newly heard, 1 no longer), its ordinary mail alerted 5 -> 6. Learned
    from every set, more loosely (2026-12-05: `danger_now` and `urgent` too,
    L2 0.01, threshold 0.5): the held-out set 34 -> 35 given times, its
    ordinary mail alerted 6, as before; the indirect set 4 -> 4 (b11-c-029
    newly heard; b11-c-060, "the cable and the spot picked out in the
    lock-up", no longer), its ordinary mail alerted 8 -> 9 and held 9 -> 10.
    Learned from `indirect/blind19` too (2026-12-05, 160 crises and 200 hard negatives written blind): the held-out set 35 -> 31 given
    times, its ordinary mail alerted 6 -> 7; the indirect sets, now with
    blind19 (1,120 cases, on data learned from), 5 of 500 crises given
    times, 2 left, ordinary alerted 14, clear 14. Once one clue of a
    colleague ("Dear all") no longer spared a mail the risk words: 4 given
    times, 1 left, and the held-out set's one crisis left alone held for the
    therapist; no ordinary mail changed. Learned from `replies/risk/crisis_c` too
    (2026-12-05, 90 crises beside a cancel or a withdrawal and 110 ordinary ones,
    written blind): 29 given times, ordinary mail alerted 7 -> 8, held 5 -> 4.
    Replies weighed at 0.45, not even odds (2026-12-05, `reply_risk.THRESHOLD`):
    24 given times, ordinary mail alerted 8 -> 12; the indirect sets' ordinary
    mail alerted 12 -> 17. Requests weighed at 0.475 or more answered with an alert
    (2026-12-05, `classify.ALERT_CHANCE`):
    24 given times, ordinary mail alerted 14; the indirect sets' 3 given
    times, ordinary mail alerted 18."""
    _bench()
    bench = bench_script("asking_letter", "asking_letter")
    held = bench.score(bench.HELD_OUT)
    assert held.cases >= 300
    assert held.count("crisis", "asks") + held.count("crisis", "assumes") >= 28
    assert held.count("crisis", "times") <= 24
    assert held.count("ordinary", "alert") <= 14
    assert held.count("crisis", "asks") <= 1
    assert held.count("ordinary", "asks") + held.count("ordinary", "assumes") <= 9
    indirect = bench.score(bench.INDIRECT)
    assert indirect.cases >= 1120  # blind8, blind11 and blind19
    assert indirect.count("crisis", "times") <= 3
    assert indirect.count("crisis", "left") <= 1  # blind11's nursing student
    assert indirect.count("crisis", "asks") == 0
    # 19 since stop 59: b8-o-145, a 17-year-old's "i'm not going to do
    # anything stupid, i just feel sad all the time" (`acting-denied`).
    assert indirect.count("ordinary", "alert") <= 19
    assert (
        indirect.count("ordinary", "asks") + indirect.count("ordinary", "assumes") <= 14
    )


def test_the_hard_negatives_of_the_indirect_round() -> None:
    """tests/corpus/indirect/negatives: 190 ordinary mails written blind in the
    words of the phrases learned from blind8 (a retreat "you don't come back
    from", the dog's "permanent sleep", "didn't do it, might next time" of
    asking someone out), and 50 crises in other words. Before the round: 20
    ordinary mails alerted, 1 read as clear, 6 crises given times. The
    round's first phrases made that 50 alerted and 11 clear; the ones that
    stayed (cut again by a review's sentences), 26 and 1. The crises: 6
    before and after (the phrases do not reach crises in other words). The
    risk words then learned from this set too (2026-12-03): 15 ordinary
    mails alerted, 1 clear, no crisis given times (figures on data learned
    from: the held-out set below says what carries over); once blind11 was
    learned from as well, 16 alerted."""
    _bench()
    bench = bench_script("asking_letter", "asking_letter")
    negatives = bench.score(bench.NEGATIVES)
    assert negatives.cases >= 240
    assert (
        negatives.count("ordinary", "asks") + negatives.count("ordinary", "assumes")
        <= 1
    )
    assert negatives.count("ordinary", "alert") <= 16
    assert negatives.count("crisis", "times") == 0


def test_a_fresh_writers_indirect_crises_said_in_new_words() -> None:
    """tests/corpus/indirect/held_out: 100 crises and 150 hard negatives
    written blind after every set above was learned from, in words none of
    them uses much (no "won't be around", "burden", "no point", "goodbye").
    Never learned from. First scored with the risk words as learned from the
    first-mail corpus alone: 46 of its crises given times with nobody told,
    1 left alone, 8 ordinary mails alerted, 5 held for the therapist, 1
    clear. With the risk words learned from every set that is learned from
    (2026-12-03): 29 given times (20 newly heard, 3 no longer), 1 left
    alone, ordinary 8, 4 and 1. Under other subjects than the bench's: 34 to
    25, from 47 to 41. Once `indirect/blind11` was learned from too
    (2026-12-03): 24 given times (5 newly heard, none no longer), one more
    ordinary reply alerted (9). Learned from the danger-now sets too, more
    loosely (2026-12-05): 22 given times, ordinary alerted 7. Learned
    from `indirect/blind19` too (2026-12-05): 20 given times, as before else.
    Learned from `replies/risk/crisis_c` too (2026-12-05, 90 crises beside a cancel
    or a withdrawal and 110 ordinary ones, written blind): 19 given times, ordinary
    mail alerted 7 -> 9. Replies weighed at 0.45, not even odds (2026-12-05,
    `reply_risk.THRESHOLD`):
    15 given times, ordinary mail alerted 9 -> 10. Requests weighed at 0.475 or more
    answered with an alert (2026-12-05, `classify.ALERT_CHANCE`):
    12 given times, ordinary mail alerted 10."""
    _bench()
    bench = bench_script("asking_letter", "asking_letter")
    fresh = bench.score(bench.INDIRECT_HELD_OUT)
    assert fresh.cases >= 250
    assert fresh.count("crisis", "times") <= 12
    assert (
        fresh.count("crisis", "left") == 0
    )  # 1 while one professional clue spared a mail the risk words
    assert fresh.count("crisis", "asks") == 0
    assert fresh.count("ordinary", "alert") <= 10
    assert fresh.count("ordinary", "note") <= 4
    assert fresh.count("ordinary", "asks") + fresh.count("ordinary", "assumes") <= 1


def test_crises_told_inside_ordinary_booking_talk() -> None:
    """tests/corpus/not_around/held_out/booking: 170 crises told inside
    booking talk ("give my slot to someone who'll use it", "I've made other
    arrangements", the cat gone to a neighbour for good, a calm after
    deciding) and 230 ordinary mails in the same words, written blind
    (2026-12-03). Scored once, with the risk words as shipped: 19 crises
    given times with nobody told, none left alone, 25 ordinary mails
    alerted (24 of them replies), 17 held, 3 clear. Then learned from as a
    trial: the other held-out sets lost 8 crises and gained 4, so it was not
    kept as a learned set and is held out instead (docs/reading.md). With the risk
    words learned more loosely from every set (2026-12-05): 18 given times,
    18 ordinary mails held, 25 alerted. Learned from `indirect/blind19` too
    (2026-12-05): 16 given times; the cost, 29 ordinary mails alerted (28
    of them replies) and 19 held. Learned from `replies/risk/crisis_c` too
    (2026-12-05, 90 crises beside a cancel or a withdrawal and 110 ordinary ones,
    written blind): 13 given times, 28 ordinary mails alerted, 18 held. Replies
    weighed at 0.45, not even odds (2026-12-05, `reply_risk.THRESHOLD`):
    12 given times, 38 ordinary mails alerted (37 of them replies: the
    pick or cancel waits for the therapist, with a note). Requests weighed at 0.475 or more
    answered with an alert (2026-12-05, `classify.ALERT_CHANCE`):
    10 given times, 40 ordinary mails alerted."""
    _bench()
    bench = bench_script("asking_letter", "asking_letter")
    booking = bench.score(bench.BOOKING_HELD_OUT)
    assert booking.cases >= 400
    assert booking.count("crisis", "times") <= 10
    assert booking.count("crisis", "left") == 0
    assert booking.count("crisis", "asks") == 0
    assert booking.count("ordinary", "alert") <= 40
    assert booking.count("ordinary", "note") <= 18
    assert booking.count("ordinary", "asks") + booking.count("ordinary", "assumes") <= 3


def test_danger_now_told_in_ordinary_words() -> None:
    """tests/corpus/indirect/urgent: two blind sets of people in danger now
    (something swallowed tonight, bleeding that will not stop, the means in
    hand, a ledge, someone else writing) and ordinary mail in the same
    words, each scored before the phrase book's `danger-now` families were
    written against it (urgent13: 27 of 140 crises given times with nobody
    told; urgent14, first held out: 46 of 120), then 15 of the 260. A third
    set (pairs16: 120 crises, 160 ordinary), written for the acts and signs
    that say danger only together (`risk.pairs`: a quantity swallowed and
    the body's sign of it; a high place or the tracks and what is meant
    there), read 37 of its crises given times before the pairs. With them, 2
    of the 380 (1 of the first 260, 1 of pairs16); the ordinary mail reads
    as it did before (17 clear, 29 alerted, 22 held: other families'
    words). Once the risk words learned from these sets too (2026-12-05):
    none given times, 24 alerted, 20 held; with `indirect/blind19` too, 25
    alerted; with `replies/risk/crisis_c` too, 24. Replies weighed at 0.45
    (2026-12-05, `reply_risk.THRESHOLD`): 27 alerted. One more held
    since stop 64: an ordinary enquiry left alone before, asked about
    (`asking-words`)."""
    _floors(
        _letters("URGENT"),
        cases=800,
        times=0,
        left=0,
        clear=92,
        alerted=27,
        ordinary_clear=17,
        held=21,
    )


def test_danger_now_held_out() -> None:
    """tests/corpus/indirect/held_out/urgent: 100 crises of danger now said
    away from the stock phrasings, and 100 ordinary mails in like words, by
    a third blind writer. Its counts were read nine times (never its
    texts), the book before and each version of the families: 37 given times with
    nobody told before them; 26, 22 and 31 with the versions the reviews
    took apart; 31 with the families as kept (11 get the safety message, as
    before; 29 alert the therapist); with the acts and signs read together
    (`risk.pairs`, 2026-12-04) 28, 29, then 30 as kept after two strict
    reviews narrowed them. Its ordinary mail read the same
    each time (2 clear, 3 alerted). With the risk words learned from the
    urgent sets and the reviews' sentences too, more loosely (2026-12-05):
    10 given times with nobody told (their words now go to the therapist
    first); its ordinary mail 2 alerted, 9 held (from 8). Learned from
    `indirect/blind19` too (2026-12-05): 11 given times (one more), its
    ordinary mail 3 alerted. Learned from `replies/risk/crisis_c` too (2026-12-05,
    90 crises beside a cancel or a withdrawal and 110 ordinary ones, written blind):
    10 given times, its ordinary mail 2 alerted. Replies weighed at 0.45, not even
    odds (2026-12-05, `reply_risk.THRESHOLD`):
    8 given times, its ordinary mail 4 alerted. Requests weighed at 0.475 or more
    answered with an alert (2026-12-05, `classify.ALERT_CHANCE`):
    its ordinary mail 5 alerted."""
    _floors(
        _letters("URGENT_HELD_OUT"),
        cases=200,
        times=8,
        left=0,
        clear=11,
        alerted=5,
        ordinary_clear=2,
        held=9,
    )


def test_danger_now_in_a_blind_writers_own_words() -> None:
    """tests/corpus/indirect/held_out/fresh17: 100 crises of danger now in
    the writer's own choice of words, from a brief naming no phrasing, and
    120 ordinary mails sharing them; scored three times, counts only: 23
    crises given times with nobody told before `risk.pairs`, 22 with its
    first narrowed version, 23 as kept (narrowed again by a second review);
    27 clear each time; the ordinary mail the same (5 alerted, none clear).
    With the risk words learned from the urgent sets and the reviews'
    sentences too, more loosely (2026-12-05): 6 given times, 3 ordinary
    mails held (from 2). Learned from `indirect/blind19` too (2026-12-05): 5
    given times, 2 held. Learned from `replies/risk/crisis_c` too (2026-12-05, 90
    crises beside a cancel or a withdrawal and 110 ordinary ones, written blind): 6
    given times (one more). Replies weighed at 0.45 (2026-12-05): 4 given times.
    Requests weighed at 0.475 or more with an alert: 6 ordinary alerted.
    A denial of acting on thoughts said unasked read as possible risk
    (stop 59, `acting-denied`): 7 (one ordinary mail)."""
    _floors(
        _letters("FRESH17"),
        cases=220,
        times=4,
        left=1,
        clear=27,
        alerted=7,
        ordinary_clear=0,
        held=3,
    )


def test_crises_of_every_kind_in_a_blind_writers_own_words() -> None:
    """tests/corpus/indirect/held_out/fresh18: 100 crises of every kind
    (goodbyes, affairs in order, a date set, the means, something just done,
    a burden, someone else writing, a line in a long mail, a P.S. after a
    pick) in ordinary words and 120 ordinary mails in the same situations,
    written blind (2026-12-05) and scored once each way, counts only: 15
    given times with nobody told with the risk words before they learned
    from the danger-now sets, 11 after; 2 left alone both times. Learned
    from `indirect/blind19` too (2026-12-05): 10 given times, 5 ordinary
    mails held (from 4). Learned from `replies/risk/crisis_c` too (2026-12-05, 90
    crises beside a cancel or a withdrawal and 110 ordinary ones, written blind): 10
    given times, 4 held. Replies weighed at 0.45 (2026-12-05): 9 given times.
    Requests weighed at 0.475 or more with an alert: 12 ordinary alerted.
    Someone in a professional's care read more widely (2026-12-06, stop 50:
    `care_risk`'s roles and emergencies): one ordinary mail that was left
    alone is held for the therapist by the urgent note (5 held). One more
    since stop 64 (counts only): an ordinary request answered with times
    before is asked about (`leave-words`)."""
    _floors(
        _letters("FRESH18"),
        cases=220,
        times=9,
        left=2,
        clear=20,
        alerted=12,
        ordinary_clear=5,
        held=6,
    )


def test_crises_of_a_blind_writers_own_choosing() -> None:
    """tests/corpus/indirect/held_out/fresh19: 100 crises of whatever kinds
    a blind writer chose (a brief naming no kind and no phrasing; many name
    a plan, the means or something done) and 120 ordinary mails in the same
    lives, counts only: 2 given times with nobody told the day it was
    written (2026-12-05); 1 once the risk words learned from
    `indirect/blind19` too, with 4 ordinary mails alerted (from 3); 2 once
    learned from `replies/risk/crisis_c` too (one more). Replies weighed at 0.45
    (2026-12-05): none given times."""
    _floors(
        _letters("FRESH19"),
        cases=220,
        times=0,
        left=0,
        clear=33,
        alerted=4,
        ordinary_clear=2,
        held=6,
    )


def test_crises_of_a_second_blind_writers_own_choosing() -> None:
    """tests/corpus/indirect/held_out/fresh20: the same brief as fresh19 by
    another blind writer (2026-12-05), counts only: 3 given times with
    nobody told the day it was written; 4 once a strict review narrowed the
    phrase families added that day from `replies/risk/crisis_c` (each had
    fired on ordinary mail), and 3 again once a second review put back what
    the narrowing lost (a partner who gets violent at weekends, sleep and
    disappear, arrangements made as a whole clause). With the risk words
    learned from `held_out/blind20` as a trial: 2. Replies weighed at 0.45
    (2026-12-05): 2 given times, 8 ordinary alerted. Requests weighed at 0.475 or
    more with an alert: 1 given times, 9 ordinary alerted."""
    _floors(
        _letters("FRESH20"),
        cases=220,
        times=1,
        left=0,
        clear=61,
        alerted=9,
        ordinary_clear=3,
        held=5,
    )


def test_a_set_written_to_be_learned_from_held_out_instead() -> None:
    """tests/corpus/indirect/held_out/blind20: 160 crises (not being around,
    affairs settled, a calm after deciding, the means in passing, danger told
    sideways, someone else writing) and 200 ordinary mails in like words,
    written blind to be learned from (2026-12-05). Scored first, counts
    only: 12 given times with nobody told. Learned from as a trial, the
    seven older held-out sets went 89 -> 92 crises given times (fresh7 29 ->
    31, booking 13 -> 15, urgent15 10 -> 11, fresh18 10 -> 11; fresh10 19 ->
    17, fresh19 2 -> 1), fresh20 4 -> 2, ordinary mail alerted 6 fewer: not
    kept, and held out instead (docs/reading.md). Replies weighed at 0.45
    (2026-12-05): 10 given times. One more
    since stop 64 (counts only): an ordinary mail left alone before is
    asked about (`asking-words`)."""
    _floors(
        _letters("BLIND20"),
        cases=360,
        times=10,
        left=0,
        clear=51,
        alerted=12,
        ordinary_clear=3,
        held=11,
    )


def _letters(folder: str) -> Any:
    """What each mail of an `asking_letter` corpus folder gets (its `score`)."""
    _bench()
    bench = bench_script("asking_letter", "asking_letter")
    return bench.score(getattr(bench, folder))


def _floors(
    result: Any,
    *,
    cases: int,
    times: int,
    left: int,
    clear: int,
    alerted: int,
    ordinary_clear: int,
    held: int,
) -> None:
    """A danger-now set's floors: its size; crises given times with nobody
    told or left at most, given the safety message at least; ordinary mail
    alerted, given the safety message or held at most."""
    assert result.cases == cases
    assert result.count("crisis", "times") <= times
    assert result.count("crisis", "left") <= left
    assert result.count("crisis", "assumes") + result.count("crisis", "asks") >= clear
    assert result.count("ordinary", "alert") <= alerted
    ordinary = result.count("ordinary", "assumes") + result.count("ordinary", "asks")
    assert ordinary <= ordinary_clear
    assert result.count("ordinary", "note") <= held


def _screened(name: str) -> dict[str, list[str]]:
    """Each label's risk levels, one a text, and the families said clear."""
    from mailflow.reading import screen

    path = CORPUS / "indirect" / "negatives" / "danger_now" / name
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        said = screen.screen(row["text"])
        level = said.risk.value
        if level == "clear" and "danger-now" in said.families:
            level = "clear-danger-now"
        out.setdefault(row["label"], []).append(level)
    return out


def test_danger_now_against_two_reviews_sentences() -> None:
    """tests/corpus/indirect/negatives/danger_now: two strict reviews'
    sentences in the families' own words. review33 (195 ordinary, 89
    crises) was written against the first version and the families were
    then tuned on it; review35 (291 ordinary, 114 crises) was written
    afresh against the version after that, which read 212 of its ordinary
    sentences as clear. As kept, no ordinary sentence of either gets the
    safety message from `danger-now`, and no more get it at all than before
    the families (16 and 31: other families' words); the therapist is
    alerted for 5 and 189 of them (0 and 5 before). Their crises heard
    (clear or alerted): 84 of 89 and 35 of 114 (17 and 17 before).
    review38 (94 ordinary, 54 crises) was written against `risk.pairs`'
    first version, which alerted the therapist for 79 of its ordinary
    mails; the pairs were then narrowed on it: now 3 alert and 4 are clear
    (as before the pairs), and all 54 crises are heard (24 before).
    review39 (94 ordinary, 86 crises), a second review's, against the
    narrowed version (48 of its ordinary mails said danger now, 7 before
    the pairs; 49 crises read as nothing, 42 before): narrowed again on it,
    9 alert and 9 are clear (8 and 9 before the pairs), 84 crises heard (44
    before). review40 (40 ordinary, 30 crises), a third review's: 19 of its
    ordinary mails newly said danger now, and its history reading silenced
    crises told now (taken from history: it reads the lone danger-now
    patterns as before the pairs again); narrowed on it, 3 alert and 4 are
    clear (as before the pairs), 25 crises heard (11 before). review41 (30
    ordinary mails telling history beside a symptom of now, 30 crises with
    history beside a present act), a fourth review's: a word of now
    anywhere near revived a history act (11 ordinary said danger now); the
    history is now read in the act's own sentence, outweighed only by
    "again tonight", "just taken" and the like: 2 say danger now, as before
    the pairs, 8 alert and 2 are clear (as before), 18 crises heard (9
    before)."""
    for name, sizes, clear, alerted, heard in (
        ("review33.jsonl", (195, 89), 16, 5, 84),
        # review35: one ordinary sentence ("I took all my tablets in their
        # original boxes to the clinic") clear -> possible since stop 58's
        # overdose reading leaves out the tablets' errand: 30 clear, 190.
        ("review35.jsonl", (291, 114), 30, 190, 35),
        ("review38.jsonl", (94, 54), 4, 3, 54),
        ("review39.jsonl", (94, 86), 9, 9, 84),
        ("review40.jsonl", (40, 30), 4, 3, 25),
        # review41: two histories of an overdose of a parent's tablets
        # ("years ago I took a handful of my mum's sleeping pills") possible
        # since stop 58 reads "my mum's" as it reads "my" (an attempt long
        # past is a safety need: the therapist told, the pick held): 10.
        ("review41.jsonl", (30, 30), 2, 10, 18),
    ):
        said = _screened(name)
        ordinary, crises = said["ordinary"], said["crisis"]
        assert (len(ordinary), len(crises)) == sizes, name
        assert "clear-danger-now" not in ordinary, name
        assert ordinary.count("clear") <= clear, name
        assert ordinary.count("possible") <= alerted, name
        assert len(crises) - crises.count("none") >= heard, name


def test_mail_hard_wrapped_at_72_columns_is_read_as_the_same_words() -> None:
    """Mail programs wrap plain text, so "thinking about ending my" may end
    one line and "life" begin the next. Before the screen joined a
    paragraph's lines, the corpus wrapped at 72 columns read 85.5% of its
    crises as clear (98.8% unwrapped)."""
    bench = _bench()
    plain = bench.score(bench.load())
    wrapped = bench.score(bench.load(wrapped=True))
    assert wrapped.crisis_recall >= plain.crisis_recall - 0.005
    assert wrapped.crises_heard == 1.0
    assert wrapped.count("crisis", "request") == 0
    assert wrapped.recall >= 0.94


def _false_alerts(score) -> int:  # type: ignore[no-untyped-def]
    return int(score.read_as({"crisis"}) - score.count("crisis", "crisis"))


def test_crises_in_forms_that_name_nobody_reach_the_therapist() -> None:
    """Website forms with no address mailflow may write to
    (tests/corpus/forms): only an alert can follow, so a crisis missed there
    reaches nobody until the therapist next reads the inbox.

    The first set (written blind, learned from) scored 23 of 47 crises
    alerted and 5 false alerts of 49 before anything was made for it; 40 and
    5 since (the risk words' "please read today", Contact Form 7's layouts,
    the families of `test_screen`'s forms set; an anniversary read as
    history, one false alert fewer, was taken back with the rule that
    downgraded real crises). The held-out set (a second
    writer) scored 26 of 30 crises and 8 false alerts of 30 hard negatives
    (professionals, past risk, idioms, footers naming emergency numbers) the
    one time it was scored blind. A strict review then named four of its
    cases (two footers naming a crisis line, two crises); a footer rule was
    written and taken back (it hid crises told without a pronoun), so the
    set reads 26 and 8 again, but it is no longer blind to that family."""
    bench = _bench()
    learned = bench.score(bench.load(bench.FORMS), bench.FORM_POLICY)
    assert learned.cases >= 96
    assert learned.count("crisis", "crisis") >= 40
    assert _false_alerts(learned) <= 5
    held = bench.score(bench.load(bench.FORMS_HELD_OUT), bench.FORM_POLICY)
    assert held.cases >= 60
    assert held.count("crisis", "crisis") >= 26
    assert _false_alerts(held) <= 8


def test_crises_in_replies_that_nobody_hears_still_get_the_safety_message() -> None:
    """The worked sets' crises in replies given times with nobody told
    (blind21: 12, indirect: 2 on 2026-12-05): read by the real reply reader
    and workflow as replies to an offer of three times, each next gets a
    later letter that closes with the practice's safety message
    (`contract.LATER_LETTERS`, `safety.in_later_letters`), or reaches the
    therapist, or withdraws (a cancel's acknowledgement does not carry it);
    none is answered with nothing or with another letter. (Fewer such
    replies as the reading hears more is no failure.)"""
    got: Counter[str] = Counter()
    for folder in ("BLIND21", "INDIRECT", "NOT_AROUND", "URGENT", "NEGATIVES"):
        got += _letters(folder).then
    bench = bench_script("asking_letter", "asking_letter")
    assert got, "no crisis reply given times with nobody told: nothing checked"
    rest = got["therapist told"] + got["cancelled"]
    assert bench.closed(got) + rest == sum(got.values()), got
