"""Suspend and resume: a suspended case fires no timer and shows no task; resumed, its deadlines
are moved by the time it was suspended, and the re-execution check explains it."""
from __future__ import annotations

import datetime as dt

import pytest

from engine import commands, operations, queries, replay, store
from engine import spiff as sw
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.models import Task, Timer
from engine.queries import TaskFilter, task_query
from engine.timers import firing as timers


def inbox(actor):
    return list(db.session.execute(task_query(actor, TaskFilter(scope="all"))).scalars())


def bpmn_timer(case):
    return db.session.execute(db.select(Timer).where(Timer.instance_id == case.id, Timer.kind == "bpmn")).scalar_one()


def test_a_suspended_case_fires_no_timer_and_resumes_with_its_deadline_moved(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["admin"])
    due = bpmn_timer(case).due_at
    assert due == utc_naive(clock.now() + dt.timedelta(seconds=2))
    [repair] = queries.tasks_of(case.id, "ready")
    repair.due_at = task_due = utc_naive(clock.now() + dt.timedelta(hours=4))
    db.session.commit()

    clock.advance(seconds=1)
    case = operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="客户要求暂缓")
    assert case.status == "suspended"
    assert inbox(users["admin"]) == [] and queries.tasks_of(case.id, "ready") == []
    assert timers.next_due() is None

    clock.advance(hours=3)  # far past the timer's due time
    assert timers.fire_due().fired == 0
    assert commands.fire_timers(instance_id=case.id) == 0
    assert queries.instance(case.id).status == "suspended"
    with pytest.raises(Conflict):
        commands.complete_task(task_id=repair.id, data={}, actor=users["eng1"])

    case = operations.resume_instance(instance_id=case.id, actor=users["manager1"], reason="客户同意继续")
    paused = dt.timedelta(hours=3)
    assert case.status == "running"
    assert bpmn_timer(case).due_at == due + paused and bpmn_timer(case).status == "pending"
    [repair] = queries.tasks_of(case.id, "ready")
    assert [t.id for t in inbox(users["admin"])] == [repair.id]
    assert repair.due_at == task_due + paused
    [(_, _, spiff_due)] = sw.pending_timers(store.load(case))
    assert dt.datetime.fromisoformat(spiff_due).replace(tzinfo=None) == due + paused

    clock.advance(seconds=0.5)  # the old due time is long past, the moved one not yet
    assert timers.fire_due().fired == 0
    clock.advance(seconds=1)
    assert timers.fire_due().fired == 1
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["escalate"]

    kinds = [e.type for e in audit.events_of(case.id)]
    assert kinds.index("instance_suspended") < kinds.index("instance_resumed") < kinds.index("timer_fired")
    resumed = next(e for e in audit.events_of(case.id) if e.type == "instance_resumed")
    assert resumed.actor == "manager1" and resumed.data["paused_seconds"] == 3 * 3600
    assert resumed.data["reason"] == "客户同意继续"
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def test_a_suspended_case_replays_as_suspended_and_can_be_cancelled(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["admin"])
    operations.suspend_instance(instance_id=case.id, actor=users["admin"], reason="暂停")
    assert replay.check(case.id).ok
    case = commands.cancel_instance(instance_id=case.id, actor=users["manager1"], reason="客户取消")
    assert case.status == "cancelled"
    assert {t.status for t in queries.tasks_of(case.id)} == {"cancelled"}
    assert bpmn_timer(case).status == "cancelled"
    assert replay.check(case.id).ok


def test_suspend_and_resume_are_checked(deploy, users):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["admin"])
    with pytest.raises(Forbidden):
        operations.suspend_instance(instance_id=case.id, actor=users["desk1"], reason="x")
    with pytest.raises(Forbidden):  # the role is checked before the case is looked up
        operations.suspend_instance(instance_id=424242, actor=users["eng1"], reason="x")
    with pytest.raises(ValidationFailed) as missing:
        operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="  ")
    assert "reason" in missing.value.errors
    with pytest.raises(ValidationFailed):
        operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="x" * 501)
    with pytest.raises(Conflict):
        operations.resume_instance(instance_id=case.id, actor=users["manager1"], reason="x")
    operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="x")
    with pytest.raises(Conflict):
        operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="x")
    assert db.session.get(Task, queries.tasks_of(case.id)[0].id).status == "suspended"
