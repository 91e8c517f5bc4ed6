"""Photos attached to posts: checked from their content (the document upload rules), images only,
at most ``MAX_ATTACHMENTS`` per post, not for new accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from forums.errors import NewAccountLimited
from forums.models import Attachment, Post
from forums.services.common import is_new_account
from hub.errors import InvalidInput
from hub.models import Commune, User
from hub.uploads import IMAGE_KINDS, CheckedUpload, upload_check

MAX_ATTACHMENTS = 4


def attachments_check(actor: User, commune: Commune, uploads: list[Any]) -> list[CheckedUpload]:
    """Check every upload before anything is written (raises on the first bad one)."""
    if not uploads:
        return []
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            fields={"images": [_("At most %(max)s photos per message.") % {"max": MAX_ATTACHMENTS}]}
        )
    if is_new_account(actor) and not actor.has_perm("hub.view_staff_area", commune):
        raise NewAccountLimited(
            _("New accounts cannot attach photos yet. Take part a little first."), code="new_account_limited"
        )
    checked = [upload_check(upload) for upload in uploads]
    for item in checked:
        if item.kind not in IMAGE_KINDS:
            raise InvalidInput(
                fields={"images": [_("Only photos (PNG, JPEG or WebP) can be attached.")]},
                code="unsupported_file_type",
            )
    return checked


FOLDER = "forum"


def attachments_save(post: Post, checked: Sequence[CheckedUpload], names: Sequence[str]) -> list[Attachment]:
    """The rows of photos already stored (``hub.uploads.images_stored``, before the transaction)."""
    rows = [
        Attachment(
            post=post,
            file=name,
            content_type=item.content_type,
            size=item.size,
            width=item.width,
            height=item.height,
            original_name=item.original_name[:200],
        )
        for item, name in zip(checked, names, strict=True)
    ]
    return Attachment.objects.bulk_create(rows)
