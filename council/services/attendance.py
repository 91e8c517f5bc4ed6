"""The roll call of a council session, and the quorum it gives.

The secretary-general records each member's line (present, arrived late, represented by proxy,
excused, absent), all of a roll call at once or one line at a time; lines may change while the
session runs (a member arrives late, leaves, gives a proxy), each change audited and sent live with
the new quorum (``attendance.updated``). A proxy holder must be in the room and holds one proxy at
most; a member who holds a proxy cannot give one. Once the session has ended, the roll call is the
record: it no longer changes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.errors import Invalid, NotAMember, WrongStatus
from council.events import attendance_append
from council.models import IN_ROOM, Attendance, CouncilMember, Presence
from council.selectors import quorum_of, session_day
from council.services.common import Cleaner, require_council_session, require_manager
from hub.services.audit import audit_record
from sessions_live.models import LiveSession, SessionStatus

MAX_LINES = 500


def roll_call(*, actor: Any, session: LiveSession, entries: Any) -> list[Attendance]:
    """Record the lines ``entries`` (``[{"member": id, "status": ..., "proxy_holder": id|None}]``),
    all or none: every line is checked against the others and the lines already recorded."""
    user = require_manager(actor, session.commune)
    require_council_session(session)
    cleaner = Cleaner()
    if not isinstance(entries, list) or not entries or len(entries) > MAX_LINES:
        raise Invalid(
            _("Send the roll call: a list of members and their attendance."),
            fields={"entries": [_("Send a list.")]},
        )
    wanted: dict[int, tuple[str, int | None]] = {}
    for index, entry in enumerate(entries):
        field = f"entries.{index}"
        if not isinstance(entry, dict):
            cleaner.fail(field, _("Send a member and their attendance."))
            continue
        member_id = cleaner.identifier(entry.get("member"), field=f"{field}.member")
        status = cleaner.choice(entry.get("status"), field=f"{field}.status", choices=Presence.values)
        holder = cleaner.identifier(entry.get("proxy_holder"), field=f"{field}.proxy_holder", required=False)
        if status == Presence.PROXY and holder is None:
            cleaner.fail(f"{field}.proxy_holder", _("Choose who holds the proxy."))
        if status and status != Presence.PROXY and holder is not None:
            cleaner.fail(f"{field}.proxy_holder", _("Only a member represented by proxy has a proxy holder."))
        if member_id is not None and member_id in wanted:
            cleaner.fail(f"{field}.member", _("This member is twice in the roll call."))
        if member_id is not None:
            wanted[member_id] = (status, holder)
    cleaner.done()
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.ENDED:
            raise WrongStatus(_("The session has ended: its roll call is part of the record."))
        day = session_day(locked)
        in_office = {
            m.pk: m
            for m in CouncilMember.objects.filter(commune_id=session.commune_id)
            .in_office(day)
            .select_related("commune")
        }
        current = {
            row.member_id: row for row in Attendance.objects.select_for_update().filter(session=session)
        }
        named = set(wanted) | {holder for _s, holder in wanted.values() if holder is not None}
        strangers = sorted(named - set(in_office))
        if strangers:
            raise NotAMember(
                _("Not a member of this council in office on the session's day: %(ids)s.")
                % {"ids": ", ".join(map(str, strangers))},
                members=strangers,
            )
        # The roll call as it will be, to check proxies against every line.
        after = {member_id: (row.status, row.proxy_holder_id) for member_id, row in current.items()}
        after.update(wanted)
        held: dict[int, int] = {}
        for member_id, (status, holder) in after.items():
            if status != Presence.PROXY or holder is None:
                continue
            if holder == member_id:
                raise Invalid(
                    _("A member cannot hold their own proxy."),
                    fields={"proxy_holder": [_("Choose another member.")]},
                )
            if after.get(holder, ("", None))[0] not in IN_ROOM:
                raise Invalid(
                    _("%(name)s must be in the room to hold a proxy.")
                    % {"name": in_office[holder].full_name},
                    fields={"proxy_holder": [_("Choose a member who is present.")]},
                )
            if holder in held:
                raise Invalid(
                    _("%(name)s already holds a proxy: a member holds one at most.")
                    % {"name": in_office[holder].full_name},
                    fields={"proxy_holder": [_("Choose another member.")]},
                )
            held[holder] = member_id
        now = timezone.now()
        changed: list[Attendance] = []
        for member_id, (status, holder) in wanted.items():
            row = current.get(member_id)
            if row is not None and row.status == status and row.proxy_holder_id == holder:
                continue
            before = {"status": row.status, "proxy_holder": row.proxy_holder_id} if row is not None else None
            if row is None:
                row = Attendance(session=locked, commune_id=session.commune_id, member=in_office[member_id])
            arrived = status == Presence.LATE and (row.status != Presence.LATE or row.arrived_at is None)
            row.status = status
            row.proxy_holder_id = holder
            row.arrived_at = now if arrived else (row.arrived_at if status == Presence.LATE else None)
            row.recorded_by = user
            row.updated_at = now
            row.save()
            row.member = in_office[member_id]
            audit_record(
                actor=user,
                action="council.attendance",
                obj=row,
                commune=session.commune,
                data={
                    "session": session.pk,
                    "member": member_id,
                    "before": before,
                    "after": {"status": status, "proxy_holder": holder},
                },
            )
            changed.append(row)
        if changed:
            attendance_append(session.pk, changed, quorum_of(locked))
    return changed


def attendance_record(
    *, actor: Any, session: LiveSession, member: Any, status: Any, proxy_holder: Any = None
) -> Attendance | None:
    """One line of the roll call (None: it was already so)."""
    rows = roll_call(
        actor=actor,
        session=session,
        entries=[{"member": member, "status": status, "proxy_holder": proxy_holder}],
    )
    return rows[0] if rows else None
