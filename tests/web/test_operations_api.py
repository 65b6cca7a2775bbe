"""The operations API contract: the paths and body fields of the issue, 403 for other roles before
anything else, every body checked (422 with field messages), results that say what happened."""
from __future__ import annotations

import pytest

from engine import commands, incidents, queries
from engine.audit import chain as audit
from engine.db import db
from tests.engine.test_incidents import failed_quote, parts_system  # noqa: F401 - the flaky service
from tests.engine.test_rework import at_approval, done

CASE_ACTIONS = {
    "suspend": {"reason": "x"}, "resume": {"reason": "x"},
    "correct": {"task_id": "t", "field": "amount", "value": 1, "reason": "x"},
    "send-back": {"element_id": "fill", "reason": "x"}, "migrate": {"to_version": 2, "reason": "x"},
}


@pytest.mark.parametrize("who", ["desk1", "sales1", "auditor1", "owner1"])
def test_other_roles_get_403_before_anything_else(api, deploy, users, who):
    case = at_approval(deploy, users)
    client = api(who)
    for action, body in CASE_ACTIONS.items():
        for target in (case.id, 999999):
            for payload in (body, {"unexpected": True}):
                response = client.post(f"/process-instances/{target}/{action}", json=payload)
                assert response.status_code == 403, (action, target, response.get_json())
    assert client.get("/incidents").status_code == 403
    assert client.post("/incidents/999/retry", json={}).status_code == 403
    assert client.post("/incidents/999/resolve", json={"nonsense": 1}).status_code == 403
    assert client.post("/bulk/suspend", json={"ids": [case.id], "reason": "x"}).status_code == 403
    assert client.post("/bulk/whatever", json={}).status_code == 403
    assert client.get("/process-models/t_rework/versions/1/waiting").status_code == 403
    db.session.expire_all()
    assert queries.instance(case.id).status == "running"


