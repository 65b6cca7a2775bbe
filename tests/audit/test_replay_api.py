"""GET /process-instances/{id}/replay?step=N: the state right after the N-th event."""
from __future__ import annotations

import pytest

from engine import replay
from engine.audit import chain as audit
from tests.audit.demo_cases import FINISHED


@pytest.mark.parametrize("name", FINISHED)
def test_every_step_matches_its_event(cases, api, name):
    case = getattr(cases, name)()
    events = audit.events_of(case.id)
    auditor = api("auditor1")
    for event in events:
        body = auditor.get(f"/process-instances/{case.id}/replay?step={event.seq}").get_json()
        assert (body["step"], body["steps"], body["event"]["seq"]) == (event.seq, len(events), event.seq)
        assert (body["completed"], body["active"]) == (event.state["completed"], event.state["active"])
        if event.type in ("task_completed", "gateway_taken", "element_completed", "timer_fired"):
            assert event.element_id in body["completed"] and event.element_id not in body["active"]
        if event.type == "task_ready":
            assert event.element_id in body["active"]
    final = auditor.get(f"/process-instances/{case.id}/replay").get_json()
    assert final["step"] == len(events) and final["data"] == case.data
    assert replay.check(case.id).ok  # the stored sets are the ones re-execution produces


def test_data_is_the_case_data_as_it_stood(cases, api):
    case = cases.claim(amount="800", comment="同意")
    events = audit.events_of(case.id)
    done = next(e for e in events if e.type == "task_completed")
    auditor = api("auditor1")
    first = auditor.get(f"/process-instances/{case.id}/replay?step=1").get_json()
    assert first["event"]["type"] == "instance_started"
    assert first["data"] == {"customer_name": "华西机械", "amount": "800.00", "case_number": case.case_number}
    before = auditor.get(f"/process-instances/{case.id}/replay?step={done.seq - 1}").get_json()
    assert before["data"]["approver"] == "service_manager" and "comment" not in before["data"]
    at = auditor.get(f"/process-instances/{case.id}/replay?step={done.seq}").get_json()
    assert at["data"]["comment"] == "同意" and "booking" not in at["data"]
    assert at["event"]["comment"] == "同意" and at["event"]["decision"] is True
    assert "approval" in at["event"]["categories"]
    assert at["active"] == [] and "mgr_ok" in at["completed"]


def test_step_out_of_range_is_refused_with_a_clear_message(cases, api):
    case = cases.dmn()
    steps = len(audit.events_of(case.id))
    auditor = api("auditor1")
    response = auditor.get(f"/process-instances/{case.id}/replay?step={steps + 1}")
    assert response.status_code == 422
    assert response.get_json()["errors"]["step"] == [f"步骤必须在 1 到 {steps} 之间。"]
    english = auditor.get(f"/process-instances/{case.id}/replay?step=0&lang=en")
    assert english.status_code == 422
    assert auditor.get(f"/process-instances/{case.id}/replay?step={steps + 1}&lang=en").get_json()[
        "errors"]["step"] == [f"step must be between 1 and {steps}"]


def test_only_people_who_may_read_the_case_see_its_replay(cases, api):
    case = cases.approval()
    assert api("sales1").get(f"/process-instances/{case.id}/replay?step=1").status_code == 200  # started it
    assert api("desk2").get(f"/process-instances/{case.id}/replay?step=1").status_code == 200  # the desk reads all
    response = api("eng1").get(f"/process-instances/{case.id}/replay?step=1")
    assert response.status_code == 403
    assert api("auditor1").get("/process-instances/999/replay?step=1").status_code == 404


def test_the_step_shows_what_an_input_changed(cases, api):
    case = cases.claim(amount="800", approved_amount="750")
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    event = api("auditor1").get(f"/process-instances/{case.id}/replay?step={done.seq}").get_json()["event"]
    changes = {c["field"]: (c["before"], c["after"], c["changed"]) for c in event["changes"]}
    assert changes["amount"] == ("800.00", "750.00", True)
    assert changes["approved"] == (None, True, True)
