"""REST API of notifications: inbox, unread count, read marks, preferences, push subscriptions."""
