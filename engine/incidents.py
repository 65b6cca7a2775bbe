"""Incidents: something automatic failed for good and waits for a person — a script or service task
of a case (the case is in error), a timer after its retries (the case is in error), or a notification
mail after its retries (the case goes on). An incident is opened where the failure is recorded, in
the same transaction, and ends when someone retries it or resolves it with a value
(engine/recovery.py), or when its case ends.

This module holds the table, opening and closing, and the reads (the list, the count in the admin
header, a case's open incidents). It sits below the commands: they and the timer and mail loops
call it; it calls none of them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utc_naive
from engine.db import db
from engine.models import JSON, Instance

KINDS = ("script", "service", "engine", "timer", "notification")
TASK_KINDS = ("script", "service", "engine")  # an element of the case's workflow is in ERROR
ELEMENT_KINDS = {"ScriptTask": "script", "ServiceTask": "service"}
MAX_MESSAGE = 2000


class Incident(db.Model):
    __tablename__ = "incident"
    __table_args__ = (
        sa.Index("ix_incident_status_opened", "status", "opened_at"),
        sa.Index("ix_incident_instance_status", "instance_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instance.id"))
    process_id: Mapped[str | None] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(20))  # one of KINDS
    element_id: Mapped[str | None] = mapped_column(sa.String(120))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))  # the workflow task in ERROR
    timer_id: Mapped[int | None] = mapped_column()
    notification_id: Mapped[int | None] = mapped_column()
    message: Mapped[str] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=1)  # failures seen while it was open
    status: Mapped[str] = mapped_column(sa.String(12), default="open")  # open, closed
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    closed_by: Mapped[str | None] = mapped_column(sa.String(80))
    resolution: Mapped[str | None] = mapped_column(sa.String(20))  # retried, resolved, cleared, case_ended
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the value it was resolved with
    reason: Mapped[str | None] = mapped_column(sa.String(500))


def kind_of(element_kind: str | None) -> str:
    """The incident kind for a failing workflow element (its spec class name)."""
    return ELEMENT_KINDS.get(element_kind or "", "engine")


# ---------------------------------------------------------------- opening and closing
def _same_open(instance_id: int | None, kind: str, *, element_id: str | None, timer_id: int | None,
               notification_id: int | None) -> Incident | None:
    query = sa.select(Incident).where(Incident.status == "open", Incident.kind == kind)
    query = query.where(Incident.instance_id.is_(None) if instance_id is None else Incident.instance_id == instance_id)
    for column, value in ((Incident.element_id, element_id), (Incident.timer_id, timer_id),
                          (Incident.notification_id, notification_id)):
        query = query.where(column.is_(None) if value is None else column == value)
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def open_incident(*, kind: str, message: str, now: dt.datetime, instance: Instance | None = None,
                  element_id: str | None = None, task_id: str | None = None, timer_id: int | None = None,
                  notification_id: int | None = None) -> Incident:
    """Open an incident, or count one more failure on the open one for the same thing."""
    instance_id = instance.id if instance is not None else None
    found = _same_open(instance_id, kind, element_id=element_id, timer_id=timer_id, notification_id=notification_id)
    if found is not None:
        found.attempts += 1
        found.message, found.task_id = message[:MAX_MESSAGE], task_id or found.task_id
        db.session.flush()
        return found
    row = Incident(instance_id=instance_id, process_id=instance.process_id if instance is not None else None,
                   kind=kind, element_id=element_id, task_id=task_id, timer_id=timer_id,
                   notification_id=notification_id, message=message[:MAX_MESSAGE], attempts=1, status="open",
                   opened_at=utc_naive(now))
    db.session.add(row)
    db.session.flush()
    return row


def close(incident: Incident, *, resolution: str, actor: str, now: dt.datetime, reason: str | None = None,
          data: dict[str, Any] | None = None) -> Incident:
    incident.status, incident.resolution = "closed", resolution
    incident.closed_at, incident.closed_by = utc_naive(now), actor
    incident.reason, incident.data = (reason or None), data
    db.session.flush()
    return incident


def close_open(instance_id: int, *, resolution: str, actor: str, now: dt.datetime,
               kinds: Iterable[str] = KINDS, keep_elements: Iterable[str] = ()) -> list[Incident]:
    """Close a case's open incidents of these kinds, except those on `keep_elements` (still failing)."""
    keep = set(keep_elements)
    closed = []
    for row in open_of(instance_id):
        if row.kind in kinds and row.element_id not in keep:
            closed.append(close(row, resolution=resolution, actor=actor, now=now))
    return closed


# ---------------------------------------------------------------- reading
def get(incident_id: int) -> Incident | None:
    return db.session.get(Incident, incident_id)


def open_of(instance_id: int) -> list[Incident]:
    return list(db.session.execute(sa.select(Incident).where(
        Incident.instance_id == instance_id, Incident.status == "open").order_by(Incident.id)).scalars())


def open_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Incident)
                              .where(Incident.status == "open")).scalar_one()


@dataclass
class IncidentFilter:
    status: str | None = "open"  # open, closed, or None for all
    kind: str | None = None
    process_id: str | None = None
    instance_id: int | None = None


def incident_query(f: IncidentFilter):
    """Newest first."""
    query = sa.select(Incident)
    if f.status:
        query = query.where(Incident.status == f.status)
    if f.kind:
        query = query.where(Incident.kind == f.kind)
    if f.process_id:
        query = query.where(Incident.process_id == f.process_id)
    if f.instance_id:
        query = query.where(Incident.instance_id == f.instance_id)
    return query.order_by(Incident.opened_at.desc(), Incident.id.desc())


def open_by_element(model_version_id: int) -> dict[str, int]:
    """element id -> open incidents of cases pinned to this model version (for "where cases wait")."""
    rows = db.session.execute(
        sa.select(Incident.element_id, sa.func.count()).join(Instance, Instance.id == Incident.instance_id)
        .where(Incident.status == "open", Instance.model_version_id == model_version_id,
               Incident.kind.in_(TASK_KINDS), Incident.element_id.is_not(None))
        .group_by(Incident.element_id))
    return {element: count for element, count in rows}
