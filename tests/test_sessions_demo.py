"""The live sessions demo data: what `make run` shows, loaded twice without duplicates."""

from __future__ import annotations

import pytest

from hub.demo_data import demo_data_load
from sessions_live.demo import ARCHIVED_TITLE, LIVE_TITLE, UPCOMING_TITLE, demo_load
from sessions_live.models import LiveSession, PollStatus, QuestionStatus, SessionStatus

pytestmark = pytest.mark.django_db


def test_demo_has_a_live_an_upcoming_and_an_archived_session_and_loads_once(reference_data):
    # given the demo accounts
    demo_data_load()
    # when the sessions demo is loaded twice
    demo_load()
    demo_load()
    # then
    sessions = {s.title: s for s in LiveSession.objects.filter(commune__slug="cotonou")}
    assert set(sessions) == {LIVE_TITLE, UPCOMING_TITLE, ARCHIVED_TITLE}
    live = sessions[LIVE_TITLE]
    assert live.status == SessionStatus.LIVE and live.stream_url and live.audio_url
    poll = live.polls.get()
    assert poll.status == PollStatus.OPEN and poll.ballot_count == 4
    statuses = sorted(live.questions.values_list("status", flat=True))
    assert statuses == sorted(
        [QuestionStatus.ANSWERED, QuestionStatus.ANSWERING, QuestionStatus.APPROVED, QuestionStatus.PENDING]
    )
    # the answered question has no commitment here: the commitments app's demo makes it
    assert live.questions.filter(status=QuestionStatus.ANSWERED).count() == 1
    assert live.chat_messages.count() == 4 and live.last_seq > 0
    assert sessions[UPCOMING_TITLE].status == SessionStatus.SCHEDULED
    archived = sessions[ARCHIVED_TITLE]
    assert archived.status == SessionStatus.ENDED and archived.recording_url
    assert archived.polls.get().results["total"] == 3 and archived.chat_messages.count() == 2
