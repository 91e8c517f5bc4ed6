"""Reads of the commitments app. Commitments are public: every read is open to everyone, and
``access_commitment(..., manage=True)`` fetches AND authorises a staff write (401, 403, 404).
Filters are in the query. Selectors never import services (the services import them)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from commitments.errors import CommitmentNotFound, Forbidden
from commitments.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentPhoto,
    CommitmentStatus,
    CommitmentUpdate,
    today,
)
from commitments.permissions import can_manage, is_signed_in
from forums.models import ProposalStatus, Thread, ThreadKind
from hub.errors import NotAuthenticated, NotFound
from hub.models import Commune, Membership, Role
from publications.models import Document

REMINDED_ROLES = (Role.MAYOR, Role.SECRETARY_GENERAL)


def commitment_list(
    *,
    commune: str = "",
    status: str = "",
    overdue: bool | None = None,
    session: int | None = None,
    origin: str = "",
) -> QuerySet[Commitment]:
    """Commitments, newest first; ``commune`` is a slug, ``overdue`` is computed against today."""
    rows = Commitment.objects.select_related("commune").order_by("-id")
    if commune:
        rows = rows.filter(commune__slug=commune)
    if status:
        rows = rows.filter(status=status)
    if overdue is True:
        rows = rows.overdue()
    elif overdue is False:
        rows = rows.not_overdue()
    if session is not None:
        rows = rows.filter(session_id=session)
    if origin:
        rows = rows.filter(origin_kind=origin)
    return rows


def session_commitments(session_id: int) -> list[Commitment]:
    """A session's commitments, in the order they were made (its archive and console)."""
    return list(Commitment.objects.select_related("commune").filter(session_id=session_id).order_by("id"))


def access_commitment(user: Any, commitment_id: Any, *, manage: bool = False) -> Commitment:
    """The commitment; with ``manage``, only for the staff of its commune (401 signed out, 403)."""
    pk = commitment_id if isinstance(commitment_id, int) and not isinstance(commitment_id, bool) else 0
    commitment = Commitment.objects.select_related("commune").filter(pk=pk).first()
    if commitment is None:
        raise CommitmentNotFound()
    if manage:
        if not is_signed_in(user):
            raise NotAuthenticated()
        if not can_manage(user, commitment.commune):
            raise Forbidden(code="forbidden")
    return commitment


def timeline(commitment: Commitment) -> list[CommitmentUpdate]:
    """The commitment's updates, oldest first, with their authors, documents and photos (3 queries)."""
    return list(
        CommitmentUpdate.objects.filter(commitment=commitment)
        .select_related("author", "document", "document__commune")
        .prefetch_related(Prefetch("photos", queryset=CommitmentPhoto.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def timeline_entry(update_id: int) -> CommitmentUpdate:
    return (
        CommitmentUpdate.objects.select_related("author", "document", "document__commune")
        .prefetch_related("photos")
        .get(pk=update_id)
    )


def access_photo(photo_id: int) -> CommitmentPhoto:
    photo = CommitmentPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("This photo does not exist."))
    return photo


@dataclass(frozen=True)
class CommuneCounts:
    total: int
    open: int
    overdue: int
    done: int


def commune_counts(commune: Commune) -> CommuneCounts:
    """The tracker's headline numbers (one query)."""
    now = today()
    counts = Commitment.objects.filter(commune=commune).aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=now)),
        done=Count("id", filter=Q(status=CommitmentStatus.DONE)),
    )
    return CommuneCounts(**{key: int(value or 0) for key, value in counts.items()})


def open_commitments(*, commune: Commune, limit: int = 10) -> tuple[list[Commitment], list[Commitment]]:
    """(overdue, open and not overdue): the commune's unfinished commitments, the most pressing due
    date first (undated ones last)."""
    now = today()
    rows = Commitment.objects.filter(commune=commune).open().order_by(F("due_on").asc(nulls_last=True), "id")
    return list(rows.filter(due_on__lt=now)[:limit]), list(rows.exclude(due_on__lt=now)[:limit])


# --- The scorecard: commitments kept on time ------------------------------------------------------


@dataclass(frozen=True)
class KeptOnTime:
    """One commune's commitments due in ``year``: ``due`` of them in all; ``kept_on_time`` done no
    later than their due date; ``not_due_yet`` still open with a due date to come. ``rate`` is
    kept on time over those whose outcome is known (due minus not due yet), None when none is."""

    commune: Commune
    year: int
    due: int
    kept_on_time: int
    kept_late: int
    dropped: int
    overdue: int
    not_due_yet: int

    @property
    def known(self) -> int:
        return self.due - self.not_due_yet

    @property
    def rate(self) -> float | None:
        return round(self.kept_on_time / self.known, 4) if self.known else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def scorecard(*, year: int, communes: QuerySet[Commune] | None = None) -> list[KeptOnTime]:
    """Every enabled commune (or those given), by name, with its commitments due in ``year`` (two
    queries). "On time": done on or before the due date, in the commune's time zone."""
    now = today()
    chosen = list(
        (communes if communes is not None else Commune.objects.filter(is_enabled=True)).order_by("name")
    )
    done = Q(status=CommitmentStatus.DONE, done_at__isnull=False)
    open_ = Q(status__in=OPEN_STATUSES)
    counts = {
        row["commune_id"]: row
        for row in Commitment.objects.filter(
            commune__in=[c.pk for c in chosen],
            due_on__gte=datetime.date(year, 1, 1),
            due_on__lte=datetime.date(year, 12, 31),
        )
        .values("commune_id")
        .annotate(
            due=Count("id"),
            kept=Count("id", filter=done & Q(done_at__date__lte=F("due_on"))),
            late=Count("id", filter=done & Q(done_at__date__gt=F("due_on"))),
            dropped=Count("id", filter=Q(status=CommitmentStatus.DROPPED)),
            overdue=Count("id", filter=open_ & Q(due_on__lt=now)),
            not_due=Count("id", filter=open_ & Q(due_on__gte=now)),
        )
        .order_by()
    }
    empty = {"due": 0, "kept": 0, "late": 0, "dropped": 0, "overdue": 0, "not_due": 0}
    return [
        KeptOnTime(
            commune=commune,
            year=year,
            due=row["due"],
            kept_on_time=row["kept"],
            kept_late=row["late"],
            dropped=row["dropped"],
            overdue=row["overdue"],
            not_due_yet=row["not_due"],
        )
        for commune in chosen
        for row in [counts.get(commune.pk, empty)]
    ]


# --- What the staff forms offer, and who is reminded ----------------------------------------------


def accepted_proposals(commune: Commune) -> QuerySet[Thread]:
    """The commune's visible proposals it accepted: what may become a commitment."""
    return (
        Thread.objects.visible()
        .filter(commune=commune, kind=ThreadKind.PROPOSAL, proposal_status=ProposalStatus.ACCEPTED)
        .select_related("author")
        .order_by("-last_activity_at", "-id")
    )


def evidence_documents(commune: Commune, limit: int = 200) -> list[Document]:
    """The commune's published documents, newest first: what an update may cite as evidence."""
    return list(Document.objects.published().filter(commune=commune).order_by("-published_at", "-id")[:limit])


def reminder_staff_ids(commitment: Commitment) -> list[int]:
    """Who is reminded: the mayor and the secretary-general, and the holders of the owner role."""
    roles = {*REMINDED_ROLES, *([commitment.owner_role] if commitment.owner_role else [])}
    return sorted(
        set(
            Membership.objects.filter(
                commune_id=commitment.commune_id, role__in=roles, user__is_active=True
            ).values_list("user_id", flat=True)
        )
    )
