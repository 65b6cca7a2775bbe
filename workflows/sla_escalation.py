"""A breached SLA opens an `sla_escalation` case: the service manager's task says which case and
task missed which deadline, and lets him reassign the task or intervene himself. His decision is
carried out on the breached case in the same transaction as completing his task."""
from __future__ import annotations

from typing import Any

from engine import commands, store
from engine.clock import isoformat, utc_naive
from engine.db import db
from engine.errors import NotFound, ValidationFailed
from engine.hooks import CommandContext
from engine.identity import SYSTEM, get_user
from engine.models import Instance, Task
from engine.timers import outbox
from workflows.deadlines.sla import case_event
from workflows.roles import ROLES

PROCESS_ID = "sla_escalation"
DECISION_TASK = "handle"


def start(instance: Instance, record: Any, rule: Any, task: Task | None) -> Instance:
    """Open the escalation case (inside the caller's transaction: the breach and its escalation
    commit together)."""
    data = {"breached_case_number": instance.case_number, "breached_case_id": instance.id, "rule_name": rule.name_zh,
            "due_at": isoformat(record.due_at)}
    if task is not None:
        data |= {"task_id": task.id, "task_name": task.name, "task_role": task.role}
        if task.assignee:
            data["assignee"] = task.assignee
    return commands.start_within(process_id=PROCESS_ID, data=data, actor=SYSTEM, parent_id=instance.id)


def on_command(ctx: CommandContext) -> None:
    for row in ctx.closed_tasks:
        if row.element_id == DECISION_TASK and row.status == "completed":
            _carry_out(ctx.instance, row.data or {}, manager=row.completed_by or ctx.actor, now=ctx.now)


def _carry_out(escalation: Instance, decision: dict[str, Any], *, manager: str, now) -> None:
    case_data = escalation.data or {}
    breached = store.lock(int(case_data["breached_case_id"]))
    task = db.session.get(Task, case_data["task_id"]) if case_data.get("task_id") else None
    if task is not None:
        db.session.refresh(task)
    note = (decision.get("note") or "").strip()
    base = {"escalation": escalation.case_number, "manager": manager, "note": note}
    if decision.get("decision") == "reassign" and task is not None and task.status == "ready":
        _reassign(breached, task, decision, base, manager=manager, now=now)
        return
    recipients = {task.assignee} if task is not None and task.assignee else set()
    case_event(breached, "sla_intervention", now, {**base, "decision": decision.get("decision"),
                                                  "task_open": task is not None and task.status == "ready"},
               actor=manager, task=task)
    for username in recipients:
        outbox.notify(username, "sla_intervention", _message(breached, task, manager, note, reassigned=False),
                      instance_id=breached.id, now=now)


def _reassign(breached: Instance, task: Task, decision: dict[str, Any], base: dict[str, Any], *, manager: str,
              now) -> None:
    username = (decision.get("new_assignee") or "").strip()
    if not username:
        raise ValidationFailed({"new_assignee": ["改派时必须填写新的处理人。"]})
    try:
        user = get_user(username)
    except NotFound as exc:
        raise ValidationFailed({"new_assignee": [f"用户 {username} 不存在。"]}) from exc
    if task.role not in user.role_ids:
        role = ROLES.get(task.role)
        raise ValidationFailed({"new_assignee": [
            f"{user.display_name or username} 不是{role.name_zh if role else task.role}，不能接手该任务。"]})
    previous = task.assignee
    task.assignee, task.claimed_at = user.username, utc_naive(now)
    case_event(breached, "task_reassigned", now, {"name": task.name, "from": previous, "to": user.username,
                                                 "reason": base["note"], **base}, actor=manager, task=task)
    outbox.notify(user.username, "task_reassigned", _message(breached, task, manager, base["note"], reassigned=True),
                  instance_id=breached.id, now=now)


def _message(breached: Instance, task: Task | None, manager: str, note: str, *, reassigned: bool) -> dict[str, Any]:
    name = task.name if task is not None else breached.case_number
    if reassigned:
        title = {"zh": f"{breached.case_number}：任务「{name}」已改派给您",
                 "en": f"{breached.case_number}: task '{name}' was reassigned to you"}
    else:
        title = {"zh": f"{breached.case_number}：经理 {manager} 已介入超时任务「{name}」",
                 "en": f"{breached.case_number}: manager {manager} intervenes on the overdue task '{name}'"}
    return {"title": title, "body": {"zh": note, "en": note}, "case_number": breached.case_number,
            "instance_id": breached.id, "task_id": task.id if task is not None else None,
            "link": f"/cases/{breached.id}"}
