"""Public council routes."""

from django.urls import URLPattern, URLResolver, path

from frontend.council import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/conseil/<int:pk>-<str:member_slug>/", pages.member_page, name="council-member"
    ),
]
