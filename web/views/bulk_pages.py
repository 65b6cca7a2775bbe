"""Managers' pages over many cases: bulk actions (choose the cases, preview, run, see each case's
result) and where the cases of a process version wait (counts on the diagram, clicking through to
the cases). Service managers and administrators only."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from engine import bulk, loader, queries, waiting_cases
from engine.errors import AftercareError, ValidationFailed
from engine.identity import users_with_role
from web.auth import current_actor, roles_required
from web.views.labels import N_
from web.views.operations_data import explain, reason_text

bp = Blueprint("bulk", __name__, url_prefix="/operations")
MANAGERS = ("service_manager", "admin")
ACTIONS = {"suspend": N_("暂停"), "resume": N_("恢复"), "cancel": N_("取消"), "reassign": N_("改派任务"),
           "migrate": N_("迁移到其他版本"), "retry": N_("重试故障")}
OUTCOMES = {"would_do": N_("将执行"), "would_skip": N_("将跳过"), "done": N_("已完成"), "skipped": N_("已跳过"),
            "failed": N_("失败")}
STATUSES = ("running", "waiting", "error", "suspended")
MAX_REFERENCES = bulk.MAX_CASES


def _references(text: str) -> tuple[list[int] | None, list[str] | None]:
    """Case ids and case numbers from a pasted list (spaces, commas or new lines between them)."""
    words = [w for w in re.split(r"[\s,，;；]+", text.strip()) if w][:MAX_REFERENCES + 1]
    if not words:
        return None, None
    if len(words) > MAX_REFERENCES:
        raise ValidationFailed({"filter": [f"more than {MAX_REFERENCES} cases match"]})
    ids = [int(w) for w in words if w.isdigit() and len(w) < 19]
    numbers = [w[:40] for w in words if not w.isdigit()]
    return ids or None, numbers or None


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 8 else None


def _choice(form) -> dict[str, Any]:
    """What the form chose, as given (to show it again)."""
    return {key: (form.get(key) or "").strip()[:2000] for key in (
        "action", "ids", "process_id", "version", "status", "q", "reason", "assignee", "to_version")}


def _filter(chosen: dict[str, Any]) -> bulk.CaseFilter:
    ids, numbers = _references(chosen["ids"])
    return bulk.CaseFilter(ids=ids, case_numbers=numbers, process_id=chosen["process_id"][:80] or None,
                           status=chosen["status"] if chosen["status"] in STATUSES else None,
                           version=_number(chosen["version"]), q=chosen["q"][:200] or None)


def _people() -> list[tuple[str, str]]:
    """Who tasks may be handed to (by name), for the reassign action."""
    people = {u.username: u.display_name or u.username
              for role in (*MANAGERS, "service_desk", "engineer", "sales") for u in users_with_role(role)}
    return sorted(people.items(), key=lambda item: item[1])


def _page(chosen: dict[str, Any], report=None, errors: list[str] | None = None, status: int = 200):
    return render_template("operations/bulk.html", chosen=chosen, report=report, errors=errors or [],
                           actions=ACTIONS, outcomes=OUTCOMES, statuses=STATUSES, flows=loader.latest_all(),
                           people=_people(), reason_text=reason_text), status


@bp.get("/bulk")
@roles_required(*MANAGERS)
def form():
    return _page(_choice(request.args))


@bp.post("/bulk")
@roles_required(*MANAGERS)
def run():
    chosen = _choice(request.form)
    dry_run = request.form.get("dry_run") == "1"
    try:
        report = bulk.run(action=chosen["action"], actor=current_actor(), cases=_filter(chosen),
                          reason=chosen["reason"], dry_run=dry_run, assignee=chosen["assignee"] or None,
                          to_version=_number(chosen["to_version"]))
    except AftercareError as exc:
        messages = [m for ms in exc.errors.values() for m in ms] if isinstance(exc, ValidationFailed) else [exc.message]
        return _page(chosen, errors=[explain(m) for m in messages], status=422 if isinstance(exc, ValidationFailed)
                     else 409 if exc.code == "conflict" else 404)
    return _page(chosen, report=report)


# ---------------------------------------------------------------- where cases wait
@bp.get("/waiting")
@roles_required(*MANAGERS)
def waiting_index():
    return render_template("operations/waiting_index.html", versions=waiting_cases.versions_with_cases())


def _version(process_id: str, version: int):
    model = queries.model_version(process_id, version)
    if model is None:
        abort(404)
    return loader.model(model.id)


@bp.get("/waiting/<process_id>/<int:version>")
@roles_required(*MANAGERS)
def waiting(process_id: str, version: int):
    model = _version(process_id, version)
    found = waiting_cases.waiting_map(model)
    element = request.args.get("element", "")[:120] or None
    cases = waiting_cases.cases_at(model, element) if element else []
    return render_template("operations/waiting.html", model=model, found=found, element=element, cases=cases,
                           counts={k: v.to_dict() for k, v in found.steps.items()})


@bp.get("/waiting/<process_id>/<int:version>/diagram.bpmn")
@roles_required(*MANAGERS)
def waiting_diagram(process_id: str, version: int):
    model = _version(process_id, version)
    source = model.sources.get(model.main_file) or next(iter(model.sources.values()), "")
    response = Response(source, mimetype="application/xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
