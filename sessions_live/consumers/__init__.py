"""``/ws/sessions/<id>/``: the live channel of one council session (protocol in ``docs/sessions.md``).

- ``session.py``: the connection (who may open it, what it joins, in which order) and the messages
  it gets from the channel layer (sign-out, sanctions, the moderation console);
- ``actions.py``: what the client may do (chat, vote, questions, console, resume);
- ``snapshot.py``: the ``hello`` and the reads a connect storm shares;
- ``stream.py``: replay and ordering, the socket's side of the fan-out (``hub.realtime.feed``);
- ``service.py``: the sockets told when the database goes away (read-only for now) and comes back.
"""

from sessions_live.consumers.session import SessionConsumer

__all__ = ["SessionConsumer"]
