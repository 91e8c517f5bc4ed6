"""Each commune's monthly SMS budget: what staff set, what the month has cost, what is left.

The month's cost is the sum of the messages the commune sent or queued this month (those the operator
bills: ``BILLED_STATUSES``), read from ``SmsMessage`` rows, never from a counter that could drift.
A message that would go past the budget is not sent (``over_budget``); the workspace says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, PermissionDenied
from hub.models import Commune, User
from hub.services.audit import audit_record
from notifications.sms.models import BILLED_STATUSES, SmsCommuneSettings, SmsMessage, SmsStatus

# A budget above this is a typing error (about 50 million FCFA a month).
BUDGET_MAX_XOF = 50_000_000


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class BudgetState:
    commune_id: int
    budget_xof: int
    spent_xof: int
    sent: int  # messages billed this month
    blocked: int  # messages refused this month because the budget was reached
    cost_per_segment_xof: int

    @property
    def remaining_xof(self) -> int:
        return max(self.budget_xof - self.spent_xof, 0)

    @property
    def reached(self) -> bool:
        """No more SMS this month: what is left does not pay for one segment (a budget raised since
        a refusal lifts it; the refusals stay counted in ``blocked``)."""
        return self.budget_xof > 0 and self.remaining_xof < self.cost_per_segment_xof


def budget_state(*, commune: Commune, now: datetime | None = None) -> BudgetState:
    """This month's budget, cost and refusals for the commune (two queries)."""
    row = (
        SmsCommuneSettings.objects.filter(commune=commune)
        .values_list("monthly_budget_xof", flat=True)
        .first()
    )
    this_month = SmsMessage.objects.filter(commune=commune, created_at__gte=month_start(now))
    billed = _billed_this_month(commune.pk, now).aggregate(total=Sum("cost_xof"), n=Count("id"))
    blocked = this_month.filter(status=SmsStatus.OVER_BUDGET).count()
    return BudgetState(
        commune_id=commune.pk,
        budget_xof=int(row or 0),
        spent_xof=int(billed["total"] or 0),
        sent=int(billed["n"] or 0),
        blocked=blocked,
        cost_per_segment_xof=int(settings.SMS_COST_XOF),
    )


def _billed_this_month(commune_id: int, now: datetime | None = None) -> QuerySet[SmsMessage]:
    """This month's billed messages, and those still waiting from an earlier month: they go out (and
    are billed) this month, so they count against this month's budget."""
    return SmsMessage.objects.filter(commune_id=commune_id, status__in=BILLED_STATUSES).filter(
        Q(created_at__gte=month_start(now)) | Q(status=SmsStatus.QUEUED)
    )


def month_spent(*, commune_id: int) -> int:
    """What the commune's messages of this month cost (those the operator bills)."""
    spent = _billed_this_month(commune_id).aggregate(total=Sum("cost_xof"))["total"]
    return int(spent or 0)


def budget_allows(*, commune_id: int, cost_xof: int) -> bool:
    """Whether a message of ``cost_xof`` still fits this month's budget. Called with the commune's
    settings row locked (``sms_settings_lock``), so two senders cannot both take the last franc."""
    budget = (
        SmsCommuneSettings.objects.filter(commune_id=commune_id)
        .values_list("monthly_budget_xof", flat=True)
        .first()
    )
    if not budget:
        return False
    return month_spent(commune_id=commune_id) + cost_xof <= int(budget)


def sms_settings_lock(*, commune_id: int) -> SmsCommuneSettings:
    """The commune's SMS settings row, created if missing, locked until the transaction ends."""
    SmsCommuneSettings.objects.get_or_create(commune_id=commune_id)
    return SmsCommuneSettings.objects.select_for_update().get(commune_id=commune_id)


def sms_budget_set(*, actor: User, commune: Commune, monthly_budget_xof: object) -> SmsCommuneSettings:
    """Staff who manage the commune set its monthly SMS budget (0 stops all sending)."""
    if not actor.has_perm("hub.manage_sms_budget", commune):
        raise PermissionDenied()
    if isinstance(monthly_budget_xof, bool) or not isinstance(monthly_budget_xof, int):
        raise InvalidInput(fields={"monthly_budget_xof": [_("A whole number of CFA francs.")]})
    if not 0 <= monthly_budget_xof <= BUDGET_MAX_XOF:
        raise InvalidInput(
            fields={
                "monthly_budget_xof": [
                    _("From 0 to %(max)s FCFA.") % {"max": f"{BUDGET_MAX_XOF:,}".replace(",", " ")}
                ]
            }
        )
    with transaction.atomic():
        row = sms_settings_lock(commune_id=commune.pk)
        before = row.monthly_budget_xof
        row.monthly_budget_xof = monthly_budget_xof
        row.updated_by = actor
        row.save(update_fields=["monthly_budget_xof", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action="sms.budget_set",
            obj=row,
            commune=commune,
            data={"before": before, "after": monthly_budget_xof},
        )
    return row
