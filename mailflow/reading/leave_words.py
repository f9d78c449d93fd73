"""Words that weigh toward mail the practice answers itself, though the
request book reads it as a request for the call: a third reader beside the
phrase book and the risk words. Pure.

The request book hears asking ("could we arrange a call", "do you have
space") and the referral reader hears a referral's shape; both read what
they were taught. A school's learning mentor, a housing officer, a food
bank's coordinator, an employer's wellbeing scheme or a course seller asks
in the same words as a person asking for themselves, and on writers the
rules never saw (the held-out sets) 36 such mails were answered with times.
This reader weighs every word and pair of a mail, as `risk_words` does and
with its learner, each by how often it stands in mail the corpus says to
leave to the therapist rather than in requests and safety questions
(`bench/learn_risk.py` over every first mail learned from, never a
`held_out` set), and gives the chance the mail is not someone asking for
the call for themselves or someone close.

It only ever turns an answer into a question for the therapist, never into
silence, and only where nothing of risk was read (`classify`). Read the
other way, it also turns silence into a question: a mail the reading would
leave alone for naming no purpose, whose words weigh far from mail to
leave (`ASKING`), is more often an enquiry in words the request book never
learned ("Any chance of a call on a Sunday when we're in harbour?"). It
weighs the subject and the writer's own words (`classify.leave_weighed`),
English only. What it weighs is never shown in logs.
"""

from __future__ import annotations

from typing import Final

from mailflow.reading import intent, risk_words

THRESHOLD: Final = 0.65
"""Chosen (2026-12-07) by leaving each first-mail set learned from out whole
in turn, learning from the rest and reading the set the whole way as a
writer never seen (`bench/learn_risk.py --leave`): mail the corpus says to
leave answered with times, 40 of 789 without this reader, 21 at 0.55, 25 at
0.6, 27 at 0.65, 30 at 0.7; of the 281 requests and safety questions it
could turn (of 1,263), asked about instead 5, 3, 2 and 0; and with another
writer's closing put on those, 63, 37, 26 and 6 of 2,248. 0.6 was shipped
first; helper-318's grids of plain requests asked in ways never taught
("would you be free for a 15 minute phone chat?", "could we find 15
minutes in the diary?") put 40 of the 1,365 it could turn at 0.6 or more,
7 at 0.65, none at 0.7. The held-out sets' counts were read after each
choice."""

ASKING: Final = 0.35
"""At or below this chance, mail the reading would leave alone for naming no
purpose weighs like a request's rather than like mail to leave, and the
therapist is asked (`classify`). Chosen (2026-12-07) as `THRESHOLD` was
(`bench/learn_risk.py --leave`), of such mail the point can reach (at least
`ASKING_WORDS` words, in English): of those labelled a request, a safety
question or mail to ask about, now asked 3 of 12 at 0.2, 6 at 0.3, 7 at
0.35, 9 at 0.4; of those to leave, now a note 0, 0, 0 and 1 of 79. An
exploratory run had shown the held-out sets' counts at 0.2 to 0.5 before
the choice, so their figure for this point is optimistic."""

ASKING_WORDS: Final = 20
"""Fewer words than this are too few to weigh toward asking ("Help / I'm
locked out", "help me find my glasses"): a short mail is the reaching
reader's to place (`reaching`), as stop 63's reviews found."""

WEIGHTS_FILE: Final = "leave_words.tsv"


def chance(text: str) -> float:
    """How likely the corpus says a mail with these words (its subject, a
    newline, its text) is one to leave to the therapist (0-1)."""
    return risk_words.chance(text, risk_words.shipped(WEIGHTS_FILE))


def reads_as_asking(text: str) -> bool:
    """Whether the words weigh so far from mail to leave that a mail naming
    no purpose is more likely someone asking for help (`ASKING`). English
    only (`weighable`), and at least `ASKING_WORDS` words."""
    return (
        weighable(text)
        and len(risk_words.words(text)) >= ASKING_WORDS
        and chance(text) <= ASKING
    )


def heavy(text: str) -> bool:
    """Whether the words weigh enough toward mail the practice answers itself
    to ask the therapist before any times are sent. English only
    (`weighable`)."""
    return weighable(text) and chance(text) >= THRESHOLD


def weighable(text: str) -> bool:
    """Whether the mail is in English (or too short to tell): the corpus it
    learned from is, and another language's words weigh as nothing it knows
    ("Bonjour, j'aimerais réserver un appel" weighed 0.68 toward mail to
    leave, a French out-of-office's words among them)."""
    return intent.language_of(text) is None
