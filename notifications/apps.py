"""App configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Register the tasks in every process (web included), so that the outbox can find them
        # by name and run them in-process in embedded mode.
        from notifications import tasks  # noqa: F401
        from notifications.sms import tasks as sms_tasks  # noqa: F401
