"""A question beside a pick, and the therapist's words after a yes.

"Option 2 please. What's your cancellation policy?" picks a time and asks
something only a person can answer. With `approval = "auto"` the time used
to be booked at once and the question read by nobody; now the pick waits
for the therapist, whose approval request says they asked. A yes's words
("yes - tell her: ...") are never passed on: three strict reviews broke
every rule that tried to tell a kind line from a private or deciding one.
Before, they were dropped without a word; now the therapist is told.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from support import NOW, answer, plain, request, run, write_config
from test_reading_life import _offer, kinds, mails

from mailflow.deciding import decide, workflow
from mailflow.deciding.workflow import Facts
from mailflow.model import (
    Decision,
    InboundMail,
    PersonReply,
    ReplyKind,
    Slot,
    State,
    TherapistReply,
)
from mailflow.reading import answer as answering
from mailflow.reading import reply, therapist
from mailflow.shell.conversation import Conversation
from mailflow.shell.store import Store

# -- reading: which words ask something beside the pick --------------------------

ASKS = [
    "Option 2 please. What's your cancellation policy?",
    "2 please. Do I need to prepare anything?",
    "Option 1. Will you ring me or should I ring you?",
    "number 3 pls!! how much are sessions after the first call?",
    "I'll take 2. Is it ok if my partner sits in with me?",
    "Option 2 please\n\nAlso, do you work with teenagers? It's for my son really.",
    "2 is good for me. quick q - do you take insurance?",
    "Option 3, thank you. Are you on the BACP register?",
    "1 please. Where are you based?",
    "The second one please. Is the call confidential?",
    "2 please. You will call me, not my husband's phone?",
    "2 please. Could you let me know if you do EMDR?",
    "Option 2 please. Is it ok if I'm on medication?",
    "Option 1. Do you see people under 18?",
    "3. How much are sessions after the first one?",
    "1. What happens if I need to cancel on the day?",
    "2 please. I'm 17, is that a problem?",
    "2 please. Can my 16yo join?",
    "Option 2. Will it be you or one of your colleagues?",
    "2 please. Is it 50 mins or an hour each time?",
]
ASKS_NOTHING = [
    "2 please",
    "Option 2 please.",
    "Number 3 please, is that ok?",
    "I'll take 2. Hope that's ok?",
    "Could I do option 2?",
    "Is 2 still free?",
    "Can I have the Thursday one?",
    "Thursday at 1 please! How are you?",
    "2 please. Does that work?",
    "Option 1 - is that 1pm your time or mine?",
    "1 please\n\nOn Tue, 23 Mar 2027, Sam wrote:\n> Any questions at all?\n> Sam",
    "3 please - sounds good?",
    # Only checking, thanking or being polite: nothing for a person to answer.
    "2 please. Does that suit?",
    "2 please, is that still free?",
    "2 please. Can you confirm?",
    "3 please. Will I get an invite?",
    "1 please. Is it you who will call?",
    "1 please. You'll ring me right?",
    "Sorry for the late reply, is that ok? Option 2.",
    "Option 1 - realise it's short notice, hope that's alright?",
    "Option 1. Hope you had a nice weekend?",
    "2 Thank you?",
    "Option 1 please. Hope you had a good Easter?",
    "option 2 pls. hope this email finds you well?",
    "Option 2 please. Is that OK with you?",
    "2 please. Will you send me a reminder?",
    "Option 2 please. Hope I've done this right?",
]


@pytest.mark.parametrize("words", ASKS)
def test_a_question_beside_a_pick_is_heard(words: str) -> None:
    assert reply.asks_beside(words)


@pytest.mark.parametrize("words", ASKS_NOTHING)
def test_a_pick_that_asks_nothing_to_answer_is_only_a_pick(words: str) -> None:
    assert not reply.asks_beside(words)


# -- deciding --------------------------------------------------------------------


def _slot(hour: int) -> Slot:
    start = datetime(2026, 12, 1, hour, tzinfo=UTC)
    return Slot(start, start + timedelta(minutes=15))


A, B = _slot(10), _slot(14)
AUTO = Facts(approval="auto", offered=(A, B), free=frozenset((A, B)))
PICK_ASKING = PersonReply(ReplyKind.PICK, choice=1, asks=True)


def test_under_automatic_approval_a_pick_with_a_question_waits() -> None:
    done = workflow.on_person_reply(State.OFFERED, PICK_ASKING, AUTO)
    assert done.state is State.HELD
    assert workflow.AskApproval(A, asks=True) in done.commands
    assert workflow.ThankForPick(A, asks=True) in done.commands  # "I've seen..."
    assert not any(isinstance(c, workflow.Book) for c in done.commands)
    # Without the question, booked at once as ever.
    plain_pick = replace(PICK_ASKING, asks=False)
    assert workflow.on_person_reply(State.OFFERED, plain_pick, AUTO).state is (
        State.BOOKED
    )
    holding = replace(AUTO, approval="therapist")
    thanked = workflow.on_person_reply(State.OFFERED, plain_pick, holding)
    assert workflow.ThankForPick(A, asks=False) in thanked.commands


def test_the_same_pick_again_with_a_question_reaches_the_therapist() -> None:
    holding = replace(AUTO, approval="therapist", held=A)
    done = workflow.on_person_reply(State.HELD, PICK_ASKING, holding)
    assert done.state is State.HELD
    assert workflow.AlertTherapist("pick-asks") in done.commands
    quiet = workflow.on_person_reply(
        State.HELD, replace(PICK_ASKING, asks=False), holding
    )
    assert quiet.outcome == "same-pick"


def test_a_pick_with_a_question_waits_even_for_a_time_the_therapist_proposed() -> None:
    proposed = replace(AUTO, approval="therapist", preapproved=A)
    done = workflow.on_person_reply(State.OFFERED, PICK_ASKING, proposed)
    assert done.state is State.HELD
    assert workflow.AskApproval(A, asks=True) in done.commands


def test_a_move_picked_with_a_question_tells_the_therapist() -> None:
    moving = replace(AUTO, approval="therapist")
    done = workflow.on_person_reply(State.RESCHEDULING, PICK_ASKING, moving)
    assert workflow.AskToMove(A) in done.commands
    assert workflow.AlertTherapist("pick-asks") in done.commands
    assert workflow.ThankForPick(A, asks=True) in done.commands
    quiet = workflow.on_person_reply(
        State.RESCHEDULING, replace(PICK_ASKING, asks=False), moving
    )
    assert not any(isinstance(c, workflow.AlertTherapist) for c in quiet.commands)
    assert workflow.ThankForPick(A, asks=False) in quiet.commands


# -- once a question has reached the therapist, every pick waits for them ------------

# A question beside a pick has reached the therapist (`Facts.asked`); then a
# plain pick of another time, from times on offer (after a taken or unclear
# pick, or "none of these") or while the first pick is held.
ASKED = replace(AUTO, asked=True)
PLAIN_B = PersonReply(ReplyKind.PICK, choice=2)


@pytest.mark.parametrize(
    ("state", "facts"),
    [(State.OFFERED, ASKED), (State.HELD, replace(ASKED, held=A))],
)
def test_after_a_question_reached_the_therapist_a_plain_pick_waits_too(
    state: State, facts: Facts
) -> None:
    done = workflow.on_person_reply(state, PLAIN_B, facts)
    assert done.state is State.HELD
    assert done.outcome == "held"
    # The approval request says what is true of this pick: no question beside it.
    assert workflow.AskApproval(B, asks=False) in done.commands
    assert workflow.Hold(B) in done.commands
    assert workflow.ThankForPick(B) in done.commands
    assert (workflow.Release() in done.commands) is (state is State.HELD)
    assert not any(
        isinstance(c, workflow.Book | workflow.Confirm) for c in done.commands
    )


@pytest.mark.parametrize(
    ("state", "facts"),
    [(State.OFFERED, AUTO), (State.HELD, replace(AUTO, held=A))],
)
def test_without_a_question_told_a_plain_pick_is_booked_at_once_as_ever(
    state: State, facts: Facts
) -> None:
    done = workflow.on_person_reply(state, PLAIN_B, facts)
    assert done.state is State.BOOKED
    assert workflow.Book(B) in done.commands
    assert workflow.Confirm(B) in done.commands
    assert not any(isinstance(c, workflow.AskApproval) for c in done.commands)


def test_after_a_question_a_time_the_therapist_proposed_still_books_at_once() -> None:
    """They proposed it after reading the question: their yes is given."""
    proposed = replace(ASKED, offered=(B,), free=frozenset({B}), preapproved=B)
    one = PersonReply(ReplyKind.PICK, choice=1)
    done = workflow.on_person_reply(State.OFFERED, one, proposed)
    assert done.state is State.BOOKED
    assert done.commands == (workflow.Book(B), workflow.Confirm(B))


def test_after_a_question_a_move_waits_for_the_therapist_too() -> None:
    done = workflow.on_person_reply(State.RESCHEDULING, PLAIN_B, ASKED)
    assert done.state is State.BOOKED
    assert done.outcome == "move-asked"
    assert workflow.AskToMove(B) in done.commands
    assert workflow.ThankForPick(B) in done.commands
    assert not any(
        isinstance(c, workflow.Move | workflow.Confirm) for c in done.commands
    )
    # No question beside this pick: nothing more to alert about.
    assert not any(isinstance(c, workflow.AlertTherapist) for c in done.commands)
    # Without a question told, moved at once as ever.
    moved = workflow.on_person_reply(State.RESCHEDULING, PLAIN_B, AUTO)
    assert moved.commands == (workflow.Move(B), workflow.Confirm(B))


def test_with_the_therapist_approving_every_pick_nothing_changes() -> None:
    waiting = replace(AUTO, approval="therapist")
    for state in (State.OFFERED, State.RESCHEDULING):
        assert workflow.on_person_reply(
            state, PLAIN_B, waiting
        ) == workflow.on_person_reply(state, PLAIN_B, replace(waiting, asked=True))


# -- a question beside a pick that holds nothing ------------------------------------

# Where the pick stood: times on offer, a time held for the therapist, a move.
WHERE = [
    (State.OFFERED, AUTO),
    (State.OFFERED, replace(AUTO, approval="therapist")),
    (State.HELD, replace(AUTO, held=B)),
    (State.HELD, replace(AUTO, approval="therapist", held=B)),
    (State.RESCHEDULING, AUTO),
    (State.RESCHEDULING, replace(AUTO, approval="therapist")),
]


@pytest.mark.parametrize(("state", "facts"), WHERE)
def test_a_question_beside_a_pick_taken_meanwhile_reaches_the_therapist(
    state: State, facts: Facts
) -> None:
    taken = replace(facts, free=facts.free - {A})
    done = workflow.on_person_reply(state, PICK_ASKING, taken)
    assert done.outcome == "taken"
    assert workflow.Offer(workflow.OfferReason.TAKEN) in done.commands
    # Nothing is held for the therapist to read the question with: an alert
    # that says so (not "pick-asks", whose time waits for their approval).
    assert workflow.AlertTherapist("pick-asks-taken") in done.commands
    assert workflow.AlertTherapist("pick-asks") not in done.commands
    assert not any(
        isinstance(c, workflow.Hold | workflow.AskApproval | workflow.Book)
        for c in done.commands
    )
    # Without the question, fresh times alone, as ever.
    plain_pick = replace(PICK_ASKING, asks=False)
    quiet = workflow.on_person_reply(state, plain_pick, taken)
    assert quiet.outcome == "taken"
    assert not any(isinstance(c, workflow.AlertTherapist) for c in quiet.commands)


UNCLEAR_ASKING = [
    replace(PICK_ASKING, choice=0),
    replace(PICK_ASKING, choice=3),  # two times were offered
    replace(PICK_ASKING, choice=-1),
    replace(PICK_ASKING, choice=None),  # "yes, one of those. Do you ...?"
    # A pick written under a list since replaced: made unclear by the shell,
    # its question kept.
    replace(PICK_ASKING, kind=ReplyKind.UNCLEAR, choice=None),
]


@pytest.mark.parametrize(("state", "facts"), WHERE)
@pytest.mark.parametrize("said", UNCLEAR_ASKING)
def test_a_question_beside_a_pick_that_cannot_be_placed_reaches_the_therapist(
    state: State, facts: Facts, said: PersonReply
) -> None:
    done = workflow.on_person_reply(state, said, facts)
    assert done.outcome == "clarify"
    assert workflow.Clarify() in done.commands
    assert workflow.AlertTherapist("pick-asks-unclear") in done.commands
    assert not any(
        isinstance(c, workflow.Hold | workflow.AskApproval | workflow.Book)
        for c in done.commands
    )
    quiet = workflow.on_person_reply(state, replace(said, asks=False), facts)
    assert quiet.commands == (workflow.Clarify(),)


@pytest.mark.parametrize(("state", "facts"), WHERE)
@pytest.mark.parametrize("said", UNCLEAR_ASKING)
def test_asked_once_already_the_therapist_reads_the_whole_reply(
    state: State, facts: Facts, said: PersonReply
) -> None:
    """No second question: one alert hands them the reply, question and all
    (marked, so the enquiry remembers a question reached them)."""
    done = workflow.on_person_reply(state, said, replace(facts, clarified=True))
    assert done.commands == (workflow.AlertTherapist("unclear-reply", asks=True),)
    quiet = workflow.on_person_reply(
        state, replace(said, asks=False), replace(facts, clarified=True)
    )
    assert quiet.commands == (workflow.AlertTherapist("unclear-reply"),)


WITH_WORDS = [
    "Yes - tell her: you don't need to prepare anything",
    "yes. tell him: bring nothing, just yourself",
    "Yes - tell her: you'll be fine. Note for file: suicidal thoughts last month.",
    "Yes - tell them: you're welcome.\nDon't leave a voicemail - DV situation.",
    "Yes - tell her: you're booked in (sounds like complex grief, assess on call)",
    "Yes - tell him: you may bump into Tom Reed, you two used to work together",
]


@pytest.mark.parametrize("words", WITH_WORDS)
def test_a_yes_with_words_books_and_never_passes_them_on(words: str) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision is Decision.APPROVE
    assert said.note == ""
    assert said.words_unsent
    holding = replace(AUTO, approval="therapist", held=A)
    done = workflow.on_therapist_reply(State.HELD, said, holding)
    assert done.state is State.BOOKED
    assert workflow.Confirm(A) in done.commands
    assert workflow.AlertTherapist("words-unsent") in done.commands


@pytest.mark.parametrize("words", ["Yes please", "Yes, let me know if it changes"])
def test_a_plain_yes_tells_the_therapist_nothing_more(words: str) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert not said.words_unsent
    done = workflow.on_therapist_reply(
        State.HELD, said, replace(AUTO, approval="therapist", held=A)
    )
    assert not any(isinstance(c, workflow.AlertTherapist) for c in done.commands)


def test_a_yes_with_words_to_a_move_tells_the_therapist_too() -> None:
    booked = replace(AUTO, approval="therapist", counter=B)
    said = therapist.read_therapist_reply(
        "Yes - tell them: see you then", today=date(2026, 11, 28)
    )
    done = workflow.on_therapist_reply(State.BOOKED, said, booked)
    assert workflow.Confirm(B) in done.commands
    assert workflow.AlertTherapist("words-unsent") in done.commands


@pytest.mark.parametrize(
    ("words", "decision"),
    [
        # What the whole reply decides stands, as it always did.
        ("Yes - tell her: I can't do 2pm, but 3pm works", "propose"),
        ("Yes - tell her: you're welcome.\nThanks\nor 3pm?", "propose"),
        ("Ok - tell her: you did not answer when I called, happy to rebook", "no-show"),
        ("Yes - tell her: you're booked, but let me get back to you", "unclear"),
    ],
)
def test_words_after_tell_her_never_take_a_decision_away(
    words: str, decision: str
) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision.value == decision
    assert said.note == ""


@pytest.mark.parametrize(
    ("words", "note"),
    [
        ("No - please tell her: I only work with adults", "I only work with adults"),
        (
            "No, can't do it, tell her: I'm away that week",
            "I'm away that week",
        ),
        (
            "No - please tell her: I'm fully booked until January, but she is"
            " welcome to write again.",
            "I'm fully booked until January, but she is welcome to write again.",
        ),
        ("No - but don't tell them: I find working with men like this draining", ""),
        ("No - on no account tell her: she was my client's sister", ""),
    ],
)
def test_a_nos_words_go_unless_said_against(words: str, note: str) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision is Decision.DECLINE
    assert said.note == note


@pytest.mark.parametrize(
    "words",
    [
        "Yes - tell her I look forward to speaking with her",
        "Yes. Let her know: you needn't prepare anything",
        "Yes. Tell Jo: see you then",
        "Yes, and please say to him: welcome",
    ],
)
def test_every_way_of_giving_a_yes_words_tells_the_therapist(words: str) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision is Decision.APPROVE
    assert said.words_unsent


def test_a_yes_with_words_for_a_time_since_taken_tells_the_therapist_too() -> None:
    said = therapist.read_therapist_reply(
        "Yes - tell her: you needn't prepare", today=date(2026, 11, 28)
    )
    taken = replace(AUTO, approval="therapist", held=A, free=frozenset({B}))
    done = workflow.on_therapist_reply(State.HELD, said, taken)
    assert done.outcome == "approved-but-taken"
    assert workflow.AlertTherapist("words-unsent") in done.commands


# -- a question beside a late pick: after the end, or once the call's time came -----

ENDED = [
    # their own withdrawal (or cancel), an expiry, the therapist's cancel
    (State.CLOSED, Facts(approval="auto", reopenable=True, invited_back=True)),
    (State.CLOSED, Facts(approval="auto", reopenable=True)),
    (State.CANCELLED, Facts(approval="therapist", reopenable=True, invited_back=True)),
    (
        State.CANCELLED,
        Facts(
            approval="auto",
            reopenable=True,
            invited_back=True,
            therapist_cancelled=True,
        ),
    ),
]


@pytest.mark.parametrize(("state", "facts"), ENDED)
def test_a_question_beside_a_pick_that_reopens_reaches_the_therapist(
    state: State, facts: Facts
) -> None:
    done = workflow.on_person_reply(state, PICK_ASKING, facts)
    assert done.state is State.OFFERED
    assert done.outcome == "reopened"
    assert done.commands == (
        workflow.Offer(workflow.OfferReason.REOPEN),
        workflow.AlertTherapist("pick-asks-reopen"),
    )
    # Remembered: every later pick waits for the therapist, who read it.
    assert decide.question_reached_therapist(done)
    # Without the question, fresh times alone, as ever.
    quiet = workflow.on_person_reply(state, replace(PICK_ASKING, asks=False), facts)
    assert quiet.commands == (workflow.Offer(workflow.OfferReason.REOPEN),)
    assert not decide.question_reached_therapist(quiet)


def test_a_question_beside_a_move_picked_once_the_call_began_reaches_the_therapist() -> (
    None
):
    started = replace(AUTO, call_started=True)
    done = workflow.on_person_reply(State.RESCHEDULING, PICK_ASKING, started)
    # The call stands, the fresh times lapse: nothing moved or asked.
    assert done.state is State.BOOKED
    assert done.commands == (workflow.AlertTherapist("pick-asks-started"),)
    assert decide.question_reached_therapist(done)
    # Without a question the therapist is told all the same (they may think
    # their call moved), and no question is counted.
    quiet = workflow.on_person_reply(
        State.RESCHEDULING, replace(PICK_ASKING, asks=False), started
    )
    assert quiet.state is State.BOOKED
    assert quiet.commands == (workflow.AlertTherapist("pick-started"),)
    assert not decide.question_reached_therapist(quiet)


def test_a_pick_with_a_question_while_booked_is_handed_to_the_therapist() -> None:
    """Once booked, the booked reader decides: a number and a question is
    neither keeping, cancelling nor moving, so the therapist reads it."""
    booked = _slot(10)
    said = answering.read_person_answer(
        State.BOOKED,
        "Option 2 please. What's your cancellation policy?",
        offered=(A, B),
        zones=[UTC],
        region="GB",
        today=date(2026, 11, 28),
        booked=booked,
    )
    assert said.kind is ReplyKind.UNCLEAR
    done = workflow.on_person_reply(State.BOOKED, said, AUTO)
    assert done.commands == (workflow.AlertTherapist("booked-unclear"),)
    # A pick the booked reader never gives is handed over too, question and all.
    odd = workflow.on_person_reply(State.BOOKED, PICK_ASKING, AUTO)
    assert odd.commands == (workflow.AlertTherapist("booked-unclear", asks=True),)
    assert decide.question_reached_therapist(odd)


# -- the therapist's answer to a request since asked again -------------------------

HELD_B = replace(AUTO, approval="therapist", held=B)
MOVING_B = replace(AUTO, approval="therapist", counter=B)
TODAY = date(2026, 11, 28)
DECIDING = [
    ("Yes", Decision.APPROVE),
    ("No, sorry, I can't do that one.", Decision.DECLINE),
    ("Could we do Thursday at 2 instead?", Decision.PROPOSE),
    ("I'll write to them myself.", Decision.PRIVATE),
]


@pytest.mark.parametrize(("words", "decision"), DECIDING)
def test_a_decision_is_read_whole_where_the_thread_reads_only_a_cancel(
    words: str, decision: Decision
) -> None:
    """Outside the current request's thread the reader leaves a yes alone
    (None): read whole, it decides, and the shell knows what was dropped."""
    whole = answering.read_therapist_answer(State.HELD, words, today=TODAY)
    assert whole is not None
    assert whole.decision is decision
    assert (
        answering.read_therapist_answer(
            State.HELD, words, today=TODAY, booking_only=True
        )
        is None
    )
    # ... and never dropped without a word while a newer request waits.
    told = workflow.on_superseded_answer(State.HELD, whole, HELD_B)
    assert told.commands == (workflow.AlertTherapist("approval-superseded"),)


@pytest.mark.parametrize(
    ("state", "facts", "reason"),
    [
        (State.HELD, HELD_B, "approval-superseded"),
        (State.BOOKED, MOVING_B, "move-superseded"),
    ],
)
@pytest.mark.parametrize(
    "decision",
    [Decision.APPROVE, Decision.DECLINE, Decision.PROPOSE, Decision.PRIVATE],
)
def test_a_decision_on_a_request_since_asked_again_is_told_never_acted_on(
    state: State, facts: Facts, reason: str, decision: Decision
) -> None:
    said = TherapistReply(decision, note="I'm away that week")
    done = workflow.on_superseded_answer(state, said, replace(facts, proposed=A))
    assert done.state is state
    assert done.commands == (workflow.AlertTherapist(reason),)
    assert done.outcome == reason
    assert not decide.question_reached_therapist(done)


@pytest.mark.parametrize("decision", [*Decision])
@pytest.mark.parametrize(
    ("state", "facts"),
    [
        # Nothing newer waits: "answer the newest request" would be untrue.
        (State.OFFERED, AUTO),
        (State.HELD, AUTO),  # the shell found no hold
        (State.BOOKED, replace(AUTO, approval="therapist")),
        (State.RESCHEDULING, MOVING_B),
        (State.STOOD_DOWN, HELD_B),
        (State.CLOSED, HELD_B),
        (State.ESCALATED, MOVING_B),
    ],
)
def test_nothing_is_told_where_no_newer_request_waits(
    state: State, facts: Facts, decision: Decision
) -> None:
    done = workflow.on_superseded_answer(state, TherapistReply(decision), facts)
    assert done == workflow.Transition(state, (), "therapist-not-approval")


@pytest.mark.parametrize(
    "decision",
    [Decision.CANCEL, Decision.NO_SHOW, Decision.OFFER, Decision.UNCLEAR],
)
@pytest.mark.parametrize(
    ("state", "facts"), [(State.HELD, HELD_B), (State.BOOKED, MOVING_B)]
)
def test_an_answer_that_decides_nothing_there_is_not_told(
    state: State, facts: Facts, decision: Decision
) -> None:
    """Unclear words stay the therapist's own (as any reply outside the
    request's thread); a cancel or a no-show never gets here: the reader
    gives it in any thread of theirs, and it is carried out as ever."""
    done = workflow.on_superseded_answer(state, TherapistReply(decision), facts)
    assert done.commands == ()


class _Letters:
    """The tokens of each round's request, as `Letters` derives them."""

    def approval_id(self, enquiry_id: int, round_: int) -> str:
        return f"<mailflow.approval-{enquiry_id}-{round_}@practice.example>"

    def approval_ref(self, enquiry_id: int, round_: int) -> str:
        return f"{enquiry_id:08x}{round_:08x}"


