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
from support import (
    NOW,
    bench_script,
    plain,
    request,
    run,
    run_in_process,
    stored_enquiry,
    write_config,
)

from mailflow.config import load_settings
from mailflow.model import ClosedReason, InboundMail, State, Verdict
from mailflow.reading import classify, quoting, risk_words
from mailflow.reading.classify import RequestPolicy, classify_new, finished_news
from mailflow.reading.parse import parse_mail
from mailflow.shell.store import Store

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


def test_a_number_they_give_reaches_the_alert_and_none_they_quote() -> None:
    found = _read(HEAVY[1] + " My number is 07700 900123 if you need it.")
    assert found.person is not None
    assert found.person.phone == "+447700900123"
    quoted = _read(
        HEAVY[1] + "\n\nOn Mon, 2 Nov 2026 at 09:00, Sam Rivers"
        " <sam@riverside.example> wrote:\n> Ring me on 07700 900999 any time."
    )
    assert quoted.reason == "thread-risk"
    assert quoted.person is not None
    assert quoted.person.phone is None


def test_the_blind_sets_crises_in_their_own_threads_reach_the_therapist() -> None:
    """who/foreign_thread.jsonl (120, written blind for this, learned from)
    and held_out/foreign_thread.jsonl (80, never read). Before: crises
    nobody told 11 of 20 and 6 of 14; people in danger told of by someone
    else 12 of 20 and 7 of 14; replies to leave raised 8 of 80 and 6 of 52
    (clear risk read in words told as history). Now every crisis is heard,
    people in danger nobody told 0 and 1 (2 and 1 with the first-mail
    reader); the cost, replies to leave raised 11 of 80 and 11 of 52 (17 and
    12 with it). Clients writing to their own therapist (stop 59):
    who/client_thread.jsonl (150, learned from) and
    held_out/client_thread.jsonl (100, never opened): every crisis heard
    either way; their ordinary replies raised 28 of 100 and 29 of 68 with
    the first-mail reader, 8 and 21 with the thread reader."""
    bench = bench_script("understand", "understand")
    for folder, name, crises_unheard, alerts_unheard, raised in (
        (bench.WHO, "foreign_thread.jsonl", 0, 0, 11),
        (bench.HELD_OUT, "foreign_thread.jsonl", 0, 1, 11),
        (bench.WHO, "client_thread.jsonl", 0, 0, 8),
        (bench.HELD_OUT, "client_thread.jsonl", 0, 0, 21),
    ):
        outcomes = [
            (case.label, bench.read(case)[0]) for case in bench.load(folder, name)
        ]
        assert len(outcomes) >= 80
        unheard = [label for label, out in outcomes if out in ("leave", "request")]
        assert unheard.count("crisis") <= crises_unheard, name
        assert unheard.count("alert") <= alerts_unheard, name
        assert (
            sum(1 for label, out in outcomes if label == "leave" and out != "leave")
            <= raised
        ), name


def test_a_reply_in_their_own_thread_is_weighed_by_the_thread_reader() -> None:
    """The learned clients' ordinary replies that the first-mail reader
    weighs like a crisis and the thread reader does not (there are several:
    "I've been thinking about what you said", "I tried it") are left with
    the therapist as they came; the crises it weighs heavy are raised."""
    bench = bench_script("understand", "understand")
    first = risk_words.shipped()
    threads = risk_words.shipped(risk_words.THREAD_WEIGHTS_FILE)
    spared = raised = 0
    for case in bench.load(bench.WHO, "client_thread.jsonl"):
        mail = parse_mail(case.raw)
        fresh = quoting.new_words(mail.text)
        found = classify_new(mail, POLICY, contacts=(), owned_thread=False)
        if found.reason in {"thread-crisis", "thread-danger"}:
            continue  # the phrases heard it, whatever the words weigh
        heavy = risk_words.chance(fresh, threads) >= classify.THREAD_CHANCE
        if case.label == "leave" and not heavy:
            spared += risk_words.chance(fresh, first) >= classify.THREAD_CHANCE
            assert found.reason == "foreign-thread", case.id
        if heavy:
            raised += 1
            assert found.reason == "thread-risk", case.id
    assert spared >= 10
    assert raised >= 40


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
        "Please read: a reply may tell of someone at risk"
    ]
    text = plain(alerts[0])
    assert "Someone replied in a conversation mailflow is not part of" in text
    assert "Please read it now." in text
    assert "> Sorry to reply on this old thread." in text  # their words, quoted
    assert mail_server.messages(writer) == []
    assert [
        (m.uid, m.flags) for m in mail_server.messages(mailboxes.practice)
    ] == before
    assert run(config, NOW + timedelta(hours=1)) == 0
    assert len(mail_server.messages(mailboxes.therapist)) == 1
    assert mail_server.messages(writer) == []


