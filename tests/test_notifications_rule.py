"""The notification preference rule as a matrix (commune row / all-communes row / default × channel ×
enabled or digest), run through EVERY path that decides a preference, so that they cannot drift:

- the fan-out to a commune's followers (bulk ``INSERT … SELECT``),
- the fan-out to an event's named audience (a forum thread's followers), alone or with the commune's
  followers (a commitment's watchers and followers),
- the communes a ``/ws/me/`` socket listens to (``live_commune_ids``),
- what applies, as the preferences selector reports it (``preference_choices``),
- what the preferences page shows checked.

Each case is one follower; the expected decision is written by hand, not computed. SMS is a channel
like the others here: every follower can be reached by SMS (a phone, an SMS profile, the topics of
the events below), so only the preference decides; who SMS can reach at all is tested at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from hub.models import Commune, User
from notifications import selectors, services
from notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    PushSubscription,
    SmsProfile,
    SmsTopic,
    Status,
)
from tests.factories import CommuneFactory, FollowFactory
from tests.factories_notifications import OutboxEventFactory
from tests.test_notifications_pages import URL, FormFields

ON, OFF, DIGEST = "on", "off", "digest"
HERE, ELSEWHERE, ALL = "here", "elsewhere", "all"  # the commune of the event, another one, all communes


@dataclass(frozen=True)
class Row:
    scope: str
    enabled: bool = True
    daily_digest: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    channel: str
    rows: tuple[Row, ...]
    here: str  # what the user gets for the event's commune
    everywhere: str  # what the all-communes scope shows


CASES = [
    case
    for channel in Channel.values
    for case in (
        Case(f"{channel}: default", channel, (), ON, ON),
        Case(f"{channel}: all-communes off", channel, (Row(ALL, False),), OFF, OFF),
        Case(f"{channel}: all-communes on", channel, (Row(ALL, True),), ON, ON),
        Case(f"{channel}: commune off", channel, (Row(HERE, False),), OFF, ON),
        Case(f"{channel}: commune on", channel, (Row(HERE, True),), ON, ON),
        Case(f"{channel}: commune off beats all on", channel, (Row(HERE, False), Row(ALL, True)), OFF, ON),
        Case(f"{channel}: commune on beats all off", channel, (Row(HERE, True), Row(ALL, False)), ON, OFF),
        Case(f"{channel}: another commune's row is ignored", channel, (Row(ELSEWHERE, False),), ON, ON),
        Case(
            f"{channel}: another commune's row does not beat all",
            channel,
            (Row(ELSEWHERE, True), Row(ALL, False)),
            OFF,
            OFF,
        ),
    )
] + [
    Case("email: all-communes digest", Channel.EMAIL, (Row(ALL, True, True),), DIGEST, DIGEST),
    Case("email: commune digest", Channel.EMAIL, (Row(HERE, True, True),), DIGEST, ON),
    Case(
        "email: commune immediate beats all digest",
        Channel.EMAIL,
        (Row(HERE, True, False), Row(ALL, True, True)),
        ON,
        DIGEST,
    ),
    Case(
        "email: commune digest beats all off",
        Channel.EMAIL,
        (Row(HERE, True, True), Row(ALL, False)),
        DIGEST,
        OFF,
    ),
    Case(
        "email: commune off beats all digest",
        Channel.EMAIL,
        (Row(HERE, False), Row(ALL, True, True)),
        OFF,
        DIGEST,
    ),
    Case("email: a digest that is off is off", Channel.EMAIL, (Row(HERE, False, True),), OFF, ON),
    Case("email: another commune's digest is ignored", Channel.EMAIL, (Row(ELSEWHERE, True, True),), ON, ON),
]


@dataclass
class World:
    commune: Commune
    users: dict[str, User]  # case name -> its follower


def given_one_follower_per_case() -> World:
    """Every follower has an e-mail address, a push subscription and a phone receiving SMS on the
    topics of the events below, so only preferences decide."""
    commune, elsewhere = CommuneFactory(), CommuneFactory()
    users: dict[str, User] = {}
    for index, case in enumerate(CASES):
        user = FollowFactory(commune=commune, user__phone=f"+22901960{index:05d}").user
        FollowFactory(commune=elsewhere, user=user)
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example/{index}", p256dh="k", auth="a"
        )
        SmsProfile.objects.create(user=user)
        SmsTopic.objects.bulk_create([SmsTopic(user=user, topic=t) for t in ("document", "commitment")])
        for row in case.rows:
            NotificationPreference.objects.create(
                user=user,
                commune={HERE: commune, ELSEWHERE: elsewhere, ALL: None}[row.scope],
                channel=case.channel,
                enabled=row.enabled,
                daily_digest=row.daily_digest,
            )
        users[case.name] = user
    return World(commune, users)


# --- The paths, each answering {user_id: {channel: on/off/digest}} for the event's commune ----------

Decisions = dict[int, dict[str, str]]


def from_rows(event_id: int, world: World) -> Decisions:
    decided: Decisions = {user.pk: dict.fromkeys(Channel.values, OFF) for user in world.users.values()}
    for recipient_id, channel, status in Notification.objects.filter(event_id=event_id).values_list(
        "recipient_id", "channel", "status"
    ):
        decided[recipient_id][channel] = DIGEST if status == Status.DIGEST else ON
    return decided


def fan_out_to_followers(world: World) -> Decisions:
    event = OutboxEventFactory(commune=world.commune)
    services.outbox_event_fan_out(event_id=event.pk)
    return from_rows(event.pk, world)


def fan_out_to_an_audience(world: World) -> Decisions:
    """The answer to questions asked by SMS: the named users are reachable by SMS without the topic,
    and still only as their preference says."""
    named = [u.pk for u in world.users.values()]
    event = OutboxEventFactory(
        commune=world.commune,
        kind="session.question_answered",
        payload={"title": "t", "path": "/", "audience": {"user_ids": named, "sms": True}},
    )
    services.outbox_event_fan_out(event_id=event.pk)
    return from_rows(event.pk, world)


def fan_out_to_an_audience_and_the_followers(world: World) -> Decisions:
    """A commitment's news: half of the users named (its watchers), and the commune's followers (all
    of them here): every user decided once, by the same rule, whichever way they are reached."""
    named = [user.pk for user in world.users.values()][::2]
    event = OutboxEventFactory(
        commune=world.commune,
        kind="commitment.updated",
        payload={"title": "t", "path": "/", "audience": {"user_ids": named, "followers": True}},
    )
    services.outbox_event_fan_out(event_id=event.pk)
    return from_rows(event.pk, world)


def live_groups(world: World) -> Decisions:
    """Only in-app is decided here: whether the user's sockets hear the commune's publications."""
    return {
        user.pk: {
            Channel.IN_APP: ON if world.commune.pk in selectors.live_commune_ids(user_id=user.pk) else OFF
        }
        for user in world.users.values()
    }


def as_decision(channel: str, enabled: bool, daily_digest: bool) -> str:
    if not enabled:
        return OFF
    return DIGEST if channel == Channel.EMAIL and daily_digest else ON


def preference_choices(world: World, scope: str = HERE) -> Decisions:
    commune_id = world.commune.pk if scope == HERE else None
    decided: Decisions = {}
    for user in world.users.values():
        choices = selectors.preference_choices(user=user, commune_ids=[commune_id])
        decided[user.pk] = {
            channel: as_decision(channel, choice.enabled, choice.daily_digest)
            for (_commune, channel), choice in choices.items()
        }
    return decided


def preferences_page(world: World, prefix: str = "") -> Decisions:
    prefix = prefix or f"commune-{world.commune.pk}"
    decided: Decisions = {}
    for user in world.users.values():
        client = Client()
        client.force_login(user)
        form = FormFields(client.get(URL).content.decode())
        checked = form.submitted()
        # The page decides the channels it has a box for (SMS may have a page of its own).
        shown = {str(attrs.get("name")) for attrs in form.inputs}
        decided[user.pk] = {
            channel: as_decision(
                channel,
                f"{prefix}-{channel}" in checked,
                checked.get(f"{prefix}-email_frequency") == "daily",
            )
            for channel in Channel.values
            if f"{prefix}-{channel}" in shown
        }
    return decided


PATHS: list[Callable[[World], Decisions]] = [
    fan_out_to_followers,
    fan_out_to_an_audience,
    fan_out_to_an_audience_and_the_followers,
    live_groups,
    preference_choices,
    preferences_page,
]


def expected(world: World, decided: Decisions, scope: str = "here") -> tuple[dict[str, str], dict[str, str]]:
    """(what the path decided, what the case says) for every (case, channel) the path decides."""
    got, want = {}, {}
    for case in CASES:
        for channel, decision in decided[world.users[case.name].pk].items():
            key = f"{case.name} / {channel}"
            got[key] = decision
            want[key] = getattr(case, scope) if channel == case.channel else ON
    return got, want


@pytest.fixture
def push_on(settings):  # type: ignore[no-untyped-def]
    settings.VAPID_PUBLIC_KEY = "test-public-key"
    settings.VAPID_PRIVATE_KEY = "test-private-key"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.__name__)
def test_every_path_decides_every_case_alike(path, push_on):
    # given one follower per case of the matrix
    world = given_one_follower_per_case()
    # when the path decides for the commune of the event
    decided = path(world)
    # then it decides what the case says, channel by channel
    got, want = expected(world, decided)
    assert got == want


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [lambda w: preference_choices(w, scope=ALL), lambda w: preferences_page(w, prefix="all")],
    ids=["preference_choices", "preferences_page"],
)
def test_the_all_communes_scope_shows_the_all_communes_row_or_the_default(path, push_on):
    world = given_one_follower_per_case()
    got, want = expected(world, path(world), scope="everywhere")
    assert got == want


# --- Who can be reached at all (the same for both fan-outs) -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("audience", [False, True], ids=["followers", "audience"])
@pytest.mark.parametrize("vapid", [True, False], ids=["push-configured", "no-vapid-keys"])
def test_inactive_users_addressless_users_and_unsubscribed_browsers_are_skipped(settings, audience, vapid):
    # given an active follower with everything, one without e-mail, one without push, one inactive
    settings.VAPID_PRIVATE_KEY = "test-private-key" if vapid else ""
    commune = CommuneFactory()
    everything = FollowFactory(commune=commune).user
    phone_only = FollowFactory(commune=commune, user__email=None, user__phone="+2290197000002").user
    no_push = FollowFactory(commune=commune).user
    inactive = FollowFactory(commune=commune, user__is_active=False).user
    for index, user in enumerate([everything, phone_only, inactive]):
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example/{index}", p256dh="k", auth="a"
        )
    payload = {"title": "t", "path": "/"}
    if audience:
        payload["audience"] = {"user_ids": [everything.pk, phone_only.pk, no_push.pk, inactive.pk]}
    event = OutboxEventFactory(commune=commune, payload=payload)
    # when
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then
    rows = set(Notification.objects.filter(event=event).values_list("recipient_id", "channel"))
    push = {(everything.pk, Channel.PUSH), (phone_only.pk, Channel.PUSH)} if vapid else set()
    assert (
        rows
        == {
            (everything.pk, Channel.IN_APP),
            (everything.pk, Channel.EMAIL),
            (phone_only.pk, Channel.IN_APP),
            (no_push.pk, Channel.IN_APP),
            (no_push.pk, Channel.EMAIL),
        }
        | push
    )
    assert (result.in_app, result.email, result.push) == (3, 2, len(push))
    assert selectors.live_commune_ids(user_id=inactive.pk) == []


# --- Who SMS can reach (before any preference) --------------------------------------------------------


@pytest.mark.django_db
def test_sms_reaches_an_active_phone_with_a_profile_not_stopped_and_the_topic_or_named():
    # given followers of one commune, each missing (or not) one condition of SMS reach
    commune = CommuneFactory()

    def follower(phone: str | None, *, profile: bool = True, stopped: bool = False, topics=(), **extra):
        user = FollowFactory(commune=commune, user__phone=phone, **extra).user
        if profile:
            SmsProfile.objects.create(user=user, opted_out_at=timezone.now() if stopped else None)
        SmsTopic.objects.bulk_create([SmsTopic(user=user, topic=t) for t in topics])
        return user

    every_document = follower("+2290196100001", topics=["document"])
    this_type = follower("+2290196100002", topics=["document:budget_primitive"])
    other_type = follower("+2290196100003", topics=["document:municipal_order"])
    no_topic = follower("+2290196100004")
    stopped = follower("+2290196100005", stopped=True, topics=["document"])
    no_profile = follower("+2290196100006", profile=False, topics=["document"])
    no_phone = follower(None, topics=["document"])
    inactive = follower("+2290196100007", topics=["document"], user__is_active=False)
    event = OutboxEventFactory(
        commune=commune, payload={"title": "t", "path": "/", "type": "budget_primitive"}
    )
    # when a primitive budget is published
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then SMS rows (pending) for those who chose documents, or this type of document, only
    rows = set(
        Notification.objects.filter(event=event, channel=Channel.SMS).values_list("recipient_id", "status")
    )
    assert rows == {(every_document.pk, Status.PENDING), (this_type.pk, Status.PENDING)}
    assert result.sms == 2
    assert {other_type.pk, no_topic.pk, stopped.pk, no_profile.pk, no_phone.pk, inactive.pk}.isdisjoint(
        {recipient for recipient, _status in rows}
    )

    # when the answer to questions is announced to named users, asked by SMS for two of them
    answer = OutboxEventFactory(
        commune=commune,
        kind="session.question_answered",
        payload={"title": "t", "path": "/", "audience": {"user_ids": [no_topic.pk, stopped.pk], "sms": True}},
    )
    services.outbox_event_fan_out(event_id=answer.pk)
    # then the one not stopped gets it without the topic
    named = set(
        Notification.objects.filter(event=answer, channel=Channel.SMS).values_list("recipient_id", flat=True)
    )
    assert named == {no_topic.pk}

    # when an event with no SMS topic is fanned out (a forum reply), nobody gets an SMS
    reply = OutboxEventFactory(commune=commune, kind="forum.reply", payload={"title": "t", "path": "/"})
    services.outbox_event_fan_out(event_id=reply.pk)
    assert not Notification.objects.filter(event=reply, channel=Channel.SMS).exists()
