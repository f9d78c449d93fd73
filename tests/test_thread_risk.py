"""A reply in a conversation mailflow is not part of (the therapist's own, or
someone else's the practice was copied on) whose new words the risk words
weigh like a crisis's (stop 57): the therapist is told today, nothing is sent
to the writer, the mail stays exactly where it was. Before, only clear risk
or danger now in such a reply was heard: of the blind set written for it
(tests/corpus/first_mail/who/foreign_thread.jsonl), 11 of 20 crises and 12
of 20 people in danger told of by someone else reached nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from support import NOW, bench_script, plain, request, run, write_config

from mailflow.model import InboundMail, Verdict
from mailflow.reading.classify import RequestPolicy, classify_new

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)
REPLY = InboundMail(
    message_id="<r1@client.example>",
    subject="Re: Tuesday",
    from_addr="pat@example.com",
    from_name="Pat Moss",
    to=("hello@riverside.example",),
    in_reply_to="<sent-by-hand@riverside.example>",
    text="",
)

# Each weighed like a crisis's by the risk words, none a phrase of clear
# risk or of danger now (those were heard before: `thread-crisis`).
HEAVY = (
    "Sorry to reply on this old thread. I don't think I'll need the Thursday"
    " slot or any after it. I've put things in order and written to my sister."
    " Thank you for everything you tried.",
    "Tuesday is fine. I haven't really been eating or sleeping and I keep"
    " thinking there's no point to any of it.",
    "Tuesday is fine. I've been giving my things away to friends this week,"
    " it felt right to sort it all out.",
)
ORDINARY = (
    "Thanks, see you Tuesday.",
    "Hi, just checking the invoice went through okay? Cheers",
    "thanks for the book list! the one about grief looks right for me at the moment",
    "Thanks Sam, her overdose in 2019 is in the notes, she has been stable since"
    " and the crisis team closed her case in the spring.",
    "Please don't ring after 6, my husband gets home then. Tuesday is fine.",
)


def _read(text: str, **fields: object):  # type: ignore[no-untyped-def]
    return classify_new(
        replace(REPLY, text=text, **fields),  # type: ignore[arg-type]
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )


@pytest.mark.parametrize("text", HEAVY)
def test_words_weighed_like_a_crisis_in_their_own_thread_tell_the_therapist(
    text: str,
) -> None:
    found = _read(text)
    assert (found.verdict, found.reason, found.risk, found.existing) == (
        Verdict.CRISIS,
        "thread-risk",
        "possible",
        True,  # an alert only: nobody else is written to
    )
    assert not found.danger_now  # read today, not urgent
    assert found.person is not None
    assert found.person.email == "pat@example.com"


def test_weighed_alone_says_so_and_a_phrase_beside_it_says_risk() -> None:
    """The alert's hedge: "may be from someone at risk" where only the words
    weighed it; "mentions risk" where a phrase of possible risk named it."""
    assert _read(HEAVY[0]).weighed
    assert not _read(HEAVY[2]).weighed  # "giving my things away": a phrase too


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_replies_in_their_own_thread_stay_theirs(text: str) -> None:
    """Below even odds, or a phrase of possible risk told as history or a way
    to reach them (clinical talk, a client's past): left alone as before."""
    assert _read(text).reason == "foreign-thread"


@pytest.mark.parametrize(
    "quote",
    [
        "\n\nOn Mon, 2 Nov 2026 at 09:00, Sam Rivers <sam@riverside.example> wrote:\n> {}",
        "\n\nFrom: Sam Rivers\nSent: 02 November 2026 09:00\nTo: Pat Moss\n"
        "Subject: Tuesday\n\n{}",
    ],
)
def test_what_they_quote_is_not_weighed(quote: str) -> None:
    """The words weighed are their new words: the heavy mail quoted below a
    plain line (a ">" quote, or Outlook's, which has none) raises nothing."""
    assert _read("Thanks, see you Tuesday." + quote.format(HEAVY[0])).reason == (
        "foreign-thread"
    )


def test_a_number_they_give_reaches_the_alert() -> None:
    found = _read(HEAVY[1] + " My number is 07700 900123 if you need it.")
    assert found.person is not None
    assert found.person.phone == "+447700900123"


def test_the_blind_sets_crises_in_their_own_threads_reach_the_therapist() -> None:
    """who/foreign_thread.jsonl (120, written blind for this, learned from)
    and held_out/foreign_thread.jsonl (80, never read). Before: crises
    nobody told 11 of 20 and 6 of 14; people in danger told of by someone
    else 12 of 20 and 7 of 14; replies to leave raised 8 of 80 and 6 of 52
    (clear risk read in words told as history). Now every crisis is heard;
    the cost, replies to leave raised 17 of 80 and 12 of 52."""
    bench = bench_script("understand", "understand")
    for folder, name, alerts_unheard, raised in (
        (bench.WHO, "foreign_thread.jsonl", 2, 17),
        (bench.HELD_OUT, "foreign_thread.jsonl", 2, 12),
    ):
        outcomes = [
            (case.label, bench.read(case)[0]) for case in bench.load(folder, name)
        ]
        assert len(outcomes) >= 80
        unheard = [label for label, out in outcomes if out in ("leave", "request")]
        assert "crisis" not in unheard, name
        assert unheard.count("alert") <= alerts_unheard, name
        assert (
            sum(1 for label, out in outcomes if label == "leave" and out != "leave")
            <= raised
        )


@pytest.mark.integration
def test_a_heavy_reply_in_the_therapists_thread_reaches_only_the_therapist(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Read back over Dovecot: the therapist gets one "Please read" alert
    quoting the reply; the writer gets nothing; the mail stays in the inbox
    as it came (no flag, not moved); a second run sends nothing more."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = f"pat-{mailboxes.person}"
    mail_server.deliver(
        request(
            sender=f"Pat Moss <{writer}>",
            to=mailboxes.practice,
            subject="Re: Thursday",
            body=HEAVY[0],
            headers={"In-Reply-To": "<sent-by-hand@riverside.example>"},
        ),
        mailboxes.practice,
    )
    before = [(m.uid, m.flags) for m in mail_server.messages(mailboxes.practice)]
    assert run(config) == 0
    alerts = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert [a["Subject"].split(" (")[0] for a in alerts] == [
        "Please read: a reply may be from someone at risk"
    ]
    text = plain(alerts[0])
    assert "Someone replied in a conversation mailflow is not part of" in text
    assert "Please read it today." in text
    assert "> Sorry to reply on this old thread." in text  # their words, quoted
    assert mail_server.messages(writer) == []
    assert [
        (m.uid, m.flags) for m in mail_server.messages(mailboxes.practice)
    ] == before
    assert run(config, NOW + timedelta(hours=1)) == 0
    assert len(mail_server.messages(mailboxes.therapist)) == 1
    assert mail_server.messages(writer) == []
