"""`mailflow demo`: a whole conversation on a throwaway local mail server. Does I/O.

Starts Dovecot + a local SMTP server on loopback, writes a throwaway config,
delivers the mail a real practice gets, runs the worker with a fixed clock and
prints every email it writes, as the people receiving it would read them.
"""

from __future__ import annotations

import email
import tempfile
import textwrap
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mailflow.cli.devserver import LocalMailServer

PRACTICE = "hello@riverside.example"
THERAPIST = "sam@riverside.example"
JORDAN = "jordan@example.org"
ALEX = "alex.morgan@example.net"
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2027, 3, 23, 9, 10, tzinfo=LONDON)
"""A Tuesday in the week British Summer Time begins: offers straddle the change.

It is Easter week too: the demo practice blocks Good Friday and Easter Monday.
"""
PEOPLE = {
    PRACTICE: "the practice",
    THERAPIST: "Sam Rivera",
    JORDAN: "Jordan Lee",
    ALEX: "Alex Morgan",
    "casey@example.org": "Casey",
    "robyn@example.org": "Robyn",
    "priya@example.org": "Priya",
    "dr.ashby@riverside-surgery.example": "Dr Tom Ashby",
}
"""Who is who, for headings ("in Jordan's inbox") and the From of their replies."""

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

[requests]
form_senders = ["noreply@forms.example"]  # the website form's notifications

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


def _reply(
    original: EmailMessage, *, sender: str, body: str, sent_at: datetime
) -> bytes:
    """A reply as a mail program writes it: threaded, with the original quoted."""
    part = original.get_body(preferencelist=("plain",))
    text = str(part.get_content() if part else "").replace("\r\n", "\n")
    quoted = "\n".join("> " + line for line in text.splitlines())
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
    message.set_content(f"{body}\n\n{wrote}\n{quoted}\n")
    return message.as_bytes()


def _first_name(address: str) -> str:
    return PEOPLE.get(address, address).split()[0]


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


def _show_invitation(message: EmailMessage) -> None:
    """The lines of the attached calendar object a calendar program acts on."""
    wanted = {"METHOD", "UID", "SEQUENCE", "DTSTART", "STATUS", "SUMMARY"}
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            lines = bytes(payload).decode().replace("\r\n ", "").splitlines()
            print()
            print(f"the attached calendar object (method={part.get_param('method')}):")
            for line in lines:
                if line.split(":", 1)[0].split(";", 1)[0] in wanted:
                    print(f"  {line}")
            return


def _say(text: str) -> None:
    print()
    print(textwrap.fill(text, width=78))


class _Demo:
    """The running demo: its mail server and config, and what it has shown so far."""

    def __init__(self, server: LocalMailServer, config: Path) -> None:
        self.server = server
        self.config = config
        self.shown = 0

    def run(self, at: datetime) -> None:
        """One `mailflow run`, then every mail it sent, in the order it went out."""
        from mailflow.config import load_settings
        from mailflow.shell.cycle import problem, run_locked

        print()
        local = at.astimezone(LONDON).isoformat(timespec="minutes")
        print(f"$ mailflow run --now {local}")
        report = run_locked(load_settings(self.config), now=at)
        if report is not None and report.exit_code != 0:
            print(f"(exit status {report.exit_code}: {problem(report)})")
        log = self.server.smtp_log
        for record in log[self.shown :]:
            for to in record.rcpt_tos:
                _show(record.data, f"in {_first_name(to)}'s inbox")
        self.shown = len(log)

    def sent_by(self, at: datetime) -> int:
        """Run at `at` and return how many messages that run sent."""
        before = len(self.server.smtp_log)
        self.run(at)
        return len(self.server.smtp_log) - before

    def arrives(self, raw: bytes, who: str, subject: str, body: str) -> None:
        """A new mail reaches the practice inbox; its words are shown as sent."""
        words = " ".join(textwrap.dedent(body).split())
        titled = f'"{subject}"' if subject else "no subject"
        print()
        print(
            textwrap.fill(
                f'{who} writes ({titled}): "{words}"',
                width=78,
                subsequent_indent="  ",
            )
        )
        self.server.deliver(raw, PRACTICE)

    def replies(self, who: str, kind: str, body: str, at: datetime) -> None:
        """`who` answers mailflow's latest `kind` letter from their own mail program."""
        original = self.latest(who, kind)
        words = textwrap.dedent(body).strip()
        print()
        print(
            textwrap.fill(
                f'{_first_name(who)} replies: "{" ".join(words.split())}"',
                width=78,
                subsequent_indent="  ",
            )
        )
        sender = f"{PEOPLE[who]} <{who}>"
        self.server.deliver(
            _reply(original, sender=sender, body=words, sent_at=at), PRACTICE
        )

    def latest(self, user: str, kind: str) -> EmailMessage:
        for stored in reversed(self.server.messages(user)):
            message = stored.message()
            if message["X-Mailflow"] == kind:
                return message
        raise LookupError(kind)


