"""Routes of the notification pages owned by ``views_notifications`` (names start with ``notif-``)."""

from django.urls import path

from frontend import views_notifications as views

urlpatterns = [
    path("notifications/preferences/", views.notification_preferences, name="notif-preferences"),
]
