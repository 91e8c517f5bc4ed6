"""Routes of the consultations' pages: public (spliced into frontend.urls_consultations).

Only the list is answered from the public read cache (``hub/readcache.py``): it is the same for every
reader and shows only consultations, whose rows bump their commune's version. A consultation's page
and its results show comments and online answers, which bump no version, and the reader's own
answers or staff links; those pages are not cached."""

from django.urls import URLPattern, URLResolver, path

from frontend.consultations import pages
from hub.readcache import commune_read

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/consultations/", commune_read(pages.consultation_list), name="consultations"),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/",
        pages.consultation_detail,
        name="consultation-detail",
    ),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/sections/<int:section_id>/commenter/",
        pages.consultation_comment,
        name="consultation-comment",
    ),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/repondre/",
        pages.consultation_answer,
        name="consultation-answer",
    ),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/resultats/",
        pages.consultation_results,
        name="consultation-results",
    ),
]
