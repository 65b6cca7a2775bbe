"""Response and resolution SLAs of the manual, as settings a process owner can change.

Each rule names the task that meets it (the first task of a role in the case, the task of a step —
`elements`, e.g. each approval — or the whole case), when its clock starts (`received_at`: when the
customer called, recorded by sales, else the case start; `started_at`; `parent_ended_at`: when the
case that led to this one ended; `task_created`: when the task appeared) and how long it
runs: its unit is working days or working hours on the business calendar, or calendar days or hours
(the written answer of art. 36, "within eight hours", is a promise in clock hours) — unless the case
names its own due date (`due_field`, e.g. a revisit planned for a date). When the task
appears, its `due_at` is set to the deadline (the inbox shows it) and two timer rows are written:
`sla_warn` at 75 % of the time and `sla_breach` at the deadline. Met or breached is recorded per
case in `sla_record` for the KPI reports. A changed setting applies to SLAs that start afterwards.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.clock import as_aware, isoformat, utc_naive
from engine.clock import now as clock_now
from engine.db import db
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.identity import Actor
from engine.models import Instance, Task
from workflows import revisit
from workflows.deadlines import calendar
from workflows.records import classification

UNITS = ("working_days", "working_hours", "days", "hours")
ANCHORS = ("received_at", "started_at", "parent_ended_at", "task_created")
EDITORS = ("process_owner", "admin")


@dataclass(frozen=True)
class SlaRule:
    key: str
    name_zh: str
    name_en: str
    processes: tuple[str, ...]
    amount: Decimal
    unit: str
    role: str | None = None  # the role of the task that meets it; None: the case's first task of any role
    target: str = "first_task"  # or "case": met when the case completes
    anchor: str = "received_at"
    condition_field: str | None = None  # only cases whose data field is one of condition_values
    condition_values: tuple[Any, ...] = ()
    warn_percent: int = 75
    enabled: bool = True
    due_field: str | None = None  # a case data date that, when given, is the deadline (end of that working day)
    elements: tuple[str, ...] = ()  # met by the task of one of these steps (instead of the first task of a role)
    done_field: str | None = None  # a time the task's form records that meets it instead of the submission

    def meets(self, task: Task) -> bool:
        """Whether this task is the one that meets the rule."""
        if self.elements:
            return task.element_id in self.elements
        return self.role in (None, task.role)

    def applies_to(self, instance: Instance) -> bool:
        if not self.enabled or instance.process_id not in self.processes:
            return False
        if self.condition_field is None:
            return True
        return (instance.data or {}).get(self.condition_field) in self.condition_values

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


URGENT, ORDINARY = ("urgent",), ("ordinary", None, "")
DEFAULT_RULES: tuple[SlaRule, ...] = (
    SlaRule("service_request_response", "服务申请首次响应", "First response to a service request",
            ("installation", "fault_handling"), Decimal(1), "working_days", role="service_desk"),
    SlaRule("tech_question_answer", "技术问题书面答复", "Written answer to a technical question",
            ("tech_support",), Decimal(8), "hours", role="engineer"),  # art. 36: clock hours promised
    SlaRule("revisit", "客户回访期限", "Customer revisit deadline",
            ("revisit",), Decimal(14), "days", anchor="parent_ended_at", due_field="due_date"),
    SlaRule("complaint_urgent_response", "紧急投诉响应", "Urgent complaint: response",
            ("complaint",), Decimal(2), "working_hours", condition_field="priority", condition_values=URGENT),
    SlaRule("complaint_urgent_resolution", "紧急投诉解决", "Urgent complaint: resolution",
            ("complaint",), Decimal(2), "working_days", target="case", condition_field="priority",
            condition_values=URGENT),
    SlaRule("complaint_ordinary_response", "一般投诉响应", "Ordinary complaint: response",
            ("complaint",), Decimal(1), "working_days", condition_field="priority", condition_values=ORDINARY),
    SlaRule("complaint_ordinary_resolution", "一般投诉解决", "Ordinary complaint: resolution",
            ("complaint",), Decimal(5), "working_days", target="case", condition_field="priority",
            condition_values=ORDINARY),
    SlaRule("arrival", "工程师到达现场", "Engineer's arrival on site",
            ("fault_handling",), Decimal(48), "hours", anchor="task_created", elements=("onsite_investigation",),
            done_field="arrived_at"),
    SlaRule("approval_manager", "售后服务部经理审批期限", "Service manager's approval",
            ("compensation_approval",), Decimal(1), "working_days", anchor="task_created",
            elements=("manager_approval",)),
    SlaRule("approval_vp", "分管副总审批期限", "Vice president's approval",
            ("compensation_approval", "installation", "fault_handling"), Decimal(1), "working_days",
            anchor="task_created", elements=("vp_approval", "vp_decision")),
    SlaRule("approval_gm", "总经理审批期限", "General manager's approval",
            ("compensation_approval",), Decimal(1), "working_days", anchor="task_created",
            elements=("gm_approval",)),
    SlaRule("low_satisfaction_follow_up", "低满意度跟进期限", "Follow-up of a low satisfaction",
            ("revisit",), Decimal(2), "working_days", anchor="task_created",
            elements=("follow_up",)),
)
DEFAULT_RULES += tuple(SlaRule(**spec) for spec in classification.SLA_RULES)  # urgent and high requests
DEFAULTS = {rule.key: rule for rule in DEFAULT_RULES}


# ---------------------------------------------------------------- tables
class SlaSetting(db.Model):
    """A process owner's change to one rule (the rule's defaults live in the code above)."""

    __tablename__ = "sla_setting"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    processes: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))
    unit: Mapped[str] = mapped_column(sa.String(20))
    role: Mapped[str | None] = mapped_column(sa.String(40))
    warn_percent: Mapped[int]
    enabled: Mapped[bool]
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class SlaRecord(db.Model):
    """One SLA of one case: its deadline and how it ended (open, met, breached, cancelled, unscheduled)."""

    __tablename__ = "sla_record"
    __table_args__ = (
        sa.UniqueConstraint("instance_id", "rule", name="uq_sla_record_instance_rule"),
        sa.Index("ix_sla_record_rule_due", "rule", "due_at"),
        sa.Index("ix_sla_record_outcome", "outcome", "closed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), index=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    process_id: Mapped[str] = mapped_column(sa.String(80))
    rule: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    element_id: Mapped[str | None] = mapped_column(sa.String(120))
    role: Mapped[str | None] = mapped_column(sa.String(40))
    assignee: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    warn_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    warned_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    breached_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    outcome: Mapped[str] = mapped_column(sa.String(12), default="open")
    escalation_id: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.Text)
    done_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)  # when it was met or missed: the submission,
    # or the time the form recorded (the arrival on site)

    @property
    def timer_key(self) -> str:
        return f"sla:{self.id}"


# ---------------------------------------------------------------- settings
def _merged(rule: SlaRule, row: SlaSetting | None) -> SlaRule:
    if row is None:
        return rule
    return dataclasses.replace(
        rule, processes=tuple(p for p in row.processes.split(",") if p), amount=Decimal(row.amount),
        unit=row.unit, role=row.role, warn_percent=row.warn_percent, enabled=row.enabled)


# How long a server process goes on using the SLA settings it read: a change made through this process
# applies here at once (when its transaction commits), one made through another process within this time.
SETTINGS_CACHE = dt.timedelta(seconds=10)
_cache: dict[str, Any] = {"rules": None, "until": None, "generation": 0}


def rules() -> list[SlaRule]:
    """Every rule as it stands: the defaults with the process owner's changes (read once per
    SETTINGS_CACHE in this process, not once per command)."""
    moment, generation = clock_now(), _cache["generation"]
    cached, until = _cache["rules"], _cache["until"]
    if cached is not None and until is not None and moment < until:
        return list(cached)
    fresh = _read_rules()
    if generation == _cache["generation"]:  # no change committed here while reading
        _cache.update(rules=tuple(fresh), until=moment + SETTINGS_CACHE)
    return fresh


def forget_rules() -> None:
    """Read the settings afresh next time (after a change, and between tests)."""
    _cache.update(rules=None, until=None, generation=_cache["generation"] + 1)


def _read_rules() -> list[SlaRule]:
    rows = {row.key: row for row in db.session.execute(sa.select(SlaSetting)).scalars()}
    return [_merged(rule, rows.get(rule.key)) for rule in DEFAULT_RULES]


def rule(key: str, *, fresh: bool = False) -> SlaRule:
    for candidate in (_read_rules() if fresh else rules()):
        if candidate.key == key:
            return candidate
    raise NotFound(f"no SLA rule '{key}'", rule=key)


def update_rule(key: str, *, actor: Actor, processes: Iterable[str] | None = None, amount: Any = None,
                unit: str | None = None, role: str | None | bool = False, warn_percent: int | None = None,
                enabled: bool | None = None) -> SlaRule:
    """Change one rule (in the caller's transaction); the change is audited in the system stream."""
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner can change SLA settings", rule=key)
    current = rule(key, fresh=True)  # what the database holds, not this process's copy
    changes: dict[str, Any] = {}
    if processes is not None:
        changes["processes"] = tuple(p.strip() for p in processes if p and p.strip())
    if amount is not None:
        changes["amount"] = _positive(amount)
    if unit is not None:
        changes["unit"] = unit
    if role is not False:
        changes["role"] = role or None
    if warn_percent is not None:
        changes["warn_percent"] = warn_percent
    if enabled is not None:
        changes["enabled"] = bool(enabled)
    updated = dataclasses.replace(current, **changes)
    _validate(updated)
    row = db.session.get(SlaSetting, key) or SlaSetting(key=key)
    row.processes, row.amount, row.unit, row.role = ",".join(updated.processes), updated.amount, updated.unit, \
        updated.role
    row.warn_percent, row.enabled = updated.warn_percent, updated.enabled
    row.updated_by, row.updated_at = actor.username, utc_naive(clock_now())
    db.session.add(row)
    db.session.flush()
    forget_rules()
    for moment in ("after_commit", "after_rollback"):  # others may have read it uncommitted meanwhile
        sa.event.listen(db.session(), moment, lambda *_args: forget_rules(), once=True)
    audit.append(audit.SYSTEM_STREAM, [{"type": "sla_setting_changed", "at": clock_now(), "actor": actor.username,
                                        "data": {"rule": key, "changes": changes}}])
    return updated


def _positive(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValidationFailed({"amount": [f"'{value}' is not a number"]}) from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed({"amount": ["the time allowed must be greater than zero"]})
    return amount


def _validate(candidate: SlaRule) -> None:
    errors: dict[str, list[str]] = {}
    if candidate.unit not in UNITS:
        errors["unit"] = [f"unit must be one of {', '.join(UNITS)}"]
    elif candidate.unit == "working_days" and candidate.amount != candidate.amount.to_integral_value():
        errors["amount"] = ["working days must be a whole number"]
    if not 1 <= int(candidate.warn_percent) <= 99:
        errors["warn_percent"] = ["the warning comes at 1 to 99 % of the time"]
    if not candidate.processes:
        errors["processes"] = ["name at least one process"]
    if errors:
        raise ValidationFailed(errors)


# ---------------------------------------------------------------- deadlines
def deadline(sla: SlaRule, start: dt.datetime, cal: calendar.BusinessCalendar) -> tuple[dt.datetime, dt.datetime]:
    """(due, warn) for a clock started at `start`; raises calendar.CalendarUnknown past the known years."""
    share = Decimal(sla.warn_percent) / 100
    if sla.unit in ("days", "hours"):
        span = dt.timedelta(**{sla.unit: float(sla.amount)})
        return start + span, start + span * float(share)
    due = (cal.add_working_days(start, sla.amount) if sla.unit == "working_days"
           else cal.add_working_hours(start, sla.amount))
    worked = cal.working_time_between(cal.period_start(start), due)
    warn = cal.add_working_hours(start, Decimal(worked.total_seconds()) * share / 3600)
    return due.astimezone(dt.UTC), warn.astimezone(dt.UTC)


def case_deadline(sla: SlaRule, instance: Instance, start: dt.datetime,
                  cal: calendar.BusinessCalendar) -> tuple[dt.datetime, dt.datetime] | None:
    """(due, warn) from the case's own due date (the end of that day, as the revisit flow reads a
    due date picked by hand or by the plan), if it has one."""
    value = (instance.data or {}).get(sla.due_field) if sla.due_field else None
    if not value:
        return None
    day = str(value)[:10]
    cal.is_working_day(dt.date.fromisoformat(day))  # a due date in a year the calendar does not know is flagged
    due = revisit.due_on(day).astimezone(dt.UTC)
    share = Decimal(sla.warn_percent) / 100
    return due, start + (due - start) * float(share) if due > start else due


def clock_start(sla: SlaRule, instance: Instance, task: Task | None = None) -> dt.datetime:
    if sla.anchor == "task_created" and task is not None:
        return as_aware(task.created_at)
    if sla.anchor == "received_at" and instance.received_at is not None:
        return as_aware(instance.received_at)
    if sla.anchor == "parent_ended_at" and instance.parent_id is not None:
        parent = db.session.get(Instance, instance.parent_id)
        if parent is not None and parent.ended_at is not None:
            return as_aware(parent.ended_at)
    return as_aware(instance.started_at)


SHARED_RECORDS = "sla_records"  # the key of a case's records in a command's CommandContext.shared


def records_of(instance_id: int) -> list[SlaRecord]:
    return list(db.session.execute(sa.select(SlaRecord).where(SlaRecord.instance_id == instance_id)
                                   .order_by(SlaRecord.id)).scalars())


def describe(record: SlaRecord) -> dict[str, Any]:
    return {"rule": record.rule, "case_number": record.case_number, "task_id": record.task_id,
            "due_at": isoformat(record.due_at), "warn_at": isoformat(record.warn_at), "outcome": record.outcome,
            "breached_at": isoformat(record.breached_at), "closed_at": isoformat(record.closed_at),
            "done_at": isoformat(record.done_at)}


def open_tasks_of(instance_id: int) -> list[Task]:
    return list(db.session.execute(sa.select(Task).where(Task.instance_id == instance_id, Task.status == "ready")
                                   .order_by(Task.created_at)).scalars())


def by_key(items: Iterable[SlaRule]) -> Mapping[str, SlaRule]:
    return {item.key: item for item in items}


def case_event(instance: Instance, kind: str, now: dt.datetime, data: dict[str, Any], *, actor: str = "system",
               task: Task | None = None) -> None:
    """An SLA event on the case's audit chain; it keeps the element sets of the event before it."""
    stream = audit.instance_stream(instance.id)
    state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
    audit.append(stream, [{"type": kind, "at": now, "actor": actor, "data": data, "state": state,
                           "element_id": task.element_id if task else None, "task_id": task.id if task else None}],
                 instance_id=instance.id)
