"""Title search (``q``) uses ``UPPER(title) LIKE '%…%'``: on PostgreSQL a trigram GIN index over
visible threads serves it (bench/forums_api.py); SQLite scans, which is fine at its sizes."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS forum_thread_title_trgm ON forums_thread "
            "USING gin (UPPER(title) gin_trgm_ops) WHERE NOT hidden"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS forum_thread_title_trgm")


class Migration(migrations.Migration):
    dependencies = [("forums", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
