"""REST routes of the council app under /api/v1/ (wired in hub.urls). Anonymous reads are cached under
the versions of the commune (and of the session) they show (``hub.readcache``); the open data is
throttled as the other exports instead."""

from django.urls import URLPattern, URLResolver, path

from council.api.views import members as m
from council.api.views import record as r
from council.api.views import sessions as v
from council.models import CouncilMember, Motion
from hub.readcache import commune_in_path, owned_by, public_read
from sessions_live.models import LiveSession

app_name = "council-api"

C = "communes/<slug:slug>/council/"
SESSION = owned_by(LiveSession, kwarg="session_id", session=True)

urlpatterns: list[URLPattern | URLResolver] = [
    path(C, public_read(commune_in_path)(m.CouncilView.as_view()), name="council"),
    path(C + "members/", m.MemberCreateView.as_view(), name="member-create"),
    path(C + "committees/", m.CommitteeCreateView.as_view(), name="committee-create"),
    path(C + "rules/", m.RulesView.as_view(), name="rules"),
    path(C + "record/<int:year>/", r.RecordView.as_view(), name="record"),
    path(C + "record/<int:year>/votes.csv", r.RecordVotesCSVView.as_view(), name="record-votes-csv"),
    path(
        C + "record/<int:year>/attendance.csv",
        r.RecordAttendanceCSVView.as_view(),
        name="record-attendance-csv",
    ),
    path(
        "council/members/<int:member_id>/",
        public_read(owned_by(CouncilMember, kwarg="member_id"))(m.MemberDetailView.as_view()),
        name="member",
    ),
    path("council/members/<int:member_id>/photo/", m.MemberPhotoView.as_view(), name="member-photo"),
    path("council/committees/<int:committee_id>/", m.CommitteeDetailView.as_view(), name="committee"),
    path(
        "sessions/<int:session_id>/council/",
        public_read(SESSION)(v.SessionCouncilView.as_view()),
        name="session",
    ),
    path("sessions/<int:session_id>/attendance/", v.AttendanceView.as_view(), name="attendance"),
    path(
        "sessions/<int:session_id>/motions/",
        public_read(SESSION)(v.SessionMotionsView.as_view()),
        name="session-motions",
    ),
    path(
        "motions/<int:motion_id>/",
        public_read(owned_by(Motion, kwarg="motion_id"))(v.MotionDetailView.as_view()),
        name="motion",
    ),
    path("motions/<int:motion_id>/votes/", v.MotionVotesView.as_view(), name="motion-votes"),
    path("motions/<int:motion_id>/counts/", v.MotionCountsView.as_view(), name="motion-counts"),
    path("motions/<int:motion_id>/close/", v.MotionCloseView.as_view(), name="motion-close"),
    path(
        "motions/<int:motion_id>/corrections/", v.MotionCorrectionsView.as_view(), name="motion-corrections"
    ),
]
