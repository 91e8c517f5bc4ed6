"""Every write of the council app (the REST views and the pages both call these).

Each service checks permission first (the commune's secretary-general or mayor), cleans its input
(every field in error at once), writes in one transaction with its audit entry and appends the live
event to the session's log; nothing leaves before the commit.
"""

from council.services.attendance import attendance_record, roll_call
from council.services.members import (
    committee_create,
    committee_delete,
    committee_get,
    member_create,
    member_delete,
    member_photo_set,
    member_update,
    rules_update,
)
from council.services.motions import (
    counts_correct,
    counts_record,
    motion_close,
    motion_link_deliberation,
    motion_open,
    motions_close_open,
    vote_correct,
    vote_record,
    votes_record,
)

__all__ = [
    "attendance_record",
    "committee_create",
    "committee_delete",
    "committee_get",
    "counts_correct",
    "counts_record",
    "member_create",
    "member_delete",
    "member_photo_set",
    "member_update",
    "motion_close",
    "motion_link_deliberation",
    "motion_open",
    "motions_close_open",
    "roll_call",
    "rules_update",
    "vote_correct",
    "vote_record",
    "votes_record",
]
