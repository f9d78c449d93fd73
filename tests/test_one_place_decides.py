"""One place decides (#8): every change of an enquiry's state, and every hold,
booking or release, is carried out from a transition of the pure core.

Read from the source itself, so a shortcut added anywhere in the shell (as the
hand-answer, crisis and bounce paths once were: one left a held time blocked for
everyone) fails here by name. The behaviour of each path is tested elsewhere;
`test_reading_life` pins the stuck hold.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailflow.deciding import decide, workflow
from mailflow.model import ClosedReason, State
from mailflow.shell.store import Store

PACKAGE = Path(__file__).resolve().parents[1] / "mailflow"

# Store writes that change where an enquiry stands, what time it blocks, or
# what its booking says.
STATE_WRITES = {
    "save_enquiry",
    "insert_enquiry",
    "release",
    "hold",
    "book",
    "end_call",
    "move_booking",
    "set_partstat",
    "bump_sequence",
    "set_offers",
    "delete_enquiries",
}

# Where a transition's commands are carried out (conversation.Conversation,
# and the helpers `_carry_out` calls for one command each).
CARRIERS = {
    ("conversation.py", "_carry_out"),
    ("conversation.py", "apply"),
    ("conversation.py", "_cancel"),  # CancelCall
    ("conversation.py", "_offer"),  # Offer: the times listed
    ("conversation.py", "_add_phone_to_booking"),  # RememberPhone: SEQUENCE + 1
    ("intake.py", "_answer"),  # a first mail's transition (decide.opened)
    ("intake.py", "_ask"),
    ("intake.py", "_danger_left_alone"),
    # Retention and erasure delete whole records (the README's privacy
    # promise), never change where one stands.
    ("privacy.py", "purge"),
    ("privacy.py", "forget"),
}

# The core's choice of a new enquiry's first state.
FIRST_STATES = {"on_new_request", "on_unsure", "on_danger_left_alone"}


def _calls() -> list[tuple[str, str, ast.Call]]:
    """(file, enclosing function, call) for every call in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    found.append((path.name, function.name, node))
    return found


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def test_state_and_holds_change_only_where_transitions_are_carried_out() -> None:
    strays = sorted(
        {
            f"{file}:{call.lineno} {function}() calls .{_method(call)}()"
            for file, function, call in _calls()
            if _method(call) in STATE_WRITES
            and file != "store.py"
            and (file, function) not in CARRIERS
        }
    )
    assert strays == [], "state changed outside the core's transitions"


def test_a_new_enquiry_is_the_record_the_core_opened() -> None:
    """Created in one place, from `decide.opened` over a first transition."""
    starts = [(f, c) for f, _, c in _calls() if _method(c) == "insert_enquiry"]
    assert starts, "no enquiry is ever created?"
    for file, call in starts:
        assert file == "intake.py", f"{file}:{call.lineno}"
        (record,) = call.args
        assert isinstance(record, ast.Call), ast.unparse(record)
        assert _method(record) == "opened", ast.unparse(record)
        first = record.args[1]
        assert isinstance(first, ast.Name | ast.Call), ast.unparse(first)
        if isinstance(first, ast.Call):
            assert _method(first) in FIRST_STATES, ast.unparse(first)


def test_only_the_thread_is_noted_outside_a_decision(tmp_path) -> None:
    """No column of the record is set but through `save_enquiry` (the core's
    new record) and `note_thread` (which Message-ID a next letter answers)."""
    strays = sorted(
        f"{file}:{call.lineno} {function}()"
        for file, function, call in _calls()
        if _method(call) in {"update_enquiry", "_set_columns"} and file != "store.py"
    )
    assert strays == []
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    with Store.open(tmp_path / "m.db") as store:
        opening = decide.Opening(
            email="a@example.org",
            name="A",
            phone=None,
            subject="s",
            request_message_id="<r@x>",
            sender_offset_minutes=None,
            first_message="hello",
        )
        first = workflow.on_new_request("none", has_times=True)
        enquiry_id = store.insert_enquiry(decide.opened(opening, first, now))
        with pytest.raises(ValueError, match="state"):
            store._set_columns(enquiry_id, now, {"state": "closed"})
        record = store.enquiry(enquiry_id)
    assert record is not None
    assert record.state is State.OFFERED  # typed, not a bare string
    assert record.offered_at == now  # the first offer's clock, set by the core
    assert record.request_message_id == "<r@x>"


# -- the shell's own signals, decided in the core ----------------------------------


@pytest.mark.parametrize("state", list(State))
def test_a_hand_answer_hands_any_enquiry_over_and_frees_its_time(state: State) -> None:
    done = workflow.on_hand_answer(state)
    assert done.state is State.STOOD_DOWN
    assert (workflow.Release() in done.commands) is (state is not State.STOOD_DOWN)
    # A letter the server could not take yet never follows the human's answer.
    assert workflow.Withdraw() in done.commands


@pytest.mark.parametrize("state", list(State))
def test_a_crisis_escalates_from_anywhere_and_frees_its_time(state: State) -> None:
    done = workflow.on_crisis(state)
    assert done.state is State.ESCALATED
    assert workflow.Release() in done.commands


