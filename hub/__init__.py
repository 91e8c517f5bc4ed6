"""Communes+ project core: settings, ASGI/URL wiring, communes, accounts, roles and the audit log."""

from workers.celery import app as celery_app

__all__ = ["celery_app"]
