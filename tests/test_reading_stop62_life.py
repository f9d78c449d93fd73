"""Stop 62's reading end to end on real Dovecot + SMTP: a youth worker asking
for the call about a lad they work with, in everyday words, and a counsellor
asking for her own therapy among the words of her work, each reach the
therapist as a note and are sent nothing; a mum asking the same for her own
son beside them is answered with times. Before stop 62 the youth worker was
answered with the robot's times and the counsellor's mail was left alone."""

from __future__ import annotations

from support import plain, request, run, sent_to, write_config

YOUTH_WORKER = (
    "Hi Sam,\n\nI'm a youth worker at the Northside project. There's a lad I work"
    " with, 15, who's had a rough few months since his dad moved out, and he's"
    " said he'd like to talk to someone who isn't a teacher. Could I book the"
    " free call to talk about whether you'd be a good fit for him?\n\nCheers\nDan"
)
COUNSELLOR = (
    "Hi Sam,\n\nI'm a counsellor in private practice and I also supervise two"
    " trainees. I'd like to start my own therapy again, my dad died in the"
    " spring. Could you let me know your availability?\n\nSian"
)
MUM = (
    "Hi Sam,\n\nMy son is 15 and has had a rough few months since his dad moved"
    " out. He's said he'd like to talk to someone. Could I book the free call to"
    " talk about him?\n\nThanks, Jo"
)


def test_professionals_reach_the_therapist_and_a_mum_gets_her_times(  # type: ignore[no-untyped-def]
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    worker, counsellor = f"dan-{boxes.person}", f"sian-{boxes.person}"
    for sender, subject, body in (
        (f"Dan Hart <{worker}>", "young person", YOUTH_WORKER),
        (f"Sian Reed <{counsellor}>", "Own therapy", COUNSELLOR),
        (f"Jo Lake <{boxes.person}>", "For my son", MUM),
    ):
        server.deliver(
            request(sender=sender, to=boxes.practice, subject=subject, body=body),
            boxes.practice,
        )
    assert run(config) == 0
    assert sent_to(server, worker) == []
    assert sent_to(server, counsellor) == []
    (offer,) = [m.message() for m in server.messages(boxes.person)]
    assert offer["X-Mailflow"] == "offer"
    notes = {
        str(m["Subject"]).split(":")[0]: plain(m)
        for m in (s.message() for s in server.messages(boxes.therapist))
        if m["X-Mailflow"] == "unsure_note"
    }
    assert "a professional writing about someone in their care" in notes["A referral?"]
    assert "they seem to ask for counselling for themselves" in notes["Not sure"]
