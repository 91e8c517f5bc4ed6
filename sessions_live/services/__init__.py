"""Every write of the live sessions app (REST views and the websocket consumer both call these).

Each service checks permission first, writes in one transaction, appends the public event to the
session's log in that transaction and broadcasts after commit (``sessions_live.events``).
"""
