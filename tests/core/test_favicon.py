"""Issue 23: every page links an icon and /favicon.ico answers (no 404 in every log)."""

from django.contrib.staticfiles import finders
from django.test import Client


def test_favicon_is_shipped_linked_and_served(db):
    # the file ships with the static files
    assert finders.find("favicon.ico")
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # the ICO header
    # every page links it
    page = Client().get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon' in page
    # and the browsers' default request finds it
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and "favicon" in response["Location"]
