"""The managers' pages: actions on the case page, the incident list, bulk actions and where cases
wait — service managers and administrators only, CSRF on every form, a reason required, each action
done through the same engine function as the API and visible on the case afterwards."""
from __future__ import annotations

import re

import pytest

from engine import commands, incidents, queries, replay
from engine.audit import chain as audit
from tests.engine.test_incidents import failed_quote, parts_system  # noqa: F401 - the flaky service
from tests.engine.test_rework import at_approval, done
from tests.web.conftest import fresh_instance


def text(response) -> str:
    return response.get_data(as_text=True)


def follow(browser, response) -> str:
    assert response.status_code == 302, text(response)
    return text(browser.get(response.headers["Location"]))


def test_the_case_page_offers_the_actions_to_managers_only(as_user, deploy, users):
    case = at_approval(deploy, users)
    page = text(as_user("manager1").get(f"/cases/{case.id}"))
    assert 'data-testid="case-operations"' in page
    for action in ("suspend", "correct", "send-back"):
        assert f'data-op="{action}"' in page
    assert 'data-testid="cancel-form"' in page
    assert f'/operations/cases/{case.id}/suspend' in page and 'name="csrf_token"' in page
    desk = text(as_user("desk1").get(f"/cases/{case.id}"))
    assert 'data-testid="case-operations"' not in desk and "/operations/" not in desk


def test_suspend_resume_and_cancel_from_the_case_page(as_user, deploy, users):
    case = at_approval(deploy, users)
    manager = as_user("manager1")
    refused = follow(manager, manager.post(f"/operations/cases/{case.id}/suspend", {"reason": " "}))
    assert "请填写原因。" in refused and fresh_instance(case.id).status == "running"
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/suspend", {"reason": "客户要求暂缓"}))
    assert "案件已暂停" in page and 'data-status="suspended"' in page and 'data-testid="suspended-note"' in page
    assert "客户要求暂缓" in page and 'data-op="resume"' in page
    again = follow(manager, manager.post(f"/operations/cases/{case.id}/suspend", {"reason": "x"}))
    assert "案件当前状态为“已暂停”，不能执行这个操作。" in again
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/resume", {"reason": "继续办理"}))
    assert "案件已恢复" in page and fresh_instance(case.id).status == "running"
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/cancel", {"reason": "客户撤回"}))
    assert "案件已取消。" in page and fresh_instance(case.id).status == "cancelled"
    assert "案件已结束，没有可做的管理操作。" in page
    kinds = [e.type for e in audit.events_of(case.id)]
    assert kinds.count("instance_suspended") == 1 and "instance_resumed" in kinds and "instance_cancelled" in kinds
    assert replay.check(case.id).ok


def test_correct_and_send_back_from_the_case_page(as_user, deploy, users):
    case = at_approval(deploy, users)
    fill = done(case, "fill")
    manager = as_user("manager1")
    bad = follow(manager, manager.post(f"/operations/cases/{case.id}/correct", {
        "task_id": fill.id, "field": "amount", "type": "number", "value": "很多", "reason": "来函更正"}))
    assert 'role="alert"' in bad and fresh_instance(case.id).data["amount"] == "500.00"
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/correct", {
        "task_id": fill.id, "field": "amount", "type": "number", "value": "1800", "reason": "来函更正"}))
    assert "已更正" in page and "金额: 500.00 → 1800.00（来函更正）" in page  # the timeline, in names
    check = done(case, "check")
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/correct", {
        "task_id": check.id, "field": "checked", "type": "boolean", "value": "false", "reason": "核对有误"}))
    assert fresh_instance(case.id).data["checked"] is False
    page = follow(manager, manager.post(f"/operations/cases/{case.id}/send-back", {"element_id": "check",
                                                                                   "reason": "请重新核对"}))
    assert "案件已退回" in page
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["check"]
    assert replay.check(case.id).ok


def test_migrate_from_the_case_page(as_user, deploy, users):
    deploy("t_migrate")
    case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
    deploy("v2/t_migrate")
    manager = as_user("manager1")
    page = text(manager.get(f"/cases/{case.id}"))
    assert 'data-op="migrate"' in page and '<option value="2">' in page
    checked = follow(manager, manager.post(f"/operations/cases/{case.id}/migrate", {"to_version": "2", "dry_run": "1"}))
    assert "检查通过：案件可以迁移到版本 2。" in checked and fresh_instance(case.id).model.version == 1
    no_reason = follow(manager, manager.post(f"/operations/cases/{case.id}/migrate", {"to_version": "2"}))
    assert "请填写原因。" in no_reason
    moved = follow(manager, manager.post(f"/operations/cases/{case.id}/migrate", {"to_version": "2",
                                                                                  "reason": "升级"}))
    assert "案件已迁移到版本 2。" in moved and fresh_instance(case.id).model.version == 2


