"""Routes of the consultations' pages (spliced into frontend.urls): the public pages (a commune's
consultations, one consultation, answering it, its results), the staff's (making and running one,
publishing the response), the facilitators' (recording a workshop) and the citizen council's."""

from django.urls import URLPattern, URLResolver

from frontend.consultations import urls_citizen_council, urls_public, urls_staff, urls_workshops

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_public.urlpatterns,
    *urls_staff.urlpatterns,
    *urls_workshops.urlpatterns,
    *urls_citizen_council.urlpatterns,
]
