"""The acceptance journey on the real fault-handling flow: sales records a fault report, then each
next role logs in, finds the task in the inbox and completes it through the page, until the case
is complete. The engineer's on-site steps follow one another without going back to the inbox."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.flowkit import FORM_DATA

pytestmark = pytest.mark.browser
FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "fault_handling"


def title(form: str) -> str:
    """What the task page calls a step: its form's title."""
    return json.loads((FORMS / f"{form}.json").read_text(encoding="utf-8"))["title"]["zh"]


def fill(page, data: dict[str, Any]) -> None:
    """Fill a form from form data the way a person would: type, pick, tick, add rows."""
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                if page.locator(f"[name='{name}-{index}-{next(iter(row))}']").count() == 0:
                    page.click(f"[data-field='{name}'] [data-add-row]")
                for sub, sub_value in row.items():
                    fill_one(page, f"{name}-{index}-{sub}", sub_value)
        elif isinstance(value, list):
            for item in value:
                page.check(f"input[name='{name}'][value='{item}']")
        else:
            fill_one(page, name, value)


def fill_one(page, name: str, value: Any) -> None:
    target = page.locator(f"[name='{name}']").first
    kind = target.evaluate("e => e.tagName + ':' + (e.type || '')")
    if kind.endswith("radio"):
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        page.check(f"input[name='{name}'][value='{text}']")
    elif kind.startswith("SELECT"):
        page.select_option(f"select[name='{name}']", str(value))
    elif kind == "INPUT:hidden" and target.get_attribute("data-lookup-value") is not None:
        page.locator(f"[name='{name}'] + input.lookup-text").first.fill(str(value))  # a reference: typed
    else:
        target.fill(str(value))


def open_task(session, case_number: str, form: str):
    """The case's task from the inbox: the person's own tasks first, then their roles' queue."""
    for tab in ("mine", "role"):
        page = session.go(f"/inbox?tab={tab}&q={case_number}")
        row = page.locator(f"tr.task-row:has-text('{case_number}')")
        if row.count():
            with page.expect_navigation():
                row.locator(".task-link").click()
            assert page.text_content("[data-testid=task-title]").strip() == title(form)
            return page
    raise AssertionError(f"{case_number}: no task '{form}' in the inbox")


def complete(page, data: dict[str, Any]) -> None:
    fill(page, data)
    with page.expect_navigation():
        page.click("[data-testid=complete]")
    assert page.locator(".error-summary").count() == 0, page.text_content("main")


def test_a_fault_report_is_handled_role_by_role_until_the_case_completes(open_session, flows, artifacts):
    sales = open_session("sales1")
    page = sales.go("/start/")
    with page.expect_navigation():
        page.click("[data-process=fault_handling]")
    assert page.text_content("h1").strip() == "故障报告"
    fill(page, {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30",
                "damage_extent": "serious", "contact": "王工", "phone": "13800000000"})
    with page.expect_navigation():
        page.click("[data-testid=submit-start]")
    case_number = page.text_content("h1").strip()
    assert "成都蓉城机械有限公司" in page.text_content("main")
    sales.logout()

    desk = open_session("desk1")
    page = open_task(desk, case_number, "desk_analysis")
    assert page.input_value("[name=warranty_status]") == "质保期内"  # filled in from the equipment record
    complete(page, {**FORM_DATA["fault_handling/desk_analysis"], "suggested_mode": "onsite"})
    assert page.url.endswith("/inbox")

    vp = open_session("salesvp1")
    page = open_task(vp, case_number, "vp_decision")  # the VP decides remote or on site
    complete(page, {"service_mode": "onsite", "comment": "同意派员"})

    manager = open_session("manager1")
    page = open_task(manager, case_number, "assign_engineer")  # the manager confirms the engineer
    assert page.input_value("[name=assigned_engineer]") == "eng_sw1"  # the dispatch suggestion, as a draft
    complete(page, {})

    engineer = open_session("eng_sw1", width=390, height=844)  # on site, on a phone
    page = open_task(engineer, case_number, "onsite_investigation")
    steps = ["onsite_investigation", "repair", "inspection_test", "trial_run", "service_report"]
    for form, following in zip(steps, [*steps[1:], None], strict=True):
        complete(page, FORM_DATA[f"fault_handling/{form}"])
        if following:  # the next step is the engineer's own: straight to it
            assert page.text_content("[data-testid=task-title]").strip() == title(following)
    assert page.url.endswith("/inbox")

    page = open_task(manager, case_number, "manager_review")
    complete(page, FORM_DATA["fault_handling/manager_review"])
    page = manager.go(f"/cases/?q={case_number}")
    with page.expect_navigation():
        page.click(f"text={case_number}")
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "completed"
    page.wait_for_selector("[data-bpmn-diagram][data-ready=true]")
    assert page.locator(".djs-element.ac-completed[data-element-id=manager_review]").count() == 1
    assert page.locator(".djs-element.ac-active").count() == 0
    timeline = page.text_content(".timeline")
    forms = ("desk_analysis", "vp_decision", "assign_engineer", *steps, "manager_review")
    for step in [title(form) for form in forms] + ["案件完成"]:
        assert step in timeline
    page.screenshot(path=str(artifacts / "fault-case-completed.png"), full_page=True)
