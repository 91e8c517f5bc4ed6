"""Live sessions over REST: thin views that parse input, call one selector or service, serialize.

The websocket consumer calls the same services, so a REST write emits the same live events."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import validated, validated_query
from hub.selectors import access_commune_for, signed_in
from sessions_live import selectors, votebatch
from sessions_live import serializers as out
from sessions_live.api import serializers as s
from sessions_live.api.pagination import SessionCursorPagination
from sessions_live.services import agenda, chat, moderation, polls, questions, sessions


def _detail(request: Request, session_id: int) -> Response:
    session = selectors.session_get(session_id, detail=True)
    return Response(out.SessionDetailOut(session, context={"user": request.user}).data)


def _reveal(request: Request, session: Any) -> dict[str, Any]:
    from sessions_live.permissions import can_moderate

    return {"reveal_authors": can_moderate(request.user, session)}


# --- Sessions --------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[s.SessionPageQueryIn]))
class SessionListView(ListAPIView):
    """Sessions, latest start first; filters ``commune`` (slug) and ``status``."""

    also_answers = {404: "No commune has this slug."}  # read by the schema (hub/api/schema.py)
    serializer_class = out.SessionOut
    pagination_class = SessionCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query = validated_query(s.SessionPageQueryIn, self.request)
        query.pop("cursor", None)  # read by the pagination, once the filters are known good
        query.pop("page_size", None)
        return selectors.session_list(**query)

    @extend_schema(request=s.SessionIn, responses={201: out.SessionDetailOut})
    def post(self, request: Request) -> Response:
        """Schedule a session (staff of the commune); the commune's followers are notified."""
        data = validated(s.SessionIn, request.data)
        commune = access_commune_for(request.user, data.pop("commune"), "hub.publish_in_commune")
        session = sessions.session_schedule(actor=signed_in(request.user), commune=commune, **data)
        response = _detail(request, session.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class SessionDetailView(APIView):
    @extend_schema(responses=out.SessionDetailOut)
    def get(self, request: Request, session_id: int) -> Response:
        return _detail(request, session_id)

    @extend_schema(request=s.SessionSettingsIn, responses=out.SessionDetailOut)
    def patch(self, request: Request, session_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        changes = validated(s.SessionSettingsIn, request.data)
        sessions.session_update(actor=request.user, session=session, changes=changes)
        return _detail(request, session_id)


class SessionStartView(APIView):
    @extend_schema(request=None, responses=out.SessionDetailOut)
    def post(self, request: Request, session_id: int) -> Response:
        """scheduled → live (followers are notified once)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        sessions.session_start(actor=request.user, session=session)
        return _detail(request, session_id)


class SessionEndView(APIView):
    @extend_schema(request=None, responses=out.SessionDetailOut)
    def post(self, request: Request, session_id: int) -> Response:
        """live → ended (open polls are closed and their results archived)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        sessions.session_end(actor=request.user, session=session)
        return _detail(request, session_id)


class AgendaItemCreateView(APIView):
    @extend_schema(request=s.AgendaItemIn, responses={201: out.AgendaItemOut})
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.AgendaItemIn, request.data)
        item = agenda.agenda_item_add(actor=request.user, session=session, title=data["title"])
        return Response(out.AgendaItemOut(item).data, status=status.HTTP_201_CREATED)


class AgendaCurrentView(APIView):
    @extend_schema(request=s.AgendaCurrentIn, responses=out.SessionDetailOut)
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.AgendaCurrentIn, request.data)
        agenda.agenda_current_set(actor=request.user, session=session, item_id=data["item"])
        return _detail(request, session_id)


class EventListView(APIView):
    @extend_schema(parameters=[s.EventQueryIn], responses=out.EventPageOut)
    def get(self, request: Request, session_id: int) -> Response:
        """The replay log after ``after``, in order (at most ``limit`` ≤ 500 events)."""
        session = selectors.session_get(session_id)
        query = validated_query(s.EventQueryIn, request)
        rows = selectors.events_after(session, query["after"], query["limit"])
        last = rows[-1].seq if rows else query["after"]
        return Response(
            {
                "events": [row.frame() for row in rows],
                "last_seq": session.last_seq,
                "has_more": last < session.last_seq,
            }
        )


# --- Chat ------------------------------------------------------------------------------------------

ChatPageOut = inline_serializer(
    "ChatPageOut", {"results": out.ChatMessageOut(many=True), "has_more": serializers.BooleanField()}
)