@pytest.mark.parametrize(
    ("in_reply_to", "references", "subject", "earlier"),
    [
        (_Letters().approval_id(7, 1), (), "Re: Please approve", True),
        (None, ("<other@x>", _Letters().approval_id(7, 2)), "Re: hi", True),
        (
            None,
            (),
            f"Re: Please approve: Jo [ref {_Letters().approval_ref(7, 2)}]",
            True,
        ),
        # The current request (round 3) is not an earlier one, nor another's.
        (_Letters().approval_id(7, 3), (), "Re: Please approve", False),
        (None, (), f"Re: Please approve [ref {_Letters().approval_ref(7, 3)}]", False),
        (_Letters().approval_id(8, 1), (), "Re: Please approve", False),
        (None, ("<other@x>",), "Re: Please approve", False),
    ],
)
def test_an_earlier_request_is_known_by_its_thread_or_its_ref(
    in_reply_to: str | None, references: tuple[str, ...], subject: str, earlier: bool
) -> None:
    conversation = Conversation.__new__(Conversation)
    conversation.letters = _Letters()  # type: ignore[assignment]
    mail = InboundMail(
        message_id="<reply@client.example>",
        subject=subject,
        from_addr="sam@practice.example",
        from_name="Sam",
        in_reply_to=in_reply_to,
        references=references,
    )
    enquiry = SimpleNamespace(id=7, approval_round=3)
    assert conversation._answers_an_earlier_request(enquiry, mail) is earlier  # type: ignore[arg-type]
    # With one round only, there is no earlier one.
    first = SimpleNamespace(id=7, approval_round=1)
    assert not conversation._answers_an_earlier_request(first, mail)  # type: ignore[arg-type]


