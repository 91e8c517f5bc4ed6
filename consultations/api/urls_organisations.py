"""REST routes of the consultations app: a commune's accredited organisations, its facilitators and
its standing citizen council, and the council's opinion on a consultation (spliced into
consultations.api.urls). Anonymous reads are cached under the commune's versions
(``hub.readcache``); the services bump them on every write."""

from django.urls import URLPattern, URLResolver, path

from consultations.api import views_organisations as v
from consultations.models import Consultation
from hub.readcache import commune_in_path, owned_by, public_read

C = "communes/<slug:slug>/"
commune_read = public_read(commune_in_path)

urlpatterns: list[URLPattern | URLResolver] = [
    path(C + "organisations/", commune_read(v.OrganisationsView.as_view()), name="organisations"),
    path(
        C + "organisations/<int:organisation_id>/",
        v.OrganisationDetailView.as_view(),
        name="organisation",
    ),
    path(
        C + "organisations/<int:organisation_id>/withdraw/",
        v.OrganisationWithdrawView.as_view(),
        name="organisation-withdraw",
    ),
    path(C + "facilitators/", v.FacilitatorsView.as_view(), name="facilitators"),
    path(
        C + "facilitators/<int:facilitator_id>/",
        v.FacilitatorDetailView.as_view(),
        name="facilitator",
    ),
    path(C + "citizen-council/", commune_read(v.CitizenCouncilView.as_view()), name="citizen-council"),
    path(
        C + "citizen-council/members/",
        v.CitizenCouncilMembersView.as_view(),
        name="citizen-council-members",
    ),
    path(
        C + "citizen-council/members/<int:member_id>/",
        v.CitizenCouncilMemberView.as_view(),
        name="citizen-council-member",
    ),
    path(
        C + "citizen-council/members/<int:member_id>/leave/",
        v.CitizenCouncilMemberLeaveView.as_view(),
        name="citizen-council-member-leave",
    ),
    path(
        C + "citizen-council/meetings/",
        v.CitizenCouncilMeetingsView.as_view(),
        name="citizen-council-meetings",
    ),
    path(
        C + "citizen-council/meetings/<int:meeting_id>/",
        v.CitizenCouncilMeetingView.as_view(),
        name="citizen-council-meeting",
    ),
    path(
        "consultations/<int:consultation_id>/opinion/",
        public_read(owned_by(Consultation, kwarg="consultation_id"))(v.ConsultationOpinionView.as_view()),
        name="consultation-opinion",
    ),
]
