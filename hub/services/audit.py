"""Writing the audit log. Called inside the transaction of the action it records."""

from __future__ import annotations

from typing import Any

from django.db import models

from hub.context import client_ip
from hub.models import AuditLogEntry, Commune, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    commune: Commune | None,
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        # Name and account number only: commune heads read this log, and contact details are private.
        actor_label=(f"{actor.display_name} (#{actor.pk})" if actor is not None else "system")[:160],
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:200],
        commune=commune,
        data=data or {},
        ip_address=client_ip.get(),
    )
