"""The records pages, the case search, user administration and an approval with its context in a
real browser: every page fits a 390×844 phone and a laptop; the claim form keeps a running total."""
from __future__ import annotations

import pytest

from engine.identity import get_user
from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH
from tests.web.test_approval_context import six_thousand_claim
from tests.workflows.flowkit import task_of

pytestmark = pytest.mark.browser


def fits(session, paths, width):
    for path in paths:
        page = session.go(path)
        assert page.locator("main").count() == 1 and "403" not in page.title(), path
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, path, page.evaluate(PAGE_WIDTH))


def test_the_new_pages_fit_a_phone_and_a_laptop(open_session, flows, actors):
    case = six_thousand_claim(flows, actors)
    vp_task = task_of(case, "vp_approval")
    desk_paths = ("/cases/?region=south_west&q=EQ", f"/cases/{case.id}", "/records/customers/",
                  f"/records/customers/{flows.sw}", "/records/equipment/", "/records/equipment/EQ-SW-001",
                  "/records/parts/")
    admin_paths = ("/admin/users/", f"/admin/users/{get_user('eng_sw1').id}")
    for width, height in ((390, 844), (1280, 900)):
        fits(open_session("desk1", width=width, height=height), desk_paths, width)
        fits(open_session("admin", width=width, height=height), admin_paths, width)
        fits(open_session("salesvp1", width=width, height=height), (f"/tasks/{vp_task.id}",), width)


def test_the_claim_form_keeps_a_running_total(open_session, flows):
    page = open_session("desk1", width=390, height=844).go("/start/compensation_approval")
    total = page.locator("[data-testid=claim-running-total]")
    page.fill("#f-lines-0-part_code", "PLC-S7")
    page.fill("#f-lines-0-quantity", "2")
    page.wait_for_function("() => document.querySelector('[data-testid=claim-running-total]')"
                           ".textContent.includes('8,400.00')")
    page.fill("#f-lines-0-unit_price", "3000")
    page.wait_for_function("() => document.querySelector('[data-testid=claim-running-total]')"
                           ".textContent.includes('6,000.00')")
    assert total.text_content().startswith("合计")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
