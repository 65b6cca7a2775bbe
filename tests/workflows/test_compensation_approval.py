"""Flow 4, parts compensation approval: the DMN bands, each approval's reject path, the
production chain, and the claim's start data (catalogue prices, Decimal amount)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.timers.outbox import Notification
from tests.workflows.flowkit import assert_story, attachment, complete, events, office_of, ready, steps, task_of

CHAIN = {"manager": ["manager_approval"], "vp": ["vp_approval"], "vp+gm": ["vp_approval", "gm_approval"]}
APPROVERS = {"manager_approval": "manager1", "vp_approval": "salesvp1", "gm_approval": "gm1"}
AFTER_APPROVAL = [("production_order", "sales1"), ("production", "prod1"), ("shipping", "logi1")]
OFFICE = [("cost_recording", "mfg1"), ("responsibility", "qualityvp1")]


def evidence() -> list[str]:
    """The damage photo, uploaded by those who start claims here (desk, sales, an engineer)."""
    return sorted({attachment("photo-sha-1", by) for by in ("desk1", "sales1", "eng_sw1")})


def claim(flows, amount: str = "800.00", emergency: bool = True, **extra):
    return {"customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report",
            "evidence": evidence(), "description": "主轴承滚道剥落", "emergency": emergency,
            "lines": [{"part_code": "BRG-6205", "quantity": 1, "unit_price": amount}], **extra}


def start(flows, actors, who="desk1", **kw):
    case = commands.start_instance(process_id="compensation_approval", data=claim(flows, **kw), actor=actors[who])
    return complete(case, "desk_verify", actors["desk1"])


@pytest.mark.parametrize(("amount", "emergency", "band"), [
    ("999.99", True, "manager"), ("1000.00", True, "manager"), ("1000.01", True, "vp"),
    ("4999.99", True, "vp"), ("5000.00", True, "vp+gm"),
    ("999.99", False, "vp+gm"), ("1000.00", False, "vp+gm"), ("1000.01", False, "vp+gm"),
    ("4999.99", False, "vp+gm"), ("5000.00", False, "vp+gm"),
    ("5000.01", True, "vp+gm"), ("5000.01", False, "vp+gm"), ("20000.00", True, "vp+gm"), ("20000.00", False, "vp+gm"),
])
def test_approval_chain_follows_the_authority_table(flows, actors, amount, emergency, band):
    case = start(flows, actors, amount=amount, emergency=emergency)
    assert case.amount == Decimal(amount) and case.data["amount"] == amount
    for element in CHAIN[band]:
        assert set(ready(case.id)) == {element}
        case = complete(case, element, actors[APPROVERS[element]])
    assert set(ready(case.id)) == {"production_order"}
    copied = [entry["role"] for entry in case.data["copied_to"]]
    assert copied == {"manager": ["sales_vp", "quality_vp", "general_manager"],
                      "vp": ["quality_vp", "general_manager"], "vp+gm": []}[band]


@pytest.mark.parametrize(("amount", "emergency", "rejecting"), [
    ("500.00", True, "manager_approval"), ("3000.00", True, "vp_approval"),
    ("800.00", False, "vp_approval"), ("8000.00", True, "gm_approval"),
])
def test_rejection_at_any_approval_ends_the_claim_and_tells_the_desk(flows, actors, amount, emergency, rejecting):
    case = start(flows, actors, amount=amount, emergency=emergency)
    while rejecting not in ready(case.id):
        [element] = ready(case.id)
        case = complete(case, element, actors[APPROVERS[element]])
    case = complete(case, rejecting, actors[APPROVERS[rejecting]], approved=False, comment="证据不足，不予赔偿")
    notice = task_of(case, "rejection_notice")
    assert notice.role == "service_desk"
    assert case.data["compensation_result"] == "rejected" and case.data["comment"] == "证据不足，不予赔偿"
    case = complete(case, "rejection_notice", actors["desk2"])
    assert_story(case)
    assert "end_rejected" in events(case)[-1].state["completed"]
    assert "production_order" not in {e for e, _ in steps(case)}


def test_approved_claim_is_made_shipped_costed_and_judged(flows, actors, api):
    case = start(flows, actors, amount="800.00", emergency=True, who="sales1")
    case = complete(case, "manager_approval", actors["manager1"], comment="紧急，同意")
    for element, who in AFTER_APPROVAL:
        assert task_of(case, element).role == {"sales1": "sales", "prod1": "production", "logi1": "logistics"}[who]
        case = complete(case, element, actors[who])
    # shipped: the claim is done; its cost and responsibility are a case of their own, linked to it
    assert case.status == "completed" and case.data["compensation_result"] == "approved"
    assert steps(case) == [("desk_verify", "desk1"), ("manager_approval", "manager1"), *AFTER_APPROVAL]
    office = office_of(case)
    assert set(ready(office.id)) == {"cost_recording", "responsibility"}
    roles = (task_of(office, "cost_recording").role, task_of(office, "responsibility").role)
    assert roles == ("mfg_tech", "quality_vp")
    assert office.data["claim_case"] == case.case_number and office.data["amount"] == "800.00"
    assert "（BRG-6205）× 1，800.00 元" in office.data["parts"]  # what the technician costs
    assert office.data["carrier"] == case.data["carrier"]
    for element, who in OFFICE:
        office = complete(office, element, actors[who])
    assert office.status == "completed" and office.data["freight_cost"] == "45.50"
    assert office.data["responsible_party"] == "supplier"
    log = events(case)
    assert log[0].data["start_data"]["amount"] == "800.00" and log[0].actor == "sales1"
    decided = [e for e in log if e.type == "element_completed" and e.element_id == "authority"]
    assert decided and decided[0].data["kind"] == "BusinessRuleTask"
    assert_story(case)
    assert_story(office)
    assert audit.verify_all().ok
    # nobody opens the office work by hand: it belongs to a shipped claim
    by_hand = api("mfg1").post("/process-instances", json={"process_id": "compensation_office", "data": {
        "claim_case": case.case_number, "customer_id": flows.sw, "amount": "1"}})
    assert by_hand.status_code == 403
    nonsense = api("admin").post("/process-instances", json={"process_id": "compensation_office", "data": {"x": 1}})
    assert nonsense.status_code == 403  # refused before its data is even read, an administrator too


def test_unit_price_defaults_to_the_catalogue_and_amount_is_a_decimal_string(flows, actors, api):
    response = api("desk1").post("/process-instances", json={"process_id": "compensation_approval", "data": {
        **claim(flows), "lines": [{"part_code": "BRG-6205", "quantity": 3},
                                  {"part_code": "SEAL-80", "quantity": 2, "unit_price": "10.5"}]}})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["amount"] == "277.50"  # 3 × 85.50 + 2 × 10.50
    assert data["lines"][0] == {"part_code": "BRG-6205", "part_name": "深沟球轴承 6205", "quantity": 3,
                                "unit_price": "85.50", "line_total": "256.50"}
    assert data["lines"][1]["unit_price"] == "10.50"
    assert data["customer_name"] == "成都蓉城机械有限公司" and data["equipment_model"] == "HX-200 压滤机"


def test_claim_errors_are_clear_and_leave_nothing_behind(flows, actors, api):
    bad = {**claim(flows), "equipment_serial": "EQ-N-001",
           "lines": [{"part_code": "NOPE", "quantity": 0}], "evidence": []}
    response = api("desk1").post("/process-instances", json={"process_id": "compensation_approval", "data": bad})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["lines.0.part_code"] == ["零件编号 NOPE 不在零部件目录中。"]
    assert "lines.0.quantity" in errors
    owner = api("desk1").post("/process-instances?lang=en", json={"process_id": "compensation_approval", "data": {
        **claim(flows), "equipment_serial": "EQ-N-001"}})
    assert owner.get_json()["errors"] == {
        "equipment_serial": ["Equipment EQ-N-001 does not belong to the chosen customer."]}
    with pytest.raises(ValidationFailed) as missing:
        commands.start_instance(process_id="compensation_approval", data=claim(flows, evidence=[]),
                                actor=actors["desk1"])
    assert missing.value.errors == {"evidence": ["须附客户质量问题来函或设备损坏状况报告（照片）。"]}
    listed = api("desk1").get("/process-instances?process_id=compensation_approval").get_json()
    assert listed["total"] == 0


def test_only_the_right_roles_start_and_approve(flows, actors, api):
    body = {"process_id": "compensation_approval", "data": claim(flows, amount="500.00")}
    assert api("prod1").post("/process-instances", json=body).status_code == 403
    created = api("eng_sw1").post("/process-instances", json=body)  # engineers may file a claim
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    verify = task_of(case_id, "desk_verify")
    assert api("eng_sw1").post(f"/tasks/{verify.id}/complete", json={"data": {}}).status_code == 403
    complete(case_id, "desk_verify", actors["desk1"])
    approval = task_of(case_id, "manager_approval")
    for stranger in ("salesvp1", "gm1", "desk1"):
        response = api(stranger).post(f"/tasks/{approval.id}/complete", json={"data": {"approved": True}})
        assert response.status_code == 403, stranger
    with pytest.raises(Forbidden):
        complete(case_id, "manager_approval", actors["salesvp1"])
    response = api("manager1").post(f"/tasks/{approval.id}/complete", json={"data": {"approved": True}})
    assert response.status_code == 200


def test_a_claim_on_equipment_out_of_warranty_is_refused(flows, actors, api):
    body = {"process_id": "compensation_approval", "data": {**claim(flows), "equipment_serial": "EQ-SW-OLD"}}
    refused = api("desk1").post("/process-instances", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"equipment_serial": [
        "设备 EQ-SW-OLD 已过质保期（质保至 2025-06-30），零部件赔偿仅限质保期内的设备；请按有偿维修处理。"]}
    english = api("desk1").post("/process-instances?lang=en", json=body).get_json()["errors"]["equipment_serial"]
    assert english == ["Equipment EQ-SW-OLD is out of warranty (it ended on 2025-06-30): parts are compensated "
                       "only within warranty; handle it as a paid repair."]
    assert api("desk1").get("/process-instances?process_id=compensation_approval").get_json()["total"] == 0


def test_copies_for_the_record_reach_the_other_leaders_and_are_listed_on_their_side(flows, actors, api):
    case = start(flows, actors, amount="800.00", emergency=True)
    case = complete(case, "manager_approval", actors["manager1"])
    told = db.session.execute(sa.select(Notification).where(Notification.kind == "copied_for_record")
                              .order_by(Notification.username)).scalars().all()
    assert [n.username for n in told] == ["gm1", "qualityvp1", "salesvp1"]
    assert told[0].payload["title"]["zh"] == f"报送备案：{case.case_number}"
    assert "800.00" in told[0].payload["body"]["zh"] and told[0].payload["link"] == f"/cases/{case.id}"
    listed = api("salesvp1").get("/copies").get_json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["case_id"], item["case_number"], item["amount"], item["role"], item["approved_by"]) == (
        case.id, case.case_number, "800.00", "sales_vp", "manager1")
    assert item["approved_by_name"] and item["customer_name"] == "成都蓉城机械有限公司"
    assert api("manager1").get("/copies").get_json()["total"] == 0  # the approver is not copied
    # the top band reports to nobody
    top = start(flows, actors, amount="5000.00", emergency=True)
    complete(top, "vp_approval", actors["salesvp1"])
    complete(top, "gm_approval", actors["gm1"])
    assert api("qualityvp1").get("/copies").get_json()["total"] == 1
