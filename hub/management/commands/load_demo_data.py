"""``manage.py load_demo_data``: demo accounts for local runs (see README). Safe to run again."""

import os
from typing import Any

from django.core.management.base import BaseCommand

from hub.demo_data import DEMO_PASSWORD, demo_data_load
from hub.publications.demo import publications_demo_load
from hub.reference_data import reference_data_load


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
        self.stdout.write(f"demo data: {publications_demo_load()} documents published")
