"""Where passwords and OAuth2 access tokens come from. Does I/O (commands, keyring, msal).

A password: `password_command`, else the system keyring (`password_keyring`, the
optional `keyring` package), else `password` (best set in the environment). An
access token (`auth = "oauth2"`): `oauth2_token_command`, the lowest common
denominator of mutt, isync and offlineimap, else the built-in Microsoft 365 sign-in
(the optional `msal` package) whose refresh token lives in a 0600 file beside the
database. No secret is ever put into an error, a log line or the database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mailflow.errors import ConfigError, TokenError

if TYPE_CHECKING:
    from mailflow.config import CaldavSettings, _ServerSettings

COMMAND_TIMEOUT_S: Final = 30.0
"""How long a password or token command may take (a hung one never hangs cron)."""

MICROSOFT_SCOPES: Final = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)
"""Both at once, so one sign-in serves IMAP and SMTP (msal adds offline_access)."""

MICROSOFT_HOST: Final = "login.microsoftonline.com"
MICROSOFT_AUTHORITY: Final = f"https://{MICROSOFT_HOST}/"
TOKEN_MARGIN_S: Final = 300
"""msal's own margin: an access token with less than this left is refreshed,
not used (a run that logs in at its end still holds a live token)."""

_SIGN_IN_AGAIN: Final = "run `mailflow auth` to sign in to Microsoft 365"


_handed: dict[tuple[str, str], str] = {}
"""Secrets the quiet poll read and logged in with in this process, by (key,
source), each taken once by the whole run that follows it (mail came): a
password command runs once a run, as it did before the quiet poll took it."""


def hand_over(key: str, source: str, secret: str) -> None:
    """The quiet poll logged in with `secret`, read from `source` (a command,
    a keyring service) for `key`: the whole run in this process takes it."""
    _handed[(key, source)] = secret


def _taken(key: str, source: str) -> str | None:
    return _handed.pop((key, source), None)


# -- passwords -------------------------------------------------------------------


def password(server: _ServerSettings | CaldavSettings) -> str:
    """The password of one server: command, else keyring, else the configured value."""
    if server.password_command:
        key = f"{server.section}.password_command"
        handed = _taken(key, server.password_command)
        if handed is not None:
            return handed
        return run_command(server.password_command, key)
    if server.password_keyring:
        key = f"{server.section}.password_keyring"
        handed = _taken(key, keyring_source(server.password_keyring, server.username))
        if handed is not None:
            return handed
        return keyring_password(server.password_keyring, server.username, key)
    return server.password.get_secret_value()


def keyring_source(service: str, user: str) -> str:
    """What names a keyring entry (for `hand_over`): its service and user."""
    return f"{service}\n{user}"


def run_command(command: str, key: str) -> str:
    """The first line a command prints; ConfigError naming `key` when it fails."""
    try:
        done = subprocess.run(
            shlex.split(command),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise ConfigError([f"{key}: could not run it ({type(exc).__name__})"]) from None
    if done.returncode != 0:
        # Its output may hold a secret or half of one: only the status is told.
        raise ConfigError([f"{key}: exited with status {done.returncode}"])
    lines = done.stdout.splitlines()
    return lines[0] if lines else ""  # `pass show` puts more below the first line


def keyring_password(service: str, user: str, key: str) -> str:
    """The password the system keyring holds for `service` and `user`."""
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigError(
            [
                f"{key}: needs the keyring package: "
                "pip install 'mailflow[keyring]' (or use password_command)"
            ]
        ) from None
    try:
        found = keyring.get_password(service, user)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(
            [f"{key}: the system keyring cannot be read ({type(exc).__name__})"]
        ) from None
    if not found:
        raise ConfigError(
            [
                f"{key}: no password stored for service {service!r} and user "
                f"{user!r} (store one with: keyring set {shlex.quote(service)} "
                f"{shlex.quote(user)})"
            ]
        )
    return str(found)


# -- OAuth2 access tokens ----------------------------------------------------------


def xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 SASL initial response (Google and Microsoft), before base64."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def access_token(server: _ServerSettings) -> str:
    """A fresh access token for `server`; TokenError (exit 3) when none can be had."""
    if server.oauth2_token_command:
        return _token_from_command(server)
    return microsoft_token(server)


def token_from_command(server: _ServerSettings | CaldavSettings) -> str:
    """An access token printed by the server's `oauth2_token_command` (CalDAV's
    only OAuth2 source); TokenError when none can be had."""
    return _token_from_command(server)


def _token_from_command(server: _ServerSettings | CaldavSettings) -> str:
    key = f"{server.section}.oauth2_token_command"
    handed = _taken(key, server.oauth2_token_command)
    if handed is not None:
        return handed
    return command_token(server.oauth2_token_command, key)


def command_token(command: str, key: str) -> str:
    """The access token `command` prints (its first line); TokenError naming `key`."""
    hint = f"run {key} by hand to see why (it must print a fresh access token)"
    try:
        done = subprocess.run(
            shlex.split(command),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TokenError(
            key=key, reason=f"no answer in {COMMAND_TIMEOUT_S:.0f} s", hint=hint
        ) from None
    except (OSError, ValueError) as exc:
        raise TokenError(
            key=key, reason=f"could not run it ({type(exc).__name__})", hint=hint
        ) from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0:
        raise TokenError(
            key=key, reason=f"exited with status {done.returncode}", hint=hint
        )
    if not lines or not lines[0].strip():
        raise TokenError(key=key, reason="printed nothing", hint=hint)
    return lines[0].strip()


# -- the built-in Microsoft 365 sign-in (msal) --------------------------------------


def _msal(key: str) -> Any:
    try:
        import msal
    except ImportError:
        raise ConfigError(
            [
                f"{key}: the built-in Microsoft 365 sign-in needs the msal package: "
                "pip install 'mailflow[microsoft]' (or use oauth2_token_command)"
            ]
        ) from None
    return msal


def _application(server: _ServerSettings, http_client: Any = None) -> tuple[Any, Any]:
    """msal's public client over the token file (nothing is read from the network)."""
    msal = _msal(f"{server.section}.oauth2_client_id")
    cache = msal.SerializableTokenCache()
    file = server.oauth2_token_file
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise TokenError(
            key=f"{server.section}.oauth2_client_id",
            reason=f"the token file {str(file)!r} cannot be read ({type(exc).__name__})",
            hint="check its owner and mode (0600)",
        ) from None
    if text:
        with contextlib.suppress(ValueError):  # damaged: as good as none, sign in
            cache.deserialize(text)
    # A hung sign-in must not hang cron (and hold the run lock for ever).
    options: dict[str, Any] = {"token_cache": cache, "timeout": server.timeout_s}
    if http_client is not None:
        options["http_client"] = http_client
    app = msal.PublicClientApplication(
        server.oauth2_client_id,
        authority=MICROSOFT_AUTHORITY + server.oauth2_tenant,
        **options,
    )
    return app, cache


