"""Page routes of the evaluation app: evaluation_report (spliced into frontend.urls).

The published report and the list of reports are public reads (``commune_read``: anonymous readers
are answered from the read cache, under the commune's content version, which publishing and
withdrawing a report bump). The PDF is not in the read cache: a published report's PDF is kept in
the Django cache instead (``frontend.evaluation.report_pdf``). The staff pages are never cached.
"""

from django.urls import URLPattern, URLResolver, path

from frontend.evaluation import report
from hub.readcache import commune_read

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/evaluation/rapports/",
        commune_read(report.report_list),
        name="evaluation-reports",
    ),
    path(
        "communes/<slug:slug>/evaluation/<int:year>/", commune_read(report.report), name="evaluation-report"
    ),
    path(
        "communes/<slug:slug>/evaluation/<int:year>.pdf", report.report_pdf_view, name="evaluation-report-pdf"
    ),
    path(
        "communes/<slug:slug>/evaluation/<int:year>/rediger/",
        report.report_edit,
        name="evaluation-report-edit",
    ),
    path(
        "communes/<slug:slug>/evaluation/<int:year>/publier/",
        report.report_publish,
        name="evaluation-report-publish",
    ),
    path(
        "communes/<slug:slug>/evaluation/<int:year>/retirer/",
        report.report_unpublish,
        name="evaluation-report-unpublish",
    ),
]
