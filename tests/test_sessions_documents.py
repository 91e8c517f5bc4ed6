"""Documents attached to a live session: only published documents of the session's commune, each shown
with the path of its public page. The sessions app reaches publications' model through its own foreign
key (it does not import publications), so these tests pin the behaviour across that seam."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from publications.models import PublicationState
from sessions_live.errors import Invalid
from sessions_live.models import SessionDocument
from sessions_live.serializers import DocumentRefOut
from sessions_live.services import sessions
from tests.factories import CommuneFactory
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory
from tests.factories_sessions import LiveSessionFactory, staff_of

pytestmark = pytest.mark.django_db


def schedule(mayor, commune, documents):
    return sessions.session_schedule(
        actor=mayor,
        commune=commune,
        kind="accountability",
        title="Reddition de comptes",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        documents=documents,
    )


def test_published_documents_of_the_commune_are_attached_in_order_with_their_public_path():
    # given the mayor of a commune and two of its published documents
    commune = CommuneFactory()
    mayor = staff_of(commune)
    budget, minutes = PublishedDocumentFactory(commune=commune), PublishedDocumentFactory(commune=commune)
    # when the session is scheduled with both (the second one first)
    session = schedule(mayor, commune, [minutes.pk, budget.pk])
    # then both are attached in that order, each with the path of its public page
    rows = SessionDocument.objects.filter(session=session).order_by("position").select_related("document")
    data = DocumentRefOut(rows, many=True).data
    assert [item["id"] for item in data] == [minutes.pk, budget.pk]
    assert data[0]["path"] == reverse("frontend:pub-document", args=[commune.slug, minutes.pk])


@pytest.mark.parametrize(
    "which",
    ["draft", "withdrawn", "other commune", "missing"],
)
def test_only_published_documents_of_the_commune_can_be_attached(which):
    # given a session of a commune, and a document that is not one of its published documents
    commune = CommuneFactory()
    mayor = staff_of(commune)
    session = LiveSessionFactory(commune=commune)
    published = PublishedDocumentFactory(commune=commune)
    bad_id = {
        "draft": lambda: DocumentFactory(commune=commune).pk,
        "withdrawn": lambda: DocumentFactory(commune=commune, state=PublicationState.WITHDRAWN).pk,
        "other commune": lambda: PublishedDocumentFactory().pk,
        "missing": lambda: published.pk + 1000,
    }[which]()
    # when it is attached with a good one
    with pytest.raises(Invalid) as caught:
        sessions.session_update(actor=mayor, session=session, changes={"documents": [published.pk, bad_id]})
    # then nothing is attached and the error names the field
    assert "documents" in caught.value.details["fields"]
    assert not SessionDocument.objects.filter(session=session).exists()
