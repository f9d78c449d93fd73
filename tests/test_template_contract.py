"""The template contract is the one truth: what letters pass, what check allows (#8).

Every letter mailflow writes is produced here through the real `Letters` (and the
token alert and daily digest, which build their contexts elsewhere), with
`compose.build` recording instead of rendering; each context must carry exactly
the names `mailflow.writing.contract` declares for its kind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mailflow.cli.check import sample_contexts, template_problem
from mailflow.config import load_settings
from mailflow.deciding.workflow import OfferReason
from mailflow.errors import ImapTokenError, SendError
from mailflow.model import FormAlert, Preference, Slot
from mailflow.shell.busy import BusyRead, FeedRead, Skipped
from mailflow.writing import compose, contract
from mailflow.writing.letters import AfterCallLetters, Recipient, Thread

CONFIG = """
[practice]
name = "Riverside Counselling"
email = "hello@riverside.example"
therapist_name = "Sam Rivera"
therapist_email = "sam@riverside.example"
[imap]
host = "imap.riverside.example"
[smtp]
host = "smtp.riverside.example"
[storage]
database = "{database}"
"""

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SLOT = Slot(NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=15))
PERSON = Recipient(
    "jordan@example.org", "Jordan Lee", "+447700900123", timezone(timedelta(hours=-5))
)
THREAD = Thread("Free call?", "<a@example.org>", ("<a@example.org>",))


class _Store:
    """Just enough of Store for Letters to queue a letter."""

    def secret(self) -> bytes:
        return b"s" * 32

    def call(self, enquiry_id: int) -> Any:
        return SimpleNamespace(uid=f"call-{enquiry_id}@riverside.example")

    def note_thread(self, *args: Any, **kwargs: Any) -> None:
        pass

    def add_thread_ids(self, *args: Any, **kwargs: Any) -> None:
        pass

    def queue(self, **kwargs: Any) -> None:
        pass


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    path = tmp_path / "mailflow.toml"
    database = tmp_path / "mailflow.sqlite3"
    path.write_text(CONFIG.format(database=database), encoding="utf-8")
    return load_settings(path)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, set[str]]]:
    """(kind, context names) of every letter built while the test runs."""
    seen: list[tuple[str, set[str]]] = []

    def record(draft: compose.Draft, now: datetime, directory: Any = None) -> bytes:
        seen.append((draft.kind, set(draft.context)))
        return b""

    monkeypatch.setattr(compose, "build", record)
    return seen


def _every_letter(letters: AfterCallLetters) -> None:
    """Each letter at least once, on the branches that change its context."""
    later = SLOT.start_at + timedelta(days=2)
    letters.offer(1, PERSON, THREAD, [SLOT], "offer")
    letters.offer_again(
        1,
        PERSON,
        THREAD,
        [SLOT],
        reason="declined",
        note="",
        preference=Preference(),
        step="o2",
    )
    letters.safety(1, PERSON, THREAD, "safety")
    letters.held(1, PERSON, THREAD, SLOT, "held")
    letters.clarify(1, PERSON, THREAD, [SLOT], "clarify")
    letters.confirmation(1, PERSON, THREAD, SLOT, sequence=0, step="confirm")
    letters.crisis_alert(1, PERSON, "Help", "words", NOW, "crisis")
    letters.form_alert(
        FormAlert("clear", "Jordan Lee", None, "j@example.org", sent_by="unnamed"),
        "New form submission",
        "words",
        NOW,
        "form",
    )
    letters.unsure_note(1, PERSON, "Hi", "words", "colleague", 1)
    letters.no_slots_alert(1, PERSON, "Hi", "none")
    letters.approval_request(1, PERSON, SLOT, "words", 1)
    letters.move_request(1, PERSON, SLOT, SLOT, 2)
    letters.kept(1, PERSON, THREAD, SLOT, "", "kept")
    letters.approval_again(1, PERSON, SLOT, 1, "again", waiting=True, until=later)
    letters.therapist_event(1, PERSON, SLOT, "event")
    letters.therapist_alert(
        1, PERSON, reason="counter", when=None, proposed=None, step="a"
    )
    letters.bounce_alert(1, PERSON, reason="bounced", status="5.1.1")
    letters.alert_refused(
        1,
        PERSON.email,
        refused_id=7,
        form=False,
        urgent=True,
        written_at=NOW,
        status="554 5.7.1",
    )
    letters.alert_refused(
        None, "", refused_id=8, form=True, urgent=False, written_at=None, status=""
    )
    letters.alert_returned(
        1, PERSON.email, returned_id=9, form=False, written_at=NOW, status="5.2.2"
    )
    letters.sending_paused(30, "2026-11-25")
    letters.reminder(1, PERSON, THREAD, SLOT, "remind")
    letters.followup(1, PERSON, THREAD, SLOT, "followup")
    letters.followup_nudge(1, PERSON, THREAD, "nudge")
    letters.after_answer(1, PERSON, THREAD, "yes", "after")
    letters.followup_answer(1, PERSON, SLOT, "yes", "words", "answer")
    letters.cancelled(
        1, PERSON, THREAD, SLOT, by="person", note="", sequence=1, step="cancel"
    )
    letters.cancelled(
        1, PERSON, THREAD, None, by="person", note="", sequence=1, step="cancel2"
    )
    letters.cancel_notice(1, PERSON, SLOT, by="person", note="", sequence=1, step="c")
    letters.withdrawn_notice(1, PERSON, "withdrawn")
    letters.still_suits(1, PERSON, THREAD, SLOT, "still-suits")
    letters.calendar_alert("it did not answer", "2026-11-25")
    letters.caldav_alert("it did not answer", "2026-11-24T09:00:00+00:00", 2)
    letters.calendar_skipped(
        FeedRead(
            "work.ics",
            "k" * 64,
            "d" * 64,
            BusyRead([], [Skipped("Dentist", "2026-02-30", "left out")]),
        )
    )


def test_every_letter_passes_exactly_its_contract(settings, written):
    _every_letter(AfterCallLetters(settings, _Store(), NOW))  # type: ignore[arg-type]
    for kind, names in written:
        assert names == contract.LETTERS[kind].names, kind
    # token_alert and digest are built outside Letters: below.
    assert {kind for kind, _ in written} == set(contract.LETTERS) - {
        "token_alert",
        "digest",
    }


def test_the_token_alert_passes_exactly_its_contract(settings, written, monkeypatch):
    from mailflow.shell import token_alert

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise SendError("no")

    monkeypatch.setattr("mailflow.shell.smtp.SmtpSender.__enter__", refuse)
    error = ImapTokenError(key="imap.oauth2_client_id", reason="refused", hint="")
    token_alert.tell_therapist(settings, error, NOW)
    assert written == [("token_alert", set(contract.LETTERS["token_alert"].names))]


def test_the_digest_passes_exactly_its_contract(settings):
    from mailflow.shell.digest import Digest

    store = SimpleNamespace(
        enquiries=list, forms_since=lambda since: {}, get_meta=lambda key: None
    )
    digest = Digest(settings, store, NOW, lambda: None)  # type: ignore[arg-type]
    context = digest.context(NOW)
    assert set(context) | {"practice"} == contract.LETTERS["digest"].names


# -- a practice's own templates ---------------------------------------------------


def test_an_override_changes_both_parts(settings, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "offer.txt.j2").write_text(
        "Hi {{ greeting_name }}, pick one:\n\n{% include '_slots.txt.j2' %}\n",
        encoding="utf-8",
    )
    context = sample_contexts(settings)["offer"]
    text, html = compose.render("offer", context, mine)
    assert text.startswith("Hi Jordan, pick one:")
    assert "<p>Hi Jordan, pick one:</p>" in html
    assert "Thank you for getting in touch" not in html


def _settings_with_templates(tmp_path, mine):  # type: ignore[no-untyped-def]
    """Settings using the practice's templates in `mine`, with both servers on
    a closed loopback port (check fails fast: exit 3, not a hang)."""
    path = tmp_path / "mailflow.toml"
    closed = 'host = "127.0.0.1"\nport = 9\nsecurity = "plain"\ntimeout_s = 1'
    path.write_text(
        CONFIG.format(database=tmp_path / "db.sqlite3")
        .replace('host = "imap.riverside.example"', closed)
        .replace('host = "smtp.riverside.example"', closed)
        + f'[templates]\ndirectory = "{mine}"\n',
        encoding="utf-8",
    )
    return load_settings(path)


def test_an_old_html_override_is_ignored_and_check_says_so(tmp_path, capsys):
    from mailflow.cli.check import check

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "offer.html.j2").write_text("<p>Old words</p>", encoding="utf-8")
    settings = _settings_with_templates(tmp_path, mine)
    _, html = compose.render("offer", sample_contexts(settings)["offer"], mine)
    assert "Old words" not in html
    assert check(settings) == 3  # the servers are not there; the templates are fine
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "offer.html.j2" in line]
    assert line == (
        f"template: {mine / 'offer.html.j2'} is no longer used: "
        "the HTML part is derived from offer.txt.j2"
    )
    assert "template: offer ok" in out


@pytest.mark.parametrize(
    "source",
    [
        "Hello {{ person_email }}\n",  # a therapist's name in a letter to the person
        "{% if phone %}{{ phone }}{% else %}{{ enquiry_id }}{% endif %}\n",  # any branch
    ],
)
def test_check_refuses_a_name_the_kind_is_never_given(settings, tmp_path, source):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "offer.txt.j2").write_text(source, encoding="utf-8")
    context = sample_contexts(settings)["offer"]
    problem = template_problem("offer", context, mine)
    assert problem is not None
    assert problem.startswith("offer.txt.j2 uses ")
    assert "which 'offer' is never given" in problem
    assert template_problem("held", sample_contexts(settings)["held"], mine) is None


def test_check_refuses_a_name_an_included_part_reads(settings, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "_signature.txt.j2").write_text("{{ therapist_email }}\n", encoding="utf-8")
    problem = template_problem("offer", sample_contexts(settings)["offer"], mine)
    assert problem is not None
    assert "therapist_email" in problem


def _broken_branch(tmp_path, capsys, kind: str, anchor: str, marker: str):  # type: ignore[no-untyped-def]
    """A practice's own `kind` template broken only in the branch holding
    `anchor`: the sample's branch renders, and `mailflow check` still fails
    on it. Returns the sample and check's line for it (`marker` finds it)."""
    from mailflow.cli.check import check

    source = (compose.TEMPLATE_DIR / f"{kind}.txt.j2").read_text(encoding="utf-8")
    broken = source.replace(anchor, "{{ practice.no_such_key }} " + anchor)
    assert broken != source
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / f"{kind}.txt.j2").write_text(broken, encoding="utf-8")
    settings = _settings_with_templates(tmp_path, mine)
    sample = sample_contexts(settings)[kind]
    assert template_problem(kind, sample, mine) is None  # the sample's branch
    assert check(settings) == 2
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if marker in line]
    assert "no_such_key" in line
    assert "template: offer ok" in out
    return sample


