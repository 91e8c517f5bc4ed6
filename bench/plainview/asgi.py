"""ASGI entry point of the plain-Django reference: ``uvicorn bench.plainview.asgi:application``,
started by ``bench/read_path.py`` from the project root (so that ``bench.plainview`` imports)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.plainview.settings")
application = get_asgi_application()
