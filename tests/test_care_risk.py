"""Tests for mailflow.reading.care_risk: a professional telling of someone in
their care in danger now is the therapist's at once (an urgent note), and
nothing is sent to the writer; risk assessed, past or taught is no alarm;
someone writing of their own crisis, or a relative's, is answered as before."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.model import InboundMail, Verdict
from mailflow.reading import care_risk
from mailflow.reading.classify import RequestPolicy, classify_new

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)


def _classify(subject: str, text: str, reply: str | None = None):  # type: ignore[no-untyped-def]
    """A first mail from a stranger, or (`reply`) one in a thread the practice
    is not part of."""
    mail = InboundMail(
        message_id="<c@example.org>",
        subject=subject,
        from_addr="writer@example.org",
        from_name="A Writer",
        to=("hello@riverside.example",),
        text=text,
        **({"in_reply_to": reply} if reply else {}),
    )
    return classify_new(mail, POLICY, contacts=(), owned_thread=False)


# Each: someone in the writer's care (a patient, a pupil, a tenant, the
# therapist's own client) in danger now, told in the writer's words or the
# person's, the way different trades write.
IN_DANGER = [
    (
        "Referral: Mr D Reeve 45M",
        "Dear colleague,\n\nI would be grateful if you could see this 45 year old"
        " man with six months of low mood after redundancy. PHQ-9 19.\n\nHis words"
        " to me today: 'I don't want to be alive any more. I have the razor blades"
        " here with me.' I have contacted the crisis team.\n\nKind regards\nDr Tom"
        " Ashby MRCGP\nGP Partner, Riverside Surgery",
    ),
    (
        "quick one",
        "Hi Sam, one of my clients rang me an hour ago saying he has a plan to hang"
        " himself tonight. I've called the crisis line but I'm worried. Could you"
        " take him on?\nPriya\nPriya Nair, UKCP Registered Psychotherapist",
    ),
    (
        "Student concern",
        "Dear Sam,\nI am the wellbeing officer at Northfield College. One of our"
        " students is in my office now and says she can't keep herself safe. Could"
        " you call me back on 0113 496 0000?\nSam Lee, Student Wellbeing Officer",
    ),
    (
        "your client - tonight",
        "hi, mh liaison nurse at st luke's. pt 34m, your client per his phone, seen"
        " tonight after police found him on the bridge. stated high si with plan."
        " absconded before assessment, police searching.\npriya, liaison nurse",
    ),
]


def test_clear_risk_in_care_words_alone_is_still_a_crisis_answer() -> None:
    """Clear risk in a mail whose only sign of someone in care is the writer's
    work (no referral's shape): the crisis answer, the safety message to the
    key worker and the alert, as before: the cheaper error, since the same
    words are a relative's or the writer's own at times."""
    text = (
        "Hello, I'm the key worker at Elm House. One of our residents told me this"
        " morning that she has been saving her tablets and that she wants to die."
        " She is in her room now. You see her on Thursdays.\nJo, Key Worker"
    )
    assert care_risk.danger_now("tenant", text)
    assert _classify("tenant", text).verdict is Verdict.CRISIS


# Each: a professional's words of risk where nobody is in danger now: risk
# assessed and contained, history, a course, a study, a consultation.
NO_DANGER_NOW = [
    (
        "Referral: Ms J Ashworth",
        "Dear Colleague,\nI saw this 33 year old woman today. She reports fleeting"
        " thoughts that she wouldn't mind not waking up but denies any plan or"
        " intent and has strong protective factors.\nDr A. Mehta, GP Partner",
    ),
    (
        "Outpatient review",
        "Dear Sam,\nI reviewed Ms Whitlock in clinic today. She has a history of"
        " three overdoses between 2018 and 2021. She was clear today that she has"
        " no current thoughts of ending her life.\nDr O. Ade, Consultant"
        " Psychiatrist",
    ),
    (
        "Suicide prevention webinar",
        "Join our webinar today: 'I had the pills in my hand' - what clients tell"
        " us, and how to respond. Book your place now.\nThe Training Team",
    ),
    (
        "quick consult?",
        "Hi Sam, one of my clients disclosed yesterday that she's been having"
        " suicidal thoughts. We did a safety plan together and she's seeing her GP"
        " today. Would you have 30 minutes for a consultation?\nPriya, UKCP"
        " Registered Psychotherapist",
    ),
    (
        "lady who might benefit",
        "Hello Sam, I'm one of the practice nurses at Abbey Surgery. I see a lady"
        " in her 60s who is tearful since losing her husband. She's not one for"
        " tablets and asked me if I knew anyone. I said I'd drop you a line today."
        "\nJulie, Practice Nurse",
    ),
]


@pytest.mark.parametrize(("subject", "text"), IN_DANGER)
def test_someone_in_their_care_in_danger_now_is_read(subject: str, text: str) -> None:
    assert care_risk.danger_now(subject, text)
    result = _classify(subject, text)
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.ASK,
        "care-danger",
        "possible",
    )


@pytest.mark.parametrize(("subject", "text"), NO_DANGER_NOW)
def test_risk_assessed_past_or_taught_is_no_danger_now(subject: str, text: str) -> None:
    assert not care_risk.danger_now(subject, text)
    assert _classify(subject, text).reason != "care-danger"


def test_danger_told_as_of_another_time_is_not_now() -> None:
    now = "One of our residents told me this morning that she wants to die."
    assert care_risk.danger_now("tenant", now + " Jo, Key Worker")
    past = "One of our residents told me in 2019 that she wanted to die."
    assert not care_risk.danger_now("tenant", past + " It was a long time back.")
    undated = "One of our residents has said she wants to die."
    assert not care_risk.danger_now("tenant", undated + " Jo, Key Worker")


def test_a_professionals_own_crisis_is_their_own() -> None:
    # Their own risk, in the first person, beside words of their work: the
    # safety message and the alert, as for anyone.
    text = (
        "im a teacher, i'm sat in my car outside school. i keep thinking about"
        " driving onto the motorway and not braking. today it feels like a plan."
        " i don't want my class to hear about it from the news."
    )
    assert not care_risk.danger_now("can't go in", text)
    signed = "\nKate\nStaff Nurse, Ward 7"
    nurse = "I'm a staff nurse on ward 7. I'm going to kill myself tonight."
    assert _classify("tonight", nurse + signed).verdict is Verdict.CRISIS
    # "them" is the pills: her own words still, whatever the screen makes of them.
    pills = (
        "I'm a staff nurse on ward 7. I have the pills from the drug cupboard and"
        " I'm going to take them all tonight."
    )
    assert not care_risk.danger_now("tonight", pills + signed)


def test_a_relatives_crisis_is_answered_as_a_crisis() -> None:
    # A mother's mail is hers and her son's: the safety message (with the
    # crisis lines) goes to her, not only a note to the therapist.
    text = (
        "My son told me an hour ago that he wants to kill himself tonight. He is"
        " in his room. Please help, I'm his mum and a teacher at his school."
    )
    assert not care_risk.in_their_care("help", text)
    assert _classify("help", text).verdict is Verdict.CRISIS


def test_their_words_quoted_are_theirs_not_the_writers() -> None:
    quoted = 'The note says, in her words: "I\'m going to kill myself after school."'
    assert care_risk.of_others_only("Pupil", quoted)
    own = "I'm going to kill myself after school. My pupils don't know."
    assert not care_risk.of_others_only("Pupil", own)
    told = "She told me she is going to end her life tonight."
    assert care_risk.of_others_only("Pupil", told)


@pytest.mark.parametrize(
    "cared_for",
    [
        "one of my pupils",
        "one of our residents",
        "one of our young people",
        "my caseload",
        "your client",
        "you have been counselling her",
        "as his counsellor",
    ],
)
def test_someone_in_their_care_as_their_work_says_it(cared_for: str) -> None:
    assert care_risk.in_their_care("", f"I'm writing about {cared_for}.")
    # ... never beside someone of their own.
    assert not care_risk.in_their_care(
        "", f"I'm writing about {cared_for} and my daughter."
    )


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_reads_without_error(text: str) -> None:
    care_risk.danger_now(text[:40], text)
    care_risk.in_their_care(text[:40], text)
    care_risk.of_others_only(text[:40], text)


def test_a_long_mail_is_read_only_so_far() -> None:
    """Its head and its tail; the middle of a very long mail is not read."""
    head = "One of our residents told me this morning that she wants to die."
    assert care_risk.danger_now("", head)
    padding = "Dear Sam.\n" * care_risk.MAX_CHARS
    assert not care_risk.danger_now("", padding + head + padding)
    assert care_risk.danger_now("", padding + head)


GP_MAIL = (
    "Dear Sam,\n\nI saw Mr Daniel Reeve (52) in surgery this afternoon. One of my"
    " patients for some years. His words to me today: 'I don't want to be alive"
    " any more. I have the razor blades here with me.' The crisis team cannot"
    " come until tomorrow.\n\nDr Tom Ashby\nGP Partner, Riverside Surgery"
)


def _through_the_worker(tmp_path, mailboxes, sender: str, subject: str, body: str):  # type: ignore[no-untyped-def]
    """One run of the worker on the in-memory fakes over one first mail: the
    post office (what was sent, what is in each mailbox) and the outbox's
    kinds in the order queued."""
    from types import SimpleNamespace

    from support import NOW, request, write_config

    from mailflow.config import load_settings
    from mailflow.shell.cycle import run_once
    from mailflow.shell.fakes import MemoryPostOffice

    office = MemoryPostOffice()
    nowhere = SimpleNamespace(imap_port=1, smtp_port=1, password=office.password)
    settings_ = load_settings(write_config(tmp_path, nowhere, mailboxes))
    office.deliver(
        request(sender=sender, to=mailboxes.practice, subject=subject, body=body),
        mailboxes.practice,
    )
    outcome = run_once(settings_, NOW, mailbox=office.mailbox, sender=office.sender)
    assert outcome.exit_code == 0
    with sqlite3.connect(settings_.storage.database) as db:
        kinds = [k for (k,) in db.execute("SELECT kind FROM outbox ORDER BY id")]
    return office, kinds


def test_the_therapist_is_told_at_once_and_the_gp_sent_nothing(
    tmp_path, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Through the worker on the in-memory fakes: one urgent note (news of
    risk for the outbox, `risk_note`), nothing for the GP, no safety
    message."""
    gp = "dr.ashby@nhs.example"
    office, kinds = _through_the_worker(
        tmp_path, mailboxes, f"Dr Tom Ashby <{gp}>", "Mr Reeve - today", GP_MAIL
    )
    assert [r for r in office.smtp_log if gp in r.rcpt_tos] == []
    (note,) = [m.message() for m in office.messages(mailboxes.therapist)]
    assert str(note["Subject"]).startswith(
        "Urgent, someone in their care may be in danger: Dr Tom Ashby [ref "
    )
    body = note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "a person in their care who may be in danger now" in body
    assert "razor blades" in body  # their words, for the therapist to read
    assert kinds == ["risk_note"]  # urgent: first, past the ordinary caps


def test_the_same_over_the_real_servers(tmp_path, mail_server, mailboxes) -> None:  # type: ignore[no-untyped-def]
    """Over Dovecot and the SMTP server: the urgent note read back from the
    therapist's mailbox, nothing accepted for the GP."""
    from support import request, run, sent_to, write_config

    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    gp = f"gp-{boxes.person}"
    server.deliver(
        request(
            sender=f"Dr Tom Ashby <{gp}>",
            to=boxes.practice,
            subject="Mr Reeve - today",
            body=GP_MAIL,
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, gp) == []
    (note,) = [m.message() for m in server.messages(boxes.therapist)]
    assert str(note["Subject"]).startswith("Urgent, someone in their care")
    body = note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "not your safety message" in body


# Someone close telling of danger now in words the screen does not read as
# clear risk: the crisis answer (the safety message to them, the alert).
KIN_IN_DANGER = [
    "my boyfriend sent me a goodbye text an hour ago and his phone has been off"
    " since. i dont know what to do",
    "My sister is missing tonight, she left a note and her phone is switched off.",
    "our son says he can't keep himself safe tonight and he's locked in his room",
    "My flatmate is not answering her door right now and she said goodbye to me"
    " earlier today.",
]
# A parent's or partner's enquiry with a safety need, or danger told as past or
# contained: answered as before, never a crisis for these words.
KIN_NOT_NOW = [
    "My daughter has been self-harming at the moment, cutting her arms. Could we"
    " book a call for her?",
    "my husband went missing for a day in 2019 after a goodbye text. he is doing"
    " well now and wants some therapy.",
    "Our son said he couldn't keep himself safe last year; he has a safety plan"
    " now and would like to talk to someone.",
    "My phone has been off today, sorry for the slow reply about my son's call.",
    "Sorry for not answering sooner today, my daughter's call on Tuesday is fine.",
    "My daughter has been missing school at the moment because of her anxiety.",
    "I rang him today about my son's appointment but no answer, is Tuesday ok?",
]


@pytest.mark.parametrize("text", KIN_IN_DANGER)
def test_someone_close_in_danger_now_is_a_crisis(text: str) -> None:
    assert care_risk.kin_in_danger("please help", text)
    assert _classify("please help", text).verdict is Verdict.CRISIS


@pytest.mark.parametrize("text", KIN_NOT_NOW)
def test_someone_close_at_risk_but_not_in_danger_now_is_no_crisis(text: str) -> None:
    assert not care_risk.kin_in_danger("enquiry", text)


def test_clear_risk_of_someone_in_care_not_now_is_one_urgent_note() -> None:
    """A letter with a patient's clear risk words, not told as now: once the
    safety message to the psychiatrist and an alert; now one urgent note."""
    subject = "Outpatient letter - Mr K Doyle"
    text = (
        "Dear Sam,\n\nI reviewed Mr Doyle in clinic. Over the winter he"
        " wanted to kill himself and researched methods, which he has since"
        " told his GP about. He values his sessions with you.\n\nDr R. Venn,"
        " Consultant Psychiatrist"
    )
    assert not care_risk.danger_now(subject, text)
    result = _classify(subject, text)
    assert (result.verdict, result.reason, result.risk) == (
        Verdict.ASK,
        "care-risk",
        "possible",
    )
    # Their own words of risk in such a letter are still their own.
    own = text.replace(
        "Over the winter he wanted to kill himself and researched methods",
        "I want to kill myself. I have researched methods",
    )
    assert _classify(subject, own).verdict is Verdict.CRISIS


PROBES = json.loads(
    (
        Path(__file__).parent / "corpus" / "first_mail" / "who" / "care_probes.json"
    ).read_text("utf-8")
)
"""A strict review's probes (helper-224, 2026-12-05): people writing of their
own crisis or of someone close, in words of their work ("my pupils", a
signature, "one of your clients", a he or a she beside their own words);
and professionals' routine mail with words of alarm ("page 2 is missing",
"stockpiling vaccines", "said goodbye at her leaving do")."""


@pytest.mark.parametrize(
    "probe", PROBES["their_own_or_close"], ids=lambda p: str(p["id"])
)
def test_their_own_crisis_or_someone_closes_is_never_the_care_note(
    probe: dict[str, str],
) -> None:
    result = _classify(probe["subject"], probe["text"])
    assert result.reason not in {"care-danger", "care-risk"}


@pytest.mark.parametrize("probe", PROBES["routine"], ids=lambda p: str(p["id"]))
def test_routine_words_of_alarm_are_no_danger_now(probe: dict[str, str]) -> None:
    assert _classify(probe["subject"], probe["text"]).reason != "care-danger"


@pytest.mark.parametrize(
    "text",
    [
        "My patients think I'm fine but I want to kill myself tonight and they"
        " will never know why.",
        "I want to die today and he won't stop me.",
        "Tonight I'm going to end my life, my pupils will be fine, they have other"
        " teachers.",
        "One of my clients said something today and now I want to die, I have the"
        " rope in the car and they won't find me till tomorrow.",
    ],
)
def test_their_own_words_of_risk_are_theirs_whoever_else_is_named(text: str) -> None:
    assert not care_risk.of_others_only("", text)


def test_risk_told_of_another_year_beside_today_is_not_now() -> None:
    text = (
        "I saw one of my patients in clinic today. In 2019 she took an overdose"
        " and was in hospital for a week. Could you see her?\nDr Ahmed, GP"
    )
    assert not care_risk.danger_now("Referral", text)
    assert care_risk.danger_now("Referral", text.replace("In 2019 she", "She"))


@pytest.mark.parametrize("probe", PROBES["enquiries"], ids=lambda p: str(p["id"]))
def test_enquiries_with_words_of_risk_keep_their_times(probe: dict[str, str]) -> None:
    """A second review's probes (helper-225): parents' and professionals'
    enquiries whose words look like danger ("a plan to cut her hours",
    "reported missing from school", "she'll drown herself in coursework"):
    answered with times, never a crisis nor the care note."""
    result = _classify(probe["subject"], probe["text"])
    assert result.verdict is Verdict.REQUEST
    assert result.risk != "clear"


def test_a_professionals_own_crisis_in_a_referrals_voice_is_their_own() -> None:
    """Clear risk in their own words, in a mail whose voice is a referral's:
    the crisis answer, not silence (helper-225's w1)."""
    text = (
        "Sorry, I know I usually write about my clients. I don't want to be alive"
        " any more and I'm going to kill myself this weekend.\n\nJo Platt\n"
        "Social Worker"
    )
    assert _classify("Re: my client", text).verdict is Verdict.CRISIS


def test_a_relative_told_of_by_a_professional_is_still_a_relative() -> None:
    """ "Mum", "Dad" as the writer names their own, beside their work: never
    the care note (helper-225's reproducers, each rule alone)."""
    for subject, text in [
        (
            "please",
            "Mum texted me a goodbye an hour ago and her phone has been off since."
            " I'm a nurse, I know the signs.\n\nAnn\nStaff Nurse",
        ),
        (
            "Dad",
            "Dad rang me this morning and said he can't keep himself safe today."
            " I work as a GP and I still don't know what to do.",
        ),
    ]:
        assert not care_risk.in_their_care(subject, text)
        assert care_risk.kin_in_danger(subject, text)
        assert _classify(subject, text).verdict is Verdict.CRISIS


def test_danger_at_the_end_of_a_long_letter_is_read() -> None:
    letter = "Background to the referral, as discussed. " * 200
    end = (
        " One of my clients has just told me she has the razor blades with her"
        " now and she can't keep herself safe today. She is in my office."
    )
    assert len(letter) > care_risk.MAX_CHARS
    assert care_risk.danger_now("Referral", letter + end)


def test_a_clear_risk_note_about_someone_in_care_is_urgent(tmp_path, mailboxes) -> None:  # type: ignore[no-untyped-def]
    """The "Please read" note of `care-risk` is news of risk for the outbox:
    queued as a risk_note (first, past the ordinary caps)."""
    office, kinds = _through_the_worker(
        tmp_path,
        mailboxes,
        "Dr R Venn <r.venn@nhs.example>",
        "Outpatient letter - Mr K Doyle",
        "Dear Sam,\n\nI reviewed Mr Doyle in clinic. Over the winter he wanted to"
        " kill himself and researched methods, which he has since told his GP"
        " about. He values his sessions with you.\n\nDr R. Venn, Consultant"
        " Psychiatrist",
    )
    (note,) = [m.message() for m in office.messages(mailboxes.therapist)]
    assert str(note["Subject"]).startswith(
        "Please read, someone in their care may be at risk: Dr R Venn [ref "
    )
    assert kinds == ["risk_note"]


def test_a_peer_or_a_neighbour_is_not_in_their_care() -> None:
    for text in (
        "There's a student who sits next to me in lectures.",
        "Someone in my class posted a goodbye.",
        "A tenant in our building has been shouting.",
    ):
        assert not care_risk.in_their_care("", text), text
    assert care_risk.in_their_care("", "A tenant of ours who.\nJo\nHousing Officer")


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        (
            "Pupil can't keep herself safe today",
            "One of my pupils - please could you call me back this morning, I'm with"
            " her now.\nJo Hale\nDesignated Safeguarding Lead",
        ),
        (
            "Referral: Mr Reeve",
            "Dear Sam, one of my patients. He started a course of sertraline in May."
            " He rang me an hour ago to say he has the blades with him now and"
            " cannot keep himself safe.\nDr Tom Ashby, GP Partner",
        ),
    ],
)
def test_danger_in_a_subject_or_beside_a_course_of_tablets_is_read(
    subject: str, text: str
) -> None:
    """A third review (helper-226): the subject that names someone is read;
    "a course of sertraline" is no course advert."""
    assert _classify(subject, text).reason == "care-danger"


