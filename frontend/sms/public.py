"""The public page "Communes+ par SMS" (``/sms/``): for people without a smartphone, the number to
text, the keywords, what it costs and what the number is used for. Printed on posters by communes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from notifications.sms.gsm7 import GSM7_SINGLE
from notifications.sms.models import SmsCommuneSettings


@require_GET
def sms_help(request: HttpRequest) -> HttpResponse:
    own_numbers = list(
        SmsCommuneSettings.objects.filter(commune__is_enabled=True)
        .exclude(number="")
        .select_related("commune")
        .order_by("commune__search_name")
        .values_list("commune__name", "number")
    )
    context = {
        "shared_number": settings.SMS_SHARED_NUMBER,
        "own_numbers": own_numbers,
        "max_chars": GSM7_SINGLE,
    }
    return render(request, "frontend/sms/help.html", context)
