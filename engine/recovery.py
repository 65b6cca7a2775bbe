"""Ending an incident (engine/incidents.py): "retry" or "resolve with a value". Service manager and
administrator only; each writes an audit event on the case.

- A failed script or service task (the case is in error): retry runs the step again, with corrected
  data merged first if given; resolve marks the step done without running it, the given data
  standing in for what it would have produced (e.g. the answer of a service that is down) — a
  gateway or an event cannot be skipped, so resolving one runs it again with the data. Both are
  commands the re-execution check replays (`incident_retried`, `incident_resolved`). A step that
  fails again keeps its incident open (one more attempt counted).
- A failed timer: retry queues it again, due now; resolve dismisses a deadline notice (warning,
  breach) that was handled by hand. A diagram's own timer can only be retried.
- A notification whose mail failed after its retries: retry queues the mail again; resolve closes
  it as handled otherwise (the in-app notification was there all along).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import incidents, pipeline, store
from engine import spiff as sw
from engine import spiff_ops as ops
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.context import working_on
from engine.db import db
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.identity import Actor
from engine.incidents import Incident
from engine.jsonutil import dumps, plain
from engine.models import Instance
from engine.operations import MAX_REASON, require_supervisor
from engine.pipeline import transaction
from engine.timers import firing
from engine.timers.outbox import Notification

MAX_DATA_BYTES = 64_000


def _reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": [f"the reason is longer than {MAX_REASON} characters"]})
    return text


def _data(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValidationFailed({"data": ["give the values as an object of field names and values"]})
    bad = [key for key in data if not isinstance(key, str) or not key.isidentifier() or key.startswith("_")]
    if bad:
        raise ValidationFailed({"data": [f"'{bad[0]}' is not a name the diagram can use"]})
    if len(dumps(data)) > MAX_DATA_BYTES:
        raise ValidationFailed({"data": ["the values must be under 64 KB"]})
    return plain(dict(data))


def _incident(incident_id: int) -> Incident:
    found = incidents.get(incident_id)
    if found is None:
        raise NotFound(f"no incident {incident_id}", incident_id=incident_id)
    if found.status != "open":
        raise Conflict(f"incident {incident_id} is already closed ({found.resolution})", incident_id=incident_id,
                       resolution=found.resolution)
    return found


def retry(*, incident_id: int, actor: Actor, reason: str = "", data: Any = None) -> Incident:
    require_supervisor(actor, "retry an incident", incident_id=incident_id)
    reason, patch = _reason(reason), _data(data)
    incident = _incident(incident_id)
    if incident.kind in incidents.TASK_KINDS:
        return _rerun_step(incident, actor=actor, reason=reason, data=patch, resolve=False)
    if incident.kind == "timer":
        firing.retry_failed(incident.timer_id, actor=actor, reason=reason)
    else:
        _notification(incident, actor=actor, reason=reason, data=patch, resolve=False)
    db.session.refresh(incident)
    return incident


def resolve(*, incident_id: int, actor: Actor, data: Any, reason: str = "") -> Incident:
    require_supervisor(actor, "resolve an incident", incident_id=incident_id)
    reason, value = _reason(reason), _data(data)
    incident = _incident(incident_id)
    if incident.kind in incidents.TASK_KINDS:
        return _rerun_step(incident, actor=actor, reason=reason, data=value, resolve=True)
    if incident.kind == "timer":
        try:
            firing.resolve_failed(incident.timer_id, actor=actor, reason=reason, data=value)
        except firing.TimerError as exc:
            raise Conflict(exc.message, incident_id=incident.id) from exc
    else:
        _notification(incident, actor=actor, reason=reason, data=value, resolve=True)
    db.session.refresh(incident)
    return incident


# ---------------------------------------------------------------- a failed step of a case
def failed_task(wf, incident: Incident) -> str | None:
    """The task the incident is about, still in ERROR: its recorded task, else the element's."""
    snap = sw.snapshot(wf)
    if incident.task_id in snap and snap[incident.task_id].state == "ERROR":
        return incident.task_id
    return next((tid for tid, info in snap.items() if info.state == "ERROR"
                 and info.element_id == incident.element_id), None)


def apply_to_failed(wf, task_id: str, data: Mapping[str, Any], *, resolve: bool) -> str:
    """Retry (run again) or resolve (mark done unrun) a failed task; returns the mode used.
    Shared with the re-execution check."""
    if resolve and ops.can_complete_unrun(wf, task_id):
        ops.complete_failed(wf, task_id, data)
        return "completed"
    ops.retry_failed(wf, task_id, data)
    return "retried"


def _rerun_step(incident: Incident, *, actor: Actor, reason: str, data: dict[str, Any], resolve: bool) -> Incident:
    with transaction():
        instance = store.lock(incident.instance_id)
        db.session.refresh(incident)
        if incident.status != "open":
            raise Conflict(f"incident {incident.id} is already closed", incident_id=incident.id)
        if instance.status == pipeline.HELD:
            raise Conflict("the case is suspended: resume it first", instance_id=instance.id)
        now = clock_now()
        wf = store.load(instance)
        task_id = failed_task(wf, incident)
        if task_id is None:
            raise Conflict("the step is no longer failing", incident_id=incident.id)
        before = sw.snapshot(wf)
        with working_on(pipeline.command_info(instance, actor, now)):
            mode = apply_to_failed(wf, task_id, data, resolve=resolve)
            failure = pipeline.advance(wf)
        kind = "incident_resolved" if resolve else "incident_retried"
        event = {"type": kind, "at": now, "actor": actor.username, "element_id": incident.element_id,
                 "task_id": task_id, "data": {"incident_id": incident.id, "kind": incident.kind, "mode": mode,
                                              "reason": reason, "data": data}}
        pipeline.finish(instance, wf, before, [event], actor=actor, now=now, failure=failure)
        if incident.status == "closed":  # the step ran (or was done): the pipeline closed it as cleared
            incidents.close(incident, resolution="resolved" if resolve else "retried", actor=actor.username,
                            now=now, reason=reason, data=data)
    return incident


# ---------------------------------------------------------------- a notification's mail
def _notification(incident: Incident, *, actor: Actor, reason: str, data: dict[str, Any], resolve: bool) -> None:
    with transaction():
        row = db.session.get(Notification, incident.notification_id) if incident.notification_id else None
        if row is None:
            raise NotFound("the notification of this incident no longer exists", incident_id=incident.id)
        now = clock_now()
        if resolve:
            row.mail_status = "none"
        else:
            row.mail_status, row.mail_attempts, row.next_attempt_at = "pending", 0, utc_naive(now)
        incidents.close(incident, resolution="resolved" if resolve else "retried", actor=actor.username, now=now,
                        reason=reason, data=data or None)
        if incident.instance_id is not None:
            instance = db.session.get(Instance, incident.instance_id)
            kind = "notification_resolved" if resolve else "notification_retried"
            pipeline.annotate(instance, kind, actor, now, None, {"incident_id": incident.id, "to": row.username,
                                                                 "notification": row.kind, "reason": reason})


def retry_case(*, instance_id: int, actor: Actor, reason: str = "") -> list[Incident]:
    """Retry every open incident of a case (the bulk action); Conflict when it has none."""
    require_supervisor(actor, "retry a case", instance_id=instance_id)
    found = incidents.open_of(instance_id)
    if not found:
        if db.session.get(Instance, instance_id) is None:
            raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
        raise Conflict("the case has no open incident to retry", instance_id=instance_id)
    return [retry(incident_id=row.id, actor=actor, reason=reason) for row in found]

