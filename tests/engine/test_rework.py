"""Correct a submitted value and send a case back for rework: old and new values recorded, the case
continues with the corrected value; a send-back undoes later steps without deleting their history;
the re-execution check explains the case after each."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine import commands, operations, queries, replay, store
from engine import spiff as sw
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import Task


def ready(case, element):
    [row] = [t for t in queries.tasks_of(case.id, "ready") if t.element_id == element]
    return row


def done(case, element):
    return [t for t in queries.tasks_of(case.id, "completed") if t.element_id == element][-1]


def at_approval(deploy, users, amount="500"):
    deploy("t_rework")
    case = commands.start_instance(process_id="t_rework", data={"customer_name": "华西"}, actor=users["sales1"])
    commands.complete_task(task_id=ready(case, "fill").id, data={"amount": amount, "note": "轴承"},
                           actor=users["sales1"])
    commands.complete_task(task_id=ready(case, "check").id, data={"checked": True}, actor=users["desk1"])
    return queries.instance(case.id)


def test_a_corrected_amount_is_recorded_and_the_case_continues_with_it(deploy, users):
    case = at_approval(deploy, users)
    fill = done(case, "fill")
    case = operations.correct_value(instance_id=case.id, task_id=fill.id, field="amount", value="2000",
                                    actor=users["manager1"], reason="客户来函更正金额")
    assert case.status == "running" and case.data["amount"] == "2000.00"
    db.session.expire_all()
    assert db.session.get(Task, fill.id).data == {"amount": "2000.00", "note": "轴承"}
    assert sw.task_data(store.load(case), fill.id)["amount"] == Decimal("2000")  # the step's own stored data
    event = next(e for e in audit.events_of(case.id) if e.type == "task_corrected")
    assert (event.actor, event.task_id, event.element_id) == ("manager1", fill.id, "fill")
    assert (event.data["before"], event.data["after"], event.data["reason"]) == (
        {"amount": "500.00"}, {"amount": "2000.00"}, "客户来函更正金额")
    assert replay.check(case.id).ok

    case = commands.complete_task(task_id=ready(case, "approve").id, data={}, actor=users["manager1"])
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["gm_sign"]  # 2000 needs the GM
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def test_corrections_are_checked(deploy, users):
    case = at_approval(deploy, users)
    fill = done(case, "fill")
    with pytest.raises(Forbidden):
        operations.correct_value(instance_id=case.id, task_id=fill.id, field="amount", value="1",
                                 actor=users["desk1"], reason="x")
    with pytest.raises(ValidationFailed) as bad:
        operations.correct_value(instance_id=case.id, task_id=fill.id, field="amount", value="-5",
                                 actor=users["manager1"], reason="x")
    assert "value" in bad.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        operations.correct_value(instance_id=case.id, task_id=fill.id, field="colour", value="red",
                                 actor=users["manager1"], reason="x")
    assert "field" in unknown.value.errors
    with pytest.raises(ValidationFailed):
        operations.correct_value(instance_id=case.id, task_id=fill.id, field="amount", value="500",
                                 actor=users["manager1"], reason="x")
    with pytest.raises(NotFound):
        operations.correct_value(instance_id=case.id, task_id="no-such-task", field="amount", value="1",
                                 actor=users["manager1"], reason="x")
    with pytest.raises(Conflict):  # an open task has nothing submitted yet
        operations.correct_value(instance_id=case.id, task_id=ready(case, "approve").id, field="amount",
                                 value="1", actor=users["manager1"], reason="x")
    assert [e.type for e in audit.events_of(case.id)].count("task_corrected") == 0


def test_send_back_reopens_the_step_with_its_last_submission_and_keeps_the_history(deploy, users):
    case = at_approval(deploy, users)
    first_fill, first_check = done(case, "fill"), done(case, "check")
    case = operations.send_back(instance_id=case.id, element_id="fill", actor=users["manager1"],
                                reason="金额与发票不符，请重填")
    again = ready(case, "fill")
    assert again.id != first_fill.id and again.draft == {"amount": "500.00", "note": "轴承"}
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["fill"]
    approve = next(t for t in queries.tasks_of(case.id) if t.element_id == "approve")
    assert approve.status == "cancelled"
    db.session.expire_all()
    assert db.session.get(Task, first_fill.id).status == "completed"  # history kept
    assert db.session.get(Task, first_check.id).data == {"checked": True}
    event = next(e for e in audit.events_of(case.id) if e.type == "instance_sent_back")
    assert event.data["undone"] == ["check", "fill"] and event.data["reason"] == "金额与发票不符，请重填"
    assert event.state["active"] == ["fill"] and "check" not in event.state["completed"]
    assert sum(e.type == "task_completed" for e in audit.events_of(case.id)) == 2  # nothing deleted
    assert replay.check(case.id).ok

    commands.complete_task(task_id=again.id, data={"amount": "800", "note": "按发票"}, actor=users["sales1"])
    commands.complete_task(task_id=ready(case, "check").id, data={"checked": True}, actor=users["desk1"])
    case = commands.complete_task(task_id=ready(case, "approve").id, data={}, actor=users["manager1"])
    assert case.status == "completed" and case.data["amount"] == "800.00"
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def test_send_back_is_checked(deploy, users):
    case = at_approval(deploy, users)
    with pytest.raises(Forbidden):
        operations.send_back(instance_id=case.id, element_id="fill", actor=users["sales1"], reason="x")
    with pytest.raises(ValidationFailed) as never:
        operations.send_back(instance_id=case.id, element_id="approve", actor=users["manager1"], reason="x")
    assert "element_id" in never.value.errors
    with pytest.raises(ValidationFailed):
        operations.send_back(instance_id=case.id, element_id="fill", actor=users["manager1"], reason="")
    operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="暂停")
    with pytest.raises(Conflict):
        operations.send_back(instance_id=case.id, element_id="fill", actor=users["manager1"], reason="x")


def test_a_value_corrected_while_suspended_replays(deploy, users):
    case = at_approval(deploy, users)
    operations.suspend_instance(instance_id=case.id, actor=users["manager1"], reason="等待客户来函")
    case = operations.correct_value(instance_id=case.id, task_id=done(case, "check").id, field="checked",
                                    value=False, actor=users["manager1"], reason="核对有误")
    assert case.status == "suspended"
    case = operations.resume_instance(instance_id=case.id, actor=users["manager1"], reason="来函已到")
    assert case.data["checked"] is False
    assert replay.check(case.id).ok
