"""The daily digest: once a local day, the therapist's day at a glance. Shell.

Calls today and tomorrow, what waits for their answer, new, escalated and
unsure enquiries; queued in the outbox like every letter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow.model import ClosedReason, State

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.store import Store
    from mailflow.writing.letters import AfterCallLetters

_UNSURE_DAYS = timedelta(days=14)
"""How long an unanswered "not sure" note stays in the daily digest."""


class Digest:
    """The digest for one run's clock."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        now: datetime,
        letters: Callable[[], AfterCallLetters],
    ) -> None:
        self.settings = settings
        self.store = store
        self.now = now
        self._letters = letters  # built only when a digest is due

    def send_if_due(self) -> None:
        """Once a local day, from `workflow.digest_at`: the therapist's day at a glance."""
        at = self.settings.workflow.digest_at
        zone = ZoneInfo(self.settings.practice.timezone)
        local = self.now.astimezone(zone)
        if not at or local.time() < time.fromisoformat(at):
            return
        day = local.date().isoformat()
        if self.store.get_meta(f"digest:{day}") is not None:
            return
        with self.store.transaction():
            self._letters().digest(
                self.context(local),
                local.date().isoformat(),
                f"{local:%A} {local.day} {local:%B}",
            )
            self.store.set_meta(f"digest:{day}", self.now.isoformat())

    def _since_last(self, local: datetime) -> datetime:
        """When the last summary went (a week back at most), else a day ago:
        what it counts is what came since, however late or missed a day was."""
        for back in range(1, 8):
            day = (local.date() - timedelta(days=back)).isoformat()
            sent = self.store.get_meta(f"digest:{day}")
            if sent is not None:
                return datetime.fromisoformat(sent)
        return self.now - timedelta(days=1)

    def context(self, local: datetime) -> dict[str, object]:
        """The digest template's names (`contract.LETTERS["digest"]`) for `local`'s day."""
        zone = local.tzinfo
        today, tomorrow = local.date(), local.date() + timedelta(days=1)
        calls: dict[object, list[dict[str, str | None]]] = {today: [], tomorrow: []}
        waiting, new, escalated = [], [], []
        unsure: list[str] = []
        to_read: list[str] = []
        for enquiry in self.store.enquiries():
            name = enquiry.name or enquiry.email
            call = self.store.call(enquiry.id)
            if call is not None and call.status == "booked":
                start = call.start_at.astimezone(zone)
                if start.date() in calls:
                    calls[start.date()].append(
                        {
                            "time": f"{start:%H:%M}",
                            "name": name,
                            "phone": self._letters().phone(enquiry.phone),
                        }
                    )
            if enquiry.state is State.HELD and call is not None:
                waiting.append(
                    {"name": name, "when": self._letters().practice_time(call.start_at)}
                )
            elif enquiry.state is State.BOOKED and enquiry.counter_start_at is not None:
                moved_to = self._letters().practice_time(enquiry.counter_start_at)
                waiting.append({"name": name, "when": f"a move to {moved_to}"})
            if (
                self.now - enquiry.created_at < timedelta(days=1)
                and enquiry.closed_reason is not ClosedReason.ALERTED
            ):
                new.append(name)  # not an alert about mail left alone
            if (
                enquiry.state is State.ESCALATED
                and self.now - enquiry.updated_at < timedelta(days=7)
            ):
                escalated.append(f"{name} (please contact them yourself)")
            if enquiry.state is State.ASKED and enquiry.risk != "none":
                # A note kept as possible risk ("Please read"): listed apart,
                # and every morning until it is answered, however old.
                to_read.append(name)
            elif (
                enquiry.state is State.ASKED
                and self.now - enquiry.created_at < _UNSURE_DAYS
            ):
                unsure.append(name)
        forms = self.store.forms_since(self._since_last(local))
        return {
            "greeting": "Good morning"
            if local.hour < 12
            else "Good afternoon"
            if local.hour < 18
            else "Good evening",
            "today": sorted(calls[today], key=lambda c: str(c["time"])),
            "tomorrow": sorted(calls[tomorrow], key=lambda c: str(c["time"])),
            "waiting": waiting,
            "new": new,
            "escalated": escalated,
            "unsure": unsure,
            "to_read": to_read,
            "forms_alerted": forms.get("form-alerted", 0),
            "forms_unnamed": forms.get("form-unconfigured", 0),
            "zone": self.settings.practice.timezone.rsplit("/", 1)[-1].replace(
                "_", " "
            ),
        }
