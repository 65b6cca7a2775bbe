"""The scorecard, fines and commission endpoints over the November month of cases: the contract's
shape, who reads whose card (403 for another engineer's), the manager's entries and confirmation,
the xlsx export, bad input as field messages."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from engine import commands
from tests.workflows.flowkit import complete
from tests.workflows.management.test_scorecard import ENG, at, build_november, installation
from workflows.management.commission import commission

MONTH = "/scorecards?month=2026-11"


@pytest.fixture
def november(flows, actors, clock):
    return build_november(flows, actors, clock)


def test_an_engineer_reads_only_their_own_card(november, api):
    own = api(ENG).get(f"/scorecards/{ENG}?month=2026-11")
    assert own.status_code == 200
    body = own.get_json()
    assert {"engineer", "month", "total", "lines", "bonus", "confirmed_at"} <= set(body)
    assert body["engineer"] == ENG and body["month"] == "2026-11" and body["confirmed_at"] is None
    late = next(line for line in body["lines"] if line["code"] == "late")
    assert {"code", "label", "points", "cases"} <= set(late) and late["label"] == "未在规定期限到达现场或完成任务"
    assert late["cases"][0]["link"].startswith("/cases/") and late["cases"][0]["note"].startswith("技术问题书面答复")
    english = api(ENG).get(f"/scorecards/{ENG}?month=2026-11&lang=en").get_json()
    late = next(line for line in english["lines"] if line["code"] == "late")
    assert late["label"] == "Late arrival or missed deadline"
    assert late["cases"][0]["note"].startswith("Written answer to a technical question, due 2026-11-1")
    assert api("eng_sw2").get(f"/scorecards/{ENG}?month=2026-11").status_code == 403
    assert api("eng_sw2").get(f"/scorecards/{ENG}?month=bad").status_code == 403  # who before what
    assert api("eng_sw2").get(MONTH).status_code == 403
    assert api("manager1").get(f"/scorecards/{ENG}?month=2026-11").status_code == 200
    assert api("manager1").get("/scorecards/nobody?month=2026-11").status_code == 404
    assert api("manager1").get(f"/scorecards/{ENG}?month=2026-13").status_code == 422


def test_managers_list_the_month_and_export_it(november, api):
    month = api("salesvp1").get(MONTH)
    assert month.status_code == 200 and len(month.get_json()["items"]) == 4
    xlsx = api("manager1").get(MONTH + "&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(xlsx.data))
    summary = book.worksheets[0]
    assert summary.max_row == 5 and [s.title for s in book.worksheets][1:] == ["eng_g1", "eng_n1", ENG, "eng_sw2"]
    assert summary.cell(row=1, column=1).value == "工程师"


def test_the_manager_enters_adds_the_bonus_and_confirms(november, api, clock):
    manager = api("manager1")
    entered = manager.post(f"/scorecards/{ENG}/items", json={"month": "2026-11", "code": "conduct", "points": -1,
                                                             "note": "未戴安全帽"})
    assert entered.status_code == 200, entered.get_json()
    bonus = manager.post(f"/scorecards/{ENG}/bonus", json={"month": "2026-11", "bonus": 3, "reason": "突出贡献"})
    assert bonus.get_json()["total"] == 88
    assert manager.post(f"/scorecards/{ENG}/bonus", json={"month": "2026-11", "bonus": 9}).status_code == 422
    assert api(ENG).post(f"/scorecards/{ENG}/bonus", json={"bonus": "x"}).status_code == 403
    assert manager.post(f"/scorecards/{ENG}/confirm", json={"month": "2026-11"}).status_code == 409  # not over
    at(clock, 1, 9, month=12)
    confirmed = manager.post(f"/scorecards/{ENG}/confirm", json={"month": "2026-11"})
    assert confirmed.status_code == 200 and confirmed.get_json()["confirmed_at"]
    again = manager.post(f"/scorecards/{ENG}/items", json={"month": "2026-11", "code": "profit", "points": -1,
                                                           "note": "x"})
    assert again.status_code == 409
    fines = api(ENG).get(f"/fines?engineer={ENG}").get_json()
    assert [i["amount"] for i in fines["items"]] == ["100.00", "100.00"] and fines["total"] == "200.00"
    assert api("eng_sw2").get(f"/fines?engineer={ENG}").status_code == 403
    assert api("eng_sw2").get("/fines").status_code == 403


def test_commission_above_the_yearly_target(flows, actors, clock, api):
    assert commission(Decimal(3_000_000), Decimal(3_000_000), Decimal("0.01")) == 0
    assert commission(Decimal(3_100_000), Decimal(3_000_000), Decimal("0.01")) == Decimal("1000.00")
    installation(flows, actors, clock)  # 6,000.00 in November
    body = api("manager1").get("/commission?year=2026").get_json()
    assert (body["total"], body["commission"], body["target"]) == ("6000.00", "0.00", "3000000.00")
    assert body["engineers"][0]["engineer"] == ENG and body["engineers"][0]["sales"] == "6000.00"
    clock.set(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC))
    case = commands.start_instance(process_id="installation", actor=actors["sales1"], data={
        "customer_id": flows.sw, "contract_number": "HT-9", "equipment": [{"model": "HX", "quantity": 1}]})
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer=ENG)
    for element in ("shipping_check", "goods_count", "commissioning", "training", "performance_test"):
        complete(case, element, actors[ENG])
    complete(case, "summary_report", actors[ENG], parts_sales="3094000.00")
    body = api("manager1").get("/commission?year=2026").get_json()
    assert (body["total"], body["commission"]) == ("3100000.00", "1000.00")
    assert api(ENG).get("/commission?year=2026").status_code == 403
    assert api("manager1").get("/commission?year=99999").status_code == 422


def test_the_pages(november, as_user, clock):
    engineer = as_user(ENG)
    mine = engineer.get("/scorecards?month=2026-11")
    assert mine.status_code == 302 and f"/scorecards/{ENG}" in mine.headers["Location"]
    page = engineer.get(f"/scorecards/{ENG}?month=2026-11").get_data(as_text=True)
    assert "/cases/" in page and "未在规定期限到达现场或完成任务" in page
    assert 'name="bonus"' not in page  # only the manager rates
    assert as_user("eng_sw2").get(f"/scorecards/{ENG}?month=2026-11").status_code == 403
    manager = as_user("manager1")
    listing = manager.get("/scorecards?month=2026-11").get_data(as_text=True)
    assert f"/scorecards/{ENG}?month=2026-11" in listing and "/scorecards/eng_n1?month=2026-11" in listing
    manager.get(f"/scorecards/{ENG}?month=2026-11")
    saved = manager.post(f"/scorecards/{ENG}/bonus", {"month": "2026-11", "bonus": "2", "reason": "突出贡献"})
    assert saved.status_code == 302
    refused = manager.post(f"/scorecards/{ENG}/bonus", {"month": "2026-11", "bonus": "7", "reason": "x"})
    assert refused.status_code == 302
    page = manager.get(f"/scorecards/{ENG}?month=2026-11").get_data(as_text=True)
    assert "突出贡献" in page and "flash-error" in page
    at(clock, 1, 9, month=12)
    manager.post(f"/scorecards/{ENG}/confirm", {"month": "2026-11"})
    page = manager.get(f"/scorecards/{ENG}?month=2026-11").get_data(as_text=True)
    assert "已确认" in page and 'name="bonus"' not in page
    listing = manager.get("/scorecards?month=2026-11").get_data(as_text=True)
    assert listing.count("客户投诉") == 2 and "100.00" in listing
