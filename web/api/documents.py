"""A case's documents over the API: the list, and each as a PDF in the company layout — the same
use cases as the pages (web/views/documents.py), under the case's read rules."""
from __future__ import annotations

from marshmallow import Schema, fields

from web.api.base import bp, doc, lang
from web.auth import current_actor
from web.views import documents


class DocumentItem(Schema):
    key = fields.String(required=True, metadata={"description": "the document, e.g. service_report"})
    title = fields.String(required=True)
    task_id = fields.String(allow_none=True, metadata={"description": "the task whose form makes the document "
                                                                      "(none for the request)"})
    signed = fields.Boolean(required=True, metadata={"description": "signed, and the values still those signed"})


class DocumentList(Schema):
    items = fields.List(fields.Nested(DocumentItem), required=True)


@bp.get("/process-instances/<int:instance_id>/documents")
@doc(summary="The documents a case has produced (who may read the case)", tag="documents", response=DocumentList,
     errors=(401, 403, 404))
def list_documents(instance_id: int):
    instance = documents.readable(instance_id, current_actor())
    return {"items": [{"key": d.layout.key, "title": d.title, "task_id": d.task_id, "signed": state == "signed"}
                      for d, state in documents.listing(instance, lang())]}


@bp.get("/process-instances/<int:instance_id>/documents/<key>.pdf")
@doc(summary="One document of a case as a PDF (who may read the case)", tag="documents", errors=(401, 403, 404))
def document_pdf(instance_id: int, key: str):
    instance = documents.readable(instance_id, current_actor())
    return documents.pdf_response(documents.one(instance, key, lang()))
