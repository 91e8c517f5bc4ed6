"""Uploaded files are hostile until proven otherwise: the checks every app's uploads go through
(publication files, forum photos, commitment and workshop photos). ``images_check``, ``images_stored``
and ``image_rows`` are the three steps of attaching photos to a row: check, store, record.

The type is recognised from the content (magic numbers at offset 0, then a parse of the header or
the ZIP directory), never from the name or the ``Content-Type`` header: a page with a PDF after it
is a PDF to PDF readers, not to ``sniff``. Images are measured from their header only (Pillow
does not decode pixels here). The stored name is random; the uploader's name is kept, sanitised,
for the history only.

The size of a whole request is limited before Django reads it (``hub.uploads_asgi``); the guards
here (``limit_upload_size``) stay for any other way a request reaches a view.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)


class FileKind(models.TextChoices):
    """File types accepted, recognised by their content (``sniff``)."""

    PDF = "pdf", "PDF"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    WEBP = "webp", "WebP"
    ODT = "odt", "OpenDocument (texte)"
    ODS = "ods", "OpenDocument (tableur)"
    DOCX = "docx", "Word (DOCX)"
    XLSX = "xlsx", "Excel (XLSX)"
    CSV = "csv", "CSV"


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413
    default_message: Any = gettext_lazy("This file is too large.")


class UnsupportedFile(InvalidInput):
    code = "unsupported_file_type"
    default_message: Any = gettext_lazy("This kind of file is not accepted.")


# Form fields travel with the files in one multipart body.
MULTIPART_OVERHEAD = 256 * 1024
MAX_FILES_PER_REQUEST = 10
MAX_ZIP_ENTRIES = 5000

CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.WEBP: "image/webp",
    FileKind.ODT: "application/vnd.oasis.opendocument.text",
    FileKind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.CSV: "text/csv; charset=utf-8",
}
IMAGE_KINDS = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.WEBP: "WEBP"}
OPENDOCUMENT_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": FileKind.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": FileKind.ODS,
}
_HTML_START = re.compile(rb"^\s*<(?:!doctype|html|script|svg|\?xml)", re.I)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content was checked; ``file`` is positioned at 0."""

    file: Any
    kind: FileKind
    content_type: str
    size: int
    sha256: str
    original_name: str
    width: int | None = None
    height: int | None = None
    page_count: int | None = None


def upload_max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def file_too_large() -> FileTooLarge:
    """The refusal of files past ``UPLOAD_MAX_BYTES`` (also what ``hub.uploads_asgi`` answers)."""
    limit_mb = upload_max_bytes() / (1024 * 1024)
    message = _("The files sent at once may not exceed %(limit)s MB in all.") % {"limit": f"{limit_mb:g}"}
    return FileTooLarge(message, fields={"file": [message]})


def _unsupported(message: str | None = None) -> UnsupportedFile:
    message = message or _("Accepted files: PDF, images (PNG, JPEG, WebP), ODT, ODS, DOCX, XLSX and CSV.")
    return UnsupportedFile(message, fields={"file": [message]})


def request_body_check(meta: dict[str, Any]) -> None:
    """Refuse an oversized body from its ``Content-Length``, before anything parses or stores it.

    Call this before touching ``request.FILES``/``request.POST``/``request.data`` (and before the
    CSRF check, which reads ``request.POST``)."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > upload_max_bytes() + MULTIPART_OVERHEAD:
        raise file_too_large()


class UploadSizeLimitHandler(FileUploadHandler):
    """Stops a multipart body without (or with a false) ``Content-Length`` as soon as the files in it
    pass the limit. Insert it first in ``request.upload_handlers``."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            raise file_too_large()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_upload_size(request: Any) -> None:
    """The two guards together: the declared length now, the streamed size while parsing."""
    request_body_check(request.META)
    handlers = request.upload_handlers
    if not any(isinstance(handler, UploadSizeLimitHandler) for handler in handlers):
        request.upload_handlers = [UploadSizeLimitHandler(request), *handlers]


