"""Routes of the council's pages (spliced into frontend.urls): the public pages (the council, each
member, the open data, the projector of a session) and the staff's (the members and rules, a session's
roll call and votes)."""

from django.urls import URLPattern, URLResolver

from frontend.council import urls_public, urls_staff

urlpatterns: list[URLPattern | URLResolver] = [*urls_public.urlpatterns, *urls_staff.urlpatterns]
