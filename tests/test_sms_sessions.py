"""Live sessions by SMS (issue 19): questions and poll answers sent by text message, and the events
that carry answers and polls back out by SMS.

The handlers are called the way the notifications app calls them: through ``hub.sms_commands``
with an ``SmsCommand``, against the real database (no mock of our own stack).
"""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from django.utils import timezone, translation

from hub.models import OutboxEvent
from hub.sms_commands import SmsCommand, sms_handlers_for, sms_keywords
from sessions_live import events, sms
from sessions_live.errors import PollClosed
from sessions_live.models import (
    MAX_QUESTION_CHARS,
    ParticipationChannel,
    Poll,
    PollBallot,
    Question,
    QuestionStatus,
    SessionKind,
    SessionSanction,
)
from sessions_live.services import moderation, polls, questions
from sessions_live.tally import tally_data
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import LiveSessionFactory, LiveSessionLiveFactory, PollFactory, staff_of

pytestmark = pytest.mark.django_db

SMS = ParticipationChannel.SMS
WEB = ParticipationChannel.WEB


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def send(user, text, *, commune=None, follows=(), inbound_id=0):
    """What the notifications app does with a message no keyword of its own took."""
    text = text.strip()
    first, _sep, rest = text.partition(" ")
    keyword = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode().upper()
    command = SmsCommand(
        user=user,
        phone="+22997000001",
        text=text,
        keyword=keyword,
        rest=rest.strip(),
        commune=commune,
        followed_commune_ids=tuple(c.pk for c in follows),
        inbound_id=inbound_id,
    )
    for handler in sms_handlers_for(keyword):
        answer = handler(command)
        if answer is not None:
            return answer
    return None


def test_the_app_registers_its_keyword_and_its_fallback():
    # Given the app registry is ready (apps.ready), then QUESTION is a keyword and any text is asked.
    assert "QUESTION" in sms_keywords()
    assert len(sms_handlers_for("BONJOUR")) >= 1


# --- Questions -----------------------------------------------------------------------------------


def test_question_enters_the_premoderated_queue_with_the_sms_channel():
    # Given a live accountability session that pre-moderates questions, followed by the sender
    session = LiveSessionLiveFactory(questions_premoderated=True)
    user = UserFactory()
    # When they send QUESTION <text>
    outcome, reply = send(
        user, "QUESTION Quand le marché sera-t-il réparé ?", follows=[session.commune], inbound_id=7
    )
    # Then a pending SMS question exists, and the reply says it awaits moderation
    question = Question.objects.get(session=session)
    assert (question.status, question.channel, question.author_id) == (QuestionStatus.PENDING, SMS, user.pk)
    assert question.text == "Quand le marché sera-t-il réparé ?"
    assert question.idempotency_key == "sms:7"
    assert outcome == "session_question"
    assert "after moderation" in reply


def test_question_without_moderation_says_it_is_queued_and_the_commune_number_wins():
    # Given two communes with sessions taking questions; the message reaches commune A's own number
    session_a = LiveSessionFactory()  # scheduled accountability session: early questions
    session_b = LiveSessionLiveFactory()
    user = UserFactory()
    # When the sender (who follows B) writes to A's number
    _outcome, reply = send(
        user, "question Et l'eau ?", commune=session_a.commune, follows=[session_b.commune]
    )
    # Then the question is A's, approved at once
    question = Question.objects.get(author=user)
    assert (question.session_id, question.status) == (session_a.pk, QuestionStatus.APPROVED)
    assert "queue" in reply


def test_a_reprocessed_message_creates_one_question():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    first = send(user, "QUESTION Une seule fois ?", follows=[session.commune], inbound_id=42)
    # When the same inbound row is processed again
    again = send(user, "QUESTION Une seule fois ?", follows=[session.commune], inbound_id=42)
    # Then one question, the same reply
    assert Question.objects.filter(author=user).count() == 1
    assert first == again


def test_no_session_taking_questions_gets_a_clear_reply():
    # Given a live ordinary council session only (it takes no early questions; no accountability)
    ordinary = LiveSessionFactory(kind=SessionKind.ORDINARY)
    user = UserFactory()
    # When
    outcome, reply = send(user, "QUESTION Allô ?", follows=[ordinary.commune])
    # Then
    assert outcome == "session_refused"
    assert "No accountability session is taking questions" in reply
    assert not Question.objects.exists()
    # And a sender who follows nothing gets the same answer
    assert send(UserFactory(), "QUESTION Allô ?")[1] == reply


def test_an_empty_question_asks_for_the_text():
    session = LiveSessionLiveFactory()
    outcome, reply = send(UserFactory(), "QUESTION", follows=[session.commune])
    assert outcome == "session_refused"
    assert "QUESTION followed by your question" in reply
    assert not Question.objects.exists()


