"""仓库领料 pages: the warehouse sees the approved requests with parts left, issues parts to the
engineer by name within the approved quantities, is refused before approval; others get 403."""
from __future__ import annotations

import re

from engine.commands import transaction
from engine.identity import get_user
from tests.workflows.flowkit import complete, events
from tests.workflows.records.test_parts_draw import claimed


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_warehouse_issues_parts_from_its_pages(as_user, flows, actors):
    case = claimed(flows, actors)
    with transaction():
        get_user("eng_sw1").display_name = "李工程师"
    keeper = as_user("logi1")
    assert "/warehouse/" in keeper.get("/inbox").get_data(as_text=True)  # in the navigation
    assert as_user("eng_sw1").get("/warehouse/").status_code == 403
    early = keeper.get(f"/warehouse/{case.id}").get_data(as_text=True)
    assert "尚未批准" in early and 'data-testid="issue-parts"' not in early
    assert case.case_number not in keeper.get("/warehouse/").get_data(as_text=True)
    complete(case, "desk_verify", actors["desk1"])
    complete(case, "manager_approval", actors["manager1"])
    listed = keeper.get("/warehouse/").get_data(as_text=True)
    assert case.case_number in listed and "深沟球轴承 6205 × 2" in listed
    page = keeper.get(f"/warehouse/{case.id}").get_data(as_text=True)
    form = {"csrf_token": _token(page), "part_code": "BRG-6205", "quantity": "3", "engineer": "eng_sw1"}
    too_many = keeper.post(f"/warehouse/{case.id}", data=form)
    assert too_many.status_code == 422 and "最多还能领 2 件" in too_many.get_data(as_text=True)
    done = keeper.post(f"/warehouse/{case.id}", data={**form, "quantity": "2"})
    assert done.status_code == 302
    shown = keeper.get(f"/warehouse/{case.id}").get_data(as_text=True)
    assert "已登记领料。" in shown and 'data-testid="draws"' in shown
    assert "李工程师" in shown and ">eng_sw1<" not in shown  # the engineer by name
    assert [e.data["quantity"] for e in events(case) if e.type == "parts_drawn"] == [2]
    assert as_user("sales1").post(f"/warehouse/{case.id}", data=form).status_code in (400, 403)
    reader = as_user("manager1").get(f"/warehouse/{case.id}").get_data(as_text=True)  # reads, does not issue
    assert 'data-testid="draws"' in reader and 'data-testid="issue-parts"' not in reader