# -- over the wire ------------------------------------------------------------------


@pytest.fixture
def auto(tmp_path, mail_server, mailboxes):
    extra = '[workflow]\napproval = "auto"\n'
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes, extra)


def test_a_question_beside_a_pick_reaches_the_therapist(auto) -> None:
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = "Option 2 please. What's your cancellation policy?"
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    # Held, not booked: the therapist reads the question; the person is told
    # it was seen, and who will answer it.
    assert "confirmation" not in kinds(server, boxes.person)
    (held,) = mails(server, boxes.person, "held")
    assert "and I'll confirm it shortly. I'll answer your question personally." in (
        " ".join(plain(held).split())
    )
    (approval,) = mails(server, boxes.therapist, "approval_request")
    said = " ".join(plain(approval).split())
    assert "They asked something as well, below, which mailflow will not answer." in (
        said
    )
    assert "> Option 2 please. What's your cancellation policy?" in plain(approval)
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Yes - tell them: there's no fee for the first call, just ring me.",
            sent_at=later,
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    # Booked; the words never reach them; the therapist is told so.
    (confirmation,) = mails(server, boxes.person, "confirmation")
    assert "no fee" not in plain(confirmation)
    (told,) = [
        m
        for m in mails(server, boxes.therapist, "therapist_alert")
        if "never passes on words written with a yes" in " ".join(plain(m).split())
    ]
    assert "words you wrote for them were not sent" in " ".join(plain(told).split())


