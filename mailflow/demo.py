"""`mailflow demo`: a whole conversation on a throwaway local mail server. Does I/O.

Starts Dovecot + a local SMTP server on loopback, writes a throwaway config,
delivers the mail a real practice gets, runs the worker with a fixed clock and
prints every email it writes, as the people receiving it would read them.
"""

from __future__ import annotations

import email
import tempfile
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mailflow.devserver import LocalMailServer

PRACTICE = "hello@riverside.example"
THERAPIST = "sam@riverside.example"
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 23, 9, 10, tzinfo=LONDON)
"""A Tuesday in the week British Summer Time begins: offers straddle the change.

It is Easter week too: the demo practice blocks Good Friday and Easter Monday.
"""
NAMES = {
    PRACTICE: "the practice",
    THERAPIST: "Sam",
    "jordan@example.org": "Jordan",
    "alex.morgan@example.net": "Alex",
    "casey@example.org": "Casey",
}

_CONFIG = """\
[practice]
name = "Riverside Counselling"
email = "{practice}"
therapist_name = "Sam Rivera"
therapist_email = "{therapist}"
timezone = "Europe/London"
country = "GB"

[imap]
host = "127.0.0.1"
port = {imap_port}
security = "plain"
username = "{practice}"
password = "{password}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
username = "{practice}"
password = "{password}"

[availability]
blocked_dates = ["2027-03-26", "2027-03-29"]  # Good Friday, Easter Monday

[safety]
message = "If you are in danger or thinking of ending your life, please call 999 or Samaritans on 116 123 now. I read every message personally and will be in touch."

[storage]
database = "{database}"
"""


def _mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    sent_at: datetime,
    extra: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="demo.example")
    for name, value in (extra or {}).items():
        message[name] = value
    message.set_content(textwrap.dedent(body).strip() + "\n")
    return message.as_bytes()


def _show(raw: bytes, heading: str) -> None:
    message = email.message_from_bytes(raw, policy=default_policy)
    print()
    print(f"─── {heading} " + "─" * max(0, 72 - len(heading)))
    for name in ("From", "To", "Subject", "Date"):
        print(f"{name + ':':<9}{' '.join(str(message[name]).split())}")
    body = (
        message.get_body(preferencelist=("plain",))
        if message.is_multipart()
        else message
    )
    print()
    text = str(body.get_content() if body is not None else "")
    print(text.replace("\r\n", "\n").rstrip())
    print("─" * 78)


def _say(text: str) -> None:
    print()
    print(textwrap.fill(text, width=78))


def run_demo() -> int:
    from mailflow.cli import main as cli_main
    from mailflow.devserver import LocalMailServer

    with (
        tempfile.TemporaryDirectory(prefix="mailflow-demo-") as workdir,
        LocalMailServer() as server,
    ):
        config = Path(workdir) / "mailflow.toml"
        config.write_text(
            _CONFIG.format(
                practice=PRACTICE,
                therapist=THERAPIST,
                imap_port=server.imap_port,
                smtp_port=server.smtp_port,
                password=server.password,
                database=Path(workdir) / "mailflow.sqlite3",
            ),
            encoding="utf-8",
        )
        seen: dict[str, int] = {}

        def run(at: datetime) -> None:
            print()
            print(f"$ mailflow run --now {at.isoformat(timespec='minutes')}")
            code = cli_main(["run", "--config", str(config), "--now", at.isoformat()])
            if code != 0:
                print(f"(exit status {code})")

        def new_mail(user: str, folder: str = "INBOX") -> list[bytes]:
            stored = server.messages(user, folder)
            start = seen.get(f"{user}/{folder}", 0)
            seen[f"{user}/{folder}"] = len(stored)
            return [m.raw for m in stored[start:]]

        def read_all(user: str, who: str, folder: str = "INBOX") -> None:
            for raw in new_mail(user, folder):
                _show(raw, f"in {who}'s inbox")

        print(
            "mailflow demo: a local Dovecot and SMTP server on 127.0.0.1, a fixed clock,"
        )
        print(f"and the practice inbox {PRACTICE}. Nothing leaves this machine.")
        _scene_first_request(server, run, read_all)
        _scene_leave_alone(server, run, new_mail)
        _scene_crisis(server, run, read_all)
        _say("A second run finds nothing new and sends nothing twice.")
        before = len(server.smtp_log)
        run(START + timedelta(minutes=5))
        print(f"messages sent by that run: {len(server.smtp_log) - before}")
        _scene_pick_and_approve(server, run, read_all)
        _scene_therapist_proposes(server, run, read_all)
    return 0


