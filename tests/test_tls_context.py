"""One TLS context per process (#13): the quiet poll, the whole run after it
and both servers' sessions share the CA store loaded once per `ca_file`."""

from __future__ import annotations

import socket
import ssl

import pytest

from mailflow.config import load_settings
from mailflow.errors import ConfigError
from mailflow.shell import connecting, quiet, tls


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """Every context built, on an empty per-process cache."""
    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        built.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return built[-1]

    monkeypatch.setattr(tls, "_contexts", {})
    monkeypatch.setattr(ssl, "create_default_context", counting)
    return built


def test_the_quiet_poll_and_the_whole_run_share_one_context(tmp_path, counted):
    path = tmp_path / "c.toml"
    path.write_text(
        "[practice]\nname='R'\nemail='a@r.example'\ntherapist_name='S R'\n"
        "therapist_email='s@r.example'\n[imap]\nhost='imap.r.example'\n"
        "[smtp]\nhost='smtp.r.example'\n"
    )
    settings = load_settings(path)
    with socket.socket() as unconnected:  # wrapped, never connected
        wrapped = quiet._tls(unconnected, "imap.r.example", settings.imap.ca_file)
        wrapped.close()
    imap = connecting.tls_context(settings.imap)
    smtp = connecting.tls_context(settings.smtp)
    assert len(counted) == 1
    assert imap is smtp is counted[0]
    assert wrapped.context is imap


def test_an_unreadable_ca_file_is_a_config_error_and_is_not_kept(tmp_path, counted):
    path = tmp_path / "c.toml"
    missing = tmp_path / "missing.pem"
    path.write_text(
        "[practice]\nname='R'\nemail='a@r.example'\ntherapist_name='S R'\n"
        "therapist_email='s@r.example'\n"
        f"[imap]\nhost='imap.r.example'\nca_file='{missing}'\n"
        "[smtp]\nhost='smtp.r.example'\n"
    )
    settings = load_settings(path)
    with pytest.raises(ConfigError, match=r"imap\.ca_file: .* cannot be read"):
        connecting.tls_context(settings.imap)
    assert tls._contexts == {}
    missing.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"imap\.ca_file"):
        connecting.tls_context(settings.imap)
