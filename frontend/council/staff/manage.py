"""The council's composition, kept by the commune's secretary-general or mayor: the members (in office
and past, each with an edit page), the committees and the rules the council votes by.

One page per thing, each form posting back to its page with an ``action``: a refused form comes back
with what was typed and the service's reason next to its field; a saved one redirects (POST, then
GET) with a message. Photo uploads are size-checked before anything reads the body."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from council import selectors, services
from council.models import CouncilMember, CouncilRole
from frontend.council.staff.common import handles_domain_errors, manager_commune, upload_limited
from frontend.council.staff_forms import (
    CommitteeForm,
    DeleteMemberForm,
    MemberForm,
    RulesForm,
    ServiceForm,
)
from frontend.staff.nav import staff_links
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Commune, Membership
from hub.selectors import signed_in


def _manage_url(slug: str, anchor: str = "") -> str:
    return reverse("frontend:council-manage", args=[slug]) + anchor


def _rules_initial(commune: Commune) -> dict[str, Any]:
    rules = selectors.rules_for(commune)
    return {
        "quorum_rule": rules.quorum_rule,
        "quorum_fixed": rules.quorum_fixed,
        "proxies_count_for_quorum": rules.proxies_count_for_quorum,
        "majority_rule": rules.majority_rule,
        "tie_rule": rules.tie_rule,
    }


def _member_initial(member: CouncilMember) -> dict[str, Any]:
    return {
        "full_name": member.full_name,
        "role": member.role,
        "title": member.title,
        "arrondissement": member.arrondissement,
        "mandate_start": member.mandate_start,
        "mandate_end": member.mandate_end,
        "committees": [str(c.pk) for c in member.committees.all()],
        "user": str(member.user_id) if member.user_id else "",
    }


def _accounts(commune: Commune, member: CouncilMember | None = None) -> list[tuple[int, str]]:
    """The accounts a member may be linked to: the commune's staff (and the member's own, kept)."""
    rows = (
        Membership.objects.filter(commune=commune, user__is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    seen: dict[int, str] = {}
    for membership in rows:
        label = f"{membership.user.display_name} ({membership.get_role_display()})"
        seen[membership.user_id] = seen.get(membership.user_id, label)
    if member is not None and member.user_id and member.user_id not in seen and member.user is not None:
        seen[member.user_id] = member.user.display_name
    return list(seen.items())


def _photo_save(request: HttpRequest, form: MemberForm, member: CouncilMember) -> DomainError | None:
    """The photo part of a member form: a new photo, or the current one removed. The refusal, if any."""
    upload = form.cleaned_data.get("photo")
    remove = form.cleaned_data.get("remove_photo", False)
    if not upload and not (remove and member.photo):
        return None
    try:
        services.member_photo_set(actor=signed_in(request.user), member=member, upload=upload or None)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
            raise
        return exc
    return None


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def council_manage(request: HttpRequest, slug: str) -> HttpResponse:
    found = manager_commune(request, slug)
    if isinstance(found, HttpResponse):
        return found
    commune = found
    committees = list(selectors.committees(commune))
    accounts = _accounts(commune)
    member_form = MemberForm(
        committees=committees,
        accounts=accounts,
        auto_id="id_member_%s",
        initial={"role": CouncilRole.COUNCILLOR},
    )
    committee_form = CommitteeForm(auto_id="id_committee_%s")
    rules_form = RulesForm(initial=_rules_initial(commune), auto_id="id_rules_%s")
    status = 200
    if request.method == "POST":
        actor = signed_in(request.user)
        action = request.POST.get("action", "")
        refused: ServiceForm | None = None
        if action == "member_add":
            member_form = MemberForm(
                request.POST, request.FILES, committees=committees, accounts=accounts, auto_id="id_member_%s"
            )
            member = member_form.submit(
                lambda _data: services.member_create(
                    actor=actor, commune=commune, **member_form.member_data(changed_only=False)
                )
            )
            if member is not None:
                photo_error = _photo_save(request, member_form, member)
                if photo_error is not None:
                    messages.warning(
                        request,
                        _("%(name)s is added to the council, but the photo was refused: %(reason)s")
                        % {"name": member.full_name, "reason": photo_error.message},
                    )
                    return redirect("frontend:council-member-edit", slug=slug, pk=member.pk)
                messages.success(request, _("%(name)s is added to the council.") % {"name": member.full_name})
                return redirect(_manage_url(slug, f"#member-{member.pk}"))
            refused = member_form
        elif action == "committee_add":
            committee_form = CommitteeForm(request.POST, auto_id="id_committee_%s")
            committee = committee_form.submit(
                lambda data: services.committee_create(actor=actor, commune=commune, name=data["name"])
            )
            if committee is not None:
                messages.success(request, _("The committee “%(name)s” is added.") % {"name": committee.name})
                return redirect(_manage_url(slug, "#committees"))
            refused = committee_form
        elif action == "committee_delete":
            committee = services.committee_get(commune, request.POST.get("committee"))
            services.committee_delete(actor=actor, committee=committee)
            messages.success(request, _("The committee “%(name)s” is deleted.") % {"name": committee.name})
            return redirect(_manage_url(slug, "#committees"))
        elif action == "rules":
            rules_form = RulesForm(request.POST, auto_id="id_rules_%s")
            rules = rules_form.submit(
                lambda data: services.rules_update(actor=actor, commune=commune, **data)
            )
            if rules is not None:
                messages.success(
                    request,
                    _("The rules are saved. Motions already opened keep the rules they were opened under."),
                )
                return redirect(_manage_url(slug, "#rules"))
            refused = rules_form
        else:
            messages.error(request, _("This form is not known. Reload the page and try again."))
            return redirect(_manage_url(slug))
        status = refused.http_status
    today = timezone.localdate()
    everyone = selectors.sort_members(list(selectors.members(commune, everyone=True)))
    context = {
        "commune": commune,
        "in_office": [m for m in everyone if m.in_office_on(today)],
        "others": [m for m in everyone if not m.in_office_on(today)],
        "committees": committees,
        "member_form": member_form,
        "committee_form": committee_form,
        "rules_form": rules_form,
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/council/staff_manage.html", context, status=status)


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = manager_commune(request, slug)
    if isinstance(found, HttpResponse):
        return found
    commune = found
    member = selectors.member_get(pk, commune=commune)
    committees = list(selectors.committees(commune))
    initial = _member_initial(member)
    accounts = _accounts(member.commune, member)
    form = MemberForm(committees=committees, accounts=accounts, editing=True, initial=initial)
    delete_form = DeleteMemberForm(auto_id="id_delete_%s")
    status = 200
    if request.method == "POST":
        actor = signed_in(request.user)
        if request.POST.get("action") == "delete":
            delete_form = DeleteMemberForm(request.POST, auto_id="id_delete_%s")

            def delete(_data: dict[str, Any]) -> bool:
                services.member_delete(actor=actor, member=member)
                return True

            if delete_form.submit(delete):
                messages.success(request, _("%(name)s is deleted.") % {"name": member.full_name})
                return redirect(_manage_url(slug, "#members"))
            status = delete_form.http_status
        else:
            form = MemberForm(
                request.POST,
                request.FILES,
                committees=committees,
                accounts=accounts,
                editing=True,
                initial=initial,
            )

            def save(_data: dict[str, Any]) -> dict[str, Any]:
                changes = form.member_data(changed_only=True)
                if changes:
                    services.member_update(actor=actor, member=member, **changes)
                return changes

            changes = form.submit(save)
            if changes is not None:
                photo_error = _photo_save(request, form, member)
                if photo_error is None:
                    photo_changed = bool(
                        form.cleaned_data.get("photo") or form.cleaned_data.get("remove_photo")
                    )
                    if changes or photo_changed:
                        messages.success(request, _("%(name)s is saved.") % {"name": member.full_name})
                    else:
                        messages.info(request, _("Nothing was changed."))
                    return redirect(_manage_url(slug, f"#member-{member.pk}"))
                form.add_error("photo", photo_error.message)
                status = photo_error.status
                if changes:
                    messages.warning(request, _("The other changes are saved; the photo was not."))
            else:
                status = form.http_status
        member = selectors.member_get(pk, commune=commune)
    context = {
        "commune": commune,
        "member": member,
        "form": form,
        "delete_form": delete_form,
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/council/staff_member_edit.html", context, status=status)
