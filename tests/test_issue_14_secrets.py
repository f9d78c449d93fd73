"""Issue #14: secrets stay secret. `-vv` never logs the IMAP wire (every
mail in full, the approval Message-IDs); `export` carries no reply token of
the therapist's; a busy-feed URL (a bearer secret) stays in the config, never
in the database or the config cache."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import NOW, request, write_config
from test_config_cache import MINIMAL

from mailflow import config as config_module
from mailflow.cli import main
from mailflow.config import load_settings


def test_vv_never_logs_message_content(tmp_path, mail_server, mailboxes, caplog):
    config = write_config(tmp_path, mail_server, mailboxes)
    secret = "my-very-private-words-about-panic"
    mail_server.deliver(
        request(
            sender=f"Jordan <{mailboxes.person}>",
            to=mailboxes.practice,
            body=f"Hello, I'd like to book the free consultation call. {secret}",
        ),
        mailboxes.practice,
    )
    with caplog.at_level(logging.DEBUG):
        assert (
            main(["-vv", "run", "--config", str(config), "--now", NOW.isoformat()]) == 0
        )
    assert logging.getLogger("imapclient").getEffectiveLevel() >= logging.WARNING
    assert secret not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("imapclient")]


# -- export: no reply token of the therapist's ----------------------------------------


def test_export_carries_no_reply_token_of_the_therapists(
    tmp_path, mail_server, mailboxes, capsys
):
    """A spoofed From: therapist with the approval's Message-ID (or its ref)
    approved the person's own hold: export handed them both (#14)."""
    from test_booking import newest, pick, start

    config = write_config(tmp_path, mail_server, mailboxes)
    pick(mail_server, mailboxes, config, start(mail_server, mailboxes, config))
    approval = newest(mail_server, mailboxes.therapist, "approval_request")
    token = re.search(r"\[ref ([0-9a-f]{16})\]", approval["Subject"])
    assert token is not None
    capsys.readouterr()
    assert main(["export", "--enquiry", "1", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert approval["Message-ID"].strip() not in out
    assert token.group(1) not in out
    for message in data["messages"]:
        if mailboxes.therapist in message["recipients"]:
            assert message["message"] is None
    # The person's own letters stay whole, Message-IDs and all.
    offer = newest(mail_server, mailboxes.person, "offer")
    assert offer["Message-ID"].strip() in out
    assert {m["kind"] for m in data["messages"]} >= {"offer", "approval_request"}


# -- feed URLs: only in the config ---------------------------------------------------

FEED = "https://calendar.example/private/s3cr3t-bearer-token/basic.ics"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.lower().startswith("mailflow_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "mailflow"


def _hit_only(monkeypatch):
    def refuse(*args: object) -> object:
        raise AssertionError("validated again: expected a cache hit")

    monkeypatch.setattr(config_module, "_validate", refuse)


def test_the_config_cache_never_holds_a_feed_url(tmp_path, cache, monkeypatch):
    path = tmp_path / "mailflow.toml"
    path.write_text(
        MINIMAL + f'\n[availability]\nbusy_calendars = ["{FEED}", "busy.ics"]\n',
        encoding="utf-8",
    )
    first = load_settings(path)
    stored = b"".join(p.read_bytes() for p in cache.iterdir())
    assert b"s3cr3t" not in stored
    assert b"busy.ics" in stored  # a path is no secret
    _hit_only(monkeypatch)
    again = load_settings(path)
    assert again == first
    assert again.availability.busy_calendars[0] == FEED


def test_a_feed_url_from_the_environment_stays_out_of_the_cache(
    tmp_path, cache, monkeypatch
):
    path = tmp_path / "mailflow.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("MAILFLOW_AVAILABILITY__BUSY_CALENDARS", json.dumps([FEED]))
    first = load_settings(path)
    assert first.availability.busy_calendars == (FEED,)
    assert b"s3cr3t" not in b"".join(p.read_bytes() for p in cache.iterdir())
    _hit_only(monkeypatch)
    assert load_settings(path) == first


def test_a_run_keeps_the_feed_url_out_of_the_database(tmp_path, mail_server, mailboxes):
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n"

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/private/s3cr3t/busy.ics"
        config = write_config(
            tmp_path,
            mail_server,
            mailboxes,
            f'[availability]\nbusy_calendars = ["{url}"]\n',
        )
        mail_server.deliver(
            request(
                sender=f"Jordan <{mailboxes.person}>",
                to=mailboxes.practice,
                body="Hello, I'd like to book the free consultation call.",
            ),
            mailboxes.practice,
        )
        assert main(["run", "--config", str(config), "--now", NOW.isoformat()]) == 0
    finally:
        server.shutdown()
        server.server_close()
    kept = b"".join(p.read_bytes() for p in tmp_path.rglob("*.sqlite3*"))
    assert kept
    assert b"s3cr3t" not in kept
