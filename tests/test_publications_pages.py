"""Publication pages through Django's test client: what citizens read, what staff publish, and the bad
input of the staff forms (wrong file type, oversized upload, other commune)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hub.models import OutboxEvent, Role
from publications.models import Document, PublicationState
from tests.factories import CommuneFactory, UserFactory
from tests.factories_publications import (
    EXE_BYTES,
    DocumentFactory,
    DocumentFileFactory,
    PublishedAgendaEventFactory,
    PublishedContractFactory,
    PublishedDocumentFactory,
    pdf_bytes,
    publisher,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def test_the_commune_page_and_the_menu_lead_to_the_publications(cotonou):
    page = html(Client().get("/communes/cotonou/"))
    assert 'href="/communes/cotonou/documents/"' in page
    assert 'href="/communes/cotonou/transparence/"' in page
    assert 'href="/rechercher/"' in page


def test_documents_by_year_and_type_without_drafts(cotonou):
    PublishedDocumentFactory(commune=cotonou, fiscal_year=2025, title="Budget primitif 2025")
    PublishedDocumentFactory(
        commune=cotonou, fiscal_year=2024, type="administrative_account", title="Compte administratif 2024"
    )
    DocumentFactory(commune=cotonou, title="Brouillon secret")
    PublishedDocumentFactory(commune=cotonou, state=PublicationState.WITHDRAWN, title="Ancien budget")
    page = html(Client().get("/communes/cotonou/documents/"))
    assert page.index("Budget primitif 2025") < page.index("Compte administratif 2024")
    assert "Brouillon secret" not in page
    assert "Ancien budget" in page  # listed with the withdrawn ones
    filtered = html(Client().get("/communes/cotonou/documents/", {"annee": 2024}))
    assert "Budget primitif 2025" not in filtered and "Compte administratif 2024" in filtered


def test_document_page_shows_files_with_size_and_downloads_as_attachment(cotonou):
    document = PublishedDocumentFactory(commune=cotonou, title="Budget primitif 2025")
    row = DocumentFileFactory(document=document, size=1_300_000)
    page = html(Client().get(f"/communes/cotonou/documents/{document.pk}/"))
    link = f"/communes/cotonou/documents/{document.pk}/fichiers/{row.pk}/"
    assert f'href="{link}"' in page
    assert "1,2" in page  # 1.2 MB, written the French way
    response = Client().get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_draft_page_and_its_file_are_html_404_for_citizens(cotonou):
    document = DocumentFactory(commune=cotonou)
    row = DocumentFileFactory(document=document)
    for client in (Client(), signed_in(UserFactory())):
        response = client.get(f"/communes/cotonou/documents/{document.pk}/")
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
        assert client.get(f"/communes/cotonou/documents/{document.pk}/fichiers/{row.pk}/").status_code == 404
    assert signed_in(publisher(cotonou)).get(f"/communes/cotonou/documents/{document.pk}/").status_code == 200


def test_a_document_under_another_communes_address_is_404(cotonou):
    document = PublishedDocumentFactory(commune=cotonou)
    CommuneFactory(slug="abomey-calavi")
    assert Client().get(f"/communes/abomey-calavi/documents/{document.pk}/").status_code == 404


def test_a_withdrawn_document_shows_its_notice(cotonou):
    document = PublishedDocumentFactory(
        commune=cotonou, state=PublicationState.WITHDRAWN, withdrawal_reason="Erreur de chiffres"
    )
    page = html(Client().get(f"/communes/cotonou/documents/{document.pk}/"))
    assert "Erreur de chiffres" in page


def test_a_withdrawn_documents_page_names_none_of_its_files(cotonou):
    # given a withdrawn document with a current file and an earlier version
    document = PublishedDocumentFactory(commune=cotonou, state=PublicationState.WITHDRAWN)
    DocumentFileFactory(document=document, label="Tableau des recettes", size=1_300_000, is_current=False)
    row = DocumentFileFactory(document=document, label="Budget corrigé", size=2_600_000)
    for client in (Client(), signed_in(UserFactory())):
        # when the public opens its page
        page = html(client.get(f"/communes/cotonou/documents/{document.pk}/"))
        # then it says the files are gone, and names, sizes and links of none
        assert "ne peuvent plus être téléchargés" in page
        for trace in ("Budget corrigé", "Tableau des recettes", "2,5", "1,2", f"/fichiers/{row.pk}/"):
            assert trace not in page
        assert client.get(f"/communes/cotonou/documents/{document.pk}/fichiers/{row.pk}/").status_code == 404
    # while the commune's publishers still see what they withdrew
    own = html(signed_in(publisher(cotonou)).get(f"/communes/cotonou/documents/{document.pk}/"))
    assert "Budget corrigé" in own and "Tableau des recettes" in own


def test_a_published_file_page_download_is_revalidated_by_caches(cotonou):
    row = DocumentFileFactory(document=PublishedDocumentFactory(commune=cotonou))
    response = Client().get(f"/communes/cotonou/documents/{row.document_id}/fichiers/{row.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, no-cache" and response["ETag"].startswith('"')


# --- The staff publishing form -------------------------------------------------------------------------


def form_data(**extra):
    data = {
        "type": "council_minutes",
        "fiscal_year": "2025",
        "title": "Procès-verbal de la session du 12 mars",
        "summary": "Première session ordinaire.",
        "uploads": [SimpleUploadedFile("pv.pdf", pdf_bytes("Procès-verbal"))],
    }
    data.update(extra)
    return data


def publish_buttons(text):
    """The values of the form's ``publish`` submit buttons, in page order."""
    return re.findall(r'<button type="submit" name="publish" value="(\w+)"', text)


