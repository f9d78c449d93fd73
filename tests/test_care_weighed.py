"""Someone writing in their work of a person in their care, in mail mailflow
would leave alone, whose words the risk words weigh towards a crisis's
(stop 57, `classify.CARE_WEIGHED_CHANCE`): a note for the therapist to read
today, nothing sent to the writer. Before, a wellbeing adviser's "his room
has been cleared out, there's an envelope on his desk addressed to his
sister" (learned care_danger cd-109) and two school nurses' pupils were
left alone with nobody told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, bench_script, plain, request, run, write_config

from mailflow.model import InboundMail, Verdict
from mailflow.reading.classify import RequestPolicy, classify_new
from mailflow.reading.parse import parse_mail

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)
GONE = (
    "Dear Sam, I'm a welfare officer at the college. Our student Tom, who"
    " lists you as his counsellor, has not been seen since Tuesday. His"
    " flatmates say he gave away his guitar and his laptop and left his keys"
    " on the table. His parents and the police know. Please tell us if you"
    " hear from him.\n\nRuth Ames, Welfare Officer"
)
CALM = (
    (
        "Referral",
        "Dear colleague, I would like to refer a 34 year old man with low mood"
        " after a redundancy. No risk concerns, he is sleeping and eating well"
        " and has good support from family. He would prefer evening"
        " appointments.\n\nDr A Shah, GP",
    ),
    (
        "Pupil update",
        "Hi, just to let you know that Amir in Year 11, who I believe sees one"
        " of your therapists, has been settled this term, attendance is up and"
        " he has joined the football team. Thanks for your support.\n\nMr Cole,"
        " Head of Year",
    ),
)


def _read(subject: str, text: str):  # type: ignore[no-untyped-def]
    mail = InboundMail(
        message_id="<w1@college.example>",
        subject=subject,
        from_addr="ruth.ames@college.example",
        from_name="Ruth Ames",
        to=("hello@riverside.example",),
        text=text,
    )
    return classify_new(mail, POLICY, contacts=frozenset(), owned_thread=False)


def test_a_person_in_their_care_weighed_towards_a_crisis_is_a_note() -> None:
    found = _read("Student welfare", GONE)
    assert (found.verdict, found.reason, found.risk) == (
        Verdict.ASK,
        "care-weighed",
        "possible",
    )


def test_a_circular_a_form_and_what_they_forward_are_not_weighed() -> None:
    """Sent to many (a circular: never a question for the therapist), or
    heavy only in what they forward (an article passed on): left as before."""
    many = classify_new(
        InboundMail(
            message_id="<w2@college.example>",
            subject="Student welfare",
            from_addr="ruth.ames@college.example",
            from_name="Ruth Ames",
            to=(
                "hello@riverside.example",
                *(f"p{n}@college.example" for n in range(4)),
            ),
            text=GONE,
        ),
        POLICY,
        contacts=frozenset(),
        owned_thread=False,
    )
    assert many.reason != "care-weighed"
    passed_on = _read(
        "Fwd: Student welfare",
        "Dear Sam, one of my patients mentioned your practice and I thought"
        " this piece might interest you for your newsletter.\n\nDr Alison"
        " Kerr, GP\n\n---------- Forwarded message ---------\nFrom: Alan"
        " Price <alan.price@college.example>\nSubject: Student welfare\n\n" + GONE,
    )
    assert passed_on.reason != "care-weighed"


@pytest.mark.parametrize(("subject", "text"), CALM)
def test_their_ordinary_news_and_referrals_are_read_as_before(
    subject: str, text: str
) -> None:
    assert _read(subject, text).reason == "professional-referral"


@pytest.mark.integration
def test_the_therapist_is_told_and_the_writer_sent_nothing(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Read back over Dovecot: one note to the therapist, "Please read,
    it may tell of someone at risk", quoting the mail; nothing to the
    writer."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = f"ruth-{mailboxes.person}"
    mail_server.deliver(
        request(
            sender=f"Ruth Ames <{writer}>",
            to=mailboxes.practice,
            subject="Student welfare",
            body=GONE,
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    notes = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert [n["X-Mailflow"] for n in notes] == ["unsure_note"]
    assert (
        str(notes[0]["Subject"])
        .strip()
        .startswith("Please read, it may tell of someone at risk")
    )
    assert "left his keys" in " ".join(plain(notes[0]).split())
    assert mail_server.messages(writer) == []


def test_the_learned_sets_people_in_danger_are_told_and_nobody_else() -> None:
    """Learned sets where it moved anything, and those where a note for
    anyone but a person in someone's care would show (without the reading of
    whom they write about, `care_risk.in_their_care`, three mails to leave
    and four enquiries would be notes; at 0.40, rf-013, a GP's referral)."""
    bench = bench_script("understand", "understand")
    told = raised = 0
    for folder, name in (
        (bench.FIRST_MAIL, "short.jsonl"),
        *(
            (bench.WHO, f"{name}.jsonl")
            for name in (
                "care_danger",
                "own_crisis",
                "refusing_care",
                "refusing_care2",
                "their_client_negatives",
                "referrals",  # rf-013, the nearest mail to leave (0.445)
            )
        ),
    ):
        for case in bench.load(folder, name):
            found = classify_new(
                parse_mail(case.raw),
                bench.POLICY,
                contacts=case.contacts,
                owned_thread=False,
            )
            if found.reason == "care-weighed":
                told += case.label in ("alert", "crisis")
                raised += case.label not in ("alert", "crisis")
    assert told >= 4
    assert raised <= 1  # a request read as marketing until then (ycn-039)


@pytest.mark.integration
def test_a_second_note_from_the_same_writer_still_reaches_the_therapist(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """helper-270's blocker: a note waiting for the therapist (here this
    path's) hid the same writer's next mail that needed one, as no news
    (the same possible risk, no need). Now its words reach the therapist by
    an urgent alert; the note waiting stands; the writer is sent nothing."""
    config = write_config(tmp_path, mail_server, mailboxes)
    writer = f"ruth-{mailboxes.person}"
    mail_server.deliver(
        request(
            sender=f"Ruth Ames <{writer}>",
            to=mailboxes.practice,
            subject="Student welfare",
            body=GONE,
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    mail_server.deliver(
        request(
            sender=f"Ruth Ames <{writer}>",
            to=mailboxes.practice,
            subject="Another resident",
            body=(
                "Hello again Sam, I'm the deputy manager at Elm House care home."
                " One of our residents, Mr Dale, who sees your practice, did not"
                " come back from his walk this afternoon. Staff found his"
                " wallet, his watch and a letter for his son laid out on his"
                " bed. The police are searching now.\n\nKate Long"
            ),
            sent_at=NOW + timedelta(days=1),
        ),
        mailboxes.practice,
    )
    assert run(config, NOW + timedelta(days=1)) == 0
    told = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert [m["X-Mailflow"] for m in told] == ["unsure_note", "crisis_alert"]
    assert str(told[1]["Subject"]).strip().startswith("Urgent")
    assert "letter for his son" in " ".join(plain(told[1]).split())
    assert mail_server.messages(writer) == []
