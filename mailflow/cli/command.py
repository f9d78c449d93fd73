"""The `mailflow` command: parse arguments, run, render errors once, exit with the contract's codes.

Exit status: 0 done · 1 some mails failed, retried next run · 2 configuration
error · 3 mail server unreachable or login refused. Heavy imports are lazy so
cron's every-few-minutes start stays cheap.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailflow import __version__
from mailflow.errors import (
    ConfigError,
    MailboxAuthError,
    MailboxError,
    MailflowError,
    SendError,
    SmtpAuthError,
    StoreError,
    TemplateError,
    TokenError,
)
from mailflow.shell.paths import config_path

if TYPE_CHECKING:
    from mailflow.config import Settings
    from mailflow.shell.runner import RunReport

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_SERVER = 0, 1, 2, 3
log = logging.getLogger("mailflow")


def _global_flags(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="say more (-vv: debug)",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $MAILFLOW_CONFIG, else config/mailflow.toml)",
    )


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; `init`'s many flags only when `init` is asked
    for (its provider table is no business of a cron poll's start-up)."""
    parser = argparse.ArgumentParser(
        prog="mailflow",
        description="Email-native booking of the free consultation call.",
    )
    parser.add_argument(
        "--version", action="version", version=f"mailflow {__version__}"
    )
    _global_flags(parser, default=None)
    parser.set_defaults(verbose=0)
    # The same flags after the command (`mailflow run -v --config x`); SUPPRESS
    # keeps a flag given before the command when it is not repeated after it.
    common = argparse.ArgumentParser(add_help=False)
    _global_flags(common, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, description=text, parents=[common])

    run = command("run", "one cycle: read new mail, act, send what is due, exit")
    run.add_argument(
        "--now",
        metavar="ISO8601",
        help="the clock for this run (no offset: practice zone)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="decide and show, but send and remember nothing",
    )
    watch = command("watch", "stay connected and react within seconds (IMAP IDLE)")
    watch.add_argument(
        "--now",
        metavar="ISO8601",
        help="start the clock here; it then runs on in real time (to replay a day)",
    )
    watch.add_argument(
        "--interval",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait between cycles (default 300)",
    )
    command(
        "check",
        "validate config, log in to IMAP and SMTP, render templates, show next open slots",
    )
    command("status", "enquiries by state, upcoming calls, last run")
    command(
        "auth",
        "sign in to Microsoft 365 once (device code); mailflow keeps the refresh token",
    )
    purge = command(
        "purge",
        "delete client data of enquiries ended more than storage.retention_days ago",
    )
    purge.add_argument(
        "--now", metavar="ISO8601", help="the clock (no offset: practice zone)"
    )
    export = command(
        "export", "print everything stored about one enquiry, as JSON (access request)"
    )
    export.add_argument("--enquiry", type=int, required=True, metavar="ID")
    forget = command(
        "forget", "delete everything stored about one email address (erasure request)"
    )
    forget.add_argument("--email", required=True, metavar="ADDRESS")
    forget.add_argument(
        "--force",
        action="store_true",
        help="also when a call is booked in the future (no cancellation is sent)",
    )
    forget.add_argument(
        "--now", metavar="ISO8601", help="the clock (no offset: practice zone)"
    )
    init = command(
        "init",
        "write a first config from a few questions (or flags), then run check",
    )
    if "init" in (sys.argv[1:] if argv is None else argv):
        from mailflow.cli.init import add_arguments

        add_arguments(init)
    demo = command("demo", "a whole conversation on a throwaway local mail server")
    demo.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None, *, settle: bool = False) -> int:
    """The command; a reader that stops early (`mailflow check | head`) is no error.
    `settle`: this process is the command alone (the console script), so a run
    may freeze what it has loaded (`_settled`); never for a caller's process."""
    # The core's own patterns compiled once per install, not once per run.
    from mailflow import patterns
    from mailflow.shell import pattern_cache

    before = patterns.use(None)
    kept = pattern_cache.install()
    try:
        code = _main(argv, settle)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whatever is still buffered goes nowhere, quietly, also at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    finally:
        if kept is not None:
            kept.save()
        patterns.use(before)
    return code


