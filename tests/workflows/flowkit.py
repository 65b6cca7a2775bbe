"""Drive cases through the real engine in tests: complete the ready task of an element with a
valid form (overridable), and read back what the audit log says happened."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine import attachments, commands, queries
from engine.audit import chain as audit
from engine.clock import now
from engine.db import db
from engine.identity import Actor
from engine.models import Instance, Task

FORM_DATA: dict[str, dict[str, Any]] = {
    "installation/desk_review": {"customer_checked": True, "contract_checked": True, "departments": ["production"],
                                 "arrangement": "按合同安排安装调试，提前准备备件"},
    "installation/vp_approval": {"approved": True, "comment": "同意"},
    "installation/rejection_notice": {"note": "已告知客户"},
    "installation/assign_engineer": {"planned_date": "2026-03-10"},
    "installation/shipping_check": {"shipping_list_ok": True, "packing_list_ok": True, "materials_ready": True},
    "installation/goods_count": {"arrival_date": "2026-03-09", "handed_over_to": "王工", "items": [
        {"item": "压滤机", "model": "HX-200", "expected": 2, "received": 2, "condition": "intact"}]},
    "installation/commissioning": {"started_on": "2026-03-10", "readings": [
        {"parameter": "过滤压力", "value": "0.6", "unit": "MPa", "standard": "0.5–0.8"}]},
    "installation/training": {"training_date": "2026-03-11", "topics": "操作与日常维护", "hours": "4",
                              "attendees": [{"name": "李操作", "position": "操作工"}, {"name": "赵维修"}]},
    "installation/performance_test": {"passed": True, "results": [
        {"indicator": "处理量", "target": "20 m³/h", "measured": "21 m³/h"}]},
    "installation/summary_report": {"summary": "两台设备安装调试完成，性能考核合格", "service_log": "3月9日到场…",
                                    "days_on_site": 5, "parts_sales": "1200.00"},
    "installation/manager_review": {"service_quality": "good", "engineer_performance": "excellent",
                                    "customer_satisfaction": "good", "comment": "按期完成"},
    "fault_handling/desk_analysis": {"preliminary_judgement": "主轴承损坏", "handling_plan": "更换轴承并检查润滑",
                                     "suggested_mode": "onsite", "departments": ["rd", "quality"]},
    "fault_handling/vp_decision": {"service_mode": "onsite", "comment": "同意派员"},
    "fault_handling/assign_engineer": {"instructions": "带齐密封件与专用工具"},
    "fault_handling/repair_quote": {"quote_parts": [{"part_code": "BRG-6205", "quantity": 2}], "labour_fee": "800.00",
                                    "travel_fee": "300.00", "quote_note": "设备已过质保期，按有偿维修报价"},
    "fault_handling/customer_answer": {"quote_accepted": True, "answered_by": "王工", "answer_channel": "phone",
                                       "answered_at": "2026-03-02T10:00:00"},
    "fault_handling/payment": {"amount_received": "1271.00", "received_on": "2026-03-03", "receipt_number": "SK-001"},
    "fault_handling/remote_guidance": {"guidance": "指导客户调整液压压力", "channel": "phone",
                                       "result": "设备恢复运行", "resolved": True},
    "fault_handling/onsite_investigation": {"findings": "轴承滚道剥落", "cause": "supplier",
                                            "site_conditions": "连续三班运行"},
    "fault_handling/repair": {"work_done": "更换主轴承和油封"},
    "fault_handling/inspection_test": {"test_items": [{"item": "空载运行", "result": "正常"}], "result": "合格"},
    "fault_handling/trial_run": {"hours": "8", "result": "运行平稳", "customer_confirmed": True},
    "fault_handling/service_report": {"fault_description": "主轴异响", "cause_analysis": "外购轴承质量问题",
                                      "handling": "更换轴承", "outcome": "设备恢复正常", "customer_signatory": "王工"},
    "fault_handling/manager_review": {"service_quality": "good", "engineer_performance": "good",
                                      "customer_satisfaction": "good"},
    "compensation_approval/desk_verify": {"evidence_verified": True, "cause_analysis": "外购件质量问题",
                                          "recommendation": "同意按质保赔偿"},
    "compensation_approval/manager_approval": {"approved": True, "comment": "同意"},
    "compensation_approval/vp_approval": {"approved": True, "comment": "同意"},
    "compensation_approval/gm_approval": {"approved": True, "comment": "同意"},
    "compensation_approval/rejection_notice": {"note": "已通知客户"},
    "compensation_approval/production_order": {"order_number": "PO-2026-001", "delivery_date": "2026-03-20"},
    "compensation_approval/production": {"finished_on": "2026-03-18", "batch_number": "B-01"},
    "compensation_approval/shipping": {"shipped_on": "2026-03-19", "carrier": "德邦物流", "tracking_number": "DB1"},
    "compensation_office/cost_recording": {"machining_cost": "120.00", "purchase_cost": "300.00",
                                             "freight_cost": "45.50"},
    "compensation_office/responsibility": {"responsible_party": "supplier", "finding": "外购轴承质量问题"},
    "revisit/phone_questionnaire": {"contact_person": "王工", "satisfaction": 4, "equipment_status": "normal",
                                    "needs": "希望增加培训"},
    "revisit/visit_request": {"approved": True, "planned_date": "2026-03-20"},
    "revisit/visit_preparation": {"equipment_models": "HX-200 ×2", "years_in_use": 3},
    "revisit/onsite_visit": {"meeting_notes": "座谈：设备运行稳定", "site_inspection": "工况良好",
                             "data_collected": [{"item": "月处理量", "value": "12000 m³"}]},
    "revisit/satisfaction_survey": {"satisfaction": 5, "product_quality": 5, "service_attitude": 5,
                                    "response_speed": 4},
    "revisit/visit_report": {"summary": "客户满意，提出扩产需求"},
    "revisit/follow_up": {"action_taken": "经理致电客户并安排工程师上门", "resolved": True},
    "tech_support/answer": {"channel": "phone", "answer": "建议将过滤压力调至0.6MPa"},
    "complaint/respond": {"response": "已致电客户致歉，承诺两日内处理", "remedy_plan": "派工程师上门复查密封",
                          "handled_by": "engineer"},
    "complaint/handling": {"actions": "上门复查，更换密封件", "result": "漏油已排除"},
    "complaint/confirm": {"contact_person": "王工", "satisfied": True, "satisfaction": 4},
    "complaint/close": {"justified": True, "cause": "engineer_fault", "improvement": "加强安装后复查"},
}


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def attachment(name: str, by: str = "sales1") -> str:
    """The id of a photo or scan `by` uploaded (a form accepts only files its submitter uploaded or
    already on the case); the same name gives the same id, as uploads are stored once per content."""
    with commands.transaction():
        return attachments.store(filename=f"{name}.png", content=PNG_SIGNATURE + name.encode(), uploaded_by=by,
                                 max_bytes=1024, now=now()).id


def ready(instance_id: int) -> dict[str, Task]:
    return {t.element_id: t for t in queries.tasks_of(instance_id, "ready")}


def task_of(case: Instance | int, element: str) -> Task:
    tasks = ready(case if isinstance(case, int) else case.id)
    assert element in tasks, f"{element} is not ready; ready: {sorted(tasks)}"
    return tasks[element]


def complete(case: Instance | int, element: str, actor: Actor, **data: Any) -> Instance:
    """Complete the ready task `element` with its default form data, overridden by `data`."""
    task = task_of(case, element)
    return commands.complete_task(task_id=task.id, data={**FORM_DATA.get(task.form_name, {}), **data}, actor=actor)


def events(case: Instance) -> list[Any]:
    return audit.events_of(case.id)


def office_of(case: Instance) -> Instance:
    """The office work (cost recording, responsibility) an approved claim opened once its parts shipped."""
    office = db.session.execute(sa.select(Instance).where(
        Instance.parent_id == case.id, Instance.process_id == "compensation_office")).scalar_one()
    assert office.case_number == case.data["office_case"]
    return office


def steps(case: Instance) -> list[tuple[str, str]]:
    """(element, actor) of every completed user task, in order."""
    return [(e.element_id, e.actor) for e in audit.events_of(case.id) if e.type == "task_completed"]


def assert_story(case: Instance) -> None:
    """A finished case's audit log tells the whole story: it starts with the start data, has every
    completed task with who did it, when and what they submitted, ends completed, and verifies."""
    log = audit.events_of(case.id)
    assert log[0].type == "instance_started" and log[0].actor == case.started_by and log[0].data["start_data"]
    story = [e for e in log if not e.type.startswith("sla_")]  # SLA bookkeeping may follow the end
    assert story[-1].type == "instance_completed" and case.status == "completed"
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    done = {e.task_id: e for e in log if e.type == "task_completed"}
    announced = {e.task_id for e in log if e.type == "task_ready"}
    rows = queries.tasks_of(case.id, "completed")
    assert rows and {row.id for row in rows} == set(done) and set(done) <= announced
    for row in rows:
        event = done[row.id]
        assert (event.actor, event.at, event.element_id) == (row.completed_by, row.completed_at, row.element_id)
        assert event.data["submitted"] == row.data and event.data["form"] == row.form_name
    assert audit.verify_stream(audit.instance_stream(case.id)).ok


def gateways(case: Instance) -> list[tuple[str, list[str]]]:
    return [(e.element_id, e.data["to"]) for e in audit.events_of(case.id) if e.type == "gateway_taken"]
