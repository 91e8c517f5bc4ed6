"""Routes of the SMS pages (spliced into frontend.urls): the staff's SMS page of a commune, the
citizen's SMS choices (posted from the notification preferences page) and the public help page."""

from django.urls import URLPattern, URLResolver, path

from frontend.sms import citizen, public, staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("communes/<slug:slug>/sms/", staff.sms_page, name="staff-sms"),
    path("notifications/preferences/sms/", citizen.sms_preferences_post, name="notif-sms"),
    path("sms/", public.sms_help, name="sms-help"),
]
