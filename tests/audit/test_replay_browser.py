"""Browser test: an auditor opens a finished compensation case, steps through it and sees the
approver's comment at the approval step; from the browser every write is refused."""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from engine import audit
from tests.audit.demo_cases import ready

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]
COMMENT = "紧急，同意赔偿"  # the manager's words in the demo compensation case


@pytest.fixture(scope="module")
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="audit-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=served)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_auditor_steps_through_a_compensation_case_to_the_approvers_comment(demo, page, tmp_path):
    case = demo("compensation_manager")
    events = audit.events_of(case.id)
    approval = next(e for e in events if e.type == "task_completed" and e.element_id == "manager_approval")
    login(page, "auditor1")
    page.goto(f"/cases/{case.id}/replay")
    position = page.get_by_test_id("position")
    event = page.get_by_test_id("event")
    page.wait_for_selector(".replay[data-step='1']")
    assert position.text_content() == f"1 / {len(events)}" and "启动案件" in event.text_content()
    assert page.get_by_role("button", name="上一步").is_disabled()
    assert page.locator(".djs-element[data-element-id=manager_approval]").count() == 1  # the pinned diagram

    for step in range(2, approval.seq + 1):
        page.get_by_role("button", name="下一步").click()
        page.wait_for_selector(f".replay[data-step='{step}']")
        if step < approval.seq:
            assert page.get_by_test_id("comment").count() == 0
    assert page.get_by_test_id("comment").text_content() == COMMENT
    assert "审批结果：同意" in page.get_by_test_id("approval").text_content()
    assert "售后服务部经理审批" in event.text_content() and "manager1" in event.text_content()
    assert page.locator(".djs-element.replay-done[data-element-id=manager_approval]").count() == 1
    assert COMMENT in page.get_by_test_id("data").text_content()
    page.screenshot(path=str(tmp_path / "approval-step.png"), full_page=True)

    page.get_by_role("button", name="上一步").click()
    page.wait_for_selector(f".replay[data-step='{approval.seq - 1}']")
    assert page.locator(".djs-element.replay-active[data-element-id=manager_approval]").count() == 1
    assert page.get_by_test_id("comment").count() == 0

    page.get_by_role("button", name="最后一步").click()
    page.wait_for_selector(f".replay[data-step='{len(events)}']")
    assert "案件完成" in event.text_content() and page.get_by_role("button", name="下一步").is_disabled()
    assert page.locator(".djs-element.replay-done[data-element-id=end_approved]").count() == 1

    page.locator("#replay-slider").fill("3")
    page.wait_for_selector(".replay[data-step='3']")
    assert position.text_content() == f"3 / {len(events)}"


def test_from_the_browser_every_write_is_refused_to_the_auditor(cases, page):
    running = cases.pending()
    [task] = ready(running.id).values()
    login(page, "auditor1")
    page.goto(f"/cases/{running.id}/history")
    statuses = page.evaluate("""async ([taskId, caseId]) => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const post = (path, body) => fetch('/api/v1' + path, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}, body: JSON.stringify(body || {})})
            .then(r => r.status);
        return [await post(`/tasks/${taskId}/complete`, {data: {}}), await post(`/tasks/${taskId}/claim`),
                await post(`/tasks/${taskId}/draft`, {data: {}}),
                await post(`/process-instances/${caseId}/cancel`, {reason: 'x'})];
    }""", [task.id, running.id])
    assert statuses == [403, 403, 403, 403]
