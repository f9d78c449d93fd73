"""Decide whether a new mail asks for the free consultation call. Pure, no I/O.

Precision over recall: every doubt is IGNORE, which leaves the mail to the
therapist exactly as it arrived. A robot answer to an existing client is far
worse than a request answered by hand.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Final, Literal

from mailflow import patterns
from mailflow.model import (
    Classification,
    FormAlert,
    InboundMail,
    Person,
    Verdict,
    mailbox_of,
)
from mailflow.reading import (
    care_risk,
    diary_doubt,
    leave_words,
    plea,
    quoting,
    reaching,
    referral,
    reply_risk,
    risk_words,
    screen,
)
from mailflow.reading.extract import (
    extract_form_submission,
    extract_phone,
    extract_preference,
    is_contact_form_7,
)
from mailflow.reading.phrases import RequestPhrases, phrases

MAX_READ_CHARS: Final = 16 * 1024
"""The head of a first mail that is weighed: the question comes in the first pages."""

_APOSTROPHES: Final = str.maketrans(
    dict.fromkeys("\u2019\u2018`\u00b4\u02bc\u2032", "'")
)
_REPLY_SUBJECT = patterns.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)?"
    r"(?:re|aw|sv|vs|antw|antwort|rif|res|odp|tr|wg|fw|fwd|rv|enc|doorst|vl|r|svar"
    r"|\u56de\u590d|\u56de\u8986|\u7b54\u590d|\u8f6c\u53d1|\u8f49\u5bc4"
    r"|\u8fd4\u4fe1|\u8ee2\u9001)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]",
    re.IGNORECASE,
)
_SYSTEM_LOCAL = patterns.compile(
    r"(?:mailer-?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)"
    r"(?:[-+_.].*)?",
    re.IGNORECASE,
)
_FORM_LOCAL = patterns.compile(
    r"(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|wordpress|forms?"
    r"|form[-_.]?(?:responses?|submissions?|notifications?))(?:[-+_.].*)?",
    re.IGNORECASE,
)
_AUTO_SUBJECT_PREFIXES: Final = (
    "automatic reply", "auto reply", "auto-reply", "autoreply", "auto response",
    "auto-response", "autoresponse", "autorespons", "auto-generated", "auto generated",
    "out of office", "out of the office", "ooo:", "abwesenheitsnotiz",
    "automatische antwort", "réponse automatique", "reponse automatique", "absence",
    "respuesta automática", "respuesta automatica", "fuera de la oficina",
    "risposta automatica", "automatisch antwoord", "afwezig", "automatisk svar",
    "autosvar", "automaattinen vastaus", "odpowiedź automatyczna",
    "resposta automática", "自動応答", "自動返信", "自动回复", "自動回覆", "автоответ",
    "автоматический ответ",
)  # fmt: skip
_BOUNCE_SUBJECTS: Final = (
    "undelivered mail", "undeliverable", "delivery status notification",
    "mail delivery failed", "delivery failure", "delivery has failed", "returned mail",
    "failure notice", "message not delivered", "mail system error", "non recapitabile",
    "unzustellbar", "nicht zustellbar", "non remis",
)  # fmt: skip
_FORM_TOLERATED: Final = frozenset(
    {
        "auto-submitted", "precedence", "mailing-list", "null-return-path",
        "system-sender", "auto-response-suppress",
    }
)  # fmt: skip
"""What a configured form service may look like without losing its forms."""

_ADDRESS = patterns.compile(r"[^\s<>@,;:\"'()\[\]]+@[^\s<>@,;:\"'()\[\]]+")


def _typed_addresses(field: str) -> list[str]:
    """The addresses a configured form's Email field holds to be answered at.
    None holding "=?" (an encoded word's opener, which the email package
    decodes or refuses): a letter's To must name the address it goes to."""
    return [a for a in _ADDRESS.findall(field) if "=?" not in a]


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """What makes a request, for one practice (built from config by the shell).

    `form_senders` are addresses ("forms@wpforms.com") or domains
    ("@formspree.io") of the website form service; their mail is read as a
    form, with the person taken from the body or Reply-To.
    """

    practice_email: str
    therapist_email: str
    country: str
    intent_phrases: tuple[str, ...] = ()
    subject_phrases: tuple[str, ...] = ()
    form_senders: tuple[str, ...] = ()
    crisis_phrases: tuple[str, ...] = ()
    therapist_name: str = ""


def is_automated(mail: InboundMail, form_senders: Sequence[str] = ()) -> str | None:
    """Why a machine sent the mail (RFC 3834 and common practice), or None.

    Form notifications are machine-sent yet carry a person: mail from a
    configured form sender is exempt from the signals form services set on
    every mail (Auto-Submitted, Precedence, List-*, null Return-Path, no-reply
    sender). Any other sender's stays automated here; `classify_new` still
    reads a no-reply sender's filled-in form for risk (`_form_alone`). Pass
    `form_senders` wherever forms may arrive.
    """
    return _automated(mail, _form_kind(mail, form_senders))


_AUTO_WORDS_STRONG: Final = (
    "automatic reply", "auto-reply", "autoreply", "automatic response",
    "this is an automated reply", "this is an automatic reply", "abwesenheitsnotiz",
    "automatische antwort", "réponse automatique", "reponse automatique",
    "respuesta automática", "respuesta automatica", "risposta automatica",
    "afwezigheidsbericht", "automatisch antwoord", "resposta automática",
    "automatisk svar", "autosvar",
)  # fmt: skip
"""Words only an auto-responder opens with (the body of an out-of-office
that carries no RFC 3834 header and keeps our subject)."""
_AUTO_WORDS_ABSENT: Final = patterns.compile(
    r"\b(?:out of (?:the )?office|i am away from the office|i'?m away from the office"
    r"|i am currently out|i am currently away|on annual leave|on vacation until"
    r"|i will be (?:travel+ing|away|out|on leave)|is no longer (?:in use|monitored)"
    r"|je suis absente?|je serai absente?|fuera de la oficina|estoy fuera"
    r"|ich bin (?:bis|vom|ab|derzeit|zurzeit) .{0,40}?(?:abwesend|nicht im b[üu]ro)"
    r"|sono fuori (?:ufficio|sede)|ik ben afwezig|niet op kantoor)\b",
    re.IGNORECASE,
)
_AUTO_WORDS_MARKER: Final = patterns.compile(
    r"\b(?:(?:limited|no|without) access to (?:my )?e-?mails?|when i (?:return|am back|get back)"
    r"|upon my return|on my return|will (?:respond|reply|get back|answer|read)"
    r"|urgent|pressing|immediate assistance|please contact|dringend|r[üu]ckkehr|zur[üu]ck|[àa] mon retour|d[èe]s mon retour"
    r"|a mi (?:regreso|vuelta)|al mio (?:rientro|ritorno)|urgente|urgenti"
    r"|na mijn terugkeer|terug op|dringende)",
    re.IGNORECASE,
)
"""What an out-of-office says beside the absence: when it will be read."""
_AUTO_OPENING_CHARS: Final = 300


def automated_words(text: str) -> str | None:
    """Why the mail's own words read as an auto-responder's, or None.

    An out-of-office in any of several languages opens with its words
    ("Automatic reply", "I am out of the office until ...", "Abwesenheitsnotiz",
    "je suis absente", "fuera de la oficina", "Afwezigheidsbericht"); a person
    who mentions being away asks or answers something: their words with a
    question, or with the absence beyond the opening, are never taken for a
    machine's; nor is an absence without what an auto-responder says beside
    it (when the mail will be read, whom to ask if urgent). `text` is the
    sender's new words (quotes removed)."""
    opening = " ".join(text[: _AUTO_OPENING_CHARS * 4].split())[:_AUTO_OPENING_CHARS]
    folded = opening.casefold()
    if any(phrase in folded for phrase in _AUTO_WORDS_STRONG):
        return "autoreply-words"
    whole = text[:MAX_READ_CHARS]
    if (
        _AUTO_WORDS_ABSENT.search(opening)
        and _AUTO_WORDS_MARKER.search(whole[:2000])
        and "?" not in whole
    ):
        return "out-of-office-words"
    return None


def mentions_crisis(text: str, extra_phrases: Sequence[str] = ()) -> bool:
    """Whether the text speaks of clear risk now (see `screen`)."""
    found = screen.screen(text, extra_phrases=tuple(extra_phrases))
    return found.risk is screen.Risk.CLEAR


