"""Publication services: drafts, files and their history, publication (once), withdrawal, re-publication,
outbox events and audit entries, contracts and agenda events. Services are tested hardest."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.models import AuditLogEntry, OutboxEvent, Role
from hub.uploads import FileTooLarge, UnsupportedFile, bytes_upload
from publications.models import AgendaEvent, Contract, Document, DocumentFile, PublicationState
from publications.services import agenda, contracts, documents, search
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_publications import EXE_BYTES, docx_bytes, pdf_bytes, png_bytes, publisher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


def pdf(name="budget.pdf", text="Budget primitif"):
    return bytes_upload(pdf_bytes(text), name)


def draft(actor, commune, **extra):
    fields = {
        "type": "budget_primitive",
        "fiscal_year": 2025,
        "title": "Budget primitif 2025",
        "uploads": [pdf()],
    }
    fields.update(extra)
    return documents.document_create(actor=actor, commune=commune, **fields)


# --- Drafts ------------------------------------------------------------------------------------------


def test_a_publisher_creates_a_draft_with_files_stored_under_random_names(cotonou):
    # given
    officer = publisher(cotonou)
    # when
    document = draft(
        officer, cotonou, uploads=[pdf("../../etc/Budget 2025.pdf"), bytes_upload(png_bytes(), "a.png")]
    )
    # then
    assert document.state == PublicationState.DRAFT
    files = list(document.files.order_by("slot"))
    assert [(f.slot, f.version, f.kind, f.is_current) for f in files] == [
        (1, 1, "pdf", True),
        (2, 1, "png", True),
    ]
    assert files[0].original_name == "Budget 2025.pdf"
    assert files[0].file.name.startswith(f"publications/{cotonou.pk}/")
    assert "Budget" not in files[0].file.name and files[0].file.name.endswith(".pdf")
    assert default_storage.exists(files[0].file.name)
    assert (files[1].width, files[1].height) == (4, 3)
    assert files[0].page_count == 1
    entry = AuditLogEntry.objects.get(action="document.created")
    assert (entry.actor, entry.commune, entry.data["files"]) == (officer, cotonou, 2)
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.DEPUTY_MAYOR, Role.COUNCILLOR, Role.MODERATOR])
def test_staff_who_may_not_publish_cannot_create_a_draft(cotonou, role):
    staff = MembershipFactory(commune=cotonou, role=role).user
    with pytest.raises(PermissionDenied):
        draft(staff, cotonou)
    assert not Document.objects.exists()


def test_a_publisher_of_another_commune_cannot_create_a_draft_here(cotonou):
    outsider = publisher(CommuneFactory(slug="abomey-calavi"), Role.MAYOR)
    with pytest.raises(PermissionDenied):
        draft(outsider, cotonou)


def test_a_commune_not_yet_enabled_cannot_publish(cotonou):
    closed = CommuneFactory(slug="parakou", is_enabled=False)
    with pytest.raises(PermissionDenied):
        draft(publisher(closed, Role.MAYOR), closed)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "horoscope"}, "type"),
        ({"fiscal_year": timezone.localdate().year + 2}, "fiscal_year"),
        ({"fiscal_year": 1800}, "fiscal_year"),
        ({"fiscal_year": "deux mille"}, "fiscal_year"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(cotonou, changes, field):
    with pytest.raises(InvalidInput) as caught:
        draft(publisher(cotonou), cotonou, **changes)
    assert field in caught.value.details["fields"]
    assert not Document.objects.exists()
    assert not default_storage.exists(f"publications/{cotonou.pk}")


def test_next_fiscal_year_is_accepted(cotonou):
    document = draft(publisher(cotonou), cotonou, fiscal_year=timezone.localdate().year + 1)
    assert document.fiscal_year == timezone.localdate().year + 1


def test_an_executable_renamed_pdf_is_refused(cotonou):
    with pytest.raises(UnsupportedFile):
        draft(publisher(cotonou), cotonou, uploads=[bytes_upload(EXE_BYTES, "budget.pdf")])
    assert not Document.objects.exists()


def test_an_oversized_file_is_refused(cotonou, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(FileTooLarge) as caught:
        draft(publisher(cotonou), cotonou, uploads=[bytes_upload(pdf_bytes("x" * 2000), "gros.pdf")])
    assert caught.value.status == 413


def test_files_are_deleted_again_when_the_transaction_fails(cotonou, monkeypatch):
    # given a failure after the files were stored
    def boom(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(documents, "audit_record", boom)
    # when
    with pytest.raises(RuntimeError):
        draft(publisher(cotonou), cotonou)
    # then
    assert not Document.objects.exists()
    _dirs, stored = default_storage.listdir(f"publications/{cotonou.pk}")
    assert stored == []


def test_update_records_before_and_after(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    documents.document_update(
        actor=officer, document=document, changes={"title": "Budget primitif exercice 2025"}
    )
    entry = AuditLogEntry.objects.get(action="document.updated")
    assert entry.data == {
        "before": {"title": "Budget primitif 2025"},
        "after": {"title": "Budget primitif exercice 2025"},
    }


def test_update_refuses_fields_that_are_not_editable(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    with pytest.raises(InvalidInput):
        documents.document_update(actor=officer, document=document, changes={"state": "published"})


# --- Publication ---------------------------------------------------------------------------------------


def test_publishing_records_one_outbox_event_and_an_audit_entry(cotonou):
    # given
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    # when
    published, now = documents.document_publish(actor=officer, document=document)
    # then
    assert now and published.state == PublicationState.PUBLISHED
    assert published.published_by == officer and published.first_published_at == published.published_at
    event = OutboxEvent.objects.get()
    assert event.kind == "document.published"
    assert event.dedup_key == f"document.published:{document.pk}"
    assert (event.commune, event.object_type, event.object_id) == (
        cotonou,
        "publications.document",
        str(document.pk),
    )
    assert event.payload == {
        "title": "Budget primitif 2025",
        "type": "budget_primitive",
        "type_label": "Budget primitif",
        "fiscal_year": 2025,
        "path": f"/communes/cotonou/documents/{document.pk}/",
    }
    assert AuditLogEntry.objects.filter(action="document.published", object_id=str(document.pk)).count() == 1


def test_publishing_twice_publishes_once_and_records_one_event(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    first = documents.document_publish(actor=officer, document=document)
    second = documents.document_publish(actor=officer, document=Document.objects.get(pk=document.pk))
    assert (first[1], second[1]) == (True, False)
    assert OutboxEvent.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="document.published").count() == 1
    assert Document.objects.get().publication_count == 1


def test_publishing_the_same_stale_object_twice_is_still_one_publication(cotonou):
    # given two requests that loaded the draft before either published it
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    stale_copy = Document.objects.get(pk=document.pk)
    # when
    documents.document_publish(actor=officer, document=document)
    _again, published_now = documents.document_publish(actor=officer, document=stale_copy)
    # then
    assert published_now is False
    assert OutboxEvent.objects.count() == 1


def test_a_document_without_file_cannot_be_published(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou, uploads=[])
    with pytest.raises(Conflict) as caught:
        documents.document_publish(actor=officer, document=document)
    assert caught.value.code == "document_without_file"
    assert not OutboxEvent.objects.exists()


def test_create_and_publish_in_one_step(cotonou):
    document = draft(publisher(cotonou, Role.MAYOR), cotonou, publish=True)
    assert document.state == PublicationState.PUBLISHED
    assert OutboxEvent.objects.get().object_id == str(document.pk)


def test_create_and_publish_without_file_creates_nothing(cotonou):
    with pytest.raises(Conflict):
        draft(publisher(cotonou), cotonou, uploads=[], publish=True)
    assert not Document.objects.exists()


def test_publishing_in_another_commune_is_denied(cotonou):
    document = draft(publisher(cotonou), cotonou)
    outsider = publisher(CommuneFactory(slug="abomey-calavi"), Role.MAYOR)
    with pytest.raises(PermissionDenied):
        documents.document_publish(actor=outsider, document=document)
    assert not OutboxEvent.objects.exists()


def test_a_platform_admin_may_publish_anywhere(cotonou):
    document = draft(publisher(cotonou), cotonou)
    _document, published = documents.document_publish(actor=AdminFactory(), document=document)
    assert published


# --- Withdrawal and re-publication -----------------------------------------------------------------------


def test_withdrawal_keeps_a_public_notice_and_the_audit_trail(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou, publish=True)
    withdrawn = documents.document_withdraw(actor=officer, document=document, reason="Erreur de chiffres")
    assert withdrawn.state == PublicationState.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Erreur de chiffres" and withdrawn.withdrawn_by == officer
    assert AuditLogEntry.objects.get(action="document.withdrawn").data == {"reason": "Erreur de chiffres"}
    # twice is harmless
    documents.document_withdraw(actor=officer, document=withdrawn, reason="encore")
    assert AuditLogEntry.objects.filter(action="document.withdrawn").count() == 1


def test_a_withdrawal_needs_a_reason_and_a_published_document(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    with pytest.raises(Conflict):
        documents.document_withdraw(actor=officer, document=document, reason="pas publié")
    documents.document_publish(actor=officer, document=document)
    with pytest.raises(InvalidInput):
        documents.document_withdraw(actor=officer, document=document, reason="  ")


def test_republishing_after_a_withdrawal_is_a_new_event_with_a_versioned_key(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou, publish=True)
    first_published_at = Document.objects.get().first_published_at
    documents.document_withdraw(actor=officer, document=document, reason="Corrections")
    republished, now = documents.document_publish(actor=officer, document=document)
    assert now and republished.publication_count == 2
    assert republished.first_published_at == first_published_at
    assert list(OutboxEvent.objects.values_list("dedup_key", flat=True)) == [
        f"document.published:{document.pk}",
        f"document.published:{document.pk}:v2",
    ]


def test_only_a_never_published_draft_can_be_deleted(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    name = document.files.get().file.name
    with pytest.raises(Conflict):
        documents.document_delete_draft(actor=officer, document=draft(officer, cotonou, publish=True))
    documents.document_delete_draft(actor=officer, document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert AuditLogEntry.objects.filter(action="document.deleted").exists()
    assert default_storage.exists(name)  # deleted after commit only (never, in a rolled-back test)


# --- Files and their history ----------------------------------------------------------------------------


def test_replacing_a_file_keeps_the_earlier_version_in_the_history(cotonou):
    # given a published document
    officer = publisher(cotonou)
    document = draft(officer, cotonou, publish=True)
    original = document.files.get()
    # when
    replacement = documents.document_file_replace(
        actor=officer, document_file=original, upload=pdf("budget-corrige.pdf", "Budget corrigé")
    )
    # then
    original.refresh_from_db()
    assert (original.is_current, original.replaced_at is not None) == (False, True)
    assert (replacement.slot, replacement.version, replacement.is_current) == (original.slot, 2, True)
    assert default_storage.exists(original.file.name) and default_storage.exists(replacement.file.name)
    entry = AuditLogEntry.objects.get(action="document.file_replaced")
    assert entry.data["previous_file_id"] == original.pk and entry.data["version"] == 2
    # replacing the old version again is refused: it is history now
    with pytest.raises(Conflict):
        documents.document_file_replace(actor=officer, document_file=original, upload=pdf())


def test_adding_a_file_takes_the_next_slot(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    added = documents.document_file_add(
        actor=officer, document=document, upload=bytes_upload(docx_bytes(), "annexe.docx"), label="Annexe"
    )
    assert (added.slot, added.kind, added.label) == (2, "docx", "Annexe")
    assert AuditLogEntry.objects.filter(action="document.file_added").count() == 1


def test_text_is_extracted_after_commit(cotonou, django_capture_on_commit_callbacks):
    officer = publisher(cotonou)
    with django_capture_on_commit_callbacks(execute=True):
        document = draft(officer, cotonou, uploads=[pdf(text="Travaux d'assainissement du quartier Zogbo")])
    row = document.files.get()
    row.refresh_from_db()
    assert "assainissement" in row.extracted_text
    assert "assainissement du quartier zogbo" in Document.objects.get().search_text
    # a second run changes nothing
    assert search.document_file_extract_text(file_id=row.pk) is False


# --- Contracts ----------------------------------------------------------------------------------------------


def contract_fields(**extra):
    fields = {
        "reference": "AOO/2025/001",
        "title": "Pavage de la rue 12",
        "awardee": "Société Adjovi BTP",
        "amount_xof": 125_000_000,
        "procedure": "open_tender",
        "award_date": datetime.date(2025, 4, 2),
    }
    fields.update(extra)
    return fields


def test_a_contract_is_recorded_then_published_once(cotonou):
    officer = publisher(cotonou, Role.SECRETARY_GENERAL)
    contract = contracts.contract_create(actor=officer, commune=cotonou, **contract_fields())
    assert (contract.state, contract.fiscal_year, contract.status) == ("draft", 2025, "awarded")
    contracts.contract_publish(actor=officer, contract=contract)
    contracts.contract_publish(actor=officer, contract=contract)
    event = OutboxEvent.objects.get()
    assert event.kind == "contract.published" and event.dedup_key == f"contract.published:{contract.pk}"
    assert event.payload["type"] == "contract" and event.payload["type_label"] == "Marché passé"
    assert event.payload["path"] == f"/communes/cotonou/marches/{contract.pk}/"
    assert event.payload["amount_xof"] == 125_000_000
    assert [e.action for e in AuditLogEntry.objects.order_by("id")] == [
        "contract.created",
        "contract.published",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_xof": -5}, "amount_xof"),
        ({"amount_xof": "beaucoup"}, "amount_xof"),
        ({"procedure": "tirage_au_sort"}, "procedure"),
        ({"award_date": timezone.localdate() + datetime.timedelta(days=3)}, "award_date"),
        ({"reference": ""}, "reference"),
        ({"fiscal_year": 3000}, "fiscal_year"),
    ],
)
def test_bad_contract_fields_are_refused(cotonou, changes, field):
    with pytest.raises(InvalidInput) as caught:
        contracts.contract_create(actor=publisher(cotonou), commune=cotonou, **contract_fields(**changes))
    assert field in caught.value.details["fields"]


def test_a_contract_reference_is_unique_in_a_commune(cotonou):
    officer = publisher(cotonou)
    contracts.contract_create(actor=officer, commune=cotonou, **contract_fields())
    with pytest.raises(Conflict) as caught:
        contracts.contract_create(actor=officer, commune=cotonou, **contract_fields())
    assert caught.value.code == "duplicate_reference"
    other = CommuneFactory(slug="abomey-calavi")
    contracts.contract_create(actor=publisher(other), commune=other, **contract_fields())
    assert Contract.objects.count() == 2


def test_a_contract_update_and_withdrawal_are_audited(cotonou):
    officer = publisher(cotonou)
    contract = contracts.contract_create(actor=officer, commune=cotonou, publish=True, **contract_fields())
    contracts.contract_update(actor=officer, contract=contract, changes={"status": "completed"})
    contracts.contract_withdraw(actor=officer, contract=contract, reason="Doublon")
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["contract.created", "contract.published", "contract.updated", "contract.withdrawn"]
    assert Contract.objects.get().state == "withdrawn"


def test_a_citizen_cannot_record_a_contract(cotonou):
    with pytest.raises(PermissionDenied):
        contracts.contract_create(actor=UserFactory(), commune=cotonou, **contract_fields())


# --- Agenda -------------------------------------------------------------------------------------------------


def test_an_agenda_event_is_published_once_and_cancelled_with_a_reason(cotonou):
    mayor = publisher(cotonou, Role.MAYOR)
    starts = timezone.now() + datetime.timedelta(days=2)
    event = agenda.agenda_event_create(
        actor=mayor, commune=cotonou, title="Visite du marché Dantokpa", starts_at=starts, place="Dantokpa"
    )
    assert event.ends_at == event.starts_at
    agenda.agenda_event_publish(actor=mayor, event=event)
    agenda.agenda_event_publish(actor=mayor, event=event)
    outbox = OutboxEvent.objects.get()
    assert (
        outbox.kind == "agenda.published"
        and outbox.payload["path"] == f"/communes/cotonou/agenda/{event.pk}/"
    )
    assert outbox.payload["type_label"] == "Événement de l'agenda"
    agenda.agenda_event_withdraw(actor=mayor, event=event, reason="Reportée")
    assert AgendaEvent.objects.get().state == "withdrawn"


def test_an_agenda_event_cannot_end_before_it_starts(cotonou):
    starts = timezone.now()
    with pytest.raises(InvalidInput) as caught:
        agenda.agenda_event_create(
            actor=publisher(cotonou),
            commune=cotonou,
            title="Réunion",
            starts_at=starts,
            ends_at=starts - datetime.timedelta(hours=1),
        )
    assert "ends_at" in caught.value.details["fields"]
    with pytest.raises(InvalidInput):
        agenda.agenda_event_create(
            actor=publisher(cotonou), commune=cotonou, title="Réunion", starts_at="demain"
        )


def test_an_agenda_event_update_is_checked_against_the_stored_start(cotonou):
    officer = publisher(cotonou)
    event = agenda.agenda_event_create(
        actor=officer, commune=cotonou, title="Conseil", starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    with pytest.raises(InvalidInput):
        agenda.agenda_event_update(
            actor=officer, event=event, changes={"ends_at": event.starts_at - datetime.timedelta(minutes=1)}
        )
    agenda.agenda_event_update(actor=officer, event=event, changes={"place": "Salle du conseil"})
    assert AuditLogEntry.objects.filter(action="agenda.updated").count() == 1


def test_published_items_do_not_leak_files_of_other_versions(cotonou):
    officer = publisher(cotonou)
    document = draft(officer, cotonou, publish=True)
    documents.document_file_replace(actor=officer, document_file=document.files.get(), upload=pdf())
    assert DocumentFile.objects.filter(document=document, is_current=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submission_publishes_once():
    """Two requests publishing the same draft at the same moment: the row lock serialises them."""
    import threading

    from django.db import connection

    cotonou = CommuneFactory(slug="cotonou")
    officer = publisher(cotonou)
    document = draft(officer, cotonou)
    barrier = threading.Barrier(2)
    results = []

    def submit():
        try:
            stale = Document.objects.get(pk=document.pk)
            barrier.wait(timeout=10)
            results.append(documents.document_publish(actor=officer, document=stale)[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    assert OutboxEvent.objects.filter(kind="document.published").count() == 1
    assert AuditLogEntry.objects.filter(action="document.published").count() == 1
