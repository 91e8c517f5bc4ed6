"""The SMS pages through Django's test client: the commune's SMS page and workspace card for its staff
(``staff-sms``), the SMS section of the citizen's notification preferences (``notif-sms``), the public
help page (``sms-help``) and the Django admin of the SMS rows.

The figures the staff read are compared with a recount of the ``SmsMessage`` rows the test made; the
budget form is sent good and bad input; who may read and set the budget is a matrix (the commune's
administrators set it, its other staff read it, a citizen and the staff of another commune get 403).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from frontend.sms.figures import mask_phone
from hub.models import AuditLogEntry, Role
from notifications.sms.budget import month_start
from notifications.sms.models import (
    BILLED_STATUSES,
    InboundSms,
    SmsCommuneSettings,
    SmsMessage,
    SmsProfile,
    SmsStatus,
    SmsTopic,
)
from tests.factories import AdminFactory, CommuneFactory, FollowFactory, UserFactory
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db


# --- Given ---------------------------------------------------------------------------------------------


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def text_of(response):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def data_value(response, name):
    found = re.search(rf'data-{name}="(\d+)"', response.content.decode())
    assert found, f"data-{name} not on the page"
    return int(found.group(1))


def field_error(response, field_id):
    found = re.search(
        rf'<div class="field-error" id="{field_id}_error">(.*?)</div>', response.content.decode(), re.S
    )
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def sms_url(commune):
    return reverse("frontend:staff-sms", args=[commune.slug])


def message(commune, status, *, segments=1, phone="+2290197123412", days_ago=0):
    row = SmsMessage.objects.create(
        commune=commune,
        phone=phone,
        kind="document.published",
        text="Nouveau document",
        encoding="gsm7",
        segments=segments,
        cost_xof=segments * 20,
        status=status,
    )
    if days_ago:
        SmsMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return row


def budget(commune, amount, number=""):
    return SmsCommuneSettings.objects.update_or_create(
        commune=commune, defaults={"monthly_budget_xof": amount, "number": number}
    )[0]


def sms_follower(commune, phone, *, stopped=False, topics=("document",)):
    user = UserFactory(phone=phone)
    FollowFactory(user=user, commune=commune)
    SmsProfile.objects.create(user=user, opted_out_at=timezone.now() if stopped else None)
    for topic in topics:
        SmsTopic.objects.create(user=user, topic=topic)
    return user


def recount(commune):
    """What the page must say, counted here from the rows."""
    month = SmsMessage.objects.filter(commune=commune, created_at__gte=month_start())
    billed = month.filter(status__in=BILLED_STATUSES).aggregate(total=Sum("cost_xof"), n=Count("id"))
    by_status = {s: month.filter(status=s).count() for s in SmsStatus.values}
    return {
        "sms-spent": billed["total"] or 0,
        "sms-sent": billed["n"],
        "sms-blocked": by_status[SmsStatus.OVER_BUDGET],
        "sms-delivered": by_status[SmsStatus.DELIVERED],
        "sms-failed": by_status[SmsStatus.FAILED],
        "sms-waiting": by_status[SmsStatus.QUEUED] + by_status[SmsStatus.SUBMITTED],
        "sms-opted-out": by_status[SmsStatus.OPTED_OUT],
        "sms-rate-limited": by_status[SmsStatus.RATE_LIMITED],
    }


# --- The staff page and the workspace card ------------------------------------------------------------


def test_the_figures_on_the_sms_page_equal_a_recount_of_the_rows(settings):
    settings.SMS_COST_XOF = 20
    commune, elsewhere = CommuneFactory(), CommuneFactory()
    budget(commune, 1000)
    for status, segments in [
        (SmsStatus.DELIVERED, 1),
        (SmsStatus.DELIVERED, 2),
        (SmsStatus.DELIVERED, 1),
        (SmsStatus.SUBMITTED, 1),
        (SmsStatus.QUEUED, 3),
        (SmsStatus.FAILED, 1),
        (SmsStatus.OPTED_OUT, 1),
        (SmsStatus.RATE_LIMITED, 1),
    ]:
        message(commune, status, segments=segments)
    message(commune, SmsStatus.DELIVERED, segments=5, days_ago=40)  # last month: not counted
    message(elsewhere, SmsStatus.DELIVERED, segments=4)  # another commune: not counted

    response = client_for(staff_of(commune, Role.MAYOR)).get(sms_url(commune))

    assert response.status_code == 200
    expected = recount(commune)
    assert expected["sms-spent"] == 160 and expected["sms-sent"] == 5  # the scenario, as a check on it
    for name, value in expected.items():
        assert data_value(response, name) == value, name
    assert data_value(response, "sms-budget") == 1000
    assert data_value(response, "sms-remaining") == 1000 - expected["sms-spent"]
    assert "data-sms-suspended" not in response.content.decode()


def test_the_workspace_has_an_sms_card_with_the_same_figures():
    commune = CommuneFactory()
    budget(commune, 500)
    message(commune, SmsStatus.DELIVERED, segments=2)
    sms_follower(commune, "+2290197000001")

    response = client_for(staff_of(commune, Role.MODERATOR)).get(
        reverse("frontend:workspace", args=[commune.slug])
    )

    page = text_of(response)
    assert 'data-ws-section="sms"' in response.content.decode()
    assert "40 of 500 FCFA spent this month, 460 FCFA left." in page
    assert "1 SMS sent · 1 subscriber" in page
    assert sms_url(commune) in response.content.decode()


def test_subscribers_are_followers_with_a_phone_no_stop_and_a_topic():
    commune = CommuneFactory()
    sms_follower(commune, "+2290197000001")
    sms_follower(commune, "+2290197000002", topics=("session", "poll"))
    sms_follower(commune, "+2290197000003", stopped=True)  # said STOP
    sms_follower(commune, "+2290197000004", topics=())  # no topic chosen
    FollowFactory(commune=commune, user=UserFactory(phone=None))  # no phone
    sms_follower(CommuneFactory(), "+2290197000005")  # follows another commune

    response = client_for(staff_of(commune, Role.MAYOR)).get(sms_url(commune))

    assert data_value(response, "sms-subscribers") == 2


def test_messages_refused_for_the_budget_show_the_suspended_notice():
    commune = CommuneFactory()
    budget(commune, 40)
    message(commune, SmsStatus.DELIVERED, segments=2)
    message(commune, SmsStatus.OVER_BUDGET)
    message(commune, SmsStatus.OVER_BUDGET)

    response = client_for(staff_of(commune, Role.FOCAL_POINT)).get(sms_url(commune))

    assert "data-sms-suspended" in response.content.decode()
    page = text_of(response)
    assert "Sending suspended: monthly budget reached." in page
    assert "2 SMS were not sent this month because of the budget." in page
    assert data_value(response, "sms-blocked") == 2
    assert data_value(response, "sms-remaining") == 0


def test_a_commune_without_budget_says_it_sends_nothing():
    commune = CommuneFactory()

    response = client_for(staff_of(commune, Role.MAYOR)).get(sms_url(commune))

    assert "data-sms-no-budget" in response.content.decode()


def test_the_cost_of_one_segment_and_of_an_accented_alert_follow_the_settings(settings):
    settings.SMS_COST_XOF = 25
    commune = CommuneFactory()

    response = client_for(staff_of(commune, Role.MAYOR)).get(sms_url(commune))

    assert data_value(response, "sms-cost") == 25
    # 160 characters with one "ê" are UCS-2: 67 a segment in a long message, so 3 segments.
    assert data_value(response, "sms-accented-cost") == 75
    assert "UCS-2" in text_of(response)


def test_the_page_gives_the_commune_number_or_the_shared_one_and_the_keyword(settings):
    settings.SMS_SHARED_NUMBER = "+22990000000"
    commune = CommuneFactory(name="Abomey-Calavi")
    mayor = staff_of(commune, Role.MAYOR)

    shared = client_for(mayor).get(sms_url(commune))
    budget(commune, 0, number="+22961000000")
    own = client_for(mayor).get(sms_url(commune))

    assert "+22990000000" in text_of(shared)
    assert "SUIVRE ABOMEY-CALAVI" in text_of(shared)
    assert "+22961000000" in text_of(own) and "The commune's SMS number:" in text_of(own)


def test_the_last_messages_show_masked_numbers_status_segments_and_cost():
    commune = CommuneFactory()
    sent = message(commune, SmsStatus.DELIVERED, segments=2, phone="+2290197123412")

    response = client_for(staff_of(commune, Role.SECRETARY_GENERAL)).get(sms_url(commune))

    row = re.search(rf'<tr data-sms-row="{sent.pk}">(.*?)</tr>', response.content.decode(), re.S)
    assert row
    cells = [
        unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    ]
    assert [" ".join(cell.split()) for cell in cells[1:]] == [
        "+229 01 97 ** ** 12",
        "Delivered",
        "40 FCFA 2 segments",
    ]
    assert "0197123412" not in response.content.decode()


def test_the_last_messages_are_the_50_newest():
    commune = CommuneFactory()
    rows = [message(commune, SmsStatus.DELIVERED) for _ in range(52)]

    response = client_for(staff_of(commune, Role.MAYOR)).get(sms_url(commune))

    shown = [int(pk) for pk in re.findall(r'data-sms-row="(\d+)"', response.content.decode())]
    assert shown == [row.pk for row in reversed(rows)][:50]


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+2290197123412", "+229 01 97 ** ** 12"),
        ("+33612345678", "+336******78"),
        ("12345", "*****"),
    ],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


# --- The budget form -------------------------------------------------------------------------------------


def test_the_mayor_sets_the_budget_and_the_journal_says_so():
    commune = CommuneFactory()
    mayor = staff_of(commune, Role.MAYOR)
    client = client_for(mayor)

    response = client.post(sms_url(commune), {"monthly_budget_xof": "15 000"})

    assert response.status_code == 302
    assert SmsCommuneSettings.objects.get(commune=commune).monthly_budget_xof == 15000
    entry = AuditLogEntry.objects.get(action="sms.budget_set", commune=commune)
    assert entry.data == {"before": 0, "after": 15000}
    journal = client.get(reverse("frontend:workspace-journal", args=[commune.slug]))
    assert "Monthly SMS budget set" in text_of(journal)
    assert data_value(client.get(sms_url(commune)), "sms-budget") == 15000


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("-500", "From 0 to 50 000 000 FCFA."),
        ("cinq mille", "A whole number of CFA francs."),
        ("12.5e3", "A whole number of CFA francs."),
        ("50000001", "From 0 to 50 000 000 FCFA."),
        ("9" * 30, "A whole number of CFA francs."),
        ("", "This field is required."),
    ],
)
def test_a_bad_budget_is_refused_next_to_its_field_and_nothing_changes(typed, error):
    commune = CommuneFactory()
    budget(commune, 700)

    response = client_for(staff_of(commune, Role.MAYOR)).post(sms_url(commune), {"monthly_budget_xof": typed})

    assert response.status_code == 400
    assert field_error(response, "id_monthly_budget_xof") == f"Error: {error}"
    assert SmsCommuneSettings.objects.get(commune=commune).monthly_budget_xof == 700
    assert not AuditLogEntry.objects.filter(action="sms.budget_set").exists()


# --- Who may read and set ----------------------------------------------------------------------------------


def _reader(commune, who):
    return {
        "mayor": lambda: staff_of(commune, Role.MAYOR),
        "secretary_general": lambda: staff_of(commune, Role.SECRETARY_GENERAL),
        "moderator": lambda: staff_of(commune, Role.MODERATOR),
        "focal_point": lambda: staff_of(commune, Role.FOCAL_POINT),
        "councillor": lambda: staff_of(commune, Role.COUNCILLOR),
        "platform_admin": lambda: AdminFactory(),
        "citizen": lambda: UserFactory(),
        "mayor_elsewhere": lambda: staff_of(CommuneFactory(), Role.MAYOR),
        "anonymous": lambda: None,
    }[who]()


# who → (status of GET, sees the form and the messages, status of POST)
MATRIX = {
    "mayor": (200, True, 302),
    "secretary_general": (200, True, 302),
    "platform_admin": (200, True, 302),
    "moderator": (200, False, 403),
    "focal_point": (200, False, 403),
    "councillor": (200, False, 403),
    "citizen": (403, False, 403),
    "mayor_elsewhere": (403, False, 403),
    "anonymous": (302, False, 302),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_who_reads_and_who_sets_the_budget(who):
    commune = CommuneFactory()
    budget(commune, 900)
    message(commune, SmsStatus.DELIVERED)
    client = client_for(_reader(commune, who))
    get_status, manages, post_status = MATRIX[who]

    page = client.get(sms_url(commune))
    posted = client.post(sms_url(commune), {"monthly_budget_xof": "1234"})

    assert page.status_code == get_status
    html = page.content.decode()
    assert ("data-sms-budget-form" in html) is manages
    assert ("data-sms-recent" in html) is manages
    if get_status == 200:
        assert ("data-sms-read-only" in html) is not manages
    else:
        assert "data-sms-spent" not in html  # nothing of the commune's figures leaks
    assert posted.status_code == post_status
    if who == "anonymous":
        assert (
            reverse("frontend:login") in page["Location"] and reverse("frontend:login") in posted["Location"]
        )
    expected_budget = 1234 if post_status == 302 and who != "anonymous" else 900
    assert SmsCommuneSettings.objects.get(commune=commune).monthly_budget_xof == expected_budget


def test_an_unknown_commune_is_404():
    response = client_for(AdminFactory()).get(reverse("frontend:staff-sms", args=["nulle-part"]))

    assert response.status_code == 404


def test_the_page_reads_as_many_queries_for_3_or_40_messages(django_assert_max_num_queries):
    commune = CommuneFactory()
    mayor = staff_of(commune, Role.MAYOR)
    for _ in range(3):
        message(commune, SmsStatus.DELIVERED)
    client = client_for(mayor)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(sms_url(commune))
    for _ in range(37):
        message(commune, SmsStatus.FAILED)
    with CaptureQueriesContext(connection) as many:
        client.get(sms_url(commune))

    assert len(many) == len(few)


# --- The citizen's SMS choices --------------------------------------------------------------------------


PREFS = "frontend:notif-preferences"


def test_without_a_phone_the_section_says_how_to_add_one_or_to_text_suivre(settings):
    settings.SMS_SHARED_NUMBER = "+22990000000"
    user = UserFactory(phone=None)
    FollowFactory(user=user, commune=CommuneFactory(name="Porto-Novo"))

    response = client_for(user).get(reverse(PREFS))

    html = response.content.decode()
    assert "data-sms-no-phone" in html
    assert reverse("frontend:profile") in html
    assert "SUIVRE PORTO-NOVO" in text_of(response) and "+22990000000" in text_of(response)
    assert "data-sms-topics-form" not in html


def test_the_generic_table_has_no_sms_column():
    user = UserFactory(phone="+2290197000001")
    FollowFactory(user=user)

    html = client_for(user).get(reverse(PREFS)).content.decode()

    main_form = html.split('class="notif-prefs"', 1)[1].split("</form>", 1)[0]
    assert not re.search(r'name="[^"]*sms[^"]*"', main_form)


def test_choosing_topics_saves_them_and_makes_the_person_reachable():
    user = UserFactory(phone="+2290197000001")
    client = client_for(user)

    response = client.post(
        reverse("frontend:notif-sms"),
        {"action": "topics", "topics": ["session", "poll"], "document_types": ["budget_primitive"]},
    )

    assert response.status_code == 302 and response["Location"].endswith("#sms")
    assert set(SmsTopic.objects.filter(user=user).values_list("topic", flat=True)) == {
        "session",
        "poll",
        "document:budget_primitive",
    }
    assert SmsProfile.objects.get(user=user).opted_out_at is None
    page = client.get(reverse(PREFS))
    assert "Your SMS choices have been saved." in text_of(page)
    checked = re.findall(
        r'<input type="checkbox" name="(\w+)" value="([\w:]+)"[^>]*checked', page.content.decode()
    )
    assert set(checked) == {("topics", "session"), ("topics", "poll"), ("document_types", "budget_primitive")}


def test_unchecking_every_topic_leaves_none():
    user = UserFactory(phone="+2290197000001")
    SmsProfile.objects.create(user=user)
    SmsTopic.objects.create(user=user, topic="document")

    client_for(user).post(reverse("frontend:notif-sms"), {"action": "topics"})

    assert not SmsTopic.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "topics", "topics": ["document:nope"]},
        {"action": "topics", "document_types": ["nope"]},
        {"action": "explode"},
        {},
    ],
)
def test_bad_sms_choices_change_nothing_and_say_so(data):
    user = UserFactory(phone="+2290197000001")
    SmsProfile.objects.create(user=user)
    SmsTopic.objects.create(user=user, topic="document")
    client = client_for(user)

    response = client.post(reverse("frontend:notif-sms"), data)

    assert response.status_code == 302
    assert list(SmsTopic.objects.filter(user=user).values_list("topic", flat=True)) == ["document"]
    assert "nothing was changed" in text_of(client.get(reverse(PREFS)))


def test_choosing_topics_without_a_phone_is_refused_with_the_reason():
    user = UserFactory(phone=None)
    client = client_for(user)

    client.post(reverse("frontend:notif-sms"), {"action": "topics", "topics": ["session"]})

    assert not SmsTopic.objects.filter(user=user).exists()
    assert "Add a phone number to your account to receive SMS." in text_of(client.get(reverse(PREFS)))


def test_stop_shows_the_stopped_state_and_resume_undoes_it():
    user = UserFactory(phone="+2290197000001")
    SmsProfile.objects.create(user=user)
    SmsTopic.objects.create(user=user, topic="session")
    client = client_for(user)

    client.post(reverse("frontend:notif-sms"), {"action": "stop"})
    stopped = client.get(reverse(PREFS))

    assert SmsProfile.objects.get(user=user).opted_out_at is not None
    assert "data-sms-stopped" in stopped.content.decode()
    assert "SMS stopped." in text_of(stopped)
    assert "data-sms-stop>" not in stopped.content.decode()

    client.post(reverse("frontend:notif-sms"), {"action": "resume"})
    resumed = client.get(reverse(PREFS))

    assert SmsProfile.objects.get(user=user).opted_out_at is None
    assert "data-sms-stopped" not in resumed.content.decode()
    assert list(SmsTopic.objects.filter(user=user).values_list("topic", flat=True)) == ["session"]


def test_the_sms_choices_need_an_account():
    response = Client().post(reverse("frontend:notif-sms"), {"action": "stop"})

    assert response.status_code == 302 and reverse("frontend:login") in response["Location"]
    assert not SmsProfile.objects.exists()


# --- The public help page --------------------------------------------------------------------------------


def test_the_help_page_renders_in_french_with_the_keywords_and_the_number(settings):
    settings.SMS_SHARED_NUMBER = "+22990000000"
    budget(CommuneFactory(name="Parakou"), 0, number="+22961000000")

    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("frontend:sms-help"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    with translation.override("fr"):
        title = gettext("Communes+ by SMS")
    assert re.search(rf"<h1>{re.escape(title)}</h1>", html)
    page = text_of(response)
    for keyword in ["SUIVRE COTONOU", "STOP", "AIDE", "QUESTION"]:
        assert keyword in page
    assert "+22990000000" in page and "Parakou" in page and "+22961000000" in page


# --- The Django admin ------------------------------------------------------------------------------------


def test_the_admin_lists_sms_read_only_and_edits_a_communes_settings():
    commune = CommuneFactory()
    message(commune, SmsStatus.FAILED)
    InboundSms.objects.create(dedup_key="ref:1", phone="+2290197000001", text="SUIVRE COTONOU")
    settings_row = budget(commune, 100)
    admin = AdminFactory()
    client = client_for(admin)

    for name in ["smsmessage", "inboundsms", "smscommunesettings", "smsprofile", "smstopic"]:
        assert client.get(reverse(f"admin:notifications_{name}_changelist")).status_code == 200, name
    filtered = client.get(
        reverse("admin:notifications_smsmessage_changelist")
        + f"?status__exact=failed&commune__id__exact={commune.pk}"
    )
    assert filtered.status_code == 200 and "+2290197123412" in filtered.content.decode()
    assert client.get(reverse("admin:notifications_smsmessage_add")).status_code == 403
    change = reverse("admin:notifications_smscommunesettings_change", args=[settings_row.pk])
    saved = client.post(
        change, {"commune": commune.pk, "number": "+22961000000", "monthly_budget_xof": "2500"}
    )
    assert saved.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.number, settings_row.monthly_budget_xof, settings_row.updated_by) == (
        "+22961000000",
        2500,
        admin,
    )


# --- On a 360 px phone, in Chromium -------------------------------------------------------------------------

SHOTS = Path("/tmp/shots_smsui")  # screenshots to look at (not committed)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sms_page_and_the_sms_preferences_fit_a_360px_phone(live_server, settings):
    """No sideways scrolling at 360 px on the staff page (figures, form, masked table) and on the
    preferences' SMS section; screenshots in ``SHOTS``."""
    from tests.browser import chromium

    settings.SMS_SHARED_NUMBER = "+22990000000"
    commune = CommuneFactory(name="Abomey-Calavi")
    budget(commune, 120)  # 120 FCFA spent below: reached
    for status in [SmsStatus.DELIVERED, SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.QUEUED]:
        message(commune, status, segments=2)
    message(commune, SmsStatus.OVER_BUDGET)
    mayor = staff_of(commune, Role.MAYOR)
    citizen = sms_follower(
        commune, "+2290197000001", stopped=True, topics=("session", "document:budget_primitive")
    )
    cookies = {}
    for who, user in [("mayor", mayor), ("citizen", citizen)]:
        client = Client()
        client.force_login(user)
        cookies[who] = client.cookies["sessionid"].value
    SHOTS.mkdir(parents=True, exist_ok=True)

    with chromium() as browser:
        widths = {}
        for who, path, shot in [
            ("mayor", sms_url(commune), "staff_sms_360.png"),
            ("citizen", reverse(PREFS) + "#sms", "preferences_sms_360.png"),
        ]:
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
            context.add_cookies([{"name": "sessionid", "value": cookies[who], "url": live_server.url}])
            page = context.new_page()
            page.goto(live_server.url + path)
            if who == "citizen":
                page.locator("[data-sms-prefs]").screenshot(path=str(SHOTS / shot))
            else:
                page.screenshot(path=str(SHOTS / shot), full_page=True)
            widths[who] = page.evaluate("document.documentElement.scrollWidth")
            assert page.locator("[data-sms-suspended], [data-sms-stopped]").count() == 1
            context.close()

    assert widths == {"mayor": 360, "citizen": 360}
