"""REST routes of the forums app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver, path

from forums.api.views import moderation, posts, threads
from forums.models import Thread
from hub.readcache import commune_in_path, commune_in_query, owned_by, public_read

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/forum/categories/",
        public_read(commune_in_path)(threads.CategoryListView.as_view()),
    ),
    path(
        "communes/<slug:slug>/forum/threads/",
        public_read(commune_in_path)(threads.CommuneThreadCreateView.as_view()),
    ),
    path("communes/<slug:slug>/forum/moderation/", moderation.ModerationQueueView.as_view()),
    path("communes/<slug:slug>/forum/mutes/", moderation.MuteView.as_view()),
    path("forum/threads/", public_read(commune_in_query)(threads.ThreadListView.as_view())),
    path(
        "forum/threads/<int:thread_id>/",
        public_read(owned_by(Thread, kwarg="thread_id"))(threads.ThreadDetailView.as_view()),
    ),
    path("forum/threads/<int:thread_id>/status/", threads.ThreadStatusView.as_view()),
    path("forum/threads/<int:thread_id>/proposal-status/", threads.ProposalStatusView.as_view()),
    path("forum/threads/<int:thread_id>/lock/", threads.ThreadLockView.as_view()),
    path(
        "forum/threads/<int:thread_id>/posts/",
        public_read(owned_by(Thread, kwarg="thread_id"))(posts.PostListView.as_view()),
    ),
    path("forum/threads/<int:thread_id>/support/", threads.SupportView.as_view()),
    path("forum/threads/<int:thread_id>/follow/", threads.FollowView.as_view()),
    path("forum/threads/<int:thread_id>/flags/", moderation.FlagView.as_view()),
    path("forum/threads/<int:thread_id>/hide/", moderation.HideView.as_view()),
    path("forum/threads/<int:thread_id>/restore/", moderation.RestoreView.as_view()),
    path("forum/posts/<int:post_id>/", posts.PostDetailView.as_view()),
    path("forum/attachments/<int:attachment_id>/", posts.AttachmentView.as_view()),
]
