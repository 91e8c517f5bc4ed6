"""Routes of ``/api/v1/``."""

from django.urls import path

from hub.api import (
    schema,  # noqa: F401  (registers the OpenAPI auth extension)
    views,
)
from hub.readcache import all_communes, commune_in_path, public_read

app_name = "api"

urlpatterns = [
    path(
        "departments/", public_read(all_communes)(views.DepartmentListView.as_view()), name="department-list"
    ),
    path("communes/", public_read(all_communes)(views.CommuneListView.as_view()), name="commune-list"),
    path(
        "communes/<slug:slug>/",
        public_read(commune_in_path)(views.CommuneDetailView.as_view()),
        name="commune-detail",
    ),
    path("communes/<slug:slug>/follow/", views.CommuneFollowView.as_view(), name="commune-follow"),
    path(
        "communes/<slug:slug>/memberships/",
        views.CommuneMembershipsView.as_view(),
        name="commune-memberships",
    ),
    path(
        "communes/<slug:slug>/memberships/<int:membership_id>/",
        views.CommuneMembershipDetailView.as_view(),
        name="commune-membership-detail",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.MyPasswordView.as_view(), name="me-password"),
    path("me/memberships/", views.MyMembershipsView.as_view(), name="me-memberships"),
    path("me/follows/", views.MyFollowsView.as_view(), name="me-follows"),
    path("auth/signup/", views.SignupView.as_view(), name="signup"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/session/", views.SessionLoginView.as_view(), name="session-login"),
    path("auth/ws-ticket/", views.WsTicketView.as_view(), name="ws-ticket"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
]
