"""A case's documents in the company layout: the list (`/cases/<id>/documents`), each as a printable
page and as a PDF. The page and the PDF are the same HTML; the PDF carries its images inline.
Whoever may read the case may read its documents."""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template

from engine import attachments, queries
from engine.clock import now
from engine.errors import NotFound
from engine.identity import Actor
from engine.models import Attachment, Instance
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views import labels
from web.views.files import may_download
from web.views.form_view import ShownValue, reference_values, shown
from web.views.references import reference_names
from workflows.documents import layouts, pdf, photos, signatures

bp = Blueprint("documents", __name__)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


@dataclass
class SectionView:
    title: str
    by: str
    at: object
    values: list[ShownValue]
    photos: list[Attachment] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)  # not images: named, not drawn


@dataclass
class DocumentView:
    key: str
    title: str
    instance: Instance
    sections: list[SectionView]
    signatures: list[signatures.SignatureState]
    signature_images: dict[str, Attachment]


def _yes_no(value: bool) -> str:
    return translate(labels.YES_NO[value])


def _section_view(section: layouts.Section, refs, names: dict[str, str], lang: str) -> SectionView:
    values = [v for v in shown(section.definition, section.data, lang, _yes_no, refs) if v.type != "signature"]
    ids = [i for path, i in attachments.file_values(section.definition, section.data)
           if not path.endswith("signature")]
    known = attachments.describe(ids)
    rows = [known[i] for i in dict.fromkeys(ids) if i in known]
    return SectionView(section.title, names.get(section.by or "", section.by or ""), section.at,
                       [v for v in values if v.type != "file"],
                       photos=[r for r in rows if r.content_type in IMAGE_TYPES],
                       files=[r for r in rows if r.content_type not in IMAGE_TYPES])


def document_view(instance: Instance, document: layouts.CaseDocument, lang: str) -> DocumentView:
    wanted: dict[str, set[str]] = {}
    for section in document.sections:
        reference_values(section.definition, section.data, wanted)
    refs = reference_names(wanted)
    names = queries.display_names({s.by for s in document.sections if s.by})
    states = signatures.states(document, lang)
    return DocumentView(
        key=document.layout.key, title=document.title, instance=instance,
        sections=[_section_view(s, refs, names, lang) for s in document.sections], signatures=states,
        signature_images=attachments.describe(s.attachment_id for s in states))


# ---------------------------------------------------------------- use cases the pages and the API share
def readable(instance_id: int, actor: Actor) -> Instance:
    return queries.readable_case(instance_id, actor)


def listing(instance: Instance, lang: str) -> list[tuple[layouts.CaseDocument, str]]:
    """(document, signed / mismatch / unsigned) for each document the case has produced."""
    return [(d, signatures.signing_state(d)) for d in layouts.case_documents(instance, lang)]


def one(instance: Instance, key: str, lang: str) -> DocumentView:
    document = layouts.case_document(instance, key, lang)
    if document is None:
        raise NotFound(f"the case has no document '{key}'", instance_id=instance.id, document=key)
    return document_view(instance, document, lang)


def data_uri(row: Attachment) -> str:
    return f"data:{row.content_type};base64,{base64.b64encode(row.content).decode()}"


def document_html(view: DocumentView, *, for_pdf: bool) -> str:
    return render_template("documents/document.html", doc=view, for_pdf=for_pdf, image_src=data_uri,
                           printed_at=now(), lang=current_language())


def pdf_response(view: DocumentView) -> Response:
    css = (Path(current_app.static_folder) / "css" / "document.css").read_text(encoding="utf-8")
    body = pdf.render_pdf(document_html(view, for_pdf=True), css)
    name = f"{view.instance.case_number or view.instance.id}-{view.key}.pdf"
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- pages
@bp.get("/files/<attachment_id>/thumbnail")
def thumbnail(attachment_id: str):
    """A photo's small picture for the galleries (whoever may download the photo)."""
    may_download(attachment_id)
    small = photos.thumbnail(attachments.get(attachment_id).content)
    if small is None:
        raise NotFound("this file is no image", attachment_id=attachment_id)
    response = Response(small, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response



@bp.get("/cases/<int:instance_id>/documents")
def index(instance_id: int):
    instance = readable(instance_id, current_actor())
    return render_template("documents/list.html", instance=instance,
                           documents=listing(instance, current_language()))


@bp.get("/cases/<int:instance_id>/documents/<key>")
def show(instance_id: int, key: str):
    instance = readable(instance_id, current_actor())
    return document_html(one(instance, key, current_language()), for_pdf=False)


@bp.get("/cases/<int:instance_id>/documents/<key>.pdf")
def show_pdf(instance_id: int, key: str):
    instance = readable(instance_id, current_actor())
    return pdf_response(one(instance, key, current_language()))
