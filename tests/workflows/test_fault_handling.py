"""Flow 2, quality fault handling: remote and on-site, with and without warranty parts (Flow 4
as a call activity), and the revisit opened at the end."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import Instance
from tests.workflows.flowkit import (
    assert_story,
    attachment,
    complete,
    events,
    gateways,
    office_of,
    ready,
    steps,
    task_of,
)
from workflows.records import warranty
from workflows.records.tables import Customer

ONSITE_TAIL = ("inspection_test", "trial_run", "service_report")


def report(serial="EQ-SW-001", **extra):
    return {"equipment_serial": serial, "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30:00",
            "damage_extent": "serious", "photos": [attachment("photo-a")], **extra}


def start(flows, actors, serial="EQ-SW-001", **extra):
    return commands.start_instance(process_id="fault_handling", data=report(serial, **extra), actor=actors["sales1"])


def to_engineer(case, actors, mode, engineer="eng_sw1"):
    complete(case, "desk_analysis", actors["desk1"], suggested_mode=mode)
    complete(case, "vp_decision", actors["salesvp1"], service_mode=mode)
    return complete(case, "assign_engineer", actors["manager1"], assigned_engineer=engineer)


def finish(case, actors, engineer="eng_sw1"):
    for element in ONSITE_TAIL:
        case = complete(case, element, actors[engineer])
    return complete(case, "manager_review", actors["manager1"])


def revisit_of(case):
    return db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id,
                                                        Instance.process_id == "revisit")).scalar_one()


def test_report_is_completed_from_the_equipment_record(flows, actors, clock):
    case = start(flows, actors)
    data = case.data
    assert (data["customer_name"], data["equipment_model"], data["factory_date"]) == (
        "成都蓉城机械有限公司", "HX-200 压滤机", "2025-01-10")
    assert data["in_warranty"] is True and data["warranty_status"] == "质保期内"
    # computed from the register: commissioned 2025-03-31, 33 months
    assert (data["warranty_start"], data["warranty_end"], data["warranty_months"]) == ("2025-03-31", "2027-12-31", 33)
    assert data["inspection_record"] == "出厂检验合格" and "payment_timing" not in data  # no paid repair
    assert case.received_at == clock.now().replace(tzinfo=None)  # received now when not given
    assert (case.equipment_serial, case.region) == ("EQ-SW-001", "四川")
    old = start(flows, actors, serial="EQ-SW-OLD", received_at="2026-03-01T20:00:00")
    assert old.data["in_warranty"] is False and old.data["warranty_status"] == "已过质保期"
    assert old.received_at == dt.datetime(2026, 3, 1, 12, 0)  # 20:00 Shanghai, stored as UTC


def test_remote_fix_flags_a_key_revisit_and_opens_the_phone_revisit(flows, actors, clock):
    case = start(flows, actors)
    vp = task_of(complete(case, "desk_analysis", actors["desk1"], suggested_mode="remote"), "vp_decision")
    assert vp.draft == {"service_mode": "remote"}  # the VP decides remote or on site
    case = complete(case, "vp_decision", actors["salesvp1"], service_mode="remote")
    assign = task_of(case, "assign_engineer")  # the service manager confirms the engineer (art. 19's pattern)
    assert assign.role == "service_manager" and assign.draft == {"assigned_engineer": "eng_sw1"}
    assert case.data["suggested_engineer"] == "eng_sw1" and case.data["region"] == "四川"
    case = complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    assert task_of(case, "remote_guidance").assignee == "eng_sw2"
    case = complete(case, "remote_guidance", actors["eng_sw2"], resolved=True)
    customer = db.session.get(Customer, flows.sw)
    assert customer.key_revisit is True and customer.key_revisit_case == case.case_number
    clock.advance(hours=2)
    case = complete(case, "manager_review", actors["manager1"])
    assert_story(case)
    assert steps(case) == [("desk_analysis", "desk1"), ("vp_decision", "salesvp1"), ("assign_engineer", "manager1"),
                           ("remote_guidance", "eng_sw2"), ("manager_review", "manager1")]
    revisit = revisit_of(case)
    assert revisit.data["source"] == "after_fault" and revisit.equipment_serial == "EQ-SW-001"
    phone = task_of(revisit, "phone_revisit")
    assert phone.assignee == "eng_sw2" and phone.due_at == case.ended_at + dt.timedelta(days=14)


def test_unresolved_remote_fault_goes_on_site(flows, actors):
    case = to_engineer(start(flows, actors), actors, "remote")
    case = complete(case, "remote_guidance", actors["eng_sw1"], resolved=False, result="远程无法排除")
    assert set(ready(case.id)) == {"onsite_investigation"}
    complete(case, "onsite_investigation", actors["eng_sw1"])
    complete(case, "repair", actors["eng_sw1"])  # no warranty parts listed
    case = finish(case, actors)
    assert case.status == "completed"
    assert ("resolved_gateway", ["onsite_merge"]) in gateways(case)
    assert ("parts_gateway", ["parts_merge"]) in gateways(case)


def test_warranty_parts_run_the_compensation_flow_as_a_call_activity(flows, actors):
    case = to_engineer(start(flows, actors), actors, "onsite")
    complete(case, "onsite_investigation", actors["eng_sw1"], site_photos=[attachment("photo-b", "eng_sw1")])
    case = complete(case, "repair", actors["eng_sw1"], emergency=True,
                    warranty_parts=[{"part_code": "BRG-6205", "quantity": 2}, {"part_code": "SEAL-80", "quantity": 4}])
    # Flow 4 runs inside this case: the desk verifies, the amount (219.00, emergency) goes to the manager
    verify = task_of(case, "desk_verify")
    assert verify.form_name == "compensation_approval/desk_verify" and verify.role == "service_desk"
    assert case.amount == Decimal("219.00") and case.data["evidence"] == [attachment("photo-a"), attachment("photo-b")]
    complete(case, "desk_verify", actors["desk1"])
    case = complete(case, "manager_approval", actors["manager1"])
    for element, who in [("production_order", "sales1"), ("production", "prod1")]:
        assert "inspection_test" not in ready(case.id)  # the engineer waits for the parts
        case = complete(case, element, actors[who])
    case = complete(case, "shipping", actors["logi1"])
    # shipped: the engineer tests while the cost and the responsibility are decided alongside, in a case
    # of their own linked to this one
    assert set(ready(case.id)) == {"inspection_test"}
    assert case.data["compensation_result"] == "approved"
    office = office_of(case)
    assert set(ready(office.id)) == {"cost_recording", "responsibility"}
    assert office.data["claim_case"] == case.case_number and office.data["customer_id"] == case.data["customer_id"]
    complete(office, "responsibility", actors["qualityvp1"])
    office = complete(office, "cost_recording", actors["mfg1"])
    assert office.status == "completed"
    case = finish(case, actors)
    assert_story(case)
    log = events(case)
    assert any(e.type == "element_started" and e.element_id == "compensation" for e in log)
    assert any(e.type == "element_completed" and e.element_id == "compensation" for e in log)
    assert [e for e, _ in steps(case)].index("manager_approval") < [e for e, _ in steps(case)].index("trial_run")
    assert office.data["responsible_party"] == "supplier" and office.data["freight_cost"] == "45.50"
    assert audit.verify_all().ok


def test_office_work_does_not_hold_the_repair_its_close_or_its_revisit(flows, actors, clock):
    case = to_engineer(start(flows, actors), actors, "onsite")
    complete(case, "onsite_investigation", actors["eng_sw1"])
    case = complete(case, "repair", actors["eng_sw1"], emergency=True,
                    warranty_parts=[{"part_code": "BRG-6205", "quantity": 1}])
    for element, who in [("desk_verify", "desk1"), ("manager_approval", "manager1"), ("production_order", "sales1"),
                         ("production", "prod1"), ("shipping", "logi1")]:
        case = complete(case, element, actors[who])
    for element in ONSITE_TAIL:
        case = complete(case, element, actors["eng_sw1"])
    clock.advance(hours=1)
    case = complete(case, "manager_review", actors["manager1"])
    # the fault is closed by the manager and its phone revisit is due in 14 days, the office work still open
    assert case.status == "completed" and case.ended_at == clock.now().replace(tzinfo=None)
    assert_story(case)
    phone = task_of(revisit_of(case), "phone_revisit")
    assert phone.due_at == clock.now().replace(tzinfo=None) + dt.timedelta(days=14)
    office = office_of(case)
    assert set(ready(office.id)) == {"cost_recording", "responsibility"}
    clock.advance(days=3)
    complete(office, "cost_recording", actors["mfg1"])
    office = complete(office, "responsibility", actors["qualityvp1"], responsible_party="production")
    assert office.status == "completed" and office.data["responsible_party"] == "production"
    assert_story(office)


def test_rejected_compensation_lets_the_repair_go_on(flows, actors):
    case = to_engineer(start(flows, actors), actors, "onsite")
    complete(case, "onsite_investigation", actors["eng_sw1"])
    case = complete(case, "repair", actors["eng_sw1"], warranty_parts=[{"part_code": "MTR-2K2", "quantity": 1}])
    complete(case, "desk_verify", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"])  # not an emergency: VP then general manager
    case = complete(case, "gm_approval", actors["gm1"], approved=False, comment="属使用不当，不予赔偿")
    assert "inspection_test" not in ready(case.id)
    case = complete(case, "rejection_notice", actors["desk1"])  # no parts will come: the engineer goes on
    assert set(ready(case.id)) == {"inspection_test"}
    case = finish(case, actors)
    assert case.status == "completed" and case.data["compensation_result"] == "rejected"


def quoted(flows, actors, **answer):
    """An out-of-warranty fault, analysed and quoted: the customer's answer is next."""
    case = start(flows, actors, serial="EQ-SW-OLD")
    assert case.data["in_warranty"] is False and case.data["warranty_end"] == "2025-06-30"
    case = complete(case, "desk_analysis", actors["desk1"], suggested_mode="onsite")
    assert set(ready(case.id)) == {"repair_quote"}  # no dispatch before the customer accepts a quote
    case = complete(case, "repair_quote", actors["desk1"])
    assert case.data["quote_amount"] == "1271.00"  # 2 × 85.50 + 800.00 labour + 300.00 travel
    answer_task = task_of(case, "customer_answer")
    assert answer_task.role == "sales"
    return complete(case, "customer_answer", actors["sales1"], **answer)