def test_check_renders_every_branch_of_the_crisis_alert(tmp_path, capsys):
    """A practice's edit that breaks only the branch for a reply in someone
    else's thread is found by check, not by the first such crisis."""
    from mailflow.writing import contract

    sample = _broken_branch(
        tmp_path,
        capsys,
        "crisis_alert",
        "They replied in a conversation",
        "crisis_alert",
    )
    answered = {c["answered"] for c in contract.branch_contexts("crisis_alert", sample)}
    assert answered == {
        "times",
        "conversation",
        "nothing",
        "safety",
        "safety-question",
        "yours",
        "invitation",
        "thread",
        "closed",
        "times-safety",
        "safety-only",
        "client",
        "conversation-safety",
        "calendar",
        "calendar-safety",
        "calendar-wait",
        "booking",
    }


def test_check_renders_the_safety_letter_that_asks(tmp_path, capsys):
    """The safety letter's second branch (it names their words of not being
    around and asks how they are) is rendered by check too: a practice's edit
    that breaks only it is found before the first such mail."""
    sample = _broken_branch(tmp_path, capsys, "safety", "If you can, reply", "'safety'")
    assert sample["asks"] is False


@pytest.mark.parametrize(
    ("answered", "says"),
    [
        ("times", "it did not send your safety message: it offered times as usual"),
        ("times-safety", "with your safety message above them"),
        ("safety-only", "it sent them your safety message and nothing else"),
        ("client", "They are someone you already write to, so mailflow sent them"),
        ("thread", "They replied in a conversation mailflow is not part of"),
        ("conversation", "from now on whatever they pick waits for your approval"),
        (
            "conversation-safety",
            "it answered their reply as usual, and that letter ends with your"
            " safety message; from now on",
        ),
        ("closed", "a conversation mailflow has finished"),
        ("nothing", "it did not send your safety message: it sent them nothing."),
        (
            "calendar",
            "it did not send your safety message: your calendar cannot be read,"
            " so it offered no times and sent them nothing.",
        ),
        (
            "calendar-safety",
            "it sent them your safety message and nothing else: your calendar"
            " cannot be read, so it offered no times.",
        ),
        (
            "calendar-wait",
            "it did not send your safety message: your calendar cannot be read,"
            " so it has not answered their reply yet.",
        ),
    ],
)
def test_the_urgent_alert_says_what_was_sent(settings, answered, says) -> None:
    """Each way danger now was answered, said in the alert's own words."""
    sample = {
        **sample_contexts(settings)["crisis_alert"],
        "level": "possible",
        "danger": True,
        "answered": answered,
    }
    text, _ = compose.render("crisis_alert", sample)
    assert says in " ".join(text.split())


