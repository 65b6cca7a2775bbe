"""What each fact of a case is, read from the flat rows a command leaves behind: the case row and
its data, its inbox rows (ready and completed tasks with their submitted data) and its SLA records.
One function per measure, so that a new source (a survey document, an arrival record) is added in
one place. Nothing here loads a workflow."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from engine.clock import as_aware, utc_naive
from workflows.management.facts import OPEN_STATUSES
from workflows.records.dispatch import region_team

# Where a flow records a satisfaction score (1–5): the revisit's phone questionnaire and its on-site
# 顾客满意度调查表 both write `satisfaction` into the case data. A survey answered elsewhere (a signed
# document) adds its flow and field here.
SATISFACTION_FIELDS: Mapping[str, tuple[str, ...]] = {"revisit": ("satisfaction",)}
# The steps done on the customer's site: the first one's completion is the arrival when no arrival
# record exists, and a fault case with more than one is not a first-time fix.
ONSITE_STEPS: Mapping[str, tuple[str, ...]] = {"fault_handling": ("onsite_investigation",),
                                               "installation": ("goods_count",)}
REVISIT_DONE_STEPS = ("phone_revisit", "visit_report")  # the customer was reached
ARRIVAL_RULE = "arrival"  # the on-site arrival SLA; met or breached when the engineer records arrival
COST_FIELDS = ("machining_cost", "purchase_cost", "freight_cost")
FAULT_PROCESS, COMPLAINT_PROCESS, COMPENSATION_PROCESS, REVISIT_PROCESS = (
    "fault_handling", "complaint", "compensation_approval", "revisit")


# ---------------------------------------------------------------- time
def local_day(when: dt.datetime, zone: ZoneInfo) -> dt.date:
    return as_aware(when).astimezone(zone).date()


def week_of(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


# ---------------------------------------------------------------- who and where
def customer_facts(instance: Any, parent: Mapping[str, Any] | None) -> dict[str, Any]:
    """The customer, class and region team from the case data (a case without a customer, such as
    an SLA escalation, takes them from the case it came from)."""
    data = instance.data or {}
    if data.get("customer_id") is None and parent:
        return {key: parent.get(key) for key in ("customer_id", "customer_name", "customer_class", "region",
                                                 "region_team")}
    region = instance.region or data.get("region")
    return {"customer_id": instance.customer_id, "customer_name": instance.customer_name or data.get("customer_name"),
            "customer_class": data.get("customer_class"), "region": region,
            "region_team": data.get("region_team") or region_team(region)}


def satisfaction_of(process_id: str, data: Mapping[str, Any]) -> int | None:
    """The customer's satisfaction score (1–5) a case recorded, if any."""
    for name in SATISFACTION_FIELDS.get(process_id, ()):
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            return value
    return None


# ---------------------------------------------------------------- steps and deadlines
def completed(tasks: Iterable[Any]) -> list[Any]:
    return sorted((t for t in tasks if t.status == "completed" and t.completed_at is not None),
                  key=lambda t: (t.completed_at, t.created_at))


def waiting(tasks: Iterable[Any]) -> list[Any]:
    return sorted((t for t in tasks if t.status == "ready"), key=lambda t: (t.created_at, t.id))


def earliest_deadline(tasks: Sequence[Any], records: Iterable[Any]) -> dt.datetime | None:
    dues = [t.due_at for t in tasks if t.due_at is not None]
    dues += [r.due_at for r in records if r.closed_at is None and r.due_at is not None
             and r.outcome in ("open", "breached")]
    return min(dues) if dues else None


