"""Uploads are decided by content and neutralised (J3.1)."""

import io
import struct
import zlib

import pytest
from PIL import Image

from core.errors import InvalidUpload
from core.uploads import IMAGE, PDF, clean_upload
from tests.support.files import (
    PDF_CATALOG,
    PDF_PAGE,
    PDF_PAGES,
    jpeg_bytes,
    pdf_bytes,
    pdf_from_objects,
    png_bytes,
    upload,
)


def test_j3_1_jpeg_is_reencoded_with_a_random_name():
    # given / when
    clean = clean_upload(upload("我的身份证.jpg", jpeg_bytes()), folder="id-cards")
    # then
    assert clean.name.startswith("id-cards/") and clean.name.endswith(".jpg")
    assert "身份证" not in clean.name
    assert Image.open(io.BytesIO(clean.read())).format == "JPEG"


def test_j3_1_gps_exif_is_stripped():
    # given: a phone photo carrying GPS coordinates
    original = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825) is not None
    # when
    clean = clean_upload(upload("photo.jpg", original))
    # then
    exif = Image.open(io.BytesIO(clean.read())).getexif()
    assert 0x8825 not in exif and 0x010F not in exif


def test_j3_1_png_html_polyglot_loses_its_payload():
    # given: a valid PNG with an HTML page appended
    polyglot = png_bytes() + b"<html><script>alert(document.cookie)</script></html>"
    # when
    clean = clean_upload(upload("x.png", polyglot)).read()
    # then: re-encoded, the script is gone
    assert b"<script>" not in clean
    assert clean.startswith(b"\x89PNG")


@pytest.mark.parametrize("name,content", [
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("x.jpg.php", b"<?php system($_GET['c']); ?>"),
    ("evil\x00.jpg", b"<html>not an image</html>"),
    ("licence.pdf", b"this is not a pdf at all"),
    ("fake.jpg", b"\xff\xd8\xff\xe0 truncated garbage"),
])
def test_j3_1_hostile_or_fake_files_are_rejected(name, content):
    with pytest.raises(InvalidUpload):
        clean_upload(upload(name, content))


