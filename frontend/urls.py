"""Routes of the pages (French paths: French is the first language of Communes+)."""

from django.urls import path

from frontend import (
    pwa,
    urls_commitments,
    urls_consultations,
    urls_council,
    urls_evaluation,
    urls_evaluation_report,
    urls_forums,
    urls_notifications,
    urls_participation,
    urls_practices,
    urls_publications,
    urls_sessions,
    urls_sms,
    urls_staff,
    urls_workspace,
    views,
)
from hub.readcache import all_read, commune_read

app_name = "frontend"

# ``*_read(view)``: anonymous reads answered from the public read cache (hub/readcache.py).
urlpatterns = [
    path("", all_read(views.home), name="home"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("hors-ligne/", pwa.offline_page, name="offline"),
    path("communes/<slug:slug>/", commune_read(views.commune_detail), name="commune"),
    path("communes/<slug:slug>/suivre/", views.commune_follow_toggle, name="commune-follow"),
    path("inscription/", views.signup, name="signup"),
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe/oublie/", views.password_reset, name="password-reset"),
    path("mot-de-passe/envoye/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("profil/", views.profile, name="profile"),
    path("profil/mot-de-passe/", views.password_change, name="password-change"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    *urls_publications.urlpatterns,
    *urls_notifications.urlpatterns,
    *urls_forums.urlpatterns,
    *urls_sessions.urlpatterns,
    *urls_staff.urlpatterns,
    *urls_commitments.urlpatterns,
    *urls_evaluation.urlpatterns,
    *urls_evaluation_report.urlpatterns,
    *urls_participation.urlpatterns,
    *urls_practices.urlpatterns,
    *urls_council.urlpatterns,
    *urls_consultations.urlpatterns,
    *urls_sms.urlpatterns,
    *urls_workspace.urlpatterns,
]
