"""A form names an attachment only if its submitter uploaded it or it is already on the case;
auditors cannot upload; and for claim, give back, reassign and cancel the role check comes first:
a user without the role gets 403 whatever the task's state or the request's body."""
from __future__ import annotations

import io

import pytest

from engine import attachments, commands, queries
from engine.clock import now
from engine.commands import transaction
from engine.errors import Forbidden, ValidationFailed
from tests.web.conftest import PNG, Browser

OTHER_PNG = PNG + b"other"
REPORT = {"summary": "ok", "hours": 1, "fixed": True}


def upload(content: bytes, by: str) -> str:
    with transaction():
        return attachments.store(filename="p.png", content=content, uploaded_by=by, max_bytes=1 << 20, now=now()).id


@pytest.fixture
def case(deploy, users):
    deploy("t_forms")
    photo = upload(PNG, "sales1")
    started = commands.start_instance(process_id="t_forms", actor=users["sales1"], data={
        "customer_name": "A", "symptom": "x", "photos": [photo]})
    return started, photo


def test_a_form_refuses_a_file_someone_else_uploaded(case, users):
    started, _ = case
    [report] = queries.tasks_of(started.id, "ready")
    foreign = upload(OTHER_PNG, "desk1")
    with pytest.raises(ValidationFailed) as refused:
        commands.complete_task(task_id=report.id, data={**REPORT, "photos": [foreign]}, actor=users["eng1"])
    assert "不是您上传的" in refused.value.errors["photos.0"][0]
    assert queries.task(report.id).status == "ready" and attachments.cases_naming(foreign) == []
    with pytest.raises(ValidationFailed):  # nor can a case be started naming it
        commands.start_instance(process_id="t_forms", actor=users["sales1"], data={
            "customer_name": "A", "symptom": "x", "photos": [foreign]}, lang="en")


def test_a_form_accepts_its_own_uploads_and_files_already_on_the_case(case, users):
    started, photo = case
    [report] = queries.tasks_of(started.id, "ready")
    same_bytes = upload(OTHER_PNG, "desk1")
    assert upload(OTHER_PNG, "eng1") == same_bytes  # stored once, uploaded by both
    done = commands.complete_task(task_id=report.id, data={**REPORT, "photos": [photo, same_bytes]},
                                  actor=users["eng1"])
    assert done.status == "running" and attachments.cases_naming(same_bytes) == [started.id]


def test_auditors_cannot_upload(users, client):
    with pytest.raises(Forbidden):
        upload(PNG, "auditor1")
    auditor = Browser(client)
    auditor.login("auditor1")
    assert auditor.post("/files", {}).status_code == 403  # the role before the (missing) file
    assert auditor.post("/files", {"file": (io.BytesIO(PNG), "p.png")},
                        content_type="multipart/form-data").status_code == 403


@pytest.fixture
def ready_task(case, users):
    started, _ = case
    [report] = queries.tasks_of(started.id, "ready")
    return started, report


def test_claim_and_give_back_check_the_role_before_the_state(ready_task, users, api):
    _, report = ready_task
    commands.claim_task(task_id=report.id, actor=users["eng1"])
    assert api("desk1").post(f"/tasks/{report.id}/claim").status_code == 403  # not 409 "claimed by eng1"
    assert api("desk1").post(f"/tasks/{report.id}/unclaim").status_code == 403
    commands.complete_task(task_id=report.id, data=REPORT, actor=users["eng1"])
    assert api("desk1").post(f"/tasks/{report.id}/claim").status_code == 403  # not 409 "already completed"
    assert api("desk1").post(f"/tasks/{report.id}/unclaim").status_code == 403
    assert api("eng1").post(f"/tasks/{report.id}/claim").status_code == 409  # with the role: the state


def test_reassign_and_cancel_check_the_role_before_the_body_and_the_state(ready_task, users, api):
    started, report = ready_task
    eng = api("eng1")
    assert eng.post(f"/tasks/{report.id}/reassign", json={}).status_code == 403  # not 422
    assert eng.post(f"/tasks/{report.id}/reassign", json={"assignee": "eng1"}).status_code == 403
    assert eng.post(f"/process-instances/{started.id}/cancel", json={}).status_code == 403  # not 422
    commands.cancel_instance(instance_id=started.id, actor=users["manager1"], reason="duplicate")
    assert eng.post(f"/process-instances/{started.id}/cancel", json={"reason": "x"}).status_code == 403  # not 409
    assert eng.post(f"/tasks/{report.id}/reassign", json={"assignee": "eng1", "reason": ""}).status_code == 403
    manager = api("manager1")
    assert manager.post(f"/process-instances/{started.id}/cancel", json={"reason": "x"}).status_code == 409
    assert manager.post(f"/tasks/{report.id}/reassign", json={}).status_code == 422


def test_a_field_required_only_when_another_answer_says_so():
    from engine.forms import check_definition, validate_data
    form = {"fields": [{"name": "accepted", "type": "boolean", "required": True},
                       {"name": "reason", "type": "text", "required_when": {"accepted": False}},
                       {"name": "count", "type": "integer"}]}
    assert validate_data(form, {"accepted": True}) == {"accepted": True}
    with pytest.raises(ValidationFailed) as missing:
        validate_data(form, {"accepted": "false", "reason": " "}, lang="en")
    assert missing.value.errors == {"reason": ["This field is required."]}
    with pytest.raises(ValidationFailed) as both:  # told together with the other field's problem
        validate_data(form, {"accepted": False, "count": "x"}, lang="en")
    assert set(both.value.errors) == {"reason", "count"}
    assert validate_data(form, {"accepted": False, "reason": "too dear"})["reason"] == "too dear"
    assert check_definition("f", form) == []
    bad = {"fields": [{"name": "reason", "type": "text", "required_when": {"nobody": False}}]}
    assert check_definition("f", bad)[0].startswith("form 'f': field 'reason': 'required_when' must name")
    in_rows = {"fields": [{"name": "lines", "type": "rows", "fields": [
        {"name": "ok", "type": "boolean"}, {"name": "why", "type": "text", "required_when": {"ok": False}}]}]}
    assert check_definition("f", in_rows) == [
        "form 'f': field 'lines.why': 'required_when' is for the form's own fields, not a row's"]
