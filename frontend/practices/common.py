"""What the practice pages share: domain errors turned into pages. ``NotFound`` → the 404 page;
signed out → the sign-in page (then back here); not staff of this commune → 403, with the words of
the publication pages (the same staff: those who publish in the commune)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from frontend.refusals import domain_error_pages


def forbidden(request: HttpRequest) -> HttpResponseBase:
    return render(request, "frontend/publications/forbidden.html", status=403)


handles_domain_errors = domain_error_pages(forbidden)