def test_case_actions_over_the_api(api, deploy, users):
    case = at_approval(deploy, users)
    manager = api("manager1")
    missing = manager.post(f"/process-instances/{case.id}/suspend", json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    empty = manager.post(f"/process-instances/{case.id}/suspend", json={"reason": ""})
    assert empty.status_code == 422
    extra = manager.post(f"/process-instances/{case.id}/suspend", json={"reason": "x", "force": True})
    assert extra.status_code == 422 and "force" in extra.get_json()["errors"]
    assert manager.post("/process-instances/999999/suspend", json={"reason": "x"}).status_code == 404

    suspended = manager.post(f"/process-instances/{case.id}/suspend", json={"reason": "客户要求暂缓"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    assert suspended.get_json()["tasks"] == []
    assert manager.post(f"/process-instances/{case.id}/suspend", json={"reason": "x"}).status_code == 409
    resumed = manager.post(f"/process-instances/{case.id}/resume", json={"reason": "继续"})
    assert resumed.get_json()["status"] == "running" and len(resumed.get_json()["tasks"]) == 1

    fill = done(case, "fill")
    bad_value = manager.post(f"/process-instances/{case.id}/correct",
                             json={"task_id": fill.id, "field": "amount", "value": "lots", "reason": "x"})
    assert bad_value.status_code == 422 and "value" in bad_value.get_json()["errors"]
    huge = manager.post(f"/process-instances/{case.id}/correct",
                        json={"task_id": fill.id, "field": "note", "value": "x" * 70_000, "reason": "x"})
    assert huge.status_code == 422
    corrected = manager.post(f"/process-instances/{case.id}/correct",
                             json={"task_id": fill.id, "field": "amount", "value": "1500", "reason": "更正"})
    assert corrected.status_code == 200 and corrected.get_json()["data"]["amount"] == "1500.00"

    sent = manager.post(f"/process-instances/{case.id}/send-back", json={"element_id": "check", "reason": "重核"})
    assert sent.status_code == 200 and [t["element_id"] for t in sent.get_json()["tasks"]] == ["check"]
    unknown = manager.post(f"/process-instances/{case.id}/send-back", json={"element_id": "nowhere", "reason": "x"})
    assert unknown.status_code == 422 and "element_id" in unknown.get_json()["errors"]
    types = [e.type for e in audit.events_of(case.id)]
    assert {"instance_suspended", "instance_resumed", "task_corrected", "instance_sent_back"} <= set(types)


def test_migrate_over_the_api(api, deploy, users):
    deploy("t_migrate")
    case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
    deploy("v2/t_migrate")
    admin = api("admin")
    bad = admin.post(f"/process-instances/{case.id}/migrate", json={"to_version": "2", "reason": "x"})
    assert bad.status_code == 422 and "to_version" in bad.get_json()["errors"]
    preview = admin.post(f"/process-instances/{case.id}/migrate", json={"to_version": 2, "dry_run": True})
    assert preview.status_code == 200 and preview.get_json()["can_move"] and not preview.get_json()["moved"]
    no_reason = admin.post(f"/process-instances/{case.id}/migrate", json={"to_version": 2})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    moved = admin.post(f"/process-instances/{case.id}/migrate", json={"to_version": 2, "reason": "升级"})
    assert moved.get_json()["moved"] and admin.get(f"/process-instances/{case.id}").get_json()["version"] == 2
    again = admin.post(f"/process-instances/{case.id}/migrate", json={"to_version": 2, "reason": "x"}).get_json()
    assert not again["can_move"] and again["problems"][0]["code"] == "same_version"


def test_incidents_over_the_api(api, deploy, users, parts_system):  # noqa: F811
    case = failed_quote(deploy, users)
    manager = api("manager1")
    listing = manager.get("/incidents").get_json()
    [item] = listing["items"]
    assert (item["instance_id"], item["case_number"], item["kind"], item["element_id"], item["status"]) == (
        case.id, case.case_number, "service", "quote", "open")
    assert item["element_name"] == "Get the price from the parts system"
    assert manager.get("/incidents?kind=volcano").status_code == 422
    assert manager.get("/incidents?status=closed").get_json()["total"] == 0
    bad = manager.post(f"/incidents/{item['id']}/resolve", json={"data": "90"})
    assert bad.status_code == 422 and "data" in bad.get_json()["errors"]
    assert manager.post(f"/incidents/{item['id']}/resolve", json={}).status_code == 422
    assert manager.post("/incidents/999999/retry", json={}).status_code == 404
    failed_again = manager.post(f"/incidents/{item['id']}/retry", json={})  # the body's fields are optional
    assert failed_again.status_code == 200 and failed_again.get_json()["attempts"] == 2
    resolved = manager.post(f"/incidents/{item['id']}/resolve",
                            json={"data": {"quote": {"price": "90.00"}}, "reason": "电话询价"})
    assert resolved.status_code == 200 and resolved.get_json()["resolution"] == "resolved"
    assert manager.post(f"/incidents/{item['id']}/retry", json={}).status_code == 409
    db.session.expire_all()
    assert queries.instance(case.id).status == "running" and incidents.open_count() == 0


def test_bulk_and_waiting_over_the_api(api, deploy, users):
    first, second = at_approval(deploy, users), at_approval(deploy, users)
    manager = api("manager1")
    both = manager.post("/bulk/suspend", json={"ids": [first.id], "filter": {"process_id": "t_rework"},
                                               "reason": "x"})
    assert both.status_code == 422
    neither = manager.post("/bulk/suspend", json={"reason": "x"})
    assert neither.status_code == 422
    assert manager.post("/bulk/explode", json={"ids": [first.id], "reason": "x"}).status_code == 404
    assert manager.post("/bulk/suspend", json={"filter": {"colour": "red"}, "reason": "x"}).status_code == 422
    naive = manager.post("/bulk/suspend", json={"filter": {"from": "2026-03-01T00:00:00"}, "dry_run": True})
    assert naive.status_code == 422
    preview = manager.post("/bulk/suspend", json={"filter": {"process_id": "t_rework", "version": 1},
                                                  "dry_run": True}).get_json()
    assert (preview["total"], preview["done"], preview["dry_run"]) == (2, 2, True)
    assert {i["outcome"] for i in preview["items"]} == {"would_do"}
    ran = manager.post("/bulk/suspend", json={"ids": [first.id, second.id], "reason": "盘点"}).get_json()
    assert [i["outcome"] for i in ran["items"]] == ["done", "done"]
    waiting = manager.get("/process-models/t_rework/versions/1/waiting").get_json()
    assert waiting["open_cases"] == 2
    assert {(s["element_id"], s["suspended"]) for s in waiting["steps"]} == {("approve", 2)}
    assert manager.get("/process-models/t_rework/versions/9/waiting").status_code == 404


def test_the_openapi_document_lists_the_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/process-instances/{instance_id}/suspend", "/process-instances/{instance_id}/resume",
                 "/process-instances/{instance_id}/correct", "/process-instances/{instance_id}/send-back",
                 "/process-instances/{instance_id}/migrate", "/incidents", "/incidents/{incident_id}/retry",
                 "/incidents/{incident_id}/resolve", "/bulk/{action}"):
        assert path in paths, path
    body = paths["/process-instances/{instance_id}/correct"]["post"]["requestBody"]
    assert body["required"]
