"""How engine rows look in the API (one place, shared by every endpoint)."""
from __future__ import annotations

from typing import Any

from engine import loader, queries
from engine.clock import isoformat
from engine.forms import describe, text
from engine.models import Instance, ModelVersion, Task


def model_item(model: ModelVersion) -> dict[str, Any]:
    return {"process_id": model.process_id, "name": model.name, "version": model.version,
            "deployed_at": isoformat(model.deployed_at), "deployed_by": model.deployed_by,
            "content_hash": model.content_hash}


def form_of(task: Task, model: ModelVersion | None, lang: str, full: bool) -> dict[str, Any] | None:
    if not task.form_name or model is None:
        return {"name": None, "title": task.name, "fields": []} if full else None
    definition = model.forms.get(task.form_name) or {}
    if full:
        return {"name": task.form_name, **describe(definition, lang)}
    return {"name": task.form_name, "title": text(definition.get("title"), lang) or task.name}


def task_item(task: Task, lang: str = "zh", *, full: bool = False, model: ModelVersion | None = None) -> dict:
    if model is None:
        instance = queries.instance(task.instance_id)
        model = loader.model(instance.model_version_id) if instance else None
    item = {
        "id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
        "element_id": task.element_id, "name": task.name, "role": task.role, "assignee": task.assignee,
        "due_at": isoformat(task.due_at), "form": form_of(task, model, lang, full), "status": task.status,
        "case_number": task.case_number, "customer_name": task.customer_name,
        "created_at": isoformat(task.created_at), "completed_at": isoformat(task.completed_at),
        "completed_by": task.completed_by,
    }
    if full:
        item["data"], item["draft"] = task.data, task.draft
    return item


def instance_item(instance: Instance, lang: str = "zh", *, detail: bool = True) -> dict[str, Any]:
    model = loader.model(instance.model_version_id)
    item = {
        "id": instance.id, "process_id": instance.process_id, "version": model.version,
        "status": instance.status, "case_number": instance.case_number,
        "started_at": isoformat(instance.started_at), "started_by": instance.started_by,
        "ended_at": isoformat(instance.ended_at), "error": instance.error,
        "customer_name": instance.customer_name,
    }
    if detail:
        tasks = queries.tasks_of(instance.id)
        item["data"] = instance.data
        item["tasks"] = [task_item(t, lang, model=model) for t in tasks if t.status == "ready"]
        item["completed_tasks"] = [task_item(t, lang, full=True, model=model)
                                   for t in tasks if t.status == "completed"]
    return item


def event_item(event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "at": isoformat(event.at), "actor": event.actor,
            "element_id": event.element_id, "task_id": event.task_id, "data": event.data,
            "hash": event.hash, "prev_hash": event.prev_hash}


def start_form(model: ModelVersion, lang: str) -> dict[str, Any] | None:
    definition = loader.start_form(model)
    if definition is None:
        return None
    return {"name": loader.start_form_name(model), **describe(definition, lang)}
