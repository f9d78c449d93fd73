"""The one error tree of mailflow; the CLI renders these and maps them to exit codes.

MailflowError
├── ConfigError          exit 2: one line per problem, each naming its key
├── MailboxError         exit 3 when the server is unreachable
│   └── MailboxAuthError exit 3: login refused
│       └── ImapTokenError   (also a TokenError) no OAuth2 access token for IMAP
├── SendError
│   ├── TransientSendError  4xx / connection: retried next run from the outbox
│   │   ├── DeferredSendError  4xx for this one message: retried later, with backoff
│   │   └── SmtpAuthError   login refused
│   │       └── SmtpTokenError  (also a TokenError) no OAuth2 access token for SMTP
│   └── PermanentSendError  5xx: the message is failed, not retried
├── TokenError           exit 3: the token command or the token refresh failed
├── StoreError           the database is unusable
├── TemplateError        a template failed to render
├── BusyCalendarError    a busy calendar is unreadable: requests wait for it
└── MailOverBudget       one mail's handling used up its CPU budget: set aside
"""

from __future__ import annotations


class MailflowError(Exception):
    """Base of every error mailflow raises on purpose."""


class ConfigError(MailflowError):
    """The configuration is unusable; `problems` holds one line per key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class MailboxError(MailflowError):
    """The IMAP server could not be reached or failed mid-command."""


class MailboxAuthError(MailboxError):
    """The IMAP server refused the login."""


class SendError(MailflowError):
    """A message could not be handed to the SMTP server."""


class TransientSendError(SendError):
    """Worth retrying: connection trouble or a 4xx answer."""


class DeferredSendError(TransientSendError):
    """The server answered 4xx for this one message; the session itself is fine."""


class PermanentSendError(SendError):
    """Not worth retrying: a 5xx answer for this message."""


class PolicyRefusedError(PermanentSendError):
    """A 5.7.x refusal at DATA: this message's content, or this account (SendAs
    denied)? The outbox tells them apart by whether the next message goes."""


class SmtpAuthError(TransientSendError):
    """The SMTP server refused the login (kept for the next run: nothing lost)."""


class TokenError(MailflowError):
    """No OAuth2 access token: the token command failed or the refresh was refused.

    `key` names the config key to look at, `reason` says what happened (never the
    token, nor the command's output), `hint` what to do next. `passing` marks a
    failure the next run may not meet (the sign-in service unreachable), and
    `note` is filled in on the way out: whether the therapist was emailed.
    """

    def __init__(
        self, *, key: str, reason: str, hint: str, passing: bool = False
    ) -> None:
        self.key = key
        self.reason = reason
        self.hint = hint
        self.passing = passing
        self.note = ""
        super().__init__(f"{key}: no OAuth2 access token, {reason}; {hint}")


class ImapTokenError(TokenError, MailboxAuthError):
    """No token for the IMAP login: the run stops (exit 3)."""


class SmtpTokenError(TokenError, SmtpAuthError):
    """No token for the SMTP login: queued mail waits in the outbox (exit 3)."""


class StoreError(MailflowError):
    """The SQLite store cannot be opened or is corrupt."""


class TemplateError(MailflowError):
    """A message template is missing or failed to render."""


class BusyCalendarError(MailflowError):
    """A busy calendar could not be read; no times are offered until it can.

    `source` names the calendar (a path, or only scheme and host of a URL, since
    private feed URLs carry their secret in the path); `reason` never quotes
    the calendar's contents.
    """

    def __init__(self, *, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"Busy calendar {source!r} is unusable: {reason}.")


class MailOverBudget(MailflowError):
    """One mail's reading and deciding used more than `seconds` of CPU time.

    The net beneath the readers' own caps (#14): whatever in a mail costs
    more than any genuine mail could, the mail is set aside once (logged by
    UID) and never retried into the same wall, and the run goes on to the
    next mail. Nothing of the mail is in it.
    """

    def __init__(self, *, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"a mail's handling used more than {seconds:g} s of CPU")
