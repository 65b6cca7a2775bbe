"""What the pages show, read from the flat tables in a few queries: the inbox page, the case
summary beside a task (and atop the case page, see case_view.py), and which flows a person may
start. Access rules come from the engine."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import attachments, commands, loader, queries
from engine.db import db
from engine.errors import Forbidden, NotFound
from engine.forms import text
from engine.identity import Actor
from engine.models import Attachment, AuditEvent, Instance, ModelVersion, Task
from web.i18n import translate
from web.views import labels
from web.views.form_view import ShownValue, reference_values, shown
from web.views.labels import N_
from web.views.people import person_choices
from web.views.references import reference_names
from web.views.ui import flow_name
from workflows.deadlines.sla import SlaRecord


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
    warn_at: dict[str, dt.datetime] = field(default_factory=dict)  # open task id -> SLA warning time


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


def sla_warn_times(task_ids: set[str]) -> dict[str, dt.datetime]:
    """task id -> when its open SLA turns amber (working time), for the tasks an SLA is timing."""
    if not task_ids:
        return {}
    rows = db.session.execute(sa.select(SlaRecord.task_id, SlaRecord.warn_at).where(
        SlaRecord.task_id.in_(sorted(task_ids)), SlaRecord.outcome == "open", SlaRecord.warn_at.is_not(None)))
    return {task_id: warn_at for task_id, warn_at in rows}


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
    file_ids = [i for v in request + [v for s in steps for v in s.values] if v.type in ("file", "signature")
                for i in v.value]
    return CaseSummary(
        instance=instance, flow=flow_name(instance.process_id, model.name), facts=_facts(instance),
        request_title=text((start_definition or {}).get("title"), lang), request=request, steps=steps,
        open_tasks=[t for t in tasks if t.status == "ready"],
        titles={t.id: task_title(t, model, lang) for t in tasks},
        names=queries.display_names({p for p in people if p}), files=attachments.describe(file_ids),
        warn_at=sla_warn_times({t.id for t in tasks if t.status == "ready"}))


# ---------------------------------------------------------------- the inbox
@dataclass
class InboxPage:
    inbox: queries.Inbox
    titles: dict[str, str]  # task id -> title in the page's language
    flows: dict[int, str]  # instance id -> flow name
    names: dict[str, str]
    flow_choices: list[tuple[str, str]]  # (process id, name) for the filter
    warn_at: dict[str, dt.datetime]  # task id -> SLA warning time


def inbox_page(actor: Actor, flt: queries.TaskFilter, *, page: int, per_page: int, lang: str,
               cursor: str | None = None) -> InboxPage:
    inbox = queries.inbox(actor, flt, page=page, per_page=per_page, cursor=cursor)
    models = queries.models_for({t.instance_id for t in inbox.page.items})
    return InboxPage(
        inbox=inbox, titles={t.id: task_title(t, models.get(t.instance_id), lang) for t in inbox.page.items},
        flows={i: flow_name(m.process_id, m.name) for i, m in models.items()},
        names=queries.display_names({t.assignee for t in inbox.page.items if t.assignee}),
        flow_choices=[(m.process_id, flow_name(m.process_id, m.name)) for m in loader.latest_all()],
        warn_at=sla_warn_times({t.id for t in inbox.page.items}))


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
    candidates = person_choices(task.role, lang) if is_open and supervisor else []
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
