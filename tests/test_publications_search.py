"""Search over titles, summaries and the text extracted from files: French full-text search on
PostgreSQL, the simpler accent-free fallback everywhere (tested on every backend)."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from hub.uploads import bytes_upload
from publications.models import Document
from publications.selectors.documents import document_search
from publications.services import documents
from tests.factories import CommuneFactory
from tests.factories_publications import docx_bytes, pdf_bytes, publisher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


def published(commune, title, *, text="Sans objet", summary="", type="other", fiscal_year=2025, upload=None):
    """A published document whose file text is indexed (after commit, as in production)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        document = documents.document_create(
            actor=publisher(commune),
            commune=commune,
            type=type,
            fiscal_year=fiscal_year,
            title=title,
            summary=summary,
            uploads=[upload or bytes_upload(pdf_bytes(text), "fichier.pdf")],
            publish=True,
        )
    return document


@pytest.fixture
def library(cotonou):
    return {
        "sanitation": published(
            cotonou,
            "Rapport d'activités 2025",
            text="La commune a lancé des travaux d'assainissement du quartier Zogbo.",
            type="activity_report",
        ),
        "budget": published(
            cotonou, "Budget primitif 2025", text="Recettes et dépenses", type="budget_primitive"
        ),
        "market": published(
            cotonou,
            "Équipements marchands",
            summary="Réhabilitation des équipements du marché Dantokpa",
            type="municipal_order",
            fiscal_year=2024,
        ),
    }


def ids(queryset):
    return [document.pk for document in queryset]


@pytest.mark.parametrize("full_text", [False, None], ids=["fallback", "backend-default"])
def test_a_plural_query_finds_the_singular_in_a_pdf(library, full_text):
    found = document_search(Document.objects.published(), "assainissements", full_text=full_text)
    assert ids(found) == [library["sanitation"].pk]


@pytest.mark.parametrize("full_text", [False, None], ids=["fallback", "backend-default"])
def test_accents_are_ignored_both_ways(library, full_text):
    assert ids(document_search(Document.objects.published(), "equipements", full_text=full_text)) == [
        library["market"].pk
    ]
    assert ids(document_search(Document.objects.published(), "DANTOKPA", full_text=full_text)) == [
        library["market"].pk
    ]


@pytest.mark.parametrize("full_text", [False, None], ids=["fallback", "backend-default"])
def test_nothing_matches_nothing(library, full_text):
    assert ids(document_search(Document.objects.published(), "hippopotame", full_text=full_text)) == []


def test_docx_text_is_searchable_too(cotonou):
    document = published(
        cotonou, "Procès-verbal", upload=bytes_upload(docx_bytes("Lotissement de Fidjrossè"), "pv.docx")
    )
    assert ids(document_search(Document.objects.published(), "lotissement")) == [document.pk]


def test_search_over_the_api_with_filters_and_only_published_documents(library, cotonou):
    api = APIClient()
    body = api.get("/api/v1/documents/", {"q": "assainissement", "commune": "cotonou"}).json()
    assert [d["id"] for d in body["results"]] == [library["sanitation"].pk]
    assert (
        api.get("/api/v1/documents/", {"q": "assainissement", "type": "budget_primitive"}).json()["count"]
        == 0
    )
    assert api.get("/api/v1/documents/", {"q": "equipements", "fiscal_year": 2024}).json()["count"] == 1
    # a withdrawn document leaves the search
    documents.document_withdraw(actor=publisher(cotonou), document=library["sanitation"], reason="Erreur")
    assert api.get("/api/v1/documents/", {"q": "assainissement"}).json()["count"] == 0


def test_a_draft_is_never_found(cotonou):
    documents.document_create(
        actor=publisher(cotonou), commune=cotonou, type="other", fiscal_year=2025, title="Projet secret"
    )
    assert APIClient().get("/api/v1/documents/", {"q": "secret"}).json()["count"] == 0


# --- PostgreSQL: the French configuration ----------------------------------------------------------------


def test_postgres_french_search_stems_and_ranks_titles_first(postgres_required, cotonou):
    # given one document about sanitation in its title, one that only mentions it in its file
    body_only = published(cotonou, "Rapport annuel", text="Quelques travaux d'assainissement ont eu lieu.")
    in_title = published(cotonou, "Plan d'assainissement de la ville", text="Canaux et caniveaux.")
    # when
    found = list(document_search(Document.objects.published(), "assainissements"))
    # then
    assert [d.pk for d in found] == [in_title.pk, body_only.pk]
    assert found[0].rank > found[1].rank > 0
    # French stemming ("canal" finds "canaux"), stop words ignored ("du")
    assert ids(document_search(Document.objects.published(), "du canal")) == [in_title.pk]


def test_postgres_has_the_vector_and_its_gin_index(postgres_required, cotonou):
    published(cotonou, "Budget primitif", text="Recettes")
    assert Document.objects.filter(search_vector__isnull=False).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'publications_document_search_gin'")
        assert "gin" in cursor.fetchone()[0].lower()


def test_postgres_websearch_syntax_is_safe(postgres_required, library):
    for query in [
        '"budget primitif"',
        "budget -recettes",
        "budget OR marché",
        "'); DROP TABLE x; --",
        "&|!:*",
    ]:
        list(document_search(Document.objects.published(), query))
    assert ids(document_search(Document.objects.published(), '"budget primitif"')) == [library["budget"].pk]
