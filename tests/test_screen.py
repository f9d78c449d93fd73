"""Safety screening of a person's words (mailflow.reading.screen): families, not sentences.

Beside the corpus (`make understand`), these pin the readings a careful
receptionist would never get wrong: everyday wording that must not send the
safety message, and the ways people say the real thing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailflow.reading.screen import Risk, screen

ORDINARY = [
    "My partner pushed me to get in touch. Could I book a free call?",
    "could we talk before then?",
    "work have agreed to fund it so that's sorted",
    "I tried this before with another counsellor and it didn't really click.",
    "Before I decide, could we have a quick call?",
    "I'm thinking of ending it with my boyfriend, it's been coming for a while.",
    "I passed out at a panic attack in the supermarket last month.",
    "nobody would notice if I left the party early",
    "I'm going to give my dog to my sister while I'm away.",
    "This commute is killing me and the deadline is killing me too.",
    "I'm dying to get started, honestly.",
    "I'd rather die than do another presentation.",
    "I'm not suicidal, I'm just stuck and tired.",
    "My brother died by suicide last year and I'm struggling with grief.",
    "No thoughts of harming myself or anyone else.",
    "Any current risk (self-harm / suicidal thoughts): None",
    "I've been cutting back on drinking since January.",
    "I hurt myself at the gym in the autumn and it's getting me down.",
    "I've decided to start therapy at last.",
    "I don't feel unsafe, it's just stress.",
    "Shoot me an email when you have a moment.",
    "I could murder a coffee.",
    "I can't go on like this with my job, I need to talk about a career change.",
    "I overdosed on coffee this morning lol.",
]

CLEAR = [
    "Most days I feel low or suicidal.",
    "No one knows I've been self-harming.",
    "Not a day goes by where I don't think about killing myself.",
    "I don't think I can keep myself safe tonight.",
    "I'm not sure I want to be alive.",
    "i wana die",
    "I sometimes think my family would be happier if I wasn't around.",
    "I have the pills saved up.",
    "some nights I hope I just don't wake up",
    "everyone would be better off without me",
    "I want it all to stop",
    "I can't do this anymore",
    "I took too many of my pills on Friday, I'm ok now but scared of myself",
    "I've started cutting again",
    "sucidal again tonight",
    "honestly i just wanna kms",
    "thinking about unaliving myself",
    "my partner hit me again and I don't feel safe at home",
    "my ex keeps turning up outside my work",
    "he had his hands round my neck until i nearly blacked out",
    "My son said he wants to kill himself and that nobody would miss him.",
    "I've given my cat to my neighbour. You don't need to reply.",
    "Honestly I'm not sure I'll still be here next week.",
    "I've written letters to my kids and I've decided this weekend is it.",
    "I don't see the point in living anymore.",
]

POSSIBLE = [
    "I self-harmed as a teenager but I'm fine now.",
    "Please don't call in the evenings, my husband will be home.",
    "Please don't leave a voicemail.",
    "He reads my email, so please only reply here.",
    "I've had some very dark moments, though I'm through the worst.",
    "I attempted suicide in 2015 and have been well since.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_everyday_wording_is_not_a_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize("text", CLEAR)
def test_the_real_thing_is_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", POSSIBLE)
def test_history_and_safety_needs_are_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


def test_a_safety_need_is_kept_in_their_own_words() -> None:
    found = screen(
        "Hi! Mornings suit. Please don't call in the evenings, my husband will be home."
    )
    assert found.note == "Please don't call in the evenings, my husband will be home."


def test_quoted_lines_can_be_left_out() -> None:
    quoted = "Thanks, Tuesday works.\n> If you are in danger now, call 999."
    assert screen(quoted, quoted=False).risk is Risk.NONE


def test_the_practices_own_phrases_are_clear_risk() -> None:
    assert screen("ich will nicht mehr leben").risk is Risk.NONE
    found = screen("ich will nicht mehr leben", extra_phrases=("nicht mehr leben",))
    assert found.risk is Risk.CLEAR


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_screening_never_raises_and_families_carry_no_words(text: str) -> None:
    found = screen(text)
    assert all(name.replace("-", "").isalpha() for name in found.families)


@pytest.mark.parametrize(
    ("text", "known_risk", "known_note", "news"),
    [
        ("Please don't leave a voicemail.", "none", None, True),
        (
            "Please don't leave a voicemail.",
            "possible",
            "Please don't leave a voicemail.",
            False,
        ),
        (
            "He reads my email, so please only reply here.",
            "possible",
            "no voicemail",
            True,
        ),
        ("I've had some very dark moments again.", "possible", "no voicemail", True),
        ("Thanks, Tuesday works.", "none", None, False),
    ],
)
def test_a_possible_risk_is_news_once_per_need(
    text: str, known_risk: str, known_note: str | None, news: bool
) -> None:
    from mailflow.reading.screen import is_news

    assert is_news(screen(text), known_risk, known_note) is news


# Someone at home is a safety need, however it is said: a false alarm costs the
# therapist an approval, a missed need may mean ringing a house where an abusive
# partner answers. ("Some days I don't speak to anyone until my husband gets
# home" is flagged too, and that is the accepted price.)
HOME_LIMITS_CONTACT = [
    "Please don't call in the evenings, my husband will be home.",
    "Don't ring after 6, he gets home then.",
    "My partner is home at weekends so please only text me.",
    "I can't talk once my husband is back, so mornings only please.",
    "He's home from 5, please don't phone after that.",
    "Could you email rather than call? My wife is around all day.",
    "my boyfriend gets home at 4 and i can only speak before then",
    "Please don't leave a voicemail, my dad is in the house a lot.",
    "My husband is home, please don't call.",
    "please email. husband is home",
    "Can we keep it to email?\n\nMy partner is home a lot.",
    "He gets back at 6 so anytime before that is fine.",
    "my partner gets home at half 5 so any time before then is fine",
    "mornings are best, my husband is home from 1",
    "sorry to be a pain but my husband is home on fridays so could we avoid fridays",
    "my husband's home most days so email is best",
    "He'll be home by 6, please ring before.",
    "he's back from work at 6, don't call after",
    "He gets back from the office at 5 so before then please.",
]


@pytest.mark.parametrize("text", HOME_LIMITS_CONTACT)
def test_someone_at_home_is_a_safety_need(text: str) -> None:
    found = screen(text)
    assert (found.risk, found.families) == (Risk.POSSIBLE, ("contact-safety",))


@pytest.mark.parametrize(
    "text",
    [
        "ASIST suicide intervention skills training, 9:30-4:30",
        "Self-harm CPD webinar for counsellors",
        "Overdose awareness session at the community centre",
        "Suicide and self-harm training for school staff",
    ],
)
def test_training_is_a_topic(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "After the overdose training I realised I want to overdose myself.",
        "Since the suicide awareness day I can't stop thinking about killing myself.",
        "I did a self-harm workshop at work and I've been cutting again since.",
        "I want to overdose and skip training tomorrow.",
        "I'm going to overdose, training or no training.",
        "My family almost lost me to suicide last month.",
        "I've nearly lost myself to suicide.",
        "I'm scared I'll be lost to suicide like my brother.",
    ],
)
def test_risk_beside_a_training_is_still_risk(text: str) -> None:
    assert screen(text).risk is not Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "She's back at uni now and the house is quiet.",
        "She'll be back at work on Monday.",
        "My husband is back at work after his operation.",
    ],
)
def test_someone_back_at_work_or_uni_is_no_safety_need(text: str) -> None:
    """Back at work is away: no one at home. (Back *from* work is home.)"""
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "When I get home I'm going to take all my pills.",
        "I want to take all my tablets.",
        "I'm home alone with the pills and I want to take them all.",
        "going 2 take all my pills",
    ],
)
def test_meaning_to_take_all_ones_pills_is_possible_risk(text: str) -> None:
    """No time or end said: the therapist is alerted and approves."""
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize(
    "text",
    [
        "I'm thinking about taking all of my sertraline at once",
        "im gonna take the whole packet of paracetamol tonight",
        "I'll take all my pills tonight.",
        "I'm going to take all 30 of my tablets tonight.",
        "I could just take all my tablets and be done with it.",
        "I'm gonna take all my lithium tonight.",
        "I'm going to take all the acetaminophen in the cabinet tonight.",
    ],
)
def test_meaning_to_take_all_ones_pills_tonight_is_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I take all my pills every morning as prescribed.",
        "I'm going to take my tablets with food from now on.",
        "Remember to take all your tablets, the GP said.",
        "I'm going to take all my medication as prescribed.",
        "I'm going to take all the tablets back to the pharmacy.",
        "I'm going to take all my meds with me when I travel.",
        "We're about to take all the old medicine to the chemist for disposal.",
        "I'm tempted to take all my meds off the shelf and throw them away.",
        "I have three kids and I want to take them all to the session, is that ok?",
        "Thanks for the worksheets, I'm going to take them all with me on holiday.",
    ],
)
def test_taking_pills_as_prescribed_or_elsewhere_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "Many of my clients, especially the younger ones, are self-harming.",
        "My clients, who are mostly veterans, are often suicidal.",
        "My novel's main character, a nurse, self-harms.",
        "I have experience with anxiety, self-harm, overdose and bereavement.",
        "I've attended training on self-harm, suicide risk, and overdose.",
        "The documentary, which aired last night, was about self-harm.",
    ],
)
def test_a_topic_keeps_its_list_and_asides(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "After attending the suicide prevention workshop, the suicidal thoughts came back.",
        "Since attending the self-harm CPD, my urges to cut have come back.",
        "Been to a self harm workshop, cutting again.",
        "Having attended the CPD on self-harm, suicidal thoughts are back every day.",
        "I need suicide intervention, not a waiting list.",
    ],
)
def test_a_training_named_before_a_comma_does_not_hide_their_own_risk(
    text: str,
) -> None:
    assert screen(text).risk is not Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "He's back to working from home so I can't talk on the phone.",
        "He's back to work from home on Mondays so please email.",
    ],
)
def test_back_to_working_from_home_is_someone_at_home(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


# -- crisis in ordinary words (the blind set of 2026-12): each family said in
# several ways, none of them the blind set's own sentence, with its hard
# negatives beside it.

ORDINARY_WORDS_CLEAR = [
    # meaning to end it, in speech
    "honestly im gonna end it soon, i cant keep doing this",
    "I think I'll just end it all this weekend.",
    "i'm ready to end it, I've had enough",
    # a drive or a walk meant as the end
    "I walked down to the river on Sunday meaning never to come back.",
    "Last week I drove to the coast intending not to return.",
    # the platform, the bridge
    "I really thought about stepping off at the station this morning.",
    "I've decided I'm going to go to the bridge if nothing changes.",
    # a plan and a day
    "I've made a plan and I've picked a date.",
    "There's a plan now, I've chosen the day.",
    # the means put by, or taken
    "I've taken enough from the ward to do it.",
    "i bought enough paracetamol to do it and it's in my bag",
    "Last night I had the barrel against my head for an hour.",
    "I sit up with the rifle loaded, just thinking.",
    # a way out through the insurance
    "The life insurance pays out either way, so they'd be fine.",
    "My family would be better off with the insurance money.",
    # medicine or food stopped on purpose
    "I've stopped taking my insulin on purpose.",
    "I've not been taking my heart pills deliberately, so I can go.",
    "I haven't eaten or drunk anything for three days on purpose.",
    # someone else's means found
    "I found a noose in the loft.",
    "I came across some rope hidden under her bed.",
    "He's been saving them rather than taking them for weeks.",
    # a goodbye arranged
    "I don't want the kids to be the one to find me.",
    "I've written letters to my daughters and put them in the bedside drawer.",
    "Sorry for everything. Please look after Milo for me.",
    "I've got everything in order and the will is done.",
    "I made my will last week and I'm weirdly calm.",
    # danger from others
    "My uncle threatened my little brother with a hammer last night.",
    "He said he'd burn the flat down with us inside.",
    "my stepdad hits her when he's drunk and he's home soon",
    # the spelling of myself
    "i want to kill myslef",
]

ORDINARY_WORDS_NONE = [
    "I'll end it there, thanks for reading this far.",
    "I'm going to end it with him this week, the relationship is over.",
    "I want to end it on a good note with my sister.",
    "I didn't plan to come back to counselling but here I am.",
    "I thought about stepping off the committee, it's too much.",
    "I stood at the end of the platform waiting for my train and panicked.",
    "We're going to drive to the cliffs for a walk on Sunday.",
    "I'm off to the bridge club on Tuesdays so evenings are hard.",
    "I've made a plan to save up for sessions.",
    "We've picked a date for the wedding and I'm anxious about it.",
    "I've saved enough to do it properly, weekly if you have space.",
    "I've taken enough time off to do it.",
    "My husband works in life insurance and is never home.",
    "My late husband's life insurance paid out and we're okay financially.",
    "I stopped taking my sertraline because of the side effects, my GP knows.",
    "I found some rope in the garage and built the kids a swing.",
    "Sorry for the long email.",
    "Sorry for everything I've put in this email, it's a lot.",
    "Could you look after my details for me while I think it over?",
    "I've got everything in order for the move next week.",
    "My dad hits the ball miles, we play golf together, but we argue.",
    "She denies any thoughts of self-harm or suicide.",
    "I'm doing a module on suicide and self-harm research.",
    "I'd be lying if I said it hadn't crossed my mind to try therapy before.",
    "I love you all, I tell my kids every night, but I'm struggling as a parent.",
    "I'm weirdly calm about it all now that I've decided to get help.",
]

ORDINARY_WORDS_POSSIBLE = [
    # passive wishes said with what holds them back: safety, not crisis
    "Some days I wish I could not wake up, but I'd never do anything, my kids need me.",
    "I won't do anything silly but it has crossed my mind.",
    "I'd be lying if I said it hadn't crossed my mind.",
    # self-harm as history, urges returning
    "I used to cut in my teens.",
    "The urges have come back lately.",
    # a goodbye arranged, once
    "I've written letters to my boys.",
    # away from danger now
    "I'm staying with my sister after leaving a violent partner. Please only email.",
]


@pytest.mark.parametrize("text", ORDINARY_WORDS_CLEAR)
def test_crisis_in_ordinary_words_is_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", ORDINARY_WORDS_NONE)
def test_the_same_words_about_something_else_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize("text", ORDINARY_WORDS_POSSIBLE)
def test_held_back_wishes_history_and_past_danger_are_possible_risk(
    text: str,
) -> None:
    assert screen(text).risk is Risk.POSSIBLE


# -- the second blind set's families (2026-12), in other words than its own

SECOND_SET_CLEAR = [
    "I don't expect to be around by the spring, and that's fine.",
    "i won't be here for my birthday",
    "this is the night, I think. sorry",
    "I've decided I'm done.",
    "I'm giving it till the weekend and then that's that.",
    "If nothing changes, I'm gone.",
    "I'm sick of being a burden to everyone.",
    "Don't come looking for me.",
    "I've packed everything I'd need to go through with it.",
    "I keep thinking about walking out into the river.",
    "The kids would be better off with their gran, without me.",
    "my pills are all counted out on the bedside table",
    "He bought a length of hose for the car exhaust.",
    "I bought a gun last month and haven't told anyone.",
    "I've been stockpiling my tramadol.",
    "I'll keep not eating until I don't wake up.",
    "im on the bridge now",
    "Every night I sit in the car park working up the nerve.",
    "Last week I got as far as the edge.",
    "She said she'd jump off the multi-storey.",
    "I found his searches about nooses.",
    "He says he'll drive the car into a wall and we'd all be better off.",
    "I'm furious it didn't work.",
    "I took an overdoes on Saturday.",
    "took everything in the medicine cupboard last night",
    "I punch my fists against the wall until they bleed.",
    "He said he's going to finish me when he finds me.",
    "I'm hiding in the bathroom from him.",
    "My stepdad comes into my room at night.",
    "He says if I tell anyone he'll hurt me or worse.",
    "He's got the kitchen knife again and the kids are upstairs.",
    "I nearly died of an overdose last week.",
]

SECOND_SET_POSSIBLE = [
    "Sometimes I think everyone would cope fine without me, but I'm not going to do anything.",
    "Some nights I'd like to close my eyes and be with her.",
    "It would be easier not to exist, though I'd never act on it.",
    "I've stopped taking my insulin.",
    "My son takes my pension card every week.",
    "Please text me rather than ringing, he listens to my calls.",
    "Reply here rather than my personal email please.",
    "Please don't leave a message, my phone is sometimes with him.",
    "Make sure nothing is posted to my home address, he opens all the post.",
    "I had a sudden thought about jumping in front of the train, I wouldn't, I'm not like that.",
]

SECOND_SET_NONE = [
    "My mum died of an overdose when I was eight.",
    "My dad died from an accidental overdose in 2009.",
    "I'll be on the bridge now and then, it's my commute.",
    "We won't be here for Christmas, we're in Spain.",
    "I've decided I'm doing it: booking therapy at last.",
    "This is the night I finally write to someone about it.",
    "I'm working up the nerve to ask my boss for a raise.",
    "That's the edge of my comfort zone.",
    "I'm raging that the diet didn't work.",
    "I bought a gun safe for my dad's old rifle when he died.",
    "Could you let me know your fees and availability?",
]


@pytest.mark.parametrize("text", SECOND_SET_CLEAR)
def test_second_set_crisis_families_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", SECOND_SET_POSSIBLE)
def test_second_set_wishes_and_needs_are_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize("text", SECOND_SET_NONE)
def test_second_set_hard_negatives_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# -- from the review of the two sets' families: what an exception must never
# hide, and the small variations of a hard negative that must stay calm.

NEVER_HIDDEN = [
    "I'm going to end it here.",
    "I want to end it with the pills I've saved.",
    "I'm going to end it with a rope in the garage.",
    "I'm dying of an overdose, please help.",
    "I've been reading about suicide every night.",
    "Denied any thoughts of suicide to my GP but they are there every day.",
    "After leaving an abusive partner he found me again and says he's going to kill me.",
    "I'm doing ok now but I want to die.",
    "I've stopped eating on purpose.",
    "She'd finish me if she knew.",
    "I stopped taking my heart tablets on purpose and I have not told the doctor.",
    "I keep thinking about walking into the sea.",
    # the last read's table: each was hidden by a narrowing, for a while
    "He hits her at night.",
    "He beats her every night.",
    "My stepbrother comes into my room at night.",
    "He told me if I tell anyone he'll make me disappear.",
    "I don't plan to be here next year.",
    "I won't be around for Christmas, I'm in a bad place.",
    "Tonight is the night I do it.",
    "If nothing changes I'm going.",
    "I'm working up the courage to end it.",
    "I bought a gun, I'm not in a shooting club, it's for me.",
    "I bought a rope at the hunting shop, it's for me.",
    "I stopped my lithium deliberately, psychiatrist said it's dangerous but I don't care.",
    "Walking into the sea to swim away forever.",
    "I'm going to drive to Beachy Head.",
    "I'm planning never to come back to the house.",
    "I've set out all my pills.",
    "I've been collecting my pills for weeks.",
    "It's loaded, just waiting.",
    "I cut until it bleeds.",
    "I hit my head against the wall until it bleeds.",
    "I've made a plan.",
    # and the final read's, hidden for a while by the second narrowing
    "If nothing changes I'm going to do it.",
    "If nothing changes, that's it for me.",
    "If nothing changes I'm gone by Friday.",
    "Tonight is the night for it. I've got the pills.",
    "Tonight's the night of my death.",
    "This is the night for ending it.",
    "I won't be alive for Christmas, it's my last trip.",
    "I don't plan to be here next year, I'm moving on from this life.",
    "My stepfather comes into my room at night.",
    "He's been coming into my room at night.",
    "I'm hiding in the kitchen, he's going mad.",
    "If I told the police he would make me pay.",
    "I've got all my tablets set out on the table.",
    "My pills are all set out on the bedside.",
    "I've sorted out all my tablets.",
    "I've been collecting my tablets.",
    "I've been saving paracetamol.",
    "At Beachy Head now. Sorry.",
    "Working up the courage to try again.",
    "I'm going to walk into the sea for a last swim and not come back.",
    "I'm going to drive to the bridge for the last time.",
    "I have a plan.",
    "I made a plan.",
    "Loaded, just sitting here staring at it.",
    "My life insurance would pay off the mortgage, they'd be fine.",
    "I'm going to end it with her pills.",
    "I'm going to end it here, thanks for everything all of you.",
]

STILL_CALM = [
    "I've been working up the courage to do this for months.",
    "I'm collecting my meds on Friday.",
    "I've sorted out my meds with the GP.",
    "This is the night before my exam.",
    "If nothing changes, I'm going to leave my job.",
    "I walk into the sea for a cold-water swim.",
    "My husband bought a shotgun for clay pigeon shooting.",
    # (not here: "I won't be around for Christmas, I'm in Spain." reads as
    # clear risk; no cue tells "in Spain" from "in pain", and harm decides.)
    "We're on holiday near Beachy Head.",
    "I intended never to return to therapy.",
    "I've got a plan now, I'm going to start therapy.",
    "Would my life insurance still pay out?",
    "The van's loaded, just waiting for the movers.",
    "I'm going to drive to the Severn bridge for work.",
    "I hit my head on the door this morning.",
    "I'm hiding from my problems.",
    "My toddler keeps coming into my bed at night.",
    "If I tell anyone about my anxiety she'll think I'm weak.",
    "She always beats him at chess.",
    "He's got the knife block from the kitchen to take to the new flat.",
    "I stopped taking my sertraline deliberately, with my GP's support.",
    "She denies any thoughts of self-harm or suicide.",
]


@pytest.mark.parametrize("text", NEVER_HIDDEN)
def test_no_exception_hides_the_real_thing(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", STILL_CALM)
def test_variations_of_a_hard_negative_stay_calm(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# -- a third blind set (b4, 2026-12): the families its crises showed, each
# said in words of our own (never the corpus's sentences), and beside them the
# ordinary sentences that share their words; then what a review found the
# first version hid or alarmed on.

THIRD_SET_CLEAR = [
    # nobody's problem or burden much longer
    "I wont be a burden to anyone much longer.",
    "i won't be anybodys problem soon.",
    "I won't be a burden to my family for much longer, I've got it sorted.",
    # the least painful way read up on
    "Last night I was researching which methods are painless.",
    "I googled which way is least painful.",
    # the point of being here, however hedged
    "Honestly I cant see any point in still being here.",
    "i do not actually see the point of being alive",
    # tablets kept back, set out in front of them, lined up
    "I've been holding on to my meds rather than taking them, just in case.",
    "The pills are all out on the bed in front of me.",
    "I've lined the tablets up on the table.",
    # a promise not given
    "I don't think I'd do anything daft tonight but I couldn't promise.",
    # the rope or noose made ready
    "I've got the noose ready.",
    "the rope's sorted.",
    "i tied a rope up in the loft and that's that",
    # a goodbye that tells the family it is not their fault
    "Please tell my daughter it wasn't her fault.",
    "Im sorry, tell mum its not her fault",
    "tell everyone it isnt anyone's fault x",
    # a way out through the insurance, said to those left
    "They'll be looked after with the life insurance.",
    "You'd all be better off with the payout.",
    # planned for when the family is away
    "I have it all planned for when the kids are away at their dads.",
    # a number of tablets taken, now
    "I swallowed maybe fifteen of my sleeping tablets an hour ago.",
    "She's taken 30 tablets.",
    "I've taken twenty-five tablets.",
    "we ended up in a and e after taking loads of her sleeping pills",
    # a cut too deep
    "i cut way too deep",
    "cut too deep tonight and it wont stop",
    "I cut so badly last night it won't stop bleeding.",
    # danger now
    "hes going to kill me if i leave",
    "She's gonna hurt us when she gets back.",
    "He keeps texting that if I call the police I'll never see the kids again.",
    # no longer around after tonight
    "I won't be around after tonight.",
]

THIRD_SET_TWO_FAREWELLS = [
    "I've made my decision. Tonight.",
    "I've made my choice about everything and I feel at peace. Nobody knew.",
    "The dog's going to my neighbour, and I've left letters for the people who matter.",
    "Her message said she's sorry for everything, and her phone is off.",
    "I gave my bike to a friend so mum's not left with anything to sort out.",
    "I've been reading up on what dose of the diazepam would be enough. Please"
    " talk me out of it.",
]

THIRD_SET_NONE = [
    # the review's false alarms of the first version
    "Once the new boiler is in, the damp won't be a problem much longer.",
    "I'm moving to Leeds so I won't be your problem any longer, ha.",
    "The kids won't be a burden any more once they start nursery.",
    "I googled what ways are quickest by train.",
    "What dose of propranolol would be enough for my driving test nerves?",
    "My GP and I are working out what dose of sertraline would be enough.",
    "I don't really see the point in living in London any more, so I'm moving.",
    "I'm holding on to my old antidepressants just in case the new ones don't work.",
    "I put my meds out on the table every morning in a pill organiser.",
    "I got my tablets out on the counter so I remember to take them.",
    "I don't think I'll do anything silly at the party but I can't promise.",
    "I sorted out the rope for the tug of war at the school fete.",
    "I got ready the rope for sailing on Saturday.",
    "We sorted the rope and the tent pegs for camping.",
    "Tell mum it's not her fault the appointment got mixed up.",
    "Tell my partner it isn't his fault, he feels terrible about missing it.",
    "How do I tell my kids it's not their fault?",
    "I have it all planned for when the kids are away at camp, I'll do the"
    " sessions then.",
    "You'll be fine with the insurance, it covers six sessions.",
    "They'll be fine with the insurance payout for the car.",
    "I've taken 20 tablets of sertraline over the last month.",
    "I took 8 of the antibiotic tablets, as prescribed, twice daily.",
    "I've taken 28 tablets, the full pack, as the GP said, one a day.",
    "I took 12 tablets on holiday and forgot the rest.",
    "I took 2 paracetamol for my headache.",
    "I took 20 mg of sertraline this morning.",
    "After taking all the tablets in the course I felt fine.",
    "I felt sick after taking too many ibuprofen for my back.",
    "I cut really badly when I chopped the onions.",
    "I cut pretty deep into the budget this year.",
    "My arm won't stop bleeding after the blood test.",
    "My nose won't stop bleeding.",
    "If I call the police about the dog next door I'll regret it.",
    "If we tell the police, they said we won't see the car again for weeks.",
    "He's going to kill it at the interview.",
    # farewells alone, and their hints, in ordinary mail
    "I've looked at a few therapists and I've made my decision.",
    "I won't be around after Thursday as we're flying to Spain.",
    "The dog is going to my mum's while we're on holiday.",
    "Her phone is dead so she asked me to email for her.",
    "I'm giving my old sofa and chairs to a friend as we're moving.",
    "I've left notes for the people who care for mum so they know the routine.",
    "I won't be around after Friday, the dog is going to my mum's while I'm away.",
    "I've made my decision. Don't worry about replying to me, see you Tuesday.",
    "We've got a new puppy, so the cat's going to my sister.",
    # history told as history, and topics
    "Ten years ago I went through a dark patch but I've been fine since.",
    "We'd like someone experienced with teenagers and self-harm.",
    "Is there a therapist who specialises in self-harm?",
]

THIRD_SET_POSSIBLE = [
    # a dark time that is not over
    "Years ago I went through a dark patch and it's back, worse than ever.",
    # a promise not given after "I won't": the downgrade's words, so possible
    "I won't do anything stupid, I think, but I cannot promise that.",
]

# What the first version's calming words hid; none may hide a real crisis.
THIRD_SET_NEVER_HIDDEN = [
    "I'm all too familiar with suicidal thoughts, they're back every night.",
    "I'm familiar with wanting to die.",
    "I'm experienced with self-harm, I've been doing it since I was 14.",
    "you're experienced with suicidal people and thats what i am right now",
    "Do you specialise in self-harm, my 14 year old has been cutting again.",
    "It's not historic, I cut myself badly.",
    "historically i cope but i want to kill myself",
    "I'm at the historic dockyard and I'm going to jump off the bridge.",
    "My daughter is in her teens and she's been cutting herself.",
    "My husband is in his thirties and says he wants to kill himself.",
    "I swallowed a handful of pills. No plan, I just couldn't cope.",
    "The crisis team wrote no active risk, but I want to kill myself.",
    "He threatened to kill me. I have no plan if he comes back.",
    "i want to die. no plan for tomorrow or anything",
    "I want to die and it is not fleeting.",
    "I have a history of self-harm and I took 30 tablets six hours ago.",
    "With my history of self harm I cut myself badly earlier.",
]


@pytest.mark.parametrize("text", THIRD_SET_CLEAR)
def test_third_set_crisis_families_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", THIRD_SET_TWO_FAREWELLS)
def test_third_set_two_farewells_in_one_mail_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", THIRD_SET_NONE)
def test_third_set_hard_negatives_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


@pytest.mark.parametrize("text", THIRD_SET_POSSIBLE)
def test_third_set_unfinished_history_is_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize("text", THIRD_SET_NEVER_HIDDEN)
def test_third_set_no_calming_word_hides_a_crisis(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


def test_a_clause_is_read_a_bounded_distance_from_its_phrase() -> None:
    """What makes a long hostile sentence cost linear time: each phrase's
    clause (searched again for tense) is at most `_CLAUSE_REACH` characters
    past the phrase, however long the sentence runs without a break."""
    from mailflow.reading import screen as screening
    from mailflow.reading.phrases import keywords

    book = screening.phrases().risk
    (suicidal,) = [f for f in book.clear if f.name == "suicidal"]
    run_on = "i want to die " + "and the " * 5000
    words = keywords.words(run_on)
    (clause,) = list(screening._present(suicidal, run_on, words, book))[:1]
    assert clause.startswith("i want to die")
    assert len(clause) <= screening._CLAUSE_REACH + len("i want to die")
    assert len(run_on) > 10 * len(clause)


# -- from the second review of the third set: what the calming words of the
# revision must not hide, and what its narrower patterns must not alarm.

REVIEWED_CLEAR = [
    "Could you recommend someone who specialises in overdose, swallowed a handful of pills an hour ago",
    "I need someone familiar with self harm, my arms are covered in fresh cuts",
    "Hi\nneed someone who specialises in self harm\nfeeling really suicidal tonight\nplease help",
    "Looking for a counsellor experienced with self harm - razor blade in my hand as I type",
    "I need a therapist who specialises in suicide, been planning it in my head all week",
    "someone who specialises in suicidal thoughts pls, want to die every day",
    "Do you have anyone experienced with self-harm and suicidal thoughts, both are bad right now",
    "I need a counsellor who specialises in self-harm as I'm cutting every night.",
    "I want a therapist who is familiar with suicidal thoughts, mine are really bad at the moment.",
    "need someone who specialises in suicidal thoughts asap they are getting worse",
    "I have historic self-harm, I'm cutting my arms most nights.",
    "Historical suicide attempts, and I want to kill myself.",
    "I have historic overdoses and i want to die",
    "My GP calls it historic self-harm but I want to die and I have the tablets ready.",
    "I first tried to kill myself when I was 16 after years of being bullied at school by the same group of girls who made my life hell every single day in the corridors in the changing rooms on the bus home in the evenings at weekends online on every app I had for four whole years without a single teacher ever once noticing or asking whether I was okay which is exactly where my head is again tonight.",
]

REVIEWED_POSSIBLE = [
    "Years ago I hit a really dark patch. It is happening again and I'm frightened.",
    "Years ago I went through a really dark time and lately it feels the same",
    "3 years ago i was in a very dark place and recently i feel i am heading there",
    "Years ago I had a very dark period and since Christmas I feel exactly like that.",
]

REVIEWED_NONE = [
    "I won't be around after today until the 14th, please reply by email.",
    "I won't be around after tonight as I'm flying to Spain, please email instead.",
    "I started sertraline a fortnight ago and have taken 14 tablets.",
    "My GP gave me a 28 day pack of citalopram and I've taken 10 tablets.",
    "I keep trying to tell my daughter it's not her fault.",
    "Could you help me tell my son it's not his fault.",
    "I'd like you to tell my son it's not his fault.",
    "What she said cut too deep and I haven't got over it.",
    "I cut too deep when shaving my legs.",
    "I cut way too deep into the onion and nicked my finger.",
    "I rang Bupa and they said you'll be fine with the insurance.",
    "I'm not going to be a burden on my family for long, I start my new job in March.",
    "I won't be anyone's problem for much longer, I'm moving into my own flat next month.",
    "I've been reading about which methods are the most reliable, CBT or EMDR.",
    "Every Sunday I'm lining my meds up for the week in a dosette box.",
    "My tablets are all out on the table in front of me as I sort my weekly pill organiser.",
    "Our solicitor said if we contact the police it could harm the case.",
    "He went to A&E after taking too many painkillers for his back.",
    "I won't be around after Friday. The cat is going to my mum's. We're off to Spain for two weeks!",
    "I'm having an operation on the 3rd. I won't be around after that for a few weeks, and the dog is going to my sister's.",
    "I've made my decision. I'd like the Tuesday 10am slot. I won't be around after the 20th though, I'm having surgery.",
]


@pytest.mark.parametrize("text", REVIEWED_CLEAR)
def test_reviewed_crises_stay_clear_beside_calming_words(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", REVIEWED_POSSIBLE)
def test_a_dark_time_that_is_back_stays_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize("text", REVIEWED_NONE)
def test_reviewed_ordinary_sentences_stay_calm(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# Short mail (short.jsonl, 2026-12): danger at the door, more taken than meant
# with a time or a feeling now, nothing needed after a time named, a bridge
# reached beside a place, the tablets tipped out; each beside its hard negatives.
SHORT_MAIL_CLEAR = [
    "My ex is at the front door hammering and yelling, I'm terrified",
    "he's banging on the bathroom door screaming and I'm locked in. help",
    "shes outside my flat swearing and kicking the door, i cant leave",
    "swallowed way more than I was supposed to earlier and feel really dizzy",
    "I've taken a lot more than I should've tonight",
    "swallowed loads more than i normally would about 20 mins ago, feeling woozy",
    "I'm sat on the roof above the car park now",
    "i'm standing on the bridge over the river.",
    "I won't need any of my things after this weekend.",
    "After tonight I won't need anything from anyone.",
    "i wont be needing my clothes beyond tomorrow so theyre bagged by the door",
    "I have tipped all my sleeping pills out onto the bed.",
    "Put all the paracetamol out on the kitchen table.",
    # From the reviews: a symptom after the time is never an exclusion, and
    # fear of what he will do is fear.
    "took way more than I should have earlier, feel really dizzy and I can't eat",
    "took way more than I should have earlier, feel dizzy, please don't leave me",
    "he's outside the door shouting, I'm scared he'll get in",
    "they're banging on the front door yelling, I'm scared they'll break it down",
    "my ex is at the door screaming, I'm scared for the kids",
    "took way more than I should have of my sleeping tablets earlier, feel dizzy",
    "took way more than I should have on my meds this morning, feel really strange",
    "he's at the door shouting, I'm too scared to open it",
    "He's banging on the front door shouting, I'm scared stiff",
    "he's at the door shouting, I'm scared to death",
    "he's at the door shouting, I'm so scared right now",
    "they're outside the house screaming, we're terrified",
    "he's at the door shouting, the kids are terrified",
    "im at the bridge over the motorway now",
    "he's at the door shouting, I'm so scared lol",
    "my ex is at the door screaming with his dog, I'm terrified of his dog",
    "he's at the door shouting, I'm terrified he'll wake the baby and take her",
    # Fear said any way, by the writer or the children (a sixth review).
    "he's at the door shouting, I'm literally shaking",
    "he's at the door shouting, I'm afraid",
    "he's at the door shouting, we're all terrified",
    "he's at the door shouting, my daughter's terrified",
    "he's at the door shouting, my partner and I are terrified",
    "he's at the door shouting, iam scared",
    "he's at the door shouting, so scared",
    "he's at the door shouting, scared for my life",
    "he's at the door shouting, we're terrified it'll be late before police come",
    # A seventh review: the shouter's "she's" may be a child's, "afraid" is
    # only polite before a plan changed, a bare "outside".
    "he's at the door shouting and she's terrified",
    "he's at the door shouting, I'm afraid I must call the police",
    "she's outside screaming, I'm afraid to go out",
    # An eighth review: losing what matters is no lost match.
    "my partner is banging on the front door screaming, I'm terrified we might"
    " lose the baby",
    "he's kicking the door yelling, I'm scared we'll lose the kids if I call anyone",
    "my ex is outside the house shouting, I'm terrified that we'll lose everything"
    " tonight",
    "I won't need anything after tonight, thanks to you all",
]

SHORT_MAIL_NONE = [
    "The neighbour is outside the door shouting for his dog again.",
    "He's at the door shouting that the parcel's here, can you sign for it please",
    "They're at the door yelling happy birthday, I'm so embarrassed!",
    "I took a lot more time than I should have over the forms, sorry.",
    "I took on a lot more than I should have at work this year.",
    "I ate a lot more than I should have at the wedding and feel sick",
    "I'm on the bridge club committee.",
    "I'm on the roof fixing the gutter.",
    "I won't need the room after Friday, thanks.",
    "I put all my tablets out on the table to sort into the dosette box for the week.",
    "I tipped all my old medication out on the table to take back to the pharmacist.",
    # From the reviews. "More than I should have" on or of something that is
    # no medicine, at a wedding (food and drink right after the phrase), or
    # earlier this year; fear that is not the writer's of that person; a
    # bridge one is at, not on.
    "I took a lot more than I should have on the forms earlier.",
    "Took loads more than I should have out of savings this morning",
    "took a lot more than I should have of the leftovers earlier, feel sick",
    "I took way more than I should have at the wedding earlier and feel sick",
    "I took way more than I should have at my sister's wedding earlier, feel rough",
    "I took far more than I should have earlier this year (sick days) so no more leave",
    "They're at the door shouting trick or treat, I'm scared they'll egg the house lol",
    "the kids are at the door shouting trick or treat, my little one is frightened"
    " of the masks",
    "someone's at the door shouting, it's the delivery driver, I'm scared of his dog",
    "My son is at the door shouting, he's scared of the dark",
    "My son is at the door shouting, he's scared of spiders",
    "he's at the door shouting, the dog is scared",
    "he's at the door shouting, I'm afraid I can't make Thursday",
    "my son is at the door shouting, bless him, terrified of the dark",
    "he's at the door shouting, I'm terrified for the flight",
    "he's at the door shouting, afraid I'll have to go",
    "he's at the door shouting, afraid that's all for now",
    "he's at the door shouting, shaking with laughter",
    "they're outside shouting at the telly, I'm scared we'll lose",
    "My son is outside my bedroom door screaming every night, he's terrified of"
    " being alone",
    "they're outside screaming and playing, I'm so scared about starting therapy",
    "Hi, my son is outside screaming at his brother again, I'm scared it's ADHD",
    "Running late, sorry, I'm at the bridge by the station now.",
    "Just parked. I'm at the bridge near the station.",
    "my partner is outside the house shouting, the taxi is here,"
    " I'm scared we'll miss the flight",
    "They're at the window banging and shouting, I'm scared they'll wake the baby",
]


@pytest.mark.parametrize("text", SHORT_MAIL_CLEAR)
def test_short_mail_crises_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", SHORT_MAIL_NONE)
def test_short_mail_hard_negatives_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# -- said in a reply (tests/corpus/replies/risk, 2026-12) ------------------------------
# Beside a pick or a cancel: over the edge from a height, not around much
# longer (however much), tired of being here, no reason to keep going, not
# lasting to a season away. Each beside what the same words say otherwise.

REPLY_CLEAR = [
    "Option 3 works. Most mornings I sit in the car on the top floor of the"
    " multi-storey before work and think about going over the edge.",
    "been thinking of jumping off the top of the car park",
    "I keep thinking about stepping over the railings and",
    "honestly I don't plan to be around that much longer anyway",
    "I won't be around very much longer, so don't hold the slot",
    "I won't be around much longer.",
    "I won't be around much longer in this world",
    "I'm not going to be around much longer anyway, so cancel",
    "Keep thinking about going over the edge at the quarry, 2 please",
    "thinking about going over the edge again",
    "I won't be around tomorrow. Sorry for everything.",
    "I won't be here by Christmas",
    "I won't be around much longer at this rate",
    "I won't be around much longer with the way I'm feeling",
    "I won't be around much longer on this earth",
    "I won't be around much longer in all honesty",
    "I won't be around much longer than Christmas",
    "I don't plan on being around much longer at this rate",
    "I'm not sure I'll be alive by 30",
    "I don't know if I'll still be here by 2027",
    "not going to be around for much longer",
    "I won't be around for much longer",
    "Most mornings I ... think about going over the edge.",
    "thinking about going over the edge of the roof",
    "not sure I'll be alive by 30",
    "I won't be around much longer than a few weeks, so please don't book me",
    "I won't be alive much longer than a few days",
    "I won't be alive much longer in this house, he's getting worse",
    "I won't be around much longer on this planet",
    "I won't be around much longer, so there's no need to move the call for me",
    "Honestly I won't be here much longer the way things are going, 2pm is fine",
    "I won't be around for much longer, I've made my peace with it",
    "I'm not going to be around much longer than the new year",
    "I don't know if I'll still be here by 30",
    "not sure I'll be around by 25 at this rate",
    "I don't think I'll still be alive by the weekend",
    "I keep thinking about going over the edge tonight",
    "thinking about stepping off the edge of a building",
    "I keep thinking about going over the railings on the motorway bridge",
    "I keep thinking about jumping off the bridge, I can't swim so it would be quick",
    "Been thinking about jumping in front of a train. The kids' swim lesson is at 5 so after 6 is best",
    "I keep thinking about jumping off the bridge, the one by the lido",
    "I keep thinking about stepping off the edge tonight",
    "I've been thinking about going over the edge lately",
    "thinking about going over the edge every day now",
    "I keep thinking about going over the side of the ferry",
    "Thinking about going over the railings when I'm up there",
    "Keep thinking about going off the edge of the cliff path, 2 please",
    "I won't be around much longer, we're all better off",
    "Honestly I'm not going to be around much longer",
    "I really won't be around much longer, so please don't hold a slot for me",
    "Honestly I won't be around much longer at the rate things are going",
    "I won't be here much longer in any case, so cancel the call",
    "I have no reason to keep living, sorry. cancel the call",
    "I keep thinking about crashing the car on the way home from work. Monday please",
    "I've been thinking about jumping in the river, I can't swim anyway. 2 please",
    "I won't be here by Sunday, please ring me if you want",
    "I don't expect to be around much longer at the rate I'm going. Friday is fine",
    "I'm not sure I will still be here next month. 2 please",
    "I really won't be alive much longer, so it doesn't matter which slot",
    "I'm really not going to be around much longer",
    "I'm honestly not going to be here much longer",
    "I really won't be alive by Christmas",
    "I just won't be around much longer",
    "I keep thinking about stepping off the edge myself",
    "I'm not sure I'll still be here by 10 tonight",
]

REPLY_POSSIBLE = [
    "i need to cancel thursday sorry. i'm just so tired of being here.",
    "i'm tired of being alive tbh",
    "Sick and tired of being around, if I'm honest",
    "I'm really struggling to see a reason to keep going at the moment",
    "Honestly I can't find any reason to keep going.",
    "there's no reason to keep going",
    "I have no real reason to keep going lately",
    "at this rate I'm not sure I'll make it to Christmas lol",
    "don't know if I'll last till the new year, the way things are",
    "I doubt I'll make it to my birthday, to be honest",
    "I'm so tired of being here in this world. 1 please",
    "tired of being alive most days if I'm being honest, tuesday is fine",
    "I'm sick of being alive. Thursday at 10 is ok",
    "tired of being here lately",
    "tired of being here x",
    "I'm tired of being here :(",
    "There's just no reason for me to keep going. sorry. cancel Friday",
    "I can't think why I should keep going. option 2",
    "Can't really see much reason to keep going tbh. Wednesday",
    "no reason to keep going honestly",
    "I have no reason to keep going now",
    "there is no point keeping going",
    "no reason to keep going at the moment with the way things are",
    "Not sure I'll last until Christmas the way I'm feeling. 1 please",
    "I doubt I'll see Christmas. Book me in anyway",
    "Not sure I'll make it through the winter honestly. 2 please",
    "tired of being alive at the moment",
    "tired of being alive at times",
    "tired of being alive every day",
    "tired of being alive all the time",
    "sick of being alive at this point",
    "tired of being here in this life",
    "tired of being here on this earth",
    "there's no reason to keep going on like this",
    "no reason to keep going with my life",
    "no reason to keep going with everything",
    "no reason to keep going for anyone",
    "no reason to keep going through this",
    "There's no reason to keep going, so please cancel the call. Thank you for everything.",
    "I doubt I'll see Christmas!",
    "fed up of being alive",
    "fed up with being alive tbh",
    "no reason to carry on",
    "I can't see any reason to go on",
    "nothing left to keep going for",
    "nothing to keep going for really",
    "sick of being alive every day",
    "no reason to keep going on like this",
    "There's no reason to keep going, so please cancel the call",
    "I'm so tired of being here on this planet",
    "sick of being here with everything going on, honestly",
    "I'm tired of being here at all",
    "I can't see a reason to keep going past Christmas",
    "no reason to keep going into next year",
    "I don't see any reason to keep going until the new year, Tuesday is fine",
    "I doubt I'll see Christmas, work has been the least of it",
    "Not sure I'll last till Christmas, the GP has booked me in for bloods",
    "I honestly can't see a reason to keep going anymore",
    "no point keeping going at all",
    "There's no reason for me to keep going on.",
    "can't think of a reason to keep going to be honest",
    "fed up with being alive, 3pm is fine",
    "nothing left to keep going for tbh, book whatever",
    "I'm sick and tired of being alive",
    "no reason to keep going at the moment",
    "no reason to keep going now",
    "no reason to keep going, honestly",
    "no reason to keep going at the moment, so cancel the call",
    "I can't think why I should keep going at the moment",
    "I'm lonely and tired of being alive. Thursday is fine",
    "I'm sad and tired of being here. 2 please",
    "I'm tired of being here on earth, if I'm honest. Option 1",
    "I'm so tired of being here with my own thoughts. Wednesday works",
    "There's no reason left to keep going. Please cancel Friday",
    "I can't see any reason to keep going with this pain. 3pm is ok",
    "No reason to carry on, give the slot to someone else who needs it",
    "I doubt I will make it to Christmas. 1 please",
    "nothing left to keep me going now, cancel please",
    "I'm tired of living with myself. Option 2",
    "I'm tired of living with this pain",
    "I'm lonely and also tired of being alive",
    "Thursday works. I'm also so tired of being here.",
]

# Ordinary replies the older patterns still read as risk (not around much
# longer at the gym, "I won't be here next week, can we move it?", jumping
# in the pool) are left out on purpose: exclusions added there hid crises
# said in the first person ("I won't be around much longer at this rate").
REPLY_NONE = [
    "I'm tired of being here at 7am every day, can we do evenings?",
    "so tired of being here on my own every weekend",
    "tired of being here in this job, hence the career question",
    "struggling to see a reason to keep going to the gym",
    "there's no point in keeping going with the course",
    "is there any reason to keep going with the same time?",
    "can't see any reason to keep going with Tuesdays, so let's switch",
    "there's no reason to keep going back and forth, 2 is fine",
    "not sure I'll make it to Christmas drinks this year",
    "not sure I'll make it to the christmas party, work is mad",
    "I don't think I'll make it to Friday lol this week is brutal",
    "not sure I'll make it to the new year sales",
    "the deadline is pushing me over the edge",
    "we went over the edge of the budget",
    "I'm thinking about going over the edge of the pool at the swim class",
    "thinking about going over the top with the decorations this year",
    "I don't plan to be around that much longer in London, we're moving to Leeds",
    "For the Christmas party I'm thinking about going over the top. Anyway, 2 please",
    "thinking of going over the top, budget-wise, for Christmas. Anyway 2 please",
    "I was thinking about going over the top of the car park ramp to find a space",
    "thinking of going off the top of the car park ramp since the lift is broken",
    "I'm not going to be here next week, I'm on holiday",
    "We're tired of being here, the holiday park is freezing, can we do Monday?",
    "The kids are tired of being here. Option 2 please, we'll be home by then.",
    "I'm tired of being here, honestly, this waiting room is freezing",
    "no point in keeping going at the moment with the DIY, so Saturday works",
    "no point keeping going to the gym though",
    "I doubt I'll make it to Christmas, the shop's rota is brutal. Can we do January?",
    "don't think I'll survive till Christmas haha, work is mad. Thursday ok",
    "thinking about going off the side road to avoid the traffic",
    "thinking of going over the barrier at the car park, the machine is broken",
    "going off the edge of town for a cheaper gym, thinking about it",
    "thinking about going over the side to the other ferry deck",
    "thinking about going over the railings into the pool at the lido",
    "not sure I'll survive Christmas with the in-laws haha",
    "not sure I'll see Christmas at home, we're with family in Cork",
    "not sure I'll make it to Christmas without buying more lights lol",
    "don't think I'll last till Christmas at this job",
    "not sure we'll get through the winter without a new boiler",
    "sick and tired of being here waiting for the plumber",
    "no point in keeping going with the calls if it's not a fit",
    "no reason to go on Tuesday then, Wednesday suits",
    "I'm thinking of going over the barrier and paying at the machine, the car park's a nightmare",
    "I'm sick of being messed around by other practices, so Tuesday 3pm please",
    "Tired of being made to wait by the NHS, Thursday suits",
    "Fed up with being messaged by three different clinics, 10am Friday please",
    "Honestly sick of living in a building site with the renovation, Tuesday is fine",
    "I'm so tired of living out of boxes since the move, any evening works",
    "fed up with living with my in-laws, hence wanting the call! Monday 6pm",
    "We're so tired of being here, the kids want to go home. Option 2",
    "The kids are so tired of being here at the soft play, Wednesday is better",
    "There's no point in keeping going to Pilates with my back like this, so mornings are free",
    "No point keeping going with my old counsellor, so I'd like the call. Tuesday 2pm",
    "no point keeping going with CBT on the NHS waiting list, Friday please",
    "No point keeping going on about the times, just book me Tuesday",
    "there's no point keeping going on Thursdays, Monday suits better",
    "no point carrying on, I've found another therapist closer to home, thanks",
    "Not sure I'll see Christmas at my sister's this year, so the 20th is fine",
    "not sure I'll survive Christmas with my family haha, January works",
    "I doubt I'll see the new year in, I'm usually asleep by 10! Tuesday is fine",
    "no reason to keep going past the 15 minutes, a short call is fine",
    "Thinking about going off the side of the road to let the lorry past made me late, sorry! Tuesday?",
    "I'm thinking about going over the edge of the pool budget, ha, anyway 3pm",
    "We're thinking about going on holiday at Christmas so not sure I'll see Christmas at home",
    "Fed up with being on hold to the GP, 4pm Thursday works",
    "no reason to keep going at the moment with the calls",
    "no reason to keep going, honestly, with the calls if it's not a fit",
    "no point keeping going right now with the gym, Saturday works",
    "no point keeping going atm with the DIY, Sunday then",
    "I can't think why I should keep going with the sessions, so cancel",
    "We're so tired of being here, the kids want to go home",
    "we're sick and tired of being here, Tuesday works",
    "They're really fed up with being here, the hotel is awful",
    "The kids are so tired of being here, can we do 4?",
    "the kids are tired of being here",
    "we're not going to be around much longer, we're off home",
    "I'm so tired of being here in the office till 7 every night, so can we do a morning?",
    "No reason to keep going back and forth, Tuesday at 3 is perfect",
    "I'm not sure I'll make it to the Christmas slot, can we look at January?",
    "I'm thinking about going over the side of the budget I set for therapy, how much are sessions after the free call?",
    "Honestly I'm fed up of being around people all day at work, that's why I want to talk to someone. Wednesday please",
    "There's no point keeping going with my current GP referral, so I'll go private. Friday works",
    "I won't be around after today until Monday, sorry, I'm at a wedding",
    "Sick and tired of being here on hold to the GP, so email is easier, Tuesday works",
    "I'm tired of being here in limbo with the NHS waiting list, so yes please book me in",
    "I'm tired of living out of boxes since the move, but 2 is fine",
    "No reason for me to keep going to my old counsellor, so I'd like to switch to you. 4pm please",
]


# First-person crises that exclusions once added to the older patterns (for
# ordinary replies: "much longer at the gym", "by 5 on Friday", "crashing at
# a friend's") read as nothing; a review generated 5,279 such sentences. The
# older patterns keep no exclusion since; these stand guard.
FIRST_PERSON_GUARD = [
    "I don't know if I'll be around on Friday",
    "I don't know if I'll be around on Friday, I can't face work",
    "I don't know if I'll be around by 6pm tonight, honestly",
    "I keep thinking about driving into a cliff",
    "I won't be here tomorrow, can we cancel",
    "I keep thinking about walking into the path of a bus",
    "I keep thinking about throwing myself into it",
    "I keep thinking about jumping off the pier, I don't swim",
    "I keep thinking about walking into the woods and not coming back",
    "I don't know if I'll be here at 6 tomorrow morning",
    "I keep thinking about driving into a ditch",
    "I won't be around by Friday, I'm going away for good",
    "I don't know if I'll be around by 6pm tonight",
    "I keep thinking about walking into the road",
    "Me and the dog won't be around much longer",
    "I keep thinking about crashing on the way home",
    "I won't be around by Friday, I just want to fade away",
    "I won't be around much longer than an hour",
    "I keep thinking about jumping on the train line",
    "I won't be around when you read this, I'm away to the bridge",
    "I won't be around much longer in here",
    "I won't be around much longer than that",
    "I won't be around much longer at the pace things are going",
    "I keep thinking about walking into the tide",
    "I keep thinking about crashing on the way to work",
    "I won't be around much longer in pain like this",
    "I won't be around much longer after they gave me my notice",
    "I won't be around by Friday, instead of waiting",
    "I don't know if I'll be around at 9 tomorrow",
    "I won't be around much longer, I've decided to check out",
    "I won't be around much longer in the end",
    "I won't be around much longer in my view",
    "thinking about jumping in the car and ending it",
    "I don't know if I'll be around much longer, please call me on Monday if I am",
    "I won't be around much longer at the moment",
    "I keep thinking about driving into a brick wall",
    "I won't be around by Friday, it's all too much at work",
    "I won't be around much longer in this pain",
    "I won't be around much longer at my age",
    "I won't be around much longer in all likelihood",
    "I haven't told anyone I'm thinking about going over the edge of the roof",
    "I never stop thinking about going over the edge of the cliff",
    "I can't sleep for thinking about stepping off the edge of a building",
]


@pytest.mark.parametrize("text", FIRST_PERSON_GUARD)
def test_no_exclusion_hides_a_first_person_crisis(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", REPLY_CLEAR)
def test_reply_crises_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", REPLY_POSSIBLE)
def test_reply_dark_thoughts_are_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize("text", REPLY_NONE)
def test_reply_hard_negatives_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# Not being around: how a person in crisis may say it, and how everyone else
# talks about their week. The stems stay clear whatever follows them (a
# review showed every way tried to read a diary beside them also read crises
# as possible: "I don't think I'll be around next week. I've booked the hotel
# room."); the ordinary cost is in docs/reading.md.
ABSENCE_STAYS_CLEAR = [
    "I don't think I'll be around next week. I've booked the hotel room.",
    "Not sure I'll be here next month. Nobody would miss me anyway.",
    "My son told me he won't be around much longer.",
    "I don't know if I'll be around at 9 tomorrow",
    "not sure I'll be here at 3am",
    "Honestly I don't know if I'll be here in the morning",
    "I'm not sure I'll still be here next week",
    "I won't be alive next week",
    "I'm not sure I'll be alive in August",
    "I won't be around by Friday",
    "I won't be around tomorrow",
    "not sure I'll be around next week, not after tonight",
    "I don't know if I'll be here on Friday, not after what I'm planning tonight",
    "I won't be around when you get this",
    "I won't be here much longer",
    "I'm not sure I'll be around much longer",
    "I don't know if I'll be here after tonight",
    "I don't think I'll be here by the weekend",
    "I don't know if I'll be around for the call",
    "I'm not sure I'll be around next time",
]


@pytest.mark.parametrize("text", ABSENCE_STAYS_CLEAR)
def test_not_being_around_by_a_deadline_stays_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


# A fourth blind set (tests/corpus/first_mail/not_here): words of an ending
# said in passing, each where its clause ends, are possible risk; two of them,
# or one beside a goodbye, are clear, but not one beside a hint (an ordinary
# leaver's "thanks for everything"); a mind made up and at peace is a goodbye.
NOT_HERE_CLEAR = [
    "I've made up my mind and I'm at peace. I've written letters for my children to find.",
    "I've made my mind up and I'm at peace with it. I've given my dog to my sister.",
    # Two words of an ending, or one beside a goodbye.
    "There won't be a me after Friday. I've written letters to my mum and my dad.",
    "I won't be here any more. By the time you reply I'll be gone.",
    "I won't be here any more. I've made up my mind and I'm at peace with it.",
    "I've planned how. I've written letters to my parents.",
]

NOT_HERE_POSSIBLE = [
    "i won't be here anymore after that",
    "honestly i probably won't be around any more",
    "by the time you reply I won't be around",
    "by the time you get round to this i'll be gone",
    "by the time you read it I probably won't be here",
    "I'm not planning on being here much longer.",
    "I've written letters to my parents.",
    "There won't be a me after Christmas.",
    "there will not be any me past Friday",
    "I've planned how.",
    "ive planned how, I just need the day",
    "I know exactly how I'd do it.",
    "i know how i would do it and where",
    "I've made up my mind and I'm at peace with it.",
    "I'm moving to Leeds. I won't be here any more. Thanks for everything.",
    "By the time you reply I'll be gone. Thanks for everything!",
    "I've written letters to my parents. You don't need to reply.",
    "honestly i won't be here any more. you don't need to reply.",
    "I'm not planning on being around after that. You don't need to reply.",
]

NOT_HERE_NONE = [
    "I know how I'd do it differently now, which is why I want to start.",
    "If I had my time again I know how I'd do it.",
    "I know how I'd do it, I just need help with the nerves",
    "I've planned how to get to you by bus.",
    "I've made up my mind, I'd like to start in January.",
    "I made up my mind and I feel calm, let's go ahead with Thursdays",
    "We're not planning on being here over Christmas.",
    "I'm not planning on being around much in December, work is mad.",
    "I'm not planning on being here in London from May, we're relocating to York",
    "I'm not planning on being here next Thursday, sorry!",
    "i'm not planning on being here in the mornings, are afternoons ok?",
    "I've written a letter to my dad who died last year.",
    "I wrote letters to my MP and my council about the housing.",
    "I've written letters to my parents about how I feel, like the book suggested",
    "I wrote a letter to my dad and my mum for my homework, can I bring them?",
    "I've given most of my baby clothes to my sister.",
    "I've given most of my stuff to my kids now they have their own places.",
    "I've written letters to my parents for their ruby wedding.",
    "I left a note for my husband and my son to say I'd be late.",
    "By the time you reply I'll be gone, I'm off on a cruise!",
    "I won't be here anymore, I've moved to Bristol, so online sessions please.",
    "I'm not planning to be here much longer than an hour, I've got the kids.",
    "There won't be anyone here to answer the door, so call my mobile.",
    "There won't be any me left after this week of night shifts!",
    "By the time you reply I'll be on holiday!",
    "By the time you reply I won't be around, I'm at a wedding all weekend",
    "i won't be here anymore than an hour on Tuesday",
    "I won't be here any more on Tuesdays as I've changed my hours",
    "Don't worry about Friday, I won't be here anyway.",
]


@pytest.mark.parametrize("text", NOT_HERE_CLEAR)
def test_not_here_any_more_and_goodbyes_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", NOT_HERE_POSSIBLE)
def test_one_goodbye_or_a_way_planned_is_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE


@pytest.mark.parametrize("text", NOT_HERE_NONE)
def test_the_same_words_about_a_diary_or_a_plan_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# Plain text as mail programs send it: lines wrapped at 72-78 columns, a
# format=flowed space before the break, a quote's markers on each line.
WRAPPED_CLEAR = [
    "I have been thinking about ending my\nlife lately and I don't know who to tell.",
    "Honestly some nights I want to kill\nmyself.",
    "I swallowed thirty of my sleeping \ntablets last night.",
    "My daughter told me:\n> honestly some nights I want to kill\n> myself\nWhat do I do?",
    "I've been low for months and I don't want to be\nalive any more.",
]
WRAPPED_CALM = [
    "I'm really struggling at the moment but I'm not\nsuicidal, just exhausted by work.",
    "Thanks,\n\nDana\nSuicide prevention lead, Leeds Mind",
    "- killing time\n- myself and my partner are free on Tuesday",
]


@pytest.mark.parametrize("text", WRAPPED_CLEAR)
def test_a_phrase_wrapped_across_lines_is_still_read(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", WRAPPED_CALM)
def test_joining_lines_makes_no_new_risk(text: str) -> None:
    assert screen(text).risk is not Risk.CLEAR


def test_a_wrapped_safety_need_is_kept_in_their_own_words() -> None:
    said = screen(
        "Please don't ring me after 6 in the evening,\nmy husband will be home."
    )
    assert said.risk is Risk.POSSIBLE
    assert said.needs == (
        "Please don't ring me after 6 in the evening, my husband will be home.",
    )


# From the last review: what a join of lines must never do.
LISTS_AND_BREAKS_CLEAR = [
    "Things going on:\n\n   - no appetite\n   - I want to die\n   - work stress",
    "\u2013 I'm not okay\n\u2013 I took an overdose last night\n\u2013 work stress",
    "  * can't concentrate\n  * thinking about ending my life",
    "1. no appetite\n2. I want to die",
    "I'm not okay\n \nI want to die.",
    "Honestly some nights I want to kill\r\nmyself.",
    "I have been self-\nharming again this week and it's getting worse",
    # Run on, as phones and distress write it: "not ok" is about how they are.
    "I'm not ok I want to die",
    "im not okay i want to die",
    "I am not coping I want to kill myself",
    "I don't want to be around any more, I'm so tired of everything.",
]


@pytest.mark.parametrize("text", LISTS_AND_BREAKS_CLEAR)
def test_lists_blank_lines_and_run_on_sentences_keep_their_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize(
    "text", ["I'm not suicidal", "I'm not okay but I don't want to die"]
)
def test_a_negation_about_the_phrase_still_holds(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# A short line is a list's item or a text message's line, not a wrap: its
# end ends a clause, so a "no" there never negates the next line.
SHORT_LINES_CLEAR = [
    "My son texted me this last night:\n\n> can't sleep\n> I want to kill myself",
    "My daughter sent me this:\n> no one gets it\n> I want to die",
    "1) no appetite\n2) I want to die",
    "Symptoms:\nno appetite\nI want to die\nwork stress",
    "I'm not okay\nI want to die",
]


@pytest.mark.parametrize("text", SHORT_LINES_CLEAR)
def test_a_short_lines_no_never_negates_the_next(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I am not ok with video calls I would never hurt myself",
        "I'm not ok I'm not suicidal just very low",
        "Things are not good at home I have never self-harmed",
    ],
)
def test_how_they_are_beside_a_negation_of_risk_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# -- crises said indirectly (tests/corpus/indirect, 2026-12), and the hard
# negatives a blind set and a review wrote in the same words.

INDIRECT_CLEAR = [
    "Mon at 4 ok. I told him it's for good. I'm not going anywhere you come back from.",
    "I'm going to the coast next week and I'm not coming back from the water.",
    "im not coming back from the bridge.",
    "It's a place you don't come back from.",
    "I've decided how and when.",
    "I've decided how, I've decided when.",
    "I'm looking forward to the quiet, the permanent kind.",
    "I've made a noose and it's in the wardrobe.",
]

INDIRECT_POSSIBLE = [
    "I'm taking myself out of the picture permanently.",
    "i've decided how.",
    "I'm more use to my family gone than here.",
    "I see no purpose in continuing.",
    "I'm past helping.",
    "I won't be anywhere after the end of the month.",
    "Nobody will hear from me after this.",
    "Please close my accounts down when I'm gone.",
    "What I meant is everything's ready, the letters and the tablets, and I'm calm.",
    "ive tied a knot in the rope in the loft to see if i could.",
]

INDIRECT_NEVER_CLEAR = [
    # Said every day by people moving, travelling or leaving a job: possible
    # at most, and two of them never add up to clear.
    "Hi, I'm moving abroad next month. My mum keeps asking what she'll do"
    " when I'm gone. Nobody will see me again after that, ha.",
    "I'm deleting all my social media, nobody will hear from me again! My mum"
    " keeps asking what she'll do when I'm gone.",
    "Financially I'd be more use to the family gone than here, offshore.",
    "My son made a noose for his Halloween costume.",
]

INDIRECT_ORDINARY = [
    "Friday 2 works!! went on a silent retreat, the kind of place you don't"
    " come back from without crying at a sheep apparently.",
    "Everyone said enjoy the permanent rest, but retirement is hard.",
    "we had our old lab put to sleep. the permanent sleep, the vet was lovely.",
    "I was going to ask my coworker out and I didn't do it, might next time lol.",
    "the biopsy came back benign! everyone will be relieved.",
    "I spend most afternoons at the station watching the trains go past.",
    "the day I picked for the move is the same week so it's a bit mad.",
    "I've planned my funeral and paid for it through one of those plans.",
    "I'm sorry if something happens and I have to dash to the door!",
    "we've told the kids it's nobody's fault, which is true.",
    "I left him again and I'm not going to come back this time.",
    "I did two tours. It's somewhere you don't come back from whole.",
    "I've settled on when, and I want the Tuesday 6pm if it's still free.",
    "My sister and I want to make peace, the permanent kind.",
    "I won't be anywhere near a laptop on Tuesday.",
    "I found some rope in the garage and built the kids a swing.",
]


@pytest.mark.parametrize("text", INDIRECT_CLEAR)
def test_indirect_crises_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", INDIRECT_POSSIBLE)
def test_indirect_words_of_an_ending_tell_the_therapist(text: str) -> None:
    assert screen(text).risk is not Risk.NONE


@pytest.mark.parametrize("text", INDIRECT_NEVER_CLEAR)
def test_a_move_or_a_hobby_in_those_words_is_never_clear(text: str) -> None:
    assert screen(text).risk is not Risk.CLEAR


@pytest.mark.parametrize("text", INDIRECT_ORDINARY)
def test_the_same_words_in_an_everyday_sense_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, screen(text).families


# A blind set of website forms (tests/corpus/forms, 2026-12), then three strict
# reviews' sentences both ways: an attempt or the wish named by its way, the
# rope or noose had, the whole box taken, a drive into water meant, pills
# counted after "tonight", "I've taken too many"; the idioms those words also
# make, hobbies' and shows' ropes, accidents at the wheel, habits of pills,
# clock times, money and fevers; and history told as history.
FORMS_SET_CLEAR = [
    "I've taken too many pills and I'm scared.",
    "I've taken too many tablets, what do I do",
    "ive taken loads of pills n i feel really sick",
    "I've taken a lot of my sertraline, please help.",
    "just taken a handful of tablets and i cant stop shaking",
    "I've taken a whole box of paracetamol and I don't want to be saved.",
    "I want to drive into the sea because I can't take it any more.",
    "I'm going to drive into the reservoir tonight because nobody would notice.",
    "I want to drive off a cliff every time I get in the car now.",
    "I was close to driving into the canal tonight.",
    "I'm going to drive off a cliff on holiday next week and make it look like an accident.",
    "I'm going to hang myself tonight before anyone gets home.",
    "I want to shoot myself before the bailiffs come on Friday.",
    "I'm going to gas myself in the garage before my wife gets back.",
    "I tried gassing myself in the car last night.",
    "i tried drowning myself in the bath yesterday",
    "I tried suffocating myself with a bag on Sunday.",
    "I tried poisoning myself with antifreeze last week.",
    "I fantasise about drowning myself every night.",
    "I keep dreaming about shooting myself.",
    "I could drown myself tonight and nobody would notice.",
    "I'm going to hang myself, I'm not even joking.",
    "I want to shoot myself, not even kidding any more.",
    "I hung myself up in the loft last night but the beam gave way.",
    "I hung myself last week and my mum found me.",
    "I stabbed myself in the leg with a knife last night.",
    "I poisoned myself the other night with bleach.",
    "I gassed myself in the car a few days ago but a neighbour knocked on the window.",
    "I almost gassed myself in the car last night, I had the engine running.",
    "slit my wrists last night, they wont stop bleeding",
    "I slit my wrists earlier and I'm sat in the bathroom.",
    "Blew my brains out almost, the gun's still on the table.",
    "I've put the hose through the window from the exhaust and I'm sat in the car.",
    "I've run a hose from the exhaust into the car.",
    "I'm going to put a gun to my head tonight.",
    "I'm going to blow my brains out I swear to god",
    "I'd blow my brains out if I had a gun, I mean it, I can't go on.",
    "I'm sitting in the garage with the engine running and the hose on the exhaust, I'm done.",
    "I'm gonna slit my wrists tonight in the bath before anyone gets home.",
    "I've got the noose tied and I'm going to use it tonight.",
    "Three years since I lost my job and I'm going to kill myself.",
    "Two years since she died and I want to end my life.",
    "Six months since the divorce and I've decided to kill myself.",
    "It's been 5 years since the accident and I want to die.",
    "Ten years since I left him and I still want to kill myself.",
    "I could just gas myself in the garage and be done with it.",
    "Honestly I could strangle myself sometimes, I'm so disorganised.",
    "I hung myself last night but the belt snapped and I'm still here.",
    "I gassed myself in the car last night but a neighbour heard the engine.",
    "I poisoned myself last night with stuff from under the sink.",
    "I stabbed myself in the stomach an hour ago.",
    "I strangled myself with a belt last night until everything went black.",
    "I suffocated myself with a bag last night but ripped it off.",
    "I'm going to blow my brains out tonight.",
    "I'm going to put a bullet in my head.",
    "I'm going to slit my wrists tonight.",
    "I'm sat in the car with the hose on the exhaust.",
    "i hanged myself on sunday and my brother cut me down",
    "I want to blow my brains out.",
    "thinking about slitting my wrists again",
    "I've attached the hose to the exhaust.",
    "A year since my divorce and I want to die.",
    "One year since I lost him and I want to end my life.",
    "It's a year this week since she left and I have decided to kill myself.",
    "it's been a year since i lost my job and i cant see a way out, i want to die",
    "Ten years this month since my dad's suicide and I've decided to join him.",
    "I tried to hang myself on Sunday.",
    "tried to hang myself on sunday, the thing snapped. nobody knows.",
    "I attempted to hang myself in the garage last week.",
    "i tried hanging myself yesterday",
    "Last night I tried to drown myself in the bath.",
    "I tried to gas myself in the car on Friday.",
    "im going to hang myself",
    "I keep thinking about hanging myself.",
    "i want to drown myself",
    "I tried to shoot myself last month but the gun jammed.",
    "I've been thinking about strangling myself with my dressing gown cord.",
    "help me please. i have the rope",
    "I've got the rope.",
    "I bought the rope today.",
    "took the whole box. wanted to tell someone.",
    "I swallowed the whole bottle an hour ago.",
    "I took a whole packet tonight.",
    "going to drive into the reservoir tonight.",
    "I keep wanting to drive off a cliff on the way home.",
    "i think about driving into the canal every morning",
    "I tried to suffocate myself with a plastic bag.",
    "I'm going to gas myself in the garage tonight.",
    "I've got the noose ready.",
    "I ended up having to call the 988 suicide and crisis lifeline yesterday.",
    "Last night I had to call the 988 Suicide and Crisis Lifeline.",
    "I need to call the suicide crisis hotline.",
    "I'm going to text the suicide and crisis lifeline tonight.",
    "I called the suicide & crisis lifeline at 3am.",
    "I called the suicide and crisis lifeline on Tuesday.",
    "My son had to text the suicide crisis lifeline last night.",
    "I've been on the phone or text with the suicide crisis lifeline most nights.",
    "I tried to hang myself off the banister last week.",
    "I'm going to hang myself off the bridge.",
    "I want to hang myself up in the loft.",
    "I tried to hang myself over the weekend.",
    "I was going to hang myself back in March and I still think about it.",
    "thinking of hanging myself on the bars in the park at night",
    "I want to shoot myself in the head.",
    "I wanted to shoot myself with my dad's shotgun.",
    "I tried to strangle myself with a phone charger.",
    "I wanted to poison myself with the weedkiller.",
    "I tried to stab myself in the stomach.",
    "I tried to gas myself in my flat.",
    "I tried to drown myself off the pier.",
    "I want to drown myself at the beach tonight.",
    "I've been thinking of drowning myself.",
    "I considered drowning myself.",
    "I'd drown myself if I had the guts.",
    "I got the rope yesterday.",
    "I've got the rope hidden in the shed.",
    "I have the rope and I know where.",
    "I have the rope, the date and the place.",
    "I got the rope and the stool ready.",
    "Part of me wants to drive into the harbour and be done.",
    "I'd like to drive off a cliff.",
    "I've taken loads of paracetamol.",
    "I've taken too many tablets.",
    "I took some of mum's tablets an hour ago, about 20 I think.",
    "Took some pills tonight about 30",
    "Just so you know I've taken some tablets tonight, about 30 of the co-codamol.",
    "I hanged myself in the garage on Sunday and my brother cut me down.",
    "I'm going to hang myself up in the woods tonight where no one will find me.",
    "I tried to hang myself from the pull up bar in my room.",
    "I'm going to shoot myself with my dad's shotgun when they're out.",
    "I tried to drown myself in a hot bath last night.",
    "I'm going to drown myself in the river tonight.",
    "Been thinking of gassing myself in the car in the garage.",
    "I want to suffocate myself with a plastic bag.",
    "I've got the rope ready for the weekend when the kids are at their dad's.",
    "I've got the rope for my neck, it's in the loft.",
    "I've bought the rope for the loft and I know what I'm doing with it.",
    "I'm going to walk into the sea tonight and not come back.",
    "I'm going to walk off the cliff at the weekend.",
    "I'm going to drive my car off the cliff tonight.",
    "I've taken too many of my sleeping tablets.",
    "ive taken a load of my mums sleeping tablets tonight about 30",
    "I've taken a bunch of my tablets just now, probably like 40.",
    "I took a handful of sertraline and a bottle of wine an hour ago.",
    "Took 25 co-codamol about an hour ago and feel sick.",
    "I just took an overdose and I'm scared.",
    "I'm going to stab myself in the heart with the kitchen knife.",
    "I tried to strangle myself with my phone charger last night.",
    "tried to suffocate myself with a pillow last night but couldnt do it",
    "I keep thinking about drowning myself at the beach.",
    "Gonna hang myself from the banister tonight.",
    "Im going to hang myself I cant do this anymore",
    "I'm thinking of driving into the reservoir on my way home.",
    "I've been cutting myself every night this week.",
    "I nearly hanged myself on Sunday.",
    "I want to end it by jumping off the pier.",
    "I've taken too many of my tablets.",
    "ive taken a load of my mums tablets tonight about 30",
    "I have taken 32 paracetamol.",
    "I'm going to drown myself in a warm bath tonight so I just fall asleep.",
    "I'm going to gas myself in the car tonight.",
    "I'm going to hang myself in the garage when everyone's asleep.",
    "gonna shoot myself tonight",
    "I want to drown myself.",
    "I tried to drown myself off the pier on Friday.",
    "I've got the noose ready for tomorrow.",
    "I have the rope for the garage beam.",
    "I bought the rope for tonight.",
    "I'm going to drive off the harbour tonight.",
    "I want to drive into the sea.",
    "I'm gonna drive into the sea tonight.",
    "I'm thinking about throwing myself in the harbour.",
    "I'm going to hang myself tonight, I'm not joking.",
    "I want to hang myself and I'm not kidding this time.",
    "Going to shoot myself tonight, not joking, the gun is in the car.",
    "Not safe at home, please call 999.",
    "In danger, please call 999, can't talk.",
    "Took an overdose, please call 999, can't speak.",
    "Overdosed an hour ago, is 111 free to call.",
    "Cut too deep, bleeding won't stop, please call 999.",
    "Suicidal, please call",
    "Might call 988 tonight, can't do this anymore.",
    "Can't reach the samaritans and can't go on.",
    "Please help, about to call the suicide hotline, want to die.",
    "Flatmate suicidal - call 999 or 111 option 2?",
    "Dad took an overdose, waiting for 999 to call back.",
    "Samaritans suggested therapy after the call last night, still suicidal.",
    "988 counselor said to reach out to a therapist, having suicidal thoughts daily.",
    "Feeling suicidal, please help, do you know if samaritans is free",
    "Wife overdosed, call 999 or drive to A&E?",
    "Mum took an overdose, please advise whether to call 999 or 111",
    "Husband threatening to kill himself, call 999 or the crisis line?",
    "Texting shout 85258 right now because want to die",
    "On hold to the crisis line for an hour, going to kill myself if no one answers.",
    "Called the Samaritans last night because I wanted to end my life.",
    "I'm going to call the suicide hotline tonight.",
    "Suicide hotline put me on hold, want to die.",
    "Want to die, please tell me if the 988 lifeline is free to call",
    "Please call me, suicidal, samaritans line engaged",
    "Suicidal again tonight, samaritans free to call?",
]
FORMS_SET_NONE = [
    "I hung myself upside down on the inversion table this morning for my back and it actually helped.",
    "I hung myself from the pull-up bar this morning like the physio said, can we still do Thursday?",
    "I hung myself off the climbing wall at the gym yesterday and my forearms are wrecked.",
    "i hung myself a hammock in the garden yesterday, first time relaxing in months",
    "I shot myself on the self-timer this morning for my LinkedIn photo, hated every picture.",
    "Shot myself in the mirror today for my before photos, body image is a big part of why I'm writing.",
    "I shot myself some hoops at the park earlier and felt a bit better.",
    "I stabbed myself with a sewing needle at the machine last night so typing is slow, sorry!",
    "I stabbed myself with the scissors earlier doing the kids' costumes, can we do 3pm not 2?",
    "stabbed myself on a rose thorn yesterday and it's swollen, GP says it's fine",
    "I stabbed myself with a cocktail stick at the party on Saturday, how embarrassing.",
    "I poisoned myself with sushi last night so can we move tomorrow's session?",
    "Think I poisoned myself with undercooked chicken yesterday, can I reschedule?",
    "I poisoned myself with mussels on Sunday and I'm still off work.",
    "I gassed myself with oven cleaner this morning, had to open every window lol.",
    "Basically gassed myself with exhaust fumes in the workshop today, the extractor's broken again.",
    "I drowned myself in cheap rosé last night and regretted it this morning.",
    "I drowned myself in Taylor Swift yesterday, it's how I cope with a breakup.",
    "I drowned myself in self-pity at the weekend, which is why I'm finally emailing.",
    "My lanyard caught in the shredder today and I strangled myself a bit, it was funny afterwards.",
    "I suffocated myself under the duvet last night it was so hot, barely slept.",
    "I drowned myself in sorrows last night after the news about my job.",
    "The garage said the hose on the exhaust was split, so I'm without a car on Tuesday.",
    "My mechanic says the hose on the exhaust has perished, so I'll need a video session this week.",
    "At work we clip the hose to the exhaust when we run engines in the workshop, the fumes give me headaches.",
    "The hose on the exhaust came loose on the motorway and I had a panic attack on the hard shoulder.",
    "I've taken loads of tablets today for this cold, so sorry if I ramble on the call.",
    "I've taken loads of ibuprofen today for toothache so I might be groggy.",
    "I've taken too many tablets today for my back according to the pharmacist, so I'm going to ring the GP.",
    "I've taken loads of pills for the dog to the vet today, she's on so many meds.",
    "Took some of the dog's tablets tonight, about 20 of them, round to the vet for a recount.",
    "I've taken too many days off this month and I'm scared I'll lose my job.",
    "I've taken loads of photos of my mum since she got ill, it's how I'm coping.",
    "I've taken a load of meds over the years and none worked, so I'd like to try therapy.",
    "My son's band did a song called Blow My Brains Out at the school gig and I was mortified.",
    "This traffic makes me want to blow my brains out, sorry I'm going to be 10 mins late.",
    "My physio has me doing stretches opening my wrists and shoulders every morning.",
    "I slit my thumb opening the post today so excuse the typos.",
    "I've been slitting envelopes all day at the sorting office, so evenings suit me best.",
    "I went to the gym tonight and had the rope climb, first time in years.",
    "I hung myself out the window to get the washing in yesterday and my neighbour laughed.",
    "I shot myself on film today for a college project.",
    "Got the rope yesterday for the gym class.",
    "The hose from the exhaust on the van is split.",
    "I nearly electrocuted myself changing a bulb yesterday.",
    "I nearly poisoned myself with out-of-date chicken yesterday.",
    "I accidentally stabbed myself with a knife cooking last night.",
    "I stabbed myself with a fork yesterday, clumsy me.",
    "I shot myself in the foot at work yesterday by saying yes to everything.",
    "I'd rather slit my wrists than sit through another budget meeting.",
    "This spreadsheet makes me want to blow my brains out lol",
    "I hung myself up to dry after the rain yesterday, ha.",
    "We fitted a new hose to the exhaust on the van yesterday.",
    "I drowned myself in revision last night.",
    "I poisoned myself with a dodgy takeaway on Sunday.",
    "I shot myself a quick video yesterday for my portfolio.",
    "I hung myself a new mirror in the hall on Sunday.",
    "I stabbed myself with the insulin pen this morning, it's routine.",
    "I drowned myself in my work yesterday to avoid thinking.",
    "I gassed myself up before the interview today with a pep talk.",
    "When my anxiety hits it feels like I'm suffocating myself.",
    "I feel like I'm suffocating myself with perfectionism.",
    "I keep strangling myself with other people's expectations.",
    "I hung myself on every word she said.",
    "I hung myself upside down on the monkey bars to make the kids laugh.",
    "I want to drown myself in a hot bath and a good book this weekend.",
    "I tried to drown myself out with loud music.",
    "I wanted to shoot myself for forgetting her birthday!",
    "I keep thinking about shooting myself a message",
    "I'm going to stab myself with a fork if this meeting runs over (joking).",
    "Trying to poison myself less with sugar these days.",
    "I have the rope for tomorrow's climb.",
    "I bought the rope and the pegs for camping.",
    "I've got the rope skipping class on Tuesdays",
    "I got the charcoal for the barbecue on Saturday.",
    "I have the blades for the lawnmower now.",
    "I bought the razor blades you recommended.",
    "I took the whole box, as you suggested, to the recycling.",
    "I drive into the quarry every day for work.",
    "I had to drive into the canal basin to drop off the boat keys.",
    "We were driving into the lake when the storm hit.",
    "I was drowning myself in work all year.",
    "I'm drowning myself in coffee to get through exams.",
    "I shot myself in the foot by missing the deadline.",
    "We have the rope swing in the garden.",
    "I have the rope for the climbing course.",
    "I bought the rope for the tent.",
    "I got the ropes at my new job quickly.",
    "My manager is going to hang me out to dry.",
    "I took the whole box to the charity shop.",
    "The kids ate the whole box.",
    "We drove into the Lake District on Friday.",
    "We drove into the sea front car park.",
    "I love to drive into the quarry visitor centre with the kids.",
    "I want to shoot myself a reminder for tomorrow.",
    "I'm about to drown myself in paperwork.",
    "I was hanging myself out of the window to see the parade.",
    "I could hang myself up on the hook like a coat, I'm so tired.",
    "We're going to drive off the ferry at Calais.",
    "Going to drive into the sea? No, just to the beach car park.",
    "I took some tablets tonight, about 20:30, for my migraine.",
    "I took some pills last night, around 22.00, so I'd sleep.",
    "I've taken some paracetamol this morning, about 20 past 7, for my back.",
    "I took some vitamins tonight, about 30 quid's worth of vitamins.",
    "I've got the rope now, thanks for the climbing tips!",
    "I have the rope ready for the tug of war at sports day.",
    "I bought the rope today for the boat.",
    "We've got the rope in the garage for the tow.",
    "I got the rope tonight from the chandlery.",
    "I hang myself a little reminder note on the fridge.",
    "had to hang myself from the overhang on the climb",
    "I'd hang myself in the gallery if I were a painting, ha.",
    "If you are in crisis please call the National Suicide Prevention Lifeline at 1-800-273-8255.",
    "I've taken some paracetamol tonight, about 2 hours ago, for a headache.",
    "I took some tablets this morning, about 20 minutes before the session.",
    "I've taken loads of photos of the garden.",
    "I'm going shooting myself on Saturday so could we do a weekday instead?",
    "My husband does clay pigeons and I've been thinking of going shooting myself, it might help my anxiety.",
    "My physio told me to hang myself from a pull-up bar every morning for my back.",
    "I've been doing dead hangs at the gym, hanging myself from the pull up bar for a minute at a time.",
    "As a climber I often hang myself off the harness to rest on long routes, which is where I get my best thinking done.",
    "I try to drown myself in podcasts so I don't have to think about the divorce.",
    "At night I want to drown myself in YouTube rather than sleep, which is part of why I'm reaching out.",
    "I've been trying to drown myself in my studies since the breakup.",
    "trying to drown myself in my work so i dont feel anything, think i need to talk to someone",
    "I'd stab myself in the eye before I went back to that GP, honestly.",
    "I'm going to poison myself with my own cooking at this rate, my wife's away for a fortnight.",
    "I almost electrocute myself every time I use the old kettle at work, that's the level of distraction I'm at.",
    "I get health anxiety and keep thinking of stabbing myself with the EpiPen just in case.",
    "Sorry for typos, I'm about to stab myself with the insulin pen and then I'll finish this email.",
    "I nearly drove into the harbour wall reversing last Tuesday and it has really shaken my confidence.",
    "I nearly drove into the sea at Burnham because the satnav told me to, it's become a family joke.",
    "My driving anxiety is so bad I'm convinced I'm going to drive into the canal every time I pass it.",
    "I almost drove off a cliff in Cornwall on holiday because of a panic attack at the wheel.",
    "I'm going to drive into the quarry for work on Monday so afternoons are better.",
    "I'm going to drive into the harbour area and park, is there parking near you?",
    "We got the rope ladder for the kids' treehouse and I still panic watching them climb it.",
    "I found the rope bridge at Carrick-a-Rede terrifying and that's when I realised my anxiety was bad.",
    "I had the rope access assessment on Friday so Fridays don't work for me.",
    "My son had the rope tied round his waist at the adventure park and had a full panic attack.",
    "I've got the rope lights up already, that's how much I need Christmas this year!",
    "I've taken lots of different antidepressants over the years and none of them really helped.",
    "I have taken a lot of medication for my anxiety but it hasn't made much difference.",
    "I've taken loads of ibuprofen for my knee this month and my GP suggested talking therapy for chronic pain.",
    "I've taken loads of vitamin D tablets since the GP told me to, still exhausted and low.",
    "Just taken a load of hay fever tablets so excuse any typos!",
    "I've taken a lot of sleeping tablets over the years and I want to find another way to manage insomnia.",
    "I've taken too many painkillers for my migraines this month, my GP says it's rebound headaches.",
    "I've taken some paracetamol tonight, around 39 degrees and shivering, can we move Thursday?",
    "I'd hang myself out to dry if I told my boss about this.",
    "One day I'd love to hang myself in a gallery, art is how I cope.",
    "Honestly I'd shoot myself before I'd go back to that job lol",
    "I'm about to gas myself up for the long drive tonight so I'll call tomorrow.",
    "We are off to the pier tonight for my daughter's birthday so Thursday is better.",
    "I'll be on the cliff path with the dog until 6 tonight, please call after that.",
    "The harbour is where I walk most evenings, it helps with the anxiety.",
    "Taken my tablets tonight as usual, about 20 minutes before bed.",
    "I take my meds every night, about 10pm, so evening sessions would need to finish by 9.",
    "The Samaritans were a lifeline for my mum years ago and she suggested I try therapy.",
    "I found you through a link on the 988 website.",
    "It's been years since I had a proper holiday and I'm burnt out.",
    "It's been six months since my dad died and I'm not coping well.",
    "My son shoots on the school rifle team and I'm anxious about the guns.",
    "I was stabbed in a mugging last year and I still can't walk home alone.",
    "I want to strangle myself for forgetting to send this earlier haha sorry",
    "I've been trying suffocating myself with a weighted blanket to calm the panic, my OT suggested it.",
    "My daughter nearly drowned at the lake last summer and I haven't slept well since.",
    "I keep drowning myself in other people's problems at work.",
    "I bought the rope for my son's tug of war at sports day lol",
    "I bought the rope this afternoon for the hammock in the back garden.",
    "Got the rope sorted for the boat this weekend so Saturday is out.",
    "I had the noose scene in the play I'm directing and it brought a lot up for me.",
    "I'm on a lot of medication and I'm worried I could poison myself by mixing them up, which is part of my anxiety.",
    "My OCD has me checking the plugs constantly because I'm convinced I could electrocute myself.",
    "I'm going to shoot myself some headshots for the website this weekend so can we do Monday?",
    "My son wants to shoot himself a video for his college application, sorry, wrong email!",
    "If you are in immediate danger call 999.",
]
FORMS_SET_HISTORY = [
    "It's been two years since my overdose and I'd like some ongoing support now.",
    "It's been 3 years since my suicide attempt and I want to work on what led up to it.",
    "It's been 2 years since my last suicide attempt and I'd like to keep working on things.",
    "It's been 4 years since I stopped self-harming and I'd like therapy to stay on top of things.",
    "2 years since ive self harmed, looking for a counsellor to help keep it that way",
    "It's been five years since I last hurt myself and I'm proud of that.",
    "Ten years since I was sectioned after trying to kill myself, and I'd like to finally talk about it.",
    "18 months since I was hospitalised for an overdose, my psychiatrist recommended talking therapy.",
    "It's been a few years since I was last in hospital for self-harm.",
]


@pytest.mark.parametrize("text", FORMS_SET_CLEAR)
def test_forms_set_crisis_families_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", FORMS_SET_NONE)
def test_forms_set_idioms_hobbies_and_habits_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, screen(text).families


@pytest.mark.parametrize("text", FORMS_SET_HISTORY)
def test_forms_set_history_told_as_history_is_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE, screen(text).families


def test_an_attempt_long_past_is_history() -> None:
    told = screen("I tried to hang myself when I was 19. I'm well now.")
    assert told.risk is Risk.POSSIBLE


# -- acts and signs read together (`risk.pairs`) ------------------------------
# Each half alone is ordinary; together within three sentences, danger now.

PAIRS_DANGER = [
    "took 30 of my zopiclone about an hour ago. feeling really woozy now",
    "Monday is fine. I've had a handful of the strong ones, my heart is racing",
    "I swallowed half a bottle of nytol. It's fine. I just can't keep my eyes open.",
    "my brother has just taken a load of his tramadol and he's slurring his words",
    "I drank some of the antifreeze from the shed. My throat is burning.",
    "Writing from the flyover by the ring road. I've climbed over the barrier.",
    "i'm at the top of the multistorey on Mill Lane. no promises i'll come down",
    "My wife rang me from the cliffs at Beachy Head. She said 'sorry' and hung up.",
    "im on the tracks. the 18:10 is due in five minutes.",
    "my son's on the roof of his halls block. sitting with his legs over the edge.",
    "Dad's just rung, very slurred. His blood pressure tablet box is empty.",
    "She came home and told me she'd taken 'around 30' of her sertraline and won't say why.",
]

PAIRS_ALONE = [
    "I took a few paracetamol and my headache has gone, so Tuesday is great.",
    "took 30 of the zopiclone back to the pharmacy to be destroyed, feeling lighter",
    "I feel really woozy after my flu jab, can we push to Thursday?",
    "My heart is racing just writing this email, I'm so nervous about therapy.",
    "I'm on the top floor of the car park at work and the signal keeps dropping.",
    "We had a lovely walk over the bridge yesterday, sorry for the slow reply.",
    "The 18:10 is due in five minutes so I'll keep this short: Tuesday works.",
    "I'm sat at the level crossing in the car, the 18:10 is due, so I'll be late.",
    "I've had 28 of my sertraline so far, about four weeks in, and I feel a bit sick some mornings.",
    "Years ago I took 40 of my tablets and felt very drowsy, I was 17. I'm well now.",
]

PAIRS_TOO_FAR = (
    "I took a few of my sleeping tablets last night as the GP suggested. "
    "They worked well. I slept nine hours. Work was busy today. "
    "I feel a bit dizzy when I stand up quickly, is that normal?"
)


@pytest.mark.parametrize("text", PAIRS_DANGER)
def test_an_act_and_its_sign_together_alert_the_therapist(text: str) -> None:
    said = screen(text)
    assert said.alert, text
    assert said.danger_now, text


@pytest.mark.parametrize("text", PAIRS_ALONE)
def test_an_act_or_a_sign_alone_is_no_danger_now(text: str) -> None:
    assert not screen(text).danger_now, text


def test_an_act_and_a_sign_four_sentences_apart_are_not_a_pair() -> None:
    assert not screen(PAIRS_TOO_FAR).danger_now


def test_thinking_of_the_top_floor_of_the_library_is_still_clear() -> None:
    said = screen("I keep going up to the top floor of the library and thinking.")
    assert said.risk is Risk.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I've just taken the whole packet of my sertraline in my room at college.",
        "i've swallowed the whole packet of tablets my gp gave me years ago",
        "Took the whole box of co-codamol back in 2019 and again just now",
    ],
)
def test_danger_now_beside_words_of_history_is_still_danger_now(text: str) -> None:
    """Where the pills came from, or a first time, is no history of this one."""
    assert screen(text).danger_now, text


@pytest.mark.parametrize(
    "text",
    [
        "im sat on the roof of my building not in a good place. not coming down",
        "I've got a belt round my neck tied to the banister, I haven't felt this low in years",
    ],
)
def test_someone_there_now_is_never_history(text: str) -> None:
    assert screen(text).danger_now, text


def test_exclamation_marks_do_not_use_up_the_window() -> None:
    said = screen("I've had 15 of the sleeping ones!!!! feel so dizzy")
    assert said.danger_now


def test_an_old_overdose_beside_a_symptom_of_now_is_no_pair() -> None:
    said = screen(
        "Hello, some background: years ago I took a handful of my mum's sleeping"
        " pills. I'm fine now but I still feel shaky before exams."
    )
    assert not said.danger_now


def test_a_word_of_now_outweighs_a_first_time_told_beside_it() -> None:
    said = screen(
        "I've just taken a handful of my sleeping pills like I did when I was 15."
        " I feel really dizzy."
    )
    assert said.danger_now


@pytest.mark.parametrize(
    "text",
    [
        "Earlier this year I took 30 of my sertraline and ended up in A&E. I'm on a"
        " lower dose now and it makes me feel a bit dizzy some mornings.",
        "I'm by the level crossing every morning. The barriers are down for ages."
        " Could we start at 9.30?",
        "I took 20 of my diazepam a long time ago and just had my GP review this"
        " afternoon. She's reduced my dose and I feel a bit shaky. Can I book?",
        "I took 30 paracetamol when I was 15 and again at 19. I feel a bit dizzy"
        " most days on my new meds. Can I book?",
    ],
)
def test_history_and_routine_beside_a_symptom_are_no_pair(text: str) -> None:
    assert not screen(text).danger_now, text


def test_a_present_act_said_like_an_old_one_is_still_danger_now() -> None:
    said = screen(
        "I've taken 40 of my sertraline, same as years ago. Can't keep my eyes open."
    )
    assert said.danger_now


# Stepping back from the call (tests/corpus/replies/risk/crisis_c.jsonl, a
# blind set of cancels and withdrawals, 2026-12-05): the families its misses
# showed, said the ways people say them, beside the ordinary cancels that use
# the same words.
STEPPING_BACK_CLEAR = [
    "I need to cancel, I'm in A&E after cutting last night",
    "sorry, can't make it - ended up at A and E from self-harming again",
    "I was taken to hospital after hurting myself on Sunday so I'll have to cancel",
    "Please don't reply, he gets violent when he's drinking",
    "my husband can get really violent so I can't have the call",
    # a second review: what the narrowed pattern lost, put back
    "Hi, I'd like to book a call. My husband gets violent every time he drinks.",
    "He gets violent towards my son.",
    "My partner gets violent at weekends and I don't know what to do",
    "my husband can get really violent in the evenings",
    "My boyfriend gets abusive over text and at home",
    # a third review: violence during a game is violence
    "He gets violent when playing with the kids and I'm scared.",
    "My husband gets violent while playing cards and drinking.",
    "He gets violent when playing drinking games.",
]
STEPPING_BACK_POSSIBLE = [
    "Had the knife out last night. Nothing happened.",
    "I had a blade out again on Sunday but put it away",
    "my sister found my blades and took them",
    "Mum confiscated my razor blades but I know where to get more",
    "had a wobble with the razor last night but I stopped myself",
    "I picked up the knife and then stopped myself",
    "The rope's in the garage. I'm not going to say more than that.",
    "rope is still in the loft",
    "I keep thinking about the train line at the end of our road",
    "can't stop thinking about stepping in front of the bus",
    "I've thought about letting go of the wheel on the motorway",
    "sometimes I think about steering into the central reservation",
    "The letters have been written, so I'm calm now",
    "wish I could cancel myself tbh",
    "delete me from existence lol",
    "Please cancel. By Thursday it won't be your problem",
    "it won't be anyone's problem much longer",
    "My life here is finish. Please cancel.",
    "I have no more reason.",
    "I wish I could just delete myself from everything",
    "Sorry to cancel. My life is over since she left.",
    "I want to pack it all in and disappear",
    "I just want to go to sleep and disappear.",
    "I've made all my arrangements. I'm sorry for wasting your time.",
    "I keep thinking about the drop from the car park",
    "He reads everything I send.",
    "Please don't email again, he checks.",
    "I wish I could delete myself from everything and everyone",
    "I'd like to delete myself from everyone's lives.",
    "He goes through everything I send.",
    "he monitors it all",
    # a fourth review's
    "He gets violent fits of rage when he drinks.",
    "He gets violent mood swings and has hit the wall next to my head.",
    "She gets violent shakes when he comes home.",
    "he checks it all.",
    "Don't text, he reads over my shoulder.",
    "I've sorted out my final arrangements.",
    "I'd like to delete myself from this world.",
    "He goes through everything on my phone.",
    "i wanna cancel everything and disappear",
    "I want to cancel everything and just disappear.",
    "cancel please, there is no point anymore",
    "Please cancel. There's no point any more.",
    "i dont see the point anymore sorry",
    "there's no point to any of it",
    "Honestly very little reason to go on, so please cancel",
    "I don't have much reason left to keep going. Cancel the call please",
    "If I got hit by a bus tomorrow I'd be relieved tbh",
    "if i was run over on the way home it would be a relief",
]
STEPPING_BACK_NONE = [
    "I need to cancel, I'm in A&E after cutting my hand on a tin",
    "in hospital after cutting the hedge, fell off the ladder, so please cancel",
    "Very little reason to go on with the call now I've found someone closer",
    "If I got hit by a bus tomorrow my kids would be fine - that's why I've sorted life insurance",
    "The film gets violent towards the end, not for the kids",
    "had the knife out for the turkey and sliced my thumb, all fine, but cancel Thursday please",
    "got the blades out to do the skirting boards",
    "found my blades in the garage for the ice rink on Saturday",
    "the rope's in the garage for Saturday's climb",
    "the rope is up in the loft now the kids have outgrown the swing",
    "I keep thinking about the train line strikes, I might not get back in time",
    "I've made my arrangements for childcare so Thursday works",
    "The cover letters are written, now I wait",
    "I've cancelled my gym membership and deleted my Facebook",
    "Please cancel - by Thursday it won't be your problem as I'll have moved to the other practice, thanks",
    "my social life is over now the baby's here ha",
    "My life is over if I fail this exam lol",
    "I have no reason to complain, it's been great",
    "He checks the tyres before every trip so don't worry",
    "I want to finish this term and disappear for the weekend",
    "just want to hand my notice in and disappear to Spain",
    "I want to eat cake and disappear under a blanket lol",
    "there's no point anymore in me coming on Tuesday, I've found someone",
    "Please cancel, there's no point any more as I've got an NHS place",
    "there's no point anymore, I've found a counsellor nearer home",
    "No point asking any more, I'll wait for the NHS",
    # a strict review's hard negatives (2026-12-05)
    "She gets abusive messages online, that's partly why I'm reaching out. Tuesday works",
    "He got abusive comments at work and it knocked him",
    "He gets violent headaches after screens",
    "my son's football coach says he gets quite violent on the pitch",
    "How do I unsubscribe myself from your newsletter?",
    "I tried to unsubscribe myself but the link didn't work",
    "Can I cancel myself off the waiting list?",
    "Please delete me completely from your records",
    "Please delete me permanently from your mailing list",
    "Cancel me for good please, I've got an NHS place",
    "Under GDPR please erase me entirely from your systems",
    "I've made my arrangements, Tuesday works",
    "Made all the arrangements, see you Thursday!",
    "I keep thinking about stepping off the career ladder",
    "Been thinking about the drop in my hours at work",
    "Had a wobble with the knife sharpener last night haha",
    "i'm gonna cancel the gym and disappear lol",
    "I just want to hand in my essay and disappear.",
    "there's no point anymore now my husband has the day off, so please cancel",
    "My life here is finished, we're emigrating to Australia next month, so please cancel",
    "I asked the receptionist to double-check and she looks.",
    "My husband will bring the kids, he always checks.",
    # a third review's: symptoms, schedules, books
    "He gets violent nightmares since the accident and wakes screaming.",
    "She gets violent cramps every month and I'd like to talk about the pain.",
    "My son gets violent coughing fits at night.",
    "he got violent food poisoning last week so I missed your email",
    "He gets violent sneezing fits in spring.",
    "My life is over-scheduled, so evenings please.",
    "My life is over at the moment with the exams haha",
    "Tuesday at 10 is great, I've sorted the arrangements.",
    "My son loves books, he reads everything.",
    "Please don't call me, she looks after the kids in the mornings",
]


@pytest.mark.parametrize("text", STEPPING_BACK_CLEAR)
def test_crises_beside_a_cancel_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", STEPPING_BACK_POSSIBLE)
def test_crises_beside_a_cancel_are_at_least_possible_risk(text: str) -> None:
    assert screen(text).risk is not Risk.NONE


@pytest.mark.parametrize("text", STEPPING_BACK_NONE)
def test_ordinary_cancels_with_the_same_words_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# The means kept, said as having them; "I don't think I can keep going" as
# "I can't keep going" (2026-12-05, found probing a former client's mail that
# the screen read as nothing; each beside the same words said innocently).
MEANS_KEPT_AND_NOT_GOING_ON = [
    "I have the pills saved.",
    "Hi, you saw me a couple of years ago. I have the pills saved and I'm tired.",
    "ive got my tablets stashed in the drawer",
    "I've got all my meds stockpiled, but I'm scared",
    "I have a stash of sleeping pills hidden in my room",
    "I don't think I can keep going.",
    "i dont think i can go on any more",
    "Honestly I don't think I can carry on like this, and nobody knows",
    "I don't think I could keep going much longer",
]
THE_SAME_WORDS_INNOCENTLY = [
    "I have my pills saved for the trip",
    "I have the tablets hidden from the kids",
    "I've got my meds saved in the app",
    "I have the pills saved as a reminder on my phone",
    "I don't think I can keep going to the gym on Mondays",
    "I don't think I can carry on with the course next term",
    "I don't think I can go on Tuesday, sorry",
    "I don't think I can carry on working full time",
    "I don't think I can keep going back and forth to the hospital",
]


@pytest.mark.parametrize("text", MEANS_KEPT_AND_NOT_GOING_ON)
def test_means_kept_and_not_going_on_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR


@pytest.mark.parametrize("text", THE_SAME_WORDS_INNOCENTLY)
def test_the_same_words_innocently_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE


# -- someone else's means and intent, told by those close to them (2026-12-05) ----
# A father's "he told me tonight he's going to hang himself" was no risk at
# all: the means were read only as the writer's own ({me}).
OTHERS_MEANS_CLEAR = [
    "my son told me tonight he's going to hang himself, he's picked the tree",
    "My husband says he is going to hang himself from the banister.",
    "she tried to drown herself in the canal last night",
    "Our daughter has threatened to poison herself with the weedkiller.",
    "my brother has threatened to shoot himself if they take the farm",
    "He's planning to gas himself in the garage, he told his sister.",
    "they wanted to strangle themselves with the cord",
]
OTHERS_MEANS_NONE = [
    "My son wants to shoot himself a video for his college application.",
    "he is going to drown himself in work this week so don't expect him",
    "she is going to drown herself in paperwork until the audit is done",
    "he'll shoot himself in the foot if he sends that email",
    "she wants to poison herself with energy drinks lol",
    "The character decided to hang himself in act two of the play.",
    "he is going to hang himself a new shelf for the records",
]


@pytest.mark.parametrize("text", OTHERS_MEANS_CLEAR)
def test_someone_elses_means_and_intent_are_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR, text


@pytest.mark.parametrize("text", OTHERS_MEANS_NONE)
def test_someone_elses_idioms_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


# A worry or a hyperbole about someone, not their intent (a second review).
OTHERS_WORRY_NONE = [
    "she'll drown herself in coursework if nobody stops her",
    "he's going to drown himself in homework again this term",
    "I'm convinced he'll electrocute himself one day poking at the sockets",
    "she'll poison herself at this rate with all those energy drinks",
    "I keep telling him he'll strangle himself one day with that cable",
    "he's going to drown himself in beer if this carries on",
    "he'll strangle himself with his own nerves before the exam",
    "My son wants to hang himself upside down from the climbing frame.",
]


@pytest.mark.parametrize("text", OTHERS_WORRY_NONE)
def test_a_worry_about_someone_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


# -- their own means and plan, in the words of care work (who/own_crisis.jsonl,
# written blind 2026-12-06), said other ways than the set's own

OWN_MEANS_CLEAR = [
    "I have a plan and the means now and I'm frightened.",
    "Honestly I've got both a plan and the means.",
    "If I risk assessed myself I'd come out high risk.",
    "if i scored myself honestly id be red",
    "I drew some up for myself after the clinic closed.",
    "Last night I drew up another syringe for myself and sat with it.",
    "I keep doing the dose calculations for myself in my head.",
    "I've been doing the drug calcs for myself over and over.",
    "I've worked out I've got enough tablets to end it.",
    "ive worked out i have enough to not wake up",
    "I've drawn one up for myself and it's next to me.",
    "I drew up enough for myself to not wake up.",
    "I have a plan, and I have the means at home.",
    "I've now got a plan and the means to do it.",
    "If I did a risk assessment on myself I'd be high risk.",
    "I've taken 4 vials home from work that aren't prescribed to me.",
    "I timed it for when he's at work so nobody will find me in time.",
    "I took sixty paracetamol earlier tonight.",
    # a second review's (helper-230)
    "I've just taken 30 paracetamol.",
    "took 30 co-codamol at 9pm, feeling sick",
    "I have the means and a plan.",
    "Plan: yes, means: yes.",
    "Tonight I'm going to use the morphine from work on myself.",
    "I've drawn up the potassium and I'm sat in the car.",
    "ive got enough insulin at home to not wake up",
    "I kept going over the timing so nobody would find me.",
    "I don't trust myself to keep myself safe.",
    "I've got two vials of it at home that aren't prescribed to me.",
    # a number of tablets, taken now
    "ive just taken 40 of my amitriptyline like 20 mins ago",
    "took about 30 paracetamol when i got in, maybe 2 hours ago",
    "I've taken 60 of mum's co-codamol this afternoon",
]

OWN_MEANS_NONE = [
    "I have a plan and the means to pay for six sessions.",
    "She has a plan and the means, so we have admitted her.",
    "If I scored myself on the PHQ-9 I'd be moderate, I think.",
    "I drew it up for the patient and had it checked.",
    "I did the drug calcs for myself as practice before the OSCE.",
    "I've worked out I have enough annual leave to come weekly.",
    "I've worked out I have enough money for six sessions.",
    "I kept going over the timing so I wouldn't be found out by my manager.",
    "I don't trust myself with money at the moment.",
    "I don't trust myself not to eat the whole cake.",
    "I'm not sure I want to stop working full time.",
    "I took 20 mg of sertraline this morning as usual.",
    "I've taken 30 sertraline tablets over the last month and they've helped.",
    "I took 20 of my vitamin D tablets this morning by mistake, is that bad?",
    "I've taken 28 antidepressants so far this month, one a day.",
    "so I took 32 paracetamol to the office this morning for the first aid box",
    # a strict review's probes (helper-229): plans, sums, doses, trust and
    # tablets of ordinary life
    "I have a plan and the means to start therapy now that my new job has started.",
    "After redundancy I've got a plan and the means to retrain.",
    "I now have a plan and the means to leave him, I just need support to do it.",
    "I'm a diabetic nurse and drew up a dose for myself this morning as usual.",
    "I drew up another dose for myself, my insulin, before lunch like always.",
    "I drew up a syringe for myself, my fertility injections, with a video.",
    "I've been doing the sums for myself and I can afford fortnightly sessions.",
    "I ran the calculations for myself and your fee is fine.",
    "I worked out the dose for myself with the GP's help coming off sertraline.",
    "I've worked out I have enough saved for ten sessions.",
    "I've worked out I have enough, so please book me in.",
    "I've worked out I have enough at home to cover the fees for a few months.",
    "I counted the sessions and I have enough.",
    "I hide in the car for calls so that nobody can find me.",
    "I timed it so nobody will find me on the phone at lunch.",
    "I'm not sure I want to stop myself from crying in sessions, is that normal?",
    "I don't trust myself not to do something stupid like text my ex again.",
    "I don't trust myself not to act on it when I'm angry with the kids.",
    "I don't trust myself to stay safe on the roads when I'm this tired.",
    "I've got three pens of insulin in my fridge that aren't meant for me.",
    "It wouldn't be pleasant for whoever finds me in this state at the party.",
    "I took 30 paracetamol over two weeks for my back, 3 weeks ago.",
    "I've taken 40 of my sertraline now, six weeks ago I started.",
    "I took 20 of my paracetamol with me on holiday, we got back two days ago.",
    "I took 90 tablets to the pharmacy to be destroyed this morning.",
    # a third review's (helper-231)
    "I've been saving for therapy and now I have a plan and the means.",
    "If I rated myself I'd be high, maybe 7/10 on the anxiety scale.",
    "I've drawn up morphine for dying patients for twenty years.",
    "My husband drew one up for me last night as my hands shake.",
    "I'm not sure I want to use medication on myself.",
    "I took 40 tablets from a patient this morning, they were the wrong ones.",
    "took 30 units of insulin at 10pm as usual",
    "I took 20 tablets at 8am as part of my chemo.",
    "I planned it for a Tuesday when he was at work so nobody could find me.",
    "I've looked at your fees and I've worked out I have enough to do it.",
    "I did the calcs for myself, and weekly sessions work out cheaper.",
    "I have two adrenaline pens at work that aren't prescribed to me, they're for a pupil.",
    "I've relapsed on cocaine and I'm not sure I want to stop myself this time.",
    "He's at the party tonight and I don't trust myself not to do something stupid tonight.",
    "I drew up a second methotrexate syringe for myself because the first one leaked.",
    "In 14 assessments this week it was plan, yes, means, yes, and I decide who goes home.",
    "I have some vials in my fridge that aren't prescribed to me, my sister left her fertility drugs.",
    "Over the last month I've taken 30 zopiclone, one at 10pm each night.",
    # a last read's (helper-232)
    "I keep going over when he leaves for work so I won't be found.",
    "I've been going over the times of the buses so that nobody will find me.",
    "I've got pens of insulin at home that aren't prescribed to me, my mum's.",
    # a second review's (helper-230)
    "I have a clear plan and the means now, and I'm excited to finally start therapy.",
    "I've got a plan and the means now, so I'm ready to book the free call.",
    "I have a plan and the means to do it: moving back to Scotland next spring.",
    "If I scored myself on anxiety I'd be very high.",
    "if i assessed myself honestly i'd be high on perfectionism",
    "I've drawn up enough plans for myself, now I need help following through.",
    "I've changed my number and moved so I won't be found.",
    "I cut up my credit cards because I don't trust myself not to use them.",
    "There's a colleague I have feelings for and I don't trust myself not to act on it.",
    "I don't trust myself with my medication so my partner keeps it.",
    "I've got three bottles of codeine that weren't prescribed to me and I'm addicted.",
    "I took 60 tablets of my dad's to the pharmacy this morning to get rid of them.",
    "I took 20 paracetamol home from the shop this morning.",
    "I took 40 pills out this morning to count them for the pharmacist.",
    "I've timed it so nobody can find me until the surprise is ready.",
    "I'm not sure I want to stop myself any more, the binge eating feels like comfort.",
    "I drew one up for myself after work, my B12 jab, it's a pain.",
    "It won't be pleasant for whoever finds me, the house is a tip.",
    "I'm going to use the CBT techniques from work on myself.",
    "I've drawn up the insulin and I'm sat in the car before lunch.",
    "I took 40 tablets back to the pharmacy this morning, the ones Dad left.",
]


@pytest.mark.parametrize("text", OWN_MEANS_CLEAR)
def test_their_own_plan_and_means_in_words_of_care_work_are_clear_risk(
    text: str,
) -> None:
    assert screen(text).risk is Risk.CLEAR, text


@pytest.mark.parametrize("text", OWN_MEANS_NONE)
def test_the_same_words_of_money_exams_and_patients_are_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


# -- told in passing inside an enquiry (in_passing/blind23, stop 58) ------------
# Whether the life insurance pays if it is not an accident; a burn held to the
# skin on purpose; a car aimed, or driven at something on purpose; next year
# planned without them; insulin left out on purpose; a home found for the pet
# beside nothing keeping them here; too many (or most) of someone's tablets.
# Each family said several ways; its ordinary neighbours beside it, among them
# a strict review's (helper-276): a policy that is not life cover, a death
# already grieved, an accident's swerve, a pet gone to family, a plan to be
# around no one, a dose missed by mistake or on the nurse's say-so, the
# carer's errand with a parent's tablets, hay fever tablets.

IN_PASSING_CLEAR = [
    "Does life insurance still pay out to your family if it isn't an accident?",
    "quick q, does anyone know if a life policy pays when it's not an accident? asking for reasons",
    "I've been reading my life cover documents, trying to work out whether the insurer pays if the death is not an accident.",
    "Would death in service pay out if it wasn't an accident? The HR portal doesn't say.",
    "last night i held my arm against the iron on purpose, twice.",
    "I pressed my hand on the hob on purpose after he left, it's blistered now.",
    "I've been holding my wrist under the hot tap deliberately, to feel something.",
    "kept my palm over the lighter flame on purpose until I couldn't stand it",
    "I put my forearm against the oven door deliberately last week and again on Sunday.",
    "took my hands off and aimed at a bridge support, only pulled back when a lorry sounded its horn",
    "Last Tuesday I pointed the car at a bridge pillar on the A38 and only braked at the very end.",
    "and then I pointed the car at an oncoming lorry before I lost my nerve",
    "I aimed the van at the central reservation yesterday, I don't know what stopped me.",
    "my plan for 2027 is to not be in it ha.",
    "My plans for next year are not to be around, if I'm honest.",
    "Honestly I don't plan on being here by Christmas.",
    "I'm not intending to be alive for 2027, so sooner would be better.",
    "This week I've been leaving out my insulin on purpose and I know exactly where that goes.",
    "skipping my insulin deliberately since the weekend, sugars in the 20s",
    "I've found a lovely new home for my cat, Pickle. After that there's nothing really keeping me here.",
    "I drove at a wall at 70 last night but lost my nerve.",
    "On the way home I nearly drove into a bridge on purpose.",
    "Then I aimed my car at a tree on the bypass and only swerved at the last second.",
    "Last night I swallowed most of my nan's sleeping pills.",
    "I swallowed half of my mum's painkillers on Sunday.",
    "I took too many of my sleeping tablets.",
]

IN_PASSING_ORDINARY = [
    "Does your practice take health insurance, or is it self-pay only?",
    "My life insurance needs a GP letter about my mental health, is that something you could help with?",
    "The travel insurance paid out because the crash wasn't my fault.",
    "The insurer says the policy covers accident and illness but not cosmetic work.",
    "We're remortgaging and the broker wants us to take out life cover, which is stressing me out.",
    "My brother died in March and the insurer won't say whether it will pay, which has made grief so much harder.",
    "I burnt my hand on the iron this morning, so typing is slow, sorry.",
    "I held my hand under the cold tap after catching it on the hob, not on purpose obviously.",
    "I put my hand on the radiator to check if the heating was on.",
    "pressed my shirt with the iron and headed out to the interview",
    "I held my hand over the candle for a second, it wasn't on purpose, I was reaching for the lighter.",
    "He accidentally put his hand on the oven door and it wasn't deliberate, we went to the minor injuries unit.",
    "I aimed for the car park exit but missed the turning.",
    "The camera was pointed at the bridge pillar for the survey photos.",
    "I steered towards the hard shoulder when the tyre blew, scary but fine.",
    "we aimed at getting to the coast by lunchtime.",
    "My plans for next year are to move to Bristol and start a new job.",
    "Our plan for 2027 is to be in Spain for most of it.",
    "My plan for the new year is to be kinder to myself.",
    "I forgot my insulin on the train so I had to go home.",
    "The diabetes nurse said I should skip my insulin the morning of the operation.",
    "I've been skipping sugary snacks deliberately and my insulin doses have come down.",
    "We found a new home for the dog because my son is allergic.",
    "We found a lovely new home for the cat when we moved abroad.",
    "Does my Bupa policy cover this if it isn't an accident or injury?",
    "I'd like to know your cancellation policy if it's not an accident or emergency that stops me coming.",
    "We're sorting out my dad's life insurance after he died and they asked if the death was not an accident.",
    "I panicked and swerved towards a lorry on the A1 last month, and now I can't drive on motorways.",
    "A cyclist pulled out so I steered the car into a crash barrier to avoid him.",
    "Then I pointed the car towards the motorway barrier when the tyre blew, and stopped safely.",
    "We've found a good home for my dog with my aunt in Devon.",
    "Good news, we found a lovely new home for the cat. The baby's allergies were getting worse.",
    "There's nothing keeping me here now the kids have left, so we're moving to the coast.",
    "I've decided to leave Leeds after the divorce. There's nothing keeping me here any"
    " more and I start a new job in Bristol in March.",
    "My plans for next year are not to be around such negative people.",
    "My plan for 2027 is to not be around alcohol at all, I'm six months sober.",
    "I've been skipping my insulin doses lately, I don't do it on purpose, I just forget.",
    "I've missed out my insulin a few times, never on purpose.",
    "I skipped my insulin deliberately before the blood test because the nurse told me to fast.",
    "I put my hand on the hob while cooking, I didn't do it on purpose, it was just a stupid accident.",
    "I put my hand in the hot tap water on purpose to warm it up after the walk.",
    "I took a box of my dad's tablets round to him this morning, I'm his carer.",
    "I took a bottle of my dad's pills to the GP so they could check his dosage.",
    "I took loads of my grandmother's pills to the chemist after she died.",
    "I took too many of my hay fever tablets yesterday and felt drowsy.",
    "I took a packet of my son's tablets to the school nurse today.",
]

OWN_FUNERAL = [
    "I spent Sunday choosing the songs for my funeral and writing down who should have what.",
    "Weirdly I've already picked the hymns for my own funeral.",
    "made a playlist for my funeral last night, it was oddly calming",
    "I keep adding to my funeral playlist on Spotify.",
    "I have motor neurone disease and I've already chosen the songs for my funeral.",
]

OTHERS_FUNERAL = [
    "I'm helping Mum choose the songs for Dad's funeral on Friday.",
    "We've picked the readings for my nan's funeral, she would have loved them.",
    "My mum asked me to choose the music for her funeral when she was in the hospice.",
    "The Co-op sent me a leaflet about prepaid funeral plans and it made me laugh.",
    "I sang at my grandad's funeral and it was the hardest thing I've done.",
]


@pytest.mark.parametrize("text", IN_PASSING_CLEAR)
def test_a_crisis_told_in_passing_is_clear_risk(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR, text


@pytest.mark.parametrize("text", IN_PASSING_ORDINARY)
def test_the_same_words_of_insurance_burns_driving_plans_and_pets_are_no_risk(
    text: str,
) -> None:
    assert screen(text).risk is Risk.NONE, text


@pytest.mark.parametrize("text", OWN_FUNERAL)
def test_their_own_funeral_chosen_is_possible_risk(text: str) -> None:
    """A farewell (possible risk: the therapist told, the pick held): the
    dying choose them too, so never clear alone."""
    assert screen(text).risk is Risk.POSSIBLE, text


@pytest.mark.parametrize("text", OTHERS_FUNERAL)
def test_someone_elses_funeral_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


def test_a_home_found_for_the_pet_by_them_is_clear_and_by_the_family_is_not() -> None:
    """As the pattern always read "found a new home for my dog", said warmly
    too; never "we found" (a family's move), nor beside an allergy or a move."""
    assert screen("Found a lovely home for the cat, one less thing.").risk is Risk.CLEAR
    assert (
        screen("I found a good home for my dog so he'll be looked after.").risk
        is Risk.CLEAR
    )
    assert screen("We found a lovely new home for the cat.").risk is Risk.NONE
    assert (
        screen("I found a good home for my dog as my son is allergic.").risk
        is Risk.NONE
    )


@pytest.mark.parametrize(
    "text",
    [
        "I took loads of notes about my tablets for the GP.",
        "I took a lot of time off for my tablets to settle.",
        "I took a bunch of photos of my prescription for the pharmacist.",
    ],
)
def test_notes_time_and_photos_of_tablets_are_no_overdose(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


# -- passive wishes to be dead, inside an enquiry (passive/blind24, stop 59) -----

PASSIVE_WISHES = [
    "I've always had this feeling that I wish I'd never been born.",
    "since i was a kid i've wished i hadn't been born",
    "If the cancer took me tomorrow I think it would be no bad thing.",
    "If my heart just gave out one night I'd be relieved, if I'm honest.",
    "It would be no bad thing if this illness took me, I'm tired of fighting.",
    "When they listed the risks of the anaesthetic I thought, if I don't come round,"
    " I'd be alright with that.",
    "I wouldn't mind not existing, if that makes sense.",
    "I don't really care about being dead, it's the getting there I'd avoid.",
    "Lately I'd prefer not to be around anymore.",
    "I'd prefer not to be alive, though I'd never do anything.",
    "There's a quiet wish to fade away.",
    "I keep wishing I could just stop existing for a while.",
    "I keep wanting to be gone.",
    "I'd be fine if I just stopped being here.",
    "I'd love to go to sleep and for that to be it.",
    "Some nights I pray God takes me in my sleep.",
    "Honestly I'd welcome death at this point.",
    "I've caught myself hoping I don't survive the birth.",
    "While I waited for the results I was hoping for something terminal.",
    "The accident should have taken me, not him.",
    "I find myself envying people who have died.",
    "I'd just welcome death.",
    "I wish God would just take me.",
    "Part of me wishes I'd never existed.",
    "I don't think I'd mind not existing.",
    "If my heart stopped tonight that would be okay with me.",
]

PASSIVE_WISH_NEIGHBOURS = [
    "I wouldn't mind dying my hair red for the wedding.",
    "I don't mind dying of embarrassment on the call, I just want help.",
    "I want to be gone by 5 so I can collect the kids.",
    "At work dos I just want to fade away into the wallpaper.",
    "I'd rather not be around when the builders are in.",
    "I wish I could disappear to a beach for a month.",
    "I'd welcome the chance to talk about it.",
    "If the train didn't come I'd be relieved, I hate the commute.",
    "If it stopped raining I'd be relieved, the garden is flooded.",
    "I was hoping for something cheaper, are there concessions?",
    "My dad's cancer took him in March and I'm not coping.",
    "I wish I'd been born in the sixties, the music was better.",
    # helper-287's neighbours of the family's own words:
    "If it took me a year to get over it I'd be fine with that.",
    "I want to fade out the old habits.",
    "I'd prefer not to be around anymore when the in-laws visit.",
    "I envy people who have died their hair.",
    "I'd welcome dying the Easter eggs.",
    "I've always wished I was never born in the UK.",
    "I work in a hospice and I welcome death conversations.",
    "I wouldn't mind being dead last in the race.",
    # helper-289's:
    "If the car gave out on the motorway it'd be a relief honestly.",
]

DANGER_KEPT = [
    "My husband is hitting me.",
    "He threw a plate and it hit me on the head.",
    "I found my son's suicide note last night.",
    "My sister's suicide attempt was on Friday.",
    "I'm killing myself with pills tonight.",
    "I'm thinking about killing myself.",
    # helper-287: masks tried for work "killing me" and a bare "it's
    # hitting me" hid these (taken out: overwork and grief said so get the
    # crisis letter, as before).
    "I keep thinking about killing myself to make the pain stop.",
    "I'm seriously thinking about killing myself at the office this weekend.",
    "I'm close to killing myself over the exam results.",
    "I've been killing myself with 70-hour weeks for about three years.",
    "My husband has a temper. It's been hitting me since the baby was born.",
    "It started with shouting but now it's hitting me as well.",
    "He threw his phone across the room and it hit me hard in the face.",
    "Things at home have got worse, it's hitting me now, not just shouting.",
    "I thought I was coping but it's hitting me now.",
    # helper-288: masks tried for grief's own words ("the grief hit me
    # hard") hid these too: grief that hits them sends the crisis letter,
    # as before.
    "The grief hit me hard and so did he.",
    "The loss is hitting me so hard I've bought the pills.",
    "Reality hit me: I'm done.",
    "The news hit me hard, I've written my goodbye letters.",
    "The grief hit me hard last week.",
    # Someone else's suicide named with a possessive stays as it was read
    # (clear): masked, the joining below read as nothing; the bereaved by
    # suicide get the crisis letter and the therapist's alert.
    "Since my dad's suicide I've decided to join him.",
    "Bereavement after a friend's suicide",
]


@pytest.mark.parametrize("text", PASSIVE_WISHES)
def test_a_passive_wish_to_be_dead_is_possible_risk(text: str) -> None:
    """Times, and the therapist told before the call; the clear families
    ("I wish I was dead") are clear as before."""
    assert screen(text).risk is Risk.POSSIBLE, text


@pytest.mark.parametrize("text", PASSIVE_WISH_NEIGHBOURS)
def test_the_same_words_of_hair_dye_diaries_grief_and_overwork_are_no_risk(
    text: str,
) -> None:
    assert screen(text).risk is Risk.NONE, text


@pytest.mark.parametrize("text", DANGER_KEPT)
def test_danger_beside_the_new_neighbours_is_still_clear(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR, text


ACTING_DENIED = [
    "i'm not going to do anything silly, i just need to talk to someone",
    "I'd never act on these thoughts, but they frighten me.",
    "I have no plans to hurt myself.",
    "I won't do anything stupid, my kids need me.",
    "I'm not gonna do anything daft.",
    "I have no intention of acting on the thoughts.",
    "No plan, no intent, no history of self-harm.",
    "Passive thoughts, no plan no intent.",
]

ACTING_DENIED_NEIGHBOURS = [
    "I'm not going to do anything stupid like quit my job without a plan.",
    "I won't do anything drastic like sell the house yet.",
    "The neighbours are loud but I'm not going to do anything about it.",
    "No plans this weekend, so Saturday is fine.",
    "I've no plans to move, I'm staying in Leeds.",
    "I have no intention of going back to that job.",
    "I'm not going to do anything until I've spoken to you.",
    "I'm not suicidal, just exhausted.",
    "I'd never do anything to hurt my kids, I just shout too much.",
    # helper-288's: a denial of doing something else.
    "I have a business idea but I'd never act on it.",
    "I've thought about confronting my dad but I would never go through with it.",
    "No plan, no intention of going back to university.",
    "I'm not the type to do anything impulsive.",
    "We won't do anything rash; we just want couples counselling.",
    "I'm not going to act on it yet - the job offer, I mean.",
    "I'm not going to do anything drastic about the divorce.",
    "I won't do anything drastic, I'm just stuck in a rut at work.",
    "I'm not going to do anything, I just need to stop shouting at my boss.",
    # helper-289's: thoughts or feelings about something else, a bare pair.
]


@pytest.mark.parametrize("text", ACTING_DENIED)
def test_a_denial_of_acting_said_unasked_is_possible_risk(text: str) -> None:
    assert screen(text).risk is Risk.POSSIBLE, text


@pytest.mark.parametrize("text", ACTING_DENIED_NEIGHBOURS)
def test_denying_something_else_or_the_thoughts_is_no_risk(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


PASSIVE_WISH_COSTS = [
    # Read as possible risk on purpose (an alert beside their times): narrowed
    # so they were not, the same words lost crises ("I told my GP no plan, no
    # intent, but now I have a plan and a date"; "I pray we both go together
    # to sleep forever, I've got the pills"; helper-290).
    "No plan, no intention, just vibes for 2027.",
    "the vet said if it gives out it would be a mercy",
    "hoping it was terminal 2 at the airport",
    "praying we both go together to Lapland",
    # And these (helper-289's): narrowed so they were not, the same words
    # lost "I'd never act on them ever. I have the tablets in my drawer
    # though", "If this illness takes me away soon I'd welcome it. I've got
    # the tablets ready", "Some nights I just want to go to sleep and that's
    # it" (helper-291).
    "If the illness takes me out of work for a month I'd be fine with that.",
    "I'd never act on my thoughts about leaving my husband.",
    "I just want to go to sleep and that's it, no phone.",
    "I'd prefer not to be around any more than two evenings a week.",
    "I'd never act on them without speaking to my accountant.",
    "I'd never act on these feelings, he's married.",
    "I'd never act on the urge to quit.",
]

CRISES_THE_COSTS_KEEP = [
    "I told my GP no plan, no intent, but now I have a plan and a date.",
    "I pray we both go together to sleep forever, I've got the pills for both of us.",
    "I keep hoping the tests were terminal at least, then I wouldn't have to use"
    " the rope I bought.",
    "I'd never act on them ever. I have the tablets in my drawer though.",
    "I would never act on these feelings, I know where the rope is.",
    "If this illness takes me away soon I'd welcome it. I've got the tablets ready.",
    "Some nights I just want to go to sleep and that's it.",
]


@pytest.mark.parametrize("text", PASSIVE_WISH_COSTS + CRISES_THE_COSTS_KEEP)
def test_the_families_costs_keep_the_crises_said_the_same_way(text: str) -> None:
    assert screen(text).risk is not Risk.NONE, text


# -- an ending arranged, said in passing while booking (not_around/blind60, stop 60)

ARRANGED_ABSENCE = [
    # the last week of everything
    "It's the last week of everything for me so sooner is better.",
    "This is the last week of everything really, so I thought I'd try this once.",
    "honestly it feels like the final few days of it all",
    "My contract ends on Friday and after that it's the last week of everything, I think.",
    "tbh it's the last week of my life so the sooner the better",
    # messages timed to reach people
    "I've set up some emails to send themselves on the 3rd, to my parents and a couple of friends.",
    "I've scheduled some messages to go out to a few friends next Friday, so I'd like to talk before then.",
    "i have timed a few texts to go out to my sisters on sunday",
    # cards written years ahead
    "I've finished the birthday cards for my daughter, one for every year up to 21.",
    "I've written christmas cards to the boys for the next ten years",
    "I've been writing the birthday cards for the kids for the next few years, so that's done.",
    "I've written letters for my son to open on every birthday until he's 18",
    "I've finished cards for my daughter until she's 18.",
    # passwords left for whoever needs them
    "I put all my passwords and account logins in one doc and emailed it to my roommate for whoever needs them.",
    "bank details and pin numbers are in the drawer for whoever has to deal with it",
    "passwords written down for my wife, for after.",
    # a will done as the last thing
    "The solicitor rang to say the will is all signed and witnessed, so that is the last of it dealt with.",
    "My will is done and signed now, which was the last thing I needed to see to.",
    "my will was signed on friday so there's nothing left to sort",
    # somewhere nobody knows them
    "I've checked into a hotel where nobody knows me and brought everything I need.",
    "I'm staying at a b&b up north where no one knows me",
    # no next
    "People ask what's next and honestly there is no next.",
    "there won't be a next.",
    "There's no next.",
    "I just have to get to Sunday, then it's over.",
    "I've timed some texts to go out to my kids when I'm dead.",
    "It's the last weekend of everything with my kids so Saturday please",
    "my will's done, the last thing sorted, and the house goes to my sister",
    "Since the divorce it's the final few days of it all for me.",
    "Moving on, it's the last week of everything for me.",
    # a question with "n't" before it is no denial (helper-299)
    "Wouldn't the last days of my life be better spent talking to someone?",
    "Isn't the last week of my life supposed to feel calmer than this?",
    "Couldn't the last week of everything just be quiet? Option 2 please.",
    "Whether or not the last week of everything goes to plan, I'd like Tuesday.",
    # a deadline, then nothing to worry about
    "I just need to get to the weekend and then I won't have to worry about any of it anymore.",
]

ARRANGED_ABSENCE_NEIGHBOURS = [
    "It's the last week of everything at school for me, I'm retiring after 30 years.",
    "it's the last week of everything at uni - last exam, graduation on friday",
    "It's the last week of everything before we move to Canada",
    "last week of everything before the baby comes, so mornings please",
    "I've scheduled some emails to go out to clients while I'm on holiday.",
    "I set up a few messages to send automatically to my team during my leave.",
    "I've scheduled the wedding invitations to go out next week",
    "I write all my birthday cards for the year in January so I don't forget.",
    "I've written the birthday cards for the party on Saturday",
    "I've left the wifi password for the dog sitter.",
    "My will is done now that the baby's here, last thing on the list.",
    "the will is sorted, the last thing before we sell the house",
    "Tuesday please. I retire on Friday so it's the last week of everything for me",
    "We fly to Dubai on the 10th so it's the last week of everything here!",
    "I'm due in 3 weeks so it's the final few weeks of it all",
    "Our wedding is Saturday - I've scheduled some messages to be sent to the guests",
    "I'm having surgery so my passwords are in a doc for whoever needs them while I'm in hospital",
    "we bought a flat, my will is done, the last thing on the list",
    "I've booked an airbnb where nobody knows me for a writing retreat",
    "I've written the birthday cards for the grandkids for the next year, I'm so organised",
    "I'm away so I've scheduled some emails to go out while I'm on holiday",
    "I'm at a conference hotel this week, please ring my mobile.",
    "There is no next appointment available at my GP until January.",
    "I just need to get to Friday and then I won't have to worry about the exam anymore.",
    "we went to the last week of the festival",
    "Don't worry, it's not the last week of everything, I'm fine.",
    "It isn't the final week of it all, just a busy month.",
]


@pytest.mark.parametrize("text", ARRANGED_ABSENCE)
def test_an_ending_arranged_in_passing_is_possible_risk(text: str) -> None:
    """Times, and the therapist told before the call (`absence-arranged`)."""
    assert screen(text).risk is not Risk.NONE, text


@pytest.mark.parametrize("text", ARRANGED_ABSENCE_NEIGHBOURS)
def test_the_same_arranging_for_a_move_a_holiday_or_a_baby_is_no_risk(
    text: str,
) -> None:
    assert screen(text).risk is Risk.NONE, text


# Self-harm told as a habit, in the present and of someone else (stop 62: a
# youth worker's "he still cuts himself most nights" was read as nothing, so
# the mail was answered with times; "cutting himself" always was read).
HABIT_OF_HARM = [
    "He still cuts himself most nights, his mum found out last week.",
    "my son cuts himself and won't let me see his arms",
    "She burns herself with a lighter when things get too much.",
    "he harms himself when he's upset and the school have noticed",
    "They told me she cuts herself in the bathroom at school.",
]
HABIT_OF_HARM_NEIGHBOURS = [
    "He cuts himself off from everyone when he's low.",
    "She cuts herself a slice of cake and goes back to bed.",
    "He cuts himself shaving most mornings, he's hopeless.",
    "he burns himself out every term and then crashes",
    "She cuts herself short whenever she talks about her dad.",
    "he cuts himself on the bread knife all the time, so clumsy",
    "She burns herself when cooking, every single time.",
    "He cuts himself loose from the group chat when he's stressed.",
    "my husband burns himself every summer because he never wears sun cream",
    "my dad harms himself more than anyone with his stubbornness",
    "she is a chef and burns herself at work most weeks",
    "he cuts himself most times he chops onions",
    "he cuts himself up over every mistake",
]


@pytest.mark.parametrize("text", HABIT_OF_HARM)
def test_self_harm_as_a_habit_of_someone_else_is_heard(text: str) -> None:
    found = screen(text)
    assert found.risk is not Risk.NONE, text
    assert "self-harm" in found.families


@pytest.mark.parametrize("text", HABIT_OF_HARM_NEIGHBOURS)
def test_cut_off_short_or_shaving_is_no_self_harm(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text


# A person the writer works with is a person, not a topic of their work
# (stop 62): "a girl we work with has been self-harming again" was read as
# "we work with self-harm".
@pytest.mark.parametrize(
    "text",
    [
        "A girl we work with has been self-harming again this week.",
        "A lad I work with still cuts himself most nights.",
        "a young person I've been working with has been cutting himself again",
    ],
)
def test_someone_they_work_with_is_a_person_not_a_topic(text: str) -> None:
    assert screen(text).risk is Risk.CLEAR, text


@pytest.mark.parametrize(
    "text",
    [
        "I work with self-harm every day in A&E.",
        "We work with self-harm and eating disorders in our service.",
        # a therapist's supervision request tells of a client
        "A client I work with has been self-harming for years and I'd value"
        " supervision on it.",
    ],
)
def test_the_work_itself_is_still_a_topic(text: str) -> None:
    assert screen(text).risk is Risk.NONE, text
