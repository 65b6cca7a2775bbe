"""The pipeline every command runs through, shared by the everyday commands (engine/commands.py)
and the managers' operations (engine/operations.py, recovery.py, migration.py): the transaction,
running the engine with failures recorded, and finishing — save the state, keep the inbox and
timer rows in step, open or close incidents, append the audit events with their element sets, run
the after-command hooks."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from engine import hooks, incidents, loader, store
from engine import spiff as sw
from engine.audit import chain as audit
from engine.audit import history
from engine.context import CommandInfo
from engine.db import db
from engine.errors import Conflict
from engine.identity import SYSTEM, Actor
from engine.models import Instance, Task, Timer
from engine.scripts import ScriptRejected, check_case_data

log = logging.getLogger(__name__)
ENDED = ("completed", "cancelled")


@contextmanager
def transaction() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def advance(wf) -> dict[str, Any] | None:
    """Run the engine; a failing script or expression becomes a recorded error, never a crash."""
    try:
        sw.advance(wf)
        return None
    except (sw.EngineError, ScriptRejected, Exception) as exc:  # noqa: BLE001
        task = getattr(exc, "task", None)
        element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        message = str(exc).split("\n")[0] or type(exc).__name__
        cause = exc.__cause__ or exc.__context__  # the library wraps the reason in a generic message
        if isinstance(exc, sw.EngineError) and cause is not None and str(cause) and str(cause) not in message:
            message = f"{message.rstrip('. ')}: {str(cause).splitlines()[0]}"
        if not isinstance(exc, sw.EngineError | ScriptRejected):
            log.exception("engine failure")
        return {"element_id": element, "message": message, "type": type(exc).__name__}


def finish(instance: Instance, wf, before, action_events: list[dict[str, Any]], *, actor: Actor,
           now: dt.datetime, failure: dict[str, Any] | None = None,
           closed_by: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
           timers_before: bool = True) -> None:
    """`timers_before`: whether the case had a waiting timer when the command loaded it (False lets a
    command that leaves none either skip reading the case's timer rows: there are none pending)."""
    closed_by = closed_by or {}
    after = sw.snapshot(wf)
    events = list(action_events)
    events += history.engine_events(before, after, at=now, actor=actor.username, skip=set(closed_by),
                                    gateway_targets=lambda task_id: sw.chosen_flows(wf, task_id))
    was = instance.status
    check_case_data(sw.case_data(wf), hooks.get().max_case_data_bytes)  # before anything is written
    store.save(instance, wf, now=now, expected_version=instance.version)
    if failure:
        instance.error = failure
        events.append({"type": "instance_error", "at": now, "actor": actor.username,
                       "element_id": failure.get("element_id"), "data": failure})
    elif instance.error and instance.status != "error":
        instance.error = None
    if instance.status == "completed" and was != "completed":
        events.append({"type": "instance_completed", "at": now, "actor": actor.username})
    created, closed = _project(instance, wf, after, events, now=now, closed_by=closed_by,
                               timers=timers_before or bool(sw.pending_timers(wf)))
    _track_incidents(instance, wf, after, failure, actor=actor, now=now, was=was)
    describe_ready(events, created)
    record(instance, events, after, sw.case_data(wf))
    context = hooks.CommandContext(instance=instance, now=now, actor=actor.username, events=events,
                                   ready_tasks=created, closed_tasks=closed)
    for hook in hooks.get().after_command:
        hook(context)


def _project(instance: Instance, wf, after: Mapping[str, sw.TaskInfo], events: list[dict[str, Any]], *,
             now: dt.datetime, closed_by: Mapping[str, tuple[str, dict[str, Any]]],
             timers: bool = True) -> tuple[list[Task], list[Task]]:
    """Keep the inbox and timer rows in step; a suspended case's rows stay held until it resumes,
    and come back to be closed like any others when it ends."""
    if instance.status == HELD:
        return [], []
    if instance.status in ENDED:
        release_held(instance)
        timers = True
    created, closed = store.sync_inbox(instance, wf, after, now=now, closed_by=closed_by)
    if timers or any(e["type"] == "timer_fired" for e in events):
        store.sync_timers(instance, wf, now=now, fired={e["task_id"] for e in events if e["type"] == "timer_fired"})
    return created, closed


def _track_incidents(instance: Instance, wf, after: Mapping[str, sw.TaskInfo], failure: dict[str, Any] | None,
                     *, actor: Actor, now: dt.datetime, was: str | None = None) -> None:
    """An element left in ERROR is an open incident; one no longer in ERROR has ended. A case that
    ended takes its incidents with it. A case that was running with no element in ERROR, and still
    has none, has no element incident to close: its incidents are not read."""
    if instance.status in ENDED:
        incidents.close_open(instance.id, resolution="case_ended", actor=actor.username, now=now)
        return
    failing = {info.element_id: info for info in after.values() if info.state == "ERROR"}
    if not failing and not failure and was in ("running", "waiting"):
        return
    incidents.close_open(instance.id, resolution="cleared", actor=actor.username, now=now,
                         kinds=incidents.TASK_KINDS, keep_elements=failing)
    if failure and failure.get("element_id") in failing:
        info = failing[failure["element_id"]]
        incidents.open_incident(kind=incidents.kind_of(info.kind), message=failure.get("message") or "",
                                now=now, instance=instance, element_id=info.element_id, task_id=info.id)


HELD = "suspended"  # the status of a suspended case's inbox and timer rows


def hold(instance: Instance) -> tuple[list[Task], list[Timer]]:
    """Take a case's open tasks out of the inbox and stop its pending timers (all kinds: BPMN timers
    and SLA clocks) from firing."""
    tasks = list(db.session.execute(sa.select(Task).where(Task.instance_id == instance.id,
                                                          Task.status == "ready")).scalars())
    timers = list(db.session.execute(sa.select(Timer).where(Timer.instance_id == instance.id,
                                                            Timer.status == "pending")).scalars())
    for row in [*tasks, *timers]:
        row.status = HELD
    db.session.flush()
    return tasks, timers


def release_held(instance: Instance, shift: dt.timedelta = dt.timedelta(0)) -> tuple[list[Task], list[Timer]]:
    """Put held rows back (tasks in the inbox, timers pending), their due times moved by `shift`."""
    tasks = list(db.session.execute(sa.select(Task).where(Task.instance_id == instance.id,
                                                          Task.status == HELD)).scalars())
    timers = list(db.session.execute(sa.select(Timer).where(Timer.instance_id == instance.id,
                                                            Timer.status == HELD)).scalars())
    for row in tasks:
        row.status = "ready"
        row.due_at = row.due_at + shift if row.due_at is not None else None
    for row in timers:
        row.status, row.due_at = "pending", row.due_at + shift
    db.session.flush()
    return tasks, timers


def describe_ready(events: list[dict[str, Any]], created: list[Task]) -> None:
    rows = {row.id: row for row in created}
    for event in events:
        row = rows.get(event.get("task_id"))
        if event["type"] == "task_ready" and row is not None:
            event["data"] = {**event.get("data", {}), "role": row.role, "assignee": row.assignee,
                             "due_at": row.due_at, "form": row.form_name}


def record(instance: Instance, events: list[dict[str, Any]], after, case_data: dict[str, Any]) -> None:
    """Append the events, each carrying the element sets right after it; the last one carries
    the engine's exact sets and the case data, so replay and re-execution can compare."""
    if not events:
        return
    stream = audit.instance_stream(instance.id)
    top = audit.head(stream)  # held until the append: read once
    sets = {k: v for k, v in audit.state_after(top).items() if k != "case_data"}
    for event in events[:-1]:
        sets = history.apply(sets, event)
        event["state"] = sets
    events[-1]["state"] = {**history.element_sets(after), "case_data": case_data}
    audit.append(stream, events, instance_id=instance.id)


def run_due_timers(instance: Instance, wf, actor: Actor, now: dt.datetime) -> list[dict[str, Any]]:
    """Fire timers already due before a user's action is applied, as the scheduler would have."""
    before, waiting = sw.snapshot(wf), waiting_timers(wf)
    if not any(info.is_timer and info.state == "WAITING" for info in before.values()):
        return []
    try:
        sw.fire_due_timers(wf)
    except Exception as exc:  # noqa: BLE001 - the scheduler will fire it and record the failure
        raise Conflict("a deadline of this case is being processed; try again in a moment",
                       instance_id=instance.id) from exc
    after = sw.snapshot(wf)
    return cycle_events(waiting, wf, after, now) + history.engine_events(
        before, after, at=now, actor=SYSTEM.username, skip=set(),
        gateway_targets=lambda task_id: sw.chosen_flows(wf, task_id))


def waiting_timers(wf) -> dict[str, str]:
    return {task_id: due for task_id, _element, due in sw.pending_timers(wf)}


def cycle_events(waiting: Mapping[str, str], wf, after, now: dt.datetime) -> list[dict[str, Any]]:
    """A cycle timer fires and waits again, so it never completes: record each firing explicitly
    (its due time moved on)."""
    events = []
    for task_id, element, due in sw.pending_timers(wf):
        previous = waiting.get(task_id)
        if previous is not None and previous != due:
            name = after[task_id].name if task_id in after else element
            events.append({"type": "timer_fired", "at": now, "actor": SYSTEM.username, "element_id": element,
                           "task_id": task_id, "data": {"name": name, "cycle": True, "due": previous,
                                                        "next": due}})
    return events


def command_info(instance: Instance, actor: Actor, now: dt.datetime) -> CommandInfo:
    return CommandInfo(instance.id, instance.case_number, instance.process_id, actor.username, now)


def annotate(instance: Instance, kind: str, actor: Actor, now: dt.datetime, row: Task | None,
             data: dict[str, Any]) -> None:
    """An event that leaves the workflow as it was (a claim, a reassignment, a timer retried): it
    keeps the element sets of the event before it."""
    stream = audit.instance_stream(instance.id)
    top = audit.head(stream)  # held until the append: read once
    state = {k: v for k, v in audit.state_after(top).items() if k != "case_data"}
    extra = {"element_id": row.element_id, "task_id": row.id, "data": {"name": row.name, **data}} if row else \
        {"data": data}
    audit.append(stream, [{"type": kind, "at": now, "actor": actor.username, **extra, "state": state}],
                 instance_id=instance.id)
    for hook in hooks.get().after_command:
        hook(hooks.CommandContext(instance=instance, now=now, actor=actor.username,
                                  events=[{"type": kind, "task_id": row.id if row else None, "data": data}],
                                  ready_tasks=[], closed_tasks=[]))


def element_kind(instance: Instance, element_id: str | None) -> str | None:
    return (loader.parsed(loader.model(instance.model_version_id)).tasks.get(element_id or "") or {}).get("kind")
