"""REST routes of the consultations app: consultations, their questionnaires, answers, comments and
results (spliced into consultations.api.urls). Anonymous reads of the lists, the details and the
results are cached under the commune's versions (``hub.readcache``: a consultation's writes bump
them; its answers cannot change once its results are public); the comments are not cached, and the
open-data exports are throttled as the other exports instead."""

from django.urls import URLPattern, URLResolver, path

from consultations.api import views_consultations as v
from consultations.models import Consultation
from hub.readcache import commune_in_path, owned_by, public_read

C = "consultations/<int:consultation_id>/"
CONSULTATION = owned_by(Consultation, kwarg="consultation_id")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communes/<slug:slug>/consultations/",
        public_read(commune_in_path)(v.ConsultationListView.as_view()),
        name="consultations",
    ),
    path(C, public_read(CONSULTATION)(v.ConsultationDetailView.as_view()), name="consultation"),
    path(C + "phase/", v.ConsultationPhaseView.as_view(), name="consultation-phase"),
    path(C + "response/", v.ConsultationRespondView.as_view(), name="consultation-response"),
    path(C + "my-response/", v.MyResponseView.as_view(), name="consultation-my-response"),
    path(
        C + "sections/<int:section_id>/comments/",
        v.SectionCommentsView.as_view(),
        name="consultation-section-comments",
    ),
    path("consultations/comments/<int:comment_id>/hide/", v.CommentHideView.as_view(), name="comment-hide"),
    path(C + "results/", public_read(CONSULTATION)(v.ResultsView.as_view()), name="consultation-results"),
    path(C + "results.csv", v.ResultsCSVView.as_view(), name="consultation-results-csv"),
    path(C + "results.json", v.ResultsJSONView.as_view(), name="consultation-results-json"),
]
