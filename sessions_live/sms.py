"""Live sessions by SMS: ``QUESTION <text>`` (and any text while one's SMS question is still open)
enters the question queue of an accountability session or hearing like a web question, and digits
while a poll is open are a ballot.

The notifications app receives the messages and hands them over through ``hub.sms_commands``
(registered in ``apps.ready``), so neither app imports the other. Everything goes through the same
services as the web (``question_ask`` with its pre-moderation and sanctions, ``poll_vote`` with its
one ballot per user), marked with the SMS channel and keyed by the inbound message so that a message
processed twice creates one question or one ballot. Replies are short: they travel by SMS.
"""

from __future__ import annotations

import datetime
import re

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import DomainError
from hub.models import Commune
from hub.selectors import search_key
from hub.sms_commands import SmsCommand, sms_handler_register
from sessions_live.errors import AlreadyVoted, Banned, Muted, PollClosed, SessionNotLive
from sessions_live.models import (
    EARLY_QUESTION_KINDS,
    MAX_QUESTION_CHARS,
    LiveSession,
    ParticipationChannel,
    Poll,
    PollStatus,
    Question,
    QuestionStatus,
    SessionStatus,
)
from sessions_live.services.polls import poll_vote
from sessions_live.services.questions import question_ask

# How long an SMS question stays "open" for follow-up texts without the QUESTION keyword.
OPEN_QUESTION_HOURS = 6
_DIGITS = re.compile(r"^\d{1,2}(?:[\s,;.+-]+\d{1,2})*$")
_OUTCOME_QUESTION = "session_question"
_OUTCOME_VOTE = "session_vote"
_OUTCOME_REFUSED = "session_refused"


def _commune_ids(command: SmsCommand) -> list[int]:
    """The communes a message may be about: the one whose own number received it, else those the
    sender follows."""
    if command.commune is not None:
        return [command.commune.pk]
    return list(command.followed_commune_ids)


def _idempotency_key(command: SmsCommand) -> str:
    return f"sms:{command.inbound_id}" if command.inbound_id else ""


# --- Questions -----------------------------------------------------------------------------------