def _latest(server: LocalMailServer, user: str, kind: str) -> EmailMessage:
    for stored in reversed(server.messages(user)):
        message = stored.message()
        if message["X-Mailflow"] == kind:
            return message
    raise LookupError(kind)


def _reply(
    original: EmailMessage, *, sender: str, body: str, sent_at: datetime
) -> bytes:
    """A reply as a mail program writes it: threaded, with the original quoted."""
    part = original.get_body(preferencelist=("plain",))
    quoted = "\n".join(
        "> " + line for line in str(part.get_content() if part else "").splitlines()
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = str(original["From"])
    message["Subject"] = "Re: " + str(original["Subject"]).removeprefix("Re: ")
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="demo.example")
    message["In-Reply-To"] = str(original["Message-ID"])
    message["References"] = " ".join(
        filter(None, [original.get("References"), str(original["Message-ID"])])
    )
    wrote = f"On {original['Date']}, {original['From']} wrote:"
    message.set_content(f"{textwrap.dedent(body).strip()}\n\n{wrote}\n{quoted}\n")
    return message.as_bytes()


def _scene_pick_and_approve(
    server: LocalMailServer,
    run: Callable[[datetime], None],
    read_all: Callable[[str, str], None],
) -> None:
    _say(
        "The next morning Jordan replies to the offer, from their phone, picking "
        "a time and giving a number. The time is held, Jordan hears that it will "
        "be confirmed shortly, and Sam is asked to approve."
    )
    later = START + timedelta(days=1)
    offer = _latest(server, "jordan@example.org", "offer")
    server.deliver(
        _reply(
            offer,
            sender="Jordan Lee <jordan@example.org>",
            body="""
            Number 3 would be great, thank you. My cell is +1 212 555 0147.

            Sent from my iPhone
            """,
            sent_at=later,
        ),
        PRACTICE,
    )
    run(later + timedelta(minutes=2))
    read_all("jordan@example.org", "Jordan")
    read_all(THERAPIST, "Sam")
    _say(
        'Sam approves by simply replying "yes" from their own mail program. '
        "Jordan gets the confirmation with a calendar invitation; Sam gets the "
        "event for their own calendar."
    )
    approval = _latest(server, THERAPIST, "approval_request")
    server.deliver(
        _reply(
            approval,
            sender=f"Sam Rivera <{THERAPIST}>",
            body="Yes",
            sent_at=later + timedelta(hours=1),
        ),
        PRACTICE,
    )
    run(later + timedelta(hours=1, minutes=2))
    read_all("jordan@example.org", "Jordan")
    read_all(THERAPIST, "Sam")
    _show_invitation(_latest(server, "jordan@example.org", "confirmation"))


def _show_invitation(message: EmailMessage) -> None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            lines = bytes(payload).decode().replace("\r\n ", "").splitlines()
            shown = [
                line
                for line in lines
                if line.split(":", 1)[0].split(";", 1)[0]
                in {
                    "METHOD",
                    "UID",
                    "SEQUENCE",
                    "DTSTART",
                    "DTEND",
                    "STATUS",
                    "SUMMARY",
                    "ORGANIZER",
                    "ATTENDEE",
                }
            ]
            print()
            print(
                f"the invitation ({part.get_content_type()}; method={part.get_param('method')}):"
            )
            for line in shown:
                print(f"  {line}")
            return


def _scene_therapist_proposes(
    server: LocalMailServer,
    run: Callable[[datetime], None],
    read_all: Callable[[str, str], None],
) -> None:
    _say(
        "Alex picks a time too, but Sam can't make it and suggests another by "
        "replying in plain words. Alex gets that one time, says yes, and it is "
        "booked without asking Sam again."
    )
    later = START + timedelta(days=1, hours=3)
    offer = _latest(server, "alex.morgan@example.net", "offer")
    server.deliver(
        _reply(
            offer,
            sender="Alex Morgan <alex.morgan@example.net>",
            body="2 please!",
            sent_at=later,
        ),
        PRACTICE,
    )
    run(later + timedelta(minutes=2))
    new_approval = _latest(server, THERAPIST, "approval_request")
    server.deliver(
        _reply(
            new_approval,
            sender=f"Sam Rivera <{THERAPIST}>",
            body="Sorry, I'm with a client then. Could we do Friday at 10 instead?",
            sent_at=later + timedelta(hours=1),
        ),
        PRACTICE,
    )
    run(later + timedelta(hours=1, minutes=2))
    read_all("alex.morgan@example.net", "Alex")
    proposal = _latest(server, "alex.morgan@example.net", "offer_again")
    server.deliver(
        _reply(
            proposal,
            sender="Alex Morgan <alex.morgan@example.net>",
            body="Yes, perfect. Thank you!",
            sent_at=later + timedelta(hours=2),
        ),
        PRACTICE,
    )
    run(later + timedelta(hours=2, minutes=2))
    read_all("alex.morgan@example.net", "Alex")
    read_all(THERAPIST, "Sam")