def test_their_own_danger_in_words_of_their_work_comes_first() -> None:
    """A counsellor's own danger beside their pupils: the urgent note saying
    it may be theirs, never the note about someone in their care."""
    text = (
        "I work as a school counsellor. After years of supporting pupils who are"
        " suicidal, now I am too. I have the tablets with me tonight.\n"
        "School Counsellor, Northfield Academy"
    )
    result = _classify("consultation", text)
    assert result.reason in {"own-danger", "crisis"}
    assert result.verdict in {Verdict.ASK, Verdict.CRISIS}


@pytest.mark.parametrize(
    "text",
    [
        "My daughter has a plan to jump from a plane for charity this afternoon"
        " and her anxiety is through the roof. Could we book the free call?",
        "My son is at high risk for diabetes, we found out today, and he is very"
        " low about it. Could we book the free call?",
        "My son's phone is off most days and he is missing school. Could we book"
        " the free call for him?",
    ],
)
def test_a_parents_enquiry_is_answered_with_times(text: str) -> None:
    assert _classify("enquiry for my child", text).verdict is Verdict.REQUEST


# Stop 50: what kept a professional's news of danger now from the therapist
# (who/others_risk.jsonl: nobody told 5 of 51), each as a family of ways.
# A role named with a possessive ("I'm Ellie-Mae's class teacher") is their
# work. Any relative named beside it ("her mum says", "Kacper's mum told
# me", "Ella's dad has just texted") is read as the writer's own: a mother
# names her children's father so, and the crisis answer to a teacher is the
# cheaper error (helper-235, helper-236; `test_a_relative_named_is_kin_first`).
IN_DANGER_AS_THEIR_WORK_SAYS_IT = [
    (
        "Georgia - today",
        "I'm the dietitian working with Georgia alongside your therapy. She has"
        " not had anything to drink since Saturday and she fainted at home"
        " last night. She told me this morning she'd rather die than drink.",
    ),
    (
        "Kacper",
        "I'm Kacper's form tutor; he sees you on Saturdays. He messaged me at 11pm"
        " last night that he can't keep himself safe and he is not in school"
        " today.",
    ),
    (
        "pupil concern",
        "I'm Ellie-Mae's class teacher. She came in today with bruises on her arms"
        " and said her stepdad threatened to kill her. He is collecting her at"
        " 3.15pm today.",
    ),
    (
        "Tom",
        "I'm his support worker at the hostel. Night staff rang this morning to say"
        " Tom has a plan to hang himself and his phone is off now.",
    ),
    (
        "Ruby",
        "I'm the school nurse and the counsellor she sees is you, I understand."
        " Ruby is in my office now and says she cannot keep herself safe; she has"
        " the blades in her bag.",
    ),
]
# The writer's own relative, named as they name their own: a relative's mail.
KIN_STILL_KIN = [
    "Mum texted me a goodbye an hour ago and her phone has been off since.",
    "Their dad has just texted he'll take them both tonight.",
    "The kids' dad has just texted he'll take them both tonight. Police are on"
    " their way.\nAmy\nStaff Nurse",
    "The children's dad said he'll take them both tonight, I'm terrified.",
    "Dad rang me tonight saying he can't keep himself safe, he has his rifle.",
    "hubby said goodbye this morning and he is not answering now",
]


