"""A question beside a pick, and the therapist's words after a yes.

"Option 2 please. What's your cancellation policy?" picks a time and asks
something only a person can answer. With `approval = "auto"` the time used
to be booked at once and the question read by nobody; now the pick waits
for the therapist, whose approval request says they asked, and whose
"yes - tell them: ..." confirms and passes the answer on (before, a yes's
words were dropped without a word: the therapist believed them sent).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from support import NOW, answer, plain, run, write_config
from test_reading_life import _offer, kinds, mails

from mailflow.deciding import workflow
from mailflow.deciding.workflow import Facts
from mailflow.model import Decision, PersonReply, ReplyKind, Slot, State
from mailflow.reading import reply, therapist

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
    assert not any(isinstance(c, workflow.Book) for c in done.commands)
    # Without the question, booked at once as ever.
    plain_pick = replace(PICK_ASKING, asks=False)
    assert workflow.on_person_reply(State.OFFERED, plain_pick, AUTO).state is (
        State.BOOKED
    )


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
    quiet = workflow.on_person_reply(
        State.RESCHEDULING, replace(PICK_ASKING, asks=False), moving
    )
    assert not any(isinstance(c, workflow.AlertTherapist) for c in quiet.commands)


def test_a_yes_with_words_to_a_move_confirms_with_them() -> None:
    booked = replace(AUTO, approval="therapist", counter=B)
    said = therapist.read_therapist_reply(
        "Yes - tell them: see you then", today=date(2026, 11, 28)
    )
    done = workflow.on_therapist_reply(State.BOOKED, said, booked)
    assert workflow.Confirm(B, "see you then") in done.commands


def test_a_yes_with_words_confirms_with_them() -> None:
    holding = replace(AUTO, approval="therapist", held=A)
    said = therapist.read_therapist_reply(
        "Yes - please tell her: there's no charge if you need to cancel.",
        today=date(2026, 11, 28),
    )
    assert said.decision is Decision.APPROVE
    done = workflow.on_therapist_reply(State.HELD, said, holding)
    assert workflow.Confirm(A, "there's no charge if you need to cancel.") in (
        done.commands
    )


PASSED_ON = [
    ("yes. tell him: bring nothing, just yourself", "bring nothing, just yourself"),
    (
        "Yes - tell them: there's no charge if you need to cancel.",
        "there's no charge if you need to cancel.",
    ),
    (
        "Yes - tell her: you don't need to prepare anything",
        "you don't need to prepare anything",
    ),
    # To the first blank line; a short sign-off left out.
    (
        "yes - tell them: you needn't prepare anything.\nJust find a quiet spot where"
        " you can talk.\nThanks,\nSam",
        "you needn't prepare anything. Just find a quiet spot where you can talk.",
    ),
    (
        "Yes - tell her: looking forward to speaking with you",
        "looking forward to speaking with you",
    ),
]


@pytest.mark.parametrize(("words", "note"), PASSED_ON)
def test_the_therapists_words_after_a_yes_go_in_the_confirmation(
    words: str, note: str
) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision is Decision.APPROVE
    assert said.note == note


NOT_A_YES = [
    # A decision or a doubt of the therapist's own after the colon, or after
    # a blank line: read whole, as ever: never booked on, nothing passed on.
    "Yes - tell her: I can't do 2pm, but 3pm works",
    "Fine - tell her: could we do Thursday at 3 instead?",
    "Ok - tell her: sorry, I can't make that time after all",
    "OK - tell her: I'm sorry but I need to cancel, something came up",
    "Yes - tell her: there's nothing to prepare.\n\nActually, could we make it 3pm "
    "instead?",
    "Yes - tell her:\nLooking forward to it.\nCan't do 2pm though - 3pm?",
    "Yes - tell her: nothing to prepare.\n\nOn second thoughts please cancel it",
    "Yes - tell her: see you soon\n\nSam\n\nPS can we do 3pm instead?",
    "Yes - tell her: wait, I need to check something first",
    "Ok - tell her: you didn't answer when I rang, happy to rebook",
    # Not words for them: asked again, never passed on.
    "Yes - tell her: no charge if she needs to cancel",
    "Yes - tell her: the client seems suicidal, keep an eye",
    "Yes - tell her: flagged as high risk by the GP",
    "Yes - tell her: I know her socially",
    # A third review's: clinical, private or someone else's words beside a
    # "you", a time, a doubt or a decision the lists once missed.
    "Yes - tell her: you'll be fine. Note for file: suicidal thoughts last month.",
    "Yes - tell them: you're welcome.\nDon't leave a voicemail - DV situation at home.",
    "Yes - tell her: you're welcome. Mum paid, client unaware.",
    "Yes - tell them: you'll get a call from a withheld number.\nMake sure the "
    "invoice goes out first.",
    "Yes - tell them: your GP letter arrived and I've read about your depression",
    "Yes - tell her: I'll ring you at 3 o'clock",
    "Yes - tell her: probably fine but I'll let you know",
    "Yes - tell her: no, not this time, you should look for someone else",
    "Yes - tell her: you missed the call, happy to rebook",
    "Yes - tell her: you needn't prepare anything\n\nNo, don't book",
    "Yes - tell her: you'll need this link:\nhttps://zoom.us/j/123456",
]


@pytest.mark.parametrize("words", NOT_A_YES)
def test_words_after_tell_her_that_decide_or_are_about_them_are_never_a_yes_with_a_note(
    words: str,
) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.decision is not Decision.APPROVE
    assert said.note == ""


@pytest.mark.parametrize(
    "words",
    [
        # Said against, or about them beside a decision word: no note at all.
        "Yes. Don't ever tell him: his wife referred him",
        "Yes. Better not to tell her: she knows my sister",
        "Yes (you don't need to tell her: she knows)",
        "Yes. Tell her: no charge.\n\nAlso - she's my neighbour's daughter",
        "Yes - tell her: she's my ex-client",
        "Yes - tell him: his wife rang me about this",
        "Yes. On no account tell him: your mum booked this for you",
        # Words after a yes that is more than a yes: read whole, as ever.
        "Yes, that's not a problem - tell her: you don't need to prepare anything",
    ],
)
def test_words_said_against_or_about_them_are_never_passed_on(words: str) -> None:
    said = therapist.read_therapist_reply(words, today=date(2026, 11, 28))
    assert said.note == ""


def test_a_no_with_words_for_them_is_read_as_ever() -> None:
    said = therapist.read_therapist_reply(
        "No - please tell her: I only work with adults", today=date(2026, 11, 28)
    )
    assert said.decision is Decision.DECLINE
    assert said.note == "I only work with adults"


def test_a_nos_words_go_without_anything_private() -> None:
    said = therapist.read_therapist_reply(
        "No - please tell her: you'll need someone who does EMDR. (She's high risk,"
        " flagged by GP.)",
        today=date(2026, 11, 28),
    )
    assert said.decision is Decision.DECLINE
    assert said.note == ""


def test_a_no_show_told_after_tell_her_is_still_a_no_show() -> None:
    said = therapist.read_therapist_reply(
        "Ok - tell her: you didn't answer when I rang, happy to rebook",
        today=date(2026, 11, 28),
    )
    assert said.decision is Decision.NO_SHOW


# -- over the wire ------------------------------------------------------------------


@pytest.fixture
def auto(tmp_path, mail_server, mailboxes):
    extra = '[workflow]\napproval = "auto"\n'
    return mail_server, mailboxes, write_config(tmp_path, mail_server, mailboxes, extra)


def test_a_question_beside_a_pick_is_answered_by_the_therapist(auto) -> None:
    server, boxes, config = auto
    offer = _offer(server, boxes, config)
    at = NOW + timedelta(hours=1)
    body = "Option 2 please. What's your cancellation policy?"
    server.deliver(
        answer(offer, sender=f"Jordan Lee <{boxes.person}>", body=body, sent_at=at),
        boxes.practice,
    )
    assert run(config, at) == 0
    # Held, not booked: the therapist answers the question.
    assert "confirmation" not in kinds(server, boxes.person)
    (approval,) = mails(server, boxes.therapist, "approval_request")
    said = " ".join(plain(approval).split())
    assert "They asked something as well, below: please answer it." in said
    assert "> Option 2 please. What's your cancellation policy?" in plain(approval)
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            approval,
            sender=f"Sam Rivera <{boxes.therapist}>",
            body="Yes - tell them: there's no charge if you need to cancel.",
            sent_at=later,
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    (confirmation,) = mails(server, boxes.person, "confirmation")
    text = " ".join(plain(confirmation).split())
    assert "That's booked" in text
    assert '"there\'s no charge if you need to cancel."' in text


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
