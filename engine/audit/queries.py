"""Read models for auditors: a case's history (filterable, with before/after values), the state
after any step (replay), and the search across cases. Nothing here writes."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import loader
from engine.audit import chain as audit
from engine.db import db
from engine.errors import NotFound, ValidationFailed
from engine.models import AuditEvent, Instance, Task

# What an event is about, for the history filter. An event may be in several (an approval is
# also an input). Types not listed (added by later features) fall in "other", or "sla" by prefix.
CATEGORY_OF_TYPE = {
    "instance_started": ("input",), "task_completed": ("input",),
    "task_ready": ("task",), "task_cancelled": ("task",), "task_claimed": ("task",), "task_unclaimed": ("task",),
    "task_reassigned": ("task", "admin"), "instance_cancelled": ("admin",), "case_archived": ("admin",),
    "timer_fired": ("timer",), "timer_failed": ("timer", "error"), "timer_retried": ("timer", "admin"),
    "gateway_taken": ("engine",), "element_completed": ("engine",), "element_started": ("engine",),
    "instance_completed": ("engine",), "element_failed": ("error",), "instance_error": ("error",),
    "instance_suspended": ("admin",), "instance_resumed": ("admin",), "task_corrected": ("admin", "input"),
    "instance_sent_back": ("admin",), "instance_migrated": ("admin",), "incident_retried": ("admin", "error"),
    "incident_resolved": ("admin", "error", "input"), "timer_resolved": ("timer", "admin"),
    "notification_retried": ("admin",), "notification_resolved": ("admin",),
}
CATEGORIES = ("input", "approval", "task", "timer", "sla", "admin", "engine", "error", "other")
# Form fields that make a completed task an approval, and the fields holding the approver's words.
DECISION_FIELDS = ("approved", "decision", "approve")
COMMENT_FIELDS = ("comment", "opinion", "approval_comment", "remarks")
# Leaders whose completed tasks count as approvals in the search across cases.
APPROVER_ROLES = ("service_manager", "sales_vp", "quality_vp", "general_manager")
SLA_BREACH_TYPES = ("sla_breached",)


@dataclass
class Change:
    field: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class HistoryEntry:
    event: AuditEvent
    categories: tuple[str, ...]
    element_name: str | None
    changes: list[Change] = field(default_factory=list)
    decision: Any = None
    comment: str | None = None

    @property
    def is_approval(self) -> bool:
        return "approval" in self.categories


def categories_of(event_type: str, data: Mapping[str, Any] | None) -> tuple[str, ...]:
    if event_type.startswith("sla_"):
        return ("sla",)
    found = CATEGORY_OF_TYPE.get(event_type, ("other",))
    submitted = (data or {}).get("submitted") or {}
    if event_type == "task_completed" and any(name in submitted for name in DECISION_FIELDS):
        found = (*found, "approval")
    return found


def element_names(instance: Instance) -> dict[str, str]:
    parsed = loader.parsed(loader.model(instance.model_version_id))
    names = {element: info["name"] for element, info in parsed.tasks.items()}
    names[instance.process_id] = parsed.name
    return names


def _changes(event: AuditEvent, running: Mapping[str, Any]) -> list[Change]:
    data = event.data or {}
    if event.type == "instance_started":
        return [Change(k, None, v) for k, v in (data.get("start_data") or {}).items()]
    if event.type == "task_completed":
        return [Change(k, running.get(k), v) for k, v in (data.get("submitted") or {}).items()]
    before, after = data.get("before"), data.get("after")
    if isinstance(before, Mapping) and isinstance(after, Mapping):  # an edit of recorded data
        return [Change(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))]
    return []


def _overlay(running: dict[str, Any], event: AuditEvent) -> dict[str, Any]:
    """The case data right after `event`: the command's stored case data where there is one,
    else what the event itself brought in."""
    state, data = event.state or {}, event.data or {}
    if "case_data" in state:
        return dict(state["case_data"] or {})
    if event.type == "instance_started":
        running.update(data.get("start_data") or {})
    elif event.type == "task_completed":
        running.update(data.get("submitted") or {})
    elif isinstance(data.get("after"), Mapping):
        running.update(data["after"])
    return running


def describe(event: AuditEvent, names: Mapping[str, str], running: Mapping[str, Any]) -> HistoryEntry:
    """One event as the auditor reads it; `running` is the case data just before it."""
    submitted = (event.data or {}).get("submitted") or {}
    return HistoryEntry(event, categories_of(event.type, event.data), names.get(event.element_id or ""),
                        _changes(event, running),
                        next((submitted[f] for f in DECISION_FIELDS if f in submitted), None),
                        next((submitted[f] for f in COMMENT_FIELDS if submitted.get(f)), None))


def case_history(instance: Instance, *, types: Iterable[str] = (), categories: Iterable[str] = (),
                 actor: str | None = None) -> list[HistoryEntry]:
    """Every event of the case in order, with the values each input changed; then filtered."""
    names = element_names(instance)
    wanted_types, wanted_categories = set(types), set(categories)
    running: dict[str, Any] = {}
    entries = []
    for event in audit.events_of(instance.id):
        entry = describe(event, names, running)
        running = _overlay(running, event)
        if wanted_types and event.type not in wanted_types:
            continue
        if wanted_categories and not wanted_categories.intersection(entry.categories):
            continue
        if actor and event.actor != actor:
            continue
        entries.append(entry)
    return entries


def actors_of(instance_id: int) -> list[str]:
    return list(db.session.execute(
        sa.select(AuditEvent.actor).where(AuditEvent.stream == audit.instance_stream(instance_id))
        .distinct().order_by(AuditEvent.actor)).scalars())


def types_of(instance_id: int) -> list[str]:
    return list(db.session.execute(
        sa.select(AuditEvent.type).where(AuditEvent.stream == audit.instance_stream(instance_id))
        .distinct().order_by(AuditEvent.type)).scalars())


# ---------------------------------------------------------------- replay steps
@dataclass
class ReplayStep:
    step: int
    steps: int
    entry: HistoryEntry
    sets: dict[str, list[str]]
    data: dict[str, Any]


def step_count(instance_id: int) -> int:
    return db.session.execute(sa.select(sa.func.count()).where(
        AuditEvent.stream == audit.instance_stream(instance_id))).scalar_one()


def _since_stored_data(instance_id: int, step: int, window: int = 4) -> list[AuditEvent]:
    """Events from `step` back to the newest one holding the case data (every command's last
    event does), newest first; read a window at a time, so a step is a short indexed read. The
    window starts small and doubles: the event is usually one or two back, and each row carries
    the element sets, which grow with the case."""
    found: list[AuditEvent] = []
    top = step
    while top >= 1:
        batch = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.stream == audit.instance_stream(instance_id), AuditEvent.seq <= top,
            AuditEvent.seq > top - window).order_by(AuditEvent.seq.desc())).scalars()
        for event in batch:
            found.append(event)
            if "case_data" in (event.state or {}):
                return found
        top -= window
        window = min(window * 2, 64)
    return found


def _data_after(instance_id: int, step: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for event in reversed(_since_stored_data(instance_id, step)):
        data = _overlay(data, event)
    return data


STEP_OUT_OF_RANGE = {"zh": "步骤必须在 1 到 {steps} 之间。", "en": "step must be between 1 and {steps}"}


def replay_step(instance: Instance, step: int | None = None, *, lang: str = "zh") -> ReplayStep:
    """The case right after its `step`-th event (default: the last): the stored element sets, and the
    data as it stood (the latest case data stored at or before the step, plus what later events up
    to it brought)."""
    steps = step_count(instance.id)
    step = steps if step is None else step
    if not 1 <= step <= steps:
        message = STEP_OUT_OF_RANGE.get(lang, STEP_OUT_OF_RANGE["zh"]).format(steps=steps)
        raise ValidationFailed({"step": [message]})
    current = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.instance_stream(instance.id), AuditEvent.seq == step)).scalar_one()
    before = _data_after(instance.id, step - 1) if step > 1 else {}
    entry = describe(current, element_names(instance), before)
    data = _overlay(dict(before), current)
    sets = {name: list((current.state or {}).get(name) or []) for name in ("completed", "active", "waiting", "error")}
    return ReplayStep(step, steps, entry, sets, data)


# ---------------------------------------------------------------- search across cases
@dataclass
class CaseSearch:
    customer: str | None = None
    process_id: str | None = None
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    approver: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sla_breached: bool | None = None
    status: str | None = None


def _local_midnight(day: dt.date, tz: str) -> dt.datetime:
    """Dates are the company's calendar days; the database holds naive UTC."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def case_search(f: CaseSearch, *, tz: str):
    """A query over every case (auditors see all), newest first."""
    query = sa.select(Instance)
    if f.customer:
        text = f.customer.strip()
        match = Instance.customer_name.contains(text, autoescape=True)
        query = query.where(sa.or_(match, Instance.customer_id == int(text)) if text.isdigit() else match)
    if f.process_id:
        query = query.where(Instance.process_id == f.process_id)
    if f.status:
        query = query.where(Instance.status == f.status)
    if f.started_from:
        query = query.where(Instance.started_at >= _local_midnight(f.started_from, tz))
    if f.started_to:
        query = query.where(Instance.started_at < _local_midnight(f.started_to + dt.timedelta(days=1), tz))
    if f.amount_min is not None:
        query = query.where(Instance.amount >= f.amount_min)
    if f.amount_max is not None:
        query = query.where(Instance.amount <= f.amount_max)
    if f.approver:
        query = query.where(sa.exists().where(
            Task.instance_id == Instance.id, Task.status == "completed", Task.completed_by == f.approver,
            Task.role.in_(APPROVER_ROLES)))
    if f.sla_breached is not None:
        breached = sa.exists().where(AuditEvent.instance_id == Instance.id, AuditEvent.type.in_(SLA_BREACH_TYPES))
        query = query.where(breached if f.sla_breached else ~breached)
    return query.order_by(Instance.started_at.desc(), Instance.id.desc())


def approvers_of(instance_ids: Iterable[int]) -> dict[int, list[str]]:
    """Who approved what, for a page of search results (one query)."""
    ids = list(instance_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Task.instance_id, Task.completed_by).where(
        Task.instance_id.in_(ids), Task.status == "completed", Task.role.in_(APPROVER_ROLES))
        .order_by(Task.completed_at)).all()
    found: dict[int, list[str]] = {}
    for instance_id, username in rows:
        if username and username not in found.setdefault(instance_id, []):
            found[instance_id].append(username)
    return found


def find_case(reference: str | int) -> Instance:
    """A case by its id or its case number."""
    text = str(reference).strip()
    instance = db.session.get(Instance, int(text)) if text.isdigit() else db.session.execute(
        sa.select(Instance).where(Instance.case_number == text)).scalar_one_or_none()
    if instance is None:
        raise NotFound(f"no case '{text}'", case=text)
    return instance