@pytest.mark.parametrize(("subject", "text"), IN_DANGER_AS_THEIR_WORK_SAYS_IT)
def test_someone_elses_relative_or_a_possessive_role_is_still_their_work(
    subject: str, text: str
) -> None:
    assert care_risk.in_their_care(subject, text)
    assert care_risk.danger_now(subject, text)
    assert _classify(subject, text).reason == "care-danger"


@pytest.mark.parametrize("text", KIN_STILL_KIN)
def test_the_writers_own_relative_is_still_theirs(text: str) -> None:
    assert not care_risk.in_their_care("please help", text)
    assert _classify("please help", text).verdict is Verdict.CRISIS


# Containment is of risk: a body cleared to leave, or criteria for detention
# not met, says nothing of the danger; a getting "back in" the car is no past.
NOT_CONTAINED = [
    (
        "Patient you see - left ED this afternoon",
        "Your patient came in at noon after his flatmate found him with a belt"
        " around his neck. He was medically cleared and left at 4:30 pm. On the"
        " way out he said he'd do it properly when his flatmate is asleep.",
    ),
    (
        "Clinic letter",
        "Seen today in clinic. Risk: he said he can't keep himself safe once he"
        " gets back in the flat. He does not currently meet criteria for"
        " detention but I am concerned.\nConsultant Psychiatrist",
    ),
    (
        "your client",
        "I'm the duty social worker. Your client was medically fit by 2pm today"
        " and left before we could assess her; she told the nurse she cannot keep"
        " herself safe tonight.",
    ),
]
STILL_CONTAINED_OR_PAST = [
    (
        "Discharge summary",
        "Your client was seen today in ED after an overdose. Medically cleared."
        " Seen by liaison: denies current suicidal ideation, safety plan in place."
        "\nLiaison Nurse",
    ),
    (
        "update",
        "I'm her support worker. She is not currently suicidal and has engaged"
        " well today. Nothing for you to do.",
    ),
    (
        "history",
        "I'm his GP. Back in 2019 he had a plan to hang himself; he is seeing you"
        " today for the first time and is well.",
    ),
    (
        "referral",
        "Practice nurse here. Back in March she took an overdose at about 3pm on a"
        " Sunday. She is stable now and keen to start therapy.",
    ),
]


