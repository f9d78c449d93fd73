"""Tests for mailflow.reading.referral: a professional writing about someone
in their care is asked about, never answered with the robot's times; people
writing for themselves or their own family are not read as one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.model import InboundMail, Verdict
from mailflow.reading import referral
from mailflow.reading.classify import RequestPolicy, classify_new

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)


def _mail(subject: str, text: str) -> InboundMail:
    return InboundMail(
        message_id="<r@example.org>",
        subject=subject,
        from_addr="writer@example.org",
        from_name="A Writer",
        to=("hello@riverside.example",),
        text=text,
    )


def _classify(subject: str, text: str):  # type: ignore[no-untyped-def]
    return classify_new(_mail(subject, text), POLICY, contacts=(), owned_thread=False)


def _classify_without_the_reader(subject: str, text: str):  # type: ignore[no-untyped-def]
    """As the worker read it before `referral` (a request, most often)."""
    from unittest import mock

    from mailflow.reading import classify

    with mock.patch.object(
        classify.referral, "about_someone_in_care", return_value=False
    ):
        return _classify(subject, text)


# Each: the way a professional writes of someone in their care, and asks for
# help for them (so the request book alone would answer with times).
REFERRALS = [
    # GPs, rushed, on phones
    (
        "pt for you",
        "Sam - quick one between clinics. 30s F, Leanne, panic attacks since a"
        " car accident, no risk. Would benefit from some counselling, she can pay."
        " I've given her your number.\n\nSent from my iPhone",
    ),
    (
        "referral",
        "hi, referring 52M, work stress and low mood, denies SI. wants to talk to"
        " someone privately. he'll ring you himself. thanks, Dr K",
    ),
    (
        "",
        "Sending you one - Mrs R. Patel, 44, health anxiety, lots of A&E visits."
        " Nil risk. Husband may call for her. Could you see her? Regards, JB",
    ),
    # nurses, health visitors, school staff, social workers
    (
        "Counselling for a patient",
        "Hello, I'm one of the practice nurses at Elm Surgery. I've got a lady in"
        " her 60s who lost her husband in March and isn't coping. I asked her the"
        " safety questions and she has no plans to harm herself. Would you have"
        " space for her? She is happy for me to pass on your details.",
    ),
    (
        "Student referral",
        "Hi Ms. Harper, I'm a school counselor at Oak Ridge High. I'm working with"
        " a 10th grade student (15 y/o) who has been having panic attacks. No SI"
        " concerns at this time. Would you be open to me passing along your"
        " contact info? The family will reach out directly.",
    ),
    (
        "Counselling for a carer",
        "Hi, I'm an adult social worker. One of our carers, a 70-year-old man"
        " caring for his wife, has been offered a direct payment for counselling."
        " Would you have capacity for around 10 sessions? I'll ask him to"
        " contact you if so.",
    ),
    # colleagues
    # support, housing, probation, care homes, recovery: "worker", "officer"
    (
        "young person wanting support",
        "hiya, jay from the riverside youth project. got a lad (16) whos been"
        " coming to our drop in since his dad left, he asked me if i could find"
        " him someone to talk to. we can cover a few sessions. any chance?",
    ),
    (
        "counselling for a resident",
        "Dear Sam, I manage Oakfield, a residential home. One of our residents,"
        " a lady of 79, lost her sister last month and would like to speak to"
        " a counsellor. Would you be able to visit? Regards, Pat Doyle",
    ),
    (
        "Counselling enquiry",
        "Hi, I'm a tenancy support officer. I'm supporting a young dad who is"
        " very isolated and anxious; he asked me to find out about counselling"
        " as he has no internet. Do you have low cost places?",
    ),
    (
        "person on licence",
        "I'm a probation officer. One of the people I supervise (male, 40s) would"
        " like counselling for grief and would self-fund. Would you be willing to"
        " see someone on licence?\n\nLee\nProbation Officer",
    ),
    (
        "referral - I'm full",
        "Hi Sam, I'm completely full until spring and I've got a young man on my"
        " waiting list (23, depression) who shouldn't wait that long. Would you"
        " have a space? If so I'll ask him to contact you.\n\nRob\nUKCP"
        " Registered Psychotherapist",
    ),
]

# The same words, written by the person themselves or for their own family.
NOT_REFERRALS = [
    (
        "Counselling enquiry",
        "Hi, my GP referred me. 34F, GAD, sertraline 100mg, no SI. I've been"
        " struggling since the new job and would like to book a call.",
    ),
    (
        "For my son",
        "Hello, my son is 15 (15 y/o, year 10) and has panic attacks. He denies"
        " any self-harm. Could you see him? He'll email you himself.",
    ),
    (
        "nurse - for myself",
        "I'm a practice nurse and I've got a caseload of patients who drain me."
        " I need some support for myself. No risk, just exhausted.",
    ),
    (
        "therapy",
        "I'm a GP. Between patients I cry in the loos. I'd like to book a call"
        " to talk about starting therapy.",
    ),
    (
        "Enquiry for a friend",
        "I'm writing for my friend Dan, 40s, who's been struggling since his"
        " divorce. He's happy for you to ring him on 07700 900320.",
    ),
    # their own history in a clinician's shorthand, or their own letter
    (
        "self referral",
        "31M. Hx SH as a teenager, nil for 10 yrs. Low mood since the breakup,"
        " no current SI. Evenings are best. Cost?",
    ),
    (
        "referral: self",
        "referral: self. 48F. panic attacks, no meds, no risk. can do any"
        " weekday morning.",
    ),
    (
        "Referral - 39M",
        "Re: 39M. Thank you for seeing this man. Low mood, lost his job, has"
        " looked at ways to end it. Sorry. That's me. Writing it as a letter"
        " made it possible.",
    ),
    (
        "Fwd: discharge summary",
        "Easier to send you this than explain. It's my discharge summary. I've"
        " been well but things are slipping.\n\nPatient: N Reed DOB 08/11/1990\n"
        "Risk at discharge: low. Pt denies current intent. I've given her the"
        " crisis line number.",
    ),
    # relatives, friends, neighbours, named as theirs in any way
    (
        "our son",
        "Hi, I got your number from the school. Our son (12) has been very low"
        " since his dad left. Could you see him? He's happy for me to email.",
    ),
    (
        "for a friend",
        "A friend of mine, 30s F, is struggling since her husband left. She asked"
        " me to find out if you have space. Could you offer her an appointment?",
    ),
    (
        "neighbour",
        "I'm writing for my neighbour, Mrs Ellis (78), who isn't on email. She"
        " lost her husband in June. She's happy for me to pass on your details.",
    ),
    # professionals for themselves: their role, their own shorthand, asking
    (
        "Appointment",
        "Hi I'm a nurse, 29F, anxiety, no meds. Looking to start some sessions,"
        " what times do you have?",
    ),
    (
        "Hi",
        "Hi, I'm an HR officer but this is for me personally - 40F, low mood."
        " Please see below my times. Thanks",
    ),
    (
        "Teacher burnout",
        "34F, no SI. Could I book the free call? Please see my availability"
        " below.\n\nTues after 4\nThurs any time\n\nAnna\nCommunications Officer",
    ),
    (
        "Counselling",
        "Hello, I'd like some counselling for anxiety. My psychiatrist, Dr Shah,"
        " suggested it; she says there is no risk. Do you have evening times?",
    ),
]


@pytest.mark.parametrize(("subject", "text"), REFERRALS)
def test_a_professional_writing_of_someone_in_their_care_is_a_referral(
    subject: str, text: str
) -> None:
    assert referral.about_someone_in_care(subject, text)


@pytest.mark.parametrize(("subject", "text"), REFERRALS)
def test_a_referral_is_asked_about_never_answered_with_times(
    subject: str, text: str
) -> None:
    result = _classify(subject, text)
    assert result.verdict is not Verdict.REQUEST
    if _classify_without_the_reader(subject, text).verdict is Verdict.REQUEST:
        assert result.verdict is Verdict.ASK
        assert result.reason == "referral"


@pytest.mark.parametrize(("subject", "text"), NOT_REFERRALS)
def test_their_own_words_are_never_a_referral(subject: str, text: str) -> None:
    assert not referral.about_someone_in_care(subject, text)
    assert _classify(subject, text).reason != "referral"


def test_one_kind_of_clue_alone_is_not_a_referral() -> None:
    # A role alone (a nurse asking for herself signs as one), a person
    # handed over alone (a friend: "he'll ring you himself").
    assert not referral.about_someone_in_care(
        "enquiry", "Could we book a call? Thanks\n\nJo Fensome\nPractice Nurse"
    )
    assert not referral.about_someone_in_care(
        "enquiry", "Could you see him? He'll ring you himself next week."
    )
    assert referral.clues(
        "enquiry", "Could you see him? He'll ring you himself next week."
    ) == frozenset({"handoff"})


def test_their_own_age_and_sex_are_no_one_elses() -> None:
    for text in ("I'm 34F, GAD", "im 29f, anxious", "I am 40M. Stressed", "me, 31F"):
        assert "person" not in referral.clues("", text), text
    assert "person" in referral.clues("", "Sending you one, 34F, GAD")


def test_seeing_a_therapist_is_no_role() -> None:
    assert "role" not in referral.clues("", "I'm seeing a therapist at work")
    assert "role" in referral.clues("", "I'm supporting a young dad who is anxious")


def test_a_person_and_their_risk_alone_may_be_the_writers_own() -> None:
    # A clinician's description of someone, with no role of the writer's and
    # nothing handed over, is how some people describe themselves.
    text = "34F. GAD, sertraline 100mg, no SI. Evenings?"
    assert referral.clues("34F GAD", text) == frozenset({"person", "risk"})
    assert not referral.about_someone_in_care("34F GAD", text)


def test_a_signature_is_a_short_line_not_a_wrapped_sentence() -> None:
    wrapped = (
        "Writing for a colleague of mine who isn't great with email.\n"
        "he wants to speak to a counsellor. he's happy for you to ring him on\n"
        "07700 900320."
    )
    assert "role" not in referral.clues("", wrapped)
    short = "Could you see him?\n\nI'd like to talk to a counsellor myself"
    assert "role" not in referral.clues("", short)  # a sentence, not a signature
    signed = "Could you see him?\n\nKerry\nPractice Nurse, Orchard Surgery"
    assert "role" in referral.clues("", signed)
    # The subject is never a signature's line, however short the mail.
    assert "role" not in referral.clues("Practice nurse", "Could you see him?")


def test_a_crisis_in_a_referrals_shape_is_still_a_crisis() -> None:
    # Someone writing of themselves as a referral would: the screen reads
    # the risk first, whatever the voice.
    result = _classify(
        "referral",
        "Referring 41F (me). I've given her your number. She has the tablets"
        " saved up and plans to take them all tonight.",
    )
    assert result.verdict is Verdict.CRISIS


def test_possible_risk_keeps_its_alert_whatever_the_shape() -> None:
    """A referral's shape with words of possible risk: answered as before,
    times with an alert and every pick held for the therapist. A note is no
    alert and sends no safety message, and the shape may be a friend's."""
    subject, text = (
        "pt for you",
        "hi, referring 52M for counselling, low mood, he has self-harmed in the"
        " past. Could you see him? He'll ring you himself. Thanks Dr K",
    )
    assert referral.about_someone_in_care(subject, text)
    result = _classify(subject, text)
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.REQUEST,
        "request",
        "possible",
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_reads_without_error(text: str) -> None:
    found = referral.clues(text[:40], text)
    assert found <= {"role", "person", "risk", "handoff"}


