"""Routes where an HTTP SMS aggregator posts (``/api/v1/sms/…``), token-authenticated."""

from django.urls import path

from notifications.api import sms

urlpatterns = [
    path("sms/inbound/", sms.SmsInboundView.as_view(), name="sms-inbound"),
    path("sms/receipts/", sms.SmsReceiptView.as_view(), name="sms-receipts"),
]
