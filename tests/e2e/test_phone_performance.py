"""The phone measurement of the benchmark (bench/lcp.py, issue 21) works: one cold load of a page
under "Slow 4G" and 4× CPU slow-down reads a Largest Contentful Paint that the emulated latency
shows in, and a weight that counts the page's stylesheet and script. The figures themselves are the
benchmark's (`bench/run.py --lcp`, or bench/lcp.py against `make run`)."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from bench import lcp

pytestmark = pytest.mark.browser


def test_i21_a_throttled_cold_load_reads_lcp_and_the_bytes_before_fonts(browser, live_server):
    # when: the home page is loaded once, cold, on the throttled phone
    measured = lcp.load(browser, live_server.url, [], reverse("core:home"))
    # then: at least one round trip of Slow 4G's latency before anything is painted
    assert measured["lcp_ms"] >= lcp.SLOW_4G["latency"]
    # and: the weight is the document plus its stylesheet and script, as transferred
    assert any(name.endswith("site.css") for name in measured["resources"])
    css = len(open(finders.find("css/site.css"), "rb").read())  # noqa: SIM115 - read once
    assert measured["bytes"] >= css
    assert measured["bytes"] == sum(measured["resources"].values())


def test_i21_the_p95_is_the_nearest_rank_over_every_load():
    assert lcp.percentile([float(v) for v in range(1, 21)], 95) == 19.0
    assert lcp.percentile([900.0], 95) == 900.0
