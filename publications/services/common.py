"""The publication life cycle shared by documents, contracts and agenda events."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.services.outbox import outbox_record
from publications.models import AgendaEvent, Contract, Document, PublicationState
from publications.models.documents import FISCAL_YEAR_MIN

Publication = Document | Contract | AgendaEvent

# Outbox kinds, as the notifications app expects them.
KINDS: dict[type[models.Model], str] = {
    Document: "document",
    Contract: "contract",
    AgendaEvent: "agenda",
}


def require_publisher(actor: User, commune: Commune) -> None:
    if not actor.has_perm("hub.publish_in_commune", commune):
        raise PermissionDenied()


def require_manager(actor: User, item: Publication) -> None:
    if not actor.has_perm("publications.manage_item", item):
        raise PermissionDenied()


def fiscal_year_check(value: Any, *, field: str = "fiscal_year") -> int:
    """A fiscal year from 1990 to next year (budgets are voted the year before)."""
    latest = timezone.localdate().year + 1
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not FISCAL_YEAR_MIN <= year <= latest:
        message = _("Give a fiscal year between %(first)s and %(last)s.") % {
            "first": FISCAL_YEAR_MIN,
            "last": latest,
        }
        raise InvalidInput(message, fields={field: [message]})
    return year


def text_check(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        message = _("This field is required.")
        raise InvalidInput(message, fields={field: [message]})
    if len(text) > max_length:
        message = _("At most %(count)s characters.") % {"count": max_length}
        raise InvalidInput(message, fields={field: [message]})
    return text


def choice_check(value: Any, choices: type[models.TextChoices], *, field: str) -> str:
    if value not in choices.values:
        message = _("Unknown value: %(value)s.") % {"value": str(value)[:40]}
        raise InvalidInput(message, fields={field: [message]})
    return str(value)


def lock(item: Publication) -> Publication:
    """The row again, locked until the end of the transaction (double submissions wait here)."""
    return type(item).objects.select_for_update().select_related("commune").get(pk=item.pk)  # type: ignore[attr-defined]


def french(label: Any) -> str:
    """A label frozen in French (the notifications show it as it was at publication time)."""
    with translation.override("fr"):
        return capfirst(str(label))


def publish(*, actor: User, item: Publication, payload: dict[str, Any]) -> tuple[Publication, bool]:
    """Publish ``item`` once; publishing what is already published changes nothing.

    Returns (item, published_now). The outbox event and the audit entry are written in the same
    transaction; a re-publication after a withdrawal gets its own dedup key (``:v2``, ``:v3``...)."""
    require_manager(actor, item)
    kind = KINDS[type(item)]
    with transaction.atomic():
        item = lock(item)
        if item.state == PublicationState.PUBLISHED:
            return item, False
        now = timezone.now()
        item.state = PublicationState.PUBLISHED
        item.published_at = now
        item.published_by = actor
        item.first_published_at = item.first_published_at or now
        item.publication_count += 1
        item.save(
            update_fields=[
                "state",
                "published_at",
                "published_by",
                "first_published_at",
                "publication_count",
                "updated_at",
            ]
        )
        count = item.publication_count
        dedup_key = f"{kind}.published:{item.pk}" + (f":v{count}" if count > 1 else "")
        outbox_record(
            kind=f"{kind}.published",
            commune=item.commune,
            obj=item,
            payload={**payload, "title": item.title, "path": item.get_absolute_url()},
            dedup_key=dedup_key,
        )
        audit_record(
            actor=actor,
            action=f"{kind}.published",
            obj=item,
            commune=item.commune,
            data={"publication": count},
        )
    return item, True


def withdraw(*, actor: User, item: Publication, reason: str) -> Publication:
    """Unpublish, keeping a public notice (date and reason) and the audit trail."""
    require_manager(actor, item)
    reason = text_check(reason, field="reason", max_length=1000)
    kind = KINDS[type(item)]
    with transaction.atomic():
        item = lock(item)
        if item.state == PublicationState.WITHDRAWN:
            return item
        if item.state != PublicationState.PUBLISHED:
            raise Conflict(_("Only a published item can be withdrawn."), code="not_published")
        item.state = PublicationState.WITHDRAWN
        item.withdrawn_at = timezone.now()
        item.withdrawn_by = actor
        item.withdrawal_reason = reason
        item.save(update_fields=["state", "withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
        audit_record(
            actor=actor, action=f"{kind}.withdrawn", obj=item, commune=item.commune, data={"reason": reason}
        )
    return item
