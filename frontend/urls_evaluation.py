"""Page routes of the evaluation (spliced into frontend.urls): a commune's public "open evaluation"
page, answered from the public read cache for anonymous readers (``commune_read``: see
``frontend/evaluation/dashboard.py`` on why a minute-old page is right), and its staff dashboard,
never cached."""

from django.urls import URLPattern, URLResolver, path

from frontend.evaluation import dashboard
from hub.readcache import commune_read

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/evaluation/", commune_read(dashboard.public_page), name="evaluation-public"),
    path(
        "communes/<slug:slug>/evaluation/tableau-de-bord/",
        dashboard.dashboard,
        name="evaluation-dashboard",
    ),
]
