"""The commune's SMS page for its staff (``/communes/<slug>/sms/``): this month's budget, what was
spent and refused, the delivery figures, the SMS subscribers, the number and keywords for posters,
and, for those who manage the budget (``hub.manage_sms_budget``: the mayor's office and platform
administrators), the budget form and the last messages sent (numbers masked).

Every staff member of the commune reads the figures; the staff of another commune and citizens get
the 403 page. The budget is set through ``notifications.sms.budget.sms_budget_set`` (audited)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from frontend.forms import apply_field_errors
from frontend.publications.common import commune_for, handles_domain_errors
from frontend.sms.figures import mask_phone, recent_messages, sms_figures
from frontend.staff.nav import staff_links
from hub.errors import InvalidInput, PermissionDenied
from hub.selectors import signed_in
from notifications.sms.budget import BUDGET_MAX_XOF, sms_budget_set
from notifications.sms.models import BILLED_STATUSES

WHOLE_NUMBER = re.compile(r"^-?\d+$")


class BudgetForm(forms.Form):
    """The monthly budget as typed (``10 000`` or ``10000``); the service decides what is valid."""

    monthly_budget_xof = forms.CharField(
        label=gettext_lazy("Monthly SMS budget (FCFA)"),
        max_length=40,
        help_text=gettext_lazy("0 stops every SMS of the commune. The new budget applies at once."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def budget_value(self) -> object:
        """An int when the text is a whole number, else the text itself (which the service refuses)."""
        typed = re.sub(r"[\s\u202f\u00a0.]", "", self.cleaned_data["monthly_budget_xof"])
        return int(typed) if WHOLE_NUMBER.match(typed) and len(typed) <= 20 else typed


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def sms_page(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.view_staff_area", commune):
        raise PermissionDenied()
    can_manage = request.user.has_perm("hub.manage_sms_budget", commune)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied()
    figures = sms_figures(commune)
    form = BudgetForm(
        request.POST if request.method == "POST" else None,
        initial={"monthly_budget_xof": figures.budget.budget_xof},
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                sms_budget_set(
                    actor=signed_in(request.user), commune=commune, monthly_budget_xof=form.budget_value()
                )
            except InvalidInput as exc:
                apply_field_errors(form, exc.details.get("fields"), exc.message)
            else:
                messages.success(request, _("The monthly SMS budget is saved."))
                return redirect("frontend:staff-sms", slug=commune.slug)
    rows = []
    if can_manage:
        rows = [(message, mask_phone(message.phone)) for message in recent_messages(commune)]
    context = {
        "commune": commune,
        "sms": figures,
        "billed_statuses": [str(status) for status in BILLED_STATUSES],
        "form": form,
        "can_manage": can_manage,
        "recent": rows,
        "budget_max": BUDGET_MAX_XOF,
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/sms/staff.html", context, status=status)
