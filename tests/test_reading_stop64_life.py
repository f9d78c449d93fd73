"""Stop 64's reading end to end on real Dovecot + SMTP: an apprenticeship
manager asks for a call about one of his lads in a request's words, and the
leave words turn the robot's times into the therapist's note; the therapist's
"offer" then sends him times in his own thread. A practice nurse asking for
herself, signed with her title, is answered with times at once. Before stop
64 the manager was answered with times by the robot."""

from __future__ import annotations

from datetime import timedelta

from support import NOW, answer, plain, request, run, sent_to, write_config

MANAGER = (
    "Hi, I manage the apprentices at Hartley Engineering. One of our lads has had"
    " a rough few months and has said he would like to talk to someone. Could we"
    " arrange a call to discuss how it works and costs? Regards, Steve Blake,"
    " Apprenticeship Manager"
)
NURSE = (
    "Hi Sam, I'm a practice nurse at Riverside Surgery. I've been struggling a"
    " bit since my divorce and would like to book the free call for myself if"
    " possible.\n\nThanks,\nHelen\n\nHelen Moss | Practice Nurse"
)


def _notes(server, box):  # type: ignore[no-untyped-def]
    """The unsure notes the therapist's mailbox holds."""
    found = [s.message() for s in server.messages(box)]
    return [m for m in found if m["X-Mailflow"] == "unsure_note"]


def test_a_managers_request_for_his_apprentice_is_the_therapists_to_answer(  # type: ignore[no-untyped-def]
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    steve = f"steve-{boxes.person}"
    for sender, subject, body in (
        (f"Steve Blake <{steve}>", "Apprentice", MANAGER),
        (f"Helen Moss <{boxes.person}>", "Counselling enquiry", NURSE),
    ):
        server.deliver(
            request(sender=sender, to=boxes.practice, subject=subject, body=body),
            boxes.practice,
        )
    assert run(config) == 0
    assert sent_to(server, steve) == []
    (offer,) = [m.message() for m in server.messages(boxes.person)]
    assert offer["X-Mailflow"] == "offer"
    assert plain(offer).startswith("Hello Helen,")
    (note,) = _notes(server, boxes.therapist)
    text = " ".join(plain(note).split())
    assert str(note["Subject"]).startswith("Not sure")
    assert steve in text
    assert "as a whole it reads more like mail you would answer yourself" in text
    assert 'Reply "offer" and I\'ll send them times in their own thread' in text
    # The therapist's "offer" sends him times, in his own thread.
    at = NOW + timedelta(minutes=20)
    server.deliver(
        answer(
            note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", sent_at=at
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    (sent,) = sent_to(server, steve)
    assert b"X-Mailflow: offer" in sent
    assert b"Re: Apprentice" in sent


FISHERMAN = (
    "Hi, I'm a fisherman and I'm on the boat most weeks. I've had a lot going on"
    " at home and the wife says I bottle things up. She's probably right. Any"
    " chance of a call on a Sunday when we're in harbour? Cheers, Rob"
)


def test_an_enquiry_no_phrase_places_reaches_the_therapist(  # type: ignore[no-untyped-def]
    tmp_path, mail_server, mailboxes
) -> None:
    """The fisherman's enquiry was left alone, nobody told: now the plain
    note, with the asking words' why, and nothing sent to him."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    rob = f"rob-{boxes.person}"
    server.deliver(
        request(
            sender=f"Rob <{rob}>", to=boxes.practice, subject="Sundays", body=FISHERMAN
        ),
        boxes.practice,
    )
    assert run(config) == 0
    assert sent_to(server, rob) == []
    (note,) = _notes(server, boxes.therapist)
    text = " ".join(plain(note).split())
    assert rob in text
    assert "reads more like someone asking for help than like other mail" in text


def test_a_professionals_chaser_after_their_note_gets_no_robot_times(  # type: ignore[no-untyped-def]
    tmp_path, mail_server, mailboxes
) -> None:
    """helper-318's case: the manager's mail is a note; two days later he
    sends it again. A second mail from someone whose note
    waits is the note's, as any is: never the robot's times (a first mend
    answered it as a request). The note's "offer" still sends them."""
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    steve = f"steve-{boxes.person}"
    server.deliver(
        request(
            sender=f"Steve Blake <{steve}>",
            to=boxes.practice,
            subject="Apprentice",
            body=MANAGER,
        ),
        boxes.practice,
    )
    assert run(config) == 0
    (note,) = [m.message() for m in server.messages(boxes.therapist)]
    at = NOW + timedelta(days=2)
    server.deliver(
        request(
            sender=f"Steve Blake <{steve}>",
            to=boxes.practice,
            subject="Re: Apprentice",
            body=MANAGER,
            sent_at=at,
        ),
        boxes.practice,
    )
    assert run(config, at) == 0
    assert sent_to(server, steve) == []
    assert len(server.messages(boxes.therapist)) == 1
    later = at + timedelta(hours=1)
    server.deliver(
        answer(
            note, sender=f"Sam Rivera <{boxes.therapist}>", body="offer", sent_at=later
        ),
        boxes.practice,
    )
    assert run(config, later) == 0
    (sent,) = sent_to(server, steve)
    assert b"X-Mailflow: offer" in sent