def test_the_publishing_form_asks_to_sign_in_and_refuses_citizens(cotonou):
    response = Client().get("/communes/cotonou/publier/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert signed_in(UserFactory()).get("/communes/cotonou/publier/").status_code == 403


def test_a_publisher_publishes_from_the_form(cotonou):
    client = signed_in(publisher(cotonou, Role.FOCAL_POINT))
    assert client.get("/communes/cotonou/publier/").status_code == 200
    response = client.post("/communes/cotonou/publier/", form_data(publish="true"))
    document = Document.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/communes/cotonou/documents/{document.pk}/"
    )
    assert document.state == PublicationState.PUBLISHED
    assert OutboxEvent.objects.count() == 1


def test_a_draft_from_the_form_then_published_and_withdrawn_with_buttons(cotonou):
    client = signed_in(publisher(cotonou))
    client.post("/communes/cotonou/publier/", form_data(publish="false"))
    document = Document.objects.get()
    assert document.state == PublicationState.DRAFT
    assert "Procès-verbal de la session" in html(client.get("/communes/cotonou/publier/"))  # listed in drafts
    client.post(f"/communes/cotonou/documents/{document.pk}/publier/")
    client.post(f"/communes/cotonou/documents/{document.pk}/publier/")  # double click
    assert OutboxEvent.objects.count() == 1
    client.post(f"/communes/cotonou/documents/{document.pk}/retirer/", {"reason": "Mauvais fichier"})
    assert Document.objects.get().state == PublicationState.WITHDRAWN


def test_the_form_offers_publish_first_then_save_as_draft_and_no_checkbox(cotonou):
    # given a publisher of Cotonou
    client = signed_in(publisher(cotonou))
    # when they open the publishing form
    text = html(client.get("/communes/cotonou/publier/"))
    # then "Publish" comes first (the button Enter presses), "Save as draft" second, no checkbox
    assert publish_buttons(text) == ["true", "false"]
    assert 'type="checkbox"' not in text


def test_save_as_draft_makes_a_draft_and_tells_nobody(cotonou):
    # given a publisher of Cotonou
    client = signed_in(publisher(cotonou))
    # when they fill in the form and press "Save as draft"
    response = client.post("/communes/cotonou/publier/", form_data(publish="false"))
    # then the document is a draft, nobody is notified, and the public cannot see it
    document = Document.objects.get()
    assert response.status_code == 302
    assert document.state == PublicationState.DRAFT
    assert not OutboxEvent.objects.exists()
    assert Client().get(f"/communes/cotonou/documents/{document.pk}/").status_code == 404


@pytest.mark.parametrize("button", ["true", "false"], ids=["publish", "save as draft"])
def test_bad_input_shows_the_form_again_with_both_buttons(cotonou, button):
    # given a publisher of Cotonou
    client = signed_in(publisher(cotonou))
    # when they press either button with a title left blank
    response = client.post("/communes/cotonou/publier/", form_data(title="", publish=button))
    # then the form comes back with the error and both buttons, and nothing is written
    assert response.status_code == 400
    text = html(response)
    assert 'aria-invalid="true"' in text
    assert publish_buttons(text) == ["true", "false"]
    assert not Document.objects.exists() and not OutboxEvent.objects.exists()


