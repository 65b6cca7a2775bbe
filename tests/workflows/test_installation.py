"""Flow 1, installation and commissioning, driven end to end through the engine."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden
from engine.models import Instance
from tests.workflows.flowkit import assert_story, complete, events, gateways, ready, steps, task_of

START = {"contract_number": "HT-2026-018", "equipment": [{"model": "HX-200 压滤机", "quantity": 2}],
         "wished_date": "2026-03-20"}


def start(flows, actors, customer=None, **extra):
    data = {"customer_id": customer or flows.sw, **START, **extra}
    return commands.start_instance(process_id="installation", data=data, actor=actors["sales1"])


def approve_and_assign(case, actors, engineer="eng_sw2"):
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True, comment="同意安排")
    return complete(case, "assign_engineer", actors["manager1"], assigned_engineer=engineer)


def test_request_fills_customer_facts_and_numbers_the_case(flows, actors):
    case = start(flows, actors)
    assert case.case_number.startswith("INS-2026-")
    assert (case.customer_id, case.customer_name, case.region) == (flows.sw, "成都蓉城机械有限公司", "四川")
    assert case.data["address"] == "四川某工业园区" and case.data["contact"] == "王工"
    assert case.data["customer_class"] == "key" and case.data["requested_by"] == "sales1"
    assert task_of(case, "desk_review").role == "service_desk"


def test_full_installation_with_a_failed_performance_test(flows, actors, clock):
    case = start(flows, actors)
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    assign = task_of(case, "assign_engineer")
    assert assign.role == "service_manager"
    assert assign.draft == {"assigned_engineer": "eng_sw1"}  # south-west team, both idle: first by name
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")  # the manager overrides
    for element in ("shipping_check", "goods_count", "commissioning", "training"):
        assert task_of(case, element).assignee == "eng_sw2"
        complete(case, element, actors["eng_sw2"])
    complete(case, "performance_test", actors["eng_sw2"], passed=False, problems="处理量不足")
    assert set(ready(case.id)) == {"commissioning"}  # back to commissioning
    complete(case, "commissioning", actors["eng_sw2"], settings="调整滤板间隙")
    assert set(ready(case.id)) == {"performance_test"}  # training is not repeated
    complete(case, "performance_test", actors["eng_sw2"], passed=True)
    complete(case, "summary_report", actors["eng_sw2"])
    clock.advance(days=1)
    case = complete(case, "manager_review", actors["manager1"])

    assert_story(case)
    assert [s for s, _ in steps(case)] == [
        "desk_review", "vp_approval", "assign_engineer", "shipping_check", "goods_count", "commissioning",
        "training", "performance_test", "commissioning", "performance_test", "summary_report", "manager_review"]
    assert ("passed_gateway", ["commissioning_merge"]) in gateways(case)
    assert ("trained_gateway", ["test_merge"]) in gateways(case)
    # the phone revisit (Flow 3) is open, for the same engineer, due 14 days after completion
    revisit = db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id)).scalar_one()
    assert revisit.process_id == "revisit" and revisit.started_by == "system"
    assert case.data["revisit_case"] == revisit.case_number
    assert revisit.data["source"] == "after_installation" and revisit.data["related_case"] == case.case_number
    phone = task_of(revisit, "phone_revisit")
    assert phone.assignee == "eng_sw2" and phone.customer_name == "成都蓉城机械有限公司"
    assert phone.due_at == case.ended_at + dt.timedelta(days=14)


def test_audit_log_tells_the_installation_story(flows, actors):
    case = start(flows, actors)
    approve_and_assign(case, actors)
    for element in ("shipping_check", "goods_count", "commissioning", "training", "performance_test",
                    "summary_report"):
        complete(case, element, actors["eng_sw2"])
    case = complete(case, "manager_review", actors["manager1"], comment="按期完成")
    log = events(case)
    assert log[0].type == "instance_started" and log[0].actor == "sales1"
    assert log[0].data["start_data"]["contract_number"] == "HT-2026-018"
    assert log[-1].type == "instance_completed"
    done = {e.element_id: e for e in log if e.type == "task_completed"}
    assert done["vp_approval"].actor == "salesvp1" and done["vp_approval"].data["submitted"]["approved"] is True
    assert done["assign_engineer"].data["submitted"]["assigned_engineer"] == "eng_sw2"
    assert done["training"].data["submitted"]["attendees"][0]["name"] == "李操作"
    assert done["manager_review"].data["submitted"]["comment"] == "按期完成"
    ready_events = {e.element_id: e for e in log if e.type == "task_ready"}
    assert ready_events["shipping_check"].data["assignee"] == "eng_sw2"
    assert {e.element_id for e in log if e.type == "element_completed"} >= {"dispatch_suggestion",
                                                                            "schedule_revisit"}
    assert all(e.at is not None for e in log)
    assert log[-1].state["case_data"]["revisit_case"].startswith("REV-")
    assert audit.verify_all().ok


def test_vp_rejection_ends_the_case_and_tells_sales(flows, actors):
    case = start(flows, actors)
    complete(case, "desk_review", actors["desk1"])
    case = complete(case, "vp_approval", actors["salesvp1"], approved=False, comment="合同尚未生效")
    notice = task_of(case, "rejection_notice")
    assert (notice.role, notice.assignee) == ("sales", "sales1")
    assert case.data["comment"] == "合同尚未生效"
    case = complete(case, "rejection_notice", actors["sales1"])
    assert case.status == "completed"
    assert "end_rejected" in events(case)[-1].state["completed"]
    assert not db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id)).first()


def test_engineer_tasks_belong_to_the_chosen_engineer(flows, actors):
    case = start(flows, actors)
    approve_and_assign(case, actors, engineer="eng_sw2")
    with pytest.raises(Forbidden):
        complete(case, "shipping_check", actors["eng_sw1"])


def test_north_customer_gets_the_north_team(flows, actors):
    case = start(flows, actors, customer=flows.north)
    complete(case, "desk_review", actors["desk1"])
    case = complete(case, "vp_approval", actors["salesvp1"], approved=True)
    assert case.data["suggested_engineer"] == "eng_n1"
    assert queries.task(task_of(case, "assign_engineer").id).draft == {"assigned_engineer": "eng_n1"}


def test_wrong_roles_get_403_through_the_api(flows, actors, api):
    body = {"process_id": "installation", "data": {"customer_id": flows.sw, **START}}
    assert api("eng_sw1").post("/process-instances", json=body).status_code == 403
    created = api("sales1").post("/process-instances", json=body)
    assert created.status_code == 201, created.get_json()
    task_id = created.get_json()["tasks"][0]["id"]
    answer = api("sales1").post(f"/tasks/{task_id}/complete", json={"data": {"customer_checked": True}})
    assert answer.status_code == 403
    done = api("desk1").post(f"/tasks/{task_id}/complete", json={"data": {
        "customer_checked": True, "contract_checked": True, "arrangement": "安排"}})
    assert done.status_code == 200, done.get_json()


def test_request_validation_names_the_fields(flows, actors, api):
    response = api("sales1").post("/process-instances", json={"process_id": "installation", "data": {
        "customer_id": 99999, "equipment": []}})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["customer_id"] == ["客户 99999 不存在。"]
    assert "contract_number" in errors and "equipment" in errors
    english = api("sales1").post("/process-instances?lang=en", json={"process_id": "installation", "data": {
        "customer_id": 99999, "contract_number": "x", "equipment": [{"model": "A", "quantity": 1}]}})
    assert english.get_json()["errors"]["customer_id"] == ["There is no customer 99999."]