def test_j3_1_oversized_file_is_rejected(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(InvalidUpload, match="too large"):
        clean_upload(upload("big.jpg", jpeg_bytes(size=(400, 400)) + b"\0" * 2048))


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (pixel flood / decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_j3_1_pixel_flood_is_rejected_before_decoding():
    with pytest.raises(InvalidUpload, match="pixels"):
        clean_upload(upload("flood.png", _png_header_claiming(60000, 60000)))


def test_j3_1_decompression_bomb_is_rejected(settings):
    # given: a highly compressible image over the pixel limit
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("L", (2000, 2000)).save(out, format="PNG")
    assert len(out.getvalue()) < 100_000
    # then
    with pytest.raises(InvalidUpload, match="pixels"):
        clean_upload(upload("bomb.png", out.getvalue()))


def test_j3_1_pdf_is_accepted_only_where_allowed():
    assert clean_upload(upload("a.pdf", pdf_bytes()), allowed=(PDF,)).name.endswith(".pdf")
    with pytest.raises(InvalidUpload):
        clean_upload(upload("a.pdf", pdf_bytes()), allowed=(IMAGE,))


def test_j3_1_pdf_with_javascript_is_rejected():
    active = pdf_bytes().replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
    with pytest.raises(InvalidUpload):
        clean_upload(upload("a.pdf", active))


# ------------------------------------------------------------------ PDFs: parsed, not grepped (J3.1)
JS_ACTION = b"<</S/JavaScript/JS(app.alert(document.cookie))>>"


def _refused(data: bytes) -> str:
    with pytest.raises(InvalidUpload) as caught:
        clean_upload(upload("licence.pdf", data), allowed=(PDF,))
    return str(caught.value.message)


def test_j3_1_escaped_open_action_is_rejected():
    # given: /Open#41ction is /OpenAction once the name is decoded
    data = pdf_from_objects([b"<</Type/Catalog/Pages 2 0 R/Open#41ction 4 0 R>>", PDF_PAGES, PDF_PAGE,
                             b"<</S/GoTo/D[3 0 R/Fit]>>"])
    assert b"OpenAction" not in data
    # then
    assert "scripts, actions or embedded files" in _refused(data)


def test_j3_1_escaped_javascript_in_the_names_tree_is_rejected():
    # given: a document-level script under /J#61vaScript, every name escaped
    data = pdf_from_objects([b"<</Type/Catalog/Pages 2 0 R/Names<</J#61vaScript 4 0 R>>>>", PDF_PAGES,
                             PDF_PAGE, b"<</Names[(x) 5 0 R]>>", b"<</S/J#61vaScript/J#53(app.alert(1))>>"])
    assert b"JavaScript" not in data and b"/JS" not in data
    # then
    assert "scripts, actions or embedded files" in _refused(data)


def test_j3_1_javascript_action_inside_an_object_stream_is_rejected():
    # given: the action is object 5, stored (uncompressed) inside an object stream
    data = pdf_from_objects([b"<</Type/Catalog/Pages 2 0 R/Open#41ction 5 0 R>>", PDF_PAGES, PDF_PAGE],
                            compressed={5: JS_ACTION}, flate=False)
    # then
    assert "scripts, actions or embedded files" in _refused(data)


def test_j3_1_javascript_inside_a_compressed_stream_is_rejected():
    # given: the catalog itself, with its OpenAction script, in a Flate-compressed object
    # stream: nothing of it is visible in the file's bytes
    catalog = b"<</Type/Catalog/Pages 2 0 R/OpenAction" + JS_ACTION + b">>"
    data = pdf_from_objects([None, PDF_PAGES, PDF_PAGE], compressed={1: catalog})
    assert b"JavaScript" not in data and b"OpenAction" not in data
    # then
    assert "scripts, actions or embedded files" in _refused(data)


@pytest.mark.parametrize("payload", [
    b"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>>>",
    b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[]/XFA 4 0 R>>>>",
    b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/Launch/F(cmd.exe)>>>>",
    b"<</Type/Catalog/Pages 2 0 R/Open#41ction<</S/L#61unch/F(cmd.exe)>>>>",
    b"<</Type/Catalog/Pages 2 0 R/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>>>",
    b"<</Type/Catalog/Pages 2 0 R/Extra<</Subtype/RichMedia/RichMediaContent 4 0 R>>>>",
], ids=["embedded-files", "xfa", "launch", "escaped-launch", "additional-actions", "rich-media"])
def test_j3_1_active_pdf_content_is_rejected_wherever_it_hides(payload):
    # given: each kind of active content in the catalog of a compressed object stream
    data = pdf_from_objects([None, PDF_PAGES, PDF_PAGE, b"<<>>"], compressed={1: payload})
    # then
    assert "scripts, actions or embedded files" in _refused(data)


def test_j3_1_clean_pdfs_are_accepted():
    # given: a hand-written PDF, one with a compressed object stream, and one written by pypdf
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    written = io.BytesIO()
    writer.write(written)
    compressed = pdf_from_objects([None, PDF_PAGES, PDF_PAGE], compressed={1: PDF_CATALOG})
    for data in (pdf_bytes(), compressed, written.getvalue()):
        # when
        clean = clean_upload(upload("licence.pdf", data), allowed=(PDF,))
        # then: stored as uploaded
        assert clean.name.endswith(".pdf") and clean.read() == data


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\nthis is no PDF body at all\n%%EOF\n",
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R\nstartxref\n999999\n%%EOF\n",
], ids=["no-objects", "truncated"])
def test_j3_1_unparseable_pdf_is_rejected_with_a_clear_message(data):
    assert "damaged or not really a PDF" in _refused(data)


def test_j3_1_password_protected_pdf_is_rejected():
    # given: its objects cannot be checked without the password
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    # then
    assert "Password-protected" in _refused(out.getvalue())


def test_j3_1_pdf_refusals_are_translated():
    from django.utils import translation

    active = pdf_from_objects([None, PDF_PAGES, PDF_PAGE], compressed={1: b"<</Type/Catalog/Pages 2 0 R"
                                                                           b"/OpenAction" + JS_ACTION + b">>"})
    with translation.override("zh-hans"):
        assert _refused(active) == "不接受包含脚本、动作或嵌入文件的 PDF 文件。"
        assert "PDF" in _refused(b"%PDF-1.7\ngarbage\n%%EOF\n")
        assert "damaged" not in _refused(b"%PDF-1.7\ngarbage\n%%EOF\n")


def test_j3_1_binary_stream_data_that_looks_like_a_name_is_not_refused():
    # given: an image stream whose bytes happen to read "/JS " and "/AA]" (scanned PDFs are mostly such data)
    image = b"\xff\xd8\xff/JS \x00\x10/AA]\x7f\xff\xd9"
    data = pdf_from_objects([PDF_CATALOG, PDF_PAGES, PDF_PAGE,
                             b"<</Type/XObject/Subtype/Image/Width 1/Height 1/BitsPerComponent 8/ColorSpace"
                             b"/DeviceGray/Filter/DCTDecode/Length %d>>\nstream\n" % len(image) + image
                             + b"\nendstream"])
    # then
    assert clean_upload(upload("scan.pdf", data), allowed=(PDF,)).name.endswith(".pdf")
