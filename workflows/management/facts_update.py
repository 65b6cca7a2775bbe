"""Keeping the facts in step with the cases: an after-command hook refreshes the case's rows inside
the command's transaction (so a figure never shows a half-done change), the SLA breach timer
refreshes them after it marks the breach, and `rebuild` recomputes every row from the flat history
tables (case rows, inbox rows, SLA records) for a database that had cases before the facts existed.

Also the settings of the figures (the first-time-fix window)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import defer

from engine import hooks
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db, is_postgres
from engine.errors import Forbidden, ValidationFailed
from engine.hooks import CommandContext, TimerContext
from engine.identity import Actor
from engine.models import Instance, Task
from workflows import compensation_office
from workflows.deadlines.sla import SHARED_RECORDS, SlaRecord
from workflows.documents import customer_link
from workflows.management import facts_cubes as cubes
from workflows.management import facts_sources as sources
from workflows.management.facts import CaseFact, ManagementSetting, SlaFact, StepFact, StepMonth

# Bookkeeping cases of the department itself (an SLA escalation, an accident, a lost tool, a claim's cost and
# responsibility) are not customer work: no facts (the office work's figures are its claim's).
INTERNAL_PROCESSES = frozenset({"sla_escalation", "accident", "tool_loss", compensation_office.PROCESS_ID})
SILENT_EVENTS = frozenset({"task_claimed", "task_unclaimed", "task_reassigned"})
CUSTOMER_COLUMNS = ("customer_id", "customer_name", "customer_class", "region", "region_team")
FILTER_COLUMNS = ("opened_on", "region_team", "customer_class")
STEP_COLUMNS = ("process_id", "element_id", "name", "seconds", "first_in_case")
CUBE_COLUMNS = (*FILTER_COLUMNS, "opened_month", "opened_week", "ended_week", "process_id", "status", "is_open",
                "satisfaction", "complaint_grade", "first_response_seconds", "resolution_seconds", "dispatched_at",
                "engineer", "dispatch_overridden", "arrival_seconds", "revisit_due_month", "revisit_done")
EDITORS = ("process_owner", "admin")
SETTINGS = {"first_time_fix_days": (30, 1, 365)}  # default, lowest, highest


def _zone() -> ZoneInfo:
    return ZoneInfo(hooks.get().timezone)


# ---------------------------------------------------------------- after every command
def on_command(ctx: CommandContext) -> None:
    if ctx.events and all(event["type"] in SILENT_EVENTS for event in ctx.events):
        return  # a claim or a reassignment changes no figure
    if ctx.instance.process_id == compensation_office.PROCESS_ID and ctx.instance.parent_id is not None:
        claim = db.session.get(Instance, ctx.instance.parent_id)  # its cost and responsibility are the claim's
        if claim is not None:
            refresh(claim, now=ctx.now)  # not this command's case: its facts are compared in full
    if ctx.instance.process_id not in INTERNAL_PROCESSES:
        refresh(ctx.instance, now=ctx.now, command=ctx)


def after_timer(handler: Callable[[TimerContext], None]) -> Callable[[TimerContext], None]:
    """Wrap a timer handler (the SLA breach) so the case's facts follow what it changed."""

    def handle(context: TimerContext) -> None:
        handler(context)
        if context.instance.process_id not in INTERNAL_PROCESSES:
            refresh(context.instance, now=context.now)

    return handle


