"""Real browser journeys through the pages: open a request, hand it from role to role, complete
every task, see the case complete; inline validation; a wrong role kept out; the diagram with the
current task highlighted; phone-width screenshots with no horizontal scrolling; languages."""
from __future__ import annotations

import re

import pytest

from engine import commands, queries
from engine.db import db
from tests.browserkit import NO_HORIZONTAL_SCROLL
from tests.web.conftest import PNG

pytestmark = pytest.mark.browser

CHINESE_UI_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], script, template').forEach(n => n.remove());
  const text = copy.innerText + ' ' + [...copy.querySelectorAll('[placeholder],[title],[aria-label]')]
    .map(n => [n.placeholder, n.title, n.getAttribute('aria-label')].join(' ')).join(' ');
  return (text.match(/[\\u3400-\\u9fff]+/g) || []);
}"""


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_request_travels_from_role_to_role_until_the_case_completes(open_session, deploy, users):
    deploy("t_approval")
    sales = open_session("sales1")
    page = sales.go("/start/")
    page.click("[data-process=t_approval]")
    page.fill("#f-customer_name", "重庆宏达机械")
    page.fill("#f-amount", "5000.00")
    submit(page, "[data-testid=submit-start]")
    assert "/cases/" in page.url
    case_number = page.text_content("h1").strip()
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "running"
    sales.logout()

    desk = open_session("desk1")
    page = desk.go("/inbox?tab=role")
    page.click(f"tr:has-text('{case_number}') .task-link")
    page.wait_for_selector("[data-testid=task-title]")
    # the server refuses a missing answer and says so next to the field
    submit(page, "[data-testid=complete]")
    error = page.locator("[data-field=approved] .field-error")
    assert error.is_visible() and error.text_content().strip() == "此项为必填项。"
    assert page.locator(".error-summary").is_visible()
    page.check("input[name=approved][value=true]")
    page.fill("#f-comment", "资料齐全")
    page.click("[data-add-row]")  # JavaScript adds a second parts row in place
    page.fill("[name=lines-0-part_code]", "BRG-6205")
    page.fill("[name=lines-0-quantity]", "2")
    page.fill("[name=lines-1-part_code]", "SEAL-40")
    page.fill("[name=lines-1-quantity]", "4")
    submit(page, "[data-testid=complete]")
    assert page.url.endswith("/inbox")  # the next step is the sales department's
    assert "任务已完成" in page.text_content(".flashes")
    desk.logout()

    sales = open_session("sales1")
    page = sales.go("/inbox?tab=role")
    page.click(f"tr:has-text('{case_number}') .task-link")
    submit(page, "[data-testid=complete]")
    page = sales.go("/cases/")
    page.click(f"text={case_number}")
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "completed"
    assert page.locator(".mini-table td", has_text="SEAL-40").is_visible()
    page.wait_for_selector("[data-bpmn-diagram][data-ready=true]")
    assert page.locator(".djs-element.ac-completed[data-element-id=end_ok]").count() == 1


def test_the_case_page_highlights_the_current_task_on_the_diagram(open_session, approval_case):
    instance, _ = approval_case
    page = open_session("desk1").go(f"/cases/{instance.id}")
    page.wait_for_selector("[data-bpmn-diagram][data-ready=true]")
    assert page.locator(".djs-element.ac-active[data-element-id=review]").count() == 1
    assert page.locator(".djs-element.ac-completed[data-element-id=start]").count() == 1
    assert page.locator(".djs-element.ac-active").count() == 1
    fill = page.eval_on_selector("[data-element-id=review] .djs-visual > rect", "r => getComputedStyle(r).fill")
    assert fill == "rgb(255, 241, 214)"
    zoom = "() => AftercareDiagram.viewers[0].get('canvas').zoom()"
    before = page.evaluate(zoom)
    page.click(".diagram-tools button[aria-label='放大']")
    assert page.evaluate(zoom) > before
    page.mouse.wheel(0, 400)  # the page scrolls on past the diagram; the wheel does not zoom it
    assert page.evaluate(zoom) > before


def test_a_wrong_role_can_neither_see_nor_open_another_roles_task(open_session, approval_case):
    _, review = approval_case
    eng = open_session("eng1")
    page = eng.go("/inbox?tab=role")
    assert page.locator(f"[data-task-id='{review.id}']").count() == 0
    response = page.goto(eng.base + f"/tasks/{review.id}")
    assert response.status == 403
    assert "此任务需要“售后服务部”角色。" in page.text_content("main")
    assert page.locator("form[action$='" + review.id + "']").count() == 0


def test_a_photo_chosen_on_the_phone_is_uploaded_at_once(open_session, forms_case, tmp_path):
    instance, report = forms_case
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    page = open_session("eng1", width=390, height=844).go(f"/tasks/{report.id}")
    page.set_input_files("#f-photos", str(photo))
    page.wait_for_selector("[data-field=photos] .file-list li a")
    assert page.text_content("[data-field=photos] .file-list li a") == "现场.png"
    page.fill("#f-summary", "更换轴承")
    page.fill("#f-hours", "2")
    page.check("input[name=fixed][value=true]")
    submit(page, "[data-testid=complete]")
    db.session.expire_all()
    assert queries.task(report.id).status == "completed"
    assert len(queries.task(report.id).data["photos"]) == 1


def test_phone_width_inbox_and_task_form_need_no_horizontal_scrolling(open_session, forms_case, users, artifacts):
    instance, report = forms_case
    for number in range(6):
        long_name = f"贵阳永兴重型机械制造有限公司第{number}分厂"
        commands.start_instance(process_id="t_forms", data={"customer_name": long_name, "region": "贵州",
                                                            "symptom": "液压站压力不稳"}, actor=users["sales1"])
    session = open_session("eng1", width=390, height=844)
    page = session.go("/inbox?tab=role")
    assert page.locator(".task-row").count() == 7
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert page.locator(".mainnav").is_visible()  # the bottom navigation bar
    page.screenshot(path=str(artifacts / "inbox-390x844.png"))
    page = session.go(f"/tasks/{report.id}")
    page.click("[data-add-row]")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(artifacts / "task-form-390x844.png"))
    page.screenshot(path=str(artifacts / "task-form-390x844-full.png"), full_page=True)
    page = session.go(f"/cases/{instance.id}")
    page.wait_for_selector("[data-bpmn-diagram][data-ready=true]", state="attached")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(artifacts / "case-390x844.png"))


def test_pages_are_chinese_by_default_and_english_after_switching(open_session, forms_case, artifacts):
    instance, report = forms_case
    session = open_session("eng1")
    page = session.go("/inbox?tab=role")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.text_content("h1").strip() == "待办任务"
    with page.expect_navigation():
        page.click(".lang-switch")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1").strip() == "Inbox"
    for path in ["/inbox?tab=role", f"/tasks/{report.id}", f"/cases/{instance.id}", "/cases/", "/start/",
                 "/start/t_forms"]:
        page = session.go(path)
        assert page.get_attribute("html", "lang") == "en", path
        assert page.evaluate(CHINESE_UI_TEXT) == [], path
    page = session.go(f"/tasks/{report.id}")
    page.screenshot(path=str(artifacts / "task-form-english.png"))
    with page.expect_navigation():
        page.click(".lang-switch")
    assert page.text_content("[data-testid=task-title]").strip() == "故障处理报告"
    assert re.search(r"[\u3400-\u9fff]", page.text_content(".form-actions"))
