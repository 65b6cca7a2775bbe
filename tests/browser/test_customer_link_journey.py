"""On a phone (390×844), the customer opens the link the desk copied from the case page — no login —
reads the progress and the documents without sideways scrolling, and rates the finished service."""
from __future__ import annotations

import pytest

from engine.db import db
from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH
from tests.web.documents_journey import finished_installation
from workflows.documents.customer_link import feedback_of

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_customer_opens_the_copied_link_on_a_phone_and_rates_the_service(open_session, flows, actors,
                                                                             artifacts):
    case = finished_installation(flows, actors)
    desk = open_session("desk1", **PHONE)
    page = desk.go(f"/cases/{case.id}")
    with page.expect_navigation():
        page.click("[data-testid=customer-link-issue]")
    link = page.input_value("[data-testid=customer-link]")
    assert "/c/" in link

    customer = open_session(None, **PHONE).page
    customer.goto(link)
    assert "服务已完成" in customer.text_content("[data-testid=customer-case]")
    assert "设备安装验收单" in customer.text_content("[data-testid=customer-documents]")
    assert customer.evaluate(NO_HORIZONTAL_SCROLL), customer.evaluate(PAGE_WIDTH)
    customer.screenshot(path=str(artifacts / "customer-link-390.png"), full_page=True)
    customer.check("input[name=score][value='5']")
    customer.fill("#survey-comment", "安装很顺利")
    with customer.expect_navigation():
        customer.click("[data-testid=survey] button[type=submit]")
    assert "感谢您的评价" in customer.text_content("body")
    db.session.expire_all()
    assert feedback_of(case.id).score == 5
