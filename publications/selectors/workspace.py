"""What a commune's publications ask of its staff now (the workspace): the register's items that are
late or due soon, and the drafts waiting to be published."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from hub.models import Commune
from publications.models import AgendaEvent, Contract, Document
from publications.models.common import PublicationState
from publications.selectors.register import ItemStatus, RegisterItem, commune_register, default_fiscal_year

# How far ahead a due date counts as "due soon" on the workspace.
DUE_SOON_DAYS = 60
# How many drafts of each kind the workspace lists (the count is exact).
DRAFTS_SHOWN = 10


@dataclass
class DueItem:
    fiscal_year: int
    item: RegisterItem


@dataclass
class Drafts:
    documents: list[Document] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    events: list[AgendaEvent] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def register_attention(
    *, commune: Commune, today: datetime.date | None = None
) -> tuple[list[DueItem], list[DueItem]]:
    """(late, due soon): the register's missing items, and those not due yet whose due date falls in
    the next ``DUE_SOON_DAYS`` days, over the last closed fiscal year, the current one and the next
    (whose budget falls due before it opens)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    late: list[DueItem] = []
    due_soon: list[DueItem] = []
    last_closed = default_fiscal_year(today)
    for year in range(last_closed, today.year + 2):
        for item in commune_register(commune=commune, fiscal_year=year, today=today).items:
            if item.status == ItemStatus.MISSING:
                late.append(DueItem(year, item))
            elif item.status == ItemStatus.NOT_DUE and item.due_date <= soon:
                due_soon.append(DueItem(year, item))
    late.sort(key=lambda d: (d.item.due_date, d.item.type))
    due_soon.sort(key=lambda d: (d.item.due_date, d.item.type))
    return late, due_soon


def drafts(*, commune: Commune) -> Drafts:
    """The commune's drafts (documents, contracts, agenda events), most recently changed first."""

    def latest(model: Any) -> list[Any]:
        rows = model.objects.filter(commune=commune, state=PublicationState.DRAFT)
        return list(rows.order_by("-updated_at", "-id")[:DRAFTS_SHOWN])

    def count(model: Any) -> int:
        return int(model.objects.filter(commune=commune, state=PublicationState.DRAFT).count())

    return Drafts(
        documents=latest(Document),
        contracts=latest(Contract),
        events=latest(AgendaEvent),
        counts={"documents": count(Document), "contracts": count(Contract), "events": count(AgendaEvent)},
    )
