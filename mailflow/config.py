"""Settings: the TOML file plus MAILFLOW_<SECTION>__<KEY> overrides, validated once.

The only reader of os.environ. A bad config becomes one ConfigError listing every
problem as `section.key: what is wrong`, so the CLI can print it and exit 2.

pydantic is the one validator (the private `_...Model` classes built by
`_file_model()`), with pydantic-settings over it (`_models()`) to merge the
environment; where the only overrides are servers' passwords (or there are
none; MAILFLOW_CONFIG is no override), mailflow merges those itself and it is
not imported. Importing them and building the models still costs most of an
empty cron poll, so a validated result is cached as JSON in
$XDG_CACHE_HOME/mailflow (default ~/.cache/mailflow), keyed by everything
validation reads: mailflow's version, this module's source, the installed
pydantic, the config file's path and bytes, and the MAILFLOW_* environment. A hit
builds the plain frozen dataclasses below without importing pydantic; a miss
validates exactly as always and writes the entry. Passwords are never cached:
they are left out of the entry and of the key, and a hit reads them again from
where pydantic-settings would (MAILFLOW_<SERVER>__PASSWORD, else the file), so a
new password needs no re-validation. A cache that cannot be written is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailflow import __version__
from mailflow.errors import ConfigError
from mailflow.model import KNOWN_FORM_SENDERS, AvailabilityRules, WeeklyHours
from mailflow.shell.paths import config_path, keyed_entry, write_private

if TYPE_CHECKING:
    from pydantic import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
Security = Literal["ssl", "starttls", "plain"]
Auth = Literal["password", "oauth2"]
Clock = Literal["auto", "24h", "12h"]
SentCopy = Literal["auto", "append", "none"]
Approval = Literal["therapist", "auto"]
CallMode = Literal["phone", "video"]

_SERVERS = ("imap", "smtp", "caldav")
"""Sections with a password (never cached, read again on every load)."""
DERIVED_FIELDS: Final = frozenset({"oauth2_token_file"})
"""Settings fields that are not keys: computed from other keys in _validate()."""


# -- the settings the rest of mailflow reads: plain, frozen, pydantic-free ----------


class Secret:
    """A password: its value on request, masked in repr and str (like SecretStr)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({str(self)!r})"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True, kw_only=True)
class PracticeSettings:
    """Who the practice is: names, addresses, zone and the phone numbers' region."""

    name: str
    email: str
    therapist_name: str
    therapist_email: str
    timezone: str
    country: str
    clock: Clock

    @property
    def uses_12h_clock(self) -> bool:
        if self.clock != "auto":
            return self.clock == "12h"
        return self.country in {"US", "CA", "AU", "NZ", "PH", "IN"}


