"""Server-rendered pages through Django's test client: content, languages, forms and their bad input.
(The browser flow is in test_pages_browser.py.)"""

import re

import pytest
from django.test import Client

from hub.models import Follow, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_home_lists_pilot_communes_first_in_french_by_default(reference_data):
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert html.index("Cotonou") < html.index("Parakou")


def test_home_in_english_when_asked(reference_data):
    response = Client(headers={"accept-language": "en"}).get("/")
    assert '<html lang="en"' in response.content.decode()


def test_home_search_ignores_accents(reference_data):
    html = Client().get("/", {"q": "misserete"}).content.decode()
    assert "Akpro-Missérété" in html and "Parakou" not in html


def test_unknown_commune_page_is_an_html_404(reference_data):
    response = Client().get("/communes/atlantide/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_signup_form_rejects_a_duplicate_and_creates_nothing(reference_data):
    UserFactory(email="pris@example.bj")
    response = Client().post(
        "/inscription/",
        {
            "display_name": "X",
            "email": "pris@example.bj",
            "password": "Un-mot-de-passe-2026",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 400
    assert User.objects.count() == 1


def test_signup_form_rejects_an_invalid_phone(reference_data):
    response = Client().post(
        "/inscription/",
        {"display_name": "X", "phone": "12", "password": "Un-mot-de-passe-2026", "preferred_language": "fr"},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.exists()


def test_signup_then_follow_without_javascript(reference_data):
    client = Client()
    response = client.post(
        "/inscription/",
        {
            "display_name": "Afiavi",
            "phone": "0197000123",
            "password": "Un-mot-de-passe-2026",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert response.cookies["cp_lang"].value == "en"
    assert client.post("/communes/cotonou/suivre/", {"action": "follow"}).status_code == 302
    assert Follow.objects.filter(user__phone="+2290197000123", commune__slug="cotonou").exists()


def signup_data(**extra):
    data = {
        "display_name": "Afiavi",
        "email": "afiavi@example.bj",
        "password": "Un-mot-de-passe-2026",
        "preferred_language": "fr",
    }
    data.update(extra)
    return data


def test_signup_goes_back_to_the_page_given_as_next(reference_data):
    # given a visitor who followed "Sign up" from Cotonou's page
    client = Client()
    form = client.get("/inscription/", {"next": "/communes/cotonou/"}).content.decode()
    assert '<input type="hidden" name="next" value="/communes/cotonou/">' in form
    assert 'href="/connexion/?next=/communes/cotonou/"' in form  # "already have an account?"
    # when they create their account from that form
    response = client.post("/inscription/", signup_data(next="/communes/cotonou/"))
    # then they are signed in and back on Cotonou's page
    assert response.status_code == 302 and response["Location"] == "/communes/cotonou/"
    assert client.get("/profil/").status_code == 200


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "http://evil.example/communes/", "javascript:alert(1)", ""],
)
def test_signup_never_redirects_off_the_site(reference_data, target):
    # given a sign-up link whose next points elsewhere
    client = Client()
    text = client.get("/inscription/", {"next": target}).content.decode()
    form = text[text.index('action="/inscription/"') : text.index("</main>")]
    assert 'name="next"' not in form and "?next=" not in form  # neither kept nor passed on
    # when the account is created with that next
    response = client.post("/inscription/", signup_data(next=target))
    # then the citizen lands on the home page
    assert response.status_code == 302 and response["Location"] == "/"


def test_signup_with_errors_keeps_next(reference_data):
    # given a visitor who came to sign up from a document list, and gives no e-mail or phone
    response = Client().post("/inscription/", signup_data(email="", next="/communes/cotonou/documents/"))
    # then the form comes back still carrying where to go afterwards
    assert response.status_code == 400
    assert 'name="next" value="/communes/cotonou/documents/"' in response.content.decode()
    assert not User.objects.exists()


def test_header_sign_in_and_sign_up_links_carry_the_current_page(reference_data):
    # given an anonymous visitor on a search page (a query string with two parameters)
    text = Client().get("/communes/cotonou/", {"a": "1", "b": "2"}).content.decode()
    # then both header links come back to it
    assert 'href="/connexion/?next=/communes/cotonou/%3Fa%3D1%26b%3D2"' in text
    assert 'href="/inscription/?next=/communes/cotonou/%3Fa%3D1%26b%3D2"' in text
    # and from the home page they stay plain (home is where they would land anyway)
    home = Client().get("/").content.decode()
    assert 'href="/connexion/"' in home and 'href="/inscription/"' in home
    # and on the sign-in page they pass on its own next, never the sign-in page itself
    login = Client().get("/connexion/", {"next": "/communes/cotonou/"}).content.decode()
    assert 'href="/inscription/?next=/communes/cotonou/"' in login
    assert "next=/connexion/" not in login and "next=%2Fconnexion" not in login
    plain = Client().get("/connexion/").content.decode()
    assert 'href="/inscription/"' in plain


def test_login_form_is_throttled_after_five_failures(reference_data):
    UserFactory(email="web@example.bj")
    client = Client()
    statuses = [
        client.post("/connexion/", {"identifier": "web@example.bj", "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_login_redirects_only_to_local_next(reference_data):
    UserFactory(email="web@example.bj")
    response = Client().post(
        "/connexion/", {"identifier": "web@example.bj", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_sign_in_pages_account_link_keeps_where_the_citizen_was_going(reference_data):
    page = Client().get("/connexion/?next=/communes/cotonou/").content.decode()
    assert 'href="/inscription/?next=/communes/cotonou/"' in page
    outside = Client().get("/connexion/?next=https://evil.example/").content.decode()
    assert re.findall(r'href="(/inscription/[^"]*)"', outside) == ["/inscription/"] * 2


def test_logout_needs_post_and_csrf(reference_data):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/deconnexion/").status_code == 405
    forged = client.post("/deconnexion/")
    assert forged.status_code == 403
    assert client.get("/profil/").status_code == 200  # still signed in


def test_profile_requires_login_and_saves_language(reference_data):
    assert Client().get("/profil/").status_code == 302
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(
        "/profil/",
        {"display_name": "Nouveau nom", "email": user.email, "phone": "", "preferred_language": "en"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Nouveau nom", "en")


def test_switching_language_when_signed_in_is_remembered_in_the_profile(reference_data):
    # given
    user = UserFactory(preferred_language="fr")
    client = Client()
    client.force_login(user)
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # then
    assert response.status_code == 302
    assert response.cookies["cp_lang"].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert '<html lang="en"' in client.get("/").content.decode()


def test_an_unknown_language_changes_nothing(reference_data):
    user = UserFactory(preferred_language="fr")
    client = Client()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "fr"


def test_the_service_worker_is_served_at_the_root_as_javascript():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b'addEventListener("push"' in response.content


def test_pages_carry_a_strict_content_security_policy(reference_data):
    policy = Client().get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_changing_the_password_keeps_this_browser_and_signs_out_mobile_tokens(reference_data):
    from hub.models import ApiToken
    from hub.services.accounts import api_token_create

    user = UserFactory()
    api_token_create(user=user)
    client = Client()
    client.force_login(user)
    wrong = client.post(
        "/profil/mot-de-passe/", {"current_password": "nope", "new_password": "Autre-secret-2026"}
    )
    assert wrong.status_code == 400
    weak = client.post("/profil/mot-de-passe/", {"current_password": PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 400 and 'aria-invalid="true"' in weak.content.decode()
    done = client.post(
        "/profil/mot-de-passe/", {"current_password": PASSWORD, "new_password": "Autre-secret-2026"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Autre-secret-2026")
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get("/profil/").status_code == 200  # still signed in here


def test_home_announces_the_sessions_live_now_and_only_those(reference_data):
    from sessions_live.models import SessionStatus
    from tests.factories_sessions import LiveSessionFactory, LiveSessionLiveFactory

    # given one live session and one that is only scheduled
    live = LiveSessionLiveFactory(title="Reddition de comptes du maire")
    LiveSessionFactory(title="Conseil ordinaire de décembre", status=SessionStatus.SCHEDULED)
    # when a visitor opens the home page
    html = Client().get("/").content.decode()
    # then the live one is announced with a link to its page, the scheduled one is not
    assert "En direct" in html
    assert f'href="/seances/{live.pk}/"' in html and "Reddition de comptes du maire" in html
    assert "Conseil ordinaire de décembre" not in html


def test_home_has_no_live_banner_when_nothing_is_live(reference_data):
    html = Client().get("/").content.decode()
    assert 'class="live-now"' not in html
