"""The publication register: for a commune and a fiscal year, which expected publications exist,
which came late, which are missing, and which are not due yet; the public transparency scorecard."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Commune
from publications.models import Document, DocumentType
from publications.register import ExpectedPublication, expected_publications


class ItemStatus:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"


STATUS_LABELS = {
    ItemStatus.ON_TIME: _("Published on time"),
    ItemStatus.LATE: _("Published late"),
    ItemStatus.MISSING: _("Missing"),
    ItemStatus.NOT_DUE: _("Not due yet"),
}


@dataclass
class RegisterItem:
    expected: ExpectedPublication
    due_date: datetime.date
    status: str
    documents: list[Document] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.expected.type

    @property
    def type_label(self) -> str:
        return str(DocumentType(self.expected.type).label)

    @property
    def expected_count(self) -> int:
        return self.expected.count

    @property
    def published_count(self) -> int:
        return len(self.documents)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Register:
    commune: Commune
    fiscal_year: int
    as_of: datetime.date
    items: list[RegisterItem]

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUS_LABELS}

    @property
    def due_count(self) -> int:
        return sum(1 for item in self.items if item.status != ItemStatus.NOT_DUE)

    @property
    def score(self) -> int | None:
        """Share of the publications due that exist (on time or late), in percent; None if none is due."""
        if not self.due_count:
            return None
        published = self.count(ItemStatus.ON_TIME) + self.count(ItemStatus.LATE)
        return round(100 * published / self.due_count)


def _status(
    expected: ExpectedPublication, due: datetime.date, found: list[Document], today: datetime.date
) -> str:
    if len(found) >= expected.count:
        # The day the last required publication became public decides whether it was late.
        moments = sorted(
            timezone.localdate(doc.first_published_at) for doc in found if doc.first_published_at
        )
        completed = moments[expected.count - 1] if len(moments) >= expected.count else today
        return ItemStatus.ON_TIME if completed <= due else ItemStatus.LATE
    return ItemStatus.MISSING if today > due else ItemStatus.NOT_DUE


def _published(commune_ids: list[int], fiscal_year: int, types: list[str]) -> QuerySet[Document]:
    return (
        Document.objects.published()
        .filter(commune_id__in=commune_ids, fiscal_year=fiscal_year, type__in=types)
        .only("id", "commune_id", "type", "title", "fiscal_year", "first_published_at", "published_at")
        .order_by("first_published_at", "id")
    )


def _registers(
    communes: list[Commune], fiscal_year: int, today: datetime.date | None = None
) -> list[Register]:
    today = today or timezone.localdate()
    expected = [entry for entry in expected_publications() if entry.applies_to(fiscal_year)]
    found: dict[tuple[int, str], list[Document]] = defaultdict(list)
    for document in _published([c.pk for c in communes], fiscal_year, [e.type for e in expected]):
        found[(document.commune_id, document.type)].append(document)
    registers = []
    for commune in communes:
        items = []
        for entry in expected:
            due = entry.due_date(fiscal_year)
            documents = found.get((commune.pk, entry.type), [])
            items.append(RegisterItem(entry, due, _status(entry, due, documents, today), documents))
        items.sort(key=lambda item: (item.due_date, item.type))
        registers.append(Register(commune, fiscal_year, today, items))
    return registers


def commune_register(*, commune: Commune, fiscal_year: int, today: datetime.date | None = None) -> Register:
    return _registers([commune], fiscal_year, today)[0]


def scorecard(*, fiscal_year: int, today: datetime.date | None = None) -> list[Register]:
    """Every enabled commune's register for the year (two queries), best score first."""
    communes = list(Commune.objects.enabled().select_related("department").order_by("search_name"))
    registers = _registers(communes, fiscal_year, today)
    return sorted(
        registers,
        key=lambda r: (
            -(r.score if r.score is not None else -1),
            -r.count(ItemStatus.ON_TIME),
            r.commune.search_name,
        ),
    )


def default_fiscal_year(today: datetime.date | None = None) -> int:
    """The last closed fiscal year: the one whose publications are (mostly) due."""
    return (today or timezone.localdate()).year - 1


def register_years(today: datetime.date | None = None) -> list[int]:
    from publications.register import first_fiscal_year

    last = (today or timezone.localdate()).year + 1
    return list(range(last, first_fiscal_year() - 1, -1))