def test_check_says_when_a_practices_own_digest_leaves_out_the_form_counts(
    tmp_path, capsys
):
    """A practice's digest from before the day's forms were counted still
    goes, and check says what it does not show."""
    from mailflow.cli.check import check

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "digest.txt.j2").write_text(
        "{{ greeting }} {{ practice.therapist_name }}, times are {{ zone }}.\n",
        encoding="utf-8",
    )
    settings = _settings_with_templates(tmp_path, mine)
    check(settings)
    out = capsys.readouterr().out
    assert "template: digest ok" in out
    (line,) = [line for line in out.splitlines() if "does not show" in line]
    assert "your digest.txt.j2 does not show forms_alerted, forms_unnamed" in line
    (mine / "digest.txt.j2").unlink()
    check(settings)
    assert "does not show" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kind", "drop", "says"),
    [
        ("offer", "every_offer", "does not show every_offer"),
        ("approval_request", "asks", "does not show asks"),
        ("approval_request", "relayed", "does not show relayed"),
        *(
            (kind, "safety_close", "does not show safety_close")
            for kind in contract.LATER_LETTERS
        ),
    ],
)
def test_check_says_when_a_practices_own_letter_leaves_out_a_newer_name(
    tmp_path, capsys, kind, drop, says
):
    """A practice's own copy from before the safety closing or the question
    beside a pick: the letter still goes; check says what it does not show."""
    from mailflow.cli.check import check

    mine = tmp_path / "mine"
    mine.mkdir()
    shipped = compose.template_source(kind, None)
    older = shipped.replace(f"{drop} and ", "").replace(drop, "false")
    (mine / compose.template_name(kind)).write_text(older, encoding="utf-8")
    settings = _settings_with_templates(tmp_path, mine)
    check(settings)
    out = capsys.readouterr().out
    assert f"template: {kind} ok" in out
    assert says in out


