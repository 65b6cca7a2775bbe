"""The auditor's pages: a case's history, the step-by-step replay, the re-execution check, the
printable report, archiving, and the search across cases."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import archive, hooks, integrity, loader, queries
from engine.audit import chain as audit
from engine.audit import queries as audit_queries
from engine.clock import as_aware, now
from engine.forms import text
from engine.jsonutil import dumps
from engine.models import Instance
from web.api.base import parse_query
from web.api.history import (
    SEARCHERS,
    CaseSearchQuery,
    HistoryQuery,
    ReplayQuery,
    archive_dir,
    archive_key,
    chain_of,
    check_report,
    history_of,
    search_page,
    step_item,
)
from web.auth import current_actor, roles_required
from web.i18n import current_language, translate
from web.views.case_words import CaseWords, starter_name

bp = Blueprint("history", __name__)

EVENT_LABELS = {
    "instance_started": "启动案件", "task_ready": "任务待办", "task_completed": "提交任务", "task_claimed": "领取任务",
    "task_unclaimed": "退回任务", "task_reassigned": "改派任务", "task_cancelled": "任务取消",
    "gateway_taken": "网关分支", "timer_fired": "定时器触发", "element_completed": "环节完成",
    "element_started": "环节开始", "element_failed": "环节出错", "instance_error": "案件出错",
    "instance_completed": "案件完成", "instance_cancelled": "案件撤销", "case_archived": "案件归档",
    "sla_started": "时限开始计时", "sla_warning": "时限预警", "sla_breached": "超出时限", "sla_closed": "时限结束",
    "sla_unscheduled": "时限无法计算", "sla_intervention": "经理介入", "timer_failed": "定时器失败",
    "timer_retried": "定时器重试", "instance_suspended": "案件暂停", "instance_resumed": "案件恢复",
    "task_corrected": "更正数据", "instance_sent_back": "退回重做", "instance_migrated": "迁移版本",
    "incident_retried": "故障重试", "incident_resolved": "故障按给定值处理", "timer_resolved": "定时器故障已处理",
    "notification_retried": "通知重发", "notification_resolved": "通知故障已处理",
    "customer_survey_answered": "客户满意度评价",
}
CATEGORY_LABELS = {
    "input": "提交的数据", "approval": "审批", "task": "任务", "timer": "定时器", "sla": "时限", "admin": "管理操作",
    "engine": "流程引擎", "error": "错误", "other": "其他",
}
STATUS_LABELS = {"running": "进行中", "waiting": "等待中", "completed": "已完成", "cancelled": "已撤销",
                 "error": "出错", "suspended": "已暂停"}
SET_LABELS = {"completed": "已完成", "active": "进行中", "waiting": "等待中", "error": "出错"}


# ---------------------------------------------------------------- template helpers
def local_time(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    return as_aware(when).astimezone(ZoneInfo(hooks.get().timezone)).strftime("%Y-%m-%d %H:%M:%S")


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate("是") if value else translate("否")
    if isinstance(value, dict | list):
        return dumps(value)
    return str(value)


def field_labels(instance: Instance) -> dict[str, str]:
    """Form field name -> its label in the reader's language, over every form of the pinned version
    (the start form first: its labels name the case's own data)."""
    model = loader.model(instance.model_version_id)
    labels: dict[str, str] = {"case_number": translate("案件号")}
    forms = [loader.start_form(model) or {}, *(model.forms or {}).values()]
    for definition in forms:
        for spec in definition.get("fields", []):
            labels.setdefault(spec["name"], text(spec.get("label"), current_language()) or spec["name"])
    return labels


def form_labels(instance: Instance) -> dict[str, dict[str, str]]:
    """Form name -> field name -> label: a submitted value is named as its own form names it."""
    lang = current_language()
    return {name: {spec["name"]: text(spec.get("label"), lang) or spec["name"] for spec in definition.get("fields", [])}
            for name, definition in (loader.model(instance.model_version_id).forms or {}).items()}


def translated(table: dict[str, str]) -> dict[str, str]:
    return {key: translate(label) for key, label in table.items()}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    english = current_language() == "en"
    roles = {role.id: role.name_en if english else role.name_zh for role in hooks.get().roles.values()}
    return {"local_time": local_time, "show_value": show_value, "event_labels": translated(EVENT_LABELS),
            "category_labels": translated(CATEGORY_LABELS), "status_labels": translated(STATUS_LABELS),
            "role_labels": roles}


def _case_context(instance: Instance) -> dict[str, Any]:
    lang = current_language()
    return {"instance": instance, "model": loader.model(instance.model_version_id), "chain": chain_of(instance),
            "names": audit_queries.element_names(instance), "fields": field_labels(instance),
            "form_fields": form_labels(instance), "words": CaseWords(instance, audit.events_of(instance.id), lang),
            "starter": starter_name(instance, lang)}


def integrity_link(report: integrity.IntegrityReport) -> str:
    """Where the notification of a failed nightly check leads (the scheduler has no request to build
    URLs from): the re-execution check of the first case concerned, else the auditors' search."""
    instance_id = integrity.first_case(report)
    return f"/cases/{instance_id}/check" if instance_id is not None else "/audit/cases"


# ---------------------------------------------------------------- pages
@bp.get("/cases/<int:instance_id>/history")
def history(instance_id: int):
    actor = current_actor()
    instance = queries.readable_case(instance_id, actor)
    args = parse_query(HistoryQuery)
    return render_template(
        "history/history.html", **_case_context(instance), entries=history_of(instance, args), filters=args,
        actors=audit_queries.actors_of(instance.id), types=audit_queries.types_of(instance.id),
        categories=audit_queries.CATEGORIES, archived=archive.archived_event(instance.id),
        may_archive=actor.has_role(*archive.ARCHIVERS) and instance.status in archive.FINISHED)


@bp.get("/cases/<int:instance_id>/replay")
def replay(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    steps = audit_queries.step_count(instance.id)
    start = parse_query(ReplayQuery).get("step") or 1
    model = loader.model(instance.model_version_id)
    config = {
        "api": url_for("history.replay_step", instance_id=instance.id), "steps": steps, "start": min(start, steps),
        "xml": model.sources.get(model.main_file), "timezone": hooks.get().timezone, "lang": current_language(),
        "names": audit_queries.element_names(instance), "fields": field_labels(instance),
        "formFields": form_labels(instance),
        "labels": {"events": translated(EVENT_LABELS), "sets": translated(SET_LABELS), **_script_labels()},
    }
    return render_template("history/replay.html", **_case_context(instance), config=config, steps=steps)


@bp.get("/cases/<int:instance_id>/replay/step")
def replay_step(instance_id: int):
    """One replay step for the page: the API's step plus everything in people's words."""
    instance = queries.readable_case(instance_id, current_actor())
    lang = current_language()
    state = audit_queries.replay_step(instance, parse_query(ReplayQuery).get("step"), lang=lang)
    words = CaseWords(instance, audit.events_of(instance.id), lang)
    event, entry = state.entry.event, state.entry
    decision = entry.decision
    item = step_item(state)
    item["display"] = {
        "actor": words.person(event.actor), "at": local_time(event.at),
        "element": entry.element_name or "",
        "changes": words.changes(entry.changes, (event.data or {}).get("form")),
        "detail": "" if entry.changes else words.describe(event.data),
        "decision": None if decision is None or isinstance(decision, bool) else words.value("decision", decision),
        "data": words.data(state.data)}
    return item


def _script_labels() -> dict[str, str]:
    words = ("步骤", "时间", "操作人", "事件", "环节", "审批结果", "审批意见", "同意", "不同意", "字段", "修改前",
             "修改后", "是", "否", "此流程图没有图形信息，仅显示步骤。", "无法显示流程图：", "加载失败：", "无")
    return {word: translate(word) for word in words}


@bp.get("/cases/<int:instance_id>/check")
def check(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    return render_template("history/check.html", **_case_context(instance), report=check_report(instance))


@bp.get("/cases/<int:instance_id>/report")
def report(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    model = loader.model(instance.model_version_id)
    final = step_item(audit_queries.replay_step(instance)) if audit_queries.step_count(instance.id) else None
    config = {"mode": "report", "xml": model.sources.get(model.main_file), "final": final,
              "labels": _script_labels()}
    return render_template("history/report.html", **_case_context(instance), entries=history_of(instance, {}),
                           config=config, printed_at=now(),
                           printed_by=queries.display_names({current_actor().username}).get(current_actor().username),
                           content_hash=model.content_hash, process_name=loader.parsed(model).name)


@bp.post("/cases/<int:instance_id>/archive")
@roles_required(*archive.ARCHIVERS)
def archive_case(instance_id: int):
    queries.readable_case(instance_id, current_actor())
    result = archive.archive_case(instance_id, key=archive_key(), actor=current_actor(), now=now(),
                                  directory=archive_dir())
    flash(translate("已归档：{file}（SHA-256 {sha}）", file=result.path.name, sha=result.sha256[:16]), "success")
    return redirect(url_for("history.history", instance_id=instance_id))


@bp.get("/audit/cases")
@roles_required(*SEARCHERS)
def search():
    args = parse_query(CaseSearchQuery)
    page, approvers = search_page(args)
    return render_template("history/search.html", page=page, approvers=approvers, filters=request.args,
                           models=loader.latest_all(), pages=max(1, -(-page.total // page.per_page)))
