"""Page routes of the sessions pages (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.sessions import manage, pages, staff
from hub.readcache import all_read, commune_read, owned_by, public_read
from sessions_live.models import LiveSession

# Anonymous reads answered from the public read cache (hub/readcache.py), by what they show.
session_read = public_read(owned_by(LiveSession, session=True))

urlpatterns: list[URLPattern | URLResolver] = [
    path("seances/", all_read(pages.session_list), name="sessions"),
    path(
        "seances/<int:pk>/",
        session_read(pages.session_detail),
        name="session",
    ),
    path("seances/<int:pk>/console/", staff.console, name="session-console"),
    path("seances/<int:pk>/moderation/", staff.moderation, name="session-moderation"),
    path("seances/<int:pk>/modifier/", manage.session_edit, name="session-edit"),
    path("seances/<int:pk>/demarrer/", manage.session_start, name="session-start"),
    path("seances/<int:pk>/terminer/", manage.session_end, name="session-end"),
    path(
        "communes/<slug:slug>/seances/",
        commune_read(pages.session_list),
        name="commune-sessions",
    ),
    path("communes/<slug:slug>/seances/nouvelle/", manage.session_new, name="session-new"),
]
