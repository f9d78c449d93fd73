"""The wish not to wake up, in the ways people say it; and sleep talk beside it.

Passive ideation is most often said about sleep, and often through an idiom
whose negative affirms it ("it wouldn't be the worst thing if I didn't wake
up", "I don't care if I never wake up"): read as a denial, it went unnoticed
and the person was sent times with nobody told. The wish itself is clear risk,
as "I hope I just don't wake up" always was (the corpus labels such mail a
crisis); the conditional and the disappointment of waking are possible risk,
as "if I just didn't wake up" was: the therapist is told and approves. Beside
them, the sleep of ordinary mail (alarms, early mornings, insomnia, a child's
night terrors) stays no risk at all; an insomniac's "I wish I didn't wake up at
4am" was read as a wish to die.
"""

from __future__ import annotations

import pytest

from mailflow.reading.screen import Risk, screen

WISH = [
    "Sometimes I wish I could go to sleep and not wake up.",
    "some nights i wish i could just fall asleep and never wake up",
    "i keep hoping i won't wake up",
    "part of me hopes I don't wake up",
    "I pray I don't wake up most nights",
    "I'd be ok with not waking up.",
    "Honestly I'd be fine never waking up.",
    "some nights I hope I just don't wake up",
    "I wished I wouldn't wake up, every night last week.",
    "I wish I'd never wake up.",
    "I wish I could just not wake up.",
    "I go to bed hoping not to wake up.",
    "I wouldn't mind never waking up.",
    "I hope I don't wake up the next morning.",
]

# Said before this family was added, and still clear risk (the sleep-talk
# exceptions must not hide them).
KEPT = [
    "I don't want to wake up for the rest of my life.",
    "I don't want to wake up for a long time.",
    "I just want to go to sleep and not wake up for a while.",
    "Most mornings I don't want to wake up early or at all.",
    "I pray I don't wake up for the next day.",
    "I hope I don't wake up in the morning.",
    "I wish I could sleep and never wake up again.",
    "I hope I don't wake up until it's all over.",
    "I just hope I never wake up feeling like this.",
    "I hope I don't wake up the day after.",
    "I hope I never wake up to the pain again.",
    "I wish I could go to sleep and not wake up to a world without him.",
    "I hope I don't wake up in the middle of all this again.",
]

CONDITIONAL = [
    "Some days I get into bed and think it wouldn't be the worst thing if I just"
    " didn't wake up.",
    "honestly i wouldnt mind if i didnt wake up tomorrow",
    "I wouldn't care if I never woke up.",
    "It would not be a bad thing if I didn't wake up, is how I feel most nights.",
    "tbh it wouldn't be the end of the world if i just didn't wake up one day",
    "I don't care if I don't wake up in the morning anymore.",
    "it wouldnt bother me if i never woke up",
    "Some mornings I'm disappointed that I woke up.",
    "gutted i woke up again today tbh",
    "I think it'd be easier if I just didn't wake up.",
    "It would be no great loss if I didn't wake up.",
    "I wouldn't care if I died.",
    "honestly i wouldnt care if i got hit by a bus",
    "I'm not suicidal but I wouldn't care if I didn't wake up.",
    "If I just didn't wake up for a few days it'd be a relief.",
    "I couldn't care less if I died.",
    "I don't care if I die.",
    "It wouldn't matter if I didn't wake up.",
    "I wouldn't be sad if I didn't wake up.",
    "I'm disappointed every time I wake up.",
    "I'm sorry that I still wake up.",
    "I'm angry that I woke up again.",
    "I'm sad when I wake up and realise I'm still here.",
]

SLEEP = [
    "I wouldn't be surprised if I didn't wake up in time for an 8am call, so later"
    " is better.",
    "I don't mind if it's early, I wake up at 6 anyway.",
    "It wouldn't be the worst thing if we did the call on Zoom.",
    "I wouldn't mind an evening slot if you have one.",
    "My alarm is useless, if I didn't wake up on time I'd miss it, so afternoons"
    " please.",
    "I don't care if it's a phone call or video.",
    "I never wake up before 9 on weekends so a weekday would be best.",
    "My son has night terrors and some nights he doesn't wake up even when he screams.",
    "I wish I could sleep through the night without waking up at 3am.",
    "I'd love to not wake up at 4am every day worrying about work.",
    "I wish I didn't wake up at 4am every night, it's wrecking me.",
    "I hope I don't wake up early tomorrow, I need the sleep.",
    "i wish i could sleep and not wake up till noon on a saturday",
    "I'm not suicidal and I've never wished I wouldn't wake up, I just can't sleep.",
    "Some mornings I'm annoyed that I woke up so early.",
    "It wouldn't be the end of the world if I missed the first call.",
    "I don't care if it's a bus or a train, I'll get there.",
    "I hoped I wouldn't wake up the baby with the phone.",
    "I was hoping I wouldn't wake up my partner, so evenings are better.",
    "I'm ok with not waking up the kids, so a daytime call is best.",
    "I'm fine not waking up before 9, so any afternoon works.",
    "I'd be happy not waking up at the crack of dawn for a call.",
    "I wish I could go to sleep and not wake up in a panic.",
    "I wish I could go to sleep and not wake up feeling so anxious.",
    "Sorry I woke up with a migraine and missed your email.",
    "Sorry I woke up too late to call you back.",
    "I was sad to wake up to the news that you're fully booked.",
    "I get angry when I wake up and the kids have made a mess.",
    "I'm upset that I woke up the baby.",
]


@pytest.mark.parametrize("text", WISH)
def test_the_wish_not_to_wake_is_clear_risk(text: str) -> None:
    said = screen(text)
    assert (said.risk, said.families) == (Risk.CLEAR, ("suicidal",))


@pytest.mark.parametrize("text", KEPT)
def test_what_was_clear_risk_before_stays_clear(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", CONDITIONAL)
def test_the_conditional_and_the_disappointment_are_possible_risk(text: str) -> None:
    said = screen(text)
    assert (said.risk, said.families) == (Risk.POSSIBLE, ("dark-thoughts",))


@pytest.mark.parametrize("text", SLEEP)
def test_the_sleep_of_ordinary_mail_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


def test_said_as_no_plan_it_stays_possible_and_goes_to_the_therapist() -> None:
    # A held-out case's words: the idiom with no plan and no intent is told
    # to the therapist (possible risk), not answered with the safety message.
    said = screen(
        "Some days I get into bed and think it wouldn't be the worst thing if I"
        " just didn't wake up. I'm not going to do anything and I don't have any"
        " plans, I want to be really clear. Do you have any evening slots?"
    )
    assert said.risk is Risk.POSSIBLE
