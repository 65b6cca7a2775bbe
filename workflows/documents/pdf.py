"""A document's printable HTML as a PDF, drawn by WeasyPrint (Pango) in the Noto CJK fonts.
Nothing is fetched from the network: images travel inside the HTML as data URIs."""
from __future__ import annotations

import weasyprint
from weasyprint.urls import URLFetcher


def render_pdf(html: str, css: str) -> bytes:
    """`css`: the layout's stylesheet (its fonts name the Noto CJK families)."""
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)])
