"""Persistent discussion threads and citizen proposals over DRF (to come)."""
