"""The managers' pages in a real browser: the counts drawn on the "where cases wait" diagram lead
to the cases at that step; suspending from the case page; every page fits a 390×844 phone."""
from __future__ import annotations

import pytest

from engine import queries
from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH
from tests.engine.test_incidents import failed_quote, parts_system  # noqa: F401 - the flaky service
from tests.engine.test_rework import at_approval

pytestmark = pytest.mark.browser


def test_where_cases_wait_draws_the_counts_and_clicks_through_to_the_cases(open_session, deploy, users):
    cases = [at_approval(deploy, users) for _ in range(3)]
    page = open_session("manager1").go("/operations/waiting/t_rework/1")
    page.wait_for_selector("[data-waiting-diagram][data-counted=true]")
    badge = page.locator(".waiting-count[data-element=approve]")
    assert badge.text_content() == "3"
    assert page.locator(".djs-element.ac-active[data-element-id=approve]").count() == 1
    with page.expect_navigation():
        badge.click()
    assert "element=approve" in page.url
    listed = page.locator("[data-testid=cases-at-step] tr[data-case]")
    assert sorted(int(v) for v in listed.evaluate_all("rows => rows.map(r => r.dataset.case)")) == \
        sorted(c.id for c in cases)


def test_suspend_from_the_case_page(open_session, deploy, users):
    case = at_approval(deploy, users)
    page = open_session("manager1").go(f"/cases/{case.id}")
    page.click("[data-op=suspend] summary")
    page.fill("#suspend-reason", "客户要求暂缓")
    with page.expect_navigation():
        page.click("[data-op=suspend] button[type=submit]")
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "suspended"
    assert "客户要求暂缓" in page.text_content("[data-testid=suspended-note]")
    assert queries.tasks_of(case.id, "ready") == []


def test_the_operations_pages_fit_a_phone_and_a_laptop(open_session, deploy, users, parts_system):  # noqa: F811
    case = at_approval(deploy, users)
    failed = failed_quote(deploy, users)
    paths = (f"/cases/{case.id}", f"/cases/{failed.id}", "/operations/incidents", "/operations/bulk",
             "/operations/waiting", "/operations/waiting/t_rework/1", "/admin/timers")
    for width, height in ((390, 844), (1280, 900)):
        session = open_session("manager1", width=width, height=height)
        for path in paths:
            page = session.go(path)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, path, page.evaluate(PAGE_WIDTH))
