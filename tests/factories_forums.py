"""Factories of the forums app. Threads and posts made here skip the services (for lists and
counts); tests of behaviour call the services."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from forums.models import Category, Post, Support, Thread, ThreadFollow, ThreadKind
from hub.models import Role
from tests.factories import CommuneFactory, MembershipFactory, UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("commune", "slug")

    commune = factory.SubFactory(CommuneFactory)
    slug = factory.Sequence(lambda n: f"categorie-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.title())


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    category = factory.SubFactory(CategoryFactory)
    commune = factory.LazyAttribute(lambda t: t.category.commune)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Sujet numéro {n}")
    kind = ThreadKind.QUESTION
    post_count = 1
    event_seq = 1


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Message {n}")
    body_html = factory.LazyAttribute(lambda p: f"<p>{p.body}</p>")


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    thread = factory.SubFactory(ThreadFactory)
    user = factory.SubFactory(UserFactory)


class ThreadFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThreadFollow

    thread = factory.SubFactory(ThreadFactory)
    user = factory.SubFactory(UserFactory)


def veteran(**extra):
    """A citizen whose account is old enough to post links."""
    return UserFactory(date_joined=timezone.now() - datetime.timedelta(days=30), **extra)


_phones = iter(range(1, 10**6))


def phone_only_veteran(**extra):
    """A veteran with no e-mail address: notifications that reach them never fill a mail box that
    other tests (with a shared real worker) read."""
    return veteran(email=None, phone=f"+22901970{next(_phones):05d}", **extra)


def staff(commune, role=Role.MAYOR, **extra):
    return MembershipFactory(commune=commune, role=role, user=veteran(**extra)).user


def moderator(commune, **extra):
    return staff(commune, Role.MODERATOR, **extra)
