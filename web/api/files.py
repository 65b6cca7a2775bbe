"""Documents over the API: `POST /files` (multipart part `file`) keeps an upload and answers its id,
which a form's file field then names — so a client can do what the pages do, e.g. start a
compensation claim with its evidence. The same use case as the pages' upload (web/views/files.py)."""
from __future__ import annotations

from flask import request, url_for
from marshmallow import Schema, fields

from engine import attachments
from engine.errors import Forbidden, ValidationFailed
from web.api.base import bp, doc
from web.auth import current_actor
from web.views.files import store_upload

READ_ONLY_ROLES = frozenset({"auditor"})  # who only reads may not add documents


class FileItem(Schema):
    id = fields.String(required=True, metadata={"description": "SHA-256 of the content; name it in a file field"})
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "where the document can be downloaded"})


def file_item(row) -> dict:
    return {"id": row.id, "filename": row.filename, "size": row.size, "content_type": row.content_type,
            "url": url_for("files.download", attachment_id=row.id)}


@bp.post("/files")
@doc(summary="Upload a document (JPEG, PNG, GIF, WebP or PDF) as the multipart part `file`; its id goes in a "
     "form's file field", tag="files", multipart="single", response=FileItem, status=201,
     errors=(401, 403, 413, 422))
def upload_file():
    actor = current_actor()
    if actor.roles <= READ_ONLY_ROLES:
        raise Forbidden("auditors read documents; they do not upload them")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed({"file": ["send the document as a multipart part named 'file'"]})
    attachment_id = store_upload(upload, "file")
    return file_item(attachments.describe([attachment_id])[attachment_id]), 201
