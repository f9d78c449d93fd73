"""Privacy: how long client data is kept, and a person's access and erasure requests.

The rules live here; the Store carries them out, one transaction each.

- **Retention**: an enquiry that has ended (closed, which includes expired and
  silent offers; cancelled; stood down; escalated) and has not changed for
  `storage.retention_days` is deleted with its offers, call and thread ids. Its
  outbox rows lose their bodies, recipients and link to the enquiry. Every
  `mailflow run` (and `watch` cycle) ends with this purge; `mailflow purge`
  runs it on demand.
  The purge reads and deletes through indexes (its cost follows what it
  deletes, not the history kept), and the pages it frees go back to the file
  system (`auto_vacuum = INCREMENTAL`): the file shrinks as data goes.
- **What stays, for exactly once**: the `seen` keys (UIDVALIDITY/UID and the
  mail's Message-ID or hash), so a mail is never answered twice; the outbox
  Message-IDs, so a late reply to (or a bounced copy of) our own message is
  still known as ours and a decided Message-ID is never queued again; the
  contacts' keyed hashes; and a floor under enquiry ids, because Message-IDs
  and calendar UIDs derive from them: a reused id would thread a new person's
  mail into an old conversation and overwrite an old event in a calendar.
- **Access** (`mailflow export`): everything stored about one enquiry, as JSON,
  except the therapist's reply tokens: a letter to the therapist is listed
  without its Message-ID and text, and no approval ref appears anywhere.
- **Erasure** (`mailflow forget`): every enquiry of one address, in any state,
  and its contact hash. A call booked in the future must be cancelled first
  (so the person is told); `--force` deletes it anyway, sending nothing. An
  event mailflow wrote into the therapist's calendar (CalDAV) is removed.

Logs name enquiries by number only: never bodies, names or addresses.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from mailflow.model import State

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.store import Store

log = logging.getLogger("mailflow")

ENDED_STATES: Final = frozenset(
    {State.CLOSED, State.CANCELLED, State.STOOD_DOWN, State.ESCALATED, State.ASKED}
)
"""States whose client data the retention purge deletes (expired offers are
closed; a note the therapist never answered is past retention like the rest)."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What `forget` did, or (when `refused`) why it did nothing."""

    enquiries: int
    contact: bool
    refused: tuple[tuple[int, datetime], ...] = ()
    """(enquiry id, call start) of calls booked in the future, when not forced."""


def not_erased(settings: Settings) -> str:
    """What `forget` cannot erase, and how to remove it (#14): mailflow never
    deletes mail, so every copy in a mailbox stays until a person deletes it.
    Names folders and the practice's own addresses, never the person's."""
    imap = settings.imap
    sent = f'"{imap.sent_folder}"' if imap.sent_folder else "the Sent folder"
    filed = (
        f"filed in {sent} by the mail provider"
        if imap.files_sent_mail_itself
        else f"filed by mailflow in {sent}"
    )
    therapist = settings.practice.therapist_email
    lines = [
        "Not erased: mailflow never deletes mail, so these copies stay in the"
        f" mailbox of {imap.username or settings.practice.email} until you delete them:",
        f'  - their own mails, in "{imap.folder}" (imap.folder);',
        f"  - mailflow's letters to them (times, confirmations), {filed};",
        f"  - mailflow's notes about them to the therapist ({therapist}), in"
        f" {sent} and in the therapist's own inbox.",
        "To remove them: in your mail program, search every folder for the address"
        " (From and To), delete what it finds, then empty the Trash; the therapist"
        " does the same in their own mailbox. Backups of the mailbox or of the"
        " database keep copies until they expire.",
    ]
    if not settings.caldav.enabled:
        lines.append(
            "Calendar events for their calls (invitations the therapist accepted,"
            " events copied by hand) are not mailflow's to remove without [caldav]:"
            " delete them in the calendar."
        )
    return "\n".join(lines)


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Enquiries unchanged since before this instant are past retention."""
    return now - timedelta(days=retention_days)


def purge(store: Store, *, now: datetime, retention_days: int) -> int:
    """Delete ended enquiries past retention; returns how many."""
    cutoff = retention_cutoff(now, retention_days)
    with store.transaction():
        ids = store.ended_enquiry_ids(ENDED_STATES, idle_before=cutoff, now=now)
        store.delete_enquiries(ids)
    if ids:
        store.shed_deleted()
        log.info("privacy: %d enquiries past retention deleted", len(ids))
    return len(ids)


def export(store: Store, enquiry_id: int) -> str | None:
    """Everything stored about one enquiry as JSON text; None when there is none."""
    record = store.export_enquiry(enquiry_id)
    if record is None:
        return None
    secrets = _withhold(record)
    text = json.dumps(record, indent=2, ensure_ascii=False)
    for secret in secrets:  # wherever else it was kept (a thread's ids)
        text = text.replace(json.dumps(secret, ensure_ascii=False)[1:-1], WITHHELD)
    return _REF.sub("[ref withheld]", text)


WITHHELD: Final = "<withheld: a reply token of the therapist's>"
_REF = re.compile(r"\[ref [0-9a-f]{16}\]")


def _withhold(record: dict[str, object]) -> set[str]:
    """The export without the therapist's reply tokens (#14): the Message-ID of
    a letter to the therapist, or its text (whose subject carries the approval
    ref), lets whoever holds it approve, cancel or report a no-show by writing
    as the therapist. Such a letter is listed (kind, dates, status) with its
    Message-ID and text kept back; the person's own data it repeated (their
    name, first message, times) is in the enquiry's record. Returns the
    Message-IDs kept back."""
    enquiry = record.get("enquiry")
    person = str(enquiry.get("email", "")).lower() if isinstance(enquiry, dict) else ""
    messages = record.get("messages")
    secrets: set[str] = set()
    for row in messages if isinstance(messages, list) else ():
        recipients = row.get("recipients") or []
        if person and person in (str(r).lower() for r in recipients):
            continue
        if row.get("message_id"):
            secrets.add(str(row["message_id"]))
        row["message_id"] = WITHHELD
        row["message"] = None
    return secrets


def forget(store: Store, address: str, *, now: datetime, force: bool) -> Erasure:
    """Erase every enquiry of `address` and its address hashes, in one transaction."""
    address = address.strip().lower()
    with store.transaction():
        ids = store.enquiry_ids_for(address)
        booked = tuple(store.booked_calls_after(ids, now))
        if booked and not force:
            return Erasure(enquiries=0, contact=False, refused=booked)
        store.unwrite_calendar(ids, now)  # their events leave the calendar too
        store.delete_enquiries(ids)
        store.scrub_outbox_to(address)
        contact = store.forget_contact(address)
        store.clear_undeliverable(address)  # a keyed hash of the address, too
    store.shed_deleted()
    log.info("privacy: erasure request, %d enquiries deleted", len(ids))
    return Erasure(enquiries=len(ids), contact=contact)