def refresh(instance: Instance, *, now: dt.datetime, command: CommandContext | None = None) -> CaseFact:
    """Recompute the case's facts from its rows (in the caller's transaction). With the `command`
    that just ran, only what it can have changed is read: the step facts of the tasks it closed
    (every earlier completion has its own), the SLA records the SLA hook already read, the customer's
    survey only when one can be new or be the figure kept."""
    tasks = list(db.session.execute(sa.select(Task).where(Task.instance_id == instance.id)).scalars())
    records = command.shared.get(SHARED_RECORDS) if command is not None else None
    if records is None:
        records = list(db.session.execute(sa.select(SlaRecord).where(SlaRecord.instance_id == instance.id))
                       .scalars())
    fact = db.session.get(CaseFact, instance.id)
    office = compensation_office.office_figures(instance.id) if (instance.data or {}).get("office_case") else None
    values = sources.case_values(instance, tasks, records, zone=_zone(), parent=_parent_of(instance), office=office)
    if values["satisfaction"] is None and _survey_may_count(fact, command):  # the customer's answer by link
        values["satisfaction"] = customer_link.survey_score(instance.id)
    created = fact is None
    if created:
        fact = CaseFact(instance_id=instance.id)
        db.session.add(fact)
    before = None if created else {name: getattr(fact, name) for name in CUBE_COLUMNS}
    moved = before is not None and any(before[name] != values[name] for name in FILTER_COLUMNS)
    for name, value in values.items():
        setattr(fact, name, value)
    fact.updated_at = utc_naive(now)
    cubes.apply(cubes.case_contributions(before), cubes.case_contributions(values))
    closed = None if command is None else {row.id for row in command.closed_tasks}
    _sync_steps(instance.id, tasks, values, moved=moved, before=before, closed=closed)
    if records or command is None:  # a case without SLA records has no SLA facts to follow
        _sync_slas(instance.id, records, values)
    if created and instance.process_id == sources.FAULT_PROCESS:
        _link_previous_fault(fact)
    db.session.flush()
    return fact


def _survey_may_count(fact: CaseFact | None, command: CommandContext | None) -> bool:
    """Whether the customer's survey answer must be read: a survey is answered by a command of its
    own, which refreshes the facts, so a fact without a score has no answer behind it unless this
    command is that answer."""
    if command is None or fact is None:
        return command is None or not any(e["type"] == "instance_started" for e in command.events)
    return fact.satisfaction is not None or any(e["type"] == customer_link.SURVEY_EVENT for e in command.events)


def _parent_of(instance: Instance) -> dict[str, Any] | None:
    if instance.parent_id is None or (instance.data or {}).get("customer_id") is not None:
        return None
    parent = db.session.get(CaseFact, instance.parent_id)
    return {name: getattr(parent, name) for name in CUSTOMER_COLUMNS} if parent is not None else None


def _sync_steps(instance_id: int, tasks: Sequence[Task], case: Mapping[str, Any], *, moved: bool,
                before: Mapping[str, Any] | None, closed: set[str] | None = None) -> None:
    """New step facts for newly completed tasks, summed into `step_month`; a case whose filter
    columns changed moves its steps' sums to the new month, team or class. `closed`: the tasks the
    command closed, the only ones that can lack a step fact (None: compare with the stored ones)."""
    done = sources.completed(tasks)
    known: dict[str, StepFact] = {}
    if closed is None or moved:
        known = {row.task_id: row for row in db.session.execute(
            sa.select(StepFact).where(StepFact.instance_id == instance_id)).scalars()}
        seen = {row.element_id for row in known.values()}
        new = [task for task in done if task.id not in known]
    else:
        seen = {task.element_id for task in done if task.id not in closed}
        new = [task for task in done if task.id in closed]
    for task in new:
        values = sources.step_values(task, case, first=task.element_id not in seen)
        seen.add(task.element_id)
        db.session.add(StepFact(**values))
        _bump(values, +1)
    if moved and known and before is not None:
        for row in sorted(known.values(), key=lambda r: r.task_id):
            old = {column: getattr(row, column) for column in STEP_COLUMNS}
            _bump({**old, **{name: before[name] for name in (*FILTER_COLUMNS, "opened_month")}}, -1)
            _bump({**old, **{name: case[name] for name in (*FILTER_COLUMNS, "opened_month")}}, +1)
        db.session.execute(sa.update(StepFact).where(StepFact.instance_id == instance_id)
                           .values({name: case[name] for name in (*FILTER_COLUMNS, "opened_month")}))


