"""Routes of the notification pages owned by ``views_notifications`` (names start with ``notif-``)."""

from django.urls import path

from frontend import views_notifications as views

urlpatterns = [
    path("notifications/<int:notification_id>/ouvrir/", views.notification_open, name="notif-open"),
    path("notifications/preferences/", views.notification_preferences, name="notif-preferences"),
]
