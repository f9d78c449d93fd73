"""The template contract, written once: per message kind, the names its template may use. Pure.

`letters` passes exactly these names, `mailflow check` renders every template
(shipped or the practice's own) with them and refuses any other name, and the
tests hold both to this table. `strong` names the values the HTML shows in bold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailflow.config import Settings


@dataclass(frozen=True, slots=True)
class Letter:
    """What one kind's template is given."""

    names: frozenset[str]
    samples: Mapping[str, object] = field(default_factory=dict)
    """This kind's believable values where they differ from the shared ones."""
    strong: tuple[str, ...] = ()
    """Context values (dotted: "slot.practice") the HTML part shows in bold."""
    strong_if: Mapping[str, str] = field(default_factory=dict)
    """A value of `strong` bold only where this context flag is true: the
    safety message above an offer's times, not the same words closing it."""
    branches: tuple[Mapping[str, object], ...] = ()
    """Samples for the template's other branches, over `samples`: `mailflow
    check` renders each, so a practice's edit that breaks a branch the sample
    never takes (a crisis alert for an invitation) is found before it is sent."""


def _letter(
    *groups: tuple[str, ...],
    samples: Mapping[str, object] | None = None,
    strong: tuple[str, ...] = (),
    branches: tuple[Mapping[str, object], ...] = (),
    strong_if: Mapping[str, str] | None = None,
) -> Letter:
    names = frozenset(n for g in groups for n in g)
    return Letter(
        names,
        samples=samples or {},
        strong=strong,
        strong_if=strong_if or {},
        branches=branches,
    )


BASE = ("practice",)
"""Every letter: practice.name, practice.therapist_name, practice.email."""
CALL = ("call",)
"""Letters about the call: call.minutes (availability.slot_minutes), call.mode
("phone" or "video") and call.video_url (the meeting room; "" for a phone call)."""
TO_PERSON = (*BASE, *CALL, "greeting_name", "phone")
"""Letters to the person who wrote."""
ABOUT = (*BASE, *CALL, "enquiry_id", "person_name", "person_email", "phone")
"""Letters to the therapist about one enquiry."""
CLOSING = ("safety_close", "safety_message")
"""Later letters to the person about the call that may answer their own mail
(other times, which time, held, booked): closed with the
practice's safety message where they do, while `safety.in_later_letters`
(not in bold)."""
UNCLOSED: tuple[Mapping[str, object], ...] = ({"safety_close": False},)
"""The branch of such a letter without its closing."""

_POSSIBLE_ANSWERS = (
    "conversation",
    "nothing",
    "calendar",
    "calendar-wait",
    "thread",
    "closed",
    "booking",
)
"""What a person got, for the crisis alert's branches of possible risk
(a request's "times" only where the risk words alone weighed it)."""

