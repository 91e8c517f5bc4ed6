"""How long SMS alerts take to prepare and hand to the operator when a commune publishes.

Stack: its own PostgreSQL database (``BENCH_DATABASE_URL``, default ``cp_bench_sms``, created,
migrated and loaded with the communes if missing), Redis database 7 for the cache; tasks run in this
process, one after the other, so each step is timed alone (with a worker, the same calls run there).

1. Creates (once, then reuses) ``--subscribers`` citizens with a Benin phone number who follow Cotonou
   and chose SMS alerts for documents; gives Cotonou a budget large enough for all of them.
2. Publishes a primitive budget (an outbox event), then times, each once per run:
   the fan-out (``outbox_event_fan_out``: the SMS notification rows, with the other channels'),
   ``sms_alerts_queue`` (one ``SmsMessage`` per row: opt-out, daily limit, budget, text), and
   ``sms_send_queued`` with the local transport (claiming and recording; no operator).
3. Prints each step's time, per 1,000 messages, and the queries of ``sms_alerts_queue`` per message.

Usage:
    .venv/bin/python bench/sms_alerts.py                     # 5,000 subscribers, 3 runs
    .venv/bin/python bench/sms_alerts.py --subscribers 20000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _live_common import ensure_database

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench_sms")


def environment() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DATABASE_URL=DB_URL,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        KEY_PREFIX="cpbench-sms",
        VAR_DIR="/tmp/communesplus-bench/sms",
        SECRET_KEY="communesplus-sms-bench-not-secret-" + "x" * 20,
        LOG_LEVEL="WARNING",
        SMS_URL="",
        SMS_OUTBOUND_PER_DAY="1000",
    )


def django_ready() -> None:
    ensure_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command

    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()


def subscribers(count: int) -> int:
    from hub.models import Commune, Follow, User
    from notifications.models import SmsCommuneSettings, SmsProfile, SmsTopic

    cotonou = Commune.objects.get(slug="cotonou")
    existing = User.objects.filter(phone__startswith="+22901960").count()
    users = [
        User(phone=f"+22901960{n:05d}", display_name="", preferred_language="fr")
        for n in range(existing, count)
    ]
    for user in users:
        user.set_unusable_password()
    created = User.objects.bulk_create(users, batch_size=2000)
    Follow.objects.bulk_create([Follow(user=u, commune=cotonou) for u in created], batch_size=2000)
    SmsProfile.objects.bulk_create([SmsProfile(user=u) for u in created], batch_size=2000)
    SmsTopic.objects.bulk_create([SmsTopic(user=u, topic="document") for u in created], batch_size=2000)
    SmsCommuneSettings.objects.update_or_create(commune=cotonou, defaults={"monthly_budget_xof": 10**9})
    return User.objects.filter(phone__startswith="+22901960").count()


def one_run(number: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.models import Commune
    from hub.services.outbox import outbox_record
    from notifications import services
    from notifications.models import SmsMessage
    from notifications.sms import alerts, sending

    cotonou = Commune.objects.get(slug="cotonou")
    SmsMessage.objects.all().delete()  # a fresh month's spending and daily limits each run
    stamp = time.time_ns()
    event, _ = outbox_record(
        kind="document.published",
        commune=cotonou,
        obj=cotonou,
        payload={"type": "budget_primitive", "title": f"Budget primitif {number}", "path": "/"},
        dedup_key=f"bench-sms:{stamp}",
    )
    started = time.perf_counter()
    services.outbox_event_fan_out(event_id=event.pk)
    fan_out = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        queued = alerts.sms_alerts_queue(event_id=event.pk)
        queue = time.perf_counter() - started
    started = time.perf_counter()
    sent = 0
    while True:
        batch = sending.sms_send_queued()
        if not batch:
            break
        sent += batch
    send = time.perf_counter() - started
    return {
        "messages": queued,
        "sent": sent,
        "fan_out": fan_out,
        "queue": queue,
        "send": send,
        "queries_per_message": len(queries) / max(queued, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    environment()
    django_ready()
    from django.conf import settings

    settings.DEBUG = False
    total = subscribers(args.subscribers)
    print(f"{total} SMS subscribers of Cotonou (documents), local transport, PostgreSQL")
    runs = [one_run(n) for n in range(args.runs)]
    for name in ("fan_out", "queue", "send"):
        values = [r[name] for r in runs]
        per_thousand = statistics.median(
            v / max(r["messages"], 1) * 1000 for v, r in zip(values, runs, strict=True)
        )
        median = statistics.median(values)
        print(f"{name:8} median {median:7.2f} s   {per_thousand:6.2f} s per 1,000 messages")
    print(f"messages per run: {runs[-1]['messages']}, handed over: {runs[-1]['sent']}")
    per_message = statistics.median(r["queries_per_message"] for r in runs)
    print(f"queries of sms_alerts_queue per message: {per_message:.1f}")


if __name__ == "__main__":
    main()
