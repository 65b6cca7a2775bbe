from __future__ import annotations

from engine import commands, queries
from engine.clock import now
from engine.errors import Forbidden, NotFound
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.api.present import instance_item, person_names, task_item
from web.auth import current_actor
from web.schemas import Instance, TaskComplete, TaskItem, TaskReassign, TasksQuery, page_of


def _visible_task(task_id: str):
    task = queries.task(task_id)
    actor = current_actor()
    if task is None:
        raise NotFound(f"no task '{task_id}'", task_id=task_id)
    if not commands.can_view(task, actor):
        raise Forbidden(f"this task needs the role '{task.role}'", task_id=task_id, role=task.role)
    return task


@bp.get("/tasks")
@doc(summary="Tasks: mine (assigned to me), role (unassigned in my roles) or all I may see", tag="tasks",
     query=TasksQuery, response=page_of(TaskItem, "TaskPage"))
def list_tasks():
    args = parse_query(TasksQuery)
    per_page, page_no, cursor = args.pop("per_page"), args.pop("page"), args.pop("cursor", None)
    flt = queries.TaskFilter(now=now(), **args)
    page = queries.page_of(queries.task_query(current_actor(), flt), queries.task_order(flt.sort), page=page_no,
                           per_page=per_page, cursor=cursor)
    models = queries.models_for({t.instance_id for t in page.items})
    language = lang()
    names = person_names({t.assignee for t in page.items} | {t.completed_by for t in page.items}, language)
    return envelope(page, lambda t: task_item(t, language, model=models.get(t.instance_id), names=names))


@bp.get("/tasks/<task_id>")
@doc(summary="One task with its full form", tag="tasks", response=TaskItem, errors=(401, 403, 404))
def get_task(task_id: str):
    return task_item(_visible_task(task_id), lang(), full=True)


@bp.post("/tasks/<task_id>/claim")
@doc(summary="Take an unassigned task of one of my roles", tag="tasks", response=TaskItem,
     errors=(401, 403, 404, 409))
def claim_task(task_id: str):
    return task_item(commands.claim_task(task_id=task_id, actor=current_actor()), lang())


@bp.post("/tasks/<task_id>/unclaim")
@doc(summary="Give a claimed task back to its role's queue", tag="tasks", response=TaskItem,
     errors=(401, 403, 404, 409))
def unclaim_task(task_id: str):
    return task_item(commands.unclaim_task(task_id=task_id, actor=current_actor()), lang())


@bp.post("/tasks/<task_id>/reassign")
@doc(summary="Assign a task to a named user (service manager)", tag="tasks", body=TaskReassign,
     response=TaskItem, errors=(401, 403, 404, 409, 422))
def reassign_task(task_id: str):
    commands.require_supervisor(current_actor(), commands.REASSIGN_REFUSED, task_id=task_id)
    body = parse_body(TaskReassign)
    row = commands.reassign_task(task_id=task_id, assignee=body["assignee"], reason=body["reason"],
                                 actor=current_actor())
    return task_item(row, lang())


@bp.post("/tasks/<task_id>/draft")
@doc(summary="Save unfinished form data on the task (no validation, no state change)", tag="tasks",
     body=TaskComplete, response=TaskItem, errors=(401, 403, 404, 409, 422))
def save_draft(task_id: str):
    body = parse_body(TaskComplete)
    return task_item(commands.save_draft(task_id=task_id, data=body["data"], actor=current_actor()), lang(),
                     full=True)


@bp.post("/tasks/<task_id>/complete")
@doc(summary="Complete a task with its form data; the case runs on", tag="tasks", body=TaskComplete,
     response=Instance, errors=(401, 403, 404, 409, 422))
def complete_task(task_id: str):
    body = parse_body(TaskComplete)
    actor = current_actor()
    instance = commands.complete_task(task_id=task_id, data=body["data"], actor=actor, lang=lang())
    tasks = queries.tasks_of(instance.id)  # read once: the case's tasks and the caller's next one
    item = instance_item(instance, lang(), tasks=tasks)
    mine = [t for t in tasks if t.status == "ready" and commands.can_act(t, actor)]
    item["next_task_id"] = mine[0].id if mine else None
    return item
