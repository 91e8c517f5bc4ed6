"""App configuration."""

from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"

    def ready(self) -> None:
        from forums import permissions  # noqa: F401 - registers the rules
        from forums.models import Category, Flag, Post, Support, Thread, ThreadFollow
        from hub.versions import owner_commune, track

        # What the public read cache must forget when it changes (hub/readcache.py). Writes through
        # ``QuerySet.update`` and attachments (``bulk_create``) are covered by ``forums.cache.invalidate``,
        # which every write calls.
        track(Category, commune=lambda row: row.commune_id)
        track(Thread, commune=lambda row: row.commune_id)
        for model in (Post, Support, ThreadFollow, Flag):
            track(model, commune=lambda row: owner_commune(Thread, row.thread_id))
