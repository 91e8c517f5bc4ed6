"""Notifications: preferences and in-app/e-mail/push delivery to followers of communes and threads."""