@pytest.mark.parametrize(("subject", "text"), NOT_CONTAINED)
def test_a_body_cleared_or_criteria_unmet_is_no_containment(
    subject: str, text: str
) -> None:
    assert care_risk.danger_now(subject, text)
    assert _classify(subject, text).reason == "care-danger"


@pytest.mark.parametrize(("subject", "text"), STILL_CONTAINED_OR_PAST)
def test_risk_contained_or_of_another_time_is_still_no_danger_now(
    subject: str, text: str
) -> None:
    assert not care_risk.danger_now(subject, text)
    assert _classify(subject, text).reason != "care-danger"


# Danger from another person, told in the third person and now.
THREATENED_NOW = [
    "She said her stepdad told her he would break her arm next time. He is down"
    " to collect her today.",
    "Her ex threatened to kill her this morning and he knows where she lives.",
    "He told the receptionist his brother said he'd stab him tonight.",
]
THREATS_THAT_ARE_NOT = [
    "Mum said she'd kill him if he was late again today, she was laughing.",
    "He said he'd batter them at five-a-side tonight lol.",
    "Years ago her father threatened to hurt her; today she wants to talk about it.",
]


@pytest.mark.parametrize("text", THREATENED_NOW)
def test_a_threat_from_another_person_told_now_is_danger(text: str) -> None:
    assert care_risk.danger_now("pupil", f"I'm her teacher. {text}", strict=True)


