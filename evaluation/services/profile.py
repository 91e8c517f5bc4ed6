"""A participant's own profile (who takes part): saved and deleted by the person, and by no one else.

The profile is optional and given by consent (issue 20): gender, age band, arrondissement and
disability, each with "prefer not to say". It is only ever read in aggregate, with small groups
suppressed (``evaluation/groups.py``); no page, API or admin screen shows one person's answers to
anyone but that person.

**Consent on every save.** Saving needs the person's explicit consent each time (the page's
checkbox, the API's ``"consent": true``): what they agree to share is the answers as they give them
now. So ``consented_at`` is the moment of the latest consent, refreshed on every save: it always
covers the answers the row holds, never older ones. A save without consent is refused and changes
nothing (a profile given before stays as it was).

**No trace.** Neither a save nor a deletion writes the audit log, a log line or any other record:
the answers are personal, and even "profile deleted" would tell who had given one. Staff never act
on a profile (there is no actor but the person), so the audit log, which records what staff do, has
nothing to say here. Deleting removes the row; nothing of it is kept. Deleting the account deletes
the profile too (``on_delete=CASCADE``).

**What is checked here** (the one place that writes, so the one that decides, whatever the caller
checked before): each answer is one of its choices; the arrondissement, when given, is an
arrondissement of an enabled commune. Rows are written with ``save()``/``delete()`` on the instance
so that model signals fire (content versions of the aggregate pages, ``hub/versions.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import AgeBand, Disability, Gender, ParticipantProfile
from hub.errors import InvalidInput
from hub.limits import ID_MAX
from hub.models import Arrondissement, User
from hub.selectors import signed_in

# Each answer, with its choices; absent from ``data``: "prefer not to say".
CHOICES: dict[str, list[str]] = {
    "gender": list(Gender.values),
    "age_band": list(AgeBand.values),
    "disability": list(Disability.values),
}
UNDISCLOSED = "undisclosed"


def _choice(data: Mapping[str, Any], field: str, errors: dict[str, list[str]]) -> str:
    value = data.get(field, UNDISCLOSED)
    if value is None or value == "":
        return UNDISCLOSED
    if not isinstance(value, str) or value not in CHOICES[field]:
        errors[field] = [_("Choose one of the answers offered.")]
        return UNDISCLOSED
    return value


def _arrondissement(data: Mapping[str, Any], errors: dict[str, list[str]]) -> Arrondissement | None:
    """The arrondissement chosen (``None``: not said), or an error when it is not one of an enabled
    commune's. Takes an id (an integer, or its digits as text, as a form sends it)."""
    value = data.get("arrondissement")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ID_MAX:
        errors["arrondissement"] = [_("Choose an arrondissement from the list.")]
        return None
    found = Arrondissement.objects.filter(pk=value, commune__is_enabled=True).first()
    if found is None:
        errors["arrondissement"] = [_("Choose an arrondissement from the list.")]
    return found


def save_profile(user: User, data: Mapping[str, Any]) -> tuple[ParticipantProfile, bool]:
    """Save ``user``'s answers, given with their consent: ``(profile, created)``.

    ``data``: ``gender``, ``age_band``, ``disability`` (one of their choices; absent, empty or
    ``None``: "prefer not to say"), ``arrondissement`` (an id, or ``None``: not said) and ``consent``
    (must be ``True``). The answers replace the previous ones entirely, and ``consented_at`` becomes
    now (see the module's docstring). Raises ``InvalidInput`` with ``fields`` (nothing saved) or
    ``NotAuthenticated`` (no signed-in, active account)."""
    user = signed_in(user)
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] = {field: _choice(data, field, errors) for field in CHOICES}
    answers["arrondissement"] = _arrondissement(data, errors)
    if data.get("consent") is not True:
        errors["consent"] = [_("Tick the box to give your agreement. Without it, nothing is saved.")]
    if errors:
        raise InvalidInput(_("Some fields are missing or invalid."), fields=errors)
    with transaction.atomic():
        # One row per person, even when two saves race (update_or_create locks the row, and
        # retries as an update when the other save created it first).
        profile, created = ParticipantProfile.objects.update_or_create(
            user=user, defaults={**answers, "consented_at": timezone.now()}
        )
    return profile, created


def delete_profile(user: User) -> bool:
    """Delete ``user``'s profile; whether there was one. Nothing of it is kept, nothing is logged
    (see the module's docstring)."""
    user = signed_in(user)
    with transaction.atomic():
        profile = ParticipantProfile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            return False
        profile.delete()
    return True
