"""Reminders to the staff responsible: a commitment due within ``COMMITMENTS_REMINDER_DAYS`` days,
and a commitment overdue. Celery beat runs ``reminders_send`` once a day; each reminder fires once
per commitment (and due date: a new due date makes them due again).

"Once" is a database fact: the reminder is claimed by ``UPDATE … SET <kind>_reminded_at = now WHERE
id = … AND <kind>_reminded_at IS NULL AND <still due>`` and its outbox event is written in the same
transaction. A second run, a second worker or a retry finds the column set and writes nothing; a
run that dies before its commit leaves both unwritten, and the next run sends it. The outbox
event's ``dedup_key`` carries the due date too.

Who is responsible: the commune's mayor and secretary-general, and the members holding the
commitment's owner role (when it names one).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commitments.models import OPEN_STATUSES, Commitment, today
from commitments.selectors import reminder_staff_ids
from commitments.services.notify import KIND_DUE_SOON, KIND_OVERDUE, notify_reminder


@dataclass(frozen=True)
class ReminderRun:
    """How many reminder events this run created, per kind."""

    due_soon: int
    overdue: int


def reminder_days() -> int:
    return int(settings.COMMITMENTS_REMINDER_DAYS)


def _send(kind: str, column: str, due: Q) -> int:
    sent = 0
    candidates = (
        Commitment.objects.filter(due, status__in=OPEN_STATUSES, **{f"{column}__isnull": True})
        .order_by("id")
        .values_list("id", flat=True)
    )
    for commitment_id in list(candidates):
        with transaction.atomic():
            claimed = Commitment.objects.filter(
                due, pk=commitment_id, status__in=OPEN_STATUSES, **{f"{column}__isnull": True}
            ).update(**{column: timezone.now()})
            if not claimed:  # another run took it, or it was done, dropped or moved meanwhile
                continue
            commitment = Commitment.objects.select_related("commune").get(pk=commitment_id)
            staff = reminder_staff_ids(commitment)
            # Counted only when the event is new: a due date reminded before (the column cleared by a
            # change of due date, then set back) finds its event already there and sends nothing.
            if staff and notify_reminder(commitment, kind, staff):
                sent += 1
    return sent


def reminders_send(*, on: datetime.date | None = None) -> ReminderRun:
    """Send the reminders due ``on`` (today by default). Safe to run again: it sends nothing twice."""
    on = on or today()
    horizon = on + datetime.timedelta(days=reminder_days())
    due_soon = _send(KIND_DUE_SOON, "due_soon_reminded_at", Q(due_on__gte=on, due_on__lte=horizon))
    overdue = _send(KIND_OVERDUE, "overdue_reminded_at", Q(due_on__lt=on))
    return ReminderRun(due_soon=due_soon, overdue=overdue)
