"""A suspended case's SLA clock stops: no warning, no breach, no escalation while it is suspended;
resumed, the SLA deadline, its timers and the task's due date move by the time it was suspended."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine import commands, operations, replay
from engine.db import db
from engine.models import Instance, Timer
from engine.timers import firing as timers
from engine.timers import outbox
from tests.workflows.deadlines.test_sla_flows import naive_utc, record, shanghai
from tests.workflows.flowkit import task_of


def sla_timers(case):
    db.session.expire_all()
    return {row.kind: row for row in db.session.execute(sa.select(Timer).where(
        Timer.instance_id == case.id, Timer.kind.in_(("sla_warn", "sla_breach")))).scalars()}


def test_the_sla_clock_stops_while_the_case_is_suspended(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 16, 0))
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.sw, "question": "请提供液压站维护手册"}, actor=actors["desk1"])
    due = naive_utc(2026, 3, 3, 0, 0)  # within 8 clock hours
    assert record(case, "tech_question_answer").due_at == due and task_of(case, "answer").due_at == due
    warn_at = sla_timers(case)["sla_warn"].due_at

    clock.set(shanghai(2026, 3, 2, 16, 30))
    operations.suspend_instance(instance_id=case.id, actor=actors["manager1"], reason="客户出差，下周再答复")
    assert {row.status for row in sla_timers(case).values()} == {"suspended"}
    clock.set(shanghai(2026, 3, 4, 16, 30))  # two days later: past the warning and the deadline
    assert timers.fire_due().fired == 0
    assert record(case, "tech_question_answer").outcome == "open"
    assert sla_notices("eng_sw1") == []
    assert db.session.execute(sa.select(Instance).where(Instance.process_id == "sla_escalation")).first() is None

    operations.resume_instance(instance_id=case.id, actor=actors["manager1"], reason="客户已回来")
    paused = dt.timedelta(days=2)
    db.session.expire_all()
    moved = record(case, "tech_question_answer")
    assert (moved.due_at, moved.outcome) == (due + paused, "open")
    assert task_of(case, "answer").due_at == due + paused
    rows = sla_timers(case)
    assert (rows["sla_warn"].due_at, rows["sla_breach"].due_at) == (warn_at + paused, due + paused)
    assert {row.status for row in rows.values()} == {"pending"}

    clock.set(shanghai(2026, 3, 4, 23, 59))
    timers.fire_due()
    assert record(case, "tech_question_answer").outcome == "open"
    assert sla_notices("eng_sw1") == ["sla_warning"]
    clock.set(shanghai(2026, 3, 5, 0, 1))
    timers.fire_due()
    assert record(case, "tech_question_answer").outcome == "breached"
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def sla_notices(username: str) -> list[str]:
    """The deadline notifications a person got (they also hear of tasks arriving in their queue)."""
    return [n.kind for n in outbox.list_for(username).items if n.kind.startswith("sla_")]
