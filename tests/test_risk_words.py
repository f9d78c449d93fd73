"""The risk words (`mailflow.reading.risk_words`): a learned second reader
beside the phrase book, which only ever puts a mail before the therapist.

The shipped weights are what the corpus teaches (learned again here, so an
edit of the corpus without `make learn` fails); the reader is wired into
`classify_new` only where the phrases found no risk; what it reads is bounded.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from support import bench_script

from mailflow.model import InboundMail, Verdict
from mailflow.reading import risk_words
from mailflow.reading.classify import RequestPolicy, classify_new

ROOT = Path(__file__).resolve().parents[1]
POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)
REQUEST = (
    "Hi, I'd like to book the free call about counselling for anxiety.\n"
    "Mornings suit me best.\n\nThanks,\nJordan"
)
HEAVY = risk_words.Weights(bias=-3.0, words={"lighthouse": 9.0, "book": 0.0})
"""A reader for the wiring tests: only "lighthouse" weighs, and heavily."""


def _learner() -> ModuleType:
    return bench_script("learn_risk", "learn_risk")


def test_the_shipped_weights_are_what_the_corpus_teaches() -> None:
    learner = _learner()
    shipped = (ROOT / "mailflow" / "reading" / risk_words.WEIGHTS_FILE).read_text(
        "utf-8"
    )
    assert shipped == learner.learned_text(), "edit of the corpus: run `make learn`"
    assert len(risk_words.shipped().words) > 1000


def test_the_shipped_thread_weights_are_what_the_corpus_teaches() -> None:
    """The second reader (replies in the therapist's own threads) is learned
    from every set the first is, and the thread sets, none held out."""
    learner = _learner()
    threads = ROOT / "mailflow" / "reading" / risk_words.THREAD_WEIGHTS_FILE
    assert threads.read_text("utf-8") == learner.learned_thread_text(), (
        "edit of the corpus: run `make learn`"
    )
    for name in learner.THREAD_SETS:
        assert "held_out" not in name
        assert name not in learner.LEARNED_TOO  # the first reader's are its own
        assert learner.learned_cases(learner.CORPUS / name)
    assert risk_words.shipped(risk_words.THREAD_WEIGHTS_FILE) != risk_words.shipped()


def test_no_held_out_set_is_ever_learned_from() -> None:
    """Every set the learner reads beside the first-mail corpus exists, and
    none is, or sits under, a `held_out` folder: those say how well the
    reading carries to writers it never saw."""
    learner = _learner()
    for pattern in learner.LEARNED_TOO:
        paths = sorted(learner.CORPUS.glob(pattern))
        assert paths, pattern
        for path in paths:
            assert "held_out" not in path.relative_to(learner.CORPUS).parts, path


def test_learning_is_deterministic_and_separates_what_it_was_taught() -> None:
    mails = [
        ("the lighthouse at night, the lighthouse again", True),
        ("a lighthouse by the sea tonight", True),
        ("the lighthouse is where I will go", True),
        ("please book a call for anxiety", False),
        ("could we book a call next week", False),
        ("book a free call please", False),
    ]
    first, again = risk_words.learn(mails), risk_words.learn(list(reversed(mails)))
    assert risk_words.dump(first, "") == risk_words.dump(risk_words.learn(mails), "")
    assert first.words["lighthouse"] > 0 > first.words["book"]
    assert risk_words.heavy("the lighthouse", first)
    assert not risk_words.heavy("book a call", first)
    # The order of the mails given moves the figures a little, not their sense.
    assert again.words["lighthouse"] > 0 > again.words["book"]


def test_learning_needs_both_kinds_of_mail() -> None:
    with pytest.raises(ValueError, match="crises and other mail"):
        risk_words.learn([("a", False), ("b", False)])


def test_the_weights_file_reads_back_as_written() -> None:
    weights = risk_words.Weights(-1.25, {"bias": 0.5, "i don't": -0.25, "a": 1.0})
    text = risk_words.dump(weights, "a header\nof two lines")
    assert text.startswith("# a header\n# of two lines\n(bias)\t-1.2500\n")
    # A word "bias" is a word like any other; the constant has its own name.
    assert risk_words.parse(text) == weights
    with pytest.raises(ValueError, match=r"risk_words\.tsv:2: no tab"):
        risk_words.parse("# c\nno tab here\n")


@pytest.mark.parametrize(
    ("careful", "hurried"),
    [
        ("I don't know, I'm tired", "i dont know im tired"),
        ("I can\u2019t, I won\u2019t", "I CANT. I WONT"),
        ("That's what I've got", "thats what ive got"),
    ],
)
def test_how_carefully_someone_types_weighs_nothing(careful: str, hurried: str) -> None:
    assert risk_words.features(careful) == risk_words.features(hurried)
    assert risk_words.chance(careful) == risk_words.chance(hurried)


def test_words_and_neighbouring_pairs_are_read_within_the_screens_bound() -> None:
    assert risk_words.features("Last night, again") == {
        "last", "night", "again", "last night", "night again",
    }  # fmt: skip
    # A mail past the phrase book's bound is read no further (hostile mail).
    endless = "word " * 100_000
    found = risk_words.features(endless + "lighthouse")
    assert "lighthouse" not in found
    assert len(found) <= 4  # "word", "word word", and the cut one: "wor"
    assert 0.0 < risk_words.chance(endless) < 1.0


# -- where classify_new listens to it ------------------------------------------------


def _mail(text: str, **fields: object) -> InboundMail:
    base = InboundMail(
        message_id="<abc@example.org>",
        subject="Enquiry",
        from_addr="jordan@example.org",
        from_name="Jordan Lee",
        to=("hello@riverside.example",),
        text=text,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.fixture
def lighthouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(risk_words, "shipped", lambda: HEAVY)


def test_a_short_crisis_is_weighed_by_its_words_alone() -> None:
    """One word may be all a crisis says, or all it says in English: it is
    weighed by what the reader knows, never dropped for being few (two
    guards that did so silenced "goodbye", and a German mail's "goodbye").
    The cost: a flight log's one known word weighs alone too (docs/reading.md)."""
    reader = risk_words.Weights(-1.0, {"goodbye": 3.0, "lonely": 1.0})
    alone = 1 / (1 + math.exp(1.0 - 3.0))
    assert risk_words.chance("goodbye", reader) == pytest.approx(alone)
    german = "Guten Tag, meine Frau hat mich verlassen und ich kann nicht mehr. goodbye"
    assert risk_words.chance(german, reader) == pytest.approx(alone)
    assert risk_words.heavy(german, reader)


@pytest.mark.usefixtures("lighthouse")
@pytest.mark.parametrize(
    "text",
    [
        REQUEST + "\n\nPS the lighthouse",  # a request: no times until read
        "Just writing to say thank you. The lighthouse.",  # asks for nothing
    ],
)
def test_heavy_words_without_a_phrase_go_to_the_therapist_first(text: str) -> None:
    found = classify_new(_mail(text), POLICY, contacts=frozenset(), owned_thread=False)
    # Kept as possible risk: a later plain request is answered with an alert
    # and its pick waits for the therapist (test_reading_life).
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.ASK,
        "risk-words",
        "possible",
    )
    assert found.person is not None
    assert found.person.email == "jordan@example.org"


@pytest.mark.usefixtures("lighthouse")
def test_the_phrases_still_decide_where_they_see_risk() -> None:
    """A clear risk keeps its safety message, a possible one its times and
    alert; the risk words never take a risk the phrases saw down to a note."""
    clear = _mail(REQUEST + "\nI want to kill myself. The lighthouse.")
    found = classify_new(clear, POLICY, contacts=frozenset(), owned_thread=False)
    assert (found.verdict, found.risk) == (Verdict.REQUEST, "clear")
    possible = _mail(
        REQUEST + "\nI self-harmed as a teenager, years ago. The lighthouse."
    )
    found = classify_new(possible, POLICY, contacts=frozenset(), owned_thread=False)
    assert (found.verdict, found.risk) == (Verdict.REQUEST, "possible")


@pytest.mark.usefixtures("lighthouse")
@pytest.mark.parametrize(
    "sentence",
    [
        "I've written letters to my parents.",  # one goodbye
        "By the time you reply I won't be around.",  # one goodbye
    ],
)
def test_an_ordinary_sentence_alone_does_not_stop_the_words_being_weighed(
    sentence: str,
) -> None:
    """Possible risk that is an ordinary sentence on its own never pre-empts
    the hold: with heavy words the therapist reads the mail first, as with
    no phrase at all; without them, times go with an alert as before."""
    heavy = _mail(f"{REQUEST}\n{sentence} The lighthouse.")
    found = classify_new(heavy, POLICY, contacts=frozenset(), owned_thread=False)
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.ASK,
        "risk-words",
        "possible",
    )
    plain = _mail(f"{REQUEST}\n{sentence}")
    found = classify_new(plain, POLICY, contacts=frozenset(), owned_thread=False)
    assert (found.verdict, found.risk) == (Verdict.REQUEST, "possible")


