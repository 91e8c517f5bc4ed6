"""The forum's reading pages above a thread: the communes' forums, a commune's categories and the
thread list of a category (sorts, filters, search, pages by offset)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from forums import selectors
from forums.models import ThreadKind, ThreadStatus
from frontend.forums.pages.common import categories_of, commune_of, int_param
from frontend.publications.common import handles_domain_errors
from hub.models import Commune

THREADS_PER_PAGE = 25
MAX_OFFSET = 100_000


@require_GET
def forum_index(request: HttpRequest) -> HttpResponse:
    communes = Commune.objects.filter(is_enabled=True).order_by("name")
    return render(request, "frontend/forums/index.html", {"communes": communes})


@require_GET
@handles_domain_errors
def categories(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_of(request, slug)
    return render(
        request,
        "frontend/forums/categories.html",
        {
            "commune": commune,
            "categories": categories_of(commune),
            "threads": selectors.thread_list(user=request.user, commune=commune)[:10],
            "is_moderator": selectors.is_moderator(request.user, commune),
        },
    )


@require_GET
@handles_domain_errors
def thread_list(request: HttpRequest, slug: str, category: str) -> HttpResponse:
    commune = commune_of(request, slug)
    current = selectors.category_get(commune=commune, slug=category)
    sort = request.GET.get("tri", "recent")
    sort = sort if sort in selectors.SORTS else "recent"
    kind = request.GET.get("type", "")
    kind = kind if kind in ThreadKind.values else ""
    status = request.GET.get("statut", "")
    status = status if status in ThreadStatus.values else ""
    q = request.GET.get("q", "")[:100]
    threads = selectors.thread_list(
        user=request.user, commune=commune, category=current, kind=kind, status=status, q=q, sort=sort
    )
    offset = int_param(request, "depuis", MAX_OFFSET) or 0
    page = list(threads[offset : offset + THREADS_PER_PAGE + 1])
    context = {
        "commune": commune,
        "category": current,
        "threads": page[:THREADS_PER_PAGE],
        "next_offset": offset + THREADS_PER_PAGE if len(page) > THREADS_PER_PAGE else None,
        "sort": sort,
        "kind": kind,
        "status": status,
        "q": q,
        "kinds": ThreadKind.choices,
        "statuses": ThreadStatus.choices,
        "sorts": [
            ("recent", _("Recent activity")),
            ("supported", _("Most supported")),
            ("unanswered", _("Unanswered")),
        ],
    }
    return render(request, "frontend/forums/threads.html", context)
