"""Page routes of the sessions pages (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
