"""Helpers for the real-server tests: a config for the local server, mails to send."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
import textwrap
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pytest

from mailflow.cli import main
from mailflow.cli.devserver import LocalMailServer
from mailflow.config import load_settings
from mailflow.shell import credentials
from mailflow.shell.cycle import run_once
from mailflow.shell.mailbox import ImapMailbox
from mailflow.shell.runner import RunReport

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
"""The real-world samples in ../shared/fixtures (see its README); never copied here."""

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)
"""A Wednesday: offers fall on the next two weeks' Mon/Tue/Thu."""


BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_script(script: str, name: str) -> ModuleType:
    """A `bench/` script loaded as module `name` (registered, so that its
    dataclasses find their module and `learn_risk` finds `understand`), with
    its folder on the path as when it runs."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{script}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def under_ci() -> bool:
    """Whether we run under CI (`CI=true`, as GitHub, GitLab and most others set)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def absent(what: str) -> NoReturn:
    """Skip a test whose outside data is absent; under CI, fail it instead."""
    if under_ci():
        pytest.fail(f"{what}: required under CI, never skipped", pytrace=False)
    pytest.skip(what)


def shared_files(folder: str) -> list[Path]:
    """The files of one shared fixture folder, for parametrize. Absent: [] (its
    tests skip), or under CI a collection failure."""
    path = SHARED_FIXTURES / folder
    if not path.is_dir():
        if under_ci():
            pytest.fail(f"shared fixtures not found at {path} (required under CI)")
        return []
    return sorted(p for p in path.iterdir() if p.is_file())


def write_config(
    tmp_path: Path,
    server: LocalMailServer,
    boxes: object,
    extra: str = "",
    *,
    folder: str = "INBOX",
) -> Path:
    practice = boxes.practice  # type: ignore[attr-defined]
    therapist = boxes.therapist  # type: ignore[attr-defined]
    path = tmp_path / "mailflow.toml"
    path.write_text(
        f"""
[practice]
name = "Riverside Counselling"
email = "{practice}"
therapist_name = "Sam Rivera"
therapist_email = "{therapist}"
timezone = "Europe/London"
country = "GB"

[imap]
host = "127.0.0.1"
port = {server.imap_port}
security = "plain"
username = "{practice}"
password = "{server.password}"
folder = "{folder}"
timeout_s = 10

[smtp]
host = "127.0.0.1"
port = {server.smtp_port}
security = "plain"
username = "{practice}"
password = "{server.password}"
timeout_s = 10

[storage]
database = "{tmp_path / "var" / "mailflow.sqlite3"}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def request(
    *,
    sender: str,
    to: str,
    subject: str = "Free consultation call",
    body: str = "Hello, I'd like to book the free 15 minute consultation call please.",
    sent_at: datetime = NOW,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="sender.example")
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None and not body:
        message.set_content(html, subtype="html", charset=charset)
    else:
        message.set_content(textwrap.dedent(body).strip() + "\n", charset=charset)
        if html is not None:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()


def run(config: Path, now: datetime = NOW, *extra: str) -> int:
    return main(["run", "--config", str(config), "--now", now.isoformat(), *extra])


def run_in_process(
    config: Path,
    now: datetime = NOW,
    *,
    mailbox: Any = None,
    sender: Any = None,
) -> tuple[RunReport, Any]:
    """One cycle through `run_once` in this process: its report and the mailbox
    adapter it used (whose `commands` record what crossed the wire)."""
    used: list[Any] = []

    def build(settings: Any) -> Any:
        used.append((mailbox or ImapMailbox)(settings))
        return used[-1]

    report = run_once(load_settings(config), now, mailbox=build, sender=sender)
    return report, used[0]


def sent_to(server: LocalMailServer, address: str) -> list[bytes]:
    """What the SMTP server accepted for `address` (the wire, not the mailbox)."""
    return [r.data for r in server.smtp_log if address in r.rcpt_tos]


def plain(message) -> str:
    return (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    )


def answer(original, *, sender, body, sent_at=NOW, headers=None, quote=True) -> bytes:
    """A reply as mail programs write it: threaded, Re:, the original quoted below."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = original["From"]
    message["Subject"] = "Re: " + original["Subject"].removeprefix("Re: ")
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain="client.example")
    message["In-Reply-To"] = original["Message-ID"]
    message["References"] = " ".join(
        filter(None, [original.get("References"), original["Message-ID"]])
    )
    for name, value in (headers or {}).items():
        message[name] = value
    text = body
    if quote:
        quoted = "\n".join("> " + line for line in plain(original).splitlines())
        text += f"\n\nOn {original['Date']}, {original['From']} wrote:\n{quoted}\n"
    message.set_content(text)
    return message.as_bytes()


def book_a_call(config: Path, now: datetime, email: str = "kim@example.org") -> str:
    """A call already booked for someone else, as the store holds one; its
    UID. A run reads calendar mail outside any conversation only to match such
    a UID: with no call booked it is left alone unread."""
    from datetime import timedelta

    from mailflow.model import Slot, State
    from mailflow.shell.store import Store

    uid = "booked-elsewhere@riverside.example"
    start = now + timedelta(days=3)
    database = load_settings(config).storage.database
    with Store.open(database) as store, store.transaction():
        enquiry = stored_enquiry(store, now, state=State.BOOKED, email=email)
        store.book(enquiry, Slot(start, start + timedelta(minutes=15)), uid, now)
    return uid


