"""What the staff see of a commune's SMS this month, recounted from the ``SmsMessage`` rows.

Every figure comes from rows (budget, spent and refusals through ``notifications.sms.budget``; the
delivery figures from one grouped count), never from a counter, so the page and a recount agree.
Phone numbers are shown masked: staff need to see that messages go out, not to whom.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet

from hub.models import Commune, Follow
from notifications.preferences import sms_subscriber_q
from notifications.sms.budget import BudgetState, budget_state, month_start
from notifications.sms.gsm7 import GSM7_SINGLE, UCS2_SINGLE, measure
from notifications.sms.models import SmsCommuneSettings, SmsMessage, SmsStatus

RECENT_MESSAGES = 50
WAITING = (SmsStatus.QUEUED, SmsStatus.SUBMITTED)


@dataclass(frozen=True)
class SmsFigures:
    commune: Commune
    budget: BudgetState
    delivered: int
    failed: int
    waiting: int  # queued or handed to the operator, no receipt yet
    opted_out: int
    rate_limited: int
    subscribers: int
    number: str  # the number people text: the commune's own, else the shared one ("" if none)
    own_number: bool
    keyword: str  # the commune's name as it is written after SUIVRE
    # What an alert costs: one GSM-7 segment; the same length with one accent (UCS-2) costs more.
    gsm7_chars: int = GSM7_SINGLE
    ucs2_chars: int = UCS2_SINGLE
    accented_segments: int = 1

    @property
    def cost_per_segment(self) -> int:
        return self.budget.cost_per_segment_xof

    @property
    def accented_cost(self) -> int:
        return self.accented_segments * self.cost_per_segment

    @property
    def suspended(self) -> bool:
        return self.budget.reached

    @property
    def no_budget(self) -> bool:
        return self.budget.budget_xof == 0


def sms_keyword(commune: Commune) -> str:
    """The commune's name in capitals without accents, as people type it after SUIVRE."""
    plain = unicodedata.normalize("NFKD", commune.name)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).upper()


def sms_number(commune: Commune | None) -> tuple[str, bool]:
    """(number to text, whether it is the commune's own)."""
    if commune is not None:
        own = (
            SmsCommuneSettings.objects.filter(commune=commune).values_list("number", flat=True).first() or ""
        )
        if own:
            return own, True
    return str(settings.SMS_SHARED_NUMBER or ""), False


def sms_subscribers(commune: Commune) -> int:
    """Followers of the commune whom an SMS alert can reach (the fan-out's test,
    ``notifications.preferences.sms_subscriber_q``)."""
    return Follow.objects.filter(commune=commune).filter(sms_subscriber_q()).count()


def sms_figures(commune: Commune) -> SmsFigures:
    by_status = dict(
        SmsMessage.objects.filter(commune=commune, created_at__gte=month_start())
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    number, own = sms_number(commune)
    return SmsFigures(
        commune=commune,
        budget=budget_state(commune=commune),
        delivered=by_status.get(SmsStatus.DELIVERED, 0),
        failed=by_status.get(SmsStatus.FAILED, 0),
        waiting=sum(by_status.get(status, 0) for status in WAITING),
        opted_out=by_status.get(SmsStatus.OPTED_OUT, 0),
        rate_limited=by_status.get(SmsStatus.RATE_LIMITED, 0),
        subscribers=sms_subscribers(commune),
        number=number,
        own_number=own,
        keyword=sms_keyword(commune),
        # A full one-segment alert with a single "ê" in it: UCS-2, 70 characters a segment.
        accented_segments=measure("ê" + "a" * (GSM7_SINGLE - 1)).segments,
    )


def recent_messages(commune: Commune) -> QuerySet[SmsMessage]:
    return SmsMessage.objects.filter(commune=commune).only(
        "phone", "kind", "status", "segments", "cost_xof", "created_at", "encoding"
    )[:RECENT_MESSAGES]


def mask_phone(phone: str) -> str:
    """``+2290197123412`` → ``+229 01 97 ** ** 12``: enough to tell numbers apart, not to call one."""
    digits = phone[1:] if phone.startswith("+") else phone
    if phone.startswith("+229") and len(digits) == 13 and digits.isdigit():
        national = digits[3:]
        pairs = [national[i : i + 2] for i in range(0, 10, 2)]
        return " ".join(["+229", pairs[0], pairs[1], "**", "**", pairs[4]])
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]
