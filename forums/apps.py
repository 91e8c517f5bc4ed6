"""App configuration."""

from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"
