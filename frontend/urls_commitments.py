"""Page routes of the commitments tracker (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.commitments import pages, staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/engagements/", pages.tracker, name="commitments"),
    path("communes/<slug:slug>/engagements/nouveau/", staff.new, name="commitment-new"),
    path("engagements/<int:pk>/", pages.detail, name="commitment"),
    path("engagements/<int:pk>/mise-a-jour/", staff.post_update, name="commitment-update"),
    path("engagements/<int:pk>/modifier/", staff.edit, name="commitment-edit"),
]
