"""`mailflow check`: prove the configuration works before cron relies on it. Does I/O.

Each check prints one line; every check runs even when an earlier one fails, so
one pass shows everything to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from mailflow import compose
from mailflow.errors import MailboxError, SendError, TemplateError
from mailflow.model import Slot

if TYPE_CHECKING:
    from mailflow.config import Settings

NEXT_SLOTS_SHOWN = 8


def sample_contexts(settings: Settings) -> dict[str, dict[str, object]]:
    """Believable data for rendering every template once."""
    practice = settings.practice
    base = {
        "practice": {
            "name": practice.name,
            "therapist_name": practice.therapist_name,
            "email": practice.email,
        }
    }
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    slot = compose.describe_slot(
        Slot(start, start + timedelta(minutes=15)),
        practice.timezone,
        twelve_hour=practice.uses_12h_clock,
        person_zone=timezone(timedelta(hours=-5)),
    )
    person = {
        "greeting_name": "Jordan",
        "phone": "07700 900123",
    }
    about = {
        **base,
        "person_name": "Jordan Lee",
        "person_email": "jordan@example.org",
        "phone": "07700 900123",
        "subject": "Free consultation?",
        "enquiry_id": 1,
        "when": "Tuesday 1 December at 10:00 (GMT, UTC+0)",
        "token": "0123456789abcdef",
        "therapist_email": practice.therapist_email,
        "quoted": ["(their words)"],
    }
    return {
        "offer": {**base, **person, "slots": [slot, slot]},
        "offer_again": {
            **base,
            **person,
            "slots": [slot],
            "reason": "declined",
            "note": "(a note)",
            "preference_words": "in the mornings",
        },
        "held": {**base, **person, "slot": slot},
        "clarify": {**base, **person, "slots": [slot, slot]},
        "confirmation": {
            **base,
            **person,
            "slot": slot,
            "moved": False,
            "phone_added": False,
        },
        "kept": {**base, **person, "slot": slot, "note": "(a note)", "lapsed": False},
        "safety": {**base, **person, "safety_message": settings.safety.message},
        "crisis_alert": {
            **about,
            "sent_at": "Tuesday 1 December at 10:00",
            "level": "possible",
            "answered": "times",
            "safety_note": "(their words)",
        },
        "unsure_note": {
            **about,
            "reason": "colleague",
            "safety_note": "(their words)",
        },
        "no_slots_alert": {**about, "horizon_days": settings.availability.horizon_days},
        "approval_request": {
            **about,
            "slot": slot,
            "safety_note": "(their words)",
            "pick": ["(their words)"],
        },
        "approval_again": {**about, "waiting": False, "until": "", "move": False},
        "move_request": {**about, "proposed": "Tuesday 8 December at 10:00"},
        "therapist_event": {
            **about,
            "moved": False,
            "updated": False,
            "safety_note": "(their words)",
        },
        "therapist_alert": {**about, "reason": "counter", "proposed": ""},
        "bounce_alert": {**about, "reason": "bounced", "status": "5.1.1"},
        "sending_paused": {**base, "count": 30, "per_hour": 30},
        "reminder": {**base, **person, "slot": slot},
        "followup": {**base, **person, "when": "on Tuesday"},
        "followup_nudge": {**base, **person},
        "after_answer": {**base, **person, "answer": "yes"},
        "followup_answer": {**about, "answer": "yes"},
        "cancelled": {
            **base,
            **person,
            "slot": slot,
            "by": "person",
            "note": "",
            "calendar": True,
        },
        "cancel_notice": {**about, "by": "person", "note": "", "event": True},
        "token_alert": {
            **base,
            "inbox": practice.email,
            "when": "Tuesday 1 December at 10:00 (GMT, UTC+0)",
            "reason": "imap.oauth2_client_id: the refresh was refused",
            "action": "run `mailflow auth`, then `mailflow check`.",
        },
        "calendar_alert": {
            **base,
            "reason": "Busy calendar 'work' is unusable: it did not answer.",
        },
        "digest": {
            **base,
            "greeting": "Good morning",
            "today": [{"time": "10:00", "name": "Jordan Lee", "phone": "07700 900123"}],
            "tomorrow": [],
            "waiting": [],
            "new": ["Jordan Lee"],
            "escalated": [],
            "unsure": ["Pat Doe"],
            "zone": "London",
        },
    }


def check(settings: Settings) -> int:
    from mailflow.mailbox import ImapMailbox
    from mailflow.smtp import SmtpSender

    problems = 0
    server_down = False
    print(f"config: ok ({settings.practice.name}, {settings.practice.timezone})")
    imap = settings.imap
    try:
        with ImapMailbox(imap) as mailbox:
            for key, folder in (
                ("imap.folder", imap.folder),
                ("imap.sent_folder", imap.sent_folder),
            ):
                if mailbox.folder_exists(folder):
                    print(f"imap: {key} {folder!r} ok")
                else:
                    print(f"imap: {key} {folder!r} does not exist on {imap.host}")
                    problems += 1
    except MailboxError as exc:
        print(f"imap: {exc}")
        server_down = True
    else:
        print(f"imap: logged in to {imap.host}:{imap.port} ({imap.security})")
    try:
        with SmtpSender(settings.smtp) as sender:
            sender.connect()
        print(
            f"smtp: logged in to {settings.smtp.host}:{settings.smtp.port} ({settings.smtp.security})"
        )
    except SendError as exc:
        print(f"smtp: {exc}")
        server_down = True
    for kind, context in sample_contexts(settings).items():
        try:
            compose.render(kind, context, settings.templates.directory)
            print(f"template: {kind} ok")
        except TemplateError as exc:
            print(f"template: {exc}")
            problems += 1
    print("next open slots:")
    for line in next_slots(settings, datetime.now(UTC)):
        print(f"  {line}")
    if problems:
        return 2
    return 3 if server_down else 0


def next_slots(settings: Settings, now: datetime) -> list[str]:
    """The next open slots, in the practice's words, minding calls already held."""
    from mailflow.schedule import Schedule
    from mailflow.store import Store

    path = settings.storage.database
    with Store.open(path if path.exists() else ":memory:") as store:
        slots = Schedule(settings, store, now).free()
    if not slots:
        return [f"(none in the next {settings.availability.horizon_days} days)"]
    return [
        str(
            compose.describe_slot(
                slot,
                settings.practice.timezone,
                twelve_hour=settings.practice.uses_12h_clock,
            )["practice"]
        )
        for slot in slots[:NEXT_SLOTS_SHOWN]
    ]
