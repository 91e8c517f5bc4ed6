"""Writes of the council's composition: members, committees and the rules the council votes by.

Kept by the commune's secretary-general or mayor; every change is in the audit log with what changed.
A member is never deleted once on a roll call or a vote (their record is public): their mandate ends.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from council.errors import CouncilNotFound, WrongStatus, invalid
from council.models import (
    MAX_NAME_CHARS,
    Attendance,
    Committee,
    CouncilMember,
    CouncilRole,
    CouncilRules,
    MajorityRule,
    MotionVote,
    QuorumRule,
    TieRule,
)
from council.services.common import Cleaner, require_manager
from hub.cleaning import as_id
from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.uploads import IMAGE_KINDS, images_stored, upload_check

MEMBER_FIELDS = (
    "full_name",
    "role",
    "title",
    "arrondissement",
    "mandate_start",
    "mandate_end",
    "committees",
    "user",
)


def _member_clean(
    cleaner: Cleaner,
    commune: Commune,
    changes: dict[str, Any],
    *,
    creating: bool,
    current: CouncilMember | None = None,
) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(MEMBER_FIELDS))
    for name in unknown:
        cleaner.fail(name, _("Unknown field."))
    clean: dict[str, Any] = {}
    if creating or "full_name" in changes:
        clean["full_name"] = cleaner.text(
            changes.get("full_name"), field="full_name", max_length=MAX_NAME_CHARS, required=True
        )
    if creating or "role" in changes:
        clean["role"] = cleaner.choice(
            changes.get("role") or CouncilRole.COUNCILLOR, field="role", choices=CouncilRole.values
        )
    for name, limit in (("title", MAX_NAME_CHARS), ("arrondissement", 80)):
        if creating or name in changes:
            clean[name] = cleaner.text(changes.get(name), field=name, max_length=limit, required=False)
    if creating or "mandate_start" in changes:
        clean["mandate_start"] = cleaner.date(
            changes.get("mandate_start"), field="mandate_start", required=True
        )
    if creating or "mandate_end" in changes:
        clean["mandate_end"] = cleaner.date(changes.get("mandate_end"), field="mandate_end", required=False)
    start = clean.get("mandate_start", current.mandate_start if current else None)
    end = clean.get("mandate_end", current.mandate_end if current else None)
    if start and end and end < start:
        cleaner.fail("mandate_end", _("The mandate cannot end before it starts."))
    if "committees" in changes:
        raw = changes.get("committees")
        if raw is None:
            raw = []
        if not isinstance(raw, list) or len(raw) > 50:
            cleaner.fail("committees", _("Give a list of committees."))
        else:
            ids = [cleaner.identifier(value, field="committees") for value in raw]
            wanted = {pk for pk in ids if pk is not None}
            found = set(Committee.objects.filter(commune=commune, pk__in=wanted).values_list("pk", flat=True))
            if wanted - found:
                cleaner.fail("committees", _("Choose committees of this commune's council."))
            clean["committees"] = sorted(found)
    if "user" in changes:
        user_id = cleaner.identifier(changes.get("user"), field="user", required=False)
        if user_id is not None and not User.objects.filter(pk=user_id, is_active=True).exists():
            cleaner.fail("user", _("There is no such account."))
        elif user_id is not None and start is not None:
            # One person, one seat: an account shows its answers on one member's page, so it is
            # linked to one member of the council at a time (mandates that do not overlap may share it).
            others = CouncilMember.objects.filter(commune=commune, user_id=user_id)
            if current is not None:
                others = others.exclude(pk=current.pk)
            overlapping = others.filter(Q(mandate_end__isnull=True) | Q(mandate_end__gte=start))
            if end is not None:
                overlapping = overlapping.filter(mandate_start__lte=end)
            taken = overlapping.first()
            if taken is not None:
                cleaner.fail(
                    "user",
                    _("This account is already linked to %(name)s, another member of this council.")
                    % {"name": taken.full_name},
                )
        clean["user_id"] = user_id
    cleaner.done()
    return clean


def _audit_data(clean: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in clean.items()
    }


def member_create(*, actor: Any, commune: Commune, **changes: Any) -> CouncilMember:
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    clean = _member_clean(cleaner, commune, changes, creating=True)
    committees = clean.pop("committees", None)
    with transaction.atomic():
        member = CouncilMember.objects.create(commune=commune, **clean)
        if committees:
            member.committees.set(committees)
        audit_record(
            actor=user,
            action="council.member_create",
            obj=member,
            commune=commune,
            data=_audit_data({**clean, "committees": committees or []}),
        )
    return member


def member_update(*, actor: Any, member: CouncilMember, **changes: Any) -> CouncilMember:
    user = require_manager(actor, member.commune)
    cleaner = Cleaner()
    clean = _member_clean(cleaner, member.commune, changes, creating=False, current=member)
    committees = clean.pop("committees", None)
    with transaction.atomic():
        locked = CouncilMember.objects.select_for_update().get(pk=member.pk)
        before = {key: getattr(locked, key) for key in clean}
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.updated_at = timezone.now()
        locked.save()
        if committees is not None:
            before["committees"] = sorted(locked.committees.values_list("pk", flat=True))
            locked.committees.set(committees)
            clean["committees"] = committees
        audit_record(
            actor=user,
            action="council.member_update",
            obj=locked,
            commune=member.commune,
            data={"before": _audit_data(before), "after": _audit_data(clean)},
        )
    locked.commune = member.commune
    return locked


def member_delete(*, actor: Any, member: CouncilMember) -> None:
    """Only a member entered by mistake (never on a roll call or a vote); otherwise end the mandate."""
    user = require_manager(actor, member.commune)
    with transaction.atomic():
        if (
            Attendance.objects.filter(member=member).exists()
            or Attendance.objects.filter(proxy_holder=member).exists()
            or MotionVote.objects.filter(member=member).exists()
        ):
            raise WrongStatus(
                _("This member is on the council's record: end their mandate instead of deleting them.")
            )
        audit_record(
            actor=user,
            action="council.member_delete",
            obj=member,
            commune=member.commune,
            data={"full_name": member.full_name},
        )
        photo = member.photo
        member.delete()
    if photo:
        transaction.on_commit(lambda: default_storage.delete(photo))


def member_photo_set(*, actor: Any, member: CouncilMember, upload: Any) -> CouncilMember:
    """A checked image (PNG, JPEG or WebP, from its content) replaces the member's photo; ``None``
    removes it."""
    user = require_manager(actor, member.commune)
    old = member.photo
    if upload is None:
        with transaction.atomic():
            # save(), not update(): the public read cache learns of it (hub.versions.track)
            member.photo, member.updated_at = "", timezone.now()
            member.save(update_fields=["photo", "updated_at"])
            audit_record(
                actor=user,
                action="council.member_photo",
                obj=member,
                commune=member.commune,
                data={"removed": True},
            )
    else:
        checked = upload_check(upload)
        if checked.kind not in IMAGE_KINDS:
            raise invalid("photo", _("Send a photo: PNG, JPEG or WebP."))
        with images_stored([checked], "council") as names, transaction.atomic():
            member.photo, member.updated_at = names[0], timezone.now()
            member.save(update_fields=["photo", "updated_at"])
            audit_record(
                actor=user,
                action="council.member_photo",
                obj=member,
                commune=member.commune,
                data={"size": checked.size},
            )
    if old and old != member.photo:
        default_storage.delete(old)
    return member


def committee_create(*, actor: Any, commune: Commune, name: Any) -> Committee:
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    text = cleaner.text(name, field="name", max_length=MAX_NAME_CHARS, required=True)
    cleaner.done()
    try:
        with transaction.atomic():
            committee = Committee.objects.create(commune=commune, name=text)
            audit_record(actor=user, action="council.committee_create", obj=committee, commune=commune)
    except IntegrityError:
        raise invalid("name", _("This committee exists already.")) from None
    return committee


def committee_delete(*, actor: Any, committee: Committee) -> None:
    user = require_manager(actor, committee.commune)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="council.committee_delete",
            obj=committee,
            commune=committee.commune,
            data={"name": committee.name},
        )
        committee.delete()


def committee_get(commune: Commune, committee_id: Any) -> Committee:
    found = (
        Committee.objects.select_related("commune")
        .filter(commune=commune, pk=as_id(committee_id) or 0)
        .first()
    )
    if found is None:
        raise CouncilNotFound(_("This committee does not exist."))
    return found


RULE_FIELDS = ("quorum_rule", "quorum_fixed", "proxies_count_for_quorum", "majority_rule", "tie_rule")


def rules_update(*, actor: Any, commune: Commune, **changes: Any) -> CouncilRules:
    """The commune's council rules; motions already opened keep the rules they were opened under."""
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    for name in sorted(set(changes) - set(RULE_FIELDS)):
        cleaner.fail(name, _("Unknown field."))
    clean: dict[str, Any] = {}
    if "quorum_rule" in changes:
        clean["quorum_rule"] = cleaner.choice(
            changes["quorum_rule"], field="quorum_rule", choices=QuorumRule.values
        )
    if "quorum_fixed" in changes:
        value = changes["quorum_fixed"]
        clean["quorum_fixed"] = (
            None if value in (None, "") else cleaner.count(value, field="quorum_fixed", maximum=500)
        )
    if "proxies_count_for_quorum" in changes:
        clean["proxies_count_for_quorum"] = cleaner.flag(
            changes["proxies_count_for_quorum"], field="proxies_count_for_quorum"
        )
    if "majority_rule" in changes:
        clean["majority_rule"] = cleaner.choice(
            changes["majority_rule"], field="majority_rule", choices=MajorityRule.values
        )
    if "tie_rule" in changes:
        clean["tie_rule"] = cleaner.choice(changes["tie_rule"], field="tie_rule", choices=TieRule.values)
    cleaner.done()
    with transaction.atomic():
        rules, _created = CouncilRules.objects.select_for_update().get_or_create(commune=commune)
        before = {key: getattr(rules, key) for key in clean}
        for key, value in clean.items():
            setattr(rules, key, value)
        if rules.quorum_rule == QuorumRule.FIXED and not rules.quorum_fixed:
            raise invalid("quorum_fixed", _("Give the number of members the quorum requires."))
        rules.save()
        audit_record(
            actor=user,
            action="council.rules_update",
            obj=rules,
            commune=commune,
            data={"before": before, "after": clean},
        )
    return rules
