"""Forms of the forum pages (field checks only; the services decide the rest)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forums.models import FlagReason, ProposalStatus, ThreadKind, ThreadStatus
from forums.services.common import BODY_MAX_CHARS

MAX_ID = 2**31 - 1  # the largest primary key PostgreSQL's integer holds


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ThreadKind.choices, initial=ThreadKind.QUESTION)
    title = forms.CharField(label=_("Title"), min_length=5, max_length=160)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Simple formatting: *italic*, **bold**, lists, > quotes, [links](https://…)."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=BODY_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 5})
    )
    quote_of = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    official = forms.BooleanField(label=_("Answer officially for the town hall"), required=False)
    # Set by the offline queue (offline-queue.js): a reply sent again is made once.
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=FlagReason.choices)
    post = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ThreadStatus.choices)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class ProposalStatusForm(forms.Form):
    proposal_status = forms.ChoiceField(label=_("Proposal status"), choices=ProposalStatus.choices)
    reason = forms.CharField(label=_("Reason (required for a rejection)"), max_length=500, required=False)


class MuteForm(forms.Form):
    user = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365, initial=7)
    reason = forms.CharField(label=_("Reason"), max_length=240)


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )
