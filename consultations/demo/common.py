"""What the demo consultations of every commune share: the demo accounts, dates, the questionnaire's
ids, the phase set directly, the workshops' group answers and the documents the demo links."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from consultations.models import Consultation, Phase, QuestionKind, Workshop, WorkshopAnswer
from hub.demo_data import DEMO_DOMAIN, DEMO_PASSWORD
from hub.models import Commune, Follow, User
from hub.uploads import bytes_upload
from publications.demo import minimal_pdf
from publications.models import Document, PublicationState
from publications.services import documents as document_services


def demo_user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}@{DEMO_DOMAIN}", is_active=True).first()


def demo_account(local: str, name: str, commune: Commune) -> User:
    email = f"{local}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
    Follow.objects.get_or_create(user=user, commune=commune)
    return user


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def latest_published(commune: Commune, kind: str, **filters: Any) -> Document | None:
    return (
        Document.objects.published()
        .filter(commune=commune, type=kind, **filters)
        .order_by("-fiscal_year", "-published_at")
        .first()
    )


def published_document(
    *,
    actor: User,
    commune: Commune,
    kind: str,
    fiscal_year: int,
    title: str,
    summary: str,
    text: str,
    published_at: datetime.datetime,
) -> Document:
    """The published document of this commune, type, year and title: made once (with a small PDF, through
    the upload checks like any upload), then reused. Published with a date in the past and without
    the publication service, so nobody is notified today of a demo document (as in publications.demo)."""
    found = latest_published(commune, kind, fiscal_year=fiscal_year, title=title)
    if found is not None:
        return found
    document = document_services.document_create(
        actor=actor,
        commune=commune,
        type=kind,
        fiscal_year=fiscal_year,
        title=title,
        summary=summary,
        uploads=[bytes_upload(minimal_pdf(f"{title} - {commune.name}", text), f"{slugify(title)}.pdf")],
    )
    Document.objects.filter(pk=document.pk).update(
        state=PublicationState.PUBLISHED,
        published_at=published_at,
        first_published_at=published_at,
        published_by=actor,
        publication_count=1,
    )
    document.refresh_from_db()
    return document


def options(*labels: str) -> list[dict[str, Any]]:
    return [{"label": label} for label in labels]


def question_ids(consultation: Consultation) -> dict[str, list[int]]:
    """Each question's id and its options' ids, by kind (one question per kind in these demos)."""
    out: dict[str, list[int]] = {}
    for question in consultation.questions.prefetch_related("options"):
        out[question.kind] = [question.pk, *(o.pk for o in question.options.all())]
    return out


def open_now(consultation: Consultation, *, opened: datetime.datetime) -> Consultation:
    Consultation.objects.filter(pk=consultation.pk).update(
        phase=Phase.OPEN, opens_at=opened, opened_at=opened, announced_at=opened
    )
    consultation.refresh_from_db()
    return consultation


def group_answers(workshop: Workshop, ids: dict[str, list[int]], values: dict[str, list[int]]) -> None:
    """The group's answers: per kind, one value (count, rank or amount) per option, in order."""
    field: dict[str, str] = {
        QuestionKind.SINGLE: "count",
        QuestionKind.MULTIPLE: "count",
        QuestionKind.RANKING: "rank",
        QuestionKind.ENVELOPE: "amount_xof",
    }
    WorkshopAnswer.objects.bulk_create(
        WorkshopAnswer(workshop=workshop, question_id=ids[kind][0], option_id=option, **{field[kind]: value})
        for kind, numbers in values.items()
        for option, value in zip(ids[kind][1:], numbers, strict=True)
    )
