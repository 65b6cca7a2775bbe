"""Every change to a case is one command: lock, rebuild, check, apply, advance, save, project,
audit, commit — all in one transaction, so nothing is ever visible half-done."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine import hooks, loader, queries, store
from engine import spiff as sw
from engine.clock import now as clock_now
from engine.context import submitting, working_on
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.forms import text, validate_data
from engine.identity import SYSTEM, Actor, get_user
from engine.jsonutil import dumps, plain
from engine.models import Instance, Task
from engine.pipeline import advance as _advance
from engine.pipeline import annotate as _log
from engine.pipeline import command_info as _info
from engine.pipeline import cycle_events as _cycle_events
from engine.pipeline import finish as _finish
from engine.pipeline import run_due_timers as _run_due_timers
from engine.pipeline import transaction
from engine.pipeline import waiting_timers as _waiting_timers

SUPERVISORS = ("service_manager", "admin")
MAX_DRAFT_BYTES = 256_000


# ---------------------------------------------------------------- authorization
def can_act(row: Task, actor: Actor) -> bool:
    if actor.system or row.assignee == actor.username:
        return True
    return row.assignee is None and actor.has_role(row.role)


def can_view(row: Task, actor: Actor) -> bool:
    """Those who may act on it, managers and auditors, and people of its role who may read its case
    (an engineer looks at a teammate's task; not at every engineer's task of every case)."""
    if can_act(row, actor) or actor.has_role(*SUPERVISORS, "auditor"):
        return True
    if not actor.has_role(row.role):
        return False
    instance = queries.instance(row.instance_id)
    return instance is not None and queries.can_read_case(instance, actor)


def require_supervisor(actor: Actor, message: str, **context: Any) -> None:
    """Managers' actions (reassign, cancel): the role check comes before anything is read or parsed."""
    if not actor.has_role(*SUPERVISORS):
        raise Forbidden(message, **context)


REASSIGN_REFUSED = "only a service manager can reassign tasks"
CANCEL_REFUSED = "only a service manager can cancel a case"


def _authorize(row: Task, actor: Actor) -> None:
    if can_act(row, actor):
        return
    if row.assignee and actor.has_role(row.role):
        raise Forbidden(f"this task is assigned to {row.assignee}", task_id=row.id, assignee=row.assignee)
    raise Forbidden(f"this task needs the role '{row.role}'", task_id=row.id, role=row.role)


def start_roles(model) -> set[str]:
    """The roles that may start a case of this model: the start lane's role and the `starters`."""
    role = loader.start_role(model)
    allowed = {role} if role else set()
    starters = _start_property(model, "starters")
    if starters:
        allowed |= {r.strip() for r in starters.split(",") if r.strip()}
    return allowed


def can_start(model, actor: Actor) -> bool:
    if _start_property(model, "starters") == "system":  # opened by the system only (another case's step)
        return actor.system
    allowed = start_roles(model)
    return not allowed or actor.has_role(*allowed, "admin")


def _check_starter(model, actor: Actor) -> None:
    allowed = start_roles(model)
    if _start_property(model, "starters") == "system" and not actor.system:
        raise Forbidden(f"'{model.process_id}' is opened by the system, not by hand", process_id=model.process_id)
    if not can_start(model, actor):
        raise Forbidden(f"starting '{model.process_id}' needs one of the roles {sorted(allowed)}",
                        process_id=model.process_id)


def _start_property(model, name: str) -> str | None:
    for info in loader.parsed(model).tasks.values():
        if info["kind"] == "StartEvent" and info["process"] == model.process_id:
            return info["properties"].get(name)
    return None


# ---------------------------------------------------------------- commands
def case_number(process_id: str, instance_id: int, when: dt.datetime) -> str:
    prefix = hooks.get().case_prefixes.get(process_id) or process_id[:3].upper()
    return f"{prefix}-{when:%Y}-{instance_id:05d}"


def start_instance(*, process_id: str, data: Mapping[str, Any] | None, actor: Actor, lang: str = "zh",
                   parent_id: int | None = None) -> Instance:
    with transaction():
        return start_within(process_id=process_id, data=data, actor=actor, lang=lang, parent_id=parent_id)


