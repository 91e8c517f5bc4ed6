"""The council's record: its members, the roll call and quorum of each council session, motions and
their votes (named or secret), computed results, and the open data of all of it (``docs/council.md``).

It links the live sessions (``sessions_live``: its events are appended to a session's log, so they
reach viewers live and resume without a gap) and the commune's published documents (a motion's
document, the deliberation an adopted motion becomes); neither of those apps knows it."""