def run_demo() -> int:
    from mailflow.cli.devserver import LocalMailServer

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
        demo = _Demo(server, config)
        print(
            "mailflow demo: a local Dovecot and SMTP server on 127.0.0.1, a fixed clock,"
        )
        print(f"and the practice inbox {PRACTICE}. Nothing leaves this machine.")
        print(
            "`mailflow run` is what cron runs every few minutes; here `--now` sets its"
        )
        print("clock, so two weeks of a practice's mail pass in a minute.")
        _say(
            "Sam offers calls on Monday 09:00-12:00 and 13:00-17:00, Tuesday "
            "09:00-12:00 and Thursday 13:00-18:00, London time, with Good Friday "
            "and Easter Monday blocked."
        )
        _scene_first_request(demo)
        _scene_leave_alone(demo)
        _scene_crisis(demo)
        _say("A second run finds nothing new and sends nothing twice.")
        sent = demo.sent_by(START + timedelta(minutes=5))
        print(f"messages sent by that run: {sent}")
        _scene_read_first(demo)
        _scene_diary_words(demo)
        _scene_someone_in_care(demo)
        _scene_pick_and_approve(demo)
        _scene_therapist_proposes(demo)
        _scene_cancel(demo)
        _scene_reminder_and_followup(demo)
    return 0


def _scene_first_request(demo: _Demo) -> None:
    _say(
        "Jordan, who lives in New York, writes to the practice for the first time "
        "asking about the free call."
    )
    body = """
        Hello,

        I found your website and I'd like to book the free 15 minute call, if
        that's possible. I've been struggling with anxiety at work for a while.
        Mornings are easiest for me.

        Thank you,
        Jordan
        """
    demo.arrives(
        _mail(
            sender=f"Jordan Lee <{JORDAN}>",
            to=PRACTICE,
            subject="Free consultation call?",
            body=body,
            sent_at=(START - timedelta(minutes=40)).astimezone(NEW_YORK),
        ),
        "Jordan",
        "Free consultation call?",
        body,
    )
    _say(
        "Alex fills in the contact form on the practice website; the form service "
        "sends the notification from its own no-reply address."
    )
    body = f"""
        Name: Alex Morgan
        Email: {ALEX}
        Phone: 07700 900461
        Message: Hi Sam, could we arrange the initial consultation call? Any
        afternoon works for me.
        """
    demo.arrives(
        _mail(
            sender="Website forms <noreply@forms.example>",
            to=PRACTICE,
            subject="New contact form submission",
            body=body,
            sent_at=START - timedelta(minutes=25),
            extra={"Reply-To": f"Alex Morgan <{ALEX}>"},
        ),
        "The website form",
        "New contact form submission",
        body,
    )
    demo.run(START)


