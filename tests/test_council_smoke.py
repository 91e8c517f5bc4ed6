"""The council's core flow end to end through the services (the detailed rules are in
tests/test_council_*.py)."""

from __future__ import annotations

import pytest

from council import services
from council.models import MotionResult
from council.selectors import session_record
from sessions_live.models import SessionEvent
from tests.factories_council import council

pytestmark = pytest.mark.django_db


def test_roll_call_motion_named_votes_and_result_are_in_the_session_log():
    # given a council of 9 with 6 present, one represented by proxy
    c = council(9)
    m = c.members
    entries = [{"member": x.pk, "status": "present"} for x in m[:6]]
    entries.append({"member": m[6].pk, "status": "proxy", "proxy_holder": m[1].pk})
    entries.append({"member": m[7].pk, "status": "excused"})
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)
    record = session_record(c.session)
    assert record.quorum is not None and record.quorum.reached and record.quorum.present == 6
    # when a motion is opened and voted by name: 4 for, 3 against (one by proxy)
    motion = services.motion_open(actor=c.secretary, session=c.session, title="Budget primitif 2027")
    votes = [{"member": x.pk, "choice": "for"} for x in m[:4]]
    votes += [{"member": x.pk, "choice": "against"} for x in (m[4], m[5], m[6])]
    services.votes_record(actor=c.secretary, motion=motion, votes=votes)
    motion = services.motion_close(actor=c.secretary, motion=motion)
    # then it is adopted, and the log carries the roll call, the opening, the votes and the close
    assert motion.result == MotionResult.ADOPTED and (motion.votes_for, motion.votes_against) == (4, 3)
    names = list(
        SessionEvent.objects.filter(session=c.session).order_by("seq").values_list("name", flat=True)
    )
    assert names == ["attendance.updated", "motion.opened", "motion.vote", "motion.closed"]
    last = SessionEvent.objects.filter(session=c.session).order_by("-seq").first()
    assert last is not None and last.data["motion"]["result"] == "adopted"
    assert {v["member"]: v["cast_by"] for v in last.data["motion"]["votes"]}[m[6].pk] == m[1].pk
