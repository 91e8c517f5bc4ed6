"""Page routes of the commitments tracker (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from commitments.models import Commitment
from frontend.commitments import pages, staff
from hub.readcache import commune_read, owned_by, public_read

# Anonymous reads answered from the public read cache (hub/readcache.py), by what they show.
commitment_read = public_read(owned_by(Commitment))

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/engagements/", commune_read(pages.tracker), name="commitments"),
    path("communes/<slug:slug>/engagements/nouveau/", staff.new, name="commitment-new"),
    path("engagements/<int:pk>/", commitment_read(pages.detail), name="commitment"),
    path("engagements/<int:pk>/mise-a-jour/", staff.post_update, name="commitment-update"),
    path("engagements/<int:pk>/modifier/", staff.edit, name="commitment-edit"),
]
