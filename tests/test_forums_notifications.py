"""Thread followers are notified through the notification system: replies and official answers
reach followers (authors and supporters follow automatically; anyone may follow or stop), never
the writer; preferences apply; the wording says what happened. The last test uses a real worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from rest_framework.test import APIClient

from forums import services
from hub.models import OutboxEvent
from hub.services.outbox import outbox_record
from notifications.models import Channel, Notification, NotificationPreference
from tests.conftest import wait_for
from tests.factories import CommuneFactory
from tests.factories_forums import CategoryFactory, phone_only_veteran, staff, veteran


def a_thread(author):
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    return services.thread_create(
        actor=author,
        commune=commune,
        category=CategoryFactory(commune=commune),
        title="Des poubelles au marché",
        body="b",
        kind="proposal",
    )


def recipients(kind, channel=Channel.IN_APP):
    return set(
        Notification.objects.filter(event__kind=kind, channel=channel).values_list("recipient_id", flat=True)
    )


@pytest.mark.django_db
def test_followers_get_a_reply_notification_and_the_writer_does_not(django_capture_on_commit_callbacks):
    # given an author, a supporter, a citizen who follows by hand then stops, and one who follows
    author, supporter, quitter, follower = veteran(), veteran(), veteran(), veteran()
    thread = a_thread(author)
    services.support_set(actor=supporter, thread=thread, supported=True)
    services.follow_set(actor=quitter, thread=thread, following=True)
    services.follow_set(actor=quitter, thread=thread, following=False)
    api = APIClient()
    api.force_authenticate(follower)
    assert api.post(f"/api/v1/forum/threads/{thread.pk}/follow/").json() == {"following": True}
    # when the supporter replies (tasks run in-process here)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(actor=supporter, thread=thread, body="Bonne idée")
    # then the author and the follower are notified in the app and by e-mail; not the writer
    assert recipients("forum.reply") == {author.pk, follower.pk}
    assert recipients("forum.reply", Channel.EMAIL) == {author.pk, follower.pk}
    assert OutboxEvent.objects.get(kind="forum.reply").processed_at is not None
    texts = {m.to[0]: m.body for m in mail.outbox}
    assert set(texts) == {author.email, follower.email}
    assert "Des poubelles au marché" in texts[author.email]
    assert "discussion" in texts[author.email]
    # and the notification list words it as a reply
    listed = api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert listed["kind"] == "forum.reply" and listed["title"] == "Des poubelles au marché"
    assert listed["path"].startswith(f"/forum/sujets/{thread.pk}/#message-")


@pytest.mark.django_db
def test_the_official_answer_notifies_followers_and_preferences_apply(django_capture_on_commit_callbacks):
    # given an author who switched off in-app notifications for the commune, and a supporter
    author, supporter = veteran(), veteran()
    thread = a_thread(author)
    NotificationPreference.objects.create(
        user=author, commune=thread.commune, channel=Channel.IN_APP, enabled=False
    )
    services.support_set(actor=supporter, thread=thread, supported=True)
    # when the mayor answers officially
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(actor=staff(thread.commune), thread=thread, body="Accepté", official=True)
    # then
    assert recipients("forum.answer") == {supporter.pk}
    assert recipients("forum.answer", Channel.EMAIL) == {author.pk, supporter.pk}
    assert any("town hall" in m.body or "mairie" in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_session_kinds_and_publications_read_right(django_capture_on_commit_callbacks):
    # given a follower of a commune and events of the live-sessions app and of publications
    from tests.factories import FollowFactory

    commune = CommuneFactory(slug="ouidah", name="Ouidah")
    follower = FollowFactory(commune=commune, user__preferred_language="en").user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_record(
            kind="session.scheduled",
            commune=commune,
            obj=commune,
            payload={"title": "Conseil municipal", "path": "/sessions/1/"},
            dedup_key="session.scheduled.1",
        )
        outbox_record(
            kind="document.published",
            commune=commune,
            obj=follower,
            payload={"title": "Budget 2026", "type_label": "Budget", "path": "/", "fiscal_year": 2026},
            dedup_key="doc.1",
        )
    api = APIClient()
    api.force_authenticate(follower)
    labels = {
        n["kind"]: n["type_label"]
        for n in api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    }
    assert labels == {"session.scheduled": "Live session scheduled", "document.published": "Budget"}
    bodies = {m.subject: m.body for m in mail.outbox}
    session_mail = next(body for subject, body in bodies.items() if "Conseil municipal" in subject)
    assert "has just published" not in session_mail
    budget_mail = next(body for subject, body in bodies.items() if "Budget 2026" in subject)
    assert "Budget 2026 — Budget 2026" in budget_mail


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_reply_reaches_a_follower_through_the_real_worker(celery_worker):
    # given a thread whose author follows it, and a real worker on the Redis broker
    # (a phone-only author: no e-mail lands in the worker's mail box that later tests read)
    author = phone_only_veteran()
    thread = a_thread(author)
    # when another citizen replies (the outbox task goes to the broker after commit)
    services.post_create(actor=veteran(), thread=thread, body="Je soutiens")
    # then the worker process creates the author's notification
    found = wait_for(lambda: recipients("forum.reply") == {author.pk}, timeout=30)
    assert found, celery_worker.runner.log()


@pytest.mark.django_db
def test_a_proposal_status_change_tells_its_author_and_supporters_once(django_capture_on_commit_callbacks):
    # given a proposal supported by two citizens, one of whom is on the commune's staff
    author, supporter = veteran(), veteran()
    thread = a_thread(author)
    mayor = staff(thread.commune)
    services.support_set(actor=supporter, thread=thread, supported=True)
    services.support_set(actor=mayor, thread=thread, supported=True)
    services.follow_set(actor=veteran(), thread=thread, following=True)  # follows, does not support
    # when the mayor accepts it
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_status_set(actor=mayor, thread=thread, proposal_status="accepted")
    # then the author and the supporters are told once each, never the writer nor mere followers
    assert recipients("forum.proposal_status") == {author.pk, supporter.pk}
    event = OutboxEvent.objects.get(kind="forum.proposal_status")
    assert event.payload["proposal_status"] == "accepted" and event.processed_at is not None
    # and the inbox says which status, in the reader's language
    api = APIClient()
    api.force_authenticate(author)
    listed = api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert listed["type_label"] == "Proposition acceptée" and listed["title"] == "Des poubelles au marché"
    # when the same status is set again, or only the thread's status changes, nobody is told again
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_status_set(actor=mayor, thread=thread, proposal_status="accepted")
        services.thread_status_set(actor=mayor, thread=thread, status="closed")
    assert OutboxEvent.objects.filter(kind="forum.proposal_status").count() == 1
    # and a later change is a new notification
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_status_set(actor=mayor, thread=thread, proposal_status="carried_out")
    assert (
        Notification.objects.filter(
            event__kind="forum.proposal_status", recipient=author, channel=Channel.IN_APP
        ).count()
        == 2
    )
