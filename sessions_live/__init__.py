"""Live council sessions: chat, polls, accountability Q&A and their websocket consumers (to come)."""
