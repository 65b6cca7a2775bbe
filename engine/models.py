"""The engine's tables. Domain records (customers, equipment, ...) live in workflows/."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import db

JSON = sa.JSON().with_variant(sa.JSON(), "postgresql")


class Role(db.Model):
    __tablename__ = "role"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))


user_role = sa.Table(
    "user_role",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.ForeignKey("role.id"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    roles: Mapped[list[Role]] = relationship(secondary=user_role, lazy="selectin")

    @property
    def role_ids(self) -> set[str]:
        return {role.id for role in self.roles}

    def has_role(self, *role_ids: str) -> bool:
        return bool(self.role_ids.intersection(role_ids))

    # the session-login protocol (is_authenticated, is_active, is_anonymous, get_id)
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(db.Model):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    user: Mapped[User] = relationship(lazy="joined")


class ModelVersion(db.Model):
    """One immutable deployed version of a process: its sources, forms and who deployed it."""

    __tablename__ = "model_version"
    __table_args__ = (sa.UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    main_file: Mapped[str] = mapped_column(sa.String(200))
    sources: Mapped[dict[str, str]] = mapped_column(JSON)  # file name -> BPMN/DMN XML
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)  # form name -> definition
    deployed_by: Mapped[str] = mapped_column(sa.String(80))
    deployed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    note: Mapped[str | None] = mapped_column(sa.Text, default=None)  # the change note: what changed and why


class Instance(db.Model):
    """One case. `state` is SpiffWorkflow's serialized workflow without its spec."""

    __tablename__ = "instance"
    __table_args__ = (sa.Index("ix_instance_process_status", "process_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    process_id: Mapped[str] = mapped_column(sa.String(80))
    model_version_id: Mapped[int] = mapped_column(sa.ForeignKey("model_version.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    state: Mapped[str] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # every save is UPDATE ... WHERE version = <read>
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    customer_id: Mapped[int | None] = mapped_column(index=True)
    customer_name: Mapped[str | None] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(40))
    equipment_serial: Mapped[str | None] = mapped_column(sa.String(80))
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    received_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    started_by: Mapped[str] = mapped_column(sa.String(80))
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    model: Mapped[ModelVersion] = relationship(lazy="select")


class Task(db.Model):
    """Inbox row mirroring one user task; listing tasks never deserializes a workflow."""

    __tablename__ = "task"
    __table_args__ = (
        # the inbox: a role's unassigned queue, one person's tasks, everything open — each read in
        # due order straight off an index (queries.task_query sorts `due_at NULLS LAST`)
        sa.Index("ix_task_queue", "status", "role", "assignee", "due_at"),
        sa.Index("ix_task_assignee", "assignee", "status", "due_at"),
        sa.Index("ix_task_due", "status", "due_at"),
    )
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    process_id: Mapped[str] = mapped_column(sa.String(80))
    element_id: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(40))
    assignee: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(20))  # ready, completed, cancelled
    form_name: Mapped[str | None] = mapped_column(sa.String(120))
    due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    completed_by: Mapped[str | None] = mapped_column(sa.String(80))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what was submitted
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    case_number: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    customer_id: Mapped[int | None] = mapped_column()
    customer_name: Mapped[str | None] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(40))
    priority: Mapped[int | None] = mapped_column(sa.SmallInteger)  # rank the flows give (0 first); sorts the inbox
    instance: Mapped[Instance] = relationship(lazy="raise")


# the inbox's default order (queries.TASK_ORDERS["due"]: most urgent, soonest due, oldest, NULLs last as
# `col IS NULL, col`) straight off an index for each tab — everything open, a role's queue, one person's —
# so the first page (and a page by cursor) reads 25 index entries, not every open task
_DUE_ORDER = (Task.priority.is_(None), Task.priority, Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id)
sa.Index("ix_task_open_order", Task.status, *_DUE_ORDER)
# a role's queue is its unassigned tasks: a partial index (`assignee IS NULL` as a column would not
# count as fixed for the order on PostgreSQL, which then walked every open task instead)
sa.Index("ix_task_queue_order", Task.status, Task.role, *_DUE_ORDER,
         sqlite_where=Task.assignee.is_(None), postgresql_where=Task.assignee.is_(None))
sa.Index("ix_task_mine_order", Task.assignee, Task.status, *_DUE_ORDER)
# who worked on a case (the case list's search by engineer, and its engineer filter)
sa.Index("ix_task_completed_by", Task.completed_by)


class Timer(db.Model):
    """A waiting BPMN timer or an SLA deadline, fired by the scheduler when due."""

    __tablename__ = "timer"
    __table_args__ = (
        sa.Index("ix_timer_due", "status", "due_at"),
        sa.UniqueConstraint("instance_id", "task_id", "kind", name="uq_timer_task_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(36))
    element_id: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20), default="bpmn")
    due_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")  # pending, fired, cancelled, failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    fired_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class AuditStream(db.Model):
    """Head of one hash chain: a case (`instance:<id>`) or the system stream (deployments, admin)."""

    __tablename__ = "audit_stream"
    stream: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    # no longer written (the newest event's state is read with the head); kept for older databases
    last_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.UniqueConstraint("stream", "seq", name="uq_audit_event_stream_seq"),
        sa.Index("ix_audit_event_type_at", "type", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(sa.String(60))
    instance_id: Mapped[int | None] = mapped_column(index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    actor: Mapped[str] = mapped_column(sa.String(80), index=True)
    element_id: Mapped[str | None] = mapped_column(sa.String(120))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # completed/active/waiting/case data
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class Attachment(db.Model):
    """An uploaded document (photo, scanned letter), content-addressed by its SHA-256."""

    __tablename__ = "attachment"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 hex
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(sa.String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