def test_a_long_mail_is_read_only_so_far() -> None:
    head = "Hi, referring Mr Leon Hart 52 for bereavement counselling."
    far = "x " * referral.MAX_CHARS
    assert referral.about_someone_in_care("", head)
    assert not referral.about_someone_in_care("", far + head)


def test_a_gps_referral_reaches_the_therapist_and_nobody_else(
    tmp_path, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Through the worker (`run_once`) on the in-memory fakes: the GP is sent
    nothing; the therapist gets one note saying why, and may still "offer"."""
    from types import SimpleNamespace

    from support import NOW, request, write_config

    from mailflow.config import load_settings
    from mailflow.shell.cycle import run_once
    from mailflow.shell.fakes import MemoryPostOffice

    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings = load_settings(write_config(tmp_path, nowhere, mailboxes))
    gp = "dr.ashby@nhs.example"
    office.deliver(
        request(
            sender=f"Dr Tom Ashby <{gp}>",
            to=mailboxes.practice,
            subject="pt for you",
            body="Sam - quick one between patients. 40s male, anxiety and work"
            " stress, off sick 3/52, no risk. Would benefit from some counselling,"
            " he can pay. I've given him your number.\n\nSent from my iPhone",
        ),
        mailboxes.practice,
    )
    outcome = run_once(settings, NOW, mailbox=office.mailbox, sender=office.sender)
    assert outcome.exit_code == 0
    assert [r for r in office.smtp_log if gp in r.rcpt_tos] == []
    notes = [m.message() for m in office.messages(mailboxes.therapist)]
    assert [str(m["X-Mailflow"]) for m in notes] == ["unsure_note"]
    assert str(notes[0]["Subject"]).startswith("A referral?: Dr Tom Ashby [ref ")
    body = notes[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "a professional writing about someone in their care" in body
    assert 'Reply "offer"' in body


def test_words_a_little_like_a_crisis_keep_their_alert(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A request the risk words weigh just short of holding it (an alert goes
    with its times) is not turned into a note by its referral's shape: a note
    is no alert, and the shape is sometimes the writer's own."""
    from mailflow.reading import classify, risk_words

    subject, text = REFERRALS[5]  # the social worker's, asked about for its shape
    assert _classify(subject, text).reason == "referral"
    monkeypatch.setattr(
        classify.risk_words,
        "chance",
        lambda _text: (classify.ALERT_CHANCE + risk_words.THRESHOLD) / 2,
    )
    result = _classify(subject, text)
    assert result.verdict is Verdict.REQUEST
    assert result.weighed
    assert result.risk == "possible"


FORMS = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
    form_senders=("forms@formservice.example",),
)


