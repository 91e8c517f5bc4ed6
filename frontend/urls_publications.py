"""Routes of the publication pages (documents, contracts, agenda, scorecard, search, staff form)."""

from django.urls import path

from frontend.publications import pages, staff

urlpatterns = [
    path("rechercher/", pages.search, name="pub-search"),
    path("transparence/", pages.scorecard, name="pub-scorecard"),
    path("communes/<slug:slug>/transparence/", pages.register, name="pub-register"),
    path("communes/<slug:slug>/documents/", pages.documents, name="pub-documents"),
    path("communes/<slug:slug>/documents/<int:pk>/", pages.document, name="pub-document"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/",
        pages.document_file_download,
        name="pub-file",
    ),
    path("communes/<slug:slug>/publier/", staff.publish_form, name="pub-publish"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/publier/",
        staff.document_publish,
        name="pub-document-publish",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/retirer/",
        staff.document_withdraw,
        name="pub-document-withdraw",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/ajouter/",
        staff.document_file_add,
        name="pub-file-add",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/remplacer/",
        staff.document_file_replace,
        name="pub-file-replace",
    ),
    path("communes/<slug:slug>/marches/", pages.contracts, name="pub-contracts"),
    path("communes/<slug:slug>/marches/<int:pk>/", pages.contract, name="pub-contract"),
    path("communes/<slug:slug>/agenda/", pages.agenda, name="pub-agenda"),
    path("communes/<slug:slug>/agenda/<int:pk>/", pages.agenda_event, name="pub-agenda-event"),
    path("communes/<slug:slug>/agenda.ics", pages.agenda_ics, name="pub-agenda-ics"),
]
