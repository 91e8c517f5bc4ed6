"""SMS demo for ``make run`` (``load_demo_data`` calls ``demo_load``; never in production). Safe to
run again.

Each pilot commune gets a monthly SMS budget, so that publishing in the demo sends SMS (through the
local transport: nothing leaves the machine; the staff SMS page shows them). The demo citizen Afiavi
(who has a phone number) receives SMS alerts, and a feature phone that has no account joins
Abomey-Calavi the way a real one would: its ``SUIVRE ABOMEY-CALAVI`` goes through the inbound
pipeline, which creates the account and sends the confirmation.
"""

from __future__ import annotations

from hub.models import Commune, User
from notifications.sms.inbound import inbound_process, inbound_record
from notifications.sms.models import SmsCommuneSettings
from notifications.sms.subscriptions import sms_subscribe

BUDGETS_XOF = {"cotonou": 50_000, "abomey-calavi": 30_000, "akpro-misserete": 10_000}
# Fictional short codes, so that the SMS help page and the staff page show a number to text.
NUMBERS = {"cotonou": "7301", "abomey-calavi": "7302", "akpro-misserete": "7303"}
FEATURE_PHONE = "+2290190000001"
AFIAVI = "citoyenne@demo.communesplus.bj"


def demo_load() -> str:
    communes = {c.slug: c for c in Commune.objects.filter(slug__in=list(BUDGETS_XOF))}
    if not communes:
        return "no pilot communes: SMS demo skipped"
    for slug, commune in communes.items():
        SmsCommuneSettings.objects.get_or_create(
            commune=commune, defaults={"monthly_budget_xof": BUDGETS_XOF[slug], "number": NUMBERS[slug]}
        )
    afiavi = User.objects.filter(email=AFIAVI).first()
    if afiavi is not None and afiavi.phone:
        sms_subscribe(user=afiavi)
    # "SUIVRE" alone, to Abomey-Calavi's own number, as written on its posters.
    row, _created = inbound_record(
        phone_raw=FEATURE_PHONE,
        destination=NUMBERS["abomey-calavi"],
        text="SUIVRE",
        carrier_ref="demo-suivre-abomey-calavi",
    )
    inbound_process(inbound_id=row.pk)  # done already when tasks run in-process: then a no-op
    row.refresh_from_db()
    outcome = row.outcome or "pending"
    return f"SMS budgets and numbers for {len(communes)} communes; feature phone {FEATURE_PHONE}: {outcome}"
