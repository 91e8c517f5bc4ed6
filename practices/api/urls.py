"""REST routes of the practices app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "practices-api"

urlpatterns: list[URLPattern | URLResolver] = []
