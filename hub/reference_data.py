"""Loading Benin's departments and communes from ``hub/data/benin_communes.json``, idempotently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from hub.models import Arrondissement, Commune, Department
from hub.selectors import search_key

DATA_FILE = Path(__file__).resolve().parent / "data" / "benin_communes.json"


@dataclass(frozen=True)
class LoadResult:
    departments_created: int
    communes_created: int
    communes_total: int


def commune_slug(name: str) -> str:
    return slugify(name.replace("'", "-"))


@transaction.atomic
def reference_data_load(path: Path = DATA_FILE) -> LoadResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    pilots = set(data["pilot_communes"])
    departments_created = communes_created = 0
    for entry in data["departments"]:
        department, created = Department.objects.update_or_create(
            slug=slugify(entry["name"]), defaults={"name": entry["name"]}
        )
        departments_created += created
        for name in entry["communes"]:
            slug = commune_slug(name)
            commune, created = Commune.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "department": department,
                    "search_name": search_key(name),
                    "is_enabled": slug in pilots,
                },
            )
            communes_created += created
            if not created:
                # Names and departments follow the file; is_enabled is left as operators set it.
                Commune.objects.filter(pk=commune.pk).update(
                    name=name, department=department, search_name=search_key(name)
                )
    # Arrondissements the file knows (the pilot communes'); those added since are kept.
    for slug, names in data.get("arrondissements", {}).items():
        owner = Commune.objects.filter(slug=slug).first()
        if owner is None:
            continue
        for position, name in enumerate(names, start=1):
            Arrondissement.objects.update_or_create(commune=owner, name=name, defaults={"position": position})
    return LoadResult(departments_created, communes_created, Commune.objects.count())
