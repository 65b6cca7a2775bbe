"""What the managers' operation pages show: the actions a case offers (for the case page's include),
the words for the engine's reasons, and the incident list's rows — read from the flat tables."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import incidents, loader, operations, queries
from engine.audit import chain as audit
from engine.db import db
from engine.forms import text
from engine.identity import Actor
from engine.models import AuditEvent, Instance, Timer
from web.i18n import translate
from web.views import labels
from web.views.form_view import shown
from web.views.labels import N_
from web.views.page_data import element_titles, task_title

CORRECTABLE = ("string", "text", "integer", "number", "boolean", "date", "datetime", "enum")
INCIDENT_KINDS = {"script": N_("脚本出错"), "service": N_("服务调用失败"), "engine": N_("流程出错"),
                  "timer": N_("定时器失败"), "notification": N_("通知发送失败")}
RESOLUTIONS = {"retried": N_("已重试"), "resolved": N_("已按给定值处理"), "cleared": N_("已自行恢复"),
               "case_ended": N_("案件已结束")}
# why a case cannot move to another version, or why a bulk action skipped it (engine codes)
REASONS = {
    "current_step_removed": N_("当前步骤“{name}”在新版本中不存在"),
    "passed_step_removed": N_("已经过的步骤“{name}”在新版本中不存在"),
    "step_kind_changed": N_("当前步骤“{name}”在新版本中是另一种元素"),
    "subprocess_removed": N_("正在运行的子流程“{name}”在新版本中不存在"),
    "form_missing": N_("当前步骤“{name}”的表单在新版本中不存在"),
    "step_not_mapped": N_("步骤“{name}”在新版本中没有对应位置"),
    "state_invalid": N_("案件状态无法在新版本中载入"),
    "same_version": N_("案件已在这个版本"),
    "suspended": N_("案件已暂停，请先恢复"),
    "not_open": N_("案件已结束"),
    "status": N_("案件状态为“{status}”，不适用"),
    "no_task": N_("没有此人可以接手的任务"),
    "no_incident": N_("案件没有待处理的故障"),
}
# the engine's English messages for a refused request, in the page's words
MESSAGES = (
    (r"^a reason is required", N_("请填写原因。")),
    (r"^the reason is longer than", N_("原因不能超过 500 个字。")),
    (r"^a (?P<status>\w+) case cannot be", N_("案件当前状态为“{status}”，不能执行这个操作。")),
    (r"^the case is already (?P<status>\w+)", N_("案件当前状态为“{status}”，不能执行这个操作。")),
    (r"is not a field of this task's form$", N_("这个表单没有该字段。")),
    (r"^the new value is the value already recorded$", N_("新值与原来的值相同。")),
    (r"^only a submitted form can be corrected", N_("只能更正已经提交的表单。")),
    (r"^this step was undone", N_("这个步骤已被退回重做，请更正重做后的提交。")),
    (r"is not a form this case has submitted$", N_("案件还没有提交过这个步骤。")),
    (r"^name the step to send the case back to$", N_("请选择要退回到的步骤。")),
    (r"^name the form field to correct$", N_("请选择要更正的字段。")),
    (r"^the case is suspended: resume it first$", N_("案件已暂停，请先恢复。")),
    (r"^the step is no longer failing$", N_("这个步骤已不再出错。")),
    (r"^incident \d+ is already closed", N_("这个故障已经处理过了。")),
    (r"^the case waits on this diagram timer", N_("案件正在等待这个流程定时器，只能重试。")),
    (r"^give the values as an object", N_("请按 JSON 对象填写数据。")),
    (r"is not a name the diagram can use$", N_("数据里有无效的字段名。")),
    (r"^the values must be under 64 KB$", N_("数据不能超过 64 KB。")),
    (r"^the value must be under 64 KB$", N_("数据不能超过 64 KB。")),
    (r"^version \d+ of '.*' is not deployed$", N_("这个版本没有部署。")),
    (r"^give the version number to move to$", N_("请选择目标版本。")),
    (r"^choose the cases", N_("请选择案件：填写案件编号或至少一个筛选条件。")),
    (r"^more than \d+ cases match", N_("符合条件的案件超过 500 个，请缩小范围。")),
    (r"^name the person to give the tasks to$", N_("请选择接手的人。")),
    (r"^no user '", N_("没有这个用户。")),
    (r"^the notification of this incident no longer exists$", N_("这个故障的通知已不存在。")),
    (r"^the case has no open incident", N_("案件没有待处理的故障。")),
    (r"^give either ids or filter$", N_("请填写案件编号或筛选条件（二选一）。")),
)


def explain(message: str) -> str:
    for pattern, words in MESSAGES:
        match = re.search(pattern, message)
        if match:
            values = {k: translate(labels.CASE_STATUS.get(v, v)) for k, v in match.groupdict().items()}
            return translate(words, **values)
    return message


def reason_text(code: str | None, message: str, *, name: str | None = None, status: str | None = None) -> str:
    words = REASONS.get(code or "")
    if words is None:
        return explain(message)
    return translate(words, name=name or "", status=translate(labels.CASE_STATUS.get(status or "", status or "")))


# ---------------------------------------------------------------- the case page's actions
@dataclass
class FieldToCorrect:
    name: str
    label: str
    type: str
    shown: str  # the current value as people read it
    value: Any  # the current stored value (the input's default)
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label) of an enum


@dataclass
class StepToCorrect:
    task_id: str
    title: str
    fields: list[FieldToCorrect]


@dataclass
class CaseOperations:
    instance: Instance
    rework_steps: list[tuple[str, str]]  # (element id, title)
    corrections: list[StepToCorrect]
    versions: list[int]  # versions it could move to
    incidents: list[incidents.Incident]
    suspended: AuditEvent | None
    suspended_by: str | None  # by name
    element_names: dict[str, str]

    @property
    def status(self) -> str:
        return self.instance.status

    @property
    def is_open(self) -> bool:
        return self.status not in ("completed", "cancelled")


def _fields(definition: dict[str, Any] | None, data: dict[str, Any] | None, lang: str) -> list[FieldToCorrect]:
    found = []
    for spec in (definition or {}).get("fields", []):
        if spec.get("type") not in CORRECTABLE:
            continue
        value = (data or {}).get(spec["name"])
        view = shown({"fields": [spec]}, {spec["name"]: value}, lang, lambda b: translate(labels.YES_NO[b]))
        choices = [(str(c["value"]), text(c.get("label"), lang) or str(c["value"])) for c in spec.get("choices", [])]
        found.append(FieldToCorrect(spec["name"], text(spec.get("label"), lang) or spec["name"], spec["type"],
                                    str(view[0].value) if view else "—", value, choices))
    return found


def case_operations(instance: Instance, lang: str) -> CaseOperations:
    model = loader.model(instance.model_version_id)
    done = set(audit.last_state(audit.instance_stream(instance.id)).get("completed") or [])
    steps = [row for row in operations.reworkable_steps(instance) if row.element_id in done]
    corrections = [StepToCorrect(row.id, task_title(row, model, lang),
                                 _fields(model.forms.get(row.form_name or ""), row.data, lang)) for row in steps]
    versions = [v.version for v in loader.versions(instance.process_id) if v.version != model.version]
    suspended = operations.suspended_since(instance.id) if instance.status == "suspended" else None
    by = queries.display_names({suspended.actor}).get(suspended.actor, suspended.actor) if suspended else None
    return CaseOperations(
        instance=instance, rework_steps=[(row.element_id, task_title(row, model, lang)) for row in steps],
        corrections=[c for c in corrections if c.fields], versions=versions,
        incidents=incidents.open_of(instance.id),
        suspended=suspended, suspended_by=by, element_names=element_titles(model, lang))


def may_operate(actor: Actor) -> bool:
    return actor.has_role(*operations.SUPERVISORS)


# ---------------------------------------------------------------- incident rows
@dataclass
class IncidentRow:
    incident: incidents.Incident
    case_number: str | None
    step: str | None  # the failed element's name
    resolvable: bool  # "resolve with a value" applies (not to a diagram's own timer: the case waits on it)
    closed_by: str | None  # who ended it, by name


def _step_names(rows: list[incidents.Incident], lang: str) -> dict[int, str]:
    titles: dict[int, dict[str, str]] = {}
    found = {}
    for row in rows:
        if row.instance_id and row.element_id and row.kind in incidents.TASK_KINDS + ("timer",):
            case = queries.instance(row.instance_id)
            if case.model_version_id not in titles:
                titles[case.model_version_id] = element_titles(loader.model(case.model_version_id), lang)
            if row.element_id in titles[case.model_version_id]:
                found[row.id] = titles[case.model_version_id][row.element_id]
    return found


def incident_rows(rows: list[incidents.Incident], lang: str) -> list[IncidentRow]:
    numbers = queries.case_numbers({r.instance_id for r in rows if r.instance_id})
    names = queries.display_names({r.closed_by for r in rows if r.closed_by})
    steps = _step_names(rows, lang)
    timer_kinds = dict(db.session.execute(sa.select(Timer.id, Timer.kind).where(
        Timer.id.in_([r.timer_id for r in rows if r.timer_id]))).all()) if any(r.timer_id for r in rows) else {}
    return [IncidentRow(row, numbers.get(row.instance_id or 0), steps.get(row.id),
                        row.kind != "timer" or timer_kinds.get(row.timer_id) != "bpmn",
                        names.get(row.closed_by or "", row.closed_by)) for row in rows]
