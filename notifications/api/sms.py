"""Where an HTTP SMS aggregator posts to us: inbound messages and delivery receipts.

Not for people or browsers: the caller is the aggregator, authenticated by the shared secret
``settings.SMS_INBOUND_TOKEN`` as ``Authorization: Bearer <token>`` (compared in constant time). No
session authentication, hence no CSRF; with no token configured the endpoints answer 404. The
views are thin: validate, then the same services the SMPP receiver calls (``inbound_record``,
``receipt_record``), so a message is stored and deduplicated the same way whatever brought it.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import validated
from hub.errors import NotAuthenticated, NotFound, PermissionDenied


class InboundSmsIn(serializers.Serializer):
    sender = serializers.CharField(max_length=32)
    to = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=10000, allow_blank=True, trim_whitespace=False)
    id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def get_fields(self):  # type: ignore[no-untyped-def]
        # ``from`` is a Python keyword: the field is declared as ``sender`` and named here.
        fields = super().get_fields()
        fields["from"] = fields.pop("sender")
        return fields


class ReceiptIn(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    status = serializers.ChoiceField(choices=["delivered", "failed"])
    raw = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AggregatorView(APIView):
    """The aggregator's shared secret instead of an account."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    never_answers = {409}

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)  # throttles first
        expected = settings.SMS_INBOUND_TOKEN
        if not expected:
            raise NotFound(_("SMS from an aggregator is not configured here (SMS_INBOUND_TOKEN)."))
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated(_("A bearer token is required."))
        if not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise PermissionDenied(_("This token is not accepted."))


class SmsInboundView(AggregatorView):
    """An MO message: ``{"from", "to", "text", "id"?}``. 201 when stored, 200 when it was already
    (the aggregator resent it)."""

    # Operator callbacks, not the public API of the apps (docs/sms.md): left out of the schema.
    @extend_schema(
        exclude=True,
        request=InboundSmsIn,
        responses={
            201: inline_serializer(
                "InboundSmsOut", {"id": serializers.IntegerField(), "created": serializers.BooleanField()}
            ),
            200: inline_serializer(
                "InboundSmsDuplicateOut",
                {"id": serializers.IntegerField(), "created": serializers.BooleanField()},
            ),
        },
    )
    def post(self, request: Request) -> Response:
        from notifications.sms.inbound import inbound_record

        data = validated(InboundSmsIn, request.data)
        row, created = inbound_record(
            phone_raw=data["from"], destination=data["to"], text=data["text"], carrier_ref=data["id"]
        )
        return Response(
            {"id": row.pk, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SmsReceiptView(AggregatorView):
    """A delivery receipt: ``{"id", "status": "delivered" | "failed", "raw"?}``; ``recorded`` is
    false when no message has that id."""

    @extend_schema(
        exclude=True,
        request=ReceiptIn,
        responses={200: inline_serializer("SmsReceiptOut", {"recorded": serializers.BooleanField()})},
    )
    def post(self, request: Request) -> Response:
        from notifications.sms.sending import receipt_record

        data = validated(ReceiptIn, request.data)
        recorded = receipt_record(
            carrier_id=data["id"], delivered=data["status"] == "delivered", raw=data["raw"] or data["status"]
        )
        return Response({"recorded": recorded})
