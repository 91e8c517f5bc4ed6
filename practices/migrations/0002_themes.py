"""The themes of the good-practices library, for Benin's communes (French and English names).

Platform administrators may rename, describe, reorder or add themes in the admin afterwards; this
migration creates the ones missing by slug and changes nothing else, so it is safe on a database
where they were edited.
"""

from django.db import migrations

from practices.themes import THEMES


def themes_create(apps, schema_editor):
    Theme = apps.get_model("practices", "Theme")
    existing = set(Theme.objects.values_list("slug", flat=True))
    Theme.objects.bulk_create(
        Theme(
            slug=slug,
            name_fr=name_fr,
            name_en=name_en,
            description_fr=description_fr,
            description_en=description_en,
            position=(index + 1) * 10,
        )
        for index, (slug, name_fr, name_en, description_fr, description_en) in enumerate(THEMES)
        if slug not in existing
    )


def themes_delete(apps, schema_editor):
    Theme = apps.get_model("practices", "Theme")
    Theme.objects.filter(slug__in=[slug for slug, *_rest in THEMES], sheets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(themes_create, themes_delete)]
