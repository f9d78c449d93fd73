# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make hostile`: the worst cost of each hostile input kind at the caps (#14).

For every kind of mail built to cost (a calendar whose VTIMEZONE recurs every
second, encoded words in one header, a From of letters without @, HTML of
unclosed tags, a DSN field of letters, RFC 2231 continuations), the readers
mailflow runs on a mail are timed on each variant at and past its cap; the
worst is printed beside a floor measured in the same run: the same readers on
a normal mail of the same size. Target: at most 1 s each. Pure CPU, no
servers; asserts nothing and exits 0. The most memory each kind held
(tracemalloc, in a separate untimed run) is printed beside it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mailflow.errors import BusyCalendarError
from mailflow.reading import bounce, parse
from mailflow.shell import busy
from mailflow.writing import calendar

TARGET_S = 1.0
"""The worst one mail may cost any reader (the issue's bound)."""
REPEATS = 3
"""Timed runs per input (the slowest is kept: the worst case is the figure)."""
MiB = 1024 * 1024
WINDOW_START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

Reader = Callable[[bytes], object]


def read_mail(raw: bytes) -> object:
    """What the runner does with a mail's bytes: parse, and read its calendar."""
    mail = parse.parse_mail(raw)
    return calendar.read_calendar(raw) if mail.has_calendar else None


def read_bounce(raw: bytes) -> object:
    parse.parse_mail(raw)
    return bounce.read_bounce(raw)


def read_busy(ics: bytes) -> object:
    try:
        return busy.busy_intervals(
            ics,
            start_at=WINDOW_START,
            end_at=WINDOW_START + timedelta(days=14),
            zone_name="Europe/London",
        )
    except BusyCalendarError:
        return None


