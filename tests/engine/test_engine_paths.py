"""Each BPMN construct driven through the real engine and database with tiny diagrams."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine import commands, queries
from engine.audit import chain as audit
from engine.errors import Conflict, Forbidden


def ready(instance_id):
    return {t.element_id: t for t in queries.tasks_of(instance_id, "ready")}


def test_gateway_default_branch_rejects(deploy, users):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "华西"}, actor=users["sales1"])
    review = ready(case.id)["review"]
    case = commands.complete_task(task_id=review.id, data={"approved": False, "comment": "缺合同"},
                                  actor=users["desk1"])
    assert case.status == "completed" and ready(case.id) == {}
    gateway = [e for e in audit.events_of(case.id) if e.type == "gateway_taken"]
    assert gateway[0].data["to"] == ["end_rejected"]
    last = audit.events_of(case.id)[-1]
    assert "end_rejected" in last.state["completed"] and "notify" not in last.state["completed"]


def test_script_and_parallel_gateway(deploy, users):
    deploy("t_parallel")
    lines = [{"quantity": 2, "price": "100.50"}, {"quantity": 3, "price": 300}]
    case = commands.start_instance(process_id="t_parallel", data={"lines": lines}, actor=users["sales1"])
    assert case.data["total"] == "1101.00" and case.data["big"] is True
    tasks = ready(case.id)
    assert set(tasks) == {"install", "make"}
    assert tasks["make"].role == "production"  # lane given by its Chinese name
    case = commands.complete_task(task_id=tasks["make"].id, data={}, actor=users["prod1"])
    assert case.status == "running" and set(ready(case.id)) == {"install"}
    case = commands.complete_task(task_id=tasks["install"].id, data={"hours": 6}, actor=users["eng1"])
    assert case.status == "completed"
    assert case.data["hours"] == 6


def test_call_activity_runs_child_process_tasks(deploy, users):
    deploy("t_child")
    deploy("t_call")
    case = commands.start_instance(process_id="t_call", data={}, actor=users["sales1"])
    [vp_task] = ready(case.id).values()
    assert (vp_task.element_id, vp_task.role, vp_task.process_id) == ("vp_ok", "sales_vp", "t_call")
    case = commands.complete_task(task_id=vp_task.id, data={}, actor=users["salesvp1"])
    assert set(ready(case.id)) == {"after"}


@pytest.mark.parametrize(("amount", "approver_task"), [("999.99", "mgr_ok"), ("1000.00", "mgr_ok"),
                                                        ("1000.01", "vp_ok")])
def test_dmn_business_rule_routes_by_amount(deploy, users, amount, approver_task):
    deploy("t_dmn", "t_rules.dmn")
    case = commands.start_instance(process_id="t_dmn", data={"amount": amount}, actor=users["desk1"])
    assert set(ready(case.id)) == {approver_task}
    assert case.amount == Decimal(amount)


def test_failing_script_puts_case_in_error_with_recorded_reason(deploy, users):
    deploy("t_fail")
    case = commands.start_instance(process_id="t_fail", data={}, actor=users["sales1"])
    case = commands.complete_task(task_id=ready(case.id)["ask"].id, data={}, actor=users["sales1"])
    assert case.status == "error"
    assert case.error["element_id"] == "divide" and "division by zero" in case.error["message"]
    errors = [e for e in audit.events_of(case.id) if e.type == "instance_error"]
    assert errors and errors[0].element_id == "divide"
    assert queries.tasks_of(case.id)[0].status == "completed"  # the user's work is kept


def test_boundary_timer_interrupts_task(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    repair = ready(case.id)["repair"]
    assert commands.fire_timers(instance_id=case.id) == 0
    clock.advance(seconds=3)
    assert commands.fire_timers(instance_id=case.id) == 1
    assert set(ready(case.id)) == {"escalate"}
    assert queries.task(repair.id).status == "cancelled"
    with pytest.raises(Conflict):
        commands.complete_task(task_id=repair.id, data={}, actor=users["eng1"])
    types = [e.type for e in audit.events_of(case.id)]
    assert "timer_fired" in types and "task_cancelled" in types


def test_due_timer_fires_before_a_late_submission(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    repair = ready(case.id)["repair"]
    clock.advance(seconds=5)  # the deadline passed; the scheduler has not run yet
    with pytest.raises(Conflict):
        commands.complete_task(task_id=repair.id, data={}, actor=users["eng1"])


def test_wrong_role_cannot_complete(deploy, users):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["sales1"])
    with pytest.raises(Forbidden):
        commands.complete_task(task_id=ready(case.id)["review"].id, data={"approved": True}, actor=users["eng1"])


def test_start_needs_the_start_lane_role(deploy, users):
    deploy("t_approval")
    with pytest.raises(Forbidden):
        commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["eng1"])
