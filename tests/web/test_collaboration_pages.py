"""Comments, cancelling a case, notification settings and reassigning by name, through the pages
and the API, as the people who use them."""
from __future__ import annotations

import re

from engine import commands, queries
from engine.audit import chain as audit
from engine.timers import outbox
from tests.workflows.collaboration.conftest import give_names
from web.server import ready_banner
from workflows.collaboration import preferences


def fault_case(actors):
    return commands.start_instance(process_id="fault_handling", data={
        "equipment_serial": "EQ-SW-001", "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious"}, actor=actors["sales1"])


def test_comments_through_the_api(api, flows, actors):
    give_names()
    case = fault_case(actors)
    path = f"/process-instances/{case.id}/comments"
    created = api("desk1").post(path, json={"body": "客户说周三前必须恢复", "mentions": ["manager1"]})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["author"] == "desk1" and item["author_name"] == "李客服"
    assert item["mentions"] == [{"username": "manager1", "name": "张经理"}]
    listed = api("auditor1").get(path).get_json()
    assert listed["total"] == 1 and listed["items"][0]["body"] == "客户说周三前必须恢复"
    assert api("auditor1").post(path, json={"body": "x"}).status_code == 403
    assert api("auditor1").post("/process-instances/999999/comments", json={"body": "x"}).status_code == 403
    assert api("desk1").post("/process-instances/999999/comments", json={"body": "x"}).status_code == 404
    assert api("eng_n1").get(path).status_code == 403
    for bad in ({"body": ""}, {"body": "x" * 2001}, {"body": "x", "mentions": ["eng_n1"]}, {"body": "x", "extra": 1},
                {"body": "x", "mentions": "manager1"}):
        response = api("desk1").post(path, json=bad)
        assert response.status_code == 422, (bad, response.get_json())
    assert api("desk1").get(path).get_json()["total"] == 1
    assert "/process-instances/{instance_id}/comments" in api("desk1").get("/openapi.json").get_json()["paths"]


def test_comment_on_the_case_page_mentioning_a_colleague_by_name(as_user, flows, actors):
    give_names()
    case = fault_case(actors)
    desk = as_user("desk1")
    html = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    picker = re.search(r'class="mention-choices">(.*?)</ul>', html, re.S).group(1)
    assert 'value="manager1"' in picker and ">张经理<" in picker and "auditor1" not in picker
    posted = desk.post(f"/cases/{case.id}/comments", {"body": "请经理确认是否派人", "mention": ["manager1"]})
    assert posted.status_code == 302 and "#comment-" in posted.headers["Location"]
    html = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    comment = re.search(r'<li id="comment-\d+" class="comment">(.*?)</li>', html, re.S).group(1)
    assert "李客服" in comment and "@张经理" in comment and "请经理确认是否派人" in comment
    assert re.search(r'ev-comment_added.*?评论.*?@张经理 请经理确认是否派人', html, re.S)  # in the timeline
    manager = as_user("manager1")
    assert 'data-testid="unread-count">' in manager.get("/inbox").get_data(as_text=True)
    history = as_user("auditor1").get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "请经理确认是否派人" in history
    assert 'class="comment-form' not in as_user("auditor1").get(f"/cases/{case.id}").get_data(as_text=True)
    empty = desk.post(f"/cases/{case.id}/comments", {"body": " "}, follow_redirects=True).get_data(as_text=True)
    assert "请填写评论内容。" in empty


def test_a_manager_cancels_a_case_from_its_page_with_a_reason(as_user, flows, actors):
    case = fault_case(actors)
    assert "cancel-form" not in as_user("desk1").get(f"/cases/{case.id}").get_data(as_text=True)
    assert as_user("desk1").post(f"/operations/cases/{case.id}/cancel", {"reason": "x"}).status_code == 403
    manager = as_user("manager1")
    assert 'data-testid="cancel-form"' in manager.get(f"/cases/{case.id}").get_data(as_text=True)
    refused = manager.post(f"/operations/cases/{case.id}/cancel", {"reason": "  "}, follow_redirects=True)
    assert "请填写原因。" in refused.get_data(as_text=True)
    assert queries.instance(case.id).status == "running"
    done = manager.post(f"/operations/cases/{case.id}/cancel", {"reason": "客户撤回"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "案件已取消。" in html and 'data-status="cancelled"' in html and "cancel-form" not in html
    assert audit.events_of(case.id)[-1].data == {"reason": "客户撤回"} or any(
        e.type == "instance_cancelled" and e.data["reason"] == "客户撤回" for e in audit.events_of(case.id))
    assert [n.kind for n in outbox.list_for("sales1").items] == ["case_cancelled"]
    again = manager.post(f"/operations/cases/{case.id}/cancel", {"reason": "再取消"}, follow_redirects=True)
    assert "不能执行这个操作" in again.get_data(as_text=True)


def test_each_person_chooses_how_their_queue_notifies_them(as_user, flows, actors):
    desk = as_user("desk1")
    page = desk.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'value="each"\s+checked', page)
    assert desk.post("/notifications/settings", {"queue_mode": "weekly"}).status_code == 422
    assert desk.post("/notifications/settings", {"queue_mode": "none"}).status_code == 302
    assert preferences.queue_mode("desk1") == "none"
    fault_case(actors)
    assert outbox.list_for("desk1").total == 0 and outbox.list_for("desk2").total == 1
    assert "通知设置" in desk.get("/notifications/").get_data(as_text=True)


def test_reassign_lists_people_by_name_team_and_load(as_user, flows, actors):
    give_names()
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.north, "question": "滤布多久更换一次？"}, actor=actors["sales1"])
    [answer] = queries.tasks_of(case.id, "ready")
    html = as_user("manager1").get(f"/tasks/{answer.id}").get_data(as_text=True)
    select = re.search(r'<select id="assignee".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    shown = dict(options)
    assert shown["eng_n1"] == "吴工（华北） · 华北东北组 · 1 项待办"
    assert shown["eng_sw2"] == "何工（西南） · 西南组 · 0 项待办"
    assert not any(username in label for username, label in options)


def test_the_login_page_lists_the_demo_accounts_only_in_demo_mode(app, client, users, monkeypatch):
    assert 'data-testid="demo-accounts"' not in client.get("/login").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DEMO", True)
    html = client.get("/login").get_data(as_text=True)
    accounts = re.search(r'data-testid="demo-accounts"(.*?)</section>', html, re.S).group(1)
    assert 'data-demo-login="manager1"' in accounts and "售后服务部经理" in accounts
    assert "Demo login: manager1 / demo" in ready_banner({"DEMO": True}, "0.0.0.0", 5000)
    assert ready_banner({"DEMO": False}, "127.0.0.1", 8000) == "Aftercare 售后 is running at http://127.0.0.1:8000/"