@pytest.mark.parametrize("state", list(State))
def test_a_bounce_stands_down_what_is_under_way(state: State) -> None:
    done = workflow.on_undeliverable(state)
    if state in {State.CLOSED, State.STOOD_DOWN, State.ESCALATED}:
        assert done.state is state
        assert done.commands == ()
    elif state in {State.BOOKED, State.RESCHEDULING}:
        # Handed over, not closed: the booked call stands with the therapist,
        # and the person's next mail reaches them, not a second offer.
        assert done.state is State.STOOD_DOWN
        assert done.commands == (workflow.Release(),)
    else:
        assert done.state is State.STOOD_DOWN
        assert done.commands == (
            workflow.Release(),
            workflow.Close(ClosedReason.UNDELIVERABLE),
        )


def test_a_plain_request_supersedes_only_a_note_to_the_therapist() -> None:
    assert workflow.on_plain_request(State.ASKED).state is State.STOOD_DOWN
    assert workflow.on_plain_request(State.OFFERED).state is State.OFFERED


@pytest.mark.parametrize(
    ("risk", "has_times", "first"),
    [
        ("clear", True, State.ESCALATED),
        ("clear", False, State.ESCALATED),
        ("possible", True, State.OFFERED),
        ("none", True, State.OFFERED),
        ("none", False, State.STOOD_DOWN),
    ],
)
def test_where_a_new_enquiry_starts(risk: str, has_times: bool, first: State) -> None:
    assert workflow.on_new_request(risk, has_times).state is first


@pytest.mark.parametrize(
    ("risk", "waits"), [("none", True), ("possible", False), ("clear", True)]
)
def test_only_a_request_at_risk_does_not_wait_for_an_unreadable_calendar(
    risk: str, waits: bool
) -> None:
    """Clear risk never asks the calendar (no times), so it never waits."""
    start = workflow.on_request_without_calendar(risk)
    assert (start is None) is waits
    if start is not None:
        assert start.state is State.STOOD_DOWN
        assert start.commands == ()  # no times, no "no slots" note: the alert says


@pytest.mark.parametrize(
    ("offered", "warned", "down", "knows", "says"),
    [
        (True, False, False, False, "times"),
        (True, True, False, False, "times-safety"),
        (False, True, False, False, "nothing"),  # no free times: nothing went
        (False, False, False, False, "nothing"),
        (False, False, True, True, "calendar"),
        (False, True, True, True, "calendar-safety"),
        (False, True, True, False, "safety-only"),  # a practice's older alert
        (False, False, True, False, "nothing"),
    ],
)
def test_what_the_alert_about_a_first_request_says_was_sent(
    offered: bool, warned: bool, down: bool, knows: bool, says: str
) -> None:
    assert (
        decide.first_alert_says(
            offered=offered,
            warned=warned,
            calendar_down=down,
            alert_knows_calendar=knows,
        )
        == says
    )


def test_an_unsure_first_mail_opens_the_first_round_of_asking() -> None:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    opening = decide.Opening(
        email="a@example.org",
        name="A",
        phone=None,
        subject="s",
        request_message_id="<r@x>",
        sender_offset_minutes=None,
        first_message="hello",
        references=("<a@x>", "<r@x>"),
    )
    record = decide.opened(opening, workflow.on_unsure(), now)
    assert record.state is State.ASKED
    assert record.approval_round == 1
    assert record.offered_at is None
    assert record.last_message_id == "<r@x>"
    assert record.last_references == ("<a@x>", "<r@x>")


def test_risk_said_later_is_recorded_by_the_core_and_keeps_clear_risk() -> None:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    opening = decide.Opening(
        email="a@example.org",
        name="A",
        phone=None,
        subject="s",
        request_message_id=None,
        sender_offset_minutes=None,
        first_message="hello",
        safety_note="texts only",
    )
    record = decide.opened(opening, workflow.on_new_request("none", True), now)
    news = workflow.on_risk_news(record.state, "not at work")
    after = decide.advance(record, news, now)
    assert after.state is record.state
    assert (after.risk, after.safety_note) == ("possible", "texts only / not at work")
    clear = decide.advance(replace(record, risk="clear"), news, now)
    assert clear.risk == "clear"
    # The same need said again (beside words the risk words weigh) is kept once.
    again = decide.advance(
        after, workflow.on_risk_news(after.state, "not at work"), now
    )
    assert again.safety_note == "texts only / not at work"


# -- the core reads nothing but its arguments ---------------------------------------

CORE = ("reading", "deciding")
"""Pure packages: no files, no clock, no environment (ruff's banned-api covers
imports and the clock's attributes; builtins and methods are checked here)."""

IMPURE_CALLS = {
    "open",  # a file
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "today",  # date.today(): the clock
    "now",
    "utcnow",
    "getenv",  # the environment
    "system",
    "urlopen",
}

PACKAGE_DATA = {
    ("phrases/__init__.py", "read_bytes"),
    ("intent.py", "read_text"),
    ("windows_zones.py", "read_text"),
    ("risk_words.py", "read_text"),
}
"""The phrase books (and the learned risk words) are read from the package's
own data (importlib.resources): part of the code, not the world."""


def test_the_core_packages_touch_no_file_clock_or_environment() -> None:
    strays = []
    for package in CORE:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            relative = path.relative_to(PACKAGE / package).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = (
                    node.func.attr
                    if isinstance(node.func, ast.Attribute)
                    else node.func.id
                    if isinstance(node.func, ast.Name)
                    else None
                )
                if name in IMPURE_CALLS and (relative, name) not in PACKAGE_DATA:
                    strays.append(f"{package}/{relative}:{node.lineno} {name}()")
    assert strays == [], "I/O or the clock in the pure core"
