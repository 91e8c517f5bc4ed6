"""The SMS section of the citizen's notification preferences page: which alerts come by SMS (topics),
and the STOP state with a way back.

SMS is not one more column of the per-channel table: it is governed by the topics a person chose and
by STOP (which a person can also send by SMS), both kept by ``notifications.sms.subscriptions``
(``sms_topics_set``, ``sms_subscribe``, ``sms_stop``). Without a phone number on the account, the
section says how to add one, or how to subscribe by texting SUIVRE <COMMUNE>.

The section posts to its own address (``notif-sms``) so that it never touches the e-mail and push
choices of the main form; the answer is a redirect back to the section with a message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from frontend.sms.figures import sms_keyword, sms_number
from hub.errors import DomainError
from hub.models import User
from hub.selectors import signed_in, user_follows
from notifications.sms import subscriptions
from notifications.sms.models import SmsCommuneSettings, SmsProfile, SmsTopic
from publications.models import DocumentType

DOCUMENT_PREFIX = "document:"
TOPIC_CHOICES = [
    ("document", gettext_lazy("Every document the commune publishes")),
    ("session", gettext_lazy("A live session starting")),
    ("answer", gettext_lazy("The answer to my questions")),
    ("commitment", gettext_lazy("The commitments I follow")),
    ("poll", gettext_lazy("Polls during live sessions (answer with the number)")),
    ("contract", gettext_lazy("Public contracts")),
    ("agenda", gettext_lazy("Agenda events")),
]


class SmsTopicsForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=gettext_lazy("Receive by SMS"),
        choices=TOPIC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    document_types = forms.MultipleChoiceField(
        label=gettext_lazy("Or only these kinds of documents"),
        choices=DocumentType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def chosen(self) -> list[str]:
        data = self.cleaned_data
        return [*data["topics"], *(DOCUMENT_PREFIX + kind for kind in data["document_types"])]


def _initial(topics: list[str]) -> dict[str, list[str]]:
    return {
        "topics": [t for t in topics if not t.startswith(DOCUMENT_PREFIX)],
        "document_types": [t[len(DOCUMENT_PREFIX) :] for t in topics if t.startswith(DOCUMENT_PREFIX)],
    }


def sms_section(user: User) -> dict[str, Any]:
    """What the SMS section of the preferences page shows for ``user``."""
    profile = SmsProfile.objects.filter(user=user).first()
    topics = list(SmsTopic.objects.filter(user=user).order_by("topic").values_list("topic", flat=True))
    shared, _own = sms_number(None)
    follows = list(user_follows(user=user))
    own_numbers = dict(
        SmsCommuneSettings.objects.filter(commune__in=[f.commune_id for f in follows])
        .exclude(number="")
        .values_list("commune_id", "number")
    )
    communes = [
        {
            "name": f.commune.name,
            "keyword": sms_keyword(f.commune),
            "number": own_numbers.get(f.commune_id, ""),
        }
        for f in follows
    ]
    return {
        "phone": user.phone or "",
        "stopped_at": profile.opted_out_at if profile else None,
        "subscribed": profile is not None and profile.opted_out_at is None and bool(topics),
        "form": SmsTopicsForm(initial=_initial(topics)),
        "shared_number": shared,
        "communes": communes,
        "example_keyword": communes[0]["keyword"] if communes else "COTONOU",
    }


def _back() -> HttpResponse:
    return redirect(reverse("frontend:notif-preferences") + "#sms")


@login_required
@require_http_methods(["GET", "POST"])
def sms_preferences_post(request: HttpRequest) -> HttpResponse:
    """``action=topics`` saves the topics; ``action=stop`` stops every SMS; ``action=resume`` undoes a
    STOP. Every change goes through ``notifications.sms.subscriptions``. (Opened as a page, it leads
    to the preferences' SMS section instead of an error.)"""
    if request.method == "GET":
        return _back()
    user = signed_in(request.user)
    action = request.POST.get("action", "")
    try:
        if action == "stop":
            subscriptions.sms_stop(user=user)
            messages.success(request, _("No more SMS will be sent to your number."))
        elif action == "resume":
            subscriptions.sms_subscribe(user=user)
            messages.success(request, _("You receive SMS again, for the topics you chose."))
        elif action == "topics":
            form = SmsTopicsForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("These SMS choices are not valid; nothing was changed."))
                return _back()
            topics = form.chosen()
            with transaction.atomic():  # a first choice also makes the person reachable, or neither
                if topics and not SmsProfile.objects.filter(user=user).exists():
                    subscriptions.sms_subscribe(user=user)
                subscriptions.sms_topics_set(user=user, topics=topics)
            messages.success(request, _("Your SMS choices have been saved."))
        else:
            messages.error(request, _("Unknown action; nothing was changed."))
    except DomainError as exc:
        fields = exc.details.get("fields") or {}
        messages.error(request, " ".join(str(m) for ms in fields.values() for m in ms) or exc.message)
    return _back()