def test_a_too_long_question_is_refused_with_the_limit():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    outcome, reply = send(user, "QUESTION " + "a" * (MAX_QUESTION_CHARS + 1), follows=[session.commune])
    assert outcome == "session_refused"
    assert str(MAX_QUESTION_CHARS) in reply
    assert not Question.objects.exists()


def test_muted_and_banned_senders_are_told_and_nothing_is_created():
    session = LiveSessionLiveFactory()
    moderator = staff_of(session.commune)
    muted, banned = UserFactory(), UserFactory()
    moderation.sanction_create(actor=moderator, session=session, user_id=muted.pk, kind="mute", minutes=5)
    moderation.sanction_create(actor=moderator, session=session, user_id=banned.pk, kind="ban")
    assert "muted" in send(muted, "QUESTION Pourquoi ?", follows=[session.commune])[1]
    assert "banned" in send(banned, "QUESTION Pourquoi ?", follows=[session.commune])[1]
    assert not Question.objects.exists()
    assert SessionSanction.objects.count() == 2


def test_several_communes_ask_for_the_commune_then_accept_it_named():
    # Given two followed communes, each with a session taking questions
    a = LiveSessionLiveFactory(commune=CommuneFactory(name="Sèmè-Podji"))
    b = LiveSessionLiveFactory(commune=CommuneFactory(name="Abomey"))
    user = UserFactory()
    follows = [a.commune, b.commune]
    # When the sender does not say which
    outcome, reply = send(user, "QUESTION Et les routes ?", follows=follows)
    # Then they are asked to name it, and nothing is created
    assert outcome == "session_refused"
    assert "SÈMÈ-PODJI" in reply and "ABOMEY" in reply
    assert not Question.objects.exists()
    # When they name it, without accents or hyphen
    send(user, "QUESTION seme podji Et les routes ?", follows=follows, inbound_id=3)
    # Then the question is that commune's, without the commune's name
    question = Question.objects.get()
    assert (question.session_id, question.text) == (a.pk, "Et les routes ?")
    # And an unknown commune name is asked again
    assert send(user, "QUESTION Parakou Et les routes ?", follows=follows)[0] == "session_refused"


def test_any_text_while_an_sms_question_is_open_is_a_new_question():
    session = LiveSessionLiveFactory(questions_premoderated=True)
    user = UserFactory()
    send(user, "QUESTION Première ?", follows=[session.commune], inbound_id=1)
    # When they text again without the keyword
    outcome, _reply = send(user, "Et aussi la deuxième", follows=[session.commune], inbound_id=2)
    # Then it is a second question of the same session, by SMS, through moderation
    assert outcome == "session_question"
    texts = list(Question.objects.filter(session=session, channel=SMS).values_list("text", "status"))
    assert texts == [("Première ?", QuestionStatus.PENDING), ("Et aussi la deuxième", QuestionStatus.PENDING)]