def _own_chaser(mail: InboundMail) -> bool:
    """A reply or forward that is the sender's own request sent again: what it
    quotes or forwards was written by the same address (or the same name), or
    it quotes nothing at all (a "Re:" typed by hand). A reply quoting anyone
    else is a conversation the practice is not part of."""
    quoted = _QUOTE_AUTHOR.findall(mail.text[:MAX_READ_CHARS])
    if not quoted:
        # A "Re:" typed by hand, answering nothing; an unquoted answer to a
        # message we never saw may be anyone's conversation.
        headers = mail.in_reply_to or mail.references
        return not headers and not _QUOTE_MARK.search(mail.text[:MAX_READ_CHARS])
    name = " ".join((mail.from_name or "").casefold().split())
    address = mail.from_addr or ""
    whole_name = (
        re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        if len(name) >= 5 and " " in name
        else None
    )
    for author in quoted:
        author = " ".join(author.casefold().split())
        by_address = bool(address) and address in author
        by_name = whole_name is not None and whole_name.search(author) is not None
        if not (by_address or by_name):
            return False
    return True


_FORWARD_SUBJECT = patterns.compile(
    r"^\s*(?:fwd?|fw|wg|tr|rv|enc|vl|doorst)\s*:", re.IGNORECASE
)
_SELF = patterns.compile(
    r"(?<!\w)(?:i|i'm|im|i've|ive|i'd|i'll|me|my|myself|mine)(?!\w)", re.I
)
"""Someone writing of themselves or their own (not a circular's "you" and "we")."""
_FORWARDED = patterns.compile(
    r"^[^\S\n]*-{2,}\s*(?:forwarded message|original message)"
    r"|^[^\S\n]*begin forwarded message",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_AUTHOR = patterns.compile(
    r"^(?:On\b.{0,200}?\b(?:wrote|writes)\s*:|From:\s*.{1,200})$",
    re.MULTILINE | re.IGNORECASE,
)
_OUTLOOK_HEADER = patterns.compile(r"^From:\s*.{1,200}$", re.MULTILINE | re.IGNORECASE)
"""Where an Outlook quote (no ">") begins; what they wrote under an "On ...
wrote:" quote is still theirs."""
_QUOTE_MARK = patterns.compile(
    r"^\s*>|^-{2,}\s*(?:original|forwarded) message", re.M | re.I
)


def classify_new(
    mail: InboundMail,
    policy: RequestPolicy,
    *,
    contacts: Container[str],
    owned_thread: bool,
) -> Classification:
    """REQUEST when a stranger starts a new conversation asking for the call.

    `contacts` holds the lower-cased addresses the practice wrote to by hand.
    """
    practice = {policy.practice_email.lower(), policy.therapist_email.lower()}
    if owned_thread:  # the workflow's, never a new request
        return _ignore("owned-thread")
    if mail.has_calendar or mail.calendar_method is not None:
        return _left_alone(mail, policy, "calendar")
    fields = extract_form_submission(mail.text)
    form = _form_kind(mail, policy.form_senders, fields)
    automated = _automated(mail, form)
    forward = _FORWARD_SUBJECT.match(mail.subject) is not None and not mail.in_reply_to
    replying = bool(
        mail.in_reply_to or mail.references or _REPLY_SUBJECT.match(mail.subject)
    )
    filled_in = (
        not (replying or forward)
        and form != "configured"
        and _filled_in(fields, practice, policy.therapist_name)
    )
    if automated == "system-sender" and filled_in:
        # A form from a no-reply sender the practice has not named (its own
        # website's, most often): never answered, but read for risk.
        return _form_alone(mail, policy, fields, "form-unconfigured")
    if automated is not None:
        return _ignore(automated)
    if mail.from_addr is None:
        return _ignore("no-sender")
    if mail.from_addr in practice:
        if mail.from_addr == policy.practice_email.lower() and filled_in:
            # The practice's own website form, sent as the practice (a
            # website mailer signed in to its mailbox): never answered, as
            # mail from the practice never is, but read for risk.
            return _form_alone(mail, policy, fields, "form-from-practice")
        return _ignore("from-practice")
    chaser = False
    if replying:
        if _own_chaser(mail):
            chaser = True  # their own unanswered request, sent again
        elif not forward:
            return _left_alone(mail, policy, "foreign-thread")

    relayed = False  # the person named by a configured form service's Reply-To
    if form == "guessed":
        # A form typed by hand, or a service not configured: never a reason
        # to write to an address someone typed (requests.form_senders).
        return _form_alone(mail, policy, fields, "form-unconfigured")
    if form:
        email = _form_person(mail, fields)
        if email is None:
            return _form_alone(mail, policy, fields, "form-without-address")
        known = {email, *mail.reply_to}
    elif _unaddressed_form(mail, fields):
        # The sender is a service, not them.
        return _form_alone(mail, policy, fields, "form-without-address")
    else:
        # The writer, never a Reply-To naming someone else: a stranger must
        # not make the practice write to an address they typed (#14). A
        # Reply-To of the writer's own mailbox (another spelling) is theirs.
        # A configured form service relays the person in its Reply-To.
        relayed = _is_form_sender(mail.from_addr, policy.form_senders)
        own = [
            a
            for a in mail.reply_to
            if mailbox_of(a) == mailbox_of(mail.from_addr or "")
        ]
        email = (
            mail.reply_to[0]
            if mail.reply_to and relayed
            else own[0]
            if own
            else mail.from_addr
        )
        known = {email, mail.from_addr, *mail.reply_to}
    name = _person_name(mail, email, fields, relayed=bool(form) or relayed)
    if email in practice:
        return _ignore("person-is-practice")
    if _SYSTEM_LOCAL.fullmatch(_local_part(email)):
        return _ignore("person-is-no-reply")  # nobody would read our answer
    own_words = mail.text if chaser else _own_words(mail.text)
    if not chaser:
        # What they forward (a friend's recommendation, an old mail, an
        # article), with a "Fwd:" subject or without, is not their voice; the
        # words they wrote above it are.
        own_words = _FORWARDED.split(own_words, maxsplit=1)[0]
    words = f"{mail.subject}\n{own_words}"
    # Everything they sent is screened, what they forward or quote included: a
    # parent forwarding their teenager's message is writing about that risk.
    screening = screen.screen(
        f"{mail.subject}\n{mail.text}", extra_phrases=policy.crisis_phrases
    )
    # The practice's own words for a request (config) count as asking for it.
    bonus = 2.0 * _matches(policy.intent_phrases, words) + 1.0 * _matches(
        policy.subject_phrases, mail.subject
    )
    # A form's wrapper ("New form submission", the service's footer) is not
    # the person's voice; what they typed in the message field is.
    voiced = fields.get("message", "") if form else own_words
    # A forward's subject is the forwarded mail's, not theirs.
    subject = "" if form or (forward and not chaser) else mail.subject
    reading = read_voice(subject, voiced, bonus=bonus)
    existing = any(address in contacts for address in known)
    # Their own number: a form's field or their own words (a friend's number
    # in what they forward is not theirs).
    phone = extract_phone(fields.get("phone", ""), policy.country) or extract_phone(
        own_words, policy.country
    )
    availability = fields.get("availability")
    person = Person(
        email=email,
        name="" if "@" in name else name.strip(),
        phone=phone,
        preference=extract_preference(
            f"Availability: {availability}" if availability else own_words
        ),
    )
    found = Classification(
        verdict=Verdict.REQUEST,
        reason="form-request" if form else "request",
        person=person,
        risk=screening.risk.value,
        safety_note=screening.note,
        existing=existing,
        diary_doubt=diary_doubt.asks(screening, f"{mail.subject}\n{mail.text}"),
        danger_now=screening.danger_now,
        relayed=bool(form) or (forward and not chaser),
        addressed=bool(
            {mailbox_of(a) for a in (*mail.to, *mail.cc)}
            & {mailbox_of(a) for a in practice}
        ),
    )
    # Someone in the writer's care. Where the screen read clear risk, only
    # where a professional's voice says so, or both a referral's shape and
    # their work's words ("one of my pupils", a role they sign with) do, and
    # no sentence of risk is the writer's own: either alone is sometimes a
    # friend's, a relative's or the writer's own crisis (who lose the safety
    # message to a note; a professional sent it is the cheaper error).
    if screening.risk is screen.Risk.CLEAR:
        in_care = (
            reading.writes_of_others
            or (
                care_risk.in_their_care(subject, voiced)
                and referral.about_someone_in_care(subject, voiced)
            )
        ) and care_risk.of_others_only(subject, voiced)
    else:
        # Only where something is told as now (the one use of it below):
        # most first mail never needs the two readers' time.
        in_care = care_risk.tells_of_now(subject, mail.text) and (
            reading.writes_of_others
            or referral.about_someone_in_care(subject, voiced)
            or care_risk.in_their_care(subject, voiced)
        )
    if (
        screening.risk is not screen.Risk.CLEAR
        and (in_care or reading.professional)
        and care_risk.own_danger_now(subject, voiced)
    ):
        # Words of their work beside their own danger told now, in words the
        # screen does not read as clear ("I've written my letters and it ends
        # today. My caseload can go to someone else."): theirs first, before
        # any reading of someone in their care; the therapist reads it now.
        return replace(found, verdict=Verdict.ASK, reason="own-danger", risk="possible")
    if in_care and care_risk.danger_now(subject, mail.text):
        # Someone writing in their work of a person in their care in danger
        # now: the therapist's at once (an urgent note), nothing sent to the
        # writer, neither times nor the safety message, which is written for
        # the person at risk. Clear risk is theirs, not the writer's, only
        # where a professional's voice or a referral's shape says so and no
        # sentence of it is in the writer's own words: someone writing of
        # themselves as a referral still gets the safety message. Kept as
        # possible risk, as any note about risk is.
        return replace(
            found, verdict=Verdict.ASK, reason="care-danger", risk="possible"
        )
    if in_care and _clear_is_theirs(screening, reading, own_words, subject):
        # Clear risk of someone in their care, not told as now (a referral's
        # history, a letter's risk assessed): what was answered as a crisis,
        # the safety message to a GP and an alert, is one urgent note.
        return replace(found, verdict=Verdict.ASK, reason="care-risk", risk="possible")
    if screening.risk is not screen.Risk.CLEAR and care_risk.kin_in_danger(
        subject, mail.text
    ):
        # Danger now told by someone close, in words no phrase of the
        # screen's reads as clear: as clear risk.
        screening = replace(screening, risk=screen.Risk.CLEAR)
        found = replace(found, risk=screen.Risk.CLEAR.value)
    if _clear_is_theirs(screening, reading, own_words, subject):
        # A person at risk is answered whatever else the mail is (a client's
        # crisis is the therapist's at once; a stranger also gets the safety
        # message), unless a professional writes about someone in their care,
        # or a vendor's mail says nothing of its writer (`writes_of_others`).
        if existing or reading.verdict is not Verdict.REQUEST:
            # Asked for nothing: the letter that assumes (`diary_doubt`).
            return replace(
                found, verdict=Verdict.CRISIS, reason="crisis", diary_doubt=False
            )
        return found
    if existing:
        if _danger_alone(screening):
            # Theirs, never answered; but danger told now, perhaps, by
            # someone the practice already writes to: the therapist at once.
            return replace(found, verdict=Verdict.CRISIS, reason="client-danger")
        return _ignore("existing-contact")
    # No phrase of risk, yet the words weigh like a crisis's: the robot neither
    # offers times nor leaves it unseen; the therapist reads it first ("offer"
    # sends the times). Weighed only where times or silence would follow.
    # Stored as possible risk: should they write again plainly asking, the
    # times they get then come with an alert and every pick waits for the
    # therapist (`decide.risk_carried`), as after any note about risk.
    weighed = replace(found, verdict=Verdict.ASK, reason="risk-words", risk="possible")
    if reading.verdict is Verdict.REQUEST or (form and reading.verdict is Verdict.ASK):
        chance = _chance(mail, screening, reading)
        if chance >= risk_words.THRESHOLD:
            return weighed
        alerted = screening.risk is screen.Risk.NONE and chance >= ALERT_CHANCE
        if (
            _nothing_but_weighed(screening)
            and not alerted
            and (
                referral.about_someone_in_care(subject, voiced)
                or (
                    screening.risk is screen.Risk.NONE
                    and referral.asks_about_someone_in_their_work(subject, voiced)
                )
            )
        ):
            # A GP, a school counsellor, a colleague asking for someone in
            # their care: the therapist answers them, never the robot's times
            # (nor silence: their clues are also people's own words at times).
            # Only where nothing of risk was read: a note is no alert, it
            # sends the person no safety message, and a referral's shape is
            # sometimes the writer's own or a friend's.
            return replace(found, verdict=Verdict.ASK, reason="referral")
        if alerted:
            # A little like a crisis's, not enough to hold back their times:
            # times with an alert, and every pick waits for the therapist.
            return replace(found, risk="possible", weighed=True)
        if reading.of_their_client and _nothing_but_weighed(screening):
            # Someone else telling of a person already the therapist's client
            # (a detective's "one of your clients may be able to assist", a
            # husband booking "the free call" about his wife's sessions): the
            # therapist answers, not the robot's times. Only a plain request
            # is asked about; one with words of risk keeps its answer.
            return replace(found, verdict=Verdict.ASK, reason="client-of-yours")
        if (
            not form
            and screening.risk is screen.Risk.NONE
            and not referral.speaks_of_their_own(subject, voiced)
            and leave_words.heavy(leave_weighed(mail.subject, mail.text))
        ):
            # Asked in a request's words, but the mail as a whole weighs like
            # those the practice answers itself (a learning mentor's, a
            # housing officer's, an employer's scheme, a course seller's):
            # the therapist answers, or replies "offer". Only where nothing
            # of risk was read, so no alert nor safety message is lost, and
            # nothing of the writer's own is said (their own struggle, their
            # own child: "we run a small business ... our 16 year old has
            # asked to see someone" is a parent's); never a form's, whose
            # field names were never learned as a form's.
            return replace(found, verdict=Verdict.ASK, reason="leave-words")
        return found
    if (
        reading.verdict is Verdict.ASK
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
    ):
        # Asked either way; the risk words say it may be more than a doubt.
        # Asked either way; a short mail that names no purpose is said to
        # weigh like a crisis, any other keeps its own reason ("returning").
        if reading.reason in _WEIGHED_ASKING and _heavy(mail, screening, reading):
            return weighed
        return replace(found, verdict=Verdict.ASK, reason=reading.reason)
    if screening.risk is screen.Risk.POSSIBLE and (
        not reading.professional or _REFUSING in screening.families
    ):
        # Asks for nothing, yet speaks of risk or safety: never left unseen
        # (a professional's mail only for someone in their care refusing what
        # keeps them alive beside death accepted: their own history or a
        # patient's past is theirs to mention);
        # where the risk words may weigh it too and weigh it like a crisis's,
        # that note (the writer sent the safety message at once).
        if _heavy(mail, screening, reading):
            return weighed
        return replace(found, verdict=Verdict.ASK, reason="possible-risk")
    if reading.reason == "no-intent" and _near_risk_unseen(mail, own_words):
        # Asks for nothing and is nothing known, yet its words are near risk:
        # a crisis in words no list foresaw must not be left unseen. Where
        # its words as a whole weigh like a crisis's too, it is that note
        # (the writer is sent the safety message at once: in the learned
        # sets, 2026-12-06, such mail is a crisis or a professional telling
        # of someone in danger now; none of the 9 such mails to leave
        # weighs so).
        if _heavy(mail, screening, reading):
            return weighed
        return replace(
            found, verdict=Verdict.ASK, reason="unsure-risk", risk="possible"
        )
    if (
        forward
        and not chaser
        and not own_words.strip()
        and not reading.professional
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
    ):
        # Passed on with nothing of their own (a friend's recommendation, an
        # old mail): perhaps an enquiry, perhaps not; the therapist says.
        return replace(found, verdict=Verdict.ASK, reason="forwarded")
    if _heavy(mail, screening, reading):
        return weighed
    if (
        not form
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
        and care_risk.in_their_care(subject, voiced)
        and risk_words.chance(f"{subject}\n{voiced}") >= CARE_WEIGHED_CHANCE
    ):
        # Someone writing in their work of a person in their care, mail that
        # would be left alone (a professional's words of possible risk
        # too: theirs to mention, unless their own words as a whole lean
        # towards a crisis's): the therapist reads it (a note; nothing sent
        # to the writer, for whom the safety message is not written). Not
        # a form's, nor a circular's; what they forward is not weighed.
        return replace(
            found, verdict=Verdict.ASK, reason="care-weighed", risk="possible"
        )
    if (
        reading.own_need
        and not form
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
    ):
        # Someone in a caring job asking for their own therapy, whose words
        # of their work outweighed the asking: the therapist is asked, never
        # the mail left unseen. Last, so that every reading of risk above
        # keeps its own note, its urgency and its safety message.
        return replace(found, verdict=Verdict.ASK, reason="own-need")
    if (
        reading.reason == "no-intent"
        and not form
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
    ):
        # A stranger's own mail to the practice that names no purpose: three
        # last readings, each after every reading of risk above.
        if reaching.reaches_out(subject, voiced, name):
            # Says nothing of what it is for, or only reaches for the
            # practice ("hello?", "is this still Sam's email?"): most often
            # someone working up to asking. The therapist is asked.
            return replace(found, verdict=Verdict.ASK, reason="no-intent")
        if reaching.tells_how_they_are(subject, voiced, name):
            # A hello beside how they are ("hello? can't stop crying", "are
            # you around? bad night"), which no reading of risk heard: the
            # therapist reads it first (the urgent note, an alert beside
            # it), as any stranger's words near risk.
            return replace(
                found, verdict=Verdict.ASK, reason="unsure-risk", risk="possible"
            )
        if leave_words.reads_as_asking(leave_weighed(mail.subject, mail.text)):
            # Names no request the book knows, yet its words as a whole
            # weigh like a request's far more than like mail to leave
            # ("Twins arrived ten weeks ago and we're dead on our feet ...",
            # "since my wife went into a care home I find myself very much
            # alone"): the therapist is asked, never the mail left unseen.
            return replace(found, verdict=Verdict.ASK, reason="asking-words")
    return _ignore(reading.reason)


_ORDINARY_ALONE: Final = frozenset(
    {"farewell", "farewell-hint", "ending-words", "ending-weak"}
)
"""Possible risk that is an ordinary sentence alone (one goodbye, "I've
written letters to my parents"; words of an ending said in passing, "by the
time you reply I won't be around"): where the risk words weigh the whole mail
like a crisis's, it is held for the therapist to read first, as a mail with
no phrase of risk is, not answered with times."""

_REFUSING: Final = "refusing-care"
_WEIGHED_BESIDE: Final = _ORDINARY_ALONE | {
    _REFUSING,
    "passive-wish",
    "acting-denied",
    "absence-arranged",
}
"""Possible risk the risk words still weigh: the ordinary sentences alone,
a refusal of what keeps someone alive beside death accepted (`risk.pairs`),
each of whose words is ordinary, and a passive wish to be dead or a denial
of acting on it (stop 59). Such a reading never takes away the note and
the safety message the risk words gave the mail before it was read
(2026-12-06; stop 59: "I'm at the multi-storey, level 7 ... I'm not going
to do anything silly, I just wanted to ask if you do evenings" would turn
from that note into times with an alert): it only adds an alert where
there was none."""


CARE_WEIGHED_CHANCE: Final = reply_risk.THRESHOLD
"""Mail mailflow would leave alone, from someone writing in their work of a
person in their care (`care_risk.in_their_care`), whose own words the risk
words weigh at this or above: a note for the therapist (`care-weighed`),
nothing sent to the writer. A note costs a read, so the point is a reply's
(0.45), below even odds. In the learned first-mail sets (stop 57) such mail
to leave weighed at most 0.445; those it was written for 0.47 (a school
nurse's pupil cut "planning to finish it after school", another's "rather
die than be tube fed", a student paramedic's own plan) to 0.54 (a
wellbeing adviser's student gone, his room cleared, a letter to his
sister). A narrow gap, and a reviewer's fresh mails overlap it (ordinary
up to 0.52, at risk down to 0.42): the held-out sets' counts were read
once after the choice (docs/reading.md)."""


ALERT_CHANCE: Final = 0.475
"""A request the risk words weigh at this or above, short of even odds
(`risk_words.THRESHOLD`, where it is held for the therapist to read
first), gets its times with an alert to the therapist: an alert costs a
read, a crisis given times with nobody told is the worst harm. A reply's
point is lower (`reply_risk.THRESHOLD`, 0.45, chosen by leaving each learned
set out); a request's is the lowest that keeps the first-mail corpus's
ceiling of false alarms among those who ask for help, 5% (4.5% at even
odds; 5.3% at 0.45, 5.1% at 0.47, 4.9% at 0.475): the alert goes to
anxious people asking for the call too ("I've written and deleted this
email about ten times"). The held-out sets' counts were read at each of
those points too (docs/reading.md)."""


def _clear_is_theirs(
    screening: screen.Screening, reading: Voice, own_words: str, subject: str
) -> bool:
    """Whether the screen's clear risk is answered as the writer's own: unless
    a professional writes of someone in their care, or a vendor's mail says
    nothing of its writer (`Voice.writes_of_others`). A professional's voice
    with a sentence of risk in their own words ("Sorry, I know I usually
    write about my clients. I'm going to kill myself this weekend.") is
    their own crisis."""
    return screening.risk is screen.Risk.CLEAR and (
        not reading.professional
        or (not reading.writes_of_others and _SELF.search(own_words) is not None)
        or (
            reading.writes_of_others
            and not care_risk.of_others_only(subject, own_words)
        )
    )


def _nothing_but_weighed(screening: screen.Screening) -> bool:
    """No risk read, or only a refusal of what keeps someone alive beside
    death accepted (`_WEIGHED_BESIDE`'s pair) or an ending arranged
    (`absence-arranged`, stop 60), with at most an ordinary sentence of
    risk beside it: a referral or news of the therapist's client is still
    asked about, not answered with times (the note goes as possible risk,
    with an alert), as it was before these were read."""
    return screening.risk is screen.Risk.NONE or (
        bool({_REFUSING, "absence-arranged"} & set(screening.families))
        and set(screening.families) <= _WEIGHED_BESIDE
    )


def _heavy(mail: InboundMail, screening: screen.Screening, reading: Voice) -> bool:
    """Whether the risk words put a stranger's mail before the therapist
    (weighed at even odds or more)."""
    return _chance(mail, screening, reading) >= risk_words.THRESHOLD


def _chance(mail: InboundMail, screening: screen.Screening, reading: Voice) -> float:
    """The risk words' chance of a mail they may weigh (`_weighable`), else 0:
    weighed once for both points, even odds and `ALERT_CHANCE`."""
    if not _weighable(mail, screening, reading):
        return 0.0
    return risk_words.chance(f"{mail.subject}\n{mail.text}")


def _weighable(mail: InboundMail, screening: screen.Screening, reading: Voice) -> bool:
    """Whether the risk words may put a stranger's mail before the therapist:
    where the phrases saw no risk (or only what is an ordinary sentence on
    its own: one goodbye, words of an ending in passing), with fewer than two
    clues of a professional or of personal mail (a colleague's, a relative's:
    their own business; one clue, "Dear all", is how some people at risk
    begin; so may a crisis with one word of a vendor's), to no more people
    than a question may be (a circular is nobody's crisis)."""
    return (
        (
            screening.risk is screen.Risk.NONE
            or (
                screening.risk is screen.Risk.POSSIBLE
                and set(screening.families) <= _WEIGHED_BESIDE
            )
        )
        and sum(
            count
            for family, count in reading.not_ours.items()
            if family in _PROFESSIONAL_FAMILIES or family == "personal"
        )
        < 2
        and len(mail.to) + len(mail.cc) <= _MAX_ASKED_RECIPIENTS
    )


@dataclass(frozen=True, slots=True)
class Voice:
    """How a first mail reads: who is writing, and whether they are starting out."""

    verdict: Verdict
    reason: str
    seeking: float = 0.0
    not_ours: dict[str, int] = field(default_factory=dict)
    of_their_client: bool = False
    """Someone else telling of a person already the therapist's client
    (`phrases` `request.their_client`), neither recommending the practice
    nor asking for therapy of their own."""
    own_need: bool = False
    """Left alone by its weighing (words of their work outweigh its asking),
    yet the writer asks for therapy or the call for themselves
    (`_OWN_ASKING`: "I'd like to start my own therapy again", "could I book
    the free call for myself?"). `classify_new` asks the therapist rather
    than leave it unseen, once every reading of risk has had its turn."""

    @property
    def professional(self) -> bool:
        """A professional, vendor or tool writing as such, for certain. Never
        a former client ("are you the therapist who saw me in 2019?") nor
        personal mail ("dinner on Saturday? love, x"): a crisis told in
        either is a person's, and is answered as one."""
        strong = sum(v for k, v in self.not_ours.items() if k in _PROFESSIONAL_FAMILIES)
        return strong >= 2 and self.seeking < 2

    @property
    def writes_of_others(self) -> bool:
        """A professional writing of someone in their care, for certain: a
        referral's, a colleague's or an applicant's voice, twice. Clear risk
        in such mail is the person's they write of. A vendor's voice ("my
        trial is next week", "the delivery is booked") keeps clear risk from
        being the writer's own only where they say nothing of themselves (a
        newsletter's footer): a newsletter is known by its headers
        (`is_automated`), and one sent without them that speaks in the first
        person may get the safety message, the cheaper error."""
        strong = sum(v for k, v in self.not_ours.items() if k in _OTHERS_FAMILIES)
        return strong >= 2 and self.seeking < 2


_OTHERS_FAMILIES: Final = frozenset({"professional-referral", "colleague", "job"})
"""Voices that write of someone else's risk, not their own."""

_PROFESSIONAL_FAMILIES: Final = frozenset(
    {"professional-referral", "colleague", "job", "marketing", "notification"}
)


def read_voice(
    subject: str, text: str, *, bonus: float = 0.0, language: str = "en"
) -> Voice:
    """Weigh a first mail's clues: someone starting out (asking for the call,
    for therapy, about availability, for someone in their care) against the
    voices of those who are not (professionals, vendors, tools, circulars,
    clients already seeing the therapist). Each clue counts where it stands:
    "cancel" in a footer is no client's voice; "our last session was in May"
    with a former therapist is someone starting again."""
    book = phrases(language).request
    head = screen.normalize(text[:MAX_READ_CHARS])
    body = _without_footer(head, book.footer)
    # Lines are joined (phones and mail programs wrap sentences anywhere);
    # sentences end at punctuation or a blank line.
    paragraphs = re.split(r"\n\s*\n", body)
    sentences = [
        s
        for s in (
            screen.normalize(subject),
            *(
                part
                for paragraph in paragraphs
                for part in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split()))
            ),
        )
        if s.strip()
    ]
    seeking = 0.0
    for sentence in sentences:
        seeking += min(2, len(book.seeking.findall(sentence)))
        seeking += 0.25 * min(2, len(book.hints.findall(sentence)))
    seeking = min(seeking, 6.0) + bonus
    if book.subject.search(screen.normalize(subject)):
        seeking += 0.5
    not_ours: dict[str, int] = {}
    for family in book.not_ours:
        hits = 0
        for number, sentence in enumerate(sentences):
            if not family.pattern.search(sentence):
                continue
            if family.name == "client" and book.not_ours_weak.search(
                " ".join(sentences[max(0, number - 1) : number + 1])
            ):
                continue
            hits += 1
        if hits:
            not_ours[family.name] = hits
    verdict = _weigh(seeking, not_ours)
    own_need = (
        verdict is Verdict.IGNORE
        and seeking >= 1
        and not not_ours.get("personal")
        and any(_OWN_ASKING.search(sentence) for sentence in sentences)
    )
    if verdict is Verdict.IGNORE and not not_ours and seeking < 1:
        short = len(body.split()) <= _SHORT_WORDS
        if short and book.ask.search(f"{screen.normalize(subject)}\n{body}"):
            verdict = Verdict.ASK
    of_their_client = verdict is Verdict.REQUEST and _of_their_client(book, sentences)
    return Voice(
        verdict, _why(seeking, not_ours), seeking, not_ours, of_their_client, own_need
    )