def test_the_alert_for_a_question_beside_a_repeated_pick_says_so(settings) -> None:
    sample = {**sample_contexts(settings)["therapist_alert"], "reason": "pick-asks"}
    text, _ = compose.render("therapist_alert", sample)
    said = " ".join(text.split())
    assert "picked a time and asked something as well" in said
    assert "answered the times without choosing one" not in said


_REASONS = tuple(r.value for r in OfferReason if r is not OfferReason.FIRST)
"""Every reason `offer_again` is written for (the first offer is `offer`'s)."""
_CLOSE = "If you need help before we speak, please don't wait for our call."
"""The sentence before the practice's message that closes a later letter."""
_SIGNED = " Warm wishes, Sam Rivera Riverside Counselling"
_VIDEO = '[call]\nmode = "video"\nvideo_url = "https://meet.example.com/room"\n'
_TAKEN: dict[tuple[str, str], tuple[str, ...]] = {
    ("confirmation", "phone"): (
        "That's booked: I'll ring you on",
        "Thank you for your number. I'll ring you on",
        "I've moved our call: I'll now ring you on",
    ),
    ("confirmation", "video"): (
        "That's booked: a 15-minute video call",
        "I've moved our call to a 15-minute video call",
    ),
    ("held", "phone"): ("Could you let me know the best phone number",),
}
"""Words only a branch says: the test below shows it rendered each."""