def start_within(*, process_id: str, data: Mapping[str, Any] | None, actor: Actor, lang: str = "zh",
                 parent_id: int | None = None) -> Instance:
    """Start a case inside the caller's transaction (e.g. a follow-up case opened by a hook of
    another command, so both commit or neither does)."""
    registry = hooks.get()
    model = loader.latest_or_404(process_id)
    _check_starter(model, actor)
    with submitting(actor.username, parent_id, system=actor.system):
        clean = validate_data(loader.start_form(model), data, lang=lang, resolvers=registry.references,
                              tz=registry.timezone)
    prepare = registry.prepare_start.get(process_id)
    if prepare is not None:
        try:
            clean = prepare(clean, actor.username)
        except ValidationFailed as exc:  # messages may come as {"zh": ..., "en": ...}
            raise ValidationFailed({k: [text(m, lang) for m in v] for k, v in exc.errors.items()}) from exc
    now = clock_now()
    naive = now.replace(tzinfo=None)
    instance = Instance(process_id=process_id, model_version_id=model.id, status="running", state="{}",
                        version=1, data={}, started_by=actor.username, started_at=naive,
                        updated_at=naive, parent_id=parent_id)
    db.session.add(instance)
    db.session.flush()
    instance.case_number = case_number(process_id, instance.id, now)
    clean["case_number"] = instance.case_number
    db.session.flush()
    with working_on(_info(instance, actor, now)):
        wf = sw.new_workflow(loader.parsed(model), clean, store.script_engine())
        failure = _advance(wf)
    started = {"type": "instance_started", "at": now, "actor": actor.username, "element_id": process_id,
               "data": {"process_id": process_id, "version": model.version,
                        "case_number": instance.case_number, "start_data": plain(clean),
                        "parent_id": parent_id}}
    _finish(instance, wf, {}, [started], actor=actor, now=now, failure=failure)
    return instance


def complete_task(*, task_id: str, data: Mapping[str, Any] | None, actor: Actor, lang: str = "zh") -> Instance:
    registry = hooks.get()
    with transaction():
        row, instance = store.lock_task(task_id)
        _authorize(row, actor)
        if row.status != "ready":
            raise Conflict(f"this task is already {row.status}", task_id=task_id, status=row.status)
        form = loader.model(instance.model_version_id).forms.get(row.form_name) if row.form_name else None
        with submitting(actor.username, instance.id, system=actor.system):
            clean = validate_data(form, data, lang=lang, resolvers=registry.references, tz=registry.timezone)
        now = clock_now()
        wf = store.load(instance)
        timers_before = bool(sw.pending_timers(wf))
        with working_on(_info(instance, actor, now)):
            early = _run_due_timers(instance, wf, actor, now)
            before = sw.snapshot(wf)
            task = sw.find_task(wf, task_id)
            if task is None or task_id not in before or before[task_id].state != "READY":
                raise Conflict("this task was closed by a deadline before it was submitted", task_id=task_id)
            sw.run_user_task(wf, task, clean)
            failure = _advance(wf)
        submitted = plain(clean)
        done = {"type": "task_completed", "at": now, "actor": actor.username, "element_id": row.element_id,
                "task_id": task_id, "data": {"name": row.name, "form": row.form_name, "submitted": submitted}}
        _finish(instance, wf, before, [*early, done], actor=actor, now=now, failure=failure,
                closed_by={task_id: (actor.username, submitted)}, timers_before=timers_before)
    return instance


def fire_timers(*, instance_id: int, actor: Actor = SYSTEM) -> int:
    """The scheduler's command: fire whatever timers of this case are due. Returns how many fired."""
    with transaction():
        instance = store.lock(instance_id)
        if instance.status in ("completed", "cancelled", "suspended"):  # a suspended case's timers wait
            return 0
        now = clock_now()
        wf = store.load(instance)
        before, waiting = sw.snapshot(wf), _waiting_timers(wf)
        with working_on(_info(instance, actor, now)):
            wf.refresh_timers()
            failure = _advance(wf)
        after = sw.snapshot(wf)
        cycles = _cycle_events(waiting, wf, after, now)
        fired = len(cycles) + sum(1 for tid, info in after.items() if info.is_timer and info.state == "COMPLETED"
                                  and before.get(tid, info).state != "COMPLETED")
        if fired == 0 and failure is None:
            store.sync_timers(instance, wf, now=now, fired=set())
            return 0
        _finish(instance, wf, before, cycles, actor=actor, now=now, failure=failure)
    return fired


