"""Settings: the TOML file plus MAILFLOW_<SECTION>__<KEY> overrides, validated once.

The only reader of os.environ. A bad config becomes one ConfigError listing every
problem as `section.key: what is wrong`, so the CLI can print it and exit 2.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import subprocess
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from mailflow.errors import ConfigError
from mailflow.model import AvailabilityRules, WeeklyHours

DEFAULT_CONFIG_PATH = Path("config/mailflow.toml")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
Security = Literal["ssl", "starttls", "plain"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PracticeSettings(_Section):
    name: str = Field(min_length=1)
    email: str
    therapist_name: str = Field(min_length=1)
    therapist_email: str
    timezone: str = "Europe/London"
    country: str = "GB"
    clock: Literal["auto", "24h", "12h"] = "auto"

    @field_validator("email", "therapist_email")
    @classmethod
    def _address(cls, value: str) -> str:
        if not _ADDRESS.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
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
            raise ValueError(f"{value!r} is not a two-letter country code (e.g. GB)")
        return value.upper()

    @property
    def uses_12h_clock(self) -> bool:
        if self.clock != "auto":
            return self.clock == "12h"
        return self.country in {"US", "CA", "AU", "NZ", "PH", "IN"}


class _ServerSettings(_Section):
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    security: Security = "ssl"
    username: str = ""
    password: SecretStr = SecretStr("")
    password_command: str = ""
    timeout_s: float = Field(default=30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> _ServerSettings:
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f'security = "plain" sends the password unencrypted; it is allowed '
                f"only for a loopback host, not {self.host!r} (use ssl or starttls)"
            )
        return self

    def resolve_password(self) -> str:
        """The password, running `password_command` when one is configured."""
        if not self.password_command:
            return self.password.get_secret_value()
        try:
            done = subprocess.run(
                shlex.split(self.password_command),
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(
                [f"password_command: could not run it ({type(exc).__name__})"]
            ) from None
        if done.returncode != 0:
            raise ConfigError(
                [f"password_command: exited with status {done.returncode}"]
            )
        return done.stdout.rstrip("\r\n")


class ImapSettings(_ServerSettings):
    port: int = Field(default=993, ge=1, le=65535)
    folder: str = "INBOX"
    sent_folder: str = "Sent"
    sent_copy: Literal["auto", "append", "none"] = "auto"

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


class SmtpSettings(_ServerSettings):
    port: int = Field(default=465, ge=1, le=65535)


class AvailabilitySettings(_Section):
    slot_minutes: int = Field(default=15, ge=5, le=240)
    buffer_minutes: int = Field(default=10, ge=0, le=240)
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
            min_notice=timedelta(hours=self.min_notice_hours),
            horizon=timedelta(days=self.horizon_days),
            max_calls_per_day=self.max_calls_per_day,
            blocked_on=frozenset(self.blocked_dates),
        )


def _end_time(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


class WorkflowSettings(_Section):
    approval: Literal["therapist", "auto"] = "therapist"
    reminder_hours_before: int = Field(default=24, ge=0, le=24 * 14)
    followup_hours_after: int = Field(default=2, ge=0, le=24 * 14)
    offer_expiry_days: int = Field(default=7, ge=1, le=90)
    hold_hours: int = Field(default=48, ge=1, le=24 * 14)
    max_request_age_days: int = Field(default=7, ge=0, le=365)
    quiet_hours: str = "08:00-20:00"

    @field_validator("quiet_hours")
    @classmethod
    def _valid_quiet(cls, value: str) -> str:
        if not _SPAN.match(value):
            raise ValueError(f'"{value}" is not HH:MM-HH:MM (e.g. "08:00-20:00")')
        return value


class RequestSettings(_Section):
    keywords: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    form_senders: tuple[str, ...] = ()


class SafetySettings(_Section):
    extra_phrases: tuple[str, ...] = ()
    message: str = Field(
        default=(
            "If you are in danger or thinking of ending your life, please call your "
            "local emergency number now, or a crisis line where you live. I read "
            "every message personally and will be in touch."
        ),
        min_length=1,
    )


class StorageSettings(_Section):
    database: Path = Path("var/mailflow.sqlite3")
    retention_days: int = Field(default=180, ge=1, le=3650)


class TemplateSettings(_Section):
    directory: Path | None = None


class Settings(BaseSettings):
    """The whole validated configuration; frozen, passed down in narrow pieces."""

    model_config = SettingsConfigDict(
        env_prefix="MAILFLOW_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    practice: PracticeSettings
    imap: ImapSettings
    smtp: SmtpSettings
    availability: AvailabilitySettings = AvailabilitySettings()
    workflow: WorkflowSettings = WorkflowSettings()
    requests: RequestSettings = RequestSettings()
    safety: SafetySettings = SafetySettings()
    storage: StorageSettings = StorageSettings()
    templates: TemplateSettings = TemplateSettings()

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


def config_path(explicit: str | Path | None) -> Path:
    """--config, else $MAILFLOW_CONFIG, else config/mailflow.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MAILFLOW_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG_PATH


def load_settings(path: str | Path | None = None) -> Settings:
    """Read, merge and validate; raise one ConfigError naming every bad key."""
    file = config_path(path)
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
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
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None
    _check_paths(settings)
    return settings


def _check_paths(settings: Settings) -> None:
    directory = settings.templates.directory
    if directory is not None and not directory.is_dir():
        raise ConfigError([f"templates.directory: {str(directory)!r} is not a folder"])


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
        if "; " in message and key.endswith("hours"):
            section = key.rsplit(".", 1)[0]
            lines.extend(f"{section}.{part}" for part in message.split("; "))
        elif message.startswith("hours.") and key.endswith("hours"):
            lines.append(f"{key.rsplit('.', 1)[0]}.{message}")
        else:
            lines.append(f"{key}: {message}")
    return lines


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts `plain` may use."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