class ChatView(APIView):
    @extend_schema(parameters=[s.ChatQueryIn], responses=ChatPageOut)
    def get(self, request: Request, session_id: int) -> Response:
        """Visible messages, 100 at a time, oldest first; ``before=<id>`` pages back."""
        session = selectors.session_get(session_id)
        query = validated_query(s.ChatQueryIn, request)
        messages = selectors.chat_history(session, before=query["before"], limit=selectors.CHAT_PAGE + 1)
        has_more = len(messages) > selectors.CHAT_PAGE
        messages = messages[1:] if has_more else messages
        return Response({"results": out.ChatMessageOut(messages, many=True).data, "has_more": has_more})

    @extend_schema(request=s.ChatIn, responses={201: out.ChatMessageOut, 200: out.ChatMessageOut})
    def post(self, request: Request, session_id: int) -> Response:
        """Post a message (201; 200 with the first message when the idempotency key was used)."""
        session = selectors.session_get(session_id)
        data = validated(s.ChatIn, request.data)
        message, created = chat.chat_send(actor=signed_in(request.user), session=session, **data)
        return Response(out.ChatMessageOut(message).data, status=201 if created else 200)


class ChatMessageView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, session_id: int, message_id: int) -> Response:
        """Remove a message (moderators): it disappears live for everyone."""
        session = selectors.access_session(request.user, session_id, moderate=True)
        chat.chat_remove(actor=request.user, message=selectors.access_chat_message(session, message_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatFlagView(APIView):
    @extend_schema(request=s.ChatFlagIn, responses={201: None})
    def post(self, request: Request, session_id: int, message_id: int) -> Response:
        session = selectors.session_get(session_id)
        message = selectors.access_chat_message(session, message_id)
        data = validated(s.ChatFlagIn, request.data)
        chat.chat_flag(actor=signed_in(request.user), message=message, reason=data["reason"])
        return Response(status=status.HTTP_201_CREATED)


# --- Polls -----------------------------------------------------------------------------------------


class PollListView(APIView):
    @extend_schema(responses=out.PollOut(many=True))
    def get(self, request: Request, session_id: int) -> Response:
        """Polls with their tallies (drafts for staff only)."""
        session = selectors.session_get(session_id)
        return Response(out.PollOut(selectors.poll_list(session, user=request.user), many=True).data)

    @extend_schema(request=s.PollIn, responses={201: out.PollOut})
    def post(self, request: Request, session_id: int) -> Response:
        """Create a poll as a draft (staff)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.PollIn, request.data)
        poll = polls.poll_create(actor=request.user, session=session, **data)
        return Response(out.PollOut(polls.poll_get(session.pk, poll.pk)).data, status=status.HTTP_201_CREATED)


class PollOpenView(APIView):
    @extend_schema(request=None, responses=out.PollOut)
    def post(self, request: Request, session_id: int, poll_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        poll = polls.poll_open(actor=request.user, poll=polls.poll_get(session.pk, poll_id))
        return Response(out.PollOut(poll).data)


class PollCloseView(APIView):
    @extend_schema(request=None, responses=out.PollOut)
    def post(self, request: Request, session_id: int, poll_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        poll = polls.poll_close(actor=request.user, poll=polls.poll_get(session.pk, poll_id))
        return Response(out.PollOut(poll).data)


VoteOut = inline_serializer(
    "VoteOut",
    {"poll": serializers.IntegerField(), "options": serializers.ListField(child=serializers.IntegerField())},
)


class PollVoteView(APIView):
    @extend_schema(request=s.VoteIn, responses=VoteOut)
    def post(self, request: Request, session_id: int, poll_id: int) -> Response:
        """Vote, or change one's vote while the poll is open (one ballot per user)."""
        poll = polls.poll_get(session_id, poll_id)
        data = validated(s.VoteIn, request.data)
        vote = polls.VoteIn(signed_in(request.user), poll.pk, data["options"], data["idempotency_key"])
        # Group commit with the websocket votes of this server process (sessions_live.votebatch).
        return Response(votebatch.vote_from_thread(session_id=poll.session_id, vote=vote))


# --- Questions -------------------------------------------------------------------------------------


class QuestionListView(APIView):
    @extend_schema(parameters=[s.QuestionQueryIn], responses=out.QuestionOut(many=True))
    def get(self, request: Request, session_id: int) -> Response:
        """Public questions (moderators: all, with authors), by votes or by time."""
        session = selectors.session_get(session_id)
        query = validated_query(s.QuestionQueryIn, request)
        rows = selectors.question_list(session, user=request.user, order=query["order"])
        return Response(out.QuestionOut(rows, many=True, context=_reveal(request, session)).data)

    @extend_schema(request=s.QuestionIn, responses={201: out.QuestionOut, 200: out.QuestionOut})
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id)
        data = validated(s.QuestionIn, request.data)
        question, created = questions.question_ask(actor=signed_in(request.user), session=session, **data)
        return Response(out.QuestionOut(question).data, status=201 if created else 200)


class QuestionUpvoteView(APIView):
    @extend_schema(request=None, responses=out.QuestionOut)
    def post(self, request: Request, session_id: int, question_id: int) -> Response:
        question = questions.question_get(session_id, question_id)
        updated = questions.question_upvote(actor=signed_in(request.user), question=question)
        return Response(out.QuestionOut(updated).data)

    @extend_schema(request=None, responses={200: out.QuestionOut})
    def delete(self, request: Request, session_id: int, question_id: int) -> Response:
        question = questions.question_get(session_id, question_id)
        updated = questions.question_unvote(actor=signed_in(request.user), question=question)
        return Response(out.QuestionOut(updated).data)


class QuestionModerateView(APIView):
    @extend_schema(request=s.ModerateIn, responses=out.QuestionOut)
    def post(self, request: Request, session_id: int, question_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, moderate=True)
        data = validated(s.ModerateIn, request.data)
        question = questions.question_moderate(
            actor=request.user,
            question=questions.question_get(session.pk, question_id),
            decision=data["decision"],
        )
        return Response(out.QuestionOut(question, context={"reveal_authors": True}).data)


class QuestionAnswerView(APIView):
    @extend_schema(request=s.AnswerIn, responses=out.QuestionOut)
    def post(self, request: Request, session_id: int, question_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.AnswerIn, request.data)
        question = questions.question_answer(
            actor=request.user,
            question=questions.question_get(session.pk, question_id),
            status=data["status"],
            answer=data.get("answer"),
        )
        return Response(out.QuestionOut(question).data)


# --- Moderation ------------------------------------------------------------------------------------

FlaggedOut = inline_serializer(
    "FlaggedMessageOut",
    {
        "message": out.ChatMessageOut(),
        "flags": serializers.IntegerField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
    },
)
ModerationOut = inline_serializer(
    "ModerationOut",
    {
        "pending_questions": out.QuestionOut(many=True),
        "flagged_messages": serializers.ListField(child=FlaggedOut),
        "rate_limit_hits": serializers.ListField(child=serializers.DictField()),
        "sanctions": out.SanctionOut(many=True),
        "viewer_count": serializers.IntegerField(),
    },
)


class ModerationView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ModerationOut)
    def get(self, request: Request, session_id: int) -> Response:
        """The moderator console's state: pending questions, flagged messages, rate-limit hits,
        sanctions, viewer count."""
        session = selectors.access_session(request.user, session_id, moderate=True)
        data = selectors.moderation_overview(session)
        return Response(
            {
                "pending_questions": out.QuestionOut(
                    data["pending_questions"], many=True, context={"reveal_authors": True}
                ).data,
                "flagged_messages": [
                    {
                        "message": out.ChatMessageOut(row["message"]).data,
                        "flags": row["flags"],
                        "reasons": row["reasons"],
                    }
                    for row in data["flagged_messages"]
                ],
                "rate_limit_hits": data["rate_limit_hits"],
                "sanctions": out.SanctionOut(data["sanctions"], many=True).data,
                "viewer_count": data["viewer_count"],
            }
        )


