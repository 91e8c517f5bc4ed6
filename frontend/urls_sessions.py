"""Page routes of the sessions pages (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.sessions import pages, staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("seances/", pages.session_list, name="sessions"),
    path("seances/<int:pk>/", pages.session_detail, name="session"),
    path("seances/<int:pk>/console/", staff.console, name="session-console"),
    path("seances/<int:pk>/moderation/", staff.moderation, name="session-moderation"),
    path("communes/<slug:slug>/seances/", pages.session_list, name="commune-sessions"),
]
