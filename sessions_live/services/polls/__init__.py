"""Poll writes: ``lifecycle`` (create, open, close) and ``votes`` (votes applied in batches).

Callers use this package (``polls.poll_open``, ``polls.poll_votes``, ``polls.VoteIn`` ...); the two
modules share the poll's row lock as the point that orders votes against the close.
"""

from sessions_live.services.polls.lifecycle import MAX_OPTIONS, poll_close, poll_create, poll_get, poll_open
from sessions_live.services.polls.votes import TallyHook, VoteIn, VoteResult, poll_vote, poll_votes

__all__ = [
    "MAX_OPTIONS",
    "TallyHook",
    "VoteIn",
    "VoteResult",
    "poll_close",
    "poll_create",
    "poll_get",
    "poll_open",
    "poll_vote",
    "poll_votes",
]