def _question_sessions(commune_ids: list[int]) -> dict[int, LiveSession]:
    """Per commune, the accountability session or hearing taking questions: the live one first,
    else the next scheduled one."""
    rows = (
        LiveSession.objects.select_related("commune")
        .filter(
            commune_id__in=commune_ids,
            kind__in=EARLY_QUESTION_KINDS,
            status__in=(SessionStatus.LIVE, SessionStatus.SCHEDULED),
        )
        .annotate(
            live_first=Case(
                When(status=SessionStatus.LIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("live_first", "starts_at", "id")
    )
    found: dict[int, LiveSession] = {}
    for session in rows:
        found.setdefault(session.commune_id, session)
    return found


def _commune_prefix(text: str, communes: list[Commune]) -> tuple[Commune, str] | None:
    """``<COMMUNE> <text>``: the commune named first (accents, case and hyphens optional)."""
    words = text.split()
    for size in (3, 2, 1):  # the longest name first ("Abomey Calavi" before "Abomey")
        if len(words) <= size:
            continue
        key = search_key(" ".join(words[:size]))
        for commune in communes:
            if key in (commune.search_name, commune.slug.replace("-", " ")):
                return commune, " ".join(words[size:])
    return None


def _ask(command: SmsCommand, session: LiveSession, text: str) -> tuple[str, str]:
    if len(text) > MAX_QUESTION_CHARS:
        return _OUTCOME_REFUSED, _(
            "Your question is too long: %(max)d characters at most. Send it again, shorter."
        ) % {"max": MAX_QUESTION_CHARS}
    try:
        question, _created = question_ask(
            actor=command.user,
            session=session,
            text=text,
            idempotency_key=_idempotency_key(command),
            channel=ParticipationChannel.SMS,
        )
    except Muted:
        return _OUTCOME_REFUSED, _("A moderator has muted you: your question was not recorded.")
    except Banned:
        return _OUTCOME_REFUSED, _(
            "A moderator has banned you from this session: your question was not recorded."
        )
    except SessionNotLive:
        return _OUTCOME_REFUSED, _no_session_reply()
    except DomainError as exc:
        return _OUTCOME_REFUSED, exc.message
    if question.status == QuestionStatus.PENDING:
        return _OUTCOME_QUESTION, _("Question received: it will be read after moderation.")
    return _OUTCOME_QUESTION, _("Question received: it is in the session's queue.")


def _no_session_reply() -> str:
    return _("No accountability session is taking questions right now.")


def question_command(command: SmsCommand) -> tuple[str, str]:
    """``QUESTION <text>``, or ``QUESTION <COMMUNE> <text>`` when several communes take questions."""
    text = command.rest
    if not text:
        return _OUTCOME_REFUSED, _("Write QUESTION followed by your question.")
    sessions = _question_sessions(_commune_ids(command))
    if not sessions:
        return _OUTCOME_REFUSED, _no_session_reply()
    if len(sessions) == 1:
        (session,) = sessions.values()
        return _ask(command, session, text)
    communes = sorted((s.commune for s in sessions.values()), key=lambda c: c.search_name)
    named = _commune_prefix(text, communes)
    if named is None:
        return _OUTCOME_REFUSED, _(
            "Several communes take questions (%(names)s): write QUESTION, the commune, then your question."
        ) % {"names": ", ".join(c.name.upper() for c in communes)}
    commune, rest = named
    return _ask(command, sessions[commune.pk], rest)


def _open_sms_question(command: SmsCommand) -> Question | None:
    """The sender's latest SMS question still waiting, in a session still taking questions."""
    since = timezone.now() - datetime.timedelta(hours=OPEN_QUESTION_HOURS)
    found = (
        Question.objects.select_related("session", "session__commune")
        .filter(
            author=command.user,
            channel=ParticipationChannel.SMS,
            status__in=(QuestionStatus.PENDING, QuestionStatus.APPROVED),
            created_at__gte=since,
            session__status__in=(SessionStatus.LIVE, SessionStatus.SCHEDULED),
            session__kind__in=EARLY_QUESTION_KINDS,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if found is None or (command.commune is not None and found.session.commune_id != command.commune.pk):
        return None
    return found


# --- Polls ---------------------------------------------------------------------------------------


def _open_poll(commune_ids: list[int]) -> Poll | None:
    return (
        Poll.objects.select_related("session", "session__commune")
        .prefetch_related("options")
        .filter(
            status=PollStatus.OPEN,
            session__status=SessionStatus.LIVE,
            session__commune_id__in=commune_ids,
        )
        .order_by("-opened_at", "-id")
        .first()
    )


def _options_text(labels: list[str]) -> str:
    return ", ".join(f"{number} {label}" for number, label in enumerate(labels, start=1))


def vote_command(command: SmsCommand) -> tuple[str, str]:
    """Digits: the options' numbers (``1``, ``2``, ``1 3``), a ballot on the open poll."""
    poll = _open_poll(_commune_ids(command))
    if poll is None:
        return _OUTCOME_REFUSED, _("No poll is open right now: your answer was not recorded.")
    options = list(poll.options.all())
    labels = [option.label for option in options]
    numbers = sorted({int(n) for n in re.findall(r"\d+", command.text)})
    if not numbers or not all(1 <= n <= len(options) for n in numbers):
        return _OUTCOME_REFUSED, _("Answer with the number of a choice: %(options)s.") % {
            "options": _options_text(labels)
        }
    if len(numbers) > 1 and not poll.multiple:
        return _OUTCOME_REFUSED, _("This poll takes one choice: send one number (%(options)s).") % {
            "options": _options_text(labels)
        }
    chosen = " ".join(f"{n} {labels[n - 1]}" for n in numbers)
    try:
        poll_vote(
            actor=command.user,
            poll=poll,
            option_ids=[options[n - 1].pk for n in numbers],
            idempotency_key=_idempotency_key(command),
            channel=ParticipationChannel.SMS,
        )
    except AlreadyVoted:
        return _OUTCOME_VOTE, _("You had already chosen %(choice)s.") % {"choice": chosen}
    except PollClosed:
        return _OUTCOME_REFUSED, _("This poll is closed: your answer was not recorded.")
    except Banned:
        return _OUTCOME_REFUSED, _(
            "A moderator has banned you from this session: your answer was not recorded."
        )
    except DomainError as exc:
        return _OUTCOME_REFUSED, exc.message
    return _OUTCOME_VOTE, _("Vote recorded: %(choice)s. Send another number to change it.") % {
        "choice": chosen
    }


# --- Registration --------------------------------------------------------------------------------


def any_text(command: SmsCommand) -> tuple[str, str] | None:
    """Messages without a keyword: digits go to an open poll; any other text from someone whose
    SMS question is still open is a new question in that session. Else not ours (``None``)."""
    if _DIGITS.match(command.text):
        return vote_command(command)
    question = _open_sms_question(command)
    if question is None:
        return None
    return _ask(command, question.session, command.text)


def sms_handlers_register() -> None:
    sms_handler_register("sessions_live.question", question_command, keywords=("QUESTION",))
    sms_handler_register("sessions_live.any_text", any_text)
