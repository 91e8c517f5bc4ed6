"""Page routes of the evaluation app: participation (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.evaluation import participation

# One's own answers: signed-in pages, never public reads (no ``public_read``).
urlpatterns: list[URLPattern | URLResolver] = [
    path("profil/participation/", participation.participation_profile, name="participation-profile"),
    path(
        "profil/participation/supprimer/",
        participation.participation_profile_delete,
        name="participation-profile-delete",
    ),
]
