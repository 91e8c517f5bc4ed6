"""REST routes of the commitments app under /api/v1/ (wired in hub.urls). The session's commitments
keep the paths they had in the sessions app."""

from django.urls import URLPattern, URLResolver, path

from commitments.api import views as v
from commitments.models import Commitment
from hub.readcache import all_communes, commune_in_query, owned_by, public_read
from sessions_live.models import LiveSession

app_name = "commitments-api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("commitments/", public_read(commune_in_query)(v.CommitmentListView.as_view()), name="list"),
    path("commitments/export.csv", v.CommitmentExportCSVView.as_view(), name="export-csv"),
    path("commitments/export.json", v.CommitmentExportJSONView.as_view(), name="export-json"),
    path("commitments/scorecard/", public_read(all_communes)(v.ScorecardView.as_view()), name="scorecard"),
    path("commitments/photos/<int:photo_id>/", v.PhotoView.as_view(), name="photo"),
    path(
        "commitments/<int:commitment_id>/",
        public_read(owned_by(Commitment, kwarg="commitment_id"))(v.CommitmentDetailView.as_view()),
        name="detail",
    ),
    path("commitments/<int:commitment_id>/updates/", v.CommitmentUpdateCreateView.as_view(), name="updates"),
    path(
        "sessions/<int:session_id>/commitments/",
        public_read(owned_by(LiveSession, kwarg="session_id", session=True))(
            v.SessionCommitmentListView.as_view()
        ),
        name="session",
    ),
]
