"""Content versions of the public read cache (``hub.readcache``) when there is no Redis.

With ``REDIS_URL`` the versions are Redis counters; on the embedded defaults (SQLite, no Redis) they
are rows here, so that every process reading the database (the web server, a test's servers) sees a
change the moment it is committed.
"""

from __future__ import annotations

from django.db import models


class ContentVersion(models.Model):
    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
