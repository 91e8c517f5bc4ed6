"""A participant's own profile (who takes part, issue 20): the service (consent on every save, the
choices, an arrondissement of an enabled commune, deletion that keeps nothing and logs nothing), the
page ``/profil/participation/`` (signed in only, without JavaScript: explanations, radio buttons,
a select grouped by commune, consent, confirmation before deleting) and the API
``/api/v1/me/participation-profile/`` (404 / 400 / 204 in the one error shape, one's own profile
only, throttled, documented). No one but the person sees a profile: not another account, not the
mayor, not the Django admin."""

from __future__ import annotations

import datetime
import logging
import re
from html import unescape
from typing import Any

import factory
import pytest
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from evaluation.models import AgeBand, Disability, Gender, ParticipantProfile
from evaluation.selectors_profile import arrondissement_choices, profile_of
from evaluation.services.profile import delete_profile, save_profile
from hub.errors import InvalidInput, NotAuthenticated
from hub.models import Arrondissement, AuditLogEntry, Commune
from tests.factories import AdminFactory, CommuneFactory, UserFactory
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db

PAGE = "/profil/participation/"
DELETE_PAGE = "/profil/participation/supprimer/"
API = "/api/v1/me/participation-profile/"
API_ARRONDISSEMENTS = "/api/v1/me/participation-profile/arrondissements/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class ArrondissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arrondissement

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Arrondissement {n}")
    position = factory.Sequence(lambda n: n)


class ParticipantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipantProfile

    user = factory.SubFactory(UserFactory)
    gender = Gender.WOMAN
    age_band = AgeBand.AGE_60_PLUS
    disability = Disability.YES
    arrondissement = None
    consented_at = factory.LazyFunction(timezone.now)


@pytest.fixture
def places() -> dict[str, Any]:
    """Two enabled communes with arrondissements, and a commune not enabled with one."""
    abomey = CommuneFactory(name="Abomey")
    zogbodomey = CommuneFactory(name="Zogbodomey")
    closed = CommuneFactory(name="Kandi", is_enabled=False)
    return {
        "abomey": [ArrondissementFactory(commune=abomey, name=f"Abomey {n}") for n in (1, 2)],
        "zogbodomey": [ArrondissementFactory(commune=zogbodomey, name="Zogbodomey-Centre")],
        "closed": ArrondissementFactory(commune=closed, name="Kandi I"),
    }


def answers(**overrides: Any) -> dict[str, Any]:
    return {
        "gender": Gender.WOMAN,
        "age_band": AgeBand.AGE_18_34,
        "disability": Disability.NO,
        "arrondissement": None,
        "consent": True,
        **overrides,
    }


def page_client(user: Any = None) -> Client:
    client = Client(**EN)
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: Any = None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def html(response: Any) -> str:
    return unescape(response.content.decode())


