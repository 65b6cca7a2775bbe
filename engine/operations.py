"""Managers' actions on a running case: suspend and resume, correct a submitted value, send the case
back to an earlier step. Each is one locked command through the shared pipeline, needs a service
manager or an administrator and a reason, and writes an audit event the re-execution check replays
(engine/replay.py): what the command did to the workflow is recorded in the event, so re-running it
on the recorded history gives the same state.

- Suspend: the case's open tasks leave the inbox and its timers and SLA clocks stop (their rows are
  held); nothing fires while it is suspended.
- Resume: the rows come back with every due time — BPMN timers inside the workflow, timer rows, task
  deadlines, SLA deadlines (the SLA module moves its own on the `instance_resumed` event) — moved by
  the time the case was suspended.
- Correct: one field of a completed task's form gets a new value; the task's stored data (in the
  workflow and in its inbox row) changes, and so do later tasks still holding the old value, so the
  case continues from its current step with the corrected value. Old and new values are in the event.
- Send back: SpiffWorkflow rewinds to the chosen completed user task (`reset_from_task_id`); the
  task is to be done again under a new task id, prefilled with what was submitted the last time.
  What was done before stays in the history; nothing is deleted from it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from engine import hooks, loader, pipeline, queries, store
from engine import spiff as sw
from engine import spiff_ops as ops
from engine.audit import chain as audit
from engine.audit import history
from engine.clock import as_aware, utc_naive
from engine.clock import now as clock_now
from engine.context import working_on
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.forms import validate_data
from engine.identity import Actor
from engine.jsonutil import plain
from engine.models import AuditEvent, Instance, Task
from engine.pipeline import transaction

SUPERVISORS = ("service_manager", "admin")
MAX_REASON = 500
OPEN = ("running", "waiting", "error")


# ---------------------------------------------------------------- checks every action makes
def require_supervisor(actor: Actor, what: str, **context: Any) -> None:
    """Who before what: a person without the role hears so before anything about the case."""
    if not actor.has_role(*SUPERVISORS):
        raise Forbidden(f"only a service manager or an administrator can {what}", **context)


def require_reason(reason: Any, action: str) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed({"reason": [f"a reason is required to {action}"]})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": [f"the reason is longer than {MAX_REASON} characters"]})
    return text


def require_status(instance: Instance, allowed: tuple[str, ...], action: str) -> None:
    if instance.status not in allowed:
        raise Conflict(f"a {instance.status} case cannot be {action}", instance_id=instance.id,
                       status=instance.status)


def close_command(instance: Instance, wf, events: list[dict[str, Any]], *, actor: Actor, now: dt.datetime) -> None:
    """Record a command that changed no task (suspend, resume): its events end with the case data."""
    pipeline.record(instance, events, sw.snapshot(wf), sw.case_data(wf))
    context = hooks.CommandContext(instance=instance, now=now, actor=actor.username, events=events,
                                   ready_tasks=[], closed_tasks=[])
    for hook in hooks.get().after_command:
        hook(context)


# ---------------------------------------------------------------- suspend and resume
def suspend_instance(*, instance_id: int, actor: Actor, reason: str) -> Instance:
    require_supervisor(actor, "suspend a case", instance_id=instance_id)
    reason = require_reason(reason, "suspend a case")
    with transaction():
        instance = store.lock(instance_id)
        require_status(instance, ("running", "waiting"), "suspended")
        now = clock_now()
        wf = store.load(instance)
        tasks, timers = pipeline.hold(instance)
        previous, instance.status, instance.updated_at = instance.status, pipeline.HELD, utc_naive(now)
        event = {"type": "instance_suspended", "at": now, "actor": actor.username,
                 "data": {"reason": reason, "previous_status": previous, "tasks": [t.id for t in tasks],
                          "timers": len(timers)}}
        close_command(instance, wf, [event], actor=actor, now=now)
    return instance


def suspended_since(instance_id: int) -> AuditEvent | None:
    """The event that suspended the case (the newest `instance_suspended`)."""
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.instance_stream(instance_id), AuditEvent.type == "instance_suspended")
        .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()


def resume_instance(*, instance_id: int, actor: Actor, reason: str) -> Instance:
    require_supervisor(actor, "resume a case", instance_id=instance_id)
    reason = require_reason(reason, "resume a case")
    with transaction():
        instance = store.lock(instance_id)
        require_status(instance, (pipeline.HELD,), "resumed")
        now = clock_now()
        since = suspended_since(instance.id)
        paused = max(now - as_aware(since.at), dt.timedelta(0)) if since is not None else dt.timedelta(0)
        wf = store.load(instance)
        before = sw.snapshot(wf)
        moved = ops.shift_timers(wf, paused)
        tasks, _timers = pipeline.release_held(instance, paused)
        instance.status = "running"  # the save derives running, waiting or error from the workflow
        event = {"type": "instance_resumed", "at": now, "actor": actor.username,
                 "data": {"reason": reason, "suspended_at": since.at if since else None,
                          "paused_seconds": paused.total_seconds(), "tasks": [t.id for t in tasks],
                          "timers_moved": moved}}
        pipeline.finish(instance, wf, before, [event], actor=actor, now=now)
    return instance


# ---------------------------------------------------------------- correct a submitted value
def _submitted_task(instance: Instance, task_id: Any) -> Task:
    row = db.session.get(Task, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
    if row is None or row.instance_id != instance.id:
        raise NotFound(f"the case has no task '{task_id}'", instance_id=instance.id, task_id=task_id)
    if row.status != "completed":
        raise Conflict(f"only a submitted form can be corrected; this task is {row.status}", task_id=row.id,
                       status=row.status)
    return row


def _corrected_value(instance: Instance, row: Task, field: str, value: Any, lang: str) -> tuple[Any, Any, Any]:
    """(old, new, the field's label): the new value typed and checked by the task's form, as a
    submission would be."""
    registry = hooks.get()
    form = loader.model(instance.model_version_id).forms.get(row.form_name) if row.form_name else None
    spec = next((spec for spec in (form or {}).get("fields", []) if spec["name"] == field), None)
    if spec is None:
        raise ValidationFailed({"field": [f"'{field}' is not a field of this task's form"]})
    submitted = dict(row.data or {})
    try:
        clean = validate_data(form, {**submitted, field: value}, lang=lang, resolvers=registry.references,
                              tz=registry.timezone)
    except ValidationFailed as exc:
        errors = {("value" if key == field else key): messages for key, messages in exc.errors.items()}
        raise ValidationFailed(errors) from exc
    new = clean.get(field)
    if plain(new) == plain(submitted.get(field)):
        raise ValidationFailed({"value": ["the new value is the value already recorded"]})
    return submitted.get(field), new, spec.get("label")


def correct_value(*, instance_id: int, task_id: str, field: str, value: Any, actor: Actor, reason: str,
                  lang: str = "zh") -> Instance:
    require_supervisor(actor, "correct a submitted value", instance_id=instance_id)
    reason = require_reason(reason, "correct a submitted value")
    if not isinstance(field, str) or not field.strip() or len(field) > 120:
        raise ValidationFailed({"field": ["name the form field to correct"]})
    with transaction():
        instance = store.lock(instance_id)
        require_status(instance, (*OPEN, pipeline.HELD), "corrected")
        row = _submitted_task(instance, task_id)
        old, new, label = _corrected_value(instance, row, field, value, lang)
        now = clock_now()
        wf = store.load(instance)
        before = sw.snapshot(wf)
        if row.id not in before or before[row.id].state != "COMPLETED":
            raise Conflict("this step was undone (sent back); correct the new submission instead", task_id=row.id)
        ops.correct_data(wf, row.id, field, sw.task_data(wf, row.id).get(field), new)
        row.data = {**(row.data or {}), field: plain(new)}
        event = {"type": "task_corrected", "at": now, "actor": actor.username, "element_id": row.element_id,
                 "task_id": row.id, "data": {"name": row.name, "form": row.form_name, "field": field,
                                             "label": label, "before": {field: plain(old)},
                                             "after": {field: plain(new)}, "reason": reason}}
        pipeline.finish(instance, wf, before, [event], actor=actor, now=now)
    return instance


# ---------------------------------------------------------------- send back for rework
def rewind(wf, task_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Rewind `wf` to a completed user task. Returns its new task id and the events that say so
    (without time and actor): the open tasks it cancelled, then `instance_sent_back` carrying the
    element sets right after the rewind. Shared with the re-execution check."""
    before = sw.snapshot(wf)
    target = before[task_id]
    new_id = ops.send_back(wf, task_id)
    rewound = sw.snapshot(wf)
    cancelled = [{"type": "task_cancelled", "element_id": info.element_id, "task_id": tid,
                  "data": {"name": info.name}}
                 for tid, info in sorted(before.items(), key=lambda item: (item[1].changed, item[0]))
                 if info.manual and info.state == "READY" and tid not in rewound]
    undone = sorted({info.element_id for tid, info in before.items() if info.state == "COMPLETED"
                     and (tid not in rewound or rewound[tid].state != "COMPLETED")})
    sent = {"type": "instance_sent_back", "element_id": target.element_id, "task_id": new_id,
            "data": {"name": target.name, "from_task_id": task_id, "undone": undone,
                     "sets": history.element_sets(rewound)}}
    return new_id, [*cancelled, sent]


def send_back(*, instance_id: int, element_id: str, actor: Actor, reason: str) -> Instance:
    require_supervisor(actor, "send a case back", instance_id=instance_id)
    reason = require_reason(reason, "send a case back")
    if not isinstance(element_id, str) or not element_id.strip() or len(element_id) > 120:
        raise ValidationFailed({"element_id": ["name the step to send the case back to"]})
    with transaction():
        instance = store.lock(instance_id)
        require_status(instance, OPEN, "sent back")
        wf = store.load(instance)
        target = ops.last_completed(wf, element_id)
        if target is None:
            raise ValidationFailed({"element_id": [f"'{element_id}' is not a form this case has submitted"]})
        now = clock_now()
        before = sw.snapshot(wf)
        with working_on(pipeline.command_info(instance, actor, now)):
            old_id = str(target.id)
            new_id, events = rewind(wf, old_id)
            failure = pipeline.advance(wf)
        for event in events:
            event.update(at=now, actor=actor.username)
        events[-1]["data"]["reason"] = reason
        pipeline.finish(instance, wf, before, events, actor=actor, now=now, failure=failure)
        _prefill(new_id, old_id)
    return instance


def _prefill(new_id: str, old_id: str) -> None:
    """The step to redo opens with what was submitted the last time (a draft: nothing is submitted)."""
    row, previous = db.session.get(Task, new_id), db.session.get(Task, old_id)
    if row is not None and previous is not None and row.status == "ready" and previous.data:
        row.draft = dict(previous.data)


def reworkable_steps(instance: Instance) -> list[Task]:
    """The submitted forms a case can be sent back to: one per step, the latest submission."""
    rows = db.session.execute(sa.select(Task).where(Task.instance_id == instance.id, Task.status == "completed")
                              .order_by(Task.completed_at.desc(), Task.id)).scalars()
    latest: dict[str, Task] = {}
    for row in rows:
        latest.setdefault(row.element_id, row)
    order = queries.completion_order(instance.id)  # several steps may share one clock reading
    return sorted(latest.values(), key=lambda row: (order.get(row.id, 1 << 30), row.completed_at))

