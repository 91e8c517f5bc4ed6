"""What a journal line says beyond its action (``frontend/workspace/audit.py``): the reason given for
a withdrawal or a hidden message, the year of an evaluation report with a link to it, and a roll-call
line in words with the member's name, whose names are fetched once for a page of lines.

The entries are written by the real services; the pages are read through Django's test client.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from council import services as council_services
from council.models import Attendance
from evaluation.services import reports
from hub.models import Commune, Role
from hub.services.audit import audit_record
from practices import services as practice_services
from tests.factories import CommuneFactory, MembershipFactory
from tests.factories_council import Council, council
from tests.factories_practices import PracticeSheetFactory, publisher
from tests.test_publications_staff_pages import browser_for, page

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1  # a year that is over: its report can be published


def fr(msgid: str, **values: Any) -> str:
    """Words as the French catalog has them, as a page writes them (HTML-escaped: "d&#x27;")."""
    with translation.override("fr"):
        return escape(gettext(msgid) % values if values else gettext(msgid))


def presence(status: str) -> str:
    with translation.override("fr"):
        words = pgettext("roll call", status)
    return words[:1].lower() + words[1:]


def lines(html: str) -> list[str]:
    """The journal's lines, newest first."""
    return re.findall(r"<li data-ws-audit>(.*?)</li>", html, flags=re.S)


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html.replace("&amp;", "&")))


def journal(commune: Commune, reader: Any) -> str:
    response = browser_for(reader).get(f"/communes/{commune.slug}/journal/")
    assert response.status_code == 200
    return page(response)


def old_commune(slug: str) -> Commune:
    """An enabled commune on the platform since before ``YEAR`` (so ``YEAR`` can be reported on)."""
    commune = CommuneFactory(slug=slug, name=slug.title())
    created = timezone.make_aware(datetime.datetime(YEAR - 1, 1, 2, 10))
    Commune.objects.filter(pk=commune.pk).update(created_at=created)
    commune.refresh_from_db()
    return commune


# --- Reasons -------------------------------------------------------------------------------------------


def test_a_withdrawn_evaluation_report_names_its_year_links_to_its_page_and_gives_the_reason():
    # given the mayor published the report of the year, then withdrew it with a reason
    cotonou = old_commune("cotonou")
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    report = reports.publish(reports.report_for(cotonou, YEAR, by=mayor), mayor)
    reports.unpublish(report, mayor, "Un chiffre <b>manquait</b> & il fallait le corriger.")

    # when the mayor reads the journal
    html = journal(cotonou, mayor)

    # then both lines name the report by its year and link to its page, which the staff can open
    withdrawn, published = lines(html)[:2]
    link = f"/communes/cotonou/evaluation/{YEAR}/"
    for line in (withdrawn, published):
        assert fr("the evaluation report %(year)s", year=YEAR) in line
        assert link in hrefs(line)
    assert browser_for(mayor).get(link).status_code == 200
    # and the withdrawal says why, as text (escaped), while the publication has no reason
    assert "data-ws-audit-reason" in withdrawn and "data-ws-audit-reason" not in published
    assert "Un chiffre &lt;b&gt;manquait&lt;/b&gt; &amp; il fallait le corriger." in withdrawn
    assert "<b>manquait" not in html


def test_a_withdrawn_practice_sheet_gives_its_reason_and_one_without_a_reason_none():
    cotonou = CommuneFactory(slug="cotonou")
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    officer = publisher(cotonou)
    with_reason, without = PracticeSheetFactory(commune=cotonou), PracticeSheetFactory(commune=cotonou)
    practice_services.sheet_withdraw(actor=officer, sheet=with_reason, reason="  Chiffres à revoir  ")
    practice_services.sheet_withdraw(actor=officer, sheet=without)

    silent, given = lines(journal(cotonou, mayor))[:2]

    assert with_reason.title in given and "Chiffres à revoir" in given and "data-ws-audit-reason" in given
    assert without.title in silent and "data-ws-audit-reason" not in silent


def test_a_reason_stored_as_a_code_of_the_platform_is_not_shown():
    # a closed motion's "reason" is how the result was reached ("tie_rejected"), not words
    c = council(5, commune=CommuneFactory(slug="cotonou"))
    audit_record(
        actor=None,
        action="council.motion_close",
        obj=c.session,
        commune=c.commune,
        data={"result": "rejected", "reason": "tie_rejected"},
    )

    html = journal(c.commune, c.secretary)

    assert "tie_rejected" not in html and "data-ws-audit-reason" not in html