def _scene_first_request(
    server: LocalMailServer,
    run: Callable[[datetime], None],
    read_all: Callable[[str, str], None],
) -> None:
    deliver = server.deliver
    _say(
        "Jordan, who lives in New York, writes to the practice for the first time "
        "asking about the free call."
    )
    deliver(
        _mail(
            sender="Jordan Lee <jordan@example.org>",
            to=PRACTICE,
            subject="Free consultation call?",
            body="""
            Hello,

            I found your website and I'd like to book the free 15 minute call, if
            that's possible. I've been struggling with anxiety at work for a while.
            Mornings are easiest for me.

            Thank you,
            Jordan
            """,
            sent_at=(START - timedelta(minutes=40)).astimezone(
                ZoneInfo("America/New_York")
            ),
        ),
        PRACTICE,
    )
    _say(
        "Alex fills in the contact form on the practice website; the form service "
        "sends the notification from its own no-reply address."
    )
    deliver(
        _mail(
            sender="Website forms <noreply@forms.example>",
            to=PRACTICE,
            subject="New contact form submission",
            body="""
            Name: Alex Morgan
            Email: alex.morgan@example.net
            Phone: 07700 900461
            Message: Hi Sam, could we arrange the initial consultation call? Any
            afternoon works for me.
            """,
            sent_at=START - timedelta(minutes=25),
            extra={"Reply-To": "Alex Morgan <alex.morgan@example.net>"},
        ),
        PRACTICE,
    )
    run(START)
    read_all("jordan@example.org", "Jordan")
    read_all("alex.morgan@example.net", "Alex")


def _scene_leave_alone(
    server: LocalMailServer,
    run: Callable[[datetime], None],
    new_mail: Callable[[str], list[bytes]],
) -> None:
    deliver = server.deliver
    _say(
        "Mail that is not a new request stays exactly as it was: an existing "
        "client (the practice wrote to them before), a newsletter and an "
        "out-of-office reply. No answer, no flag, no move."
    )
    server.append(
        PRACTICE,
        "Sent",
        _mail(
            sender=f"Sam Rivera <{PRACTICE}>",
            to="robin@example.com",
            subject="Our session next week",
            body="See you on Thursday.",
            sent_at=START - timedelta(days=20),
        ),
    )
    deliver(
        _mail(
            sender="Robin <robin@example.com>",
            to=PRACTICE,
            subject="Appointment question",
            body="Hi Sam, could we book an extra session this week?",
            sent_at=START + timedelta(minutes=1),
        ),
        PRACTICE,
    )
    deliver(
        _mail(
            sender="Therapy News <news@list.example>",
            to=PRACTICE,
            subject="Book your CPD consultation call today",
            body="Monthly newsletter.",
            sent_at=START + timedelta(minutes=1),
            extra={"List-Id": "<news.list.example>", "Precedence": "bulk"},
        ),
        PRACTICE,
    )
    deliver(
        _mail(
            sender="Kim <kim@example.com>",
            to=PRACTICE,
            subject="Automatic reply: consultation",
            body="I am away until Monday.",
            sent_at=START + timedelta(minutes=1),
            extra={"Auto-Submitted": "auto-replied"},
        ),
        PRACTICE,
    )
    before = len(server.smtp_log)
    run(START + timedelta(minutes=2))
    sent = len(server.smtp_log) - before
    flags = [m.flags for m in server.messages(PRACTICE, "INBOX")]
    print(
        f"messages sent: {sent}; flags in the practice inbox: {sorted({f for fl in flags for f in fl}) or 'none'}"
    )


def _scene_crisis(
    server: LocalMailServer,
    run: Callable[[datetime], None],
    read_all: Callable[[str, str], None],
) -> None:
    _say(
        "Someone writes in distress. They get the practice's safety message, not "
        "a list of times, and Sam is alerted at once."
    )
    server.deliver(
        _mail(
            sender="Casey <casey@example.org>",
            to=PRACTICE,
            subject="Can we talk?",
            body="""
            I wanted to ask about a consultation call. Honestly I've been thinking
            about ending my life lately and I don't know who else to tell.
            """,
            sent_at=START + timedelta(minutes=3),
        ),
        PRACTICE,
    )
    run(START + timedelta(minutes=4))
    read_all("casey@example.org", "Casey")
    read_all(THERAPIST, "Sam")
