"""Every write of the commitments app (the REST views and the pages both call these).

Each service checks permission first (staff who publish in the commitment's commune), cleans its
input (every field in error at once), writes in one transaction with its audit entry, appends the
session event of a session's commitment and records the outbox event that tells citizens; nothing
leaves before the commit.
"""

from commitments.services.create import (
    commitment_create,
    commitment_create_from_proposal,
    commitment_create_from_question,
)
from commitments.services.reminders import reminders_send
from commitments.services.updates import commitment_post_update, commitment_update

__all__ = [
    "commitment_create",
    "commitment_create_from_proposal",
    "commitment_create_from_question",
    "commitment_post_update",
    "commitment_update",
    "reminders_send",
]
