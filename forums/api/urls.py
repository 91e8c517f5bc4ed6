"""REST routes of the forums app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
