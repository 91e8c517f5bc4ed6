"""Input validation shared by every API view: run an input serializer, raise the one error shape."""

from __future__ import annotations

from typing import Any

from hub.limits import ID_MAX

__all__ = ["ID_MAX", "validated"]


def validated(serializer_class: type, data: Any) -> dict[str, Any]:
    """The validated data of ``serializer_class(data=data)``; a DRF ``ValidationError`` otherwise,
    which the project's exception handler turns into ``{"error": {"code": "invalid", "fields"}}``."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
