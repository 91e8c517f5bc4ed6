"""Uploads are hostile until proven otherwise (``hub.uploads``, shared by publications, forum photos
and commitment photos): the type comes from the content, images are measured from their header,
sizes are limited, names are sanitised.

The type check is proven on its own: a polyglot (a page with a script, then a valid PDF) is a PDF
that PDF readers, pypdf included, open without complaint, so only the check of the first bytes can
refuse it, and every upload route does so."""

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from commitments.models import CommitmentUpdate
from forums import services as forum_services
from forums.models import Attachment, Post
from hub.models import Role
from hub.uploads import (
    FileTooLarge,
    UnsupportedFile,
    UploadSizeLimitHandler,
    bytes_upload,
    limit_upload_size,
    request_body_check,
    sanitize_name,
    sniff,
    upload_check,
)
from publications.models import Document, DocumentFile
from tests.factories import CommuneFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_forums import CategoryFactory, staff, veteran
from tests.factories_publications import (
    EXE_BYTES,
    DocumentFactory,
    DocumentFileFactory,
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    png_header_only,
    publisher,
)

SCRIPT_PAGE = (
    b"<html><head><script>fetch('/api/v1/me/').then(r => r.text()).then(alert)</script></head></html>\n"
)


def html_pdf_polyglot() -> bytes:
    """A page with a script, then a whole PDF: readers look for ``%PDF-`` in the first 1024 bytes."""
    return SCRIPT_PAGE + pdf_bytes("Budget primitif 2025")


def html_png_polyglot() -> bytes:
    return SCRIPT_PAGE + png_bytes(40, 30)


def type_refusal() -> str:
    """The type check's own message (the PDF parser's and the image reader's say "damaged")."""
    with pytest.raises(UnsupportedFile) as caught:
        sniff(io.BytesIO(EXE_BYTES), "budget.pdf")
    return caught.value.message


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (pdf_bytes("Budget"), "budget.pdf", "pdf"),
        (pdf_bytes("Budget"), "budget.docx", "pdf"),  # the name does not decide
        (png_bytes(), "photo.jpg", "png"),
        (jpeg_bytes(), "photo.jpeg", "jpeg"),
        (docx_bytes(), "pv.docx", "docx"),
        (odt_bytes(), "arrete.odt", "odt"),
        (xlsx_bytes(), "budget.xlsx", "xlsx"),
        ("Ligne;Montant\nDépenses;12000\n".encode(), "budget.csv", "csv"),
    ],
)
def test_accepted_files_are_recognised_by_their_content(content, name, kind):
    checked = upload_check(bytes_upload(content, name))
    assert checked.kind == kind
    assert checked.size == len(content) and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE_BYTES, "budget.pdf"),
        (b"<html><script>alert(1)</script></html>", "budget.pdf"),
        (b"<!doctype html><p>x</p>", "budget.csv"),
        (b"\x00\x01\x02binary", "budget.csv"),
        (b"Ligne;Montant\n", "budget.txt"),  # text that is not declared as CSV
        (docx_bytes(macro=True), "pv.docx"),
        (b"PK\x03\x04 not really a zip", "a.docx"),
        (pdf_bytes("x")[:40], "coupe.pdf"),  # a damaged PDF
        (b"", "vide.pdf"),
        (b"GIF89a\x01\x00\x01\x00", "image.gif"),
    ],
)
def test_everything_else_is_refused(content, name):
    with pytest.raises(UnsupportedFile) as caught:
        upload_check(bytes_upload(content, name))
    assert caught.value.status == 400
    assert "file" in caught.value.details["fields"]


def test_images_are_measured_from_their_header_only(settings):
    settings.IMAGE_MAX_PIXELS = 40_000_000
    with pytest.raises(UnsupportedFile) as caught:
        upload_check(bytes_upload(png_header_only(50_000, 50_000), "bombe.png"))
    assert caught.value.code == "image_too_large"
    with pytest.raises(UnsupportedFile):
        upload_check(bytes_upload(png_header_only(8_000, 6_000), "grande.png"))  # 48 Mpx
    assert upload_check(bytes_upload(png_header_only(4_000, 3_000), "ok.png")).width == 4_000


