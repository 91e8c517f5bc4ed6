"""Output serializers of the practices API: the fields for the schema, written from the models (and
the reader's words: status and role labels, theme names in the reader's language)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.models import Role
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, Theme


class PracticeThemeRefOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")

    def to_representation(self, instance: Theme) -> dict[str, Any]:
        return {"slug": instance.slug, "name": instance.name}


class PracticeThemeOut(PracticeThemeRefOut):
    description = serializers.CharField()
    sheet_count = serializers.IntegerField(help_text="Published sheets in the theme.")
    followed = serializers.BooleanField(help_text="Whether you follow it (false signed out).")
    path = serializers.CharField(help_text="The theme's page.")

    def to_representation(self, instance: Theme) -> dict[str, Any]:
        return {
            **super().to_representation(instance),
            "description": instance.description,
            "sheet_count": int(getattr(instance, "sheet_count", 0)),
            "followed": bool(getattr(instance, "is_followed", False)),
            "path": instance.get_absolute_url(),
        }


class PracticeFollowStateOut(serializers.Serializer):
    theme = serializers.CharField(help_text="The theme's slug.")
    followed = serializers.BooleanField()


class PracticeCommuneOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PracticeSheetOut(serializers.Serializer):
    """A sheet as the library lists it."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    commune = PracticeCommuneOut()
    themes = PracticeThemeRefOut(many=True)
    status = serializers.CharField(
        help_text="`draft`, `published` or `withdrawn` (only the commune's staff see the first and last)."
    )
    status_label = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    path = serializers.CharField(help_text="The sheet's page.")

    def to_representation(self, instance: PracticeSheet) -> dict[str, Any]:
        commune = instance.commune
        return {
            "id": instance.pk,
            "title": instance.title,
            "summary": instance.summary,
            "commune": {"id": commune.pk, "slug": commune.slug, "name": commune.name},
            "themes": [PracticeThemeRefOut(theme).data for theme in instance.themes.all()],
            "status": instance.status,
            "status_label": str(SheetStatus(instance.status).label),
            "published_at": serializers.DateTimeField().to_representation(instance.published_at)
            if instance.published_at
            else None,
            "updated_at": serializers.DateTimeField().to_representation(instance.updated_at),
            "path": instance.get_absolute_url(),
        }


class PracticeDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    path = serializers.CharField(help_text="The document's page.")


class PracticeContactOut(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    email = serializers.CharField(help_text="Empty when not given.")
    phone = serializers.CharField(help_text="E.164; empty when not given.")


class PracticeQuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField(help_text="The forum discussion, where the commune answers.")
    asked_at = serializers.DateTimeField()
    author = serializers.CharField()
    asker_role = serializers.CharField(help_text="A staff member's role when asking, or empty.")
    asker_role_label = serializers.CharField()
    asker_commune = serializers.CharField(allow_null=True, help_text="Their commune's name.")
    answered = serializers.BooleanField(help_text="The commune gave its official answer.")

    def to_representation(self, instance: PracticeQuestion) -> dict[str, Any]:
        thread = instance.thread
        role = instance.asker_role
        return {
            "id": instance.pk,
            "thread_id": thread.pk,
            "title": thread.title,
            "path": reverse("frontend:forum-thread", kwargs={"pk": thread.pk}),
            "asked_at": serializers.DateTimeField().to_representation(instance.created_at),
            "author": thread.author.display_name,
            "asker_role": role,
            "asker_role_label": str(Role(role).label) if role in Role.values else "",
            "asker_commune": instance.asker_commune.name if instance.asker_commune else None,
            "answered": thread.official_answer_id is not None,
        }


class PracticeSheetDetailOut(PracticeSheetOut):
    problem = serializers.CharField()
    actions = serializers.CharField(help_text="What the commune did.")
    results = serializers.CharField()
    contact = PracticeContactOut()
    documents = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    @extend_schema_field(PracticeDocumentOut(many=True))
    def get_documents(self, sheet: PracticeSheet) -> list[dict[str, Any]]:
        return [
            {"id": d.pk, "title": d.title, "fiscal_year": d.fiscal_year, "path": d.get_absolute_url()}
            for d in self.context.get("documents", [])
        ]

    @extend_schema_field(PracticeQuestionOut(many=True))
    def get_questions(self, sheet: PracticeSheet) -> list[dict[str, Any]]:
        return [PracticeQuestionOut(question).data for question in self.context.get("questions", [])]

    def to_representation(self, instance: PracticeSheet) -> dict[str, Any]:
        return {
            **super().to_representation(instance),
            "problem": instance.problem,
            "actions": instance.actions,
            "results": instance.results,
            "contact": {
                "name": instance.contact_name,
                "role": instance.contact_role,
                "email": instance.contact_email,
                "phone": instance.contact_phone,
            },
            "documents": self.get_documents(instance),
            "questions": self.get_questions(instance),
        }
