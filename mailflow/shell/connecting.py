"""What IMAP and SMTP share when connecting: TLS, and errors a person can act on.

No I/O but reading a configured CA file. Every line names the server as
host:port and the key to change, never a secret.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Final

from mailflow.errors import ConfigError
from mailflow.shell.tls import client_context

if TYPE_CHECKING:
    from mailflow.config import _ServerSettings

TLS_FROM_FIRST_BYTE: Final = {993: "IMAP", 465: "SMTP"}
"""Ports where TLS starts before the greeting (RFC 8314): never "starttls"/"plain"."""
STARTTLS_PORTS: Final = {143: "IMAP", 587: "SMTP", 25: "SMTP"}

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code).
_HOSTNAME_MISMATCH: Final = frozenset({62, 64})  # a host name, an IP address
_UNKNOWN_CA: Final = frozenset({2, 18, 19, 20, 21, 27})
_EXPIRED: Final = frozenset({9, 10})


def where(cfg: _ServerSettings) -> str:
    return f"{cfg.host}:{cfg.port}"


def tls_context(cfg: _ServerSettings) -> ssl.SSLContext:
    """The system's CAs, and `ca_file` (a private CA's PEM) when set; verifies names.

    One per process and `ca_file`, shared by IMAP, SMTP, the quiet poll and
    busy feeds over https (`mailflow.shell.tls`)."""
    try:
        return client_context(cfg.ca_file or "")
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            [
                f"{cfg.section}.ca_file: {cfg.ca_file!r} cannot be read as a PEM"
                f" certificate ({type(exc).__name__}: {_first_words(exc)})"
            ]
        ) from None


def check_port(cfg: _ServerSettings) -> None:
    """Refuse at once the mix-ups that would otherwise hang until the timeout:
    starttls or plain on a port where the server waits for TLS first."""
    if cfg.security != "ssl" and cfg.port in TLS_FROM_FIRST_BYTE:
        plain_port = 143 if cfg.section == "imap" else 587
        raise ConfigError(
            [
                f'{cfg.section}.security: "{cfg.security}" on port {cfg.port}, where'
                f" {cfg.host} speaks TLS from the first byte: set security = "
                f'"ssl" (or port {plain_port} for starttls)'
            ]
        )


def tls_problem(exc: ssl.SSLError, cfg: _ServerSettings) -> str:
    """An OpenSSL failure in words: what is wrong with host:port and the fix."""
    at = where(cfg)
    key = cfg.section
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        if code in _HOSTNAME_MISMATCH:
            return (
                f"the TLS certificate of {at} is for another name than {cfg.host!r}:"
                f" set {key}.host to the server name your provider gives"
                " (the one on its certificate)"
            )
        if code in _UNKNOWN_CA:
            return (
                f"the TLS certificate of {at} is signed by an authority this machine"
                f" does not know (self-signed or a private CA): set {key}.ca_file to"
                " that authority's certificate (PEM)"
            )
        if code in _EXPIRED:
            return (
                f"the TLS certificate of {at} has expired (or the clock here is"
                " wrong): tell the mail provider, or check the date on this machine"
            )
        return f"the TLS certificate of {at} is not trusted ({exc.verify_message})"
    reason = str(exc.reason or exc)
    if "WRONG_VERSION_NUMBER" in reason.upper() or "wrong version" in reason:
        tls_port = 993 if key == "imap" else 465
        return (
            f"{at} does not speak TLS from the first byte (a plain port):"
            f' with security = "ssl" use port {tls_port}, or set {key}.security ='
            ' "starttls" for this port'
        )
    return f"TLS with {at} failed ({reason})"


def timed_out(cfg: _ServerSettings, what: str) -> str:
    """A timeout, with the likely mix-up when it came before any greeting."""
    at = where(cfg)
    if what == "connect" and cfg.security != "ssl":
        return (
            f"{at} did not greet within {min(cfg.timeout_s, 15.0):.0f} s: if that"
            f' port expects TLS from the first byte, set {cfg.section}.security = "ssl"'
        )
    return f"{at} timed out during {what}"


def password_origin(cfg: _ServerSettings) -> str:
    """Where the password a server refused came from, in words (never the value)."""
    from mailflow.config import password_from_environment

    section = cfg.section
    env = f"MAILFLOW_{section.upper()}__PASSWORD"
    if cfg.auth == "oauth2":
        return "an OAuth2 access token"
    if cfg.password_command:
        return f"the password printed by {section}.password_command"
    if cfg.password_keyring:
        return (
            f"the password in the system keyring (service {cfg.password_keyring!r},"
            f" user {cfg.username!r})"
        )
    if not cfg.password.get_secret_value():
        return (
            f"an empty password: neither {env} nor {section}.password is set here"
            " (cron and systemd do not see your shell's variables; see the README)"
        )
    if password_from_environment(section):
        return f"the password from the environment ({env})"
    return f"the password from {section}.password in the config file"


def login_refused(cfg: _ServerSettings, protocol: str) -> str:
    """One line: which server refused whom, with what, and what to check."""
    if cfg.auth == "oauth2":
        source = (
            f"{cfg.section}.oauth2_token_command"
            if cfg.oauth2_token_command
            else "the Microsoft 365 sign-in (`mailflow auth`)"
        )
        return (
            f"{protocol} login to {where(cfg)} refused for {cfg.username!r} with an"
            f" OAuth2 access token: check {cfg.section}.username and {source}"
        )
    return (
        f"{protocol} login to {where(cfg)} refused for {cfg.username!r} with"
        f" {password_origin(cfg)}: check {cfg.section}.username and that password"
    )


def _first_words(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120]