def _bump(step: Mapping[str, Any], sign: int) -> None:
    """Add (or take away) one step fact to its month's sums in one statement: an insert that adds in
    place when the row exists (two commands adding to one row serialize on it)."""
    key = sources.step_month_key(step)
    insert = (pg_insert if is_postgres() else sqlite_insert)(StepMonth)
    added = {"steps": sign, "cases": sign if step["first_in_case"] else 0, "seconds": sign * int(step["seconds"])}
    table = StepMonth.__table__
    db.session.execute(insert.values(**key, name=step["name"], **added).on_conflict_do_update(
        index_elements=list(key), set_={name: table.c[name] + insert.excluded[name] for name in added}))


def _sync_slas(instance_id: int, records: Sequence[SlaRecord], case: Mapping[str, Any]) -> None:
    rows = {row.record_id: row for row in db.session.execute(
        sa.select(SlaFact).where(SlaFact.instance_id == instance_id)).scalars()}
    before, after = [], []
    for record in records:
        values = sources.sla_values(record, case)
        row = rows.get(record.id)
        after += cubes.sla_contributions(values)
        if row is None:
            db.session.add(SlaFact(**values))
            continue
        before += cubes.sla_contributions({name: getattr(row, name) for name in values})
        for name, value in values.items():
            setattr(row, name, value)
    cubes.apply(before, after)


def _link_previous_fault(fact: CaseFact) -> None:
    """A new fault on equipment with an earlier fault case: note how soon it came after that case."""
    if not fact.equipment_serial:
        return
    previous = db.session.execute(
        sa.select(CaseFact).where(CaseFact.process_id == sources.FAULT_PROCESS,
                                  CaseFact.equipment_serial == fact.equipment_serial,
                                  CaseFact.instance_id != fact.instance_id, CaseFact.opened_at <= fact.opened_at)
        .order_by(CaseFact.opened_at.desc(), CaseFact.instance_id.desc()).limit(1)).scalar_one_or_none()
    if previous is not None and previous.next_fault_gap_days is None:
        previous.next_fault_gap_days = sources.gap_days(previous.ended_at, fact.opened_at)


# ---------------------------------------------------------------- rebuilding from history
def rebuild(*, now: dt.datetime, batch: int = 500) -> int:
    """Recompute every fact from the case rows, inbox rows and SLA records (in the caller's
    transaction). Returns the number of cases."""
    for table in (StepMonth, StepFact, SlaFact, CaseFact):
        db.session.execute(sa.delete(table))  # the month and week sums are summed afresh at the end
    zone, customers, last_id, count = _zone(), {}, 0, 0
    while True:
        instances = list(db.session.execute(
            sa.select(Instance).options(defer(Instance.state))
            .where(Instance.id > last_id, Instance.process_id.not_in(INTERNAL_PROCESSES))
            .order_by(Instance.id).limit(batch)).scalars())
        if not instances:
            break
        _rebuild_batch(instances, zone, customers, utc_naive(now))
        last_id, count = instances[-1].id, count + len(instances)
        db.session.expunge_all()
    _link_all_faults()
    sum_steps()
    cubes.rebuild()
    return count


def _rebuild_batch(instances: Sequence[Instance], zone: ZoneInfo, customers: dict[int, dict[str, Any]],
                   stamp: dt.datetime) -> None:
    ids = [instance.id for instance in instances]
    tasks = _grouped(db.session.execute(sa.select(Task).where(Task.instance_id.in_(ids))).scalars())
    records = _grouped(db.session.execute(sa.select(SlaRecord).where(SlaRecord.instance_id.in_(ids))).scalars())
    answered = customer_link.survey_scores(ids)
    offices = {parent_id: compensation_office.figures_of(data) for parent_id, data in db.session.execute(
        sa.select(Instance.parent_id, Instance.data).where(Instance.parent_id.in_(ids),
                                                           Instance.process_id == compensation_office.PROCESS_ID))}
    cases, steps, slas = [], [], []
    for instance in instances:
        parent = customers.get(instance.parent_id) if (instance.data or {}).get("customer_id") is None else None
        values = sources.case_values(instance, tasks.get(instance.id, []), records.get(instance.id, []), zone=zone,
                                     parent=parent, office=offices.get(instance.id))
        if values["satisfaction"] is None:
            values["satisfaction"] = answered.get(instance.id)
        customers[instance.id] = {name: values[name] for name in CUSTOMER_COLUMNS}
        cases.append({"instance_id": instance.id, **values, "updated_at": stamp})
        steps += _step_rows(tasks.get(instance.id, []), values)
        slas += [sources.sla_values(record, values) for record in records.get(instance.id, [])]
    for table, rows in ((CaseFact, cases), (StepFact, steps), (SlaFact, slas)):
        if rows:
            db.session.execute(sa.insert(table), rows)