def _unreachable(msal: Any) -> tuple[type[BaseException], ...]:
    """What msal raises when Microsoft cannot be asked (requests' errors are OSError)."""
    return (OSError, ValueError, RuntimeError, msal.exceptions.MsalError)


def cached_microsoft_token(
    text: str,
    *,
    client_id: str,
    tenant: str,
    username: str,
    now: float,
    scopes: tuple[str, ...] = MICROSOFT_SCOPES,
) -> str | None:
    """The access token msal's silent sign-in would hand back from its token
    cache (`text`, msal's serialized cache) without asking Microsoft; None
    when none is fresh, or the cache does not read, so msal is asked.

    As msal looks (`acquire_token_silent`): the first Azure AD account of
    `username` (any, when none is configured), then a bearer token of this
    client, authority host and tenant for that account whose scopes cover
    `scopes` (in any case, as msal compares them), with more than
    TOKEN_MARGIN_S left and no `refresh_on` passed. msal keeps a token under
    the tenant its discovery names: the configured one for "organizations",
    "common", "consumers" or a tenant ID, the tenant's ID for a domain name
    ("contoso.onmicrosoft.com"), which is read here as the account's own
    home tenant. Any doubt is None: msal decides. A token that lasts an
    hour serves eleven five-minute runs without msal loaded (~110 ms) or
    Microsoft's discovery asked over the network (#13). `now`: the wall
    clock (epoch seconds), never `--now`: a token expires in real time."""
    try:
        cache = json.loads(text)
        accounts = [
            str(entry["home_account_id"])
            for entry in cache.get("Account", {}).values()
            if entry.get("environment") == MICROSOFT_HOST
            and entry.get("authority_type") in _MSAL_ACCOUNTS
            and (
                not username
                or str(entry.get("username", "")).lower() == username.lower()
            )
        ]
        if not accounts:
            return None
        wanted = {scope.lower() for scope in scopes}  # as msal: any case
        realms = {tenant.lower()}
        if not _named_tenant(tenant):  # a domain: discovery's ID, their home's
            realms.add(accounts[0].rpartition(".")[2].lower())
        fresh = [
            (int(entry["expires_on"]), str(entry["secret"]))
            for entry in cache.get("AccessToken", {}).values()
            if entry.get("client_id") == client_id
            and entry.get("environment") == MICROSOFT_HOST
            and str(entry.get("realm", "")).lower() in realms
            and entry.get("home_account_id") == accounts[0]
            and wanted <= set(str(entry.get("target", "")).lower().split())
            and str(entry.get("token_type", "Bearer")).lower() == "bearer"
            and not {"ext_cache_key", "key_id"} & entry.keys()
            and int(entry["expires_on"]) - now > TOKEN_MARGIN_S
            and ("refresh_on" not in entry or int(entry["refresh_on"]) > now)
            and entry.get("secret")
        ]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # not a cache msal wrote: msal reads it (or signs in again)
    return max(fresh)[1] if fresh else None


