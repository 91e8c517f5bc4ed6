"""factory_boy factories, one per model."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from hub.demo_data import DEMO_PASSWORD
from hub.models import AuditLogEntry, Commune, Department, Follow, Membership, Role, User
from hub.selectors import search_key

PASSWORD = DEMO_PASSWORD


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Département {n}")
    slug = factory.LazyAttribute(lambda d: slugify(d.name))


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("slug",)

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.LazyAttribute(lambda c: slugify(c.name))
    search_name = factory.LazyAttribute(lambda c: search_key(c.name))
    is_enabled = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.bj")
    phone = None
    display_name = factory.Faker("name", locale="fr_FR")
    preferred_language = "fr"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    commune = factory.SubFactory(CommuneFactory)
    role = Role.MAYOR


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    user = factory.SubFactory(UserFactory)
    commune = factory.SubFactory(CommuneFactory)


class AuditLogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLogEntry

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.LazyAttribute(lambda e: str(e.actor))
    action = "test.action"
    object_type = "hub.commune"
    object_id = "1"
    commune = factory.SubFactory(CommuneFactory)
