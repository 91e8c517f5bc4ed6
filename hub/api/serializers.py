"""Input and output serializers of the core API. Input ones validate shape only; services decide."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from hub.models import AuditLogEntry, Commune, Department, Follow, Membership, Role, User

# --- Output -----------------------------------------------------------------------------------


class DepartmentOut(serializers.ModelSerializer):
    commune_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Department
        fields = ["slug", "name", "commune_count"]


class CommuneSummaryOut(serializers.ModelSerializer):
    department: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    is_followed = serializers.SerializerMethodField()

    class Meta:
        model = Commune
        fields = ["slug", "name", "department", "department_name", "is_enabled", "is_followed"]

    def get_is_followed(self, commune: Commune) -> bool | None:
        return getattr(commune, "is_followed", None)


class FollowStateOut(serializers.Serializer):
    commune = serializers.CharField()
    is_followed = serializers.BooleanField()
    follower_count = serializers.IntegerField()


class OfficialOut(serializers.ModelSerializer):
    display_name = serializers.CharField(source="user.display_name")
    role_label = serializers.CharField(source="get_role_display")

    class Meta:
        model = Membership
        fields = ["role", "role_label", "title", "display_name"]


class CommuneDetailOut(CommuneSummaryOut):
    follower_count = serializers.IntegerField(read_only=True)
    officials = OfficialOut(source="public_memberships", many=True, read_only=True)

    class Meta(CommuneSummaryOut.Meta):
        fields = [
            *CommuneSummaryOut.Meta.fields,
            "description",
            "website",
            "contact_email",
            "contact_phone",
            "follower_count",
            "officials",
        ]


class UserPublicOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "display_name"]


class MeOut(serializers.ModelSerializer):
    is_platform_admin = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "display_name",
            "email",
            "phone",
            "preferred_language",
            "is_platform_admin",
            "date_joined",
        ]


class MembershipOut(serializers.ModelSerializer):
    commune: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    user = UserPublicOut(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "commune",
            "commune_name",
            "role",
            "role_label",
            "title",
            "is_public",
            "user",
            "created_at",
        ]


class FollowOut(serializers.ModelSerializer):
    commune = CommuneSummaryOut(read_only=True)

    class Meta:
        model = Follow
        fields = ["commune", "created_at"]


class AuditLogEntryOut(serializers.ModelSerializer):
    commune: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditLogEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "commune",
            "data",
            "ip_address",
        ]


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    user = MeOut()


class TicketOut(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()
    url = serializers.CharField()


class HealthOut(serializers.Serializer):
    status = serializers.CharField()
    checks = serializers.DictField()


# --- Input ------------------------------------------------------------------------------------


class SignupIn(serializers.Serializer):
    email = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    display_name = serializers.CharField(max_length=80)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    preferred_language = serializers.ChoiceField(choices=User.Language.choices, default=User.Language.FRENCH)


class TokenIn(serializers.Serializer):
    identifier = serializers.CharField(max_length=254, help_text="E-mail address or Benin phone number")
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    device_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class ProfileIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, required=False)
    preferred_language = serializers.ChoiceField(choices=User.Language.choices, required=False)
    email = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)


class PasswordChangeIn(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetIn(serializers.Serializer):
    identifier = serializers.CharField(max_length=254)


class PasswordResetConfirmIn(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class CommuneProfileIn(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            message = _("This field cannot be changed.")
            raise serializers.ValidationError({name: [message] for name in sorted(unknown)})
        if not attrs:
            raise serializers.ValidationError(_("Nothing to change."))
        return attrs


class MembershipIn(serializers.Serializer):
    user = serializers.CharField(max_length=254, help_text="E-mail address or phone number of the account")
    role = serializers.ChoiceField(choices=Role.choices)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(required=False, default=True)


class AuditQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, allow_blank=True, default="")
    action = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    actor = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class CommuneQueryIn(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    department = serializers.SlugField(required=False, allow_blank=True, default="")
    enabled = serializers.BooleanField(required=False, allow_null=True, default=None)
