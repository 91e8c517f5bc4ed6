"""Limits every layer shares (API serializers, services called from websockets)."""

# The largest id or count a client may send: PostgreSQL's bigint. A 30-digit number is refused as
# input instead of overflowing in the database.
ID_MAX = 2**63 - 1


def is_id(value: object) -> bool:
    """A plain positive integer that can be a database id (not a bool, not past bigint)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX
