"""Which folder is Sent, and what to suggest when a configured folder is missing.

`imap.sent_folder` unset: the folder the server marks \\Sent (RFC 6154
SPECIAL-USE), else one named like a Sent folder ("Sent", "INBOX.Sent",
"Sent Items", "[Gmail]/Sent Mail"), else "Sent". The answer is remembered in the
database, so an empty poll still costs no LIST; a folder that has gone is looked
for again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from mailflow.shell.ports import Mailbox
    from mailflow.shell.store import Store

FOUND_SENT_META: Final = "imap:sent_folder_found"
DEFAULT_SENT: Final = "Sent"
_SENT_NAMES: Final = ("sent", "sent items", "sent mail", "sent messages")


def _leaf(name: str) -> str:
    for separator in ("/", "."):
        name = name.rsplit(separator, 1)[-1]
    return name.strip().lower()


def sent_candidates(listed: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Folders that look like Sent: marked \\Sent first, then by name."""
    marked = [n for n, flags in listed if any(f.lower() == "\\sent" for f in flags)]
    named = [n for n, _ in listed if _leaf(n) in _SENT_NAMES and n not in marked]
    return marked + named


def sent_folder(mailbox: Mailbox, store: Store | None, configured: str) -> str:
    """The Sent folder's name: as configured, else found (and remembered)."""
    if configured:
        return configured
    if store is not None:
        known = store.get_meta(FOUND_SENT_META)
        if known:
            return known
    found = sent_candidates(mailbox.folders())
    name = found[0] if found else DEFAULT_SENT
    if store is not None:
        store.set_meta(FOUND_SENT_META, name)
    return name


def forget_sent_folder(store: Store) -> None:
    """The remembered Sent folder has gone: look for it again next run."""
    store.set_meta(FOUND_SENT_META, "")


def suggestion(mailbox: Mailbox, key: str, missing: str) -> str:
    """' (this server has "INBOX.Sent", marked \\Sent)' or the like; '' if none."""
    try:
        listed = mailbox.folders()
    except Exception:
        return ""
    if key == "imap.sent_folder":
        marked = [n for n, f in listed if any(x.lower() == "\\sent" for x in f)]
        if marked:
            return f'; this server marks "{marked[0]}" as Sent: use that'
        found = sent_candidates(listed)
    else:
        found = [n for n, _ in listed if _leaf(n) == _leaf(missing)] or [
            n for n, _ in listed if n.upper() == "INBOX"
        ]
    found = [n for n in found if n != missing]
    if not found:
        return ""
    return f'; did you mean "{found[0]}"?'
