"""REST routes of the consultations app under /api/v1/ (wired in hub.urls): consultations, their
questionnaires, answers, comments and results; workshops; organisations, facilitators and the
citizen council."""

from django.urls import URLPattern, URLResolver

from consultations.api import urls_consultations, urls_organisations, urls_workshops

app_name = "consultations-api"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_consultations.urlpatterns,
    *urls_workshops.urlpatterns,
    *urls_organisations.urlpatterns,
]
