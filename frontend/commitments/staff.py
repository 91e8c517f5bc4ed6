"""The staff forms of the commitments: a new commitment (direct, or from an accepted proposal), a
timeline update (text, status, progress, photos, a published document) and an edit (text, owner,
due date). Each calls the same service as the API; a refused form comes back with what was typed and
the reason next to its field. Uploads are size-checked before anything reads the body."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from commitments import selectors, services
from commitments.errors import Invalid
from commitments.models import Commitment, OriginKind
from commitments.permissions import can_manage
from frontend.commitments.common import handles_domain_errors
from frontend.commitments.forms import CommitmentEditForm, CommitmentNewForm, UpdateForm
from frontend.commitments.pages import detail_render
from frontend.refusals import sign_in_first
from hub.errors import PermissionDenied
from hub.selectors import commune_get
from hub.uploads import FileTooLarge, limit_upload_size


def _detail_url(commitment_id: int, anchor: str = "") -> str:
    return reverse("frontend:commitment", args=[commitment_id]) + anchor


@csrf_exempt
@require_POST
@handles_domain_errors
def post_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A timeline entry. Who may is checked first, then the body's size (before the CSRF check,
    which reads the body), then the CSRF token."""
    commitment = selectors.access_commitment(request.user, pk, manage=True)
    try:
        limit_upload_size(request)
    except FileTooLarge as exc:
        return detail_render(request, commitment, status=413, upload_error=exc.message)
    return _post_update(request, commitment)


@csrf_protect
def _post_update(request: HttpRequest, commitment: Commitment) -> HttpResponseBase:
    form = UpdateForm(
        request.POST,
        request.FILES,
        current_status=commitment.status,
        documents=selectors.evidence_documents(commitment.commune),
    )
    photos = request.FILES.getlist("photos")

    def write(data: dict[str, Any]) -> Any:
        return services.commitment_post_update(
            actor=request.user,
            commitment=commitment,
            text=data.get("text", ""),
            status=data.get("status") or None,
            progress=data.get("progress"),
            document=data.get("document"),
            photos=photos,
        )

    update = form.submit(write)
    if update is None:
        return detail_render(request, commitment, update_form=form, status=form.http_status)
    messages.success(request, _("The update is on the timeline; citizens are told."))
    return redirect(_detail_url(commitment.pk, f"#update-{update.pk}"))


@require_POST
@handles_domain_errors
def edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    commitment = selectors.access_commitment(request.user, pk, manage=True)
    form = CommitmentEditForm(request.POST)
    updated = form.submit(
        lambda data: services.commitment_update(actor=request.user, commitment=commitment, changes=data)
    )
    if updated is None:
        return detail_render(request, commitment, edit_form=form, status=form.http_status)
    messages.success(request, _("The commitment is saved."))
    return redirect(_detail_url(commitment.pk))


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def new(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, commune):
        raise PermissionDenied()
    proposals = list(selectors.accepted_proposals(commune)[:100])
    chosen = request.GET.get("proposition", "")
    form = CommitmentNewForm(
        request.POST or None,
        commune_slug=slug,
        proposals=proposals,
        initial={"origin": OriginKind.PROPOSAL if chosen else OriginKind.DIRECT, "proposal": chosen},
    )
    status = 200
    if request.method == "POST":

        def write(data: dict[str, Any]) -> Commitment:
            origin = data.pop("origin")
            proposal = data.pop("proposal", None)
            data.pop("commune", None)
            data.pop("question", None)
            if origin not in (OriginKind.DIRECT, OriginKind.PROPOSAL):  # questions: from the console
                raise Invalid(fields={"origin": [_("Choose a direct commitment or an accepted proposal.")]})
            if origin == OriginKind.PROPOSAL:
                return services.commitment_create_from_proposal(
                    actor=request.user, commune=commune, proposal_id=proposal, **data
                )
            return services.commitment_create(actor=request.user, commune=commune, **data)

        # An origin that is not (or no longer) an accepted proposal of this commune is said next to
        # the choice, with the service's status (404, 409).
        created = form.submit(write, on_field={"not_found": "proposal", "wrong_status": "proposal"})
        if created is not None:
            messages.success(request, _("The commitment is made; followers of the commune are told."))
            return redirect(_detail_url(created.pk))
        status = form.http_status
    context = {"commune": commune, "form": form, "proposals": proposals}
    response: HttpResponse = render(request, "frontend/commitments/new.html", context, status=status)
    return response
