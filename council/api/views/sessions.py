"""A council session over REST: its roll call and quorum, its motions and their votes.

Reading is open to everyone. The secretary-general (or the mayor) records; each write calls the
service the console's socket calls, so it lands in the session's event log and reaches every viewer
live, in order."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council import selectors, services
from council.api import serializers as s
from council.api.output import CouncilMotionDetailOut, CouncilMotionOut, CouncilSessionOut
from council.api.views.common import ERRORS, manager_check, motion_corrections
from council.models import Motion
from hub.api.validation import validated
from sessions_live import selectors as session_selectors


def session_response(session_id: int) -> Response:
    session = session_selectors.session_get(session_id)
    return Response(CouncilSessionOut(selectors.session_record(session)).data)


def motion_response(motion: Motion, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.motion_get(motion.pk)
    return Response(CouncilMotionOut(fresh).data, status=code)


def motion_detail_response(motion: Motion, code: int = status.HTTP_200_OK, *, read: bool = True) -> Response:
    """The motion with its corrections (``read``: as it is now, after a write)."""
    fresh = selectors.motion_get(motion.pk) if read else motion
    context = {"corrections": motion_corrections(fresh)}
    return Response(CouncilMotionDetailOut(fresh, context=context).data, status=code)


class SessionCouncilView(APIView):
    @extend_schema(responses={200: CouncilSessionOut, 404: ERRORS[404]})
    def get(self, request: Request, session_id: int) -> Response:
        """The session's roll call (every member in office on its day, called or not), its quorum and
        its motions in order. Not a council session: ``council`` false, empty lists."""
        return session_response(session_id)


class AttendanceView(APIView):
    @extend_schema(request=s.CouncilAttendanceIn, responses={200: CouncilSessionOut, **ERRORS})
    def post(self, request: Request, session_id: int) -> Response:
        """Record lines of the roll call, all or none (a proxy holder must be in the room and holds
        one proxy at most); answers the session's record with the new quorum."""
        session = session_selectors.session_get(session_id)
        manager_check(request, session.commune)
        data = validated(s.CouncilAttendanceIn, request.data)
        services.roll_call(actor=request.user, session=session, entries=[dict(e) for e in data["entries"]])
        return session_response(session.pk)


class SessionMotionsView(APIView):
    @extend_schema(responses={200: CouncilMotionOut(many=True), 404: ERRORS[404]})
    def get(self, request: Request, session_id: int) -> Response:
        """The session's motions in order, with their tallies, results and named votes."""
        session = session_selectors.session_get(session_id)
        motions = selectors.session_motions(session)
        context = {"votes": {m.pk: m.votes.all() for m in motions}}
        return Response(CouncilMotionOut(motions, many=True, context=context).data)

    @extend_schema(request=s.CouncilMotionIn, responses={201: CouncilMotionOut, **ERRORS})
    def post(self, request: Request, session_id: int) -> Response:
        """Open a motion (the session live, the quorum reached, no other vote open): on the current
        agenda item unless ``agenda_item`` says which; majority and tie rules default to the
        commune's."""
        session = session_selectors.session_get(session_id)
        manager_check(request, session.commune)
        data = validated(s.CouncilMotionIn, request.data)
        motion = services.motion_open(actor=request.user, session=session, **data)
        return motion_response(motion, status.HTTP_201_CREATED)


class MotionDetailView(APIView):
    @extend_schema(responses={200: CouncilMotionDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, motion_id: int) -> Response:
        """A motion, its named votes and the public corrections of its record."""
        return motion_detail_response(selectors.motion_get(motion_id), read=False)

    @extend_schema(request=s.CouncilMotionPatchIn, responses={200: CouncilMotionDetailOut, **ERRORS})
    def patch(self, request: Request, motion_id: int) -> Response:
        """Link an adopted motion to the deliberation (or minutes) the commune published; null
        unlinks."""
        motion = selectors.motion_get(motion_id)
        manager_check(request, motion.commune)
        data = validated(s.CouncilMotionPatchIn, request.data)
        services.motion_link_deliberation(actor=request.user, motion=motion, document=data["deliberation"])
        return motion_detail_response(motion)


class MotionVotesView(APIView):
    @extend_schema(request=s.CouncilVotesIn, responses={200: CouncilMotionOut, **ERRORS})
    def post(self, request: Request, motion_id: int) -> Response:
        """Record named votes, all or none: members in the room, or represented (their proxy holder
        casts it). A member already recorded: 409 ``already_voted`` (correct it instead)."""
        motion = selectors.motion_get(motion_id)
        manager_check(request, motion.commune)
        data = validated(s.CouncilVotesIn, request.data)
        services.votes_record(actor=request.user, motion=motion, votes=[dict(v) for v in data["votes"]])
        return motion_response(motion)


class MotionCountsView(APIView):
    @extend_schema(request=s.CouncilCountsIn, responses={200: CouncilMotionOut, **ERRORS})
    def post(self, request: Request, motion_id: int) -> Response:
        """A secret ballot's counts, once, while the vote is open (a change is a correction)."""
        motion = selectors.motion_get(motion_id)
        manager_check(request, motion.commune)
        counts = validated(s.CouncilCountsIn, request.data)
        services.counts_record(actor=request.user, motion=motion, counts=counts)
        return motion_response(motion)


class MotionCloseView(APIView):
    @extend_schema(request=None, responses={200: CouncilMotionOut, **ERRORS})
    def post(self, request: Request, motion_id: int) -> Response:
        """Close the vote: the server computes the result from the votes (or counts) and the rules
        the motion was opened under."""
        motion = selectors.motion_get(motion_id)
        services.motion_close(actor=request.user, motion=motion)
        return motion_response(motion)


class MotionCorrectionsView(APIView):
    @extend_schema(request=s.CouncilCorrectionIn, responses={201: CouncilMotionDetailOut, **ERRORS})
    def post(self, request: Request, motion_id: int) -> Response:
        """Correct the record, with the reason (public, audited, sent live): a member's vote
        (``member``, ``choice``) or a secret ballot's ``counts``. A closed motion's result is
        computed again."""
        motion = selectors.motion_get(motion_id)
        manager_check(request, motion.commune)
        data = validated(s.CouncilCorrectionIn, request.data)
        if "counts" in data:
            services.counts_correct(
                actor=request.user, motion=motion, counts=dict(data["counts"]), reason=data["reason"]
            )
        else:
            services.vote_correct(
                actor=request.user,
                motion=motion,
                member=data["member"],
                choice=data["choice"],
                reason=data["reason"],
            )
        return motion_detail_response(motion, status.HTTP_201_CREATED)
