"""Stop 63's reading end to end on real Dovecot + SMTP: a stranger's "hello?"
and another's "is this still Sam's email?" each reach the therapist as the
plain note and are sent nothing; a neighbour's "are you around next week?
the fence is down" is left alone, no note and nothing sent; and "I wondered
whether you'd see somebody for a short piece of work" is answered with
times; and "hello? can't stop crying" reaches the therapist as the urgent
note, with nothing sent to the writer. Before stop 63 all five were left
alone, nobody told."""

from __future__ import annotations

from support import plain, request, run, sent_to, write_config

HELLO = "Hello?\n\nSent from my iPhone"
STILL_SAMS = "Hi, is this still Sam's email?\n\nPhil"
RETIRED = (
    "Dear Sam,\n\nI retired in December after 38 years as a head teacher and I"
    " am finding myself completely at sea. I wondered whether you'd see somebody"
    " for a short piece of work, perhaps six or eight weeks.\n\nMargaret"
)
NEIGHBOUR = (
    "Hi Sam, Jim next door. Are you around next week? The fence panel between"
    " our gardens has come down in the wind and I'd like to sort it out"
    " together. Happy to split the cost.\n\nJim"
)


def test_a_stranger_reaching_out_is_noted_and_a_neighbour_left_alone(  # type: ignore[no-untyped-def]
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    hello, phil, jim, kit = (
        f"{who}-{boxes.person}" for who in ("dee", "phil", "jim", "kit")
    )
    for sender, subject, body in (
        (f"Dee <{hello}>", "", HELLO),
        (f"Phil Whitaker <{phil}>", "Hello", STILL_SAMS),
        (f"Jim Carver <{jim}>", "Fence", NEIGHBOUR),
        (f"Margaret Holloway <{boxes.person}>", "Retirement", RETIRED),
        (f"Kit <{kit}>", "", "hello? can't stop crying"),
    ):
        server.deliver(
            request(sender=sender, to=boxes.practice, subject=subject, body=body),
            boxes.practice,
        )
    assert run(config) == 0
    for person in (hello, phil, jim, kit):
        assert sent_to(server, person) == []
    to_therapist = [s.message() for s in server.messages(boxes.therapist)]
    urgent = [
        plain(m)
        for m in to_therapist
        if m["X-Mailflow"] == "unsure_note" and kit in plain(m)
    ]
    assert len(urgent) == 1
    assert any(
        str(m["Subject"]).startswith("Please read")
        for m in to_therapist
        if m["X-Mailflow"] == "unsure_note" and kit in plain(m)
    )
    assert "some of its words are near risk: please read it yourself" in urgent[0]
    notes = [
        plain(m)
        for m in to_therapist
        if m["X-Mailflow"] == "unsure_note" and kit not in plain(m)
    ]
    assert len(notes) == 2
    assert all("it is short and does not say what it is about" in n for n in notes)
    assert any(phil in n for n in notes)
    assert any(hello in n for n in notes)
    assert not any(jim in n for n in notes)
    (offer,) = [m.message() for m in server.messages(boxes.person)]
    assert offer["X-Mailflow"] == "offer"
    assert plain(offer).startswith("Hello Margaret,")
