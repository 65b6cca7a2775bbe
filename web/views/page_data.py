"""What the pages show, read from the flat tables in a few queries: the inbox page, the case
summary beside a task, the case page (timeline, forms, deadlines, documents, diagram marks), and
which flows a person may start. Access rules come from the engine."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import attachments, audit, commands, loader, queries
from engine.db import db
from engine.errors import Forbidden, NotFound
from engine.forms import text
from engine.identity import SYSTEM, Actor, users_with_role
from engine.models import Attachment, AuditEvent, Instance, ModelVersion, Task
from web.i18n import translate
from web.views import labels
from web.views.form_view import ShownValue, reference_values, shown
from web.views.labels import N_
from web.views.ui import due_state, flow_name, role_name
from workflows.records import Customer, Equipment, Part


def _yes_no(value: bool) -> str:
    return translate(labels.YES_NO[value])


@dataclass
class Step:
    """A completed task with what was submitted."""

    task: Task
    title: str
    values: list[ShownValue]


@dataclass
class CaseSummary:
    instance: Instance
    flow: str
    facts: list[tuple[str, Any]]  # (catalog key of the label, value)
    request_title: str
    request: list[ShownValue]
    steps: list[Step]
    open_tasks: list[Task]
    titles: dict[str, str]  # task id -> title in the page's language
    names: dict[str, str]  # username -> display name
    files: dict[str, Attachment] = field(default_factory=dict)


def element_titles(model: ModelVersion, lang: str) -> dict[str, str]:
    """element id -> what a person calls it: the form's title for a user task, else its name."""
    titles = {}
    for element, info in loader.parsed(model).tasks.items():
        form = info["properties"].get("form")
        definition = model.forms.get(f"{info['process']}/{form}") if form else None
        titles[element] = text((definition or {}).get("title"), lang) or info["name"]
    return titles


def task_title(task: Task, model: ModelVersion | None, lang: str) -> str:
    definition = model.forms.get(task.form_name) if model is not None and task.form_name else None
    return text((definition or {}).get("title"), lang) or task.name


def _facts(instance: Instance) -> list[tuple[str, Any]]:
    facts = [(N_("客户"), instance.customer_name), (N_("区域"), instance.region),
             (N_("设备序列号"), instance.equipment_serial),
             (N_("金额"), f"{instance.amount:,.2f}" if instance.amount is not None else None),
             (N_("受理时间"), instance.received_at)]
    return [(label, value) for label, value in facts if value not in (None, "")]


def _start_event(instance_id: int) -> AuditEvent | None:
    query = queries.events_query(instance_id, types=["instance_started"]).limit(1)
    return db.session.execute(query).scalar_one_or_none()