def test_any_text_is_not_ours_without_an_open_sms_question():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    # A web question does not make later texts questions
    questions.question_ask(actor=user, session=session, text="Par le web ?")
    assert send(user, "Bonjour", follows=[session.commune]) is None
    # An answered SMS question is no longer open
    send(user, "QUESTION Par SMS ?", follows=[session.commune], inbound_id=5)
    Question.objects.filter(channel=SMS).update(status=QuestionStatus.ANSWERED)
    assert send(user, "Bonjour", follows=[session.commune]) is None
    # Nor is one asked long ago
    Question.objects.filter(channel=SMS).update(
        status=QuestionStatus.PENDING, created_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert send(user, "Bonjour", follows=[session.commune]) is None
    assert Question.objects.count() == 2


# --- Polls ---------------------------------------------------------------------------------------


def _open_poll(session, labels=("Oui", "Non", "Sans avis"), multiple=False):
    mayor = staff_of(session.commune)
    poll = polls.poll_create(
        actor=mayor, session=session, question="Paver la rue ?", options=list(labels), multiple=multiple
    )
    return polls.poll_open(actor=mayor, poll=poll), mayor


def test_a_digit_is_a_ballot_with_the_sms_channel_and_a_change_keeps_counts_right():
    session = LiveSessionLiveFactory()
    poll, _mayor = _open_poll(session)
    user, web_voter = UserFactory(), UserFactory()
    polls.poll_vote(actor=web_voter, poll=poll, option_ids=[poll.options.all()[0].pk])
    # When the phone answers 2
    outcome, reply = send(user, "2", follows=[session.commune], inbound_id=10)
    # Then one SMS ballot for "Non", and the reply says so
    assert outcome == "session_vote"
    assert "2 Non" in reply
    ballot = PollBallot.objects.get(poll=poll, user=user)
    assert ballot.channel == SMS
    # When it changes its answer to 3, then processes the same message again
    send(user, "3", follows=[session.commune], inbound_id=11)
    send(user, "3", follows=[session.commune], inbound_id=11)
    # Then still one ballot, counts moved, and the tallies show the channels
    poll.refresh_from_db()
    assert {o.label: o.vote_count for o in poll.options.all()} == {"Oui": 1, "Non": 0, "Sans avis": 1}
    assert (poll.ballot_count, poll.sms_ballot_count) == (2, 1)
    assert tally_data(poll.pk)["channels"] == {"web": 1, "sms": 1}
    assert events.poll_data(poll)["channels"] == {"web": 1, "sms": 1}
    # And the same answer again is acknowledged without a change
    assert "already" in send(user, "3", follows=[session.commune], inbound_id=12)[1]
    # When the poll closes, the archived results carry the channels too
    closed = polls.poll_close(actor=staff_of(session.commune), poll=poll)
    assert closed.results["channels"] == {"web": 1, "sms": 1}
    assert closed.results["total"] == 2


def test_a_web_voter_who_changes_by_sms_moves_to_the_sms_channel_and_back():
    session = LiveSessionLiveFactory()
    poll, _mayor = _open_poll(session)
    user = UserFactory()
    options = list(poll.options.all())
    polls.poll_vote(actor=user, poll=poll, option_ids=[options[0].pk])
    send(user, "2", follows=[session.commune], inbound_id=20)
    poll.refresh_from_db()
    assert (poll.ballot_count, poll.sms_ballot_count) == (1, 1)
    polls.poll_vote(actor=user, poll=poll, option_ids=[options[2].pk])
    poll.refresh_from_db()
    assert (poll.ballot_count, poll.sms_ballot_count) == (1, 0)
    assert PollBallot.objects.get(poll=poll, user=user).channel == WEB


def test_several_numbers_on_a_multiple_choice_poll():
    session = LiveSessionLiveFactory()
    poll, _mayor = _open_poll(session, multiple=True)
    user = UserFactory()
    send(user, "1 3", follows=[session.commune], inbound_id=30)
    assert sorted(poll.votes.filter(user=user).values_list("option__label", flat=True)) == [
        "Oui",
        "Sans avis",
    ]


def test_several_numbers_on_a_single_choice_poll_are_refused():
    session = LiveSessionLiveFactory()
    _open_poll(session)
    outcome, reply = send(UserFactory(), "1 2", follows=[session.commune])
    assert outcome == "session_refused"
    assert "one choice" in reply and "1 Oui, 2 Non, 3 Sans avis" in reply
    assert not PollBallot.objects.exists()


def test_an_out_of_range_number_lists_the_options():
    session = LiveSessionLiveFactory()
    _open_poll(session)
    for text in ("4", "0"):
        outcome, reply = send(UserFactory(), text, follows=[session.commune])
        assert outcome == "session_refused"
        assert "1 Oui, 2 Non, 3 Sans avis" in reply
    assert not PollBallot.objects.exists()


def test_a_digit_with_no_open_poll_is_answered_and_not_a_question():
    # Given a closed poll, and an SMS question still open
    session = LiveSessionLiveFactory()
    poll, mayor = _open_poll(session)
    polls.poll_close(actor=mayor, poll=poll)
    user = UserFactory()
    send(user, "QUESTION Et le budget ?", follows=[session.commune], inbound_id=40)
    # When the phone answers 1
    outcome, reply = send(user, "1", follows=[session.commune], inbound_id=41)
    # Then it is told no poll is open; nothing recorded, no new question
    assert outcome == "session_refused"
    assert "No poll is open" in reply
    assert not PollBallot.objects.exists()
    assert Question.objects.count() == 1


def test_a_lone_digit_goes_to_the_open_poll_even_with_a_question_open():
    session = LiveSessionLiveFactory()
    _open_poll(session)
    user = UserFactory()
    send(user, "QUESTION Et le budget ?", follows=[session.commune], inbound_id=50)
    assert send(user, "1", follows=[session.commune], inbound_id=51)[0] == "session_vote"
    assert Question.objects.count() == 1
    assert PollBallot.objects.get(user=user).channel == SMS


def test_a_poll_closed_while_the_message_waited_is_answered():
    # The poll the handler found is closed by the time the vote lands (the service decides).
    session = LiveSessionLiveFactory()
    poll = PollFactory(session=session)
    Poll.objects.filter(pk=poll.pk).update(opened_at=timezone.now())
    user = UserFactory()
    found = sms._open_poll([session.commune_id])
    Poll.objects.filter(pk=poll.pk).update(status="closed")
    assert found is not None
    with pytest.raises(PollClosed):
        polls.poll_vote(actor=user, poll=found, option_ids=[found.options.all()[0].pk], channel=SMS)
    assert not PollBallot.objects.exists()
    # And through the handler, a closed poll is never offered
    assert "No poll is open" in send(user, "1", follows=[session.commune])[1]


def test_the_commune_number_only_takes_its_own_polls():
    session = LiveSessionLiveFactory()
    _open_poll(session)
    other = CommuneFactory()
    outcome, _reply = send(UserFactory(), "1", commune=other, follows=[session.commune])
    assert outcome == "session_refused"
    assert not PollBallot.objects.exists()


def test_a_banned_voter_is_told():
    session = LiveSessionLiveFactory()
    _open_poll(session)
    user = UserFactory()
    moderation.sanction_create(actor=staff_of(session.commune), session=session, user_id=user.pk, kind="ban")
    assert "banned" in send(user, "1", follows=[session.commune])[1]
    assert not PollBallot.objects.exists()


# --- Outbound events -----------------------------------------------------------------------------


def test_the_first_answer_to_an_sms_question_is_announced_once_to_its_author():
    session = LiveSessionLiveFactory()
    mayor = staff_of(session.commune)
    user = UserFactory()
    send(user, "QUESTION Et l'éclairage ?", follows=[session.commune], inbound_id=60)
    question = Question.objects.get()
    # When the mayor marks it answering, then answered, then answered again
    questions.question_answer(actor=mayor, question=question, status="answering")
    assert not OutboxEvent.objects.filter(kind="session.question_answered").exists()
    questions.question_answer(actor=mayor, question=question, status="answered", answer="En mars.")
    questions.question_answer(actor=mayor, question=question, status="answered", answer="En avril.")
    # Then one event, to the author, by SMS, with the first answer
    event = OutboxEvent.objects.get(kind="session.question_answered")
    assert event.dedup_key == f"session.question_answered:{question.pk}"
    assert event.commune_id == session.commune_id
    assert event.payload == {
        "title": session.title,
        "path": f"/seances/{session.pk}/",
        "question": "Et l'éclairage ?",
        "answer": "En mars.",
        "audience": {"user_ids": [user.pk], "sms": True},
    }


def test_a_web_question_answer_is_announced_without_sms():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    question, _created = questions.question_ask(actor=user, session=session, text="Par le web ?")
    questions.question_answer(actor=staff_of(session.commune), question=question, status="answered")
    event = OutboxEvent.objects.get(kind="session.question_answered")
    assert event.payload["audience"] == {"user_ids": [user.pk], "sms": False}
    assert event.payload["answer"] == ""


def test_opening_a_poll_is_announced_once_to_the_followers_by_sms():
    session = LiveSessionLiveFactory()
    poll, mayor = _open_poll(session, labels=("Oui", "Non"))
    polls.poll_open(actor=mayor, poll=poll)  # opened again: nothing new
    event = OutboxEvent.objects.get(kind="session.poll_opened")
    assert event.dedup_key == f"session.poll_opened:{poll.pk}"
    assert event.commune_id == session.commune_id
    assert event.payload == {
        "title": session.title,
        "path": f"/seances/{session.pk}/",
        "poll_id": poll.pk,
        "question": "Paver la rue ?",
        "options": ["Oui", "Non"],
        "multiple": False,
        "channels": ["sms"],
    }
    assert "audience" not in event.payload  # the commune's followers


# --- Through the inbound pipeline of the notifications app ----------------------------------------


def test_a_phone_asks_and_votes_through_inbound_processing():
    from notifications.sms import inbound
    from notifications.sms.models import SmsMessage

    # Given a live accountability session with a poll open
    session = LiveSessionLiveFactory(questions_premoderated=True, commune=CommuneFactory(name="Sakété"))
    poll, _mayor = _open_poll(session)

    def receive(text, ref):
        row, created = inbound.inbound_record(
            phone_raw="+22997112233", destination="", text=text, carrier_ref=ref
        )
        assert created
        return row, inbound.inbound_process(inbound_id=row.pk)

    # When the phone follows the commune, asks a question, then answers the poll
    assert receive("SUIVRE SAKETE", "a1")[1] == "followed"
    asked, outcome = receive("QUESTION Où en est le forage ?", "a2")
    assert outcome == "session_question"
    assert inbound.inbound_process(inbound_id=asked.pk) == "session_question"  # processed once
    voted, outcome = receive("2", "a3")
    # Then one pending SMS question, one SMS ballot, and a reply to each message
    assert outcome == "session_vote"
    question = Question.objects.get()
    assert (question.channel, question.status, question.idempotency_key) == (
        SMS,
        QuestionStatus.PENDING,
        f"sms:{asked.pk}",
    )
    assert PollBallot.objects.get(poll=poll).channel == SMS
    assert SmsMessage.objects.filter(reply_to=asked).count() == 1
    assert SmsMessage.objects.filter(reply_to=voted).count() == 1
