"""Django admin for platform administrators. The audit log is read-only here, as everywhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hub.errors import InvalidInput
from hub.models import ApiToken, Arrondissement, AuditLogEntry, Commune, Department, Follow, Membership, User
from hub.phone import normalize_benin_phone


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


class ArrondissementInline(admin.TabularInline):
    model = Arrondissement
    extra = 1


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    inlines = [ArrondissementInline]
    list_display = ["name", "department", "is_enabled"]
    list_filter = ["is_enabled", "department"]
    search_fields = ["name", "search_name"]
    readonly_fields = ["slug", "search_name", "created_at", "updated_at"]


class NormalisedIdentifiersMixin(forms.ModelForm):
    """Admin forms store e-mail and phone the way sign-up does (lower-case, E.164), unique
    whatever the case, so that accounts created here can sign in."""

    def clean_email(self) -> str | None:
        email = (self.cleaned_data.get("email") or "").strip().lower() or None
        if email and User.objects.exclude(pk=self.instance.pk).filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account already uses this e-mail address."))
        return email

    def clean_phone(self) -> str | None:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return None
        try:
            phone = normalize_benin_phone(raw)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc
        if User.objects.exclude(pk=self.instance.pk).filter(phone=phone).exists():
            raise forms.ValidationError(_("An account already uses this phone number."))
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("Give an e-mail address or a phone number."))
        return cleaned


class UserChangeForm(NormalisedIdentifiersMixin, BaseUserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "phone",
            "display_name",
            "preferred_language",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "last_login",
            "date_joined",
        )


class UserCreationForm(NormalisedIdentifiersMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "phone", "display_name")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["-date_joined"]
    list_display = ["display_name", "email", "phone", "preferred_language", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "preferred_language"]
    search_fields = ["display_name", "email", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "phone", "password")}),
        (_("Profile"), {"fields": ("display_name", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "phone", "display_name", "password1", "password2")},
        ),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "commune", "role", "title", "is_public", "created_at"]
    list_filter = ["role", "commune"]
    search_fields = ["user__display_name", "user__email", "commune__name"]
    raw_id_fields = ["user", "granted_by"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "commune", "created_at"]
    list_filter = ["commune"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "device_name", "created_at", "last_used_at", "expires_at"]
    readonly_fields = ["prefix", "digest", "user", "created_at", "last_used_at"]
    search_fields = ["user__email", "prefix"]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_label",
        "commune",
        "ip_address",
    ]
    list_filter = ["action", "commune"]
    search_fields = ["actor_label", "object_label", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
