"""Public council pages (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def member_page(request: HttpRequest, slug: str, pk: int, member_slug: str) -> HttpResponse:
    raise Http404
