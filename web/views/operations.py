"""Managers' pages: the actions on a case (suspend, resume, cancel, correct a value, send back,
move to another version — posted from the case page's include `operations/_case_actions.html`) and
the incident list with retry and resolve. Service managers and administrators only; every form
carries the CSRF token and a reason. Each handler reads the form, calls the one engine function the
API calls, and tells the person what happened in the page's words."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine import commands, incidents, migration, operations, queries, recovery
from engine.errors import AftercareError, ValidationFailed
from web.auth import current_actor, roles_required
from web.i18n import current_language, translate
from web.views.labels import N_
from web.views.operations_data import (
    INCIDENT_KINDS,
    RESOLUTIONS,
    case_operations,
    explain,
    incident_rows,
    may_operate,
    reason_text,
)

bp = Blueprint("operations", __name__, url_prefix="/operations")
MANAGERS = operations.SUPERVISORS
PER_PAGE = 30
DONE = {
    "suspend": N_("案件已暂停：任务已移出待办，定时器和时限停止计时。"),
    "resume": N_("案件已恢复：期限顺延了暂停的时间。"),
    "cancel": N_("案件已取消。"),
    "correct": N_("已更正，原值和新值已记入历史。"),
    "send_back": N_("案件已退回，该步骤重新进入待办。"),
    "migrate": N_("案件已迁移到版本 {v}。"),
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def operator() -> bool:
        return getattr(current_user, "is_authenticated", False) and may_operate(current_actor())

    def open_incident_count() -> int:
        return incidents.open_count() if operator() else 0

    def operations_for(instance) -> Any:
        return case_operations(instance, current_language()) if operator() else None

    def incident_rows_of(rows) -> list:
        return incident_rows(list(rows), current_language())

    return {"may_operate": operator, "open_incident_count": open_incident_count, "case_operations": operations_for,
            "incident_rows_of": incident_rows_of, "incident_kinds": INCIDENT_KINDS, "incident_resolutions": RESOLUTIONS,
            "reason_text": reason_text}


def _flash_refusal(exc: AftercareError) -> None:
    if isinstance(exc, ValidationFailed):
        for messages in exc.errors.values():
            for message in messages:
                flash(explain(message), "error")
    else:
        flash(explain(exc.message), "error")


def _back(instance_id: int):
    return redirect(url_for("cases.show", instance_id=instance_id) + "#operations")


def _reason() -> str:
    return request.form.get("reason", "")


# ---------------------------------------------------------------- case actions
CASE_ACTIONS = {"suspend": operations.suspend_instance, "resume": operations.resume_instance,
                "cancel": commands.cancel_instance}


@bp.post("/cases/<int:instance_id>/<action>")
@roles_required(*MANAGERS)
def case_action(instance_id: int, action: str):
    do = CASE_ACTIONS.get(action)
    if do is None:
        abort(404)
    try:
        do(instance_id=instance_id, actor=current_actor(), reason=_reason())
    except AftercareError as exc:
        _flash_refusal(exc)
    else:
        flash(translate(DONE[action]), "success")
    return _back(instance_id)


def _typed(value: str, kind: str) -> Any:
    """A page's text input as the form's field type expects it (the API takes typed JSON)."""
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


@bp.post("/cases/<int:instance_id>/correct")
@roles_required(*MANAGERS)
def correct(instance_id: int):
    form = request.form
    try:
        operations.correct_value(instance_id=instance_id, task_id=form.get("task_id", ""), field=form.get("field", ""),
                                 value=_typed(form.get("value", ""), form.get("type", "")), actor=current_actor(),
                                 reason=_reason(), lang=current_language())
    except AftercareError as exc:
        _flash_refusal(exc)
    else:
        flash(translate(DONE["correct"]), "success")
    return _back(instance_id)


@bp.post("/cases/<int:instance_id>/send-back")
@roles_required(*MANAGERS)
def send_back(instance_id: int):
    try:
        operations.send_back(instance_id=instance_id, element_id=request.form.get("element_id", ""),
                             actor=current_actor(), reason=_reason())
    except AftercareError as exc:
        _flash_refusal(exc)
    else:
        flash(translate(DONE["send_back"]), "success")
    return _back(instance_id)


@bp.post("/cases/<int:instance_id>/migrate")
@roles_required(*MANAGERS)
def migrate(instance_id: int):
    dry_run = request.form.get("dry_run") == "1"
    try:
        version = int(request.form.get("to_version", ""))
    except ValueError:
        version = 0
    try:
        result = migration.migrate_instance(instance_id=instance_id, to_version=version, actor=current_actor(),
                                            reason=_reason(), dry_run=dry_run)
    except AftercareError as exc:
        _flash_refusal(exc)
        return _back(instance_id)
    for problem in result.problems:
        flash(reason_text(problem.code, problem.message, name=problem.name), "error")
    if result.moved:
        flash(translate(DONE["migrate"], v=result.to_version), "success")
    elif dry_run and result.can_move:
        flash(translate("检查通过：案件可以迁移到版本 {v}。", v=result.to_version), "success")
    return _back(instance_id)


# ---------------------------------------------------------------- incidents
def _status_arg() -> str | None:
    wanted = request.args.get("status", "open")
    return wanted if wanted in ("open", "closed") else None


@bp.get("/incidents")
@roles_required(*MANAGERS)
def incident_list():
    status, kind = _status_arg(), request.args.get("kind") if request.args.get("kind") in INCIDENT_KINDS else None
    try:
        page_no = max(1, min(int(request.args.get("page") or 1), 100_000))
    except ValueError:
        page_no = 1
    page = queries.paginate(incidents.incident_query(incidents.IncidentFilter(status=status, kind=kind)),
                            page_no, PER_PAGE)
    return render_template("operations/incidents.html", page=page, rows=incident_rows(page.items, current_language()),
                           status=status or "all", kind=kind)


def _incident_back():
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else
                    url_for("operations.incident_list"))


@bp.post("/incidents/<int:incident_id>/<action>")
@roles_required(*MANAGERS)
def end_incident(incident_id: int, action: str):
    if action not in ("retry", "resolve"):
        abort(404)
    raw = request.form.get("data", "").strip()
    try:
        data = json.loads(raw) if raw else ({} if action == "retry" else None)
    except json.JSONDecodeError:
        flash(translate("数据不是有效的 JSON。"), "error")
        return _incident_back()
    try:
        if action == "retry":
            row = recovery.retry(incident_id=incident_id, actor=current_actor(), reason=_reason(), data=data)
        else:
            row = recovery.resolve(incident_id=incident_id, actor=current_actor(), reason=_reason(),
                                   data=data if data is not None else {})
    except AftercareError as exc:
        _flash_refusal(exc)
        return _incident_back()
    if row.status == "open":
        flash(translate("仍然出错：{message}", message=row.message), "error")
    else:
        flash(translate("故障已处理：{how}。", how=translate(RESOLUTIONS.get(row.resolution, row.resolution))),
              "success")
    return _incident_back()
