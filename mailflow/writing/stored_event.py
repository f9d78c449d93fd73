"""The therapist's own copy of a booked call as a CalDAV calendar object. Pure.

The emailed copy (`letters.therapist_event`, METHOD:PUBLISH) is what the
therapist's calendar gets, made a stored resource: RFC 4791 section 4.1 forbids
METHOD in a calendar object resource, and ORGANIZER (and any ATTENDEE) are
dropped so that no server takes the event for a meeting to schedule (RFC 6638
would then mail invitations from the therapist's account). Everything else,
UID, SEQUENCE, times, summary (name, number), description and alarm, is the
copy's own, so the event in the calendar and the emailed copy are one event.
"""

from __future__ import annotations

from icalendar import Calendar

_DROPPED = ("ORGANIZER", "ATTENDEE")


SAFETY_FLAG = "SAFETY: see the booking email."
"""What a calendar event says in place of a safety note: the note is in the
person's own words, and a calendar (Google, iCloud, shared, synced to phones)
is no place for them; the therapist's emailed copy keeps it."""


def stored_event(ics: bytes) -> bytes:
    """The copy's VCALENDAR without METHOD, ORGANIZER and ATTENDEE, and without
    anything the person wrote (a safety note becomes a pointer to the email)."""
    calendar = Calendar.from_ical(ics)
    calendar.pop("METHOD", None)
    for event in calendar.walk("VEVENT"):
        for name in _DROPPED:
            event.pop(name, None)
        description = str(event.get("DESCRIPTION", ""))
        if description.startswith("SAFETY: "):
            _, _, rest = description.partition("\n\n")
            event["DESCRIPTION"] = f"{SAFETY_FLAG}\n\n{rest}" if rest else SAFETY_FLAG
    return bytes(calendar.to_ical())


def event_uid(ics: bytes) -> str:
    """The UID of the calendar's one VEVENT."""
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return str(event["UID"])


def resource_name(uid: str) -> str:
    """The event's resource in the calendar collection: its UID, as CalDAV
    clients name theirs, so a second PUT of the same event replaces it. Only
    characters safe in any server's path are kept as they are."""
    safe = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_.@") else f"%{ord(c):02X}"
        for c in uid
    )
    return f"{safe}.ics"
