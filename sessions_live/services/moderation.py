"""Sanctions: mute for N minutes, ban for the session, lift. They take effect at once on every open
socket of the user (services check sanctions on each write; sockets are told to refresh)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import NotFound
from hub.models import User
from hub.services.audit import audit_record
from sessions_live import events
from sessions_live.events import sanction_data
from sessions_live.models import LiveSession, SanctionKind, SessionSanction
from sessions_live.permissions import can_moderate
from sessions_live.services.common import invalid, require_moderator, text_clean

MAX_MUTE_MINUTES = 24 * 60


def sanction_create(
    *, actor: Any, session: LiveSession, user_id: Any, kind: Any, minutes: Any = None, reason: Any = ""
) -> SessionSanction:
    moderator = require_moderator(actor, session)
    if kind not in SanctionKind.values:
        raise invalid("kind", _("mute or ban."))
    target = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if target is None:
        raise invalid("user", _("No such user."))
    if target.pk == moderator.pk or can_moderate(target, session):
        raise invalid("user", _("Moderators cannot be sanctioned here."))
    until: datetime.datetime | None = None
    if kind == SanctionKind.MUTE:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MUTE_MINUTES:
            raise invalid("minutes", _("Between 1 and %(max)d minutes.") % {"max": MAX_MUTE_MINUTES})
        until = timezone.now() + datetime.timedelta(minutes=minutes)
    clean_reason = text_clean(reason, field="reason", max_length=200, required=False)
    with transaction.atomic():
        sanction = SessionSanction.objects.create(
            commune=session.commune,
            session=session,
            user=target,
            kind=kind,
            until=until,
            reason=clean_reason,
            by=moderator,
        )
        audit_record(
            actor=moderator,
            action=f"session.{kind}",
            obj=sanction,
            commune=session.commune,
            data={"user": target.pk, "minutes": minutes, "session": session.pk},
        )
        _announce(sanction)
    return sanction


def _announce(sanction: SessionSanction) -> None:
    events.user_state_changed(sanction.user_id, sanction.session_id)
    if sanction.session_id:
        events.moderation_send(
            sanction.session_id, events.MOD_SANCTION_CHANGED, {"sanction": sanction_data(sanction)}
        )


def sanction_lift(*, actor: Any, session: LiveSession, sanction_id: Any) -> SessionSanction:
    moderator = require_moderator(actor, session)
    sanction = (
        SessionSanction.objects.select_related("user").filter(pk=sanction_id, session=session).first()
        if isinstance(sanction_id, int)
        else None
    )
    if sanction is None:
        raise NotFound(_("No such sanction in this session."))
    if sanction.lifted_at is not None:
        return sanction
    with transaction.atomic():
        sanction.lifted_at = timezone.now()
        sanction.save(update_fields=["lifted_at"])
        audit_record(
            actor=moderator,
            action="session.sanction_lift",
            obj=sanction,
            commune=session.commune,
            data={"user": sanction.user_id},
        )
        _announce(sanction)
    return sanction
