"""French first: every message has a French translation, and the API answers in the user's language."""

import gettext
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = sorted(ROOT.glob("*/locale/fr/LC_MESSAGES/django.po"))


def po_entries(path: Path) -> list[str]:
    """The live entries: an obsolete one (every line a comment, ``#~ msgid ...``, sometimes after
    its flags) is left out."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [block for block in blocks if re.search(r"^msgid ", block, re.M)]


def test_french_catalogs_exist_for_core_and_pages():
    assert {p.parts[-5] for p in CATALOGS} >= {"hub", "frontend"}


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parts[-5])
def test_every_french_message_is_translated_and_not_fuzzy(catalog):
    untranslated, fuzzy = [], []
    for block in po_entries(catalog)[1:]:  # the first block is the header
        if block.lstrip().startswith("#~"):
            continue  # obsolete entry
        msgid = re.search(r'^msgid "(.*)"', block, re.M).group(1)
        if "#, fuzzy" in block:
            fuzzy.append(msgid)
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if any(not (first + rest.replace('"', "").strip()) for first, rest in strings):
            untranslated.append(msgid)
    assert (untranslated, fuzzy) == ([], [])


def _field(block: str, name: str) -> str | None:
    match = re.search(rf'^{name} "(.*)"((?:\n".*")*)', block, re.M)
    if match is None:
        return None
    parts = [match.group(1), *re.findall(r'^"(.*)"$', match.group(2), re.M)]
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parts[-5])
def test_compiled_catalogs_match_their_sources(catalog):
    """A .po edited without `make messages` would silently serve stale French."""
    with catalog.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    checked = 0
    for block in po_entries(catalog)[1:]:
        if block.lstrip().startswith("#~") or "msgid_plural" in block:
            continue
        msgid, msgstr, context = _field(block, "msgid"), _field(block, "msgstr"), _field(block, "msgctxt")
        if not msgid or not msgstr:
            continue
        served = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert served == msgstr, msgid
        checked += 1
    assert checked > 20


def test_no_message_is_translated_differently_by_two_apps():
    """Django merges the apps' catalogs into one: for a message (and context) that two apps
    translate, the app listed first in INSTALLED_APPS wins everywhere, and the other app's wording is
    silently replaced (the live console's "Ordre du jour" once read "Agenda" that way). A message
    that means different things in two apps takes a context (``pgettext``); otherwise both say it
    the same way."""
    translations: dict[object, dict[str, list[str]]] = {}
    for catalog in CATALOGS:
        with catalog.with_suffix(".mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for key, text in compiled._catalog.items():  # type: ignore[attr-defined]
            if key == "":
                continue  # the header
            translations.setdefault(key, {}).setdefault(text, []).append(catalog.parts[-5])
    conflicts = {str(key).replace("\x04", " | "): apps for key, apps in translations.items() if len(apps) > 1}
    assert len(translations) > 1000
    assert conflicts == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Aucune commune ne porte ce nom."), ("en", "No commune has this name.")]
)
def test_api_errors_speak_the_clients_language(language, expected):
    response = APIClient().get("/api/v1/communes/atlantide/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["error"]["message"] == expected
