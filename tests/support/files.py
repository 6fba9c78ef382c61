"""Upload fixtures built in memory: real images, real and fake PDFs, hostile files."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_bytes(size=(64, 48), *, gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps_ifd = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
        exif[0x8825] = gps_ifd
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(size=(40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 200, 255)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return upload(name, jpeg_bytes(**kwargs), "image/jpeg")


def pdf_upload(name="licence.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(), "application/pdf")
