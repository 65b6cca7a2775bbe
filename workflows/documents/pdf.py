"""A document's printable HTML as a PDF, drawn by WeasyPrint (Pango) in the Noto CJK fonts.
Nothing is fetched from the network: images travel inside the HTML as data URIs."""
from __future__ import annotations

import weasyprint
from weasyprint.urls import URLFetcher

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", sans-serif'


def render_pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