def _of_their_client(book: RequestPhrases, sentences: list[str]) -> bool:
    """Whether the mail tells of someone already the therapist's client, in a
    sentence that does not recommend the practice (nor does the one either
    side of it), and the writer asks for no therapy of their own."""
    return any(
        book.their_client.search(sentence)
        and not book.recommends.search(
            " ".join(sentences[max(0, number - 1) : number + 2])
        )
        for number, sentence in enumerate(sentences)
    ) and not any(book.own_need.search(sentence) for sentence in sentences)


_OWN_ASKING: Final = patterns.compile(
    r"\b(?:call|chat|consultation|appointment|sessions?|therapy|counsel+ing|support"
    r"|someone to talk to) (?:just |purely )?for myself\b(?!,? (?:and|&)\b)"
    r"|\b(?:therapy|counsel+ing|sessions?|support|someone to talk to) (?:just |purely )?"
    r"(?:for me|of my own)\b(?!,? (?:and|&)\b)(?! (?:to|with|as|clients?"
    r"|patients?|students?|supervisees?)\b)"
    r"|\bbook (?:in|a slot|a place|a session) for (?:myself|me)\b(?! (?:to|as)\b)"
    r"|\b(?:start|begin|restart|resume|return to|(?:go|went|going|get|got|getting)"
    r" back (?:in)?to|looking for|look for|find|need|want|book|arrange) (?:some )?"
    r"my own (?:personal )?(?:therapy|counsel+ing|sessions|therapist|counsel+or)\b"
    r"(?! (?:room|rooms|group|groups|practice|niche|service|business|space)\b)(?!'s)"
    r"|(?<!['\"])(?<!['\"] )\bi(?:'d| would) (?:really )?(?:like|love) (?:some |to"
    r" (?:have|try|start|get|book|begin) (?:some )?)?(?:counsel+ing|therapy"
    r"|personal therapy)\b(?![\w-])(?! (?:for|with) (?:him|her|them|my|our|a|an|the"
    r"|this|clients?|patients?|someone|people|staff)\b)(?! (?:to be|services?|training"
    r"|placements?|resources|groups?|rooms?|cover|provision|available)\b)"
    r"|\b(?:this|it)(?:'s| is) for me(?= *(?:[.!?]|-|$)|,? (?:not|rather|this time"
    r"|personally|though)\b)"
)
"""Asking for therapy or the call for themselves ("could I book the free
call for myself?", "I'd like to start my own therapy again", "this time it's
for me"), where the words of their work outweigh it (`read_voice`). Never a
couple's or a client's asking, nor their own therapy only mentioned ("I'm in
my own personal therapy weekly, as the course requires"), nor "for me to
arrange", nor a quoted "'I'd love to start therapy again,' says Jo"."""

