"""Amounts in XOF (francs CFA), as the commune's documents write them."""

from __future__ import annotations


def format_xof(amount: int) -> str:
    """French grouping with a narrow no-break space: "12 500 000 FCFA"."""
    return f"{amount:,}".replace(",", "\u202f") + " FCFA"