def stored_enquiry(
    store: Any,
    now: datetime,
    *,
    state: Any,
    email: str,
    name: str = "Alex Quinlan",
    phone: str | None = None,
    subject: str = "Free call",
    request_message_id: str | None = None,
    first_message: str = "",
    risk: str = "none",
    **fields: Any,
) -> int:
    """An enquiry stored as the shell stores one (`decide.opened`, then
    `Store.insert_enquiry`), standing at `state` with any other `fields` set:
    for tests that need a record in a given place without its conversation."""
    from dataclasses import replace

    from mailflow.deciding import decide, workflow
    from mailflow.model import State

    opening = decide.Opening(
        email=email,
        name=name,
        phone=phone,
        subject=subject,
        request_message_id=request_message_id,
        sender_offset_minutes=None,
        first_message=first_message,
        risk=risk,
    )
    record = decide.opened(opening, workflow.Transition(State(state)), now)
    return int(store.insert_enquiry(replace(record, **fields)))


def config_with(path: Path, **servers: dict[str, str]) -> Path:
    """Rewrite keys of [imap] / [smtp] in a config written by write_config."""
    lines = path.read_text().splitlines()
    section = ""
    out: list[str] = []
    for line in lines:
        if line.startswith("["):
            section = line.strip("[]")
            out.append(line)
            for key, value in servers.get(section, {}).items():
                out.append(f"{key} = {json.dumps(value)}")
            continue
        key = line.split("=", 1)[0].strip()
        if section in servers and key in servers[section]:
            continue
        if section in servers and key == "password" and "auth" in servers[section]:
            continue  # an OAuth2 login has no password
        out.append(line)
    path.write_text("\n".join(out) + "\n")
    return path


# -- Microsoft's sign-in endpoints, for the real msal ------------------------------


class MicrosoftResponse:
    def __init__(self, status: int, body: dict) -> None:
        self.status_code = status
        self.text = json.dumps(body)
        self.headers: dict[str, str] = {}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(self.status_code)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FakeMicrosoft:
    """Microsoft's sign-in endpoints as msal calls them; tokens count up."""

    def __init__(
        self,
        user: str,
        *,
        expires_in: int = 3600,
        token: str = "access-{n}",
        tenant_id: str | None = None,
    ) -> None:
        self.user = user
        self.expires_in = expires_in
        self.token = token
        """What each access token is, `{n}` its number (a server's real one)."""
        self.tenant_id = tenant_id
        """The tenant's ID, as Microsoft's discovery names it for a tenant
        given by domain name (or ID); None: the "organizations" audience."""
        self.refresh_ok = True
        self.issued = 0

    def get(self, url: str, **_: object) -> MicrosoftResponse:
        # The tenant asked about (instance discovery names it in a query):
        # an audience keeps its name, anything else is the tenant's ID.
        asked = url.rpartition("login.microsoftonline.com/")[2].split("/")[0]
        base = "https://login.microsoftonline.com/" + (self.tenant_id or asked)
        if "openid-configuration" in url:
            return MicrosoftResponse(
                200,
                {
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
                },
            )
        if "discovery/instance" in url:
            return MicrosoftResponse(
                200,
                {
                    "tenant_discovery_endpoint": f"{base}/v2.0/.well-known/"
                    "openid-configuration",
                    "metadata": [],
                },
            )
        return MicrosoftResponse(404, {})

    def post(
        self, url: str, data: dict | None = None, **_: object
    ) -> MicrosoftResponse:
        data = data or {}
        if url.endswith("/devicecode"):
            return MicrosoftResponse(
                200,
                {
                    "device_code": "device",
                    "user_code": "ABCD-1234",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, open https://microsoft.com/devicelogin "
                    "and enter the code ABCD-1234.",
                },
            )
        if url.endswith("/token"):
            if data.get("grant_type") == "refresh_token" and not self.refresh_ok:
                return MicrosoftResponse(400, {"error": "invalid_grant"})
            self.issued += 1
            now = int(time.time())
            tid = self.tenant_id or "tid"
            claims = {
                "aud": "client",
                "iss": f"https://login.microsoftonline.com/{tid}/v2.0",
                "preferred_username": self.user,
                "oid": "oid",
                "tid": tid,
                "sub": "sub",
                "iat": now,
                "exp": now + 3600,
            }
            return MicrosoftResponse(
                200,
                {
                    "token_type": "Bearer",
                    "scope": " ".join(credentials.MICROSOFT_SCOPES),
                    "expires_in": self.expires_in,
                    "access_token": self.token.format(n=self.issued),
                    "refresh_token": f"refresh-{self.issued}",
                    "id_token": f"{_b64({'alg': 'none'})}.{_b64(claims)}.",
                    "client_info": _b64({"uid": "oid", "utid": tid}),
                },
            )
        return MicrosoftResponse(404, {})

    def close(self) -> None:
        pass
