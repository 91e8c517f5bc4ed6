"""Reads of publications. ``access_*`` functions fetch AND authorise; lists filter visibility in the query."""
