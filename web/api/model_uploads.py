"""Reading a multipart upload of diagram files (deploy, diff against a draft, dry run, drafts) with
every input bounded."""
from __future__ import annotations

from flask import request

from engine.errors import DeployError, ValidationFailed

MAX_FILES = 40
MAX_FILE_BYTES = 5_000_000
MAX_NOTE = 2000


def uploaded_files() -> dict[str, bytes]:
    uploads = request.files.getlist("file")
    if not uploads:
        raise DeployError([{"element": "file", "problem": "send one or more multipart parts named 'file'"}])
    if len(uploads) > MAX_FILES:
        raise DeployError([{"element": "file", "problem": f"send at most {MAX_FILES} files"}])
    files = {}
    for upload in uploads:
        content = upload.read(MAX_FILE_BYTES + 1)
        name = (upload.filename or "unnamed")[:200]
        if len(content) > MAX_FILE_BYTES:
            raise DeployError([{"element": name, "problem": f"a file may be at most {MAX_FILE_BYTES} bytes"}])
        files[name] = content
    return files


def bounded_text(field: str, limit: int) -> str:
    value = (request.form.get(field) or "").strip()
    if len(value) > limit:
        raise ValidationFailed({field: [f"at most {limit} characters"]})
    return value