@pytest.mark.usefixtures("lighthouse")
def test_clients_professionals_and_circulars_are_left_as_before() -> None:
    text = "Just writing to say thank you. The lighthouse."
    client = classify_new(
        _mail(text),
        POLICY,
        contacts=frozenset({"jordan@example.org"}),
        owned_thread=False,
    )
    assert (client.verdict, client.reason) == (Verdict.IGNORE, "existing-contact")
    referral = classify_new(
        _mail(
            "Dear colleague, I am writing to refer my patient, whom I saw in"
            " clinic today, for counselling. Please find attached the referral"
            " letter. Kind regards, Dr Ahmed, GP. The lighthouse."
        ),
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )
    # Never the risk words' own note (the safety message to a GP); since
    # stop 57, a professional's mail of a patient in their care that they
    # weigh heavy is the therapist's note about someone in their care, and
    # nothing goes to the writer (`care-weighed`).
    assert (referral.verdict, referral.reason) == (Verdict.ASK, "care-weighed")
    circular = classify_new(
        _mail(text, to=tuple(f"p{n}@example.org" for n in range(5))),
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )
    assert circular.reason != "risk-words"


@pytest.mark.usefixtures("lighthouse")
@pytest.mark.parametrize("greeting", ["Dear all,", "Hi all,", "Hi everyone"])
def test_one_clue_of_a_colleague_does_not_stop_the_words_being_weighed(
    greeting: str,
) -> None:
    """A crisis written "Dear all" (older people write so to a practice) was
    read as a colleague's and left with nobody told (blind19's b19-c-108): one
    clue of a professional or of personal mail no longer spares a mail the
    risk words; two still do (below), as a colleague's circular has."""
    found = classify_new(
        _mail(f"{greeting}\nCould someone ring me? The lighthouse."),
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )
    assert (found.verdict, found.reason) == (Verdict.ASK, "risk-words")
    colleague = classify_new(
        _mail(
            f"{greeting}\nOur peer supervision group meets on Friday."
            " The CPD workshop is full. The lighthouse."
        ),
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )
    assert colleague.verdict is Verdict.IGNORE