_WEIGHED_ASKING: Final = frozenset({"no-intent", "returning"})
"""Mail asked about that the risk words may still put before the therapist
today: a short one naming no purpose, and a former client's ("you saw me a
couple of years ago ... I've been giving my things away"): the urgent "Please read"
note rather than a plain "Not sure"."""

_MAX_ASKED_RECIPIENTS: Final = 3
"""A doubtful mail sent to more people than this is a circular, not a question
for the therapist."""

_SHORT_WORDS: Final = reaching.MAX_WORDS
"""A mail this short that names no purpose is asked about, not left unseen."""


def _weigh(seeking: float, not_ours: dict[str, int]) -> Verdict:
    professional = sum(v for k, v in not_ours.items() if k in _PROFESSIONAL_FAMILIES)
    if not_ours.get("returning") and not professional:
        return Verdict.ASK  # a former client? The therapist knows.
    client = not_ours.get("client", 0)
    personal = not_ours.get("personal", 0)
    against = professional + client + personal
    if against == 0:
        return Verdict.REQUEST if seeking >= 1 else Verdict.IGNORE
    if professional >= 2 or personal:
        return Verdict.IGNORE
    if seeking >= 4 and against == 1 and client == 0:
        return Verdict.REQUEST  # a clue in passing: "I found you through a directory"
    if seeking >= 2 and against <= 1:
        return Verdict.ASK
    return Verdict.IGNORE


