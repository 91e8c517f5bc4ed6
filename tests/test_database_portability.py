"""The same answers on SQLite (the embedded default) and PostgreSQL, for what Django words
differently per backend (``hub.db``). These tests carry no backend condition: CI runs them in both
passes, and they pin the answer, not the SQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import connection

from forums.selectors import thread_list
from hub.db import sqlite_like
from publications.selectors.contracts import contract_list
from tests.factories import CommuneFactory, UserFactory
from tests.factories_forums import CategoryFactory, ThreadFactory
from tests.factories_publications import PublishedContractFactory

pytestmark = pytest.mark.django_db


def test_a_forum_title_search_folds_the_case_of_accented_letters():
    # given threads whose titles start with accented capitals
    commune = CommuneFactory(slug="cotonou")
    category = CategoryFactory(commune=commune)
    lighting = ThreadFactory(category=category, title="Éclairage public du quartier Zogbo")
    ThreadFactory(category=category, title="Marché de Dantokpa")
    # when a citizen searches in capitals, or in lower case
    found_upper = list(thread_list(commune=commune, q="ÉCLAIRAGE").values_list("pk", flat=True))
    found_lower = list(thread_list(commune=commune, q="éclairage").values_list("pk", flat=True))
    # then both find it, on either backend
    assert found_upper == found_lower == [lighting.pk]


def test_a_contract_search_folds_case_and_keeps_like_wildcards_literal():
    commune = CommuneFactory(slug="cotonou")
    market = PublishedContractFactory(commune=commune, title="Réhabilitation du MARCHÉ de Ganhi")
    PublishedContractFactory(commune=commune, title="Pavage à 100 % de la rue 12")
    # a search in another case finds the title; % and _ typed by a user match only themselves
    found = list(contract_list(user=None, commune="cotonou", q="marché").values_list("pk", flat=True))
    assert found == [market.pk]
    assert contract_list(user=None, commune="cotonou", q="100 %").count() == 1
    assert contract_list(user=None, commune="cotonou", q="100_%").count() == 0


def test_sign_in_by_e_mail_ignores_the_case_of_every_letter():
    user = UserFactory(email="élodie.agossou@example.bj")
    assert authenticate(identifier="ÉLODIE.AGOSSOU@EXAMPLE.BJ", password="Demo-Communes+2026") == user


def test_the_embedded_like_function_follows_sql_like():
    # (run on both passes; it is what SQLite connections call for LIKE)
    assert sqlite_like("%éCL%", "Éclairage") == 1
    assert sqlite_like("a_c", "abc") == 1 and sqlite_like("a_c", "abbc") == 0
    assert sqlite_like(r"100\%", "100%", "\\") == 1 and sqlite_like(r"100\%", "1000", "\\") == 0
    assert sqlite_like("%", None) is None
    assert sqlite_like("line%", "line one\nline two") == 1


def test_each_backend_folds_accented_capitals_in_the_sql_django_sends_it():
    # SQLite: Django sends a plain LIKE, answered by hub.db's function on every connection.
    # PostgreSQL: Django sends UPPER(...) LIKE UPPER(...), folded by the database itself.
    sql = {
        "sqlite": "SELECT 'Éclairage' LIKE 'éclairage', 'ÀB' LIKE 'àb'",
        "postgresql": "SELECT UPPER('Éclairage') LIKE UPPER('éclairage'), UPPER('ÀB') LIKE UPPER('àb')",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        assert [bool(value) for value in cursor.fetchone()] == [True, True]
