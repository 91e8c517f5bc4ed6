"""The council's staff pages through Django's test client: the members, committees and rules
(``council-manage``, ``council-member-edit``) and the desk of a council session (``session-council``).

Who may open them is a matrix (the commune's secretary-general and mayor; not the staff of another
commune, a communication officer or a citizen; anonymous visitors sign in first). Each form's happy
path changes the database through the council's services; every bad input handled is sent and comes
back with the service's words next to the line or the field, and nothing changes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from council.models import (
    Attendance,
    Committee,
    Correction,
    CouncilMember,
    CouncilRules,
    Motion,
    MotionResult,
    MotionStatus,
    MotionVote,
)
from council.services import motion_close, motion_open, roll_call, votes_record
from hub.models import AuditLogEntry, Role
from publications.models import DocumentType
from sessions_live.models import LiveSession, SessionKind, SessionStatus
from tests.factories import CommuneFactory, UserFactory
from tests.factories_council import CommitteeFactory, CouncilMemberFactory, CouncilSessionFactory, council
from tests.factories_publications import PublishedDocumentFactory, png_bytes
from tests.factories_sessions import AgendaItemFactory, staff_of

pytestmark = pytest.mark.django_db


# --- Given ---------------------------------------------------------------------------------------------


@pytest.fixture
def c():
    return council(9)


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def manage_url(c):
    return reverse("frontend:council-manage", args=[c.commune.slug])


def edit_url(c, member):
    return reverse("frontend:council-member-edit", args=[c.commune.slug, member.pk])


def desk_url(c, session=None):
    return reverse("frontend:session-council", args=[(session or c.session).pk])


def all_present(c, count=None):
    """The roll call taken through the service: the first ``count`` members present."""
    members = c.members[: count or len(c.members)]
    roll_call(
        actor=c.secretary, session=c.session, entries=[{"member": m.pk, "status": "present"} for m in members]
    )


def row_error(page, prefix, member):
    """The text of the error block on a member's line (empty if none)."""
    match = re.search(rf'<div class="field-error" id="{prefix}-{member.pk}-error">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def field_error(page, field_id):
    match = re.search(rf'<div class="field-error" id="{field_id}_error">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def council_audit():
    return AuditLogEntry.objects.filter(action__startswith="council.").count()


def member_post(**overrides):
    data = {
        "action": "member_add",
        "full_name": "Adjoua Houngbédji",
        "role": "deputy_mayor",
        "title": "1re adjointe au maire",
        "arrondissement": "Akpakpa",
        "mandate_start": "2020-06-01",
        "mandate_end": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def user_for(role, c):
    if role == "anonymous":
        return None
    if role == "citizen":
        return UserFactory()
    if role == "mayor_elsewhere":
        return staff_of(CommuneFactory(is_enabled=True), Role.MAYOR)
    if role == "secretary_elsewhere":
        return staff_of(CommuneFactory(is_enabled=True), Role.SECRETARY_GENERAL)
    if role == "secretary_general":
        return c.secretary
    return staff_of(c.commune, Role.MAYOR if role == "mayor" else Role.COMMUNICATION_OFFICER)


PAGES = ["manage", "member_edit", "desk"]


def page_url(page, c):
    return {"manage": manage_url(c), "member_edit": edit_url(c, c.members[1]), "desk": desk_url(c)}[page]


# --- Who may open the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["secretary_general", "mayor"])
def test_pages_render_for_the_secretary_general_and_the_mayor(c, role, page):
    # given the commune's secretary-general or mayor
    client = client_for(user_for(role, c))
    # when they open the page
    response = client.get(page_url(page, c))
    # then it renders, with its forms
    assert response.status_code == 200
    body = html(response)
    if page == "manage":
        assert "Aa Maire" in body and 'name="action" value="member_add"' in body
        assert 'value="rules"' in body and 'value="committee_add"' in body
    elif page == "member_edit":
        assert escape(c.members[1].full_name) in body and 'value="delete"' in body
    else:
        assert 'value="roll_call"' in body and f'name="status_{c.mayor.pk}"' in body
        assert 'value="motion_open"' in body and "/projecteur/" in body


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "role", ["mayor_elsewhere", "secretary_elsewhere", "communication_officer", "citizen"]
)
def test_other_people_get_403_and_write_nothing(c, role, page):
    # given someone who does not keep this commune's council record
    client = client_for(user_for(role, c))
    # when they open the page, then post to it
    shown = client.get(page_url(page, c))
    action = {"manage": "member_add", "member_edit": "delete", "desk": "roll_call"}[page]
    posted = client.post(
        page_url(page, c),
        {**member_post(action=action), "confirm": "on", f"status_{c.mayor.pk}": "present"},
    )
    # then both are refused with the 403 page, and nothing is written
    assert shown.status_code == 403 and posted.status_code == 403
    assert "secretary-general and the mayor" in html(shown) or "secretary-general and mayor" in html(shown)
    assert CouncilMember.objects.count() == 9 and not Attendance.objects.exists()
    assert council_audit() == 0


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_sign_in_first(c, page):
    # given an anonymous visitor
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # when they open the page or post to it
    shown = client.get(page_url(page, c))
    posted = client.post(page_url(page, c), member_post())
    # then they are sent to the sign-in page, back here afterwards; nothing is written
    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("frontend:login") + "?next=")
    assert CouncilMember.objects.count() == 9


def test_an_unknown_commune_member_or_session_is_404(c):
    # given the secretary-general
    client = client_for(c.secretary)
    other = CouncilMemberFactory()  # a member of another commune
    # when they open pages that do not exist (here)
    # then each is the 404 page
    assert client.get(reverse("frontend:council-manage", args=["nowhere"])).status_code == 404
    assert client.get(edit_url(c, other)).status_code == 404
    assert client.get(reverse("frontend:session-council", args=[999999])).status_code == 404


# --- Members, committees, rules ----------------------------------------------------------------------


def test_adding_a_member_with_committees_and_a_photo(c):
    # given a committee of the commune
    finance = CommitteeFactory(commune=c.commune, name="Finances")
    client = client_for(c.secretary)
    photo = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    # when the secretary-general adds a member
    response = client.post(manage_url(c), {**member_post(committees=[str(finance.pk)]), "photo": photo})
    # then the member is on the council with their committee and photo; the page says so
    member = CouncilMember.objects.get(full_name="Adjoua Houngbédji")
    assert response.status_code == 302 and response["Location"].endswith(f"#member-{member.pk}")
    assert member.role == "deputy_mayor" and member.mandate_start == datetime.date(2020, 6, 1)
    assert list(member.committees.all()) == [finance] and member.photo
    follow = client.get(response["Location"])
    assert "Adjoua Houngbédji is added to the council." in html(follow)
    assert AuditLogEntry.objects.filter(action="council.member_create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": "  "}, "full_name", "This field is required."),
        (
            {"mandate_start": "2024-01-01", "mandate_end": "2023-01-01"},
            "mandate_end",
            "cannot end before it starts",
        ),
        ({"mandate_start": "hier"}, "mandate_start", "Enter a valid date."),
        ({"role": "king"}, "role", "Select a valid choice."),
        ({"committees": ["999999"]}, "committees", "Select a valid choice."),
    ],
)
def test_a_bad_member_is_refused_next_to_its_field(c, overrides, field, message):
    # given the secretary-general
    client = client_for(c.secretary)
    # when they send a member with a bad field
    response = client.post(manage_url(c), member_post(**overrides))
    # then the page comes back with the reason next to the field, and nothing is created
    assert response.status_code == 400
    assert message in field_error(html(response), f"id_member_{field}")
    assert CouncilMember.objects.count() == 9 and council_audit() == 0


