"""Who may see and change publications: ``rules`` predicates on (user, publication).

Publishing rights are the core's ``hub.publish_in_commune`` (communication officer, focal point,
secretary-general, mayor of an enabled commune; platform administrators). On top of it:

- ``publications.view_item``: anyone once published (or withdrawn: the notice stays public);
  drafts only for those who may publish in the item's commune;
- ``publications.manage_item``: create, edit, publish, withdraw, replace files;
- ``publications.download_file``: files of a published document, or any file for its publishers.
"""

from __future__ import annotations

from typing import Any

import rules

from publications.models.common import PUBLIC_STATES, PublicationState


@rules.predicate
def is_public(user: Any, item: Any) -> bool:
    return item is not None and item.state in PUBLIC_STATES


@rules.predicate
def is_published(user: Any, item: Any) -> bool:
    return item is not None and item.state == PublicationState.PUBLISHED


@rules.predicate
def may_publish_in_its_commune(user: Any, item: Any) -> bool:
    return item is not None and bool(user.has_perm("hub.publish_in_commune", item.commune))


rules.add_perm("publications.view_item", is_public | may_publish_in_its_commune)
rules.add_perm("publications.manage_item", may_publish_in_its_commune)
rules.add_perm("publications.download_file", is_published | may_publish_in_its_commune)
