"""Families of replies added for issue #10's third round (the blind set
`tests/corpus/replies/fresh2.jsonl` and the review's reading gaps), each beside
the hard negatives that must not be read the same way. A wrong booking or a
wrong cancel is far worse than a question back, so the negatives assert "not
this reading" (asking is always allowed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailflow.model import Decision, ReplyKind, Slot, State
from mailflow.reading.answer import read_person_answer, read_therapist_answer
from mailflow.reading.followup import Answer, read_followup_answer
from mailflow.reading.intent import language_of
from mailflow.reading.reply import read_person_reply
from mailflow.reading.therapist import read_therapist_reply

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 28)


def _slot(month: int, day: int, hour: int, minute: int = 0) -> Slot:
    start = datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=15))


OFFERED = (_slot(12, 1, 10), _slot(12, 2, 13, 30), _slot(12, 4, 17))
"""Tuesday 1 December 10:00, Wednesday 2 December 13:30, Friday 4 December 17:00."""


def _offer(text: str, offered: tuple[Slot, ...] = OFFERED):  # type: ignore[no-untyped-def]
    return read_person_reply(
        text, offered=offered, zones=[LONDON], region="GB", today=TODAY
    )


def _picks(text: str) -> int | None:
    found = _offer(text)
    return found.choice if found.kind is ReplyKind.PICK else None


# -- before a booking: times of the person's own day are no picks ----------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Friday at 5 would suit me best as I finish work at 4.30 on Fridays.", 3),
        (
            "I could do the Tuesday at 10 as long as it's done by half 10 - I've got a meeting at 11.",
            1,
        ),
        ("Wednesday at 1.30 is fine, I pick up my son at half 3", 2),
        (
            "Tuesday morning is ideal. I drop the kids at school at 9 so anything after 9.30 is fine.",
            1,
        ),
        ("Friday's ok so long as it's after 4, I've got a class at 7", 3),
        ("Wednesday please, because I have work at 4", 2),
    ],
)
def test_a_time_of_the_persons_own_day_beside_a_pick_keeps_the_pick(
    text: str, choice: int
) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        # the pick's own time is the one turned down: asked, never booked
        "I could do the Tuesday but not at 10",
        "Tuesday works, but not at 10",
        "Friday please, I pick up my son at 5 though",
        "Friday at 5 would suit me best as I'm not free at 4.30",
        "Would it be possible to do the Wednesday slot but a bit later?",
        "The Wednesday slot, or anything later?",
    ],
)
def test_a_pick_whose_time_is_turned_down_is_asked(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: a pick asked for politely -------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        (
            "Would it be possible to do the Wednesday slot? My mobile is 07700 900456.",
            2,
        ),
        ("Is it possible to have the Friday one?", 3),
        ("I could do the Tuesday.", 1),
        ("The Wednesday slot please", 2),
    ],
)
def test_a_pick_asked_for_politely_is_a_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        "Would it be possible to do the Thursday slot?",  # not offered
        "Would it be possible to do Wednesday at 3 instead?",
        "I couldn't do the Tuesday.",
        "The Wednesday slot is tricky for me",
    ],
)
def test_a_polite_ask_for_what_was_not_offered_is_no_pick(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: a long reply's troubles turn no time down ----------------------


def test_hard_times_in_a_long_reply_do_not_turn_the_pick_down() -> None:
    text = (
        "Dear Ruth\nThings at home have been difficult since my dad died and I've "
        "found myself not sleeping. I work part time (Mon, Wed, Fri) so Tuesdays "
        "and Thursdays are usually easier.\nThe first one would be ideal.\nMaria"
    )
    assert _picks(text) == 1


@pytest.mark.parametrize(
    "text",
    [
        "The first one would be difficult, sorry",
        "Tuesday's difficult. The first one is out",
        "Mondays are easier for me, the first one is tricky",
    ],
)
def test_a_time_said_to_be_difficult_is_still_turned_down(text: str) -> None:
    assert _picks(text) is None


# -- before a booking: whose clock? ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Number 3 please but I'll be in Madrid that week - is 17:00 your time or Spanish time?",
        "2 please. Is that UK time?",
        "Number 1 - what time zone is that in?",
        "3 please, is that GMT?",
    ],
)
def test_a_pick_with_a_question_about_its_time_zone_is_asked(text: str) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2 please. Will you ring me or shall I ring you?", 2),
        ("Number 3 please, I'm in London so no time difference", 3),
    ],
)
def test_a_pick_with_another_question_is_still_a_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


# -- before a booking: polite ifs and dates --------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("Number 1 please. I'm on 07700 900742 if you need me.", 1),
        ("2 please, my landline is 0161 496 0555 if needed", 2),
    ],
)
def test_a_polite_if_is_no_condition(text: str, choice: int) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        "1 if you can do it by phone",
        "Number 1 please, if you need to move it that's fine",
        "2 if my shift changes",
    ],
)
def test_a_real_if_beside_a_pick_is_asked(text: str) -> None:
    assert _picks(text) is None


def test_a_date_past_the_last_number_picks_the_time_on_that_date() -> None:
    offered = (_slot(12, 1, 10), _slot(12, 17, 17, 45), _slot(12, 19, 10, 30))
    assert _offer("17th please", offered).choice == 2
    assert _offer("the 17th works", offered).choice == 2


@pytest.mark.parametrize("text", ["18th please", "the 20th works"])
def test_a_date_that_was_not_offered_is_no_pick(text: str) -> None:
    offered = (_slot(12, 1, 10), _slot(12, 17, 17, 45), _slot(12, 19, 10, 30))
    found = _offer(text, offered)
    assert found.kind is not ReplyKind.PICK


def test_a_date_that_is_also_a_number_is_still_asked() -> None:
    # the 2nd: option 2, or the time on 2 December (option 2 here is the 2nd,
    # but option 1 is also asked about when the dates differ)
    offered = (_slot(12, 2, 10), _slot(12, 3, 13, 30), _slot(12, 4, 17))
    assert _offer("the 2nd please", offered).kind is not ReplyKind.PICK


# -- after a booking: the booked call is known (review: "can we still do Tuesday?") ---

BOOKED = _slot(12, 2, 13, 30)
"""Wednesday 2 December at 13:30."""
NEW_TIMES = (_slot(12, 1, 10), _slot(12, 3, 11), _slot(12, 8, 9, 30))
"""Offered while moving: Tuesday 1st, Thursday 3rd, Tuesday 8th."""


def _about_booked(text: str, state: State = State.BOOKED):  # type: ignore[no-untyped-def]
    return read_person_answer(
        state,
        text,
        offered=() if state is State.BOOKED else NEW_TIMES,
        zones=[LONDON],
        region="GB",
        today=TODAY,
        booked=BOOKED,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Are we still on for Wednesday?",
        "Still on for Weds?",
        "Can we still do Wednesday?",
        "Hiya, wednesday still good for me, speak then x",
        "Thanks, see you Wednesday!",
        "Is it still on? Just checking",
        "Merci, à mercredi !",
        "Gracias, hasta el miércoles",
    ],
)
def test_the_booked_day_said_back_keeps_the_call(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.OTHER


@pytest.mark.parametrize(
    "text",
    [
        "Can we still do Thursday?",
        "Are we still on for Friday?",
        "Thanks, see you Friday!",
        "Thanks, see you Wednesday at 4",
        "Merci, à vendredi !",
        "Gracias, hasta el viernes",
        "Mejor el viernes, gracias",
        "Is it still on? I might be late",
        "What's this about?",
    ],
)
def test_another_day_or_news_beside_keep_words_is_asked(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Please take me off for Wednesday",
        "can you take me off for Wednesday? I've decided to wait",
        "Please cancel Wednesday's call",
    ],
)
def test_the_booked_day_in_a_cancel_is_the_call_cancelled(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.CANCEL


def test_while_moving_the_booked_day_in_a_cancel_is_no_pick() -> None:
    found = _about_booked(
        "Please take me off for Wednesday, I've decided to wait", State.RESCHEDULING
    )
    assert found.kind is ReplyKind.CANCEL
    assert found.choice is None


@pytest.mark.parametrize(
    "text",
    [
        # a new time named beside the cancel: which? never a pick, never a cancel
        "Please take me off for Tuesday, I've decided to wait",
        "Thursday please - actually no, take me off, I've changed my mind",
    ],
)
def test_while_moving_a_cancel_beside_a_new_day_is_asked(text: str) -> None:
    found = _about_booked(text, State.RESCHEDULING)
    assert found.kind is ReplyKind.UNCLEAR
    assert found.choice is None


def test_while_moving_a_plain_pick_of_a_new_time_stands() -> None:
    found = _about_booked("Thursday please", State.RESCHEDULING)
    assert (found.kind, found.choice) == (ReplyKind.PICK, 2)


# -- other languages: short replies are recognised; a number in them is checked -------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("El 2 me viene perfecto", 2),
        ("Hola Anna,\n\nEl 2 me viene perfecto.\n\nGracias,\nLucía", 2),
        ("Le 2 me convient", 2),
        ("Le vendredi me convient", 3),
        ("Die 2 passt mir gut", 2),
        ("Il 2 va benissimo", 2),
        ("Número 2, por favor", 2),
    ],
)
def test_a_short_pick_in_another_language_is_a_pick(text: str, choice: int) -> None:
    assert _picks(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        # review: a number beside words that turn it down, in their language
        "2. Non, je ne peux pas",
        "Option 2 ne me convient pas",
        "1 - leider nicht möglich",
        "2 - het past niet",
        "El 2 no me viene bien",
        "Le 3 ne me convient pas",
        "El 2 me viene perfecto, pero ¿puede ser a las 11?",
        # a date, not an option's number
        "Le 2 décembre me convient",
        "El 2 de diciembre me va bien",
        "Am 2. Dezember passt es mir",
    ],
)
def test_a_number_turned_down_or_a_date_in_another_language_is_no_pick(
    text: str,
) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Ciao Anna,\n\nsì, mi piacerebbe molto iniziare. Grazie ancora.\n\nGiulia",
        "Hola, me gustaría empezar. Gracias por la llamada",
        "Bonjour, j'aimerais bien commencer. Merci",
        "Hallo, ich möchte gerne anfangen. Danke",
    ],
)
def test_wanting_to_start_in_another_language_is_a_yes(text: str) -> None:
    assert read_followup_answer(text) is Answer.YES


@pytest.mark.parametrize(
    "text",
    [
        "Sì, mi piacerebbe iniziare, ma quanto costa una seduta?",
        "Me gustaría empezar, pero depende del precio",
        "J'aimerais commencer mais combien coûte une séance ?",
        "Ich möchte anfangen, aber was kostet es?",
    ],
)
def test_a_yes_with_a_condition_in_another_language_goes_to_the_therapist(
    text: str,
) -> None:
    assert read_followup_answer(text) is Answer.QUESTION


@pytest.mark.parametrize(
    "text",
    ["works for me", "Thanks, see you then", "No, that day is no good for me"],
)
def test_english_replies_stay_english(text: str) -> None:
    assert language_of(text) is None


# -- after a booking: plain words that cancel (review set: scrap, remove me, leave it) --


@pytest.mark.parametrize(
    "text",
    [
        "Please scrap the call",
        "I'm going to leave it, thanks for your time",
        "please remove me, I don't want the call",
        "I don't think I'll be able to make it on Wednesday, sorry. Could we leave it "
        "for now and I'll get back in touch in the new year?",
        "I'm going to leave it, I've found someone closer to home",
        "Can you scrap the call? I've decided to wait",
    ],
)
def test_plain_words_that_cancel_a_booked_call_cancel_it(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "Leave it as it is, thanks",
        "Can we leave it till Friday?",
        "Please don't scrap the call",
        "I don't want the call to be at 1.30 any more, can we do 3?",
        "Can we scrap it and do Friday instead?",
        "I'd rather not leave it too long",
        "Let's leave it at Wednesday then",
        "remove me from the cc please",
    ],
)
def test_the_same_words_keeping_or_moving_the_call_never_cancel(text: str) -> None:
    assert _about_booked(text).kind is not ReplyKind.CANCEL


# -- after a booking: cancel and book again is a move (the booking stands) -------------


# -- the therapist: "can you cancel it?" and "scrap the call" cancel; unsure asks --------


def _therapist_booked(text: str):  # type: ignore[no-untyped-def]
    return read_therapist_answer(State.BOOKED, text, today=TODAY, booking_only=True)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Can you cancel this?", ""),
        ("Can you cancel it? Something's come up.", "Something's come up."),
        ("can you cancel this? I've double-booked myself", ""),
        ("Could you cancel the call please? I'm unwell", "I'm unwell"),
        (
            "Can you cancel this? Please tell her I'm sorry and I'll be back in touch.",
            "",
        ),
        ("Please scrap the call", ""),
        ("scrap this one", ""),
        ("Scrap it, she's emailed me to say she can't make it", ""),
    ],
)
def test_the_therapists_plain_cancel_cancels_with_only_words_for_the_person(
    text: str, note: str
) -> None:
    answer = _therapist_booked(text)
    assert answer is not None
    assert (answer.decision, answer.note) == (Decision.CANCEL, note)


@pytest.mark.parametrize(
    "text",
    [
        "Should I cancel it?",
        "Can I cancel it?",
        "Can you cancel it if she doesn't confirm?",
        "Can you cancel the reminder?",
        "Do you want me to cancel it?",
        "Could you cancel it? Actually no, leave it",
        "Should we scrap it?",
        "I'll scrap it later",
        "scrap that, she rang, all fine",
        "scrap the reminder",
    ],
)
def test_the_therapists_unsure_cancel_asks_them(text: str) -> None:
    answer = _therapist_booked(text)
    assert answer is not None
    assert answer.decision is Decision.UNCLEAR
    assert answer.cancel_asked


def test_the_therapist_asking_not_to_cancel_does_nothing() -> None:
    answer = _therapist_booked("Can you not cancel it?")
    assert answer is None or answer.decision is not Decision.CANCEL


# -- the therapist's "ignore": private only when it is about the person ----------------


@pytest.mark.parametrize(
    "text", ["No. Ignore her.", "no, ignore", "No - ignore this one"]
)
def test_ignore_the_person_stands_down_quietly(text: str) -> None:
    assert read_therapist_reply(text, today=TODAY).decision is Decision.PRIVATE


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        # "ignore my last email" is about the therapist's own mail: the rest decides
        ("No sorry, ignore my last email, I'm away that week", Decision.DECLINE),
        ("Ignore my last reply - yes, book it", Decision.APPROVE),
        ("ignore that, I can do Thursday at 2 instead", Decision.PROPOSE),
        # "ignore" with nothing to say who or what: asked
        ("ignore", Decision.UNCLEAR),
        ("Please ignore", Decision.UNCLEAR),
    ],
)
def test_ignore_of_the_therapists_own_mail_is_no_stand_down(
    text: str, decision: Decision
) -> None:
    assert read_therapist_reply(text, today=TODAY).decision is decision


@pytest.mark.parametrize(
    "text",
    [
        "Please cancel and rebook me for next week, I've got a hospital appointment that day.",
        "I need to cancel this time but I still want the call - could you send me some "
        "other options?",
        "Please cancel my Wednesday call and book me in for Friday instead",
        "Please cancel and send me some new times",
    ],
)
def test_cancel_and_book_again_is_a_move(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Please cancel, I've found someone else instead", ReplyKind.CANCEL),
        ("Please cancel, I don't want another time", ReplyKind.CANCEL),
        # withdrawing, or rebooking only one day: never a move, never a guess
        (
            "Please cancel, I've changed my mind - maybe rebook another time",
            ReplyKind.UNCLEAR,
        ),
        ("Cancel it please, I'll rebook when I'm ready", ReplyKind.UNCLEAR),
    ],
)
def test_a_cancel_without_asking_to_book_again_is_no_move(
    text: str, kind: ReplyKind
) -> None:
    assert _about_booked(text).kind is kind


# -- before a booking: withdrawing in plain words ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Actually I've managed to get an appointment through my GP's talking therapies "
        "service so I won't need the call after all. Thanks anyway",
        "Please ignore my earlier email, I've sorted something else out now. Thanks "
        "for replying though.",
        "I've arranged something else, thanks",
        "not for me right now i think. sorry",
        "not for me, sorry",
        "I won't need the call after all",
    ],
)
def test_withdrawing_in_plain_words_withdraws(text: str) -> None:
    assert _offer(text).kind is ReplyKind.CANCEL


@pytest.mark.parametrize(
    "text",
    [
        "Could you do something else? none of those work",
        "Can we do something else? I've got work",
        "Tuesday's not for me right now",
        "not for me that one, have you got anything later?",
        "I won't need the call to be long, 2 please",
        "Have you got something else? I've booked something else on Tuesday",
    ],
)
def test_asking_for_something_else_or_turning_one_time_down_is_no_withdrawal(
    text: str,
) -> None:
    assert _offer(text).kind is not ReplyKind.CANCEL


# -- after the therapist cancelled: "new times would be great" ---------------------------


def _after_cancel(text: str):  # type: ignore[no-untyped-def]
    return read_person_answer(
        State.CANCELLED, text, offered=(), zones=[LONDON], region="GB", today=TODAY
    )


@pytest.mark.parametrize(
    "text",
    [
        "Oh no worries, hope all's ok. Yes, new times would be great",
        "No problem. Could you send some for next week? Mornings are best",
        "No worries, please send some new times",
        "No worries. Could you send me a few more?",
        "new times please",
    ],
)
def test_asking_for_new_times_after_a_cancel_says_yes(text: str) -> None:
    found = _after_cancel(text)
    assert found.yes or found.kind in {ReplyKind.NONE_FIT, ReplyKind.RESCHEDULE}
    assert not found.declines


@pytest.mark.parametrize(
    "text",
    [
        "Please don't send any more times, I've found someone",
        "no new times needed thanks",
        "I don't think new times would be helpful right now",
    ],
)
def test_turning_new_times_down_after_a_cancel_declines(text: str) -> None:
    assert _after_cancel(text).declines


@pytest.mark.parametrize(
    "text",
    ["Could you send me some info about fees instead?", "New times aren't needed"],
)
def test_other_requests_after_a_cancel_are_no_yes(text: str) -> None:
    assert not _after_cancel(text).yes


# -- the follow-up: a limit on when is a condition; a wish said flexible is none -------


@pytest.mark.parametrize(
    "text",
    [
        "I have given it some thought and would like to start, although I can only do "
        "evenings after 6 because of work - I hope that is possible.",
        "Yes please, I'm only free on Mondays",
        "Yes please, Tuesday evenings if you have them",
        "Yes, I'm flexible, but only if it's online",
        "Yes, as long as you have evenings. I'm flexible on days",
    ],
)
def test_a_yes_with_a_limit_on_when_goes_to_the_therapist(text: str) -> None:
    assert read_followup_answer(text) is Answer.QUESTION


@pytest.mark.parametrize(
    "text",
    [
        "Yes - thank you. Tuesday evenings would be ideal if you have them, but I can "
        "be flexible.",
        "yes please - evenings are best but I'm flexible",
        "Yes! I can only say thank you",
    ],
)
def test_a_yes_with_a_flexible_wish_is_a_yes(text: str) -> None:
    assert read_followup_answer(text) is Answer.YES


# -- fresh3's families: hedges, reluctance, phones beside a pick, weeks, other days -----


@pytest.mark.parametrize(
    "text",
    [
        "the 5pm on Friday is a bit early but I can do it if nothing else",
        "I'd like number 2 but I might have to work that day, can I let you know tomorrow?",
        "2 at a push",
        "Friday at 5 as a last resort",
        "3 please, but I'll let you know tomorrow for sure",
    ],
)
def test_a_hedged_or_reluctant_pick_is_asked(text: str) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("2 please, I'll let you know if anything changes", 2),
        ("Tuesday 10am - my number's 07700 900 888", 1),
        ("Friday at 5. Mobile: 07700 900 123", 3),
    ],
)
def test_a_pick_with_a_courtesy_or_a_phone_number_is_a_pick(
    text: str, choice: int
) -> None:
    assert _picks(text) == choice


def test_a_day_turned_down_beside_a_phone_number_is_still_asked() -> None:
    assert _picks("Tuesday is tricky - 07700 900888") is None


def test_an_answer_typed_under_a_quoted_time_with_yes_please_picks_it() -> None:
    text = (
        "On Sat, 28 Nov 2026 at 10:07, Ruth <ruth@example.com> wrote:\n"
        ">   1. Tuesday 1 December at 10:00\n"
        ">   2. Wednesday 2 December at 13:30\n\n"
        "yes please, this one\n\n"
        ">   3. Friday 4 December at 17:00\n"
    )
    assert _picks(text) == 2


@pytest.mark.parametrize(
    ("text", "not_before"),
    [
        ("Could you send some times for the week of the 15th?", date(2026, 12, 14)),
        (
            "I'm on holiday the week of the 1st - could we look at the week after?",
            date(2026, 12, 7),
        ),
        (
            "w/c 7th would be better, could you send me some other times?",
            date(2026, 12, 7),
        ),
    ],
)
def test_a_week_named_is_no_number_and_bounds_the_fresh_times(
    text: str, not_before: date
) -> None:
    found = _offer(text)
    assert found.kind is ReplyKind.NONE_FIT
    assert found.preference.not_before == not_before


def test_a_week_named_without_asking_for_times_is_no_pick() -> None:
    assert _picks("the week of the 2nd is fine") is None


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("Could we do Wednesday but a bit earlier? 1.30 is tricky with lunch", 2),
        ("Tuesday - a bit later?", 1),
    ],
)
def test_an_offered_day_at_another_time_asks_for_times_that_day(
    text: str, weekday: int
) -> None:
    found = _offer(text)
    assert found.kind is ReplyKind.NONE_FIT
    assert found.preference.weekdays == frozenset({weekday})


def test_an_offered_day_or_perhaps_later_is_asked() -> None:
    assert _offer("Friday please, or a bit later if possible").kind is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Sorry, I won't be able to make Wednesday. Friday any good?",
        "I can't make Wednesday. Friday?",
    ],
)
def test_not_coming_then_asking_about_another_day_is_a_move(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.RESCHEDULE


@pytest.mark.parametrize(
    "text",
    [
        "Is Wednesday any good still?",
        "I can't make it. Is that ok?",
        "I can't make Wednesday, sorry",
    ],
)
def test_the_booked_day_asked_about_or_not_coming_alone_is_asked(text: str) -> None:
    assert _about_booked(text).kind is ReplyKind.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I'm so sorry, I've realised I can't really afford therapy right now so I'd "
        "better not take up your time.",
        "I don't want to take up any more of your time, I've decided against it",
    ],
)
def test_not_taking_up_your_time_withdraws(text: str) -> None:
    assert _offer(text).kind is ReplyKind.CANCEL


def test_affording_the_time_of_day_is_no_withdrawal() -> None:
    assert _offer("I can't afford to take time off in the day, evenings?").kind is not (
        ReplyKind.CANCEL
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes definitely, thank you. When's your next available slot?", Answer.YES),
        ("sí, me gustaría empezar. ¿Cuándo podemos?", Answer.YES),
        ("Oui, j'aimerais commencer. Quand pouvons-nous commencer ?", Answer.YES),
        ("sí, me gustaría empezar. ¿Cuánto cuesta?", Answer.QUESTION),
        ("Yes definitely. When's your next slot, and how much is it?", Answer.QUESTION),
    ],
)
def test_asking_when_to_start_is_no_condition(text: str, answer: Answer) -> None:
    assert read_followup_answer(text) is answer


# -- hard negatives for the families above ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Tuesday. I'm away",  # short: an answer, even with no time word in it
        "I could do Tuesday if I move my shift",  # their own "if"
        "Tuesday please. Unfortunately I'm away a lot for work so evenings are hard",
    ],
)
def test_short_turn_downs_and_own_ifs_still_ask(text: str) -> None:
    assert _picks(text) is None


@pytest.mark.parametrize(
    "text",
    ["Tuesday please, if I may", "Tuesday please, if I'm honest mornings are best"],
)
def test_polite_ifs_of_ones_own_still_pick(text: str) -> None:
    assert _picks(text) == 1


def test_remove_me_from_the_reminders_is_no_cancel() -> None:
    found = _about_booked(
        "Can you remove me from the reminder emails? See you Wednesday"
    )
    assert found.kind is not ReplyKind.CANCEL