@pytest.mark.parametrize("text", THREATS_THAT_ARE_NOT)
def test_a_conditional_joking_or_old_threat_is_none(text: str) -> None:
    assert not care_risk.danger_now("pupil", f"I'm his teacher. {text}", strict=True)


# Refusing what keeps them alive, or not caring whether they live, told by
# someone in their work now: danger; a relative's words alone, an old refusal
# or a managed one: none.
NOT_CARING_NOW = [
    "I'm her eating disorder nurse. She has refused all fluids since yesterday"
    " and was dizzy at clinic this morning.",
    "I'm his diabetes specialist nurse. He stopped his insulin on Friday and told"
    " me today he doesn't care if he wakes up.",
    "I'm the school nurse. She says she'd rather die than eat and she fainted in"
    " PE today.",
    "Renal unit social worker here. Your client has refused dialysis this week"
    " and told us this morning she would rather be dead.",
]
NOT_CARING_NONE = [
    (
        "I'm her diabetes nurse. She stopped her insulin pump in 2023 and is back"
        " on injections; she is well today and asked about counselling."
    ),
    (
        "Dialysis unit here: he refused dialysis twice last year. Today he is"
        " settled now and would like to talk to someone about it."
    ),
]


@pytest.mark.parametrize("text", NOT_CARING_NOW)
def test_refusing_what_keeps_them_alive_told_now_is_danger(text: str) -> None:
    assert care_risk.danger_now("today", text)
    assert _classify("today", text).reason == "care-danger"