def test_a_form_telling_of_clear_risk_is_answered_as_a_crisis_whatever_its_shape() -> (
    None
):
    """A form from someone who was seen before (two clues of a former client)
    handing someone over: clear risk is read before whom it is about."""
    message = (
        "Are you the therapist who worked with Mr Dan Reid (44)? Is the Tuesday"
        " group still running? Dan says he is going to end his life on Friday."
        " I've given him your number, he'll ring you."
    )
    mail = InboundMail(
        message_id="<f@example.org>",
        subject="New form submission",
        from_addr="forms@formservice.example",
        from_name="Form Service",
        to=("hello@riverside.example",),
        text="Name: Jo Price\nEmail: jo@example.org\nMessage: " + message + "\n",
    )
    result = classify_new(mail, FORMS, contacts=(), owned_thread=False)
    assert result.reason != "referral"
    assert result.risk == "clear"
    assert result.verdict in {Verdict.REQUEST, Verdict.CRISIS}


def test_the_reader_only_ever_turns_an_answer_into_a_question() -> None:
    """Over every first mail learned from: with the referral reader or
    without it, the outcome is the same, but for a request now asked about
    for whom it is about (or, beside the care reader, a professional's news
    of someone in their care now an urgent note). Nothing is left alone, and
    no risk changes, for it."""
    from unittest import mock

    from support import bench_script

    from mailflow.reading import classify
    from mailflow.reading.parse import parse_mail

    bench = bench_script("understand", "understand")
    cases = [
        *bench.load(),
        *bench.load(bench.WHO),
        *bench.load(bench.NOT_HERE),
    ]
    changed = 0
    real = classify.referral.about_someone_in_care
    said: list[bool] = []

    def heard(*args: object, **kwargs: object) -> bool:
        said.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return said[-1]

    for case in cases:
        mail = parse_mail(case.raw)
        said.clear()
        with mock.patch.object(
            classify.referral, "about_someone_in_care", side_effect=heard
        ):
            now = classify_new(
                mail, bench.POLICY, contacts=case.contacts, owned_thread=False
            )
        if not any(said):
            continue  # the reader said no (or was not asked): the same without it
        with (
            mock.patch.object(
                classify.referral, "about_someone_in_care", return_value=False
            ),
            mock.patch.object(classify.leave_words, "heavy", return_value=False),
        ):
            # Without the leave words too, which would ask about some of
            # these for their own reason (`leave_words`).
            before = classify_new(
                mail, bench.POLICY, contacts=case.contacts, owned_thread=False
            )
        if now != before and now.reason in {"care-risk", "care-danger"}:
            # Beside the care reader (`reading.care_risk`): someone in a
            # professional's care, an urgent note instead of a crisis answer
            # to the writer; never a crisis of their own or a relative's.
            assert case.label != "crisis", case.id
            assert (now.verdict, now.risk) == (Verdict.ASK, "possible"), case.id
            continue
        if now != before:
            changed += 1
            # Without it, a request, or one the reading of the therapist's
            # own client asks about (`request.their_client`) all the same.
            assert before.verdict is Verdict.REQUEST or (
                before.verdict,
                before.reason,
            ) == (Verdict.ASK, "client-of-yours"), case.id
            assert (now.verdict, now.reason) == (Verdict.ASK, "referral"), case.id
            assert (now.risk, now.danger_now) == (before.risk, before.danger_now)
    assert changed >= 20  # the reader is at work on these sets


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I work pt at the garden centre", "person"),  # part-time, no patient
        ("I'm looking for pt work", "person"),
        ("Please see my availability below", "handoff"),
        ("Could you see me?\n\nAnna\nCommunications Officer", "role"),
        ("Could you see me?\n\nSam\nPolice Officer", "role"),
        ("Anna here from the Midlands", "role"),
        ("I got your number from the school", "role"),
        ("Hi, I'm seeing a counsellor already", "role"),
    ],
)
def test_each_narrowed_clue_alone(text: str, kind: str) -> None:
    """One probe a clue once read wrongly, each on its own."""
    assert kind not in referral.clues("", text)


