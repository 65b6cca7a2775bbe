"""Each kind of BPMN timer, fired by the timer service (`fire_due`) as the scheduler would, on a fake clock."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine import commands, queries
from engine.audit import chain as audit
from engine.db import db
from engine.models import Timer
from engine.timers import firing as timers

UTC = dt.UTC


def ready(instance_id):
    return sorted(t.element_id for t in queries.tasks_of(instance_id, "ready"))


def timer_rows(instance_id):
    return list(db.session.execute(sa.select(Timer).where(Timer.instance_id == instance_id)
                                   .order_by(Timer.id)).scalars())


def fired_events(instance_id):
    return [e for e in audit.events_of(instance_id) if e.type == "timer_fired"]


def test_boundary_interrupting_timer_fires_once_when_due(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    [row] = timer_rows(case.id)
    assert (row.kind, row.element_id, row.status) == ("bpmn", "sla", "pending")
    assert row.due_at == dt.datetime(2026, 3, 2, 1, 0, 2)

    clock.advance(seconds=2)  # exactly due: SpiffWorkflow fires only once due < now
    assert timers.fire_due().fired == 0
    clock.advance(milliseconds=1)
    report = timers.fire_due()
    assert report.fired == 1 and report.lateness == [0.001]
    assert ready(case.id) == ["escalate"]
    db.session.refresh(row)
    assert row.status == "fired" and row.fired_at == dt.datetime(2026, 3, 2, 1, 0, 2, 1000)

    clock.advance(minutes=5)
    assert timers.fire_due().fired == 0  # never twice
    assert len(fired_events(case.id)) == 1


def test_boundary_timer_cancelled_when_task_done_in_time(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    [repair] = queries.tasks_of(case.id, "ready")
    clock.advance(seconds=1)
    case = commands.complete_task(task_id=repair.id, data={}, actor=users["eng1"])
    assert case.status == "completed"
    [row] = timer_rows(case.id)
    assert row.status == "cancelled"
    clock.advance(hours=1)
    assert timers.fire_due().fired == 0 and fired_events(case.id) == []


def test_intermediate_catch_timer(deploy, users, clock):
    deploy("t_catch")
    case = commands.start_instance(process_id="t_catch", data={}, actor=users["eng1"])
    assert case.status == "waiting" and ready(case.id) == []
    clock.advance(minutes=59)
    assert timers.fire_due().fired == 0 and ready(case.id) == []
    clock.advance(minutes=2)
    assert timers.fire_due().fired == 1
    assert ready(case.id) == ["measure"]
    [event] = fired_events(case.id)
    assert event.element_id == "cool_down" and event.actor == "system"
    assert event.at == dt.datetime(2026, 3, 2, 2, 1)


def test_non_interrupting_cycle_reminds_without_closing_the_task(deploy, users, clock):
    deploy("t_reminder")
    case = commands.start_instance(process_id="t_reminder", data={}, actor=users["eng1"])
    [row] = timer_rows(case.id)
    assert row.due_at == dt.datetime(2026, 3, 2, 1, 30)
    clock.advance(minutes=31)
    assert timers.fire_due().fired == 1
    assert ready(case.id) == ["answer", "chase"]
    db.session.refresh(row)
    assert row.status == "pending" and row.due_at == dt.datetime(2026, 3, 2, 2, 0)  # the next round
    clock.advance(minutes=31)
    assert timers.fire_due().fired == 1
    assert ready(case.id) == ["answer", "chase", "chase"]
    clock.advance(hours=3)  # R2: two reminders; the timer ends at its third due time
    timers.fire_due()
    assert ready(case.id) == ["answer", "chase", "chase"]
    clock.advance(hours=3)
    assert timers.fire_due().fired == 0
    events = fired_events(case.id)
    assert [e.data.get("cycle") for e in events][:2] == [True, True]
    answer = next(t for t in queries.tasks_of(case.id, "ready") if t.element_id == "answer")
    commands.complete_task(task_id=answer.id, data={}, actor=users["eng1"])
    assert {r.status for r in timer_rows(case.id)} <= {"cancelled", "fired"}


def test_cycle_reminder_is_cancelled_with_its_task(deploy, users, clock):
    deploy("t_reminder")
    case = commands.start_instance(process_id="t_reminder", data={}, actor=users["eng1"])
    [answer] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=answer.id, data={}, actor=users["eng1"])
    [row] = timer_rows(case.id)
    assert row.status == "cancelled"
    clock.advance(hours=2)
    assert timers.fire_due().fired == 0 and ready(case.id) == []


def test_timer_start_event_waits_for_its_date(deploy, users, clock):
    deploy("t_start_timer")
    case = commands.start_instance(process_id="t_start_timer", data={"visit_at": "2026-03-03 14:00"},
                                   actor=users["eng1"])
    assert case.status == "waiting" and ready(case.id) == []
    [row] = timer_rows(case.id)
    assert row.element_id == "start" and row.due_at == dt.datetime(2026, 3, 3, 6, 0)  # 14:00 Shanghai
    clock.set(dt.datetime(2026, 3, 3, 5, 59, tzinfo=UTC))
    assert timers.fire_due().fired == 0
    clock.set(dt.datetime(2026, 3, 3, 6, 0, 1, tzinfo=UTC))
    assert timers.fire_due().fired == 1
    assert ready(case.id) == ["visit"]
    [event] = fired_events(case.id)
    assert event.element_id == "start"


def test_timer_start_cycle_starts_a_round_each_period(deploy, users, clock):
    deploy("t_start_cycle")
    case = commands.start_instance(process_id="t_start_cycle", data={}, actor=users["eng1"])
    assert ready(case.id) == []
    clock.advance(minutes=61)
    assert timers.fire_due().fired == 1 and ready(case.id) == ["inspect"]
    clock.advance(minutes=61)
    assert timers.fire_due().fired == 1 and ready(case.id) == ["inspect", "inspect"]
    clock.advance(hours=5)  # R2: the timer ends at its third due time without a third round
    timers.fire_due()
    assert ready(case.id) == ["inspect", "inspect"]
    assert [r.status for r in timer_rows(case.id)] == ["fired"]
    clock.advance(hours=5)
    assert timers.fire_due().fired == 0
    for task in queries.tasks_of(case.id, "ready"):
        case = commands.complete_task(task_id=task.id, data={}, actor=users["eng1"])
    assert case.status == "completed"


def test_overdue_timers_of_many_cases_all_fire_in_one_pass(deploy, users, clock):
    deploy("t_catch")
    cases = [commands.start_instance(process_id="t_catch", data={}, actor=users["eng1"]) for _ in range(5)]
    clock.advance(days=3)  # the server was down for days
    report = timers.fire_due()
    assert report.fired == 5
    assert all(ready(c.id) == ["measure"] for c in cases)
    assert min(report.lateness) > 3 * 86400 - 3601