def claim_task(*, task_id: str, actor: Actor) -> Task:
    with transaction():
        row, instance = store.lock_task(task_id)
        if not actor.has_role(row.role) and row.assignee != actor.username:  # who, before what
            raise Forbidden(f"this task needs the role '{row.role}'", task_id=task_id, role=row.role)
        if row.status != "ready":
            raise Conflict(f"this task is already {row.status}", task_id=task_id)
        if row.assignee == actor.username:
            return row
        if row.assignee is not None:
            raise Conflict(f"this task is already claimed by {row.assignee}", task_id=task_id,
                           assignee=row.assignee)
        now = clock_now()
        row.assignee, row.claimed_at = actor.username, now.replace(tzinfo=None)
        _log(instance, "task_claimed", actor, now, row, {"assignee": actor.username})
    return row


def unclaim_task(*, task_id: str, actor: Actor) -> Task:
    with transaction():
        row, instance = store.lock_task(task_id)
        if row.assignee != actor.username and not actor.has_role(*SUPERVISORS):
            raise Forbidden("only the assignee or a manager can release this task", task_id=task_id)
        if row.status != "ready":
            raise Conflict(f"this task is already {row.status}", task_id=task_id)
        now = clock_now()
        previous, row.assignee, row.claimed_at = row.assignee, None, None
        _log(instance, "task_unclaimed", actor, now, row, {"previous_assignee": previous})
    return row


def reassign_task(*, task_id: str, assignee: str, actor: Actor, reason: str = "") -> Task:
    with transaction():
        require_supervisor(actor, REASSIGN_REFUSED, task_id=task_id)
        row, instance = store.lock_task(task_id)
        if row.status != "ready":
            raise Conflict(f"this task is already {row.status}", task_id=task_id)
        user = get_user(assignee)
        if row.role not in user.role_ids:
            raise ValidationFailed({"assignee": [f"{assignee} does not have the role '{row.role}'"]})
        now = clock_now()
        previous, row.assignee, row.claimed_at = row.assignee, user.username, now.replace(tzinfo=None)
        _log(instance, "task_reassigned", actor, now, row,
             {"from": previous, "to": user.username, "reason": reason})
    return row


def save_draft(*, task_id: str, data: Mapping[str, Any], actor: Actor) -> Task:
    with transaction():
        row = db.session.get(Task, task_id)
        if row is None:
            raise NotFound(f"no task '{task_id}'", task_id=task_id)
        _authorize(row, actor)
        if row.status != "ready":
            raise Conflict(f"this task is already {row.status}", task_id=task_id)
        if not isinstance(data, Mapping) or len(dumps(data)) > MAX_DRAFT_BYTES:
            raise ValidationFailed({"_form": ["draft must be an object under 256 KB"]})
        row.draft = plain(dict(data))
    return row


def cancel_instance(*, instance_id: int, actor: Actor, reason: str) -> Instance:
    with transaction():
        require_supervisor(actor, CANCEL_REFUSED, instance_id=instance_id)
        if not reason.strip():
            raise ValidationFailed({"reason": ["a reason is required to cancel a case"]})
        instance = store.lock(instance_id)
        if instance.status in ("completed", "cancelled"):
            raise Conflict(f"the case is already {instance.status}", instance_id=instance_id)
        now = clock_now()
        wf = store.load(instance)
        before = sw.snapshot(wf)
        sw.cancel(wf)
        instance.status = "cancelled"
        event = {"type": "instance_cancelled", "at": now, "actor": actor.username, "data": {"reason": reason}}
        _finish(instance, wf, before, [event], actor=actor, now=now)
    return instance
