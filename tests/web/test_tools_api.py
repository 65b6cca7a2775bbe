"""The tool endpoints and pages: the kit, issuing and taking back (manager or logistics only), an
engineer's register (their own), the February request, the recorded compensations."""
from __future__ import annotations

from engine import commands
from engine.db import db
from tests.workflows.flowkit import complete
from tests.workflows.test_tool_loss import report
from workflows.management.facts import CaseFact


def test_issue_read_return(flows, actors, api, client):
    manager = api("manager1")
    kit = api("eng_sw1").get("/tools/kit").get_json()["items"]
    assert {"laptop", "camera", "hose", "vibration_plate"} <= {t["code"] for t in kit}
    assert next(t for t in kit if t["code"] == "laptop")["life_years"] == 5
    refused = api("eng_sw1").post("/tools/register/eng_sw1", json={"code": "x"})
    assert refused.status_code == 403
    bad = manager.post("/tools/register/eng_sw1", json={"code": "laptop", "price": "-1", "issued_on": "2025-01-01"})
    assert bad.status_code == 422 and "price" in bad.get_json()["errors"]
    issued = manager.post("/tools/register/eng_sw1", json={"code": "laptop", "price": "6000.00",
                                                           "issued_on": "2025-01-01"})
    assert issued.status_code == 201, issued.get_json()
    item = issued.get_json()
    assert (item["name"], item["tool_class"], item["life_ends_on"]) == ("笔记本电脑", "1", "2030-01-01")
    assert api("eng_sw1").get("/tools/register/eng_sw1").get_json()["items"][0]["id"] == item["id"]
    assert api("eng_sw2").get("/tools/register/eng_sw1").status_code == 403
    back = api("logi1").post(f"/tools/items/{item['id']}/return", json={"returned_on": "2026-03-01"})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    assert api("logi1").post(f"/tools/items/{item['id']}/return", json={"returned_on": "2026-03-01"}).status_code == 409
    request = manager.get("/tools/replenishment?year=2026").get_json()
    assert request["month"] == "2026-02" and any(line["code"] == "laptop" for line in request["lines"])
    assert api("eng_sw1").get("/tools/replenishment?year=2026").status_code == 403


def test_compensation_records_and_pages(flows, actors, api, as_user):
    manager = api("manager1")
    item = manager.post("/tools/register/eng_sw1", json={"code": "camera", "price": "3000.00",
                                                         "issued_on": "2025-08-01"}).get_json()
    case = report(actors, item["id"])
    complete(case, "manager_decision", actors["manager1"], cause="fault")
    complete(case, "compensation_form", actors["eng_sw1"], acknowledged=True)
    mine = api("eng_sw1").get("/tools/compensations?engineer=eng_sw1").get_json()["items"]
    assert [(r["amount"], r["cause"]) for r in mine] == [("2700.00", "fault")]  # 1 full half-year: 90 %
    assert api("eng_sw2").get("/tools/compensations?engineer=eng_sw1").status_code == 403
    engineer = as_user("eng_sw1")
    assert engineer.get("/tools").status_code == 302
    manager.post("/tools/register/eng_sw1", json={"code": "usb_drive", "price": "80", "issued_on": "2026-01-05"})
    held = engineer.get("/tools/eng_sw1").get_data(as_text=True)
    assert "/start/tool_loss?tool_item=" in held
    start = engineer.get("/start/tool_loss?tool_item=2").get_data(as_text=True)
    assert 'value="2"' in start
    page = engineer.get("/tools/eng_sw1").get_data(as_text=True)
    assert "数码相机" in page and "已遗失（赔偿）" in page and "登记领用" not in page
    keeper = as_user("manager1")
    assert "年度器械请购单" in keeper.get("/tools").get_data(as_text=True)
    keeper.get("/tools/eng_sw1")
    assert keeper.post("/tools/eng_sw1/issue", {"code": "tape", "price": "25", "issued_on": "2026-03-01"}
                       ).status_code == 302
    assert "5米卷尺" in keeper.get("/tools/eng_sw1").get_data(as_text=True)


def test_the_accountability_cases_open_on_their_pages_and_stay_out_of_the_dashboard(flows, actors, api, as_user):
    item = api("manager1").post("/tools/register/eng_sw1", json={"code": "camera", "price": "3000.00",
                                                                 "issued_on": "2025-08-01"}).get_json()
    loss = report(actors, item["id"])
    accident = commands.start_instance(process_id="accident", actor=actors["qualityvp1"], data={
        "responsible_engineer": "eng_sw1", "occurred_on": "2026-02-26", "description": "违规操作",
        "responsibility": "工程师责任", "loss": "3000.00"})
    manager = as_user("manager1")
    for case in (loss, accident):
        page = manager.get(f"/cases/{case.id}")
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert db.session.get(CaseFact, loss.id) is None and db.session.get(CaseFact, accident.id) is None