LETTERS: dict[str, Letter] = {
    # -- to the person
    "offer": _letter(
        TO_PERSON,
        ("slots", "danger", "every_offer", "safety_message"),
        samples={"danger": False, "every_offer": True},
        strong=("safety_message",),
        strong_if={"safety_message": "danger"},
        branches=({"danger": True}, {"every_offer": False}),
    ),
    "offer_again": _letter(
        TO_PERSON,
        CLOSING,
        ("slots", "booked", "reason", "note", "preference_words"),
        samples={"reason": "declined"},
        branches=UNCLOSED,
    ),
    "clarify": _letter(TO_PERSON, CLOSING, ("slots",), branches=UNCLOSED),
    "held": _letter(
        TO_PERSON,
        CLOSING,
        ("slot", "question"),
        samples={"question": False},
        strong=("slot.practice",),
        branches=(*UNCLOSED, {"phone": ""}, {"question": True}),
    ),
    "confirmation": _letter(
        TO_PERSON,
        CLOSING,
        ("slot", "moved", "phone_added"),
        strong=("slot.practice",),
        branches=(*UNCLOSED, {"phone_added": True}, {"moved": True}),
    ),
    "kept": _letter(TO_PERSON, ("slot", "note", "lapsed"), strong=("slot.practice",)),
    "still_suits": _letter(TO_PERSON, ("slot",), strong=("slot.practice",)),
    "safety": _letter(
        TO_PERSON,
        ("safety_message", "asks", "unsure"),
        samples={"asks": False, "unsure": False},
        strong=("safety_message",),
        branches=({"asks": True}, {"unsure": True}),
    ),
    "reminder": _letter(TO_PERSON, ("slot",), strong=("slot.practice",)),
    "followup": _letter(TO_PERSON, ("when",), samples={"when": "on Tuesday"}),
    "followup_nudge": _letter(TO_PERSON),
    "after_answer": _letter(TO_PERSON, ("answer",)),
    "cancelled": _letter(
        TO_PERSON,
        ("slot", "by", "note", "calendar"),
        samples={"note": ""},
        strong=("slot.practice",),
    ),
    # -- to the therapist, about one enquiry
    "crisis_alert": _letter(
        ABOUT,
        (
            "subject",
            "sent_at",
            "quoted",
            "level",
            "answered",
            "safety_note",
            "weighed",
            "danger",
        ),
        samples={"level": "possible", "answered": "times"},
        branches=(
            *(
                {"level": "clear", "answered": answered, "safety_note": ""}
                for answered in (
                    "safety",
                    "safety-question",
                    "yours",
                    "nothing",
                    "invitation",
                    "thread",
                )
            ),
            *(
                {"level": "possible", "answered": answered}
                for answered in _POSSIBLE_ANSWERS
            ),
            *(
                {"level": "possible", "answered": answered, "weighed": True}
                for answered in (*_POSSIBLE_ANSWERS, "times")
            ),
            *(
                {"level": "possible", "answered": answered, "danger": True}
                for answered in (
                    "times",
                    "times-safety",
                    "safety-only",
                    "client",
                    "thread",
                    "conversation",
                    "conversation-safety",
                    "closed",
                    "booking",
                    "nothing",
                    "calendar",
                    "calendar-safety",
                    "calendar-wait",
                )
            ),
        ),
    ),
    "form_alert": _letter(
        BASE,
        (
            "person_name",
            "phone",
            "typed_email",
            "sent_by",
            "subject",
            "sent_at",
            "quoted",
            "level",
            "safety_note",
        ),
        samples={
            "level": "clear",
            "sent_by": "service",
            "typed_email": "",
        },
        branches=(
            {"level": "possible"},
            {"level": "weighed"},
            {"sent_by": "unnamed", "typed_email": "jordan@example.org"},
            {"sent_by": "unnamed"},
            {"sent_by": "practice", "typed_email": "jordan@example.org"},
        ),
    ),
    "unsure_note": _letter(
        ABOUT,
        (
            "subject",
            "reason",
            "quoted",
            "safety_note",
            "token",
            "therapist_email",
            "warned",
        ),
        samples={"reason": "colleague", "warned": False},
        branches=(
            {"reason": "risk-words"},
            {"reason": "risk-words", "warned": True},
            {"reason": "care-danger"},
            {"reason": "care-risk"},
            {"reason": "care-weighed"},
            {"reason": "own-danger"},
            {"reason": "own-danger", "warned": True},
            {"reason": "possible-risk", "warned": True},
        ),
    ),
    "no_slots_alert": _letter(ABOUT, ("subject", "horizon_days")),
    "approval_request": _letter(
        ABOUT,
        (
            "when",
            "slot",
            "quoted",
            "pick",
            "asks",
            "relayed",
            "safety_note",
            "token",
            "therapist_email",
        ),
        strong=("when",),
        samples={"asks": False, "relayed": False},
        branches=({"asks": True}, {"relayed": True}),
    ),
    "approval_again": _letter(
        ABOUT,
        ("when", "token", "waiting", "until", "move", "outside"),
        strong=("when",),
    ),
    "move_request": _letter(
        ABOUT,
        ("when", "proposed", "token", "therapist_email", "comment"),
        strong=("when", "proposed"),
    ),
    "therapist_event": _letter(
        ABOUT, ("when", "safety_note", "moved", "updated"), strong=("when",)
    ),
    "therapist_alert": _letter(
        ABOUT,
        ("reason", "when", "proposed", "replied_by", "reply", "comment", "others"),
        samples={"reason": "counter"},
        branches=(
            {"reason": "pick-asks-taken"},
            {"reason": "pick-asks-unclear"},
            {"reason": "pick-asks-reopen"},
            {"reason": "pick-asks-started"},
            {"reason": "pick-relayed"},
            {"reason": "pick-started"},
            {"reason": "approval-superseded"},
            {"reason": "move-superseded"},
        ),
    ),
    "bounce_alert": _letter(ABOUT, ("reason", "status"), samples={"reason": "bounced"}),
    "alert_refused": _letter(
        BASE,
        ("enquiry_id", "person_email", "form", "written_at", "status"),
        ("filtered",),
        samples={
            "form": False,
            "written_at": "Tuesday 1 December at 10:00 (GMT)",
            "status": "554 5.7.1",
            "filtered": True,
        },
        branches=(
            {"person_email": "", "enquiry_id": None, "form": True},
            {"filtered": False, "status": "452 4.2.2"},
        ),
    ),
    "alert_returned": _letter(
        BASE,
        ("enquiry_id", "person_email", "form", "written_at", "status"),
        ("therapist_email", "delayed"),
        samples={
            "form": False,
            "written_at": "Tuesday 1 December at 10:00 (GMT)",
            "status": "5.2.2",
            "delayed": False,
        },
        branches=(
            {"person_email": "", "enquiry_id": None, "form": True},
            {"delayed": True, "status": "4.2.2"},
        ),
    ),
    "followup_answer": _letter(ABOUT, ("answer", "when", "quoted")),
    "cancel_notice": _letter(
        ABOUT,
        ("when", "by", "note", "event", "quoted", "others"),
        samples={"note": ""},
        strong=("when",),
    ),
    # -- to the therapist, about the practice
    "sending_paused": _letter(BASE, ("count", "per_hour", "urgent_per_hour")),
    "token_alert": _letter(
        BASE,
        ("inbox", "when", "reason", "action"),
        samples={
            "reason": "imap.oauth2_client_id: the refresh was refused",
            "action": "run `mailflow auth`, then `mailflow check`.",
        },
    ),
    "calendar_alert": _letter(
        BASE,
        ("reason",),
        samples={"reason": "Busy calendar 'work' is unusable: it did not answer."},
    ),
    "caldav_alert": _letter(
        BASE,
        ("reason", "waiting"),
        samples={"reason": "the server did not answer (ConnectError)", "waiting": 2},
    ),
    "calendar_skipped": _letter(
        BASE,
        ("feed_name", "events", "more"),
        samples={
            "feed_name": "'Work'",
            "events": [
                {
                    "summary": "Dentist",
                    "day": "2026-02-30",
                    "what": "left out: it could not be read",
                }
            ],
            "more": 0,
        },
    ),
    "digest": _letter(
        BASE,
        (
            "greeting",
            "today",
            "tomorrow",
            "waiting",
            "new",
            "escalated",
            "unsure",
            "to_read",
            "forms_alerted",
            "forms_unnamed",
        ),
        ("zone",),
        samples={"waiting": [], "forms_alerted": 0, "forms_unnamed": 0},
        branches=({"forms_alerted": 1, "forms_unnamed": 2},),
    ),
}


