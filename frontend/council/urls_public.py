"""Public council routes: the council of a commune, a page per member, the open data of its record,
and the projector of a session."""

from django.urls import URLPattern, URLResolver, path

from frontend.council import pages
from hub.readcache import commune_read, owned_by, public_read
from sessions_live.models import LiveSession

# Anonymous reads answered from the public read cache (hub/readcache.py), by what they show: the
# council's rows bump their commune's version, a session's roll call and motions its stream's too.
session_read = public_read(owned_by(LiveSession, session=True))

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/conseil/", commune_read(pages.council), name="council"),
    path("communes/<slug:slug>/conseil/donnees/", commune_read(pages.open_data), name="council-data"),
    path(
        "communes/<slug:slug>/conseil/<int:pk>-<str:member_slug>/",
        commune_read(pages.member_page),
        name="council-member",
    ),
    path("seances/<int:pk>/projecteur/", session_read(pages.projector), name="session-projector"),
]
