"""The poll's scan for delivery reports parses only headers that may be one (#13).

Before a backlog's first letter may go ahead, the runner looks through every
header of the poll for a report still to be read (`Runner._last_report_among`).
`bounce.may_be_report` spares the parse of those that surely are not. It may
say "maybe" too often (that costs a parse), never "no" to a header that
`bounce.looks_like_bounce` would take for a report (that would let a letter go
before the report that takes it back).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import request

from mailflow.reading import bounce, parse


def _head(raw: bytes) -> bytes:
    """The header block as the poll's header FETCH brings it."""
    for end in (b"\r\n\r\n", b"\n\n"):
        if end in raw:
            return raw.split(end, 1)[0] + end
    return raw


def _taken_for_a_report(head: bytes) -> bool:
    try:
        return bounce.looks_like_bounce(parse.parse_mail(head))
    except parse.ParseError:
        return False


def test_every_real_mail_the_parse_takes_for_a_report_is_scanned(
    shared_fixtures: Path,
) -> None:
    reports = 0
    for path in sorted(shared_fixtures.rglob("*.eml")):
        head = _head(path.read_bytes())
        if _taken_for_a_report(head):
            reports += 1
            assert bounce.may_be_report(head), path.name
    assert reports >= 10  # the bounces among them: the check is not vacuous


@pytest.mark.parametrize(
    "sender",
    [
        "Person 7 <p7@sender.example>",
        "p7@sender.example",
        '"Smith, Sam" <sam.smith@mail.example>',
        "Sam O'Neil <sam.o-neil+therapy@mail.example>",
    ],
)
def test_an_ordinary_request_is_not_parsed_ahead(sender: str) -> None:
    head = _head(request(sender=sender, to="hello@practice.example"))
    assert not _taken_for_a_report(head)
    assert not bounce.may_be_report(head)  # the scan's saving


_SYSTEM = ["MAILER-DAEMON", "mailer_daemon", "Mailer-Daemon", "postmaster",
           "PostMaster", "postmaster+bounces", "mailerdaemon", "po\u017ftmaster",
           "ma\u0131ler-daemon"]  # fmt: skip
_LOCAL = st.sampled_from([*_SYSTEM, "sam", "p7", "daemonic", "reports"])
_FROM = st.one_of(
    st.builds(lambda local: f"{local}@mx.example", _LOCAL),
    st.builds(lambda name, local: f"{name} <{local}@mx.example>",
              st.sampled_from(["Mail Delivery System", "Sam", '"Postmaster"']), _LOCAL),
    st.builds(lambda local: f'"{local}"@mx.example', _LOCAL),
    st.builds(lambda a, b: f"{a}(note){b}@mx.example",
              st.sampled_from(["post", "mailer-"]), st.sampled_from(["master", "daemon"])),
    st.builds(lambda a, b: f'"{a}\\{b}"@mx.example',
              st.sampled_from(["postm", "mailer-d"]), st.sampled_from(["aster", "aemon"])),
    st.builds(lambda a, b: f"{a}@mx.example",
              st.sampled_from(['post"master"', '"post"master', 'post""master',
                               'mailer-"dae"mon', '"mailer"-daemon', '"post" "master"',
                               '"post"."master"', '"post"(c)"master"']),
              st.just("")),
    st.sampled_from(["=?utf-8?q?MAILER-DAEMON?= <mailer-daemon@mx.example>",
                     "=?us-ascii?b?cG9zdG1hc3Rlcg==?=@mx.example",
                     "Sam <=?us-ascii?b?cG9zdG1hc3Rlcg==?=@mx.example>",
                     "post=?us-ascii?q?master?=@mx.example",
                     "=?utf-8?b?bWFpbGVyLWRhZW1vbkBteC5leGFtcGxl?=",
                     "Sam <sam@mx.example>, MAILER-DAEMON@mx.example"]),
)  # fmt: skip
_TYPE = st.sampled_from(["text/plain", "Multipart/Report; report-type=delivery-status",
                         'multipart/REPORT; boundary="b"', "multipart/mixed",
                         "multipart/(c)report"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    sender=_FROM,
    kind=_TYPE,
    name=st.sampled_from(["From", "FROM", "from", "From ", " From"]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    folded=st.booleans(),
)
def test_no_header_the_parse_takes_for_a_report_is_passed_over(
    sender: str, kind: str, name: str, newline: str, folded: bool
) -> None:
    value = sender.replace(" <", f"{newline} <") if folded else sender
    lines = [
        "Received: from mx.example (mx.example [192.0.2.1]) by practice.example",
        f"{name}: {value}",
        "To: hello@practice.example",
        "Subject: Undelivered Mail Returned to Sender",
        f"Content-Type: {kind}",
    ]
    head = (newline.join(lines) + newline * 2).encode()
    if _taken_for_a_report(head):
        assert bounce.may_be_report(head)
