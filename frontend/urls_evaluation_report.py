"""Page routes of the evaluation app: evaluation_report (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