def _in_mode(tmp_path: Path, mode: str) -> Any:
    """The test settings, with the call by phone (as shipped) or by video."""
    path = tmp_path / f"{mode}.toml"
    video = _VIDEO if mode == "video" else ""
    database = tmp_path / "mailflow.sqlite3"
    path.write_text(CONFIG.format(database=database) + video, encoding="utf-8")
    settings = load_settings(path)
    assert settings.call.mode == mode
    return settings


@pytest.mark.parametrize("mode", ["phone", "video"])
@pytest.mark.parametrize("kind", contract.LATER_LETTERS)
def test_a_later_letter_closes_with_the_safety_message_once(
    tmp_path: Path, kind: str, mode: str
) -> None:
    """Each later letter about the call, on every branch its contract names
    (so `mailflow check` renders each too), every reason of other times, by
    phone and by video: while `safety_close`, its last words before the
    signature are "If you need help before we speak, please don't wait for
    our call." and the practice's message, once, not in bold; without, none."""
    settings = _in_mode(tmp_path, mode)
    message = " ".join(settings.safety.message.split())
    closing = f"{_CLOSE} {message}"
    reasons = _REASONS if kind == "offer_again" else (None,)
    said_closed: set[str] = set()
    for context in contract.branch_contexts(kind, sample_contexts(settings)[kind]):
        for reason in reasons:
            branch = {**context, **({} if reason is None else {"reason": reason})}
            text, html = compose.render(kind, branch)
            said = " ".join(text.split())
            if not context["safety_close"]:
                assert message not in said, (kind, reason)
                assert "please don't wait" not in said, (kind, reason)
                continue
            said_closed.add(said)
            assert said.count(message) == 1, (kind, reason, said)
            assert said.count(_CLOSE) == 1, (kind, reason, said)
            assert said.endswith(closing + _SIGNED), (kind, reason, said)
            assert f"<strong>{message[:20]}" not in html, (kind, reason)
    for words in _TAKEN.get((kind, mode), ()):
        assert any(words in said for said in said_closed), (kind, mode, words)
    if kind == "offer_again":
        assert len(said_closed) >= len(_REASONS)  # each reason its own words


