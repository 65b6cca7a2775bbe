"""抄送我的: a leader finds the claims reported to them for the record, by name, linked to the case,
from the notifications page; in English too."""
from __future__ import annotations

from engine import commands
from engine.commands import transaction
from engine.identity import get_user
from tests.workflows.flowkit import attachment, complete


def test_copied_leaders_see_the_claim_on_their_list(as_user, flows, actors):
    case = commands.start_instance(process_id="compensation_approval", actor=actors["desk1"], data={
        "customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report",
        "evidence": [attachment("photo", "desk1")], "description": "主轴承滚道剥落", "emergency": True,
        "lines": [{"part_code": "BRG-6205", "quantity": 2}]})
    complete(case, "desk_verify", actors["desk1"])
    complete(case, "manager_approval", actors["manager1"])
    with transaction():
        get_user("manager1").display_name = "张经理"
    browser = as_user("qualityvp1")
    assert "/copies/" in browser.get("/notifications/").get_data(as_text=True)
    page = browser.get("/copies/").get_data(as_text=True)
    assert case.case_number in page and f"/cases/{case.id}" in page and "171.00" in page
    assert "成都蓉城机械有限公司" in page and "张经理" in page and "manager1" not in page  # the approver by name
    english = browser.get("/copies/?lang=en").get_data(as_text=True)
    assert "Copied to me" in english and "抄送我的" not in english
    empty = as_user("desk1").get("/copies/").get_data(as_text=True)
    assert "没有抄送给你的备案" in empty
