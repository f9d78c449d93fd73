"""`mailflow check`: prove the configuration works before cron relies on it. Does I/O.

Each check prints one line; every check runs even when an earlier one fails, so
one pass shows everything to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailflow.errors import MailboxError, SendError, TemplateError
from mailflow.writing import compose, contract

if TYPE_CHECKING:
    from pathlib import Path

    from mailflow.config import Settings

NEXT_SLOTS_SHOWN = 8


def sample_contexts(settings: Settings) -> dict[str, dict[str, object]]:
    """Believable data for rendering every template once: the contract's samples."""
    return {kind: contract.sample_context(kind, settings) for kind in contract.LETTERS}


def template_problem(
    kind: str, context: dict[str, object], directory: Path | None
) -> str | None:
    """Why `kind`'s template (shipped or the practice's) cannot be used, or None.

    A name outside the contract fails even on a branch the sample never takes.
    """
    allowed = contract.LETTERS[kind].names
    try:
        unknown = compose.names_used(kind, directory) - allowed
        if unknown:
            return (
                f"{compose.template_name(kind)} uses {', '.join(sorted(unknown))}, "
                f"which {kind!r} is never given (it has: {', '.join(sorted(allowed))})"
            )
        compose.render(kind, context, directory)
    except TemplateError as exc:
        return str(exc)
    return None


def check(settings: Settings) -> int:
    from mailflow.shell.mailbox import ImapMailbox
    from mailflow.shell.smtp import SmtpSender

    problems = 0
    server_down = False
    print(f"config: ok ({settings.practice.name}, {settings.practice.timezone})")
    print(f"storage: {settings.storage.database} (its folder is writable)")
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
    directory = settings.templates.directory
    for kind, context in sample_contexts(settings).items():
        problem = template_problem(kind, context, directory)
        print(f"template: {problem or f'{kind} ok'}")
        problems += problem is not None
    for path in compose.unused_html(directory):
        print(
            f"template: {path} is no longer used: the HTML part is derived from "
            f"{path.name.removesuffix('.html.j2')}.txt.j2"
        )
    print("next open slots:")
    for line in next_slots(settings, datetime.now(UTC)):
        print(f"  {line}")
    if problems:
        return 2
    return 3 if server_down else 0


def next_slots(settings: Settings, now: datetime) -> list[str]:
    """The next open slots, in the practice's words, minding calls already held."""
    from mailflow.shell.schedule import Schedule
    from mailflow.shell.store import Store

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
