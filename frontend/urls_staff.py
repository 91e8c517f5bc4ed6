"""Routes of the staff pages of a commune that are not publications: its team and public profile."""

from django.urls import path

from frontend.staff import profile, team

urlpatterns = [
    path("communes/<slug:slug>/equipe/", team.team, name="staff-team"),
    path("communes/<slug:slug>/equipe/<int:membership_id>/retirer/", team.revoke, name="staff-revoke"),
    path("communes/<slug:slug>/profil/", profile.commune_profile, name="staff-profile"),
]