CLIENTS_WEEK = (
    "Hi Sam, thank you for Tuesday. I've been thinking about what you said"
    " about my dad and I tried saying no to him on the phone. It felt strange"
    " but okay. See you next week."
)
"""A client telling their therapist of their week: the first-mail reader
weighs it like a crisis (0.55), the thread reader does not (0.43)."""


def test_a_clients_week_is_left_with_them_by_the_thread_reader() -> None:
    assert risk_words.chance(CLIENTS_WEEK) >= classify.THREAD_CHANCE
    assert _read(CLIENTS_WEEK).reason == "foreign-thread"
    assert (
        finished_news(replace(REPLY, text=CLIENTS_WEEK), REPLY.from_addr, POLICY)
        is None
    )


@pytest.mark.integration
def test_a_clients_ordinary_week_in_their_own_thread_raises_nothing(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Read back over Dovecot, beside a reply that does weigh like a crisis
    in another of the therapist's threads: one alert, about that one; the
    client's reply is left as it came, nobody is written to about it."""
    assert risk_words.chance(CLIENTS_WEEK) >= classify.THREAD_CHANCE
    config = write_config(tmp_path, mail_server, mailboxes)
    client, writer = f"ana-{mailboxes.person}", f"pat-{mailboxes.person}"
    for sender, body, thread in (
        (f"Ana Cole <{client}>", CLIENTS_WEEK, "<ana-thread@riverside.example>"),
        (f"Pat Moss <{writer}>", HEAVY[0], "<pat-thread@riverside.example>"),
    ):
        mail_server.deliver(
            request(
                sender=sender,
                to=mailboxes.practice,
                subject="Re: Tuesday",
                body=body,
                headers={"In-Reply-To": thread},
            ),
            mailboxes.practice,
        )
    before = [(m.uid, m.flags) for m in mail_server.messages(mailboxes.practice)]
    assert run(config) == 0
    alerts = [plain(m.message()) for m in mail_server.messages(mailboxes.therapist)]
    assert len(alerts) == 1
    assert "> Sorry to reply on this old thread." in alerts[0]
    assert "my dad" not in alerts[0]
    assert mail_server.messages(client) == []
    assert [
        (m.uid, m.flags) for m in mail_server.messages(mailboxes.practice)
    ] == before


@pytest.mark.integration
def test_a_later_reply_in_a_thread_already_alerted_about_is_still_read(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """The alert opens a record of that thread, closed as it opens; the same
    writer's next reply in it is read as such a reply is, not only for clear
    risk (helper-269's reproducer: after a first alert, "my sister texted me
    a goodbye and the police are looking for her" reached nobody). And the
    run says what it did: an alert, nothing left alone."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = f"pat-{mailboxes.person}"
    first = request(
        sender=f"Pat Moss <{writer}>",
        to=mailboxes.practice,
        subject="Re: Thursday",
        body=HEAVY[1],
        headers={"In-Reply-To": "<sent-by-hand@riverside.example>"},
    )
    mail_server.deliver(first, mailboxes.practice)
    report, _ = run_in_process(config)
    assert report.outcomes == {"risk-alerted": 1}
    assert report.ignored == 0
    first_id = first.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode()
    later = NOW + timedelta(hours=2)
    for body, title in (
        (
            "My sister texted me a goodbye message this morning and now her"
            " phone is off. The police are looking for her.",
            "Urgent: someone who wrote may be in danger now",
        ),
        (HEAVY[0], "Please read: a reply may tell of someone at risk"),
    ):
        mail_server.deliver(
            request(
                sender=f"Pat Moss <{writer}>",
                to=mailboxes.practice,
                subject="Re: Thursday",
                body=body,
                sent_at=later,
                headers={
                    "In-Reply-To": first_id,
                    "References": f"<sent-by-hand@riverside.example> {first_id}",
                },
            ),
            mailboxes.practice,
        )
        assert run(config, later) == 0
        newest = mail_server.messages(mailboxes.therapist)[-1].message()
        assert newest["Subject"].startswith(title)
        later += timedelta(hours=1)
    assert len(mail_server.messages(mailboxes.therapist)) == 3
    assert mail_server.messages(writer) == []


@pytest.mark.integration
def test_someone_with_a_booking_under_way_is_alerted_about_and_nothing_held(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """A heavy reply in the therapist's own thread from someone whose booking
    mailflow is making: the alert about that thread (its words, "a
    conversation mailflow is not part of"); their booking's record is not
    marked at risk, and nothing is sent to them (helper-269: it had taken
    the booking's alert, "should the reply pick a time, it is held")."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = mailboxes.person
    database = load_settings(config).storage.database
    with Store.open(database) as store, store.transaction():
        booking = stored_enquiry(store, NOW, state=State.OFFERED, email=writer)
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
    assert run(config) == 0
    (alert,) = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert alert["Subject"].startswith("Please read: a reply may tell of someone")
    assert "a conversation mailflow is not part of" in " ".join(plain(alert).split())
    assert mail_server.messages(writer) == []
    with Store.open(database) as store:
        record = store.enquiry(booking)
    assert record is not None
    assert (record.state, record.risk) == (State.OFFERED, "none")


@pytest.mark.integration
def test_a_note_worthy_fresh_mail_from_someone_booking_is_never_no_news(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """helper-271's blocker: someone whose booking already holds possible
    risk writes afresh (a new subject), in words that would be an urgent
    note of their own; it was "no news" (the same possible risk) and reached
    nobody. Now an alert quotes it; their booking stands; they get nothing."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = mailboxes.person
    database = load_settings(config).storage.database
    with Store.open(database) as store, store.transaction():
        booking = stored_enquiry(
            store, NOW, state=State.OFFERED, email=writer, risk="possible"
        )
    mail_server.deliver(
        request(
            sender=f"Pat Moss <{writer}>",
            to=mailboxes.practice,
            subject="Thursday",
            body="Sorry to write again. " + HEAVY[0].split(". ", 1)[1],
        ),
        mailboxes.practice,
    )
    report, _ = run_in_process(config)
    assert report.outcomes == {"owned:risk-noted": 1}
    (alert,) = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert alert["X-Mailflow"] == "crisis_alert"
    assert "written to my sister" in " ".join(plain(alert).split())
    assert mail_server.messages(writer) == []
    with Store.open(database) as store:
        record = store.enquiry(booking)
    assert record is not None
    assert record.state is State.OFFERED


@pytest.mark.integration
def test_someone_else_in_a_finished_thread_is_the_one_named(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """helper-271: a partner on the Cc writing in a conversation mailflow
    finished (escalated), of danger told in the third person, was credited
    to the person the conversation was with (their name, no number, the
    reply going to them). Now the alert names the writer and their number."""
    config = write_config(tmp_path, mail_server, mailboxes)
    database = load_settings(config).storage.database
    thread = "<offer-1@riverside.example>"
    with Store.open(database) as store, store.transaction():
        done = stored_enquiry(
            store, NOW, state=State.ESCALATED, email=mailboxes.person, name="Jo Reed"
        )
        store.add_thread_ids(done, {thread})
    partner = f"sam-reed-{mailboxes.person}"
    mail_server.deliver(
        request(
            sender=f"Sam Reed <{partner}>",
            to=mailboxes.practice,
            subject="Re: Your free 15-minute call",
            body=(
                "This is Jo's husband. Jo posted a goodbye on Facebook an hour"
                " ago and her phone is off. The police are out looking for her."
                " Call me on 07700 900456."
            ),
            headers={"In-Reply-To": thread, "References": thread},
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    (alert,) = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    text = " ".join(plain(alert).split())
    assert f"From: Sam Reed <{partner}>" in text
    assert "Phone: 07700 900456" in text
    assert partner in str(alert["Reply-To"])
    assert mail_server.messages(partner) == []


def _finished(config, mailboxes, thread: str) -> int:  # type: ignore[no-untyped-def]
    """A conversation with Jo closed for good ("no"), owning `thread`."""
    database = load_settings(config).storage.database
    with Store.open(database) as store, store.transaction():
        done = stored_enquiry(
            store,
            NOW,
            state=State.CLOSED,
            email=mailboxes.person,
            name="Jo Reed",
            closed_reason=ClosedReason.NO,
            closed_at=NOW,
        )
        store.add_thread_ids(done, {thread})
    return done


@pytest.mark.integration
def test_jo_still_owns_her_thread_after_her_partners_alert(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """helper-272: the partner's alert record claimed his Message-ID, so
    which enquiry a later mail quoting both belonged to hung on how the ids
    sorted (Jo's own crisis then went unanswered by the safety message). His
    record claims none; Jo's reply is hers: escalated, the safety message."""
    config = write_config(tmp_path, mail_server, mailboxes)
    thread = "<offer-3@riverside.example>"
    _finished(config, mailboxes, thread)
    partner = f"sam-reed-{mailboxes.person}"
    his = "<a-first@partner.example>"  # sorts before the thread's id
    raw = request(
        sender=f"Sam Reed <{partner}>",
        to=mailboxes.practice,
        subject="Re: Your free 15-minute call",
        body=HEAVY[0],
        headers={"In-Reply-To": thread, "References": thread},
    )
    raw = f"Message-ID: {his}\n".encode() + raw.replace(b"Message-ID:", b"X-Old-ID:", 1)
    mail_server.deliver(raw, mailboxes.practice)
    assert run(config) == 0
    mail_server.deliver(
        request(
            sender=f"Jo Reed <{mailboxes.person}>",
            to=mailboxes.practice,
            subject="Re: Your free 15-minute call",
            body="I still want to kill myself. I have the pills here.",
            sent_at=NOW + timedelta(hours=1),
            headers={"In-Reply-To": his, "References": f"{thread} {his}"},
        ),
        mailboxes.practice,
    )
    report, _ = run_in_process(config, NOW + timedelta(hours=1))
    assert report.outcomes == {"owned:owned-crisis": 1}
    assert [
        m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.person)
    ] == ["safety"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("therapist+notes", {}),
        ("school", {"Auto-Submitted": "auto-replied"}),
    ],
)
def test_the_therapists_notes_and_auto_replies_in_a_finished_thread_raise_nothing(
    tmp_path, mail_server, mailboxes, sender, headers
) -> None:  # type: ignore[no-untyped-def]
    """helper-272: in a conversation closed for good, the therapist's own
    note from a +tag ("Jo said on the call she wants to kill herself") and a
    school's auto-reply ("if a child is in danger ... call 999") were read as
    Jo's clear risk: Jo was sent the safety message. Now nothing."""
    config = write_config(tmp_path, mail_server, mailboxes)
    thread = "<offer-4@riverside.example>"
    _finished(config, mailboxes, thread)
    local, domain = mailboxes.therapist.split("@")
    address = (
        f"{local}+notes@{domain}"
        if sender == "therapist+notes"
        else "office@school.example"
    )
    mail_server.deliver(
        request(
            sender=address,
            to=mailboxes.practice,
            subject="Re: Your free 15-minute call",
            body="Jo said on the call she wants to kill herself and has the pills."
            if sender == "therapist+notes"
            else "Thank you for your email. If a child is in danger or at"
            " immediate risk of harm, or wants to kill themselves, please call"
            " 999.",
            headers={"In-Reply-To": thread, "References": thread, **headers},
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    assert mail_server.messages(mailboxes.person) == []
    assert [
        m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.therapist)
    ] == []


# -- a finished conversation, read by the pure core (`classify.finished_news`) --

PERSON = "pat@example.com"


def _finished_news(text: str, **fields: object):  # type: ignore[no-untyped-def]
    return finished_news(
        replace(REPLY, text=text, **fields),  # type: ignore[arg-type]
        PERSON,
        POLICY,
    )


CLEAR = "I took all of my tablets an hour ago and I want to die."


def test_clear_risk_in_the_persons_words_is_a_crisis_of_theirs() -> None:
    told = _finished_news(CLEAR)
    assert told is not None
    assert (told.crisis, told.danger, told.someone_else) == (True, True, False)
    assert not told.weighed


def test_clear_risk_from_someone_else_on_the_thread_is_about_the_writer() -> None:
    told = _finished_news(CLEAR, from_addr="partner@example.net")
    assert told is not None
    assert (told.crisis, told.danger, told.someone_else) == (False, True, True)
    assert not told.asks


def test_a_mail_with_no_sender_is_read_as_the_persons() -> None:
    told = _finished_news(CLEAR, from_addr=None)
    assert told is not None
    assert (told.crisis, told.someone_else) == (True, False)


@pytest.mark.parametrize(
    "fields",
    [
        {"from_addr": "sam@riverside.example"},
        {"from_addr": "sam+notes@riverside.example"},
        {"from_addr": "hello@riverside.example"},
        {"headers": {"auto-submitted": "auto-replied"}},
    ],
    ids=["therapist", "therapist-tag", "practice", "auto-reply"],
)
def test_the_therapists_the_practices_and_auto_replies_tell_nothing(
    fields: dict[str, object],
) -> None:
    assert _finished_news(CLEAR, **fields) is None
    assert _finished_news(HEAVY[0], **fields) is None


def test_an_auto_replys_own_words_tell_nothing() -> None:
    text = (
        "I am out of the office until Monday 14th with no access to email."
        " If a child is in danger or wants to kill themselves, call 999."
    )
    assert _finished_news(text) is None


@pytest.mark.parametrize("text", HEAVY)
def test_words_weighed_like_a_crisis_are_an_alert_not_a_crisis(text: str) -> None:
    told = _finished_news(text)
    assert told is not None
    assert (told.crisis, told.danger, told.someone_else) == (False, False, False)
    # Heard by the risk words alone, or named by a phrase of possible risk too.
    assert told.weighed is (text == HEAVY[0])


def test_an_act_and_its_sign_told_now_is_an_urgent_alert_not_a_crisis() -> None:
    """Danger now in the phrases' possible risk (an act and its sign)."""
    told = _finished_news(
        "Monday is fine. I've had a handful of the strong ones, my heart is racing"
    )
    assert told is not None
    assert (told.crisis, told.danger, told.weighed) == (False, True, False)


def test_the_safety_letter_asks_where_the_words_may_be_the_diarys() -> None:
    told = _finished_news(
        "Sorry, I won't be around tomorrow after all. Could we do Friday instead?"
    )
    assert told is not None
    assert (told.crisis, told.asks) == (True, True)
    assert not _finished_news(CLEAR).asks


def test_someones_danger_told_now_is_an_urgent_alert() -> None:
    told = _finished_news(
        "My sister texted me a goodbye message this morning and now her"
        " phone is off. The police are looking for her."
    )
    assert told is not None
    assert (told.crisis, told.danger) == (False, True)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_in_a_finished_thread_tell_nothing(text: str) -> None:
    assert _finished_news(text) is None


# -- a fresh mail from someone with an enquiry open (`classify.wrote_again`) ----


def _found(**fields: object):  # type: ignore[no-untyped-def]
    from mailflow.model import Classification

    base = Classification(verdict=Verdict.ASK, reason="risk-words", risk="possible")
    return replace(base, **fields)  # type: ignore[arg-type]


def test_news_of_possible_risk_is_noted_on_the_enquiry() -> None:
    told = classify.wrote_again(
        _found(verdict=Verdict.REQUEST, reason="request"), "none", None
    )
    assert told is not None
    assert not told.again


def test_an_urgent_note_of_its_own_is_never_no_news() -> None:
    """Possible risk the enquiry already holds, no new need: still an alert
    where the mail would be an urgent note of its own; urgent for danger
    now, "no risk outright" where the risk words alone gave it."""
    weighed = classify.wrote_again(_found(), "possible", None)
    assert weighed == classify.WroteAgain(again=True, danger=False, weighed=True)
    danger = classify.wrote_again(_found(reason="care-danger"), "possible", None)
    assert danger == classify.WroteAgain(again=True, danger=True, weighed=False)
    # Danger told now is news for any enquiry: noted on it, urgent.
    now = classify.wrote_again(
        _found(reason="unsure-risk", danger_now=True), "possible", None
    )
    assert now == classify.WroteAgain(again=False, danger=True, weighed=False)


def test_a_chaser_with_no_news_is_answered_once() -> None:
    plain = _found(verdict=Verdict.REQUEST, reason="request", risk="none")
    assert classify.wrote_again(plain, "possible", None) is None
    asked = _found(reason="returning", risk="possible")
    assert classify.wrote_again(asked, "possible", None) is None
