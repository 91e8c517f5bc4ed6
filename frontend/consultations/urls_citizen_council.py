"""Routes of the consultations' pages: the citizen council (public) and the staff page of the
organisations, facilitators and citizen council (spliced into frontend.urls_consultations)."""

from django.urls import URLPattern, URLResolver, path

from frontend.consultations import citizen_council
from hub.readcache import commune_read

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/conseil-citoyen/",
        commune_read(citizen_council.citizen_council_page),
        name="citizen-council",
    ),
    path(
        "communes/<slug:slug>/consultations/organisations/",
        citizen_council.organisations_manage,
        name="consultation-organisations",
    ),
]
