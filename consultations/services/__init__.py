"""Every write of the consultations app (the REST views and the pages both call these).

Each service checks permission first (staff of the consultation's commune, its facilitators, or a
signed-in citizen), cleans its input (every field in error at once), checks the phase, writes in one
transaction with its audit entry (staff and moderation writes) and records the outbox events that
tell citizens; nothing leaves before the commit. The reads they share (``consultation_get``,
``response_for``, ``section_get``) live in ``consultations.selectors``.
"""

from consultations.services.answers import (
    comment_hide,
    comment_post,
    response_save,
)
from consultations.services.consultations import (
    consultation_create,
    consultation_respond,
    consultation_set_phase,
    consultation_update,
    consultations_advance,
)

__all__ = [
    "comment_hide",
    "comment_post",
    "consultation_create",
    "consultation_respond",
    "consultation_set_phase",
    "consultation_update",
    "consultations_advance",
    "response_save",
]
