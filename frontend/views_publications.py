"""Publication pages: documents by type and year, document page and download, contracts, agenda,
transparency scorecard, search, and the staff publishing forms. They call the same selectors and
services as the API; upload forms check the body size before anything reads it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.forms import apply_field_errors
from frontend.views import page_not_found
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.models import Commune
from hub.publications.api.views.agenda import agenda_ics_response
from hub.publications.downloads import file_response
from hub.publications.errors import FileTooLarge
from hub.publications.models import ContractProcedure, ContractStatus, Document, DocumentType
from hub.publications.register import first_fiscal_year
from hub.publications.selectors.agenda import access_agenda_event, agenda_event_list
from hub.publications.selectors.contracts import access_contract, contract_list, contract_total
from hub.publications.selectors.documents import (
    access_document,
    access_document_file,
    document_list,
    document_years,
)
from hub.publications.selectors.register import (
    commune_register,
    default_fiscal_year,
    register_years,
)
from hub.publications.selectors.register import (
    scorecard as scorecard_list,
)
from hub.publications.services import documents as document_services
from hub.publications.uploads import MAX_FILES_PER_REQUEST, limit_upload_size, upload_max_bytes
from hub.selectors import commune_get, signed_in

PAGE_SIZE = 50

# --- Forms (shape only; services decide) ----------------------------------------------------------


def _year_choices(blank: Any) -> list[tuple[Any, Any]]:
    last = timezone.localdate().year + 1
    return [("", blank), *[(year, str(year)) for year in range(last, 1999, -1)]]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_FILES_PER_REQUEST:
            raise forms.ValidationError(
                _("At most %(count)s files at a time.") % {"count": MAX_FILES_PER_REQUEST}, code="max_files"
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


FILE_HELP = gettext_lazy(
    "PDF, images (PNG, JPEG, WebP), ODT, ODS, DOCX, XLSX or CSV; at most %(size)s MB per file."
)


def _max_mb() -> str:
    return f"{upload_max_bytes() / (1024 * 1024):g}"


def _file_help() -> str:
    return str(FILE_HELP) % {"size": _max_mb()}


def _size_attrs(field: forms.Field) -> None:
    """For publish.js: the limit, and what to say when a chosen file is over it."""
    field.widget.attrs["data-max-bytes"] = upload_max_bytes()
    field.widget.attrs["data-message"] = _("This file is too large: at most %(limit)s MB.") % {
        "limit": _max_mb()
    }


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Type of document"), choices=DocumentType.choices)
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int, choices=())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What citizens should know about this document, in a few sentences."),
    )
    uploads = MultipleFileField(label=gettext_lazy("Files"))
    publish = forms.BooleanField(
        label=gettext_lazy("Publish now (otherwise, a draft that only staff can see)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = _year_choices(_("Choose a year"))  # type: ignore[attr-defined]
        self.fields["uploads"].help_text = _file_help()
        _size_attrs(self.fields["uploads"])


class FileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput())
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
        _size_attrs(self.fields["file"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal (shown publicly)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Helpers -------------------------------------------------------------------------------------------


def _commune(request: HttpRequest, slug: str) -> Commune:
    return commune_get(slug=slug, user=request.user)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _choice(value: Any, choices: type[Any]) -> str:
    return value if value in choices.values else ""


def _page(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _querystring(**params: Any) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/publications/forbidden.html", status=403)


def handles_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``NotFound`` → the HTML 404 page, ``PermissionDenied`` → 403 (or sign in first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return page_not_found(request, None)
        except PermissionDenied:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('frontend:login')}?{urlencode({'next': request.path})}")
            return _forbidden(request)

    return wrapper


def upload_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse an oversized upload (413) from its ``Content-Length`` before the CSRF check reads the
    body; the CSRF check then runs as usual."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if request.method == "POST":
                limit_upload_size(request)
            return protected(request, *args, **kwargs)
        except FileTooLarge as exc:
            back = request.path
            if "pk" in kwargs:  # an upload to a document: back to its page
                back = reverse("frontend:pub-document", args=[kwargs["slug"], kwargs["pk"]])
            context = {"message": exc.message, "back": back}
            return render(request, "frontend/publications/too_large.html", context, status=413)

    return csrf_exempt(wrapper)


def _document_in(request: HttpRequest, slug: str, pk: int, *, manage: bool = False) -> Document:
    document = access_document(request.user, pk, manage=manage)
    if document.commune.slug != slug:
        raise NotFound()
    return document


# --- Documents -----------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
    type_ = _choice(request.GET.get("type"), DocumentType)
    year = _int(request.GET.get("annee"))
    listed = document_list(user=request.user, commune=slug, type=type_, fiscal_year=year)
    context = {
        "commune": commune,
        "page": _page(request, listed),
        "types": DocumentType.choices,
        "years": document_years(commune_slug=slug),
        "query": {"type": type_, "annee": year},
        "querystring": _querystring(type=type_, annee=year),
        "withdrawn": document_list(user=request.user, commune=slug, state="withdrawn")[:20],
        "can_publish": request.user.has_perm("hub.publish_in_commune", commune),
    }
    return render(request, "frontend/publications/documents.html", context)


@require_GET
@handles_domain_errors
def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _document_in(request, slug, pk)
    can_manage = request.user.has_perm("publications.manage_item", item)
    history = [row for row in item.all_files if not row.is_current]  # type: ignore[attr-defined]
    context = {
        "commune": item.commune,
        "document": item,
        "history": history,
        "can_manage": can_manage,
        "can_download": request.user.has_perm("publications.download_file", item),
        "withdraw_form": WithdrawForm() if can_manage else None,
        "file_form": FileForm() if can_manage else None,
        "max_bytes": upload_max_bytes(),
        "too_large_message": _("This file is too large: at most %(limit)s MB.") % {"limit": _max_mb()},
    }
    return render(request, "frontend/publications/document.html", context)


@require_GET
@handles_domain_errors
def document_file_download(request: HttpRequest, slug: str, pk: int, file_id: int) -> HttpResponseBase:
    row = access_document_file(request.user, pk, file_id)
    if row.document.commune.slug != slug:
        raise NotFound()
    return file_response(row)


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def publish_form(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
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
    item = _document_in(request, slug, pk, manage=True)
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
    item = _document_in(request, slug, pk, manage=True)
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
    item = _document_in(request, slug, pk, manage=True)
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


# --- Contracts -----------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def contracts(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
    query: dict[str, Any] = {
        "fiscal_year": _int(request.GET.get("annee")),
        "procedure": _choice(request.GET.get("procedure"), ContractProcedure),
        "status": _choice(request.GET.get("statut"), ContractStatus),
        "q": request.GET.get("q", "").strip()[:100],
    }
    listed = contract_list(
        user=request.user,
        commune=slug,
        fiscal_year=query["fiscal_year"],
        procedure=query["procedure"],
        status=query["status"],
        q=query["q"],
    )
    export_query = _querystring(commune=slug, **query)
    context = {
        "commune": commune,
        "page": _page(request, listed),
        "total": contract_total(listed),
        "query": query,
        "querystring": _querystring(
            annee=query["fiscal_year"], procedure=query["procedure"], statut=query["status"], q=query["q"]
        ),
        "years": _year_choices(_("All years"))[1:],
        "procedures": ContractProcedure.choices,
        "statuses": ContractStatus.choices,
        "csv_url": f"{reverse('publications-api:contract-export-csv')}?{export_query}",
        "json_url": f"{reverse('publications-api:contract-export-json')}?{export_query}",
    }
    return render(request, "frontend/publications/contracts.html", context)


@require_GET
@handles_domain_errors
def contract(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = access_contract(request.user, pk)
    if item.commune.slug != slug:
        raise NotFound()
    return render(request, "frontend/publications/contract.html", {"commune": item.commune, "contract": item})


# --- Agenda --------------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
    past = request.GET.get("passes") == "1"
    now = timezone.now()
    if past:
        events = agenda_event_list(user=request.user, commune=slug, end=now).order_by("-starts_at", "-id")
    else:
        events = agenda_event_list(user=request.user, commune=slug, start=now)
    ics_path = reverse("frontend:pub-agenda-ics", args=[slug])
    context = {
        "commune": commune,
        "page": _page(request, events),
        "past": past,
        "ics_url": request.build_absolute_uri(ics_path),
        "webcal_url": "webcal://" + request.get_host() + ics_path,
    }
    return render(request, "frontend/publications/agenda.html", context)


@require_GET
@handles_domain_errors
def agenda_event(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = access_agenda_event(request.user, pk)
    if item.commune.slug != slug:
        raise NotFound()
    return render(
        request, "frontend/publications/agenda_event.html", {"commune": item.commune, "event": item}
    )


@require_GET
@handles_domain_errors
def agenda_ics(request: HttpRequest, slug: str) -> HttpResponse:
    return agenda_ics_response(request, slug)


# --- Register and scorecard ----------------------------------------------------------------------------


def _fiscal_year(request: HttpRequest) -> int:
    year = _int(request.GET.get("annee"))
    years = register_years()
    return year if year in years else default_fiscal_year()


@require_GET
@handles_domain_errors
def register(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
    year = _fiscal_year(request)
    context = {
        "commune": commune,
        "register": commune_register(commune=commune, fiscal_year=year),
        "years": register_years(),
        "year": year,
    }
    return render(request, "frontend/publications/register.html", context)


@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    year = _fiscal_year(request)
    context = {"registers": scorecard_list(fiscal_year=year), "years": register_years(), "year": year}
    return render(request, "frontend/publications/scorecard.html", context)


# --- Search --------------------------------------------------------------------------------------------


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    commune_slug = request.GET.get("commune", "")[:80]
    type_ = _choice(request.GET.get("type"), DocumentType)
    year = _int(request.GET.get("annee"))
    searched = bool(q or type_ or year or commune_slug)
    results = None
    if searched:
        results = _page(
            request,
            document_list(user=request.user, commune=commune_slug, type=type_, fiscal_year=year, q=q),
            20,
        )
    context = {
        "query": {"q": q, "commune": commune_slug, "type": type_, "annee": year},
        "querystring": _querystring(q=q, commune=commune_slug, type=type_, annee=year),
        "results": results,
        "communes": Commune.objects.enabled().order_by("search_name"),
        "types": DocumentType.choices,
        "years": list(range(timezone.localdate().year + 1, first_fiscal_year() - 6, -1)),
    }
    return render(request, "frontend/publications/search.html", context)
