"""SLAs of running cases: opened when the task that meets them appears, warned at 75 %, breached
at the deadline (audit event, notifications, an escalation task for the service manager) and
closed as met or breached when the task is done, for the KPI reports.

`on_command` runs after every command inside its transaction (a resumed case's deadlines move by the
time it was suspended); `on_warning` and `on_breach` are the
handlers of the `sla_warn` and `sla_breach` timer rows, run under the case's lock.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import hooks
from engine.clock import as_aware, isoformat, utc_naive
from engine.db import db
from engine.hooks import CommandContext, TimerContext
from engine.identity import users_with_role
from engine.models import Instance, Task, Timer
from engine.timers import outbox
from workflows import sla_escalation
from workflows.deadlines import calendar, sla
from workflows.deadlines.sla import SlaRecord, SlaRule

MANAGER_ROLE = "service_manager"
ARRIVAL = "arrival"  # the rule met by the engineer's recorded arrival on site


# ---------------------------------------------------------------- after every command
def on_command(ctx: CommandContext) -> None:
    instance = ctx.instance
    _move_after_suspension(instance, ctx.events)
    if instance.process_id == sla_escalation.PROCESS_ID:
        sla_escalation.on_command(ctx)
        return
    finished = instance.status in ("completed", "cancelled")
    started = any(event["type"] == "instance_started" for event in ctx.events)
    if not (ctx.ready_tasks or ctx.closed_tasks or started or finished):
        return  # a claim, a draft, a timer that changed nothing: no SLA can start or end
    active = [rule for rule in sla.rules() if rule.applies_to(instance)]
    if not active and not ctx.closed_tasks and not finished:
        return
    records = ctx.shared[sla.SHARED_RECORDS] = sla.records_of(instance.id)  # the facts hook reads them too
    existing = {record.rule: record for record in records}
    for rule in active:
        if rule.key in existing:
            continue
        opened = None
        if rule.target == "case" and started:
            opened = _open(instance, rule, None, ctx.now)
        elif rule.target == "first_task":
            task = next((row for row in ctx.ready_tasks if rule.meets(row)), None)
            if task is not None:
                opened = _open(instance, rule, task, ctx.now)
        if opened is not None:
            existing[rule.key] = opened
            records.append(opened)
    _close_finished(instance, existing.values(), ctx.closed_tasks, ctx.now)


def _move_after_suspension(instance: Instance, events: list[dict[str, Any]]) -> None:
    """A resumed case's SLA clocks were stopped while it was suspended: their deadlines move on by
    that time (the engine moves the timer rows and task due dates with them)."""
    resumed = next((e for e in events if e["type"] == "instance_resumed"), None)
    if resumed is None:
        return
    paused = dt.timedelta(seconds=float((resumed.get("data") or {}).get("paused_seconds") or 0))
    for record in sla.records_of(instance.id):
        if record.outcome == "open" and record.closed_at is None:
            record.due_at = record.due_at + paused if record.due_at else None
            record.warn_at = record.warn_at + paused if record.warn_at else None
    db.session.flush()


def _open(instance: Instance, rule: SlaRule, task: Task | None, now: dt.datetime) -> SlaRecord:
    start = sla.clock_start(rule, instance, task)
    record = SlaRecord(instance_id=instance.id, case_number=instance.case_number, process_id=instance.process_id,
                       rule=rule.key, task_id=task.id if task else None, element_id=task.element_id if task else None,
                       role=task.role if task else None, started_at=utc_naive(start), outcome="open")
    db.session.add(record)
    try:
        cal = calendar.current()
        due, warn = sla.case_deadline(rule, instance, start, cal) or sla.deadline(rule, start, cal)
    except calendar.CalendarUnknown as exc:
        record.outcome, record.note = "unscheduled", exc.message
        db.session.flush()
        sla.case_event(instance, "sla_unscheduled", now, {"rule": rule.key, "problem": exc.message}, task=task)
        outbox.notify_role(MANAGER_ROLE, "calendar_unknown", _payload("calendar_unknown", instance, record, rule,
                                                                      task), instance_id=instance.id, now=now)
        return record
    _schedule(instance, record, rule, task, start=start, due=due, warn=warn, now=now)
    return record


def _schedule(instance: Instance, record: SlaRecord, rule: SlaRule, task: Task | None, *, start: dt.datetime,
              due: dt.datetime, warn: dt.datetime, now: dt.datetime, rescheduled: bool = False) -> None:
    record.due_at, record.warn_at = utc_naive(due), utc_naive(warn)
    db.session.flush()
    if task is not None and task.status == "ready":
        task.due_at = record.due_at  # the inbox shows the SLA's deadline
    if due > now:
        _timer(record, "sla_warn", warn, now)
    _timer(record, "sla_breach", due, now)
    data = {"rule": rule.key, "name": rule.name_zh, "started_at": start, "due_at": due, "warn_at": warn}
    sla.case_event(instance, "sla_started", now, {**data, "rescheduled": True} if rescheduled else data, task=task)


def reschedule(record: SlaRecord, now: dt.datetime) -> bool:
    """Give an unscheduled SLA its deadline once the calendar knows the year it needed (the caller
    holds the case's lock); False while it still needs a year the calendar does not know."""
    if record.outcome != "unscheduled" or record.closed_at is not None:
        return False
    instance, rule, task = db.session.get(Instance, record.instance_id), sla.rule(record.rule), _task(record)
    start = as_aware(record.started_at)
    try:
        cal = calendar.current()
        due, warn = sla.case_deadline(rule, instance, start, cal) or sla.deadline(rule, start, cal)
    except calendar.CalendarUnknown as exc:
        record.note = exc.message
        return False
    record.outcome, record.note = "open", None
    _schedule(instance, record, rule, task, start=start, due=due, warn=warn, now=now, rescheduled=True)
    return True


def _timer(record: SlaRecord, kind: str, due: dt.datetime, now: dt.datetime) -> None:
    db.session.add(Timer(instance_id=record.instance_id, task_id=record.timer_key, element_id=record.rule,
                         kind=kind, due_at=utc_naive(due), status="pending", created_at=utc_naive(now)))


def _close_finished(instance: Instance, records: Iterable[SlaRecord], closed_tasks: list[Task],
                    now: dt.datetime) -> None:
    closed = {row.id: row for row in closed_tasks}
    finished = instance.status in ("completed", "cancelled")
    for record in records:
        if record.closed_at is not None:
            continue
        if record.task_id is not None and record.task_id in closed:
            row = closed[record.task_id]
            done = row.status == "completed"
            recorded = _recorded_time(record, row) if done else None
            _close(instance, record, done=done, who=row.completed_by or row.assignee, now=now,
                   recorded=min(recorded, now) if recorded else None)  # no one arrives after writing it up
        elif record.task_id is None and finished:
            _close(instance, record, done=instance.status == "completed", who=None, now=now)


def _recorded_time(record: SlaRecord, task: Task) -> dt.datetime | None:
    """The time the task's form recorded for a rule met by it (the arrival on site), if given."""
    rule = sla.by_key(sla.rules()).get(record.rule)
    value = (task.data or {}).get(rule.done_field) if rule is not None and rule.done_field else None
    if not value:
        return None
    try:
        return calendar.current().local(str(value)).astimezone(dt.UTC)
    except ValueError:
        return None


def _close(instance: Instance, record: SlaRecord, *, done: bool, who: str | None, now: dt.datetime,
           recorded: dt.datetime | None = None) -> None:
    record.closed_at, record.assignee = utc_naive(now), who or record.assignee
    record.done_at = utc_naive(recorded or now) if done else None
    late = record.due_at is not None and utc_naive(now) > record.due_at
    if recorded is not None and record.due_at is not None:
        # a recorded time decides, even after the deadline timer fired for want of a record
        missed = record.done_at > record.due_at
        record.outcome, record.breached_at = ("breached", record.due_at) if missed else ("met", None)
    elif record.outcome == "open" and late:
        record.outcome, record.breached_at = "breached", record.due_at  # the scheduler had not got to it
    elif record.outcome == "open":
        record.outcome = "met" if done else "cancelled"
    db.session.execute(sa.update(Timer).where(Timer.instance_id == record.instance_id,
                                              Timer.task_id == record.timer_key, Timer.status == "pending")
                       .values(status="cancelled").execution_options(synchronize_session=False))
    sla.case_event(instance, "sla_closed", now, {"rule": record.rule, "outcome": record.outcome,
                                         "due_at": record.due_at, "done": done})


# ---------------------------------------------------------------- timer handlers
def _record_of(timer: Timer) -> SlaRecord | None:
    if not timer.task_id.startswith("sla:"):
        return None
    return db.session.get(SlaRecord, int(timer.task_id.split(":", 1)[1]))


def on_warning(context: TimerContext) -> None:
    record = _record_of(context.timer)
    if record is None or record.closed_at is not None or record.outcome != "open" or record.warned_at:
        return
    if record.due_at is not None and utc_naive(context.now) >= record.due_at:
        return  # the scheduler was down past the deadline: the breach follows, a warning would be stale
    rule, task = sla.rule(record.rule), _task(record)
    record.warned_at = utc_naive(context.now)
    sla.case_event(context.instance, "sla_warning", context.now, {"rule": record.rule, "due_at": record.due_at,
                                                          "assignee": task.assignee if task else None}, task=task)
    payload = _payload("sla_warning", context.instance, record, rule, task)
    for username in _people_on(record, task):
        outbox.notify(username, "sla_warning", payload, instance_id=context.instance.id, now=context.now)


def on_breach(context: TimerContext) -> None:
    record = _record_of(context.timer)
    if record is None or record.closed_at is not None or record.outcome != "open":
        return
    rule, task = sla.rule(record.rule), _task(record)
    record.outcome, record.breached_at = "breached", utc_naive(context.now)
    record.assignee = task.assignee if task else record.assignee
    sla.case_event(context.instance, "sla_breached", context.now, {"rule": record.rule, "due_at": record.due_at,
                                                           "assignee": record.assignee}, task=task)
    payload = _payload("sla_breached", context.instance, record, rule, task)
    people = _people_on(record, task) | {user.username for user in users_with_role(MANAGER_ROLE)}
    for username in sorted(people):
        outbox.notify(username, "sla_breached", payload, instance_id=context.instance.id, now=context.now)
    escalation = sla_escalation.start(context.instance, record, rule, task)
    record.escalation_id = escalation.id


def _task(record: SlaRecord) -> Task | None:
    return db.session.get(Task, record.task_id) if record.task_id else None


def _people_on(record: SlaRecord, task: Task | None) -> set[str]:
    """Who should act: the task's assignee, else everyone with its role; for a case, the managers."""
    if task is not None and task.assignee:
        return {task.assignee}
    role = task.role if task is not None else MANAGER_ROLE
    return {user.username for user in users_with_role(role)}


# ---------------------------------------------------------------- texts and audit
TITLES = {
    "sla_warning": ("{case}：{rule}即将到期", "{case}: {rule} due soon"),
    "sla_breached": ("{case}：{rule}已超时", "{case}: {rule} breached"),
    "calendar_unknown": ("{case}：无法计算{rule}期限", "{case}: cannot compute the {rule} deadline"),
}
BODIES = {
    "sla_warning": ("任务「{task}」须在 {due} 前完成。", "Task '{task}' is due by {due}."),
    "sla_breached": ("任务「{task}」已超过期限 {due}，已通知售后服务部经理。",
                     "Task '{task}' missed its deadline {due}; the service manager has been told."),
    "calendar_unknown": ("{problem}", "{problem}"),
}


def _payload(kind: str, instance: Instance, record: SlaRecord, rule: SlaRule, task: Task | None) -> dict[str, Any]:
    zone = ZoneInfo(hooks.get().timezone)
    due = as_aware(record.due_at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if record.due_at else "—"
    values = {"case": instance.case_number, "task": task.name if task else instance.case_number, "due": due,
              "problem": record.note or ""}
    (title_zh, title_en), (body_zh, body_en) = TITLES[kind], BODIES[kind]
    return {"title": {"zh": title_zh.format(rule=rule.name_zh, **values), "en": title_en.format(rule=rule.name_en,
                                                                                             **values)},
            "body": {"zh": body_zh.format(**values), "en": body_en.format(**values)},
            "case_number": instance.case_number, "instance_id": instance.id, "task_id": record.task_id,
            "rule": record.rule, "due_at": isoformat(record.due_at), "link": f"/cases/{instance.id}"}


# ---------------------------------------------------------------- KPI
def summary(*, since: dt.datetime, until: dt.datetime, process_id: str | None = None) -> dict[str, dict[str, int]]:
    """Per rule, how many SLAs that started in [since, until) were met, breached, are open, ..."""
    query = (sa.select(SlaRecord.rule, SlaRecord.outcome, sa.func.count())
             .where(SlaRecord.started_at >= utc_naive(since), SlaRecord.started_at < utc_naive(until))
             .group_by(SlaRecord.rule, SlaRecord.outcome))
    if process_id:
        query = query.where(SlaRecord.process_id == process_id)
    result: dict[str, dict[str, int]] = {}
    for rule_key, outcome, count in db.session.execute(query):
        result.setdefault(rule_key, {"open": 0, "met": 0, "breached": 0, "cancelled": 0, "unscheduled": 0})
        result[rule_key][outcome] = count
    return result


def by_assignee(*, since: dt.datetime, until: dt.datetime) -> dict[str, dict[str, int]]:
    """Per person who held the task: SLAs met and breached among those closed in [since, until)."""
    rows = db.session.execute(
        sa.select(SlaRecord.assignee, SlaRecord.outcome, sa.func.count())
        .where(SlaRecord.closed_at >= utc_naive(since), SlaRecord.closed_at < utc_naive(until),
               SlaRecord.assignee.is_not(None), SlaRecord.outcome.in_(("met", "breached")))
        .group_by(SlaRecord.assignee, SlaRecord.outcome))
    result: dict[str, dict[str, int]] = {}
    for assignee, outcome, count in rows:
        result.setdefault(assignee, {"met": 0, "breached": 0})[outcome] = count
    return result


def arrivals(*, since: dt.datetime, until: dt.datetime, engineer: str | None = None) -> list[dict[str, Any]]:
    """The engineers' arrivals on site judged in [since, until): who, which case, when due, when they
    arrived (as recorded on site, else when they submitted the visit) and whether it was in time."""
    query = (sa.select(SlaRecord).where(SlaRecord.rule == ARRIVAL, SlaRecord.outcome.in_(("met", "breached")),
                                        SlaRecord.closed_at >= utc_naive(since), SlaRecord.closed_at < utc_naive(until))
             .order_by(SlaRecord.closed_at, SlaRecord.id))
    if engineer is not None:
        query = query.where(SlaRecord.assignee == engineer)
    return [{"engineer": row.assignee, "case_number": row.case_number, "instance_id": row.instance_id,
             "due_at": isoformat(row.due_at), "arrived_at": isoformat(row.done_at), "outcome": row.outcome}
            for row in db.session.execute(query).scalars()]


def late_arrivals(*, since: dt.datetime, until: dt.datetime) -> dict[str, dict[str, int]]:
    """Per engineer: arrivals on site in time and late, among those judged in [since, until)."""
    result: dict[str, dict[str, int]] = {}
    for row in arrivals(since=since, until=until):
        counts = result.setdefault(row["engineer"], {"met": 0, "breached": 0})
        counts[row["outcome"]] += 1
    return result
