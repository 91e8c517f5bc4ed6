"""Text of uploaded files, for search: PDF pages (pypdf), ODT/DOCX bodies. Bounded in time and size."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import zipfile
from typing import IO

from hub.uploads import FileKind

logger = logging.getLogger(__name__)

MAX_PAGES = 300
MAX_CHARS = 200_000
# Decompressed bytes read from one member of an ODT/DOCX archive (zip bombs stop here).
MAX_XML_BYTES = 8 * 1024 * 1024
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced: "Équipements  sanitaires" → "equipements sanitaires"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def pdf_text(handle: IO[bytes]) -> str:
    from pypdf import PdfReader

    reader = PdfReader(handle, strict=False)
    if reader.is_encrypted:
        return ""
    parts: list[str] = []
    size = 0
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES or size >= MAX_CHARS:
            break
        try:
            text = page.extract_text() or ""
        except Exception:  # one broken page must not lose the others
            logger.warning("could not extract the text of a PDF page", exc_info=True)
            continue
        parts.append(text)
        size += len(text)
    return "\n".join(parts)[:MAX_CHARS]


def _xml_member_text(handle: IO[bytes], member: str) -> str:
    with zipfile.ZipFile(handle) as archive, archive.open(member) as xml:
        raw = xml.read(MAX_XML_BYTES)
    # Paragraph ends become spaces before the tags go.
    raw_text = raw.decode("utf-8", errors="replace").replace("</w:p>", " ").replace("</text:p>", " ")
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", raw_text))).strip()[:MAX_CHARS]


def file_text(handle: IO[bytes], kind: str) -> str:
    """Best effort: an unreadable file simply has no searchable text."""
    try:
        if kind == FileKind.PDF:
            return pdf_text(handle)
        if kind == FileKind.DOCX:
            return _xml_member_text(handle, "word/document.xml")
        if kind == FileKind.ODT:
            return _xml_member_text(handle, "content.xml")
    except Exception:
        logger.warning("could not extract the text of a %s file", kind, exc_info=True)
    return ""