class SanctionCreateView(APIView):
    @extend_schema(request=s.SanctionIn, responses={201: out.SanctionOut})
    def post(self, request: Request, session_id: int) -> Response:
        """Mute for ``minutes`` or ban for the session; the user's open sockets are told at once."""
        session = selectors.access_session(request.user, session_id, moderate=True)
        data = validated(s.SanctionIn, request.data)
        sanction = moderation.sanction_create(
            actor=request.user,
            session=session,
            user_id=data["user"],
            kind=data["kind"],
            minutes=data.get("minutes"),
            reason=data["reason"],
        )
        return Response(out.SanctionOut(sanction).data, status=status.HTTP_201_CREATED)


class SanctionDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, session_id: int, sanction_id: int) -> Response:
        session = selectors.access_session(request.user, session_id, moderate=True)
        moderation.sanction_lift(actor=request.user, session=session, sanction_id=sanction_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Archive ---------------------------------------------------------------------------------------


class ArchiveView(APIView):
    also_answers = {409: "The session has not ended yet (`wrong_status`)."}  # read by the schema

    @extend_schema(responses=out.ArchiveOut)
    def get(self, request: Request, session_id: int) -> Response:
        """An ended session: recording, agenda, documents, transcript, Q&A, poll results (its
        commitments: ``GET /api/v1/commitments/?session=<id>``)."""
        session = selectors.session_get(session_id, detail=True)
        return Response(out.ArchiveOut(selectors.archive(session), context={"user": request.user}).data)
