"""Who is told what after a command (an after-command hook, inside the command's transaction: a
rolled-back command notifies nobody):

- a task assigned to a person by the diagram, or reassigned to them by a manager;
- a task arriving in a role's queue (new and unassigned, or given back): each member of the role
  as they chose — one notification each, the daily digest (see digest.py) or nothing;
- the person who started a case, when it finishes, is rejected or is cancelled;
- the people a comment mentions (comments.py writes the event, this hook tells them).

Nobody is told about what they did themselves. SLA warnings and breaches are sent by the SLA
timers (workflows/deadlines/sla_tracking.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.audit.queries import COMMENT_FIELDS, DECISION_FIELDS
from engine.db import db
from engine.hooks import CommandContext
from engine.identity import SYSTEM
from engine.models import Instance, Task
from engine.timers import outbox
from workflows.collaboration import notices, preferences

# End events reached after a rejection: the starter was told when the approver said no (a decision
# field false in a completed task), so the end itself tells nobody.
REJECTION_ENDS = {("installation", "end_rejected"), ("compensation_approval", "end_rejected"),
                  ("revisit", "end_declined")}
COMMENT_EVENT = "comment_added"


def on_command(ctx: CommandContext) -> None:
    instance = ctx.instance
    for row in ctx.ready_tasks:
        if row.assignee:
            _tell_assignee(row, instance, ctx, kind="task_assigned")
        else:
            _tell_queue(row, instance, ctx)
    for event in ctx.events:
        kind = event["type"]
        if kind == "task_reassigned":
            _on_reassigned(event, instance, ctx)
        elif kind == "task_unclaimed":
            row = _task(event)
            if row is not None and row.status == "ready" and row.assignee is None:
                _tell_queue(row, instance, ctx)
        elif kind == "task_completed" and _is_rejection(event):
            _tell_rejected(event, instance, ctx)
        elif kind == COMMENT_EVENT:
            _on_comment(event, instance, ctx)
        elif kind in ("instance_completed", "instance_cancelled"):
            _tell_starter(event, instance, ctx)


def _task(event: dict[str, Any]) -> Task | None:
    return db.session.get(Task, event["task_id"]) if event.get("task_id") else None


def _send(usernames: Iterable[str], kind: str, payload: dict[str, Any], instance: Instance,
          ctx: CommandContext) -> None:
    outbox.notify_each(sorted(set(usernames) - {ctx.actor, SYSTEM.username, ""}), kind, payload,
                       instance_id=instance.id, now=ctx.now)


def _tell_assignee(row: Task, instance: Instance, ctx: CommandContext, *, kind: str, **more: Any) -> None:
    payload = notices.compose(kind, notices.task_values(row, instance, **more), **notices.task_extra(row, instance))
    _send([row.assignee], kind, payload, instance, ctx)


def _on_reassigned(event: dict[str, Any], instance: Instance, ctx: CommandContext) -> None:
    row = _task(event)
    data = event.get("data") or {}
    if row is None or not data.get("to"):
        return
    reason = data.get("reason") or ""
    _tell_assignee(row, instance, ctx, kind="task_reassigned", actor=notices.person(ctx.actor),
                   reason={"zh": f"原因：{reason}。", "en": f"Reason: {reason}."} if reason else "")


def _tell_queue(row: Task, instance: Instance, ctx: CommandContext) -> None:
    wanted = [name for name, mode in preferences.queue_members_modes(row.role).items() if mode == "each"]
    if wanted:
        payload = notices.compose("queue_task", notices.task_values(row, instance),
                                  **notices.task_extra(row, instance))
        _send(wanted, "queue_task", payload, instance, ctx)


def _end_of(instance: Instance, ctx: CommandContext) -> str | None:
    """The end event the case finished on (its element id), from this command's events."""
    ends = [e for e in ctx.events if e["type"] == "element_completed"
            and (e.get("data") or {}).get("kind") == "EndEvent"]
    return ends[-1].get("element_id") if ends else None


def _tell_starter(event: dict[str, Any], instance: Instance, ctx: CommandContext) -> None:
    starter = instance.started_by
    if not starter or starter == SYSTEM.username:
        return
    values = {"case": instance.case_number, "customer": instance.customer_name or "—",
              "flow": notices.flow_title(instance.process_id), "actor": notices.person(ctx.actor),
              "reason": (event.get("data") or {}).get("reason", ""), "end": ""}
    if event["type"] == "instance_cancelled":
        kind = "case_cancelled"
    else:
        end = _end_of(instance, ctx)
        if (instance.process_id, end) in REJECTION_ENDS:
            return
        end_event = next((e for e in ctx.events if e.get("element_id") == end), None)
        values["end"] = ((end_event or {}).get("data") or {}).get("name") or ""
        kind = "case_completed"
    _send([starter], kind, notices.compose(kind, values, **notices.case_extra(instance)), instance, ctx)


def _is_rejection(event: dict[str, Any]) -> bool:
    submitted = (event.get("data") or {}).get("submitted") or {}
    return any(submitted.get(name) is False for name in DECISION_FIELDS)


def _tell_rejected(event: dict[str, Any], instance: Instance, ctx: CommandContext) -> None:
    starter = instance.started_by
    if not starter or starter == SYSTEM.username:
        return
    submitted = (event.get("data") or {}).get("submitted") or {}
    comment = next((str(submitted[f]) for f in COMMENT_FIELDS if submitted.get(f)), "")
    row = _task(event)
    values = {"case": instance.case_number, "customer": instance.customer_name or "—",
              "flow": notices.flow_title(instance.process_id), "actor": notices.person(ctx.actor),
              "task": notices.task_title(row, instance) if row is not None else "",
              "comment": {"zh": f"意见：{comment}", "en": f"Comment: {comment}"} if comment else ""}
    _send([starter], "case_rejected", notices.compose("case_rejected", values, **notices.case_extra(instance)),
          instance, ctx)


def _on_comment(event: dict[str, Any], instance: Instance, ctx: CommandContext) -> None:
    data = event.get("data") or {}
    mentioned = data.get("mentions") or []
    if not mentioned:
        return
    values = {"actor": notices.person(ctx.actor), "case": instance.case_number, "body": data.get("body", "")}
    payload = notices.compose("mentioned", values, **notices.case_extra(instance))
    payload["link"] = f"/cases/{instance.id}#comment-{event.get('seq', '')}"
    _send(mentioned, "mentioned", payload, instance, ctx)
