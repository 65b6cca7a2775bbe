"""How many cases run on each version of a process (open) or ever started on it."""
from __future__ import annotations

import sqlalchemy as sa

from engine.db import db
from engine.models import Instance, ModelVersion
from engine.queries import OPEN_STATUSES


def case_counts(process_id: str) -> dict[int, dict[str, int]]:
    """version -> {"open": n, "total": n} of the cases pinned to it."""
    open_count = sa.func.sum(sa.case((Instance.status.in_(OPEN_STATUSES), 1), else_=0))
    rows = db.session.execute(
        sa.select(ModelVersion.version, sa.func.count(Instance.id), open_count)
        .join(Instance, Instance.model_version_id == ModelVersion.id)
        .where(ModelVersion.process_id == process_id).group_by(ModelVersion.version))
    return {version: {"total": int(total), "open": int(opened or 0)} for version, total, opened in rows}

