"""Round trips imapclient spends and a poll need not: the IMAP adapter's wire economies.

Does network I/O (on an imapclient session). Four, each where RFC 9051 allows it:
capabilities from the greeting's [CAPABILITY ...] response code (§7.1) instead of
a CAPABILITY command; several STATUS commands pipelined (§5.5: the client may
send the next command without waiting), with the EXAMINE of a folder already
selected among them; LOGOUT sent without waiting for BYE.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Sequence
from typing import Any

from imapclient import IMAPClient
from imapclient.imap4 import IMAP4WithTimeout
from imapclient.response_parser import parse_response
from imapclient.tls import IMAP4_TLS


class _GreetingCapabilities:
    """imaplib sends CAPABILITY right after the greeting; a server whose
    greeting already lists them (Dovecot, Courier, Gmail, Microsoft 365) is
    taken at its word. Only the greeting's: after STARTTLS the list is asked
    for again (what came before TLS is not trusted, RFC 9051 §6.2.1)."""

    untagged_responses: dict[str, list[Any]]
    capabilities: tuple[str, ...]
    _greeted: bool = False

    def _get_capabilities(self) -> None:
        greeted = self._greeted
        self._greeted = True
        listed = self.untagged_responses.pop("CAPABILITY", None)
        if not greeted and listed and isinstance(listed[-1], bytes):
            self.capabilities = tuple(
                listed[-1].decode("ascii", "replace").upper().split()
            )
            return
        super()._get_capabilities()  # type: ignore[misc]


class _NoDelay:
    """imaplib writes AUTHENTICATE's response and the CRLF after it as two
    sends: with Nagle's algorithm on, the CRLF waits for the server's
    delayed ACK of the response (measured: an XOAUTH2 login 50 ms on
    Dovecot over loopback, 4-5 ms with TCP_NODELAY; every OAuth2 practice's
    whole run and `watch` re-login). Commands go as whole lines, so
    nothing is gained by holding bytes back. (The quiet poll writes each
    line at once.)"""

    sock: socket.socket

    def open(self, *args: Any, **kwargs: Any) -> None:
        super().open(*args, **kwargs)  # type: ignore[misc]
        with contextlib.suppress(OSError):  # not TCP (a test's socketpair)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Plain(_NoDelay, _GreetingCapabilities, IMAP4WithTimeout):  # type: ignore[misc]
    pass


class _Tls(_NoDelay, _GreetingCapabilities, IMAP4_TLS):  # type: ignore[misc]
    pass


class Client(IMAPClient):  # type: ignore[misc]  # imapclient ships no types
    """IMAPClient on the imaplib classes above (same constructor, same API)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # imapclient turns imaplib's wire log on (debug 5) for a logger mailflow
        # keeps at WARNING (the wire is every mail in full): off, so no line of
        # it is formatted for nobody (a third of fetching a Sent folder's headers).
        self._imap.debug = 0

    def fetch(self, messages: Any, data: Any, modifiers: Any = None) -> Any:
        """imapclient's `fetch` (same arguments, same answers), the answers read
        by `fetch_answers` where their shape allows, else by imapclient's parser."""
        if modifiers or not self.use_uid or not messages:
            return super().fetch(messages, data, modifiers)
        from imapclient.imapclient import join_message_ids, seq_to_parenstr_upper
        from imapclient.util import to_ints

        imap = self._imap
        tag = imap._command(
            "UID", "FETCH", join_message_ids(messages), seq_to_parenstr_upper(data)
        )
        typ, lines = imap._command_complete("FETCH", tag)
        self._checkok("fetch", typ, lines)
        _, lines = imap._untagged_response(typ, lines, "FETCH")
        found = _answers(lines, self.normalise_times)
        # As imapclient: only the messages asked (a server may add unsolicited ones).
        return {uid: found[uid] for uid in to_ints(messages) if uid in found}

    def _create_IMAP4(self) -> Any:  # imapclient's name: it builds the imaplib object
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _Tls(self.host, self.port, self.ssl_context, connect_timeout)
        return _Plain(self.host, self.port, connect_timeout)


def statuses(
    client: Any,
    folders: Sequence[str],
    items: Sequence[bytes],
    *,
    close_first: bool = False,
) -> dict[str, dict[bytes, Any]]:
    """STATUS of each folder, all sent before any answer is read: one round
    trip however many. A folder the server refused (NO) or did not name in an
    answer is left out; a BAD or a dropped connection raises as imapclient's
    `folder_status` would.

    `close_first`: CLOSE the selected folder in the same round trip (it was
    opened read-only, so nothing is expunged). Dovecot answers STATUS of the
    selected folder from the session's view, without mail that came since."""
    imap = client._imap
    what = "(" + " ".join(i.decode("ascii") for i in items) + ")"
    closing = imap._command("CLOSE") if close_first else None
    tags = [imap._command("STATUS", client._normalise_folder(f), what) for f in folders]
    if closing is not None:
        typ, data = imap._command_complete("CLOSE", closing)
        if typ != "OK":
            raise imap.error(f"CLOSE failed: {data!r}")
        imap.state = "AUTH"
    for tag in tags:
        imap._command_complete("STATUS", tag)  # NO: that folder's answer is missing
    return _status_answers(imap, folders)


