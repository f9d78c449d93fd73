"""decide.advance: the enquiry's record after a transition, field by field (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mailflow.deciding import decide, workflow
from mailflow.deciding.workflow import OfferReason, Transition
from mailflow.model import ClosedReason, Enquiry, PersonReply, ReplyKind, Slot, State

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
EARLIER = NOW - timedelta(days=2)
SLOT = Slot(NOW + timedelta(days=3), NOW + timedelta(days=3, minutes=15))

ENQUIRY = Enquiry(
    id=1,
    state=State.OFFERED,
    email="sam@example.org",
    name="Sam",
    phone=None,
    subject="Free call",
    request_message_id="<r@x>",
    crisis=False,
    created_at=EARLIER,
    sender_offset_minutes=None,
    first_message="Hello",
    last_message_id=None,
    last_references=(),
    clarified=True,
    approval_round=2,
    preapproved_start_at=SLOT.start_at,
    counter_start_at=SLOT.start_at,
    offered_at=EARLIER,
    nudged_at=EARLIER,
    reminded_at=EARLIER,
    followed_up_at=EARLIER,
    followup_nudged_at=EARLIER,
    closed_reason=None,
    updated_at=EARLIER,
    hold_reminded_at=EARLIER,
    move_asked_at=EARLIER,
)


def after(state: State, *commands: workflow.Command, outcome: str = "x") -> Enquiry:
    return decide.advance(ENQUIRY, Transition(state, commands, outcome), NOW)


def changed(record: Enquiry) -> dict[str, object]:
    return {
        name: getattr(record, name)
        for name in Enquiry.__dataclass_fields__
        if getattr(record, name) != getattr(ENQUIRY, name)
    }


def test_nothing_but_the_state_changes_without_commands() -> None:
    assert changed(after(State.OFFERED)) == {}
    assert changed(after(State.STOOD_DOWN)) == {"state": State.STOOD_DOWN}


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        (workflow.RememberPhone("07700 900123"), {"phone": "07700 900123"}),
        (workflow.Hold(SLOT), {"hold_reminded_at": None}),
        (workflow.AskApproval(SLOT), {"approval_round": 3}),
        (workflow.Clarify(), {}),  # already clarified in the fixture
        (workflow.AskTherapistAgain(waiting=True), {"hold_reminded_at": NOW}),
        (workflow.AskTherapistAgain(waiting=False), {}),
        (workflow.Send("reminder"), {"reminded_at": NOW}),
        (workflow.Send("followup_nudge"), {"followup_nudged_at": NOW}),
        (
            workflow.Confirm(SLOT),
            {"first_message": None, "preapproved_start_at": None},
        ),
        (
            workflow.KeepBooking(),
            {"counter_start_at": None, "move_asked_at": None},
        ),
        (workflow.AlertTherapist("counter"), {}),
        # A question beside a pick reaches the therapist: later picks wait.
        (workflow.AskApproval(SLOT, asks=True), {"approval_round": 3, "asked": True}),
        (workflow.AlertTherapist("pick-asks"), {"asked": True}),
        (workflow.AlertTherapist("pick-asks-taken"), {"asked": True}),
        (workflow.AlertTherapist("pick-asks-unclear"), {"asked": True}),
        (workflow.AlertTherapist("pick-asks-reopen"), {"asked": True}),
        (workflow.AlertTherapist("pick-asks-started"), {"asked": True}),
        (workflow.AlertTherapist("booked-unclear", asks=True), {"asked": True}),
        (workflow.AlertTherapist("booked-unclear"), {}),
        # Their answer to a request since asked again asks nothing of them.
        (workflow.AlertTherapist("approval-superseded"), {}),
        (workflow.AlertTherapist("move-superseded"), {}),
        (workflow.AlertTherapist("unclear-reply", asks=True), {"asked": True}),
        (workflow.AlertTherapist("unclear-reply"), {}),
        (workflow.AlertTherapist("offer-reply"), {}),
        (workflow.ThankForPick(SLOT), {}),
        (workflow.Release(), {}),
    ],
)
def test_what_each_command_changes_in_the_record(
    command: workflow.Command, fields: dict[str, object]
) -> None:
    # Held: neither open-state reopening nor closing adds anything here.
    record = decide.advance(
        replace(ENQUIRY, state=State.HELD),
        Transition(State.HELD, (command,)),
        NOW,
    )
    before = replace(ENQUIRY, state=State.HELD)
    assert {
        n: getattr(record, n)
        for n in Enquiry.__dataclass_fields__
        if getattr(record, n) != getattr(before, n)
    } == fields


def test_a_question_told_the_therapist_is_never_forgotten_in_the_enquiry() -> None:
    """Like risk: nothing a conversation does afterwards clears it (a booking,
    fresh times, a reopening, a cancellation, a plain pick's approval)."""
    told = replace(ENQUIRY, asked=True)
    for transition in (
        Transition(State.HELD, (workflow.Hold(SLOT), workflow.AskApproval(SLOT))),
        Transition(State.BOOKED, (workflow.Book(SLOT), workflow.Confirm(SLOT))),
        Transition(State.OFFERED, (workflow.Offer(OfferReason.REOPEN),)),
        Transition(
            State.OFFERED, (workflow.Release(), workflow.Offer(OfferReason.TAKEN))
        ),
        Transition(State.CANCELLED, (workflow.CancelCall("person"),)),
        Transition(State.CLOSED, (workflow.Close(ClosedReason.EXPIRED),)),
    ):
        assert decide.advance(told, transition, NOW).asked
        assert not decide.advance(ENQUIRY, transition, NOW).asked


def test_the_question_of_a_real_pick_is_remembered_and_holds_the_next() -> None:
    """The core end to end: a pick with a question (automatic approval),
    then a plain pick of another time, decided from the record as the shell
    reads it."""
    a, b = (
        SLOT,
        Slot(SLOT.start_at + timedelta(hours=2), SLOT.end_at + timedelta(hours=2)),
    )
    facts = workflow.Facts(approval="auto", offered=(a, b), free=frozenset((a, b)))
    asking = PersonReply(ReplyKind.PICK, choice=1, asks=True)
    first = workflow.on_person_reply(State.OFFERED, asking, facts)
    record = decide.advance(replace(ENQUIRY, asked=False), first, NOW)
    assert record.asked
    plain = PersonReply(ReplyKind.PICK, choice=2)
    held = replace(facts, held=a, asked=record.asked)
    second = workflow.on_person_reply(State.HELD, plain, held)
    assert second.state is State.HELD
    assert workflow.AskApproval(b) in second.commands
    assert not any(isinstance(c, workflow.Book) for c in second.commands)


def test_closing_says_why_and_when() -> None:
    record = after(State.CLOSED, workflow.Close(ClosedReason.EXPIRED))
    assert changed(record) == {
        "state": State.CLOSED,
        "closed_reason": ClosedReason.EXPIRED,
        "closed_at": NOW,
    }


def test_a_new_booking_restarts_its_reminder_and_follow_up() -> None:
    record = after(State.BOOKED, workflow.Book(SLOT), workflow.Confirm(SLOT))
    assert record.reminded_at is record.followed_up_at is None
    assert record.followup_nudged_at is None
    assert record.counter_start_at is record.move_asked_at is None  # a move is moot


def test_asking_to_move_opens_a_new_approval_round_and_its_clock() -> None:
    later = Slot(SLOT.start_at + timedelta(days=1), SLOT.end_at + timedelta(days=1))
    record = after(State.BOOKED, workflow.AskToMove(later))
    assert record.approval_round == 3
    assert record.counter_start_at == later.start_at
    assert record.move_asked_at == NOW
    assert record.hold_reminded_at is None


def test_a_move_clears_the_request_and_rearms_the_reminder() -> None:
    record = after(State.BOOKED, workflow.Move(SLOT))
    assert (record.counter_start_at, record.move_asked_at, record.reminded_at) == (
        None,
        None,
        None,
    )


def test_the_follow_up_ends_any_move_and_stamps_itself() -> None:
    record = after(State.FOLLOWED_UP, workflow.Send("followup"))
    assert record.followed_up_at == NOW
    assert record.counter_start_at is None


@pytest.mark.parametrize(
    ("reason", "fields"),
    [
        (OfferReason.FIRST, {"offered_at": NOW}),
        (OfferReason.NUDGE, {"clarified": False, "nudged_at": NOW}),
        (OfferReason.MORE, {"clarified": False, "offered_at": NOW, "nudged_at": None}),
        (
            OfferReason.RESCHEDULE,
            {
                "clarified": False,
                "offered_at": NOW,
                "nudged_at": None,
                "counter_start_at": None,
                "move_asked_at": None,
            },
        ),
    ],
)
def test_fresh_times_restart_the_offers_clock(
    reason: OfferReason, fields: dict[str, object]
) -> None:
    record = after(State.OFFERED, workflow.Offer(reason))
    assert changed(record) == fields


def test_a_proposed_time_is_remembered_as_preapproved() -> None:
    later = Slot(SLOT.start_at + timedelta(hours=2), SLOT.end_at + timedelta(hours=2))
    record = after(State.OFFERED, workflow.Offer(OfferReason.PROPOSED, only=later))
    assert record.preapproved_start_at == later.start_at


def test_an_open_state_is_not_closed() -> None:
    closed = replace(ENQUIRY, closed_reason=ClosedReason.EXPIRED, closed_at=EARLIER)
    reopened = decide.advance(
        closed, Transition(State.OFFERED, (workflow.Offer(OfferReason.REOPEN),)), NOW
    )
    assert reopened.closed_reason is None
    assert reopened.closed_at is None


@pytest.mark.parametrize(
    ("by", "reason"),
    [("therapist", ClosedReason.THERAPIST_CANCELLED), ("person", None)],
)
def test_a_cancellation_closes_and_remembers_who_invited_a_reply(
    by: str, reason: ClosedReason | None
) -> None:
    record = after(State.CANCELLED, workflow.CancelCall(by))
    assert record.closed_at == NOW
    assert record.closed_reason is reason


def test_a_withdrawal_stays_listening() -> None:
    record = after(
        State.CLOSED,
        workflow.CancelCall("person"),
        workflow.Close(ClosedReason.WITHDRAWN, listening=True),
    )
    assert record.closed_reason is ClosedReason.WITHDRAWN
    assert record.closed_at is None  # a reply still finds it


def test_nothing_to_offer_hands_the_enquiry_over_and_tells_the_therapist() -> None:
    transition = Transition(
        State.OFFERED,
        (workflow.Release(), workflow.Offer(OfferReason.TAKEN)),
        "taken",
    )
    handed = decide.nothing_to_offer(transition)
    assert handed.state is State.STOOD_DOWN
    assert handed.commands == (workflow.Release(), workflow.NoTimes())
    record = decide.advance(ENQUIRY, handed, NOW)
    assert record.offered_at == ENQUIRY.offered_at  # no offer went out


def test_every_transition_of_the_machine_advances_to_its_own_state() -> None:
    # Whatever the commands, the record's state is the transition's.
    for state in State:
        for transition in (
            workflow.on_timer(state, "reminder", workflow.Facts(approval="auto")),
            workflow.on_hand_answer(state),
            workflow.on_undeliverable(state),
        ):
            assert decide.advance(ENQUIRY, transition, NOW).state is transition.state


@pytest.mark.parametrize(
    ("reason", "risk", "danger", "recipients", "warns"),
    [
        ("no-intent", "possible", True, 1, True),
        ("possible-risk", "possible", True, 3, True),
        ("returning", "possible", True, 1, True),
        ("possible-risk", "possible", True, 4, False),  # a circular
        ("possible-risk", "possible", False, 1, False),  # no danger now
        ("possible-risk", "clear", True, 1, False),  # the safety letter's own
        ("forwarded", "possible", True, 1, False),
        ("colleague", "possible", True, 1, False),
        ("professional-referral", "possible", True, 1, False),
        ("risk-words", "possible", True, 1, True),
        ("risk-words", "possible", False, 1, True),  # weighed: danger or not
        ("risk-words", "possible", False, 4, False),  # a circular
        ("risk-words", "clear", False, 1, False),
        ("unsure-risk", "possible", True, 1, False),
    ],
)
def test_who_is_sent_the_safety_message_at_once(
    reason: str, risk: str, danger: bool, recipients: int, warns: bool
) -> None:
    assert decide.warns_unsure(reason, risk, danger, recipients) is warns


@pytest.mark.parametrize(
    ("reason", "danger", "relayed", "addressed", "warns"),
    [
        ("risk-words", False, False, True, True),
        ("risk-words", False, True, True, False),  # a form's or a forward's words
        ("risk-words", False, False, False, False),  # sent to someone else, Bcc
        ("risk-words", True, True, True, False),
        # danger now, possible: as before, whoever relayed or was addressed
        # (an alias mailflow cannot know is commoner than such spam)
        ("no-intent", True, False, False, True),
        ("possible-risk", True, True, True, True),
    ],
)
def test_weighed_words_warn_only_the_writers_own_mail_to_the_practice(
    reason: str, danger: bool, relayed: bool, addressed: bool, warns: bool
) -> None:
    assert (
        decide.warns_unsure(
            reason, "possible", danger, 1, relayed=relayed, addressed=addressed
        )
        is warns
    )


def test_weighed_words_warn_only_where_the_note_can_say_so() -> None:
    """A practice's own older note says it sent nothing: then nothing goes."""
    assert not decide.warns_unsure(
        "risk-words", "possible", False, 1, note_says_weighed=False
    )
    assert decide.warns_unsure(
        "no-intent", "possible", True, 1, note_says_weighed=False
    )


def test_an_offer_carries_the_safety_message_for_danger_now_at_possible_risk() -> None:
    assert decide.warns_with_times("possible", True)
    assert not decide.warns_with_times("possible", False)
    assert not decide.warns_with_times("none", True)


def test_an_alert_about_mail_left_alone_is_recorded_closed() -> None:
    """Never an enquiry under way: a later mail of theirs is read afresh."""
    done = workflow.on_danger_left_alone()
    now = datetime(2026, 12, 4, 9, tzinfo=UTC)
    record = decide.opened(
        decide.Opening(
            email="a@example.org",
            name="A",
            phone=None,
            subject="s",
            request_message_id="<r@x>",
            sender_offset_minutes=None,
            first_message="hello",
            risk="possible",
        ),
        done,
        now,
    )
    assert (record.state, record.closed_reason, record.closed_at) == (
        State.ESCALATED,
        ClosedReason.ALERTED,
        now,
    )


def test_a_thread_only_alerted_about_is_its_first_writers_alone() -> None:
    alerted = replace(ENQUIRY, closed_reason=ClosedReason.ALERTED)
    assert decide.writes_in(alerted, "Sam@Example.org")  # the same mailbox
    assert decide.writes_in(alerted, "sam+phone@example.org")
    assert not decide.writes_in(alerted, "kim@example.org")
    assert not decide.writes_in(alerted, None)
    assert decide.writes_in(ENQUIRY, "kim@example.org")  # a conversation: theirs


def test_an_alert_says_no_risk_was_named_only_when_none_was_carried_in() -> None:
    """A request only the risk words weighed is told as such, unless it
    supersedes a note that carried a risk in (`risk_carried`)."""
    risky = replace(ENQUIRY, risk="possible")
    plain = replace(ENQUIRY, risk="none")
    assert decide.weighed_carried(True, None)
    assert decide.weighed_carried(True, plain)
    assert not decide.weighed_carried(True, risky)
    assert not decide.weighed_carried(False, None)
    assert decide.risk_carried("possible", "", risky)[0] == "possible"


def test_a_first_offer_closes_with_the_safety_message_but_where_the_alert_denies_it() -> (
    None
):
    assert decide.offer_closes_with_safety(False, False, True)  # no danger told
    assert decide.offer_closes_with_safety(True, True, True)  # warned above the times
    assert decide.offer_closes_with_safety(True, False, False)  # alert claims nothing
    # Danger told, no warning above the times, and the practice's own alert
    # says no safety message went: none goes, so the alert stays true.
    assert not decide.offer_closes_with_safety(True, False, True)


def test_the_last_letter_answering_their_mail_closes_with_the_safety_message() -> None:
    slot = Slot(
        datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 1, 10, 15, tzinfo=UTC)
    )
    held = (
        workflow.Hold(slot),
        workflow.AskApproval(slot),
        workflow.ThankForPick(slot),
    )
    assert decide.closing_letter(held, answering=True) == 2
    assert decide.closing_letter(held, answering=False) is None  # the therapist's
    booked = (workflow.Book(slot), workflow.Confirm(slot))
    assert decide.closing_letter(booked, answering=True) == 1
    assert decide.closing_letter((workflow.Clarify(),), answering=True) == 0
    more = (workflow.Release(), workflow.Offer(OfferReason.MORE))
    assert decide.closing_letter(more, answering=True) == 1
    # The first offer has a closing of its own.
    first = (workflow.Offer(OfferReason.FIRST),)
    assert decide.closing_letter(first, answering=True) is None
    # A number alone: the booking updated with it answers them.
    number = workflow.RememberPhone("07700 900123")
    assert decide.closing_letter((number,), answering=True) == 0
    # A number and a move in one reply: only the last letter, once.
    both = (number, workflow.Offer(OfferReason.RESCHEDULE))
    assert decide.closing_letter(both, answering=True) == 1
    # `safety.in_later_letters = false`: none, but where danger was told.
    assert decide.closing_letter(held, answering=True, enabled=False) is None
    assert decide.closing_letter(held, answering=True, enabled=False, danger=True) == 2
    # Danger told now: closed, but not where the alert in use says none went.
    assert decide.closing_letter(held, answering=True, danger=True) == 2
    assert (
        decide.closing_letter(
            held, answering=True, danger=True, alert_denies_safety=True
        )
        is None
    )
    # Nothing to them at all (a question: the therapist reads it).
    told = (workflow.AlertTherapist("offer-reply"),)
    assert decide.closing_letter(told, answering=True) is None


