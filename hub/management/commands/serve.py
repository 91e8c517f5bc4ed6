"""``manage.py serve``: the hub in one command.

Embedded mode (no ``REDIS_URL``): one web server process; Celery tasks run in-process.
With ``REDIS_URL``: ``--workers`` web server processes on one port (``WEB_WORKERS``, default 1), a
Celery worker and Celery beat, started together and stopped together (if one of them dies, the
others are stopped, so a supervisor can restart the whole set). ``--web-only`` starts the web
servers alone (compose.yaml runs the worker and beat as their own services).

The web server is uvicorn with its sans-I/O websocket implementation, chosen by measurement
(docs/performance-live.md: less CPU per frame and per connect than daphne); ``--server daphne``
stays supported. Several uvicorn workers share one listening socket, so no proxy is needed on one
machine; viewer counts and live events cross processes through Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub import scheduler
from hub.settings import env_bool


def web_command(
    server: str, host: str, port: int, workers: int = 1, proxy_headers: bool = False
) -> list[str]:
    """The web server's command line (also what tests and benches start)."""
    python = sys.executable
    if server == "daphne":
        command = [python, "-m", "daphne", "-b", host, "-p", str(port)]
        if proxy_headers:
            command.append("--proxy-headers")
        return [*command, "--websocket_connect_timeout", "20", "hub.asgi:application"]
    command = [
        python, "-m", "uvicorn", "hub.asgi:application", "--host", host, "--port", str(port),
        "--workers", str(workers), "--lifespan", "off",
        # The sans-I/O implementation: the live fan-out writes its frames straight to its transport.
        "--ws", "websockets-sansio",
        # Frames above 64 KiB are refused with 1009 by the server itself (docs/sessions.md).
        "--ws-max-size", "65536",
        # No per-message compression: ~40 KB of zlib state per socket, and our frames are small.
        "--ws-per-message-deflate", "false",
        "--backlog", "4096",
    ]  # fmt: skip
    # One log line per request costs CPU a crowd notices; nginx in front logs them (compose.yaml).
    if not env_bool("ACCESS_LOG"):
        command.append("--no-access-log")
    if proxy_headers:
        command += [
            "--proxy-headers",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
    else:
        command.append("--no-proxy-headers")
    return command


class Command(BaseCommand):
    help = "Serve the hub (plus a Celery worker and beat when REDIS_URL is set)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", "1")),
            help="web server processes on the port (uvicorn; needs REDIS_URL above 1)",
        )
        parser.add_argument("--web-only", action="store_true", help="no Celery worker and beat")
        parser.add_argument(
            "--proxy-headers", action="store_true", help="trust X-Forwarded-For from FORWARDED_ALLOW_IPS"
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        server: str,
        workers: int,
        web_only: bool,
        proxy_headers: bool,
        **options: Any,
    ) -> None:
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "Several web processes need REDIS_URL: the in-memory channel layer and the in-process "
                "fan-out do not cross processes."
            )
        if workers > 1 and server != "uvicorn":
            raise CommandError("--workers above 1 is for uvicorn; run several daphne behind a proxy.")
        commands = {"web": web_command(server, host, port, workers, proxy_headers)}
        if not settings.CELERY_TASK_ALWAYS_EAGER and not web_only:
            python = sys.executable
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
        environments: dict[str, dict[str, str]] = {}
        if settings.CELERY_TASK_ALWAYS_EAGER and not web_only:
            # No broker, no beat: the web process runs beat's schedule itself (hub/scheduler.py).
            environments["web"] = {**os.environ, scheduler.ENV_FLAG: "1"}
        mode = (
            "PostgreSQL/Redis + Celery worker and beat"
            if len(commands) > 1
            else (
                "web only" if web_only else "embedded (SQLite, in-process, periodic tasks in the web process)"
            )
        )
        if workers > 1:
            mode += f", {workers} web processes"
        self.stdout.write(f"Communes+ on http://{host}:{port}/ — {mode}. Ctrl-C stops everything.")
        processes = {
            name: subprocess.Popen(cmd, env=environments.get(name))  # noqa: S603
            for name, cmd in commands.items()
        }
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
