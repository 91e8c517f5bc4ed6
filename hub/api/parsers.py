"""The API's JSON parser: DRF's, with the nesting limit of every JSON the hub reads (hub/jsonlimits.py).

DRF's ``JSONParser`` lets ``RecursionError`` out of a body nested a few thousand levels deep (a 500);
this one answers 400 with the project's error shape (code ``malformed_body``, a message saying
how deep a body may nest). Every view that names its parsers uses this one, like the default setting.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from hub import jsonlimits


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            jsonlimits.check_depth(text)
            return json.loads(text, parse_constant=_refuse_constant if self.strict else None)
        except jsonlimits.TooDeep as exc:
            message = _("The JSON body is nested too deeply (at most %(limit)s levels).")
            raise ParseError(message % {"limit": exc.limit}) from None
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None


def _refuse_constant(name: str) -> Any:
    """Strict JSON (DRF's default): ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON."""
    raise ValueError(f"{name} is not valid JSON")
