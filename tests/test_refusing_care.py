"""What keeps someone alive refused now, beside death accepted (en.toml's
`refusing-care` pair; docs/reading.md, stop 56): families, not sentences.

Each half is ordinary alone ("she won't see the GP", "he says he's ready to
go"), and both together are ordinary at a hospice, in a fast, for a pet or
after a plan agreed with the doctors. Two tries at a stronger answer were
taken back (stop 53), so the pair is possible risk only: the person's
letter is unchanged, the therapist is alerted and every pick waits for
them. A mail the risk words held for the therapist before keeps that
answer (`classify._WEIGHED_BESIDE`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mailflow.model import Verdict
from mailflow.reading import screen
from mailflow.reading.classify import RequestPolicy, classify_new
from mailflow.reading.parse import parse_mail

ROOT = Path(__file__).resolve().parents[1]
FAMILY = "refusing-care"

REFUSED_AND_ACCEPTED = [
    # fluids and food, the writer's own
    "I haven't had anything to drink since Sunday. Honestly I'm ready to go.",
    "i stopped eating and drinking on tuesday. im at peace with dying tbh",
    "Nothing to eat for five days now. If my heart stops, it stops.",
    "I can't keep even water down and I told the midwife no. If my body wants"
    " to give up then fine.",
    # someone close
    "Mum has refused all food and fluids since Friday. She keeps saying let me go.",
    "My grandad pushes the cup away every time. He says he's had a good"
    " innings and he's done.",
    "She hasn't had a sip of anything since yesterday and says she wants to"
    " be with Dad again soon.",
    "My sister is barely drinking and says she'd welcome the end.",
    # medicines and treatment
    "I've stopped my insulin since the weekend. Whatever happens, happens.",
    "He has stopped his dialysis without telling the renal team. He says he's"
    " not fighting it any more.",
    "I binned my keppra on Monday. If one takes me out that'd be a relief.",
    "Dad's dosette box is still full since Sunday. He says he's ready for the end.",
    "I've left off my warfarin and heart tablets. I'm not scared of dying.",
    "She cancelled the hospital transport for the rest of the month and says"
    " her kidneys can have the final say.",
    "I knocked the anti-rejection tablets on the head last week. I've squared"
    " it with myself that this is the end of the road.",
    "He took off his oxygen for good on Monday. He says he's had a full life"
    " and he's ready to go.",
    # hospital, the ambulance, the doctor
    "He refused the ambulance tonight. He says if he dies, he dies.",
    "I discharged myself against advice this afternoon. Let the infection do"
    " what it likes.",
    "She won't let me ring the GP. She says she's tired of being kept alive.",
    "The antibiotics are still in the bag and I'm not going to take them. If"
    " this is how it finishes, fine.",
    "my flatmate wont let me take her to get stitches. she says let it bleed.",
    # a professional about someone in their care
    "One of our residents has refused every meal since Friday and keeps"
    " telling staff she's ready to go, don't fuss.",
    "Mr K has not attended haemodialysis for eight days. He told me he's"
    " ready for the lights to go out.",
    # a strict review's (helper-262): ways the first version missed
    "I had a kidney transplant two years ago. I've stopped my tacrolimus. If it"
    " rejects, it rejects.",
    "Mum keeps taking off her oxygen and says she'd rather just slip away.",
    "not eating. not drinking. ready to go.",
    "My dad's refusing his Parkinson's meds and says he's ready to meet his maker.",
    "He keeps pulling his feeding tube out and told the nurse to let him go.",
    # a calm word of another time, or not calm at all
    "Mum died at the hospice in March. Since then I've stopped eating and I've"
    " binned my antidepressants. I'm ready to go.",
    "I'm on the fast track for a kidney transplant but I've stopped my dialysis"
    " and I'm ready for the end.",
    "My husband is fine now physically after his heart attack but he's stopped"
    " his heart tablets and says he's ready to go.",
    "I stopped my meds. I'm done. My baby is 4 months.",
    "Mum has stopped eating again. She says she's ready to go.",
    "My husband refuses to eat or drink since his op. The nurses say it's"
    " normal to be low after surgery but he keeps saying let me die.",
    # a second strict review's (helper-263): a calm word about someone else,
    # of another time, or in a sentence of neither half
    "My son has epilepsy and has stopped taking his Keppra. He said he'd"
    " welcome the end. My toddler and I are staying at my mum's.",
    "I'm refusing my antibiotics for the infection. I've decided with my family"
    " that I'm not going to be a burden any more. I'm ready to go.",
    "Since Mum died at the hospice in March I've stopped eating. I'm ready to go.",
    "Since my husband died I've stopped eating. I'm ready to go. The hospice"
    " staff were lovely to him.",
    "I've stopped my dialysis. I had palliative radiotherapy years ago and I'm"
    " ready to go now.",
    # a third strict review's (helper-264): calm of someone else a sentence
    # away, "wants to be with" the dead, calm negated, a palliative nurse
    "My dad has terminal cancer. I haven't eaten since Friday. I'm not fighting"
    " it any more.",
    "The doctors say my husband may only have days. I've binned my heart"
    " tablets. If my heart stops, it stops.",
    "Dad is in the hospice. I've stopped eating and drinking. I'm ready to go.",
    "Grandad won't let us call the doctor. He tells everyone he wants to be"
    " with Nan now.",
    "My brother has stopped his dialysis. He says he wants to be with his son,"
    " who we lost in May.",
    "He isn't on end-of-life care but he has stopped his dialysis and says"
    " he's ready to go.",
    "As a palliative care nurse I know what it means, and I have stopped my"
    " insulin. I'm ready to go.",
    "I've decided with my family that I'm refusing my antibiotics and I'm ready to go.",
    # a fourth strict review's (helper-265): a calm word about someone else
    # in the act's or the sign's own sentence, an operation ahead
    "Hi, I've stopped eating since Dad went into the hospice and I'm ready to go.",
    "I haven't eaten for five days. I'm ready to go, my dog will be fine with my"
    " sister.",
    "Since our dog was put down I've stopped my antidepressants and I'm ready to go.",
    "I haven't eaten since Sunday while my toddler is at his dad's and I'm"
    " ready to go.",
    "My husband refuses his dialysis and is ready to go before the transplant"
    " operation.",
    "I've refused all food from midnight on Friday and I'm ready to go.",
    "Dad pulled out his feeding tube after midnight and says he's ready to go.",
    "I'm a palliative care nurse myself, which is ironic. I've stopped eating"
    " and drinking since Sunday. I'm ready to go.",
]

HALF_ALONE = [
    "I haven't had anything to drink since Sunday, my throat is so sore.",
    "Mum refused the ambulance because her neighbour drove her in instead.",
    "I've stopped my insulin pump trial and gone back to pens.",
    "My dad says he's ready to go whenever we are.",
    "I'm at peace with my decision to leave teaching.",
    "Honestly I'm done with dating apps.",
    "If my heart stops racing before the interview it'll be a miracle.",
    "Could I book a free call? I've had a good innings at my job and I'm"
    " ready for a change.",
]

CALM = [
    "I'm not eating or drinking from midnight before my gallbladder op on"
    " Thursday and honestly I just want it all over.",
    "As a palliative care team we know what it means: Mr T has stopped his"
    " dialysis and he is at peace with dying.",
    "I'm not sure the hospice can do more for Mum, who has refused all food and"
    " fluids since Friday. She says she's ready to go.",
    "Dad stopped eating and drinking at the hospice on Sunday and the nurses say"
    " he's ready to go.",
    "Mum, on end of life care, has refused food since Friday and is at peace"
    " with dying.",
    "I'm fasting for Ramadan so I haven't had anything to drink since dawn."
    " Whatever happens, happens with the exam.",
    "Our dog stopped eating and drinking this week. The vet says he's ready to go.",
    "He decided with his consultant to stop dialysis. He's at peace with it"
    " and so are we.",
    "I'm nil by mouth before my op tomorrow. Not eaten since 8pm and honestly"
    " I'm ready to go.",
    "My toddler refused all food today. She's done, she says!",
    "Mum refused all food and fluids for three days after her op but is eating"
    " again now. She's ready to go home.",
]

ORDINARY = [
    # a strict review's (helper-262), each raised by the first version
    "Hi, the builder keeps not turning up. Honestly I'm done.",
    "My son (14) won't go in to school. He says what's the point.",
    "I haven't eaten anything since Monday because of a stomach bug, but my"
    " partner took me out for a walk today which helped.",
    "I cancelled my repeat prescription for sleeping tablets - so be it if I"
    " don't sleep for a bit.",
    "I keep missing my antibiotics doses bc i forget, and then i panic. not"
    " scared of dying exactly but of being ill.",
    "I've come off my Ozempic injections and I'm ready to go it alone with food.",
    "My 6 year old refuses every meal apart from pasta and I'm at the end of"
    " the road with it honestly.",
    "I missed my dialysis session at the renal unit on Tuesday because of the"
    " snow, so be it, I went on Wednesday instead.",
    "Dad refused the ambulance on Boxing Day and died at home the next week."
    " We're told he was at peace with dying.",
    "My mum died last month at the hospice. She'd stopped eating and drinking"
    " and kept saying let me go, and in the end she went peacefully.",
    "My father (90) has refused to go into hospital for his hip operation. He"
    " says he's had a full life and doesn't want the fuss.",
    "My grandma refuses to go to hospital appointments. She says she's had a"
    " long life and she's content.",
    "Dad won't let us call the doctor about his knee. He says he's had a long"
    " life and he's fine with it.",
    "Grandad has stopped eating and drinking now and the district nurses come"
    " in four times a day. He's comfortable and told us he's ready to go.",
    "Our old cat has stopped eating and drinking since Friday and the vet says"
    " he's ready to go.",
    # a second strict review's (helper-263)
    "I'm not eating or drinking from midnight before my gallbladder op on"
    " Thursday. Honestly I just want it over with!",
    "My coach has me not eating anything but gels for 2 days before the race."
    " I'm ready to go mentally.",
    "I've stopped doing injections - moved to a pump last month! Now I'm ready"
    " to go deal with the diabetes burnout.",
    "I've been refusing to go to the GP for my anxiety for years. I'm ready to"
    " go the therapy route now.",
    "I take my pump off for PE lessons and I'm so ready for the end of term.",
    "I'm waiting to join my husband in Canada. I haven't really eaten anything"
    " for 3 days with the stress.",
    "I've come off the steroids at last after my asthma flare and I'm ready to go!",
    "My 15 year old refuses to eat and she wants to be with her boyfriend every"
    " waking minute.",
    "My Dad refused to see a doctor about his hearing for years and now he's"
    " happy to go along to the audiologist.",
    "I haven't eaten since Monday with nerves about the job. If they reject me,"
    " so be it.",
    "Mum has dementia. She refuses to see the GP and tells the carers 'let me"
    " be!' whenever they come.",
    "I'm pregnant. Not drinking, obviously! And I'm so ready for the end of"
    " this pregnancy.",
    "My toddler refuses all food except yoghurt. I'm done.",
    "My son refuses all food except pasta. Honestly I'm at the end of the road.",
    "I stopped my sleeping tablets. That'd be a relief for my liver.",
    "My son refuses to eat vegetables. Honestly I'm done.",
    "My husband has dementia and won't go to the hospital appointments. I'm"
    " at the end of my tether.",
    "I'm not taking any meds for my ADHD because I'd rather manage it with"
    " therapy. Whatever happens, happens.",
    "My dad has stopped drinking since Friday and he says he's done. We're so"
    " proud of him!",
    "I finished my last chemo today. I'm done!",
    "I stopped taking my antidepressants with my GP's support and I'm fine"
    " with it now.",
]


@pytest.mark.parametrize("text", REFUSED_AND_ACCEPTED)
def test_a_refusal_beside_death_accepted_is_possible_risk(text: str) -> None:
    said = screen.screen(text)
    assert FAMILY in said.families
    assert said.risk is not screen.Risk.NONE


@pytest.mark.parametrize("text", HALF_ALONE + CALM + ORDINARY)
def test_either_half_alone_or_told_calmly_is_not(text: str) -> None:
    assert FAMILY not in screen.screen(text).families


def test_care_of_the_dying_a_sentence_away_is_not_calm_the_cost() -> None:
    """Calm words count only in the act's sentence or the sign's: a sentence
    away they are as often about someone else ("My dad has terminal cancer.
    I haven't eaten since Friday."), so a relative's news of a hospice told
    beside is raised too; it costs the therapist an approval (helper-264:
    a wider calm had cancelled crises)."""
    said = screen.screen(
        "Nan is in the hospice. She hasn't eaten or drunk for three days now."
        " She's happy to be gone, she told us."
    )
    assert said.families == (FAMILY,)
    assert said.risk is screen.Risk.POSSIBLE


def test_the_pair_is_possible_risk_never_clear_and_never_danger_now() -> None:
    said = screen.screen(
        "Since Saturday she has refused food and she is barely drinking. She"
        " keeps saying she is ready to join our father."
    )
    assert said.families == (FAMILY,)
    assert said.risk is screen.Risk.POSSIBLE
    assert not said.danger_now


@pytest.mark.parametrize(
    "calm",
    [
        "She is not on an end of life pathway.",
        "This isn't a palliative situation.",
        "He has never been under the hospice.",
    ],
)
def test_a_calm_word_negated_is_no_calm(calm: str) -> None:
    text = (
        "She has refused all food and fluids since Saturday. "
        f"{calm} She tells the staff she's ready to go."
    )
    assert FAMILY in screen.screen(text).families


def test_the_halves_pair_within_three_sentences_only() -> None:
    near = "I've stopped my insulin. It was a long week. I'm ready to go."
    far = (
        "I've stopped my insulin. It was a long week. Work was busy. The"
        " trains were late. The shops were shut. I'm ready to go."
    )
    assert FAMILY in screen.screen(near).families
    assert FAMILY not in screen.screen(far).families


def test_a_refusal_told_as_history_is_not_now() -> None:
    said = screen.screen(
        "When I was 17 I stopped eating and drinking and I was ready to die."
        " I've been well for ten years now."
    )
    assert FAMILY not in said.families


# -- what a first mail gets ----------------------------------------------------

POLICY = RequestPolicy(
    practice_email="hello@riverside.example",
    therapist_email="sam@riverside.example",
    country="GB",
)


def _first(subject: str, text: str) -> tuple[Verdict, str, str, bool]:
    raw = (
        "From: Dana Cole <dana@example.org>\r\nTo: hello@riverside.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <rc-1@example.org>\r\n"
        "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text
    ).encode()
    found = classify_new(
        parse_mail(raw), POLICY, contacts=frozenset(), owned_thread=False
    )
    return found.verdict, found.reason, found.risk, found.weighed


def test_a_request_that_tells_of_it_gets_times_with_an_alert() -> None:
    """Times as usual, as possible risk: the therapist alerted, the pick
    held for them; the alert says risk was named (not only weighed)."""
    text = (
        "Hello, I'm looking for bereavement counselling for my mother, who is"
        " 84. My father died five weeks ago. Since Thursday she has stopped"
        " eating and she is barely drinking. She says she just wants to go now"
        " and to let her go to him. Could you help, and how soon?\n\nJan"
    )
    assert _first("Bereavement counselling for Mum", text) == (
        Verdict.REQUEST,
        "request",
        "possible",
        False,
    )
    plain = text.replace(
        "Since Thursday she has stopped eating and she is barely drinking. She"
        " says she just wants to go now and to let her go to him. ",
        "",
    )
    assert _first("Bereavement counselling for Mum", plain)[2] == "none"


def test_a_professionals_news_asking_for_nothing_is_a_note() -> None:
    """A professional's mail that asks for nothing is left alone for possible
    risk (their own history, a patient's past); for someone in their care
    refusing what keeps them alive beside death accepted, it is a note with
    an alert (helper-262: a social worker's mail had been left alone)."""
    text = (
        "Dear colleague,\n\nI'm a social worker with the older adults team."
        " Mrs P (81), who lives alone, has refused all food for a week and told"
        " me she's waiting to die. She has capacity concerns. I wanted you to be"
        " aware as she has mentioned your practice.\n\nKind regards,\nAnn"
        " Price\nSocial Worker, Older Adults Team"
    )
    verdict, reason, risk, _ = _first("Mrs P", text)
    assert (verdict, risk) == (Verdict.ASK, "possible")
    assert reason in {"possible-risk", "care-danger"}
    # a renal social worker's, read as a professional's (refusing_care4.jsonl
    # rfd-049: left alone before)
    assert _corpus_case("refusing_care4.jsonl", "rfd-049")[:3] == (
        Verdict.ASK,
        "possible-risk",
        "possible",
    )


def test_a_referral_that_tells_of_it_is_still_a_note_not_times() -> None:
    """A care home's mail about a resident was a note for the therapist
    before (a referral's shape); with the pair read it stays a note, now as
    possible risk (with an alert), never the robot's times."""
    text = (
        "Dear team,\n\nI am the registered manager at Willowbank care home."
        " One of our residents, Mrs Cole (87), has been having weekly"
        " bereavement counselling with you since the summer. Since Saturday"
        " she has refused all meals and almost all fluids and is declining her"
        " medication. She tells staff 'I'm ready to go, don't fuss'. I would be"
        " grateful if her counsellor could be informed today.\n\nAngela Ferris"
        "\nRegistered Manager, Willowbank Care Home"
    )
    verdict, reason, risk, _ = _first("Resident - concern", text)
    assert verdict is Verdict.ASK
    assert risk == "possible"
    assert reason in {"referral", "care-danger", "possible-risk"}


def _corpus_case(name: str, case_id: str) -> tuple[Verdict, str, str, bool]:
    """A case of the learned first-mail sets, as `bench/understand.py` builds it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import understand  # type: ignore[import-not-found]

    folder = ROOT / "tests" / "corpus" / "first_mail" / "who"
    for line in (folder / name).read_text("utf-8").splitlines():
        data = json.loads(line)
        if data["id"] == case_id:
            mail = parse_mail(understand.built(data).raw)
            found = classify_new(
                mail, understand.POLICY, contacts=frozenset(), owned_thread=False
            )
            return found.verdict, found.reason, found.risk, found.weighed
    raise AssertionError(case_id)


def test_what_the_risk_words_held_for_the_therapist_they_still_hold() -> None:
    """refusing_care.jsonl rfa-001 (a booking wrapped round days without
    fluids and "if my heart stops it stops"): the risk words held it for the
    therapist to read first, the writer sent the safety message at once;
    the pair read beside them takes neither away."""
    said = _corpus_case("refusing_care.jsonl", "rfa-001")
    assert said[:3] == (Verdict.ASK, "risk-words", "possible")


def test_a_mail_asking_for_nothing_that_the_risk_words_weigh_is_weighed() -> None:
    """Possible risk in a mail that asks for nothing was a plain note (no
    safety message); where the risk words may weigh it and weigh it like a
    crisis's it is that note, the writer sent the safety message at once
    (who.jsonl wd-036, own_crisis.jsonl oc-044: an ending said in passing
    beside heavy words, 2026-12-06)."""
    assert _corpus_case("who.jsonl", "wd-036")[:2] == (Verdict.ASK, "risk-words")
    assert _corpus_case("own_crisis.jsonl", "oc-044")[:2] == (
        Verdict.ASK,
        "risk-words",
    )


def test_news_of_the_therapists_client_that_tells_of_it_is_still_asked() -> None:
    """Someone writing about a person already the therapist's client is
    asked about, not answered with times (stop 54); the pair read beside it
    keeps that, now as possible risk (with an alert)."""
    text = (
        "Hi, my wife Jane has been coming to you for counselling since the"
        " spring. Since Friday she has refused all food and fluids and she says"
        " she's ready to go. Could I book one of your free calls to talk about"
        " it?\n\nTom"
    )
    verdict, reason, risk, _ = _first("free call", text)
    assert (verdict, reason, risk) == (Verdict.ASK, "client-of-yours", "possible")


# -- end to end, on real Dovecot + SMTP ------------------------------------------

BEREAVED = (
    "Hello, I'm looking for bereavement counselling for my mother, who is"
    " 84. My father died five weeks ago. Since Thursday she has stopped"
    " eating and she is barely drinking. She says she just wants to go now"
    " and to let her go to him. Could you help, and how soon?\n\nJan"
)
"""Read as a plain request by everything but the pair (the risk words do
not weigh it: `test_a_request_that_tells_of_it_gets_times_with_an_alert`)."""


def test_a_first_mail_that_tells_of_it_is_answered_and_the_therapist_alerted(
    tmp_path, mail_server, mailboxes
) -> None:  # type: ignore[no-untyped-def]
    """Read back from both mailboxes: the person has their times (and the
    practice's safety message under them, as every first offer), the
    therapist an alert that names risk and holds the pick; under automatic
    approval the pick waits for them all the same."""
    from datetime import timedelta

    from support import NOW, answer, plain, request, run, write_config

    config = write_config(
        tmp_path, mail_server, mailboxes, '[workflow]\napproval = "auto"\n'
    )
    mail_server.deliver(
        request(
            sender=f"Janet Whitfield <{mailboxes.person}>",
            to=mailboxes.practice,
            subject="Bereavement counselling for Mum",
            body=BEREAVED,
        ),
        mailboxes.practice,
    )
    assert run(config) == 0
    person = [m.message() for m in mail_server.messages(mailboxes.person)]
    assert [m["X-Mailflow"] for m in person] == ["offer"]
    therapist = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    (alert,) = [m for m in therapist if m["X-Mailflow"] == "crisis_alert"]
    assert alert["Subject"] == (
        "Please read before approving: a request mentions risk or safety"
    )
    said = " ".join(plain(alert).split())
    assert "will hold whatever they pick for your approval" in said
    assert "let her go to him" in said  # their words, quoted
    offer = " ".join(plain(person[0]).split())
    assert "These are the times I have free" in offer
    assert "If you need help before we speak" in offer
    at = NOW + timedelta(hours=1)
    mail_server.deliver(
        answer(
            person[0],
            sender=f"Janet Whitfield <{mailboxes.person}>",
            body="1",
            sent_at=at,
        ),
        mailboxes.practice,
    )
    assert run(config, at) == 0
    kinds = [m.message()["X-Mailflow"] for m in mail_server.messages(mailboxes.person)]
    assert "confirmation" not in kinds
    therapist = [m.message() for m in mail_server.messages(mailboxes.therapist)]
    assert [m for m in therapist if m["X-Mailflow"] == "approval_request"]
