"""``manage.py load_demo_data``: demo accounts for local runs (see README). Safe to run again.

Feature apps add their own demo content without the core importing them: an installed app with a
``demo`` module exposing ``demo_load() -> str`` (a one-line report) is called, in INSTALLED_APPS
order, after the accounts exist. ``publications`` comes first of them, so later apps find its
documents.
"""

import importlib
import importlib.util
import os
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from hub.demo_data import DEMO_PASSWORD, demo_data_load
from hub.reference_data import reference_data_load


def app_demo_loaders() -> list[tuple[str, Any]]:
    """``(app label, demo_load)`` of every installed app outside the core that ships demo data."""
    loaders = []
    for config in apps.get_app_configs():
        if config.name == "hub":
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        loader = getattr(importlib.import_module(module_name), "demo_load", None)
        if callable(loader):
            loaders.append((config.label, loader))
    return loaders


class Command(BaseCommand):
    help = "Load the reference data and the demo accounts (local runs only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get("DEMO_DATA", "1") == "0":
            reference_data_load()
            self.stdout.write("DEMO_DATA=0: reference data only, no demo accounts")
            return
        reference_data_load()
        created = demo_data_load()
        self.stdout.write(f"demo data: {created} accounts created; password for all: {DEMO_PASSWORD}")
        for label, loader in app_demo_loaders():
            self.stdout.write(f"demo data ({label}): {loader()}")
