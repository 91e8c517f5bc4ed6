"""Staff council routes: the council's members, committees and rules, and the desk of a council
session (roll call, motions, votes)."""

from django.urls import URLPattern, URLResolver, path

from frontend.council.staff import desk, manage

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/conseil/gerer/", manage.council_manage, name="council-manage"),
    path("communes/<slug:slug>/conseil/gerer/<int:pk>/", manage.member_edit, name="council-member-edit"),
    path("seances/<int:pk>/conseil/", desk.session_desk, name="session-council"),
]