def test_out_of_warranty_fault_is_repaired_only_after_the_customer_accepted_and_paid(flows, actors):
    case = quoted(flows, actors)
    assert set(ready(case.id)) == {"payment_before"}  # paid before the work, the company's default
    case = complete(case, "payment_before", actors["desk1"])
    case = complete(case, "vp_decision", actors["salesvp1"], service_mode="onsite")
    case = complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    complete(case, "onsite_investigation", actors["eng_sw1"])
    case = complete(case, "repair", actors["eng_sw1"], warranty_parts=[{"part_code": "BRG-6205", "quantity": 1}])
    assert set(ready(case.id)) == {"inspection_test"}  # out of warranty: no compensation claim
    case = finish(case, actors)
    assert case.status == "completed"
    done = [element for element, _ in steps(case)]
    assert done.index("customer_answer") < done.index("payment_before") < done.index("repair")
    assert ("warranty_gateway", ["repair_quote"]) in gateways(case)
    assert ("accepted_gateway", ["prepay_gateway"]) in gateways(case)
    assert ("prepay_gateway", ["payment_before"]) in gateways(case)
    assert ("postpay_gateway", ["manager_review"]) in gateways(case)
    answer = next(e for e in events(case) if e.type == "task_completed" and e.element_id == "customer_answer")
    assert (answer.actor, answer.data["submitted"]["answered_by"], answer.data["submitted"]["answer_channel"]) == (
        "sales1", "王工", "phone")


