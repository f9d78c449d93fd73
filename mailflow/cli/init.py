"""`mailflow init`: a first config from a few questions (or flags), then `check`. Does I/O.

Asks what only the practice knows (its name and address, the therapist, the mail
provider), fills in the provider's servers and Sent folder, writes a commented
config 0600 (never over an existing file without --force), then runs `check`.
Every question has a flag, so a script (or a test) can answer them all; with
--no-input a missing answer is an error instead of a question.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from mailflow.errors import ConfigError


@dataclass(frozen=True)
class Provider:
    label: str
    imap: tuple[str, int, str]
    smtp: tuple[str, int, str]
    sent_folder: str
    note: str


PROVIDERS: dict[str, Provider] = {
    "gmail": Provider(
        "Gmail / Google Workspace",
        ("imap.gmail.com", 993, "ssl"),
        ("smtp.gmail.com", 465, "ssl"),
        "[Gmail]/Sent Mail",
        "Gmail needs an app password (Google account > Security > App passwords).",
    ),
    "microsoft365": Provider(
        "Microsoft 365",
        ("outlook.office365.com", 993, "ssl"),
        ("smtp.office365.com", 587, "starttls"),
        "Sent Items",
        "Microsoft 365 needs OAuth2: follow 'Microsoft 365: OAuth2, step by step'"
        ' in the README (auth = "oauth2", oauth2_client_id, then `mailflow auth`).',
    ),
    "fastmail": Provider(
        "Fastmail",
        ("imap.fastmail.com", 993, "ssl"),
        ("smtp.fastmail.com", 465, "ssl"),
        "Sent",
        "Fastmail needs an app password (Settings > Privacy & Security).",
    ),
    "icloud": Provider(
        "iCloud",
        ("imap.mail.me.com", 993, "ssl"),
        ("smtp.mail.me.com", 587, "starttls"),
        "Sent Messages",
        "iCloud needs an app-specific password (appleid.apple.com).",
    ),
    "other": Provider(
        "another provider",
        ("", 993, "ssl"),
        ("", 465, "ssl"),
        "Sent",
        "",
    ),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--practice-name", metavar="TEXT", help="the practice's name")
    add("--practice-email", metavar="ADDRESS", help="the inbox mailflow reads")
    add("--therapist-name", metavar="TEXT", help="signs the letters")
    add("--therapist-email", metavar="ADDRESS", help="gets approvals and alerts")
    add("--provider", choices=sorted(PROVIDERS), help="the practice's mail provider")
    add("--timezone", metavar="ZONE", help="the practice's zone (Europe/London)")
    add("--country", metavar="CC", help="default region of phone numbers (GB)")
    add("--username", metavar="TEXT", help="mailbox login (default: the inbox)")
    add("--password-command", metavar="CMD", help="prints the mailbox password")
    add("--imap-host", metavar="HOST")
    add("--imap-port", type=int, metavar="PORT")
    add("--imap-security", choices=("ssl", "starttls", "plain"))
    add("--smtp-host", metavar="HOST")
    add("--smtp-port", type=int, metavar="PORT")
    add("--smtp-security", choices=("ssl", "starttls", "plain"))
    add("--sent-folder", metavar="NAME", help="the Sent folder's exact name")
    add("--database", metavar="PATH", help="default: var/mailflow.sqlite3 beside it")
    add("--force", action="store_true", help="overwrite an existing config file")
    add("--no-input", action="store_true", help="ask nothing: flags or defaults")
    add("--no-check", action="store_true", help="do not run `check` afterwards")


class _Asker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def __call__(self, name: str, question: str, default: str | None = None) -> str:
        given = getattr(self.args, name)
        if given is not None:
            return str(given)
        flag = "--" + name.replace("_", "-")
        if self.args.no_input:
            if default is None:
                raise ConfigError([f"init: {flag} is needed with --no-input"])
            return default
        shown = f" [{default}]" if default else ""
        while True:
            print(f"{question}{shown}: ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:  # end of input: no more answers coming
                if default is not None:
                    print()
                    return default
                raise ConfigError([f"init: no answer for {flag} (input ended)"])
            answer = line.strip()
            if answer or default is not None:
                return answer or str(default)
            print("  (an answer is needed here)")


def init(args: argparse.Namespace) -> int:
    from mailflow.shell.paths import config_path

    path = config_path(args.config)
    if path.exists() and not args.force:
        raise ConfigError(
            [
                f"{path}: already exists; mailflow init never overwrites a config"
                " (pass --force to replace it, or --config for another path)"
            ]
        )
    ask = _Asker(args)
    print(f"Writing a mailflow config to {path}.")
    practice_name = ask("practice_name", "Practice name (signs every letter)")
    practice_email = ask("practice_email", "Practice email address (the inbox)")
    therapist_name = ask("therapist_name", "Therapist's name")
    therapist_email = ask(
        "therapist_email",
        "Therapist's email address (approvals and alerts)",
        practice_email,
    )
    choices = ", ".join(PROVIDERS)
    provider_key = ask("provider", f"Mail provider ({choices})", "other").lower()
    provider_key = {"m365": "microsoft365", "microsoft": "microsoft365"}.get(
        provider_key, provider_key
    )
    if provider_key not in PROVIDERS:
        raise ConfigError([f"init: provider {provider_key!r} is not one of {choices}"])
    provider = PROVIDERS[provider_key]
    imap_host, imap_port, imap_security = provider.imap
    smtp_host, smtp_port, smtp_security = provider.smtp
    other = provider_key == "other"
    imap_host = ask("imap_host", "IMAP server", None if other else imap_host)
    imap_port = _port("IMAP", ask("imap_port", "IMAP port", str(imap_port)))
    imap_security = ask("imap_security", "IMAP security", imap_security)
    smtp_host = ask("smtp_host", "SMTP server", None if other else smtp_host)
    smtp_port = _port("SMTP", ask("smtp_port", "SMTP port", str(smtp_port)))
    smtp_security = ask("smtp_security", "SMTP security", smtp_security)
    sent_folder = ask("sent_folder", "Sent folder", provider.sent_folder)
    username = ask("username", "Mailbox login", practice_email)
    password_command = ask(
        "password_command",
        "Command printing the password (empty: MAILFLOW_IMAP__PASSWORD and"
        " MAILFLOW_SMTP__PASSWORD from the environment)",
        "",
    )
    timezone = ask("timezone", "Time zone (a city zone)", "Europe/London")
    country = ask("country", "Country code for phone numbers", "GB")
    database = args.database or "var/mailflow.sqlite3"
    text = render(
        practice_name=practice_name,
        practice_email=practice_email,
        therapist_name=therapist_name,
        therapist_email=therapist_email,
        provider=provider,
        imap=(imap_host, imap_port, imap_security),
        smtp=(smtp_host, smtp_port, smtp_security),
        sent_folder=sent_folder,
        username=username,
        password_command=password_command,
        timezone=timezone,
        country=country,
        database=database,
    )
    _write_checked(path, text)
    print(f"Wrote {path} (mode 0600).")
    if provider.note:
        print(provider.note)
    if not password_command:
        print(
            "Passwords stay out of the file: set MAILFLOW_IMAP__PASSWORD and"
            " MAILFLOW_SMTP__PASSWORD (see the README: cron and systemd), or"
            " password_command."
        )
    if args.no_check:
        return 0
    print("Running `mailflow check`:")
    from mailflow.cli.check import check
    from mailflow.config import check_database, load_settings

    settings = load_settings(path)
    check_database(settings)
    return check(settings)


def _port(server: str, answer: str) -> int:
    if not answer.strip().isdigit() or not 1 <= int(answer) <= 65535:
        raise ConfigError([f"init: {server} port {answer!r} is not a port (1-65535)"])
    return int(answer)


def _write_checked(path: Path, text: str) -> None:
    """Write the config only once it loads: a typo (an address, a zone such as
    GMT) is named, one line each, and no half-right file is left behind."""
    from mailflow.config import load_settings

    draft = path.with_name(f".{path.name}.new")
    _write_private(draft, text)
    try:
        load_settings(draft)
    except ConfigError as exc:
        draft.unlink(missing_ok=True)
        raise ConfigError(
            [line.replace(str(draft), str(path)) for line in exc.problems]
        ) from None
    os.replace(draft, path)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # also when --force replaced a wider one
        handle.write(text)


def _q(value: str | int) -> str:
    """A TOML value (JSON strings are TOML basic strings)."""
    return json.dumps(value, ensure_ascii=False)


def render(
    *,
    practice_name: str,
    practice_email: str,
    therapist_name: str,
    therapist_email: str,
    provider: Provider,
    imap: tuple[str, int, str],
    smtp: tuple[str, int, str],
    sent_folder: str,
    username: str,
    password_command: str,
    timezone: str,
    country: str,
    database: str,
) -> str:
    """The config file's text: what was answered, the rest left at its default."""
    note = f"# {provider.note}\n" if provider.note else ""
    return f"""\
# mailflow configuration, written by `mailflow init` for {provider.label}.
# Every key is explained in config/mailflow.example.toml (in the source) and the
# README. Relative paths here are relative to this file's folder. Any key can be
# overridden by MAILFLOW_<SECTION>__<KEY> in the environment.
{note}
[practice]
name = {_q(practice_name)}                  # signs every message
email = {_q(practice_email)}                # the inbox mailflow reads; From of every reply
therapist_name = {_q(therapist_name)}
therapist_email = {_q(therapist_email)}     # approvals and alerts go here
timezone = {_q(timezone)}                   # a city zone (never GMT or EST: they ignore summer time)
country = {_q(country)}                     # default region for phone numbers

[imap]
host = {_q(imap[0])}
port = {imap[1]}
security = {_q(imap[2])}                    # "ssl" | "starttls" | "plain" (loopback only)
username = {_q(username)}
# The password: MAILFLOW_IMAP__PASSWORD in the environment, or a command:
password_command = {_q(password_command)}
folder = "INBOX"
sent_folder = {_q(sent_folder)}             # the exact name your mail program shows

[smtp]
host = {_q(smtp[0])}
port = {smtp[1]}
security = {_q(smtp[2])}
username = {_q(username)}
# The password: MAILFLOW_SMTP__PASSWORD in the environment, or a command:
password_command = {_q(password_command)}

[call]
mode = "phone"                  # "phone": the therapist rings; "video": a fixed meeting room
# video_url = "https://meet.example.com/your-room"   # needed with mode = "video"

[availability]
slot_minutes = 15               # length of the free call
[availability.hours]            # practice time zone; days without a key are closed
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-12:00"]
thu = ["13:00-18:00"]

[workflow]
approval = "therapist"          # "therapist": approve each booking by reply; "auto": book at once

[storage]
database = {_q(database)}       # relative to this file's folder; created 0600 in a 0700 folder
"""
