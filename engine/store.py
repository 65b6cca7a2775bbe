"""Load and save instances under a lock, and keep the flat projections (inbox, timers) in step."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from engine import hooks, loader
from engine import spiff as sw
from engine.clock import utc_naive
from engine.db import db, is_postgres
from engine.errors import Conflict, NotFound
from engine.models import Instance, Task, Timer
from engine.scripts import Sandbox

log = logging.getLogger(__name__)
CASE_FIELDS = ("customer_id", "customer_name", "region", "equipment_serial", "amount", "received_at")

_engines: dict[int, Any] = {}


def script_engine():
    """One sandboxed script engine per registry (rebuilt when the registry is replaced)."""
    registry = hooks.get()
    engine = _engines.get(id(registry))
    if engine is None:
        sandbox = Sandbox(registry.script_helpers, max_data_bytes=registry.max_case_data_bytes)
        engine = sw.build_script_engine(sandbox, registry.services)
        _engines.clear()
        _engines[id(registry)] = engine
    return engine


def write_lock() -> None:
    """On SQLite, take the database's write lock now (BEGIN IMMEDIATE, waiting up to the busy timeout),
    so the reads that follow see what the last writer committed and no other writer slips in before
    this transaction writes. A transaction that has already written holds it. PostgreSQL locks rows."""
    if is_postgres():
        return
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock(instance_id: int) -> Instance:
    """Take the instance's row lock for the rest of the transaction (FOR UPDATE on PostgreSQL;
    the database's write lock on SQLite)."""
    write_lock()
    query = sa.select(Instance).where(Instance.id == instance_id)
    if is_postgres():
        query = query.with_for_update(of=Instance)
    instance = db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if instance is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    return instance


def lock_task(task_id: str) -> tuple[Task, Instance]:
    """The task and its case in one locked read. On PostgreSQL both rows are locked, the case's first
    (`OF instance, task` is the order rows are locked in; every writer of a task row holds its case's
    lock already, so the order cannot deadlock), and a read that waited returns both rows as the
    transaction it waited for left them."""
    write_lock()
    query = sa.select(Task, Instance).join(Instance, Instance.id == Task.instance_id).where(Task.id == task_id)
    if is_postgres():
        query = query.with_for_update(of=[Instance, Task])
    found = db.session.execute(query.execution_options(populate_existing=True)).one_or_none()
    if found is None:
        raise NotFound(f"no task '{task_id}'", task_id=task_id)
    return found[0], found[1]


def load(instance: Instance):
    return sw.load(instance.state, loader.parsed(loader.model(instance.model_version_id)), script_engine())


def save(instance: Instance, wf, *, now: dt.datetime, expected_version: int) -> None:
    """Write the state; the version column makes the UPDATE conditional on nobody else's save."""
    instance_id = instance.id
    if instance.version != expected_version:
        raise Conflict("the case was changed by someone else; reload and try again", instance_id=instance_id)
    data = sw.case_data(wf)
    instance.state = sw.dump(wf)
    instance.status = status_of(wf, instance)
    instance.data = data
    instance.updated_at = utc_naive(now)
    for name in CASE_FIELDS:
        if data.get(name) not in (None, ""):
            setattr(instance, name, _case_value(name, data[name]))
    if instance.status in ("completed", "cancelled") and instance.ended_at is None:
        instance.ended_at = utc_naive(now)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("the case was changed by someone else; reload and try again",
                       instance_id=instance_id) from exc


