"""Every write of the practices app (the REST views, the pages and the demo data call these).

Each service checks permission first, cleans its input (every field in error at once), writes in
one transaction with its audit entry when staff act, and records the outbox events that tell people;
nothing leaves before the commit.
"""

from practices.services.follows import theme_follow, theme_unfollow
from practices.services.questions import question_ask
from practices.services.sheets import sheet_create, sheet_publish, sheet_update, sheet_withdraw
from practices.services.themes import themes_seed

__all__ = [
    "question_ask",
    "sheet_create",
    "sheet_publish",
    "sheet_update",
    "sheet_withdraw",
    "theme_follow",
    "theme_unfollow",
    "themes_seed",
]