def test_replacing_a_file_from_the_document_page_keeps_the_history(cotonou):
    client = signed_in(publisher(cotonou))
    client.post("/communes/cotonou/publier/", form_data(publish="true"))
    document = Document.objects.get()
    original = document.files.get()
    response = client.post(
        f"/communes/cotonou/documents/{document.pk}/fichiers/{original.pk}/remplacer/",
        {"file": SimpleUploadedFile("pv-v2.pdf", pdf_bytes("Version corrigée"))},
    )
    assert response.status_code == 302
    page = html(client.get(f"/communes/cotonou/documents/{document.pk}/"))
    assert document.files.count() == 2 and "version 1" in page.lower()


def test_the_form_refuses_an_executable_renamed_pdf(cotonou):
    client = signed_in(publisher(cotonou))
    response = client.post(
        "/communes/cotonou/publier/", form_data(uploads=[SimpleUploadedFile("budget.pdf", EXE_BYTES)])
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html(response) or "field--invalid" in html(response)
    assert not Document.objects.exists()


def test_the_form_answers_413_to_an_oversized_upload_before_the_csrf_check(cotonou, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client = signed_in(publisher(cotonou), enforce_csrf_checks=True)
    big = SimpleUploadedFile("gros.pdf", pdf_bytes("x" * 400_000))
    response = client.post("/communes/cotonou/publier/", form_data(uploads=[big]))
    assert response.status_code == 413
    assert not Document.objects.exists()


def test_the_form_still_checks_csrf(cotonou):
    client = signed_in(publisher(cotonou), enforce_csrf_checks=True)
    assert client.post("/communes/cotonou/publier/", form_data()).status_code == 403
    assert not Document.objects.exists()


def test_staff_of_another_commune_cannot_use_the_form_here(cotonou):
    other = CommuneFactory(slug="abomey-calavi")
    client = signed_in(publisher(other, Role.MAYOR))
    assert client.post("/communes/cotonou/publier/", form_data()).status_code == 403
    assert not Document.objects.exists()


# --- Contracts, agenda, transparency, search ------------------------------------------------------------


def test_contracts_table_with_amounts_and_exports(cotonou):
    PublishedContractFactory(commune=cotonou, reference="AOO/2025/001", amount_xof=45_000_000)
    page = html(Client().get("/communes/cotonou/marches/"))
    assert "AOO/2025/001" in page and "<table" in page
    assert "45\u202f000\u202f000" in page or "45 000 000" in page or "45\xa0000\xa0000" in page
    assert "/api/v1/contracts/export.csv?commune=cotonou" in page


def test_contract_page(cotonou):
    contract = PublishedContractFactory(commune=cotonou)
    assert contract.reference in html(Client().get(f"/communes/cotonou/marches/{contract.pk}/"))


def test_agenda_page_and_its_ics_feed(cotonou):
    event = PublishedAgendaEventFactory(commune=cotonou, title="Audience foraine")
    page = html(Client().get("/communes/cotonou/agenda/"))
    assert "Audience foraine" in page and "webcal://testserver/communes/cotonou/agenda.ics" in page
    assert "Audience foraine" in html(Client().get(f"/communes/cotonou/agenda/{event.pk}/"))
    feed = Client().get("/communes/cotonou/agenda.ics")
    assert feed["Content-Type"].startswith("text/calendar") and b"SUMMARY:Audience foraine" in feed.content


def test_transparency_pages_show_the_gaps(cotonou):
    PublishedDocumentFactory(commune=cotonou, type="budget_primitive", fiscal_year=2024)
    page = html(Client().get("/communes/cotonou/transparence/", {"annee": 2024}))
    assert "pub-status--missing" in page
    scorecard = html(Client().get("/transparence/", {"annee": 2024}))
    assert 'href="/communes/cotonou/transparence/?annee=2024"' in scorecard


def test_search_page(cotonou):
    PublishedDocumentFactory(
        commune=cotonou, title="Plan de développement communal", search_text="plan de developpement communal"
    )
    page = html(Client().get("/rechercher/", {"q": "developpement"}))
    assert "Plan de développement communal" in page
    assert Client().get("/rechercher/").status_code == 200
