"""A process owner's unfinished edit of a process, kept on the server until it is deployed or thrown
away: one draft per owner and process, seen by its owner only (staff never see drafts; cases run
on deployed versions). Saving and discarding are audited on the system stream."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.db import db
from engine.errors import DeployError, NotFound
from engine.loader import DOCTYPE, DOCTYPE_PROBLEM
from engine.models import JSON

MAX_FILES = 20
MAX_BYTES = 5_000_000
ALLOWED = (".bpmn", ".dmn", ".json")


class ModelDraft(db.Model):
    __tablename__ = "model_draft"
    __table_args__ = (sa.UniqueConstraint("process_id", "owner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80))
    owner: Mapped[str] = mapped_column(sa.String(80))
    files: Mapped[dict[str, str]] = mapped_column(JSON)  # file name -> text
    note: Mapped[str | None] = mapped_column(sa.Text)
    saved_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


def find(process_id: str, owner: str) -> ModelDraft | None:
    return db.session.execute(sa.select(ModelDraft).where(ModelDraft.process_id == process_id,
                                                          ModelDraft.owner == owner)).scalar_one_or_none()


def get(process_id: str, owner: str) -> ModelDraft:
    draft = find(process_id, owner)
    if draft is None:
        raise NotFound(f"no draft of '{process_id}' is saved", process_id=process_id)
    return draft


def _checked(files: Mapping[str, bytes | str]) -> dict[str, str]:
    if not files or len(files) > MAX_FILES:
        raise DeployError([{"element": "file", "problem": f"a draft holds 1 to {MAX_FILES} files"}])
    texts, total = {}, 0
    for name, content in files.items():
        if not name.endswith(ALLOWED) or "/" in name or len(name) > 200:
            raise DeployError([{"element": name, "problem": "a draft holds .bpmn, .dmn and .json files"}])
        try:
            text = content.decode("utf-8") if isinstance(content, bytes) else content
        except UnicodeDecodeError:
            raise DeployError([{"element": name, "problem": "file is not UTF-8 text"}]) from None
        if DOCTYPE.search(text):
            raise DeployError([{"element": name, "problem": DOCTYPE_PROBLEM}])
        total += len(text.encode("utf-8"))
        texts[name] = text
    if total > MAX_BYTES:
        raise DeployError([{"element": "file", "problem": f"a draft may be at most {MAX_BYTES} bytes"}])
    return texts


def save(*, process_id: str, files: Mapping[str, bytes | str], note: str, actor: str, now: dt.datetime) -> ModelDraft:
    texts = _checked(files)
    draft = find(process_id, actor)
    if draft is None:
        draft = ModelDraft(process_id=process_id, owner=actor, files={}, saved_at=now)
        db.session.add(draft)
    draft.files, draft.note, draft.saved_at = texts, note or None, now.replace(tzinfo=None)
    db.session.flush()
    audit.append(audit.SYSTEM_STREAM, [{"type": "model_draft_saved", "at": now, "actor": actor,
                                        "element_id": process_id, "data": {"files": sorted(texts)}}])
    return draft


def discard(*, process_id: str, actor: str, now: dt.datetime) -> bool:
    draft = find(process_id, actor)
    if draft is None:
        return False
    db.session.delete(draft)
    db.session.flush()
    audit.append(audit.SYSTEM_STREAM, [{"type": "model_draft_discarded", "at": now, "actor": actor,
                                        "element_id": process_id, "data": {}}])
    return True
