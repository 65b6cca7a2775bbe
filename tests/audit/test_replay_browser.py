"""Browser test: an auditor opens a finished compensation case, steps through it and sees the
approver's comment at the approval step; from the browser every write is refused; the auditors'
pages fit a phone. The browser fixtures are the shared ones (tests/browserkit.py, via conftest)."""
from __future__ import annotations

import pytest

from engine.audit import chain as audit
from tests.audit.demo_cases import ready
from tests.browserkit import NO_HORIZONTAL_SCROLL, PAGE_WIDTH

pytestmark = pytest.mark.browser
COMMENT = "紧急，同意赔偿"  # the manager's words in the demo compensation case


def test_auditor_steps_through_a_compensation_case_to_the_approvers_comment(demo, open_session, tmp_path):
    case = demo("compensation_manager")
    events = audit.events_of(case.id)
    approval = next(e for e in events if e.type == "task_completed" and e.element_id == "manager_approval")
    page = open_session("auditor1").go(f"/cases/{case.id}/replay")
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
    assert page.locator(".djs-element.ac-completed[data-element-id=manager_approval]").count() == 1
    assert page.locator(".djs-element.ac-current[data-element-id=manager_approval]").count() == 1  # this step's
    assert COMMENT in page.get_by_test_id("data").text_content()
    page.screenshot(path=str(tmp_path / "approval-step.png"), full_page=True)

    page.get_by_role("button", name="上一步").click()
    page.wait_for_selector(f".replay[data-step='{approval.seq - 1}']")
    assert page.locator(".djs-element.ac-active[data-element-id=manager_approval]").count() == 1
    assert page.get_by_test_id("comment").count() == 0

    page.get_by_role("button", name="最后一步").click()
    page.wait_for_selector(f".replay[data-step='{len(events)}']")
    assert "案件完成" in event.text_content() and page.get_by_role("button", name="下一步").is_disabled()
    assert page.locator(".djs-element.ac-completed[data-element-id=end_approved]").count() == 1

    page.locator("#replay-slider").fill("3")
    page.wait_for_selector(".replay[data-step='3']")
    assert position.text_content() == f"3 / {len(events)}"


def test_from_the_browser_every_write_is_refused_to_the_auditor(cases, open_session):
    running = cases.pending()
    [task] = ready(running.id).values()
    page = open_session("auditor1").go(f"/cases/{running.id}/history")
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


def test_the_auditors_pages_need_no_sideways_scrolling_on_a_phone(demo, open_session, artifacts):
    """At 390×844 every event of a real compensation case (long start data, approvals) is a card
    as wide as the screen; the replay stacks its diagram above the event and the data."""
    case = demo("compensation_manager")
    steps = len(audit.events_of(case.id))
    session = open_session("auditor1", width=390, height=844)
    page = session.go(f"/cases/{case.id}/history")
    assert page.locator("[data-testid=history] > tbody > tr").count() == steps
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
    page.screenshot(path=str(artifacts / "audit-history-390x844.png"), full_page=True)

    page = session.go(f"/cases/{case.id}/replay")
    page.wait_for_selector(".replay[data-step='1']")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
    page.get_by_role("button", name="最后一步").click()
    page.wait_for_selector(f".replay[data-step='{steps}']")  # the fullest case data
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate(PAGE_WIDTH)
    assert page.locator("#replay-diagram[data-ready=true] .djs-element.ac-completed").count() > 0
    page.screenshot(path=str(artifacts / "audit-replay-390x844.png"), full_page=True)

    for path in (f"/cases/{case.id}/check", f"/cases/{case.id}/report", "/audit/cases"):
        page = session.go(path)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (path, page.evaluate(PAGE_WIDTH))
