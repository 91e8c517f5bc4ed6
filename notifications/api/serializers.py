"""Input and output serializers of the notifications API."""

from __future__ import annotations

import base64

from rest_framework import serializers

from notifications.models import Channel, Notification, NotificationPreference
from notifications.wording import label


class NotificationOut(serializers.ModelSerializer):
    kind = serializers.CharField(source="event.kind")
    commune = serializers.CharField(source="event.commune.slug")
    commune_name = serializers.CharField(source="event.commune.name")
    title = serializers.SerializerMethodField()
    type_label = serializers.SerializerMethodField()
    path = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "commune",
            "commune_name",
            "title",
            "type_label",
            "path",
            "created_at",
            "is_read",
        ]

    def get_title(self, notification: Notification) -> str:
        return str(notification.event.payload.get("title", ""))

    def get_type_label(self, notification: Notification) -> str:
        return label(notification.event.kind, notification.event.payload)

    def get_path(self, notification: Notification) -> str:
        return str(notification.event.payload.get("path", "/"))

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class UnreadCountOut(serializers.Serializer):
    unread_count = serializers.IntegerField()


class PreferenceOut(serializers.ModelSerializer):
    commune = serializers.SerializerMethodField()

    class Meta:
        model = NotificationPreference
        fields = ["commune", "channel", "enabled", "daily_digest"]

    def get_commune(self, preference: NotificationPreference) -> str | None:
        return preference.commune.slug if preference.commune else None


class PreferenceIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()
    daily_digest = serializers.BooleanField(required=False, default=False)


def _b64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


class PushSubscriptionIn(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)
    keys = serializers.DictField(child=serializers.CharField(max_length=200))

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError("Push endpoints are HTTPS URLs.")
        return value

    def validate_keys(self, value: dict[str, str]) -> dict[str, str]:
        if not {"p256dh", "auth"} <= set(value):
            raise serializers.ValidationError("Both 'p256dh' and 'auth' keys are required.")
        point, secret = _b64url(value["p256dh"]), _b64url(value["auth"])
        # An uncompressed P-256 point and a 16-byte secret, as browsers send them.
        if point is None or len(point) != 65 or point[0] != 4 or secret is None or len(secret) != 16:
            raise serializers.ValidationError("These are not a browser's push subscription keys.")
        return value


class PushUnsubscribeIn(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)


class VapidKeyOut(serializers.Serializer):
    public_key = serializers.CharField(allow_blank=True)
