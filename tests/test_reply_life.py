"""Reading replies, end to end on real Dovecot + SMTP (#10).

One test per class of misreading the issue names: a move is never a cancel, a
withdrawal closes kindly, a condition is checked, British times, the
therapist's private note, no-shows in plain words, a conditional follow-up,
"send me new times" after a cancellation, and a reply in Spanish; and from the
third round: the booked day said back, another day said back, the therapist's
"can you cancel this?", cancel-and-rebook.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support import plain, run, write_config
from test_life import (
    AUTO,
    MINUTE,
    T0,
    awaiting_approval,
    book,
    call_times,
    kinds,
    life,  # noqa: F401 (a fixture)
    mails,
    newest,
    offered_lines,
    person_says,
    sends_nothing,
    start,
    therapist_says,
)

HALF_PAST_FOUR = """
[availability]
start_every_minutes = 15
min_notice_hours = 24

[availability.hours]
mon = ["16:30-16:45"]
tue = ["16:00-16:15"]
wed = ["16:30-16:45"]
thu = ["16:00-16:15"]
fri = ["16:30-16:45"]
"""
"""16:00 on some days, 16:30 on others: "half 4" read as 4 o'clock, or as
option 4, would book another line."""


def test_a_move_never_cancels_the_call(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    day = start_at.astimezone(T0.tzinfo).strftime("%A")
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"I can't make {day} any more \u2014 anything on Friday?",
        T0 + timedelta(hours=3),
    )
    assert "cancelled" not in kinds(server, boxes.person)
    assert not mails(server, boxes.therapist, "cancel_notice")
    moved = newest(server, boxes.person, "offer_again")
    assert offered_lines(moved)
    for message in mails(server, boxes.person):
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                assert b"METHOD:CANCEL" not in part.get_payload(decode=True)


def test_help_found_elsewhere_cancels_the_booked_call(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, _booked = book(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "I won't need the call after all, I've found a counsellor nearer home. Thanks",
        T0 + timedelta(hours=3),
    )
    assert mails(server, boxes.therapist, "cancel_notice")
    cancels = [
        part.get_payload(decode=True)
        for message in mails(server, boxes.person)
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert any(b"METHOD:CANCEL" in payload for payload in cancels)


def test_a_withdrawal_closes_kindly_and_nothing_follows(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        offer,
        "Sorry, I've changed my mind, I'm not ready. Thank you though.",
        T0 + timedelta(hours=1),
    )
    assert kinds(server, boxes.person)[-1] != "offer"
    assert len(kinds(server, boxes.person)) == 2  # the offer, and one kind word
    sends_nothing(server, config, T0 + timedelta(days=3), T0 + timedelta(days=8))


def test_a_pick_with_a_condition_it_fails_is_asked_about(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    _number, line = offered_lines(offer)[0]
    hour = int(re.search(r" at (\d\d):", line)[1])
    day = line.split()[0]
    person_says(
        server,
        boxes,
        config,
        offer,
        f"{day} is fine as long as it's after {hour + 2}",
        T0 + timedelta(hours=1),
    )
    # Never booked on a condition the time fails: a question, or fresh times
    # that honour it.
    assert "held" not in kinds(server, boxes.person)
    assert "confirmation" not in kinds(server, boxes.person)
    assert kinds(server, boxes.person)[-1] in {"clarify", "offer_again"}


def test_half_4_is_half_past_four(tmp_path, mail_server, mailboxes) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO + HALF_PAST_FOUR)
    offer = start(server, boxes, config)
    lines = offered_lines(offer)
    at_four = [text for _n, text in lines if " at 16:00 " in text]
    at_half = [text for _n, text in lines if " at 16:30 " in text]
    assert at_four, lines  # 4 o'clock is offered too, so a misreading would show
    assert at_half, lines
    day = at_half[0].split(" at ")[0]
    weekday = day.split()[0]
    person_says(
        server,
        boxes,
        config,
        offer,
        f"{weekday} at half 4 please",
        T0 + timedelta(hours=1),
    )
    confirmation = newest(server, boxes.person, "confirmation")
    assert day in plain(confirmation)
    assert "16:30" in plain(confirmation)
    assert "16:00" not in plain(confirmation)


TWO_A_DAY = """
[availability]
start_every_minutes = 15
min_notice_hours = 24

