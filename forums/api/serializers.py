"""Input and output serializers of the forums API (separate, no logic in ``save()``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forums.events import post_data
from forums.models import FlagReason, ProposalStatus, ThreadKind, ThreadStatus
from forums.services.common import BODY_MAX_CHARS, thread_path
from hub.api.validation import ID_MAX

SORT_CHOICES = ["recent", "supported", "unanswered"]


class UserRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()


class CategoryIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    slug = serializers.SlugField(max_length=60, required=False, default="")
    description = serializers.CharField(max_length=240, required=False, default="", allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)


class CategoryRefOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ThreadOut(serializers.Serializer):
    id = serializers.IntegerField()
    commune = serializers.CharField(source="commune.slug")
    category = CategoryRefOut()
    author = UserRefOut()
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    proposal_status = serializers.CharField()
    locked = serializers.BooleanField()
    support_count = serializers.IntegerField()
    post_count = serializers.IntegerField()
    is_answered = serializers.BooleanField()
    supported = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    path = serializers.SerializerMethodField()

    def get_supported(self, thread: Any) -> bool:
        return bool(getattr(thread, "supported", False))

    def get_path(self, thread: Any) -> str:
        return thread_path(thread.pk)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # Plain dicts: DRF's per-field machinery cost more than the query on list pages
        # (bench/forums_api.py); the declared fields above stay the schema and the contract.
        return thread_data(instance, path_prefix=thread_path(0)[:-2])


def thread_data(thread: Any, *, path_prefix: str) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "commune": thread.commune.slug,
        "category": {"slug": thread.category.slug, "name": thread.category.name},
        "author": {"id": thread.author_id, "display_name": thread.author.display_name},
        "title": thread.title,
        "kind": thread.kind,
        "status": thread.status,
        "proposal_status": thread.proposal_status,
        "locked": thread.locked,
        "support_count": thread.support_count,
        "post_count": thread.post_count,
        "is_answered": thread.official_answer_id is not None,
        "supported": bool(getattr(thread, "supported", False)),
        "created_at": _iso(thread.created_at),
        "last_activity_at": _iso(thread.last_activity_at),
        "path": f"{path_prefix}{thread.pk}/",
    }


def thread_rows(threads: list[Any]) -> list[dict[str, Any]]:
    prefix = thread_path(0)[:-2]
    return [thread_data(thread, path_prefix=prefix) for thread in threads]


def _iso(value: Any) -> str:
    # As DRF's DateTimeField writes it: ISO 8601 in the current time zone.
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class PostOut(serializers.Serializer):
    """See ``forums.events.post_data``: the API and the live events show a post the same way."""

    id = serializers.IntegerField()
    thread = serializers.IntegerField()
    author = UserRefOut()
    body_html = serializers.CharField()
    quote_of = serializers.DictField(allow_null=True)
    is_official = serializers.BooleanField()
    is_opening = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    removed = serializers.BooleanField()
    deleted = serializers.BooleanField()
    attachments = AttachmentOut(many=True)
    seq = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return post_data(instance)


class ThreadDetailOut(ThreadOut):
    to_representation = serializers.Serializer.to_representation  # all declared fields, via DRF

    status_reason = serializers.CharField()
    event_seq = serializers.IntegerField()
    official_answer = serializers.SerializerMethodField()
    following = serializers.SerializerMethodField()

    @extend_schema_field(PostOut(allow_null=True))
    def get_official_answer(self, thread: Any) -> dict[str, Any] | None:
        answer = thread.official_answer
        return post_data(answer) if answer is not None and not answer.hidden else None

    def get_supported(self, thread: Any) -> bool:
        return bool(self.context.get("supported", False))

    def get_following(self, thread: Any) -> bool:
        return bool(self.context.get("following", False))


class ThreadQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    category = serializers.SlugField(required=False, default="")
    kind = serializers.ChoiceField(choices=ThreadKind.choices, required=False, default="")
    status = serializers.ChoiceField(choices=ThreadStatus.choices, required=False, default="")
    author = serializers.IntegerField(max_value=ID_MAX, required=False, min_value=1, default=None)
    q = serializers.CharField(required=False, default="", max_length=100, allow_blank=True)
    sort = serializers.ChoiceField(choices=SORT_CHOICES, required=False, default="recent")
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class ThreadIn(serializers.Serializer):
    category = serializers.SlugField()
    title = serializers.CharField(max_length=160)
    body = serializers.CharField(max_length=BODY_MAX_CHARS, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class PostIn(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_CHARS)
    quote_of = serializers.IntegerField(max_value=ID_MAX, required=False, allow_null=True, default=None)
    official = serializers.BooleanField(required=False, default=False)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="Chosen by the client (a UUID): the same reply sent again is made once.",
    )


class PostEditIn(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_CHARS)


class PostQueryIn(serializers.Serializer):
    after = serializers.IntegerField(
        max_value=ID_MAX, required=False, min_value=0, default=None, help_text="The last post id seen."
    )
    after_seq = serializers.IntegerField(max_value=ID_MAX, required=False, min_value=0, default=None)


class ThreadStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=ThreadStatus.choices)
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ProposalStatusIn(serializers.Serializer):
    proposal_status = serializers.ChoiceField(choices=ProposalStatus.choices)
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class LockIn(serializers.Serializer):
    locked = serializers.BooleanField()


class FlagIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    post = serializers.IntegerField(max_value=ID_MAX, required=False, allow_null=True, default=None)


class HideIn(serializers.Serializer):
    post = serializers.IntegerField(max_value=ID_MAX, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=240, required=False, default="", allow_blank=True)


class RestoreIn(serializers.Serializer):
    post = serializers.IntegerField(max_value=ID_MAX, required=False, allow_null=True, default=None)


class MuteIn(serializers.Serializer):
    user = serializers.IntegerField(max_value=ID_MAX, min_value=1)
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=240)


class MuteOut(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    until = serializers.DateTimeField()
    reason = serializers.CharField()


class SupportOut(serializers.Serializer):
    supported = serializers.BooleanField()
    support_count = serializers.IntegerField()


class ThreadFollowOut(serializers.Serializer):
    following = serializers.BooleanField()


class FlagOut(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class QueueThreadOut(ThreadOut):
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    flag_count = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # ThreadOut's fast path writes its own fields only: the moderation ones are added here.
        data = super().to_representation(instance)
        data.update(
            hidden=instance.hidden, hidden_reason=instance.hidden_reason, flag_count=instance.flag_count
        )
        return data


class QueuePostOut(serializers.Serializer):
    id = serializers.IntegerField()
    thread = serializers.IntegerField(source="thread_id")
    thread_title = serializers.CharField(source="thread.title")
    author = UserRefOut()
    body = serializers.CharField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    flag_count = serializers.IntegerField()


class QueueOut(serializers.Serializer):
    threads = QueueThreadOut(many=True)
    posts = QueuePostOut(many=True)


def page_of(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    return type(
        f"{serializer.__name__[:-3]}PageOut",
        (serializers.Serializer,),
        {"next": serializers.CharField(allow_null=True), "results": serializer(many=True)},
    )


ThreadPageOut = page_of(ThreadOut)
PostPageOut = page_of(PostOut)
