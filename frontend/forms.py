"""Forms of the server-rendered pages. They validate shape; services decide."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from django import forms
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import CharField

from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import User

T = TypeVar("T")


class SignupForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        help_text=_("Benin number, e.g. +229 01 97 00 00 00."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices, initial="fr")


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("E-mail address or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=128,
        help_text=_("At least 8 characters, not only digits. Your other devices will be signed out."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class CommuneSearchForm(forms.Form):
    q = forms.CharField(label=_("Search a commune"), required=False, max_length=80)
    department = forms.SlugField(label=_("Department"), required=False)


def apply_field_errors(form: forms.Form, fields: dict[str, list[str]] | None, message: str) -> None:
    """Attach a service's field errors to the form (unknown fields become form-wide errors)."""
    if not fields:
        form.add_error(None, message)
        return
    for name, messages in fields.items():
        target = name if name in form.fields else None
        for text in messages:
            form.add_error(target, text)


class ApiCheckedForm(forms.Form):
    """A page form checked by the REST API's input serializer: a page and the API accept the same
    input and refuse it in the same words (one rule, one implementation).

    The Django fields only render: labels, widgets and their HTML limits, help texts, and what the
    user typed when the page comes back with errors. ``is_valid()`` runs ``serializer_class`` on the
    submitted fields; the services then decide, and their refusals go next to the fields through
    ``submit``."""

    serializer_class: ClassVar[type[serializers.Serializer]]
    # The HTTP status of a page shown again with errors (a service's refusal sets its own: 409...).
    http_status = 400

    def api_data(self) -> QueryDict:
        """What the serializer reads: this form's fields only, as an API client would send them. A
        browser sends every field; here a checkbox left unticked is false (browsers leave it out,
        which the API reads as its default) and a blank field that is not text (a choice, a number,
        a date) is left out (nothing chosen: "required", not "not a valid choice")."""
        text = {
            name for name, field in self.serializer_class().fields.items() if isinstance(field, CharField)
        }
        data = QueryDict(mutable=True)
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                ticked = field.widget.value_from_datadict(self.data, self.files, key)
                data[name] = "true" if ticked else "false"
                continue
            if key not in self.data:
                continue
            values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
            if name not in text and all(value == "" for value in values):
                continue
            data.setlist(name, values)
        return data

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        if not self.is_bound:
            return
        serializer = self.serializer_class(data=self.api_data())
        if serializer.is_valid():
            self.cleaned_data = dict(serializer.validated_data)
            return
        for name, errors in serializer.errors.items():
            for error in errors if isinstance(errors, list) else [errors]:
                self.add_error(name if name in self.fields else None, str(error))

    def submit(
        self, write: Callable[[dict[str, Any]], T], *, on_field: Mapping[str, str] = MappingProxyType({})
    ) -> T | None:
        """``write(cleaned_data)`` when the form is valid; a service's refusal goes next to its field
        (``on_field`` names the field of a refusal that names none, by its code) and the result is
        None: show the page again. A refusal to see or to act (404, 403) is raised as it is."""
        if not self.is_valid():
            return None
        try:
            return write(self.cleaned_data)
        except DomainError as exc:
            field = on_field.get(exc.code)
            if field is None and isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
                raise
            fields = exc.details.get("fields") or ({field: [exc.message]} if field else None)
            apply_field_errors(self, fields, exc.message)
            self.http_status = exc.status
            return None
