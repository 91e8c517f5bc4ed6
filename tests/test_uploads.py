"""Uploads are hostile until proven otherwise (``hub.uploads``, shared by publications and forum
photos): the type comes from the content, images are measured from their header, sizes are limited,
names are sanitised."""

import io
import zipfile

import pytest
from django.test import RequestFactory

from hub.uploads import (
    FileTooLarge,
    UnsupportedFile,
    UploadSizeLimitHandler,
    bytes_upload,
    limit_upload_size,
    request_body_check,
    sanitize_name,
    upload_check,
)
from tests.factories_publications import (
    EXE_BYTES,
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    png_header_only,
)


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
