"""The service manager's dashboard in a real browser: filter to the south-west team, click the
overdue figure and land on exactly those cases; the charts draw and the page fits a phone."""
from __future__ import annotations

import re

import pytest

from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH
from tests.workflows.management.test_dashboard_figures import build_april

pytestmark = pytest.mark.browser
CASE_NUMBER = re.compile(r"[A-Z]{2,3}-\d{4}-\d{5}")


@pytest.fixture
def april(flows, actors, clock):
    return build_april(flows, actors, clock)


def test_manager_filters_south_west_and_opens_the_overdue_cases(open_session, april, artifacts):
    session = open_session("manager1")
    page = session.go("/inbox")
    with page.expect_navigation():
        page.click("[data-nav=dashboard]")
    assert page.text_content("h1").strip() == "部门统计"
    page.wait_for_selector("[data-chart=open_by_flow] svg")  # ECharts drew from the page's data
    assert page.text_content("[data-testid=tile-overdue] .tile-value").strip() == "3"
    page.select_option("select[name=region]", label="西南组")
    page.click("[data-testid=dashboard-filters] button[type=submit]")
    page.wait_for_url(re.compile(r"region=south_west"))
    assert page.text_content("[data-testid=tile-overdue] .tile-value").strip() == "3"
    assert page.text_content("[data-testid=tile-received] .tile-value").strip() == "11"
    with page.expect_navigation():
        page.click("[data-testid=tile-overdue]")
    assert "/cases/" in page.url and "figure=overdue" in page.url and "region=south_west" in page.url
    shown = set(CASE_NUMBER.findall(page.text_content("table.caselist tbody")))
    assert shown == {april.f3.case_number, april.c3.case_number, april.r3.case_number}
    page.screenshot(path=str(artifacts / "dashboard-overdue-cases.png"), full_page=True)


def test_the_dashboard_fits_a_phone(open_session, april, artifacts):
    session = open_session("manager1", width=390, height=844)
    page = session.go("/dashboard?region=south_west")
    page.wait_for_selector("[data-chart=dispatch] svg")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
    for chart in page.query_selector_all(".chart"):
        box = chart.bounding_box()
        assert box is not None and box["width"] <= 390
    page.screenshot(path=str(artifacts / "dashboard-390x844.png"), full_page=True)
    page = session.go("/reports/monthly?month=2026-04")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
    page.screenshot(path=str(artifacts / "report-390x844.png"), full_page=True)
