"""Awarded contract writes: draft, edit, publish, withdraw. Every staff action is audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import Conflict, InvalidInput
from hub.models import Commune, User
from hub.services.audit import audit_record
from publications.models import Contract, ContractProcedure, ContractStatus
from publications.services import common

EDITABLE_FIELDS = (
    "reference",
    "title",
    "awardee",
    "amount_xof",
    "procedure",
    "award_date",
    "status",
    "fiscal_year",
)
MAX_AMOUNT_XOF = 10**15


def _amount_check(value: Any) -> int:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        amount = -1
    if isinstance(value, bool) or not 0 <= amount <= MAX_AMOUNT_XOF:
        message = _("Give the amount in CFA francs, as a whole positive number.")
        raise InvalidInput(message, fields={"amount_xof": [message]})
    return amount


def _date_check(value: Any) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or value > timezone.localdate():
        message = _("Give the award date, which cannot be in the future.")
        raise InvalidInput(message, fields={"award_date": [message]})
    return value


def _fields_check(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "reference" in changes:
        clean["reference"] = common.text_check(changes["reference"], field="reference", max_length=80)
    if "title" in changes:
        clean["title"] = common.text_check(changes["title"], field="title", max_length=300)
    if "awardee" in changes:
        clean["awardee"] = common.text_check(changes["awardee"], field="awardee", max_length=200)
    if "amount_xof" in changes:
        clean["amount_xof"] = _amount_check(changes["amount_xof"])
    if "procedure" in changes:
        clean["procedure"] = common.choice_check(changes["procedure"], ContractProcedure, field="procedure")
    if "status" in changes:
        clean["status"] = common.choice_check(changes["status"], ContractStatus, field="status")
    if "award_date" in changes:
        clean["award_date"] = _date_check(changes["award_date"])
    if changes.get("fiscal_year") is not None:
        clean["fiscal_year"] = common.fiscal_year_check(changes["fiscal_year"])
    return clean


def _duplicate() -> Conflict:
    message = _("A contract with this reference exists already in this commune.")
    return Conflict(message, code="duplicate_reference", fields={"reference": [message]})


def contract_create(*, actor: User, commune: Commune, publish: bool = False, **fields: Any) -> Contract:
    common.require_publisher(actor, commune)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    required = {"reference", "title", "awardee", "amount_xof", "procedure", "award_date"}
    missing = sorted(required - {name for name, value in fields.items() if value not in (None, "")})
    if missing:
        raise InvalidInput(fields={name: [_("This field is required.")] for name in missing})
    clean = _fields_check(fields)
    clean.setdefault("fiscal_year", common.fiscal_year_check(clean["award_date"].year))
    try:
        with transaction.atomic():
            contract = Contract.objects.create(commune=commune, created_by=actor, **clean)
            audit_record(
                actor=actor,
                action="contract.created",
                obj=contract,
                commune=commune,
                data={"reference": contract.reference, "amount_xof": contract.amount_xof},
            )
            if publish:
                contract, _published = contract_publish(actor=actor, contract=contract)
    except IntegrityError as exc:
        raise _duplicate() from exc
    return contract


def contract_update(*, actor: User, contract: Contract, changes: dict[str, Any]) -> Contract:
    common.require_manager(actor, contract)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    clean = _fields_check(changes)
    try:
        with transaction.atomic():
            contract = common.lock(contract)  # type: ignore[assignment]
            before = {name: _jsonable(getattr(contract, name)) for name in clean}
            for name, value in clean.items():
                setattr(contract, name, value)
            contract.save(update_fields=[*clean, "updated_at"])
            audit_record(
                actor=actor,
                action="contract.updated",
                obj=contract,
                commune=contract.commune,
                data={"before": before, "after": {name: _jsonable(value) for name, value in clean.items()}},
            )
    except IntegrityError as exc:
        raise _duplicate() from exc
    return contract


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def contract_publish(*, actor: User, contract: Contract) -> tuple[Contract, bool]:
    payload = {
        "type": "contract",
        "type_label": common.french(Contract._meta.verbose_name),
        "fiscal_year": contract.fiscal_year,
        "reference": contract.reference,
        "awardee": contract.awardee,
        "amount_xof": contract.amount_xof,
    }
    item, published = common.publish(actor=actor, item=contract, payload=payload)
    return item, published  # type: ignore[return-value]


def contract_withdraw(*, actor: User, contract: Contract, reason: str) -> Contract:
    return common.withdraw(actor=actor, item=contract, reason=reason)  # type: ignore[return-value]
