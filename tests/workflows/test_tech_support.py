"""Technical support: a question recorded by sales or the desk, answered by an engineer of the
customer's region, by phone or in writing."""
from __future__ import annotations

import datetime as dt

from engine import commands
from tests.workflows.flowkit import assert_story, attachment, complete, events, steps, task_of


def test_question_goes_to_the_regions_engineer_and_is_answered_by_phone(flows, actors, clock):
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.north, "equipment_serial": "EQ-N-001", "question": "滤布多久更换一次？"},
        actor=actors["sales1"])
    assert case.received_at == clock.now().replace(tzinfo=None)
    answer = task_of(case, "answer")
    assert (answer.role, answer.assignee) == ("engineer", "eng_n1")
    case = complete(case, "answer", actors["eng_n1"])
    assert_story(case)
    assert steps(case) == [("answer", "eng_n1")]
    submitted = [e for e in events(case) if e.type == "task_completed"][0].data["submitted"]
    assert submitted == {"channel": "phone", "answer": "建议将过滤压力调至0.6MPa"}


def test_desk_records_a_question_received_earlier_and_it_is_answered_in_writing(flows, actors, api):
    response = api("desk1").post("/process-instances", json={"process_id": "tech_support", "data": {
        "customer_id": flows.sw, "question": "请提供液压站维护手册", "received_at": "2026-03-01T17:10:00+08:00"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["data"]["received_at"] == "2026-03-01T17:10:00+08:00"
    assert body["tasks"][0]["assignee"] == "eng_sw1"
    case = complete(body["id"], "answer", actors["eng_sw1"], channel="email", answer="已邮件发送手册",
                    reference_docs=[attachment("doc-1", "eng_sw1")])
    assert case.status == "completed" and case.received_at == dt.datetime(2026, 3, 1, 9, 10)


def test_only_sales_and_desk_record_questions_and_only_the_engineer_answers(flows, actors, api):
    body = {"process_id": "tech_support", "data": {"customer_id": flows.south, "question": "报警代码E12"}}
    assert api("eng_g1").post("/process-instances", json=body).status_code == 403
    created = api("sales1").post("/process-instances", json=body).get_json()
    answer = created["tasks"][0]
    assert answer["assignee"] == "eng_g1"
    response = api("eng_n1").post(f"/tasks/{answer['id']}/complete", json={"data": {"channel": "phone",
                                                                                     "answer": "x"}})
    assert response.status_code == 403
    missing = api("eng_g1").post(f"/tasks/{answer['id']}/complete", json={"data": {"channel": "phone"}})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"answer": ["此项为必填项。"]}
