"""Staff publishing pages: the publishing form, publish/withdraw buttons, adding and replacing files.
Upload forms check the body size before anything reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frontend.forms import apply_field_errors
from frontend.publications.common import commune_for, document_in, handles_domain_errors, upload_limited
from frontend.publications.forms import DocumentForm, FileForm, WithdrawForm
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.selectors import signed_in
from publications.models import Document
from publications.selectors.documents import (
    document_list,
)
from publications.selectors.register import (
    default_fiscal_year,
)
from publications.services import documents as document_services


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def publish_form(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.publish_in_commune", commune):
        raise PermissionDenied()
    form = DocumentForm(
        request.POST or None, request.FILES or None, initial={"fiscal_year": default_fiscal_year()}
    )
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
    }
    return render(request, "frontend/publications/publish.html", context, status=status)


@require_POST
@handles_domain_errors
def document_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = document_in(request, slug, pk, manage=True)
    try:
        _item, published = document_services.document_publish(actor=signed_in(request.user), document=item)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The document is published.") if published else _("It was already published.")
        )
    return redirect("frontend:pub-document", slug=slug, pk=pk)


@require_POST
@handles_domain_errors
def document_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = document_in(request, slug, pk, manage=True)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the withdrawal: it is shown publicly."))
        return redirect("frontend:pub-document", slug=slug, pk=pk)
    try:
        document_services.document_withdraw(
            actor=signed_in(request.user), document=item, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The document is withdrawn. A notice stays public."))
    return redirect("frontend:pub-document", slug=slug, pk=pk)


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
