"""Routes of the consultations' pages: workshops (spliced into frontend.urls_consultations): the
facilitators' form recording a workshop, the page correcting one (and its photos), and the workshops
recorded for a consultation."""

from django.urls import URLPattern, URLResolver, path

from frontend.consultations import workshops

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/consultations/<int:pk>/ateliers/",
        workshops.workshop_list,
        name="consultation-workshops",
    ),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/ateliers/nouveau/",
        workshops.workshop_new,
        name="consultation-workshop-new",
    ),
    path(
        "communes/<slug:slug>/consultations/<int:pk>/ateliers/<int:workshop_id>/modifier/",
        workshops.workshop_edit,
        name="consultation-workshop-edit",
    ),
]