def _scene_leave_alone(demo: _Demo) -> None:
    server = demo.server
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
    for sender, subject, body, extra in [
        (
            "Robin <robin@example.com>",
            "Appointment question",
            "Hi Sam, could we book an extra session this week?",
            {},
        ),
        (
            "Therapy News <news@list.example>",
            "Book your CPD consultation call today",
            "Monthly newsletter.",
            {"List-Id": "<news.list.example>", "Precedence": "bulk"},
        ),
        (
            "Kim <kim@example.com>",
            "Automatic reply: consultation",
            "I am away until Monday.",
            {"Auto-Submitted": "auto-replied"},
        ),
    ]:
        server.deliver(
            _mail(
                sender=sender,
                to=PRACTICE,
                subject=subject,
                body=body,
                sent_at=START + timedelta(minutes=1),
                extra=extra,
            ),
            PRACTICE,
        )
    sent = demo.sent_by(START + timedelta(minutes=2))
    flags = sorted({f for m in server.messages(PRACTICE, "INBOX") for f in m.flags})
    print(f"messages sent: {sent}; flags in the practice inbox: {flags or 'none'}")


def _scene_crisis(demo: _Demo) -> None:
    _say(
        "Someone writes in distress. They get the practice's safety message, not "
        "a list of times, and Sam is alerted at once."
    )
    _stranger_writes(
        demo,
        "casey@example.org",
        "Can we talk?",
        """
        I wanted to ask about a consultation call. Honestly I've been thinking
        about ending my life lately and I don't know who else to tell.
        """,
        minutes=3,
    )


def _scene_read_first(demo: _Demo) -> None:
    _say(
        "Robyn writes late at night. No phrase of risk is in her mail, but its "
        "words as a whole read like those of people who wrote in a crisis: "
        "mailflow sends her no times, only a short letter with the practice's "
        "safety message, and asks Sam to read it first."
    )
    _stranger_writes(
        demo,
        "robyn@example.org",
        "",
        """
        hi sorry to bother you. its been a really bad week and last night was
        the worst its been. i dont really know why im writing tbh. maybe you
        could call me sometime
        """,
        minutes=6,
    )


def _scene_diary_words(demo: _Demo) -> None:
    _say(
        "Priya asks for the call and writes that she is not sure she will be "
        "around next Tuesday. Those words are also how people in crisis say it, "
        "so she gets no times and Sam is alerted at once; but her only words of "
        "risk are a diary's, with a reason, so the safety message names them "
        "and asks her to say more instead of assuming the worst."
    )
    _stranger_writes(
        demo,
        "priya@example.org",
        "Free consultation",
        """
        Hello, I'd like to book the free 15-minute call please. I'm not sure
        I'll be around next Tuesday as I'm away with work, so later in the
        week would suit me better.

        Thanks, Priya
        """,
        minutes=8,
    )


def _scene_someone_in_care(demo: _Demo) -> None:
    _say(
        "A GP writes about a patient who told him today he has the means with "
        "him. The safety message is written for the person at risk, and times "
        "would answer a GP: mailflow sends the GP nothing and tells Sam at once."
    )
    _stranger_writes(
        demo,
        "dr.ashby@riverside-surgery.example",
        "Mr Reeve - seen today",
        """
        Dear Sam,

        I would be grateful if you could see Mr Daniel Reeve (52), one of my
        patients, low since his redundancy. His words to me this afternoon:
        'I don't want to be alive any more. I have the razor blades here with
        me.' The crisis team cannot see him until tomorrow; he says he sees
        you privately.

        Dr Tom Ashby
        GP Partner, Riverside Surgery
        """,
        minutes=10,
    )


def _stranger_writes(
    demo: _Demo, address: str, subject: str, body: str, *, minutes: int
) -> None:
    """Someone new writes `minutes` into the demo's day; a run a minute later."""
    who = PEOPLE[address]
    demo.arrives(
        _mail(
            sender=f"{who} <{address}>",
            to=PRACTICE,
            subject=subject,
            body=body,
            sent_at=START + timedelta(minutes=minutes),
        ),
        who,
        subject,
        body,
    )
    demo.run(START + timedelta(minutes=minutes + 1))