def test_a_photo_that_is_not_an_image_is_refused_after_the_member_is_saved(c):
    # given the secretary-general
    client = client_for(c.secretary)
    upload = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    # when they add a member with a file that is not an image
    response = client.post(manage_url(c), {**member_post(), "photo": upload}, follow=True)
    # then the member is saved without a photo, and the edit page says why the photo was refused
    member = CouncilMember.objects.get(full_name="Adjoua Houngbédji")
    assert member.photo == ""
    assert response.redirect_chain[-1][0] == edit_url(c, member)
    assert "the photo was refused" in html(response)


def test_an_oversized_photo_is_refused_before_anything_is_saved(c, settings):
    # given a 2 kB upload limit
    settings.UPLOAD_MAX_BYTES = 2048
    upload = SimpleUploadedFile("photo.png", png_bytes() + b"\0" * 4096, content_type="image/png")
    # when a member is added with a larger photo
    response = client_for(c.secretary).post(manage_url(c), {**member_post(), "photo": upload})
    # then the page says the file is too large, and no member is created
    assert response.status_code == 413
    assert CouncilMember.objects.count() == 9 and council_audit() == 0


def test_editing_a_member_saves_what_changed_and_removes_the_photo(c):
    # given a member with a photo
    member = c.members[2]
    CouncilMember.objects.filter(pk=member.pk).update(photo="council/old.png")
    client = client_for(c.secretary)
    form = {
        "action": "save",
        "full_name": member.full_name,
        "role": "councillor",
        "title": "Président de la commission des finances",
        "arrondissement": "",
        "mandate_start": member.mandate_start.isoformat(),
        "mandate_end": "",
        "remove_photo": "on",
    }
    # when the mayor saves a new title and removes the photo
    response = client_for(staff_of(c.commune, Role.MAYOR)).post(edit_url(c, member), form)
    # then both are saved, and the audit says only the title changed
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.title == "Président de la commission des finances" and member.photo == ""
    update = AuditLogEntry.objects.get(action="council.member_update")
    assert set(update.data["after"]) == {"title"}
    # and saving again without a change says so
    again = client.post(edit_url(c, member), {**form, "remove_photo": ""}, follow=True)
    assert "Nothing was changed." in html(again)


def test_ending_a_mandate_moves_the_member_to_past_mandates(c):
    # given a member in office
    member = c.members[3]
    client = client_for(c.secretary)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    # when their mandate is ended yesterday
    client.post(
        edit_url(c, member),
        {
            "action": "save",
            "full_name": member.full_name,
            "role": member.role,
            "mandate_start": member.mandate_start.isoformat(),
            "mandate_end": yesterday.isoformat(),
        },
    )
    # then the page lists them under past mandates
    body = html(client.get(manage_url(c)))
    assert body.index("Past and future mandates") < body.index(f'id="member-{member.pk}"')


def test_a_member_entered_by_mistake_is_deleted(c):
    # given a member never called
    member = CouncilMemberFactory(commune=c.commune, full_name="Erreur de saisie")
    client = client_for(c.secretary)
    # when the box is not ticked, nothing is deleted
    refused = client.post(edit_url(c, member), {"action": "delete"})
    assert refused.status_code == 400 and "Tick the box to confirm." in html(refused)
    assert CouncilMember.objects.filter(pk=member.pk).exists()
    # when it is, the member is deleted
    response = client.post(edit_url(c, member), {"action": "delete", "confirm": "on"})
    assert response.status_code == 302 and not CouncilMember.objects.filter(pk=member.pk).exists()


def test_a_member_on_the_record_is_not_deleted(c):
    # given a member on a roll call
    all_present(c)
    member = c.members[1]
    audit = council_audit()
    # when the secretary-general tries to delete them
    response = client_for(c.secretary).post(edit_url(c, member), {"action": "delete", "confirm": "on"})
    # then the service's reason is shown and the member stays
    assert response.status_code == 409
    assert "end their mandate instead of deleting them" in html(response)
    assert CouncilMember.objects.filter(pk=member.pk).exists() and council_audit() == audit


def test_committees_are_added_refused_twice_and_deleted(c):
    client = client_for(c.secretary)
    # when a committee is added
    response = client.post(manage_url(c), {"action": "committee_add", "name": "Affaires domaniales"})
    committee = Committee.objects.get(commune=c.commune)
    assert response.status_code == 302 and committee.name == "Affaires domaniales"
    # when it is added again, the service's reason is shown next to the name
    again = client.post(manage_url(c), {"action": "committee_add", "name": "Affaires domaniales"})
    assert again.status_code == 400
    assert "This committee exists already." in field_error(html(again), "id_committee_name")
    assert Committee.objects.count() == 1
    # when it is deleted, it is gone; a committee of another commune is not found
    elsewhere = CommitteeFactory()
    assert (
        client.post(manage_url(c), {"action": "committee_delete", "committee": elsewhere.pk}).status_code
        == 404
    )
    client.post(manage_url(c), {"action": "committee_delete", "committee": committee.pk})
    assert list(Committee.objects.all()) == [elsewhere]


