"""Fan-out of one publication to N followers, against the real stack.

Measures, on PostgreSQL + Redis + one real Celery worker + one daphne process:
- commit → the last in-app notification row (the event's ``processed_at``, set after the last batch);
- commit → the live ``notification.new`` frame on a follower's open websocket;
- commit → every e-mail notification marked sent (dummy e-mail backend: the SMTP cost is not measured).

Usage (PostgreSQL and Redis running; takes a minute or two the first time, to create the followers):
    .venv/bin/python bench/fanout.py --followers 100000
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/communesplus_bench),
REDIS_URL (default redis://127.0.0.1:6379/5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/communesplus_bench")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.update(
    DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, KEY_PREFIX="cpbench", DJANGO_SETTINGS_MODULE="hub.settings"
)


def ensure_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_followers(count: int):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from hub.models import Commune, Follow, User
    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()
    commune = Commune.objects.get(slug="cotonou")
    have = Follow.objects.filter(commune=commune).count()
    if have < count:
        start = User.objects.count()
        batch = 10_000
        for offset in range(have, count, batch):
            size = min(batch, count - offset)
            users = User.objects.bulk_create(
                User(
                    email=f"bench{start + offset + i}@bench.bj",
                    display_name=f"Bench {start + offset + i}",
                    password="!",
                )
                for i in range(size)
            )
            Follow.objects.bulk_create(Follow(user=u, commune=commune) for u in users)
    return commune, Follow.objects.filter(commune=commune).order_by("user_id").first().user


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def wait_live_frame(url: str, ticket: str, published: asyncio.Event, box: dict[str, float]) -> None:
    from websockets.asyncio.client import connect

    async with connect(f"{url}/ws/me/?ticket={ticket}") as ws:
        json.loads(await ws.recv())  # hello
        published.set()
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("event") == "notification.new":
                box["live"] = time.monotonic()
                return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    options = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.db import transaction

    from hub.models import OutboxEvent
    from hub.services.accounts import ws_ticket_issue
    from hub.services.outbox import outbox_record
    from notifications.models import Channel, Notification, Status
    from workers.celery import app as celery_app

    commune, follower = setup_followers(options.followers)
    celery_app.control.purge()
    logs = Path("/tmp/communesplus-bench")
    logs.mkdir(exist_ok=True)
    env = dict(
        os.environ,
        NOTIFICATION_BATCH_SIZE=str(options.batch),
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    worker = start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "--pool=solo",
            "-Q",
            "default,notifications",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        env,
        logs / "worker.log",
    )
    port = 8765
    web = start(
        [sys.executable, "-m", "daphne", "-p", str(port), "hub.asgi:application"], env, logs / "daphne.log"
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)  # let the worker connect
        ticket = ws_ticket_issue(user=follower, auth_ref="bench")
        box: dict[str, float] = {}

        async def run() -> float:
            published = asyncio.Event()
            listener = asyncio.create_task(wait_live_frame(f"ws://127.0.0.1:{port}", ticket, published, box))
            await published.wait()

            def publish() -> float:
                with transaction.atomic():
                    outbox_record(
                        kind="document.published",
                        commune=commune,
                        obj=commune,
                        payload={
                            "title": "Budget (bench)",
                            "type": "budget",
                            "type_label": "Budget",
                            "path": "/",
                        },
                        dedup_key=f"bench:{time.time_ns()}",
                    )
                return time.monotonic()

            committed = await asyncio.to_thread(publish)
            await asyncio.wait_for(listener, timeout=600)
            return committed

        committed = asyncio.run(run())
        event = OutboxEvent.objects.order_by("-id").first()
        while not OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=False).exists():
            time.sleep(0.05)
        in_app_done = time.monotonic()
        rows = Notification.objects.filter(event=event, channel=Channel.IN_APP).count()
        emails = Notification.objects.filter(event=event, channel=Channel.EMAIL)
        while emails.filter(status=Status.PENDING).exists():
            time.sleep(0.2)
        email_done = time.monotonic()
        print(f"followers: {options.followers}, batch size: {options.batch}, in-app rows: {rows}")
        print(f"commit -> last in-app row (processed_at seen): {in_app_done - committed:.2f} s")
        print(f"commit -> live notification.new on a follower's socket: {box['live'] - committed:.2f} s")
        print(f"commit -> every e-mail notification sent (dummy backend): {email_done - committed:.2f} s")
    finally:
        worker.terminate()
        web.terminate()
        worker.wait()
        web.wait()


if __name__ == "__main__":
    main()
