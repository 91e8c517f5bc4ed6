"""Routes of the publication pages (documents, contracts, agenda, scorecard, search) and of their
staff pages (publishing, editing, withdrawing)."""

from django.urls import path

from frontend.publications import agenda_staff, contracts_staff, pages, staff

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
    path("communes/<slug:slug>/marches/nouveau/", contracts_staff.contract_new, name="pub-contract-new"),
    path(
        "communes/<slug:slug>/marches/<int:pk>/modifier/",
        contracts_staff.contract_edit,
        name="pub-contract-edit",
    ),
    path(
        "communes/<slug:slug>/marches/<int:pk>/publier/",
        contracts_staff.contract_publish,
        name="pub-contract-publish",
    ),
    path(
        "communes/<slug:slug>/marches/<int:pk>/retirer/",
        contracts_staff.contract_withdraw,
        name="pub-contract-withdraw",
    ),
    path("communes/<slug:slug>/agenda/", pages.agenda, name="pub-agenda"),
    path("communes/<slug:slug>/agenda/<int:pk>/", pages.agenda_event, name="pub-agenda-event"),
    path("communes/<slug:slug>/agenda/nouveau/", agenda_staff.agenda_event_new, name="pub-agenda-new"),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/modifier/",
        agenda_staff.agenda_event_edit,
        name="pub-agenda-event-edit",
    ),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/publier/",
        agenda_staff.agenda_event_publish,
        name="pub-agenda-event-publish",
    ),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/annuler/",
        agenda_staff.agenda_event_withdraw,
        name="pub-agenda-event-withdraw",
    ),
    path("communes/<slug:slug>/agenda.ics", pages.agenda_ics, name="pub-agenda-ics"),
]
