"""What the staff pages of every kind of publication (documents, contracts, agenda events) share:
fetching the item to manage under its commune's address, publishing it, and withdrawing it with a
public reason. One way for the three kinds: the buttons are on the item's page; a refused withdrawal
comes back on a page of its own, with the reason as typed and the error next to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from frontend.publications.forms import WithdrawForm
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.models import Commune, User
from hub.selectors import signed_in
from publications.models.common import Publishable


@dataclass(frozen=True)
class Kind:
    """One kind of publication, as its staff pages see it."""

    # access(user, pk) fetches AND authorises to see (404 otherwise): the kind's ``access_*`` selector.
    access: Callable[..., Any]
    publish: Callable[[User, Any], tuple[Any, bool]]
    withdraw: Callable[[User, Any, str], Any]
    page: str  # URL name of the item's public page (slug, pk)
    published: Promise
    withdrawn: Promise
    withdraw_title: Promise  # heading of the withdrawal page; takes %(title)s
    withdraw_button: Promise
    reason_label: Promise

    def item_in(self, request: HttpRequest, slug: str, pk: int, *, manage: bool = True) -> Any:
        """The item under its own commune's address: 404 when it may not be seen or is another
        commune's, then 403 when it may be seen but not managed."""
        item = self.access(request.user, pk)
        if item.commune.slug != slug:
            raise NotFound()
        if manage and not request.user.has_perm("publications.manage_item", item):
            raise PermissionDenied()
        return item

    def withdraw_form(self, data: Any = None) -> WithdrawForm:
        form = WithdrawForm(data)
        form.fields["reason"].label = str(self.reason_label)
        return form


def require_publisher(request: HttpRequest, commune: Commune) -> None:
    if not request.user.has_perm("hub.publish_in_commune", commune):
        raise PermissionDenied()


def publish(request: HttpRequest, kind: Kind, slug: str, pk: int) -> HttpResponse:
    """Publish (idempotent: a double click publishes once) and go back to the item's page."""
    item = kind.item_in(request, slug, pk)
    try:
        _item, published_now = kind.publish(signed_in(request.user), item)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, str(kind.published) if published_now else _("It was already published."))
    return redirect(kind.page, slug=slug, pk=pk)


def withdraw(request: HttpRequest, kind: Kind, slug: str, pk: int) -> HttpResponse:
    """GET: the withdrawal form on its own page. POST: withdraw, or show the form again with the
    reason as typed and the error next to it."""
    item: Publishable = kind.item_in(request, slug, pk)
    form = kind.withdraw_form(request.POST if request.method == "POST" else None)
    if form.is_bound:
        done = form.submit(lambda data: kind.withdraw(signed_in(request.user), item, data["reason"]))
        if done is not None:
            messages.success(request, str(kind.withdrawn))
            return redirect(kind.page, slug=slug, pk=pk)
    context = {
        "commune": item.commune,
        "item": item,
        "form": form,
        "title": str(kind.withdraw_title) % {"title": getattr(item, "title", "")},
        "button": kind.withdraw_button,
        "action": request.path,
        "back": item.get_absolute_url(),
    }
    status = form.http_status if form.is_bound else 200
    return render(request, "frontend/publications/withdraw.html", context, status=status)
