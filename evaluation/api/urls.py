"""REST routes of the evaluation app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "evaluation-api"

urlpatterns: list[URLPattern | URLResolver] = []
