"""The only writers of the forums (``<entity>_<verb>(*, actor, ...)``); see the modules."""

from forums.services.moderation import content_hide, content_restore, flag_create, user_mute
from forums.services.posts import post_create, post_delete, post_edit
from forums.services.threads import (
    categories_seed,
    category_save,
    follow_set,
    proposal_status_set,
    support_set,
    thread_create,
    thread_lock_set,
    thread_status_set,
)

__all__ = [
    "categories_seed",
    "category_save",
    "content_hide",
    "content_restore",
    "flag_create",
    "follow_set",
    "post_create",
    "post_delete",
    "post_edit",
    "proposal_status_set",
    "support_set",
    "thread_create",
    "thread_lock_set",
    "thread_status_set",
    "user_mute",
]
