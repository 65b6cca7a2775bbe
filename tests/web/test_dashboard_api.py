"""The dashboard and report endpoints over the April month of cases: who may read them, bad inputs,
every figure's link opening exactly its cases on the case list, the reports' cells in JSON and in
the xlsx file, and the scheduler producing them on the first working day after the period."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from engine.clock import FakeClock
from engine.db import db
from engine.timers.outbox import Notification
from tests.workflows.management.test_dashboard_figures import CUBES, REPORT_DAY, SHANGHAI, build_april
from workflows.management import reports_schedule
from workflows.management.reports import KeptReport

APRIL = "from=2026-04-01&to=2026-04-30"
CASE_LINK = re.compile(r'href="/cases/(\d+)"')


@pytest.fixture
def april(flows, actors, clock):
    return build_april(flows, actors, clock)


def listed(browser, link: str) -> set[int]:
    """Every case id the case list shows for a link, over all its pages."""
    found, page = set(), 1
    while True:
        response = browser.get(f"{link}&page={page}")
        assert response.status_code == 200, (link, response.get_data(as_text=True)[:300])
        ids = {int(i) for i in CASE_LINK.findall(response.get_data(as_text=True))}
        if not ids or ids <= found:
            return found
        found |= ids
        page += 1


def test_the_roles_that_read_the_dashboard(april, api, client):
    assert client.get(f"/api/v1/dashboard?{APRIL}").status_code == 401
    for username in ("manager1", "salesvp1", "gm1", "auditor1", "qualityvp1"):
        assert api(username).get(f"/dashboard?{APRIL}").status_code == 200, username
    for username in ("sales1", "desk1", "eng_sw1", "owner1"):
        response = api(username).get("/dashboard?from=nonsense")  # who before what: 403, not 422
        assert response.status_code == 403 and response.get_json()["code"] == "forbidden"
        assert api(username).get("/reports/monthly?month=2099-99").status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-13-01", "from"), ("from=2026-04-31", "from"), ("to=20260430", "to"), ("from=1999-12-31", "from"),
    ("from=2026-05-01&to=2026-04-01", "to"), ("from=2020-01-01&to=2026-04-30", "to"), ("region=西南", "region"),
    ("process_id=nothing", "process_id"), ("customer_class=vip", "customer_class"), ("region=" + "x" * 500, "region"),
])
def test_bad_filters_are_named(april, api, query, field):
    response = api("manager1").get(f"/dashboard?{query}")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_the_api_returns_every_figure_with_its_filter(april, api):
    body = api("manager1").get(f"/dashboard?{APRIL}&region=south_west").get_json()
    assert body["filter"] == {"from": "2026-04-01", "to": "2026-04-30", "region": "south_west", "process_id": None,
                              "customer_class": None}
    totals = {item["key"]: item for item in body["figures"]["totals"]["items"]}
    assert {key: item["value"] for key, item in totals.items()} == {"received": 11, "completed": 8, "open": 3,
                                                                    "overdue": 3}
    assert totals["overdue"]["filter"] == {"region": "south_west", "figure": "overdue"}
    assert totals["overdue"]["link"] == "/cases/?region=south_west&figure=overdue"
    assert totals["received"]["filter"] == {"from": "2026-04-01", "to": "2026-04-30", "region": "south_west",
                                            "figure": "received"}
    english = api("manager1").get(f"/dashboard?{APRIL}&lang=en").get_json()["figures"]
    assert english["open_by_flow"]["title"] == "Open cases by flow"
    assert {i["label"] for i in english["open_by_flow"]["items"]} == {"Quality fault handling", "Complaint handling",
                                                                      "Customer revisit"}


def test_every_figure_link_opens_exactly_its_cases(april, as_user, api):
    from tests.workflows.management.test_dashboard_figures import _every_item

    manager = as_user("manager1")
    body = api("manager1").get(f"/dashboard?{APRIL}").get_json()
    checked = 0
    for entry in _every_item(body["figures"]):
        if entry["cases"] == 0 and checked % 3:
            continue  # empty figures: a sample is enough
        assert len(listed(manager, entry["link"])) == entry["cases"], (entry["label"], entry["link"])
        checked += 1
    assert checked > 40
    overdue = listed(manager, "/cases/?region=south_west&figure=overdue")
    assert overdue == {april.f3.id, april.c3.id, april.r3.id}
    bad = manager.get("/cases/?figure=nonsense:1")
    assert bad.status_code == 422


def test_the_monthly_report_and_its_xlsx(april, api):
    body = api("manager1").get("/reports/monthly?month=2026-04").get_json()
    assert (body["title"], body["period"], body["kept"]) == ("售后服务工作分析总结报告", "2026-04", False)
    sections = {s["key"]: s for s in body["sections"]}
    assert sections["overview"]["rows"] == [["零部件赔偿", 3, 3, 0], ["客户投诉处理", 3, 2, 1],
                                            ["质量故障处理", 3, 2, 1], ["客户回访", 3, 2, 1], ["合计", 12, 9, 3]]
    assert sections["deadlines"]["rows"] == [
        ["服务申请首次响应", 1, 2, 0, 33.3], ["客户回访期限", 2, 1, 0, 66.7], ["紧急投诉响应", 1, 0, 0, 100.0],
        ["紧急投诉解决", 1, 0, 0, 100.0], ["一般投诉响应", 1, 1, 0, 50.0], ["一般投诉解决", 1, 1, 0, 50.0],
        ["工程师到达现场", 2, 0, 0, 100.0], ["售后服务部经理审批期限", 1, 0, 0, 100.0],
        ["分管副总审批期限", 4, 0, 0, 100.0], ["总经理审批期限", 1, 0, 0, 100.0], ["低满意度跟进期限", 1, 0, 0, 100.0]]
    assert sections["first_time_fix"]["rows"] == [[2, 1, 1, 1, 50.0]]
    assert sections["revisits"]["rows"] == [["大客户/重点客户", 1, 1, 100.0], ["一般客户", 2, 1, 50.0]]
    response = api("manager1").get("/reports/monthly?month=2026-04&format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="aftercare-monthly-2026-04.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "2026-04" and book["2026-04"]["A1"].value == "售后服务工作分析总结报告"
    deadlines = book["二、服务时限达成"]
    assert [c.value for c in deadlines[1]] == ["时限", "按时", "超时", "未到期", "达成率（%）"]
    assert [c.value for c in deadlines[2]] == ["服务申请首次响应", 1, 2, 0, 33.3]
    money = book["六、零部件赔偿"]
    rows = {row[0].value: [c.value for c in row[1:]] for row in money.iter_rows(min_row=2)}
    assert rows["责任方：供应商"] == [1, 219, 465.5]
    assert rows["批准权限：总经理批准（5000元以上或非紧急）"] == [1, 8000, 465.5]
    assert rows["合计"] == [3, 11219, 1396.5] and money["C2"].number_format == "#,##0.00"
    satisfaction = {row[0].value: row[1].value for row in book["三、客户满意度"].iter_rows(min_row=2)}
    assert satisfaction["评价数"] == 2 and satisfaction["平均分"] == 3.5 and satisfaction["低分（≤2）"] == 1
    assert satisfaction[f"{april.r2.case_number} · 重庆山城重工有限公司"] == 2
    complaints = [[c.value for c in row] for row in book["四、客户投诉"].iter_rows(min_row=2)]
    assert complaints == [["紧急投诉", 1, 1, 1, 1, 24], ["一般投诉", 2, 1, 2, 1, 26],
                          ["重复投诉：重庆山城重工有限公司", 2, "—", "—", "—", "—"]]
    engineers = {row[0].value: [c.value for c in row[1:]] for row in book["八、派工与服务工程师"].iter_rows(min_row=2)}
    assert engineers["eng_sw1"] == ["西南组", 1, 1, 0, 23, 1] and engineers["eng_sw2"] == ["西南组", 0, 1, 1, 19, 0]


def test_the_quarterly_summary_has_the_compensation_statistics(april, api):
    response = api("salesvp1").get("/reports/quarterly?quarter=2026Q2&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["赔偿统计（按责任方与批准权限，元）"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["责任方", "经理批准（紧急，1000元以下）", "分管销售副总批准（紧急，1000–5000元）",
         "总经理批准（5000元以上或非紧急）", "合计"],
        ["供应商", 219, 0, 0, 219], ["生产", 0, 3000, 0, 3000], ["设计", 0, 0, 8000, 8000],
        ["合计", 219, 3000, 8000, 11219]]
    english = api("salesvp1").get("/reports/quarterly?quarter=2026Q2&lang=en").get_json()
    assert english["title"] == "After-sales service quarterly summary"
    assert english["sections"][-1]["rows"][0][0] == "Supplier"


@pytest.mark.parametrize(("path", "field"), [
    ("/reports/monthly?month=2026-13", "month"), ("/reports/monthly?month=April", "month"),
    ("/reports/monthly", "month"), ("/reports/monthly?month=2026-06", "month"),  # not started on 6 May
    ("/reports/quarterly?quarter=2026Q5", "quarter"), ("/reports/monthly?month=2026-04&format=pdf", "format"),
])
def test_bad_report_requests_are_named(april, api, path, field):
    response = api("manager1").get(path)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == [field]


def test_the_scheduler_produces_the_reports_on_the_first_working_day(flows, actors, clock: FakeClock, api):
    build_april(flows, actors, clock)
    run = reports_schedule.job()
    for day in (1, 4, 5):  # Labour Day holidays, 1–5 May: April's report waits (the first quarter's is late)
        clock.set(dt.datetime(2026, 5, day, 9, tzinfo=SHANGHAI).astimezone(dt.UTC))
        assert [period.label for period in reports_schedule.due(clock.now())] == ["2026Q1"]
    clock.set(REPORT_DAY.astimezone(dt.UTC))
    assert sorted(run()) == ["monthly 2026-04", "quarterly 2026Q1"]
    assert run() == []  # kept: produced once
    kept = {(row.kind, row.period) for row in db.session.execute(sa.select(KeptReport)).scalars()}
    assert kept == {("monthly", "2026-04"), ("quarterly", "2026Q1")}
    told = db.session.execute(sa.select(Notification.username, Notification.payload).where(
        Notification.kind == "report_ready")).all()
    monthly = sorted(name for name, payload in told if payload["period"] == "2026-04")
    assert monthly == ["gm1", "manager1", "qualityvp1", "salesvp1"]
    assert {payload["link"] for _name, payload in told} == {"/reports/monthly?month=2026-04",
                                                            "/reports/quarterly?quarter=2026Q1"}
    body = api("manager1").get("/reports/monthly?month=2026-04").get_json()
    assert body["kept"] is True and body["produced_at"] == "2026-05-06T02:00:00.000000Z"
    assert api("gm1").get("/reports").get_json()["items"][0] == {
        "kind": "monthly", "period": "2026-04", "produced_at": "2026-05-06T02:00:00.000000Z"}
    clock.set(dt.datetime(2026, 7, 1, 9, tzinfo=SHANGHAI).astimezone(dt.UTC))
    assert sorted(run()) == ["monthly 2026-06", "quarterly 2026Q2"]


def test_pages_for_managers(april, as_user):
    manager = as_user("manager1")
    page = manager.get(f"/dashboard?{APRIL}&region=south_west").get_data(as_text=True)
    assert 'data-testid="tile-overdue"' in page and 'href="/cases/?region=south_west&amp;figure=overdue"' in page
    assert "/vendor/echarts/echarts.min.js" in page and 'id="dashboard-data"' in page
    report = manager.get("/reports/monthly?month=2026-04").get_data(as_text=True)
    assert "售后服务工作分析总结报告" in report and "format=xlsx" in report and "赔偿" in report
    assert manager.get("/reports").status_code == 200
    assert as_user("sales1").get("/dashboard").status_code == 403
    assert "data-nav=\"dashboard\"" in manager.get("/inbox").get_data(as_text=True)
    assert "data-nav=\"dashboard\"" not in as_user("sales1").get("/inbox").get_data(as_text=True)


def test_the_command_line_rebuilds_facts_changes_the_window_and_produces_a_report(april, app, api):
    from web.cli import main as cli

    def run(*args):
        return app.test_cli_runner().invoke(cli, list(args))

    for table in CUBES:  # a database whose cases predate the facts and their sums
        db.session.execute(sa.delete(table))
    db.session.commit()
    assert api("manager1").get(f"/dashboard?{APRIL}").get_json()["figures"]["totals"]["items"][0]["value"] == 0
    rebuilt = run("facts", "rebuild")
    assert rebuilt.exit_code == 0 and "facts rebuilt for 12 cases" in rebuilt.output
    assert api("manager1").get(f"/dashboard?{APRIL}").get_json()["figures"]["totals"]["items"][0]["value"] == 12
    assert run("facts", "setting", "first_time_fix_days").output.strip() == "first_time_fix_days = 30"
    changed = run("facts", "setting", "first_time_fix_days", "7")  # F3 came 9.75 days after F2: now F2 counts
    assert changed.exit_code == 0, changed.output
    ftf = api("manager1").get(f"/dashboard?{APRIL}").get_json()["figures"]["first_time_fix"]
    assert (ftf["days"], ftf["summary"]["value"], ftf["summary"]["fixed"]) == (7, 100.0, 2)
    for bad in (("first_time_fix_days", "0"), ("first_time_fix_days", "many"), ("nothing", "3")):
        refused = run("facts", "setting", *bad)
        assert refused.exit_code == 2 and "error:" in refused.output
    produced = run("reports", "produce", "--month", "2026-04")
    assert produced.exit_code == 0 and "monthly report 2026-04 produced" in produced.output
    assert run("reports", "produce").exit_code == 2
    assert run("reports", "produce", "--quarter", "2026Q9").exit_code == 2