def test_the_rules_are_saved_and_explained(c):
    client = client_for(c.secretary)
    # given the page explains each choice
    body = html(client.get(manage_url(c)))
    assert "This is the rule of Benin&#x27;s law on communes." in body
    # when the rules are changed
    response = client.post(
        manage_url(c),
        {
            "action": "rules",
            "quorum_rule": "fixed",
            "quorum_fixed": "5",
            "proxies_count_for_quorum": "on",
            "majority_rule": "present",
            "tie_rule": "rejected",
        },
    )
    # then they are saved
    assert response.status_code == 302
    rules = CouncilRules.objects.get(commune=c.commune)
    assert (rules.quorum_rule, rules.quorum_fixed, rules.proxies_count_for_quorum) == ("fixed", 5, True)
    assert (rules.majority_rule, rules.tie_rule) == ("present", "rejected")


def test_a_fixed_quorum_without_a_number_is_refused(c):
    # when the rules ask for a fixed quorum without its number
    response = client_for(c.secretary).post(
        manage_url(c),
        {
            "action": "rules",
            "quorum_rule": "fixed",
            "quorum_fixed": "",
            "majority_rule": "cast",
            "tie_rule": "chair",
        },
    )
    # then the reason is next to the number, and nothing is saved
    assert response.status_code == 400
    assert "Give the number of members the quorum requires." in field_error(
        html(response), "id_rules_quorum_fixed"
    )
    assert not CouncilRules.objects.exists()


def test_an_unknown_action_changes_nothing(c):
    response = client_for(c.secretary).post(manage_url(c), {"action": "drop_everything"}, follow=True)
    assert "This form is not known." in html(response) and council_audit() == 0


# --- The desk: roll call ---------------------------------------------------------------------------------


def roll_post(lines):
    data = {"action": "roll_call"}
    for member, status, holder in lines:
        data[f"status_{member.pk}"] = status
        data[f"holder_{member.pk}"] = str(holder.pk) if holder else ""
    return data


def test_the_roll_call_saves_only_the_lines_that_changed(c):
    m = c.members
    client = client_for(c.secretary)
    lines = [(x, "present", None) for x in m[:6]]
    lines += [(m[6], "proxy", m[1]), (m[7], "excused", None), (m[8], "absent", None)]
    # when the secretary-general takes the roll call
    response = client.post(desk_url(c), roll_post(lines))
    # then every line is saved and the quorum is said in words
    assert response.status_code == 302 and response["Location"].endswith("#roll-call")
    assert Attendance.objects.filter(session=c.session).count() == 9
    assert Attendance.objects.get(member=m[6]).proxy_holder_id == m[1].pk
    page = client.get(desk_url(c))
    body = html(page)
    assert "9 lines of the roll call are saved." in body
    assert "Quorum reached: 6 members counted, 5 required." in body
    # when the same roll call is sent again with one change (a holder left on a line not by proxy is ignored)
    audit = council_audit()
    lines[7] = (m[7], "late", m[2])
    client.post(desk_url(c), roll_post(lines))
    # then only that line is saved
    assert council_audit() == audit + 1
    assert Attendance.objects.get(member=m[7]).status == "late"
    assert Attendance.objects.get(member=m[7]).proxy_holder_id is None


def test_a_roll_call_without_a_change_says_so(c):
    all_present(c)
    audit = council_audit()
    response = client_for(c.secretary).post(
        desk_url(c), roll_post([(x, "present", None) for x in c.members]), follow=True
    )
    assert "Nothing changed in the roll call." in html(response) and council_audit() == audit


def test_a_proxy_holder_who_is_absent_is_refused(c):
    m = c.members
    # given a roll call where the proxy holder is absent
    lines = [(x, "present", None) for x in m[:5]] + [(m[5], "absent", None), (m[6], "proxy", m[5])]
    # when it is sent
    response = client_for(c.secretary).post(desk_url(c), roll_post(lines))
    # then the service's reason names the holder, what was sent is shown again, and nothing is saved
    assert response.status_code == 400
    body = html(response)
    assert escape(f"{m[5].full_name} must be in the room to hold a proxy.") in body
    assert f'id="status-{m[6].pk}-proxy" checked' in body
    assert not Attendance.objects.exists() and council_audit() == 0


def test_a_roll_call_line_for_someone_not_on_the_council_is_refused(c):
    # given a member of another commune's council
    stranger = CouncilMemberFactory()
    lines = [(c.mayor, "present", None), (stranger, "present", None)]
    # when the roll call names them
    response = client_for(c.secretary).post(desk_url(c), roll_post(lines))
    # then it is refused, nothing saved
    assert response.status_code == 400
    assert "Not a member of this council in office" in html(response)
    assert not Attendance.objects.exists()


def test_a_bad_attendance_value_is_refused_on_its_line(c):
    response = client_for(c.secretary).post(desk_url(c), roll_post([(c.mayor, "asleep", None)]))
    assert response.status_code == 400
    assert "Choose one of:" in row_error(html(response), "roll", c.mayor)
    assert not Attendance.objects.exists()


def test_the_roll_call_of_an_ended_session_is_closed(c):
    # given an ended session with its roll call
    all_present(c)
    LiveSession.objects.filter(pk=c.session.pk).update(status=SessionStatus.ENDED)
    client = client_for(c.secretary)
    # then the page shows it without its submit button, and a forced post is refused
    body = html(client.get(desk_url(c)))
    assert "its roll call is part of the record" in body and "Save the roll call" not in body
    response = client.post(desk_url(c), roll_post([(c.mayor, "absent", None)]))
    assert response.status_code == 409 and Attendance.objects.get(member=c.mayor).status == "present"


# --- The desk: motions and votes --------------------------------------------------------------------------


def open_post(**overrides):
    data = {"action": "motion_open", "title": "Budget primitif 2027", "text": "", "majority_rule": "cast"}
    data.update(overrides)
    return data