def _case_value(name: str, value: Any) -> Any:
    if name == "received_at" and isinstance(value, str):
        try:
            return utc_naive(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    if name == "customer_id":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return value


def status_of(wf, instance: Instance) -> str:
    if instance.status in ("cancelled", "suspended"):  # set by the command, not by the workflow
        return instance.status
    if sw.is_completed(wf):
        return "completed"
    if sw.error_tasks(wf):
        return "error"
    snap = sw.snapshot(wf)
    if any(i.manual and i.state == "READY" for i in snap.values()):
        return "running"
    return "waiting"


# ---------------------------------------------------------------- inbox projection
def _evaluate(wf, task_id: str, expression: str | None) -> Any:
    if not expression:
        return None
    try:
        return sw.evaluate(wf, task_id, expression)
    except Exception as exc:  # noqa: BLE001 - a bad assignee/due expression must not stop the case
        log.warning("task %s: could not evaluate %r: %s", task_id, expression, exc)
        return None


def _as_due(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return utc_naive(value)
    if isinstance(value, str):
        try:
            return utc_naive(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def sync_inbox(instance: Instance, wf, snap: Mapping[str, sw.TaskInfo], *, now: dt.datetime,
               closed_by: Mapping[str, tuple[str, dict[str, Any]]]) -> tuple[list[Task], list[Task]]:
    """Insert rows for newly ready user tasks; close rows whose task is no longer ready.
    `closed_by` maps a task id completed by a user to (username, submitted data)."""
    registry = hooks.get()
    ready = {tid: info for tid, info in snap.items() if info.manual and info.state == "READY"}
    open_rows, closed = _close_rows(instance, ready, snap, now=now, closed_by=closed_by)
    created = []
    for task_id, info in ready.items():
        if task_id in open_rows:
            continue
        assignee = _evaluate(wf, task_id, info.properties.get("assignee"))
        form = info.properties.get("form")
        row = Task(
            id=task_id, instance_id=instance.id, process_id=instance.process_id, element_id=info.element_id,
            name=info.name, role=registry.role_for_lane(info.lane) or "admin",
            assignee=str(assignee) if assignee else None, status="ready",
            form_name=f"{info.process}/{form}" if form else None,
            due_at=_as_due(_evaluate(wf, task_id, info.properties.get("due"))), created_at=utc_naive(now),
            case_number=instance.case_number, customer_id=instance.customer_id,
            customer_name=instance.customer_name, region=instance.region,
        )
        db.session.add(row)
        created.append(row)
    db.session.flush()
    return created, closed


def _close_rows(instance: Instance, ready: Mapping[str, sw.TaskInfo], snap: Mapping[str, sw.TaskInfo], *,
                now: dt.datetime, closed_by: Mapping[str, tuple[str, dict[str, Any]]]) -> tuple[set[str], list[Task]]:
    """One UPDATE over the case's open rows: those no longer ready close (completed, or cancelled when
    the engine cancelled or dropped the task), those still ready keep their state; all take the case's
    current denormalised fields. Returns (ids of the rows still ready, the rows it closed)."""
    still = Task.id.in_(list(ready))
    done = [tid for tid, info in snap.items() if info.state == "COMPLETED"]
    by = {tid: who for tid, (who, _data) in closed_by.items()}
    data = {tid: submitted for tid, (_who, submitted) in closed_by.items()}
    values: dict[str, Any] = {
        "status": sa.case((still, Task.status), (Task.id.in_(done), "completed"), else_="cancelled"),
        "completed_at": sa.case((still, Task.completed_at), else_=utc_naive(now)),
        "draft": sa.case((still, Task.draft), else_=sa.null()),
        "customer_id": instance.customer_id, "customer_name": instance.customer_name, "region": instance.region,
    }
    if by:
        values["completed_by"] = sa.case(*((Task.id == tid, who) for tid, who in by.items()),
                                         else_=Task.completed_by)
        values["data"] = sa.case(*((Task.id == tid, sa.bindparam(None, value, type_=Task.data.type))
                                   for tid, value in data.items()), else_=Task.data)
    rows = db.session.execute(
        sa.update(Task).where(Task.instance_id == instance.id, Task.status == "ready").values(values)
        .returning(Task), execution_options={"synchronize_session": "fetch"}).scalars().all()
    return {row.id for row in rows if row.status == "ready"}, [row for row in rows if row.status != "ready"]


# ---------------------------------------------------------------- timer projection
def sync_timers(instance: Instance, wf, *, now: dt.datetime, fired: set[str]) -> None:
    pending = {task_id: (element, due) for task_id, element, due in sw.pending_timers(wf)}
    rows = {row.task_id: row for row in db.session.execute(
        sa.select(Timer).where(Timer.instance_id == instance.id, Timer.kind == "bpmn")).scalars()}
    for task_id, row in rows.items():
        if task_id in pending:
            continue
        if row.status == "pending":
            row.status = "fired" if task_id in fired else "cancelled"
            row.fired_at = utc_naive(now) if task_id in fired else None
    for task_id, (element, due) in pending.items():
        due_at = _as_due(due)
        if due_at is None:
            continue
        row = rows.get(task_id)
        if row is None:
            db.session.add(Timer(instance_id=instance.id, task_id=task_id, element_id=element, kind="bpmn",
                                 due_at=due_at, status="pending", created_at=utc_naive(now)))
        elif row.due_at != due_at or row.status != "pending":
            row.due_at, row.status, row.attempts, row.last_error = due_at, "pending", 0, None
    db.session.flush()