def reference_names(wanted: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """What people call the records forms refer to: customers and parts by name, equipment by
    serial and model, engineers by their display name (one query per kind named)."""
    names: dict[str, dict[str, str]] = {}
    ids = [int(v) for v in wanted.get("customer", ()) if v.isdigit()]
    if ids:
        rows = db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
        names["customer"] = {str(i): name for i, name in rows}
    if wanted.get("equipment"):
        rows = db.session.execute(sa.select(Equipment.serial, Equipment.model)
                                  .where(Equipment.serial.in_(sorted(wanted["equipment"]))))
        names["equipment"] = {serial: f"{serial}（{model}）" for serial, model in rows}
    if wanted.get("part"):
        rows = db.session.execute(sa.select(Part.code, Part.name).where(Part.code.in_(sorted(wanted["part"]))))
        names["part"] = {code: f"{code} {name}" for code, name in rows}
    if wanted.get("engineer"):
        names["engineer"] = queries.display_names(set(wanted["engineer"]))
    return names


def case_summary(instance: Instance, lang: str) -> CaseSummary:
    model = instance.model
    tasks = queries.tasks_of(instance.id)
    started = _start_event(instance.id)
    start_definition = loader.start_form(model)
    start_data = (started.data.get("start_data") if started else None) or {}
    done = [t for t in tasks if t.status == "completed"]
    wanted = reference_values(start_definition, start_data)
    for t in done:
        reference_values(model.forms.get(t.form_name or ""), t.data, wanted)
    refs = reference_names(wanted)
    request = shown(start_definition, start_data, lang, _yes_no, refs)
    steps = [Step(t, task_title(t, model, lang), shown(model.forms.get(t.form_name or ""), t.data, lang, _yes_no,
                                                        refs)) for t in done]
    order = queries.completion_order(instance.id)
    steps.sort(key=lambda s: (order.get(s.task.id, 1 << 30), s.task.completed_at or dt.datetime.min, s.task.id))
    people = {instance.started_by} | {t.completed_by for t in tasks} | {t.assignee for t in tasks}
    file_ids = [i for v in request + [v for s in steps for v in s.values] if v.type == "file" for i in v.value]
    return CaseSummary(
        instance=instance, flow=flow_name(instance.process_id, model.name), facts=_facts(instance),
        request_title=text((start_definition or {}).get("title"), lang), request=request, steps=steps,
        open_tasks=[t for t in tasks if t.status == "ready"],
        titles={t.id: task_title(t, model, lang) for t in tasks},
        names=queries.display_names({p for p in people if p}), files=attachments.describe(file_ids))


# ---------------------------------------------------------------- the inbox
@dataclass
class InboxPage:
    inbox: queries.Inbox
    titles: dict[str, str]  # task id -> title in the page's language
    flows: dict[int, str]  # instance id -> flow name
    names: dict[str, str]
    flow_choices: list[tuple[str, str]]  # (process id, name) for the filter


def inbox_page(actor: Actor, flt: queries.TaskFilter, *, page: int, per_page: int, lang: str) -> InboxPage:
    inbox = queries.inbox(actor, flt, page=page, per_page=per_page)
    models = queries.models_for({t.instance_id for t in inbox.page.items})
    return InboxPage(
        inbox=inbox, titles={t.id: task_title(t, models.get(t.instance_id), lang) for t in inbox.page.items},
        flows={i: flow_name(m.process_id, m.name) for i, m in models.items()},
        names=queries.display_names({t.assignee for t in inbox.page.items if t.assignee}),
        flow_choices=[(m.process_id, flow_name(m.process_id, m.name)) for m in loader.latest_all()])


# ---------------------------------------------------------------- the task page
@dataclass
class TaskPage:
    task: Task
    title: str
    definition: dict[str, Any] | None
    summary: CaseSummary
    may_act: bool
    may_claim: bool
    may_unclaim: bool
    may_reassign: bool
    candidates: list[tuple[str, str]]  # (username, display name) who may take it over


def _visible_task(task_id: str, actor: Actor) -> Task:
    task = queries.task(task_id)
    if task is None:
        raise NotFound(f"no task '{task_id}'", task_id=task_id)
    if not commands.can_view(task, actor):
        raise Forbidden(f"this task needs the role '{task.role}'", task_id=task_id, role=task.role)
    return task


def task_page(task_id: str, actor: Actor, lang: str) -> TaskPage:
    task = _visible_task(task_id, actor)
    instance = queries.instance(task.instance_id)
    model = instance.model
    is_open = task.status == "ready"
    supervisor = actor.has_role(*commands.SUPERVISORS)
    candidates = []
    if is_open and supervisor:
        candidates = [(u.username, u.display_name or u.username) for u in users_with_role(task.role)]
    return TaskPage(
        task=task, title=task_title(task, model, lang),
        definition=model.forms.get(task.form_name) if task.form_name else None,
        summary=case_summary(instance, lang), may_act=is_open and commands.can_act(task, actor),
        may_claim=is_open and task.assignee is None and actor.has_role(task.role),
        may_unclaim=is_open and task.assignee is not None and (task.assignee == actor.username or supervisor),
        may_reassign=is_open and supervisor, candidates=candidates)


def next_task_for(instance_id: int, actor: Actor) -> str | None:
    """The case's next open task this person may work on (where to land after completing one)."""
    mine = [t for t in queries.tasks_of(instance_id, "ready") if commands.can_act(t, actor)]
    mine.sort(key=lambda t: (t.assignee != actor.username, t.due_at or dt.datetime.max, t.created_at))
    return mine[0].id if mine else None


# ---------------------------------------------------------------- the case page
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
    due_at: dt.datetime
    state: str  # ok / warn / late / met / missed
    done_at: dt.datetime | None


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


def readable_case(instance_id: int, actor: Actor) -> Instance:
    instance = queries.instance(instance_id)
    if instance is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    if not queries.can_read_case(instance, actor):
        raise Forbidden("you have no part in this case", instance_id=instance_id)
    return instance


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
        elif event.type == "instance_cancelled":
            detail = data.get("reason", "")
        elif event.type == "instance_started":
            subject = data.get("case_number", "")
        elif event.type == "task_ready" and data.get("role"):
            detail = role_name(data["role"])
        unnamed = subject in ("", event.element_id)  # e.g. a merging gateway: a detail for the curious
        main = event.type in labels.MAIN_EVENTS and not (event.type == "gateway_taken" and unnamed)
        items.append(TimelineItem(event, labels.EVENTS.get(event.type, event.type), subject, detail, main))
    return items


def _deadlines(summary: CaseSummary) -> list[Deadline]:
    tasks = [s.task for s in summary.steps] + summary.open_tasks
    return [Deadline(summary.titles.get(t.id, t.name), t.role, t.due_at,
                     due_state(t.due_at, t.created_at, done_at=t.completed_at if t.status == "completed" else None),
                     t.completed_at)
            for t in sorted(tasks, key=lambda t: t.due_at or dt.datetime.max) if t.due_at is not None]


def case_page(instance_id: int, actor: Actor, lang: str) -> CasePage:
    instance = readable_case(instance_id, actor)
    summary = case_summary(instance, lang)
    events = audit.events_of(instance.id)
    summary.names.update(queries.display_names({e.actor for e in events} - set(summary.names)))
    summary.names.setdefault(SYSTEM.username, translate(N_("系统")))
    titles = element_titles(instance.model, lang)
    last = events[-1].state if events else {}
    marks = {k: list(last.get(k, [])) for k in ("completed", "active", "waiting", "error")}
    step_of = {s.task.id: s.title for s in summary.steps}
    documents = [Document(row, step_of.get(link.task_id or "", summary.request_title or translate(N_("申请"))))
                 for link, row in attachments.case_files(instance.id)]
    return CasePage(summary=summary, timeline=_timeline(events, titles, summary.titles, summary.names),
                    marks=marks, deadlines=_deadlines(summary), documents=documents, version=instance.model.version)


def diagram_source(instance_id: int, actor: Actor) -> str:
    """The BPMN XML of the version the case is pinned to."""
    instance = readable_case(instance_id, actor)
    model = instance.model
    return model.sources.get(model.main_file) or next(iter(model.sources.values()), "")


# ---------------------------------------------------------------- start pages
@dataclass
class StartChoice:
    model: ModelVersion
    title: str
    blurb: str
    known: bool  # one of the request pages staff open by hand
    prefill: dict[str, str] = field(default_factory=dict)  # start-form values the page begins with


def start_choices(actor: Actor, lang: str) -> list[StartChoice]:
    models = {m.process_id: m for m in loader.latest_all()}
    choices = []
    for process_id, model in models.items():
        definition = loader.start_form(model)
        if definition is None or not commands.can_start(model, actor):
            continue
        title, blurb, prefill = labels.START_PAGES.get(process_id, (None, None, {}))
        choices.append(StartChoice(model, translate(title) if title else (text(definition.get("title"), lang)
                                                                         or model.name),
                                   translate(blurb) if blurb else model.name, title is not None, dict(prefill)))
    order = list(labels.START_PAGES)
    choices.sort(key=lambda c: (not c.known, order.index(c.model.process_id) if c.known else 0, c.model.process_id))
    return choices


@dataclass
class StartPage:
    model: ModelVersion
    title: str
    definition: dict[str, Any]


def start_page(process_id: str, actor: Actor, lang: str) -> StartPage:
    model = loader.latest_or_404(process_id)
    definition = loader.start_form(model)
    if definition is None:
        raise NotFound(f"'{process_id}' has no start form", process_id=process_id)
    if not commands.can_start(model, actor):
        raise Forbidden(f"starting '{process_id}' needs one of the roles {sorted(commands.start_roles(model))}",
                        process_id=process_id)
    title = labels.START_PAGES.get(process_id, (None,))[0]
    return StartPage(model, translate(title) if title else (text(definition.get("title"), lang) or model.name),
                     definition)