LATER_LETTERS: tuple[str, ...] = tuple(
    kind for kind, letter in LETTERS.items() if "safety_close" in letter.names
)
"""The letters `safety.in_later_letters` closes with the safety message."""


def strong(kind: str, context: Mapping[str, Any]) -> list[str]:
    """The text of the values `kind` shows in bold, as this context has them."""
    letter = LETTERS.get(kind)
    found: list[str] = []
    for dotted in letter.strong if letter else ():
        flag = letter.strong_if.get(dotted) if letter else None
        if flag is not None and not context.get(flag):
            continue
        value: Any = context
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            found.append(value)
    return found


def sample_context(kind: str, settings: Settings) -> dict[str, object]:
    """Believable values for exactly the names `kind` may use."""
    letter = LETTERS[kind]
    shared = _shared_samples(settings)
    return {
        name: letter.samples[name] if name in letter.samples else shared[name]
        for name in letter.names
    }


def branch_contexts(kind: str, sample: Mapping[str, object]) -> list[dict[str, object]]:
    """`sample` and, over it, one context per branch the contract names."""
    return [dict(sample), *({**sample, **branch} for branch in LETTERS[kind].branches)]


def _shared_samples(settings: Settings) -> dict[str, object]:
    from mailflow.model import Slot
    from mailflow.writing import compose

    practice = settings.practice
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    slot = compose.describe_slot(
        Slot(start, start + timedelta(minutes=settings.availability.slot_minutes)),
        practice.timezone,
        twelve_hour=practice.uses_12h_clock,
        person_zone=timezone(timedelta(hours=-5)),
    )
    return {
        "practice": {
            "name": practice.name,
            "therapist_name": practice.therapist_name,
            "email": practice.email,
        },
        "call": {
            "minutes": settings.availability.slot_minutes,
            "mode": settings.call.mode,
            "video_url": settings.call.video_url
            if settings.call.mode == "video"
            else "",
        },
        "greeting_name": "Jordan",
        "phone": "07700 900123",
        "person_name": "Jordan Lee",
        "person_email": "jordan@example.org",
        "enquiry_id": 1,
        "subject": "Free consultation?",
        "token": "0123456789abcdef",
        "therapist_email": practice.therapist_email,
        "quoted": ["(their words)"],
        "pick": ["(their words)"],
        "safety_note": "(their words)",
        "slot": slot,
        "slots": [slot, slot],
        "booked": slot,
        "when": "Tuesday 1 December at 10:00 (GMT, UTC+0)",
        "proposed": "Tuesday 8 December at 10:00",
        "until": "",
        "sent_at": "Tuesday 1 December at 10:00",
        "reason": "",
        "note": "(a note)",
        "replied_by": "Alex Lee <alex@example.org>",
        "reply": "declined",
        "comment": ["(their words)"],
        "others": "Alex Lee <alex@example.org> declined",
        "preference_words": "in the mornings",
        "moved": False,
        "updated": False,
        "phone_added": False,
        "lapsed": False,
        "waiting": False,
        "move": False,
        "outside": "",
        "calendar": True,
        "event": True,
        "by": "person",
        "answer": "yes",
        "level": "possible",
        "answered": "times",
        "weighed": False,
        "danger": False,
        "status": "5.1.1",
        "safety_message": settings.safety.message,
        "safety_close": True,
        "horizon_days": settings.availability.horizon_days,
        "count": 30,
        "per_hour": settings.limits.per_hour,
        "urgent_per_hour": 20,
        "inbox": practice.email,
        "action": "",
        "greeting": "Good morning",
        "today": [{"time": "10:00", "name": "Jordan Lee", "phone": "07700 900123"}],
        "tomorrow": [],
        "new": ["Jordan Lee"],
        "escalated": [],
        "unsure": ["Pat Doe"],
        "to_read": ["Robin Hale"],
        "zone": "London",
        "feed_name": "'work.ics'",
        "events": [],
        "more": 0,
    }