def _why(seeking: float, not_ours: dict[str, int]) -> str:
    if not_ours:
        return max(not_ours, key=lambda k: not_ours[k])
    return "request" if seeking >= 1 else "no-intent"


def _near_risk_unseen(mail: InboundMail, own_words: str) -> bool:
    """Words near risk of two kinds, or of one in the first person; a mail to
    many counts only when death is among them (a goodbye to everyone). Or a
    plea and nothing else ("help me", "I'm not ok": `plea.alone`)."""
    near = screen.near_risk(f"{mail.subject}\n{mail.text}")
    if len(mail.to) + len(mail.cc) > _MAX_ASKED_RECIPIENTS and "death" not in near:
        return False
    return (
        len(near) >= 2
        or bool(near and _SELF.search(own_words))
        or plea.alone(mail.subject, own_words)
    )


def _without_footer(text: str, footer: re.Pattern[str]) -> str:
    """The text above a signature, phone footer or legal disclaimer."""
    found = footer.search(text)
    return text if found is None or found.start() < 40 else text[: found.start()]


def _danger_alone(screening: screen.Screening) -> bool:
    """Words that may tell of danger now (possible risk, `danger-now-possible`)
    in mail mailflow leaves alone: the therapist is alerted at once,
    urgently, and nobody is written to. A professional's too (a GP's "your
    client has just taken..."): an alert costs the therapist a read, and
    nothing goes to anyone."""
    return screening.danger_now and screening.risk is screen.Risk.POSSIBLE


