"""Approvals with context: the approver of a 6,000-yuan claim sees its parts with names, prices and
total, the evidence by file name, and what the desk and the sales VP decided before them."""
from __future__ import annotations

import re

from engine import commands
from engine.commands import transaction
from engine.identity import get_user
from tests.workflows.flowkit import attachment, complete, task_of


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def six_thousand_claim(flows, actors):
    photo = attachment("damage-photo", "desk1")
    case = commands.start_instance(process_id="compensation_approval", actor=actors["desk1"], data={
        "customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report",
        "evidence": [photo], "description": "主轴承滚道剥落，电机烧毁", "emergency": False,
        "lines": [{"part_code": "PLC-S7", "quantity": 1},
                  {"part_code": "MTR-2K2", "quantity": 1, "unit_price": "1800.00"}]})
    assert str(case.amount) == "6000.00"
    return complete(case, "desk_verify", actors["desk1"], cause_analysis="外购电机质量问题",
                    recommendation="同意按质保赔偿")


def test_the_approval_page_of_a_6000_yuan_claim_lists_its_parts_and_total(flows, actors, as_user):
    case = six_thousand_claim(flows, actors)
    vp_task = task_of(case, "vp_approval")
    page = as_user("salesvp1").get(f"/tasks/{vp_task.id}").get_data(as_text=True)
    context = page.split('data-testid="approval-context"')[1].split('id="task-form"')[0]
    text = visible(context)
    assert "PLC 控制器" in text and "4,200.00" in text
    assert "电机 2.2kW" in text and "1,800.00" in text
    assert re.search(r"合计 ¥?\s*6,000\.00", text), text
    assert "damage-photo.png" in text
    assert "售后服务部" in text and "外购电机质量问题" in text and "同意按质保赔偿" in text

    with transaction():
        get_user("salesvp1").display_name = "赵副总"
    case = complete(case, "vp_approval", actors["salesvp1"], approved=True, comment="同意，尽快安排生产")
    gm_page = as_user("gm1").get(f"/tasks/{task_of(case, 'gm_approval').id}").get_data(as_text=True)
    decisions = visible(gm_page.split('data-testid="earlier-decisions"')[1].split("</ul>")[0])
    assert "分管销售副总" in decisions and "赵副总" in decisions and "同意" in decisions
    assert "同意，尽快安排生产" in decisions and "salesvp1" not in decisions and "sales_vp" not in decisions


def test_other_tasks_have_no_approval_context(flows, actors, as_user):
    case = six_thousand_claim(flows, actors)
    case = complete(case, "vp_approval", actors["salesvp1"], approved=True)
    case = complete(case, "gm_approval", actors["gm1"], approved=True)
    order = task_of(case, "production_order")
    assert 'data-testid="approval-context"' not in as_user("sales1").get(f"/tasks/{order.id}").get_data(as_text=True)
