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


def xlsx_bytes(rows: list[list]) -> bytes:
    """A real workbook with `rows` on its first sheet, written as Excel and the banks
    write it (XlsxWriter): text cells go to xl/sharedStrings.xml."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out)
    sheet = workbook.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()
    return out.getvalue()


def xlsx_with_part(base: bytes, name: str, chunks, *, extra_parts: int = 0) -> bytes:
    """`base` with part `name` replaced by the concatenated `chunks` (written streaming,
    Deflate-compressed, so a bomb never sits whole in memory) and `extra_parts` small
    parts added."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as part:
            for chunk in chunks:
                part.write(chunk)
        for n in range(extra_parts):
            target.writestr(f"xl/media/extra{n}.bin", b"x")
    return out.getvalue()


def shared_strings_bomb(expanded_bytes: int) -> tuple[str, object]:
    """xl/sharedStrings.xml holding one string of about `expanded_bytes` characters:
    a few hundred KB compressed, as in the reported bank-statement import."""
    block = b"A" * (1024 * 1024)

    def chunks():
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats'
               b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
        for _ in range(expanded_bytes // len(block)):
            yield block
        yield b"</t></si></sst>"
    return "xl/sharedStrings.xml", chunks()


def billion_laughs(part_name: str, root: bytes) -> tuple[str, list[bytes]]:
    """`part_name` as an XML entity bomb: nested entities that would expand to ~3 GB."""
    entities = b'<!ENTITY l0 "lollollollollollollollollollol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (n, b"".join(b"&l%d;" % (n - 1) for _ in range(10))) for n in range(1, 9))
    return part_name, [b'<?xml version="1.0"?>\n<!DOCTYPE lolz [' + entities + b"]>\n"
                       + root.replace(b"LAUGH", b"&l8;")]
