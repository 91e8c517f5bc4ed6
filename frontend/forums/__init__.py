"""Forum pages: categories, thread lists, thread and proposal pages, forms, moderator queue."""
