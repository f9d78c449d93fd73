"""Every shipped text template, rendered with believable contexts: paragraphs stay apart.

`trim_blocks` eats the newline after a block tag that ends a line, which once
glued "… I'll call you on 07700 900123." to the next paragraph.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailflow.cli.check import sample_contexts
from mailflow.config import load_settings
from mailflow.model import Slot
from mailflow.writing import compose, contract

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
"""

START = datetime(2026, 10, 26, 13, 0, tzinfo=UTC)
SLOT = Slot(START, START + timedelta(minutes=15))
NEW_YORK = compose.describe_slot(
    SLOT, "Europe/London", twelve_hour=False, person_zone=timezone(timedelta(hours=-4))
)
HOME = compose.describe_slot(SLOT, "Europe/London", twelve_hour=False)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("config") / "mailflow.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return sample_contexts(load_settings(path))


# Each kind with the branches its template has (phone or not, zone or not, reason).
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "offer": [{"phone": None}, {"slots": [HOME, NEW_YORK]}],
    "offer_again": [
        {"reason": reason, "booked": NEW_YORK, "note": note, "slots": slots}
        for reason in (
            "taken",
            "declined",
            "reschedule",
            "reopen",
            "missed",
            "lapsed",
            "nudge",
            "proposed",
            "other",
        )
        for note in ("", "(a note)")
        for slots in ([HOME], [NEW_YORK])
    ],
    "held": [{"phone": None}, {"slot": HOME}],
    "confirmation": [
        *(
            {"moved": moved, "phone": phone, "slot": slot}
            for moved in (False, True)
            for phone in (None, "07700 900123")
            for slot in (HOME, NEW_YORK)
        ),
        *({"phone_added": True, "slot": slot} for slot in (HOME, NEW_YORK)),
    ],
    "reminder": [
        {"phone": phone, "slot": slot}
        for phone in (None, "07700 900123")
        for slot in (HOME, NEW_YORK)
    ],
    "kept": [
        {"note": ""},
        {"slot": HOME},
        {"lapsed": True},
        {"lapsed": True, "note": ""},
    ],
    "cancelled": [
        {"by": by, "note": note, "slot": slot, "calendar": slot is not None}
        for by in ("therapist", "person")
        for note in ("", "(a note)")
        for slot in (None, HOME, NEW_YORK)
        if slot is not None or by == "person"
    ],
    "cancel_notice": [
        {"by": by, "quoted": quoted, "event": event, "note": "(a note)"}
        for by in ("therapist", "calendar", "person")
        for quoted in ([], ["I need to cancel, sorry."])
        for event in (False, True)
    ],
    "approval_request": [{"slot": HOME, "phone": None}],
    "approval_again": [
        {"waiting": True, "until": "Thursday 3 December at 10:00"},
        {"waiting": True, "until": "Thursday 3 December at 10:00", "move": True},
    ],
    "after_answer": [{"answer": a} for a in ("yes", "not_now", "no")],
    "followup": [{"when": w} for w in ("today", "yesterday", "on Friday", "")],
    "followup_answer": [
        {"answer": a} for a in ("yes", "not_now", "no", "question", "unclear")
    ],
    "therapist_alert": [
        {"reason": r, "proposed": "Tuesday 8 December at 10:00"}
        for r in (
            "counter",
            "withdrawn",
            "unclear-reply",
            "late-cancel",
            "pick-asks-taken",
            "pick-asks-unclear",
            "pick-asks-reopen",
            "pick-asks-started",
            "pick-started",
            "approval-superseded",
            "move-superseded",
            "?",
        )
    ],
    "therapist_event": [{"moved": True, "phone": None}, {"updated": True}],
    "digest": [
        {"today": [], "new": []},
        {"waiting": [{"name": "Jordan Lee", "when": "Tue 1 Dec, 10:00"}]},
    ],
}


def renderings(samples: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(label, text) for label, text, _ in both_parts(samples)]


