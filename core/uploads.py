"""Checking, neutralising, storing and serving uploaded documents (J3.1).

The type is decided by content, never by the client's name or header. Images
are decoded under a pixel limit and re-encoded with Pillow, which drops EXIF
(GPS included) and anything appended to the image (polyglots). PDFs must be
parsed with pypdf (names decoded, object streams and compressed streams
expanded) and carry no active content anywhere: no JavaScript, no automatic
actions, no launching, no embedded files, no rich media, no XFA forms. Files get random
names in private storage and are served only by permission-checked views."""

from __future__ import annotations

import io
import mimetypes
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .errors import InvalidUpload

IMAGE = "image"
PDF = "pdf"

# J3.1: what makes a PDF act rather than display. A dictionary key in _PDF_ACTIVE_KEYS or
# a name in _PDF_ACTIVE_NAMES anywhere in the document refuses it; names are compared
# after decoding (#41 is "A"), which pypdf does when it parses a name.
_PDF_ACTIVE_KEYS = frozenset({
    "/JS", "/JavaScript",              # scripts, in actions or the names tree
    "/OpenAction", "/AA",              # actions run on opening / on page, field or document events
    "/Launch",                         # running a program
    "/EmbeddedFiles", "/EmbeddedFile",  # attachments (names tree, file specifications)
    "/RichMedia", "/RichMediaContent", "/RichMediaSettings",  # Flash / 3D / video payloads
    "/XFA",                            # XML forms with their own scripting
})
_PDF_ACTIVE_NAMES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia", "/XFA"})
# Objects visited at most: a document of a few pages has hundreds; more is refused as too complex.
_PDF_MAX_OBJECTS = 200_000
# Name tokens in the raw bytes, for objects that no cross-reference table points at
# (a repairing reader may still find them): decoded before the comparison. Stream
# bodies are skipped: image data would match by chance, and pypdf reads the streams
# that hold objects.
_PDF_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_RAW_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, read at each use (so tests can redirect it),
    with no URL at all: the only way out is a permission-checked view."""

    @property
    def base_location(self) -> Path:
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self) -> str:
        import os

        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")


def private_storage() -> FileSystemStorage:
    """The storage of every uploaded document (referenced by FileFields and migrations)."""
    return PrivateStorage()


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def _read_limited(upload: File[Any]) -> bytes:
    size = getattr(upload, "size", None)
    limit = settings.UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise InvalidUpload(_("The file is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidUpload(_("The file is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
    if not data:
        raise InvalidUpload(_("The file is empty."))
    return data


def _reencode_image(data: bytes, kind: str) -> tuple[bytes, str]:
    max_pixels = settings.UPLOAD_MAX_PIXELS
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > max_pixels or width > 20000 or height > 20000:
                raise InvalidUpload(_("The image is too large in pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "png" or upright.mode in ("RGBA", "LA", "P"):
                clean = upright.convert("RGBA") if upright.mode in ("P", "LA") else upright
                if clean.mode not in ("RGB", "RGBA", "L"):
                    clean = clean.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
                return out.getvalue(), "png"
            clean = upright.convert("RGB")
            clean.save(out, format="JPEG", quality=88)
            return out.getvalue(), "jpg"
    except InvalidUpload:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidUpload(_("The image is too large in pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidUpload(_("The image is damaged or not really an image.")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit


def _raw_names_are_active(data: bytes) -> bool:
    for match in _PDF_RAW_NAME.finditer(_PDF_STREAM_BODY.sub(b"stream endstream", data)):
        name = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        text = "/" + name.decode("latin-1")
        if text in _PDF_ACTIVE_KEYS or text in _PDF_ACTIVE_NAMES:
            return True
    return False


def _pdf_objects_are_active(reader: PdfReader) -> bool:
    """Walk the trailer (catalog, names tree, outlines, pages…) and every object the
    cross-reference tables list, those inside object streams included: pypdf
    decompresses the streams and decodes escaped names while parsing."""
    stack: list = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise InvalidUpload(_("The PDF is too complex to be checked."))
        if isinstance(item, DictionaryObject):  # stream objects included (their dictionary)
            for key, value in item.items():
                if key in _PDF_ACTIVE_KEYS:
                    return True
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject) and item in _PDF_ACTIVE_NAMES:
            return True
    return False


def _check_pdf(data: bytes) -> None:
    damaged = _("The PDF is damaged or not really a PDF.")
    if b"%%EOF" not in data[-2048:]:
        raise InvalidUpload(damaged)
    active = _("PDFs with scripts, actions or embedded files are not accepted.")
    if _raw_names_are_active(data):
        raise InvalidUpload(active)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Objects (object streams included) cannot be checked without the password.
            raise InvalidUpload(_("Password-protected PDFs are not accepted; upload the document without a "
                                  "password."))
        if _pdf_objects_are_active(reader):
            raise InvalidUpload(active)
    except InvalidUpload:
        raise
    except Exception:  # pypdf raises many kinds on a malformed file (and its limits)  # noqa: BLE001
        # Any of them means "not a PDF we can check": refused, never a 500.
        raise InvalidUpload(damaged) from None


# Parts smaller than this are not held to the compression ratio (tiny XML compresses well).
_XLSX_RATIO_FLOOR_BYTES = 1024 * 1024


def xlsx_archive_check(data: bytes) -> None:
    """Refuse a spreadsheet archive that would expand beyond the caps (J3.1), before
    any XML is parsed: total uncompressed size, number of parts, compression ratio.

    The sizes read here are the ones the central directory declares; zipfile (which
    openpyxl reads through) never returns more bytes than declared and fails on the
    CRC, so a lying header cannot smuggle a larger part past this check. The XML
    itself is parsed without entity expansion: openpyxl imports defusedxml's parsers
    whenever defusedxml is installed (openpyxl/xml/__init__.py DEFUSEDXML,
    openpyxl/xml/functions.py), which is why it is a pinned dependency; refusing
    here if it is off (OPENPYXL_DEFUSEDXML=False) keeps that from silently changing."""
    from openpyxl.xml import DEFUSEDXML

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise InvalidUpload(_("The file is not a readable XLSX workbook.")) from None
    if not DEFUSEDXML:  # pragma: no cover - a deployment that turned the protection off
        raise InvalidUpload(_("XLSX files cannot be read safely on this server; upload a CSV file."))
    limit = settings.XLSX_MAX_MEMBERS
    if len(members) > limit:
        raise InvalidUpload(_("The workbook has more than %(n)d parts; an XLSX statement has a dozen or so.")
                            % {"n": limit})
    limit = settings.XLSX_MAX_UNCOMPRESSED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise InvalidUpload(_("The workbook expands to more than %(mb)d MB when unpacked; split it or upload "
                              "a CSV file.") % {"mb": limit // (1024 * 1024)})
    ratio = settings.XLSX_MAX_COMPRESSION_RATIO
    for member in members:
        if member.file_size > _XLSX_RATIO_FLOOR_BYTES and member.file_size > ratio * max(member.compress_size, 1):
            raise InvalidUpload(_("The workbook is compressed more than %(ratio)d times, which no real statement "
                                  "is; it is refused as a possible zip bomb.") % {"ratio": ratio})


def clean_upload(
    upload: File[Any] | None, *, allowed: tuple[str, ...] = (IMAGE, PDF), folder: str = "documents"
) -> ContentFile:
    """Validate an uploaded file by content and return a safe copy with a random name.

    Raises InvalidUpload with a translated message for anything unacceptable."""
    if upload is None:
        raise InvalidUpload(_("Please choose a file."))
    data = _read_limited(upload)
    kind = _sniff(data[:16])
    if kind in ("jpeg", "png", "webp") and IMAGE in allowed:
        content, extension = _reencode_image(data, kind)
    elif kind == "pdf" and PDF in allowed:
        _check_pdf(data)
        content, extension = data, "pdf"
    else:
        accepted = [*(("JPEG", "PNG", "WebP") if IMAGE in allowed else ()), *(("PDF",) if PDF in allowed else ())]
        # One separator throughout: "JPEG, PNG, WebP, PDF"; "JPEG、PNG、WebP、PDF" in Chinese (issue 21).
        types = pgettext("list separator", ", ").join(accepted)
        raise InvalidUpload(_("Only %(types)s files are accepted.") % {"types": types})
    return ContentFile(content, name=f"{folder}/{uuid.uuid4().hex}.{extension}")


def serve_private_file(fieldfile: FieldFile, *, download_name: str) -> FileResponse:
    """Stream a private file with headers that stop a browser from sniffing or running it."""
    if not fieldfile.name:  # a field with no file: opening it would refuse too
        raise ValueError("No file to serve.")
    extension = fieldfile.name.rsplit(".", 1)[-1].lower()
    content_type = mimetypes.types_map.get(f".{extension}", "application/octet-stream")
    response = FileResponse(
        fieldfile.open("rb"),
        content_type=content_type,
        as_attachment=extension == "pdf",
        filename=f"{download_name}.{extension}",
    )
    if extension != "pdf":
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