@pytest.mark.parametrize("text", NOT_CARING_NONE)
def test_an_old_or_managed_refusal_is_none(text: str) -> None:
    assert not care_risk.danger_now("update", text)


@pytest.mark.parametrize(
    "text",
    [
        "my daughter says she'd rather die than go to school today lol, can we"
        " book the free call for her anxiety?",
        "My son has refused his insulin at the moment and we are struggling."
        " Could we book a call for him?",
    ],
)
def test_a_relatives_words_of_not_caring_alone_are_no_crisis(text: str) -> None:
    assert not care_risk.kin_in_danger("enquiry", text)
    assert _classify("enquiry", text).verdict is not Verdict.CRISIS


# The writer acting for someone ("I've contacted the crisis team") is their
# work, not their own risk; their own words of risk beside it still are.
@pytest.mark.parametrize(
    "text",
    [
        "I'm Liam Cross's probation officer. He told me he's been down the canal"
        " two nights working up to it and will go again tonight. I've contacted"
        " the crisis team and they're trying to reach him.",
        "Ward social worker here. She left the ward an hour ago saying she can't"
        " keep herself safe. I have rung the police and I've emailed the duty"
        " psychiatrist.",
        "I'm her key worker. She says she has the rope in her room tonight; I've"
        " just called 999 and I'm staying with her.",
    ],
)
def test_a_professional_acting_for_someone_is_not_in_danger_themselves(
    text: str,
) -> None:
    assert not care_risk.own_danger_now("today", text)
    assert _classify("today", text).reason in {"care-danger", "care-risk"}


def test_their_own_risk_beside_a_call_they_made_is_still_theirs() -> None:
    text = (
        "I'm a mental health nurse. I've rung the crisis team myself twice this"
        " week and tonight I can't keep myself safe."
    )
    assert care_risk.own_danger_now("me", text)
    assert _classify("me", text).reason in {"own-danger", "crisis"}


# Emergency services called to someone in their care, in a mail that tells of
# now, is danger now whatever the words for the danger (who/care_danger.jsonl:
# a released abuser near, a duty line's "this is it", a room cleared out).
EMERGENCY_NOW = [
    "I'm the victim liaison officer for your client. Her ex-partner was released"
    " at 09:00 today and has posted a photo of her street. Police and his"
    " probation practitioner have been informed.",
    "Duty CPN here. She has just rung the duty line from the top deck of the"
    " multi-storey. Police en route.",
    "I'm his wellbeing adviser. He didn't come to his 10am seminar today, his"
    " room has been cleared out, and campus security and the police have been"
    " informed.",
    "I'm the officer in the case for your client. He was bailed this afternoon"
    " and was outside her house at 18:00. If she contacts you this evening,"
    " please ask her to call 999 straight away if he turns up.",
    "ED social worker here. Your client left at 06:40 before the liaison team saw"
    " her; we've asked police for a welfare check at her address this morning.",
]
# A bulletin's or a signature's advice, a call in the past, a service that
# came and went: no one's danger now.
EMERGENCY_NOT = [
    "Safeguarding bulletin, in this issue: thresholds. If you are worried about"
    " a child today, call the Front Door. In an emergency, always call 999.",
    "I'm her support worker. In 2022 the police were called to her flat; today"
    " she is well and would like to start counselling.",
    "I'm the school nurse. If anyone is in immediate danger, dial 999. Our"
    " drop-in runs today from 1pm.",
]


@pytest.mark.parametrize("text", EMERGENCY_NOW)
def test_emergency_services_called_now_is_danger(text: str) -> None:
    assert care_risk.in_their_care("today", text)
    assert care_risk.danger_now("today", text)
    assert _classify("today", text).reason == "care-danger"


@pytest.mark.parametrize("text", EMERGENCY_NOT)
def test_advice_or_an_old_call_is_no_danger(text: str) -> None:
    assert not care_risk.danger_now("update", text)
    assert _classify("update", text).reason != "care-danger"


def test_a_renal_social_workers_news_of_days_left_is_danger() -> None:
    text = (
        "I'm the renal social worker. Mrs Anand has missed her last two sessions"
        " and this morning she said she won't be coming back. Without dialysis she"
        " may have only days."
    )
    assert care_risk.danger_now("Mrs Anand", text)


FOREIGN_THREAD_PHARMACIST = (
    "Hi Sam, the leaflets arrived, thanks.\n\nSomething you need to hear though."
    " I'm the pharmacist at Elm Road. Your client Shane came in this morning and"
    " told our technician he can't keep himself safe tonight. I've rung his"
    " prescriber.\n\nBen Adair\nPharmacist\n\n> On 12 Oct, Sam Rivers wrote:\n> Hi"
    " Ben, could you put the leaflets by the till? Thanks, Sam"
)


