"""Beat's schedule on the embedded defaults (hub/scheduler.py): entries are due by Celery's own
schedule objects, each due entry runs once and moves on to its next time, a failing task does not
stop the others, and a scheduled task run this way does its work (eagerly, in-process)."""

from __future__ import annotations

import datetime

import pytest
from celery.beat import ScheduleEntry
from celery.schedules import crontab, schedule
from django.utils import timezone

from commitments.models import Commitment
from hub import scheduler
from hub.models import OutboxEvent, Role
from tests.factories import CommuneFactory, MembershipFactory
from tests.factories_commitments import CommitmentFactory
from workers.celery import app


def entry(name: str, every: schedule | crontab, last_run: datetime.datetime) -> ScheduleEntry:
    return ScheduleEntry(name=name, task=f"tests.{name}", schedule=every, app=app, last_run_at=last_run)


def test_the_entries_are_beats_schedule_and_nothing_is_due_at_start_up():
    entries = scheduler.entries(app)
    assert {e.name for e in entries} == set(app.conf.beat_schedule)
    assert not any(e.is_due()[0] for e in entries)


def test_a_due_entry_runs_once_and_moves_on_to_its_next_time():
    now = app.now()
    minute = entry("minute", schedule(datetime.timedelta(seconds=60)), now - datetime.timedelta(seconds=61))
    daily = entry("daily", crontab(minute=30, hour=7), now - datetime.timedelta(days=2))
    later = entry("later", schedule(datetime.timedelta(hours=1)), now)
    ran: list[str] = []

    following, wait = scheduler.run_due([minute, daily, later], ran.append)
    again, _ = scheduler.run_due(following, ran.append)

    assert ran == ["tests.minute", "tests.daily"]  # once each, not again in the next round
    assert [e.name for e in again] == ["minute", "daily", "later"]
    assert 0.5 <= wait <= scheduler.MAX_SLEEP_SECONDS


def test_a_failing_task_does_not_stop_the_others():
    past = app.now() - datetime.timedelta(hours=2)
    entries = [entry(n, schedule(datetime.timedelta(minutes=1)), past) for n in ("boom", "fine")]
    ran: list[str] = []

    def run(name: str) -> None:
        ran.append(name)
        if name == "tests.boom":
            raise RuntimeError("the task failed")

    following, _ = scheduler.run_due(entries, run)

    assert ran == ["tests.boom", "tests.fine"]
    assert not any(e.is_due()[0] for e in following)


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_task_does_its_work_in_process():
    # given a commitment due tomorrow in a commune with a mayor
    commune = CommuneFactory()
    MembershipFactory(commune=commune, role=Role.MAYOR)
    commitment = CommitmentFactory(commune=commune, due_on=timezone.localdate() + datetime.timedelta(days=1))
    # when the schedule runs the reminders' entry
    scheduler.run_task(app, app.conf.beat_schedule["commitment-reminders"]["task"])
    # then the reminder went out once
    assert OutboxEvent.objects.filter(kind="commitment.due_soon", object_id=str(commitment.pk)).count() == 1
    assert Commitment.objects.get(pk=commitment.pk).due_soon_reminded_at is not None


def test_it_is_off_unless_serve_turns_it_on_and_tasks_are_in_process(monkeypatch, settings):
    monkeypatch.delenv(scheduler.ENV_FLAG, raising=False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert not scheduler.enabled()
    monkeypatch.setenv(scheduler.ENV_FLAG, "1")
    assert scheduler.enabled()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # with a broker, beat runs the schedule
    assert not scheduler.enabled()


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    assert {item["task"] for item in app.conf.beat_schedule.values()} <= set(app.tasks)