def test_an_ordinary_request_is_not_heavy() -> None:
    assert not risk_words.heavy(f"Enquiry\n{REQUEST}")
    found = classify_new(
        _mail(REQUEST), POLICY, contacts=frozenset(), owned_thread=False
    )
    assert (found.verdict, found.reason) == (Verdict.REQUEST, "request")


# -- closings, and the file's shape -------------------------------------------------


@pytest.mark.parametrize(
    "closing",
    [
        "\n\nKind regards,",
        "\n\nMany thanks in advance\nBest wishes\nx",
        "\n\nthanks\n\nSent from my iPhone",
        "\n\nCheers",
        "\n\nYours sincerely,",
        "\n\nGet Outlook for iOS",
        "\n\nEmail: jo@example.org | Tel: 07700 900123\nwww.example.org",
    ],
)
def test_a_closing_weighs_nothing(closing: str) -> None:
    text = "i dont think i can keep doing this, everything is too much lately"
    assert risk_words.features(text + closing) == risk_words.features(text)


@pytest.mark.parametrize(
    ("closing", "gone"),
    [
        ("\n\nKind regards,\nHelen", {"kind", "regards", "kind regards"}),
        ("\n\nCheers Dan\nSent from my iPhone", {"cheers", "sent", "iphone"}),
        (
            "\n\nYours sincerely,\n\nDr A. Patel\n07700 900123",
            {"yours", "sincerely", "yours sincerely"},
        ),
    ],
)
def test_a_signature_stays_but_its_sign_off_is_not_read(
    closing: str, gone: set[str]
) -> None:
    # The signature is read (taught to weigh little, bench/learn_risk.py);
    # only the courtesy is left out.
    text = "i dont think i can keep doing this, everything is too much lately"
    found = risk_words.features(text + closing)
    assert found.isdisjoint(gone)
    assert found >= risk_words.features(text)


@pytest.mark.parametrize(
    "text",
    [
        "hi\nthanks,\njordan\n\nps i have been thinking about the lighthouse",
        "i am fine really\ntake care\nlove always",
        "hi\nthank you for everything",
        "hi\nThanks\nI'm so sorry\nI won't be here\nit ends tonight",
        "hi\nKind regards\nhe hits us",
        "hi\nThanks\nnobody cares",
        "hi\nKind regards,\nGoodnight forever",
        "hi\nthanks\nhe's coming back",
        "hi\nmy news\nSent from the bridge, I'm sorry for everything",
        "hi\nthanks, bye",
    ],
)
def test_a_ps_or_a_goodbye_after_the_last_words_is_still_read(text: str) -> None:
    last = text.splitlines()[-1].split()[-1].strip(",.")
    assert last in risk_words.features(text)


def test_the_subject_is_never_cut() -> None:
    # classify weighs "subject\ntext": a subject "Thanks" is the mail's own word.
    assert "thanks" in risk_words.features("Thanks\nit is all too much")


def test_a_weights_file_without_its_constant_is_refused() -> None:
    with pytest.raises(ValueError, match="bias"):
        risk_words.parse("word\t1.0\n")


def test_a_long_line_is_never_read_as_a_sign_off() -> None:
    # A hostile "thanks xxxx...": not a closing (nor matched as one, at length).
    text = "hi\ni need to talk\nthanks " + "x" * 32_000 + "!a"
    assert "thanks" in risk_words.features(text)


def test_the_closings_it_is_tested_with_were_never_taught() -> None:
    # `--cv` and the five-fold test put other closings on each crisis than the
    # signatures learning teaches: no word read in common but "dr" and a kiss.
    learner = _learner()
    taught = set().union(*(risk_words.features(c) for c in learner.TAUGHT_CLOSINGS))
    tested = set().union(*(risk_words.features(c) for c in learner.SIGN_OFFS))
    assert taught & tested <= {"dr", "x"}
