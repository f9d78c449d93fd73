"""The one error tree of mailflow; the CLI renders these and maps them to exit codes.

MailflowError
├── ConfigError          exit 2: one line per problem, each naming its key
├── MailboxError         exit 3 when the server is unreachable
│   └── MailboxAuthError exit 3: login refused
├── SendError
│   ├── TransientSendError  4xx / connection: retried next run from the outbox
│   └── PermanentSendError  5xx: the message is failed, not retried
├── StoreError           the database is unusable
└── TemplateError        a template failed to render
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


class PermanentSendError(SendError):
    """Not worth retrying: a 5xx answer for this message."""


class SmtpAuthError(TransientSendError):
    """The SMTP server refused the login (kept for the next run: nothing lost)."""


class StoreError(MailflowError):
    """The SQLite store cannot be opened or is corrupt."""


class TemplateError(MailflowError):
    """A message template is missing or failed to render."""