def checked(page: str, name: str) -> str | None:
    """The value of the checked radio button ``name`` in ``page``."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
    return None


# --- The service ----------------------------------------------------------------------------------


def test_the_first_save_records_the_answers_and_the_moment_of_consent(places):
    # given a person with no profile
    user = UserFactory()
    before = timezone.now()
    # when they save their answers with their consent
    profile, created = save_profile(user, answers(arrondissement=places["abomey"][1].pk))
    # then the row holds them, with the moment of consent
    assert created
    profile.refresh_from_db()
    assert (profile.gender, profile.age_band, profile.disability) == ("woman", "18_34", "no")
    assert profile.arrondissement == places["abomey"][1]
    assert before <= profile.consented_at <= timezone.now()


def test_a_new_save_replaces_the_answers_and_refreshes_the_consent(places):
    # given a profile saved with consent a while ago
    user = UserFactory()
    profile, _created = save_profile(user, answers(arrondissement=places["abomey"][0].pk))
    long_ago = timezone.now() - datetime.timedelta(days=400)
    ParticipantProfile.objects.filter(pk=profile.pk).update(consented_at=long_ago)
    # when the person saves other answers, consenting again
    again, created = save_profile(user, {"gender": Gender.MAN, "consent": True})
    # then the same row holds only the new answers (what is left out: prefer not to say), and the
    # consent is dated now: it covers the answers as they are
    assert not created and again.pk == profile.pk
    again.refresh_from_db()
    assert (again.gender, again.age_band, again.disability) == ("man", "undisclosed", "undisclosed")
    assert again.arrondissement is None
    assert again.consented_at > long_ago + datetime.timedelta(days=399)
    assert ParticipantProfile.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("consent", [None, False, "true", 1, "on"])
def test_without_an_explicit_consent_nothing_is_saved(consent):
    # given a profile already given
    profile = ParticipantProfileFactory()
    data = answers(gender=Gender.MAN)
    if consent is None:
        del data["consent"]
    else:
        data["consent"] = consent
    # when the person saves new answers without consenting
    with pytest.raises(InvalidInput) as refused:
        save_profile(profile.user, data)
    # then the refusal names the consent, and the profile stays as it was
    assert set(refused.value.details["fields"]) == {"consent"}
    profile.refresh_from_db()
    assert profile.gender == Gender.WOMAN
    # and a person without a profile still has none
    other = UserFactory()
    with pytest.raises(InvalidInput):
        save_profile(other, data)
    assert profile_of(other) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gender", "other"),
        ("gender", "WOMAN"),
        ("gender", 1),
        ("age_band", "over_90"),
        ("disability", "maybe"),
        ("disability", ["yes"]),
    ],
)
def test_an_answer_outside_its_choices_is_refused(field, value):
    user = UserFactory()
    with pytest.raises(InvalidInput) as refused:
        save_profile(user, answers(**{field: value}))
    assert set(refused.value.details["fields"]) == {field}
    assert profile_of(user) is None


def test_empty_answers_mean_prefer_not_to_say():
    user = UserFactory()
    profile, _created = save_profile(user, {"gender": "", "age_band": None, "consent": True})
    assert (profile.gender, profile.age_band, profile.disability) == ("undisclosed",) * 3
    assert profile.arrondissement is None


def test_the_arrondissement_must_be_one_of_an_enabled_commune(places):
    user = UserFactory()
    # when it is one of a commune not enabled, unknown, or not an id: refused, next to its field
    for value in (places["closed"].pk, 999_999_999, 0, -3, True, "abc", 2**63, 1.5):
        with pytest.raises(InvalidInput) as refused:
            save_profile(user, answers(arrondissement=value))
        assert set(refused.value.details["fields"]) == {"arrondissement"}, value
    assert profile_of(user) is None
    # an enabled commune's, as an id or as the digits a form sends: taken
    zogbodomey = places["zogbodomey"][0]
    assert save_profile(user, answers(arrondissement=str(zogbodomey.pk)))[0].arrondissement == zogbodomey


def test_several_errors_are_reported_together(places):
    user = UserFactory()
    data = {"gender": "x", "age_band": "y", "arrondissement": places["closed"].pk, "consent": False}
    with pytest.raises(InvalidInput) as refused:
        save_profile(user, data)
    assert set(refused.value.details["fields"]) == {"gender", "age_band", "arrondissement", "consent"}


def test_deleting_removes_the_row_and_keeps_nothing():
    # given two people with a profile
    profile = ParticipantProfileFactory()
    other = ParticipantProfileFactory()
    # when one deletes theirs
    assert delete_profile(profile.user) is True
    # then their row is gone, the other's stays, and deleting again finds nothing
    assert not ParticipantProfile.objects.filter(pk=profile.pk).exists()
    assert ParticipantProfile.objects.filter(pk=other.pk).exists()
    assert delete_profile(profile.user) is False


def test_neither_a_save_nor_a_deletion_leaves_a_trace(caplog, places):
    # given the audit log as it is, and every log record captured
    audit_before = AuditLogEntry.objects.count()
    user = UserFactory(display_name="Afiavi Trace")
    # when the person saves, changes and deletes their profile
    with caplog.at_level(logging.DEBUG):
        save_profile(user, answers(arrondissement=places["abomey"][0].pk))
        save_profile(user, answers(gender=Gender.MAN))
        delete_profile(user)
    # then nothing was audited, and no log line tells of them or their answers
    assert AuditLogEntry.objects.count() == audit_before
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("evaluation")]
    for record in caplog.records:
        text = record.getMessage()
        assert not re.search(r"Afiavi|woman|18_34|participant|profile", text, re.I), text


def test_only_a_signed_in_active_account_has_a_profile():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        save_profile(AnonymousUser(), answers())  # type: ignore[arg-type]
    inactive = UserFactory(is_active=False)
    with pytest.raises(NotAuthenticated):
        save_profile(inactive, answers())
    with pytest.raises(NotAuthenticated):
        delete_profile(AnonymousUser())  # type: ignore[arg-type]
    assert not ParticipantProfile.objects.exists()


def test_deleting_the_account_deletes_the_profile():
    # given a person with a profile
    profile = ParticipantProfileFactory()
    # when their account is deleted
    profile.user.delete()
    # then nothing of the profile is left
    assert not ParticipantProfile.objects.filter(pk=profile.pk).exists()


def test_profiles_are_not_in_the_django_admin():
    # individual answers must not be browsable, even by a platform administrator
    assert not admin.site.is_registered(ParticipantProfile)
    ParticipantProfileFactory()
    client = Client()
    client.force_login(AdminFactory())
    assert client.get("/admin/evaluation/participantprofile/").status_code == 404


def test_the_arrondissements_offered_are_the_enabled_communes_by_commune(places, django_assert_num_queries):
    with django_assert_num_queries(1):
        groups = arrondissement_choices()
    offered = {group.commune.name: [a.name for a in group.arrondissements] for group in groups}
    assert offered["Abomey"] == ["Abomey 1", "Abomey 2"]
    assert offered["Zogbodomey"] == ["Zogbodomey-Centre"]
    assert "Kandi" not in offered
    names = [group.commune.name for group in groups]
    assert names.index("Abomey") < names.index("Zogbodomey")


# --- The page -------------------------------------------------------------------------------------


def test_signed_out_the_page_sends_to_sign_in_and_nothing_is_deleted():
    profile = ParticipantProfileFactory()
    for method, url in (("get", PAGE), ("post", PAGE), ("get", DELETE_PAGE), ("post", DELETE_PAGE)):
        response = getattr(Client(), method)(url, {"confirmed": "1"} if method == "post" else {})
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/connexion/?next=/profil/participation/"), (method, url)
    assert ParticipantProfile.objects.filter(pk=profile.pk).exists()


def test_the_page_explains_and_offers_the_questions_without_javascript(places, settings):
    # given a signed-in person without a profile
    user = UserFactory()
    # when they open the page
    response = page_client(user).get(PAGE)
    page = html(response)
    # then it explains why, that it is optional, who sees what, and how to change it
    assert response.status_code == 200
    for text in (
        "women, young people, elderly people and people with disabilities",
        "Answering is optional",
        "“Prefer not to say”",
        "Not even the mayor",
        f"at least {settings.EVALUATION_MIN_CELL} people",
        "change or delete your answers at any time",
    ):
        assert text in page, text
    # and offers three radio questions with "prefer not to say" chosen, a select grouped by enabled
    # commune, an unticked consent box, and nothing to delete yet
    assert page.count("<fieldset") == 3 and page.count("<legend>") == 3
    assert {checked(page, name) for name in ("gender", "age_band", "disability")} == {"undisclosed"}
    assert '<optgroup label="Abomey">' in page and '<optgroup label="Zogbodomey">' in page
    assert "Kandi" not in page
    assert re.search(r'<option value="" selected>Prefer not to say</option>', page)
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', page)
    assert consent and "checked" not in consent.group(0)
    assert "used, anonymously, for the participation statistics" in page
    assert "You have not answered yet." in page
    assert DELETE_PAGE not in page
    assert "<script>" not in page and 'style="' not in page
    assert "no-store" in response["Cache-Control"]


def test_saving_without_consent_shows_the_error_and_saves_nothing(places):
    user = UserFactory()
    data = {"gender": "woman", "age_band": "60_plus", "disability": "yes", "arrondissement": ""}
    response = page_client(user).post(PAGE, data)
    page = html(response)
    assert response.status_code == 400
    assert "error-summary" in page and 'href="#id_consent"' in page
    assert "Tick the box to give your agreement" in page
    # what was chosen is kept for the next try
    assert checked(page, "age_band") == "60_plus" and checked(page, "disability") == "yes"
    assert profile_of(user) is None


@pytest.mark.parametrize(
    ("field", "value", "anchor"),
    [
        ("gender", "robot", "#id_gender_0"),
        ("age_band", "30", "#id_age_band_0"),
        ("disability", "perhaps", "#id_disability_0"),
        ("arrondissement", "abc", "#id_arrondissement"),
        ("arrondissement", "closed", "#id_arrondissement"),
    ],
)
def test_a_bad_answer_comes_back_next_to_its_question(places, field, value, anchor):
    user = UserFactory()
    if value == "closed":
        value = str(places["closed"].pk)
    data = {"gender": "woman", "age_band": "18_34", "disability": "no", "arrondissement": "", "consent": "on"}
    data[field] = value
    response = page_client(user).post(PAGE, data)
    assert response.status_code == 400
    assert f'href="{anchor}"' in html(response)
    assert profile_of(user) is None


def test_a_question_left_without_an_answer_is_prefer_not_to_say():
    user = UserFactory()
    response = page_client(user).post(PAGE, {"gender": "man", "consent": "on"})
    assert response.status_code == 302
    saved = profile_of(user)
    assert saved is not None
    assert (saved.gender, saved.age_band, saved.disability) == ("man", "undisclosed", "undisclosed")


def test_saving_editing_and_deleting_from_the_page(places):
    user = UserFactory()
    client = page_client(user)
    place = places["zogbodomey"][0]
    # when the person answers and consents
    data = {
        "gender": "woman",
        "age_band": "60_plus",
        "disability": "yes",
        "arrondissement": str(place.pk),
        "consent": "on",
    }
    response = client.post(PAGE, data, follow=True)
    # then they come back to the page with a message, their answers filled in, consent to give again
    page = html(response)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your answers have been saved" in page
    assert checked(page, "gender") == "woman" and checked(page, "age_band") == "60_plus"
    assert re.search(rf'<option value="{place.pk}" selected>', page)
    assert re.search(r'<input type="checkbox" name="consent"[^>]*checked', page)
    assert "You saved your answers on" in page
    saved = profile_of(user)
    assert saved is not None and saved.arrondissement == place

    # when they change an answer
    response = client.post(PAGE, {**data, "gender": "undisclosed", "arrondissement": ""}, follow=True)
    saved = profile_of(user)
    assert saved is not None and (saved.gender, saved.arrondissement) == ("undisclosed", None)
    assert saved.age_band == "60_plus"

    # when they ask to delete: a confirmation first (the button posts without ``confirmed``)
    page = html(response)
    assert f'action="{DELETE_PAGE}"' in page and "Delete my answers" in page
    for asked in (client.post(DELETE_PAGE), client.get(DELETE_PAGE)):
        assert asked.status_code == 200
        assert 'name="confirmed" value="1"' in html(asked) and "Nothing of them is kept." in html(asked)
        assert "no-store" in asked["Cache-Control"]
    assert profile_of(user) is not None
    # then confirming deletes them
    response = client.post(DELETE_PAGE, {"confirmed": "1"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your answers have been deleted" in html(response)
    assert profile_of(user) is None
    # and there is nothing more to delete
    response = client.post(DELETE_PAGE, {"confirmed": "1"}, follow=True)
    assert "You have no answers to delete." in html(response)
    response = client.get(DELETE_PAGE, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]


def test_the_page_shows_only_ones_own_answers(places):
    # given a woman over 60 with a disability, in an arrondissement of Abomey
    ParticipantProfileFactory(arrondissement=places["abomey"][1])
    # when someone else, or the mayor of Abomey, opens the page
    mayor = staff_of(Commune.objects.get(name="Abomey"))
    for viewer in (UserFactory(), mayor):
        page = html(page_client(viewer).get(PAGE))
        # then they see their own empty form, nothing of hers
        assert "You have not answered yet." in page
        assert {checked(page, name) for name in ("gender", "age_band", "disability")} == {"undisclosed"}
        assert " selected>Abomey 2" not in page
        # and deleting deletes nothing of hers
        page_client(viewer).post(DELETE_PAGE, {"confirmed": "1"})
    assert ParticipantProfile.objects.count() == 1


def test_the_profile_and_notification_pages_link_to_it():
    client = page_client(UserFactory())
    for url in ("/profil/", "/notifications/preferences/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'href="{PAGE}"' in html(response), url


def test_the_page_is_in_french_first():
    page = html(Client().get(PAGE, follow=True))  # the sign-in page, French by default
    assert 'lang="fr"' in page
    response = page_client(UserFactory()).get(PAGE, HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="fr"' in html(response)


# --- The API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_signed_out_the_api_answers_401(method):
    ParticipantProfileFactory()
    body = answers() if method == "put" else None
    response = getattr(api_client(), method)(API, body, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert api_client().get(API_ARRONDISSEMENTS).status_code == 401
    assert ParticipantProfile.objects.count() == 1


def test_the_api_cycle_read_save_change_delete(places):
    user = UserFactory()
    api = api_client(user)
    # no profile yet: 404 in the one error shape
    response = api.get(API)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    # the first save: 201 with the answers
    place = places["abomey"][0]
    response = api.put(API, answers(arrondissement=place.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gender"] == "woman" and body["age_band"] == "18_34" and body["disability"] == "no"
    assert body["arrondissement"] == {
        "id": place.pk,
        "name": "Abomey 1",
        "commune": place.commune.slug,
        "commune_name": "Abomey",
    }
    assert body["consented_at"] and body["updated_at"]
    assert "consent" not in body
    # read back
    assert api.get(API).json() == body
    # changed: 200, what is left out is "prefer not to say"
    response = api.put(API, {"age_band": "60_plus", "consent": True}, format="json")
    assert response.status_code == 200
    assert response.json() | {"consented_at": None, "updated_at": None} == {
        "gender": "undisclosed",
        "age_band": "60_plus",
        "disability": "undisclosed",
        "arrondissement": None,
        "consented_at": None,
        "updated_at": None,
    }
    # deleted: 204, then 404
    response = api.delete(API)
    assert response.status_code == 204 and not response.content
    assert profile_of(user) is None
    assert api.get(API).status_code == 404
    response = api.delete(API)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"gender": "woman"}, "consent"),
        ({"gender": "woman", "consent": False}, "consent"),
        ({"gender": "woman", "consent": "true"}, "consent"),
        ({"gender": "robot", "consent": True}, "gender"),
        ({"age_band": "", "consent": True}, "age_band"),
        ({"disability": "maybe", "consent": True}, "disability"),
        ({"arrondissement": 999_999_999, "consent": True}, "arrondissement"),
        ({"arrondissement": "12", "consent": True}, "arrondissement"),
        ({"arrondissement": 0, "consent": True}, "arrondissement"),
        ({"arrondissement": 2**64, "consent": True}, "arrondissement"),
        ({"arrondissement": "closed", "consent": True}, "arrondissement"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(places, body, field):
    # given a profile already given
    profile = ParticipantProfileFactory()
    if body.get("arrondissement") == "closed":
        body = {**body, "arrondissement": places["closed"].pk}
    # when the person sends a bad one
    response = api_client(profile.user).put(API, body, format="json")
    # then it is refused, the field named, and the profile is unchanged
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    profile.refresh_from_db()
    assert (profile.gender, profile.age_band) == (Gender.WOMAN, AgeBand.AGE_60_PLUS)


def test_a_body_that_is_not_an_object_is_refused():
    api = api_client(UserFactory())
    assert api.put(API, "[1, 2]", content_type="application/json").status_code == 400
    assert api.put(API, "{not json", content_type="application/json").status_code == 400
    assert not ParticipantProfile.objects.exists()


def test_another_persons_profile_is_never_visible_nor_deletable(places):
    # given a person with a profile in Abomey
    theirs = ParticipantProfileFactory(arrondissement=places["abomey"][0])
    # when someone else, the mayor of Abomey or a platform administrator call the API
    mayor = staff_of(Commune.objects.get(name="Abomey"))
    for caller in (UserFactory(), mayor, AdminFactory()):
        api = api_client(caller)
        # then they only ever get their own (none): the path has no id to ask for another's
        assert api.get(API).status_code == 404
        assert api.get(API, {"user": theirs.user_id}).status_code == 404
        assert api.delete(API).status_code == 404
    theirs.refresh_from_db()
    assert theirs.gender == Gender.WOMAN
    # and saving one's own does not touch theirs
    response = api_client(mayor).put(API, answers(gender=Gender.MAN), format="json")
    assert response.status_code == 201
    theirs.refresh_from_db()
    assert theirs.gender == Gender.WOMAN
    assert ParticipantProfile.objects.count() == 2


def test_a_browser_session_needs_its_csrf_token_to_write():
    user = UserFactory()
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)
    response = api.put(API, answers(), format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    assert api.get(API).status_code == 404  # reads need no token
    assert profile_of(user) is None


def test_the_arrondissements_list_gives_the_ids_by_enabled_commune(places, django_assert_num_queries):
    api = api_client(UserFactory())
    with django_assert_num_queries(1):
        response = api.get(API_ARRONDISSEMENTS)
    assert response.status_code == 200
    listed = {row["name"]: row for row in response.json()}
    assert "Kandi" not in listed
    abomey = listed["Abomey"]
    assert abomey["slug"] == places["abomey"][0].commune.slug
    assert abomey["arrondissements"] == [{"id": a.pk, "name": a.name} for a in places["abomey"]]


def test_the_api_is_throttled_like_every_signed_in_call(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min", "auth": "2/min"}
    )
    api = api_client(UserFactory())
    statuses = [api.get(API).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = api.put(API, answers(), format="json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_the_schema_documents_the_operations_and_their_answers():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    item = schema["paths"][API]
    assert set(item) >= {"get", "put", "delete"}
    assert {"200", "401", "404", "429"} <= set(item["get"]["responses"])
    assert {"200", "201", "400", "401", "403", "429"} <= set(item["put"]["responses"])
    assert {"204", "401", "404", "429"} <= set(item["delete"]["responses"])
    for operation in (item["get"], item["put"], item["delete"]):
        assert {} not in operation["security"]  # an account is needed
    body = item["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][body]
    assert fields["required"] == ["consent"]
    assert "get" in schema["paths"][API_ARRONDISSEMENTS]
