"""REST routes of the commitments app under /api/v1/ (wired in hub.urls). The session's commitments
keep the paths they had in the sessions app."""

from django.urls import URLPattern, URLResolver, path

from commitments.api import views as v

app_name = "commitments-api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("commitments/", v.CommitmentListView.as_view(), name="list"),
    path("commitments/export.csv", v.CommitmentExportCSVView.as_view(), name="export-csv"),
    path("commitments/export.json", v.CommitmentExportJSONView.as_view(), name="export-json"),
    path("commitments/scorecard/", v.ScorecardView.as_view(), name="scorecard"),
    path("commitments/photos/<int:photo_id>/", v.PhotoView.as_view(), name="photo"),
    path("commitments/<int:commitment_id>/", v.CommitmentDetailView.as_view(), name="detail"),
    path("commitments/<int:commitment_id>/updates/", v.CommitmentUpdateCreateView.as_view(), name="updates"),
    path("sessions/<int:session_id>/commitments/", v.SessionCommitmentListView.as_view(), name="session"),
]
