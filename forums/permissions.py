"""Who may do what in a forum: predicates on (user, commune), registered with ``rules``.

Writing (threads, replies, supports, flags) needs a signed-in account; staff of the commune answer
officially and set statuses; moderators of the commune hide, restore, lock and mute. Staff act only
in their own commune (the predicates look up roles in *that* commune).
"""

from __future__ import annotations

import rules

from hub.permissions import is_authenticated, is_commune_staff, is_enabled_commune, is_platform_admin

rules.add_perm("forums.participate", is_authenticated)
rules.add_perm("forums.answer_officially", is_platform_admin | (is_enabled_commune & is_commune_staff))
rules.add_perm("forums.set_status", is_platform_admin | (is_enabled_commune & is_commune_staff))
rules.add_perm("forums.edit_categories", is_platform_admin | (is_enabled_commune & is_commune_staff))
# Moderation reuses the core predicate (moderators, mayors, secretaries general).
MODERATE = "hub.moderate_commune"
