"""The /api/v1 contract: paths, field names, status codes and error bodies clients rely on."""
from __future__ import annotations

import io

from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance
from tests.conftest import TEST_BPMN


def test_token_and_login_required(client, users):
    assert client.get("/api/v1/tasks").status_code == 401
    body = client.get("/api/v1/tasks").get_json()
    assert body["code"] == "unauthorized" and body["message"]
    bad = client.post("/api/v1/tokens", json={"username": "sales1", "password": "nope"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "invalid_credentials"
    missing = client.post("/api/v1/tokens", json={"username": "sales1"})
    assert missing.status_code == 422 and "password" in missing.get_json()["errors"]
    good = client.post("/api/v1/tokens", json={"username": "sales1", "password": "pw-sales1"})
    assert good.status_code == 201 and good.get_json()["token"]
    token = good.get_json()["token"]
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_failed_logins_are_rate_limited(client, users):
    for _ in range(5):
        client.post("/api/v1/tokens", json={"username": "desk1", "password": "wrong"})
    blocked = client.post("/api/v1/tokens", json={"username": "desk1", "password": "pw-desk1"})
    assert blocked.status_code == 429 and blocked.get_json()["code"] == "too_many_attempts"


def _upload(api, *paths, user="owner1"):
    data = {"file": [(io.BytesIO(p.read_bytes()), p.name) for p in paths], "note": "first version"}
    return api(user).post("/process-models", data=data, content_type="multipart/form-data")


def test_deploy_over_api_and_list_models(api):
    forms = TEST_BPMN / "forms" / "t_approval"
    response = _upload(api, TEST_BPMN / "t_approval.bpmn", forms / "start.json", forms / "review.json")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["process_id"] == "t_approval" and response.get_json()["version"] == 1
    again = _upload(api, TEST_BPMN / "t_approval.bpmn", forms / "start.json", forms / "review.json")
    assert again.get_json()["version"] == 1 and again.get_json()["created"] is False  # identical: no-op
    listing = api("sales1").get("/process-models").get_json()
    assert listing["total"] == 1 and {"process_id", "name", "version", "deployed_at"} <= set(listing["items"][0])
    detail = api("sales1").get("/process-models/t_approval").get_json()
    assert [v["version"] for v in detail["versions"]] == [1]
    fields = {f["name"]: f for f in detail["start_form"]["fields"]}
    assert fields["customer_name"] == {"name": "customer_name", "label": "客户", "type": "string", "required": True}
    english = api("sales1").get("/process-models/t_approval?lang=en").get_json()
    assert english["start_form"]["title"] == "Request"
    assert api("sales1").get("/process-models/nope").status_code == 404


def test_deploy_needs_process_owner_and_reports_problems(api):
    assert _upload(api, TEST_BPMN / "t_approval.bpmn", user="sales1").status_code == 403
    response = _upload(api, TEST_BPMN / "t_approval.bpmn")  # its forms are missing
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "invalid_model"
    assert {"element": "review", "name": "Review request",
            "problem": "form 'review' was not provided"} in body["errors"]


def test_case_lifecycle_through_the_api(api, deploy):
    deploy("t_approval")
    created = api("sales1").post("/process-instances", json={"process_id": "t_approval",
                                                              "data": {"customer_name": "成都重工", "amount": "12.5"}})
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert {"id", "process_id", "version", "status", "tasks"} <= set(case)
    assert case["status"] == "running" and case["data"]["amount"] == "12.50"
    [task] = case["tasks"]
    assert {"id", "instance_id", "process_id", "element_id", "name", "role", "assignee", "due_at", "form"} <= set(task)
    assert task["role"] == "service_desk"

    queue = api("desk1").get("/tasks?scope=role").get_json()
    assert queue["total"] == 1 and queue["items"][0]["id"] == task["id"]
    assert api("desk1").get("/tasks?scope=mine").get_json()["total"] == 0
    assert api("sales1").get(f"/tasks/{task['id']}").status_code == 403  # not sales' task
    full = api("desk1").get(f"/tasks/{task['id']}").get_json()
    assert [f["name"] for f in full["form"]["fields"]] == ["approved", "comment", "priority", "lines"]
    assert full["form"]["fields"][2]["choices"][0] == {"value": "urgent", "label": "紧急"}

    claimed = api("desk1").post(f"/tasks/{task['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "desk1"
    assert api("desk2").post(f"/tasks/{task['id']}/claim").status_code == 409
    assert api("desk2").post(f"/tasks/{task['id']}/complete", json={"data": {"approved": True}}).status_code == 403
    assert api("desk1").get("/tasks?scope=mine").get_json()["total"] == 1

    done = api("desk1").post(f"/tasks/{task['id']}/complete", json={"data": {"approved": True, "comment": "同意"}})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "running" and [t["element_id"] for t in body["tasks"]] == ["notify"]
    assert body["next_task_id"] is None  # the next task is sales', not desk1's
    assert api("desk1").post(f"/tasks/{task['id']}/complete", json={"data": {"approved": True}}).status_code == 409

    got = api("sales1").get(f"/process-instances/{case['id']}").get_json()
    assert {"id", "process_id", "version", "status", "data", "tasks", "completed_tasks"} <= set(got)
    assert got["completed_tasks"][0]["completed_by"] == "desk1"
    assert got["completed_tasks"][0]["data"] == {"approved": True, "comment": "同意"}
    listing = api("manager1").get("/process-instances?process_id=t_approval&status=running").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == case["id"]
    events = api("auditor1").get(f"/process-instances/{case['id']}/events").get_json()
    first = events["items"][0]
    assert {"seq", "type", "at", "actor", "element_id", "data", "hash"} <= set(first)
    assert first["type"] == "instance_started" and first["actor"] == "sales1"
    completed = [e for e in events["items"] if e["type"] == "task_completed"][0]
    assert completed["actor"] == "desk1" and completed["data"]["submitted"]["comment"] == "同意"
    assert api("auditor1").get("/audit/verify").get_json() == {
        "ok": True, "events": events["total"] + 1, "first_bad_seq": None, "stream": None, "problem": None}
    assert api("sales1").get("/audit/verify").status_code == 403


def test_invalid_form_data_is_422_and_changes_nothing(api, deploy):
    deploy("t_approval")
    case = api("sales1").post("/process-instances", json={"process_id": "t_approval",
                                                           "data": {"customer_name": "x"}}).get_json()
    task_id = case["tasks"][0]["id"]
    before = db.session.get(Instance, case["id"])
    version, state, events = before.version, before.state, len(audit.events_of(case["id"]))
    response = api("desk1").post(f"/tasks/{task_id}/complete", json={"data": {
        "comment": "x" * 6000, "priority": "whenever", "lines": [{"part_code": "P1", "quantity": 0}], "bogus": 1}})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"approved", "comment", "priority", "lines.0.quantity", "bogus"}
    assert errors["approved"] == ["此项为必填项。"]
    english = api("desk1").post(f"/tasks/{task_id}/complete?lang=en", json={"data": {}}).get_json()
    assert english["errors"]["approved"] == ["This field is required."]
    db.session.expire_all()
    after = db.session.get(Instance, case["id"])
    assert (after.version, after.state, len(audit.events_of(case["id"]))) == (version, state, events)
    bad_start = api("sales1").post("/process-instances", json={"process_id": "t_approval",
                                                                "data": {"amount": "12.345"}})
    assert bad_start.status_code == 422
    assert set(bad_start.get_json()["errors"]) == {"customer_name", "amount"}
    assert db.session.query(Instance).count() == 1


def test_errors_are_json_never_html(api, client):
    assert api("sales1").get("/tasks/does-not-exist").get_json()["code"] == "not_found"
    assert api("sales1").get("/no-such-endpoint").get_json()["code"] == "not_found"
    bad_json = api("sales1").post("/process-instances", data="{oops", content_type="application/json")
    assert bad_json.status_code == 422 and bad_json.get_json()["code"] == "validation_failed"
    assert api("sales1").post("/process-instances", json={"process_id": "nope"}).status_code == 404
    assert api("sales1").get("/tasks?scope=everything").status_code == 422


def test_openapi_documents_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path, method in [("/tokens", "post"), ("/process-models", "get"), ("/process-models", "post"),
                         ("/process-models/{process_id}", "get"), ("/process-instances", "post"),
                         ("/process-instances", "get"), ("/process-instances/{instance_id}", "get"),
                         ("/tasks", "get"), ("/tasks/{task_id}", "get"), ("/tasks/{task_id}/claim", "post"),
                         ("/tasks/{task_id}/complete", "post"), ("/process-instances/{instance_id}/events", "get"),
                         ("/audit/verify", "get")]:
        assert method in paths[path], (path, method)
    schemas = doc["components"]["schemas"]
    assert set(schemas["TaskComplete"]["properties"]) == {"data"}
    assert "username" in schemas["TokenRequest"]["required"]
    assert paths["/tokens"]["post"]["security"] == []