[availability.hours]
tue = ["10:00-10:15", "14:00-14:15"]
thu = ["10:00-10:15", "14:00-14:15"]
"""
"""Two times on a day: "the second one on Tuesday" is never the list's
second (a Thursday)."""


def test_the_second_one_on_a_day_is_never_the_lists_second(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes, AUTO + TWO_A_DAY)
    offer = start(server, boxes, config)
    lines = [text for _n, text in offered_lines(offer)]
    # Thursday 22 (two, BST), Tuesday 27 (two, GMT), Thursday 29
    tuesdays = [text for text in lines if text.startswith("Tuesday")]
    assert len({text.split(" at ")[0] for text in tuesdays}) == 1, lines
    assert not lines[1].startswith("Tuesday"), lines  # the list's second is not
    person_says(
        server,
        boxes,
        config,
        offer,
        "the second one on Tuesday please",
        T0 + timedelta(hours=1),
    )
    # Under automatic approval the list's second would be booked at once:
    # asked which time instead, nothing held or booked.
    assert kinds(server, boxes.person)[-1] == "clarify"
    assert "held" not in kinds(server, boxes.person)
    assert "confirmation" not in kinds(server, boxes.person)


@pytest.mark.parametrize(
    "note",
    [
        "No \u2014 I know her socially, so I can't see her. I'll write to her myself.",
        "Please apologise to him for me, leave this one with me.",
        "Not sure about this one. I'll drop her a line myself with some referrals.",
    ],
)
def test_the_therapists_private_note_never_reaches_the_person(
    tmp_path, mail_server, mailboxes, note
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    approval = awaiting_approval(server, boxes, config)
    before = kinds(server, boxes.person)
    therapist_says(server, boxes, config, approval, note, T0 + timedelta(hours=2))
    assert kinds(server, boxes.person) == before  # nothing at all
    told = newest(server, boxes.therapist, "therapist_alert")
    assert "mailflow has stood down" in plain(told)
    assert "nothing was sent to them" in plain(told)


def test_a_no_show_in_plain_words(life) -> None:  # noqa: F811
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start_at, end_at = call_times(booked)
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server,
        boxes,
        config,
        own,
        "rang twice, straight to voicemail",
        end_at + 15 * MINUTE,
    )
    missed = newest(server, boxes.person, "offer_again")
    assert "I'm sorry we missed each other" in plain(missed)
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    assert "followup" not in kinds(server, boxes.person)


def test_a_conditional_followup_answer_goes_to_the_therapist(life) -> None:  # noqa: F811
    server, boxes, config = life
    _confirmation, booked = book(server, boxes, config)
    _start, end_at = call_times(booked)
    assert run(config, end_at + timedelta(hours=2) + MINUTE) == 0
    followup = newest(server, boxes.person, "followup")
    person_says(
        server,
        boxes,
        config,
        followup,
        "I'd like to start but I need to check I can afford it",
        end_at + timedelta(hours=4),
    )
    reply = newest(server, boxes.person, "after_answer")
    assert "That's lovely to hear" not in plain(reply)
    assert "reply to you myself" in plain(reply)
    note = newest(server, boxes.therapist, "followup_answer")
    assert "I need to check I can afford it" in plain(note)


def test_send_me_new_times_after_the_therapist_cancels(life) -> None:  # noqa: F811
    server, boxes, config = life
    _confirmation, _booked = book(server, boxes, config)
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server, boxes, config, own, "Cancel please, I'm unwell", T0 + timedelta(days=1)
    )
    cancelled = newest(server, boxes.person, "cancelled")
    person_says(
        server,
        boxes,
        config,
        cancelled,
        "yes please, send me some new times",
        T0 + timedelta(days=1, hours=2),
    )
    fresh = newest(server, boxes.person)
    assert fresh["X-Mailflow"] in {"offer_again", "offer"}
    assert offered_lines(fresh)


def test_a_spanish_number_books_that_time(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    lines = offered_lines(offer)
    person_says(
        server,
        boxes,
        config,
        offer,
        "El número 2 me viene bien",
        T0 + timedelta(hours=1),
    )
    confirmation = newest(server, boxes.person, "confirmation")
    assert lines[1][1].split(" (")[0] in plain(confirmation)


def test_a_reply_in_another_language_is_never_met_with_silence(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    before = len(server.smtp_log)
    person_says(
        server,
        boxes,
        config,
        offer,
        "Merci beaucoup, je voudrais plus d'informations avant de choisir.",
        T0 + timedelta(hours=1),
    )
    assert len(server.smtp_log) > before  # a question back, or the therapist told


def test_the_approval_request_shows_the_words_of_the_pick(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    offer = start(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        offer,
        "2 please, that suits me best",
        T0 + timedelta(hours=1),
    )
    approval = newest(server, boxes.therapist, "approval_request")
    assert "What they wrote when they picked:" in plain(approval)
    assert "> 2 please, that suits me best" in plain(approval)


def test_fresh_times_avoid_the_week_the_therapist_is_away(
    tmp_path, mail_server, mailboxes
) -> None:
    server, boxes = mail_server, mailboxes
    config = write_config(tmp_path, server, boxes)
    offer = start(server, boxes, config)
    person_says(server, boxes, config, offer, "1", T0 + timedelta(hours=1))
    approval = newest(server, boxes.therapist, "approval_request")
    held_day = offered_lines(offer)[0][1]
    therapist_says(
        server,
        boxes,
        config,
        approval,
        "No, sorry, I'm away that whole week.",
        T0 + timedelta(hours=2),
    )
    fresh = newest(server, boxes.person, "offer_again")
    lines = offered_lines(fresh)
    assert lines
    held = _day(held_day)
    monday_after = held - timedelta(days=held.weekday()) + timedelta(days=7)
    for _n, text in lines:
        assert _day(text) >= monday_after, text


def test_fresh_times_avoid_the_week_the_person_is_away(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    first = offered_lines(offer)[0][1]
    person_says(
        server,
        boxes,
        config,
        offer,
        "I'm travelling that week, sorry. Could you send some times for the week after?",
        T0 + timedelta(hours=1),
    )
    fresh = newest(server, boxes.person, "offer_again")
    week = _day(first)
    monday_after = week - timedelta(days=week.weekday()) + timedelta(days=7)
    for _n, text in offered_lines(fresh):
        assert _day(text) >= monday_after, text


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _day(line: str):
    """The date of an offered line ("Thursday 22 October at 13:30 ..."), 2026."""
    from datetime import date

    _weekday, day, month = line.split()[:3]
    return date(2026, _MONTHS.index(month) + 1, int(day))


# -- issue #10, third round: the booked call known, plain cancels, cancel-and-rebook ----


def _other_weekday(start_at) -> str:  # type: ignore[no-untyped-def]
    day = start_at.astimezone(T0.tzinfo)
    return (day + timedelta(days=2)).strftime("%A")


def test_still_on_for_the_booked_day_keeps_the_call_quietly(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    day = start_at.astimezone(T0.tzinfo).strftime("%A")
    person_before = kinds(server, boxes.person)
    therapist_before = kinds(server, boxes.therapist)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"Are we still on for {day}?",
        T0 + timedelta(hours=3),
    )
    assert kinds(server, boxes.person) == person_before
    assert kinds(server, boxes.therapist) == therapist_before


def test_see_you_on_another_day_is_read_by_the_therapist(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    person_before = kinds(server, boxes.person)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"Thanks, see you {_other_weekday(start_at)}!",
        T0 + timedelta(hours=3),
    )
    assert kinds(server, boxes.person) == person_before  # the call stands
    told = newest(server, boxes.therapist, "therapist_alert")
    assert "The booking stands; please read their reply" in plain(told)


def test_the_therapists_can_you_cancel_this_cancels_the_call(life) -> None:  # noqa: F811
    server, boxes, config = life
    _confirmation, _booked = book(server, boxes, config)
    own = newest(server, boxes.therapist, "therapist_event")
    therapist_says(
        server,
        boxes,
        config,
        own,
        "Can you cancel this? Something's come up.",
        T0 + timedelta(days=1),
    )
    cancelled = newest(server, boxes.person, "cancelled")
    words = plain(cancelled)
    assert "Something's come up." in words
    assert "Can you cancel" not in words  # the order was to mailflow, not to them
    assert any(
        b"METHOD:CANCEL" in part.get_payload(decode=True)
        for part in cancelled.walk()
        if part.get_content_type() == "text/calendar"
    )


def test_cancel_and_rebook_moves_the_call_and_never_cancels_it(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, _booked = book(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "Please cancel and rebook me for next week, I've got a hospital appointment.",
        T0 + timedelta(hours=3),
    )
    assert "cancelled" not in kinds(server, boxes.person)
    assert not mails(server, boxes.therapist, "cancel_notice")
    moved = newest(server, boxes.person, "offer_again")
    assert "Our call stays on" in plain(moved)


@pytest.mark.parametrize(
    "again",
    [
        "can I still have the free call?",
        "Hi, I think I'm ready now. Is it still possible to have a chat?",
    ],
)
def test_asking_for_the_call_again_after_their_own_cancel(life, again) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, _booked = book(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "I need to cancel. Sorry to mess you around.",
        T0 + timedelta(hours=3),
    )
    cancelled = newest(server, boxes.person, "cancelled")
    assert "just reply" in plain(cancelled)
    person_says(server, boxes, config, cancelled, again, T0 + timedelta(days=1))
    fresh = newest(server, boxes.person)
    assert fresh["X-Mailflow"] in {"offer_again", "offer"}
    assert offered_lines(fresh)


def test_asking_for_the_call_again_after_withdrawing(life) -> None:  # noqa: F811
    server, boxes, config = life
    offer = start(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        offer,
        "I've changed my mind, I'm not ready. Sorry",
        T0 + timedelta(hours=1),
    )
    acknowledged = newest(server, boxes.person, "cancelled")
    assert "just reply" in plain(acknowledged)
    person_says(
        server,
        boxes,
        config,
        acknowledged,
        "Sorry for the back and forth. Could we try again?",
        T0 + timedelta(days=2),
    )
    fresh = newest(server, boxes.person)
    assert fresh["X-Mailflow"] in {"offer_again", "offer"}
    assert offered_lines(fresh)


def test_an_unclear_reply_after_their_own_cancel_reaches_the_therapist(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, _booked = book(server, boxes, config)
    person_says(
        server,
        boxes,
        config,
        confirmation,
        "Please cancel, something has come up.",
        T0 + timedelta(hours=3),
    )
    cancelled = newest(server, boxes.person, "cancelled")
    alerts = len(mails(server, boxes.therapist, "therapist_alert"))
    person_says(
        server,
        boxes,
        config,
        cancelled,
        "What happens to my details now?",
        T0 + timedelta(days=1),
    )
    assert len(mails(server, boxes.therapist, "therapist_alert")) == alerts + 1


def test_cancel_words_asking_for_another_day_move_the_call(life) -> None:  # noqa: F811
    server, boxes, config = life
    confirmation, booked = book(server, boxes, config)
    start_at, _end = call_times(booked)
    day = start_at.astimezone(T0.tzinfo).strftime("%A")
    person_says(
        server,
        boxes,
        config,
        confirmation,
        f"I'll have to cancel {day}. Is next week possible?",
        T0 + timedelta(hours=3),
    )
    assert "cancelled" not in kinds(server, boxes.person)
    assert not mails(server, boxes.therapist, "cancel_notice")
    assert offered_lines(newest(server, boxes.person, "offer_again"))
