"""Delivery reports: never answered; one about mail mailflow sent marks the
address undeliverable, drops what is queued to it, sets its enquiries aside and
tells the therapist. Shell.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mailflow.deciding import guard, workflow
from mailflow.lazy import lazy_module

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.reading import bounce, extract
    from mailflow.shell.conversation import Conversation
    from mailflow.shell.intake import MailKey
    from mailflow.shell.store import OutboxRecord, Store
    from mailflow.writing import letters
    from mailflow.writing.letters import AfterCallLetters
else:
    bounce = lazy_module("mailflow.reading.bounce")
    extract = lazy_module("mailflow.reading.extract")
    letters = lazy_module("mailflow.writing.letters")

log = logging.getLogger("mailflow")


class Bounces:
    """Reads one delivery report and acts on it, in one transaction."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        now: datetime,
        *,
        letters: Callable[[], AfterCallLetters],
        conversation: Callable[[], Conversation],
    ) -> None:
        self.settings = settings
        self.store = store
        self.now = now
        # Built on first use: most reports are about no mail of ours.
        self._letters = letters
        self._conversation = conversation

    def take(self, key: MailKey, raw: bytes) -> str:
        """A delivery report is never answered. When it says mail mailflow sent
        could not be delivered, the address is marked undeliverable (nothing more
        goes to it), its enquiries are set aside and the therapist is told."""
        found = bounce.read_bounce(raw)
        if found is None:
            waiting = bounce.read_delay(raw)
            if waiting is not None and (returned := self._returned_news(waiting)):
                # News of risk not delivered yet (the therapist's mailbox
                # full for now): the practice inbox hears at once, not days
                # later with the final report.
                with self.store.transaction():
                    for record in returned:
                        self._tell_the_practice(
                            key, record, waiting.status, delayed=True
                        )
                    self.store.mark_seen(
                        key.uidvalidity, key.uid, key.fingerprint, "delay", self.now
                    )
                return "delay"
            return "report"  # a delay notice, a read receipt, a mail system's note
        addresses = self._bounced_addresses(found)
        returned = self._returned_news(found)
        if not addresses and not returned:
            return "bounce-not-ours"
        with self.store.transaction():
            for address in sorted(addresses):
                self.store.mark_undeliverable(address, self.now)
                dropped = self.store.drop_pending_to(address)
                for enquiry_id in self.store.enquiry_ids_for(address):
                    self._set_aside(enquiry_id, found.status)
                log.info(
                    "uid %d: bounce; %d queued message(s) dropped", key.uid, dropped
                )
            for record in returned:
                self._tell_the_practice(key, record, found.status)
            self.store.mark_seen(
                key.uidvalidity, key.uid, key.fingerprint, "bounce", self.now
            )
        return "bounce"

    def _bounced_addresses(self, found: bounce.Bounce) -> set[str]:
        """The people's addresses a bounce is about: its failed recipients among
        those of the message of ours it returns. A report that returns none of
        our messages changes nothing (anyone can write a "bounce" naming an
        address; it stays in the inbox for the therapist). Never the practice's
        own addresses."""
        practice = self.settings.practice
        own = {practice.email, practice.therapist_email}
        failed = {a.lower() for a in found.recipients} - own
        ours = {
            address.lower()
            for message_id in found.message_ids
            for address in self.store.outbox_recipients(message_id)
        } - own
        return ours & failed

    def _returned_news(self, found: bounce.Bounce) -> list[OutboxRecord]:
        """News of risk for the therapist this report returns, failed, and
        what follows (`guard.after_return`): told, or logged only."""
        practice = self.settings.practice
        records = (self.store.outbox_message(m) for m in found.message_ids)
        return [
            record
            for record in records
            if record is not None
            and guard.after_return(
                record.kind,
                failed=bool(found.recipients),
                practice_is_therapist=practice.email.lower()
                == practice.therapist_email.lower(),
            )
            is not guard.AfterReturn.NOTHING
        ]

    def _tell_the_practice(
        self,
        key: MailKey,
        record: OutboxRecord,
        status: str | None,
        *,
        delayed: bool = False,
    ) -> None:
        """The therapist never got this news of risk: a note without the
        person's words goes to the practice's own inbox, which they read too,
        unless that is the very address that returned it."""
        practice = self.settings.practice
        follow = guard.after_return(
            record.kind,
            failed=True,
            practice_is_therapist=practice.email.lower()
            == practice.therapist_email.lower(),
        )
        what = "is delayed" if delayed else "came back undelivered"
        if follow is guard.AfterReturn.LOG:
            log.error(
                "uid %d: outbox %d, news of risk, %s from the practice's own"
                " address; read the practice inbox",
                key.uid,
                record.id,
                what,
            )
            return
        enquiry = (
            None if record.enquiry_id is None else self.store.enquiry(record.enquiry_id)
        )
        writer = self._letters()
        ids = (
            self.store.outgoing_id(
                writer.alert_returned_id(record.enquiry_id, record.id, again=n)
            )
            for n in range(guard.FILING_TRIES)
        )
        statuses = [None if i is None else self.store.outgoing_status(i) for i in ids]
        again = guard.practice_note(statuses)
        if again is not None:
            writer.alert_returned(
                record.enquiry_id,
                "" if enquiry is None else enquiry.email,
                returned_id=record.id,
                form=record.kind == "form_alert"
                or (
                    enquiry is not None and extract.came_by_form(enquiry.first_message)
                ),
                written_at=record.queued_at,
                status=status or "",
                delayed=delayed,
                again=again,
            )
            log.error(
                "uid %d: outbox %d, news of risk for the therapist, %s; a note goes"
                " to the practice inbox",
                key.uid,
                record.id,
                what,
            )
        elif all(s == "failed" for s in statuses):
            log.error(
                "uid %d: outbox %d, news of risk for the therapist, %s; its notes"
                " could not be filed in the practice inbox: news of risk could not"
                " reach the therapist at all",
                key.uid,
                record.id,
                what,
            )
        else:
            log.info(
                "uid %d: outbox %d, news of risk for the therapist, %s; the"
                " practice inbox was told already",
                key.uid,
                record.id,
                what,
            )

    def _set_aside(self, enquiry_id: int, status: str | None) -> None:
        enquiry = self.store.enquiry(enquiry_id)
        if enquiry is None:
            return
        transition = workflow.on_undeliverable(enquiry.state)
        if transition.outcome == "bounce-known":
            return
        # Nobody can read our letters: hold nothing, time nothing more.
        self._conversation().apply(enquiry, transition)
        person = letters.Recipient(enquiry.email, enquiry.name, enquiry.phone, None)
        self._letters().bounce_alert(
            enquiry_id, person, reason="bounced", status=status
        )
