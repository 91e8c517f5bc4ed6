"""App configuration of the evaluation: usage indicators, who takes part, dashboards, yearly reports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        import evaluation.permissions  # noqa: F401  (registers the evaluation's permissions)