def _step_rows(tasks: Sequence[Task], case: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for task in sources.completed(tasks):
        rows.append(sources.step_values(task, case, first=task.element_id not in seen))
        seen.add(task.element_id)
    return rows


def sum_steps() -> None:
    key = (StepFact.opened_month, StepFact.process_id, StepFact.element_id, StepFact.region_team,
           sa.func.coalesce(StepFact.customer_class, ""))
    summed = sa.select(*key, sa.func.max(StepFact.name), sa.func.count(),
                       sa.func.sum(sa.case((StepFact.first_in_case.is_(True), 1), else_=0)),
                       sa.func.sum(StepFact.seconds)).group_by(*key)
    db.session.execute(sa.insert(StepMonth).from_select(
        ["opened_month", "process_id", "element_id", "region_team", "customer_class", "name", "steps", "cases",
         "seconds"], summed))


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.instance_id, []).append(row)
    return grouped


def _link_all_faults() -> None:
    rows = db.session.execute(
        sa.select(CaseFact.instance_id, CaseFact.equipment_serial, CaseFact.opened_at, CaseFact.ended_at)
        .where(CaseFact.process_id == sources.FAULT_PROCESS, CaseFact.equipment_serial.is_not(None))
        .order_by(CaseFact.equipment_serial, CaseFact.opened_at, CaseFact.instance_id)).all()
    gaps = [{"fact": before.instance_id, "gap": sources.gap_days(before.ended_at, after.opened_at)}
            for before, after in zip(rows, rows[1:], strict=False)
            if before.equipment_serial == after.equipment_serial]
    if gaps:
        table = CaseFact.__table__
        db.session.execute(sa.update(table).where(table.c.instance_id == sa.bindparam("fact"))
                           .values(next_fault_gap_days=sa.bindparam("gap")), gaps)


# ---------------------------------------------------------------- settings
def setting(key: str) -> int:
    default = SETTINGS[key][0]
    row = db.session.get(ManagementSetting, key)
    return int(row.value) if row is not None else default


def update_setting(key: str, value: Any, *, actor: Actor, now: dt.datetime) -> int:
    """Change a setting of the figures (in the caller's transaction), audited in the system stream."""
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner can change the settings of the management figures", key=key)
    if key not in SETTINGS:
        raise ValidationFailed({"key": [f"no setting '{key}'; known: {', '.join(sorted(SETTINGS))}"]})
    _default, low, high = SETTINGS[key]
    try:
        number = int(str(value))
    except ValueError as exc:
        raise ValidationFailed({"value": [f"'{value}' is not a whole number"]}) from exc
    if not low <= number <= high:
        raise ValidationFailed({"value": [f"{key} must be between {low} and {high}"]})
    row = db.session.get(ManagementSetting, key) or ManagementSetting(key=key)
    row.value, row.updated_by, row.updated_at = str(number), actor.username, utc_naive(now)
    db.session.add(row)
    db.session.flush()
    audit.append(audit.SYSTEM_STREAM, [{"type": "management_setting_changed", "at": now, "actor": actor.username,
                                        "data": {"key": key, "value": number}}])
    return number
