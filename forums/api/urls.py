"""REST routes of the forums app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver, path

from forums.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/forum/categories/", views.CategoryListView.as_view()),
    path("communes/<slug:slug>/forum/threads/", views.CommuneThreadCreateView.as_view()),
    path("communes/<slug:slug>/forum/moderation/", views.ModerationQueueView.as_view()),
    path("communes/<slug:slug>/forum/mutes/", views.MuteView.as_view()),
    path("forum/threads/", views.ThreadListView.as_view()),
    path("forum/threads/<int:thread_id>/", views.ThreadDetailView.as_view()),
    path("forum/threads/<int:thread_id>/status/", views.ThreadStatusView.as_view()),
    path("forum/threads/<int:thread_id>/proposal-status/", views.ProposalStatusView.as_view()),
    path("forum/threads/<int:thread_id>/lock/", views.ThreadLockView.as_view()),
    path("forum/threads/<int:thread_id>/posts/", views.PostListView.as_view()),
    path("forum/threads/<int:thread_id>/support/", views.SupportView.as_view()),
    path("forum/threads/<int:thread_id>/follow/", views.FollowView.as_view()),
    path("forum/threads/<int:thread_id>/flags/", views.FlagView.as_view()),
    path("forum/threads/<int:thread_id>/hide/", views.HideView.as_view()),
    path("forum/threads/<int:thread_id>/restore/", views.RestoreView.as_view()),
    path("forum/posts/<int:post_id>/", views.PostDetailView.as_view()),
    path("forum/attachments/<int:attachment_id>/", views.AttachmentView.as_view()),
]