def both_parts(samples: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(label, text, html) of every kind in every variant its template has."""
    found = []
    for kind, context in samples.items():
        for changes in [{}, *VARIANTS.get(kind, [])]:
            text, html = compose.render(kind, {**context, **changes})
            found.append((f"{kind} {changes}", text, html))
    return found


def shown(html: str) -> str:
    """What a reader of the HTML part sees, as one line of words."""
    body = html.split("<body", 1)[1].split(">", 1)[1]
    inline = re.sub(r"</?(?:a|strong|span)\b[^>]*>", "", body)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


# A sentence that ends a line, then a new sentence at the start of the next one:
# two paragraphs with their blank line lost. Quotes ("> "), lists and indented
# lines are exempt, as are the signature and the header-like field lines.
_GLUED_LINES = re.compile(r"[.!?]\n(?=[A-Z(])(?![A-Za-z]+: )")
# Two sentences touching inside a line ("after all.Here are").
_GLUED_WORDS = re.compile(r"[a-z)][.!?:;,][A-Za-z(]")


def _word(text: str, at: int) -> str:
    """The run of non-space characters around `at` (addresses, config keys)."""
    start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [i for i in (text.find(" ", at), text.find("\n", at)) if i != -1]
    return text[start : min(ends, default=len(text))]


def test_no_paragraph_is_glued_to_the_next(samples):
    for label, text in renderings(samples):
        prose = "\n".join(
            line for line in text.splitlines() if not line.startswith((">", " "))
        )
        prose = re.sub(r"`[^`]*`", "`key`", prose)  # config keys: "limits.per_hour"
        glued = _GLUED_LINES.search(prose)
        assert glued is None, (
            f"{label}: {prose[glued.start() - 40 : glued.end() + 40]!r}"
        )
        touching = [
            m.group()
            for m in _GLUED_WORDS.finditer(prose)
            if not re.search(r"[@_]|e\.g\.", _word(prose, m.start()))
        ]
        assert not touching, f"{label}: {touching}"


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
@pytest.mark.parametrize("phone", [None, "07700 900123"])
@pytest.mark.parametrize("slot", [HOME, NEW_YORK])
def test_the_time_is_a_paragraph_of_its_own(samples, kind, phone, slot):
    text, _ = compose.render(kind, {**samples[kind], "phone": phone, "slot": slot})
    paragraphs = text.split("\n\n")
    (when,) = [p for p in paragraphs if slot["practice"] in p]
    assert "\n" not in when
    assert when.endswith(".")
    assert when.startswith(("That's booked:", "Just a gentle reminder"))


def test_confirmation_names_the_phone_once(samples):
    context = {**samples["confirmation"], "slot": NEW_YORK, "phone": "07700 900123"}
    text, html = compose.render("confirmation", context)
    assert (
        "That's booked: I'll ring you on 07700 900123 on Monday 26 October at 13:00 "
        "London time (GMT, UTC+0), which is 09:00 your time (UTC-4).\n\n"
    ) in text
    assert text.count("07700 900123") == 1
    assert html.count("07700 900123") == 1
    assert "all you need is somewhere quiet where you can talk freely" in text


def test_a_time_elsewhere_reads_without_brackets_in_brackets(samples):
    text, _ = compose.render("held", {**samples["held"], "slot": NEW_YORK})
    assert (
        "I'm holding Monday 26 October at 13:00 London time (GMT, UTC+0) for you, "
        "which is 09:00 your time (UTC-4), and I'll confirm it shortly."
    ) in text
    for kind in ("offer", "held", "confirmation", "reminder", "cancelled", "kept"):
        text, html = compose.render(kind, {**samples[kind], "slot": NEW_YORK})
        assert not re.search(r"\([^()\n]*\(", text), kind
        assert not re.search(r"\([^()\n]*\(", html), kind


def test_the_therapists_own_proposal_is_a_question_not_a_list(samples):
    context = {**samples["offer_again"], "reason": "proposed", "slots": [NEW_YORK]}
    text, html = compose.render("offer_again", context)
    assert (
        "I'm sorry, I can't do that time after all. Could I ring you on Monday 26 "
        "October at 13:00 London time (GMT, UTC+0), which is 09:00 your time (UTC-4), "
        "instead?"
    ) in text
    assert 'If that suits you, just reply "yes".' in text
    assert not re.search(r"^\s+1\. ", text, re.M)
    assert "<ol>" not in html


def test_the_approval_request_shows_their_own_time(samples):
    context = {**samples["approval_request"], "slot": NEW_YORK}
    text, html = compose.render("approval_request", context)
    assert "which is 09:00 their time (UTC-4)" in text
    assert "which is 09:00 their time (UTC-4)" in html
    assert "no: decline. Anything you add is passed on to them with fresh times." in (
        text
    )
    home, _ = compose.render("approval_request", {**context, "slot": HOME})
    assert "their time" not in home


@pytest.mark.parametrize(
    ("level", "answered", "says"),
    [
        ("clear", "safety", "it sent them your safety message"),
        ("clear", "nothing", "so mailflow sent them nothing"),
        ("possible", "times", "will hold whatever they pick for your approval"),
    ],
)
def test_the_crisis_alert_says_what_was_done_and_where_to_answer(
    samples, level, answered, says
):
    context = {**samples["crisis_alert"], "level": level, "answered": answered}
    text, html = compose.render("crisis_alert", context)
    where = (
        "Replying to this email writes to them (jordan@example.org), not to mailflow."
    )
    for rendering in (text, shown(html)):
        assert where in rendering
        assert says in " ".join(rendering.split())
    assert "SAFETY NOTE, in their words: (their words)" in text
    bare, _ = compose.render("crisis_alert", {**context, "safety_note": ""})
    assert "SAFETY NOTE" not in bare


def test_a_cancellation_by_reply_quotes_their_words(samples):
    context = {**samples["cancel_notice"], "quoted": ["Sorry, I need to cancel."]}
    text, html = compose.render("cancel_notice", context)
    assert "> Sorry, I need to cancel." in text
    assert "Sorry, I need to cancel." in html
    bare, _ = compose.render("cancel_notice", {**context, "quoted": []})
    assert "Their words" not in bare


@pytest.mark.parametrize(
    ("call", "now", "expected"),
    [
        ("2026-10-26T13:00", "2026-10-26T15:15", "today"),
        ("2026-10-26T13:00", "2026-10-27T09:00", "yesterday"),
        ("2026-10-23T13:00", "2026-10-26T09:00", "on Friday"),
        ("2026-10-12T13:00", "2026-10-26T09:00", "on Monday 12 October"),
        # 23:30 in London is already the next day in Berlin.
        ("2026-10-26T23:30", "2026-10-27T01:00", "today"),
    ],
)
def test_since_call(call: str, now: str, expected: str) -> None:
    from zoneinfo import ZoneInfo

    at = datetime.fromisoformat(call).replace(tzinfo=ZoneInfo("Europe/London"))
    later = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("Europe/London"))
    assert compose.since_call(at, later, ZoneInfo("Europe/Berlin")) == expected


# -- one source: the HTML part is the text, laid out ------------------------------


def _words(text: str) -> str:
    """The text's words as a reader of either part sees them (no "> ", no "1.")."""
    lines = [re.sub(r"^(?:> ?|\s+\d+\.\s)", "", line) for line in text.splitlines()]
    return " ".join(" ".join(lines).split())


def test_the_html_says_exactly_what_the_text_says(samples):
    for label, text, html in both_parts(samples):
        assert shown(html) == _words(text), label


def test_the_html_keeps_the_look_readers_rely_on(samples):
    """Numbered times, the booked time in bold, the safety note boxed, quotes quoted."""
    _, offer = compose.render("offer", {**samples["offer"], "slots": [HOME, NEW_YORK]})
    assert "<ol>" in offer
    assert offer.count("<li>") == 2
    assert '<span style="color:#555555;">09:00 your time (UTC-4)</span>' in offer
    _, booked = compose.render(
        "confirmation", {**samples["confirmation"], "slot": HOME}
    )
    assert f"<strong>{HOME['practice']}</strong>" in booked
    _, safety = compose.render("safety", samples["safety"])
    assert "<strong>If you are in danger" in safety
    _, alert = compose.render("crisis_alert", samples["crisis_alert"])
    assert "<strong>SAFETY NOTE, in their words:</strong>" in alert
    assert "border:2px solid #b00020" in alert
    assert "<blockquote" in alert
    assert "<table" in alert  # From / Phone / Subject / Sent
    assert "font-family:Georgia" in alert
    assert '<a href="mailto:jordan@example.org">' in alert


# -- the contract, written once -------------------------------------------------


def test_the_contract_covers_every_shipped_template_and_nothing_else():
    shipped = {
        p.name.removesuffix(".txt.j2")
        for p in compose.TEMPLATE_DIR.glob("*.j2")
        if not p.name.startswith("_")
    }
    assert set(contract.LETTERS) == shipped
    assert not list(compose.TEMPLATE_DIR.glob("*.html.j2"))


@pytest.mark.parametrize("kind", sorted(contract.LETTERS))
def test_each_shipped_template_reads_only_names_its_contract_gives(kind):
    assert compose.names_used(kind) <= contract.LETTERS[kind].names


def test_the_samples_are_the_contract(samples):
    for kind, context in samples.items():
        assert set(context) == contract.LETTERS[kind].names, kind
        for dotted in contract.LETTERS[kind].strong:
            assert dotted.split(".")[0] in contract.LETTERS[kind].names, kind


@pytest.mark.parametrize("kind", ["reminder", "move_request", "followup_answer"])
def test_video_calls_are_said_so_and_ask_no_phone(kind: str) -> None:
    from pathlib import Path as _Path

    from mailflow.cli.check import sample_contexts
    from mailflow.config import load_settings

    settings = load_settings(
        _Path(__file__).resolve().parents[1] / "config" / "mailflow.example.toml"
    )
    context = dict(sample_contexts(settings)[kind])
    context["call"] = {"minutes": 30, "mode": "video", "video_url": "https://m.x/r"}
    text, _ = compose.render(kind, context)
    assert "Phone:" not in text
    assert "ring you" not in text
    if kind != "followup_answer":
        assert "30-minute" in text


@pytest.mark.parametrize(
    "reason",
    [
        "risk-words",
        "no-intent",
        "unsure-risk",
        "care-danger",
        "care-risk",
        "care-weighed",
        "own-danger",
        "own-need",
        "leave-words",
        "asking-words",
    ],
)
def test_a_notes_who_and_subject_stand_apart_from_its_words(samples, reason):
    # The demo showed "...answer them yourself.\nFrom: Robyn": glued, as the
    # field lines are exempt from the test above.
    text, _ = compose.render(
        "unsure_note", {**samples["unsure_note"], "reason": reason}
    )
    before = text.split("\nFrom:", 1)[0]
    assert before.endswith("\n"), before[-80:]


# -- a slot's wording, worked out once (#13) -------------------------------------------


def test_a_slots_wording_is_a_copy_the_caller_may_change() -> None:
    first = compose.describe_slot(SLOT, "Europe/London", twelve_hour=False)
    first["practice"] = "changed"
    again = compose.describe_slot(SLOT, "Europe/London", twelve_hour=False)
    assert again["practice"] == "Monday 26 October at 13:00 London time (GMT, UTC+0)"


def test_a_slots_wording_follows_each_of_what_it_is_asked_with() -> None:
    """Asked again with another clock, zone or reader's offset: not the first answer."""
    compose.describe_slot(SLOT, "Europe/London", twelve_hour=False)
    twelve = compose.describe_slot(SLOT, "Europe/London", twelve_hour=True)
    assert twelve["practice"] == "Monday 26 October at 1pm London time (GMT, UTC+0)"
    paris = compose.describe_slot(SLOT, "Europe/Paris", twelve_hour=False)
    assert paris["practice"] == "Monday 26 October at 14:00 Paris time (CET, UTC+1)"
    there = compose.describe_slot(
        SLOT,
        "Europe/London",
        twelve_hour=False,
        person_zone=timezone(timedelta(hours=5)),
    )
    assert there["theirs"] == "18:00 your time (UTC+5)"
    assert NEW_YORK["theirs"] == "09:00 your time (UTC-4)"


def test_the_same_wall_time_twice_in_a_dst_fold_is_two_times() -> None:
    """01:30 in New York on the night clocks go back is two instants an hour
    apart that compare equal as local times: each is worded as itself."""
    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=zone)
    second = first.replace(fold=1)
    words = [
        compose.describe_slot(
            Slot(at, at + timedelta(minutes=15)), "Europe/London", twelve_hour=False
        )["practice"]
        for at in (first, second)
    ]
    assert words == [
        "Sunday 1 November at 05:30 London time (GMT, UTC+0)",
        "Sunday 1 November at 06:30 London time (GMT, UTC+0)",
    ]


