"""``manage.py serve``: the hub in one command.

Embedded mode (no ``REDIS_URL``): daphne alone; Celery tasks run in-process.
With ``REDIS_URL``: daphne, a Celery worker and Celery beat, started together and stopped together
(if one of them dies, the others are stopped, so a supervisor can restart the whole set).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the hub with daphne (plus a Celery worker and beat when REDIS_URL is set)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        python = sys.executable
        commands = {
            "web": [python, "-m", "daphne", "-b", host, "-p", str(port), "hub.asgi:application"],
        }
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            beat_schedule = settings.VAR_DIR / "celerybeat-schedule"
            commands["worker"] = [
                python,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "--loglevel=INFO",
                "--queues=default,notifications",
                "--concurrency=2",
            ]
            commands["beat"] = [
                python,
                "-m",
                "celery",
                "-A",
                "workers",
                "beat",
                "--loglevel=INFO",
                f"--schedule={beat_schedule}",
            ]
        mode = (
            "PostgreSQL/Redis + Celery worker and beat"
            if len(commands) > 1
            else "embedded (SQLite, in-process)"
        )
        self.stdout.write(f"Communes+ on http://{host}:{port}/ — {mode}. Ctrl-C stops everything.")
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with code {process.returncode}; stopping the others."
                        )
                        exit_code = process.returncode or 1
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        if exit_code:
            sys.exit(exit_code)
