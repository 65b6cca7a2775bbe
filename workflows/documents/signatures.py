"""Signatures drawn on a document: each is an uploaded image named by a `signature` field, kept
with the signer's name, the time and a hash of the document's values when it was signed. A value
changed afterwards (an audited correction) makes the hash differ: the document then says the
signature no longer matches what it covers."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import loader
from engine.clock import utc_naive
from engine.db import db
from engine.forms import text
from engine.hooks import CommandContext
from engine.jsonutil import plain
from engine.models import Instance
from workflows.documents.layouts import CaseDocument, Section, case_documents


class DocumentSignature(db.Model):
    __tablename__ = "document_signature"
    __table_args__ = (sa.UniqueConstraint("task_id", "field", name="uq_document_signature"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(36))
    document: Mapped[str] = mapped_column(sa.String(60))
    field: Mapped[str] = mapped_column(sa.String(200))  # path in the form, e.g. attendees.1.signature
    attachment_id: Mapped[str] = mapped_column(sa.ForeignKey("attachment.id"))
    signer: Mapped[str] = mapped_column(sa.String(120))
    captured_by: Mapped[str] = mapped_column(sa.String(80))
    signed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    values_hash: Mapped[str] = mapped_column(sa.String(64))


@dataclass
class SignatureState:
    field: str
    label: str  # the signature field's label
    signer: str
    attachment_id: str
    signed_at: dt.datetime | None
    matches: bool  # the document's values are still those signed


def signature_fields(definition: Mapping[str, Any] | None, data: Mapping[str, Any] | None,
                     prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any], str, str]]:
    """(path, spec, attachment id, signer's name) of each signature given in a form's data."""
    if not definition or not isinstance(data, Mapping):
        return
    for spec in definition.get("fields", []):
        value = data.get(spec["name"])
        if spec.get("type") == "signature" and isinstance(value, str) and value:
            yield f"{prefix}{spec['name']}", spec, value, str(data.get(spec.get("signer") or "") or "")
        elif spec.get("type") == "rows" and isinstance(value, list):
            for index, row in enumerate(value):
                yield from signature_fields({"fields": spec.get("fields", [])}, row, f"{prefix}{spec['name']}.{index}.")


def _without_signatures(definition: Mapping[str, Any] | None, data: Any) -> Any:
    if not isinstance(data, Mapping):
        return data
    specs = {s["name"]: s for s in (definition or {}).get("fields", [])}
    kept = {}
    for name, value in data.items():
        spec = specs.get(name, {})
        if spec.get("type") == "signature":
            continue
        if spec.get("type") == "rows" and isinstance(value, list):
            value = [_without_signatures({"fields": spec.get("fields", [])}, row) for row in value]
        kept[name] = value
    return kept


def values_hash(sections: list[Section]) -> str:
    """SHA-256 of what a document says (its forms' values, the signatures left out)."""
    content = [[s.form, _without_signatures(s.definition, plain(dict(s.data)))] for s in sections]
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _covered(document: CaseDocument, task_id: str) -> list[Section]:
    """The sections a signature on `task_id` vouches for: that form and those before it."""
    for index, section in enumerate(document.sections):
        if section.task is not None and section.task.id == task_id:
            return document.sections[:index + 1]
    return []


# ---------------------------------------------------------------- after a form is submitted
def record_signatures(context: CommandContext) -> None:
    """After-command hook: keep each signature of a submitted form with the hash it vouches for."""
    instance: Instance = context.instance
    task_ids = {e.get("task_id") for e in context.events if e.get("type") == "task_completed"}
    submitted = [t for t in context.closed_tasks if t.id in task_ids and t.form_name]
    if not submitted:
        return
    forms = loader.model(instance.model_version_id).forms  # kept per process: no query
    signed = [t for t in submitted if any(True for _ in signature_fields(forms.get(t.form_name), t.data))]
    if not signed:
        return
    documents = case_documents(instance, "zh")
    for task in signed:
        document = next((d for d in documents if task.form_name in d.layout.sources), None)
        if document is None:
            continue
        digest = values_hash(_covered(document, task.id))
        for path, _spec, attachment_id, signer in signature_fields(forms.get(task.form_name), task.data):
            db.session.add(DocumentSignature(
                instance_id=instance.id, task_id=task.id, document=document.layout.key, field=path,
                attachment_id=attachment_id, signer=signer[:120], captured_by=context.actor,
                signed_at=utc_naive(context.now), values_hash=digest))
    db.session.flush()


# ---------------------------------------------------------------- reading them back
def states(document: CaseDocument, lang: str) -> list[SignatureState]:
    """The document's signatures, each saying whether the values are still those signed."""
    found = []
    for section in document.sections:
        if section.task is None or section.form not in document.layout.sources:
            continue  # the service log lists every step; the signatures belong to their own documents
        rows = {r.field: r for r in db.session.execute(sa.select(DocumentSignature).where(
            DocumentSignature.task_id == section.task.id)).scalars()}
        current = values_hash(_covered(document, section.task.id))
        for path, spec, attachment_id, signer in signature_fields(section.definition, section.data):
            row = rows.get(path)
            found.append(SignatureState(
                field=path, label=text(spec.get("label"), lang), signer=signer, attachment_id=attachment_id,
                signed_at=row.signed_at if row else section.at,
                matches=row is not None and row.values_hash == current and row.attachment_id == attachment_id))
    return found


def signing_state(document: CaseDocument) -> str:
    """`signed` (every signature still vouches for the values shown), `mismatch` or `unsigned`."""
    found = states(document, "zh")
    if not found:
        return "unsigned"
    return "signed" if all(s.matches for s in found) else "mismatch"


def is_signed(document: CaseDocument) -> bool:
    return signing_state(document) == "signed"