def test_a_later_letter_closes_only_where_it_answers_their_own_mail(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real `Letters`: each later letter written with `answers`
    (it answers the person's own mail) closes with the safety message;
    written on the therapist's word or by a timer (the default), none."""
    said: list[tuple[str, str]] = []

    def record(draft: compose.Draft, now: datetime, directory: Any = None) -> bytes:
        text, _ = compose.render(draft.kind, draft.context, directory)
        said.append((draft.kind, " ".join(text.split())))
        return b""

    monkeypatch.setattr(compose, "build", record)
    letters = AfterCallLetters(settings, _Store(), NOW)  # type: ignore[arg-type]
    for answers in (False, True):
        letters.offer_again(
            1,
            PERSON,
            THREAD,
            [SLOT],
            reason="more",
            note="",
            preference=Preference(),
            step=f"o2-{answers}",
            answers=answers,
        )
        letters.clarify(
            1, PERSON, THREAD, [SLOT], f"clarify-{answers}", answers=answers
        )
        letters.held(1, PERSON, THREAD, SLOT, f"held-{answers}", answers=answers)
        letters.confirmation(
            1, PERSON, THREAD, SLOT, sequence=0, step=f"c-{answers}", answers=answers
        )
    closing = f"{_CLOSE} {' '.join(settings.safety.message.split())}"
    unanswered, answered = said[:4], said[4:]
    assert [kind for kind, _ in answered] == [kind for kind, _ in unanswered]
    assert {kind for kind, _ in answered} == set(contract.LATER_LETTERS)
    for kind, text in unanswered:
        assert "please don't wait" not in text, kind
    for kind, text in answered:
        assert text.count(closing) == 1, kind
        assert text.endswith(closing + _SIGNED), kind


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("pick-asks-taken", "but that time had been taken meanwhile"),
        ("pick-asks-unclear", "could not tell which time they meant"),
    ],
)
def test_the_alert_for_a_question_beside_a_pick_that_holds_nothing_says_so(
    settings, reason: str, says: str
) -> None:
    """Nothing is held for them: the alert never says a time waits for approval."""
    sample = {**sample_contexts(settings)["therapist_alert"], "reason": reason}
    text, _ = compose.render("therapist_alert", sample)
    said = " ".join(text.split())
    assert "asked something as well" in said
    assert says in said
    assert "nothing was held or booked for them from this reply" in said
    assert "mailflow has not answered the question" in said
    assert "The time they picked waits for your approval" not in said
    assert "needs you" not in said  # the template's fallback


def test_check_renders_the_alerts_for_a_question_beside_a_pick_that_holds_nothing(
    settings,
) -> None:
    from mailflow.writing import contract

    reasons = {
        context["reason"]
        for context in contract.branch_contexts(
            "therapist_alert", sample_contexts(settings)["therapist_alert"]
        )
    }
    assert {
        "pick-asks-taken",
        "pick-asks-unclear",
        "pick-asks-reopen",
        "pick-asks-started",
        "pick-started",
        "approval-superseded",
        "move-superseded",
    } <= reasons


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("pick-asks-reopen", "wrote again after the conversation had ended"),
        ("pick-asks-reopen", "mailflow has sent them fresh times"),
        ("pick-asks-reopen", "no time of theirs waits for your approval"),
        ("pick-asks-started", "only once that call's time had come"),
        ("pick-asks-started", "has not moved the call, held or booked anything"),
    ],
)
def test_the_alert_for_a_question_beside_a_late_pick_says_what_was_done(
    settings, reason: str, says: str
) -> None:
    sample = {**sample_contexts(settings)["therapist_alert"], "reason": reason}
    text, _ = compose.render("therapist_alert", sample)
    said = " ".join(text.split())
    assert "asked something as well" in said
    assert says in said
    assert "mailflow has not answered the question" in said
    assert "The time they picked waits for your approval" not in said
    assert "needs you" not in said  # the template's fallback


@pytest.mark.parametrize(
    ("reason", "since"),
    [
        ("approval-superseded", "Since then they picked a time, {when},"),
        ("move-superseded", "Since then they asked to move their call on {when}"),
    ],
)
def test_the_alert_for_an_answer_to_an_earlier_request_says_nothing_came_of_it(
    settings, reason: str, since: str
) -> None:
    sample = {**sample_contexts(settings)["therapist_alert"], "reason": reason}
    text, _ = compose.render("therapist_alert", sample)
    said = " ".join(text.split())
    assert "was to an earlier request from mailflow, not the newest one" in said
    assert since.format(when=sample["when"]) in said
    assert "which still waits for your answer" in said
    assert "Nothing was booked" in said
    assert "nothing was sent to them" in said
    assert "please answer the newest request" in said
    assert "needs you" not in said


def test_the_alert_for_a_move_picked_once_the_call_began_says_nothing_moved(
    settings,
) -> None:
    sample = {**sample_contexts(settings)["therapist_alert"], "reason": "pick-started"}
    said = " ".join(compose.render("therapist_alert", sample)[0].split())
    assert "only once that call's time had come" in said
    assert "has not moved the call, held or booked anything" in said
    assert "They may think their call has moved" in said
    assert "asked something" not in said
    assert "needs you" not in said  # the template's fallback
