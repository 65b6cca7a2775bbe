"""The auditor reads everything and changes nothing: every write the API offers answers 403."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import AuditEvent, Instance, ModelVersion, Task
from tests.audit.demo_cases import ready

ALLOWED = {"api.create_token", "api.revoke_token",  # logging in and out are not writes to the cases
           "api.accident_fine", "api.tool_compensation"}  # calculators compute a figure and store nothing
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _counts():
    return {table.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (AuditEvent, Instance, Task, ModelVersion)}


def _request(rule, samples):
    """A well-formed request for the endpoint, so that only the role check can refuse it."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(samples[m.group(1)]), rule.rule).removeprefix("/api/v1")
    bodies = {
        "api.start_instance": {"json": {"process_id": "t_approval", "data": {"customer_name": "审计测试"}}},
        "api.cancel_instance": {"json": {"reason": "审计测试"}},
        "api.reassign_task": {"json": {"assignee": "desk2", "reason": "审计测试"}},
        "api.complete_task": {"json": {"data": {"approved": True, "comment": "审计"}}},
        "api.save_draft": {"json": {"data": {"comment": "审计"}}},
        "api.deploy_models": {"data": {"file": (io.BytesIO(b"<bpmn/>"), "x.bpmn")},
                              "content_type": "multipart/form-data"},
        "api.upload_file": {"data": {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "letter.pdf")},
                            "content_type": "multipart/form-data"},
        "api.suspend_instance": {"json": {"reason": "审计测试"}},
        "api.resume_instance": {"json": {"reason": "审计测试"}},
        "api.correct_value": {"json": {"task_id": samples["task_id"], "field": "comment", "value": "x",
                                       "reason": "审计测试"}},
        "api.send_back": {"json": {"element_id": "review", "reason": "审计测试"}},
        "api.migrate_instance": {"json": {"to_version": 1, "reason": "审计测试"}},
        "api.resolve_incident": {"json": {"data": {}}},
        "api.bulk_action": {"json": {"ids": [samples["instance_id"]], "reason": "审计测试"}},
    }
    return path, bodies.get(rule.endpoint, {"json": {}})


def test_every_api_write_is_refused_to_the_auditor(app, cases, api):
    finished = cases.approval()
    running = cases.pending()  # waits for the VP
    [task] = ready(running.id).values()
    samples = {"instance_id": running.id, "task_id": task.id, "process_id": "t_dmn", "version": 1,
               "customer_id": 1, "equipment_id": 1, "engineer_id": 1, "code": "P-1", "incident_id": 1,
               "action": "cancel", "key": "commission_target", "username": "eng1", "tool_id": 1, "item_id": 1}
    auditor = api("auditor1")
    before = _counts()
    tried = []
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods) & set(WRITES))
        if not rule.rule.startswith("/api/") or not methods or rule.endpoint in ALLOWED:
            continue
        path, kwargs = _request(rule, samples)
        for method in methods:
            response = auditor.client.open("/api/v1" + path, method=method, headers=auditor.headers, **kwargs)
            assert response.status_code == 403, (method, rule.rule, response.status_code, response.get_json())
            tried.append(rule.endpoint)
        if "instance_id" in rule.arguments:  # the finished case too (archiving is only for finished ones)
            other = auditor.client.open("/api/v1" + path.replace(f"/{running.id}/", f"/{finished.id}/"),
                                        method=methods[0], headers=auditor.headers, **kwargs)
            assert other.status_code == 403, (rule.rule, other.status_code)
    assert {"api.start_instance", "api.complete_task", "api.claim_task", "api.unclaim_task", "api.reassign_task",
            "api.save_draft", "api.cancel_instance", "api.deploy_models", "api.archive_case"} <= set(tried)
    assert _counts() == before
    row = db.session.get(Task, task.id)
    assert (row.status, row.assignee, row.draft) == ("ready", None, None)


def test_the_auditor_reads_every_case(cases, api):
    case = cases.approval()
    auditor = api("auditor1")
    for path in ("", "/events", "/history", "/history.csv", "/replay?step=1", "/replay-check", "/export"):
        assert auditor.get(f"/process-instances/{case.id}{path}").status_code == 200, path
    assert auditor.get("/audit/cases").status_code == 200
    assert auditor.get("/audit/verify").get_json()["ok"] is True


def test_the_auditor_cannot_act_through_the_engine_either(cases, users):
    running = cases.pending()
    [task] = ready(running.id).values()
    auditor = users["auditor1"]
    for attempt in (lambda: commands.complete_task(task_id=task.id, data={}, actor=auditor),
                    lambda: commands.claim_task(task_id=task.id, actor=auditor),
                    lambda: commands.reassign_task(task_id=task.id, assignee="salesvp1", actor=auditor),
                    lambda: commands.cancel_instance(instance_id=running.id, actor=auditor, reason="x")):
        try:
            attempt()
        except commands.Forbidden:
            continue
        raise AssertionError("the auditor was allowed to change a case")
