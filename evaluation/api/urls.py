"""REST routes of the evaluation app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.api import views_figures, views_profile
from hub.readcache import commune_in_path, public_read

app_name = "evaluation-api"

urlpatterns: list[URLPattern | URLResolver] = [
    # One's own profile (who takes part): never a public read, never another person's.
    path(
        "me/participation-profile/",
        views_profile.ParticipationProfileView.as_view(),
        name="participation-profile",
    ),
    path(
        "me/participation-profile/arrondissements/",
        views_profile.ParticipationArrondissementsView.as_view(),
        name="participation-arrondissements",
    ),
    # A commune's figures (open data): public, from the read cache for anonymous clients.
    path(
        "communes/<slug:slug>/evaluation/",
        public_read(commune_in_path)(views_figures.CommuneFiguresView.as_view()),
        name="figures",
    ),
]
