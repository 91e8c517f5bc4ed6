"""Realtime plumbing shared by every app: the broadcast helper, websocket auth, the base consumer."""
