"""Writes of the commune's accredited organisations and of the facilitators it names.

An organisation of civil society is accredited by the commune's staff; its members may then be named
facilitators and record workshops on the ground. Withdrawing an accreditation keeps the row (its
workshops stay on the record) and takes the right to record from its facilitators at once
(``consultations.permissions.facilitator_row`` excludes withdrawn organisations). A facilitator is
named by the e-mail address or phone number of their account, like a role in the commune; revoking
keeps the row, dated. Every write is in the commune's journal (``audit_record``), in its transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.errors import invalid
from consultations.models import MAX_TITLE_CHARS, Facilitator, Organisation, OrganisationKind
from consultations.services.common import Cleaner, fields_change, require_manager
from hub.auth_backends import find_user_by_identifier
from hub.cleaning import as_id
from hub.models import Commune, User
from hub.services.audit import audit_record

ORGANISATION_FIELDS = ("name", "kind", "contact")
MAX_CONTACT_CHARS = 200
MAX_IDENTIFIER_CHARS = 254


def _unknown_fields(cleaner: Cleaner, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in sorted(set(data) - set(allowed)):
        cleaner.fail(name, _("Unknown field."))


def _organisation_clean(
    commune: Commune, data: dict[str, Any], *, creating: bool, current: Organisation | None = None
) -> dict[str, Any]:
    cleaner = Cleaner()
    _unknown_fields(cleaner, data, ORGANISATION_FIELDS)
    clean: dict[str, Any] = {}
    if creating or "name" in data:
        clean["name"] = cleaner.text(
            data.get("name"), field="name", max_length=MAX_TITLE_CHARS, required=True
        )
    if creating or "kind" in data:
        clean["kind"] = cleaner.choice(data.get("kind"), field="kind", choices=list(OrganisationKind.values))
    if creating or "contact" in data:
        clean["contact"] = cleaner.text(
            data.get("contact"), field="contact", max_length=MAX_CONTACT_CHARS, required=False
        )
    if clean.get("name") and "name" not in cleaner.errors:
        others = Organisation.objects.filter(commune=commune, name__iexact=clean["name"])
        if current is not None:
            others = others.exclude(pk=current.pk)
        if others.exists():
            cleaner.fail("name", _("The commune already has an organisation of this name."))
    cleaner.done()
    return clean


def _duplicate_name() -> Exception:
    return invalid("name", _("The commune already has an organisation of this name."))


def organisation_accredit(*, actor: Any, commune: Commune, data: dict[str, Any]) -> Organisation:
    """Accredit an organisation of civil society in the commune (staff who publish; audited)."""
    user = require_manager(actor, commune)
    clean = _organisation_clean(commune, data, creating=True)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(commune=commune, accredited_by=user, **clean)
            audit_record(
                actor=user,
                action="consultations.organisation_accredit",
                obj=organisation,
                commune=commune,
                data=dict(clean),
            )
    except IntegrityError as exc:  # the same name accredited at the same moment
        raise _duplicate_name() from exc
    return organisation


def organisation_update(*, actor: Any, organisation: Organisation, data: dict[str, Any]) -> Organisation:
    """Change an organisation's name, kind or contact (the fields given only)."""
    commune = organisation.commune
    user = require_manager(actor, commune)
    clean = _organisation_clean(commune, data, creating=False, current=organisation)
    try:
        locked = fields_change(
            organisation, clean, actor=user, action="consultations.organisation_update", commune=commune
        )
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    return locked


def organisation_withdraw(*, actor: Any, organisation: Organisation) -> Organisation:
    """Withdraw an accreditation (once: a second call changes nothing). Its facilitators no longer
    record workshops; its workshops and its delegates on the citizen council stay on the record."""
    commune = organisation.commune
    user = require_manager(actor, commune)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])
            audit_record(
                actor=user,
                action="consultations.organisation_withdraw",
                obj=locked,
                commune=commune,
                data={"facilitators": locked.facilitators.filter(revoked_at__isnull=True).count()},
            )
    return locked


def _facilitator_account(cleaner: Cleaner, identifier: Any) -> User | None:
    if identifier is None or identifier == "":
        cleaner.fail("identifier", _("Give the e-mail address or the phone number of their account."))
        return None
    if not isinstance(identifier, str):
        cleaner.fail("identifier", _("Send text."))
        return None
    text = identifier.strip()
    if "\x00" in text or len(text) > MAX_IDENTIFIER_CHARS:
        cleaner.fail("identifier", _("No account matches this e-mail address or phone number."))
        return None
    found = find_user_by_identifier(text)
    if found is None or not found.is_active:
        cleaner.fail("identifier", _("No account matches this e-mail address or phone number."))
        return None
    return found


def accredited_organisation_choice(
    cleaner: Cleaner, commune: Commune, value: Any, *, field: str
) -> Organisation | None:
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        pk: int | None = value.pk
    else:
        pk = as_id(value)
    found = Organisation.objects.filter(pk=pk, commune=commune).first() if pk else None
    if found is None:
        cleaner.fail(field, _("Choose an organisation accredited by this commune."))
        return None
    if not found.is_accredited:
        cleaner.fail(field, _("This organisation's accreditation was withdrawn."))
        return None
    return found


def facilitator_grant(
    *, actor: Any, commune: Commune, identifier: Any, organisation: Any = None
) -> Facilitator:
    """Name a facilitator: an account (by e-mail address or phone number), for one of the commune's
    accredited organisations or on the commune's own behalf (``organisation`` empty)."""
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    account = _facilitator_account(cleaner, identifier)
    chosen = accredited_organisation_choice(cleaner, commune, organisation, field="organisation")
    if (
        account is not None
        and Facilitator.objects.filter(commune=commune, user=account, revoked_at__isnull=True).exists()
    ):
        cleaner.fail("identifier", _("This person is already a facilitator in this commune."))
    cleaner.done()
    assert account is not None
    try:
        with transaction.atomic():
            facilitator = Facilitator.objects.create(
                commune=commune, user=account, organisation=chosen, granted_by=user
            )
            audit_record(
                actor=user,
                action="consultations.facilitator_grant",
                obj=facilitator,
                commune=commune,
                data={"user_id": account.pk, "organisation_id": chosen.pk if chosen else None},
            )
    except IntegrityError as exc:  # named twice at the same moment
        raise invalid("identifier", _("This person is already a facilitator in this commune.")) from exc
    return facilitator


def facilitator_revoke(*, actor: Any, facilitator: Facilitator) -> Facilitator:
    """End a facilitator's right to record workshops (once: a second call changes nothing)."""
    commune = facilitator.commune
    user = require_manager(actor, commune)
    with transaction.atomic():
        locked = Facilitator.objects.select_for_update().get(pk=facilitator.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(
                actor=user,
                action="consultations.facilitator_revoke",
                obj=locked,
                commune=commune,
                data={"user_id": locked.user_id},
            )
    return locked
