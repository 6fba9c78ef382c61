"""Upload fixtures built in memory: real images, real and fake PDFs, hostile files."""

import io
import zlib

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


def pdf_from_objects(objects: list[bytes | None], *, compressed: dict[int, bytes] | None = None,
                     flate: bool = True, version: bytes = b"1.7") -> bytes:
    """A well-formed PDF written by hand: `objects[i]` is object i+1 (catalog first;
    None for an object that lives in the object stream).

    Without `compressed`, a classic cross-reference table. With it ({number: body}),
    those objects go into one object stream (Flate-compressed if `flate`) and the
    file gets a cross-reference stream, as PDF 1.5+ writers do."""
    out = io.BytesIO()
    out.write(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}

    def write_object(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    for number, body in enumerate(objects, start=1):
        if body is not None:
            write_object(number, body)
    if not compressed:
        xref_at = out.tell()
        size = len(objects) + 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets[number])
        out.write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at))
        return out.getvalue()
    # The object stream: "number offset" pairs, then the bodies.
    numbers = sorted(compressed)
    bodies, header, position = b"", [], 0
    for number in numbers:
        header.append(b"%d %d" % (number, position))
        bodies += compressed[number] + b"\n"
        position = len(bodies)
    first = b" ".join(header) + b"\n"
    payload = first + bodies
    stream_number = len(objects) + 1
    filter_entry = b"/Filter/FlateDecode" if flate else b""
    if flate:
        payload = zlib.compress(payload)
    write_object(stream_number, b"<</Type/ObjStm/N %d/First %d/Length %d%s>>\nstream\n"
                 % (len(numbers), len(first), len(payload), filter_entry) + payload + b"\nendstream")
    xref_number = max([stream_number, *numbers]) + 1
    offsets[xref_number] = out.tell()
    rows = [b"\x00\x00\x00\xff"]
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(2, "big") + b"\x00")
        elif number in compressed:
            rows.append(b"\x02" + stream_number.to_bytes(2, "big") + bytes([numbers.index(number)]))
        else:
            rows.append(b"\x00\x00\x00\x00")
    table = b"".join(rows)
    out.write(b"%d 0 obj\n<</Type/XRef/Size %d/W[1 2 1]/Root 1 0 R/Length %d>>\nstream\n"
              % (xref_number, xref_number + 1, len(table)) + table + b"\nendstream\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return out.getvalue()


PDF_CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PDF_PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PDF_PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"


def pdf_bytes() -> bytes:
    """A clean one-page PDF (blank A4)."""
    return pdf_from_objects([PDF_CATALOG, PDF_PAGES, PDF_PAGE])


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return upload(name, jpeg_bytes(**kwargs), "image/jpeg")


def pdf_upload(name="licence.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(), "application/pdf")