def test_care_danger_in_an_old_thread_of_the_therapists_is_the_urgent_note() -> None:
    mail = InboundMail(
        message_id="<reply@example.org>",
        subject="Re: leaflets for your counter",
        from_addr="ben@pharmacy.example",
        from_name="Ben Adair",
        to=("hello@riverside.example",),
        text=FOREIGN_THREAD_PHARMACIST,
        in_reply_to="<leaflets@riverside.example>",
    )
    result = classify_new(mail, POLICY, contacts=(), owned_thread=False)
    assert (result.verdict, result.reason) == (Verdict.ASK, "care-danger")
    # The therapist's own words quoted under it are not read as theirs.
    quiet = InboundMail(
        message_id="<reply2@example.org>",
        subject="Re: leaflets for your counter",
        from_addr="ben@pharmacy.example",
        from_name="Ben Adair",
        to=("hello@riverside.example",),
        text="Leaflets are by the till, Sam.\nBen, Pharmacist\n\n> If you can't keep"
        " yourself safe tonight, call 999.",
        in_reply_to="<leaflets@riverside.example>",
    )
    assert classify_new(quiet, POLICY, contacts=(), owned_thread=False).reason == (
        "foreign-thread"
    )


def test_care_danger_in_an_old_thread_over_the_real_servers(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Over Dovecot and the SMTP server: the urgent note read back from the
    therapist's mailbox; nothing sent to the pharmacist; their mail left in the
    inbox as it came (not flagged, not moved)."""
    from support import request, run, sent_to, write_config

    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    pharmacist = f"pharmacist-{boxes.person}"
    server.deliver(
        request(
            sender=f"Ben Adair <{pharmacist}>",
            to=boxes.practice,
            subject="Re: leaflets for your counter",
            body=FOREIGN_THREAD_PHARMACIST,
            headers={"In-Reply-To": "<leaflets@riverside.example>"},
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, pharmacist) == []
    (note,) = [m.message() for m in server.messages(boxes.therapist)]
    assert str(note["Subject"]).startswith("Urgent, someone in their care")
    (left,) = server.messages(boxes.practice)
    assert "\\Flagged" not in left.flags


PROBES_2 = json.loads(
    (
        Path(__file__).parent / "corpus" / "first_mail" / "who" / "care_probes_2.json"
    ).read_text(encoding="utf-8")
)
"""A strict review's probes of stop 50's reading (helper-235): relatives',
partners' and professionals' own crises in the new words (police, 999,
"has just", "I'm Ella's mum", "the counsellor she sees"), enquiries and
routine mail with them, true news of danger told otherwise, and replies in
an old thread quoting the therapist Outlook-style."""


_THEIRS: Final = frozenset({"own-danger", "risk-words", "possible-risk", "unsure-risk"})
"""A note that may be about the writer themselves: it sends the safety message."""


def _the_crisis_answer_or_theirs(result) -> bool:  # type: ignore[no-untyped-def]
    """The crisis answer (a CRISIS, or a request at clear risk: the safety
    message instead of times, and the alert), or a note read as possibly the
    writer's own, never the care note, silence or times."""
    return (
        result.verdict is Verdict.CRISIS
        or (result.verdict is Verdict.REQUEST and result.risk == "clear")
        or (result.verdict is Verdict.ASK and result.reason in _THEIRS)
    )


@pytest.mark.parametrize(("subject", "text"), PROBES_2["never_care_note"])
def test_their_own_or_someone_closes_crisis_is_never_the_care_note_2(
    subject: str, text: str
) -> None:
    assert _the_crisis_answer_or_theirs(_classify(subject, text))


@pytest.mark.parametrize(
    ("subject", "text", "reply"), PROBES_2["review_2_kin"], ids=lambda v: str(v)[:30]
)
def test_a_relatives_or_their_own_crisis_keeps_the_crisis_answer(
    subject: str, text: str, reply: str | None
) -> None:
    assert _the_crisis_answer_or_theirs(_classify(subject, text, reply))


@pytest.mark.parametrize(("subject", "text"), PROBES_2["enquiries"])
def test_enquiries_in_the_new_words_keep_their_times(subject: str, text: str) -> None:
    assert _classify(subject, text).verdict is Verdict.REQUEST


@pytest.mark.parametrize(
    ("subject", "text", "reply"),
    PROBES_2["review_2_enquiries"],
    ids=lambda v: str(v)[:30],
)
def test_enquiries_in_the_new_words_keep_their_times_2(
    subject: str, text: str, reply: str | None
) -> None:
    assert _classify(subject, text, reply).verdict is Verdict.REQUEST


@pytest.mark.parametrize(("subject", "text"), PROBES_2["enquiry_asked"])
def test_a_support_workers_own_enquiry_is_asked_about_not_the_care_note(
    subject: str, text: str
) -> None:
    """Left: asked about as a referral (`professional-referral`) where it
    should be answered with times; never the care note."""
    assert _classify(subject, text).reason == "professional-referral"


@pytest.mark.parametrize(("subject", "text"), PROBES_2["routine"])
def test_routine_mail_in_the_new_words_is_no_care_note(subject: str, text: str) -> None:
    assert _classify(subject, text).reason != "care-danger"


@pytest.mark.parametrize(
    ("subject", "text", "reply"), PROBES_2["review_2_quiet"], ids=lambda v: str(v)[:30]
)
def test_routine_mail_in_the_new_words_is_no_care_note_2(
    subject: str, text: str, reply: str | None
) -> None:
    assert _classify(subject, text, reply).reason != "care-danger"


@pytest.mark.parametrize(("subject", "text"), PROBES_2["care_danger"])
def test_news_of_danger_told_otherwise_is_the_care_note(
    subject: str, text: str
) -> None:
    assert _classify(subject, text).reason == "care-danger"


@pytest.mark.parametrize(
    ("subject", "text", "reply"), PROBES_2["review_2_care"], ids=lambda v: str(v)[:30]
)
def test_news_of_danger_told_otherwise_reaches_the_therapist_at_once(
    subject: str, text: str, reply: str | None
) -> None:
    """The care note, or the crisis answer where a relative is named (kin
    first) or the words read as clear risk: the therapist told at once."""
    result = _classify(subject, text, reply)
    assert result.reason == "care-danger" or _the_crisis_answer_or_theirs(result)


@pytest.mark.parametrize(("subject", "text"), PROBES_2["told_at_once"])
def test_a_threat_told_by_a_teacher_reaches_the_therapist_at_once(
    subject: str, text: str
) -> None:
    """A father's threat named as "his dad": read as a relative's, the crisis
    answer (the safety message to the teacher, the cheaper error)."""
    assert _classify(subject, text).verdict is Verdict.CRISIS


@pytest.mark.parametrize(("subject", "text"), PROBES_2["old_thread_quiet"])
def test_an_outlook_quote_in_an_old_thread_is_never_read_for_the_note(
    subject: str, text: str
) -> None:
    assert _classify(subject, text, "<old@riverside.example>").reason == (
        "foreign-thread"
    )


@pytest.mark.parametrize(("subject", "text"), PROBES_2["old_thread_heard"])
def test_danger_told_now_in_an_old_thread_is_an_alert(subject: str, text: str) -> None:
    """Their own crisis, or someone's danger told in the third person by
    someone not writing in their work: the alert at once."""
    result = _classify(subject, text, "<old@riverside.example>")
    assert result.verdict is Verdict.CRISIS
    assert result.reason in {"thread-crisis", "thread-danger"}


@pytest.mark.parametrize(("subject", "text"), PROBES_2["old_thread_left"])
def test_what_old_threads_still_get_wrong_is_never_the_care_note(
    subject: str, text: str
) -> None:
    """Left (before this reading too): an Outlook quote of the therapist's own
    "if you feel unsafe tonight, call 999" alerts; a client's own possible
    risk beside "the police are at the door" is left alone."""
    assert _classify(subject, text, "<old@riverside.example>").reason != ("care-danger")


def test_a_parent_naming_themselves_so_is_a_relatives_crisis() -> None:
    """ "I'm Ella's mum" is the writer's own person: her daughter's goodbye and
    the police searching are the crisis answer (left alone as a client's mail
    before), never the note about someone in their care."""
    text = (
        "I'm Ella's mum. Ella sees you on Tuesdays. She texted goodbye at 11pm and"
        " police are searching for her."
    )
    assert care_risk.kin_in_danger("Ella", text)
    assert _classify("Ella", text).verdict is Verdict.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "I'm a paramedic and it's getting to me: police are on their way to jobs"
        " all day and so are we. Could we talk? Today after 6pm works.",
        "Support worker here. The police are outside one of our houses every"
        " week; today I'd just like to talk about how I cope.",
    ],
)
def test_a_works_routine_of_emergencies_is_no_one_in_danger(text: str) -> None:
    assert not care_risk.danger_now("enquiry", text)


