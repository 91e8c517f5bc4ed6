"""``manage.py load_reference_data``: Benin's 12 departments and 77 communes (safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand

from hub.reference_data import reference_data_load


class Command(BaseCommand):
    help = "Load Benin's departments and communes; the pilot communes are enabled."

    def handle(self, *args: Any, **options: Any) -> None:
        result = reference_data_load()
        self.stdout.write(
            f"reference data: {result.departments_created} departments and "
            f"{result.communes_created} communes created, {result.communes_total} communes in all"
        )