@pytest.mark.parametrize("answered", ["times", "nothing"])
def test_an_alert_about_words_alone_never_says_they_mention_risk(samples, answered):
    """A request the risk words alone weighed (`classify.ALERT_CHANCE`) names
    no risk: its alert says so, with times or without (no free slot)."""
    context = {
        **samples["crisis_alert"],
        "level": "possible",
        "answered": answered,
        "weighed": True,
        "danger": False,
        "safety_note": "",
    }
    text = " ".join(compose.render("crisis_alert", context)[0].split())
    assert "names no risk outright" in text
    assert "mentions risk" not in text


@pytest.mark.parametrize("answered", ["thread", "closed"])
@pytest.mark.parametrize(
    ("weighed", "says"),
    [(True, "name no risk outright"), (False, "mention risk or a safety need")],
)
def test_an_alert_about_a_reply_in_their_own_thread_asks_for_a_read_now(
    samples, weighed, says, answered
):
    """A reply in a conversation mailflow is not part of, or one it finished
    or left to the therapist, that still tells something (`classify.
    thread_news`): not "Urgent" (that is danger told now), not "before
    approving" (nothing waits for approval), and it says the mail was left
    as it is."""
    context = {
        **samples["crisis_alert"],
        "level": "possible",
        "answered": answered,
        "weighed": weighed,
        "danger": False,
    }
    text = " ".join(compose.render("crisis_alert", context)[0].split())
    where = {
        "thread": "a conversation mailflow is not part of",
        "closed": "a conversation mailflow has finished or left to you",
    }[answered]
    assert f"Someone replied in {where}" in text
    assert says in text
    assert "mailflow sent them nothing and left their message where it is." in text
    assert "Please read it now." in text
    assert "approv" not in text
    assert "Urgent" not in text