def test_opening_a_motion_on_the_current_item_about_a_document(c):
    # given the quorum, a current agenda item and a published document
    all_present(c, 6)
    item = AgendaItemFactory(session=c.session, position=1, title="Budget")
    LiveSession.objects.filter(pk=c.session.pk).update(current_item=item)
    document = PublishedDocumentFactory(commune=c.commune)
    client = client_for(c.secretary)
    body = html(client.get(desk_url(c)))
    assert f'<option value="{item.pk}" selected>' in body
    # when a motion is opened with the document
    response = client.post(desk_url(c), open_post(document=str(document.pk), agenda_item=str(item.pk)))
    # then it is open, on the current item, about the document
    assert response.status_code == 302
    motion = Motion.objects.get(session=c.session)
    assert (motion.status, motion.agenda_item_id, motion.document_id) == ("open", item.pk, document.pk)
    assert motion.chair_id == c.mayor.pk and not motion.secret


def test_a_motion_without_the_quorum_is_refused(c):
    # given 3 members of 9 in the room
    all_present(c, 3)
    # when a motion is opened
    response = client_for(c.secretary).post(desk_url(c), open_post())
    # then the service's reason is shown with the form, and no motion exists
    assert response.status_code == 409
    assert "The quorum is not reached (3 of 5 members)" in html(response)
    assert not Motion.objects.exists()


def test_a_motion_without_a_title_is_refused(c):
    all_present(c)
    response = client_for(c.secretary).post(desk_url(c), open_post(title=""))
    assert response.status_code == 400
    assert "This field is required." in field_error(html(response), "id_title")
    assert not Motion.objects.exists()


@pytest.fixture
def voting(c):
    """A motion open for a named vote: 6 present, member 6 represented by member 1, member 7 absent."""
    m = c.members
    entries = [{"member": x.pk, "status": "present"} for x in m[:6]]
    entries += [{"member": m[6].pk, "status": "proxy", "proxy_holder": m[1].pk}]
    entries += [{"member": m[7].pk, "status": "absent"}]
    roll_call(actor=c.secretary, session=c.session, entries=entries)
    return motion_open(actor=c.secretary, session=c.session, title="Budget primitif 2027")


def votes_post(motion, votes):
    data = {"action": "votes", "motion": str(motion.pk)}
    data.update({f"choice_{member.pk}": choice for member, choice in votes})
    return data


def test_the_voters_are_listed_with_their_proxy_holder(c, voting):
    body = html(client_for(c.secretary).get(desk_url(c)))
    m = c.members
    assert f'name="choice_{m[0].pk}"' in body and f'name="choice_{m[6].pk}"' in body
    assert escape(f"by proxy: {m[1].full_name}") in body
    assert f'name="choice_{m[7].pk}"' not in body and f'name="choice_{m[8].pk}"' not in body


def test_named_votes_are_recorded_and_the_vote_closed_with_its_result(c, voting):
    m = c.members
    client = client_for(c.secretary)
    # when four vote for and three against (one by proxy)
    votes = [(x, "for") for x in m[:4]] + [(m[4], "against"), (m[5], "against"), (m[6], "against")]
    response = client.post(desk_url(c), votes_post(voting, votes))
    # then the votes are recorded, the proxy's by its holder
    assert response.status_code == 302
    assert MotionVote.objects.filter(motion=voting).count() == 7
    assert MotionVote.objects.get(member=m[6]).cast_by_id == m[1].pk
    body = html(client.get(desk_url(c)))
    assert (
        "7 votes are recorded." in body and "Every member present or represented has a recorded vote." in body
    )
    # when the vote is closed
    closed = client.post(desk_url(c), {"action": "close", "motion": voting.pk}, follow=True)
    # then the result is computed and shown in words
    voting.refresh_from_db()
    assert (voting.status, voting.result) == (MotionStatus.CLOSED, MotionResult.ADOPTED)
    assert "The vote on motion 1 is closed: Adopted — 4 for, 4 votes needed." in html(closed)


def test_a_vote_for_a_member_not_present_is_refused(c, voting):
    m = c.members
    # when the votes include the absent member
    response = client_for(c.secretary).post(desk_url(c), votes_post(voting, [(m[0], "for"), (m[7], "for")]))
    # then the reason is shown, and no vote is recorded (not even the good one)
    assert response.status_code == 409
    assert "Neither present nor represented" in html(response)
    assert not MotionVote.objects.exists()


def test_a_second_vote_for_a_member_is_refused(c, voting):
    m = c.members
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": m[0].pk, "choice": "for"}])
    # when the same member's vote is sent again, with another member's
    response = client_for(c.secretary).post(
        desk_url(c), votes_post(voting, [(m[0], "against"), (m[1], "for")])
    )
    # then it is refused on that member's line, and nothing changes
    assert response.status_code == 409
    body = html(response)
    assert "Already recorded" in body
    assert MotionVote.objects.get(member=m[0]).choice == "for" and MotionVote.objects.count() == 1


def test_a_vote_after_the_close_is_refused(c, voting):
    m = c.members
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": m[0].pk, "choice": "for"}])
    motion_close(actor=c.secretary, motion=voting)
    # when a vote is posted for the closed motion (a page left open)
    response = client_for(c.secretary).post(desk_url(c), votes_post(voting, [(m[1], "for")]))
    # then it is refused in the service's words
    assert response.status_code == 409
    assert "The vote on this motion is closed." in html(response)
    assert MotionVote.objects.count() == 1


def test_a_vote_form_without_a_choice_or_with_a_bad_one_is_refused(c, voting):
    client = client_for(c.secretary)
    empty = client.post(desk_url(c), votes_post(voting, []))
    assert empty.status_code == 400 and "Choose a vote for at least one member." in html(empty)
    bad = client.post(desk_url(c), votes_post(voting, [(c.mayor, "maybe")]))
    assert bad.status_code == 400 and "Choose one of:" in row_error(html(bad), "voter", c.mayor)
    assert not MotionVote.objects.exists()


def test_closing_twice_is_refused(c, voting):
    motion_close(actor=c.secretary, motion=voting)
    response = client_for(c.secretary).post(desk_url(c), {"action": "close", "motion": voting.pk})
    assert response.status_code == 409 and "This vote is closed already." in html(response)


def test_a_motion_of_another_session_is_not_found(c, voting):
    other = council(3)
    response = client_for(other.secretary).post(desk_url(other), {"action": "close", "motion": voting.pk})
    assert response.status_code == 404
    voting.refresh_from_db()
    assert voting.status == MotionStatus.OPEN


