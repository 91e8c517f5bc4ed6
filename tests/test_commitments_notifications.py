"""Who is told about a commitment, end to end (services → outbox → fan-out → e-mail): the citizen who
asked, those who upvoted (or the proposal's author and supporters) and the commune's followers, each
person once per event and channel, with their preferences; the wording says what happened."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import services
from hub.models import OutboxEvent, Role
from notifications.models import Channel, Notification, NotificationPreference
from tests.factories import FollowFactory, MembershipFactory, UserFactory
from tests.factories_commitments import accepted_proposal, answered_question

pytestmark = pytest.mark.django_db


def in_app(kind: str) -> list[int]:
    return sorted(
        Notification.objects.filter(event__kind=kind, channel=Channel.IN_APP).values_list(
            "recipient_id", flat=True
        )
    )


def test_the_asker_the_upvoters_and_the_followers_are_each_told_once(django_capture_on_commit_callbacks):
    # given a question asked by a citizen who also follows the commune, upvoted by two citizens, a
    # follower of the commune, a bystander, and a mayor who follows the commune too
    question = answered_question(upvoters=2)
    commune = question.session.commune
    FollowFactory(commune=commune, user=question.author)
    follower = FollowFactory(commune=commune).user
    UserFactory()
    mayor = MembershipFactory(commune=commune, role=Role.MAYOR).user
    FollowFactory(commune=commune, user=mayor)
    upvoters = [v.pk for v in question.voters]
    # when the mayor makes the commitment, then marks it done (tasks run in-process here)
    with django_capture_on_commit_callbacks(execute=True):
        commitment = services.commitment_create_from_question(
            actor=mayor,
            commune=commune,
            question_id=question.pk,
            text="Curer les caniveaux d'Agla",
            due_on=timezone.localdate() + datetime.timedelta(days=20),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_post_update(actor=mayor, commitment=commitment, text="C'est fait.", status="done")
    # then each event reached the asker, the upvoters and the followers, once each (the mayor as a
    # follower of the commune, like any publication; never as a watcher)
    told = sorted([question.author_id, *upvoters, follower.pk, mayor.pk])
    assert in_app("commitment.created") == told and in_app("commitment.status") == told
    for kind in ("commitment.created", "commitment.status"):
        emails = Notification.objects.filter(event__kind=kind, channel=Channel.EMAIL)
        assert sorted(emails.values_list("recipient_id", flat=True)) == told
    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 0
    # and the e-mail says what happened, in the recipient's language
    to_asker = [m for m in mail.outbox if m.to == [question.author.email]]
    assert len(to_asker) == 2
    assert "Curer les caniveaux d'Agla" in to_asker[1].subject
    assert f"/engagements/{commitment.pk}/" in to_asker[1].body


def test_preferences_apply_to_watchers_like_to_followers(django_capture_on_commit_callbacks):
    # given an upvoter who switched e-mail off for this commune
    question = answered_question(upvoters=1)
    commune = question.session.commune
    upvoter = question.voters[0]
    NotificationPreference.objects.create(user=upvoter, commune=commune, channel=Channel.EMAIL, enabled=False)
    mayor = MembershipFactory(commune=commune, role=Role.MAYOR).user
    # when a commitment is made from the question
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_create_from_question(
            actor=mayor, commune=commune, question_id=question.pk, text="Engagement"
        )
    # then the upvoter is told in the app only
    assert upvoter.pk in in_app("commitment.created")
    assert not Notification.objects.filter(recipient=upvoter, channel=Channel.EMAIL).exists()


def test_a_proposals_author_and_supporters_are_told_of_each_update(django_capture_on_commit_callbacks):
    proposal = accepted_proposal(supporters=2)
    commune = proposal.commune
    sg = MembershipFactory(commune=commune, role=Role.SECRETARY_GENERAL).user
    with django_capture_on_commit_callbacks(execute=True):
        commitment = services.commitment_create_from_proposal(
            actor=sg, commune=commune, proposal_id=proposal.pk, text="Vingt poubelles"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_post_update(actor=sg, commitment=commitment, text="Commande passée", progress=30)
    expected = sorted([proposal.author_id, *(u.pk for u in proposal.supporters)])
    assert in_app("commitment.updated") == expected


def test_the_inbox_words_each_kind(django_capture_on_commit_callbacks):
    question = answered_question()
    commune = question.session.commune
    mayor = MembershipFactory(commune=commune, role=Role.MAYOR).user
    with django_capture_on_commit_callbacks(execute=True):
        commitment = services.commitment_create_from_question(
            actor=mayor, commune=commune, question_id=question.pk, text="Curer"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_post_update(
            actor=mayor, commitment=commitment, status="dropped", text="Abandonné"
        )
    client = APIClient()
    client.force_authenticate(question.author)
    listed = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [(n["kind"], n["type_label"], n["title"]) for n in listed] == [
        ("commitment.status", "Commitment dropped", "Curer"),
        ("commitment.created", "New commitment", "Curer"),
    ]
    french = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"]
    assert french[0]["type_label"] == "Engagement abandonné"
    assert french[1]["path"] == f"/engagements/{commitment.pk}/"
