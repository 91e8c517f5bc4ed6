"""One event for a named audience AND the commune's followers (``audience: {"user_ids": [...],
"followers": true}``, a commitment's news): each person gets one notification per channel whichever
way they are reached, under the one preference rule; a re-run adds, counts and announces nothing;
the live badge is told once per person (the followers' group once, the named non-followers each on
their own group). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from hub.models import OutboxEvent
from notifications import services
from notifications.models import Channel, Notification, NotificationPreference
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import OutboxEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """The live events the fan-out registers: per user, and to a commune's followers' group."""
    sent: dict[str, list[Any]] = {"users": [], "followers": []}
    monkeypatch.setattr(
        services, "send_to_user_on_commit", lambda user_id, event, data: sent["users"].append(user_id)
    )
    monkeypatch.setattr(
        services, "notification_new_on_commit", lambda commune_id, data: sent["followers"].append(commune_id)
    )
    return sent


def rows(event: OutboxEvent, channel: str = Channel.IN_APP) -> list[int]:
    return sorted(
        Notification.objects.filter(event=event, channel=channel).values_list("recipient_id", flat=True)
    )


def given_watchers_and_followers():  # type: ignore[no-untyped-def]
    """A commune; a watcher who follows it, one who does not; a follower only; a bystander."""
    commune = CommuneFactory()
    following_watcher = FollowFactory(commune=commune).user
    watcher = UserFactory()
    follower = FollowFactory(commune=commune).user
    UserFactory()  # neither
    FollowFactory()  # follows another commune
    return commune, following_watcher, watcher, follower


def event_for(commune, user_ids, followers=True):  # type: ignore[no-untyped-def]
    return OutboxEventFactory(
        commune=commune,
        kind="commitment.status",
        payload={
            "title": "Curer les caniveaux",
            "path": "/engagements/1/",
            "status": "done",
            "audience": {"user_ids": user_ids, "followers": followers},
        },
    )


def test_the_named_users_and_the_followers_each_get_one_notification_per_channel(live):
    # given two watchers (one follows the commune) and a follower
    commune, following_watcher, watcher, follower = given_watchers_and_followers()
    event = event_for(commune, [following_watcher.pk, watcher.pk, watcher.pk])
    # when the event is fanned out
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then each of the three has one in-app and one e-mail notification, nobody else any
    everyone = sorted([following_watcher.pk, watcher.pk, follower.pk])
    assert rows(event) == everyone and rows(event, Channel.EMAIL) == everyone
    assert (result.followers, result.in_app, result.email) == (3, 3, 3)
    # and the live badge: one broadcast to the followers' group, and the watcher who does not follow
    # on their own group (the following watcher hears the group, not a second event)
    assert live["followers"] == [commune.pk] and live["users"] == [watcher.pk]
    event.refresh_from_db()
    assert event.processed_at is not None


def test_a_rerun_adds_counts_and_announces_nothing(live):
    commune, following_watcher, watcher, _follower = given_watchers_and_followers()
    event = event_for(commune, [following_watcher.pk, watcher.pk])
    services.outbox_event_fan_out(event_id=event.pk)
    live["users"].clear()
    live["followers"].clear()
    # when the event is driven again after its mark was lost (a re-drive)
    OutboxEvent.objects.filter(pk=event.pk).update(processed_at=None)
    again = services.outbox_event_fan_out(event_id=event.pk)
    # then nothing more exists, is counted or is announced to a user (the run that marks the event
    # sends the group's one broadcast again, as for any re-marked publication)
    assert Notification.objects.filter(event=event, channel=Channel.IN_APP).count() == 3
    assert (again.in_app, again.email) == (0, 0) and live["users"] == []


def test_preferences_decide_for_the_named_users_as_for_the_followers(live):
    # given a watcher and a follower who both switched in-app off for this commune, and a watcher who
    # takes e-mail as a daily digest
    commune, following_watcher, watcher, follower = given_watchers_and_followers()
    for user in (following_watcher, follower):
        NotificationPreference.objects.create(
            user=user, commune=commune, channel=Channel.IN_APP, enabled=False
        )
    NotificationPreference.objects.create(user=watcher, channel=Channel.EMAIL, daily_digest=True)
    event = event_for(commune, [following_watcher.pk, watcher.pk])
    # when
    services.outbox_event_fan_out(event_id=event.pk)
    # then
    assert rows(event) == [watcher.pk]
    statuses = dict(
        Notification.objects.filter(event=event, channel=Channel.EMAIL).values_list("recipient_id", "status")
    )
    assert statuses == {following_watcher.pk: "pending", watcher.pk: "digest", follower.pk: "pending"}
    assert live["users"] == [watcher.pk]


def test_without_followers_only_the_named_users_are_told(live):
    commune, following_watcher, watcher, _follower = given_watchers_and_followers()
    event = event_for(commune, [following_watcher.pk, watcher.pk], followers=False)
    result = services.outbox_event_fan_out(event_id=event.pk)
    assert rows(event) == sorted([following_watcher.pk, watcher.pk]) and result.followers == 2
    assert live["followers"] == [] and sorted(live["users"]) == sorted([following_watcher.pk, watcher.pk])


@pytest.mark.parametrize("followers", ["true", 1, None])
def test_only_a_true_followers_flag_adds_the_followers(followers, live):
    commune, _following_watcher, watcher, follower = given_watchers_and_followers()
    event = event_for(commune, [watcher.pk], followers=followers)
    services.outbox_event_fan_out(event_id=event.pk)
    assert follower.pk not in rows(event)


def test_an_empty_named_list_with_followers_tells_the_followers(live):
    commune, following_watcher, _watcher, follower = given_watchers_and_followers()
    event = event_for(commune, [])
    services.outbox_event_fan_out(event_id=event.pk)
    assert rows(event) == sorted([following_watcher.pk, follower.pk]) and live["users"] == []