def test_a_reminder_of_what_to_do_is_no_emergency() -> None:
    text = (
        "Hi Sam, I'm the school nurse. Reminder for today: if you are worried about"
        " a pupil, call 999 if they are in immediate danger."
    )
    assert not care_risk.danger_now("reminder", text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm not sure it's a therapist I need. My letters are written.",
        "I'm so sure that's a counsellor I want to see.",
        "I'm just wondering if there's a psychotherapist near me.",
        "I'm told it's a psychologist I should see.",
    ],
)
def test_words_before_a_role_are_not_whose_role_it_is(text: str) -> None:
    from mailflow.reading import referral

    assert not referral.writer_role("enquiry", text)


def test_asking_for_themselves_is_not_writing_of_someone_in_their_care() -> None:
    for text in (
        "Hi, I'm a support worker and I'd like therapy for me.",
        "I'm a paramedic. I'd like to book the free call.",
    ):
        assert not care_risk.in_their_care("enquiry", text), text


@pytest.mark.parametrize(
    "text",
    [
        "I'm his class teacher. Kacper's mum told me he can't keep himself safe"
        " tonight and his phone is off now.",
        "Ella's dad has just texted me he'll take them both tonight.\nJo\nStaff Nurse",
        "Ella's dad here. Ella texted goodbye at 11pm and police are searching for"
        " her.\n\nJo\nStaff Nurse, Ward 7",
    ],
)
def test_a_relative_named_is_kin_first(text: str) -> None:
    """A relative named in a mail with a role is read as the writer's own: the
    crisis answer (the therapist alerted at once either way)."""
    assert not care_risk.in_their_care("tonight", text)
    result = _classify("tonight", text)
    # The crisis answer: a CRISIS, or a request at clear risk (the safety
    # message instead of times, and the alert).
    assert result.verdict is Verdict.CRISIS or result.risk == "clear"


@pytest.mark.parametrize(
    "text",
    [
        "Her mum here. She hasn't had anything to drink for three days and says she"
        " doesn't care if she dies. Today she won't get up.",
        "Gran has refused her insulin since Friday and says she'd rather be dead."
        " I'm scared, what do I do tonight?",
        "I'm his wife. He stopped his dialysis this week and told me tonight he"
        " doesn't care if he lives any more.",
    ],
)
def test_a_relative_telling_of_refusal_and_not_caring_is_a_crisis(text: str) -> None:
    """Both not caring whether they live and refusing what keeps them alive,
    told by someone close: the crisis answer (left alone before, nobody
    told); either alone stays a worry (`test_a_relatives_words_of_not_caring_
    alone_are_no_crisis`)."""
    assert care_risk.kin_in_danger("help", text)
    result = _classify("help", text)
    assert result.verdict is Verdict.CRISIS or result.risk == "clear"