def test_a_declined_quote_ends_the_case_with_the_reason(flows, actors):
    with pytest.raises(ValidationFailed) as refused:  # a decline without its reason is not recorded
        quoted(flows, actors, quote_accepted=False, decline_reason="  ")
    assert refused.value.errors == {"decline_reason": ["此项为必填项。"]}
    db.session.rollback()
    case = quoted(flows, actors, quote_accepted=False, decline_reason="费用过高，客户自行维修")
    assert case.status == "completed" and "end_declined" in events(case)[-1].state["completed"]
    assert case.data["decline_reason"] == "费用过高，客户自行维修"
    assert [element for element, _ in steps(case)] == ["desk_analysis", "repair_quote", "customer_answer"]
    assert_story(case)


def test_payment_after_the_work_is_a_setting(flows, actors, clock):
    warranty.change_setting("paid_repair_payment", "on_completion", actor=actors["admin"], now=clock.now())
    case = quoted(flows, actors)
    assert case.data["payment_timing"] == "on_completion" and set(ready(case.id)) == {"vp_decision"}
    case = complete(case, "vp_decision", actors["salesvp1"], service_mode="remote")
    case = complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    case = complete(case, "remote_guidance", actors["eng_sw1"], resolved=True)
    assert set(ready(case.id)) == {"payment_after"}  # the fee before the manager closes the case
    case = complete(case, "payment_after", actors["desk1"], amount_received="1271.00")
    case = complete(case, "manager_review", actors["manager1"])
    assert case.status == "completed"
    assert ("prepay_gateway", ["paid_merge"]) in gateways(case)
    assert ("postpay_gateway", ["payment_after"]) in gateways(case)


