"""Forum pages. Every write is a POST form that redirects (works without JavaScript); the thread
page adds live updates with ``forum.js`` when JavaScript is on.

One module per responsibility: ``listing`` (forum, categories, thread lists), ``thread`` (the
thread page and the post fragments its live updates fetch: the one place a post is rendered),
``writing`` (new thread, reply, edit, support, follow, flag, status), ``moderation`` (moderators'
actions and queue); ``common`` holds what they share. The views are named here for the URL conf.
"""

from frontend.forums.pages.listing import categories, forum_index, thread_list
from frontend.forums.pages.moderation import moderate, moderation
from frontend.forums.pages.thread import thread_page, thread_posts
from frontend.forums.pages.writing import flag, follow, post_edit, reply, status, support, thread_new

__all__ = [
    "categories",
    "flag",
    "follow",
    "forum_index",
    "moderate",
    "moderation",
    "post_edit",
    "reply",
    "status",
    "support",
    "thread_list",
    "thread_new",
    "thread_page",
    "thread_posts",
]
