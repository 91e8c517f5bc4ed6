"""Services of the live sessions app: the only writers, used by REST and websockets alike."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from commitments.services import commitment_create_from_question, commitment_update
from hub.errors import InvalidInput, NotAuthenticated, PermissionDenied
from hub.models import AuditLogEntry, OutboxEvent, Role
from sessions_live import selectors
from sessions_live.errors import (
    AlreadyVoted,
    Banned,
    ChatThrottled,
    Invalid,
    InvalidOption,
    Muted,
    NotVoted,
    PollClosed,
    SessionNotLive,
    SlowMode,
)
from sessions_live.models import (
    ChatMessage,
    LiveSession,
    PollBallot,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    SessionEvent,
    SessionStatus,
)
from sessions_live.services import chat, moderation, polls, questions, sessions
from sessions_live.tally import tally_flush
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import (
    ChatMessageFactory,
    LiveSessionFactory,
    LiveSessionLiveFactory,
    PollFactory,
    QuestionFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db


def log(session):
    return list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("seq", "name"))


def counts(poll):
    return {o.label: o.vote_count for o in poll.options.all()}


# --- Sessions ------------------------------------------------------------------------------------


def test_scheduling_records_the_session_notifies_followers_and_audits():
    # given the mayor of a commune
    commune = CommuneFactory()
    mayor = staff_of(commune)
    # when
    session = sessions.session_schedule(
        actor=mayor,
        commune=commune,
        kind="accountability",
        title="Reddition de comptes",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        agenda=["Budget", "Voirie"],
        stream_url="https://www.youtube-nocookie.com/embed/abc",
    )
    # then
    assert [i.title for i in session.agenda_items.all()] == ["Budget", "Voirie"]
    event = OutboxEvent.objects.get(dedup_key=f"session.scheduled:{session.pk}")
    assert event.kind == "session.scheduled" and event.payload["path"] == f"/seances/{session.pk}/"
    assert AuditLogEntry.objects.filter(action="session.schedule", object_id=str(session.pk)).exists()


def test_staff_of_another_commune_cannot_schedule_and_a_stream_must_be_an_allowed_embed():
    commune = CommuneFactory()
    outsider = staff_of(CommuneFactory())
    with pytest.raises(PermissionDenied):
        sessions.session_schedule(
            actor=outsider, commune=commune, kind="ordinary", title="X", starts_at=timezone.now()
        )
    with pytest.raises(Invalid) as info:
        sessions.session_schedule(
            actor=staff_of(commune),
            commune=commune,
            kind="ordinary",
            title="X",
            starts_at=timezone.now(),
            stream_url="https://evil.example/embed",
        )
    assert "stream_url" in info.value.details["fields"]


PAST_STARTS = {
    "years ago": lambda now: datetime.datetime(2020, 1, 15, 9, 0, tzinfo=datetime.UTC),
    "just past the grace": lambda now: now - sessions.PAST_START_GRACE - datetime.timedelta(minutes=1),
}


@pytest.mark.parametrize("when", list(PAST_STARTS))
def test_scheduling_in_the_past_is_refused_on_the_start_and_writes_and_notifies_nothing(when):
    # given the mayor of a commune
    commune = CommuneFactory()
    mayor = staff_of(commune)
    # when they schedule a session that would start in the past (with another bad field)
    with pytest.raises(Invalid) as refused:
        sessions.session_schedule(
            actor=mayor,
            commune=commune,
            kind="ordinary",
            title="Session de janvier",
            starts_at=PAST_STARTS[when](timezone.now()),
            audio_url="http://radio.bj/live",
        )
    # then the start is named, with every other bad field, and nothing is written or announced
    assert refused.value.code == "validation_error" and refused.value.status == 400
    assert {"starts_at", "audio_url"} <= set(refused.value.details["fields"])
    assert not LiveSession.objects.exists() and not OutboxEvent.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_a_start_within_the_grace_is_taken():
    # given the mayor, when they schedule the session that started a few minutes ago
    commune = CommuneFactory()
    starts = timezone.now() - sessions.PAST_START_GRACE + datetime.timedelta(minutes=5)
    session = sessions.session_schedule(
        actor=staff_of(commune), commune=commune, kind="hearing", title="Audience", starts_at=starts
    )
    # then it is scheduled, and followers are told
    assert session.starts_at == starts and OutboxEvent.objects.filter(kind="session.scheduled").exists()


def test_a_scheduled_session_cannot_be_moved_into_the_past():
    # given a scheduled session
    session = LiveSessionFactory()
    mayor = staff_of(session.commune)
    announced = session.starts_at
    # when its start is moved to yesterday
    with pytest.raises(Invalid) as refused:
        sessions.session_update(
            actor=mayor,
            session=session,
            changes={"starts_at": timezone.now() - datetime.timedelta(days=1), "title": "Nouveau titre"},
        )
    # then the start is refused and nothing changes
    assert set(refused.value.details["fields"]) == {"starts_at"}
    session.refresh_from_db()
    assert session.starts_at == announced and session.title != "Nouveau titre"
    assert not SessionEvent.objects.exists() and not AuditLogEntry.objects.exists()


def test_a_late_session_keeps_its_start_and_a_live_one_may_correct_it():
    # given a scheduled session whose start passed hours ago (not started yet), and a live one
    late = LiveSessionFactory(starts_at=timezone.now() - datetime.timedelta(hours=3))
    live = LiveSessionLiveFactory()
    mayor = staff_of(late.commune)
    # when the late one is saved with its start unchanged, and the live one's start is set to when
    # it really began
    sessions.session_update(
        actor=mayor, session=late, changes={"starts_at": late.starts_at, "title": "Retard"}
    )
    began = timezone.now() - datetime.timedelta(hours=2)
    sessions.session_update(actor=staff_of(live.commune), session=live, changes={"starts_at": began})
    # then both are taken: only a new start of a session that has not started is checked
    late.refresh_from_db()
    live.refresh_from_db()
    assert late.title == "Retard" and live.starts_at == began


def test_start_then_end_moves_status_logs_events_notifies_once_and_closes_open_polls():
    # given a scheduled session with an open poll prepared
    session = LiveSessionFactory()
    mayor = staff_of(session.commune)
    # when
    sessions.session_start(actor=mayor, session=session)
    sessions.session_start(actor=mayor, session=session)  # twice: no second event
    poll = PollFactory(session=session)
    polls.poll_vote(actor=UserFactory(), poll=poll, option_ids=[poll.options.first().pk])
    sessions.session_end(actor=mayor, session=session)
    # then
    session.refresh_from_db()
    poll.refresh_from_db()
    assert session.status == SessionStatus.ENDED and session.ended_at is not None
    assert poll.status == PollStatus.CLOSED and poll.results["total"] == 1
    assert [n for _s, n in log(session)] == ["session.status", "poll.closed", "session.status"]
    assert OutboxEvent.objects.filter(dedup_key=f"session.live:{session.pk}").count() == 1


def test_every_event_gets_the_next_seq_without_gaps():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    for n in range(5):
        chat.chat_send(actor=user, session=session, text=f"m{n}")
    session.refresh_from_db()
    assert [s for s, _n in log(session)] == [1, 2, 3, 4, 5] and session.last_seq == 5


# --- Chat ----------------------------------------------------------------------------------------


def test_chat_message_is_stored_and_logged():
    session = LiveSessionLiveFactory()
    message, created = chat.chat_send(actor=UserFactory(), session=session, text="  Bonjour  ")
    assert created and message.text == "Bonjour"
    event = SessionEvent.objects.get(session=session)
    assert event.name == "chat.message" and event.data["text"] == "Bonjour" and event.data["id"] == message.pk


def test_anonymous_chat_is_refused():
    with pytest.raises(NotAuthenticated):
        chat.chat_send(actor=None, session=LiveSessionLiveFactory(), text="hello")


@pytest.mark.parametrize("text", ["", "   ", "x" * 501, 42, None])
def test_bad_chat_text_is_refused_and_nothing_is_stored(text):
    session = LiveSessionLiveFactory()
    with pytest.raises(Invalid):
        chat.chat_send(actor=UserFactory(), session=session, text=text)
    assert not ChatMessage.objects.exists() and not SessionEvent.objects.exists()


def test_chat_needs_a_live_session():
    for status in (SessionStatus.SCHEDULED, SessionStatus.ENDED):
        with pytest.raises(SessionNotLive):
            chat.chat_send(actor=UserFactory(), session=LiveSessionFactory(status=status), text="hi")


def test_chat_flood_is_throttled_and_the_excess_is_not_stored(fresh_chat_window):
    # given a citizen who sends 8 messages at once
    session = LiveSessionLiveFactory()
    user = UserFactory()
    errors = []
    for n in range(8):
        try:
            chat.chat_send(actor=user, session=session, text=f"spam {n}")
        except ChatThrottled as exc:
            errors.append(exc)
    # then 5 are stored, 3 refused with a retry_after, and the hits are kept for the moderators
    assert ChatMessage.objects.filter(author=user).count() == chat.rate_limit()[0] == 5
    assert len(errors) == 3 and all(1 <= e.details["retry_after"] <= 10 for e in errors)
    assert errors[0].code == "throttled"
    assert len(selectors.recent_rate_limit_hits(session.pk)) == 3
    # and another user is not affected
    chat.chat_send(actor=UserFactory(), session=session, text="calme")


def test_slow_mode_spaces_messages_but_not_moderators():
    session = LiveSessionLiveFactory(slow_mode_seconds=30)
    user = UserFactory()
    chat.chat_send(actor=user, session=session, text="un")
    with pytest.raises(SlowMode) as info:
        chat.chat_send(actor=user, session=session, text="deux")
    assert 1 <= info.value.details["retry_after"] <= 30 and info.value.code == "slow_mode"
    moderator = staff_of(session.commune, Role.MODERATOR)
    chat.chat_send(actor=moderator, session=session, text="un")
    chat.chat_send(actor=moderator, session=session, text="deux")


def test_idempotency_key_makes_a_resend_count_once():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    first, created = chat.chat_send(actor=user, session=session, text="hello", idempotency_key="k-1")
    again, created_again = chat.chat_send(actor=user, session=session, text="hello", idempotency_key="k-1")
    assert created and not created_again and first.pk == again.pk
    assert ChatMessage.objects.count() == 1 and SessionEvent.objects.count() == 1


def test_muted_and_banned_users_cannot_post_and_lift_restores():
    session = LiveSessionLiveFactory()
    moderator = staff_of(session.commune, Role.MODERATOR)
    user = UserFactory()
    sanction = moderation.sanction_create(
        actor=moderator, session=session, user_id=user.pk, kind="mute", minutes=5
    )
    with pytest.raises(Muted) as info:
        chat.chat_send(actor=user, session=session, text="hi")
    assert info.value.details["until"] == sanction.until.isoformat()
    with pytest.raises(Muted):
        questions.question_ask(actor=user, session=session, text="?")
    moderation.sanction_lift(actor=moderator, session=session, sanction_id=sanction.pk)
    chat.chat_send(actor=user, session=session, text="back")
    moderation.sanction_create(actor=moderator, session=session, user_id=user.pk, kind="ban")
    with pytest.raises(Banned):
        chat.chat_send(actor=user, session=session, text="again")
    assert (
        AuditLogEntry.objects.filter(
            action__in=["session.mute", "session.ban", "session.sanction_lift"]
        ).count()
        == 3
    )


def test_an_expired_mute_no_longer_applies():
    session = LiveSessionLiveFactory()
    moderator = staff_of(session.commune, Role.MODERATOR)
    user = UserFactory()
    sanction = moderation.sanction_create(
        actor=moderator, session=session, user_id=user.pk, kind="mute", minutes=1
    )
    sanction.until = timezone.now() - datetime.timedelta(seconds=1)
    sanction.save()
    chat.chat_send(actor=user, session=session, text="free")


def test_a_mute_needs_minutes_and_a_citizen_cannot_sanction():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    with pytest.raises(Invalid):
        moderation.sanction_create(
            actor=staff_of(session.commune, Role.MODERATOR),
            session=session,
            user_id=user.pk,
            kind="mute",
            minutes=None,
        )
    with pytest.raises(PermissionDenied):
        moderation.sanction_create(actor=UserFactory(), session=session, user_id=user.pk, kind="ban")


def test_moderator_removes_a_message_live_and_audited():
    message = ChatMessageFactory()
    moderator = staff_of(message.session.commune, Role.MODERATOR)
    chat.chat_remove(actor=moderator, message=message)
    message.refresh_from_db()
    assert message.removed_at is not None and message.removed_by == moderator
    assert log(message.session)[-1][1] == "chat.removed"
    assert AuditLogEntry.objects.filter(action="session.chat_remove").exists()
    with pytest.raises(PermissionDenied):
        chat.chat_remove(actor=message.author, message=ChatMessageFactory(session=message.session))


def test_flagging_twice_is_one_flag():
    message = ChatMessageFactory()
    user = UserFactory()
    first = chat.chat_flag(actor=user, message=message, reason="insulte")
    assert chat.chat_flag(actor=user, message=message, reason="encore").pk == first.pk


def test_reporting_ones_own_message_is_refused():
    message = ChatMessageFactory()
    with pytest.raises(InvalidInput):
        chat.chat_flag(actor=message.author, message=message, reason="test")
    assert not message.flags.exists()


# --- Polls ---------------------------------------------------------------------------------------


def test_vote_counts_once_and_a_change_moves_the_count():
    poll = PollFactory()
    yes, no, _ = poll.options.all()
    user = UserFactory()
    assert polls.poll_vote(actor=user, poll=poll, option_ids=[yes.pk]) == {
        "poll": poll.pk,
        "options": [yes.pk],
    }
    assert counts(poll) == {"Oui": 1, "Non": 0, "Sans avis": 0}
    polls.poll_vote(actor=user, poll=poll, option_ids=[no.pk])
    poll.refresh_from_db()
    assert counts(poll) == {"Oui": 0, "Non": 1, "Sans avis": 0} and poll.ballot_count == 1
    assert PollBallot.objects.filter(poll=poll, user=user).count() == 1


def test_voting_twice_the_same_is_rejected_and_the_tally_is_unchanged():
    poll = PollFactory()
    yes = poll.options.first()
    user = UserFactory()
    polls.poll_vote(actor=user, poll=poll, option_ids=[yes.pk])
    with pytest.raises(AlreadyVoted):
        polls.poll_vote(actor=user, poll=poll, option_ids=[yes.pk])
    poll.refresh_from_db()
    assert counts(poll)["Oui"] == 1 and poll.ballot_count == 1


def test_the_same_vote_with_its_idempotency_key_is_answered_like_the_first():
    poll = PollFactory()
    yes = poll.options.first()
    user = UserFactory()
    first = polls.poll_vote(actor=user, poll=poll, option_ids=[yes.pk], idempotency_key="v1")
    assert polls.poll_vote(actor=user, poll=poll, option_ids=[yes.pk], idempotency_key="v1") == first
    assert counts(poll)["Oui"] == 1


def test_vote_on_a_closed_poll_or_with_another_polls_option_is_rejected_tally_unchanged():
    poll = PollFactory()
    other = PollFactory(session=poll.session)
    user = UserFactory()
    with pytest.raises(InvalidOption):
        polls.poll_vote(actor=user, poll=poll, option_ids=[other.options.first().pk])
    closed = PollFactory(session=poll.session, status=PollStatus.CLOSED)
    with pytest.raises(PollClosed):
        polls.poll_vote(actor=user, poll=closed, option_ids=[closed.options.first().pk])
    draft = PollFactory(session=poll.session, status=PollStatus.DRAFT)
    with pytest.raises(PollClosed):
        polls.poll_vote(actor=user, poll=draft, option_ids=[draft.options.first().pk])
    assert not PollVote.objects.exists() and not PollBallot.objects.exists()
    assert all(v == 0 for p in (poll, other, closed) for v in counts(p).values())


@pytest.mark.parametrize("options", [[], "1", [True], [1, 1], None])
def test_malformed_vote_options_are_refused(options):
    poll = PollFactory()
    with pytest.raises(Invalid):
        polls.poll_vote(actor=UserFactory(), poll=poll, option_ids=options)


def test_single_choice_poll_takes_one_option_multiple_takes_several():
    single = PollFactory()
    a, b, _c = single.options.all()
    with pytest.raises(Invalid):
        polls.poll_vote(actor=UserFactory(), poll=single, option_ids=[a.pk, b.pk])
    multi = PollFactory(session=single.session, multiple=True)
    x, y, _z = multi.options.all()
    polls.poll_vote(actor=UserFactory(), poll=multi, option_ids=[x.pk, y.pk])
    multi.refresh_from_db()
    assert counts(multi) == {"Oui": 1, "Non": 1, "Sans avis": 0} and multi.ballot_count == 1


def test_poll_life_cycle_create_open_close_archives_exact_results():
    session = LiveSessionLiveFactory()
    mayor = staff_of(session.commune)
    poll = polls.poll_create(actor=mayor, session=session, question="Pavage ?", options=["Oui", "Non"])
    assert poll.status == PollStatus.DRAFT
    polls.poll_open(actor=mayor, poll=poll)
    voters = UserFactory.create_batch(3)
    yes, no = poll.options.all()
    for user, option in zip(voters, [yes, yes, no], strict=True):
        polls.poll_vote(actor=user, poll=poll, option_ids=[option.pk])
    # a drifted counter (e.g. a crash between two statements) is reconciled at close
    type(yes).objects.filter(pk=yes.pk).update(vote_count=99)
    closed = polls.poll_close(actor=mayor, poll=poll)
    assert closed.results["counts"] == {str(yes.pk): 2, str(no.pk): 1} and closed.results["total"] == 3
    assert counts(closed) == {"Oui": 2, "Non": 1}
    names = [n for _s, n in log(session)]
    assert names == ["poll.opened", "poll.closed"]
    assert SessionEvent.objects.get(session=session, name="poll.closed").data["results"]["total"] == 3


def test_staff_of_another_commune_cannot_open_a_poll():
    poll = PollFactory(status=PollStatus.DRAFT)
    with pytest.raises(PermissionDenied):
        polls.poll_open(actor=staff_of(CommuneFactory()), poll=poll)
    poll.refresh_from_db()
    assert poll.status == PollStatus.DRAFT and not SessionEvent.objects.exists()


def test_tally_flush_sends_current_counts_under_the_lock_and_skips_closed_polls():
    poll = PollFactory()
    yes = poll.options.first()
    polls.poll_vote(actor=UserFactory(), poll=poll, option_ids=[yes.pk])
    event = tally_flush(poll.pk)
    assert event is not None and event.name == "poll.tally"
    assert event.data == {
        "poll": poll.pk,
        "counts": {str(o.pk): o.vote_count for o in poll.options.all()},
        "total": 1,
        "channels": {"web": 1, "sms": 0},
    }
    poll.status = PollStatus.CLOSED
    poll.save()
    assert tally_flush(poll.pk) is None


# --- Questions -----------------------------------------------------------------------------------


def test_question_premoderated_is_pending_then_approved_publicly():
    session = LiveSessionLiveFactory(questions_premoderated=True)
    question, _ = questions.question_ask(
        actor=UserFactory(), session=session, text="Et l'eau ?", anonymous=True
    )
    assert question.status == QuestionStatus.PENDING and not SessionEvent.objects.exists()
    moderator = staff_of(session.commune, Role.MODERATOR)
    questions.question_moderate(actor=moderator, question=question, decision="approve")
    event = SessionEvent.objects.get(session=session)
    assert event.name == "question.created" and event.data["question"]["author"] is None


def test_questions_before_the_session_only_for_accountability_and_hearings():
    questions.question_ask(actor=UserFactory(), session=LiveSessionFactory(kind="hearing"), text="?")
    with pytest.raises(SessionNotLive):
        questions.question_ask(actor=UserFactory(), session=LiveSessionFactory(kind="ordinary"), text="?")
    with pytest.raises(SessionNotLive):
        questions.question_ask(actor=UserFactory(), session=LiveSessionFactory(status="ended"), text="?")


def test_upvote_once_per_user_and_withdraw():
    question = QuestionFactory()
    user = UserFactory()
    questions.question_upvote(actor=user, question=question)
    with pytest.raises(AlreadyVoted):
        questions.question_upvote(actor=user, question=question)
    question.refresh_from_db()
    assert question.vote_count == 1
    questions.question_unvote(actor=user, question=question)
    with pytest.raises(NotVoted):
        questions.question_unvote(actor=user, question=question)
    question.refresh_from_db()
    assert question.vote_count == 0


def test_pending_questions_cannot_be_upvoted_or_answered():
    question = QuestionFactory(status=QuestionStatus.PENDING)
    with pytest.raises(Exception) as info:
        questions.question_upvote(actor=UserFactory(), question=question)
    assert info.value.code == "wrong_status"


def test_answering_then_answered_with_a_commitment():
    question = QuestionFactory()
    mayor = staff_of(question.session.commune)
    questions.question_answer(actor=mayor, question=question, status="answering")
    done = questions.question_answer(actor=mayor, question=question, status="answered", answer="Dès mars.")
    assert done.status == "answered" and done.answer == "Dès mars." and done.answered_at is not None
    # the commitments app records the commitment in the session's live record
    commitment = commitment_create_from_question(
        actor=mayor,
        commune=question.session.commune,
        session=question.session,
        question_id=question.pk,
        text="Forage à Agla",
        due_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    commitment_update(actor=mayor, commitment=commitment, changes={"status": "in_progress"})
    names = [n for _s, n in log(question.session)]
    assert names == ["question.updated", "question.updated", "commitment.created", "commitment.updated"]
    with pytest.raises(PermissionDenied):
        questions.question_answer(actor=staff_of(CommuneFactory()), question=question, status="answered")


def test_rejecting_an_approved_question_removes_it_publicly():
    question = QuestionFactory()
    questions.question_moderate(
        actor=staff_of(question.session.commune, Role.MODERATOR), question=question, decision="reject"
    )
    assert Question.objects.get(pk=question.pk).status == "rejected"
    assert log(question.session) == [(1, "question.removed")]


# --- Concurrency (both backends: row locks on PostgreSQL, the write lock on SQLite) -------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_one_ballot_per_user_and_exact_counts():
    """Twelve threads: four users each voting three times at once (two the same, one a change)."""
    import threading

    from django.db import connection as default_connection

    poll = PollFactory()
    yes, no, _ = poll.options.all()
    users = UserFactory.create_batch(4)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def vote(user, option):
        try:
            barrier.wait(timeout=10)
            polls.poll_vote(actor=user, poll=poll, option_ids=[option.pk])
            outcomes.append("ok")
        except AlreadyVoted:
            outcomes.append("already")
        finally:
            default_connection.close()

    threads = [
        threading.Thread(target=vote, args=(user, option)) for user in users for option in (yes, yes, no)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one ballot per user, and the counts match the stored votes exactly
    assert len(outcomes) == 12
    assert PollBallot.objects.filter(poll=poll).count() == 4
    poll.refresh_from_db()
    stored = {o.pk: PollVote.objects.filter(option=o).count() for o in poll.options.all()}
    assert {o.pk: o.vote_count for o in poll.options.all()} == stored
    assert sum(stored.values()) == 4 and poll.ballot_count == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_get_distinct_gapless_seqs():
    import threading

    from django.db import connection as default_connection

    session = LiveSessionLiveFactory()
    users = UserFactory.create_batch(8)
    barrier = threading.Barrier(8)

    def send(user):
        try:
            barrier.wait(timeout=10)
            for n in range(3):
                chat.chat_send(actor=user, session=session, text=f"{user.pk}-{n}")
        finally:
            default_connection.close()

    threads = [threading.Thread(target=send, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [s for s, _n in log(session)] == list(range(1, 25))


def test_followers_are_notified_when_a_session_is_scheduled_and_when_it_goes_live(
    django_capture_on_commit_callbacks,
):
    from notifications.models import Notification
    from tests.factories import FollowFactory

    # given a follower of the commune
    commune = CommuneFactory()
    follower = FollowFactory(commune=commune).user
    mayor = staff_of(commune)
    # when the mayor schedules the session, then starts it twice (the outbox drains after commit)
    with django_capture_on_commit_callbacks(execute=True):
        session = sessions.session_schedule(
            actor=mayor, commune=commune, kind="hearing", title="Audience publique", starts_at=timezone.now()
        )
    with django_capture_on_commit_callbacks(execute=True):
        sessions.session_start(actor=mayor, session=session)
        sessions.session_start(actor=mayor, session=session)
    # then one in-app notification each, pointing at the session's page
    rows = Notification.objects.filter(recipient=follower, channel="in_app")
    kinds = sorted(rows.values_list("event__kind", flat=True))
    assert kinds == ["session.live", "session.scheduled"]
    assert OutboxEvent.objects.get(kind="session.live").payload["path"] == f"/seances/{session.pk}/"
