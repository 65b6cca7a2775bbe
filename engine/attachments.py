"""Uploaded documents (photos, scanned letters): stored once per content (SHA-256), typed by their
bytes rather than by what the browser claims, limited in size, and linked to the cases whose forms
name them — so a download can be allowed to exactly the people who may read one of those cases."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import loader
from engine.clock import utc_naive
from engine.context import submission
from engine.db import db
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.hooks import CommandContext
from engine.identity import Actor
from engine.models import Attachment, Instance, Role, User, user_role

# (magic bytes at offset 0, content type); WEBP is RIFF....WEBP and is checked apart
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
              "application/pdf": ".pdf"}
ID = re.compile(r"^[0-9a-f]{64}$")

MESSAGES = {
    "zh": {"empty": "文件是空的。", "too_big": "文件超过 {mb} MB 的上限。",
           "type": "只能上传图片（JPEG、PNG、GIF、WebP）或 PDF 文件。"},
    "en": {"empty": "The file is empty.", "too_big": "The file is larger than the {mb} MB limit.",
           "type": "Only images (JPEG, PNG, GIF, WebP) and PDF files can be uploaded."},
}


class AttachmentLink(db.Model):
    """Which case (and which task's form) names an attachment."""

    __tablename__ = "attachment_link"
    __table_args__ = (sa.UniqueConstraint("attachment_id", "instance_id", "task_id", name="uq_attachment_link"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[str] = mapped_column(sa.ForeignKey("attachment.id"), index=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    field: Mapped[str] = mapped_column(sa.String(200))
    linked_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class AttachmentUpload(db.Model):
    """Who uploaded a file. Files are stored once per content, so two people uploading the same
    bytes make one attachment and two uploads; each of them may then name it in a form."""

    __tablename__ = "attachment_upload"
    __table_args__ = (sa.UniqueConstraint("attachment_id", "username", name="uq_attachment_upload"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[str] = mapped_column(sa.ForeignKey("attachment.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


# roles that only read: someone holding nothing else cannot upload
READ_ONLY_ROLES = frozenset({"auditor"})


def check_uploader(actor: Actor) -> None:
    """Who may upload at all (asked before the file is looked at): not those who only read."""
    if not actor.system and actor.roles and actor.roles <= READ_ONLY_ROLES:
        raise Forbidden("auditors read cases and files; they cannot upload", upload=False)


def sniff(content: bytes) -> str | None:
    """The content type the bytes really have, if it is one we accept."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind
    return None


def _clean_name(filename: str | None, kind: str) -> str:
    name = re.sub(r"[\x00-\x1f/\\]+", "_", (filename or "").strip()).strip(". ")[:200]
    return name or f"upload{EXTENSIONS[kind]}"


def store(*, filename: str | None, content: bytes, uploaded_by: str, max_bytes: int, now: dt.datetime,
          lang: str = "zh", field: str = "file") -> Attachment:
    """Keep an upload (once per content) and who uploaded it. Raises Forbidden for someone who may
    not upload, ValidationFailed on an empty, too large or unaccepted file; the caller commits."""
    check_uploader(_actor(uploaded_by))
    table = MESSAGES.get(lang, MESSAGES["zh"])
    if not content:
        raise ValidationFailed({field: [table["empty"]]})
    if len(content) > max_bytes:
        raise ValidationFailed({field: [table["too_big"].format(mb=round(max_bytes / 1024 / 1024, 1))]})
    kind = sniff(content)
    if kind is None:
        raise ValidationFailed({field: [table["type"]]})
    digest = hashlib.sha256(content).hexdigest()
    row = db.session.get(Attachment, digest)
    if row is None:
        row = Attachment(id=digest, filename=_clean_name(filename, kind), content_type=kind, size=len(content),
                         content=content, uploaded_by=uploaded_by, uploaded_at=utc_naive(now))
        db.session.add(row)
        db.session.flush()
    if not uploaded(digest, uploaded_by):
        db.session.add(AttachmentUpload(attachment_id=digest, username=uploaded_by, uploaded_at=utc_naive(now)))
        db.session.flush()
    return row


def _actor(username: str) -> Actor:
    roles = db.session.execute(sa.select(Role.id).join(user_role, user_role.c.role_id == Role.id)
                               .join(User, User.id == user_role.c.user_id).where(User.username == username)).scalars()
    return Actor(username, frozenset(roles))


def uploaded(attachment_id: str, username: str) -> bool:
    """Whether `username` uploaded these bytes (first, or again later)."""
    first = sa.exists().where(Attachment.id == attachment_id, Attachment.uploaded_by == username)
    again = sa.exists().where(AttachmentUpload.attachment_id == attachment_id, AttachmentUpload.username == username)
    return bool(db.session.execute(sa.select(sa.or_(first, again))).scalar())


def on_case(attachment_id: str, instance_id: int) -> bool:
    return db.session.execute(sa.select(AttachmentLink.id).where(
        AttachmentLink.attachment_id == attachment_id, AttachmentLink.instance_id == instance_id).limit(1)
    ).first() is not None


def get(attachment_id: str) -> Attachment:
    row = db.session.get(Attachment, attachment_id) if ID.match(attachment_id or "") else None
    if row is None:
        raise NotFound(f"no attachment '{attachment_id}'", attachment_id=attachment_id)
    return row


def describe(ids: Iterable[str]) -> dict[str, Attachment]:
    """id -> row (without the content) for the ids that exist."""
    wanted = sorted({i for i in ids if isinstance(i, str) and ID.match(i)})
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(Attachment).where(Attachment.id.in_(wanted))).scalars()
    return {row.id: row for row in rows}


def resolve_file(value: Any) -> str:
    """The `file` reference resolver: a form may name an attachment only if the person submitting
    it uploaded it, or it is already on that case (for a case being started: on its parent)."""
    if not isinstance(value, str) or not ID.match(value):
        raise ValueError({"zh": "附件编号无效。", "en": "That is not an attachment id."})
    if db.session.execute(sa.select(Attachment.id).where(Attachment.id == value)).first() is None:
        raise ValueError({"zh": "附件不存在，请重新上传。", "en": "The attachment does not exist; upload it again."})
    who = submission()
    if who is None or who.system or uploaded(value, who.actor):
        return value
    if who.instance_id is not None and on_case(value, who.instance_id):
        return value
    raise ValueError({"zh": "此附件不是您上传的，也不属于本案件；请上传您自己的文件。",
                      "en": "You did not upload this attachment and it is not on this case; upload your own file."})


# ---------------------------------------------------------------- links to cases
def file_values(definition: Mapping[str, Any] | None, data: Mapping[str, Any] | None,
                prefix: str = "") -> list[tuple[str, str]]:
    """(field path, attachment id) for every file and signature field of a form's submitted data."""
    found: list[tuple[str, str]] = []
    if not definition or not isinstance(data, Mapping):
        return found
    for spec in definition.get("fields", []):
        value = data.get(spec["name"])
        path = f"{prefix}{spec['name']}"
        if spec.get("type") in ("file", "signature"):
            values = value if isinstance(value, list) else [value]
            found += [(path, v) for v in values if isinstance(v, str) and ID.match(v)]
        elif spec.get("type") == "rows" and isinstance(value, list):
            for index, row in enumerate(value):
                found += file_values({"fields": spec.get("fields", [])}, row, f"{path}.{index}.")
    return found


def _forms_in(instance: Instance, events: list[dict[str, Any]]):
    """(task id, form definition, submitted data) of the starts and completions in a command."""
    for event in events:
        data = event.get("data") or {}
        if event.get("type") == "task_completed" and data.get("form"):
            yield event.get("task_id"), loader.model(instance.model_version_id).forms.get(data["form"]), \
                data.get("submitted") or {}
        elif event.get("type") == "instance_started":
            yield None, loader.start_form(loader.model(instance.model_version_id)), data.get("start_data") or {}


def link_case_files(context: CommandContext) -> None:
    """After-command hook: remember which case names which uploaded file."""
    instance: Instance = context.instance
    for task_id, definition, submitted in _forms_in(instance, context.events):
        for field, attachment_id in file_values(definition, submitted):
            exists = db.session.execute(sa.select(AttachmentLink.id).where(
                AttachmentLink.attachment_id == attachment_id, AttachmentLink.instance_id == instance.id,
                AttachmentLink.task_id == task_id if task_id else AttachmentLink.task_id.is_(None))).first()
            if exists is None:
                db.session.add(AttachmentLink(attachment_id=attachment_id, instance_id=instance.id,
                                              task_id=task_id, field=field, linked_at=utc_naive(context.now)))
    db.session.flush()


def case_files(instance_id: int) -> list[tuple[AttachmentLink, Attachment]]:
    return list(db.session.execute(
        sa.select(AttachmentLink, Attachment).join(Attachment, Attachment.id == AttachmentLink.attachment_id)
        .where(AttachmentLink.instance_id == instance_id).order_by(AttachmentLink.id)).all())


def cases_naming(attachment_id: str) -> list[int]:
    return list(db.session.execute(sa.select(AttachmentLink.instance_id).where(
        AttachmentLink.attachment_id == attachment_id).distinct()).scalars())
