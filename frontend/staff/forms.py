"""Forms of the team and profile pages, checked by the API's input serializers (``ApiCheckedForm``):
the same rules and the same words as ``POST /communes/<slug>/memberships/`` and
``PATCH /communes/<slug>/``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import ApiCheckedForm
from hub.api import serializers as api
from hub.models import Role


class MembershipForm(ApiCheckedForm):
    serializer_class = api.MembershipIn

    user = forms.CharField(
        label=_("E-mail address or phone number of the person"),
        max_length=254,
        help_text=_("They need an account on Communes+ first."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("e.g. 1st deputy mayor"),
    )
    is_public = forms.BooleanField(label=_("Shown on the commune page"), required=False, initial=True)

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        """``roles``: those the signed-in person may grant here (a mayor only by a platform admin)."""
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [("", _("Choose a role")), *[(r, labels[r]) for r in roles]]  # type: ignore[attr-defined]


class CommuneProfileForm(ApiCheckedForm):
    serializer_class = api.CommuneProfileIn

    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What citizens should know about the commune, shown on its page."),
    )
    website = forms.CharField(
        label=_("Website"),
        max_length=200,
        required=False,
        help_text=_("A full address, e.g. https://www.mairie-cotonou.bj"),
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    contact_email = forms.CharField(
        label=_("Contact e-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone number"),
        max_length=32,
        required=False,
        help_text=_("Benin number, e.g. +229 01 21 30 00 00."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
