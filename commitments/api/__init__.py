"""The commitments REST API (``/api/v1/commitments/`` and the session's commitments)."""