def test_a_vote_is_corrected_with_its_reason(c, voting):
    m = c.members
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": x.pk, "choice": "for"} for x in m[:3]])
    motion_close(actor=c.secretary, motion=voting)
    client = client_for(c.secretary)
    post = {"action": "vote_correct", "motion": voting.pk, "member": m[2].pk, "choice": "against"}
    # when the reason is missing, nothing changes
    refused = client.post(desk_url(c), {**post, "reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in field_error(html(refused), f"id_vc{voting.pk}_reason")
    assert '<details class="desk-details" open>' in html(refused)
    # when a member without a recorded vote is named, the reason is next to the member
    missing = client.post(desk_url(c), {**post, "member": m[5].pk, "reason": "Erreur"})
    assert missing.status_code == 400
    assert "Select a valid choice." in field_error(html(missing), f"id_vc{voting.pk}_member")
    assert not Correction.objects.exists() and MotionVote.objects.get(member=m[2]).choice == "for"
    # when the reason is given, the vote is corrected, publicly
    response = client.post(desk_url(c), {**post, "reason": "Erreur de saisie du secrétariat"})
    assert response.status_code == 302
    assert MotionVote.objects.get(member=m[2]).choice == "against"
    assert Correction.objects.get(motion=voting).reason == "Erreur de saisie du secrétariat"


def test_the_deliberation_of_an_adopted_motion_is_linked(c, voting):
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": c.mayor.pk, "choice": "for"}])
    motion_close(actor=c.secretary, motion=voting)
    deliberation = PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    budget = PublishedDocumentFactory(commune=c.commune, type=DocumentType.BUDGET_PRIMITIVE)
    client = client_for(c.secretary)
    post = {"action": "deliberation", "motion": voting.pk}
    # a document that is not a deliberation is not offered, and refused if sent
    offered = re.search(r'<select name="deliberation".*?</select>', html(client.get(desk_url(c))), re.S)
    assert f'value="{deliberation.pk}"' in offered.group(0) and f'value="{budget.pk}"' not in offered.group(0)
    refused = client.post(desk_url(c), {**post, "deliberation": budget.pk})
    assert refused.status_code == 400
    voting.refresh_from_db()
    assert voting.deliberation_id is None
    # when the deliberation is chosen, the motion links to it
    response = client.post(desk_url(c), {**post, "deliberation": deliberation.pk})
    assert response.status_code == 302
    voting.refresh_from_db()
    assert voting.deliberation_id == deliberation.pk


# --- The desk: secret ballots --------------------------------------------------------------------------


@pytest.fixture
def secret(c):
    all_present(c, 7)
    return motion_open(actor=c.secretary, session=c.session, title="Élection du bureau", secret=True)


def counts_post(motion, action="counts", **counts):
    data = {
        "action": action,
        "motion": motion.pk,
        "votes_for": "4",
        "votes_against": "2",
        "abstentions": "1",
        "not_voting": "0",
    }
    data.update({key: str(value) for key, value in counts.items()})
    return data


def test_a_secret_ballot_records_counts_then_closes(c, secret):
    client = client_for(c.secretary)
    body = html(client.get(desk_url(c)))
    assert 'value="counts"' in body and 'name="choice_' not in body
    response = client.post(desk_url(c), counts_post(secret))
    assert response.status_code == 302
    secret.refresh_from_db()
    assert (secret.votes_for, secret.votes_against, secret.abstentions) == (4, 2, 1)
    client.post(desk_url(c), {"action": "close", "motion": secret.pk})
    secret.refresh_from_db()
    assert secret.result == MotionResult.ADOPTED


def test_more_ballots_than_members_present_are_refused(c, secret):
    response = client_for(c.secretary).post(desk_url(c), counts_post(secret, votes_for=8))
    assert response.status_code == 400
    assert "11 ballots for 7 members present or represented" in html(response)
    secret.refresh_from_db()
    assert secret.votes_for == 0


def test_a_negative_count_is_refused_next_to_it(c, secret):
    response = client_for(c.secretary).post(desk_url(c), counts_post(secret, votes_against=-1))
    assert response.status_code == 400
    assert field_error(html(response), "id_counts_votes_against")
    secret.refresh_from_db()
    assert secret.votes_against == 0


def test_closing_a_secret_ballot_without_counts_is_refused(c, secret):
    response = client_for(c.secretary).post(desk_url(c), {"action": "close", "motion": secret.pk})
    assert response.status_code == 409
    assert "Record the counts of the secret ballot before closing it." in html(response)


def test_a_secret_ballot_is_corrected_with_its_reason(c, secret):
    client = client_for(c.secretary)
    client.post(desk_url(c), counts_post(secret))
    response = client.post(
        desk_url(c), {**counts_post(secret, "counts_correct", votes_for=3), "reason": "Recomptage"}
    )
    assert response.status_code == 302
    secret.refresh_from_db()
    assert secret.votes_for == 3 and Correction.objects.get(motion=secret).what == "counts"


# --- The desk: other sessions, CSRF ----------------------------------------------------------------------


def test_a_session_that_is_not_a_council_sitting_is_explained(c):
    hearing = CouncilSessionFactory(commune=c.commune, kind=SessionKind.HEARING)
    response = client_for(c.secretary).get(desk_url(c, hearing))
    assert response.status_code == 200
    assert "it has no roll call and no motions" in html(response)
    assert 'value="roll_call"' not in html(response)


def test_the_desk_forms_need_the_csrf_token(c):
    # given a client that checks CSRF like a browser
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(c.secretary)
    data = roll_post([(x, "present", None) for x in c.members])
    # when the roll call is posted without the token, it is refused and nothing is saved
    assert client.post(desk_url(c), data).status_code == 403
    assert not Attendance.objects.exists()
    # when it is posted with the page's token, it is saved
    page = html(client.get(desk_url(c)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(desk_url(c), {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Attendance.objects.count() == 9


def test_the_manage_forms_need_the_csrf_token(c):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(c.secretary)
    assert client.post(manage_url(c), member_post()).status_code == 403
    assert CouncilMember.objects.count() == 9


# --- The links to these pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"), [("secretary_general", True), ("mayor", True), ("communication_officer", False)]
)
def test_the_workspace_and_the_console_link_here_for_those_who_keep_the_record(c, role, shown):
    # given a member of the commune's staff, a council session and a hearing
    client = client_for(user_for(role, c))
    hearing = CouncilSessionFactory(commune=c.commune, kind=SessionKind.HEARING)
    # when they open the workspace and the consoles
    workspace = html(client.get(reverse("frontend:workspace", args=[c.commune.slug])))
    console = html(client.get(reverse("frontend:session-console", args=[c.session.pk])))
    hearing_console = html(client.get(reverse("frontend:session-console", args=[hearing.pk])))
    # then the links to the council's pages are there for the secretary-general and the mayor only,
    # and the desk's only on a council session
    assert (f'href="{manage_url(c)}"' in workspace) is shown
    assert (f'href="{desk_url(c)}"' in console) is shown
    assert f'href="{desk_url(c, hearing)}"' not in hearing_console


# --- Query counts ------------------------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def closed_motion(c, title):
    motion = motion_open(actor=c.secretary, session=c.session, title=title)
    votes_record(
        actor=c.secretary, motion=motion, votes=[{"member": m.pk, "choice": "for"} for m in c.members[:6]]
    )
    return motion_close(actor=c.secretary, motion=motion)


def test_the_desk_reads_as_many_queries_for_one_motion_as_for_three(c):
    # given the roll call and one adopted motion, then two more
    all_present(c)
    PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    client = client_for(c.secretary)
    closed_motion(c, "Premier")
    one = queries_for(client, desk_url(c))
    closed_motion(c, "Deuxième")
    closed_motion(c, "Troisième")
    # then the desk reads the same number of queries
    assert queries_for(client, desk_url(c)) == one


def test_the_members_page_reads_as_many_queries_for_few_members_as_for_many(c):
    client = client_for(c.secretary)
    CommitteeFactory(commune=c.commune)
    few = queries_for(client, manage_url(c))
    for _ in range(5):
        member = CouncilMemberFactory(commune=c.commune)
        member.committees.set(Committee.objects.filter(commune=c.commune))
    assert queries_for(client, manage_url(c)) == few


def test_ending_the_session_closes_the_vote_left_open_with_the_votes_it_has():
    # given a live council session with a vote open and two votes recorded
    c = council(5)
    roll_call(
        actor=c.secretary,
        session=c.session,
        entries=[{"member": m.pk, "status": "present"} for m in c.members],
    )
    motion = motion_open(actor=c.secretary, session=c.session, title="Budget")
    votes_record(
        actor=c.secretary, motion=motion, votes=[{"member": m.pk, "choice": "for"} for m in c.members[:2]]
    )
    client = Client()
    client.force_login(c.secretary)
    # when the secretary-general ends the session from its page
    response = client.post(f"/seances/{c.session.pk}/terminer/", {"confirmed": "1"})
    # then the session has ended and the vote closed with its result computed
    assert response.status_code == 302
    assert LiveSession.objects.get(pk=c.session.pk).status == "ended"
    closed = Motion.objects.get(pk=motion.pk)
    assert closed.status == MotionStatus.CLOSED and closed.result == "adopted" and closed.votes_for == 2


def test_a_member_is_linked_to_a_staff_account_of_the_commune_from_the_edit_page():
    # given a council member without an account, and the deputy mayor's staff account
    c = council(3)
    deputy = UserFactory(display_name="Adjoint Test")
    from hub.models import Membership

    Membership.objects.create(user=deputy, commune=c.commune, role=Role.DEPUTY_MAYOR)
    member = c.members[1]
    client = Client()
    client.force_login(c.secretary)
    url = reverse("frontend:council-member-edit", args=[c.commune.slug, member.pk])
    # then the edit page offers the commune's staff accounts
    page = client.get(url).content.decode()
    assert f'value="{deputy.pk}"' in page and "Adjoint Test" in page
    # when the secretary-general links the member to it
    form = {
        "full_name": member.full_name,
        "role": member.role,
        "mandate_start": member.mandate_start.isoformat(),
        "user": str(deputy.pk),
    }
    response = client.post(url, form)
    # then the member has the account, and the change is audited
    assert response.status_code == 302, response.content.decode()[:500]
    member.refresh_from_db()
    assert member.user_id == deputy.pk
    assert AuditLogEntry.objects.filter(action="council.member_update", object_id=str(member.pk)).exists()


# --- The desk: refusals of forms the page does not show -----------------------------------------------


def summaries(page):
    """The texts of the page's error summaries announced as alerts."""
    found = re.findall(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip() for text in found]


def test_a_second_motion_while_a_vote_is_open_is_refused_where_it_can_be_seen(c, voting):
    # given a vote in progress: the desk offers no form to open a motion
    client = client_for(c.secretary)
    assert 'value="motion_open"' not in html(client.get(desk_url(c)))
    # when a motion is opened anyway (a page left open from before)
    response = client.post(desk_url(c), open_post(title="Cession d'une parcelle"))
    # then the refusal is announced at the top of the vote section, and no motion is opened
    assert response.status_code == 409
    body = html(response)
    assert summaries(body) == [
        "The motion is not put to the vote: A vote is in progress: close it before opening another."
    ]
    assert body.index("error-summary") > body.index('id="vote"')
    assert Motion.objects.filter(session=c.session).count() == 1


def test_a_motion_opened_once_the_session_has_ended_is_refused_where_it_can_be_seen(c):
    # given an ended session (no form to open a motion)
    all_present(c)
    LiveSession.objects.filter(pk=c.session.pk).update(status=SessionStatus.ENDED)
    # when a motion is opened from a page left open
    response = client_for(c.secretary).post(desk_url(c), open_post())
    # then the refusal is shown as an alert, with the form's own field errors named
    assert response.status_code >= 400
    assert len(summaries(html(response))) == 1
    assert summaries(html(response))[0].startswith("The motion is not put to the vote:")
    assert not Motion.objects.exists()


def test_counts_sent_after_the_close_are_refused_where_they_can_be_seen(c, secret):
    # given a secret ballot counted and closed
    client = client_for(c.secretary)
    client.post(desk_url(c), counts_post(secret))
    client.post(desk_url(c), {"action": "close", "motion": secret.pk})
    # when counts are sent again from a page left open
    response = client.post(desk_url(c), counts_post(secret, votes_for=5))
    # then the reason is an alert at the top of the vote section, and the counts stay
    assert response.status_code == 409
    assert summaries(html(response)) == ["The counts are not recorded: The vote on this motion is closed."]
    secret.refresh_from_db()
    assert secret.votes_for == 4


def test_a_deliberation_linked_to_a_rejected_motion_is_refused_where_it_can_be_seen(c, voting):
    # given a rejected motion: it offers no deliberation form
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": c.mayor.pk, "choice": "against"}])
    motion_close(actor=c.secretary, motion=voting)
    deliberation = PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    # when a link is posted anyway
    response = client_for(c.secretary).post(
        desk_url(c), {"action": "deliberation", "motion": voting.pk, "deliberation": deliberation.pk}
    )
    # then the refusal is an alert in the motion's part of the page, and nothing is linked
    assert response.status_code >= 400
    body = html(response)
    (summary,) = summaries(body)
    assert summary.startswith("The link to the deliberation is not saved:")
    assert body.index(f'id="motion-{voting.pk}"') < body.index("error-summary")
    voting.refresh_from_db()
    assert voting.deliberation_id is None


# --- The desk: the votes missing when a vote is closed ------------------------------------------------


def close_confirm(page):
    return re.search(r'class="desk-close" data-confirm="([^"]*)"', page).group(1)


def test_the_desk_says_how_many_votes_are_missing_before_the_close_and_does_not_block_it(c, voting):
    # given 7 members who may vote (6 in the room, 1 by proxy) and one vote recorded
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": c.mayor.pk, "choice": "for"}])
    client = client_for(c.secretary)
    # when the desk is opened
    body = html(client.get(desk_url(c)))
    # then the number is next to the close button and in its confirmation
    assert "6 members present or represented have no vote recorded." in body
    assert 'aria-describedby="close-missing"' in body
    assert "6 members present or represented have no vote recorded: once the vote is closed" in close_confirm(
        body
    )
    # when five more votes are recorded, the one missing is said in the singular
    votes_record(
        actor=c.secretary,
        motion=voting,
        votes=[{"member": m.pk, "choice": "against"} for m in c.members[1:6]],
    )
    body = html(client.get(desk_url(c)))
    assert "1 member present or represented has no vote recorded." in body
    # and the close is not blocked
    assert client.post(desk_url(c), {"action": "close", "motion": voting.pk}).status_code == 302
    voting.refresh_from_db()
    assert voting.status == MotionStatus.CLOSED


def test_no_missing_vote_is_said_when_every_vote_is_recorded(c, voting):
    votes_record(
        actor=c.secretary, motion=voting, votes=[{"member": m.pk, "choice": "for"} for m in c.members[:7]]
    )
    body = html(client_for(c.secretary).get(desk_url(c)))
    assert "no vote recorded" not in body and "close-missing" not in body
    assert close_confirm(body).startswith("Close the vote on motion 1? The result is then computed")


def test_a_secret_ballot_counted_short_says_how_many_ballots_are_missing(c, secret):
    # given 7 members present and 5 ballots counted
    client = client_for(c.secretary)
    client.post(desk_url(c), counts_post(secret, votes_for=3, votes_against=1, abstentions=1))
    # then the 2 missing are said before the close
    body = html(client.get(desk_url(c)))
    assert "2 members present or represented have no vote recorded." in body
    assert "2 members present or represented" in close_confirm(body)


# --- The desk: shortcuts that work without JavaScript -----------------------------------------------------


def test_the_roll_call_shortcut_marks_present_every_member_not_called_yet(c):
    m = c.members
    # given three members called (one absent)
    roll_call(
        actor=c.secretary,
        session=c.session,
        entries=[
            {"member": m[0].pk, "status": "present"},
            {"member": m[1].pk, "status": "present"},
            {"member": m[2].pk, "status": "absent"},
        ],
    )
    client = client_for(c.secretary)
    body = html(client.get(desk_url(c)))
    assert 'name="shortcut"' in body and "for the 6 members not called yet" in body
    # when the form is sent with the shortcut, one uncalled member set to excused on the form
    data = roll_post([(m[3], "excused", None)])
    data["shortcut"] = "Mark present every member not called yet"
    response = client.post(desk_url(c), data, follow=True)
    # then the line set on the form is kept, every other member not called yet is present,
    # and the lines called before are untouched
    statuses = dict(Attendance.objects.filter(session=c.session).values_list("member_id", "status"))
    assert statuses[m[3].pk] == "excused" and statuses[m[2].pk] == "absent"
    assert all(statuses[x.pk] == "present" for x in [m[0], m[1], *m[4:]])
    assert "5 members not called yet are marked present." in html(response)
    # then, everybody called, the shortcut is no longer offered
    assert 'name="shortcut"' not in html(client.get(desk_url(c)))


def test_the_roll_call_shortcut_is_refused_as_a_whole_when_a_line_is_wrong(c):
    m = c.members
    # when the shortcut goes with a proxy held by an absent member
    data = roll_post([(m[0], "absent", None), (m[1], "proxy", m[0])])
    data["shortcut"] = "Mark present every member not called yet"
    response = client_for(c.secretary).post(desk_url(c), data)
    # then nothing is saved and the reason is on the line
    assert response.status_code == 400
    assert escape(f"{m[0].full_name} must be in the room to hold a proxy.") in html(response)
    assert not Attendance.objects.exists()


def test_the_roll_call_shortcut_is_not_offered_once_the_session_has_ended(c):
    LiveSession.objects.filter(pk=c.session.pk).update(status=SessionStatus.ENDED)
    assert 'name="shortcut"' not in html(client_for(c.secretary).get(desk_url(c)))


def listed_post(motion, votes, listed, default):
    data = votes_post(motion, votes)
    data["listed"] = [str(member.pk) for member in listed]
    data["default_choice"] = default
    return data


def test_the_default_vote_goes_only_to_the_listed_members_left_without_a_choice(c, voting):
    m = c.members
    # given the mayor's vote recorded already, and the page listing everyone who may vote
    votes_record(actor=c.secretary, motion=voting, votes=[{"member": m[0].pk, "choice": "abstain"}])
    client = client_for(c.secretary)
    body = html(client.get(desk_url(c)))
    assert f'name="listed" value="{m[1].pk}"' in body and f'name="listed" value="{m[0].pk}"' not in body
    default = re.search(r'<select name="default_choice".*?</select>', body, re.S).group(0)
    assert '<option value="">(record nothing)</option>' in default and "selected" not in default
    # when two are chosen on the form, "for" is the default, and the form listed members 0 to 5
    # (member 6, represented by proxy, came after the page was drawn)
    response = client.post(
        desk_url(c), listed_post(voting, [(m[1], "against"), (m[2], "not_voting")], m[:6], "for"), follow=True
    )
    # then the choices made are kept, the default goes to the other listed members with no vote,
    # the vote recorded before is untouched and the member not listed has none
    choices = dict(MotionVote.objects.filter(motion=voting).values_list("member_id", "choice"))
    assert choices == {
        m[0].pk: "abstain",
        m[1].pk: "against",
        m[2].pk: "not_voting",
        m[3].pk: "for",
        m[4].pk: "for",
        m[5].pk: "for",
    }
    assert "5 votes are recorded." in html(response)
    assert "“For” is recorded for 3 members left without a choice." in html(response)


def test_without_a_default_only_the_choices_made_are_recorded(c, voting):
    m = c.members
    client_for(c.secretary).post(desk_url(c), listed_post(voting, [(m[1], "for")], m[:7], ""))
    assert list(MotionVote.objects.values_list("member_id", flat=True)) == [m[1].pk]


def test_a_default_vote_that_is_not_offered_is_refused(c, voting):
    m = c.members
    response = client_for(c.secretary).post(desk_url(c), listed_post(voting, [(m[1], "for")], m[:7], "maybe"))
    assert response.status_code == 400
    assert "Choose one of the offered votes for the members without a choice." in html(response)
    assert not MotionVote.objects.exists()


def test_a_default_vote_refused_by_the_service_is_shown_on_the_lines_and_kept_chosen(c, voting):
    m = c.members
    # when the form lists the absent member (a roll call changed since) with a default
    response = client_for(c.secretary).post(desk_url(c), listed_post(voting, [], [m[0], m[7]], "against"))
    # then nothing is recorded, the reason is said, and the default comes back chosen
    assert response.status_code == 409
    body = html(response)
    assert "Neither present nor represented" in body
    assert '<option value="against" selected>' in body
    assert not MotionVote.objects.exists()


# --- The desk and the members page: names and words --------------------------------------------------


def landmark_names(page):
    """The ids naming the page's sections and scrolling regions (each landmark needs its own name)."""
    sections = re.findall(r'<section aria-labelledby="([^"]+)"', page)
    regions = re.findall(r'role="region" aria-labelledby="([^"]+)"', page)
    return sections + regions


def test_each_section_and_table_region_has_its_own_name(c, voting):
    # given a desk with the roll call and the votes to record, and the members page with past mandates
    CouncilMemberFactory(
        commune=c.commune, mandate_start=datetime.date(2010, 1, 1), mandate_end=datetime.date(2015, 1, 1)
    )
    client = client_for(c.secretary)
    for url in (desk_url(c), manage_url(c)):
        names = landmark_names(html(client.get(url)))
        # then no two landmarks share a name
        assert len(names) >= 3 and len(names) == len(set(names)), (url, names)
    assert 'aria-labelledby="roll-call-table"' in html(client.get(desk_url(c)))
    assert '<caption id="members-table" class="visually-hidden">Members in office</caption>' in html(
        client.get(manage_url(c))
    )


def test_the_desk_words_a_tally_and_a_result_as_the_public_page_does(c, voting):
    votes_record(
        actor=c.secretary, motion=voting, votes=[{"member": m.pk, "choice": "for"} for m in c.members[:4]]
    )
    motion_close(actor=c.secretary, motion=voting)
    body = html(client_for(c.secretary).get(desk_url(c)))
    # the count of abstentions is labelled as on the public page, and the result is said once
    assert "<dt>Abstention</dt>" in body and "Abstentions" not in body
    assert "<strong>Adopted</strong> — 4 for, 3 votes needed." in body
    assert "Adopted by the required majority" not in body


# --- The desk and the members page on a desktop screen (Chromium) ---------------------------------------

DESKTOP = {"width": 1366, "height": 768}
# Rows whose choices wrap onto more than one line, and scrolling regions whose table is wider than them.
WRAPPED_CHOICES = """() => [...document.querySelectorAll(".desk-radios")].filter((group) => {
  const radios = [...group.querySelectorAll(".desk-radio")];
  const tops = radios.map((r) => Math.round(r.getBoundingClientRect().top));
  return new Set(tops).size > 1;
}).length"""
CLIPPED_TABLES = """() => [...document.querySelectorAll(".table-wrap")]
  .filter((w) => w.scrollWidth > w.clientWidth + 1)
  .map((w) => w.getAttribute("aria-labelledby"))"""


def a_council_in_session(size):
    """A council of ``size`` members with the long names, roles and committees of a real one: all
    called but three (one represented by proxy), and a named vote open with one vote recorded."""
    c = council(size)
    committee = CommitteeFactory(
        commune=c.commune, name="Commission des affaires domaniales et environnementales"
    )
    for n, member in enumerate(c.members):
        member.full_name = f"Marie-Christine Houngbédji-Akpovi {n}"
        member.title = f"Chef du {n + 1}e arrondissement"
        member.arrondissement = f"{n + 1}e arrondissement"
        member.save()
        member.committees.set([committee])
    called = c.members[: size - 3]
    entries = [{"member": m.pk, "status": "present"} for m in called[:-1]]
    entries.append({"member": called[-1].pk, "status": "proxy", "proxy_holder": called[0].pk})
    roll_call(actor=c.secretary, session=c.session, entries=entries)
    motion = motion_open(actor=c.secretary, session=c.session, title="Cession d'une parcelle au marché")
    votes_record(actor=c.secretary, motion=motion, votes=[{"member": c.mayor.pk, "choice": "for"}])
    return c


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_desk_and_the_members_page_use_a_desktop_screen_and_pass_axe(hub_server):
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser import chromium
    from tests.test_sessions_browser import open_page

    # given a council of 47 in session, a vote open
    c = a_council_in_session(47)
    with chromium() as browser:
        page = open_page(browser, hub_server.url, c.secretary, viewport=DESKTOP)
        for path in (desk_url(c), manage_url(c)):
            # when the secretary-general opens the page on a 1366×768 screen
            page.goto(f"{hub_server.url}{path}")
            page.wait_for_load_state("networkidle")
            # then every member's choices stand on one line, no table is clipped or scrolls sideways,
            # and axe finds nothing (each landmark its own name included)
            assert page.evaluate(WRAPPED_CHOICES) == 0, path
            assert page.evaluate(CLIPPED_TABLES) == [], path
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            found = Axe().run(page).response["violations"]
            assert [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in found] == [], path
        assert page.js_errors == []