@pytest.mark.parametrize(
    "own",
    [
        "Could I book a call?",
        "I'd like to book the free consultation.",
        "Our son is 12.",
        "A friend of mine asked me to write.",
        "I'm a mum of two.",
        "Wife asked me to get in touch.",
        "My lovely wife asked me to get in touch.",
        "Hello\nPartner suggested I write.",
        "This is for me personally.",
    ],
)
def test_each_of_the_writers_own_words_alone(own: str) -> None:
    """Beside a referral's clues, each of the writer's own words alone
    makes the mail theirs."""
    referring = "Sending you one, 34F, no risk. She'll ring you herself. "
    assert referral.about_someone_in_care("", referring)
    assert referral.clues("", referring + own) == frozenset()


def test_a_call_for_someone_else_is_a_referrers() -> None:
    text = (
        "I'm a youth worker at the riverside project. Got a lad, 17. I'd like to"
        " arrange a call for him. We can cover a few sessions."
    )
    assert referral.about_someone_in_care("", text)


def test_the_subject_is_a_sentence_of_its_own() -> None:
    referring = "Sending you one, 34F, no risk. She'll ring you herself."
    assert referral.about_someone_in_care("Enquiry", referring)
    assert not referral.about_someone_in_care(
        "Enquiry", "Wife asked me to write. " + referring
    )
    assert not referral.about_someone_in_care("Wife asked me to write", referring)