def sanitize_name(name: str) -> str:
    """The uploader's file name, made harmless for display: no path, no control characters."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[-120:]


def _digest_and_size(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def _zip_kind(handle: IO[bytes]) -> FileKind:
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise _unsupported()
            names = {info.filename for info in infos}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise _unsupported(_("Documents with macros are not accepted."))
            mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
            if mimetype is not None and mimetype.file_size < 200:
                kind = OPENDOCUMENT_MIMETYPES.get(archive.read(mimetype).strip())
                if kind is not None:
                    return kind
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return FileKind.DOCX
                if "xl/workbook.xml" in names:
                    return FileKind.XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        raise _unsupported() from exc
    raise _unsupported()


def _looks_like_csv(handle: IO[bytes], name: str) -> bool:
    if not name.lower().endswith(".csv"):
        return False
    handle.seek(0)
    sample = handle.read(256 * 1024)
    handle.seek(0)
    if b"\x00" in sample or _HTML_START.match(sample):
        return False
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        if exc.start < len(sample) - 4:
            return False
        text = sample[: exc.start].decode("utf-8-sig")
    return all(ch in "\t\r\n" or unicodedata.category(ch) != "Cc" for ch in text)


def sniff(handle: IO[bytes], name: str = "") -> FileKind:
    """The kind of file from its content; ``UnsupportedFile`` if it is none we accept."""
    handle.seek(0)
    head = handle.read(2048)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(handle)
    if _looks_like_csv(handle, name):
        return FileKind.CSV
    raise _unsupported()


def _image_size(handle: IO[bytes], kind: FileKind) -> tuple[int, int]:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Lazy: reads the header only, the pixels are never decoded here.
            with Image.open(handle, formats=[IMAGE_KINDS[kind]]) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        width = height = 0
        too_big = True
    except (OSError, SyntaxError, ValueError) as exc:
        raise _unsupported(_("This image is damaged.")) from exc
    else:
        too_big = width * height > int(settings.IMAGE_MAX_PIXELS)
    finally:
        handle.seek(0)
    if too_big or width <= 0 or height <= 0:
        message = _("This image has too many pixels (at most %(limit)s million).") % {
            "limit": f"{int(settings.IMAGE_MAX_PIXELS) / 1_000_000:g}"
        }
        raise UnsupportedFile(message, code="image_too_large", fields={"file": [message]})
    return width, height


def _pdf_page_count(handle: IO[bytes]) -> int | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(handle, strict=False)
        if reader.is_encrypted:
            return None  # accepted, but neither counted nor indexed
        return len(reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _unsupported(_("This PDF is damaged.")) from exc
    finally:
        handle.seek(0)


def upload_check(upload: Any) -> CheckedUpload:
    """Check one uploaded file (Django ``UploadedFile`` or any ``File``) and describe it."""
    declared = getattr(upload, "size", None)
    if declared is not None and declared > upload_max_bytes():
        raise file_too_large()
    handle: IO[bytes] = upload.file if hasattr(upload, "file") and upload.file is not None else upload
    sha256, size = _digest_and_size(handle)
    if size > upload_max_bytes():
        raise file_too_large()
    if size == 0:
        raise _unsupported(_("This file is empty."))
    name = sanitize_name(getattr(upload, "name", "") or "")
    kind = sniff(handle, name)
    width = height = page_count = None
    if kind in IMAGE_KINDS:
        width, height = _image_size(handle, kind)
    elif kind == FileKind.PDF:
        page_count = _pdf_page_count(handle)
    return CheckedUpload(
        file=upload,
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=sha256,
        original_name=name,
        width=width,
        height=height,
        page_count=page_count,
    )


def bytes_upload(content: bytes, name: str) -> Any:
    """An in-memory upload (demo data, tests, management commands)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def images_check(
    files: Sequence[Any],
    *,
    max_count: int,
    field: str,
    too_many: str,
    invalid: type[InvalidInput] = InvalidInput,
) -> list[CheckedUpload]:
    """Check photos before anything is written: at most ``max_count`` (else ``invalid(too_many)``),
    each an image (PNG, JPEG or WebP) from its content. Every refusal names ``field``: the checks of
    ``upload_check`` name it "file", which is not the form's field here."""
    files = list(files or [])
    if not files:
        return []
    if len(files) > max_count:
        raise invalid(too_many, fields={field: [too_many]})
    checked = []
    for upload in files:
        try:
            checked.append(upload_check(upload))
        except DomainError as exc:
            exc.details["fields"] = {field: [exc.message]}
            raise
    for item in checked:
        if item.kind not in IMAGE_KINDS:
            message = _("Only photos (PNG, JPEG or WebP) can be attached.")
            raise invalid(message, code="unsupported_file_type", fields={field: [message]})
    return checked


def image_rows(checked: Sequence[CheckedUpload], names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The columns of each photo's row, for the images ``images_stored`` saved as ``names``::

    Photo.objects.bulk_create(Photo(owner=owner, **row) for row in image_rows(checked, names))
    """
    for item, name in zip(checked, names, strict=True):
        yield {
            "file": name,
            "content_type": item.content_type,
            "size": item.size,
            "width": item.width,
            "height": item.height,
            "original_name": item.original_name[:200],
        }


@contextmanager
def images_stored(checked: Sequence[CheckedUpload], folder: str) -> Iterator[list[str]]:
    """Store checked images under random names in ``folder`` BEFORE the database transaction that
    records them (storage may be S3: no network call inside a transaction), and delete them again if
    the block fails, so that a rolled-back write leaves no file behind::

        with images_stored(checked, "forum") as names, transaction.atomic():
            ...  # rows naming ``names``
    """
    names: list[str] = []
    try:
        for item in checked:
            item.file.seek(0)
            extension = IMAGE_EXTENSIONS[item.content_type]
            names.append(default_storage.save(f"{folder}/{uuid.uuid4().hex}.{extension}", item.file))
        yield names
    except BaseException:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:  # an orphan file is harmless; the error that matters is re-raised
                logger.warning("could not delete the orphan file %s", name, exc_info=True)
        raise