def test_repair_rejects_unknown_parts(flows, actors):
    case = to_engineer(start(flows, actors), actors, "onsite")
    complete(case, "onsite_investigation", actors["eng_sw1"])
    with pytest.raises(ValidationFailed) as error:
        complete(case, "repair", actors["eng_sw1"], warranty_parts=[{"part_code": "XX-1", "quantity": 1}])
    assert error.value.errors == {"warranty_parts.0.part_code": ["零件编号 XX-1 不在零部件目录中。"]}
    assert set(ready(case.id)) == {"repair"}


def test_roles_and_assignment_are_enforced(flows, actors, api):
    body = {"process_id": "fault_handling", "data": report()}
    assert api("eng_sw1").post("/process-instances", json=body).status_code == 403
    created = api("sales1").post("/process-instances", json=body)
    assert created.status_code == 201
    case_id = created.get_json()["id"]
    task = task_of(case_id, "desk_analysis")
    assert api("salesvp1").post(f"/tasks/{task.id}/complete", json={"data": {}}).status_code == 403
    complete(case_id, "desk_analysis", actors["desk1"])
    vp = task_of(case_id, "vp_decision")
    decided = api("manager1").post(f"/tasks/{vp.id}/complete", json={"data": {"service_mode": "onsite"}})
    assert decided.status_code == 403
    complete(case_id, "vp_decision", actors["salesvp1"])
    assign = task_of(case_id, "assign_engineer")
    refused = api("salesvp1").post(f"/tasks/{assign.id}/complete", json={"data": {"assigned_engineer": "eng_sw2"}})
    assert refused.status_code == 403  # the VP decides the mode, the manager names the engineer
    complete(case_id, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    with pytest.raises(Forbidden):
        complete(case_id, "onsite_investigation", actors["eng_sw1"])
