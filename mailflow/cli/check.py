"""`mailflow check`: prove the configuration works before cron relies on it. Does I/O.

Each check prints one line; every check runs even when an earlier one fails, so
one pass shows everything to fix.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailflow.errors import ConfigError, MailboxError, SendError, TemplateError
from mailflow.writing import compose, contract

if TYPE_CHECKING:
    from pathlib import Path

    from mailflow.config import Settings

NEXT_SLOTS_SHOWN = 8


def sample_contexts(settings: Settings) -> dict[str, dict[str, object]]:
    """Believable data for rendering every template once: the contract's samples."""
    return {kind: contract.sample_context(kind, settings) for kind in contract.LETTERS}


_NEWER: tuple[tuple[str, frozenset[str], str], ...] = (
    (
        "offer",
        frozenset({"every_offer"}),
        "the safety message closing every first offer, safety.in_every_offer",
    ),
    *(
        (
            kind,
            frozenset({"safety_close"}),
            "the safety message closing the later letters about the call,"
            " safety.in_later_letters",
        )
        for kind in contract.LATER_LETTERS
    ),
    (
        "approval_request",
        frozenset({"asks"}),
        "that a pick came with a question for you",
    ),
    (
        "approval_request",
        frozenset({"relayed"}),
        "that someone else seems to have chosen the time for them",
    ),
    (
        "digest",
        frozenset({"forms_alerted", "forms_unnamed"}),
        "the website forms naming nobody to write to, alerted about or left"
        " for a sender not in requests.form_senders",
    ),
)
"""Names a practice's own copy of a template, made before they existed, will
not show: said by `check`, never a problem (the letter still goes)."""


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
    from mailflow.reading import phrases
    from mailflow.shell import pattern_cache, phrase_cache
    from mailflow.shell.mailbox import ImapMailbox
    from mailflow.shell.smtp import SmtpSender

    problems = 0
    server_down = False
    print(f"config: ok ({settings.practice.name}, {settings.practice.timezone})")
    print(f"storage: {settings.storage.database} (its folder is writable)")
    # Compiled into the cache folder here (`init` ends with this check), so
    # that the first cron run, as the same user, finds it there.
    book = phrase_cache.load(phrases.DEFAULT_LANGUAGE, phrases.source())
    phrases.keep(book)
    pattern_cache.warm()  # the core's own patterns, kept as the command ends
    print(f"reading: the phrase book ({book.language}) ok")
    from mailflow.shell import folders

    imap = settings.imap
    try:
        with ImapMailbox(imap) as mailbox:
            _login_works(settings)
            sent = folders.sent_folder(mailbox, None, imap.sent_folder)
            how = "" if imap.sent_folder else " (not set: found on the server)"
            for key, folder, found in (
                ("imap.folder", imap.folder, ""),
                ("imap.sent_folder", sent, how),
            ):
                # STATUS, not LIST: Cyrus lists nothing for a user with a dot.
                if mailbox.folder_exists(folder):
                    print(f"imap: {key} {folder!r}{found} ok")
                else:
                    hint = folders.suggestion(mailbox, key, folder)
                    print(
                        f"imap: {key} {folder!r} does not exist on"
                        f" {imap.host}:{imap.port}{hint}"
                    )
                    problems += 1
    except ConfigError as exc:
        for line in exc.problems:
            print(f"mailflow: config: {line}", file=sys.stderr)
        problems += 1
    except MailboxError as exc:
        print(f"imap: {exc}")
        server_down = True
    else:
        print(f"imap: logged in to {imap.host}:{imap.port} ({imap.security})")
    smtp = settings.smtp
    try:
        with SmtpSender(smtp) as sender:
            sender.connect()
        if sender.logged_in:
            print(f"smtp: logged in to {smtp.host}:{smtp.port} ({smtp.security})")
            _login_works(settings, "smtp")
        else:
            print(
                f"smtp: connected to {smtp.host}:{smtp.port} ({smtp.security}),"
                " sending without a login (smtp.username is not set); ok if this"
                " server relays for this machine"
            )
    except ConfigError as exc:
        for line in exc.problems:
            print(f"mailflow: config: {line}", file=sys.stderr)
        problems += 1
    except SendError as exc:
        print(f"smtp: {exc}")
        server_down = True
    directory = settings.templates.directory
    for kind, sample in sample_contexts(settings).items():
        problem = next(
            filter(
                None,
                (
                    template_problem(kind, context, directory)
                    for context in contract.branch_contexts(kind, sample)
                ),
            ),
            None,
        )
        print(f"template: {problem or f'{kind} ok'}")
        problems += problem is not None
    for kind, names, what in _NEWER:
        own = (
            directory is not None
            and (directory / compose.template_name(kind)).is_file()
        )
        missing = sorted(names - compose.names_used(kind, directory)) if own else []
        if missing:
            print(
                f"template: your {compose.template_name(kind)} does not show"
                f" {', '.join(missing)} ({what}; the shipped one does)"
            )
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


def _login_works(settings: Settings, server: str = "imap") -> None:
    """A login that works ends a pause after refused ones (login_guard)."""
    from mailflow.shell.login_guard import meta_key
    from mailflow.shell.store import Store

    path = settings.storage.database
    if not path.exists():
        return
    key = meta_key(server)
    try:
        with Store.open(path) as store:
            if store.get_meta(key):
                store.set_meta(key, "")
    except Exception:  # check only reads; a busy or odd database is run's business
        return


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
