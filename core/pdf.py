"""HTML to PDF for documents the platform issues (the service agreement, issue 19).

WeasyPrint lays the page out with Debian's Pango and embeds a subset of Debian's
Noto CJK fonts (`fonts-noto-cjk`; `make pdf-deps` installs both), so Chinese
text prints without depending on the reader's fonts and can be copied out.

The output is deterministic: the same HTML and the same `issued_at` give the
same bytes (WeasyPrint writes no random identifier; its creation and
modification dates come from the document's own timestamp, never the clock),
so a document's SHA-256 can be recomputed from its inputs."""

import datetime as dt
import logging

from django.utils import timezone

# The font stack every issued document uses: Noto CJK SC from fonts-noto-cjk, embedded.
CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'
# WeasyPrint logs each layout step at INFO: noise in the server's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _pdf_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_pdf(html: str, *, issued_at: dt.datetime, title: str) -> bytes:
    """The PDF of `html`, its metadata dated `issued_at` (an aware datetime)."""
    import weasyprint  # imported here: loading Pango is only needed when a document is issued

    if timezone.is_naive(issued_at):
        raise ValueError("issued_at must be timezone-aware")
    stamp = _pdf_date(issued_at)
    document = weasyprint.HTML(string=html, base_url=None).render()
    document.metadata.title = title
    document.metadata.created = stamp
    document.metadata.modified = stamp
    document.metadata.generator = ""
    return document.write_pdf()