@pytest.mark.parametrize(
    "asking",
    [
        "I'd like to arrange some sessions for a friend of hers.",
        "I'd like to book a call for a 15 year old in our care.",
        "I'd like to arrange counselling for the child.",
    ],
)
def test_asking_for_someone_else_is_a_referrers(asking: str) -> None:
    text = (
        "I'm a support worker at the riverside project. "
        + asking
        + " We can cover a few sessions."
    )
    assert referral.about_someone_in_care("", text)


def test_a_gps_referral_over_the_real_servers(tmp_path, mail_server, mailboxes) -> None:  # type: ignore[no-untyped-def]
    """The same over Dovecot and the SMTP server: the note read back from the
    therapist's mailbox, nothing accepted for the GP."""
    from support import request, run, sent_to, write_config

    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    gp = f"gp-{boxes.person}"
    server.deliver(
        request(
            sender=f"Dr Tom Ashby <{gp}>",
            to=boxes.practice,
            subject="pt for you",
            body="Sam - quick one between patients. 40s male, anxiety and work"
            " stress, off sick 3/52, no risk. Would benefit from some counselling,"
            " he can pay. I've given him your number.\n\nSent from my iPhone",
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, gp) == []
    (note,) = [m.message() for m in server.messages(boxes.therapist)]
    assert note["X-Mailflow"] == "unsure_note"
    assert str(note["Subject"]).startswith("A referral?: Dr Tom Ashby [ref ")
    body = note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "a professional writing about someone in their care" in body


# A relative's, a flatmate's or a foster carer's crisis told about "one of your
# clients" or "a teen we're supporting" is theirs to be answered with the
# safety message. A try at reading "a call about someone their work is with"
# as a professional's (2026-12-06, taken back after review) turned these into a
# note for the therapist: the writer, frightened now, would have heard nothing.
CRISES_ABOUT_SOMEONE_CLOSE = [
    (
        "Call",
        "Hi, I need to talk about one of your patients, Dan. We're flatmates. He"
        " said he wants to end his life and has a rope in his room.",
    ),
    (
        "re one of your clients",
        "I'd like to discuss one of your clients, Mia. I'm worried sick, she's 16,"
        " she told her sister she wants to die and she's cutting again.",
    ),
    (
        "Call",
        "hi, foster carer here. could i speak with you re a teen we're supporting"
        " (one of our young people, 15). she took an overdose last night and says"
        " she'll do it again.",
    ),
]


@pytest.mark.parametrize(("subject", "text"), CRISES_ABOUT_SOMEONE_CLOSE)
def test_a_crisis_of_someone_close_keeps_the_safety_message(
    subject: str, text: str
) -> None:
    result = _classify(subject, text)
    assert result.verdict is Verdict.REQUEST  # answered: the safety message
    assert result.risk == "clear"
    assert not referral.about_someone_in_care(subject, text)


def test_someone_writing_about_the_therapists_client_over_the_real_servers(
    tmp_path,  # type: ignore[no-untyped-def]
    mail_server,
    mailboxes,
) -> None:
    """A detective asks for a call about "one of your clients": nothing goes
    to him, the therapist's note says why; a flatmate's crisis told about
    "one of your patients" still gets the safety message. Read back from the
    mailboxes over Dovecot and the SMTP server."""
    from support import request, run, sent_to, write_config

    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    detective = f"dc-{boxes.person}"
    server.deliver(
        request(
            sender=f"DC Mark Ellery <{detective}>",
            to=boxes.practice,
            subject="Enquiry",
            body="Good afternoon, I'm a detective constable at Bridgeford CID. I"
            " have reason to believe one of your clients may be able to assist"
            " an investigation. Could I book a free call with you this week to"
            " explain?\n\nDC Mark Ellery",
        ),
        boxes.practice,
    )
    server.deliver(
        request(
            sender=f"Kit <{boxes.person}>",
            to=boxes.practice,
            subject="Call",
            body=CRISES_ABOUT_SOMEONE_CLOSE[0][1],
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, detective) == []
    kinds = {
        str(m["X-Mailflow"]): m
        for m in (s.message() for s in server.messages(boxes.therapist))
    }
    note = kinds["unsure_note"]
    body = note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "writing about a person already seeing you" in body
    assert "crisis_alert" in kinds  # the flatmate's crisis, at once
    (safety,) = [m.message() for m in server.messages(boxes.person)]
    assert safety["X-Mailflow"] == "safety"
