"""Pages of the live council sessions: list, live page and archive, staff and moderator consoles."""