def test_size_is_checked_from_the_declared_length_and_the_content(settings):
    settings.UPLOAD_MAX_BYTES = 1_000
    with pytest.raises(FileTooLarge):
        request_body_check({"CONTENT_LENGTH": str(10_000_000)})
    request_body_check({"CONTENT_LENGTH": "not a number"})
    request_body_check({})
    with pytest.raises(FileTooLarge):
        upload_check(bytes_upload(pdf_bytes("x" * 2_000), "a.pdf"))


def test_the_streaming_guard_stops_a_body_that_lies_about_its_length(settings):
    settings.UPLOAD_MAX_BYTES = 100
    handler = UploadSizeLimitHandler()
    handler.receive_data_chunk(b"x" * 60, 0)
    with pytest.raises(FileTooLarge):
        handler.receive_data_chunk(b"x" * 60, 60)


def test_the_guard_is_installed_first_and_once():
    request = RequestFactory().post("/", data={})
    limit_upload_size(request)
    limit_upload_size(request)
    guards = [h for h in request.upload_handlers if isinstance(h, UploadSizeLimitHandler)]
    assert len(guards) == 1 and request.upload_handlers[0] is guards[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\maire\\Budget 2025.pdf", "Budget 2025.pdf"),
        ("rapport\x00\x1b[31m.pdf", "rapport[31m.pdf"),
        ("Procès-verbal.pdf", "Procès-verbal.pdf"),
        ("...", ""),
    ],
)
def test_uploaded_names_are_sanitised_for_display(raw, clean):
    assert sanitize_name(raw) == clean


# --- Polyglots: the type check itself ---------------------------------------------------------------


def test_an_html_pdf_polyglot_is_a_pdf_to_a_pdf_reader():
    # given the polyglot: a page with a script first, then a valid PDF
    polyglot = html_pdf_polyglot()
    assert polyglot.startswith(b"<html>") and b"%PDF-" in polyglot[:1024]
    # then a PDF reader opens it without complaint: the PDF parse alone would not refuse it
    reader = PdfReader(io.BytesIO(polyglot), strict=False)
    assert len(reader.pages) == 1 and "Budget primitif 2025" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (html_pdf_polyglot(), "budget.pdf"),
        (html_pdf_polyglot(), "budget.csv"),  # the CSV rule refuses pages too
        (html_png_polyglot(), "photo.png"),
        (b"\n" + pdf_bytes("x"), "budget.pdf"),  # anything before %PDF- is not a PDF here
        (b"\xef\xbb\xbf" + pdf_bytes("x"), "budget.pdf"),  # nor a byte-order mark
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.png"),
    ],
    ids=["html-pdf", "html-pdf-as-csv", "html-png", "newline-pdf", "bom-pdf", "svg-script"],
)
def test_a_polyglot_is_refused_by_the_type_check_itself(content, name):
    # when the upload is checked
    with pytest.raises(UnsupportedFile) as caught:
        upload_check(bytes_upload(content, name))
    # then the refusal is the type check's: its code, its message (not "damaged"), on the field
    assert caught.value.code == "unsupported_file_type" and caught.value.status == 400
    assert caught.value.message == type_refusal()
    assert caught.value.details["fields"] == {"file": [type_refusal()]}
    with pytest.raises(UnsupportedFile):
        sniff(io.BytesIO(content), name)


# --- Every upload route goes through that check ------------------------------------------------------


