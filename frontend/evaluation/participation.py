"""The participant's own profile page (``/profil/participation/``): who takes part, by consent.

A signed-in person reads why we ask (in short, plain sentences: many readers have little schooling
or read with difficulty), then answers four optional questions, each with "prefer not to say", and
ticks the consent box to save. The same page changes the answers; deleting them asks for
confirmation on the same template (a plain POST, no JavaScript), then removes the row. The form is
checked by the API's input serializer and saved by the one service
(``evaluation.services.profile``), so the page and ``/api/v1/me/participation-profile/`` refuse the
same input in the same words. The pages are never cached (``never_cache``): the answers are
personal, and a shared phone's back button must not bring them back after a deletion."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from evaluation import selectors_profile as selectors
from evaluation.api.serializers_profile import ParticipationProfileIn
from evaluation.models import AgeBand, Disability, Gender, ParticipantProfile
from evaluation.selectors_profile import CommuneArrondissements
from evaluation.services import profile as services
from frontend.forms import ApiCheckedForm
from hub.selectors import signed_in

TEMPLATE = "frontend/evaluation/participation_profile.html"


class ParticipationProfileForm(ApiCheckedForm):
    """The four questions and the consent box. Radio buttons for the short lists (every choice in
    sight, large targets); the arrondissement, a long list, is a select grouped by commune."""

    serializer_class = ParticipationProfileIn

    gender = forms.ChoiceField(
        label=gettext_lazy("You are"), choices=Gender.choices, widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=gettext_lazy("Your age"), choices=AgeBand.choices, widget=forms.RadioSelect
    )
    arrondissement = forms.ChoiceField(
        label=gettext_lazy("Your arrondissement"),
        help_text=gettext_lazy("The arrondissement where you live."),
        required=False,
    )
    disability = forms.ChoiceField(
        label=gettext_lazy("Do you live with a disability?"),
        help_text=gettext_lazy("For example: you cannot see, hear or walk well."),
        choices=Disability.choices,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that these answers are used, anonymously, for the participation statistics"
        ),
        required=True,
    )

    def __init__(self, *args: Any, arrondissements: list[CommuneArrondissements], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grouped: list[tuple[str, Any]] = [
            (group.commune.name, [(str(a.pk), a.name) for a in group.arrondissements])
            for group in arrondissements
        ]
        self.fields["arrondissement"].choices = [("", _("Prefer not to say")), *grouped]  # type: ignore[attr-defined]


def _initial(profile: ParticipantProfile | None) -> dict[str, Any]:
    """The answers saved, and the consent box ticked when they were given with consent (it is still
    required on every save: unticking it saves nothing)."""
    if profile is None:
        return {
            "gender": Gender.UNDISCLOSED,
            "age_band": AgeBand.UNDISCLOSED,
            "disability": Disability.UNDISCLOSED,
            "arrondissement": "",
        }
    return {
        "gender": profile.gender,
        "age_band": profile.age_band,
        "disability": profile.disability,
        "arrondissement": str(profile.arrondissement_id or ""),
        "consent": True,
    }


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {"min_cell": settings.EVALUATION_MIN_CELL, "prefer_not": Gender.UNDISCLOSED.label, **context}
    return render(request, TEMPLATE, context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def participation_profile(request: HttpRequest) -> HttpResponse:
    """GET: the explanations and the form (the saved answers filled in). POST: save, then back here
    with a message; a refused form comes back with its errors next to the questions (400)."""
    user = signed_in(request.user)
    profile = selectors.profile_of(user)
    choices = selectors.arrondissement_choices()
    if request.method == "POST":
        form = ParticipationProfileForm(request.POST, arrondissements=choices)
        if form.submit(lambda data: services.save_profile(user, data)) is not None:
            messages.success(request, _("Your answers have been saved. Thank you."))
            return redirect("frontend:participation-profile")
        return _page(request, {"form": form, "profile": profile}, status=form.http_status)
    form = ParticipationProfileForm(initial=_initial(profile), arrondissements=choices)
    return _page(request, {"form": form, "profile": profile})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def participation_profile_delete(request: HttpRequest) -> HttpResponse:
    """GET, or a POST without ``confirmed``: the confirmation step. A confirmed POST deletes the
    answers and comes back to the profile page with a message."""
    user = signed_in(request.user)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        if services.delete_profile(user):
            messages.success(request, _("Your answers have been deleted. Nothing of them is kept."))
        else:
            messages.info(request, _("You have no answers to delete."))
        return redirect("frontend:participation-profile")
    profile = selectors.profile_of(user)
    if profile is None:
        messages.info(request, _("You have no answers to delete."))
        return redirect("frontend:participation-profile")
    return _page(request, {"confirm_delete": True, "profile": profile})
