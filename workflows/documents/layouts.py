"""The documents the manual names, and which forms of a case fill each of them.

A document is drawn from one or more forms of its case (the request is the start form); it exists
once its `anchor` form has been submitted, and names that task. A form done twice (a failed
performance test, a step sent back) shows its latest submission.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import loader, queries
from engine.db import db
from engine.forms import text
from engine.models import Instance, Task

START = "start"  # the request: the case's start form
LOG = "log"  # every submitted step, in order: the service log


@dataclass(frozen=True)
class Layout:
    key: str
    title: Mapping[str, str]
    sources: tuple[str, ...]  # form names, START or LOG
    anchor: str | None = None  # the source whose submission makes the document (default: the first)
    customer_facing: bool = True  # handed to the customer (the customer link shows it)

    def name(self, lang: str) -> str:
        return text(self.title, lang)


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


REQUEST = Layout("request", _t("售后服务申请表", "After-sales service request"), (START,))
SERVICE_LOG = Layout("service_log", _t("售后服务备忘录（日志）", "After-sales service log"), (LOG,),
                     customer_facing=False)
COMPENSATION_STEPS = ("compensation_approval/desk_verify", "compensation_approval/manager_approval",
                      "compensation_approval/vp_approval", "compensation_approval/gm_approval")
COMPENSATION_TITLE = _t("售后服务零部件赔偿单", "Parts compensation form")

LAYOUTS: dict[str, tuple[Layout, ...]] = {
    "installation": (
        REQUEST, SERVICE_LOG,
        Layout("goods_count", _t("设备到货清点报告", "Goods arrival count report"), ("installation/goods_count",)),
        Layout("commissioning", _t("设备安装调试资料数据采集清单", "Installation and commissioning data sheet"),
               ("installation/commissioning",)),
        Layout("training", _t("设备培训人员签到表", "Training attendance sheet"), ("installation/training",)),
        Layout("acceptance", _t("设备安装验收单", "Installation acceptance receipt"),
               ("installation/performance_test",)),
        Layout("summary_report", _t("项目售后服务总结报告", "Project service summary report"),
               ("installation/summary_report",), customer_facing=False),  # parts sales, days on site: ours
    ),
    "fault_handling": (
        REQUEST, SERVICE_LOG,
        Layout("service_report", _t("质量故障处理服务报告", "Quality fault service report"),
               ("fault_handling/onsite_investigation", "fault_handling/repair", "fault_handling/inspection_test",
                "fault_handling/trial_run", "fault_handling/service_report"), anchor="fault_handling/service_report"),
        Layout("compensation", COMPENSATION_TITLE, ("fault_handling/repair", *COMPENSATION_STEPS),
               anchor="compensation_approval/desk_verify", customer_facing=False),
    ),
    "compensation_approval": (
        Layout("compensation", COMPENSATION_TITLE, (START, *COMPENSATION_STEPS), customer_facing=False),
        SERVICE_LOG,
    ),
    "compensation_office": (  # the claim's cost and the quality VP's finding, made once both are in
        Layout("office_work", _t("赔偿成本核算与责任认定单", "Compensation cost and responsibility sheet"),
               (START, "compensation_office/cost_recording", "compensation_office/responsibility"),
               anchor="compensation_office/responsibility", customer_facing=False),
    ),
    "revisit": (
        Layout("phone_questionnaire", _t("电话回访跟踪问卷表", "Phone revisit questionnaire"),
               ("revisit/phone_questionnaire",), customer_facing=False),
        Layout("satisfaction_survey", _t("顾客满意度调查表", "Customer satisfaction survey"),
               ("revisit/satisfaction_survey",)),
        Layout("visit_report", _t("客户回访报告", "Customer revisit report"),
               ("revisit/onsite_visit", "revisit/visit_report"), anchor="revisit/visit_report"),
        SERVICE_LOG,
    ),
    "complaint": (
        Layout("complaint_receipt", _t("客户投诉处理单", "Complaint handling receipt"),
               (START, "complaint/handling", "complaint/confirm")),  # the response plan stays inside
        SERVICE_LOG,
    ),
    "tech_support": (
        Layout("tech_answer", _t("技术答复单", "Technical answer"), (START, "tech_support/answer"),
               anchor="tech_support/answer"),
    ),
}


@dataclass
class Section:
    """One submitted form in a document."""

    form: str  # form name, or START
    title: str
    definition: Mapping[str, Any] | None
    data: Mapping[str, Any]
    task: Task | None  # None for the request
    by: str | None
    at: dt.datetime | None


@dataclass
class CaseDocument:
    layout: Layout
    title: str
    task_id: str | None
    sections: list[Section] = field(default_factory=list)


DEFAULT_LAYOUTS = (REQUEST, SERVICE_LOG)  # any other flow: what was asked, and what was done


def layouts_of(process_id: str) -> tuple[Layout, ...]:
    return LAYOUTS.get(process_id, DEFAULT_LAYOUTS)


def layout(process_id: str, key: str) -> Layout | None:
    return next((item for item in layouts_of(process_id) if item.key == key), None)


def _start_section(instance: Instance, lang: str) -> Section | None:
    started = db.session.execute(queries.events_query(instance.id, types=["instance_started"]).limit(1)
                                 ).scalar_one_or_none()
    if started is None:
        return None
    definition = loader.start_form(instance.model)
    return Section(START, text((definition or {}).get("title"), lang), definition,
                   (started.data or {}).get("start_data") or {}, None, instance.started_by, started.at)


def _task_section(instance: Instance, task: Task, lang: str) -> Section:
    definition = instance.model.forms.get(task.form_name or "")
    title = text((definition or {}).get("title"), lang) or task.name
    return Section(task.form_name or "", title, definition, task.data or {}, task, task.completed_by,
                   task.completed_at)


def _latest_by_form(instance: Instance) -> tuple[dict[str, Task], list[Task]]:
    order = queries.completion_order(instance.id)
    done = [t for t in queries.tasks_of(instance.id, "completed") if t.form_name]
    done.sort(key=lambda t: (order.get(t.id, 1 << 30), t.completed_at or dt.datetime.min, t.id))
    return {t.form_name: t for t in done}, done


def case_documents(instance: Instance, lang: str) -> list[CaseDocument]:
    """The documents the case has produced so far, in the layout's order."""
    latest, done = _latest_by_form(instance)
    start = _start_section(instance, lang)
    found = []
    for item in layouts_of(instance.process_id):
        sections = []
        for source in item.sources:
            if source == START and start is not None:
                sections.append(start)
            elif source == LOG:
                sections += [_task_section(instance, t, lang) for t in done]
            elif source in latest:
                sections.append(_task_section(instance, latest[source], lang))
        anchor = item.anchor or item.sources[0]
        anchored = next((s for s in sections if s.form == anchor or anchor == LOG), None)
        if anchored is None:
            continue
        found.append(CaseDocument(item, item.name(lang), anchored.task.id if anchored.task else None, sections))
    return found


def case_document(instance: Instance, key: str, lang: str) -> CaseDocument | None:
    return next((d for d in case_documents(instance, lang) if d.layout.key == key), None)