def test_after_a_question_another_plain_pick_waits_for_the_therapist(auto) -> None:
    """The question beside the first pick is not passed by: a plain pick of
    another time, under automatic approval, waits for the therapist too."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = "Option 2 please. What's your cancellation policy?"
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    (first,) = mails(server, boxes.therapist, "approval_request")
    assert "They asked something as well" in " ".join(plain(first).split())
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            offer, sender=f"Jordan Lee <{boxes.person}>", body="1 please", sent_at=later
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    # Not booked: no confirmation; held for the therapist, who is asked again.
    assert kinds(server, boxes.person) == ["offer", "held", "held"]
    first_again, second = mails(server, boxes.therapist, "approval_request")
    assert first_again["Message-ID"] == first["Message-ID"]
    said = " ".join(plain(second).split())
    assert "> 1 please" in plain(second)
    # True of this pick: no question stood beside it.
    assert "They asked something as well" not in said
    with Store.open(config.parent / "var" / "mailflow.sqlite3") as store:
        (enquiry,) = store.enquiries()
    assert enquiry.state is State.HELD
    assert enquiry.asked


def test_a_plain_pick_is_still_booked_at_once(auto) -> None:
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer, sender=f"Jordan Lee <{boxes.person}>", body="2 please", sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert "confirmation" in kinds(server, boxes.person)
    assert not mails(server, boxes.therapist, "approval_request")


def test_a_question_beside_a_time_taken_meanwhile_reaches_the_therapist(auto) -> None:
    server, boxes, config = auto
    other = f"casey-{boxes.person}"
    for sender in (f"Jordan Lee <{boxes.person}>", other):
        server.deliver(request(sender=sender, to=boxes.practice), boxes.practice)
    assert run(config, NOW) == 0
    (offer,) = mails(server, boxes.person, "offer")
    (theirs,) = mails(server, other, "offer")
    at = NOW + timedelta(hours=1)
    # Someone else takes the first time (booked at once: approval is automatic).
    server.deliver(answer(theirs, sender=other, body="1", sent_at=at), boxes.practice)
    assert run(config, at) == 0
    assert "confirmation" in kinds(server, other)
    later = at + timedelta(hours=1)
    body = "Option 1 please. What's your cancellation policy?"
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=later),
        boxes.practice,
    )
    assert run(config, later) == 0
    # They are offered other times; nothing is held, nothing waits for approval.
    assert kinds(server, boxes.person) == ["offer", "offer_again"]
    assert not mails(server, boxes.therapist, "approval_request")
    # The therapist reads the question, in words true of it.
    (told,) = [
        m
        for m in mails(server, boxes.therapist, "therapist_alert")
        if "asked something as well" in " ".join(plain(m).split())
    ]
    said = " ".join(plain(told).split())
    assert "but that time had been taken meanwhile" in said
    assert "no time of theirs waits for your approval now" in said
    assert "mailflow has not answered the question" in said
    assert "The time they picked waits for your approval" not in said


@pytest.mark.parametrize(
    "words",
    [
        "",
        "\x00\x00",
        "?" * 10_000,
        "2 please " + "a" * 1_000_000 + "?",
        "🙂🙂?",
        "> quoted?\n> more?",
        "2\u202e?ti si tahw",
    ],
)
def test_odd_replies_ask_nothing_and_break_nothing(words: str) -> None:
    assert not reply.asks_beside(words)
    said = therapist.read_therapist_reply(
        "yes - tell her: " + words, today=date(2026, 11, 28)
    )
    assert said.note == ""


# -- the therapist's answer to a request since superseded ----------------------------


def test_a_yes_to_an_earlier_approval_request_is_told_never_dropped(auto) -> None:
    """Request 1 (a pick with a question), then the person picks another
    time (request 2); the therapist's yes in request 1's thread books
    nothing, and is never dropped without a word: they are told it answered
    an earlier request, and asked to answer the newest."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = "Option 2 please. What's your cancellation policy?"
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    (first,) = mails(server, boxes.therapist, "approval_request")
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            offer, sender=f"Jordan Lee <{boxes.person}>", body="1 please", sent_at=later
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    _, second = mails(server, boxes.therapist, "approval_request")
    last = later + timedelta(hours=1)
    server.deliver(
        answer(
            first, sender=f"Sam Rivera <{boxes.therapist}>", body="Yes", sent_at=last
        ),
        boxes.practice,
    )
    assert run(config, last) == 0
    # Nothing booked from it: the person hears nothing; the newest still waits.
    assert kinds(server, boxes.person) == ["offer", "held", "held"]
    assert not mails(server, boxes.therapist, "therapist_event")
    with Store.open(config.parent / "var" / "mailflow.sqlite3") as store:
        (enquiry,) = store.enquiries()
        call = store.call(enquiry.id)
    assert enquiry.state is State.HELD
    assert call is not None
    assert call.status == "held"
    # One alert, in words true of it, naming the time the newest request is about.
    (told,) = mails(server, boxes.therapist, "therapist_alert")
    said = " ".join(plain(told).split())
    assert "was to an earlier request" in said
    assert "Nothing was booked" in said
    assert "please answer the newest request" in said
    newest = plain(second).split("call on:", 1)[1].strip().splitlines()[0]
    assert newest
    assert newest not in plain(first)  # the time of request 2, not request 1's
    assert f"Since then they picked a time, {newest}," in said


