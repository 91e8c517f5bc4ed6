"""REST routes of the sessions_live app under /api/v1/ (wired in hub.urls). A session's commitments
(``sessions/<id>/commitments/``, ``commitments/<id>/``) are routed by the commitments app."""

from django.urls import URLPattern, URLResolver, path

from hub.readcache import commune_in_query, owned_by, public_read
from sessions_live.api import views as v
from sessions_live.api import views_agenda
from sessions_live.models import LiveSession

app_name = "sessions-api"

S = "sessions/<int:session_id>/"
# Anonymous reads of a session are cached under its commune's and its own stream's versions.
SESSION = owned_by(LiveSession, kwarg="session_id", session=True)

urlpatterns: list[URLPattern | URLResolver] = [
    path("sessions/", public_read(commune_in_query)(v.SessionListView.as_view()), name="session-list"),
    path(S, public_read(SESSION)(v.SessionDetailView.as_view()), name="session-detail"),
    path(S + "start/", v.SessionStartView.as_view(), name="session-start"),
    path(S + "end/", v.SessionEndView.as_view(), name="session-end"),
    path(S + "agenda/", v.AgendaItemCreateView.as_view(), name="session-agenda"),
    path(S + "agenda/current/", v.AgendaCurrentView.as_view(), name="session-agenda-current"),
    path(S + "agenda/order/", views_agenda.AgendaOrderView.as_view(), name="session-agenda-order"),
    path(
        S + "agenda/<int:item_id>/",
        views_agenda.AgendaItemDetailView.as_view(),
        name="session-agenda-item",
    ),
    path(S + "events/", public_read(SESSION)(v.EventListView.as_view()), name="session-events"),
    path(S + "chat/", public_read(SESSION)(v.ChatView.as_view()), name="session-chat"),
    path(S + "chat/<int:message_id>/", v.ChatMessageView.as_view(), name="session-chat-message"),
    path(S + "chat/<int:message_id>/flag/", v.ChatFlagView.as_view(), name="session-chat-flag"),
    path(S + "polls/", public_read(SESSION)(v.PollListView.as_view()), name="session-polls"),
    path(S + "polls/<int:poll_id>/open/", v.PollOpenView.as_view(), name="session-poll-open"),
    path(S + "polls/<int:poll_id>/close/", v.PollCloseView.as_view(), name="session-poll-close"),
    path(S + "polls/<int:poll_id>/vote/", v.PollVoteView.as_view(), name="session-poll-vote"),
    path(S + "questions/", public_read(SESSION)(v.QuestionListView.as_view()), name="session-questions"),
    path(
        S + "questions/<int:question_id>/upvote/",
        v.QuestionUpvoteView.as_view(),
        name="session-question-upvote",
    ),
    path(
        S + "questions/<int:question_id>/moderate/",
        v.QuestionModerateView.as_view(),
        name="session-question-moderate",
    ),
    path(
        S + "questions/<int:question_id>/answer/",
        v.QuestionAnswerView.as_view(),
        name="session-question-answer",
    ),
    path(S + "moderation/", v.ModerationView.as_view(), name="session-moderation"),
    path(S + "moderation/sanctions/", v.SanctionCreateView.as_view(), name="session-sanctions"),
    path(
        S + "moderation/sanctions/<int:sanction_id>/", v.SanctionDetailView.as_view(), name="session-sanction"
    ),
    path(S + "archive/", public_read(SESSION)(v.ArchiveView.as_view()), name="session-archive"),
]