# ---------------------------------------------------------------- dispatch and arrival
def dispatch(done: Sequence[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The first step that named the engineer (the manager's or VP's dispatch), and whether it chose
    someone other than the suggested engineer."""
    for task in done:
        chosen = (task.data or {}).get("assigned_engineer")
        if chosen:
            suggested = data.get("suggested_engineer") or (task.data or {}).get("suggested_engineer")
            return {"dispatched_at": task.completed_at, "suggested_engineer": suggested,
                    "dispatch_overridden": bool(suggested) and chosen != suggested}
    return {"dispatched_at": None, "suggested_engineer": data.get("suggested_engineer"), "dispatch_overridden": None}


def onsite_steps(process_id: str, done: Sequence[Any]) -> list[Any]:
    steps = ONSITE_STEPS.get(process_id, ())
    return [task for task in done if task.element_id in steps]


def arrival(process_id: str, done: Sequence[Any], records: Iterable[Any]) -> dt.datetime | None:
    """When the engineer arrived on site: the arrival record's time, else the first on-site step done."""
    arrivals = [r.closed_at for r in records if r.rule == ARRIVAL_RULE and r.closed_at is not None
                and r.outcome in ("met", "breached")]
    if arrivals:
        return min(arrivals)
    visits = onsite_steps(process_id, done)
    return visits[0].completed_at if visits else None


# ---------------------------------------------------------------- flow outcomes
def compensation(data: Mapping[str, Any], opened_on: dt.date) -> dict[str, Any]:
    """Amount, approval band (who had the authority, from the DMN decision), result, responsibility
    and cost of a compensation claim."""
    band = None
    if data.get("approver"):
        band = "general_manager" if data.get("needs_general_manager") is True else str(data["approver"])
    costs = [_decimal(data.get(name)) for name in COST_FIELDS]
    known = [c for c in costs if c is not None]
    return {"compensation_amount": _decimal(data.get("amount")), "compensation_band": band,
            "compensation_result": data.get("compensation_result"),
            "compensation_party": data.get("responsible_party") or None,
            "compensation_cost": sum(known, Decimal(0)) if known else None,
            "compensation_quarter": quarter_of(opened_on)}


def revisit(status: str, done: Sequence[Any], data: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    due = _parse_time(data.get("revisit_due"))
    if due is None and data.get("due_date"):
        due = dt.datetime.combine(dt.date.fromisoformat(str(data["due_date"])[:10]), dt.time(18), tzinfo=zone)
    day = as_aware(due).astimezone(zone).date() if due is not None else None
    reached = status == "completed" and any(t.element_id in REVISIT_DONE_STEPS for t in done)
    return {"revisit_due_on": day, "revisit_due_month": day.strftime("%Y-%m") if day else None,
            "revisit_done": reached}


# ---------------------------------------------------------------- the whole row
def case_values(instance: Any, tasks: Sequence[Any], records: Sequence[Any], *, zone: ZoneInfo,
                parent: Mapping[str, Any] | None = None, office: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every column of the case's `case_fact` row (`office`: what the claim's office work recorded,
    its cost and the responsible party, kept in a case of its own)."""
    data = instance.data or {}
    process_id = instance.process_id
    opened_at = instance.received_at or instance.started_at
    opened_on = local_day(opened_at, zone)
    ended_on = local_day(instance.ended_at, zone) if instance.ended_at else None
    done, ready = completed(tasks), waiting(tasks)
    first_done = done[0].completed_at if done else None
    values: dict[str, Any] = {
        "case_number": instance.case_number, "process_id": process_id, "status": instance.status,
        "is_open": instance.status in OPEN_STATUSES, **customer_facts(instance, parent),
        "equipment_serial": instance.equipment_serial or data.get("equipment_serial"),
        "engineer": data.get("assigned_engineer") or None,
        "opened_at": opened_at, "opened_on": opened_on, "opened_week": week_of(opened_on),
        "opened_month": opened_on.strftime("%Y-%m"), "started_at": instance.started_at,
        "ended_at": instance.ended_at, "ended_on": ended_on, "ended_week": week_of(ended_on) if ended_on else None,
        "current_step": ready[0].element_id if ready else None, "current_step_name": ready[0].name if ready else None,
        "waiting_since": ready[0].created_at if ready else None, "due_at": earliest_deadline(ready, records),
        "first_response_at": first_done, "first_response_seconds": _seconds(opened_at, first_done),
        "resolution_seconds": _seconds(opened_at, instance.ended_at) if instance.status == "completed" else None,
        "satisfaction": satisfaction_of(process_id, data),
        "complaint_grade": (data.get("priority") or "ordinary") if process_id == COMPLAINT_PROCESS else None,
        "onsite_visits": len(onsite_steps(process_id, done)),
        **dispatch(done, data),
    }
    arrived = arrival(process_id, done, records)
    values["arrived_at"] = arrived
    dispatched = values["dispatched_at"]
    on_time_order = dispatched is not None and arrived is not None and arrived >= dispatched
    values["arrival_seconds"] = _seconds(dispatched, arrived) if on_time_order else None
    if process_id == COMPENSATION_PROCESS or data.get("compensation_result"):  # a claim, or a fault case's call
        values.update(compensation({**data, **(office or {})}, opened_on))
    if process_id == REVISIT_PROCESS:
        values.update(revisit(instance.status, done, data, zone))
    return values


def step_values(task: Any, case: Mapping[str, Any], *, first: bool) -> dict[str, Any]:
    """The `step_fact` row of a completed task of a case whose fact values are `case`."""
    return {"task_id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
            "element_id": task.element_id, "name": task.name, "role": task.role, "completed_by": task.completed_by,
            "created_at": task.created_at, "completed_at": task.completed_at,
            "seconds": _seconds(task.created_at, task.completed_at) or 0, "first_in_case": first,
            "opened_on": case["opened_on"], "opened_month": case["opened_month"], "region_team": case["region_team"],
            "customer_class": case["customer_class"]}


def step_month_key(step: Mapping[str, Any]) -> dict[str, Any]:
    """The `step_month` row a step fact is summed into."""
    return {"opened_month": step["opened_month"], "process_id": step["process_id"], "element_id": step["element_id"],
            "region_team": step["region_team"], "customer_class": step["customer_class"] or ""}


def sla_values(record: Any, case: Mapping[str, Any]) -> dict[str, Any]:
    return {"record_id": record.id, "instance_id": record.instance_id, "rule": record.rule, "outcome": record.outcome,
            "due_at": record.due_at, "closed_at": record.closed_at, "assignee": record.assignee,
            "process_id": case["process_id"], "opened_on": case["opened_on"], "opened_month": case["opened_month"],
            "region_team": case["region_team"], "customer_class": case["customer_class"]}


def gap_days(previous_end: dt.datetime | None, next_opened: dt.datetime) -> float:
    """Days from a fault case's end to the next fault on the same equipment (0 while it was still open)."""
    if previous_end is None:
        return 0.0
    return max(0.0, (utc_naive(next_opened) - utc_naive(previous_end)).total_seconds() / 86400)
