"""The publication register: expected publications come from a data file; each is on time, late,
missing or not due yet; the scorecard summarises every pilot commune."""

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework.test import APIClient

from publications.models import DocumentType, PublicationState
from publications.register import DEFAULT_PATH, expected_publications
from publications.selectors.register import ItemStatus, commune_register, scorecard
from tests.factories import CommuneFactory
from tests.factories_publications import PublishedDocumentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 4, 15)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def register_file(settings, tmp_path):
    """A small register of two expected publications, written where the app reads it."""

    def write(entries):
        path = tmp_path / "expected.json"
        path.write_text(json.dumps({"expected": entries}), encoding="utf-8")
        settings.PUBLICATIONS_REGISTER_PATH = str(path)
        return path

    write(
        [
            {"type": "budget_primitive", "due_year_offset": -1, "due_month": 12, "due_day": 31},
            {"type": "council_minutes", "count": 2, "due_year_offset": 1, "due_month": 1, "due_day": 31},
            {"type": "administrative_account", "due_year_offset": 1, "due_month": 6, "due_day": 30},
        ]
    )
    return write


def test_the_shipped_register_is_valid_and_only_names_known_types():
    entries = expected_publications(DEFAULT_PATH)
    assert len(entries) >= 5
    assert {entry.type for entry in entries} <= set(DocumentType.values)
    assert all(entry.legal_basis for entry in entries)


def test_each_expected_publication_gets_its_status(register_file):
    # given, for fiscal year 2025: a budget published on time, one set of minutes out of two
    cotonou = CommuneFactory(slug="cotonou")
    PublishedDocumentFactory(
        commune=cotonou,
        type="budget_primitive",
        fiscal_year=2025,
        first_published_at=at(datetime.date(2024, 12, 20)),
    )
    PublishedDocumentFactory(commune=cotonou, type="council_minutes", fiscal_year=2025)
    # a withdrawn document and another year's do not count
    PublishedDocumentFactory(
        commune=cotonou, type="council_minutes", fiscal_year=2025, state=PublicationState.WITHDRAWN
    )
    PublishedDocumentFactory(commune=cotonou, type="council_minutes", fiscal_year=2024)
    # when
    register = commune_register(commune=cotonou, fiscal_year=2025, today=TODAY)
    # then
    statuses = {
        item.type: (item.status, item.published_count, item.expected_count) for item in register.items
    }
    assert statuses == {
        "budget_primitive": (ItemStatus.ON_TIME, 1, 1),
        "council_minutes": (ItemStatus.MISSING, 1, 2),
        "administrative_account": (ItemStatus.NOT_DUE, 0, 1),
    }
    assert register.score == 50  # one of the two publications due exists
    assert register.items[0].type == "budget_primitive"  # sorted by due date


def test_a_publication_after_its_due_date_is_late(register_file):
    cotonou = CommuneFactory(slug="cotonou")
    PublishedDocumentFactory(
        commune=cotonou,
        type="budget_primitive",
        fiscal_year=2025,
        first_published_at=at(datetime.date(2025, 2, 3)),
    )
    item = commune_register(commune=cotonou, fiscal_year=2025, today=TODAY).items[0]
    assert (item.type, item.status) == ("budget_primitive", ItemStatus.LATE)


def test_the_register_is_data_and_a_correction_is_read_again(register_file):
    cotonou = CommuneFactory(slug="cotonou")
    assert len(commune_register(commune=cotonou, fiscal_year=2025, today=TODAY).items) == 3
    path = register_file([{"type": "activity_report", "due_year_offset": 1, "due_month": 3, "due_day": 31}])
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    items = commune_register(commune=cotonou, fiscal_year=2025, today=TODAY).items
    assert [(item.type, item.status) for item in items] == [("activity_report", ItemStatus.MISSING)]


def test_entries_apply_from_their_first_year(register_file):
    register_file(
        [{"type": "activity_report", "due_year_offset": 1, "due_month": 3, "due_day": 31, "from_year": 2026}]
    )
    assert commune_register(commune=CommuneFactory(), fiscal_year=2025, today=TODAY).items == []


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "horoscope", "due_year_offset": 0, "due_month": 1, "due_day": 1},
        {"type": "budget_primitive", "due_year_offset": 0, "due_month": 13, "due_day": 1},
        {"type": "budget_primitive", "due_month": 1, "due_day": 1},
        {"type": "budget_primitive", "due_year_offset": 0, "due_month": 1, "due_day": 1, "deadline": "soon"},
    ],
)
def test_a_broken_register_file_is_a_clear_configuration_error(register_file, entry):
    register_file([entry])
    with pytest.raises(ImproperlyConfigured):
        expected_publications()


def test_scorecard_covers_every_enabled_commune_in_two_queries(register_file, django_assert_num_queries):
    good = CommuneFactory(slug="cotonou", name="Cotonou")
    CommuneFactory(slug="abomey-calavi", name="Abomey-Calavi")
    CommuneFactory(slug="parakou", is_enabled=False)
    for minutes in range(2):
        PublishedDocumentFactory(
            commune=good, type="council_minutes", fiscal_year=2025, title=f"PV {minutes}"
        )
    PublishedDocumentFactory(commune=good, type="budget_primitive", fiscal_year=2025)
    with django_assert_num_queries(2):
        registers = scorecard(fiscal_year=2025, today=TODAY)
    assert [(r.commune.slug, r.score) for r in registers] == [("cotonou", 100), ("abomey-calavi", 0)]


def test_register_and_scorecard_over_the_api(register_file):
    cotonou = CommuneFactory(slug="cotonou", name="Cotonou")
    document = PublishedDocumentFactory(commune=cotonou, type="budget_primitive", fiscal_year=2025)
    body = APIClient().get("/api/v1/communes/cotonou/register/", {"fiscal_year": 2025}).json()
    assert body["fiscal_year"] == 2025 and body["commune"] == "cotonou"
    budget = next(item for item in body["items"] if item["type"] == "budget_primitive")
    assert budget["documents"][0]["path"] == f"/communes/cotonou/documents/{document.pk}/"
    assert set(body["counts"]) == {"on_time", "late", "missing", "not_due"}
    summary = APIClient().get("/api/v1/register/", {"fiscal_year": 2025}).json()
    assert summary[0]["commune"] == "cotonou"
    assert APIClient().get("/api/v1/communes/atlantide/register/").status_code == 404
    assert APIClient().get("/api/v1/register/", {"fiscal_year": "x"}).status_code == 400