def examine_with_statuses(
    client: Any,
    folder: str,
    others: Sequence[str],
    items: Sequence[bytes],
    *,
    fetch: tuple[int, int] | None = None,
    fetch_items: Sequence[bytes] = (),
) -> tuple[dict[bytes, Any], dict[str, dict[bytes, Any]], dict[int, Any] | None]:
    """EXAMINE `folder` again and STATUS of `others`, in one round trip: the
    selected folder's fresh UIDVALIDITY and UIDNEXT come with its selection
    (RFC 9051 §6.3.2), where CLOSE, its STATUS and a later EXAMINE would wait
    on the server twice. `fetch`: in the same round trip, UID FETCH
    `fetch_items` of the mail with a UID in that range (both ends in: what
    came since the folder was last looked at).

    Returns the EXAMINE answers as imapclient's `select_folder` does, the
    STATUS answers as `statuses`, and the FETCH answers by UID as
    imapclient's `fetch` (None when it was not asked or not answered OK)."""
    from imapclient.imapclient import seq_to_parenstr_upper

    imap = client._imap
    what = "(" + " ".join(i.decode("ascii") for i in items) + ")"
    imap.untagged_responses = {}  # as imaplib's select: this selection's answers
    imap.is_readonly = True
    examining = imap._command("EXAMINE", client._normalise_folder(folder))
    tags = [imap._command("STATUS", client._normalise_folder(f), what) for f in others]
    fetching = None
    if fetch is not None:
        fetching = imap._command(
            "UID", "FETCH", f"{fetch[0]}:{fetch[1]}", seq_to_parenstr_upper(fetch_items)
        )
    typ, data = imap._command_complete("EXAMINE", examining)
    examined = typ == "OK"
    if examined:
        selected = client._process_select_response(imap.untagged_responses)
    for tag in tags:
        imap._command_complete("STATUS", tag)
    fetched: dict[int, Any] | None = None
    if fetching is not None:
        try:
            done, _ = imap._command_complete("FETCH", fetching)
        except imap.abort:
            raise
        except imap.error:  # BAD: an extra the cycle does without
            done = "BAD"
        lines = imap.untagged_responses.pop("FETCH", None)  # never left for another
        if examined and done == "OK" and fetch is not None:
            found = _answers(lines or [None], client.normalise_times)
            fetched = answers_in(found, *fetch)
    if not examined:
        imap.state = "AUTH"  # nothing is selected after a failed EXAMINE
        raise imap.error(f"EXAMINE failed: {data!r}")
    imap.state = "SELECTED"
    return selected, _status_answers(imap, others), fetched


def _answers(lines: list[Any], normalise_times: bool) -> dict[int, Any]:
    """FETCH lines by UID: read here when `fetch_answers` takes their shape."""
    from mailflow.shell import fetch_answers

    found = fetch_answers.read(lines, normalise_times)
    if found is None:
        from imapclient.response_parser import parse_fetch_response

        found = parse_fetch_response(lines, normalise_times, True)
    return found


def _status_answers(imap: Any, folders: Sequence[str]) -> dict[str, dict[bytes, Any]]:
    """The STATUS answers read so far, by the folders asked."""
    from imapclient.exceptions import ProtocolError
    from imapclient.imap_utf7 import decode as decode_utf7

    answers: dict[str, dict[bytes, Any]] = {}
    # Matched by the name each answer carries, not by order: RFC 9051 lets a
    # server answer pipelined commands as it likes.
    # An answer this cannot read (a name sent as a literal) is left out too:
    # the caller asks for that folder alone, through imapclient.
    for line in imap.untagged_responses.pop("STATUS", None) or ():
        try:
            name, pairs = parse_response([line])[-2:]
            folder = decode_utf7(name) if isinstance(name, bytes) else str(name)
            answers[_key(folder)] = dict(zip(pairs[::2], pairs[1::2], strict=True))
        except (ProtocolError, ValueError, TypeError):
            continue
    return {f: answers[_key(f)] for f in folders if _key(f) in answers}


def _key(folder: str) -> str:
    """INBOX is case-insensitive (RFC 9051 §5.1); every other name is exact."""
    return "INBOX" if folder.upper() == "INBOX" else folder


def logout_without_waiting(client: Any) -> None:
    """Say LOGOUT and close: the server's BYE and OK tell us nothing we need."""
    imap = client._imap
    try:
        imap.state = "LOGOUT"
        imap.send(imap._new_tag() + b" LOGOUT\r\n")
    finally:
        imap.shutdown()


def answers_in(found: dict[int, Any], low: int, high: int) -> dict[int, Any]:
    """The answers to a FETCH of UIDs low..high among what came back: an
    unsolicited `* n FETCH (FLAGS ...)` (another client's change) carries no
    header, and no UID (it is keyed by its sequence number)."""
    return {
        uid: item
        for uid, item in found.items()
        if low <= uid <= high and any(k.startswith(b"BODY[HEADER") for k in item)
    }