def test_the_incident_list_retries_and_resolves(as_user, deploy, users, parts_system):  # noqa: F811
    case = failed_quote(deploy, users)
    manager = as_user("manager1")
    inbox = text(manager.get("/inbox"))
    assert re.search(r'data-testid="nav-incident-count"[^>]*>1<', inbox)
    assert 'data-testid="nav-incident-count"' not in text(as_user("desk1").get("/inbox"))
    page = text(manager.get("/operations/incidents"))
    [incident] = incidents.open_of(case.id)
    assert f'data-incident="{incident.id}"' in page and "服务调用失败" in page and "parts system unreachable" in page
    assert "Get the price from the parts system" in page and case.case_number in page

    bad = follow(manager, manager.post(f"/operations/incidents/{incident.id}/resolve",
                                       {"reason": "电话询价", "data": "{oops"}))
    assert "数据不是有效的 JSON。" in bad
    still = follow(manager, manager.post(f"/operations/incidents/{incident.id}/retry", {"reason": "再试"}))
    assert "仍然出错" in still
    page = follow(manager, manager.post(f"/operations/incidents/{incident.id}/resolve", {
        "reason": "电话询价", "data": '{"quote": {"price": "90.00"}}', "next": f"/cases/{case.id}"}))
    assert "故障已处理：已按给定值处理。" in page and 'data-status="running"' in page
    assert 'data-testid="nav-incident-count"' not in page
    handled = text(manager.get("/operations/incidents?status=closed"))
    assert f'data-incident="{incident.id}"' in handled and "已按给定值处理" in handled
    assert replay.check(case.id).ok


def test_bulk_page_previews_then_runs(as_user, deploy, users):
    first, second = at_approval(deploy, users), at_approval(deploy, users)
    manager = as_user("manager1")
    assert 'data-testid="bulk-form"' in text(manager.get("/operations/bulk"))
    empty = manager.post("/operations/bulk", {"action": "suspend", "dry_run": "1"})
    assert empty.status_code == 422 and "请选择案件" in text(empty)
    preview = manager.post("/operations/bulk", {"action": "suspend", "process_id": "t_rework", "dry_run": "1"})
    page = text(preview)
    assert 'data-dry-run="true"' in page and page.count('data-outcome="would_do"') == 2
    assert {fresh_instance(first.id).status, fresh_instance(second.id).status} == {"running"}
    no_reason = manager.post("/operations/bulk", {"action": "suspend", "ids": first.case_number})
    assert no_reason.status_code == 422 and "请填写原因。" in text(no_reason)
    both = f"{first.case_number}, {second.case_number}"
    ran = text(manager.post("/operations/bulk", {"action": "suspend", "ids": both, "reason": "年底盘点"}))
    assert ran.count('data-outcome="done"') == 2 and fresh_instance(second.id).status == "suspended"


def test_where_cases_wait_page(as_user, deploy, users):
    at_approval(deploy, users)
    case = at_approval(deploy, users)
    manager = as_user("manager1")
    index = text(manager.get("/operations/waiting"))
    assert "/operations/waiting/t_rework/1" in index
    page = text(manager.get("/operations/waiting/t_rework/1"))
    assert 'data-waiting-diagram' in page and '&#34;approve&#34;' in page and 'data-element="approve"' in page
    listed = text(manager.get("/operations/waiting/t_rework/1?element=approve"))
    assert 'data-testid="cases-at-step"' in listed and f'data-case="{case.id}"' in listed
    xml = manager.get("/operations/waiting/t_rework/1/diagram.bpmn")
    assert xml.status_code == 200 and b'id="approve"' in xml.data
    assert manager.get("/operations/waiting/t_rework/9").status_code == 404


@pytest.mark.parametrize("path", ["/operations/incidents", "/operations/bulk", "/operations/waiting",
                                  "/operations/waiting/t_rework/1"])
def test_other_roles_cannot_open_the_pages(as_user, deploy, users, path):
    at_approval(deploy, users)
    assert as_user("desk1").get(path).status_code == 403
    assert as_user("manager1").get(path).status_code == 200


def test_other_roles_cannot_post_and_forms_need_the_csrf_token(as_user, deploy, users):
    case = at_approval(deploy, users)
    for path in (f"/operations/cases/{case.id}/suspend", f"/operations/cases/{case.id}/cancel",
                 f"/operations/cases/{case.id}/correct", f"/operations/cases/{case.id}/send-back",
                 f"/operations/cases/{case.id}/migrate", "/operations/incidents/1/retry", "/operations/bulk"):
        assert as_user("sales1").post(path, {"reason": "x"}).status_code == 403, path
    manager = as_user("manager1")
    no_token = manager.client.post(f"/operations/cases/{case.id}/suspend", data={"reason": "x"})
    assert no_token.status_code == 400 and fresh_instance(case.id).status == "running"
