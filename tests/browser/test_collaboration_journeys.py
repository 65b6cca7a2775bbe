"""Browser journeys of working together, on a phone (390×844): a manager reassigns a task to an
engineer picked by name, whose bell shows it and whose inbox opens it; the case page fits the
phone, its diagram opens legible on the current step and goes full screen; the task form comes
before the case summary; comments and cancelling from the case page."""
from __future__ import annotations

import pytest

from engine import commands, queries
from engine.commands import transaction
from engine.db import db
from engine.identity import create_user, get_user
from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH
from tests.workflows.collaboration.conftest import give_names
from tests.workflows.conftest import STAMP
from workflows.records.tables import Engineer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def eng_n2(actors):
    with transaction():
        create_user("eng_n2", "pw-eng_n2", ["engineer"], display_name="吕工（东北）")
        db.session.add(Engineer(user_id=get_user("eng_n2").id, region_team="north", skills=["hydraulics"],
                                created_at=STAMP, updated_at=STAMP))
    give_names()
    return "eng_n2"


def question(flows, actors):
    return commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.north, "equipment_serial": "EQ-N-001", "question": "滤布多久更换一次？"},
        actor=actors["sales1"])


WIDEST = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""


def fits(page) -> None:
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (page.url, page.evaluate(PAGE_WIDTH), page.evaluate(WIDEST))


def test_a_reassigned_task_rings_the_new_engineers_bell_and_opens_from_his_inbox(open_session, flows, actors,
                                                                                  eng_n2, artifacts):
    case = question(flows, actors)
    [answer] = queries.tasks_of(case.id, "ready")
    assert answer.assignee == "eng_n1"
    manager = open_session("manager1", **PHONE)
    page = manager.go(f"/tasks/{answer.id}")
    fits(page)
    options = page.locator("#assignee option").all_text_contents()
    assert "吕工（东北） · 华北东北组 · 0 项待办" in options and not any("eng_n2" in o for o in options)
    page.select_option("#assignee", label="吕工（东北） · 华北东北组 · 0 项待办")
    page.fill("#reason", "吴工出差")
    with page.expect_navigation():
        page.click(".reassign button[type=submit]")
    assert "已改派给 吕工（东北）。" in page.text_content(".flashes")

    engineer = open_session("eng_n2", **PHONE)
    page = engineer.go("/inbox")
    assert page.text_content("[data-testid=unread-count]").strip() == "1"
    fits(page)
    with page.expect_navigation():
        page.click("a.bell")
    note = page.locator("ul.notes li.unread")
    assert note.count() == 1 and "改派给你" in note.text_content() and "张经理" in note.text_content()
    fits(page)
    page.screenshot(path=str(artifacts / "notifications-390.png"), full_page=True)
    with page.expect_navigation():
        note.locator("a.note-title").click()
    assert page.url.endswith(f"/tasks/{answer.id}")
    assert page.locator("[data-testid=unread-count]").count() == 0
    page = engineer.go("/inbox?tab=mine")
    with page.expect_navigation():
        page.click(f"tr[data-task-id='{answer.id}'] .task-link")
    assert page.url.endswith(f"/tasks/{answer.id}") and page.locator("[data-testid=complete]").is_visible()
    # on a phone the form comes first, the case summary after it
    form_top = page.locator(".form-card").bounding_box()["y"]
    assert form_top < page.locator(".case-aside").bounding_box()["y"]
    fits(page)


def test_the_case_page_on_a_phone_comments_and_a_legible_full_screen_diagram(open_session, flows, actors,
                                                                             eng_n2, artifacts):
    case = question(flows, actors)
    manager = open_session("manager1", **PHONE)
    page = manager.go(f"/cases/{case.id}")
    page.wait_for_selector("[data-testid=diagram][data-ready=true]")
    fits(page)
    assert page.get_attribute("[data-testid=diagram]", "data-focused") == "answer"  # centred on the open task
    zoom = page.evaluate("() => AftercareDiagram.viewers[0].get('canvas').zoom()")
    assert zoom >= 0.89
    assert page.locator(".djs-element[data-element-id=answer]").bounding_box()["x"] >= 0
    page.click("[data-diagram-full]")
    full = page.locator("[data-testid=diagram].diagram-full").bounding_box()
    assert full["width"] == 390 and full["height"] == 844
    page.keyboard.press("Escape")
    assert page.locator(".diagram-full").count() == 0
    page.fill("#comment-body", "请吴工今天回电客户")
    page.click(".mention-picker summary")
    page.check("input[name=mention][value=eng_n1]")
    with page.expect_navigation():
        page.click(".comment-form button[type=submit]")
    assert "请吴工今天回电客户" in page.text_content("#comments") and "@吴工（华北）" in page.text_content("#comments")
    fits(page)
    page.screenshot(path=str(artifacts / "case-390.png"), full_page=True)
    page.click(".cancel-case summary")
    page.fill("#cancel-reason", "客户已自行解决")
    with page.expect_navigation():
        page.click("[data-testid=cancel-form] button[type=submit]")
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "cancelled"
    fits(page)