_MSAL_ACCOUNTS: Final = frozenset({"MSSTS", "ADFS"})
"""The accounts msal's get_accounts lists (authority_type)."""

_TENANT_ID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


def _named_tenant(tenant: str) -> bool:
    """A tenant msal keeps tokens under as it is written: an audience
    ("organizations", "common", "consumers") or a tenant ID."""
    return tenant.lower() in {"organizations", "common", "consumers"} or bool(
        _TENANT_ID.fullmatch(tenant)
    )


def fresh_microsoft_token(
    file: Path, *, client_id: str, tenant: str, username: str
) -> str | None:
    """`cached_microsoft_token` from the token file, by the wall clock; None
    when the file cannot be read (msal then says why)."""
    import time

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    return cached_microsoft_token(
        text, client_id=client_id, tenant=tenant, username=username, now=time.time()
    )


def microsoft_token(server: _ServerSettings, *, http_client: Any = None) -> str:
    """An access token from the stored refresh token; never interactive. A
    fresh one in the token file is used as msal would, without loading it."""
    fresh = fresh_microsoft_token(
        server.oauth2_token_file,
        client_id=server.oauth2_client_id,
        tenant=server.oauth2_tenant,
        username=server.username,
    )
    if fresh is not None:
        return fresh
    key = f"{server.section}.oauth2_client_id"
    msal = _msal(key)
    try:
        app, cache = _application(server, http_client)
        accounts = app.get_accounts(username=server.username or None)
        result = (
            app.acquire_token_silent_with_error(
                list(MICROSOFT_SCOPES), account=accounts[0]
            )
            if accounts
            else None
        )
    except _unreachable(msal) as exc:
        raise TokenError(
            key=key,
            reason=f"Microsoft's sign-in could not be reached ({type(exc).__name__})",
            hint="the next run tries again",
            passing=True,
        ) from None
    if not accounts:
        raise TokenError(key=key, reason="not signed in yet", hint=_SIGN_IN_AGAIN)
    if not result or "access_token" not in result:
        reason = "the refresh was refused"
        if result and result.get("error"):
            reason += f" ({_plain(str(result['error']))})"
        raise TokenError(key=key, reason=reason, hint=_SIGN_IN_AGAIN)
    _save(server.oauth2_token_file, cache)
    return str(result["access_token"])


def sign_in(
    server: _ServerSettings,
    say: Callable[[str], None],
    *,
    http_client: Any = None,
) -> None:
    """The first sign-in (device code): the person opens a page and types a code."""
    key = f"{server.section}.oauth2_client_id"
    msal = _msal(key)
    try:
        app, cache = _application(server, http_client)
        flow = app.initiate_device_flow(scopes=list(MICROSOFT_SCOPES))
        if "user_code" not in flow:
            raise TokenError(
                key=key,
                reason=f"Microsoft refused to start ({_plain(str(flow.get('error')))})",
                hint=f"check {key} and {server.section}.oauth2_tenant",
            )
        say(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
    except _unreachable(msal) as exc:
        raise TokenError(
            key=key,
            reason=f"Microsoft's sign-in could not be reached ({type(exc).__name__})",
            hint="try again",
        ) from None
    if "access_token" not in result:
        raise TokenError(
            key=key,
            reason=f"the sign-in did not finish ({_plain(str(result.get('error')))})",
            hint="run `mailflow auth` again",
        )
    _save(server.oauth2_token_file, cache, force=True)


def _plain(code: str) -> str:
    """An OAuth2 error code as it can be shown: short, no newlines."""
    return " ".join(code.split())[:80]


def _save(file: Path, cache: Any, *, force: bool = False) -> None:
    """Write msal's cache atomically, 0600 in a 0700 folder."""
    import tempfile

    if not (force or cache.has_state_changed):
        return
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=file.parent, prefix=".oauth2-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(cache.serialize())
        os.chmod(temp, 0o600)
        os.replace(temp, file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    cache.has_state_changed = False
