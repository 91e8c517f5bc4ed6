"""App configuration."""

from django.apps import AppConfig


class SessionsLiveConfig(AppConfig):
    name = "sessions_live"