def plain(size: int, head: bytes = b"", line: bytes | None = None) -> bytes:
    """A normal mail of `size` bytes: the floor."""
    line = line or b"Hello, I would like to book the free consultation call.\r\n"
    start = b"From: Sam <sam@example.net>\r\nSubject: Hello\r\n" + head + b"\r\n"
    return start + line * max(0, (size - len(start)) // len(line))


# --- the hostile inputs ----------------------------------------------------------


def zone(rule: str, observances: int = 1, since: int = 1970) -> str:
    part = (
        f"BEGIN:STANDARD\r\nDTSTART:{since}0101T000000\r\nTZOFFSETFROM:+0000\r\n"
        f"TZOFFSETTO:+0100\r\nRRULE:{rule}\r\nEND:STANDARD\r\n"
    )
    return (
        "BEGIN:VTIMEZONE\r\nTZID:Hostile\r\n" + part * observances + "END:VTIMEZONE\r\n"
    )


def ics(zone_text: str, description: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REQUEST\r\n"
        + zone_text
        + "BEGIN:VEVENT\r\nUID:h@example.net\r\nDTSTAMP:20261001T000000Z\r\n"
        "DTSTART;TZID=Hostile:20261026T090000\r\nDTEND;TZID=Hostile:20261026T093000\r\n"
        f"DESCRIPTION:{description}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def calendar_mail(text: str) -> bytes:
    return (
        "From: stranger@example.net\r\nSubject: Meeting\r\n"
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + text
    ).encode()


def calendar_inputs() -> list[bytes]:
    cap = calendar.MAX_CALENDAR_BYTES
    worst_yearly = "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=" + ",".join(
        str(d) for d in range(1, 32)
    )
    return [
        calendar_mail(ics(zone("FREQ=SECONDLY"))),  # the 1 KB mail of the issue
        calendar_mail(ics(zone("FREQ=YEARLY;BYHOUR=0,1,2,3,4,5;BYSECOND=0,1"))),
        calendar_mail(ics(zone(worst_yearly, observances=100))),  # allowed, at caps
        calendar_mail(ics(zone(worst_yearly), "x" * (cap - 2048))),
    ]


def busy_zone_inputs() -> list[bytes]:
    """The busy reader's zones go through icalendar, which keeps the first zone
    of each TZID for the process: every input gets its own TZID."""
    dense = "FREQ=YEARLY;BYHOUR=0,1,2,3;BYMINUTE=0,1,2,3,4,5"
    worst_yearly = "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=" + ",".join(
        str(d) for d in range(1, 32)
    )
    texts = [
        ics(zone("FREQ=SECONDLY")),
        ics(zone(dense)),
        ics(zone(worst_yearly, observances=100)),  # refused: over the budget
        ics(zone(worst_yearly, observances=100, since=2011)),  # just under it
    ]
    return [t.replace("Hostile", f"Hostile-{i}").encode() for i, t in enumerate(texts)]


def header_mail(name: bytes, value: bytes) -> bytes:
    return name + b": " + value + b"\r\nSubject: x\r\n\r\nHello\r\n"


def encoded_word_inputs() -> list[bytes]:
    word = b"=?utf-8?q?ab?= "
    return [
        header_mail(b"From", word * 8_000 + b"<a@example.net>"),  # 112 KB: 913 MiB
        header_mail(b"From", word * (2 * MiB // len(word))),  # the mail cap
        header_mail(b"Subject", word * parse.MAX_ENCODED_WORDS),  # just under
    ]


def no_at_inputs() -> list[bytes]:
    return [
        header_mail(b"From", b"a" * 150_000),  # 43 s before #14
        header_mail(b"From", b"a" * (2 * MiB - 100)),
        header_mail(b"From", b"a" * (parse.MAX_RAW_HEADER_CHARS - 10) + b"@"),
    ]


def html_mail(html: str) -> bytes:
    return (
        "From: sam@example.net\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8"
        "\r\n\r\n" + html
    ).encode()


def html_inputs() -> list[bytes]:
    cap = parse.MAX_HTML_CHARS
    return [
        html_mail("<a " * 30_000),  # 90 KB: 71 s before #14
        html_mail("<a " * (cap // 3)),
        html_mail("<![if x " * (cap // 8)),
        html_mail("<!-- x " * (cap // 7)),
        html_mail("<a b='" * (cap // 6) + ">"),
        html_mail("<a " * (2 * MiB // 3)),  # past the cap: cut first
    ]


def dsn(field: str, failed: str | None = None) -> bytes:
    return (
        "From: MAILER-DAEMON@example.net\r\nTo: practice@example.org\r\n"
        f"X-Failed-Recipients: {failed if failed is not None else field}\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; x\r\n\r\n"
        f"Final-Recipient: rfc822; {field}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "\r\n--b--\r\n"
    ).encode()


def dsn_inputs() -> list[bytes]:
    return [
        dsn("a" * bounce.MAX_TEXT_CHARS),
        dsn("a" * 200_000, failed="b" * 200_000),
        dsn("gone@example.net", failed="a" * (2 * MiB - 1000)),
    ]


def continuation_mail(count: int, header: bytes = b"Content-Disposition") -> bytes:
    params = b"".join(b";\r\n filename*%d*=utf-8''ab" % i for i in range(count))
    return (
        b"From: a@example.net\r\nSubject: x\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/calendar\r\n" + header + b": attachment" + params + b"\r\n"
        b"\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--x--\r\n"
    )


def continuation_inputs() -> list[bytes]:
    return [
        continuation_mail(20_000),
        continuation_mail(2 * MiB // 28),
        continuation_mail(20_000, b"Content-Type"),
    ]


# --- measuring -------------------------------------------------------------------


def slowest(reader: Reader, data: bytes) -> float:
    worst = 0.0
    for _ in range(REPEATS):
        gc.collect()
        start = time.perf_counter()
        with contextlib.suppress(parse.OverBudget):  # set aside: the answer
            reader(data)
        worst = max(worst, time.perf_counter() - start)
    return worst


def peak(reader: Reader, data: bytes) -> int:
    """The most memory the reader held at once on `data` (tracemalloc, untimed)."""
    gc.collect()
    tracemalloc.start()
    try:
        with contextlib.suppress(parse.OverBudget):
            reader(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def row(
    kind: str, reader: Reader, inputs: list[bytes], floor_of: Callable[[int], bytes]
) -> tuple[str, int, float, float, int]:
    """(kind, size of the worst input, its cost, the floor's cost at that size,
    the most memory any input of the kind took)."""
    costs = [(slowest(reader, data), len(data)) for data in inputs]
    cost, size = max(costs)
    most = max(peak(reader, data) for data in inputs)
    return kind, size, cost, slowest(reader, floor_of(size)), most


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"hostile inputs, worst of {REPEATS} runs each; python {platform.python_version()},"
        f" load {load:.2f}"
    )
    description = "x" * 1000

    def calendar_floor(size: int) -> bytes:
        body = ics("", description).replace("TZID=Hostile", "TZID=Europe/Berlin")
        return calendar_mail(body.replace(description, "x" * max(0, size - len(body))))

    def busy_floor(size: int) -> bytes:
        outlook = "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"  # one zone as Outlook writes it
        text = ics(zone(outlook, since=1601), description).replace("Hostile", "Floor")
        return text.replace(description, "x" * max(0, size - len(text))).encode()

    def dsn_floor(size: int) -> bytes:
        return dsn("gone@example.net") + b"Fine words here.\r\n" * (size // 18)

    rows = [
        row(
            "calendar VTIMEZONE (inbound)", read_mail, calendar_inputs(), calendar_floor
        ),
        row("calendar VTIMEZONE (busy)", read_busy, busy_zone_inputs(), busy_floor),
        row("encoded-word header", read_mail, encoded_word_inputs(), plain),
        row("From without @", read_mail, no_at_inputs(), plain),
        row(
            "unclosed HTML tags",
            read_mail,
            html_inputs(),
            lambda size: html_mail("<p>Hello <b>there</b></p>\n" * (size // 27)),
        ),
        row("DSN field of letters", read_bounce, dsn_inputs(), dsn_floor),
        row(
            "RFC 2231 continuations",
            read_mail,
            continuation_inputs(),
            lambda size: plain(size, line=b"See you then, and thanks!\r\n"),
        ),
    ]
    print(
        f"{'kind':30} {'input':>10} {'worst':>9} {'floor':>9} {'target':>8}"
        f"  {'':4} {'peak memory':>11}"
    )
    for kind, size, cost, floor, most in rows:
        verdict = "ok" if cost <= TARGET_S else "OVER"
        print(
            f"{kind:30} {size / 1024:8.0f} KB {cost * 1000:7.1f} ms"
            f" {floor * 1000:7.1f} ms {TARGET_S:6.1f} s  {verdict:4}"
            f" {most / MiB:7.1f} MiB"
        )


if __name__ == "__main__":
    main()