def _main(argv: list[str] | None, settle: bool = False) -> int:
    args = _parser(argv).parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="mailflow: %(message)s", stream=sys.stderr)
    # imapclient's debug log is the wire: every mail in full, the approval
    # Message-IDs with it. Never logged, whatever -v says (#14).
    for wire in ("imapclient", "imaplib"):
        logging.getLogger(wire).setLevel(logging.WARNING)
    if args.command in {"run", "watch", "check", "demo"}:
        # The phrase book compiled once per install, not once per run (~0.1 s).
        from mailflow.reading import phrases
        from mailflow.shell import phrase_cache

        phrases.keep(phrase_cache.load(phrases.DEFAULT_LANGUAGE, phrases.source()))
    if settle and args.command != "run":
        # The collector was off while the command's own process started
        # (`entry`); on before the command's work (a run's: `_settled`).
        gc.enable()
    try:
        if args.command == "demo":
            import importlib.util

            if importlib.util.find_spec("aiosmtpd") is None:
                print(
                    "mailflow demo needs its local mail server: "
                    "pip install 'mailflow[demo]' (or run `make demo` in a clone)",
                    file=sys.stderr,
                )
                return 2
            from mailflow.cli.demo import run_demo

            return run_demo()
        if args.command == "init":
            from mailflow.cli.init import init

            return init(args)
        # The config's bytes before its settings: the quiet mark is named
        # after what this run loaded, never after a file edited meanwhile.
        loaded = _bytes_of(config_path(args.config)) if args.command == "run" else None
        settings = _settings(args.config)
        if args.command in {"run", "watch", "check"}:
            from mailflow.config import check_database

            check_database(settings)
        if args.command == "run":
            return _run(
                settings,
                now_text=args.now,
                dry_run=args.dry_run,
                config=config_path(args.config),
                loaded=loaded,
                settle=settle,
            )
        if args.command == "watch":
            from mailflow.shell.watch import watch

            start = (
                parse_now(args.now, settings.practice.timezone) if args.now else None
            )
            return int(watch(settings, interval_s=args.interval, start_at=start))
        if args.command == "check":
            from mailflow.cli.check import check

            return check(settings)
        if args.command == "status":
            return _status(settings, config_path(args.config))
        if args.command == "auth":
            return _auth(settings)
        if args.command == "purge":
            return _purge(settings, now_text=args.now)
        if args.command == "export":
            return _export(settings, args.enquiry)
        if args.command == "forget":
            return _forget(
                settings, address=args.email, now_text=args.now, force=args.force
            )
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"mailflow: config: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except TokenError as exc:
        _error(f"{exc}; {exc.note}" if exc.note else str(exc))
        return EXIT_SERVER
    except MailboxAuthError as exc:
        _error(str(exc))  # names the server, the user and where the password came from
        return EXIT_SERVER
    except MailboxError as exc:
        _error(f"{exc}; nothing was lost, the next run tries again")
        return EXIT_SERVER
    except SmtpAuthError as exc:
        _error(f"{exc}; queued mail waits for the next run")
        return EXIT_SERVER
    except SendError as exc:
        _error(f"{exc}; queued mail waits for the next run")
        return EXIT_SERVER
    except (StoreError, TemplateError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    except MailflowError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # stdout closed by its reader: main() leaves quietly
    except Exception as exc:
        _error(
            f"this is a bug ({type(exc).__name__}); run again with -v for the traceback"
        )
        if args.verbose:
            raise
        return EXIT_FAILED
    return EXIT_OK


def _error(text: str) -> None:
    print(f"mailflow: {text}", file=sys.stderr)


def _settings(path: str | None) -> Settings:
    from mailflow.config import load_settings

    return load_settings(path)


def parse_now(text: str | None, zone_name: str) -> datetime:
    """--now as an aware instant; without an offset it means the practice zone."""
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            [f"--now: {text!r} is not an ISO 8601 date and time"]
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment.astimezone(UTC)


def _bytes_of(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _run(
    settings: Settings,
    *,
    now_text: str | None,
    dry_run: bool,
    config: Path,
    loaded: bytes | None,
    settle: bool = False,
) -> int:
    now = parse_now(now_text, settings.practice.timezone)
    from mailflow.shell.cycle import problem, run_locked

    if settle:
        _settled()

    said = _WarningCount()
    logging.getLogger("mailflow").addHandler(said)
    try:
        report = run_locked(
            settings,
            now=now,
            dry_run=dry_run,
            then=None
            if dry_run
            else lambda done: _update_quiet_mark(
                settings, config, loaded, done, now, said
            ),
        )
    finally:
        logging.getLogger("mailflow").removeHandler(said)
    if report is None:
        return EXIT_OK
    trouble = problem(report)
    if trouble:
        _error(trouble)
    return report.exit_code


def _settled() -> None:
    """A run lives for one cycle, and what it has loaded by now (modules,
    settings, validators) for all of it: frozen out of the cyclic collector,
    which would otherwise walk it again at every full collection and once more
    at exit (~50 ms of a first run). Only in the command's own process (not a
    test's or a caller's, whose garbage must stay collectable), and not for
    `watch`, whose later garbage must too. The collector, off while the
    command's own process started (`entry`), is on again from here; what it
    freezes includes the start's few cyclic leftovers (a few hundred objects
    no collection met while the start loaded)."""
    import mailflow.shell.runner  # noqa: F401  the cycle's own modules first

    gc.freeze()
    gc.enable()


def _update_quiet_mark(
    settings: Settings,
    config: Path,
    loaded: bytes | None,
    report: RunReport,
    now: datetime,
    said: _WarningCount,
) -> None:
    """After a whole run, under its lock: the quiet mark left, or forgotten
    when the run owes something or said something. Never a
    failed run for it: the work is done, at worst the next run is whole."""
    from mailflow.shell import quiet

    until = report.quiet_until
    login = _quiet_login(settings)
    if until is None or said.warnings:
        quiet.forget_mark(config)
        return
    imap = settings.imap
    try:
        quiet.leave_mark(
            config,
            loaded=loaded,
            imap={
                "host": imap.host,
                "port": imap.port,
                "security": imap.security,
                "username": imap.username,
                "timeout_s": imap.timeout_s,
                "deadline_s": imap.deadline_s,
                "ca_file": imap.ca_file,
            },
            login=login,
            password=imap.password.get_secret_value(),
            database=settings.storage.database,
            zone=settings.practice.timezone,
            folders=report.folders,
            since=now,
            until=until,
        )
    except Exception as exc:
        logging.getLogger("mailflow").info("no quiet mark (%s)", type(exc).__name__)
        quiet.forget_mark(config)


class _WarningCount(logging.Handler):
    """Counts the warnings of a run: one that had something to say (and would
    say it again) is never stood in for by a quiet poll."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings += 1


def _quiet_login(settings: Settings) -> dict[str, str]:
    """How the quiet poll logs in as this run did (`quiet.LOGINS`): where the
    secret comes from, the command or keyring service named by a digest;
    the built-in Microsoft 365 sign-in by its token file (the quiet poll
    uses a fresh access token found there; msal's refresh is the whole
    run's)."""
    import os

    from mailflow.shell import quiet

    imap = settings.imap
    if imap.auth == "oauth2":
        if imap.oauth2_token_command:
            return quiet.login_mark("token-command", imap.oauth2_token_command)
        return {
            "kind": "microsoft",
            "client_id": imap.oauth2_client_id,
            "tenant": imap.oauth2_tenant,
            "token_file": os.path.abspath(imap.oauth2_token_file),
        }
    if imap.password_command:
        return quiet.login_mark("command", imap.password_command)
    if imap.password_keyring:
        return quiet.login_mark("keyring", imap.password_keyring)
    return {"kind": "password"}


def _status(settings: Settings, config: Path) -> int:
    from mailflow.deciding import timing
    from mailflow.shell.runner import enquiry_view, timing_rules
    from mailflow.shell.store import Store

    path = settings.storage.database
    print(f"Database: {path}")
    if not path.exists():
        print(
            "No runs yet: the database does not exist. Run `mailflow run` first"
            " (if mailflow has run before, storage.database points elsewhere)."
        )
        return EXIT_OK
    zone = ZoneInfo(settings.practice.timezone)
    now = datetime.now(UTC)
    rules = timing_rules(settings)
    with Store.open(path) as store:
        adopted = store.get_meta("adopted_threads")
        if adopted:
            print(
                f"Warning: the Sent folder holds {adopted} mailflow letters this"
                " database never wrote (another or a restored database?); their"
                " threads are left for the therapist. Check storage.database."
            )
        counts = store.counts_by_state()
        print("Enquiries by state:")
        if not counts:
            print("  (none yet)")
        for state, n in counts.items():
            print(f"  {state:<13} {n}")
        print("Open enquiries (by number; names stay in the mailbox):")
        open_ones = store.open_enquiries()
        if not open_ones:
            print("  (none)")
        for enquiry in open_ones:
            due = timing.next_due(enquiry_view(settings, store, enquiry), rules, now)
            nxt = (
                f"{due.step.value.replace('_', ' ')} from {due.at.astimezone(zone):%a %d %b %H:%M %Z}"
                if due
                else "waiting for a reply"
            )
            print(f"  enquiry {enquiry.id:<5} {enquiry.state:<13} next: {nxt}")
        outbox = store.outbox_counts()
        waiting = outbox.get("pending", 0) + outbox.get("sent", 0)
        print(
            f"Outbox: {waiting} waiting, {outbox.get('done', 0)} sent,"
            f" {outbox.get('failed', 0)} failed"
        )
        calls = store.upcoming_calls()
        print("Upcoming calls:")
        upcoming = [c for c in calls if c[2] >= now]
        if not upcoming:
            print("  (none)")
        for enquiry_id, status, start_at in upcoming:
            local = start_at.astimezone(zone)
            print(f"  enquiry {enquiry_id}: {local:%a %d %b %H:%M %Z} ({status})")
        last = store.get_meta("last_run_at")
        print(f"Last run: {last or 'never'}")
        from mailflow.shell import quiet

        if (polled := quiet.last_poll(config)) is not None:
            # Empty runs since the last whole one were quiet polls.
            print(f"Last poll: {polled.isoformat(timespec='seconds')}")
    return EXIT_OK


# -- privacy: retention on demand, access and erasure requests ----------------------


def _purge(settings: Settings, *, now_text: str | None) -> int:
    """The retention purge on demand; prints a count, never personal data."""
    from mailflow.shell import privacy
    from mailflow.shell.lock import RunLock
    from mailflow.shell.store import Store

    now = parse_now(now_text, settings.practice.timezone)
    days = settings.storage.retention_days
    path = settings.storage.database
    removed = 0
    if path.exists():
        with RunLock(Path(f"{path}.lock")) as lock:
            if not lock.acquired:
                return _busy()
            with Store.open(path) as store:
                removed = privacy.purge(store, now=now, retention_days=days)
    print(
        f"Removed {removed} {_enquiries(removed)} that ended more than {days} days"
        " ago (storage.retention_days)."
    )
    return EXIT_OK


def _export(settings: Settings, enquiry_id: int) -> int:
    """An access request: the one command that prints personal data, on purpose."""
    from mailflow.shell import privacy
    from mailflow.shell.store import Store

    path = settings.storage.database
    text = None
    if path.exists():
        with Store.open(path) as store:
            text = privacy.export(store, enquiry_id)
    if text is None:
        _error(
            f"no enquiry {enquiry_id} is stored (a wrong number, or deleted after"
            " storage.retention_days)"
        )
        return EXIT_FAILED
    print(text)
    return EXIT_OK


def _forget(
    settings: Settings, *, address: str, now_text: str | None, force: bool
) -> int:
    """An erasure request; refuses while a call is booked ahead, unless forced."""
    from mailflow.shell import privacy
    from mailflow.shell.lock import RunLock
    from mailflow.shell.store import Store

    now = parse_now(now_text, settings.practice.timezone)
    if "@" not in address:
        raise ConfigError([f"--email: {address!r} is not an email address"])
    path = settings.storage.database
    erasure = privacy.Erasure(enquiries=0, contact=False)
    if path.exists():
        with RunLock(Path(f"{path}.lock")) as lock:
            if not lock.acquired:
                return _busy()
            with Store.open(path) as store:
                erasure = privacy.forget(store, address, now=now, force=force)
    if erasure.refused:
        zone = ZoneInfo(settings.practice.timezone)
        for enquiry_id, start in erasure.refused:
            _error(
                f"enquiry {enquiry_id} has a call booked for"
                f" {start.astimezone(zone):%a %d %b %Y %H:%M %Z}; cancel it first so"
                " the person is told, or use --force to delete it without a"
                " cancellation. Nothing was deleted."
            )
        return EXIT_FAILED
    contact = " and the contact record" if erasure.contact else ""
    print(
        f"Removed {erasure.enquiries} {_enquiries(erasure.enquiries)}{contact}"
        " for that address."
    )
    print(privacy.not_erased(settings))
    return EXIT_OK


def _enquiries(n: int) -> str:
    return "enquiry" if n == 1 else "enquiries"


def _busy() -> int:
    _error("a run is in progress; try again in a minute (nothing was changed)")
    return EXIT_FAILED


def _auth(settings: Settings) -> int:
    """The first Microsoft 365 sign-in (device code), for each server that uses it."""
    from mailflow.shell import credentials

    servers = [
        server
        for server in (settings.imap, settings.smtp)
        if server.auth == "oauth2" and not server.oauth2_token_command
    ]
    if not servers:
        raise ConfigError(
            [
                'imap.oauth2_client_id: `mailflow auth` is for auth = "oauth2" with '
                "oauth2_client_id (the built-in Microsoft 365 sign-in); a token "
                "command signs in by its own means"
            ]
        )
    done: list[tuple[str, str, str]] = []
    for server in servers:
        who = (server.oauth2_client_id, server.oauth2_tenant, server.username)
        if who in done:
            continue  # one sign-in covers IMAP and SMTP (both scopes at once)
        print(f"Signing in {server.username} for {server.section.upper()}:")
        credentials.sign_in(server, lambda text: print(text, flush=True))
        done.append(who)
    print(
        f"Signed in. The refresh token is kept in {servers[0].oauth2_token_file}"
        " (mode 0600). Now run `mailflow check`."
    )
    return EXIT_OK
