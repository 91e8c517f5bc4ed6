"""Routes of the publications API under ``/api/v1/``."""

urlpatterns: list = []
