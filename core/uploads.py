"""Checking, neutralising, storing and serving uploaded documents (J3.1).

The type is decided by content, never by the client's name or header. Images
are decoded under a pixel limit and re-encoded with Pillow, which drops EXIF
(GPS included) and anything appended to the image (polyglots). PDFs must be
well-formed on the outside and carry no active content. Files get random
names in private storage and are served only by permission-checked views."""

import io
import mimetypes
import re
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidUpload

IMAGE = "image"
PDF = "pdf"

_PDF_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|OpenAction|AA)\b")


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, read at each use (so tests can redirect it),
    with no URL at all: the only way out is a permission-checked view."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    def url(self, name):
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


def _read_limited(upload) -> bytes:
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
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "png" or image.mode in ("RGBA", "LA", "P"):
                clean = image.convert("RGBA") if image.mode in ("P", "LA") else image
                if clean.mode not in ("RGB", "RGBA", "L"):
                    clean = clean.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
                return out.getvalue(), "png"
            clean = image.convert("RGB")
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


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise InvalidUpload(_("The PDF is damaged or not really a PDF."))
    if _PDF_ACTIVE_CONTENT.search(data):
        raise InvalidUpload(_("PDFs with scripts, actions or embedded files are not accepted."))


def clean_upload(upload, *, allowed: tuple[str, ...] = (IMAGE, PDF), folder: str = "documents") -> ContentFile:
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
        accepted = []
        if IMAGE in allowed:
            accepted.append("JPEG / PNG / WebP")
        if PDF in allowed:
            accepted.append("PDF")
        raise InvalidUpload(_("Only %(types)s files are accepted.") % {"types": ", ".join(accepted)})
    return ContentFile(content, name=f"{folder}/{uuid.uuid4().hex}.{extension}")


def serve_private_file(fieldfile, *, download_name: str) -> FileResponse:
    """Stream a private file with headers that stop a browser from sniffing or running it."""
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
