"""How engine rows look in the API (one place, shared by every endpoint)."""
from __future__ import annotations

from typing import Any

from engine import hooks, loader, queries
from engine.clock import isoformat
from engine.forms import describe, text
from engine.identity import SYSTEM
from engine.models import Instance, ModelVersion, Task

SYSTEM_NAME = {"zh": "系统", "en": "System"}
CUSTOMER_NAME = {"zh": "客户", "en": "Customer"}


def person_names(usernames: set[str | None], lang: str) -> dict[str, str]:
    """username -> display name for the people an answer names (the system by its name too)."""
    names = queries.display_names({u for u in usernames if u})
    names[SYSTEM.username] = SYSTEM_NAME.get(lang, SYSTEM_NAME["zh"])
    names.setdefault("customer", CUSTOMER_NAME.get(lang, CUSTOMER_NAME["zh"]))  # through the customer's link
    return names


def role_label(role_id: str | None, lang: str) -> str | None:
    role = hooks.get().roles.get(role_id or "")
    return (role.name_en if lang == "en" else role.name_zh) if role else role_id


def model_item(model: ModelVersion) -> dict[str, Any]:
    return {"process_id": model.process_id, "name": model.name, "version": model.version,
            "deployed_at": isoformat(model.deployed_at), "deployed_by": model.deployed_by,
            "deployed_by_name": person_names({model.deployed_by}, "zh").get(model.deployed_by, model.deployed_by),
            "content_hash": model.content_hash}


def form_of(task: Task, model: ModelVersion | None, lang: str, full: bool) -> dict[str, Any] | None:
    if not task.form_name or model is None:
        return {"name": None, "title": task.name, "fields": []} if full else None
    definition = model.forms.get(task.form_name) or {}
    if full:
        return {"name": task.form_name, **describe(definition, lang)}
    return {"name": task.form_name, "title": text(definition.get("title"), lang) or task.name}


def task_item(task: Task, lang: str = "zh", *, full: bool = False, model: ModelVersion | None = None,
              names: dict[str, str] | None = None) -> dict:
    if model is None:
        instance = queries.instance(task.instance_id)
        model = loader.model(instance.model_version_id) if instance else None
    names = names if names is not None else person_names({task.assignee, task.completed_by}, lang)
    item = {
        "id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
        "element_id": task.element_id, "name": task.name, "role": task.role, "assignee": task.assignee,
        "due_at": isoformat(task.due_at), "form": form_of(task, model, lang, full), "status": task.status,
        "case_number": task.case_number, "customer_name": task.customer_name,
        "created_at": isoformat(task.created_at), "completed_at": isoformat(task.completed_at),
        "completed_by": task.completed_by, "role_name": role_label(task.role, lang),
        "assignee_name": names.get(task.assignee or ""), "completed_by_name": names.get(task.completed_by or ""),
        "process_name": loader.parsed(model).name if model is not None else None,
    }
    if full:
        item["data"], item["draft"] = task.data, task.draft
    return item


def instance_item(instance: Instance, lang: str = "zh", *, detail: bool = True,
                  tasks: list | None = None) -> dict[str, Any]:
    """`tasks`: the case's task rows when the caller has read them already."""
    model = loader.model(instance.model_version_id)
    if tasks is None:
        tasks = queries.tasks_of(instance.id) if detail else []
    names = person_names({instance.started_by} | {t.assignee for t in tasks} | {t.completed_by for t in tasks}, lang)
    item = {
        "id": instance.id, "process_id": instance.process_id, "version": model.version,
        "process_name": loader.parsed(model).name, "status": instance.status, "case_number": instance.case_number,
        "started_at": isoformat(instance.started_at), "started_by": instance.started_by,
        "started_by_name": names.get(instance.started_by, instance.started_by),
        "ended_at": isoformat(instance.ended_at), "error": instance.error,
        "customer_id": instance.customer_id, "customer_name": instance.customer_name,
        "equipment_serial": instance.equipment_serial,
    }
    if detail:
        item["data"] = instance.data
        item["tasks"] = [task_item(t, lang, model=model, names=names) for t in tasks if t.status == "ready"]
        item["completed_tasks"] = [task_item(t, lang, full=True, model=model, names=names)
                                   for t in tasks if t.status == "completed"]
    return item


def event_item(event, names: dict[str, str] | None = None) -> dict[str, Any]:
    names = names if names is not None else person_names({event.actor}, "zh")
    return {"seq": event.seq, "type": event.type, "at": isoformat(event.at), "actor": event.actor,
            "actor_name": names.get(event.actor, event.actor),
            "element_id": event.element_id, "task_id": event.task_id, "data": event.data,
            "hash": event.hash, "prev_hash": event.prev_hash}


def start_form(model: ModelVersion, lang: str) -> dict[str, Any] | None:
    definition = loader.start_form(model)
    if definition is None:
        return None
    return {"name": loader.start_form_name(model), **describe(definition, lang)}
