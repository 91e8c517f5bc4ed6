"""The live sessions REST API: shapes, the permission matrix (role × own/other commune × session
status), tenant isolation, bad input, pinned query counts, the archive and the replay log."""

from __future__ import annotations

import contextlib
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from commitments.services import commitment_create_from_question
from hub.models import AuditLogEntry, OutboxEvent, Role
from sessions_live.errors import ChatThrottled
from sessions_live.models import ChatMessage, LiveSession, PollStatus, SessionEvent, SessionStatus
from sessions_live.services import chat, polls, questions
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import (
    AgendaItemFactory,
    ChatMessageFactory,
    LiveSessionFactory,
    LiveSessionLiveFactory,
    PollFactory,
    QuestionFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(session, tail=""):
    return f"/api/v1/sessions/{session.pk}/{tail}"


# --- Reading -------------------------------------------------------------------------------------


def test_list_filters_by_commune_and_status_with_cursor_pagination():
    commune = CommuneFactory()
    LiveSessionFactory.create_batch(3, commune=commune)
    LiveSessionLiveFactory(commune=commune)
    LiveSessionFactory()  # another commune
    body = client_for().get("/api/v1/sessions/", {"commune": commune.slug}).json()
    assert len(body["results"]) == 4 and "next" in body
    live = client_for().get("/api/v1/sessions/", {"commune": commune.slug, "status": "live"}).json()
    assert [s["status"] for s in live["results"]] == ["live"]
    assert client_for().get("/api/v1/sessions/", {"status": "bogus"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(settings):
    settings.READ_CACHE = False  # the view's own queries (the read cache: test_read_cache.py)
    LiveSessionFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client_for().get("/api/v1/sessions/")
    LiveSessionFactory.create_batch(12)
    with CaptureQueriesContext(connection) as many:
        client_for().get("/api/v1/sessions/")
    assert len(few) == len(many) == 1


def test_detail_query_count_is_pinned():
    session = LiveSessionLiveFactory()
    AgendaItemFactory.create_batch(3, session=session)
    PollFactory.create_batch(2, session=session)
    viewer = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        body = client_for(viewer).get(url(session)).json()
    # session+commune, agenda, documents, open polls, options, roles, sanctions (×1 for me)
    assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]
    assert len(body["agenda"]) == 3 and len(body["open_polls"]) == 2
    assert body["me"]["can_chat"] is True and body["me"]["can_manage"] is False


def test_questions_and_polls_lists_have_pinned_query_counts(settings):
    settings.READ_CACHE = False  # the view's own queries (the read cache: test_read_cache.py)
    session = LiveSessionLiveFactory()
    QuestionFactory.create_batch(5, session=session)
    PollFactory.create_batch(3, session=session)
    with CaptureQueriesContext(connection) as q_questions:
        assert len(client_for().get(url(session, "questions/")).json()) == 5
    with CaptureQueriesContext(connection) as q_polls:
        assert len(client_for().get(url(session, "polls/")).json()) == 3
    assert len(q_questions) == 2 and len(q_polls) == 3


def test_unknown_session_is_a_json_404():
    response = client_for().get("/api/v1/sessions/999999/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_events_endpoint_pages_the_log():
    session = LiveSessionLiveFactory()
    user = UserFactory()
    for n in range(5):
        chat.chat_send(actor=user, session=session, text=f"m{n}")
    body = client_for().get(url(session, "events/"), {"after": 1, "limit": 2}).json()
    assert [e["seq"] for e in body["events"]] == [2, 3] and body["has_more"] is True and body["last_seq"] == 5
    assert body["events"][0]["type"] == "event" and body["events"][0]["event"] == "chat.message"
    rest = client_for().get(url(session, "events/"), {"after": 3}).json()
    assert [e["seq"] for e in rest["events"]] == [4, 5] and rest["has_more"] is False
    assert client_for().get(url(session, "events/"), {"limit": 501}).status_code == 400


def test_events_older_than_24_hours_are_still_replayed():
    # given events written 25 hours ago and a client that last saw seq 1
    session = LiveSessionLiveFactory()
    user = UserFactory()
    for n in range(4):
        chat.chat_send(actor=user, session=session, text=f"m{n}")
    SessionEvent.objects.filter(session=session).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    chat.chat_send(actor=user, session=session, text="today")
    # when it resumes
    body = client_for().get(url(session, "events/"), {"after": 1}).json()
    # then it gets all the missed events, old and new
    assert [e["seq"] for e in body["events"]] == [2, 3, 4, 5]


def test_chat_history_hides_removed_messages_and_pages_back():
    session = LiveSessionLiveFactory()
    messages = ChatMessageFactory.create_batch(3, session=session)
    ChatMessage.objects.filter(pk=messages[1].pk).update(removed_at=timezone.now())
    body = client_for().get(url(session, "chat/")).json()
    assert [m["id"] for m in body["results"]] == [messages[0].pk, messages[2].pk] and body[
        "has_more"
    ] is False
    older = client_for().get(url(session, "chat/"), {"before": messages[2].pk}).json()
    assert [m["id"] for m in older["results"]] == [messages[0].pk]


# --- Writing -------------------------------------------------------------------------------------


def test_mayor_schedules_starts_and_ends_a_session_through_the_api():
    commune = CommuneFactory()
    api = client_for(staff_of(commune))
    created = api.post(
        "/api/v1/sessions/",
        {
            "commune": commune.slug,
            "kind": "accountability",
            "title": "Reddition de comptes 2026",
            "starts_at": (timezone.now() + datetime.timedelta(days=3)).isoformat(),
            "agenda": ["Budget", "Eau"],
            "audio_url": "https://radio.example.bj/live.mp3",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    session_id = created.json()["id"]
    assert [a["title"] for a in created.json()["agenda"]] == ["Budget", "Eau"]
    started = api.post(f"/api/v1/sessions/{session_id}/start/")
    assert started.status_code == 200 and started.json()["status"] == "live"
    item = created.json()["agenda"][1]["id"]
    current = api.post(f"/api/v1/sessions/{session_id}/agenda/current/", {"item": item}, format="json")
    assert current.json()["current_item"] == item
    patched = api.patch(f"/api/v1/sessions/{session_id}/", {"slow_mode_seconds": 10}, format="json")
    assert patched.json()["slow_mode_seconds"] == 10
    ended = api.post(f"/api/v1/sessions/{session_id}/end/")
    assert ended.json()["status"] == "ended" and ended.json()["ended_at"]


def test_scheduling_with_bad_input_says_which_fields():
    commune = CommuneFactory()
    response = client_for(staff_of(commune)).post(
        "/api/v1/sessions/", {"commune": commune.slug, "kind": "party"}, format="json"
    )
    assert response.status_code == 400
    assert {"kind", "title", "starts_at"} <= set(response.json()["error"]["fields"])


def test_scheduling_in_the_past_is_a_400_on_the_start_that_writes_and_notifies_nothing():
    # given the mayor of a commune
    commune = CommuneFactory()
    api = client_for(staff_of(commune))
    # when they schedule a session that would have started on 15 January 2020
    body = {
        "commune": commune.slug,
        "kind": "ordinary",
        "title": "Session",
        "starts_at": "2020-01-15T10:00:00+01:00",
    }
    response = api.post("/api/v1/sessions/", body, format="json")
    # then the start is refused like the other fields the service checks, and nothing is written
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and list(error["fields"]) == ["starts_at"]
    assert not LiveSession.objects.exists() and not OutboxEvent.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="session.").exists()


def test_malformed_json_body_is_a_400():
    session = LiveSessionLiveFactory()
    response = client_for(UserFactory()).post(url(session, "chat/"), "{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_body"


def test_citizen_chats_votes_asks_and_upvotes_over_rest():
    session = LiveSessionLiveFactory()
    poll = PollFactory(session=session)
    option = poll.options.first()
    api = client_for(UserFactory())
    sent = api.post(url(session, "chat/"), {"text": "Bonsoir", "idempotency_key": "a1"}, format="json")
    again = api.post(url(session, "chat/"), {"text": "Bonsoir", "idempotency_key": "a1"}, format="json")
    assert sent.status_code == 201 and again.status_code == 200 and again.json()["id"] == sent.json()["id"]
    vote = api.post(url(session, f"polls/{poll.pk}/vote/"), {"options": [option.pk]}, format="json")
    assert vote.json() == {"poll": poll.pk, "options": [option.pk]}
    twice = api.post(url(session, f"polls/{poll.pk}/vote/"), {"options": [option.pk]}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_voted"
    asked = api.post(url(session, "questions/"), {"text": "Quand ?", "anonymous": True}, format="json")
    assert asked.status_code == 201 and asked.json()["author"] is None
    question = QuestionFactory(session=session)
    assert api.post(url(session, f"questions/{question.pk}/upvote/")).json()["vote_count"] == 1
    assert api.delete(url(session, f"questions/{question.pk}/upvote/")).json()["vote_count"] == 0


def test_anonymous_writes_are_401():
    session = LiveSessionLiveFactory()
    poll = PollFactory(session=session)
    for path, body in [
        ("chat/", {"text": "x"}),
        (f"polls/{poll.pk}/vote/", {"options": [1]}),
        ("questions/", {"text": "?"}),
    ]:
        response = client_for().post(url(session, path), body, format="json")
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_chat_flood_over_rest_is_429_with_retry_after(fresh_chat_window):
    session = LiveSessionLiveFactory()
    api = client_for(UserFactory())
    codes = [api.post(url(session, "chat/"), {"text": f"x{n}"}, format="json").status_code for n in range(7)]
    assert codes == [201] * 5 + [429] * 2
    last = api.post(url(session, "chat/"), {"text": "x"}, format="json")
    assert last.json()["error"]["code"] == "throttled" and int(last["Retry-After"]) >= 1
    assert ChatMessage.objects.count() == 5


def test_vote_with_another_polls_option_or_on_a_closed_poll_is_rejected_tally_unchanged():
    session = LiveSessionLiveFactory()
    poll, other = PollFactory(session=session), PollFactory(session=session)
    api = client_for(UserFactory())
    foreign = api.post(
        url(session, f"polls/{poll.pk}/vote/"), {"options": [other.options.first().pk]}, format="json"
    )
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "invalid_option"
    poll.status = PollStatus.CLOSED
    poll.save()
    closed = api.post(
        url(session, f"polls/{poll.pk}/vote/"), {"options": [poll.options.first().pk]}, format="json"
    )
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "poll_closed"
    assert sum(o.vote_count for o in poll.options.all()) == 0


def test_poll_of_another_session_is_404():
    poll = PollFactory()
    other = LiveSessionLiveFactory()
    response = client_for(UserFactory()).post(
        url(other, f"polls/{poll.pk}/vote/"), {"options": [1]}, format="json"
    )
    assert response.status_code == 404


# --- Permission matrix ---------------------------------------------------------------------------

STAFF_ACTIONS = {
    # action: (method, path template, body, allowed statuses)
    "poll_create": ("post", "polls/", {"question": "Q ?", "options": ["A", "B"]}, {"scheduled", "live"}),
    "agenda_add": ("post", "agenda/", {"title": "Point"}, {"scheduled", "live"}),
    "patch": ("patch", "", {"description": "Mise à jour"}, {"scheduled", "live", "ended"}),
    "commitment": ("post", "commitments/", {"text": "Promesse"}, {"scheduled", "live", "ended"}),
}
ROLES = {
    "mayor": Role.MAYOR,
    "communication": Role.COMMUNICATION_OFFICER,
    "moderator": Role.MODERATOR,
    "councillor": Role.COUNCILLOR,
}


@pytest.mark.parametrize("status", ["scheduled", "live", "ended"])
@pytest.mark.parametrize("role", [*ROLES, "citizen", "anonymous", "mayor_elsewhere"])
@pytest.mark.parametrize("action", list(STAFF_ACTIONS))
def test_staff_actions_matrix(action, role, status):
    session = LiveSessionFactory(status=status)
    if role == "anonymous":
        user = None
    elif role == "citizen":
        user = UserFactory()
    elif role == "mayor_elsewhere":
        user = staff_of(CommuneFactory(), Role.MAYOR)
    else:
        user = staff_of(session.commune, ROLES[role])
    method, tail, body, statuses = STAFF_ACTIONS[action]
    response = getattr(client_for(user), method)(url(session, tail), body, format="json")
    publisher = role in ("mayor", "communication")
    if role == "anonymous":
        assert response.status_code == 401
    elif not publisher:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"
    elif status in statuses:
        assert response.status_code in (200, 201), response.content
        assert AuditLogEntry.objects.filter(actor=user, commune=session.commune).exists()
    else:
        assert response.status_code == 409


MODERATION_ACTIONS = ["moderation_get", "question_moderate", "chat_remove", "sanction"]


@pytest.mark.parametrize("role", ["mayor", "moderator", "communication", "citizen", "moderator_elsewhere"])
@pytest.mark.parametrize("action", MODERATION_ACTIONS)
def test_moderation_matrix(action, role):
    session = LiveSessionLiveFactory()
    if role == "citizen":
        user = UserFactory()
    elif role == "moderator_elsewhere":
        user = staff_of(CommuneFactory(), Role.MODERATOR)
    else:
        user = staff_of(session.commune, ROLES[role])
    question = QuestionFactory(session=session, status="pending")
    message = ChatMessageFactory(session=session)
    api = client_for(user)
    response = {
        "moderation_get": lambda: api.get(url(session, "moderation/")),
        "question_moderate": lambda: api.post(
            url(session, f"questions/{question.pk}/moderate/"), {"decision": "approve"}, format="json"
        ),
        "chat_remove": lambda: api.delete(url(session, f"chat/{message.pk}/")),
        "sanction": lambda: api.post(
            url(session, "moderation/sanctions/"),
            {"user": message.author_id, "kind": "mute", "minutes": 5},
            format="json",
        ),
    }[action]()
    if role in ("mayor", "moderator"):
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_staff_of_another_commune_cannot_open_a_poll_over_rest():
    poll = PollFactory(status=PollStatus.DRAFT)
    response = client_for(staff_of(CommuneFactory())).post(url(poll.session, f"polls/{poll.pk}/open/"))
    assert response.status_code == 403
    poll.refresh_from_db()
    assert poll.status == PollStatus.DRAFT


def test_moderator_sees_pending_questions_with_authors_and_rate_limit_hits(fresh_chat_window):
    session = LiveSessionLiveFactory(questions_premoderated=True)
    author = UserFactory()
    questions.question_ask(actor=author, session=session, text="Anonyme ?", anonymous=True)
    flooder = UserFactory()
    for n in range(6):
        with contextlib.suppress(ChatThrottled):  # the sixth is throttled, on purpose
            chat.chat_send(actor=flooder, session=session, text=f"x{n}")
    message = ChatMessage.objects.filter(session=session).first()
    chat.chat_flag(actor=UserFactory(), message=message, reason="spam")
    body = client_for(staff_of(session.commune, Role.MODERATOR)).get(url(session, "moderation/")).json()
    assert body["pending_questions"][0]["author"]["id"] == author.pk
    assert body["rate_limit_hits"][0]["user"]["id"] == flooder.pk
    assert body["flagged_messages"][0]["flags"] == 1 and body["flagged_messages"][0]["reasons"] == ["spam"]
    # the public list does not show the pending question
    assert client_for().get(url(session, "questions/")).json() == []


# --- Archive -------------------------------------------------------------------------------------


def test_archive_of_an_ended_session_has_everything():
    session = LiveSessionLiveFactory(recording_url="https://www.youtube.com/watch?v=x")
    mayor = staff_of(session.commune)
    AgendaItemFactory(session=session, title="Budget")
    ChatMessageFactory(session=session, text="Bonsoir à tous")
    question = QuestionFactory(session=session)
    questions.question_answer(actor=mayor, question=question, status="answered", answer="Oui.")
    commitment = commitment_create_from_question(
        actor=mayor, commune=session.commune, question_id=question.pk, session=session, text="Promesse"
    )
    poll = PollFactory(session=session)
    polls.poll_vote(actor=UserFactory(), poll=poll, option_ids=[poll.options.first().pk])
    assert client_for().get(url(session, "archive/")).status_code == 409
    from sessions_live.services.sessions import session_end

    session_end(actor=mayor, session=session)
    body = client_for().get(url(session, "archive/")).json()
    assert body["session"]["recording_url"] == "https://www.youtube.com/watch?v=x"
    assert (
        body["session"]["status"] == SessionStatus.ENDED and body["session"]["agenda"][0]["title"] == "Budget"
    )
    assert body["transcript"][0]["text"] == "Bonsoir à tous"
    assert body["questions"][0]["answer"] == "Oui."
    assert body["polls"][0]["results"]["total"] == 1
    # the session's commitments are the commitments app's: not in the archive, listed by session
    assert "commitments" not in body
    listed = client_for().get("/api/v1/commitments/", {"session": session.pk}).json()["results"]
    assert [c["id"] for c in listed] == [commitment.pk] and listed[0]["question"] == question.pk


def test_the_schema_documents_the_sessions_api():
    schema = client_for().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert b"/api/v1/sessions/{session_id}/polls/{poll_id}/vote/" in schema.content


# --- Review fixes: tampered cursors and out-of-range numbers -----------------------------------


@pytest.mark.parametrize("cursor", ["garbage", "cD0yMDI2", "%%%", "cD0nOyBEUk9QIFRBQkxF"])
def test_a_tampered_session_list_cursor_is_400(cursor):
    LiveSessionFactory.create_batch(3)
    response = client_for().get("/api/v1/sessions/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_the_cursors_the_api_hands_out_still_work():
    LiveSessionFactory.create_batch(3)
    first = client_for().get("/api/v1/sessions/", {"page_size": 2}).json()
    second = client_for().get(first["next"])
    assert second.status_code == 200 and len(second.json()["results"]) == 1


def test_out_of_range_numbers_are_400_and_change_nothing():
    # given an open poll and a citizen
    poll = PollFactory(status=PollStatus.OPEN)
    voter = UserFactory()
    huge = 10**23
    # when they send numbers past any database id
    vote_url = url(poll.session, f"polls/{poll.pk}/vote/")
    vote = client_for(voter).post(vote_url, {"options": [huge]}, format="json")
    events = client_for().get(url(poll.session, "events/"), {"after": huge})
    chat = client_for().get(url(poll.session, "chat/"), {"before": huge})
    # then each is a 400 on the field, and no ballot exists
    assert [vote.status_code, events.status_code, chat.status_code] == [400, 400, 400]
    assert "options" in vote.json()["error"]["fields"]
    poll.refresh_from_db()
    assert poll.ballot_count == 0
