"""Uploading and downloading documents (photos, scanned letters). Pages post files with their
form; `POST /files` takes one file at a time for the page's script. A download is allowed to the
person who uploaded it and to everyone who may read a case whose forms name it."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, current_app, jsonify, send_file, url_for
from flask import request as http_request
from werkzeug.datastructures import FileStorage

from engine import attachments, queries
from engine.clock import now
from engine.commands import transaction
from engine.errors import Forbidden, ValidationFailed
from web.auth import current_actor
from web.i18n import current_language
from workflows.documents import photos

bp = Blueprint("files", __name__)
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def store_upload(upload: FileStorage, key: str) -> str:
    """Keep one uploaded file (committed at once, so a form that fails validation keeps it)."""
    content = upload.read(max_bytes() + 1)
    if len(content) <= max_bytes():  # a photo is kept at the configured size, its EXIF capture time with it
        content = photos.downscale(content, int(current_app.config["IMAGE_MAX_PX"]))
    with transaction():
        row = attachments.store(filename=upload.filename, content=content, uploaded_by=current_actor().username,
                                max_bytes=max_bytes(), now=now(), lang=current_language(), field=key)
        return row.id


@bp.post("/files")
def upload():
    attachments.check_uploader(current_actor())  # who, before what
    file = http_request.files.get("file")
    if file is None or not file.filename:
        raise ValidationFailed({"file": ["send the file as a multipart part named 'file'"]})
    attachment_id = store_upload(file, "file")
    row = attachments.describe([attachment_id])[attachment_id]
    return jsonify({"id": row.id, "filename": row.filename, "size": row.size, "content_type": row.content_type,
                    "url": url_for("files.download", attachment_id=row.id)}), 201


def may_download(attachment_id: str) -> None:
    actor = current_actor()
    attachments.get(attachment_id)
    if attachments.uploaded(attachment_id, actor.username):
        return
    for instance_id in attachments.cases_naming(attachment_id):
        instance = queries.instance(instance_id)
        if instance is not None and queries.can_read_case(instance, actor):
            return
    raise Forbidden("you may not read the cases this file belongs to", attachment_id=attachment_id)


@bp.get("/files/<attachment_id>")
def download(attachment_id: str):
    may_download(attachment_id)
    row = attachments.get(attachment_id)
    inline = http_request.args.get("download") != "1" and row.content_type in INLINE_TYPES
    response = send_file(BytesIO(row.content), mimetype=row.content_type, as_attachment=not inline,
                         download_name=row.filename, etag=row.id, max_age=3600, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
