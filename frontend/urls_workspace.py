"""Routes of the commune workspace and its audit journal (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.workspace import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("espace/", pages.choose, name="workspace-choose"),
    path("communes/<slug:slug>/espace/", pages.workspace, name="workspace"),
    path("communes/<slug:slug>/journal/", pages.journal, name="workspace-journal"),
]
