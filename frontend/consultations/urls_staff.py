"""Routes of the consultations' pages: staff (spliced into frontend.urls_consultations): the
commune's consultations, a new one, and one consultation's page (its fields, questionnaire and
sections, phases, results, comments and response)."""

from django.urls import URLPattern, URLResolver, path

from frontend.consultations.staff import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/consultations/gerer/", pages.consultations_manage, name="consultations-manage"
    ),
    path("communes/<slug:slug>/consultations/nouvelle/", pages.consultation_new, name="consultation-new"),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/gerer/",
        pages.consultation_manage,
        name="consultation-manage",
    ),
]
