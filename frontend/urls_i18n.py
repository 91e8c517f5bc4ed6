"""The language switch, outside the ``frontend`` namespace (templates name it ``set_language``, as
Django does). Included by ``hub/urls.py`` by its dotted path, so the core does not import the pages."""

from django.urls import path

from frontend import views

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
]
