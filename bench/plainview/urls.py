"""The reference's one route and view: every row of ``hub_commune``, all columns, as JSON.

A sync view (as most of the hub's are), a raw cursor (no model, no serializer), ``JsonResponse``.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path


def communes(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM hub_commune ORDER BY name")
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"count": len(rows), "results": rows})


urlpatterns = [path("communes/", communes)]