def _left_alone(
    mail: InboundMail, policy: RequestPolicy, reason: str
) -> Classification:
    """Mail that is not a request (a reply in a conversation the practice is
    not part of, calendar mail that is no booked call's) is left alone, unless
    the writer's own words (not what they quote) speak of clear risk: then the
    therapist is told at once, and nobody else is written to. So are words
    that may tell of danger now in such a reply (to the therapist's own mail,
    most often: a client answering), not in an invitation's; and, in such a
    reply, someone's danger told in the third person, a person in the
    writer's care in danger now, and new words the risk words weigh like a
    crisis's (`thread_news`)."""
    # A calendar's words first: the screen reads only the head of long text.
    own = _own_words(mail.text)
    said = screen.screen(
        f"{mail.calendar_words}\n{mail.subject}\n{own}",
        extra_phrases=policy.crisis_phrases,
    )
    email = mail.from_addr  # the writer; a Reply-To here may be anyone's
    practice = {policy.practice_email.lower(), policy.therapist_email.lower()}
    danger, note = False, ""
    if (
        said.risk is not screen.Risk.CLEAR
        and said.danger_now
        and reason == "foreign-thread"
    ):
        # What they wrote now, as the alert quotes it: an Outlook quote (no
        # ">") of the therapist's own "if you have taken something, call
        # 999" is not theirs.
        fresh = quoting.new_words(mail.text)
        heard = screen.screen(
            f"{mail.subject}\n{fresh}", extra_phrases=policy.crisis_phrases
        )
        danger, note = _danger_alone(heard), heard.note
    if (
        email is None
        or email in practice
        or _SYSTEM_LOCAL.fullmatch(_local_part(email))
    ):
        return _ignore(reason)
    if reason == "foreign-thread" and said.risk is not screen.Risk.CLEAR and not danger:
        # Read in what they wrote now, never what they quote (an Outlook
        # quote has no ">": the therapist's own words and signature).
        fresh = quoting.new_words(mail.text)
        news = thread_news(mail.subject, fresh, policy)
        writer = Person(
            email=email,
            name=mail.from_name,
            phone=extract_phone(fresh, policy.country),
        )
        if care_risk.in_their_care(mail.subject, fresh):
            if care_risk.danger_now(mail.subject, fresh):
                # Someone writing in their work, in an old thread of theirs
                # with the therapist (the room booking, the leaflets), of a
                # person in their care in danger now: the same urgent note as
                # a first mail's; the mail itself is left as it is, and
                # nothing is sent to the writer.
                return Classification(
                    verdict=Verdict.ASK,
                    reason="care-danger",
                    person=writer,
                    risk=screen.Risk.POSSIBLE.value,
                    safety_note=said.note,
                    addressed=bool(
                        {mailbox_of(a) for a in (*mail.to, *mail.cc)}
                        & {mailbox_of(a) for a in practice}
                    ),
                )
        elif news is not None and news.danger:
            # Someone's danger now told in the third person by someone not
            # writing in their work ("Ella has just texted goodbye and police
            # are searching"): the therapist alerted at once, as for danger
            # told; nobody else is written to.
            danger, note = True, news.note
        if news is not None and not news.danger:
            # New words weighed like a crisis's: the therapist reads it now
            # (an alert only: nothing is written to anyone).
            return Classification(
                verdict=Verdict.CRISIS,
                reason="thread-risk",
                person=writer,
                risk=screen.Risk.POSSIBLE.value,
                safety_note=news.note,
                existing=True,
                weighed=news.weighed,
            )
    if said.risk is not screen.Risk.CLEAR and not danger:
        return _ignore(reason)
    # The number they wrote, for the therapist to ring: their words and
    # signature above any quote (an Outlook quote has no ">"), and none from
    # an invitation, whose text is as often a meeting's dial-in.
    phone = (
        None
        if reason == "calendar"
        else extract_phone(_OUTLOOK_HEADER.split(own, maxsplit=1)[0], policy.country)
    )
    person = Person(email=email, name=mail.from_name, phone=phone)
    return Classification(
        verdict=Verdict.CRISIS,
        # The alert says how it came: an invitation, or a reply in a thread
        # the practice is not part of (the writer may be no contact at all).
        reason="calendar-crisis"
        if reason == "calendar"
        else "thread-danger"
        if danger
        else "thread-crisis",
        person=person,
        risk=said.risk.value,
        safety_note=note,
        existing=True,  # alert only: nobody else is written to
        danger_now=danger,
    )


THREAD_CHANCE: Final = risk_words.THRESHOLD
"""Where the risk words raise a reply in a conversation that is the
therapist's: a first mail's even odds, weighed since stop 59 by the thread
reader (`risk_words.THREAD_WEIGHTS_FILE`), learned with such replies beside
the first mails. With it, on the sets written for these replies: crises
heard 20 of 20 and 35 of 35, people in danger 20 of 20 and 15 of 15,
replies to leave raised 11 of 80 and 8 of 100 (who/foreign_thread,
who/client_thread; 17 and 28 with the first-mail reader); held out, every
crisis heard, people in danger 13 of 14 and 10 of 10, replies to leave
raised 11 of 52 and 21 of 68 (12 and 29). Raised to 0.6 for one afternoon
(stop 57) because the bench's one client reply ("Thank you for last week,
it helped more than I expected...", 0.57 to the first reader), repeated
across a year of its mailbox, raised 20 alerts in a first run; taken back
after a review: 0.6 lost two learned crises ("don't bother booking
anything past the 14th", a goodbye "I think you know what I mean") and,
held out, two people in danger. A missed crisis is the worse harm
(docs/reading.md)."""


@dataclass(frozen=True, slots=True)
class ThreadNews:
    """What a reply in a conversation that is the therapist's still tells
    them, where the phrases read neither clear risk nor danger now in it
    (`thread_news`)."""

    danger: bool
    """Someone's danger now, told in the third person: the alert is urgent."""
    weighed: bool
    """Only the risk words heard it (no phrase of possible risk names it)."""
    note: str
    """A safety need in their words, if any."""


def thread_news(subject: str, fresh: str, policy: RequestPolicy) -> ThreadNews | None:
    """A reply in a conversation that is the therapist's (one mailflow is not
    part of, or one it finished or handed over), read in its new words
    (`fresh`: `quoting.new_words`, what it quotes and the signature left
    out) where the phrases heard neither clear risk nor danger now: someone's
    danger now told in the third person ("my sister texted goodbye and the
    police are looking for her"), or new words the risk words weigh like a
    crisis's (`THREAD_CHANCE`, by the thread reader: a client's week told
    to their therapist is not a first mail). Either tells the therapist, with
    their words; nothing is sent to the writer and the mail stays where it
    is. A phrase of possible risk alone is not enough: the therapist's own
    conversations are full of them told as history or work (a colleague's
    case notes, a client's past, a course). Measured on replies written for
    it (tests/corpus/first_mail/who/foreign_thread.jsonl, and a held-out
    set). None where neither is read."""
    if care_risk.danger_now(subject, fresh, strict=True):
        heard = screen.screen(
            f"{subject}\n{fresh}", extra_phrases=policy.crisis_phrases
        )
        return ThreadNews(danger=True, weighed=False, note=heard.note)
    threads = risk_words.shipped(risk_words.THREAD_WEIGHTS_FILE)
    if risk_words.chance(fresh, threads) < THREAD_CHANCE:
        return None
    heard = screen.screen(f"{subject}\n{fresh}", extra_phrases=policy.crisis_phrases)
    # The alert says "mentions risk" where a phrase named it too.
    return ThreadNews(
        danger=False, weighed=not reply_risk.raises(heard), note=heard.note
    )


