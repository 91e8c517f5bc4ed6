"""App configuration of the evaluation: usage indicators, who takes part, dashboards, yearly reports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        import evaluation.permissions  # noqa: F401  (registers the evaluation's permissions)
        from evaluation.models import EvaluationReport
        from hub.versions import track

        # What the public read cache must forget (hub/readcache.py): a report published or withdrawn.
        track(
            EvaluationReport,
            commune=lambda row: row.commune_id,
            ignore_fields={"commentary", "updated_at", "updated_by"},  # a draft's commentary: not public
            new_rows=False,  # a new draft shows nowhere
        )
