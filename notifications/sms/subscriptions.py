"""Who receives which alerts by SMS: the topics a person chose, STOP and its undoing.

The web page and the SUIVRE keyword call the same services. Topics are the strings the fan-out
matches (``notifications.preferences.sms_reachable_sql``): ``document`` (every type) or
``document:<type>``, ``contract``, ``agenda``, ``session``, ``answer``, ``commitment``, ``poll``.
The document types are the publications app's ``DocumentType`` values, listed here because this app
must not import that one (layers); ``tests/test_sms_alerts.py`` checks the two lists agree.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import InvalidInput
from hub.models import User
from notifications.sms.models import SmsProfile, SmsTopic

TOPICS = ("document", "contract", "agenda", "session", "answer", "commitment", "poll")
DOCUMENT_TYPES = (
    "budget_primitive",
    "budget_amending",
    "administrative_account",
    "annual_work_plan",
    "development_plan",
    "council_deliberation",
    "council_minutes",
    "municipal_order",
    "activity_report",
    "accountability_session",
    "other",
)
# What a first SUIVRE turns on: what a citizen following a commune by SMS most likely wants.
DEFAULT_TOPICS = ("document", "session", "answer", "commitment", "poll")
TOPICS_MAX = len(TOPICS) + len(DOCUMENT_TYPES)


def topic_valid(topic: str) -> bool:
    if topic in TOPICS:
        return True
    prefix, _sep, kind = topic.partition(":")
    return prefix == "document" and kind in DOCUMENT_TYPES


def sms_topics_get(*, user: User) -> list[str]:
    return sorted(SmsTopic.objects.filter(user=user).values_list("topic", flat=True))


def sms_topics_set(*, user: User, topics: list[str]) -> list[str]:
    """Replace the user's topics with ``topics`` (each a known topic); returns them, sorted."""
    if not isinstance(topics, list) or len(topics) > TOPICS_MAX:
        raise InvalidInput(fields={"topics": [_("A list of SMS topics.")]})
    unknown = [t for t in topics if not isinstance(t, str) or not topic_valid(t)]
    if unknown:
        raise InvalidInput(
            fields={"topics": [_("Unknown SMS topic: %(topic)s.") % {"topic": str(unknown[0])[:48]}]}
        )
    wanted = set(topics)
    with transaction.atomic():
        SmsTopic.objects.filter(user=user).exclude(topic__in=wanted).delete()
        have = set(SmsTopic.objects.filter(user=user).values_list("topic", flat=True))
        SmsTopic.objects.bulk_create(
            [SmsTopic(user=user, topic=t) for t in sorted(wanted - have)], ignore_conflicts=True
        )
    return sorted(wanted)


def sms_profile_for(*, user: User, created_by_sms: bool = False) -> SmsProfile:
    profile, _created = SmsProfile.objects.get_or_create(
        user=user, defaults={"created_by_sms": created_by_sms}
    )
    return profile


def sms_subscribe(*, user: User) -> SmsProfile:
    """Receive SMS again (or for the first time): STOP is undone; a person with no topic yet gets the
    default ones. Needs a phone number on the account."""
    if not user.phone:
        raise InvalidInput(fields={"phone": [_("Add a phone number to your account to receive SMS.")]})
    with transaction.atomic():
        profile = sms_profile_for(user=user)
        profile = SmsProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.opted_out_at is not None:
            profile.opted_out_at = None
            profile.save(update_fields=["opted_out_at", "updated_at"])
        if not SmsTopic.objects.filter(user=user).exists():
            SmsTopic.objects.bulk_create(
                [SmsTopic(user=user, topic=t) for t in DEFAULT_TOPICS], ignore_conflicts=True
            )
    return profile


def sms_stop(*, user: User) -> tuple[SmsProfile, bool]:
    """STOP: nothing more is sent to the number. Returns (profile, whether it was receiving until now)."""
    with transaction.atomic():
        profile = sms_profile_for(user=user)
        profile = SmsProfile.objects.select_for_update().get(pk=profile.pk)
        was_receiving = profile.opted_out_at is None
        if was_receiving:
            profile.opted_out_at = timezone.now()
            profile.save(update_fields=["opted_out_at", "updated_at"])
    return profile, was_receiving