NOTE_IS_THE_ALERT: Final = frozenset(
    {
        "unsure-risk",
        "risk-words",
        "care-danger",
        "care-risk",
        "care-weighed",
        "own-danger",
    }
)
"""Asked about for risk no phrase names, or for someone in a professional's
care in danger now or with words of clear risk: the note is the one mail
the therapist gets, urgent (their risk is kept as possible all the same)."""
URGENT_NOTES: Final = frozenset({"care-danger", "own-danger"})
"""Notes for danger told now (`NOTE_IS_THE_ALERT`'s "Urgent, ...")."""
WEIGHED_NOTES: Final = frozenset({"risk-words", "care-weighed"})
"""Notes the risk words alone gave: their alert says no phrase named risk."""


@dataclass(frozen=True, slots=True)
class WroteAgain:
    """What a fresh mail from someone with an enquiry open (a note waiting,
    a booking under way) still tells the therapist (`wrote_again`)."""

    again: bool
    """False: possible risk the therapist was not told of for this enquiry,
    noted on it. True: no news for it, but an urgent note of its own: an
    alert quoting it, the enquiry left as it stands."""
    danger: bool
    """Danger may be told now: the alert is urgent."""
    weighed: bool
    """Only the risk words heard it (no phrase named risk)."""


def wrote_again(
    found: Classification, known_risk: str, known_note: str | None
) -> WroteAgain | None:
    """Whether a fresh mail from someone with an enquiry open tells the
    therapist anything (None: a chaser or a second mail, answered once).
    News of possible risk (`screen.is_news` against what the enquiry holds)
    is noted on the enquiry; otherwise a mail that would be an urgent note
    of its own is never "no news", whatever the enquiry already holds (a
    booking at possible risk: "I cut much deeper, it's still bleeding" in a
    fresh mail had reached nobody; a wrong note must not hide the next)."""
    said = screen.Screening(
        screen.Risk(found.risk),
        (screen.DANGER_NOW,) if found.danger_now else (),
        needs=(found.safety_note,) if found.safety_note else (),
    )
    if screen.is_news(said, known_risk, known_note):
        return WroteAgain(again=False, danger=found.danger_now, weighed=found.weighed)
    if found.verdict is Verdict.ASK and found.reason in NOTE_IS_THE_ALERT:
        return WroteAgain(
            again=True,
            danger=found.danger_now or found.reason in URGENT_NOTES,
            weighed=found.reason in WEIGHED_NOTES,
        )
    return None


@dataclass(frozen=True, slots=True)
class FinishedNews:
    """What a mail in a conversation mailflow finished or left to the
    therapist still tells them (`finished_news`)."""

    crisis: bool
    """Clear risk in the person's own words: the safety message, the
    therapist alerted at once, as in a conversation mailflow is making."""
    danger: bool
    """Danger now (clear risk, danger told now in phrases, or someone's
    danger told in the third person: `thread_news`): the alert is urgent."""
    weighed: bool
    """Only the risk words heard it (no phrase of risk names it)."""
    note: str
    """A safety need in their words, if any."""
    someone_else: bool
    """The writer is not the person the conversation was with (a partner on
    the Cc): the alert names and quotes the writer, and the person is sent
    nothing; `crisis` is then never set."""
    asks: bool
    """Where `crisis`: the safety letter asks rather than assumes
    (`diary_doubt.asks`)."""


def finished_news(
    mail: InboundMail, person: str, policy: RequestPolicy
) -> FinishedNews | None:
    """A mail in a conversation mailflow finished or handed over (a hand
    answer, a "no thanks", a crisis already, a thread it only alerted
    about), from `person`'s side of it: theirs to answer now, so left
    alone, but never a missed crisis. Clear risk in the person's words is a
    crisis; danger told now, or what `thread_news` reads in a reply to the
    therapist's own conversation, is an alert. The therapist's own words,
    the practice's and an auto-reply's (a school's "if a child is in danger
    call 999") tell nothing. Someone else writing there is the one the
    alert is about. None where nothing is to be told."""
    fresh = quoting.new_words(mail.text)
    words = f"{mail.subject}\n{fresh}"
    # (A mail in their thread with no sender is read as theirs.)
    writer = mailbox_of(mail.from_addr or person)
    if (
        writer
        in {mailbox_of(policy.therapist_email), mailbox_of(policy.practice_email)}
        or is_automated(mail, policy.form_senders)
        or automated_words(fresh)
    ):
        return None
    said = screen.screen(words, extra_phrases=policy.crisis_phrases)
    someone_else = writer != mailbox_of(person)
    if said.risk is screen.Risk.CLEAR:
        return FinishedNews(
            crisis=not someone_else,
            danger=True,
            weighed=False,
            note=said.note,
            someone_else=someone_else,
            asks=not someone_else and diary_doubt.asks(said, words),
        )
    if said.danger_now:
        return FinishedNews(
            crisis=False,
            danger=True,
            weighed=False,
            note=said.note,
            someone_else=someone_else,
            asks=False,
        )
    told = thread_news(mail.subject, fresh, policy)
    if told is None:
        return None
    return FinishedNews(
        crisis=False,
        danger=told.danger,
        weighed=told.weighed,
        note=told.note,
        someone_else=someone_else,
        asks=False,
    )


_Unanswered = Literal["form-without-address", "form-unconfigured", "form-from-practice"]
"""Why a form names nobody mailflow may write to."""


def _filled_in(fields: dict[str, str], practice: set[str], therapist: str) -> bool:
    """Whether a no-reply sender's mail, or one sent as the practice, is a form
    someone filled in: a Name or a message field, by someone other than the
    practice (a booking tool's or a webinar's confirmation names the
    therapist; "Event: Self-harm in young people" is their course)."""
    typed = {a.lower() for a in _ADDRESS.findall(fields.get("email", ""))}
    name = " ".join(_typed_name(fields).casefold().split())
    theirs = bool(therapist) and name == " ".join(therapist.casefold().split())
    return (
        (_names(fields) or "message" in fields) and not typed & practice and not theirs
    )


def _form_alone(
    mail: InboundMail,
    policy: RequestPolicy,
    fields: dict[str, str],
    reason: _Unanswered,
) -> Classification:
    """A website form that names nobody mailflow may write to (no address, a
    service the practice has not named, or the practice's own address) is
    left alone, unless its words speak of clear risk or may tell of danger
    now: then the therapist is alerted at once, with what the form says of
    how to reach them, and nobody else is written to. A professional's form
    too: an alert costs a read.
    Where no phrase names the risk but the risk words weigh the form like a
    crisis's (`_heavy`, as for a stranger's mail), the therapist is asked to
    read it today ("form-weighed"): only they can act on it.

    Everything it holds is screened, as a form with an address is: the
    service's wrapper is the same on every form, and what they typed may
    sit in any field."""
    said = screen.screen(
        f"{mail.subject}\n{mail.text}", extra_phrases=policy.crisis_phrases
    )
    level: Literal["clear", "possible", "weighed"]
    if said.risk is screen.Risk.CLEAR:
        level, found = "clear", "form-crisis"
    elif _danger_alone(said):
        level, found = "possible", "form-danger"
    elif _heavy(mail, said, read_voice("", fields.get("message", ""))):
        level, found = "weighed", "form-weighed"
    else:
        return _ignore(reason)
    typed = _typed_name(fields)
    # Their number as they typed it in a field: the service's wrapper may
    # carry its own.
    phone = extract_phone(fields.get("phone", ""), policy.country) or extract_phone(
        fields.get("message", ""), policy.country
    )
    address = next(
        (
            a.lower()
            for a in _typed_addresses(fields.get("email", ""))
            # The service's own, a no-reply's or the practice's is not theirs.
            if a.lower() != mail.from_addr
            and not _SYSTEM_LOCAL.fullmatch(_local_part(a))
            and a.lower()
            not in {policy.practice_email.lower(), policy.therapist_email.lower()}
        ),
        None,
    )
    return Classification(
        verdict=Verdict.CRISIS,
        reason=found,
        risk="possible" if level == "weighed" else said.risk.value,
        safety_note=said.note,
        existing=True,  # alert only: nobody else is written to
        danger_now=said.danger_now,
        form_alert=FormAlert(
            level=level,
            name="" if "@" in typed else typed.strip(),
            phone=phone,
            typed_email=address,
            sent_by=_SENT_BY[reason],
        ),
    )


