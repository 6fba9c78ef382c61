"""Uploads are decided by content and neutralised (J3.1)."""

import io
import struct
import zlib

import pytest
from PIL import Image

from core.errors import InvalidUpload
from core.uploads import IMAGE, PDF, clean_upload
from tests.support.files import jpeg_bytes, pdf_bytes, png_bytes, upload


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
