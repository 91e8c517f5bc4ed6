"""The library's themes: created where missing (the demo data, a database a test emptied), from the
same list as the migration that seeds them."""

from __future__ import annotations

from practices.models import Theme
from practices.themes import THEMES


def themes_seed() -> int:
    """Create the themes missing by slug (nothing else changes); returns how many were created."""
    existing = set(Theme.objects.values_list("slug", flat=True))
    created = 0
    for index, (slug, name_fr, name_en, description_fr, description_en) in enumerate(THEMES):
        if slug in existing:
            continue
        # One by one, so that each save tells the public read cache (hub.versions.track).
        Theme.objects.create(
            slug=slug,
            name_fr=name_fr,
            name_en=name_en,
            description_fr=description_fr,
            description_en=description_en,
            position=(index + 1) * 10,
        )
        created += 1
    return created
