"""Reference data: Benin's 12 departments and 77 communes, loaded idempotently."""

import pytest

from hub.models import Commune, Department
from hub.reference_data import reference_data_load

pytestmark = pytest.mark.django_db


def test_loads_all_departments_and_communes_with_pilots_enabled():
    # when
    result = reference_data_load()
    # then
    assert Department.objects.count() == 12
    assert Commune.objects.count() == 77 == result.communes_total
    enabled = set(Commune.objects.filter(is_enabled=True).values_list("slug", flat=True))
    assert enabled == {"cotonou", "abomey-calavi", "akpro-misserete"}
    assert Commune.objects.get(slug="cotonou").department.name == "Littoral"
    assert Commune.objects.get(slug="akpro-misserete").name == "Akpro-Missérété"
    assert Commune.objects.get(slug="n-dali").name == "N'Dali"


def test_loading_twice_changes_nothing_and_keeps_operator_choices():
    # given
    reference_data_load()
    Commune.objects.filter(slug="parakou").update(is_enabled=True)
    # when
    second = reference_data_load()
    # then
    assert (second.departments_created, second.communes_created) == (0, 0)
    assert Commune.objects.count() == 77
    assert Commune.objects.get(slug="parakou").is_enabled