# --- The roll call -------------------------------------------------------------------------------------


def roll_call(c: Council, lines: dict[int, str], proxies: dict[int, int] | None = None) -> None:
    entries = [{"member": c.members[i].pk, "status": status} for i, status in lines.items()]
    entries += [
        {"member": c.members[i].pk, "status": "proxy", "proxy_holder": c.members[h].pk}
        for i, h in (proxies or {}).items()
    ]
    council_services.roll_call(actor=c.secretary, session=c.session, entries=entries)


def test_roll_call_lines_name_the_member_and_say_the_state_in_words():
    # given a roll call: present, late, excused, absent, and one represented by proxy
    c = council(6, commune=CommuneFactory(slug="cotonou"))
    roll_call(c, {0: "present", 1: "late", 2: "excused", 3: "absent"}, proxies={4: 0})

    # when the secretary-general reads the journal
    html = journal(c.commune, c.secretary)

    # then each line names the member and the state in words, never "41@4: absent"
    assert not re.search(r"\d+@\d+", html)
    m = c.members
    for member, status in [(m[0], "Present"), (m[1], "Arrived late"), (m[2], "Excused"), (m[3], "Absent")]:
        assert fr("%(member)s: %(status)s", member=member.full_name, status=presence(status)) in html
    by_proxy = "%(member)s: represented by %(holder)s (proxy)"
    assert fr(by_proxy, member=m[4].full_name, holder=m[0].full_name) in html
    # and each links to the session's roll call, which the reader can open
    desk = f"/seances/{c.session.pk}/conseil/"
    assert desk in hrefs(html)
    assert browser_for(c.secretary).get(desk).status_code == 200


def test_a_changed_roll_call_line_says_what_it_was_before():
    c = council(5, commune=CommuneFactory(slug="cotonou"))
    roll_call(c, {1: "absent"})
    roll_call(c, {1: "late"})

    changed = lines(journal(c.commune, c.secretary))[0]

    late = fr("%(member)s: %(status)s", member=c.members[1].full_name, status=presence("Arrived late"))
    assert f"{late} {fr('(before: %(status)s)', status=presence('Absent'))}" in changed


def test_a_roll_call_line_written_without_data_is_read_from_its_label():
    # an entry that kept only the row's label "<member>@<session>: <status>"
    c = council(5, commune=CommuneFactory(slug="cotonou"))
    roll_call(c, {2: "excused"})
    attendance = Attendance.objects.get(session=c.session, member=c.members[2])
    audit_record(actor=None, action="council.attendance", obj=attendance, commune=c.commune)

    oldest_style = lines(journal(c.commune, c.secretary))[0]

    excused = fr("%(member)s: %(status)s", member=c.members[2].full_name, status=presence("Excused"))
    assert excused in oldest_style and not re.search(r"\d+@\d+", oldest_style)


def test_the_journal_and_the_workspace_read_names_in_a_bounded_number_of_queries(
    django_assert_max_num_queries: Any,
):
    # given a roll call of 5 in the journal
    c = council(30, commune=CommuneFactory(slug="cotonou"))
    roll_call(c, {i: "present" for i in range(5)})
    client = browser_for(c.secretary)
    client.get("/communes/cotonou/espace/")  # warm the caches of the workspace
    with django_assert_max_num_queries(40) as journal_few:
        client.get("/communes/cotonou/journal/")
    with django_assert_max_num_queries(60) as workspace_few:
        client.get("/communes/cotonou/espace/")

    # when 25 more lines (proxies among them) are journaled
    roll_call(c, {i: "present" for i in range(5, 20)}, proxies={i: i - 15 for i in range(20, 30)})

    # then neither page costs one query more
    with django_assert_max_num_queries(len(journal_few.captured_queries)):
        html = page(client.get("/communes/cotonou/journal/"))
    assert html.count("data-ws-audit>") == 30 and not re.search(r"\d+@\d+", html)
    with django_assert_max_num_queries(len(workspace_few.captured_queries)):
        assert client.get("/communes/cotonou/espace/").status_code == 200