def _typed_name(fields: dict[str, str]) -> str:
    """The name a form's fields give: Name, else First and Last name."""
    return fields.get("name") or " ".join(
        filter(None, (fields.get("first_name"), fields.get("last_name")))
    )


_SENT_BY: Final[dict[_Unanswered, Literal["service", "unnamed", "practice"]]] = {
    "form-without-address": "service",
    "form-unconfigured": "unnamed",
    "form-from-practice": "practice",
}
"""Why a form names nobody to write to, as its alert says who sent it."""


def _ignore(reason: str) -> Classification:
    return Classification(verdict=Verdict.IGNORE, reason=reason)


_FormKind = Literal["configured", "guessed"] | None


def _automated(mail: InboundMail, form: _FormKind) -> str | None:
    tolerated = {
        "configured": _FORM_TOLERATED,
        "guessed": frozenset(),
        None: frozenset(),
    }[form]
    return next((r for r in _automated_reasons(mail) if r not in tolerated), None)


def _automated_reasons(mail: InboundMail) -> Iterator[str]:
    """Every machine-sender signal, most authoritative first."""
    headers = mail.headers
    if "x-mailflow" in headers:
        yield "own-mail"
    if mail.is_report:
        yield "report"
    auto = headers.get("auto-submitted")
    if auto is not None and re.split(r"[;(\s]", auto.strip().lower())[0] != "no":
        yield "auto-submitted"
    if headers.get("precedence", "").strip().lower() in {
        "bulk",
        "list",
        "junk",
        "auto_reply",
        "auto-reply",
    }:
        yield "precedence"
    if "list-id" in headers or "list-unsubscribe" in headers:
        yield "mailing-list"
    return_path = headers.get("return-path")
    if return_path is not None and re.fullmatch(r"<?\s*>?", return_path.strip()):
        yield "null-return-path"
    if mail.from_addr and _SYSTEM_LOCAL.fullmatch(_local_part(mail.from_addr)):
        yield "system-sender"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        yield "autoreply-header"
    suppress = set(
        re.split(r"[,\s]+", headers.get("x-auto-response-suppress", "").lower())
    )
    if suppress & {"all", "oof", "autoreply"}:
        yield "auto-response-suppress"
    if "x-ms-exchange-inbox-rules-loop" in headers:
        yield "inbox-rule"
    if headers.get("x-apple-action", "").strip().lower() == "vacation":
        yield "vacation"
    subject = _normalize(mail.subject).strip().lstrip("[( ")
    if subject.startswith(tuple(p.lstrip("[( ") for p in _AUTO_SUBJECT_PREFIXES)) or (
        re.search(r"\b(?:out of (?:the )?office|auto-?generated)\b", subject)
    ):
        yield "autoreply-subject"
    if any(phrase in subject for phrase in _BOUNCE_SUBJECTS):
        yield "bounce-subject"


def _form_kind(
    mail: InboundMail, form_senders: Sequence[str], fields: dict[str, str] | None = None
) -> _FormKind:
    """Whether the mail is a website form notification: only from a configured
    form sender (`requests.form_senders`, by default KNOWN_FORM_SENDERS).
    "guessed": it reads like one (a name field and an Email field naming
    another address) but comes from anyone else; it is left for the practice,
    never answered at the address its body names (#14)."""
    if _is_form_sender(mail.from_addr, form_senders):
        return "configured"
    if mail.from_addr is None:
        return None
    if fields is None:
        fields = extract_form_submission(mail.text)
    named = _names(fields) or is_contact_form_7(mail.text)
    typed = (a.lower() for a in _ADDRESS.findall(fields.get("email", "")))
    if named and any(address != mail.from_addr for address in typed):
        return "guessed"
    return None


def _names(fields: dict[str, str]) -> bool:
    """Whether a form's fields name someone (a Name, or a First name)."""
    return "name" in fields or "first_name" in fields


def _unaddressed_form(mail: InboundMail, fields: dict[str, str]) -> bool:
    """A form notification that names nobody to answer: an Email field without
    an address, or a form service's sender with a name field and no Reply-To.
    Answering From would answer the form service."""
    if not (_names(fields) or is_contact_form_7(mail.text)):
        return False
    if "email" in fields and not _ADDRESS.search(fields["email"]):
        return True
    sender = _local_part(mail.from_addr or "")
    return not mail.reply_to and _FORM_LOCAL.fullmatch(sender) is not None


def _person_name(
    mail: InboundMail, email: str, fields: dict[str, str], *, relayed: bool = False
) -> str:
    """Who to greet: the From display name only when we answer From; else the
    form's Name field, else the Reply-To display name, else nobody ("Hello,"),
    so a form service's "Squarespace" never becomes the person's name."""
    typed = _typed_name(fields)
    if email == mail.from_addr or mailbox_of(email) == mailbox_of(mail.from_addr or ""):
        return mail.from_name or typed
    if relayed and mail.reply_to and email == mail.reply_to[0]:
        return typed or mail.reply_to_name  # the form service's own relay
    return typed  # never a stranger's Reply-To name


def _is_form_sender(address: str | None, form_senders: Sequence[str]) -> bool:
    if address is None:
        return False
    for sender in (s.strip().lower() for s in form_senders):
        if sender.startswith("@"):
            domain = address.rsplit("@", 1)[-1]
            if domain == sender[1:] or domain.endswith("." + sender[1:]):
                return True
        elif sender and address == sender:
            return True
    return False


def _form_person(mail: InboundMail, fields: dict[str, str]) -> str | None:
    """The person behind a form notification: the Email field they typed, else
    Reply-To; never the form service itself."""
    typed = _typed_addresses(fields.get("email", ""))
    for candidate in (*(a.lower() for a in typed), *mail.reply_to):
        if candidate != mail.from_addr:
            return candidate
    return None


def _local_part(address: str) -> str:
    return address.rsplit("@", 1)[0]


def leave_weighed(subject: str, text: str) -> str:
    """What the leave words weigh of a first mail (and learn from: the
    bench reads it here): the subject and the writer's own words, neither
    the lines they quote nor what they forward below them ("See below - can
    we book the free call for him?" above a school's letter is a parent's)."""
    return f"{subject}\n{_FORWARDED.split(_own_words(text), maxsplit=1)[0]}"


def _own_words(text: str) -> str:
    """The text without quoted lines: a new request quotes nobody, and a quote
    must not lend it intent."""
    return "\n".join(
        line for line in text.split("\n") if not line.lstrip().startswith(">")
    )


def _normalize(text: str) -> str:
    return text.casefold().translate(_APOSTROPHES)


def _matches(phrases: Sequence[str], text: str) -> bool:
    pattern = _phrase_pattern(tuple(phrases))
    return pattern is not None and pattern.search(_normalize(text)) is not None


@lru_cache(maxsize=32)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for whole-word phrases: spaces match any run of spaces or
    hyphens, a hyphen may be absent ("self-harm", "self harm", "selfharm"),
    an apostrophe may be absent ("don't", "dont")."""
    alternatives = sorted(
        {_phrase_regex(_normalize(p).strip()) for p in phrases if p.strip()},
        key=len,
        reverse=True,
    )
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def _phrase_regex(phrase: str) -> str:
    parts: list[str] = []
    for char in phrase:
        if char.isspace():
            if not parts or parts[-1] != r"[\s\-]+":
                parts.append(r"[\s\-]+")
        elif char == "-":
            parts.append(r"[\s\-]*")
        elif char == "'":
            parts.append("'?")
        else:
            parts.append(re.escape(char))
    return "".join(parts)
