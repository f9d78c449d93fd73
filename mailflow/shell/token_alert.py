"""Tell the therapist by email, once a day at most, that the OAuth2 sign-in broke. Does I/O.

The note goes straight out over SMTP, not through the outbox: a note kept
waiting there would arrive after the fix, and be wrong. So it can go out only
while SMTP still logs in, that is when the broken token is IMAP's alone; when
SMTP needs that same token (or its own is the broken one), the exit line of the
run is the only messenger. The day is recorded after the hand-over; a crash in
between re-sends the same Message-ID, which mail programs show once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow.errors import ImapTokenError, SendError, StoreError, TokenError
from mailflow.writing import compose

if TYPE_CHECKING:
    from mailflow.config import ImapSettings, Settings, SmtpSettings

log = logging.getLogger("mailflow")

KIND = "token_alert"


def shares_token(imap: ImapSettings, smtp: SmtpSettings) -> bool:
    """Whether SMTP logs in with the same token source as IMAP (so fails alike)."""
    if imap.auth != "oauth2" or smtp.auth != "oauth2":
        return False
    if imap.oauth2_token_command or smtp.oauth2_token_command:
        return imap.oauth2_token_command == smtp.oauth2_token_command
    return (imap.oauth2_client_id, imap.oauth2_tenant, imap.username) == (
        smtp.oauth2_client_id,
        smtp.oauth2_tenant,
        smtp.username,
    )


def tell_therapist(settings: Settings, error: TokenError, now: datetime) -> str:
    """Send today's note if it can and has not gone yet; say what happened, briefly."""
    if error.passing:
        return "the next run tries again"
    if not isinstance(error, ImapTokenError):
        return "the therapist cannot be emailed: sending needs this same sign-in"
    if shares_token(settings.imap, settings.smtp):
        return "the therapist cannot be emailed: SMTP uses the same sign-in"
    from mailflow.shell.smtp import SmtpSender
    from mailflow.shell.store import Store
    from mailflow.writing.letters import Letters

    zone = ZoneInfo(settings.practice.timezone)
    local = now.astimezone(zone)
    day = local.date().isoformat()
    practice = settings.practice
    try:
        with Store.open(settings.storage.database) as store:
            marker = f"{KIND}:{day}"
            if store.get_meta(marker) is not None:
                return "the therapist was emailed about it today"
            letters = Letters(settings, store, now)
            draft = compose.Draft(
                kind=KIND,
                sender=practice.email,
                sender_name="mailflow",
                to=practice.therapist_email,
                to_name=practice.therapist_name,
                subject="mailflow cannot sign in to the practice inbox",
                message_id=letters.message_id(0, marker),
                context={
                    "practice": {
                        "name": practice.name,
                        "therapist_name": practice.therapist_name,
                        "email": practice.email,
                    },
                    "inbox": practice.email,
                    "when": letters.practice_time(now),
                    "reason": f"{error.key}: {error.reason}",
                    "action": action(error),
                },
                auto_reply=False,
            )
            raw = compose.build(draft, now, settings.templates.directory)
            with SmtpSender(settings.smtp) as sender:
                sender.send(practice.email, (practice.therapist_email,), raw)
            store.set_meta(marker, now.isoformat())
            store.sync()  # sent once: a power cut after it does not send it again
    except (SendError, TokenError) as exc:
        log.info("token alert: not sent (%s)", type(exc).__name__)
        return "the therapist could not be emailed (SMTP failed too)"
    except StoreError:
        return "the therapist could not be emailed (the database is unusable)"
    return "the therapist has been emailed what to do"


def tell_therapist_locked(settings: Settings, error: TokenError, now: datetime) -> str:
    """As tell_therapist, under the run lock (for `watch`, outside a cycle)."""
    from pathlib import Path

    from mailflow.shell.lock import RunLock

    with RunLock(Path(f"{settings.storage.database}.lock")) as lock:
        if not lock.acquired:
            return ""
        return tell_therapist(settings, error, now)


def action(error: TokenError) -> str:
    """What the therapist (or whoever runs mailflow) should do, in plain words."""
    if error.key.endswith("oauth2_token_command"):
        return (
            f"on the computer where mailflow runs, run the command set in "
            f"{error.key} by hand. It must print a fresh access token; usually the "
            "sign-in it keeps has expired and must be done again. Then run "
            "`mailflow check`."
        )
    return (
        "on the computer where mailflow runs, run `mailflow auth` and sign in "
        "to Microsoft 365 with the practice's account (a password change or an "
        "administrator's revocation ends the old sign-in). Then run `mailflow check`."
    )
