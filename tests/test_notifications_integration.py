"""Notifications against real services: a real Celery worker killed mid-fan-out, and a real SMTP
server that is down at first. Needs PostgreSQL and Redis (CI has both; locally these skip)."""

import mailbox
import os
import signal
import sys
from email.header import decode_header, make_header

import pytest
from django.db import transaction

from hub.models import Follow, OutboxEvent, User
from hub.services.outbox import outbox_record
from notifications.models import Channel, Notification, Status
from tests.conftest import free_port, service_env, start_process, start_worker, wait_for
from tests.factories import CommuneFactory, FollowFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def publish(commune, key):
    payload = {
        "title": "Budget primitif 2026",
        "type": "budget",
        "type_label": "Budget",
        "path": "/",
        "fiscal_year": 2026,
    }
    with transaction.atomic():
        event, _created = outbox_record(
            kind="document.published", commune=commune, obj=commune, payload=payload, dedup_key=key
        )
    return event


def in_app_count(event):
    return Notification.objects.filter(event=event, channel=Channel.IN_APP).count()


def test_killing_the_worker_mid_fan_out_ends_with_exactly_one_notification_each(
    redis_required, postgres_required, exclusive_broker, tmp_path
):
    # given 20,000 followers (phone-only: this test is about in-app rows) and a slow, small-batch worker
    followers = 20_000
    commune = CommuneFactory()
    users = User.objects.bulk_create(
        User(phone=f"+22901{index:08d}", display_name=f"Abonné {index}", password="!")
        for index in range(followers)
    )
    Follow.objects.bulk_create(Follow(user=user, commune=commune) for user in users)
    env = service_env(tmp_path)
    env.update(NOTIFICATION_BATCH_SIZE="20", OUTBOX_REDRIVE_AFTER="0")
    first = start_worker(env, tmp_path / "first.log", "first")
    try:
        # when the publication commits and the worker is killed (SIGKILL) in the middle of the fan-out
        event = publish(commune, "kill-test")
        assert wait_for(lambda: in_app_count(event) >= 400, timeout=30), first.log()
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
        done_before_kill = in_app_count(event)
        assert 0 < done_before_kill < followers, "the fan-out finished before the kill: nothing was proven"
        event.refresh_from_db()
        assert event.processed_at is None
        # and a new worker re-drives what was left behind
        second = start_worker(env, tmp_path / "second.log", "second")
        try:
            from notifications.tasks import outbox_redrive

            outbox_redrive.apply_async()
            assert wait_for(
                lambda: OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=False).exists(),
                timeout=90,
            ), second.log()
        finally:
            second.stop()
    finally:
        first.stop()
    # then every follower holds exactly one in-app notification
    rows = Notification.objects.filter(event=event, channel=Channel.IN_APP)
    assert rows.count() == followers
    assert rows.values("recipient_id").distinct().count() == followers


def test_email_waits_for_smtp_to_come_back_and_never_blocks_in_app(
    redis_required, postgres_required, exclusive_broker, tmp_path
):
    # given followers with e-mail, and a worker whose SMTP server is down
    port = free_port()
    commune = CommuneFactory(name="Cotonou", slug="cotonou")
    FollowFactory.create_batch(3, commune=commune, user__preferred_language="fr")
    env = service_env(tmp_path)
    env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="0",
    )
    worker = start_worker(env, tmp_path / "worker.log", "smtp")
    smtp = None
    try:
        # when a publication commits
        event = publish(commune, "smtp-test")
        # then in-app notifications are there at once, and the e-mails wait with the error recorded
        assert wait_for(lambda: in_app_count(event) == 3, timeout=20), worker.log()
        emails = Notification.objects.filter(event=event, channel=Channel.EMAIL)
        assert wait_for(lambda: all(n.attempts >= 1 for n in emails.all()), timeout=20), worker.log()
        assert all(n.status == Status.PENDING and "Connection refused" in n.last_error for n in emails.all())
        # when the SMTP server comes up, the retry with backoff delivers them
        maildir = tmp_path / "maildir"
        smtp = start_process(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            env,
            tmp_path / "smtp.log",
        )
        assert wait_for(lambda: emails.filter(status=Status.SENT).count() == 3, timeout=60), worker.log()
        messages = list(mailbox.Maildir(maildir, create=False))
        assert len(messages) == 3
        assert all(" ".join(str(m["List-Unsubscribe"]).split()).startswith("<http") for m in messages)
        subject = str(make_header(decode_header(str(messages[0]["Subject"]))))
        assert subject == "Cotonou : Budget primitif 2026"
    finally:
        worker.stop()
        if smtp is not None:
            smtp.stop()