@dataclass(frozen=True, slots=True, kw_only=True)
class _ServerSettings:
    """What IMAP and SMTP share: where, how securely, as whom, how long to wait."""

    host: str
    port: int
    security: Security
    username: str
    password: Secret
    password_command: str
    password_keyring: str
    auth: Auth
    oauth2_client_id: str
    oauth2_tenant: str
    oauth2_token_command: str
    oauth2_token_file: Path
    """Not a key: the Microsoft sign-in's refresh token, beside storage.database."""
    timeout_s: float
    deadline_s: float
    """The whole session's limit, not one read's: a server trickling bytes just
    inside timeout_s is cut off here (#14)."""
    ca_file: str
    """A private CA's certificate (PEM) to trust for this server; "" = the system's."""
    section: ClassVar[str] = ""

    def resolve_password(self) -> str:
        """The password: password_command, else password_keyring, else password."""
        from mailflow.shell import credentials

        return credentials.password(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapSettings(_ServerSettings):
    """The practice's mailbox: where requests arrive and its Sent copies go."""

    section: ClassVar[str] = "imap"
    folder: str
    sent_folder: str
    """"" = the folder the server marks \\Sent (RFC 6154 SPECIAL-USE), else "Sent"."""
    sent_copy: SentCopy
    # The receiving server's authserv-id: only its Authentication-Results are
    # read ("" = the topmost one, which the receiving server adds last).
    authserv_id: str = ""

    @property
    def files_sent_mail_itself(self) -> bool:
        """Gmail, Microsoft 365 and iCloud put SMTP-submitted mail in Sent."""
        if self.sent_copy != "auto":
            return self.sent_copy == "none"
        host = self.host.lower()
        return host in {
            "imap.gmail.com",
            "imap.googlemail.com",
            "outlook.office365.com",
            "imap-mail.outlook.com",
            "outlook.office.com",
            "imap.mail.me.com",
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings(_ServerSettings):
    """The practice's outgoing server."""

    section: ClassVar[str] = "smtp"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaldavSettings:
    """The therapist's own calendar, where bookings are written (off: url = "")."""

    section: ClassVar[str] = "caldav"
    url: str
    username: str
    password: Secret
    password_command: str
    password_keyring: str
    auth: Auth
    oauth2_token_command: str
    calendar: str
    timeout_s: float
    busy: bool
    """Also read the therapist's busy time from this calendar's free/busy
    (RFC 4791 7.10), beside or instead of `availability.busy_calendars`."""

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def reads_busy(self) -> bool:
        return self.enabled and self.busy

    def resolve_password(self) -> str:
        """The password: password_command, else password_keyring, else password."""
        from mailflow.shell import credentials

        return credentials.password(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilitySettings:
    """When calls may be offered: their length, the hours, the notice, the horizon."""

    slot_minutes: int
    buffer_minutes: int
    start_every_minutes: int
    min_notice_hours: int
    horizon_days: int
    offer_count: int
    max_calls_per_day: int
    blocked_dates: tuple[date, ...]
    busy_calendars: tuple[str, ...]
    hours: dict[str, tuple[str, ...]]

    def rules(self, zone_name: str) -> AvailabilityRules:
        """The narrow object the availability engine takes."""
        spans: dict[int, tuple[tuple[time, time], ...]] = {}
        for day, texts in self.hours.items():
            spans[WEEKDAYS.index(day)] = tuple(
                (time.fromisoformat(t[:5]), _end_time(t[6:])) for t in texts
            )
        return AvailabilityRules(
            zone_name=zone_name,
            hours=WeeklyHours(spans=spans),
            slot=timedelta(minutes=self.slot_minutes),
            buffer=timedelta(minutes=self.buffer_minutes),
            start_every=timedelta(minutes=self.start_every_minutes),
            min_notice=timedelta(hours=self.min_notice_hours),
            horizon=timedelta(days=self.horizon_days),
            max_calls_per_day=self.max_calls_per_day,
            blocked_on=frozenset(self.blocked_dates),
        )


def _end_time(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowSettings:
    """Who approves a booking, and when reminders, follow-ups and expiry fall."""

    approval: Approval
    reminder_hours_before: int
    followup_hours_after: int
    offer_expiry_days: int
    hold_hours: int
    max_request_age_days: int
    nudge_days: int
    digest_at: str
    quiet_hours: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestSettings:
    """The practice's own words for a request, and whose forms to trust."""

    keywords: tuple[str, ...]
    subjects: tuple[str, ...]
    form_senders: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetySettings:
    """Extra crisis phrases; the message a person in crisis is sent, which
    also closes every first offer while `in_every_offer`, and every later
    letter answering their own mail while `in_later_letters` (unset in the
    file: as `in_every_offer`)."""

    extra_phrases: tuple[str, ...]
    message: str
    in_every_offer: bool
    in_later_letters: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageSettings:
    """The database, and how long an ended enquiry is kept."""

    database: Path
    retention_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsSettings:
    """Caps on what mailflow sends (see mailflow/deciding/guard.py), and the
    CPU one mail's handling may use (mailflow/shell/budget.py)."""

    per_address_per_day: int
    per_run: int
    per_hour: int
    mail_cpu_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSettings:
    """The therapist's own copies of the letters' templates (None: the shipped ones)."""

    directory: Path | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallSettings:
    """The free call itself: by phone (the therapist rings) or by video (a fixed room)."""

    mode: CallMode
    video_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The whole validated configuration; frozen, passed down in narrow pieces."""

    practice: PracticeSettings
    imap: ImapSettings
    smtp: SmtpSettings
    availability: AvailabilitySettings
    workflow: WorkflowSettings
    requests: RequestSettings
    safety: SafetySettings
    storage: StorageSettings
    templates: TemplateSettings
    limits: LimitsSettings
    call: CallSettings
    caldav: CaldavSettings


_SECTIONS: dict[str, type[Any]] = {
    "practice": PracticeSettings,
    "imap": ImapSettings,
    "smtp": SmtpSettings,
    "availability": AvailabilitySettings,
    "workflow": WorkflowSettings,
    "requests": RequestSettings,
    "safety": SafetySettings,
    "storage": StorageSettings,
    "templates": TemplateSettings,
    "limits": LimitsSettings,
    "call": CallSettings,
    "caldav": CaldavSettings,
}


# -- loading ------------------------------------------------------------------------


def load_settings(path: str | Path | None = None) -> Settings:
    """Read, merge and validate; raise one ConfigError naming every bad key."""
    file = config_path(path)
    try:
        raw = file.read_bytes()
        # As read_text would: universal newlines.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        data: dict[str, Any] = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(
            [
                f"{file}: no such config file "
                "(copy config/mailflow.example.toml there, or pass --config)"
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [f"{file}: cannot be read ({exc.__class__.__name__})"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{file}: not valid TOML ({exc})"]) from None
    environ = _mailflow_environ()
    # Only a file of sections is cached: any other top-level key is one of
    # pydantic-settings' own (`_env_prefix`, `_env_file`, ...), under which it
    # reads what no key here can name.
    entry = _cache_file(file, raw, environ) if set(data) <= set(_SECTIONS) else None
    settings = _from_cache(entry, data, environ) if entry else None
    if settings is None:
        payload, passwords = _validate(data, environ)
        encoded = json.dumps(payload, separators=(",", ":"))
        if entry:
            write_private(entry, _without_feeds(encoded))
        # Built from the encoded entry, so a hit returns exactly what a miss did.
        settings = _build(json.loads(encoded), passwords)
    settings = _anchored(settings, file)
    _check_paths(settings)
    return settings


def _anchored(settings: Settings, file: Path) -> Settings:
    """Relative paths in the config mean: relative to the config file's folder,
    whatever the working directory (a second database would answer everyone again)."""
    base = Path(os.path.abspath(file)).parent

    def place(path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() else Path(os.path.normpath(base / path))

    given = settings.storage.database.expanduser()
    database = place(given)
    _check_moved_database(given, database)
    busy = tuple(
        entry if "://" in entry else str(place(Path(entry)))
        for entry in settings.availability.busy_calendars
    )
    directory = settings.templates.directory

    def ca(value: str) -> str:
        return str(place(Path(value))) if value else value

    return replace(
        settings,
        storage=replace(settings.storage, database=database),
        imap=replace(
            settings.imap,
            oauth2_token_file=place(settings.imap.oauth2_token_file),
            ca_file=ca(settings.imap.ca_file),
        ),
        smtp=replace(
            settings.smtp,
            oauth2_token_file=place(settings.smtp.oauth2_token_file),
            ca_file=ca(settings.smtp.ca_file),
        ),
        availability=replace(settings.availability, busy_calendars=busy),
        templates=replace(
            settings.templates,
            directory=None if directory is None else place(directory),
        ),
    )


def _check_moved_database(given: Path, placed: Path) -> None:
    """A relative storage.database used to mean the working directory: refuse to
    start a new database beside the config while the old one sits here."""
    if given.is_absolute() or placed.exists():
        return
    legacy = Path(os.path.abspath(given))
    if legacy != placed and legacy.exists():
        raise ConfigError(
            [
                f"storage.database: {str(given)!r} is relative to the config file's"
                f" folder, so it means {placed}, which does not exist, while the"
                f" database at {legacy} does; set storage.database ="
                f' "{legacy}" to keep using it'
            ]
        )


def check_database(settings: Settings) -> None:
    """ConfigError unless the database's folder exists (or can be made) and can be
    written: a run must not discover it mid-cycle (`check`, `run` and `watch`)."""
    import tempfile

    database = settings.storage.database
    folder = database.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if database.exists():
            with database.open("r+b"):
                pass
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".mailflow-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        where = database if database.exists() else folder
        raise ConfigError(
            [
                f"storage.database: cannot write {where} ({reason}); make it"
                " writable by the user mailflow runs as, or set storage.database"
                " to a path in a folder that is"
            ]
        ) from None


def _check_paths(settings: Settings) -> None:
    directory = settings.templates.directory
    if directory is not None and not directory.is_dir():
        raise ConfigError([f"templates.directory: {str(directory)!r} is not a folder"])


def _mailflow_environ() -> dict[str, str]:
    """MAILFLOW_* by lower-cased name, as pydantic-settings (case-insensitive) sees it."""
    return {
        name.lower(): value
        for name, value in os.environ.items()
        if name.lower().startswith("mailflow_")
    }


def _secret_env(section: str) -> str:
    return f"mailflow_{section}__password"


def password_from_environment(section: str) -> bool:
    """Whether MAILFLOW_<SECTION>__PASSWORD is set (to say where a refused password
    came from; its value is never read here)."""
    return _secret_env(section) in _mailflow_environ()


# -- the cache ------------------------------------------------------------------------


def _cache_file(file: Path, raw: bytes, environ: Mapping[str, str]) -> Path | None:
    """This config's cache entry, or None when it must not or cannot be cached.

    Keyed by every MAILFLOW_* variable but MAILFLOW_CONFIG, which names the
    file (its path is in the key already), so `mailflow check --config F`
    warms the entry the cron line with MAILFLOW_CONFIG=F reads. (Any other
    may be read: a file can set pydantic-settings' own `_env_*` keys.)"""
    about: list[object] = [
        __version__,
        hashlib.sha256(_own_source()).hexdigest(),
        _validator_stamp(),
        os.path.abspath(file),
    ]
    read = {name: value for name, value in environ.items() if name != "mailflow_config"}
    return keyed_entry("config", about, raw, read)


def _own_source() -> bytes:
    """This module's source: a change to validation must miss every entry."""
    try:
        return Path(__file__).read_bytes()
    except OSError:
        return b""


def _validator_stamp() -> list[int]:
    """The installed pydantic, without importing it: its folders' mtimes."""
    from importlib.util import find_spec

    stamp = []
    for name in ("pydantic", "pydantic_core", "pydantic_settings"):
        try:
            spec = find_spec(name)
            origin = spec.origin if spec else None
            stamp.append(os.stat(os.path.dirname(origin)).st_mtime_ns if origin else 0)
        except (OSError, ImportError, ValueError):
            stamp.append(0)
    return stamp


def _from_cache(
    entry: Path, data: dict[str, Any], environ: Mapping[str, str]
) -> Settings | None:
    """The settings of a cache hit; None on a miss, or whenever in doubt."""
    try:
        with entry.open("rb") as handle:
            status = os.fstat(handle.fileno())
            getuid = getattr(os, "getuid", None)
            if status.st_mode & 0o022 or (getuid and status.st_uid != getuid()):
                return None  # someone else could have written it
            payload = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    passwords: dict[str, str] = {}
    for section in _SERVERS:
        password = environ.get(_secret_env(section))
        if password is None:
            table = data.get(section)
            password = table.get("password", "") if isinstance(table, dict) else ""
        if not isinstance(password, str):
            return None  # pydantic will say what is wrong with it
        passwords[section] = password
    try:
        payload = _with_feeds(payload, data, environ)
        if payload is None:
            return None
        settings = _build(payload, passwords)
        ZoneInfo(settings.practice.timezone)  # tzdata may have changed since
    except (KeyError, TypeError, ValueError, AttributeError, ZoneInfoNotFoundError):
        return None
    return settings


_FEED_MARK: Final = "mailflow-feed-sha256:"
"""A busy-feed URL in a cache entry: its hash only (#14). A feed URL is a bearer
secret (a private iCal address); it stays in the config, and a hit takes it
from there again, as it does a password."""


def _feed_hash(url: str) -> str:
    return (
        _FEED_MARK + hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
    )


def _without_feeds(encoded: str) -> str:
    """The entry to write: every busy-feed URL replaced by its hash."""
    payload = json.loads(encoded)
    availability = payload.get("availability", {})
    availability["busy_calendars"] = [
        _feed_hash(entry) if "://" in entry else entry
        for entry in availability.get("busy_calendars", [])
    ]
    return json.dumps(payload, separators=(",", ":"))


def _with_feeds(
    payload: dict[str, Any], data: dict[str, Any], environ: Mapping[str, str]
) -> dict[str, Any] | None:
    """A hit's feed URLs, found again by their hashes among the config's own
    strings (the file, then MAILFLOW_* values); None when one is missing."""
    availability = payload.get("availability")
    if not isinstance(availability, dict):
        return payload
    listed = availability.get("busy_calendars")
    if not isinstance(listed, list) or not any(
        isinstance(e, str) and e.startswith(_FEED_MARK) for e in listed
    ):
        return payload
    known: dict[str, str] = {}

    def gather(value: Any) -> None:
        if isinstance(value, str):
            known.setdefault(_feed_hash(value), value)
            try:
                parsed = json.loads(value)
            except ValueError:
                return
            if not isinstance(parsed, str):
                gather(parsed)
        elif isinstance(value, dict):
            for item in value.values():
                gather(item)
        elif isinstance(value, list):
            for item in value:
                gather(item)

    gather(data.get("availability", {}))
    for value in environ.values():
        gather(value)
    found = [known.get(e, "") if str(e).startswith(_FEED_MARK) else e for e in listed]
    if "" in found:
        return None
    return {**payload, "availability": {**availability, "busy_calendars": found}}


def _encode(value: Any) -> Any:
    """One validated value as JSON: Path and date as text, tuples as lists."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _same(value: Any) -> Any:
    return value


# By the dataclass fields' annotations (text, under `from __future__ import annotations`).
_DECODE: dict[str, Callable[[Any], Any]] = {
    "Path": Path,
    "Path | None": lambda value: None if value is None else Path(value),
    "tuple[date, ...]": lambda value: tuple(map(date.fromisoformat, value)),
    "tuple[str, ...]": tuple,
    "dict[str, tuple[str, ...]]": lambda value: {
        day: tuple(spans) for day, spans in value.items()
    },
}


def _build(payload: dict[str, Any], passwords: Mapping[str, str]) -> Settings:
    """The dataclasses from a cache entry; raises on any mismatch with them."""
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        values = dict(payload[name])
        arguments: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name == "password":
                arguments["password"] = Secret(passwords[name])
            else:
                arguments[spec.name] = _DECODE.get(str(spec.type), _same)(
                    values.pop(spec.name)
                )
        if values:
            raise ValueError(f"{name}: unexpected {sorted(values)}")
        sections[name] = cls(**arguments)
    if set(payload) != set(sections):
        raise ValueError("unexpected sections")
    return Settings(**sections)


# -- validation on a cache miss: pydantic (pydantic-settings for other overrides) ----


def _validate(
    data: dict[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate as pydantic-settings does; the JSON payload and the passwords."""
    from pydantic import ValidationError

    try:
        model = _validated(data, environ)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None
    derived = {"oauth2_token_file": _token_file(model.storage.database)}
    payload = {
        name: {
            spec.name: _encode(
                derived[spec.name]
                if spec.name in DERIVED_FIELDS
                else getattr(getattr(model, name), spec.name)
            )
            for spec in fields(cls)
            if spec.name != "password"
        }
        for name, cls in _SECTIONS.items()
    }
    passwords = {
        section: getattr(model, section).password.get_secret_value()
        for section in _SERVERS
    }
    return payload, passwords


def _validated(data: dict[str, Any], environ: Mapping[str, str]) -> Any:
    """The validated model. pydantic-settings merges the MAILFLOW_* environment
    over the file; where all it would merge is a server's password (or
    nothing), that is merged here as it would be, and the file's model
    validates alone, the same (a test holds the two alike) at half the cost of
    a first run's configuration. Its init source also takes other top-level
    keys (any case, its own `_env_file`...), so a file with any key that is
    not a section goes through it as always."""
    merged = _passwords_merged(data, environ)
    if merged is not None:
        return _file_model()(**merged)
    from pydantic_settings import SettingsError

    try:
        return _models()(**data)
    except SettingsError as exc:  # an environment override that is not JSON
        raise ConfigError(_environment_problems(str(exc))) from None


def _passwords_merged(
    data: dict[str, Any], environ: Mapping[str, str]
) -> dict[str, Any] | None:
    """The file's values with what pydantic-settings would merge from the
    environment, when that is passwords alone; None for anything else. It reads
    only variables named after a section (MAILFLOW_CONFIG is not), and puts a
    password over the section's table (or in place of what is not a table)."""
    if not set(data) <= set(_SECTIONS):
        return None
    merged = dict(data)
    for name, value in environ.items():
        section = name.removeprefix("mailflow_").split("__")[0]
        if section not in _SECTIONS:
            continue  # pydantic-settings reads it for no field
        if section not in _SERVERS or name != _secret_env(section):
            return None
        table = merged.get(section)
        merged[section] = (
            {**table, "password": value}
            if isinstance(table, dict)
            else {"password": value}
        )
    return merged


def _token_file(database: Path) -> Path:
    """Beside the database, private like it: var/mailflow.sqlite3.oauth2.json."""
    return database.with_name(database.name + ".oauth2.json")


@functools.cache
def _file_model() -> Any:
    """The pydantic model of the file; built once, on the first miss.

    The file's values alone: `_models()` puts pydantic-settings over it, which
    merges the MAILFLOW_* environment (and costs as much again to import)."""
    from pydantic import (
        BaseModel,
        ConfigDict,
        Field,
        SecretStr,
        ValidationInfo,
        field_validator,
    )

    class _SectionModel(BaseModel):
        # Built as part of _FileModel's schema, not each on its own first
        # (the sections without a default instance below: a few ms).
        model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    class _PracticeModel(_SectionModel):
        name: str = Field(min_length=1)
        email: str
        therapist_name: str = Field(min_length=1)
        therapist_email: str
        timezone: str = "Europe/London"
        country: str = "GB"
        clock: Clock = "auto"

        @field_validator("email", "therapist_email")
        @classmethod
        def _address(cls, value: str) -> str:
            if not _ADDRESS.match(value):
                raise ValueError(f"{value!r} is not an email address")
            return value.lower()

        @field_validator("timezone")
        @classmethod
        def _known_zone(cls, value: str) -> str:
            fixed = fixed_zone_suggestion(value)
            if fixed is not None:
                raise ValueError(
                    f"{value!r} is a fixed offset, not a place: it does not follow"
                    " summer time, so offered times would be an hour out for half"
                    f" the year; use the practice's city zone, e.g. {fixed!r}"
                )
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{value!r} is not an IANA time zone (e.g. Europe/London)"
                ) from None
            return value

        @field_validator("country")
        @classmethod
        def _region(cls, value: str) -> str:
            if not re.fullmatch(r"[A-Za-z]{2}", value):
                raise ValueError(
                    f"{value!r} is not a two-letter country code (e.g. GB)"
                )
            # Phone numbers are read with it: a code phonenumbers does not know
            # ("UK") reads "07700 900461" as no number at all.
            if not phone_region_known(value.upper()):
                hint = " (the United Kingdom is GB)" if value.upper() == "UK" else ""
                raise ValueError(
                    f"{value!r} is not an ISO 3166 country code{hint}; use e.g. GB, US, IE"
                )
            return value.upper()

    class _ServerModel(_SectionModel):
        # Validators below read earlier fields from `info.data`: keep this order.
        host: str = Field(min_length=1)
        port: int = Field(ge=1, le=65535)
        security: Security = "ssl"
        username: str = ""
        password: SecretStr = SecretStr("")
        password_command: str = ""
        password_keyring: str = ""
        auth: Auth = "password"
        oauth2_client_id: str = ""
        oauth2_tenant: str = Field(default="organizations", min_length=1)
        oauth2_token_command: str = Field(default="", validate_default=True)
        timeout_s: float = Field(default=30.0, gt=0, le=600)
        deadline_s: float = Field(default=900.0, gt=0, le=24 * 3600)
        ca_file: str = ""

        @field_validator("security")
        @classmethod
        def _plain_only_on_loopback(cls, value: str, info: ValidationInfo) -> str:
            host = info.data.get("host")
            if value == "plain" and host is not None and not is_loopback(host):
                raise ValueError(
                    f'"plain" sends the password unencrypted; it is allowed only '
                    f"for a loopback host, not {host!r} (use ssl or starttls)"
                )
            return value

        @field_validator("password_keyring")
        @classmethod
        def _one_password_source(cls, value: str, info: ValidationInfo) -> str:
            if value and info.data.get("password_command"):
                raise ValueError("set password_command or password_keyring, not both")
            return value

        @field_validator("auth")
        @classmethod
        def _oauth2_needs_user(cls, value: str, info: ValidationInfo) -> str:
            if value == "oauth2" and info.data.get("username") == "":
                raise ValueError(
                    '"oauth2" needs username (the mailbox\'s address) to log in'
                )
            return value

        @field_validator("oauth2_client_id")
        @classmethod
        def _client_needs_oauth2(cls, value: str, info: ValidationInfo) -> str:
            if value and info.data.get("auth") == "password":
                raise ValueError('set, but auth is "password" (set auth = "oauth2")')
            return value

        @field_validator("oauth2_token_command")
        @classmethod
        def _one_token_source(cls, value: str, info: ValidationInfo) -> str:
            auth = info.data.get("auth")
            client = info.data.get("oauth2_client_id")
            if auth == "password" and value:
                raise ValueError('set, but auth is "password" (set auth = "oauth2")')
            if auth == "oauth2" and value and client:
                raise ValueError(
                    "set this or oauth2_client_id (Microsoft 365 sign-in), not both"
                )
            if auth == "oauth2" and not value and client == "":
                raise ValueError(
                    'auth = "oauth2" needs a command that prints an access token, '
                    "or oauth2_client_id for the built-in Microsoft 365 sign-in"
                )
            return value

    class _ImapModel(_ServerModel):
        port: int = Field(default=993, ge=1, le=65535)
        folder: str = "INBOX"
        sent_folder: str = ""
        sent_copy: SentCopy = "auto"
        authserv_id: str = ""

    class _SmtpModel(_ServerModel):
        port: int = Field(default=465, ge=1, le=65535)

    class _AvailabilityModel(_SectionModel):
        slot_minutes: int = Field(default=15, ge=5, le=240)
        buffer_minutes: int = Field(default=10, ge=0, le=240)
        start_every_minutes: int = Field(default=15, ge=1, le=60)
        min_notice_hours: int = Field(default=24, ge=0, le=24 * 60)
        horizon_days: int = Field(default=14, ge=1, le=365)
        offer_count: int = Field(default=5, ge=1, le=9)
        max_calls_per_day: int = Field(default=3, ge=1, le=50)
        blocked_dates: tuple[date, ...] = ()
        busy_calendars: tuple[str, ...] = ()
        hours: dict[str, tuple[str, ...]] = Field(
            default_factory=lambda: {
                "mon": ("09:00-12:00", "13:00-17:00"),
                "tue": ("09:00-12:00",),
                "thu": ("13:00-18:00",),
            }
        )

        @field_validator("start_every_minutes")
        @classmethod
        def _divides_an_hour(cls, value: int) -> int:
            if 60 % value:
                raise ValueError(
                    f"{value} does not divide an hour (e.g. 5, 10, 15, 30 or 60)"
                )
            return value

        @field_validator("hours")
        @classmethod
        def _valid_hours(
            cls, value: dict[str, tuple[str, ...]]
        ) -> dict[str, tuple[str, ...]]:
            problems = []
            for day, spans in value.items():
                if day not in WEEKDAYS:
                    problems.append(
                        f"hours.{day}: not a day; use one of {', '.join(WEEKDAYS)}"
                    )
                    continue
                for span in spans:
                    match = _SPAN.match(span)
                    if not match:
                        problems.append(f'hours.{day}: "{span}" is not HH:MM-HH:MM')
                    elif span[:5] >= span[6:]:
                        problems.append(f'hours.{day}: "{span}" ends before it starts')
            if problems:
                raise ValueError("; ".join(problems))
            return value

    class _WorkflowModel(_SectionModel):
        approval: Approval = "therapist"
        reminder_hours_before: int = Field(default=24, ge=0, le=24 * 14)
        followup_hours_after: int = Field(default=2, ge=0, le=24 * 14)
        offer_expiry_days: int = Field(default=7, ge=1, le=90)
        hold_hours: int = Field(default=48, ge=1, le=24 * 14)
        max_request_age_days: int = Field(default=7, ge=0, le=36500)
        nudge_days: int = Field(default=3, ge=1, le=60)
        digest_at: str = ""
        quiet_hours: str = "08:00-20:00"

        @field_validator("quiet_hours")
        @classmethod
        def _valid_quiet(cls, value: str) -> str:
            if not _SPAN.match(value):
                raise ValueError(f'"{value}" is not HH:MM-HH:MM (e.g. "08:00-20:00")')
            return value

    class _RequestModel(_SectionModel):
        keywords: tuple[str, ...] = ()
        subjects: tuple[str, ...] = ()
        # Only these send website forms (#14); the known services by default.
        form_senders: tuple[str, ...] = KNOWN_FORM_SENDERS

    class _SafetyModel(_SectionModel):
        extra_phrases: tuple[str, ...] = ()
        message: str = Field(
            default=(
                "If you are in danger or thinking of ending your life, please call "
                "your local emergency number now, or a crisis line where you live. "
                "I read every message personally and will be in touch."
            ),
            min_length=1,
        )
        # The message closes every first offer of times, as many practices'
        # replies do: a crisis the reading does not hear still gets it.
        in_every_offer: bool = True
        # And every later letter that answers their own mail (other times,
        # which time, held, booked): a crisis written in a reply that the
        # reading does not hear is not answered with times alone. Unset, as
        # `in_every_offer`: a practice that turned that off is not given the
        # closing on the later letters it never asked for.
        in_later_letters: bool | None = Field(default=None, validate_default=True)

        @field_validator("in_later_letters")
        @classmethod
        def _as_every_offer(cls, value: bool | None, info: ValidationInfo) -> bool:
            if value is not None:
                return value
            return bool(info.data.get("in_every_offer", True))

    class _StorageModel(_SectionModel):
        database: Path = Path("var/mailflow.sqlite3")
        retention_days: int = Field(default=180, ge=1, le=3650)

    class _LimitsModel(_SectionModel):
        per_address_per_day: int = Field(default=6, ge=1, le=1000)
        per_run: int = Field(default=50, ge=1, le=10000)
        per_hour: int = Field(default=30, ge=1, le=10000)
        # Ten times the worst a hostile mail costs at the readers' caps (`make
        # hostile`), thirty times a first request whose libraries still load.
        mail_cpu_s: float = Field(default=10.0, gt=0, le=600)

    class _TemplateModel(_SectionModel):
        directory: Path | None = None

    class _CallModel(_SectionModel):
        mode: CallMode = "phone"
        video_url: str = Field(default="", validate_default=True)

        @field_validator("video_url")
        @classmethod
        def _room(cls, value: str, info: ValidationInfo) -> str:
            value = value.strip()
            mode = info.data.get("mode")
            if mode == "video" and not value:
                raise ValueError(
                    'call.mode is "video": set the meeting room\'s link'
                    ' (e.g. "https://meet.example.com/riverside")'
                )
            if value and not re.fullmatch(r"https://[^\s<>\"]+", value):
                raise ValueError(f"{value!r} is not an https:// link")
            if value and mode == "phone":
                raise ValueError('set, but call.mode is "phone" (set mode = "video")')
            return value

    class _CaldavModel(_SectionModel):
        # Validators below read earlier fields from `info.data`: keep this order.
        url: str = ""
        username: str = ""
        password: SecretStr = SecretStr("")
        password_command: str = ""
        password_keyring: str = ""
        auth: Auth = "password"
        oauth2_token_command: str = Field(default="", validate_default=True)
        calendar: str = ""
        timeout_s: float = Field(default=30.0, gt=0, le=600)
        busy: bool = False

        @field_validator("busy")
        @classmethod
        def _busy_from_a_calendar(cls, value: bool, info: ValidationInfo) -> bool:
            if value and not info.data.get("url"):
                raise ValueError(
                    "needs caldav.url: the calendar to read busy time from"
                )
            return value

        @field_validator("url")
        @classmethod
        def _https_unless_loopback(cls, value: str) -> str:
            from urllib.parse import urlsplit

            if not value:
                return value
            parts = urlsplit(value)
            if parts.scheme not in {"https", "http"} or not parts.hostname:
                raise ValueError(f"{value!r} is not an https:// address")
            if parts.scheme == "http" and not is_loopback(parts.hostname):
                raise ValueError(
                    "http:// sends the password unencrypted; it is allowed only for"
                    f" a loopback host, not {parts.hostname!r} (use https://)"
                )
            if parts.username or parts.password:
                raise ValueError("put the user in username and the password apart")
            return value

        @field_validator("password_keyring")
        @classmethod
        def _one_password_source(cls, value: str, info: ValidationInfo) -> str:
            if value and info.data.get("password_command"):
                raise ValueError("set password_command or password_keyring, not both")
            return value

        @field_validator("oauth2_token_command")
        @classmethod
        def _token_for_oauth2(cls, value: str, info: ValidationInfo) -> str:
            auth = info.data.get("auth")
            if auth == "password" and value:
                raise ValueError('set, but auth is "password" (set auth = "oauth2")')
            if auth == "oauth2" and not value:
                raise ValueError(
                    'auth = "oauth2" needs a command that prints an access token'
                )
            return value

    class _FileModel(BaseModel):
        # As BaseSettings configures itself (validate_default, arbitrary types),
        # so that both validate a file alike.
        model_config = ConfigDict(
            extra="forbid",
            frozen=True,
            validate_default=True,
            arbitrary_types_allowed=True,
        )

        practice: _PracticeModel
        imap: _ImapModel
        smtp: _SmtpModel
        availability: _AvailabilityModel = _AvailabilityModel()
        workflow: _WorkflowModel = _WorkflowModel()
        requests: _RequestModel = _RequestModel()
        safety: _SafetyModel = _SafetyModel()
        storage: _StorageModel = _StorageModel()
        templates: _TemplateModel = _TemplateModel()
        limits: _LimitsModel = _LimitsModel()
        call: _CallModel = _CallModel()
        caldav: _CaldavModel = _CaldavModel()

    return _FileModel


@functools.cache
def _models() -> Any:
    """The file's model under pydantic-settings: MAILFLOW_<SECTION>__<KEY> over
    the file's values."""
    from pydantic_settings import (
        BaseSettings,
        PydanticBaseSettingsSource,
        SettingsConfigDict,
    )

    class _SettingsModel(BaseSettings, _file_model()):  # type: ignore[misc]
        model_config = SettingsConfigDict(
            env_prefix="MAILFLOW_",
            env_nested_delimiter="__",
            extra="forbid",
            frozen=True,
        )

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            # Environment first: it overrides the file, which arrives as init values.
            return (env_settings, init_settings)

    return _SettingsModel


def _environment_problems(message: str) -> list[str]:
    """Name each MAILFLOW_* list or table override that is not valid JSON
    (pydantic-settings only names the section it was reading)."""
    from pydantic import BaseModel

    problems: list[str] = []
    for name, value in sorted(_mailflow_environ().items()):
        parts = name.removeprefix("mailflow_").split("__")
        annotation: Any = _models()
        for part in parts:
            known = isinstance(annotation, type) and issubclass(annotation, BaseModel)
            field = annotation.model_fields.get(part) if known else None
            annotation = None if field is None else field.annotation
        if annotation is None or not _takes_json(annotation):
            continue
        try:
            json.loads(value)
        except ValueError:
            problems.append(
                f"{'.'.join(parts)}: {name.upper()} is not valid JSON (lists and "
                "tables take JSON in the environment, e.g. "
                """'["2026-12-24"]' or '{"mon": ["09:00-12:00"]}')"""
            )
    if problems:
        return problems
    found = re.search(r'field "([^"]+)"', message)
    section = found.group(1) if found else "environment"
    return [
        f"{section}: a MAILFLOW_{section.upper()}__* override could not be read "
        "(lists and tables take JSON)"
    ]


def _takes_json(annotation: Any) -> bool:
    """Whether pydantic-settings reads this field's environment value as JSON."""
    from typing import get_args, get_origin

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if get_origin(annotation) in {tuple, list, dict, set, frozenset}:
        return True
    return any(_takes_json(arg) for arg in get_args(annotation) if arg is not None)


def _problems(exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in exc.errors(include_url=False, include_input=False):
        location = [str(part) for part in error["loc"]]
        key = ".".join(location) if location else "config"
        kind = error["type"]
        message = error["msg"].removeprefix("Value error, ")
        if kind == "missing":
            message = "missing; this key is required"
        elif kind == "extra_forbidden":
            message = "unknown key (check the spelling against mailflow.example.toml)"
        elif kind == "model_type":
            # "... instance of _PracticeModel": name the section's public class.
            private = str(error.get("ctx", {}).get("class_name", ""))
            if key in _SECTIONS and private:
                message = message.replace(private, _SECTIONS[key].__name__)
        if "; " in message and key.endswith("hours"):
            section = key.rsplit(".", 1)[0]
            lines.extend(f"{section}.{part}" for part in message.split("; "))
        elif message.startswith("hours.") and key.endswith("hours"):
            lines.append(f"{key.rsplit('.', 1)[0]}.{message}")
        else:
            lines.append(f"{key}: {message}")
    return lines


_FIXED_ZONES: Final = {
    "EST": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "CET": "Europe/Paris",
    "MET": "Europe/Paris",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
}


def phone_region_known(code: str) -> bool:
    """Whether phonenumbers reads numbers of region `code`, asked of its data
    folder (a module per region) without importing it: a run that reads no
    request never loads phonenumbers (#13). Where its layout is not known,
    nothing is refused."""
    import importlib.util

    spec = importlib.util.find_spec("phonenumbers")
    places = list(spec.submodule_search_locations or ()) if spec else []
    folders = [Path(place) / "data" for place in places]
    if not any(folder.is_dir() for folder in folders):
        return True
    return any((folder / f"region_{code}.py").is_file() for folder in folders)


def fixed_zone_suggestion(name: str) -> str | None:
    """For a zone that is an offset or an abbreviation rather than a place (GMT,
    UTC, EST, UTC+1, Etc/GMT-2): a city zone to suggest; None for a real place
    (or for a name that is no zone at all, which ZoneInfo then refuses)."""
    text = name.strip()
    if "/" in text:
        area, _, bare = text.partition("/")
        if area not in {"Etc", "SystemV"}:
            return None
        text, etc = bare, True
    else:
        etc = False
    upper = text.upper()
    if upper in _FIXED_ZONES:
        return _FIXED_ZONES[upper]
    found = re.fullmatch(
        r"(GMT|UTC|UT|UCT|ZULU|Z|GREENWICH|UNIVERSAL)(?:([+-])(\d{1,2})(?::?\d\d)?)?",
        upper,
    )
    if found is None:
        return "Europe/London" if etc else None
    hours = int(found.group(3) or 0) * (-1 if found.group(2) == "-" else 1)
    if etc and found.group(1) == "GMT":
        hours = -hours  # POSIX: Etc/GMT-1 is one hour ahead of UTC
    return _BY_OFFSET.get(hours, "Europe/London")


_BY_OFFSET: Final = {
    0: "Europe/London",
    1: "Europe/Paris",
    2: "Europe/Athens",
    -5: "America/New_York",
    -6: "America/Chicago",
    -7: "America/Denver",
    -8: "America/Los_Angeles",
    10: "Australia/Sydney",
}


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts `plain` may use."""
    import ipaddress

    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
