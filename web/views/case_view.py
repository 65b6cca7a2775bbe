"""What the case page shows: the pinned diagram's marks, the timeline, the submitted forms, the
case's SLAs and other deadlines, and its documents — for those who may read the case."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine import attachments, queries
from engine.audit import chain as audit
from engine.forms import text
from engine.identity import SYSTEM, Actor
from engine.models import Attachment, AuditEvent, Instance
from web.i18n import current_language, translate
from web.views import labels
from web.views.labels import N_
from web.views.page_data import CaseSummary, case_summary, element_titles
from web.views.ui import due_state, role_name
from workflows.deadlines import sla


@dataclass
class TimelineItem:
    event: AuditEvent
    label: str  # catalog key
    subject: str  # the task or element it concerns
    detail: str
    main: bool


@dataclass
class Deadline:
    title: str
    role: str
    due_at: dt.datetime | None
    state: str  # ok / warn / late / met / missed / cancelled / unscheduled
    done_at: dt.datetime | None
    sla_rule: str | None = None  # an SLA of the case, or just a task's due date
    task_id: str | None = None


@dataclass
class Document:
    attachment: Attachment
    step: str


@dataclass
class CasePage:
    summary: CaseSummary
    timeline: list[TimelineItem]
    marks: dict[str, list[str]]
    deadlines: list[Deadline]
    documents: list[Document]
    version: int


def _timeline(events: list[AuditEvent], titles: dict[str, str], task_titles: dict[str, str],
              names: dict[str, str]) -> list[TimelineItem]:
    items = []
    for event in events:
        data = event.data or {}
        subject = task_titles.get(event.task_id or "") or titles.get(event.element_id or "") or data.get("name", "")
        detail = ""
        if event.type == "gateway_taken":
            detail = " / ".join(titles[t] for t in data.get("to", []) if titles.get(t, t) != t)
        elif event.type == "task_reassigned":
            detail = f"{names.get(data.get('from') or '', data.get('from') or '—')} → " \
                     f"{names.get(data.get('to') or '', data.get('to') or '')}"
            if data.get("reason"):
                detail += f"（{data['reason']}）"
        elif event.type in ("instance_error", "element_failed"):
            detail = data.get("message", "")
        elif event.type == "task_corrected":
            label = text(data.get("label"), current_language()) or data.get("field")
            detail = f"{label}: {_plain(data.get('before'), data.get('field'))} → " \
                     f"{_plain(data.get('after'), data.get('field'))}（{data.get('reason', '')}）"
        elif event.type in labels.REASONED_EVENTS:
            detail = data.get("reason", "")
        elif event.type == "comment_added":
            mentioned = " ".join(f"@{names.get(m, m)}" for m in data.get("mentions") or [])
            detail = f"{mentioned} {data.get('body', '')}".strip()
        elif event.type == "customer_survey_answered":
            detail = f"{data.get('score')}/5 {data.get('comment', '')}".strip()
        elif event.type == "instance_started":
            subject = data.get("case_number", "")
        elif event.type == "task_ready" and data.get("role"):
            detail = role_name(data["role"])
        unnamed = subject in ("", event.element_id)  # e.g. a merging gateway: a detail for the curious
        main = event.type in labels.MAIN_EVENTS and not (event.type == "gateway_taken" and unnamed)
        items.append(TimelineItem(event, labels.EVENTS.get(event.type, event.type), subject, detail, main))
    return items


def _plain(values, field) -> str:
    value = (values or {}).get(field)
    return "—" if value in (None, "") else str(value)


SLA_STATES = {"met": "met", "breached": "missed", "cancelled": "cancelled", "unscheduled": "unscheduled"}


def _sla_deadlines(instance: Instance, summary: CaseSummary, lang: str) -> list[Deadline]:
    """The case's service-level deadlines (first response, written answer, revisit, ...)."""
    lines = []
    for record in sla.records_of(instance.id):
        rule = sla.DEFAULTS.get(record.rule)
        title = rule.name(lang) if rule else record.rule
        if record.outcome == "open":
            state = due_state(record.due_at, record.started_at, warn_at=record.warn_at) if record.due_at \
                else "unscheduled"
        else:
            state = SLA_STATES.get(record.outcome, record.outcome)
        task = summary.titles.get(record.task_id or "")
        lines.append(Deadline(f"{title} · {task}" if task else title, record.role or "", record.due_at, state,
                              record.closed_at if record.outcome in ("met", "breached") else None,
                              sla_rule=record.rule, task_id=record.task_id))
    return lines


def _deadlines(instance: Instance, summary: CaseSummary, lang: str) -> list[Deadline]:
    """SLAs first, then the due dates of tasks no SLA already speaks for."""
    lines = _sla_deadlines(instance, summary, lang)
    covered = {line.task_id for line in lines}
    tasks = [s.task for s in summary.steps] + summary.open_tasks
    return lines + [
        Deadline(summary.titles.get(t.id, t.name), t.role, t.due_at,
                 due_state(t.due_at, t.created_at, done_at=t.completed_at if t.status == "completed" else None),
                 t.completed_at, task_id=t.id)
        for t in sorted(tasks, key=lambda t: t.due_at or dt.datetime.max)
        if t.due_at is not None and t.id not in covered]


def case_page(instance_id: int, actor: Actor, lang: str) -> CasePage:
    instance = queries.readable_case(instance_id, actor)
    summary = case_summary(instance, lang)
    events = audit.events_of(instance.id)
    mentioned = {m for e in events if e.type == "comment_added" for m in (e.data or {}).get("mentions") or []}
    summary.names.update(queries.display_names(({e.actor for e in events} | mentioned) - set(summary.names)))
    summary.names.setdefault(SYSTEM.username, translate(N_("系统")))
    summary.names.setdefault("customer", translate(N_("客户")))  # the customer answering through their link
    titles = element_titles(instance.model, lang)
    last = events[-1].state if events else {}
    marks = {k: list(last.get(k, [])) for k in ("completed", "active", "waiting", "error")}
    step_of = {s.task.id: s.title for s in summary.steps}
    documents = [Document(row, step_of.get(link.task_id or "", summary.request_title or translate(N_("申请"))))
                 for link, row in attachments.case_files(instance.id)]
    return CasePage(summary=summary, timeline=_timeline(events, titles, summary.titles, summary.names),
                    marks=marks, deadlines=_deadlines(instance, summary, lang), documents=documents,
                    version=instance.model.version)


def diagram_source(instance_id: int, actor: Actor) -> str:
    """The BPMN XML of the version the case is pinned to."""
    instance = queries.readable_case(instance_id, actor)
    model = instance.model
    return model.sources.get(model.main_file) or next(iter(model.sources.values()), "")