def api_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def pdf_upload(content: bytes, name: str = "budget.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(content: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def document_route() -> tuple[Any, Any]:
    commune = CommuneFactory(slug="cotonou")
    client = api_client(publisher(commune, Role.MAYOR))

    def send(polyglot: SimpleUploadedFile) -> Any:
        fields = {"type": "budget_primitive", "fiscal_year": 2025, "title": "Budget", "files": [polyglot]}
        return client.post("/api/v1/communes/cotonou/documents/", fields, format="multipart")

    return send, lambda: Document.objects.exists()


def document_file_route() -> tuple[Any, Any]:
    document = DocumentFactory(commune=CommuneFactory(slug="cotonou"))
    client = api_client(publisher(document.commune, Role.MAYOR))

    def send(polyglot: SimpleUploadedFile) -> Any:
        return client.post(f"/api/v1/documents/{document.pk}/files/", {"file": polyglot}, format="multipart")

    return send, lambda: DocumentFile.objects.exists()


def file_replacement_route() -> tuple[Any, Any]:
    current = DocumentFileFactory(document=DocumentFactory(commune=CommuneFactory(slug="cotonou")))
    client = api_client(publisher(current.document.commune, Role.MAYOR))
    path = f"/api/v1/documents/{current.document_id}/files/{current.pk}/replace/"

    def send(polyglot: SimpleUploadedFile) -> Any:
        return client.post(path, {"file": polyglot}, format="multipart")

    return send, lambda: DocumentFile.objects.count() > 1


def forum_thread() -> Any:
    commune = CommuneFactory(slug="cotonou")
    CategoryFactory(commune=commune, slug="voirie")
    return forum_services.thread_create(
        actor=veteran(),
        commune=commune,
        category=commune.forum_categories.get(),
        title="Route",
        body="b",
        kind="concern",
    )


def forum_thread_route() -> tuple[Any, Any]:
    thread = forum_thread()
    client = api_client(veteran())

    def send(polyglot: SimpleUploadedFile) -> Any:
        fields = {
            "category": "voirie",
            "title": "Caniveau",
            "body": "Photo",
            "kind": "concern",
            "images": [polyglot],
        }
        return client.post("/api/v1/communes/cotonou/forum/threads/", fields, format="multipart")

    return send, lambda: Post.objects.exclude(thread=thread).exists() or Attachment.objects.exists()


def forum_reply_route() -> tuple[Any, Any]:
    thread = forum_thread()
    client = api_client(veteran())

    def send(polyglot: SimpleUploadedFile) -> Any:
        fields = {"body": "Photo", "images": [polyglot]}
        return client.post(f"/api/v1/forum/threads/{thread.pk}/posts/", fields, format="multipart")

    return send, lambda: Post.objects.count() > 1 or Attachment.objects.exists()


def commitment_photos_route() -> tuple[Any, Any]:
    commitment = CommitmentFactory()
    client = api_client(staff(commitment.commune))

    def send(polyglot: SimpleUploadedFile) -> Any:
        fields = {"text": "Chantier", "photos": [polyglot]}
        return client.post(f"/api/v1/commitments/{commitment.pk}/updates/", fields, format="multipart")

    return send, lambda: CommitmentUpdate.objects.exists()


def stored(media: Path) -> set[Path]:
    return {path for path in media.rglob("*") if path.is_file()}


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "polyglot", "field"),
    [
        (document_route, lambda: pdf_upload(html_pdf_polyglot()), "file"),
        (document_file_route, lambda: pdf_upload(html_pdf_polyglot()), "file"),
        (file_replacement_route, lambda: pdf_upload(html_pdf_polyglot()), "file"),
        (forum_thread_route, lambda: png_upload(html_png_polyglot()), "file"),
        (forum_reply_route, lambda: png_upload(html_png_polyglot()), "file"),
        (commitment_photos_route, lambda: png_upload(html_png_polyglot()), "photos"),
    ],
    ids=["document", "document-file", "file-replacement", "forum-thread", "forum-reply", "commitment-photos"],
)
def test_every_upload_route_refuses_a_polyglot_with_the_type_check(media, route, polyglot, field):
    # given a signed-in user allowed to upload there
    send, written = route()
    before = stored(media)
    with translation.override("fr"):
        expected = type_refusal()
    # when they send a polyglot
    response = send(polyglot())
    # then 400 with the type check's code and message, and nothing is written or stored
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_file_type"
    assert error["fields"][field] == [expected]
    assert not written()
    assert stored(media) == before


@pytest.mark.django_db
def test_the_publication_form_refuses_a_polyglot_with_the_type_check(media):
    # given a mayor on the publication form
    commune = CommuneFactory(slug="cotonou")
    client = Client()
    client.force_login(publisher(commune, Role.MAYOR))
    # when the form is posted with the polyglot
    response = client.post(
        "/communes/cotonou/publier/",
        {
            "type": "budget_primitive",
            "fiscal_year": "2025",
            "title": "Budget",
            "uploads": [pdf_upload(html_pdf_polyglot())],
        },
    )
    # then the form comes back with the type check's message, and nothing was written
    with translation.override("fr"):
        expected = type_refusal()
    assert response.status_code == 400
    assert expected.replace("'", "&#x27;") in response.content.decode()
    assert not Document.objects.exists()
