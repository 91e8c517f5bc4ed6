"""App configuration."""

from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"

    def ready(self) -> None:
        from forums import permissions  # noqa: F401 - registers the rules