def test_a_number_after_the_calls_time_updates_only_the_therapists_event() -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert decide.confirms_number(start, start - timedelta(minutes=1))
    assert not decide.confirms_number(start, start)  # its time has come
    assert not decide.confirms_number(start, start + timedelta(minutes=10))


@pytest.mark.parametrize(
    ("state", "reason", "listens"),
    [
        (State.CLOSED, ClosedReason.WITHDRAWN, True),
        (State.CLOSED, ClosedReason.EXPIRED, True),
        (State.CLOSED, ClosedReason.SILENT, True),
        (State.CLOSED, None, False),
        (State.CLOSED, ClosedReason.ALERTED, False),
        # The therapist's, whatever reason it closed with before (a record
        # stored so by an older version too): their mail is the therapist's.
        (State.STOOD_DOWN, ClosedReason.WITHDRAWN, False),
        (State.ESCALATED, ClosedReason.EXPIRED, False),
        (State.STOOD_DOWN, None, False),
    ],
)
def test_only_a_closed_enquiry_still_listens(
    state: State, reason: ClosedReason | None, listens: bool
) -> None:
    enquiry = replace(ENQUIRY, state=state, closed_reason=reason, closed_at=EARLIER)
    assert decide.still_listening(enquiry) is listens


def test_a_mail_plainly_from_a_mailbox_proves_it_works_again() -> None:
    assert decide.proves_address("sam@example.org", "Sam@Example.org", ambiguous=False)
    assert decide.proves_address(
        "sam@example.org", "sam+phone@example.org", ambiguous=False
    )
    assert not decide.proves_address(
        "sam@example.org", "kim@example.org", ambiguous=False
    )
    assert not decide.proves_address("sam@example.org", None, ambiguous=False)
    # Two Froms, or an address as a display name: never proof.
    assert not decide.proves_address(
        "sam@example.org", "sam@example.org", ambiguous=True
    )
