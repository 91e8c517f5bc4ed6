"""Factories of the publications app, and files built in code (no binary fixtures)."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
import zlib

import factory
from django.utils import timezone

from hub.models import Role
from hub.uploads import FileKind
from publications.models import (
    AgendaEvent,
    Contract,
    ContractProcedure,
    Document,
    DocumentFile,
    DocumentType,
    PublicationState,
)
from tests.factories import CommuneFactory, MembershipFactory

# --- Files -------------------------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_bytes(*pages: str) -> bytes:
    """A minimal valid PDF, one page per text (Helvetica, WinAnsi), readable by pypdf."""
    pages = pages or ("Document de test",)
    objects: list[bytes] = []
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for index, text in enumerate(pages):
        content_id = page_ids[index] + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        stream = b"BT /F1 12 Tf 72 770 Td " + _pdf_string(text) + b" Tj ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 102, 58)).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes(text: str = "Procès-verbal", macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document><w:p><w:t>{text}</w:t></w:p></w:document>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()


def odt_bytes(text: str = "Arrêté municipal") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml", f"<office:document-content><text:p>{text}</text:p></office:document-content>"
        )
    return buffer.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"


def publisher(commune, role: str = Role.COMMUNICATION_OFFICER):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


# --- Models ------------------------------------------------------------------------------------------


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    commune = factory.SubFactory(CommuneFactory)
    type = DocumentType.BUDGET_PRIMITIVE
    fiscal_year = 2025
    title = factory.Sequence(lambda n: f"Budget primitif {n}")
    summary = "Budget de la commune."
    search_text = factory.LazyAttribute(lambda d: f"{d.title.lower()}\n{d.summary.lower()}")


class PublishedDocumentFactory(DocumentFactory):
    state = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    first_published_at = factory.LazyAttribute(lambda d: d.published_at)
    publication_count = 1


class DocumentFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentFile

    document = factory.SubFactory(DocumentFactory)
    slot = factory.Sequence(lambda n: n + 1)
    version = 1
    is_current = True
    file = factory.django.FileField(data=b"%PDF-1.4 test", filename="stored.pdf")
    original_name = "budget.pdf"
    kind = FileKind.PDF
    content_type = "application/pdf"
    size = 13
    sha256 = "0" * 64


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    commune = factory.SubFactory(CommuneFactory)
    reference = factory.Sequence(lambda n: f"AOO/2025/{n:03d}")
    title = factory.Sequence(lambda n: f"Construction d'un module de classes n° {n}")
    awardee = "Entreprise Soglo et Fils"
    amount_xof = 45_000_000
    procedure = ContractProcedure.OPEN_TENDER
    award_date = datetime.date(2025, 3, 14)
    fiscal_year = 2025


class PublishedContractFactory(ContractFactory):
    state = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    first_published_at = factory.LazyAttribute(lambda c: c.published_at)
    publication_count = 1


class AgendaEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaEvent

    commune = factory.SubFactory(CommuneFactory)
    title = factory.Sequence(lambda n: f"Audience publique {n}")
    place = "Hôtel de ville"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + datetime.timedelta(hours=2))


class PublishedAgendaEventFactory(AgendaEventFactory):
    state = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    first_published_at = factory.LazyAttribute(lambda e: e.published_at)
    publication_count = 1
