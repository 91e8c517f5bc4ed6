"""Staff pages of documents: the publishing form, publish/withdraw (``lifecycle``, as for contracts
and agenda events), adding and replacing files. Upload forms check the body size before anything
reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from frontend.forms import apply_field_errors
from frontend.publications import lifecycle
from frontend.publications.common import (
    commune_for,
    document_in,
    handles_domain_errors,
    to_int,
    upload_limited,
)
from frontend.publications.forms import DocumentForm, FileForm
from frontend.staff.nav import staff_links
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.selectors import signed_in
from publications.models import Document, DocumentType
from publications.selectors.documents import access_document, document_list
from publications.selectors.register import (
    default_fiscal_year,
)
from publications.services import documents as document_services


def _initial(request: HttpRequest) -> dict[str, Any]:
    """The form's defaults; the workspace's "publish" links name the register's type and year
    (``?type=budget&annee=2026``), ignored when they are not valid choices."""
    initial: dict[str, Any] = {"fiscal_year": default_fiscal_year()}
    if request.GET.get("type") in DocumentType.values:
        initial["type"] = request.GET["type"]
    year = to_int(request.GET.get("annee"))
    if year is not None and 2000 <= year <= 2100:
        initial["fiscal_year"] = year
    return initial


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def publish_form(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.publish_in_commune", commune):
        raise PermissionDenied()
    form = DocumentForm(request.POST or None, request.FILES or None, initial=_initial(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = document_services.document_create(
                    actor=signed_in(request.user),
                    commune=commune,
                    type=data["type"],
                    fiscal_year=data["fiscal_year"],
                    title=data["title"],
                    summary=data["summary"],
                    uploads=data["uploads"],
                    publish=data["publish"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                # The services name the upload "file"/"files"; the form field is "uploads".
                fields = {
                    ("uploads" if name in ("file", "files") else name): errors
                    for name, errors in (exc.details.get("fields") or {}).items()
                }
                apply_field_errors(form, fields, exc.message)
                status = exc.status if exc.status == 413 else 400
            else:
                if created.is_published:
                    messages.success(request, _("The document is published."))
                else:
                    messages.success(
                        request, _("The draft is saved. Only staff can see it until you publish it.")
                    )
                return redirect("frontend:pub-document", slug=slug, pk=created.pk)
    context = {
        "commune": commune,
        "form": form,
        "drafts": document_list(user=request.user, commune=slug, state="draft")[:50],
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/publications/publish.html", context, status=status)


DOCUMENT = lifecycle.Kind(
    access=access_document,
    publish=lambda actor, item: document_services.document_publish(actor=actor, document=item),
    withdraw=lambda actor, item, reason: document_services.document_withdraw(
        actor=actor, document=item, reason=reason
    ),
    page="frontend:pub-document",
    published=gettext_lazy("The document is published."),
    withdrawn=gettext_lazy("The document is withdrawn. A notice stays public."),
    withdraw_title=gettext_lazy("Withdraw the document “%(title)s”"),
    withdraw_button=gettext_lazy("Withdraw"),
    reason_label=gettext_lazy("Reason for withdrawal (shown publicly)"),
)


@require_POST
@handles_domain_errors
def document_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.publish(request, DOCUMENT, slug, pk)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def document_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.withdraw(request, DOCUMENT, slug, pk)


def _file_action(
    request: HttpRequest, slug: str, pk: int, action: Callable[[Document, Any, str], Any]
) -> HttpResponse:
    item = document_in(request, slug, pk, manage=True)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(item, form.cleaned_data["file"], form.cleaned_data["label"])
        except DomainError as exc:
            if isinstance(exc, NotFound | PermissionDenied):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The file is saved."))
            return redirect("frontend:pub-document", slug=slug, pk=pk)
    else:
        messages.error(request, _("Choose a file."))
    return redirect("frontend:pub-document", slug=slug, pk=pk)


@upload_limited
@require_POST
@handles_domain_errors
def document_file_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def add(item: Document, upload: Any, label: str) -> Any:
        return document_services.document_file_add(
            actor=signed_in(request.user), document=item, upload=upload, label=label
        )

    return _file_action(request, slug, pk, add)


@upload_limited
@require_POST
@handles_domain_errors
def document_file_replace(request: HttpRequest, slug: str, pk: int, file_id: int) -> HttpResponse:
    def replace(item: Document, upload: Any, label: str) -> Any:
        current = next((f for f in item.all_files if f.pk == file_id), None)  # type: ignore[attr-defined]
        if current is None:
            raise NotFound()
        return document_services.document_file_replace(
            actor=signed_in(request.user), document_file=current, upload=upload
        )

    return _file_action(request, slug, pk, replace)
