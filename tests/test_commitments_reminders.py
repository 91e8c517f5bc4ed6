"""Reminders to the staff responsible (Celery beat, once a day): a commitment due within
``COMMITMENTS_REMINDER_DAYS`` days, and one overdue, each reminded exactly once, whatever the number
of runs or of workers running at once; a new due date makes them due again. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import close_old_connections
from django.utils import timezone

from commitments import services
from commitments.models import Commitment
from commitments.tasks import commitment_reminders_send
from hub.models import OutboxEvent, Role
from notifications.models import Channel, Notification
from tests.factories import CommuneFactory, MembershipFactory
from tests.factories_commitments import CommitmentFactory
from workers.celery import app as celery_app

TASK = "commitments.tasks.reminders_send"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def reminders(kind: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(kind=kind).order_by("id"))


def given_a_commune_and_its_staff():  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    people = {
        role: MembershipFactory(commune=commune, role=role).user
        for role in (Role.MAYOR, Role.SECRETARY_GENERAL, Role.DEPUTY_MAYOR, Role.COMMUNICATION_OFFICER)
    }
    MembershipFactory(role=Role.MAYOR)  # another commune's mayor
    return commune, people


@pytest.mark.django_db
def test_a_commitment_due_soon_reminds_the_mayor_the_sg_and_the_owner_role_once(
    django_capture_on_commit_callbacks,
):
    # given commitments due in 3 days (owned by the deputy mayor), in 30 days, done, dropped, undated
    commune, people = given_a_commune_and_its_staff()
    soon = CommitmentFactory(commune=commune, due_on=in_days(3), owner_role=Role.DEPUTY_MAYOR)
    CommitmentFactory(commune=commune, due_on=in_days(30))
    CommitmentFactory(commune=commune, due_on=in_days(2), status="done")
    CommitmentFactory(commune=commune, due_on=in_days(2), status="dropped")
    CommitmentFactory(commune=commune, due_on=None)
    # when beat runs the task (in-process here), twice
    with django_capture_on_commit_callbacks(execute=True):
        first = commitment_reminders_send.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = commitment_reminders_send.apply().get()
    # then one reminder, to the mayor, the secretary-general and the deputy mayor (its owner role)
    assert first == {"due_soon": 1, "overdue": 0} and second == {"due_soon": 0, "overdue": 0}
    [event] = reminders("commitment.due_soon")
    expected = sorted(people[r].pk for r in (Role.MAYOR, Role.SECRETARY_GENERAL, Role.DEPUTY_MAYOR))
    assert event.payload["audience"] == {"user_ids": expected} and event.object_id == str(soon.pk)
    told = Notification.objects.filter(event=event, channel=Channel.IN_APP).values_list(
        "recipient_id", flat=True
    )
    assert sorted(told) == expected
    assert Commitment.objects.get(pk=soon.pk).due_soon_reminded_at is not None


@pytest.mark.django_db
def test_an_overdue_commitment_reminds_once_and_not_as_due_soon():
    commune, people = given_a_commune_and_its_staff()
    late = CommitmentFactory(commune=commune, due_on=in_days(-1), status="in_progress")
    today = CommitmentFactory(commune=commune, due_on=in_days(0))
    run = services.reminders_send()
    again = services.reminders_send()
    assert (run.due_soon, run.overdue) == (1, 1) and (again.due_soon, again.overdue) == (0, 0)
    assert [e.object_id for e in reminders("commitment.overdue")] == [str(late.pk)]
    assert [e.object_id for e in reminders("commitment.due_soon")] == [str(today.pk)]
    assert (
        people[Role.COMMUNICATION_OFFICER].pk
        not in reminders("commitment.overdue")[0].payload["audience"]["user_ids"]
    )


@pytest.mark.django_db
def test_the_window_is_a_setting_and_a_new_due_date_reminds_again(settings):
    # given a window of 10 days and a commitment due in 9
    settings.COMMITMENTS_REMINDER_DAYS = 10
    commune, people = given_a_commune_and_its_staff()
    commitment = CommitmentFactory(commune=commune, due_on=in_days(9))
    assert services.reminders_send().due_soon == 1
    # when the mayor moves the due date, then the reminder is due again for the new date
    services.commitment_update(
        actor=people[Role.MAYOR], commitment=commitment, changes={"due_on": in_days(5)}
    )
    assert services.reminders_send().due_soon == 1
    assert [e.payload["due_on"] for e in reminders("commitment.due_soon")] == [
        in_days(9).isoformat(),
        in_days(5).isoformat(),
    ]
    # and a later day sends nothing more
    assert services.reminders_send(on=in_days(2)).due_soon == 0


@pytest.mark.django_db
def test_the_count_is_of_reminders_sent_not_of_due_dates_already_reminded(settings):
    # given a commitment reminded for its due date in 9 days, then moved to 5 days and back to 9
    # before the next run (each change clears the reminder columns)
    settings.COMMITMENTS_REMINDER_DAYS = 10
    commune, people = given_a_commune_and_its_staff()
    moved = CommitmentFactory(commune=commune, due_on=in_days(9))
    assert services.reminders_send().due_soon == 1
    for due_on in (in_days(5), in_days(9)):
        services.commitment_update(actor=people[Role.MAYOR], commitment=moved, changes={"due_on": due_on})
    # and a new commitment due soon
    fresh = CommitmentFactory(commune=commune, due_on=in_days(4))
    # when the reminders run
    run = services.reminders_send()
    # then only the new commitment's reminder is sent and counted: the moved one's due date already
    # had its reminder, which stands alone
    assert (run.due_soon, run.overdue) == (1, 0)
    assert [(e.object_id, e.payload["due_on"]) for e in reminders("commitment.due_soon")] == [
        (str(moved.pk), in_days(9).isoformat()),
        (str(fresh.pk), in_days(4).isoformat()),
    ]
    assert Commitment.objects.get(pk=moved.pk).due_soon_reminded_at is not None
    # and a further run sends and counts nothing
    again = services.reminders_send()
    assert (again.due_soon, again.overdue) == (0, 0)


@pytest.mark.django_db
def test_a_commune_without_staff_marks_the_reminder_without_an_event():
    commitment = CommitmentFactory(due_on=in_days(1))
    assert services.reminders_send().due_soon == 0
    assert Commitment.objects.get(pk=commitment.pk).due_soon_reminded_at is not None
    assert not OutboxEvent.objects.exists()


def test_beat_runs_the_reminders_once_a_day():
    assert celery_app.tasks[TASK].name == commitment_reminders_send.name == TASK
    entry = next(e for e in celery_app.conf.beat_schedule.values() if e["task"] == TASK)
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}


@pytest.mark.django_db(transaction=True)
def test_runs_at_the_same_time_send_each_reminder_once():
    # given twenty commitments due soon and ten overdue, and the commune's mayor
    commune = CommuneFactory()
    MembershipFactory(commune=commune, role=Role.MAYOR)
    CommitmentFactory.create_batch(20, commune=commune, due_on=in_days(2))
    CommitmentFactory.create_batch(10, commune=commune, due_on=in_days(-3))
    results, errors = [], []
    start = threading.Barrier(4)

    def run() -> None:
        try:
            start.wait()
            results.append(services.reminders_send())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()

    # when four workers run the task at once
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each commitment was reminded once, and the runs' counts add up to that
    assert errors == []
    assert len(reminders("commitment.due_soon")) == 20 and len(reminders("commitment.overdue")) == 10
    assert sum(r.due_soon for r in results) == 20 and sum(r.overdue for r in results) == 10
