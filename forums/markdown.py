"""The safe Markdown subset of forum posts, rendered once at write time.

markdown-it-py in CommonMark mode with raw HTML off (so ``<script>`` is text), images and tables
off, then nh3 with an allow-list: a ``javascript:``/``data:`` link loses its ``href``, every
``on*`` attribute goes, and links get ``rel="nofollow ugc noopener"``.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "br"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(["image", "heading", "lheading"])
# Links written in the Markdown source ([text](url) or <url>), to limit new accounts.
_LINK = re.compile(r"\]\([^)]*\)|<(?:https?|mailto):|https?://|www\.", re.I)


def render(source: str) -> str:
    """Safe HTML for ``source``."""
    return nh3.clean(
        _md.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    ).strip()


def has_link(source: str) -> bool:
    return bool(_LINK.search(source))