def test_a_question_beside_a_pick_after_a_withdrawal_reaches_the_therapist(
    auto,
) -> None:
    """They withdrew, then wrote again picking a time and asking something:
    fresh times (never the stale slot), and the question told, never lost."""
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    server.deliver(
        answer(
            offer,
            sender=f"Jordan Lee <{boxes.person}>",
            body="Please cancel, I've changed my mind.",
            sent_at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    (cancelled,) = mails(server, boxes.person, "cancelled")
    later = at + timedelta(hours=2)
    body = "Option 2 please. What's your cancellation policy?"
    server.deliver(
        answer(
            cancelled, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=later
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    # Fresh times; nothing held, booked or waiting for approval.
    assert kinds(server, boxes.person) == ["offer", "cancelled", "offer_again"]
    assert not mails(server, boxes.therapist, "approval_request")
    (told,) = [
        m
        for m in mails(server, boxes.therapist, "therapist_alert")
        if "asked something as well" in " ".join(plain(m).split())
    ]
    said = " ".join(plain(told).split())
    assert "wrote again after the conversation had ended" in said
    assert "mailflow has sent them fresh times" in said
    assert "mailflow has not answered the question" in said
    with Store.open(config.parent / "var" / "mailflow.sqlite3") as store:
        (enquiry,) = store.enquiries()
    assert enquiry.state is State.OFFERED
    assert enquiry.asked  # a later pick waits for the therapist, who read it