def test_a_note_weighed_about_someone_in_their_care_says_what_was_read(samples):
    text, _ = compose.render(
        "unsure_note", {**samples["unsure_note"], "reason": "care-weighed"}
    )
    flat = " ".join(text.split())
    assert "its words read like those of people writing in a crisis" in flat
    assert "read their message (below) now" in flat
    assert "I have sent them nothing: no times, and not your safety message" in flat
    assert "If it is in fact their own crisis or a relative's" in flat
    assert 'If it is simply a referral, reply "offer"' in flat
    assert "clear risk" not in flat


@pytest.mark.parametrize("danger", [True, False])
def test_an_alert_about_a_new_mail_from_someone_booking_says_nothing_changed(
    samples, danger
):
    """`intake._note_again` for someone whose booking is under way (helper-
    272): their fresh mail ("Please cancel Thursday. I've put things in
    order") was alerted as any stranger's; now the alert says a booking is
    under way and that nothing in it was changed."""
    context = {
        **samples["crisis_alert"],
        "level": "possible",
        "answered": "booking",
        "weighed": not danger,
        "danger": danger,
    }
    text = " ".join(compose.render("crisis_alert", context)[0].split())
    assert "a booking under way with mailflow" in text
    assert "a cancel or another time it asks for is not carried out" in text


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("leave-words", "reads more like mail you would answer yourself"),
        (
            "asking-words",
            "reads more like someone asking for help than like other mail",
        ),
    ],
)
def test_a_note_says_why_the_learned_words_asked(samples, reason, why):
    """`leave-words` and `asking-words` (stop 64): the note names the doubt
    and that it may be wrong, never the catch-all why."""
    text, _ = compose.render(
        "unsure_note", {**samples["unsure_note"], "reason": reason}
    )
    flat = " ".join(text.split())
    assert why in flat
    assert "I may be wrong" in flat
    assert "it does not clearly ask to start" not in flat
    assert 'Reply "offer"' in flat


def test_a_note_says_why_someone_in_a_caring_job_was_not_answered(samples):
    """`own-need` (stop 62): someone who speaks of their work but asks for
    counselling for themselves is asked about; the note says so."""
    text, _ = compose.render(
        "unsure_note", {**samples["unsure_note"], "reason": "own-need"}
    )
    assert "they seem to ask for counselling for themselves" in text
    assert "it does not clearly ask to start" not in text