def _scene_pick_and_approve(demo: _Demo) -> None:
    _say(
        "The next morning Jordan replies to the offer from their phone, picking "
        "a time and giving a number. The time is held, Jordan hears that it will "
        "be confirmed shortly, and Sam is asked to approve."
    )
    later = START + timedelta(days=1)
    demo.replies(
        JORDAN,
        "offer",
        """
        Number 3 would be great, thank you. My cell is +1 212 555 0147.

        Sent from my iPhone
        """,
        later,
    )
    demo.run(later + timedelta(minutes=2))
    _say(
        'Sam approves by simply replying "yes" from their own mail program. '
        "Jordan gets the confirmation with a calendar invitation; Sam gets the "
        "event for their own calendar."
    )
    demo.replies(THERAPIST, "approval_request", "Yes", later + timedelta(hours=1))
    demo.run(later + timedelta(hours=1, minutes=2))
    _show_invitation(demo.latest(JORDAN, "confirmation"))


def _scene_therapist_proposes(demo: _Demo) -> None:
    _say(
        "Alex picks a time too, but Sam can't make it and suggests another by "
        "replying in plain words. Alex is asked about that one time, says yes, "
        "and it is booked without asking Sam again."
    )
    later = START + timedelta(days=1, hours=3)
    demo.replies(ALEX, "offer", "2 please!", later)
    demo.run(later + timedelta(minutes=2))
    demo.replies(
        THERAPIST,
        "approval_request",
        "Sorry, I'm with a client then. Could we do Tuesday at 10 instead?",
        later + timedelta(hours=1),
    )
    demo.run(later + timedelta(hours=1, minutes=2))
    demo.replies(
        ALEX, "offer_again", "Yes, perfect. Thank you!", later + timedelta(hours=2)
    )
    demo.run(later + timedelta(hours=2, minutes=2))


def _scene_cancel(demo: _Demo) -> None:
    alex_at = _call_start(demo, ALEX)
    _say(
        "The day before Alex's call, the ordinary cron run sends Alex a reminder. "
        "No one has to remember to."
    )
    demo.run(alex_at - timedelta(hours=23, minutes=58))
    _say(
        "Alex can't make it after all and says so by replying. The call is "
        "cancelled: Alex's calendar gets a METHOD:CANCEL update for the same "
        "event (its SEQUENCE raised), so the call disappears from it, and Sam's "
        "own copy is withdrawn too."
    )
    asked = alex_at - timedelta(hours=20)
    demo.replies(
        ALEX,
        "reminder",
        """
        I'm so sorry, something has come up and I need to cancel tomorrow's call.
        I'll be in touch again when things are calmer.

        Alex
        """,
        asked,
    )
    demo.run(asked + timedelta(minutes=2))
    _show_invitation(demo.latest(ALEX, "cancelled"))


def _scene_reminder_and_followup(demo: _Demo) -> None:
    jordan_at = _call_start(demo, JORDAN)
    _say("Jordan's reminder goes out the day before their call.")
    demo.run(jordan_at - timedelta(hours=23, minutes=58))
    _say(
        "Sam rings Jordan at the booked time. Two hours after the call, mailflow "
        "asks whether Jordan would like to start working together."
    )
    followup_at = jordan_at + timedelta(hours=2, minutes=17)
    demo.run(followup_at)
    answered = followup_at + timedelta(hours=4)
    demo.replies(
        JORDAN,
        "followup",
        """
        Yes, I'd really like that. Thank you for today, it helped more than I
        expected.
        """,
        answered,
    )
    _say(
        "Jordan gets a short, warm answer; Sam hears that Jordan would like to "
        "start, with the number to ring, and takes it from there in person."
    )
    demo.run(answered + timedelta(minutes=2))


def _call_start(demo: _Demo, who: str) -> datetime:
    """When `who`'s booked call starts, read from the invitation they received."""
    message = demo.latest(who, "confirmation")
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            for line in bytes(part.get_payload(decode=True)).decode().splitlines():
                if line.startswith("DTSTART"):
                    stamp = line.split(":", 1)[1]
                    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%z")
    raise LookupError(f"no booked call for {who}")
