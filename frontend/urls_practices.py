"""Page routes of the practices app (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.practices import pages, staff
from hub.readcache import all_read, commune_read, owned_by, public_read
from practices.models import PracticeSheet

# Anonymous reads answered from the public read cache (hub/readcache.py), by what they show: the
# library (even filtered by commune: its theme counts and commune choices span every commune) and a
# theme's page every commune, a sheet's page its commune (its documents and its questions' threads
# are that commune's too).
sheet_read = public_read(owned_by(PracticeSheet))

urlpatterns: list[URLPattern | URLResolver] = [
    path("bonnes-pratiques/", all_read(pages.library), name="practice-list"),
    path("bonnes-pratiques/themes/<slug:slug>/", all_read(pages.theme), name="practice-theme"),
    path("bonnes-pratiques/themes/<slug:slug>/suivre/", pages.theme_follow, name="practice-theme-follow"),
    path("bonnes-pratiques/<int:pk>/", sheet_read(pages.detail), name="practice-detail"),
    path("bonnes-pratiques/<int:pk>/question/", pages.ask, name="practice-ask"),
    path("bonnes-pratiques/<int:pk>/modifier/", staff.edit, name="practice-edit"),
    path("bonnes-pratiques/<int:pk>/publier/", staff.publish, name="practice-publish"),
    path("bonnes-pratiques/<int:pk>/retirer/", staff.withdraw, name="practice-withdraw"),
    path(
        "communes/<slug:slug>/bonnes-pratiques/", commune_read(staff.commune_sheets), name="practice-commune"
    ),
    path("communes/<slug:slug>/bonnes-pratiques/nouvelle/", staff.new, name="practice-new"),
]
